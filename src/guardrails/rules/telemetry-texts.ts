import type { Json } from '../types.js';
import { bucketWrite } from './uploads.js';
import { fieldDestination, listDestinations, push, regional, UNKNOWN, type Destination } from './telemetry-fields.js';

/**
 * Telemetry agents whose configuration is not YAML (uploads50, issue #12): a Vector TOML file, a
 * Fluentd configuration, a Grafana Alloy (River) configuration, a Logstash pipeline. Each reader is
 * one pass over the text (a line scan, or a character scan for the brace-nested ones), with no
 * pattern that can backtrack over more than a line's leading key, so a crafted value costs its
 * length once. What they find is judged as rules/telemetry.ts judges a YAML configuration's
 * destinations (a value with a variable, an embedded Ruby `#{…}`, an expression, is unknown).
 */

/**
 * The outputs (sinks, components, plugins) one text is read for: a real agent has a handful, a
 * crafted one thousands, each a destination to build and judge. Past this many the rest is not
 * read, and stands as one unknown destination (asked, as a value the reader cannot see is).
 */
export const MAX_OUTPUTS = 256;

/** A Vector TOML file's `[sinks.NAME]` tables as Vector's YAML `sinks` would hold them (rules/telemetry.ts vectorSinks reads both). */
export function vectorTomlSinks(text: string): Json {
  // Maps, not objects: a sink or key named `__proto__` is a name like any other.
  const sinks = new Map<string, Map<string, unknown>>();
  let current: Map<string, unknown> | undefined;
  for (const raw of text.split(/\r?\n|\r/)) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    if (line.startsWith('[')) {
      // `[sinks.out]` opens a sink; `[sinks.out.encoding]` is a table of it whose keys name no destination.
      const header = /^\[\s*sinks\s*\.\s*("[^"]*"|'[^']*'|[A-Za-z0-9_-]+)\s*(\.[^\]]*)?\]\s*(?:#.*)?$/.exec(line);
      if (header === null) current = undefined;
      else {
        const name = header[1]!.replace(/^["']|["']$/g, '');
        if (!sinks.has(name) && sinks.size >= MAX_OUTPUTS) {
          sinks.set('', new Map([['type', true]]));
          break;
        }
        const sink = sinks.get(name) ?? new Map<string, unknown>();
        sinks.set(name, sink);
        current = header[2] === undefined ? sink : undefined;
      }
      continue;
    }
    if (current === undefined) continue;
    const kv = /^([A-Za-z0-9_-]+)\s*=\s*(.*)$/.exec(line);
    if (kv !== null) current.set(kv[1]!, tomlValue(kv[2]!));
  }
  return { sinks: Object.fromEntries([...sinks].map(([name, sink]) => [name, Object.fromEntries(sink)])) } as Json;
}

/** A TOML value on one line: a string, an array of strings; anything else (a multi-line string, a number, an inline table) as `true`, which names no destination that can be read. */
function tomlValue(v: string): unknown {
  const basic = /^"([^"\\]*)"\s*(?:#.*)?$/.exec(v) ?? /^'([^']*)'\s*(?:#.*)?$/.exec(v);
  if (basic !== null && !v.startsWith('"""') && !v.startsWith("'''")) return basic[1];
  const array = /^\[([^\]]*)\]\s*(?:#.*)?$/.exec(v);
  if (array !== null) {
    const items = array[1]!.split(',').map((x) => x.trim()).filter((x) => x !== '');
    return items.map((x) => /^"([^"\\]*)"$/.exec(x)?.[1] ?? /^'([^']*)'$/.exec(x)?.[1] ?? true);
  }
  return true;
}

