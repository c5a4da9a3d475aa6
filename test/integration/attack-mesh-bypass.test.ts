import { describe, expect, it } from 'vitest';
import { builtServerForFile, freshSubjects, kubectlSender, reason, REFUSED, rules, checkEscalationRows, type EscalationRow as Row, type EscalationState as State, type KubectlRequest as Req } from '../support/built-server.js';

/**
 * What redteam32 left open, and the mesh that puts stepgate in the path (session 33), sent
 * black-box to the built server with the example policy. An attacker's best move is to take the
 * gate out: a route to the API server on a host no CUSTOM policy covers, or the ingress gateway's
 * or istiod's own Deployment. About 70 requests were tried in four token states; the rows kept are
 * those that found something (each class says what was allowed before) and those that add
 * coverage the earlier files (attack-operators, attack-shapes, attack-platforms) do not send.
 *
 * The victim's token in four states:
 * - `stolen`: one factor ten hours old, from a network the victim never used;
 * - `remote`: two factors a minute old, from a new network, after the victim's own read;
 * - `everyday`: one factor ten minutes old, from the office, after the victim's own read;
 * - `laptop`: two factors a minute old, from the office (malware on the victim's laptop).
 */

const server = builtServerForFile('mesh-bypass');
const send = kubectlSender(server, freshSubjects(() => server().issuer, 'mesh-bypass'));
const JSON_CT = { 'content-type': 'application/json' };
const MERGE = { 'content-type': 'application/merge-patch+json' };
const SMP = { 'content-type': 'application/strategic-merge-patch+json' };
const post = (path: string, body: unknown): Req => ({ method: 'POST', path, body, headers: JSON_CT });
const merge = (path: string, body: unknown): Req => ({ method: 'PATCH', path, body, headers: MERGE });

