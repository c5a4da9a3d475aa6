import { SignJWT } from 'jose';
import { describe, expect, it } from 'vitest';
import { bindRequest } from '../../src/approvals/request-id.js';
import { parseConfig } from '../../src/config/load.js';
import { DeviceCookies, deviceOwner } from '../../src/cookies/device-cookie.js';
import { parseKeyList } from '../../src/cookies/keys.js';
import { explain } from '../../src/explain.js';
import { check, type Checked } from '../../src/pipeline/check.js';
import { buildRuntime, type Runtime } from '../../src/pipeline/runtime.js';
import type { RawRequest } from '../../src/request/attributes.js';
import { RequestHeaders } from '../../src/request/headers.js';
import { globCanStartWith } from '../../src/config/prefixes.js';
import { configProblems } from '../support/config.js';

/**
 * Identities across issuers (session 47, issue 12; day 39's MSP whose customers' identity
 * providers are listed beside its own). Two issuers can name one person alike: a customer's IdP
 * can mint a token whose `sub`, `email` and `groups` are an operator engineer's. What stepgate keeps
 * about an identity (networks, devices and clients it learned, the levels it proved, the step-ups
 * it asked, approvals, the device cookie) is keyed by issuer and subject, so such a token starts
 * from nothing (rows 1–3). Names that rules and settings compare as text (groups, the subject in
 * `match.subjects`, the headers upstream) are kept apart by `issuers[].subject_prefix` and
 * `groups_prefix`, Kubernetes' `claimMappings.username.prefix` and `groups.prefix` (rows 4–8).
 * Tokens are HMAC-signed so nothing is fetched; the clock is injected.
 */

const OPS = 'https://login.ops.test';
const CUST = 'https://sso.customer.test';
const SECRETS: Record<string, string> = { OPS_SECRET: 'ops-test-only-shared-secret-at-least-32-bytes!', CUST_SECRET: 'cust-test-only-shared-secret-at-least-32-bytes' };
const T0 = Date.parse('2028-02-15T09:00:00Z');
const S0 = Math.floor(T0 / 1000);
const OFFICE = '198.51.100.7';
const KUBECTL = 'kubectl/v1.33.1 (linux/amd64) kubernetes/8adc0f0';

const yaml = (custPrefixes = '', extra = '') => `
log: {level: silent}
issuers:
  - issuer: ${OPS}
    audiences: [kubernetes]
    algorithms: [HS256]
    hmac_secret_env: OPS_SECRET
  - issuer: ${CUST}
    audiences: [kubernetes]
    algorithms: [HS256]
    hmac_secret_env: CUST_SECRET
${custPrefixes}assurance:
  levels:
    - {name: aal1, acr: [a1]}
    - {name: aal2, acr: [a2]}
    - {name: aal3, acr: [a3]}
kubernetes: {hosts: [kube.test]}
network: {xff_num_trusted_hops: 1}
identity_headers:
  claims: {groups: x-stepgate-groups}
policy:
  default: {require: aal1, max_age: 43200}
  rules:
    - {name: breakglass, match: {subjects: ["breakglass-*"]}, require: aal3, max_age: 900}
    - {name: ops-admins, match: {groups: [admins]}, require: aal2, max_age: 3600}
risk:
  learn:
    min_level: aal2
    newcomer_grace_seconds: 600
    below_min_level: [{groups: [noc-night], level: aal1}]
  bands: [{name: elevated, min_score: 45, require: aal2}]
${extra}`;

const PREFIXED = '    subject_prefix: "customer:"\n    groups_prefix: "customer:"\n';

function runtime(text: string): { rt: Runtime; clock: { now: number } } {
  const clock = { now: T0 };
  const rt = buildRuntime(parseConfig(text, 'tenants.yaml'), { fetch: () => Promise.reject(new Error('no network in a unit test')), now: () => clock.now, env: SECRETS });
  return { rt, clock };
}

async function token(iss: string, claims: Record<string, unknown>, nowS: number): Promise<string> {
  return new SignJWT({ aud: 'kubernetes', iat: nowS - 30, exp: nowS + 3600, ...claims })
    .setProtectedHeader({ alg: 'HS256' })
    .setIssuer(iss)
    .sign(new TextEncoder().encode(SECRETS[iss === OPS ? 'OPS_SECRET' : 'CUST_SECRET']));
}

function raw(target: string, headers: Record<string, string>, ip = OFFICE): RawRequest {
  return {
    method: 'GET',
    target,
    authority: 'kube.test',
    scheme: 'https',
    headers: RequestHeaders.of(Object.entries({ accept: 'application/json', 'user-agent': KUBECTL, 'x-forwarded-for': ip, ...headers })),
    sourceAddress: '10.1.2.3',
    sourcePrincipal: '',
    contextExtensions: {},
    body: undefined,
    bodyTruncated: false,
  };
}

