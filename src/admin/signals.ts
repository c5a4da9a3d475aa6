import { Buffer } from 'node:buffer';
import { timingSafeEqual } from 'node:crypto';
import { createRemoteJWKSet, decodeJwt, decodeProtectedHeader, errors, jwtVerify, type JWTPayload } from 'jose';
import type { IncidentConfig } from '../config/schema.js';
import type { Runtime } from '../pipeline/runtime.js';
import type { Logger } from '../telemetry/log.js';
import { clientText } from '../core/redact.js';
import { revoke, type RevokeInput } from './actions.js';
import { audit, type AdminResponse } from './admin.js';
import type { Actor } from '../incident/model.js';

export const SIGNALS_PATH = '/.stepgate/ssf/events';
export const MAX_SET_BYTES = 64 * 1024;

const CAEP = 'https://schemas.openid.net/secevent/caep/event-type/';
const RISC = 'https://schemas.openid.net/secevent/risc/event-type/';
export const EVENT_TYPES = {
  sessionRevoked: `${CAEP}session-revoked`,
  credentialChange: `${CAEP}credential-change`,
  assuranceLevelChange: `${CAEP}assurance-level-change`,
  deviceComplianceChange: `${CAEP}device-compliance-change`,
  accountDisabled: `${RISC}account-disabled`,
  credentialCompromise: `${RISC}credential-compromise`,
} as const;
const KNOWN = new Set<string>(Object.values(EVENT_TYPES));

/** RFC 8935 §2.4 error codes. */
export type SetError = 'invalid_request' | 'invalid_key' | 'invalid_issuer' | 'invalid_audience' | 'authentication_failed' | 'access_denied';

export interface SignalRequest {
  method: string;
  contentType: string | undefined;
  authorization: string | undefined;
  /** Undefined when larger than MAX_SET_BYTES. */
  body: string | undefined;
}

export type Transmitter = NonNullable<IncidentConfig['shared_signals']>['transmitters'][number];
type KeySet = ReturnType<typeof createRemoteJWKSet>;
/** One remote key set per transmitter and configuration (jose caches and rate-limits the fetches). */
const keySets = new WeakMap<Transmitter, KeySet>();

/**
 * The Shared Signals receiver: RFC 8935 push delivery of Security Event Tokens (RFC 8417) from the
 * configured transmitters. A SET is acted on only when everything holds: the media type, `typ`
 * secevent+jwt, a configured issuer, a signature by that transmitter's published keys, our
 * audience, an `iat` within `max_age_seconds`, a `jti` never seen before (by any replica), and
 * exactly one event of a type this receiver knows, about a subject it can name. Anything else is
 * an RFC 8935 error and changes nothing. A valid event is answered 202 Accepted.
 */
