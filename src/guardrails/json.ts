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
 * One linear pass over text that JSON.parse accepted: the nesting depth, and every object's keys
 * compared as Go compares them (escapes decoded, so `"host\u004eetwork"` is `hostNetwork`; a lone
 * surrogate is U+FFFD, as Go decodes it). Iterative: the depth bound is checked before any frame
 * is kept, so a body nested 100,000 deep costs one scan and no stack.
 */
function structureProblem(text: string): string | undefined {
  // One entry per open container: the keys seen so far for an object, undefined for an array.
  const frames: (Set<string> | undefined)[] = [];
  let expectKey = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === QUOTE) {
      const end = stringEnd(text, i);
      if (expectKey) {
        let key = text.slice(i + 1, end);
        if (key.includes('\\')) key = JSON.parse(text.slice(i, end + 1)) as string;
        key = wellFormed(key);
        const keys = frames[frames.length - 1]!;
        if (keys.has(key)) return `the JSON body repeats the key ${quote(key)} in one object (kube would not read it as stepgate does)`;
        keys.add(key);
        expectKey = false;
      }
      i = end;
    } else if (c === 0x7b /* { */ || c === 0x5b /* [ */) {
      if (frames.length >= MAX_BODY_DEPTH) return `the JSON body nests deeper than ${MAX_BODY_DEPTH} levels`;
      const isObject = c === 0x7b;
      frames.push(isObject ? new Set() : undefined);
      expectKey = isObject;
    } else if (c === 0x7d /* } */ || c === 0x5d /* ] */) {
      frames.pop();
      expectKey = false;
    } else if (c === 0x2c /* , */) {
      expectKey = frames[frames.length - 1] !== undefined;
    }
  }
  return undefined;
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
