/**
 * Issues per subject within a sliding window, on this replica. Bounded: past `maxSubjects` the
 * subject seen least recently is forgotten (a flood of distinct subjects, each holding a verified
 * step-up token, is not what this bounds; the token checks before it are).
 */
export class IssueLimiter {
  private readonly issued = new Map<string, number[]>();

  constructor(private readonly maxSubjects = 10_000) {}

  /** Whether one more issue for `key` at `nowMs` stays within `max` per `windowMs`; counts it if so. */
  take(key: string, nowMs: number, max: number, windowMs: number): boolean {
    const times = (this.issued.get(key) ?? []).filter((t) => t > nowMs - windowMs);
    this.issued.delete(key);
    if (times.length >= max) {
      this.issued.set(key, times);
      return false;
    }
    times.push(nowMs);
    this.issued.set(key, times);
    if (this.issued.size > this.maxSubjects) this.issued.delete(this.issued.keys().next().value!);
    return true;
  }
}
