import { readFileSync } from 'node:fs';
import { isNode, LineCounter, parseDocument, type Document } from 'yaml';
import type { z } from 'zod';
import { configSchema, type Config } from './schema.js';

export interface ConfigProblem {
  file: string;
  line: number;
  column: number;
  field: string;
  message: string;
}

/** Thrown at startup (or on reload) with every problem found, each naming file, line and field. */
export class ConfigError extends Error {
  readonly code = 'config_invalid';
  constructor(readonly problems: ConfigProblem[]) {
    super(problems.map(formatProblem).join('\n'));
    this.name = 'ConfigError';
  }
}

/**
 * The file is valid but the process cannot start with it: a secret missing from the
 * environment, an address that cannot be bound. Reported like a ConfigError, without a stack.
 */
export class StartupError extends Error {
  readonly code = 'startup_failed';
  override name = 'StartupError';
}

export function formatProblem(p: ConfigProblem): string {
  return `${p.file}:${p.line}:${p.column}: ${p.field || '(top level)'}: ${p.message}`;
}

export function loadConfigFile(file: string): Config {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    throw new ConfigError([{ file, line: 0, column: 0, field: '', message: `cannot read file (${e.code ?? e.message})` }]);
  }
  return parseConfig(text, file);
}

/** Parses and validates YAML text; `file` only labels the errors. The result is deeply frozen. */
export function parseConfig(text: string, file: string): Config {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, uniqueKeys: true, prettyErrors: true });
  if (doc.errors.length > 0) {
    throw new ConfigError(
      doc.errors.map((e) => {
        const pos = e.linePos?.[0];
        return { file, line: pos?.line ?? 0, column: pos?.col ?? 0, field: '', message: `YAML syntax: ${firstLine(e.message)}` };
      }),
    );
  }
  const raw: unknown = doc.toJS({ maxAliasCount: 100 });
  const result = configSchema.safeParse(raw ?? {});
  if (!result.success) {
    throw new ConfigError(result.error.issues.map((issue) => locate(issue, doc, lineCounter, file)));
  }
  return deepFreeze(result.data);
}

function locate(issue: z.core.$ZodIssue, doc: Document, lc: LineCounter, file: string): ConfigProblem {
  const path = issue.path.map((p) => (typeof p === 'symbol' ? String(p) : p));
  // An unknown key is reported on its parent object; point at the key itself instead.
  const keys = issue.code === 'unrecognized_keys' ? issue.keys : [];
  const target = keys.length > 0 ? [...path, keys[0]!] : path;
  const { offset, exact } = nodeOffset(doc, target);
  const pos = lc.linePos(offset);
  let message = issue.message;
  if (!exact && issue.code === 'invalid_type' && issue.input === undefined) {
    message = 'required field is missing';
  }
  return {
    file,
    line: pos.line,
    column: pos.col,
    field: target.map((p) => (typeof p === 'number' ? `[${p}]` : `.${p}`)).join('').replace(/^\./, ''),
    message,
  };
}

/** Offset of the deepest YAML node that exists along `path` (a missing field points at its parent). */
function nodeOffset(doc: Document, path: (string | number)[]): { offset: number; exact: boolean } {
  for (let n = path.length; n >= 0; n--) {
    const sub = path.slice(0, n);
    const node = n === 0 ? doc.contents : doc.getIn(sub, true);
    if (isNode(node) && node.range) {
      // For a key error, point at the key rather than at its value.
      const keyNode = n > 0 ? findKey(doc, sub) : undefined;
      const offset = keyNode?.range?.[0] ?? node.range[0];
      return { offset, exact: n === path.length };
    }
  }
  return { offset: 0, exact: false };
}

function findKey(doc: Document, path: (string | number)[]) {
  const parent = path.length === 1 ? doc.contents : doc.getIn(path.slice(0, -1), true);
  const last = path[path.length - 1];
  if (parent && typeof parent === 'object' && 'items' in parent && Array.isArray(parent.items)) {
    for (const item of parent.items as unknown[]) {
      if (item && typeof item === 'object' && 'key' in item) {
        const key = (item as { key: unknown }).key;
        if (isNode(key) && 'value' in key && (key as { value: unknown }).value === last) return key;
      }
    }
  }
  return undefined;
}

function firstLine(s: string): string {
  return s.split('\n', 1)[0] ?? s;
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value)) deepFreeze(v);
  }
  return value;
}
