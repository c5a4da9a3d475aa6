import { SignJWT } from 'jose';
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/load.js';
import { rfc3339Ms } from '../../src/config/schema/access-windows.js';
import { explain } from '../../src/explain.js';
import { check, type Checked } from '../../src/pipeline/check.js';
import { buildRuntime, type Runtime } from '../../src/pipeline/runtime.js';
import { compileAccessWindows } from '../../src/policy/access-windows.js';
import type { RawRequest } from '../../src/request/attributes.js';
import { RequestHeaders } from '../../src/request/headers.js';
import { configProblems, HMAC_ISSUER, HMAC_SECRET, testConfigYaml } from '../support/config.js';
import { who } from '../support/policy.js';

/**
 * access_windows[] (issue 12, day 42): an account that may use the gateway only from one instant
 * until another. Refused outside the window (access_window_closed, 403), on the cached path too,
 * against the injected clock; startup errors for windows that cannot mean what they say.
 */

// Two minutes before the freelancers' window closes (02:00+02:00 is 00:00Z).
const T0 = Date.parse('2027-05-06T23:58:00Z');
const NIGHT = `access_windows:
  - name: election-night-freelancers
    match:
      subjects: ["*@freelance.example"]
    valid_from: "2027-05-06T12:00:00Z"
    valid_until: "2027-05-07T02:00:00+02:00"
`;

function runtime(extra = NIGHT): { rt: Runtime; clock: { now: number } } {
  const clock = { now: T0 };
  const rt = buildRuntime(parseConfig(testConfigYaml('https://idp.invalid', extra), 'stepgate.yaml'), {
    fetch: () => Promise.reject(new Error('no network in a unit test')),
    now: () => clock.now,
    env: { TEST_HMAC_SECRET: HMAC_SECRET },
  });
  return { rt, clock };
}

/** A hardware-key sign-in ten seconds before `atMs`. */
async function token(sub: string, atMs: number, claims: Record<string, unknown> = {}): Promise<string> {
  const s0 = Math.floor(atMs / 1000);
  return new SignJWT({ sub, auth_time: s0 - 10, acr: 'urn:stepgate:aal3', groups: ['engineers'], ...claims })
    .setProtectedHeader({ alg: 'HS256' })
    .setIssuer(HMAC_ISSUER)
    .setAudience('kubernetes')
    .setIssuedAt(s0 - 10)
    .setExpirationTime(s0 + 86_400)
    .sign(new TextEncoder().encode(HMAC_SECRET));
}

function raw(t: string, target = '/api/v1/namespaces/dev/pods'): RawRequest {
  return {
    method: 'GET',
    target,
    authority: 'kube.example.com',
    scheme: 'https',
    headers: RequestHeaders.of([['accept', 'application/json'], ['authorization', `Bearer ${t}`]]),
    sourceAddress: '10.1.2.3',
    sourcePrincipal: '',
    contextExtensions: {},
    body: undefined,
    bodyTruncated: false,
  };
}

const run = async (rt: Runtime, r: RawRequest): Promise<Checked> => check(rt, { ok: true, raw: r, spoofed: [] });

