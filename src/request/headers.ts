import { isProxyIdentityHeader } from './attributes.js';

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
export class HeaderCollector {
  readonly headers = new Map<string, string>();
  spoofed = NO_SPOOFED;
  problem = '';
  private total = 0;

  constructor(private readonly limits: HeaderLimits) {}

  /** False once a limit is exceeded; `problem` then says which. */
  add(rawName: string, value: string): boolean {
    const name = toLowerAscii(rawName);
    const size = name.length + value.length;
    if (size > this.limits.maxHeaderBytes) {
      this.problem = `header ${safeName(name)} is ${size} bytes; the limit is ${this.limits.maxHeaderBytes}`;
      return false;
    }
    this.total += size;
    if (this.total > this.limits.maxTotalHeaderBytes) {
      this.problem = `headers exceed ${this.limits.maxTotalHeaderBytes} bytes in total`;
      return false;
    }
    const prev = this.headers.get(name);
    if (prev === undefined) {
      this.headers.set(name, value);
      if (isProxyIdentityHeader(name)) {
        if (this.spoofed === NO_SPOOFED) this.spoofed = [];
        this.spoofed.push(name);
      }
    } else {
      // Cookie headers are joined with "; " (RFC 6265 §5.4, RFC 9113 §8.2.3), so a cookie in a
      // second Cookie header is read, and cut before the upstream, like one in the first.
      this.headers.set(name, name === 'cookie' ? `${prev}; ${value}` : `${prev},${value}`);
    }
    return true;
  }

  result(): CollectedHeaders {
    return this.problem ? { ok: false, detail: this.problem } : { ok: true, headers: this.headers, spoofed: this.spoofed };
  }
}

export function collectHeaders(entries: Iterable<readonly [string, string]>, limits: HeaderLimits): CollectedHeaders {
  const c = new HeaderCollector(limits);
  for (const [name, value] of entries) if (!c.add(name, value)) break;
  return c.result();
}

/**
 * Entries in threes (decode.ts' HTTP headers: name, that name through toLowerAscii, value),
 * collected as HeaderCollector would, for
 * the common case only: undefined when a limit is hit, when two names meet (equal once lower-cased,
 * which HeaderCollector would join) or when a name starts with a digit, and the caller then takes
 * the general path. Without joins no earlier value is needed, so a Map.set whose size did not grow
 * is how a repeat is seen, instead of a Map.get before every set.
 */
export function collectDistinct(entries: readonly string[], limits: HeaderLimits): CollectedHeaders | undefined {
  const headers = new Map<string, string>();
  let spoofed = NO_SPOOFED;
  let total = 0;
  for (let i = 0; i < entries.length; i += 3) {
    const name = entries[i + 1]!;
    // Lower-casing leaves digits alone, so this is the raw name's first character too.
    const first = name.charCodeAt(0);
    if (first >= 48 && first <= 57) return undefined;
    const value = entries[i + 2]!;
    const size = name.length + value.length;
    total += size;
    if (size > limits.maxHeaderBytes || total > limits.maxTotalHeaderBytes) return undefined;
    headers.set(name, value);
    if (headers.size !== i / 3 + 1) return undefined;
    if (isProxyIdentityHeader(name)) {
      if (spoofed === NO_SPOOFED) spoofed = [];
      spoofed.push(name);
    }
  }
  return { ok: true, headers, spoofed };
}

export function toLowerAscii(s: string): string {
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
