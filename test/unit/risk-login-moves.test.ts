import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/load.js';
import type { Config } from '../../src/config/schema.js';
import type { Identity } from '../../src/core/identity.js';
import { aal2Token, kubeGet, riskWorld, riskYaml } from '../support/risk-world.js';

/**
 * `risk.learn.login_move_after_seconds` (issue 12, session 47; day 18's Codespaces, day 24's store
 * technicians): the login (IdP session and sign-in time) that proved a network with a sign-in, from
 * one client, carries to a network of any /16 reached by that client after neither was used for
 * the pause: the Codespace that resumes on another VM after lunch. A copy of the token used while
 * its owner works, another login, another client, a known network used again: asked as before.
 */

const T = 1_800_000_000_000;
const M = 60_000;
const S = (ms: number) => Math.floor(ms / 1000);
const CODESPACE = 'kubectl/v1.32.3 (linux/amd64) kubernetes/32cc146';
const LAPTOP = 'kubectl/v1.32.3 (darwin/arm64) kubernetes/32cc146';
const OFFICE = '185.32.12.40';
// The morning's VM and the afternoon's, in two of the cloud's /16s; an attacker's VM in a third.
const MORNING_VM = '20.61.14.77';
const AFTERNOON_VM = '4.210.88.19';
const OTHER_VM = '52.174.3.200';

const yaml = (after: number) => riskYaml('', '  nearby_networks: { vouch_seconds: 0 }\n').replace('newcomer_grace_seconds: 600 }', `newcomer_grace_seconds: 600, login_move_after_seconds: ${after} }`);
const on = parseConfig(yaml(1200), 'on.yaml');
const off = parseConfig(yaml(0), 'off.yaml');

function world(cfg: Config) {
  const w = riskWorld(cfg);
  return (ip: string, who: Identity, atMs: number, ua = CODESPACE) => {
    const { v, out } = w.check(kubeGet(ip, ua), who, atMs);
    return { allow: v.allow, codes: out.risk.contributions.map((c) => c.code), context: out.risk.context?.code, details: out.risk.contributions.map((c) => c.detail) };
  };
}

type Check = ReturnType<typeof world>;

/**
 * Yesterday at the office with the laptop's kubectl and the Codespace's (both clients proven),
 * then this morning's VM: asked for, and proven by the sign-in made for it, used there until
 * T + 90 min. Returns that sign-in and the morning's login from before the VM.
 */
function inTheMorningVm(check: Check): { vm: Identity; morning: Identity } {
  // Two logins yesterday: the laptop's, and the Codespace's (its kubectl names another platform).
  const yesterday = aal2Token('dev-9', S(T - 86_400_000) - 40, 'sid-yesterday');
  const yesterdayVm = aal2Token('dev-9', S(T - 86_400_000 + 61 * M) - 40, 'sid-yesterday-vm');
  for (let t = 0; t <= 60; t += 20) expect(check(OFFICE, yesterday, T - 86_400_000 + t * M, LAPTOP).allow).toBe(true);
  for (let t = 61; t <= 120; t += 20) expect(check(OFFICE, yesterdayVm, T - 86_400_000 + t * M).allow).toBe(true);
  const morning = aal2Token('dev-9', S(T - 30 * M), 'sid-morning');
  expect(check(OFFICE, morning, T - 20 * M, LAPTOP).allow).toBe(true);
  expect(check(MORNING_VM, morning, T).context).toBe('new_network');
  const vm = aal2Token('dev-9', S(T) + 20, 'sid-morning');
  for (let t = 1; t <= 90; t += 15) expect(check(MORNING_VM, vm, T + t * M).allow).toBe(true);
  return { vm, morning };
}

