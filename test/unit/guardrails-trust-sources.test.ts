import { describe, expect, it } from 'vitest';
import { guardrailContribution } from '../../src/guardrails/effect.js';
import { inspect } from '../../src/guardrails/inspect.js';
import type { GuardrailResult } from '../../src/guardrails/types.js';
import { guardConfig, guardSettings, kube, toJsonPatch, toYaml } from '../support/guardrails.js';

/**
 * Where production's code and trust come from (session 50): model_source_not_allowed
 * (rules/model-sources.ts, guardrails.model_sources), restore_namespace_moved (rules/restores.ts)
 * and issuer_endpoint_not_allowed (rules/issuers.ts, guardrails.certificate_authorities). Each is
 * a production object re-pointed at a source outside the company by an everyday write: only a
 * location in the body tells. The company's own stores and authorities, a drill's restore in
 * place, a Certificate's renewal and a GitOps re-apply stay quiet, and so does everything without a list.
 */

const LISTS = `
guardrails:
  allowed_registries: [registry.meridian.example]
  protected_namespaces: [custody]
  model_sources: [s3://meridian-models, "gs://meridian-*/released", "hf://meridian/*", pvc://]
  certificate_authorities: [acme.stats.agency.example, "*.pki.stats.agency.example", "secret:agency-root-*"]
`;
const settings = guardSettings(LISTS);
const none = guardSettings('guardrails: {}\n');
const MERGE = 'application/merge-patch+json';
const JSON_PATCH = 'application/json-patch+json';
const APPLY = 'application/apply-patch+yaml';
const send = (method: string, path: string, body: unknown, type = 'application/json', s = settings) =>
  inspect(kube(method, path), typeof body === 'string' ? body : JSON.stringify(body), type, false, s);
const of = (r: GuardrailResult, code: string) => r.violations.filter((v) => v.code === code);

const ISVC = '/apis/serving.kserve.io/v1beta1/namespaces/prod-inference/inferenceservices/fraud-scorer';
const isvc = (storageUri: string) => ({ apiVersion: 'serving.kserve.io/v1beta1', kind: 'InferenceService', metadata: { name: 'fraud-scorer', namespace: 'prod-inference' }, spec: { predictor: { model: { modelFormat: { name: 'sklearn' }, storageUri } } } });

