import type { ReasonCode } from '../decision/reasons.js';
import type { Verdict } from '../decision/verdict.js';
import type { Identity } from '../identity/identity.js';
import type { VerifyResult } from '../identity/verifier.js';
import type { Requirement } from '../policy/policy.js';
import type { RawRequest, RequestAttributes } from '../request/attributes.js';
import { buildAttributes } from '../request/build.js';
import type { RiskAssessment, RiskEngine, RiskOutcome } from '../risk/engine.js';
import type { Runtime } from './runtime.js';

/**
 * The Check pipeline, transport-neutral: request → identity → policy → verdict. Returns
 * synchronously when the token is cached (the common case), so a hit costs no event-loop turn.
 */
export function evaluate(rt: Runtime, raw: RawRequest, spoofed: readonly string[]): Verdict | Promise<Verdict> {
  const built = buildAttributes(raw, spoofed, rt.kubeHosts);
  if (!built.ok) return fail('request_invalid', built.detail, undefined, undefined);
  const req = built.attributes;
  const token = bearerToken(req.headers.get('authorization'));
  if (typeof token !== 'string') {
    return fail(token.reason, token.detail, req, rt.policy.evaluate(req, undefined));
  }
  const result = rt.verifier.verify(token);
  return result instanceof Promise ? result.then((r) => decide(rt, req, r)) : decide(rt, req, result);
}

/**
 * Policy, risk and assurance for a known token outcome. Synchronous unless the risk engine's
 * state store is remote (one round trip).
 */
export function decide(rt: Runtime, req: RequestAttributes, r: VerifyResult): Verdict | Promise<Verdict> {
  if (!r.ok) return verdict(false, r.reason, r.detail, rt.policy.evaluate(req, undefined), undefined, req, r.cached, undefined);
  const who = r.identity;
  const need = rt.policy.evaluate(req, who);
  const risk = rt.risk;
  if (risk === undefined) return judge(need, who, rt.now(), req, r.cached, rt);
  const now = rt.now();
  const out = risk.assess(req, who, need, now);
  return out instanceof Promise
    ? out.then((o) => judgeRisk(rt, risk, o, need, who, now, req, r.cached))
    : judgeRisk(rt, risk, out, need, who, now, req, r.cached);
}

function judgeRisk(
  rt: Runtime,
  engine: RiskEngine,
  o: RiskOutcome,
  base: Requirement,
  who: Identity,
  nowMs: number,
  req: RequestAttributes,
  cached: boolean,
): Verdict {
  const v = o.ok
    ? judge(o.requirement, who, nowMs, req, cached, rt, o.risk)
    : verdict(false, 'state_unavailable', o.detail, base, who, req, cached, undefined);
  if (!v.allow) engine.recordDenial(who, nowMs);
  else if (o.ok && o.learn) engine.learned(o.learn, nowMs);
  return v;
}

export function judge(
  need: Requirement,
  who: Identity,
  nowMs: number,
  req: RequestAttributes | undefined,
  cached: boolean,
  rt: Pick<Runtime, 'assurance'>,
  risk?: RiskAssessment,
): Verdict {
  if (need.deny) {
    if (risk?.denies) return verdict(false, 'risk_deny', `risk score ${risk.score} reached band ${risk.band}`, need, who, req, cached, risk);
    return verdict(false, 'policy_deny', `denied by rule ${need.rules.join(', ')}`, need, who, req, cached, risk);
  }
  if (who.level < need.level) {
    const detail = `presented ${who.levelName}, required ${rt.assurance.names[need.level]}${riskNote(risk)}`;
    return verdict(false, 'acr_insufficient', detail, need, who, req, cached, risk);
  }
  if (need.maxAge !== undefined) {
    if (who.authTime === undefined) {
      return verdict(false, 'auth_time_missing', `max_age ${need.maxAge}s needs auth_time${riskNote(risk)}`, need, who, req, cached, risk);
    }
    const age = Math.floor(nowMs / 1000) - who.authTime;
    if (age > need.maxAge) {
      return verdict(false, 'auth_too_old', `authenticated ${age}s ago, max_age ${need.maxAge}s${riskNote(risk)}`, need, who, req, cached, risk);
    }
  }
  return verdict(true, 'allowed', '', need, who, req, cached, risk);
}

function riskNote(risk: RiskAssessment | undefined): string {
  return risk?.band !== undefined ? ` (risk score ${risk.score}, band ${risk.band})` : '';
}

export function fail(
  reason: ReasonCode,
  detail: string,
  req: RequestAttributes | undefined,
  need: Requirement | undefined,
): Verdict {
  return verdict(false, reason, detail, need, undefined, req, false, undefined);
}

/**
 * Every Verdict is built here, with one literal of one shape: object spreads on this path cost
 * microseconds each on Node 20 and give V8 many shapes to track.
 */
function verdict(
  allow: boolean,
  reason: ReasonCode,
  detail: string,
  requirement: Requirement | undefined,
  identity: Identity | undefined,
  attributes: RequestAttributes | undefined,
  tokenCached: boolean,
  risk: RiskAssessment | undefined,
): Verdict {
  return { allow, reason, detail, requirement, identity, attributes, tokenCached, risk };
}

type TokenProblem = { reason: ReasonCode; detail: string };

const BEARER = /^bearer +/i;

/** RFC 6750 §2.1. Anything other than exactly one Bearer credential is not a token we verify. */
export function bearerToken(header: string | undefined): string | TokenProblem {
  if (header === undefined || header === '') return { reason: 'token_missing', detail: 'no authorization header' };
  const m = BEARER.exec(header);
  if (!m) return { reason: 'token_missing', detail: 'authorization header is not a Bearer credential' };
  const token = header.slice(m[0].length).trim();
  if (token === '' || token.includes(' ') || token.includes(',')) {
    return { reason: 'token_malformed', detail: 'the Bearer credential is empty or not a single token' };
  }
  return token;
}
