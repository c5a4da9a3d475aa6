import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Identity } from '../../src/core/identity.js';
import { futureTimestamp } from '../../src/identity/verifier.js';
import { judge } from '../../src/pipeline/evaluate.js';
import type { Runtime } from '../../src/pipeline/runtime.js';
import type { Requirement } from '../../src/policy/policy.js';
import { cookieValues, upstreamCookie } from '../../src/request/cookies.js';
import { inIdentityNamespace } from '../../src/request/attributes.js';
import { presentedCredential } from '../../src/request/credentials.js';
import { websocketBearer, WS_BEARER_PREFIX } from '../../src/request/websocket.js';

const b64 = (s: string) => Buffer.from(s, 'utf8').toString('base64url');
const headers = (h: Record<string, string>) => new Map(Object.entries(h));

describe('websocketBearer: kube-apiserver\'s reading of Sec-WebSocket-Protocol', () => {
  it.each([
    [undefined, { kind: 'none' }],
    ['v5.channel.k8s.io', { kind: 'none' }],
    ['v5.channel.k8s.io, base64.binary.k8s.io', { kind: 'none' }],
    [`v5.channel.k8s.io, ${WS_BEARER_PREFIX}${b64('tok')}`, { kind: 'token', token: 'tok' }],
    [`  ${WS_BEARER_PREFIX}${b64('tok')}\t,v4.channel.k8s.io`, { kind: 'token', token: 'tok' }],
  ])('%j', (header, want) => {
    expect(websocketBearer(header)).toEqual(want);
  });

  it.each([
    ['padding', `x, ${WS_BEARER_PREFIX}${Buffer.from('tok1').toString('base64')}`],
    ['+ and /', `x, ${WS_BEARER_PREFIX}a+b/`],
    ['empty', `x, ${WS_BEARER_PREFIX}`],
    ['twice', `x, ${WS_BEARER_PREFIX}${b64('a')}, ${WS_BEARER_PREFIX}${b64('a')}`],
    ['alone', `${WS_BEARER_PREFIX}${b64('a')}`],
    ['NBSP before', `x,\u00a0${WS_BEARER_PREFIX}${b64('a')}`],
    ['other case', `x, BASE64URL.BEARER.AUTHORIZATION.K8S.IO.${b64('a')}`],
    ['a prefix inside another element', `x, foo${WS_BEARER_PREFIX}${b64('a')}`],
    ['invalid UTF-8', `x, ${WS_BEARER_PREFIX}${Buffer.from([0xc3, 0x28]).toString('base64url')}`],
    ['length 4n+1', `x, ${WS_BEARER_PREFIX}abcde`],
  ])('refuses %s as malformed', (_n, header) => {
    expect(websocketBearer(header).kind).toBe('malformed');
  });

  it('round-trips any non-empty UTF-8 token placed anywhere among other subprotocols', () => {
    fc.assert(
      fc.property(fc.string({ minLength: 1, unit: 'grapheme' }), fc.array(fc.constantFrom('v5.channel.k8s.io', 'v4.channel.k8s.io', 'base64.binary.k8s.io'), { minLength: 1, maxLength: 3 }), fc.nat(3), (token, others, at) => {
        const list: string[] = [...others];
        list.splice(at % (list.length + 1), 0, `${WS_BEARER_PREFIX}${b64(token)}`);
        expect(websocketBearer(list.join(', '))).toEqual({ kind: 'token', token });
      }),
    );
  });
});

describe('websocketBearer: blanks around an element (trimmed without a regex that retries from every blank)', () => {
  // `x`, 64,000 spaces, `x` cost the former /^[ \t]+|[ \t]+$/ 1.7 s before any token was checked
  // (bench: request shapes); the reading is unchanged, which is what these check.
  it('trims spaces and tabs at both ends, and only those', () => {
    const token = `${WS_BEARER_PREFIX}${b64('tok')}`;
    expect(websocketBearer(`x${' '.repeat(64_000)}x, ${token}`)).toEqual({ kind: 'token', token: 'tok' });
    expect(websocketBearer(` \t ${token} \t\t, v5.channel.k8s.io`)).toEqual({ kind: 'token', token: 'tok' });
    expect(websocketBearer(`\t, ${token}`)).toEqual({ kind: 'malformed', detail: 'the WebSocket bearer subprotocol needs another subprotocol beside it' });
    expect(websocketBearer(`v5.channel.k8s.io, ${token}\u00a0`).kind).toBe('malformed');
  });

  it('reads any blanks as the regex trim did', () => {
    const blankish = fc.constantFrom(' ', '\t', 'x', '\u00a0', 'v5.channel.k8s.io');
    fc.assert(
      fc.property(fc.array(blankish, { maxLength: 6 }), fc.array(blankish, { maxLength: 6 }), fc.array(blankish, { maxLength: 6 }), (a, b, c) => {
        const header = `${a.join('')}, ${b.join('')}${WS_BEARER_PREFIX}${b64('t')}${c.join('')}, v5.channel.k8s.io`;
        // Elements trimmed by the former regex first: the same reading.
        const trimmed = header.split(',').map((e) => e.replace(/^[ \t]+|[ \t]+$/g, '')).join(',');
        expect(websocketBearer(header)).toEqual(websocketBearer(trimmed));
      }),
      { numRuns: 2000 },
    );
  });
});

