import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDevIdp, type DevIdp } from '../../demo/idp.js';
import { parseConfig } from '../../src/config/load.js';
import { startService, type Service } from '../../src/main.js';
import { startRedis, type RedisServer } from '../support/redis.js';
import { CLIENT_ID, CLIENT_SECRET, freePort, http, stepupConfigYaml, stepupEnv } from '../support/stepup.js';

/**
 * GET /.stepgate/v1/challenge: the last step-up challenge per credential, for the kubectl plugin.
 * Two replicas share one real redis-server: the 401 comes from one, the plugin's question reaches
 * the other. The clock is injected, so expiry needs no sleep.
 */

const KUBE = 'kube.example.com';
let idp: DevIdp;
let redis: RedisServer;
let a: Service;
let b: Service;
let now = Date.now();
let aal1 = '';
let aal1Other = '';
let aal2 = '';
let redirect = '';

async function replica(httpPort: number): Promise<Service> {
  const yaml = stepupConfigYaml({ idp: idp.issuer, httpPort, trustedProxies: ['127.0.0.1'], patientKeys: true }).replace(
    'kubernetes:\n  hosts: [kube.example.com]',
    `kubernetes:\n  hosts: [kube.example.com]\n  challenge_ttl_seconds: 120\nstate:\n  store: redis\n  timeout_ms: 2000\n  redis:\n    url: ${redis.url}\n    key_prefix: "chal:"`,
  );
  return startService(parseConfig(yaml, 'challenge.yaml'), stepupEnv(), undefined, { now: () => now });
}

/** The check as nginx asks it (forward-auth), at replica `s`. */
function check(s: Service, method: string, uri: string, token: string) {
  return http(`http://127.0.0.1:${s.authzHttp!.port}/`, {
    headers: { host: KUBE, authorization: `Bearer ${token}`, 'x-original-uri': uri, 'x-original-method': method },
  });
}

function ask(s: Service, token?: string, method = 'GET') {
  return http(`http://127.0.0.1:${s.http!.port}/.stepgate/v1/challenge`, { method, headers: token === undefined ? {} : { authorization: `Bearer ${token}` } });
}

beforeAll(async () => {
  redis = await startRedis();
  const portA = await freePort();
  const portB = await freePort();
  redirect = `http://127.0.0.1:${portA}/.stepgate/callback`;
  idp = await startDevIdp({
    clients: [{ client_id: CLIENT_ID, client_secret: CLIENT_SECRET, redirect_uris: [redirect, `http://127.0.0.1:${portB}/.stepgate/callback`] }],
  });
  a = await replica(portA);
  b = await replica(portB);
  const login = { client_id: CLIENT_ID, client_secret: CLIENT_SECRET, redirect_uri: redirect, user: 'alice', password: 'alice-password' };
  aal1 = await idp.idToken(login);
  aal1Other = await idp.idToken(login);
  aal2 = await idp.idToken({ ...login, otp: true, acr_values: 'urn:stepgate:aal2' });
  now = Date.now();
}, 60_000);

afterAll(async () => {
  await a?.stop();
  await b?.stop();
  await idp?.close();
  await redis?.stop();
});

describe('GET /.stepgate/v1/challenge', () => {
  it('is empty before any challenge', async () => {
    const r = await ask(b, aal1);
    expect(r.status).toBe(200);
    expect(r.headers['cache-control']).toBe('no-store');
    expect(JSON.parse(r.body)).toEqual({ challenge: null });
  });

  it('answers, on another replica, with exactly what the 401 asked of this credential', async () => {
    const denied = await check(a, 'GET', '/api/v1/namespaces/prod/secrets/db', aal1);
    expect(denied.status).toBe(401);
    expect(denied.headers['cache-control']).toBe('no-store');
    expect(denied.headers['www-authenticate']).toContain('acr_values="urn:stepgate:aal2", max_age=900');
    // The message kubectl prints says what is needed and what to do.
    const status = JSON.parse(denied.body) as { message: string };
    expect(status.message).toBe(
      'stepgate: step-up needed for get secrets db in namespace prod: sign in at level aal2 (Your password and a one-time code from your authenticator app), within the last 15 min; your sign-in is level aal1 (acr_insufficient). Rule secrets. The stepgate credential plugin steps up when this command fails: run it again, or first: kubectl stepgate login --level aal2',
    );
    // nginx drops a subrequest's body: the same Status travels in a header for the error_page location.
    expect(JSON.parse(denied.headers['x-stepgate-status-body'] as string)).toEqual(JSON.parse(denied.body));
    await new Promise((r) => setTimeout(r, 50)); // the record is written off the response path
    const r = await ask(b, aal1);
    expect(r.status).toBe(200);
    expect(JSON.parse(r.body)).toMatchObject({
      challenge: { reason: 'acr_insufficient', level: 'aal2', acr_values: 'urn:stepgate:aal2', max_age: 900, rules: ['secrets'] },
    });
  });

  it('tells each credential only about itself', async () => {
    expect(JSON.parse((await ask(b, aal1Other)).body)).toEqual({ challenge: null });
    expect(JSON.parse((await ask(a, aal2)).body)).toEqual({ challenge: null });
  });

  it('an allowed request or a deny rule leaves nothing to step up to', async () => {
    expect((await check(a, 'GET', '/api/v1/namespaces/prod/secrets/db', aal2)).status).toBe(200);
    await new Promise((r) => setTimeout(r, 50));
    expect(JSON.parse((await ask(a, aal2)).body)).toEqual({ challenge: null });
  });

  it('refuses callers without a valid token, and other methods', async () => {
    const none = await ask(a);
    expect(none.status).toBe(401);
    expect(none.headers['www-authenticate']).toBe('Bearer realm="stepgate"');
    const forged = await ask(a, `${aal1.slice(0, -4)}AAAA`);
    expect(forged.status).toBe(401);
    expect(forged.headers['www-authenticate']).toContain('error="invalid_token"');
    expect(forged.body).not.toContain('acr_values');
    expect((await ask(a, aal1, 'POST')).status).toBe(405);
  });

  it('forgets a challenge after kubernetes.challenge_ttl_seconds', async () => {
    now += 121_000;
    expect(JSON.parse((await ask(a, aal1)).body)).toEqual({ challenge: null });
    now -= 121_000;
  });

  it('discovery is never challenged above the everyday level, and 401s are not cached', async () => {
    for (const uri of ['/api', '/apis', '/api/v1', '/apis/apps/v1', '/version', '/openapi/v2']) {
      expect((await check(a, 'GET', uri, aal1)).status, uri).toBe(200);
    }
  });
});
