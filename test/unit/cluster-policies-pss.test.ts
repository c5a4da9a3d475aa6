import { describe, expect, it } from 'vitest';
import { checkClusterPolicies } from '../../src/guardrails/cel/judge.js';
import type { ClusterPolicies } from '../../src/guardrails/settings.js';
import { encodeKube } from '../support/kube-protobuf.js';
import { guardSettings, kube, toJsonPatch, toYaml } from '../support/guardrails.js';

/**
 * The Pod Security Standards written as the cluster's own CEL policies (examples/cluster-policies,
 * once as ValidatingAdmissionPolicy and once as Kyverno ClusterPolicy with autogen), judged against
 * good and bad Pods, Deployments and CronJobs sent every way a client can send them. Each bad
 * manifest must be flagged by exactly the profiles whose controls it breaks; the good one by none.
 */

type Obj = Record<string, unknown>;

const clone = <T>(x: T): T => structuredClone(x);

/** A pod spec that meets the restricted profile (and therefore baseline). */
const GOOD: Obj = {
  securityContext: { runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } },
  containers: [
    {
      name: 'app',
      image: 'registry.example.com/app:1.0',
      ports: [{ containerPort: 8080 }],
      securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'], add: ['NET_BIND_SERVICE'] } },
    },
  ],
  initContainers: [
    { name: 'init', image: 'registry.example.com/init:1.0', securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } } },
  ],
  volumes: [{ name: 'tmp', emptyDir: {} }, { name: 'cfg', configMap: {} }],
};

type Profile = 'pss-baseline' | 'pss-restricted';
interface Case {
  control: string;
  breaks: Profile[];
  mutate: (spec: Obj) => void;
}

const c0 = (s: Obj) => (s.containers as Obj[])[0]!;
const init0 = (s: Obj) => (s.initContainers as Obj[])[0]!;
const csc = (c: Obj) => c.securityContext as Obj;
const psc = (s: Obj) => s.securityContext as Obj;

const CASES: Case[] = [
  { control: 'hostNetwork', breaks: ['pss-baseline'], mutate: (s) => (s.hostNetwork = true) },
  { control: 'hostPID', breaks: ['pss-baseline'], mutate: (s) => (s.hostPID = true) },
  { control: 'hostIPC', breaks: ['pss-baseline'], mutate: (s) => (s.hostIPC = true) },
  { control: 'privileged container', breaks: ['pss-baseline'], mutate: (s) => (csc(c0(s)).privileged = true) },
  { control: 'privileged init container', breaks: ['pss-baseline'], mutate: (s) => (csc(init0(s)).privileged = true) },
  { control: 'capability SYS_ADMIN', breaks: ['pss-baseline', 'pss-restricted'], mutate: (s) => ((csc(c0(s)).capabilities as Obj).add = ['SYS_ADMIN']) },
  { control: 'capability CHOWN (baseline allows)', breaks: ['pss-restricted'], mutate: (s) => ((csc(c0(s)).capabilities as Obj).add = ['CHOWN']) },
  { control: 'hostPath volume', breaks: ['pss-baseline', 'pss-restricted'], mutate: (s) => (s.volumes as Obj[]).push({ name: 'h', hostPath: { path: '/' } }) },
  { control: 'gitRepo volume', breaks: ['pss-restricted'], mutate: (s) => (s.volumes as Obj[]).push({ name: 'g', gitRepo: {} }) },
  { control: 'hostPort', breaks: ['pss-baseline'], mutate: (s) => (c0(s).ports = [{ containerPort: 80, hostPort: 80 }]) },
  { control: 'Windows hostProcess (pod)', breaks: ['pss-baseline'], mutate: (s) => (psc(s).windowsOptions = { hostProcess: true }) },
  { control: 'Windows hostProcess (container)', breaks: ['pss-baseline'], mutate: (s) => (csc(c0(s)).windowsOptions = { hostProcess: true }) },
  { control: 'AppArmor Unconfined', breaks: ['pss-baseline'], mutate: (s) => (csc(c0(s)).appArmorProfile = { type: 'Unconfined' }) },
  { control: 'SELinux type spc_t', breaks: ['pss-baseline'], mutate: (s) => (csc(c0(s)).seLinuxOptions = { type: 'spc_t' }) },
  { control: 'SELinux user', breaks: ['pss-baseline'], mutate: (s) => (psc(s).seLinuxOptions = { user: 'system_u' }) },
  { control: 'procMount Unmasked', breaks: ['pss-baseline'], mutate: (s) => (csc(c0(s)).procMount = 'Unmasked') },
  { control: 'seccomp Unconfined (pod)', breaks: ['pss-baseline', 'pss-restricted'], mutate: (s) => (psc(s).seccompProfile = { type: 'Unconfined' }) },
  { control: 'unsafe sysctl', breaks: ['pss-baseline'], mutate: (s) => (psc(s).sysctls = [{ name: 'kernel.msgmax', value: '1' }]) },
  { control: 'allowPrivilegeEscalation unset', breaks: ['pss-restricted'], mutate: (s) => delete csc(init0(s)).allowPrivilegeEscalation },
  { control: 'runAsNonRoot unset', breaks: ['pss-restricted'], mutate: (s) => delete psc(s).runAsNonRoot },
  { control: 'runAsNonRoot false in a container', breaks: ['pss-restricted'], mutate: (s) => (csc(c0(s)).runAsNonRoot = false) },
  { control: 'runAsUser 0', breaks: ['pss-restricted'], mutate: (s) => (csc(c0(s)).runAsUser = 0) },
  { control: 'seccomp unset', breaks: ['pss-restricted'], mutate: (s) => delete psc(s).seccompProfile },
  { control: 'capabilities not dropped', breaks: ['pss-restricted'], mutate: (s) => ((csc(c0(s)).capabilities as Obj).drop = ['NET_RAW']) },
];