/** Fluentd outputs that write nowhere but the pod, or hand events on to other sections of the same configuration. */
const FLUENTD_LOCAL: ReadonlySet<string> = new Set(['stdout', 'null', 'file', 'copy', 'roundrobin', 'relabel', 'rewrite_tag_filter', 'record_reformer', 'retag', 'prometheus', 'secondary_file', 'flowcounter', 'route', 'exclude', 'grepcounter']);
/** Fluentd outputs whose host defaults to the pod's own (127.0.0.1, localhost). */
const FLUENTD_HOST_DEFAULT: ReadonlySet<string> = new Set(['elasticsearch', 'opensearch', 'elasticsearch_data_stream', 'kafka', 'kafka2', 'kafka_buffered', 'redis', 'mongo', 'influxdb', 'syslog', 'remote_syslog', 'gelf', 'loki']);
/** Fluentd cloud outputs: the host they send to without a host field. */
const FLUENTD_CLOUD: Readonly<Record<string, (get: (k: string) => string | undefined) => string>> = {
  cloudwatch_logs: (get) => regional('logs', get('region')),
  kinesis_streams: (get) => regional('kinesis', get('region')),
  kinesis_firehose: (get) => regional('firehose', get('region')),
  google_cloud: () => 'logging.googleapis.com',
  datadog: () => 'http-intake.logs.datadoghq.com',
  newrelic: () => 'log-api.newrelic.com',
  azure_loganalytics: (get) => (get('customer_id') === undefined ? UNKNOWN : `${get('customer_id')!.toLowerCase()}.ods.opinsights.azure.com`),
};
/** Fields a Fluentd output names its destination in (`hosts` and `brokers` hold lists). */
const FLUENTD_FIELDS = ['host', 'endpoint', 'url', 'endpoint_url'] as const;
const FLUENTD_LISTS = ['hosts', 'brokers', 'seed_brokers'] as const;

interface FluentdFrame {
  readonly kind: 'output' | 'server' | 'other';
  readonly fields: Map<string, string>;
  readonly servers: Map<string, string>[];
  readonly at: string;
}
const OTHER: FluentdFrame = { kind: 'other', fields: new Map(), servers: [], at: '' };

/**
 * A Fluentd configuration's outputs: every `<match>` (and a `copy`'s or `roundrobin`'s `<store>`, a
 * `<secondary>`), by its `@type` and fields; a `forward` output by its `<server>` hosts. Sections
 * nested in an output (`<buffer>`, `<format>`) name no destination.
 */
export function fluentdOutputs(text: string, path: string): Destination[] {
  const found: Destination[] = [];
  const stack: FluentdFrame[] = [];
  // The open outputs apart, so a deep nest costs each line one look, not the stack's depth.
  const outputs: FluentdFrame[] = [];
  let n = 0;
  const close = (frame: FluentdFrame) => {
    if (frame.kind === 'server') outputs.at(-1)?.servers.push(frame.fields);
    else if (frame.kind === 'output') {
      outputs.pop();
      found.push(...fluentdOutput(frame));
    }
  };
  for (const raw of text.split(/\r?\n|\r/)) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    if (line.startsWith('</')) {
      const frame = stack.pop();
      if (frame !== undefined) close(frame);
      continue;
    }
    const open = /^<\s*([A-Za-z_@][\w@-]*)/.exec(line);
    if (open !== null) {
      const name = open[1]!.toLowerCase();
      const inOutput = outputs.length > 0;
      const kind = name === 'match' || (inOutput && (name === 'store' || name === 'secondary')) ? 'output' : inOutput && name === 'server' ? 'server' : 'other';
      if (kind === 'output' && n >= MAX_OUTPUTS) {
        found.push({ path, destination: UNKNOWN });
        return found;
      }
      // A section that names nothing (`<buffer>`, `<label>`) shares one frame: it only has to be closed.
      const frame: FluentdFrame = kind === 'other' ? OTHER : { kind, fields: new Map(), servers: [], at: kind === 'output' ? `${path}[match ${n++}]` : '' };
      stack.push(frame);
      if (kind === 'output') outputs.push(frame);
      continue;
    }
    const top = stack.at(-1);
    if (top === undefined || top.kind === 'other') continue;
    const kv = /^(\S+)\s*(.*)$/.exec(line)!;
    const key = kv[1]!.toLowerCase();
    if (!top.fields.has(key)) top.fields.set(key, kv[2]!.trim().replace(/^"(.*)"$|^'(.*)'$/, '$1$2'));
  }
  // Sections left open at the end are read as Fluentd would refuse them: still, what they name is where they send.
  while (stack.length > 0) close(stack.pop()!);
  return found;
}

