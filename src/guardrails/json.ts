/**
 * JSON as kube-apiserver reads it, or a reason why stepgate will not guess.
 *
 * `JSON.parse` keeps the last of two equal keys; Go's decoder (encoding/json semantics, which
 * sigs.k8s.io/json keeps) decodes each occurrence into the same struct field, so
 * `"securityContext":{"privileged":true},"securityContext":{"runAsUser":1000}` is a privileged
 * container to kube and a harmless one to `JSON.parse`. Rather than emulate Go's merge rules
 * (which differ for structs, pointers, maps and slices, and again for the map-based patch
 * appliers), any repeated key makes the body unreadable: no real client sends one.
 */

/**
 * Deepest nesting inspected. A Deployment's deepest field (a capability in a container's
 * securityContext) is about ten levels down, managedFields about twice that; nothing stepgate
 * inspects comes near this, and a bound keeps hostile bodies from costing stack or time.
 */
export const MAX_BODY_DEPTH = 128;

/** `syntax`: not JSON at all (a YAML reader may still try); otherwise JSON that kube may read differently. */
export type JsonRead = { ok: true; value: unknown } | { ok: false; detail: string; syntax: boolean };

export function readJson(text: string): JsonRead {
  let value: unknown;
  try {
    // V8's JSON.parse is not recursive, so a deep body costs time linear in its size, no stack.
    value = JSON.parse(text);
  } catch (err) {
    return { ok: false, syntax: true, detail: `the body is not valid JSON (${(err as Error).message.slice(0, 120)})` };
  }
  const problem = structureProblem(text);
  return problem === undefined ? { ok: true, value } : { ok: false, syntax: false, detail: problem };
}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;

/**
 * Keys at most this many in one object are compared in place, against the text; from the next one
 * on, the object's keys go into a Set (a hostile object of 100,000 keys stays linear).
 */
const COMPARED_KEYS = 16;

const SURROGATE = /[\ud800-\udfff]/;

/**
 * One linear pass over text that JSON.parse accepted: the nesting depth, and every object's keys
 * compared as Go compares them (escapes decoded, so `"host\u004eetwork"` is `hostNetwork`; a lone
 * surrogate is U+FFFD, as Go decodes it). Iterative: the depth bound is checked before any frame
 * is kept, so a body nested 100,000 deep costs one scan and no stack.
 *
 * A key without an escape or a surrogate (every key of every real body) is what the text spells,
 * so it is kept as its position in the text and compared there, character by character, with the
 * keys before it in its object: no string cut out, hashed or put in a Set per key, and no Set per
 * object. That was ~45k of the ~80k instructions the guardrails added to (f)'s Deployment create
 * (perf46). Other keys are decoded as before (JSON.parse of the quoted key, then wellFormed).
 */
