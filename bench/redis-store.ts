/**
 * Scenario (e) in one process, for the state store alone: the observations the risk engine sends
 * for (e)'s five shapes, 128 in flight (BENCH_IN_FLIGHT=1,16,64: a table for each), against a throwaway redis-server, and what each Check
 * costs: stepgate CPU µs (process.cpuUsage), redis-server CPU µs (/proc/PID/stat), script calls
 * and the redis.call's the scripts made (INFO commandstats: every command but EVALSHA/EVAL/INFO).
 *
 * CPU time per Check moves far less with other load on the machine than req/s does, so this is
 * the figure to compare store changes by on a shared VM (bench/README.md, (e)). Variants alternate
 * A B B A … within one run:
 *
 *   node --import tsx bench/redis-store.ts [checks per run] [rounds] [src/state dir …]
 *
 * BENCH_SUBJECTS=N runs each shape as N subjects (see SUBJECTS below).
 *
 * BENCH_PER_SHAPE=1 measures each of (e)'s five shapes on its own (a table per shape, the
 * variants alternating within each) instead of the weighted mix: which Check shapes a change
 * moved. Bytes written and read per Check are the store's socket counters (ioredis' stream).
 *
 * Each extra directory is another copy of src/state (e.g. an older commit's, unpacked with
 * `git archive <commit> src | tar -x -C /tmp/old`), measured side by side with this one.
 *
 * This tree's store sends the Checks of one event-loop turn as one script call (src/state/redis.ts
 * batch); the tables give the Checks per script call it reached (mean, and the largest batch).
 * BENCH_FLUSH=both measures this tree twice, its batch flushed after the turn's I/O ('immediate',
 * the default) and after its microtasks ('microtask'); BENCH_FLUSH=none adds it unbatched;
 * BENCH_BATCH_MAX=N adds it with at most N Checks per call.
 *
 * BENCH_ALLOC=1 adds the bytes stepgate's heap allocated per Check (bench/alloc.ts measureAllocation:
 * V8's used heap after the run less before, plus what each GC freed during it): like instructions,
 * a count that load on the machine does not move, for the store's own side.
 *
 * BENCH_SELF_CALLGRIND=PREFIX, with this process itself started under callgrind, instrumentation
 * off and its dumps named PREFIX.<pid>, adds the instructions stepgate's process executed per
 * Check (V8's GC and compiler included: `--single-threaded` puts them on the counted thread),
 * instrumentation switched on around each measured run only:
 *
 *   valgrind --tool=callgrind --instr-atstart=no --smc-check=all-non-file \
 *     --callgrind-out-file=/tmp/rs-cg.%p node --single-threaded --import tsx bench/redis-store.ts 5000 2 OLD
 *   (with BENCH_SELF_CALLGRIND=/tmp/rs-cg in the environment)
 *
 * BENCH_CALLGRIND=1 runs redis-server under valgrind's callgrind and reports the instructions it
 * executed per Check (between `callgrind_control -z` and `-d` around each run): an exact count
 * that no other load on the machine moves, for comparing scripts. Redis is ~50× slower under it,
 * so use a few thousand Checks per run.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { loadavg, tmpdir } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Observation, StateStore, StoreLimits, SubjectHistory, WorkHistory, WorkObservation } from '../src/state/store.js';
import { measureAllocation } from './alloc.js';
import { startBenchRedis } from './redis.js';
import { median, spread as minMax } from './stats.mjs';

/** The store limits scenario (e) runs with: the defaults of risk.signals (runtime.ts storeLimits). */
const LIMITS: StoreLimits = {
  windows: { requests: 60, sensitive: 60, denials: 300, namespaces: 600 },
  knownTtlSeconds: 30 * 86_400,
  maxKnownPerSubject: 10,
  sessionTtlSeconds: 43_200,
  maxNamespacesTracked: 64,
  behaviour: { objectsWindow: 120, objectsThreshold: 6, destructiveWindow: 300, destructiveThreshold: 12 },
  paceWindow: 20,
  paceThreshold: 3,
};

interface Shape {
  name: string;
  weight: number;
  obs: Omit<Observation, 'nowMs'>;
  work: Omit<WorkObservation, 'nowMs'>;
}

