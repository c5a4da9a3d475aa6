import { hash } from 'node:crypto';
import { decodeJwt, decodeProtectedHeader, errors, jwtVerify, type JWTPayload } from 'jose';
import { LRUCache } from 'lru-cache';
import { StartupError } from '../config/load.js';
import type { Config, IssuerConfig, SenderConstrainedConfig } from '../config/schema.js';
import { cnfBinding, type SenderBinding } from '../core/cnf.js';
import { HMAC_ALGORITHMS } from '../config/schema.js';
import type { ReasonCode } from '../core/reasons.js';
import type { AssuranceModel } from '../core/assurance.js';
import { compileAutomation, type AutomationMatcher } from '../core/automation.js';
import { boundedAuthTime } from '../core/auth-time.js';
import { buildIdentity, identityBytes, subjectProblem, type Identity } from '../core/identity.js';
import { internBytes, mapTableBytes, stringBytes } from '../core/intern.js';
import { compileGlobList, type StringMatcher } from '../core/glob.js';
import { clip } from '../core/redact.js';
import { JwksSource, JwksUnavailableError, KeyUnknownError, type FetchFn } from './jwks.js';
import { TokenFront } from './token-front.js';

export type VerifyResult =
  | { ok: true; identity: Identity; cached: boolean }
  | { ok: false; reason: ReasonCode; detail: string; cached: boolean };

export interface Failure {
  reason: ReasonCode;
  detail: string;
}

/** Failures that say something about the token itself, so the same bytes will fail again. */
const CACHEABLE_FAILURES = new Set<ReasonCode>([
  'token_malformed',
  'token_invalid',
  'token_expired',
  'token_not_yet_valid',
  'audience_mismatch',
  'client_not_allowed',
  'issuer_unknown',
  'algorithm_forbidden',
  'key_unknown',
  'subject_missing',
  'session_invalid',
  'session_expired',
]);

export interface VerifierOptions {
  fetch: FetchFn;
  now: () => number;
  env: NodeJS.ProcessEnv;
  onJwksRefresh?: (issuer: string, outcome: 'ok' | 'error', detail: string, elapsedMs: number) => void;
  aroundJwksRefresh?: (issuer: string, refresh: () => Promise<void>) => Promise<void>;
  /**
   * The fronts' bounds (token-front.ts); false: every credential hashed to find its cache entry.
   * Tests compare the two and shrink the bounds to reach them.
   */
  front?: false | FrontBounds;
}

export interface FrontBounds {
  entries: number;
  chars: number;
  length: number;
}

/**
 * The fronts' bounds (token-front.ts), per kind of credential: a fixed ~2.2 MiB at most each,
 * whatever `max_entries` is. 2,048 credentials cover the tokens that repeat within a few seconds
 * on a busy replica; a token longer than 8,192 characters is hashed on every request, as before.
 */
export const FRONT_BOUNDS: FrontBounds = { entries: 2048, chars: 2 * 1024 * 1024, length: 8192 };

interface TrustedIssuer {
  config: IssuerConfig;
  algorithms: string[];
  /** issuers[].required_claims compiled: each claim and what it must match. */
  required: readonly (readonly [claim: string, matches: StringMatcher])[];
  key: JwksSource | Uint8Array;
  jwks: JwksSource | undefined;
}

/**
 * Verifies bearer JWTs against the trusted issuers and caches the outcome. A positive entry
 * lives at most until the token's `exp` (and never beyond the configured TTL); a negative one
 * briefly, so replaying one bad token cannot buy a signature check per request. Concurrent
 * first sightings of one token share a single verification.
 */
export class TokenVerifier {
  private readonly issuers = new Map<string, TrustedIssuer>();
  private readonly positive: LRUCache<string, Identity>;
  private readonly negative: LRUCache<string, Failure> | undefined;
  private readonly inflight = new Map<string, Promise<VerifyResult>>();
  private readonly maxTtlMs: number;
  /** Cache lookups so far (see `cacheLookups`): one increment on the hot path, read by metrics. */
  private hits = 0;
  private negativeHits = 0;
  private misses = 0;
  private readonly isAutomation: AutomationMatcher;
  /** Estimated heap held by the entries of both caches (see `cacheBytes`), kept as they come and go. */
  private entryBytes = 0;
  /** The caches' slot arrays, allocated for every slot when they are built (LRU_SLOT_BYTES). */
  private readonly slotBytes: number;
  /** Bearer tokens' front, then one per other kind of credential (verifyOther), made when first used. */
  private readonly front: TokenFront | undefined;
  private readonly otherFronts = new Map<string, TokenFront>();

