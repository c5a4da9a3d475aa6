import { compileAssurance } from '../../src/core/assurance.js';
import type { Config } from '../../src/config/schema.js';
import type { DeviceCookies } from '../../src/cookies/device-cookie.js';
import type { Identity } from '../../src/core/identity.js';
import { judge } from '../../src/pipeline/evaluate.js';
import { storeLimits } from '../../src/pipeline/runtime.js';
import type { Requirement } from '../../src/policy/policy.js';
import type { RequestAttributes } from '../../src/request/attributes.js';
import { kubeRequestInfo } from '../../src/request/kube.js';
import { RiskEngine, type RiskOutcome } from '../../src/risk/engine.js';
import { MemoryStateStore } from '../../src/state/memory.js';

/**
 * The risk engine and the pipeline's judge over a memory store, as a Check runs them: assess,
 * judge, learn what an allow proved, count a refusal. For unit tests of one signal's scenarios.
 */

/**
 * The config the risk unit tests start from: two levels, one trusted hop, learning at aal2 with the
 * example's newcomer allowance and an `elevated` band at 45. `risk` adds lines under `risk:`
 * (indented two spaces), `first` lines before `learn:`.
 */
export const riskYaml = (risk = '', first = '') => `
issuers: [{ issuer: https://idp.test, audiences: [k] }]
assurance: { levels: [{ name: aal1, acr: [a1] }, { name: aal2, acr: [a2] }] }
policy: { default: { require: aal1 } }
network: { xff_num_trusted_hops: 1 }
risk:
${first}  learn: { min_level: aal2, newcomer_grace_seconds: 600 }
  bands: [{ name: elevated, min_score: 45, require: aal2 }]
${risk}`;

/** An aal2 identity (`acr` a2 of the tests' two-level assurance) signed in at `authTime` (s). */
export const aal2Token = (subject: string, authTime: number, sid = 'sid-1'): Identity =>
  Object.freeze({
    subject, issuer: 'https://idp.test', groups: [], acr: 'a2', amr: [], authTime,
    expiresAt: Infinity, level: 1, levelName: 'aal2', session: sid, upstreamHeaders: [],
  });

const LEVEL_NAMES = ['aal1', 'aal2', 'aal3'];

/**
 * An identity at `level` of a three-level assurance (0 aal1, 1 aal2, 2 aal3; `acr` a1 to a3, as
 * the assurance_downgrade tests configure it) signed in at `authMs`, in a session of that sign-in
 * unless `sid` says.
 */
export const levelToken = (subject: string, level: number, authMs: number, sid = `sid-${authMs}`): Identity =>
  Object.freeze({
    subject, issuer: 'https://idp.test', groups: [], acr: `a${level + 1}`, amr: [], authTime: Math.floor(authMs / 1000),
    expiresAt: Infinity, level, levelName: LEVEL_NAMES[level]!, session: sid, upstreamHeaders: [],
  });

export const BASE: Requirement = Object.freeze({ deny: false, denyMessage: undefined, level: 0, maxAge: 43_200, rules: ['default'], sensitivity: 0 });
export const SECRETS: Requirement = Object.freeze({ deny: false, denyMessage: undefined, level: 1, maxAge: 28_800, rules: ['secrets'], sensitivity: 30 });

/**
 * Whether requirement `a` asks at least as much as `b`: deny wherever `b` denies, a level as high,
 * a freshness as short, a sign-in bound no earlier. What "more risk never lowers the requirement"
 * checks for each signal.
 */
export function asksAtLeast(a: Requirement & { authAfter?: number }, b: Requirement & { authAfter?: number }): boolean {
  return (
    (a.deny || !b.deny) &&
    a.level >= b.level &&
    (a.maxAge === undefined ? b.maxAge === undefined : b.maxAge === undefined || a.maxAge <= b.maxAge) &&
    (a.authAfter ?? 0) >= (b.authAfter ?? 0)
  );
}

/** A request (a GET unless `method` says) for `target` (a path, `?query` allowed) through the gateway from `ip` (one trusted hop) with user agent `ua`. */
export function kubeGet(ip: string, ua: string, target = '/api/v1/namespaces/team-a/secrets/db', method = 'GET'): RequestAttributes {
  const [path, query = ''] = target.split('?') as [string, string?];
  const kube = kubeRequestInfo(method, path, query, () => undefined);
  return {
    method, target, path, query, host: 'kube', authority: 'kube', scheme: 'https',
    headers: new Map([['x-forwarded-for', ip], ['user-agent', ua]]),
    spoofedIdentityHeaders: [], sourceAddress: '10.0.0.5', clientResolved: false, sourcePrincipal: '',
    contextExtensions: {}, kube, body: undefined, bodyTruncated: false,
  } as RequestAttributes;
}

/** `deviceCookies`: the step-up session's device cookies, verified in each request's Cookie header. */
export function riskWorld(cfg: Config, deviceCookies?: DeviceCookies) {
  const assurance = compileAssurance(cfg.assurance.levels);
  const store = new MemoryStateStore(storeLimits(cfg)!, { maxSubjects: 100 });
  const engine = new RiskEngine({ risk: cfg.risk!, network: cfg.network, onStateError: 'fail_closed', assurance, store, fallback: store, deviceCookies });
  const check = (r: RequestAttributes, who: Identity, atMs: number, need = SECRETS) => {
    const out = engine.assess(r, who, need, atMs) as RiskOutcome;
    if (!out.ok) throw new Error(out.detail);
    const v = judge(out.requirement, who, atMs, r, false, { assurance }, out.risk);
    if (v.allow && out.learn) engine.learned(out.learn, atMs);
    if (!v.allow) engine.recordDenial(who, atMs, r);
    return { v, out };
  };
  return { store, engine, check };
}