describe('risk.learn.login_move_after_seconds', () => {
  it("the afternoon's VM in another /16, first used an hour after the morning VM's last request, is a new address for the login and client that proved the morning VM", () => {
    const check = world(on);
    const { vm } = inTheMorningVm(check);
    const afternoon = check(AFTERNOON_VM, vm, T + 136 * M);
    expect(afternoon.codes).toContain('new_ip');
    expect(afternoon.codes).not.toContain('new_network');
    expect(afternoon.details.join(' ')).toMatch(/after a pause by the login and client that proved another network with a sign-in/);
    expect(afternoon.context).toBeUndefined();
    expect(afternoon.allow).toBe(true);
    // Learned: the afternoon's VM is the login's from now on.
    expect(check(AFTERNOON_VM, vm, T + 140 * M).codes).not.toContain('new_ip');
  });

  it("the carry is this request's alone: the next Check, by a token without a login, from a network never seen, is a new network (the engine's reused record kept loginMoved)", () => {
    const check = world(on);
    const { vm } = inTheMorningVm(check);
    expect(check(AFTERNOON_VM, vm, T + 136 * M).codes).toContain('new_ip');
    // No IdP session: the move is not even looked at for it (finish), so nothing of the last Check's may stay.
    const sessionless = aal2Token('dev-9', S(T + 130 * M), '');
    const next = check(OTHER_VM, sessionless, T + 137 * M);
    expect(next.codes).toContain('new_network');
    expect(next.codes).not.toContain('new_ip');
    expect(next.allow).toBe(false);
  });

  it('off (0, the default) the afternoon VM asks a sign-in after it appeared', () => {
    expect(off.risk!.learn.login_move_after_seconds).toBe(0);
    const check = world(off);
    const { vm } = inTheMorningVm(check);
    const afternoon = check(AFTERNOON_VM, vm, T + 136 * M);
    expect(afternoon.context).toBe('new_network');
    expect(afternoon.allow).toBe(false);
  });

  it("a copy of the token, used from another VM while its owner works, is asked; so is every retry of it, and the owner's pause does not start while the copy retries", () => {
    const check = world(on);
    const { vm } = inTheMorningVm(check);
    // The owner's last request at T + 76 min; the copy 5 minutes later, then every 10 minutes for an hour.
    for (let t = 81; t <= 141; t += 10) {
      const r = check(OTHER_VM, vm, T + t * M);
      expect(r.context).toBe('new_network');
      expect(r.allow).toBe(false);
    }
  });

  it('a known network used again by the login (the office, known since yesterday) proves nothing to move from, and another client of the login carries nothing', () => {
    const check = world(on);
    const { vm, morning } = inTheMorningVm(check);
    // The morning's login only used the known office.
    expect(check(AFTERNOON_VM, morning, T + 136 * M, LAPTOP).context).toBe('new_network');
    // The VM's login, from the laptop's kubectl (a client that proved no network in it).
    expect(check(OTHER_VM, vm, T + 136 * M, LAPTOP).context).toBe('new_network');
  });

  it("a newcomer's first sign-in (made before the first request, on a fresh server) proves nothing to move from: a stolen kubeconfig used hours later elsewhere is asked", () => {
    const check = world(on);
    const first = aal2Token('dev-9', S(T) - 30, 'sid-first');
    for (let t = 0; t <= 60; t += 20) expect(check(MORNING_VM, first, T + t * M).allow).toBe(true);
    const later = check(OTHER_VM, first, T + 6 * 60 * M);
    expect(later.context).toBe('new_network');
    expect(later.allow).toBe(false);
  });

  it('never lowers the requirement for a token signed in before the network first appeared unless the login and client that proved a network paused for the whole window (property)', () => {
    type Who = 'vm' | 'morning' | 'same-sid-later';
    fc.assert(
      fc.property(
        fc.constantFrom<Who>('vm', 'morning', 'same-sid-later'),
        fc.constantFrom(CODESPACE, LAPTOP),
        fc.constantFrom(AFTERNOON_VM, OTHER_VM),
        // As often inside the pause as after it.
        fc.oneof(fc.integer({ min: 1, max: 19 }), fc.integer({ min: 20, max: 240 })),
        (whoName, ua, ip, gapMin) => {
          const check = world(on);
          const { vm, morning } = inTheMorningVm(check);
          // Another sign-in in the VM login's IdP session: a login of its own, which proved nothing.
          const sameSidLater = { ...vm, authTime: S(T + 60 * M) } as Identity;
          const who = whoName === 'vm' ? vm : whoName === 'morning' ? morning : sameSidLater;
          const r = check(ip, who, T + 76 * M + gapMin * M, ua);
          const lowered = !r.codes.includes('new_network');
          const bound = whoName === 'vm' && ua === CODESPACE && gapMin >= 20;
          expect(lowered).toBe(bound);
          expect(r.allow).toBe(bound);
        },
      ),
      { numRuns: 80 },
    );
  });

  it('is live on reload, and rejects a negative pause by file and field', () => {
    expect(on.risk!.learn.login_move_after_seconds).toBe(1200);
    expect(() => parseConfig(yaml(-1), 'bad.yaml')).toThrow(/bad\.yaml.*login_move_after_seconds/s);
  });
});
