/**
 * In-process CPU and heap bytes per CheckRequest decoded, for every (a) shape: proto-loader's
 * deserializer (what the no-op server uses, and stepgate did until decode.ts) against
 * decodeCheckRequest (what the Check method is served with now), each followed by
 * parseCheckRequest as in the server, alternating A B B A in rounds, process.cpuUsage over each.
 *
 *   node --expose-gc --import tsx bench/decode.ts   (BENCH_ROUNDS=9, BENCH_ITERATIONS=20000)
 */
import { loadavg } from 'node:os';
import { parseConfig } from '../src/config/load.js';
import { buildRuntime } from '../src/pipeline/runtime.js';
import { parseCheckRequest, type CheckRequestMessage } from '../src/server/grpc/check.js';
import { decodeCheckRequest } from '../src/server/grpc/decode.js';
import { authorizationService } from '../src/server/grpc/protos.js';
import { encodeCheckRequest } from './codec.js';
import { claims, configYaml, SHAPES, startIssuer } from './fixtures.js';
import { formatSummary, median, summarize } from './stats.mjs';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 9);
const ITERATIONS = Number(process.env.BENCH_ITERATIONS ?? 20_000);
const HEAP_SAMPLE = 200;
const issuer = await startIssuer();
const config = parseConfig(configYaml(issuer.jwksUri, '127.0.0.1:0'), 'bench.yaml');
const rt = buildRuntime(config, { fetch: (u, i) => fetch(u, i), now: Date.now, env: {} });
const variants: Record<string, (b: Buffer) => CheckRequestMessage> = {
  'proto-loader': authorizationService().Check!.requestDeserialize as (b: Buffer) => CheckRequestMessage,
  'decode.ts': decodeCheckRequest,
};
const names = Object.keys(variants);
const frames = await Promise.all(SHAPES.map(async (s, n) => encodeCheckRequest(s.request(await issuer.sign(claims(s.level, s.audience, n)), n))));
let sink = 0;
const cpu: Record<string, number[][]> = Object.fromEntries(names.map((n) => [n, SHAPES.map(() => [])]));
const heap: Record<string, number[][]> = Object.fromEntries(names.map((n) => [n, SHAPES.map(() => [])]));
const gc = (globalThis as { gc?: () => void }).gc;
for (let round = 0; round < ROUNDS; round++) {
  for (const name of round % 2 === 0 ? names : [...names].reverse()) {
    const decode = variants[name]!;
    for (const [s, frame] of frames.entries()) {
      const before = process.cpuUsage();
      for (let i = 0; i < ITERATIONS; i++) {
        const parsed = parseCheckRequest(decode(frame), rt.headerLimits, rt.maxBodyBytes);
        if (parsed.ok) sink += parsed.raw.headers.size;
      }
      const used = process.cpuUsage(before);
      if (round > 0) cpu[name]![s]!.push((used.user + used.system) / ITERATIONS);
      if (gc && round > 0) {
        // Few enough (a few hundred KiB) that no scavenge runs in between: only with --expose-gc.
        const kept: unknown[] = [];
        gc();
        const h0 = process.memoryUsage().heapUsed;
        for (let i = 0; i < HEAP_SAMPLE; i++) kept.push(parseCheckRequest(decode(frame), rt.headerLimits, rt.maxBodyBytes));
        heap[name]![s]!.push((process.memoryUsage().heapUsed - h0) / HEAP_SAMPLE);
      }
    }
  }
}
console.log(`load average ${loadavg().map((x) => x.toFixed(1)).join(' ')}; ${ROUNDS - 1} counted rounds of ${ITERATIONS} decodes per shape and variant (${sink > 0 ? 'headers read' : ''})`);
console.log(`| shape | weight | ${names.map((n) => `${n} + parse µs`).join(' | ')} | ratio |${gc ? ` ${names.map((n) => `${n} heap B/decode+parse (kept)`).join(' | ')} |` : ''}`);
console.log(`|---|--:|${names.map(() => '--:').join('|')}|--:|${gc ? `${names.map(() => '--:').join('|')}|` : ''}`);
const mix: Record<string, number> = Object.fromEntries(names.map((n) => [n, 0]));
SHAPES.forEach((shape, i) => {
  const cells = names.map((n) => {
    mix[n]! += median(cpu[n]![i]!) * shape.weight;
    return formatSummary(summarize(cpu[n]![i]!), (x) => x.toFixed(2));
  });
  const ratio = median(cpu[names[1]!]![i]!) / median(cpu[names[0]!]![i]!);
  const bytes = gc ? ` ${names.map((n) => median(heap[n]![i]!).toFixed(0)).join(' | ')} |` : '';
  console.log(`| ${shape.name} | ${shape.weight} | ${cells.join(' | ')} | ${ratio.toFixed(2)} |${bytes}`);
});
console.log(`| **weighted mix** | 1 | ${names.map((n) => `**${mix[n]!.toFixed(2)}**`).join(' | ')} | ${(mix[names[1]!]! / mix[names[0]!]!).toFixed(2)} |`);
await issuer.close();
process.exit(0);
