import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { overriddenKeys } from '../../src/config/environment.js';
import { parseConfig } from '../../src/config/load.js';
import { restartOnlyChanges, valueAt } from '../../src/config/reload.js';
import { APPLY, configSchema } from '../../src/config/schema.js';
import { DOWN_ISSUER, testConfigYaml } from '../support/config.js';

/** zod v4 internals, as test/unit/docs.test.ts reads them: every schema has `_zod.def.type`. */
interface ZodDef {
  type: string;
  shape?: Record<string, unknown>;
  element?: unknown;
  innerType?: unknown;
  in?: unknown;
}
const defOf = (s: unknown) => (s as { _zod: { def: ZodDef } })._zod.def;
const WRAPPERS = new Set(['optional', 'default', 'prefault', 'nullable', 'readonly', 'catch', 'nonoptional', 'pipe']);

/** Every key a user sets a value for, as docs/configuration.md writes it (`issuers[].audiences`). */
function leafKeys(schema: unknown, path = '', out: string[] = []): string[] {
  let def = defOf(schema);
  while (WRAPPERS.has(def.type)) def = defOf(def.type === 'pipe' ? def.in : def.innerType);
  if (def.type === 'object') {
    for (const [k, child] of Object.entries(def.shape ?? {})) leafKeys(child, path ? `${path}.${k}` : k, out);
    return out;
  }
  if (def.type === 'array') {
    let e = defOf(def.element);
    while (WRAPPERS.has(e.type)) e = defOf(e.type === 'pipe' ? e.in : e.innerType);
    if (e.type === 'object') return leafKeys(def.element, `${path}[]`, out);
  }
  out.push(path);
  return out;
}

const leaves = leafKeys(configSchema);
const restartKeys = Object.entries(APPLY).filter(([, a]) => a === 'restart').map(([k]) => k);

describe('every key of the schema is declared live or restart', () => {
  it('walks the schema (guards the walker)', () => {
    expect(leaves).toContain('server.grpc_listen');
    expect(leaves).toContain('issuers[].audiences');
    expect(leaves).toContain('risk.signals.destructive.deny');
    expect(leaves.length).toBeGreaterThan(200);
  });

  it('no leaf key is missing from the declarations, and none is declared that the schema lacks', () => {
    const declared = new Set(Object.keys(APPLY));
    expect(leaves.filter((k) => !declared.has(k)), 'declare these in their section file (config/schema/<section>.ts, *_APPLY)').toEqual([]);
    expect([...declared].filter((k) => !leaves.includes(k))).toEqual([]);
  });

  it('each section file declares only its own keys', () => {
    const dir = new URL('../../src/config/schema/', import.meta.url);
    for (const file of readdirSync(dir).filter((f) => f.endsWith('.ts') && !['index.ts', 'common.ts', 'apply.ts'].includes(f))) {
      const section = file.replace(/\.ts$/, '').replace(/-/g, '_');
      const keys = [...readFileSync(new URL(file, dir), 'utf8').matchAll(/^ {2}'([^']+)': '(?:live|restart)',/gm)].map((m) => m[1]!);
      expect(keys.length, file).toBeGreaterThan(0);
      for (const k of keys) expect(k.split(/[.[]/)[0], `${file}: ${k}`).toBe(section);
    }
  });

  it('docs/configuration.md says which keys need a restart, and no other', () => {
    const doc = readFileSync(new URL('../../docs/configuration.md', import.meta.url), 'utf8');
    const section = doc.slice(doc.indexOf('## Reload'), doc.indexOf('\n## ', doc.indexOf('## Reload') + 1));
    const listed = [...section.matchAll(/^\| `([^`]+)` \| restart/gm)].map((m) => m[1]!);
    expect(listed.sort()).toEqual([...restartKeys].sort());
  });
});

describe('restartOnlyChanges', () => {
  const base = parseConfig(testConfigYaml('https://login.example.com'), 'a.yaml');

  it('reads paths through lists', () => {
    expect(valueAt(base, 'issuers[].issuer')).toEqual(['https://login.example.com', 'https://ci.example.com', DOWN_ISSUER]);
    expect(valueAt(base, 'stepup.oidc.issuer')).toBeUndefined();
    expect(valueAt(base, 'server.grpc_listen')).toBe('127.0.0.1:0');
  });

  it('a live key changed is not reported; a key a STEPGATE_* variable overrides is not either', () => {
    const next = parseConfig(testConfigYaml('https://login.example.com').replace('level: silent', 'level: debug').replace('grpc_listen: 127.0.0.1:0', 'grpc_listen: 127.0.0.2:0'), 'b.yaml');
    expect(restartOnlyChanges(base, next).map((c) => c.field)).toEqual(['server.grpc_listen']);
    expect(restartOnlyChanges(base, next, overriddenKeys({ STEPGATE_GRPC_LISTEN: '127.0.0.1:0' }))).toEqual([]);
  });

  it('a key under a list is compared too (a future restart-only list item key)', () => {
    const next = parseConfig(testConfigYaml('https://login2.example.com'), 'b.yaml');
    expect(restartOnlyChanges(base, next, new Set(), { 'issuers[].issuer': 'restart', 'log.level': 'live' })).toEqual([
      { field: 'issuers[].issuer', running: ['https://login.example.com', 'https://ci.example.com', DOWN_ISSUER], file: ['https://login2.example.com', 'https://ci.example.com', DOWN_ISSUER] },
    ]);
  });
});
