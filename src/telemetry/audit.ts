import type { Span } from '@opentelemetry/api';
import { LRUCache } from 'lru-cache';
import type { Identity } from '../core/identity.js';
import { guardrailTitle } from '../config/guardrail-codes.js';
import type { Level } from 'pino';
import type { TelemetryConfig } from '../config/schema.js';
import type { ClientKind } from '../decision/respond.js';
import { reasonKind } from '../core/reasons.js';
import type { Verdict } from '../decision/verdict.js';
import type { Runtime } from '../pipeline/runtime.js';
import { needsRedaction, unredacted, type Logger } from './log.js';
import { tokenCacheOutcome } from './metrics.js';
import { clientText, clip, clipped, subjectFor } from '../core/redact.js';
import type { Completion } from './stepup.js';
import { traceIdOf, type CallMetadata } from './tracing.js';

/**
 * The one place decisions are logged: every answered Check produces at most one record.
 *
 * Audit records (`audit: true`) are written at `telemetry.audit.level`:
 * - `stepup.challenge`: a step-up or sign-in was asked for (401 challenge or 302 redirect);
 * - `policy.deny`: a rule denied the request (403);
 * - `stepup.complete`: a challenged subject was allowed on the same rules (inferred, see stepup.ts);
 * - `access.allow`: an allow picked by `telemetry.audit.sample_allows`.
 * Other decisions are `event: decision` records: allows at debug, other denials at info,
 * internal errors at error. docs/observability.md lists every field.
 */

export type AuditEvent = 'stepup.challenge' | 'policy.deny' | 'risk.deny' | 'approval.pending' | 'approval.used' | 'stepup.complete' | 'access.allow' | 'shadow.challenge' | 'shadow.deny';
export const AUDIT_EVENTS: readonly AuditEvent[] = ['stepup.challenge', 'policy.deny', 'risk.deny', 'approval.pending', 'approval.used', 'stepup.complete', 'access.allow', 'shadow.challenge', 'shadow.deny'];

/** Every field a decision record can have besides pino's `level`, `time`, `service` and `msg` (documented). */
export const RECORD_FIELDS = [
  'audit', 'event', 'decision', 'reason', 'detail', 'status', 'client_kind', 'rules', 'level_required', 'max_age',
  'level_presented', 'auth_age', 'subject', 'issuer', 'request_id', 'trace_id', 'span_id', 'client_ip', 'user_agent',
  'method', 'host', 'path', 'kube', 'unlisted_api', 'token_cache', 'risk', 'guardrails', 'approval', 'challenge', 'shadow', 'latency_ms', 'err',
] as const;

export interface DecisionRecordInput {
  rt: Runtime | undefined;
  verdict: Verdict;
  status: number;
  elapsedMs: number;
  span: Span | undefined;
  clientKind: ClientKind | undefined;
  completion: Completion | undefined;
  /** The gRPC call's metadata, for the trace id when stepgate does not trace. */
  metadata?: CallMetadata;
  error?: unknown;
}

export class DecisionLog {
  /** `log` without pino's redactor, for records that cannot hold what it censors (log.ts). */
  private readonly plain: Logger;
  /**
   * Each identity's last denial record's decisionFields, and once they were seen twice in a row a
   * child of `plain` that has them pre-serialised as bindings: a client repeating a challenged
   * request then costs pino only the requestFields. The fields are compared by value every time
   * (never trusted from the key), so a reload, a subject mode or any other change gives a new
   * entry. Bounded: a child logger with its serialised copy is ~2.9 KB (measured), so 256
   * identities in the middle of a step-up at once hold at most ~0.9 MB.
   */
  private readonly repeats = new LRUCache<Identity, { readonly fields: Record<string, unknown>; logger: Logger | undefined }>({ max: 256 });

  constructor(
    private readonly log: Logger,
    private readonly random: () => number = Math.random,
  ) {
    this.plain = unredacted(log);
  }

  record(c: DecisionRecordInput, cfg: TelemetryConfig): void {
    const v = c.verdict;
    let event: AuditEvent | 'decision' = 'decision';
    let level: Level;
    if (v.approval !== undefined) event = v.allow ? 'approval.used' : 'approval.pending';
    else if (c.completion) event = 'stepup.complete';
    else if (c.clientKind !== undefined) event = 'stepup.challenge';
    // A closed access window is the operator's refusal as a deny rule is (access_windows).
    else if (v.reason === 'policy_deny' || v.reason === 'access_window_closed') event = 'policy.deny';
    else if (v.reason === 'risk_deny' || v.reason === 'state_unavailable') event = 'risk.deny';
    // An allow that a shadowed element would have refused: the record rollout is decided on.
    else if (v.allow && v.shadow !== undefined && !v.shadow.allow) event = SHADOW_KIND[reasonKind(v.shadow.reason)] ?? 'shadow.deny';
    else if (v.allow && sampled(cfg.audit.sample_allows, this.random)) event = 'access.allow';
    if (event !== 'decision') level = cfg.audit.level;
    else if (v.allow) level = 'debug';
    else level = v.reason === 'internal_error' ? 'error' : 'info';
    // Checked before anything is built: with allows at debug, the common case ends here.
    if (!this.log.isLevelEnabled(level)) return;
    this.write(c, event, level, cfg);
  }