describe('model_source_not_allowed', () => {
  it("flags an InferenceService's storageUri outside the list, the look-alike bucket included", () => {
    const res = send('PATCH', ISVC, { spec: { predictor: { model: { storageUri: 's3://meridian-models-backup-eu/fraud-scorer/v42' } } } }, MERGE);
    expect(of(res, 'model_source_not_allowed')).toEqual([expect.objectContaining({ path: 'spec.predictor.model.storageUri' })]);
    expect(of(res, 'model_source_not_allowed')[0]!.detail).toContain('s3://meridian-models-backup-eu/fraud-scorer/v42');
    // Critical: the strongest level within 5 minutes.
    const c = guardrailContribution(res, 'prod-inference', settings);
    expect([c.level, c.maxAge]).toEqual([2, 300]);
  });

  it("leaves the company's own stores alone: a canary moving between its buckets, a PVC, a listed hub organisation", () => {
    for (const uri of ['s3://meridian-models/fraud-scorer/v43', 's3://meridian-models', 'gs://meridian-eu/released/x', 'pvc://models/fraud', 'hf://meridian/fraud-bert', '/mnt/models/fraud']) {
      expect(send('PATCH', ISVC, { spec: { predictor: { canaryTrafficPercent: 10, model: { storageUri: uri } } } }, MERGE).violations, uri).toEqual([]);
    }
    // A canary's traffic moved names no source at all.
    expect(send('PATCH', ISVC, { spec: { predictor: { canaryTrafficPercent: 25 } } }, MERGE).violations).toEqual([]);
  });

  it('matches globs segment by segment at a path boundary', () => {
    for (const uri of ['gs://meridian-eu/staging/x', 'hf://meridian-evil/x', 'hf://other/meridian', 'https://models.example/x', 's3://Meridian-Models/x', 'oci://docker.io/evil/model:1']) {
      expect(of(send('POST', '/apis/serving.kserve.io/v1beta1/namespaces/prod-inference/inferenceservices', isvc(uri)), 'model_source_not_allowed'), uri).toHaveLength(1);
    }
    // A host's port is the host's; a user part, a dot segment (encoded too) are another place.
    const https = guardSettings('guardrails:\n  model_sources: ["https://models.meridian.example/releases"]\n');
    const post = (uri: string) => send('POST', '/apis/serving.kserve.io/v1beta1/namespaces/prod-inference/inferenceservices', isvc(uri), 'application/json', https).violations.length;
    expect(post('https://Models.Meridian.example:443/releases/fraud.pkl')).toBe(0);
    for (const uri of ['https://models.meridian.example@evil.example/releases/x', 'https://models.meridian.example/releases/../uploads/x', 'https://models.meridian.example/releases/%2E%2E/uploads/x', 'https://models.meridian.example/other/x']) expect(post(uri), uri).toBe(1);
    // An OCI model image is an image: allowed_registries decides.
    expect(send('POST', '/apis/serving.kserve.io/v1beta1/namespaces/prod-inference/inferenceservices', isvc('oci://registry.meridian.example/models/fraud:3')).violations).toEqual([]);
  });

  it('reads every place a model is named: TrainedModel, Seldon, KServe storage, vLLM and Ray args and env', () => {
    const trained = { apiVersion: 'serving.kserve.io/v1alpha1', kind: 'TrainedModel', spec: { inferenceService: 'mm', model: { framework: 'sklearn', storageUri: 'gs://outside/m', memory: '1Gi' } } };
    expect(of(send('POST', '/apis/serving.kserve.io/v1alpha1/namespaces/prod-inference/trainedmodels', trained), 'model_source_not_allowed')).toHaveLength(1);
    const seldon = { apiVersion: 'mlops.seldon.io/v1alpha1', kind: 'Model', spec: { storageUri: 'gs://seldon-models/scv2/samples/mlserver_1.3.5/iris-sklearn', requirements: ['sklearn'] } };
    expect(of(send('POST', '/apis/mlops.seldon.io/v1alpha1/namespaces/prod-inference/models', seldon), 'model_source_not_allowed')).toHaveLength(1);
    const v1 = { spec: { predictors: [{ name: 'default', graph: { name: 'clf', modelUri: 's3://meridian-models/clf', children: [{ name: 'x', modelUri: 'https://evil.example/x.pkl' }] } }] } };
    expect(of(send('PATCH', '/apis/machinelearning.seldon.io/v1/namespaces/prod-inference/seldondeployments/clf', v1, MERGE), 'model_source_not_allowed').map((v) => v.path)).toEqual(['spec.predictors[0].graph.children[0].modelUri']);
    const storage = (parameters: Record<string, string>) => ({ spec: { predictor: { model: { storage: { key: 'localMinIO', path: 'fraud/v3', parameters } } } } });
    expect(send('PATCH', ISVC, { spec: { predictor: { model: { storage: { key: 'localMinIO', path: 'fraud/v3' } } } } }, MERGE).violations).toEqual([]);
    expect(send('PATCH', ISVC, storage({ type: 's3', bucket: 'meridian-models' }), MERGE).violations).toEqual([]);
    expect(of(send('PATCH', ISVC, storage({ type: 's3', bucket: 'attacker' }), MERGE), 'model_source_not_allowed')).toHaveLength(1);
    expect(of(send('PATCH', ISVC, storage({ type: 's3', bucket: 'meridian-models', endpoint_url: 'https://evil.example' }), MERGE), 'model_source_not_allowed')).toHaveLength(1);
    // A vLLM Deployment: --model, $(VAR) from the container's env, HF_MODEL_ID.
    const vllm = (args: string[], env: { name: string; value?: string; valueFrom?: unknown }[] = []) => ({
      apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'llm' },
      spec: { selector: {}, template: { spec: { containers: [{ name: 'vllm', image: 'registry.meridian.example/vllm:0.6', args, env }] } } },
    });
    const deploy = '/apis/apps/v1/namespaces/prod-llm/deployments';
    expect(send('POST', deploy, vllm(['--model', 'meridian/support-7b', '--port', '8000'])).violations).toEqual([]);
    expect(send('POST', deploy, vllm(['--model=/mnt/models/support-7b'])).violations).toEqual([]);
    expect(of(send('POST', deploy, vllm(['--model', 'mallory/support-7b'])), 'model_source_not_allowed')).toHaveLength(1);
    expect(of(send('POST', deploy, vllm(['--model', '$(MODEL)'], [{ name: 'MODEL', value: 's3://elsewhere/m' }])), 'model_source_not_allowed')).toHaveLength(1);
    expect(of(send('POST', deploy, vllm(['--model', '$(MODEL)'], [{ name: 'MODEL', valueFrom: { configMapKeyRef: { name: 'm', key: 'm' } } }])), 'model_source_not_allowed')).toHaveLength(1);
    // Issue #12 (session 51): a model variable itself from a ConfigMap or Secret, on any container.
    for (const name of ['STORAGE_URI', 'HF_MODEL_ID', 'MODEL_URI']) expect(of(send('POST', deploy, vllm([], [{ name, valueFrom: { secretKeyRef: { name: 'm', key: 'm' } } }])), 'model_source_not_allowed'), name).toHaveLength(1);
    expect(of(send('POST', deploy, vllm([], [{ name: 'HF_MODEL_ID', value: 'mallory/llm' }])), 'model_source_not_allowed')).toHaveLength(1);
    expect(of(send('POST', deploy, vllm(['sh', '-c', 'vllm serve mallory/llm --port 8000'])), 'model_source_not_allowed')).toHaveLength(1);
    // A training job's flags name an architecture and an output, not a model it loads: its
    // command line is read only where a model server runs (an image or a word that is one).
    const train = { apiVersion: 'kubeflow.org/v1', kind: 'PyTorchJob', spec: { pytorchReplicaSpecs: { Master: { replicas: 1, template: { spec: { containers: [{ name: 'pytorch', image: 'registry.meridian.example/ml/trainer:2.4.1', args: ['--model', 'resnet50', '--model-path', 'checkpoints/best'] }] } } } } } };
    expect(send('POST', '/apis/kubeflow.org/v1/namespaces/team-nlp/pytorchjobs', train).violations).toEqual([]);
    // A custom predictor of an InferenceService is a model server whatever its image.
    const custom = { spec: { predictor: { containers: [{ name: 'kserve-container', image: 'registry.meridian.example/fraud:3', args: ['--model_uri=s3://outside/m'] }] } } };
    expect(of(send('PATCH', ISVC, custom, MERGE), 'model_source_not_allowed')).toHaveLength(1);
    // Another operator's `storage.parameters` (a database's backup endpoint) is no model's.
    const db = { apiVersion: 'db.example.io/v1', kind: 'Cluster', spec: { storage: { key: 'backups', parameters: { endpoint: 'https://s3.example' } } } };
    expect(send('POST', '/apis/db.example.io/v1/namespaces/prod-db/clusters', db).violations).toEqual([]);
    // MODEL_ID naming the served model, not a repository, is no source.
    expect(send('POST', deploy, vllm([], [{ name: 'MODEL_ID', value: 'fraud-scorer' }])).violations).toEqual([]);
    // A RayService's Serve application, a custom kind: its worker group's container args.
    const ray = { apiVersion: 'ray.io/v1', kind: 'RayService', spec: { rayClusterConfig: { workerGroupSpecs: [{ groupName: 'gpu', template: { spec: { containers: [{ name: 'w', image: 'registry.meridian.example/ray:2.9', env: [{ name: 'MODEL_URI', value: 'https://huggingface.co/mallory/x/resolve/main/model.pkl' }] }] } } }] } } };
    expect(of(send('POST', '/apis/ray.io/v1/namespaces/prod-llm/rayservices', ray), 'model_source_not_allowed')).toHaveLength(1);
  });

  it('judges a value a JSON patch copies in, and every patch type, as the source it may be', () => {
    const copy = [{ op: 'copy', from: '/metadata/annotations/x', path: '/spec/predictor/model/storageUri' }];
    // A copy outside metadata is a value no rule can judge: the whole body is unreadable.
    expect(send('PATCH', ISVC, copy, JSON_PATCH).unreadable).toBe('body_unreadable');
    expect(of(send('PATCH', ISVC, toJsonPatch({ spec: { predictor: { model: { storageUri: 's3://x/y' } } } }), JSON_PATCH), 'model_source_not_allowed')).toHaveLength(1);
    expect(of(send('PATCH', `${ISVC}?fieldManager=argocd`, toYaml(isvc('s3://x/y')), APPLY), 'model_source_not_allowed')).toHaveLength(1);
  });

  it('is off without a list, and the list is a startup error when an entry is no URI prefix', () => {
    expect(send('PATCH', ISVC, { spec: { predictor: { model: { storageUri: 's3://x/y' } } } }, MERGE, none).violations).toEqual([]);
    expect(() => guardConfig('guardrails:\n  model_sources: [meridian-models]\n')).toThrow(/model_sources/);
    expect(() => guardConfig('guardrails:\n  model_sources: ["s3://a b"]\n')).toThrow(/model_sources/);
  });

  it('reads an InferenceService carried in a GitOps kustomize patch', () => {
    const app = {
      apiVersion: 'argoproj.io/v1alpha1', kind: 'Application', metadata: { name: 'fraud', namespace: 'argocd' },
      spec: { destination: { namespace: 'prod-inference' }, source: { repoURL: 'https://git.meridian.example/ml.git', kustomize: { patches: [{ target: { group: 'serving.kserve.io', version: 'v1beta1', kind: 'InferenceService', name: 'fraud-scorer' }, patch: JSON.stringify([{ op: 'replace', path: '/spec/predictor/model/storageUri', value: 's3://outside/m' }]) }] } } },
    };
    expect(of(send('PATCH', '/apis/argoproj.io/v1alpha1/namespaces/argocd/applications/fraud', app, MERGE), 'model_source_not_allowed')).toHaveLength(1);
  });
});

