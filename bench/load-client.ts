import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { decodeDecision, RawCheckClient, splitFrames } from './codec.js';

/**
 * Sends every frame of a file exactly once, with bounded concurrency, and reports throughput and
 * each decision. Used where h2load cannot help: h2load repeats one body, and the "every token is
 * new" scenario needs 20k different ones. Runs in its own process so that its CPU use shows up
 * as load on the machine, not inside the orchestrator. Prints one JSON object.
 *
 *   load-client.ts --port P --frames FILE [--warmup N] [--connections 8] [--concurrency 128] [--max-seconds 30]
 */
const { values } = parseArgs({
  options: {
    port: { type: 'string' },
    frames: { type: 'string' },
    warmup: { type: 'string', default: '0' },
    connections: { type: 'string', default: '8' },
    concurrency: { type: 'string', default: '128' },
    'max-seconds': { type: 'string', default: '30' },
  },
});
const messages = splitFrames(readFileSync(values.frames!));
const warmup = Number(values.warmup);
const clients = Array.from({ length: Number(values.connections) }, () => new RawCheckClient(Number(values.port)));

/** Sends messages[from..to) with `concurrency` calls in flight; stops taking new ones at the deadline. */
async function drive(from: number, to: number, deadline: number): Promise<{ responses: Buffer[]; errors: number }> {
  const responses: Buffer[] = [];
  let next = from;
  let errors = 0;
  const lane = async (k: number) => {
    const client = clients[k % clients.length]!;
    while (next < to && performance.now() < deadline) {
      const i = next++;
      try {
        responses[i - from] = await client.check(messages[i]!);
      } catch {
        errors++;
      }
    }
  };
  await Promise.all(Array.from({ length: Number(values.concurrency) }, (_, k) => lane(k)));
  return { responses, errors };
}

const maxMs = Number(values['max-seconds']) * 1000;
// Untimed: connections up, JIT warm on both sides, before the measured frames.
await drive(0, warmup, performance.now() + maxMs);
const started = performance.now();
const { responses, errors } = await drive(warmup, messages.length, started + maxMs);
const elapsedMs = performance.now() - started;
for (const c of clients) c.close();

// Decoded after the clock stops so that decoding does not slow the measured loop.
const completed = responses.filter(Boolean).length;
process.stdout.write(
  `${JSON.stringify({
    completed,
    errors,
    elapsedMs,
    rps: completed / (elapsedMs / 1000),
    decisions: Array.from(responses, (r) => {
      if (!r) return 'error';
      const d = decodeDecision(r);
      return `${d.allow ? 'allow' : 'deny'}:${d.reason}:${d.tokenCache}`;
    }),
  })}\n`,
);
