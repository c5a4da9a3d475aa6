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
  const out: Contribution[] = [];
  for (const s of SIGNALS) s(ctx, cfg, out);
  if (ctx.degraded) out.push({ code: 'state_degraded', weight: 0, detail: 'session state unavailable: every address and device counted as new' });
  if (extra) for (const c of extra) out.push(c);
  let sum = 0;
  for (const c of out) sum += c.weight;
  return { score: Math.max(0, Math.min(100, sum)), contributions: out };
}
