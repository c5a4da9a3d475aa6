import { LRUCache } from 'lru-cache';
import type { Config } from '../config/schema.js';
import type { AssuranceModel } from '../core/assurance.js';
import { compileGlobList, type StringMatcher } from '../core/glob.js';
import type { RequestAttributes } from '../request/attributes.js';
import { reasonKind, reasonMessage } from '../core/reasons.js';
import type { Verdict } from './verdict.js';
import { upstreamCookie } from '../request/cookies.js';
import { approvalBaseUrl } from '../approvals/urls.js';
import { shortId } from '../approvals/request-id.js';
import { clip } from '../core/redact.js';
import { GUARDRAIL_RULE_PREFIX, guardrailInWords, guardrailTitle, type GuardrailCode } from '../config/guardrail-codes.js';

export type Header = readonly [string, string];

/** A transport-neutral answer; the gRPC and HTTP adapters only translate it. */
export interface Answer {
  allow: boolean;
  /** HTTP status the client sees on denial (200 on allow). */
  status: number;
  /** google.rpc.Code for CheckResponse.status. */
  grpcCode: number;
  /** Deny: headers for the client. Allow: headers for the upstream (overwrite). */
  headers: readonly Header[];
  /** Allow only: client-sent headers to strip before the upstream sees them. */
  removeHeaders: readonly string[];
  body: string;
  /** Flat decision summary for access logs (Envoy dynamic metadata). */
  metadata: Readonly<Record<string, string>>;
}

export type ClientKind = 'navigation' | 'fetch' | 'api';

const GRPC = { OK: 0, INVALID_ARGUMENT: 3, PERMISSION_DENIED: 7, INTERNAL: 13, UNAVAILABLE: 14, UNAUTHENTICATED: 16 } as const;
const JSON_TYPE: Header = ['content-type', 'application/json'];
const NO_STORE: Header = ['cache-control', 'no-store'];
const EMPTY: readonly string[] = Object.freeze([]);

/**
 * Browser navigations can follow a redirect to the identity provider; fetch/XHR cannot (the
 * redirect would be followed invisibly, cross-origin), so they get JSON naming the step-up URL;
 * everything else is an API client and gets the RFC 9470 challenge.
 */
export function clientKind(req: RequestAttributes): ClientKind {
  const h = req.headers;
  const mode = h.get('sec-fetch-mode');
  if (mode !== undefined) return mode === 'navigate' ? 'navigation' : 'fetch';
  if (h.has('x-requested-with')) return 'fetch';
  if ((req.method === 'GET' || req.method === 'HEAD') && (h.get('accept') ?? '').includes('text/html')) {
    return 'navigation';
  }
  return 'api';
}

export class Responder {
  private readonly realm: string;
  private readonly stepupUrl: string | undefined;
  private readonly returnHosts: StringMatcher;
  private readonly canReturn: boolean;
  private readonly sessionCookie: string | undefined;
  /** `<step-up origin>/.stepgate/approvals/`; undefined without `automation`. */
  private readonly approvalBase: string | undefined;
  /** Rule name → its `description`, for messages that say in words what a request is. */
  private readonly descriptions: ReadonlyMap<string, string>;
  private readonly hint: string;
  /**
   * Denials already answered, by everything they are made of (reuseKey). kubectl and browsers
   * repeat a challenged request until the user steps up, and building the Status body, the
   * step-up URL and the WWW-Authenticate text cost more than the decision. Part of this Responder,
   * so a reload (a new Responder) starts empty.
   */
  private readonly denials: LRUCache<string, Answer>;
  private denialHits = 0;
  private denialMisses = 0;

  constructor(
    config: Config,
    private readonly assurance: AssuranceModel,
  ) {
    this.realm = config.stepup.realm;
    this.stepupUrl = config.stepup.url;
    this.canReturn = config.stepup.return_hosts.length > 0;
    this.sessionCookie = config.stepup.session?.cookie_name;
    this.approvalBase = config.automation?.approver && config.stepup.url ? approvalBaseUrl(config.stepup.url) : undefined;
    this.returnHosts = compileGlobList(config.stepup.return_hosts.map((h) => h.toLowerCase()), '.');
    this.descriptions = new Map(config.policy.rules.flatMap((r) => (r.description ? [[r.name, r.description] as const] : [])));
    this.hint = config.kubernetes.step_up_hint;
    // A quarter of the encoded allows, like the gRPC server's encoded denials: a challenge is
    // per user and request target, and far rarer than allows.
    this.denials = new LRUCache({ max: Math.max(16, Math.ceil(config.token_cache.encoded_allow_max_entries / 4)) });
  }

