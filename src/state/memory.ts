import {
  byteCompare,
  clampLimit,
  clampTtl,
  emptyBucket,
  limitsMs,
  refreshDue,
  MAX_APPROVALS,
  MAX_CHALLENGES,
  MAX_CONTROL,
  slide,
  wholeMs,
  type Bucket,
  type LimitsMs,
} from './sliding.js';
import { GrowingLru } from './growing-lru.js';
import { MAX_ACCELERATOR_COUNT } from '../core/accelerators.js';
import { RecentLru } from './recent-lru.js';
import { covered, coverWith, EMPTY_COVER } from './run-cover.js';
import { countLive, dropUpTo, TimedMap } from './timed-map.js';
import { clientToken, ledBy, sessionClientsRead, sessionClientsWith } from './session-clients.js';
import { StartupError } from '../config/load.js';
import { bucket, entries, num, optionalNumber, readControlFile, readSnapshot, SNAPSHOT_VERSION, str, writeSnapshot, type SnapshotData } from './snapshot.js';
import type {
  ApprovalRecord,
  ApprovalStore,
  ChallengeRecord,
  ChallengeStore,
  ControlKind,
  ControlRecord,
  ControlSnapshot,
  ControlStore,
  ConsoleSessionStore,
  Observation,
  WorkHistory,
  WorkObservation,
  StateStore,
  StoreLimits,
  SubjectHistory,
} from './store.js';
import { blankHistory, blankWork, clusterMarker, ENTERED_KEEP_MS, ENTERED_UNKNOWN, isAllNamespaces, lossStands, MAX_ACCELERATOR_NAMES, MAX_RECENT_ACCELERATOR_WRITES } from './store.js';
import { canonicalKey, coveringKeys, vouches } from './family-keys.js';
import { foldedSubjectKey, opaqueHash } from './keys.js';

/** No level proven: shared, never written to. */
const NO_LEVELS: readonly string[] = Object.freeze([]);
const NO_ACCELERATORS: Readonly<Record<string, number>> = Object.freeze({});

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
  /** When observe last wrote the subject's proven mark (`proven`); not read back from a snapshot. */
  markedAt?: number;
  requests: Bucket;
  sensitive: Bucket;
  denials: Bucket;
  ips: TimedMap;
  prefixes: TimedMap;
  devices: TimedMap;
  namespaces: TimedMap;
  clients: TimedMap;
  /** First sighting of a still-unknown part (`p:`/`d:`/`c:` + value → ms). */
  sightings: TimedMap;
  objects: TimedMap;
  destructive: Bucket;
  /** Start of the behaviour burst going on; undefined when none. */
  behaviourSince: number | undefined;
  /** The last observe's context answers, while they cannot change (ContextMemo); never in a snapshot. */
  memo?: ContextMemo | undefined;
}

/**
 * What the last `observe` of a subject answered about its context (known address, network, device
 * and client kind, their first sightings, the session's clients), kept so that the next observe
 * with the same context strings answers them again without the lookups, the refresh tests and the
 * session's list handling. Counters are never kept here: every observe still counts.
 *
 * It is valid while nothing but the clock has moved since it was written, and the clock only up to
 * `until`: the first time a kept answer could change by itself (a known entry's last use falls due
 * for rewriting or expires, a first sighting expires, a known device or client expires from the
 * counts) or the session's last use falls due. Anything else that could change them drops it:
 * `learn` (and `forget`, which drops the record), an observe with another context (which writes
 * its own), the session record evicted or replaced (checked by identity on every use).
 */
interface ContextMemo {
  at: number;
  until: number;
  ip: string;
  ipPrefix: string;
  device: string;
  client: string;
  uaFamily: string;
  platform: string | undefined;
  session: string;
  ipKnown: boolean;
  prefixKnown: boolean;
  deviceKnown: boolean;
  clientKnown: boolean;
  knownDevices: number;
  knownClients: number;
  prefixSince: number;
  deviceSince: number;
  clientSince: number;
  /** The session's key and record (undefined without a session): its fields are the answers. */
  sessionKey: string;
  sessionRecord: SessionRecord | undefined;
}

/** The working-set side of a subject (WorkObservation): kept apart, like Redis keeps its own keys. */
/**
 * A record as the snapshot writes it: every Map field as its entries, whatever fields the record
 * has. Listing them by hand wrote a Map added later as `{}` (JSON of a Map), which the load then
 * refused, dropping the whole snapshot.
 */
function withMapsAsEntries<T extends object>(r: T): { [K in keyof T]: T[K] extends Map<infer A, infer B> ? [A, B][] : T[K] } {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(r)) out[k] = v instanceof Map ? [...v] : v;
  return out as { [K in keyof T]: T[K] extends Map<infer A, infer B> ? [A, B][] : T[K] };
}

interface WorkRecord {
  /** Working set: namespace → last use. */
  namespaces: TimedMap;
  /**
   * First sightings of unknown namespaces (`n:`) and sites (`s:`), and of namespaces learned
   * within ENTERED_KEEP_MS (`e:`, for WorkHistory.entered).
   */
  sightings: TimedMap;
  /** Sensitive objects → last seen, for the pace counter. */
  pace: TimedMap;
  /** The same, for the touches that were not a read of a familiar object: the run's new objects. */
  paceNew: TimedMap;
  /** Known sites → last use. */
  sites: TimedMap;
  /** Proven wider networks → last use. */
  nearby: TimedMap;
  /** Objects read from a proven context → last such read (StoreLimits.familiar). */
  familiar: TimedMap;
  /**
   * Family keys of working-set namespaces (WorkObservation.family) → last learned or used: what
   * covers a lower environment of the same application (WorkHistory.familyKnown). Also the kinds
   * the subject learned (`k:<kind>`, WorkObservation.kind), as the Redis store keeps them with the
   * family keys: one cap, one key, nothing more for a revoke to forget.
   */
  families: TimedMap;
  /**
   * Since when this history has been kept without a break (WorkHistory.historySince), and the
   * last observeWork: a subject away for longer than the known TTL starts again. Absent in
   * snapshots written before it: such a history matures from its load.
   */
  since?: number;
  active?: number;
  lastSite: string;
  lastSiteAt: number;
  /** The latest first sighting the cap on `sightings` dropped (0 none): `entered` is unknown up to it. */
  lost: number;
  /**
   * The last pace run begun afresh: its start (absent: none), whether the run now under way is that run
   * resumed, and what it covered (run-cover.ts); only kept with `paceResume` on. Absent in
   * snapshots written before it: a run answered before then is not resumed (asked again).
   */
  runStart?: number;
  runResumed?: boolean;
  runCover?: string;
  /** The last observeWork's lookup answers, while they cannot change (WorkMemo); never in a snapshot. */
  memo?: WorkMemo | undefined;
}

/**
 * What the last `observeWork` of a subject answered by looking up its namespace, family, kind,
 * site and wider network, kept so that the next observeWork with the same strings answers them
 * again without the lookups, the refresh tests, the sightings' keys and the family's covering keys.
 * What moves on every Check is never kept here: the pace windows and run, the familiar read, the
 * working set's count, `entered`, the last site, the history's start.
 *
 * It is valid while nothing but the clock has moved since it was written (each observeWork that
 * looks up writes its own or none, learnWork drops it, `forget` and eviction drop the record), the
 * clock only up to `until` (the first time a kept answer could change by itself: a known entry's
 * last use falls due for rewriting or expires, a first sighting or a covering family key expires),
 * and only while the sightings are within their cap (a pace run's marks can grow them past it, and
 * the look-up's capWork would then drop one).
 */
interface WorkMemo {
  until: number;
  namespace: string;
  family: string;
  kind: string;
  site: string;
  nearby: string;
  namespaceKnown: boolean;
  namespaceSince: number;
  familyKnown: boolean;
  clusterKnown: boolean;
  kindSince: number;
  siteKnown: boolean;
  siteSince: number;
  nearbyKnown: boolean;
  /**
   * The `v:` sighting read (0 none): only learnWork writes it, and whether it is still within the
   * TTL is asked of the clock on every use, as the look-up asks it (the expired one it would drop
   * answers 0 either way).
   */
  proven: number;
  /** WorkHistory.entered as the look-up that wrote this found it; a kept memo's use counts it again. */
  entered: number;
}

