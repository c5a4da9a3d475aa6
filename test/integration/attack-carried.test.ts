import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe } from 'vitest';
import { stringify } from 'yaml';
import { freshSubjects, KUBE, startBuiltServer, type BuiltServer } from '../support/built-server.js';
import { sweepAttacks, sweepRequest, sweepRoutine, sweepSender, type SweepAttack, type SweepRequest as Req } from '../support/platform-sweep.js';
import { exfilScaledObject, scaledObject } from '../support/workday22.js';

/**
 * Objects carried inside a wrapper for a controller to write elsewhere, black-box against the built
 * server with the example policy (src/guardrails/rules/carried.ts): a KEDA ScaledObject handed the
 * platform's ClusterTriggerAuthentication and a Multus attachment on the management VLAN, each in
 * an OCM ManifestWork (both allowed with the everyday sign-in before: only the RBAC and token
 * guardrails looked inside), and the same class through a Crossplane Object, a Fleet Bundle's
 * gzipped file, a Kyverno generate rule and a Cluster API ClusterResourceSet's Secret. Each is sent
 * in the two states of platform-sweep.ts and must be challenged or refused by the guardrail of the
 * object it carries; the routine neighbours (a ManifestWork of a ConfigMap and a Deployment, a
 * ScaledObject with the namespace's own TriggerAuthentication) stay allowed. (A Crossplane Object
 * of anything is the example policy's `cluster-add-on-objects` already.)
 */

let server: BuiltServer;
beforeAll(async () => {
  server = await startBuiltServer('carried');
}, 180_000);
afterAll(async () => {
  await server?.close();
});

const subjects = freshSubjects(() => server.issuer, 'carried');
const KUBECTL = 'kubectl/v1.32.0 (linux/amd64) kubernetes/70d3cc9';
const send = sweepSender(() => server, subjects, () => ({ userAgent: KUBECTL, own: { host: KUBE, path: '/api/v1/namespaces/dev/pods?limit=500', userAgent: KUBECTL } }));
const k = (method: string, path: string, body?: unknown): Req => sweepRequest(KUBE, method, path, body);

const work = (ns: string, ...manifests: object[]) => k('POST', `/apis/work.open-cluster-management.io/v1/namespaces/${ns}/manifestworks`, { apiVersion: 'work.open-cluster-management.io/v1', kind: 'ManifestWork', metadata: { name: 'w', namespace: ns }, spec: { workload: { manifests } } });
const object = (manifest: object) => k('POST', '/apis/kubernetes.crossplane.io/v1alpha2/objects', { apiVersion: 'kubernetes.crossplane.io/v1alpha2', kind: 'Object', metadata: { name: 'x' }, spec: { forProvider: { manifest }, providerConfigRef: { name: 'edge' } } });
const bundle = (o: object) => k('POST', '/apis/fleet.cattle.io/v1alpha1/namespaces/fleet-default/bundles', { apiVersion: 'fleet.cattle.io/v1alpha1', kind: 'Bundle', metadata: { name: 'b', namespace: 'fleet-default' }, spec: { resources: [{ name: 'o.yaml', encoding: 'base64+gz', content: gzipSync(stringify(o)).toString('base64') }] } });
const resourceSet = (o: object) => k('POST', '/api/v1/namespaces/dev/secrets', { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'addons', namespace: 'dev' }, type: 'addons.cluster.x-k8s.io/resource-set', data: { 'o.yaml': Buffer.from(stringify(o)).toString('base64') } });
// Any ConfigMap may be one a ClusterResourceSet names (the set names it, not the other way round).
const configMap = (o: object, binary = false) => k('POST', '/api/v1/namespaces/dev/configmaps', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'addons', namespace: 'dev' }, ...(binary ? { binaryData: { 'o.yaml': Buffer.from(stringify(o)).toString('base64') } } : { data: { 'o.yaml': stringify(o) } }) });
const configMapPatch = (o: object) => sweepRequest(KUBE, 'PATCH', '/api/v1/namespaces/dev/configmaps/addons', { data: { 'o.yaml': stringify(o) } }, { 'content-type': 'application/merge-patch+json' });
// What Fleet's controller stores for its agents: the Bundle's files as gzipped JSON (fleet internal/manifest).
const content = (o: object) => k('POST', '/apis/fleet.cattle.io/v1alpha1/contents', { apiVersion: 'fleet.cattle.io/v1alpha1', kind: 'Content', metadata: { name: 's-4f0c' }, content: gzipSync(JSON.stringify({ resources: [{ name: 'o.yaml', content: stringify(o) }] })).toString('base64') });
// A patch of a Secret names no type: it may be a ClusterResourceSet's, whose values Cluster API applies.
const secretPatch = (o: object) => sweepRequest(KUBE, 'PATCH', '/api/v1/namespaces/dev/secrets/addons', { stringData: { 'o.yaml': stringify(o) } }, { 'content-type': 'application/merge-patch+json' });
const generate = (o: { apiVersion: string; kind: string; metadata: { name: string; namespace?: string }; spec?: unknown }) =>
  k('POST', '/apis/kyverno.io/v1/clusterpolicies', { apiVersion: 'kyverno.io/v1', kind: 'ClusterPolicy', metadata: { name: 'p' }, spec: { rules: [{ name: 'g', match: { any: [{ resources: { kinds: ['Namespace'] } }] }, generate: { apiVersion: o.apiVersion, kind: o.kind, name: o.metadata.name, namespace: o.metadata.namespace, synchronize: true, data: { spec: o.spec } } }] } });

