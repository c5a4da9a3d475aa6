import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { RawCheckClient } from './codec.js';

/**
 * One CheckRequest sent over and over with bounded concurrency through grpc-js, for a fixed time:
 * h2load's job in bench/tracing-cpu.ts (BENCH_LOAD=grpc) where h2load may not run (a shared
 * machine: the integrator runs h2load's scenarios). Slower than h2load, so a server sees fewer
 * requests per second, but the server's CPU per request (what tracing-cpu.ts reads) is measured
 * the same way. With --pid, the server's CPU seconds (/proc) over the measured window, which starts
 * after this process' own startup and the warm-up. Prints one JSON object:
 * {done, errors, rps, cpuSeconds, from, to} (from/to: monotonic µs, the clock of a .cpuprofile).
 *
 *   repeat-client.ts --port P --message FILE --seconds S [--pid N] [--warmup-ms 500] [--connections 8] [--concurrency 128]
 */
const { values } = parseArgs({
  options: {
    port: { type: 'string' },
    message: { type: 'string' },
    seconds: { type: 'string' },
    pid: { type: 'string' },
    'warmup-ms': { type: 'string', default: '500' },
    connections: { type: 'string', default: '8' },
    concurrency: { type: 'string', default: '128' },
  },
});
const message = readFileSync(values.message!);
const clients = Array.from({ length: Number(values.connections) }, () => new RawCheckClient(Number(values.port)));
const warmupMs = Number(values['warmup-ms']);
const start = performance.now();
const measureFrom = start + warmupMs;
const end = measureFrom + Number(values.seconds) * 1000;
let done = 0;
let errors = 0;
const cpuSeconds = () => {
  if (!values.pid) return 0;
  const fields = readFileSync(`/proc/${values.pid}/stat`, 'utf8').replace(/^.*\) /s, '').split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
};
const monotonicUs = () => Number(process.hrtime.bigint() / 1000n);
let cpu0 = 0;
let from = 0;
setTimeout(() => {
  cpu0 = cpuSeconds();
  from = monotonicUs();
}, warmupMs);
let cpu1 = 0;
let to = 0;
setTimeout(() => {
  cpu1 = cpuSeconds();
  to = monotonicUs();
}, end - start);
const lane = async (k: number) => {
  const client = clients[k % clients.length]!;
  for (;;) {
    const now = performance.now();
    if (now >= end) return;
    try {
      await client.check(message);
      // As h2load: only what completes inside the measured window counts.
      const t = performance.now();
      if (t >= measureFrom && t < end) done++;
    } catch {
      errors++;
    }
  }
};
await Promise.all(Array.from({ length: Number(values.concurrency) }, (_, k) => lane(k)));
for (const c of clients) c.close();
process.stdout.write(`${JSON.stringify({ done, errors, rps: done / Number(values.seconds), cpuSeconds: cpu1 - cpu0, from, to })}\n`);
