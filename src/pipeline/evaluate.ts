import type { ReasonCode } from '../core/reasons.js';
import { utcClock } from '../core/clock-text.js';
import type { Verdict } from '../decision/verdict.js';
import type { Identity } from '../core/identity.js';
import type { VerifyResult } from '../identity/verifier.js';
import type { ProxyFailure } from '../identity/access-proxy.js';
import type { ConsoleRefusal } from './console-sessions.js';
import type { BindingRefusal, BoundCredential } from '../identity/sender-binding.js';
import { bothOf, keptLevel, type Policy, type Requirement } from '../policy/policy.js';
import type { WindowRefusal } from '../policy/access-windows.js';
import type { AlsoList, RawRequest, RequestAttributes } from '../request/attributes.js';
import { authorityOf, buildAttributes, kubeReaderOf } from '../request/build.js';
import { presentedCredential } from '../request/credentials.js';
import { kubeRequestInfo } from '../request/kube.js';
import { applyGuardrails, describeGuardrails } from '../guardrails/effect.js';
import { checkGuardrails, type GuardrailOutcome } from '../guardrails/guard.js';
import { targetOf } from '../guardrails/inspect.js';
import type { Contribution } from '../risk/codes.js';
import type { RiskAssessment, RiskEngine, RiskOutcome, WorkloadAsk } from '../risk/engine.js';
import { gateAutomation } from './approval.js';
import { fileParts, strictest } from './file.js';
import { noteChallenge } from './challenge.js';
import { attachShadow, shadowInput, wouldBeBase, wouldBeGuard } from './shadow.js';
import type { Runtime } from './runtime.js';

/**
 * The Check pipeline, transport-neutral: request → identity → policy → verdict. Returns
 * synchronously when the token is cached (the common case), so a hit costs no event-loop turn.
 */
export function evaluate(rt: Runtime, raw: RawRequest, spoofed: readonly string[]): Verdict | Promise<Verdict> {
  const built = buildAttributes(raw, spoofed, rt.kubeHosts);
  if (!built.ok) {
    const v = fail(built.reason ?? 'request_invalid', built.detail, undefined, undefined);
    // On a Kubernetes host the refusal is a Status kubectl prints (decision/respond.ts), also when
    // the request could not be read as Kubernetes (a `;` path parameter, a lower-case method).
    const reader = built.kubeReader ?? kubeReaderOf({ method: raw.method, target: raw.target, authority: authorityOf(raw), contextExtensions: raw.contextExtensions }, rt.kubeHosts);
    if (reader !== undefined) v.kubeReader = reader;
    return v;
  }
  const req = built.attributes;
  if (req.fromFile !== undefined) return evaluateFile(rt, req);
  if (req.alsoLists !== undefined) return evaluateLists(rt, req, req.alsoLists);
  return evaluateRequest(rt, req, true);
}

/**
 * A dashboard route that lists what its body names (Backstage's custom query, request/backstage.ts):
 * the web request and each list (`GET` of it, as kubectl would send it) are judged, the strictest
 * verdict answering for the request, so a Secrets list named there meets the rules about Secrets.
 */
function evaluateLists(rt: Runtime, req: RequestAttributes, lists: readonly AlsoList[]): Verdict | Promise<Verdict> {
  const parts = [req, ...lists.map(({ path, cluster }): RequestAttributes => ({ ...req, method: 'GET', path, query: '', kube: kubeRequestInfo('GET', path, '', (name) => req.headers.get(name)), cluster, body: undefined, bodyTruncated: false, bodyMissing: false, alsoLists: undefined }))];
  const binding = bindingOnce(rt, req);
  const verdicts = parts.map((part, i) => evaluateRequest(rt, part, i === 0, binding));
  return verdicts.some((x) => x instanceof Promise) ? Promise.all(verdicts).then(strictest) : strictest(verdicts as Verdict[]);
}

/**
 * A Dashboard deploy from file: each object's create judged as its own request (pipeline/file.ts),
 * the strictest verdict answering for the file. Each create counts as kubectl's would (the working
 * set, pace, a refusal), since the Dashboard makes each with the caller's token.
 */
function evaluateFile(rt: Runtime, req: RequestAttributes): Verdict | Promise<Verdict> {
  const read = fileParts(req);
  if (!read.ok) return fail('request_invalid', read.detail, req, undefined);
  const binding = bindingOnce(rt, req);
  const verdicts = read.parts.map((part) => evaluateRequest(rt, part, false, binding));
  const v = verdicts.some((x) => x instanceof Promise) ? Promise.all(verdicts).then(strictest) : strictest(verdicts as Verdict[]);
  const cred = rt.challenges === undefined ? undefined : presentedCredential(req.headers, rt.sessions?.cookieName);
  return cred?.kind === 'bearer' ? noteChallenge(rt, cred.token, v) : v;
}

