import { calculateJwkThumbprint, exportJWK, generateKeyPair, type CryptoKey, type JWK } from 'jose';

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
