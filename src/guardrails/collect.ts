import type { GuardrailCode } from '../config/guardrail-codes.js';
import { clip, CLIP_CHARS } from '../core/redact.js';
import type { Violation } from './types.js';

/**
 * How many violations of one guardrail a request keeps. The decision needs each code once, the
 * messages show the first five and the audit record the first 20; a body can hold tens of
 * thousands (one per host port in a 1 MiB body), and every kept one costs strings, a repeat check
 * and garbage. Bounding them keeps a hostile body's cost that of parsing it, for any client,
 * signed in or not (guardrails are judged before the token is).
 */
export const MAX_VIOLATIONS_PER_CODE = 20;

/**
 * Collects the violations of one request: repeats dropped (a document read as two kinds with the
 * same pod spec path reports everything twice), details and paths clipped once for every place
 * that shows them (they quote the body: image, role and container names), and at most
 * MAX_VIOLATIONS_PER_CODE per guardrail kept, the rest only counted.
 */
export class ViolationCollector {
  readonly kept: Violation[] = [];
  /** Violations beyond the bound, counted before repeats are removed. */
  omitted = 0;
  private readonly seen = new Set<string>();
  private readonly perCode = new Map<GuardrailCode, number>();

  push(v: Violation): void {
    const count = this.perCode.get(v.code) ?? 0;
    if (count >= MAX_VIOLATIONS_PER_CODE) {
      this.omitted++;
      return;
    }
    const key = `${v.code}\u0000${v.path ?? ''}\u0000${v.detail}`;
    if (this.seen.has(key)) return;
    this.seen.add(key);
    this.perCode.set(v.code, count + 1);
    const long = v.detail.length > CLIP_CHARS || (v.path !== undefined && v.path.length > CLIP_CHARS);
    this.kept.push(long ? { ...v, detail: clip(v.detail), path: v.path === undefined ? undefined : clip(v.path) } : v);
  }
}
