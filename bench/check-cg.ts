/**
 * In-process instructions and heap bytes per Check, decoding included: a shape's CheckRequest
 * bytes through the decoder the Check method is served with (decode.ts) and the server's handler
 * (handleCheck: parse, evaluate, answer bytes, metrics, decision log), then the answer serialised
 * as grpc-js would, in a loop. The figures that load on a shared machine does not move:
 *
 * - without valgrind: heap bytes allocated per Check (alloc.ts measureAllocation, median of 3),
 *   and CPU µs per Check (process.cpuUsage, BENCH_ROUNDS rounds: a time, so only an A/B of
 *   alternating runs on one machine says anything);
 * - `BENCH_CALLGRIND=N`: the same loop in a child under `valgrind --tool=callgrind`
 *   (`--single-threaded --perf-basic-prof`, so V8's compiler and GC run on the one thread counted
 *   and JIT code is named from the perf map), instrumentation off through BENCH_WARMUP Checks per
 *   shape and on for N per shape: thousands of instructions per Check in total, by category
 *   (compiler, GC, builtins, native, JIT) and for stepgate's own JavaScript by function.
 *
 * The served bench (denials-cpu.ts' BENCH_CALLGRIND) counts the transport too, and its totals
 * move with where V8's compiler falls; here the loop is warm and the compiler done long before the
 * window, so the JIT rows are what a change to stepgate's code moves.
 *
 *   node --import tsx bench/check-cg.ts                       (bytes; BENCH_SHAPES, BENCH_ITERATIONS=20000)
 *   BENCH_CALLGRIND=5000 node --import tsx bench/check-cg.ts  (instructions; BENCH_WARMUP=100000, BENCH_TOP=30)
 *
 * BENCH_TREE=DIR: another tree's src/ (e.g. `git archive main` beside node_modules, as
 * git-tree.ts does); BENCH_SHAPES: name substrings, comma-separated (default `get pods (dev)`);
 * BENCH_TRACING=1: every Check sampled and exported as in scenario (d) (sampled `traceparent`,
 * (d)'s OTEL_* settings, OTLP/HTTP to a sink in a child process not counted), the export flushed
 * inside each window so its cost is in it. BENCH_RISK=1: the risk engine on with (e)'s configuration
 * (`state.store: memory`), each shape's subject learned first with a fresh aal2 token as
 * engine-ab.ts does, so the engine's own instructions per Check can be counted (compare a run
 * without it: the decoder, policy and answer are the same). BENCH_GUARDRAILS=on|off: scenario (f)'s
 * writes (GUARDRAIL_SHAPES, their tokens numbered as run.ts numbers them) instead of (a)'s shapes,
 * with (f)'s guardrails section or without one, so a body's inspection can be counted (BENCH_SHAPES
 * then names (f)'s shapes; default: all three). BENCH_PROXY=1: `access_proxy` on (Pomerium's header,
 * the bench issuer's keys), each shape's request carrying its own signed assertion for the token's
 * subject, so the assertion's per-Check cost is in the window (crypto40). BENCH_RISK_UNLEARNED=1 (with
 * BENCH_RISK=1): the subjects are not learned first, so a shape answers as the engine judges a
 * first-seen subject (a step-up the engine asks for, retried: its ask ids), the answer its first
 * cached Check gave held through the windows. BENCH_SESSION=1: step-up sessions on, each shape's
 * request carrying a session cookie for the token's claims after its own cookies instead of the
 * bearer token (a browser shape's Cookie header is then rewritten on every allow: perf41).
 * BENCH_DIST=DIR: the modules from a `tsc` build (`npm run build`'s dist/, or one made with
 * `npx tsc -p tsconfig.json --outDir DIR` in another tree) instead of through tsx: tsx (esbuild's
 * keepNames) wraps every named closure in `__name`, an `Object.defineProperty` each time it is
 * made (~4k instructions per `const f = () => …` made per Check, with the MigrateToMap rows), which
 * the server that is shipped and benchmarked (node dist/cli.js) never does (perf41).
 */