const RESTORES = '/apis/velero.io/v1/namespaces/velero/restores';
const restore = (spec: Record<string, unknown>) => ({ apiVersion: 'velero.io/v1', kind: 'Restore', metadata: { name: 'r', namespace: 'velero' }, spec: { backupName: 'nightly', ...spec } });

describe('restore_namespace_moved', () => {
  it("flags a production namespace's restore mapped into one outside production", () => {
    const res = send('POST', RESTORES, restore({ includedNamespaces: ['tax-prod'], namespaceMapping: { 'tax-prod': 'pentest-sandbox' } }));
    expect(of(res, 'restore_namespace_moved')).toEqual([expect.objectContaining({ path: 'spec.namespaceMapping' })]);
    expect(res.violations[0]!.detail).toContain('tax-prod');
    expect([guardrailContribution(res, '', settings).level, guardrailContribution(res, '', settings).maxAge]).toEqual([2, 300]);
    // Every namespace restored (`*`, or none named) with the mapping: the same.
    expect(of(send('POST', RESTORES, restore({ includedNamespaces: ['*'], namespaceMapping: { 'prod-payments': 'scratch' } })), 'restore_namespace_moved')).toHaveLength(1);
    // A protected namespace (guardrails.protected_namespaces) whatever its name.
    expect(of(send('POST', RESTORES, restore({ namespaceMapping: { custody: 'custody-copy' } })), 'restore_namespace_moved')).toHaveLength(1);
    // Written without the list too: no list is needed.
    expect(of(send('POST', RESTORES, restore({ namespaceMapping: { 'tax-prod': 'pentest-sandbox' } }), 'application/json', none), 'restore_namespace_moved')).toHaveLength(1);
  });

  it("leaves a drill alone: in place, a test namespace into a scratch one, production into production", () => {
    for (const spec of [{ includedNamespaces: ['tax-prod'] }, { includedNamespaces: ['tax-test'], namespaceMapping: { 'tax-test': 'restore-drill' } }, { namespaceMapping: { 'tax-prod': 'tax-prod-verify' } }, { namespaceMapping: { 'tax-prod': 'tax-prod' } }, { includedNamespaces: ['*'] }]) {
      expect(send('POST', RESTORES, restore(spec)).violations, JSON.stringify(spec)).toEqual([]);
    }
  });

  it('reads patches, a mapping copied in, YAML and Kasten', () => {
    expect(of(send('PATCH', `${RESTORES}/r`, [{ op: 'add', path: '/spec/namespaceMapping/tax-prod', value: 'pentest-sandbox' }], JSON_PATCH), 'restore_namespace_moved')).toHaveLength(1);
    expect(send('PATCH', `${RESTORES}/r`, [{ op: 'copy', from: '/metadata/annotations/m', path: '/spec/namespaceMapping/tax-prod' }], JSON_PATCH).unreadable).toBe('body_unreadable');
    // A Restore cut at the size limit may map past the cut.
    expect(inspect(kube('POST', RESTORES), JSON.stringify(restore({ includedNamespaces: ['tax-test'] })).slice(0, 40), 'application/json', true, settings).unreadable).toBeDefined();
    expect(of(send('POST', RESTORES, toYaml(restore({ namespaceMapping: { 'tax-prod': 'pentest-sandbox' } })), 'application/yaml'), 'restore_namespace_moved')).toHaveLength(1);
    const kasten = (target: string) => ({ apiVersion: 'actions.kio.kasten.io/v1alpha1', kind: 'RestoreAction', spec: { subject: { kind: 'RestorePoint', name: 'rp-1', namespace: 'tax-prod' }, targetNamespace: target } });
    expect(of(send('POST', '/apis/actions.kio.kasten.io/v1alpha1/namespaces/tax-prod/restoreactions', kasten('pentest-sandbox')), 'restore_namespace_moved')).toHaveLength(1);
    expect(send('POST', '/apis/actions.kio.kasten.io/v1alpha1/namespaces/tax-prod/restoreactions', kasten('tax-prod')).violations).toEqual([]);
  });
});