  constructor(
    private readonly config: Config,
    private readonly assurance: AssuranceModel,
    private readonly opts: VerifierOptions,
  ) {
    this.isAutomation = compileAutomation(config.automation);
    for (const iss of config.issuers) {
      const hmac = iss.algorithms.some((a) => HMAC_ALGORITHMS.includes(a));
      let key: JwksSource | Uint8Array;
      let jwks: JwksSource | undefined;
      if (hmac) {
        const secret = opts.env[iss.hmac_secret_env!];
        if (!secret || secret.length < 32) {
          throw new StartupError(
            `issuer ${iss.issuer}: environment variable ${iss.hmac_secret_env} (issuers[].hmac_secret_env) must hold an HMAC secret of at least 32 bytes`,
          );
        }
        key = new TextEncoder().encode(secret);
      } else {
        jwks = new JwksSource({
          issuer: iss.issuer,
          jwksUri: iss.jwks_uri,
          discoveryUrl: iss.discovery_url,
          fetch: opts.fetch,
          now: opts.now,
          refreshMs: iss.jwks_refresh_seconds * 1000,
          cooldownMs: iss.jwks_cooldown_seconds * 1000,
          timeoutMs: iss.fetch_timeout_ms,
          onRefresh: (outcome, detail, elapsedMs) => opts.onJwksRefresh?.(iss.issuer, outcome, detail, elapsedMs),
          aroundRefresh: opts.aroundJwksRefresh && ((refresh) => opts.aroundJwksRefresh!(iss.issuer, refresh)),
        });
        key = jwks;
      }
      this.issuers.set(iss.issuer, { config: iss, algorithms: [...iss.algorithms], required: compileRequiredClaims(iss), key, jwks });
    }
    const tc = config.token_cache;
    this.maxTtlMs = tc.max_ttl_seconds * 1000;
    // The caches read the injected clock too, so expiry is testable without sleeping.
    const perf = { now: opts.now };
    this.positive = new LRUCache({
      max: tc.max_entries,
      ttl: this.maxTtlMs,
      ttlAutopurge: false,
      perf,
      ttlResolution: 0,
      dispose: (id, key) => {
        this.entryBytes -= stringBytes(key) + identityBytes(id);
        this.dropFront(key);
      },
    });
    this.negative =
      tc.negative_ttl_seconds > 0
        ? new LRUCache({
            max: tc.negative_max_entries,
            ttl: tc.negative_ttl_seconds * 1000,
            perf,
            ttlResolution: 0,
            dispose: (f, key) => {
              this.entryBytes -= stringBytes(key) + failureBytes(f);
              this.dropFront(key);
            },
          })
        : undefined;
    this.slotBytes = LRU_SLOT_BYTES * (tc.max_entries + (this.negative ? tc.negative_max_entries : 0));
    this.front = opts.front === false ? undefined : this.newFront();
  }

  private newFront(): TokenFront {
    const b = this.opts.front || FRONT_BOUNDS;
    return new TokenFront(Math.min(b.entries, this.config.token_cache.max_entries), b.chars, b.length);
  }

  /** Whatever removes a cache entry removes its credential from the fronts (token-front.ts). */
  private dropFront(key: string): void {
    this.front?.drop(key);
    for (const f of this.otherFronts.values()) f.drop(key);
  }

  /** Fetch every issuer's keys now; failures are reported, not thrown (the IdP may come up later). */
  async warm(): Promise<void> {
    await Promise.all(
      [...this.issuers.values()].map((i) => i.jwks?.refresh().catch(() => undefined)),
    );
  }

  /** Whether keys of this issuer were fetched (an HMAC issuer always has its key). */
  hasKeys(issuer: string): boolean {
    const i = this.issuers.get(issuer);
    return i !== undefined && (i.jwks === undefined || i.jwks.hasKeys);
  }

  /**
   * Drops every cached verification (tokens and sessions) whose identity matches: a revocation
   * (issue 15). A scan of the cache, paid once per revocation on each replica, never per request.
   */
  forgetWhere(match: (who: Identity) => boolean): number {
    let n = 0;
    for (const [key, who] of this.positive.entries()) {
      if (match(who)) {
        this.positive.delete(key);
        n++;
      }
    }
    return n;
  }

  get cacheSize(): number {
    return this.positive.size;
  }

