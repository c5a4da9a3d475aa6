import { isAlias, isMap, isPair, isScalar, isSeq, Lexer, parseAllDocuments, type Document, type Node } from 'yaml';
import { MAX_BODY_DEPTH, quote, readJson, wellFormed } from './json.js';
import { isObject, type Json } from './types.js';

/**
 * YAML as kube-apiserver reads it, or a reason why stepgate will not guess.
 *
 * kube turns YAML into JSON with go-yaml v2 (sigs.k8s.io/yaml): YAML 1.1, so `hostNetwork: yes`
 * is true. Where the `yaml` package and go-yaml v2 could read the same bytes differently the
 * body is unreadable instead: a repeated key (go-yaml keeps the last, the merge of a struct
 * decoder may keep both), a merge key `<<` (go-yaml v2 lets a later `<<` override keys written
 * before it, YAML 1.1 says explicit keys win), an explicit tag (`!!str`, `!!binary`, custom), a
 * plain scalar that go-yaml resolves to a number, boolean or null but this parser to a string
 * (`0o0`, `1e3`), and nesting beyond MAX_BODY_DEPTH.
 */

export type YamlRead = { ok: true; documents: Json[] } | { ok: false; detail: string };

/**
 * YAML parsing costs up to ~0.5 ms per KiB on the event loop (measured with the yaml package, one
 * large mapping), so YAML is bounded well below limits.max_body_bytes; JSON parses ~100x faster.
 */
export const MAX_YAML_CHARS = 128 * 1024;

/**
 * The parser's time follows its tokens, not its characters: about 4 µs a token, so 128 KiB of
 * `[a,a,a,…]` (190,000 tokens) took 750 ms, for any client, before its token is checked. Ordinary
 * manifests have 100-175 tokens per KiB (the examples' YAML), so this admits every ordinary YAML
 * body under MAX_YAML_CHARS and bounds a hostile one to about a fifth of that time.
 */
export const MAX_YAML_TOKENS = 48 * 1024;

/**
 * Each document costs the parser about 0.2 ms beyond its tokens (1,500 tiny Namespaces in 128 KiB:
 * 350 ms). kube reads only the first document of a body and clients split theirs (`kubectl apply -f`
 * sends one object a request), so a body with more than this is refused rather than read.
 */
export const MAX_YAML_DOCUMENTS = 100;