/** Checks a sender-constrained credential's proof for one request (identity/sender-binding.ts). */
type BindingCheck = (req: RequestAttributes, cred: BoundCredential, who: Identity) => BindingRefusal | undefined | Promise<BindingRefusal | undefined>;

/**
 * A request judged as several (a Dashboard file's objects, Backstage's lists) is one HTTP request
 * with one proof: a DPoP proof is checked once, against the request as sent (its `jti` is good
 * once, its `htm` and `htu` name the request line, not a part's), and that outcome answers for
 * every part. Checked per part, the second part found its own proof's `jti` used
 * (`dpop_proof_replayed`) and a list's `GET` was not the query's `POST`, so a DPoP client could
 * deploy no file of two objects (session 46).
 */
function bindingOnce(rt: Runtime, sent: RequestAttributes): BindingCheck {
  const outcomes = new Map<string, ReturnType<BindingCheck>>();
  return (_part, cred, who) => {
    let out = outcomes.get(cred.token);
    if (out === undefined && !outcomes.has(cred.token)) outcomes.set(cred.token, (out = rt.senderBindings.check(sent, cred, who)));
    return out;
  };
}

function evaluateRequest(rt: Runtime, req: RequestAttributes, note: boolean, binding?: BindingCheck): Verdict | Promise<Verdict> {
  const cred = presentedCredential(req.headers, rt.sessions?.cookieName, req.throughKubeProxy === true, req.bodyTokens);
  if (cred.kind === 'session') {
    const result = rt.sessions!.verify(cred.value);
    return result instanceof Promise ? result.then((r) => decideProxied(rt, req, r, undefined)) : decideProxied(rt, req, result, undefined);
  }
  if (cred.kind === 'problem') {
    // Guardrails apply here too, so the challenge asks for the level the change will need.
    const guard = checkGuardrails(rt.guardrails, req);
    const base = alsoAsked(rt, req, undefined, tightened(rt, req, undefined), guard);
    return verdict(false, cred.reason, cred.detail, guard ? applyGuardrails(base, guard.contribution) : base, undefined, req, false, undefined, guard);
  }
  const token = cred.token;
  const result = rt.verifier.verify(token);
  const v = result instanceof Promise ? result.then((r) => decideBound(rt, req, cred, r, binding)) : decideBound(rt, req, cred, result, binding);
  return rt.challenges === undefined || !note ? v : noteChallenge(rt, token, v);
}

/**
 * A sender-constrained token (its identity carries a binding) counts only with the proof of its
 * key or certificate, and the DPoP scheme only with such a token (identity/sender-binding.ts). A
 * refusal is an authentication failure like a bad token's: no identity goes further. A bearer
 * token without a binding passes with two field reads.
 */
function decideBound(rt: Runtime, req: RequestAttributes, cred: BoundCredential, r: VerifyResult, binding?: BindingCheck): Verdict | Promise<Verdict> {
  if (!r.ok || (r.identity.binding === undefined && cred.scheme === undefined)) return decideProxied(rt, req, r, cred.token);
  const refused = binding === undefined ? rt.senderBindings.check(req, cred, r.identity) : binding(req, cred, r.identity);
  const then = (f: BindingRefusal | undefined) => decideProxied(rt, req, f === undefined ? r : { ok: false, reason: f.reason, detail: f.detail, cached: r.cached }, cred.token);
  return refused instanceof Promise ? refused.then(then) : then(refused);
}

/**
 * An OpenShift console cookie bound to another stepgate identity (pipeline/console-sessions.ts) is
 * refused before anything else: a step-up by the caller does not change whose session the
 * console acts with.
 */