  /**
   * An estimate of the heap the token caches hold (stepgate_token_cache_bytes): their slot arrays
   * and Maps, per entry its key and what its identity keeps alive (identityBytes), plus the intern
   * tables. test/unit/token-cache-bytes.test.ts holds it to the measured heap; bench/token-cache.ts
   * prints both.
   */
  get cacheBytes(): number {
    let fronts = this.front?.bytes ?? 0;
    for (const f of this.otherFronts.values()) fronts += f.bytes;
    return this.slotBytes + mapTableBytes(this.positive.size) + mapTableBytes(this.negative?.size ?? 0) + this.entryBytes + fronts + internBytes();
  }

  get negativeCacheSize(): number {
    return this.negative?.size ?? 0;
  }

  /** Lookups since this verifier was built; `negativeHits` are refused tokens answered from the negative cache. */
  get cacheLookups(): { hits: number; negativeHits: number; misses: number } {
    return { hits: this.hits, negativeHits: this.negativeHits, misses: this.misses };
  }

  /**
   * The cache-only path: a verdict without any signature check, or undefined when the token has
   * not been seen. Kept synchronous so a cached request never waits on the event loop.
   */
  lookup(token: string): VerifyResult | undefined {
    const kept = this.front?.keyOf(token);
    return this.lookupKey(kept === undefined ? this.front : undefined, token, kept ?? cacheKey(token), 'token_expired');
  }

  /**
   * A hit on an entry that stays cached puts its credential in `front` (given only when the key
   * was hashed): seen twice, it is found by its text from now on. An entry found expired is
   * dropped, and its credential with it, never added.
   */
  private lookupKey(front: TokenFront | undefined, credential: string, key: string, expired: ReasonCode): VerifyResult | undefined {
    const hit = this.positive.get(key);
    if (hit) {
      this.hits++;
      if (hit.expiresAt > this.opts.now()) {
        front?.add(credential, key);
        return { ok: true, identity: hit, cached: true };
      }
      this.positive.delete(key);
      return { ok: false, reason: expired, detail: expired === 'token_expired' ? 'the token has expired' : 'expired', cached: true };
    }
    const bad = this.negative?.get(key);
    if (bad) {
      this.negativeHits++;
      front?.add(credential, key);
      return { ok: false, reason: bad.reason, detail: bad.detail, cached: true };
    }
    this.misses++;
    return undefined;
  }

  verify(token: string): VerifyResult | Promise<VerifyResult> {
    return this.verifyKeyed(this.front, '', token, 'token_expired', () => this.check(token));
  }

  /**
   * Any other credential that resolves to an Identity (the step-up session cookie) shares the
   * caches and their bounds. Its keys carry a prefix, so the same bytes presented as a bearer
   * token and as a cookie are two different entries: a token is never accepted as a cookie.
   */
  verifyOther(
    kind: string,
    value: string,
    expired: ReasonCode,
    check: () => Promise<Identity | Failure>,
  ): VerifyResult | Promise<VerifyResult> {
    let front = this.otherFronts.get(kind);
    if (front === undefined && this.front !== undefined) this.otherFronts.set(kind, (front = this.newFront()));
    return this.verifyKeyed(front, `${kind}:`, value, expired, check);
  }

  private verifyKeyed(
    front: TokenFront | undefined,
    prefix: string,
    credential: string,
    expired: ReasonCode,
    check: () => Promise<Identity | Failure>,
  ): VerifyResult | Promise<VerifyResult> {
    const kept = front?.keyOf(credential);
    const key = kept ?? (prefix === '' ? cacheKey(credential) : `${prefix}${cacheKey(credential)}`);
    const cached = this.lookupKey(kept === undefined ? front : undefined, credential, key, expired);
    if (cached) return cached;
    let pending = this.inflight.get(key);
    if (!pending) {
      pending = this.verifyUncached(key, check).finally(() => this.inflight.delete(key));
      this.inflight.set(key, pending);
    }
    return pending;
  }

  private async verifyUncached(key: string, check: () => Promise<Identity | Failure>): Promise<VerifyResult> {
    const outcome = await check();
    if ('subject' in outcome) {
      const ttl = Math.min(this.maxTtlMs, outcome.expiresAt - this.opts.now());
      if (ttl > 0) {
        // set() disposes (and so subtracts) an entry it replaces: add only once it is in.
        this.positive.set(key, outcome, { ttl });
        if (this.positive.has(key)) this.entryBytes += stringBytes(key) + identityBytes(outcome);
      }
      return { ok: true, identity: outcome, cached: false };
    }
    if (this.negative && CACHEABLE_FAILURES.has(outcome.reason)) {
      this.negative.set(key, outcome);
      this.entryBytes += stringBytes(key) + failureBytes(outcome);
    }
    return { ok: false, reason: outcome.reason, detail: outcome.detail, cached: false };
  }