interface SessionRecord {
  /** The last UA family alone. */
  ua: string;
  /** The session's clients, most recent first (session-clients.ts); absent in snapshots written before it. */
  clients?: string;
  at: number;
  /** Network prefix of the session's first use. */
  origin: string;
  /** Time of its first use. */
  start: number;
}

export interface MemoryStoreOptions {
  maxSubjects: number;
  /**
   * Keep the history in this file across restarts (one replica): loaded at start, written every
   * `snapshotIntervalMs` and on close. Absent: memory only.
   */
  snapshotPath?: string | undefined;
  snapshotIntervalMs?: number;
  /** Clock for the snapshot's own timestamp; the data carries the store's (injected) times. */
  now?: () => number;
  /** Told once per problem with the snapshot file (unreadable at start, failed write); must not throw. */
  onSnapshot?: (event: 'loaded' | 'unreadable' | 'write_failed', detail: string) => void;
  /**
   * false: every observe looks its context up afresh (no ContextMemo). Only the differential test
   * (test/unit/state-memo.test.ts) turns it off, to compare the two call for call.
   */
  memo?: boolean;
}

/** Keys folded between two turns of the event loop by a revocation's walk (spellingsOf). */
const SPELLING_SLICE = 8192;

export class MemoryStateStore implements StateStore {
  readonly kind = 'memory' as const;
  /** Every answer is synchronous and no observation is kept (StateStore.answersAtOnce). */
  readonly answersAtOnce: boolean = true;
  readonly approvals: ApprovalStore = new MemoryApprovals();
  readonly challenges: ChallengeStore = new MemoryChallenges();
  readonly consoleSessions: MemoryConsoleSessions;
  readonly control: MemoryControl = new MemoryControl(
    (subject, session) => this.forgetSubject(subject, session),
    (subject) => this.spellingsOf(subject),
    (nowMs) => {
      this.lostAt = nowMs;
      this.unvouched(nowMs);
    },
  );
  private readonly l: LimitsMs;
  private readonly subjects: RecentLru<SubjectRecord>;
  private readonly sessions: RecentLru<SessionRecord>;
  private readonly work: RecentLru<WorkRecord>;
  /**
   * session → its key in `sessions` (with the subject it was built for): the engine passes the
   * same subject and session strings for every Check of a token, so the key is looked up by a
   * string whose hash V8 already keeps instead of being concatenated and hashed again.
   */
  private readonly sessionKeys = new Map<string, { subject: string; key: string }>();
  /** Wider network → its `v:` sighting key (provenKey). */
  private readonly provenKeys = new Map<string, string>();
  /**
   * subject → assurance level (as proveLevel wrote it) → its last proof (ms), for assurance_downgrade (StateStore.proveLevel).
   * Apart from the subject's record: a revocation (forgetSubject) keeps it, since it only ever
   * asks more of the next sign-in, and the Check's observe never touches it.
   */
  private readonly levels: RecentLru<Map<string, number>>;
  /**
   * subject → its last proof of a context (ms), StateStore.provenAt: kept `provenTtlMs` after it,
   * at most `maxSubjects` (least recently proven or read dropped; a drop costs the store its
   * vouching, vouchFrom). About 100 heap bytes a subject (a map entry and a number; the subject
   * string is the one its record is kept under), so 10 MB at the default 100,000 subjects.
   */
  private readonly proven: GrowingLru<string, number>;
  /**
   * From when a subject without a mark is vouched to have proven nothing within the mark lifetime
   * (StateStore.absenceVouched): 0 after a first start with a snapshot (nothing held before);
   * otherwise the mark lifetime after the store last started without its history or lost some.
   * NaN: not known yet (no snapshot: the first time it is asked, at or after this process's start).
   */
  private vouchFrom = Number.NaN;
  /**
   * subject → the largest count per accelerator its allowed writes asked (StateStore.learnAccelerators),
   * and when it last grew or was confirmed. Apart from the subject's record, as `levels` is: a
   * revocation keeps it (it only ever asks less of the owner's next Job, never of anyone else), and
   * the Check's observe never touches it. Not in the snapshot: after a restart every identity has
   * asked none, and its next accelerator write is asked once (docs/risk.md).
   */
  private readonly accelerators: RecentLru<{ at: number; counts: Map<string, number> }>;
  /**
   * subject → its allowed accelerator-asking writes of the last window (StateStore.recordAccelerators),
   * oldest first. Not in the snapshot either: a restart forgets a burst begun before it.
   */
  private readonly recentAccelerators: RecentLru<{ at: number; counts: Readonly<Record<string, number>>; object: string }[]>;
  /** workload → its per-pod accelerators and when they were kept (StateStore.keepWorkloadAccelerators); not in the snapshot. */
  private readonly workloadGpus: RecentLru<{ at: number; counts: Readonly<Record<string, number>> }>;

  /** The limits learnWork applies to the working set's sets, built once rather than per call. */
  private readonly workCap: LimitsMs;
  /** The same for the familiar objects: their own TTL and cap. */
  private readonly familiarCap: LimitsMs;
  private readonly timer: NodeJS.Timeout | undefined;
  /** StateStore.historyLostAt: set when the snapshot could not be read, or carried by the one loaded. */
  private lostAt = 0;

  constructor(
    limits: StoreLimits,
    private readonly options: MemoryStoreOptions,
  ) {
    this.l = limitsMs(limits);
    this.workCap = { ...this.l, maxKnown: this.l.maxWork };
    this.familiarCap = { ...this.l, knownTtlMs: this.l.familiarMs, maxKnown: this.l.maxFamiliar };
    this.subjects = new RecentLru(options.maxSubjects);
    this.sessions = new RecentLru(options.maxSubjects);
    this.work = new RecentLru(options.maxSubjects);
    this.levels = new RecentLru(options.maxSubjects);
    this.proven = new GrowingLru<string, number>(options.maxSubjects, {
      // A mark dropped for room: the subject it held reads as never proven until it would have expired.
      dispose: (at, _subject, reason) => {
        // NaN (not known yet) is no bound: a snapshot's marks dropped while it loads (max_subjects
        // lowered between runs) would otherwise be lost to Math.max(NaN, …) and the load's vouchFrom.
        if (reason === 'evict') this.vouchFrom = Number.isNaN(this.vouchFrom) ? at + this.l.provenTtlMs : Math.max(this.vouchFrom, at + this.l.provenTtlMs);
      },
    });
    this.accelerators = new RecentLru(options.maxSubjects);
    this.recentAccelerators = new RecentLru(options.maxSubjects);
    this.workloadGpus = new RecentLru(options.maxSubjects);
    this.consoleSessions = new MemoryConsoleSessions(options.maxSubjects);
    const path = options.snapshotPath;
    if (path !== undefined) {
      const control = this.control.persistTo(`${path}.control`, (options.now ?? Date.now)(), (detail) => this.options.onSnapshot?.('write_failed', detail));
      this.load(path, control);
      this.timer = setInterval(() => this.save(), options.snapshotIntervalMs ?? 60_000);
      this.timer.unref();
    }
  }

  /** Writes the snapshot now (also done periodically and on close); false when it failed (reported). */
  save(): boolean {
    const path = this.options.snapshotPath;
    if (path === undefined) return false;
    try {
      const subjects: SnapshotData['subjects'] = [];
      // Least recently used first, so loading them in order rebuilds the same recency.
      for (const [k, r] of [...this.subjects.entries()].reverse()) {
        // The memo is a cache of what the record answers, not history: never written.
        const { memo: _memo, ...kept } = r;
        subjects.push([k, withMapsAsEntries(kept)]);
      }
      const sessions: SnapshotData['sessions'] = [...this.sessions.entries()].reverse().map(([k, v]) => [k, { ...v }]);
      const work: NonNullable<SnapshotData['work']> = [...this.work.entries()]
        .reverse()
        .map(([k, { memo: _memo, ...w }]) => [k, withMapsAsEntries(w)]);
      const levels: NonNullable<SnapshotData['levels']> = [...this.levels.entries()].reverse().map(([k, m]) => [k, [...m.entries()]]);
      const writtenAt = (this.options.now ?? Date.now)();
      const lost = this.historyLostAt(writtenAt);
      const consoleSessions = this.consoleSessions.dump();
      const proven: NonNullable<SnapshotData['proven']> = [...this.proven.entries()].reverse();
      const vouchFrom = Number.isNaN(this.vouchFrom) ? writtenAt + this.l.provenTtlMs : this.vouchFrom;
      writeSnapshot(path, { version: SNAPSHOT_VERSION, writtenAt, subjects, sessions, work, levels, consoleSessions, proven, vouchFrom, ...(lost > 0 ? { historyLost: lost } : {}) });
      return true;
    } catch (err) {
      this.options.onSnapshot?.('write_failed', `${path}: ${(err as Error).message}`);
      return false;
    }
  }

