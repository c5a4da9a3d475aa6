import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair } from 'jose';
import Provider from 'oidc-provider';
import { expect } from 'vitest';
import { dpopProof, type ClientKey } from './dpop-key.js';

/** oidc-provider on a free port: one confidential client allowed client_credentials, JWT access tokens for the API. */
export async function startDpopProvider(host: string): Promise<{ url: string; server: Server }> {
  let handler: Parameters<typeof createServer>[1] = (_q, r) => r.writeHead(503).end();
  const server = createServer((q, r) => handler!(q, r));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const { privateKey } = await generateKeyPair('ES256', { extractable: true });
  const signing = { ...(await exportJWK(privateKey)), kid: 'idp-es256', alg: 'ES256', use: 'sig' };
  const provider = new Provider(url, {
    clients: [{ client_id: 'k8s-agent', client_secret: 'k8s-agent-secret-of-enough-length', grant_types: ['client_credentials'], response_types: [], redirect_uris: [], token_endpoint_auth_method: 'client_secret_post', id_token_signed_response_alg: 'ES256' }],
    jwks: { keys: [signing] },
    features: {
      devInteractions: { enabled: false },
      clientCredentials: { enabled: true },
      dPoP: { enabled: true },
      resourceIndicators: {
        enabled: true,
        defaultResource: () => `https://${host}`,
        useGrantedResource: () => true,
        getResourceServerInfo: () => ({ audience: 'kubernetes', scope: 'api', accessTokenFormat: 'jwt', jwt: { sign: { alg: 'ES256' } } }),
      },
    },
    // The IdP's assurance claims for the agent's credential, as a site would map them.
    extraTokenClaims: () => ({ acr: 'urn:stepgate:aal1', amr: ['pwd'], auth_time: Math.floor(Date.now() / 1000) }),
  } as never);
  handler = provider.callback() as never;
  return { url, server };
}

/** A DPoP-bound access token for `k`, from the provider's token endpoint. */
export async function dpopToken(idp: string, k: ClientKey): Promise<string> {
  const res = await fetch(`${idp}/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', dpop: await dpopProof(k, 'POST', `${idp}/token`) },
    body: new URLSearchParams({ grant_type: 'client_credentials', client_id: 'k8s-agent', client_secret: 'k8s-agent-secret-of-enough-length', scope: 'api' }),
  });
  const body = (await res.json()) as { access_token?: string; token_type?: string };
  expect(res.status, JSON.stringify(body)).toBe(200);
  expect(body.token_type).toBe('DPoP');
  return body.access_token!;
}
