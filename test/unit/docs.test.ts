import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml, stringify as stringifyYaml } from 'yaml';
import { parseConfig } from '../../src/config/load.js';
import { configSchema } from '../../src/config/schema.js';
import { REASON_CODES } from '../../src/core/reasons.js';
import { ENROL_REFUSAL_CODES } from '../../src/devices/codes.js';
import { RISK_CODES } from '../../src/risk/codes.js';

/**
 * The docs are part of the contract (STYLE habits 3 and 10): every reason code and every config key
 * must be documented, and the YAML examples must be accepted by the real loader.
 */

const docsDir = new URL('../../docs/', import.meta.url);
const readDoc = (name: string) => readFileSync(new URL(name, docsDir), 'utf8');

/** The zod v4 internals we rely on: every schema exposes `_zod.def` with a `type` tag. */
interface ZodDef {
  type: string;
  shape?: Record<string, unknown>;
  element?: unknown;
  innerType?: unknown;
  in?: unknown;
}

function defOf(schema: unknown): ZodDef {
  const def = (schema as { _zod?: { def?: ZodDef } })._zod?.def;
  if (!def || typeof def.type !== 'string') throw new Error('not a zod v4 schema');
  return def;
}

/** Wrappers that do not change the shape of the value a user writes. */
const WRAPPERS = new Set(['optional', 'default', 'prefault', 'nullable', 'readonly', 'catch', 'nonoptional']);

/**
 * Dotted paths of the config schema. `leaves` are the keys a user sets a value for (scalars, lists of
 * scalars, maps); `all` also holds the objects and lists of objects on the way to them.
 */
function schemaPaths(schema: unknown): { leaves: string[]; all: Set<string> } {
  const leaves: string[] = [];
  const all = new Set<string>();
  const walk = (s: unknown, path: string): void => {
    let def = defOf(s);
    while (WRAPPERS.has(def.type) || def.type === 'pipe') {
      def = defOf(def.type === 'pipe' ? def.in : def.innerType);
    }
    if (def.type === 'object') {
      if (path) all.add(path);
      for (const [key, child] of Object.entries(def.shape ?? {})) walk(child, path ? `${path}.${key}` : key);
      return;
    }
    if (def.type === 'array') {
      let element = defOf(def.element);
      while (WRAPPERS.has(element.type)) element = defOf(element.innerType);
      if (element.type === 'object') {
        all.add(path);
        walk(def.element, `${path}[]`);
        return;
      }
    }
    // Scalars, enums, literals, lists of scalars and records (free-form maps) are leaves.
    leaves.push(path);
    all.add(path);
  };
  walk(schema, '');
  return { leaves, all };
}