async function run(rt: Runtime, target: string, t: string, ip = OFFICE): Promise<Checked> {
  return check(rt, { ok: true, raw: raw(target, { authorization: `Bearer ${t}` }, ip), spoofed: [] });
}

/**
 * A first request from the office (the new network is sighted and refused), then a minute later a
 * sign-in made after the sighting, as the step-up it asked for.
 */
async function afterSighting(rt: Runtime, clock: { now: number }, iss: string, claims: Record<string, unknown>): Promise<Checked> {
  const s = Math.floor(clock.now / 1000);
  await run(rt, PODS, await token(iss, { ...claims, auth_time: s - 600 }, s));
  clock.now += 60_000;
  const t = Math.floor(clock.now / 1000);
  return run(rt, PODS, await token(iss, { ...claims, auth_time: t - 10 }, t));
}

const codes = (c: Checked) => (c.verdict.risk?.contributions ?? []).filter((x) => x.weight > 0).map((x) => x.code);
const header = (c: Checked, name: string) => c.answer.headers.find(([k]) => k === name)?.[1];
const PODS = '/api/v1/namespaces/shop/pods';

describe('state is per issuer and subject: a token from another issuer naming the same person inherits nothing', () => {
  it('row 1: the networks, device and client an engineer proved are not familiar to a customer IdP token with her sub', async () => {
    const { rt, clock } = runtime(yaml());
    const alice = { sub: 'alice@ops.test', email: 'alice@ops.test', groups: ['sre'] };
    // Monday: two factors from the office; the allow proves the network, device and client.
    const first = await run(rt, PODS, await token(OPS, { ...alice, acr: 'a2', auth_time: S0 - 60 }, S0));
    expect(first.verdict).toMatchObject({ allow: true });
    expect(first.verdict.risk?.learned).toBe(true);
    // Two hours later from the same place her own token is familiar...
    clock.now = T0 + 2 * 3600_000;
    const s = Math.floor(clock.now / 1000);
    const own = await run(rt, PODS, await token(OPS, { ...alice, acr: 'a1', auth_time: s - 7200 }, s));
    expect(own.verdict.allow).toBe(true);
    for (const code of ['first_seen', 'new_network', 'new_device']) expect(codes(own)).not.toContain(code);
    // ...while the customer's IdP's token with her sub, email and groups, sent from the same
    // network and client, is a stranger: none of her history is its own.
    const forged = await run(rt, PODS, await token(CUST, { ...alice, acr: 'a1', auth_time: s - 7200 }, s));
    expect(codes(forged)).toEqual(expect.arrayContaining(['first_seen', 'new_network', 'new_device']));
    expect(forged.verdict.risk!.score).toBeGreaterThan(own.verdict.risk!.score);
  });

  it('row 2: an approval bound to one issuer\'s identity is another id for the same request by the other issuer\'s', async () => {
    const { rt } = runtime(yaml());
    const s = S0;
    const a = await run(rt, PODS, await token(OPS, { sub: 'ci-bot', acr: 'a2', auth_time: s - 60 }, s));
    const b = await run(rt, PODS, await token(CUST, { sub: 'ci-bot', acr: 'a2', auth_time: s - 60 }, s));
    const req = a.verdict.attributes!;
    const ida = bindRequest(a.verdict.identity!, req);
    const idb = bindRequest(b.verdict.identity!, req);
    expect(ida.ok && idb.ok).toBe(true);
    expect(ida.ok && idb.ok && ida.id !== idb.id).toBe(true);
  });

  it('row 3: the device cookie issued to an engineer names no device for the other issuer\'s token of her sub', () => {
    const cookies = new DeviceCookies(parseKeyList(`a:${Buffer.alloc(32, 47).toString('base64url')}`, 'K'), undefined);
    const { value } = cookies.issue(deviceOwner(OPS, 'alice@ops.test'));
    expect(cookies.fromCookieHeader(`stepgate_device=${value}`, deviceOwner(OPS, 'alice@ops.test'))).toBeDefined();
    expect(cookies.fromCookieHeader(`stepgate_device=${value}`, deviceOwner(CUST, 'alice@ops.test'))).toBeUndefined();
  });
});