const ISSUER = '/apis/cert-manager.io/v1/clusterissuers/agency-acme';
const acme = (server: string, extra: Record<string, unknown> = {}) => ({ apiVersion: 'cert-manager.io/v1', kind: 'ClusterIssuer', metadata: { name: 'agency-acme' }, spec: { acme: { server, email: 'pki@stats.agency.example', privateKeySecretRef: { name: 'agency-acme-key' }, solvers: [{ http01: { ingress: { ingressClassName: 'nginx' } } }], ...extra } } });

describe('issuer_endpoint_not_allowed', () => {
  it('flags a ClusterIssuer re-pointed at another ACME server, and skipTLSVerify', () => {
    const res = send('PATCH', `${ISSUER}?fieldManager=kubectl-patch`, { spec: { acme: { server: 'https://acme.stats-agency-pki.example/directory', skipTLSVerify: true } } }, MERGE);
    expect(of(res, 'issuer_endpoint_not_allowed').map((v) => v.path)).toEqual(['spec.acme.server', 'spec.acme.skipTLSVerify']);
    expect(res.violations[0]!.detail).toContain('acme.stats-agency-pki.example');
    expect([guardrailContribution(res, '', settings).level, guardrailContribution(res, '', settings).maxAge]).toEqual([2, 300]);
  });

  it("leaves the site's own authorities alone: GitOps creating and re-applying an Issuer, another listed host", () => {
    expect(send('POST', '/apis/cert-manager.io/v1/clusterissuers', acme('https://acme.stats.agency.example/directory')).violations).toEqual([]);
    expect(send('PATCH', `${ISSUER}?fieldManager=argocd-controller`, toYaml(acme('https://acme.stats.agency.example:8443/directory')), APPLY).violations).toEqual([]);
    const vault = { apiVersion: 'cert-manager.io/v1', kind: 'Issuer', spec: { vault: { server: 'https://vault-1.pki.stats.agency.example:8200', path: 'pki/sign/web', auth: { kubernetes: { role: 'cm', mountPath: '/v1/auth/kubernetes', secretRef: { name: 'x', key: 'token' } } } } } };
    expect(send('POST', '/apis/cert-manager.io/v1/namespaces/tax-prod/issuers', vault).violations).toEqual([]);
    expect(send('POST', '/apis/cert-manager.io/v1/namespaces/tax-prod/issuers', { kind: 'Issuer', spec: { ca: { secretName: 'agency-root-2026' } } }).violations).toEqual([]);
    // A Certificate's renewal (cert-manager's status and a new revision) names no issuer's authority.
    expect(send('PATCH', '/apis/cert-manager.io/v1/namespaces/tax-prod/certificates/web', { spec: { issuerRef: { name: 'agency-acme', kind: 'ClusterIssuer' }, renewBefore: '720h' } }, MERGE).violations).toEqual([]);
    // A selfSigned issuer names no authority.
    expect(send('POST', '/apis/cert-manager.io/v1/namespaces/dev/issuers', { kind: 'Issuer', spec: { selfSigned: {} } }).violations).toEqual([]);
  });

  it('reads Vault, Venafi, CA, step-issuer and a copied value', () => {
    const issuers = '/apis/cert-manager.io/v1/namespaces/tax-prod/issuers';
    expect(of(send('POST', issuers, { spec: { vault: { server: 'https://vault.evil.example' } } }), 'issuer_endpoint_not_allowed')).toHaveLength(1);
    expect(of(send('POST', issuers, { spec: { venafi: { zone: 'z', tpp: { url: 'https://tpp.evil.example/vedsdk' } } } }), 'issuer_endpoint_not_allowed')).toHaveLength(1);
    expect(of(send('POST', issuers, { spec: { ca: { secretName: 'mallory-ca' } } }), 'issuer_endpoint_not_allowed')).toHaveLength(1);
    expect(of(send('POST', '/apis/certmanager.step.sm/v1beta1/namespaces/tax-prod/stepissuers', { spec: { url: 'https://ca.evil.example', caBundle: 'eA==' } }), 'issuer_endpoint_not_allowed')).toHaveLength(1);
    expect(send('POST', '/apis/certmanager.step.sm/v1beta1/namespaces/tax-prod/stepissuers', { spec: { url: 'https://step.pki.stats.agency.example' } }).violations).toEqual([]);
    expect(send('PATCH', ISSUER, [{ op: 'copy', from: '/metadata/annotations/s', path: '/spec/acme/server' }], JSON_PATCH).unreadable).toBe('body_unreadable');
    expect(of(send('PATCH', ISSUER, { spec: { acme: { server: 7 } } }, MERGE), 'issuer_endpoint_not_allowed')[0]!.detail).toContain('does not show');
    expect(of(send('PATCH', ISSUER, { spec: { acme: { server: 'not a url' } } }, MERGE), 'issuer_endpoint_not_allowed')).toHaveLength(1);
  });

  it('is off without a list, and the list is a startup error when an entry is a URL', () => {
    expect(send('PATCH', ISSUER, { spec: { acme: { server: 'https://acme.evil.example/directory' } } }, MERGE, none).violations).toEqual([]);
    expect(() => guardConfig('guardrails:\n  certificate_authorities: ["https://acme.example/directory"]\n')).toThrow(/certificate_authorities/);
  });
});

