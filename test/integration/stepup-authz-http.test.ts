import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDevIdp, type DevIdp } from '../../demo/idp.js';
import { parseConfig } from '../../src/config/load.js';
import { startService, type Service } from '../../src/main.js';
import { CheckClient, deniedHeader, deniedStatus, reasonOf } from '../support/grpc-client.js';
import { checkRequest } from '../support/requests.js';
import { CLIENT_ID, CLIENT_SECRET, http, reservePort, stepupConfigYaml, stepupEnv } from '../support/stepup.js';

/**
 * The HTTP ext_authz / forward-auth adapter on its own listener, with real ID tokens from the
 * dev IdP: Envoy's HTTP mode (request line is the original request), nginx auth_request
 * (X-Original-*), Caddy/Traefik (X-Forwarded-*), and what an untrusted peer may not do.
 * 127.0.0.2 is the trusted proxy; 127.0.0.1 is not.
 */

const DASH = 'grafana.example.com';
const NAV = { accept: 'text/html', 'sec-fetch-mode': 'navigate' };
const TRUSTED = { localAddress: '127.0.0.2' };

let idp: DevIdp;
let service: Service;
let authz: string;
let aal1 = '';
let aal2 = '';

beforeAll(async () => {
  // Held while the IdP starts (its own listen(0) could be handed a port only probed as free).
  const held = await reservePort();
  const httpPort = held.port;
  const redirect = `http://127.0.0.1:${httpPort}/.stepgate/callback`;
  idp = await startDevIdp({ clients: [{ client_id: CLIENT_ID, client_secret: CLIENT_SECRET, redirect_uris: [redirect] }] });
  const config = parseConfig(stepupConfigYaml({ idp: idp.issuer, httpPort }), 'authz-test.yaml');
  await held.release();
  service = await startService(config, stepupEnv(), undefined, {});
  authz = `http://127.0.0.1:${service.authzHttp!.port}`;
  const login = { client_id: CLIENT_ID, client_secret: CLIENT_SECRET, redirect_uri: redirect, user: 'alice', password: 'alice-password' };
  aal1 = await idp.idToken(login);
  aal2 = await idp.idToken({ ...login, otp: true, acr_values: 'urn:stepgate:aal2' });
});

afterAll(async () => {
  await service?.stop();
  await idp?.close();
});

describe('Envoy HTTP ext_authz (the request line is the original request)', () => {
  it('200 with identity headers on allow', async () => {
    const res = await http(`${authz}/admin/users`, { headers: { host: DASH, authorization: `Bearer ${aal2}` } });
    expect(res.status).toBe(200);
    expect(res.headers['x-stepgate-level']).toBe('aal2');
    expect(res.headers['x-stepgate-email']).toBe('alice@example.test');
  });

  it('401 with the RFC 9470 challenge for an API client at a too-low level', async () => {
    const res = await http(`${authz}/admin/users`, { headers: { host: DASH, authorization: `Bearer ${aal1}` } });
    expect(res.status).toBe(401);
    expect(res.headers['www-authenticate']).toContain('error="insufficient_user_authentication"');
    expect(res.headers['www-authenticate']).toContain('acr_values="urn:stepgate:aal2"');
    expect(JSON.parse(res.body)).toMatchObject({ reason: 'acr_insufficient' });
  });

  it('302 to the step-up page for a navigation, with the location also in x-stepgate-location', async () => {
    const res = await http(`${authz}/admin/users`, { headers: { host: DASH, ...NAV } });
    expect(res.status).toBe(302);
    expect(res.headers.location).toContain('/.stepgate/start?level=aal2');
    expect(res.headers['x-stepgate-location']).toBe(res.headers.location);
  });

  it('403 when a rule denies', async () => {
    const res = await http(`${authz}/debug/x`, { headers: { host: DASH, authorization: `Bearer ${aal2}` } });
    expect(res.status).toBe(403);
    expect(JSON.parse(res.body)).toMatchObject({ reason: 'policy_deny' });
  });

  it('an ID token from the same IdP at aal2 also passes the gRPC path (kubectl with acr_values)', async () => {
    const client = new CheckClient(service.grpc.port);
    try {
      const path = '/api/v1/namespaces/prod/secrets/db';
      const low = await client.check(checkRequest({ path, token: aal1 }));
      expect(reasonOf(low)).toBe('acr_insufficient');
      expect(deniedStatus(low)).toBe('Unauthorized');
      expect(deniedHeader(low, 'www-authenticate')).toContain('acr_values="urn:stepgate:aal2", max_age=900');
      expect(reasonOf(await client.check(checkRequest({ path, token: aal2 })))).toBe('allowed');
    } finally {
      client.close();
    }
  });
});

