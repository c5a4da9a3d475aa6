/**
 * The session state the risk engine reads and updates, behind one interface with two
 * implementations: `memory` (one replica, bounded with lru-cache) and `redis` (many replicas).
 * Both must give identical answers for the same sequence of calls and clock: the conformance
 * suite in test/unit/state-conformance.test.ts runs against each.
 *
 * Contract for every implementation:
 * - `observe` is the only call on the Check path and costs at most one round trip; `learn` (after
 *   an allow that carried a fresh step-up) and `recordDenial` run off the response path.
 * - Every method of a remote store settles within `timeoutMs`, rejecting with
 *   StateUnavailableError on timeout, disconnection or a server error; it never hangs and never
 *   throws anything else. The memory store never fails.
 * - Nothing grows without bound: every key has a TTL, every set a size cap.
 * - Subject and session strings are opaque; an implementation hashes them for key names.
 */

/** What one Check tells the store, and asks of it. */
export interface Observation {
  /** Opaque subject key (issuer + subject); the store hashes it for key names. */
  subject: string;
  /** Opaque session key (the token's `sid`, else a hash of the token); '' when there is none. */
  session: string;
  /** Milliseconds since the epoch, from the injected clock. */
  nowMs: number;
  /** Canonical client IP; '' when unknown. */
  ip: string;
  /** Canonical network prefix of `ip` (e.g. `203.0.113.0/24`, `2001:db8:1::/56`); '' when unknown. */
  ipPrefix: string;
  /** Device identity (`cert:…`, `cookie:…`, `fp:…`); '' when none could be derived. */
  device: string;
  /** User-agent family (`kubectl`, `chrome`, `curl`…); '' when unknown. */
  uaFamily: string;
  /**
   * The operating system the client names (`linux`, `mac`, `windows`…); '' or absent when none.
   * Kept with the family in the session's client list (`sessionClients`).
   */
  platform?: string;
  /** Kubernetes namespace touched; '' for none (counts nothing toward distinct namespaces). */
  namespace: string;
  /** Whether this request counts toward the sensitive-operation rate. */
  sensitive: boolean;
  /**
   * The client kind (`interactive` for kubectl-like tools and browsers, else the family); '' when
   * unknown. Known kinds are learned like devices; a kind first seen gets a first-sighting time.
   */
  client?: string;
  /** The sensitive object touched (`secrets|prod|db`); '' or absent for none. Counted distinct per window. */
  object?: string;
  /** A delete or deletecollection: counted toward the destructive-burst counter. */
  destructive?: boolean;
  /**
   * False for calls that are no activity of the caller's own (discovery: /api, /apis, /version,
   * /openapi): they are assessed but counted toward no counter. Absent means true.
   */
  counted?: boolean;
}

/** What the store knew before this request, plus the counters including it. */
export interface SubjectHistory {
  /** No record of this subject existed (first-ever sighting, or expired). */
  firstSeen: boolean;
  ipKnown: boolean;
  prefixKnown: boolean;
  deviceKnown: boolean;
  /** How many devices are known for the subject (0: none was ever learned). */
  knownDevices: number;
  /** UA family of the previous request in the same session; '' when none. */
  previousUaFamily: string;
  /**
   * The clients this session (login) was used with before this request, most recent first:
   * `family@platform` (or the family alone when the client names no platform), space-separated,
   * at most six; '' when this is the session's first use. A record written by a version before it
   * holds the last family alone.
   */
  sessionClients: string;
  /** Sliding-window counts including this request (rounded to integers). */
  requests: number;
  sensitive: number;
  /** Sliding-window count of denials recorded with `recordDenial` (this request not included). */
  denials: number;
  /** Distinct non-empty namespaces in the window, this one included. */
  namespaces: number;
  /** The observation's client kind was made known for the subject (false for ''). */
  clientKnown: boolean;
  /** How many client kinds are known for the subject. */
  knownClients: number;
  /**
   * When each still-unknown part of the context was first seen for the subject (ms; 0 when the
   * part is known or empty). Recorded on the first sighting, refused request or not, and never
   * moved later while the part stays unknown: an authentication before it cannot have been made
   * in that context.
   */
  prefixSince: number;
  deviceSince: number;
  clientSince: number;
  /** Network prefix where this session was first used ('' when this is its first use). */
  sessionOrigin: string;
  /** When this session was first used (ms; this request's time when it is the first use). */
  sessionStart: number;
  /** Distinct sensitive objects in the window, this one included. */
  objects: number;
  /** Sliding-window count of destructive requests, this one included. */
  destructive: number;
  /**
   * Since when a behaviour burst (distinct objects or destructive count over its threshold) has
   * been going on without a break (ms); 0 when none is going on now.
   */
  behaviourSince: number;
}

