import { arrayOf, isObject, type Json } from '../types.js';
import { readYaml } from '../yaml.js';
import { binaryText } from './binary-text.js';
import { VALUE_FIELDS, type StoreKind } from './configmap-scripts.js';
import type { RuleContext } from './context.js';
import { bucketWrite } from './uploads.js';
import { alloySenders, fluentdOutputs, logstashOutputs, vectorTomlSinks } from './telemetry-texts.js';
import { datadogSite } from './telemetry-env.js';
import { clusterOwn, fieldDestination, listDestinations, push, regional, UNKNOWN, type Destination } from './telemetry-fields.js';
import { joinPath } from './walk.js';

/**
 * data_upload_outside for telemetry (session 49, issue #12): a Prometheus that remote-writes every
 * series, an OpenTelemetry Collector, a Fluent Bit or a Vector that exports every span and log line,
 * an Alertmanager webhook, to a destination the site has not listed in `guardrails.upload_hosts`.
 * Labels and log lines carry user names, e-mail addresses and the tokens a careless exporter puts
 * in them: an agent pointed elsewhere ships the site's data out as a `curl -T` does, for as long as
 * it runs. Read where each agent keeps its destinations:
 * - a Prometheus or PrometheusAgent CR's `spec.remoteWrite[].url`, an AlertmanagerConfig's
 *   `spec.receivers[].webhookConfigs[].url` (monitoring.coreos.com);
 * - an OpenTelemetryCollector CR's `spec.config` (an object, or the YAML text v1alpha1 keeps);
 * - a Fluent Bit operator ClusterOutput or Output (fluentbit.fluent.io): its plugin's fields;
 * - a ConfigMap's or Secret's value that is such a configuration: a prometheus.yml's `remote_write`,
 *   an alertmanager.yml's `webhook_configs`, a collector's `exporters`, Fluent Bit's `[OUTPUT]`
 *   sections (classic) or `pipeline.outputs` (YAML), Vector's `sinks` (YAML or TOML), Promtail's
 *   `clients`, and (telemetry-texts.ts) Fluentd's outputs, Alloy's senders, Logstash's outputs;
 * - the OpenTelemetry Operator's Instrumentation: the exporter every instrumented pod's SDK uses.
 * Each destination is judged as a command's upload is (uploads.ts: the site's host globs and bucket
 * entries, a shared object store by its bucket). The cluster's own names need no entry: a Service
 * (`….svc`, `….svc.cluster.local`), a single label (the pod's search list makes it a Service of its
 * namespace), loopback (a sidecar agent, whose own configuration is judged where it is written).
 * `<svc>.<ns>` is not: the pod's resolver tries the search list first (ndots:5), so it is a Service
 * of `<ns>` when that Service exists, and otherwise the public name it spells (`collector.dev`);
 * stepgate cannot see which Services exist, so it is judged as a host and the site lists the ones it
 * uses (`tempo.monitoring`, `"*.monitoring"`). A destination the configuration does not show (a
 * `${env:…}` value, a Secret's URL, a region from the environment) is unknown, and unknown is not on
 * the list. One finding per object or value: the first destination outside.
 */
export const TELEMETRY_GROUPS: ReadonlySet<string> = new Set(['monitoring.coreos.com', 'opentelemetry.io', 'fluentbit.fluent.io', 'datadoghq.com']);

const TEXT = {
  prometheus: 'remote-writes every series it scrapes',
  alertmanager: 'sends alerts (their labels and annotations) to a webhook',
  collector: 'exports the telemetry it receives',
  fluentbit: 'ships the log lines it reads',
  vector: 'ships the events it collects',
  fluentd: 'ships the log lines it reads',
  alloy: 'sends the telemetry it collects',
  promtail: 'ships the log lines it reads',
  logstash: 'ships the events it processes',
  instrumentation: "has every pod it instruments export its traces, metrics and logs",
  datadog: "ships every node's metrics, logs and traces",
} as const;
type Agent = keyof typeof TEXT;

