import { Buffer } from 'node:buffer';
import { hash } from 'node:crypto';
import { guardrailTitle } from './config/guardrail-codes.js';
import type { JWTPayload } from 'jose';
import { compileAutomation } from './core/automation.js';
import type { Config } from './config/schema.js';
import { reasonMessage } from './core/reasons.js';
import { clientKind } from './decision/respond.js';
import type { AssuranceModel } from './core/assurance.js';
import { buildIdentity, subjectProblem } from './core/identity.js';
import { acceptedBinding, boundAuthTime, clientProblem, compileRequiredClaims, notABearerToken, TokenVerifier, type VerifierOptions, type VerifyResult } from './identity/verifier.js';
import { check, type Checked } from './pipeline/check.js';
import { buildRuntime, type Runtime, type RuntimeDeps } from './pipeline/runtime.js';
import { parseCheckRequest, toCheckResponse, type CheckRequestMessage } from './server/grpc/check.js';
import { renderResponse } from './live-check.js';

export interface ExplainInput {
  method: string;
  /** scheme://authority/path?query, taken apart as bytes: the path is what the client would send, untouched. */
  url: string;
  headers: [string, string][];
  /** A real token: verified against the issuer's keys, exactly as the service would. */
  token?: string | undefined;
  /**
   * Or claims given by hand: not verified (no signature, audience or time checks, so no issuer
   * key or secret is needed), used to try a policy before any token exists. They become the
   * identity exactly where a verified token's claims would.
   */
  claims?: Record<string, unknown> | undefined;
  source?: string;
  context?: Record<string, string>;
  /** The request body (for guardrails), as Envoy would pass it; --content-type sets its header. */
  body?: Uint8Array | string | undefined;
  contentType?: string | undefined;
}

/** An input explain cannot turn into a request a gateway would send (the CLI exits 64). */
export class ExplainInputError extends Error {
  readonly code = 'explain_input';
  override name = 'ExplainInputError';
}

/**
 * The operator's view of one decision. The input becomes the CheckRequest Envoy would send for
 * it, and from there everything is the server's own code: the gRPC adapter's parser, then
 * `check()` (the function the gRPC and HTTP adapters call). Every intermediate result is printed;
 * the JSON shape is documented in the README.
 */
export async function explain(config: Config, input: ExplainInput, deps?: Partial<RuntimeDeps>) {
  let claimsToken: string | undefined;
  if (input.claims !== undefined) {
    if (input.token !== undefined) throw new ExplainInputError('give --token or --claims, not both');
    // The claims travel as an unsigned JWT: the same place and about the same size as a real token.
    claimsToken = unsignedJwt(input.claims);
  }
  const msg = checkRequestFor(input, claimsToken ?? input.token);

  const fetchFn: RuntimeDeps['fetch'] = deps?.fetch ?? ((url, init) => fetch(url, init));
  const claims = input.claims;
  const rt = buildRuntime(config, {
    ...deps,
    fetch: fetchFn,
    now: deps?.now ?? Date.now,
    env: deps?.env ?? process.env,
    ...(claimsToken !== undefined && claims !== undefined
      ? { verifier: (c: Config, a: AssuranceModel, o: VerifierOptions) => new HandWrittenClaims(c, a, o, claimsToken, claims as JWTPayload) }
      : {}),
  });

  const checked = await check(rt, parseCheckRequest(msg, rt.headerLimits, rt.maxBodyBytes));
  return render(rt, checked, claimsToken !== undefined);
}

/**
 * The CheckRequest Envoy would send for the input: pseudo-headers from the URL and method,
 * header names lower-cased, repeated headers joined with commas, the body as `body` (text) or
 * `raw_body` (bytes). `stepgate check` sends exactly this to a running server. `bearer` is the
 * Authorization header's token (a real one, or explain's unsigned claims).
 */
