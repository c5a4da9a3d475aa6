import fc from 'fast-check';
import { describe, expect, it, vi } from 'vitest';
import { hasImpersonation } from '../../src/guardrails/rules/impersonation.js';
import { isProxyIdentityHeader } from '../../src/request/attributes.js';
import { collectDistinct, HeaderCollector, RequestHeaders, toLowerAscii, type HeaderLimits } from '../../src/request/headers.js';

/**
 * RequestHeaders is read like the Map the header collector built before it (perf27): these hold it,
 * the collector and collectDistinct's fast path to that Map on every lookup, the order, repeated
 * names (joined with ',' and cookies with '; '), names that differ in case, spoofed identity
 * headers, both limits, and past the number of names where lookups switch from a scan to an index.
 */

/** The collector as it was, on a Map: the reference. */
function reference(pairs: readonly (readonly [string, string])[], limits: HeaderLimits) {
  const headers = new Map<string, string>();
  const spoofed: string[] = [];
  let total = 0;
  for (const [rawName, value] of pairs) {
    const name = toLowerAscii(rawName);
    const size = name.length + value.length;
    if (size > limits.maxHeaderBytes) return { ok: false as const, detail: `header ${name.replace(/[^a-z0-9:_-]/g, '?').slice(0, 64)} is ${size} bytes; the limit is ${limits.maxHeaderBytes}` };
    total += size;
    if (total > limits.maxTotalHeaderBytes) return { ok: false as const, detail: `headers exceed ${limits.maxTotalHeaderBytes} bytes in total` };
    const prev = headers.get(name);
    if (prev === undefined) {
      headers.set(name, value);
      if (isProxyIdentityHeader(name)) spoofed.push(name);
    } else headers.set(name, name === 'cookie' ? `${prev}; ${value}` : `${prev},${value}`);
  }
  return { ok: true as const, headers, spoofed };
}

function collect(pairs: readonly (readonly [string, string])[], limits: HeaderLimits) {
  const c = new HeaderCollector(limits);
  for (const [name, value] of pairs) if (!c.add(name, value)) break;
  return c.result();
}

/** Every way to read `got`, against `want`, for the names given and any other. */
function expectSame(got: ReadonlyMap<string, string>, want: ReadonlyMap<string, string>, asked: Iterable<string>) {
  expect(got.size).toBe(want.size);
  expect([...got]).toEqual([...want]);
  expect([...got.entries()]).toEqual([...want.entries()]);
  expect([...got.keys()]).toEqual([...want.keys()]);
  expect([...got.values()]).toEqual([...want.values()]);
  const seen: [string, string][] = [];
  got.forEach((v, k, m) => {
    expect(m).toBe(got);
    seen.push([k, v]);
  });
  expect(seen).toEqual([...want]);
  for (const name of new Set(asked)) {
    expect(got.get(name)).toBe(want.get(name));
    expect(got.has(name)).toBe(want.has(name));
  }
}

/** Names alike in length and last character (bucket()), in case, and in stepgate's namespace. */
const NAMES = ['accept', 'Accept', 'ACCEPT', 'cookie', 'Cookie', 'authorization', 'host', 'hosT', 'post', 'x-stepgate-email', 'X-Stepgate-Groups', 'x_stepgate_level', 'x-remote-user', ':path', ':auth', 'upgrade', 'upgradf', 'a', 'b', '', '0', '12', '__proto__', 'constructor', 'hasOwnProperty', 'size'];
const name = fc.oneof(fc.constantFrom(...NAMES), fc.string({ maxLength: 6 }), fc.stringMatching(/^[a-e]{1,3}$/));
const value = fc.oneof(fc.string({ maxLength: 8 }), fc.string({ minLength: 20, maxLength: 40 }));
const limitsArb = fc.oneof(fc.constant<HeaderLimits>({ maxHeaderBytes: 64, maxTotalHeaderBytes: 400 }), fc.constant<HeaderLimits>({ maxHeaderBytes: 1e6, maxTotalHeaderBytes: 1e6 }));
/** Up to ~80 entries: past 32 names, lookups and repeats go through the index. */
const pairs = fc.oneof(fc.array(fc.tuple(name, value), { maxLength: 12 }), fc.array(fc.tuple(name, value), { minLength: 30, maxLength: 80 }));

