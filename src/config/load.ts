import { readFileSync } from 'node:fs';
import { isMap, isNode, isPair, isScalar, isSeq, LineCounter, parseDocument, visit, type Document, type YAMLError } from 'yaml';
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

// Defined beside the environment variables (which raise it too), so the kubectl plugin can read
// its variable without loading yaml; every importer of load.ts keeps finding it here.
export { StartupError } from './environment.js';

export function formatProblem(p: ConfigProblem): string {
  return `${p.file}:${p.line}:${p.column}: ${p.field || '(top level)'}: ${p.message}`;
}

/**
 * The configuration file cannot be read at all: not a problem inside it, so no line or field. The
 * CLI reports it as `FILE: no such file` and exits 66 (EX_NOINPUT), like any input file.
 */
export class ConfigFileUnreadable extends Error {
  readonly code = 'config_unreadable';
  override name = 'ConfigFileUnreadable';
}

const READ_ERRORS: Record<string, string> = {
  ENOENT: 'no such file',
  ENOTDIR: 'no such file',
  EACCES: 'permission denied',
  EPERM: 'permission denied',
  EISDIR: 'is a directory, not a file',
};

/** The file's text, or ConfigFileUnreadable saying why in words. */
export function readConfigText(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? '';
    throw new ConfigFileUnreadable(`${file}: ${READ_ERRORS[code] ?? `cannot read (${code || (err as Error).message})`}`);
  }
}

export function loadConfigFile(file: string): Config {
  return parseConfig(readConfigText(file), file);
}

/** Parses and validates YAML text; `file` only labels the errors. The result is deeply frozen. */
export function parseConfig(text: string, file: string): Config {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, uniqueKeys: true, prettyErrors: true });
  if (doc.errors.length > 0) {
    throw new ConfigError(
      doc.errors.map((e) => {
        const pos = e.linePos?.[0];
        const problem = { file, line: pos?.line ?? 0, column: pos?.col ?? 0, field: '', message: `YAML syntax: ${firstLine(e.message)}` };
        return e.code === 'DUPLICATE_KEY' ? { ...problem, ...duplicateKey(doc, e, lineCounter) } : problem;
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

/**
 * yaml says only "Map keys must be unique" at the second key's position: name the key, where it
 * sits and where it was first given, so the reader knows which of the two values would be lost.
 */
function duplicateKey(doc: Document, e: YAMLError, lc: LineCounter): { field: string; message: string } | undefined {
  let found: { field: string; message: string } | undefined;
  visit(doc, {
    Pair(_, pair, path) {
      if (!isNode(pair.key) || pair.key.range?.[0] !== e.pos[0]) return undefined;
      const name = isScalar(pair.key) ? String(pair.key.value) : String(pair.key);
      const field: string[] = [];
      path.forEach((node, i) => {
        const child = path[i + 1] ?? pair;
        if (isPair(node)) field.push(`.${isScalar(node.key) ? String(node.key.value) : String(node.key)}`);
        else if (isSeq(node)) field.push(`[${node.items.indexOf(child as never)}]`);
      });
      field.push(`.${name}`);
      const parent = path[path.length - 1];
      const first = isMap(parent) ? parent.items.find((p) => isScalar(p.key) && isScalar(pair.key) && p.key.value === pair.key.value) : undefined;
      const firstAt = first !== undefined && first !== pair && isNode(first.key) && first.key.range ? ` (first given at line ${lc.linePos(first.key.range[0]).line})` : '';
      found = { field: field.join('').replace(/^\./, ''), message: `duplicate key ${JSON.stringify(name)}${firstAt}: give each key once` };
      return visit.BREAK;
    },
  });
  return found;
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
