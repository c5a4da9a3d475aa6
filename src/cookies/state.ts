import { Buffer } from 'node:buffer';
import { timingSafeEqual } from 'node:crypto';
import { LRUCache } from 'lru-cache';
import { deriveKeyRing, type CookieKey, type CookieKeyRing } from './keys.js';
import { open, seal } from './seal.js';
import { cookieHeader } from './session.js';

const TYP = 'stepgate-state+jwt';
/** The state cookies' name prefix (one cookie per flow). */
export const STATE_PREFIX = 'stepgate_state_';

/** What the browser carries between start and callback, encrypted: nothing here is readable or forgeable. */
export interface FlowState {
  state: string;
  nonce: string;
  verifier: string;
  /** Required level name. */
  level: string;
  /** The max_age sent to the IdP, seconds. */
  maxAge: number;
  /** Validated return URL, or '' for the "done" page. */
  rd: string;
  /** Whether prompt=login was sent (for the audit record). */
  prompt: boolean;
}

export type StateProblem = 'stepup_state_missing' | 'stepup_state_invalid' | 'stepup_state_expired' | 'stepup_state_mismatch' | 'stepup_replayed';

export type TakeResult = { ok: true; flow: FlowState } | { ok: false; code: StateProblem; detail: string };

/**
 * The short-lived state cookie binding one authorization request to this browser. Its name
 * carries a prefix of `state` so that step-ups started in two tabs do not overwrite each other.
 * Single use: the callback clears it, and the state ids already redeemed are remembered (bounded,
 * for the cookie's lifetime) so replaying a callback URL together with its cookie fails too. The
 * memory is per process; the authorization code itself is single-use at the IdP, which covers
 * replays across replicas.
 */
export class StateCookies {
  private readonly ring: CookieKeyRing;
  private readonly used: LRUCache<string, true>;

  constructor(
    keys: readonly CookieKey[],
    private readonly lifetimeSeconds: number,
    private readonly now: () => number,
    private readonly prefix = STATE_PREFIX,
    maxRemembered = 100_000,
  ) {
    this.ring = deriveKeyRing(keys, 'state');
    this.used = new LRUCache({ max: maxRemembered, ttl: lifetimeSeconds * 1000, perf: { now }, ttlResolution: 0 });
  }

  cookieName(state: string): string {
    return this.prefix + state.slice(0, 12).replace(/[^A-Za-z0-9_-]/g, '_');
  }

  async issue(flow: FlowState): Promise<string> {
    const nowMs = this.now();
    const value = await seal(this.ring, TYP, { ...flow }, nowMs, Math.floor(nowMs / 1000) + this.lifetimeSeconds);
    return cookieHeader(this.cookieName(flow.state), value, { maxAge: this.lifetimeSeconds, path: '/.stepgate/' });
  }

  clear(state: string): string {
    return this.clearNamed(this.cookieName(state));
  }

  /** Clears the state cookie of that name (one the browser sent; the path is the one issue sets). */
  clearNamed(name: string): string {
    return cookieHeader(name, '', { maxAge: 0, path: '/.stepgate/' });
  }

  /** Opens the cookie for `state` and redeems it: a second take of the same state fails. */
  async take(state: string, cookieValue: string | undefined): Promise<TakeResult> {
    if (cookieValue === undefined || cookieValue === '') {
      return { ok: false, code: 'stepup_state_missing', detail: 'no state cookie for this state (expired, or another browser)' };
    }
    const opened = await open(this.ring, TYP, cookieValue, this.now());
    if (!opened.ok) {
      return opened.problem === 'expired'
        ? { ok: false, code: 'stepup_state_expired', detail: 'the state cookie has expired' }
        : { ok: false, code: 'stepup_state_invalid', detail: `state cookie: ${opened.detail}` };
    }
    const p = opened.payload;
    const flow: FlowState = {
      state: str(p.state),
      nonce: str(p.nonce),
      verifier: str(p.verifier),
      level: str(p.level),
      maxAge: typeof p.maxAge === 'number' ? p.maxAge : -1,
      rd: str(p.rd),
      prompt: p.prompt === true,
    };
    if (!sameString(flow.state, state)) return { ok: false, code: 'stepup_state_mismatch', detail: 'state does not match the cookie' };
    if (this.used.has(flow.state)) return { ok: false, code: 'stepup_replayed', detail: 'this callback was already redeemed' };
    this.used.set(flow.state, true);
    return { ok: true, flow };
  }
}

function str(v: unknown): string {
  return typeof v === 'string' ? v : '';
}

function sameString(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && x.length > 0 && timingSafeEqual(x, y);
}
