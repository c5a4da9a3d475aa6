import { describe, expect, it } from 'vitest';
import { inspect } from '../../src/guardrails/inspect.js';
import type { GuardrailResult } from '../../src/guardrails/types.js';
import { guardSettings, kube } from '../support/guardrails.js';

/**
 * network_attachment_reserved (src/guardrails/rules/network-attachments.ts): a Multus attachment
 * whose CNI plugin puts pods on a node interface guardrails.reserved_interfaces names (the pod
 * network's own bridges by default, the management VLAN where the site lists it).
 */

const settings = guardSettings(`
guardrails:
  reserved_interfaces: [cni0, br-ex, "bond0.31*"]
`);
const defaults = guardSettings('guardrails: {}\n');
const none = guardSettings('guardrails:\n  reserved_interfaces: []\n');
const codes = (r: GuardrailResult) => [...new Set(r.violations.map((v) => v.code))].sort();
const NADS = '/apis/k8s.cni.cncf.io/v1/namespaces/cnf-smf/network-attachment-definitions';
const nad = (config: object) => ({ apiVersion: 'k8s.cni.cncf.io/v1', kind: 'NetworkAttachmentDefinition', metadata: { name: 'n6', namespace: 'cnf-smf' }, spec: { config: JSON.stringify({ cniVersion: '0.3.1', name: 'n6', ...config }) } });
const write = (body: object, s = settings, method = 'POST', path = NADS, type = 'application/json') => inspect(kube(method, path), JSON.stringify(body), type, false, s);

describe('network_attachment_reserved', () => {
  it("finds a reserved master, device or bridge, in a config or a conflist's plugins, created or patched", () => {
    expect(codes(write(nad({ type: 'macvlan', master: 'bond0.3100', mode: 'bridge' })))).toEqual(['network_attachment_reserved']);
    expect(codes(write(nad({ type: 'ipvlan', master: 'br-ex' })))).toEqual(['network_attachment_reserved']);
    expect(codes(write(nad({ type: 'host-device', device: 'bond0.3101' })))).toEqual(['network_attachment_reserved']);
    expect(codes(write(nad({ plugins: [{ type: 'bridge', bridge: 'cni0' }, { type: 'tuning' }] })))).toEqual(['network_attachment_reserved']);
    expect(codes(write({ spec: nad({ type: 'vlan', master: 'bond0.3100', vlanId: 5 }).spec }, settings, 'PATCH', `${NADS}/n6`, 'application/merge-patch+json'))).toEqual(['network_attachment_reserved']);
    expect(write(nad({ type: 'macvlan', master: 'bond0.3100' })).violations[0]).toMatchObject({ path: 'spec.config', detail: 'macvlan attaches pods to the node\'s interface "bond0.3100", which the cluster reserves' });
  });

  it("judges a macvlan without a master as on the default-route interface, unless nothing is reserved", () => {
    expect(codes(write(nad({ type: 'macvlan', mode: 'bridge' })))).toEqual(['network_attachment_reserved']);
    expect(codes(write(nad({ type: 'macvlan', mode: 'bridge' }), none))).toEqual([]);
  });

  it("reserves the pod network's own interfaces by default", () => {
    expect(codes(write(nad({ type: 'bridge', bridge: 'cni0' }), defaults))).toEqual(['network_attachment_reserved']);
    expect(codes(write(nad({ type: 'macvlan', master: 'ens2f1' }), defaults))).toEqual([]);
  });

  it("asks nothing of the CNF's own attachments", () => {
    expect(codes(write(nad({ type: 'sriov', vlan: 16, spoofchk: 'on', ipam: { type: 'whereabouts', range: '10.116.0.0/24' } })))).toEqual([]);
    expect(codes(write(nad({ type: 'macvlan', master: 'ens2f1', mode: 'bridge' })))).toEqual([]);
    expect(codes(write(nad({ type: 'macvlan', master: 'bond0.3200' })))).toEqual([]);
    expect(codes(write({ ...nad({}), spec: { config: 'not json' } }))).toEqual([]);
  });

  it('reads an attachment an Argo workflow creates', () => {
    const manifest = JSON.stringify(nad({ type: 'macvlan', master: 'bond0.3100' }));
    const wf = { apiVersion: 'argoproj.io/v1alpha1', kind: 'Workflow', metadata: { generateName: 'x-' }, spec: { entrypoint: 'm', templates: [{ name: 'm', resource: { action: 'create', manifest } }] } };
    expect(codes(write(wf, settings, 'POST', '/apis/argoproj.io/v1alpha1/namespaces/cnf-smf/workflows'))).toEqual(['network_attachment_reserved']);
  });
});
