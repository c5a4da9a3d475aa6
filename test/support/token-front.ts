import { expect } from 'vitest';
import type { FrontBounds } from '../../src/identity/verifier.js';

/** A TokenFront's private fields (src/identity/token-front.ts), read by the equivalence tests. */
export interface FrontInternals {
  byTail: Map<number, { text: string; key: string }>;
  byKey: Map<string, number>;
  chars: number;
}

/** The credentials a front keeps, by their text. */
export const frontTexts = (f: FrontInternals | undefined): string[] => [...(f?.byTail.values() ?? [])].map((k) => k.text);

/**
 * What a front holds, checked against the cache it stands before: within its bounds, its two maps
 * agreeing, each credential under its own key (`keyOf`: the cache's hash of it) and that key still
 * held by the cache (`cached`). Returns how many credentials it holds.
 */
export function checkFrontHolds(f: FrontInternals, bounds: FrontBounds, keyOf: (text: string) => string, cached: (key: string) => boolean): number {
  expect(f.byTail.size).toBeLessThanOrEqual(bounds.entries);
  expect(f.byKey.size).toBe(f.byTail.size);
  let chars = 0;
  for (const [tail, { text, key }] of f.byTail) {
    expect(f.byKey.get(key)).toBe(tail);
    chars += text.length;
    expect(text.length).toBeLessThanOrEqual(bounds.length);
    expect(key).toBe(keyOf(text));
    expect(cached(key), 'a credential in the front whose cache entry is gone').toBe(true);
  }
  expect(chars).toBe(f.chars);
  expect(chars).toBeLessThanOrEqual(bounds.chars);
  return f.byTail.size;
}

/**
 * Three strings a character away from a valid JWT, each aimed at the front's shortcuts: another
 * signature's last character; another payload under the same signature (the same length and last
 * characters, which the front files a credential under); and a character Latin-1 cannot hold whose
 * low byte is the original's there (through Latin-1 alone the two would be one string).
 */
export function nearMisses(valid: string): string[] {
  const p = valid.indexOf('.') + 3;
  const at = valid.lastIndexOf('.') + 5;
  return [
    `${valid.slice(0, -1)}${valid.endsWith('A') ? 'B' : 'A'}`,
    `${valid.slice(0, p)}${valid[p] === 'A' ? 'B' : 'A'}${valid.slice(p + 1)}`,
    `${valid.slice(0, at)}${String.fromCharCode(0x100 + valid.charCodeAt(at))}${valid.slice(at + 1)}`,
  ];
}
