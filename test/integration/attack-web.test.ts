import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDevIdp, type DevIdp } from '../../demo/idp.js';
import { parseConfig } from '../../src/config/load.js';
import { startService, type Service } from '../../src/main.js';
import { createLogger } from '../../src/telemetry/log.js';
import { TestIssuer } from '../support/issuer.js';
import { exampleYaml } from '../support/workday-service.js';
import { CLIENT_ID, CLIENT_SECRET, formFields, freePort, http, pageCode, sessionOf, setCookies, stepupConfigYaml, stepupEnv, type HttpResult } from '../support/stepup.js';

/**
 * Black-box attacks on the browser side of stepgate: its own /.stepgate/ routes (start, continue,
 * callback, sign-out, session), its cookies, and what the HTTP ext_authz listener answers a
 * browser. A real OpenID Provider on loopback (demo/idp.ts) and the real service; every request
 * is plain HTTP, as a hostile page or a hostile client would send it. 127.0.0.2 is the trusted
 * proxy, 127.0.0.1 is not.
 */

const DASH = 'grafana.example.com';
const NAV = { accept: 'text/html', 'sec-fetch-mode': 'navigate' };
const FORM = { 'content-type': 'application/x-www-form-urlencoded' };
/** What a browser adds to a form POST from the step-up page: its own origin. */
let SAME_ORIGIN: Record<string, string> = {};
const OTHER_CLIENT = 'other-app';

let idp: DevIdp;
let service: Service;
let base: string;
let authz: string;
let redirect: string;
/** Alice's two-factor session, and the cookies her step-up left. */
let alice: { session: string; device: string };
let aal1Token = '';

beforeAll(async () => {
  const httpPort = await freePort();
  base = `http://127.0.0.1:${httpPort}`;
  SAME_ORIGIN = { origin: base, 'sec-fetch-site': 'same-origin' };
  redirect = `${base}/.stepgate/callback`;
  idp = await startDevIdp({
    clients: [
      { client_id: CLIENT_ID, client_secret: CLIENT_SECRET, redirect_uris: [redirect] },
      // Another application at the same IdP that (carelessly) registered stepgate's redirect URI.
      { client_id: OTHER_CLIENT, client_secret: 'other-secret', redirect_uris: [redirect] },
    ],
  });
  const config = parseConfig(stepupConfigYaml({ idp: idp.issuer, httpPort }), 'attack-web.yaml');
  service = await startService(config, stepupEnv(), undefined, {});
  authz = `http://127.0.0.1:${service.authzHttp!.port}`;
  aal1Token = await idp.idToken({ client_id: CLIENT_ID, client_secret: CLIENT_SECRET, redirect_uri: redirect, user: 'alice', password: 'alice-password' });
  alice = await signIn('alice', 'alice-password');
});

afterAll(async () => {
  await service?.stop();
  await idp?.close();
});

const ADMIN = `https://${DASH}/admin/users`;

/** start → continue: the authorization request and its state cookie. */
async function begin(params: Record<string, string>): Promise<{ authorize: URL; cookie: string; state: string }> {
  const page = await http(`${base}/.stepgate/start?${new URLSearchParams(params)}`);
  expect(page.status).toBe(200);
  const cont = await http(`${base}/.stepgate/continue`, { method: 'POST', headers: { ...FORM, ...SAME_ORIGIN }, body: formFields(page.body).toString() });
  expect(cont.status).toBe(302);
  const [name, value] = Object.entries(setCookies(cont))[0]!;
  const authorize = new URL(cont.headers.location as string);
  return { authorize, cookie: `${name}=${value}`, state: authorize.searchParams.get('state')! };
}

function callback(url: string, cookie?: string): Promise<HttpResult> {
  const u = new URL(url, base);
  return http(`${base}${u.pathname}${u.search}`, cookie ? { headers: { cookie } } : {});
}

async function signIn(user: string, password: string): Promise<{ session: string; device: string }> {
  const f = await begin({ level: 'aal2', max_age: '900', rd: ADMIN });
  const back = await idp.authorizeHeadless(f.authorize.href, { user, password, otp: true });
  const done = await callback(back, f.cookie);
  expect(done.status).toBe(302);
  const c = setCookies(done);
  return { session: c.stepgate_session!, device: c.stepgate_device! };
}

const whoAmI = (cookie: string) => sessionOf(base, cookie);

/** A refusal page: its code, and no redirect and no cookie of any kind. */
function expectRefused(r: HttpResult, code: string): void {
  expect(pageCode(r.body)).toBe(code);
  expect(r.status).toBeGreaterThanOrEqual(400);
  expect(r.headers.location).toBeUndefined();
}