function report(ctx: RuleContext, who: string, agent: Agent, found: readonly Destination[]): void {
  const allowed = ctx.settings.uploadAllowed;
  if (allowed === undefined) return;
  const outside = found.find((d) => !(d.destination !== UNKNOWN && (allowed(d.destination) || clusterOwn(d.destination))));
  if (outside === undefined) return;
  ctx.out.push({ code: 'data_upload_outside', detail: `${who} ${TEXT[agent]} to a destination not in guardrails.upload_hosts`, path: outside.path });
}


/** A telemetry custom resource of TELEMETRY_GROUPS, by its kind (or the request's resource, for a patch that names none). */
export function checkTelemetryObject(doc: Json, prefix: string, resource: string, ctx: RuleContext): void {
  if (ctx.settings.uploadAllowed === undefined) return;
  const root = prefix.endsWith('.') ? prefix.slice(0, -1) : prefix;
  const spec = doc.spec;
  if (!isObject(spec)) return;
  const specPath = joinPath(root, 'spec');
  const kind = typeof doc.kind === 'string' ? doc.kind : '';
  const name = isObject(doc.metadata) && typeof doc.metadata.name === 'string' ? ` ${JSON.stringify(doc.metadata.name.slice(0, 253))}` : '';
  const is = (k: string, r: string) => kind === k || (kind === '' && resource === r);
  if (is('Prometheus', 'prometheuses') || is('PrometheusAgent', 'prometheusagents')) {
    report(ctx, `${kind || 'Prometheus'}${name}`, 'prometheus', remoteWrites(spec.remoteWrite, joinPath(specPath, 'remoteWrite'), 'url'));
  } else if (is('AlertmanagerConfig', 'alertmanagerconfigs')) {
    const found: Destination[] = [];
    arrayOf(spec.receivers).forEach((r, i) => {
      if (!isObject(r)) return;
      arrayOf(r.webhookConfigs).forEach((w, j) => {
        if (!isObject(w)) return;
        const at = `${joinPath(specPath, 'receivers')}[${i}].webhookConfigs[${j}]`;
        push(found, fieldDestination(w.url !== undefined ? joinPath(at, 'url') : joinPath(at, 'urlSecret'), w.url));
      });
    });
    report(ctx, `AlertmanagerConfig${name}`, 'alertmanager', found);
  } else if (is('OpenTelemetryCollector', 'opentelemetrycollectors')) {
    const at = joinPath(specPath, 'config');
    if (typeof spec.config === 'string') {
      for (const config of yamlDocuments(spec.config, at, ctx)) report(ctx, `OpenTelemetryCollector${name}`, 'collector', collectorExporters(config, at));
    } else if (isObject(spec.config)) report(ctx, `OpenTelemetryCollector${name}`, 'collector', collectorExporters(spec.config, at));
  } else if (is('DatadogAgent', 'datadogagents')) {
    // The Datadog Operator's agents send to `global.site` (datadoghq.com when unset) or `global.endpoint.url`.
    const global = isObject(spec.global) ? spec.global : {};
    const globalPath = joinPath(specPath, 'global');
    const found = datadogSite(global.site ?? 'datadoghq.com', joinPath(globalPath, 'site'));
    if (isObject(global.endpoint) && global.endpoint.url !== undefined) push(found, fieldDestination(joinPath(joinPath(globalPath, 'endpoint'), 'url'), global.endpoint.url));
    report(ctx, `DatadogAgent${name}`, 'datadog', found);
  } else if (is('Instrumentation', 'instrumentations')) {
    report(ctx, `Instrumentation${name}`, 'instrumentation', instrumentationExporters(spec, specPath));
  } else if (is('ClusterOutput', 'clusteroutputs') || is('Output', 'outputs')) {
    report(ctx, `${kind || 'Fluent Bit output'}${name}`, 'fluentbit', fluentBitOperatorOutput(spec, specPath));
  }
}

/** The OpenTelemetry SDK's variables that name where it exports (`OTEL_EXPORTER_OTLP_ENDPOINT`, `…_TRACES_ENDPOINT`, Zipkin's). */
const SDK_ENDPOINT_ENV = /^OTEL_EXPORTER_(?:OTLP|ZIPKIN|JAEGER)(?:_(?:TRACES|METRICS|LOGS))?_ENDPOINT$/;
const INSTRUMENTATION_LANGUAGES = ['java', 'nodejs', 'python', 'dotnet', 'go', 'apacheHttpd', 'nginx'] as const;

