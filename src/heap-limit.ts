import { readFileSync } from 'node:fs';
import { getHeapStatistics } from 'node:v8';
import { envValue, heapLimitAppliedEnvironment, MIN_HEAP_MIB, type EnvSource } from './config/environment.js';

/**
 * V8's heap sizes follow the container's memory limit, so that RSS is bounded by the Deployment's
 * `resources.limits.memory` without hand tuning, and the young generation is sized for a server
 * rather than left to V8's defaults. Left to itself, V8 sizes its old generation from the host's
 * memory, not the container's: a process under a 512 MiB limit can grow its heap past the limit
 * and be OOM-killed instead of collecting garbage, and without any limit it lets the old
 * generation grow to several times its live data between full collections (bench/README.md,
 * "What the heap does under load").
 *
 * At `stepgate serve`, node is re-executed in place (process.execve: same PID, so still PID 1 in
 * the container) with the flags `planHeapLimit` derives:
 * - `--max-semi-space-size` (the young generation), unless given (argv or NODE_OPTIONS): every
 *   Check leaves 30–80 KB of short-lived garbage (gRPC transport included), and a semi-space that
 *   fills often both pauses the event loop more often and promotes requests still in flight into
 *   the old generation, where only a full collection frees them. Under a cgroup limit V8 would
 *   otherwise derive the young generation from the container's memory (a 1 MiB semi-space in a
 *   384 MiB container).
 * - `--max-old-space-size`, unless given: under a cgroup memory limit (v2 `memory.max`, v1
 *   `memory.limit_in_bytes`), what is left of the limit after the young generation and the rest
 *   that is not heap; without one, 1 GiB (UNLIMITED_HEAP_MIB); STEPGATE_HEAP_LIMIT=<MiB> sets it
 *   directly.
 * - `--no-allocation-site-pretenuring`, unless given: on Node 26 V8 starts allocating request objects
 *   in the old generation after a burst, which keeps their young parts alive through scavenges
 *   (the same nepotism as session-streams.ts's, without any Map): 3-6 KB promoted per Check and
 *   a mark-compact every few thousand. Off, Node 26 promotes ~100 B per Check as Node 20 does and
 *   spends ~25 % less CPU per cached Check (bench/README.md, "(h)'s pauses at 3,000 req/s").
 * STEPGATE_HEAP_LIMIT=off sets none of them.
 */

/** Not counted as heap besides the young generation: code, gRPC and socket buffers, the allocator (measured ~60 MiB). */
export const OTHER_NON_HEAP_MIB = 64;
export { MIN_HEAP_MIB };

/**
 * The old-space limit without a cgroup memory limit. V8 lets the old generation grow between full
 * collections by a factor it picks from its limit: up to 4× the live data when the limit is 2 GiB
 * or more (what it gives itself on a host with 8 GiB or more), 1.6× at 1 GiB, 1.3× at 256 MiB. At
 * 4× the garbage that requests in flight leave behind builds up to several hundred MiB before it
 * is collected (bench/gc.ts: peak RSS 411 MiB with V8's limit, 193 MiB with this one, same load).
 * 1 GiB still holds ~1,000,000 cached tokens (docs/configuration.md, sizing); a larger cache needs
 * STEPGATE_HEAP_LIMIT. Never raised above V8's own limit on a smaller host.
 */
export const UNLIMITED_HEAP_MIB = 1024;

/** What the cluster primary of `--workers N` takes (it runs no Check). */
export const PRIMARY_MIB = 48;

/**
 * The semi-space for a process with this much memory (MiB; undefined: no limit). 32 MiB halves the
 * scavenges of V8's 64-bit default (16) under load, and stops requests in flight from being
 * promoted (bench/gc.ts); the young generation is two semi-spaces, so it costs up to 32 MiB more
 * RSS than the default, and a process under 320 MiB keeps the default's 16.
 */
export function semiSpaceMiB(processMiB: number | undefined): number {
  return processMiB === undefined || processMiB >= 320 ? 32 : 16;
}

function processMiB(limitBytes: number, workers: number): number {
  const n = Math.max(1, workers);
  return (limitBytes / 1048576 - (n > 1 ? PRIMARY_MIB : 0)) / n;
}

/** Old-space limit per process for a memory limit: 80 % of what is left after the young generation and the rest. */
export function heapLimitMiB(limitBytes: number, workers = 1, semiMiB = semiSpaceMiB(processMiB(limitBytes, workers))): number {
  const perProcess = processMiB(limitBytes, workers);
  return Math.max(MIN_HEAP_MIB, Math.floor((perProcess - OTHER_NON_HEAP_MIB - 2 * semiMiB) * 0.8));
}

/** The cgroup memory limit in bytes, or undefined when there is none (or it cannot be read). */
export function cgroupMemoryLimit(read: (path: string) => string | undefined = readOrUndefined, root = '/sys/fs/cgroup'): number | undefined {
  // cgroup v2 (unified): "max" means no limit.
  const v2 = read(`${root}/memory.max`)?.trim();
  if (v2 !== undefined) return v2 === 'max' ? undefined : positive(v2);
  // cgroup v1: no limit reads as a huge number (PAGE_COUNTER_MAX pages).
  const v1 = read(`${root}/memory/memory.limit_in_bytes`)?.trim();
  if (v1 === undefined) return undefined;
  const n = positive(v1);
  return n !== undefined && n < 2 ** 60 ? n : undefined;
}

function hasFlag(name: RegExp, execArgv: readonly string[], nodeOptions: string | undefined): boolean {
  return execArgv.some((a) => name.test(a)) || (nodeOptions ?? '').split(/\s+/).some((a) => name.test(a));
}

