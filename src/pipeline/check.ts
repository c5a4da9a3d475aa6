import type { ReasonCode } from '../core/reasons.js';
import type { Answer } from '../decision/respond.js';
import type { Verdict } from '../decision/verdict.js';
import type { RawRequest, RequestLine } from '../request/attributes.js';
import { kubeReaderOf } from '../request/build.js';
import { evaluate, fail } from './evaluate.js';
import type { Runtime } from './runtime.js';

/** What a transport adapter made of one request: the raw request, or why it could not be read. */
export type ParsedRequest =
  | { ok: true; raw: RawRequest; spoofed: readonly string[] }
  /** `line`: what the adapter had read of the request, when it got that far. */
  | { ok: false; reason: ReasonCode; detail: string; line?: RequestLine | undefined };

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
  if (!parsed.ok) {
    const v = fail(parsed.reason, parsed.detail, undefined, undefined);
    // A refusal of a request to the API server is a Status kubectl prints (request/build.ts kubeReaderOf).
    const reader = parsed.line === undefined ? undefined : kubeReaderOf(parsed.line, rt.kubeHosts);
    if (reader !== undefined) v.kubeReader = reader;
    return answered(rt, v);
  }
  const v = evaluate(rt, parsed.raw, parsed.spoofed);
  return v instanceof Promise ? v.then((x) => answered(rt, x)) : answered(rt, v);
}

function answered(rt: Runtime, verdict: Verdict): Checked {
  return { verdict, answer: rt.responder.respond(verdict) };
}
