/**
 * In-process: heap bytes allocated per Check, per request shape, on the server's own path
 * (handleCheck: parse, evaluate, answer bytes, metrics, decision log), and what the young
 * generation does with them (scavenges and their pause per 10,000 Checks).
 *
 * Bytes allocated do not depend on how loaded the machine is, so unlike req/s this figure holds on
 * a shared VM: it is the garbage each Check leaves for the scavenger, and with the request rate it
 * sets how often the scavenger pauses the event loop (allocation rate / semi-space size). Counted
 * from V8's own accounting: v8.GCProfiler reports the heap before and after every GC, so
 * allocated = (used at the end − used at the start) + Σ (used before − used after) over the GCs.
 * Off-heap bytes (Buffer pools, OpenSSL) are not in it; a Buffer's JS object is.
 *
 * Variants (one row each), alternating in order every round (A B … B A), median and spread:
 * every (a) shape with its token cached (allows and step-up denials), the (f) guardrail-inspected
 * writes (guardrails on), and Checks whose token is new every time (RS256, verified: (b)), 64 in
 * flight. The gRPC transport and the request's protobuf decoding are left out (the no-op pays them
 * too): bench/gc.ts measures the whole server, transport included, next to the no-op.
 *
 *   node --import tsx bench/alloc.ts     (BENCH_ROUNDS, BENCH_ITERATIONS, BENCH_NEW_PER_ROUND; BENCH_LOG_LEVEL=info:
 *                                        decision and audit records built and serialised, not written;
 *                                        BENCH_ACCESS_WINDOWS=1: an access_windows entry naming none of them)
 *   BENCH_ALLOC_PROFILE='grafana dashboard' node --import tsx bench/alloc.ts
 *       where the bytes of the shapes whose name contains it come from: V8's sampling heap profiler
 *       with collected objects included (every allocation, not only what survives), by function
 *   BENCH_ALLOC_TRACING=1 node --expose-gc --import tsx bench/alloc.ts
 *       tracing: every (a) shape with tracing off and on (every request carries a sampled
 *       `traceparent`, as in scenario (d); (d)'s OTEL_* settings, OTLP/HTTP protobuf to the sink in
 *       a child process). The cached Checks then run in chunks of 500 with an event-loop turn
 *       between them and a flush at the end, both variants alike, so the export's own allocations
 *       (HTTP client, framing) are counted in the traced row. Also what waits for export: after
 *       RETAINED_SPANS traced Checks with no export, the heap and the external (ArrayBuffer) memory
 *       after a full GC, over the same with the queue emptied, per queued span.
 *       With BENCH_ALLOC_PROFILE, the profile of the traced variants of the shapes named.
 */
import { Session } from 'node:inspector/promises';
import { loadavg } from 'node:os';
import { fork } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import v8 from 'node:v8';
import * as grpc from '@grpc/grpc-js';
import { trace } from '@opentelemetry/api';
import { parseConfig } from '../src/config/load.js';
import { buildRuntime, type Runtime } from '../src/pipeline/runtime.js';
import { handleCheck } from '../src/server/grpc/server.js';
import type { CheckRequestMessage } from '../src/server/grpc/check.js';
import { EncodedAllowCache } from '../src/server/grpc/encoded-allows.js';
import { decodeCheckRequest } from '../src/server/grpc/decode.js';
import { authorizationService, responseSerializer, servedCheck } from '../src/server/grpc/protos.js';
import { createLogger } from '../src/telemetry/log.js';
import { Telemetry } from '../src/telemetry/telemetry.js';
import { encodeCheckRequest } from './codec.js';
import { claims, configYaml, GUARDRAIL_SHAPES, GUARDRAILS_YAML, SHAPES, startIssuer, type Shape } from './fixtures.js';
import { startOtlpSink } from './otlp-sink.js';
import { TRACING_ENV } from './tracing-env.js';

interface GcStat {
  gcType: string;
  cost: number;
  beforeGC: { heapStatistics: { usedHeapSize: number } };
  afterGC: { heapStatistics: { usedHeapSize: number } };
}

export interface AllocFigures {
  bytes: number;
  scavenges: number;
  scavengeMs: number;
  majorGcs: number;
  majorMs: number;
}

