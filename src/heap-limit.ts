import { readFileSync } from 'node:fs';
import { envValue, heapLimitAppliedEnvironment, MIN_HEAP_MIB, type EnvSource } from './config/environment.js';

/**
 * The V8 heap limit follows the container's memory limit, so that RSS is bounded by the
 * Deployment's `resources.limits.memory` without hand tuning. Left to itself, V8 sizes its heap
 * from the host's memory, not the container's, and a process under a 512 MiB limit can grow its
 * heap past the limit and be OOM-killed instead of collecting garbage.
 *
 * At `stepgate serve`, when the process runs under a cgroup memory limit (v2 `memory.max`, v1
 * `memory.limit_in_bytes`) and no `--max-old-space-size` was given (argv or NODE_OPTIONS), node is
 * re-executed in place (process.execve: same PID, so still PID 1 in the container) with the limit
 * derived by `heapLimitMiB`. STEPGATE_HEAP_LIMIT=off turns this off; STEPGATE_HEAP_LIMIT=<MiB>
 * sets the heap limit directly.
 */

/** Not counted as heap: code, the young generation, gRPC and socket buffers, the allocator (measured ~70–90 MiB). */
export const NON_HEAP_MIB = 96;
export { MIN_HEAP_MIB };

/** What the cluster primary of `--workers N` takes (it runs no Check). */
export const PRIMARY_MIB = 48;

/** Old-space limit per process for a memory limit: 80 % of what is left after the non-heap share. */
export function heapLimitMiB(limitBytes: number, workers = 1): number {
  const n = Math.max(1, workers);
  const perProcess = (limitBytes / 1048576 - (n > 1 ? PRIMARY_MIB : 0)) / n;
  return Math.max(MIN_HEAP_MIB, Math.floor((perProcess - NON_HEAP_MIB) * 0.8));
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

export function hasHeapFlag(execArgv: readonly string[], nodeOptions: string | undefined): boolean {
  const flag = /^--max[-_]old[-_]space[-_]size(=|$)/;
  return execArgv.some((a) => flag.test(a)) || (nodeOptions ?? '').split(/\s+/).some((a) => flag.test(a));
}

export type HeapPlan = { action: 'keep'; why: string } | { action: 'reexec'; heapMiB: number; why: string };

export function planHeapLimit(env: EnvSource, execArgv: readonly string[], limitBytes: number | undefined, workers = 1): HeapPlan {
  const setting = envValue(env, 'heapLimit') ?? { mode: 'auto' };
  if (envValue(env, 'heapLimitApplied') === true) return { action: 'keep', why: 'already applied' };
  if (setting.mode === 'off') return { action: 'keep', why: 'STEPGATE_HEAP_LIMIT=off' };
  if (hasHeapFlag(execArgv, env.NODE_OPTIONS)) return { action: 'keep', why: '--max-old-space-size given' };
  if (setting.mode === 'invalid') return { action: 'keep', why: `STEPGATE_HEAP_LIMIT=${setting.raw} is not a whole number of MiB ≥ ${MIN_HEAP_MIB}; ignored` };
  if (setting.mode === 'mib') return { action: 'reexec', heapMiB: setting.mib, why: 'STEPGATE_HEAP_LIMIT' };
  if (limitBytes === undefined) return { action: 'keep', why: 'no cgroup memory limit' };
  return { action: 'reexec', heapMiB: heapLimitMiB(limitBytes, workers), why: `cgroup memory limit ${Math.round(limitBytes / 1048576)} MiB` };
}

/**
 * Re-executes this process with the planned heap limit, if there is one and the runtime can
 * (process.execve, Node ≥ 22.15 / 23.11; the image runs Node 24). Returns only when it does not.
 */
export function applyHeapLimit(workers = 1): HeapPlan {
  const plan = planHeapLimit(process.env, process.execArgv, cgroupMemoryLimit(), workers);
  const execve = (process as unknown as { execve?: (file: string, args: string[], env: NodeJS.ProcessEnv) => never }).execve;
  if (plan.action === 'reexec' && typeof execve === 'function') {
    execve(
      process.execPath,
      [process.execPath, `--max-old-space-size=${plan.heapMiB}`, ...process.execArgv, ...process.argv.slice(1)],
      heapLimitAppliedEnvironment(process.env),
    );
  }
  return plan;
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
