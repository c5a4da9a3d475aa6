import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDevIdp, type DevIdp } from '../../demo/idp.js';
import { parseConfig } from '../../src/config/load.js';
import { startService, type Service } from '../../src/main.js';
import { askId } from '../../src/risk/ask.js';
import { CLIENT_ID, CLIENT_SECRET, formFields, freePort, http, pageCode, sessionOf, setCookies, stepupConfigYaml, stepupEnv } from '../support/stepup.js';

/**
 * The step-up loop itself, attacked end to end (issue 12, redteam40b): the browser's way to the
 * identity provider and back as an attacker who cannot beat the risk engine would bend it. A real
 * OpenID Provider on loopback (demo/idp.ts) and the real service; plain HTTP requests, as a hostile
 * page, a hostile client or malware on the engineer's laptop would send them.
 */

const DASH = 'grafana.example.com';
const FORM = { 'content-type': 'application/x-www-form-urlencoded' };
let SAME_ORIGIN: Record<string, string> = {};

let idp: DevIdp;
let service: Service;
let base: string;
let authz: string;

beforeAll(async () => {
  const httpPort = await freePort();
  base = `http://127.0.0.1:${httpPort}`;
  SAME_ORIGIN = { origin: base, 'sec-fetch-site': 'same-origin' };
  idp = await startDevIdp({ clients: [{ client_id: CLIENT_ID, client_secret: CLIENT_SECRET, redirect_uris: [`${base}/.stepgate/callback`] }] });
  service = await startService(parseConfig(stepupConfigYaml({ idp: idp.issuer, httpPort }), 'attack-stepup-loop.yaml'), stepupEnv(), undefined, {});
  authz = `http://127.0.0.1:${service.authzHttp!.port}`;
});

afterAll(async () => {
  await service?.stop();
  await idp?.close();
});

const nowS = () => Math.floor(Date.now() / 1000);
const ADMIN = `https://${DASH}/admin/users`;
const NAV = { accept: 'text/html', 'sec-fetch-mode': 'navigate' };

/** start → continue → the IdP as `user` (password and code): the callback URL, not yet followed, and its state cookie. */
async function loginUpToCallback(user: string): Promise<{ callback: string; stateCookie: string }> {
  const page = await http(`${base}/.stepgate/start?${new URLSearchParams({ level: 'aal2', max_age: '900', rd: ADMIN })}`);
  const cont = await http(`${base}/.stepgate/continue`, { method: 'POST', headers: { ...FORM, ...SAME_ORIGIN }, body: formFields(page.body).toString() });
  const [name, value] = Object.entries(setCookies(cont)).find(([n]) => n.startsWith('stepgate_state_'))!;
  const back = new URL(await idp.authorizeHeadless(cont.headers.location as string, { user, password: `${user}-password`, otp: true }));
  return { callback: `${base}${back.pathname}${back.search}`, stateCookie: `${name}=${value}` };
}

/** A browser that completed its own step-up: its session and device cookies. */
async function signedIn(user: string): Promise<{ session: string; device: string }> {
  const f = await loginUpToCallback(user);
  const done = await http(f.callback, { headers: { cookie: f.stateCookie } });
  expect(done.status).toBe(302);
  const c = setCookies(done);
  return { session: c.stepgate_session!, device: c.stepgate_device! };
}

const whoAmI = (cookie: string) => sessionOf(base, cookie);

/** The HTTP ext_authz answer for a browser navigation to the Grafana admin page with these cookies. */
async function navigate(cookie: string): Promise<{ status: number; reason: string | undefined }> {
  const r = await http(`${authz}/admin/users`, { headers: { ...NAV, host: DASH, 'x-forwarded-proto': 'https', cookie } });
  const location = r.headers.location as string | undefined;
  return { status: r.status, reason: location === undefined ? (JSON.parse(r.body || '{}') as { reason?: string }).reason : new URL(location).searchParams.get('reason') ?? undefined };
}
const WARNING = 'This sign-in vouches for the requests stepgate counted on your login';

/** The start page for these parameters, and where its Continue form sends the browser. */
async function startAndContinue(params: Record<string, string>): Promise<{ page: string; authorize: URL }> {
  const page = await http(`${base}/.stepgate/start?${new URLSearchParams(params)}`);
  expect(page.status).toBe(200);
  const cont = await http(`${base}/.stepgate/continue`, { method: 'POST', headers: { ...FORM, ...SAME_ORIGIN }, body: formFields(page.body).toString() });
  expect(cont.status).toBe(302);
  expect(Object.keys(setCookies(cont)).some((n) => n.startsWith('stepgate_state_'))).toBe(true);
  return { page: page.body, authorize: new URL(cont.headers.location as string) };
}

