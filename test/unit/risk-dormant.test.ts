import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/load.js';
import { compileAssurance } from '../../src/core/assurance.js';
import type { Identity } from '../../src/core/identity.js';
import type { Requirement } from '../../src/policy/policy.js';
import { RiskEngine } from '../../src/risk/engine.js';
import { MemoryStateStore } from '../../src/state/memory.js';
import type { StoreLimits } from '../../src/state/store.js';
import { from, outcomeOf, S, T } from '../support/newcomer-refusal.js';
import { TEST_LIMITS } from '../support/state-config.js';

/**
 * risk.dormant (docs/risk.md "Session 50: a dormant account"): day 46's abandoned maintainer
 * account, taken over through its e-mail (both factors reset) and signed in afresh from a VPS, was a
 * newcomer whose fresh sign-in answered the mirror's image write. With the lever, a subject whose
 * last proof is older than `after_seconds` (or, `unproven: dormant`, that has none) is refused at
 * its first sensitive request, learns nothing until an administrator's revocation lets it back,
 * and the once-a-month maintainer is not touched.
 */

const DAY = 86_400_000;
const LIMITS: StoreLimits = { ...TEST_LIMITS, knownTtlSeconds: 7 * 86_400, provenTtlSeconds: 180 * 86_400 };
const INCIDENT = `
stepup: { oidc: { issuer: https://idp.test, client_id: c, client_secret_env: S, redirect_uri: https://gw.test/.stepgate/callback }, session: { keys_env: K } }
incident: { admin: { issuers: [https://idp.test], groups: [sre] } }`;

const config = (dormant: string | undefined, extra = INCIDENT) =>
  parseConfig(
    `
issuers: [{ issuer: https://idp.test, audiences: [k] }]
assurance: { levels: [{ name: aal1, acr: [a1] }, { name: aal2, acr: [a2] }, { name: aal3, acr: [a3] }] }
policy: { default: { require: aal1 } }
network: { xff_num_trusted_hops: 1 }
risk:
  learn: { min_level: aal2, newcomer_grace_seconds: 600 }
  known_ttl_seconds: 604800
${dormant === undefined ? '' : `  dormant: ${dormant}\n`}${extra}`,
    'engine.yaml',
  );

/** null: the lever off. */
function engine(dormant: string | null = '{ after_seconds: 7776000 }'): RiskEngine {
  const c = config(dormant ?? undefined);
  return new RiskEngine({
    risk: c.risk!, network: c.network, onStateError: 'fail_closed', assurance: compileAssurance(c.assurance.levels),
    store: new MemoryStateStore(LIMITS, { maxSubjects: 10 }), fallback: new MemoryStateStore(LIMITS, { maxSubjects: 10 }),
  });
}

/** A write some rule asks two factors within the hour of (sensitive), and an everyday read. */
const WRITE: Requirement = Object.freeze({ deny: false, denyMessage: undefined, level: 1, maxAge: 3600, rules: ['mirror-writes'], sensitivity: 30 });
const READ: Requirement = Object.freeze({ deny: false, denyMessage: undefined, level: 0, maxAge: 43_200, rules: ['default'], sensitivity: 0 });

const who = (authMs: number, subject = 'old-1', level = 1, automation = false): Identity =>
  Object.freeze({ subject, issuer: 'https://idp.test', groups: [], acr: `a${level + 1}`, amr: [], authTime: automation ? undefined : Math.floor(authMs / 1000), expiresAt: Infinity, level, levelName: `aal${level + 1}`, session: automation ? '' : `sid:${authMs}`, upstreamHeaders: [], ...(automation ? { automation: true } : {}) });

type Ok = Extract<ReturnType<RiskEngine['assess']>, { ok: true }>;
/** One request; learned from when allowed (as evaluate.ts does). */
function step(e: RiskEngine, id: Identity, at: number, base: Requirement, revokedAt = 0) {
  const out = e.assess(from(), id, base, at, undefined, undefined, '', false, false, revokedAt) as Ok;
  const outcome = outcomeOf(out, id, at);
  if (outcome === 'allowed' && out.learn) e.learned(out.learn, at);
  return { outcome, out };
}

/** A sitting `daysAgo` before T: a sign-in, then a write, which proves the context (the mark). */
function workedBefore(e: RiskEngine, daysAgo: number, subject = 'old-1'): void {
  const at = T - daysAgo * DAY;
  expect(step(e, who(at - 40 * S, subject), at, WRITE).outcome).toBe('allowed');
}

