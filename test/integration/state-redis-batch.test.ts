import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { MemoryStateStore } from '../../src/state/memory.js';
import { BATCH_MAX, BATCH_MAX_CHARS, RedisStateStore } from '../../src/state/redis.js';
import { scriptCounts } from '../../src/state/script-counts.js';
import { StateUnavailableError, type Observation, type ObservedAll, type WorkObservation } from '../../src/state/store.js';
import { startRedis, type RedisServer } from '../support/redis.js';
import { TEST_LIMITS } from '../support/state-config.js';
import { prng } from '../support/workday.js';

/**
 * The Checks one event-loop turn issues go out as one script call (RedisStateStore's batch,
 * redis-scripts.ts observeBatchLua). Whatever mix of subjects, sessions and working sets a batch
 * holds, each Check's answer is the one it gets run alone, one after another in the order they
 * were issued (the memory store's, and a Redis store that sends every Check on its own); and each
 * Check fails on its own: a script error in one part fails that Check alone, a timeout or a lost
 * connection fails every Check of the batch, as it failed each single call.
 */

const T = 1_764_000_000_000;
let redis: RedisServer;
let admin: Redis;
const stores: RedisStateStore[] = [];
let n = 0;
const unhandled: unknown[] = [];
const onUnhandled = (e: unknown) => unhandled.push(e);

beforeAll(async () => {
  process.on('unhandledRejection', onUnhandled);
  redis = await startRedis();
  admin = await client(redis.port);
}, 60_000);

afterEach(() => {
  expect(unhandled).toEqual([]);
});

afterAll(async () => {
  for (const s of stores) await s.close();
  admin?.disconnect();
  await redis?.stop();
  process.off('unhandledRejection', onUnhandled);
});

async function client(port: number): Promise<Redis> {
  const c = new Redis({ host: '127.0.0.1', port, lazyConnect: true, maxRetriesPerRequest: null });
  c.on('error', () => {});
  await c.connect();
  return c;
}

async function ready(r: RedisStateStore): Promise<RedisStateStore> {
  const deadline = Date.now() + 10_000;
  while (r.status !== 'ready') {
    if (Date.now() > deadline) throw new Error(`redis store not ready: ${r.status}`);
    await new Promise((done) => setTimeout(done, 10));
  }
  return r;
}

function store(over: { batchMax?: number; timeoutMs?: number; port?: number; batchFlush?: 'microtask' | 'immediate'; prefix?: string } = {}): RedisStateStore {
  const r = new RedisStateStore(TEST_LIMITS, {
    connection: { host: '127.0.0.1', port: over.port ?? redis.port, db: 0 },
    keyPrefix: over.prefix ?? `bat${++n}:`,
    timeoutMs: over.timeoutMs ?? 5000,
    batchMax: over.batchMax,
    batchFlush: over.batchFlush,
  });
  stores.push(r);
  return r;
}

/** evalsha + eval calls so far, from INFO commandstats. */
async function scriptCalls(c: Redis = admin): Promise<number> {
  const info = await c.info('commandstats');
  let calls = 0;
  for (const m of info.matchAll(/^cmdstat_(evalsha|eval):calls=(\d+)/gm)) calls += Number(m[2]);
  return calls;
}

function reference(m: MemoryStateStore, o: Observation, w: WorkObservation | undefined): ObservedAll {
  return { history: m.observe(o), work: w === undefined ? undefined : m.observeWork(w) };
}

async function settled<T>(p: Promise<T>): Promise<{ value?: T; err?: unknown }> {
  try {
    return { value: await p };
  } catch (err) {
    return { err };
  }
}

const SUBJECTS = ['alice@example.com', 'bob@example.com', 'bøb@例え.jp', 'https://idp\n{tag}}', ''];