  private async check(token: string): Promise<Identity | Failure> {
    let header: ReturnType<typeof decodeProtectedHeader>;
    let unverified: JWTPayload;
    try {
      header = decodeProtectedHeader(token);
      unverified = decodeJwt(token);
    } catch {
      return { reason: 'token_malformed', detail: 'not a compact JWS JWT' };
    }
    if (typeof unverified.iss !== 'string') return { reason: 'token_malformed', detail: 'no iss claim' };
    const issuer = this.issuers.get(unverified.iss);
    if (!issuer) return { reason: 'issuer_unknown', detail: `issuer ${quoted(unverified.iss)} is not trusted` };
    const alg = typeof header.alg === 'string' ? header.alg : '';
    if (!issuer.algorithms.includes(alg)) {
      return { reason: 'algorithm_forbidden', detail: `alg ${quoted(alg)} is not allowed for this issuer` };
    }
    let payload: JWTPayload;
    try {
      const key = issuer.key;
      const options = {
        issuer: issuer.config.issuer,
        audience: issuer.config.audiences,
        algorithms: issuer.algorithms,
        clockTolerance: issuer.config.clock_tolerance_seconds,
        currentDate: new Date(this.opts.now()),
        requiredClaims: ['exp'],
      };
      payload =
        key instanceof Uint8Array
          ? (await jwtVerify(token, key, options)).payload
          : (await jwtVerify(token, key.getKey, options)).payload;
    } catch (err) {
      return mapJoseError(err);
    }
    const future = futureTimestamp(payload, this.opts.now(), issuer.config.clock_tolerance_seconds);
    if (future) return future;
    payload = boundAuthTime(payload, this.opts.now());
    const notBearer = notABearerToken(header.typ, payload);
    if (notBearer !== undefined) return { reason: 'token_invalid', detail: notBearer };
    let binding: SenderBinding | undefined;
    if (payload.cnf !== undefined) {
      const b = acceptedBinding(payload.cnf, this.config.sender_constrained);
      if (typeof b === 'string') return { reason: 'token_invalid', detail: b };
      binding = b;
    }
    const notAllowed = clientProblem(issuer.config, issuer.required, payload);
    if (notAllowed !== undefined) return { reason: 'client_not_allowed', detail: notAllowed };
    const subject = payload[issuer.config.subject_claim];
    const problem = subjectProblem(payload, issuer.config.subject_claim, subject);
    if (problem !== undefined || typeof subject !== 'string') return { reason: 'subject_missing', detail: problem ?? 'no subject' };
    return buildIdentity(issuer.config, subject, payload, this.assurance, this.config.identity_headers, cacheKey(token), 'token', this.isAutomation, binding);
  }
}

/** issuers[].required_claims compiled once (the verifier per issuer; explain per call). */
export function compileRequiredClaims(iss: IssuerConfig): readonly (readonly [claim: string, matches: StringMatcher])[] {
  return Object.entries(iss.required_claims ?? {}).map(([claim, globs]) => [claim, compileGlobList(globs, null)] as const);
}

/**
 * Why a verified token of `iss` was issued to a party stepgate does not accept (client_not_allowed),
 * or undefined: its client (issuers[].authorized_parties) and its required claims.
 */
export function clientProblem(iss: IssuerConfig, required: readonly (readonly [string, StringMatcher])[], payload: JWTPayload): string | undefined {
  const parties = iss.authorized_parties;
  if (parties !== undefined) {
    const party = authorizedParty(payload);
    if (party === undefined) return 'the token names no client (azp, client_id, or a single aud)';
    if (!parties.includes(party)) return `the token was issued to client ${quoted(party)}, which issuers[].authorized_parties does not list`;
  }
  for (const [claim, matches] of required) {
    const why = requiredClaimProblem(payload[claim], claim, matches);
    if (why !== undefined) return why;
  }
  return undefined;
}

/**
 * Why a token's `claim` does not meet issuers[].required_claims, or undefined: a string that
 * matches, or a list holding one. Anything else (absent, a number, an object, a list of none)
 * is refused: what the claim would say is exactly what is not known.
 */