/** Accelerator-asking writes kept per subject within the window (StateStore.recordAccelerators). */
export const MAX_RECENT_ACCELERATOR_WRITES = 256;

/** Accelerator names kept per subject (StateStore.learnAccelerators): the largest counts win. */
export const MAX_ACCELERATOR_NAMES = 8;

export interface StoreLimits {
  /** Sliding window, in seconds, for each counter. */
  windows: { requests: number; sensitive: number; denials: number; namespaces: number };
  /** How long a subject's known IPs, prefixes and devices are remembered after last use. */
  knownTtlSeconds: number;
  /**
   * How long a subject's proven mark (StateStore.provenAt) is kept after its last proof
   * (`risk.proven_ttl_seconds`); at least `knownTtlSeconds`. Absent: 180 days.
   */
  provenTtlSeconds?: number;
  /** Cap on known IPs, prefixes and devices per subject (least recently used dropped first). */
  maxKnownPerSubject: number;
  /** How long a session's last UA family is remembered. */
  sessionTtlSeconds: number;
  /** Cap on distinct namespaces tracked per window (counting stops there). */
  maxNamespacesTracked: number;
  /**
   * Behaviour counters: windows (seconds) and thresholds over which a burst is going on. Required:
   * the defaults live in the config schema (`risk.signals`), not here.
   */
  behaviour: { objectsWindow: number; objectsThreshold: number; destructiveWindow: number; destructiveThreshold: number };
  /** Window (seconds) and threshold of the machine-pace counter of distinct sensitive objects. */
  paceWindow: number;
  paceThreshold: number;
  /**
   * Seconds after a run over the pace threshold was last answered (a request whose login was
   * authenticated after the run began) within which a new run is the same run, bound to the same
   * start. Absent or 0: every run starts afresh.
   */
  paceResume?: number;
  /**
   * Objects the subject read from a proven context (`learnWork`'s `object`): a pace window of
   * nothing but reads of them counts none (`WorkHistory.pace`). Remembered `ttlSeconds` after the
   * last such read, at most `max` per subject (least recently read dropped). Absent: nothing is
   * familiar, every object counts.
   */
  familiar?: { ttlSeconds: number; max: number };
}

/**
 * What one Check tells the working-set side of the store (issue 12): where the subject works, how
 * fast it touches sensitive objects, and from which operator-named site. Kept apart from
 * `observe` (own keys, own script) and read in the same round trip.
 */
export interface WorkObservation {
  subject: string;
  nowMs: number;
  /**
   * Namespace touched ('' none; `*` for all namespaces at once, learned into the working set like a namespace).
   * An unknown one gets a first sighting, kept until it is learned.
   */
  namespace: string;
  /** Sensitive object touched (deletes included), for the pace counter; '' none. */
  object: string;
  /** Operator-named site of the client address (`risk.locations`); '' none. */
  site: string;
  /**
   * The wider network around the client address (`risk.nearby_networks`, a /16 by default): a
   * phone's carrier NAT or a rotated IPv6 delegation moves within it. '' none.
   */
  nearby: string;
  /**
   * The authentication time of the request's login (ms; 0 or absent when none): what
   * `WorkHistory.entered` counts from.
   */
  auth?: number;
  /**
   * `object` is read (get, list or watch of one named object, no subresource): when the subject
   * read it before from a proven context (`WorkHistory.familiar`) it is a familiar read, and a pace
   * window holding nothing but familiar reads counts none (`WorkHistory.pace`). Absent or false:
   * it is new, whatever is known of it.
   */
  read?: boolean;
  /**
   * The namespace's family key (risk/namespace-family.ts familyKey: `2:ledger` for
   * `ledger-staging`, `0:search` for a name without an environment; state/family-keys.ts); '' or
   * absent when it has none, and for `*` and Namespace objects. A known namespace's key of an
   * explicit tier is kept alive with it; an unknown one's is looked up (WorkHistory.familyKnown).
   */
  family?: string;
  /**
   * The sensitive kind of action (risk: `unfamiliar_kind`, `secret_read`, `pod_shell` or `proxy`), '' or
   * absent none. A kind the subject has learned is kept alive as it is used; an unknown one gets a
   * first sighting, kept until it is learned (WorkHistory.kindSince).
   */
  kind?: string;
}

