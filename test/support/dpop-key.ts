import { randomUUID } from 'node:crypto';
import { calculateJwkThumbprint, exportJWK, generateKeyPair, SignJWT, type CryptoKey, type JWK } from 'jose';

/** A DPoP client's key pair (RFC 9449), with its public JWK and that JWK's RFC 7638 thumbprint (a token's `cnf.jkt`). */
export interface ClientKey {
  privateKey: CryptoKey;
  jwk: JWK;
  jkt: string;
}

export async function clientKey(): Promise<ClientKey> {
  const { privateKey, publicKey } = await generateKeyPair('ES256');
  const jwk = await exportJWK(publicKey);
  return { privateKey, jwk, jkt: await calculateJwkThumbprint(jwk) };
}

/**
 * A DPoP proof by `k` for `htm` and `htu`, made now; `claims` and `header` add or replace members,
 * and a member given as undefined is left out (a proof without `iat`, without `jwk`…).
 */
export function dpopProof(k: ClientKey, htm: string, htu: string, claims: Record<string, unknown> = {}, header: Record<string, unknown> = {}): Promise<string> {
  const c: Record<string, unknown> = { jti: randomUUID(), htm, htu, iat: Math.floor(Date.now() / 1000), ...claims };
  for (const [n, v] of Object.entries(c)) if (v === undefined) delete c[n];
  const h: Record<string, unknown> = { alg: 'ES256', typ: 'dpop+jwt', jwk: k.jwk, ...header };
  for (const [n, v] of Object.entries(h)) if (v === undefined) delete h[n];
  return new SignJWT(c).setProtectedHeader(h as never).sign(k.privateKey);
}
