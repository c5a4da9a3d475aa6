import { IDENTITY_HEADER_PREFIX } from './attributes.js';

export interface HeaderLimits {
  maxHeaderBytes: number;
  maxTotalHeaderBytes: number;
}

export type CollectedHeaders =
  | { ok: true; headers: Map<string, string>; spoofed: string[] }
  | { ok: false; detail: string };

const NO_SPOOFED: string[] = [];

/**
 * Folds header entries from either CheckRequest encoding into one lower-cased map. Envoy's
 * `headers` map is already merged and lower-cased; `header_map` (encode_raw_headers) is a list
 * that may repeat a name, which HTTP semantics join with ','. Limits are enforced here, while
 * iterating anyway, so an oversized header is refused before anything parses it.
 */
export function collectHeaders(
  entries: Iterable<readonly [string, string]>,
  limits: HeaderLimits,
): CollectedHeaders {
  const headers = new Map<string, string>();
  let spoofed = NO_SPOOFED;
  let total = 0;
  for (const [rawName, value] of entries) {
    const name = toLowerAscii(rawName);
    const size = name.length + value.length;
    if (size > limits.maxHeaderBytes) {
      return { ok: false, detail: `header ${safeName(name)} is ${size} bytes; the limit is ${limits.maxHeaderBytes}` };
    }
    total += size;
    if (total > limits.maxTotalHeaderBytes) {
      return { ok: false, detail: `headers exceed ${limits.maxTotalHeaderBytes} bytes in total` };
    }
    const prev = headers.get(name);
    if (prev === undefined) {
      headers.set(name, value);
      if (name.startsWith(IDENTITY_HEADER_PREFIX)) {
        if (spoofed === NO_SPOOFED) spoofed = [];
        spoofed.push(name);
      }
    } else {
      headers.set(name, `${prev},${value}`);
    }
  }
  return { ok: true, headers, spoofed };
}

function toLowerAscii(s: string): string {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 65 && c <= 90) return s.toLowerCase();
  }
  return s;
}

/** Header names end up in reason details; keep them printable and short. */
function safeName(name: string): string {
  return name.replace(/[^a-z0-9:_-]/g, '?').slice(0, 64);
}
