import { describe, expect, it } from 'vitest';
import { inspect } from '../../src/guardrails/inspect.js';
import type { GuardrailResult } from '../../src/guardrails/types.js';
import { guardSettings, kube } from '../support/guardrails.js';

/**
 * What real tools write, against session 45's other guardrails: endpoint_foreign_target
 * (rules/route-backends.ts) for the EndpointSlices multi-cluster tools and controllers write, and
 * image volumes (`volumes[].image.reference`) against `allowed_registries`. Each object is the shape
 * its source writes (named per row); the outcome is pinned: none for what stays in its namespace,
 * the ask documented in docs/guardrails.md for what does not.
 */

const codes = (r: GuardrailResult) => r.violations.map((v) => v.code);
const SLICES = (ns: string) => `/apis/discovery.k8s.io/v1/namespaces/${ns}/endpointslices`;
const slice = (name: string, labels: Record<string, string>, endpoints: object[]) => ({ apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice', metadata: { name, labels }, addressType: 'IPv4', endpoints, ports: [{ name: 'http', port: 8080, protocol: 'TCP' }] });

describe('endpoint_foreign_target: EndpointSlices that multi-cluster tools and controllers write', () => {
  const settings = guardSettings('guardrails: {}\n');
  const post = (ns: string, body: unknown) => codes(inspect(kube('POST', SLICES(ns)), JSON.stringify(body), 'application/json', false, settings));

  it.each([
    // cilium/cilium pkg/clustermesh/endpointslicesync/pod_informer.go: the upstream reconciler run over
    // "fake pods" in the global Service's own namespace, one per remote backend.
    ['Cilium cluster mesh endpointslicesync', 'shop', slice('web-cluster2-x7k2p', { 'kubernetes.io/service-name': 'web', 'endpointslice.kubernetes.io/managed-by': 'endpointslice-controller.cilium.io', 'mesh.cilium.io/service-cluster': 'cluster2' }, [{ addresses: ['10.2.1.7'], nodeName: 'cluster2', targetRef: { kind: 'Pod', namespace: 'shop', name: 'fake-pod-10.2.1.7' } }])],
    // submariner-io/lighthouse pkg/agent/controller/service_endpoint_slices.go: a ClusterIP export is
    // one endpoint (the Service IP, no targetRef); a headless one copies the source slice's endpoints,
    // whose targetRefs name the Service's namespace, into the same namespace.
    ['Lighthouse ClusterIP export', 'shop', slice('web-shop-cluster1', { 'endpointslice.kubernetes.io/managed-by': 'lighthouse-agent.submariner.io', 'multicluster.kubernetes.io/service-name': 'web', 'multicluster.kubernetes.io/source-cluster': 'cluster1' }, [{ addresses: ['100.96.156.101'], conditions: { ready: true } }])],
    ['Lighthouse headless export, in the Service namespace', 'shop', slice('web-abcde-shop-cluster1', { 'endpointslice.kubernetes.io/managed-by': 'lighthouse-agent.submariner.io', 'multicluster.kubernetes.io/service-name': 'web' }, [{ addresses: ['10.1.4.9'], hostname: 'web-0', targetRef: { kind: 'Pod', namespace: 'shop', name: 'web-0' } }])],
    // kubernetes/kubernetes pkg/controller/endpointslicemirroring: a selectorless Service's Endpoints
    // copied as they are; a hand-written Endpoints for an outside database has no targetRef.
    ['endpointslice-mirroring of a selectorless Service', 'shop', slice('legacy-db-m8x2k', { 'kubernetes.io/service-name': 'legacy-db', 'endpointslice.kubernetes.io/managed-by': 'endpointslicemirroring-controller.k8s.io' }, [{ addresses: ['192.0.2.40'] }])],
    // kubevirt: a VirtualMachineInstance's endpoint names the VMI in its own namespace.
    ['KubeVirt VMI endpoint', 'vms', slice('vm-ssh-1', { 'kubernetes.io/service-name': 'vm-ssh' }, [{ addresses: ['10.244.1.30'], targetRef: { kind: 'VirtualMachineInstance', namespace: 'vms', name: 'fedora-1' } }])],
    // Node endpoints (an etcd or kubelet metrics Service kept by an operator): a Node has no namespace.
    ['an operator\'s Node endpoints', 'monitoring', slice('etcd-metrics-1', { 'kubernetes.io/service-name': 'etcd-metrics' }, [{ addresses: ['192.168.1.1'], targetRef: { kind: 'Node', name: 'node1' } }])],
  ])('%s asks nothing', (_what, ns, body) => {
    expect(post(ns, body)).not.toContain('endpoint_foreign_target');
  });

  it("Lighthouse's copy in the broker namespace names the source Service's namespace: asked (documented)", () => {
    const broker = slice('web-abcde-shop-cluster1', { 'endpointslice.kubernetes.io/managed-by': 'lighthouse-agent.submariner.io', 'multicluster.kubernetes.io/service-name': 'web' }, [{ addresses: ['10.1.4.9'], targetRef: { kind: 'Pod', namespace: 'shop', name: 'web-0' } }]);
    expect(post('submariner-k8s-broker', broker)).toContain('endpoint_foreign_target');
  });
});

describe('image volumes against allowed_registries', () => {
  const pod = (reference: string) => ({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p' }, spec: { containers: [{ name: 'c', image: 'registry.example.com/app:1.0', volumeMounts: [{ name: 'm', mountPath: '/models' }] }], volumes: [{ name: 'm', image: { reference, pullPolicy: 'IfNotPresent' } }] } });
  const post = (section: string | undefined, reference: string) => codes(inspect(kube('POST', '/api/v1/namespaces/dev/pods'), JSON.stringify(pod(reference)), 'application/json', false, guardSettings(section)));

  it('reads the reference as a container image: an allowed registry (by tag or digest) asks nothing, another is asked', () => {
    expect(post(undefined, 'registry.example.com/models/llama:3.1')).toEqual([]);
    expect(post(undefined, `registry.example.com/models/llama@sha256:${'a'.repeat(64)}`)).toEqual([]);
    expect(post(undefined, 'ghcr.io/example/model:1.0')).toEqual([]);
    // The Kubernetes docs' image volume example (content/en/examples/pods/image-volumes.yaml).
    expect(post(undefined, 'quay.io/crio/artifact:v2')).toEqual(['image_registry_not_allowed']);
  });

  it('with no allowed_registries, the docs example asks nothing', () => {
    expect(post('guardrails: {}\n', 'quay.io/crio/artifact:v2')).toEqual([]);
  });
});