/** A Check of one of a few subjects, with values drawn so that known/unknown, new and repeated parts mix within a batch. */
function draw(rand: () => number, at: number): { o: Observation; w: WorkObservation | undefined } {
  const pick = <X>(xs: X[]) => xs[Math.floor(rand() * xs.length)]!;
  const subject = pick(SUBJECTS);
  const o: Observation = {
    subject,
    session: pick(['', 'sid-1', 'sid-2', 'sid,3']),
    nowMs: at,
    ip: pick(['', '203.0.113.7', '203.0.113.8', '2001:db8::1']),
    ipPrefix: pick(['', '203.0.113.0/24', '2001:db8::/64']),
    device: pick(['', 'cert:laptop', 'fp:1', 'fp:2', 'fp:3', 'fp:4']),
    uaFamily: pick(['', 'kubectl', 'chrome', 'curl']),
    namespace: pick(['', 'dev', 'prod', 'team-a', 'team-b', 'ü,ns']),
    sensitive: rand() < 0.4,
    client: pick(['', 'interactive', 'curl']),
    object: pick(['', '|secrets|prod|db', 'apps|deployments|prod|web', 'o1', 'o2', 'o3']),
    destructive: rand() < 0.2,
    counted: rand() < 0.9,
    platform: pick(['', 'linux', 'mac']),
  };
  const w: WorkObservation | undefined =
    rand() < 0.7 ? { subject, nowMs: at, namespace: pick(['dev', 'prod', '*', 'team-a', 'team-b', 'team-c']), object: pick(['', 'x1', 'x2', 'x3', 'x4']), site: pick(['', 'berlin', 'paris']), nearby: pick(['', 'n1', 'n2']), read: rand() < 0.6 } : undefined;
  return { o, w };
}

describe('a batch answers as the same Checks one after another', () => {
  for (const seed of [21, 22, 23]) {
    it(`seeded random interleavings ${seed}: each Check's answer is the memory store's and the unbatched store's, in issue order`, async () => {
      const m = new MemoryStateStore(TEST_LIMITS, { maxSubjects: 100 });
      const batched = await ready(store());
      const single = await ready(store({ batchMax: 1 }));
      const rand = prng(seed);
      let at = T;
      let checks = 0;
      const stats0 = { ...batched.batchStats };
      for (let round = 0; round < 40; round++) {
        // Between rounds, what a Check's caller does after its answer.
        const between = Math.floor(rand() * 3);
        for (let k = 0; k < between; k++) {
          const subject = SUBJECTS[Math.floor(rand() * SUBJECTS.length)]!;
          const roll = rand();
          if (roll < 0.5) {
            const args = [subject, rand() < 0.5 ? '203.0.113.7' : '', '203.0.113.0/24', rand() < 0.5 ? 'fp:1' : 'fp:9', at, 'interactive'] as const;
            m.learn(...args);
            await batched.learn(...args);
            await single.learn(...args);
          } else if (roll < 0.8) {
            const args = [subject, rand() < 0.5 ? 'dev' : 'team-b', rand() < 0.5 ? 'berlin' : '', at, 'n1', '', 1, rand() < 0.6 ? `x${1 + Math.floor(rand() * 4)}` : ''] as const;
            m.learnWork(...args);
            await batched.learnWork(...args);
            await single.learnWork(...args);
          } else {
            m.recordDenial(subject, at);
            await batched.recordDenial(subject, at);
            await single.recordDenial(subject, at);
          }
        }
        // A turn's Checks: up to 80 (past BATCH_MAX), of repeated subjects, each on its own clock:
        // often the same millisecond as the one before, not always increasing (replicas' clocks
        // and arrival order differ).
        const size = 1 + Math.floor(rand() * 80);
        const drawn = Array.from({ length: size }, () => {
          if (rand() < 0.5) at += Math.floor(rand() * (rand() < 0.05 ? 700_000 : 3_000));
          return draw(rand, rand() < 0.7 ? at : at - Math.floor(rand() * 500));
        });
        const answers = await Promise.all(drawn.map(({ o, w }) => batched.observeAll(o, w)));
        for (const [i, { o, w }] of drawn.entries()) {
          const alone = await single.observeAll(o, w);
          const expected = reference(m, o, w);
          expect(alone, `round ${round} Check ${i}: unbatched`).toEqual(expected);
          expect(answers[i], `round ${round} Check ${i}: batched`).toEqual(expected);
        }
        checks += size;
      }
      // The batched store did batch: fewer script calls than Checks, none over the cap.
      const stats = batched.batchStats;
      expect(stats.checks - stats0.checks).toBe(checks);
      expect(stats.calls - stats0.calls).toBeLessThan(checks / 4);
      expect(stats.largest).toBeLessThanOrEqual(BATCH_MAX);
      expect(stats.largest).toBeGreaterThan(1);
    });
  }

  it('flushed on the microtask queue too: the same answers', async () => {
    const m = new MemoryStateStore(TEST_LIMITS, { maxSubjects: 100 });
    const r = await ready(store({ batchFlush: 'microtask' }));
    const rand = prng(31);
    let at = T;
    for (let round = 0; round < 10; round++) {
      const drawn = Array.from({ length: 30 }, () => draw(rand, (at += 997)));
      const answers = await Promise.all(drawn.map(({ o, w }) => r.observeAll(o, w)));
      expect(answers).toEqual(drawn.map(({ o, w }) => reference(m, o, w)));
    }
    expect(r.batchStats.largest).toBe(30);
  });
});

