import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/load.js';
import type { Config } from '../../src/config/schema.js';
import type { Identity } from '../../src/core/identity.js';
import type { Requirement } from '../../src/policy/policy.js';
import type { RequestAttributes } from '../../src/request/attributes.js';
import { kubeGet, riskWorld, SECRETS } from '../support/risk-world.js';

/**
 * Per-object familiarity for machine_pace (docs/risk.md, "Machine pace"), through the engine and
 * the pipeline's judge with the memory store: a run of nothing but reads of objects this identity
 * read before, in allowed requests from a proven context, is no machine's pace; one object new to
 * the run (a read of one never learned, a write, a delete, a shell) counts every object in it, so
 * any enumeration is stopped where it was. Nothing is learned from a refused request or a request
 * below learn.min_level; a read over the pace teaches only after a sign-in made after the run went over.
 */

const yaml = (signals = '') => `
issuers: [{ issuer: https://idp.test, audiences: [k] }]
assurance: { levels: [{ name: aal1, acr: [a1] }, { name: aal2, acr: [a2] }] }
policy: { default: { require: aal1 } }
network: { xff_num_trusted_hops: 1 }
risk:
  learn: { min_level: aal2, max_age_seconds: 600 }
${signals}`;
const ON = parseConfig(yaml(), 'familiar.yaml');
const OFF = parseConfig(yaml('  signals: { machine_pace: { familiar_seconds: 0 } }'), 'off.yaml');
const T = 1_800_000_000_000;
const DAY = 86_400_000;
const HOME = '203.0.113.7';
const TERRAFORM = 'HashiCorp/1.0 Terraform/1.9.8';
const S = (ms: number) => Math.floor(ms / 1000);

const token = (authTime: number, sid = 'sid-1', level = 1): Identity =>
  Object.freeze({
    subject: 'alice', issuer: 'https://idp.test', groups: [], acr: level === 1 ? 'a2' : 'a1', amr: [], authTime,
    expiresAt: Infinity, level, levelName: level === 1 ? 'aal2' : 'aal1', session: sid, upstreamHeaders: [],
  });
/** A sensitive rule any login meets (so an aal1 read is allowed, and must still teach nothing). */
const ANY: Requirement = Object.freeze({ deny: false, denyMessage: undefined, level: 0, maxAge: 28_800, rules: ['any'], sensitivity: 30 });

const req = (path: string, method = 'GET'): RequestAttributes => kubeGet(HOME, TERRAFORM, path, method);

const secret = (name: string, ns = 'team-a') => `/api/v1/namespaces/${ns}/secrets/${name}`;
const MODULE = ['db', 'tls', 'api-key', 'db-ro', 'tls-int', 'webhook'];

function world(cfg: Config) {
  const { store, engine, check } = riskWorld(cfg);
  /** Requests 100 ms apart from `at`; the index of the first refused one and its context (-1 when none). */
  const run = (who: Identity, at: number, paths: string[], method = 'GET') => {
    for (const [k, p] of paths.entries()) {
      const { v, out } = check(req(p, method), who, at + k * 100);
      if (!v.allow) return { refusedAt: k, reason: v.reason, context: out.ok ? out.risk.context?.code : undefined };
    }
    return { refusedAt: -1 };
  };
  return { store, engine, check, run };
}

/**
 * Day 0: signed in at T−40 s, the engineer reads the module's six Secrets one a minute (a person's
 * pace: all allowed, from a context their sign-in proved).
 */
function dayBefore(cfg: Config = ON) {
  const w = world(cfg);
  const login = token(S(T) - 40);
  for (const [k, name] of MODULE.entries()) expect(w.check(req(secret(name)), login, T + k * 60_000).v.allow, name).toBe(true);
  return w;
}

/** The next morning's sign-in, an hour before the 10:00 run: older than any run that follows it. */
const nextMorning = (days = 1) => token(S(T + days * DAY) - 3600, `sid-${days}`);

