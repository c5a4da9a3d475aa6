import { isProxyIdentityHeader } from './attributes.js';
import { headerBucket, HeaderList, RequestHeaders, SCAN_MAX, toLowerAscii } from './header-list.js';

export { RequestHeaders, toLowerAscii };

export interface HeaderLimits {
  maxHeaderBytes: number;
  maxTotalHeaderBytes: number;
}

export type CollectedHeaders =
  | { ok: true; headers: RequestHeaders; spoofed: string[] }
  | { ok: false; detail: string };

const NO_SPOOFED: string[] = [];

/**
 * Folds header entries from either CheckRequest encoding, or an HTTP request's, into one
 * lower-cased RequestHeaders. Envoy's `headers` map is already merged and lower-cased;
 * `header_map` (encode_raw_headers) and an HTTP request are lists that may repeat a name, which
 * HTTP semantics join with ','. Limits are enforced here, while iterating anyway, so an oversized
 * header is refused before anything parses it.
 */
export class HeaderCollector {
  spoofed = NO_SPOOFED;
  problem = '';
  private total = 0;
  private readonly list = new HeaderList();

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
    if (this.list.add(rawName, name, value) && isProxyIdentityHeader(name)) {
      if (this.spoofed === NO_SPOOFED) this.spoofed = [];
      this.spoofed.push(name);
    }
    return true;
  }

  result(): CollectedHeaders {
    return this.problem ? { ok: false, detail: this.problem } : { ok: true, headers: this.list.headers(), spoofed: this.spoofed };
  }
}

/**
 * Entries in threes (decode.ts' HTTP headers: name, that name through toLowerAscii, value),
 * collected as HeaderCollector would, for the common case only: undefined when a limit is hit,
 * when two names meet (equal once lower-cased, which HeaderCollector would join), when a name
 * starts with a digit or when there are more than SCAN_MAX, and the caller then takes the general
 * path. The entries become the RequestHeaders' list as they are, without a copy.
 */
export function collectDistinct(entries: readonly string[], limits: HeaderLimits): CollectedHeaders | undefined {
  if (entries.length > SCAN_MAX * 3) return undefined;
  let spoofed = NO_SPOOFED;
  let total = 0;
  let low = 0;
  let high = 0;
  for (let i = 0; i < entries.length; i += 3) {
    const name = entries[i + 1]!;
    // Lower-casing leaves digits alone, so this is the raw name's first character too.
    const first = name.charCodeAt(0);
    if (first >= 48 && first <= 57) return undefined;
    const value = entries[i + 2]!;
    const size = name.length + value.length;
    total += size;
    if (size > limits.maxHeaderBytes || total > limits.maxTotalHeaderBytes) return undefined;
    const b = headerBucket(name);
    if (b < 32) {
      if ((low & (1 << b)) !== 0 && seenBefore(entries, i, name)) return undefined;
      low |= 1 << b;
    } else {
      if ((high & (1 << b)) !== 0 && seenBefore(entries, i, name)) return undefined;
      high |= 1 << b;
    }
    if (isProxyIdentityHeader(name)) {
      if (spoofed === NO_SPOOFED) spoofed = [];
      spoofed.push(name);
    }
  }
  return { ok: true, headers: new RequestHeaders(entries, undefined, low, high), spoofed };
}

/** Whether the lower-cased name of an entry before `end` is `name`. */
function seenBefore(entries: readonly string[], end: number, name: string): boolean {
  for (let j = 1; j < end; j += 3) if (entries[j] === name) return true;
  return false;
}

/** Header names end up in reason details; keep them printable and short. */
function safeName(name: string): string {
  return name.replace(/[^a-z0-9:_-]/g, '?').slice(0, 64);
}