  /** `control`: `<path>.control` was there, so this is no first start (MemoryControl.persistTo). */
  private load(path: string, control: boolean): void {
    let data: SnapshotData | undefined;
    try {
      data = readSnapshot(path);
      // The control file is written only at a change, the snapshot every interval and at
      // shutdown: one without the other is a snapshot that went away (deleted, a volume not
      // mounted), a history lost, not a first start.
      if (data === undefined && control) throw new Error(`missing, while ${path}.control is there`);
      // A first start: nothing was held before, so no subject can have been forgotten.
      if (data === undefined) {
        this.vouchFrom = 0;
        return;
      }
      const subjects: [string, SubjectRecord][] = data.subjects.map(([k, r]) => [
        str(k),
        {
          seenAt: optionalNumber(r.seenAt),
          requests: bucket(r.requests),
          sensitive: bucket(r.sensitive),
          denials: bucket(r.denials),
          ips: entries(r.ips),
          prefixes: entries(r.prefixes),
          devices: entries(r.devices),
          namespaces: entries(r.namespaces),
          clients: entries(r.clients),
          sightings: entries(r.sightings),
          objects: entries(r.objects),
          destructive: bucket(r.destructive),
          behaviourSince: optionalNumber(r.behaviourSince),
        },
      ]);
      const sessions: [string, SessionRecord][] = data.sessions.map(([k, v]) => [str(k), { ua: str(v.ua), clients: v.clients === undefined ? '' : str(v.clients), at: num(v.at), origin: str(v.origin), start: num(v.start) }]);
      const writtenAt = num(data.writtenAt);
      // Snapshots written before the working set existed have none: it is then learned afresh.
      const work: [string, WorkRecord][] = (data.work ?? []).map(([k, w]) => [
        str(k),
        {
          namespaces: entries(w.namespaces),
          sightings: entries(w.sightings),
          pace: entries(w.pace),
          // Written before it was kept: every object in the window counts as new.
          paceNew: w.paceNew === undefined ? entries(w.pace) : entries(w.paceNew),
          sites: entries(w.sites),
          nearby: w.nearby === undefined ? new TimedMap() : entries(w.nearby),
          // Written before objects could be familiar: none is, so every read is new.
          familiar: w.familiar === undefined ? new TimedMap() : entries(w.familiar),
          // Written before families were kept: a known namespace's is written again at its next use.
          families: w.families === undefined ? new TimedMap() : entries(w.families),
          ...(w.since === undefined ? {} : { since: num(w.since), active: num(w.active) }),
          lastSite: str(w.lastSite),
          lastSiteAt: num(w.lastSiteAt),
          // Written before learned namespaces kept their first sightings (`e:`): what was learned
          // before the snapshot cannot be counted, so a login from before it gets no grace.
          lost: w.lost === undefined ? writtenAt : num(w.lost),
          ...(w.runStart === undefined ? {} : { runStart: num(w.runStart), runResumed: w.runResumed === true, runCover: str(w.runCover) }),
        },
      ]);
      // Written before levels were kept: none is known, and a weaker sign-in from a new place is
      // not told apart until the identity's next allow proves its level again.
      // A rank (a number) was written before levels were kept by name: kept as its text, which the
      // risk engine reads as the rank it was (RiskEngine.rankOfProven).
      const levels: [string, Map<string, number>][] = (data.levels ?? []).map(([k, m]) => {
        if (!Array.isArray(m)) throw new Error('a subject\'s levels are not a list');
        return [str(k), new Map(m.map((e) => {
          const ok = Array.isArray(e) && ((Number.isInteger(e[0]) && (e[0] as number) >= 0) || (typeof e[0] === 'string' && e[0] !== ''));
          if (!ok) throw new Error('a level entry is malformed');
          return [String(e[0]), num(e[1])] as [string, number];
        }))];
      });
      // Written before the bindings were kept: none is, and a console cookie belongs to whoever
      // presents it first after the restart, as before.
      const consoleSessions = (data.consoleSessions ?? []).map(consoleBinding);
      const proven = (data.proven ?? []).map(([k, at]) => [str(k), num(at)] as const);
      // Written before marks were kept: none is held from before this load, so the subjects idle
      // past the known TTL by then are told from newcomers only a mark lifetime later.
      const vouchFrom = data.vouchFrom === undefined ? wholeMs((this.options.now ?? Date.now)()) + this.l.provenTtlMs : num(data.vouchFrom);
      for (const [k, r] of subjects) this.subjects.set(k, r);
      for (const [k, v] of sessions) this.sessions.set(k, v);
      for (const [k, w] of work) this.work.set(k, w);
      for (const [k, m] of levels) this.levels.set(k, m);
      this.consoleSessions.restore(consoleSessions);
      for (const [k, at] of proven) this.proven.set(k, at);
      this.vouchFrom = Math.max(vouchFrom, Number.isNaN(this.vouchFrom) ? 0 : this.vouchFrom);
      // A loss found by an earlier run still stands for the sign-ins made before it.
      if (data.historyLost !== undefined) this.lostAt = num(data.historyLost);
      this.options.onSnapshot?.('loaded', `${path}: ${subjects.length} subjects, written ${new Date(data.writtenAt).toISOString()}`);
    } catch (err) {
      // Fail safe: start with no history (every place new), and say so.
      this.subjects.clear();
      this.sessions.clear();
      this.work.clear();
      this.levels.clear();
      this.consoleSessions.clear();
      this.proven.clear();
      this.vouchFrom = Number.NaN;
      this.unvouched((this.options.now ?? Date.now)());
      // A file that is there but cannot be read held a history: this is a loss, not a first start
      // (a missing file is one), and the newcomer allowance must not take every subject as new.
      this.lostAt = (this.options.now ?? Date.now)();
      this.options.onSnapshot?.('unreadable', `${path}: ${(err as Error).message}; starting with no history (state_history_lost: no sign-in made before now gets the newcomer allowance)`);
    }
  }

  historyLostAt(nowMs: number): number {
    return lossStands(this.lostAt, nowMs, this.l.knownTtlMs) ? this.lostAt : 0;
  }

  provenAt(subject: string, nowMs: number): number {
    const at = this.proven.get(subject);
    return at !== undefined && at > wholeMs(nowMs) - this.l.provenTtlMs ? at : 0;
  }

  absenceVouched(nowMs: number): boolean {
    // Without a snapshot this process's memory is all there is: it began no later than now.
    if (Number.isNaN(this.vouchFrom)) this.unvouched(nowMs);
    return nowMs >= this.vouchFrom;
  }

  /** The store holds no marks from before `nowMs`: no absence is vouched for a mark lifetime. */
  private unvouched(nowMs: number): void {
    const from = wholeMs(nowMs) + this.l.provenTtlMs;
    this.vouchFrom = Number.isNaN(this.vouchFrom) ? from : Math.max(this.vouchFrom, from);
  }

