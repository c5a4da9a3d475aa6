import { Redis } from 'ioredis';
import { afterAll, beforeAll } from 'vitest';
import { RedisStateStore } from '../../src/state/redis.js';
import type { StoreLimits } from '../../src/state/store.js';
import { startRedis, whenReady, type RedisServer } from './redis.js';

/** What redisForFile gives a test file: its stores, and a plain client beside them. */
export interface RedisForFile {
  /** A ready RedisStateStore on the file's server, under `keyPrefix` (`<prefix><n>:` unless given). */
  store: (limits: StoreLimits, keyPrefix?: string) => Promise<RedisStateStore>;
  /**
   * A plain client on the same server, for what a test does behind the stores' backs (FLUSHALL,
   * SCRIPT FLUSH, INFO, a field overwritten). It connects on its first command, so a file that never
   * asks for it opens no connection.
   */
  admin: () => Redis;
}

/**
 * One redis-server for the calling test file (started before its tests; stopped after them, with
 * every store made on it closed and the admin client disconnected first), for the files that hold
 * a store's answers against the memory store's or against what the server holds. `timeoutMs` is
 * the stores' command timeout.
 */
export function redisForFile(prefix: string, { timeoutMs = 2000 }: { timeoutMs?: number } = {}): RedisForFile {
  let redis: RedisServer | undefined;
  let admin: Redis | undefined;
  const stores: RedisStateStore[] = [];
  let n = 0;
  beforeAll(async () => {
    redis = await startRedis();
    admin = new Redis({ host: '127.0.0.1', port: redis.port, lazyConnect: true, maxRetriesPerRequest: null });
    admin.on('error', () => {});
  }, 60_000);
  afterAll(async () => {
    for (const s of stores) await s.close();
    admin?.disconnect();
    await redis?.stop();
  });
  const started = (): RedisServer => {
    if (redis === undefined) throw new Error('redis-server not started: use the file\'s redis inside a test');
    return redis;
  };
  return {
    store: async (limits, keyPrefix = `${prefix}${++n}:`) => {
      const r = new RedisStateStore(limits, { connection: { host: '127.0.0.1', port: started().port, db: 0 }, keyPrefix, timeoutMs });
      stores.push(r);
      await whenReady(r);
      return r;
    },
    admin: () => {
      started();
      return admin!;
    },
  };
}