/** Heap bytes allocated and GC work while `work` runs (see the header). */
export async function measureAllocation(work: () => Promise<void> | void): Promise<AllocFigures> {
  const profiler = new v8.GCProfiler();
  profiler.start();
  const before = v8.getHeapStatistics().used_heap_size;
  await work();
  const after = v8.getHeapStatistics().used_heap_size;
  const stats = (profiler.stop() as { statistics: GcStat[] }).statistics;
  let freed = 0;
  const f: AllocFigures = { bytes: 0, scavenges: 0, scavengeMs: 0, majorGcs: 0, majorMs: 0 };
  for (const s of stats) {
    freed += s.beforeGC.heapStatistics.usedHeapSize - s.afterGC.heapStatistics.usedHeapSize;
    // cost is in microseconds: the GC's pause on the main thread.
    if (s.gcType === 'Scavenge' || s.gcType === 'MinorMarkCompact') {
      f.scavenges++;
      f.scavengeMs += s.cost / 1000;
    } else {
      f.majorGcs++;
      f.majorMs += s.cost / 1000;
    }
  }
  f.bytes = after - before + freed;
  return f;
}

interface ProfileNode {
  callFrame: { functionName: string; url: string; lineNumber: number };
  selfSize: number;
  children: ProfileNode[];
}

/** Bytes allocated by function (self), from the sampling heap profiler, while `work` runs. */
export async function allocationProfile(work: () => Promise<void> | void, checks: number): Promise<void> {
  const session = new Session();
  session.connect();
  await session.post('HeapProfiler.enable');
  await session.post('HeapProfiler.startSampling', { samplingInterval: 256, includeObjectsCollectedByMajorGC: true, includeObjectsCollectedByMinorGC: true });
  await work();
  const { profile } = (await session.post('HeapProfiler.stopSampling')) as unknown as { profile: { head: ProfileNode } };
  session.disconnect();
  const bySite = new Map<string, number>();
  let total = 0;
  const walk = (n: ProfileNode, path: string[]) => {
    const f = n.callFrame;
    const here = `${f.functionName || '(anonymous)'} ${f.url.replace(/^.*\/(src|node_modules)\//, '$1/')}:${f.lineNumber + 1}`;
    const stack = [...path, here];
    if (n.selfSize > 0) {
      // The innermost stepgate frame names the site; a library frame keeps its caller in stepgate.
      const own = [...stack].reverse().find((s) => s.includes(' src/'));
      const key = own && own !== here ? `${here}  ← ${own}` : here;
      bySite.set(key, (bySite.get(key) ?? 0) + n.selfSize);
      // BENCH_ALLOC_STACK=<text>: the whole stack of the sites whose name contains it.
      if (STACK && key.includes(STACK)) stacks.set(stack.slice(-8).join('\n    '), (stacks.get(stack.slice(-8).join('\n    ')) ?? 0) + n.selfSize);
      total += n.selfSize;
    }
    for (const c of n.children) walk(c, stack);
  };
  const STACK = process.env.BENCH_ALLOC_STACK;
  const stacks = new Map<string, number>();
  walk(profile.head, []);
  for (const [stack, bytes] of [...stacks].sort((a, b) => b[1] - a[1]).slice(0, 10)) console.log(`${(bytes / checks).toFixed(0)} B per Check:\n    ${stack}`);
  console.log(`\nsampled allocations: ${(total / checks).toFixed(0)} B per Check (sampling, so ± a few %)`);
  console.log('| bytes per Check | site (← innermost stepgate caller) |\n|--:|---|');
  for (const [site, bytes] of [...bySite].sort((a, b) => b[1] - a[1]).slice(0, 40)) console.log(`| ${(bytes / checks).toFixed(0)} | ${site} |`);
}

