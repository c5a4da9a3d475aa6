import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDemoStack, type DemoStack } from '../../demo/stack.js';
import { AAL2 } from '../../demo/idp.js';
import { CheckClient, deniedHeader, deniedStatus, okHeader, reasonOf } from '../support/grpc-client.js';
import { checkRequest } from '../support/requests.js';

// The API-client path: kubectl or CI present an ID token from the IdP; stepgate answers a
// too-weak token with the RFC 9470 challenge, and the client comes back with a stronger one.

const FREE = { idp: 0, nginx: 0, grpc: 0, stepupHttp: 0, authzHttp: 0, dashboard: 0, api: 0 };
let stack: DemoStack;
let grpc: CheckClient;

beforeAll(async () => {
  stack = await startDemoStack({ ports: FREE });
  grpc = new CheckClient(stack.stepgate.ports.grpc);
}, 150_000);

afterAll(async () => {
  grpc?.close();
  await stack?.stop();
});

const token = (otp: boolean, acr_values?: string) =>
  stack.idp.idToken({ ...stack.cliClient, user: 'alice', password: 'alice-password', otp, acr_values });

/** The auth-params of a `WWW-Authenticate: Bearer …` header. */
function challengeParams(header: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const m of header.matchAll(/([a-z_]+)=(?:"([^"]*)"|([^\s,]+))/g)) out[m[1]!] = m[2] ?? m[3]!;
  return out;
}

describe('API clients over ext_authz gRPC, tokens from the dev IdP', () => {
  it('an aal1 ID token on a protected path gets 401 with the RFC 9470 challenge; the token the challenge asks for passes', async () => {
    const weak = await token(false);
    const req = { host: '127.0.0.1', path: '/api/secrets', token: weak };
    const denied = await grpc.check(checkRequest(req));
    expect(deniedStatus(denied)).toBe('Unauthorized');
    expect(reasonOf(denied)).toBe('acr_insufficient');
    const header = deniedHeader(denied, 'www-authenticate')!;
    expect(header).toMatch(/^Bearer realm="stepgate", /);
    const params = challengeParams(header);
    expect(params.error).toBe('insufficient_user_authentication');
    expect(params.acr_values).toBe(AAL2);
    expect(params.max_age).toBe('900');

    // What a client does with the challenge: ask the IdP again for those acr_values.
    const strong = await token(false, params.acr_values);
    const allowed = await grpc.check(checkRequest({ ...req, token: strong }));
    expect(allowed.status.code ?? 0).toBe(0);
    expect(okHeader(allowed, 'x-stepgate-subject')).toBe('alice');
    expect(okHeader(allowed, 'x-stepgate-level')).toBe('aal2');
  });

  it('the same aal1 token is enough for an unprotected path', async () => {
    const res = await grpc.check(checkRequest({ host: '127.0.0.1', path: '/api/namespaces', token: await token(false) }));
    expect(res.status.code ?? 0).toBe(0);
    expect(okHeader(res, 'x-stepgate-level')).toBe('aal1');
  });

  it('through nginx, as the demo tells people to try with curl: 401 + challenge for aal1, 200 JSON for aal2', async () => {
    const weak = await token(false);
    const r1 = await fetch(`${stack.url}/api/secrets`, { headers: { authorization: `Bearer ${weak}`, accept: 'application/json' } });
    expect(r1.status).toBe(401);
    const params = challengeParams(r1.headers.get('www-authenticate') ?? '');
    expect(params).toMatchObject({ error: 'insufficient_user_authentication', acr_values: AAL2, max_age: '900' });

    const strong = await token(true);
    const r2 = await fetch(`${stack.url}/api/secrets`, { headers: { authorization: `Bearer ${strong}`, accept: 'application/json' } });
    expect(r2.status).toBe(200);
    const body = (await r2.json()) as { kind: string; identity: Record<string, string> };
    expect(body.kind).toBe('SecretList');
    expect(body.identity['x-stepgate-subject']).toBe('alice');
    expect(body.identity['x-stepgate-level']).toBe('aal2');

    const none = await fetch(`${stack.url}/api/namespaces`, { headers: { accept: 'application/json' } });
    expect(none.status).toBe(401);
    expect(none.headers.get('www-authenticate')).toBe('Bearer realm="stepgate"');
  });
});
