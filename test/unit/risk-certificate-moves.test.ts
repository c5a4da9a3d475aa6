import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/load.js';
import type { Config } from '../../src/config/schema.js';
import type { Identity } from '../../src/core/identity.js';
import { aal2Token, kubeGet, riskWorld, riskYaml } from '../support/risk-world.js';

/**
 * `risk.learn.certificate_nearby.move_after_seconds` (issue 12, session 45; day 33's dev-4): the
 * laptop's proven client certificate and the login that proved a network with it (the hotel's
 * Wi-Fi before breakfast) carry that login to a network in any /16 (the conference venue's)
 * reached after neither was used for that long: the laptop left one network and arrived at
 * another. A copy of key and token used while the laptop still works, another login, the token
 * alone, another certificate, a known network used again: asked as before.
 */

const T = 1_800_000_000_000;
const M = 60_000;
const S = (ms: number) => Math.floor(ms / 1000);
const KUBECTL = 'kubectl/v1.31.4 (darwin/arm64) kubernetes/a1b2c3d';
const LAPTOP = 'spiffe://corp.example/device/laptop-4';
const OTHER_LAPTOP = 'spiffe://corp.example/device/laptop-9';
const OFFICE = '2.80.41.90';
// Two providers: the hotel's Wi-Fi and the venue's, in different /16s; a residential proxy in a third.
const HOTEL = '176.79.201.14';
const VENUE = '185.218.124.11';
const PROXY = '188.81.66.203';
const NEXT_TO_OFFICE = '2.80.99.20';

const yaml = (move: string) => riskYaml('', '  nearby_networks: { vouch_seconds: 0 }\n').replace('newcomer_grace_seconds: 600 }', `newcomer_grace_seconds: 600, certificate_nearby: { enabled: true${move} } }`);
const on = parseConfig(yaml(', move_after_seconds: 1800'), 'on.yaml');
const nearbyOnly = parseConfig(yaml(''), 'nearby.yaml');

function world(cfg: Config) {
  const w = riskWorld(cfg);
  return (ip: string, who: Identity, atMs: number, principal = LAPTOP) => {
    const { v, out } = w.check({ ...kubeGet(ip, KUBECTL), sourcePrincipal: principal }, who, atMs);
    return { allow: v.allow, codes: out.risk.contributions.map((c) => c.code), context: out.risk.context?.code, details: out.risk.contributions.map((c) => c.detail) };
  };
}

type Check = ReturnType<typeof world>;

/**
 * Yesterday at the office with the laptop (its certificate and the office proven), then this
 * morning's hotel: asked for, and proven by the sign-in made for it, used there until T + 90 min.
 * Returns that sign-in and the morning's login from before the hotel.
 */
function atTheHotel(check: Check): { hotel: Identity; morning: Identity } {
  const yesterday = aal2Token('dev-4', S(T - 86_400_000) - 40, 'sid-yesterday');
  for (let t = 0; t <= 60; t += 20) expect(check(OFFICE, yesterday, T - 86_400_000 + t * M).allow).toBe(true);
  const morning = aal2Token('dev-4', S(T - 30 * M), 'sid-morning');
  expect(check(OFFICE, morning, T - 20 * M).allow).toBe(true);
  expect(check(HOTEL, morning, T).context).toBe('new_network');
  const hotel = aal2Token('dev-4', S(T) + 20, 'sid-hotel');
  for (let t = 1; t <= 90; t += 15) expect(check(HOTEL, hotel, T + t * M).allow).toBe(true);
  return { hotel, morning };
}

