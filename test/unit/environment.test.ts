import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ENV, ENV_VARIABLES, EnvironmentError, envValue, serveOverrides, StartupError, type EnvKey } from '../../src/config/environment.js';
import { StartupError as LoadStartupError } from '../../src/config/load.js';

const ROOT = new URL('../../', import.meta.url).pathname;
const HOME = 'src/config/environment.ts';

function sources(dir = 'src', out: string[] = []): string[] {
  for (const e of readdirSync(`${ROOT}${dir}`, { withFileTypes: true })) {
    if (e.isDirectory()) sources(`${dir}/${e.name}`, out);
    else if (e.name.endsWith('.ts')) out.push(`${dir}/${e.name}`);
  }
  return out;
}

/**
 * A STEPGATE_* name used as code rather than prose: read (`env.STEPGATE_X`, `env['STEPGATE_X']`) or
 * written as an object key (`{ STEPGATE_X: … }`). Help texts and comments may name a variable.
 */
const USE = /(?:\.|\[\s*['"`])(STEPGATE_[A-Z0-9_]+)|[{,]\s*(STEPGATE_[A-Z0-9_]+)\s*:/g;
const uses = (text: string) => [...text.matchAll(USE)].map((m) => m[1] ?? m[2]!);

describe('the STEPGATE_* variables are declared in one place', () => {
  it('the pattern finds reads and writes, and not prose', () => {
    // Guards the grep below: it must see the forms the code used before, or it passes vacuously.
    expect(uses('const s = process.env.STEPGATE_STATE_STORE;')).toEqual(['STEPGATE_STATE_STORE']);
    expect(uses("io.env['STEPGATE_ADMIN_URL']")).toEqual(['STEPGATE_ADMIN_URL']);
    expect(uses('cluster.fork({ STEPGATE_WORKER: String(i), STEPGATE_METRICS_LISTEN: l })')).toEqual(['STEPGATE_WORKER', 'STEPGATE_METRICS_LISTEN']);
    expect(uses('{ ...process.env, STEPGATE_HEAP_LIMIT_APPLIED: "1" }')).toEqual(['STEPGATE_HEAP_LIMIT_APPLIED']);
    expect(uses('--config FILE   default: STEPGATE_CONFIG, else the bundled example')).toEqual([]);
    expect(uses('must be a whole number (or STEPGATE_WORKERS), got 0')).toEqual([]);
  });

  it(`no file of src/ but ${HOME} reads or sets one`, () => {
    const offenders = sources()
      .filter((f) => f !== HOME)
      .flatMap((f) => uses(readFileSync(`${ROOT}${f}`, 'utf8')).map((name) => `${f}: ${name}`));
    expect(offenders).toEqual([]);
  });

  it('every STEPGATE_* name src/ mentions (help, messages, comments) is declared', () => {
    const declared = new Set(ENV_VARIABLES.map((v) => v.name));
    const mentioned = new Set(sources().flatMap((f) => [...readFileSync(`${ROOT}${f}`, 'utf8').matchAll(/STEPGATE_[A-Z0-9_]+/g)].map((m) => m[0])));
    expect([...mentioned].filter((n) => !declared.has(n))).toEqual([]);
    expect(mentioned.size).toBeGreaterThanOrEqual(declared.size);
  });

  it('the module imports nothing, so the kubectl plugin can read its variable for free', () => {
    const text = readFileSync(`${ROOT}${HOME}`, 'utf8');
    expect(text).not.toMatch(/^\s*import\s/m);
    expect(text).not.toMatch(/\bimport\(|\brequire\(/);
  });

  it('each variable is declared once, with a STEPGATE_ name and an example that sets it', () => {
    const names = ENV_VARIABLES.map((v) => v.name);
    expect(new Set(names).size).toBe(names.length);
    for (const v of ENV_VARIABLES) {
      expect(v.name).toMatch(/^STEPGATE_[A-Z0-9_]+$/);
      expect(v.example.startsWith(`${v.name}=`), v.name).toBe(true);
    }
  });
});

describe('docs/configuration.md documents every variable', () => {
  const doc = readFileSync(`${ROOT}docs/configuration.md`, 'utf8');
  const section = doc.slice(doc.indexOf('## Environment variables'), doc.indexOf('\n## ', doc.indexOf('## Environment variables') + 1));
  const rows = new Map([...section.matchAll(/^\| `(STEPGATE_[A-Z0-9_]+)` \|(.*)$/gm)].map((m) => [m[1]!, m[2]!]));

  it.each(ENV_VARIABLES.map((v) => [v.name, v] as const))('%s: a row with its example', (name, v) => {
    const row = rows.get(name);
    expect(row, `add a row for \`${name}\` to the environment variables table`).toBeDefined();
    expect(row).toContain(`Example: \`${v.example}\``);
    if (v.overrides) expect(row).toContain(`\`${v.overrides}\``);
  });

  it('has no row for a variable that is not declared', () => {
    const declared = new Set(ENV_VARIABLES.map((v) => v.name));
    expect([...rows.keys()].filter((n) => !declared.has(n))).toEqual([]);
  });
});

describe('parsing', () => {
  it.each([
    ['stateStore', 'disk', 'STEPGATE_STATE_STORE: must be memory or redis, got "disk"'],
    ['stateStore', 'Redis', 'STEPGATE_STATE_STORE: must be memory or redis, got "Redis"'],
    ['logFormat', 'xml', 'STEPGATE_LOG_FORMAT: must be pretty or json, got "xml"'],
    ['workers', '0', '--workers (or STEPGATE_WORKERS) must be a whole number from 1 to 64, got "0"'],
    ['workers', '65', '--workers (or STEPGATE_WORKERS) must be a whole number from 1 to 64, got "65"'],
    ['workers', '', '--workers (or STEPGATE_WORKERS) must be a whole number from 1 to 64, got ""'],
  ] as [EnvKey, string, string][])('%s=%j is refused naming the variable', (key, raw, message) => {
    const read = () => envValue({ [ENV[key].name]: raw }, key);
    expect(read).toThrow(StartupError);
    expect(read).toThrow(message);
  });

  it('a bad value is an EnvironmentError that knows its variable, and a StartupError (exit 2)', () => {
    try {
      envValue({ STEPGATE_STATE_STORE: 'x'.repeat(100) }, 'stateStore');
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(EnvironmentError);
      expect(err).toBeInstanceOf(LoadStartupError);
      expect((err as EnvironmentError).variable).toBe('STEPGATE_STATE_STORE');
      // Clipped: the environment is not echoed back at any length.
      expect((err as Error).message.length).toBeLessThan(100);
    }
  });

  it('unset is undefined; an empty store or log format counts as unset', () => {
    expect(serveOverrides({})).toEqual({});
    expect(envValue({ STEPGATE_STATE_STORE: '' }, 'stateStore')).toBeUndefined();
    expect(envValue({ STEPGATE_LOG_FORMAT: '' }, 'logFormat')).toBeUndefined();
    expect(envValue({ STEPGATE_WORKER: '' }, 'worker')).toBeUndefined();
    expect(envValue({ STEPGATE_WORKER: '3' }, 'worker')).toBe(3);
    expect(envValue({ STEPGATE_HEAP_LIMIT: '64' }, 'heapLimit')).toEqual({ mode: 'mib', mib: 64 });
    expect(envValue({ STEPGATE_HEAP_LIMIT: '63' }, 'heapLimit')).toEqual({ mode: 'invalid', raw: '63' });
    expect(envValue({ STEPGATE_HEAP_LIMIT_APPLIED: '1' }, 'heapLimitApplied')).toBe(true);
    expect(serveOverrides({ STEPGATE_GRPC_LISTEN: '127.0.0.1:0', STEPGATE_STATE_STORE: 'redis', OTHER: 'x' })).toEqual({
      grpcListen: '127.0.0.1:0',
      stateStore: 'redis',
      httpListen: undefined,
      authzHttpListen: undefined,
      metricsListen: undefined,
    });
  });
});