export async function receiveSignal(rt: Runtime, r: SignalRequest, log: Logger, env: NodeJS.ProcessEnv): Promise<AdminResponse> {
  const ssf = rt.config.incident?.shared_signals;
  if (ssf === undefined || rt.incidents === undefined) return json(404, { err: 'invalid_request', description: 'no Shared Signals receiver is configured' });
  if (r.method !== 'POST') return { ...json(405, { err: 'invalid_request', description: 'POST a Security Event Token' }), headers: [...json(405, {}).headers, ['allow', 'POST']] };
  const expected = ssf.authorization_env === undefined ? undefined : env[ssf.authorization_env];
  if (ssf.authorization_env !== undefined) {
    // A receiver configured to authenticate transmitters and missing its secret refuses everything.
    if (expected === undefined || expected === '') return refuse(rt, log, 401, 'authentication_failed', 'the receiver has no authorization configured');
    if (r.authorization === undefined) return refuse(rt, log, 401, 'authentication_failed', 'an Authorization header is required');
    if (!sameText(r.authorization, expected)) return refuse(rt, log, 403, 'access_denied', 'the Authorization header is not the one agreed for this stream');
  }
  if (r.body === undefined) return refuse(rt, log, 400, 'invalid_request', `the SET is larger than ${MAX_SET_BYTES} bytes`);
  if (!/^application\/secevent\+jwt\s*(;|$)/i.test(r.contentType ?? '')) return refuse(rt, log, 400, 'invalid_request', 'Content-Type must be application/secevent+jwt');
  const token = r.body.trim();
  let typ: unknown;
  let iss: unknown;
  try {
    typ = decodeProtectedHeader(token).typ;
    iss = decodeJwt(token).iss;
  } catch {
    return refuse(rt, log, 400, 'invalid_request', 'the body is not a compact JWS');
  }
  if (typeof typ !== 'string' || !/^(application\/)?secevent\+jwt$/i.test(typ)) return refuse(rt, log, 400, 'invalid_request', 'typ must be secevent+jwt');
  const transmitter = ssf.transmitters.find((t) => t.issuer === iss);
  if (transmitter === undefined) return refuse(rt, log, 400, 'invalid_issuer', 'the SET issuer is not a configured transmitter');
  let keys = keySets.get(transmitter);
  if (keys === undefined) {
    keys = createRemoteJWKSet(new URL(transmitter.jwks_uri), { timeoutDuration: 5000, cooldownDuration: 30_000 });
    keySets.set(transmitter, keys);
  }
  const now = rt.now();
  let payload: JWTPayload;
  try {
    payload = (
      await jwtVerify(token, keys, {
        issuer: transmitter.issuer,
        audience: ssf.audience,
        algorithms: transmitter.algorithms,
        currentDate: new Date(now),
        requiredClaims: ['iat', 'jti'],
        maxTokenAge: ssf.max_age_seconds,
        clockTolerance: 30,
      })
    ).payload;
  } catch (err) {
    if (err instanceof errors.JWKSNoMatchingKey || err instanceof errors.JWSSignatureVerificationFailed || err instanceof errors.JOSEAlgNotAllowed) {
      return refuse(rt, log, 400, 'invalid_key', 'the signature does not verify with the transmitter\'s published keys', transmitter.issuer);
    }
    if (err instanceof errors.JWTClaimValidationFailed && err.claim === 'aud') return refuse(rt, log, 400, 'invalid_audience', 'aud does not name this receiver', transmitter.issuer);
    if (err instanceof errors.JWTClaimValidationFailed && err.claim === 'iss') return refuse(rt, log, 400, 'invalid_issuer', 'iss is not the transmitter', transmitter.issuer);
    if (err instanceof errors.JWTExpired || (err instanceof errors.JWTClaimValidationFailed && err.claim === 'iat')) {
      return refuse(rt, log, 400, 'invalid_request', `the SET was issued more than ${ssf.max_age_seconds}s ago or in the future`, transmitter.issuer);
    }
    if (err instanceof errors.JWKSTimeout || !(err instanceof errors.JOSEError)) {
      // The transmitter's keys could not be fetched: a retry may succeed (RFC 8935 §2.3: 5xx).
      return json(503, { err: 'invalid_key', description: 'the transmitter\'s keys could not be fetched; retry later' });
    }
    return refuse(rt, log, 400, 'invalid_request', `the SET failed validation (${(err as errors.JOSEError).code})`, transmitter.issuer);
  }
  if (typeof payload.jti !== 'string' || payload.jti === '' || payload.jti.length > 256) return refuse(rt, log, 400, 'invalid_request', 'jti must be a string', transmitter.issuer);
  const event = readEvent(payload, transmitter, ssf.keep_history, ssf.email_claim);
  if (typeof event === 'string') return refuse(rt, log, 400, 'invalid_request', event, transmitter.issuer);
  const store = rt.riskState!.store;
  let fresh: boolean;
  try {
    // Replay protection before acting: a replayed session-revoked must not sign a user out again later.
    fresh = await store.control.once(`ssf\n${transmitter.issuer}\n${payload.jti}`, (ssf.max_age_seconds + 60) * 1000, now);
  } catch {
    return json(503, { err: 'invalid_request', description: 'the receiver\'s state store is unavailable; retry later' });
  }
  if (!fresh) return refuse(rt, log, 400, 'invalid_request', 'this jti was already received', transmitter.issuer);
  const by: Actor = { via: 'shared_signals', issuer: transmitter.issuer, subject: `jti:${clientText(payload.jti, 64)}` };
  if (event.action === undefined) {
    audit(rt, log, 'signal.received', by, { event_type: event.type, acted: false, why: event.why });
    return json(202, undefined);
  }
  try {
    const doc = await revoke(rt, event.action, `${event.type.slice(event.type.lastIndexOf('/') + 1)} from ${transmitter.issuer}${event.why ? `: ${event.why}` : ''}`, by);
    audit(rt, log, 'signal.received', by, { event_type: event.type, acted: true, revocation: doc.id, kind: doc.kind, ...(doc.keep_history === true ? { keep_history: true } : {}) });
  } catch {
    return json(503, { err: 'invalid_request', description: 'the receiver\'s state store is unavailable; retry later' });
  }
  return json(202, undefined);
}

export type ReadEvent = { type: string; action: RevokeInput | undefined; why: string | undefined };

/**
 * Exactly one known event; its subject (RFC 9493 formats) named in the event or in `sub_id`.
 * `keepHistory` (incident.shared_signals.keep_history) applies to a subject's `session-revoked`
 * alone: an IdP's mass session reset suspects no one, so forgetting what was learnt would only make
 * every engineer's own office and laptop new again. Every other event that revokes says something
 * may be wrong with the account, its credential, its assurance or its device (account-disabled,
 * credential-compromise, credential-change, a lowered assurance, a non-compliant device): what was
 * learnt may be an attacker's, so it is always forgotten.
 */
