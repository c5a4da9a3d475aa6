import { hash } from 'node:crypto';
import { createLocalJWKSet, decodeJwt, errors, jwtVerify, type JSONWebKeySet, type JWTVerifyGetKey } from 'jose';
import { LRUCache } from 'lru-cache';
import type { AccessProxyConfig } from '../config/schema.js';
import { compileGlobList, type StringMatcher } from '../core/glob.js';
import type { Identity } from '../core/identity.js';
import type { ReasonCode } from '../core/reasons.js';
import { clip } from '../core/redact.js';
import type { RequestAttributes } from '../request/attributes.js';
import { clientAddress, compileCidrs, type ClientAddress } from '../request/client-ip.js';
import { JwksSource, JwksUnavailableError, KeyUnknownError, type FetchFn } from './jwks.js';
import { TokenFront } from './token-front.js';
import { FRONT_BOUNDS, type Failure, type FrontBounds } from './verifier.js';

const EXACT = { trustedHops: 0, ipv4Prefix: 32, ipv6Prefix: 128 };
const isAddress = (a: ClientAddress) => a.parsed !== undefined;

/** A refusal: the verifier's shape (a reason code and the detail for the logs). */
export type ProxyFailure = Failure;

export interface AccessProxyOptions {
  fetch: FetchFn;
  now: () => number;
  /** `network.xff_trusted_cidrs`: a request whose peer is one of them came through the proxy. */
  trustedCidrs: readonly string[];
  /**
   * `server.trusted_proxies`: the forward-auth fronts (or Envoy in its HTTP mode) whose
   * x-forwarded-for the HTTP listener believes; absent, none.
   */
  frontProxies?: readonly string[];
  /** `issuers[].subject_claim` by issuer: which claim a token's subject is (`user_case` never folds a `sub`). */
  subjectClaims?: ReadonlyMap<string, string>;
  onJwksRefresh?: (issuer: string, outcome: 'ok' | 'error', detail: string, elapsedMs: number) => void;
  /** The assertions' front (token-front.ts; the token fronts' bounds by default); false: every assertion hashed. */
  front?: false | FrontBounds;
}

/** A verified assertion: the user the proxy names, until its exp. */
interface Verified {
  user: string;
  expiresAt: number;
}

/** How long a refused assertion is answered from memory: the same bytes fail the same way. */
const NEGATIVE_TTL_MS = 10_000;

/** Refusals that say something about the assertion's bytes (not about the keys being reachable). */
const CACHEABLE = new Set<ReasonCode>(['proxy_assertion_invalid', 'proxy_assertion_expired', 'proxy_key_unknown']);

/**
 * The access proxy's signed word on who it authenticated (config `access_proxy`), compared with
 * the bearer token's user. Verification is cached by a hash of the assertion's bytes until its
 * exp, so a proxy that re-sends one assertion for its session's lifetime (Pomerium, IAP) costs one
 * signature check per session, and a hit is synchronous. An assertion seen again finds its cache
 * key through a front (token-front.ts) by its exact text, as the bearer token does: hashing a
 * ~1 KB assertion was the one SHA-256 left on a cached Check with `access_proxy` on (crypto40).
 *
 * Which requests are checked: one whose peer is a listed proxy (`network.xff_trusted_cidrs`) must
 * carry the assertion when `required`. On the HTTP listener the peer is the forward-auth front,
 * and the access proxy's address is the entry the front appended to x-forwarded-for (viaProxy). One whose peer is not has come some other way (a VPN's
 * direct path, CI); it is not asked for an assertion, but one it carries is verified and compared
 * all the same. The assertion can only refuse, never admit, so checking it wherever it appears
 * costs a forger nothing they could gain, and it keeps the comparison when the proxy has been
 * redeployed onto addresses the list has not caught up with.
 */
