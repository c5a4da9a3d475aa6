import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/load.js';
import { compileAssurance } from '../../src/core/assurance.js';
import type { Identity } from '../../src/core/identity.js';
import type { Requirement } from '../../src/policy/policy.js';
import { clientAddress } from '../../src/request/client-ip.js';
import { RiskBands } from '../../src/risk/bands.js';
import { anyContribution, contributionsWhere, RISK_CODES, type Contribution } from '../../src/risk/codes.js';
import { bindToContext } from '../../src/risk/context-bound.js';
import { scoreRisk } from '../../src/risk/score.js';
import type { SignalContext } from '../../src/risk/signals/context.js';
import type { SubjectHistory, WorkHistory } from '../../src/state/store.js';

const config = parseConfig(
  `
issuers: [{ issuer: https://idp.test, audiences: [k] }]
assurance:
  levels:
    - { name: aal1, acr: [a1] }
    - { name: aal2, acr: [a2] }
    - { name: aal3, acr: [a3] }
policy: { default: { require: aal1 } }
risk:
  learn: { min_level: aal2 }
  bands:
    - { name: elevated, min_score: 30, require: aal2, max_age: 900 }
    - { name: high, min_score: 50, max_age: 300 }
    - { name: critical, min_score: 90, deny: true }
`,
  'test.yaml',
);
const risk = config.risk!;
const assurance = compileAssurance(config.assurance.levels);

const known: SubjectHistory = {
  firstSeen: false, ipKnown: true, prefixKnown: true, deviceKnown: true, knownDevices: 1,
  previousUaFamily: 'kubectl', sessionClients: 'kubectl@linux', requests: 1, sensitive: 0, denials: 0, namespaces: 1,
  clientKnown: true, knownClients: 1, prefixSince: 0, deviceSince: 0, clientSince: 0, sessionOrigin: '203.0.113.0/24',
  sessionStart: 0, objects: 0, destructive: 0, behaviourSince: 0,
};
const nowMs = 1_800_000_000_000;
const who: Identity = Object.freeze({
  subject: 'alice', issuer: 'https://idp.test', groups: [], acr: 'a1', amr: [], authTime: nowMs / 1000 - 60,
  expiresAt: Infinity, level: 0, levelName: 'aal1', session: 'sid:1', upstreamHeaders: [],
});
const ctx = (over: Partial<SignalContext> = {}): SignalContext => ({
  history: known,
  address: clientAddress('203.0.113.7', undefined, { trustedHops: 0, ipv4Prefix: 24, ipv6Prefix: 64 }),
  trustedNetwork: false,
  device: { id: 'fp:x', strength: 'fingerprint', uaFamily: 'kubectl', platform: 'linux' },
  client: 'interactive',
  identity: who,
  sensitivity: 0,
  nowMs,
  degraded: false,
  ...over,
});
const codes = (c: SignalContext) => scoreRisk(c, risk.signals).contributions.map((x) => x.code);