export interface WorkHistory {
  /** The namespace is in the subject's working set (false for '' and `*`). */
  namespaceKnown: boolean;
  /** First sighting of the unknown namespace (ms); 0 when known or ''. */
  namespaceSince: number;
  /** Namespaces in the working set (0: nothing learned yet). */
  workingSet: number;
  /**
   * Distinct sensitive objects in the pace window, this one included; 0 while every touch in the
   * window was a read of a familiar object (WorkObservation.read). One new object in the window
   * (not a familiar read, including a read made before the object was learned) counts them all.
   */
  pace: number;
  /** Since when the pace has been over its threshold without a break (ms); 0 when it is not now. */
  paceSince: number;
  /** The site was proven for the subject (false for ''). */
  siteKnown: boolean;
  /** Last site an allowed request came from, and when (ms); '' / 0 when none. */
  lastSite: string;
  lastSiteAt: number;
  /** First sighting of this unknown site (ms); 0 when known or ''. */
  siteSince: number;
  /** The wider network was proven for the subject (false for ''). */
  nearbyKnown: boolean;
  /**
   * When a network inside this wider one, not yet known, was last proven (ms; 0 when known, '' or
   * none within the known TTL): a fresh sign-in's proof vouches for its neighbours for a while.
   */
  nearbyProvenAt: number;
  /**
   * For an unknown namespace first seen at or after `WorkObservation.auth`: how many other
   * namespaces (not `*`) were first seen outside the working set from that authentication up to
   * this one's first sighting, learned since or not: the namespaces that one sign-in has entered
   * before this one (the unfamiliar-namespace grace is bounded by it, risk/context-bound.ts).
   * 0 when the namespace is known, '' or `*`, or the authentication is unknown or after its first
   * sighting. ENTERED_UNKNOWN when the store cannot tell: first sightings in that span may have
   * been dropped (the cap on sightings, or the authentication older than ENTERED_KEEP_MS).
   */
  entered: number;
  /**
   * For a read (`WorkObservation.read`): when the subject last read this object from a proven
   * context (ms, the last `learnWork` with it), within the familiar TTL; 0 when never, expired,
   * dropped by the cap, not a read, or familiarity is off.
   */
  familiar: number;
  /**
   * The namespace is unknown and a namespace of its family at its own tier or a higher one is in
   * the working set (WorkObservation.family: a family key of rank 1..max(r, 1) with its stem was
   * written by `learnWork` or kept alive by the use of a known namespace within the known TTL);
   * false without a family key.
   */
  familyKnown: boolean;
  /**
   * The namespace's cluster is one the subject has worked in: true unless the namespace is unknown,
   * names a cluster (kubernetes.clusters: a working-set name `<name>@<cluster>`, risk/engine.ts
   * inCluster) and no name of that cluster is in the working set (its marker `@<cluster>`,
   * clusterMarker, kept with the family keys: written by `learnWork` with every name learned in the
   * cluster and kept alive by the use of a known one, within the known TTL). True for '' and for a
   * name without a cluster, so a deployment without `kubernetes.clusters` reads and writes nothing
   * for it. The unfamiliar-namespace grace stops at a cluster never worked in (context-bound.ts).
   */
  clusterKnown: boolean;
  /**
   * First sighting of the kind (WorkObservation.kind) while the subject has not learned it (ms); 0
   * when learned, none, or from a store (or a Redis script) of a version without kinds.
   */
  kindSince: number;
  /**
   * Since when the store has kept this subject's working-set history without a break (ms, the
   * first observeWork after none was kept, or kept no longer than the known TTL): how mature it is
   * (`unfamiliar_kind.min_history_seconds`). `nowMs` on the first call.
   */
  historySince: number;
}