export class AccessProxy {
  readonly header: string;
  /** The header to remove from an allowed request's upstream copy; undefined when it is forwarded. */
  readonly stripped: string | undefined;
  private readonly key: JWTVerifyGetKey;
  private readonly jwks: JwksSource | undefined;
  private readonly hosts: StringMatcher | undefined;
  private readonly isProxy: (a: ClientAddress) => boolean;
  private readonly isFront: (a: ClientAddress) => boolean;
  private readonly cache: LRUCache<string, Verified | ProxyFailure>;
  private readonly inflight = new Map<string, Promise<Verified | ProxyFailure>>();
  private readonly front: TokenFront | undefined;
  /** `token_claim`'s value by verified identity (null: the token has none). */
  private readonly tokenClaims = new WeakMap<Identity, string | null>();
  /** Addresses already judged, by test (a handful of proxy pods, fronts and direct clients): no parse per request. */
  private readonly peers = new Map<(a: ClientAddress) => boolean, Map<string, boolean>>();

  constructor(
    private readonly config: AccessProxyConfig,
    private readonly opts: AccessProxyOptions,
  ) {
    this.header = config.header;
    this.stripped = config.strip_upstream ? config.header : undefined;
    this.hosts = config.hosts === undefined ? undefined : compileGlobList(config.hosts.map((h) => h.toLowerCase()), '.');
    this.isProxy = compileCidrs(opts.trustedCidrs);
    this.isFront = compileCidrs(opts.frontProxies ?? []);
    if (config.keys !== undefined) {
      this.key = createLocalJWKSet({ keys: config.keys } as unknown as JSONWebKeySet);
    } else {
      // The issuers' key source, not jose's remote set: a failed refresh keeps the keys already
      // fetched (a proxy's JWKS endpoint hiccup must not refuse every proxied request), fetches are
      // single-flight and rate-limited, and the fetch and clock are the injected ones.
      this.jwks = new JwksSource({
        issuer: config.issuer,
        jwksUri: config.jwks_uri,
        discoveryUrl: undefined,
        fetch: opts.fetch,
        now: opts.now,
        refreshMs: config.jwks_refresh_seconds * 1000,
        cooldownMs: config.jwks_cooldown_seconds * 1000,
        timeoutMs: config.fetch_timeout_ms,
        onRefresh: opts.onJwksRefresh && ((outcome, detail, elapsedMs) => opts.onJwksRefresh!(`access_proxy ${config.issuer}`, outcome, detail, elapsedMs)),
      });
      this.key = this.jwks.getKey;
    }
    const perf = { now: opts.now };
    // Whatever removes an entry (found stale, evicted, found expired, replaced) removes its
    // assertion from the front: the front never holds an assertion the cache has let go.
    this.cache = new LRUCache({ max: config.cache_max_entries, perf, ttlResolution: 0, ttlAutopurge: false, dispose: (_v, key) => this.front?.drop(key) });
    const b = opts.front ?? FRONT_BOUNDS;
    this.front = b === false ? undefined : new TokenFront(Math.min(b.entries, config.cache_max_entries), b.chars, b.length);
  }

  /** The heap the front holds (its assertions' copies and tables), part of stepgate_token_cache_bytes. */
  get frontBytes(): number {
    return this.front?.bytes ?? 0;
  }

  /** Fetch the proxy's keys now; a failure is reported through onJwksRefresh, not thrown. */
  async warm(): Promise<void> {
    await this.jwks?.refresh().catch(() => undefined);
  }

  /**
   * Undefined when the request may go on; a refusal otherwise. `token` is the bearer token
   * (already verified), undefined for a step-up session cookie.
   */
  check(req: RequestAttributes, who: Identity, token: string | undefined): ProxyFailure | undefined | Promise<ProxyFailure | undefined> {
    if (this.hosts !== undefined && !this.hosts(req.host)) return undefined;
    const assertion = req.headers.get(this.header);
    if (assertion === undefined || assertion === '') {
      if (!this.config.required) return undefined;
      const via = this.viaProxy(req);
      return via === undefined ? undefined : { reason: 'proxy_assertion_missing', detail: `${via} without ${this.header}` };
    }
    const v = this.verify(assertion);
    return v instanceof Promise ? v.then((r) => this.compare(r, who, token)) : this.compare(v, who, token);
  }

