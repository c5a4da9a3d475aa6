/**
 * Preloaded into a server (`node --import ./bench/loop-probe.mjs …`) by bench/tail.ts and bench/pauses.ts: what blocks
 * its event loop. A 1 ms timer chain notes every turn that came more than LOOP_PROBE_MS late (the
 * loop was busy or blocked that long), with its wall-clock time; a `gc` PerformanceObserver notes
 * every collection (kind, start, duration). On SIGUSR2 both lists, since the last SIGUSR2, are
 * written as JSON to LOOP_PROBE_OUT, and the lists start again.
 *
 * The probe itself costs one timer turn per millisecond, the same in every server it is loaded in.
 */
import { writeFileSync } from 'node:fs';
import { constants, PerformanceObserver, performance } from 'node:perf_hooks';
import { getHeapSpaceStatistics } from 'node:v8';

const out = process.env.LOOP_PROBE_OUT;
const threshold = Number(process.env.LOOP_PROBE_MS ?? 1);
let stalls = [];
let gcs = [];
const KINDS = { [constants.NODE_PERFORMANCE_GC_MINOR]: 'scavenge', [constants.NODE_PERFORMANCE_GC_MAJOR]: 'mark-compact', [constants.NODE_PERFORMANCE_GC_INCREMENTAL]: 'incremental', [constants.NODE_PERFORMANCE_GC_WEAKCB]: 'weak' };

if (out) {
  let expected = performance.now() + 1;
  const tick = () => {
    const now = performance.now();
    const late = now - expected;
    if (late > threshold) stalls.push({ at: performance.timeOrigin + now, late_ms: Math.round(late * 100) / 100 });
    expected = now + 1;
    setTimeout(tick, 1).unref();
  };
  setTimeout(tick, 1).unref();
  new PerformanceObserver((list) => {
    for (const e of list.getEntries()) gcs.push({ at: performance.timeOrigin + e.startTime, ms: Math.round(e.duration * 100) / 100, kind: KINDS[e.detail?.kind] ?? String(e.detail?.kind) });
  }).observe({ entryTypes: ['gc'] });
  // LOOP_PROBE_FORCE_GC_MS (with --expose-gc): a full collection on that period, to compare what each one costs across variants.
  const forceMs = Number(process.env.LOOP_PROBE_FORCE_GC_MS ?? 0);
  if (forceMs > 0 && typeof globalThis.gc === 'function') setInterval(() => globalThis.gc(), forceMs).unref();
  process.on('SIGUSR2', () => {
    // The clocks side by side, so that a caller can place a --cpu-prof profile's samples (monotonic µs) and --trace-gc's lines (ms since start) on the wall-clock times above.
    const clock = { wall: performance.timeOrigin + performance.now(), mono_us: Number(process.hrtime.bigint() / 1000n), origin: performance.timeOrigin };
    // Each heap space's used bytes now, to tell which space an old generation's growth is in.
    const spaces = Object.fromEntries(getHeapSpaceStatistics().map((x) => [x.space_name, x.space_used_size]));
    writeFileSync(out, JSON.stringify({ stalls, gcs, clock, spaces }));
    stalls = [];
    gcs = [];
  });
}
