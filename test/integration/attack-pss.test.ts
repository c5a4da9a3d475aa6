import { writeFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KINDS as PROTO_KINDS, kindKey, type Message } from '../../src/guardrails/protobuf/schema.js';
import { freshSubjects, KUBE, OFFICE, reason, rules, startBuiltServer, TOKEN_STATES, type BuiltServer, type Level, type TokenState } from '../support/built-server.js';
import type { CheckResponse } from '../support/grpc-client.js';
import { encodeKube } from '../support/kube-protobuf.js';
import { CONTROLS, expressible, jsonPatchOf, KINDS, podOf, yamlOf, type Control, type Kind, type List } from '../support/pss-controls.js';
import { checkRequest } from '../support/requests.js';

/**
 * Every Pod Security Standards control that is an escalation (test/support/pss-controls.ts),
 * black-box against the built server with the example policy, in every kind that runs a pod from
 * its body (the workload kinds, PodTemplate, and the operators' kinds the guardrails read by shape:
 * Argo Rollouts and Workflows, Knative, Tekton), in each container list, and in every shape a
 * client sends it: a JSON create, a server-side apply (YAML), strategic-merge, merge and JSON
 * patches, and a protobuf create (Kubernetes' own kinds; custom resources have no strategic merge
 * or protobuf).
 *
 * What each answer must be (docs/guardrails.md, the example's effects):
 * - a stolen one-factor token is never allowed, from elsewhere or from inside the network
 *   (`stolen`, `inside`), in dev or in production; nor a fresh two-factor token from a network the
 *   victim never used (`remote`);
 * - the everyday sign-in (two factors 40 minutes old, the victim's own laptop and office, after the
 *   victim's own read: `everyday`) is not enough either: a critical control asks a hardware key,
 *   an elevated one a sign-in within 15 minutes. A clean workload of the same kind and shape is
 *   allowed to it in production, so the difference is the control's;
 * - malware on the laptop with a minute-old two-factor token (`laptop`) never gets a critical one.
 * The decision names the control's guardrail wherever it is not allowed.
 *
 * Every state is sent for a JSON create, in dev and in production. For the other shapes the two
 * answers that are the policy's alone (no risk signal decides them): the inside token in dev and
 * the everyday sign-in in production. `PSS_TABLE=<file>` writes every answer there.
 */

let server: BuiltServer;
beforeAll(async () => {
  server = await startBuiltServer('pss');
}, 180_000);
afterAll(async () => {
  await server?.close();
});

const subjects = freshSubjects(() => server.issuer, 'pss');
const KUBECTL = 'kubectl/v1.32.4 (linux/amd64) kubernetes/5f8c2b1';
const NOT_ALLOWED = ['acr_insufficient', 'auth_too_old', 'policy_deny', 'risk_deny'];

type State = TokenState | 'everyday';
const STATES: Readonly<Record<State, { level: Level; age: number; source: string; victim?: boolean }>> = {
  ...TOKEN_STATES,
  // Older than the 15 minutes an elevated guardrail asks, within the hour a first write in a
  // namespace may follow the sign-in (risk.signals.unfamiliar_namespace.grace_seconds).
  everyday: { level: 'aal2', age: 2_400, source: OFFICE, victim: true },
};
const DEV = 'dev';
const PROD = 'prod-eu';

type Shape = 'json' | 'apply' | 'strategic' | 'merge' | 'jsonpatch' | 'protobuf';
const SHAPES: readonly Shape[] = ['json', 'apply', 'strategic', 'merge', 'jsonpatch', 'protobuf'];
const CONTENT: Record<Shape, string> = {
  json: 'application/json',
  apply: 'application/apply-patch+yaml',
  strategic: 'application/strategic-merge-patch+json',
  merge: 'application/merge-patch+json',
  jsonpatch: 'application/json-patch+json',
  protobuf: 'application/vnd.kubernetes.protobuf',
};

interface Req {
  method: string;
  path: string;
  body?: string;
  raw?: Uint8Array;
  contentType: string;
}

/** `obj` without the fields the protobuf table does not hold (a command, resources): the encoder refuses unknown keys. */
function prune(obj: Record<string, unknown>, schema: Message): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const f of schema.fields.values()) {
    if (f.kind === 'message' && f.inline) Object.assign(out, prune(obj, f.message));
    else if (Object.hasOwn(obj, f.name) && obj[f.name] !== null && obj[f.name] !== undefined) {
      const v = obj[f.name];
      out[f.name] = f.kind !== 'message' ? v : f.repeated ? (v as Record<string, unknown>[]).map((i) => prune(i, f.message)) : prune(v as Record<string, unknown>, f.message);
    }
  }
  return out;
}

