import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDevIdp, type DevIdp } from '../../demo/idp.js';
import { parseConfig } from '../../src/config/load.js';
import { startService, type Service } from '../../src/main.js';
import { CheckClient, deniedHeader, deniedStatus, okHeader, reasonOf, type CheckResponse } from '../support/grpc-client.js';
import { BROWSER_HEADERS, checkRequest } from '../support/requests.js';
import {
  CLIENT_ID,
  CLIENT_SECRET,
  formFields,
  freePort,
  http,
  pageCode,
  setCookies,
  stepupConfigYaml,
  stepupEnv,
  type HttpResult,
} from '../support/stepup.js';
import { captureLog } from '../support/telemetry.js';

/**
 * The browser step-up loop against a real OpenID Provider (oidc-provider, demo/idp.ts), through
 * stepgate's real listeners: start page → continue → IdP (driven headlessly over HTTP) → callback
 * → session cookie → a real gRPC Check with that cookie. Then every failure the callback can meet.
 */

const DASH = 'grafana.example.com';
const ADMIN = `https://${DASH}/admin/users?tab=1`;

let idp: DevIdp;
let service: Service;
let client: CheckClient;
let base: string;
let records: Record<string, unknown>[];
let lines: string[];
let clockOffset = 0;
// Set by the first flow test; later tests (sessions, sign-out) use them.
let session = '';
let device = '';

beforeAll(async () => {
  const httpPort = await freePort();
  base = `http://127.0.0.1:${httpPort}`;
  idp = await startDevIdp({ clients: [{ client_id: CLIENT_ID, client_secret: CLIENT_SECRET, redirect_uris: [`${base}/.stepgate/callback`] }] });
  const cap = captureLog('info');
  records = cap.records;
  lines = cap.lines;
  const config = parseConfig(stepupConfigYaml({ idp: idp.issuer, httpPort, stateLifetime: 3600 }), 'stepup-test.yaml');
  service = await startService(config, stepupEnv(), cap.logger, { now: () => Date.now() + clockOffset });
  client = new CheckClient(service.grpc.port);
});

afterAll(async () => {
  client?.close();
  await service?.stop();
  await idp?.close();
});

/** start → continue: the step-up page, then the authorization request and its state cookie. */
async function begin(params: Record<string, string>): Promise<{ page: HttpResult; authorize: URL; stateCookie: string; stateName: string }> {
  const page = await http(`${base}/.stepgate/start?${new URLSearchParams(params)}`);
  expect(page.status).toBe(200);
  const cont = await http(`${base}/.stepgate/continue`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', origin: base },
    body: formFields(page.body).toString(),
  });
  expect(cont.status).toBe(302);
  const [stateName, stateCookie] = Object.entries(setCookies(cont))[0]!;
  return { page, authorize: new URL(cont.headers.location as string), stateCookie, stateName };
}

async function callback(url: string, cookie?: string): Promise<HttpResult> {
  const u = new URL(url, base);
  return http(`${base}${u.pathname}${u.search}`, cookie ? { headers: { cookie } } : {});
}

function dashCheck(path: string, headers: Record<string, string>): Promise<CheckResponse> {
  return client.check(checkRequest({ host: DASH, path, headers: { ...BROWSER_HEADERS, ...headers } }));
}

function auditFor(code: string): Record<string, unknown> | undefined {
  return records.find((r) => r.event === 'stepup.flow' && r.code === code);
}