/**
 * The OpenTelemetry Operator's Instrumentation: every pod that asks for it gets an SDK exporting to
 * `spec.exporter.endpoint`, or to what an `OTEL_EXPORTER_*_ENDPOINT` in `spec.env` or a language's
 * `env` says (one from a Secret or a field is unknown). With neither the SDK exports to its default,
 * the node's own collector (localhost), and nothing is read.
 */
function instrumentationExporters(spec: Json, specPath: string): Destination[] {
  const found: Destination[] = [];
  if (isObject(spec.exporter) && spec.exporter.endpoint !== undefined) push(found, fieldDestination(joinPath(joinPath(specPath, 'exporter'), 'endpoint'), spec.exporter.endpoint));
  const envs: [unknown, string][] = [[spec.env, joinPath(specPath, 'env')]];
  for (const lang of INSTRUMENTATION_LANGUAGES) {
    const l = spec[lang];
    if (isObject(l)) envs.push([l.env, joinPath(joinPath(specPath, lang), 'env')]);
  }
  for (const [list, at] of envs) {
    arrayOf(list).forEach((e, i) => {
      if (isObject(e) && typeof e.name === 'string' && SDK_ENDPOINT_ENV.test(e.name)) push(found, fieldDestination(`${at}[${i}].value`, e.value));
    });
  }
  return found;
}

/** Prometheus's remote write list (the CR's `remoteWrite`, prometheus.yml's `remote_write`): each entry's URL. */
function remoteWrites(list: unknown, path: string, field: string): Destination[] {
  const found: Destination[] = [];
  // A patch may set one entry (`remoteWrite/0`), which the body shows as an object.
  const entries = Array.isArray(list) ? list : list === undefined ? [] : [list];
  entries.forEach((e, i) => {
    const at = Array.isArray(list) ? `${path}[${i}]` : path;
    if (isObject(e)) push(found, fieldDestination(joinPath(at, field), e[field]));
    else push(found, { path: at, destination: UNKNOWN });
  });
  return found;
}

/** The configurations a string holds (YAML or JSON); a text that does not read is reported unreadable, as the agent may read it. */
function yamlDocuments(text: string, path: string, ctx: RuleContext): Json[] {
  const read = readYaml(text);
  if (!read.ok) {
    ctx.unreadable?.(`${path} may name where telemetry is sent, and could not be read (${read.detail})`);
    return [];
  }
  return read.documents.filter(isObject);
}

/** OpenTelemetry exporters that send nowhere (`prometheus` serves a scrape endpoint: its `endpoint` is where it listens). */
const COLLECTOR_LOCAL: ReadonlySet<string> = new Set(['debug', 'logging', 'file', 'nop', 'prometheus']);
/** An exporter's fields that name where it sends (a list for `endpoints`, `brokers`). */
const COLLECTOR_FIELDS = ['endpoint', 'traces_endpoint', 'metrics_endpoint', 'logs_endpoint', 'profiles_endpoint', 'url', 'dsn'] as const;
const COLLECTOR_LISTS = ['endpoints', 'brokers'] as const;

/**
 * A collector configuration's exporters (`otlp`, `otlphttp/honeycomb`: the type is before the `/`).
 * Exporters a pipeline does not use are read too: one line of `service.pipelines` puts them to work.
 */