describe('presentedCredential', () => {
  const s = 'stepgate_session';
  it.each([
    ['nothing', {}, { kind: 'problem', reason: 'token_missing' }],
    ['bearer', { authorization: 'Bearer t1' }, { kind: 'bearer', token: 't1' }],
    ['bearer beats a session cookie', { authorization: 'Bearer t1', cookie: `${s}=c1` }, { kind: 'bearer', token: 't1' }],
    ['basic is not rescued by a cookie', { authorization: 'Basic x', cookie: `${s}=c1` }, { kind: 'problem', reason: 'token_missing' }],
    ['ws token beats a session cookie', { 'sec-websocket-protocol': `x, ${WS_BEARER_PREFIX}${b64('t2')}`, cookie: `${s}=c1` }, { kind: 'bearer', token: 't2' }],
    ['bearer and the same ws token', { authorization: 'Bearer t1', 'sec-websocket-protocol': `x, ${WS_BEARER_PREFIX}${b64('t1')}` }, { kind: 'bearer', token: 't1' }],
    ['bearer and another ws token', { authorization: 'Bearer t1', 'sec-websocket-protocol': `x, ${WS_BEARER_PREFIX}${b64('t2')}` }, { kind: 'problem', reason: 'credential_ambiguous' }],
    ['basic and a ws token', { authorization: 'Basic x', 'sec-websocket-protocol': `x, ${WS_BEARER_PREFIX}${b64('t2')}` }, { kind: 'problem', reason: 'token_missing' }],
    ['two Authorization headers (joined)', { authorization: 'Bearer t1,Bearer t2' }, { kind: 'problem', reason: 'token_malformed' }],
    ['a session cookie', { cookie: `a=1; ${s}=c1` }, { kind: 'session', value: 'c1' }],
    ['the same session cookie twice', { cookie: `${s}=c1; ${s}=c1` }, { kind: 'session', value: 'c1' }],
    ['two different session cookies', { cookie: `${s}=c1; ${s}=c2` }, { kind: 'problem', reason: 'credential_ambiguous' }],
    ['a padded name counts', { cookie: `${s}=c1;  ${s} =c2` }, { kind: 'problem', reason: 'credential_ambiguous' }],
    ['an empty session cookie is none', { cookie: `${s}=` }, { kind: 'problem', reason: 'token_missing' }],
    ['a similar name is not the session', { cookie: `x_${s}=c1; ${s}x=c2` }, { kind: 'problem', reason: 'token_missing' }],
  ])('%s', (_n, h, want) => {
    expect(presentedCredential(headers(h), s)).toMatchObject(want);
  });

  it('without sessions configured, a cookie is no credential', () => {
    expect(presentedCredential(headers({ cookie: `stepgate_session=c1` }), undefined)).toMatchObject({ kind: 'problem', reason: 'token_missing' });
  });
});

