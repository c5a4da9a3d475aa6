import type { JWTPayload } from 'jose';
import type { Config } from './config/schema.js';
import { clientKind } from './decision/respond.js';
import { reasonMessage } from './decision/reasons.js';
import type { Verdict } from './decision/verdict.js';
import { compileAutomation } from './approvals/automation.js';
import { buildIdentity } from './identity/identity.js';
import { bearerToken, decide, fail } from './pipeline/evaluate.js';
import { buildRuntime, type RuntimeDeps } from './pipeline/runtime.js';
import type { RawRequest } from './request/attributes.js';
import { buildAttributes } from './request/build.js';
import { collectHeaders } from './request/headers.js';

export interface ExplainInput {
  method: string;
  url: string;
  headers: [string, string][];
  /** A real token: verified against the issuer's keys, exactly as the service would. */
  token?: string | undefined;
  /** Or claims given by hand: not verified, used to try a policy before any token exists. */
  claims?: Record<string, unknown> | undefined;
  source?: string;
  context?: Record<string, string>;
  /** The request body (for guardrails), as Envoy would pass it; --content-type sets its header. */
  body?: Uint8Array | string | undefined;
  contentType?: string | undefined;
}

/**
 * The operator's view of one decision: the same pipeline the server runs, with every
 * intermediate result printed. The JSON shape is documented in the README.
 */
export async function explain(config: Config, input: ExplainInput, deps?: Partial<RuntimeDeps>) {
  const rt = buildRuntime(config, {
    fetch: deps?.fetch ?? ((url, init) => fetch(url, init)),
    now: deps?.now ?? Date.now,
    env: deps?.env ?? process.env,
  });
  const url = new URL(input.url);
  const headers: [string, string][] = [...input.headers];
  if (input.contentType) headers.push(['content-type', input.contentType]);
  if (input.token) headers.push(['authorization', `Bearer ${input.token}`]);
  const collected = collectHeaders(headers, {
    maxHeaderBytes: config.limits.max_header_bytes,
    maxTotalHeaderBytes: config.limits.max_total_header_bytes,
  });
  if (!collected.ok) return render(rt, fail('header_too_large', collected.detail, undefined, undefined), undefined);
  const raw: RawRequest = {
    method: input.method,
    target: `${url.pathname}${url.search}`,
    authority: url.host,
    scheme: url.protocol.replace(/:$/, ''),
    headers: collected.headers,
    sourceAddress: input.source ?? '',
    sourcePrincipal: '',
    contextExtensions: input.context ?? {},
    // The same bound the server applies: a body over it is not inspected, as in production.
    ...(input.body !== undefined && bodyBytes(input.body) > config.limits.max_body_bytes
      ? { body: undefined, bodyTruncated: true }
      : { body: input.body, bodyTruncated: false }),
  };
  const built = buildAttributes(raw, collected.spoofed, rt.kubeHosts);
  if (!built.ok) return render(rt, fail('request_invalid', built.detail, undefined, undefined), undefined);
  const req = built.attributes;

  let verdict: Verdict;
  let identitySource: 'token' | 'claims' | undefined;
  if (input.claims) {
    identitySource = 'claims';
    const claims = input.claims as JWTPayload;
    const iss = config.issuers.find((i) => i.issuer === claims.iss) ?? config.issuers[0]!;
    const subject = claims[iss.subject_claim];
    const who = buildIdentity(iss, typeof subject === 'string' ? subject : '', claims, rt.assurance, config.identity_headers, '', 'token', compileAutomation(config.automation));
    verdict = await decide(rt, req, { ok: true, identity: who, cached: false });
  } else {
    const token = bearerToken(req.headers.get('authorization'));
    if (typeof token === 'string') {
      identitySource = 'token';
      verdict = await decide(rt, req, await rt.verifier.verify(token));
    } else {
      verdict = fail(token.reason, token.detail, req, rt.policy.evaluate(req, undefined));
    }
  }
  return render(rt, verdict, identitySource);
}

function bodyBytes(b: Uint8Array | string): number {
  return typeof b === 'string' ? Buffer.byteLength(b, 'utf8') : b.length;
}

function render(
  rt: ReturnType<typeof buildRuntime>,
  v: Verdict,
  identitySource: 'token' | 'claims' | undefined,
) {
  const guard = v.guardrails;
  const req = v.attributes;
  const need = v.requirement;
  const who = v.identity;
  const answer = rt.responder.respond(v);
  return {
    request: req
      ? {
          method: req.method,
          host: req.host,
          path: req.path,
          query: req.query,
          client_kind: clientKind(req),
          kubernetes: req.kube ?? null,
        }
      : null,
    identity: who
      ? {
          source: identitySource,
          verified: identitySource === 'token',
          subject: who.subject,
          issuer: who.issuer,
          groups: who.groups,
          acr: who.acr ?? null,
          amr: who.amr,
          auth_time: who.authTime ?? null,
          auth_age_seconds: who.authTime !== undefined ? Math.floor(rt.now() / 1000) - who.authTime : null,
          level: who.levelName,
        }
      : null,
    policy: need
      ? {
          matched_rules: need.rules,
          deny: need.deny,
          required_level: need.level >= 0 ? rt.assurance.names[need.level] : null,
          max_age: need.maxAge ?? null,
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
          violations: guard.result.violations,
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
    },
    response: {
      status: answer.status,
      headers: Object.fromEntries(answer.headers),
      headers_to_remove: answer.removeHeaders,
      body: answer.body ? (JSON.parse(answer.body) as unknown) : null,
    },
  };
}