describe('access_windows: an account dated from and until', () => {
  it('allows inside the window and refuses after it, on the cached path, whatever the token presents', async () => {
    const { rt, clock } = runtime();
    const req = raw(await token('fl-1@freelance.example', clock.now));
    expect((await run(rt, req)).verdict.reason).toBe('allowed');
    // 02:00+02:00 is 00:00Z: the last millisecond inside, then closed.
    clock.now = Date.parse('2027-05-06T23:59:59.999Z');
    const inside = check(rt, { ok: true, raw: req, spoofed: [] });
    expect(inside).not.toBeInstanceOf(Promise);
    expect((inside as Checked).verdict).toMatchObject({ allow: true, tokenCached: true });
    clock.now = Date.parse('2027-05-07T00:00:00Z');
    const after = check(rt, { ok: true, raw: req, spoofed: [] }) as Checked;
    expect(after.verdict).toMatchObject({ allow: false, reason: 'access_window_closed', tokenCached: true, detail: 'access window election-night-freelancers closed at 2027-05-07T02:00:00+02:00' });
    expect(after.verdict.requirement?.rules).toContain('access_window:election-night-freelancers');
    // A refusal, not a challenge: no sign-in (a hardware key's included) moves an end date.
    expect(after.answer).toMatchObject({ allow: false, status: 403 });
    expect(after.answer.headers.find(([k]) => k === 'www-authenticate')).toBeUndefined();
    const body = JSON.parse(after.answer.body) as { stepgate: { reason: string; message: string } };
    expect(body.stepgate.reason).toBe('access_window_closed');
    expect(body.stepgate.message).toBe('This account may use this service only from 2027-05-06T12:00:00Z until 2027-05-07T02:00:00+02:00; ask the people who granted it for an extension.');
  });

  it('refuses before valid_from as well', async () => {
    const { rt, clock } = runtime();
    clock.now = Date.parse('2027-05-06T11:59:59Z');
    const c = await run(rt, raw(await token('fl-1@freelance.example', clock.now)));
    expect(c.verdict).toMatchObject({ reason: 'access_window_closed', detail: 'access window election-night-freelancers opens at 2027-05-06T12:00:00Z' });
    clock.now = Date.parse('2027-05-06T12:00:00Z');
    expect((await run(rt, raw(await token('fl-1@freelance.example', clock.now)))).verdict.reason).toBe('allowed');
  });

  it('holds only whom it names: another subject is judged as before', async () => {
    const { rt, clock } = runtime();
    clock.now = Date.parse('2027-05-07T08:00:00Z');
    expect((await run(rt, raw(await token('alice@example.com', clock.now)))).verdict.reason).toBe('allowed');
  });

  it('names by group and issuer, and every window naming the identity must be open', async () => {
    const { rt, clock } = runtime(`access_windows:
  - name: agency
    match: {issuers: ["${HMAC_ISSUER}"], groups: [agency-pixelharbor]}
    valid_until: "2027-05-07T06:00:00Z"
    message: the agency's accounts ended with the election night; ask the platform lead
  - name: agency-dev-extended
    match: {subjects: [ag-1@pixelharbor.example]}
    valid_until: "2027-05-09T00:00:00Z"
`);
    clock.now = Date.parse('2027-05-07T07:00:00Z');
    const ag1 = await token('ag-1@pixelharbor.example', clock.now, { groups: ['agency-pixelharbor'] });
    const other = await token('ag-9@pixelharbor.example', clock.now, { groups: ['designers'] });
    const c = await run(rt, raw(ag1));
    expect(c.verdict).toMatchObject({ reason: 'access_window_closed', detail: 'access window agency closed at 2027-05-07T06:00:00Z' });
    expect((JSON.parse(c.answer.body) as { stepgate: { message: string } }).stepgate.message).toBe("the agency's accounts ended with the election night; ask the platform lead");
    expect((await run(rt, raw(other))).verdict.reason).toBe('allowed');
  });

  it('asks nothing and allocates nothing per Check for an identity no window names', () => {
    const w = compileAccessWindows(parseConfig(testConfigYaml('https://idp.invalid', NIGHT), 'stepgate.yaml'))!;
    const alice = who(['engineers']);
    expect(w.closed(alice, () => T0)).toBeUndefined();
    // The second answer comes from the per-identity memo: the same frozen empty list every time.
    const memo = (w as unknown as { held: WeakMap<object, readonly unknown[]> }).held;
    const first = memo.get(alice);
    expect(first).toEqual([]);
    // The clock is not even read for an identity no window holds.
    expect(w.closed(alice, () => { throw new Error('the clock was read'); })).toBeUndefined();
    expect(memo.get(alice)).toBe(first);
    expect(compileAccessWindows({ access_windows: undefined })).toBeUndefined();
  });
});

