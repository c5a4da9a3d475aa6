import { createHash } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import type { AssuranceModel } from '../core/assurance.js';
import { foldedGroup, foldedGroups, foldedSubject, GROUPS_NOT_LISTED, type Identity } from '../core/identity.js';
import { compileGlobList, type StringMatcher } from '../core/glob.js';
import { strictest, type Requirement } from '../policy/policy.js';
import type { RequestAttributes } from '../request/attributes.js';
import { StateUnavailableError, type ControlKind, type ControlRecord, type ControlSnapshot, type ControlStore } from '../state/store.js';
import type { IncidentDoc, RevocationDoc } from './model.js';

/** What a cached credential's revocation check can say. */
export type Refusal = { reason: 'credential_revoked' | 'state_unavailable'; detail: string };

/** The verifier's caches, as far as revocation needs them. */
export interface RevocableCaches {
  forgetWhere(match: (who: Identity) => boolean): number;
}

export interface BoardOptions {
  store: ControlStore;
  /** The injected clock: expiry of incidents and revocations. */
  now: () => number;
  /** Whether other replicas share the store (Redis): only then can the mirror be stale. */
  shared: boolean;
  syncIntervalMs: number;
  maxStalenessMs: number;
  /** Monotonic milliseconds for staleness (performance.now); injectable for tests. */
  monotonic?: () => number;
  /** Told of each sync failure; must not throw. */
  onError?: (err: unknown) => void;
  /**
   * Whether incident mode is configured (default true): then a stale mirror fails every Check
   * closed, as incident mode documents. Without it the board only holds sign-outs, which only
   * step-up session cookies can match: a stale mirror then concerns those alone, and follows
   * `state.on_state_error` (`staleSessions`) like every other state the Check reads.
   */
  incidentMode?: boolean;
  /** Without incident mode: what a stale mirror does to a session cookie (default fail_closed). */
  staleSessions?: 'fail_closed' | 'degrade';
}

const KIND_LISTS = { incident: 'incidents', revocation: 'revocations', signout: 'signouts', approval: 'usedApprovals' } as const;

/**
 * The record of one use of one approval (kind `approval`): its id and the decided document it was
 * used under, so a later approval of the same request (same id, a new decision) is not taken for
 * the used one.
 */
export function approvalUseId(approvalId: string, decided: string): string {
  return `used-${createHash('sha256').update(approvalId).update('\n').update(decided).digest('hex').slice(0, 32)}`;
}

/** What a sign-out keeps in the store (kind `signout`): the Identity.session it ended, and when. */
export interface SignoutDoc {
  session: string;
  at: number;
}

/** One record per session, whichever replica writes it (a second sign-out of a copy replaces it). */
export function signoutId(session: string): string {
  return `signout-${createHash('sha256').update(session).digest('hex').slice(0, 24)}`;
}

interface CompiledIncident {
  doc: IncidentDoc;
  all: boolean;
  hosts: StringMatcher | undefined;
  namespaces: StringMatcher | undefined;
  subjects: ReadonlySet<string> | undefined;
  groups: ReadonlySet<string> | undefined;
  /** Shown to people: "incident inc-…: <reason> (until 14:30Z)". */
  text: string;
}

/**
 * Every replica's local mirror of the incidents, revocations and step-up sign-outs in the state
 * store (without incident mode, of the sign-outs alone). The Check
 * path reads only this mirror (a Map lookup per request, no round trip, no crypto); it is
 * refreshed at once when the store announces a change, and polled (one GET of the version) every
 * `syncIntervalMs` in case an announcement was lost. When it could not be refreshed for
 * `maxStalenessMs`, Checks fail closed: a revocation this replica cannot see must not let a
 * stolen credential through.
 */
/** A subject's revocation in the mirror: when it was made and when its record lapses (ms). */
interface SubjectRevocation {
  readonly at: number;
  readonly until: number;
}

/** The latest revocation time among those whose record is kept at `nowMs`; 0 none. */
function latestKept(list: readonly SubjectRevocation[] | undefined, nowMs: number): number {
  let at = 0;
  if (list !== undefined) for (const r of list) if (r.until > nowMs && r.at > at) at = r.at;
  return at;
}