export function hasHeapFlag(execArgv: readonly string[], nodeOptions: string | undefined): boolean {
  return hasFlag(/^--max[-_]old[-_]space[-_]size(=|$)/, execArgv, nodeOptions);
}

/** V8's allocation-site pretenuring off (see planHeapLimit). Not allowed in NODE_OPTIONS: a Node without execve needs it on the command line. */
export const NO_PRETENURING = '--no-allocation-site-pretenuring';

function hasPretenuringFlag(execArgv: readonly string[]): boolean {
  return execArgv.some((a) => /^--(no-)?allocation[-_]site[-_]pretenuring$/.test(a));
}

export function hasSemiSpaceFlag(execArgv: readonly string[], nodeOptions: string | undefined): boolean {
  return hasFlag(/^--(max|min)[-_]semi[-_]space[-_]size(=|$)/, execArgv, nodeOptions);
}

export type HeapPlan =
  | { action: 'keep'; why: string }
  | { action: 'reexec'; flags: string[]; heapMiB?: number; semiSpaceMiB?: number; why: string };

/** `v8HeapMiB`: V8's own heap limit in this process (v8.getHeapStatistics().heap_size_limit). */
export function planHeapLimit(env: EnvSource, execArgv: readonly string[], limitBytes: number | undefined, workers = 1, v8HeapMiB = Infinity): HeapPlan {
  const setting = envValue(env, 'heapLimit') ?? { mode: 'auto' };
  if (envValue(env, 'heapLimitApplied') === true) return { action: 'keep', why: 'already applied' };
  if (setting.mode === 'off') return { action: 'keep', why: 'STEPGATE_HEAP_LIMIT=off' };
  const why: string[] = [];
  const perProcess = limitBytes === undefined ? undefined : processMiB(limitBytes, workers);
  let semi: number | undefined;
  if (hasSemiSpaceFlag(execArgv, env.NODE_OPTIONS)) why.push('semi-space given');
  else semi = semiSpaceMiB(perProcess);
  let heap: number | undefined;
  if (hasHeapFlag(execArgv, env.NODE_OPTIONS)) why.push('--max-old-space-size given');
  else if (setting.mode === 'invalid') why.push(`STEPGATE_HEAP_LIMIT=${setting.raw} is not a whole number of MiB ≥ ${MIN_HEAP_MIB}; ignored`);
  else if (setting.mode === 'mib') {
    heap = setting.mib;
    why.push('STEPGATE_HEAP_LIMIT');
  } else if (limitBytes === undefined && v8HeapMiB <= UNLIMITED_HEAP_MIB) {
    why.push(`no cgroup memory limit; V8's own heap limit (${Math.round(v8HeapMiB)} MiB) kept`);
  } else if (limitBytes === undefined) {
    heap = UNLIMITED_HEAP_MIB;
    why.push('no cgroup memory limit');
  } else {
    // A semi-space the operator chose counts at V8's default (16) here: its size is not parsed.
    heap = heapLimitMiB(limitBytes, workers, semi ?? 16);
    why.push(`cgroup memory limit ${Math.round(limitBytes / 1048576)} MiB`);
  }
  const flags = [
    ...(heap === undefined ? [] : [`--max-old-space-size=${heap}`]),
    ...(semi === undefined ? [] : [`--max-semi-space-size=${semi}`]),
    // Node 26 (the image's V8 14) pretenures request objects once a burst has made them survive: from
    // then on every Check is allocated old and promotes what it points to, 3-6 KB per Check, with a
    // mark-compact every few thousand Checks (bench/README.md, "(h)'s pauses at 3,000 req/s").
    ...(hasPretenuringFlag(execArgv) ? [] : [NO_PRETENURING]),
  ];
  if (flags.length === 0) return { action: 'keep', why: why.join('; ') };
  return { action: 'reexec', flags, heapMiB: heap, semiSpaceMiB: semi, why: why.join('; ') };
}

/**
 * Re-executes this process with the planned flags, if there are any and the runtime can
 * (process.execve, Node ≥ 22.15 / 23.11; the image runs Node 26). Returns only when it does not;
 * on an older Node, give the flags in NODE_OPTIONS (`launchFlags` says which).
 */
export function applyHeapLimit(workers = 1): HeapPlan {
  const plan = planHeapLimit(process.env, process.execArgv, cgroupMemoryLimit(), workers, v8HeapMiB());
  const execve = (process as unknown as { execve?: (file: string, args: string[], env: NodeJS.ProcessEnv) => never }).execve;
  if (plan.action === 'reexec' && typeof execve === 'function') {
    execve(process.execPath, [process.execPath, ...plan.flags, ...process.execArgv, ...process.argv.slice(1)], heapLimitAppliedEnvironment(process.env));
  }
  return plan;
}

/** The node flags `stepgate serve` gives itself here (bench/run.ts starts the server with them on a Node without execve). */
export function launchFlags(env: EnvSource = process.env, limitBytes = cgroupMemoryLimit(), heapMiB = v8HeapMiB()): string[] {
  const plan = planHeapLimit(env, [], limitBytes, 1, heapMiB);
  return plan.action === 'reexec' ? plan.flags : [];
}

function v8HeapMiB(): number {
  return getHeapStatistics().heap_size_limit / 1048576;
}

function positive(s: string): number | undefined {
  if (!/^\d+$/.test(s)) return undefined;
  const n = Number(s);
  return n > 0 ? n : undefined;
}

function readOrUndefined(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
}