  /** Lookups of reusable denials so far (tests and the bench). */
  get denialLookups(): { hits: number; misses: number } {
    return { hits: this.denialHits, misses: this.denialMisses };
  }

  respond(v: Verdict): Answer {
    if (v.allow) return this.allow(v);
    const key = this.reuseKey(v);
    if (key === undefined) return this.refuse(v);
    const hit = this.denials.get(key);
    if (hit !== undefined) {
      this.denialHits++;
      return hit;
    }
    this.denialMisses++;
    const a = frozen(this.refuse(v));
    this.denials.set(key, a);
    return a;
  }

  /**
   * Everything a denial's Answer is computed from, each variable string prefixed by its length so
   * that two different inputs never give one key; undefined when the denial is not worth keeping
   * or holds something per request. Whatever `refuse` reads from the verdict must be here: the
   * reason (and with it its kind, message and status), the identity's subject and level (metadata,
   * body), whether the token was cached (metadata), the requirement's level, max_age, rules, deny
   * message and incident, the risk assessment's score, band, contributions and context (body,
   * Status message, step-up URL), the guardrails that fired, whether the request is for the
   * Kubernetes API (Status body), the kind of client (redirect or challenge) and, with a step-up
   * URL, the scheme, host, authority and target it returns to. Nothing in an answer is bound to
   * the time of the request except through these (a context's `since`, a tightened max_age).
   */
  private reuseKey(v: Verdict): string | undefined {
    const req = v.attributes;
    // An approval's id is per request; without attributes the answer is an internal error.
    if (req === undefined || v.approval !== undefined) return undefined;
    const who = v.identity;
    // A token's first sighting is answered once (`token_cache: miss`); its next request is a hit.
    if (who !== undefined && !v.tokenCached) return undefined;
    let k = `${v.reason}|${v.tokenCached ? 1 : 0}${req.kube ? 1 : 0}${clientKind(req)}`;
    if (who !== undefined) k += `|i${who.levelName.length}:${who.levelName}${who.subject.length}:${who.subject}`;
    const r = v.requirement;
    if (r !== undefined) {
      k += `|q${r.deny ? 1 : 0}/${r.level}/${r.maxAge ?? ''}/${r.rules.length}`;
      for (const n of r.rules) k += `:${n.length}:${n}`;
      if (r.denyMessage !== undefined) k += `|m${r.denyMessage.length}:${r.denyMessage}`;
      if (r.incident !== undefined) k += `|n${r.incident.length}:${r.incident}`;
    }
    const risk = v.risk;
    if (risk !== undefined) {
      k += `|s${risk.score}/${risk.band === undefined ? '' : `${risk.band.length}:${risk.band}`}/${risk.contributions.length}`;
      for (const c of risk.contributions) k += `:${c.code.length}:${c.code}${c.weight}`;
      const cx = risk.context;
      if (cx !== undefined) k += `|c${cx.code}/${cx.authAfter}/${cx.action ?? ''}/${cx.summary.length}:${cx.summary}`;
    }
    const fired = v.guardrails?.contribution.codes;
    if (fired !== undefined && fired.length > 0) k += `|g${fired.join(',')}`;
    if (this.stepupUrl) k += `|u${req.scheme.length}:${req.scheme}${req.host.length}:${req.host}${req.authority.length}:${req.authority}${req.target.length}:${req.target}`;
    return k;
  }

  /** A denial's answer, built from the verdict (respond() keeps the reusable ones). */
  private refuse(v: Verdict): Answer {
    switch (reasonKind(v.reason)) {
      case 'unauthenticated':
      case 'step_up':
        return this.challenge(v);
      case 'forbidden':
        // An approval denial is about the approval, not a deny rule: the rule's message does not apply.
        return this.deny(v, 403, GRPC.PERMISSION_DENIED, v.approval === undefined ? v.requirement?.denyMessage : undefined);
      case 'bad_request':
        return this.deny(v, 400, GRPC.INVALID_ARGUMENT);
      case 'too_large':
        return this.deny(v, 431, GRPC.INVALID_ARGUMENT);
      case 'unavailable':
        return this.deny(v, 503, GRPC.UNAVAILABLE);
      case 'allow':
      case 'error':
        // An "allowed" reason on a deny verdict is a bug; fail closed like any other error.
        return this.deny({ ...v, reason: 'internal_error' }, 500, GRPC.INTERNAL);
    }
  }

