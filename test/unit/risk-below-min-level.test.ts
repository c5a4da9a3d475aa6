import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/load.js';
import { compileAssurance } from '../../src/core/assurance.js';
import { GROUPS_NOT_LISTED, type Identity } from '../../src/core/identity.js';
import { judge } from '../../src/pipeline/evaluate.js';
import type { Requirement } from '../../src/policy/policy.js';
import type { RequestAttributes } from '../../src/request/attributes.js';
import { kubeRequestInfo } from '../../src/request/kube.js';
import type { Contribution } from '../../src/risk/codes.js';
import { RiskEngine, type RiskOutcome } from '../../src/risk/engine.js';
import { storeLimits } from '../../src/pipeline/runtime.js';
import { MemoryStateStore } from '../../src/state/memory.js';
import { TEST_LIMITS } from '../support/state-config.js';

/**
 * `risk.learn.below_min_level` (session 46, day 37's auditors): a member of a listed group whose
 * token is below `learn.min_level` is asked, on a context never proven, for a sign-in at the
 * rule's level (at least the group's) made after the context's first sighting, with no grace;
 * nothing is learned; an identity outside the groups, or a token at `min_level`, is asked exactly
 * what it is asked without the setting.
 */

const yaml = (below: string) => `
issuers: [{ issuer: https://idp.test, audiences: [k] }]
assurance: { levels: [{ name: aal1, acr: [a1] }, { name: aal2, acr: [a2] }] }
policy: { default: { require: aal1 } }
network: { xff_num_trusted_hops: 1 }
risk:
  learn: { min_level: aal2, max_age_seconds: 600${below} }
  bands: [{ name: elevated, min_score: 40, require: aal2 }, { name: critical, min_score: 90, deny: true }]
`;
const on = parseConfig(yaml(', below_min_level: [{ groups: [auditors], level: aal1 }]'), 'below.yaml');
const off = parseConfig(yaml(''), 'off.yaml');
const assurance = compileAssurance(on.assurance.levels);
const T = 1_800_000_000_000;
const FARM = '194.73.120.9';
const EVIL = '192.0.2.66';
const KUBECTL = 'kubectl/v1.32.4 (windows/amd64) kubernetes/abc1234';

const token = (authTime: number, level: 0 | 1, groups: readonly string[], sub = 'aud'): Identity =>
  Object.freeze({
    subject: sub, issuer: 'https://idp.test', groups, acr: level ? 'a2' : 'a1', amr: [], authTime,
    expiresAt: Infinity, level, levelName: level ? 'aal2' : 'aal1', session: `sid-${authTime}`, upstreamHeaders: [],
  });
const BASE: Requirement = Object.freeze({ deny: false, denyMessage: undefined, level: 0, maxAge: 43_200, rules: ['default'], sensitivity: 0 });
const SECRETS: Requirement = Object.freeze({ deny: false, denyMessage: undefined, level: 1, maxAge: 28_800, rules: ['secrets'], sensitivity: 30 });

function req(ip: string, path = '/api/v1/namespaces/ledger/pods', ua = KUBECTL): RequestAttributes {
  const kube = kubeRequestInfo('GET', path, '', () => undefined);
  return {
    method: 'GET', target: path, path, query: '', host: 'kube', authority: 'kube', scheme: 'https',
    headers: new Map([['x-forwarded-for', ip], ['user-agent', ua]]),
    spoofedIdentityHeaders: [], sourceAddress: '10.0.0.5', clientResolved: false, sourcePrincipal: '',
    contextExtensions: {}, kube, body: undefined, bodyTruncated: false,
  } as RequestAttributes;
}

/** One Check as the pipeline does it: assess, judge, learn on an allow, count a denial. */
function world(config = on) {
  const store = new MemoryStateStore({ ...TEST_LIMITS, behaviour: storeLimits(config)!.behaviour }, { maxSubjects: 100 });
  const engine = new RiskEngine({ risk: config.risk!, network: config.network, onStateError: 'fail_closed', assurance, store, fallback: store });
  const check = (r: RequestAttributes, who: Identity, atMs: number, need = BASE, extra?: readonly Contribution[]) => {
    const out = engine.assess(r, who, need, atMs, extra) as RiskOutcome;
    if (!out.ok) throw new Error(out.detail);
    const v = judge(out.requirement, who, atMs, r, false, { assurance }, out.risk);
    if (v.allow && out.learn) engine.learned(out.learn, atMs);
    if (!v.allow) engine.recordDenial(who, atMs, r);
    return { v, out };
  };
  return { store, engine, check };
}

