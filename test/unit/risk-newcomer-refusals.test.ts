import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import type { RiskEngine } from '../../src/risk/engine.js';
import { MemoryStateStore } from '../../src/state/memory.js';
import type { StoreLimits } from '../../src/state/store.js';
import { liRule, M, NEW_NETWORK, newcomerEngine, S, step, T, who } from '../support/newcomer-refusal.js';
import { TEST_LIMITS } from '../support/state-config.js';

/**
 * A refusing band reached by a newcomer only through the context it has not proven yet
 * (`risk.learn.newcomer_refusals`, engine.ts newcomerAnswer). Day 41's lawful-intercept rule in
 * network-attachments' shape (`by_band: { high: { deny: true } }`) refused the LI officer, whose
 * whole job is inside the rule, at every request of every day: a new network and device lifted
 * their first request to high, and a refused request proves nothing. Now such a refusal asks a
 * sign-in made after the context's first sighting (no newcomer allowance), which proves the
 * context; a token minted before that sighting (a thief's) is asked at every request and teaches
 * nothing, and once the newcomer has proven a context the band refuses every other one as before.
 */

/**
 * A newcomer is asked only by a store that can vouch it never proved anything (absenceVouched): a
 * memory store with a snapshot, here at its first start (no file yet: nothing was held before).
 * Its snapshot is written only when asked (save), never by its timer within a test.
 */
const dir = mkdtempSync(join(tmpdir(), 'newcomer49-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let stores = 0;
const vouching = (limits: StoreLimits = TEST_LIMITS, path = join(dir, `s${stores++}.json`)) =>
  new MemoryStateStore(limits, { maxSubjects: 10, snapshotPath: path, snapshotIntervalMs: 2_000_000_000, now: () => T });

const engine = (refusals: 'ask' | 'refuse' | undefined = undefined, critical = false, shadowHigh = false, store: MemoryStateStore = vouching()) =>
  newcomerEngine(store, refusals, critical, shadowHigh);

describe('risk.learn.newcomer_refusals: a refusing band reached by a newcomer only through its unproven context', () => {
  it("the newcomer's first request, by a sign-in 40 s before it, is asked for a sign-in after the network's first sighting (no allowance), not refused", () => {
    const e = engine();
    const { outcome, out } = step(e, who(T - 40 * S), T);
    expect(out.risk.band).toBe('high');
    expect(out.risk.denies).toBe(false);
    expect(outcome).toBe('asked');
    expect(out.requirement.authAfter).toBe(T / 1000);
    expect(out.risk.context?.code).toBe('new_network');
    // What the rule asks below its refusal still applies (its level, and `high`'s 15 minutes).
    expect(out.requirement.level).toBe(1);
  });

  it('the sign-in made when asked passes and proves the network: the next requests, and the next sitting, ask nothing more', () => {
    const e = engine();
    expect(step(e, who(T - 40 * S), T).outcome).toBe('asked');
    const signedIn = who(T + 30 * S);
    const b = step(e, signedIn, T + M);
    expect(b.outcome).toBe('allowed');
    expect(b.out.learn).toMatchObject({ prefix: '203.0.113.0/24' });
    const c = step(e, signedIn, T + 5 * M);
    expect(c.outcome).toBe('allowed');
    expect(c.out.requirement.deny).toBe(false);
    // The next sitting's sign-in, a little before its first request (within the test store's hour).
    const later = step(e, who(T + 50 * M - 40 * S), T + 50 * M);
    expect(later.outcome).toBe('allowed');
  });

  it('once the newcomer has proven a network, another network is refused by the band as configured, a fresh sign-in or not', () => {
    const e = engine();
    step(e, who(T - 40 * S), T);
    expect(step(e, who(T + 30 * S), T + M).outcome).toBe('allowed');
    const elsewhere = step(e, who(T + 30 * M), T + 30 * M + 10 * S, liRule(), 0, NEW_NETWORK);
    expect(elsewhere.outcome).toBe('refused');
    expect(elsewhere.out.requirement.denyMessage).toBe('refused from an unusual context');
  });

  it("a band's own `deny` is answered the same way (the newcomer is asked, then passes)", () => {
    // 40 + new network 25 + fingerprint device 10 = 75: critical, refused before; 50 without the network.
    const e = engine(undefined, true);
    expect(step(e, who(T - 40 * S), T, liRule(40, undefined)).outcome).toBe('asked');
    expect(step(e, who(T + 30 * S), T + M, liRule(40, undefined)).outcome).toBe('allowed');
  });

  it('a shadowed band reports the same: the would-be outcome of the refusal it would reach is the step-up, not a refusal', () => {
    const e = engine(undefined, false, true);
    const { outcome, out } = step(e, who(T - 40 * S), T);
    // Enforced without `high`: elevated, bound to the network with the newcomer allowance.
    expect(outcome).toBe('allowed');
    expect(out.requirement.rules).not.toContain('risk:high');
    expect(out.shadow?.requirement.deny).toBe(false);
    expect(out.shadow?.requirement.authAfter).toBe(T / 1000);
    expect(out.shadow?.requirement.shadowed).toContain('risk:high');
  });

  it('newcomer_refusals: refuse keeps the refusal, at every request, after a sign-in too', () => {
    const e = engine('refuse');
    expect(step(e, who(T - 40 * S), T).outcome).toBe('refused');
    expect(step(e, who(T + 30 * S), T + M).outcome).toBe('refused');
    expect(step(e, who(T + 30 * S), T + 5 * M).outcome).toBe('refused');
  });

  it('what the request scores without the context change still refuses: a rule sensitive enough to reach the band alone', () => {
    const e = engine();
    expect(step(e, who(T + 30 * S), T + M, liRule(70)).outcome).toBe('refused');
  });

  it('a revoked subject, which looks new, keeps the refusal', () => {
    const e = engine();
    expect(step(e, who(T + 30 * S), T + M, liRule(), T - 10 * M).outcome).toBe('refused');
  });

  it("property: a token minted before the thief's network was first seen is never allowed by the refusing rule, however many requests", () => {
    fc.assert(
      fc.property(
        // The sign-in, up to past the newcomer allowance (600 s) before the thief's first request.
        fc.integer({ min: 1, max: 1200 }),
        fc.array(fc.integer({ min: 1, max: 3000 }), { minLength: 0, maxLength: 12 }),
        fc.constantFrom<'ask' | 'refuse' | undefined>(undefined, 'ask', 'refuse'),
        (before, later, refusals) => {
          const e = engine(refusals);
          const stolen = who(T - before * S);
          for (const t of [0, ...later].sort((a, b) => a - b)) {
            // Only an allow teaches (step, as evaluate.ts): one allow would make the network known.
            expect(step(e, stolen, T + t * S, liRule(), 0, NEW_NETWORK).outcome).not.toBe('allowed');
          }
        },
      ),
      { numRuns: 200 },
    );
  });

  it("property: with ordinary requests between (which a newcomer's allowance may let through), a token minted before the allowance is never allowed by the refusing rule", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 601, max: 7200 }),
        fc.array(fc.tuple(fc.integer({ min: 1, max: 3000 }), fc.boolean()), { minLength: 1, maxLength: 12 }),
        (before, reqs) => {
          const e = engine();
          const stolen = who(T - before * S);
          for (const [t, li] of [[0, true] as const, ...reqs].sort((a, b) => a[0] - b[0])) {
            const { outcome } = step(e, stolen, T + t * S, li ? liRule() : liRule(0, undefined), 0, NEW_NETWORK);
            if (li) expect(outcome).not.toBe('allowed');
          }
        },
      ),
      { numRuns: 60 },
    );
  });
});

