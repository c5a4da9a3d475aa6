/**
 * In-process CPU per Check on the server's own path (handleCheck: parse, evaluate, answer bytes,
 * metrics and decision log), for cached tokens of every (a) shape, with tracing off and with
 * tracing on (every request sampled, OTLP/HTTP protobuf to a sink in another process), the
 * variants alternating in rounds. The gRPC transport and the request's protobuf decoding are left
 * out (they cost the same in the no-op server); the answer is serialised as grpc-js would.
 * process.cpuUsage over each round, so other load on the machine moves it less than req/s.
 *
 * Every request carries a sampled W3C `traceparent`, as in scenario (d) (BENCH_TRACEPARENT=0: none, so
 * every traced Check starts a trace).
 *
 *   node --import tsx bench/hotpath.ts     (BENCH_ROUNDS, BENCH_ITERATIONS, BENCH_TRACING=0 to skip tracing,
 *                                          BENCH_SHAPES=step-up: only the shapes whose name contains it,
 *                                          BENCH_LOG_LEVEL=info: audit records built and serialised, not written)
 */
import { fork } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
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
import { claims, configYaml, SHAPES, startIssuer } from './fixtures.js';
import { startOtlpSink } from './otlp-sink.js';
import { formatSummary, median, summarize } from './stats.mjs';

if (process.argv[2] === 'sink') {
  const sink = await startOtlpSink();
  process.send!(sink.url);
  process.on('message', () => process.send!(sink.stats));
} else {
  await main();
}