describe('signals', () => {
  it('the same engineer on the same laptop scores 0', () => {
    expect(scoreRisk(ctx(), risk.signals)).toEqual({ score: 0, contributions: [] });
  });

  it.each<[string, Partial<SignalContext>, string[]]>([
    ['a sensitive path', { sensitivity: 30 }, ['path_sensitive']],
    ['a new address in a known network', { history: { ...known, ipKnown: false } }, ['new_ip']],
    ['a network never seen', { history: { ...known, ipKnown: false, prefixKnown: false } }, ['new_network']],
    ['a trusted network, new address', { trustedNetwork: true, history: { ...known, ipKnown: false, prefixKnown: false } }, ['trusted_network']],
    ['a new device', { history: { ...known, deviceKnown: false } }, ['new_device']],
    ['a kind of client never proven', { client: 'curl', history: { ...known, clientKnown: false } }, ['ua_family_change']],
    ['kubectl ↔ browser within one login is no signal', { history: { ...known, previousUaFamily: 'chrome' } }, []],
    ['a new subject is no client change', { client: 'curl', history: { ...known, firstSeen: true, clientKnown: false, knownClients: 0 } }, ['first_seen']],
    ['nor is automation that never proved a client', { client: 'go', history: { ...known, clientKnown: false, knownClients: 0 } }, []],
    ['many distinct sensitive objects', { history: { ...known, objects: 9 } }, ['sensitive_objects']],
    ['a burst of deletes', { history: { ...known, destructive: 13 } }, ['destructive_burst']],
    ['a first sighting', { history: { ...known, firstSeen: true } }, ['first_seen']],
    ['a request burst', { history: { ...known, requests: 301 } }, ['request_rate']],
    ['a sensitive burst', { history: { ...known, sensitive: 31 } }, ['sensitive_rate']],
    ['repeated denials', { history: { ...known, denials: 10 } }, ['denial_rate']],
    ['many namespaces', { history: { ...known, namespaces: 9 } }, ['namespace_spread']],
    ['an old authentication', { identity: { ...who, authTime: nowMs / 1000 - 30_000 } }, ['token_age']],
    ['an unknown auth_time', { identity: { ...who, authTime: undefined } }, ['token_age']],
    ['a degraded store', { degraded: true }, ['state_degraded']],
  ])('%s', (_name, over, want) => {
    expect(codes(ctx(over))).toEqual(want);
  });

  it('weighs a certificate device more than a fingerprint', () => {
    const h = { ...known, deviceKnown: false };
    const cert = scoreRisk(ctx({ history: h, device: { id: 'cert:x', strength: 'certificate', uaFamily: 'kubectl', platform: 'linux' } }), risk.signals);
    const fp = scoreRisk(ctx({ history: h }), risk.signals);
    expect(cert.score).toBe(risk.signals.new_device);
    expect(fp.score).toBe(risk.signals.new_device_fingerprint);
  });

  it('clamps to 0–100 and keeps every reason', () => {
    const worst = ctx({
      sensitivity: 100,
      history: { ...known, firstSeen: true, ipKnown: false, prefixKnown: false, deviceKnown: false, requests: 999, sensitive: 999, denials: 99, namespaces: 99 },
    });
    const s = scoreRisk(worst, risk.signals);
    expect(s.score).toBe(100);
    expect(s.contributions.length).toBeGreaterThan(6);
    expect(scoreRisk(ctx({ trustedNetwork: true }), risk.signals).score).toBe(0);
  });
});

