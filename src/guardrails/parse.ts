import type { UnreadableOutcome } from '../config/guardrail-codes.js';
import { readCbor } from './cbor.js';
import { MAX_BODY_DEPTH, quote, readJson } from './json.js';
import { parseKubeProtobuf } from './protobuf/decode.js';
import { isObject, type Json } from './types.js';
import { readYaml } from './yaml.js';

export { MAX_YAML_CHARS, MAX_YAML_DOCUMENTS, MAX_YAML_TOKENS } from './yaml.js';

/**
 * Decodes a Kubernetes write body into the objects to inspect. A patch yields the object it
 * sets, as far as it can be known: merge, strategic merge and apply patches already are partial
 * objects; a JSON patch is replayed onto an empty skeleton. Whatever cannot be read with
 * certainty is an explicit outcome, never an empty (and therefore compliant) object.
 */
export type ParsedBody =
  | { ok: true; documents: Json[]; partial: boolean }
  | { ok: false; outcome: UnreadableOutcome; detail: string };

export type BodyFormat = 'json' | 'yaml' | 'cbor' | 'json-patch' | 'merge-patch' | 'strategic-merge-patch' | 'apply-patch' | 'apply-patch-cbor';

/** Media type (lower-case, parameters dropped) → how kube-apiserver decodes it. */
const FORMATS: ReadonlyMap<string, BodyFormat> = new Map([
  ['application/json', 'json'],
  ['application/yaml', 'yaml'],
  ['application/json-patch+json', 'json-patch'],
  ['application/merge-patch+json', 'merge-patch'],
  ['application/strategic-merge-patch+json', 'strategic-merge-patch'],
  ['application/apply-patch+yaml', 'apply-patch'],
  // Kubernetes 1.32+ (KEP-4222): a whole object, and server-side apply. kube has no CBOR form of
  // the JSON, merge or strategic merge patch (its patch handler answers 415 to any other type).
  ['application/cbor', 'cbor'],
  ['application/apply-patch+cbor', 'apply-patch-cbor'],
]);

const PATCH_FORMATS = new Set<BodyFormat>(['json-patch', 'merge-patch', 'strategic-merge-patch', 'apply-patch', 'apply-patch-cbor']);

export function mediaType(contentType: string | undefined): string {
  if (!contentType) return '';
  const semi = contentType.indexOf(';');
  return (semi < 0 ? contentType : contentType.slice(0, semi)).trim().toLowerCase();
}

// The byte order mark is kept: Go's JSON decoder refuses a body that starts with one, so it must
// not silently vanish here (YAML readers skip it on their own).
const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

export function parseBody(
  body: Uint8Array | string | undefined,
  contentType: string | undefined,
  truncated: boolean,
  verb: string,
  missing = false,
  metadataOnly = false,
): ParsedBody {
  if (truncated) return unreadable('body_truncated', 'the body was cut at the size bound, so part of the object was not seen');
  if (body === undefined || body.length === 0) {
    if (missing) return unreadable('body_missing', 'no request body in the Check (is with_request_body / includeRequestBodyInCheck configured?)');
    return unreadable('body_unreadable', 'the Check carries an empty body, or none for an upgrade request (which Envoy does not buffer)');
  }
  const type = mediaType(contentType);
  if (type === 'application/vnd.kubernetes.protobuf') return parseKubeProtobuf(body, verb, metadataOnly);
  const format = FORMATS.get(type);
  if (format === undefined) {
    if (type.endsWith('+cbor')) return unreadable('body_unreadable', `content type ${JSON.stringify(type.slice(0, 80))} is not a patch type kube-apiserver accepts (its only CBOR patch is application/apply-patch+cbor)`);
    return unreadable('body_unreadable', `content type ${JSON.stringify(type.slice(0, 80))} is not inspected`);
  }
  // kube picks the patch type from the content type and refuses a PATCH in any other: a patch
  // format on a create (or a plain object on a PATCH) is not what the server will apply.
  if (PATCH_FORMATS.has(format) !== (verb === 'patch')) {
    return unreadable('body_unreadable', `content type ${type} does not fit the verb ${verb}`);
  }
  if (format === 'cbor' || format === 'apply-patch-cbor') return parseCbor(body, format === 'apply-patch-cbor');
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
      if (format === 'strategic-merge-patch' && mayNameDirective(text)) {
        const problem = directiveProblem(v.value);
        if (problem !== undefined) return unreadable('body_unreadable', problem);
      }
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
  const read = readJson(text);
  return read.ok ? read : { ok: false, outcome: 'body_unreadable', detail: read.detail };
}