function collectorExporters(config: Json, path: string): Destination[] {
  const found: Destination[] = [];
  const exporters = config.exporters;
  if (!isObject(exporters)) return found;
  for (const [name, raw] of Object.entries(exporters)) {
    const type = name.split('/')[0]!.toLowerCase();
    if (COLLECTOR_LOCAL.has(type)) continue;
    const at = joinPath(joinPath(path, 'exporters'), name);
    const cfg = isObject(raw) ? raw : {};
    // A field that names a destination, read or not (a unix socket names the pod's own).
    const shown = [...COLLECTOR_FIELDS, ...COLLECTOR_LISTS].some((f) => cfg[f] !== undefined);
    for (const f of COLLECTOR_FIELDS) if (cfg[f] !== undefined) push(found, fieldDestination(joinPath(at, f), cfg[f]));
    for (const f of COLLECTOR_LISTS) if (cfg[f] !== undefined) listDestinations(found, cfg[f], joinPath(at, f));
    if (type === 'elasticsearch' && cfg.cloudid !== undefined) found.push({ path: joinPath(at, 'cloudid'), destination: UNKNOWN });
    if (type === 'awss3') {
      const up = isObject(cfg.s3uploader) ? cfg.s3uploader : {};
      const bucket = typeof up.s3_bucket === 'string' ? up.s3_bucket : '';
      const endpoint = typeof up.endpoint === 'string' ? up.endpoint : undefined;
      found.push({ path: joinPath(joinPath(at, 's3uploader'), 's3_bucket'), destination: endpoint?.includes('$') === true ? UNKNOWN : bucketWrite(bucket, endpoint) });
    } else if (type === 'datadog') {
      // The exporter sends metrics to api.<site>, traces to trace.agent.<site>, logs to http-intake.logs.<site> (datadoghq.com by default).
      const api = isObject(cfg.api) ? cfg.api : {};
      const site = api.site === undefined ? 'datadoghq.com' : api.site;
      if (typeof site !== 'string' || site.includes('$')) found.push({ path: joinPath(at, 'api.site'), destination: UNKNOWN });
      else for (const sub of ['api', 'trace.agent', 'http-intake.logs']) found.push({ path: joinPath(at, 'api.site'), destination: `${sub}.${site.toLowerCase()}` });
      for (const part of ['metrics', 'traces', 'logs']) {
        const p = cfg[part];
        if (isObject(p) && p.endpoint !== undefined) push(found, fieldDestination(joinPath(joinPath(at, part), 'endpoint'), p.endpoint));
      }
    } else if (!shown && type === 'kafka') {
      found.push({ path: at, destination: 'localhost' });
    } else if (!shown && CLOUD_EXPORTERS[type] !== undefined) {
      found.push({ path: at, destination: CLOUD_EXPORTERS[type](cfg) });
    } else if (!shown) {
      // An exporter of a type read here by no field of its own sends somewhere its configuration does not show.
      found.push({ path: at, destination: UNKNOWN });
    }
  }
  return found;
}

/** Exporters that send to their cloud's API without an endpoint field: the host they use. */
const CLOUD_EXPORTERS: Readonly<Record<string, (cfg: Json) => string>> = {
  googlecloud: () => 'cloudtrace.googleapis.com',
  googlemanagedprometheus: () => 'monitoring.googleapis.com',
  awsxray: (cfg) => regional('xray', cfg.region),
  awsemf: (cfg) => regional('logs', cfg.region),
  awscloudwatchlogs: (cfg) => regional('logs', cfg.region),
  awskinesis: (cfg) => regional('kinesis', isObject(cfg.aws) ? cfg.aws.region : undefined),
};


/** Fluent Bit outputs that write nowhere but the pod (or serve a scrape endpoint). */
const FLUENT_BIT_LOCAL: ReadonlySet<string> = new Set(['stdout', 'null', 'file', 'counter', 'exit', 'prometheus_exporter', 'flowcounter', 'lib']);
/** Fluent Bit outputs whose `Host` defaults to 127.0.0.1 (a forwarder beside the agent). */
const FLUENT_BIT_HOST_DEFAULT: ReadonlySet<string> = new Set(['http', 'forward', 'es', 'opensearch', 'loki', 'splunk', 'syslog', 'tcp', 'udp', 'gelf', 'influxdb', 'nats', 'prometheus_remote_write', 'opentelemetry', 'websocket', 'pgsql', 'skywalking', 'vivo_exporter']);

/**
 * One Fluent Bit output, by its plugin name and its fields (lower-case keys): `Host` (and
 * `Brokers`, `Base_URI`, `Endpoint`, `LogDNA_Host`), or the fixed host of a cloud output.
 */