/**
 * The batch script keeps what it read of a subject (its hashes' fields, its known sets' ranks,
 * counts and scores) for the rest of the call. A later Check of the same batch must read what an
 * earlier one wrote: here a write moves which member of a known set is the newest, so the
 * member's next use in the batch is due (sliding.ts refreshDue) and its time is written; a kept
 * rank from before would skip that write, and the member would be forgotten a known TTL after its
 * older time, one Check later than on the memory store.
 */
describe('a later Check of a batch reads what an earlier one wrote', () => {
  const KNOWN_TTL = TEST_LIMITS.knownTtlSeconds * 1000;
  const obs = (subject: string, nowMs: number, ip: string): Observation => ({
    subject, session: '', nowMs, ip, ipPrefix: '203.0.113.0/24', device: 'fp:1', uaFamily: 'kubectl', namespace: '',
    sensitive: false, client: 'interactive', object: '', destructive: false, counted: true, platform: '',
  });

  it('a known address used again after another became the newest', async () => {
    const m = new MemoryStateStore(TEST_LIMITS, { maxSubjects: 100 });
    const r = await ready(store());
    const subject = 'refresh@example.com';
    for (const [ip, at] of [['203.0.113.8', T], ['203.0.113.7', T + 2000]] as const) {
      m.learn(subject, ip, '203.0.113.0/24', 'fp:1', at, 'interactive');
      await r.learn(subject, ip, '203.0.113.0/24', 'fp:1', at, 'interactive');
    }
    // .7 is the newest and recent: not written (twice, so that the script keeps what it read);
    // .8 is older: written, now the newest; .7 again: due.
    const batch = [obs(subject, T + 3000, '203.0.113.7'), obs(subject, T + 3000, '203.0.113.7'), obs(subject, T + 3001, '203.0.113.8'), obs(subject, T + 3002, '203.0.113.7')];
    const stats0 = { ...r.batchStats };
    const answers = await Promise.all(batch.map((o) => r.observeAll(o, undefined)));
    expect(r.batchStats.calls - stats0.calls).toBe(1);
    expect(answers).toEqual(batch.map((o) => reference(m, o, undefined)));
    // Past a known TTL after .7's learned time, not past one after its last use.
    const late = obs(subject, T + 2000 + KNOWN_TTL + 500, '203.0.113.7');
    const answer = await r.observeAll(late, undefined);
    expect(answer).toEqual(reference(m, late, undefined));
    expect(answer.history.ipKnown).toBe(true);
  });

  it('a known kind used again after a family key was written', async () => {
    const m = new MemoryStateStore(TEST_LIMITS, { maxSubjects: 100 });
    const r = await ready(store());
    const subject = 'kind@example.com';
    const learned = [['team-b', T - 5000, ''], ['team-a', T, 'secret_read']] as const;
    for (const [ns, at, kind] of learned) {
      m.learnWork(subject, ns, '', at, '', '', 1, '', true, '1:team', kind);
      await r.learnWork(subject, ns, '', at, '', '', 1, '', true, '1:team', kind);
    }
    const work = (nowMs: number, namespace: string, kind: string): WorkObservation => ({ subject, nowMs, namespace, object: '', site: '', nearby: '', family: '1:team', kind });
    // The kind is the newest of the family keys and recent: not written (twice, so that the script
    // keeps what it read). team-b's use is due, and with it its family key's: now the newest. The
    // kind again: due.
    const batch = [work(T + 3000, 'team-a', 'secret_read'), work(T + 3000, 'team-a', 'secret_read'), work(T + 3001, 'team-b', ''), work(T + 3002, 'team-a', 'secret_read')];
    const stats0 = { ...r.batchStats };
    const answers = await Promise.all(batch.map((w) => r.observeAll(obs(subject, w.nowMs, '203.0.113.7'), w)));
    expect(r.batchStats.calls - stats0.calls).toBe(1);
    expect(answers).toEqual(batch.map((w) => reference(m, obs(subject, w.nowMs, '203.0.113.7'), w)));
    const late = work(T + KNOWN_TTL + 1000, 'team-a', 'secret_read');
    const answer = await r.observeAll(obs(subject, late.nowMs, '203.0.113.7'), late);
    expect(answer).toEqual(reference(m, obs(subject, late.nowMs, '203.0.113.7'), late));
    expect(answer.work!.kindSince).toBe(0);
  });
});

