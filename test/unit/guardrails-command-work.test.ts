import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { inspect } from '../../src/guardrails/inspect.js';
import { CommandWork, COMMAND_WORK_LIMIT } from '../../src/guardrails/rules/command-work.js';
import { commandShape, SHAPE_TEXT, type CommandSetting } from '../../src/guardrails/rules/commands.js';
import { checkConfigMapScripts } from '../../src/guardrails/rules/configmap-scripts.js';
import { ViolationCollector } from '../../src/guardrails/collect.js';
import type { GuardrailResult, Json } from '../../src/guardrails/types.js';
import { guardSettings, kube } from '../support/guardrails.js';

/**
 * The command-reading budget (rules/command-work.ts): what reading a body's commands costs is
 * counted, not timed, and shared by all the scripts of one Check. Every assertion is on the count
 * or on the outcome, never on a clock: the same body costs the same on a loaded machine.
 */

interface Row {
  readonly source: string;
  readonly key: string;
  readonly script?: string;
}
const corpus = JSON.parse(readFileSync(new URL('../fixtures/container-commands/configmap-scripts.json', import.meta.url), 'utf8')) as Row[];
const SPLIT_BRAIN = corpus.find((r) => r.key === 'fix-split-brain.sh')!.script!;
const settings = guardSettings('guardrails: {}\n');
const egress = (r: GuardrailResult) => r.violations.filter((v) => v.code === 'container_command_egress');
const withWork = (work: CommandWork): CommandSetting => ({ env: new Map(), namesRedirected: false, work });
/** Units a command costs to read, with no bound. */
const cost = (words: string[], source?: string): number => {
  const work = new CommandWork(Infinity);
  commandShape(words, source, withWork(work));
  return work.spent;
};

describe('command reading is linear in the text', () => {
  it('a real script repeated k times costs k times as much (no pass re-reads the whole text per word or per command)', () => {
    const one = cost(['sh'], SPLIT_BRAIN);
    for (const k of [2, 8]) {
      const ratio = cost(['sh'], SPLIT_BRAIN.repeat(k)) / one;
      expect(ratio).toBeGreaterThan(k * 0.9);
      expect(ratio).toBeLessThan(k * 1.1);
    }
  });

  it.each([
    ['a pipeline of downloads', (n: number) => [Array.from({ length: n }, () => 'curl x').join(' | ')]],
    ['quoted words', (n: number) => ['sh', '-c', Array.from({ length: n }, () => "c''url x").join(' | ')]],
    ['assignments followed', (n: number) => ['sh', '-c', Array.from({ length: n }, (_, i) => `v${i}=$(cat f${i}); echo "$v${i}"`).join('\n')]],
    ['here-documents', (n: number) => ['sh', '-c', Array.from({ length: n }, () => 'cat <<EOF\nline $x\nEOF').join('\n')]],
  ])('%s: 4x the text, 4x the count', (_, make) => {
    const ratio = cost(make(40_000)) / cost(make(10_000));
    expect(ratio).toBeGreaterThan(3.6);
    expect(ratio).toBeLessThan(4.4);
  });

  it('the corpus: the costliest routine script is far under the budget (the budget is chosen from it)', () => {
    const costs = corpus.filter((r) => r.script !== undefined).map((r) => cost([], r.script!.startsWith('#!') ? r.script : `#!/bin/sh\n${r.script!}`));
    expect(Math.max(...costs)).toBeLessThan(COMMAND_WORK_LIMIT / 10);
    // A chart's scripts together, as one ConfigMap write shares one budget.
    const charts = new Map<string, Record<string, string>>();
    for (const r of corpus) if (r.script !== undefined) charts.set(r.source, { ...charts.get(r.source), [r.key]: r.script });
    for (const data of charts.values()) {
      const work = new CommandWork(Infinity);
      checkConfigMapScripts({ apiVersion: 'v1', kind: 'ConfigMap', data } as Json, '', { settings, namespace: 'dev', partial: false, out: new ViolationCollector(), commandWork: work });
      expect(work.spent).toBeLessThan(COMMAND_WORK_LIMIT / 8);
    }
  });
});

