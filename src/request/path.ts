import { Buffer } from 'node:buffer';
import { BAD_ESCAPE, BAD_UTF8, CONTROL, tooManyQueryParams, unescape } from './unescape.js';

/**
 * Turns Envoy's `:path` (request target, still percent-encoded, query attached) into the path the
 * upstream will route on. Policy decisions are made on this path, so it must be decoded exactly
 * once, the way Go's net/url fills URL.Path (kube-apiserver parses RequestInfo from that), and
 * anything that could be read two ways is refused instead of guessed at.
 *
 * Two modes, because the upstreams differ:
 * - `kubernetes`: kube-apiserver splits the decoded URL.Path on '/' after trimming only the outer
 *   slashes, so an inner empty segment is a real (empty) namespace or name, a decoded %2F is a
 *   separator, and dot segments are never resolved. A gateway in between may or may not merge,
 *   resolve or unescape those forms first, so stepgate cannot know which reading kube gets: it
 *   refuses them all. What is accepted is returned decoded but otherwise untouched, which is then
 *   byte for byte the URL.Path that kube-apiserver parses.
 * - `generic` (dashboards and other web upstreams): runs of '/' are merged and %2F is a
 *   separator, as most routers see it; dot segments are refused, since resolving them here while an
 *   upstream routes on the unresolved path (`/admin/%2e%2e/public`) would be a bypass, and so are
 *   backslashes (literal or encoded), which some servers read as '/' and others keep. Letter case
 *   and trailing dots are left to the policy, which matches a dashboard path in both readings
 *   (policy/policy.ts).
 * In both, these are refused too: ';' path parameters (literal or %3B), which Tomcat and Jetty drop
 * and others keep; an encoded '?' or '#', where a proxy that decodes would end the path (`/admin%3F/x`
 * is `/admin` with a query to it); an escape that decoding leaves (`%252e`), which a server that decodes twice
 * reads; compatibility forms of '/', '\', '.', ';' and '%' (fullwidth), which NFKC and Windows'
 * best-fit mapping turn into them. No Kubernetes name holds any of these.
 * In both, a '#' is refused: a request-target never carries a fragment, and Go keeps one in
 * URL.Path and RawQuery while other servers drop it.
 */

export type PathResult =
  | { ok: true; path: string; query: string }
  | { ok: false; problem: string };

export type PathMode = 'kubernetes' | 'generic';

export const MAX_PATH_BYTES = 8192;

export { MAX_QUERY_PARAMS } from './unescape.js';

const SLASH = 0x2f;
const PERCENT = 0x25;
const DOT = 0x2e;
const QUESTION = 0x3f;
const HASH = 0x23;
const BACKSLASH = 0x5c;

const fail = (problem: string): PathResult => ({ ok: false, problem });

const SEMICOLON = 0x3b;

const BACKSLASH_PROBLEM = "backslash ('\\' or %5C) in a Kubernetes API path";
// Servers disagree on both: Tomcat and Jetty drop a segment's ';' parameters (so `/x/..;/admin`
// is `/admin` to them), others keep them; IIS, Envoy's normalize_path and browsers read '\' as
// '/', Go and Node keep it. Whichever reading a rule was matched on, another upstream routes on
// the other one.
const SEMICOLON_PROBLEM = "path parameter (';' or %3B) in path";
const GENERIC_BACKSLASH_PROBLEM = "backslash ('\\' or %5C) in path";
const DOUBLE_ESCAPE = /%[0-9a-f]{2}/i;
const DOUBLE_ESCAPE_PROBLEM = "percent-encoded escape ('%25' followed by hex) in path";
const ENCODED_SLASH = /%2f/i;