function fluentBitOutput(plugin: string, get: (key: string) => unknown, at: (key: string) => string): Destination[] {
  const found: Destination[] = [];
  const p = plugin.toLowerCase();
  if (FLUENT_BIT_LOCAL.has(p)) return found;
  for (const key of ['host', 'base_uri', 'logdna_host', 'ingestion_endpoint']) if (get(key) !== undefined) push(found, fieldDestination(at(key), get(key)));
  if (get('brokers') !== undefined) listDestinations(found, get('brokers'), at('brokers'));
  if (get('cloud_id') !== undefined) found.push({ path: at('cloud_id'), destination: UNKNOWN });
  const endpoint = get('endpoint');
  if (p === 's3') {
    const bucket = get('bucket');
    found.push({ path: at('bucket'), destination: typeof bucket !== 'string' || (endpoint !== undefined && typeof endpoint !== 'string') || String(endpoint ?? '').includes('$') ? UNKNOWN : bucketWrite(bucket, endpoint as string | undefined) });
    return found;
  }
  if (endpoint !== undefined) push(found, fieldDestination(at('endpoint'), endpoint));
  if (['host', 'base_uri', 'logdna_host', 'ingestion_endpoint', 'brokers', 'cloud_id', 'endpoint'].some((k) => get(k) !== undefined)) return found;
  const fixed = FLUENT_BIT_CLOUD[p];
  if (fixed !== undefined) found.push({ path: at('name'), destination: fixed(get) });
  else if (FLUENT_BIT_HOST_DEFAULT.has(p)) found.push({ path: at('name'), destination: 'localhost' });
  else found.push({ path: at('name'), destination: UNKNOWN });
  return found;
}

const str = (v: unknown): string => (typeof v === 'string' && !v.includes('$') ? v.toLowerCase() : '');
const FLUENT_BIT_CLOUD: Readonly<Record<string, (get: (key: string) => unknown) => string>> = {
  cloudwatch_logs: (get) => regional('logs', get('region')),
  kinesis_streams: (get) => regional('kinesis', get('region')),
  kinesis_firehose: (get) => regional('firehose', get('region')),
  stackdriver: () => 'logging.googleapis.com',
  bigquery: () => 'bigquery.googleapis.com',
  datadog: () => 'http-intake.logs.datadoghq.com',
  newrelic: () => 'log-api.newrelic.com',
  logdna: () => 'logs.logdna.com',
  azure: (get) => (str(get('customer_id')) === '' ? UNKNOWN : `${str(get('customer_id'))}.ods.opinsights.azure.com`),
  azure_blob: (get) => (str(get('account_name')) === '' ? UNKNOWN : `${str(get('account_name'))}.blob.core.windows.net`),
};

/** Fluent Bit's classic configuration: every `[OUTPUT]` section's `Key Value` lines. */
function fluentBitClassic(text: string, path: string): Destination[] {
  const found: Destination[] = [];
  let fields: Map<string, string> | undefined;
  let n = 0;
  const close = () => {
    if (fields === undefined) return;
    const i = n++;
    found.push(...fluentBitOutput(fields.get('name') ?? '', (k) => fields!.get(k), (k) => `${path}[OUTPUT ${i}].${k}`));
    fields = undefined;
  };
  for (const raw of text.split(/\r?\n|\r/)) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const section = /^\[\s*([A-Za-z_]+)\s*\]$/.exec(line);
    if (section !== null) {
      close();
      if (section[1]!.toUpperCase() === 'OUTPUT') fields = new Map();
      continue;
    }
    if (fields === undefined) continue;
    const kv = /^(\S+)\s*(.*)$/.exec(line)!;
    const key = kv[1]!.toLowerCase();
    // The first value of a key is the one Fluent Bit keeps.
    if (!fields.has(key)) fields.set(key, kv[2]!.trim());
  }
  close();
  return found;
}

/** The fluent-operator's spec keys that are not an output plugin. */
const OPERATOR_SPEC_KEYS: ReadonlySet<string> = new Set(['match', 'matchregex', 'alias', 'retry_limit', 'retrylimit', 'loglevel', 'processors', 'workers']);
/** The operator's plugin fields, where their names are not Fluent Bit's. */
const OPERATOR_PLUGINS: Readonly<Record<string, string>> = { cloudwatch: 'cloudwatch_logs', azureloganalytics: 'azure', azureblob: 'azure_blob', prometheusremotewrite: 'prometheus_remote_write', influxdb: 'influxdb', kinesis: 'kinesis_streams', firehose: 'kinesis_firehose', opensearch: 'opensearch', elasticsearch: 'es' };

