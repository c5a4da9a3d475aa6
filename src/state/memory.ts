import { LRUCache } from 'lru-cache';
import {
  byteCompare,
  clampLimit,
  clampTtl,
  emptyBucket,
  limitsMs,
  MAX_APPROVALS,
  MAX_CHALLENGES,
  slide,
  wholeMs,
  type Bucket,
  type LimitsMs,
} from './sliding.js';
import type {
  ApprovalRecord,
  ApprovalStore,
  ChallengeRecord,
  ChallengeStore,
  Observation,
  StateStore,
  StoreLimits,
  SubjectHistory,
} from './store.js';

/**
 * The embedded store for a single replica. It keeps the same data model as the Redis store
 * (timestamps, two-bucket counters, sorted sets ordered by last use) so both answer identically;
 * expiry is decided from the injected clock, never from the wall clock, so tests need no sleeps.
 *
 * Bounds: at most `maxSubjects` subjects and as many sessions (least recently used dropped:
 * a dropped subject is seen as new, which raises risk rather than lowering it), and per subject
 * at most `maxKnownPerSubject` IPs, prefixes and devices and `maxNamespacesTracked` namespaces.
 */

interface SubjectRecord {
  /** Last observe; undefined when only a denial was recorded. */
  seenAt: number | undefined;
  requests: Bucket;
  sensitive: Bucket;
  denials: Bucket;
  ips: Map<string, number>;
  prefixes: Map<string, number>;
  devices: Map<string, number>;
  namespaces: Map<string, number>;
}

interface SessionRecord {
  ua: string;
  at: number;
}

export interface MemoryStoreOptions {
  maxSubjects: number;
}

export class MemoryStateStore implements StateStore {
  readonly kind = 'memory' as const;
  readonly approvals: ApprovalStore = new MemoryApprovals();
  readonly challenges: ChallengeStore = new MemoryChallenges();
  private readonly l: LimitsMs;
  private readonly subjects: LRUCache<string, SubjectRecord>;
  private readonly sessions: LRUCache<string, SessionRecord>;

  constructor(limits: StoreLimits, options: MemoryStoreOptions) {
    this.l = limitsMs(limits);
    this.subjects = new LRUCache({ max: options.maxSubjects });
    this.sessions = new LRUCache({ max: options.maxSubjects });
  }

  observe(o: Observation): SubjectHistory {
    const l = this.l;
    const now = wholeMs(o.nowMs);
    const rec = this.record(o.subject);

    const firstSeen = rec.seenAt === undefined || rec.seenAt <= now - l.knownTtlMs;
    const ipKnown = isKnown(rec.ips, o.ip, now, l.knownTtlMs);
    const prefixKnown = isKnown(rec.prefixes, o.ipPrefix, now, l.knownTtlMs);
    const deviceKnown = isKnown(rec.devices, o.device, now, l.knownTtlMs);
    let knownDevices = 0;
    for (const at of rec.devices.values()) if (at > now - l.knownTtlMs) knownDevices++;
    // Use keeps a known entry alive: the TTL runs from last use, not from learning.
    if (ipKnown) rec.ips.set(o.ip, now);
    if (prefixKnown) rec.prefixes.set(o.ipPrefix, now);
    if (deviceKnown) rec.devices.set(o.device, now);

    const requests = slide(rec.requests, now, l.requestsMs, 1);
    const sensitive = slide(rec.sensitive, now, l.sensitiveMs, o.sensitive ? 1 : 0);
    const denials = slide(rec.denials, now, l.denialsMs, 0);
    const namespaces = countNamespace(rec.namespaces, o.namespace, now, l.namespacesMs, l.maxNamespaces);

    let previousUaFamily = '';
    if (o.session !== '') {
      // Length-prefixed, so no choice of subject and session can collide with another pair.
      const key = `${o.subject.length}:${o.subject}${o.session}`;
      const s = this.sessions.get(key);
      if (s && s.at > now - l.sessionTtlMs) previousUaFamily = s.ua;
      if (o.uaFamily !== '') this.sessions.set(key, { ua: o.uaFamily, at: now });
    }

    rec.seenAt = now;

    return {
      firstSeen,
      ipKnown,
      prefixKnown,
      deviceKnown,
      knownDevices,
      previousUaFamily,
      requests,
      sensitive,
      denials,
      namespaces,
    };
  }

  learn(subject: string, ip: string, ipPrefix: string, device: string, nowMs: number): void {
    const now = wholeMs(nowMs);
    const rec = this.record(subject);
    learn(rec.ips, ip, now, this.l);
    learn(rec.prefixes, ipPrefix, now, this.l);
    learn(rec.devices, device, now, this.l);
  }

  recordDenial(subject: string, nowMs: number): void {
    slide(this.record(subject).denials, wholeMs(nowMs), this.l.denialsMs, 1);
  }

  async close(): Promise<void> {
    this.subjects.clear();
    this.sessions.clear();
  }

  private record(subject: string): SubjectRecord {
    let rec = this.subjects.get(subject);
    if (!rec) {
      rec = {
        seenAt: undefined,
        requests: emptyBucket(),
        sensitive: emptyBucket(),
        denials: emptyBucket(),
        ips: new Map(),
        prefixes: new Map(),
        devices: new Map(),
        namespaces: new Map(),
      };
      this.subjects.set(subject, rec);
    }
    return rec;
  }
}