/** `WorkHistory.entered` when the count may be incomplete: more than any grace allows. */
export const ENTERED_UNKNOWN = 1_000_000;

/**
 * A SubjectHistory to write an answer into (StateStore.observe's `into`): every field, in the
 * order the memory store writes them, so the caller's reused object and a fresh answer share one
 * hidden class.
 */
export function blankHistory(): SubjectHistory {
  return {
    firstSeen: false,
    ipKnown: false,
    prefixKnown: false,
    deviceKnown: false,
    knownDevices: 0,
    previousUaFamily: '',
    sessionClients: '',
    requests: 0,
    sensitive: 0,
    denials: 0,
    namespaces: 0,
    clientKnown: false,
    knownClients: 0,
    prefixSince: 0,
    deviceSince: 0,
    clientSince: 0,
    sessionOrigin: '',
    sessionStart: 0,
    objects: 0,
    destructive: 0,
    behaviourSince: 0,
  };
}

/** A WorkHistory to write an answer into (StateStore.observeWork's `into`), as blankHistory. */
export function blankWork(): WorkHistory {
  return {
    namespaceKnown: false,
    namespaceSince: 0,
    workingSet: 0,
    pace: 0,
    paceSince: 0,
    siteKnown: false,
    lastSite: '',
    lastSiteAt: 0,
    siteSince: 0,
    nearbyKnown: false,
    nearbyProvenAt: 0,
    entered: 0,
    familiar: 0,
    familyKnown: false,
    clusterKnown: false,
    kindSince: 0,
    historySince: 0,
  };
}

/**
 * Working-set names for every namespace at once (a list or watch of Secrets without a namespace):
 * `*` for Helm's release records (`owner=helm` selected), `**` for every Secret. Namespace names
 * cannot start with `*`; neither is a namespace entered (WorkHistory.entered) nor unfamiliar.
 */
export const ALL_NAMESPACES_HELM = '*';
export const ALL_NAMESPACES_EVERY = '**';
export function isAllNamespaces(ns: string): boolean {
  return ns.charCodeAt(0) === 0x2a;
}

/**
 * The working-set name of the cluster's Namespace objects: a change to a Namespace itself (`kubectl
 * label ns`, `annotate ns`, an apply of its manifest) is an action on the cluster's Namespaces, not
 * work inside the namespace it names (risk/engine.ts actionOf). A namespace name is a DNS label, so
 * it can never be `/namespaces`. Unlike `*`, it is a place like a namespace: unfamiliar until
 * learned, and counted among the namespaces a sign-in has entered (WorkHistory.entered).
 */
export const NAMESPACE_OBJECTS = '/namespaces';

/**
 * The marker of a working-set name's cluster (`@dublin` for `payments-prod@dublin`, WorkHistory.
 * clusterKnown), '' for a name without one. From the first `@`: namespace names, `*`, `**` and
 * NAMESPACE_OBJECTS hold none, so everything from it on is the cluster, whatever that name holds.
 * Family keys begin with a digit and kinds with `k:`, so the marker is no other member of their set.
 */
export function clusterMarker(name: string): string {
  const at = name.indexOf('@');
  return at < 0 ? '' : name.slice(at);
}

/**
 * How long a learned namespace's first sighting is kept (as `e:<namespace>` among the working
 * set's sightings) for `WorkHistory.entered`: the longest `unfamiliar_namespace.grace_seconds`.
 * A login older than this is answered ENTERED_UNKNOWN.
 */
export const ENTERED_KEEP_MS = 86_400_000;

/** What `observeAll` answers: `work` is undefined exactly when no WorkObservation was given. */
export interface ObservedAll {
  history: SubjectHistory;
  work: WorkHistory | undefined;
}

export type ApprovalState = 'pending' | 'approved' | 'rejected';

export interface ApprovalRecord {
  id: string;
  state: ApprovalState;
  /** The caller's JSON document: what was asked, by whom, why it was stopped, who decided. */
  data: string;
  /** Milliseconds since the epoch. */
  expiresAt: number;
}