  private allow(v: Verdict): Answer {
    const id = v.identity!;
    let headers = id.upstreamHeaders;
    // Names we set are overwritten anyway (and Envoy applies removals after sets, so removing one
    // would drop our own value); any other client-sent x-stepgate-* is removed.
    const spoofed = v.attributes?.spoofedIdentityHeaders ?? EMPTY;
    let removeHeaders = spoofed.length === 0 ? EMPTY : spoofed.filter((n) => !headers.some(([k]) => k === n));
    // stepgate's cookies (session, device, flow state) are its own, never the application's: they
    // are cut out of every allowed request, whichever credential it was allowed on.
    const cookie = v.attributes?.headers.get('cookie');
    if (cookie !== undefined) {
      const up = upstreamCookie(cookie, this.sessionCookie);
      if (up.changed) {
        if (up.value === undefined) removeHeaders = [...removeHeaders, 'cookie'];
        else headers = [...headers, ['cookie', up.value]];
      }
    }
    return {
      allow: true,
      status: 200,
      grpcCode: GRPC.OK,
      headers,
      removeHeaders,
      body: '',
      metadata: metadata(v),
    };
  }

  private challenge(v: Verdict): Answer {
    const req = v.attributes!;
    const kind = clientKind(req);
    const stepUp = this.stepUpUrl(v);
    if (kind === 'navigation' && stepUp) {
      return {
        allow: false,
        status: 302,
        grpcCode: GRPC.UNAUTHENTICATED,
        headers: [['location', stepUp], NO_STORE, JSON_TYPE],
        removeHeaders: EMPTY,
        body: this.body(v, 302, stepUp),
        metadata: metadata(v),
      };
    }
    return {
      allow: false,
      status: 401,
      grpcCode: GRPC.UNAUTHENTICATED,
      headers: [['www-authenticate', this.wwwAuthenticate(v)], NO_STORE, JSON_TYPE],
      removeHeaders: EMPTY,
      body: this.body(v, 401, stepUp),
      metadata: metadata(v),
    };
  }

  private deny(v: Verdict, status: number, grpcCode: number, message?: string): Answer {
    return {
      allow: false,
      status,
      grpcCode,
      headers: [NO_STORE, JSON_TYPE],
      removeHeaders: EMPTY,
      body: this.body(v, status, undefined, message),
      metadata: metadata(v),
    };
  }

  /** RFC 6750 §3 for token problems; RFC 9470 §3 when the token is fine but not strong or fresh enough. */
  wwwAuthenticate(v: Verdict): string {
    const realm = `Bearer realm="${this.realm}"`;
    if (v.reason === 'token_missing') return realm;
    const kind = reasonKind(v.reason);
    if (kind === 'unauthenticated') {
      return `${realm}, error="invalid_token", error_description="${reasonMessage(v.reason)}"`;
    }
    const r = v.requirement;
    let h = `${realm}, error="insufficient_user_authentication", error_description="${reasonMessage(v.reason)}"`;
    if (r && r.level >= 0) h += `, acr_values="${this.assurance.acrValues(r.level)}"`;
    if (r && r.maxAge !== undefined) h += `, max_age=${r.maxAge}`;
    return h;
  }

  private stepUpMessage(v: Verdict, r: NonNullable<Verdict['requirement']>): { text: string; hint: string } {
    return describeStepUp(v, r, r.level >= 0 ? this.assurance.names[r.level] : undefined, this.descriptions, this.hint);
  }

  private stepUpUrl(v: Verdict): string | undefined {
    if (!this.stepupUrl) return undefined;
    const r = v.requirement;
    const url = new URL(this.stepupUrl);
    if (r && r.level >= 0) url.searchParams.set('level', this.assurance.names[r.level]!);
    if (r && r.maxAge !== undefined) url.searchParams.set('max_age', String(r.maxAge));
    // The step-up page explains why; the code is the stable vocabulary, never request data.
    url.searchParams.set('reason', v.reason);
    // A context-bound step-up: which change and since when, so the page can say it in words (a
    // code from a closed set and a time; the page ignores anything else).
    const cx = v.risk?.context;
    if (cx && reasonKind(v.reason) === 'step_up') {
      url.searchParams.set('context', cx.code);
      url.searchParams.set('since', String(cx.authAfter));
    }
    const req = v.attributes;
    // The return URL is rebuilt from what the gateway routed; it is only offered for hosts the
    // operator listed, so a step-up can never be turned into a redirect to somewhere else.
    if (
      req &&
      this.canReturn &&
      this.returnHosts(req.host) &&
      (req.scheme === 'https' || req.scheme === 'http') &&
      // An absolute-form target (`http://other/x`) would splice a second origin into the URL.
      req.target.startsWith('/') &&
      // A client-sized target would make the Location header and the body as large as the
      // request; past this the step-up still works, it just does not return to the page.
      req.target.length <= MAX_RETURN_TARGET
    ) {
      url.searchParams.set('rd', `${req.scheme}://${req.authority}${req.target}`);
    }
    return url.toString();
  }