describe('bands', () => {
  const bands = new RiskBands(risk.bands, assurance);
  const base: Requirement = Object.freeze({ deny: false, denyMessage: undefined, level: 0, maxAge: 43200, rules: ['default'], sensitivity: 0 });

  it('applies every band reached, strictest wins', () => {
    expect(bands.apply(base, bands.reached(10))).toBe(base);
    const elevated = bands.apply(base, bands.reached(30));
    expect([elevated.level, elevated.maxAge, elevated.rules]).toEqual([1, 900, ['default', 'risk:elevated']]);
    // "high" only shortens max_age; the level from "elevated" still applies.
    const high = bands.apply(base, bands.reached(55));
    expect([high.level, high.maxAge, high.deny]).toEqual([1, 300, false]);
    expect(bands.apply(base, bands.reached(95)).deny).toBe(true);
    expect(bands.denies(bands.reached(95))).toBe(true);
  });

  // A refusing band answered by a sign-in (engine.ts, answerable): its refusal goes, what the
  // rules ask at it (`by_band`) stays, and a rule's own refusal there stays a refusal.
  it('answered: the refusing band without its refusal, its by_band entries kept', () => {
    const k = bands.reached(95);
    const plain = bands.answered(base, k, false)!;
    expect([plain.requirement.deny, plain.requirement.level, plain.requirement.maxAge]).toEqual([false, 1, 300]);
    expect(bands.name(plain.band)).toBe('high');
    expect(plain.requirement.rules).toEqual(['default', 'risk:high']);
    const critical = bands.name(k)!;
    const stricter: Requirement = { ...base, byBand: { [critical]: { deny: false, denyMessage: undefined, level: 2, maxAge: 60 } } };
    expect([bands.answered(stricter, k, false)!.requirement.level, bands.answered(stricter, k, false)!.requirement.maxAge]).toEqual([2, 60]);
    const refusing: Requirement = { ...base, byBand: { high: { deny: true, denyMessage: 'no', level: -1, maxAge: undefined } } };
    expect(bands.answered(refusing, k, false)).toBeUndefined();
  });

  it('returns the same object for the same base and band (no allocation per request)', () => {
    expect(bands.apply(base, 1)).toBe(bands.apply(base, 1));
  });

  const requirement = fc.record({
    deny: fc.boolean(),
    level: fc.integer({ min: -1, max: 2 }),
    maxAge: fc.option(fc.integer({ min: 1, max: 100_000 }), { nil: undefined }),
  });

  it('more risk never lowers the requirement (property)', () => {
    fc.assert(
      fc.property(requirement, fc.integer({ min: 0, max: 100 }), fc.integer({ min: 0, max: 100 }), (r, a, b) => {
        const [lo, hi] = a <= b ? [a, b] : [b, a];
        const baseReq: Requirement = { ...r, denyMessage: undefined, rules: ['x'], sensitivity: 0 };
        const weak = bands.apply(baseReq, bands.reached(lo));
        const strong = bands.apply(baseReq, bands.reached(hi));
        expect(strong.deny || !weak.deny).toBe(true);
        expect(strong.level).toBeGreaterThanOrEqual(weak.level);
        if (weak.maxAge !== undefined) expect(strong.maxAge).toBeLessThanOrEqual(weak.maxAge);
        // And never weaker than the policy alone.
        expect(strong.level).toBeGreaterThanOrEqual(baseReq.level);
        expect(strong.deny || !baseReq.deny).toBe(true);
      }),
    );
  });

  const effect = fc.record({
    deny: fc.boolean(),
    denyMessage: fc.constant(undefined),
    level: fc.integer({ min: -1, max: 2 }),
    maxAge: fc.option(fc.integer({ min: 1, max: 100_000 }), { nil: undefined }),
  });
  const byBand = fc.record({ elevated: effect, high: effect, critical: effect }, { requiredKeys: [] });

  it('more risk never lowers the requirement, with rules stating freshness per band (property)', () => {
    fc.assert(
      fc.property(requirement, byBand, fc.integer({ min: 0, max: 100 }), fc.integer({ min: 0, max: 100 }), fc.integer({ min: 0, max: 86_400 }), (r, bb, a, b, since) => {
        const [lo, hi] = a <= b ? [a, b] : [b, a];
        const baseReq: Requirement = { ...r, denyMessage: undefined, rules: [`x${JSON.stringify(bb)}`], sensitivity: 0, byBand: bb };
        const weak = bands.apply(baseReq, bands.reached(lo));
        let strong = bands.apply(baseReq, bands.reached(hi));
        // A context bound on top can only tighten further.
        if (since > 0) strong = bindToContext(strong, { authAfter: nowMs / 1000 - since, code: 'new_network', reason: 'r', summary: 's' }, nowMs, 1);
        expect(strong.deny || !weak.deny).toBe(true);
        expect(strong.level).toBeGreaterThanOrEqual(weak.level);
        if (weak.maxAge !== undefined) expect(strong.maxAge).toBeLessThanOrEqual(weak.maxAge);
        expect(strong.level).toBeGreaterThanOrEqual(baseReq.level);
        expect(strong.deny || !baseReq.deny).toBe(true);
        if (baseReq.maxAge !== undefined) expect(strong.maxAge).toBeLessThanOrEqual(baseReq.maxAge);
        // What a rule asks at a band it reached always holds.
        const k = bands.reached(hi);
        for (const [name, e] of Object.entries(bb)) {
          if (['elevated', 'high', 'critical'].indexOf(name) > k) continue;
          expect(strong.deny || !e.deny).toBe(true);
          expect(strong.level).toBeGreaterThanOrEqual(e.level);
          if (e.maxAge !== undefined) expect(strong.maxAge).toBeLessThanOrEqual(e.maxAge);
        }
      }),
    );
  });

  it('a higher-weight signal never lowers the score (property)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 300 }), fc.integer({ min: 0, max: 300 }), fc.boolean(), (x, y, sens) => {
        const [lo, hi] = x <= y ? [x, y] : [y, x];
        const c = (n: number) => ctx({ sensitivity: sens ? 20 : 0, history: { ...known, requests: n, sensitive: n, namespaces: n, denials: n } });
        expect(scoreRisk(c(hi), risk.signals).score).toBeGreaterThanOrEqual(scoreRisk(c(lo), risk.signals).score);
      }),
    );
  });
});

