import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/load.js';
import type { Config } from '../../src/config/schema.js';
import type { Identity } from '../../src/core/identity.js';
import { aal2Token, kubeGet, riskWorld, riskYaml } from '../support/risk-world.js';

/**
 * `risk.locations[].roam_after_seconds` (issue 12, day 24): a chain's stores, each on its own
 * broadband line in another provider block, listed as one site. A technician whose iPad moves
 * from store to store is not asked at each; a session carried to another store while its owner
 * is still working in the first is.
 */

const T = 1_800_000_000_000;
const M = 60_000;
const SAFARI = 'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Safari/605.1.15';
const S = (ms: number) => Math.floor(ms / 1000);
// Three stores and a fourth, in four /16s (nearby_networks never joins them), and a café outside.
const [STORE_A, STORE_B, STORE_C, STORE_D, CAFE] = ['86.140.10.20', '86.201.55.30', '86.177.3.9', '86.133.9.44', '91.12.40.7'];
const STORES = '[86.140.10.0/24, 86.201.55.0/24, 86.177.3.0/24, 86.133.9.0/24]';
const roaming = parseConfig(riskYaml(`  locations: [{ name: stores, cidrs: ${STORES}, lat: 52.5, lon: -1.5, roam_after_seconds: 1200 }]\n`), 'roam.yaml');
const listedOnly = parseConfig(riskYaml(`  locations: [{ name: stores, cidrs: ${STORES}, lat: 52.5, lon: -1.5 }]\n`), 'listed.yaml');

function world(cfg: Config) {
  const w = riskWorld(cfg);
  return (ip: string, who: Identity, atMs: number) => {
    const { v, out } = w.check(kubeGet(ip, SAFARI), who, atMs);
    return { allow: v.allow, codes: out.risk.contributions.map((c) => c.code), context: out.risk.context?.code };
  };
}

/** Asked for a sign-in made after the network appeared. */
function boundToNewNetwork(r: ReturnType<ReturnType<typeof world>>) {
  expect(r.codes).toContain('new_network');
  expect(r.context).toBe('new_network');
  expect(r.allow).toBe(false);
}

/** The morning at store A: signed in there, a request every ten minutes until `T + 1 h`. */
function morningAtStoreA(check: ReturnType<typeof world>): Identity {
  const login = aal2Token('tech', S(T) - 40, 'tech-login');
  for (let t = 0; t <= 60; t += 10) expect(check(STORE_A, login, T + t * M).allow).toBe(true);
  return login;
}

describe('locations[].roam_after_seconds', () => {
  it('a technician driving to the next store, 30 minutes later, is not asked there, nor at the one after', () => {
    const check = world(roaming);
    const login = morningAtStoreA(check);
    const b = check(STORE_B, login, T + 90 * M);
    expect(b.codes).toContain('new_ip');
    expect(b.codes).not.toContain('new_network');
    expect(b.context).toBeUndefined();
    expect(b.allow).toBe(true);
    for (let t = 100; t <= 180; t += 10) expect(check(STORE_B, login, T + t * M).allow).toBe(true);
    expect(check(STORE_C, login, T + 215 * M).allow).toBe(true);
  });

  it.each([
    ['the same move without the key (the stores listed only for travel)', listedOnly, STORE_B, 90],
    ['a network outside the site, after any pause', roaming, CAFE, 120],
  ] as const)('%s asks a sign-in after the network appeared', (_, cfg, ip, minutes) => {
    const check = world(cfg);
    boundToNewNetwork(check(ip, morningAtStoreA(check), T + minutes * M));
  });

  it("a session carried to another store while its owner still works in the first is a new network, bound to a sign-in", () => {
    const check = world(roaming);
    const login = morningAtStoreA(check);
    // Ten minutes after the owner's last request at store A: in use at two stores at once.
    boundToNewNetwork(check(STORE_D, login, T + 70 * M));
    // The owner goes on at store A; the copy tries again: still in use at two stores at once.
    expect(check(STORE_A, login, T + 75 * M).allow).toBe(true);
    boundToNewNetwork(check(STORE_D, login, T + 85 * M));
  });

  it('the price: a copy used at another store after its owner has paused that long is allowed there', () => {
    const check = world(roaming);
    const login = morningAtStoreA(check);
    const copy = check(STORE_D, login, T + 85 * M);
    expect(copy.codes).not.toContain('new_network');
    expect(copy.allow).toBe(true);
  });

  it('a subject whose last proven request came from elsewhere has not roamed: the first store is proven by a sign-in', () => {
    const check = world(roaming);
    const login = aal2Token('tech', S(T) - 40, 'tech-login');
    expect(check(CAFE, login, T).allow).toBe(true);
    boundToNewNetwork(check(STORE_A, login, T + 60 * M));
  });

  it('is off unless set, and bounded to a day', () => {
    expect(listedOnly.risk?.locations[0]?.roam_after_seconds).toBe(0);
    expect(() => parseConfig(riskYaml(`  locations: [{ name: stores, cidrs: ${STORES}, lat: 52.5, lon: -1.5, roam_after_seconds: 90000 }]\n`), 'long.yaml')).toThrow(/roam_after_seconds/);
  });
});
