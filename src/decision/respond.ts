import { Buffer } from 'node:buffer';
import { LRUCache } from 'lru-cache';
import type { Config } from '../config/schema.js';
import type { AssuranceModel } from '../core/assurance.js';
import { compileGlobList, type StringMatcher } from '../core/glob.js';
import type { RequestAttributes } from '../request/attributes.js';
import { reasonKind, reasonMessage, type ReasonCode } from '../core/reasons.js';
import type { Verdict } from './verdict.js';
import type { Identity } from '../core/identity.js';
import { upstreamCookie } from '../request/cookies.js';
import { approvalBaseUrl } from '../approvals/urls.js';
import { shortId } from '../approvals/request-id.js';
import { clip, clientText } from '../core/redact.js';
import { utcClock } from '../core/clock-text.js';
import type { KubeRequestInfo } from '../request/kube.js';
import { readsRefusalAsText, type KubeReader } from '../request/raw-read.js';
import { isClusterScoped } from '../policy/policy.js';
import { GUARDRAIL_RULE_PREFIX, guardrailInWords, guardrailTitle, type GuardrailCode } from '../config/guardrail-codes.js';
import type { StepUpLinks } from '../cookies/stepup-link.js';

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
  /**
   * Allow only: headers for the client's response (ext_authz OkHttpResponse.response_headers_to_add;
   * in Envoy's HTTP mode, those named in allowed_client_headers_on_success). Absent on most allows.
   */
  clientHeaders?: readonly Header[];
  body: string;
  /** Flat decision summary for access logs (Envoy dynamic metadata). */
  metadata: Readonly<Record<string, string>>;
}

export type ClientKind = 'navigation' | 'fetch' | 'api';