function requiredClaimProblem(value: unknown, claim: string, matches: StringMatcher): string | undefined {
  if (typeof value === 'string') return matches(value) ? undefined : `claim ${claim} is ${quoted(value)}, which issuers[].required_claims does not allow`;
  if (Array.isArray(value)) return value.some((v) => typeof v === 'string' && matches(v)) ? undefined : `claim ${claim} holds no value issuers[].required_claims allows`;
  return value === undefined ? `the token has no ${claim} claim, which issuers[].required_claims requires` : `claim ${claim} is not a string, which issuers[].required_claims requires`;
}

/**
 * The client a token was issued to: OIDC's `azp`, RFC 9068's `client_id` in an access token, or an
 * ID token's one audience (which is its client when `azp` is left out). An app the user consented
 * to gets tokens for the API's audience from the same issuer and keys as kubectl's; only this
 * claim tells them apart, so without one that names a client the token is not taken as any.
 */
function authorizedParty(payload: JWTPayload): string | undefined {
  if (payload.azp !== undefined) return typeof payload.azp === 'string' ? payload.azp : undefined;
  if (payload.client_id !== undefined) return typeof payload.client_id === 'string' ? payload.client_id : undefined;
  const aud = payload.aud;
  if (typeof aud === 'string') return aud;
  return Array.isArray(aud) && aud.length === 1 && typeof aud[0] === 'string' ? aud[0] : undefined;
}

/**
 * JWTs an identity provider signs with the same keys, issuer and often the same audience as the ID
 * tokens kubectl sends, but that prove no sign-in (RFC 8725 §3.11, explicit typing): a back-channel
 * logout token (OIDC Back-Channel Logout, sent by the IdP to the relying party, `typ: logout+jwt`
 * and an `events` claim), a security event token (RFC 8417, CAEP/RISC), a JWT introspection
 * response (RFC 9701), an OpenID Federation statement, a request object; and Keycloak's own
 * `typ` claim naming a logout, refresh or offline token. Accepted as a bearer token, any of them
 * would sign its subject in for as long as it lives.
 */
const NOT_BEARER_TYP = new Set(['logout+jwt', 'secevent+jwt', 'token-introspection+jwt', 'entity-statement+jwt', 'trust-mark+jwt', 'oauth-authz-req+jwt', 'dpop+jwt', 'jwk-set+jwt']);
const NOT_BEARER_CLAIM_TYP = new Set(['logout', 'refresh', 'offline']);

/** Why this JWT is not an ID or access token, or undefined when nothing says it is something else. */
export function notABearerToken(typ: unknown, payload: JWTPayload): string | undefined {
  if (typeof typ === 'string') {
    // RFC 7515 §4.1.9: media types are case-insensitive and may omit "application/".
    const t = typ.toLowerCase();
    if (NOT_BEARER_TYP.has(t.startsWith('application/') ? t.slice(12) : t)) return `typ ${quoted(typ)} is not an ID or access token`;
  }
  if (payload.events !== undefined) return 'an events claim: a logout or security event token, not an ID or access token';
  if (payload.token_introspection !== undefined) return 'a token_introspection claim: an introspection response, not an ID or access token';
  const claimTyp = payload.typ;
  if (typeof claimTyp === 'string' && NOT_BEARER_CLAIM_TYP.has(claimTyp.toLowerCase())) return `claim typ ${quoted(claimTyp)} is not an ID or access token`;
  return undefined;
}

/**
 * The binding of a sender-constrained token (RFC 7800 `cnf`: RFC 9449 DPoP's `jkt`, RFC 8705's
 * certificate thumbprint `x5t#S256`), or why it is refused. The identity provider bound it so that a
 * copy off the machine is worth nothing: it counts only beside a proof of the key or certificate,
 * which the Check verifies per request (identity/sender-binding.ts). With that check off for its
 * method, or a `cnf` naming no method stepgate checks, it is no bearer token here: taken as one, a
 * copied DPoP token signed its subject in from anywhere, malware on the laptop included.
 */
export function acceptedBinding(cnf: unknown, sc: SenderConstrainedConfig): SenderBinding | string {
  const b = cnfBinding(cnf);
  if ('problem' in b) return `${b.problem}: a sender-constrained token whose proof of possession stepgate cannot check`;
  if (b.method === 'dpop' && !sc.dpop.enabled) return 'a cnf.jkt claim: a DPoP-bound token, and sender_constrained.dpop is off, so its proof is not checked';
  if (b.method === 'certificate' && !sc.certificate.enabled) return 'a cnf["x5t#S256"] claim: a certificate-bound token, and sender_constrained.certificate is off, so its certificate is not checked';
  return b;
}