/** Fine at restricted: each shows a control read correctly, not just "anything set fails". */
const ALSO_GOOD: { name: string; mutate: (s: Obj) => void }[] = [
  { name: 'safe sysctl', mutate: (s) => (psc(s).sysctls = [{ name: 'net.ipv4.ping_group_range', value: '0 1' }]) },
  { name: 'seccomp Localhost in the container', mutate: (s) => (csc(c0(s)).seccompProfile = { type: 'Localhost', localhostProfile: 'p.json' }) },
  { name: 'hostNetwork false', mutate: (s) => (s.hostNetwork = false) },
  { name: 'SELinux container_t', mutate: (s) => (csc(c0(s)).seLinuxOptions = { type: 'container_t' }) },
  { name: 'runAsUser 1000', mutate: (s) => (csc(c0(s)).runAsUser = 1000) },
];

interface Kind {
  kind: string;
  apiVersion: string;
  url: string;
  wrap: (spec: Obj) => Obj;
}
const template = (spec: Obj) => ({ metadata: { labels: { app: 'web' } }, spec });
const KINDS: Kind[] = [
  { kind: 'Pod', apiVersion: 'v1', url: '/api/v1/namespaces/team/pods', wrap: (spec) => ({ spec }) },
  {
    kind: 'Deployment',
    apiVersion: 'apps/v1',
    url: '/apis/apps/v1/namespaces/team/deployments',
    wrap: (spec) => ({ spec: { replicas: 2, selector: { matchLabels: { app: 'web' } }, template: template(spec) } }),
  },
  {
    kind: 'CronJob',
    apiVersion: 'batch/v1',
    url: '/apis/batch/v1/namespaces/team/cronjobs',
    wrap: (spec) => ({ spec: { schedule: '0 * * * *', jobTemplate: { spec: { template: template(spec) } } } }),
  },
];

function manifest(k: Kind, spec: Obj): Obj {
  return { apiVersion: k.apiVersion, kind: k.kind, metadata: { name: 'web', namespace: 'team', labels: { app: 'web' } }, ...k.wrap(spec) };
}

