import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { hostOnly } from '../../src/request/build.js';

describe('hostOnly: the host an authority names, or nothing when a server would not route it', () => {
  it.each([
    ['kube.example.com', 'kube.example.com'],
    ['KUBE.example.com:6443', 'kube.example.com'],
    ['kube.example.com.', 'kube.example.com'],
    ['[::1]', '[::1]'],
    ['[::1]:6443', '[::1]'],
    ['[2001:db8::1]:443', '[2001:db8::1]'],
  ])('%s is %s', (authority, host) => expect(hostOnly(authority)).toBe(host));

  it.each([['[::1]junk'], ['[::1]:'], ['[::1]:99999x'], ['[::1]kube.example.com'], ['[]'], ['[zz]'], ['kube.example.com:x:1'], [''], ['kube.example.com..'], ['.kube.example.com'], ['kube..example.com'], ['.'], ['kube.example.com..:443']])('%s is refused', (authority) =>
    expect(hostOnly(authority)).toBeUndefined(),
  );

  it('answers each authority alike whatever came before it, among authorities of one length', () => {
    // All 16 characters long: hostOnly keeps the last authority of each length, so these meet.
    const table: Record<string, string | undefined> = {
      'kube.example.com': 'kube.example.com',
      'KUBE.example.com': 'kube.example.com',
      'graf.example.com': 'graf.example.com',
      'kube.example.co.': 'kube.example.co',
      '.ube.example.com': undefined,
      'kube.example:443': 'kube.example',
      '[::1]:6443junk1': undefined,
    };
    const names = Object.keys(table);
    fc.assert(
      fc.property(fc.array(fc.constantFrom(...names), { minLength: 1, maxLength: 40 }), (seq) => {
        // Fresh strings, as a decoded request's are, not the table's own.
        for (const a of seq) expect(hostOnly(a.split('').join(''))).toBe(table[a]);
      }),
      { numRuns: 300 },
    );
  });
});