const IMAGE = `registry.example/web:1.4@sha256:${'a'.repeat(64)}`;
const DEPLOYMENTS = '/apis/apps/v1/namespaces/dev/deployments';
const deployment = (pod: object) => post(DEPLOYMENTS, { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web' }, spec: { selector: { matchLabels: { app: 'web' } }, template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'web', image: IMAGE }], ...pod } } } });
const CP = 'node-role.kubernetes.io/control-plane';
const TOLERATE_CP = { tolerations: [{ key: CP, operator: 'Exists', effect: 'NoSchedule' }] };
const ISTIO = '/apis/networking.istio.io/v1';
const GATEWAY_API = '/apis/gateway.networking.k8s.io/v1';
const API_SERVER = 'kubernetes.default.svc.cluster.local';
const virtualService = (destination: string) =>
  post(`${ISTIO}/namespaces/dev/virtualservices`, { apiVersion: 'networking.istio.io/v1', kind: 'VirtualService', metadata: { name: 'api' }, spec: { hosts: ['api.dev.example.com'], gateways: ['istio-system/public'], http: [{ route: [{ destination: { host: destination, port: { number: 443 } } }] }] } });
const httpRoute = (backendRef: object) =>
  post(`${GATEWAY_API}/namespaces/dev/httproutes`, { apiVersion: 'gateway.networking.k8s.io/v1', kind: 'HTTPRoute', metadata: { name: 'api' }, spec: { parentRefs: [{ name: 'public-gw', namespace: 'istio-ingress' }], hostnames: ['api.dev.example.com'], rules: [{ backendRefs: [backendRef] }] } });
const externalName = (name: string) => post('/api/v1/namespaces/dev/services', { apiVersion: 'v1', kind: 'Service', metadata: { name: 'api' }, spec: { type: 'ExternalName', externalName: name } });
const csiVolume = (csi: object) => deployment({ volumes: [{ name: 'data', csi }] });


const ALL: State[] = ['stolen', 'remote', 'everyday', 'laptop'];
const UNTIL_LAPTOP: State[] = ['stolen', 'remote', 'everyday'];

/** Each allowed to the everyday sign-in before this session (the laptop too where it is refused now). */
const FOUND: Row[] = [
  // gated_host_route by its backend: the gate switched off for whoever knows the new host.
  {
    what: 'a VirtualService in dev routing a new host on the public gateway to the API server',
    req: virtualService(API_SERVER),
    by: 'guardrail:gated_host_route',
    refused: ALL,
  },
  { what: 'the same to kubernetes.default', req: virtualService('kubernetes.default'), by: 'guardrail:gated_host_route', refused: ALL },
  { what: "an HTTPRoute on the shared gateway with Istio's Hostname backend naming the API server", req: httpRoute({ group: 'networking.istio.io', kind: 'Hostname', name: API_SERVER, port: 443 }), by: 'guardrail:gated_host_route', refused: ALL },
  { what: "an HTTPRoute whose backend is the Service kubernetes in default", req: httpRoute({ name: 'kubernetes', namespace: 'default', port: 443 }), by: 'guardrail:gated_host_route', refused: ALL },
  {
    what: 'an ExternalName Service in dev aliasing the API server (an Ingress of dev then names it)',
    req: externalName(API_SERVER),
    by: 'guardrail:gated_host_route',
    refused: ALL,
  },
  {
    what: 'a ServiceEntry in dev whose endpoint is the API server',
    req: post(`${ISTIO}/namespaces/dev/serviceentries`, { apiVersion: 'networking.istio.io/v1', kind: 'ServiceEntry', metadata: { name: 'api' }, spec: { hosts: ['api.dev.internal'], location: 'MESH_INTERNAL', resolution: 'DNS', ports: [{ number: 443, name: 'https', protocol: 'HTTPS' }], endpoints: [{ address: API_SERVER }] } }),
    by: 'guardrail:gated_host_route',
    refused: ALL,
  },
  // The mesh's own workloads: no policy touched, ext_authz gone for every request.
  {
    what: "the ingress gateway's Deployment given another proxy image",
    req: { method: 'PATCH', path: '/apis/apps/v1/namespaces/istio-ingress/deployments/istio-ingressgateway', body: { spec: { template: { spec: { containers: [{ name: 'istio-proxy', image: 'ghcr.io/mallory/proxyv2:1.24.3' }] } } } }, headers: SMP },
    by: 'gate-mesh-workloads',
    refused: ALL,
  },
  {
    what: "istiod's Deployment given another pilot image (every proxy's filters)",
    req: { method: 'PATCH', path: '/apis/apps/v1/namespaces/istio-system/deployments/istiod', body: { spec: { template: { spec: { containers: [{ name: 'discovery', image: 'ghcr.io/mallory/pilot:1.24.3' }] } } } }, headers: SMP },
    by: 'gate-mesh-workloads',
    refused: ALL,
  },
  {
    what: "an EndpointSlice in istio-system labelled for istiod's Service (a share of the proxies' configuration from the writer's pod)",
    req: post('/apis/discovery.k8s.io/v1/namespaces/istio-system/endpointslices', { apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice', metadata: { name: 'istiod-extra', labels: { 'kubernetes.io/service-name': 'istiod' } }, addressType: 'IPv4', ports: [{ name: 'grpc-xds', port: 15010 }], endpoints: [{ addresses: ['10.42.7.19'] }] }),
    by: 'gate-mesh-workloads',
    refused: ALL,
  },
  {
    what: "the ingress gateway's Service selector moved to another pod",
    req: merge('/api/v1/namespaces/istio-ingress/services/istio-ingressgateway', { spec: { selector: { app: 'mallory-gw' } } }),
    by: 'gate-mesh-workloads',
    refused: ALL,
  },
  // control_plane_placement: onto the control-plane nodes, with no host access asked.
  { what: 'a Deployment in dev with a nodeSelector on the control-plane role and its toleration', req: deployment({ nodeSelector: { [CP]: '' }, ...TOLERATE_CP }), by: 'guardrail:control_plane_placement', refused: UNTIL_LAPTOP },
  {
    what: 'a Deployment in dev with a required node affinity on the control-plane role',
    req: deployment({ affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: CP, operator: 'Exists' }] }] } } }, ...TOLERATE_CP }),
    by: 'guardrail:control_plane_placement',
    refused: UNTIL_LAPTOP,
  },
  { what: 'a Deployment in dev pinned to a node by name (past the scheduler and its taints)', req: deployment({ nodeName: 'cp-eu-1' }), by: 'guardrail:control_plane_placement', refused: UNTIL_LAPTOP },
  { what: 'a Deployment in dev tolerating every taint', req: deployment({ tolerations: [{ operator: 'Exists' }] }), by: 'guardrail:control_plane_placement', refused: UNTIL_LAPTOP },
  {
    what: "a kubectl patch adding the pre-1.24 'master' selector to a running Deployment",
    req: { method: 'PATCH', path: `${DEPLOYMENTS}/web`, body: { spec: { template: { spec: { nodeSelector: { 'node-role.kubernetes.io/master': '' } } } } }, headers: SMP },
    by: 'guardrail:control_plane_placement',
    refused: UNTIL_LAPTOP,
  },
  // network_volume: a CSI inline volume is the nfs volume by another name.
  { what: 'a Deployment in dev with a csi-driver-nfs inline volume naming production\'s export', req: csiVolume({ driver: 'nfs.csi.k8s.io', volumeAttributes: { server: 'nfs.prod.internal', share: '/exports/payments' } }), by: 'guardrail:network_volume', refused: UNTIL_LAPTOP },
  { what: 'a Deployment in dev with a csi-driver-smb inline volume naming finance\'s share', req: csiVolume({ driver: 'smb.csi.k8s.io', volumeAttributes: { source: '//fs.prod/finance' }, nodePublishSecretRef: { name: 'smb-creds' } }), by: 'guardrail:network_volume', refused: UNTIL_LAPTOP },
];

