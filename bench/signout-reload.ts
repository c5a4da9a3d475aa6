/**
 * In-process: what a step-up sign-out costs every replica. Each one is written to the control
 * store and makes every replica reload the whole control snapshot (incidents, revocations,
 * sign-outs); this drives IncidentBoard.signOut and refresh() directly, on the memory store and on
 * a throwaway redis-server, and prints ms per sign-out (write and local reload) and per reload at
 * 100, 1,000 and 3,000 live sign-outs.
 *
 *   node --import tsx bench/signout-reload.ts
 */
import { performance } from 'node:perf_hooks';
import { IncidentBoard } from '../src/incident/board.js';
import { MemoryStateStore } from '../src/state/memory.js';
import { RedisStateStore } from '../src/state/redis.js';
import { TEST_LIMITS } from '../test/support/state-config.js';
import { startRedis } from '../test/support/redis.js';

const redis = await startRedis();
console.log("| store | live sign-outs | ms per sign-out | ms per reload, median (min–max) of 7 |\n|---|--:|--:|--:|");
try {
  for (const kind of ['memory', 'redis'] as const) {
    const store = kind === 'memory' ? new MemoryStateStore(TEST_LIMITS, { maxSubjects: 10 }) : new RedisStateStore(TEST_LIMITS, { connection: { host: '127.0.0.1', port: redis.port, db: 0 }, keyPrefix: 'b:', timeoutMs: 5000 });
    const b = new IncidentBoard({ store: store.control, now: Date.now, shared: kind === 'redis', syncIntervalMs: 1e6, maxStalenessMs: 1e6, incidentMode: false });
    for (;;) { try { await store.control.version(); break; } catch { await new Promise((r) => setTimeout(r, 20)); } }
    await b.refresh();
    let n = 0;
    for (const target of [100, 1000, 3000]) {
      const t0 = performance.now();
      const before = n;
      while (n < target) { await b.signOut(`cred:s-${n}`, Date.now() + 3_600_000, Date.now()); n++; }
      const perSignout = (performance.now() - t0) / (n - before);
      const xs: number[] = [];
      for (let i = 0; i < 7; i++) { const t = performance.now(); await b.refresh(); xs.push(performance.now() - t); }
      xs.sort((a, c) => a - c);
      console.log(`| ${kind} | ${target} | ${perSignout.toFixed(2)} | ${xs[3]!.toFixed(2)} (${xs[0]!.toFixed(2)}–${xs[6]!.toFixed(2)}) |`);
    }
    b.stop();
    await store.close();
  }
} finally {
  await redis.stop();
}
process.exit(0);