describe('a batch is bounded', () => {
  it(`sends at most ${BATCH_MAX} Checks per script call`, async () => {
    const m = new MemoryStateStore(TEST_LIMITS, { maxSubjects: 1000 });
    const r = await ready(store());
    // The single script loaded on this connection, and the batch script by a first batch.
    await r.observeAll(draw(prng(1), T).o, undefined);
    m.observe(draw(prng(1), T).o);
    await Promise.all([2, 3].map((k) => r.observeAll({ ...draw(prng(k), T).o, subject: 'warm' }, undefined)));
    for (const k of [2, 3]) m.observe({ ...draw(prng(k), T).o, subject: 'warm' });
    const calls0 = await scriptCalls();
    const stats0 = { ...r.batchStats };
    const counts0 = { ...scriptCounts };
    const rand = prng(41);
    const drawn = Array.from({ length: 2 * BATCH_MAX + 10 }, (_, i) => draw(rand, T + 1000 + i));
    const answers = await Promise.all(drawn.map(({ o, w }) => r.observeAll(o, w)));
    expect(answers).toEqual(drawn.map(({ o, w }) => reference(m, o, w)));
    expect(r.batchStats.calls - stats0.calls).toBe(3);
    expect(r.batchStats.largest).toBe(BATCH_MAX);
    expect((await scriptCalls()) - calls0).toBe(3);
    // What stepgate_state_script_calls_total / _checks_total report: the calls Redis saw, and every Check.
    expect({ calls: scriptCounts.calls - counts0.calls, checks: scriptCounts.checks - counts0.checks }).toEqual({ calls: 3, checks: drawn.length });
  });

  it(`and to ${BATCH_MAX_CHARS} characters of arguments: long values start a new batch`, async () => {
    const m = new MemoryStateStore(TEST_LIMITS, { maxSubjects: 100 });
    const r = await ready(store());
    const long = 'ns-'.padEnd(20_000, 'x');
    const drawn = Array.from({ length: 8 }, (_, i) => {
      const o: Observation = { subject: `long-${i % 3}`, session: '', nowMs: T + i, ip: '', ipPrefix: '', device: '', uaFamily: '', namespace: long, sensitive: false, object: long };
      return { o, w: undefined };
    });
    const stats0 = { ...r.batchStats };
    const answers = await Promise.all(drawn.map(({ o, w }) => r.observeAll(o, w)));
    expect(answers).toEqual(drawn.map(({ o, w }) => reference(m, o, w)));
    // Each Check carries 40,000 characters: two would pass the bound, so each goes alone.
    expect(r.batchStats.calls - stats0.calls).toBe(8);
  });
});