describe('cookies', () => {
  it('cookieValues finds every exact name', () => {
    expect(cookieValues('a=1; stepgate_session=x; b=2; stepgate_session = y', 'stepgate_session')).toEqual(['x', 'y']);
    expect(cookieValues('x_stepgate_session=1; stepgate_sessionx=2', 'stepgate_session')).toEqual([]);
  });

  it("cookieValues reads a cookie on a second Cookie line (Envoy's headers map joins the lines with ','), as the line's own", () => {
    expect(cookieValues('stepgate_session=a.b,stepgate_session=c.d', 'stepgate_session')).toEqual(['a.b', 'c.d']);
    expect(cookieValues('lang=en; stepgate_session=a.b,theme=dark', 'stepgate_session')).toEqual(['a.b']);
    expect(cookieValues('lang=en,stepgate_session=c.d; x=1', 'stepgate_session')).toEqual(['c.d']);
  });

  it('presentedCredential: two different session cookies on two Cookie lines are credential_ambiguous; the same one twice is that session', () => {
    expect(presentedCredential(headers({ cookie: 'stepgate_session=a.b,stepgate_session=c.d' }), 'stepgate_session')).toMatchObject({ kind: 'problem', reason: 'credential_ambiguous' });
    expect(presentedCredential(headers({ cookie: 'lang=en; stepgate_session=a.b,theme=dark; stepgate_session=c.d' }), 'stepgate_session')).toMatchObject({ kind: 'problem', reason: 'credential_ambiguous' });
    expect(presentedCredential(headers({ cookie: 'stepgate_session=a.b,stepgate_session=a.b' }), 'stepgate_session')).toEqual({ kind: 'session', value: 'a.b' });
    expect(presentedCredential(headers({ cookie: 'stepgate_session=a.b; lang=en' }), 'stepgate_session')).toEqual({ kind: 'session', value: 'a.b' });
  });

  it("upstreamCookie cuts one of stepgate's cookies on a second Cookie line (joined with ',') and keeps other values' commas", () => {
    expect(upstreamCookie('lang=en,stepgate_session=abc; b=2', 'sg')).toEqual({ changed: true, value: 'lang=en; b=2' });
    expect(upstreamCookie('prefs=a,b; stepgate_device=d', 'sg')).toEqual({ changed: true, value: 'prefs=a,b' });
    expect(upstreamCookie('prefs=a,b, SG=x', 'sg')).toEqual({ changed: true, value: 'prefs=a,b' });
  });

  const name = fc.oneof(
    fc.stringMatching(/^[A-Za-z0-9_-]{1,12}$/),
    fc.constantFrom('stepgate_session', 'stepgate_device', 'STEPGATE_DEVICE', 'stepgate_state_abc', 'sg', 'SG', 'Stepgate_x'),
  );
  const pair = fc.tuple(fc.constantFrom('', ' ', '  '), name, fc.constantFrom('', ' '), fc.option(fc.stringMatching(/^[A-Za-z0-9._-]{0,8}$/), { nil: undefined }));

  it('upstreamCookie never leaves one of stepgate\'s cookies and keeps every other pair in order', () => {
    fc.assert(
      fc.property(fc.array(pair, { minLength: 1, maxLength: 8 }), (pairs) => {
        const header = pairs.map(([pre, n, post, v]) => (v === undefined ? `${pre}${n}${post}` : `${pre}${n}${post}=${v}`)).join(';');
        const ours = (n: string) => n.toLowerCase().startsWith('stepgate_') || n.toLowerCase() === 'sg';
        const out = upstreamCookie(header, 'sg');
        const kept = pairs.filter(([, n]) => !ours(n)).map(([, n, post, v]) => (v === undefined ? `${n}${post}`.trim() : `${n}${post}=${v}`.trim()));
        expect(out.changed).toBe(pairs.some(([, n]) => ours(n)));
        if (out.changed) expect(out.value).toBe(kept.length > 0 ? kept.join('; ') : undefined);
        else expect(out.value).toBe(header);
        for (const part of (out.value ?? '').split(';')) expect(ours(part.split('=')[0]!.trim())).toBe(false);
      }),
    );
  });
});

describe('futureTimestamp', () => {
  const nowMs = 1_700_000_000_000;
  const now = nowMs / 1000;
  it.each([
    [{}, undefined],
    [{ iat: now, auth_time: now }, undefined],
    [{ auth_time: now + 30 }, undefined],
    [{ auth_time: now + 31 }, 'token_not_yet_valid'],
    [{ iat: now + 31 }, 'token_not_yet_valid'],
    [{ auth_time: now + 365 * 86_400 }, 'token_not_yet_valid'],
    [{ auth_time: '99999999999' }, undefined],
  ])('%j', (payload, want) => {
    expect(futureTimestamp(payload, nowMs, 30)?.reason).toBe(want);
  });
});

describe('judge: a negative age is never fresh, whatever produced the identity', () => {
  const need: Requirement = { deny: false, denyMessage: undefined, level: 0, maxAge: 900, rules: ['r'], sensitivity: 0 };
  const who = (authTime: number): Identity =>
    ({ subject: 's', issuer: 'i', groups: [], acr: undefined, amr: [], authTime, expiresAt: Infinity, level: 1, levelName: 'aal2', session: '', upstreamHeaders: [] }) as Identity;
  const rt = { assurance: { names: ['aal1', 'aal2'] } } as unknown as Pick<Runtime, 'assurance'>;
  const nowMs = 1_700_000_000_000;
  it.each([
    [0, 'allowed'],
    [299, 'allowed'],
    [301, 'token_not_yet_valid'],
    [365 * 86_400, 'token_not_yet_valid'],
  ])('auth_time now + %i s → %s', (ahead, reason) => {
    expect(judge(need, who(nowMs / 1000 + ahead), nowMs, undefined, true, rt).reason).toBe(reason);
  });
});

describe('inIdentityNamespace: stepgate\'s header namespace as CGI-style upstreams read it', () => {
  it.each(['x-stepgate-level', 'x-stepgate-', 'x_stepgate_level', 'x-stepgate_level', 'x_stepgate-email', 'x-stepgate-groups_'])('%s is ours', (name) => {
    expect(inIdentityNamespace(name)).toBe(true);
  });

  it.each(['x-stepgate', 'x_stepgate', 'x-stepgatex-a', 'x_stepgates', 'xx-stepgate_a', 'x-forwarded-for', 'x-s', 'stepgate_session', 'accept', '', 'x'])('%s is not', (name) => {
    expect(inIdentityNamespace(name)).toBe(false);
  });

  it('agrees with the definition (\'_\' read as \'-\', then the prefix) on any name', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string({ maxLength: 20 }), fc.constantFrom('x-stepgate-', 'x_stepgate_', 'x-stepgate_', 'x_s').chain((p) => fc.string({ maxLength: 8 }).map((s) => p + s))), (name) => {
        expect(inIdentityNamespace(name)).toBe(name.replaceAll('_', '-').startsWith('x-stepgate-'));
      }),
      { numRuns: 5000 },
    );
  });
});
