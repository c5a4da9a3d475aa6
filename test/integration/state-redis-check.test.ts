import { describe, expect, it } from 'vitest';
import { MemoryStateStore } from '../../src/state/memory.js';
import { counterKey, opaqueHash } from '../../src/state/keys.js';
import { StateUnavailableError, type Observation, type ObservedAll, type WorkObservation } from '../../src/state/store.js';
import { redisForFile } from '../support/redis-stores.js';
import { TEST_LIMITS } from '../support/state-config.js';
import { prng } from '../support/workday.js';

/**
 * The Check's one script call (RedisStateStore.observeAll): one key sent, the others derived in
 * Lua, the values as they are and the reply packed (redis-scripts.ts observeLua). Whatever the
 * values hold (empty, non-ASCII, very long, the reply's own separator, CR LF, NUL), the answers
 * are the memory store's observe + observeWork, call for call.
 */

const T = 1_764_000_000_000;
const redis = redisForFile('chk');

async function pair(prefix?: string) {
  return { m: new MemoryStateStore(TEST_LIMITS, { maxSubjects: 100 }), r: await redis.store(TEST_LIMITS, prefix) };
}

/** What the memory store answers for the same Check (it has no observeAll: the engine calls both). */
function reference(m: MemoryStateStore, o: Observation, w: WorkObservation | undefined): ObservedAll {
  return { history: m.observe(o), work: w === undefined ? undefined : m.observeWork(w) };
}

const LONG = 'ns-'.padEnd(10_000, 'x');
/** Values a packing could get wrong: every one must come back, or count, as itself. */
const AWKWARD = ['', 'plain', 'prod-ü', '名前空間', '🚀-rocket', 'a,b', ',', '1,2,3', '%', '%2C', '50%,%25', 'cr\r\nlf', 'nul\0byte', '\u00ff\u00fe', '"quoted" \\ back', LONG];

function observation(subject: string, nowMs: number, pick: <X>(xs: X[]) => X, rand: () => number): Observation {
  return {
    subject,
    session: pick(['', 'sid-1', 'sid,2', 'sid\0binary', 'сессия']),
    nowMs,
    ip: pick(['', '203.0.113.7', '2001:db8::1', 'a,b']),
    ipPrefix: pick(['', '203.0.113.0/24', '2001:db8::/64', 'pre,fix\r\n', '网络']),
    device: pick(['', 'cert:laptop', 'fp:é,1', 'cookie:\0x']),
    uaFamily: pick(['', 'kubectl', 'chrome', 'ua,with,commas', 'ü\r\n']),
    namespace: pick(AWKWARD),
    sensitive: rand() < 0.5,
    client: pick(['', 'interactive', 'curl', 'kind,x']),
    object: pick(['', '|secrets|prod|db', 'apps|deployments|prod|web', 'o,1', LONG]),
    destructive: rand() < 0.2,
    counted: rand() < 0.9,
    platform: pick(['', 'linux', 'mac', 'windows', 'ü,x']),
  };
}

describe('the Check script: memory and redis agree whatever the values', () => {
  for (const seed of [11, 12, 13]) {
    it(`seeded random sequence ${seed}: identical answers, with and without a working-set side`, async () => {
      const { m, r } = await pair();
      const rand = prng(seed);
      const pick = <X>(xs: X[]) => xs[Math.floor(rand() * xs.length)]!;
      const subjects = ['alice@example.com', 'bøb@例え.jp', 'https://idp\n{tag}}', ''];
      let at = T;
      for (let i = 0; i < 300; i++) {
        at += Math.floor(rand() * (rand() < 0.1 ? 4_000_000 : 8_000));
        const subject = pick(subjects);
        const o = observation(subject, at, pick, rand);
        const roll = rand();
        if (roll < 0.15) {
          m.learn(subject, o.ip, o.ipPrefix, o.device, at, o.client);
          await r.learn(subject, o.ip, o.ipPrefix, o.device, at, o.client);
          continue;
        }
        if (roll < 0.25) {
          const args = [subject, pick(AWKWARD), pick(['', 'berlin', 'são paulo', 'a,b', 'x\0y']), at, pick(['', 'n1', 'n,2']), '', 1, pick(['', 'x1', 'x,2', LONG])] as const;
          m.learnWork(...args);
          await r.learnWork(...args);
          continue;
        }
        if (roll < 0.3) {
          m.recordDenial(subject, at);
          await r.recordDenial(subject, at);
          continue;
        }
        const w: WorkObservation | undefined =
          rand() < 0.7 ? { subject, nowMs: at, namespace: pick([...AWKWARD, '*']), object: pick(['', 'x1', 'x,2', LONG]), site: pick(['', 'berlin', 'são paulo', 'a,b', 'x\0y']), nearby: pick(['', 'n1', 'n,2']), read: rand() < 0.6 } : undefined;
        expect(await r.observeAll(o, w), `step ${i}`).toEqual(reference(m, o, w));
      }
    });
  }

  it("strings come back byte for byte: the session's clients, session origin, last site", async () => {
    const { m, r } = await pair();
    for (const value of AWKWARD) {
      const o: Observation = { subject: `s-${value}`, session: `sid-${value}`, nowMs: T, ip: '', ipPrefix: value, device: '', uaFamily: value, namespace: '', sensitive: false };
      const w: WorkObservation = { subject: o.subject, nowMs: T, namespace: value, object: value, site: value, nearby: value };
      m.learnWork(o.subject, '', value, T - 1000);
      await r.learnWork(o.subject, '', value, T - 1000);
      expect(await r.observeAll(o, w)).toEqual(reference(m, o, w));
      const again = await r.observeAll({ ...o, nowMs: T + 1000 }, { ...w, nowMs: T + 1000 });
      expect(again).toEqual(reference(m, { ...o, nowMs: T + 1000 }, { ...w, nowMs: T + 1000 }));
      expect(again.history.previousUaFamily).toBe(value);
      expect(again.history.sessionClients).toBe(value);
      expect(again.history.sessionOrigin).toBe(value);
      expect(again.work?.lastSite).toBe(value);
    }
  });

  it('a working set of another subject is answered too (two calls), as in memory', async () => {
    const { m, r } = await pair();
    const o = observation('alice', T, (xs) => xs[1]!, () => 0.5);
    const w: WorkObservation = { subject: 'bob', nowMs: T, namespace: 'team-b', object: 'o', site: 'berlin', nearby: 'n1' };
    expect(await r.observeAll(o, w)).toEqual(reference(m, o, w));
    m.learnWork('bob', 'team-b', 'berlin', T + 1);
    await r.learnWork('bob', 'team-b', 'berlin', T + 1);
    const later = { ...o, nowMs: T + 2 };
    expect(await r.observeAll(later, { ...w, nowMs: T + 2 })).toEqual(reference(m, later, { ...w, nowMs: T + 2 }));
  });
});

