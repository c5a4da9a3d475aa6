import { afterAll, beforeAll, describe, it } from 'vitest';
import { RedisStateStore } from '../../src/state/redis.js';
import { until } from '../support/redis-ha.js';
import { startRedis, type RedisServer } from '../support/redis.js';
import { TEST_LIMITS } from '../support/state-config.js';

/**
 * The control channel (incidents, revocations, sign-outs announced on pub/sub) across a Redis
 * restart. ioredis' own resubscribe after a reconnect sends SUBSCRIBE without handling its answer
 * (a connection closed before Redis answers leaves a rejected promise nobody holds, which ends a
 * Node process), so stepgate turns it off and subscribes again itself: it must still hear changes.
 */

const T = 1_764_000_000_000;
let redis: RedisServer;
const stores: RedisStateStore[] = [];

function store(prefix: string): RedisStateStore {
  const s = new RedisStateStore(TEST_LIMITS, { connection: { host: '127.0.0.1', port: redis.port, db: 0 }, keyPrefix: prefix, timeoutMs: 2000 });
  stores.push(s);
  return s;
}

/** Puts incidents through `writer` until `told()` grows past `from`: the subscription is asynchronous. */
async function heard(writer: RedisStateStore, told: () => number, from: number): Promise<void> {
  let v = 0;
  await until('an announcement', async () => {
    await writer.control.put('incident', { id: `i${v++}`, data: '{}', expiresAt: T + 60_000 }, T);
    await new Promise((r) => setTimeout(r, 20));
    return told() > from;
  });
}

beforeAll(async () => {
  redis = await startRedis();
});

afterAll(async () => {
  for (const s of stores) await s.close().catch(() => undefined);
  await redis?.stop();
});

describe('the Redis control channel across a restart', () => {
  it('still hears announcements after Redis comes back', async () => {
    const writer = store('reconnect-a:');
    const reader = store('reconnect-a:');
    await until('both stores ready', () => writer.status === 'ready' && reader.status === 'ready');
    let told = 0;
    const stop = reader.control.watch(() => told++);
    await heard(writer, () => told, 0);
    await redis.kill();
    await redis.start();
    // The reconnect itself tells the watchers to look (announcements may have been missed).
    const before = told;
    await until('the reconnect', () => told > before && reader.status === 'ready' && writer.status === 'ready');
    // Then the channel carries announcements again: the subscription was made anew.
    await heard(writer, () => told, told);
    stop();
  }, 60_000);
});
