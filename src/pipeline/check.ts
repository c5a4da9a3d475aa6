import type { ReasonCode } from '../core/reasons.js';
import type { Answer } from '../decision/respond.js';
import type { Verdict } from '../decision/verdict.js';
import type { RawRequest } from '../request/attributes.js';
import { evaluate, fail } from './evaluate.js';
import type { Runtime } from './runtime.js';

/** What a transport adapter made of one request: the raw request, or why it could not be read. */
export type ParsedRequest =
  | { ok: true; raw: RawRequest; spoofed: readonly string[] }
  | { ok: false; reason: ReasonCode; detail: string };

/** One Check's outcome: the verdict (for logs, metrics, explain) and the answer to send. */
export interface Checked {
  readonly verdict: Verdict;
  readonly answer: Answer;
}

/**
 * One Check, transport-neutral: verdict, then answer. The gRPC adapter, the HTTP adapter and
 * `stepgate explain` all call this, so explain cannot tell an operator something the server would
 * not do. Synchronous when the pipeline is (a cached token, memory state). Throws only on a bug;
 * the adapters turn that into `internal_error`.
 */
export function check(rt: Runtime, parsed: ParsedRequest): Checked | Promise<Checked> {
  if (!parsed.ok) return answered(rt, fail(parsed.reason, parsed.detail, undefined, undefined));
  const v = evaluate(rt, parsed.raw, parsed.spoofed);
  return v instanceof Promise ? v.then((x) => answered(rt, x)) : answered(rt, v);
}

function answered(rt: Runtime, verdict: Verdict): Checked {
  return { verdict, answer: rt.responder.respond(verdict) };
}
