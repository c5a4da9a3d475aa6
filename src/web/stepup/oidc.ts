import * as client from 'openid-client';
import type { OidcConfig } from '../../config/schema.js';

/**
 * The relying party, with openid-client v6. Discovery happens on first use and is retried after a
 * failure (at most once per `retryMs`), so stepgate starts, and serves Checks, while the identity
 * provider is still coming up.
 */
export class OidcClient {
  private config: client.Configuration | undefined;
  private pending: Promise<client.Configuration> | undefined;
  private failedAt = -Infinity;

  constructor(
    private readonly oidc: OidcConfig,
    private readonly secret: string,
    private readonly now: () => number,
    private readonly retryMs = 5000,
  ) {}

  async configuration(): Promise<client.Configuration> {
    if (this.config) return this.config;
    if (this.pending) return this.pending;
    if (this.now() - this.failedAt < this.retryMs) throw new IdpUnavailableError('discovery failed recently');
    this.pending = client
      .discovery(new URL(this.oidc.issuer), this.oidc.client_id, this.secret, undefined, {
        // openid-client v6 trusts the ID token from the TLS-protected token endpoint without
        // checking its signature; stepgate checks it against the IdP's JWKS anyway, so a token
        // endpoint answer that was tampered with (or a misrouted IdP) cannot mint a session.
        // allowInsecureRequests only when the schema allowed http: loopback issuers in development.
        execute: this.oidc.allow_insecure_http
          ? [client.allowInsecureRequests, client.enableNonRepudiationChecks]
          : [client.enableNonRepudiationChecks],
        timeout: 5,
      })
      .then(
        (c) => {
          this.config = c;
          return c;
        },
        (err: unknown) => {
          this.failedAt = this.now();
          throw new IdpUnavailableError(err instanceof Error ? err.message : String(err));
        },
      )
      .finally(() => {
        this.pending = undefined;
      });
    return this.pending;
  }
}

export class IdpUnavailableError extends Error {
  override name = 'IdpUnavailableError';
}

export { client };