export class IncidentBoard {
  private incidents: CompiledIncident[] = [];
  /**
   * `subject` → its revocations (time, record expiry; ms), for revocations naming no issuer. The
   * expiry is read at every lookup: the mirror reloads only when the store changes, and a record
   * past `revocation_ttl_seconds` leaving the store changes nothing there, so without it this
   * replica kept a lapsed revocation (and withheld the newcomer allowance) until some other write,
   * where a replica started since did not (session 51, day 46's row five weeks on).
   */
  private subjects = new Map<string, SubjectRevocation[]>();
  /** `issuer\nsubject` → its revocations, as `subjects`. */
  private issuerSubjects = new Map<string, SubjectRevocation[]>();
  /** `sid:<sid>` and the raw value → revocation record expiry, for revocations naming no issuer. */
  private sessions = new Map<string, number>();
  /** `issuer\nsid:<sid>` and `issuer\n<raw value>` → revocation record expiry. */
  private issuerSessions = new Map<string, number>();
  /** Step-up sessions signed out: Identity.session → when the session would have expired (ms). */
  private signedOut = new Map<string, number>();
  /** approvalUseId of every approval used and still within its time (kind `approval`). */
  private usedApprovals: ReadonlySet<string> = new Set();
  /** Loads that succeeded: whether a refresh() read the store (approvalUsed). */
  private loads = 0;
  private revocations: RevocationDoc[] = [];
  private version = -1;
  /** The store's records as last loaded, to write back what a store that lost data no longer has (restore). */
  private held: ControlSnapshot | undefined;
  private syncedAt: number | undefined;
  private timer: NodeJS.Timeout | undefined;
  private unwatch: (() => void) | undefined;
  private running: Promise<void> | undefined;
  private again = false;
  private readonly monotonic: () => number;
  /** Revocation ids (with their time) whose caches were already dropped here. */
  private readonly applied = new Map<string, number>();
  /** The verifier of the runtime in force; set by each runtime build. */
  caches: RevocableCaches | undefined;
  /** Told when a revocation first reaches this replica (metrics). */
  onRevocationSeen: ((r: RevocationDoc) => void) | undefined;

  constructor(private readonly o: BoardOptions) {
    this.monotonic = o.monotonic ?? (() => performance.now());
  }

  start(): Promise<void> {
    this.unwatch = this.o.store.watch(() => void this.refresh());
    this.timer = setInterval(() => void this.poll(), this.o.syncIntervalMs);
    this.timer.unref();
    return this.refresh();
  }

  stop(): void {
    if (this.timer !== undefined) clearInterval(this.timer);
    this.unwatch?.();
  }

  /** Loads the store's snapshot into the mirror; concurrent calls coalesce into one more load. */
  refresh(): Promise<void> {
    if (this.running) {
      this.again = true;
      return this.running;
    }
    this.running = (async () => {
      do {
        this.again = false;
        try {
          const now = this.o.now();
          let snap = await this.o.store.snapshot(now);
          const gone = this.lostSince(snap, now);
          if (gone.length > 0) snap = await this.restore(snap, gone, now);
          this.load(snap.version, snap.incidents.map((r) => r.data), snap.revocations.map((r) => r.data), snap.signouts);
          this.usedApprovals = new Set(snap.usedApprovals.map((r) => r.id));
          this.held = snap;
          this.loads++;
          this.syncedAt = this.monotonic();
        } catch (err) {
          this.o.onError?.(err);
        }
      } while (this.again);
    })().finally(() => {
      this.running = undefined;
    });
    return this.running;
  }

  private async poll(): Promise<void> {
    try {
      const v = await this.o.store.version();
      if (v !== this.version) await this.refresh();
      else this.syncedAt = this.monotonic();
    } catch (err) {
      this.o.onError?.(err);
    }
  }