/** Two self-signed roots made for these rows (openssl req -x509, P-256): the agency's, listed by fingerprint, and another. */
const AGENCY_ROOT = `-----BEGIN CERTIFICATE-----\nMIIBizCCATGgAwIBAgIUJxtY2QCjuY/nYybCRM8LunFXHcEwCgYIKoZIzj0EAwIw\nGzEZMBcGA1UEAwwQYWdlbmN5IHRlc3Qgcm9vdDAeFw0yNjEyMDgwMDU4NDlaFw0z\nNjEyMDUwMDU4NDlaMBsxGTAXBgNVBAMMEGFnZW5jeSB0ZXN0IHJvb3QwWTATBgcq\nhkjOPQIBBggqhkjOPQMBBwNCAAT6AUjmiclXFaE123t6U27fXTy6c/basrdyiFfi\nqxuMsGNJS2L/FmwgqR5V6SyLHeJOdOxrJEgxa5ABCu1lhgBgo1MwUTAdBgNVHQ4E\nFgQUQmsNKxd8eeI2htR0XDzX+Npk7cgwHwYDVR0jBBgwFoAUQmsNKxd8eeI2htR0\nXDzX+Npk7cgwDwYDVR0TAQH/BAUwAwEB/zAKBggqhkjOPQQDAgNIADBFAiEAmK4y\nT8gN/vXb2BVNWESBkSGL6KEpQYhbrocWL1z+MFwCIFEQTF56+IqVXCa/UzyR1Z9Y\nlrDeKNtaVw7qfIlhJAFY\n-----END CERTIFICATE-----\n`;
const OTHER_ROOT = `-----BEGIN CERTIFICATE-----\nMIIBhzCCAS2gAwIBAgIUf35b7MuP6w4/crdGRiHFzfGJ4l0wCgYIKoZIzj0EAwIw\nGTEXMBUGA1UEAwwOZXZpbCB0ZXN0IHJvb3QwHhcNMjYxMjA4MDA1ODQ5WhcNMzYx\nMjA1MDA1ODQ5WjAZMRcwFQYDVQQDDA5ldmlsIHRlc3Qgcm9vdDBZMBMGByqGSM49\nAgEGCCqGSM49AwEHA0IABAF3ZcO5M5sJAOmsqhHVc7BpYmWhX8+2EagHlRwKE5SR\nDh6/bEZ3fI2X8AzeWXOQLGQeH3DJKPpHQqKNJACl78OjUzBRMB0GA1UdDgQWBBQa\n2HSxsRGYeYeH/miCClzhwHrTITAfBgNVHSMEGDAWgBQa2HSxsRGYeYeH/miCClzh\nwHrTITAPBgNVHRMBAf8EBTADAQH/MAoGCCqGSM49BAMCA0gAMEUCIQCbtt/afuQb\n6YN3UWT/SETAFRT3o5x67EQ9RtQyOOyYUgIgb/bg8qkclectAUWCu5VZzaAR/X72\n64FUgIYkCebKR+g=\n-----END CERTIFICATE-----\n`;
const AGENCY_FINGERPRINT = 'E6:FC:2F:E1:AF:BE:67:5E:0D:66:02:D3:B6:B5:13:9B:64:2A:87:E2:2C:5D:D9:CB:6F:FC:85:7C:D8:8D:8D:4A';
const b64 = (pem: string) => Buffer.from(pem).toString('base64');