describe('the browser step-up loop', () => {

  it('a navigation without credentials is sent to the step-up page with level, max_age, reason and rd', async () => {
    const res = await dashCheck('/admin/users?tab=1', {});
    expect(deniedStatus(res)).toBe('Found');
    const loc = new URL(deniedHeader(res, 'location')!);
    expect(loc.origin + loc.pathname).toBe(`${base}/.stepgate/start`);
    // And what made the requirement, with the link's MAC (cookies/stepup-link.ts).
    expect(Object.fromEntries(loc.searchParams)).toEqual({ level: 'aal2', max_age: '900', reason: 'token_missing', rd: ADMIN, rules: 'grafana-admin', sig: expect.stringMatching(/^k1\.[A-Za-z0-9_-]{43}$/) });
  });

  it('a repeated redirect is the same kept answer, yet every flow it starts has its own state, nonce, PKCE and state cookie', async () => {
    // The denial carries no single-use value (issue 17): it points at the start URL; state, nonce
    // and the PKCE verifier are made when the flow continues, once per flow, never kept.
    const first = await dashCheck('/admin/users?tab=1', {});
    const again = await dashCheck('/admin/users?tab=1', {});
    expect(deniedHeader(again, 'location')).toBe(deniedHeader(first, 'location'));
    const loc = new URL(deniedHeader(first, 'location')!);
    for (const name of ['state', 'nonce', 'code_challenge']) expect(loc.searchParams.has(name)).toBe(false);
    const params = Object.fromEntries(loc.searchParams);
    const flows = [await begin(params), await begin(params), await begin(params)];
    for (const name of ['state', 'nonce', 'code_challenge']) {
      expect(new Set(flows.map((f) => f.authorize.searchParams.get(name))).size, name).toBe(3);
    }
    expect(new Set(flows.map((f) => f.stateCookie)).size).toBe(3);
    expect(new Set(flows.map((f) => f.stateName)).size).toBe(3);
  });

  it('start → IdP with password and second factor → callback sets the session and returns to rd', async () => {
    const { page, authorize, stateCookie, stateName } = await begin({ level: 'aal2', max_age: '900', rd: ADMIN, reason: 'acr_insufficient' });
    // The page says what was attempted, why, and what is needed; no external assets.
    expect(page.body).toContain(`${DASH}/admin/users`);
    expect(page.body).toContain('stronger authentication');
    expect(page.body).toContain('one-time code');
    expect(page.body).not.toMatch(/<(script|link|img)\b/);
    expect(page.headers['content-security-policy']).toContain("default-src 'none'");
    // The authorization request: code + PKCE S256, state, nonce, acr_values and max_age.
    expect(authorize.origin).toBe(idp.issuer);
    const q = authorize.searchParams;
    expect(q.get('response_type')).toBe('code');
    expect(q.get('code_challenge_method')).toBe('S256');
    expect(q.get('code_challenge')).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(q.get('acr_values')).toBe('urn:stepgate:aal2');
    expect(q.get('max_age')).toBe('900');
    expect(q.get('prompt')).toBeNull();
    expect(q.get('nonce')).toBeTruthy();
    expect(stateName).toBe(`stepgate_state_${q.get('state')!.slice(0, 12)}`);

    const back = await idp.authorizeHeadless(authorize.href, { user: 'alice', password: 'alice-password', otp: true });
    const done = await callback(back, `${stateName}=${stateCookie}`);
    expect(done.status).toBe(302);
    expect(done.headers.location).toBe(ADMIN);
    const set = setCookies(done);
    expect(set[stateName]).toBe('');
    session = set.stepgate_session!;
    expect(session.split('.')).toHaveLength(5);
    const raw = (done.headers['set-cookie'] as string[]).find((c) => c.startsWith('stepgate_session='))!;
    expect(raw).toMatch(/; Path=\/; Max-Age=\d+; HttpOnly; Secure; SameSite=Lax$/);
    // The browser that proved itself gets a signed device id for the risk engine.
    expect(set.stepgate_device).toMatch(/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]{22}\.[A-Za-z0-9_-]{22}$/);
    device = set.stepgate_device!;
    // A browser that already holds a valid one keeps it.
    const again = await begin({ level: 'aal2', rd: ADMIN });
    const back2 = await idp.authorizeHeadless(again.authorize.href, { user: 'alice', password: 'alice-password', otp: true });
    const done2 = await callback(back2, `${again.stateName}=${again.stateCookie}; stepgate_device=${device}`);
    expect(done2.status).toBe(302);
    expect(setCookies(done2).stepgate_device).toBeUndefined();
    const audit = records.find((r) => r.event === 'stepup.flow' && r.outcome === 'completed');
    expect(audit).toMatchObject({ audit: true, level_required: 'aal2', level_presented: 'aal2', return_host: DASH, status: 302 });
  });

  it('the session cookie is an identity for the Check: allowed at aal2, and the cookie does not go upstream', async () => {
    const res = await dashCheck('/admin/users', { cookie: `grafana_session=g1; stepgate_session=${session}` });
    expect(reasonOf(res)).toBe('allowed');
    expect(okHeader(res, 'x-stepgate-level')).toBe('aal2');
    expect(okHeader(res, 'x-stepgate-email')).toBe('alice@example.test');
    expect(okHeader(res, 'cookie')).toBe('grafana_session=g1');
    // The device cookie is stepgate's too: it never reaches the upstream either.
    const withDevice = await dashCheck('/admin/users', { cookie: `stepgate_session=${session}; stepgate_device=${device}` });
    expect(reasonOf(withDevice)).toBe('allowed');
    expect(okHeader(withDevice, 'cookie')).toBeUndefined();
    expect(withDevice.ok_response?.headers_to_remove).toContain('cookie');
    const only = await dashCheck('/admin/users', { cookie: `stepgate_session=${session}` });
    expect(reasonOf(only)).toBe('allowed');
    expect(only.ok_response?.headers_to_remove).toContain('cookie');
    // Cached after the first decryption.
    expect(only.dynamic_metadata?.fields.token_cache?.stringValue).toBe('hit');
    // A rule above the session's level still challenges it.
    const vault = await dashCheck('/vault/x', { cookie: `stepgate_session=${session}` });
    expect(reasonOf(vault)).toBe('acr_insufficient');
    // The cookie never appears in a log line.
    expect(lines.join('\n')).not.toContain(session);
  });

  it('a replayed callback is refused', async () => {
    const { authorize, stateCookie, stateName } = await begin({ level: 'aal2', rd: ADMIN });
    const back = await idp.authorizeHeadless(authorize.href, { user: 'alice', password: 'alice-password', otp: true });
    expect((await callback(back, `${stateName}=${stateCookie}`)).status).toBe(302);
    const again = await callback(back, `${stateName}=${stateCookie}`);
    expect(again.status).toBe(400);
    expect(pageCode(again.body)).toBe('stepup_replayed');
    expect(auditFor('stepup_replayed')).toMatchObject({ audit: true, outcome: 'failed', status: 400 });
  });

  it('a tampered session cookie is session_invalid through the real gRPC server', async () => {
    const i = Math.floor(session.length / 2);
    const tampered = session.slice(0, i) + (session[i] === 'A' ? 'B' : 'A') + session.slice(i + 1);
    const nav = await dashCheck('/admin/users', { cookie: `stepgate_session=${tampered}` });
    expect(reasonOf(nav)).toBe('session_invalid');
    expect(deniedStatus(nav)).toBe('Found');
    const api = await client.check(checkRequest({ host: DASH, path: '/admin/users', headers: { cookie: `stepgate_session=${tampered}` } }));
    expect(reasonOf(api)).toBe('session_invalid');
    expect(deniedStatus(api)).toBe('Unauthorized');
    // An Authorization header wins over the cookie, even a good cookie.
    const both = await dashCheck('/admin/users', { cookie: `stepgate_session=${session}`, authorization: 'Bearer not.a.jwt' });
    expect(reasonOf(both)).toBe('token_malformed');
  });

  it('an expired session is session_expired', async () => {
    clockOffset = 3700_000;
    try {
      const res = await dashCheck('/', { cookie: `stepgate_session=${session}` });
      expect(reasonOf(res)).toBe('session_expired');
    } finally {
      clockOffset = 0;
    }
  });
});

