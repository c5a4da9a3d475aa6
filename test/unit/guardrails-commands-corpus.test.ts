import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { inspect } from '../../src/guardrails/inspect.js';
import { checkExecCommand, commandShape, type CommandShape } from '../../src/guardrails/rules/commands.js';
import { guardSettings, kube } from '../support/guardrails.js';

/**
 * container_command_egress against commands real manifests and habits run
 * (test/fixtures/container-commands/corpus.json: Helm charts' templates, operators' and injectors'
 * containers, the Kubernetes docs' examples, CI Jobs, `kubectl exec -- …` habits; each entry names
 * where it comes from). Every entry pins its outcome: `expect: null` asks nothing; a shape is asked,
 * and a routine entry that is asked says why in `why` (docs/guardrails.md lists these). The rows at
 * the end are the replayed days' attacks and the ways around the in-cluster exemption: asked.
 */

interface Entry {
  readonly source: string;
  readonly kind: 'container' | 'exec';
  readonly command: readonly string[];
  readonly env?: Readonly<Record<string, string>>;
  readonly expect: CommandShape | null;
  readonly why?: string;
}

const SHAPES: readonly CommandShape[] = ['fetch_run', 'decoded_run', 'download_run', 'send_credentials'];
const corpus = JSON.parse(readFileSync(new URL('../fixtures/container-commands/corpus.json', import.meta.url), 'utf8')) as Entry[];
const settings = guardSettings('guardrails: {}\n');

function jobWith(e: Entry): string {
  const env = Object.entries(e.env ?? {}).map(([name, value]) => ({ name, value }));
  const container = { name: 'c', image: 'registry.example.com/tools:1.0', command: e.command, ...(env.length > 0 ? { env } : {}) };
  return JSON.stringify({ apiVersion: 'batch/v1', kind: 'Job', metadata: { name: 'j' }, spec: { template: { spec: { restartPolicy: 'Never', containers: [container] } } } });
}

const asked = (e: Entry): boolean =>
  e.kind === 'exec'
    ? checkExecCommand(`${e.command.map((w) => `command=${encodeURIComponent(w)}`).join('&')}&container=app&stdout=true`) !== undefined
    : inspect(kube('POST', '/apis/batch/v1/namespaces/dev/jobs'), jobWith(e), 'application/json', false, settings).violations.some((v) => v.code === 'container_command_egress');

describe('container_command_egress: the corpus of real commands', () => {
  it('is well formed: 150+ entries, each with its source, strings for a command, a known outcome', () => {
    expect(corpus.length).toBeGreaterThanOrEqual(150);
    for (const e of corpus) {
      expect(e.source.length, JSON.stringify(e)).toBeGreaterThan(0);
      expect(['container', 'exec']).toContain(e.kind);
      expect(e.command.length).toBeGreaterThan(0);
      expect(e.command.every((w) => typeof w === 'string')).toBe(true);
      if (e.expect !== null) expect(SHAPES).toContain(e.expect);
    }
    expect(corpus.filter((e) => e.expect === null).length).toBeGreaterThanOrEqual(150);
  });

  it.each(corpus.map((e, i) => [i, e.source, e] as const))('#%i %s', (_i, _source, e) => {
    if (e.kind === 'container') expect(commandShape(e.command, undefined, { env: new Map(Object.entries(e.env ?? {})), namesRedirected: false }) ?? null).toBe(e.expect);
    expect(asked(e)).toBe(e.expect !== null);
  });
});