  /**
   * Whether the store lost records since the last load: Redis restarted without persistence,
   * FLUSHALL, restored from an older RDB, or failed over to a replica that missed the writes.
   * Every put and every remove bumps the version by one, so a store that kept everything shows
   * at least as many new versions as records that came and went (records that expired aside);
   * fewer, or a version that went back, is a store that lost data. Taken as it now is, every
   * revocation, sign-out and incident this replica knew would silently end, and a revoked
   * credential pass again.
   */
  private lostSince(snap: ControlSnapshot, now: number): [ControlKind, ControlRecord][] {
    const held = this.held;
    if (held === undefined) return [];
    const gone: [ControlKind, ControlRecord][] = [];
    let changes = 0;
    for (const kind of ['incident', 'revocation', 'signout', 'approval'] as const) {
      const before = new Set(held[KIND_LISTS[kind]].map((r) => r.id));
      const after = new Set(snap[KIND_LISTS[kind]].map((r) => r.id));
      for (const r of held[KIND_LISTS[kind]]) {
        if (r.expiresAt > now && !after.has(r.id)) {
          gone.push([kind, r]);
          changes++;
        }
      }
      for (const id of after) if (!before.has(id)) changes++;
    }
    return snap.version < held.version || changes > snap.version - held.version ? gone : [];
  }

  /**
   * Writes back the records the store lost (any replica that held them does the same; a put of
   * the same id is idempotent), and reports the loss. A record removed on purpose in the same
   * interval comes back too: the safe side. A failed write throws: the mirror keeps what it held
   * and goes stale, which fails closed (`maxStalenessMs`), and the next poll tries again.
   */
  private async restore(snap: ControlSnapshot, gone: [ControlKind, ControlRecord][], now: number): Promise<ControlSnapshot> {
    for (const [kind, r] of gone) await this.o.store.put(kind, r, now);
    // What lost these records lost the risk history too: every identity now looks new.
    await this.o.store.historyLost?.(now);
    this.o.onError?.(new Error(`the state store lost control records (version ${this.held!.version}, now ${snap.version}): ${gone.length} incident, revocation and sign-out records this replica held were written back`));
    return this.o.store.snapshot(now);
  }

  private load(version: number, incidents: string[], revocations: string[], signouts: readonly ControlRecord[]): void {
    const compiled: CompiledIncident[] = [];
    for (const data of incidents) {
      const doc = parse<IncidentDoc>(data);
      if (doc && typeof doc.id === 'string' && typeof doc.expires_at === 'number' && doc.scope) compiled.push(compile(doc));
    }
    const subjects = new Map<string, SubjectRevocation[]>();
    const issuerSubjects = new Map<string, SubjectRevocation[]>();
    const sessions = new Map<string, number>();
    const issuerSessions = new Map<string, number>();
    const docs: RevocationDoc[] = [];
    for (const data of revocations) {
      const r = parse<RevocationDoc>(data);
      if (!r || typeof r.at !== 'number' || typeof r.expires_at !== 'number') continue;
      docs.push(r);
      if (r.kind === 'subject' && typeof r.subject === 'string') {
        const map = r.issuer === undefined ? subjects : issuerSubjects;
        // In any case: a revocation only refuses, and the IdP may spell the subject otherwise in the
        // next token than the responder or the transmitter did (foldedSubject).
        const key = r.issuer === undefined ? foldedSubject(r.subject) : `${r.issuer}\n${foldedSubject(r.subject)}`;
        map.set(key, [...(map.get(key) ?? []), { at: r.at, until: r.expires_at }]);
      } else if (r.kind === 'session' && typeof r.session === 'string') {
        const map = r.issuer === undefined ? sessions : issuerSessions;
        const prefix = r.issuer === undefined ? '' : `${r.issuer}\n`;
        map.set(`${prefix}sid:${r.session}`, Math.max(map.get(`${prefix}sid:${r.session}`) ?? 0, r.expires_at));
        map.set(`${prefix}${r.session}`, Math.max(map.get(`${prefix}${r.session}`) ?? 0, r.expires_at));
      }
    }
    const signedOut = new Map<string, number>();
    for (const rec of signouts) {
      const d = parse<SignoutDoc>(rec.data);
      if (d && typeof d.session === 'string' && d.session !== '') signedOut.set(d.session, Math.max(signedOut.get(d.session) ?? 0, rec.expiresAt));
    }
    this.signedOut = signedOut;
    this.incidents = compiled;
    this.subjects = subjects;
    this.issuerSubjects = issuerSubjects;
    this.sessions = sessions;
    this.issuerSessions = issuerSessions;
    this.revocations = docs;
    this.version = version;
    this.dropCaches(docs);
  }

