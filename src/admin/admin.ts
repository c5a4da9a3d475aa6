import { bearerToken } from '../request/credentials.js';
import { bearerEndpointRefusal } from '../identity/sender-binding.js';
import type { Runtime } from '../pipeline/runtime.js';
import { identityRefusal } from '../pipeline/standing.js';
import type { Logger } from '../telemetry/log.js';
import { clientText, hashSubject } from '../core/redact.js';
import type { Identity } from '../core/identity.js';
import { insufficientAuthentication } from '../decision/respond.js';
import { endIncident, raiseIncident, revoke, type RevokeInput } from './actions.js';
import { MAX_TEXT, scopeProblem, type Actor, type IncidentScope } from '../incident/model.js';

export const ADMIN_PATH = '/.stepgate/admin/v1';
const MAX_BODY = 16 * 1024;

export interface AdminResponse {
  status: number;
  headers: (readonly [string, string])[];
  body: string;
  audit: undefined;
}

export interface AdminRequest {
  method: string;
  /** Path below ADMIN_PATH, e.g. `/incidents/inc-1a2b3c4d`. */
  path: string;
  authorization: string | undefined;
  contentType: string | undefined;
  /** Undefined when larger than MAX_BODY. */
  body: string | undefined;
}

const JSON_TYPE = ['content-type', 'application/json'] as const;
const NO_STORE = ['cache-control', 'no-store'] as const;

/**
 * The incident admin API (issue 15). Every call carries a bearer token of an issuer named in
 * `incident.admin.issuers`, verified by the Check's own verifier (signature, audience, expiry),
 * whose groups claim names one of `incident.admin.groups`, and not itself revoked. A bearer token
 * in a header is never sent by a browser on its own, so no CSRF token is needed.
 *
 *   GET    /incidents              incidents in force
 *   POST   /incidents              raise: {scope, require?, max_age?, deny?, reason, duration_seconds}
 *   DELETE /incidents/<id>         end before its time
 *   GET    /revocations            revocations in force
 *   POST   /revocations            {kind: subject, subject, issuer?, keep_history?, reason} | {kind: session, session, reason}
 */
export async function adminApi(rt: Runtime, r: AdminRequest, log: Logger): Promise<AdminResponse> {
  const inc = rt.config.incident;
  if (inc === undefined || rt.incidents === undefined) return answer(404, { error: 'not_found', message: 'incident mode is not configured' });
  const who = await authenticate(rt, r.authorization);
  if ('status' in who) {
    audit(rt, log, 'admin.refused', undefined, { status: who.status, code: who.code });
    return who;
  }
  const by: Actor = { via: 'admin', issuer: who.issuer, subject: who.subject };
  const now = rt.now();
  const [, collection, id, extra] = r.path.split('/');
  if (extra !== undefined) return answer(404, { error: 'not_found' });
  try {
    if (collection === 'incidents' && id === undefined) {
      if (r.method === 'GET') return answer(200, { incidents: rt.incidents.active(now) });
      if (r.method !== 'POST') return notAllowed('GET, POST');
      const input = readJson(r);
      if (typeof input === 'string') return invalid(input);
      const raise = raiseInput(rt, input);
      if (typeof raise === 'string') return invalid(raise);
      const doc = await raiseIncident(rt, raise, by);
      audit(rt, log, 'incident.raised', who, { incident: doc.id, scope: doc.scope, require: doc.require, max_age: doc.max_age, deny: doc.deny, reason: doc.reason, expires_at: new Date(doc.expires_at).toISOString() });
      return answer(201, { incident: doc });
    }
    if (collection === 'incidents' && id !== undefined) {
      if (r.method !== 'DELETE') return notAllowed('DELETE');
      // An id that does not decode names no incident: it is not a store failure (503) either.
      const incident = decodedSegment(id);
      if (incident === undefined) return answer(404, { error: 'not_found', message: 'no such incident in force' });
      const doc = await endIncident(rt, incident);
      if (doc === undefined) return answer(404, { error: 'not_found', message: 'no such incident in force' });
      audit(rt, log, 'incident.ended', who, { incident: doc.id, reason: doc.reason });
      return answer(200, { incident: doc, ended_at: new Date(now).toISOString() });
    }
    if (collection === 'revocations' && id === undefined) {
      if (r.method === 'GET') return answer(200, { revocations: rt.incidents.activeRevocations(now) });
      if (r.method !== 'POST') return notAllowed('GET, POST');
      const input = readJson(r);
      if (typeof input === 'string') return invalid(input);
      const rev = revokeInput(input);
      if (typeof rev === 'string') return invalid(rev);
      const doc = await revoke(rt, rev.what, rev.reason, by);
      audit(rt, log, doc.kind === 'subject' ? 'revocation.subject' : 'revocation.session', who, {
        revoked: doc.kind === 'subject' ? { subject: subjectFor(rt, doc.subject!), issuer: doc.issuer } : { session: clientText(doc.session, 64) },
        ...(doc.keep_history === true ? { keep_history: true } : {}),
        reason: doc.reason,
      });
      return answer(201, { revocation: doc });
    }
  } catch (err) {
    log.error({ event: 'incident_admin', err: err instanceof Error ? err.message : String(err) }, 'incident admin call failed');
    return answer(503, { error: 'state_unavailable', message: 'the shared state store could not be written; nothing was changed on the other replicas' });
  }
  return answer(404, { error: 'not_found' });
}