function base(kind: Kind, ns: string): string {
  return `${kind.apiVersion.includes('/') ? `/apis/${kind.apiVersion}` : `/api/${kind.apiVersion}`}/namespaces/${ns}/${kind.resource}`;
}

/** The request `shape` sends for `c` (undefined: none) set in `list` of `kind`, in namespace `ns`. */
function request(c: Control | undefined, kind: Kind, list: List, shape: Shape, ns: string): Req {
  const name = 'pss-x';
  const eph = list === 'ephemeralContainers';
  const meta = (extra: Record<string, unknown>) => ({ name, namespace: ns, ...extra });
  const whole = (): Record<string, unknown> => {
    const p = podOf(c, kind, list, true);
    const { metadata: podMeta, ...doc } = kind.wrap(p, name) as { metadata?: Record<string, unknown> };
    return { apiVersion: kind.apiVersion, kind: kind.kind, metadata: meta({ labels: { app: name }, ...podMeta }), ...doc };
  };
  const collection = base(kind, ns);
  const object = `${collection}/${name}${eph ? '/ephemeralcontainers' : ''}`;
  switch (shape) {
    case 'json':
      return { method: eph ? 'PUT' : 'POST', path: eph ? object : `${collection}?fieldManager=kubectl-client-side-apply&fieldValidation=Strict`, body: JSON.stringify(whole()), contentType: CONTENT.json };
    case 'protobuf': {
      const doc = whole();
      const schema = PROTO_KINDS.get(kindKey(kind.apiVersion, kind.kind))!;
      return { method: eph ? 'PUT' : 'POST', path: eph ? object : collection, raw: encodeKube({ apiVersion: doc.apiVersion, kind: doc.kind, ...prune(doc, schema) }), contentType: CONTENT.protobuf };
    }
    case 'apply':
      return { method: 'PATCH', path: `${object}?fieldManager=kubectl&force=true`, body: yamlOf(whole()), contentType: CONTENT.apply };
    default: {
      // A patch shows only what it sets: the control's fields in a bare container or pod spec.
      // A JSON patch adds to a template that exists, so a custom kind's container shows no image there.
      const patch = kind.wrap(podOf(c, kind, list, false, shape === 'jsonpatch'), name);
      const body = shape === 'jsonpatch' ? JSON.stringify(jsonPatchOf(patch)) : JSON.stringify(patch);
      return { method: 'PATCH', path: `${object}?fieldManager=kubectl-patch`, body, contentType: CONTENT[shape] };
    }
  }
}

async function send(req: Req, state: State): Promise<CheckResponse> {
  const s = STATES[state];
  const token = await subjects.tokenOf(s.level, s.age);
  if (s.victim) {
    const own = await server.client.check(checkRequest({ host: KUBE, source: OFFICE, path: '/api/v1/namespaces/dev/pods?limit=500', token, headers: { 'user-agent': KUBECTL } }));
    expect(reason(own), "the victim's own request").toBe('allowed');
  }
  const headers = { 'user-agent': KUBECTL, 'content-type': req.contentType, 'x-envoy-auth-partial-body': 'false' };
  return server.client.check(checkRequest({ host: KUBE, source: s.source, method: req.method, path: req.path, token, headers, body: req.body, rawBody: req.raw }));
}

const shapesOf = (kind: Kind) => SHAPES.filter((s) => kind.builtin || (s !== 'strategic' && s !== 'protobuf'));
/** The (namespace, state) pairs each shape is sent in. */
const sendsOf = (shape: Shape): [string, State][] =>
  shape === 'json'
    ? [DEV, PROD].flatMap((ns) => (Object.keys(STATES) as State[]).map((s): [string, State] => [ns, s]))
    : [
        [DEV, 'inside'],
        [PROD, 'everyday'],
      ];

interface Answer {
  control: string;
  kind: string;
  list: List;
  shape: Shape;
  ns: string;
  state: State;
  reason: string;
  rules: string;
}
const answers: Answer[] = [];

/** Runs `jobs` with at most `n` in flight (the server is one process; the order of answers does not matter). */
async function pool<T>(jobs: (() => Promise<T>)[], n: number): Promise<T[]> {
  const out: T[] = [];
  let next = 0;
  await Promise.all(Array.from({ length: n }, async () => {
    while (next < jobs.length) {
      const i = next++;
      out[i] = await jobs[i]!();
    }
  }));
  return out;
}

