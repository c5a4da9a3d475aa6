import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/load.js';
import { startService, type Service } from '../../src/main.js';
import { createLogger } from '../../src/telemetry/log.js';
import { CheckClient, deniedBody, reasonOf } from '../support/grpc-client.js';
import { MiniOp } from '../support/mini-op.js';
import { BROWSER_HEADERS, checkRequest } from '../support/requests.js';
import { CLIENT_ID, formFields, freePort, http, setCookies, stepupConfigYaml, stepupEnv } from '../support/stepup.js';

/**
 * The step-up session after the callback, through the real step-up listener and the real gRPC
 * Check: what the callback gives the browser (the session and device cookies), how long the
 * session lives when the configuration changes, and what the session is worth once it leaves the
 * browser it was made in.
 */

const DASH = 'grafana.example.com';
const CHROME = 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36';

interface Stepgate {
  service: Service;
  client: CheckClient;
  yaml: string;
  /**
   * A completed step-up (start → continue → the OP → callback) as `sub`, authenticated `authAgoS`
   * seconds ago on stepgate's clock, from a browser holding `cookie`: the cookies it set.
   */
  stepUp(sub: string, authAgoS?: number, cookie?: string): Promise<{ session: string; device: string | undefined }>;
}

let op: MiniOp;
let offsetMs = 0;
const now = () => Date.now() + offsetMs;
const running: Stepgate[] = [];

beforeAll(async () => {
  op = await MiniOp.start(CLIENT_ID);
});

afterAll(async () => {
  for (const s of running) {
    s.client.close();
    await s.service.stop();
  }
  await op?.close();
});

async function stepgate(extraYaml = ''): Promise<Stepgate> {
  const httpPort = await freePort();
  const base = `http://127.0.0.1:${httpPort}`;
  const yaml = stepupConfigYaml({ idp: op.url, httpPort }) + extraYaml;
  const service = await startService(parseConfig(yaml, 'stepup-session.yaml'), stepupEnv(), createLogger('silent'), { now });
  const s: Stepgate = {
    service,
    client: new CheckClient(service.grpc.port),
    yaml,
    async stepUp(sub, authAgoS = 0, cookie) {
      const page = await http(`${base}/.stepgate/start?level=aal2`);
      const cont = await http(`${base}/.stepgate/continue`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: formFields(page.body).toString(),
      });
      const authorize = new URL(cont.headers.location as string);
      const [stateName, stateCookie] = Object.entries(setCookies(cont))[0]!;
      // The OP runs on the real clock; auth_time is set on stepgate's.
      const code = op.code({ nonce: authorize.searchParams.get('nonce')!, sub, email: `${sub}@example.test`, auth_time: Math.floor(now() / 1000) - authAgoS });
      const q = new URLSearchParams({ code, state: authorize.searchParams.get('state')! });
      const done = await http(`${base}/.stepgate/callback?${q}`, { headers: { cookie: [`${stateName}=${stateCookie}`, ...(cookie ? [cookie] : [])].join('; ') } });
      expect(done.status).toBe(200);
      const set = setCookies(done);
      return { session: set.stepgate_session!, device: set.stepgate_device };
    },
  };
  running.push(s);
  return s;
}

describe('a step-up that ends on the done page (no return URL)', () => {
  it('gives the browser its device cookie too, like one that returns to rd; a browser that holds a valid one keeps it', async () => {
    const s = await stepgate();
    const first = await s.stepUp('alice');
    expect(first.device).toMatch(/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]{22}\.[A-Za-z0-9_-]{22}$/);
    expect((await s.stepUp('alice', 0, `stepgate_device=${first.device}`)).device).toBeUndefined();
  });
});

describe('stepup.session.lifetime_seconds shortened by a reload', () => {
  // The default rule (aal1 within 12 hours) is far longer than either lifetime: only the
  // session's own lifetime can end it here.
  it('ends a session older than the new lifetime, keeps a younger one, and the cookie\'s own end still holds', async () => {
    const s = await stepgate();
    const home = (cookie: string) => s.client.check(checkRequest({ host: DASH, path: '/', headers: { ...BROWSER_HEADERS, cookie: `stepgate_session=${cookie}` } }));
    try {
      const older = (await s.stepUp('alice')).session;
      expect(reasonOf(await home(older))).toBe('allowed');

      offsetMs = 700_000;
      const younger = (await s.stepUp('alice')).session;
      // Still within the 3600 s it was minted with.
      expect(reasonOf(await home(older))).toBe('allowed');

      // An operator tightening access (during an incident, say): the lifetime applies live.
      s.service.reload(parseConfig(s.yaml.replace('lifetime_seconds: 3600', 'lifetime_seconds: 600'), 'shorter.yaml'));
      expect(reasonOf(await home(older))).toBe('session_expired');
      expect(reasonOf(await home(younger))).toBe('allowed');

      // A longer lifetime again never stretches a cookie past the end it was sealed with.
      s.service.reload(parseConfig(s.yaml.replace('lifetime_seconds: 3600', 'lifetime_seconds: 86400'), 'longer.yaml'));
      expect(reasonOf(await home(older))).toBe('allowed');
      offsetMs = 3_700_000;
      expect(reasonOf(await home(older))).toBe('session_expired');
    } finally {
      offsetMs = 0;
    }
  });
});