describe('risk.learn.certificate_nearby.move_after_seconds', () => {
  it("the venue's network in another /16, first used an hour after the hotel's last request, is a new address for the certificate and login that proved the hotel", () => {
    const check = world(on);
    const { hotel } = atTheHotel(check);
    const venue = check(VENUE, hotel, T + 151 * M);
    expect(venue.codes).toContain('new_ip');
    expect(venue.codes).not.toContain('new_network');
    expect(venue.details.join(' ')).toMatch(/after a pause by a client certificate that proved another network in this sign-in/);
    expect(venue.context).toBeUndefined();
    expect(venue.allow).toBe(true);
    // Learned: the venue is the login's from now on, and proves it further (another pause, another /16).
    expect(check(VENUE, hotel, T + 160 * M).codes).not.toContain('new_ip');
    expect(check(PROXY, hotel, T + 220 * M).allow).toBe(true);
  });

  it('without the key (certificate_nearby alone, as the example ships) the venue asks a sign-in after it appeared', () => {
    const check = world(nearbyOnly);
    const { hotel } = atTheHotel(check);
    const venue = check(VENUE, hotel, T + 151 * M);
    expect(venue.codes).toContain('new_network');
    expect(venue.context).toBe('new_network');
    expect(venue.allow).toBe(false);
  });

  it('a copy of the key and the token, used from a proxy while the laptop works at the hotel, is asked; so is every retry of it', () => {
    const check = world(on);
    const { hotel } = atTheHotel(check);
    // The laptop's last request at T + 76 min; the copy 10 minutes later, then again every 10 minutes for an hour.
    for (let t = 86; t <= 146; t += 10) {
      const r = check(PROXY, hotel, T + t * M);
      expect(r.codes).toContain('new_network');
      expect(r.allow).toBe(false);
    }
  });

  it('a known network used again by the certificate and login (the office, known since yesterday) proves nothing to move from', () => {
    const check = world(on);
    const yesterday = aal2Token('dev-4', S(T - 86_400_000) - 40, 'sid-yesterday');
    for (let t = 0; t <= 60; t += 20) expect(check(OFFICE, yesterday, T - 86_400_000 + t * M).allow).toBe(true);
    const morning = aal2Token('dev-4', S(T - 30 * M), 'sid-morning');
    expect(check(OFFICE, morning, T - 20 * M).allow).toBe(true);
    const r = check(VENUE, morning, T + 60 * M);
    expect(r.codes).toContain('new_network');
    expect(r.allow).toBe(false);
  });

  it('never lowers the requirement for a token signed in before the network first appeared unless this certificate, in the very login that proved a network with it, is bound to the request (property)', () => {
    type Who = 'hotel' | 'morning' | 'same-sid-later';
    fc.assert(
      fc.property(
        fc.constantFrom<Who>('hotel', 'morning', 'same-sid-later'),
        fc.constantFrom(LAPTOP, OTHER_LAPTOP, ''),
        fc.constantFrom(VENUE, PROXY, NEXT_TO_OFFICE),
        fc.integer({ min: 1, max: 240 }),
        (whoName, principal, ip, gapMin) => {
          const check = world(on);
          const { hotel, morning } = atTheHotel(check);
          // The other laptop is proven at the office too (its own sign-in), so only its proof of a network in a login is missing.
          check(OFFICE, morning, T + 2 * M, OTHER_LAPTOP);
          expect(check(OFFICE, aal2Token('dev-4', S(T + 2 * M) + 30, 'sid-other'), T + 3 * M, OTHER_LAPTOP).allow).toBe(true);
          // Another sign-in in the hotel login's IdP session, made elsewhere: a login of its own.
          const sameSidLater = { ...hotel, authTime: S(T + 60 * M) } as Identity;
          const who = whoName === 'hotel' ? hotel : whoName === 'morning' ? morning : sameSidLater;
          const at = T + 91 * M + gapMin * M;
          const r = check(ip, who, at, principal);
          const lowered = !r.codes.includes('new_network');
          // The laptop's last request was at T + 76 min: a pause of 15 + gapMin minutes.
          const bound = whoName === 'hotel' && principal === LAPTOP && 15 + gapMin >= 30;
          // Lowered exactly when all three hold: this certificate, the login that proved the hotel with it, a pause of 30 minutes.
          expect(lowered).toBe(bound);
          expect(r.allow).toBe(bound);
        },
      ),
      { numRuns: 60 },
    );
  });

  it('is live on reload, and rejects a negative pause by file and field', () => {
    expect(on.risk!.learn.certificate_nearby.move_after_seconds).toBe(1800);
    expect(nearbyOnly.risk!.learn.certificate_nearby.move_after_seconds).toBe(0);
    expect(() => parseConfig(yaml(', move_after_seconds: -1'), 'bad.yaml')).toThrow(/bad\.yaml.*certificate_nearby\.move_after_seconds/s);
  });
});
