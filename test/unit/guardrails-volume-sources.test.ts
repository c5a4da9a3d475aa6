import { describe, expect, it } from 'vitest';
import { inspect } from '../../src/guardrails/inspect.js';
import type { GuardrailResult } from '../../src/guardrails/types.js';
import { guardSettings, kube, toYaml } from '../support/guardrails.js';

/**
 * volume_source_other_namespace (src/guardrails/rules/volume-sources.ts): a CDI DataVolume, a
 * DataSource or a VM's dataVolumeTemplates copying another namespace's disk into the object's own,
 * but from the namespaces guardrails.shared_volume_namespaces names (by default the golden images').
 */

const settings = guardSettings();
const shared = guardSettings(`
guardrails:
  shared_volume_namespaces: [golden]
`);
const codes = (r: GuardrailResult) => r.violations.map((v) => v.code);
const DVS = (ns: string) => `/apis/cdi.kubevirt.io/v1beta1/namespaces/${ns}/datavolumes`;
const dv = (ns: string, spec: object) => ({ apiVersion: 'cdi.kubevirt.io/v1beta1', kind: 'DataVolume', metadata: { name: 'copy', namespace: ns }, spec: { ...spec, storage: { resources: { requests: { storage: '10Gi' } } } } });
const create = (path: string, body: object, s = settings, type = 'application/json') => inspect(kube('POST', path), type === 'application/json' ? JSON.stringify(body) : toYaml(body), type, false, s);

describe('volume_source_other_namespace', () => {
  it("is a DataVolume cloning another namespace's PVC or snapshot, or from its DataSource", () => {
    const r = create(DVS('dev'), dv('dev', { source: { pvc: { namespace: 'prod-payments', name: 'db-data' } } }));
    expect(codes(r)).toEqual(['volume_source_other_namespace']);
    expect(r.violations[0]!.path).toBe('spec.source.pvc.namespace');
    expect(codes(create(DVS('dev'), dv('dev', { source: { snapshot: { namespace: 'prod-payments', name: 'nightly' } } }), settings, 'application/yaml'))).toEqual(['volume_source_other_namespace']);
    expect(codes(create(DVS('dev'), dv('dev', { sourceRef: { kind: 'DataSource', namespace: 'prod-payments', name: 'db' } })))).toEqual(['volume_source_other_namespace']);
    const ds = { apiVersion: 'cdi.kubevirt.io/v1beta1', kind: 'DataSource', metadata: { name: 'db' }, spec: { source: { pvc: { namespace: 'prod-payments', name: 'db-data' } } } };
    expect(codes(create('/apis/cdi.kubevirt.io/v1beta1/namespaces/dev/datasources', ds))).toEqual(['volume_source_other_namespace']);
  });

  it("reads a VM's dataVolumeTemplates, and a patch that repoints a source", () => {
    const vm = { apiVersion: 'kubevirt.io/v1', kind: 'VirtualMachine', metadata: { name: 'x' }, spec: { dataVolumeTemplates: [{ metadata: { name: 'x-root' }, spec: { source: { pvc: { namespace: 'payments-prod', name: 'db-data' } } } }], template: { spec: { domain: {}, volumes: [{ name: 'root', dataVolume: { name: 'x-root' } }] } } } };
    expect(codes(create('/apis/kubevirt.io/v1/namespaces/dev/virtualmachines', vm))).toEqual(['volume_source_other_namespace']);
    const patch = inspect(kube('PATCH', `${DVS('dev')}/copy`), JSON.stringify({ spec: { source: { pvc: { namespace: 'prod-payments' } } } }), 'application/merge-patch+json', false, settings);
    expect(codes(patch)).toEqual(['volume_source_other_namespace']);
  });

  it('is nothing for a source in the same namespace, with none named, from a shared namespace, or an import by URL', () => {
    expect(codes(create(DVS('dev'), dv('dev', { source: { pvc: { namespace: 'dev', name: 'root' } } })))).toEqual([]);
    expect(codes(create(DVS('dev'), dv('dev', { source: { pvc: { name: 'root' } } })))).toEqual([]);
    expect(codes(create(DVS('dev'), dv('dev', { sourceRef: { kind: 'DataSource', namespace: 'openshift-virtualization-os-images', name: 'rhel9' } })))).toEqual([]);
    expect(codes(create(DVS('dev'), dv('dev', { source: { http: { url: 'https://example.com/disk.qcow2' } } })))).toEqual([]);
    // The list replaces the defaults.
    expect(codes(create(DVS('dev'), dv('dev', { sourceRef: { kind: 'DataSource', namespace: 'golden', name: 'rhel9' } }), shared))).toEqual([]);
    expect(codes(create(DVS('dev'), dv('dev', { sourceRef: { kind: 'DataSource', namespace: 'kubevirt-os-images', name: 'fedora' } }), shared))).toEqual(['volume_source_other_namespace']);
  });

  it("is not read in other APIs' objects", () => {
    const other = { apiVersion: 'example.com/v1', kind: 'Copier', metadata: { name: 'x' }, spec: { source: { pvc: { namespace: 'prod-payments', name: 'db' } } } };
    expect(codes(create('/apis/example.com/v1/namespaces/dev/copiers', other))).toEqual([]);
  });
});