describe('a browser step-up asked of a count\'s run says what the sign-in vouches for, as the credential plugin does', () => {
  // Malware on the laptop reads Secrets with the engineer's login until machine pace; the engineer's
  // own navigation, refused only because of that run, is sent to the step-up page with the run's
  // context and ask (respond.ts stepUpUrl), and the session the sign-in makes answers the whole run
  // (its nonce names the ask). The plugin prints "this sign-in vouches for requests stepgate counted
  // … If you did not run these, do not sign in"; the browser page said nothing at all for
  // machine_pace (a code it had no words for) and nothing of the kind for sensitive_objects.
  const crossed = () => nowS() - 120;
  const runAsk = () => askId('alice', crossed(), 'r', '');
  const link = (context: string) => ({ level: 'aal2', max_age: '900', reason: 'auth_too_old', context, since: String(crossed()), ask: runAsk(), rd: `https://${DASH}/admin/users` });

  it.each(['machine_pace', 'sensitive_objects'])('context %s: the page warns before Continue, and the sign-in it starts names the run\'s ask', async (context) => {
    const params = link(context);
    const { page, authorize } = await startAndContinue(params);
    expect(page).toContain('id="stepgate-warning"');
    expect(page).toContain(WARNING);
    expect(page).toContain('If you did not make them, do not sign in');
    expect(page).toMatch(/<li id="stepgate-context"><strong>[^<]+ since \d\d:\d\d UTC: sign in again to confirm it is you\.<\/strong><\/li>/);
    expect(authorize.searchParams.get('nonce')!.startsWith(`${params.ask}.`)).toBe(true);
  });

  it('a link that carries the run\'s ask without its context (cut short, or made by hand) still warns', async () => {
    const { context: _c, since: _s, ...params } = link('machine_pace');
    const { page, authorize } = await startAndContinue(params);
    expect(page).toContain(WARNING);
    expect(authorize.searchParams.get('nonce')!.startsWith(`${params.ask}.`)).toBe(true);
  });

  it('control: a step-up asked of one request (an object\'s ask, a context that is no count) has no such warning', async () => {
    const { page } = await startAndContinue({ ...link('unfamiliar_namespace'), ask: askId('alice', crossed(), 'o', 'secrets/prod/db') });
    expect(page).not.toContain(WARNING);
    expect(page).toContain('A namespace outside your usual work since');
  });
});

