import { Buffer } from 'node:buffer';
import type { StoreLimits } from './store.js';

/**
 * The arithmetic both stores share. The Redis store runs the same rules in Lua
 * (redis-scripts.ts); the conformance suite checks that the two agree call for call, so a change
 * here needs the same change there.
 */

/**
 * A sliding-window counter approximated by two fixed buckets: `cur` counts the current bucket
 * (`floor(now / W)`), `prev` the one before it. The estimate weights `prev` by the part of the
 * window that still overlaps it: `cur + prev * (W - elapsed) / W`, rounded half up. It assumes
 * the previous bucket's events were spread evenly, so it can be off by a fraction of `prev`, but
 * it costs three numbers per counter instead of one entry per event, and it decays smoothly: a
 * burst fades out over one window and is gone after two.
 *
 * The rounding is done in integers (`floor((2·prev·(W−e) + W) / 2W)`) so JavaScript and Redis's
 * Lua, both IEEE doubles, give the same result. A clock that goes backwards stays in the stored
 * bucket with no decay instead of rewinding it.
 */
export interface Bucket {
  /** Index of the current bucket; -1 when the counter has never been written. */
  b: number;
  cur: number;
  prev: number;
}

export function emptyBucket(): Bucket {
  return { b: -1, cur: 0, prev: 0 };
}

/** Rolls `k` forward to `nowMs`, adds `inc`, and returns the estimate including it. Mutates `k`. */
export function slide(k: Bucket, nowMs: number, windowMs: number, inc: number): number {
  const B = Math.floor(nowMs / windowMs);
  if (k.b < 0) {
    k.b = B;
    k.cur = 0;
    k.prev = 0;
  } else if (B === k.b + 1) {
    k.prev = k.cur;
    k.cur = 0;
    k.b = B;
  } else if (B > k.b + 1) {
    k.prev = 0;
    k.cur = 0;
    k.b = B;
  }
  k.cur += inc;
  // Nothing in the previous bucket (an idle counter: a routine Check slides the sensitive,
  // denial and destructive ones without counting in them): its share below is
  // floor(W / 2W) = 0, so the estimate is the current count, without the division (perf50).
  // B <= k.b holds here for any clock that is a number (the bucket is B, or a later one the clock
  // went back from); a NaN clock goes on to the arithmetic as before.
  if (k.prev === 0 && B <= k.b) return k.cur;
  const elapsed = Math.min(windowMs, Math.max(0, nowMs - k.b * windowMs));
  return k.cur + Math.floor((2 * k.prev * (windowMs - elapsed) + windowMs) / (2 * windowMs));
}

/** The limits in the units both stores compute with. */
/** `risk.proven_ttl_seconds`' default (180 days), for limits that do not give it (tests, approvals-only stores). */
export const PROVEN_TTL_DEFAULT_MS = 15_552_000_000;

export interface LimitsMs {
  requestsMs: number;
  sensitiveMs: number;
  denialsMs: number;
  namespacesMs: number;
  knownTtlMs: number;
  /**
   * How long a subject's proven mark (StateStore.provenAt) outlives its last proof: much longer
   * than the context records, never shorter (StoreLimits.provenTtlSeconds).
   */
  provenTtlMs: number;
  maxKnown: number;
  sessionTtlMs: number;
  maxNamespaces: number;
  objectsMs: number;
  objectsThreshold: number;
  destructiveMs: number;
  destructiveThreshold: number;
  /** Cap on distinct sensitive objects tracked per window (counting stops there). */
  maxObjects: number;
  /** Cap on first sightings kept per subject: one per kind of context part and known slot. */
  maxSightings: number;
  /** Machine-pace window of distinct sensitive objects. */
  paceMs: number;
  paceThreshold: number;
  /** How long after a run was last answered by a sign-in a new run continues it (0: never). */
  paceResumeMs: number;
  /**
   * Cap on the working set (namespaces), its first sightings and known sites per subject: an
   * on-call engineer works in more namespaces than they have laptops.
   */
  maxWork: number;
  /** How long an object read from a proven context stays familiar after that read (0: off). */
  familiarMs: number;
  /** Cap on familiar objects per subject (least recently read dropped). */
  maxFamiliar: number;
  /**
   * A known entry's last use (address, network, device, client kind, working-set namespace, wider
   * network) and a session's are written again only when they are older than this, or, for a
   * known entry, when another entry of its set was used after it (refreshIntervals). Most Checks
   * then write none of them.
   */
  knownRefreshMs: number;
  sessionRefreshMs: number;
  /**
   * How long the subject record (first-seen marker and counters) outlives its last write: long
   * enough for `knownTtlSeconds` (first-seen) and for two buckets of the longest counter window.
   */
  subjectTtlMs: number;
}