  private body(v: Verdict, status: number, stepUp: string | undefined, message?: string): string {
    const r = v.requirement;
    const payload: Record<string, unknown> = { reason: v.reason, message: message ?? reasonMessage(v.reason) };
    if (r && !r.deny && (reasonKind(v.reason) === 'step_up' || v.reason === 'automation_step_up')) {
      payload.required = {
        level: r.level >= 0 ? this.assurance.names[r.level] : undefined,
        max_age: r.maxAge,
      };
      if (v.identity) payload.presented = { level: v.identity.levelName };
    }
    if (v.risk && v.risk.score > 0) {
      // Codes and weights only: the details (addresses, counts) stay in logs and `explain`, so a
      // caller holding a stolen token learns what was noticed, not how to look ordinary.
      payload.risk = { score: v.risk.score, band: v.risk.band, reasons: v.risk.contributions.map((c) => ({ code: c.code, weight: c.weight })) };
      const cx = v.risk.context;
      if (cx && !v.allow) (payload.risk as Record<string, unknown>).context = { code: cx.code, since: new Date(cx.authAfter * 1000).toISOString(), message: `${cx.summary}; ${cx.action ?? 'sign in again'}` };
    }
    // An incident says why access is tighter than usual, in the operator's words (issue 15).
    if (r?.incident !== undefined) payload.incident = r.incident;
    if (stepUp) payload.step_up_url = stepUp;
    // Which guardrails took effect, in words: codes only, never the details (they quote the body).
    const fired = v.guardrails?.contribution.codes;
    if (fired && fired.length > 0) payload.guardrails = fired.map((code) => ({ code, title: guardrailTitle(code) }));
    if (v.approval !== undefined && this.approvalBase) {
      payload.approval = { id: v.approval, url: `${this.approvalBase}${v.approval}` };
      if (r && !r.deny) {
        payload.required = { level: r.level >= 0 ? this.assurance.names[r.level] : undefined, max_age: r.maxAge };
      }
    }
    if (!v.attributes?.kube) return JSON.stringify(payload);
    const stepUpMessage =
      v.approval === undefined && r && !r.deny && reasonKind(v.reason) === 'step_up'
        ? this.stepUpMessage(v, r)
        : v.reason === 'automation_step_up' && r
          ? { text: describeAutomationRefusal(r, payload, this.descriptions), hint: undefined }
          : undefined;
    if (stepUpMessage !== undefined) payload.hint = stepUpMessage.hint;
    // kubectl prints a Status message verbatim ("error: <message>"), so an engineer sees why.
    return JSON.stringify({
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message: stepUpMessage?.text ?? `stepgate: ${payload.message as string} (${v.reason}${levelHint(payload)}${riskHint(v)}${approvalHint(payload)})${r?.incident !== undefined && r.deny ? '' : r?.incident !== undefined ? ` [${r.incident}]` : ''}`,
      reason: STATUS_REASON[status] ?? 'InternalError',
      code: status,
      details: { causes: [{ reason: v.reason, message: payload.message }] },
      stepgate: payload,
    });
  }
}

const MAX_RETURN_TARGET = 2048;

/** A kept answer is shared by every request it is sent for: nothing may change it afterwards. */
function frozen(a: Answer): Answer {
  for (const h of a.headers) Object.freeze(h);
  Object.freeze(a.headers);
  Object.freeze(a.removeHeaders);
  Object.freeze(a.metadata);
  return Object.freeze(a);
}

/**
 * What kubectl prints after "You must be logged in to the server (": what the request is (the
 * rules' descriptions), what it needs, what the token has, and what to do (`step_up_hint`).
 * kubectl's own words say "logged in", so the message starts by saying a stronger or fresher
 * sign-in is what is missing, not a sign-in as such.
 */
