import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/load.js';
import { DEFAULT_ENVIRONMENTS } from '../../src/config/schema/risk.js';
import { compileTiers, covers, coversComponent, familyKey, familyOf } from '../../src/risk/namespace-family.js';
import { canonicalKey, coveringKeys, vouches } from '../../src/state/family-keys.js';
import { configProblems } from '../support/config.js';
import { BASE_YAML } from '../support/state-config.js';

const TIERS = compileTiers(DEFAULT_ENVIRONMENTS);

/** Whether `known`, in the working set, covers `asked` (the rule as the stores apply it to the keys). */
function keyCovers(known: string, asked: string, knownCluster = '', askedCluster = ''): boolean {
  const k = familyKey(known, knownCluster, TIERS);
  const a = familyKey(asked, askedCluster, TIERS);
  return vouches(k) && a !== '' && coveringKeys(a).includes(k);
}

describe('namespace families', () => {
  it.each([
    ['prod-ledger', { stem: 'ledger', rank: 1 }],
    ['ledger-staging', { stem: 'ledger', rank: 2 }],
    ['payments-prod', { stem: 'payments', rank: 1 }],
    ['pricing-dev', { stem: 'pricing', rank: 3 }],
    ['x-production', { stem: 'x', rank: 1 }],
    ['payments-api-uat', { stem: 'payments-api', rank: 2 }],
    ['team-qa-tools', { stem: 'team-tools', rank: 3 }],
    ['search', { stem: 'search', rank: 0 }],
    ['kube-system', { stem: 'kube-system', rank: 0 }],
    ['checkout-prod-euw1', { stem: 'checkout-euw1', rank: 1 }],
  ])('%s reads as %o', (ns, family) => {
    expect(familyOf(ns, TIERS)).toEqual(family);
  });

  it.each(['', 'prod', 'staging-dev', 'prod-ledger-dev', 'a--b', '-ledger', 'ledger-'])('%s has no family', (ns) => {
    expect(familyOf(ns, TIERS)).toBeUndefined();
    expect(familyKey(ns, '', TIERS)).toBe('');
  });

  it('no tiers configured: no name has a family', () => {
    expect(familyOf('prod-ledger', compileTiers([]))).toBeUndefined();
    expect(familyKey('prod-ledger', '', compileTiers([]))).toBe('');
  });

  it('tiers are the configuration’s, highest first', () => {
    const tiers = compileTiers([['live'], ['canary']]);
    expect(familyOf('shop-canary', tiers)).toEqual({ stem: 'shop', rank: 2 });
    expect(familyOf('shop-prod', tiers)).toEqual({ stem: 'shop-prod', rank: 0 });
  });

  // known (in the working set) → asked: covered or not
  it.each([
    ['prod-ledger', 'ledger-staging', true],
    ['payments-prod', 'payments-staging', true],
    ['pricing-prod', 'pricing-dev', true],
    ['prod-checkout', 'checkout-staging', true],
    ['prod-search', 'search', true],
    ['ledger-staging', 'ledger-dev', true],
    ['ledger-staging', 'ledger-uat', true],
    ['prod-x', 'x-production', true],
    ['ledger-dev', 'ledger-test', true],
    // Up-moves are departures.
    ['fraud-dev', 'fraud-prod', false],
    ['payments-dev', 'payments-prod', false],
    ['ledger-staging', 'prod-ledger', false],
    ['ledger-dev', 'ledger-staging', false],
    // A plain name is covered only by the top tier, and covers nothing.
    ['search-staging', 'search', false],
    ['payments', 'payments-dev', false],
    ['payments', 'payments-prod', false],
    // Another application, the system namespaces, regional and other tokens.
    ['prod-ledger', 'payments-staging', false],
    ['prod-ledger', 'kube-system', false],
    ['prod-ledger', 'ledger-reports-staging', false],
    ['checkout-prod-euw1', 'checkout-staging', false],
    ['prod-checkout', 'checkout-staging-euw1', false],
    // Several environment tokens: no family either way.
    ['prod-ledger', 'ledger-staging-dev', false],
    ['prod-staging-ledger', 'ledger-dev', false],
  ])('%s covers %s: %s', (known, asked, expected) => {
    expect(keyCovers(known, asked)).toBe(expected);
    const k = familyOf(known, TIERS);
    const a = familyOf(asked, TIERS);
    expect(k !== undefined && a !== undefined && covers(k, a)).toBe(expected);
  });

  it('a family is per cluster', () => {
    expect(familyKey('ledger-staging', 'sydney', TIERS)).toBe('2:ledger@sydney');
    expect(keyCovers('prod-ledger', 'ledger-staging', 'sydney', 'sydney')).toBe(true);
    expect(keyCovers('prod-ledger', 'ledger-staging', 'dublin', 'sydney')).toBe(false);
    expect(keyCovers('prod-ledger', 'ledger-staging', '', 'sydney')).toBe(false);
  });

  it('family keys: the covering keys run from the top tier down to the key’s own', () => {
    expect(coveringKeys('3:ledger')).toEqual(['1:ledger', '2:ledger', '3:ledger']);
    expect(coveringKeys('0:search')).toEqual(['1:search']);
    expect(coveringKeys('1:ledger@sydney')).toEqual(['1:ledger@sydney']);
    expect(coveringKeys('junk')).toEqual([]);
    expect(coveringKeys(' 1:x')).toEqual([]);
    expect(vouches('1:ledger')).toBe(true);
    expect(vouches('0:search')).toBe(false);
    expect(vouches('')).toBe(false);
  });
});

