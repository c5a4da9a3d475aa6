import { afterAll, beforeAll } from 'vitest';
import { RedisStateStore } from '../../src/state/redis.js';
import type { StoreLimits } from '../../src/state/store.js';
import { startRedis, whenReady, type RedisServer } from './redis.js';

/**
 * One redis-server for the calling test file (started before its tests; stopped after them, with
 * every store made on it closed first) and a maker of ready RedisStateStores on it, each under its
 * own key prefix (`<prefix><n>:` unless one is given), for the files that hold a store's answers
 * against the memory store's.
 */
export function redisStoresForFile(prefix: string): (limits: StoreLimits, keyPrefix?: string) => Promise<RedisStateStore> {
  let redis: RedisServer | undefined;
  const stores: RedisStateStore[] = [];
  let n = 0;
  beforeAll(async () => {
    redis = await startRedis();
  }, 60_000);
  afterAll(async () => {
    for (const s of stores) await s.close();
    await redis?.stop();
  });
  return async (limits, keyPrefix = `${prefix}${++n}:`) => {
    if (redis === undefined) throw new Error('redis-server not started: call the maker inside a test');
    const r = new RedisStateStore(limits, { connection: { host: '127.0.0.1', port: redis.port, db: 0 }, keyPrefix, timeoutMs: 2000 });
    stores.push(r);
    await whenReady(r);
    return r;
  };
}
