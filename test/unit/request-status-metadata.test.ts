import { describe, expect, it } from 'vitest';
import { kubeRequestInfo } from '../../src/request/kube.js';
import { keepsMetadata, statusMayEditMetadata } from '../../src/request/status-metadata.js';

/** request/status-metadata.ts: a status write that kube lets change the object's labels. */

const info = (method: string, path: string) => kubeRequestInfo(method, path, '', () => undefined);
const POD_STATUS = '/api/v1/namespaces/orders/pods/kiosk-0/status';
const json = (v: unknown) => JSON.stringify(v);

describe('statusMayEditMetadata', () => {
  it.each<[string, string, string, string | undefined, string | undefined]>([
    ['a merge patch of the labels', 'PATCH', POD_STATUS, 'application/merge-patch+json', json({ metadata: { labels: { app: 'pos-api' } } })],
    ['a strategic merge patch of the annotations', 'PATCH', POD_STATUS, 'application/strategic-merge-patch+json', json({ status: {}, metadata: { annotations: { a: 'b' } } })],
    ['the key spelt with a JSON escape', 'PATCH', POD_STATUS, 'application/merge-patch+json', '{"met\\u0061data":{"labels":{"app":"x"}}}'],
    ['the key in capitals', 'PATCH', POD_STATUS, 'application/merge-patch+json', json({ Metadata: { labels: { app: 'x' } } })],
    ['a JSON patch adding a label', 'PATCH', POD_STATUS, 'application/json-patch+json', json([{ op: 'add', path: '/metadata/labels/app', value: 'x' }])],
    ['a JSON patch moving labels out', 'PATCH', POD_STATUS, 'application/json-patch+json', json([{ op: 'move', from: '/metadata/labels/app', path: '/status/message' }])],
    ['a JSON patch replacing the whole object', 'PATCH', POD_STATUS, 'application/json-patch+json', json([{ op: 'replace', path: '', value: {} }])],
    ['a JSON patch op that is no object', 'PATCH', POD_STATUS, 'application/json-patch+json', json([1])],
    ['a PUT of the whole pod', 'PUT', POD_STATUS, 'application/json', json({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'kiosk-0', labels: { app: 'x' } }, status: {} })],
    ['a body not seen', 'PATCH', POD_STATUS, 'application/merge-patch+json', undefined],
    ['a protobuf body', 'PUT', POD_STATUS, 'application/vnd.kubernetes.protobuf', 'k8s\u0000…'],
    ['YAML that is no JSON', 'PATCH', POD_STATUS, 'application/apply-patch+yaml', 'metadata:\n  labels: {app: x}\n'],
    ['a body that is not JSON at all', 'PATCH', POD_STATUS, 'application/merge-patch+json', '{'],
    ['a patch of the uid and a label', 'PATCH', POD_STATUS, 'application/merge-patch+json', json({ metadata: { uid: 'u', labels: { app: 'x' } } })],
    ['a PUT naming only the uid (the labels it leaves out are removed)', 'PUT', POD_STATUS, 'application/json', json({ metadata: { uid: 'u' }, status: {} })],
    ['metadata that is no object', 'PATCH', POD_STATUS, 'application/merge-patch+json', json({ metadata: null })],
    ['a Node\'s labels', 'PATCH', '/api/v1/nodes/worker-1/status', 'application/merge-patch+json', json({ metadata: { labels: { 'node-role.kubernetes.io/control-plane': '' } } })],
    ['a Namespace\'s labels', 'PATCH', '/api/v1/namespaces/payments/status', 'application/merge-patch+json', json({ metadata: { labels: { 'pod-security.kubernetes.io/enforce': 'privileged' } } })],
    ["a Deployment's owner references (its strategy resets the labels only)", 'PATCH', '/apis/apps/v1/namespaces/kube-system/deployments/coredns/status', 'application/merge-patch+json', json({ metadata: { ownerReferences: [{ apiVersion: 'v1', kind: 'ConfigMap', name: 'gone', uid: '0' }] } })],
    ["a DaemonSet's finalizers", 'PATCH', '/apis/apps/v1/namespaces/kube-system/daemonsets/kube-proxy/status', 'application/merge-patch+json', json({ metadata: { finalizers: ['example.com/hold'] } })],
    ["a Service's annotations", 'PATCH', '/api/v1/namespaces/orders/services/api/status', 'application/merge-patch+json', json({ metadata: { annotations: { a: 'b' } } })],
    ["a CRD's finalizers (its reset is given the new object twice)", 'PATCH', '/apis/apiextensions.k8s.io/v1/customresourcedefinitions/widgets.example.com/status', 'application/json-patch+json', json([{ op: 'remove', path: '/metadata/finalizers/0' }])],
    ["a Namespace's finalize (kubectl replace --raw): its labels are written with its finalizers", 'PUT', '/api/v1/namespaces/kube-system/finalize', 'application/json', json({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'kube-system' }, spec: { finalizers: [] } })],
    ["a CSR's approval carrying labels", 'PUT', '/apis/certificates.k8s.io/v1/certificatesigningrequests/node-csr-1/approval', 'application/json', json({ metadata: { name: 'node-csr-1', labels: { a: 'b' } }, status: { conditions: [] } })],
  ])('%s: may', (_what, method, path, type, body) => {
    expect(statusMayEditMetadata(info(method, path), type, body, false)).toBe(true);
  });

  it('a body cut at the bound: may', () => {
    expect(statusMayEditMetadata(info('PATCH', POD_STATUS), 'application/merge-patch+json', json({ status: {} }), true)).toBe(true);
  });

  it.each<[string, string, string, string | undefined, string | undefined]>([
    ['a status-only merge patch', 'PATCH', POD_STATUS, 'application/merge-patch+json', json({ status: { phase: 'Running' } })],
    ['a JSON patch of a condition', 'PATCH', POD_STATUS, 'application/json-patch+json', json([{ op: 'replace', path: '/status/conditions/0/status', value: 'True' }])],
    ['bytes of a status-only patch', 'PATCH', POD_STATUS, 'application/merge-patch+json', json({ status: { message: 'metadata is fine inside a value' } })],
    ['a label written on the pod itself (not a status write)', 'PATCH', '/api/v1/namespaces/orders/pods/kiosk-0', 'application/merge-patch+json', json({ metadata: { labels: { app: 'x' } } })],
    ['a custom resource\'s status (the old object is kept whole)', 'PATCH', '/apis/example.com/v1/namespaces/orders/widgets/w/status', 'application/merge-patch+json', json({ metadata: { labels: { app: 'x' } } })],
    ["an APIService's status (kube-aggregator resets labels, annotations, finalizers, owners)", 'PATCH', '/apis/apiregistration.k8s.io/v1/apiservices/v1.example.com/status', 'application/merge-patch+json', json({ metadata: { labels: { app: 'x' } } })],
    ["a FlowSchema's status (the old metadata is copied whole)", 'PATCH', '/apis/flowcontrol.apiserver.k8s.io/v1/flowschemas/exempt/status', 'application/merge-patch+json', json({ metadata: { annotations: { a: 'b' } } })],
    ["a Gateway API Gateway's status (a custom resource, though under k8s.io)", 'PATCH', '/apis/gateway.networking.k8s.io/v1/namespaces/orders/gateways/gw/status', 'application/merge-patch+json', json({ metadata: { labels: { app: 'x' } } })],
    ["a Deployment's scale (not a status-like subresource)", 'PATCH', '/apis/apps/v1/namespaces/orders/deployments/api/scale', 'application/merge-patch+json', json({ metadata: { labels: { app: 'x' } } })],
    ['a read of the status', 'GET', POD_STATUS, undefined, undefined],
    ["the kubelet's patch: its uid as a precondition", 'PATCH', POD_STATUS, 'application/strategic-merge-patch+json', json({ metadata: { uid: '8d1c…' }, status: { conditions: [] } })],
    ['a JSON patch testing the resourceVersion', 'PATCH', POD_STATUS, 'application/json-patch+json', json([{ op: 'test', path: '/metadata/resourceVersion', value: '7' }, { op: 'replace', path: '/status/phase', value: 'Running' }])],
  ])('%s: may not', (_what, method, path, type, body) => {
    expect(statusMayEditMetadata(info(method, path), type, body, false)).toBe(false);
  });

  it('reads a Uint8Array body as its UTF-8 text', () => {
    const bytes = new TextEncoder().encode(json({ metadata: { labels: { app: 'x' } } }));
    expect(statusMayEditMetadata(info('PATCH', POD_STATUS), 'application/merge-patch+json', bytes, false)).toBe(true);
    expect(statusMayEditMetadata(info('PATCH', POD_STATUS), 'application/merge-patch+json', new TextEncoder().encode(json({ status: {} })), false)).toBe(false);
  });
});

