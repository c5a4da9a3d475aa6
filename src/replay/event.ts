/**
 * Kubernetes audit events (`audit.k8s.io/v1` and `v1beta1` `Event`, one JSON object per line, as
 * kube-apiserver's log backend writes them), read into only the fields replay uses. A line that is
 * not such an event is a problem with a stable code, counted and reported; never an exception.
 *
 * Logs rarely reach a security team as the backend wrote them, so the other shapes a real cluster's
 * audit log arrives in are read too: the webhook backend's batches (`EventList`, one per line, as a
 * receiver saves the bodies it is posted), an event inside a log shipper's record (its `log`,
 * `message`, `@message` or `MESSAGE` field: Docker's json-file driver, Fluent Bit and Fluentd,
 * CloudWatch Logs Insights, `journalctl -o json`; `_source` of an Elasticsearch or OpenSearch hit),
 * the managed control planes' exports (EKS through CloudWatch Logs: an export task's
 * `<time> <event>` lines, a subscription's `logEvents` batches, several of them run together on
 * one line as Firehose writes them; AKS diagnostic settings: `properties.log` of each record, and
 * `records` batches), and the container runtime's own log lines (`<time> stdout F <line>`) when
 * kube-apiserver writes its audit log to stdout; the runtime cuts long lines (16 KiB) into partial
 * records (`P`, or a json-file `log` without its newline), which are joined back before reading.
 * GKE's Cloud Audit Logs entries (`protoPayload`) are not events: they have no request URI.
 */

export type Stage = 'RequestReceived' | 'ResponseStarted' | 'ResponseComplete' | 'Panic';
const STAGES = new Set<string>(['RequestReceived', 'ResponseStarted', 'ResponseComplete', 'Panic']);

export interface AuditUser {
  username: string;
  uid: string | undefined;
  groups: readonly string[];
  extra: Readonly<Record<string, readonly string[]>>;
}

export interface AuditEvent {
  apiVersion: 'audit.k8s.io/v1' | 'audit.k8s.io/v1beta1';
  auditID: string;
  stage: Stage;
  requestURI: string;
  verb: string;
  user: AuditUser;
  impersonatedUser: AuditUser | undefined;
  sourceIPs: readonly string[];
  userAgent: string | undefined;
  /** Whether the event names an object (a resource request). */
  resource: boolean;
  /** What kube-apiserver's RequestInfo made of the request, as logged; undefined for non-resource requests. */
  objectRef: ObjectRef | undefined;
  /** The request body as recorded at audit level Request or RequestResponse; undefined otherwise. */
  requestObject: unknown;
  /** Milliseconds since the epoch: when kube-apiserver received the request. */
  receivedAt: number;
  /** The HTTP status kube-apiserver answered, when the stage says. */
  responseCode: number | undefined;
}

export interface ObjectRef {
  resource: string;
  subresource: string;
  namespace: string;
  name: string;
  apiGroup: string;
  apiVersion: string;
}

/** Why a line was not read as an event; docs/rollout.md lists them. */
export type LineProblem =
  | 'not_json'
  | 'not_an_event'
  | 'unknown_api_version'
  | 'missing_field'
  | 'bad_field'
  | 'bad_timestamp'
  | 'line_too_long';

export type ParsedLine = { ok: true; event: AuditEvent } | { ok: false; problem: LineProblem; detail: string };

/** A longer line is refused unread: kube-apiserver's own events are far smaller, even at RequestResponse. */
export const MAX_LINE_CHARS = 8 * 1024 * 1024;