describe("access_windows: another spelling of the same account does not escape its window (windows49)", () => {
  const AGENCY = `access_windows:
  - name: agency
    match: {issuers: ["${HMAC_ISSUER}"], groups: [agency-pixelharbor]}
    valid_until: "2027-05-07T06:00:00Z"
`;
  const after = Date.parse('2027-05-07T07:00:00Z');
  const refused = async (extra: string, sub: string, claims: Record<string, unknown>) => {
    const { rt, clock } = runtime(extra);
    clock.now = after;
    return (await run(rt, raw(await token(sub, clock.now, claims)))).verdict.reason;
  };

  // Many IdPs keep the case a user typed or an admin edited (an e-mail subject, a display-cased
  // group), and e-mail domains are case-insensitive: a window only refuses, so it matches either case.
  it.each([
    ['the subject in capitals', NIGHT, 'FL-1@Freelance.Example', {}],
    ['the group in capitals', AGENCY, 'ag-1@pixelharbor.example', { groups: ['Agency-PixelHarbor'] }],
    ['the group as one string, not a list', AGENCY, 'ag-1@pixelharbor.example', { groups: 'agency-pixelharbor' }],
    // Entra ID's groups overage (over 200 groups): no groups claim, `_claim_names` points elsewhere;
    // `hasgroups` in the implicit flow. The member is in groups the token does not list: a window
    // that names groups holds it, as an unreadable claim fails closed.
    ['groups left out for overage (_claim_names.groups)', AGENCY, 'ag-1@pixelharbor.example', { groups: undefined, _claim_names: { groups: 'src1' }, _claim_sources: { src1: { endpoint: 'https://graph.microsoft.com/v1.0/users/x/getMemberObjects' } } }],
    ['groups left out (hasgroups: true)', AGENCY, 'ag-1@pixelharbor.example', { groups: undefined, hasgroups: true }],
    ['a groups claim that is not strings (objects)', AGENCY, 'ag-1@pixelharbor.example', { groups: [{ name: 'agency-pixelharbor' }] }],
  ])('%s: access_window_closed', async (_what, extra, sub, claims) => {
    expect(await refused(extra, sub, claims)).toBe('access_window_closed');
  });

  it('an identity whose token lists its groups, none of them named, is not held (the marker is only for groups the token does not carry)', async () => {
    expect(await refused(AGENCY, 'ag-9@pixelharbor.example', { groups: ['designers'] })).toBe('allowed');
    expect(await refused(AGENCY, 'ag-9@pixelharbor.example', { groups: [] })).toBe('allowed');
    expect(await refused(AGENCY, 'ag-9@pixelharbor.example', { groups: undefined })).toBe('allowed');
  });

  it("an issuer spelt with a trailing slash is not a configured issuer: issuer_unknown, never the window's escape", async () => {
    const { rt, clock } = runtime(AGENCY);
    clock.now = after;
    const s0 = Math.floor(after / 1000);
    const t = await new SignJWT({ sub: 'ag-1@pixelharbor.example', auth_time: s0 - 10, acr: 'urn:stepgate:aal3', groups: ['agency-pixelharbor'] })
      .setProtectedHeader({ alg: 'HS256' })
      .setIssuer(`${HMAC_ISSUER}/`)
      .setAudience('kubernetes')
      .setIssuedAt(s0 - 10)
      .setExpirationTime(s0 + 600)
      .sign(new TextEncoder().encode(HMAC_SECRET));
    expect((await run(rt, raw(t))).verdict.reason).toBe('issuer_unknown');
  });
});

describe('access_windows in stepgate explain', () => {
  it('prints the reason, the window among the rules and its detail, from hand-written claims', async () => {
    const cfg = parseConfig(testConfigYaml('https://idp.invalid', NIGHT), 'stepgate.yaml');
    const at = Date.parse('2027-05-07T08:00:00Z');
    const out = await explain(cfg, { method: 'GET', url: 'https://kube.example.com/api/v1/namespaces/results-prod/secrets/cdn-api-token', headers: [], claims: { iss: HMAC_ISSUER, sub: 'fl-2@freelance.example', acr: 'urn:stepgate:aal3', auth_time: at / 1000 - 20, exp: at / 1000 + 600 } }, { now: () => at, env: { TEST_HMAC_SECRET: HMAC_SECRET } });
    const text = JSON.stringify(out);
    expect(out.decision.reason).toBe('access_window_closed');
    expect(text).toContain('access_window:election-night-freelancers');
    expect(text).toContain('access window election-night-freelancers closed at 2027-05-07T02:00:00+02:00');
  });
});