describe('keepsMetadata', () => {
  it.each<[string, string, string]>([
    ['', 'pods', 'status'],
    ['', 'namespaces', 'finalize'],
    ['', 'persistentvolumes', 'status'],
    ['', 'replicationcontrollers', 'status'],
    ['apps', 'deployments', 'status'],
    ['apps', 'statefulsets', 'status'],
    ['batch', 'cronjobs', 'status'],
    ['autoscaling', 'horizontalpodautoscalers', 'status'],
    ['policy', 'poddisruptionbudgets', 'status'],
    ['networking.k8s.io', 'servicecidrs', 'status'],
    ['certificates.k8s.io', 'certificatesigningrequests', 'approval'],
    ['apiextensions.k8s.io', 'customresourcedefinitions', 'status'],
    // Built-in, in neither table: fails closed.
    ['resource.k8s.io', 'resourceclaims', 'status'],
    ['storagemigration.k8s.io', 'storageversionmigrations', 'status'],
    // OpenShift's aggregated API servers (openshift-apiserver's status strategies copy the spec only).
    ['route.openshift.io', 'routes', 'status'],
    ['apps.openshift.io', 'deploymentconfigs', 'status'],
    ['image.openshift.io', 'imagestreams', 'status'],
    ['quota.openshift.io', 'clusterresourcequotas', 'status'],
    ['template.openshift.io', 'templateinstances', 'status'],
    // Served by them, in neither table: fails closed.
    ['build.openshift.io', 'builds', 'status'],
    ['security.openshift.io', 'rangeallocations', 'status'],
  ])('%s %s/%s: kept', (group, resource, sub) => {
    expect(keepsMetadata(group, resource, sub)).toBe(true);
  });

  it.each<[string, string, string]>([
    ['apiregistration.k8s.io', 'apiservices', 'status'],
    ['flowcontrol.apiserver.k8s.io', 'prioritylevelconfigurations', 'status'],
    ['storage.k8s.io', 'volumeattachments', 'status'],
    ['admissionregistration.k8s.io', 'validatingadmissionpolicies', 'status'],
    ['cert-manager.io', 'certificates', 'status'],
    ['snapshot.storage.k8s.io', 'volumesnapshots', 'status'],
    // OpenShift's CustomResourceDefinitions: a custom resource's status strategy.
    ['config.openshift.io', 'clusteroperators', 'status'],
    ['operator.openshift.io', 'ingresscontrollers', 'status'],
    ['machineconfiguration.openshift.io', 'machineconfigpools', 'status'],
    // A Build's details (the build pod's write) copies the old object whole.
    ['build.openshift.io', 'builds', 'details'],
    ['apps', 'deployments', 'scale'],
    ['', 'pods', 'eviction'],
  ])('%s %s/%s: reset or not a status write', (group, resource, sub) => {
    expect(keepsMetadata(group, resource, sub)).toBe(false);
  });
});
