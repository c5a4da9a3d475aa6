import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { clientAddress, compileCidrs, NO_ADDRESS, type AddressMemo } from '../../src/request/client-ip.js';

const opts = (trustedHops: number) => ({ trustedHops, ipv4Prefix: 24, ipv6Prefix: 64 });

describe('client address', () => {
  it.each([
    // [source, x-forwarded-for, trusted hops, expected client]
    ['198.51.100.9', undefined, 0, '198.51.100.9'],
    ['198.51.100.9', '203.0.113.7', 0, '198.51.100.9'], // no trusted hops: the header is ignored
    ['10.0.0.2', '203.0.113.7', 1, '203.0.113.7'], // one load balancer appended the client
    ['10.0.0.2', '6.6.6.6, 203.0.113.7', 1, '203.0.113.7'], // a spoofed entry stays to the left
    ['10.0.0.2', '6.6.6.6,203.0.113.7, 10.0.0.1', 2, '203.0.113.7'], // two trusted proxies
    ['10.0.0.2', '203.0.113.7', 3, '203.0.113.7'], // fewer entries than hops: the leftmost
    ['::ffff:203.0.113.7', undefined, 0, '203.0.113.7'], // IPv4-mapped IPv6 counts as IPv4
    ['2001:DB8:0:1::5', undefined, 0, '2001:db8:0:1::5'],
    ['10.0.0.2', '[2001:db8::1]:443', 1, '2001:db8::1'],
    ['10.0.0.2', '203.0.113.7:51234', 1, '203.0.113.7'],
    // Istio's gateway (use_remote_address) appended the peer already: it is not one more hop.
    ['10.0.0.2', '6.6.6.6, 203.0.113.7, 10.0.0.2', 1, '203.0.113.7'],
    ['10.0.0.2', '203.0.113.7, 10.0.0.1, 10.0.0.2', 2, '203.0.113.7'],
    ['10.0.0.2', '10.0.0.2', 1, '10.0.0.2'], // only the appended peer: no proxy vouched for more
  ])('source %s, xff %s, %i hops → %s', (source, xff, hops, want) => {
    expect(clientAddress(source, xff, opts(hops)).ip).toBe(want);
  });

  it('a spoofed header from an untrusted hop never changes the address', () => {
    for (const xff of ['1.2.3.4', '1.2.3.4, 5.6.7.8', 'garbage', '', '127.0.0.1']) {
      expect(clientAddress('198.51.100.9', xff, opts(0)).ip).toBe('198.51.100.9');
    }
  });

  it('gives no address for garbage rather than guessing', () => {
    expect(clientAddress('', undefined, opts(0)).ip).toBe('');
    expect(clientAddress('10.0.0.2', 'not-an-ip', opts(1)).ip).toBe('');
    expect(clientAddress('999.1.1.1', undefined, opts(0)).ip).toBe('');
  });

  it('computes the network at the configured prefix', () => {
    expect(clientAddress('203.0.113.77', undefined, opts(0)).prefix).toBe('203.0.113.0/24');
    expect(clientAddress('2001:db8:1:2:3:4:5:6', undefined, opts(0)).prefix).toBe('2001:db8:1:2::/64');
    expect(clientAddress('203.0.113.77', undefined, { trustedHops: 0, ipv4Prefix: 16, ipv6Prefix: 48 }).prefix).toBe('203.0.0.0/16');
  });

  it('matches trusted CIDRs by family', () => {
    const trusted = compileCidrs(['10.0.0.0/8', '2001:db8:100::/48']);
    expect(trusted(clientAddress('10.20.30.40', undefined, opts(0)))).toBe(true);
    expect(trusted(clientAddress('::ffff:10.1.1.1', undefined, opts(0)))).toBe(true);
    expect(trusted(clientAddress('2001:db8:100:5::1', undefined, opts(0)))).toBe(true);
    expect(trusted(clientAddress('11.0.0.1', undefined, opts(0)))).toBe(false);
    expect(trusted(clientAddress('', undefined, opts(0)))).toBe(false);
  });

  it('reads an address the same through the last-address memo (one per identity) as without it', () => {
    const sources = ['10.0.0.2', '10.0.0.3', '198.51.100.9', '::ffff:203.0.113.7', '2001:db8::1', '', 'garbage'];
    const xffs = [undefined, '', '203.0.113.7', '203.0.113.8', '6.6.6.6, 203.0.113.7', '203.0.113.7, 10.0.0.2', '[2001:db8::2]:443', 'garbage'];
    const request = fc.tuple(fc.constantFrom(...sources), fc.constantFrom(...xffs), fc.constantFrom(0, 1, 2));
    fc.assert(
      fc.property(fc.array(request, { minLength: 1, maxLength: 30 }), (seq) => {
        // One memo and one cache per trusted-hops setting, as one engine keeps them.
        const memos = new Map<number, AddressMemo>();
        const caches = new Map<number, Map<string, ReturnType<typeof clientAddress>>>();
        for (const [source, xff, hops] of seq) {
          if (!memos.has(hops)) memos.set(hops, { addressText: undefined, address: NO_ADDRESS });
          if (!caches.has(hops)) caches.set(hops, new Map());
          // Fresh strings, as a decoded request's are.
          const fresh = (s: string | undefined) => (s === undefined ? s : s.split('').join(''));
          expect(clientAddress(fresh(source)!, fresh(xff), opts(hops), caches.get(hops), memos.get(hops))).toEqual(clientAddress(source, xff, opts(hops)));
        }
      }),
      { numRuns: 300 },
    );
  });
});
