import cluster, { type Worker } from 'node:cluster';
import type { Config } from './config/schema.js';
import { parseWorkerCount, workerEnvironment } from './config/environment.js';

/**
 * `stepgate serve --workers N`: N processes share the listening sockets (node:cluster; the
 * primary accepts and hands connections round-robin), so one pod uses more than one core. The
 * primary does no Check itself: it starts the workers, restarts one that dies, and passes
 * SIGTERM/SIGINT/SIGHUP on.
 *
 * Everything a worker remembers across requests must then be shared, or it is a different
 * answer depending on which worker a connection lands on. Token caches are per worker (a miss
 * costs a signature check, never a wrong answer); the risk, approval and challenge state is not:
 * with `state.store: memory` each worker would count rates and know devices on its own, so a
 * second worker could let through what the first would step up. Fail closed: more than one worker
 * needs `state.store: redis` whenever that state is used.
 */
export function workerProblem(config: Config, workers: number): string | undefined {
  if (workers <= 1) return undefined;
  const usesState = config.risk?.enabled === true || config.automation !== undefined || config.kubernetes.challenge_ttl_seconds > 0;
  if (usesState && config.state.store === 'memory') {
    return `--workers ${workers} needs state.store: redis: with state.store: memory each worker would keep its own risk, approval and challenge state (set state.store: redis, or serve with one worker per pod)`;
  }
  return undefined;
}

/** `--workers N`, else STEPGATE_WORKERS (checked the same way, config/environment.ts), else 1. */
export function parseWorkers(value: string | undefined): number {
  return parseWorkerCount(value);
}

/**
 * Metrics are per process: each worker serves its own on the configured port plus its index
 * minus one (9464, 9465, …), since a shared metrics socket would answer each scrape from a
 * random worker. Off and port 0 stay as they are.
 */
export function workerMetricsListen(listen: string, index: number): string {
  if (listen === 'off') return listen;
  const m = /^(.*):(\d+)$/.exec(listen);
  if (!m || m[2] === '0') return listen;
  return `${m[1]}:${Number(m[2]) + index - 1}`;
}

/** Runs in the primary: forks the workers and supervises them until a signal stops them all. */
export function runPrimary(workers: number, metricsListen: string, say: (msg: string, fields?: Record<string, unknown>) => void): void {
  let stopping = false;
  const restarts: number[] = [];
  const fork = (index: number): Worker => {
    const w = cluster.fork(workerEnvironment(index, workerMetricsListen(metricsListen, index)));
    w.process.stdout?.pipe(process.stdout, { end: false });
    w.process.stderr?.pipe(process.stderr, { end: false });
    w.on('exit', (code, signal) => {
      if (stopping) return;
      // A worker that keeps dying (bad environment) must not be restarted forever in a tight loop.
      const now = Date.now();
      restarts.push(now);
      while (restarts.length > 0 && restarts[0]! < now - 60_000) restarts.shift();
      if (restarts.length > 5) {
        say('workers keep exiting (more than 5 in a minute): stopping', { event: 'workers', code, signal });
        stopAll('SIGTERM', 1);
        return;
      }
      say(`worker ${index} exited; starting it again`, { event: 'workers', worker: index, code, signal });
      fork(index);
    });
    return w;
  };
  const stopAll = (signal: NodeJS.Signals, status: number) => {
    if (stopping) return;
    stopping = true;
    const live = Object.values(cluster.workers ?? {}).filter((w): w is Worker => w !== undefined);
    let left = live.length;
    if (left === 0) process.exit(status);
    for (const w of live) {
      w.once('exit', () => {
        if (--left === 0) process.exit(status);
      });
      w.process.kill(signal);
    }
  };
  // The workers' output goes through the primary: one writer on stdout, whole lines from each.
  cluster.setupPrimary({ silent: true });
  for (let i = 1; i <= workers; i++) fork(i);
  process.on('SIGTERM', () => stopAll('SIGTERM', 0));
  process.on('SIGINT', () => stopAll('SIGINT', 0));
  process.on('SIGHUP', () => {
    for (const w of Object.values(cluster.workers ?? {})) w?.process.kill('SIGHUP');
  });
  say(`serving with ${workers} worker processes`, { event: 'workers', workers });
}