  /**
   * Whether the access proxy carried the request: undefined when it did not, else how that is known
   * (the refusal's detail). Envoy's gRPC peer is the proxy itself. The HTTP listener's peer is the
   * forward-auth front (`server.trusted_proxies`), and the hop before it is the entry the front
   * appended to x-forwarded-for (nginx `$proxy_add_x_forwarded_for`, Caddy and Traefik always): the
   * path is walked from the right over fronts to the first hop that is not one. Entries further
   * left are the client's to write, and none is read: a forged proxy address there is never
   * reached, so it cannot lift the requirement. A path whose hops end before one that is not a
   * front (no x-forwarded-for: a front that records nothing) cannot be told apart from the proxy's
   * and counts as the proxy's, so `required` fails closed there.
   */
  private viaProxy(req: RequestAttributes): string | undefined {
    if (!req.clientResolved) {
      return this.known(req.sourceAddress, this.isProxy) ? `the request came from the access proxy at ${clip(req.sourceAddress, 64)}` : undefined;
    }
    // An adapter that resolved the client without naming its peer: nothing to walk, so fail closed.
    const peer = req.peerAddress ?? '';
    if (this.known(peer, this.isProxy)) return `the request came from the access proxy at ${clip(peer, 64)}`;
    if (!this.known(peer, this.isFront)) return undefined;
    const xff = req.headers.get('x-forwarded-for') ?? '';
    const hops = xff === '' ? [] : xff.split(',');
    for (let i = hops.length - 1; i >= 0; i--) {
      const hop = hops[i]!.trim();
      if (this.known(hop, this.isProxy)) return `the request came through the access proxy at ${clip(hop, 64)} (x-forwarded-for from ${clip(peer, 64)})`;
      // An entry that is no address is the front's garbage or a client's: the path is unknown.
      if (!this.known(hop, this.isFront)) return this.known(hop, isAddress) ? undefined : `x-forwarded-for from ${clip(peer, 64)} names no address before it`;
    }
    return `the forward-auth front at ${clip(peer, 64)} recorded no hop before it in x-forwarded-for`;
  }

  /** Whether `address` passes `test`, remembered by text (a handful of proxy pods, fronts and direct clients). */
  private known(address: string, test: (a: ClientAddress) => boolean): boolean {
    let byTest = this.peers.get(test);
    if (byTest === undefined) {
      byTest = new Map();
      this.peers.set(test, byTest);
    }
    let known = byTest.get(address);
    if (known === undefined) {
      known = test(clientAddress(address, undefined, EXACT));
      if (byTest.size >= 1024) byTest.clear();
      byTest.set(address, known);
    }
    return known;
  }

  private compare(r: Verified | ProxyFailure, who: Identity, token: string | undefined): ProxyFailure | undefined {
    if ('reason' in r) return r;
    const mine = this.tokenUser(who, token);
    if (mine === r.user || (mine !== undefined && this.foldable(who) && sameAddress(mine, r.user))) return undefined;
    // Neither value is echoed: both are user names, and the response goes to whoever holds the token.
    return {
      reason: 'proxy_user_mismatch',
      detail: mine === undefined ? `the credential has no ${this.config.token_claim ?? 'subject'} to compare with the proxy's ${this.config.user_claim}` : `the proxy's ${this.config.user_claim} is not the credential's ${this.config.token_claim ?? 'subject'}`,
    };
  }

  /** `user_case: email` applies: neither side's claim is a `sub`, which is an IdP's opaque, case-sensitive id. */
  private foldable(who: Identity): boolean {
    const c = this.config;
    if (c.user_case === 'exact' || c.user_claim === 'sub') return false;
    return (c.token_claim ?? this.opts.subjectClaims?.get(who.issuer) ?? 'sub') !== 'sub';
  }

  /** The bearer token's user, as `token_claim` names it (the verified identity's subject by default). */
  private tokenUser(who: Identity, token: string | undefined): string | undefined {
    const claim = this.config.token_claim;
    if (claim === undefined) return who.subject;
    // A step-up session keeps only the subject: with another claim named, nothing to compare.
    if (token === undefined || who.source === 'session') return undefined;
    // The token was verified before this runs: its claims are the issuer's, decoding is enough.
    // The verifier hands back one Identity per cached token, so the claim is decoded once a token.
    let v = this.tokenClaims.get(who);
    if (v === undefined) {
      const c = decodeJwt(token)[claim];
      v = typeof c === 'string' ? c : null;
      this.tokenClaims.set(who, v);
    }
    return v ?? undefined;
  }