describe('risk.dormant: a subject back after a long silence, at its first sensitive request', () => {
  it('a subject last proven 240 days ago is a newcomer without the lever: its fresh sign-in answers the write (day 46)', () => {
    const e = engine(null);
    // Past the mark's 180 days: nothing held, as on day 46.
    workedBefore(e, 240);
    expect(step(e, who(T - 40 * S), T, WRITE).outcome).toBe('allowed');
  });

  it('last proven 100 days ago (past after_seconds, within the mark): refused, naming the way back; allowed without the lever', () => {
    const off = engine(null);
    workedBefore(off, 100);
    const o = step(off, who(T - 40 * S), T, WRITE);
    expect(o.outcome, JSON.stringify(o.out.requirement) + JSON.stringify(o.out.risk)).toBe('allowed');
    const e = engine();
    workedBefore(e, 100);
    const { outcome, out } = step(e, who(T - 40 * S), T, WRITE);
    expect(outcome).toBe('refused');
    expect(out.risk.denies).toBe(true);
    expect(out.requirement.rules).toContain('risk:dormant_account');
    expect(out.risk.context).toMatchObject({ code: 'dormant_account', action: 'refused' });
    expect(out.requirement.denyMessage).toContain('stepgate revoke subject');
    expect(out.requirement.denyMessage).toMatch(/^account idle since \d{4}-\d\d-\d\d: /);
  });

  it('the once-a-month maintainer (last proven 30 days ago, records expired) is not touched', () => {
    const e = engine();
    workedBefore(e, 30, 'mon-1');
    const r = step(e, who(T - 40 * S, 'mon-1'), T, WRITE);
    expect(r.outcome).toBe('allowed');
    expect(r.out.requirement.rules).not.toContain('risk:dormant_account');
    expect(r.out.learn).toBeDefined();
  });

  it('everyday reads pass but teach nothing, so the write after them is still refused (the read does not renew the mark)', () => {
    const e = engine();
    workedBefore(e, 100);
    const login = who(T - 40 * S);
    for (let i = 0; i < 3; i++) {
      const read = step(e, login, T + i * 20 * S, READ);
      expect(read.outcome).toBe('allowed');
      expect(read.out.learn).toBeUndefined();
    }
    expect(step(e, login, T + 80 * S, WRITE).outcome).toBe('refused');
    // A sign-in after the refusal (every factor the IdP offers) does not answer it either.
    expect(step(e, who(T + 90 * S), T + 2 * 60_000, WRITE).outcome).toBe('refused');
  });

  it("the way back: after an administrator's revocation the sign-in made after it passes, learns, and the subject is active again", () => {
    const e = engine();
    workedBefore(e, 100);
    expect(step(e, who(T - 40 * S), T, WRITE).outcome).toBe('refused');
    const revokedAt = T + 10 * 60_000;
    const back = step(e, who(revokedAt + 60 * S), revokedAt + 2 * 60_000, WRITE, revokedAt);
    expect(back.outcome).toBe('allowed');
    expect(back.out.learn).toBeDefined();
    // Its records hold a context now: the next day, revocation lapsed, nothing is asked.
    expect(step(e, who(T + DAY - 40 * S), T + DAY, WRITE).outcome).toBe('allowed');
  });

  it('unproven: dormant refuses a subject with no mark (idle past proven_ttl_seconds or new); the default treats it as a newcomer', () => {
    const e = engine('{ after_seconds: 7776000, unproven: dormant }');
    // Idle past the mark's lifetime, the store holds what it holds for a subject never seen: nothing.
    expect(step(e, who(T - 40 * S), T, WRITE).outcome).toBe('refused');
    expect(step(e, who(T - 40 * S, 'new-hire'), T, WRITE).out.requirement.denyMessage).toMatch(/^account with no sign-in proven here: /);
    const nh = step(engine(), who(T - 40 * S, "new-hire"), T, WRITE);
    expect(nh.outcome, JSON.stringify(nh.out.requirement)).toBe("allowed");
  });

  it('require: a level asks that level instead; the sign-in at it passes, learns, and lets the subject back', () => {
    const e = engine('{ after_seconds: 7776000, require: aal3 }');
    workedBefore(e, 100);
    const asked = step(e, who(T - 40 * S), T, WRITE);
    expect(asked.outcome).toBe('asked');
    expect(asked.out.requirement.level).toBe(2);
    const key = step(e, who(T + 30 * S, 'old-1', 2), T + 60 * S, WRITE);
    expect(key.outcome).toBe('allowed');
    expect(key.out.learn).toBeDefined();
    expect(step(e, who(T + 2 * 60_000, 'old-1', 1), T + 3 * 60_000, WRITE).outcome).toBe('allowed');
  });

  it('automation is not looked at (it cannot sign in; its own refusals apply)', () => {
    const e = engine('{ after_seconds: 7776000, unproven: dormant }');
    const bot = step(e, who(T, 'system:serviceaccount:release:release-bot', 0, true), T, READ);
    expect(bot.out.requirement.rules).not.toContain('risk:dormant_account');
  });
});

describe('risk.dormant configuration', () => {
  it('refuse (the default) needs incident: without the admin API there is no way back', () => {
    expect(() => config('{ after_seconds: 7776000 }', '')).toThrow(/risk\.dormant\.require.*incident/s);
    expect(() => config('{ after_seconds: 7776000, require: aal3 }', '')).not.toThrow();
  });
  it('after_seconds within the mark lifetime and at least a day; require a level or refuse', () => {
    expect(() => config('{ after_seconds: 20000000 }')).toThrow(/after_seconds.*proven_ttl_seconds/s);
    expect(() => config('{ after_seconds: 3600 }')).toThrow(/after_seconds/);
    expect(() => config('{ after_seconds: 7776000, require: aal9 }')).toThrow(/unknown level "aal9"/);
    expect(() => config('{ after_seconds: 7776000, unproven: maybe }')).toThrow(/unproven/);
  });
});