export function checkRequestFor(input: ExplainInput, bearer: string | undefined): CheckRequestMessage {
  const target = splitUrl(input.url);
  // An odd method is passed on as given: refusing it is the server's answer (request_invalid), not ours.
  const method = input.method;
  const headers = new Map<string, string>([
    // Envoy passes the pseudo-headers in the header map too; they count toward the header limits.
    [':method', method],
    [':path', target.path],
    [':authority', target.authority],
    [':scheme', target.scheme],
  ]);
  const add = (name: string, value: string) => {
    const prev = headers.get(name);
    headers.set(name, prev === undefined ? value : `${prev},${value}`);
  };
  for (const [rawName, value] of input.headers) {
    const name = rawName.toLowerCase();
    if (!/^[!#$%&'*+.^_`|~0-9a-z-]+$/.test(name)) throw new ExplainInputError(`--header name ${JSON.stringify(rawName)} is not an HTTP header name (pseudo-headers come from --url and --method)`);
    if (name === 'authorization' && bearer !== undefined) {
      throw new ExplainInputError('--token and --claims are the request\'s Authorization header; do not give one with --header as well');
    }
    add(name, value);
  }
  if (input.contentType !== undefined) {
    if (headers.has('content-type')) throw new ExplainInputError('give the content type once: --content-type or --header \'content-type: …\'');
    headers.set('content-type', input.contentType);
  }
  if (bearer !== undefined) headers.set('authorization', `Bearer ${bearer}`);

  const http: NonNullable<NonNullable<NonNullable<CheckRequestMessage['attributes']>['request']>['http']> = {
    method,
    path: target.path,
    host: target.authority,
    scheme: target.scheme,
    headers: Object.fromEntries(headers),
  };
  if (input.body !== undefined) {
    if (typeof input.body === 'string') http.body = input.body;
    else http.raw_body = input.body;
  }
  return {
    attributes: {
      source: { address: { socket_address: { address: input.source ?? '', port_value: 0 } } },
      request: { http },
      context_extensions: input.context ?? {},
    },
  };
}

/**
 * `scheme://authority/target`, split on the first `/`, `?` or `#` after the authority and nothing
 * else: no percent-decoding, no backslash or dot-segment rewriting, so the target is exactly the
 * bytes a client would put on the request line (a browser-style URL parser would turn `dev\secrets`
 * into `dev/secrets` first). A fragment is never sent, so it is refused rather than dropped quietly.
 */
export function splitUrl(url: string): { scheme: string; authority: string; path: string } {
  const m = /^([A-Za-z][A-Za-z0-9+.-]*):\/\/([^/?#]*)(.*)$/s.exec(url);
  if (!m) throw new ExplainInputError(`--url must be absolute, scheme://host/path, got ${clip(url)}`);
  const [, scheme, authority, rest] = m as unknown as [string, string, string, string];
  if (authority === '') throw new ExplainInputError(`--url has no host: ${clip(url)}`);
  if (rest.includes('#')) throw new ExplainInputError(`--url has a fragment (#…), which no client sends: ${clip(url)}`);
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u0020\u007f]/.test(rest)) throw new ExplainInputError('--url contains a space or control character, which cannot be on a request line');
  // What curl or kubectl put on the request line for `https://host` or `https://host?q`.
  const path = rest === '' ? '/' : rest.startsWith('/') ? rest : `/${rest}`;
  return { scheme: scheme.toLowerCase(), authority, path };
}

/**
 * Hand-written claims in the token verifier's place. Nothing is verified, so no issuer is set up
 * (no JWKS, no HMAC secret); the claims become an Identity the way `TokenVerifier` builds one from
 * a verified payload: a configured `iss`, a non-empty subject claim.
 */
class HandWrittenClaims extends TokenVerifier {
  private readonly outcome: VerifyResult;

  constructor(config: Config, assurance: AssuranceModel, opts: VerifierOptions, private readonly token: string, claims: JWTPayload) {
    super({ ...config, issuers: [] }, assurance, opts);
    // As the verifier reads a verified payload's auth_time (never after now, nor long after iat).
    this.outcome = claimsOutcome(config, assurance, token, boundAuthTime(claims, opts.now()));
  }

  override verify(token: string): VerifyResult | Promise<VerifyResult> {
    return token === this.token ? this.outcome : super.verify(token);
  }
}

function claimsOutcome(config: Config, assurance: AssuranceModel, token: string, claims: JWTPayload): VerifyResult {
  if (typeof claims.iss !== 'string') return { ok: false, reason: 'token_malformed', detail: 'no iss claim', cached: false };
  const iss = config.issuers.find((i) => i.issuer === claims.iss);
  if (!iss) return { ok: false, reason: 'issuer_unknown', detail: `issuer ${clip(claims.iss)} is not trusted`, cached: false };
  // Claims the verifier refuses whatever the header says (a Keycloak refresh token, a cnf-bound token).
  const notBearer = notABearerToken(undefined, claims);
  if (notBearer !== undefined) return { ok: false, reason: 'token_invalid', detail: notBearer, cached: false };
  const binding = claims.cnf === undefined ? undefined : acceptedBinding(claims.cnf, config.sender_constrained);
  if (typeof binding === 'string') return { ok: false, reason: 'token_invalid', detail: binding, cached: false };
  const notAllowed = clientProblem(iss, compileRequiredClaims(iss), claims);
  if (notAllowed !== undefined) return { ok: false, reason: 'client_not_allowed', detail: notAllowed, cached: false };
  const subject = claims[iss.subject_claim];
  // The verifier's own test (identity/verifier.ts), so explain refuses the tokens the server does.
  const problem = subjectProblem(claims, iss.subject_claim, subject);
  if (problem !== undefined || typeof subject !== 'string') return { ok: false, reason: 'subject_missing', detail: problem ?? 'no subject', cached: false };
  const identity = buildIdentity(iss, subject, claims, assurance, config.identity_headers, hash('sha256', token, 'base64url'), 'token', compileAutomation(config.automation), binding);
  return { ok: true, identity, cached: false };
}

function unsignedJwt(claims: Record<string, unknown>): string {
  const part = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url');
  return `${part({ alg: 'none', typ: 'JWT' })}.${part(claims)}.`;
}

function clip(s: string): string {
  return JSON.stringify(s.length > 200 ? `${s.slice(0, 200)}…` : s);
}

function render(rt: Runtime, { verdict: v, answer }: Checked, handWritten: boolean) {
  const guard = v.guardrails;
  const req = v.attributes;
  const need = v.requirement;
  const who = v.identity;
  const source = who === undefined ? undefined : who.source === 'session' ? 'session' : handWritten ? 'claims' : 'token';
  return {
    request: req
      ? {
          method: req.method,
          host: req.host,
          target: req.target,
          path: req.path,
          query: req.query,
          client_kind: clientKind(req),
          kubernetes: req.kube ?? null,
          // kubernetes.clusters' name for it: the risk engine's working set is kept per cluster.
          cluster: req.cluster === undefined || req.cluster === '' ? null : req.cluster,
        }
      : null,
    identity: who
      ? {
          source,
          verified: source !== 'claims',
          subject: who.subject,
          // With issuers[].subject_prefix: the name rules and the subject header use.
          ...(who.username !== undefined ? { username: who.username } : {}),
          issuer: who.issuer,
          groups: who.groups,
          acr: who.acr ?? null,
          amr: who.amr,
          auth_time: who.authTime ?? null,
          auth_age_seconds: who.authTime !== undefined ? Math.floor(rt.now() / 1000) - who.authTime : null,
          level: who.levelName,
          // A sender-constrained token's binding: a verdict with an identity passed its proof (a
          // refused proof leaves no identity, and decision.reason names what failed).
          ...(who.binding !== undefined ? { binding: { method: who.binding.method, thumbprint: who.binding.thumbprint, proof: 'verified' } } : {}),
        }
      : null,
    policy: need
      ? {
          matched_rules: need.rules,
          deny: need.deny,
          required_level: need.level >= 0 ? rt.assurance.names[need.level] : null,
          max_age: need.maxAge ?? null,
          // Only when an incident tightened it (a live service's incidents; explain starts with none).
          ...(need.incident !== undefined ? { incident: need.incident } : {}),
        }
      : null,
    risk: v.risk
      ? {
          score: v.risk.score,
          band: v.risk.band ?? null,
          client_ip: v.risk.clientIp || null,
          degraded: v.risk.degraded,
          reasons: v.risk.contributions,
          context: v.risk.context ? { code: v.risk.context.code, reason: v.risk.context.reason, auth_after: new Date(v.risk.context.authAfter * 1000).toISOString() } : null,
        }
      : null,
    guardrails: guard
      ? {
          violations: guard.result.violations.map((x) => ({ ...x, title: guardrailTitle(x.code) })),
          unreadable: guard.result.unreadable ?? null,
          unreadable_detail: guard.result.unreadableDetail ?? null,
          effect: {
            applied: guard.contribution.codes,
            deny: guard.contribution.deny,
            required_level: guard.contribution.level >= 0 ? rt.assurance.names[guard.contribution.level] : null,
            max_age: guard.contribution.maxAge ?? null,
            risk: guard.contribution.risk,
          },
        }
      : null,
    decision: {
      allow: v.allow,
      reason: v.reason,
      message: reasonMessage(v.reason),
      detail: v.detail || null,
      // A step-up that keeps the token's higher level: what the sign-in is asked for.
      ...(v.signIn !== undefined ? { sign_in_level: rt.assurance.names[v.signIn] } : {}),
    },
    // Shadow mode: what the shadowed elements that took part would have decided; never answered.
    shadow: v.shadow
      ? {
          elements: v.shadow.elements,
          matched_rules: v.shadow.requirement.rules,
          deny: v.shadow.requirement.deny,
          required_level: v.shadow.requirement.level >= 0 ? rt.assurance.names[v.shadow.requirement.level] : null,
          max_age: v.shadow.requirement.maxAge ?? null,
          risk_band: v.shadow.risk?.band ?? null,
          risk_score: v.shadow.risk?.score ?? null,
          decision: { allow: v.shadow.allow, reason: v.shadow.reason, message: reasonMessage(v.shadow.reason), detail: v.shadow.detail || null },
        }
      : null,
    // What the server sends for this answer, through the gRPC adapter's own mapping: a header a
    // decision adds anywhere (a DPoP nonce on an allow) is shown because the server sends it.
    response: renderResponse(toCheckResponse(answer), answer.allow),
  };
}
