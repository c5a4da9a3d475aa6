import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey, type JWK, type JWTPayload } from 'jose';

export type Alg = 'RS256' | 'ES256' | 'EdDSA';

interface SigningKey {
  kid: string;
  alg: Alg;
  privateKey: CryptoKey;
  jwk: JWK;
}

/**
 * A real OpenID issuer over HTTP on loopback: discovery document and JWKS, with the knobs the
 * tests need (rotate keys, go down, count fetches). Tokens are signed with jose.
 */
export class TestIssuer {
  readonly keys = new Map<string, SigningKey>();
  published = new Set<string>();
  down = false;
  jwksFetches = 0;
  discoveryFetches = 0;
  private server: Server | undefined;
  url = '';

  static async start(): Promise<TestIssuer> {
    const iss = new TestIssuer();
    await iss.listen();
    for (const alg of ['RS256', 'ES256', 'EdDSA'] as const) await iss.addKey(`${alg.toLowerCase()}-1`, alg);
    return iss;
  }

  private async listen() {
    this.server = createServer((req, res) => {
      if (this.down) {
        res.writeHead(503).end('down');
        return;
      }
      if (req.url === '/.well-known/openid-configuration') {
        this.discoveryFetches++;
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ issuer: this.url, jwks_uri: `${this.url}/jwks` }));
        return;
      }
      if (req.url === '/jwks') {
        this.jwksFetches++;
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ keys: [...this.published].map((k) => this.keys.get(k)!.jwk) }));
        return;
      }
      res.writeHead(404).end();
    });
    await new Promise<void>((r) => this.server!.listen(0, '127.0.0.1', r));
    this.url = `http://127.0.0.1:${(this.server!.address() as AddressInfo).port}`;
  }

  async addKey(kid: string, alg: Alg, publish = true): Promise<void> {
    const { privateKey, publicKey } = await generateKeyPair(alg, alg === 'EdDSA' ? { crv: 'Ed25519' } : {});
    const jwk = { ...(await exportJWK(publicKey)), kid, alg, use: 'sig' };
    this.keys.set(kid, { kid, alg, privateKey, jwk });
    if (publish) this.published.add(kid);
  }

  publicJwk(kid: string): JWK {
    return this.keys.get(kid)!.jwk;
  }

  /** Signs claims with sensible defaults: iss, aud, sub, iat, exp in 10 minutes, auth_time now. */
  async token(claims: JWTPayload = {}, opts: { kid?: string; header?: Record<string, unknown> } = {}): Promise<string> {
    const key = this.keys.get(opts.kid ?? 'rs256-1')!;
    const now = Math.floor(Date.now() / 1000);
    const payload: JWTPayload = {
      iss: this.url,
      aud: 'kubernetes',
      sub: 'alice@example.com',
      iat: now,
      exp: now + 600,
      auth_time: now,
      acr: 'urn:stepgate:aal1',
      amr: ['pwd'],
      groups: ['engineers'],
      email: 'alice@example.com',
      ...claims,
    };
    for (const [k, v] of Object.entries(payload)) if (v === undefined) delete payload[k];
    return new SignJWT(payload).setProtectedHeader({ alg: key.alg, kid: key.kid, typ: 'JWT', ...opts.header }).sign(key.privateKey);
  }

  async close(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((r) => this.server?.close(() => r()));
  }
}