describe('cookies tossed from a sibling host (any host under stepup.session.domain can set them)', () => {
  let alice: { session: string; device: string };
  let bob: { session: string; device: string };
  beforeAll(async () => {
    alice = await signedIn('alice');
    bob = await signedIn('bob');
  });

  it('control: each browser\'s own session is its user, and passes the admin page', async () => {
    expect((await whoAmI(`stepgate_session=${alice.session}`)).subject).toBe('alice');
    expect((await navigate(`stepgate_session=${alice.session}`)).status).toBe(200);
  });

  it('the attacker\'s own valid session tossed next to the victim\'s, in either order, is nobody\'s: refused as ambiguous, and the session page names no one', async () => {
    for (const cookie of [`stepgate_session=${bob.session}; stepgate_session=${alice.session}`, `stepgate_session=${alice.session}; stepgate_session=${bob.session}`]) {
      const r = await navigate(cookie);
      expect(r.status).not.toBe(200);
      expect(r.reason).toBe('credential_ambiguous');
      expect(await whoAmI(cookie)).toMatchObject({ signed_in: false });
    }
  });

  it('a sign-out from a browser holding the attacker\'s tossed device cookie beside the victim\'s session clears both, and ends the victim\'s session everywhere', async () => {
    const cookie = `stepgate_device=${bob.device}; stepgate_session=${alice.session}`;
    expect((await whoAmI(cookie)).subject).toBe('alice');
    const out = await http(`${base}/.stepgate/signout`, { method: 'POST', headers: { ...SAME_ORIGIN, cookie } });
    expect(out.status).toBe(200);
    const cleared = setCookies(out);
    expect(cleared.stepgate_session).toBe('');
    expect(cleared.stepgate_device).toBe('');
    // The copy of alice's session is ended server-side too.
    expect((await navigate(`stepgate_session=${alice.session}`)).reason).toBe('credential_revoked');
  });

  // Login CSRF through a tossed flow cookie (redteam40b): the attacker starts a step-up in their
  // own browser, signs in as themselves at the IdP and stops before the callback; from a sibling
  // host they set their flow's state cookie (Domain=the parent, Path=/.stepgate/) in the victim's
  // browser and send it to the callback URL. stepgate cannot tell a tossed flow cookie from its
  // own, so the callback finished the attacker's login there: the victim's session cookie (same
  // name, path and domain) was replaced by the attacker's, and with it their device cookie, and
  // the victim went on working as the attacker. A callback now never switches the user a browser
  // is signed in as.
  it('a login the attacker finished up to the callback, completed in the victim\'s browser with a tossed flow cookie, never replaces the victim\'s session', async () => {
    const victim = await signedIn('alice');
    const attack = await loginUpToCallback('bob');
    const r = await http(attack.callback, { headers: { cookie: `${attack.stateCookie}; stepgate_session=${victim.session}; stepgate_device=${victim.device}` } });
    expect(pageCode(r.body)).toBe('stepup_subject_changed');
    expect(r.status).toBe(409);
    expect(r.headers.location).toBeUndefined();
    const set = setCookies(r);
    expect(set.stepgate_session).toBeUndefined();
    expect(set.stepgate_device).toBeUndefined();
    expect(r.body).toContain('This browser is signed in as alice; the sign-in just made is bob.');
    expect((await whoAmI(`stepgate_session=${victim.session}`)).subject).toBe('alice');
  });

  it('the same, with the attacker\'s own session tossed beside the victim\'s to make it unreadable: still refused', async () => {
    const victim = await signedIn('alice');
    const attack = await loginUpToCallback('bob');
    const r = await http(attack.callback, { headers: { cookie: `${attack.stateCookie}; stepgate_session=${bob.session}; stepgate_session=${victim.session}` } });
    expect(pageCode(r.body)).toBe('stepup_subject_changed');
    expect(setCookies(r).stepgate_session).toBeUndefined();
  });

  it('the same, with four junk session cookies tossed before the victim\'s (set to expire seconds later, so only the attacker\'s session would remain): still refused', async () => {
    const victim = await signedIn('alice');
    const attack = await loginUpToCallback('bob');
    const junk = [1, 2, 3, 4].map((k) => `stepgate_session=junk${k}`).join('; ');
    const r = await http(attack.callback, { headers: { cookie: `${attack.stateCookie}; ${junk}; stepgate_session=${victim.session}` } });
    expect(pageCode(r.body)).toBe('stepup_subject_changed');
    expect(r.status).toBe(409);
    expect(setCookies(r).stepgate_session).toBeUndefined();
  });

  // redteam41a: the cap counts distinct values, and the names and headers a tossed cookie can vary.
  it('the victim\'s session in a second Cookie header (a proxy that does not fold them), after the tossed flow cookie: still refused', async () => {
    const victim = await signedIn('alice');
    const attack = await loginUpToCallback('bob');
    const r = await http(attack.callback, { headers: { cookie: [attack.stateCookie, `stepgate_session=${victim.session}`] as unknown as string } });
    expect(pageCode(r.body)).toBe('stepup_subject_changed');
    expect(r.body).toContain('This browser is signed in as alice');
  });

  it('the victim\'s own session sent five times is one value under the cap: refused naming the victim, not as "one of five"', async () => {
    const victim = await signedIn('alice');
    const attack = await loginUpToCallback('bob');
    const same = Array.from({ length: 5 }, () => `stepgate_session=${victim.session}`).join('; ');
    const r = await http(attack.callback, { headers: { cookie: `${attack.stateCookie}; ${same}` } });
    expect(pageCode(r.body)).toBe('stepup_subject_changed');
    expect(r.body).toContain('This browser is signed in as alice');
  });

  it('junk under names a browser keeps apart (other case, percent-encoded, padded) and four oversized values: the victim\'s session is still read, or the browser taken as someone\'s', async () => {
    const victim = await signedIn('alice');
    const attack = await loginUpToCallback('bob');
    const names = `Stepgate_session=${bob.session}; stepgate%5Fsession=${bob.session}; stepgate_session =${'A'.repeat(10)}`;
    const r = await http(attack.callback, { headers: { cookie: `${attack.stateCookie}; ${names}; stepgate_session=${victim.session}` } });
    expect(pageCode(r.body)).toBe('stepup_subject_changed');
    const big = [1, 2, 3, 4].map((k) => `stepgate_session=${String(k).repeat(3500)}`).join('; ');
    const again = await loginUpToCallback('bob');
    const r2 = await http(again.callback, { headers: { cookie: `${again.stateCookie}; ${big}; stepgate_session=${victim.session}` } });
    expect(pageCode(r2.body)).toBe('stepup_subject_changed');
    expect(setCookies(r2).stepgate_session).toBeUndefined();
  });

  it('control: a browser stepping up again as the user it is signed in as gets its new session; one whose session was signed out may sign in as anyone', async () => {
    const again = await signedIn('alice');
    const f = await loginUpToCallback('alice');
    const r = await http(f.callback, { headers: { cookie: `${f.stateCookie}; stepgate_session=${again.session}; stepgate_device=${again.device}` } });
    expect(r.status).toBe(302);
    expect(setCookies(r).stepgate_session).toBeTruthy();
    const out = await http(`${base}/.stepgate/signout`, { method: 'POST', headers: { ...SAME_ORIGIN, cookie: `stepgate_session=${again.session}` } });
    expect(out.status).toBe(200);
    const g = await loginUpToCallback('bob');
    const switched = await http(g.callback, { headers: { cookie: `${g.stateCookie}; stepgate_session=${again.session}` } });
    expect(switched.status).toBe(302);
    expect((await whoAmI(`stepgate_session=${setCookies(switched).stepgate_session!}`)).subject).toBe('bob');
  });
});