async function main(): Promise<void> {
  const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
  const ITERATIONS = Number(process.env.BENCH_ITERATIONS ?? 10_000);
  const NEW_PER_ROUND = Number(process.env.BENCH_NEW_PER_ROUND ?? 1_000);
  const TRACING = process.env.BENCH_ALLOC_TRACING === '1';
  const issuer = await startIssuer();
  // BENCH_LOG_LEVEL=info: decision and audit records built and serialised (a server's default level), then dropped.
  const log = createLogger(process.env.BENCH_LOG_LEVEL ?? 'warn', { write: () => undefined });
  // BENCH_ACCESS_WINDOWS=1: an access_windows section naming nobody the shapes' tokens name (session
  // 48): what a dated contractors' window costs everyone else's Checks (the cached path's memo).
  const windows = process.env.BENCH_ACCESS_WINDOWS === '1' ? `access_windows:\n  - name: contractors\n    match: { subjects: ["contractor-*"], groups: [contractors] }\n    valid_until: "2099-01-01T00:00:00Z"\n` : '';
  const plain = parseConfig(configYaml(issuer.jwksUri, '127.0.0.1:0', undefined, windows), 'bench.yaml');
  const guarded = parseConfig(configYaml(issuer.jwksUri, '127.0.0.1:0', undefined, GUARDRAILS_YAML + windows), 'bench.yaml');
  const deps = { fetch: (u: string | URL | Request, i?: RequestInit) => fetch(u, i), now: Date.now, env: {} };
  const runtimes = { plain: buildRuntime(plain, deps), guarded: buildRuntime(guarded, deps) };
  await runtimes.plain.verifier.warm();
  await runtimes.guarded.verifier.warm();
  let rt: Runtime = runtimes.plain;
  const runtime = () => rt;
  const telemetry = await Telemetry.start({ config: plain, env: {}, log, runtime, now: Date.now });
  let traced: Telemetry | undefined;
  let sinkProc: ReturnType<typeof fork> | undefined;
  if (TRACING) {
    sinkProc = fork(fileURLToPath(import.meta.url), ['sink'], { execArgv: ['--import', 'tsx'] });
    const url = await new Promise<string>((r) => sinkProc!.once('message', (m) => r(m as string)));
    Object.assign(process.env, { ...TRACING_ENV, OTEL_TRACES_EXPORTER: 'otlp', OTEL_EXPORTER_OTLP_ENDPOINT: url });
    traced = await Telemetry.start({ config: plain, env: process.env, log, runtime, now: Date.now });
  }
  const flushSpans = () => (trace.getTracerProvider() as unknown as { getDelegate(): { forceFlush(): Promise<void> } }).getDelegate().forceFlush();
  const def = authorizationService();
  // As the server reads requests and writes answers.
  const served = servedCheck(def, decodeCheckRequest).Check!;
  const deserialize = served.requestDeserialize as (b: Buffer) => CheckRequestMessage;
  const send = served.responseSerialize as (m: unknown) => Buffer;
  const encoded = new EncodedAllowCache(responseSerializer(def));
  const metadata = new grpc.Metadata();
  const opts = { runtime, log, listen: '' };
  let sink = 0;
  const one = (msg: CheckRequestMessage, t: Telemetry = telemetry) =>
    new Promise<void>((resolve, reject) =>
      handleCheck(opts, t, encoded, msg, metadata, (err, res) => {
        if (err) return reject(new Error('the Check failed'));
        sink += send(res).length;
        resolve();
      }),
    );
  const message = async (shape: Shape, n: number) => {
    const request = shape.request(await issuer.sign(claims(shape.level, shape.audience, n)), n) as { attributes: { request: { http: { headers: Record<string, string> } } } };
    // As in scenario (d): the gateway's sampled trace, in both tracing variants alike.
    if (TRACING) request.attributes.request.http.headers.traceparent = `00-${randomBytes(16).toString('hex')}-${randomBytes(8).toString('hex')}-01`;
    return deserialize(encodeCheckRequest(request));
  };

  /** group: the rows a weighted mix is taken over ('' without BENCH_ALLOC_TRACING, else 'tracing off' / 'tracing on'). */
  type Variant = { name: string; group: string; weight: number; rt: Runtime; prepare(): Promise<void>; run(): Promise<void> | void; count(): number; burst?(count: number): void };
  const checks = (t: Telemetry, msg: CheckRequestMessage, count: number) => {
    for (let i = 0; i < count; i++) {
      handleCheck(opts, t, encoded, msg, metadata, (err, res) => {
        if (err) throw new Error('the Check failed');
        sink += send(res).length;
      });
    }
  };
  const cachedVariant = (shape: Shape, n: number, which: Runtime, t = telemetry, group = ''): Variant => {
    let msg: CheckRequestMessage;
    return {
      name: group ? `${shape.name} · ${group}` : shape.name,
      group,
      weight: shape.weight,
      rt: which,
      async prepare() {
        if (msg) return;
        msg = await message(shape, n);
        rt = which;
        await one(msg, t); // first sight verifies; from then on it is cached
      },
      async run() {
        if (!TRACING) return checks(t, msg, ITERATIONS);
        // As a server runs: the span exporter gets event-loop turns, and its work is counted.
        for (let done = 0; done < ITERATIONS; done += 500) {
          checks(t, msg, Math.min(500, ITERATIONS - done));
          await new Promise((r) => setImmediate(r));
        }
        if (t === traced) await flushSpans();
      },
      count: () => ITERATIONS,
      burst(count) {
        rt = which;
        checks(t, msg, count);
      },
    };
  };
  let fresh: CheckRequestMessage[] = [];
  let nextN = 100_000;
  const newTokens: Variant = {
    name: 'new token every Check (RS256 verified, 64 in flight)',
    group: '',
    weight: 0,
    rt: runtimes.plain,
    async prepare() {
      const batch: Promise<CheckRequestMessage>[] = [];
      for (let i = 0; i < NEW_PER_ROUND; i++, nextN++) batch.push(message(SHAPES[nextN % SHAPES.length]!, nextN));
      fresh = await Promise.all(batch);
    },
    async run() {
      let k = 0;
      const lane = async () => {
        while (k < fresh.length) await one(fresh[k++]!);
      };
      await Promise.all(Array.from({ length: 64 }, lane));
    },
    count: () => NEW_PER_ROUND,
  };
  const variants: Variant[] = traced
    ? SHAPES.flatMap((s, i) => [cachedVariant(s, i, runtimes.plain, telemetry, 'tracing off'), cachedVariant(s, 100 + i, runtimes.plain, traced, 'tracing on')])
    : [...SHAPES.map((s, i) => cachedVariant(s, i, runtimes.plain)), ...GUARDRAIL_SHAPES.map((s, i) => cachedVariant(s, 50 + i, runtimes.guarded)), newTokens];
  const shutdown = async () => {
    await telemetry.shutdown();
    await traced?.shutdown();
    sinkProc?.kill();
    await issuer.close();
  };
  const only = process.env.BENCH_ALLOC_PROFILE;
  if (only !== undefined) {
    for (const v of variants.filter((x) => x.name.includes(only))) {
      await v.prepare();
      rt = v.rt;
      await v.run(); // warm the JIT first
      await v.prepare();
      console.log(`\n### ${v.name}`);
      await allocationProfile(() => v.run(), v.count());
    }
    await shutdown();
    process.exit(0);
  }
  const per: Record<string, { bytes: number[]; scavenges: number[]; scavengeMs: number[]; majorMs: number[] }> = {};
  for (const v of variants) per[v.name] = { bytes: [], scavenges: [], scavengeMs: [], majorMs: [] };
  for (let round = 0; round < ROUNDS; round++) {
    for (const v of round % 2 === 0 ? variants : [...variants].reverse()) {
      await v.prepare();
      rt = v.rt;
      const f = await measureAllocation(() => v.run());
      // The first round warms the JIT (and its own allocations) and is not counted.
      if (round === 0) continue;
      const n = v.count();
      per[v.name]!.bytes.push(f.bytes / n);
      per[v.name]!.scavenges.push((f.scavenges * 10_000) / n);
      per[v.name]!.scavengeMs.push((f.scavengeMs * 10_000) / n);
      per[v.name]!.majorMs.push((f.majorMs * 10_000) / n);
    }
  }
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  const spread = (xs: number[], d = 0) => `${Math.min(...xs).toFixed(d)}–${Math.max(...xs).toFixed(d)}`;
  const space = v8.getHeapSpaceStatistics().find((s) => s.space_name === 'new_space')!;
  console.log(
    `load average ${loadavg().map((x) => x.toFixed(1)).join(' ')}; ${ROUNDS - 1} counted rounds of ${ITERATIONS} cached Checks per shape, ${NEW_PER_ROUND} new tokens; ` +
      `node ${process.version} ${process.execArgv.join(' ')}; new space now ${(space.space_size / 1048576).toFixed(1)} MiB`,
  );
  console.log('| shape | weight | heap bytes allocated per Check | scavenges per 10k Checks | scavenge pause ms per 10k Checks | mark-compact ms per 10k |');
  console.log('|---|--:|--:|--:|--:|--:|');
  const mix = new Map<string, { bytes: number; weight: number }>();
  for (const v of variants) {
    const p = per[v.name]!;
    if (v.weight > 0) {
      const m = mix.get(v.group) ?? { bytes: 0, weight: 0 };
      m.bytes += v.weight * median(p.bytes);
      m.weight += v.weight;
      mix.set(v.group, m);
    }
    console.log(
      `| ${v.name} | ${v.weight || '—'} | ${median(p.bytes).toFixed(0)} (${spread(p.bytes)}) | ${median(p.scavenges).toFixed(1)} | ${median(p.scavengeMs).toFixed(2)} (${spread(p.scavengeMs, 2)}) | ${median(p.majorMs).toFixed(2)} |`,
    );
  }
  for (const [group, m] of mix) console.log(`| **(a) weighted mix${group ? ` · ${group}` : ''}** | ${m.weight.toFixed(2)} | **${(m.bytes / m.weight).toFixed(0)}** | | | |`);
  console.log(`encoded allows: ${JSON.stringify(encoded.lookups)}, ${encoded.size} held, bytes held ${JSON.stringify(encoded.bytes)}; denials ${JSON.stringify(encoded.denialLookups)}; ${sink} response bytes`);
  if (traced) await retainedUntilExport(variants.filter((v): v is Variant & { burst(count: number): void } => v.burst !== undefined), flushSpans);
  if (sinkProc) {
    const stats = await new Promise((r) => {
      sinkProc!.once('message', r);
      sinkProc!.send('stats');
    });
    console.log(`OTLP sink: ${JSON.stringify(stats)}`);
  }
  await shutdown();
  process.exit(0);
}

