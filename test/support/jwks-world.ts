import { exportJWK, generateKeyPair, type CryptoKey, type JWK } from 'jose';
import type { FetchFn } from '../../src/identity/jwks.js';

/** An injected clock and JWKS endpoint (`<issuer>/jwks`): a verifier's behaviour over time, without sleeping. */
export class World {
  keys: JWK[] = [];
  fetches = 0;
  down = false;
  constructor(public t: number) {}
  now = () => this.t;
  fetch: FetchFn = async (url) => {
    this.fetches++;
    if (this.down) throw new Error('connect ECONNREFUSED');
    if (!url.endsWith('/jwks')) return new Response('not found', { status: 404 });
    return new Response(JSON.stringify({ keys: this.keys }), { headers: { 'content-type': 'application/json' } });
  };
}

export interface SigningKey {
  privateKey: CryptoKey;
  jwk: JWK;
}

/** A fresh ES256 key pair, its public half as the JWKS publishes it. */
export async function signingKey(kid: string): Promise<SigningKey> {
  const k = await generateKeyPair('ES256');
  return { privateKey: k.privateKey, jwk: { ...(await exportJWK(k.publicKey)), kid, alg: 'ES256' } };
}