/**
 * Pending approvals for automation requests (issue 7). Ids are hashes of exactly the request;
 * state moves pending → approved|rejected once, and an approval is consumed once.
 */
export interface ApprovalStore {
  /** Creates a pending record unless one exists; returns the record in force either way. */
  create(id: string, data: string, ttlMs: number, nowMs: number): Promise<ApprovalRecord>;
  get(id: string, nowMs: number): Promise<ApprovalRecord | undefined>;
  /** pending → approved|rejected; `data` replaces the document. Undefined if not pending. */
  decide(id: string, state: 'approved' | 'rejected', data: string, ttlMs: number, nowMs: number): Promise<ApprovalRecord | undefined>;
  /** Atomically: if approved, delete it and return true. Exactly one concurrent caller wins. */
  consume(id: string, nowMs: number): Promise<boolean>;
  /** Unexpired records, newest first. */
  list(limit: number, nowMs: number): Promise<ApprovalRecord[]>;
}

/** A step-up challenge stepgate answered a credential with (issue 13), as the plugin reads it back. */
export interface ChallengeRecord {
  /** JSON document: acr_values, max_age, reason, level, rules; never the token. */
  data: string;
  /** Milliseconds since the epoch. */
  expiresAt: number;
}

/**
 * The last step-up challenge issued per credential, so the kubectl credential plugin can ask
 * which level and freshness to step up to (client-go never shows it the WWW-Authenticate header).
 * Keys are opaque hashes of the token (the store hashes them again for key names); a newer
 * challenge replaces the older one; records expire at `expiresAt` by the caller's clock.
 */
export interface ChallengeStore {
  remember(key: string, data: string, ttlMs: number, nowMs: number): Promise<void>;
  get(key: string, nowMs: number): Promise<ChallengeRecord | undefined>;
}

/** One incident or revocation as the store keeps it: an opaque JSON document with an expiry. */
export interface ControlRecord {
  id: string;
  /** The caller's JSON document (scope, effect, reason, who, when); the store never reads it. */
  data: string;
  /** Milliseconds since the epoch, by the caller's clock. */
  expiresAt: number;
}

/**
 * `signout`: a step-up session its user signed out of (POST /.stepgate/signout), kept until the
 * session would have expired. A kind of its own, not a `revocation`: sign-outs come from every
 * user, and under the per-kind cap they must never push an administrator's revocation out (nor
 * fill the admin API's revocation list).
 */
export type ControlKind = 'incident' | 'revocation' | 'signout' | 'approval';

/**
 * Every live incident, revocation and sign-out, and the version they are at; and the approvals
 * already used (kind `approval`, id = the approval id), kept as long as the approval could still be
 * in force: an approval lives in the approval store, outside the version count, so a Redis put
 * back from before its use would bring it back as unused. Here, the incident board notices the
 * loss and writes the record back, and an approval it names is not used twice.
 */
export interface ControlSnapshot {
  version: number;
  incidents: ControlRecord[];
  revocations: ControlRecord[];
  signouts: ControlRecord[];
  usedApprovals: ControlRecord[];
}

/**
 * Incidents and revocations (issue 15), shared by every replica. Each write bumps one version
 * counter and announces it, so a replica's local mirror learns of a change at once (`watch`) and,
 * should an announcement be lost, from the counter on its next poll. At most MAX_CONTROL records
 * of each kind (the ones expiring soonest dropped first); expiry by the caller's clock.
 */