  /**
   * Apart from record() so that record() stays small enough for V8 to inline into the caller,
   * where the input object of a record never written (a routine allow) is then never allocated
   * (bench/alloc.ts: 72 B per allowed Check when this was all one method).
   */
  private write(c: DecisionRecordInput, event: AuditEvent | 'decision', level: Level, cfg: TelemetryConfig): void {
    const v = c.verdict;
    const msg = MESSAGES[event];
    const who = v.identity;
    // Denials repeat (kubectl retries after a challenge, browsers are redirected, a misconfigured
    // client loops); allows vary by path and are mostly not written at all.
    if (!v.allow && who !== undefined && c.error === undefined) {
      const fields = decisionFields(c, event, cfg);
      const perRequest = requestFields(c);
      if (!needsRedaction(perRequest)) {
        const last = this.repeats.get(who);
        // Only fields that needed no redaction are ever kept.
        if (last !== undefined && sameFields(last.fields, fields)) {
          // Made on the second sight only: a child costs more than one record, and most denials
          // that do not repeat at once never would.
          last.logger ??= this.plain.child(last.fields);
          last.logger[level](perRequest, msg);
          return;
        }
        if (!needsRedaction(fields)) {
          this.repeats.set(who, { fields, logger: undefined });
          this.plain[level]({ ...fields, ...perRequest }, msg);
          return;
        }
      }
    }
    const record = decisionRecord(c, event, cfg);
    // The same line either way (test/unit/telemetry-audit-redact.test.ts); the redactor only where it could censor.
    (needsRedaction(record) ? this.log : this.plain)[level](record, msg);
  }
}

const MESSAGES: Record<AuditEvent | 'decision', string> = {
  'stepup.challenge': 'step-up challenge issued',
  'policy.deny': 'request denied by policy',
  'risk.deny': 'request denied by the risk engine',
  'approval.pending': 'automation request waits for a human approval',
  'approval.used': 'automation request allowed once by a human approval',
  'stepup.complete': 'step-up completed',
  'access.allow': 'request allowed',
  'shadow.challenge': 'request allowed; a shadowed element would have asked for a step-up',
  'shadow.deny': 'request allowed; a shadowed element would have refused it',
  decision: 'decision',
};

const SHADOW_KIND: Partial<Record<ReturnType<typeof reasonKind>, AuditEvent>> = { step_up: 'shadow.challenge', unauthenticated: 'shadow.challenge' };

/** A verdict detail may quote several bounded values (an approval wraps the original detail). */
const DETAIL_CHARS = 1024;
const CLIP_DETAIL = 256;
/** A body can violate thousands of times (one per container); the first ones say enough. */
const MAX_VIOLATIONS = 20;

function violationsTotal(r: NonNullable<Verdict['guardrails']>['result']): number | undefined {
  const total = r.violations.length + (r.omitted ?? 0);
  return total > MAX_VIOLATIONS ? total : undefined;
}

function recordedViolations(vs: NonNullable<Verdict['guardrails']>['result']['violations']): readonly unknown[] {
  const shown = vs.length > MAX_VIOLATIONS ? vs.slice(0, MAX_VIOLATIONS) : vs;
  // The title says in words which guardrail fired, next to its stable code.
  return shown.map((x) =>
    x.detail.length > CLIP_DETAIL || (x.path?.length ?? 0) > CLIP_DETAIL
      ? { code: x.code, title: guardrailTitle(x.code), detail: clip(x.detail), path: clipped(x.path) }
      : { ...x, title: guardrailTitle(x.code) },
  );
}

function sampled(rate: number, random: () => number): boolean {
  return rate >= 1 || (rate > 0 && random() < rate);
}

/** The record's fields. Request data only through the redaction helpers; undefined fields are left out. */
export function decisionRecord(c: DecisionRecordInput, event: AuditEvent | 'decision', cfg: TelemetryConfig): Record<string, unknown> {
  return { ...decisionFields(c, event, cfg), ...requestFields(c) };
}

/**
 * What the decision was and what it was about: the same for every repeat of one request by one
 * identity (a client retrying a challenge), so a DecisionLog may write it pre-serialised. First
 * in the record, before `requestFields`.
 */
