/**
 * The routine load bench/risk-ratio.ts and bench/store-ab.ts both replay: 200 engineers, each on
 * their own laptop and network with a two-factor token from this morning, each having first signed
 * in there (a fresh token, which makes laptop and network known, as a step-up would). An issuer
 * with one ES256 key answers discovery and JWKS from memory. Verified tokens stay cached while a
 * simulated clock runs for hours (the default keeps them 5 minutes, after which every token would
 * be verified again within the rounds).
 */
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import type { RawRequest } from '../src/request/attributes.js';
import { RequestHeaders } from '../src/request/headers.js';

export const ISS = 'http://127.0.0.1:9000';

export interface RoutineLoad {
  /** The project root, whose node_modules a git ref's export borrows. */
  here: string;
  /** examples/stepgate.yaml with a token cache that outlives the simulated day. */
  text: string;
  fetchFn: typeof fetch;
  now: number;
  signIns: RawRequest[];
  /** Three per engineer: their team's pods, Deployments and one Secret. */
  requests: RawRequest[];
}

export async function routineLoad(): Promise<RoutineLoad> {
  const { publicKey, privateKey } = await generateKeyPair('ES256');
  const jwks = JSON.stringify({ keys: [{ ...(await exportJWK(publicKey)), kid: 'k1', alg: 'ES256', use: 'sig' }] });
  const fetchFn = (async (url: string | URL) => {
    const body = String(url).endsWith('/.well-known/openid-configuration') ? JSON.stringify({ issuer: ISS, jwks_uri: `${ISS}/jwks` }) : jwks;
    return new Response(body, { status: 200, headers: { 'content-type': 'application/json' } });
  }) as unknown as typeof fetch;
  const here = resolve(import.meta.dirname, '..');
  const text = `${readFileSync(join(here, 'examples/stepgate.yaml'), 'utf8')}\ntoken_cache:\n  max_ttl_seconds: 43200\n`;
  const now = Date.now();
  const sign = (i: number, authTime: number) =>
    new SignJWT({ sub: `eng${i}@example.com`, sid: `s${i}`, acr: 'urn:stepgate:aal2', amr: ['mfa'], auth_time: authTime })
      .setProtectedHeader({ alg: 'ES256', kid: 'k1' })
      .setIssuer(ISS)
      .setAudience('kubernetes')
      .setIssuedAt()
      // The simulated clock runs for hours: the token must outlive the bench.
      .setExpirationTime('12h')
      .sign(privateKey);
  const raw = (i: number, path: string, token: string): RawRequest => ({
    method: 'GET', target: path, authority: 'kube.localhost', scheme: 'https',
    headers: RequestHeaders.of([['authorization', `Bearer ${token}`], ['user-agent', 'kubectl/v1.32.4 (linux/amd64) kubernetes/6fc0a69']]),
    sourceAddress: `100.64.${i % 250}.7`, sourcePrincipal: '', contextExtensions: {}, body: undefined, bodyTruncated: false,
  });
  const requests: RawRequest[] = [];
  const signIns: RawRequest[] = [];
  for (let i = 0; i < 200; i++) {
    signIns.push(raw(i, `/api/v1/namespaces/team-${i % 5}/pods`, await sign(i, Math.floor(now / 1000))));
    const token = await sign(i, Math.floor(now / 1000) - 3600);
    for (const path of [`/api/v1/namespaces/team-${i % 5}/pods`, `/apis/apps/v1/namespaces/team-${i % 5}/deployments`, `/api/v1/namespaces/team-${i % 5}/secrets/app`]) {
      requests.push(raw(i, path, token));
    }
  }
  return { here, text, fetchFn, now, signIns, requests };
}
