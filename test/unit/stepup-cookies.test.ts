import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { StartupError } from '../../src/config/load.js';
import { parseKeyList, type CookieKey } from '../../src/cookies/keys.js';
import { cookieValue, SessionCodec } from '../../src/cookies/session.js';
import { StateCookies, type FlowState } from '../../src/cookies/state.js';

const key = () => randomBytes(32).toString('base64url');
const K1 = key();
const K2 = key();
const T0 = Date.UTC(2026, 0, 1);
const session = (keys: string, lifetime = 3600) =>
  new SessionCodec({ cookie_name: 'stepgate_session', lifetime_seconds: lifetime, keys_env: 'KEYS' }, parseKeyList(keys, 'KEYS'));
const claims = (authTime = T0 / 1000) => ({
  iss: 'https://idp.example.com',
  sub: 'alice',
  acr: 'urn:stepgate:aal2',
  amr: ['pwd', 'otp', 'mfa'],
  auth_time: authTime,
  extra: { groups: ['engineers'], email: 'alice@example.com' },
});

/** Flips one character of the ciphertext (4th part) or of any part. */
function tamper(jwe: string, part: number): string {
  const parts = jwe.split('.');
  const p = parts[part]!;
  const i = Math.floor(p.length / 2);
  parts[part] = p.slice(0, i) + (p[i] === 'A' ? 'B' : 'A') + p.slice(i + 1);
  return parts.join('.');
}

