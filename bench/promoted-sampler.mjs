/**
 * Preloaded into a server by `bench/gc.ts promoted` (`--import ./bench/promoted-sampler.mjs`):
 * V8's sampling heap profiler over the process' own inspector session, keeping the samples of
 * objects that a mark-compact collected and dropping those a scavenge collected. What is left at
 * the end is what was live, plus what survived scavenges (was promoted) and then died: the
 * promoted garbage, by allocation stack. The first SIGUSR2 starts sampling (after the warm-up), the
 * second writes the profile to BENCH_PROMOTED_OUT and stops. Plain JavaScript: it runs before any
 * loader, in the built server as in the no-op.
 */
import { Session } from 'node:inspector/promises';
import { writeFileSync } from 'node:fs';

const out = process.env.BENCH_PROMOTED_OUT;
// BENCH_FORCE_GC_MS=N (with --expose-gc): a full collection every N ms, to start the cycle on demand.
const forceGcMs = Number(process.env.BENCH_FORCE_GC_MS ?? 0);
if (forceGcMs > 0 && typeof globalThis.gc === 'function') setInterval(() => globalThis.gc(), forceGcMs).unref();
const interval = Number(process.env.BENCH_PROMOTED_INTERVAL ?? 16384);
if (out) {
  const session = new Session();
  session.connect();
  let sampling = false;
  process.on('SIGUSR2', () => {
    void (async () => {
      if (!sampling) {
        sampling = true;
        await session.post('HeapProfiler.enable');
        await session.post('HeapProfiler.startSampling', {
          samplingInterval: interval,
          includeObjectsCollectedByMajorGC: true,
          includeObjectsCollectedByMinorGC: false,
        });
        writeFileSync(`${out}.started`, '');
        return;
      }
      const { profile } = await session.post('HeapProfiler.stopSampling');
      writeFileSync(out, JSON.stringify(profile));
    })();
  });
}
