import { describe, expect, it } from 'vitest';
import { inspect } from '../../src/guardrails/inspect.js';
import type { GuardrailResult } from '../../src/guardrails/types.js';
import { guardSettings, kube, toYaml } from '../support/guardrails.js';

/**
 * Objects carried inside a custom resource for a controller to create elsewhere (an OCM
 * ManifestWork's manifests), and Karmada's plaintext overriders (src/guardrails/rules/embedded.ts).
 */

const settings = guardSettings();
const codes = (r: GuardrailResult) => [...new Set(r.violations.map((v) => v.code))].sort();
const JSON_CT = 'application/json';
const MW = (ns: string) => `/apis/work.open-cluster-management.io/v1/namespaces/${ns}/manifestworks`;
const work = (...manifests: object[]) => ({ apiVersion: 'work.open-cluster-management.io/v1', kind: 'ManifestWork', metadata: { name: 'w', namespace: 'edge-0001' }, spec: { workload: { manifests } } });
const adminBinding = { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRoleBinding', metadata: { name: 'b' }, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'cluster-admin' }, subjects: [{ kind: 'ServiceAccount', name: 'x', namespace: 'ran' }] };
const create = (path: string, body: object, type = JSON_CT) => inspect(kube('POST', path), type === JSON_CT ? JSON.stringify(body) : toYaml(body), type, false, settings);

describe('embedded objects', () => {
  it('judges an RBAC object inside a ManifestWork as that object, in JSON and YAML', () => {
    expect(codes(create(MW('edge-0001'), work(adminBinding)))).toEqual(['rbac_cluster_admin_binding']);
    expect(codes(create(MW('edge-0001'), work(adminBinding), 'application/yaml'))).toEqual(['rbac_cluster_admin_binding']);
  });

  it("judges a token Secret inside one by its own namespace, and a binding to a role defined beside it by that role's rules", () => {
    const token = { apiVersion: 'v1', kind: 'Secret', type: 'kubernetes.io/service-account-token', metadata: { name: 't', namespace: 'ran', annotations: { 'kubernetes.io/service-account.name': 'x' } } };
    expect(codes(create(MW('edge-0001'), work(token)))).toEqual(['service_account_token_secret']);
    const role = { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', metadata: { name: 'all' }, rules: [{ apiGroups: ['*'], resources: ['*'], verbs: ['*'] }] };
    const bound = { ...adminBinding, roleRef: { ...adminBinding.roleRef, name: 'all' } };
    expect(codes(create(MW('edge-0001'), work(role, bound)))).toContain('rbac_cluster_admin_binding');
  });

  it('adds nothing for a ConfigMap, a reader role, or the root object itself', () => {
    const cm = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c', namespace: 'ran' }, data: { rules: 'x' } };
    const reader = { ...adminBinding, roleRef: { ...adminBinding.roleRef, name: 'view' } };
    expect(codes(create(MW('edge-0001'), work(cm, reader)))).toEqual([]);
  });
});

describe("Karmada's plaintext overriders", () => {
  const OP = '/apis/policy.karmada.io/v1alpha1/namespaces/cnf-upf/overridepolicies';
  const policy = (plaintext: object[]) => ({ apiVersion: 'policy.karmada.io/v1alpha1', kind: 'OverridePolicy', metadata: { name: 'o', namespace: 'cnf-upf' }, spec: { resourceSelectors: [{ apiVersion: 'apps/v1', kind: 'DaemonSet', name: 'd' }], overrideRules: [{ overriders: { plaintext } }] } });

  it("are read as the JSON patch they are, against the selected resource's pod template", () => {
    const priv = policy([{ path: '/spec/template/spec/hostPID', operator: 'add', value: true }, { path: '/spec/template/spec/containers/0/securityContext', operator: 'replace', value: { privileged: true } }]);
    expect(codes(create(OP, priv))).toEqual(['host_namespace', 'privileged_container']);
    const vol = policy([{ path: '/spec/template/spec/volumes/0', operator: 'add', value: { name: 'root', hostPath: { path: '/' } } }]);
    expect(codes(create(OP, vol))).toEqual(['host_path_volume']);
  });

  it('add nothing for a label or an image registry', () => {
    expect(codes(create(OP, policy([{ path: '/metadata/labels/site', operator: 'add', value: 'ham' }])))).toEqual([]);
  });

  it('that cannot be replayed make the body unreadable', () => {
    const r = create(OP, policy([{ path: 'spec', operator: 'add', value: 1 }]));
    expect(r.unreadable).toBe('body_unreadable');
  });
});
