import fc from 'fast-check';
import { pino } from 'pino';
import { describe, expect, it, vi } from 'vitest';
import type { Identity } from '../../src/core/identity.js';
import type { Verdict } from '../../src/decision/verdict.js';
import type { Requirement } from '../../src/policy/policy.js';
import type { RequestAttributes } from '../../src/request/attributes.js';
import { DecisionLog, decisionRecord, type DecisionRecordInput } from '../../src/telemetry/audit.js';
import { createLogger, isoTime, needsRedaction, unredacted } from '../../src/telemetry/log.js';
import { captureLog } from '../support/telemetry.js';
import { plainIdentity, verdictOf } from '../support/verdicts.js';

/**
 * Decision records skip pino's redactor when it could not censor anything (issue 17: it was two
 * thirds of an audit record's cost). What is checked: the line is the same with and without the
 * redactor for every record that skips it, anything the redactor would censor still goes through
 * it, and the parent logger's level (changed by a reload) still decides.
 */

const REDACTED = ['authorization', 'cookie', 'headers', 'token'];

/** Two loggers on one capture: the redacting one and its unredacted sibling, lines without their time. */
function pair() {
  const lines: string[] = [];
  const logger = createLogger('info', { write: (l: string) => void lines.push(l.replace(/"time":"[^"]*"/, '"time":"T"')) });
  return { logger, plain: unredacted(logger), lines };
}

const requirement = (rules: string[]): Requirement => Object.freeze({ deny: false, denyMessage: undefined, level: 1, maxAge: 900, rules: Object.freeze(rules), sensitivity: 0 });
const identity = plainIdentity;
const verdict = (v: Partial<Verdict>): Verdict => verdictOf(v, true);
const cfg = { metrics_listen: 'off' as const, subject: 'clear' as const, audit: { level: 'info' as const, sample_allows: 0 } };
const input = (v: Verdict, extra: Partial<DecisionRecordInput> = {}): DecisionRecordInput => ({
  rt: undefined,
  verdict: v,
  status: 401,
  elapsedMs: 0.042,
  span: undefined,
  clientKind: 'api',
  completion: undefined,
  ...extra,
});

describe('needsRedaction', () => {
  it('says yes wherever pino would censor: a redacted name at the top or one level down, and any err', () => {
    for (const name of REDACTED) {
      expect(needsRedaction({ [name]: 'x' })).toBe(true);
      expect(needsRedaction({ kube: { verb: 'get', [name]: 'x' } })).toBe(true);
      expect(needsRedaction({ risk: { [name]: undefined } }), 'an own property, even undefined').toBe(true);
    }
    expect(needsRedaction({ err: new Error('x') })).toBe(true);
    expect(needsRedaction({ err: { message: 'x' } })).toBe(true);
  });

  it('says yes for a top-level string with a lone surrogate (written unescaped without the redactor), not for a pair', () => {
    expect(needsRedaction({ subject: 'alice\ud800' })).toBe(true);
    expect(needsRedaction({ subject: '\udc00alice' })).toBe(true);
    expect(needsRedaction({ subject: 'alice \u{1F600}' })).toBe(false);
    expect(needsRedaction({ kube: { name: 'x\ud800' } }), 'nested values are stringified alike either way').toBe(false);
  });

  it('says no for what the redactor leaves alone: other names, deeper levels, undefined top-level fields', () => {
    expect(needsRedaction({ event: 'stepup.challenge', rules: ['a'], kube: { verb: 'get' } })).toBe(false);
    expect(needsRedaction({ risk: { reasons: [{ token: 'deeper than *.token reaches' }] } })).toBe(false);
    expect(needsRedaction({ token: undefined, err: undefined })).toBe(false);
  });

  it('says no for the decision records of a step-up, a deny and an allow', () => {
    const who = identity('alice@example.com');
    for (const v of [
      verdict({ requirement: requirement(['secrets']), identity: who }),
      verdict({ reason: 'policy_deny', requirement: requirement(['deny-all']), identity: who }),
      verdict({ allow: true, reason: 'allowed', requirement: requirement(['default']), identity: who }),
    ]) {
      expect(needsRedaction(decisionRecord(input(v), 'stepup.challenge', cfg))).toBe(false);
    }
  });
});

describe('the unredacted sibling', () => {
  it('writes the very line the redacting logger writes, for any record the redactor would leave alone', () => {
    // Redacted names too: needsRedaction must then say yes, or the lines differ (one is censored).
    const key = fc.oneof(fc.string({ minLength: 1, maxLength: 12 }).filter((k) => k !== '__proto__'), fc.constantFrom(...REDACTED));
    // 'binary' includes lone surrogates, which only the redacting logger escapes (needsRedaction sends them there).
    const surrogate = fc.tuple(fc.string({ maxLength: 50 }), fc.integer({ min: 0xd800, max: 0xdfff })).map(([s, c]) => s + String.fromCharCode(c));
    const scalar = fc.oneof(fc.string({ unit: 'grapheme', maxLength: 40 }), fc.string({ unit: 'binary', maxLength: 60 }), surrogate, fc.string({ maxLength: 80 }), fc.integer(), fc.double(), fc.boolean(), fc.constant(null), fc.constant(undefined));
    const nested = fc.oneof(scalar, fc.array(scalar, { maxLength: 4 }), fc.dictionary(key, fc.oneof(scalar, fc.dictionary(key, scalar, { maxKeys: 3 })), { maxKeys: 4 }));
    fc.assert(
      fc.property(fc.dictionary(key, nested, { maxKeys: 8 }), fc.string({ maxLength: 30 }), (record, msg) => {
        fc.pre(!needsRedaction(record));
        const { logger, plain, lines } = pair();
        logger.info(record, msg);
        plain.info(record, msg);
        expect(lines).toHaveLength(2);
        expect(lines[1]).toBe(lines[0]);
      }),
      { numRuns: 500 },
    );
    // About 11 s in a loaded CI run: the default 20 s is too close.
  }, 120_000);

  it('writes the same line for real decision records (step-up, deny, allow, completion)', () => {
    const who = identity('bob "the admin" \u00e9\u{1F600}');
    const records = [
      decisionRecord(input(verdict({ requirement: requirement(['secrets', 'pod-shell']), identity: who, detail: 'needs aal2 "now"' })), 'stepup.challenge', cfg),
      decisionRecord(input(verdict({ reason: 'policy_deny', requirement: requirement(['deny-all']), identity: who }), { status: 403, clientKind: undefined }), 'policy.deny', cfg),
      decisionRecord(
        input(verdict({ allow: true, reason: 'allowed', requirement: requirement(['default']), identity: who }), {
          status: 200,
          clientKind: undefined,
          completion: { reason: 'acr_insufficient', requirement: requirement(['secrets']), challengedAt: 1_700_000_000_000 },
        }),
        'stepup.complete',
        cfg,
      ),
    ];
    for (const r of records) {
      const { logger, plain, lines } = pair();
      logger.info(r, 'step-up challenge issued');
      plain.info(r, 'step-up challenge issued');
      expect(lines[1]).toBe(lines[0]);
    }
  });
});

describe('DecisionLog with the unredacted sibling', () => {
  const who = identity('carol');
  const stepUp = verdict({ requirement: requirement(['secrets']), identity: who });

  it('still writes every step-up challenge, one record each', () => {
    const { logger, records } = captureLog('info');
    const log = new DecisionLog(logger);
    for (let i = 0; i < 5; i++) log.record(input(stepUp), cfg);
    expect(records.map((r) => r.event)).toEqual(Array(5).fill('stepup.challenge'));
    expect(records[0]).toMatchObject({ audit: true, level: 'info', service: 'stepgate', subject: 'carol', rules: ['secrets'], msg: 'step-up challenge issued' });
  });

  it('follows the parent logger level as a reload sets it, both ways', () => {
    const { logger, records } = captureLog('warn');
    const log = new DecisionLog(logger);
    log.record(input(stepUp), cfg);
    expect(records).toHaveLength(0);
    logger.level = 'info';
    log.record(input(stepUp), cfg);
    expect(records).toHaveLength(1);
    // A routine allow is a debug record: written only once the parent is at debug.
    const allow = verdict({ allow: true, reason: 'allowed', requirement: requirement(['default']), identity: who });
    log.record(input(allow, { status: 200, clientKind: undefined }), cfg);
    expect(records).toHaveLength(1);
    logger.level = 'debug';
    log.record(input(allow, { status: 200, clientKind: undefined }), cfg);
    expect(records.map((r) => r.event)).toEqual(['stepup.challenge', 'decision']);
    logger.level = 'error';
    log.record(input(stepUp), cfg);
    expect(records).toHaveLength(2);
  });

  it('sends a record with an error through the redactor', () => {
    const { logger, lines } = captureLog('info');
    const log = new DecisionLog(logger);
    const err = Object.assign(new Error('upstream said no'), { headers: { authorization: 'Bearer s3cret' }, token: 's3cret' });
    log.record(input(verdict({ reason: 'internal_error' }), { status: 500, clientKind: undefined, error: err }), cfg);
    expect(lines).toHaveLength(1);
    expect(lines[0]).not.toContain('s3cret');
    expect(lines[0]).toContain('[redacted]');
  });
});

describe('DecisionLog: repeated denials written from pre-serialised fields', () => {
  const need = requirement(['secrets']);
  const PEOPLE = [identity('alice@example.com'), identity('bob@example.com'), identity('alice@example.com'), identity('mallory\ud800')];
  const request = (path: string, ua: string, id: string): RequestAttributes =>
    ({
      method: 'GET',
      host: 'kube.example.com',
      path,
      kube: { verb: 'get', isResourceRequest: true, apiGroup: '', resource: 'secrets', subresource: '', namespace: 'prod', name: path.slice(-2) },
      headers: new Map([['user-agent', ua], ['x-request-id', id]]),
      sourceAddress: '10.1.2.3',
    }) as unknown as RequestAttributes;
  const REASONS = ['acr_insufficient', 'auth_too_old', 'policy_deny'] as const;
  const PATHS = ['/api/v1/namespaces/prod/secrets/db', '/api/v1/namespaces/prod/secrets/ab'];

  it('write every denial, each line the very line a redacting logger writes for the whole record (property)', () => {
    const step = fc.record({
      who: fc.nat(PEOPLE.length - 1),
      reason: fc.constantFrom(...REASONS),
      path: fc.constantFrom(...PATHS),
      ua: fc.constantFrom('kubectl/v1.31.0', 'kubectl/v1.32.1'),
      id: fc.constantFrom('r1', 'r2', 'r3'),
      hashed: fc.boolean(),
      ms: fc.constantFrom(0.042, 1.5),
      allow: fc.boolean(),
    });
    fc.assert(
      fc.property(fc.array(step, { minLength: 1, maxLength: 30 }), (steps) => {
        const lines: string[] = [];
        const logger = createLogger('info', { write: (l: string) => void lines.push(l.replace(/"time":"[^"]*"/, '"time":"T"')) });
        const ref: string[] = [];
        const reference = createLogger('info', { write: (l: string) => void ref.push(l.replace(/"time":"[^"]*"/, '"time":"T"')) });
        const log = new DecisionLog(logger);
        // Each step twice or more in a row too, so repeats meet their near-twins.
        for (const x of steps.flatMap((x, i) => (i % 3 === 0 ? [x, x, x] : [x]))) {
          const v = verdict({
            allow: x.allow,
            reason: x.allow ? 'allowed' : x.reason,
            requirement: need,
            identity: PEOPLE[x.who],
            attributes: request(x.path, x.ua, x.id),
          });
          const conf = { ...cfg, subject: x.hashed ? ('hashed' as const) : ('clear' as const), audit: { level: 'info' as const, sample_allows: 1 } };
          const status = x.allow ? 200 : x.reason === 'policy_deny' ? 403 : 401;
          const kind = x.allow || x.reason === 'policy_deny' ? undefined : 'api';
          const c = input(v, { status, clientKind: kind, elapsedMs: x.ms });
          log.record(c, conf);
          const event = x.allow ? 'access.allow' : kind ? 'stepup.challenge' : 'policy.deny';
          reference.info(decisionRecord(c, event, conf), x.allow ? 'request allowed' : kind ? 'step-up challenge issued' : 'request denied by policy');
          expect(lines).toHaveLength(ref.length);
          expect(lines.at(-1)).toBe(ref.at(-1));
        }
      }),
      { numRuns: 300 },
    );
  });

  it('write one record per repeated step-up challenge, each with its own request id and latency', () => {
    const { logger, records } = captureLog('info');
    const log = new DecisionLog(logger);
    for (let i = 0; i < 6; i++) {
      const v = verdict({ requirement: need, identity: PEOPLE[0], attributes: request(PATHS[0]!, 'kubectl/v1.31.0', `req-${i}`) });
      log.record(input(v, { elapsedMs: i }), cfg);
    }
    expect(records.map((r) => [r.event, r.request_id, r.latency_ms, r.subject])).toEqual(
      [0, 1, 2, 3, 4, 5].map((i) => ['stepup.challenge', `req-${i}`, i, 'alice@example.com']),
    );
  });

  it('never write one identity\'s fields for another, nor keep a subject mode a reload changed', () => {
    const { logger, records } = captureLog('info');
    const log = new DecisionLog(logger);
    const at = (who: Identity) => input(verdict({ requirement: need, identity: who, attributes: request(PATHS[0]!, 'kubectl/v1.31.0', 'r') }));
    for (let i = 0; i < 3; i++) for (const who of [PEOPLE[0]!, PEOPLE[1]!]) log.record(at(who), cfg);
    expect(records.map((r) => r.subject)).toEqual(['alice@example.com', 'bob@example.com', 'alice@example.com', 'bob@example.com', 'alice@example.com', 'bob@example.com']);
    const hashed = { ...cfg, subject: 'hashed' as const };
    log.record(at(PEOPLE[1]!), hashed);
    log.record(at(PEOPLE[1]!), hashed);
    expect(records.slice(-2).map((r) => r.subject)).toEqual([records.at(-1)!.subject, records.at(-1)!.subject]);
    expect(records.at(-1)!.subject).not.toContain('bob');
  });
});

describe('isoTime', () => {
  it('is pino\'s isoTime text for every millisecond, formatted once per millisecond', () => {
    const now = vi.spyOn(Date, 'now');
    try {
      for (const ms of [1_700_000_000_000, 1_700_000_000_000, 1_700_000_000_001, 1_700_000_000_000, 0, 1_764_720_000_999, 1_764_720_001_000]) {
        now.mockReturnValue(ms);
        expect(isoTime()).toBe(pino.stdTimeFunctions.isoTime());
      }
    } finally {
      now.mockRestore();
    }
  });
});