/** A CBOR body: one map, the whole object (create, update) or the apply configuration. */
function parseCbor(body: Uint8Array | string, partial: boolean): ParsedBody {
  // Envoy's `body` (string) field mangles bytes that are not UTF-8, and a CBOR map never starts
  // with one that is (its head, 0xa0-0xbf, or the tag 0xd9d9f7 in front): only bytes are read.
  if (typeof body === 'string') {
    return unreadable('body_unreadable', 'the CBOR body arrived as a UTF-8 string and lost bytes; configure Envoy with with_request_body.pack_as_bytes: true');
  }
  const read = readCbor(body);
  if (!read.ok) return unreadable('body_unreadable', read.detail);
  if (!isObject(read.value)) return unreadable('body_unreadable', 'the CBOR body is not a map');
  return { ok: true, documents: [read.value], partial };
}

function parseYamlDocuments(text: string, partial: boolean): ParsedBody {
  const read = readYaml(text);
  return read.ok ? { ok: true, documents: read.documents, partial } : unreadable('body_unreadable', read.detail);
}

const DELETE_FROM_PRIMITIVE_LIST = '$deleteFromPrimitiveList';

/**
 * Whether a key of the body may start with `$deleteFromPrimitiveList`: the text spells it out, or
 * spells something with a \u escape (`"\u0024delete…"` is the same key); no other escape yields a
 * character of the prefix. Without either, directiveProblem has nothing to find, and its walk over
 * every object of the patch is skipped (perf46: ~20k instructions of a Deployment's patch).
 */
function mayNameDirective(text: string): boolean {
  return text.includes(DELETE_FROM_PRIMITIVE_LIST) || text.includes('\\u');
}

/**
 * A strategic merge patch directive that sets data under another key. kube's strategic merge
 * (apimachinery strategicpatch mergeMap) reads `$deleteFromPrimitiveList/<field>` as `<field>`
 * and removes the listed scalars from it; but when the value is a map, or a list of maps, and the
 * stored object has `<field>` of the same shape, it merges the value in as data: a
 * `$deleteFromPrimitiveList/containers: [{name: app, securityContext: {privileged: true}}]` makes
 * the container privileged. Clients generate the directive only for lists of scalars (finalizers),
 * so any other value is refused rather than read under a key no rule looks at. The walk is
 * iterative; readJson has bounded the depth.
 */
function directiveProblem(patch: Json): string | undefined {
  const stack: unknown[] = [patch];
  while (stack.length > 0) {
    const node = stack.pop();
    if (Array.isArray(node)) {
      for (const item of node) if (typeof item === 'object' && item !== null) stack.push(item);
    } else if (isObject(node)) {
      for (const [key, value] of Object.entries(node)) {
        if (key.startsWith(DELETE_FROM_PRIMITIVE_LIST) && !(Array.isArray(value) && value.every((x) => x === null || typeof x !== 'object'))) {
          return `the strategic merge patch sets ${quote(key)} to something other than a list of scalars, which kube merges into the field as data`;
        }
        if (typeof value === 'object' && value !== null) stack.push(value);
      }
    }
  }
  return undefined;
}

/**
 * Array positions in the skeleton, by JSON pointer index, kept sparse so that a path such as
 * `/spec/containers/999999999/image` costs one entry, not a billion holes to walk.
 *
 * An insert (`add` at an index) or a removal shifts what follows, so after one, an index no longer
 * names the element it named before: the array is then `shifted`, and every later operation that
 * goes through one of its indices gets a fresh element of its own. Values are therefore never
 * merged into, or overwritten in, an element they may not belong to; until the first shift,
 * indices name the same elements for kube and here, and operations combine exactly as kube
 * applies them.
 */
class ArrayNode {
  readonly items = new Map<string, unknown>();
  shifted = false;
  fresh = 0;
  /** Built from a list an earlier operation set whole: every element is shown, none is kube's. */
  whole = false;
}

/**
 * kube-apiserver refuses a JSON patch with more operations (maxJSONPatchOperations in its patch
 * handler). A 1 MB body holds about 30,000, each replay step allocating; beyond kube's bound there
 * is nothing to judge, and refusing keeps the replay's cost bounded for any client.
 */
export const MAX_JSON_PATCH_OPERATIONS = 10_000;

/**
 * Replays add/replace operations onto an empty object: the result holds what the patch sets.
 * copy and move set values the patch does not show, so outside metadata they make the body
 * unreadable; remove and test set nothing (a removal only shifts the indices after it).
 */
