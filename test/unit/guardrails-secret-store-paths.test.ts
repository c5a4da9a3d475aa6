import { describe, expect, it } from 'vitest';
import { inspect } from '../../src/guardrails/inspect.js';
import type { GuardrailResult } from '../../src/guardrails/types.js';
import { guardSettings, kube, PINNED } from '../support/guardrails.js';

/**
 * secret_store_production_path (rules/secret-store-paths.ts): a lower environment's pod template
 * whose Vault agent injector annotations render a production path. The code is new, so every
 * violating case here fails without the rule.
 */

const settings = guardSettings();
const CODE = 'secret_store_production_path';
const has = (r: GuardrailResult) => r.violations.some((v) => v.code === CODE);
const JSON_CT = 'application/json';
const SMP = 'application/strategic-merge-patch+json';

function annotations(a: Record<string, string>): Record<string, unknown> {
  return { spec: { template: { metadata: { annotations: { 'vault.hashicorp.com/agent-inject': 'true', 'vault.hashicorp.com/role': 'benefits-api', ...a } }, spec: { containers: [{ name: 'api', image: PINNED }] } } } };
}
const secret = (p: string) => ({ 'vault.hashicorp.com/agent-inject-secret-db': p });
const template = (p: string) => ({ 'vault.hashicorp.com/agent-inject-template-db': `{{- with secret "${p}" -}}postgres://{{ .Data.data.username }}@db/app{{- end }}` });

function patchIn(ns: string, a: Record<string, string>, settingsFor = settings): GuardrailResult {
  return inspect(kube('PATCH', `/apis/apps/v1/namespaces/${ns}/deployments/api`), JSON.stringify(annotations(a)), SMP, false, settingsFor);
}