describe('forward-auth from a trusted proxy', () => {
  it('nginx auth_request: X-Original-URI/-Method; a navigation denial is a 401 carrying x-stepgate-location', async () => {
    const res = await http(`${authz}/_stepgate`, {
      ...TRUSTED,
      headers: { host: DASH, 'x-original-uri': '/admin/users?x=1', 'x-original-method': 'GET', 'x-forwarded-proto': 'https', ...NAV },
    });
    expect(res.status).toBe(401);
    const loc = new URL(res.headers['x-stepgate-location'] as string);
    expect(loc.searchParams.get('rd')).toBe(`https://${DASH}/admin/users?x=1`);
  });

  it('Caddy/Traefik: X-Forwarded-Method/-Uri/-Host; allow is 200, a navigation denial a 302', async () => {
    const fwd = { host: 'stepgate.internal', 'x-forwarded-host': DASH, 'x-forwarded-uri': '/admin/users', 'x-forwarded-method': 'GET', 'x-forwarded-proto': 'https' };
    const ok = await http(`${authz}/`, { ...TRUSTED, headers: { ...fwd, authorization: `Bearer ${aal2}` } });
    expect(ok.status).toBe(200);
    expect(ok.headers['x-stepgate-level']).toBe('aal2');
    const nav = await http(`${authz}/`, { ...TRUSTED, headers: { ...fwd, ...NAV } });
    expect(nav.status).toBe(302);
    expect(nav.headers['x-stepgate-location']).toBe(nav.headers.location);
  });

  // Caddy and Traefik copy every header of the client's request into the subrequest and set only
  // their own X-Forwarded-*: an X-Original-* the client sent arrives beside them from the trusted
  // peer. nginx sets X-Original-* and passes a client's X-Forwarded-* through the same way.
  it('refuses a subrequest whose two conventions disagree: one of them is the client\'s', async () => {
    const traefik = { host: 'stepgate.internal', 'x-forwarded-host': DASH, 'x-forwarded-uri': '/admin/users', 'x-forwarded-method': 'DELETE', 'x-forwarded-proto': 'https' };
    const injected: [string, Record<string, string>][] = [
      ['the client names a harmless path', { ...traefik, 'x-original-uri': '/d/home' }],
      ['the client names a harmless method', { ...traefik, 'x-original-method': 'GET' }],
      ['the client names both', { ...traefik, 'x-original-uri': '/d/home', 'x-original-method': 'GET' }],
      ['nginx, the client adds the other convention', { host: DASH, 'x-original-uri': '/admin/users', 'x-original-method': 'GET', 'x-forwarded-uri': '/d/home', 'x-forwarded-method': 'GET' }],
    ];
    for (const [name, headers] of injected) {
      const res = await http(`${authz}/`, { ...TRUSTED, headers: { ...headers, authorization: `Bearer ${aal1}` } });
      expect([name, res.status]).toEqual([name, 400]);
      expect(JSON.parse(res.body)).toMatchObject({ reason: 'request_invalid' });
    }
    // Both conventions naming the same request (a proxy that sets both) decide as either alone.
    const both = { ...traefik, 'x-forwarded-method': 'GET', 'x-original-uri': '/admin/users', 'x-original-method': 'GET' };
    expect((await http(`${authz}/`, { ...TRUSTED, headers: { ...both, authorization: `Bearer ${aal2}` } })).status).toBe(200);
    expect((await http(`${authz}/`, { ...TRUSTED, headers: { ...both, authorization: `Bearer ${aal1}` } })).status).toBe(401);
  });

  it('refuses a forward-auth request without the original method (fail closed)', async () => {
    const res = await http(`${authz}/`, { ...TRUSTED, headers: { host: DASH, 'x-original-uri': '/admin/users', authorization: `Bearer ${aal2}` } });
    expect(res.status).toBe(400);
    expect(JSON.parse(res.body)).toMatchObject({ reason: 'request_invalid' });
  });
});

describe('an untrusted peer', () => {
  it('cannot redefine the request with X-Original-URI / X-Forwarded-Uri: request_invalid', async () => {
    const forged: Record<string, string>[] = [{ 'x-original-uri': '/public', 'x-original-method': 'GET' }, { 'x-forwarded-uri': '/public', 'x-forwarded-method': 'GET' }];
    for (const h of forged) {
      const res = await http(`${authz}/admin/users`, { headers: { host: DASH, authorization: `Bearer ${aal1}`, ...h } });
      expect(res.status).toBe(400);
      expect(JSON.parse(res.body)).toMatchObject({ reason: 'request_invalid' });
    }
  });

  it('has X-Forwarded-Host and -Proto ignored: the request line and Host decide', async () => {
    // Host is a dashboard without the admin rule; the forged X-Forwarded-Host names the protected one.
    const res = await http(`${authz}/admin/users`, { headers: { host: 'other.example.com', 'x-forwarded-host': DASH, authorization: `Bearer ${aal1}`, ...NAV } });
    expect(res.status).toBe(200);
    // ...and the other way round: a forged host cannot escape the rule either.
    const res2 = await http(`${authz}/admin/users`, { headers: { host: DASH, 'x-forwarded-host': 'other.example.com', authorization: `Bearer ${aal1}` } });
    expect(res2.status).toBe(401);
  });
});