describe('access_windows: startup errors (file, line, field)', () => {
  const problems = (windows: string) => configProblems(testConfigYaml('https://idp.invalid', windows), 'stepgate.yaml');
  const one = (fields: string) => `access_windows:\n  - name: w\n    match: {subjects: ["*@freelance.example"]}\n${fields}`;

  it.each([
    ['    valid_until: "2027-05-07"\n', /a date alone is not an instant/],
    ['    valid_until: "2027-05-07T06:00:00"\n', /without an offset/],
    ['    valid_until: "2027-05-07 06:00"\n', /without an offset/],
    ['    valid_until: "2027-02-30T06:00:00Z"\n', /has no day 30/],
    ['    valid_until: "2027-13-01T06:00:00Z"\n', /month 13/],
    ['    valid_until: "2027-05-07T24:00:00Z"\n', /not a time of day/],
    ['    valid_until: "2027-05-07T23:59:60Z"\n', /leap second/],
    ['    valid_until: "2027-05-07T06:00:00+24:00"\n', /offset/],
    ['    valid_until: "next friday"\n', /RFC 3339/],
  ])('%s is refused with the field and line', (fields, why) => {
    const ps = problems(one(fields));
    expect(ps).toHaveLength(1);
    expect(ps[0]!.field).toBe('access_windows[0].valid_until');
    expect(ps[0]!.message).toMatch(why);
    expect(ps[0]!.line).toBeGreaterThan(1);
  });

  it('refuses valid_until at or before valid_from, and a window with neither', () => {
    for (const until of ['2027-05-06T12:00:00Z', '2027-05-06T13:00:00+02:00']) {
      const ps = problems(one(`    valid_from: "2027-05-06T12:00:00Z"\n    valid_until: "${until}"\n`));
      expect(ps.map((p) => [p.field, p.message])).toEqual([['access_windows[0].valid_until', expect.stringMatching(/not after valid_from/)]]);
    }
    expect(problems(one('    message: hi\n')).map((p) => p.field)).toEqual(['access_windows[0].valid_until']);
  });

  it('refuses a window for everybody, an unknown issuer, a duplicate name', () => {
    expect(problems('access_windows:\n  - name: w\n    match: {}\n    valid_until: "2027-05-07T06:00:00Z"\n')[0]!.field).toBe('access_windows[0].match');
    expect(problems(`access_windows:\n  - name: w\n    match: {issuers: ["https://sso.pixelharbor.example"]}\n    valid_until: "2027-05-07T06:00:00Z"\n`)[0]).toMatchObject({ field: 'access_windows[0].match.issuers[0]', message: expect.stringMatching(/names no configured issuer/) });
    const dup = problems(`access_windows:\n  - name: w\n    match: {subjects: [a]}\n    valid_until: "2027-05-07T06:00:00Z"\n  - name: w\n    match: {subjects: [b]}\n    valid_until: "2027-05-07T06:00:00Z"\n`);
    expect(dup.map((p) => p.field)).toEqual(['access_windows[1].name']);
  });

  it('refuses a subject or group no issuer can carry once the issuers prefix them (claimmap47)', () => {
    const prefixed = testConfigYaml('https://idp.invalid', `access_windows:\n  - name: w\n    match: {issuers: ["${HMAC_ISSUER}"], groups: [freelancers]}\n    valid_until: "2027-05-07T06:00:00Z"\n  - name: v\n    match: {issuers: ["${HMAC_ISSUER}"], subjects: [fl-1@vpb.example]}\n    valid_until: "2027-05-07T06:00:00Z"\n`).replace(`hmac_secret_env: TEST_HMAC_SECRET\n`, `hmac_secret_env: TEST_HMAC_SECRET\n    subject_prefix: "ci:"\n    groups_prefix: "ci:"\n`);
    const ps = configProblems(prefixed, 'stepgate.yaml');
    expect(ps.map((p) => p.field)).toEqual(['access_windows[0].match.groups[0]', 'access_windows[1].match.subjects[0]']);
    expect(ps[0]!.message).toContain('"ci:freelancers"');
  });
});

describe('rfc3339Ms', () => {
  it('reads the offset, fractions and lower-case t and z as RFC 3339 allows', () => {
    expect(rfc3339Ms('2027-05-07T02:00:00+02:00')).toBe(Date.parse('2027-05-07T00:00:00Z'));
    expect(rfc3339Ms('2027-05-06T19:30:00-04:30')).toBe(Date.parse('2027-05-07T00:00:00Z'));
    expect(rfc3339Ms('2027-05-07t00:00:00.250z')).toBe(Date.parse('2027-05-07T00:00:00.250Z'));
    expect(rfc3339Ms('2028-02-29T00:00:00Z')).toBe(Date.parse('2028-02-29T00:00:00Z'));
    expect(typeof rfc3339Ms('2027-02-29T00:00:00Z')).toBe('string');
  });
});
