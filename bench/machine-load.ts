import { readFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';

/**
 * How much of the machine other work took while the benchmark ran: the gate that decides whether
 * a run's figures may be published.
 *
 * The load average cannot say this: at the end of a run it counts the benchmark's own servers,
 * h2load and redis-server (a quiet 2-core machine under bench load reads 2–3), and at the start it
 * still counts `npm run build`. Instead, from /proc:
 * - before anything starts, a short baseline (BASELINE_MS) of the CPU time every process used,
 *   minus this process' own;
 * - over the run, all CPU time used (user + nice + system of /proc/stat's `cpu` line: irq and
 *   softirq are left out, since loopback traffic, which the benchmark makes, is charged there)
 *   minus the CPU time of this process and of everything it started: its own utime + stime, its
 *   waited-for children's (cutime + cstime, which include theirs, so h2load runs, servers, their
 *   workers and redis-server once stopped), and the live children it names.
 * Both are expressed in CPUs (CPU-seconds per second): 0.5 means that, on average, half a core was
 * busy with work that was not the benchmark's.
 *
 * Neighbours on the same host do not show up as processes: a VM whose host is busy loses time to
 * the hypervisor (`steal` in /proc/stat), and both servers lose CPU time and cache to them, in
 * proportions no alternation can promise to even out (2026-12-02: 2.6 CPU-s of steal during (a)
 * at 10:29 UTC, 26.7 at 11:48 on an otherwise idle machine). Steal is gated too.
 */

const CLOCK_TICKS = 100; // USER_HZ
const BASELINE_MS = 3_000;

/** user + nice + system of all CPUs so far, in seconds, and the time the hypervisor stole. */
function machineSeconds(): { busy: number; steal: number } {
  const cpu = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0]!.trim().split(/\s+/);
  return { busy: (Number(cpu[1]) + Number(cpu[2]) + Number(cpu[3])) / CLOCK_TICKS, steal: Number(cpu[8] ?? 0) / CLOCK_TICKS };
}

/** utime + stime (+ cutime + cstime with `children`) of a process, in seconds; 0 once it is gone. */
function processSeconds(pid: number | 'self', children: boolean): number {
  try {
    const f = readFileSync(`/proc/${pid}/stat`, 'utf8').replace(/^.*\) /s, '').split(' ');
    const own = Number(f[11]) + Number(f[12]);
    return (children ? own + Number(f[13]) + Number(f[14]) : own) / CLOCK_TICKS;
  } catch {
    return 0;
  }
}

export interface MachineLoad {
  /** CPUs of other work in the baseline before the run, and over the run. */
  other_cpus_before: number;
  other_cpus_during: number;
  /** CPUs the benchmark itself used over the run (this process and everything it started). */
  bench_cpus_during: number;
  /** CPUs taken by the hypervisor for other guests, on average over the run. */
  steal_cpus_during: number;
  wall_seconds: number;
  /** The thresholds (BENCH_MAX_LOAD, BENCH_MAX_STEAL), and whether the run may be published. */
  max_other_cpus: number;
  max_steal_cpus: number;
  quiet: boolean;
  /** For the record only: the 1-minute load average includes the benchmark's own processes. */
  load_average_at_start: number[];
  load_average_at_end: number[];
}

export interface LoadWatch {
  /** `livePids`: processes this one started that are still running (their CPU is not yet in cutime). */
  finish(livePids: readonly number[]): MachineLoad;
}

/** Measures the baseline (about 3 s, nothing of the benchmark running yet), then starts watching. */
export async function watchMachineLoad(maxOtherCpus: number, maxStealCpus = maxSteal()): Promise<LoadWatch> {
  const loadStart = loadavg().map((x) => Math.round(x * 100) / 100);
  const b0 = { t: performance.now(), ...machineSeconds(), own: processSeconds('self', true) };
  await new Promise((r) => setTimeout(r, BASELINE_MS));
  const b1 = { t: performance.now(), ...machineSeconds(), own: processSeconds('self', true) };
  const before = Math.max(0, (b1.busy - b0.busy - (b1.own - b0.own)) / ((b1.t - b0.t) / 1000));
  return {
    finish(livePids) {
      const t = performance.now();
      const now = machineSeconds();
      const busy = now.busy - b1.busy;
      const live = livePids.reduce((s, pid) => s + processSeconds(pid, true), 0);
      // Live children's CPU counted whole: they were all started after the baseline.
      const own = processSeconds('self', true) - b1.own + live;
      const wall = (t - b1.t) / 1000;
      const during = Math.max(0, (busy - own) / wall);
      const steal = Math.max(0, (now.steal - b1.steal) / wall);
      const round = (x: number) => Math.round(x * 100) / 100;
      return {
        other_cpus_before: round(before),
        other_cpus_during: round(during),
        bench_cpus_during: round(own / wall),
        steal_cpus_during: round(steal),
        wall_seconds: Math.round(wall),
        max_other_cpus: maxOtherCpus,
        max_steal_cpus: maxStealCpus,
        quiet: before <= maxOtherCpus && during <= maxOtherCpus && steal <= maxStealCpus,
        load_average_at_start: loadStart,
        load_average_at_end: loadavg().map((x) => Math.round(x * 100) / 100),
      };
    },
  };
}

/**
 * BENCH_MAX_STEAL: CPUs the hypervisor may take on average over the run, default 0.1 (a twentieth
 * of the 2-core VM; 10:29's run had about 0.04 in (a), 11:48's 0.25).
 */
export function maxSteal(env: NodeJS.ProcessEnv = process.env): number {
  return Number(env.BENCH_MAX_STEAL ?? 0.1);
}

/** BENCH_MAX_LOAD: CPUs of other work allowed, default a quarter of the machine. */
export function maxOtherCpus(env: NodeJS.ProcessEnv = process.env): number {
  return Number(env.BENCH_MAX_LOAD ?? 0.25 * cpus().length);
}

/**
 * Which machine this was, beyond the model name a VM reports ("AMD EPYC" for several
 * generations): CPU family/model/stepping, cache per core, and when the machine booted. Runs are
 * compared only on the same one: a VM restarted on another host is another machine (2026-12-02:
 * (a) gave 0.91 at 07:39 UTC before a restart at 08:52 and 0.60–0.79 on every run after it, with
 * the same build).
 */
export function machineIdentity(): { cpu: string; booted_at: string } {
  let cpu = 'unknown';
  try {
    const info = readFileSync('/proc/cpuinfo', 'utf8');
    const field = (name: string) => new RegExp(`^${name}\\s*: (.*)$`, 'm').exec(info)?.[1]?.trim() ?? '?';
    cpu = `family ${field('cpu family')} model ${field('model')} stepping ${field('stepping')}, cache ${field('cache size')}`;
  } catch {
    // not Linux: the model name is all there is
  }
  let booted = '';
  try {
    const btime = /^btime (\d+)$/m.exec(readFileSync('/proc/stat', 'utf8'))?.[1];
    if (btime) booted = new Date(Number(btime) * 1000).toISOString();
  } catch {
    // idem
  }
  return { cpu, booted_at: booted };
}