export function limitsMs(l: StoreLimits): LimitsMs {
  const ms = (s: number, what: string) => {
    if (!Number.isFinite(s) || s <= 0) throw new RangeError(`StoreLimits.${what} must be a positive number of seconds`);
    return Math.max(1, Math.round(s * 1000));
  };
  const count = (n: number, what: string) => {
    if (!Number.isInteger(n) || n < 1) throw new RangeError(`StoreLimits.${what} must be a positive integer`);
    return n;
  };
  const requestsMs = ms(l.windows.requests, 'windows.requests');
  const sensitiveMs = ms(l.windows.sensitive, 'windows.sensitive');
  const denialsMs = ms(l.windows.denials, 'windows.denials');
  const knownTtlMs = ms(l.knownTtlSeconds, 'knownTtlSeconds');
  const b = l.behaviour;
  const objectsThreshold = count(b.objectsThreshold, 'behaviour.objectsThreshold');
  const maxKnown = count(l.maxKnownPerSubject, 'maxKnownPerSubject');
  const destructiveMs = ms(b.destructiveWindow, 'behaviour.destructiveWindow');
  return {
    requestsMs,
    sensitiveMs,
    denialsMs,
    namespacesMs: ms(l.windows.namespaces, 'windows.namespaces'),
    knownTtlMs,
    provenTtlMs: Math.max(knownTtlMs, l.provenTtlSeconds === undefined ? PROVEN_TTL_DEFAULT_MS : ms(l.provenTtlSeconds, 'provenTtlSeconds')),
    maxKnown,
    sessionTtlMs: ms(l.sessionTtlSeconds, 'sessionTtlSeconds'),
    maxNamespaces: count(l.maxNamespacesTracked, 'maxNamespacesTracked'),
    objectsMs: ms(b.objectsWindow, 'behaviour.objectsWindow'),
    objectsThreshold,
    destructiveMs,
    destructiveThreshold: count(b.destructiveThreshold, 'behaviour.destructiveThreshold'),
    // Past the threshold the count only has to show the burst goes on; the cap bounds the set.
    maxObjects: Math.max(64, objectsThreshold + 1),
    maxSightings: 3 * maxKnown,
    paceMs: ms(l.paceWindow, 'paceWindow'),
    paceThreshold: count(l.paceThreshold, 'paceThreshold'),
    paceResumeMs: l.paceResume === undefined || l.paceResume === 0 ? 0 : ms(l.paceResume, 'paceResume'),
    maxWork: Math.max(64, 4 * maxKnown),
    familiarMs: l.familiar === undefined || l.familiar.ttlSeconds === 0 ? 0 : ms(l.familiar.ttlSeconds, 'familiar.ttlSeconds'),
    maxFamiliar: l.familiar === undefined ? 1 : count(l.familiar.max, 'familiar.max'),
    subjectTtlMs: Math.max(knownTtlMs, 2 * Math.max(requestsMs, sensitiveMs, denialsMs, destructiveMs)),
    ...refreshIntervals(knownTtlMs, ms(l.sessionTtlSeconds, 'sessionTtlSeconds')),
  };
}

/**
 * Every Check used to move the last use of each known part of its context to now (a sorted-set
 * write per part in Redis: six of a Check's ~26 commands) and its session's last use (the
 * session hash written on every Check). Both stores now write a last use again only when it is
 * at least a thousandth of its TTL old (43 minutes of `known_ttl_seconds`' 30 days, 43 s of a
 * 12-hour session), so a known entry or a session in steady use can be forgotten that much before
 * its TTL after its last use, never later: at most 0.1 % sooner, which can only ask for a step-up
 * a little earlier.
 *
 * Which known entry a full set drops is unchanged: the least recently used. An entry is written
 * whenever another entry of its set was used after it (it is not the set's newest, by time then
 * byte order, as Redis orders equal scores), so the order of last uses, the only thing the cap
 * reads, is exactly what writing on every use would make it.
 */
export function refreshIntervals(knownTtlMs: number, sessionTtlMs: number): { knownRefreshMs: number; sessionRefreshMs: number } {
  return { knownRefreshMs: Math.max(1, Math.floor(knownTtlMs / 1000)), sessionRefreshMs: Math.max(1, Math.floor(sessionTtlMs / 1000)) };
}

/**
 * Whether a use at `now` writes the last use of `member` (last written at `at`) in `set` again:
 * unless it is the set's newest (no other member has a later time, or the same time and a later
 * byte order, as Redis ranks them) and was written within the last `refreshMs`. The Redis store's
 * Lua does the same (redis-scripts.ts `use`).
 */
export function refreshDue(set: Map<string, number>, member: string, at: number, now: number, refreshMs: number): boolean {
  if (at <= now - refreshMs) return true;
  // Alone in its set (one address, one network, one device: the common case), it is the newest.
  if (set.size === 1 && set.has(member)) return false;
  // The times alone settle it unless another member has the same time (then byte order does); a
  // scan of the values allocates nothing, unlike one of the entries.
  let ties = 0;
  for (const t of set.values()) {
    if (t > at) return true;
    if (t === at) ties++;
  }
  if (ties === 0 || (ties === 1 && set.get(member) === at)) return false;
  for (const [m, t] of set) if (m !== member && (t > at || (t === at && byteCompare(m, member) > 0))) return true;
  return false;
}

/**
 * Approvals kept at most (pending or decided, unexpired). Past it the record closest to expiry
 * is dropped, so a flood of requests cannot grow the store; the dropped requester asks again.
 */
export const MAX_APPROVALS = 10_000;

/**
 * Challenges kept at most in memory (least recently written dropped first). A dropped record only
 * means the plugin falls back to asking the user to log in at the level the message names.
 */
export const MAX_CHALLENGES = 10_000;

/** Byte order of two strings, as Redis orders equal-score sorted-set members. */
export function byteCompare(a: string, b: string): number {
  if (a === b) return 0;
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}

/** A TTL is at least 1 ms and whole, as Redis PEXPIRE needs. */
export function clampTtl(ttlMs: number): number {
  return Number.isFinite(ttlMs) ? Math.max(1, Math.floor(ttlMs)) : 1;
}

/** A list limit between 0 and MAX_APPROVALS. */
export function clampLimit(limit: number): number {
  if (Number.isNaN(limit)) return 0;
  return Math.min(MAX_APPROVALS, Math.max(0, Math.floor(limit)));
}

/** Both stores work in whole milliseconds (the Lua side writes integers). */
export function wholeMs(nowMs: number): number {
  return Math.floor(nowMs);
}

/** Incidents, and revocations, kept at most (each kind; those expiring soonest dropped first). */
export const MAX_CONTROL = 10_000;