describe('cookie key list (stepup.session.keys_env)', () => {
  it('parses kid:base64url pairs, first one encrypting', () => {
    const keys = parseKeyList(`new:${K1}, old:${K2}`, 'KEYS');
    expect(keys.map((k) => k.kid)).toEqual(['new', 'old']);
    expect(keys[0]!.key).toHaveLength(32);
  });

  it.each([
    ['unset', undefined, /KEYS is not set/],
    ['empty', '  ', /KEYS is not set/],
    ['no kid', K1, /key id/],
    ['short key', `a:${randomBytes(16).toString('base64url')}`, /exactly 32 random bytes.*16 bytes/],
    ['long key', `a:${randomBytes(48).toString('base64url')}`, /48 bytes/],
    ['not base64url', `a:${'+'.repeat(43)}`, /0 bytes/],
    ['duplicate kid', `a:${K1},a:${K2}`, /appears twice/],
  ])('refuses %s with a startup error naming the field', (_n, value, message) => {
    let err: unknown;
    try {
      parseKeyList(value, 'KEYS');
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(StartupError);
    expect((err as Error).message).toContain('stepup.session.keys_env (KEYS)');
    expect((err as Error).message).toMatch(message);
    // Key material never appears in the message.
    expect((err as Error).message).not.toContain(K1);
  });
});

describe('session cookie', () => {
  it('seals and opens, keeping only the recorded claims', async () => {
    const s = session(`k1:${K1}`);
    const made = (await s.create(claims(), T0))!;
    expect(made.maxAge).toBe(3600);
    expect(made.value.split('.')).toHaveLength(5);
    // Confidential: nothing readable in the cookie.
    expect(Buffer.from(made.value.split('.')[3]!, 'base64url').toString('latin1')).not.toContain('alice');
    const opened = await s.open(made.value, T0 + 1000);
    expect(opened).toMatchObject({ ok: true, payload: { sub: 'alice', acr: 'urn:stepgate:aal2', groups: ['engineers'], auth_time: T0 / 1000, exp: T0 / 1000 + 3600 } });
  });

  it('counts its lifetime from auth_time, and refuses an authentication older than the lifetime', async () => {
    const s = session(`k1:${K1}`);
    const made = (await s.create(claims(T0 / 1000 - 600), T0))!;
    expect(made.maxAge).toBe(3000);
    expect(await s.create(claims(T0 / 1000 - 3600), T0)).toBeUndefined();
  });

  it('expires', async () => {
    const s = session(`k1:${K1}`);
    const made = (await s.create(claims(), T0))!;
    expect(await s.open(made.value, T0 + 3600_000)).toMatchObject({ ok: false, problem: 'expired' });
  });

  it.each([0, 1, 2, 3, 4])('refuses a value with part %i tampered', async (part) => {
    const s = session(`k1:${K1}`);
    const made = (await s.create(claims(), T0))!;
    expect(await s.open(tamper(made.value, part), T0)).toMatchObject({ ok: false, problem: 'invalid' });
  });

  it('refuses garbage without any crypto', async () => {
    const s = session(`k1:${K1}`);
    for (const v of ['', 'x', 'a.b.c', 'a.b.c.d.e.f', 'eyJ..x.y.z', `${'a'.repeat(9000)}.b.c.d.e`]) {
      expect(await s.open(v, T0)).toMatchObject({ ok: false, problem: 'invalid' });
    }
  });

  it('rotates: a cookie sealed with the old first key opens while that key is still listed, not after', async () => {
    const before = session(`old:${K1}`);
    const cookie = (await before.create(claims(), T0))!.value;
    const during = session(`new:${K2},old:${K1}`);
    expect(await during.open(cookie, T0)).toMatchObject({ ok: true });
    const fresh = (await during.create(claims(), T0))!.value;
    expect(JSON.parse(Buffer.from(fresh.split('.')[0]!, 'base64url').toString()).kid).toBe('new');
    expect(await before.open(fresh, T0)).toMatchObject({ ok: false, problem: 'invalid' });
    const after = session(`new:${K2}`);
    expect(await after.open(cookie, T0)).toMatchObject({ ok: false, problem: 'invalid' });
  });

  it('refuses a cookie from another deployment with the same kid', async () => {
    const ours = session(`k1:${K1}`);
    const foreign = (await session(`k1:${K2}`).create(claims(), T0))!.value;
    expect(await ours.open(foreign, T0)).toMatchObject({ ok: false, problem: 'invalid' });
  });

  it('sets HttpOnly, Secure, SameSite=Lax, Path=/ and the configured domain', () => {
    const s = new SessionCodec({ cookie_name: 'sg', lifetime_seconds: 600, keys_env: 'K', domain: 'example.com' }, parseKeyList(`k:${K1}`, 'K'));
    expect(s.setCookie('v', 600)).toBe('sg=v; Path=/; Max-Age=600; HttpOnly; Secure; SameSite=Lax; Domain=example.com');
  });

  it('finds the cookie by whole name only, and strips it for the upstream', () => {
    expect(cookieValue('a=1; stepgate_session=abc; b=2', 'stepgate_session')).toBe('abc');
    expect(cookieValue('stepgate_session=abc', 'stepgate_session')).toBe('abc');
    expect(cookieValue('x_stepgate_session=evil; b=2', 'stepgate_session')).toBeUndefined();
    expect(cookieValue('stepgate_sessionx=evil', 'stepgate_session')).toBeUndefined();
    expect(cookieValue(undefined, 'stepgate_session')).toBeUndefined();
  });
});

describe('state cookie', () => {
  const keys: CookieKey[] = parseKeyList(`k1:${K1}`, 'KEYS');
  const flow: FlowState = { state: 'st4te-abcdefghijklmnop', nonce: 'n', verifier: 'v', level: 'aal2', maxAge: 900, rd: 'https://grafana.example.com/admin', prompt: false };
  const valueOf = (setCookie: string) => setCookie.slice(setCookie.indexOf('=') + 1, setCookie.indexOf(';'));

  it('is single use: the second take of the same state is a replay', async () => {
    let now = T0;
    const s = new StateCookies(keys, 600, () => now);
    const set = await s.issue(flow);
    expect(set).toMatch(/^stepgate_state_st4te-abcdef=.*; Path=\/\.stepgate\/; Max-Age=600; HttpOnly; Secure; SameSite=Lax$/);
    expect(await s.take(flow.state, valueOf(set))).toEqual({ ok: true, flow });
    now += 1000;
    expect(await s.take(flow.state, valueOf(set))).toMatchObject({ ok: false, code: 'stepup_replayed' });
    expect(s.clear(flow.state)).toContain('Max-Age=0');
  });

  it('expires, and is refused when missing, tampered or for another state', async () => {
    let now = T0;
    const s = new StateCookies(keys, 600, () => now);
    const v = valueOf(await s.issue(flow));
    expect(await s.take(flow.state, undefined)).toMatchObject({ ok: false, code: 'stepup_state_missing' });
    expect(await s.take(flow.state, tamper(v, 3))).toMatchObject({ ok: false, code: 'stepup_state_invalid' });
    expect(await s.take('another-state', v)).toMatchObject({ ok: false, code: 'stepup_state_mismatch' });
    now += 601_000;
    expect(await s.take(flow.state, v)).toMatchObject({ ok: false, code: 'stepup_state_expired' });
  });

  it('cannot be used as a session cookie, nor a session cookie as state (separate derived keys)', async () => {
    const s = new StateCookies(keys, 600, () => T0);
    const stateValue = valueOf(await s.issue(flow));
    const codec = new SessionCodec({ cookie_name: 'stepgate_session', lifetime_seconds: 3600, keys_env: 'KEYS' }, keys);
    expect(await codec.open(stateValue, T0)).toMatchObject({ ok: false, problem: 'invalid' });
    const sessionValue = (await codec.create(claims(), T0))!.value;
    expect(await s.take(flow.state, sessionValue)).toMatchObject({ ok: false, code: 'stepup_state_invalid' });
  });
});