function decideProxied(rt: Runtime, req: RequestAttributes, r: VerifyResult, token: string | undefined): Verdict | Promise<Verdict> {
  // An identity outside its access window, or revoked, is answered as such by decideCore before
  // anything here is asked: the console binding would record a session for an account the
  // gateway refuses (and, with the store down, answer 503 in the window's place), and the access
  // proxy's assertion is moot for it. Asked only when one of the two is configured.
  if (r.ok && (rt.consoleSessions !== undefined || rt.accessProxy !== undefined) && standingRefused(rt, r.identity)) return decide(rt, req, r);
  if (r.ok && rt.consoleSessions !== undefined) {
    const refused = rt.consoleSessions.check(req.headers.get('cookie'), r.identity, rt.now());
    if (refused !== undefined) {
      const then = (f: ConsoleRefusal | undefined) => (f === undefined ? decideAccessProxy(rt, req, r, token) : verdict(false, f.reason, f.detail, undefined, r.identity, req, r.cached, undefined, undefined));
      return refused instanceof Promise ? refused.then(then) : then(refused);
    }
  }
  return decideAccessProxy(rt, req, r, token);
}

/** Whether decideCore refuses this identity before policy: outside its window, or revoked. Allocation-free when neither. */
function standingRefused(rt: Runtime, who: Identity): boolean {
  return rt.accessWindows?.closed(who, rt.now) !== undefined || rt.revocations?.refuse(who, rt.now()) !== undefined;
}

/**
 * A verified credential that came with the access proxy's signed assertion (`access_proxy`) is
 * first held to it: the proxy's user must be the credential's. A refusal is final (403), never a
 * step-up: a sign-in at the identity provider does not change who is signed in to the proxy.
 */
function decideAccessProxy(rt: Runtime, req: RequestAttributes, r: VerifyResult, token: string | undefined): Verdict | Promise<Verdict> {
  const proxy = rt.accessProxy;
  if (proxy === undefined || !r.ok) return decide(rt, req, r);
  const refused = proxy.check(req, r.identity, token);
  if (refused === undefined) return decide(rt, req, r);
  const then = (f: ProxyFailure | undefined) => (f === undefined ? decide(rt, req, r) : verdict(false, f.reason, f.detail, undefined, r.identity, req, r.cached, undefined, undefined));
  return refused instanceof Promise ? refused.then(then) : then(refused);
}

/**
 * Policy, risk and assurance for a known token outcome. Synchronous unless the risk engine's
 * state store is remote (one round trip).
 */
export function decide(rt: Runtime, req: RequestAttributes, r: VerifyResult): Verdict | Promise<Verdict> {
  const v = decideCore(rt, req, r);
  if (rt.approvals === undefined) {
    // Automation without approvals: a step-up it cannot do is refused in words (gateAutomation).
    if (rt.config.automation === undefined) return v;
    return v instanceof Promise ? v.then((x) => gateAutomation(rt, x)) : gateAutomation(rt, v);
  }
  return v instanceof Promise ? v.then((x) => countDenial(rt, gateAutomation(rt, x))) : countDenial(rt, gateAutomation(rt, v));
}

/**
 * With approvals on, a denial is counted toward the denial-rate signal only once the gate has
 * spoken: an automation's approved retry is an allow, not one more denial.
 */
function countDenial(rt: Runtime, v: Verdict | Promise<Verdict>): Verdict | Promise<Verdict> {
  if (v instanceof Promise) return v.then((x) => countDenial(rt, x) as Verdict);
  if (!v.allow && v.identity !== undefined && v.risk !== undefined) rt.risk?.recordDenial(v.identity, rt.now(), v.attributes);
  return v;
}

