import { describe, expect, it } from 'vitest';
import type { RedisStateStore } from '../../src/state/redis.js';
import { redisForFile } from '../support/redis-stores.js';
import { M, NEW_NETWORK, newcomerEngine, S, stepAsync, T, who } from '../support/newcomer-refusal.js';
import { TEST_LIMITS } from '../support/state-config.js';

/**
 * newcomer49 on a real redis-server: a refusing band asks a newcomer's sign-in only while the
 * store can vouch that the subject never proved a context (its proven mark, risk.proven_ttl_seconds,
 * and the history marker's `m`). Idle past known_ttl_seconds, or flushed away mid-day, the LI
 * officer is no newcomer: an attacker holding their password and OTP from a new network is refused.
 */

const redis = redisForFile('nc49', { timeoutMs: 5000 });
const HOUR = 3_600_000;

/** A store on a fresh prefix, its marker read (a first start: vouches from the beginning). */
const fresh = async (prefix: string, limits = TEST_LIMITS): Promise<RedisStateStore> => {
  const s = await redis.store(limits, prefix);
  await s.control.snapshot(T - HOUR);
  return s;
};

/** The officer's first day: asked, signs in, allowed; a thief's fresh sign-in from elsewhere is refused. */
async function known(s: RedisStateStore) {
  const e = newcomerEngine(s);
  expect(await stepAsync(e, s, who(T - 40 * S), T)).toBe('asked');
  expect(await stepAsync(e, s, who(T + 30 * S), T + M)).toBe('allowed');
  expect(await stepAsync(e, s, who(T + 2 * M), T + 3 * M, undefined, NEW_NETWORK)).toBe('refused');
  return e;
}

/** The attacker: a request with a sign-in a minute old, then the fresh sign-in a step-up would ask for. */
const attacker = async (s: RedisStateStore, at: number, subject = 'li-officer') => {
  const e = newcomerEngine(s);
  return [
    await stepAsync(e, s, who(at - M, subject), at, undefined, NEW_NETWORK),
    await stepAsync(e, s, who(at + 30 * S, subject), at + M, undefined, NEW_NETWORK),
  ];
};