/** Fewer than (d)'s batch size (2048), run without an event-loop turn: every span waits in the queue. */
const RETAINED_SPANS = 2000;

/**
 * What a span waiting for export keeps alive: the heap and the external (ArrayBuffer) memory after
 * a full GC with RETAINED_SPANS spans queued, over the same with the queue emptied (after the
 * measured rounds, so caches and a spare batch buffer exist already), per Check; tracing off alongside.
 */
async function retainedUntilExport(variants: { name: string; burst(count: number): void }[], flush: () => Promise<void>): Promise<void> {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) {
    console.log('\n(retained until export: run with node --expose-gc)');
    return;
  }
  console.log(`\nretained with ${RETAINED_SPANS} Checks' spans waiting for export (full GC before and after; median of 3, spread):`);
  console.log('| shape | heap bytes retained per Check | external bytes retained per Check |\n|---|--:|--:|');
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  for (const v of variants) {
    const heap: number[] = [];
    const ext: number[] = [];
    for (let i = 0; i < 3; i++) {
      await flush();
      gc();
      const m0 = process.memoryUsage();
      v.burst(RETAINED_SPANS);
      gc();
      const m1 = process.memoryUsage();
      heap.push((m1.heapUsed - m0.heapUsed) / RETAINED_SPANS);
      ext.push((m1.arrayBuffers - m0.arrayBuffers) / RETAINED_SPANS);
    }
    const cell = (xs: number[]) => `${median(xs).toFixed(0)} (${Math.min(...xs).toFixed(0)}–${Math.max(...xs).toFixed(0)})`;
    console.log(`| ${v.name} | ${cell(heap)} | ${cell(ext)} |`);
  }
  await flush();
}

if (process.argv[1] && import.meta.url.endsWith(process.argv[1].replace(/.*\//, ''))) {
  if (process.argv[2] === 'sink') {
    const sink = await startOtlpSink();
    process.send!(sink.url);
    process.on('message', () => process.send!(sink.stats));
  } else await main();
}
