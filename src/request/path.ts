import { BAD_ESCAPE, BAD_UTF8, CONTROL, tooManyQueryParams, unescape } from './unescape.js';

/**
 * Turns Envoy's `:path` (request target, still percent-encoded, query attached) into the path the
 * upstream will route on. Policy decisions are made on this path, so it must be decoded exactly
 * once, the way Go's net/url fills URL.Path (kube-apiserver parses RequestInfo from that), and
 * anything that could be read two ways is refused instead of guessed at.
 */

export type PathResult =
  | { ok: true; path: string; query: string }
  | { ok: false; problem: string };

export const MAX_PATH_BYTES = 8192;

export { MAX_QUERY_PARAMS } from './unescape.js';

const SLASH = 0x2f;
const PERCENT = 0x25;
const DOT = 0x2e;
const QUESTION = 0x3f;
const HASH = 0x23;



const fail = (problem: string): PathResult => ({ ok: false, problem });

export function normalisePath(target: string): PathResult {
  let start = 0;
  if (target.charCodeAt(0) !== SLASH) {
    start = absoluteFormPathStart(target);
    if (start < 0) return fail("request target does not start with '/'");
  }

  // One pass over the raw path decides whether the (allocation-free) fast path is safe.
  let needsWork = false;
  let hasPercent = false;
  let nonAscii = false;
  let end = start;
  for (; end < target.length; end++) {
    const c = target.charCodeAt(end);
    if (c === QUESTION || c === HASH) break;
    if (c === PERCENT) {
      hasPercent = true;
      needsWork = true;
    } else if (c === SLASH) {
      const next = target.charCodeAt(end + 1);
      if (next === SLASH || next === DOT) needsWork = true;
    } else if (c < 0x20 || c === 0x7f) {
      return fail('control character in path');
    } else if (c >= 0x80) {
      nonAscii = true;
    }
  }

  // The raw form bounds the decoded one (an escape never grows), so checking it first avoids
  // decoding a huge path only to throw it away.
  const rawLength = end - start;
  if (rawLength > MAX_PATH_BYTES) return fail(`path longer than ${MAX_PATH_BYTES} bytes`);
  if (nonAscii && Buffer.byteLength(target.slice(start, end), 'utf8') > MAX_PATH_BYTES) {
    return fail(`path longer than ${MAX_PATH_BYTES} bytes`);
  }

  let query = '';
  if (end < target.length && target.charCodeAt(end) === QUESTION) {
    const hash = target.indexOf('#', end + 1);
    query = hash < 0 ? target.slice(end + 1) : target.slice(end + 1, hash);
    if (tooManyQueryParams(query)) {
      return fail('too many query parameters');
    }
  }

  // Absolute-form without a path ("http://host?x") means the root, as in Go's request parsing.
  if (rawLength === 0) return { ok: true, path: '/', query };

  const raw = start === 0 && end === target.length ? target : target.slice(start, end);
  if (!needsWork) return { ok: true, path: raw, query };

  let decoded = raw;
  if (hasPercent) {
    const result = unescape(raw, 'path', true);
    if (result === BAD_ESCAPE) return fail('invalid percent-encoding in path');
    if (result === BAD_UTF8) return fail('invalid UTF-8 in decoded path');
    if (result === CONTROL) return fail('control character in path');
    decoded = result;
  }
  return { ok: true, path: removeDotSegments(decoded), query };
}

/**
 * Envoy normally rewrites absolute-form targets itself, but a proxy in front may not; the path is
 * whatever follows the authority. Returns -1 when the target is not http(s) absolute-form.
 */
function absoluteFormPathStart(target: string): number {
  let i: number;
  if (startsWithIgnoreCase(target, 'http://')) i = 7;
  else if (startsWithIgnoreCase(target, 'https://')) i = 8;
  else return -1;
  for (; i < target.length; i++) {
    const c = target.charCodeAt(i);
    if (c === SLASH || c === QUESTION || c === HASH) break;
  }
  return i;
}

function startsWithIgnoreCase(s: string, lowerPrefix: string): boolean {
  if (s.length < lowerPrefix.length) return false;
  for (let i = 0; i < lowerPrefix.length; i++) {
    // OR-ing 0x20 folds ASCII letters only; the prefixes here are letters and punctuation that
    // already have that bit set.
    if ((s.charCodeAt(i) | 0x20) !== lowerPrefix.charCodeAt(i)) return false;
  }
  return true;
}

/**
 * RFC 3986 5.2.4 on an absolute path, with runs of '/' merged first (so "//" cannot smuggle an
 * empty segment past a prefix match). A trailing slash, or a final "." / ".." segment, leaves a
 * trailing '/', exactly as the RFC's output buffer would.
 */
function removeDotSegments(p: string): string {
  let out = '';
  let i = 0;
  const n = p.length;
  while (i < n) {
    // p[i] is '/': find the segment that follows it.
    let j = i + 1;
    while (j < n && p.charCodeAt(j) !== SLASH) j++;
    const len = j - i - 1;
    const last = j >= n;
    if (len === 0 || (len === 1 && p.charCodeAt(i + 1) === DOT)) {
      if (last) out += '/';
    } else if (len === 2 && p.charCodeAt(i + 1) === DOT && p.charCodeAt(i + 2) === DOT) {
      out = out.slice(0, Math.max(0, out.lastIndexOf('/')));
      if (last) out += '/';
    } else {
      out += p.slice(i, j);
    }
    i = j;
  }
  return out === '' ? '/' : out;
}