/** (e)'s shapes, as the engine describes them to the store (risk/engine.ts): each its own subject. */
function shapes(): Shape[] {
  const base = (i: number, ua: string, client: string) => ({
    subject: `https://idp.example\nuser${i}@example.com`,
    session: `sid-${i}\n1764000000`,
    ip: `203.0.113.${10 + i}`,
    ipPrefix: '203.0.113.0/24',
    device: `fp:${i}f3a9c1d2e4b5a6f7`,
    uaFamily: ua,
    client,
  });
  const kube = (i: number, namespace: string, sensitive: boolean, object: string): Shape => ({
    name: '',
    weight: 0,
    obs: { ...base(i, 'kubectl', 'interactive'), namespace, sensitive, object, destructive: false, counted: true },
    work: { subject: base(i, '', '').subject, namespace, object, site: '', nearby: '203.0.0.0/16' },
  });
  return [
    { ...kube(0, 'dev', false, ''), name: 'kubectl get pods (dev)', weight: 0.3 },
    {
      name: 'grafana dashboard',
      weight: 0.3,
      obs: { ...base(1, 'chrome', 'interactive'), namespace: '', sensitive: false, object: '', destructive: false, counted: true },
      work: { subject: base(1, '', '').subject, namespace: '', object: '', site: '', nearby: '203.0.0.0/16' },
    },
    { ...kube(2, 'prod', true, '|secrets|prod|db-credentials'), name: 'secret (prod, aal2)', weight: 0.05 },
    { ...kube(3, 'prod', true, 'apps|deployments|prod|web'), name: 'patch deployment (prod, aal2)', weight: 0.05 },
    { ...kube(4, 'prod', true, '|secrets|prod|db-credentials'), name: 'secret (aal1, refused)', weight: 0.03 },
  ];
}

/**
 * BENCH_SUBJECTS=N: each shape as N subjects (default 1, (e)'s own), each with its own session.
 * A turn's batch then holds up to 64 different subjects instead of five: what a script that keeps
 * something per subject for its call (src/state/redis-scripts.ts, the key names) costs when it
 * never meets a subject twice.
 */
const SUBJECTS = Math.max(1, Number(process.env.BENCH_SUBJECTS ?? 1));

function copies(s: Shape, n: number): Shape[] {
  if (n === 1) return [s];
  return Array.from({ length: n }, (_, c) => ({
    ...s,
    obs: { ...s.obs, subject: `${s.obs.subject}.${c}`, session: `${s.obs.session}.${c}` },
    work: { ...s.work, subject: `${s.work.subject}.${c}` },
  }));
}

type ObserveAll = (o: Observation, w: WorkObservation | undefined) => { history: SubjectHistory; work: WorkHistory | undefined } | Promise<{ history: SubjectHistory; work: WorkHistory | undefined }>;

/** One Check's state traffic, as risk/engine.ts issues it. */
function check(store: StateStore, s: Shape, nowMs: number): Promise<unknown> {
  // Literals of one shape, as the engine builds them (risk/engine.ts): a spread plus a property
  // gave each Check's objects a fresh hidden class, and every property read of them in either store
  // a megamorphic inline-cache miss (~24 per Check, ~1.3k instructions each: redis38).
  const b = s.obs;
  const o: Observation = {
    subject: b.subject, session: b.session, nowMs, ip: b.ip, ipPrefix: b.ipPrefix, device: b.device, uaFamily: b.uaFamily,
    platform: b.platform, namespace: b.namespace, sensitive: b.sensitive, client: b.client, object: b.object, destructive: b.destructive, counted: b.counted,
  };
  const k = s.work;
  const w: WorkObservation = { subject: k.subject, nowMs, namespace: k.namespace, object: k.object, site: k.site, nearby: k.nearby, auth: k.auth ?? 0, read: k.read, family: k.family, kind: k.kind };
  const both = (store as { observeAll?: ObserveAll }).observeAll;
  if (both !== undefined) return Promise.resolve(both.call(store, o, w));
  return Promise.all([store.observe(o), store.observeWork!(w)]);
}

function cpuTicks(pid: number): number {
  const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return Number(f[11]) + Number(f[12]); // utime + stime, after pid and comm
}
const TICK_US = 10_000; // USER_HZ 100

/** CPU seconds the hypervisor took from this VM so far (/proc/stat `cpu` steal, all CPUs). */
function stealSeconds(): number {
  const f = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/);
  return (Number(f[8]) * TICK_US) / 1e6;
}

async function freePort(): Promise<number> {
  return new Promise((res, rej) => {
    const srv = createServer();
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as { port: number }).port;
      srv.close(() => res(port));
    });
    srv.on('error', rej);
  });
}

