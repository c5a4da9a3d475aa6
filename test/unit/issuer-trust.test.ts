import { SignJWT } from 'jose';
import { beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/load.js';
import { globMatches } from '../../src/config/schema/common.js';
import { compileGlobList } from '../../src/core/glob.js';
import { cappedLevel, compileAssurance } from '../../src/core/assurance.js';
import type { Identity } from '../../src/core/identity.js';
import type { FetchFn } from '../../src/identity/jwks.js';
import { TokenVerifier } from '../../src/identity/verifier.js';
import { compilePolicy } from '../../src/policy/policy.js';
import { configProblems } from '../support/config.js';
import { signingKey, type SigningKey } from '../support/jwks-world.js';
import { kubeReq, who } from '../support/policy.js';

/**
 * What an issuer is trusted for (day 39: an MSP's cluster with two customers' identity providers
 * listed beside its own): `issuers[].max_level`, the strongest level its tokens are credited with,
 * and `policy.rules[].match.issuers`, rules that apply only to the tokens of the issuers they name.
 */

const MSP = 'https://login.tidewater.test';
const ACME = 'https://login.acme-retail.test';
const BOREALIS = 'https://sso.borealis-health.test/realms/staff';

const yaml = (opts: { maxLevel?: string; ruleIssuers?: string; extraRules?: string } = {}) => `
issuers:
  - issuer: ${MSP}
    jwks_uri: ${MSP}/jwks
    audiences: [kubernetes]
    algorithms: [ES256]
  - issuer: ${ACME}
    jwks_uri: ${ACME}/jwks
    audiences: [kubernetes]
    algorithms: [ES256]
  - issuer: ${BOREALIS}
    jwks_uri: ${BOREALIS}/jwks
    audiences: [kubernetes]
    algorithms: [ES256]
${opts.maxLevel ?? '    max_level: aal2\n'}assurance:
  levels:
    - {name: aal1, acr: [a1]}
    - {name: aal2, acr: [a2]}
    - {name: aal3, acr: [a3], amr: [hwk]}
kubernetes: {hosts: [kube.test]}
policy:
  default: {require: aal1}
  rules:
    - name: borealis-own-namespaces
      match:
        issuers: ${opts.ruleIssuers ?? `[${BOREALIS}]`}
        kubernetes: {unless_namespaces: ["borealis-*"]}
      deny: true
      message: Borealis' identity provider vouches for Borealis' namespaces only
    - {name: rbac-writes, match: {kubernetes: {api_groups: [rbac.authorization.k8s.io], verbs: [create]}}, require: aal3}
${opts.extraRules ?? ''}`;

const problems = (text: string) => configProblems(text, 'tenants.yaml');

describe('issuers[].max_level and policy.rules[].match.issuers at startup', () => {
  it('accepts both, and names file, line and field of a max_level that is no level', () => {
    const cfg = parseConfig(yaml(), 'tenants.yaml');
    expect(cfg.issuers[2]!.max_level).toBe('aal2');
    expect(cfg.issuers[0]!.max_level).toBeUndefined();
    const [p] = problems(yaml({ maxLevel: '    max_level: aal5\n' }));
    expect(p).toMatchObject({ file: 'tenants.yaml', line: 15, field: 'issuers[2].max_level', message: expect.stringContaining('unknown level "aal5"') });
  });

  it('names the line of a match.issuers entry that is no configured issuer, a glob matching none included', () => {
    const [typo] = problems(yaml({ ruleIssuers: '[https://sso.borealis-health.test/realms/stafff]' }));
    expect(typo).toMatchObject({ file: 'tenants.yaml', line: 27, field: 'policy.rules[0].match.issuers[0]', message: expect.stringContaining('names no configured issuer') });
    const [glob] = problems(yaml({ ruleIssuers: '["https://sso.borealis-health.test/realms/ops*"]' }));
    expect(glob).toMatchObject({ field: 'policy.rules[0].match.issuers[0]' });
    // A glob that names a configured issuer is taken; so is a list whose every entry does.
    expect(() => parseConfig(yaml({ ruleIssuers: '["https://sso.borealis-health.test/**"]' }), 'tenants.yaml')).not.toThrow();
    const [second] = problems(yaml({ ruleIssuers: `[${ACME}, https://login.acme.test]` }));
    expect(second).toMatchObject({ field: 'policy.rules[0].match.issuers[1]' });
    expect(problems(yaml({ ruleIssuers: '[]' }))[0]).toMatchObject({ field: 'policy.rules[0].match.issuers' });
  });
});

describe('stepup.oidc.issuer beside a listed issuer', () => {
  const withStepup = (issuer: string) => `${yaml()}stepup:
  url: https://auth.test/.stepgate/start
  oidc:
    issuer: ${issuer}
    client_id: stepgate
    client_secret_env: SECRET
    redirect_uri: https://auth.test/.stepgate/callback
  session:
    keys_env: KEYS
`;

  it("refuses the step-up IdP spelt unlike its issuers[] entry, whose max_level its sessions would escape", () => {
    for (const spelling of [`${BOREALIS}/`, BOREALIS.replace('sso.borealis', 'SSO.Borealis')]) {
      const [p] = problems(withStepup(spelling));
      expect(p).toMatchObject({ file: 'tenants.yaml', field: 'stepup.oidc.issuer', message: expect.stringContaining('issuers[2].issuer') });
    }
  });

  it('takes the exact spelling, and a step-up IdP that is no bearer issuer', () => {
    expect(() => parseConfig(withStepup(BOREALIS), 'tenants.yaml')).not.toThrow();
    expect(() => parseConfig(withStepup('https://stepup.tidewater.test'), 'tenants.yaml')).not.toThrow();
  });
});

describe('the startup check and the policy read a match.issuers glob alike', () => {
  it.each([
    ['https://sso.borealis-health.test/**', BOREALIS],
    ['https://sso.borealis-health.test/*', BOREALIS],
    ['https://sso.borealis-health.test/realms/staf?', BOREALIS],
    ['https://login.*.test', ACME],
    ['https://login.*.test', BOREALIS],
    ['https://login.acme-retail.test', ACME],
    ['https://login.acme-retail.test/', ACME],
    ['https://login.acme-retail.tes?/**', ACME],
    ['https://login.acme(retail).test', 'https://login.acme(retail).test'],
    ['*', MSP],
  ])('%s against %s', (pattern, issuer) => {
    expect(globMatches(pattern, issuer)).toBe(compileGlobList([pattern], null)(issuer));
  });
});

describe('policy.rules[].match.issuers', () => {
  const cfg = parseConfig(yaml({ ruleIssuers: `["https://sso.borealis-health.test/**"]` }), 'tenants.yaml');
  const policy = compilePolicy(cfg, compileAssurance(cfg.assurance.levels));
  const of = (issuer: string): Identity => ({ ...who(), issuer });
  const rules = (target: string, identity: Identity | undefined) => policy.evaluate(kubeReq('GET', target), identity).rules;

  it("applies to the named issuer's tokens only, wherever the rest of the match holds", () => {
    expect(rules('/api/v1/namespaces/acme-db-prod/secrets/postgres', of(BOREALIS))).toEqual(['borealis-own-namespaces']);
    expect(rules('/api/v1/namespaces/acme-db-prod/secrets/postgres', of(MSP))).toEqual(['default']);
    expect(rules('/api/v1/namespaces/acme-db-prod/secrets/postgres', of(ACME))).toEqual(['default']);
    expect(rules('/api/v1/namespaces/borealis-db-prod/secrets/postgres', of(BOREALIS))).toEqual(['default']);
    // A list across every namespace reaches Acme's too.
    expect(rules('/api/v1/secrets', of(BOREALIS))).toEqual(['borealis-own-namespaces']);
    expect(policy.evaluate(kubeReq('GET', '/api/v1/namespaces/acme-db-prod/pods'), of(BOREALIS)).deny).toBe(true);
  });

  it('matches no request without an identity, as subjects and groups do', () => {
    expect(rules('/api/v1/namespaces/acme-db-prod/pods', undefined)).toEqual(['default']);
  });
});

describe('issuers[].max_level', () => {
  const assurance = compileAssurance(parseConfig(yaml(), 'tenants.yaml').assurance.levels);

  it('holds a level to the ceiling and leaves one at or below it, and any level without one', () => {
    expect(cappedLevel(2, 'aal2', assurance)).toBe(1);
    expect(cappedLevel(1, 'aal2', assurance)).toBe(1);
    expect(cappedLevel(0, 'aal2', assurance)).toBe(0);
    expect(cappedLevel(-1, 'aal1', assurance)).toBe(-1);
    expect(cappedLevel(2, undefined, assurance)).toBe(2);
  });

  class World {
    t = Date.parse('2028-02-15T13:00:00Z');
    keys: Record<string, SigningKey> = {};
    now = () => this.t;
    fetch: FetchFn = async (url) => {
      const iss = [MSP, ACME, BOREALIS].find((i) => url === `${i}/jwks`);
      if (iss === undefined || this.keys[iss] === undefined) return new Response('not found', { status: 404 });
      return new Response(JSON.stringify({ keys: [this.keys[iss].jwk] }), { headers: { 'content-type': 'application/json' } });
    };
  }
  let keys: SigningKey[];
  beforeAll(async () => {
    keys = await Promise.all([signingKey('msp'), signingKey('acme'), signingKey('bor')]);
  });

  async function verified(w: World, config: string, iss: string, claims: Record<string, unknown>) {
    const cfg = parseConfig(config, 'tenants.yaml');
    const v = new TokenVerifier(cfg, compileAssurance(cfg.assurance.levels), { fetch: w.fetch, now: w.now, env: {} });
    const iat = Math.floor(w.t / 1000);
    const k = w.keys[iss]!;
    const token = await new SignJWT({ iss, aud: 'kubernetes', sub: 'eng-1@tidewater.test', iat, exp: iat + 600, auth_time: iat - 30, ...claims }).setProtectedHeader({ alg: 'ES256', kid: k.jwk.kid! }).sign(k.privateKey);
    const r = await v.verify(token);
    if (!r.ok) throw new Error(`refused: ${r.reason}`);
    return r.identity;
  }

  it("credits a capped issuer's hardware-key token (acr or amr) with its max_level, keeps the acr as written, and says the level upstream", async () => {
    const w = new World();
    w.keys = { [MSP]: keys[0]!, [ACME]: keys[1]!, [BOREALIS]: keys[2]! };
    const forged = await verified(w, yaml(), BOREALIS, { acr: 'a3' });
    expect(forged).toMatchObject({ issuer: BOREALIS, acr: 'a3', level: 1, levelName: 'aal2' });
    expect(forged.upstreamHeaders).toContainEqual(['x-stepgate-level', 'aal2']);
    expect(await verified(w, yaml(), BOREALIS, { acr: 'a1', amr: ['hwk'] })).toMatchObject({ level: 1, levelName: 'aal2' });
    expect(await verified(w, yaml(), BOREALIS, { acr: 'a1' })).toMatchObject({ level: 0, levelName: 'aal1' });
    // The MSP's own IdP and Acme's (no max_level) are read as they say.
    expect(await verified(w, yaml(), MSP, { acr: 'a3' })).toMatchObject({ level: 2, levelName: 'aal3' });
    expect(await verified(w, yaml(), ACME, { acr: 'a3' })).toMatchObject({ level: 2, levelName: 'aal3' });
  });

  it('asks a capped token for more where a rule needs more than its ceiling', async () => {
    const w = new World();
    w.keys = { [MSP]: keys[0]!, [ACME]: keys[1]!, [BOREALIS]: keys[2]! };
    const cfg = parseConfig(yaml(), 'tenants.yaml');
    const policy = compilePolicy(cfg, compileAssurance(cfg.assurance.levels));
    const need = policy.evaluate(kubeReq('POST', '/apis/rbac.authorization.k8s.io/v1/namespaces/borealis-portal-prod/rolebindings'), undefined).level;
    const forged = await verified(w, yaml(), BOREALIS, { acr: 'a3' });
    expect(forged.level).toBeLessThan(need);
    const own = await verified(w, yaml(), MSP, { acr: 'a3' });
    expect(own.level).toBeGreaterThanOrEqual(need);
  });
});