function isKnown(set: Map<string, number>, member: string, now: number, ttlMs: number): boolean {
  if (member === '') return false;
  const at = set.get(member);
  return at !== undefined && at > now - ttlMs;
}

/** Adds `member`, drops expired entries, then the least recently used beyond the cap. */
function learn(set: Map<string, number>, member: string, now: number, l: LimitsMs): void {
  if (member === '') return;
  set.set(member, now);
  for (const [m, at] of set) if (at <= now - l.knownTtlMs) set.delete(m);
  while (set.size > l.maxKnown) set.delete(oldest(set)!);
}

/** Lowest timestamp, ties broken by byte order: the member Redis ranks first. */
function oldest(set: Map<string, number>): string | undefined {
  let best: string | undefined;
  let bestAt = Infinity;
  for (const [m, at] of set) {
    if (best === undefined || at < bestAt || (at === bestAt && byteCompare(m, best) < 0)) {
      best = m;
      bestAt = at;
    }
  }
  return best;
}

/**
 * Distinct namespaces seen in the last window, exactly (each namespace keeps its last-seen
 * time). At the cap a new namespace is not tracked, so the count stops at the cap.
 */
function countNamespace(set: Map<string, number>, ns: string, now: number, windowMs: number, cap: number): number {
  if (ns === '') {
    let n = 0;
    for (const at of set.values()) if (at > now - windowMs) n++;
    return n;
  }
  for (const [m, at] of set) if (at <= now - windowMs) set.delete(m);
  if (set.has(ns) || set.size < cap) set.set(ns, now);
  return set.size;
}

interface StoredApproval extends ApprovalRecord {
  createdAt: number;
}

/** Approvals in process memory, with the Redis store's semantics (see ApprovalStore). */
class MemoryApprovals implements ApprovalStore {
  private readonly records = new Map<string, StoredApproval>();

  async create(id: string, data: string, ttlMs: number, nowMs: number): Promise<ApprovalRecord> {
    nowMs = wholeMs(nowMs);
    const existing = this.live(id, nowMs);
    if (existing) return view(existing);
    this.dropExpired(nowMs);
    const rec: StoredApproval = { id, state: 'pending', data, expiresAt: nowMs + clampTtl(ttlMs), createdAt: nowMs };
    this.records.set(id, rec);
    while (this.records.size > MAX_APPROVALS) {
      let victim: StoredApproval | undefined;
      for (const r of this.records.values()) {
        if (!victim || r.expiresAt < victim.expiresAt || (r.expiresAt === victim.expiresAt && byteCompare(r.id, victim.id) < 0)) victim = r;
      }
      this.records.delete(victim!.id);
    }
    return view(rec);
  }

  async get(id: string, nowMs: number): Promise<ApprovalRecord | undefined> {
    nowMs = wholeMs(nowMs);
    const rec = this.live(id, nowMs);
    return rec && view(rec);
  }

  async decide(
    id: string,
    state: 'approved' | 'rejected',
    data: string,
    ttlMs: number,
    nowMs: number,
  ): Promise<ApprovalRecord | undefined> {
    nowMs = wholeMs(nowMs);
    const rec = this.live(id, nowMs);
    if (!rec || rec.state !== 'pending') return undefined;
    rec.state = state;
    rec.data = data;
    rec.expiresAt = nowMs + clampTtl(ttlMs);
    return view(rec);
  }

  async consume(id: string, nowMs: number): Promise<boolean> {
    nowMs = wholeMs(nowMs);
    const rec = this.live(id, nowMs);
    if (!rec || rec.state !== 'approved') return false;
    this.records.delete(id);
    return true;
  }

  async list(limit: number, nowMs: number): Promise<ApprovalRecord[]> {
    nowMs = wholeMs(nowMs);
    const live = [...this.records.values()].filter((r) => r.expiresAt > nowMs);
    live.sort((a, b) => b.createdAt - a.createdAt || byteCompare(b.id, a.id));
    return live.slice(0, clampLimit(limit)).map(view);
  }

  private live(id: string, nowMs: number): StoredApproval | undefined {
    const rec = this.records.get(id);
    if (rec && rec.expiresAt <= nowMs) {
      this.records.delete(id);
      return undefined;
    }
    return rec;
  }

  private dropExpired(nowMs: number): void {
    for (const [id, r] of this.records) if (r.expiresAt <= nowMs) this.records.delete(id);
  }
}

function view(r: StoredApproval): ApprovalRecord {
  return { id: r.id, state: r.state, data: r.data, expiresAt: r.expiresAt };
}

/** Challenges in process memory, bounded; expiry by the caller's clock as in Redis. */
class MemoryChallenges implements ChallengeStore {
  private readonly records = new LRUCache<string, ChallengeRecord>({ max: MAX_CHALLENGES });

  async remember(key: string, data: string, ttlMs: number, nowMs: number): Promise<void> {
    this.records.set(key, { data, expiresAt: wholeMs(nowMs) + clampTtl(ttlMs) });
  }

  async get(key: string, nowMs: number): Promise<ChallengeRecord | undefined> {
    const rec = this.records.get(key);
    if (rec === undefined) return undefined;
    if (rec.expiresAt <= wholeMs(nowMs)) {
      this.records.delete(key);
      return undefined;
    }
    return { ...rec };
  }
}
