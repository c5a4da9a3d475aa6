import fc from 'fast-check';
import { strongestProven } from '../support/risk-engine.js';
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/load.js';
import type { Config } from '../../src/config/schema.js';
import { DeviceCookies, deviceOwner } from '../../src/cookies/device-cookie.js';
import { parseKeyList } from '../../src/cookies/keys.js';
import type { RiskOutcome } from '../../src/risk/engine.js';
import { asksAtLeast, kubeGet, levelToken, riskWorld, SECRETS } from '../support/risk-world.js';

/**
 * `assurance_downgrade` (day 31's helpdesk MFA reset): the caller enrols their own authenticator
 * and signs in as the engineer, fresh and with two factors, from their own VPS and laptop. What
 * tells them from the engineer who forgot the key (a code on the usual laptop and network) and the
 * engineer whose phone was replaced (a code from a new tether, the usual laptop) is the three
 * together: a sign-in weaker than any the identity proved, on a network and a device both new.
 */

const yaml = (on = true, extra = '') => `
issuers: [{ issuer: https://idp.test, audiences: [k] }]
assurance:
  levels:
    - { name: aal1, acr: [a1] }
    - { name: aal2, acr: [a2] }
    - { name: aal3, acr: [a3], description: hardware key }
policy: { default: { require: aal1 } }
network: { xff_num_trusted_hops: 1 }
risk:
  learn: { min_level: aal2, newcomer_grace_seconds: 600 }
  bands: [{ name: elevated, min_score: 45, require: aal2 }]
  signals: { assurance_downgrade: ${on} }
${extra}`;
const config = parseConfig(yaml(), 'assurance-downgrade.yaml');

const T = 1_800_000_000_000;
const H = 3_600_000;
const HOME = '84.214.99.12';
const OFFICE = '84.208.17.131';
const VPS = '45.77.120.9';
const MAC = 'kubectl/v1.32.2 (darwin/arm64) kubernetes/67a30c0';
const LINUX = 'kubectl/v1.32.0 (linux/amd64) kubernetes/70d3cc9';
/** The store's key for a subject of the tests' issuer (engine.ts subjectKey). */
const key = (subject: string) => deviceOwner('https://idp.test', subject);
const codes = (o: RiskOutcome) => (o.ok ? o.risk.contributions.map((c) => c.code) : []);

/** An engineer who signs in with their key at home on their Mac, on two days. */
function keyEngineer(cfg: Config = config, me = 'eng', level = 2) {
  const w = riskWorld(cfg);
  for (const day of [0, 24 * H]) {
    const login = levelToken(me, level, T + day - 40_000);
    expect(w.check(kubeGet(HOME, MAC), login, T + day).v.allow).toBe(true);
    expect(w.check(kubeGet(HOME, MAC), login, T + day + H).v.allow).toBe(true);
  }
  return w;
}

const DAY3 = T + 48 * H;