type Refused = AdminResponse & { code: string };

async function authenticate(rt: Runtime, authorization: string | undefined): Promise<Identity | Refused> {
  const admin = rt.config.incident!.admin;
  const token = bearerToken(authorization);
  // No bearer credential at all is `unauthenticated`; one that is not a single token says so.
  if (typeof token !== 'string') return refused(401, token.reason === 'token_missing' ? 'unauthenticated' : token.reason, 'an admin bearer token is required');
  const v = await rt.verifier.verify(token);
  if (!v.ok) return refused(401, v.reason, 'the bearer token was not accepted');
  // A sender-constrained token's proof cannot be checked on this API: a copy must not act as admin.
  const bound = bearerEndpointRefusal(v.identity);
  if (bound !== undefined) return refused(401, bound, 'a sender-constrained token is not accepted on the admin API; use a bearer token');
  const who = v.identity;
  if (!admin.issuers.includes(who.issuer)) return refused(403, 'admin_issuer', 'this issuer is not an admin issuer (incident.admin.issuers)');
  if (!who.groups.some((g) => admin.groups.includes(g))) return refused(403, 'admin_group', 'the token names none of incident.admin.groups');
  // Revoked, or outside its access window: an on-call contractor's engagement ends on the admin
  // API too (raising incidents and revoking people act for the caller as much as a request does).
  // rt.revocations is rt.incidents here: with `incident` configured they are one board.
  const gone = identityRefusal(rt, who);
  if (gone?.reason === 'access_window_closed') return refused(403, gone.reason, gone.message);
  if (gone) return refused(gone.reason === 'state_unavailable' ? 503 : 401, gone.reason, gone.detail);
  return assured(rt, who) ?? who;
}

/**
 * `incident.admin.require` / `max_age`: refused with RFC 9470's challenge, so the caller knows which
 * sign-in to get (the CLI prints it), like an API client refused on the Check path.
 */
function assured(rt: Runtime, who: Identity): Refused | undefined {
  const { require, max_age: maxAge } = rt.config.incident!.admin;
  const rank = require === undefined ? -1 : rt.assurance.rank(require);
  let code: 'acr_insufficient' | 'auth_time_missing' | 'auth_too_old' | undefined;
  if (who.level < rank) code = 'acr_insufficient';
  else if (maxAge !== undefined && who.authTime === undefined) code = 'auth_time_missing';
  else if (maxAge !== undefined && Math.floor(rt.now() / 1000) - who.authTime! > maxAge) code = 'auth_too_old';
  if (code === undefined) return undefined;
  const wanted = `${require !== undefined ? `a sign-in at ${require}` : 'a sign-in'}${maxAge !== undefined ? ` within the last ${maxAge}s` : ''}`;
  const r = answer(401, { error: 'unauthenticated', code, message: `admin calls need ${wanted}; this token is level ${who.levelName} (${code})` });
  r.headers.push(['www-authenticate', insufficientAuthentication('stepgate-admin', code, rank >= 0 ? rt.assurance.acrValues(rank) : undefined, maxAge)]);
  return { ...r, code };
}

function refused(status: number, code: string, message: string): Refused {
  const r = answer(status, { error: status === 401 ? 'unauthenticated' : status === 403 ? 'forbidden' : 'unavailable', code, message });
  if (status === 401) r.headers.push(['www-authenticate', 'Bearer realm="stepgate-admin"']);
  return { ...r, code };
}

function readJson(r: AdminRequest): Record<string, unknown> | string {
  if (r.body === undefined) return `body larger than ${MAX_BODY} bytes`;
  if (!/^application\/json\s*(;|$)/i.test(r.contentType ?? '')) return 'content-type must be application/json';
  try {
    const v = JSON.parse(r.body) as unknown;
    return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : 'body must be a JSON object';
  } catch {
    return 'body is not JSON';
  }
}

function text(v: unknown, field: string): string {
  if (typeof v !== 'string' || v.trim() === '') throw new Problem(`${field}: required, a non-empty string`);
  if (v.length > MAX_TEXT) throw new Problem(`${field}: at most ${MAX_TEXT} characters`);
  // Shown in pages, Status messages and headers-adjacent bodies: no control characters.
  // eslint-disable-next-line no-control-regex
  return v.replace(/[\u0000-\u001f\u007f]/g, ' ').trim();
}

