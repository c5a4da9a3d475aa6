import { describe, expect, it } from 'vitest';
import { inspect } from '../../src/guardrails/inspect.js';
import type { GuardrailResult } from '../../src/guardrails/types.js';
import { guardSettings, kube, toYaml } from '../support/guardrails.js';

/**
 * secret_source_other_namespace (src/guardrails/rules/secret-copies.ts): a Secret whose annotations
 * ask Reflector or kubernetes-replicator to fill it from another namespace's Secret, or offer it to
 * other namespaces (Reflector, kubernetes-replicator, kubed). Day 49 (docs/risk.md): malware on a
 * developer's laptop copied production's Stripe key into the developer's own preview and read it
 * back there, allowed on the morning's sign-in before this guardrail.
 */

const settings = guardSettings();
const codes = (r: GuardrailResult) => r.violations.map((v) => v.code);
const SECRETS = (ns: string) => `/api/v1/namespaces/${ns}/secrets`;
const secret = (ns: string, annotations: Record<string, string | null>) => ({ apiVersion: 'v1', kind: 'Secret', type: 'Opaque', metadata: { name: 'payments', namespace: ns, annotations }, data: {} });
const create = (ns: string, body: object, type = 'application/json') => inspect(kube('POST', SECRETS(ns)), type === 'application/json' ? JSON.stringify(body) : toYaml(body), type, false, settings);
const patch = (ns: string, body: unknown, type: string) => inspect(kube('PATCH', `${SECRETS(ns)}/payments`), JSON.stringify(body), type, false, settings);

describe('secret_source_other_namespace', () => {
  it("is a Secret asking Reflector or kubernetes-replicator to copy another namespace's Secret into it", () => {
    const r = create('pr-1405', secret('pr-1405', { 'reflector.v1.k8s.emberstack.com/reflects': 'prod-billing/stripe-live' }));
    expect(codes(r)).toEqual(['secret_source_other_namespace']);
    expect(r.violations[0]!.path).toBe('metadata.annotations["reflector.v1.k8s.emberstack.com/reflects"]');
    expect(r.violations[0]!.detail).toContain('prod-billing/stripe-live');
    expect(codes(create('pr-1405', secret('pr-1405', { 'replicator.v1.mittwald.de/replicate-from': 'prod-app/app-env' }), 'application/yaml'))).toEqual(['secret_source_other_namespace']);
  });

  it('reads a merge or strategic merge patch that points an existing Secret at another namespace, and a JSON patch', () => {
    const notes = { metadata: { annotations: { 'reflector.v1.k8s.emberstack.com/reflects': 'prod-billing/stripe-live' } } };
    expect(codes(patch('dev', notes, 'application/merge-patch+json'))).toEqual(['secret_source_other_namespace']);
    expect(codes(patch('dev', notes, 'application/strategic-merge-patch+json'))).toEqual(['secret_source_other_namespace']);
    const add = [{ op: 'add', path: '/metadata/annotations/replicator.v1.mittwald.de~1replicate-from', value: 'prod-app/app-env' }];
    expect(codes(patch('dev', add, 'application/json-patch+json'))).toEqual(['secret_source_other_namespace']);
    // A JSON patch that copies the value in from elsewhere: what it names is not in the request.
    const copy = [{ op: 'copy', from: '/metadata/labels/x', path: '/metadata/annotations/reflector.v1.k8s.emberstack.com~1reflects' }];
    expect(codes(patch('dev', copy, 'application/json-patch+json'))).toEqual(['secret_source_other_namespace']);
  });

  it('is a Secret offered to other namespaces (Reflector, kubernetes-replicator, kubed)', () => {
    const offers: Record<string, string>[] = [
      { 'reflector.v1.k8s.emberstack.com/reflection-allowed': 'true', 'reflector.v1.k8s.emberstack.com/reflection-allowed-namespaces': 'pr-.*' },
      { 'reflector.v1.k8s.emberstack.com/reflection-auto-enabled': 'True' },
      { 'replicator.v1.mittwald.de/replication-allowed': 'true' },
      { 'replicator.v1.mittwald.de/replicate-to': 'pr-1405' },
      { 'replicator.v1.mittwald.de/replicate-to-matching': 'preview=true' },
      { 'kubed.appscode.com/sync': '' },
    ];
    for (const notes of offers) {
      expect(codes(create('prod-billing', secret('prod-billing', notes))), JSON.stringify(notes)).toContain('secret_source_other_namespace');
    }
  });

  it('is nothing for a copy within the namespace, a switch set to false, an annotation removed, or a Secret without them', () => {
    expect(codes(create('pr-1405', secret('pr-1405', { 'reflector.v1.k8s.emberstack.com/reflects': 'pr-1405/stripe-test' })))).toEqual([]);
    expect(codes(create('pr-1405', secret('pr-1405', { 'replicator.v1.mittwald.de/replicate-from': 'stripe-test' })))).toEqual([]);
    expect(codes(create('pr-1405', secret('pr-1405', { 'reflector.v1.k8s.emberstack.com/reflection-allowed': 'false' })))).toEqual([]);
    expect(codes(patch('pr-1405', { metadata: { annotations: { 'reflector.v1.k8s.emberstack.com/reflects': null } } }, 'application/merge-patch+json'))).toEqual([]);
    expect(codes(create('pr-1405', secret('pr-1405', { 'meta.helm.sh/release-name': 'app' })))).toEqual([]);
    // A ConfigMap's copy is not a Secret's (Reflector copies ConfigMaps too; left to the site).
    const cm = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'x', annotations: { 'reflector.v1.k8s.emberstack.com/reflects': 'prod-app/app-config' } }, data: {} };
    expect(codes(inspect(kube('POST', '/api/v1/namespaces/pr-1405/configmaps'), JSON.stringify(cm), 'application/json', false, settings))).toEqual([]);
  });
});
