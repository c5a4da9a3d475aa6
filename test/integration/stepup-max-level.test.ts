import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDevIdp, type DevIdp } from '../../demo/idp.js';
import { parseConfig } from '../../src/config/load.js';
import { startService, type Service } from '../../src/main.js';
import { CLIENT_ID, CLIENT_SECRET, formFields, freePort, http, pageCode, setCookies, stepupConfigYaml, stepupEnv } from '../support/stepup.js';
import { captureLog } from '../support/telemetry.js';

/**
 * issuers[].max_level on the step-up identity provider (listed as a bearer issuer too): its ID
 * token is held to the ceiling at the callback, as the session it would mint is (core/identity.ts),
 * so a step-up above the ceiling is refused there instead of minting a session that is read lower
 * and asked again at the next request. A real OpenID Provider (demo/idp.ts) through stepgate's
 * real listeners, as test/integration/stepup-flow.test.ts.
 */

let idp: DevIdp;
let service: Service;
let base: string;
let records: Record<string, unknown>[];

beforeAll(async () => {
  const httpPort = await freePort();
  base = `http://127.0.0.1:${httpPort}`;
  idp = await startDevIdp({ clients: [{ client_id: CLIENT_ID, client_secret: CLIENT_SECRET, redirect_uris: [`${base}/.stepgate/callback`] }] });
  const cap = captureLog('info');
  records = cap.records;
  const yaml = stepupConfigYaml({ idp: idp.issuer, httpPort, stateLifetime: 3600 });
  const capped = yaml.replace('    algorithms: [RS256]', '    algorithms: [RS256]\n    max_level: aal1');
  if (capped === yaml) throw new Error('the step-up test config no longer lists its IdP with algorithms: [RS256]');
  service = await startService(parseConfig(capped, 'stepup-max-level.yaml'), stepupEnv(), cap.logger, { now: () => Date.now() });
});

afterAll(async () => {
  await service?.stop();
  await idp?.close();
});

describe('a step-up at an identity provider held to aal1', () => {
  it('refuses a two-factor sign-in asked for aal2 (stepup_level_too_low, presented aal1) and sets no session', async () => {
    const page = await http(`${base}/.stepgate/start?${new URLSearchParams({ level: 'aal2' })}`);
    expect(page.status).toBe(200);
    const cont = await http(`${base}/.stepgate/continue`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', origin: base }, body: formFields(page.body).toString() });
    expect(cont.status).toBe(302);
    const [stateName, stateCookie] = Object.entries(setCookies(cont))[0]!;
    const back = new URL(await idp.authorizeHeadless(cont.headers.location as string, { user: 'alice', password: 'alice-password', otp: true }), base);
    const res = await http(`${base}${back.pathname}${back.search}`, { headers: { cookie: `${stateName}=${stateCookie}` } });
    expect(res.status).toBe(403);
    expect(pageCode(res.body)).toBe('stepup_level_too_low');
    expect(setCookies(res).stepgate_session).toBeUndefined();
    expect(records.find((r) => r.event === 'stepup.flow' && r.code === 'stepup_level_too_low')).toMatchObject({ level_required: 'aal2', level_presented: 'aal1' });
  });
});