  /** Cached verifications of a newly seen revocation go now; the check below refuses them anyway. */
  private dropCaches(docs: RevocationDoc[]): void {
    const live = new Set<string>();
    for (const r of docs) {
      live.add(r.id);
      if (this.applied.get(r.id) === r.at) continue;
      this.applied.set(r.id, r.at);
      try {
        this.onRevocationSeen?.(r);
        this.caches?.forgetWhere((who) => this.revokedBy(r, who));
      } catch {
        // Dropping is an optimisation: the Check still refuses the credential.
      }
    }
    for (const id of this.applied.keys()) if (!live.has(id)) this.applied.delete(id);
  }

  private revokedBy(r: RevocationDoc, who: Identity): boolean {
    if (r.kind === 'session') return (r.issuer === undefined || r.issuer === who.issuer) && (who.session === `sid:${r.session}` || who.session === r.session);
    return r.subject !== undefined && foldedSubject(who.subject) === foldedSubject(r.subject) && (r.issuer === undefined || r.issuer === who.issuer) && !authenticatedAfter(who, r.at);
  }

  /**
   * Resolves once the mirror was loaded, or after `timeoutMs` (startup: a replica must not answer
   * its first Checks from an empty list; until it is loaded they fail closed anyway).
   */
  async whenLoaded(timeoutMs: number): Promise<boolean> {
    const deadline = this.monotonic() + timeoutMs;
    while (this.syncedAt === undefined && this.monotonic() < deadline) {
      await new Promise((r) => setTimeout(r, 20));
      if (this.syncedAt === undefined && !this.running) await this.refresh();
    }
    return this.syncedAt !== undefined;
  }

  /** Why the mirror cannot be trusted now, or undefined. */
  stale(): string | undefined {
    if (!this.o.shared) return undefined;
    if (this.syncedAt === undefined) return 'the incident and revocation list has not been loaded yet';
    const age = this.monotonic() - this.syncedAt;
    return age > this.o.maxStalenessMs ? `the incident and revocation list was last refreshed ${Math.round(age)} ms ago` : undefined;
  }

  /**
   * Refuses a verified credential that was revoked: its subject's authentication (auth_time,
   * else iat) is not after the subject's revocation, or its session was revoked. Two Map lookups.
   */
  refuse(who: Identity, nowMs: number): Refusal | undefined {
    if (this.o.incidentMode !== false) {
      const stale = this.stale();
      if (stale !== undefined) return { reason: 'state_unavailable', detail: stale };
    }
    if (who.source === 'session') {
      // Only a session cookie can have been signed out: a bearer token pays nothing here.
      if (this.o.incidentMode === false && this.o.staleSessions !== 'degrade') {
        const stale = this.stale();
        if (stale !== undefined) return { reason: 'state_unavailable', detail: `${stale}: a signed-out session could not be told apart` };
      }
      if (this.signedOut.size > 0) {
        const until = this.signedOut.get(who.session);
        if (until !== undefined && until > nowMs) return { reason: 'credential_revoked', detail: 'this step-up session was signed out; sign in again' };
      }
    }
    if (this.subjects.size > 0 || this.issuerSubjects.size > 0) {
      const at = this.subjectRevokedAt(who, nowMs);
      if (at > 0 && !authenticatedAfter(who, at)) {
        return { reason: 'credential_revoked', detail: `access of this subject was revoked at ${iso(at)}; sign in again` };
      }
    }
    if (this.sessions.size > 0 && who.session !== '') {
      const until = this.sessions.get(who.session);
      if (until !== undefined && until > nowMs) return { reason: 'credential_revoked', detail: 'this session was revoked; sign in again' };
    }
    if (this.issuerSessions.size > 0 && who.session !== '') {
      const until = this.issuerSessions.get(`${who.issuer}\n${who.session}`);
      if (until !== undefined && until > nowMs) return { reason: 'credential_revoked', detail: 'this session was revoked; sign in again' };
    }
    return undefined;
  }