/** `<RFC 3339 time> <stdout|stderr> <tags> <content>`: the CRI log format (containerd, CRI-O). */
const CRI_LINE = /^\d{4}-\d\d-\d\dT[^ ]+ (?:stdout|stderr) ([^ ]+) (.*)$/s;
/** `<RFC 3339 time> <message>`: a CloudWatch Logs export task's S3 objects (EKS control plane logs). */
const EXPORT_LINE = /^\d{4}-\d\d-\d\dT[^ ]+ ([[{].*)$/s;

/**
 * Undoes what a container runtime did to the lines it stored: strips the CRI prefix or Docker's
 * json-file record and joins the partial records a long line was cut into. Other lines pass
 * through unchanged. A joined line is capped like any line: past `MAX_LINE_CHARS` only its length
 * is kept, and reported.
 *
 * Logs also reach a reviewer as documents a person or a tool re-formatted: an event or a batch
 * indented over many lines (`jq .`, an Azure portal or Event Hubs download, Python's and
 * PowerShell's JSON writers), often behind a UTF-8 byte order mark (Windows tools write one). The
 * mark is dropped, and such a document is joined into one line: one that opens with a line holding
 * only `{` or `[` and closes where its brackets balance. Only that opening starts one, so a broken
 * one-line event cannot swallow the lines after it; and a line at the left margin that does not
 * close the document ends it early (reported as not JSON) and is read on its own.
 */
export class RuntimeLines {
  private parts: string[] = [];
  private size = 0;
  private doc: string[] | undefined;
  private docSize = 0;
  private docDepth = 0;

  /** The original lines this stored line completes (a number: one too long to keep), in order. */
  push(line: string): (string | number)[] {
    if (line.charCodeAt(0) === BOM) line = line.slice(1);
    if (this.doc !== undefined) {
      const first = line.charCodeAt(0);
      if (first === 0x7d || first === 0x5d || first === 0x20 || first === 0x09) return this.docLine(line);
      return [...this.endDocument(), ...this.push(line)];
    }
    const opening = line.trim();
    if (opening === '{' || opening === '[') {
      const out = this.end();
      this.doc = [];
      this.docSize = 0;
      this.docDepth = 0;
      return [...out, ...this.docLine(line)];
    }
    const digit = line.charCodeAt(0) >= 0x30 && line.charCodeAt(0) <= 0x39;
    const cri = digit ? CRI_LINE.exec(line) : null;
    if (cri !== null) return this.part(cri[2]!, cri[1]!.split(':').includes('P'));
    const exported = digit ? EXPORT_LINE.exec(line) : null;
    if (exported !== null) return [...this.end(), exported[1]!];
    if (line.charCodeAt(0) === 0x7b && line.includes('"log":"')) {
      let r: unknown;
      try {
        r = JSON.parse(line);
      } catch {
        r = undefined;
      }
      if (isObject(r) && typeof r.log === 'string') {
        const log = r.log;
        // Fluent Bit's CRI parser keeps the runtime's tag; a P record is a part.
        if (typeof r.logtag === 'string') return this.part(log, r.logtag.split(':').includes('P'));
        if (typeof r.stream === 'string') {
          // Docker's json-file driver ends a whole line with its newline; a record without one is a
          // part. A shipper that drops the newline sends whole events: one that parses alone is taken
          // as a line, so it is not held open waiting for a rest that never comes.
          if (log.endsWith('\n')) return this.part(log.slice(0, log.endsWith('\r\n') ? -2 : -1), false);
          return this.part(log, this.parts.length > 0 || !wholeJson(log));
        }
      }
    }
    return [...this.end(), line];
  }

  /** A partial line or document left open at the end of the input. */
  end(): (string | number)[] {
    if (this.doc !== undefined) return this.endDocument();
    if (this.parts.length === 0) return [];
    const out = this.size > MAX_LINE_CHARS ? this.size : this.parts.join('');
    this.parts = [];
    this.size = 0;
    return [out];
  }

  private docLine(line: string): (string | number)[] {
    if (this.docSize <= MAX_LINE_CHARS) this.doc!.push(line);
    this.docSize += line.length + 1;
    this.docDepth += bracketDepth(line);
    return this.docDepth > 0 ? [] : this.endDocument();
  }

  private endDocument(): (string | number)[] {
    const out = this.docSize > MAX_LINE_CHARS ? this.docSize : this.doc!.join('\n');
    this.doc = undefined;
    return [out];
  }

  private part(content: string, partial: boolean): (string | number)[] {
    if (this.size <= MAX_LINE_CHARS) this.parts.push(content);
    this.size += content.length;
    return partial ? [] : this.end();
  }
}

const BOM = 0xfeff;

/** How much deeper a line of a JSON document leaves its brackets; JSON strings never span lines. */
function bracketDepth(line: string): number {
  let d = 0;
  let inString = false;
  for (let k = 0; k < line.length; k++) {
    const c = line.charCodeAt(k);
    if (inString) {
      if (c === 0x5c) k++;
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x7b || c === 0x5b) d++;
    else if (c === 0x7d || c === 0x5d) d--;
  }
  return d;
}

function wholeJson(text: string): boolean {
  if (!text.startsWith('{') || !text.trimEnd().endsWith('}')) return false;
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}

/** How deep a shipper's record may wrap an event: a record inside a record is still read. */
const MAX_WRAPPING = 2;

/** The fields log shippers put a line of the original log into (`_source`: a search hit). */
const WRAPPER_FIELDS = ['log', 'message', '@message', 'MESSAGE', '_source'] as const;

/**
 * One stored line: an event, a webhook batch of them (`EventList`, or a JSON array), or either
 * inside a log shipper's record. Each event (or item that is not one) is one entry, in order.
 */
export function parseAuditRecords(line: string): ParsedLine[] {
  if (line.length > MAX_LINE_CHARS) return [{ ok: false, problem: 'line_too_long', detail: `${line.length} characters` }];
  let o: unknown;
  try {
    o = JSON.parse(line);
  } catch {
    // Firehose writes the CloudWatch Logs records it delivers one after another, with no newline.
    const values = concatenated(line);
    if (values === undefined) return [{ ok: false, problem: 'not_json', detail: 'not a JSON value' }];
    return values.flatMap((v) => fromValue(v, 0));
  }
  return fromValue(o, 0);
}

/** `{…}{…}…`: JSON objects run together on one line, each parsed; undefined unless all parse. */
function concatenated(line: string): unknown[] | undefined {
  if (!line.startsWith('{') || !line.includes('}{')) return undefined;
  const out: unknown[] = [];
  let depth = 0;
  let inString = false;
  let start = 0;
  for (let k = 0; k < line.length; k++) {
    const c = line.charCodeAt(k);
    if (inString) {
      if (c === 0x5c) k++;
      else if (c === 0x22) inString = false;
      continue;
    }
    if (c === 0x22) inString = true;
    else if (c === 0x7b || c === 0x5b) depth++;
    else if (c === 0x7d || c === 0x5d) {
      if (--depth !== 0) continue;
      try {
        out.push(JSON.parse(line.slice(start, k + 1)));
      } catch {
        return undefined;
      }
      start = k + 1;
      if (start < line.length && line.charCodeAt(start) !== 0x7b) return undefined;
    }
  }
  return depth === 0 && start === line.length ? out : undefined;
}

/** One line that must hold exactly one event (no batch, no wrapper). */
export function parseAuditLine(line: string): ParsedLine {
  if (line.length > MAX_LINE_CHARS) return { ok: false, problem: 'line_too_long', detail: `${line.length} characters` };
  let o: unknown;
  try {
    o = JSON.parse(line);
  } catch {
    return { ok: false, problem: 'not_json', detail: 'not a JSON value' };
  }
  return eventOf(o);
}

function fromValue(o: unknown, depth: number): ParsedLine[] {
  if (Array.isArray(o)) {
    if (depth > 0 || o.length === 0) return [{ ok: false, problem: 'not_an_event', detail: o.length === 0 ? 'an empty array' : 'an array inside a record' }];
    return o.flatMap((x) => fromValue(x, depth + 1));
  }
  if (!isObject(o)) return [{ ok: false, problem: 'not_an_event', detail: 'kind is not Event' }];
  if (o.kind === 'EventList') {
    if (!Array.isArray(o.items)) return [{ ok: false, problem: 'not_an_event', detail: 'EventList without items' }];
    // The webhook backend encodes the list's type once; its items usually carry none of their own.
    return o.items.map((item) => (isObject(item) ? eventOf({ kind: 'Event', apiVersion: o.apiVersion, ...item }) : eventOf(item)));
  }
  if (o.kind === undefined && depth < MAX_WRAPPING) {
    // Batches of shipped records: Azure diagnostic settings (Event Hub messages, storage blobs), a
    // CloudWatch Logs subscription's delivery (its `logEvents`, each with the line as `message`) and
    // `aws logs filter-log-events` output (its `events`, likewise).
    // Firehose checks its destination with these; they carry no log line.
    if (o.messageType === 'CONTROL_MESSAGE') return [{ ok: false, problem: 'not_an_event', detail: 'a CloudWatch Logs control message' }];
    for (const f of BATCH_FIELDS) {
      const batch = o[f];
      if (Array.isArray(batch)) return batch.length === 0 ? [{ ok: false, problem: 'not_an_event', detail: `${f}: empty` }] : batch.map((x) => (Array.isArray(x) ? { ok: false as const, problem: 'not_an_event' as const, detail: `${f}: an array inside a record` } : fromValue(x, depth + 1))).flat();
    }
    for (const f of WRAPPER_FIELDS) {
      const inner = unwrapped(o[f], f, depth);
      if (inner !== undefined) return inner;
    }
    // AKS diagnostic settings: the line kube-apiserver wrote is `properties.log`.
    if (isObject(o.properties)) {
      const inner = unwrapped(o.properties.log, 'properties.log', depth);
      if (inner !== undefined) return inner;
    }
    // GKE's Cloud Audit Logs entries say what was done, but not the request: no URI to judge.
    if (isObject(o.protoPayload)) {
      const gke = o.protoPayload.serviceName === 'k8s.io' ? ' of GKE' : '';
      return [{ ok: false, problem: 'not_an_event', detail: `a Cloud Audit Logs entry${gke} (protoPayload): it has no requestURI` }];
    }
  }
  return [eventOf(o)];
}

const BATCH_FIELDS = ['records', 'logEvents', 'events'] as const;

/** The event a shipper's field holds (an object, or a string with the original line), if it holds one. */
function unwrapped(inner: unknown, field: string, depth: number): ParsedLine[] | undefined {
  if (isObject(inner)) return fromValue(inner, depth + 1);
  if (typeof inner !== 'string' || !inner.trimStart().startsWith('{')) return undefined;
  let v: unknown;
  try {
    v = JSON.parse(inner);
  } catch {
    return [{ ok: false, problem: 'not_json', detail: `${field}: not a JSON value` }];
  }
  return fromValue(v, depth + 1);
}

function eventOf(o: unknown): ParsedLine {
  if (!isObject(o) || o.kind !== 'Event') return { ok: false, problem: 'not_an_event', detail: 'kind is not Event' };
  // A webhook batch's items carry no apiVersion of their own; a receiver that saves them one by one
  // (Falco's k8saudit captures, for one) keeps them so. Only an audit event has an auditID.
  const untyped = o.apiVersion === undefined && typeof o.auditID === 'string' && typeof o.requestURI === 'string';
  if (o.apiVersion !== 'audit.k8s.io/v1' && o.apiVersion !== 'audit.k8s.io/v1beta1' && !untyped) {
    return { ok: false, problem: 'unknown_api_version', detail: `apiVersion ${short(o.apiVersion)}` };
  }
  for (const f of ['auditID', 'stage', 'requestURI', 'verb'] as const) {
    if (typeof o[f] !== 'string' || o[f] === '') return { ok: false, problem: typeof o[f] === 'undefined' ? 'missing_field' : 'bad_field', detail: f };
  }
  const stage = o.stage as string;
  if (!STAGES.has(stage)) return { ok: false, problem: 'bad_field', detail: `stage ${short(stage)}` };
  const uri = o.requestURI as string;
  if (!uri.startsWith('/')) return { ok: false, problem: 'bad_field', detail: 'requestURI does not start with /' };
  const user = readUser(o.user);
  if (user === undefined) return { ok: false, problem: o.user === undefined ? 'missing_field' : 'bad_field', detail: 'user.username' };
  let impersonatedUser: AuditUser | undefined;
  if (o.impersonatedUser !== undefined && o.impersonatedUser !== null) {
    impersonatedUser = readUser(o.impersonatedUser, true);
    if (impersonatedUser === undefined) return { ok: false, problem: 'bad_field', detail: 'impersonatedUser' };
  }
  // v1beta1 events may carry only the deprecated `timestamp`; stageTimestamp is the last resort.
  const ts = o.requestReceivedTimestamp ?? o.timestamp ?? o.stageTimestamp;
  const receivedAt = typeof ts === 'string' ? parseTimestamp(ts) : NaN;
  if (!Number.isFinite(receivedAt)) return { ok: false, problem: ts === undefined ? 'missing_field' : 'bad_timestamp', detail: 'requestReceivedTimestamp' };
  const ips = o.sourceIPs;
  if (ips !== undefined && (!Array.isArray(ips) || ips.some((x) => typeof x !== 'string'))) return { ok: false, problem: 'bad_field', detail: 'sourceIPs' };
  const status = isObject(o.responseStatus) && typeof o.responseStatus.code === 'number' ? o.responseStatus.code : undefined;
  return {
    ok: true,
    event: {
      apiVersion: untyped ? 'audit.k8s.io/v1' : (o.apiVersion as AuditEvent['apiVersion']),
      auditID: o.auditID as string,
      stage: stage as Stage,
      requestURI: uri,
      verb: o.verb as string,
      user,
      impersonatedUser,
      sourceIPs: (ips as string[] | undefined) ?? [],
      userAgent: typeof o.userAgent === 'string' ? o.userAgent : undefined,
      resource: isObject(o.objectRef) && typeof o.objectRef.resource === 'string' && o.objectRef.resource !== '',
      objectRef: readObjectRef(o.objectRef),
      requestObject: o.requestObject ?? undefined,
      receivedAt,
      responseCode: status,
    },
  };
}

/**
 * kube-apiserver writes RFC 3339 in UTC with microseconds. SIEM tables export the same instant as
 * `2022-11-29 00:09:04.38`, without a zone, and mean UTC (Panther, BigQuery, Snowflake). Date.parse
 * would read that as local time, so the same log would give other days and hours on another
 * machine; it also takes forms no log has ('2024', 'Tue Mar 26'). Only these two are read.
 */
const TIMESTAMP = /^(\d{4})-(\d\d)-(\d\d)[Tt ](\d\d):(\d\d):(\d\d)(?:[.,](\d{1,9}))?(?:([Zz])|([+-])(\d\d):?(\d\d))?$/;

export function parseTimestamp(s: string): number {
  const m = TIMESTAMP.exec(s);
  if (m === null) return NaN;
  const [y, mo, d, h, mi, sec] = [m[1], m[2], m[3], m[4], m[5], m[6]].map(Number) as [number, number, number, number, number, number];
  // Date.UTC reads years 0–99 as 1900–1999; no audit log is that old.
  if (y < 1000 || mo < 1 || mo > 12 || d < 1 || h > 23 || mi > 59 || sec > 60) return NaN;
  const ms = m[7] === undefined ? 0 : Number(m[7].slice(0, 3).padEnd(3, '0'));
  // A leap second is the last millisecond of its minute, as Go's time package cannot hold one either.
  const t = Date.UTC(y, mo - 1, d, h, mi, Math.min(sec, 59), sec === 60 ? 999 : ms);
  if (new Date(t).getUTCDate() !== d) return NaN;
  const offset = m[9] === undefined ? 0 : (m[9] === '-' ? -1 : 1) * (Number(m[10]) * 60 + Number(m[11])) * 60_000;
  return t - offset;
}

function readObjectRef(r: unknown): ObjectRef | undefined {
  if (!isObject(r)) return undefined;
  const str = (k: string) => (typeof r[k] === 'string' ? (r[k] as string) : '');
  return { resource: str('resource'), subresource: str('subresource'), namespace: str('namespace'), name: str('name'), apiGroup: str('apiGroup'), apiVersion: str('apiVersion') };
}

function readUser(u: unknown, impersonated = false): AuditUser | undefined {
  if (!isObject(u)) return undefined;
  // An impersonated user may be given by groups alone (Impersonate-Group without -User is refused
  // by kube-apiserver, but the record still has a shape to keep).
  if (typeof u.username !== 'string' || (u.username === '' && !impersonated)) return undefined;
  const groups = Array.isArray(u.groups) ? u.groups.filter((g): g is string => typeof g === 'string') : [];
  const extra: Record<string, readonly string[]> = {};
  if (isObject(u.extra)) {
    for (const [k, v] of Object.entries(u.extra)) if (Array.isArray(v)) extra[k] = v.filter((x): x is string => typeof x === 'string');
  }
  return { username: u.username, uid: typeof u.uid === 'string' ? u.uid : undefined, groups, extra };
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function short(v: unknown): string {
  const s = typeof v === 'string' ? v : JSON.stringify(v) ?? String(v);
  return JSON.stringify(s.length > 60 ? `${s.slice(0, 60)}…` : s);
}
