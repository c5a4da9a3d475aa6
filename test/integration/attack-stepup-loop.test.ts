import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDevIdp, type DevIdp } from '../../demo/idp.js';
import { parseConfig } from '../../src/config/load.js';
import { startService, type Service } from '../../src/main.js';
import { askId } from '../../src/risk/ask.js';
import { CLIENT_ID, CLIENT_SECRET, formFields, freePort, http, setCookies, stepupConfigYaml, stepupEnv } from '../support/stepup.js';

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

beforeAll(async () => {
  const httpPort = await freePort();
  base = `http://127.0.0.1:${httpPort}`;
  SAME_ORIGIN = { origin: base, 'sec-fetch-site': 'same-origin' };
  idp = await startDevIdp({ clients: [{ client_id: CLIENT_ID, client_secret: CLIENT_SECRET, redirect_uris: [`${base}/.stepgate/callback`] }] });
  service = await startService(parseConfig(stepupConfigYaml({ idp: idp.issuer, httpPort }), 'attack-stepup-loop.yaml'), stepupEnv(), undefined, {});
});

afterAll(async () => {
  await service?.stop();
  await idp?.close();
});

const nowS = () => Math.floor(Date.now() / 1000);
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
