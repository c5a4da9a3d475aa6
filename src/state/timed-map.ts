/**
 * A Map of members to the times (ms) they were last seen, that knows a time no member is older
 * than. The memory store asks nearly every Check which members have expired (a known device's TTL
 * is 30 days) and how many are live: both were a walk of the values finding nothing, the largest
 * share of the store's per-Check work after its lookups (bench/README.md, perf33). With the bound
 * above the cutoff, the answer is "none" or "all of them" without the walk.
 *
 * The bound is kept by every write (`set` lowers it to the time written, whatever the clock did),
 * never raised except by a walk that saw every value, and a delete leaves it a lower bound. So the
 * answers are what a walk would give, for any sequence of writes, including times going backwards.
 */
export class TimedMap extends Map<string, number> {
  /**
   * No member's time is lower; +Infinity when none has been written since a walk found none, and
   * -Infinity once a time that is no number was written (then every question is a walk, as before).
   */
  floor = Infinity;

  // No entries here: Map's constructor would write them before `floor` is initialised.
  constructor() {
    super();
  }

  override set(member: string, at: number): this {
    if (!(at >= this.floor)) this.floor = lowest(at, this.floor);
    return super.set(member, at);
  }
}

/** Members whose time is after `after`. */
export function countLive(set: TimedMap, after: number): number {
  if (set.floor > after) return set.size;
  let n = 0;
  let floor = Infinity;
  for (const at of set.values()) {
    if (at > after) n++;
    if (!(at >= floor)) floor = lowest(at, floor);
  }
  set.floor = floor;
  return n;
}

/** Drops the members whose time is at or before `cutoff`. */
export function dropUpTo(set: TimedMap, cutoff: number): void {
  if (set.floor > cutoff) return;
  let floor = Infinity;
  for (const [m, at] of set) {
    if (at <= cutoff) set.delete(m);
    else if (!(at >= floor)) floor = lowest(at, floor);
  }
  set.floor = floor;
}

function lowest(at: number, floor: number): number {
  return Number.isNaN(at) ? -Infinity : Math.min(at, floor);
}
