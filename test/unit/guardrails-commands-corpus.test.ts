import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { inspect } from '../../src/guardrails/inspect.js';
import { checkExecCommand, commandShape, SHAPE_TEXT, type CommandShape } from '../../src/guardrails/rules/commands.js';
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

/**
 * The scripts charts keep in ConfigMaps and run by path (test/fixtures/container-commands/
 * configmap-scripts.json: bitnami's, Argo CD's redis-ha, Jenkins', Loki's; Helm's placeholders
 * rendered), read when the ConfigMap is written (rules/configmap-scripts.ts). Routine ones ask
 * nothing; the rows at the end are the same attacks as the container rows, in a ConfigMap key.
 */
interface ScriptEntry {
  readonly source: string;
  readonly key: string;
  readonly script?: string;
  /** The script as `binaryData` holds it (base64). */
  readonly binaryData?: string;
  readonly expect: CommandShape | null;
}

const scripts = JSON.parse(readFileSync(new URL('../fixtures/container-commands/configmap-scripts.json', import.meta.url), 'utf8')) as ScriptEntry[];

function configMapWith(e: ScriptEntry): string {
  const values = e.binaryData !== undefined ? { binaryData: { [e.key]: e.binaryData } } : { data: { [e.key]: e.script } };
  return JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'scripts' }, ...values });
}

describe('container_command_egress: scripts charts keep in ConfigMaps', () => {
  it('is well formed: 80+ routine scripts from 4+ projects, each with its source, and attacks of every shape', () => {
    const routine = scripts.filter((e) => e.expect === null);
    expect(routine.length).toBeGreaterThanOrEqual(80);
    expect(new Set(routine.map((e) => e.source.split('@')[0])).size).toBeGreaterThanOrEqual(4);
    for (const e of scripts) {
      expect(e.source.length, e.key).toBeGreaterThan(0);
      expect(typeof (e.script ?? e.binaryData)).toBe('string');
      if (e.expect !== null) expect(SHAPES).toContain(e.expect);
    }
    expect(new Set(scripts.map((e) => e.expect).filter((s) => s !== null))).toEqual(new Set(SHAPES));
  });

  it.each(scripts.map((e, i) => [i, e.source, e.key, e] as const))('#%i %s %s', (_i, _source, _key, e) => {
    const r = inspect(kube('POST', '/api/v1/namespaces/dev/configmaps'), configMapWith(e), 'application/json', false, settings);
    expect(r.unreadable).toBeUndefined();
    const found = r.violations.filter((v) => v.code === 'container_command_egress');
    if (e.expect === null) expect(found).toEqual([]);
    else {
      expect(found).toHaveLength(1);
      expect(found[0]!.detail).toContain(JSON.stringify(e.key));
      expect(found[0]!.detail).toContain(SHAPE_TEXT[e.expect]);
      expect(found[0]!.path).toBe(`${e.binaryData !== undefined ? 'binaryData' : 'data'}.${e.key}`);
    }
  });
});

/**
 * Values of real charts' Secrets and ConfigMaps that session 47 reads for the first time
 * (test/fixtures/container-commands/store-values.json): every Secret value, and every ConfigMap value
 * whose key has no extension and whose text has no `#!` line (rules/configmap-scripts.ts reads those
 * as `sh`). Routine ones (chart Secrets and ConfigMaps with their placeholders rendered, certificates,
 * keys, a `.dockerconfigjson`, passwords, a keystore's bytes, a kubeconfig, env files) ask nothing;
 * the rows at the end are attacks: asked.
 */
interface StoreEntry {
  readonly source: string;
  readonly kind: 'ConfigMap' | 'Secret';
  readonly field: 'data' | 'stringData';
  readonly key: string;
  readonly script: string;
  readonly expect: CommandShape | null;
}

const stores = JSON.parse(readFileSync(new URL('../fixtures/container-commands/store-values.json', import.meta.url), 'utf8')) as StoreEntry[];

/** The object as a client sends it: a Secret's `data` base64, as kubectl and Helm write it. */
function storeWith(e: StoreEntry): string {
  const value = e.kind === 'Secret' && e.field === 'data' ? Buffer.from(e.script).toString('base64') : e.script;
  return JSON.stringify({ apiVersion: 'v1', kind: e.kind, metadata: { name: 'values' }, [e.field]: { [e.key]: value } });
}

describe('container_command_egress: values of real Secrets and ConfigMaps read since session 47', () => {
  it('is well formed: 75+ routine values from 5+ projects, Secrets among them, and attacks', () => {
    const routine = stores.filter((e) => e.expect === null);
    expect(routine.length).toBeGreaterThanOrEqual(75);
    expect(routine.filter((e) => e.kind === 'Secret').length).toBeGreaterThanOrEqual(30);
    expect(new Set(routine.map((e) => e.source.split(/[@ ]/)[0])).size).toBeGreaterThanOrEqual(5);
    for (const e of stores) {
      expect(e.source.length, e.key).toBeGreaterThan(0);
      expect(['ConfigMap', 'Secret']).toContain(e.kind);
      if (e.expect !== null) expect(SHAPES).toContain(e.expect);
    }
    expect(stores.filter((e) => e.expect !== null).length).toBeGreaterThanOrEqual(5);
  });

  it.each(stores.map((e, i) => [i, e.kind, e.key, e] as const))('#%i %s %s', (_i, _kind, _key, e) => {
    const r = inspect(kube('POST', `/api/v1/namespaces/dev/${e.kind === 'Secret' ? 'secrets' : 'configmaps'}`), storeWith(e), 'application/json', false, settings);
    expect(r.unreadable).toBeUndefined();
    const found = r.violations.filter((v) => v.code === 'container_command_egress');
    if (e.expect === null) expect(found).toEqual([]);
    else {
      expect(found).toHaveLength(1);
      expect(found[0]!.detail).toContain(`${e.kind} key ${JSON.stringify(e.key)}`);
      expect(found[0]!.detail).toContain(SHAPE_TEXT[e.expect]);
      expect(found[0]!.path).toBe(`${e.field}.${e.key}`);
    }
  });
});