describe('machine_pace: reads of familiar objects', () => {
  it('a plan re-reading the six Secrets read the day before is not machine pace; without familiarity its 4th read is', () => {
    expect(dayBefore(ON).run(nextMorning(), T + DAY, MODULE.map((n) => secret(n)))).toEqual({ refusedAt: -1 });
    expect(dayBefore(OFF).run(nextMorning(), T + DAY, MODULE.map((n) => secret(n)))).toEqual({ refusedAt: 3, reason: 'auth_too_old', context: 'machine_pace' });
  });

  it('an enumeration of Secrets never read is stopped at the same request as without familiarity', () => {
    const never = ['n1', 'n2', 'n3', 'n4', 'n5'].map((n) => secret(n));
    const stopped = { refusedAt: 3, reason: 'auth_too_old', context: 'machine_pace' };
    expect(dayBefore(ON).run(nextMorning(), T + DAY, never)).toEqual(stopped);
    expect(dayBefore(OFF).run(nextMorning(), T + DAY, never)).toEqual(stopped);
  });

  it('routine Secrets mixed with new ones: every object counts once a new one is in the run, as without familiarity', () => {
    const stopped = { refusedAt: 3, reason: 'auth_too_old', context: 'machine_pace' };
    for (const names of [['db', 'n1', 'tls', 'n2', 'n3', 'n4'], ['db', 'tls', 'api-key', 'n1'], ['n1', 'db', 'tls', 'api-key']]) {
      const paths = names.map((n) => secret(n));
      expect(dayBefore(ON).run(nextMorning(), T + DAY, paths), names.join()).toEqual(stopped);
      expect(dayBefore(OFF).run(nextMorning(), T + DAY, paths), names.join()).toEqual(stopped);
    }
  });

  it('familiar reads still count toward sensitive_objects: a 7th distinct object in 120 s is over it', () => {
    expect(dayBefore(ON).run(nextMorning(), T + DAY, [...MODULE, 'n1'].map((n) => secret(n)))).toMatchObject({ refusedAt: 6, reason: 'auth_too_old' });
    const w = dayBefore(ON);
    // The six familiar ones alone, then a new one 30 s later (a pace window of its own): sensitive_objects.
    expect(w.run(nextMorning(), T + DAY, MODULE.map((n) => secret(n)))).toEqual({ refusedAt: -1 });
    expect(w.run(nextMorning(), T + DAY + 30_000, [secret('n1')])).toMatchObject({ refusedAt: 0, context: 'sensitive_objects' });
  });

  it('what is read in a run counts for that run, learned or not: malware cannot make its own reads familiar inside one burst', () => {
    // m1..m3 are allowed and learned as they go; read again, then a fourth: the fourth is over.
    const burst = ['m1', 'm2', 'm3', 'm1', 'm2', 'm3', 'm4'].map((n) => secret(n));
    expect(dayBefore(ON).run(nextMorning(), T + DAY, burst)).toEqual({ refusedAt: 6, reason: 'auth_too_old', context: 'machine_pace' });
  });

  it('writes of familiar Secrets always count', () => {
    const writes = MODULE.slice(0, 4).map((n) => secret(n));
    expect(dayBefore(ON).run(nextMorning(), T + DAY, writes, 'PUT')).toEqual({ refusedAt: 3, reason: 'auth_too_old', context: 'machine_pace' });
  });

  it('familiarity lasts familiar_seconds (7 days) after the last proven read', () => {
    const w = dayBefore(ON);
    // Read again (a plan) on day 6: familiar, and its last read moves to day 6…
    expect(w.run(nextMorning(6), T + 6 * DAY, MODULE.map((n) => secret(n)))).toEqual({ refusedAt: -1 });
    // …so day 12 is within 7 days of it;
    expect(w.run(nextMorning(12), T + 12 * DAY, MODULE.map((n) => secret(n)))).toEqual({ refusedAt: -1 });
    // 8 days without a read: every object counts again.
    expect(w.run(nextMorning(20), T + 20 * DAY, MODULE.map((n) => secret(n)))).toEqual({ refusedAt: 3, reason: 'auth_too_old', context: 'machine_pace' });
  });

  it('a refused read teaches nothing', () => {
    const w = dayBefore(ON);
    // A read with a sign-in older than the rule's 8 hours: refused by the policy.
    expect(w.check(req(secret('x1')), token(S(T) - 40), T + 9 * 3_600_000).v.allow).toBe(false);
    // x1 is new the next day: after three familiar Secrets it is the 4th object.
    expect(w.run(nextMorning(), T + DAY, ['db', 'tls', 'api-key', 'x1'].map((n) => secret(n)))).toEqual({ refusedAt: 3, reason: 'auth_too_old', context: 'machine_pace' });
    // The same with x1 allowed the day before (control): all four familiar, nothing is over.
    const c = dayBefore(ON);
    expect(c.check(req(secret('x1')), token(S(T + 9 * 3_600_000) - 40, 'sid-9'), T + 9 * 3_600_000).v.allow).toBe(true);
    expect(c.run(nextMorning(), T + DAY, ['db', 'tls', 'api-key', 'x1'].map((n) => secret(n)))).toEqual({ refusedAt: -1 });
  });

  it('a read below learn.min_level teaches nothing', () => {
    const w = dayBefore(ON);
    expect(w.check(req(secret('x1')), token(S(T) + 600, 'sid-a1', 0), T + 601_000, ANY).v.allow).toBe(true);
    expect(w.run(nextMorning(), T + DAY, ['db', 'tls', 'api-key', 'x1'].map((n) => secret(n)))).toEqual({ refusedAt: 3, reason: 'auth_too_old', context: 'machine_pace' });
  });

  it("a tool's first run: the sign-in that answers its machine pace teaches all of it, so its next run asks nothing", () => {
    const w = dayBefore(ON);
    const at = T + 3 * 3_600_000;
    const k = ['k1', 'k2', 'k3', 'k4', 'k5'].map((n) => secret(n));
    expect(w.run(token(S(T) - 40), at, k)).toEqual({ refusedAt: 3, reason: 'auth_too_old', context: 'machine_pace' });
    // Signed in after the run went over (what the challenge asks for), the run goes on: learned.
    const fresh = token(S(at) + 2, 'sid-fresh');
    expect(w.check(req(k[3]!), fresh, at + 3000).v.allow).toBe(true);
    expect(w.check(req(k[4]!), fresh, at + 3100).v.allow).toBe(true);
    expect(w.run(nextMorning(), T + DAY, k)).toEqual({ refusedAt: -1 });
    // Without that sign-in k4 and k5 (refused) are not learned: the control is asked again.
    const c = dayBefore(ON);
    expect(c.run(token(S(T) - 40), at, k)).toEqual({ refusedAt: 3, reason: 'auth_too_old', context: 'machine_pace' });
    expect(c.run(nextMorning(), T + DAY, k)).toEqual({ refusedAt: 3, reason: 'auth_too_old', context: 'machine_pace' });
  });
});