function fluentBitOperatorOutput(spec: Json, specPath: string): Destination[] {
  const found: Destination[] = [];
  for (const [key, value] of Object.entries(spec)) {
    const k = key.toLowerCase();
    if (OPERATOR_SPEC_KEYS.has(k)) continue;
    const at = joinPath(specPath, key);
    if (k === 'customplugin') {
      const config = isObject(value) ? value.config : undefined;
      found.push(...(typeof config === 'string' ? fluentBitClassic(`[OUTPUT]\n${config}`, joinPath(at, 'config')) : [{ path: at, destination: UNKNOWN }]));
      continue;
    }
    if (!isObject(value)) continue;
    const fields = new Map(Object.entries(value).map(([f, v]) => [f.toLowerCase(), v] as const));
    found.push(...fluentBitOutput(OPERATOR_PLUGINS[k] ?? k, (f) => fields.get(f.replaceAll('_', '')) ?? fields.get(f), (f) => joinPath(at, f)));
  }
  return found;
}

/** Vector sinks that write nowhere but the pod. */
const VECTOR_LOCAL: ReadonlySet<string> = new Set(['console', 'blackhole', 'file', 'prometheus_exporter']);

function vectorSinks(config: Json, path: string): Destination[] {
  const found: Destination[] = [];
  if (!isObject(config.sinks)) return found;
  for (const [name, sink] of Object.entries(config.sinks)) {
    const at = joinPath(joinPath(path, 'sinks'), name);
    if (!isObject(sink)) continue;
    const type = typeof sink.type === 'string' ? sink.type : '';
    if (VECTOR_LOCAL.has(type)) continue;
    const shown = ['endpoint', 'uri', 'address', 'endpoints', 'bootstrap_servers'].some((f) => sink[f] !== undefined);
    for (const f of ['endpoint', 'uri', 'address']) if (sink[f] !== undefined) push(found, fieldDestination(joinPath(at, f), sink[f]));
    for (const f of ['endpoints', 'bootstrap_servers']) if (sink[f] !== undefined) listDestinations(found, sink[f], joinPath(at, f));
    if (type === 'aws_s3' && sink.endpoint === undefined) found.push({ path: joinPath(at, 'bucket'), destination: typeof sink.bucket === 'string' && !sink.bucket.includes('$') ? bucketWrite(sink.bucket, undefined) : UNKNOWN });
    else if (type === 'gcp_cloud_storage') found.push({ path: joinPath(at, 'bucket'), destination: typeof sink.bucket === 'string' && !sink.bucket.includes('$') ? `gs://${sink.bucket.toLowerCase()}` : UNKNOWN });
    else if (!shown) found.push({ path: at, destination: UNKNOWN });
  }
  return found;
}

