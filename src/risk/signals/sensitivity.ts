import type { Contribution } from '../codes.js';
import type { Signal } from './context.js';

/** Path sensitivity: what the matching rules say the request touches (secrets, exec, prod writes…). */
export const sensitivitySignal: Signal = (ctx, _cfg, out) => {
  if (ctx.sensitivity > 0) out.push(sensitivityContribution(ctx.sensitivity));
};

/**
 * One frozen contribution per weight, shared by every Check that has it: a sensitive request is
 * routine (each Secret read, each prod write), and its contribution is the same object and text
 * every time. Contributions are read-only (codes.ts), so sharing one cannot carry one Check's data
 * into another. Weights are the rules' `sensitivity` values, a handful per configuration; past
 * 256 distinct ones (never, in practice) the memo starts again.
 */
export function sensitivityContribution(weight: number): Contribution {
  let c = MEMO.get(weight);
  if (c === undefined) {
    if (MEMO.size >= 256) MEMO.clear();
    c = Object.freeze({ code: 'path_sensitive', weight, detail: `matching rules weigh ${weight}` });
    MEMO.set(weight, c);
  }
  return c;
}

const MEMO = new Map<number, Contribution>();
