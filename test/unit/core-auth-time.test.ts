import { describe, expect, it } from 'vitest';
import { boundedAuthTime, IAT_BACKDATE_S } from '../../src/core/auth-time.js';
import { boundAuthTime } from '../../src/identity/verifier.js';

const now = 1_700_000_000;

describe('boundedAuthTime: a sign-in is never later than now, nor much later than the token that reports it was issued', () => {
  it.each<[string, unknown, unknown, number | undefined]>([
    ['auth_time before iat is kept', now - 600, now - 60, now - 600],
    ['auth_time equal to iat is kept', now - 60, now - 60, now - 60],
    ["Entra's shape (iat backdated five minutes) is kept", now - 5, now - 300, now - 5],
    ['auth_time exactly IAT_BACKDATE_S after iat is kept', now - 60, now - 60 - IAT_BACKDATE_S, now - 60],
    ['auth_time one second more than that is read as iat + IAT_BACKDATE_S', now - 59, now - 60 - IAT_BACKDATE_S, now - 60],
    ['auth_time hours after iat is read as iat + IAT_BACKDATE_S', now - 60, now - 9 * 3600, now - 9 * 3600 + IAT_BACKDATE_S],
    ['auth_time ahead of now (within the leeway) is read as now', now + 20, undefined, now],
    ['auth_time ahead of now with iat ahead too is read as now', now + 20, now + 25, now],
    ['without iat, auth_time is only bounded by now', now - 60, undefined, now - 60],
    ['a non-numeric iat bounds nothing', now - 60, 'yesterday', now - 60],
    ['a non-numeric auth_time is none', String(now), now, undefined],
    ['no auth_time is none', undefined, now, undefined],
  ])('%s', (_what, authTime, iat, want) => {
    expect(boundedAuthTime(authTime, iat, now)).toBe(want);
  });
});

describe('boundAuthTime: the verified payload the identity is built from', () => {
  it('rewrites an auth_time hours after iat, leaving the other claims', () => {
    const payload = { sub: 'a', iat: now - 9 * 3600, auth_time: now - 60, exp: now + 600 };
    expect(boundAuthTime(payload, now * 1000)).toEqual({ ...payload, auth_time: now - 9 * 3600 + IAT_BACKDATE_S });
  });
  it('returns the same object when nothing needs bounding (no copy on the usual token)', () => {
    const payload = { sub: 'a', iat: now - 60, auth_time: now - 600 };
    expect(boundAuthTime(payload, now * 1000)).toBe(payload);
  });
});
