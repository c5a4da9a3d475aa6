import { describe, expect, it } from 'vitest';
import { compileAssurance } from '../../src/core/assurance.js';
import { RiskEngine, type RiskOutcome } from '../../src/risk/engine.js';
import { MemoryStateStore } from '../../src/state/memory.js';
import { TEST_LIMITS } from '../support/state-config.js';
import { baseRequirement, ENGINE_CONFIG, engineIdentity, engineRequest } from '../support/risk-engine.js';

/**
 * A subject with no history is a newcomer, whose sign-in within `learn.newcomer_grace_seconds`
 * before its first request proves that request's context. `stepgate revoke subject` forgets the
 * subject's history, so after it the subject looks new; while the revocation is on record
 * (IncidentBoard.subjectRevokedAt, passed as `revokedAt`) it gets no such allowance: an
 * adversary-in-the-middle relaying the victim's fresh sign-in must not have its own network, first
 * seen after that sign-in, count as proven (day 35r, seed 331).
 */

const T = 1_800_000_000_000;
const engine = () =>
  new RiskEngine({
    risk: ENGINE_CONFIG.risk!, network: ENGINE_CONFIG.network, onStateError: 'fail_closed', assurance: compileAssurance(ENGINE_CONFIG.assurance.levels),
    store: new MemoryStateStore(TEST_LIMITS, { maxSubjects: 10 }), fallback: new MemoryStateStore(TEST_LIMITS, { maxSubjects: 10 }),
  });
/** The first (sensitive) request of a subject with no history, by a sign-in `signedInBefore` ms before it. */
const first = (at: number, signedInBefore: number, revokedAt: number) => {
  const who = { ...engineIdentity(at), authTime: (at - signedInBefore) / 1000 };
  const out = engine().assess(engineRequest(), who, baseRequirement(['secrets'], 30), at, undefined, undefined, '', false, false, revokedAt) as Extract<RiskOutcome, { ok: true }>;
  return { learn: out.learn, asked: out.risk.context !== undefined && who.authTime < out.risk.context.authAfter };
};

describe('a revoked subject gets no newcomer allowance', () => {
  it('no revocation on record: a sign-in 2 min before the first request proves its network (the newcomer allowance)', () => {
    const out = first(T, 2 * 60_000, 0);
    expect(out.learn).toMatchObject({ prefix: '203.0.113.0/24' });
    expect(out.asked).toBe(false);
  });

  it('revoked before that sign-in: the sign-in proves nothing and the request is asked for a sign-in after the network was first seen', () => {
    const out = first(T, 2 * 60_000, T - 10 * 60_000);
    expect(out).toEqual({ learn: undefined, asked: true });
  });

  it('a sign-in after the first sighting still proves the network (the engineer who signs in when asked is asked once)', () => {
    const e = engine();
    const who = (auth: number) => ({ ...engineIdentity(T), authTime: auth / 1000 });
    const ask = (at: number, auth: number) => e.assess(engineRequest(), who(auth), baseRequirement(['secrets'], 30), at, undefined, undefined, '', false, false, T - 10 * 60_000) as Extract<RiskOutcome, { ok: true }>;
    const a = ask(T, T - 60_000);
    expect(a.risk.context).toBeDefined();
    if (a.learn) e.learned(a.learn, T);
    const b = ask(T + 60_000, T + 30_000);
    expect(b.learn).toMatchObject({ prefix: '203.0.113.0/24' });
    expect(b.risk.context === undefined || T / 1000 + 30 >= b.risk.context.authAfter).toBe(true);
  });
});