class Problem extends Error {}

function raiseInput(rt: Runtime, b: Record<string, unknown>) {
  try {
    for (const k of Object.keys(b)) if (!['scope', 'require', 'max_age', 'deny', 'reason', 'duration_seconds'].includes(k)) throw new Problem(`${k}: unknown field`);
    const scopeIssue = scopeProblem(b.scope);
    if (scopeIssue) throw new Problem(scopeIssue);
    const reason = text(b.reason, 'reason');
    const max = rt.config.incident!.max_duration_seconds;
    const d = b.duration_seconds;
    if (typeof d !== 'number' || !Number.isInteger(d) || d < 60 || d > max) {
      throw new Problem(`duration_seconds: required, a whole number from 60 to ${max} (incident.max_duration_seconds): every incident ends by itself`);
    }
    let require: string | undefined;
    if (b.require !== undefined) {
      if (typeof b.require !== 'string' || !rt.assurance.names.includes(b.require)) throw new Problem(`require: one of ${rt.assurance.names.join(', ')}`);
      require = b.require;
    }
    let maxAge: number | undefined;
    if (b.max_age !== undefined) {
      if (typeof b.max_age !== 'number' || !Number.isInteger(b.max_age) || b.max_age < 0 || b.max_age > 86_400) throw new Problem('max_age: a whole number of seconds from 0 to 86400');
      maxAge = b.max_age;
    }
    if (b.deny !== undefined && typeof b.deny !== 'boolean') throw new Problem('deny: true or false');
    if (require === undefined && maxAge === undefined && b.deny !== true) throw new Problem('say what the incident asks: require, max_age or deny: true');
    return { scope: b.scope as IncidentScope, require, max_age: maxAge, deny: b.deny === true, reason, durationSeconds: d };
  } catch (err) {
    if (err instanceof Problem) return err.message;
    throw err;
  }
}

function revokeInput(b: Record<string, unknown>): { what: RevokeInput; reason: string } | string {
  try {
    const reason = text(b.reason, 'reason');
    if (b.kind === 'subject') {
      for (const k of Object.keys(b)) if (!['kind', 'subject', 'issuer', 'reason', 'keep_history'].includes(k)) throw new Problem(`${k}: unknown field`);
      const subject = text(b.subject, 'subject');
      const issuer = b.issuer === undefined ? undefined : text(b.issuer, 'issuer');
      if (b.keep_history !== undefined && typeof b.keep_history !== 'boolean') throw new Problem('keep_history: must be true or false');
      return { what: { kind: 'subject', subject, issuer, keepHistory: b.keep_history === true }, reason };
    }
    if (b.kind === 'session') {
      for (const k of Object.keys(b)) if (!['kind', 'session', 'reason'].includes(k)) throw new Problem(`${k}: unknown field`);
      return { what: { kind: 'session', session: text(b.session, 'session') }, reason };
    }
    throw new Problem('kind: subject or session');
  } catch (err) {
    if (err instanceof Problem) return err.message;
    throw err;
  }
}

/** A path segment percent-decoded, or undefined when its encoding is malformed (`%`, `%E0%A4%A`). */
function decodedSegment(segment: string): string | undefined {
  try {
    return decodeURIComponent(segment);
  } catch {
    return undefined;
  }
}

function answer(status: number, body: unknown): AdminResponse {
  return { status, headers: [JSON_TYPE, NO_STORE], body: `${JSON.stringify(body)}\n`, audit: undefined };
}

function invalid(message: string): AdminResponse {
  return answer(400, { error: 'invalid_request', message });
}

function notAllowed(allow: string): AdminResponse {
  const r = answer(405, { error: 'method_not_allowed' });
  r.headers.push(['allow', allow]);
  return r;
}

function subjectFor(rt: Runtime, s: string): string {
  return rt.config.telemetry.subject === 'hashed' ? hashSubject(s) : s;
}

const MESSAGES: Record<string, string> = {
  'incident.raised': 'incident raised',
  'incident.ended': 'incident ended',
  'revocation.subject': 'subject revoked',
  'revocation.session': 'session revoked',
  'admin.refused': 'incident admin call refused',
  'signal.received': 'shared signal acted on',
  'signal.refused': 'shared signal refused',
};

/** One audit record per admin action, naming who did it; never the token. */
export function audit(rt: Runtime, log: Logger, event: string, who: Pick<Identity, 'issuer' | 'subject'> | undefined, fields: Record<string, unknown>): void {
  try {
    const record = { audit: true, event, by: who && { issuer: who.issuer, subject: subjectFor(rt, who.subject) }, ...fields };
    const level = event.endsWith('.refused') ? 'warn' : rt.config.telemetry.audit.level;
    log[level](record, MESSAGES[event] ?? event);
  } catch {
    // Logging never changes an answer.
  }
}

export { MAX_BODY as ADMIN_MAX_BODY };
