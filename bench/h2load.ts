import { spawn } from 'node:child_process';
import { CHECK_PATH } from './codec.js';

/**
 * h2load against one Check endpoint as scenario (a) drives it: 8 connections of 16 streams from
 * one thread, one gRPC frame repeated. The in-process-free CPU benches (denials-cpu, tracing-cpu,
 * split) share it so that their figures compare with (a)'s.
 */
export interface H2loadRun {
  port: number;
  frameFile: string;
  /** Seconds (or h2load's own duration syntax); or `requests` for an exact count. */
  seconds?: number | string;
  requests?: number;
  warmupMs?: number;
}

export function h2loadArgs(r: H2loadRun): string[] {
  const length = r.requests !== undefined ? `--requests=${r.requests}` : `--duration=${typeof r.seconds === 'number' ? `${Math.round(r.seconds * 1000)}ms` : (r.seconds ?? '2')}`;
  return [
    length,
    ...(r.warmupMs ? [`--warm-up-time=${r.warmupMs}ms`] : []),
    '--clients=8',
    '--max-concurrent-streams=16',
    '--threads=1',
    `--data=${r.frameFile}`,
    '--header=content-type: application/grpc',
    '--header=te: trailers',
    `http://127.0.0.1:${r.port}${CHECK_PATH}`,
  ];
}

/** Runs it; rejects on a failed run or output without a rate and a count of requests done. */
export function runH2load(r: H2loadRun): Promise<{ rps: number; done: number; out: string }> {
  return new Promise((resolve, reject) => {
    const p = spawn('h2load', h2loadArgs(r), { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    p.stdout.on('data', (b: Buffer) => (out += b.toString()));
    p.once('error', reject);
    p.once('exit', (code) => {
      const rps = Number(/finished in [\d.]+m?s, ([\d.]+) req\/s/.exec(out)?.[1]);
      const done = Number(/requests: \d+ total, \d+ started, (\d+) done/.exec(out)?.[1]);
      if (code !== 0 || !Number.isFinite(rps) || !done) return reject(new Error(`h2load failed:\n${out}`));
      resolve({ rps, done, out });
    });
  });
}