function describeStepUp(
  v: Verdict,
  r: NonNullable<Verdict['requirement']>,
  level: string | undefined,
  descriptions: ReadonlyMap<string, string>,
  hintTemplate: string,
): { text: string; hint: string } {
  // A guardrail has no description in the policy: it is named in words (and by code), so the
  // engineer knows which part of the manifest asked for the step-up.
  const described = r.rules
    .map((n) => descriptions.get(n) ?? (n.startsWith(GUARDRAIL_RULE_PREFIX) ? `guardrail ${guardrailInWords(n.slice(GUARDRAIL_RULE_PREFIX.length) as GuardrailCode)}` : undefined))
    .filter((d): d is string => d !== undefined);
  const ruled = r.rules.filter((n) => !n.startsWith('incident:'));
  let what = described.length > 0 ? described.join('; ') : ruled.length === 1 && ruled[0] === 'default' ? 'this request' : `rule ${ruled.join(', ')}`;
  if (r.incident !== undefined) what += ` (${r.incident})`;
  const needs: string[] = [];
  if (level) needs.push(`a sign-in at level ${level}`);
  if (r.maxAge !== undefined) needs.push(`made within the last ${r.maxAge}s`);
  let has: string;
  if (v.reason === 'auth_too_old') has = `your sign-in is older than ${r.maxAge ?? 0}s`;
  else if (v.reason === 'auth_time_missing') has = 'your token does not say when you signed in';
  else has = `your token is level ${v.identity?.levelName ?? 'none'}`;
  const hint = hintTemplate.replaceAll('{level}', level ?? '').replaceAll('{max_age}', r.maxAge === undefined ? '' : String(r.maxAge));
  const text = `stepgate: step-up needed: ${what} needs ${needs.join(', ') || 'a stronger sign-in'}; ${has} (${v.reason}${riskHint(v)}). ${hint}`;
  return { text, hint };
}

/** What a pipeline's log shows for automation_step_up: what the request needed, and the two ways out. */
function describeAutomationRefusal(r: NonNullable<Verdict['requirement']>, payload: Record<string, unknown>, descriptions: ReadonlyMap<string, string>): string {
  const described = r.rules.map((n) => descriptions.get(n)).filter((d): d is string => d !== undefined);
  const what = described.length > 0 ? described.join('; ') : `rule ${r.rules.join(', ')}`;
  return `stepgate: ${what}: needs a human step-up (automation_step_up${levelHint(payload)}), which automation cannot do. Run it as a person, or configure automation.approver so a human can approve this exact request.`;
}

/** Kubernetes StatusReason values for the statuses we answer with. */
const STATUS_REASON: Record<number, string> = {
  302: 'Unauthorized',
  400: 'BadRequest',
  401: 'Unauthorized',
  403: 'Forbidden',
  431: 'RequestEntityTooLarge',
  500: 'InternalError',
  503: 'ServiceUnavailable',
};

function levelHint(payload: Record<string, unknown>): string {
  const req = payload.required as { level?: string; max_age?: number } | undefined;
  if (!req) return '';
  const parts = [];
  if (req.level) parts.push(`requires ${req.level}`);
  if (req.max_age !== undefined) parts.push(`authenticated within ${req.max_age}s`);
  return parts.length ? `; ${parts.join(', ')}` : '';
}

function approvalHint(payload: Record<string, unknown>): string {
  const a = payload.approval as { url: string } | undefined;
  return a ? `; approve at ${a.url}` : '';
}

function riskHint(v: Verdict): string {
  const r = v.risk;
  if (!r) return '';
  // A context-bound step-up says what changed: the engineer knows whether it was them.
  const cx = r.context ? `; ${r.context.summary}; ${r.context.action ?? 'sign in again'}` : '';
  if (r.band === undefined) return cx;
  return `; risk ${r.score}: ${r.contributions.filter((c) => c.weight > 0).map((c) => c.code).join(', ')}${cx}`;
}

function metadata(v: Verdict): Record<string, string> {
  const m: Record<string, string> = {
    decision: v.allow ? 'allow' : 'deny',
    reason: v.reason,
  };
  if (v.requirement) m.rules = v.requirement.rules.join(',');
  // An allow that consumed an approval says so wherever access logs look; the short id finds it in the audit log.
  if (v.approval !== undefined) {
    m.approval = shortId(v.approval);
    if (v.allow) m.rules = m.rules ? `${m.rules},approval:${m.approval}` : `approval:${m.approval}`;
  }
  if (v.identity) {
    m.level = v.identity.levelName;
    m.subject = clip(v.identity.subject);
  }
  if (v.identity || v.tokenCached) m.token_cache = v.tokenCached ? 'hit' : 'miss';
  // Denials only: an allow's bytes are reused across requests, and a score is per request.
  if (!v.allow && v.risk) m.risk_score = String(v.risk.score);
  return m;
}