describe('RequestHeaders and the header collector', () => {
  it('read exactly as the Map the collector built: lookups, order, joins, spoofed names, limits', () => {
    fc.assert(
      fc.property(pairs, limitsArb, fc.array(name, { maxLength: 8 }), (list, limits, others) => {
        const got = collect(list, limits);
        const want = reference(list, limits);
        expect(got.ok).toBe(want.ok);
        if (!got.ok || !want.ok) {
          expect(got).toEqual(want);
          return;
        }
        expect(got.spoofed).toEqual(want.spoofed);
        expectSame(got.headers, want.headers, [...list.map(([n]) => n), ...list.map(([n]) => toLowerAscii(n)), ...others, ...NAMES]);
      }),
      { numRuns: 300 },
    );
  });

  it('collectDistinct: the collector\'s headers, or undefined when names repeat, a limit is hit, a name starts with a digit, or there are over 32', () => {
    let fast = 0;
    fc.assert(
      fc.property(pairs, limitsArb, (list, limits) => {
        const entries = list.flatMap(([n, v]) => [n, toLowerAscii(n), v]);
        const got = collectDistinct(entries, limits);
        const want = reference(list, limits);
        const lower = list.map(([n]) => toLowerAscii(n));
        const distinct = new Set(lower).size === lower.length;
        if (got === undefined) {
          expect(!want.ok || !distinct || lower.some((n) => /^[0-9]/.test(n)) || list.length > 32).toBe(true);
          return;
        }
        fast++;
        expect(want.ok && got.ok).toBe(true);
        if (!want.ok || !got.ok) return;
        expect(got.spoofed).toEqual(want.spoofed);
        expectSame(got.headers, want.headers, [...lower, ...NAMES]);
      }),
      { numRuns: 600 },
    );
    expect(fast).toBeGreaterThan(100);
  });

  it('finds a name among others of its length and last character, and misses the ones absent', () => {
    // Every one of these falls into one of few buckets; only one of each group is present.
    const present = RequestHeaders.of([
      ['host', 'a'],
      ['abct', 'b'],
      ['x-forwarded-for', 'c'],
    ]);
    for (const [n, v] of [['host', 'a'], ['abct', 'b'], ['x-forwarded-for', 'c']] as const) expect(present.get(n)).toBe(v);
    for (const n of ['hosT', 'post', 'absent', 'x-forwarded-fo', 'x-forwarded-foR', '']) {
      expect(present.get(n)).toBeUndefined();
      expect(present.has(n)).toBe(false);
    }
  });

  it('hasImpersonation reads the list itself: as over a Map, and without the keys() generator', () => {
    const imp = fc.constantFrom('Impersonate-User', 'impersonate-group', 'IMPERSONATE-EXTRA-scopes', 'impersonate-', 'impersonatE-uid', 'impersonate', 'x-impersonate-user');
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.oneof(name, imp), value), { maxLength: 40 }), (ps) => {
        const want = reference(ps, { maxHeaderBytes: 1e6, maxTotalHeaderBytes: 1e6 });
        expect(want.ok).toBe(true);
        if (want.ok) expect(hasImpersonation(RequestHeaders.of(ps))).toBe(hasImpersonation(want.headers));
      }),
      { numRuns: 300 },
    );
    // The guardrails ask it of every Kubernetes request: a generator over the names allocated a
    // result object per header (perf28: ~700 B of a guarded write's Check).
    const keys = vi.spyOn(RequestHeaders.prototype, 'keys');
    try {
      const h = RequestHeaders.of([['accept', '*/*'], ['user-agent', 'kubectl'], ['Impersonate-Group', 'system:masters']]);
      expect(hasImpersonation(h)).toBe(true);
      expect(hasImpersonation(RequestHeaders.of([['accept', '*/*']]))).toBe(false);
      expect(keys).not.toHaveBeenCalled();
    } finally {
      keys.mockRestore();
    }
  });

  it("valueAt at slotOf's place reads what get() reads, and at any other place (another request's order) nothing but the name's own value", () => {
    fc.assert(
      fc.property(pairs, pairs, fc.array(fc.constantFrom(...NAMES.map(toLowerAscii)), { minLength: 1, maxLength: 6 }), (a, b, asked) => {
        const first = RequestHeaders.of(a);
        const next = RequestHeaders.of(b);
        for (const n of asked) {
          const slot = first.slotOf(n);
          expect(slot >= 0).toBe(first.has(n));
          expect(first.valueAt(slot, n)).toBe(first.get(n));
          // The risk engine keeps the place a token's last request had the name (engine.ts agentAt).
          const there = next.valueAt(slot, n);
          if (there !== undefined) expect(there).toBe(next.get(n));
          expect(next.valueAt(next.slotOf(n), n)).toBe(next.get(n));
        }
      }),
      { numRuns: 300 },
    );
  });

  it('with() replaces a name in its place or adds it last', () => {
    const h = RequestHeaders.of([
      ['accept', '*/*'],
      ['content-type', 'application/yaml'],
      ['user-agent', 'kubectl'],
    ]);
    expect([...h.with('content-type', 'application/json')]).toEqual([
      ['accept', '*/*'],
      ['content-type', 'application/json'],
      ['user-agent', 'kubectl'],
    ]);
    expect([...h.with('x-new', '1')].at(-1)).toEqual(['x-new', '1']);
    expect(h.get('content-type')).toBe('application/yaml');
  });
});