  /**
   * When the subject of `who` was last revoked (ms; 0 while no subject revocation of it is on
   * record): the risk engine then gives it no newcomer allowance (RiskEngine.assess `revokedAt`).
   * A revocation that forgot the subject's history makes every later sign-in a newcomer's, and a
   * newcomer's sign-in made before a network's first sighting counts as made there: an
   * adversary-in-the-middle relaying the victim's fresh sign-in after the revocation would have its
   * own network learnt unasked (day 35r). Only revocations still kept at `nowMs` (their record's
   * `revocation_ttl_seconds`) count, as in a replica that loaded the store since. Two Map lookups,
   * none while no subject is revoked.
   */
  subjectRevokedAt(who: Identity, nowMs: number): number {
    if (this.subjects.size === 0 && this.issuerSubjects.size === 0) return 0;
    const subject = foldedSubject(who.subject);
    const a = this.subjects.size > 0 ? latestKept(this.subjects.get(subject), nowMs) : 0;
    const b = this.issuerSubjects.size > 0 ? latestKept(this.issuerSubjects.get(`${who.issuer}\n${subject}`), nowMs) : 0;
    return Math.max(a, b);
  }

  /**
   * Records a sign-out for every replica until `expiresAtMs` (when the session would have ended
   * anyway) and loads it into this replica's mirror before resolving, so that the very next Check
   * here refuses the session. Rejects (StateUnavailableError) when the store could not record it.
   */
  async signOut(session: string, expiresAtMs: number, nowMs: number): Promise<void> {
    const doc: SignoutDoc = { session, at: nowMs };
    await this.o.store.put('signout', { id: signoutId(session), data: JSON.stringify(doc), expiresAt: expiresAtMs }, nowMs);
    // Another replica learns it from the announcement; this one loads it now. A load that began
    // before the write may finish first: refresh() then loads once more, and the entry set after
    // it covers a load that failed (every later snapshot holds the record).
    await this.refresh();
    this.signedOut.set(session, Math.max(this.signedOut.get(session) ?? 0, expiresAtMs));
  }

  /**
   * Whether this decision of approval `approvalId` was used already, by any replica, read from the
   * store now (not from the mirror, which may be up to a sync interval behind a store that just
   * lost data): a Redis put back from before the use holds the approval as approved again, and the
   * version check in refresh() finds the loss and writes the use back first. Throws when the store
   * could not be read: an approval is never used on a guess.
   */
  async approvalUsed(approvalId: string, decided: string): Promise<boolean> {
    const before = this.loads;
    await this.refresh();
    if (this.loads === before) throw new StateUnavailableError('the used approvals could not be read from the state store');
    return this.usedApprovals.has(approvalUseId(approvalId, decided));
  }

  /**
   * Records that this decision of approval `approvalId` was used, for every replica until
   * `expiresAtMs` (when it would have lapsed anyway). Rejects when the store could not record it.
   */
  async approvalUse(approvalId: string, decided: string, expiresAtMs: number, nowMs: number): Promise<void> {
    const id = approvalUseId(approvalId, decided);
    await this.o.store.put('approval', { id, data: JSON.stringify({ approval: approvalId, at: nowMs }), expiresAt: expiresAtMs }, nowMs);
    this.usedApprovals = new Set([...this.usedApprovals, id]);
    // The held snapshot must hold this use before the allow goes out: the loss check compares a
    // later snapshot with the held one, and a store put back from before the use (an older RDB)
    // looks unchanged to a replica whose held snapshot predates it too (the watch's reload can lag
    // behind a Redis restart under load), so the use would be forgotten and the approval pass again.
    await this.refresh();
  }

