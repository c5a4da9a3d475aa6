import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/load.js';
import type { Config } from '../../src/config/schema.js';
import type { Identity } from '../../src/core/identity.js';
import { platformOf } from '../../src/risk/device.js';
import type { RiskOutcome } from '../../src/risk/engine.js';
import { aal2Token, asksAtLeast, BASE, kubeGet, riskWorld, riskYaml, SECRETS } from '../support/risk-world.js';

/**
 * `platform_change` (issue 12, day 4): a token copied to another computer and used there by the
 * same kind of client (kubectl on Windows in a login kubectl on Linux has been using), from the
 * victim's own VPN egress address: nothing about the network is new, the user agent is only a
 * fingerprint. The login's client list says the same client ran on another OS within it.
 */

const yaml = riskYaml;
const config = parseConfig(yaml(), 'platform-change.yaml');
const T = 1_800_000_000_000;
const H = 3_600_000;
const VPN = '165.225.72.31';
const KUBECTL_LINUX = 'kubectl/v1.33.2 (linux/amd64) kubernetes/4b7a3f9';
const KUBECTL_WIN = 'kubectl/v1.33.2 (windows/amd64) kubernetes/4b7a3f9';
const KUBECTL_MAC = 'kubectl/v1.33.2 (darwin/arm64) kubernetes/4b7a3f9';
const CHROME_MAC = 'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/132.0.0.0 Safari/537.36';
const ARGOCD = 'argocd-client/v2.13.2+dc43124';
const S = (ms: number) => Math.floor(ms / 1000);

const token = (authTime: number, sid = 'sid-1'): Identity => aal2Token('bob', authTime, sid);

const req = kubeGet;

const world = (cfg: Config = config) => riskWorld(cfg);

/** Bob: kubectl on his Linux laptop and Chrome on a Mac, through the VPN; today's login at 07:30. */
function bob(cfg?: Config) {
  const w = world(cfg);
  const today = token(S(T) - 30, 'sid-today');
  expect(w.check(req(VPN, KUBECTL_LINUX), today, T).v.allow).toBe(true);
  expect(w.check(req(VPN, CHROME_MAC), today, T + 60_000, BASE).v.allow).toBe(true);
  expect(w.check(req(VPN, KUBECTL_LINUX), today, T + 2 * H).v.allow).toBe(true);
  return { ...w, today };
}

const codes = (o: RiskOutcome) => (o.ok ? o.risk.contributions.map((c) => c.code) : []);

describe('platformOf', () => {
  it.each([
    [KUBECTL_LINUX, undefined, 'linux'],
    [KUBECTL_WIN, undefined, 'windows'],
    [KUBECTL_MAC, undefined, 'mac'],
    [CHROME_MAC, undefined, 'mac'],
    [CHROME_MAC, '"macOS"', 'mac'],
    ['Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0', undefined, 'linux'],
    ['Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/132.0.0.0 Safari/537.36', '"Windows"', 'windows'],
    ['Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/132.0.0.0 Mobile Safari/537.36', undefined, 'android'],
    ['Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1', undefined, 'ios'],
    [ARGOCD, undefined, ''],
    ['curl/8.5.0', undefined, ''],
    ['', undefined, ''],
  ])('%s (%s) → %s', (ua, hint, os) => {
    expect(platformOf(ua, hint)).toBe(os);
  });
});

