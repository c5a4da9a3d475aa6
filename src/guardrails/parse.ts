import { isScalar, parseAllDocuments, visit, type Document } from 'yaml';
import type { UnreadableOutcome } from './codes.js';
import { parseKubeProtobuf } from './protobuf/decode.js';
import { isObject, type Json } from './types.js';

/**
 * Decodes a Kubernetes write body into the objects to inspect. A patch yields the object it
 * sets, as far as it can be known: merge, strategic merge and apply patches already are partial
 * objects; a JSON patch is replayed onto an empty skeleton. Whatever cannot be read with
 * certainty is an explicit outcome, never an empty (and therefore compliant) object.
 */
export type ParsedBody =
  | { ok: true; documents: Json[]; partial: boolean }
  | { ok: false; outcome: UnreadableOutcome; detail: string };

export type BodyFormat = 'json' | 'yaml' | 'json-patch' | 'merge-patch' | 'strategic-merge-patch' | 'apply-patch';

/** Media type (lower-case, parameters dropped) → how kube-apiserver decodes it. */
const FORMATS: ReadonlyMap<string, BodyFormat> = new Map([
  ['application/json', 'json'],
  ['application/yaml', 'yaml'],
  ['application/json-patch+json', 'json-patch'],
  ['application/merge-patch+json', 'merge-patch'],
  ['application/strategic-merge-patch+json', 'strategic-merge-patch'],
  ['application/apply-patch+yaml', 'apply-patch'],
]);

const PATCH_FORMATS = new Set<BodyFormat>(['json-patch', 'merge-patch', 'strategic-merge-patch', 'apply-patch']);

