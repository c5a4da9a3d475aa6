import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/load.js';
import type { Config } from '../../src/config/schema.js';
import type { Identity } from '../../src/core/identity.js';
import { aal2Token, kubeGet, riskWorld, riskYaml } from '../support/risk-world.js';

/**
 * `risk.nearby_networks.min_networks` (issue 12, day 4): a wider network (/16, /32) is known only
 * once the subject has proven that many distinct networks inside it. A static jump host proves
 * one, so a VM rented next to it in the same cloud region is a new network; a phone on carrier
 * NAT proves its second /24 with one sign-in, and moves freely from then on.
 */

const yaml = riskYaml;
const config = parseConfig(yaml(), 'nearby.yaml');
const T = 1_800_000_000_000;
const H = 3_600_000;
const KUBECTL = 'kubectl/v1.33.2 (linux/amd64) kubernetes/4b7a3f9';
const S = (ms: number) => Math.floor(ms / 1000);
const token = (authTime: number, sid = 'sid-1'): Identity => aal2Token('carol', authTime, sid);

function world(cfg: Config = config) {
  const w = riskWorld(cfg);
  return (ip: string, who: Identity, atMs: number) => {
    const { v, out } = w.check(kubeGet(ip, KUBECTL), who, atMs);
    return { allow: v.allow, codes: out.risk.contributions.map((c) => c.code), context: out.risk.context?.code };
  };
}

describe('nearby_networks.min_networks', () => {
  it('a jump host proves one network all day: a VM in the same /16 is a new network, bound to a sign-in after it appeared', () => {
    const check = world();
    const login = token(S(T) - 30);
    for (let i = 0; i < 20; i++) expect(check('3.91.22.14', login, T + i * 10 * 60_000).allow).toBe(true);
    const vm = check('3.91.140.7', login, T + 4 * H);
    expect(vm.codes).toContain('new_network');
    expect(vm.context).toBe('new_network');
    expect(vm.allow).toBe(false);
  });

  it('a phone on carrier NAT is asked once, at its second network; from then on the /16 is known', () => {
    const check = world();
    const morning = token(S(T) - 30);
    expect(check('111.65.38.2', morning, T).allow).toBe(true);
    const second = check('111.65.39.53', morning, T + 15 * 60_000);
    expect(second.context).toBe('new_network');
    expect(second.allow).toBe(false);
    // Signs in on that network: proven, the second distinct network inside 111.65.0.0/16.
    const again = token(S(T + 15 * 60_000) + 20);
    expect(check('111.65.39.53', again, T + 16 * 60_000).allow).toBe(true);
    const third = check('111.65.52.9', again, T + 30 * 60_000);
    expect(third.codes).toContain('new_ip');
    expect(third.codes).not.toContain('new_network');
    expect(third.allow).toBe(true);
  });

  it('min_networks: 1 learns the /16 from the first network, as before', () => {
    const check = world(parseConfig(yaml('  nearby_networks: { min_networks: 1 }'), 'one.yaml'));
    const login = token(S(T) - 30);
    expect(check('3.91.22.14', login, T).allow).toBe(true);
    const vm = check('3.91.140.7', login, T + 4 * H);
    expect(vm.codes).not.toContain('new_network');
    expect(vm.allow).toBe(true);
  });
});

describe('nearby_networks.vouch_seconds', () => {
  const vouching = parseConfig(yaml('  nearby_networks: { vouch_seconds: 900 }'), 'vouch.yaml');

  it("the on-call's phone moves /24 minutes after the sign-in that proved its first one: not asked again", () => {
    const check = world(vouching);
    const night = token(S(T) - 20);
    expect(check('176.5.100.7', night, T).allow).toBe(true);
    const moved = check('176.5.101.40', night, T + 5 * 60_000);
    expect(moved.codes).toContain('new_ip');
    expect(moved.codes).not.toContain('new_network');
    expect(moved.context).toBeUndefined();
    expect(moved.allow).toBe(true);
    // That move is learned as the sign-in's own proof: two networks make the /16 known, so the
    // next move, after the window, is a new address too.
    const later = check('176.5.140.3', night, T + 2 * H);
    expect(later.codes).not.toContain('new_network');
    expect(later.allow).toBe(true);
  });

  it('a token signed in before that proof (stolen this morning) is not vouched for: a new network, bound', () => {
    const check = world(vouching);
    expect(check('176.5.100.7', token(S(T) - 20), T).allow).toBe(true);
    const stolen = check('176.5.101.40', token(S(T - 3 * H)), T + 5 * 60_000);
    expect(stolen.codes).toContain('new_network');
    expect(stolen.context).toBe('new_network');
    expect(stolen.allow).toBe(false);
  });

  it('nor is a move after the window, nor with vouch_seconds: 0 (the default)', () => {
    const late = world(vouching);
    const night = token(S(T) - 20);
    expect(late('176.5.100.7', night, T).allow).toBe(true);
    expect(late('176.5.101.40', night, T + 16 * 60_000).context).toBe('new_network');
    const off = world();
    expect(off('176.5.100.7', night, T).allow).toBe(true);
    expect(off('176.5.101.40', night, T + 5 * 60_000).context).toBe('new_network');
  });

  it('a network of another wider one is never vouched for', () => {
    const check = world(vouching);
    const night = token(S(T) - 20);
    expect(check('176.5.100.7', night, T).allow).toBe(true);
    expect(check('176.6.101.40', night, T + 60_000).context).toBe('new_network');
  });
});