describe('who am I and sign out, on the real step-up listener (issue 16)', () => {
  // A session of its own: the one above was shown expired, and verdicts are cached.
  let session = '';
  beforeAll(async () => {
    const { authorize, stateCookie, stateName } = await begin({ level: 'aal2', rd: ADMIN });
    const back = await idp.authorizeHeadless(authorize.href, { user: 'alice', password: 'alice-password', otp: true });
    session = setCookies(await callback(back, `${stateName}=${stateCookie}`)).stepgate_session!;
    expect(session).toBeTruthy();
  });

  it('the step-up page names who is signed in and why, from the session cookie', async () => {
    const page = await http(`${base}/.stepgate/start?${new URLSearchParams({ level: 'aal3', rd: ADMIN, reason: 'acr_insufficient' })}`, {
      headers: { cookie: `stepgate_session=${session}` },
    });
    expect(page.status).toBe(200);
    expect(page.body).toMatch(/id="stepgate-who"><code>alice<\/code> at level <code>aal2<\/code>/);
    expect(page.body).not.toContain(session);
    const anonymous = await http(`${base}/.stepgate/start?level=aal2`);
    expect(anonymous.body).toContain('Nobody yet in this browser');
  });

  it('GET /.stepgate/session answers JSON with Accept: application/json, HTML otherwise, never the cookie', async () => {
    const json = await http(`${base}/.stepgate/session`, { headers: { cookie: `stepgate_session=${session}`, accept: 'application/json' } });
    expect(json.status).toBe(200);
    expect(json.headers['content-type']).toBe('application/json');
    const body = JSON.parse(json.body) as Record<string, unknown>;
    expect(body).toMatchObject({ signed_in: true, subject: 'alice', level: 'aal2', issuer: idp.issuer });
    expect(Date.parse(String(body.expires_at)) - Date.parse(String(body.auth_time))).toBe(3600_000);
    expect(json.body).not.toContain(session);
    const html = await http(`${base}/.stepgate/session`, { headers: { cookie: `stepgate_session=${session}`, accept: 'text/html,application/json;q=0.9' } });
    expect(html.headers['content-type']).toContain('text/html');
    expect(html.headers['referrer-policy']).toBe('same-origin');
    expect(html.body).toContain('<code id="stepgate-subject">alice</code>');
    expect(html.body).not.toContain(session);
    for (const [cookie, reason] of [[undefined, 'none'], ['stepgate_session=garbage', 'invalid']] as const) {
      const r = await http(`${base}/.stepgate/session`, { headers: { accept: 'application/json', ...(cookie ? { cookie } : {}) } });
      expect(JSON.parse(r.body)).toEqual({ signed_in: false, reason });
    }
  });

  it.each([
    ['no Origin', {}],
    ['Origin null', { origin: 'null' }],
    ['another origin', { origin: 'https://evil.example.com' }],
    ['a same-site, not same-origin, fetch', { origin: 'ORIGIN', 'sec-fetch-site': 'same-site' }],
  ])('POST /.stepgate/signout with %s is refused and clears nothing', async (_n, headers: Record<string, string>) => {
    const h = Object.fromEntries(Object.entries(headers).map(([k, v]) => [k, v === 'ORIGIN' ? base : v]));
    const res = await http(`${base}/.stepgate/signout`, { method: 'POST', headers: { ...h, cookie: `stepgate_session=${session}` } });
    expect(res.status).toBe(403);
    expect(pageCode(res.body)).toBe('stepup_signout_refused');
    expect(res.headers['set-cookie']).toBeUndefined();
  });

  it('a same-origin POST /.stepgate/signout clears the session, device and state cookies, and only those', async () => {
    const res = await http(`${base}/.stepgate/signout`, {
      method: 'POST',
      headers: { origin: base, 'sec-fetch-site': 'same-origin', cookie: `grafana_session=g1; stepgate_session=${session}; stepgate_device=${device}; stepgate_state_abcdef=x` },
    });
    expect(res.status).toBe(200);
    expect(res.body).toContain('You are signed out of stepgate');
    expect(setCookies(res)).toEqual({ stepgate_session: '', stepgate_device: '', stepgate_state_abcdef: '' });
    const raw = res.headers['set-cookie'] as string[];
    expect(raw.find((c) => c.startsWith('stepgate_session='))).toMatch(/; Path=\/; Max-Age=0;/);
    expect(raw.find((c) => c.startsWith('stepgate_state_abcdef='))).toMatch(/; Path=\/\.stepgate\/; Max-Age=0;/);
    expect(records.some((r) => r.event === 'stepup.flow' && r.outcome === 'signed_out')).toBe(true);
  });

  it('GET /.stepgate/signout is not a route (sign-out only by POST)', async () => {
    const res = await http(`${base}/.stepgate/signout`, { headers: { cookie: `stepgate_session=${session}` } });
    expect(res.status).toBe(404);
    expect(res.headers['set-cookie']).toBeUndefined();
  });
});