function decideCore(rt: Runtime, req: RequestAttributes, r: VerifyResult): Verdict | Promise<Verdict> {
  const guard = checkGuardrails(rt.guardrails, req);
  const base = alsoAsked(rt, req, r.ok ? r.identity : undefined, tightened(rt, req, r.ok ? r.identity : undefined), guard);
  const need = guard ? applyGuardrails(base, guard.contribution) : base;
  if (!r.ok) return verdict(false, r.reason, r.detail, need, undefined, req, r.cached, undefined, guard);
  const who = r.identity;
  // An account's dated window (access_windows, issue 12 day 42): refused before and after it,
  // whatever it asks or presents, on the cached path too. A refusal, not a step-up. Asked before
  // revocation, as pipeline/standing.ts asks it: it needs no state, so a stale mirror does not
  // answer 503 in its place, and a revoked account outside its window is not told to sign in
  // again (no sign-in opens a window).
  const shut = rt.accessWindows?.closed(who, rt.now);
  if (shut !== undefined) return verdict(false, 'access_window_closed', shut.detail, closedRequirement(need, shut), who, req, r.cached, undefined, guard);
  // Revocation (issue 15) and step-up sign-out: checked on the cached path too, from the local mirror.
  const refused = rt.revocations?.refuse(who, rt.now());
  if (refused) return verdict(false, refused.reason, refused.detail, need, who, req, r.cached, undefined, guard);
  const risk = rt.risk;
  // Shadow mode: the would-be requirement, judged beside the enforced one (pipeline/shadow.ts).
  const full = wouldBeBase(base, guard);
  if (risk === undefined) {
    const v = judge(need, who, rt.now(), req, r.cached, rt, undefined, guard);
    return full === undefined ? v : attachShadow(rt, v, judge(full, who, rt.now(), req, r.cached, rt, undefined, wouldBeGuard(guard)), full);
  }
  const now = rt.now();
  const extra = guard && guard.contribution.risk > 0 ? guardrailRisk(guard) : undefined;
  // A subject revocation on record withholds the newcomer allowance (IncidentBoard.subjectRevokedAt):
  // asked only with `incident` configured, where revocations exist.
  const revokedAt = rt.incidents === undefined ? 0 : rt.incidents.subjectRevokedAt(who, now);
  const out = risk.assess(req, who, need, now, extra, shadowInput(full, guard), guard?.result.readsSecret, guard?.result.deletes !== undefined, guard?.result.cordons !== undefined, revokedAt, guard?.result.accelerators, workloadAsk(guard?.result));
  return out instanceof Promise
    ? out.then((o) => judgeRisk(rt, risk, o, need, who, now, req, r.cached, guard))
    : judgeRisk(rt, risk, out, need, who, now, req, r.cached, guard);
}

/**
 * The requirement a closed window answers with: a deny carrying the window's sentence (the body's
 * message) and its name among the rules (logs, `explain`, the response's metadata).
 */
function closedRequirement(need: Requirement, shut: WindowRefusal): Requirement {
  return { ...need, deny: true, denyMessage: shut.message, rules: [...need.rules, `access_window:${shut.window}`] };
}

/** The policy's requirement, tightened by the active incidents that hold the request (issue 15). */
function tightened(rt: Runtime, req: RequestAttributes, who: Identity | undefined): Requirement {
  // One reading of the clock for the rules' hours and the incidents, so both judge the same instant.
  const now = rt.now();
  const base = rt.policy.evaluate(req, who, now);
  if (rt.incidents === undefined) return base;
  const t = rt.incidents.tighten(base, req, who, now, rt.assurance);
  // The would-be (shadow) requirement is held by the incident too: it is never looser than the enforced one.
  return t === base || base.shadow === undefined ? t : { ...t, shadow: rt.incidents.tighten(base.shadow, req, who, now, rt.assurance) };
}

/**
 * What a write does besides what its request line says, asked for as well (strictest wins):
 * - a change that can delete its object (it sets owner references, which the garbage collector
 *   acts on, or its body could not be read: guardrails' `deletes`), or every pod of it (a
 *   workload scaled to zero, by its `scale` or its `spec.replicas`), asks what deleting the object
 *   asks: `PATCH deployments/api` with an owner that does not exist deletes the Deployment, and
 *   would otherwise step around a rule that protects deletes more than changes (the example's
 *   `prod-durable-deletes`: 15 minutes, where a production change asks 8 hours);
 * - a StatefulSet changed to delete its claims when scaled down or deleted (`deletesClaims`) asks
 *   what deleting its namespace's PersistentVolumeClaims asks: `kubectl scale --replicas=0` then
 *   deletes them, and their disks;
 * - a person's workload write whose pods are handed a Secret (guardrails' `readsSecret`) asks what
 *   reading that Secret asks: its pod prints it, so a one-factor sign-in's Job would read what
 *   `get secret` refuses it, and a patch of an Argo CD Deployment the Secrets `system-secrets`
 *   holds to a hardware key. Automation is left out, as the working set leaves it out: it never
 *   signs in, and deploys what its pipeline hands Secrets every day.
 */