/** Right before this session, in shapes the earlier files do not send. */
const ALREADY: Row[] = [
  { what: 'the CUSTOM AuthorizationPolicy narrowed to a host nobody uses', req: merge('/apis/security.istio.io/v1/namespaces/istio-system/authorizationpolicies/stepgate-kube-api', { spec: { rules: [{ to: [{ operation: { hosts: ['nothing.invalid'] } }] }] } }), by: 'gate-mesh', refused: ALL },
  { what: "a PeerAuthentication turning off mTLS to stepgate's pods", req: post('/apis/security.istio.io/v1/namespaces/stepgate/peerauthentications', { apiVersion: 'security.istio.io/v1', kind: 'PeerAuthentication', metadata: { name: 'off' }, spec: { mtls: { mode: 'DISABLE' } } }), by: 'gate-itself', refused: ALL },
  { what: "stepgate's Namespace taken out of sidecar injection", req: merge('/api/v1/namespaces/stepgate', { metadata: { labels: { 'istio-injection': 'disabled' } } }), by: 'gate-itself', refused: ALL },
  { what: "Kyverno's admission controller scaled to zero (its webhook then fails open or closed as configured)", req: merge('/apis/apps/v1/namespaces/kyverno/deployments/kyverno-admission-controller/scale', { spec: { replicas: 0 } }), by: 'system-component-deletes', refused: ALL },
  { what: "Sealed Secrets' private keys listed by their label in kube-system", req: { method: 'GET', path: '/api/v1/namespaces/kube-system/secrets?labelSelector=sealedsecrets.bitnami.com%2Fsealed-secrets-key' }, by: 'system-secrets', refused: ALL },
  {
    what: "a Sealed Secrets key of the writer's own made active in kube-system (it then decrypts what is sealed to it)",
    req: post('/api/v1/namespaces/kube-system/secrets', { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'sealed-secrets-keymine', labels: { 'sealedsecrets.bitnami.com/sealed-secrets-key': 'active' } }, type: 'kubernetes.io/tls', data: { 'tls.crt': '', 'tls.key': '' } }),
    by: 'guardrail:system_namespace_secret',
    refused: ALL,
  },
];