  /** The requirement tightened by every active incident whose scope holds the request. */
  tighten(need: Requirement, req: RequestAttributes, who: Identity | undefined, nowMs: number, assurance: AssuranceModel): Requirement {
    if (this.incidents.length === 0) return need;
    let out = need;
    for (const c of this.incidents) {
      if (c.doc.expires_at <= nowMs || !inScope(c, req, who)) continue;
      const level = c.doc.require === undefined ? -1 : levelOf(assurance, c.doc.require);
      const e = strictest(
        { deny: out.deny, denyMessage: out.denyMessage, level: out.level, maxAge: out.maxAge },
        { deny: c.doc.deny === true, denyMessage: c.text, level, maxAge: c.doc.max_age },
      );
      out = {
        ...out,
        ...e,
        rules: [...out.rules, `incident:${c.doc.id}`],
        incident: out.incident === undefined ? c.text : `${out.incident}; ${c.text}`,
      };
    }
    return out;
  }

  /** Active incidents (for the API and metrics), soonest-ending first. */
  active(nowMs: number): IncidentDoc[] {
    return this.incidents.filter((c) => c.doc.expires_at > nowMs).map((c) => c.doc).sort((a, b) => a.expires_at - b.expires_at);
  }

  activeRevocations(nowMs: number): RevocationDoc[] {
    return this.revocations.filter((r) => r.expires_at > nowMs);
  }

  /** Descriptions of the incidents that hold this request (the step-up page). */
  describe(req: RequestAttributes, who: Identity | undefined, nowMs: number): string[] {
    return this.incidents.filter((c) => c.doc.expires_at > nowMs && inScope(c, req, who)).map((c) => c.text);
  }
}

/** An authentication strictly after `atMs`: auth_time when the credential has one, else iat. */
function authenticatedAfter(who: Identity, atMs: number): boolean {
  const t = who.authTime ?? who.issuedAt;
  // Seconds: an authentication in the same second as the revocation cannot be told apart, so it
  // counts as before (sign in again a second later).
  return t !== undefined && t * 1000 > atMs;
}

/** An unknown level (a reload removed it) asks for the highest: an incident never loosens. */
function levelOf(assurance: AssuranceModel, name: string): number {
  const i = assurance.names.indexOf(name);
  return i >= 0 ? i : assurance.names.length - 1;
}

function inScope(c: CompiledIncident, req: RequestAttributes, who: Identity | undefined): boolean {
  if (c.all) return true;
  if (c.hosts && !c.hosts(req.host)) return false;
  if (c.namespaces) {
    const ns = req.kube?.namespace;
    if (ns === undefined || ns === '' || !c.namespaces(ns)) return false;
  }
  if (c.subjects && (who === undefined || !c.subjects.has(foldedSubject(who.subject)))) return false;
  // An incident only tightens, so it holds a possible member too: subjects and groups in any case, and a token
  // whose groups are not listed (Entra's overage, core/identity.ts GROUPS_NOT_LISTED).
  if (c.groups && (who === undefined || (who.groups !== GROUPS_NOT_LISTED && !foldedGroups(who.groups).some((g) => c.groups!.has(g))))) return false;
  return true;
}

function compile(doc: IncidentDoc): CompiledIncident {
  const s = doc.scope;
  return {
    doc,
    all: s.all === true,
    hosts: s.hosts ? compileGlobList(s.hosts.map((h) => h.toLowerCase()), '.') : undefined,
    namespaces: s.namespaces ? compileGlobList(s.namespaces, null) : undefined,
    subjects: s.subjects ? new Set(s.subjects.map(foldedSubject)) : undefined,
    groups: s.groups ? new Set(s.groups.map(foldedGroup)) : undefined,
    text: `incident ${doc.id}: ${doc.reason} (until ${iso(doc.expires_at).slice(11, 16)}Z)`,
  };
}

function parse<T>(data: string): T | undefined {
  try {
    const v = JSON.parse(data) as unknown;
    return typeof v === 'object' && v !== null ? (v as T) : undefined;
  } catch {
    return undefined;
  }
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}