describe('assurance_downgrade', () => {
  it('fires on a code from a new network and a new laptop where the identity only ever used its key: the key is asked, a code never answers', async () => {
    const w = keyEngineer();
    const at = DAY3 + 5 * H;
    // Signed in with the code after the VPS first appeared: what context-bound step-up alone asks.
    const first = w.check(kubeGet(VPS, LINUX), levelToken('eng', 1, at - 60_000), at);
    expect(codes(first.out)).toContain('assurance_downgrade');
    const fresh = levelToken('eng', 1, at + 20_000);
    const { v, out } = w.check(kubeGet(VPS, LINUX), fresh, at + 25_000);
    expect(v.allow).toBe(false);
    expect(v.reason).toBe('acr_insufficient');
    expect(out.ok && out.requirement.level).toBe(2);
    expect(out.ok && out.risk.context?.code).toBe('assurance_downgrade');
    expect(out.ok && out.risk.context?.summary).toMatch(/^a sign-in weaker than your usual \(aal3: hardware key\) from a new network and device since \d\d:\d\d:\d\dZ$/);
    expect(out.ok && out.risk.context?.action).toBe('sign in at aal3');
    // Bound after the first sightings too: a key sign-in made before the VPS appeared does not do.
    expect(out.ok && out.requirement.authAfter).toBe(Math.ceil(at / 1000));
    // The engineer's key, signed in there, answers it.
    const signedIn = levelToken('eng', 2, at + 60_000);
    expect(w.check(kubeGet(VPS, LINUX), signedIn, at + 65_000).v.allow).toBe(true);
  });

  it('does not fire on the forgotten key on the usual laptop and network, nor on a new laptop on a known network', async () => {
    const w = keyEngineer();
    const code = levelToken('eng', 1, DAY3 - 40_000);
    const usual = w.check(kubeGet(HOME, MAC), code, DAY3);
    expect(codes(usual.out)).not.toContain('assurance_downgrade');
    expect(usual.v.allow).toBe(true);
    // A new laptop at home: the network is known.
    const laptop = w.check(kubeGet(HOME, LINUX), levelToken('eng', 1, DAY3 + H - 40_000), DAY3 + H);
    expect(codes(laptop.out)).not.toContain('assurance_downgrade');
  });

  // Session 41: a device known by its user-agent fingerprint alone proves nothing here. kubectl's
  // fingerprint is its OS and architecture: the caller who sends the engineer's Mac's agent from a
  // VPS passed as the engineer's laptop. The replaced phone's tether under the usual laptop is
  // asked for the key too (which the engineer holds); under a laptop its client certificate proves,
  // it is not.
  it("fires on a new network under the usual laptop known by its user agent only (a copied agent), and says the device is known only so; not under a certificate's", async () => {
    const w = keyEngineer();
    const at = DAY3 + 2 * H;
    const first = w.check(kubeGet(VPS, MAC), levelToken('eng', 1, at - 40_000), at);
    expect(codes(first.out)).toContain('assurance_downgrade');
    const { v, out } = w.check(kubeGet(VPS, MAC), levelToken('eng', 1, at + 20_000), at + 25_000);
    expect(v.reason).toBe('acr_insufficient');
    expect(out.ok && out.requirement.level).toBe(2);
    expect(out.ok && out.risk.context?.summary).toMatch(/^a sign-in weaker than your usual \(aal3: hardware key\) from a new network since \d\d:\d\d:\d\dZ$/);
    expect(out.ok && out.risk.contributions.find((c) => c.code === 'assurance_downgrade')?.detail).toContain('a device known only by its user agent');
    // Bound after the network's first sighting (the device has none).
    expect(out.ok && out.requirement.authAfter).toBe(Math.ceil(at / 1000));

    const cert = { sourcePrincipal: 'spiffe://corp.example/laptop/eng-mac' };
    const c = riskWorld(config);
    for (const day of [0, 24 * H]) expect(c.check({ ...kubeGet(HOME, MAC), ...cert }, levelToken('eng', 2, T + day - 40_000), T + day).v.allow).toBe(true);
    const tether = c.check({ ...kubeGet('2.148.33.61', MAC), ...cert }, levelToken('eng', 1, at - 40_000), at);
    expect(codes(tether.out)).not.toContain('assurance_downgrade');
    expect(tether.out.ok && tether.out.requirement.level).toBe(1);
  });

  // redteam51: a browser's device cookie travels with the session an infostealer takes (and the
  // exact user agent with it), so on a network never proven it is no more proof of the device than
  // the user agent is: the helpdesk-reset caller holding the engineer's copied cookies is asked the
  // engineer's key, as with a copied agent. On the engineer's own network it still proves the browser.
  it('fires on a new network under the usual browser known by its device cookie (a copied cookie), as under a copied agent; not on a known network', async () => {
    const cookies = new DeviceCookies(parseKeyList(`k1:${Buffer.alloc(32, 5).toString('base64url')}`, 'K'), undefined);
    const w = riskWorld(config, cookies);
    const CHROME = 'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36';
    const browser = (ip: string) => {
      const r = kubeGet(ip, CHROME);
      (r.headers as Map<string, string>).set('cookie', `stepgate_device=${cookies.issue(key('eng')).value}`);
      return r;
    };
    // One cookie, the browser's: issued once, sent on every request.
    const mine = browser(HOME);
    const sent = (ip: string) => ({ ...mine, headers: new Map([...(mine.headers as Map<string, string>)].map(([k, v]) => [k, k === 'x-forwarded-for' ? ip : v])) });
    for (const day of [0, 24 * H]) {
      const login = levelToken('eng', 2, T + day - 40_000);
      expect(w.check(sent(HOME), login, T + day).v.allow).toBe(true);
      expect(w.check(sent(HOME), login, T + day + H).v.allow).toBe(true);
    }
    const at = DAY3 + 2 * H;
    const first = w.check(sent(VPS), levelToken('eng', 1, at - 40_000), at);
    expect(first.out.ok && first.out.risk.contributions.some((c) => c.code === 'new_device')).toBe(false);
    expect(codes(first.out)).toContain('assurance_downgrade');
    const { v, out } = w.check(sent(VPS), levelToken('eng', 1, at + 20_000), at + 25_000);
    expect(v.reason).toBe('acr_insufficient');
    expect(out.ok && out.requirement.level).toBe(2);
    // The engineer's own browser at home with a code: the network is known, nothing is raised.
    const usual = w.check(sent(HOME), levelToken('eng', 1, at + H - 40_000), at + H);
    expect(codes(usual.out)).not.toContain('assurance_downgrade');
  });

  it('does not fire for an identity that never proved a higher level (the SMS-only contractor)', async () => {
    const w = keyEngineer(config, 'contractor', 1);
    const { out } = w.check(kubeGet(VPS, LINUX), levelToken('contractor', 1, DAY3 - 60_000), DAY3);
    expect(codes(out)).not.toContain('assurance_downgrade');
    expect(out.ok && out.requirement.level).toBe(1);
  });

  it("an attacker's weaker sign-ins never lower the level, and a refused request teaches nothing", async () => {
    const w = keyEngineer();
    // The attacker's code sign-ins are allowed on the engineer's own network (a non-sensitive read): they prove aal2, never below aal3.
    for (let i = 0; i < 5; i++) expect(w.check(kubeGet(HOME, MAC, '/api/v1/namespaces/team-a/pods'), levelToken('eng', 1, DAY3 + i * H - 40_000), DAY3 + i * H).v.allow).toBe(true);
    expect(await strongestProven(w.store, key('eng'), DAY3 + 6 * H)).toBe(2);
    // An identity that only ever proved aal2: a refused aal3 request (a key sign-in the policy refuses outright) records nothing.
    const c = keyEngineer(config, 'c', 1);
    const deny = { ...SECRETS, deny: true, level: 2 };
    expect(c.check(kubeGet(HOME, MAC), levelToken('c', 2, DAY3 - 40_000), DAY3, deny).v.allow).toBe(false);
    expect(await strongestProven(c.store, key('c'), DAY3 + 1000)).toBe(1);
  });

  it('the level is forgotten after the known TTL without a proof of it', async () => {
    const cfg = parseConfig(yaml(true, '  known_ttl_seconds: 86400'), 'ttl.yaml');
    const w = keyEngineer(cfg);
    expect(await strongestProven(w.store, key('eng'), T + 24 * H + 2 * H)).toBe(2);
    expect(await strongestProven(w.store, key('eng'), T + 24 * H + H + 24 * H + 1000)).toBe(-1);
  });

  it("a weaker level proven daily outlives the stronger one's TTL: after the key's proof expires, the code's is what a password alone falls from", async () => {
    // The engine's write memo once held only the highest level it had written: an identity that
    // used its key once and its code every day after never had the code recorded, and a known TTL
    // after the key's last use it had proven nothing at all, so a password-only sign-in from a
    // new network and laptop (the helpdesk caller with the old password) was not asked for two factors.
    const cfg = parseConfig(yaml(true, '  known_ttl_seconds: 86400'), 'ttl.yaml');
    const w = keyEngineer(cfg);
    for (const at of [T + 26 * H, T + 40 * H, T + 47 * H]) expect(w.check(kubeGet(HOME, MAC, '/api/v1/namespaces/team-a/pods'), levelToken('eng', 1, at - 40_000), at).v.allow).toBe(true);
    const at = T + 50 * H;
    expect(await strongestProven(w.store, key('eng'), at)).toBe(1);
    const first = w.check(kubeGet(VPS, LINUX, '/api/v1/namespaces/team-a/pods'), levelToken('eng', 0, at - 60_000), at);
    expect(codes(first.out)).toContain('assurance_downgrade');
    const { v, out } = w.check(kubeGet(VPS, LINUX, '/api/v1/namespaces/team-a/pods'), levelToken('eng', 0, at + 20_000), at + 25_000);
    expect(v.reason).toBe('acr_insufficient');
    expect(out.ok && out.requirement.level).toBe(1);
  });

  it('off, nothing is recorded or asked', async () => {
    const w = keyEngineer(parseConfig(yaml(false), 'off.yaml'));
    expect(await strongestProven(w.store, key('eng'), DAY3)).toBe(-1);
    const { out } = w.check(kubeGet(VPS, LINUX), levelToken('eng', 1, DAY3 - 60_000), DAY3);
    expect(codes(out)).not.toContain('assurance_downgrade');
  });

  it('writes the level once per refresh interval, not per Check', async () => {
    const w = keyEngineer();
    let writes = 0;
    const prove = w.store.proveLevel.bind(w.store);
    w.store.proveLevel = (s, r, at) => {
      writes++;
      prove(s, r, at);
    };
    const k = levelToken('eng', 2, DAY3 - 40_000);
    for (let i = 0; i < 50; i++) expect(w.check(kubeGet(HOME, MAC), k, DAY3 + i * 1000).v.allow).toBe(true);
    expect(writes).toBe(1);
  });

  it('more risk never lowers the requirement: with the signal on, every request asks at least what it asks with it off', async () => {
    const off = parseConfig(yaml(false), 'off.yaml');
    const ips = [HOME, OFFICE, VPS, '2.148.33.61'];
    const uas = [MAC, LINUX];
    fc.assert(
      fc.property(
        fc.array(fc.record({ ip: fc.integer({ min: 0, max: 3 }), ua: fc.integer({ min: 0, max: 1 }), level: fc.integer({ min: 0, max: 2 }), minutes: fc.integer({ min: 1, max: 600 }), fresh: fc.boolean() }), { minLength: 1, maxLength: 12 }),
        (steps) => {
          const a = keyEngineer(config);
          const b = keyEngineer(off);
          let at = DAY3;
          for (const s of steps) {
            at += s.minutes * 60_000;
            const who = levelToken('eng', s.level, s.fresh ? at - 30_000 : DAY3 - 40_000);
            const withIt = a.check(kubeGet(ips[s.ip]!, uas[s.ua]!), who, at);
            const without = b.check(kubeGet(ips[s.ip]!, uas[s.ua]!), who, at);
            if (!withIt.out.ok || !without.out.ok) return false;
            if (!asksAtLeast(withIt.out.requirement, without.out.requirement)) return false;
            if (codes(withIt.out).includes('assurance_downgrade') && withIt.out.requirement.level < 2) return false;
            // A refusal teaches nothing, so once the answers differ the two histories do too.
            if (withIt.v.allow !== without.v.allow) break;
          }
          return true;
        },
      ),
      { numRuns: 60 },
    );
  });
});
