import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compileGlobList, globToRegExp } from '../../src/core/glob.js';

/**
 * compileGlobList keeps its literals by length and compares only those of the value's length
 * (perf27), falling back to a Set past four literals of one length. These hold it to the plain
 * reading of a glob list: a value matches when it equals a literal or a pattern's RegExp matches.
 */
function reference(patterns: readonly string[], sep: '/' | '.' | null, v: string): boolean {
  if (patterns.length === 0 || patterns.includes('*') || patterns.includes('**')) return true;
  return patterns.some((p) => (/[*?]/.test(p) ? globToRegExp(p, sep).test(v) : p === v));
}

// Short strings from a small alphabet, so lengths and whole values meet often.
const word = fc.stringMatching(/^[ab/.]{0,5}$/);
const pattern = fc.oneof({ weight: 4, arbitrary: word }, { weight: 1, arbitrary: fc.stringMatching(/^[ab/]{0,3}[*?]{1,2}[ab]{0,2}$/) });

describe('compileGlobList: literals by length', () => {
  it('matches as the list reads, for few and for many literals of one length', () => {
    fc.assert(
      fc.property(
        fc.array(pattern, { maxLength: 14 }),
        fc.constantFrom<'/' | '.' | null>('/', '.', null),
        fc.array(word, { minLength: 1, maxLength: 12 }),
        (patterns, sep, values) => {
          const m = compileGlobList(patterns, sep);
          // The list's own literals, fresh copies, and others.
          for (const v of [...values, ...patterns.map((p) => p.split('').join(''))]) expect(m(v)).toBe(reference(patterns, sep, v));
        },
      ),
      { numRuns: 1500 },
    );
  });

  it('finds each of many literals of one length, and nothing between them', () => {
    const five = ['aaaaa', 'aaaab', 'aaaba', 'aabaa', 'abaaa'];
    for (const list of [five.slice(0, 4), five, [...five, 'b', 'bb']]) {
      const m = compileGlobList(list, null);
      for (const l of list) expect(m(l.split('').join(''))).toBe(true);
      for (const v of ['', 'a', 'aaaa', 'aaaaaa', 'baaaa', 'bbbbb']) expect(m(v)).toBe(list.includes(v));
    }
  });
});