export interface ControlStore {
  /** Adds or replaces a record; returns the new version. */
  put(kind: ControlKind, record: ControlRecord, nowMs: number): Promise<number>;
  /** Deletes a record; returns the new version, or undefined when there was no such record. */
  remove(kind: ControlKind, id: string, nowMs: number): Promise<number | undefined>;
  /** Current version; cheap (one GET), polled by every replica. */
  version(): Promise<number>;
  /** Everything unexpired at `nowMs`, atomically with its version. */
  snapshot(nowMs: number): Promise<ControlSnapshot>;
  /** Calls `onChange` after every change (made by any replica); returns the unsubscribe. Never throws. */
  watch(onChange: () => void): () => void;
  /**
   * Forgets what the risk engine learnt about a subject: known addresses, networks, devices,
   * client kinds, first sightings and counters, and its working set (namespaces and their
   * families, sites, wider networks, familiar objects, pace) (and one session's record when
   * `session` is not ''), so its next request is assessed as from a stranger.
   */
  forget(subject: string, session: string): Promise<void>;
  /**
   * `forget(key, '')` for the subject key and for every key whose subject differs from it only in
   * case (keys.ts foldedSubjectKey): a subject revocation refuses tokens in any case, so what was
   * learnt under any spelling is forgotten too. Rare (a revocation), so it may cost a scan: the
   * memory store walks its subjects; the Redis store reads the spellings `learn` and `learnWork`
   * indexed (keys.ts spellingsKey). The Check's path writes and reads nothing more for it.
   */
  forgetEveryCase(subject: string): Promise<void>;
  /**
   * True exactly once per `key` within `ttlMs` across every replica (a Security Event Token's
   * `jti`): later calls with the same key answer false.
   */
  once(key: string, ttlMs: number, nowMs: number): Promise<boolean>;
  /**
   * The store lost data (the incident board found the version gone back, or fewer changes than
   * records that came and went): the history is lost too, now (StateStore.historyLostAt). Optional:
   * a store that cannot lose its control records without its history does without.
   */
  historyLost?(nowMs: number): Promise<void>;
}

/**
 * OpenShift console session cookies, each bound to the stepgate identity that first presented it
 * (pipeline/console-sessions.ts). Keys and subjects are opaque; the store keeps hashes of both,
 * never the cookie. Expiry by the caller's clock, as for challenges.
 */
export interface ConsoleSessionStore {
  /**
   * Binds `key` to `subject` until `nowMs + ttlMs` unless it is bound (and unexpired) already;
   * answers whether it is now bound to `subject`. A binding never moves to another subject before
   * it expires, and is not extended by use. Atomic across replicas: of two subjects presenting
   * the same new key at once, exactly one is answered true.
   */
  bind(key: string, subject: string, ttlMs: number, nowMs: number): boolean | Promise<boolean>;
}