/** Keys documented the way configuration.md promises: a level-3 heading or a table row's first cell. */
function documentedKeys(doc: string): Set<string> {
  const keys = new Set<string>();
  for (const m of doc.matchAll(/^### `([^`]+)`/gm)) keys.add(m[1]!);
  for (const m of doc.matchAll(/^\|\s*`([^`]+)`\s*\|/gm)) keys.add(m[1]!);
  return keys;
}

function yamlBlocks(doc: string): string[] {
  return [...doc.matchAll(/^```yaml\n([\s\S]*?)^```/gm)].map((m) => m[1]!);
}

/** What a section fragment on the page is validated against: the smallest complete file. */
const BASE_CONFIG = {
  issuers: [{ issuer: 'https://login.example.com', audiences: ['kubernetes'] }],
  assurance: {
    levels: [
      { name: 'aal1', acr: ['urn:example:aal1'] },
      { name: 'aal2', acr: ['urn:example:aal2'] },
      { name: 'aal3', acr: ['urn:example:aal3'] },
    ],
  },
  policy: { default: { require: 'aal1' } },
};

describe('docs/reason-codes.md', () => {
  const doc = readDoc('reason-codes.md');
  const headings = [...doc.matchAll(/^## `([^`]+)`\s*$/gm)].map((m) => m[1]!);

  it.each(REASON_CODES)('documents %s in its own section', (code) => {
    expect(headings).toContain(code);
  });

  it('has no section for a code that does not exist, and none twice', () => {
    expect(headings.filter((h) => !(REASON_CODES as string[]).includes(h))).toEqual([]);
    expect(new Set(headings).size).toBe(headings.length);
  });

  it('documents every dynamic_metadata field', () => {
    for (const field of ['decision', 'reason', 'rules', 'level', 'subject', 'token_cache']) {
      expect(doc).toMatch(new RegExp(`^\\| \`${field}\` \\|`, 'm'));
    }
  });
});

describe('docs/configuration.md', () => {
  const doc = readDoc('configuration.md');
  const { leaves, all } = schemaPaths(configSchema);
  const documented = documentedKeys(doc);

  it('finds the config keys by walking the schema', () => {
    // Guards the walker itself: if zod's internals change, this fails instead of passing vacuously.
    expect(leaves).toContain('issuers[].audiences');
    expect(leaves).toContain('policy.rules[].match.kubernetes.namespaces');
    expect(leaves).toContain('identity_headers.claims');
    expect(leaves.length).toBeGreaterThan(50);
  });

  it.each(leaves)('documents %s', (key) => {
    expect(documented, `add a table row or ### heading for \`${key}\``).toContain(key);
  });

  it('documents no key that the schema does not have', () => {
    const configLike = [...documented].filter((k) => /^[a-z_]+(\[\])?(\.[a-z_]+(\[\])?)*$/.test(k));
    expect(configLike.filter((k) => !all.has(k))).toEqual([]);
  });

  it('names the environment variables', () => {
    for (const name of ['STEPGATE_CONFIG', 'STEPGATE_GRPC_LISTEN', 'hmac_secret_env']) expect(doc).toContain(`\`${name}\``);
  });

  const blocks = yamlBlocks(doc);
  const complete = blocks.filter((b) => /^issuers:/m.test(b));

  it('has at least one complete example', () => {
    expect(complete.length).toBeGreaterThan(0);
  });

  it.each(complete.map((b, i) => [i + 1, b] as const))('complete example %i is accepted by the loader', (_i, text) => {
    expect(() => parseConfig(text, 'docs/configuration.md')).not.toThrow();
  });

  it.each(blocks.filter((b) => !/^issuers:/m.test(b)).map((b, i) => [i + 1, b] as const))(
    'section example %i is valid when put into a minimal config',
    (_i, text) => {
      const fragment: unknown = parseYaml(text);
      expect(fragment, 'a section example is a mapping of top-level keys').toBeTypeOf('object');
      const merged = stringifyYaml({ ...BASE_CONFIG, ...(fragment as Record<string, unknown>) });
      expect(() => parseConfig(merged, 'docs/configuration.md')).not.toThrow();
    },
  );
});

describe('docs/risk.md', () => {
  const doc = readDoc('risk.md');
  const headings = [...doc.matchAll(/^## `([^`]+)`\s*$/gm)].map((m) => m[1]!);

  it.each(RISK_CODES)('documents the signal code %s', (code) => {
    expect(headings).toContain(code);
  });

  it('documents no signal code that does not exist', () => {
    expect(headings.filter((h) => !(RISK_CODES as readonly string[]).includes(h))).toEqual([]);
  });
});

describe('docs/device-certificates.md', () => {
  const doc = readDoc('device-certificates.md');
  const headings = [...doc.matchAll(/^## `([^`]+)`\s*$/gm)].map((m) => m[1]!);

  it.each(ENROL_REFUSAL_CODES)('documents the enrolment refusal %s', (code) => {
    expect(headings).toContain(code);
  });

  it('documents no refusal that does not exist', () => {
    expect(headings.filter((h) => !(ENROL_REFUSAL_CODES as string[]).includes(h))).toEqual([]);
  });
});