/** A value that may be an agent's configuration: only these are parsed. */
const CONFIG_MARK = /(?:^|\n)[ \t]*["']?(?:remote_write|exporters|pipeline|sinks|receivers|clients?)["']?[ \t]*:/;
/** The non-YAML configurations telemetry-texts.ts reads, by a line only they have. */
const VECTOR_TOML = /^[ \t]*\[[ \t]*sinks[ \t]*\./m;
const FLUENTD_MATCH = /^[ \t]*<match[ \t>]/m;
const ALLOY_SENDERS = /(?:^|\n)[ \t]*(?:prometheus\.remote_write|loki\.write|pyroscope\.write|otelcol\.exporter\.[A-Za-z0-9_]+|faro\.exporter\.[A-Za-z0-9_]+)[ \t]+"/;
const LOGSTASH_OUTPUT = /(?:^|\n)[ \t]*output[ \t]*\{/;
const AGENT_KEY_AT_MARGIN = /(?:^|\n)(?:remote_write|exporters)[ \t]*:/;
const CLASSIC_OUTPUT = /^[ \t]*\[[ \t]*OUTPUT[ \t]*\][ \t]*$/im;

/** data_upload_outside for the telemetry configurations a ConfigMap's or a Secret's values hold. */
export function checkStoredTelemetry(doc: Json, prefix: string, ctx: RuleContext, kind: StoreKind): void {
  if (ctx.settings.uploadAllowed === undefined) return;
  const root = prefix.endsWith('.') ? prefix.slice(0, -1) : prefix;
  for (const [field, base64] of VALUE_FIELDS[kind]) {
    const values = doc[field];
    if (!isObject(values)) continue;
    for (const [key, value] of Object.entries(values)) {
      if (typeof value !== 'string') continue;
      const text = base64 ? binaryText(value) : value;
      const at = joinPath(joinPath(root, field), key);
      const who = `${kind} key ${JSON.stringify(key.slice(0, 253))}'s configuration, for an agent that`;
      if (CLASSIC_OUTPUT.test(text)) report(ctx, who, 'fluentbit', fluentBitClassic(text, at));
      if (VECTOR_TOML.test(text)) report(ctx, who, 'vector', vectorSinks(vectorTomlSinks(text), at));
      if (FLUENTD_MATCH.test(text)) report(ctx, who, 'fluentd', fluentdOutputs(text, at));
      if (ALLOY_SENDERS.test(text)) report(ctx, who, 'alloy', alloySenders(text, at));
      if (LOGSTASH_OUTPUT.test(text)) report(ctx, who, 'logstash', logstashOutputs(text, at));
      if (!CONFIG_MARK.test(text)) continue;
      const read = readYaml(text);
      if (!read.ok) {
        // Not YAML (a script, an INI file that names `exporters:`): read by nothing here; but a
        // text that starts a prometheus.yml's or a collector's key at its margin is one the agent
        // reads (a value past the YAML reader's size, an anchor bomb), and is not known to stay.
        if (AGENT_KEY_AT_MARGIN.test(text)) ctx.unreadable?.(`${at} may name where telemetry is sent, and could not be read (${read.detail})`);
        continue;
      }
      for (const config of read.documents) {
        if (!isObject(config)) continue;
        if (config.remote_write !== undefined) report(ctx, who, 'prometheus', remoteWrites(config.remote_write, joinPath(at, 'remote_write'), 'url'));
        if (Array.isArray(config.receivers)) report(ctx, who, 'alertmanager', alertmanagerWebhooks(config.receivers, joinPath(at, 'receivers')));
        if (isObject(config.exporters)) report(ctx, who, 'collector', collectorExporters(config, at));
        if (isObject(config.pipeline) && config.pipeline.outputs !== undefined) report(ctx, who, 'fluentbit', fluentBitYamlOutputs(config.pipeline.outputs, joinPath(joinPath(at, 'pipeline'), 'outputs')));
        if (isObject(config.sinks)) report(ctx, who, 'vector', vectorSinks(config, at));
        // Promtail (and the Grafana Agent's logs) push to `clients[].url` (`client` before 2.x); only with its scrape or positions keys, as `clients` is a common word.
        if ((config.scrape_configs !== undefined || config.positions !== undefined) && (config.clients !== undefined || config.client !== undefined)) {
          report(ctx, who, 'promtail', [...remoteWrites(config.clients, joinPath(at, 'clients'), 'url'), ...remoteWrites(config.client, joinPath(at, 'client'), 'url')]);
        }
      }
    }
  }
}

/** alertmanager.yml's `receivers[].webhook_configs[].url` (`url_file` names a file: unknown). */
function alertmanagerWebhooks(receivers: readonly unknown[], path: string): Destination[] {
  const found: Destination[] = [];
  receivers.forEach((r, i) => {
    if (!isObject(r)) return;
    arrayOf(r.webhook_configs).forEach((w, j) => {
      if (!isObject(w)) return;
      const at = `${path}[${i}].webhook_configs[${j}]`;
      push(found, fieldDestination(joinPath(at, w.url !== undefined ? 'url' : 'url_file'), w.url));
    });
  });
  return found;
}

/** Fluent Bit's YAML configuration: `pipeline.outputs[]`, each `name` and its fields. */
function fluentBitYamlOutputs(outputs: unknown, path: string): Destination[] {
  const found: Destination[] = [];
  arrayOf(outputs).forEach((o, i) => {
    if (!isObject(o)) return;
    const fields = new Map(Object.entries(o).map(([f, v]) => [f.toLowerCase(), v] as const));
    found.push(...fluentBitOutput(typeof fields.get('name') === 'string' ? (fields.get('name') as string) : '', (k) => fields.get(k), (k) => joinPath(`${path}[${i}]`, k)));
  });
  return found;
}