describe('newcomer49: a subject the store forgot or that idled is no newcomer (review48b, issue 12)', () => {
  /** The officer proves their own network on `e`; the attacker's fresh sign-in elsewhere is then refused. */
  const known = (e: RiskEngine) => {
    expect(step(e, who(T - 40 * S), T).outcome).toBe('asked');
    expect(step(e, who(T + 30 * S), T + M).outcome).toBe('allowed');
    expect(step(e, who(T + 2 * M), T + 3 * M, liRule(), 0, NEW_NETWORK).outcome).toBe('refused');
  };
  /** The attacker with the officer's password and OTP, from their network: a request, then the sign-in asked for. */
  const attacker = (e: RiskEngine, at: number) => [
    step(e, who(at - M), at, liRule(), 0, NEW_NETWORK).outcome,
    step(e, who(at + 30 * S), at + M, liRule(), 0, NEW_NETWORK).outcome,
  ];

  // review48b's open row: a memory store without a snapshot restarted (a new MemoryStateStore)
  // has lost the officer's history; it remembers only since its start, so it cannot vouch.
  it('the band still refuses an attacker on a new network after the store forgot the subject', () => {
    known(engine());
    const forgot = engine(undefined, false, false, new MemoryStateStore(TEST_LIMITS, { maxSubjects: 10 }));
    expect(attacker(forgot, T + 3 * M)).toEqual(['refused', 'refused']);
  });

  // The lead's open row (session 48): idle past known_ttl_seconds (3600 s here), the records are
  // gone but the proven mark (risk.proven_ttl_seconds, 180 days by default) is not.
  it('the band still refuses an attacker on a new network after the subject was idle past known_ttl_seconds', () => {
    const e = engine();
    known(e);
    expect(attacker(e, T + 2 * 3_600_000)).toEqual(['refused', 'refused']);
    // Thirty days on, as long as the mark lives.
    expect(attacker(e, T + 30 * 86_400_000)).toEqual(['refused', 'refused']);
  });

  it('a memory snapshot that cannot be read is a loss: unknown subjects are refused for the mark lifetime, then asked', async () => {
    const path = join(dir, 'lost.json');
    const first = vouching(TEST_LIMITS, path);
    known(engine(undefined, false, false, first));
    await first.close();
    writeFileSync(path, '{"version": 1, "subj');
    const restarted = engine(undefined, false, false, vouching(TEST_LIMITS, path));
    expect(attacker(restarted, T + 3 * M)).toEqual(['refused', 'refused']);
    // The price: a real newcomer meets the band's refusal too, until the mark lifetime has passed
    // since the loss (nobody's forgotten mark could still stand then).
    const d = T + 180 * 86_400_000;
    expect(step(restarted, { ...who(d - 40 * S), subject: 'new-officer' }, d - M).outcome).toBe('refused');
    expect(step(restarted, { ...who(d - 2 * M), subject: 'new-officer' }, d + M).outcome).toBe('asked');
    expect(step(restarted, { ...who(d + 90 * S), subject: 'new-officer' }, d + 2 * M).outcome).toBe('allowed');
  });

  it('the mark and the vouching survive a snapshot: the officer, idle and restarted, is still no newcomer', async () => {
    const path = join(dir, 'kept.json');
    const first = vouching(TEST_LIMITS, path);
    known(engine(undefined, false, false, first));
    await first.close();
    const again = engine(undefined, false, false, vouching(TEST_LIMITS, path));
    expect(attacker(again, T + 2 * 3_600_000)).toEqual(['refused', 'refused']);
    // A real newcomer on the restarted store is asked, as before the restart.
    expect(step(again, { ...who(T + 2 * 3_600_000 - 40 * S), subject: 'new-officer' }, T + 2 * 3_600_000).outcome).toBe('asked');
  });

  it('a mark lives risk.proven_ttl_seconds after the last proof: past it the subject is a newcomer again', () => {
    const e = engine(undefined, false, false, vouching({ ...TEST_LIMITS, provenTtlSeconds: 4 * 3600 }));
    known(e);
    expect(attacker(e, T + 3 * 3_600_000)).toEqual(['refused', 'refused']);
    expect(step(e, who(T + 5 * 3_600_000 - 40 * S), T + 5 * 3_600_000, liRule(), 0, NEW_NETWORK).outcome).toBe('asked');
  });

  it('the mark is kept alive by work from known contexts (which learns nothing new), not only by the first proof', () => {
    const e = engine(undefined, false, false, vouching({ ...TEST_LIMITS, provenTtlSeconds: 4 * 3600 }));
    known(e);
    // Five hours of ordinary work from the proven room, a request every half hour.
    for (let t = T + 30 * M; t <= T + 5 * 3_600_000; t += 30 * M) expect(step(e, who(t - 40 * S), t).outcome).toBe('allowed');
    // Idle two hours (past the known TTL): the mark, written at the last work, still stands.
    expect(attacker(e, T + 7 * 3_600_000)).toEqual(['refused', 'refused']);
  });

  it('a mark dropped for room (more subjects than max_subjects) ends the vouching: unknown subjects are refused', () => {
    const store = vouching();
    const e = engine(undefined, false, false, store);
    known(e);
    // Ten more subjects prove a network each: the officer's mark, least recently used, goes.
    for (let i = 0; i < 10; i++) {
      const id = { ...who(T + 4 * M - 40 * S), subject: `colleague-${i}` };
      step(e, id, T + 4 * M + i);
      step(e, { ...id, authTime: Math.floor((T + 5 * M) / 1000) }, T + 6 * M + i);
    }
    expect(store.provenAt('https://idp.test\nli-officer', T + 7 * M)).toBe(0);
    expect(attacker(e, T + 2 * 3_600_000)).toEqual(['refused', 'refused']);
  });

  it('marks dropped while a snapshot loads (max_subjects lowered between runs) end the vouching too (review49b)', async () => {
    const path = join(dir, 'shrunk.json');
    const first = vouching(TEST_LIMITS, path);
    const e = engine(undefined, false, false, first);
    known(e);
    for (let i = 0; i < 9; i++) {
      const id = { ...who(T + 4 * M - 40 * S), subject: `colleague-${i}` };
      step(e, id, T + 4 * M + i);
      step(e, { ...id, authTime: Math.floor((T + 5 * M) / 1000) }, T + 6 * M + i);
    }
    expect(first.absenceVouched(T + 7 * M)).toBe(true);
    await first.close();
    // Restarted with room for five: the officer's mark, least recently proven, is not loaded.
    const smaller = new MemoryStateStore(TEST_LIMITS, { maxSubjects: 5, snapshotPath: path, snapshotIntervalMs: 2_000_000_000, now: () => T + 8 * M });
    expect(smaller.provenAt('https://idp.test\nli-officer', T + 2 * 3_600_000)).toBe(0);
    expect(smaller.absenceVouched(T + 2 * 3_600_000)).toBe(false);
    expect(attacker(engine(undefined, false, false, smaller), T + 2 * 3_600_000)).toEqual(['refused', 'refused']);
    // The same snapshot loaded with room for all keeps vouching (nothing dropped).
    const same = new MemoryStateStore(TEST_LIMITS, { maxSubjects: 10, snapshotPath: path, snapshotIntervalMs: 2_000_000_000, now: () => T + 8 * M });
    expect(same.absenceVouched(T + 2 * 3_600_000)).toBe(true);
    await smaller.close();
    await same.close();
  });
});