describe('newcomer49 (redis): a forgotten or idle subject is not a newcomer', () => {
  it('idle past known_ttl_seconds: the proven mark keeps the refusal (and a real newcomer is still asked)', async () => {
    const s = await fresh('idle:');
    await known(s);
    // Written at the proof and renewed by the subject's later requests (the keys' renewal).
    expect(await s.provenAt('https://idp.test\nli-officer', T + 2 * HOUR)).toBeGreaterThanOrEqual(T + M);
    expect(await attacker(s, T + 2 * HOUR)).toEqual(['refused', 'refused']);
    expect(await attacker(s, T + 30 * 24 * HOUR)).toEqual(['refused', 'refused']);
    // Nobody's mark was lost: a newcomer meets the step-up, and their sign-in after it passes.
    expect(await attacker(s, T + 2 * HOUR, 'new-officer')).toEqual(['asked', 'allowed']);
  });

  it('the mark is kept alive by work from known contexts, with the keys\' renewal', async () => {
    const s = await fresh('alive:', { ...TEST_LIMITS, provenTtlSeconds: 4 * 3600 });
    const e = await known(s);
    for (let t = T + 30 * M; t <= T + 5 * HOUR; t += 30 * M) expect(await stepAsync(e, s, who(t - 40 * S), t)).toBe('allowed');
    expect(await s.provenAt('https://idp.test\nli-officer', T + 7 * HOUR)).toBeGreaterThanOrEqual(T + 5 * HOUR);
    expect(await attacker(s, T + 7 * HOUR)).toEqual(['refused', 'refused']);
  });

  it('FLUSHDB mid-day: the very next refusal, before any control poll, holds; every replica then refuses unknown subjects for the mark lifetime', async () => {
    const s = await fresh('flush:');
    await known(s);
    await redis.admin().flushdb();
    // No poll since the flush: the marker read beside the mark catches it.
    expect(await attacker(s, T + 10 * M)).toEqual(['refused', 'refused']);
    await s.control.snapshot(T + 11 * M);
    expect(s.historyLostAt(T + 11 * M)).toBeGreaterThan(0);
    // A replica started after the flush was recorded sees it too.
    const later = await redis.store(TEST_LIMITS, 'flush:');
    await later.control.snapshot(T + 12 * M);
    expect(later.absenceVouched(T + 12 * M)).toBe(false);
    expect(await attacker(later, T + 20 * M)).toEqual(['refused', 'refused']);
    // The price: a real newcomer that day is refused too, until the mark lifetime has passed.
    expect(await attacker(later, T + 3 * HOUR, 'new-officer')).toEqual(['refused', 'refused']);
    const vouched = T + 10 * M + 180 * 24 * HOUR;
    expect(later.absenceVouched(vouched - 3 * M)).toBe(false);
    expect(await attacker(later, vouched + M, 'another-newcomer')).toEqual(['asked', 'allowed']);
  });

  it('a marker written before marks were kept (an upgrade): no absence is vouched for the mark lifetime', async () => {
    const admin = redis.admin();
    await admin.hset('upgrade:{control}:history', 'b', String(T - 100 * 24 * HOUR));
    const s = await redis.store(TEST_LIMITS, 'upgrade:');
    await s.control.snapshot(T);
    expect(s.absenceVouched(T + HOUR)).toBe(false);
    expect(await attacker(s, T + HOUR, 'new-officer')).toEqual(['refused', 'refused']);
    expect(s.absenceVouched(T + 180 * 24 * HOUR)).toBe(true);
  });

  it('a rise of evicted_keys (maxmemory with an eviction policy; marks have a TTL, the marker none) ends the vouching', async () => {
    const admin = redis.admin();
    const s = await fresh('evict:');
    expect(s.absenceVouched(T)).toBe(true);
    const policy = (await admin.config('GET', 'maxmemory-policy')) as string[];
    try {
      await admin.config('SET', 'maxmemory-policy', 'volatile-lru');
      const used = Number(/used_memory:(\d+)/.exec(await admin.info('memory'))![1]);
      await admin.config('SET', 'maxmemory', String(used + 2_000_000));
      const filler = 'x'.repeat(100_000);
      for (let i = 0; i < 60; i++) await admin.set(`evict:filler:${i}`, filler, 'PX', 3_600_000);
    } finally {
      await admin.config('SET', 'maxmemory', '0');
      await admin.config('SET', 'maxmemory-policy', policy[1] ?? 'noeviction');
    }
    expect(Number(/evicted_keys:(\d+)/.exec(await admin.info('stats'))![1])).toBeGreaterThan(0);
    // Only keys with a TTL were candidates: the history marker is still there.
    expect(await admin.hget('evict:{control}:history', 'b')).not.toBeNull();
    await s.control.snapshot(T + M);
    expect(s.absenceVouched(T + 2 * M)).toBe(false);
    expect(await attacker(s, T + 3 * M, 'new-officer')).toEqual(['refused', 'refused']);
  });

  /** Evicts some of the keys with a TTL: `n` values of 100 kB over a 2 MB headroom. */
  const evictSome = async (prefix: string, n: number) => {
    const admin = redis.admin();
    const policy = (await admin.config('GET', 'maxmemory-policy')) as string[];
    try {
      await admin.config('SET', 'maxmemory-policy', 'volatile-lru');
      const used = Number(/used_memory:(\d+)/.exec(await admin.info('memory'))![1]);
      await admin.config('SET', 'maxmemory', String(used + 2_000_000));
      const filler = 'x'.repeat(100_000);
      for (let i = 0; i < n; i++) await admin.set(`${prefix}filler:${i}`, filler, 'PX', 3_600_000);
    } finally {
      await admin.config('SET', 'maxmemory', '0');
      await admin.config('SET', 'maxmemory-policy', policy[1] ?? 'noeviction');
    }
  };
  const evictedKeys = async () => Number(/evicted_keys:(\d+)/.exec(await redis.admin().info('stats'))![1]);

  it('evictions no replica saw (every replica restarted since: a rolling deploy) end the vouching too (review49b)', async () => {
    const s = await fresh('evict-unseen:');
    expect(s.absenceVouched(T)).toBe(true);
    const before = await evictedKeys();
    // The replica that looked last is gone before its next poll; the evictions happen meanwhile.
    await evictSome('evict-unseen:', 40);
    expect(await evictedKeys()).toBeGreaterThan(before);
    const later = await redis.store(TEST_LIMITS, 'evict-unseen:');
    await later.control.snapshot(T + M);
    expect(later.absenceVouched(T + 2 * M)).toBe(false);
    expect(await attacker(later, T + 3 * M, 'new-officer')).toEqual(['refused', 'refused']);
  });

  it("evictions after the server's counters were reset (CONFIG RESETSTAT, a restart with persistence), fewer than before, end the vouching (review49b)", async () => {
    const admin = redis.admin();
    await evictSome('evict-reset-warm:', 40);
    const s = await fresh('evict-reset:');
    // The counter is already past zero when the replica first looks: nothing new to it.
    expect(s.absenceVouched(T)).toBe(true);
    const seen = await evictedKeys();
    await admin.config('RESETSTAT');
    await evictSome('evict-reset:', 24);
    const now = await evictedKeys();
    expect(now).toBeGreaterThan(0);
    expect(now).toBeLessThan(seen);
    await s.control.snapshot(T + M);
    expect(s.absenceVouched(T + 2 * M)).toBe(false);
  });

  it('an intact Redis that never evicts keeps vouching across replica restarts and polls (review49b)', async () => {
    const s = await fresh('evict-none:');
    await s.control.snapshot(T + M);
    const later = await redis.store(TEST_LIMITS, 'evict-none:');
    await later.control.snapshot(T + 2 * M);
    await s.control.snapshot(T + 3 * M);
    expect(s.absenceVouched(T + 3 * M)).toBe(true);
    expect(later.absenceVouched(T + 3 * M)).toBe(true);
    expect(await attacker(later, T + 4 * M, 'new-officer')).toEqual(['asked', 'allowed']);
  });
});