describe('open redirect: rd on /.stepgate/start and on a forged /.stepgate/continue form', () => {
  const hostile = [
    'https://evil.example/',
    '//evil.example/',
    '\\\\evil.example\\',
    '/\\evil.example',
    'https:evil.example',
    'https:/evil.example',
    'https:\\\\evil.example',
    `https://${DASH}@evil.example/`,
    `https://${DASH}:443@evil.example/`,
    `https://evil.example\\@${DASH}/`,
    `https://evil.example#@${DASH}/`,
    `https://evil.example?@${DASH}/`,
    `https://evil.example/.${DASH}`,
    `https://${DASH}.evil.example/`,
    `https://${DASH}%2F%2Fevil.example/`,
    `https://evil.example%2F${DASH}/`,
    `https://grafana\u3002example\u3002com/`,
    `https://grafana\uff0eexample.com/`,
    `https://${DASH}\u2024evil.example/`,
    `javascript:alert(document.cookie)//${DASH}/`,
    `JaVaScRiPt://${DASH}/%0aalert(1)`,
    `data:text/html,<script>alert(1)</script>//${DASH}`,
    `vbscript://${DASH}/`,
    `ftp://${DASH}/`,
    `https://${DASH}/\r\nSet-Cookie: stepgate_session=x`,
    `https://${DASH}/\nLocation: https://evil.example/`,
    `https://${DASH}\t.evil.example/`,
    ` https://${DASH}/`,
    `https://${DASH}:0/`,
    `https://${DASH}:99999/`,
    `https://${DASH}:443:80/`,
    `https://[::ffff:127.0.0.1]/`,
    'https://0x7f.1/',
    `https://${DASH.toUpperCase()}./`,
    `http://${DASH}\u0000.evil.example/`,
  ];

  it.each(hostile)('start refuses rd=%j without a redirect', async (rd) => {
    const r = await http(`${base}/.stepgate/start?${new URLSearchParams({ level: 'aal2', rd })}`);
    expectRefused(r, 'stepup_return_refused');
    expect(r.headers['set-cookie']).toBeUndefined();
    expect(r.body).not.toContain('evil.example');
  });

  it('a forged continue form with any of them starts no flow: no state cookie, no IdP redirect', async () => {
    for (const rd of hostile) {
      const r = await http(`${base}/.stepgate/continue`, { method: 'POST', headers: { ...FORM, ...SAME_ORIGIN }, body: new URLSearchParams({ level: 'aal2', rd }).toString() });
      expectRefused(r, 'stepup_return_refused');
      expect(r.headers['set-cookie'], rd).toBeUndefined();
    }
  });

  it('control: an allowed host passes, and the callback returns exactly there', async () => {
    const rd = `https://${DASH}/admin/users?q=%27%22%3C&x=1#frag`;
    const f = await begin({ level: 'aal2', rd });
    const back = await idp.authorizeHeadless(f.authorize.href, { user: 'alice', password: 'alice-password', otp: true });
    const done = await callback(back, f.cookie);
    expect(done.status).toBe(302);
    expect(done.headers.location).toBe(rd);
  });

  it('a hostile Referer never becomes the Cancel link: Cancel goes to the root of rd\'s site', async () => {
    for (const referer of ['https://evil.example/', `https://${DASH}@evil.example/`, `javascript:alert(1)//${DASH}/`, `//evil.example/`, `https://${DASH}.evil.example/x`]) {
      const r = await http(`${base}/.stepgate/start?${new URLSearchParams({ level: 'aal2', rd: ADMIN })}`, { headers: { referer } });
      expect(r.status).toBe(200);
      const cancel = /id="stepgate-cancel" href="([^"]*)"/.exec(r.body)?.[1];
      expect(cancel, referer).toBe(`https://${DASH}/`);
      expect(r.body).not.toContain('evil.example');
      expect(r.body).not.toContain('javascript:');
    }
  });
});

describe('what the step-up page echoes', () => {
  it('markup in rd\'s path and query is escaped, never live', async () => {
    const rd = `https://${DASH}/admin/'onmouseover='alert(1)'/<svg/onload=alert(1)>?a="><script>alert(1)</script>`;
    const r = await http(`${base}/.stepgate/start?${new URLSearchParams({ level: 'aal2', rd })}`);
    expect(r.status).toBe(200);
    expect(r.body).not.toMatch(/<(script|svg)\b/i);
    expect(r.body).not.toMatch(/'onmouseover='/);
    // Only the page's own attributes, all double-quoted; the apostrophe stays inside one.
    expect(r.headers['content-security-policy']).toContain("default-src 'none'");
    expect(r.headers['x-frame-options'] ?? r.headers['content-security-policy']).toMatch(/DENY|frame-ancestors 'none'/i);
  });

  it('reason, context and since from a hand-made link are never echoed', async () => {
    const r = await http(`${base}/.stepgate/start?${new URLSearchParams({ level: 'aal2', rd: ADMIN, reason: '<b>pwned</b>', context: '<i>x</i>', since: '<u>1</u>' })}`);
    expect(r.status).toBe(200);
    expect(r.body).not.toContain('pwned');
    expect(r.body).not.toMatch(/<(b|i|u)>/);
  });

  it('an IdP error_description and error_uri are not shown', async () => {
    const f = await begin({ level: 'aal2', rd: ADMIN });
    const r = await callback(`/.stepgate/callback?${new URLSearchParams({ state: f.state, error: 'server_error', error_description: '<script>alert(1)</script> call +1-555-SCAM', error_uri: 'https://evil.example/' })}`, f.cookie);
    expect(pageCode(r.body)).toBe('stepup_idp_error');
    expect(r.body).not.toContain('SCAM');
    expect(r.body).not.toContain('evil.example');
  });
});