  observe(o: Observation, into?: SubjectHistory): SubjectHistory {
    const l = this.l;
    const now = wholeMs(o.nowMs);
    const rec = this.record(o.subject);
    const firstSeen = rec.seenAt === undefined || rec.seenAt <= now - l.knownTtlMs;
    const client = o.client ?? '';
    // Expired sightings are dropped on every observe, kept context or not: the record (and its
    // snapshot) holds what it would hold without the memo.
    dropUpTo(rec.sightings, now - l.knownTtlMs);
    const m = rec.memo;
    const c =
      m !== undefined && now >= m.at && now < m.until && m.ip === o.ip && m.ipPrefix === o.ipPrefix && m.device === o.device && m.client === client && m.uaFamily === o.uaFamily && m.platform === o.platform && m.session === o.session && this.sessionKept(m, now)
        ? m
        : this.context(rec, o, client, now);

    const inc = o.counted === false ? 0 : 1;
    const requests = slide(rec.requests, now, l.requestsMs, inc);
    const sensitive = slide(rec.sensitive, now, l.sensitiveMs, o.sensitive ? inc : 0);
    const denials = slide(rec.denials, now, l.denialsMs, 0);
    const namespaces = countNamespace(rec.namespaces, inc ? o.namespace : '', now, l.namespacesMs, l.maxNamespaces);
    const objects = countNamespace(rec.objects, inc ? (o.object ?? '') : '', now, l.objectsMs, l.maxObjects);
    const destructive = slide(rec.destructive, now, l.destructiveMs, o.destructive ? inc : 0);
    if (objects > l.objectsThreshold || destructive > l.destructiveThreshold) rec.behaviourSince ??= now;
    else rec.behaviourSince = undefined;
    rec.seenAt = now;

    const s = c.sessionRecord;
    // Written into the caller's answer object when it gives one (the risk engine's, reused by
    // every Check): ~300 heap bytes a Check less (perf47). Every field is written.
    const h = into ?? blankHistory();
    // The proven mark kept alive by use while a device or client kind is proven (the Redis store
    // does it with its keys' renewal): one working only from known contexts learns nothing new.
    if ((c.knownDevices > 0 || c.knownClients > 0) && (rec.markedAt === undefined || rec.markedAt > now || rec.markedAt <= now - l.knownRefreshMs)) {
      rec.markedAt = now;
      if ((this.proven.get(o.subject) ?? -Infinity) < now) this.proven.set(o.subject, now);
    }
    h.firstSeen = firstSeen;
    h.ipKnown = c.ipKnown;
    h.prefixKnown = c.prefixKnown;
    h.deviceKnown = c.deviceKnown;
    h.knownDevices = c.knownDevices;
    h.previousUaFamily = s === undefined ? '' : s.ua;
    h.sessionClients = s === undefined ? '' : s.clients!;
    h.requests = requests;
    h.sensitive = sensitive;
    h.denials = denials;
    h.namespaces = namespaces;
    h.clientKnown = c.clientKnown;
    h.knownClients = c.knownClients;
    h.prefixSince = c.prefixSince;
    h.deviceSince = c.deviceSince;
    h.clientSince = c.clientSince;
    h.sessionOrigin = s === undefined ? '' : s.origin;
    h.sessionStart = s === undefined ? now : s.start;
    h.objects = objects;
    h.destructive = destructive;
    h.behaviourSince = rec.behaviourSince ?? 0;
    return h;
  }

  /**
   * A kept context's session still answers as a fresh look-up would, and that look-up would write
   * nothing: the record is the one the key finds (the look-up also keeps the LRU's order, as
   * observe always has), unexpired, and its last use not due for rewriting.
   */
  private sessionKept(m: ContextMemo, now: number): boolean {
    const s = m.sessionRecord;
    if (m.session === '') return true;
    return s !== undefined && this.sessions.get(m.sessionKey) === s && now >= s.at && now - s.at < this.l.sessionRefreshMs && s.at > now - this.l.sessionTtlMs;
  }

  /**
   * The context half of observe, looked up: the known sets (a use of a known entry written when
   * due), first sightings and the session. The answer's `sessionRecord` is the session as this
   * request reads it, before its own writes (undefined without a session); the memo kept for the
   * next observe holds the live record instead, which that observe reads as it is (ContextMemo).
   */
  private context(rec: SubjectRecord, o: Observation, client: string, now: number): ContextMemo {
    const l = this.l;
    // Use keeps a known entry alive: the TTL runs from last use (written when due), not from learning.
    const ipKnown = usedIfKnown(rec.ips, o.ip, now, l.knownTtlMs, l.knownRefreshMs);
    const prefixKnown = usedIfKnown(rec.prefixes, o.ipPrefix, now, l.knownTtlMs, l.knownRefreshMs);
    const deviceKnown = usedIfKnown(rec.devices, o.device, now, l.knownTtlMs, l.knownRefreshMs);
    const clientKnown = usedIfKnown(rec.clients, client, now, l.knownTtlMs, l.knownRefreshMs);
    const knownDevices = countLive(rec.devices, now - l.knownTtlMs);
    const knownClients = countLive(rec.clients, now - l.knownTtlMs);
    const prefixSince = prefixKnown ? 0 : sighting(rec.sightings, 'p:', o.ipPrefix, now, l.maxSightings);
    const deviceSince = deviceKnown ? 0 : sighting(rec.sightings, 'd:', o.device, now, l.maxSightings);
    const clientSince = clientKnown ? 0 : sighting(rec.sightings, 'c:', client, now, l.maxSightings);

    // The session as this request reads it (before its own writes), and its record after them.
    let sessionKey = '';
    let live: SessionRecord | undefined;
    let read: SessionRecord | undefined;
    if (o.session !== '') {
      sessionKey = this.sessionKey(o.subject, o.session);
      live = this.sessions.get(sessionKey);
      if (live && live.at > now - l.sessionTtlMs) {
        read = { ua: live.ua, clients: sessionClientsRead(live.clients ?? '', live.ua), at: live.at, origin: live.origin, start: live.start };
        if (now < live.at || now - live.at >= l.sessionRefreshMs) live.at = now;
        if (o.uaFamily !== '') {
          live.ua = o.uaFamily;
          live.clients = ledBy(read.clients!, o) ? read.clients : sessionClientsWith(read.clients!, clientToken(o));
        }
      } else {
        read = { ua: '', clients: '', at: now, origin: '', start: now };
        live = { ua: o.uaFamily, clients: clientToken(o), at: now, origin: o.ipPrefix, start: now };
        this.sessions.set(sessionKey, live);
      }
    }
    const answer: ContextMemo = {
      at: now,
      until: now,
      ip: o.ip,
      ipPrefix: o.ipPrefix,
      device: o.device,
      client,
      uaFamily: o.uaFamily,
      platform: o.platform,
      session: o.session,
      ipKnown,
      prefixKnown,
      deviceKnown,
      clientKnown,
      knownDevices,
      knownClients,
      prefixSince,
      deviceSince,
      clientSince,
      sessionKey,
      sessionRecord: read,
    };
    if (this.options.memo === false) return answer;
    const until = Math.min(
      keptUntil(rec.ips, o.ip, ipKnown, now, l),
      keptUntil(rec.prefixes, o.ipPrefix, prefixKnown, now, l),
      keptUntil(rec.devices, o.device, deviceKnown, now, l),
      keptUntil(rec.clients, client, clientKnown, now, l),
      sightingUntil(rec.sightings, 'p:', o.ipPrefix, prefixSince, l),
      sightingUntil(rec.sightings, 'd:', o.device, deviceSince, l),
      sightingUntil(rec.sightings, 'c:', client, clientSince, l),
      // The counts change when their oldest live member expires (the floor is a lower bound of it).
      rec.devices.floor + l.knownTtlMs,
      rec.clients.floor + l.knownTtlMs,
    );
    // The next look-up of the session reads what this one wrote; kept only when it would write
    // nothing more: its list already reads as written and is led by this client (or no family).
    const sessionStable = live === undefined || (live.clients !== undefined && live.clients === sessionClientsRead(live.clients, live.ua) && (o.uaFamily === '' || ledBy(live.clients, o)));
    rec.memo = until > now && sessionStable ? { ...answer, until, sessionRecord: live } : undefined;
    return answer;
  }

  learn(subject: string, ip: string, ipPrefix: string, device: string, nowMs: number, client = ''): void {
    const now = wholeMs(nowMs);
    const rec = this.record(subject);
    rec.memo = undefined;
    learn(rec.ips, ip, now, this.l);
    learn(rec.prefixes, ipPrefix, now, this.l);
    learn(rec.devices, device, now, this.l);
    learn(rec.clients, client, now, this.l);
    if ((ip !== '' || ipPrefix !== '' || device !== '' || client !== '') && (this.proven.get(subject) ?? -Infinity) < now) this.proven.set(subject, now);
  }

  provenLevels(subject: string, nowMs: number): readonly string[] {
    const m = this.levels.get(subject);
    if (m === undefined) return NO_LEVELS;
    const floor = wholeMs(nowMs) - this.l.knownTtlMs;
    const out: string[] = [];
    for (const [level, at] of m) if (at > floor) out.push(level);
    return out;
  }

