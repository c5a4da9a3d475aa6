import type { Contribution } from './codes.js';
import { anomalySignal } from './signals/anomaly.js';
import { behaviourSignal } from './signals/behaviour.js';
import type { Signal, SignalContext, Signals } from './signals/context.js';
import { deviceSignal } from './signals/device.js';
import { networkSignal } from './signals/network.js';
import { sensitivitySignal } from './signals/sensitivity.js';
import { tokenAgeSignal } from './signals/token-age.js';
import { travelSignal } from './signals/travel.js';

const SIGNALS: readonly Signal[] = [sensitivitySignal, networkSignal, travelSignal, deviceSignal, anomalySignal, behaviourSignal, tokenAgeSignal];

export interface Score {
  /** 0–100: the sum of the weights, clamped. */
  score: number;
  contributions: readonly Contribution[];
}

/**
 * Pure: the same context and settings always give the same score and the same reasons, in the
 * same order. `extra` carries contributions found elsewhere (guardrail violations).
 */
export function scoreRisk(ctx: SignalContext, cfg: Signals, extra?: readonly Contribution[]): Score {
  const out = SCRATCH;
  out.length = 0;
  try {
    for (const s of SIGNALS) s(ctx, cfg, out);
    if (ctx.degraded) out.push({ code: 'state_degraded', weight: 0, detail: 'session state unavailable: every address and device counted as new' });
    if (extra) for (const c of extra) out.push(c);
    let sum = 0;
    for (const c of out) sum += c.weight;
    return { score: Math.max(0, Math.min(100, sum)), contributions: settled(out) };
  } finally {
    // Nothing of this Check stays in the scratch array for the next one (nor alive through it).
    out.length = 0;
  }
}

/**
 * The signals push into one array reused by every Check, and the result is copied out at its
 * exact size: a new array's first push reserves room for 17 entries (about 150 bytes), on every
 * sensitive Check (path_sensitive always fires there). Nothing firing, or the path's sensitivity
 * alone (the routine Secret read or prod write), is one shared frozen array; any other result is
 * a copy. Scoring is synchronous and no signal scores, so one scratch array is enough.
 */
const SCRATCH: Contribution[] = [];

const NONE: readonly Contribution[] = Object.freeze([]);

/** One frozen one-entry list per shared contribution (sensitivityContribution's). */
const ALONE = new WeakMap<Contribution, readonly Contribution[]>();

function settled(out: readonly Contribution[]): readonly Contribution[] {
  if (out.length === 0) return NONE;
  const first = out[0]!;
  if (out.length === 1 && Object.isFrozen(first)) {
    let alone = ALONE.get(first);
    if (alone === undefined) ALONE.set(first, (alone = Object.freeze([first])));
    return alone;
  }
  return out.slice();
}
