import { describe, expect, it } from 'vitest';
import { builtServerForFile, checkEscalationRows, freshSubjects, kubectlSender, reason, rules, type EscalationRow as Row, type EscalationState as State, type KubectlRequest as Req } from '../support/built-server.js';

/**
 * A member cluster's API reached through a multi-cluster control plane on the API server's own
 * host (session 35), black-box against the built server with the example policy, in the four token
 * states of attack-mesh-bypass (built-server.ts ESCALATION_STATES). Karmada's aggregated API server
 * passes `/apis/cluster.karmada.io/v1alpha1/clusters/<member>/proxy/<path>` to the member with the
 * caller's identity, karmada-search's global proxy does for every member at once, Clusternet's hub
 * for `/apis/proxies.clusternet.io/v1alpha1/sockets/<id>/proxy/…`, kcp for a workspace's
 * `/clusters/<workspace>/…`; Gardener's `shoots/adminkubeconfig` mints a cluster-admin certificate
 * for a shoot; Open Cluster Management's ClusterPermission writes RBAC on a managed cluster, and a
 * ConfigurationPolicy's `object-templates-raw` the objects in its string. 27 requests were tried in
 * the four states (the request encodings, token shapes and path spellings of the session's brief
 * were checked against the earlier files and found held there: attack-fresh-eyes, attack-shapes,
 * attack-corpus); the rows kept are the ones that found something and the ones that show the
 * member's request is read whole. Each found row was allowed to the everyday sign-in before (a GET
 * of the proxy object, or a custom object no rule named, was the default rule's); a write through
 * a proxy was refused before only because a POST or PATCH of a cluster-scoped custom object is
 * `cluster-add-on-objects`'.
 */

const server = builtServerForFile('member-clusters');
const send = kubectlSender(server, freshSubjects(() => server().issuer, 'member-clusters'));
const JSON_CT = { 'content-type': 'application/json' };
const WEBSOCKET = { connection: 'Upgrade', upgrade: 'websocket', 'sec-websocket-protocol': 'v5.channel.k8s.io' };

const KARMADA = '/apis/cluster.karmada.io/v1alpha1/clusters/member1/proxy';
const KARMADA_SEARCH = '/apis/search.karmada.io/v1alpha1/proxying/karmada/proxy';
const SOCKET = '/apis/proxies.clusternet.io/v1alpha1/sockets/6c085c18-3baf-443c-abff-459751f5e3d3/proxy';
const SHOOT = '/apis/core.gardener.cloud/v1beta1/namespaces/garden-shop/shoots/prod';
const IMAGE = `registry.example/web:1.4@sha256:${'c'.repeat(64)}`;

const get = (path: string, headers?: Record<string, string>): Req => ({ method: 'GET', path, ...(headers && { headers }) });
const post = (path: string, body: unknown): Req => ({ method: 'POST', path, body, headers: JSON_CT });
const exec = (prefix: string, ns: string) => get(`${prefix}/api/v1/namespaces/${ns}/pods/etcd-cp-1/exec?command=sh&stdin=true&stdout=true&tty=true`, WEBSOCKET);
const kubeconfigRequest = (kind: 'Admin' | 'Viewer') =>
  post(`${SHOOT}/${kind.toLowerCase()}kubeconfig`, { apiVersion: 'authentication.gardener.cloud/v1alpha1', kind: `${kind}KubeconfigRequest`, spec: { expirationSeconds: 86_400 } });