interface Variant {
  name: string;
  store: StateStore;
}

interface Sample {
  cpuUs: number;
  serverUs: number;
  scripts: number;
  calls: number;
  /** Instructions redis-server executed per Check (BENCH_CALLGRIND=1), else 0. */
  ir: number;
  rps: number;
  /** Bytes the store's connection wrote and read per Check (0 for the memory store). */
  out: number;
  in: number;
  /** Checks per script call (this tree's batchStats; 1 for a store without a batch). */
  batch: number;
  /** Heap bytes allocated per Check (BENCH_ALLOC=1), else 0. */
  heap: number;
  /** Instructions this process executed per Check (BENCH_SELF_CALLGRIND), else 0. */
  selfIr: number;
}

/** This tree's batch counters (src/state/redis.ts batchStats); undefined for older trees and memory. */
function batchStatsOf(store: StateStore): { calls: number; checks: number; largest: number } | undefined {
  return (store as unknown as { batchStats?: { calls: number; checks: number; largest: number } }).batchStats;
}

/** The store's socket (ioredis' `stream`), for its byte counters; undefined for the memory store. */
function socketOf(store: StateStore): { bytesWritten: number; bytesRead: number } | undefined {
  return (store as unknown as { redis?: { stream?: { bytesWritten: number; bytesRead: number } } }).redis?.stream;
}

const CALLGRIND = process.env.BENCH_CALLGRIND === '1';
const ALLOC = process.env.BENCH_ALLOC === '1';
const SELF_CG = process.env.BENCH_SELF_CALLGRIND;

/** This process's instructions in the window just closed (callgrind dumps each window as PREFIX.<pid>.N). */
function selfInstructions(prefix: string): number {
  execFileSync('callgrind_control', ['-d', String(process.pid)], { stdio: 'ignore' });
  execFileSync('callgrind_control', ['-i', 'off', String(process.pid)], { stdio: 'ignore' });
  const dir = dirname(prefix);
  const stem = `${basename(prefix)}.${process.pid}.`;
  const dumps = readdirSync(dir).filter((f) => f.startsWith(stem)).sort((a, b) => Number(a.slice(stem.length)) - Number(b.slice(stem.length)));
  // 'totals', not 'summary': callgrind's summary of a window after the first can wrap around.
  return Number(/^totals: (\d+)/m.exec(readFileSync(join(dir, dumps[dumps.length - 1]!), 'utf8'))?.[1] ?? NaN);
}