/**
 * jose checks `iat` only against a maxTokenAge, and `auth_time` not at all. A time in the future
 * would make every `max_age` pass for as long as it stays ahead (the age is negative), so both are
 * refused beyond the clock tolerance. Only ever checked at verification: time moves forward, so a
 * claim that was not in the future when the token was cached never becomes so.
 */
export function futureTimestamp(payload: JWTPayload, nowMs: number, toleranceSeconds: number): Failure | undefined {
  const limit = Math.floor(nowMs / 1000) + toleranceSeconds;
  for (const claim of ['iat', 'auth_time'] as const) {
    const t = payload[claim];
    // jose has already refused a non-numeric iat; a non-numeric auth_time is ignored (buildIdentity).
    if (typeof t === 'number' && t > limit) return { reason: 'token_not_yet_valid', detail: `claim ${claim} is in the future` };
  }
  return undefined;
}

/**
 * An `auth_time` ahead of stepgate's clock, within the tolerance, is read as now. Taken as given,
 * an identity provider's clock running ahead made a sign-in look later than it was: a token
 * relayed by a phishing proxy within that lead of its sign-in proved the proxy's network at the
 * proxy's first request (a context-bound step-up asks for a sign-in after the first sighting) and
 * taught it. Read as the moment stepgate first saw it, such a sign-in is no proof of a context
 * first seen in that same second (risk/context-bound.ts), and its age is a just-made sign-in's.
 * An `auth_time` more than five minutes after the token's own `iat` is capped there (core/auth-time.ts).
 */
export function boundAuthTime<T extends JWTPayload>(payload: T, nowMs: number): T {
  const t = boundedAuthTime(payload.auth_time, payload.iat, Math.floor(nowMs / 1000));
  return t !== undefined && t !== payload.auth_time ? { ...payload, auth_time: t } : payload;
}

/**
 * What lru-cache allocates in the heap for each of its `max` slots when it is built, entry or
 * not: key and value lists and two TTL lists, a word each (its links are typed arrays, outside the
 * heap). Its Map grows with the entries (mapTableBytes).
 */
const LRU_SLOT_BYTES = 4 * 8;

function failureBytes(f: Failure): number {
  return 24 + 2 * 8 + stringBytes(f.detail);
}

/**
 * SHA-256 keeps raw tokens out of the cache. A credential found in its front (token-front.ts) is
 * not hashed again: a cached Check's only hash is its credential's second sighting.
 */
function cacheKey(token: string): string {
  return hash('sha256', token, 'base64url');
}

function mapJoseError(err: unknown): Failure {
  if (err instanceof JwksUnavailableError) return { reason: 'jwks_unavailable', detail: err.message };
  if (err instanceof KeyUnknownError) return { reason: 'key_unknown', detail: err.message };
  if (err instanceof errors.JWTExpired) return { reason: 'token_expired', detail: 'the token has expired' };
  if (err instanceof errors.JWTClaimValidationFailed) {
    if ((err.claim === 'nbf' || err.claim === 'iat') && err.reason === 'check_failed') {
      return { reason: 'token_not_yet_valid', detail: `claim ${err.claim} is in the future` };
    }
    if (err.claim === 'aud') return { reason: 'audience_mismatch', detail: 'aud does not name a configured audience' };
    return { reason: 'token_invalid', detail: `claim ${err.claim} ${err.reason === 'missing' ? 'is missing' : 'is invalid'}` };
  }
  if (err instanceof errors.JOSEAlgNotAllowed) return { reason: 'algorithm_forbidden', detail: 'algorithm not allowed' };
  if (err instanceof errors.JWSSignatureVerificationFailed) return { reason: 'token_invalid', detail: 'signature verification failed' };
  if (err instanceof errors.JWKSMultipleMatchingKeys) return { reason: 'token_invalid', detail: 'the token names no kid and several keys match' };
  if (err instanceof errors.JOSEError) return { reason: 'token_invalid', detail: `${err.code}` };
  // Key import problems and other surprises: the token is still not verified, so deny.
  return { reason: 'token_invalid', detail: 'verification failed' };
}

/** A claim or header value quoted in a detail: clipped before quoting, so a 12 KB value costs nothing. */
function quoted(s: string): string {
  return JSON.stringify(clip(s, 80));
}