describe('the step-up listener under hostile headers and query strings', () => {
  it('Host and X-Forwarded-Host on the step-up listener change neither the IdP redirect_uri nor any link', async () => {
    const hostile = { host: 'evil.example', 'x-forwarded-host': 'evil.example', 'x-forwarded-proto': 'javascript', 'x-original-url': '/x' };
    const page = await http(`${base}/.stepgate/start?${new URLSearchParams({ level: 'aal2', rd: ADMIN })}`, { headers: hostile });
    expect(page.status).toBe(200);
    expect(page.body).not.toContain('evil.example');
    const cont = await http(`${base}/.stepgate/continue`, { method: 'POST', headers: { ...FORM, ...SAME_ORIGIN, ...hostile }, body: formFields(page.body).toString() });
    expect(cont.status).toBe(302);
    const authorize = new URL(cont.headers.location as string);
    expect(authorize.origin).toBe(idp.issuer);
    expect(authorize.searchParams.get('redirect_uri')).toBe(redirect);
  });

  it('a continue POST with the right Origin but a forged Host is still judged by stepup.url, not by Host', async () => {
    const r = await http(`${base}/.stepgate/continue`, { method: 'POST', headers: { ...FORM, host: 'evil.example', origin: 'http://evil.example' }, body: new URLSearchParams({ level: 'aal2', rd: ADMIN }).toString() });
    expectRefused(r, 'stepup_continue_refused');
  });

  it('malformed percent-encoding, odd and repeated parameters on every GET route: a page or a refusal, never a 500', async () => {
    const queries = [
      'rd=%E0%A4%A&level=aal2',
      'rd=%&level=%',
      'level=aal2&level=aal3&rd=https%3A%2F%2Fgrafana.example.com%2F&rd=https%3A%2F%2Fevil.example%2F',
      'level=__proto__&reason=constructor&context=toString&since=1e999',
      'max_age=-1&level=aal2',
      'max_age=1e3&level=aal2',
      'max_age=99999999999&level=aal2',
      `rd=${'a'.repeat(9000)}`,
      'state=%00&code=%00',
      `state=${'s'.repeat(300)}&code=x`,
      'error=%3Cscript%3E&state=abc',
    ];
    for (const route of ['/.stepgate/start', '/.stepgate/callback', '/.stepgate/session']) {
      for (const q of queries) {
        const r = await http(`${base}${route}?${q}`);
        expect(r.status, `${route}?${q.slice(0, 80)}`).toBeLessThan(500);
        expect(r.body).not.toMatch(/<script|evil\.example/);
      }
    }
  });
});

describe('OIDC callback', () => {
  it('a code from another browser\'s flow cannot be redeemed with this browser\'s state (PKCE and nonce bind it)', async () => {
    const victim = await begin({ level: 'aal2', rd: ADMIN });
    const attacker = await begin({ level: 'aal2', rd: ADMIN });
    const back = new URL(await idp.authorizeHeadless(attacker.authorize.href, { user: 'bob', password: 'bob-password', otp: true }));
    // The attacker's code, under the victim's state, with the victim's cookie.
    back.searchParams.set('state', victim.state);
    const r = await callback(back.href, victim.cookie);
    expect(r.status).toBeGreaterThanOrEqual(400);
    expect(setCookies(r).stepgate_session ?? '').toBe('');
    expect(['stepup_code_rejected', 'stepup_token_invalid', 'stepup_nonce_mismatch']).toContain(pageCode(r.body));
  });

  it('the state cookie of one flow, renamed for another flow\'s state, is a mismatch', async () => {
    const a = await begin({ level: 'aal2', rd: ADMIN });
    const b = await begin({ level: 'aal2', rd: ADMIN });
    const back = await idp.authorizeHeadless(b.authorize.href, { user: 'alice', password: 'alice-password', otp: true });
    const renamed = `stepgate_state_${b.state.slice(0, 12)}=${a.cookie.split('=').slice(1).join('=')}`;
    const r = await callback(back, renamed);
    expectRefused(r, 'stepup_state_mismatch');
    expect(setCookies(r).stepgate_session).toBeUndefined();
  });

  it('a login completed in the attacker\'s browser cannot be finished in the victim\'s (no flow cookie there)', async () => {
    const f = await begin({ level: 'aal2', rd: ADMIN });
    const back = await idp.authorizeHeadless(f.authorize.href, { user: 'bob', password: 'bob-password', otp: true });
    // The victim's browser holds its own session and an unrelated flow cookie, not the attacker's.
    const other = await begin({ level: 'aal2', rd: ADMIN });
    const r = await callback(back, `stepgate_session=${alice.session}; ${other.cookie}`);
    expectRefused(r, 'stepup_state_missing');
    expect(setCookies(r).stepgate_session).toBeUndefined();
  });

  it('a code issued to another client of the IdP (same redirect URI) is refused', async () => {
    const f = await begin({ level: 'aal2', rd: ADMIN });
    const foreign = new URL(f.authorize.href);
    foreign.searchParams.set('client_id', OTHER_CLIENT);
    const back = await idp.authorizeHeadless(foreign.href, { user: 'bob', password: 'bob-password', otp: true });
    const r = await callback(back, f.cookie);
    expect(r.status).toBeGreaterThanOrEqual(400);
    expect(setCookies(r).stepgate_session ?? '').toBe('');
  });

  it('a callback without a code, with a code and no state, or with two states, mints nothing', async () => {
    const f = await begin({ level: 'aal2', rd: ADMIN });
    const back = new URL(await idp.authorizeHeadless(f.authorize.href, { user: 'alice', password: 'alice-password', otp: true }));
    const noCode = new URL(back);
    noCode.searchParams.delete('code');
    const noState = new URL(back);
    noState.searchParams.delete('state');
    const twoStates = new URL(back);
    twoStates.searchParams.append('state', 'x'.repeat(43));
    for (const u of [noState, noCode, twoStates]) {
      const r = await callback(u.href, f.cookie);
      expect(r.status, u.search).toBeGreaterThanOrEqual(400);
      expect(setCookies(r).stepgate_session ?? '', u.search).toBe('');
    }
  });
});