function structureProblem(text: string): string | undefined {
  // Per open container: where its keys start in `starts`/`ends`, -1 for an array.
  const frames: number[] = [];
  // Per open object, once it has more than COMPARED_KEYS keys: all its keys, decoded.
  const large: (Set<string> | undefined)[] = [];
  // The open objects' keys, innermost last: a plain key's [start, end) in the text, or a decoded
  // one's index in `decoded` with end -1.
  const starts: number[] = [];
  const ends: number[] = [];
  const decoded: string[] = [];
  let keyCount = 0;
  let expectKey = false;
  // No escape and no surrogate anywhere (two native scans): every string ends at the next quote
  // and every key is plain, so no key is read character by character.
  const simple = text.indexOf('\\') < 0 && !SURROGATE.test(text);
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === QUOTE) {
      if (!expectKey) {
        i = simple ? text.indexOf('"', i + 1) : stringEnd(text, i);
        continue;
      }
      expectKey = false;
      // The key's end, and whether it is spelled plainly (no escape, no surrogate).
      let end = i + 1;
      let plain = true;
      if (simple) end = text.indexOf('"', end);
      else {
        for (;; end++) {
          const k = text.charCodeAt(end);
          if (k === QUOTE) break;
          if (k === BACKSLASH) {
            plain = false;
            end++;
          } else if (k >= 0xd800 && k <= 0xdfff) plain = false;
        }
      }
      const base = frames[frames.length - 1]!;
      const start = i + 1;
      i = end;
      let start0 = start;
      let end0 = end;
      if (!plain) {
        let key = text.slice(start, end);
        if (key.includes('\\')) key = JSON.parse(text.slice(start - 1, end + 1)) as string;
        start0 = decoded.length;
        end0 = -1;
        decoded.push(wellFormed(key));
      }
      const set = large[large.length - 1];
      if (set !== undefined) {
        const key = keyText(text, decoded, start0, end0);
        if (set.has(key)) return repeated(key);
        set.add(key);
        continue;
      }
      for (let k = base; k < keyCount; k++) {
        if (sameKey(text, decoded, starts[k]!, ends[k]!, start0, end0)) return repeated(keyText(text, decoded, start0, end0));
      }
      starts[keyCount] = start0;
      ends[keyCount] = end0;
      keyCount++;
      if (keyCount - base > COMPARED_KEYS) {
        const all = new Set<string>();
        for (let k = base; k < keyCount; k++) all.add(keyText(text, decoded, starts[k]!, ends[k]!));
        large[large.length - 1] = all;
      }
    } else if (c === 0x7b /* { */ || c === 0x5b /* [ */) {
      if (frames.length >= MAX_BODY_DEPTH) return `the JSON body nests deeper than ${MAX_BODY_DEPTH} levels`;
      const isObject = c === 0x7b;
      frames.push(isObject ? keyCount : -1);
      large.push(undefined);
      expectKey = isObject;
    } else if (c === 0x7d /* } */ || c === 0x5d /* ] */) {
      const base = frames.pop()!;
      large.pop();
      if (base >= 0) keyCount = base;
      expectKey = false;
    } else if (c === 0x2c /* , */) {
      expectKey = frames[frames.length - 1] !== -1;
    }
  }
  return undefined;
}

function repeated(key: string): string {
  return `the JSON body repeats the key ${quote(key)} in one object (kube would not read it as stepgate does)`;
}

/** A kept key as a string: cut from the text (plain) or as decoded. */
function keyText(text: string, decoded: readonly string[], start: number, end: number): string {
  return end < 0 ? decoded[start]! : text.slice(start, end);
}

/** Whether two kept keys (keyText's encoding) are one key to Go. */
function sameKey(text: string, decoded: readonly string[], aStart: number, aEnd: number, bStart: number, bEnd: number): boolean {
  if (aEnd < 0 && bEnd < 0) return decoded[aStart] === decoded[bStart];
  if (aEnd < 0 || bEnd < 0) {
    // A decoded key against a plain one: the plain one is its own text.
    const s = aEnd < 0 ? decoded[aStart]! : decoded[bStart]!;
    const from = aEnd < 0 ? bStart : aStart;
    const length = aEnd < 0 ? bEnd - bStart : aEnd - aStart;
    if (s.length !== length) return false;
    for (let k = 0; k < length; k++) if (s.charCodeAt(k) !== text.charCodeAt(from + k)) return false;
    return true;
  }
  const length = aEnd - aStart;
  if (bEnd - bStart !== length) return false;
  for (let k = 0; k < length; k++) if (text.charCodeAt(aStart + k) !== text.charCodeAt(bStart + k)) return false;
  return true;
}

/** Index of the quote that closes the string opening at `start` (the text is valid JSON). */
function stringEnd(text: string, start: number): number {
  let j = start;
  for (;;) {
    j = text.indexOf('"', j + 1);
    let backslashes = 0;
    while (text.charCodeAt(j - 1 - backslashes) === BACKSLASH) backslashes++;
    if (backslashes % 2 === 0) return j;
  }
}

const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

/**
 * Go decodes an escaped lone surrogate as U+FFFD, so two keys that differ only there are one key
 * to kube. Asked of every key of every inspected body: the builtin scan answers the common case
 * (no lone surrogate: the key itself) where the regular expression's replace cost ~500
 * instructions a key, ~14k per Deployment (perf28).
 */
export function wellFormed(s: string): string {
  // ES2024's String.prototype.isWellFormed (Node 20+; the lib setting stops at ES2023).
  return (s as string & { isWellFormed(): boolean }).isWellFormed() ? s : s.replace(LONE_SURROGATE, '\ufffd');
}

/** A key as a detail shows it: quoted, bounded. */
export function quote(key: string): string {
  return JSON.stringify(key.length > 80 ? `${key.slice(0, 80)}…` : key);
}
