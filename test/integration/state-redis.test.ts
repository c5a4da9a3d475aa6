import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/load.js';
import { createStateStore } from '../../src/state/factory.js';
import { RedisStateStore } from '../../src/state/redis.js';
import { StateUnavailableError, type Observation, type StateStore } from '../../src/state/store.js';
import { BASE_YAML } from '../support/state-config.js';
import { freePort, keySlot, makeTestCa, startRedis, type RedisServer } from '../support/redis.js';
import { TEST_LIMITS } from '../support/state-config.js';

/**
 * The Redis store against a real redis-server: key names and TTLs, and what happens when the
 * server dies, comes back, or is slow. Every failure must be a StateUnavailableError within the
 * timeout, never a hang, an unhandled error, or any other exception.
 */

const LIMITS = TEST_LIMITS;
const TIMEOUT = 100;
/** Timer and scheduling slack on a loaded CI machine. */
const SLACK = 150;
const SUBJECT = 'alice@example.com';

function observation(over: Partial<Observation> = {}): Observation {
  return {
    subject: SUBJECT, session: 'sid-123', nowMs: Date.now(), ip: '203.0.113.7', ipPrefix: '203.0.113.0/24',
    device: 'cert:laptop', uaFamily: 'kubectl', namespace: 'prod', sensitive: true, ...over,
  };
}

/** A Check allowed after a fresh step-up: observe, then learn the place (known sets exist after it). */
async function visit(s: StateStore, over: Partial<Observation> = {}) {
  const o = observation(over);
  const history = await s.observe(o);
  await s.learn(o.subject, o.ip, o.ipPrefix, o.device, o.nowMs);
  return history;
}

let redis: RedisServer;
let admin: Redis;
let n = 0;
const open: StateStore[] = [];
const unhandled: unknown[] = [];
const onUnhandled = (e: unknown) => unhandled.push(e);

function store(timeoutMs = TIMEOUT, port = redis.port): RedisStateStore {
  const s = new RedisStateStore(LIMITS, {
    connection: { host: '127.0.0.1', port, db: 0 },
    keyPrefix: `rt${++n}:`,
    timeoutMs,
  });
  open.push(s);
  return s;
}

/** Polls until `fn` succeeds; the store recovers on its own, this only waits for it. */
async function eventually<T>(fn: () => Promise<T>, ms = 8000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    try {
      return await fn();
    } catch (err) {
      if (Date.now() > deadline) throw err;
      await new Promise((r) => setTimeout(r, 25));
    }
  }
}

async function timed<T>(p: Promise<T>): Promise<{ ms: number; err: unknown; value?: T }> {
  const start = performance.now();
  try {
    const value = await p;
    return { ms: performance.now() - start, err: undefined, value };
  } catch (err) {
    return { ms: performance.now() - start, err };
  }
}

beforeAll(async () => {
  process.on('unhandledRejection', onUnhandled);
  process.on('uncaughtException', onUnhandled);
  redis = await startRedis();
  admin = new Redis({ host: '127.0.0.1', port: redis.port, lazyConnect: true, maxRetriesPerRequest: null });
  admin.on('error', () => {});
  await admin.connect();
});

afterEach(() => {
  expect(unhandled).toEqual([]);
});

afterAll(async () => {
  for (const s of open) await s.close();
  admin?.disconnect();
  await redis?.stop();
  process.off('unhandledRejection', onUnhandled);
  process.off('uncaughtException', onUnhandled);
});