function judge(c: Control, a: Answer): void {
  const where = `${c.pss}: ${c.what} in ${a.kind} ${a.list} via ${a.shape}, ${a.ns}, ${a.state} → ${a.reason} [${a.rules}]`;
  if (a.state === 'laptop' && c.need === 'fresh') return; // a minute-old two-factor sign-in is within 15 minutes
  expect.soft(NOT_ALLOWED, where).toContain(a.reason);
  if (a.reason !== 'allowed') expect.soft(a.rules, where).toContain(`guardrail:${c.code}`);
}

const rows = CONTROLS.map((c, i) => [`${c.pss}: ${c.what}`, i] as const);

// First, before any control's answers: a clean pod of each kind and shape, so that no answer
// before it (thousands of refusals from the office's address) decides it.
describe('a clean pod', () => {
  // A CronJob created in production is asked more already (prod-scheduled-jobs), a CronJob's job
  // patched there (scheduled_job_changed) and a Pod patched there (pod-edits): there the absence of
  // any other guardrail in the decision is what shows the pod is clean.
  it.each(KINDS.flatMap((kind) => shapesOf(kind).map((shape) => [kind.name, shape, kind] as const)))('%s via %s: the everyday sign-in is allowed in production', async (_name, shape, kind) => {
    for (const list of kind.lists) {
      const res = await send(request(undefined, kind, list, shape, PROD), 'everyday');
      const where = `${kind.name} ${list} ${shape} → ${rules(res)}`;
      // A patch that sets a CronJob's pod spec changes what its jobs run, however clean the pod:
      // scheduled_job_changed (two factors within 15 minutes), and no other guardrail.
      const retimed = kind.kind === 'CronJob' && (shape === 'strategic' || shape === 'merge' || shape === 'jsonpatch');
      expect.soft(rules(res).replace(retimed ? 'guardrail:scheduled_job_changed' : '', ''), where).not.toContain('guardrail:');
      if (kind.kind === 'CronJob' && (shape === 'json' || shape === 'apply' || shape === 'protobuf')) expect.soft(rules(res), where).toContain('prod-scheduled-jobs');
      else if (retimed) expect.soft(rules(res), where).toContain('guardrail:scheduled_job_changed');
      // A running Pod changed by hand in production asks a sign-in within 15 minutes (pod-edits).
      else if (kind.kind === 'Pod' && list !== 'ephemeralContainers' && shape !== 'json' && shape !== 'protobuf') expect.soft(rules(res), where).toContain('pod-edits');
      else expect.soft(reason(res), where).toBe('allowed');
    }
  });

  it('SparkApplication: a clean one (driver, executor, a claim and a ConfigMap volume) is allowed to the everyday sign-in in production', async () => {
    const app = sparkApp(PROD, {});
    const res = await send({ method: 'POST', path: `/apis/sparkoperator.k8s.io/v1beta2/namespaces/${PROD}/sparkapplications`, body: JSON.stringify(app), contentType: CONTENT.json }, 'everyday');
    expect(rules(res)).not.toContain('guardrail:');
    expect(reason(res)).toBe('allowed');
  });

});

describe.each(KINDS.map((k) => [k.name, k] as const))('%s', (_name, kind) => {
  it.each(rows)('%s', async (_what, i) => {
    const c = CONTROLS[i]!;
    const jobs: (() => Promise<Answer>)[] = [];
    for (const list of kind.lists) {
      if (!expressible(c, kind, list)) continue;
      for (const shape of shapesOf(kind)) {
        for (const [ns, state] of sendsOf(shape)) {
          jobs.push(async () => {
            const res = await send(request(c, kind, list, shape, ns), state);
            return { control: `${c.pss}: ${c.what}`, kind: kind.name, list, shape, ns, state, reason: reason(res), rules: rules(res) };
          });
        }
      }
    }
    const got = await pool(jobs, 8);
    answers.push(...got);
    for (const a of got) judge(c, a);
  });
});

