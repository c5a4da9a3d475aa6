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
