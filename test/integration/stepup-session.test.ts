import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/load.js';
import { startService, type Service } from '../../src/main.js';
import { createLogger } from '../../src/telemetry/log.js';
import { CheckClient, reasonOf } from '../support/grpc-client.js';
import { MiniOp } from '../support/mini-op.js';
import { BROWSER_HEADERS, checkRequest } from '../support/requests.js';
import { CLIENT_ID, formFields, freePort, http, setCookies, stepupConfigYaml, stepupEnv } from '../support/stepup.js';

/**
 * `stepup.session.lifetime_seconds` applies live (docs/configuration.md): a session lives that
 * long counted from its authentication, under the configuration in force. Shortening it (an
 * operator tightening access during an incident) must end every session older than the new
 * lifetime on its next request, not only the sessions minted after the reload, through the real
 * step-up listener and the real gRPC Check.
 */

const DASH = 'grafana.example.com';
let op: MiniOp;
let service: Service;
let client: CheckClient;
let base: string;
let yaml: string;
let offsetMs = 0;
/** The device cookie the last completed step-up gave (or confirmed to) this browser. */
let device: string | undefined;

beforeAll(async () => {
  op = await MiniOp.start(CLIENT_ID);
  const httpPort = await freePort();
  base = `http://127.0.0.1:${httpPort}`;
  yaml = stepupConfigYaml({ idp: op.url, httpPort });
  service = await startService(parseConfig(yaml, 'stepup-session.yaml'), stepupEnv(), createLogger('silent'), { now: () => Date.now() + offsetMs });
  client = new CheckClient(service.grpc.port);
});

afterAll(async () => {
  client?.close();
  await service?.stop();
  await op?.close();
});

/** A completed step-up (start → continue → the OP → callback) authenticated now: its session cookie. */
async function session(): Promise<string> {
  const page = await http(`${base}/.stepgate/start?level=aal2`);
  const cont = await http(`${base}/.stepgate/continue`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: formFields(page.body).toString(),
  });
  const authorize = new URL(cont.headers.location as string);
  const [stateName, stateCookie] = Object.entries(setCookies(cont))[0]!;
  // Authenticated "now" on stepgate's clock (the OP itself runs on the real one).
  const code = op.code({ nonce: authorize.searchParams.get('nonce')!, auth_time: Math.floor((Date.now() + offsetMs) / 1000) });
  const done = await http(`${base}/.stepgate/callback?${new URLSearchParams({ code, state: authorize.searchParams.get('state')! })}`, { headers: { cookie: `${stateName}=${stateCookie}` } });
  expect(done.status).toBe(200);
  const set = setCookies(done);
  device = set.stepgate_device ?? device;
  return set.stepgate_session!;
}

// The default rule (aal1 within 12 hours) is far longer than either lifetime: only the session's own
// lifetime can end it here.
const home = (cookie: string) => client.check(checkRequest({ host: DASH, path: '/', headers: { ...BROWSER_HEADERS, cookie: `stepgate_session=${cookie}` } }));

describe('a step-up that ends on the done page (no return URL)', () => {
  it('gives the browser its device cookie too, like one that returns to rd', async () => {
    device = undefined;
    await session();
    expect(device).toMatch(/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]{22}\.[A-Za-z0-9_-]{22}$/);
  });
});

describe('stepup.session.lifetime_seconds shortened by a reload', () => {
  it('ends a session older than the new lifetime, keeps a younger one, and the cookie\'s own end still holds', async () => {
    const older = await session();
    expect(reasonOf(await home(older))).toBe('allowed');

    offsetMs = 700_000;
    const younger = await session();
    // Still within the 3600 s it was minted with.
    expect(reasonOf(await home(older))).toBe('allowed');

    service.reload(parseConfig(yaml.replace('lifetime_seconds: 3600', 'lifetime_seconds: 600'), 'shorter.yaml'));
    expect(reasonOf(await home(older))).toBe('session_expired');
    expect(reasonOf(await home(younger))).toBe('allowed');

    // A longer lifetime again never stretches a cookie past the end it was sealed with.
    service.reload(parseConfig(yaml.replace('lifetime_seconds: 3600', 'lifetime_seconds: 86400'), 'longer.yaml'));
    expect(reasonOf(await home(older))).toBe('allowed');
    offsetMs = 3_700_000;
    expect(reasonOf(await home(older))).toBe('session_expired');
    offsetMs = 0;
  });
});