describe('each Check of a batch fails as it would alone', () => {
  it('a script error in one Check fails that Check only; the others answer, in order', async () => {
    const m = new MemoryStateStore(TEST_LIMITS, { maxSubjects: 100 });
    const prefix = `bat${++n}:`;
    const r = await ready(store({ prefix }));
    const at = (k: number, subject: string): Observation => ({ ...draw(prng(k), T + k).o, subject, counted: true });
    // A subject whose counters key holds a string: HMGET on it fails with WRONGTYPE.
    await r.observeAll(at(1, 'broken@example.com'), undefined);
    const counters = (await admin.keys(`${prefix}*:c`))[0]!;
    await admin.del(counters);
    await admin.set(counters, 'not a hash');
    const before = await scriptCalls();
    const os = [at(2, 'alice@example.com'), at(3, 'broken@example.com'), at(4, 'alice@example.com'), at(5, 'bob@example.com')];
    const results = await Promise.all(os.map((o) => settled(r.observeAll(o, undefined))));
    expect((await scriptCalls()) - before).toBe(1);
    expect(results[1]!.err).toBeInstanceOf(StateUnavailableError);
    expect(String((results[1]!.err as Error).message)).toMatch(/WRONGTYPE/);
    for (const i of [0, 2, 3]) expect(results[i]!.value, `Check ${i}`).toEqual(reference(m, os[i]!, undefined));
  });

  it('a server that does not answer: every Check of the batch rejects with StateUnavailableError, and later Checks get their own replies', async () => {
    const r = await ready(store({ timeoutMs: 100 }));
    const o = (subject: string, k: number): Observation => ({ ...draw(prng(k), T + k).o, subject, counted: true });
    await r.observeAll(o('slow@example.com', 1), undefined);
    const sleeper = await client(redis.port);
    const sleeping = sleeper.call('DEBUG', 'SLEEP', '0.6');
    await new Promise((done) => setTimeout(done, 30));
    const results = await Promise.all([2, 3, 4].map((k) => settled(r.observeAll(o(`slow-${k}@example.com`, k), undefined))));
    for (const x of results) {
      expect(x.err).toBeInstanceOf(StateUnavailableError);
      expect((x.err as StateUnavailableError).code).toBe('state_unavailable');
    }
    await sleeping;
    sleeper.disconnect();
    // The late reply to the timed-out batch is not handed to the next one: each answer is its own
    // subject's (the slow subjects' Checks did run on the server once it woke).
    const next = await Promise.all([r.observeAll(o('fresh@example.com', 5), undefined), r.observeAll(o('slow-2@example.com', 6), undefined)]);
    expect(next[0].history.firstSeen).toBe(true);
    expect(next[0].history.requests).toBe(1);
    expect(next[1].history.firstSeen).toBe(false);
  });

  it('a Redis restart: a batch in flight fails closed; after it the batch script is loaded again (NOSCRIPT) and answers as the memory store', async () => {
    const own = await startRedis();
    try {
      const c = await client(own.port);
      const r = await ready(store({ port: own.port, timeoutMs: 2000 }));
      const rand = prng(51);
      const warm = Array.from({ length: 5 }, (_, i) => draw(rand, T + i));
      await Promise.all(warm.map(({ o, w }) => r.observeAll(o, w)));
      // A batch sent, then the server dies before it answers.
      // Its reply is never awaited: when the kill's socket close is seen before disconnect(), ioredis
      // keeps the command for a reconnect that disconnect() then cancels, and it never settles
      // (the hang behind this test's timeouts in CI, 3 runs of 8 on a quiet machine).
      void c.call('DEBUG', 'SLEEP', '1').catch(() => undefined);
      await new Promise((done) => setTimeout(done, 30));
      const inFlight = Array.from({ length: 5 }, (_, i) => draw(rand, T + 100 + i));
      const pending = Promise.all(inFlight.map(({ o, w }) => settled(r.observeAll(o, w))));
      await new Promise((done) => setTimeout(done, 30));
      await own.kill();
      c.disconnect();
      for (const x of await pending) expect(x.err).toBeInstanceOf(StateUnavailableError);
      // While it is down, every Check rejects at once.
      const down = await settled(r.observeAll(warm[0]!.o, warm[0]!.w));
      expect(down.err).toBeInstanceOf(StateUnavailableError);
      await own.start();
      await ready(r);
      const admin2 = await client(own.port);
      // The server is empty: no script, no state. A batch is answered after NOSCRIPT, as fresh.
      expect(await admin2.script('EXISTS', createHashOf(r))).toEqual([0]);
      const m = new MemoryStateStore(TEST_LIMITS, { maxSubjects: 100 });
      const after = Array.from({ length: 12 }, (_, i) => draw(rand, T + 1000 + i));
      const answers = await Promise.all(after.map(({ o, w }) => r.observeAll(o, w)));
      expect(answers).toEqual(after.map(({ o, w }) => reference(m, o, w)));
      const info = await admin2.info('commandstats');
      expect(info).toMatch(/^cmdstat_eval:calls=1,/m);
      admin2.disconnect();
    } finally {
      await own.stop();
    }
  }, 30_000);
});

/** The batch script's SHA-1, as the store sends it. */
function createHashOf(r: RedisStateStore): string {
  return (r as unknown as { batchScript: { sha: string } }).batchScript.sha;
}
