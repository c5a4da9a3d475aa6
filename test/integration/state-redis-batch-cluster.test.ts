import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MemoryStateStore } from '../../src/state/memory.js';
import { RedisStateStore } from '../../src/state/redis.js';
import type { Observation, ObservedAll, WorkObservation } from '../../src/state/store.js';
import { startRedisCluster, type RedisClusterHarness } from '../support/redis-ha.js';
import { TEST_LIMITS } from '../support/state-config.js';

/**
 * Batched Checks on a real Redis Cluster (src/state/redis.ts batchGroup): a script call may touch
 * one slot only, so the Checks of one turn share a call only with Checks of the same subject. Many
 * subjects at once, each with several Checks: no CROSSSLOT, one call per subject, and every
 * answer the memory store's for the same Checks in issue order.
 */

const T = 1_764_000_000_000;
let cluster: RedisClusterHarness;
let store: RedisStateStore;

beforeAll(async () => {
  cluster = await startRedisCluster(3);
  store = new RedisStateStore(TEST_LIMITS, {
    connection: { host: '', port: 0, db: 0, cluster: { nodes: cluster.seeds.map((s) => ({ host: '127.0.0.1', port: Number(s.split(':')[1]) })) } },
    keyPrefix: 'batch:',
    timeoutMs: 5000,
  });
  const deadline = Date.now() + 30_000;
  while (store.status !== 'ready') {
    if (Date.now() > deadline) throw new Error(`cluster store not ready: ${store.status}`);
    await new Promise((done) => setTimeout(done, 20));
  }
  // The client connects to each primary on its first command there (and fails fast until then):
  // warm every primary with subjects the test does not use.
  for (;;) {
    const warm = Array.from({ length: 30 }, (_, i) => store.observe({ subject: `warm${i}`, session: '', nowMs: T, ip: '', ipPrefix: '', device: '', uaFamily: '', namespace: '', sensitive: false }));
    if ((await Promise.allSettled(warm)).every((r) => r.status === 'fulfilled')) break;
    if (Date.now() > deadline) throw new Error('cluster store: primaries not reachable');
    await new Promise((done) => setTimeout(done, 50));
  }
}, 90_000);

afterAll(async () => {
  await store?.close();
  await cluster?.stop();
});

describe('batched Checks on Redis Cluster', () => {
  it('group by subject: one script call per subject per turn, answers as one after another', async () => {
    const m = new MemoryStateStore(TEST_LIMITS, { maxSubjects: 100 });
    const subjects = Array.from({ length: 12 }, (_, i) => `user${i}@example.com`);
    for (let round = 0; round < 4; round++) {
      const checks: { o: Observation; w: WorkObservation }[] = [];
      for (let k = 0; k < 5; k++) {
        for (const [i, subject] of subjects.entries()) {
          const nowMs = T + round * 10_000 + k * 100 + i;
          checks.push({
            o: { subject, session: `sid-${i % 3}`, nowMs, ip: `198.51.100.${k}`, ipPrefix: '198.51.100.0/24', device: `fp:${k % 2}`, uaFamily: 'kubectl', namespace: `ns-${k}`, sensitive: k === 3, object: `o${k}`, counted: true },
            w: { subject, nowMs, namespace: `ns-${k}`, object: `o${k}`, site: k % 2 === 0 ? 'berlin' : '', nearby: 'n1' },
          });
        }
      }
      const calls0 = store.batchStats.calls;
      const answers = await Promise.all(checks.map(({ o, w }) => store.observeAll(o, w)));
      const expected: ObservedAll[] = checks.map(({ o, w }) => ({ history: m.observe(o), work: m.observeWork(w) }));
      expect(answers).toEqual(expected);
      expect(store.batchStats.calls - calls0).toBe(subjects.length);
    }
    expect(store.batchStats.largest).toBe(5);
  });
});
