import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/load.js';
import type { Config } from '../../src/config/schema.js';
import type { Identity } from '../../src/core/identity.js';
import type { RequestAttributes } from '../../src/request/attributes.js';
import type { RiskOutcome } from '../../src/risk/engine.js';
import { certifiedIn, clientToken, observedPlatform, sessionClientsWith } from '../../src/state/session-clients.js';
import { aal2Token, asksAtLeast, BASE, kubeGet, riskWorld, riskYaml, SECRETS } from '../support/risk-world.js';

/**
 * `certificate_missing` (day 27): a company whose managed laptops present a device client
 * certificate to the gateway (`source.principal`). A controls engineer's token replayed from an
 * unmanaged machine on the office network, with the victim's kubectl agent and no certificate, or
 * with a client-written x-forwarded-client-cert naming the victim's laptop (which stepgate does not
 * trust), was allowed: the office network is known, and a fingerprint never proven only weighs
 * `new_device_fingerprint` and never binds. The login's client list now says it came with a
 * certificate before.
 */

const config = parseConfig(riskYaml(), 'certificate-missing.yaml');
const T = 1_800_000_000_000;
const H = 3_600_000;
const OFFICE = '193.81.44.31';
const KUBECTL = 'kubectl/v1.31.4 (linux/amd64) kubernetes/a78aa47';
const CHROME_WIN = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/132.0.0.0 Safari/537.36';
const LAPTOP = 'urn:brandauer:device:PF3K9A21';
const OTHER_LAPTOP = 'urn:brandauer:device:PF3M0D12';
const S = (ms: number) => Math.floor(ms / 1000);

const token = (authTime: number, sid = 'sid-today'): Identity => aal2Token('ctl', authTime, sid);

/** A request with the client certificate the gateway verified (`principal`), and further headers. */
function req(ip: string, ua: string, principal = '', path?: string, headers: Record<string, string> = {}): RequestAttributes {
  const r = kubeGet(ip, ua, path);
  for (const [k, v] of Object.entries(headers)) (r.headers as Map<string, string>).set(k, v);
  return { ...r, sourcePrincipal: principal };
}

const codes = (o: RiskOutcome) => (o.ok ? o.risk.contributions.map((c) => c.code) : []);

/** The engineer's managed laptop, its certificate on every request, from 07:30 (the login's first use). */
function engineer(cfg: Config = config) {
  const w = riskWorld(cfg);
  const today = token(S(T) - 30);
  expect(w.check(req(OFFICE, KUBECTL, LAPTOP), today, T).v.allow).toBe(true);
  expect(w.check(req(OFFICE, KUBECTL, LAPTOP), today, T + 2 * H).v.allow).toBe(true);
  return { ...w, today };
}

describe('the session list carries whether a client presented a certificate', () => {
  it('a certificate marks the entry, and the mark survives the list being reordered', () => {
    const cert = clientToken({ uaFamily: 'kubectl', platform: observedPlatform('linux', true) } as never);
    expect(cert).toBe('kubectl@linux+cert');
    const list = sessionClientsWith(sessionClientsWith('', cert), 'chrome@windows');
    expect(list).toBe('chrome@windows kubectl@linux+cert');
    expect(certifiedIn(list)).toBe(true);
    expect(certifiedIn('kubectl@linux chrome@windows')).toBe(false);
  });
});

