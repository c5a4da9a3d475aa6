import type { JWTPayload } from 'jose';
import { describe, expect, it } from 'vitest';
import { builtServerForFile, freshSubjects, KUBE, officeRound, reason, rules } from '../support/built-server.js';

/**
 * groups49, through the built server: a policy rule on `groups` read for tokens whose groups are
 * not listed (Entra's overage `_claim_names.groups`, `hasgroups: true`, a claim that is not
 * strings) or are spelt in another case. A rule that tightens holds them; one that loosens (here a
 * longer max_age than the default's 12 hours) does not widen to them. The example with two rules
 * of a site's copy in front of its own.
 */
const SITE = (yaml: string) =>
  yaml.replace(
    /^ {2}rules:\n/m,
    `  rules:
    - name: contractors-no-configmaps
      match: { groups: [contractors], kubernetes: { resources: [configmaps] } }
      deny: true
    - name: sre-dev-long-day
      match: { groups: [sre], kubernetes: { namespaces: [dev], resources: [services] } }
      max_age: 86400
`,
  );
const server = builtServerForFile('groups49', SITE);
const subjects = freshSubjects(() => server().issuer, 'groups49');
const { send } = officeRound(server, subjects);

// The test issuer adds `groups: [engineers]` unless told otherwise: undefined leaves the claim out.
const OVERAGE: JWTPayload = { groups: undefined, _claim_names: { groups: 'src1' }, _claim_sources: { src1: { endpoint: 'https://graph.microsoft.com/v1.0/users/x/getMemberObjects' } } };

/** A fresh subject's one-factor token `age` seconds old with `claims`, its own routine read done from the office. */
async function signedIn(claims: JWTPayload, age = 600): Promise<string> {
  const token = await subjects.tokenOf('aal1', age, claims);
  const own = await send(token, { host: KUBE, path: '/api/v1/namespaces/dev/pods' });
  expect(reason(own), "the subject's own read").toBe(age > 43_200 ? 'auth_too_old' : 'allowed');
  return token;
}

const configmaps = (token: string) => send(token, { host: KUBE, path: '/api/v1/namespaces/dev/configmaps' });
const services = (token: string) => send(token, { host: KUBE, path: '/api/v1/namespaces/dev/services' });

describe('groups49: a deny for contractors through the built server', () => {
  it.each<[string, JWTPayload]>([
    ['listed as written', { groups: ['contractors'] }],
    ['listed in capitals', { groups: ['Contractors'] }],
    ['one string in capitals', { groups: 'CONTRACTORS' }],
    ['left out for overage (_claim_names.groups)', OVERAGE],
    ['left out (hasgroups: true)', { groups: undefined, hasgroups: true }],
    ['a claim of objects', { groups: [{ displayName: 'contractors' }] }],
  ])('groups %s: policy_deny', async (_what, claims) => {
    const res = await configmaps(await signedIn(claims));
    expect(reason(res)).toBe('policy_deny');
    expect(rules(res)).toContain('contractors-no-configmaps');
  });

  it('a token that lists other groups, or none, is allowed', async () => {
    for (const claims of [{ groups: ['designers'] }, { groups: [] }, { groups: undefined }]) expect(reason(await configmaps(await signedIn(claims)))).toBe('allowed');
  });
});

describe("groups49: a longer max_age for sre does not widen by case or by groups not listed", () => {
  const DAY_OLD = 50_000;
  it('sre as written: its 24 h sign-in is met', async () => {
    expect(reason(await services(await signedIn({ groups: ['sre'] }, DAY_OLD)))).toBe('allowed');
  });

  it.each<[string, JWTPayload]>([
    ['in capitals', { groups: ['SRE'] }],
    ['listed with another group in capitals', { groups: ['designers', 'Sre'] }],
    ['left out for overage', OVERAGE],
    ['left out (hasgroups: true)', { groups: undefined, hasgroups: true }],
    ['a claim of numbers', { groups: [7] }],
  ])('groups %s: the default 12 h applies (auth_too_old)', async (_what, claims) => {
    const res = await services(await signedIn(claims, DAY_OLD));
    expect(reason(res)).toBe('auth_too_old');
    expect(rules(res)).toContain('default');
  });
});
