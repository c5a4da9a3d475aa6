import type { Contribution } from './codes.js';
import { acceleratorsSignal } from './signals/accelerators.js';
import { anomalySignal } from './signals/anomaly.js';
import { assuranceSignal } from './signals/assurance.js';
import { behaviourSignal } from './signals/behaviour.js';
import type { ContributionSink, SignalContext, Signals } from './signals/context.js';
import { deviceSignal } from './signals/device.js';
import { networkSignal } from './signals/network.js';
import { sensitivitySignal } from './signals/sensitivity.js';
import { tokenAgeSignal } from './signals/token-age.js';
import { travelSignal } from './signals/travel.js';

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
  try {
    // The signals, each called by name in this order (the order of the contributions, which reasons,
    // details and audit records list): a loop over a list of them was one call site with eight
    // targets, which V8 sends through its generic Call builtins on every Check and never inlines
    // (bench/README.md, engine42). test/unit/risk-score.test.ts fires all eight and checks the order.
    sensitivitySignal(ctx, cfg, out);
    networkSignal(ctx, cfg, out);
    travelSignal(ctx, cfg, out);
    deviceSignal(ctx, cfg, out);
    anomalySignal(ctx, cfg, out);
    behaviourSignal(ctx, cfg, out);
    acceleratorsSignal(ctx, cfg, out);
    tokenAgeSignal(ctx, cfg, out);
    assuranceSignal(ctx, cfg, out);
    if (ctx.degraded) out.push({ code: 'state_degraded', weight: 0, detail: 'session state unavailable: every address and device counted as new' });
    if (extra) for (let i = 0; i < extra.length; i++) out.push(extra[i]!);
    const contributions = out.settled();
    let sum = 0;
    for (let i = 0; i < contributions.length; i++) sum += contributions[i]!.weight;
    return { score: Math.max(0, Math.min(100, sum)), contributions };
  } finally {
    // Nothing of this Check stays in the scratch list for the next one (nor alive through it).
    out.clear();
  }
}

/**
 * Where the signals put a Check's contributions: one list reused by every Check, its slots kept
 * (an array emptied with `length = 0` gives its backing store up, and a new array's first push
 * reserves room for 17 entries, about 150 bytes, on every sensitive Check: path_sensitive always
 * fires there). The result is copied out at its size; nothing fired, or one shared contribution
 * alone (the path's sensitivity on a routine Secret read or prod write), is a shared frozen list.
 * Scoring is synchronous and no signal scores, so one list is enough.
 */
class Scratch implements ContributionSink {
  private readonly slots: (Contribution | undefined)[] = new Array<Contribution | undefined>(32).fill(undefined);
  private n = 0;

  push(c: Contribution): void {
    if (this.n < this.slots.length) this.slots[this.n] = c;
    else this.slots.push(c);
    this.n++;
  }

  settled(): readonly Contribution[] {
    if (this.n === 0) return NONE;
    const first = this.slots[0]!;
    if (this.n === 1) {
      // The shared contribution's list is found first: Object.isFrozen is a call into the
      // runtime (~100 instructions), asked only of a contribution not seen alone before.
      let alone = ALONE.get(first);
      if (alone !== undefined) return alone;
      if (Object.isFrozen(first)) {
        ALONE.set(first, (alone = Object.freeze([first])));
        return alone;
      }
    }
    return this.slots.slice(0, this.n) as Contribution[];
  }

  clear(): void {
    for (let i = 0; i < this.n; i++) this.slots[i] = undefined;
    this.n = 0;
  }
}

const SCRATCH = new Scratch();

const NONE: readonly Contribution[] = Object.freeze([]);

/** One frozen one-entry list per shared contribution (sensitivityContribution's). */
const ALONE = new WeakMap<Contribution, readonly Contribution[]>();