import { execFile, execFileSync, fork, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import * as grpc from '@grpc/grpc-js';
import { trace } from '@opentelemetry/api';
import type * as LoadModule from '../src/config/load.js';
import type * as RuntimeModule from '../src/pipeline/runtime.js';
import type * as ServerModule from '../src/server/grpc/server.js';
import type * as EncodedModule from '../src/server/grpc/encoded-allows.js';
import type * as DecodeModule from '../src/server/grpc/decode.js';
import type * as ProtosModule from '../src/server/grpc/protos.js';
import type * as LogModule from '../src/telemetry/log.js';
import type * as TelemetryModule from '../src/telemetry/telemetry.js';
import { measureAllocation } from './alloc.js';
import { decodeDecision, encodeCheckRequest } from './codec.js';
import { claims, configYaml, GUARDRAIL_SHAPES, GUARDRAILS_YAML, ISSUER, SHAPES, startIssuer } from './fixtures.js';
import { startOtlpSink } from './otlp-sink.js';
import { median } from './stats.mjs';
import { TRACING_ENV } from './tracing-env.js';

const here = resolve(import.meta.dirname, '..');
const role = process.argv[2];
const PROXY_HEADER = 'x-pomerium-jwt-assertion';
const CALLGRIND = Number(process.env.BENCH_CALLGRIND ?? 0);

if (role === 'sink') {
  const sink = await startOtlpSink();
  process.send!(sink.url);
} else if (role === 'child' || CALLGRIND === 0) {
  await measure(role === 'child');
} else {
  await underValgrind();
}

async function measure(counted: boolean): Promise<void> {
  const tree = resolve(process.env.BENCH_TREE ?? here);
  const dist = process.env.BENCH_DIST === undefined ? undefined : resolve(process.env.BENCH_DIST);
  const at = (rel: string) => (dist === undefined ? join(tree, rel) : join(dist, rel.replace(/^src\//, '').replace(/\.ts$/, '.js')));
  const load = async <T>(rel: string): Promise<T> => (await import(pathToFileURL(at(rel)).href)) as T;
  const { parseConfig } = await load<typeof LoadModule>('src/config/load.ts');
  const { buildRuntime } = await load<typeof RuntimeModule>('src/pipeline/runtime.ts');
  const { handleCheck } = await load<typeof ServerModule>('src/server/grpc/server.ts');
  const { EncodedAllowCache } = await load<typeof EncodedModule>('src/server/grpc/encoded-allows.ts');
  const { decodeCheckRequest } = await load<typeof DecodeModule>('src/server/grpc/decode.ts');
  const { authorizationService, responseSerializer, servedCheck } = await load<typeof ProtosModule>('src/server/grpc/protos.ts');
  const { createLogger } = await load<typeof LogModule>('src/telemetry/log.ts');
  const { Telemetry } = await load<typeof TelemetryModule>('src/telemetry/telemetry.ts');

  const tracing = process.env.BENCH_TRACING === '1';
  const issuer = await startIssuer();
  const risk = process.env.BENCH_RISK === '1';
  const unlearned = risk && process.env.BENCH_RISK_UNLEARNED === '1';
  const guardrails = process.env.BENCH_GUARDRAILS;
  if (guardrails !== undefined && guardrails !== 'on' && guardrails !== 'off') throw new Error('BENCH_GUARDRAILS is on or off');
  // (f)'s guardrails with a day's max_age instead of 900 s: under valgrind on a loaded machine the
  // warm-up outlasts 900 s, and the flagged writes' aal2 tokens would turn into step-up challenges
  // mid-run (the same comparisons either way).
  const guardrailsYaml = GUARDRAILS_YAML.replace('max_age: 900', 'max_age: 86400');
  const proxied = process.env.BENCH_PROXY === '1';
  const proxyYaml = `\naccess_proxy:\n  header: ${PROXY_HEADER}\n  issuer: ${ISSUER}\n  audiences: [kubernetes, grafana]\n  jwks_uri: ${issuer.jwksUri}\n  algorithms: [RS256]\n  user_claim: sub\n  required: false\n`;
  const session = process.env.BENCH_SESSION === '1';
  const sessionYaml = `stepup:\n  oidc:\n    issuer: ${ISSUER}\n    client_id: stepgate\n    client_secret_env: SG_SECRET\n    redirect_uri: https://auth.example.internal/.stepgate/callback\n  session:\n    keys_env: SG_KEYS\n`;
  let yaml = configYaml(issuer.jwksUri, '127.0.0.1:0', risk ? { store: 'memory' } : undefined, (guardrails === 'on' ? guardrailsYaml : '') + (proxied ? proxyYaml : ''));
  if (session) yaml = yaml.replace('stepup:\n', sessionYaml);
  const config = parseConfig(yaml, 'bench.yaml');
  const env = session ? { SG_SECRET: 's', SG_KEYS: `k1:${randomBytes(32).toString('base64url')}` } : {};
  // run.ts' (f) numbers its writers' tokens from 900, (a)'s from 0.
  const all = guardrails === undefined ? SHAPES : GUARDRAIL_SHAPES;
  const numberOf = (shape: (typeof all)[number]) => all.indexOf(shape) + (guardrails === undefined ? 0 : 900);
  const log = createLogger('warn', { write: () => undefined });
  let sinkProc: ReturnType<typeof fork> | undefined;
  if (tracing) {
    sinkProc = fork(fileURLToPath(import.meta.url), ['sink'], { execArgv: ['--import', 'tsx'], env: { ...process.env, BENCH_CALLGRIND: '0' } });
    const url = await new Promise<string>((r) => sinkProc!.once('message', (m) => r(m as string)));
    Object.assign(process.env, { ...TRACING_ENV, OTEL_EXPORTER_OTLP_ENDPOINT: url });
  }
  let rt: ReturnType<typeof buildRuntime> | undefined;
  const runtime = () => rt!;
  const telemetry = await Telemetry.start({ config, env: tracing ? process.env : {}, log, runtime, now: Date.now });
  rt = buildRuntime(config, { fetch: (u, i) => fetch(u, i), now: Date.now, env });
  await rt.verifier.warm();
  await rt.accessProxy?.warm();
  const def = authorizationService();
  const served = servedCheck(def, decodeCheckRequest).Check!;
  const deserialize = served.requestDeserialize as (b: Buffer) => Parameters<typeof handleCheck>[3];
  const send = served.responseSerialize as (m: unknown) => Buffer;
  const encoded = new EncodedAllowCache(responseSerializer(def));
  const chosen = (process.env.BENCH_SHAPES ?? (guardrails === undefined ? 'get pods (dev)' : 'kubectl')).split(',');
  const shapes = all.filter((s) => chosen.some((c) => s.name.includes(c)));
  const frames = await Promise.all(
    shapes.map(async (shape) => {
      const n = numberOf(shape);
      const request = shape.request(await issuer.sign(claims(shape.level, shape.audience, n)), n) as { attributes: { request: { http: { headers: Record<string, string> } } } };
      // The proxy's own assertion for the token's subject: another signed JWT, as Pomerium sends.
      if (proxied) request.attributes.request.http.headers[PROXY_HEADER] = await issuer.sign({ ...claims(shape.level, shape.audience, n), azp: 'pomerium' });
      if (session) {
        const h = request.attributes.request.http.headers;
        const c = claims(shape.level, shape.audience, n) as { sub: string; acr: string; amr: string[]; auth_time: number };
        const made = await rt!.sessionCodec!.create({ iss: ISSUER, sub: c.sub, acr: c.acr, amr: c.amr, auth_time: c.auth_time, extra: {} }, Date.now());
        delete h.authorization;
        h.cookie = `${h.cookie === undefined ? '' : `${h.cookie}; `}${config.stepup.session!.cookie_name}=${made!.value}`;
      }
      if (tracing) request.attributes.request.http.headers.traceparent = `00-${randomBytes(16).toString('hex')}-${randomBytes(8).toString('hex')}-01`;
      return encodeCheckRequest(request);
    }),
  );
  const ctx = { runtime, log, listen: '' };
  const one = (frame: Buffer) =>
    handleCheck(ctx, telemetry, encoded, deserialize(frame), new grpc.Metadata(), (err, res) => {
      if (err) throw new Error('the Check failed');
      send(res);
    });
  const answered = (frame: Buffer) =>
    new Promise<Buffer>((resolve, reject) =>
      handleCheck(ctx, telemetry, encoded, deserialize(frame), new grpc.Metadata(), (err, res) => (err ? reject(new Error('the Check failed')) : resolve(send(res)))),
    );
  if (risk && !unlearned) {
    // As engine-ab.ts (run.ts' riskScenario): each subject's address and device made known by a
    // completed step-up, so the shapes score only their rules' sensitivity and answer as without the engine.
    for (const shape of shapes) {
      const n = numberOf(shape);
      const learning = encodeCheckRequest(shape.request(await issuer.sign(claims('aal2', shape.audience, n)), n));
      let d = decodeDecision(await answered(learning));
      // As below: under valgrind on a loaded machine the first JWKS fetch can time out.
      for (let tries = 0; d.reason === 'jwks_unavailable' && tries < 120; tries++) {
        await new Promise((r) => setTimeout(r, 1000));
        d = decodeDecision(await answered(learning));
      }
      if (!d.allow) throw new Error(`${shape.name}: the learning request answered ${JSON.stringify(d)}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  // Each token verified once (asynchronously), then cached; the decision is the shape's (unlearned:
  // what the second Check answered, the first with the token cached).
  const expected = shapes.map((s) => s.expect);
  for (const [i, frame] of frames.entries()) {
    for (let k = 0, tries = 0; k < 3; k++) {
      let d = decodeDecision(await answered(frame));
      // Under valgrind on a loaded machine the first JWKS fetch can time out; it is fetched again.
      for (; d.reason === 'jwks_unavailable' && tries < 20; tries++) {
        await new Promise((r) => setTimeout(r, 1000));
        d = decodeDecision(await answered(frame));
      }
      if (unlearned && k === 0) continue;
      if (unlearned && k === 1) {
        expected[i] = { allow: d.allow, reason: d.reason };
        console.log(`${shapes[i]!.name}: unlearned, answers ${JSON.stringify(d)}`);
      }
      if (d.allow !== expected[i]!.allow || d.reason !== expected[i]!.reason) throw new Error(`${shapes[i]!.name}: ${JSON.stringify(d)}`);
    }
  }
  const flush = () => (tracing ? (trace.getTracerProvider() as unknown as { getDelegate(): { forceFlush(): Promise<void> } }).getDelegate().forceFlush() : Promise.resolve());
  // In chunks of 500 with an event-loop turn between them, as a server runs: the exporter gets turns.
  const loop = async (frame: Buffer, count: number) => {
    for (let done = 0; done < count; done += 500) {
      for (let i = 0, n = Math.min(500, count - done); i < n; i++) one(frame);
      await new Promise((r) => setImmediate(r));
    }
    await flush();
  };
  if (counted) {
    const warmup = Number(process.env.BENCH_WARMUP ?? 100_000);
    for (const frame of frames) await loop(frame, warmup);
    for (const [i, frame] of frames.entries()) {
      // The parent zeroes and switches the counters on, then dumps them after the window.
      process.send!({ window: shapes[i]!.name });
      await new Promise((r) => process.once('message', r));
      await loop(frame, CALLGRIND);
      process.send!({ done: shapes[i]!.name });
      await new Promise((r) => process.once('message', r));
    }
    // A run slow enough for a token's freshness to lapse answers otherwise, and counts another path.
    for (const [i, frame] of frames.entries()) {
      const d = decodeDecision(await answered(frame));
      if (d.allow !== expected[i]!.allow || d.reason !== expected[i]!.reason) console.log(`WARNING ${shapes[i]!.name}: answered ${JSON.stringify(d)} after the windows: not the shape's path`);
    }
  } else {
    const iterations = Number(process.env.BENCH_ITERATIONS ?? 20_000);
    for (const frame of frames) await loop(frame, iterations);
    const rounds = Number(process.env.BENCH_ROUNDS ?? 5);
    console.log(`per Check (decode + handleCheck + answer bytes${tracing ? ', traced and exported' : ''}): heap bytes allocated, median of 3 × ${iterations}; CPU µs, median (min–max) of ${rounds} × ${iterations}; load average ${loadavg()[0]!.toFixed(1)}; tree ${tree}${risk ? '; risk on' : ''}${guardrails === undefined ? '' : `; guardrails ${guardrails}`}`);
    for (const [i, frame] of frames.entries()) {
      const bytes: number[] = [];
      for (let k = 0; k < 3; k++) bytes.push((await measureAllocation(() => loop(frame, iterations))).bytes / iterations);
      const us: number[] = [];
      for (let k = 0; k < rounds; k++) {
        const before = process.cpuUsage();
        await loop(frame, iterations);
        const used = process.cpuUsage(before);
        us.push((used.user + used.system) / iterations);
      }
      const before = encoded.lookups;
      await loop(frame, 1000);
      // Whether the answer's bytes were found again (an allow or a kept denial) or encoded each time.
      const after = encoded.lookups;
      const denied = encoded.denialLookups;
      // A tree from before perf41 has no spliced allows.
      const spliced = (encoded as { cookieLookups?: { hits: number; misses: number } }).cookieLookups ?? { hits: 0, misses: 0 };
      const reuse = spliced.hits + spliced.misses > 0 ? `allows spliced ${spliced.hits} hits, ${spliced.misses} misses` : after.hits + after.misses > before.hits + before.misses ? `allow bytes reused ${((after.hits - before.hits) / 10).toFixed(0)} %` : `denials ${denied.hits} hits, ${denied.misses} misses`;
      console.log(`| ${shapes[i]!.name} | ${reuse} | ${median(bytes).toFixed(0)} B (${bytes.map((b) => b.toFixed(0)).join(', ')}) | ${median(us).toFixed(2)} µs (${Math.min(...us).toFixed(2)}–${Math.max(...us).toFixed(2)}) |`);
    }
  }
  await telemetry.shutdown();
  sinkProc?.kill();
  await issuer.close();
  process.exit(0);
}

/** The measuring child under callgrind, its windows counted, the dumps summarised. */
async function underValgrind(): Promise<void> {
  const work = mkdtempSync(join(tmpdir(), 'stepgate-check-cg-'));
  const args = ['--tool=callgrind', '--smc-check=all-non-file', '--instr-atstart=no', `--callgrind-out-file=${join(work, 'cg')}.%p`];
  // BENCH_NODE_FLAGS: more V8 flags for the child, e.g. `--no-memory-reducer`: on a loaded machine the
  // child waits on callgrind_control between windows, and the memory reducer then starts a marking
  // that runs into the next window (tens of thousands of GC instructions per Check in it).
  const flags = (process.env.BENCH_NODE_FLAGS ?? '').split(' ').filter((f) => f !== '');
  const node = [process.execPath, '--single-threaded', '--perf-basic-prof', ...flags, '--import', 'tsx', fileURLToPath(import.meta.url), 'child'];
  const child = spawn('valgrind', [...args, ...node], { cwd: here, stdio: ['ignore', 'inherit', 'pipe', 'ipc'] });
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  const control = (...a: string[]) => promisify(execFile)('callgrind_control', [...a, String(child.pid)], { timeout: 300_000 });
  const exited = new Promise<number | null>((r) => child.once('exit', r));
  const results: { shape: string; file: string }[] = [];
  child.on('message', (m: { window?: string; done?: string }) => {
    void (async () => {
      if (m.window !== undefined) {
        await control('-z');
        await control('-i', 'on');
      } else if (m.done !== undefined) {
        await control('-i', 'off');
        await control(`--dump=${m.done.replace(/\W+/g, '-')}`);
        // Dumps are numbered from 1 in the order they are taken.
        results.push({ shape: m.done, file: `cg.${child.pid}.${results.length + 1}` });
      }
      child.send('go');
    })();
  });
  const code = await exited;
  try {
    if (code !== 0) throw new Error(`the child exited with ${code}:\n${stderr.slice(-3000)}`);
    const perfMap = readPerfMap(`/tmp/perf-${child.pid}.map`);
    console.log(`load average ${loadavg().map((x) => x.toFixed(1)).join(' ')}; ${CALLGRIND} Checks per window after ${process.env.BENCH_WARMUP ?? 100_000}; tree ${process.env.BENCH_TREE ?? here}${process.env.BENCH_TRACING === '1' ? '; traced' : ''}${process.env.BENCH_GUARDRAILS ? `; guardrails ${process.env.BENCH_GUARDRAILS}` : ''}`);
    for (const { shape, file } of results) summarise(shape, join(work, file), perfMap, CALLGRIND);
  } finally {
    if (!process.env.BENCH_CALLGRIND_KEEP) rmSync(work, { recursive: true, force: true });
    // With the perf map beside them, callgrind_annotate's JIT addresses (callers of a builtin) can be named.
    else if (existsSync(`/tmp/perf-${child.pid}.map`)) copyFileSync(`/tmp/perf-${child.pid}.map`, join(work, `perf-${child.pid}.map`));
    if (process.env.BENCH_CALLGRIND_KEEP) console.log(`dumps kept in ${work}`);
    rmSync(`/tmp/perf-${child.pid}.map`, { force: true });
  }
}

interface Sym {
  start: number;
  end: number;
  name: string;
}

function readPerfMap(file: string): Sym[] {
  const syms: Sym[] = [];
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    const m = /^([0-9a-f]+) ([0-9a-f]+) (.*)$/.exec(line);
    if (m) syms.push({ start: parseInt(m[1]!, 16), end: parseInt(m[1]!, 16) + parseInt(m[2]!, 16), name: m[3]! });
  }
  return syms.sort((a, b) => a.start - b.start);
}

function jitName(syms: Sym[], addr: number): string | undefined {
  let lo = 0;
  let hi = syms.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (syms[mid]!.start <= addr) lo = mid + 1;
    else hi = mid - 1;
  }
  const s = syms[hi];
  return s && addr < s.end ? s.name : undefined;
}

function summarise(shape: string, dump: string, syms: Sym[], n: number): void {
  const out = execFileSync('callgrind_annotate', ['--inclusive=no', '--threshold=100', dump], { encoding: 'utf8', maxBuffer: 256 << 20 });
  const byFn = new Map<string, number>();
  for (const line of out.split('\n')) {
    const m = /^\s*([\d,]+) \([ \d.]+%\)\s+(.*)$/.exec(line);
    if (!m || m[2]!.includes('PROGRAM TOTALS')) continue;
    let fn = m[2]!;
    const addr = /^(?:\?\?\?:)?0x([0-9a-f]+)/.exec(fn);
    if (addr) fn = `JIT ${(jitName(syms, parseInt(addr[1]!, 16)) ?? '?').replace(/file:\/\/\/\S*?\/(src|bench|node_modules)\//, '$1/').replace(process.env.BENCH_DIST === undefined ? /^$/ : `file://${resolve(process.env.BENCH_DIST)}/`, 'src/')}`;
    else fn = fn.replace(/^(\?\?\?|\/[^:]*):/, '');
    byFn.set(fn, (byFn.get(fn) ?? 0) + Number(m[1]!.replace(/,/g, '')));
  }
  const text = readFileSync(dump, 'utf8');
  const total = Number(/^totals: (\d+)/m.exec(text)?.[1]);
  const k = (c: number) => (c / n / 1000).toFixed(2);
  const cat = new Map<string, number>();
  let own = 0;
  for (const [fn, c] of byFn) {
    const kind = /compiler::|maglev|turboshaft/i.test(fn)
      ? 'compiler'
      : /Scaveng|Marking|Mark[A-Z]|Sweep|Evacuat|Heap::|MemoryAllocator|Compactor|RememberedSet|SlotSet|BodyDescriptor|SizeFromMap|Unmapper|GCTracer/.test(fn)
        ? 'GC'
        : fn.startsWith('JIT')
          ? 'JIT'
          : fn.includes('Builtins_')
            ? 'builtins'
            : 'native other';
    cat.set(kind, (cat.get(kind) ?? 0) + c);
    if (/^JIT .*\bsrc\//.test(fn)) own += c;
  }
  console.log(`\n${shape}: ${k(total)}k instructions per Check; ${[...cat].sort((a, b) => b[1] - a[1]).map(([c, v]) => `${c} ${k(v)}k`).join(', ')}; stepgate's own JS (src/) ${k(own)}k`);
  for (const [fn, c] of [...byFn].sort((a, b) => b[1] - a[1]).slice(0, Number(process.env.BENCH_TOP ?? 30))) console.log(`${k(c).padStart(8)}  ${fn.slice(0, 140)}`);
}