export function readYaml(text: string): YamlRead {
  // kubectl and most tools send JSON even where YAML is allowed (server-side apply); JSON is
  // YAML, reads the same, and parses two orders of magnitude faster. It gets JSON's checks.
  if (/^\s*\{/.test(text)) {
    const json = readJson(text);
    if (json.ok && isObject(json.value)) return { ok: true, documents: [json.value] };
    // Valid JSON that the checks refuse stays refused; otherwise it may be YAML flow style.
    if (!json.ok && !json.syntax) return { ok: false, detail: json.detail };
  }
  if (text.length > MAX_YAML_CHARS) {
    return { ok: false, detail: `YAML bodies over ${MAX_YAML_CHARS / 1024} KiB are not inspected (parsing them would stall every check); send JSON` };
  }
  // The parser's time grows with nesting faster than linearly (60,000 `[` take seconds), so the
  // nesting is bounded on the lexer's tokens first.
  const nesting = nestingProblem(text);
  if (nesting !== undefined) return { ok: false, detail: nesting };
  let docs;
  try {
    // Duplicate keys and merge keys are checked below, in linear time (the library's own
    // uniqueKeys check is quadratic per mapping); `<<` is read as a plain key and refused there.
    docs = parseAllDocuments(text, { version: '1.1', merge: false, uniqueKeys: false, prettyErrors: false });
  } catch (err) {
    return { ok: false, detail: `the body is not valid YAML (${(err as Error).message.slice(0, 120)})` };
  }
  if (!Array.isArray(docs)) return { ok: false, detail: 'the body is not a YAML document stream' };
  const documents: Json[] = [];
  // go-yaml reads only the first document; every document is inspected, which covers it.
  for (const doc of docs) {
    if (doc.errors.length > 0) {
      return { ok: false, detail: `the body is not valid YAML (${doc.errors[0]!.message.split('\n')[0]!.slice(0, 120)})` };
    }
    const problem = documentProblem(doc);
    if (problem !== undefined) return { ok: false, detail: problem };
    let value: unknown;
    try {
      value = doc.toJS({ maxAliasCount: 100 });
    } catch (err) {
      return { ok: false, detail: `the YAML body cannot be expanded (${(err as Error).message.slice(0, 120)})` };
    }
    if (value === null || value === undefined) continue; // an empty document between separators
    if (!isObject(value)) return { ok: false, detail: 'a YAML document in the body is not a mapping' };
    documents.push(value);
  }
  if (documents.length === 0) return { ok: false, detail: 'the YAML body holds no object' };
  return { ok: true, documents };
}

/**
 * The number of tokens (MAX_YAML_TOKENS) and documents (MAX_YAML_DOCUMENTS), and a cheap upper
 * bound on nesting, from the lexer's tokens: flow collections (`[`, `{`; quoted
 * text is one token, so brackets inside strings do not count) and compact block nesting on one
 * line (`- - - x`, `? ? x`). Block nesting by indentation costs characters quadratically, so the
 * size bound already limits it; the document walk checks the exact depth afterwards.
 */
function nestingProblem(text: string): string | undefined {
  let flow = 0;
  let onLine = 0;
  let tokens = 0;
  let documents = 1;
  for (const token of new Lexer().lex(text)) {
    if (++tokens > MAX_YAML_TOKENS) return `the YAML body has more than ${MAX_YAML_TOKENS} tokens (parsing it would stall every check); send JSON`;
    // A `---` starts a document; the first needs none, so one extra marker is allowed.
    if (token === '---' && ++documents > MAX_YAML_DOCUMENTS + 1) return `the YAML body has more than ${MAX_YAML_DOCUMENTS} documents (kube reads only the first)`;
    switch (token) {
      case '[':
      case '{':
        if (++flow > MAX_BODY_DEPTH) return `the YAML body nests deeper than ${MAX_BODY_DEPTH} levels`;
        break;
      case ']':
      case '}':
        if (flow > 0) flow--;
        break;
      case '-':
      case '?':
      case ':':
        // Inside a flow collection these separate entries (`{a: 1, b: 2}`); only block ones nest.
        if (flow === 0 && ++onLine > MAX_BODY_DEPTH) return `the YAML body nests deeper than ${MAX_BODY_DEPTH} levels`;
        break;
      default:
        if (token.startsWith('\n') || token.startsWith('\r')) onLine = 0;
    }
  }
  return undefined;
}

/**
 * The first thing in a document that go-yaml v2 may read differently, found by an iterative walk
 * (a recursive one would overflow on the nesting it is meant to refuse).
 */
function documentProblem(doc: Document.Parsed): string | undefined {
  const stack: [Node, number][] = doc.contents ? [[doc.contents, 1]] : [];
  while (stack.length > 0) {
    const [node, depth] = stack.pop()!;
    if (node.tag !== undefined) return `the YAML body uses the explicit tag ${quote(node.tag)}`;
    if (isScalar(node)) {
      const problem = scalarProblem(node);
      if (problem !== undefined) return problem;
    } else if (isMap(node) || isSeq(node)) {
      if (depth > MAX_BODY_DEPTH) return `the YAML body nests deeper than ${MAX_BODY_DEPTH} levels`;
      const seen = isMap(node) ? new Set<string>() : undefined;
      for (const item of node.items) {
        if (isPair(item)) {
          const key = item.key;
          if (!isScalar(key)) return 'the YAML body has a key that is not a scalar';
          if (key.tag !== undefined) return `the YAML body uses the explicit tag ${quote(key.tag)}`;
          const problem = scalarProblem(key);
          if (problem !== undefined) return problem;
          // The 1.1 schema resolves a plain `<<` to the merge symbol; a quoted one is refused too.
          const name = typeof key.value === 'symbol' ? '<<' : wellFormed(String(key.value));
          if (name === '<<') return 'the YAML body uses a merge key (<<), which kube and stepgate may resolve differently';
          if (seen!.has(name)) return `the YAML body repeats the key ${quote(name)} in one mapping`;
          seen!.add(name);
          if (item.value) stack.push([item.value as Node, depth + 1]);
        } else if (item) {
          stack.push([item as Node, depth + 1]);
        }
      }
    } else if (!isAlias(node)) {
      return 'the YAML body holds a node stepgate does not read';
    }
  }
  return undefined;
}

function scalarProblem(node: { type?: string | undefined; value: unknown; source?: string }): string | undefined {
  if (node.type === 'PLAIN' && typeof node.value === 'string' && goYamlReadsAsNonString(node.value)) {
    return `the YAML body has the plain scalar ${quote(node.value)}, which kube reads as a number, boolean or null; quote it`;
  }
  return undefined;
}

/** go-yaml v2's words for booleans, null, infinity and NaN (its resolve table). */
const GO_YAML_WORDS = new Set(
  'y Y yes Yes YES n N no No NO true True TRUE false False FALSE on On ON off Off OFF ~ null Null NULL .nan .NaN .NAN .inf .Inf .INF +.inf +.Inf +.INF -.inf -.Inf -.INF'.split(' '),
);
/** Go's strconv.ParseInt with base 0 (go-yaml strips `_` first), and its binary form. */
const GO_INT = /^[-+]?(0[xX][0-9a-fA-F]+|0[oO][0-7]+|0[bB][01]+|0[0-7]*|[1-9][0-9]*)$/;
/** go-yaml v2's float syntax, before it calls strconv.ParseFloat. */
const GO_FLOAT = /^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$/;

/**
 * Whether go-yaml v2 resolves this plain scalar to something other than a string. Errs towards
 * yes: a string it flags is merely unreadable, a number it misses could be `runAsUser: 0`.
 */
export function goYamlReadsAsNonString(s: string): boolean {
  if (GO_YAML_WORDS.has(s)) return true;
  const c = s.charCodeAt(0);
  const digitOrSign = (c >= 0x30 && c <= 0x39) || c === 0x2b || c === 0x2d;
  if (!digitOrSign && c !== 0x2e) return false;
  const plain = c === 0x2e ? s : s.replace(/_/g, '');
  return GO_INT.test(plain) || GO_FLOAT.test(plain);
}
