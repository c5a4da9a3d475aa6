/**
 * The memory store's sets of members with their last-use times (known addresses, networks,
 * devices, namespaces, sightings, objects…).
 */

/**
 * A set of members with their last-use times that also keeps a lower bound of those times
 * (`low`): a scan for members at or before a cutoff, which nearly every Check makes several of
 * (expired sightings, namespaces out of their window, live devices), is then skipped in O(1)
 * when the bound is past the cutoff, as it is whenever nothing has aged out. The bound only falls
 * on a write (a clock that goes backwards included) and is made exact again by the scans.
 */
export class Stamps extends Map<string, number> {
  low = Infinity;

  override set(member: string, at: number): this {
    // A NaN time (never written by the store's own clock) keeps the bound NaN: every scan is made.
    if (at < this.low || at !== at) this.low = at;
    return super.set(member, at);
  }

  override clear(): void {
    this.low = Infinity;
    super.clear();
  }
}

/** A snapshot's set as Stamps. */
export function stampsOf(m: ReadonlyMap<string, number>): Stamps {
  const s = new Stamps();
  for (const [k, at] of m) s.set(k, at);
  return s;
}

/** Members last used after `after`. */
export function countLive(set: Stamps, after: number): number {
  if (set.low > after) return set.size;
  let n = 0;
  for (const at of set.values()) if (at > after) n++;
  return n;
}

/**
 * Drops the members last seen at or before `cutoff`. Most calls find none, told from the bound
 * alone; a bound left low by a delete is made exact by a scan of the values, which allocates
 * nothing, before the entries are walked.
 */
export function dropUpTo(set: Stamps, cutoff: number): void {
  if (set.low > cutoff) return;
  let low = Infinity;
  let any = false;
  for (const at of set.values()) {
    if (at <= cutoff) any = true;
    else if (at < low || at !== at) low = at;
  }
  if (any) for (const [m, at] of set) if (at <= cutoff) set.delete(m);
  set.low = low;
}