describe('issuer_endpoint_not_allowed: the trust anchor beside the server (session 51, issue #12)', () => {
  const anchored = guardSettings(`${LISTS.replace('"secret:agency-root-*"]', `"secret:agency-root-*", "sha256:${AGENCY_FINGERPRINT}"]`)}`);
  const post = (spec: unknown, s = anchored) => send('POST', '/apis/cert-manager.io/v1/clusterissuers', { apiVersion: 'cert-manager.io/v1', kind: 'ClusterIssuer', metadata: { name: 'agency' }, spec }, 'application/json', s);
  const paths = (r: GuardrailResult) => of(r, 'issuer_endpoint_not_allowed').map((v) => v.path);

  it("flags a listed server's caBundle swapped for another CA's, by every patch type, at the bundle's path", () => {
    expect(paths(post({ acme: { server: 'https://acme.stats.agency.example/directory', caBundle: b64(OTHER_ROOT) } }))).toEqual(['spec.acme.caBundle']);
    expect(paths(send('PATCH', ISSUER, { spec: { acme: { caBundle: b64(OTHER_ROOT) } } }, MERGE, anchored))).toEqual(['spec.acme.caBundle']);
    expect(paths(send('PATCH', ISSUER, [{ op: 'replace', path: '/spec/vault/caBundle', value: b64(OTHER_ROOT) }], JSON_PATCH, anchored))).toEqual(['spec.vault.caBundle']);
    expect(paths(post({ venafi: { zone: 'z', tpp: { url: 'https://tpp.pki.stats.agency.example/vedsdk', caBundle: b64(`${AGENCY_ROOT}${OTHER_ROOT}`) } } }))).toEqual(['spec.venafi.tpp.caBundle']);
    expect(of(post({ acme: { server: 'https://acme.stats.agency.example/directory', caBundle: b64(OTHER_ROOT) } }), 'issuer_endpoint_not_allowed')[0]!.detail).toContain('a certificate of fingerprint sha256:');
    // Vault's bundle from a Secret: judged as a CA issuer's secretName is.
    expect(paths(send('PATCH', ISSUER, { spec: { vault: { caBundleSecretRef: { name: 'mallory-ca', key: 'ca.crt' } } } }, MERGE, anchored))).toEqual(['spec.vault.caBundleSecretRef']);
    // A bundle stepgate cannot read (no base64, no certificate, a key beside one) shows no anchor.
    for (const caBundle of ['not base64!', b64('hello'), b64(`${AGENCY_ROOT}\n-----BEGIN PRIVATE KEY-----\nx\n-----END PRIVATE KEY-----\n`)]) expect(paths(post({ acme: { server: 'https://acme.stats.agency.example/directory', caBundle } })), caBundle).toEqual(['spec.acme.caBundle']);
  });

  it("leaves the agency's own root, its Secret, a bundle removed and a re-apply alone; off without a list", () => {
    expect(post({ acme: { server: 'https://acme.stats.agency.example/directory', caBundle: b64(AGENCY_ROOT) } }).violations).toEqual([]);
    expect(send('PATCH', `${ISSUER}?fieldManager=argocd-controller`, toYaml({ apiVersion: 'cert-manager.io/v1', kind: 'ClusterIssuer', metadata: { name: 'agency' }, spec: { vault: { server: 'https://vault-1.pki.stats.agency.example:8200', path: 'pki/sign/web', caBundleSecretRef: { name: 'agency-root-2026', key: 'ca.crt' } } } }), APPLY, anchored).violations).toEqual([]);
    expect(send('PATCH', ISSUER, { spec: { acme: { caBundle: null } } }, MERGE, anchored).violations).toEqual([]);
    // The fingerprint listed as bare lower-case hex reads the same.
    const bare = guardSettings(`${LISTS.replace('"secret:agency-root-*"]', `"secret:agency-root-*", "sha256:${AGENCY_FINGERPRINT.replace(/:/g, '').toLowerCase()}"]`)}`);
    expect(post({ vault: { server: 'https://vault-1.pki.stats.agency.example:8200', caBundle: b64(AGENCY_ROOT) } }, bare).violations).toEqual([]);
    expect(post({ acme: { server: 'https://acme.evil.example/directory', caBundle: b64(OTHER_ROOT) } }, none).violations).toEqual([]);
    expect(() => guardConfig('guardrails:\n  certificate_authorities: ["sha256:abc"]\n')).toThrow(/certificate_authorities/);
  });
});

/**
 * review50b: the encodings and shapes session 50's review found passing. Each row names what an
 * attacker writes; the routine rows beside them stay quiet.
 */
describe('review50b: model sources in other encodings and places', () => {
  const DEP = '/apis/apps/v1/namespaces/prod-inference/deployments/llm';
  const SMP = 'application/strategic-merge-patch+json';
  const VLLM = 'registry.meridian.example/vllm/vllm-openai:v0.6.4';
  const deployment = (container: Record<string, unknown>) => ({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'llm' }, spec: { template: { spec: { containers: [{ name: 'vllm', image: VLLM, ...container }] } } } });
  const post = (body: unknown) => of(send('POST', '/apis/apps/v1/namespaces/prod-inference/deployments', body), 'model_source_not_allowed');

  it("reads a patch of a container's arguments that shows no image: a strategic merge by container name", () => {
    expect(of(send('PATCH', DEP, { spec: { template: { spec: { containers: [{ name: 'vllm', args: ['--model', 'evil/x'] }] } } } }, SMP), 'model_source_not_allowed')).toHaveLength(1);
    // The company's model, and a training job's architecture name, by the same patch.
    expect(send('PATCH', DEP, { spec: { template: { spec: { containers: [{ name: 'vllm', args: ['--model', 'meridian/fraud-llm'] }] } } } }, SMP).violations).toEqual([]);
    expect(send('PATCH', DEP, { spec: { template: { spec: { containers: [{ name: 'train', args: ['--model', 'resnet50', '--epochs', '3'] }] } } } }, SMP).violations).toEqual([]);
  });

  it("reads `vllm serve`'s model after its options, a tokenizer and a draft model", () => {
    expect(post(deployment({ command: ['vllm', 'serve', '--port', '8000', 'evil/x'] }))).toHaveLength(1);
    expect(post(deployment({ command: ['sh', '-c', 'vllm serve --gpu-memory-utilization 0.9 hf://evil/x && sleep 1'] }))).toHaveLength(1);
    expect(post(deployment({ args: ['--model', 'meridian/x', '--tokenizer', 'evil/tok', '--trust-remote-code'] }))).toHaveLength(1);
    expect(post(deployment({ args: ['--model', 'meridian/x', '--speculative-model', 'evil/draft'] }))).toHaveLength(1);
    // Routine: the listed model before or after its options, its served name shaped like a hub id.
    expect(post(deployment({ command: ['vllm', 'serve', '--port', '8000', 'meridian/fraud-llm', '--served-model-name', 'fraud/llm', '--dtype', 'bfloat16'] }))).toEqual([]);
    expect(post(deployment({ args: ['--model', 'meridian/x', '--tokenizer', 'meridian/x'] }))).toEqual([]);
  });

  it("reads a KServe predictor container's STORAGE_URI and a LocalModelCache's source", () => {
    expect(of(send('PATCH', ISVC, { spec: { predictor: { containers: [{ name: 'kserve-container', env: [{ name: 'STORAGE_URI', value: 's3://evil/x' }] }] } } }, MERGE), 'model_source_not_allowed')).toHaveLength(1);
    expect(send('PATCH', ISVC, { spec: { predictor: { containers: [{ name: 'kserve-container', env: [{ name: 'STORAGE_URI', value: 's3://meridian-models/fraud' }] }] } } }, MERGE).violations).toEqual([]);
    const cache = (sourceModelUri: string) => ({ apiVersion: 'serving.kserve.io/v1alpha1', kind: 'LocalModelCache', metadata: { name: 'llm' }, spec: { sourceModelUri, modelSize: '10Gi', nodeGroups: ['gpu'] } });
    expect(of(send('POST', '/apis/serving.kserve.io/v1alpha1/localmodelcaches', cache('hf://evil/x')), 'model_source_not_allowed')).toHaveLength(1);
    expect(send('POST', '/apis/serving.kserve.io/v1alpha1/localmodelcaches', cache('s3://meridian-models/llm')).violations).toEqual([]);
  });
});