async function main(): Promise<void> {
  const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 7);
  const ITERATIONS = Number(process.env.BENCH_ITERATIONS ?? 20_000);
  const withTracing = process.env.BENCH_TRACING !== '0';
  const TRACEPARENT = process.env.BENCH_TRACEPARENT !== '0';
  const issuer = await startIssuer();
  const config = parseConfig(configYaml(issuer.jwksUri, '127.0.0.1:0'), 'bench.yaml');
  // BENCH_LOG_LEVEL=info: decision and audit records are built and serialised as in a server at
  // `log.level: info` (every step-up challenge is an audit record), then dropped instead of written.
  const log = createLogger(process.env.BENCH_LOG_LEVEL ?? 'warn', { write: () => undefined });
  let rt: Runtime | undefined;
  const runtime = () => rt!;
  let sinkProc: ReturnType<typeof fork> | undefined;
  const telemetries: Record<string, Telemetry> = {};
  telemetries['tracing off'] = await Telemetry.start({ config, env: {}, log, runtime, now: Date.now });
  if (withTracing) {
    sinkProc = fork(fileURLToPath(import.meta.url), ['sink'], { execArgv: ['--import', 'tsx'] });
    const url = await new Promise<string>((r) => sinkProc!.once('message', (m) => r(m as string)));
    Object.assign(process.env, {
      OTEL_TRACES_EXPORTER: 'otlp',
      OTEL_TRACES_SAMPLER: 'parentbased_always_on',
      OTEL_EXPORTER_OTLP_PROTOCOL: 'http/protobuf',
      OTEL_EXPORTER_OTLP_ENDPOINT: url,
      OTEL_BSP_MAX_QUEUE_SIZE: '65536',
      OTEL_BSP_MAX_EXPORT_BATCH_SIZE: '2048',
      OTEL_BSP_SCHEDULE_DELAY: '500',
    });
    telemetries['tracing on'] = await Telemetry.start({ config, env: process.env, log, runtime, now: Date.now });
  }
  rt = buildRuntime(config, { fetch: (u, i) => fetch(u, i), now: Date.now, env: {} });
  await rt.verifier.warm();
  const def = authorizationService();
  // As the server reads requests and writes answers.
  const served = servedCheck(def, decodeCheckRequest).Check!;
  const deserialize = served.requestDeserialize as (b: Buffer) => CheckRequestMessage;
  const send = served.responseSerialize as (m: unknown) => Buffer;
  const encoded = new EncodedAllowCache(responseSerializer(def));
  // BENCH_SHAPES=step-up (a substring of the names) keeps only those shapes, for a profile.
  const only = process.env.BENCH_SHAPES;
  const shapes = await Promise.all(
    SHAPES.filter((s) => only === undefined || s.name.includes(only)).map(async (shape, n) => {
      const token = await issuer.sign(claims(shape.level, shape.audience, n));
      const request = shape.request(token, n) as { attributes: { request: { http: { headers: Record<string, string> } } } };
      // As in scenario (d): the gateway's sampled trace, so every traced Check joins it (parent extraction included).
      if (TRACEPARENT) request.attributes.request.http.headers.traceparent = `00-${randomBytes(16).toString('hex')}-${randomBytes(8).toString('hex')}-01`;
      return { shape, msg: deserialize(encodeCheckRequest(request)) };
    }),
  );
  let bytes = 0;
  let sync = true;
  const one = (t: Telemetry, msg: CheckRequestMessage, metadata: grpc.Metadata) =>
    new Promise<void>((resolve, reject) => {
      handleCheck({ runtime, log, listen: '' }, t, encoded, msg, metadata, (err, res) => {
        if (err) return reject(new Error('the Check failed'));
        bytes += send(res).length;
        resolve();
      });
    });
  // First sight of each token verifies it (asynchronously); from then on it is cached.
  for (const s of shapes) await one(telemetries['tracing off']!, s.msg, new grpc.Metadata());
  const run = (t: Telemetry, msg: CheckRequestMessage, count: number) => {
    for (let i = 0; i < count; i++) {
      let done = false;
      handleCheck({ runtime, log, listen: '' }, t, encoded, msg, new grpc.Metadata(), (err, res) => {
        if (err) throw new Error('the Check failed');
        bytes += send(res).length;
        done = true;
      });
      if (!done) sync = false;
    }
  };
  const names = Object.keys(telemetries);
  // cpu[variant][shape] = µs per Check in each counted round
  const cpu: Record<string, number[][]> = Object.fromEntries(names.map((n) => [n, shapes.map(() => [])]));
  const per = Math.max(1, Math.floor(ITERATIONS / shapes.length));
  for (let round = 0; round < ROUNDS; round++) {
    for (const name of round % 2 === 0 ? names : [...names].reverse()) {
      const t = telemetries[name]!;
      for (let s = 0; s < shapes.length; s++) {
        const before = process.cpuUsage();
        // In chunks with an event-loop turn between them, so the span exporter runs (and is counted) as in a server.
        for (let done = 0; done < per; done += 500) {
          run(t, shapes[s]!.msg, Math.min(500, per - done));
          await new Promise((r) => setImmediate(r));
        }
        if (name === 'tracing on') await (trace.getTracerProvider() as unknown as { getDelegate(): { forceFlush(): Promise<void> } }).getDelegate().forceFlush();
        const used = process.cpuUsage(before);
        if (round > 0) cpu[name]![s]!.push((used.user + used.system) / per);
      }
    }
  }
  if (!sync) console.log('note: some Checks did not finish synchronously');
  console.log(`load average ${loadavg().map((x) => x.toFixed(1)).join(' ')}; ${ROUNDS - 1} counted rounds of ${per} Checks per shape and variant`);
  console.log(`| shape | weight | ${names.map((n) => `${n} CPU µs/Check`).join(' | ')} |`);
  console.log(`|---|--:|${names.map(() => '--:').join('|')}|`);
  const mix: Record<string, number> = Object.fromEntries(names.map((n) => [n, 0]));
  shapes.forEach((s, i) => {
    const cells = names.map((n) => {
      const m = median(cpu[n]![i]!);
      mix[n]! += m * s.shape.weight;
      return formatSummary(summarize(cpu[n]![i]!), (x) => x.toFixed(1));
    });
    console.log(`| ${s.shape.name} | ${s.shape.weight} | ${cells.join(' | ')} |`);
  });
  // The weights only add up to 1 over every shape.
  if (only === undefined) console.log(`| **weighted mix** | 1 | ${names.map((n) => `**${mix[n]!.toFixed(1)}**`).join(' | ')} |`);
  console.log(`encoded allows: ${JSON.stringify(encoded.lookups)}; ${bytes} response bytes`);
  if (sinkProc) {
    const stats = await new Promise((r) => {
      sinkProc!.once('message', r);
      sinkProc!.send('stats');
    });
    console.log(`OTLP sink: ${JSON.stringify(stats)}`);
    sinkProc.kill();
  }
  for (const t of Object.values(telemetries)) await t.shutdown();
  await issuer.close();
  process.exit(0);
}