describe('certificate_missing: a login used with a client certificate, now without one', () => {
  it("the victim's token from an unmanaged machine on the office network, with the victim's kubectl agent, is bound to a sign-in after it appeared", () => {
    const w = engineer();
    const at = T + 7 * H;
    const { v, out } = w.check(req('193.81.44.173', KUBECTL), w.today, at, BASE);
    expect(codes(out)).toContain('certificate_missing');
    expect(out.ok && out.risk.context?.code).toBe('certificate_missing');
    expect(out.ok && out.risk.context?.summary).toMatch(/^sign-in used without its client certificate since \d\d:\d\d:\d\dZ$/);
    expect(out.ok && out.requirement.authAfter).toBe(S(at));
    expect(v.allow).toBe(false);
    // The laptop itself goes on.
    expect(w.check(req(OFFICE, KUBECTL, LAPTOP), w.today, at + 9000).v.allow).toBe(true);
  });

  it('a client-written x-forwarded-client-cert naming the laptop changes nothing where it is not trusted', () => {
    const w = engineer();
    const xfcc = `By=spiffe://brandauer.example/gateway;Hash=${'a3f1c0de'.repeat(8)};URI=${LAPTOP}`;
    const { v, out } = w.check(req('193.81.44.181', KUBECTL, '', undefined, { 'x-forwarded-client-cert': xfcc }), w.today, T + 3 * H, BASE);
    expect(codes(out)).toContain('certificate_missing');
    expect(v.allow).toBe(false);
  });

  it('whatever user agent the thief picks: a browser agent on another OS is bound too', () => {
    const w = engineer();
    const { v, out } = w.check(req(OFFICE, CHROME_WIN), w.today, T + 3 * H, BASE);
    expect(codes(out)).toContain('certificate_missing');
    expect(v.allow).toBe(false);
  });

  it('routine is not it: a login never used with a certificate, a new laptop with its own certificate, a new login on an unmanaged machine', () => {
    // A contractor: no certificate anywhere.
    const c = riskWorld(config);
    const contractor = aal2Token('contractor', S(T) - 30, 'sid-c');
    expect(c.check(req(OFFICE, KUBECTL), contractor, T).v.allow).toBe(true);
    expect(codes(c.check(req(OFFICE, KUBECTL), contractor, T + 3 * H, BASE).out)).not.toContain('certificate_missing');
    // A replaced laptop (another certificate) in the same login: a new device, not a missing certificate.
    const w = engineer();
    expect(codes(w.check(req(OFFICE, KUBECTL, OTHER_LAPTOP), w.today, T + 3 * H, BASE).out)).not.toContain('certificate_missing');
    // A new sign-in on a machine without a certificate starts its own list.
    const fresh = token(S(T + 4 * H) - 50, 'sid-fresh');
    expect(codes(w.check(req(OFFICE, KUBECTL), fresh, T + 4 * H, BASE).out)).not.toContain('certificate_missing');
  });

  it('a sign-in made there proves it: allowed, and the device becomes known', () => {
    const w = engineer();
    const at = T + 5 * H;
    expect(w.check(req(OFFICE, KUBECTL), w.today, at, BASE).v.allow).toBe(false);
    const again = token(S(at) + 30);
    expect(w.check(req(OFFICE, KUBECTL), again, at + 60_000, BASE).v.allow).toBe(true);
    expect(codes(w.check(req(OFFICE, KUBECTL), w.today, at + 120_000, BASE).out)).not.toContain('certificate_missing');
  });

  it('platform_change reads the platform without the mark: kubectl on Windows after kubectl on Linux with a certificate is another platform, the same platform is not', () => {
    const w = engineer(parseConfig(riskYaml('  signals: { certificate_missing: 0 }'), 'off.yaml'));
    const win = w.check(req(OFFICE, 'kubectl/v1.31.4 (windows/amd64) kubernetes/a78aa47'), w.today, T + 3 * H, BASE).out;
    expect(codes(win)).toContain('platform_change');
    expect(win.ok && win.risk.contributions.find((c) => c.code === 'platform_change')?.detail).toMatch(/ on linux$/);
    const same = engineer(parseConfig(riskYaml('  signals: { certificate_missing: 0 }'), 'off.yaml'));
    expect(codes(same.check(req(OFFICE, KUBECTL), same.today, T + 3 * H, BASE).out)).not.toContain('platform_change');
  });

  it('weight 0 turns it off', () => {
    const w = engineer(parseConfig(riskYaml('  signals: { certificate_missing: 0 }'), 'off.yaml'));
    const { v, out } = w.check(req('193.81.44.173', KUBECTL), w.today, T + 7 * H, BASE);
    expect(codes(out)).not.toContain('certificate_missing');
    expect(v.allow).toBe(true);
  });

  it('more risk never lowers the requirement: with the signal on, every request asks at least as much as with it off', () => {
    const off = parseConfig(riskYaml('  signals: { certificate_missing: 0 }'), 'off.yaml');
    const step = fc.record({
      ua: fc.constantFrom(KUBECTL, CHROME_WIN),
      principal: fc.constantFrom('', LAPTOP, OTHER_LAPTOP),
      sid: fc.constantFrom('sid-today', 'sid-other'),
      gap: fc.integer({ min: 0, max: 2 * H }),
      authBack: fc.integer({ min: -60, max: 6 * H }),
      ip: fc.constantFrom(OFFICE, '193.81.44.173', '91.114.171.33'),
      sensitive: fc.boolean(),
    });
    fc.assert(
      fc.property(fc.array(step, { minLength: 1, maxLength: 15 }), (steps) => {
        const on = engineer();
        const plain = engineer(off);
        let at = T + 3 * H;
        return steps.every((s) => {
          at += s.gap;
          const who = token(S(at) - s.authBack, s.sid);
          const need = s.sensitive ? SECRETS : BASE;
          const a = on.engine.assess(req(s.ip, s.ua, s.principal), who, need, at) as RiskOutcome;
          const b = plain.engine.assess(req(s.ip, s.ua, s.principal), who, need, at) as RiskOutcome;
          return a.ok && b.ok && asksAtLeast(a.requirement, b.requirement);
        });
      }),
      { numRuns: 100 },
    );
  }, 120_000);
});

