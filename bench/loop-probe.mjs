/**
 * Preloaded into a server (`node --import ./bench/loop-probe.mjs …`) by bench/tail.ts: what blocks
 * its event loop. A 1 ms timer chain notes every turn that came more than LOOP_PROBE_MS late (the
 * loop was busy or blocked that long), with its wall-clock time; a `gc` PerformanceObserver notes
 * every collection (kind, start, duration). On SIGUSR2 both lists, since the last SIGUSR2, are
 * written as JSON to LOOP_PROBE_OUT, and the lists start again.
 *
 * The probe itself costs one timer turn per millisecond, the same in every server it is loaded in.
 */
import { writeFileSync } from 'node:fs';
import { constants, PerformanceObserver, performance } from 'node:perf_hooks';

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
  process.on('SIGUSR2', () => {
    writeFileSync(out, JSON.stringify({ stalls, gcs }));
    stalls = [];
    gcs = [];
  });
}