const AUDITORS = ['auditors'];

describe('risk.learn.below_min_level', () => {
  it("asks an auditor's aal1 token on a new network for an aal1 sign-in after its first sighting, then allows it; nothing is learned", () => {
    const w = world();
    // Signed in 40 s before the first request: a newcomer's grace would cover it; a member gets none.
    const early = w.check(req(FARM), token(T / 1000 - 40, 0, AUDITORS), T);
    expect(early.v.allow).toBe(false);
    expect(early.v.reason).toBe('auth_too_old');
    expect(early.out.requirement.level).toBe(0);
    expect(early.out.requirement.authAfter! * 1000).toBeGreaterThanOrEqual(T);
    expect(early.out.risk.context?.code).toBe('new_network');
    const fresh = token(T / 1000 + 30, 0, AUDITORS);
    for (let i = 1; i <= 5; i++) {
      const r = w.check(req(FARM), fresh, T + 30_000 + i * 600_000);
      expect(r.v.allow, `${i} ${r.v.reason} ${JSON.stringify(r.out.requirement)} ${r.out.risk.context?.reason}`).toBe(true);
      // Still a context-bound request (nothing learned), met by the sign-in after the sighting.
      expect(r.out.requirement.authAfter! * 1000).toBeGreaterThanOrEqual(T);
      expect(r.out.learn?.prefix ?? '').toBe('');
    }
    // The afternoon's sign-in, made before its first request, is after the farm's first sighting.
    const next = w.check(req(FARM), token(T / 1000 + 3_300, 0, AUDITORS), T + 3_340_000);
    expect(next.v.allow, next.v.reason).toBe(true);
  });

  it('without the setting the same request asks aal2, and says an account that cannot sign in at aal2 cannot prove the network', () => {
    const w = world(off);
    const r = w.check(req(FARM), token(T / 1000 + 30, 0, AUDITORS), T + 60_000);
    expect(r.v.reason).toBe('acr_insufficient');
    expect(r.out.requirement.level).toBe(1);
    expect(r.out.risk.context?.action).toContain('an account that cannot sign in at aal2 cannot prove one');
  });

  // groups49: a lowered requirement reads the group exactly, as a loosening rule does (policy.ts
  // compileGroupMatch): neither another case nor groups the token does not list lower it.
  it.each<[string, readonly string[]]>([
    ['the group in capitals', ['Auditors']],
    ['groups not listed (overage)', GROUPS_NOT_LISTED],
  ])('%s: asked aal2, as without the setting', (_what, groups) => {
    const r = world().check(req(FARM), token(T / 1000 + 30, 0, groups), T + 60_000);
    expect(r.v.reason).toBe('acr_insufficient');
    expect(r.out.requirement.level).toBe(1);
  });

  it("property: a member's context-bound requirement is never met by an auth_time before the context's first sighting", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 3_000 }),
        fc.integer({ min: 1, max: 86_400 }),
        fc.integer({ min: 0, max: 1_400 }),
        fc.constantFrom(EVIL, '198.51.100.20', '2001:db8:9::1'),
        fc.constantFrom(KUBECTL, 'curl/8.5.0', 'python-requests/2.32.3'),
        fc.boolean(),
        (appear, before, tryFor, ip, ua, secrets) => {
          const w = world();
          // The auditor's own routine on the farm first.
          const own = token(T / 1000 + 30, 0, AUDITORS);
          w.check(req(FARM), token(T / 1000 - 40, 0, AUDITORS), T);
          w.check(req(FARM), own, T + 60_000);
          const firstSighting = T + 120_000 + appear * 1000;
          const stolen = token(Math.floor(firstSighting / 1000) - before, 0, AUDITORS);
          const need = secrets ? SECRETS : BASE;
          const a = w.check(req(ip, '/api/v1/namespaces/ledger/pods', ua), stolen, firstSighting, need);
          const b = w.check(req(ip, '/api/v1/namespaces/ledger/pods', ua), stolen, firstSighting + tryFor * 1000, need);
          return !a.v.allow && !b.v.allow && a.out.requirement.authAfter! * 1000 >= firstSighting;
        },
      ),
      { numRuns: 150 },
    );
  });

  it("property: a member's aal1 sign-in never meets a rule at learn.min_level, whenever it was made and wherever it is used", () => {
    fc.assert(
      fc.property(fc.integer({ min: -86_400, max: 86_400 }), fc.constantFrom(FARM, EVIL), fc.integer({ min: 1, max: 6 }), (signedAt, ip, n) => {
        const w = world();
        for (let i = 0; i < n; i++) {
          const r = w.check(req(ip), token(T / 1000 + signedAt, 0, AUDITORS), T + i * 60_000, SECRETS);
          if (r.v.allow || r.out.requirement.level < 1) return false;
        }
        return true;
      }),
      { numRuns: 150 },
    );
  });

  it('property: an identity outside the groups, or a token at learn.min_level, is asked exactly what it is asked without the setting', () => {
    const who = fc.record({
      level: fc.constantFrom<0 | 1>(0, 1),
      groups: fc.constantFrom<readonly string[]>([], ['engineers'], AUDITORS, ['engineers', 'auditors']),
    });
    const step = fc.record({ ip: fc.constantFrom(FARM, EVIL, '198.51.100.20'), signed: fc.integer({ min: -7_200, max: 7_200 }), secrets: fc.boolean(), gap: fc.integer({ min: 1, max: 3_600 }) });
    fc.assert(
      fc.property(who, fc.array(step, { minLength: 1, maxLength: 8 }), (id, steps) => {
        if (id.level === 0 && id.groups.includes('auditors')) return true;
        const a = world(on);
        const b = world(off);
        let at = T;
        for (const s of steps) {
          at += s.gap * 1000;
          const t = token(Math.floor(at / 1000) + s.signed, id.level, id.groups);
          const need = s.secrets ? SECRETS : BASE;
          const x = a.check(req(s.ip), t, at, need);
          const y = b.check(req(s.ip), t, at, need);
          const pick = (r: Requirement) => [r.deny, r.level, r.maxAge, r.authAfter];
          if (JSON.stringify(pick(x.out.requirement)) !== JSON.stringify(pick(y.out.requirement)) || x.v.allow !== y.v.allow) return false;
        }
        return true;
      }),
      { numRuns: 150 },
    );
  });

  it("property: more risk never lowers a member's requirement (behaviour still reaches the bands)", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 100 }), fc.integer({ min: 0, max: 100 }), fc.constantFrom(FARM, EVIL), fc.boolean(), fc.integer({ min: -600, max: 600 }), (a, b, ip, secrets, signed) => {
        const [lo, hi] = a <= b ? [a, b] : [b, a];
        const need = secrets ? SECRETS : BASE;
        const t = token(T / 1000 + signed, 0, AUDITORS);
        const extra = (w: number): Contribution[] => (w === 0 ? [] : [{ code: 'request_rate', weight: w, detail: 'test' }]);
        const weak = world().check(req(ip), t, T, need, extra(lo)).out.requirement;
        const strong = world().check(req(ip), t, T, need, extra(hi)).out.requirement;
        if (!strong.deny && weak.deny) return false;
        if (strong.deny) return true;
        return (
          strong.level >= weak.level &&
          strong.level >= need.level &&
          (weak.maxAge === undefined || (strong.maxAge !== undefined && strong.maxAge <= weak.maxAge)) &&
          (strong.authAfter ?? 0) >= (weak.authAfter ?? 0)
        );
      }),
      { numRuns: 150 },
    );
  });

  it('refuses a level at or above learn.min_level, and an unknown one, at startup naming the field', () => {
    expect(() => parseConfig(yaml(', below_min_level: [{ groups: [auditors], level: aal2 }]'), 'x.yaml')).toThrow(/risk\.learn\.below_min_level\[0\]\.level.*not below risk\.learn\.min_level/s);
    expect(() => parseConfig(yaml(', below_min_level: [{ groups: [auditors], level: aal9 }]'), 'x.yaml')).toThrow(/below_min_level\[0\]\.level.*unknown level "aal9"/s);
    expect(() => parseConfig(yaml(', below_min_level: [{ groups: [], level: aal1 }]'), 'x.yaml')).toThrow(/below_min_level\[0\]\.groups/);
  });
});
