import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { DeviceResolver } from '../../src/risk/device.js';
import { DeviceCookies, deviceOwner } from '../../src/cookies/device-cookie.js';
import { parseKeyList } from '../../src/cookies/keys.js';

const key = () => randomBytes(32).toString('base64url');
const k1 = key();
const k2 = key();
const ALICE = deviceOwner('https://idp.example.com', 'alice');
const MALLORY = deviceOwner('https://idp.example.com', 'mallory');

describe('device cookie', () => {
  const cookies = new DeviceCookies(parseKeyList(`a:${k1}`, 'K'), 'example.com');

  it('issues a signed id with a long-lived, HttpOnly, Secure, SameSite=Lax cookie', () => {
    const { value, setCookie } = cookies.issue(ALICE);
    expect(setCookie).toMatch(new RegExp(`^stepgate_device=${value}; Path=/; Max-Age=34560000; HttpOnly; Secure; SameSite=Lax; Domain=example.com$`));
    expect(cookies.fromCookieHeader(`x=1; stepgate_device=${value}`, ALICE)).toBe(value.split('.')[1]);
    // Each issue is a new device.
    expect(cookies.issue(ALICE).value).not.toBe(value);
  });

  it('refuses tampered, foreign and malformed values', () => {
    const { value } = cookies.issue(ALICE);
    const [kid, id, mac] = value.split('.') as [string, string, string];
    const flip = (s: string) => (s[0] === 'A' ? 'B' : 'A') + s.slice(1);
    for (const bad of [`${kid}.${flip(id)}.${mac}`, `${kid}.${id}.${flip(mac)}`, `b.${id}.${mac}`, `${kid}.${id}`, 'garbage', `${kid}.${id}.${mac}x`]) {
      expect(cookies.fromCookieHeader(`stepgate_device=${bad}`, ALICE), bad).toBeUndefined();
    }
    const foreign = new DeviceCookies(parseKeyList(`a:${k2}`, 'K'), undefined).issue(ALICE).value;
    expect(cookies.fromCookieHeader(`stepgate_device=${foreign}`, ALICE)).toBeUndefined();
    expect(cookies.fromCookieHeader(undefined, ALICE)).toBeUndefined();
  });

  it('keeps recognising devices across a key rotation', () => {
    const old = new DeviceCookies(parseKeyList(`a:${k1}`, 'K'), undefined).issue(ALICE).value;
    const rotated = new DeviceCookies(parseKeyList(`b:${k2},a:${k1}`, 'K'), undefined);
    expect(rotated.fromCookieHeader(`stepgate_device=${old}`, ALICE)).toBe(old.split('.')[1]);
    expect(rotated.issue(ALICE).value.startsWith('b.')).toBe(true);
  });

  it('with two device cookies (a host-only one and one for the session domain), the first that verifies names the device', () => {
    // After stepup.session.domain changed, a browser sends the older host-only cookie first; once
    // the key that signed it is removed it no longer verifies, and must not hide the valid one (a
    // step-up session without a valid device cookie is judged as a device never proven).
    const gone = new DeviceCookies(parseKeyList(`z:${k2}`, 'K'), undefined).issue(ALICE).value;
    const { value } = cookies.issue(ALICE);
    const id = value.split('.')[1];
    expect(cookies.fromCookieHeader(`stepgate_device=${gone}; a=1; stepgate_device=${value}`, ALICE)).toBe(id);
    expect(cookies.fromCookieHeader(`stepgate_device=; stepgate_device=${value}`, ALICE)).toBe(id);
    expect(cookies.fromCookieHeader(`stepgate_device=${value}; stepgate_device=${gone}`, ALICE)).toBe(id);
    expect(cookies.fromCookieHeader(`x_stepgate_device=${value}; stepgate_device=${gone}`, ALICE)).toBeUndefined();
    expect(cookies.fromCookieHeader(`${Array.from({ length: 10 }, () => `stepgate_device=${gone}`).join('; ')}`, ALICE)).toBeUndefined();
  });

  it('reads the device cookie on a second Cookie line (Envoy joins HTTP/1.1 lines with a comma)', () => {
    const { value } = cookies.issue(ALICE);
    const id = value.split('.')[1];
    expect(cookies.fromCookieHeader(`a=1; b=2,stepgate_device=${value}`, ALICE)).toBe(id);
    expect(cookies.fromCookieHeader(`stepgate_device=${value},a=1; b=2`, ALICE)).toBe(id);
    expect(cookies.fromCookieHeader(`a=1, stepgate_device=${value}; c=3`, ALICE)).toBe(id);
    const gone = new DeviceCookies(parseKeyList(`z:${k2}`, 'K'), undefined).issue(ALICE).value;
    expect(cookies.fromCookieHeader(`stepgate_device=${gone},stepgate_device=${value}`, ALICE)).toBe(id);
    expect(cookies.fromCookieHeader(`a=1,x_stepgate_device=${value}`, ALICE)).toBeUndefined();
  });

  it("review45: a ',' inside another cookie's value (browsers allow it) plants no device: a value must verify for its owner", () => {
    // An application on the host that reflects input into its own cookie (`pref="a,stepgate_device=…"`)
    // now puts a candidate before alice's real cookie. Mallory's own signed value is no device of
    // alice's, a quoted one verifies for nobody, and alice's real cookie after them is still read.
    const { value } = cookies.issue(ALICE);
    const id = value.split('.')[1];
    const mallorys = cookies.issue(MALLORY).value;
    expect(cookies.fromCookieHeader(`pref=a,stepgate_device=${mallorys}`, ALICE)).toBeUndefined();
    expect(cookies.fromCookieHeader(`pref=a,stepgate_device=${mallorys}`, MALLORY)).toBe(mallorys.split('.')[1]);
    expect(cookies.fromCookieHeader(`pref=a,stepgate_device=${mallorys}; stepgate_device=${value}`, ALICE)).toBe(id);
    expect(cookies.fromCookieHeader(`pref="a,stepgate_device=${value}"`, ALICE)).toBeUndefined();
    expect(cookies.fromCookieHeader(`stepgate_device="${value}"`, ALICE)).toBeUndefined();
    // The price, failing closed: four planted candidates before it use up the four looked at, so
    // alice's device is unknown (her risk rises; nothing is allowed that was not).
    const four = Array.from({ length: 4 }, () => `,stepgate_device=${mallorys}`).join('');
    expect(cookies.fromCookieHeader(`pref=a${four}; stepgate_device=${value}`, ALICE)).toBeUndefined();
  });

  it('names a device only for the subject whose step-up it was issued in', () => {
    // A cookie from mallory's own step-up, planted in alice's browser from a sibling subdomain,
    // is no device of alice's (her next step-up then gets its own), and alice's is none of mallory's.
    const mallorys = cookies.issue(MALLORY).value;
    expect(cookies.fromCookieHeader(`stepgate_device=${mallorys}`, MALLORY)).toBe(mallorys.split('.')[1]);
    expect(cookies.fromCookieHeader(`stepgate_device=${mallorys}`, ALICE)).toBeUndefined();
    expect(cookies.fromCookieHeader(`stepgate_device=${mallorys}`, deviceOwner('https://other-idp.example.com', 'mallory'))).toBeUndefined();
    const alices = cookies.issue(ALICE).value;
    expect(cookies.fromCookieHeader(`stepgate_device=${mallorys}; stepgate_device=${alices}`, ALICE)).toBe(alices.split('.')[1]);
    expect(cookies.fromCookieHeader(`stepgate_device=${alices}`, MALLORY)).toBeUndefined();
  });

  it('redteam46: planted names, quotes, escapes and joins never name another owner\'s device, and leave the real cookie readable', () => {
    // Envoy joins two Cookie lines with ','; a sibling subdomain can plant cookies of any name
    // and value in alice's browser. Whatever is planted, mallory's own value names no device of
    // alice's, and alice's real cookie is still read when it follows.
    const alices = cookies.issue(ALICE).value;
    const mallorys = cookies.issue(MALLORY).value;
    const id = alices.split('.')[1];
    const rows: [string, string, string | undefined][] = [
      // Browsers keep cookie names as written: another case is another cookie, read by nobody.
      ['a name in another case holding mallory\'s', `STEPGATE_DEVICE=${mallorys}; stepgate_device=${alices}`, id],
      ['only a name in another case (alice\'s own value)', `Stepgate_Device=${alices}`, undefined],
      ['a quoted value (RFC 6265 allows the quotes; stepgate never issues them)', `stepgate_device="${alices}"`, undefined],
      ['mallory\'s value behind %2C in another cookie', `pref=a%2Cstepgate_device=${mallorys}; stepgate_device=${alices}`, id],
      ['mallory\'s value behind a space in another cookie\'s value', `pref=a stepgate_device=${mallorys}; stepgate_device=${alices}`, id],
      ['mallory\'s value in a second Cookie line joined with a comma, before alice\'s', `stepgate_device=${mallorys},stepgate_device=${alices}`, id],
      ['alice\'s value with a planted suffix after a comma', `stepgate_device=${alices},x=1`, id],
      ['an empty planted value first', `stepgate_device=; stepgate_device=${alices}`, id],
      ['a name with a prefix (x_stepgate_device) holding mallory\'s', `x_stepgate_device=${mallorys}`, undefined],
    ];
    for (const [what, header, want] of rows) expect(cookies.fromCookieHeader(header, ALICE), what).toBe(want);
    // And for mallory, alice's value planted in any of these shapes is none of hers.
    for (const header of [`stepgate_device=${alices}`, `STEPGATE_DEVICE=${mallorys},stepgate_device=${alices}`, `stepgate_device=${alices}; stepgate_device=${alices}`]) {
      expect(cookies.fromCookieHeader(header, MALLORY), header).toBeUndefined();
    }
  });

  it('is the middle evidence for the risk engine: stronger than a fingerprint, weaker than a certificate', () => {
    const r = new DeviceResolver(false);
    const ua = 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/156.0 Safari/537.36';
    const base = { principal: '', xfcc: undefined, userAgent: ua, secChUa: undefined, secChUaPlatform: undefined };
    const withCookie = r.resolve({ ...base, deviceCookie: 'abc' });
    expect(withCookie.strength).toBe('cookie');
    expect(withCookie.id).toMatch(/^cookie:/);
    // The same cookie after a browser update is the same device. A fingerprint ignores versions
    // (issue 12) but anyone can copy it; the cookie cannot be forged.
    expect(r.resolve({ ...base, userAgent: ua.replace('156.0', '157.0'), deviceCookie: 'abc' }).id).toBe(withCookie.id);
    expect(r.resolve({ ...base, userAgent: ua.replace('156.0', '157.0') }).id).toBe(r.resolve(base).id);
    expect(r.resolve({ ...base, userAgent: ua.replace('X11; Linux x86_64', 'Windows NT 10.0; Win64; x64') }).id).not.toBe(r.resolve(base).id);
    expect(r.resolve({ ...base, principal: 'spiffe://corp/laptop', deviceCookie: 'abc' }).strength).toBe('certificate');
  });
});