function alsoAsked(rt: Runtime, req: RequestAttributes, who: Identity | undefined, base: Requirement, guard: GuardrailOutcome | undefined): Requirement {
  const kube = req.kube;
  if (guard === undefined || kube === undefined) return base;
  let need = base;
  if (guard.result.deletes !== undefined) {
    // The delete of the object itself, also when the change came through its `scale`; or of the
    // one it acts on (a KEDA ScaledObject paused at zero: its target workload).
    const of = guard.result.deleteOf;
    const target = of !== undefined ? targetOf(kube, of) : kube.subresource === '' ? kube : { ...kube, subresource: '', parts: kube.parts.slice(0, -1), path: kube.path.slice(0, kube.path.lastIndexOf('/')) };
    need = bothOf(need, tightened(rt, { ...req, method: 'DELETE', kube: { ...target, verb: 'delete' } }, who));
  }
  if (guard.result.deletesClaims !== undefined && kube.namespace !== '') {
    const claims = { ...kube, verb: 'deletecollection', apiPrefix: 'api', apiGroup: '', apiVersion: 'v1', resource: 'persistentvolumeclaims', subresource: '', name: '', parts: ['persistentvolumeclaims'], upgrade: false };
    need = bothOf(need, tightened(rt, { ...req, method: 'DELETE', kube: { ...claims, path: `/api/v1/namespaces/${kube.namespace}/persistentvolumeclaims` } }, who));
  }
  const secret = guard.result.readsSecret;
  if (secret !== undefined && who?.automation !== true && kube.namespace !== '') {
    const path = `/api/v1/namespaces/${kube.namespace}/secrets/${secret}`;
    const read = { ...kube, path, verb: 'get', apiPrefix: 'api', apiGroup: '', apiVersion: 'v1', resource: 'secrets', subresource: '', name: secret, parts: ['secrets', secret], upgrade: false };
    need = bothOf(need, tightened(rt, { ...req, method: 'GET', path, kube: read }, who));
  }
  return need;
}

/** A guardrail's risk weight, as one contribution to the score. */
function guardrailRisk(g: GuardrailOutcome): Contribution[] {
  return [{ code: 'guardrail', weight: g.contribution.risk, detail: `guardrails ${g.contribution.codes.join(', ')}` }];
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
  guard: GuardrailOutcome | undefined,
): Verdict {
  const v = o.ok
    ? judge(o.requirement, who, nowMs, req, cached, rt, o.risk, guard)
    : verdict(false, 'state_unavailable', o.detail, base, who, req, cached, undefined, guard);
  const s = o.ok ? o.shadow : undefined;
  if (s !== undefined) attachShadow(rt, v, judge(s.requirement, who, nowMs, req, cached, rt, s.risk, wouldBeGuard(guard)), s.requirement);
  // With approvals on, `decide` counts the denial after the approval gate (countDenial).
  if (!v.allow) {
    if (rt.approvals === undefined) engine.recordDenial(who, nowMs, req);
  } else if (o.ok && o.learn) engine.learned(o.learn, nowMs);
  return v;
}

export function judge(
  need: Requirement,
  who: Identity,
  nowMs: number,
  req: RequestAttributes | undefined,
  cached: boolean,
  rt: Pick<Runtime, 'assurance'> & { readonly policy?: Pick<Policy, 'everyday'> & Partial<Pick<Policy, 'levelLasts'>> },
  risk?: RiskAssessment,
  guard?: GuardrailOutcome,
): Verdict {
  const v = judgeLevel(need, who, nowMs, req, cached, rt, risk, guard);
  // Only a step-up for freshness can find the token above the requirement (acr_insufficient is a
  // token below it): the sign-in it asks for keeps the token's level while that level still counts.
  const lasts = rt.policy?.levelLasts;
  if (lasts !== undefined && !v.allow && who.level > need.level && (v.reason === 'auth_too_old' || v.reason === 'auth_time_missing')) {
    const keep = keptLevel(need.level, who, Math.floor(nowMs / 1000), lasts);
    if (keep > need.level) {
      v.signIn = keep;
      v.detail += `; asking for ${rt.assurance.names[keep]}, the level of this sign-in`;
    }
  }
  return v;
}