describe('secret_store_production_path', () => {
  it("a test namespace's Deployment rendering another team's production path (day 23), by the secret or the template annotation", () => {
    expect(has(patchIn('benefits-test', secret('secret/data/tax-prod/db')))).toBe(true);
    expect(has(patchIn('benefits-test', template('secret/data/tax-prod/db')))).toBe(true);
    expect(has(patchIn('payments-staging', secret('kv/production/payments/db')))).toBe(true);
    expect(has(patchIn('dev-search', secret('database/creds/search_prd_ro')))).toBe(true);
    // The agent's identity: a production role, or Vault Enterprise's production namespace.
    expect(has(patchIn('benefits-test', { 'vault.hashicorp.com/role': 'tax-prod-api', ...secret('secret/data/benefits-test/db') }))).toBe(true);
    expect(has(patchIn('benefits-test', { 'vault.hashicorp.com/namespace': 'agency/production', ...secret('secret/data/benefits-test/db') }))).toBe(true);
    const v = patchIn('benefits-test', secret('secret/data/tax-prod/db')).violations.find((x) => x.code === CODE)!;
    // The path is a body value: the detail names the production word, never the path.
    expect(v.detail).not.toContain('tax-prod');
    expect(v.detail).toContain('prod');
  });

  it('every pod-bearing kind and body shape is read: a Pod, a CronJob, a created Deployment, a JSON patch', () => {
    const annos = { 'vault.hashicorp.com/agent-inject': 'true', ...secret('secret/data/tax-prod/db') };
    const pod = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', annotations: annos }, spec: { containers: [{ name: 'a', image: PINNED }] } };
    expect(has(inspect(kube('POST', '/api/v1/namespaces/benefits-test/pods'), JSON.stringify(pod), JSON_CT, false, settings))).toBe(true);
    const cron = { apiVersion: 'batch/v1', kind: 'CronJob', metadata: { name: 'c' }, spec: { schedule: '0 * * * *', jobTemplate: { spec: { template: { metadata: { annotations: annos }, spec: { restartPolicy: 'Never', containers: [{ name: 'a', image: PINNED }] } } } } } };
    expect(has(inspect(kube('POST', '/apis/batch/v1/namespaces/benefits-test/cronjobs'), JSON.stringify(cron), JSON_CT, false, settings))).toBe(true);
    const jsonPatch = [{ op: 'add', path: '/spec/template/metadata/annotations/vault.hashicorp.com~1agent-inject-secret-db', value: 'secret/data/tax-prod/db' }];
    expect(has(inspect(kube('PATCH', '/apis/apps/v1/namespaces/benefits-test/deployments/api'), JSON.stringify(jsonPatch), 'application/json-patch+json', false, settings))).toBe(true);
    const dep = { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'd' }, ...annotations(secret('secret/data/tax-prod/db')) };
    expect(has(inspect(kube('POST', '/apis/apps/v1/namespaces/benefits-test/deployments'), JSON.stringify(dep), JSON_CT, false, settings))).toBe(true);
  });

  it("a namespace's own paths, production's own writes and names without an environment ask nothing", () => {
    // The routine of day 23: each namespace renders its own path.
    expect(has(patchIn('benefits-test', secret('secret/data/benefits-test/db')))).toBe(false);
    expect(has(patchIn('benefits-test', template('secret/data/benefits-test/db')))).toBe(false);
    expect(has(patchIn('benefits-prod', secret('secret/data/benefits-prod/db')))).toBe(false);
    // Production rendering a lower environment's path leaks nothing of production's.
    expect(has(patchIn('tax-prod', secret('secret/data/tax-test/db')))).toBe(false);
    // A namespace with no environment token may be production itself: not judged.
    expect(has(patchIn('search', secret('secret/data/prod/search')))).toBe(false);
    // A word that only contains a production token is not one (`product`, `prodigy`).
    expect(has(patchIn('shop-dev', secret('secret/data/product-catalog/db')))).toBe(false);
    // Other annotations naming production are not the injector's paths.
    expect(has(patchIn('benefits-test', { 'vault.hashicorp.com/agent-inject-secret-db': 'secret/data/benefits-test/db', 'example.com/promoted-from': 'tax-prod' }))).toBe(false);
  });

  it("the tiers are risk.signals.unfamiliar_namespace.environments'", () => {
    const custom = guardSettings(`
guardrails: {}
risk:
  learn: { min_level: aal2 }
  signals:
    unfamiliar_namespace:
      environments: [[main], [canary], [lab]]
`);
    expect(has(patchIn('orders-lab', secret('secret/data/orders-main/db'), custom))).toBe(true);
    expect(has(patchIn('orders-lab', secret('secret/data/orders-prod/db'), custom))).toBe(false);
  });

  it("a pod's injector annotation (or all its annotations) copied by a JSON patch from a value it does not show: the worst case", () => {
    const pod = (ns: string, ops: unknown[]) => has(inspect(kube('PATCH', `/api/v1/namespaces/${ns}/pods/api-0`), JSON.stringify(ops), 'application/json-patch+json', false, settings));
    expect(pod('benefits-test', [{ op: 'copy', from: '/metadata/annotations/staged', path: '/metadata/annotations/vault.hashicorp.com~1agent-inject-secret-db' }])).toBe(true);
    expect(pod('benefits-test', [{ op: 'move', from: '/metadata/annotations/staged', path: '/metadata/annotations/vault.hashicorp.com~1role' }])).toBe(true);
    expect(pod('benefits-test', [{ op: 'copy', from: '/metadata/labels', path: '/metadata/annotations' }])).toBe(true);
    // An annotation the injector does not read, and production's own pods, ask nothing.
    expect(pod('benefits-test', [{ op: 'copy', from: '/metadata/annotations/staged', path: '/metadata/annotations/team' }])).toBe(false);
    expect(pod('tax-prod', [{ op: 'copy', from: '/metadata/labels', path: '/metadata/annotations' }])).toBe(false);
  });

  describe('an ExternalSecret (external-secrets.io)', () => {
    const URL = '/apis/external-secrets.io/v1beta1/namespaces/NS/externalsecrets';
    const es = (data: unknown[], dataFrom: unknown[] = [], store = 'vault-backend') => ({
      apiVersion: 'external-secrets.io/v1beta1',
      kind: 'ExternalSecret',
      metadata: { name: 'db' },
      spec: { secretStoreRef: { kind: 'ClusterSecretStore', name: store }, target: { name: 'db' }, data, dataFrom },
    });
    const create = (ns: string, body: unknown) => has(inspect(kube('POST', URL.replace('NS', ns)), JSON.stringify(body), JSON_CT, false, settings));
    const key = (k: string) => [{ secretKey: 'password', remoteRef: { key: k, property: 'password' } }];

    it("fetching production's path, from production's store, or all of production's paths into a lower environment's Secret", () => {
      expect(create('benefits-test', es(key('secret/tax-prod/db')))).toBe(true);
      expect(create('benefits-test', es([], [{ extract: { key: 'tax/production/db' } }]))).toBe(true);
      expect(create('benefits-test', es([], [{ find: { path: 'tax-prod', name: { regexp: '.*' } } }]))).toBe(true);
      expect(create('benefits-test', es(key('secret/benefits-test/db'), [], 'vault-prod'))).toBe(true);
      expect(create('benefits-test', es([], [{ extract: { key: 'benefits/db' }, sourceRef: { storeRef: { kind: 'ClusterSecretStore', name: 'aws-prod' } } }]))).toBe(true);
      const patch = [{ op: 'replace', path: '/spec/data/0/remoteRef/key', value: 'secret/tax-prod/db' }];
      expect(has(inspect(kube('PATCH', `${URL.replace('NS', 'benefits-test')}/db`), JSON.stringify(patch), 'application/json-patch+json', false, settings))).toBe(true);
      const merge = { spec: { data: key('secret/tax-prod/db') } };
      expect(has(inspect(kube('PATCH', `${URL.replace('NS', 'benefits-test')}/db`), JSON.stringify(merge), 'application/merge-patch+json', false, settings))).toBe(true);
    });

    it('a JSON patch copying or moving a value it does not show into the object is unreadable, in any namespace', () => {
      // The value comes from the object itself (an annotation set a write before); kube applies it.
      for (const [op, path] of [['copy', '/spec/data/0/remoteRef/key'], ['move', '/spec/secretStoreRef/name']]) {
        const r = inspect(kube('PATCH', `${URL.replace('NS', 'benefits-test')}/db`), JSON.stringify([{ op, from: '/metadata/annotations/staged', path }]), 'application/json-patch+json', false, settings);
        expect(r.unreadable).toBe('body_unreadable');
        expect(r.unreadableDetail).toContain("secret store's path");
      }
      // One that copies within metadata sets nothing a store reads.
      const meta = [{ op: 'copy', from: '/metadata/annotations/staged', path: '/metadata/annotations/team' }];
      expect(inspect(kube('PATCH', `${URL.replace('NS', 'benefits-test')}/db`), JSON.stringify(meta), 'application/json-patch+json', false, settings).unreadable).toBeUndefined();
    });

    it("the namespace's own paths, and production's ExternalSecrets, ask nothing", () => {
      expect(create('benefits-test', es(key('secret/benefits-test/db')))).toBe(false);
      expect(create('tax-prod', es(key('secret/tax-prod/db'), [], 'vault-prod'))).toBe(false);
      expect(create('search', es(key('secret/prod/search')))).toBe(false);
    });
  });
});
