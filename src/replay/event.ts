/**
 * Kubernetes audit events (`audit.k8s.io/v1` and `v1beta1` `Event`, one JSON object per line, as
 * kube-apiserver's log backend writes them), read into only the fields replay uses. A line that is
 * not such an event is a problem with a stable code, counted and reported; never an exception.
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
  /** The request body as recorded at audit level Request or RequestResponse; undefined otherwise. */
  requestObject: unknown;
  /** Milliseconds since the epoch: when kube-apiserver received the request. */
  receivedAt: number;
  /** The HTTP status kube-apiserver answered, when the stage says. */
  responseCode: number | undefined;
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

export function parseAuditLine(line: string): ParsedLine {
  if (line.length > MAX_LINE_CHARS) return { ok: false, problem: 'line_too_long', detail: `${line.length} characters` };
  let o: unknown;
  try {
    o = JSON.parse(line);
  } catch {
    return { ok: false, problem: 'not_json', detail: 'not a JSON value' };
  }
  if (!isObject(o) || o.kind !== 'Event') return { ok: false, problem: 'not_an_event', detail: 'kind is not Event' };
  if (o.apiVersion !== 'audit.k8s.io/v1' && o.apiVersion !== 'audit.k8s.io/v1beta1') {
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
  const receivedAt = typeof ts === 'string' ? Date.parse(ts) : NaN;
  if (!Number.isFinite(receivedAt)) return { ok: false, problem: ts === undefined ? 'missing_field' : 'bad_timestamp', detail: 'requestReceivedTimestamp' };
  const ips = o.sourceIPs;
  if (ips !== undefined && (!Array.isArray(ips) || ips.some((x) => typeof x !== 'string'))) return { ok: false, problem: 'bad_field', detail: 'sourceIPs' };
  const status = isObject(o.responseStatus) && typeof o.responseStatus.code === 'number' ? o.responseStatus.code : undefined;
  return {
    ok: true,
    event: {
      apiVersion: o.apiVersion,
      auditID: o.auditID as string,
      stage: stage as Stage,
      requestURI: uri,
      verb: o.verb as string,
      user,
      impersonatedUser,
      sourceIPs: (ips as string[] | undefined) ?? [],
      userAgent: typeof o.userAgent === 'string' ? o.userAgent : undefined,
      resource: isObject(o.objectRef) && typeof o.objectRef.resource === 'string' && o.objectRef.resource !== '',
      requestObject: o.requestObject ?? undefined,
      receivedAt,
      responseCode: status,
    },
  };
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