export function normalisePath(target: string, mode: PathMode = 'generic'): PathResult {
  const kube = mode === 'kubernetes';
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
    if (c === QUESTION) break;
    if (c === HASH) return fail("fragment ('#') in request target");
    if (c === PERCENT) {
      hasPercent = true;
      needsWork = true;
    } else if (c === SLASH) {
      const next = target.charCodeAt(end + 1);
      if (next === SLASH || next === DOT) needsWork = true;
    } else if (c === BACKSLASH) {
      // Go keeps a backslash as data; URL canonicalisers (Envoy's normalize_path, browsers) turn it into '/'.
      return fail(kube ? BACKSLASH_PROBLEM : GENERIC_BACKSLASH_PROBLEM);
    } else if (c === SEMICOLON) {
      // No Kubernetes name holds one; a service or pod proxy's path passes it to whatever serves there.
      return fail(SEMICOLON_PROBLEM);
    } else if (c < 0x20 || c === 0x7f) {
      return fail('control character in path');
    } else if (c >= 0x80) {
      nonAscii = true;
      needsWork = true;
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
    if (target.indexOf('#', end + 1) >= 0) return fail("fragment ('#') in request target");
    query = target.slice(end + 1);
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
    if (kube) {
      // Only the raw form tells an escaped separator from a real one. A backslash in the result
      // can only have come from %5C: a literal one was refused above.
      if (ENCODED_SLASH.test(raw)) return fail("encoded '/' (%2F) in a Kubernetes API path");
      if (result.includes('\\')) return fail(BACKSLASH_PROBLEM);
    } else if (result.includes('\\')) return fail(GENERIC_BACKSLASH_PROBLEM);
    if (result.includes(';')) return fail(SEMICOLON_PROBLEM);
    // Only %3F and %23 decode to these: a proxy that decodes before forwarding ends the path there.
    if (result.includes('?') || result.includes('#')) return fail("encoded '?' or '#' (%3F, %23) in path");
    // An escape left after decoding (`%252e%252e`, `%2561dmin`) is a second one to a server that
    // decodes twice: `..` or `/admin` to it, a plain name to stepgate. kube-apiserver decodes once,
    // but no Kubernetes name holds a '%', and a proxy subpath goes on to whatever serves there.
    if (DOUBLE_ESCAPE.test(result)) return fail(DOUBLE_ESCAPE_PROBLEM);
    decoded = result;
  }
  // Windows' "best fit" and NFKC map fullwidth and other compatibility forms to ASCII: `／`, `．`,
  // `＼`, `；`, `％` would become a separator, a dot segment or an escape there and stay data here.
  if ((nonAscii || (hasPercent && NON_ASCII.test(decoded))) && punctuation(decoded.normalize('NFKC')) !== punctuation(decoded)) {
    return fail("compatibility character that reads as '/', '\\', '.', ';' or '%' in path");
  }
  return checkSegments(decoded, kube, query);
}

const NON_ASCII = /[^\u0020-\u007e]/;

/** How many of the characters that route a path a string holds. */
function punctuation(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === SLASH || c === BACKSLASH || c === DOT || c === SEMICOLON || c === PERCENT) n++;
  }
  return n;
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

/**
 * The authority of an http(s) absolute-form target (`http://grafana.example/admin` →
 * `grafana.example`), userinfo included; undefined for an origin-form target ('/…').
 */
export function absoluteFormAuthority(target: string): string | undefined {
  if (target.charCodeAt(0) === SLASH) return undefined;
  const end = absoluteFormPathStart(target);
  if (end < 0) return undefined;
  return target.slice(target.charCodeAt(4) === 0x3a ? 7 : 8, end);
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
 * Walks the decoded path's segments. A '.' or '..' segment (literal or decoded from %2E) is
 * refused in both modes: whichever way stepgate resolved it, some upstream would route the other
 * way. An empty segment is kept as it is for Kubernetes (refused unless it is the one trailing
 * slash, which kube trims) and merged away otherwise. A path with neither comes back unchanged.
 */
function checkSegments(p: string, kube: boolean, query: string): PathResult {
  const n = p.length;
  let merged: string | undefined;
  let i = 0;
  while (i < n) {
    // p[i] is '/': find the segment that follows it.
    let j = i + 1;
    while (j < n && p.charCodeAt(j) !== SLASH) j++;
    const len = j - i - 1;
    if (len === 0) {
      if (j < n) {
        if (kube) return fail("empty path segment ('//') in a Kubernetes API path");
        merged ??= p.slice(0, i);
      } else if (merged !== undefined && !merged.endsWith('/')) {
        merged += '/';
      }
    } else {
      if (p.charCodeAt(i + 1) === DOT && (len === 1 || (len === 2 && p.charCodeAt(i + 2) === DOT))) {
        return fail("dot segment ('.' or '..') in path");
      }
      if (merged !== undefined) merged += p.slice(i, j);
    }
    i = j;
  }
  return { ok: true, path: merged === undefined ? p : merged === '' ? '/' : merged, query };
}