function fluentdOutput(frame: FluentdFrame): Destination[] {
  const found: Destination[] = [];
  const get = (k: string): string | undefined => frame.fields.get(k);
  const at = (k: string) => `${frame.at}.${k}`;
  // Embedded Ruby (`"#{ENV['ES_HOST']}"`) is a value the configuration does not show.
  const field = (k: string, v: string) => push(found, v.includes('#{') ? { path: at(k), destination: UNKNOWN } : fieldDestination(at(k), v));
  const type = (get('@type') ?? get('type') ?? '').toLowerCase();
  if (FLUENTD_LOCAL.has(type)) return found;
  for (const k of FLUENTD_FIELDS) if (get(k) !== undefined) field(k, get(k)!);
  for (const k of FLUENTD_LISTS) {
    const v = get(k);
    if (v !== undefined) {
      if (v.includes('#{')) found.push({ path: at(k), destination: UNKNOWN });
      else listDestinations(found, v.replace(/^\[|\]$/g, ''), at(k));
    }
  }
  frame.servers.forEach((s, i) => {
    const host = s.get('host');
    if (host === undefined) found.push({ path: `${frame.at}.server[${i}]`, destination: UNKNOWN });
    else field(`server[${i}].host`, host);
  });
  if (type === 's3') {
    const bucket = get('s3_bucket');
    const endpoint = get('s3_endpoint');
    found.push({ path: at('s3_bucket'), destination: bucket === undefined || bucket.includes('#{') || bucket.includes('$') || endpoint?.includes('#{') === true || endpoint?.includes('$') === true ? UNKNOWN : bucketWrite(bucket, endpoint) });
    return found;
  }
  if (type === 'gcs') {
    const bucket = get('bucket');
    found.push({ path: at('bucket'), destination: bucket === undefined || /[#$]/.test(bucket) ? UNKNOWN : `gs://${bucket.toLowerCase()}` });
    return found;
  }
  if (found.length > 0) return found;
  const fixed = FLUENTD_CLOUD[type];
  if (fixed !== undefined) found.push({ path: at('@type'), destination: fixed(get) });
  else if (FLUENTD_HOST_DEFAULT.has(type)) found.push({ path: at('@type'), destination: 'localhost' });
  // A forward with no server, an http with no endpoint, a type no field here reads: not shown.
  else found.push({ path: at('@type'), destination: UNKNOWN });
  return found;
}

/**
 * A character scan of a brace-nested configuration (River, Logstash): for each character, whether it
 * is inside a string. Strings are `"…"` with `\` escapes (and River's raw `` `…` ``, Logstash's
 * `'…'`); a comment runs from `//` or `#` to the line's end. One pass, so a crafted text of unclosed
 * quotes and braces costs its length once.
 */
function scan(text: string, comments: 'slash' | 'hash', each: (c: string, i: number) => void): void {
  let quote = '';
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quote !== '') {
      if (c === '\\' && quote !== '`') i++;
      else if (c === quote) quote = '';
      continue;
    }
    if ((comments === 'slash' && c === '/' && text[i + 1] === '/') || (comments === 'hash' && c === '#')) {
      const end = text.indexOf('\n', i);
      i = end < 0 ? text.length : end - 1;
      continue;
    }
    if (c === '"' || (comments === 'slash' && c === '`') || (comments === 'hash' && c === "'")) quote = c;
    each(c, i);
  }
}

/** Alloy components that send outside the pod: their blocks' `url` and `endpoint` attributes. */
const ALLOY_SENDER = /^(?:prometheus\.remote_write|loki\.write|pyroscope\.write|otelcol\.exporter\.[A-Za-z0-9_]+|faro\.exporter\.[A-Za-z0-9_]+)$/;
/** otelcol exporters that hand data to other components of the same configuration, or write nowhere. */
const ALLOY_LOCAL: ReadonlySet<string> = new Set(['otelcol.exporter.debug', 'otelcol.exporter.logging', 'otelcol.exporter.loki', 'otelcol.exporter.prometheus', 'otelcol.exporter.file']);
/** Where a component block starts: `NAME "LABEL" {` just before the `{` the scan is at. */
const ALLOY_HEADER = /([A-Za-z_][A-Za-z0-9_.]*)\s+"[^"\n]*"\s*$/;
const ALLOY_ATTRIBUTE = /(?:^|[\s{])(url|endpoint|s3_bucket)\s*=\s*("[^"\\\n]*"|[^\n}]*)/g;

/**
 * Grafana Alloy's (River's) components that send: `prometheus.remote_write`, `loki.write`,
 * `pyroscope.write`, `otelcol.exporter.*` (not those that hand data on: `otelcol.exporter.loki`,
 * `.prometheus`, `.debug`). Every `url`/`endpoint` attribute in the block (its `endpoint { }` and
 * `client { }` blocks) is a destination: a string literal read, anything else (`sys.env("…")`, a
 * reference to another component's export) unknown; a sender with none sends to what it does not show.
 */
export function alloySenders(text: string, path: string): Destination[] {
  const found: Destination[] = [];
  let depth = 0;
  let start = -1;
  let name = '';
  let from = 0;
  let senders = 0;
  scan(text, 'slash', (c, i) => {
    if (c === '{') {
      if (depth === 0) {
        const header = ALLOY_HEADER.exec(text.slice(Math.max(from, i - 200), i));
        name = header?.[1] ?? '';
        start = i;
      }
      depth++;
    } else if (c === '}' && depth > 0) {
      depth--;
      if (depth === 0) {
        if (ALLOY_SENDER.test(name) && senders++ < MAX_OUTPUTS) found.push(...alloyBlock(name, text.slice(start + 1, i), `${path}.${name}`));
        from = i + 1;
      }
    }
  });
  if (depth > 0 && ALLOY_SENDER.test(name)) found.push(...alloyBlock(name, text.slice(start + 1), `${path}.${name}`));
  if (senders > MAX_OUTPUTS) found.push({ path, destination: UNKNOWN });
  return found;
}

function alloyBlock(name: string, body: string, at: string): Destination[] {
  const found: Destination[] = [];
  if (ALLOY_LOCAL.has(name)) return found;
  for (const m of body.matchAll(ALLOY_ATTRIBUTE)) {
    const key = m[1]!;
    const value = m[2]!.trim();
    const literal = /^"([^"\\]*)"$/.exec(value);
    if (key === 's3_bucket') found.push({ path: `${at}.s3_bucket`, destination: literal === null || literal[1]!.includes('$') ? UNKNOWN : bucketWrite(literal[1]!, undefined) });
    else push(found, literal === null ? { path: `${at}.${key}`, destination: UNKNOWN } : fieldDestination(`${at}.${key}`, literal[1]!));
  }
  if (found.length === 0) found.push({ path: at, destination: UNKNOWN });
  return found;
}