/**
 * args50: a JSON patch of one element of a container's `args` or `command` shows the value only;
 * the flag before it (`--model`) stays in the stored object. A source-shaped value there is judged
 * as a model source; a port, a length, a flag, a listed source stay quiet.
 */
describe('args50: a JSON patch of one argument', () => {
  const DEP = '/apis/apps/v1/namespaces/prod-inference/deployments/llm';
  const patch = (path: string, op: string, pointer: string, value: unknown) => of(send('PATCH', path, [{ op, path: pointer, value }], JSON_PATCH), 'model_source_not_allowed');

  it("flags a source-shaped value set into one element of a model server's args or command", () => {
    expect(patch(ISVC, 'replace', '/spec/predictor/containers/0/args/1', 's3://attacker/model')).toEqual([expect.objectContaining({ path: 'spec.predictor.containers[0].args' })]);
    expect(patch(ISVC, 'add', '/spec/predictor/containers/0/command/2', 'evil-org/model')).toHaveLength(1);
    expect(patch(ISVC, 'add', '/spec/predictor/containers/0/args/-', 's3://attacker/model')).toHaveLength(1);
    expect(patch(ISVC, 'replace', '/spec/predictor/containers/0/args/1', 'hf://evil-org/model')).toHaveLength(1);
    expect(patch(DEP, 'replace', '/spec/template/spec/containers/0/args/3', 'evil-org/model')).toHaveLength(1);
    expect(patch(DEP, 'add', '/spec/template/spec/containers/0/args/-', 'https://models.example/x.safetensors')).toHaveLength(1);
    // `$(VAR)` naming a model variable the patch does not show is unknown, and unknown is not listed.
    expect(patch(DEP, 'replace', '/spec/template/spec/containers/0/command/1', '$(MODEL_ID)')).toHaveLength(1);
    // The path spelt through JSON escapes is the same path.
    const escaped = '[{"op":"replace","path":"/spec/predictor/containers/0/\\u0061rgs/1","value":"s3://attacker/model"}]';
    expect(of(send('PATCH', ISVC, escaped, JSON_PATCH), 'model_source_not_allowed')).toHaveLength(1);
    // Two ops, each one element: the value after the other's flag, or alone, is read either way.
    expect(of(send('PATCH', DEP, [{ op: 'replace', path: '/spec/template/spec/containers/0/args/0', value: '--port' }, { op: 'replace', path: '/spec/template/spec/containers/0/args/5', value: 'evil-org/model' }], JSON_PATCH), 'model_source_not_allowed')).toHaveLength(1);
  });

  it('leaves routine element patches alone: a port, a length, a flag, a listed source', () => {
    for (const [path, pointer, value] of [
      [ISVC, '/spec/predictor/containers/0/args/3', '8080'],
      [ISVC, '/spec/predictor/containers/0/args/-', '--port'],
      [DEP, '/spec/template/spec/containers/0/args/5', '16384'],
      [DEP, '/spec/template/spec/containers/0/args/1', '--max-model-len=8192'],
      [DEP, '/spec/template/spec/containers/0/args/2', '0.9'],
      [DEP, '/spec/template/spec/containers/0/args/4', '$(PORT)'],
      [ISVC, '/spec/predictor/containers/0/args/1', 's3://meridian-models/fraud/v43'],
      [DEP, '/spec/template/spec/containers/0/args/1', 'meridian/fraud-llm'],
      [DEP, '/spec/template/spec/containers/0/command/1', '/mnt/models/fraud'],
    ] as const) {
      expect(send('PATCH', path, [{ op: 'replace', path: pointer, value }], JSON_PATCH).violations, `${pointer} ${value}`).toEqual([]);
    }
    // A whole list set by one op is read as today: the flag and its value are both shown.
    expect(send('PATCH', DEP, [{ op: 'replace', path: '/spec/template/spec/containers/0/args', value: ['--served-model-name', 'fraud/llm', '--model', 'meridian/x'] }], JSON_PATCH).violations).toEqual([]);
    // A list set whole and then appended to is shown whole: its served name is no source.
    expect(send('PATCH', DEP, [{ op: 'add', path: '/spec/template/spec/containers/0/args', value: ['--model', 'meridian/x', '--served-model-name', 'fraud/llm'] }, { op: 'add', path: '/spec/template/spec/containers/0/args/-', value: '--enable-prefix-caching' }], JSON_PATCH).violations).toEqual([]);
    // Off without a list.
    expect(send('PATCH', ISVC, [{ op: 'replace', path: '/spec/predictor/containers/0/args/1', value: 's3://attacker/model' }], JSON_PATCH, none).violations).toEqual([]);
  });
});

