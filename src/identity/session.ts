import { hash } from 'node:crypto';
import { ISSUER_DEFAULTS, type Config, type IssuerConfig } from '../config/schema.js';
import type { SessionCodec } from '../cookies/session.js';
import { cookieValues } from '../request/cookies.js';
import type { AssuranceModel } from '../core/assurance.js';
import { buildIdentity, sessionSubjectClaim, subjectProblem } from '../core/identity.js';
import { boundAuthTime, futureTimestamp, type TokenVerifier, type VerifyResult } from './verifier.js';

/**
 * The step-up session cookie as an identity on the Check path. Decrypted once per cookie value
 * and cached in the token verifier's caches (keyed by SHA-256 of the value, TTL bounded by the
 * session's exp); a cookie seen again is found by its value in the verifier's front
 * (token-front.ts), like a cached bearer token, so a hit costs no hash. The level is recomputed from
 * the stored acr/amr by the current assurance model, never stored.
 */
export class SessionIdentities {
  readonly cookieName: string;
  private readonly issuerConfig: IssuerConfig;

  constructor(
    private readonly codec: SessionCodec,
    private readonly verifier: TokenVerifier,
    private readonly assurance: AssuranceModel,
    private readonly config: Config,
    private readonly now: () => number,
  ) {
    this.cookieName = codec.cookieName;
    const issuer = config.stepup.oidc!.issuer;
    // The IdP may also be a configured bearer issuer; then its claim names apply to sessions too.
    this.issuerConfig =
      config.issuers.find((i) => i.issuer === issuer) ??
      ({ issuer, ...ISSUER_DEFAULTS } as IssuerConfig);
  }

  /**
   * The session cookie in a Cookie header, or undefined when there is none, or when there are
   * several that differ (which one is meant cannot be told; the Check says credential_ambiguous).
   */
  fromCookieHeader(header: string | undefined): string | undefined {
    const values = cookieValues(header, this.cookieName).filter((v) => v !== '');
    return values.length > 0 && values.every((v) => v === values[0]) ? values[0] : undefined;
  }

  /**
   * A claim the session carries beyond its identity (the approval pages' `automation.acts_for[]
   * .approver_claim`), or undefined. Opens the cookie again: approval decisions are rare, and the
   * identity cached for every Check stays as small as it was.
   */
  async claim(value: string, name: string): Promise<unknown> {
    const opened = await this.codec.open(value, this.now());
    return opened.ok ? opened.payload[name] : undefined;
  }

  verify(value: string): VerifyResult | Promise<VerifyResult> {
    return this.verifier.verifyOther('session', value, 'session_expired', async () => {
      const opened = await this.codec.open(value, this.now());
      if (!opened.ok) {
        return opened.problem === 'expired'
          ? { reason: 'session_expired', detail: 'the session cookie has expired' }
          : { reason: 'session_invalid', detail: opened.detail };
      }
      // Sessions minted before the callback refused a future auth_time must not stay "fresh".
      const future = futureTimestamp(opened.payload, this.now(), this.issuerConfig.clock_tolerance_seconds);
      if (future) return { reason: 'session_invalid', detail: `the session's ${future.detail}` };
      const p = boundAuthTime(opened.payload, this.now());
      if (p.iss !== this.issuerConfig.issuer || typeof p.sub !== 'string' || p.sub === '') {
        return { reason: 'session_invalid', detail: 'the session names another issuer or no subject' };
      }
      // The sealed exp is the lifetime in force when the session was minted. The lifetime applies
      // live, counted from the authentication: a reload that shortens it (tightening access during
      // an incident) ends older sessions on their next request too, not only those minted after it.
      if (typeof p.auth_time !== 'number') return { reason: 'session_invalid', detail: 'the session records no auth_time' };
      const lifetime = this.codec.lifetimeSeconds;
      const end = p.auth_time + lifetime;
      if (end <= Math.floor(this.now() / 1000)) {
        return { reason: 'session_expired', detail: `the session's authentication is older than stepup.session.lifetime_seconds (${lifetime}s)` };
      }
      const claim = sessionSubjectClaim(p, this.issuerConfig.subject_claim);
      // Sessions minted before the callback refused such a subject (web/stepup/flow.ts) end here.
      const problem = subjectProblem(p, claim);
      if (problem !== undefined) return { reason: 'session_invalid', detail: `the session's ${problem}` };
      return buildIdentity(
        this.issuerConfig,
        p[claim] as string,
        // The identity (and its cache entry) ends at whichever comes first.
        typeof p.exp === 'number' && p.exp <= end ? p : { ...p, exp: end },
        this.assurance,
        this.config.identity_headers,
        // The risk engine's "same session": the cookie's own hash (once per cookie, then cached).
        hash('sha256', value, 'base64url'),
        'session',
      );
    });
  }
}
