import { describe, expect, it } from 'vitest';
import { guardrailContribution } from '../../src/guardrails/effect.js';
import { inspect } from '../../src/guardrails/inspect.js';
import type { GuardrailResult } from '../../src/guardrails/types.js';
import { guardSettings, kube, toJsonPatch } from '../support/guardrails.js';
import { encodeKube } from '../support/kube-protobuf.js';

/**
 * cloud_workload_identity (src/guardrails/rules/cloud-identities.ts): a ServiceAccount annotated
 * with a cloud identity (EKS IRSA's role, Azure Workload Identity's client id, GKE Workload
 * Identity's Google service account), and a pod that projects a token for a cloud's token exchange
 * itself (day 26: a staging ServiceAccount given production's IAM role; a dev pod with
 * `sts.amazonaws.com` and production's role in its environment).
 */

const settings = guardSettings('guardrails: {}\n');
const codes = (r: GuardrailResult) => [...new Set(r.violations.map((v) => v.code))].sort();
const SA = '/api/v1/namespaces/claims-staging/serviceaccounts/claims-api';
const ROLE = 'arn:aws:iam::441177203958:role/claims-api-prod';
const MERGE = 'application/merge-patch+json';
const send = (method: string, path: string, body: unknown, type = 'application/json') => inspect(kube(method, path), JSON.stringify(body), type, false, settings);
const sa = (annotations: Record<string, string | null>) => ({ apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'claims-api', namespace: 'claims-staging', annotations } });
const tokenPod = (audience: string, spec: object = {}) => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name: 'backfill', namespace: 'dev' },
  spec: {
    containers: [{ name: 'c', image: 'public.ecr.aws/aws-cli/aws-cli:2.22.10', env: [{ name: 'AWS_ROLE_ARN', value: ROLE }] }],
    volumes: [{ name: 't', projected: { sources: [{ configMap: { name: 'ca' } }, { serviceAccountToken: { audience, expirationSeconds: 86400, path: 'token' } }] } }],
    ...spec,
  },
});