describe('the step-up flow tampered with by its own user (bob: his password, no second factor)', () => {
  // The authorization request is in the user's hands between continue and the IdP: what it asks
  // the IdP for is a wish; what the callback accepts comes from the sealed state cookie.
  it.each<[string, (u: URL) => void]>([
    ['acr_values removed', (u) => u.searchParams.delete('acr_values')],
    ['acr_values lowered to aal1', (u) => u.searchParams.set('acr_values', 'urn:stepgate:aal1')],
    ['acr_values lowered, max_age and prompt removed', (u) => {
      u.searchParams.set('acr_values', 'urn:stepgate:aal1');
      u.searchParams.delete('max_age');
      u.searchParams.delete('prompt');
    }],
  ])('%s in the authorization request: the IdP signs in with one factor, the callback refuses it (stepup_level_too_low)', async (_what, tamper) => {
    const f = await begin({ level: 'aal2', max_age: '900', rd: ADMIN });
    const asked = new URL(f.authorize.href);
    tamper(asked);
    const back = await idp.authorizeHeadless(asked.href, { user: 'bob', password: 'bob-password' });
    const r = await callback(back, f.cookie);
    expect(r.status).toBe(403);
    expect(pageCode(r.body)).toBe('stepup_level_too_low');
    expect(setCookies(r).stepgate_session ?? '').toBe('');
    expect(r.headers.location).toBeUndefined();
  });

  it('a start link lowered to level=aal1 mints a one-factor session, which the admin page still challenges for aal2', async () => {
    const f = await begin({ level: 'aal1', rd: ADMIN });
    const back = await idp.authorizeHeadless(f.authorize.href, { user: 'bob', password: 'bob-password' });
    const done = await callback(back, f.cookie);
    expect(done.status).toBe(302);
    const session = setCookies(done).stepgate_session!;
    expect((await whoAmI(`stepgate_session=${session}`)).signed_in).toBe(true);
    const r = await http(`${authz}/admin/users`, { headers: { host: DASH, ...NAV, cookie: `stepgate_session=${session}` } });
    expect(r.status).toBe(302);
    const loc = new URL(r.headers.location as string);
    expect(loc.searchParams.get('level')).toBe('aal2');
    expect(loc.searchParams.get('reason')).toBe('acr_insufficient');
  });

  it('a start link with a ten-year max_age asks the IdP for at most the session lifetime', async () => {
    const f = await begin({ level: 'aal2', max_age: String(10 * 365 * 86_400), rd: ADMIN });
    expect(f.authorize.searchParams.get('max_age')).toBe('3600');
  });

  it('return_to is no return parameter: the flow ends on stepgate\'s own page, not at the URL it names', async () => {
    const page = await http(`${base}/.stepgate/start?${new URLSearchParams({ level: 'aal2', return_to: 'https://evil.example/' })}`);
    expect(page.status).toBe(200);
    expect(page.body).not.toContain('evil.example');
    const f = await begin({ level: 'aal2', return_to: 'https://evil.example/' });
    const back = await idp.authorizeHeadless(f.authorize.href, { user: 'alice', password: 'alice-password', otp: true });
    const done = await callback(back, f.cookie);
    expect(done.status).toBe(200);
    expect(done.headers.location).toBeUndefined();
  });

  it('two rd parameters: the first is the one judged and the one returned to', async () => {
    const evil = await http(`${base}/.stepgate/start?rd=${encodeURIComponent('https://evil.example/')}&rd=${encodeURIComponent(ADMIN)}&level=aal2`);
    expectRefused(evil, 'stepup_return_refused');
    const page = await http(`${base}/.stepgate/start?rd=${encodeURIComponent(ADMIN)}&rd=${encodeURIComponent('https://evil.example/')}&level=aal2`);
    expect(page.status).toBe(200);
    expect(formFields(page.body).getAll('rd')).toEqual([ADMIN]);
  });

  it.each([
    `https://${DASH}%00.evil.example/`,
    `https://${DASH}\u200b.evil.example/`,
    `https://${DASH}\u2028/`,
    `https://evil.example%40${DASH}/`,
    `https://${DASH}%252F@evil.example/`,
    `https://${DASH};@evil.example/`,
    `http://${DASH}@@evil.example/`,
    `https%3A%2F%2Fevil.example%2F`,
    `HTTPS://EVIL.EXAMPLE/`,
    `https://[${DASH}]/`,
    'https://xn--grafana-ql7c.example.com/',
    `https://${DASH}:443\\@evil.example/`,
  ])('start refuses rd=%j (another encoding) without a redirect', async (rd) => {
    const r = await http(`${base}/.stepgate/start?${new URLSearchParams({ level: 'aal2', rd })}`);
    expectRefused(r, 'stepup_return_refused');
    expect(r.body).not.toContain('evil.example');
  });
});

