import { describe, expect, it } from 'vitest';
import { compileAssurance } from '../../src/core/assurance.js';
import { RiskEngine, type RiskOutcome } from '../../src/risk/engine.js';
import { MemoryStateStore } from '../../src/state/memory.js';
import { RedisStateStore } from '../../src/state/redis.js';
import { redisForFile } from '../support/redis-stores.js';
import { baseRequirement, ENGINE_CONFIG, engineIdentity, engineRequest } from '../support/risk-engine.js';
import { TEST_LIMITS } from '../support/state-config.js';

/**
 * A Redis that lost its data under running replicas (FLUSHALL; a restart without persistence
 * is the same empty store): every identity looks new, and a stolen token signed in before the
 * loss must not get the newcomer allowance, on the replica that noticed nor on one started later.
 */

const T = 1_800_000_000_000;
const redis = redisForFile('lost', { timeoutMs: 5000 });
const store = (prefix: string) => redis.store(TEST_LIMITS, prefix);
/** A sensitive request by `subject`'s token signed in `signedInBefore` ms before `at`: asked, and what it teaches. */
const first = async (s: RedisStateStore, subject: string, at: number, signedInBefore: number) => {
  const e = new RiskEngine({
    risk: ENGINE_CONFIG.risk!, network: ENGINE_CONFIG.network, onStateError: 'fail_closed', assurance: compileAssurance(ENGINE_CONFIG.assurance.levels),
    store: s, fallback: new MemoryStateStore(TEST_LIMITS, { maxSubjects: 10 }),
  });
  const who = { ...engineIdentity(at), subject, authTime: (at - signedInBefore) / 1000 };
  const out = (await e.assess(engineRequest(), who, baseRequirement(['secrets'], 30), at)) as Extract<RiskOutcome, { ok: true }>;
  return { learn: out.learn === undefined ? undefined : out.learn.prefix, asked: out.risk.context !== undefined && who.authTime < out.risk.context.authAfter };
};

describe('history lost in redis: no newcomer allowance for a sign-in made before the loss', () => {
  it('FLUSHALL under a running replica: the stolen token signed in 5 min before its first request is asked, there and on a replica started afterwards', async () => {
    const a = await store('lost:');
    await a.control.snapshot(T);
    expect(a.historyLostAt(T)).toBe(0);
    // Before the loss: a newcomer's sign-in 5 min before the first request proves it.
    expect(await first(a, 'alice', T + 1000, 5 * 60_000)).toEqual({ learn: '203.0.113.0/24', asked: false });
    await redis.admin().flushall();
    await a.control.snapshot(T + 60_000);
    expect(a.historyLostAt(T + 60_000)).toBe(T + 60_000);
    expect(await first(a, 'mallory', T + 120_000, 5 * 60_000)).toEqual({ learn: undefined, asked: true });
    const b = await store('lost:');
    await b.control.snapshot(T + 130_000);
    expect(b.historyLostAt(T + 130_000)).toBe(T + 60_000);
    expect(await first(b, 'trudy', T + 140_000, 5 * 60_000)).toEqual({ learn: undefined, asked: true });
    // A sign-in after the loss keeps the allowance: the engineer signing in again is not asked twice.
    expect(await first(b, 'bob', T + 150_000, 60_000)).toEqual({ learn: '203.0.113.0/24', asked: false });
    // The fact ends a known TTL and a day after the loss.
    const ends = T + 60_000 + TEST_LIMITS.knownTtlSeconds * 1000 + 86_400_000;
    expect(b.historyLostAt(ends - 1)).toBe(T + 60_000);
    expect(b.historyLostAt(ends)).toBe(0);
  });

  it('a replica started on an empty Redis after the flush does not hide the loss from one that was running', async () => {
    const a = await store('race:');
    await a.control.snapshot(T);
    await redis.admin().flushall();
    const late = await store('race:');
    await late.control.snapshot(T + 10_000); // writes a marker of its own
    await a.control.snapshot(T + 20_000);
    expect(a.historyLostAt(T + 20_000)).toBe(T + 20_000);
    await late.control.snapshot(T + 30_000);
    expect(late.historyLostAt(T + 30_000)).toBe(T + 20_000);
  });

  it('a fresh install (no marker ever): no loss, the newcomer allowance holds', async () => {
    const s = await store('fresh:');
    await s.control.snapshot(T);
    await s.control.snapshot(T + 1000);
    expect(s.historyLostAt(T + 1000)).toBe(0);
    expect(await first(s, 'carol', T + 60_000, 5 * 60_000)).toEqual({ learn: '203.0.113.0/24', asked: false });
  });

  it('the incident board\'s loss (an older RDB keeps the marker): recorded for every replica', async () => {
    const a = await store('rdb:');
    await a.control.snapshot(T);
    await a.control.historyLost(T + 5000);
    const b = await store('rdb:');
    await b.control.snapshot(T + 6000);
    expect(b.historyLostAt(T + 6000)).toBe(T + 5000);
  });
});