interface Send {
  name: string;
  method: string;
  named: boolean;
  type: string;
  body: (m: Obj) => Uint8Array | string;
}
const SENDS: Send[] = [
  { name: 'create JSON', method: 'POST', named: false, type: 'application/json', body: (m) => JSON.stringify(m) },
  { name: 'create YAML', method: 'POST', named: false, type: 'application/yaml', body: (m) => toYaml(m) },
  { name: 'create protobuf', method: 'POST', named: false, type: 'application/vnd.kubernetes.protobuf', body: (m) => encodeKube(m) },
  { name: 'update JSON', method: 'PUT', named: true, type: 'application/json', body: (m) => JSON.stringify(m) },
  { name: 'update protobuf', method: 'PUT', named: true, type: 'application/vnd.kubernetes.protobuf', body: (m) => encodeKube(m) },
  { name: 'merge patch', method: 'PATCH', named: true, type: 'application/merge-patch+json', body: (m) => JSON.stringify({ spec: m.spec }) },
  { name: 'strategic merge patch', method: 'PATCH', named: true, type: 'application/strategic-merge-patch+json', body: (m) => JSON.stringify(m) },
  { name: 'JSON patch', method: 'PATCH', named: true, type: 'application/json-patch+json', body: (m) => JSON.stringify(toJsonPatch({ spec: m.spec })) },
  { name: 'apply patch', method: 'PATCH', named: true, type: 'application/apply-patch+yaml', body: (m) => toYaml(m) },
];

function policies(dir: string): ClusterPolicies {
  return guardSettings(`
guardrails:
  cluster_policies:
    - path: examples/cluster-policies/${dir}
      effect: {require: aal3}
`).clusterPolicies!;
}

const SETS = { 'ValidatingAdmissionPolicy': policies('vap'), 'Kyverno ClusterPolicy': policies('kyverno') };

function judge(set: ClusterPolicies, k: Kind, send: Send, spec: Obj) {
  const m = manifest(k, spec);
  const info = kube(send.method, send.named ? `${k.url}/web` : k.url);
  // An injected clock: the time budget is tested on its own, never against this machine's load.
  return checkClusterPolicies(set, info, send.body(m), send.type, false, false, () => 0);
}

/** Which profiles the violations come from; unreadable results are reported in full so a test shows why. */
function profiles(r: ReturnType<typeof judge>): string[] {
  const unreadable = r.violations.filter((v) => v.code !== 'cluster_policy');
  if (unreadable.length > 0 || r.unreadable) return [`UNREADABLE ${JSON.stringify([r.unreadable, unreadable])}`];
  return [...new Set(r.violations.map((v) => (/pss-(baseline|restricted)/.exec(v.detail) ?? ['?'])[0]))].sort();
}

describe.each(Object.entries(SETS))('Pod Security Standards as %s', (_label, set) => {
  describe.each(KINDS)('$kind', (k) => {
    it.each(SENDS)('a restricted-compliant spec passes both profiles ($name)', (send) => {
      expect(profiles(judge(set, k, send, clone(GOOD)))).toEqual([]);
      for (const g of ALSO_GOOD) {
        const spec = clone(GOOD);
        g.mutate(spec);
        expect(profiles(judge(set, k, send, spec)), g.name).toEqual([]);
      }
    });
    it.each(SENDS)('each broken control is flagged by the profiles it breaks ($name)', (send) => {
      for (const c of CASES) {
        const spec = clone(GOOD);
        c.mutate(spec);
        expect(profiles(judge(set, k, send, spec)), c.control).toEqual([...c.breaks].sort());
      }
    });
  });
});

describe('the policies\' own messages', () => {
  it('a messageExpression names the offending container; a static message is used as written', () => {
    for (const set of Object.values(SETS)) {
      const spec = clone(GOOD);
      csc(c0(spec)).privileged = true;
      csc(c0(spec)).allowPrivilegeEscalation = true;
      const r = judge(set, KINDS[1]!, SENDS[0]!, spec);
      const details = r.violations.map((v) => v.detail);
      expect(details.some((d) => d.endsWith('Privileged containers are not allowed: app') || d.includes('Privileged containers are not allowed: app'))).toBe(true);
      expect(details.some((d) => d.includes('allowPrivilegeEscalation must be false in app'))).toBe(true);
      expect(r.violations.every((v) => v.effect?.level === 2)).toBe(true);
    }
  });
});
