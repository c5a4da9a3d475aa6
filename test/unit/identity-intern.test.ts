import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/load.js';
import { compileAssurance } from '../../src/core/assurance.js';
import { buildIdentity, GROUPS_NOT_LISTED } from '../../src/core/identity.js';
import { Interner, listKey, NameTable } from '../../src/core/intern.js';
import fc from 'fast-check';
import { testConfigYaml } from '../support/config.js';

const config = parseConfig(testConfigYaml('https://idp.example.com'), 'test.yaml');
const assurance = compileAssurance(config.assurance.levels);
const iss = config.issuers[0]!;

function identity(claims: Record<string, unknown>) {
  const payload = { exp: 2_000_000_000, auth_time: 1_700_000_000, ...claims };
  return buildIdentity(iss, String(claims.sub), payload, assurance, config.identity_headers, 'hash-of-the-token-bytes-0123456789');
}

describe('cached identities share what tokens have in common (memory per cached token)', () => {
  it("two tokens of one user share groups, amr, acr and the upstream header list, but not the session", () => {
    // JSON.parse gives each token its own copies, as jose does for each verified payload.
    const claims = (sid: string) => JSON.parse(JSON.stringify({ sub: 'alice', sid, acr: 'urn:stepgate:aal2', amr: ['pwd', 'mfa'], groups: ['eng', 'ops'], email: 'alice@example.com' }));
    const a = identity(claims('s1'));
    const b = identity(claims('s2'));
    expect(b.groups).toBe(a.groups);
    expect(b.amr).toBe(a.amr);
    expect(b.upstreamHeaders).toBe(a.upstreamHeaders);
    expect(a.session).toBe('sid:s1');
    expect(b.session).toBe('sid:s2');
    expect(Object.isFrozen(a.groups) && Object.isFrozen(a.upstreamHeaders) && a.upstreamHeaders.every((p) => Object.isFrozen(p))).toBe(true);
  });

  it('users who differ in any header value never share a header list', () => {
    const base = { sub: 'alice', acr: 'urn:stepgate:aal1', groups: ['eng'], email: 'alice@example.com' };
    const variants = [base, { ...base, sub: 'bob' }, { ...base, groups: ['eng', 'ops'] }, { ...base, email: 'a@example.com' }, { ...base, acr: 'urn:stepgate:aal2' }];
    const lists = variants.map((c) => identity(c).upstreamHeaders);
    expect(new Set(lists).size).toBe(variants.length);
    expect(lists.map((l) => JSON.stringify(l))).toEqual(variants.map((c) => JSON.stringify(identity(c).upstreamHeaders)));
  });

  it('an intern table stays bounded whatever it is fed', () => {
    const t = new Interner<string>(3);
    for (let i = 0; i < 100; i++) t.get(`v${i}`, () => `v${i}`, 10);
    expect(t.size).toBeLessThanOrEqual(3);
  });

  it('list keys are injective (property)', () => {
    const list = fc.array(fc.string({ maxLength: 4, unit: fc.constantFrom('a', '1', ':', '2') }), { maxLength: 4 });
    fc.assert(
      fc.property(list, list, (x, y) => {
        if (listKey(x) === listKey(y)) expect(x).toEqual(y);
      }),
      { numRuns: 3000 },
    );
  });
});

describe('NameTable (perf48)', () => {
  it('gives back the text it is given, for any names, and holds no more than its bound', () => {
    fc.assert(
      fc.property(fc.array(fc.string({ maxLength: 30 }), { maxLength: 60 }), fc.integer({ min: 1, max: 8 }), (texts, max) => {
        const t = new NameTable(max);
        for (const s of texts) {
          // A concatenation, as the engine's names are made: the answer is its text.
          const made = `${s.slice(0, 3)}${s.slice(3)}`;
          expect(t.of(made)).toBe(s);
          expect(t.of(s)).toBe(s);
          expect(t.size).toBeLessThanOrEqual(max);
        }
      }),
    );
  });
});

describe('issuers[].missing_groups (review50)', () => {
  const build = (missing: 'none' | 'not_listed', claims: Record<string, unknown>) =>
    buildIdentity({ ...iss, missing_groups: missing }, 'dex-user', { iss: iss.issuer, sub: 'dex-user', ...claims }, assurance, config.identity_headers, 'hash');
  it('reads a token without the groups claim as groups it does not list only where the issuer says so', () => {
    expect(iss.missing_groups).toBe('none');
    expect(build('none', {}).groups).not.toBe(GROUPS_NOT_LISTED);
    expect(build('none', {}).groups).toEqual([]);
    // Dex sends `groups` only for the `groups` scope: its absence says nothing about membership.
    expect(build('not_listed', {}).groups).toBe(GROUPS_NOT_LISTED);
    expect(build('not_listed', { groups: null }).groups).toBe(GROUPS_NOT_LISTED);
    // A list, even an empty one, is what the provider says.
    expect(build('not_listed', { groups: [] }).groups).toEqual([]);
    expect(build('not_listed', { groups: [] }).groups).not.toBe(GROUPS_NOT_LISTED);
    expect(build('not_listed', { groups: ['eng'] }).groups).toEqual(['eng']);
  });
});