export function mediaType(contentType: string | undefined): string {
  if (!contentType) return '';
  const semi = contentType.indexOf(';');
  return (semi < 0 ? contentType : contentType.slice(0, semi)).trim().toLowerCase();
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

export function parseBody(
  body: Uint8Array | string | undefined,
  contentType: string | undefined,
  truncated: boolean,
  verb: string,
): ParsedBody {
  if (truncated) return unreadable('body_truncated', 'the body was cut at the size bound, so part of the object was not seen');
  if (body === undefined || body.length === 0) {
    return unreadable('body_unreadable', 'no request body in the Check (is with_request_body / includeRequestBodyInCheck configured?)');
  }
  const type = mediaType(contentType);
  if (type === 'application/vnd.kubernetes.protobuf') return parseKubeProtobuf(body, verb);
  const format = FORMATS.get(type);
  if (format === undefined) return unreadable('body_unreadable', `content type ${JSON.stringify(type.slice(0, 80))} is not inspected`);
  // kube picks the patch type from the content type and refuses a PATCH in any other: a patch
  // format on a create (or a plain object on a PATCH) is not what the server will apply.
  if (PATCH_FORMATS.has(format) !== (verb === 'patch')) {
    return unreadable('body_unreadable', `content type ${type} does not fit the verb ${verb}`);
  }
  let text: string;
  try {
    text = typeof body === 'string' ? body : utf8.decode(body);
  } catch {
    return unreadable('body_unreadable', 'the body is not valid UTF-8');
  }
  switch (format) {
    case 'json':
    case 'merge-patch':
    case 'strategic-merge-patch': {
      const v = parseJson(text);
      if (!v.ok) return v;
      if (!isObject(v.value)) return unreadable('body_unreadable', 'the body is not a JSON object');
      return { ok: true, documents: [v.value], partial: format !== 'json' };
    }
    case 'json-patch': {
      const v = parseJson(text);
      if (!v.ok) return v;
      return replayJsonPatch(v.value);
    }
    case 'yaml':
    case 'apply-patch':
      return parseYamlDocuments(text, format === 'apply-patch');
  }
}

function unreadable(outcome: UnreadableOutcome, detail: string): ParsedBody {
  return { ok: false, outcome, detail };
}

function parseJson(text: string): { ok: true; value: unknown } | (ParsedBody & { ok: false }) {
  try {
    return { ok: true, value: JSON.parse(text) as unknown };
  } catch (err) {
    return { ok: false, outcome: 'body_unreadable', detail: `the body is not valid JSON (${(err as Error).message.slice(0, 120)})` };
  }
}

/**
 * kube decodes YAML with go-yaml v2 semantics (YAML 1.1): `yes`/`on` are booleans and `<<` merges,
 * so `hostNetwork: yes` must read as true here too. Duplicate keys and excessive aliases (a
 * billion-laughs body) make the body unreadable instead of guessing which value kube keeps.
 */
function parseYamlDocuments(text: string, partial: boolean): ParsedBody {
  // kubectl and most tools send JSON even where YAML is allowed (server-side apply); JSON is
  // YAML, reads the same, and parses two orders of magnitude faster.
  if (/^\s*\{/.test(text)) {
    try {
      const value: unknown = JSON.parse(text);
      if (isObject(value)) return { ok: true, documents: [value], partial };
    } catch {
      // Not JSON after all (YAML flow style); read it as YAML below.
    }
  }
  if (text.length > MAX_YAML_CHARS) {
    return unreadable('body_unreadable', `YAML bodies over ${MAX_YAML_CHARS / 1024} KiB are not inspected (parsing them would stall every check); send JSON`);
  }
  let docs;
  try {
    // uniqueKeys is checked below in linear time: the library's check is quadratic per mapping.
    docs = parseAllDocuments(text, { version: '1.1', merge: true, uniqueKeys: false, prettyErrors: false });
  } catch (err) {
    return unreadable('body_unreadable', `the body is not valid YAML (${(err as Error).message.slice(0, 120)})`);
  }
  if (!Array.isArray(docs)) return unreadable('body_unreadable', 'the body is not a YAML document stream');
  const documents: Json[] = [];
  for (const doc of docs) {
    if (doc.errors.length > 0) {
      return unreadable('body_unreadable', `the body is not valid YAML (${doc.errors[0]!.message.split('\n')[0]!.slice(0, 120)})`);
    }
    const duplicate = duplicateKey(doc);
    if (duplicate !== undefined) return unreadable('body_unreadable', `the YAML body repeats the key ${JSON.stringify(duplicate.slice(0, 80))} in one mapping`);
    let value: unknown;
    try {
      value = doc.toJS({ maxAliasCount: 100 });
    } catch (err) {
      return unreadable('body_unreadable', `the YAML body cannot be expanded (${(err as Error).message.slice(0, 120)})`);
    }
    if (value === null || value === undefined) continue; // an empty document between separators
    if (!isObject(value)) return unreadable('body_unreadable', 'a YAML document in the body is not a mapping');
    documents.push(value);
  }
  if (documents.length === 0) return unreadable('body_unreadable', 'the YAML body holds no object');
  return { ok: true, documents, partial };
}

/**
 * YAML parsing costs up to ~0.5 ms per KiB on the event loop (measured with the yaml package, one
 * large mapping), so YAML is bounded well below limits.max_body_bytes; JSON parses ~100x faster.
 */
export const MAX_YAML_CHARS = 128 * 1024;

/**
 * The first key repeated within one mapping, if any. A non-scalar key counts as a duplicate:
 * kube's decoder cannot map it to a field, and guessing its meaning is not worth it.
 */
function duplicateKey(doc: Document.Parsed): string | undefined {
  let found: string | undefined;
  visit(doc, {
    Map(_key, map) {
      const seen = new Set<string>();
      for (const pair of map.items) {
        const k = isScalar(pair.key) ? String(pair.key.value) : undefined;
        if (k === undefined || seen.has(k)) {
          found = k ?? '(complex key)';
          return visit.BREAK;
        }
        seen.add(k);
      }
      return undefined;
    },
  });
  return found;
}

/**
 * Array positions in the skeleton, by JSON pointer index. Kept sparse so that a path such as
 * `/spec/containers/999999999/image` costs one entry, not a billion holes to walk.
 */
class ArrayNode {
  readonly items = new Map<string, unknown>();
  appended = 0;
}

/**
 * Replays add/replace operations onto an empty object: the result holds exactly what the patch
 * sets. copy and move set values the patch does not show, so outside metadata they make the
 * body unreadable; remove and test set nothing.
 */
export function replayJsonPatch(ops: unknown): ParsedBody {
  if (!Array.isArray(ops)) return unreadable('body_unreadable', 'a JSON patch must be an array of operations');
  let root: Json = {};
  for (let i = 0; i < ops.length; i++) {
    const op: unknown = ops[i];
    if (!isObject(op) || typeof op.op !== 'string' || typeof op.path !== 'string') {
      return unreadable('body_unreadable', `JSON patch operation ${i} is not an {op, path} object`);
    }
    const tokens = pointerTokens(op.path);
    if (tokens === undefined) return unreadable('body_unreadable', `JSON patch operation ${i} has an invalid path`);
    switch (op.op) {
      case 'add':
      case 'replace':
        if (!Object.hasOwn(op, 'value')) return unreadable('body_unreadable', `JSON patch operation ${i} has no value`);
        if (tokens.includes('__proto__')) return unreadable('body_unreadable', `JSON patch operation ${i} has an invalid path`);
        if (tokens.length === 0) {
          // Replacing the whole document: what it sets is the value itself.
          root = isObject(op.value) ? op.value : {};
        } else {
          setAt(root, tokens, op.value);
        }
        break;
      case 'remove':
      case 'test':
        break;
      case 'copy':
      case 'move':
        if (tokens[0] !== 'metadata') {
          return unreadable('body_unreadable', `JSON patch ${op.op} to ${op.path.slice(0, 120)} sets a value the patch does not show`);
        }
        break;
      default:
        return unreadable('body_unreadable', `JSON patch operation ${i} has an unknown op`);
    }
  }
  return { ok: true, documents: [materialise(root) as Json], partial: true };
}

/** RFC 6901; undefined for a pointer that is neither empty nor starts with '/'. */
function pointerTokens(pointer: string): string[] | undefined {
  if (pointer === '') return [];
  if (!pointer.startsWith('/')) return undefined;
  return pointer
    .slice(1)
    .split('/')
    .map((t) => t.replace(/~1/g, '/').replace(/~0/g, '~'));
}

const INDEX = /^(0|[1-9][0-9]*)$/;

function setAt(root: Json, tokens: string[], value: unknown): void {
  let node: Json | ArrayNode = root;
  for (let t = 0; t < tokens.length; t++) {
    const token = tokens[t]!;
    const last = t === tokens.length - 1;
    const nextIsIndex = !last && (INDEX.test(tokens[t + 1]!) || tokens[t + 1] === '-');
    if (node instanceof ArrayNode) {
      const key = token === '-' ? `-${node.appended++}` : token;
      if (last) {
        node.items.set(key, value);
        return;
      }
      node = descend(node.items.get(key), nextIsIndex, (c) => node instanceof ArrayNode && node.items.set(key, c));
    } else {
      if (last) {
        node[token] = value;
        return;
      }
      const parent: Json = node;
      node = descend(Object.hasOwn(parent, token) ? parent[token] : undefined, nextIsIndex, (c) => (parent[token] = c));
    }
  }
}

/** The container at the next step, created (or converted from a real array) when needed. */
function descend(current: unknown, wantArray: boolean, store: (c: Json | ArrayNode) => void): Json | ArrayNode {
  if (current instanceof ArrayNode) return current;
  if (Array.isArray(current)) {
    const a = new ArrayNode();
    current.forEach((v, i) => a.items.set(String(i), v));
    store(a);
    return a;
  }
  if (isObject(current) && !wantArray) return current;
  const created = wantArray ? new ArrayNode() : {};
  store(created);
  return created;
}

function materialise(v: unknown): unknown {
  if (v instanceof ArrayNode) {
    const keys = [...v.items.keys()].sort(indexOrder);
    return keys.map((k) => materialise(v.items.get(k)));
  }
  if (isObject(v)) {
    for (const k of Object.keys(v)) v[k] = materialise(v[k]);
  }
  return v;
}

/** Numeric indices in order, then appended ('-') entries in the order they were added. */
function indexOrder(a: string, b: string): number {
  const an = a.startsWith('-');
  const bn = b.startsWith('-');
  if (an !== bn) return an ? 1 : -1;
  return an ? Number(a.slice(1)) - Number(b.slice(1)) : a.length - b.length || (a < b ? -1 : a > b ? 1 : 0);
}