describe('risk configuration', () => {
  const base = (risk: string) => `
issuers: [{ issuer: https://idp.test, audiences: [k] }]
assurance: { levels: [{ name: aal1, acr: [a1] }, { name: aal2, acr: [a2] }] }
policy: { default: { require: aal1 } }
risk:
${risk}`;
  it.each([
    ['an unknown learn level', '  learn: { min_level: aal9 }', 'risk.learn.min_level'],
    ['bands out of order', '  learn: { min_level: aal2 }\n  bands: [{ name: a, min_score: 50, require: aal2 }, { name: b, min_score: 40, require: aal2 }]', 'risk.bands[1].min_score'],
    ['a band that denies and requires', '  learn: { min_level: aal2 }\n  bands: [{ name: a, min_score: 50, require: aal2, deny: true }]', 'risk.bands[0].deny'],
    ['a bad CIDR', '  learn: { min_level: aal2 }\n  trusted_networks: [10.0.0.0/33]', 'risk.trusted_networks[0]'],
    ['a misspelt signal', '  learn: { min_level: aal2 }\n  signals: { new_adress: 5 }', 'risk.signals'],
  ])('refuses %s, naming the field', (_n, text, field) => {
    expect(() => parseConfig(base(text), 'risk.yaml')).toThrow(new RegExp(`risk\\.yaml:\\d+:\\d+: ${field.replace(/[[\].]/g, '\\$&')}`));
  });
});

