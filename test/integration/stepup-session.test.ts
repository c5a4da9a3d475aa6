import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/load.js';
import { startService, type Service } from '../../src/main.js';
import { createLogger } from '../../src/telemetry/log.js';
import { CheckClient, deniedBody, deniedHeader, reasonOf } from '../support/grpc-client.js';
import { startRedis, type RedisServer } from '../support/redis.js';
import { captureLog } from '../support/telemetry.js';
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
  base: string;
  /** The audit log (info and above). */
  records: Record<string, unknown>[];
  /** A same-origin POST /.stepgate/signout from a browser holding `cookie`. */
  signOut(cookie?: string): Promise<{ status: number; body: string }>;
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

async function stepgate(extraYaml = '', capture = false, env = stepupEnv()): Promise<Stepgate> {
  const httpPort = await freePort();
  const base = `http://127.0.0.1:${httpPort}`;
  const yaml = stepupConfigYaml({ idp: op.url, httpPort }) + extraYaml;
  const cap = capture ? captureLog('info') : undefined;
  const service = await startService(parseConfig(yaml, 'stepup-session.yaml'), env, cap?.logger ?? createLogger('silent'), { now });
  const s: Stepgate = {
    service,
    client: new CheckClient(service.grpc.port),
    yaml,
    base,
    records: cap?.records ?? [],
    async signOut(cookie) {
      return http(`${base}/.stepgate/signout`, { method: 'POST', headers: { origin: base, 'sec-fetch-site': 'same-origin', ...(cookie ? { cookie } : {}) } });
    },
    async stepUp(sub, authAgoS = 0, cookie) {
      const page = await http(`${base}/.stepgate/start?level=aal2`);
      const cont = await http(`${base}/.stepgate/continue`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', origin: base },
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

/** Polls `probe` until it says yes, failing past `boundMs`: another replica learns of a sign-out by pub/sub. */
async function until(probe: () => Promise<boolean>, boundMs: number): Promise<void> {
  const start = performance.now();
  while (!(await probe())) {
    if (performance.now() - start > boundMs) throw new Error(`not within ${boundMs} ms`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

const signedOutAudit = (s: Stepgate) => s.records.filter((r) => r.event === 'stepup.flow' && r.outcome === 'signed_out');

describe('sign-out ends the session server-side, not only in the browser (memory store, one replica)', () => {
  let s: Stepgate;
  const home = (cookie: string) => s.client.check(checkRequest({ host: DASH, path: '/', headers: { ...BROWSER_HEADERS, cookie: `stepgate_session=${cookie}` } }));

  beforeAll(async () => {
    s = await stepgate('', true);
  });

  it('a copy of the session cookie taken before sign-out is refused after it, and the browser is sent to step up again', async () => {
    const alice = (await s.stepUp('alice')).session;
    // Alice's other browser: another sign-in of the same user.
    const other = (await s.stepUp('alice')).session;
    const stolen = alice;
    expect(reasonOf(await home(stolen))).toBe('allowed');

    const out = await s.signOut(`stepgate_session=${alice}`);
    expect(out.status).toBe(200);
    expect(out.body).toContain('You are signed out of stepgate');
    expect(out.body).not.toContain('could not be ended');

    const res = await home(stolen);
    expect(reasonOf(res)).toBe('credential_revoked');
    expect(deniedHeader(res, 'location')).toMatch(new RegExp(`^${s.base}/\\.stepgate/start\\?`));
    // The other session of the same user is not touched.
    expect(reasonOf(await home(other))).toBe('allowed');

    const audit = signedOutAudit(s).at(-1)!;
    expect(audit).toMatchObject({ session_ended: 'recorded', subject: 'alice' });
    // What the page says about the copy.
    const page = await http(`${s.base}/.stepgate/session`, { headers: { cookie: `stepgate_session=${stolen}`, accept: 'application/json' } });
    expect(JSON.parse(page.body)).toMatchObject({ signed_in: false });
  });

  it.each<[string, (valid: string) => string | undefined]>([
    ['no cookie', () => undefined],
    ['a forged session cookie', (valid) => `stepgate_session=${valid.slice(0, -4)}${valid.slice(-4) === 'AAAA' ? 'BBBB' : 'AAAA'}`],
    ['a session cookie of another deployment (garbage)', () => 'stepgate_session=eyJhbGciOiJkaXIifQ..AAAA.BBBB.CCCC'],
  ])('a sign-out with %s changes nothing on the server', async (_name, cookie) => {
    const bob = (await s.stepUp('bob')).session;
    const before = await s.service.runtime.riskState!.store.control.snapshot(now());
    const out = await s.signOut(cookie(bob));
    expect(out.status).toBe(200);
    expect(signedOutAudit(s).at(-1)).toMatchObject({ session_ended: 'none' });
    const after = await s.service.runtime.riskState!.store.control.snapshot(now());
    expect(after.signouts).toEqual(before.signouts);
    expect(after.version).toBe(before.version);
    expect(reasonOf(await home(bob))).toBe('allowed');
  });
});

describe('sign-out ends the session on every replica sharing Redis', () => {
  let redis: RedisServer;
  let a: Stepgate;
  let b: Stepgate;
  const home = (g: Stepgate, cookie: string) => g.client.check(checkRequest({ host: DASH, path: '/', headers: { ...BROWSER_HEADERS, cookie: `stepgate_session=${cookie}` } }));

  beforeAll(async () => {
    redis = await startRedis();
    const state = `state:\n  store: redis\n  timeout_ms: 2000\n  redis:\n    url: ${redis.url}\n    key_prefix: "signout:"\n`;
    // Replicas of one deployment: one cookie key list.
    const env = stepupEnv();
    a = await stepgate(state, true, env);
    b = await stepgate(state, true, env);
  });

  afterAll(async () => {
    await redis?.stop();
  });

  it('a copy used on the other replica is refused once the owner signs out on this one; the same user\'s other session still works', async () => {
    const alice = (await a.stepUp('alice')).session;
    const other = (await a.stepUp('alice')).session;
    // Both replicas take either cookie (one key ring).
    expect(reasonOf(await home(b, alice))).toBe('allowed');
    expect(reasonOf(await home(b, other))).toBe('allowed');

    const out = await a.signOut(`stepgate_session=${alice}`);
    expect(out.status).toBe(200);
    expect(signedOutAudit(a).at(-1)).toMatchObject({ session_ended: 'recorded' });
    // The replica that recorded it refuses at once; the other as soon as the announcement arrives
    // (the stolen copy was cached there as allowed).
    expect(reasonOf(await home(a, alice))).toBe('credential_revoked');
    await until(async () => reasonOf(await home(b, alice)) === 'credential_revoked', 2000);
    expect(reasonOf(await home(b, other))).toBe('allowed');
    expect(reasonOf(await home(a, other))).toBe('allowed');
  });

  it('Redis down at sign-out: the page says the session could not be ended, and the audit record says so', async () => {
    const carol = (await a.stepUp('carol')).session;
    await redis.kill();
    try {
      const out = await a.signOut(`stepgate_session=${carol}`);
      expect(out.status).toBe(200);
      expect(out.body).toContain('could not be ended on the server');
      expect(signedOutAudit(a).at(-1)).toMatchObject({ session_ended: 'failed', level: 'warn' });
    } finally {
      await redis.start();
    }
  });
});
