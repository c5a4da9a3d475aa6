import type { JWTPayload } from 'jose';
import { describe, expect, it } from 'vitest';
import { builtServerForFile, freshSubjects, KUBE, officeRound, reason, rules } from '../support/built-server.js';

/**
 * Session 50's red team on groups49's rules, through the built server: the example with a deny for
 * contractors in front of its rules. A contractor's token spelt every way the directory and the
 * token can spell the group is refused; so is one without any groups claim where the identity
 * provider sends groups only for a scope the client may leave out (Dex's `groups`): there
 * `issuers[].missing_groups: not_listed` reads the absence as groups it does not list (review50).
 * Names a directory keeps as another group (`contractors` with a trailing blank, fullwidth letters,
 * a Turkish dotted İ) are other groups, as kube's RBAC reads them: not refused, and not rows here.
 */
const RULE = `  rules:
    - name: contractors-no-configmaps
      match: { groups: [contractors], kubernetes: { resources: [configmaps] } }
      deny: true
`;
const site = (missing: boolean) => (yaml: string) => {
  const ruled = yaml.replace(/^ {2}rules:\n/m, RULE);
  return missing ? ruled.replace('    clock_tolerance_seconds: 30\n', '    clock_tolerance_seconds: 30\n    missing_groups: not_listed\n') : ruled;
};

for (const missing of [false, true]) {
  const name = missing ? 'review50groups-dex' : 'review50groups';
  const server = builtServerForFile(name, site(missing));
  const subjects = freshSubjects(() => server().issuer, name);
  const { send } = officeRound(server, subjects);
  async function signedIn(claims: JWTPayload): Promise<string> {
    const token = await subjects.tokenOf('aal1', 600, claims);
    expect(reason(await send(token, { host: KUBE, path: '/api/v1/namespaces/dev/pods' })), "the subject's own read").toBe('allowed');
    return token;
  }
  const configmaps = async (claims: JWTPayload) => send(await signedIn(claims), { host: KUBE, path: '/api/v1/namespaces/dev/configmaps' });

  describe(`a deny for contractors, missing_groups: ${missing ? 'not_listed' : 'none'}`, () => {
    it.each<[string, JWTPayload]>([
      ['listed last of 500', { groups: [...Array.from({ length: 499 }, (_, i) => `team-${i}`), 'contractors'] }],
      ['listed first of 500', { groups: ['contractors', ...Array.from({ length: 499 }, (_, i) => `team-${i}`)] }],
      ['in capitals among others', { groups: ['eng', 'CONTRACTORS'] }],
      ['listed twice', { groups: ['contractors', 'contractors'] }],
      ['beside a non-string element', { groups: ['contractors', 7, null] }],
      ['beside a roles claim naming another group', { groups: ['contractors'], roles: ['admins'] }],
    ])('groups %s: policy_deny', async (_what, claims) => {
      const res = await configmaps(claims);
      expect(reason(res), rules(res)).toBe('policy_deny');
      expect(rules(res)).toContain('contractors-no-configmaps');
    });

    // A token of thousands of groups does not fit the header limit: refused before it is read.
    it('5,000 groups: header_too_large', async () => {
      const token = await subjects.tokenOf('aal1', 600, { groups: [...Array.from({ length: 4999 }, (_, i) => `team-${i}`), 'contractors'] });
      const res = await send(token, { host: KUBE, path: '/api/v1/namespaces/dev/configmaps' });
      expect(reason(res), rules(res)).toBe('header_too_large');
    });

    // Dex sends `groups` only when the client asks the `groups` scope: a contractor's kubectl that
    // leaves it out gets a token without the claim. Where the site says its provider does that,
    // the absence is a possible membership; where it does not, a token without groups has none.
    it(`a token without any groups claim: ${missing ? 'policy_deny' : 'allowed'}`, async () => {
      const res = await configmaps({ groups: undefined });
      expect(reason(res), rules(res)).toBe(missing ? 'policy_deny' : 'allowed');
    });

    it('a token that lists other groups, or an empty list, is allowed', async () => {
      for (const claims of [{ groups: ['designers'] }, { groups: [] }, { groups: ['contractors-alumni'] }, { groups: Array.from({ length: 500 }, (_, i) => `team-${i}`) }]) {
        const res = await configmaps(claims);
        expect(reason(res), JSON.stringify(claims).slice(0, 80)).toBe('allowed');
      }
    });
  });
}