  private verify(assertion: string): Verified | ProxyFailure | Promise<Verified | ProxyFailure> {
    const kept = this.front?.keyOf(assertion);
    const key = kept ?? hash('sha256', assertion, 'base64url');
    const hit = this.cache.get(key);
    if (hit !== undefined) {
      if ('reason' in hit || hit.expiresAt > this.opts.now()) {
        // Seen twice and still cached: found by its text from now on.
        if (kept === undefined) this.front?.add(assertion, key);
        return hit;
      }
      this.cache.delete(key);
      return { reason: 'proxy_assertion_expired', detail: 'the assertion has expired' };
    }
    let pending = this.inflight.get(key);
    if (pending === undefined) {
      pending = this.verifyUncached(key, assertion).finally(() => this.inflight.delete(key));
      this.inflight.set(key, pending);
    }
    return pending;
  }

  private async verifyUncached(key: string, assertion: string): Promise<Verified | ProxyFailure> {
    const out = await this.verifySignature(assertion);
    if ('user' in out) {
      const ttl = out.expiresAt - this.opts.now();
      if (ttl > 0) this.cache.set(key, out, { ttl });
    } else if (CACHEABLE.has(out.reason)) {
      this.cache.set(key, out, { ttl: NEGATIVE_TTL_MS });
    }
    return out;
  }

  private async verifySignature(assertion: string): Promise<Verified | ProxyFailure> {
    const c = this.config;
    let payload;
    try {
      ({ payload } = await jwtVerify(assertion, this.key, {
        issuer: c.issuer,
        audience: c.audiences,
        algorithms: c.algorithms,
        clockTolerance: c.clock_tolerance_seconds,
        currentDate: new Date(this.opts.now()),
        requiredClaims: ['exp'],
      }));
    } catch (err) {
      return refusal(err);
    }
    const user = payload[c.user_claim];
    if (typeof user !== 'string' || user === '') return { reason: 'proxy_assertion_invalid', detail: `the assertion has no ${c.user_claim} claim` };
    // Kept through the clock tolerance jose grants it: cached only until exp, it would be verified
    // again on every request of that window.
    return { user, expiresAt: ((payload.exp as number) + c.clock_tolerance_seconds) * 1000 };
  }
}

/**
 * Two email addresses that differ only in ASCII letter case. Only A–Z fold: Unicode case mapping
 * would make the Kelvin sign (U+212A) equal `k` and the long s (U+017F) equal `s`, so an IdP that
 * lets a user register `\u212Aate@corp.example` would name `kate@corp.example`. (A regex `[A-Z]` with
 * the `i` and `u` flags matches those two as well; the explicit code-unit test does not.) Values
 * without an `@` are not addresses and are compared exactly.
 */
export function sameAddress(a: string, b: string): boolean {
  if (a.length !== b.length || !a.includes('@') || !b.includes('@')) return false;
  for (let i = 0; i < a.length; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x === y) continue;
    // Setting bit 5 maps A–Z onto a–z; the range check keeps `@`/`` ` `` and `[`/`{` apart.
    const lower = x | 0x20;
    if (lower !== (y | 0x20) || lower < 0x61 || lower > 0x7a) return false;
  }
  return true;
}

function refusal(err: unknown): ProxyFailure {
  if (err instanceof JwksUnavailableError) return { reason: 'proxy_jwks_unavailable', detail: err.message };
  if (err instanceof KeyUnknownError || err instanceof errors.JWKSNoMatchingKey) return { reason: 'proxy_key_unknown', detail: err instanceof KeyUnknownError ? err.message : 'no key matches the assertion' };
  if (err instanceof errors.JWTExpired) return { reason: 'proxy_assertion_expired', detail: 'the assertion has expired' };
  if (err instanceof errors.JWTClaimValidationFailed) return { reason: 'proxy_assertion_invalid', detail: `claim ${err.claim} ${err.reason === 'missing' ? 'is missing' : 'is invalid'}` };
  if (err instanceof errors.JWSSignatureVerificationFailed) return { reason: 'proxy_assertion_invalid', detail: 'signature verification failed' };
  if (err instanceof errors.JOSEError) return { reason: 'proxy_assertion_invalid', detail: err.code };
  return { reason: 'proxy_assertion_invalid', detail: 'verification failed' };
}