const EXFIL = 'https://metrics.basketry-cdn.example/v1/queue';
const exfil = exfilScaledObject('ran', 'du-worker', EXFIL) as { apiVersion: string; kind: string; metadata: { name: string; namespace: string }; spec: unknown };
const mgmt = { apiVersion: 'k8s.cni.cncf.io/v1', kind: 'NetworkAttachmentDefinition', metadata: { name: 'mgmt', namespace: 'ran' }, spec: { config: JSON.stringify({ cniVersion: '0.3.1', name: 'mgmt', type: 'macvlan', master: 'bond0.3100', mode: 'bridge' }) } };
// A pod's or a service's proxy reaches whatever it serves, as exec and port-forward do (rbac_pod_exec).
const proxyRole = (kind: 'Role' | 'ClusterRole', resource: string, verbs: string[]) => ({ apiVersion: 'rbac.authorization.k8s.io/v1', kind, metadata: { name: 'debug-proxy', ...(kind === 'Role' && { namespace: 'ran' }) }, rules: [{ apiGroups: [''], resources: [resource], verbs }] });
const KEDA = 'guardrail:keda_cluster_trigger_auth';
const NAD = 'guardrail:network_attachment_reserved';

const attacks: SweepAttack[] = [
  { what: "a ScaledObject handed the platform's ClusterTriggerAuthentication", rule: KEDA, via: [['a ManifestWork', work('edge-0021', exfil)], ['a Crossplane Object', object(exfil)], ["a Fleet Bundle's gzipped file", bundle(exfil)], ['a Kyverno generate rule', generate(exfil)], ["a ClusterResourceSet's Secret", resourceSet(exfil)], ["a ConfigMap's data", configMap(exfil)], ["a ConfigMap's binaryData", configMap(exfil, true)], ["a ConfigMap's patch", configMapPatch(exfil)], ['a Fleet Content', content(exfil)]] },
  { what: 'a Role granting GET on pods/proxy', rule: 'guardrail:rbac_pod_exec', via: [['a ManifestWork', work('edge-0021', proxyRole('Role', 'pods/proxy', ['get']))], ["a Fleet Bundle's gzipped file", bundle(proxyRole('Role', 'pods/proxy', ['get']))], ["a Secret's patch (stringData)", secretPatch(proxyRole('Role', 'pods/proxy', ['get']))]] },
  { what: 'a ClusterRole granting services/proxy', rule: 'guardrail:rbac_pod_exec', via: [['a ManifestWork', work('edge-0021', proxyRole('ClusterRole', 'services/proxy', ['get', 'create']))], ["a ClusterResourceSet's Secret", resourceSet(proxyRole('ClusterRole', 'services/proxy', ['get', 'create']))]] },
  { what: 'a NetworkAttachmentDefinition on the management VLAN', rule: NAD, via: [['a ManifestWork', work('edge-0021', mgmt)], ['a Crossplane Object', object(mgmt)], ["a Fleet Bundle's gzipped file", bundle(mgmt)], ["a Secret's patch (stringData)", secretPatch(mgmt)]] },
];

describe('objects carried in a wrapper', () => {
  sweepAttacks(attacks, send);
  const cm = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'ran-config', namespace: 'dev' }, data: { 'site.conf': 'cell=42' } };
  const deploy = { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web', namespace: 'dev' }, spec: { replicas: 2, selector: { matchLabels: { app: 'web' } }, template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'web', image: 'registry.example.com/web:1.4.2' }] } } } };
  const own = scaledObject('dev', 'worker', 1, 10, [{ type: 'rabbitmq', metadata: { queueName: 'jobs', mode: 'QueueLength', value: '50' }, authenticationRef: { name: 'rabbitmq-conn' } }]);
  sweepRoutine(
    [
      ['a ManifestWork of a ConfigMap and a Deployment with a plain image', work('dev', cm, deploy)],
      ["a ManifestWork of a ScaledObject with its namespace's own TriggerAuthentication", work('dev', own)],
      ['a ConfigMap holding a Deployment manifest with a plain image', configMap(deploy)],
      ['a ConfigMap holding a Deployment manifest, patched', configMapPatch(deploy)],
      ["a ManifestWork of a Role reading pods' logs", work('dev', proxyRole('Role', 'pods/log', ['get']))],
    ],
    send,
  );
});