const clusterAdminBinding = { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRoleBinding', metadata: { name: 'ops' }, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'cluster-admin' }, subjects: [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'User', name: 'mallory@example.com' }] };
const privilegedPod = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'debug', namespace: 'dev' }, spec: { hostPID: true, containers: [{ name: 'c', image: IMAGE, securityContext: { privileged: true } }] } };
const deployment = { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web', namespace: 'dev' }, spec: { selector: { matchLabels: { app: 'web' } }, template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'web', image: IMAGE }] } } } };

const OCM_RBAC = '/apis/rbac.open-cluster-management.io/v1alpha1/namespaces/edge-0001/clusterpermissions';
const clusterPermission = (spec: object) => post(OCM_RBAC, { apiVersion: 'rbac.open-cluster-management.io/v1alpha1', kind: 'ClusterPermission', metadata: { name: 'ops', namespace: 'edge-0001' }, spec });
const RAW_BINDING = '- complianceType: musthave\n  objectDefinition:\n    apiVersion: rbac.authorization.k8s.io/v1\n    kind: ClusterRoleBinding\n    metadata: {name: ops}\n    roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: cluster-admin}\n    subjects: [{apiGroup: rbac.authorization.k8s.io, kind: User, name: mallory@example.com}]\n';
const configurationPolicy = (raw: string) => ({ apiVersion: 'policy.open-cluster-management.io/v1', kind: 'ConfigurationPolicy', metadata: { name: 'ops' }, spec: { remediationAction: 'enforce', severity: 'low', 'object-templates-raw': raw } });
const ocmPolicy = (raw: string) =>
  post('/apis/policy.open-cluster-management.io/v1/namespaces/policies/policies', { apiVersion: 'policy.open-cluster-management.io/v1', kind: 'Policy', metadata: { name: 'ops', namespace: 'policies' }, spec: { remediationAction: 'enforce', disabled: false, 'policy-templates': [{ objectDefinition: configurationPolicy(raw) }] } });

const ALL: State[] = ['stolen', 'remote', 'everyday', 'laptop'];
const UNTIL_LAPTOP: State[] = ['stolen', 'remote', 'everyday'];

/** Each allowed to the everyday sign-in (and the laptop) before this session. */
const FOUND: Row[] = [
  { what: "a Secret of the member's prod read through Karmada's cluster proxy", req: get(`${KARMADA}/api/v1/namespaces/prod/secrets/db`), by: 'secrets', refused: UNTIL_LAPTOP },
  { what: "every Secret of the member listed through Karmada's cluster proxy", req: get(`${KARMADA}/api/v1/secrets?limit=500`), by: 'secrets', refused: UNTIL_LAPTOP },
  { what: "a Secret watched through karmada-search's global proxy", req: get(`${KARMADA_SEARCH}/api/v1/namespaces/prod/secrets?watch=true&fieldSelector=metadata.name%3Ddb`), by: 'secrets', refused: UNTIL_LAPTOP },
  { what: "a Secret read through Clusternet's socket (direct)", req: get(`${SOCKET}/direct/api/v1/namespaces/prod/secrets/db`), by: 'secrets', refused: UNTIL_LAPTOP },
  { what: "a Secret read through Clusternet's socket to a named server", req: get(`${SOCKET}/https/member1.example:6443/api/v1/namespaces/prod/secrets/db`), by: 'secrets', refused: UNTIL_LAPTOP },
  { what: "a shell in the member's kube-system (WebSocket exec) through Karmada", req: exec(KARMADA, 'kube-system'), by: 'system-pod-access', refused: ALL },
  { what: "a shell in the member's kube-system through Clusternet", req: exec(`${SOCKET}/direct`, 'kube-system'), by: 'system-pod-access', refused: ALL },
  { what: "a shell in the member's prod through karmada-search", req: exec(KARMADA_SEARCH, 'prod'), by: 'pod-shell', refused: UNTIL_LAPTOP },
  { what: "the member's kubelet through nodes/proxy, through Karmada", req: get(`${KARMADA}/api/v1/nodes/worker-1/proxy/pods`), by: 'no-node-proxy', refused: ALL },
  { what: "the member's API server log files through Karmada", req: get(`${KARMADA}/logs/kube-apiserver.log`), by: 'apiserver-debug', refused: ALL },
  { what: "a Secret of a kcp workspace read through its logical cluster path", req: get('/clusters/root:shop:payments/api/v1/namespaces/prod/secrets/db'), by: 'secrets', refused: UNTIL_LAPTOP },
  { what: 'an OCM ClusterPermission granting * on * on a managed cluster', req: clusterPermission({ clusterRole: { rules: [{ apiGroups: ['*'], resources: ['*'], verbs: ['*'] }] }, clusterRoleBinding: { subject: { kind: 'User', apiGroup: 'rbac.authorization.k8s.io', name: 'mallory@example.com' } } }), by: 'ocm-rbac-writes', refused: ALL },
  { what: "an OCM ClusterPermission binding cluster-admin on a managed cluster", req: clusterPermission({ clusterRoleBindings: [{ name: 'ops', roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'cluster-admin' }, subject: { kind: 'User', apiGroup: 'rbac.authorization.k8s.io', name: 'mallory@example.com' } }] }), by: 'ocm-rbac-writes', refused: ALL },
  { what: "an OCM Policy whose object-templates-raw string binds cluster-admin on every placed cluster", req: ocmPolicy(RAW_BINDING), by: 'guardrail:rbac_cluster_admin_binding', refused: ALL },
  { what: "an OCM Policy whose object-templates-raw ranges over the hub's objects", req: ocmPolicy(`{{hub range $c := (lookup "v1" "Namespace" "" "").items hub}}\n${RAW_BINDING}{{hub end hub}}\n`), by: 'guardrail:body_unreadable', refused: ALL },
  { what: "a Gardener shoot's cluster-admin kubeconfig (shoots/adminkubeconfig)", req: kubeconfigRequest('Admin'), by: 'shoot-admin-kubeconfigs', refused: ALL },
];