  proveLevel(subject: string, level: string, nowMs: number): void {
    let m = this.levels.get(subject);
    if (m === undefined) this.levels.set(subject, (m = new Map<string, number>()));
    const now = wholeMs(nowMs);
    if ((m.get(level) ?? -Infinity) < now) m.set(level, now);
  }

  acceleratorsAsked(subject: string, nowMs: number): Readonly<Record<string, number>> {
    const r = this.accelerators.get(subject);
    if (r === undefined || r.at <= wholeMs(nowMs) - this.l.knownTtlMs) return NO_ACCELERATORS;
    return Object.fromEntries(r.counts);
  }

  acceleratorsRecent(subject: string, nowMs: number, windowMs: number, object = ''): Readonly<Record<string, number>> {
    const list = this.recentAccelerators.get(subject);
    if (list === undefined) return NO_ACCELERATORS;
    const from = wholeMs(nowMs) - windowMs;
    const out: Record<string, number> = {};
    for (const w of list) {
      if (w.at <= from || (object !== '' && w.object === object)) continue;
      for (const name in w.counts) out[name] = Math.min(MAX_ACCELERATOR_COUNT, (out[name] ?? 0) + w.counts[name]!);
    }
    return out;
  }

  recordAccelerators(subject: string, asked: Readonly<Record<string, number>>, nowMs: number, windowMs: number, object = ''): void {
    const now = wholeMs(nowMs);
    let list = this.recentAccelerators.get(subject);
    if (list === undefined) this.recentAccelerators.set(subject, (list = []));
    // The object's earlier write in the window is replaced by this one.
    if (object !== '') {
      const at = list.findIndex((w) => w.object === object);
      if (at >= 0) list.splice(at, 1);
    }
    // What left the window goes, then the oldest beyond the bound: 256 writes of at least one
    // accelerator each have summed far above any identity's largest before the bound is reached.
    let drop = 0;
    while (drop < list.length && list[drop]!.at <= now - windowMs) drop++;
    if (list.length - drop >= MAX_RECENT_ACCELERATOR_WRITES) drop = list.length - MAX_RECENT_ACCELERATOR_WRITES + 1;
    if (drop > 0) list.splice(0, drop);
    list.push({ at: now, counts: { ...asked }, object });
  }

  workloadAccelerators(workload: string, nowMs: number): Readonly<Record<string, number>> | undefined {
    const r = this.workloadGpus.get(workload);
    return r === undefined || r.at <= wholeMs(nowMs) - this.l.knownTtlMs ? undefined : r.counts;
  }

  keepWorkloadAccelerators(workload: string, counts: Readonly<Record<string, number>>, nowMs: number): void {
    this.workloadGpus.set(workload, { at: wholeMs(nowMs), counts: { ...counts } });
  }