const GRPC = { OK: 0, INVALID_ARGUMENT: 3, PERMISSION_DENIED: 7, INTERNAL: 13, UNAVAILABLE: 14, UNAUTHENTICATED: 16 } as const;
const JSON_TYPE: Header = ['content-type', 'application/json'];
const TEXT_TYPE: Header = ['content-type', 'text/plain; charset=utf-8'];
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
  /** Each assurance level's `description`, by rank ("two factors"). */
  private readonly levelWords: readonly (string | undefined)[];
  private readonly hint: string;
  /** sender_constrained.dpop.algorithms as a DPoP challenge's algs; undefined with DPoP off. */
  private readonly dpopAlgs: string | undefined;
  /** `access_proxy.header` when it is stripped from the upstream's copy. */
  private readonly proxyAssertion: string | undefined;
  /**
   * Denials already answered, by everything they are made of (reuseParts). kubectl and browsers
   * repeat a challenged request until the user steps up, and building the Status body, the
   * step-up URL and the WWW-Authenticate text cost more than the decision. Part of this Responder,
   * so a reload (a new Responder) starts empty. Nothing kept is single-use or signed: a redirect
   * points at the step-up start URL, and the OIDC state, nonce and PKCE verifier (and the sealed
   * state cookie) are made per flow by web/stepup/flow.ts when it continues, never here, so a
   * signing-key rotation has nothing to invalidate (test/integration/stepup-flow.test.ts).
   */
  private readonly denials: LRUCache<string, Answer>;
  /**
   * In front of `denials`: each identity's last kept denial with the parts its key was made of.
   * Keyed by the verified Identity object (one per cached token), so it lives as long as the
   * token cache keeps that token, and two identities never share an entry; the answer depends on
   * the identity only through its subject and level, which are among the parts anyway.
   */
  private readonly lastDenial = new WeakMap<Identity, { readonly parts: readonly (string | number)[]; readonly answer: Answer }>();
  private denialHits = 0;
  private denialMisses = 0;

  constructor(
    config: Config,
    private readonly assurance: AssuranceModel,
    /** RFC 9449 §8 nonces to give DPoP clients (sender_constrained.dpop.nonce: required); undefined when off. */
    private readonly nonces?: { current(): string } | undefined,
    /**
     * MACs the step-up link (cookies/stepup-link.ts), so that the page, the authorization request
     * and the callback read the requirement and its causes as the Check made them; undefined
     * without a cookie key list (no stepup.session, hence no browser flow to read it).
     */
    private readonly links?: StepUpLinks | undefined,
  ) {
    this.realm = config.stepup.realm;
    this.stepupUrl = config.stepup.url;
    this.canReturn = config.stepup.return_hosts.length > 0;
    this.sessionCookie = config.stepup.session?.cookie_name;
    this.approvalBase = config.automation?.approver && config.stepup.url ? approvalBaseUrl(config.stepup.url) : undefined;
    this.returnHosts = compileGlobList(config.stepup.return_hosts.map((h) => h.toLowerCase()), '.');
    this.descriptions = new Map(config.policy.rules.flatMap((r) => (r.description ? [[r.name, r.description] as const] : [])));
    this.levelWords = config.assurance.levels.map((l) => l.description);
    this.hint = config.kubernetes.step_up_hint;
    this.dpopAlgs = config.sender_constrained.dpop.enabled ? config.sender_constrained.dpop.algorithms.join(' ') : undefined;
    this.proxyAssertion = config.access_proxy?.strip_upstream ? config.access_proxy.header : undefined;
    // A quarter of the encoded allows, like the gRPC server's encoded denials: a challenge is
    // per user and request target, and far rarer than allows.
    this.denials = new LRUCache({ max: Math.max(16, Math.ceil(config.token_cache.encoded_allow_max_entries / 4)) });
  }

  /** Lookups of reusable denials so far (tests and the bench). */
  get denialLookups(): { hits: number; misses: number } {
    return { hits: this.denialHits, misses: this.denialMisses };
  }

  respond(v: Verdict): Answer {
    return v.allow ? this.allow(v) : this.refusal(v);
  }

  /** A denial: kept ones found again (respond() stays small enough for V8 to inline on the allow path). */
  private refusal(v: Verdict): Answer {
    const n = this.reuseParts(v);
    if (n < 0) return this.refuse(v);
    const who = v.identity;
    // The same identity asking the same thing again (a client repeating a challenged request):
    // its last denial, found by comparing the parts instead of joining and hashing them.
    const last = who === undefined ? undefined : this.lastDenial.get(who);
    if (last !== undefined && sameParts(last.parts, n)) {
      keyParts.fill(0, 0, n);
      this.denialHits++;
      return last.answer;
    }
    const parts = who === undefined ? undefined : keyParts.slice(0, n);
    const key = joinParts(n);
    let a = this.denials.get(key);
    if (a !== undefined) {
      this.denialHits++;
    } else {
      this.denialMisses++;
      a = frozen(this.refuse(v));
      this.denials.set(key, a);
    }
    if (who !== undefined) this.lastDenial.set(who, { parts: parts!, answer: a });
    return a;
  }

  /**
   * Everything a denial's Answer is computed from, written to keyParts (the count is returned),
   * each variable string prefixed by its length so that two different inputs never give one key;
   * -1 when the denial is not worth keeping or holds something per request. Whatever `refuse`
   * reads from the verdict must be here: the reason (and with it its kind, message and status),
   * the identity's subject and level (metadata, body), whether the token was cached (metadata),
   * the level the sign-in is asked for (it depends on the time: policy.keptLevel), the requirement's level, max_age, rules, deny message and incident, the risk assessment's score, band, contributions and context (body,
   * Status message, step-up URL), the guardrails that fired, whether the request is for the
   * Kubernetes API (Status body), the kind of client (redirect or challenge) and, with a step-up
   * URL, the scheme, host, authority and target it returns to. Nothing in an answer is bound to
   * the time of the request except through these (a context's `since`, a tightened max_age).
   */
  private reuseParts(v: Verdict): number {
    const req = v.attributes;
    // An approval's id is per request; without attributes the answer is an internal error. A
    // nonce refusal carries the nonce of the time window it was made in.
    if (req === undefined || v.approval !== undefined || v.reason === 'dpop_nonce_required') return -1;
    const who = v.identity;
    // A token's first sighting is answered once (`token_cache: miss`); its next request is a hit.
    if (who !== undefined && !v.tokenCached) return -1;
    // Written by index into one reused array (see keyParts).
    let n = 0;
    const p = keyParts;
    p[n++] = v.reason;
    p[n++] = v.tokenCached ? 1 : 0;
    p[n++] = req.kube ? 1 : 0;
    p[n++] = clientKind(req);
    p[n++] = v.signIn ?? -1;
    if (who !== undefined) {
      p[n++] = 'i';
      p[n++] = who.levelName.length;
      p[n++] = who.levelName;
      p[n++] = who.subject.length;
      p[n++] = who.subject;
      // kubectl's Status line says when the sign-in was (describeStepUp).
      p[n++] = who.authTime ?? -1;
    }
    // ... and which request it is about, in words made from the method and target.
    if (req.kube) {
      p[n++] = 'k';
      p[n++] = req.method.length;
      p[n++] = req.method;
      if (!this.stepupUrl) {
        p[n++] = req.target.length;
        p[n++] = req.target;
      }
    }
    const r = v.requirement;
    if (r !== undefined) {
      p[n++] = 'q';
      p[n++] = r.deny ? 1 : 0;
      p[n++] = r.level;
      p[n++] = r.maxAge ?? '';
      p[n++] = r.rules.length;
      // Indexed loops: for-of allocated an iterator per Check here (bench/alloc.ts).
      for (let i = 0; i < r.rules.length; i++) {
        const name = r.rules[i]!;
        p[n++] = name.length;
        p[n++] = name;
      }
      if (r.denyMessage !== undefined) {
        p[n++] = 'm';
        p[n++] = r.denyMessage.length;
        p[n++] = r.denyMessage;
      }
      if (r.incident !== undefined) {
        p[n++] = 'n';
        p[n++] = r.incident.length;
        p[n++] = r.incident;
      }
    }
    const risk = v.risk;
    if (risk !== undefined) {
      p[n++] = 's';
      p[n++] = risk.score;
      p[n++] = risk.band === undefined ? -1 : risk.band.length;
      p[n++] = risk.band ?? '';
      p[n++] = risk.contributions.length;
      for (let i = 0; i < risk.contributions.length; i++) {
        const c = risk.contributions[i]!;
        p[n++] = c.code.length;
        p[n++] = c.code;
        p[n++] = c.weight;
      }
      const cx = risk.context;
      if (cx !== undefined) {
        p[n++] = 'c';
        p[n++] = cx.code;
        p[n++] = cx.authAfter;
        p[n++] = cx.action === undefined ? -1 : cx.action.length;
        p[n++] = cx.action ?? '';
        p[n++] = cx.summary.length;
        p[n++] = cx.summary;
        // Its ask ids and what the run counted (body, step-up URL).
        p[n++] = cx.ask === undefined ? -1 : cx.ask.length;
        p[n++] = cx.ask ?? '';
        p[n++] = cx.run === undefined ? -1 : cx.run.ask.length;
        p[n++] = cx.run?.ask ?? '';
        p[n++] = cx.run === undefined ? -1 : cx.run.counted.length;
        p[n++] = cx.run?.counted ?? '';
      }
    }
    const fired = v.guardrails?.contribution.codes;
    if (fired !== undefined && fired.length > 0) {
      p[n++] = 'g';
      p[n++] = fired.length;
      for (let i = 0; i < fired.length; i++) p[n++] = fired[i]!;
    }
    if (this.stepupUrl) {
      p[n++] = 'u';
      p[n++] = req.scheme.length;
      p[n++] = req.scheme;
      p[n++] = req.host.length;
      p[n++] = req.host;
      p[n++] = req.authority.length;
      p[n++] = req.authority;
      p[n++] = req.target.length;
      p[n++] = req.target;
    }
    return n;
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
    // The access proxy's assertion is a credential of its own (a replayable JWT naming the user):
    // the upstream has no use for it unless the site forwards it (access_proxy.strip_upstream).
    if (this.proxyAssertion !== undefined && v.attributes?.headers.has(this.proxyAssertion)) removeHeaders = [...removeHeaders, this.proxyAssertion];
    const cookie = v.attributes?.headers.get('cookie');
    if (cookie !== undefined) {
      const up = upstreamCookie(cookie, this.sessionCookie);
      if (up.changed) {
        if (up.value === undefined) removeHeaders = [...removeHeaders, 'cookie'];
        else headers = [...headers, ['cookie', up.value]];
      }
    }
    const answer: Answer = {
      allow: true,
      status: 200,
      grpcCode: GRPC.OK,
      headers,
      removeHeaders,
      body: '',
      metadata: metadata(v),
    };
    // RFC 9449 §8.2: each allowed DPoP request brings the client the nonce for its next proofs, so
    // it moves on to the next window's without a refused request first.
    if (this.nonces !== undefined && id.binding?.method === 'dpop') answer.clientHeaders = [['dpop-nonce', this.nonces.current()]];
    return answer;
  }

  private challenge(v: Verdict): Answer {
    const req = v.attributes!;
    const kind = clientKind(req);
    const stepUp = this.stepUpUrl(v);
    if (v.reason === 'dpop_nonce_required') return this.nonceChallenge(v, stepUp);
    if (kind === 'navigation' && stepUp) {
      return {
        allow: false,
        status: 302,
        grpcCode: GRPC.UNAUTHENTICATED,
        headers: [['location', stepUp], NO_STORE, JSON_TYPE],
        removeHeaders: EMPTY,
        body: this.body(v, 302, stepUp).json,
        metadata: metadata(v),
      };
    }
    return this.forReader(v, 401, GRPC.UNAUTHENTICATED, [['www-authenticate', this.wwwAuthenticate(v)], NO_STORE, JSON_TYPE], this.body(v, 401, stepUp));
  }

  /**
   * RFC 9449 §9: a proof without a fresh nonce is answered with `error="use_dpop_nonce"` and the
   * nonce to use in `DPoP-Nonce`, always as a 401 (a DPoP client retries; no browser navigation
   * sends a proof, so a redirect would help nobody).
   */
  private nonceChallenge(v: Verdict, stepUp: string | undefined): Answer {
    const headers: Header[] = [['www-authenticate', this.wwwAuthenticate(v)], NO_STORE, JSON_TYPE];
    if (this.nonces !== undefined) headers.push(['dpop-nonce', this.nonces.current()]);
    return this.forReader(v, 401, GRPC.UNAUTHENTICATED, headers, this.body(v, 401, stepUp));
  }

  private deny(v: Verdict, status: number, grpcCode: number, message?: string): Answer {
    return this.forReader(v, status, grpcCode, [NO_STORE, JSON_TYPE], this.body(v, status, undefined, message));
  }

  /**
   * A refusal as its client reads it. Envoy and nginx send these headers and body as they are.
   * A Kubernetes client reading the answer raw (request/raw-read.ts: discovery, /version,
   * /openapi, `kubectl get --raw`) never decodes the Status, so there the message goes where
   * client-go prints it (apimachinery's NewGenericServerResponse): for a 403 or a 5xx, the body
   * as text (kubectl prints `Error from server (Forbidden): <message>`); for a 401, 400 or 431,
   * whose text client-go replaces by a fixed sentence, a `Warning: 299` header, which client-go
   * hands to kubectl's warning printer (`Warning: <message>`) on any answer it has a decoder for,
   * so the body stays JSON there. The 401's WWW-Authenticate (RFC 6750 / RFC 9470) is unchanged.
   */
  private forReader(v: Verdict, status: number, grpcCode: number, headers: Header[], b: Body): Answer {
    const answer: Answer = { allow: false, status, grpcCode, headers, removeHeaders: EMPTY, body: b.json, metadata: metadata(v) };
    if (b.text === undefined || kubeReader(v) !== 'text') return answer;
    if (status === 403 || status >= 500) {
      answer.headers = headers.map((h) => (h === JSON_TYPE ? TEXT_TYPE : h));
      answer.body = `${b.text}\n`;
    } else {
      answer.headers = [...headers, ['warning', warningHeader(b.text)]];
    }
    return answer;
  }

  /** RFC 6750 §3 for token problems; RFC 9470 §3 when the token is fine but not strong or fresh enough. */
  wwwAuthenticate(v: Verdict): string {
    const dpop = this.dpopAlgs !== undefined && usesDpop(v);
    const realm = `${dpop ? 'DPoP' : 'Bearer'} realm="${this.realm}"`;
    // RFC 9449 §7.1: a DPoP challenge names the proof algorithms the resource accepts.
    const algs = dpop ? `, algs="${this.dpopAlgs}"` : '';
    if (v.reason === 'token_missing') return realm + algs;
    const kind = reasonKind(v.reason);
    if (kind === 'unauthenticated') {
      const error = v.reason === 'dpop_proof_invalid' || v.reason === 'dpop_proof_replayed' ? 'invalid_dpop_proof' : v.reason === 'dpop_nonce_required' ? 'use_dpop_nonce' : 'invalid_token';
      return `${realm}, error="${error}", error_description="${reasonMessage(v.reason)}"${algs}`;
    }
    const r = v.requirement;
    const asked = askedLevel(v);
    // RFC 9470 §3 defines its error for any scheme that has an error parameter, DPoP's included:
    // a DPoP caller is challenged under DPoP, so its client answers with a DPoP-bound token.
    return insufficientAuthentication(this.realm, v.reason, asked >= 0 ? this.assurance.acrValues(asked) : undefined, r?.maxAge, dpop ? 'DPoP' : 'Bearer') + algs;
  }

  private stepUpMessage(v: Verdict, r: NonNullable<Verdict['requirement']>): { text: string; hint: string } {
    const asked = askedLevel(v);
    // Named only when the sign-in is asked for more than the request needs.
    const needed = v.signIn === undefined || r.level < 0 ? undefined : { level: this.assurance.names[r.level]!, words: this.levelWords[r.level] };
    return describeStepUp(v, r, asked >= 0 ? this.assurance.names[asked] : undefined, asked >= 0 ? this.levelWords[asked] : undefined, needed, this.descriptions, this.hint);
  }

  private stepUpUrl(v: Verdict): string | undefined {
    if (!this.stepupUrl) return undefined;
    const r = v.requirement;
    const url = new URL(this.stepupUrl);
    if (r && r.level >= 0) url.searchParams.set('level', this.assurance.names[r.level]!);
    // The level to ask the identity provider for when it is above the one the request needs (the
    // token's own, kept): the step-up page asks for it and still accepts a sign-in at `level`.
    if (v.signIn !== undefined) url.searchParams.set('sign_in_level', this.assurance.names[v.signIn]!);
    if (r && r.maxAge !== undefined) url.searchParams.set('max_age', String(r.maxAge));
    // The step-up page explains why; the code is the stable vocabulary, never request data.
    url.searchParams.set('reason', v.reason);
    // A context-bound step-up: which change and since when, so the page can say it in words (a
    // code from a closed set and a time; the page ignores anything else).
    const cx = v.risk?.context;
    if (cx && reasonKind(v.reason) === 'step_up') {
      url.searchParams.set('context', cx.code);
      url.searchParams.set('since', String(cx.authAfter));
      // The browser step-up signs in naming this ask (web/stepup/flow.ts): its session answers it.
      if (cx.ask !== undefined) url.searchParams.set('ask', cx.ask);
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
    // What the requirement is made of, named as in `rules` (policy rules, `guardrail:<code>`,
    // `risk:<band>`, `risk:context`, `incident:<id>`): the page says why in the Check's terms
    // instead of matching the policy again for a GET of rd, which sees no body (guardrails), no
    // risk and no incident, and so explained a window the request no longer had.
    if (r && r.rules.length > 0) url.searchParams.set('rules', r.rules.join(','));
    this.links?.sign(url);
    return url.toString();
  }

  /** The refusal's JSON body and, for a Kubernetes client, the Status message in it (forReader). */
  private body(v: Verdict, status: number, stepUp: string | undefined, message?: string): Body {
    const r = v.requirement;
    const payload: Record<string, unknown> = { reason: v.reason, message: message ?? reasonMessage(v.reason) };
    if (r && !r.deny && (reasonKind(v.reason) === 'step_up' || v.reason === 'automation_step_up')) {
      payload.required = {
        level: r.level >= 0 ? this.assurance.names[r.level] : undefined,
        max_age: r.maxAge,
      };
      if (v.identity) payload.presented = { level: v.identity.levelName };
      // What to sign in at, when it is more than `required`: the presented sign-in's own level,
      // which the request does not need but a new sign-in at the required level would lose.
      if (v.signIn !== undefined) payload.sign_in = { level: this.assurance.names[v.signIn], acr_values: this.assurance.acrValues(v.signIn) };
    }
    if (v.risk && v.risk.score > 0) {
      // Codes and weights only: the details (addresses, counts) stay in logs and `explain`, so a
      // caller holding a stolen token learns what was noticed, not how to look ordinary.
      payload.risk = { score: v.risk.score, band: v.risk.band, reasons: v.risk.contributions.map((c) => ({ code: c.code, weight: c.weight })) };
      const cx = v.risk.context;
      if (cx && !v.allow) {
        // The ask ids (risk/ask.ts), on a step-up only (a refusal asks for no sign-in): the
        // credential plugin signs in naming the one its command got, and says what a run's ask
        // was counted for, so the engineer knows whether it was them.
        const asks = reasonKind(v.reason) === 'step_up' && cx.action !== 'refused';
        (payload.risk as Record<string, unknown>).context = {
          code: cx.code,
          since: new Date(cx.authAfter * 1000).toISOString(),
          message: `${cx.summary}; ${contextAction(v, cx)}`,
          ...(asks && cx.ask !== undefined ? { ask: cx.ask } : {}),
          ...(asks && cx.run !== undefined ? { run: { ask: cx.run.ask, counted: cx.run.counted } } : {}),
        };
      }
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
    // A Kubernetes client gets a Status, also on a host that is not listed (kubeReader is set
    // only when the request is unmistakably one: request/unlisted-api.ts).
    if (!v.attributes?.kube && v.kubeReader === undefined) return { json: JSON.stringify(payload), text: undefined };
    const stepUpMessage =
      v.approval === undefined && r && !r.deny && reasonKind(v.reason) === 'step_up'
        ? this.stepUpMessage(v, r)
        : v.reason === 'automation_step_up' && r
          ? { text: describeAutomationRefusal(r, payload, this.descriptions), hint: undefined }
          : undefined;
    if (stepUpMessage !== undefined) payload.hint = stepUpMessage.hint;
    // kubectl prints a Status message verbatim ("error: <message>"), so an engineer sees why.
    const text = stepUpMessage?.text ?? `stepgate: ${payload.message as string} (${v.reason}${levelHint(payload)}${riskHint(v)}${approvalHint(payload)})${r?.incident !== undefined && r.deny ? '' : r?.incident !== undefined ? ` [${r.incident}]` : ''}`;
    const json = JSON.stringify({
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message: text,
      reason: STATUS_REASON[status] ?? 'InternalError',
      code: status,
      details: { causes: [{ reason: v.reason, message: payload.message }] },
      stepgate: payload,
    });
    return { json, text };
  }
}

/** A refusal's JSON body, and the Status message in it when it is a Kubernetes Status. */
interface Body {
  json: string;
  text: string | undefined;
}

/** How the Kubernetes client this refusal goes to reads it; undefined for any other client. */
function kubeReader(v: Verdict): KubeReader | undefined {
  const req = v.attributes;
  if (req?.kube === undefined) return v.kubeReader;
  return readsRefusalAsText(req.method, req.path) ? 'text' : 'status';
}

/**
 * RFC 7234 §5.5 as client-go parses it (apimachinery util/net ParseWarningHeader): code 299 (the
 * only one kubectl prints), an agent, the text quoted with backslash escapes, no control
 * characters. Text outside ASCII (a rule description's "…") cannot travel in a header as such:
 * it goes as one RFC 2047 encoded word, which client-go decodes.
 */
export function warningHeader(text: string): string {
  // eslint-disable-next-line no-control-regex
  const line = text.replace(/[\u0000-\u001f\u007f]+/g, ' ');
  if (!/^[\u0020-\u007e]*$/.test(line)) return `299 stepgate "=?UTF-8?B?${Buffer.from(line, 'utf8').toString('base64')}?="`;
  return `299 stepgate "${line.replace(/["\\]/g, '\\$&')}"`;
}

const MAX_RETURN_TARGET = 2048;

/**
 * Written by reuseParts (synchronously, so one array serves every Check) by index, cut to length
 * when joined. Joined once, V8 writes the key as one flat string; appended piece by piece it
 * was a tree of partial strings, flattened again to hash it (about 1.1 KB of garbage per kept
 * denial: bench/alloc.ts). Every variable string is prefixed by its length, so no two different
 * inputs give one key whatever the strings hold (the separator included).
 */
const keyParts: (string | number)[] = [];

/** The key of keyParts' first `n` parts; they are dropped so that the array keeps no request's strings alive. */
function joinParts(n: number): string {
  keyParts.length = n;
  const key = keyParts.join('|');
  keyParts.fill(0);
  return key;
}

/** Whether keyParts' first `n` parts are `parts`, value for value (what their joined keys being equal means). */
function sameParts(parts: readonly (string | number)[], n: number): boolean {
  if (parts.length !== n) return false;
  for (let i = 0; i < n; i++) if (parts[i] !== keyParts[i]) return false;
  return true;
}

/** A kept answer is shared by every request it is sent for: nothing may change it afterwards. */
function frozen(a: Answer): Answer {
  for (const h of a.headers) Object.freeze(h);
  Object.freeze(a.headers);
  Object.freeze(a.removeHeaders);
  Object.freeze(a.metadata);
  return Object.freeze(a);
}

/**
 * What kubectl prints after "You must be logged in to the server (": which request, what sign-in
 * it needs and what the token has, then why (the context that changed, each rule in the
 * operator's words, the risk) and what to do (`step_up_hint`). Rule descriptions are free text,
 * often whole sentences ("Secrets need two factors; within 8 h …"), so each stands in a sentence
 * of its own after its rule's name rather than being made the subject of "needs". kubectl's own
 * words say "logged in", so the message starts by saying a stronger or fresher sign-in is what is
 * missing, not a sign-in as such. Example:
 *
 *   stepgate: step-up needed for delete deployments.apps cart-api in namespace prod-eu: sign in again
 *   at level aal2 (two factors), within the last 15 min; your sign-in is from
 *   2026-12-04T08:12:03Z (auth_too_old). Rule prod-durable-deletes: a delete of a production
 *   workload… Risk 45: path_sensitive, new_device. <hint>
 */
function describeStepUp(
  v: Verdict,
  r: NonNullable<Verdict['requirement']>,
  level: string | undefined,
  levelWords: string | undefined,
  required: { level: string; words: string | undefined } | undefined,
  descriptions: ReadonlyMap<string, string>,
  hintTemplate: string,
): { text: string; hint: string } {
  const who = v.identity;
  const cx = v.risk?.context;
  let need = level === undefined ? 'sign in again' : `sign in ${v.reason === 'acr_insufficient' ? 'at' : 'again at'} level ${level}${levelWords === undefined ? '' : ` (${withoutStop(levelWords)})`}`;
  // The level asked is the sign-in's own, above what this request needs: said, so that the
  // engineer knows a sign-in at the lower level would do for this command and why it is not asked.
  if (required !== undefined) need += ` to keep your sign-in's level (this request alone needs ${required.level}${required.words === undefined ? '' : `, ${withoutStop(required.words)}`})`;
  // A context shown is the reason (pipeline/evaluate.ts hides one the sign-in met): the sign-in
  // must come after its bound, which is what the tightened max_age says, in a clock time.
  if (cx !== undefined && r.authAfter !== undefined) need += `, made after ${utcClock(r.authAfter * 1000)}`;
  else if (r.maxAge === 0) need += ', a new sign-in';
  else if (r.maxAge !== undefined) need += `, within the last ${duration(r.maxAge)}`;
  let has: string;
  if (v.reason === 'auth_time_missing') has = 'your token does not say when you signed in';
  else if (v.reason === 'auth_too_old' && who?.authTime !== undefined) has = `your sign-in is from ${new Date(who.authTime * 1000).toISOString().slice(0, 19)}Z`;
  else if (v.reason === 'auth_too_old') has = 'your sign-in is too old';
  else has = `your sign-in is level ${who?.levelName ?? 'none'}`;
  const why: string[] = [];
  if (cx !== undefined) why.push(`${upperFirst(cx.summary)}; ${contextAction(v, cx)}`);
  for (const n of r.rules) {
    if (n.startsWith('risk:') || n.startsWith('incident:')) continue;
    if (n.startsWith(GUARDRAIL_RULE_PREFIX)) {
      const code = n.slice(GUARDRAIL_RULE_PREFIX.length) as GuardrailCode;
      why.push(`Guardrail: ${guardrailInWords(code)}`);
      continue;
    }
    const d = descriptions.get(n);
    // The policy's catch-all says nothing the requirement did not.
    if (d === undefined && n === 'default') continue;
    why.push(d === undefined ? `Rule ${n}` : `Rule ${n}: ${withoutStop(d)}`);
  }
  if (r.incident !== undefined) why.push(upperFirst(r.incident));
  const risk = v.risk;
  if (risk !== undefined && risk.band !== undefined) {
    why.push(`Risk ${risk.score} (${risk.band}): ${risk.contributions.filter((c) => c.weight > 0).map((c) => c.code).join(', ')}`);
  }
  const hint = hintTemplate.replaceAll('{level}', level ?? '').replaceAll('{max_age}', r.maxAge === undefined ? '' : String(r.maxAge));
  const what = v.attributes?.kube ? ` for ${kubeInWords(v.attributes.kube)}` : '';
  const text = `stepgate: step-up needed${what}: ${need}; ${has} (${v.reason}). ${why.map((w) => `${w}. `).join('')}${hint}`;
  return { text, hint };
}

/**
 * The request as kubectl users name it: "delete deployments.apps cart-api in namespace prod-eu",
 * "create pods/exec web-0 in namespace prod-eu", "list secrets in all namespaces", "get /logs/".
 * Names come from the client's own request (it sees its own words back), bounded and without
 * control characters all the same.
 */
function kubeInWords(k: KubeRequestInfo): string {
  if (!k.isResourceRequest) return `${k.verb} ${clientText(k.path, 120) ?? '/'}`;
  // kubectl's own spelling of a resource outside the core group: `deployments.apps`.
  const kind = k.apiGroup === '' ? k.resource : `${k.resource}.${k.apiGroup}`;
  const resource = k.subresource === '' ? kind : `${kind}/${k.subresource}`;
  const name = k.name === '' ? '' : ` ${clientText(k.name, 120)}`;
  // kube gives a Namespace object its own name as namespace: "patch namespaces kube-public" says it.
  const namespaceObject = k.apiGroup === '' && k.resource === 'namespaces';
  const where = namespaceObject
    ? ''
    : k.namespace !== ''
      ? ` in namespace ${clientText(k.namespace, 120)}`
      : (k.verb === 'list' || k.verb === 'watch' || k.verb === 'deletecollection') && namespacedKind(k)
        ? ' in all namespaces'
        : '';
  return `${k.verb} ${clientText(resource, 120) ?? ''}${name}${where}`;
}

/**
 * A kind known to live in namespaces: a built-in one (the core group, a group without a dot, or a
 * `*.k8s.io` one) that is not cluster-scoped. A custom resource may be either, so its list is not
 * said to span namespaces.
 */
function namespacedKind(k: KubeRequestInfo): boolean {
  if (isClusterScoped(k.apiGroup, k.resource)) return false;
  return !k.apiGroup.includes('.') || k.apiGroup.endsWith('.k8s.io');
}

/** 900 → "15 min", 28800 → "8 h", 5650 → "1 h 34 min", 45 → "45 s". */
function duration(seconds: number): string {
  if (seconds < 120) return `${seconds} s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes} min`;
  const h = Math.floor(minutes / 60);
  const m = minutes % 60;
  return m === 0 ? `${h} h` : `${h} h ${m} min`;
}

/**
 * What the caller can do about the context: sign in again, unless this answer refuses the request
 * whatever the sign-in (a critical band, a burst of deletes, a deny rule): then 'refused'.
 */
function contextAction(v: Verdict, cx: { action?: string }): string {
  if (cx.action !== undefined) return cx.action;
  const kind = reasonKind(v.reason);
  return kind === 'step_up' || kind === 'unauthenticated' ? 'sign in again' : 'refused';
}

/** Descriptions are written as sentences or as phrases; either is put inside a sentence of ours. */
function withoutStop(s: string): string {
  return s.endsWith('.') ? s.slice(0, -1) : s;
}

function upperFirst(s: string): string {
  return s === '' ? s : s[0]!.toUpperCase() + s.slice(1);
}

/** What a pipeline's log shows for automation_step_up: what the request needed, and the two ways out. */
function describeAutomationRefusal(r: NonNullable<Verdict['requirement']>, payload: Record<string, unknown>, descriptions: ReadonlyMap<string, string>): string {
  const described = r.rules.map((n) => descriptions.get(n)).filter((d): d is string => d !== undefined);
  const what = described.length > 0 ? described.join('; ') : `rule ${r.rules.join(', ')}`;
  return `stepgate: ${what}: needs a human step-up (automation_step_up${levelHint(payload)}), which automation cannot do. Run it as a person, or configure automation.approver so a human can approve this exact request.`;
}

/** The level rank a step-up asks the sign-in for: the kept one, else the requirement's (-1: none). */
function askedLevel(v: Verdict): number {
  return v.signIn ?? v.requirement?.level ?? -1;
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
  const cx = r.context ? `; ${r.context.summary}; ${contextAction(v, r.context)}` : '';
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

const DPOP_SCHEME = /^dpop /i;

/** The caller sent its token under the DPoP scheme, or was refused for want of a DPoP proof. */
function usesDpop(v: Verdict): boolean {
  if (v.reason.startsWith('dpop_')) return true;
  const authorization = v.attributes?.headers.get('authorization');
  return authorization !== undefined && DPOP_SCHEME.test(authorization);
}

/** RFC 9470 §3's challenge: the token is valid but its sign-in is not strong or recent enough. */
export function insufficientAuthentication(realm: string, reason: ReasonCode, acrValues: string | undefined, maxAge: number | undefined, scheme: 'Bearer' | 'DPoP' = 'Bearer'): string {
  let h = `${scheme} realm="${realm}", error="insufficient_user_authentication", error_description="${reasonMessage(reason)}"`;
  if (acrValues !== undefined) h += `, acr_values="${acrValues}"`;
  if (maxAge !== undefined) h += `, max_age=${maxAge}`;
  return h;
}