describe('review50b: restores and issuers in other shapes', () => {
  const KASTEN = '/apis/actions.kio.kasten.io/v1alpha1/namespaces/sandbox/restoreactions';
  const action = (subject: Record<string, unknown>, targetNamespace: string) => ({ apiVersion: 'actions.kio.kasten.io/v1alpha1', kind: 'RestoreAction', metadata: { generateName: 'r-' }, spec: { subject, targetNamespace } });

  it("flags a RestoreAction of a cluster-scoped RestorePointContent (any namespace's) into one outside production", () => {
    expect(of(send('POST', KASTEN, action({ kind: 'RestorePointContent', name: 'tax-prod-scheduled-abc' }, 'sandbox')), 'restore_namespace_moved')[0]!.detail).toContain('does not show');
    // Into production, or a namespace's own RestorePoint into a scratch namespace: a drill.
    expect(send('POST', KASTEN, action({ kind: 'RestorePointContent', name: 'tax-prod-scheduled-abc' }, 'tax-prod')).violations).toEqual([]);
    expect(send('POST', KASTEN, action({ kind: 'RestorePoint', name: 'rp', namespace: 'sandbox' }, 'sandbox-scratch')).violations).toEqual([]);
  });

  it('reads a kustomize patch whose target names an Issuer, a Restore or an InferenceService without its group', () => {
    const app = (kind: string, patch: string) => ({ spec: { source: { kustomize: { patches: [{ target: { kind, name: 'x' }, patch }] } } } });
    const APP = '/apis/argoproj.io/v1alpha1/namespaces/argocd/applications/platform';
    expect(of(send('PATCH', APP, app('ClusterIssuer', '- op: replace\n  path: /spec/acme/server\n  value: https://acme.evil.example/dir\n'), MERGE), 'issuer_endpoint_not_allowed')).toHaveLength(1);
    expect(of(send('PATCH', APP, app('Restore', '- op: add\n  path: /spec/namespaceMapping\n  value: {tax-prod: sandbox}\n'), MERGE), 'restore_namespace_moved')).toHaveLength(1);
    expect(of(send('PATCH', APP, app('InferenceService', '- op: add\n  path: /spec/predictor/model/storage\n  value: {key: k, parameters: {type: s3, bucket: attacker}}\n'), MERGE), 'model_source_not_allowed')).toHaveLength(1);
    // The site's own server by the same patch.
    expect(of(send('PATCH', APP, app('ClusterIssuer', '- op: replace\n  path: /spec/acme/server\n  value: https://acme.stats.agency.example/dir\n'), MERGE), 'issuer_endpoint_not_allowed')).toEqual([]);
  });

  it('refuses an ACME URL whose host this parser and Go read differently (a backslash, a tab)', () => {
    for (const server of ['https://acme.stats.agency.example\\@evil.example/dir', 'https://acme.stats.agency.exa\tmple/dir']) {
      expect(of(send('PATCH', ISSUER, { spec: { acme: { server } } }, MERGE), 'issuer_endpoint_not_allowed'), server).toHaveLength(1);
    }
  });

  it("reads AWS Private CA's and Google CAS's issuers by the CA they name", () => {
    const cloud = guardSettings(LISTS.replace('certificate_authorities: [', 'certificate_authorities: ["arn:aws:acm-pca:us-east-1:111122223333:certificate-authority/*", "gcp-cas:meridian-pki/us-central1/prod-pool", '));
    const pca = (arn: string) => of(send('POST', '/apis/awspca.cert-manager.io/v1beta1/awspcaclusterissuers', { apiVersion: 'awspca.cert-manager.io/v1beta1', kind: 'AWSPCAClusterIssuer', spec: { arn, region: 'us-east-1' } }, 'application/json', cloud), 'issuer_endpoint_not_allowed');
    expect(pca('arn:aws:acm-pca:us-east-1:666666666666:certificate-authority/x')).toHaveLength(1);
    expect(pca('arn:aws:acm-pca:us-east-1:111122223333:certificate-authority/0a1b')).toEqual([]);
    const cas = (spec: Record<string, string>, method = 'POST', type = 'application/json') => of(send(method, '/apis/cas-issuer.jetstack.io/v1beta1/namespaces/tax-prod/googlecasissuers', { spec }, type, cloud), 'issuer_endpoint_not_allowed');
    expect(cas({ project: 'mallory', location: 'us-central1', caPoolId: 'prod-pool' })).toHaveLength(1);
    expect(cas({ project: 'meridian-pki', location: 'us-central1', caPoolId: 'prod-pool' })).toEqual([]);
    expect(cas({ caPoolId: 'other' }, 'PATCH', MERGE)).toHaveLength(1);
    expect(() => guardConfig('guardrails:\n  certificate_authorities: ["gcp-cas:p/l/pool", "arn:aws:acm-pca:*"]\n')).not.toThrow();
  });
});