export function replayJsonPatch(ops: unknown): ParsedBody {
  if (!Array.isArray(ops)) return unreadable('body_unreadable', 'a JSON patch must be an array of operations');
  if (ops.length > MAX_JSON_PATCH_OPERATIONS) {
    return unreadable('body_unreadable', `the JSON patch has ${ops.length} operations; kube refuses more than ${MAX_JSON_PATCH_OPERATIONS}`);
  }
  let root: Json = {};
  for (let i = 0; i < ops.length; i++) {
    const op: unknown = ops[i];
    if (!isObject(op) || typeof op.op !== 'string' || typeof op.path !== 'string') {
      return unreadable('body_unreadable', `JSON patch operation ${i} is not an {op, path} object`);
    }
    const tokens = pointerTokens(op.path);
    if (tokens === undefined || tokens.includes('__proto__')) return unreadable('body_unreadable', `JSON patch operation ${i} has an invalid path`);
    if (tokens.length > MAX_BODY_DEPTH) return unreadable('body_unreadable', `JSON patch operation ${i} has a path deeper than ${MAX_BODY_DEPTH} levels`);
    switch (op.op) {
      case 'add':
      case 'replace':
        if (!Object.hasOwn(op, 'value')) return unreadable('body_unreadable', `JSON patch operation ${i} has no value`);
        // An object set by add or replace takes the place of whatever kube had there (RFC 6902:
        // an add to an existing member replaces it), so what it leaves out is removed.
        if (isObject(op.value)) REPLACING.add(op.value);
        if (tokens.length === 0) {
          // Replacing the whole document: what it sets is the value itself.
          root = isObject(op.value) ? op.value : {};
        } else {
          write(root, tokens, op.op, op.value);
        }
        break;
      case 'remove':
        // A removed member reads as null, as a merge patch says "delete": a guardrail that cares
        // about a field disappearing (a Pod Security label, runAsNonRoot) sees it.
        write(root, tokens, 'shift', null);
        break;
      case 'test':
        break;
      case 'copy':
      case 'move': {
        // Outside metadata, and over metadata as a whole (from a pod template's, its owner
        // references, labels and annotations at once), the value is what no rule can judge.
        if (tokens[0] !== 'metadata' || tokens.length < 2) {
          return unreadable('body_unreadable', `JSON patch ${op.op} to ${quote(op.path)} sets a value the patch does not show`);
        }
        const from = typeof op.from === 'string' ? pointerTokens(op.from) : undefined;
        if (from === undefined || from.includes('__proto__') || from.length > MAX_BODY_DEPTH) {
          return unreadable('body_unreadable', `JSON patch operation ${i} has an invalid from`);
        }
        write(root, tokens, 'shift', UNKNOWN_VALUE);
        if (op.op === 'move' && from.length > 0) write(root, from, 'shift', null);
        break;
      }
      default:
        return unreadable('body_unreadable', `JSON patch operation ${i} has an unknown op`);
    }
  }
  return { ok: true, documents: [materialise(root) as Json], partial: true };
}

/** RFC 6901, unescaped as kube's json-patch library does (`~1` first, then `~0`); undefined for a pointer that is neither empty nor starts with '/'. */
function pointerTokens(pointer: string): string[] | undefined {
  if (pointer === '') return [];
  if (!pointer.startsWith('/')) return undefined;
  return pointer
    .slice(1)
    .split('/')
    .map((t) => (t.includes('~') ? t.replace(/~1/g, '/').replace(/~0/g, '~') : t));
}

/**
 * What kube's json-patch library takes as an array index: Go's strconv.Atoi, so `01` and `+1`
 * as well as `1`, and negative indices counted from the end; `-` appends.
 */
const INDEX = /^([-+]?[0-9]+|-)$/;

/** The element key an index names in a stable array; undefined when it names no known element. */
function stableIndex(token: string): string | undefined {
  if (!/^\+?[0-9]+$/.test(token)) return undefined; // '-' appends, negative counts from the end
  return token.replace(/^\+?0*(?=[0-9])/, '');
}

/**
 * Objects a JSON patch sets whole (the value of an `add` or `replace`): kube drops every key of the
 * object they replace that they do not list. Kept beside the documents, not in them, so that rules
 * and cluster policies see the patch's own keys only.
 */
const REPLACING = new WeakSet<object>();

/** Whether a JSON patch sets this object whole, replacing what kube had at its place. */
export function setsWhole(o: unknown): boolean {
  return typeof o === 'object' && o !== null && REPLACING.has(o);
}

/**
 * Elements a JSON patch `add` inserted into a list (at `-` or at an index): a list element the
 * stored object did not have, where a `replace` (or an add through an index into an element)
 * changes one it had. kube's JSON patch always inserts on an array `add` (RFC 6902 4.1).
 */
const INSERTED = new WeakSet<object>();

/** Whether a JSON patch inserted this object as a new element of a list. */
export function insertedByPatch(o: unknown): boolean {
  return typeof o === 'object' && o !== null && INSERTED.has(o);
}

