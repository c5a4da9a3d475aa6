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

/**
 * Recent Go releases' url.ParseQuery (a security fix, tunable with GODEBUG urlmaxqueryparams)
 * drops *every* parameter when a query has more than this many ('&' count + 1). A Go upstream
 * would then see no `fieldSelector` or `watch` at all while we would, and older Go upstreams have
 * no limit: such queries cannot be read one agreed way, so they are refused outright.
 */
export const MAX_QUERY_PARAMS = 10_000;

const SLASH = 0x2f;
const DOT = 0x2e;
const PERCENT = 0x25;
const QUESTION = 0x3f;
const HASH = 0x23;
const AMPERSAND = 0x26;

const BAD_ESCAPE = 1;
const BAD_UTF8 = 2;
const CONTROL = 3;

// ignoreBOM: a decoded "%EF%BB%BF" is data, and must not silently vanish from the path.
const strictUtf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

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
    if (query.length >= MAX_QUERY_PARAMS && countParams(query) > MAX_QUERY_PARAMS) {
      return fail('too many query parameters');
    }
  }

  // Absolute-form without a path ("http://host?x") means the root, as in Go's request parsing.
  if (rawLength === 0) return { ok: true, path: '/', query };

  const raw = start === 0 && end === target.length ? target : target.slice(start, end);
  if (!needsWork) return { ok: true, path: raw, query };

  let decoded = raw;
  if (hasPercent) {
    const result = percentDecode(raw, nonAscii);
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

function countParams(query: string): number {
  let n = 1;
  for (let i = 0; i < query.length; i++) if (query.charCodeAt(i) === AMPERSAND) n++;
  return n;
}

function hexValue(b: number | undefined): number {
  if (b === undefined) return -1;
  if (b >= 0x30 && b <= 0x39) return b - 0x30;
  const l = b | 0x20;
  if (l >= 0x61 && l <= 0x66) return l - 0x61 + 10;
  return -1;
}

/**
 * Decodes like Go's unescape in path mode: every '%' must start a two-hex-digit escape, '+' stays
 * literal. Works on bytes so escapes that form multi-byte UTF-8 sequences decode correctly. Go
 * would accept bytes that are not UTF-8; a JavaScript string cannot carry them faithfully, so
 * they are refused rather than turned into U+FFFD (which would compare equal to a real U+FFFD).
 */
function percentDecode(raw: string, nonAscii: boolean): string | typeof BAD_ESCAPE | typeof BAD_UTF8 | typeof CONTROL {
  const bytes = nonAscii ? Buffer.from(raw, 'utf8') : Buffer.from(raw, 'latin1');
  let n = 0;
  let high = false;
  for (let i = 0; i < bytes.length; i++) {
    let b = bytes[i]!;
    if (b === PERCENT) {
      const h = hexValue(bytes[i + 1]);
      const l = hexValue(bytes[i + 2]);
      if (h < 0 || l < 0) return BAD_ESCAPE;
      b = h * 16 + l;
      i += 2;
      if (b < 0x20 || b === 0x7f) return CONTROL;
    }
    if (b >= 0x80) high = true;
    // In place is safe: the write index never overtakes the read index.
    bytes[n++] = b;
  }
  const out = bytes.subarray(0, n);
  if (!high) return out.toString('latin1');
  try {
    return strictUtf8.decode(out);
  } catch {
    return BAD_UTF8;
  }
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
