import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/load.js';
import type { Config } from '../../src/config/schema.js';
import type { Identity } from '../../src/core/identity.js';
import { aal2Token, kubeGet, riskWorld, riskYaml } from '../support/risk-world.js';

/**
 * `risk.learn.certificate_nearby` (issue 12, day 33's train): a laptop's proven client certificate
 * carries its login to another network of the /16 (or /48) where that same certificate and that
 * same login proved a network, as a new address, not a new network. Anything less than the three
 * together (another login, no certificate, another certificate, another /16, a network the login
 * only used again) is asked as before.
 */

const T = 1_800_000_000_000;
const M = 60_000;
const S = (ms: number) => Math.floor(ms / 1000);
const KUBECTL = 'kubectl/v1.31.4 (darwin/arm64) kubernetes/a1b2c3d';
const LAPTOP = 'spiffe://corp.example/device/laptop-7';
const OTHER_LAPTOP = 'spiffe://corp.example/device/laptop-9';
const HOME = '85.244.61.18';
// The train's Wi-Fi: one carrier's NAT, whose /24 changes along the line (one /16).
const [TRAIN_A, TRAIN_B, TRAIN_C] = ['85.242.96.40', '85.242.97.77', '85.242.98.12'];
const ELSEWHERE = '85.243.10.5';
const NEXT_TO_HOME = '85.244.99.20';
// Two /56 networks of one /48, and a /56 of the next /48 (nearby_networks off for IPv6 here: its /32 would join them).
const [V6_A, V6_B, V6_OTHER] = ['2a01:db8:7:100::5', '2a01:db8:7:200::9', '2a01:db8:8:100::5'];

const on = parseConfig(riskYaml('', '  nearby_networks: { vouch_seconds: 0, ipv6_prefix: 56 }\n').replace('newcomer_grace_seconds: 600 }', 'newcomer_grace_seconds: 600, certificate_nearby: { enabled: true } }'), 'on.yaml');
const off = parseConfig(riskYaml('', '  nearby_networks: { vouch_seconds: 0, ipv6_prefix: 56 }\n'), 'off.yaml');

function world(cfg: Config) {
  const w = riskWorld(cfg);
  return (ip: string, who: Identity, atMs: number, principal = LAPTOP) => {
    const { v, out } = w.check({ ...kubeGet(ip, KUBECTL), sourcePrincipal: principal }, who, atMs);
    return { allow: v.allow, codes: out.risk.contributions.map((c) => c.code), context: out.risk.context?.code };
  };
}

type Check = ReturnType<typeof world>;

/**
 * Yesterday at home with the laptop (its certificate and home proven), then this morning's train:
 * the first /24 asked for, and proven by the sign-in made for it. Returns that sign-in and the
 * morning's home login from before the train.
 */
function boardTheTrain(check: Check, first = TRAIN_A): { board: Identity; morning: Identity } {
  const yesterday = aal2Token('plat-2', S(T - 86_400_000) - 40, 'sid-yesterday');
  for (let t = 0; t <= 60; t += 20) expect(check(HOME, yesterday, T - 86_400_000 + t * M).allow).toBe(true);
  const morning = aal2Token('plat-2', S(T - 30 * M), 'sid-morning');
  expect(check(HOME, morning, T - 20 * M).allow).toBe(true);
  const asked = check(first, morning, T);
  expect(asked.context).toBe('new_network');
  const board = aal2Token('plat-2', S(T) + 30, 'sid-train');
  expect(check(first, board, T + M).allow).toBe(true);
  return { board, morning };
}

describe('risk.learn.certificate_nearby', () => {
  it("the train's next /24, 45 minutes later, is a new address for the certificate and login that proved the first, and so is the one after", () => {
    const check = world(on);
    const { board } = boardTheTrain(check);
    const next = check(TRAIN_B, board, T + 45 * M);
    expect(next.codes).toContain('new_ip');
    expect(next.codes).not.toContain('new_network');
    expect(next.context).toBeUndefined();
    expect(next.allow).toBe(true);
    expect(check(TRAIN_C, board, T + 90 * M).allow).toBe(true);
  });

  it('an IPv6 network of the /48 the certificate and login proved one in is carried; another /48 is not', () => {
    const check = world(on);
    const { board } = boardTheTrain(check, V6_A);
    expect(check(V6_B, board, T + 45 * M).allow).toBe(true);
    expect(check(V6_OTHER, board, T + 50 * M).context).toBe('new_network');
  });

  it.each([
    ['off (the default)', off, (b: Identity) => [TRAIN_B, b, LAPTOP] as const],
    ["the morning's login, copied with the key, that proved nothing on the train", on, (_: Identity, m: Identity) => [TRAIN_B, m, LAPTOP] as const],
    ['the login without the certificate (the token alone)', on, (b: Identity) => [TRAIN_B, b, ''] as const],
    ["the login with another of the engineer's proven laptops", on, (b: Identity) => [TRAIN_B, b, OTHER_LAPTOP] as const],
    ['another /16 of the same carrier', on, (b: Identity) => [ELSEWHERE, b, LAPTOP] as const],
  ] as const)('%s: the next network asks a sign-in after it appeared', (_, cfg, what) => {
    const check = world(cfg);
    const { board, morning } = boardTheTrain(check);
    // The other laptop is proven at home too (its own sign-in), so only its own proof on the train is missing.
    check(HOME, morning, T + 10 * M, OTHER_LAPTOP);
    expect(check(HOME, aal2Token('plat-2', S(T + 10 * M) + 30, 'sid-other'), T + 11 * M, OTHER_LAPTOP).allow).toBe(true);
    const [ip, who, principal] = what(board, morning);
    const r = check(ip, who, T + 45 * M, principal);
    expect(r.codes).toContain('new_network');
    expect(r.allow).toBe(false);
  });

  it('a known network used again by the certificate and login proves nothing for its /16', () => {
    const check = world(on);
    const { morning } = boardTheTrain(check);
    // The morning's login used the laptop at home (known since yesterday): home's /16 is not carried.
    const r = check(NEXT_TO_HOME, morning, T + 10 * M);
    expect(r.codes).toContain('new_network');
    expect(r.allow).toBe(false);
  });

  it("the price: the key and the login's token copied together are carried inside the train's /16", () => {
    const check = world(on);
    const { board } = boardTheTrain(check);
    // The engineer's own use goes on at TRAIN_A; a copy of the cache directory at TRAIN_C minutes
    // later is the same three things as the laptop: allowed as a new address.
    expect(check(TRAIN_A, board, T + 5 * M).allow).toBe(true);
    expect(check(TRAIN_C, board, T + 8 * M).allow).toBe(true);
  });

  it('rejects prefixes no wider than a network, by file and field', () => {
    expect(() => parseConfig(riskYaml().replace('newcomer_grace_seconds: 600 }', 'newcomer_grace_seconds: 600, certificate_nearby: { enabled: true, ipv4_prefix: 32 } }'), 'bad.yaml')).toThrow(/bad\.yaml.*certificate_nearby\.ipv4_prefix/s);
  });
});