  learnAccelerators(subject: string, asked: Readonly<Record<string, number>>, nowMs: number): void {
    const now = wholeMs(nowMs);
    let r = this.accelerators.get(subject);
    // Forgotten a known TTL after the last write, as the Redis key expires.
    if (r === undefined || r.at <= now - this.l.knownTtlMs) this.accelerators.set(subject, (r = { at: now, counts: new Map<string, number>() }));
    r.at = Math.max(r.at, now);
    for (const name in asked) {
      const n = asked[name]!;
      if (n > (r.counts.get(name) ?? 0)) r.counts.set(name, n);
    }
    // The smallest counts go first (the Redis store's ZREMRANGEBYRANK): what is forgotten asks more.
    if (r.counts.size > MAX_ACCELERATOR_NAMES) {
      const kept = [...r.counts].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? 1 : a[0] > b[0] ? -1 : 0)).slice(0, MAX_ACCELERATOR_NAMES);
      r.counts = new Map(kept);
    }
  }

  observeWork(w: WorkObservation, into?: WorkHistory): WorkHistory {
    const l = this.l;
    const now = wholeMs(w.nowMs);
    const rec = this.workRecord(w.subject);
    const ttl = l.knownTtlMs;
    dropUpTo(rec.sightings, now - ttl);
    // A subject away for longer than the known TTL starts again; its last use is written when due,
    // as the Redis store writes it.
    if (rec.since === undefined || rec.active === undefined || rec.active <= now - ttl) rec.since = rec.active = now;
    else if (rec.active <= now - l.knownRefreshMs) rec.active = now;
    const ns = w.namespace;
    const fam = w.family ?? '';
    const kind = w.kind ?? '';
    const m = rec.memo;
    let c: WorkMemo;
    let entered: number;
    // Within the cap, the look-up's capWork would drop nothing: `entered` reads what it would. A
    // clock gone back needs no test of its own: every kept answer changes only once the clock
    // reaches a time after the look-up's (the `until`), never by going back.
    if (m !== undefined && now < m.until && rec.sightings.size <= l.maxWork && m.namespace === ns && m.family === fam && m.kind === kind && m.site === w.site && m.nearby === w.nearby) {
      c = m;
      entered = enteredBefore(rec, ns, c.namespaceSince, wholeMs(w.auth ?? 0), now, ttl);
    } else {
      c = this.workContext(rec, w, ns, fam, kind, now);
      entered = c.entered;
    }
    // Every object touched is in the window, as before familiarity; a run of nothing but reads of
    // familiar objects counts none of them, and one new object in the window counts them all.
    const familiar = w.read === true && w.object !== '' && l.familiarMs > 0 ? liveAt(rec.familiar, w.object, now, l.familiarMs) : 0;
    const all = countNamespace(rec.pace, w.object, now, l.paceMs, l.maxObjects);
    // An empty window has no object to record (Redis then skips the second set's command too).
    const pace = all === 0 || l.familiarMs === 0 || countNamespace(rec.paceNew, familiar > 0 ? '' : w.object, now, l.paceMs, l.maxObjects) > 0 ? all : 0;
    // A run's start is kept while it lasts ('q:'). A run answered by a sign-in after it began
    // leaves its start ('qr') and when it was last answered ('qa'): one that resumes within
    // paceResumeMs of that is the same run, so the loop the engineer signed in for goes on after
    // the sign-in instead of starting a run the sign-in is older than (docs/risk.md, machine_pace).
    // A run resumes only within what it covered (run-cover.ts): an object outside it begins a run of
    // its own there, which the earlier sign-in does not answer.
    let paceSince = 0;
    const auth = w.auth ?? 0;
    if (pace > l.paceThreshold) {
      let start = rec.sightings.get('q:');
      if (start === undefined) {
        const answered = rec.sightings.get('qa');
        const from = rec.sightings.get('qr');
        if (answered !== undefined && answered > now - l.paceResumeMs && from !== undefined && rec.runStart === from && covered(rec.runCover ?? EMPTY_COVER, w.object)) {
          start = from;
          rec.runResumed = true;
        } else start = this.runBegins(rec, now);
        rec.sightings.set('q:', start);
      } else if (l.paceResumeMs > 0 && rec.runStart === start) {
        if (rec.runResumed !== true) rec.runCover = coverWith(rec.runCover ?? EMPTY_COVER, w.object);
        else if (!covered(rec.runCover ?? EMPTY_COVER, w.object)) {
          start = this.runBegins(rec, now);
          rec.sightings.set('q:', start);
        }
      }
      paceSince = start;
      if (l.paceResumeMs > 0 && answeredRun(auth, start)) {
        rec.sightings.set('qr', start);
        rec.sightings.set('qa', now);
      }
    } else if (rec.sightings.size > 0) {
      const start = rec.sightings.get('q:');
      if (start !== undefined) {
        // The first request after the run (the retry after the sign-in) answers it, if it comes
        // soon enough for the run to be resumed at all.
        if (answeredRun(auth, start) && start > now - l.paceResumeMs) {
          rec.sightings.set('qr', start);
          rec.sightings.set('qa', now);
        }
        rec.sightings.delete('q:');
      }
    }
    const live = rec.lastSiteAt > now - ttl;
    const provenAt = c.proven;
    // Into the caller's answer object when given, as observe (every field written).
    const h = into ?? blankWork();
    h.namespaceKnown = c.namespaceKnown;
    h.namespaceSince = c.namespaceSince;
    h.workingSet = countLive(rec.namespaces, now - ttl);
    h.pace = pace;
    h.paceSince = paceSince;
    h.siteKnown = c.siteKnown;
    h.lastSite = live ? rec.lastSite : '';
    h.lastSiteAt = live ? rec.lastSiteAt : 0;
    h.siteSince = c.siteSince;
    h.nearbyKnown = c.nearbyKnown;
    h.nearbyProvenAt = provenAt > now - ttl ? provenAt : 0;
    h.entered = entered;
    h.familiar = familiar;
    h.familyKnown = c.familyKnown;
    h.clusterKnown = c.clusterKnown;
    h.kindSince = c.kindSince;
    h.historySince = rec.since;
    return h;
  }

  /**
   * A pace run begun at `now`, not resumed: with `paceResume` on, its cover starts as the objects
   * in the pace window, oldest first (the Redis store reads them in the same order).
   */
  private runBegins(rec: WorkRecord, now: number): number {
    const l = this.l;
    if (l.paceResumeMs === 0) return now;
    const live: [string, number][] = [];
    for (const [m, t] of rec.pace) if (t > now - l.paceMs) live.push([m, t]);
    live.sort((a, b) => a[1] - b[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
    let cover = EMPTY_COVER;
    for (const [m] of live) cover = coverWith(cover, m);
    rec.runStart = now;
    rec.runResumed = false;
    rec.runCover = cover;
    return now;
  }

  /**
   * The look-up half of observeWork: the namespace, family, kind, site and wider network (a use of
   * a known one written when due, first sightings recorded, the sightings capped). Keeps what it
   * answered as the record's WorkMemo when no clock-driven change is due before a later Check.
   */
  private workContext(rec: WorkRecord, w: WorkObservation, ns: string, fam: string, kind: string, now: number): WorkMemo {
    const l = this.l;
    const ttl = l.knownTtlMs;
    const nsUse = used(rec.namespaces, ns, now, ttl, l.knownRefreshMs);
    const namespaceKnown = nsUse !== NOT_KNOWN;
    const namespaceSince = namespaceKnown ? 0 : sighting(rec.sightings, 'n:', ns, now, Infinity);
    capWork(rec, l.maxWork);
    // Between the two caps, as it always was: the second can drop a sighting it counts.
    const entered = enteredBefore(rec, ns, namespaceSince, wholeMs(w.auth ?? 0), now, ttl);
    let familyKnown = false;
    // Until when familyKnown holds: the earliest expiry of a covering key found known.
    let familyUntil = Infinity;
    if (fam !== '') {
      // A known namespace keeps its family alive as it is used: written whenever the namespace's
      // own last use is (no write of its own on the Checks between), so that a working set learned
      // before families were kept, or longer ago than the known TTL and still in use, covers its
      // lower environments too.
      if (nsUse === WRITTEN) {
        if (vouches(fam)) learn(rec.families, canonicalKey(fam), now, this.workCap);
      } else if (!namespaceKnown)
        for (const k of coveringKeys(fam))
          if (isKnown(rec.families, k, now, ttl)) {
            familyKnown = true;
            familyUntil = Math.min(familyUntil, rec.families.get(k)! + ttl);
          }
    }
    // The namespace's cluster (store.ts clusterMarker; '' without kubernetes.clusters: nothing read
    // or written): its marker is kept alive with a known name of it, as the family key is, and
    // looked up for an unknown one (WorkHistory.clusterKnown).
    const mark = clusterMarker(ns);
    let clusterKnown = true;
    let clusterUntil = Infinity;
    if (mark !== '') {
      if (nsUse === WRITTEN) learn(rec.families, mark, now, this.workCap);
      else if (!namespaceKnown) {
        clusterKnown = isKnown(rec.families, mark, now, ttl);
        if (clusterKnown) clusterUntil = rec.families.get(mark)! + ttl;
      }
    }
    // A kind is kept alive as it is used, like a namespace of the working set (the same set as the
    // family keys, `k:`, which no family key begins with).
    const kindKey = kind === '' ? '' : `k:${kind}`;
    const kindKnown = kind !== '' && used(rec.families, kindKey, now, ttl, l.knownRefreshMs) !== NOT_KNOWN;
    const kindSince = kind === '' || kindKnown ? 0 : sighting(rec.sightings, 'k:', kind, now, Infinity);
    const siteKnown = isKnown(rec.sites, w.site, now, ttl);
    const siteSince = siteKnown ? 0 : sighting(rec.sightings, 's:', w.site, now, Infinity);
    capWork(rec, l.maxWork);
    const nearbyKnown = usedIfKnown(rec.nearby, w.nearby, now, ttl, l.knownRefreshMs);
    const proven = nearbyKnown || w.nearby === '' ? 0 : (rec.sightings.get(this.provenKey(w.nearby)) ?? 0);
    const answer: WorkMemo = {
      until: now,
      namespace: ns,
      family: fam,
      kind,
      site: w.site,
      nearby: w.nearby,
      namespaceKnown,
      namespaceSince,
      familyKnown,
      clusterKnown,
      kindSince,
      siteKnown,
      siteSince,
      nearbyKnown,
      proven,
      entered,
    };
    if (this.options.memo === false) return answer;
    const until = Math.min(
      // A use that wrote the namespace (and its family key) leaves it the newest: the next is not due.
      keptUntil(rec.namespaces, ns, namespaceKnown, now, l),
      keptUntil(rec.families, kindKey, kindKnown, now, l),
      familyUntil,
      clusterUntil,
      siteKnown ? rec.sites.get(w.site)! + ttl : Infinity,
      keptUntil(rec.nearby, w.nearby, nearbyKnown, now, l),
      sightingUntil(rec.sightings, 'n:', ns, namespaceSince, l),
      sightingUntil(rec.sightings, 'k:', kind, kindSince, l),
      sightingUntil(rec.sightings, 's:', w.site, siteSince, l),
    );
    rec.memo = until > now ? { ...answer, until } : undefined;
    return answer;
  }

  learnWork(subject: string, namespace: string, site: string, nowMs: number, nearby = '', network = '', minNetworks = 1, object = '', proof = true, family = '', kind = ''): void {
    const now = wholeMs(nowMs);
    const rec = this.workRecord(subject);
    rec.memo = undefined;
    const cap = this.workCap;
    if (kind !== '') {
      learn(rec.families, `k:${kind}`, now, cap);
      rec.sightings.delete(`k:${kind}`);
    }
    if (object !== '' && this.l.familiarMs > 0) learn(rec.familiar, object, now, this.familiarCap);
    if (namespace !== '') {
      learn(rec.namespaces, namespace, now, cap);
      // Its first sighting is kept as `e:` for a day (WorkHistory.entered), then dropped.
      const at = rec.sightings.get(`n:${namespace}`);
      rec.sightings.delete(`n:${namespace}`);
      for (const [m, t] of rec.sightings) if (m.startsWith('e:') && t <= now - ENTERED_KEEP_MS) rec.sightings.delete(m);
      if (at !== undefined && at > now - ENTERED_KEEP_MS) rec.sightings.set(`e:${namespace}`, at);
      if (vouches(family)) learn(rec.families, canonicalKey(family), now, cap);
      // The name's cluster has been worked in (WorkHistory.clusterKnown); '' without clusters.
      learn(rec.families, clusterMarker(namespace), now, cap);
    }
    if (site !== '') {
      learn(rec.sites, site, now, cap);
      rec.sightings.delete(`s:${site}`);
      rec.lastSite = site;
      rec.lastSiteAt = now;
    }
    if (nearby === '') return;
    if (minNetworks <= 1 || network === '' || isKnown(rec.nearby, nearby, now, this.l.knownTtlMs)) {
      learn(rec.nearby, nearby, now, cap);
      return;
    }
    // Evidence that the subject moves inside the wider network: each proven network in it is kept
    // as a sighting `p:<nearby>|<network>` until enough distinct ones make the wider network known.
    const tag = `p:${nearby}|`;
    let others = 0;
    for (const [m, at] of rec.sightings) if (m.startsWith(tag) && m !== tag + network && at > now - this.l.knownTtlMs) others++;
    if (others + 1 >= minNetworks) {
      learn(rec.nearby, nearby, now, cap);
      for (const m of [...rec.sightings.keys()]) if (m.startsWith(tag)) rec.sightings.delete(m);
      return;
    }
    rec.sightings.set(tag + network, now);
    // The latest proof made by a sign-in inside the wider network (the Redis script keeps the same
    // member); a network known before, used again, is no such proof (Learnable.proof).
    if (proof) rec.sightings.set(this.provenKey(nearby), now);
    capWork(rec, this.l.maxWork);
  }

  recordDenial(subject: string, nowMs: number): void {
    slide(this.record(subject).denials, wholeMs(nowMs), this.l.denialsMs, 1);
  }

  /**
   * Every subject key held (a record or a working set) that folds like `subject` (keys.ts
   * foldedSubjectKey), `subject` itself included. A walk over at most twice `maxSubjects` keys, a
   * revocation's and never a Check's: the keys are listed at once (the longest hold of the event
   * loop: about 90-130 ms for 2 x 100,000 keys on a loaded 2-core machine, session 51), then folded
   * a slice at a time with the event loop let go between slices.
   */
  private async spellingsOf(subject: string): Promise<string[]> {
    const folded = foldedSubjectKey(subject);
    const cut = subject.indexOf('\n');
    const issuer = cut < 0 ? '' : subject.slice(0, cut + 1);
    const keys: string[] = [];
    // Folding never shortens a string (String.prototype.toLowerCase only ever maps one code unit to
    // one or two), so a key longer than the folded one is none of its spellings.
    for (const held of [this.subjects, this.work]) for (const [key] of held.entries()) if (key.length <= folded.length && key.startsWith(issuer)) keys.push(key);
    const out = new Set<string>([subject]);
    for (let i = 0; i < keys.length; i++) {
      if (i > 0 && i % SPELLING_SLICE === 0) await new Promise((resolve) => setImmediate(resolve));
      const key = keys[i]!;
      if (!out.has(key) && foldedSubjectKey(key) === folded) out.add(key);
    }
    return [...out];
  }

  private forgetSubject(subject: string, session: string): void {
    this.subjects.delete(subject);
    // The working set, sites, wider networks and familiar objects are what was learnt too: kept,
    // a revoked identity's attacker would come back to the namespaces and networks it taught.
    this.work.delete(subject);
    if (session !== '') this.sessions.delete(this.sessionKey(subject, session));
  }

  /**
   * `v:<nearby>`, the sighting of the latest proof inside a wider network, as one string per wider
   * network: observeWork looks it up on every Check from a network whose wider one is not known
   * (everyone on a single network with `min_networks` 2, the default), and a concatenation there
   * was a new string to flatten and hash each time. The engine hands the same `nearby` string for
   * every Check from an address (its place cache), so this lookup hashes nothing new.
   */
  private provenKey(nearby: string): string {
    let key = this.provenKeys.get(nearby);
    if (key === undefined) {
      if (this.provenKeys.size >= 4096) this.provenKeys.clear();
      key = `v:${nearby}`;
      this.provenKeys.set(nearby, key);
    }
    return key;
  }

  private sessionKey(subject: string, session: string): string {
    const hit = this.sessionKeys.get(session);
    if (hit !== undefined && hit.subject === subject) return hit.key;
    // Length-prefixed, so no choice of subject and session can collide with another pair.
    const key = `${subject.length}:${subject}${session}`;
    if (this.sessionKeys.size >= 4096) this.sessionKeys.clear();
    this.sessionKeys.set(session, { subject, key });
    return key;
  }

  async close(): Promise<void> {
    if (this.timer !== undefined) clearInterval(this.timer);
    this.save();
    this.subjects.clear();
    this.sessions.clear();
    this.work.clear();
  }

  private workRecord(subject: string): WorkRecord {
    let rec = this.work.get(subject);
    if (!rec) {
      rec = { namespaces: new TimedMap(), sightings: new TimedMap(), pace: new TimedMap(), paceNew: new TimedMap(), sites: new TimedMap(), nearby: new TimedMap(), familiar: new TimedMap(), families: new TimedMap(), lastSite: '', lastSiteAt: 0, lost: 0 };
      this.work.set(subject, rec);
    }
    return rec;
  }

  private record(subject: string): SubjectRecord {
    let rec = this.subjects.get(subject);
    if (!rec) {
      rec = {
        seenAt: undefined,
        requests: emptyBucket(),
        sensitive: emptyBucket(),
        denials: emptyBucket(),
        ips: new TimedMap(),
        prefixes: new TimedMap(),
        devices: new TimedMap(),
        namespaces: new TimedMap(),
        clients: new TimedMap(),
        sightings: new TimedMap(),
        objects: new TimedMap(),
        destructive: emptyBucket(),
        behaviourSince: undefined,
      };
      this.subjects.set(subject, rec);
    }
    return rec;
  }
}

/**
 * The first sighting of an unknown part: recorded now unless already there (expired ones were
 * dropped by the caller). Past the cap the oldest sighting goes: re-seen later, it gets a later
 * time, which can only make the requirement stricter.
 */
function sighting(set: Map<string, number>, kind: string, member: string, now: number, cap: number): number {
  if (member === '') return 0;
  const key = kind + member;
  const at = set.get(key);
  if (at !== undefined) return at;
  set.set(key, now);
  while (set.size > cap) set.delete(oldest(set)!);
  return now;
}

/**
 * Until when a kept answer about `member` of a known set holds (ContextMemo.until). A known one:
 * until its last use falls due for rewriting or expires, and only when it is its set's newest
 * alone (a tie on time makes each use write it again, refreshDue); otherwise now (not kept). An
 * unknown one stays unknown until learnt (which drops the memo).
 */
function keptUntil(set: TimedMap, member: string, known: boolean, now: number, l: LimitsMs): number {
  if (!known) return Infinity;
  const at = set.get(member)!;
  if (set.size > 1) for (const [m, t] of set) if (m !== member && t >= at) return now;
  return at + Math.min(l.knownRefreshMs, l.knownTtlMs);
}

/** Until when a first sighting's answer holds: its expiry, and only while it is really kept (the cap may have dropped it at once). */
function sightingUntil(set: TimedMap, kind: string, member: string, since: number, l: LimitsMs): number {
  if (since === 0) return Infinity;
  return set.get(kind + member) === since ? since + l.knownTtlMs : -Infinity;
}

/** The working set's sightings past the cap: the oldest dropped, and the latest dropped time kept. */
function capWork(rec: WorkRecord, cap: number): void {
  while (rec.sightings.size > cap) {
    const m = oldest(rec.sightings)!;
    rec.lost = Math.max(rec.lost, rec.sightings.get(m)!);
    rec.sightings.delete(m);
  }
}

/** Whether a login authenticated at `auth` (ms, whole seconds; 0 none) was made after a pace run began at `start`, in the binding's terms (context-bound.ts). */
function answeredRun(auth: number, start: number): boolean {
  return auth > 0 && auth >= start - (start % 1000);
}

/** WorkHistory.entered (store.ts): other namespaces first seen from `auth` up to `since`. */
function enteredBefore(rec: WorkRecord, ns: string, since: number, auth: number, now: number, ttlMs: number): number {
  if (since === 0 || isAllNamespaces(ns) || auth <= 0 || auth > since) return 0;
  if (auth <= rec.lost || auth <= now - Math.min(ENTERED_KEEP_MS, ttlMs)) return ENTERED_UNKNOWN;
  const seen = new Set<string>();
  for (const [m, at] of rec.sightings) {
    if (at < auth || at > since || !(m.startsWith('n:') || m.startsWith('e:'))) continue;
    const name = m.slice(2);
    if (name !== ns && !isAllNamespaces(name)) seen.add(name);
  }
  return seen.size;
}

/**
 * Whether `member` is known (isKnown), and if so a use of it: its last use written again when due
 * (sliding.ts refreshDue). One lookup for both.
 */
function usedIfKnown(set: Map<string, number>, member: string, now: number, ttlMs: number, refreshMs: number): boolean {
  return used(set, member, now, ttlMs, refreshMs) !== NOT_KNOWN;
}

const NOT_KNOWN = 0;
const KNOWN = 1;
const WRITTEN = 2;

/** usedIfKnown, telling apart a use whose last-use time was written (WRITTEN) from one that was not (KNOWN). */
function used(set: Map<string, number>, member: string, now: number, ttlMs: number, refreshMs: number): typeof NOT_KNOWN | typeof KNOWN | typeof WRITTEN {
  if (member === '') return NOT_KNOWN;
  const at = set.get(member);
  if (at === undefined || at <= now - ttlMs) return NOT_KNOWN;
  // Alone in its set it is the newest, so only its age makes the write due (refreshDue's rule).
  if (set.size === 1 ? at <= now - refreshMs : refreshDue(set, member, at, now, refreshMs)) {
    set.set(member, now);
    return WRITTEN;
  }
  return KNOWN;
}

/** When `member` was last written in `set`, if within `ttlMs`; else 0. */
function liveAt(set: Map<string, number>, member: string, now: number, ttlMs: number): number {
  const at = set.get(member);
  return at !== undefined && at > now - ttlMs ? at : 0;
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
function countNamespace(set: TimedMap, ns: string, now: number, windowMs: number, cap: number): number {
  if (ns === '') return countLive(set, now - windowMs);
  dropUpTo(set, now - windowMs);
  // One probe for the common case, a member already there (a namespace worked in all day), and no
  // write when its time would not change; has() then set() probed twice on every Check.
  const at = set.get(ns);
  if (at !== undefined) {
    if (at !== now) set.set(ns, now);
  } else if (set.size < cap) set.set(ns, now);
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
  private readonly records = new GrowingLru<string, ChallengeRecord>(MAX_CHALLENGES);

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

/**
 * Console session bindings in process memory (ConsoleSessionStore): hashes of the cookie and the
 * subject, never either; at most as many as subjects (the least recently bound dropped first).
 * Synchronous, so a console request on the memory store costs no event-loop turn.
 */
class MemoryConsoleSessions implements ConsoleSessionStore {
  private readonly bound: GrowingLru<string, { subject: string; until: number }>;

  constructor(max: number) {
    this.bound = new GrowingLru(max);
  }

  bind(key: string, subject: string, ttlMs: number, nowMs: number): boolean {
    const k = opaqueHash(key);
    const who = opaqueHash(subject);
    const now = wholeMs(nowMs);
    const rec = this.bound.get(k);
    if (rec !== undefined && rec.until > now) return rec.subject === who;
    this.bound.set(k, { subject: who, until: now + clampTtl(ttlMs) });
    return true;
  }

  /**
   * For the snapshot: [cookie hash, subject hash, until], least recently bound first, so restoring
   * them in order rebuilds the same recency. An expired one is written too (it is bounded all the
   * same, and bind treats it as unbound).
   */
  dump(): [string, string, number][] {
    const out: [string, string, number][] = [];
    for (const [k, v] of this.bound.rentries()) out.push([k, v.subject, v.until]);
    return out;
  }

  restore(bindings: readonly [string, string, number][]): void {
    for (const [k, subject, until] of bindings) this.bound.set(k, { subject, until });
  }

  clear(): void {
    this.bound.clear();
  }
}

const HASH = /^[0-9a-f]{32}$/;

/** One snapshot binding (MemoryConsoleSessions.dump); throws when malformed, dropping the snapshot like any bad record. */
function consoleBinding(e: unknown): [string, string, number] {
  if (!Array.isArray(e) || e.length !== 3 || typeof e[0] !== 'string' || !HASH.test(e[0]) || typeof e[1] !== 'string' || !HASH.test(e[1])) {
    throw new Error('a console session binding is malformed');
  }
  return [e[0], e[1], num(e[2])];
}

/**
 * Incidents and revocations in process memory: one replica, so `watch` is told synchronously and
 * the mirror is never stale. Same eviction and expiry rules as the Redis store.
 */
class MemoryControl implements ControlStore {
  private readonly kinds: Record<ControlKind, Map<string, ControlRecord>> = { incident: new Map(), revocation: new Map(), signout: new Map(), approval: new Map() };
  private current = 0;
  private readonly watchers = new Set<() => void>();
  private file: { path: string; failed: (detail: string) => void } | undefined;

  constructor(
    private readonly forgetSubject: (subject: string, session: string) => void,
    private readonly spellingsOf: (subject: string) => Promise<string[]>,
    private readonly lost: (nowMs: number) => void,
  ) {}

  /** The incident board found records gone (a control file put back from an older copy): the history is as stale. */
  historyLost(nowMs: number): Promise<void> {
    this.lost(nowMs);
    return Promise.resolve();
  }

  /**
   * With `state.memory.snapshot_path`: loads `<path>.control` and rewrites it at every change.
   * A file that cannot be read stops the start (thrown) rather than starting without the
   * revocations it held; a failed write is reported and retried at the next change. Whether the
   * file was there.
   */
  persistTo(path: string, nowMs: number, failed: (detail: string) => void): boolean {
    let records: ReturnType<typeof readControlFile>;
    try {
      records = readControlFile(path);
    } catch (err) {
      throw new StartupError(`${path}: ${(err as Error).message}; it holds the incidents, revocations and sign-outs of the last run: repair it, or move it away to start without them`);
    }
    const now = wholeMs(nowMs);
    for (const r of records ?? []) {
      const m = Object.hasOwn(this.kinds, r.kind) ? this.kinds[r.kind as ControlKind] : undefined;
      if (m !== undefined && r.expiresAt > now) m.set(r.id, { id: r.id, data: r.data, expiresAt: r.expiresAt });
    }
    this.file = { path, failed };
    if (records !== undefined && records.length > 0) this.current++;
    return records !== undefined;
  }

  private persist(): void {
    if (this.file === undefined) return;
    const records: { kind: string; id: string; data: string; expiresAt: number }[] = [];
    for (const kind of Object.keys(this.kinds) as ControlKind[]) for (const r of this.kinds[kind].values()) records.push({ kind, id: r.id, data: r.data, expiresAt: r.expiresAt });
    try {
      writeSnapshot(this.file.path, { version: SNAPSHOT_VERSION, records });
    } catch (err) {
      this.file.failed(`${this.file.path}: ${(err as Error).message}`);
    }
  }

  async put(kind: ControlKind, record: ControlRecord, nowMs: number): Promise<number> {
    const now = wholeMs(nowMs);
    const m = this.kinds[kind];
    for (const [id, r] of m) if (r.expiresAt <= now) m.delete(id);
    m.set(record.id, { id: record.id, data: record.data, expiresAt: wholeMs(record.expiresAt) });
    while (m.size > MAX_CONTROL) {
      let victim: ControlRecord | undefined;
      for (const r of m.values()) {
        if (!victim || r.expiresAt < victim.expiresAt || (r.expiresAt === victim.expiresAt && byteCompare(r.id, victim.id) < 0)) victim = r;
      }
      m.delete(victim!.id);
    }
    return this.bump();
  }

  async remove(kind: ControlKind, id: string, nowMs: number): Promise<number | undefined> {
    const m = this.kinds[kind];
    const r = m.get(id);
    if (r === undefined) return undefined;
    m.delete(id);
    if (r.expiresAt <= wholeMs(nowMs)) return undefined;
    return this.bump();
  }

  async version(): Promise<number> {
    return this.current;
  }

  async snapshot(nowMs: number): Promise<ControlSnapshot> {
    const now = wholeMs(nowMs);
    const live = (m: Map<string, ControlRecord>) =>
      [...m.values()].filter((r) => r.expiresAt > now).sort((a, b) => byteCompare(a.id, b.id)).map((r) => ({ ...r }));
    return { version: this.current, incidents: live(this.kinds.incident), revocations: live(this.kinds.revocation), signouts: live(this.kinds.signout), usedApprovals: live(this.kinds.approval) };
  }

  watch(onChange: () => void): () => void {
    this.watchers.add(onChange);
    return () => this.watchers.delete(onChange);
  }

  async forget(subject: string, session: string): Promise<void> {
    this.forgetSubject(subject, session);
  }

  async forgetEveryCase(subject: string): Promise<void> {
    for (const key of await this.spellingsOf(subject)) this.forgetSubject(key, '');
  }

  private readonly seen = new GrowingLru<string, number>(MAX_CHALLENGES);

  async once(key: string, ttlMs: number, nowMs: number): Promise<boolean> {
    const now = wholeMs(nowMs);
    const until = this.seen.get(key);
    if (until !== undefined && until > now) return false;
    this.seen.set(key, now + clampTtl(ttlMs));
    return true;
  }

  private bump(): number {
    this.current++;
    this.persist();
    for (const w of this.watchers) {
      try {
        w();
      } catch {
        // A watcher's failure is its own.
      }
    }
    return this.current;
  }
}
