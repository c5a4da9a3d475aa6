import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/load.js';
import type { Answer } from '../../src/decision/respond.js';
import type { Verdict } from '../../src/decision/verdict.js';
import { check, type Checked } from '../../src/pipeline/check.js';
import { buildRuntime, type Runtime } from '../../src/pipeline/runtime.js';
import { parseCheckRequest, toCheckResponse } from '../../src/server/grpc/check.js';
import { EncodedAllowCache, SplicedAllow } from '../../src/server/grpc/encoded-allows.js';
import { authorizationService, responseSerializer } from '../../src/server/grpc/protos.js';
import { HMAC_SECRET, testConfigYaml, withStepupSession } from '../support/config.js';
import { checkRequest, DASH_HOST, type RequestSpec } from '../support/requests.js';

/**
 * A browser's allow with a session and cookies of the application's own (perf41): respond.ts
 * rewrites its Cookie header on every request (stepgate's cookies cut out), so the allow used to
 * be encoded again each time. The cache now keeps its bytes with the Cookie header's value marked
 * and writes each request's value in. Whatever it sends must be, byte for byte, protobufjs's
 * encoding of that request's answer.
 */

const serialize = responseSerializer(authorizationService());
const T0 = Date.parse('2026-12-06T12:00:00Z');
const IDP = 'https://idp.example.com';
const SG_KEYS = 'k1:c2VjcmV0LWtleS1vZi0zMi1ieXRlcy1mb3ItdGVzdHM';
const BROWSER = { accept: 'text/html', 'user-agent': 'Mozilla/5.0 (X11; Linux x86_64) Chrome/131.0' };

function runtime(): Runtime {
  return buildRuntime(parseConfig(withStepupSession(testConfigYaml(IDP)), 'test.yaml'), {
    fetch: () => Promise.reject(new Error('no network in a unit test')),
    now: () => T0,
    env: { TEST_HMAC_SECRET: HMAC_SECRET, SG_SECRET: 's', SG_KEYS },
  });
}

async function sessionCookie(rt: Runtime, sub: string): Promise<string> {
  const s = await rt.sessionCodec!.create({ iss: IDP, sub, acr: 'urn:stepgate:aal1', amr: ['pwd'], auth_time: Math.floor(T0 / 1000) - 60, extra: {} }, T0);
  return `${rt.config.stepup.session!.cookie_name}=${s!.value}`;
}

async function run(rt: Runtime, spec: RequestSpec): Promise<Checked> {
  return check(rt, parseCheckRequest(checkRequest(spec), rt.headerLimits, rt.maxBodyBytes));
}

function sent(cache: EncodedAllowCache, v: Verdict, a: Answer): Buffer {
  const out = cache.response(v, a, toCheckResponse);
  return Buffer.isBuffer(out) ? out : serialize(out);
}

/** A session allow for `sub`, verified and then seen again (the cache only keeps a credential's repeats). */
async function sessionAllow(rt: Runtime, sub: string, appCookies: string): Promise<{ spec: RequestSpec; checked: Checked }> {
  const spec: RequestSpec = { host: DASH_HOST, path: '/d/abc', headers: { ...BROWSER, cookie: `${appCookies}; ${await sessionCookie(rt, sub)}` } };
  await run(rt, spec);
  const checked = await run(rt, spec);
  expect(checked.verdict.allow).toBe(true);
  expect(checked.verdict.identity?.source).toBe('session');
  expect(checked.verdict.tokenCached).toBe(true);
  return { spec, checked };
}

/** The answer respond.ts gives for the same allow with another Cookie header for the application. */
const withCookie = (a: Answer, value: string): Answer => ({ ...a, headers: [...a.headers.slice(0, -1), ['cookie', value]] });