export interface StateStore {
  readonly kind: 'memory' | 'redis';
  /**
   * `observe` and `observeWork` always answer at once (never with a Promise), read their
   * observation only while called and keep nothing of it, and there is no `observeAll`: the risk
   * engine then gives every Check the same Observation and pending record (the memory store).
   * A caller still checks each answer and copies what it reuses before any wait.
   */
  readonly answersAtOnce?: boolean;
  /** Console session bindings; optional so that test doubles without them keep working (console requests then refuse). */
  readonly consoleSessions?: ConsoleSessionStore;
  /**
   * `into`: an answer object of the caller's (blankHistory), reused from Check to Check, that a
   * store answering synchronously writes its answer into and returns (the memory store), so a
   * Check allocates none; the caller has read it before its next call with the same object. A
   * store answering with a Promise ignores it and answers with an object of its own.
   */
  observe(o: Observation, into?: SubjectHistory): SubjectHistory | Promise<SubjectHistory>;
  /**
   * Makes the address, network, device and client kind known for the subject (empty strings are
   * skipped): called after a request is allowed with an authentication at the learning level made
   * after the context's first sighting, off the response path.
   */
  learn(subject: string, ip: string, ipPrefix: string, device: string, nowMs: number, client?: string): void | Promise<void>;
  /**
   * The working set, pace and site of a request (see WorkObservation); optional so that test
   * doubles without it keep working (the signals that need it then stay quiet). Issued in the
   * same round trip as `observe`.
   */
  observeWork?(w: WorkObservation, into?: WorkHistory): WorkHistory | Promise<WorkHistory>;
  /**
   * `observe` and, when `w` is given, `observeWork` in one call, with the same answers: a store
   * that can do both in one command (Redis: one script call per Check) offers it, and the risk
   * engine then uses it instead of the two calls. Optional, like observeWork.
   */
  observeAll?(o: Observation, w: WorkObservation | undefined): ObservedAll | Promise<ObservedAll>;
  /**
   * After an allow from a proven context: the namespace joins the working set (not '' or `*`) and
   * the site becomes known and the last one; off the response path. `nearby` (the wider network
   * around the request's proven `network`) becomes known once `minNetworks` distinct proven
   * networks inside it have been reported within the known TTL (at once with 1, or without a
   * `network`): a phone or a rotating IPv6 prefix proves several, a static jump host one.
   * `object` (a sensitive object the allowed request read, '' none) becomes familiar, or its last
   * read is moved to now (StoreLimits.familiar). `family` (the learned namespace's family key,
   * WorkObservation.family; '' none) is kept with it when it names an explicit tier. `kind`
   * (WorkObservation.kind, '' none) becomes known, kept like the working set.
   */
  learnWork?(subject: string, namespace: string, site: string, nowMs: number, nearby?: string, network?: string, minNetworks?: number, object?: string, proof?: boolean, family?: string, kind?: string): void | Promise<void>;
  /**
   * The assurance levels the subject's allowed requests proved within the known TTL, as
   * proveLevel wrote them (none: empty): read by the risk engine only where `assurance_downgrade` can fire (a
   * new network, no device a certificate or cookie proves, a token below the highest level). Kept
   * apart from `observe`'s keys and scripts: it is read on that rare path alone and written once
   * per level and refresh interval, so a Check pays nothing for it. Optional like observeWork (the signal then stays quiet).
   */
  provenLevels?(subject: string, nowMs: number): readonly string[] | Promise<readonly string[]>;
  /**
   * After an allow: `level` was proven by the subject now. Each level keeps its own last proof, so
   * a weaker one never lowers the strongest; a level unproven for the known TTL is forgotten.
   * `level` is opaque to the store: the risk engine writes the level's name (`name:<name>`), never
   * its rank, because a rank means another level once `assurance.levels` is reordered or a level
   * inserted (RiskEngine.rankOfProven). Entries written as bare ranks by an earlier release are
   * returned as they are.
   */
  proveLevel?(subject: string, level: string, nowMs: number): void | Promise<void>;
  /**
   * The largest count of each accelerator (an extended resource such as `nvidia.com/gpu`) one
   * allowed write of the subject asked for, as learnAccelerators kept it within the known TTL
   * (none: empty), for `accelerators_above_history`. Like provenLevels, read by the risk engine
   * only on its one path (a write whose pod templates ask for accelerators), apart from
   * `observe`'s keys and scripts: every other Check pays nothing for it.
   */
  acceleratorsAsked?(subject: string, nowMs: number): Readonly<Record<string, number>> | Promise<Readonly<Record<string, number>>>;
  /**
   * After an allow: each count in `asked` is kept where it is larger than the one kept (a smaller
   * one never lowers it); the subject's record lives the known TTL after its last such write, and
   * keeps at most MAX_ACCELERATOR_NAMES names (the smallest counts dropped first: forgetting one
   * only ever asks more).
   */
  learnAccelerators?(subject: string, asked: Readonly<Record<string, number>>, nowMs: number): void | Promise<void>;
  /**
   * The accelerators the subject's allowed writes of the last `windowMs` asked, summed per name
   * (recordAccelerators; none: empty), for `accelerators_above_history.window_seconds`: sixteen
   * one-GPU Jobs in two minutes ask sixteen, as one Job of sixteen would; `object`'s own earlier
   * write (recordAccelerators) is left out, as this write replaces it. Read beside
   * acceleratorsAsked, on that path only.
   */
  acceleratorsRecent?(subject: string, nowMs: number, windowMs: number, object?: string): Readonly<Record<string, number>> | Promise<Readonly<Record<string, number>>>;
  /**
   * After an allow of a person's write that asks accelerators: its own counts, kept `windowMs`
   * (at most MAX_RECENT_ACCELERATOR_WRITES writes per subject, the oldest dropped first). `object`
   * names the object written when the request names one (an update, a patch, an apply; '' for a
   * create): its write replaces the object's earlier one in the window, so re-applying one 4-GPU
   * Deployment three times asks 4, not 12.
   */
  recordAccelerators?(subject: string, asked: Readonly<Record<string, number>>, nowMs: number, windowMs: number, object?: string): void | Promise<void>;
  /**
   * The accelerators per pod a scalable workload's template asked when a person last wrote it
   * (keepWorkloadAccelerators), within the known TTL; undefined when none is kept. `workload` is
   * the engine's key (cluster, group/resource, namespace, name). Read only for a person's scale of
   * a workload (its `/scale` subresource, a patch of `spec.replicas` alone).
   */
  workloadAccelerators?(workload: string, nowMs: number): Readonly<Record<string, number>> | undefined | Promise<Readonly<Record<string, number>> | undefined>;
  /** After an allowed write of a workload's template that asks accelerators: its per-pod counts, kept the known TTL. */
  keepWorkloadAccelerators?(workload: string, counts: Readonly<Record<string, number>>, nowMs: number): void | Promise<void>;
  /**
   * When this store detected that it lost history (ms; 0: no loss standing): Redis emptied or
   * rolled back under a running replica, a memory snapshot that existed but could not be read.
   * Every subject then looks new, and the newcomer allowance (`learn.newcomer_grace_seconds`)
   * would let any token signed in shortly before its first request prove that request's network,
   * device and client: a stolen one included. The risk engine gives that allowance to no sign-in
   * made before this time. Kept in the store itself (replicas started later see it) until
   * the known TTL plus a day after it (lossStands). Synchronous: a field read, no round trip. Optional (no loss).
   */
  historyLostAt?(nowMs: number): number;
  /**
   * The subject's last proof of a context (ms; 0: none within `StoreLimits.provenTtlSeconds`): the
   * time of the latest `learn` for it. A compact mark (one number a subject) kept much longer than
   * the context records, so a subject idle past `known_ttl_seconds`, whose records expired, is
   * still told from one never seen (RiskEngine.newcomerAnswer). Kept across a revocation, which
   * only asks more of the subject. Read by the risk engine only on a newcomer's path to a refusing
   * band; a failure rejects and the engine fails as when `observe` fails. Optional: a store
   * without it vouches for no newcomer (absenceVouched).
   */
  provenAt?(subject: string, nowMs: number): number | Promise<number>;
  /**
   * Whether this store can vouch that a subject with no mark (provenAt 0) has proven nothing within
   * the mark's lifetime: it has held every mark written for that long. Not after it started
   * without its history (a memory store without a snapshot, a snapshot that was missing or
   * unreadable, Redis emptied or its history marker gone, a mark evicted for room) until the mark
   * lifetime has passed since then: a subject it forgot would otherwise read as a newcomer.
   * Synchronous: a field read. Optional (absent: never).
   */
  absenceVouched?(nowMs: number): boolean;
  /** Counted toward `denials`; called after a deny, off the response path. */
  recordDenial(subject: string, nowMs: number): void | Promise<void>;
  readonly approvals: ApprovalStore;
  readonly challenges: ChallengeStore;
  readonly control: ControlStore;
  /**
   * Device-certificate issues per subject counted across every replica
   * (device_certificates.rate_limit); only a shared store has it: with the memory store each
   * replica counts for itself (devices/rate.ts).
   */
  readonly deviceIssues?: IssueCounts;
  close(): Promise<void>;
}

export interface IssueCounts {
  /**
   * Counts one issue for the subject and answers whether it is within `max` in the window the
   * subject's first counted issue opened (`windowMs` long). Rejects with StateUnavailableError
   * when the store cannot answer: the caller refuses (an issue nobody counted is not issued).
   */
  take(issuer: string, subject: string, max: number, windowMs: number): Promise<boolean>;
}

/**
 * How long a detected loss stands past the known TTL: the longest newcomer grace (a day). A
 * sighting first made in the grace after the loss could otherwise still be proven, after the fact
 * ended, by a sign-in from before it; sightings are forgotten after the known TTL.
 */
export const HISTORY_LOSS_GRACE_MS = 86_400_000;

/** Whether a loss detected at `lostAt` still stands at `nowMs` (StateStore.historyLostAt). */
export function lossStands(lostAt: number, nowMs: number, knownTtlMs: number): boolean {
  return lostAt > 0 && nowMs < lostAt + knownTtlMs + HISTORY_LOSS_GRACE_MS;
}

/** The one failure a store reports. Its code is the decision reason it leads to. */
export class StateUnavailableError extends Error {
  readonly code = 'state_unavailable';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'StateUnavailableError';
  }
}