/**
 * Lists a JSON patch wrote element by element (`/args/1`, `/args/-`): the elements shown are the
 * patch's, the rest and their order are the stored object's, which the request does not show
 * (`--model` at index 0 with only index 1's value in the patch).
 */
const ELEMENTS = new WeakSet<object>();

/** Whether a JSON patch set only some elements of this list, the others kube's. */
export function elementsByPatch(o: unknown): boolean {
  return Array.isArray(o) && ELEMENTS.has(o);
}

/**
 * Whether the patch drops `key` from the object `o` stands for, when `o` does not list it: a JSON
 * patch that sets `o` whole, or a strategic merge patch's `$patch: replace` / `delete`, or its
 * `$retainKeys` without the key (kube's strategic merge honours `$retainKeys` on any map).
 */
export function drops(o: unknown, key: string): boolean {
  if (setsWhole(o)) return true;
  if (!isObject(o)) return false;
  if (o.$patch === 'replace' || o.$patch === 'delete') return true;
  return Array.isArray(o.$retainKeys) && !o.$retainKeys.includes(key);
}

/**
 * What a JSON patch copy or move into metadata sets: a value the patch does not show. Guardrails
 * that read metadata (Pod Security labels) treat any value they do not recognise as the worst case.
 */
export const UNKNOWN_VALUE = '\u0000stepgate:unknown-value';

/**
 * Applies one operation's effect on the skeleton: `add`/`replace` set `value` at `tokens`;
 * `shift` (a removal, or an insert whose value is not known) marks the array it touches, and on
 * an object member sets `value` (null for a removal, UNKNOWN_VALUE for a copy or move target).
 */
function write(root: Json, tokens: string[], kind: 'add' | 'replace' | 'shift', value: unknown): void {
  let node: Json | ArrayNode = root;
  for (let t = 0; t < tokens.length; t++) {
    const token = tokens[t]!;
    const last = t === tokens.length - 1;
    if (node instanceof ArrayNode) {
      const arr: ArrayNode = node;
      const index = arr.shifted ? undefined : stableIndex(token);
      if (last) {
        // An add at an index inserts: the new element is its own, and the indices after it move.
        if (kind === 'replace' && index !== undefined) arr.items.set(index, value);
        else if (kind !== 'shift') arr.items.set(`+${arr.fresh++}`, value);
        if (kind === 'add' && typeof value === 'object' && value !== null) INSERTED.add(value);
        if (kind === 'shift' || (kind === 'add' && token !== '-')) arr.shifted = true;
        return;
      }
      const key = index ?? `+${arr.fresh++}`;
      node = descend(arr.items.get(key), tokens[t + 1]!, (c) => arr.items.set(key, c));
    } else {
      const parent: Json = node;
      if (last) {
        if (kind !== 'shift' || !Object.hasOwn(parent, token) || parent[token] === null || typeof parent[token] !== 'object') parent[token] = value;
        return;
      }
      node = descend(Object.hasOwn(parent, token) ? parent[token] : undefined, tokens[t + 1]!, (c) => (parent[token] = c));
    }
  }
}

/**
 * The container at the next step. An existing object stays an object even when the next token
 * looks like an index (kube then sets the key "0" in it, and what it held stays); a real array
 * from an earlier operation's value becomes an ArrayNode with the same elements.
 */
function descend(current: unknown, next: string, store: (c: Json | ArrayNode) => void): Json | ArrayNode {
  if (current instanceof ArrayNode || isObject(current)) return current;
  let created: Json | ArrayNode;
  if (Array.isArray(current)) {
    created = new ArrayNode();
    created.whole = true;
    for (let i = 0; i < current.length; i++) created.items.set(String(i), current[i]);
  } else {
    created = INDEX.test(next) ? new ArrayNode() : {};
  }
  store(created);
  return created;
}

/** Depth is bounded (path and value each by MAX_BODY_DEPTH), so the recursion is too. */
function materialise(v: unknown): unknown {
  if (v instanceof ArrayNode) {
    const keys = [...v.items.keys()].sort(indexOrder);
    const list = keys.map((k) => materialise(v.items.get(k)));
    if (!v.whole) ELEMENTS.add(list);
    return list;
  }
  if (isObject(v)) {
    for (const k of Object.keys(v)) v[k] = materialise(v[k]);
  }
  return v;
}

/** Indices in numeric order, then fresh ('+n') elements in the order they were added. */
function indexOrder(a: string, b: string): number {
  const af = a.startsWith('+');
  const bf = b.startsWith('+');
  if (af !== bf) return af ? 1 : -1;
  return af ? Number(a.slice(1)) - Number(b.slice(1)) : a.length - b.length || (a < b ? -1 : a > b ? 1 : 0);
}