/** Logstash outputs that write nowhere but the pod, or hand events to another pipeline of the same Logstash. */
const LOGSTASH_LOCAL: ReadonlySet<string> = new Set(['stdout', 'file', 'null', 'pipeline', 'csv', 'sink']);
/** Logstash outputs whose host defaults to the pod's own. */
const LOGSTASH_HOST_DEFAULT: ReadonlySet<string> = new Set(['elasticsearch', 'opensearch', 'kafka', 'redis', 'rabbitmq', 'mongodb', 'statsd', 'graphite', 'gelf', 'syslog']);
const LOGSTASH_FIELDS: ReadonlySet<string> = new Set(['url', 'host', 'hosts', 'bootstrap_servers', 'endpoint', 'cloud_id', 'address', 'uri']);

/**
 * A Logstash pipeline's `output { … }` plugins (conditionals included: `if [type] == "x" { http {
 * … } }`): each plugin's `url`, `host`, `hosts`, `bootstrap_servers`, `endpoint`; an `s3` by its
 * bucket (its `endpoint` when set), `google_cloud_storage` by its bucket; `stdout`, `file` and
 * `pipeline` (another pipeline of the same Logstash) send nowhere.
 */
export function logstashOutputs(text: string, path: string): Destination[] {
  const found: Destination[] = [];
  let depth = 0;
  // The output section's depth (-1 outside it), the plugin being read, and the first word since the last brace.
  let output = -1;
  let plugin: { name: string; depth: number; values: Map<string, string[]> } | undefined;
  let first = '';
  let key = '';
  let pending = '';
  let word = '';
  let n = 0;
  const value = (v: string) => {
    if (plugin === undefined || depth !== plugin.depth + 1 || key === '') return;
    const list = plugin.values.get(key) ?? [];
    if (list.length < 64) list.push(v);
    plugin.values.set(key, list);
  };
  // A word ends: the first of a statement, or a bare value (`hosts => localhost`), or the key `=>` follows.
  const endWord = () => {
    if (word === '') return;
    if (first === '') first = word.toLowerCase();
    if (pending !== '') value(pending);
    pending = word;
    word = '';
  };
  const endValue = () => {
    endWord();
    if (pending !== '') value(pending);
    pending = '';
  };
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (c === '"' || c === "'") {
      endValue();
      let j = i + 1;
      while (j < text.length && text[j] !== c) j += text[j] === '\\' ? 2 : 1;
      value(text.slice(i + 1, Math.min(j, text.length)));
      i = j;
      continue;
    }
    if (c === '#') {
      endValue();
      const end = text.indexOf('\n', i);
      i = end < 0 ? text.length : end - 1;
      continue;
    }
    if (WORD_CHAR[c.charCodeAt(0)] === 1) {
      if (word.length < 256) word += c;
      continue;
    }
    if (c === '=' && text[i + 1] === '>') {
      endWord();
      key = pending.toLowerCase();
      pending = '';
      i++;
      continue;
    }
    if (c === '{') {
      endValue();
      if (output < 0 && depth === 0 && first === 'output') output = depth;
      else if (output >= 0 && plugin === undefined && first !== 'if' && first !== 'else' && first !== '') plugin = { name: first, depth, values: new Map() };
      depth++;
      first = '';
      key = '';
      continue;
    }
    if (c === '}') {
      endValue();
      if (depth > 0) depth--;
      if (plugin !== undefined && depth === plugin.depth) {
        found.push(...logstashPlugin(plugin.name, plugin.values, `${path}.output[${n++}]`));
        plugin = undefined;
        if (n >= MAX_OUTPUTS) {
          found.push({ path, destination: UNKNOWN });
          return found;
        }
      }
      if (depth === output) output = -1;
      first = '';
      key = '';
      continue;
    }
    endWord();
  }
  endValue();
  if (plugin !== undefined) found.push(...logstashPlugin(plugin.name, plugin.values, `${path}.output[${n}]`));
  return found;
}