describe('EncodedAllowCache: a session allow with cookies of the application', () => {
  it('is kept once and sent with each request\'s Cookie header, equal to the fresh encoding', async () => {
    const rt = runtime();
    const cache = new EncodedAllowCache(serialize);
    const { spec, checked } = await sessionAllow(rt, 'erin', 'grafana_session=abc');
    expect(checked.answer.headers.at(-1)).toEqual(['cookie', 'grafana_session=abc']);
    for (const app of ['grafana_session=abc', 'grafana_session=abd', 'a=1; grafana_session=' + 'x'.repeat(300), 'grafana_session=abc']) {
      const { verdict, answer } = await run(rt, { ...spec, headers: { ...spec.headers, cookie: `${app}; ${spec.headers!.cookie!.split('; ').at(-1)}` } });
      expect(answer.headers.at(-1)).toEqual(['cookie', app]);
      expect(sent(cache, verdict, answer)).toEqual(serialize(toCheckResponse(answer)));
    }
    expect(cache.cookieLookups).toEqual({ hits: 3, misses: 1 });
    expect(cache.cookieSize).toBe(1);
    // A session with only stepgate's cookie: its Cookie header is removed, a plain reusable allow.
    const alone: RequestSpec = { ...spec, headers: { ...spec.headers, cookie: spec.headers!.cookie!.split('; ').at(-1)! } };
    for (let i = 0; i < 2; i++) {
      const { verdict, answer } = await run(rt, alone);
      expect(answer.removeHeaders).toContain('cookie');
      expect(cache.response(verdict, answer, toCheckResponse)).toEqual(serialize(toCheckResponse(answer)));
    }
    expect(cache.lookups).toEqual({ hits: 1, misses: 1 });
    // Counted in what the cache holds (stepgate_token_cache_bytes).
    expect(cache.bytes.cookieAllows).toBeGreaterThan(0);
    expect(cache.heldBytes).toBeGreaterThanOrEqual(cache.bytes.allows + cache.bytes.cookieAllows);
  });

  it('equals the fresh encoding for any Cookie value, any length and any identity headers (property)', async () => {
    const rt = runtime();
    const { checked } = await sessionAllow(rt, 'frank', 'grafana_session=abc');
    // Long identity headers move ok_response's own length across a varint boundary too.
    const own = checked.verdict.identity!;
    const identities = [own, { ...own, upstreamHeaders: Object.freeze([...own.upstreamHeaders, ['x-stepgate-groups', 'g'.repeat(16_300)] as const]) }];
    const char = fc.oneof(
      fc.constantFrom('a', '=', ';', ' ', 'é', 'ÿ', '€', '\u{1F36A}', '\uFFFD', '\u0000'),
      fc.constantFrom('\uD800', '\uDC00', '\uDBFF'), // lone surrogates: encoded as protobufjs does
      fc.string({ minLength: 1, maxLength: 1 }),
    );
    const value = fc.oneof(
      fc.array(char, { minLength: 1, maxLength: 60 }).map((c) => c.join('')),
      // Around the one- and two-byte varint boundaries of the value and the lengths enclosing it.
      fc.tuple(fc.constantFrom(80, 100, 126, 127, 128, 129, 16_300, 16_383, 16_384, 16_385), fc.constantFrom('x', 'é')).map(([n, c]) => c.repeat(c === 'é' ? n >> 1 : n)),
    );
    const caches = [new EncodedAllowCache(serialize), new EncodedAllowCache(serialize)];
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.nat(1), value, fc.constantFrom('default', 'dashboards')), { minLength: 1, maxLength: 8 }), (steps) => {
        for (const [i, v, rules] of steps) {
          const who = identities[i]!;
          const a: Answer = { ...checked.answer, headers: [...who.upstreamHeaders, ['cookie', v]], metadata: { ...checked.answer.metadata, rules } };
          const verdict = { ...checked.verdict, identity: who };
          // Buffer#equals: toEqual walks a 16 KB Buffer element by element.
          const out = sent(caches[i]!, verdict, a);
          if (!out.equals(serialize(toCheckResponse(a)))) expect.fail(`bytes differ for a Cookie value of ${v.length} characters: ${JSON.stringify(v.slice(0, 40))}`);
        }
      }),
      { numRuns: 200 },
    );
    expect(caches[0]!.cookieLookups.hits + caches[1]!.cookieLookups.hits).toBeGreaterThan(400);
  });

  it('never serves one answer\'s bytes for another: other rules, other user, other headers before the Cookie header', async () => {
    const rt = runtime();
    const cache = new EncodedAllowCache(serialize);
    const erin = (await sessionAllow(rt, 'erin', 'grafana_session=abc')).checked;
    const frank = (await sessionAllow(rt, 'frank', 'grafana_session=abc')).checked;
    const check = (v: Verdict, a: Answer) => expect(sent(cache, v, a)).toEqual(serialize(toCheckResponse(a)));
    check(erin.verdict, erin.answer);
    check(frank.verdict, frank.answer);
    check(erin.verdict, { ...erin.answer, metadata: { ...erin.answer.metadata, rules: 'other' } });
    // An identity header changed in the answer (a copy, not the identity's entry): never spliced.
    const own = erin.verdict.identity!.upstreamHeaders;
    const changed: Answer = { ...erin.answer, headers: [...own.slice(0, -1), [own.at(-1)![0], 'someone-else'], ['cookie', 'grafana_session=abc']] };
    check(erin.verdict, changed);
    check(erin.verdict, changed);
    // One header more before the Cookie header, or another name last: never spliced.
    const more: Answer = { ...erin.answer, headers: [...own, ['x-extra', '1'], ['cookie', 'grafana_session=abc']] };
    check(erin.verdict, more);
    check(erin.verdict, more);
    const other: Answer = { ...erin.answer, headers: [...own, ['x-cookie', 'grafana_session=abc']] };
    check(erin.verdict, other);
    check(erin.verdict, other);
    check(erin.verdict, withCookie(erin.answer, 'grafana_session=zzz'));
    expect(cache.cookieLookups).toEqual({ hits: 1, misses: 3 });
  });

  it('keeps nothing for a first sighting, an approval or a client\'s stripped x-stepgate-* header', async () => {
    const rt = runtime();
    const cache = new EncodedAllowCache(serialize);
    const { checked } = await sessionAllow(rt, 'grace', 'grafana_session=abc');
    const cases: [Verdict, Answer][] = [
      [{ ...checked.verdict, tokenCached: false }, checked.answer],
      [{ ...checked.verdict, approval: 'abc' }, checked.answer],
      [{ ...checked.verdict, attributes: { ...checked.verdict.attributes!, spoofedIdentityHeaders: ['x-stepgate-groups'] } }, { ...checked.answer, removeHeaders: ['x-stepgate-groups'] }],
    ];
    for (const [v, a] of cases) expect(Buffer.isBuffer(cache.response(v, a, toCheckResponse))).toBe(false);
    expect(cache.cookieLookups).toEqual({ hits: 0, misses: 0 });
  });

  it('is bounded: a quarter of encoded_allow_max_entries, and by bytes', async () => {
    const rt = runtime();
    const cache = new EncodedAllowCache(serialize, 64);
    const { checked } = await sessionAllow(rt, 'heidi', 'grafana_session=abc');
    for (let i = 0; i < 40; i++) sent(cache, checked.verdict, { ...checked.answer, metadata: { ...checked.answer.metadata, rules: `r${i}` } });
    expect(cache.cookieSize).toBe(16);
    expect(cache.bytes.cookieAllows).toBeLessThanOrEqual(16 * EncodedAllowCache.ALLOW_BUDGET_BYTES);
  });

  it('reads the places from the bytes, and keeps none when the value is not where it is expected', () => {
    const a: Answer = { allow: true, status: 200, grpcCode: 0, headers: [['x-stepgate-subject', 'u'], ['cookie', 'v=1']], removeHeaders: [], body: '', metadata: { decision: 'allow' } };
    const bytes = serialize(toCheckResponse(a));
    expect(SplicedAllow.of(bytes, 'v=1', 3)?.with('v=22', 4)).toEqual(serialize(toCheckResponse(withCookie(a, 'v=22'))));
    expect(SplicedAllow.of(bytes, 'v=2', 3)).toBeUndefined();
    // The first request's cookies (the application's own session) are not kept with the answer.
    const secret = withCookie(a, 'app_session=s3cr3t-of-the-application');
    const kept = SplicedAllow.of(serialize(toCheckResponse(secret)), 'app_session=s3cr3t-of-the-application', 37)!;
    // Every piece is a view of one kept buffer: nothing of the value anywhere in it.
    const held = Buffer.from((kept as unknown as { head: Uint8Array }).head.buffer);
    expect(held.length).toBe(kept.length);
    expect(held.includes('s3cr3t')).toBe(false);
    expect(kept.with('v=1', 3)).toEqual(bytes);
    expect(SplicedAllow.of(serialize(toCheckResponse({ ...a, headers: [['cookie', 'v=1'], ['x-stepgate-subject', 'u']] })), 'v=1', 3)).toBeUndefined();
    expect(SplicedAllow.of(serialize(toCheckResponse({ ...a, headers: [['x-stepgate-subject', 'u'], ['x-other', 'v=1']] })), 'v=1', 3)).toBeUndefined();
    // Not fields to the end: cut short, or a fixed64 field's tag with its eight bytes missing.
    expect(SplicedAllow.of(bytes.subarray(0, bytes.length - 1), 'v=1', 3)).toBeUndefined();
    expect(SplicedAllow.of(Buffer.concat([bytes, Buffer.of(0x09)]), 'v=1', 3)).toBeUndefined();
  });
});
