import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey, type JWK, type JWTPayload } from 'jose';

/**
 * A small OpenID Provider over HTTP on loopback for the step-up callback: discovery, JWKS and a
 * token endpoint that answers an authorization code with an ID token the test shapes. The login
 * itself is skipped (the test hands out codes), so the ID token can be anything a compromised or
 * misbehaving token endpoint could return: signed by a key the IdP does not publish, with a
 * future auth_time, and so on. Everything else is what a real OP sends.
 */
export class MiniOp {
  url = '';
  tokenRequests = 0;
  private server: Server | undefined;
  private readonly codes = new Map<string, { claims: JWTPayload; signWith: 'published' | 'unpublished' }>();
  private published!: { privateKey: CryptoKey; jwk: JWK };
  private unpublished!: { privateKey: CryptoKey };

  static async start(clientId: string): Promise<MiniOp> {
    const op = new MiniOp(clientId);
    const a = await generateKeyPair('RS256');
    const b = await generateKeyPair('RS256');
    op.published = { privateKey: a.privateKey, jwk: { ...(await exportJWK(a.publicKey)), kid: 'op-1', alg: 'RS256', use: 'sig' } };
    op.unpublished = { privateKey: b.privateKey };
    await op.listen();
    return op;
  }

  private constructor(private readonly clientId: string) {}

  /**
   * A one-time code whose ID token carries `claims` over sensible defaults (iss, aud, sub alice,
   * iat now, exp in 5 minutes, auth_time now, aal2). `unpublished` signs it with another RSA key
   * under the published key's kid: a forged signature.
   */
  code(claims: JWTPayload, signWith: 'published' | 'unpublished' = 'published'): string {
    const code = randomBytes(16).toString('base64url');
    this.codes.set(code, { claims, signWith });
    return code;
  }

  private async idToken(c: { claims: JWTPayload; signWith: 'published' | 'unpublished' }): Promise<string> {
    const now = Math.floor(Date.now() / 1000);
    const payload: JWTPayload = {
      iss: this.url,
      aud: this.clientId,
      sub: 'alice',
      iat: now,
      exp: now + 300,
      auth_time: now,
      acr: 'urn:stepgate:aal2',
      amr: ['pwd', 'mfa'],
      email: 'alice@example.test',
      ...c.claims,
    };
    const key = c.signWith === 'published' ? this.published.privateKey : this.unpublished.privateKey;
    return new SignJWT(payload).setProtectedHeader({ alg: 'RS256', kid: 'op-1', typ: 'JWT' }).sign(key);
  }

  private async listen(): Promise<void> {
    this.server = createServer((req, res) => {
      const json = (status: number, body: unknown) => {
        res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store' });
        res.end(JSON.stringify(body));
      };
      const path = (req.url ?? '').split('?')[0];
      if (path === '/.well-known/openid-configuration') {
        return json(200, {
          issuer: this.url,
          authorization_endpoint: `${this.url}/authorize`,
          token_endpoint: `${this.url}/token`,
          jwks_uri: `${this.url}/jwks`,
          response_types_supported: ['code'],
          subject_types_supported: ['public'],
          id_token_signing_alg_values_supported: ['RS256'],
          code_challenge_methods_supported: ['S256'],
          token_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post'],
        });
      }
      if (path === '/jwks') return json(200, { keys: [this.published.jwk] });
      if (path === '/token' && req.method === 'POST') {
        this.tokenRequests++;
        const chunks: Buffer[] = [];
        req.on('data', (c: Buffer) => chunks.push(c));
        req.on('end', () => {
          const form = new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
          const c = this.codes.get(form.get('code') ?? '');
          if (!c || form.get('grant_type') !== 'authorization_code' || !form.get('code_verifier')) return json(400, { error: 'invalid_grant' });
          this.codes.delete(form.get('code')!);
          this.idToken(c).then(
            (id_token) => json(200, { access_token: randomBytes(16).toString('base64url'), token_type: 'Bearer', expires_in: 300, id_token }),
            () => json(500, { error: 'server_error' }),
          );
        });
        return;
      }
      res.writeHead(404).end();
    });
    await new Promise<void>((r) => this.server!.listen(0, '127.0.0.1', r));
    this.url = `http://127.0.0.1:${(this.server!.address() as AddressInfo).port}`;
  }

  async close(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((r) => this.server?.close(() => r()));
  }
}