describe('the Check script: one call, recovered after the server forgets it', () => {
  /** evalsha + eval calls so far, from INFO commandstats. */
  async function scriptCalls(): Promise<number> {
    const info = await redis.admin().info('commandstats');
    let calls = 0;
    for (const m of info.matchAll(/^cmdstat_(evalsha|eval):calls=(\d+)/gm)) calls += Number(m[2]);
    return calls;
  }

  it('costs exactly one script call per Check, with or without a working-set side', async () => {
    const { r } = await pair();
    const o = observation('alice', T, (xs) => xs[1]!, () => 0.5);
    await r.observeAll(o, undefined); // loads the script on this connection
    const before = await scriptCalls();
    for (let i = 0; i < 10; i++) {
      await r.observeAll({ ...o, nowMs: T + i }, i % 2 === 0 ? undefined : { subject: 'alice', nowMs: T + i, namespace: 'dev', object: '', site: '', nearby: '' });
    }
    expect((await scriptCalls()) - before).toBe(10);
  });

  it('after SCRIPT FLUSH the next Check loads the script again and answers as before', async () => {
    const { m, r } = await pair();
    const o = observation('alice', T, (xs) => xs[1]!, () => 0.5);
    const w: WorkObservation = { subject: 'alice', nowMs: T, namespace: 'dev', object: 'x', site: 'berlin', nearby: 'n1' };
    expect(await r.observeAll(o, w)).toEqual(reference(m, o, w));
    await redis.admin().script('FLUSH');
    // Several at once, as under load: each NOSCRIPT is answered with the script's text.
    const at = (k: number) => ({ o: { ...o, nowMs: T + k }, w: { ...w, nowMs: T + k } });
    const answers = await Promise.all([1, 2, 3].map((k) => r.observeAll(at(k).o, at(k).w)));
    expect(answers).toEqual([1, 2, 3].map((k) => reference(m, at(k).o, at(k).w)));
  });
});

describe('the Check script: a stored number that is not one', () => {
  let n = 0;
  // The script converts the numbers it wrote with arithmetic (one strtod, redis-scripts.ts `num`),
  // which raises on text that is not a number, where tonumber() read it as absent: a counter or
  // timestamp tampered with, or written by something else, fails the Check closed instead of
  // answering as if the subject, its counts or its session were new.
  it.each([
    ['the counters hash', (prefix: string) => counterKey(prefix, 'mallory'), 't'],
    ['a counter', (prefix: string) => counterKey(prefix, 'mallory'), 'rc'],
    ['the session', (prefix: string) => `${counterKey(prefix, 'mallory').slice(0, -1)}s:${opaqueHash('sid-1')}`, 't'],
  ])('in %s fails that Check alone, as StateUnavailableError', async (_what, key, field) => {
    const prefix = `tampered${++n}:`;
    const { m, r } = await pair(prefix);
    const o = observation('mallory', T, (xs) => xs[1]!, () => 0.5);
    await r.observeAll(o, undefined);
    await redis.admin().hset(key(prefix), field, 'not-a-number');
    const other = { ...observation('alice', T + 1, (xs) => xs[1]!, () => 0.5) };
    // Both in one batch: the tampered Check fails, the other is answered as the memory store does.
    const [bad, good] = await Promise.allSettled([r.observeAll({ ...o, nowMs: T + 1 }, undefined), r.observeAll(other, undefined)]);
    expect(bad.status).toBe('rejected');
    expect((bad as PromiseRejectedResult).reason).toBeInstanceOf(StateUnavailableError);
    expect(good).toEqual({ status: 'fulfilled', value: reference(m, other, undefined) });
  });
});
