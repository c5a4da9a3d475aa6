import { LRUCache } from 'lru-cache';
import { reasonKind, type ReasonCode } from '../core/reasons.js';
import type { Verdict } from '../decision/verdict.js';
import type { Requirement } from '../policy/policy.js';

/**
 * Infers step-up completions from decisions: a subject challenged because its authentication
 * was too weak or too old (acr_insufficient, auth_too_old, auth_time_missing) and later allowed
 * on the same rules has completed the step-up. This is the only way to see completions by API
 * clients (kubectl re-authenticates with the identity provider directly, never through stepgate);
 * the browser flow (issue 4) will report its own.
 *
 * Bounded: at most `maxSubjects` subjects, a few open challenges each, forgotten after `windowMs`.
 * An allow costs one Map lookup while nothing is pending, and nothing is allocated for it.
 */

interface Pending {
  issuer: string;
  requirement: Requirement;
  reason: ReasonCode;
  at: number;
}

export interface Completion {
  reason: ReasonCode;
  requirement: Requirement;
  /** When the first challenge of this episode was issued (ms since the epoch). */
  challengedAt: number;
}

const PER_SUBJECT = 8;

export class StepUpTracker {
  private readonly pending: LRUCache<string, Pending[]>;

  constructor(
    private readonly now: () => number,
    readonly windowMs = 15 * 60_000,
    maxSubjects = 10_000,
  ) {
    this.pending = new LRUCache({ max: maxSubjects, ttl: windowMs, perf: { now }, ttlResolution: 0 });
  }

  /** A challenge was issued. Repeated challenges for the same rules keep the first one's time. */
  challenged(v: Verdict): void {
    const who = v.identity;
    const need = v.requirement;
    if (!who || !need || reasonKind(v.reason) !== 'step_up') return;
    const open = this.pending.get(who.subject);
    // A client repeating a challenged request (kubectl's retries, a browser redirected again) is
    // the common case: found with a plain loop, no closure and no empty list made per challenge.
    if (open !== undefined) for (let i = 0; i < open.length; i++) if (open[i]!.issuer === who.issuer && sameRules(open[i]!.requirement, need)) return;
    const list = open ?? [];
    if (list.length >= PER_SUBJECT) list.shift();
    list.push({ issuer: who.issuer, requirement: need, reason: v.reason, at: this.now() });
    this.pending.set(who.subject, list);
  }

  /** An allow: the completion it proves, if any (the open challenge is then closed). */
  allowed(v: Verdict): Completion | undefined {
    if (this.pending.size === 0) return undefined;
    const who = v.identity;
    const need = v.requirement;
    if (!who || !need) return undefined;
    const list = this.pending.get(who.subject);
    if (!list) return undefined;
    const i = list.findIndex((p) => p.issuer === who.issuer && sameRules(p.requirement, need));
    if (i < 0) return undefined;
    const p = list[i]!;
    list.splice(i, 1);
    if (list.length === 0) this.pending.delete(who.subject);
    return { reason: p.reason, requirement: p.requirement, challengedAt: p.at };
  }

  get size(): number {
    return this.pending.size;
  }
}

/** Requirements are memoised per set of matching rules, but a reload builds new ones. */
function sameRules(a: Requirement, b: Requirement): boolean {
  if (a === b) return true;
  if (a.rules.length !== b.rules.length) return false;
  for (let i = 0; i < a.rules.length; i++) if (a.rules[i] !== b.rules[i]) return false;
  return true;
}
