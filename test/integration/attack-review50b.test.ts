import { describe, expect, it } from 'vitest';
import { builtServerForFile, checkEscalationRows, freshSubjects, KUBE, kubectlSender, OFFICE, reason, rules, type EscalationRow as Row, type EscalationState as State } from '../support/built-server.js';
import { checkRequest } from '../support/requests.js';

/**
 * Session 50's review (review50b, issue #12): the model-source, restore and issuer guardrails
 * attacked in the encodings and shapes their first rows left out, black-box through the build
 * `npm start` serves, at a site that lists its model stores, its certificate authorities (an AWS
 * Private CA among them) and a protected namespace. Each row passed as `allowed` before the fix on
 * the laptop's fresh two-factor sign-in; each is now refused in every token state, and the same
 * shapes naming the site's own stores and authorities are allowed on that sign-in. The shapes row
 * by row are in test/unit/guardrails-trust-sources.test.ts ("review50b").
 */

const SITE = (yaml: string) =>
  yaml.replace(
    'guardrails:\n',
    'guardrails:\n  model_sources: [s3://corp-models, "hf://corp/*"]\n  certificate_authorities: [acme.pki.corp.example, "arn:aws:acm-pca:eu-west-1:111122223333:certificate-authority/*"]\n',
  );
const server = builtServerForFile('review50b', SITE);
const subjects = freshSubjects(() => server().issuer, 'review50b');
const send = kubectlSender(server, subjects);
const JSON_CT = { 'content-type': 'application/json' };
const MERGE = { 'content-type': 'application/merge-patch+json' };
const SMP = { 'content-type': 'application/strategic-merge-patch+json' };
const ALL: State[] = ['stolen', 'remote', 'everyday', 'laptop'];
const VLLM = 'registry.corp.example/vllm/vllm-openai@sha256:0f1e2d3c4b5a69788796a5b4c3d2e1f00f1e2d3c4b5a69788796a5b4c3d2e1f0';

const vllmArgs = (model: string) => ({
  method: 'PATCH',
  path: '/apis/apps/v1/namespaces/dev/deployments/llm',
  headers: SMP,
  body: { spec: { template: { spec: { containers: [{ name: 'vllm', args: ['--model', model] }] } } } },
});
const vllmServe = (model: string) => ({
  method: 'POST',
  path: '/apis/apps/v1/namespaces/dev/deployments',
  headers: JSON_CT,
  body: { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'llm', namespace: 'dev' }, spec: { selector: { matchLabels: { app: 'llm' } }, template: { metadata: { labels: { app: 'llm' } }, spec: { containers: [{ name: 'vllm', image: VLLM, command: ['vllm', 'serve', '--port', '8000', model] }] } } } },
});
const issuerPatch = (server: string) => ({
  method: 'PATCH',
  path: '/apis/argoproj.io/v1alpha1/namespaces/argocd/applications/cert-manager',
  headers: MERGE,
  body: { spec: { source: { kustomize: { patches: [{ target: { kind: 'ClusterIssuer', name: 'corp-acme' }, patch: `- op: replace\n  path: /spec/acme/server\n  value: ${server}\n` }] } } } },
});
const restoreContent = (targetNamespace: string) => ({
  method: 'POST',
  path: '/apis/actions.kio.kasten.io/v1alpha1/namespaces/dev/restoreactions',
  headers: JSON_CT,
  body: { apiVersion: 'actions.kio.kasten.io/v1alpha1', kind: 'RestoreAction', metadata: { generateName: 'restore-' }, spec: { subject: { kind: 'RestorePointContent', name: 'payments-prod-scheduled-7xk2' }, targetNamespace } },
});
const pca = (arn: string) => ({
  method: 'POST',
  path: '/apis/awspca.cert-manager.io/v1beta1/awspcaclusterissuers',
  headers: JSON_CT,
  body: { apiVersion: 'awspca.cert-manager.io/v1beta1', kind: 'AWSPCAClusterIssuer', metadata: { name: 'corp-pca' }, spec: { arn, region: 'eu-west-1' } },
});

describe('review50b: model sources, restores and issuers in the shapes the first rows left out, through the server', () => {
  const rows: Row[] = [
    { what: "a strategic merge patch of a vLLM Deployment's args by container name, to an outside hub model", req: vllmArgs('mallory/llama-ft'), by: 'guardrail:model_source_not_allowed', refused: ALL },
    { what: "a vLLM Deployment whose `vllm serve` names an outside model after its options", req: vllmServe('mallory/llama-ft'), by: 'guardrail:model_source_not_allowed', refused: ALL },
    { what: "an Argo CD kustomize patch whose target names ClusterIssuer without its group, to another ACME server", req: issuerPatch('https://acme.mallory.example/directory'), by: 'guardrail:issuer_endpoint_not_allowed', refused: ALL },
    { what: "a Kasten RestoreAction of production's cluster-scoped RestorePointContent into dev", req: restoreContent('dev'), by: 'guardrail:restore_namespace_moved', refused: ALL },
    { what: "an AWS Private CA issuer naming another account's CA", req: pca('arn:aws:acm-pca:eu-west-1:666666666666:certificate-authority/0a1b'), by: 'guardrail:issuer_endpoint_not_allowed', refused: ALL },
  ];
  checkEscalationRows(send, rows);

  it("the site's own model and ACME server by the same shapes are allowed on the two-factor sign-in a minute old", async () => {
    for (const req of [vllmArgs('corp/fraud-llm'), vllmServe('corp/fraud-llm'), issuerPatch('https://acme.pki.corp.example/directory')]) {
      const res = await send(req, 'laptop');
      expect(reason(res), `${req.method} ${req.path} [${rules(res)}]`).toBe('allowed');
    }
  });

  it("the site's own Private CA names no guardrail: the example's cluster-add-on-objects rule asks for it, as for any issuer", async () => {
    const res = await send(pca('arn:aws:acm-pca:eu-west-1:111122223333:certificate-authority/0a1b'), 'laptop');
    expect(rules(res)).toBe('cluster-add-on-objects');
  });
});

describe('review50b: a subject or claim that reads as another person once an upstream normalises it, through the server', () => {
  const check = async (claims: Record<string, unknown>) => server().client.check(checkRequest({ host: KUBE, source: OFFICE, path: '/api/v1/namespaces/dev/pods', token: await subjects.tokenOf('aal2', 60, claims) }));
  const header = (res: Awaited<ReturnType<typeof check>>, name: string) => res.ok_response?.headers?.find((h) => h.header.key === name)?.header.value;

  it.each([
    ['a zero-width space', 'ceo@example.com\u200b'],
    ['a right-to-left mark', '\u200fceo@example.com'],
    ['fullwidth letters', '\uff43\uff45\uff4f@example.com'],
  ])('an email claim with %s sends no email header; a subject with one is subject_missing', async (_what, value) => {
    const res = await check({ email: value });
    expect(reason(res)).toBe('allowed');
    expect(header(res, 'x-stepgate-email')).toBeUndefined();
    expect(reason(await check({ sub: value, email: 'mallory@example.com' }))).toBe('subject_missing');
  });

  it("an international address in NFC is the upstream's as it is", async () => {
    const res = await check({ email: 'jos\u00e9@example.com' });
    expect(reason(res)).toBe('allowed');
    expect(header(res, 'x-stepgate-email')).toBe('jos\u00e9@example.com');
  });
});