describe('platform_change: one login, the same client on another OS', () => {
  it("kubectl on Windows at the victim's VPN egress, in a login kubectl on Linux uses, is bound to a sign-in after it appeared", () => {
    const w = bob();
    const at = T + 7 * H;
    const { v, out } = w.check(req(VPN, KUBECTL_WIN), w.today, at);
    expect(codes(out)).toContain('platform_change');
    expect(out.ok && out.risk.context?.code).toBe('platform_change');
    expect(out.ok && out.risk.context?.summary).toMatch(/^sign-in used from another computer since \d\d:\d\d:\d\dZ$/);
    expect(out.ok && out.requirement.authAfter).toBe(S(at));
    expect(v.allow).toBe(false);
    // Still bound on its next request, and even for a plain read.
    expect(w.check(req(VPN, KUBECTL_WIN, '/api/v1/namespaces/team-a/pods'), w.today, at + 6000, BASE).v.allow).toBe(false);
    // The victim's own kubectl goes on: its device is known.
    expect(w.check(req(VPN, KUBECTL_LINUX), w.today, at + 9000).v.allow).toBe(true);
    // A sign-in on the Windows machine is a new login: allowed, and the device becomes known.
    const own = token(S(at) + 60, 'sid-today');
    expect(w.check(req(VPN, KUBECTL_WIN), own, at + 90_000).v.allow).toBe(true);
    expect(codes(w.check(req(VPN, KUBECTL_WIN), w.today, at + 120_000).out)).not.toContain('platform_change');
  });

  it('routine is not it: another kind of client on another OS (kubectl on a Linux jump host, the browser on a Mac), a client naming no OS, a new login on a new computer', () => {
    const w = bob();
    // The browser on the Mac with the morning login: chrome never ran on another OS in it.
    expect(codes(w.check(req(VPN, CHROME_MAC), w.today, T + 3 * H, BASE).out)).not.toContain('platform_change');
    expect(codes(w.check(req(VPN, ARGOCD), w.today, T + 3 * H, BASE).out)).not.toContain('platform_change');
    // A re-imaged or replaced laptop on macOS signs in on it: a new login, whose list starts there.
    const fresh = token(S(T + 4 * H) - 50, 'sid-reimaged');
    expect(codes(w.check(req(VPN, KUBECTL_MAC), fresh, T + 4 * H).out)).not.toContain('platform_change');
    // A login with no earlier request says nothing either.
    const w2 = world();
    expect(codes(w2.check(req(VPN, KUBECTL_WIN), token(S(T) - 30, 'sid-x'), T).out)).not.toContain('platform_change');
  });

  it('weight 0 turns it off', () => {
    const w = bob(parseConfig(yaml('  signals: { platform_change: 0 }'), 'off.yaml'));
    expect(codes(w.check(req(VPN, KUBECTL_WIN), w.today, T + 7 * H).out)).not.toContain('platform_change');
  });

  const UAS = [KUBECTL_LINUX, KUBECTL_WIN, KUBECTL_MAC, CHROME_MAC, ARGOCD];
  const step = fc.record({
    ua: fc.constantFrom(...UAS),
    sid: fc.constantFrom('sid-today', 'sid-other'),
    gap: fc.integer({ min: 0, max: 2 * H }),
    authBack: fc.integer({ min: -60, max: 6 * H }),
    ip: fc.constantFrom(VPN, '165.225.76.40', '93.229.7.5'),
    sensitive: fc.boolean(),
  });

  it('more risk never lowers the requirement: with the signal on, every request asks at least as much as with it off', () => {
    const off = parseConfig(yaml('  signals: { platform_change: 0 }'), 'off.yaml');
    fc.assert(
      fc.property(fc.array(step, { minLength: 1, maxLength: 20 }), (steps) => {
        const on = bob();
        const plain = bob(off);
        let at = T + 3 * H;
        return steps.every((s) => {
          at += s.gap;
          const who = token(S(at) - s.authBack, s.sid);
          const need = s.sensitive ? SECRETS : BASE;
          const a = on.engine.assess(req(s.ip, s.ua), who, need, at) as RiskOutcome;
          const b = plain.engine.assess(req(s.ip, s.ua), who, need, at) as RiskOutcome;
          if (!a.ok || !b.ok) return false;
          return asksAtLeast(a.requirement, b.requirement);
        });
      }),
      { numRuns: 150 },
    );
    // Many engine runs: give a loaded machine time (the property is the point, not the speed).
  }, 120_000);

  it('a requirement it binds is never met by an auth_time earlier than the device first appeared', () => {
    fc.assert(
      fc.property(fc.array(step, { minLength: 1, maxLength: 20 }), (steps) => {
        const w = bob();
        const firstSeen = new Map<string, number>([[KUBECTL_LINUX, T], [CHROME_MAC, T + 60_000]]);
        let at = T + 3 * H;
        return steps.every((s) => {
          at += s.gap;
          if (!firstSeen.has(s.ua)) firstSeen.set(s.ua, at);
          const who = token(S(at) - s.authBack, s.sid);
          const { v, out } = w.check(req(s.ip, s.ua), who, at, s.sensitive ? SECRETS : BASE);
          if (!out.ok || !out.risk.contributions.some((c) => c.code === 'platform_change')) return true;
          const after = out.requirement.authAfter;
          if (after === undefined || after < S(firstSeen.get(s.ua)!)) return false;
          return !(v.allow && who.authTime! < after);
        });
      }),
      { numRuns: 150 },
    );
    // Many engine runs: give a loaded machine time (the property is the point, not the speed).
  }, 120_000);
});