describe('risk.learn.certificate_roams: a proven client certificate carries its laptop to a new network', () => {
  const VPN_B = '91.114.171.33';
  const roams = parseConfig(riskYaml('', '  learn: { min_level: aal2, newcomer_grace_seconds: 600, certificate_roams: true }\n').replace(/\n {2}learn: \{ min_level: aal2, newcomer_grace_seconds: 600 \}\n/, '\n'), 'roams.yaml');

  it("the VPN's new egress range, reached by the laptop's own certificate, weighs like a new address and is learned", () => {
    const w = engineer(roams);
    const at = T + 4 * H;
    const { v, out } = w.check(req(VPN_B, KUBECTL, LAPTOP), w.today, at);
    expect(codes(out)).not.toContain('new_network');
    expect(out.ok && out.risk.contributions.find((c) => c.code === 'new_ip')?.detail).toMatch(/from a client certificate this subject proved$/);
    expect(out.ok && out.risk.context).toBeUndefined();
    expect(v.allow).toBe(true);
    // Learned: the next request there is an address in a known network.
    expect(codes(w.check(req(VPN_B, KUBECTL, LAPTOP), w.today, at + 60_000).out)).not.toContain('new_network');
  });

  it('not without the certificate, not with one the subject never proved, and not when off; any of the laptop\'s logins', () => {
    const w = engineer(roams);
    const at = T + 4 * H;
    expect(codes(w.check(req(VPN_B, KUBECTL), w.today, at, BASE).out)).toContain('new_network');
    expect(codes(w.check(req('91.114.172.40', KUBECTL, OTHER_LAPTOP), w.today, at, BASE).out)).toContain('new_network');
    // The laptop's certificate with the evening's first sign-in, first used there: carried too.
    const evening = token(S(at) - 40, 'sid-evening');
    expect(codes(w.check(req('91.114.173.50', KUBECTL, LAPTOP), evening, at, BASE).out)).not.toContain('new_network');
    const off = engineer();
    const { v, out } = off.check(req(VPN_B, KUBECTL, LAPTOP), off.today, at);
    expect(codes(out)).toContain('new_network');
    expect(v.allow).toBe(false);
  });
});
