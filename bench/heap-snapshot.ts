/**
 * What is live in the built server after (a)'s cached load: starts `node dist/cli.js serve` with
 * the launcher's flags and `--heapsnapshot-signal`, sends every (a) shape BENCH_REQUESTS times
 * (h2load), asks for a heap snapshot (V8 collects garbage first, so it holds live objects only)
 * and prints the largest groups by retained self size: node type and constructor or string
 * prefix, and the scripts (compiled code) by module.
 *
 *   npm run build && node --import tsx bench/heap-snapshot.ts     (BENCH_REQUESTS=20000, BENCH_TOP=25)
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { launchFlags } from '../src/heap-limit.js';
import { CHECK_PATH, RawCheckClient } from './codec.js';
import { buildFrame, configYaml, SHAPES, startIssuer } from './fixtures.js';
import { freePort } from './free-port.js';
import { runCommand } from './run-command.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const REQUESTS = Number(process.env.BENCH_REQUESTS ?? 20_000);
const TOP = Number(process.env.BENCH_TOP ?? 25);

const work = mkdtempSync(join(tmpdir(), 'stepgate-snap-'));
const issuer = await startIssuer();
const port = await freePort();
const config = join(work, 'stepgate.yaml');
writeFileSync(config, configYaml(issuer.jwksUri, `127.0.0.1:${port}`));
const env = { ...process.env, STEPGATE_METRICS_LISTEN: 'off', STEPGATE_HEAP_LIMIT: 'off' };
const proc = spawn(process.execPath, [...launchFlags(), '--heapsnapshot-signal=SIGUSR2', join(ROOT, 'dist/cli.js'), 'serve', '--config', config], { cwd: work, env, stdio: ['ignore', 'ignore', 'inherit'] });
try {
  const client = new RawCheckClient(port);
  await client.ready(60_000);
  client.close();
  for (const [i, shape] of SHAPES.entries()) {
    const file = join(work, `shape-${i}.grpc`);
    writeFileSync(file, (await buildFrame(issuer, shape, i)).frame);
    await runCommand('h2load', [`--requests=${REQUESTS}`, '--clients=8', '--max-concurrent-streams=16', '--threads=1', `--data=${file}`, '--header=content-type: application/grpc', '--header=te: trailers', `http://127.0.0.1:${port}${CHECK_PATH}`], 300_000);
  }
  proc.kill('SIGUSR2');
  let snap: string | undefined;
  for (let waited = 0; snap === undefined && waited < 120; waited++) {
    await new Promise((r) => setTimeout(r, 1000));
    const f = readdirSync(work).find((n) => n.endsWith('.heapsnapshot'));
    // The file is complete once it parses.
    if (f !== undefined) {
      try {
        JSON.parse(readFileSync(join(work, f), 'utf8'));
        snap = join(work, f);
      } catch {
        /* still being written */
      }
    }
  }
  if (snap === undefined) throw new Error('no heap snapshot within 120 s');
  summarize(JSON.parse(readFileSync(snap, 'utf8')) as Snapshot);
} finally {
  proc.kill('SIGTERM');
  await issuer.close();
  rmSync(work, { recursive: true, force: true });
}

interface Snapshot {
  snapshot: { meta: { node_fields: string[]; node_types: [string[], ...unknown[]] } };
  nodes: number[];
  strings: string[];
}

function summarize(s: Snapshot): void {
  const fields = s.snapshot.meta.node_fields;
  const types = s.snapshot.meta.node_types[0];
  const [ti, ni, si] = ['type', 'name', 'self_size'].map((f) => fields.indexOf(f)) as [number, number, number];
  const groups = new Map<string, { n: number; bytes: number }>();
  let total = 0;
  for (let i = 0; i < s.nodes.length; i += fields.length) {
    const type = types[s.nodes[i + ti]!]!;
    const name = s.strings[s.nodes[i + ni]!]!;
    const bytes = s.nodes[i + si]!;
    total += bytes;
    const key = type === 'string' || type === 'concatenated string' || type === 'sliced string' ? `${type}` : type === 'code' ? `code: ${name.slice(0, 40)}` : `${type}: ${name.slice(0, 60)}`;
    const g = groups.get(key) ?? { n: 0, bytes: 0 };
    g.n++;
    g.bytes += bytes;
    groups.set(key, g);
  }
  console.log(`live heap in the snapshot: ${(total / 1048576).toFixed(1)} MiB`);
  console.log('| group | objects | MiB |\n|---|--:|--:|');
  for (const [k, g] of [...groups].sort((a, b) => b[1].bytes - a[1].bytes).slice(0, TOP)) console.log(`| ${k.replace(/\|/g, '\\|')} | ${g.n} | ${(g.bytes / 1048576).toFixed(2)} |`);
  // The largest single objects (a preallocated table or a source text shows here), and the strings by length class.
  const big: [number, string][] = [];
  const strings = new Map<string, number>();
  for (let i = 0; i < s.nodes.length; i += fields.length) {
    const type = types[s.nodes[i + ti]!]!;
    const bytes = s.nodes[i + si]!;
    if (bytes >= 65536) big.push([bytes, `${type}: ${s.strings[s.nodes[i + ni]!]!.slice(0, 70).replace(/\s+/g, ' ')}`]);
    if (type === 'string') {
      const cls = bytes >= 65536 ? '≥ 64 KiB (source texts)' : bytes >= 1024 ? '1–64 KiB' : '< 1 KiB';
      strings.set(cls, (strings.get(cls) ?? 0) + bytes);
    }
  }
  console.log('\nlargest objects:');
  for (const [b, k] of big.sort((a, b) => b[0] - a[0]).slice(0, TOP)) console.log(`  ${(b / 1024).toFixed(0)} KiB  ${k}`);
  console.log(`strings by size: ${[...strings].map(([k, b]) => `${k} ${(b / 1048576).toFixed(1)} MiB`).join('; ')}`);
}
