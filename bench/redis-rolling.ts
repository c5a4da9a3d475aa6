/**
 * A rolling upgrade of the Redis store, checked: a replica on an older `src/state` tree and one on
 * this tree share one redis-server and key prefix, and seeded random sequences of Checks (with
 * learn, learn-work and denials between them) go to either at random. Every Check's answer must
 * equal the memory store's for the same calls; the run exits 1 otherwise. Seeds 5–8 send the
 * Checks in turns instead: up to 40 at once to one replica (a newer one then sends them as one
 * batch script call, src/state/redis.ts), each turn's replica picked at random.
 *
 *   git archive <commit> src | tar -x -C /tmp/old && ln -s "$PWD/node_modules" /tmp/old/
 *   node --import tsx bench/redis-rolling.ts /tmp/old/src/state
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { isDeepStrictEqual } from 'node:util';
import { MemoryStateStore } from '../src/state/memory.js';
import { RedisStateStore } from '../src/state/redis.js';
import type { Observation, StateStore, StoreLimits, WorkObservation } from '../src/state/store.js';
import { startBenchRedis } from './redis.js';

/** Small caps and windows, so that caps, windows and TTLs are crossed within a sequence. */
const LIMITS: StoreLimits = {
  windows: { requests: 60, sensitive: 60, denials: 300, namespaces: 600 },
  knownTtlSeconds: 3600,
  maxKnownPerSubject: 3,
  sessionTtlSeconds: 600,
  maxNamespacesTracked: 3,
  behaviour: { objectsWindow: 600, objectsThreshold: 8, destructiveWindow: 300, destructiveThreshold: 10 },
  paceWindow: 20,
  paceThreshold: 3,
};

/** mulberry32: the same sequence for the same seed. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

async function freePort(): Promise<number> {
  return new Promise((res, rej) => {
    const srv = createServer();
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as { port: number }).port;
      srv.close(() => res(port));
    });
    srv.on('error', rej);
  });
}

type Store = StateStore & { status: string; observeAll(o: Observation, w: WorkObservation | undefined): Promise<unknown> };

async function main(): Promise<void> {
  const oldDir = process.argv[2];
  if (oldDir === undefined) throw new Error('usage: node --import tsx bench/redis-rolling.ts <older src/state dir>');
  const { RedisStateStore: OldStore } = (await import(pathToFileURL(join(resolve(oldDir), 'redis.ts')).href)) as typeof import('../src/state/redis.js');
  const work = mkdtempSync(join(tmpdir(), 'stepgate-redis-rolling-'));
  const redis = await startBenchRedis(await freePort(), work);
  const options = { connection: { host: '127.0.0.1', port: redis.port, db: 0 }, keyPrefix: 'roll:', timeoutMs: 5000 };
  const replicas: [string, Store][] = [['old', new OldStore(LIMITS, options) as Store], ['new', new RedisStateStore(LIMITS, options) as Store]];
  try {
    for (const [, s] of replicas) {
      const deadline = Date.now() + 10_000;
      while (s.status !== 'ready') {
        if (Date.now() > deadline) throw new Error('redis store not ready');
        await new Promise((r) => setTimeout(r, 10));
      }
    }
    const m = new MemoryStateStore(LIMITS, { maxSubjects: 100 });
    let checks = 0;
    let differing = 0;
    for (const seed of [1, 2, 3, 4, 5, 6, 7, 8]) {
      const rand = prng(seed);
      const inTurns = seed > 4;
      const pick = <X>(xs: X[]) => xs[Math.floor(rand() * xs.length)]!;
      let at = 1_764_000_000_000 + seed * 10_000_000_000;
      for (let i = 0; i < 1500; i++) {
        at += Math.floor(rand() * (rand() < 0.1 ? 4_000_000 : 8_000));
        const [name, s] = pick(replicas);
        const subject = pick(['alice', 'bob']);
        const draw = (): Observation => ({
          subject, session: pick(['', 's1', 's2']), nowMs: at, ip: pick(['', '192.0.2.1', '192.0.2.2']), ipPrefix: pick(['', 'p1', 'p2']),
          device: pick(['', 'd1', 'd2', 'd3', 'd4']), uaFamily: pick(['', 'kubectl', 'chrome']), namespace: pick(['', 'a', 'b', 'c', 'd', 'e']),
          sensitive: rand() < 0.5, client: pick(['', 'interactive', 'curl']), object: pick(['', 'o1', 'o2', 'o3', 'o4']), destructive: rand() < 0.3, counted: rand() < 0.9,
        });
        const o = draw();
        const roll = rand();
        if (roll < 0.15) {
          m.learn(subject, o.ip, o.ipPrefix, o.device, at, o.client);
          await s.learn(subject, o.ip, o.ipPrefix, o.device, at, o.client);
          continue;
        }
        if (roll < 0.25) {
          const args = [subject, pick(['', 'a', 'b', 'c', '*']), pick(['', 'berlin', 'lisbon']), at, pick(['', 'n1'])] as const;
          m.learnWork(...args);
          await s.learnWork!(...args);
          continue;
        }
        if (roll < 0.3) {
          m.recordDenial(subject, at);
          await s.recordDenial(subject, at);
          continue;
        }
        const work = (x: Observation): WorkObservation | undefined =>
          rand() < 0.7 ? { subject: x.subject, nowMs: x.nowMs, namespace: pick(['', 'a', 'b', 'c', '*']), object: pick(['', 'x1', 'x2', 'x3', 'x4', 'x5']), site: pick(['', 'berlin', 'lisbon']), nearby: pick(['', 'n1', 'n2']) } : undefined;
        const turn: [Observation, WorkObservation | undefined][] = [[o, work(o)]];
        if (inTurns) {
          for (let k = Math.floor(rand() * 40); k > 0; k--) {
            at += Math.floor(rand() * 3_000);
            const x = { ...draw(), subject: pick(['alice', 'bob']), nowMs: at };
            turn.push([x, work(x)]);
          }
        }
        const answers = await Promise.all(turn.map(([x, w]) => s.observeAll(x, w)));
        for (const [j, [x, w]] of turn.entries()) {
          const got = stripNewer(answers[j] as { history: object });
          const want = stripNewer({ history: m.observe(x), work: w === undefined ? undefined : m.observeWork(w) });
          checks++;
          if (!isDeepStrictEqual(got, want)) {
            differing++;
            if (differing <= 3) console.log(`seed ${seed} step ${i}.${j} (${name}): got ${JSON.stringify(got)}, memory ${JSON.stringify(want)}`);
          }
        }
      }
    }
    console.log(`${checks} Checks sent at random to an old and a new replica on one Redis: ${differing} differing from the memory store`);
    const batches = (replicas[1]![1] as unknown as { batchStats?: { calls: number; checks: number; largest: number } }).batchStats;
    if (batches !== undefined) console.log(`the new replica sent its ${batches.checks} Checks in ${batches.calls} script calls (largest ${batches.largest})`);
    if (differing > 0) process.exitCode = 1;
  } finally {
    for (const [, s] of replicas) await s.close().catch(() => undefined);
    await redis.stop();
    rmSync(work, { recursive: true, force: true });
  }
}

/**
 * The fields an older replica does not have, left out of the comparison: `sessionClients` (a
 * session's client list) is overwritten with the last family by a replica before it, so during an
 * upgrade from such a tree the list is what the newest writer left (docs/risk.md, "Another
 * computer within one login"). Everything else must be equal.
 */
function stripNewer<T extends { history: object }>(r: T): T {
  const { sessionClients: _dropped, ...history } = r.history as { sessionClients?: string };
  return { ...r, history };
}

await main();