// The example's risk settings that matter here: the office is a trusted network, so a request from
// another desk there is no new network; what is left to tell the owner's browser from another is
// the device cookie the callback gave it.
const RISK = `
risk:
  trusted_networks: [10.0.0.0/8]
  learn: { min_level: aal2, newcomer_grace_seconds: 600 }
  bands:
    - { name: elevated, min_score: 45, require: aal2 }
    - { name: high, min_score: 65, require: aal2, max_age: 900 }
    - { name: critical, min_score: 90, deny: true }
state: { store: memory }
`;

describe('a step-up session away from the browser it was made in (risk engine on)', () => {
  let s: Stepgate;
  let alice: { session: string; device: string | undefined };
  let mallory: { session: string; device: string | undefined };
  const admin = (cookie: string, source: string) =>
    s.client.check(checkRequest({ host: DASH, path: '/admin/users', source, headers: { accept: 'application/json', 'user-agent': CHROME, cookie } }));

  beforeAll(async () => {
    s = await stepgate(RISK);
    // Alice signed in five minutes ago (the admin rule's 15 minutes still hold) and works from her
    // desk; Mallory, a colleague, has a browser of her own that stepped up as herself.
    alice = await s.stepUp('alice', 300);
    mallory = await s.stepUp('mallory');
    expect(alice.device).toBeTruthy();
    expect(reasonOf(await admin(`stepgate_session=${alice.session}; stepgate_device=${alice.device}`, '10.20.4.17'))).toBe('allowed');
  });

  it.each<[string, () => string]>([
    ['with no device cookie, the same browser build as hers', () => `stepgate_session=${alice.session}`],
    ['with a device cookie that does not verify', () => `stepgate_session=${alice.session}; stepgate_device=k1.AAAAAAAAAAAAAAAAAAAAAA.AAAAAAAAAAAAAAAAAAAAAA`],
    ['with the device cookie of another browser (Mallory\'s own)', () => `stepgate_session=${alice.session}; stepgate_device=${mallory.device}`],
  ])('Alice\'s session cookie replayed from another desk in the office %s is bound to a sign-in on that browser', async (_name, cookie) => {
    const res = await admin(cookie(), '10.20.4.99');
    expect(reasonOf(res)).toBe('auth_too_old');
    expect((deniedBody(res).risk as { context?: { code: string } }).context?.code).toBe('new_device');
  });

  // Any host under the session's cookie domain can set a cookie for the whole domain: Mallory, on a
  // sibling subdomain she controls, plants the device cookie of her own step-up in Carol's browser.
  it('a device cookie planted in a browser before its step-up is not learned as the new subject\'s device', async () => {
    const planted = mallory.device!;
    const carol = await s.stepUp('carol', 0, `stepgate_device=${planted}`);
    // Carol's step-up gives her browser a device cookie of her own: the planted one names no device of hers.
    expect(carol.device).toBeTruthy();
    // Her browser now sends both (the planted one first); hers names the device, and she works.
    expect(reasonOf(await admin(`stepgate_session=${carol.session}; stepgate_device=${planted}; stepgate_device=${carol.device}`, '10.20.4.18'))).toBe('allowed');
    // Ten minutes on (past the newcomer's first-sign-in allowance, within the admin rule's 15),
    // Mallory with Carol's stolen session, in her own browser holding that cookie: a device never
    // proven for Carol. (Before, the planted cookie was the one Carol's step-up proved.)
    offsetMs = 700_000;
    try {
      const res = await admin(`stepgate_session=${carol.session}; stepgate_device=${planted}`, '10.20.4.99');
      expect(reasonOf(res)).toBe('auth_too_old');
      expect((deniedBody(res).risk as { context?: { code: string } }).context?.code).toBe('new_device');
      expect(reasonOf(await admin(`stepgate_session=${carol.session}; stepgate_device=${planted}; stepgate_device=${carol.device}`, '10.20.4.18'))).toBe('allowed');
    } finally {
      offsetMs = 0;
    }
  });

  it('Alice, in her own browser, is still allowed', async () => {
    expect(reasonOf(await admin(`stepgate_session=${alice.session}; stepgate_device=${alice.device}`, '10.20.4.17'))).toBe('allowed');
  });
});