describe('scoreRisk reuses one scratch list (enginecost)', () => {
  it('carries nothing of one Check into the next, and its results stay as they were', () => {
    const busy = ctx({ history: { ...known, firstSeen: true, ipKnown: false, prefixKnown: false, deviceKnown: false }, sensitivity: 20 });
    const first = scoreRisk(busy, risk.signals, [{ code: 'guardrail', weight: 5, detail: 'guardrails x' }]);
    const firstCodes = first.contributions.map((c) => c.code);
    expect(firstCodes).toEqual(['path_sensitive', 'new_network', 'new_device', 'first_seen', 'guardrail']);
    expect(scoreRisk(ctx(), risk.signals)).toEqual({ score: 0, contributions: [] });
    const sensitive = scoreRisk(ctx({ sensitivity: 20 }), risk.signals);
    expect(sensitive).toEqual({ score: 20, contributions: [{ code: 'path_sensitive', weight: 20, detail: 'matching rules weigh 20' }] });
    // The earlier result is its own array, untouched by the Checks scored after it.
    expect(first.contributions.map((c) => c.code)).toEqual(firstCodes);
    expect(first.score).toBe(scoreRisk(busy, risk.signals, [{ code: 'guardrail', weight: 5, detail: 'guardrails x' }]).score);
    // The shared answers (nothing fired; the path's sensitivity alone) cannot be changed by a caller.
    expect(scoreRisk(ctx({ sensitivity: 20 }), risk.signals).contributions).toBe(sensitive.contributions);
    expect(Object.isFrozen(sensitive.contributions)).toBe(true);
    expect(Object.isFrozen(scoreRisk(ctx(), risk.signals).contributions)).toBe(true);
  });

  it('calls every signal, in the order their contributions are listed (engine42: called by name, not from a list)', () => {
    // One context on which each of the eight signals fires: a signal left out of scoreRisk, or two
    // called in another order, changes this list (the order reasons, details and audit records show).
    const work: WorkHistory = {
      namespaceKnown: false, namespaceSince: nowMs - 1000, workingSet: 3, pace: 0, paceSince: 0, siteKnown: false, lastSite: 'dublin',
      lastSiteAt: nowMs - 600_000, siteSince: nowMs, nearbyKnown: false, nearbyProvenAt: 0, entered: 0, familiar: 0, familyKnown: false, clusterKnown: true,
      kindSince: 0, historySince: nowMs - 86_400_000,
    };
    const all = ctx({
      sensitivity: 20,
      history: { ...known, firstSeen: true, ipKnown: false, prefixKnown: false, deviceKnown: false },
      identity: { ...who, authTime: nowMs / 1000 - 90_000 },
      travel: { from: 'dublin', to: 'sydney', km: 17_000, minutes: 10, kmh: 102_000 },
      work,
      action: { sensitive: true, destructive: false, namespace: 'payments', clusterSecretList: false, what: 'get secrets', cluster: '', kind: '' },
      strongest: { rank: 2, name: 'aal3', description: '' },
    });
    const fired = scoreRisk(all, { ...risk.signals, assurance_downgrade: true }).contributions.map((c) => c.code);
    expect(fired).toEqual(['path_sensitive', 'new_network', 'impossible_travel', 'new_device', 'first_seen', 'unfamiliar_namespace', 'token_age', 'assurance_downgrade']);
  });

  it('a signal that throws leaves the scratch list empty for the next Check', () => {
    const throwing = { ...ctx({ sensitivity: 30 }), get history(): SubjectHistory {
      throw new Error('boom');
    } } as SignalContext;
    expect(() => scoreRisk(throwing, risk.signals)).toThrow('boom');
    expect(scoreRisk(ctx(), risk.signals).contributions).toEqual([]);
  });
});

describe('contributions read by a loop (perf48)', () => {
  const contribution = fc.record({ code: fc.constantFrom(...RISK_CODES), weight: fc.integer({ min: -20, max: 60 }), detail: fc.string({ maxLength: 4 }) });
  it('anyContribution and contributionsWhere answer as some and filter, on frozen lists and plain ones', () => {
    fc.assert(
      fc.property(fc.array(contribution, { maxLength: 6 }), fc.constantFrom(...RISK_CODES), fc.boolean(), (list, code, freeze) => {
        const l: readonly Contribution[] = freeze ? Object.freeze(list.map((c) => Object.freeze(c))) : list;
        const test = (c: Contribution) => c.code === code && c.weight > 0;
        expect(anyContribution(l, test)).toBe(l.some(test));
        expect(contributionsWhere(l, test)).toEqual(l.filter(test));
      }),
    );
  });

  it('shares a one-entry list only for a frozen contribution', () => {
    const mine: Contribution = { code: 'guardrail', weight: 5, detail: 'guardrails x' };
    const a = scoreRisk(ctx(), risk.signals, [mine]).contributions;
    const b = scoreRisk(ctx(), risk.signals, [mine]).contributions;
    expect(a).toEqual([mine]);
    expect(a).not.toBe(b);
    const shared = Object.freeze({ ...mine });
    const c = scoreRisk(ctx(), risk.signals, [shared]).contributions;
    expect(scoreRisk(ctx(), risk.signals, [shared]).contributions).toBe(c);
    expect(Object.isFrozen(c)).toBe(true);
  });
});