describe('callback failures: a clear page, a stable code, an audit record, never a 500', () => {
  it('IdP error access_denied → 403 stepup_access_denied', async () => {
    const { authorize, stateCookie, stateName } = await begin({ level: 'aal2', rd: ADMIN });
    const state = authorize.searchParams.get('state')!;
    const res = await callback(`/.stepgate/callback?error=access_denied&state=${state}`, `${stateName}=${stateCookie}`);
    expect(res.status).toBe(403);
    expect(pageCode(res.body)).toBe('stepup_access_denied');
    expect(auditFor('stepup_access_denied')).toBeDefined();
  });

  it('another IdP error → 401 stepup_idp_error, without echoing hostile text', async () => {
    const { authorize, stateCookie, stateName } = await begin({ level: 'aal2' });
    const state = authorize.searchParams.get('state')!;
    const res = await callback(`/.stepgate/callback?error=${encodeURIComponent('<script>x</script>')}&state=${state}`, `${stateName}=${stateCookie}`);
    expect(res.status).toBe(401);
    expect(pageCode(res.body)).toBe('stepup_idp_error');
    expect(res.body).not.toContain('<script>');
  });

  it('missing state cookie → 400 stepup_state_missing', async () => {
    const { authorize } = await begin({ level: 'aal2' });
    const res = await callback(`/.stepgate/callback?code=x&state=${authorize.searchParams.get('state')!}`);
    expect(res.status).toBe(400);
    expect(pageCode(res.body)).toBe('stepup_state_missing');
    expect(auditFor('stepup_state_missing')).toBeDefined();
  });

  it('state mismatch → 400 stepup_state_mismatch', async () => {
    const a = await begin({ level: 'aal2' });
    const b = await begin({ level: 'aal2' });
    const res = await callback(`/.stepgate/callback?code=x&state=${a.authorize.searchParams.get('state')!}`, `${a.stateName}=${b.stateCookie}`);
    expect(res.status).toBe(400);
    expect(pageCode(res.body)).toBe('stepup_state_mismatch');
  });

  it('expired state → 400 stepup_state_expired', async () => {
    const { authorize, stateCookie, stateName } = await begin({ level: 'aal2' });
    clockOffset = 3601_000;
    try {
      const res = await callback(`/.stepgate/callback?code=x&state=${authorize.searchParams.get('state')!}`, `${stateName}=${stateCookie}`);
      expect(res.status).toBe(400);
      expect(pageCode(res.body)).toBe('stepup_state_expired');
    } finally {
      clockOffset = 0;
    }
  });

  it('a level the IdP did not reach → 403 stepup_level_too_low', async () => {
    const { authorize, stateCookie, stateName } = await begin({ level: 'aal3' });
    const back = await idp.authorizeHeadless(authorize.href, { user: 'alice', password: 'alice-password' });
    const res = await callback(back, `${stateName}=${stateCookie}`);
    expect(res.status).toBe(403);
    expect(pageCode(res.body)).toBe('stepup_level_too_low');
    expect(setCookies(res).stepgate_session).toBeUndefined();
    expect(auditFor('stepup_level_too_low')).toMatchObject({ level_required: 'aal3', level_presented: 'aal1' });
  });

  it('a challenge that keeps the sign-in\'s level: the IdP is asked for sign_in_level, the page says its factor, and the sign-in is accepted at level', async () => {
    // A session at two factors asked a fresher sign-in for a one-factor page (policy.keptLevel).
    const { page, authorize, stateCookie, stateName } = await begin({ level: 'aal1', sign_in_level: 'aal2', max_age: '300', reason: 'auth_too_old' });
    expect(page.body).toContain('one-time code');
    expect(formFields(page.body).get('sign_in_level')).toBe('aal2');
    expect(authorize.searchParams.get('acr_values')).toBe('urn:stepgate:aal2');
    const back = await idp.authorizeHeadless(authorize.href, { user: 'alice', password: 'alice-password', otp: true });
    const done = await callback(back, `${stateName}=${stateCookie}`);
    // No rd: the signed-in page.
    expect(done.status).toBe(200);
    expect(setCookies(done).stepgate_session).toBeTruthy();
  });

  it('an unknown sign_in_level → 400 stepup_request_invalid; one below level asks level', async () => {
    const bad = await http(`${base}/.stepgate/start?level=aal1&sign_in_level=aal9`);
    expect(bad.status).toBe(400);
    expect(pageCode(bad.body)).toBe('stepup_request_invalid');
    const { authorize } = await begin({ level: 'aal2', sign_in_level: 'aal1' });
    expect(authorize.searchParams.get('acr_values')).toBe('urn:stepgate:aal2');
  });

  it('an authentication older than max_age → 403 stepup_auth_too_old', async () => {
    const { authorize, stateCookie, stateName } = await begin({ level: 'aal1', max_age: '300', reason: 'auth_too_old' });
    expect(authorize.searchParams.get('prompt')).toBe('login');
    const back = await idp.authorizeHeadless(authorize.href, { user: 'alice', password: 'alice-password' });
    clockOffset = 1000_000;
    try {
      const res = await callback(back, `${stateName}=${stateCookie}`);
      expect(res.status).toBe(403);
      expect(pageCode(res.body)).toBe('stepup_auth_too_old');
    } finally {
      clockOffset = 0;
    }
  });

  it('a forged code → 401 stepup_code_rejected', async () => {
    const { authorize, stateCookie, stateName } = await begin({ level: 'aal1' });
    const state = authorize.searchParams.get('state')!;
    const res = await callback(`/.stepgate/callback?code=forged&state=${state}&iss=${encodeURIComponent(idp.issuer)}`, `${stateName}=${stateCookie}`);
    expect(res.status).toBe(401);
    expect(pageCode(res.body)).toBe('stepup_code_rejected');
  });

  it('a callback naming another issuer (RFC 9207 iss) → 401 stepup_issuer_mismatch, not the forged-code page', async () => {
    const { authorize, stateCookie, stateName } = await begin({ level: 'aal1', rd: ADMIN });
    const state = authorize.searchParams.get('state')!;
    const res = await http(`${base}/.stepgate/callback?code=anything&state=${state}&iss=${encodeURIComponent('https://evil.example.com')}`, {
      headers: { cookie: `${stateName}=${stateCookie}`, 'x-request-id': 'req-issuer-42', traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01' },
    });
    expect(res.status).toBe(401);
    expect(pageCode(res.body)).toBe('stepup_issuer_mismatch');
    // Back to where the user was going, and the ids an admin searches the audit log for.
    expect(res.body).toContain('id="stepgate-back" href="https://grafana.example.com/admin/users?tab=1"');
    expect(res.body).toContain('<code id="stepgate-request-id">req-issuer-42</code>');
    expect(res.body).toContain('<code id="stepgate-trace-id">4bf92f3577b34da6a3ce929d0e0e4736</code>');
    const audit = auditFor('stepup_issuer_mismatch');
    expect(audit).toMatchObject({ request_id: 'req-issuer-42', trace_id: '4bf92f3577b34da6a3ce929d0e0e4736' });
  });

  it.each([
    ['an open redirect', { rd: '//evil.com' }, 'stepup_return_refused'],
    ['a host outside return_hosts', { rd: 'https://evil.com/' }, 'stepup_return_refused'],
    ['an unknown level', { level: 'root' }, 'stepup_request_invalid'],
    ['a bad max_age', { max_age: '-1' }, 'stepup_request_invalid'],
  ])('start refuses %s with 400', async (_n, params, code) => {
    const res = await http(`${base}/.stepgate/start?${new URLSearchParams(params as Record<string, string>)}`);
    expect(res.status).toBe(400);
    expect(pageCode(res.body)).toBe(code);
    expect(res.body).not.toContain('evil.com');
  });

  it('no failure body carries a stack trace', () => {
    expect(lines.join('\n')).not.toMatch(/\n\s+at /);
  });
});
