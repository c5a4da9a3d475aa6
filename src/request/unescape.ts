/**
 * Percent-decoding the way Go's net/url does it, shared by the path normaliser and the
 * Kubernetes query reader: kube-apiserver sees what Go decodes, so we must decode the same.
 */

import { Buffer } from 'node:buffer';

export const BAD_ESCAPE = 1;
export const BAD_UTF8 = 2;
export const CONTROL = 3;
export type UnescapeFailure = typeof BAD_ESCAPE | typeof BAD_UTF8 | typeof CONTROL;

/**
 * Recent Go releases' url.ParseQuery (a security fix, tunable with GODEBUG urlmaxqueryparams)
 * drops *every* parameter when a query has more than this many ('&' count + 1). A Go upstream
 * would then see no `fieldSelector` or `watch` at all while we would, and older Go upstreams have
 * no limit: such queries cannot be read one agreed way.
 */
export const MAX_QUERY_PARAMS = 10_000;

const PERCENT = 0x25;
const PLUS = 0x2b;
const AMPERSAND = 0x26;

// ignoreBOM: a decoded "%EF%BB%BF" is data, and must not silently vanish.
const strictUtf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
const lenientUtf8 = new TextDecoder('utf-8', { fatal: false, ignoreBOM: true });

/** True when `query` has more parameters than Go will read. Cheap for short queries. */
export function tooManyQueryParams(query: string): boolean {
  if (query.length < MAX_QUERY_PARAMS) return false;
  let n = 1;
  for (let i = 0; i < query.length; i++) if (query.charCodeAt(i) === AMPERSAND) n++;
  return n > MAX_QUERY_PARAMS;
}

/**
 * `path` mode is Go's path unescape: '+' stays literal, and a decoded control character is
 * refused (CONTROL). `query` mode is QueryUnescape: '+' is a space. Works on bytes so escapes that
 * form multi-byte UTF-8 decode correctly. Bytes that are not UTF-8 are refused (BAD_UTF8) when
 * `fatalUtf8`, since a JavaScript string cannot carry them faithfully; otherwise they become U+FFFD.
 */
export function unescape(s: string, mode: 'path' | 'query', fatalUtf8: boolean): string | UnescapeFailure {
  const bytes = Buffer.from(s, 'utf8');
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
      if (mode === 'path' && (b < 0x20 || b === 0x7f)) return CONTROL;
    } else if (b === PLUS && mode === 'query') {
      b = 0x20;
    }
    if (b >= 0x80) high = true;
    // In place is safe: the write index never overtakes the read index.
    bytes[n++] = b;
  }
  const out = bytes.subarray(0, n);
  if (!high) return out.toString('latin1');
  try {
    return (fatalUtf8 ? strictUtf8 : lenientUtf8).decode(out);
  } catch {
    return BAD_UTF8;
  }
}

function hexValue(b: number | undefined): number {
  if (b === undefined) return -1;
  if (b >= 0x30 && b <= 0x39) return b - 0x30;
  const l = b | 0x20;
  if (l >= 0x61 && l <= 0x66) return l - 0x61 + 10;
  return -1;
}