export function readEvent(payload: JWTPayload, t: Transmitter, keepHistory: boolean, emailClaim?: string): ReadEvent | string {
  const events = payload.events;
  if (typeof events !== 'object' || events === null || Array.isArray(events)) return 'events must be an object';
  const types = Object.keys(events);
  if (types.length !== 1) return 'a SET must carry exactly one event';
  const type = types[0]!;
  if (!KNOWN.has(type)) return `event type ${clientText(type, 120)} is not supported`;
  const body = (events as Record<string, unknown>)[type];
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return 'the event must be an object';
  const e = body as Record<string, unknown>;
  const subject = subjectOf(e.subject ?? payload.sub_id, t, emailClaim);
  if (typeof subject === 'string') return subject;
  const why = typeof e.reason_admin === 'object' && e.reason_admin !== null ? clientText(String((e.reason_admin as Record<string, unknown>).en ?? ''), 120) || undefined : undefined;
  switch (type) {
    case EVENT_TYPES.sessionRevoked:
      if (subject.session !== undefined) return { type, action: sessionOf(subject.session, t), why };
      return { type, action: subject.user.kind === 'subject' && keepHistory ? { ...subject.user, keepHistory: true } : subject.user, why };
    case EVENT_TYPES.assuranceLevelChange:
      // Stronger assurance needs nothing from us; weaker (or unsaid) means authenticate afresh.
      if (e.change_direction === 'increase') return { type, action: undefined, why: 'assurance increased' };
      return { type, action: subject.user, why };
    case EVENT_TYPES.deviceComplianceChange:
      if (e.current_status === 'compliant') return { type, action: undefined, why: 'device compliant' };
      if (e.current_status !== 'not-compliant') return 'current_status must be compliant or not-compliant';
      return { type, action: subject.user, why };
    default:
      return { type, action: subject.user, why };
  }
}

interface NamedSubject {
  user: RevokeInput;
  session: string | undefined;
}

function subjectOf(s: unknown, t: Transmitter, emailClaim: string | undefined): NamedSubject | string {
  if (typeof s !== 'object' || s === null || Array.isArray(s)) return 'the event names no subject (subject or sub_id)';
  const o = s as Record<string, unknown>;
  if (o.format === 'complex' || (o.format === undefined && (o.user !== undefined || o.session !== undefined))) {
    const user = o.user === undefined ? undefined : subjectOf(o.user, t, emailClaim);
    if (typeof user === 'string') return user;
    const session = o.session as Record<string, unknown> | undefined;
    let sid: string | undefined;
    if (session !== undefined) {
      if (session.format !== 'opaque' || typeof session.id !== 'string' || session.id === '') return 'a session subject must be {format: opaque, id}';
      sid = session.id;
    }
    if (user === undefined && sid === undefined) return 'a complex subject must name a user or a session';
    return { user: user?.user ?? sessionOf(sid!, t), session: sid };
  }
  const str = (v: unknown) => (typeof v === 'string' && v !== '' && v.length <= 256 ? v : undefined);
  switch (o.format) {
    case 'iss_sub': {
      const iss = str(o.iss);
      const sub = str(o.sub);
      if (!iss || !sub) return 'an iss_sub subject needs iss and sub';
      // A transmitter bound to one issuer (subject_issuer) speaks for that issuer's subjects only:
      // the people's IdP naming a cluster's service account, or another tenant's user, would sign
      // out (and make new to the risk engine) someone it has no say over.
      if (t.subject_issuer !== undefined && iss !== t.subject_issuer) return `the transmitter speaks for subjects of ${clientText(t.subject_issuer, 120)} only (subject_issuer)`;
      return { user: { kind: 'subject', subject: sub, issuer: iss }, session: undefined };
    }
    case 'email': {
      const email = str(o.email);
      if (!email) return 'an email subject needs email';
      // A revocation matches the subject stepgate names people by (issuers[].subject_claim). Where
      // that is an opaque id (Okta's 00u…, Entra's oid) an address matches nobody: refused unless
      // incident.shared_signals.email_claim says the address is that name (checked at startup),
      // never a 202 that signs nobody out.
      if (emailClaim === undefined) return 'email subjects are not acted on: stepgate names people by issuers[].subject_claim (set incident.shared_signals.email_claim where that is the address), or send the subject as iss_sub';
      return { user: { kind: 'subject', subject: email, issuer: t.subject_issuer }, session: undefined };
    }
    case 'opaque': {
      const id = str(o.id);
      if (!id) return 'an opaque subject needs id';
      return { user: { kind: 'subject', subject: id, issuer: t.subject_issuer }, session: undefined };
    }
    default:
      return `subject format ${clientText(String(o.format), 40)} is not supported (iss_sub, email, opaque, complex)`;
  }
}

/**
 * A session the transmitter names: an identity provider's `sid` means nothing at another issuer, so
 * a transmitter bound to `subject_issuer` revokes that issuer's session of that id alone.
 */
function sessionOf(session: string, t: Transmitter): RevokeInput {
  return t.subject_issuer === undefined ? { kind: 'session', session } : { kind: 'session', session, issuer: t.subject_issuer };
}

function json(status: number, body: unknown): AdminResponse {
  return { status, headers: [['content-type', 'application/json'], ['cache-control', 'no-store']], body: body === undefined ? '' : JSON.stringify(body), audit: undefined };
}

function refuse(rt: Runtime, log: Logger, status: number, err: SetError, description: string, transmitter?: string): AdminResponse {
  audit(rt, log, 'signal.refused', undefined, { err, detail: description, transmitter, status });
  return json(status, { err, description });
}

function sameText(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}
