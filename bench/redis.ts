import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { Redis } from 'ioredis';

/**
 * A throwaway redis-server for scenario (e), on a port chosen by the caller, loopback only and
 * without persistence. The bench needs its pid (for CPU time) and INFO commandstats (to prove
 * that every Check made its round trip), which test/support/redis.ts does not expose.
 */
export interface BenchRedis {
  port: number;
  url: string;
  proc: ChildProcess;
  /** A separate connection for INFO, used only outside the measured runs. */
  admin: Redis;
  version(): Promise<string>;
  /**
   * Calls of each command so far, from INFO commandstats (e.g. `evalsha`), and the microseconds
   * Redis spent in them (for a script: its Lua and every redis.call it made).
   */
  commandStats(): Promise<Map<string, { calls: number; failed: number; rejected: number; usec: number }>>;
  /** INFO errorstats: error replies by their first word (`NOSCRIPT`, `ERR`, `OOM`…). */
  errorStats(): Promise<Map<string, number>>;
  stop(): Promise<void>;
}

export const REDIS_INSTALL_HINT = 'redis-server is required for scenario (e): install redis-server (Debian/Ubuntu) or redis (Homebrew)';

function findOnPath(binary: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    const candidate = join(dir, binary);
    if (dir !== '' && existsSync(candidate)) return candidate;
  }
  return undefined;
}

/**
 * Starts redis-server and waits (≤ 10 s, ×20 under a `wrapper`) until it answers PING. `wrapper`
 * runs it under another program (bench/redis-store.ts: valgrind's callgrind, which counts the
 * instructions redis-server executes whatever else the machine is doing).
 */
export async function startBenchRedis(port: number, dir: string, wrapper: string[] = []): Promise<BenchRedis> {
  const binary = findOnPath('redis-server');
  if (!binary) throw new Error(REDIS_INSTALL_HINT);
  const args = ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', '', '--appendonly', 'no', '--loglevel', 'warning', '--daemonize', 'no'];
  const proc = wrapper.length === 0 ? spawn(binary, args, { stdio: ['ignore', 'pipe', 'pipe'] }) : spawn(wrapper[0]!, [...wrapper.slice(1), binary, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const keep = (b: Buffer) => (output = (output + b.toString()).slice(-4000));
  proc.stdout!.on('data', keep);
  proc.stderr!.on('data', keep);
  const admin = new Redis({ host: '127.0.0.1', port, lazyConnect: true, maxRetriesPerRequest: 0, enableOfflineQueue: false, retryStrategy: () => null });
  admin.on('error', () => undefined); // failures surface through the awaited calls below
  const deadline = Date.now() + (wrapper.length === 0 ? 10_000 : 200_000);
  for (;;) {
    if (proc.exitCode !== null) throw new Error(`redis-server exited during startup:\n${output}`);
    try {
      await admin.connect();
      if ((await admin.ping()) === 'PONG') break;
    } catch {
      admin.disconnect();
    }
    if (Date.now() > deadline) {
      proc.kill('SIGKILL');
      throw new Error(`redis-server did not answer PING on port ${port} within 10 s:\n${output}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    port,
    url: `redis://127.0.0.1:${port}/0`,
    proc,
    admin,
    version: async () => /redis_version:(\S+)/.exec(await admin.info('server'))?.[1] ?? 'unknown',
    commandStats: async () => {
      const out = new Map<string, { calls: number; failed: number; rejected: number; usec: number }>();
      for (const m of (await admin.info('commandstats')).matchAll(/^cmdstat_([^:]+):(.*)$/gm)) {
        const field = (name: string) => Number(new RegExp(`(?:^|,)${name}=(\\d+)`).exec(m[2]!)?.[1] ?? 0);
        out.set(m[1]!, { calls: field('calls'), failed: field('failed_calls'), rejected: field('rejected_calls'), usec: field('usec') });
      }
      return out;
    },
    errorStats: async () => {
      const out = new Map<string, number>();
      for (const m of (await admin.info('errorstats')).matchAll(/^errorstat_([^:]+):count=(\d+)/gm)) out.set(m[1]!, Number(m[2]));
      return out;
    },
    stop: async () => {
      admin.disconnect();
      if (proc.exitCode !== null || proc.signalCode !== null) return;
      const exited = new Promise<void>((r) => proc.once('exit', () => r()));
      proc.kill('SIGTERM');
      const timer = setTimeout(() => proc.kill('SIGKILL'), 5_000);
      await exited;
      clearTimeout(timer);
    },
  };
}