describe('cloud_workload_identity: a ServiceAccount annotated with a cloud identity', () => {
  it('is `kubectl annotate sa` (a merge patch), a create, a PUT, a server-side apply and a JSON patch, for each cloud', () => {
    expect(codes(send('PATCH', `${SA}?fieldManager=kubectl-annotate`, { metadata: { annotations: { 'eks.amazonaws.com/role-arn': ROLE } } }, MERGE))).toEqual(['cloud_workload_identity']);
    expect(codes(send('POST', '/api/v1/namespaces/claims-staging/serviceaccounts', sa({ 'eks.amazonaws.com/role-arn': ROLE })))).toEqual(['cloud_workload_identity']);
    expect(codes(send('PUT', SA, sa({ 'azure.workload.identity/client-id': '7f3c1d2e-0000-4a1b-9c8d-5e6f7a8b9c0d' })))).toEqual(['cloud_workload_identity']);
    expect(codes(send('PATCH', SA, sa({ 'iam.gke.io/gcp-service-account': 'claims-prod@harbourline.iam.gserviceaccount.com' }), 'application/apply-patch+yaml'))).toEqual(['cloud_workload_identity']);
    expect(codes(send('PATCH', SA, toJsonPatch({ metadata: { annotations: { 'eks.amazonaws.com/role-arn': ROLE } } }), 'application/json-patch+json'))).toEqual(['cloud_workload_identity']);
    // A JSON patch that copies the whole annotations object from elsewhere does not show what it sets.
    expect(codes(send('PATCH', SA, [{ op: 'copy', from: '/metadata/labels', path: '/metadata/annotations' }], 'application/json-patch+json'))).toEqual(['cloud_workload_identity']);
    // As protobuf (client-go's default for built-in kinds).
    const pb = encodeKube(sa({ 'eks.amazonaws.com/role-arn': ROLE }) as Record<string, unknown>);
    expect(codes(inspect(kube('POST', '/api/v1/namespaces/claims-staging/serviceaccounts'), pb, 'application/vnd.kubernetes.protobuf', false, settings))).toEqual(['cloud_workload_identity']);
  });

  it('names the annotation and the role, and asks what a critical guardrail asks by default (a hardware key within 5 minutes)', () => {
    const r = send('PATCH', SA, { metadata: { annotations: { 'eks.amazonaws.com/role-arn': ROLE } } }, MERGE);
    expect(r.violations[0]).toMatchObject({ code: 'cloud_workload_identity', path: 'metadata.annotations.eks.amazonaws.com/role-arn' });
    expect(r.violations[0]!.detail).toContain(ROLE);
    expect(guardrailContribution(r, 'claims-staging', settings)).toMatchObject({ level: 2, maxAge: 300, codes: ['cloud_workload_identity'] });
  });

  it('is not the annotation removed, other annotations, labels, a read or the token subresource', () => {
    expect(codes(send('PATCH', SA, { metadata: { annotations: { 'eks.amazonaws.com/role-arn': null } } }, MERGE))).toEqual([]);
    expect(codes(send('PATCH', SA, [{ op: 'remove', path: '/metadata/annotations/eks.amazonaws.com~1role-arn' }], 'application/json-patch+json'))).toEqual([]);
    expect(codes(send('PATCH', SA, { metadata: { annotations: { 'kubernetes.io/description': 'claims API' }, labels: { team: 'claims' } } }, MERGE))).toEqual([]);
    expect(codes(send('POST', '/api/v1/namespaces/claims-staging/serviceaccounts', sa({})))).toEqual([]);
    expect(codes(send('PATCH', SA, { imagePullSecrets: [{ name: 'ecr' }] }, MERGE))).toEqual([]);
    expect(codes(send('POST', `${SA}/token`, { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenRequest', spec: { audiences: ['sts.amazonaws.com'] } }))).not.toContain('cloud_workload_identity');
  });
});

describe('cloud_workload_identity: a pod that projects a token for a cloud token exchange itself', () => {
  it.each<[string]>([['sts.amazonaws.com'], ['api://AzureADTokenExchange'], ['harbourline-prod.svc.id.goog'], ['//iam.googleapis.com/projects/123/locations/global/workloadIdentityPools/k8s/providers/eks']])('%s, in a pod, a Deployment and a CronJob', (audience) => {
    expect(codes(send('POST', '/api/v1/namespaces/dev/pods', tokenPod(audience)))).toContain('cloud_workload_identity');
    const template = { metadata: { labels: { app: 'b' } }, spec: tokenPod(audience).spec };
    expect(codes(send('POST', '/apis/apps/v1/namespaces/dev/deployments', { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'b' }, spec: { selector: { matchLabels: { app: 'b' } }, template } }))).toContain('cloud_workload_identity');
    expect(codes(send('POST', '/apis/batch/v1/namespaces/dev/cronjobs', { apiVersion: 'batch/v1', kind: 'CronJob', metadata: { name: 'b' }, spec: { schedule: '0 * * * *', jobTemplate: { spec: { template } } } }))).toContain('cloud_workload_identity');
  });

  it('names the volume source and reads protobuf too', () => {
    const r = send('POST', '/api/v1/namespaces/dev/pods', tokenPod('sts.amazonaws.com'));
    expect(r.violations.find((v) => v.code === 'cloud_workload_identity')).toMatchObject({ path: 'spec.volumes[0].projected.sources[1].serviceAccountToken.audience' });
    // Only the fields the decoder reads (a projected ConfigMap's contents are skipped there).
    const bare = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'backfill' }, spec: { containers: [{ name: 'c', image: 'public.ecr.aws/aws-cli/aws-cli:2.22.10' }], volumes: [{ name: 't', projected: { sources: [{ serviceAccountToken: { audience: 'sts.amazonaws.com', path: 'token' } }] } }] } };
    const pb = encodeKube(bare);
    expect(codes(inspect(kube('POST', '/api/v1/namespaces/dev/pods'), pb, 'application/vnd.kubernetes.protobuf', false, settings))).toContain('cloud_workload_identity');
  });

  it("is not a token for the API server or another audience (Vault's), nor a projected Secret or ConfigMap", () => {
    for (const audience of ['vault', 'https://kubernetes.default.svc', 'sts.amazonaws.com.attacker.example']) expect(codes(send('POST', '/api/v1/namespaces/dev/pods', tokenPod(audience)))).not.toContain('cloud_workload_identity');
    const noAudience = tokenPod('x');
    (noAudience.spec.volumes[0]!.projected.sources[1] as { serviceAccountToken: { audience?: string } }).serviceAccountToken = { path: 'token' } as { audience?: string };
    expect(codes(send('POST', '/api/v1/namespaces/dev/pods', noAudience))).not.toContain('cloud_workload_identity');
  });
});
