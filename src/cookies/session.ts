import type { JWTPayload } from 'jose';
import type { SessionConfig } from '../config/schema.js';
import { deriveKeyRing, type CookieKey, type CookieKeyRing } from './keys.js';
import { open, seal, type OpenResult } from './seal.js';

const TYP = 'stepgate-session+jwt';

/** What the elevated session records: enough to rebuild the Identity, nothing else from the ID token. */
export interface SessionClaims {
  iss: string;
  sub: string;
  acr: string | undefined;
  amr: readonly string[];
  /** Seconds since the epoch. Always present: the callback refuses an ID token without it. */
  auth_time: number;
  /** The groups claim and the claims mapped to identity headers, under their ID-token names. */
  extra: Record<string, unknown>;
}

/**
 * The elevated session cookie: an encrypted JWT (see seal.ts). Its lifetime is counted from the
 * authentication (`auth_time`), not from when the cookie was set, and is never longer than
 * `lifetime_seconds`: re-setting a cookie can never extend an old authentication. The ID token's
 * own `exp` is not used: it says how long the IdP lets that token be presented, not how old an
 * authentication may be, and per-request freshness is enforced from `auth_time` by the policy's
 * `max_age` anyway.
 */
export class SessionCodec {
  readonly cookieName: string;
  private readonly ring: CookieKeyRing;

  constructor(
    private readonly config: SessionConfig,
    keys: readonly CookieKey[],
  ) {
    this.cookieName = config.cookie_name;
    this.ring = deriveKeyRing(keys, 'session');
  }

  get lifetimeSeconds(): number {
    return this.config.lifetime_seconds;
  }

  /** Undefined when the authentication is already older than the session lifetime. */
  async create(c: SessionClaims, nowMs: number): Promise<{ value: string; maxAge: number } | undefined> {
    const now = Math.floor(nowMs / 1000);
    const exp = Math.min(now, c.auth_time) + this.config.lifetime_seconds;
    if (exp <= now) return undefined;
    const payload: JWTPayload = { ...c.extra, iss: c.iss, sub: c.sub, acr: c.acr, amr: [...c.amr], auth_time: c.auth_time };
    if (payload.acr === undefined) delete payload.acr;
    return { value: await seal(this.ring, TYP, payload, nowMs, exp), maxAge: exp - now };
  }

  open(value: string, nowMs: number): Promise<OpenResult> {
    return open(this.ring, TYP, value, nowMs);
  }

  setCookie(value: string, maxAge: number): string {
    return cookieHeader(this.cookieName, value, { maxAge, path: '/', domain: this.config.domain });
  }
}

export interface CookieOptions {
  maxAge: number;
  path: string;
  domain?: string | undefined;
}

/** Always HttpOnly, Secure and SameSite=Lax: Lax still sends it on the top-level return from the IdP. */
export function cookieHeader(name: string, value: string, o: CookieOptions): string {
  let h = `${name}=${value}; Path=${o.path}; Max-Age=${o.maxAge}; HttpOnly; Secure; SameSite=Lax`;
  if (o.domain) h += `; Domain=${o.domain}`;
  return h;
}

const SEMICOLON = 0x3b;
const COMMA = 0x2c;

/**
 * The first value of cookie `name` in a Cookie header, or undefined. A plain scan: this runs on
 * the Check path for every request without an Authorization header. Only for stepgate's own
 * cookies, whose values never hold a ',': a ',' is then Envoy's join of two HTTP/1.1 Cookie lines
 * (its CheckRequest `headers` map joins a repeated header with ','; HTTP/2's crumbled cookies it
 * joins with "; " itself), so it ends a value and may start a pair, as in request/cookies.ts.
 */
export function cookieValue(header: string | undefined, name: string): string | undefined {
  if (header === undefined) return undefined;
  let from = 0;
  while (from < header.length) {
    const at = header.indexOf(name, from);
    if (at < 0) return undefined;
    const before = at === 0 ? ';' : header[at - 1];
    const after = header[at + name.length];
    // Only a whole name at the start of a pair: `x_stepgate_session=` is another cookie.
    if ((before === ';' || before === ' ' || before === ',') && after === '=') {
      const start = at + name.length + 1;
      let end = start;
      while (end < header.length && header.charCodeAt(end) !== SEMICOLON && header.charCodeAt(end) !== COMMA) end++;
      return header.slice(start, end).trim();
    }
    from = at + name.length;
  }
  return undefined;
}
