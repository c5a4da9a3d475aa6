import { createLocalJWKSet, errors, type JSONWebKeySet, type JWTVerifyGetKey } from 'jose';
import { clip } from '../core/redact.js';

export type FetchFn = (url: string, init: { signal: AbortSignal; headers: Record<string, string> }) => Promise<Response>;

export interface JwksSourceOptions {
  issuer: string;
  jwksUri: string | undefined;
  discoveryUrl: string | undefined;
  fetch: FetchFn;
  now: () => number;
  /** Keys older than this are refreshed in the background while the old ones keep serving. */
  refreshMs: number;
  /** Minimum time between fetches, so unknown `kid`s cannot make us hammer the issuer. */
  cooldownMs: number;
  timeoutMs: number;
  /** After every fetch attempt; `elapsedMs` is the real time the attempt took (for telemetry). */
  onRefresh?: (outcome: 'ok' | 'error', detail: string, elapsedMs: number) => void;
  /**
   * Runs each fetch attempt (for telemetry: a span around it, started in the caller's context).
   * Must call `refresh` exactly once and return what it returns.
   */
  aroundRefresh?: (refresh: () => Promise<void>) => Promise<void>;
}

/** The issuer's keys could not be obtained at all (never fetched, endpoint down). */
export class JwksUnavailableError extends Error {
  readonly code = 'jwks_unavailable';
}

/** The token names a key the issuer does not publish, even after a refetch. */
export class KeyUnknownError extends Error {
  readonly code = 'key_unknown';
}

type LocalSet = ReturnType<typeof createLocalJWKSet>;

/**
 * One issuer's signing keys. Unlike jose's remote set, a failed refresh never drops the keys we
 * have: an identity provider outage must not turn into a cluster-wide lockout for tokens we can
 * still verify. Fetches are single-flight and rate-limited by the cooldown.
 */
export class JwksSource {
  private keys: LocalSet | undefined;
  private fetchedAt = -Infinity;
  private lastAttempt = -Infinity;
  private inflight: Promise<void> | undefined;
  private jwksUri: string | undefined;

  constructor(private readonly opts: JwksSourceOptions) {
    this.jwksUri = opts.jwksUri;
  }

  /** For jose's jwtVerify. */
  readonly getKey: JWTVerifyGetKey = async (header, token) => {
    const now = this.opts.now();
    if (!this.keys) {
      if (now - this.lastAttempt < this.opts.cooldownMs && !this.inflight) {
        throw new JwksUnavailableError(`keys for ${this.opts.issuer} are unavailable; the last fetch failed`);
      }
      await this.refresh().catch((err: Error) => {
        throw new JwksUnavailableError(`keys for ${this.opts.issuer} are unavailable: ${err.message}`);
      });
    } else if (now - this.fetchedAt > this.opts.refreshMs && now - this.lastAttempt >= this.opts.cooldownMs) {
      this.refresh().catch(() => {
        /* reported through onRefresh; the old keys keep serving */
      });
    }
    try {
      return await this.keys!(header, token);
    } catch (err) {
      if (!(err instanceof errors.JWKSNoMatchingKey)) throw err;
      if (this.opts.now() - this.lastAttempt < this.opts.cooldownMs && !this.inflight) {
        throw new KeyUnknownError(`no key matches kid ${clip(JSON.stringify(header.kid ?? null), 80)}`);
      }
      // A kid we do not know may be a key the issuer has just rotated in. If we cannot ask, we
      // do not know that the key is unknown: say the keys are unavailable (not negatively cached).
      await this.refresh().catch((e: Error) => {
        throw new JwksUnavailableError(`kid ${clip(JSON.stringify(header.kid ?? null), 80)} is not in the cached keys and ${this.opts.issuer} could not be asked: ${e.message}`);
      });
      try {
        return await this.keys!(header, token);
      } catch (again) {
        if (again instanceof errors.JWKSNoMatchingKey) {
          throw new KeyUnknownError(`no key matches kid ${clip(JSON.stringify(header.kid ?? null), 80)}`);
        }
        throw again;
      }
    }
  };

  /** Fetch now (single-flight). Resolves when keys were updated; rejects and keeps old keys otherwise. */
  refresh(): Promise<void> {
    const around = this.opts.aroundRefresh;
    this.inflight ??= (around ? around(() => this.doRefresh()) : this.doRefresh()).finally(() => {
      this.inflight = undefined;
    });
    return this.inflight;
  }

  get hasKeys(): boolean {
    return this.keys !== undefined;
  }

  private async doRefresh(): Promise<void> {
    this.lastAttempt = this.opts.now();
    const started = performance.now();
    try {
      const uri = this.jwksUri ?? (await this.discover());
      const body = await this.getJson(uri);
      if (!isJwks(body)) throw new Error(`${uri} did not return a JWK set`);
      this.keys = createLocalJWKSet(body);
      this.fetchedAt = this.opts.now();
      this.opts.onRefresh?.('ok', `${body.keys.length} keys from ${uri}`, performance.now() - started);
    } catch (err) {
      this.opts.onRefresh?.('error', (err as Error).message, performance.now() - started);
      throw err;
    }
  }

  private async discover(): Promise<string> {
    const url =
      this.opts.discoveryUrl ?? `${this.opts.issuer.replace(/\/$/, '')}/.well-known/openid-configuration`;
    const doc = await this.getJson(url);
    const meta = doc as { issuer?: unknown; jwks_uri?: unknown };
    if (meta.issuer !== this.opts.issuer) {
      // OpenID Connect Discovery 1.0 §4.3: a mismatch means the document is not this issuer's.
      throw new Error(`discovery document at ${url} names issuer ${JSON.stringify(meta.issuer)}`);
    }
    if (typeof meta.jwks_uri !== 'string' || !/^https?:\/\//.test(meta.jwks_uri)) {
      throw new Error(`discovery document at ${url} has no jwks_uri`);
    }
    this.jwksUri = meta.jwks_uri;
    return meta.jwks_uri;
  }

  private async getJson(url: string): Promise<unknown> {
    let res: Response;
    try {
      res = await this.opts.fetch(url, {
        signal: AbortSignal.timeout(this.opts.timeoutMs),
        headers: { accept: 'application/json' },
      });
    } catch (err) {
      // undici hides the useful part (ECONNREFUSED, ENOTFOUND, timeout) in `cause`.
      const cause = (err as { cause?: { code?: string; message?: string } }).cause;
      throw new Error(`${url}: ${(err as Error).message}${cause ? ` (${cause.code ?? cause.message})` : ''}`);
    }
    if (!res.ok) throw new Error(`${url} answered HTTP ${res.status}`);
    const text = await res.text();
    if (text.length > 1_000_000) throw new Error(`${url} returned more than 1 MB`);
    return JSON.parse(text) as unknown;
  }
}

function isJwks(v: unknown): v is JSONWebKeySet {
  return typeof v === 'object' && v !== null && Array.isArray((v as { keys?: unknown }).keys);
}