describe('found: refused now in the states listed, allowed to the everyday sign-in before', () => checkEscalationRows(send, FOUND));
describe('already right, in shapes the earlier files do not send', () => checkEscalationRows(send, ALREADY));

describe('controls: the everyday work beside them stays allowed to the everyday sign-in', () => {
  it.each<[string, Req]>([
    ['a plain Deployment in dev', deployment({})],
    ['a Deployment kept off the control plane (DoesNotExist), with a GPU taint tolerated', deployment({ affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: CP, operator: 'DoesNotExist' }] }] } } }, tolerations: [{ key: 'nvidia.com/gpu', operator: 'Exists', effect: 'NoSchedule' }] })],
    ["a Secrets Store CSI inline volume (the namespace's own SecretProviderClass)", csiVolume({ driver: 'secrets-store.csi.k8s.io', readOnly: true, volumeAttributes: { secretProviderClass: 'web' } })],
    ['an ExternalName Service for a managed database', externalName('orders.abc123.eu-west-1.rds.amazonaws.com')],
    ["a VirtualService routing the team's host to its own Service", virtualService('web.dev.svc.cluster.local')],
    ["an HTTPRoute on the shared gateway to the team's own Service", httpRoute({ name: 'web', port: 8080 })],
  ])('%s', async (_what, req) => {
    const res = await send(req, 'everyday');
    expect(reason(res), rules(res)).toBe('allowed');
  });

  it.each<[string, Req]>([
    ["istiod's Deployment read", { method: 'GET', path: '/apis/apps/v1/namespaces/istio-system/deployments/istiod' }],
    ['a port-forward to istiod (istioctl dashboard, day 8)', { method: 'POST', path: '/api/v1/namespaces/istio-system/pods/istiod-7d9c8b5f4-x2k9q/portforward' }],
    ["the ingress gateway's logs", { method: 'GET', path: '/api/v1/namespaces/istio-ingress/pods/istio-ingressgateway-5c7d8f9b6-m2v7t/log?container=istio-proxy&tailLines=200' }],
  ])('the platform laptop: %s is not gate-mesh-workloads', async (_what, req) => {
    const res = await send(req, 'laptop');
    expect(rules(res).split(',')).not.toContain('gate-mesh-workloads');
  });
});

/**
 * Left open, each allowed to the everyday sign-in in dev: the harm depends on objects in the cluster
 * that the request does not name (a PersistentVolume's claimRef, a node's address, what a runtime
 * class runs; docs/guardrails.md, "Left open"). The claim restoring another namespace's snapshot is
 * attack-routes-bindings' now (volume_source_other_namespace). `it.fails`: a fix makes a row pass,
 * which fails here until its marker goes.
 */
const LEFT_OPEN: [string, Req][] = [
  ['a PersistentVolumeClaim binding an existing PersistentVolume by name', post('/api/v1/namespaces/dev/persistentvolumeclaims', { apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: { name: 'data' }, spec: { accessModes: ['ReadWriteOnce'], storageClassName: '', volumeName: 'pv-prod-payments-db', resources: { requests: { storage: '50Gi' } } } })],
  ['an EndpointSlice in dev naming a node address at the kubelet port', post('/apis/discovery.k8s.io/v1/namespaces/dev/endpointslices', { apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice', metadata: { name: 'metrics-1', labels: { 'kubernetes.io/service-name': 'metrics' } }, addressType: 'IPv4', ports: [{ name: 'https', port: 10250 }], endpoints: [{ addresses: ['10.0.0.11'] }] })],
  ['a Deployment in dev naming an unsandboxed runtime class (dev is in no sandboxed_namespaces entry)', deployment({ runtimeClassName: 'runc' })],
];

describe('left open', () => {
  for (const [what, req] of LEFT_OPEN) {
    it.fails(`${what} is refused to the everyday sign-in`, async () => {
      const res = await send(req, 'everyday');
      expect(REFUSED, rules(res)).toContain(reason(res));
    });
  }
});