describe('cookies', () => {
  it('the session, device and state cookies are HttpOnly, Secure and SameSite=Lax; the state cookie is limited to /.stepgate/', async () => {
    const f = await begin({ level: 'aal2', rd: ADMIN });
    const back = await idp.authorizeHeadless(f.authorize.href, { user: 'alice', password: 'alice-password', otp: true });
    const done = await callback(back, f.cookie);
    const all = (done.headers['set-cookie'] ?? []) as string[];
    const byName = (n: string) => all.find((c) => c.startsWith(`${n}=`) && !/Max-Age=0(;|$)/.test(c))!;
    for (const n of ['stepgate_session', 'stepgate_device']) {
      expect(byName(n), n).toMatch(/; HttpOnly/);
      expect(byName(n), n).toMatch(/; Secure/);
      expect(byName(n), n).toMatch(/; SameSite=(Lax|Strict)/);
      expect(byName(n), n).toMatch(/; Path=\//);
    }
    const cont = await http(`${base}/.stepgate/continue`, { method: 'POST', headers: { ...FORM, ...SAME_ORIGIN }, body: new URLSearchParams({ level: 'aal2', rd: ADMIN }).toString() });
    const state = cont.headers['set-cookie']![0]!;
    expect(state).toMatch(/; Path=\/\.stepgate\/;/);
    expect(state).toMatch(/; HttpOnly/);
    expect(state).toMatch(/; Secure/);
  });

  it('a session cookie name inside another cookie\'s value is not the session (a browser sends one cookie there)', async () => {
    // An application on the same site that reflects text into a cookie value ("last search") lets
    // an attacker plant `stepgate_session=<attacker's session>` inside it: browsers split cookies
    // on ';' only, so that is one cookie named `app`, and stepgate must read it the same way.
    const planted = `app=x stepgate_session=${alice.session}`;
    expect(await whoAmI(planted)).toEqual({ signed_in: false, reason: 'none' });
    const r = await http(`${authz}/admin/users`, { headers: { host: DASH, cookie: planted, ...NAV } });
    expect(r.status).toBe(302);
    expect(r.headers['x-stepgate-subject']).toBeUndefined();
  });

  it('control: the session cookie after another cookie, as browsers join them, is the session', async () => {
    expect(await whoAmI(`app=x; stepgate_session=${alice.session}`)).toMatchObject({ signed_in: true, subject: 'alice' });
    const r = await http(`${authz}/admin/users`, { headers: { host: DASH, cookie: `app=x; stepgate_session=${alice.session}`, ...NAV } });
    expect(r.status).toBe(200);
    expect(r.headers.cookie).toBe('app=x');
  });

  it('a session cookie with a flipped byte, truncated, or doubled is never a session', async () => {
    const s = alice.session;
    const flip = s.slice(0, 40) + (s[40] === 'A' ? 'B' : 'A') + s.slice(41);
    for (const v of [flip, s.slice(0, -5), `${s}${s}`, `${s}.x`, s.split('.').reverse().join('.')]) {
      expect((await whoAmI(`stepgate_session=${v}`)).signed_in).toBe(false);
      const r = await http(`${authz}/admin/users`, { headers: { host: DASH, cookie: `stepgate_session=${v}`, ...NAV } });
      expect(r.status).toBe(302);
    }
  });

  it('a session cookie sent as a bearer token, or an ID token sent as the session cookie, is neither credential', async () => {
    const asBearer = await http(`${authz}/d/home`, { headers: { host: DASH, authorization: `Bearer ${alice.session}` } });
    expect(asBearer.status).toBe(401);
    expect(asBearer.headers['x-stepgate-subject']).toBeUndefined();
    const asCookie = await http(`${authz}/d/home`, { headers: { host: DASH, cookie: `stepgate_session=${aal1Token}`, ...NAV } });
    expect(asCookie.status).toBe(302);
    expect((await whoAmI(`stepgate_session=${aal1Token}`)).signed_in).toBe(false);
  });

  it('an oversized Cookie header is an answer, never a crash or an allow', async () => {
    const big = `stepgate_session=${alice.session}; ${Array.from({ length: 400 }, (_, i) => `c${i}=${'x'.repeat(100)}`).join('; ')}`;
    const r = await http(`${authz}/admin/users`, { headers: { host: DASH, cookie: big, ...NAV } });
    expect([302, 400, 401, 403, 413, 431]).toContain(r.status);
    const s = await http(`${base}/.stepgate/session`, { headers: { cookie: big, accept: 'application/json' } });
    expect(s.status).not.toBe(500);
  });
});

describe('flow cookies piling up', () => {
  it('six step-ups started with long return URLs (six tabs, or a page that posts the form six times) still let the last one finish', async () => {
    const long = `https://${DASH}/admin/users?q=${'a'.repeat(1900)}`;
    const flows: { authorize: URL; cookie: string; state: string }[] = [];
    let jar: string[] = [];
    for (let i = 0; i < 6; i++) {
      const cont = await http(`${base}/.stepgate/continue`, { method: 'POST', headers: { ...FORM, ...SAME_ORIGIN, ...(jar.length ? { cookie: jar.join('; ') } : {}) }, body: new URLSearchParams({ level: 'aal2', rd: long }).toString() });
      expect(cont.status, `continue ${i}: ${pageCode(cont.body)}`).toBe(302);
      // What the browser keeps: every cookie set, minus those cleared.
      for (const [name, value] of Object.entries(setCookies(cont))) {
        jar = jar.filter((c) => !c.startsWith(`${name}=`));
        if (value !== '') jar.push(`${name}=${value}`);
      }
      const authorize = new URL(cont.headers.location as string);
      flows.push({ authorize, cookie: '', state: authorize.searchParams.get('state')! });
    }
    // At most two flows live at once: each new one clears the older ones, so the Cookie header on
    // /.stepgate/ stays under a proxy's 8 KiB line however many are started.
    expect(jar.filter((c) => c.startsWith('stepgate_state_'))).toHaveLength(2);
    expect(jar.join('; ').length).toBeLessThan(8192);
    const last = flows.at(-1)!;
    const back = await idp.authorizeHeadless(last.authorize.href, { user: 'alice', password: 'alice-password', otp: true });
    const done = await callback(back, jar.join('; '));
    expect(done.status).toBe(302);
    expect(done.headers.location).toBe(long);
  });
});

describe('double callbacks', () => {
  it('the same callback sent twice at once mints one session at most', async () => {
    const f = await begin({ level: 'aal2', rd: ADMIN });
    const back = await idp.authorizeHeadless(f.authorize.href, { user: 'alice', password: 'alice-password', otp: true });
    const answers = await Promise.all([callback(back, f.cookie), callback(back, f.cookie), callback(back, f.cookie)]);
    const minted = answers.filter((r) => (setCookies(r).stepgate_session ?? '') !== '');
    expect(minted).toHaveLength(1);
    for (const r of answers) if (r !== minted[0]) expect(['stepup_replayed', 'stepup_code_rejected']).toContain(pageCode(r.body));
  });
});

/** Raw bytes to the HTTP ext_authz listener; the status code of every answer it wrote, in order. */
function raw(bytes: string, waitMs = 3000): Promise<string[]> {
  return new Promise((resolve, reject) => {
    const socket = connect(service.authzHttp!.port, '127.0.0.1', () => socket.write(bytes));
    let out = '';
    socket.setTimeout(waitMs, () => socket.destroy());
    socket.on('data', (d: Buffer) => (out += d.toString('latin1')));
    socket.on('close', () => resolve([...out.matchAll(/HTTP\/1\.1 (\d{3})/g)].map((m) => m[1]!)));
    socket.on('error', reject);
  });
}

describe('request framing a gateway should never send, on the HTTP ext_authz listener (one-factor token)', () => {
  const lines = (first: string, headers: string[], body = '', close = true) =>
    `${first}\r\n${[`host: ${DASH}`, `authorization: Bearer ${aal1Token}`, ...(close ? ['connection: close'] : []), ...headers].join('\r\n')}\r\n\r\n${body}`;
  // The dashboard home, which this token may open: a framing stepgate accepted would be a 200.
  it.each<[string, () => string]>([
    ['two different Content-Length headers', () => lines('POST /d/home HTTP/1.1', ['content-length: 0', 'content-length: 5'], 'hello')],
    ['Content-Length beside Transfer-Encoding: chunked', () => lines('POST /d/home HTTP/1.1', ['content-length: 4', 'transfer-encoding: chunked'], '0\r\n\r\n')],
    ['Transfer-Encoding: xchunked', () => lines('POST /d/home HTTP/1.1', ['transfer-encoding: xchunked'], '0\r\n\r\n')],
    ['a folded header line', () => lines('GET /d/home HTTP/1.1', ['x-a: 1', ' continued'])],
    ['a header name with a space before the colon', () => lines('GET /d/home HTTP/1.1', ['transfer-encoding : chunked'])],
    ['a NUL in a header value', () => lines('GET /d/home HTTP/1.1', ['x-a: a\u0000b'])],
  ])('%s: refused, one answer at most', async (_what, bytes) => {
    const statuses = await raw(bytes());
    expect(statuses.length).toBeLessThanOrEqual(1);
    expect(statuses).not.toContain('200');
  });

  it('a request hidden in a GET body is body, not a second request: one answer, for the outer one', async () => {
    const inner = `GET /d/home HTTP/1.1\r\nhost: ${DASH}\r\nauthorization: Bearer ${aal1Token}\r\n\r\n`;
    // Keep-alive, so that a second answer would have a connection to be written on.
    expect(await raw(lines('GET /admin/users HTTP/1.1', [`content-length: ${inner.length}`], inner, false), 500)).toEqual(['401']);
  });

  it('control: the same token for the dashboard home is a 200, and the listener is still up', async () => {
    expect(await raw(lines('GET /d/home HTTP/1.1', []))).toEqual(['200']);
  });
});

describe('cross-origin reads', () => {
  it('no stepgate answer grants CORS to another origin', async () => {
    const origin = { origin: 'https://evil.example' };
    const answers = [
      await http(`${base}/.stepgate/session`, { headers: { ...origin, cookie: `stepgate_session=${alice.session}`, accept: 'application/json' } }),
      await http(`${base}/.stepgate/start?${new URLSearchParams({ level: 'aal2', rd: ADMIN })}`, { headers: origin }),
      await http(`${authz}/admin/users`, { headers: { ...origin, host: DASH, cookie: `stepgate_session=${alice.session}` } }),
      await http(`${base}/.stepgate/session`, { method: 'OPTIONS', headers: { ...origin, 'access-control-request-method': 'GET' } }),
    ];
    for (const r of answers) {
      expect(r.headers['access-control-allow-origin']).toBeUndefined();
      expect(r.headers['access-control-allow-credentials']).toBeUndefined();
    }
  });
});

describe('cross-site requests to state-changing routes', () => {
  const refused: [string, Record<string, string>][] = [
    ['no Origin', {}],
    ['Origin null', { origin: 'null' }],
    ['another site', { origin: 'https://evil.example' }],
    ['the same host on another port', { origin: 'http://127.0.0.1:1' }],
    ['the same origin but Sec-Fetch-Site cross-site', { origin: '', 'sec-fetch-site': 'cross-site' }],
    ['the same origin but Sec-Fetch-Site same-site', { origin: '', 'sec-fetch-site': 'same-site' }],
  ];
  it.each(refused)('sign-out with %s is refused and ends nothing', async (_name, h) => {
    const headers: Record<string, string> = { ...FORM, cookie: `stepgate_session=${alice.session}`, ...h };
    if (h.origin === '') headers.origin = base;
    const r = await http(`${base}/.stepgate/signout`, { method: 'POST', headers, body: '' });
    expectRefused(r, 'stepup_signout_refused');
    expect(r.status).toBe(403);
    expect(r.headers['set-cookie']).toBeUndefined();
    expect(await whoAmI(`stepgate_session=${alice.session}`)).toMatchObject({ signed_in: true });
  });
});

describe('a step-up started by another site', () => {
  // Without this, any page can auto-submit the Continue form: the browser is sent to the IdP
  // without ever seeing what it is asked to confirm (an IdP with a live session answers at once),
  // and every such post leaves a flow cookie of up to 3 KiB on stepgate's path.
  const refused: [string, Record<string, string>][] = [
    ['no Origin', {}],
    ['Origin null', { origin: 'null' }],
    ['another site', { origin: 'https://evil.example' }],
    ['the same origin but Sec-Fetch-Site cross-site', { origin: '', 'sec-fetch-site': 'cross-site' }],
  ];
  it.each(refused)('a continue POST with %s is refused: no flow cookie, no redirect to the IdP', async (_name, h) => {
    const headers: Record<string, string> = { ...FORM, ...h };
    if (h.origin === '') headers.origin = base;
    const r = await http(`${base}/.stepgate/continue`, { method: 'POST', headers, body: new URLSearchParams({ level: 'aal2', max_age: '0', rd: ADMIN }).toString() });
    expectRefused(r, 'stepup_continue_refused');
    expect(r.status).toBe(403);
    expect(r.headers['set-cookie']).toBeUndefined();
  });

  it('the step-up page names its origin on the form POST (a no-referrer page would send Origin: null)', async () => {
    const page = await http(`${base}/.stepgate/start?${new URLSearchParams({ level: 'aal2', rd: ADMIN })}`);
    expect(page.headers['referrer-policy']).toBe('same-origin');
    // No form-action 'self' here: the POST's answer redirects to the IdP, and Chromium would block it.
    expect(page.headers['content-security-policy']).not.toContain('form-action');
  });
});

describe('the HTTP ext_authz listener: what a browser and the upstream are answered', () => {
  it('encoded CR/LF in the path is refused outright, with no Location at all', async () => {
    const r = await http(`${authz}/admin/%0d%0aSet-Cookie:%20x=1`, { headers: { host: DASH, ...NAV } });
    expect(r.status).toBe(400);
    expect(JSON.parse(r.body)).toMatchObject({ reason: 'request_invalid' });
    expect(r.headers.location).toBeUndefined();
    expect(r.headers['set-cookie']).toBeUndefined();
  });

  it('markup in the path reaches the Location percent-encoded only, and the step-up page escapes it', async () => {
    const r = await http(`${authz}/admin/"><script>alert(1)</script>'`, { headers: { host: DASH, ...NAV } });
    expect(r.status).toBe(302);
    const loc = r.headers.location as string;
    expect(loc).toBe(r.headers['x-stepgate-location']);
    expect(loc).not.toMatch(/[<>"'\s]/);
    expect(new URL(loc).origin).toBe(base);
    const start = await http(`${base}${new URL(loc).pathname}${new URL(loc).search}`);
    expect(start.status).toBe(200);
    expect(start.body).not.toMatch(/<script\b/);
  });

  it('a Host header naming a site outside return_hosts gets a step-up link without rd: nothing to redirect to', async () => {
    const r = await http(`${authz}/admin/users`, { headers: { host: 'evil.example', ...NAV } });
    expect(r.status).toBe(302);
    const loc = new URL(r.headers.location as string);
    expect(loc.origin).toBe(base);
    expect(loc.searchParams.has('rd')).toBe(false);
    expect(loc.href).not.toContain('evil.example');
  });

  it('X-Forwarded-Proto: javascript from the trusted proxy never makes a javascript: return URL', async () => {
    const r = await http(`${authz}/`, {
      localAddress: '127.0.0.2',
      headers: { host: 'x', 'x-forwarded-host': DASH, 'x-forwarded-proto': 'javascript', 'x-forwarded-uri': '/admin/users', 'x-forwarded-method': 'GET', ...NAV },
    });
    expect(r.status).toBe(302);
    const loc = new URL(r.headers.location as string);
    expect(loc.origin).toBe(base);
    const start = await http(`${base}${loc.pathname}${loc.search}`);
    if (start.status === 200) expect(start.body).not.toContain('javascript');
    else expectRefused(start, 'stepup_return_refused');
  });

  it('a denial names neither the token nor the cookie it was given', async () => {
    const r = await http(`${authz}/admin/users`, { headers: { host: DASH, authorization: `Bearer ${aal1Token}`, cookie: `stepgate_session=${alice.session.slice(0, -3)}xyz; app=secret-app-cookie` } });
    expect(r.status).toBe(401);
    const all = `${JSON.stringify(r.headers)}\n${r.body}`;
    expect(all).not.toContain(aal1Token.split('.')[2]!);
    expect(all).not.toContain(alice.session.slice(20, 60));
    expect(all).not.toContain('secret-app-cookie');
    expect(all).not.toContain(idp.issuer.replace('http://', ''));
  });

  it('a denied fetch gets JSON with the step-up URL and nothing of the request\'s credentials', async () => {
    const r = await http(`${authz}/admin/users`, { headers: { host: DASH, accept: 'application/json', 'sec-fetch-mode': 'cors', cookie: `stepgate_session=${alice.session.slice(0, -3)}xyz` } });
    expect(r.status).toBe(401);
    const body = JSON.parse(r.body) as { step_up_url?: string };
    expect(new URL(body.step_up_url!).origin).toBe(base);
    expect(r.body).not.toContain(alice.session.slice(20, 60));
  });

  it.each(['GRAFANA.EXAMPLE.COM', 'grafana.example.com.', 'grafana.example.com:443', 'grafana.example.com:8443', 'Grafana.Example.Com.:443', ' grafana.example.com'])(
    'Host %j does not take the admin page out of its aal2 rule for a one-factor token',
    async (host) => {
      const r = await http(`${authz}/admin/users`, { headers: { host, authorization: `Bearer ${aal1Token}` } });
      expect(r.status).not.toBe(200);
    },
  );

  it('X-Original-URL / X-Rewrite-URL (IIS, Symfony) cannot make an upstream route elsewhere than stepgate judged', async () => {
    // Judged as /d/home (aal1 is enough); an upstream that honours X-Original-URL serves /admin.
    for (const name of ['x-original-url', 'x-rewrite-url']) {
      const r = await http(`${authz}/d/home`, { headers: { host: DASH, authorization: `Bearer ${aal1Token}`, [name]: '/admin/users' } });
      const removed = String(r.headers['x-envoy-auth-headers-to-remove'] ?? '').split(', ');
      expect(r.status === 200 ? removed : [name], name).toContain(name);
    }
  });

  it('X-HTTP-Method-Override on a GET cannot turn an allowed read into an unjudged write upstream', async () => {
    for (const name of ['x-http-method-override', 'x-http-method', 'x-method-override']) {
      const r = await http(`${authz}/d/home`, { headers: { host: DASH, authorization: `Bearer ${aal1Token}`, [name]: 'DELETE' } });
      const removed = String(r.headers['x-envoy-auth-headers-to-remove'] ?? '').split(', ');
      expect(r.status === 200 ? removed : [name], name).toContain(name);
    }
  });
});

describe('identity headers with any Unicode, on the HTTP ext_authz listener (examples/stepgate.yaml)', () => {
  // Claims are the IdP users' text: a name or group outside Latin-1 made node:http throw while the
  // answer was written, and every request of that user was a 500 on this listener (allowed on gRPC).
  let issuer: TestIssuer;
  let example: Service;
  beforeAll(async () => {
    issuer = await TestIssuer.start();
    const yaml = exampleYaml(issuer.url).replace('  shutdown_grace_seconds: 10', '  shutdown_grace_seconds: 0\n  http_listen: "off"\n  authz_http_listen: 127.0.0.1:0\n  trusted_proxies: [127.0.0.1]');
    example = await startService(parseConfig(yaml, 'examples/stepgate.yaml'), { STEPGATE_METRICS_LISTEN: 'off' }, createLogger('silent'));
  });
  afterAll(async () => {
    await example?.stop();
    await issuer?.close();
  });

  it.each([
    ['李雷@example.com', ['研发', 'ops']],
    ['zoë@example.com', ['équipe']],
    ['дмитрий@example.com', ['админы']],
  ])('%s with groups %j is allowed, and the proxy receives the UTF-8 bytes', async (email, groups) => {
    const token = await issuer.token({ sub: `u-${email}`, email, groups, acr: 'urn:stepgate:aal1', amr: ['pwd'], auth_time: Math.floor(Date.now() / 1000) - 60 });
    const r = await http(`http://127.0.0.1:${example.authzHttp!.port}/d/AbC123/overview`, {
      headers: { host: 'grafana.localhost', authorization: `Bearer ${token}`, 'x-forwarded-for': '10.20.4.17', cookie: 'app=caf\u00e9' },
    });
    expect(r.status).toBe(200);
    // node's client reads header bytes as latin1: undo that to see the bytes that were sent.
    const bytes = (h: string) => Buffer.from(String(r.headers[h]), 'latin1').toString('utf8');
    expect(bytes('x-stepgate-email')).toBe(email);
    expect(bytes('x-stepgate-groups')).toBe(groups.join(','));
    // The application's own cookie goes upstream with the bytes it came with (here the one byte 0xe9).
    expect(Buffer.from(String(r.headers.cookie), 'latin1')).toEqual(Buffer.from('app=caf\u00e9', 'latin1'));
  });
});
