import { describe, expect, it } from 'vitest';
import type { Verdict } from '../../src/decision/verdict.js';
import type { Identity } from '../../src/core/identity.js';
import type { TokenVerifier } from '../../src/identity/verifier.js';
import type { Requirement } from '../../src/policy/policy.js';
import { DecisionLog } from '../../src/telemetry/audit.js';
import { CHECK_BUCKETS, rulesLabel, StepgateMetrics, tokenCacheOutcome } from '../../src/telemetry/metrics.js';
import { otlpMetricsWanted, tracingWanted } from '../../src/telemetry/otel-env.js';
import { clientText, clip, CLIP_CHARS, clipped, hashSubject, redactUrls, subjectFor } from '../../src/core/redact.js';
import { StepUpTracker } from '../../src/telemetry/stepup.js';
import { captureLog } from '../support/telemetry.js';
import { plainIdentity, verdictOf } from '../support/verdicts.js';

const requirement = (rules: string[], level = 1): Requirement => Object.freeze({ deny: false, denyMessage: undefined, level, maxAge: 900, rules: Object.freeze(rules), sensitivity: 0 });
const identity = plainIdentity;
const verdict = (v: Partial<Verdict>): Verdict => verdictOf(v);

describe('which OTEL_* settings turn exports on', () => {
  it.each([
    [{}, false],
    [{ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318' }, true],
    [{ OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://collector:4318/v1/traces' }, true],
    [{ OTEL_EXPORTER_OTLP_METRICS_ENDPOINT: 'http://collector:4318/v1/metrics' }, false],
    [{ OTEL_TRACES_EXPORTER: 'console' }, true],
    [{ OTEL_TRACES_EXPORTER: 'none', OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318' }, false],
    [{ OTEL_SDK_DISABLED: 'true', OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318' }, false],
    [{ OTEL_SDK_DISABLED: 'false', OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318' }, true],
  ] as [NodeJS.ProcessEnv, boolean][])('tracing with %j: %s', (env, on) => {
    expect(tracingWanted(env)).toBe(on);
  });

  it.each([
    [{}, false],
    [{ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318' }, true],
    [{ OTEL_EXPORTER_OTLP_METRICS_ENDPOINT: 'http://collector:4318/v1/metrics' }, true],
    [{ OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://collector:4318/v1/traces' }, false],
    [{ OTEL_METRICS_EXPORTER: 'none', OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318' }, false],
    [{ OTEL_METRICS_EXPORTER: 'prometheus', OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318' }, false],
    [{ OTEL_METRICS_EXPORTER: 'otlp' }, true],
    [{ OTEL_SDK_DISABLED: 'TRUE', OTEL_METRICS_EXPORTER: 'otlp' }, false],
  ] as [NodeJS.ProcessEnv, boolean][])('OTLP metrics with %j: %s', (env, on) => {
    expect(otlpMetricsWanted(env)).toBe(on);
  });
});

describe('redaction', () => {
  it('removes user info and query strings from URLs in error texts', () => {
    expect(redactUrls('https://user:pw@idp.example.com/jwks?key=s3cret: fetch failed (ECONNREFUSED)')).toBe(
      'https://idp.example.com/jwks: fetch failed (ECONNREFUSED)',
    );
    expect(redactUrls('http://127.0.0.1:9/jwks answered HTTP 503')).toBe('http://127.0.0.1:9/jwks answered HTTP 503');
  });

  it('bounds client text and strips control characters', () => {
    expect(clientText('curl/8\r\n{"forged":true}')).toBe('curl/8{"forged":true}');
    expect(clientText('x'.repeat(300))).toBe(`${'x'.repeat(CLIP_CHARS)}…(300 chars)`);
    expect(clientText('')).toBeUndefined();
  });

  it('clips attacker-sized values, returns short ones untouched, and never splits a surrogate pair', () => {
    const short = 'a'.repeat(CLIP_CHARS);
    expect(clip(short)).toBe(short);
    expect(clip('k'.repeat(12_000))).toBe(`${'k'.repeat(CLIP_CHARS)}…(12000 chars)`);
    expect(clip('k'.repeat(12_000), 80).length).toBeLessThan(100);
    const emoji = `${'a'.repeat(CLIP_CHARS - 1)}😀tail`;
    expect(clip(emoji)).toBe(`${'a'.repeat(CLIP_CHARS - 1)}…(${emoji.length} chars)`);
    expect(clipped(undefined)).toBeUndefined();
    expect(clipped('x'.repeat(1000))!.length).toBeLessThan(CLIP_CHARS + 20);
  });

  it('hashes subjects stably, once per identity', () => {
    const who = identity('alice@example.com');
    expect(subjectFor(who, 'clear')).toBe('alice@example.com');
    expect(subjectFor(who, 'hashed')).toBe(hashSubject('alice@example.com'));
    expect(hashSubject('alice@example.com')).toMatch(/^sha256:[0-9a-f]{32}$/);
    expect(hashSubject('alice@example.com')).not.toBe(hashSubject('bob@example.com'));
  });
});

describe('StepgateMetrics', () => {
  const scope = { name: 'stepgate', version: 'test' };
  const points = async (m: StepgateMetrics, name: string) =>
    (await m.collect()).resourceMetrics.scopeMetrics[0]!.metrics.find((x) => x.descriptor.name === name)!.dataPoints as unknown as {
      attributes: Record<string, string>;
      value: number | { count: number; buckets: { counts: number[] } };
    }[];

  it('counts challenges per (reason, client kind, level), one series each, whatever order they come in', async () => {
    const m = new StepgateMetrics(() => undefined, scope);
    const seen: [string, string, string][] = [
      ['acr_insufficient', 'api', 'aal2'],
      ['acr_insufficient', 'navigation', 'aal2'],
      ['acr_insufficient', 'api', 'aal2'],
      ['auth_too_old', 'api', 'aal2'],
      ['acr_insufficient', 'api', 'aal3'],
      ['acr_insufficient', 'navigation', 'aal2'],
      ['token_missing', 'fetch', ''],
      ['acr_insufficient', 'api', 'aal2'],
    ];
    for (const [reason, kind, level] of seen) m.challenge(reason as Verdict['reason'], kind as 'api', level);
    expect((await points(m, 'stepgate_stepup_challenges')).map((p) => [p.attributes, p.value])).toEqual([
      [{ reason: 'acr_insufficient', client_kind: 'api', level: 'aal2' }, 3],
      [{ reason: 'acr_insufficient', client_kind: 'navigation', level: 'aal2' }, 2],
      [{ reason: 'auth_too_old', client_kind: 'api', level: 'aal2' }, 1],
      [{ reason: 'acr_insufficient', client_kind: 'api', level: 'aal3' }, 1],
      [{ reason: 'token_missing', client_kind: 'fetch', level: '' }, 1],
    ]);
  });

  it('counts decisions per (decision, reason), and per rule one series each however rules combine', async () => {
    const m = new StepgateMetrics(() => undefined, scope);
    const a = requirement(['secrets']);
    const b = requirement(['secrets']); // a reload builds new Requirement objects
    const both = requirement(['secrets', 'risk:elevated']);
    m.check(verdict({ requirement: a }), 0.0001);
    m.check(verdict({ requirement: a }), 0.0001);
    m.check(verdict({ requirement: b }), 0.0001);
    m.check(verdict({ allow: true, reason: 'allowed', requirement: a, identity: identity('x'), tokenCached: true }), 0.00003);
    m.check(verdict({ reason: 'request_invalid' }), 0.00002);
    m.check(verdict({ reason: 'policy_deny', requirement: both }), 0.0001);
    m.check(verdict({ allow: true, reason: 'allowed', requirement: requirement([]), identity: identity('x') }), 0.0001);
    expect((await points(m, 'stepgate_decisions')).map((p) => [p.attributes, p.value])).toEqual([
      [{ decision: 'deny', reason: 'acr_insufficient' }, 3],
      [{ decision: 'allow', reason: 'allowed' }, 2],
      [{ decision: 'deny', reason: 'request_invalid' }, 1],
      [{ decision: 'deny', reason: 'policy_deny' }, 1],
    ]);
    // No `secrets,risk:elevated` series: the combination counts once on each of its rules.
    expect((await points(m, 'stepgate_rule_decisions')).map((p) => [p.attributes, p.value])).toEqual([
      [{ rule: 'secrets', decision: 'allow', mode: 'enforce' }, 1],
      [{ rule: 'secrets', decision: 'stepup', mode: 'enforce' }, 3],
      [{ rule: 'secrets', decision: 'deny', mode: 'enforce' }, 1],
      [{ rule: 'risk:elevated', decision: 'deny', mode: 'enforce' }, 1],
      [{ rule: 'default', decision: 'allow', mode: 'enforce' }, 1],
    ]);
    const durations = await points(m, 'stepgate_check_duration_seconds');
    const allowHit = durations.find((p) => p.attributes.decision === 'allow' && p.attributes.token_cache === 'hit')!.value as {
      count: number;
      buckets: { counts: number[] };
    };
    expect(allowHit.count).toBe(1);
    expect(allowHit.buckets.counts[0]).toBe(1); // 30 µs is in the first bucket (≤ 50 µs)
    expect(allowHit.buckets.counts).toHaveLength(CHECK_BUCKETS.length + 1);
  });

  it('counts Kubernetes API requests on unlisted hosts by what became of them (kubernetes.unlisted_api_requests)', async () => {
    const m = new StepgateMetrics(() => undefined, scope);
    const at = (kube: boolean) => ({ unlistedApi: 'path /api/v1/secrets', kube: kube ? ({ verb: 'list' } as never) : undefined }) as unknown as Verdict['attributes'];
    m.check(verdict({ reason: 'kubernetes_host_unlisted' }), 0.00002);
    m.check(verdict({ reason: 'kubernetes_host_unlisted' }), 0.00002);
    m.check(verdict({ allow: true, reason: 'allowed', attributes: at(false) }), 0.0001);
    m.check(verdict({ reason: 'acr_insufficient', attributes: at(true) }), 0.0001);
    m.check(verdict({ allow: true, reason: 'allowed' }), 0.0001);
    expect((await points(m, 'stepgate_unlisted_api_requests')).map((p) => [p.attributes, p.value])).toEqual([
      [{ action: 'refuse' }, 2],
      [{ action: 'allow' }, 1],
      [{ action: 'judge' }, 1],
    ]);
  });

  it('keeps token-cache counters monotonic when a reload replaces the verifier', async () => {
    const fake = (hits: number, negativeHits: number, misses: number, size = 1) =>
      ({ cacheLookups: { hits, negativeHits, misses }, cacheSize: size, negativeCacheSize: 0 }) as unknown as TokenVerifier;
    let current = fake(5, 1, 2);
    const m = new StepgateMetrics(() => current, scope);
    const lookups = async () => Object.fromEntries((await points(m, 'stepgate_token_cache_lookups')).map((p) => [p.attributes.result, p.value]));
    expect(await lookups()).toEqual({ hit: 5, negative_hit: 1, miss: 2 });
    current = fake(1, 0, 1);
    expect(await lookups()).toEqual({ hit: 6, negative_hit: 1, miss: 3 });
  });

  it('classifies the token cache outcome of a verdict', () => {
    expect(tokenCacheOutcome(verdict({ tokenCached: true }))).toBe('hit');
    expect(tokenCacheOutcome(verdict({ identity: identity('x') }))).toBe('miss');
    expect(tokenCacheOutcome(verdict({ reason: 'token_invalid' }))).toBe('miss');
    expect(tokenCacheOutcome(verdict({ reason: 'jwks_unavailable' }))).toBe('miss');
    expect(tokenCacheOutcome(verdict({ reason: 'token_missing' }))).toBe('none');
    expect(tokenCacheOutcome(verdict({ reason: 'header_too_large' }))).toBe('none');
  });

  it('computes the rules label once per Requirement', () => {
    const r = requirement(['a', 'b']);
    expect(rulesLabel(r)).toBe('a,b');
    expect(rulesLabel(r)).toBe(rulesLabel(r));
    expect(rulesLabel(undefined)).toBe('');
  });
});

describe('StepUpTracker', () => {
  it('pairs a step-up challenge with the next allow on the same rules, once', () => {
    let now = 1_000_000;
    const t = new StepUpTracker(() => now);
    const need = requirement(['secrets']);
    t.challenged(verdict({ requirement: need, identity: identity('alice') }));
    now += 1000;
    t.challenged(verdict({ requirement: need, identity: identity('alice') })); // retry: same episode
    expect(t.allowed(verdict({ allow: true, reason: 'allowed', requirement: requirement(['other']), identity: identity('alice') }))).toBeUndefined();
    expect(t.allowed(verdict({ allow: true, reason: 'allowed', requirement: need, identity: identity('alice', 'https://other-idp') }))).toBeUndefined();
    const done = t.allowed(verdict({ allow: true, reason: 'allowed', requirement: requirement(['secrets']), identity: identity('alice') }));
    expect(done).toEqual({ reason: 'acr_insufficient', requirement: need, challengedAt: 1_000_000 });
    expect(t.allowed(verdict({ allow: true, reason: 'allowed', requirement: need, identity: identity('alice') }))).toBeUndefined();
    expect(t.size).toBe(0);
  });

  it('ignores sign-in challenges, and forgets challenges after the window', () => {
    let now = 1_000_000;
    const t = new StepUpTracker(() => now, 60_000);
    t.challenged(verdict({ reason: 'token_expired', requirement: requirement(['secrets']), identity: identity('bob') }));
    expect(t.size).toBe(0);
    t.challenged(verdict({ reason: 'auth_too_old', requirement: requirement(['secrets']), identity: identity('bob') }));
    now += 61_000;
    expect(t.allowed(verdict({ allow: true, reason: 'allowed', requirement: requirement(['secrets']), identity: identity('bob') }))).toBeUndefined();
  });

  it('is bounded in subjects and in open challenges per subject', () => {
    const t = new StepUpTracker(() => 1_000_000, 60_000, 100);
    for (let i = 0; i < 500; i++) t.challenged(verdict({ requirement: requirement([`r${i % 20}`]), identity: identity(`user-${i}`) }));
    expect(t.size).toBe(100);
    const one = new StepUpTracker(() => 1_000_000);
    for (let i = 0; i < 20; i++) one.challenged(verdict({ requirement: requirement([`r${i}`]), identity: identity('carol') }));
    expect(one.allowed(verdict({ allow: true, reason: 'allowed', requirement: requirement(['r0']), identity: identity('carol') }))).toBeUndefined();
    expect(one.allowed(verdict({ allow: true, reason: 'allowed', requirement: requirement(['r19']), identity: identity('carol') }))).toBeDefined();
  });
});

describe('DecisionLog', () => {
  const cfg = (sample_allows: number) => ({ metrics_listen: 'off', subject: 'clear' as const, audit: { level: 'info' as const, sample_allows } });
  const allow = verdict({ allow: true, reason: 'allowed', requirement: requirement(['default']), identity: identity('x') });
  const input = (v: Verdict) => ({ rt: undefined, verdict: v, status: 200, elapsedMs: 0.05, span: undefined, clientKind: undefined, completion: undefined });

  it('never draws a random number when sampling is off, and writes nothing for a routine allow at info', () => {
    const { logger, records } = captureLog('info');
    const log = new DecisionLog(logger, () => {
      throw new Error('random() must not be called');
    });
    log.record(input(allow), cfg(0));
    log.record(input(allow), cfg(1));
    expect(records.map((r) => r.event)).toEqual(['access.allow']);
  });
});