function judgeLevel(
  need: Requirement,
  who: Identity,
  nowMs: number,
  req: RequestAttributes | undefined,
  cached: boolean,
  rt: Pick<Runtime, 'assurance'> & { readonly policy?: Pick<Policy, 'everyday'> },
  risk?: RiskAssessment,
  guard?: GuardrailOutcome,
): Verdict {
  // Automation never signs in interactively, so it has no acr to show and no auth_time to be
  // fresh by. Its verified credential admits it at the everyday requirement and no further: its
  // level name stays what its token says (`none`), and a higher level or a shorter max_age is a
  // step-up that only a human can give (an approval, or automation_step_up).
  const everyday = who.automation === true ? rt.policy?.everyday : undefined;
  const level = everyday !== undefined && everyday.level > who.level ? everyday.level : who.level;
  if (need.deny) {
    if (risk?.denies) return verdict(false, 'risk_deny', risk.context?.action === 'refused' ? risk.context.reason : `risk score ${risk.score} reached band ${risk.band}`, need, who, req, cached, risk, guard);
    return verdict(false, 'policy_deny', `denied by rule ${need.rules.join(', ')}${guardNote(guard)}`, need, who, req, cached, risk, guard);
  }
  if (level < need.level) {
    const admitted = everyday !== undefined && everyday.level >= 0 ? ` (automation, admitted at the everyday ${rt.assurance.names[everyday.level]})` : '';
    const detail = `presented ${who.levelName}${admitted}, required ${rt.assurance.names[need.level]}${riskNote(risk)}`;
    return verdict(false, 'acr_insufficient', detail + guardNote(guard), need, who, req, cached, risk, guard);
  }
  // The verifiers refuse a future auth_time within the issuer's tolerance; an identity that got
  // here another way (hand-made claims, a clock stepped back under a cached token) must not count
  // as fresh either: a negative age would satisfy every max_age and every context bound.
  if (who.authTime !== undefined && who.authTime - Math.floor(nowMs / 1000) > MAX_CLOCK_TOLERANCE_S) {
    return verdict(false, 'token_not_yet_valid', `auth_time is ${who.authTime - Math.floor(nowMs / 1000)}s in the future`, need, who, req, cached, risk, guard);
  }
  if (need.authAfter !== undefined && who.authTime !== undefined && who.authTime < need.authAfter) {
    // However fresh, this authentication predates the context that raised the risk (docs/risk.md).
    const at = utcClock(who.authTime * 1000);
    return verdict(false, 'auth_too_old', `authenticated at ${at}, before the ${need.context ?? 'context change'}; sign in again${riskNote(risk)}${guardNote(guard)}`, need, who, req, cached, risk, guard);
  }
  if (need.maxAge !== undefined) {
    if (who.authTime === undefined) {
      // Never fresh by default: only automation, and only up to the everyday max_age.
      if (everyday === undefined || everyday.maxAge === undefined || need.maxAge < everyday.maxAge) {
        const why = everyday !== undefined ? `max_age ${need.maxAge}s asks for a recent sign-in, which automation never makes (no auth_time)` : `max_age ${need.maxAge}s needs auth_time`;
        return verdict(false, 'auth_time_missing', `${why}${riskNote(risk)}${guardNote(guard)}`, need, who, req, cached, risk, guard);
      }
    } else {
      const age = Math.floor(nowMs / 1000) - who.authTime;
      if (age > need.maxAge) {
        // An authentication at or after the context's bound has met it: what it is too old for is
        // the rule's or the band's max_age, and naming the context ("where you have not worked
        // since 09:41; sign in again") would send an engineer who signed in at 10:12 looking for
        // a change that is not the reason. The contribution stays in the score's reasons.
        const met = risk?.context !== undefined && need.authAfter !== undefined && who.authTime >= need.authAfter;
        const shown = met ? { ...risk, context: undefined } : risk;
        return verdict(false, 'auth_too_old', `authenticated ${age}s ago, max_age ${need.maxAge}s${riskNote(risk)}${guardNote(guard)}`, need, who, req, cached, shown, guard);
      }
    }
  }
  return verdict(true, 'allowed', '', need, who, req, cached, risk, guard);
}

/** The largest `issuers[].clock_tolerance_seconds` the schema allows. */
const MAX_CLOCK_TOLERANCE_S = 300;

function guardNote(guard: GuardrailOutcome | undefined): string {
  return guard && guard.contribution.codes.length > 0 ? ` (${describeGuardrails(guard.result)})` : '';
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
  return verdict(false, reason, detail, need, undefined, req, false, undefined, undefined);
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
  guardrails: GuardrailOutcome | undefined,
): Verdict {
  return { allow, reason, detail, requirement, identity, attributes, tokenCached, risk, guardrails, approval: undefined, signIn: undefined, shadow: undefined };
}

/** Kept here for callers that parse an Authorization header by hand (`stepgate explain`). */
export { bearerToken } from '../request/credentials.js';

/** What guardrails read of a scalable workload's write for the risk engine: its per-pod ask, or the count a scale sets. */
function workloadAsk(r: GuardrailOutcome['result'] | undefined): WorkloadAsk | undefined {
  if (r === undefined || (r.perPodAccelerators === undefined && r.scaledTo === undefined)) return undefined;
  return { ...(r.perPodAccelerators !== undefined && { perPod: r.perPodAccelerators }), ...(r.scaledTo !== undefined && { scaledTo: r.scaledTo }) };
}