async function main(): Promise<void> {
  const perRun = Number(process.argv[2] ?? 20_000);
  const rounds = Number(process.argv[3] ?? 3);
  const dirs = [resolve('src/state'), ...process.argv.slice(4).map((d) => resolve(d))];
  const work = mkdtempSync(join(tmpdir(), 'stepgate-redis-store-'));
  const cgDir = join(work, 'callgrind');
  const redis = await startBenchRedis(
    await freePort(),
    work,
    CALLGRIND ? ['valgrind', '--tool=callgrind', `--callgrind-out-file=${cgDir}-%p`, '--dump-instr=no'] : [],
  );
  /** Instructions since the last call (callgrind dumps its counters and starts again from zero). */
  const instructions = (): number => {
    execFileSync('callgrind_control', ['-d', String(redis.proc.pid)], { stdio: 'ignore' });
    const dumps = readdirSync(work).filter((f) => f.startsWith('callgrind-')).sort((a, b) => Number(a.split('.').pop()) - Number(b.split('.').pop()));
    const text = readFileSync(join(work, dumps[dumps.length - 1]!), 'utf8');
    return Number(/^summary: (\d+)/m.exec(text)?.[1] ?? NaN);
  };
  const variants: Variant[] = [];
  try {
    const flush = process.env.BENCH_FLUSH ?? '';
    const thisTree: { name: string; options: { batchFlush?: 'microtask' | 'immediate'; batchMax?: number } }[] =
      flush === 'both' ? [{ name: 'this tree (immediate)', options: { batchFlush: 'immediate' } }, { name: 'this tree (microtask)', options: { batchFlush: 'microtask' } }]
        : flush === 'none' ? [{ name: 'this tree', options: {} }, { name: 'this tree, unbatched', options: { batchMax: 1 } }]
          : [{ name: 'this tree', options: {} }];
    // BENCH_BATCH_MAX=32: this tree again with a smaller cap on Checks per script call.
    if (process.env.BENCH_BATCH_MAX !== undefined) thisTree.push({ name: `this tree, batch ≤ ${process.env.BENCH_BATCH_MAX}`, options: { batchMax: Number(process.env.BENCH_BATCH_MAX) } });
    for (const [i, dir] of dirs.entries()) {
      const { RedisStateStore } = (await import(pathToFileURL(join(dir, 'redis.ts')).href)) as typeof import('../src/state/redis.js');
      for (const [j, t] of (i === 0 ? thisTree : [{ name: dir, options: {} }]).entries()) {
        const store = new RedisStateStore(LIMITS, { connection: { host: '127.0.0.1', port: redis.port, db: 0 }, keyPrefix: `v${i}.${j}:`, timeoutMs: CALLGRIND || SELF_CG !== undefined ? 120_000 : 10_000, ...t.options });
        variants.push({ name: t.name, store });
      }
    }
    const { MemoryStateStore } = await import('../src/state/memory.js');
    variants.push({ name: 'memory (reference)', store: new MemoryStateStore(LIMITS, { maxSubjects: 1000 }) });
    for (const v of variants) {
      const deadline = Date.now() + 10_000;
      while ((v.store as { status?: string }).status !== undefined && (v.store as { status?: string }).status !== 'ready') {
        if (Date.now() > deadline) throw new Error(`${v.name}: not connected`);
        await new Promise((r) => setTimeout(r, 20));
      }
    }
    const all = shapes().flatMap((s) => copies(s, SUBJECTS));
    // Each subject's address, device and client, and its namespace and wider network, learned up
    // front as (e) does with a fresh aal2 token; from then on every part is known.
    for (const v of variants) {
      for (const s of all) {
        const now = Date.now();
        await check(v.store, s, now);
        await v.store.learn(s.obs.subject, s.obs.ip, s.obs.ipPrefix, s.obs.device, now, s.obs.client);
        await v.store.learnWork?.(s.obs.subject, s.work.namespace, '', now, s.work.nearby);
      }
    }
    // The weighted mix as a schedule of 100 slots.
    // With BENCH_SUBJECTS=N each slot is taken by the N copies of its shape in turn, so that a
    // subject comes back only after N Checks.
    const slots: Shape[] = shapes().flatMap((s) => Array.from({ length: Math.round(s.weight * 100 / 0.73) }, () => s));
    const schedule: Shape[] = slots.flatMap((s) => all.filter((c) => c.name === s.name));

    const run = async (v: Variant, n: number, plan: Shape[], inFlight = 128): Promise<Sample> => {
      const before = await redis.commandStats();
      const bs = batchStatsOf(v.store);
      const bs0 = bs === undefined ? undefined : { ...bs };
      const sock = socketOf(v.store);
      const out0 = sock?.bytesWritten ?? 0;
      const in0 = sock?.bytesRead ?? 0;
      if (CALLGRIND) instructions();
      const ticks0 = cpuTicks(redis.proc.pid!);
      const cpu0 = process.cpuUsage();
      const t0 = performance.now();
      let next = 0;
      const worker = async () => {
        while (next < n) {
          const s = plan[next++ % plan.length]!;
          await check(v.store, s, Date.now());
        }
      };
      const all = () => Promise.all(Array.from({ length: inFlight }, worker)).then(() => undefined);
      if (SELF_CG !== undefined) execFileSync('callgrind_control', ['-i', 'on', String(process.pid)], { stdio: 'ignore' });
      const heap = ALLOC ? (await measureAllocation(all)).bytes / n : (await all(), 0);
      const selfIr = SELF_CG === undefined ? 0 : selfInstructions(SELF_CG) / n;
      const wall = performance.now() - t0;
      const cpu = process.cpuUsage(cpu0);
      const ticks = cpuTicks(redis.proc.pid!) - ticks0;
      const ir = CALLGRIND ? instructions() / n : 0;
      const after = await redis.commandStats();
      let scripts = 0;
      let calls = 0;
      for (const [name, st] of after) {
        const d = st.calls - (before.get(name)?.calls ?? 0);
        if (name === 'evalsha' || name === 'eval' || name === 'evalsha_ro') scripts += d;
        else if (name !== 'info') calls += d;
      }
      return {
        cpuUs: (cpu.user + cpu.system) / n, serverUs: (ticks * TICK_US) / n, scripts: scripts / n, calls: calls / n, ir, rps: n / (wall / 1000),
        out: ((sock?.bytesWritten ?? 0) - out0) / n, in: ((sock?.bytesRead ?? 0) - in0) / n,
        batch: bs === undefined || bs0 === undefined ? 1 : (bs.checks - bs0.checks) / Math.max(1, bs.calls - bs0.calls),
        heap,
        selfIr,
      };
    };

    for (const v of variants) await run(v, Math.min(5000, perRun), schedule); // warm-up: JIT, script cache
    const plans: [string, Shape[]][] = process.env.BENCH_PER_SHAPE === '1' ? shapes().map((s) => [s.name, all.filter((c) => c.name === s.name)]) : [['weighted (e) mix', schedule]];
    const spread = (xs: number[]) => `${Math.round(minMax(xs).min)}–${Math.round(minMax(xs).max)}`;
    const load0 = loadavg();
    const steal0 = stealSeconds();
    const wall0 = performance.now();
    const inFlights = (process.env.BENCH_IN_FLIGHT ?? '128').split(',').map(Number);
    for (const [planName, plan] of plans) {
      for (const inFlight of inFlights) {
        const samples = new Map<Variant, Sample[]>(variants.map((v) => [v, []]));
        for (const v of variants) {
          const bs = batchStatsOf(v.store);
          if (bs !== undefined) bs.largest = 0;
        }
        for (let r = 0; r < rounds; r++) {
          for (const v of r % 2 === 0 ? variants : [...variants].reverse()) samples.get(v)!.push(await run(v, perRun, plan, inFlight));
        }
        console.log(`\n${planName}: ${perRun} Checks per run, ${rounds} rounds alternating, ${inFlight} in flight; load average ${loadavg().map((x) => x.toFixed(1)).join(' ')}`);
        console.log(`| store | stepgate CPU µs/Check (median, range) | redis-server CPU µs/Check${CALLGRIND ? ' (under callgrind)' : ''} | redis-server instructions/Check | script calls/Check | Checks per call (mean, largest) | redis.call/Check | bytes out / in per Check |${ALLOC ? ' heap bytes allocated/Check (median, range) |' : ''}${SELF_CG === undefined ? '' : ' stepgate instructions/Check (each run) |'} Checks/s |`);
        console.log(`|---|--:|--:|--:|--:|--:|--:|--:|${ALLOC ? '--:|' : ''}${SELF_CG === undefined ? '' : '--:|'}--:|`);
        for (const v of variants) {
          const s = samples.get(v)!;
          const m = (k: keyof Sample) => median(s.map((x) => x[k]));
          const largest = batchStatsOf(v.store)?.largest;
          console.log(
            `| ${v.name} | ${m('cpuUs').toFixed(1)} (${spread(s.map((x) => x.cpuUs))}) | ${m('serverUs').toFixed(1)} (${spread(s.map((x) => x.serverUs))}) | ${CALLGRIND ? `${Math.round(m('ir')).toLocaleString('en')} (${s.map((x) => Math.round(x.ir / 1000)).join('k, ')}k)` : '–'} | ${m('scripts').toFixed(2)} | ${largest === undefined ? '–' : `${m('batch').toFixed(1)}, ${largest}`} | ${m('calls').toFixed(1)} | ${Math.round(m('out'))} / ${Math.round(m('in'))} |${ALLOC ? ` ${Math.round(m('heap')).toLocaleString('en')} (${spread(s.map((x) => x.heap))}) |` : ''}${SELF_CG === undefined ? '' : ` ${Math.round(m('selfIr')).toLocaleString('en')} (${s.map((x) => Math.round(x.selfIr / 1000)).join('k, ')}k) |`} ${Math.round(m('rps'))} |`,
          );
        }
      }
    }
    const stealCpus = (stealSeconds() - steal0) / ((performance.now() - wall0) / 1000);
    console.log(`\nload average at the start ${load0.map((x) => x.toFixed(1)).join(' ')}, at the end ${loadavg().map((x) => x.toFixed(1)).join(' ')}; hypervisor steal ${stealCpus.toFixed(2)} CPUs over the measured runs`);
  } finally {
    for (const v of variants) await v.store.close().catch(() => undefined);
    await redis.stop();
    // BENCH_KEEP=1: keep the callgrind dumps (callgrind_annotate <file>) and say where.
    if (process.env.BENCH_KEEP === '1') console.log(`kept ${work}`);
    else rmSync(work, { recursive: true, force: true });
  }
}

await main();