/** The characters of a Logstash bare word (a plugin's name, a key, `localhost:9200`), by char code. */
const WORD_CHAR = new Uint8Array(128);
for (const c of 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.@:/-') WORD_CHAR[c.charCodeAt(0)] = 1;

function logstashPlugin(name: string, values: ReadonlyMap<string, readonly string[]>, at: string): Destination[] {
  const found: Destination[] = [];
  if (LOGSTASH_LOCAL.has(name)) return found;
  // `%{[@metadata][host]}` and `${ES_HOST}` are values an event or the environment gives.
  const field = (k: string, v: string) => push(found, /%\{|\$\{/.test(v) ? { path: `${at}.${k}`, destination: UNKNOWN } : fieldDestination(`${at}.${k}`, v));
  for (const [k, list] of values) {
    if (!LOGSTASH_FIELDS.has(k)) continue;
    if (k === 'cloud_id') found.push({ path: `${at}.cloud_id`, destination: UNKNOWN });
    else for (const v of list) for (const part of v.split(',')) field(k, part.trim());
  }
  const bucket = values.get('bucket')?.[0];
  if (name === 's3') {
    const endpoint = values.get('endpoint')?.[0];
    found.push({ path: `${at}.bucket`, destination: bucket === undefined || /[%$]\{/.test(bucket) || (endpoint !== undefined && /[%$]\{/.test(endpoint)) ? UNKNOWN : bucketWrite(bucket, endpoint) });
    return found;
  }
  if (name === 'google_cloud_storage') {
    found.push({ path: `${at}.bucket`, destination: bucket === undefined || /[%$]\{/.test(bucket) ? UNKNOWN : `gs://${bucket.toLowerCase()}` });
    return found;
  }
  if (found.length > 0) return found;
  if (LOGSTASH_HOST_DEFAULT.has(name)) found.push({ path: at, destination: 'localhost' });
  else found.push({ path: at, destination: UNKNOWN });
  return found;
}