describe('issuers[].subject_prefix and groups_prefix (kube claimMappings prefixes)', () => {
  it('row 4: without a prefix the customer IdP\'s "noc-night" is the operator\'s, and proves a new network at aal1', async () => {
    const { rt, clock } = runtime(yaml());
    const c = await afterSighting(rt, clock, CUST, { sub: 'mallory', groups: ['noc-night'], acr: 'a1' });
    expect(c.verdict.allow).toBe(true);
  });

  it('row 5: with groups_prefix the customer\'s group is "customer:noc-night": no learning exemption, no admins rule of the operator', async () => {
    const { rt, clock } = runtime(yaml(PREFIXED));
    const claims = { sub: 'mallory', groups: ['noc-night', 'admins'] };
    const weak = await afterSighting(rt, clock, CUST, { ...claims, acr: 'a1' });
    expect(weak.verdict.identity?.groups).toEqual(['customer:noc-night', 'customer:admins']);
    expect(weak.verdict.requirement?.rules).not.toContain('ops-admins');
    expect(weak.verdict).toMatchObject({ allow: false, reason: 'acr_insufficient' });
    expect(weak.verdict.requirement?.level).toBe(rt.assurance.names.indexOf('aal2'));
    // Its two-factor sign-in goes through, and the upstream reads the prefixed groups.
    const strong = await afterSighting(rt, clock, CUST, { ...claims, acr: 'a2' });
    expect(strong.verdict.allow).toBe(true);
    expect(header(strong, 'x-stepgate-groups')).toBe('customer:noc-night,customer:admins');
    // The operator's own NOC engineer keeps the exemption and the admins rule.
    const { rt: rt2, clock: clock2 } = runtime(yaml(PREFIXED));
    const noc = await afterSighting(rt2, clock2, OPS, { sub: 'nina', groups: ['noc-night'], acr: 'a1' });
    expect(noc.verdict.allow).toBe(true);
    expect(header(noc, 'x-stepgate-groups')).toBe('noc-night');
    const admin = await run(rt2, PODS, await token(OPS, { sub: 'nina', groups: ['admins'], acr: 'a1', auth_time: S0 }, S0));
    expect(admin.verdict.requirement?.rules).toContain('ops-admins');
  });

  it('row 6: subject_prefix names the user in match.subjects and the subject header; the history keeps the subject', async () => {
    const { rt, clock } = runtime(yaml(PREFIXED));
    const c = await afterSighting(rt, clock, CUST, { sub: 'breakglass-1', acr: 'a2' });
    expect(c.verdict.identity).toMatchObject({ subject: 'breakglass-1', username: 'customer:breakglass-1' });
    // The operator's break-glass rule names the operator's accounts: the customer's look-alike is not one.
    expect(c.verdict.requirement?.rules).not.toContain('breakglass');
    expect(c.verdict.allow).toBe(true);
    expect(header(c, 'x-stepgate-subject')).toBe('customer:breakglass-1');
    const own = await afterSighting(rt, clock, OPS, { sub: 'breakglass-1', acr: 'a3' });
    expect(own.verdict.requirement?.rules).toContain('breakglass');
    expect(header(own, 'x-stepgate-subject')).toBe('breakglass-1');
    expect(own.verdict.identity?.username).toBeUndefined();
  });

  it('row 6b: stepgate explain shows the prefixed names, and the subject as the token carries it', async () => {
    const out = await explain(
      parseConfig(yaml(PREFIXED), 'tenants.yaml'),
      { method: 'GET', url: `https://kube.test${PODS}`, headers: [], claims: { iss: CUST, sub: 'breakglass-1', groups: ['admins'], acr: 'a2', iat: S0 - 60, auth_time: S0 - 60, exp: S0 + 600 }, source: OFFICE },
      { now: () => T0, env: SECRETS },
    );
    expect(out.identity).toMatchObject({ subject: 'breakglass-1', username: 'customer:breakglass-1', groups: ['customer:admins'] });
    expect(out.policy?.matched_rules).not.toContain('ops-admins');
    expect(out.policy?.matched_rules).not.toContain('breakglass');
  });

  it('row 7: a rule can name the prefixed names', async () => {
    const { rt } = runtime(yaml(PREFIXED, '').replace('match: {subjects: ["breakglass-*"]}', 'match: {subjects: ["customer:*"]}'));
    const c = await run(rt, PODS, await token(CUST, { sub: 'bob', acr: 'a1', auth_time: S0 - 60 }, S0));
    expect(c.verdict.requirement?.rules).toContain('breakglass');
    expect(c.verdict.reason).toBe('acr_insufficient');
  });

  it('row 8: a prefix Kubernetes would read as its own, or that cannot be written, stops the start with file, line and field', () => {
    const cases: [string, string, RegExp][] = [
      ['    groups_prefix: "system:"\n', 'issuers[1].groups_prefix', /reserves/],
      ['    subject_prefix: "System:"\n', 'issuers[1].subject_prefix', /reserves/],
      ['    subject_prefix: "-"\n', 'issuers[1].subject_prefix', /no prefix/],
      ['    groups_prefix: "acme *"\n', 'issuers[1].groups_prefix', /visible ASCII/],
      ['    groups_prefix: "acme*:"\n', 'issuers[1].groups_prefix', /"\*"/],
      ['    groups_prefix: "acme\\n"\n', 'issuers[1].groups_prefix', /visible ASCII/],
    ];
    for (const [line, field, message] of cases) {
      const [p] = configProblems(yaml(line), 'tenants.yaml');
      expect(p, line).toMatchObject({ file: 'tenants.yaml', line: 12, field, message: expect.stringMatching(message) });
    }
    expect(() => parseConfig(yaml('    subject_prefix: ""\n    groups_prefix: "acme:"\n'), 'tenants.yaml')).not.toThrow();
  });

  it("row 8b (review47b): a prefix that extends another issuer's stops the start: that issuer could mint its names", () => {
    const ops = (prefix: string) => `    audiences: [kubernetes]\n    algorithms: [HS256]\n    hmac_secret_env: OPS_SECRET\n    groups_prefix: "${prefix}"\n`;
    const text = (opsPrefix: string, custPrefix: string) => yaml(`    groups_prefix: "${custPrefix}"\n`).replace(`    audiences: [kubernetes]\n    algorithms: [HS256]\n    hmac_secret_env: OPS_SECRET\n`, ops(opsPrefix));
    const prefixProblems = (t: string) => configProblems(t, 'tenants.yaml').filter((x) => x.field.startsWith('issuers['));
    const [p] = prefixProblems(text('acme:', 'acme:eu:'));
    expect(p).toMatchObject({ file: 'tenants.yaml', line: 13, field: 'issuers[1].groups_prefix', message: expect.stringContaining('"eu:admins" would be this one\'s "admins"') });
    expect(prefixProblems(text('acme:eu:', 'acme:')).map((x) => x.field)).toEqual(['issuers[0].groups_prefix']);
    // The same prefix on two issuers, or two that do not extend each other, are no such problem.
    expect(prefixProblems(text('acme:', 'acme:'))).toEqual([]);
    expect(prefixProblems(text('ops:', 'acme:'))).toEqual([]);
  });

  it('row 9: once every issuer a name applies to prefixes it, a bare name in a rule or setting stops the start instead of holding nobody', () => {
    const both = '    subject_prefix: "customer:"\n    groups_prefix: "customer:"\n';
    const text = yaml(both).replace(`    audiences: [kubernetes]\n    algorithms: [HS256]\n    hmac_secret_env: OPS_SECRET\n`, `    audiences: [kubernetes]\n    algorithms: [HS256]\n    hmac_secret_env: OPS_SECRET\n    groups_prefix: "ops:"\n`);
    const found = configProblems(text, 'tenants.yaml');
    // The operator's subjects are unprefixed, so "breakglass-*" still names someone; "admins" and
    // "noc-night" name nobody now.
    expect(found.map((p) => p.field)).toEqual(['policy.rules[1].match.groups[0]', 'risk.learn.below_min_level[0].groups[0]']);
    expect(found[0]).toMatchObject({ file: 'tenants.yaml', line: 28, message: expect.stringContaining('write the prefixed name, "ops:admins" or "customer:admins"') });
    // Written with the prefix (or a glob that reaches past it), the same file starts.
    expect(() => parseConfig(text.replace('groups: [admins]', 'groups: ["ops:admins"]').replace('groups: [noc-night]', 'groups: ["*:noc-night"]'), 'tenants.yaml')).not.toThrow();
    // A rule held to one issuer is checked against that issuer's prefix only.
    const held = yaml(both).replace('match: {groups: [admins]}', `match: {issuers: ["${CUST}"], groups: [admins]}`);
    expect(configProblems(held, 'tenants.yaml').map((p) => p.field)).toEqual(['policy.rules[1].match.groups[0]']);
    expect(() => parseConfig(yaml(both), 'tenants.yaml')).not.toThrow();
  });

  it.each([
    ['admins', 'ops:', false],
    ['ops:admins', 'ops:', true],
    ['ops:*', 'ops:', true],
    ['*admins', 'ops:', true],
    ['o?s:admins', 'ops:', true],
    ['op', 'ops:', false],
    ['o*', 'ops:', true],
    ['x*', 'ops:', false],
    ['anything', '', true],
  ])('globCanStartWith(%s, %s) is %s', (pattern, prefix, can) => {
    expect(globCanStartWith(pattern, prefix)).toBe(can);
  });
});
