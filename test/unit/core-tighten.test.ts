import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/load.js';
import { compileAssurance } from '../../src/core/assurance.js';
import { NOTHING, tighten, type Strictness } from '../../src/core/tighten.js';
import type { Requirement } from '../../src/policy/policy.js';
import { RiskBands } from '../../src/risk/bands.js';

// One "strictest wins" for the policy, the risk bands, by_band and the guardrails
// (src/core/tighten.ts); these properties are the contract all four rely on.

/** As the schema guarantees: only a deny carries a message. */
const strictness: fc.Arbitrary<Strictness> = fc
  .record({
    deny: fc.boolean(),
    message: fc.option(fc.constantFrom('m1', 'm2', 'm3'), { nil: undefined }),
    level: fc.integer({ min: -1, max: 4 }),
    maxAge: fc.option(fc.integer({ min: 0, max: 100_000 }), { nil: undefined }),
  })
  .map(({ deny, message, level, maxAge }) => ({ deny, denyMessage: deny ? message : undefined, level, maxAge }));

const minAge = (a: number | undefined, b: number | undefined) => (a === undefined ? b : b === undefined ? a : Math.min(a, b));
const same = (x: Strictness) => ({ deny: x.deny, denyMessage: x.denyMessage, level: x.level, maxAge: x.maxAge });

describe('tighten', () => {
  it('any deny, the higher level, the shorter max_age (property)', () => {
    fc.assert(
      fc.property(strictness, strictness, (a, b) => {
        const r = tighten(a, b);
        expect(r.deny).toBe(a.deny || b.deny);
        expect(r.level).toBe(Math.max(a.level, b.level));
        expect(r.maxAge).toBe(minAge(a.maxAge, b.maxAge));
      }),
    );
  });

  it('never loosens either side (property)', () => {
    fc.assert(
      fc.property(strictness, strictness, (a, b) => {
        const r = tighten(a, b);
        for (const x of [a, b]) {
          if (x.deny) expect(r.deny).toBe(true);
          expect(r.level).toBeGreaterThanOrEqual(x.level);
          if (x.maxAge !== undefined) expect(r.maxAge).toBeLessThanOrEqual(x.maxAge);
        }
      }),
    );
  });

  it('order does not change what is asked; grouping and repetition change nothing at all (property)', () => {
    fc.assert(
      fc.property(strictness, strictness, strictness, (a, b, c) => {
        const ab = tighten(a, b);
        const ba = tighten(b, a);
        expect([ab.deny, ab.level, ab.maxAge]).toEqual([ba.deny, ba.level, ba.maxAge]);
        expect(same(tighten(tighten(a, b), c))).toEqual(same(tighten(a, tighten(b, c))));
        expect(same(tighten(a, a))).toEqual(same(a));
        expect(same(tighten(NOTHING, a))).toEqual(same(a));
        expect(same(tighten(a, NOTHING))).toEqual(same(a));
      }),
    );
  });

  it('the message is the first one a denying input states (property)', () => {
    fc.assert(
      fc.property(fc.array(strictness, { maxLength: 6 }), (xs) => {
        const r = xs.reduce(tighten, NOTHING);
        expect(r.denyMessage).toBe(xs.find((x) => x.deny && x.denyMessage !== undefined)?.denyMessage);
        if (!r.deny) expect(r.denyMessage).toBeUndefined();
      }),
    );
  });
});

describe('risk bands use the same rule', () => {
  const config = parseConfig(
    `
issuers: [{ issuer: https://idp.test, audiences: [k] }]
assurance: { levels: [{ name: aal1, acr: [a1] }, { name: aal2, acr: [a2] }] }
policy: { default: { require: aal1 } }
risk:
  learn: { min_level: aal2 }
  bands:
    - { name: high, min_score: 50, deny: true }
    - { name: critical, min_score: 90, deny: true, message: Ask the on-call lead. }
`,
    'test.yaml',
  );
  const bands = new RiskBands(config.risk!.bands, compileAssurance(config.assurance.levels));
  const base: Requirement = Object.freeze({ deny: false, denyMessage: undefined, level: 0, maxAge: undefined, rules: ['default'], sensitivity: 0 });

  it('a denying band without a message does not hide the message of a higher one', () => {
    const r = bands.apply(base, bands.reached(95));
    expect([r.deny, r.denyMessage]).toEqual([true, 'Ask the on-call lead.']);
    expect(bands.apply(base, bands.reached(60)).denyMessage).toBeUndefined();
  });
});
