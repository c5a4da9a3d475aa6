import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/load.js';
import { startService, type Service } from '../../src/main.js';
import { CheckClient, okHeader, reasonOf } from '../support/grpc-client.js';
import { MiniOp } from '../support/mini-op.js';
import { BROWSER_HEADERS, checkRequest } from '../support/requests.js';
import { CLIENT_ID, formFields, freePort, http, pageCode, setCookies, stepupConfigYaml, stepupEnv, type HttpResult } from '../support/stepup.js';
import { captureLog } from '../support/telemetry.js';

/**
 * What the step-up callback accepts from the token endpoint, through stepgate's real listeners and
 * openid-client, against an OP whose token endpoint the test controls (test/support/mini-op.ts):
 * the ID token's signature is checked against the IdP's published keys, and an authentication
 * time or issue time in the future never mints a session (issue 11, items 7 and 8).
 */

const DASH = 'grafana.example.com';
let op: MiniOp;
let service: Service;
let client: CheckClient;
let base: string;
let records: Record<string, unknown>[];
const now = () => Math.floor(Date.now() / 1000);

beforeAll(async () => {
  op = await MiniOp.start(CLIENT_ID);
  const httpPort = await freePort();
  base = `http://127.0.0.1:${httpPort}`;
  const cap = captureLog('info');
  records = cap.records;
  const config = parseConfig(stepupConfigYaml({ idp: op.url, httpPort }), 'stepup-idtoken.yaml');
  service = await startService(config, stepupEnv(), cap.logger, {});
  client = new CheckClient(service.grpc.port);
});

afterAll(async () => {
  client?.close();
  await service?.stop();
  await op?.close();
});

/** start → continue → (the OP "logs in") → callback with a code whose ID token has `claims`. */
async function stepUp(claims: Record<string, unknown>, signWith: 'published' | 'unpublished' = 'published'): Promise<HttpResult> {
  const page = await http(`${base}/.stepgate/start?${new URLSearchParams({ level: 'aal2', max_age: '900', rd: `https://${DASH}/admin/users` })}`);
  expect(page.status).toBe(200);
  const cont = await http(`${base}/.stepgate/continue`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', origin: base },
    body: formFields(page.body).toString(),
  });
  expect(cont.status).toBe(302);
  const authorize = new URL(cont.headers.location as string);
  expect(authorize.origin).toBe(op.url);
  const [stateName, stateCookie] = Object.entries(setCookies(cont))[0]!;
  const code = op.code({ nonce: authorize.searchParams.get('nonce')!, ...claims }, signWith);
  const q = new URLSearchParams({ code, state: authorize.searchParams.get('state')! });
  return http(`${base}/.stepgate/callback?${q}`, { headers: { cookie: `${stateName}=${stateCookie}` } });
}

function failedWith(res: HttpResult, code: string, detail: RegExp) {
  expect(res.status).toBe(401);
  expect(pageCode(res.body)).toBe(code);
  expect(setCookies(res).stepgate_session).toBeUndefined();
  const audit = records.filter((r) => r.event === 'stepup.flow' && r.code === code).at(-1);
  expect(String(audit?.detail)).toMatch(detail);
}

describe('the ID token from the token endpoint', () => {
  it('a correctly signed ID token completes the step-up, and its session is an identity for the Check', async () => {
    const res = await stepUp({});
    expect(res.status).toBe(302);
    const session = setCookies(res).stepgate_session!;
    expect(session).toBeTruthy();
    const check = await client.check(checkRequest({ host: DASH, path: '/admin/users', headers: { ...BROWSER_HEADERS, cookie: `stepgate_session=${session}` } }));
    expect(reasonOf(check)).toBe('allowed');
    expect(okHeader(check, 'x-stepgate-level')).toBe('aal2');
  });

  it('a forged signature (another key under the published kid) is stepup_signature_invalid and mints no session', async () => {
    const before = op.tokenRequests;
    failedWith(await stepUp({ sub: 'mallory', acr: 'urn:stepgate:aal3' }, 'unpublished'), 'stepup_signature_invalid', /signature/);
    expect(op.tokenRequests).toBe(before + 1);
  });

  it.each([
    ['auth_time a year ahead', { auth_time: 365 * 86_400 }, /auth_time is \d+s in the future/],
    ['auth_time beyond the clock skew', { auth_time: 120 }, /auth_time is \d+s in the future/],
    ['iat a day ahead', { iat: 86_400, exp: 2 * 86_400 }, /iat/],
  ])('%s is stepup_time_invalid and mints no session', async (_name, ahead, detail) => {
    const claims = Object.fromEntries(Object.entries(ahead).map(([k, v]) => [k, now() + v]));
    failedWith(await stepUp(claims), 'stepup_time_invalid', detail);
  });

  // Issue 16: each failure its own code, so the page says who must act.
  it.each([
    ['another issuer', { iss: 'https://evil.example.com' }, 'stepup_issuer_mismatch', /iss does not match/],
    ['another audience', { aud: 'someone-else' }, 'stepup_audience_mismatch', /aud does not match/],
    ['another nonce', { nonce: 'not-the-nonce' }, 'stepup_nonce_mismatch', /nonce does not match/],
  ])('an ID token from %s has its own code and mints no session', async (_name, claims, code, detail) => {
    failedWith(await stepUp(claims), code, detail);
  });

  it('the failure page links back to where the user was going and names its audit record', async () => {
    const res = await stepUp({ iss: 'https://evil.example.com' });
    expect(res.body).toContain(`id="stepgate-back" href="https://${DASH}/admin/users"`);
    const id = /id="stepgate-request-id">([^<]+)</.exec(res.body)?.[1];
    expect(id).toMatch(/^[0-9a-f-]{36}$/);
    const audit = records.filter((r) => r.event === 'stepup.flow' && r.code === 'stepup_issuer_mismatch').at(-1);
    expect(audit?.request_id).toBe(id);
  });

  it('an auth_time a few seconds ahead (clock skew) is still accepted', async () => {
    expect((await stepUp({ auth_time: now() + 5 })).status).toBe(302);
  });
});