function decisionFields(c: DecisionRecordInput, event: AuditEvent | 'decision', cfg: TelemetryConfig): Record<string, unknown> {
  const v = c.verdict;
  const r = v.requirement;
  const who = v.identity;
  const req = v.attributes;
  const names = c.rt?.assurance.names;
  return {
    audit: event === 'decision' ? undefined : true,
    event,
    decision: v.allow ? 'allow' : 'deny',
    reason: v.reason,
    detail: v.detail ? clip(v.detail, DETAIL_CHARS) : undefined,
    status: c.status,
    client_kind: c.clientKind,
    rules: r?.rules,
    level_required: r && !r.deny && r.level >= 0 ? names?.[r.level] : undefined,
    max_age: r && !r.deny ? r.maxAge : undefined,
    level_presented: who?.levelName,
    subject: who ? clip(subjectFor(who, cfg.subject)) : undefined,
    issuer: who?.issuer,
    method: req?.method,
    host: clipped(req?.host),
    path: clipped(req?.path),
    kube: req?.kube
      ? {
          verb: req.kube.verb,
          group: req.kube.isResourceRequest ? req.kube.apiGroup : undefined,
          resource: clipped(req.kube.resource || undefined),
          subresource: clipped(req.kube.subresource || undefined),
          namespace: clipped(req.kube.namespace || undefined),
          name: clipped(req.kube.name || undefined),
        }
      : undefined,
    unlisted_api: clipped(req?.unlistedApi),
    token_cache: tokenCacheOutcome(v),
    risk: v.risk
      ? {
          score: v.risk.score,
          band: v.risk.band,
          reasons: v.risk.contributions.map((r) => (r.detail.length > CLIP_DETAIL ? { ...r, detail: clip(r.detail) } : r)),
          degraded: v.risk.degraded || undefined,
          context: v.risk.context ? { code: v.risk.context.code, reason: v.risk.context.reason, auth_after: v.risk.context.authAfter } : undefined,
          // Learning happens only on an allow.
          learned: (v.allow && v.risk.learned) || undefined,
        }
      : undefined,
    guardrails: v.guardrails
      ? {
          violations: recordedViolations(v.guardrails.result.violations),
          violations_total: violationsTotal(v.guardrails.result),
          unreadable: v.guardrails.result.unreadable,
          applied: v.guardrails.contribution.codes,
        }
      : undefined,
    approval: v.approval,
    challenge: c.completion
      ? {
          reason: c.completion.reason,
          rules: c.completion.requirement.rules,
          at: new Date(c.completion.challengedAt).toISOString(),
          inferred: true,
        }
      : undefined,
    shadow: v.shadow
      ? {
          decision: v.shadow.allow ? 'allow' : 'deny',
          reason: v.shadow.reason,
          detail: v.shadow.detail ? clip(v.shadow.detail, DETAIL_CHARS) : undefined,
          elements: v.shadow.elements,
          rules: v.shadow.requirement.rules,
          level_required: !v.shadow.requirement.deny && v.shadow.requirement.level >= 0 ? names?.[v.shadow.requirement.level] : undefined,
          max_age: v.shadow.requirement.deny ? undefined : v.shadow.requirement.maxAge,
          risk_band: v.shadow.risk?.band,
        }
      : undefined,
  };
}

/** What differs from one request to the next (time, ids, the client's address and agent), after `decisionFields`. */
function requestFields(c: DecisionRecordInput): Record<string, unknown> {
  const v = c.verdict;
  const who = v.identity;
  const headers = v.attributes?.headers;
  // A span that is not recorded (sampled out) is never exported: its id would point nowhere.
  const spanContext = c.span?.isRecording() ? c.span.spanContext() : undefined;
  return {
    auth_age: who?.authTime !== undefined && c.rt ? Math.floor(c.rt.now() / 1000) - who.authTime : undefined,
    request_id: clientText(headers?.get('x-request-id'), 128),
    trace_id: spanContext?.traceId ?? traceIdOf(headers, c.metadata),
    span_id: spanContext?.spanId,
    client_ip: (v.risk ? v.risk.clientIp : v.attributes?.sourceAddress) || undefined,
    user_agent: clientText(headers?.get('user-agent')),
    latency_ms: Math.round(c.elapsedMs * 1000) / 1000,
    err: c.error,
  };
}

/**
 * Whether two decisionFields results serialise alike. Both come from the one object literal there,
 * so their keys are the same, in the same order: only the values are compared (without listing
 * the keys, which allocated an array per record). Nested values in full, keys and order included.
 */
function sameFields(a: Readonly<Record<string, unknown>>, b: Readonly<Record<string, unknown>>): boolean {
  for (const k in a) if (!sameJson(a[k], b[k])) return false;
  return true;
}

function sameJson(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (!sameJson(a[i], b[i])) return false;
    return true;
  }
  if (Array.isArray(b) || Object.getPrototypeOf(a) !== Object.prototype || Object.getPrototypeOf(b) !== Object.prototype) return false;
  const x = a as Record<string, unknown>;
  const y = b as Record<string, unknown>;
  // Key order matters (it is the line's order): walk both in order.
  const kx = Object.keys(x);
  const ky = Object.keys(y);
  if (kx.length !== ky.length) return false;
  for (let i = 0; i < kx.length; i++) {
    const k = kx[i]!;
    if (k !== ky[i] || !sameJson(x[k], y[k])) return false;
  }
  return true;
}