describe('Redis store: key names', () => {
  it('computes cluster slots like Redis (CRC16 check value)', () => {
    expect(keySlot('123456789')).toBe(0x31c3 % 16384);
    expect(keySlot('user{123456789}.x')).toBe(keySlot('123456789'));
    expect(keySlot('{}x')).toBe(keySlot('{}x'));
  });

  it('puts every key of one subject in one slot, without the subject in clear, each with a TTL', async () => {
    const s = store(2000);
    await eventually(() => visit(s));
    await visit(s, { ip: '198.51.100.1' });
    await s.recordDenial(SUBJECT, Date.now());
    const prefix = `rt${n}:`;
    const keys = await admin.keys(`${prefix}*`);
    // counters, known ips, prefixes, devices, namespaces, first sightings, the session, and the
    // proven mark a learn writes (StateStore.provenAt).
    expect(keys).toHaveLength(8);
    expect(new Set(keys.map(keySlot)).size).toBe(1);
    for (const key of keys) {
      expect(key).not.toMatch(/alice|example|sid-123/);
      expect(key).toMatch(new RegExp(`^${prefix}\\{[0-9a-f]{32}\\}:(c|i|p|d|n|k|f|o|m|s:[0-9a-f]{32})$`));
      expect(await admin.pttl(key), key).toBeGreaterThan(0);
    }
    // Another subject lands in its own slot group (and, almost surely, another slot).
    await visit(s, { subject: 'bob@example.com' });
    expect((await admin.keys(`${prefix}*`)).length).toBe(16);
  });

  it('gives approvals a TTL and one slot, the index included', async () => {
    const s = store(2000);
    await eventually(() => s.approvals.create('abc123', '{}', 60_000, Date.now()));
    await s.approvals.create('def456', '{}', 60_000, Date.now());
    const keys = await admin.keys(`rt${n}:*`);
    expect(keys.sort()).toEqual([`rt${n}:{approval}`, `rt${n}:{approval}:abc123`, `rt${n}:{approval}:def456`]);
    expect(new Set(keys.map(keySlot)).size).toBe(1);
    for (const key of keys) expect(await admin.pttl(key), key).toBeGreaterThan(0);
  });
});

describe('Redis store: failures are bounded and recover', () => {
  it('rejects with StateUnavailableError within the timeout while Redis is down, and recovers by itself when it returns', async () => {
    const s = store();
    const before = await eventually(() => visit(s));
    expect(before.firstSeen).toBe(true);

    await redis.kill();
    for (let i = 0; i < 10; i++) {
      const r = await timed(s.observe(observation()));
      expect(r.err).toBeInstanceOf(StateUnavailableError);
      expect((r.err as StateUnavailableError).code).toBe('state_unavailable');
      expect(r.ms).toBeLessThan(TIMEOUT + SLACK);
      const a = await timed(s.approvals.get('x', Date.now()));
      expect(a.err).toBeInstanceOf(StateUnavailableError);
      expect(a.ms).toBeLessThan(TIMEOUT + SLACK);
      // Fire-and-forget stays safe: it resolves, it never rejects.
      const d = await timed(s.recordDenial(SUBJECT, Date.now()));
      expect(d.err).toBeUndefined();
      await new Promise((r) => setTimeout(r, 20));
    }

    await redis.start();
    // The same store object, not re-created: it reconnects (and reloads its scripts) by itself.
    const after = await eventually(() => visit(s));
    expect(after.firstSeen).toBe(true); // the restarted server is empty
    const again = await s.observe(observation());
    expect(again).toMatchObject({ firstSeen: false, ipKnown: true, deviceKnown: true, requests: 2 });
    await admin.ping().catch(() => undefined);
  });

  it('times out against a server that does not answer, and stays in step afterwards', async () => {
    const s = store();
    await eventually(() => visit(s, { subject: 'slow@example.com' }));
    await eventually(() => admin.ping());
    const sleeping = admin.call('DEBUG', 'SLEEP', '0.6');
    await new Promise((r) => setTimeout(r, 30));
    const r = await timed(s.observe(observation({ subject: 'slow@example.com' })));
    expect(r.err).toBeInstanceOf(StateUnavailableError);
    expect(r.ms).toBeGreaterThanOrEqual(TIMEOUT - 5);
    expect(r.ms).toBeLessThan(TIMEOUT + SLACK);
    await sleeping;
    // Replies to timed-out calls must not be handed to later ones.
    const other = await eventually(() => s.observe(observation({ subject: 'other@example.com' })));
    expect(other).toMatchObject({ firstSeen: true, ipKnown: false, requests: 1 });
    const mine = await s.observe(observation({ subject: 'slow@example.com' }));
    expect(mine.firstSeen).toBe(false);
    expect(mine.ipKnown).toBe(true);
  });

  it('rejects at once when Redis was never reachable, and closes promptly', async () => {
    const probe = await startRedis();
    const port = probe.port;
    await probe.stop();
    const s = store(TIMEOUT, port);
    const r = await timed(s.observe(observation()));
    expect(r.err).toBeInstanceOf(StateUnavailableError);
    expect(r.ms).toBeLessThan(TIMEOUT + SLACK);
    const c = await timed(s.close());
    expect(c.err).toBeUndefined();
    expect(c.ms).toBeLessThan(TIMEOUT + SLACK);
    const afterClose = await timed(s.observe(observation()));
    expect(afterClose.err).toBeInstanceOf(StateUnavailableError);
  });

  it('turns a server error into StateUnavailableError', async () => {
    const s = store(2000);
    await eventually(() => s.observe(observation({ subject: 'wrongtype@example.com' })));
    const counters = (await admin.keys(`rt${n}:*:c`))[0]!;
    await admin.del(counters);
    await admin.set(counters, 'not a hash');
    const r = await timed(s.observe(observation({ subject: 'wrongtype@example.com' })));
    expect(r.err).toBeInstanceOf(StateUnavailableError);
    expect(String((r.err as Error).message)).toMatch(/WRONGTYPE/);
  });
});

