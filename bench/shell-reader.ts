/**
 * The command reader (src/guardrails/rules/shell.ts) and the shape passes (commands.ts commandShape)
 * side by side with JSON.parse of a body carrying the same script: the reader's cost as a multiple of
 * what decoding the request already costs. Warm CPU time (process.cpuUsage: the process's own, not
 * the machine's load), median of BENCH_ROUNDS (default 5) after 2 warm-ups. The work units the
 * command-reading budget counts (rules/command-work.ts) are shown too: a count, not a time.
 * Run with `node --cpu-prof` to see where the time goes; the ratio, not the milliseconds, is the figure
 * to compare across machines.
 *
 *   node --import tsx bench/shell-reader.ts     (SHELL_ONLY=split: only cases whose name contains it)
 */
import { readFileSync } from 'node:fs';
import { CommandWork } from '../src/guardrails/rules/command-work.js';
import { commandShape } from '../src/guardrails/rules/commands.js';

interface Row {
  readonly key: string;
  readonly script: string;
}
const scripts = JSON.parse(readFileSync(new URL('../test/fixtures/container-commands/configmap-scripts.json', import.meta.url), 'utf8')) as Row[];
const byKey = (key: string): string => scripts.find((r) => r.key === key)!.script;
const splitBrain = byKey('fix-split-brain.sh');
const jupyter = byKey('jupyterhub_config.py');
const big = splitBrain.repeat(Math.ceil(880_000 / splitBrain.length)).slice(0, 880_000);

const CASES: readonly (readonly [string, readonly string[], string | undefined])[] = [
  ['fix-split-brain.sh (15 KB)', ['sh'], splitBrain],
  ['jupyterhub_config.py (18 KB)', ['python3'], jupyter],
  ['fix-split-brain.sh x60 (880 KB)', ['sh'], big],
  ['200,000-stage curl pipeline', [Array.from({ length: 200_000 }, () => 'curl x').join(' | ')], undefined],
  ['1 MiB a=$a$a', ['sh', '-c', 'a=x; '.concat('a=$a$a; '.repeat(131_000))], undefined],
  ['$(a x 200,000', ['sh', '-c', '$(a'.repeat(200_000)], undefined],
];

const rounds = Number(process.env.BENCH_ROUNDS ?? 5);
const only = process.env.SHELL_ONLY;
function median(f: () => void): number {
  const t: number[] = [];
  for (let i = 0; i < rounds + 2; i++) {
    // CPU time, not wall time: on a shared machine the process is descheduled between its samples.
    const s = process.cpuUsage();
    f();
    const d = process.cpuUsage(s);
    t.push((d.user + d.system) / 1e3);
  }
  return t.slice(2).sort((a, b) => a - b)[Math.floor(rounds / 2)]!;
}
console.log('case'.padEnd(34), 'bytes'.padStart(9), 'reader ms'.padStart(10), 'JSON.parse ms'.padStart(14), 'ratio'.padStart(7), 'units'.padStart(9), ' outcome');
for (const [name, words, source] of CASES) {
  if (only !== undefined && !name.includes(only)) continue;
  const body = JSON.stringify({ apiVersion: 'v1', kind: 'Pod', spec: { containers: [{ name: 'c', command: words, ...(source !== undefined ? { source } : {}) }] } });
  let outcome: string | undefined;
  let units = 0;
  const reader = median(() => {
    const work = new CommandWork();
    outcome = commandShape(words, source, { env: new Map(), namesRedirected: false, work });
    units = work.spent;
  });
  const parse = median(() => JSON.parse(body));
  console.log(name.padEnd(34), String(body.length).padStart(9), reader.toFixed(2).padStart(10), parse.toFixed(3).padStart(14), (reader / parse).toFixed(1).padStart(7), String(units).padStart(9), ` ${outcome ?? 'none'}`);
}