describe('hostile commands: over the budget, asked, and the work stops there', () => {
  // A take that fails is the last: what is spent past the limit is at most that one charge (at most
  // the text's size, and not worked through).
  const bounded = (words: string[], source?: string) => {
    const work = new CommandWork();
    const shape = commandShape(words, source, withWork(work));
    return { shape, spent: work.spent, size: words.join(' ').length + (source?.length ?? 0) };
  };

  it.each([
    ['a 200,000-stage curl pipeline', [Array.from({ length: 200_000 }, () => 'curl x').join(' | ')]],
    ['1 MiB of a=$a$a', ['sh', '-c', `a=x; ${'a=$a$a; '.repeat(131_000)}`]],
    ['a 1 MiB here-document', ['sh', '-c', `cat <<EOF\n${'x $y\n'.repeat(210_000)}EOF\ncurl x`]],
    ['1 MiB of one quoted word', ['sh', '-c', `'${'a'.repeat(1 << 20)}'`]],
  ])('%s', (_, words) => {
    const r = bounded(words as string[]);
    expect(r.shape).toBe('over_budget');
    expect(r.spent).toBeLessThanOrEqual(COMMAND_WORK_LIMIT + 2 * r.size);
  });

  it('deep $(…) is unreadable (the depth limit comes first), never an allow', () => {
    expect(bounded(['sh', '-c', '$(a'.repeat(200_000)]).shape).toBe('unreadable');
    expect(bounded(['sh', '-c', `${'$(sh -c "'.repeat(40)}x`]).shape).toBe('unreadable');
  });

  it('a budget spent by an earlier script: the next is over_budget before any of it is read', () => {
    const work = new CommandWork(1000);
    expect(commandShape(['sh', '-c', 'x'.repeat(2000)], undefined, withWork(work))).toBe('over_budget');
    const before = work.spent;
    expect(commandShape(['sh', '-c', 'echo hi'], undefined, withWork(work))).toBe('over_budget');
    expect(work.spent).toBe(before);
  });

  it('a routine script within the budget is read as before (no shape)', () => {
    expect(bounded(['sh'], SPLIT_BRAIN).shape).toBeUndefined();
  });
});

describe('one budget per Check, shared by every script of the body', () => {
  it('many ConfigMap keys, each just under what one script may cost: the keys past the budget are asked, and the work stops', () => {
    // Each key alone is read (about an eighth of the budget); together they are 4x the budget.
    const piece = SPLIT_BRAIN.repeat(Math.floor(COMMAND_WORK_LIMIT / 8 / cost(['sh'], SPLIT_BRAIN)));
    expect(cost(['sh'], piece)).toBeLessThan(COMMAND_WORK_LIMIT);
    const data = Object.fromEntries(Array.from({ length: 32 }, (_, i) => [`s${i}.sh`, piece]));
    const work = new CommandWork();
    const out = new ViolationCollector();
    checkConfigMapScripts({ apiVersion: 'v1', kind: 'ConfigMap', data } as Json, '', { settings, namespace: 'dev', partial: false, out, commandWork: work });
    expect(out.kept.length).toBeGreaterThan(0);
    expect(out.kept.every((v) => v.code === 'container_command_egress' && v.detail.includes(SHAPE_TEXT.over_budget))).toBe(true);
    expect(work.spent).toBeLessThanOrEqual(COMMAND_WORK_LIMIT + 2 * piece.length);
  });

  it('through inspect(): a Pod whose containers together pass the budget is asked, one whose containers do not is not', () => {
    const pod = (n: number) => JSON.stringify({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p' }, spec: { containers: Array.from({ length: n }, (_, i) => ({ name: `c${i}`, image: 'busybox:1.36', command: ['sh', '-c', SPLIT_BRAIN] })) } });
    const each = cost(['sh', '-c', SPLIT_BRAIN]);
    const under = Math.floor(COMMAND_WORK_LIMIT / each) - 1;
    expect(egress(inspect(kube('POST', '/api/v1/namespaces/dev/pods'), pod(under), 'application/json', false, settings))).toEqual([]);
    const over = egress(inspect(kube('POST', '/api/v1/namespaces/dev/pods'), pod(under + 4), 'application/json', false, settings));
    expect(over.length).toBeGreaterThan(0);
    expect(over.every((v) => v.detail.includes(SHAPE_TEXT.over_budget))).toBe(true);
  });
});
