import { SignJWT } from 'jose';
import { beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/load.js';
import { compileAssurance } from '../../src/core/assurance.js';
import { buildIdentity, sessionSubjectClaim, subjectProblem } from '../../src/core/identity.js';
import { TokenVerifier } from '../../src/identity/verifier.js';
import { sessionClaims } from '../../src/web/stepup/flow.js';
import { testConfigYaml, withStepupSession } from '../support/config.js';
import { World, signingKey, type SigningKey } from '../support/jwks-world.js';

/**
 * What the identity headers may say (session 50): a claim value that would name someone else once
 * a control character is removed, or that its issuer marks unverified, never reaches a header, and
 * a subject of either kind is no subject at all.
 */

const config = parseConfig(testConfigYaml('https://idp.example.com'), 'test.yaml');
const assurance = compileAssurance(config.assurance.levels);
const iss = config.issuers[0]!;

function headers(claims: Record<string, unknown>): Map<string, string> {
  const payload = { sub: 'mallory', exp: 2_000_000_000, auth_time: 1_700_000_000, ...claims };
  return new Map(buildIdentity(iss, String(payload.sub), payload, assurance, config.identity_headers, 'hash').upstreamHeaders);
}

describe('claim headers', () => {
  it.each(['\u0000', '\t', '\r\n', '\u001b', '\u007f'])('an email with %j in it sends no email header, rather than the address without it', (c) => {
    expect(headers({ email: `ceo@example.com${c}` }).has('x-stepgate-email')).toBe(false);
    expect(headers({ email: `${c}ceo@example.com` }).has('x-stepgate-email')).toBe(false);
  });

  it('a group with a control character is left out of the list; the others stay', () => {
    expect(headers({ groups: ['dev', 'system:\tmasters', 'ops'] }).get('x-stepgate-groups')).toBe('dev,ops');
  });

  it('a claim its issuer marks unverified sends no header; true or absent sends it', () => {
    expect(headers({ email: 'ceo@example.com', email_verified: false }).has('x-stepgate-email')).toBe(false);
    expect(headers({ email: 'mallory@example.com', email_verified: true }).get('x-stepgate-email')).toBe('mallory@example.com');
    expect(headers({ email: 'mallory@example.com' }).get('x-stepgate-email')).toBe('mallory@example.com');
    // Only `false` is a statement that it is unverified (some IdPs send the string "true").
    expect(headers({ email: 'mallory@example.com', email_verified: 'false' }).get('x-stepgate-email')).toBe('mallory@example.com');
  });

  it('control: printable values, non-ASCII included, are sent as they are', () => {
    const h = headers({ email: 'lǐ.léi@example.com', groups: ['dev', 'ops team'] });
    expect(h.get('x-stepgate-email')).toBe('lǐ.léi@example.com');
    expect(h.get('x-stepgate-groups')).toBe('dev,ops team');
    expect(h.get('x-stepgate-subject')).toBe('mallory');
  });
});

describe('subjectProblem', () => {
  it.each<[unknown, string | undefined]>([
    ['alice', undefined],
    ['李雷', undefined],
    ['alice bob', undefined],
    ['', 'missing'],
    [undefined, 'missing'],
    [42, 'missing'],
    ['alice\u0000', 'control'],
    ['alice\n', 'control'],
    ['\u001balice', 'control'],
    ['al\u007fice', 'control'],
  ])('%j: %s', (value, problem) => {
    const got = subjectProblem({ sub: value } as Record<string, unknown>, 'sub');
    if (problem === undefined) expect(got).toBeUndefined();
    else expect(got).toContain(problem === 'missing' ? 'missing' : 'control character');
  });

  it('an address the issuer marks unverified is no subject; verified or unmarked is', () => {
    expect(subjectProblem({ email: 'ceo@example.com', email_verified: false }, 'email')).toContain('not verified');
    expect(subjectProblem({ email: 'ceo@example.com', email_verified: true }, 'email')).toBeUndefined();
    expect(subjectProblem({ email: 'ceo@example.com' }, 'email')).toBeUndefined();
    // Another claim's flag says nothing about this one.
    expect(subjectProblem({ sub: 'alice', email_verified: false }, 'sub')).toBeUndefined();
  });

  it('a session reads its subject from subject_claim when it holds one, else sub', () => {
    expect(sessionSubjectClaim({ sub: 'x', email: 'a@example.com' }, 'email')).toBe('email');
    expect(sessionSubjectClaim({ sub: 'x', email: '' }, 'email')).toBe('sub');
    expect(sessionSubjectClaim({ sub: 'x' }, 'sub')).toBe('sub');
  });
});

describe('the verifier and the session claims', () => {
  const ISS = 'https://idp.test';
  let key: SigningKey;
  beforeAll(async () => {
    key = await signingKey('k1');
  });

  function verifier(world: World, subjectClaim = 'sub') {
    const c = parseConfig(
      `issuers:\n  - issuer: ${ISS}\n    jwks_uri: ${ISS}/jwks\n    audiences: [kubernetes]\n    algorithms: [ES256]\n    subject_claim: ${subjectClaim}\nassurance:\n  levels:\n    - name: aal1\n      acr: [a1]\npolicy:\n  default: { require: aal1 }\n`,
      'unit.yaml',
    );
    return new TokenVerifier(c, compileAssurance(c.assurance.levels), { fetch: world.fetch, now: world.now, env: {} });
  }
  const sign = (world: World, claims: Record<string, unknown>) => {
    const iat = Math.floor(world.t / 1000);
    return new SignJWT({ iss: ISS, aud: 'kubernetes', sub: 'alice', iat, exp: iat + 3600, acr: 'a1', ...claims }).setProtectedHeader({ alg: 'ES256', kid: 'k1' }).sign(key.privateKey);
  };

  it('a token whose subject holds a control character, or whose subject address is unverified, is subject_missing', async () => {
    const w = new World(Date.parse('2026-12-07T12:00:00Z'));
    w.keys = [key.jwk];
    expect(await verifier(w).verify(await sign(w, { sub: 'alice\u0000' }))).toMatchObject({ ok: false, reason: 'subject_missing' });
    const byEmail = verifier(w, 'email');
    expect(await byEmail.verify(await sign(w, { email: 'ceo@example.com', email_verified: false }))).toMatchObject({ ok: false, reason: 'subject_missing' });
    expect(await byEmail.verify(await sign(w, { email: 'alice@example.com', email_verified: true }))).toMatchObject({ ok: true });
    expect(await verifier(w).verify(await sign(w, { sub: 'alice' }))).toMatchObject({ ok: true });
  });

  it('the session keeps whether the IdP verified a kept claim, so the session is read as the token is', () => {
    const withSession = parseConfig(withStepupSession(testConfigYaml('https://idp.example.com')), 'test.yaml');
    const sc = sessionClaims(withSession, { sub: 'mallory', email: 'ceo@example.com', email_verified: false }, 'a1', [], 1_700_000_000);
    expect(sc.extra.email_verified).toBe(false);
    expect(sessionClaims(withSession, { sub: 'mallory', email: 'm@example.com' }, 'a1', [], 1_700_000_000).extra).not.toHaveProperty('email_verified');
  });
});

describe('review50b: look-alikes that are not control characters', () => {
  const LOOKALIKES: [string, string][] = [
    ['a zero-width space', 'ceo@example.com\u200b'],
    ['a zero-width joiner', 'ce\u200do@example.com'],
    ['a right-to-left mark', '\u200fceo@example.com'],
    ['a right-to-left override', 'moc.elpmaxe@oec\u202e'],
    ['a byte order mark', '\ufeffceo@example.com'],
    ['a soft hyphen', 'c\u00adeo@example.com'],
    ['fullwidth letters (NFKC)', '\uff43\uff45\uff4f@example.com'],
    ['a decomposed accent (NFKC)', 'jose\u0301@example.com'],
  ];

  it.each(LOOKALIKES)('an email with %s sends no email header', (_what, email) => {
    expect(headers({ email }).has('x-stepgate-email')).toBe(false);
  });

  it.each(LOOKALIKES)('a subject with %s is no subject', (_what, sub) => {
    expect(subjectProblem({ sub }, 'sub')).toBeDefined();
  });

  it('a group with one is left out; international names in NFC, and plain ones, stay', () => {
    expect(headers({ groups: ['dev', 'sre\u200b', 'ops'] }).get('x-stepgate-groups')).toBe('dev,ops');
    expect(headers({ email: 'jos\u00e9@example.com', groups: ['Entwicklung-Zürich', '開発'] }).get('x-stepgate-email')).toBe('jos\u00e9@example.com');
    expect(headers({ groups: ['Entwicklung-Zürich', '開発'] }).get('x-stepgate-groups')).toBe('Entwicklung-Zürich,開発');
    expect(subjectProblem({ sub: 'jos\u00e9@example.com' }, 'sub')).toBeUndefined();
    expect(subjectProblem({ sub: '00u1a2b3c4D5e6F7g8h9' }, 'sub')).toBeUndefined();
  });
});
