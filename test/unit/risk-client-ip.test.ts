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
    // redteam40a, held: RFC 7239's quoted form and a bare port are no address; case, brackets,
    // a port and an IPv4-mapped form read as the address itself.
    ['10.0.0.2', '"[2001:db8::1]:4711"', 1, ''],
    ['10.0.0.2', 'for="[2001:db8::1]:4711"', 1, ''],
    ['10.0.0.2', ':443', 1, ''],
    ['10.0.0.2', '[]', 1, ''],
    ['10.0.0.2', '[2001:DB8::1]', 1, '2001:db8::1'],
    ['10.0.0.2', '[::ffff:203.0.113.7]:80', 1, '203.0.113.7'],
  ])('source %s, xff %s, %i hops → %s', (source, xff, hops, want) => {
    expect(clientAddress(source, xff, opts(hops)).ip).toBe(want);
  });

  it('a spoofed header from an untrusted hop never changes the address', () => {
    for (const xff of ['1.2.3.4', '1.2.3.4, 5.6.7.8', 'garbage', '', '127.0.0.1']) {
      expect(clientAddress('198.51.100.9', xff, opts(0)).ip).toBe('198.51.100.9');
    }
  });

  // Day 28 (docs/risk.md): an access proxy in front of the gateway, and a public listener that
  // the VPN and CI reach directly. One trusted hop believes whatever a direct client appends.
  it('with one trusted hop, a direct client chooses its own address (why xff_trusted_cidrs exists)', () => {
    expect(clientAddress('45.138.16.203', '87.123.54.19', opts(1)).ip).toBe('87.123.54.19');
  });

  const proxies = { ...opts(0), trustedProxies: compileCidrs(['10.60.0.0/16', '2001:db8:60::/48']) };
  it.each([
    // [source, x-forwarded-for, expected client]
    ['10.60.4.11', '87.123.54.19', '87.123.54.19'], // through the proxy: what it appended
    ['10.60.4.11', '6.6.6.6, 87.123.54.19', '87.123.54.19'], // a client's own entry stays to the left
    ['45.138.16.203', '87.123.54.19', '45.138.16.203'], // straight to the gateway: the header is not the proxy's
    ['45.138.16.203', '10.60.4.12', '45.138.16.203'], // naming a proxy does not make the peer one
    ['185.117.88.20', undefined, '185.117.88.20'], // the VPN, directly, without the header
    ['10.60.4.11', '10.60.9.21, 87.123.54.19', '87.123.54.19'],
    ['10.60.4.11', '87.123.54.19, 10.60.9.21', '87.123.54.19'], // two proxies in a row
    ['10.60.4.11', '87.123.54.19, 10.60.4.11', '87.123.54.19'], // the gateway appended its peer (use_remote_address)
    ['10.60.4.11', '10.60.9.21', '10.60.9.21'], // only proxies: the furthest any vouched for
    ['10.60.4.11', '', '10.60.4.11'],
    ['::ffff:10.60.4.11', '2001:db8:1::5', '2001:db8:1::5'],
    ['2001:db8:60::1', '[2001:db8:1::5]:443', '2001:db8:1::5'],
  ])('listed proxies: source %s, xff %s → %s', (source, xff, want) => {
    expect(clientAddress(source, xff, proxies).ip).toBe(want);
    expect(clientAddress(source, xff, proxies, new Map(), { addressText: undefined, address: NO_ADDRESS }).ip).toBe(want);
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