describe('Redis store from configuration', () => {
  it('connects from REDIS_URL when the file names no URL', async () => {
    const cfg = parseConfig(`${BASE_YAML}state:\n  store: redis\n  timeout_ms: 500\n`, 'test.yaml');
    const s = createStateStore(cfg.state, LIMITS, { REDIS_URL: redis.url });
    open.push(s);
    expect(s.kind).toBe('redis');
    const h = await eventually(() => Promise.resolve(s.observe(observation({ subject: 'env@example.com' }))));
    expect(h.firstSeen).toBe(true);
    expect(await admin.keys('stepgate:*')).not.toHaveLength(0);
  });

  it('authenticates with the password from password_env, and fails closed with a wrong one', async () => {
    const locked = await startRedis(['--requirepass', 's3cret-pass']);
    try {
      const yaml = `${BASE_YAML}state:\n  store: redis\n  timeout_ms: 200\n  redis:\n    url: ${locked.url}\n    password_env: TEST_REDIS_PASSWORD\n`;
      const cfg = parseConfig(yaml, 'test.yaml');
      const good = createStateStore(cfg.state, LIMITS, { TEST_REDIS_PASSWORD: 's3cret-pass' });
      open.push(good);
      expect((await eventually(() => Promise.resolve(good.observe(observation())))).firstSeen).toBe(true);

      const bad = createStateStore(cfg.state, LIMITS, { TEST_REDIS_PASSWORD: 'wrong' });
      open.push(bad);
      await new Promise((r) => setTimeout(r, 300));
      for (let i = 0; i < 3; i++) {
        const r = await timed(Promise.resolve(bad.observe(observation())));
        expect(r.err).toBeInstanceOf(StateUnavailableError);
        expect(r.ms).toBeLessThan(200 + SLACK);
        expect(String((r.err as Error).message)).not.toContain('wrong');
      }
      await bad.close();
      await good.close();
    } finally {
      await locked.stop();
    }
  });

  it('speaks TLS for rediss://, verifying the server against ca_file', async () => {
    const ca = makeTestCa();
    const tlsPort = await freePort();
    const tls = await startRedis([
      '--tls-port', String(tlsPort), '--tls-cert-file', ca.certFile, '--tls-key-file', ca.keyFile,
      '--tls-ca-cert-file', ca.caFile, '--tls-auth-clients', 'no',
    ]);
    try {
      const url = `rediss://localhost:${tlsPort}/0`;
      const trusted = parseConfig(`${BASE_YAML}state:\n  store: redis\n  timeout_ms: 500\n  redis:\n    url: ${url}\n    ca_file: ${ca.caFile}\n`, 't.yaml');
      const good = createStateStore(trusted.state, LIMITS, {});
      open.push(good);
      expect((await eventually(() => Promise.resolve(good.observe(observation())))).firstSeen).toBe(true);

      // Without the CA the server's certificate is not trusted: no connection, only fast failures.
      const untrusted = parseConfig(`${BASE_YAML}state:\n  store: redis\n  timeout_ms: 200\n  redis:\n    url: ${url}\n`, 't.yaml');
      const bad = createStateStore(untrusted.state, LIMITS, {});
      open.push(bad);
      await new Promise((r) => setTimeout(r, 300));
      const r = await timed(Promise.resolve(bad.observe(observation())));
      expect(r.err).toBeInstanceOf(StateUnavailableError);
      expect(r.ms).toBeLessThan(200 + SLACK);
      await bad.close();
      await good.close();
    } finally {
      await tls.stop();
    }
  });
});