describe("an application's components (unfamiliar_namespace.components)", () => {
  /** As the stores apply it: `known` learned (kept without the `+`), `asked` looked up with it. */
  const componentCovers = (known: string, asked: string, knownCluster = '', askedCluster = '') => {
    const k = canonicalKey(familyKey(known, knownCluster, TIERS, true));
    const a = familyKey(asked, askedCluster, TIERS, true);
    return vouches(k) && a !== '' && coveringKeys(a).includes(k);
  };

  it('an asked stem of several tokens carries the `+`; it is kept without it', () => {
    expect(familyKey('prod-payments-batch', '', TIERS, true)).toBe('1+:payments-batch');
    expect(familyKey('payments-batch-dev', 'sydney', TIERS, true)).toBe('3+:payments-batch@sydney');
    expect(familyKey('prod-payments', '', TIERS, true)).toBe('1:payments');
    expect(familyKey('prod-payments-batch', '', TIERS)).toBe('1:payments-batch');
    expect(canonicalKey('3+:payments-batch@sydney')).toBe('3:payments-batch@sydney');
    expect(canonicalKey('1:payments')).toBe('1:payments');
    expect(coveringKeys('2+:payments-batch-eu')).toEqual(['1:payments-batch-eu', '2:payments-batch-eu', '1:payments-batch', '2:payments-batch', '1:payments', '2:payments']);
    expect(coveringKeys('0+:payments-batch@x')).toEqual(['1:payments-batch@x', '1:payments@x']);
  });

  // known (in the working set) → asked: covered or not
  it.each([
    ['prod-payments', 'prod-payments-batch', true],
    ['prod-payments', 'payments-batch-dev', true],
    ['payments-prod', 'payments-worker-staging', true],
    ['prod-checkout', 'checkout-prod-euw1', true],
    ['prod-payments', 'payments-batch', true],
    ['payments-staging', 'payments-batch-dev', true],
    // What a lower environment covers stays as it was.
    ['prod-ledger', 'ledger-staging', true],
    ['fraud-dev', 'fraud-prod', false],
    // Never upwards, from a plain name, across a partial token, from a longer stem, or across clusters.
    ['payments-dev', 'payments-batch-prod', false],
    ['payments-staging', 'prod-payments-batch', false],
    ['payments', 'payments-batch-dev', false],
    ['prod-pay', 'payments-batch-dev', false],
    ['prod-payments-batch', 'payments-dev', false],
    ['prod-payments-batch', 'payments-api-dev', false],
    ['prod-checkout-euw1', 'checkout-euc1-prod', false],
  ])('%s covers %s: %s', (known, asked, expected) => {
    expect(componentCovers(known, asked)).toBe(expected);
    const k = familyOf(known, TIERS);
    const a = familyOf(asked, TIERS);
    expect(k !== undefined && a !== undefined && coversComponent(k, a)).toBe(expected);
  });

  it('per cluster, as any family', () => {
    expect(componentCovers('prod-payments', 'payments-batch-dev', 'sydney', 'sydney')).toBe(true);
    expect(componentCovers('prod-payments', 'payments-batch-dev', 'dublin', 'sydney')).toBe(false);
  });

  it('defaults to on; false is the rule as it was', () => {
    const risk = 'risk:\n  learn: { min_level: aal1 }\n';
    expect(parseConfig(BASE_YAML + risk, 'f.yaml').risk?.signals.unfamiliar_namespace.components).toBe(true);
    expect(parseConfig(`${BASE_YAML}${risk}  signals:\n    unfamiliar_namespace: { components: false }\n`, 'f.yaml').risk?.signals.unfamiliar_namespace.components).toBe(false);
  });
});

describe('risk.signals.unfamiliar_namespace.environments', () => {
  const risk = 'risk:\n  learn: { min_level: aal1 }\n';
  const yaml = (environments: string) => `${BASE_YAML}${risk}  signals:\n    unfamiliar_namespace: { environments: ${environments} }\n`;

  it('defaults to the three tiers; [] turns the rule off', () => {
    expect(parseConfig(BASE_YAML + risk, 'f.yaml').risk?.signals.unfamiliar_namespace.environments).toEqual(DEFAULT_ENVIRONMENTS);
    expect(parseConfig(yaml('[]'), 'f.yaml').risk?.signals.unfamiliar_namespace.environments).toEqual([]);
  });

  it('refuses a token listed twice, and one that is no single token of a namespace name', () => {
    expect(configProblems(yaml('[[prod], [staging, prod]]'), 'f.yaml').map((p) => p.message)).toEqual([expect.stringContaining('environment prod is listed twice')]);
    expect(configProblems(yaml('[[prod-eu]]'), 'f.yaml')).toHaveLength(1);
    expect(configProblems(yaml('[[]]'), 'f.yaml')).toHaveLength(1);
  });
});