// The Spark operator's SparkApplication keeps its pods' settings flat in `driver` and `executor`
// (a container's securityContext, hostNetwork, the pod security context) and the pod volumes in
// `spec.volumes`: no containers list, no template.spec. Before rules/custom-pods.ts read that
// shape, a privileged driver on the host network with the node's / mounted was a clean custom
// resource, allowed to a stolen one-factor token from inside the network in dev.
describe('Spark applications', () => {
  it('a SparkApplication with a privileged driver on the host network mounting / is not allowed on the inside token', async () => {
    const app = sparkApp(DEV, { volumes: [{ name: 'host', hostPath: { path: '/' } }], driver: { cores: 1, memory: '1g', hostNetwork: true, securityContext: { privileged: true }, volumeMounts: [{ name: 'host', mountPath: '/host' }] } });
    const res = await send({ method: 'POST', path: `/apis/sparkoperator.k8s.io/v1beta2/namespaces/${DEV}/sparkapplications`, body: JSON.stringify(app), contentType: CONTENT.json }, 'inside');
    expect(NOT_ALLOWED).toContain(reason(res));
    expect(rules(res)).toContain('guardrail:privileged_container');
  });

  it.each([
    ['a privileged executor, merge patch', 'merge', { spec: { executor: { securityContext: { privileged: true } } } }, 'privileged_container'],
    ['SYS_ADMIN on the driver, merge patch', 'merge', { spec: { driver: { securityContext: { capabilities: { add: ['SYS_ADMIN'] } } } } }, 'capability_added'],
    ['the executor on the host network, JSON patch', 'jsonpatch', [{ op: 'add', path: '/spec/executor/hostNetwork', value: true }], 'host_namespace'],
    ['a volume swapped for the node\'s / under the driver\'s mount name, merge patch', 'merge', { spec: { volumes: [{ name: 'conf', hostPath: { path: '/' } }] } }, 'host_path_volume'],
    ['a hostPath volume, server-side apply', 'apply', sparkApp(PROD, { volumes: [{ name: 'sock', hostPath: { path: '/run/containerd/containerd.sock' } }] }), 'host_path_volume'],
  ] as const)('%s is not enough for the everyday sign-in in production', async (_what, shape, body, code) => {
    const res = await send({ method: 'PATCH', path: `/apis/sparkoperator.k8s.io/v1beta2/namespaces/${PROD}/sparkapplications/etl`, body: JSON.stringify(body), contentType: CONTENT[shape] }, 'everyday');
    expect(NOT_ALLOWED).toContain(reason(res));
    expect(rules(res)).toContain(`guardrail:${code}`);
  });

  it("a ScheduledSparkApplication's template with a privileged driver is not allowed on the inside token", async () => {
    const { spec } = sparkApp(DEV, { driver: { cores: 1, memory: '1g', securityContext: { privileged: true } } });
    const body = { apiVersion: 'sparkoperator.k8s.io/v1beta2', kind: 'ScheduledSparkApplication', metadata: { name: 'nightly', namespace: DEV }, spec: { schedule: '@daily', concurrencyPolicy: 'Forbid', template: spec } };
    const res = await send({ method: 'POST', path: `/apis/sparkoperator.k8s.io/v1beta2/namespaces/${DEV}/scheduledsparkapplications`, body: JSON.stringify(body), contentType: CONTENT.json }, 'inside');
    expect(NOT_ALLOWED).toContain(reason(res));
    expect(rules(res)).toContain('guardrail:privileged_container');
  });
});

/** A Spark operator application as its docs write one, with `spec` fields replaced by `over`. */
function sparkApp(ns: string, over: Record<string, unknown>): { apiVersion: string; kind: string; metadata: Record<string, string>; spec: Record<string, unknown> } {
  return {
    apiVersion: 'sparkoperator.k8s.io/v1beta2',
    kind: 'SparkApplication',
    metadata: { name: 'etl', namespace: ns },
    spec: {
      type: 'Scala',
      mode: 'cluster',
      image: 'registry.example.com/data/spark:3.5.1',
      mainClass: 'org.example.Etl',
      mainApplicationFile: 'local:///opt/etl.jar',
      sparkVersion: '3.5.1',
      volumes: [{ name: 'scratch', persistentVolumeClaim: { claimName: 'etl-scratch' } }, { name: 'conf', configMap: { name: 'etl-conf' } }],
      driver: { cores: 1, memory: '1g', serviceAccount: 'spark', securityContext: { runAsNonRoot: true, allowPrivilegeEscalation: false }, volumeMounts: [{ name: 'conf', mountPath: '/etc/etl' }] },
      executor: { instances: 2, cores: 2, memory: '4g', volumeMounts: [{ name: 'scratch', mountPath: '/scratch' }] },
      ...over,
    },
  };
}

describe('the server after every control', () => {
  it('is still up and logged nothing on stderr', () => {
    expect(server.child.exitCode).toBeNull();
    expect(server.stderr.filter((l) => l.trim() !== '')).toEqual([]);
    if (process.env.PSS_TABLE) writeFileSync(process.env.PSS_TABLE, JSON.stringify(answers, null, 1));
  });
});