/**
 * Writes through a proxy, refused before as a cluster-scoped custom object's write
 * (cluster-add-on-objects); now by what they write, their body read as the member's object.
 */
const BODIES: Row[] = [
  { what: "a cluster-admin ClusterRoleBinding created in the member through Karmada", req: post(`${KARMADA}/apis/rbac.authorization.k8s.io/v1/clusterrolebindings`, clusterAdminBinding), by: 'guardrail:rbac_cluster_admin_binding', refused: ALL },
  { what: "a privileged Pod created in the member's dev through Clusternet", req: post(`${SOCKET}/direct/api/v1/namespaces/dev/pods`, privilegedPod), by: 'guardrail:privileged_container', refused: ALL },
  { what: "a token minted for a member's kube-system account through Karmada", req: post(`${KARMADA}/api/v1/namespaces/kube-system/serviceaccounts/generic-garbage-collector/token`, { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenRequest', spec: { expirationSeconds: 86_400 } }), by: 'service-account-tokens', refused: ALL },
];

describe('found: refused now in the states listed, allowed to the everyday sign-in before', () => checkEscalationRows(send, FOUND));
describe("a write through a proxy is judged by the member's object it carries", () => checkEscalationRows(send, BODIES));

describe('controls: the everyday work beside them stays allowed to the everyday sign-in', () => {
  it.each<[string, Req]>([
    ["the member's dev pods listed through Karmada", get(`${KARMADA}/api/v1/namespaces/dev/pods?limit=500`)],
    ["the member's nodes listed through Karmada (kubectl get --raw, Karmada's own example)", get(`${KARMADA}/api/v1/nodes`)],
    ["a Deployment created in the member's dev through Karmada (asked a hardware key before, as a cluster-scoped add-on write)", post(`${KARMADA}/apis/apps/v1/namespaces/dev/deployments`, deployment)],
    ["the member's dev pods listed through Clusternet", get(`${SOCKET}/direct/api/v1/namespaces/dev/pods`)],
    ["a kcp workspace's dev pods listed", get('/clusters/root:shop:payments/api/v1/namespaces/dev/pods')],
    ["a Karmada member cluster's own object read", get('/apis/cluster.karmada.io/v1alpha1/clusters/member1')],
    ["a Gardener shoot's viewer kubeconfig (no Secrets)", kubeconfigRequest('Viewer')],
    ['an OCM Policy whose object-templates-raw makes a ConfigMap', ocmPolicy('- complianceType: musthave\n  objectDefinition:\n    apiVersion: v1\n    kind: ConfigMap\n    metadata: {name: site, namespace: ran}\n    data: {cell: "42"}\n')],
  ])('%s', async (_what, req) => {
    const res = await send(req, 'everyday');
    expect(reason(res), rules(res)).toBe('allowed');
  });
});
