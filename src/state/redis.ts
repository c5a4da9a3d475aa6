import { createHash, randomBytes } from 'node:crypto';
import { Cluster, Command, Redis, type ClusterOptions, type RedisOptions } from 'ioredis';
import type { Logger } from 'pino';
import { MAX_ACCELERATOR_COUNT } from '../core/accelerators.js';
import { acceleratorKey, acceleratorRecentKey, workloadAcceleratorKey, approvalIndexKey, approvalKey, challengeKey, consoleSessionKey, controlChannel, controlKeys, counterKey, deviceIssueKey, historyKey, foldedSubjectKey, levelKey, opaqueHash, provenKey, spellingsKey, subjectKeys, subjectKeysOfHash, workKeys, workKeysOfHash } from './keys.js';
import {
  APPROVAL_CONSUME_LUA,
  APPROVAL_CREATE_LUA,
  APPROVAL_DECIDE_LUA,
  APPROVAL_LIST_LUA,
  CONSOLE_BIND_LUA,
  CONTROL_PUT_LUA,
  CONTROL_REMOVE_LUA,
  CONTROL_SNAPSHOT_LUA,
  DENIAL_LUA,
  ISSUE_TAKE_LUA,
  LEARN_LUA,
  LEARN_WORK_LUA,
  observeBatchLua,
  observeLua,
  observeWorkLua,
} from './redis-scripts.js';
import { byteCompare, clampLimit, clampTtl, limitsMs, MAX_APPROVALS, MAX_CONTROL, wholeMs, type LimitsMs } from './sliding.js';
import { scriptCounts } from './script-counts.js';
import { bulk, CheckArgsEncoder } from './redis-args.js';
import { keepPrimitivePrototypesFast } from './fast-prototypes.js';
import {
  lossStands,
  MAX_ACCELERATOR_NAMES,
  MAX_RECENT_ACCELERATOR_WRITES,
  StateUnavailableError,
  type ApprovalRecord,
  type ApprovalState,
  type ApprovalStore,
  type ChallengeRecord,
  type ChallengeStore,
  type ConsoleSessionStore,
  type ControlKind,
  type ControlRecord,
  type ControlSnapshot,
  type ControlStore,
  type IssueCounts,
  type Observation,
  type ObservedAll,
  type StateStore,
  type StoreLimits,
  type SubjectHistory,
  type WorkHistory,
  type WorkObservation,
} from './store.js';

// ioredis is loaded by now (imports run first); its String subclass left String.prototype slow.
keepPrimitivePrototypesFast();

/** ioredis decodes the Check's reply to strings (its numbers are one comma-joined string). */
const UTF8_REPLY = { replyEncoding: 'utf8' as const };

/** Where and how to connect; the factory builds it from config and environment. */
export interface RedisConnection {
  host: string;
  port: number;
  db: number;
  username?: string;
  password?: string;
  /** Present for `rediss://`: TLS, with an optional CA bundle (PEM). */
  tls?: { ca?: string; servername?: string };
  /** Redis Sentinel: host/port above are unused; the primary is asked of the sentinels. */
  sentinel?: { name: string; nodes: { host: string; port: number }[]; password?: string };
  /** Redis Cluster: seed nodes; host/port/db above are unused (a cluster has only db 0). */
  cluster?: { nodes: { host: string; port: number }[] };
}

export interface RedisStoreOptions {
  connection: RedisConnection;
  keyPrefix: string;
  /** Every call settles within this many milliseconds. */
  timeoutMs: number;
  /**
   * Approval writes (create, decide, consume) are acknowledged only once this many replicas hold
   * them (Redis WAIT), so a failover cannot bring back an approval that was already used.
   */
  waitReplicas?: number;
  waitTimeoutMs?: number;
  log?: Logger;
  /**
   * At most this many Checks share one script call (1: every Check its own call, as before the
   * batch). For tests and benchmarks; the default is BATCH_MAX.
   */
  batchMax?: number;
  /**
   * When a batch is sent: once this turn's microtasks have run ('microtask'), or after this
   * turn's I/O callbacks ('immediate', the default). For the benchmark that chose between them.
   */
  batchFlush?: 'microtask' | 'immediate';
}

/**
 * A batch's bounds: 64 Checks, and 64 KiB of arguments (a Check's are ~300 bytes; a request with
 * very long values gets a batch to itself rather than growing one without bound).
 */
export const BATCH_MAX = 64;
export const BATCH_MAX_CHARS = 64 * 1024;

/** One Check waiting in a batch. */
interface Queued {
  /** Its counters key (observeLua's KEYS[1]), and the same in RESP. */
  key: string;
  keyBulk: string;
  /** Its ARGV, already in RESP (`bulk`), and how many there are. */
  argv: string;
  argc: number;
  withWork: boolean;
  /** performance.now() by which it settles. */
  deadline: number;
  resolve: (v: ObservedAll) => void;
  reject: (e: unknown) => void;
}

interface Batch {
  items: Queued[];
  chars: number;
}

/**
 * The group a Check's script call can share with others: on Redis Cluster a script may only
 * touch one slot, so Checks share a call only when their counters keys have the same hash tag
 * (Redis's rule: the text between the first '{' and the first '}' after it, when not empty, else
 * the whole key); every key a Check touches carries its counters key's tag (keys.ts). That is one
 * subject's Checks: grouping by computed slot instead would add, with 64 Checks in flight over
 * 16,384 slots, about one pair in eight batches. On a single node or Sentinel every Check is in
 * group ''.
 */
export function batchGroup(key: string, cluster: boolean): string {
  if (!cluster) return '';
  const open = key.indexOf('{');
  if (open === -1) return key;
  const close = key.indexOf('}', open + 1);
  return close === -1 || close === open + 1 ? key : key.slice(open + 1, close);
}

type Arg = string | number;
interface Scripted {
  sgDenial(...args: Arg[]): Promise<unknown>;
  sgLearn(...args: Arg[]): Promise<unknown>;
  sgObserveWork(...args: Arg[]): Promise<unknown>;
  sgLearnWork(...args: Arg[]): Promise<unknown>;
  sgApprovalCreate(...args: Arg[]): Promise<unknown>;
  sgApprovalDecide(...args: Arg[]): Promise<unknown>;
  sgApprovalConsume(...args: Arg[]): Promise<unknown>;
  sgApprovalList(...args: Arg[]): Promise<unknown>;
  sgControlPut(...args: Arg[]): Promise<unknown>;
  sgControlRemove(...args: Arg[]): Promise<unknown>;
  sgControlSnapshot(...args: Arg[]): Promise<unknown>;
  sgIssueTake(...args: Arg[]): Promise<unknown>;
  sgConsoleBind(...args: Arg[]): Promise<unknown>;
}

/** Reconnect backoff: quick at first (a restart or failover), capped so recovery is seen within ~2 s. */
export function reconnectDelay(attempt: number): number {
  return Math.min(2000, 50 * 2 ** Math.min(attempt, 6));
}

/**
 * The options every connection shares, whatever the topology: fail fast (no offline queue, no
 * retried commands) and reconnect in the background.
 */
function nodeOptions(c: RedisConnection, timeoutMs: number): RedisOptions {
  return {
    username: c.username,
    password: c.password,
    tls: c.tls ? { ca: c.tls.ca, servername: c.tls.servername } : undefined,
    commandTimeout: timeoutMs,
    connectTimeout: Math.max(1000, timeoutMs * 10),
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    autoResendUnfulfilledCommands: false,
    retryStrategy: reconnectDelay,
    connectionName: 'stepgate',
    // Not enableAutoPipelining: ioredis then keeps only one pipeline in flight at a time, which in
    // the benchmark (bench/README.md, scenario (e)) lowered throughput with Redis by ~10 %.
  };
}

/** One connection object for the configured topology (single node, Sentinel or Cluster). */
function connect(c: RedisConnection, timeoutMs: number): Redis | Cluster {
  const base = nodeOptions(c, timeoutMs);
  if (c.cluster !== undefined) {
    const options: ClusterOptions = {
      redisOptions: base,
      enableOfflineQueue: false,
      clusterRetryStrategy: reconnectDelay,
      // A MOVED/ASK redirection is followed at once; during a failover a slot has no primary, and
      // the call fails (the caller applies on_state_error) rather than waiting for the election.
      maxRedirections: 4,
      retryDelayOnFailover: 0,
      retryDelayOnClusterDown: 0,
      retryDelayOnTryAgain: 0,
      retryDelayOnMoved: 0,
      slotsRefreshTimeout: Math.max(1000, timeoutMs * 10),
      slotsRefreshInterval: 2000,
      // TLS certificates name the hosts; keep the names the seeds were given.
      dnsLookup: (address, callback) => callback(null, address),
    };
    return new Cluster(c.cluster.nodes, options);
  }
  if (c.sentinel !== undefined) {
    return new Redis({
      ...base,
      db: c.db,
      sentinels: c.sentinel.nodes,
      name: c.sentinel.name,
      sentinelPassword: c.sentinel.password,
      enableTLSForSentinelMode: c.tls !== undefined,
      sentinelTLS: c.tls ? { ca: c.tls.ca } : undefined,
      sentinelRetryStrategy: reconnectDelay,
      sentinelMaxConnections: 10,
      // After a failover the old primary may come back as a replica: never write to it.
      role: 'master',
      failoverDetector: true,
    });
  }
  return new Redis({ ...base, host: c.host, port: c.port, db: c.db });
}

/**
 * The store shared by many replicas. One Lua script per call, so a Check costs one round trip
 * and sees a consistent subject; the Checks of one event-loop turn share one call (`check`). Fails fast: no offline queue and no retried commands, so while
 * Redis is away every call rejects with StateUnavailableError at once (or at `timeoutMs` at the
 * latest) and the caller applies `on_state_error`; the connection itself reconnects in the
 * background with backoff and the store recovers without being re-created.
 */
export class RedisStateStore implements StateStore {
  readonly kind = 'redis' as const;
  readonly approvals: ApprovalStore;
  readonly challenges: ChallengeStore;
  readonly consoleSessions: ConsoleSessionStore;
  readonly control: RedisControl;
  readonly deviceIssues: IssueCounts;
  private readonly l: LimitsMs;
  private readonly redis: Redis | Cluster;
  /** The connection for writes that wait for replicas; `redis` itself when there is no WAIT. */
  private readonly writer: Redis | Cluster;
  private readonly waitReplicas: number;
  private readonly waitTimeoutMs: number;
  private readonly scripted: Scripted;
  /** The Check's script (redis-scripts.ts observeLua) and its SHA-1, sent as EVALSHA by `check`. */
  private readonly observeScript: { lua: string; sha: string };
  /** Several Checks in one call (redis-scripts.ts observeBatchLua). */
  private readonly batchScript: { lua: string; sha: string };
  private readonly batchMax: number;
  /** Each subject's last Check arguments, encoded (redis-args.ts). */
  private readonly args: CheckArgsEncoder;
  private readonly batchFlush: 'microtask' | 'immediate';
  /** Checks waiting for this turn's flush, by batchGroup. */
  private queued = new Map<string, Batch>();
  private flushing = false;
  /** @internal Script calls the Checks went out in, for the benchmark: batches, Checks, largest. */
  readonly batchStats = { calls: 0, checks: 0, largest: 0 };
  private readonly prefix: string;
  private readonly timeoutMs: number;
  private readonly log: Logger | undefined;
  private closed = false;
  /** Only the first error of an outage is logged; `ready` re-arms it. */
  private failing = false;
  /** StateStore.historyLostAt, as last read from historyKey (syncHistory). */
  private lostAt = 0;
  /** The historyKey `b` this replica last saw: another one, or none, is a Redis that lost data. */
  private born: string | undefined;
  /** StateStore.absenceVouched: from when, as last read from historyKey `m` (Infinity: not read yet). */
  private vouchFrom = Infinity;

  constructor(limits: StoreLimits, options: RedisStoreOptions) {
    this.l = limitsMs(limits);
    this.prefix = options.keyPrefix;
    this.args = new CheckArgsEncoder(options.keyPrefix);
    this.timeoutMs = options.timeoutMs;
    this.log = options.log;
    this.waitReplicas = options.waitReplicas ?? 0;
    this.waitTimeoutMs = options.waitTimeoutMs ?? 100;
    this.redis = connect(options.connection, options.timeoutMs);
    const lua = observeLua(this.l);
    this.observeScript = { lua, sha: createHash('sha1').update(lua).digest('hex') };
    const batchLua = observeBatchLua(this.l);
    this.batchScript = { lua: batchLua, sha: createHash('sha1').update(batchLua).digest('hex') };
    this.batchMax = Math.max(1, Math.min(options.batchMax ?? BATCH_MAX, BATCH_MAX));
    this.batchFlush = options.batchFlush ?? 'immediate';
    // WAIT blocks its connection on the server, so durable writes get their own: on the shared one
    // every Check queued behind a WAIT would time out. ioredis must not give up on the WAIT before
    // the server does; each call is still bounded by `run`'s own timer.
    this.writer = this.waitReplicas > 0 ? connect(options.connection, options.timeoutMs + this.waitTimeoutMs) : this.redis;
    // Without an 'error' listener an EventEmitter error would crash the process.
    this.redis.on('error', (err: Error) => {
      if (!this.failing && !this.closed) {
        this.failing = true;
        this.log?.warn({ event: 'state_store', store: 'redis', err: err.message }, 'redis state store unavailable; reconnecting');
      }
    });
    this.redis.on('ready', () => {
      if (this.failing) this.log?.info({ event: 'state_store', store: 'redis' }, 'redis state store recovered');
      this.failing = false;
    });
    for (const conn of new Set([this.redis, this.writer])) {
      conn.defineCommand('sgDenial', { numberOfKeys: 1, lua: DENIAL_LUA });
      conn.defineCommand('sgLearn', { numberOfKeys: 4, lua: LEARN_LUA });
      conn.defineCommand('sgObserveWork', { numberOfKeys: 9, lua: observeWorkLua(this.l) });
      conn.defineCommand('sgLearnWork', { numberOfKeys: 7, lua: LEARN_WORK_LUA });
      conn.defineCommand('sgApprovalCreate', { numberOfKeys: 2, lua: APPROVAL_CREATE_LUA });
      conn.defineCommand('sgApprovalDecide', { numberOfKeys: 2, lua: APPROVAL_DECIDE_LUA });
      conn.defineCommand('sgApprovalConsume', { numberOfKeys: 2, lua: APPROVAL_CONSUME_LUA });
      conn.defineCommand('sgApprovalList', { numberOfKeys: 1, lua: APPROVAL_LIST_LUA });
      conn.defineCommand('sgControlPut', { numberOfKeys: 3, lua: CONTROL_PUT_LUA });
      conn.defineCommand('sgControlRemove', { numberOfKeys: 3, lua: CONTROL_REMOVE_LUA });
      conn.defineCommand('sgControlSnapshot', { numberOfKeys: 9, lua: CONTROL_SNAPSHOT_LUA });
      conn.defineCommand('sgIssueTake', { numberOfKeys: 1, lua: ISSUE_TAKE_LUA });
      conn.defineCommand('sgConsoleBind', { numberOfKeys: 1, lua: CONSOLE_BIND_LUA });
    }
    if (this.writer !== this.redis) this.writer.on('error', () => {}); // reported through `redis`'s listener
    this.scripted = this.redis as unknown as Scripted;
    this.approvals = new RedisApprovals(this);
    this.challenges = new RedisChallenges(this);
    this.consoleSessions = new RedisConsoleSessions(this);
    this.control = new RedisControl(this);
    this.deviceIssues = new RedisIssueCounts(this);
  }

  historyLostAt(nowMs: number): number {
    return lossStands(this.lostAt, nowMs, this.l.knownTtlMs) ? this.lostAt : 0;
  }

  /**
   * Reads whether this Redis still holds the history this replica saw in it (historyKey): called
   * with every control snapshot, which every replica polls. Absent at this replica's first read
   * is a first start (or a loss while no replica ran, which nothing can tell apart: persistence
   * is the remedy); absent or replaced after it is a loss.
   */
  async syncHistory(nowMs: number): Promise<void> {
    const key = historyKey(this.prefix);
    const [b, l, m] = await this.run('history', () => this.redis.hmget(key, 'b', 'l', 'm'));
    if (b !== null && (this.born === undefined || b === this.born)) {
      this.born = b;
      this.lostAt = l === null ? 0 : Number(l) || 0;
      // A marker written before marks were kept: none is held from before now (an upgrade).
      if (m === null) await this.run('history', () => this.redis.hsetnx(key, 'm', String(wholeMs(nowMs) + this.l.provenTtlMs)));
      const from = m === null ? await this.run('history', () => this.redis.hget(key, 'm')) : m;
      this.vouchFrom = from === null ? Infinity : Number(from);
      if (Number.isNaN(this.vouchFrom)) this.vouchFrom = Infinity;
      await this.syncEvictions(nowMs, false);
      return;
    }
    if (b === null && this.born === undefined) {
      // A first start: nothing was held before, so no subject can have been forgotten (an empty
      // Redis while no replica ran looks the same: persistence is the remedy, docs/risk.md).
      await this.run('history', () => this.redis.hsetnx(key, 'b', String(wholeMs(nowMs))));
      await this.run('history', () => this.redis.hsetnx(key, 'm', '0'));
      const [born, from] = await this.run('history', () => this.redis.hmget(key, 'b', 'm'));
      this.born = born ?? undefined;
      this.vouchFrom = from === null || Number.isNaN(Number(from)) ? Infinity : Number(from);
      await this.syncEvictions(nowMs, true);
      return;
    }
    await this.historyLost(nowMs, b === null ? 'the store no longer holds its history marker' : 'its history marker was written again');
  }

  /**
   * Evictions since the last look by any replica may have taken a subject's proven mark (maxmemory
   * with an eviction policy): marks are then vouched for only a mark lifetime later, for every
   * replica (historyKey `m`). The server's run id and `evicted_keys` last seen are kept in the
   * marker (`e`), not in this replica: a replica started after evictions no running replica saw (a
   * rolling deploy replacing them all) would otherwise take the count it first reads as none. A
   * counter that went back or another run id (CONFIG RESETSTAT, a restart with persistence) hides
   * how many went before it: a server that had evicted, or has since, gave up the vouching. At a
   * first start (`first`) the count is only recorded: nothing was held before. A Redis that does
   * not report it (a proxy) changes nothing.
   */
  private async syncEvictions(nowMs: number, first: boolean): Promise<void> {
    const [stats, server] = await Promise.all([this.run('history', () => this.redis.info('stats')), this.run('history', () => this.redis.info('server'))]);
    const found = /(?:^|\n)evicted_keys:(\d+)/.exec(stats);
    if (found === null) return;
    const n = Number(found[1]);
    const run = /(?:^|\n)run_id:(\w+)/.exec(server)?.[1] ?? '';
    const key = historyKey(this.prefix);
    const was = await this.run('history', () => this.redis.hget(key, 'e'));
    const seen = `${run}:${n}`;
    if (was === seen) return;
    await this.run('history', () => this.redis.hset(key, 'e', seen));
    if (first) return;
    const cut = was === null ? -1 : was.lastIndexOf(':');
    const wasRun = cut < 0 ? undefined : was!.slice(0, cut);
    const wasN = cut < 0 ? Number.NaN : Number(was!.slice(cut + 1));
    // Unknown before (no `e`: a marker of an earlier release), or a counter that restarted: any
    // eviction the server reports, or reported, counts; otherwise the rise since the last look.
    const evicted = wasRun === undefined || Number.isNaN(wasN) ? n : wasRun !== run || n < wasN ? Math.max(n, wasN) : n - wasN;
    if (evicted <= 0) return;
    await this.unvouched(nowMs);
    this.log?.error({ event: 'state_store', store: 'redis', reason: 'state_history_lost', evicted }, 'redis evicted keys: a subject whose proven mark went reads as unknown, so a refusing band refuses unknown subjects for risk.proven_ttl_seconds');
  }

  /** historyKey `m` moved to a mark lifetime after now (never earlier than it is). */
  private async unvouched(nowMs: number): Promise<void> {
    const key = historyKey(this.prefix);
    const from = wholeMs(nowMs) + this.l.provenTtlMs;
    const was = await this.run('history', () => this.redis.hget(key, 'm'));
    const next = Math.max(from, was === null || Number.isNaN(Number(was)) ? 0 : Number(was));
    await this.run('history', () => this.redis.hset(key, 'm', String(next)));
    this.vouchFrom = next;
  }

  absenceVouched(nowMs: number): boolean {
    return nowMs >= this.vouchFrom;
  }

  /**
   * The subject's last proof within the mark lifetime (0 none): a GET of its own key (keys.ts
   * provenKey), read only on a newcomer's way to a refusing band, like provenLevels. The history
   * marker is read beside it, so a flush since the last control poll is not vouched for on the
   * word of the poll before it (absenceVouched is read right after this answer).
   */
  async provenAt(subject: string, nowMs: number): Promise<number> {
    const [v, [b, m]] = await Promise.all([
      this.run('observe', () => this.redis.get(provenKey(this.prefix, subject))),
      this.run('observe', () => this.redis.hmget(historyKey(this.prefix), 'b', 'm')),
    ]);
    if (b === null || b !== this.born) {
      // Emptied or replaced since this replica looked: nothing is vouched for until it is recorded.
      this.vouchFrom = Infinity;
      this.syncHistory(nowMs).catch((err: unknown) => this.log?.warn({ event: 'state_store', store: 'redis', err: (err as Error).message }, 'history marker not read'));
    } else if (m !== null && !Number.isNaN(Number(m))) {
      this.vouchFrom = Number(m);
    }
    const at = v === null ? 0 : Number(v) || 0;
    return at > wholeMs(nowMs) - this.l.provenTtlMs ? at : 0;
  }

  /** Records a loss found now in the store, for every replica (historyKey `l`), and logs it once. */
  async historyLost(nowMs: number, why: string): Promise<void> {
    const key = historyKey(this.prefix);
    const at = wholeMs(nowMs);
    await this.run('history', () => this.redis.hsetnx(key, 'b', String(at)));
    await this.run('history', () => this.redis.hset(key, 'l', String(at)));
    this.born = (await this.run('history', () => this.redis.hget(key, 'b'))) ?? undefined;
    this.lostAt = at;
    await this.unvouched(at);
    this.log?.error(
      { event: 'state_store', store: 'redis', reason: 'state_history_lost', lostAt: new Date(at).toISOString() },
      `redis lost data (${why}): every identity looks new, so no sign-in made before now gets the newcomer allowance`,
    );
  }

  async observe(o: Observation): Promise<SubjectHistory> {
    return (await this.observeAll(o, undefined)).history;
  }

  /**
   * A Check's subject history and, when `w` is given, its working set, in one script call: one
   * command, one socket write and one reply where `observe` and `observeWork` would be two of
   * each (bench/README.md, scenario (e)). Both parts are read and written atomically together.
   */
  observeAll(o: Observation, w: WorkObservation | undefined): Promise<ObservedAll> {
    // The script derives every key from the subject's (redis-scripts.ts observeLua), so a working
    // set of another subject (no caller does that) is its own call.
    if (w !== undefined && w.subject !== o.subject) {
      return Promise.all([this.observeAll(o, undefined), this.observeWork(w)]).then(([h, work]) => ({ history: h.history, work }));
    }
    const a = this.args.encode(o, w);
    return this.check(a.key, a.keyBulk, a.argv, a.argc, w !== undefined);
  }

  /**
   * The Check's script call, leaner than `run` and ioredis' defineCommand because it is the one
   * call every Check makes: the Checks issued within one event-loop turn wait for the turn's end
   * and go out as one script call (`flush`), one ioredis Command sent as it is (no wrapper
   * promise, no second timer: the command's own timeout bounds it), and EVAL with the script's
   * text only when the server answers NOSCRIPT (first use, a restart, a failover, SCRIPT FLUSH).
   * Settles within `timeoutMs` of this call (the batch's timer is its earliest Check's; the EVAL
   * gets what is left) with the history, or rejects with StateUnavailableError. `key` is the
   * counters key (observeLua's KEYS[1]) and `argv` its `argc` arguments (ARGV), in RESP.
   *
   * Why a batch is still the same Checks one after another: Redis runs one script at a time, so
   * the Checks of separate calls ran in the order they were sent, each atomically; a batch runs
   * them in the same order, each on its own `now`, and no other command runs between them, which
   * is one of the orders separate calls could already have run in. Nothing a Check's caller does
   * waits on another Check in flight: learn and recordDenial follow their own Check's answer, so
   * they are never held behind a batch they depend on.
   */
  private check(key: string, keyBulk: string, argv: string, argc: number, withWork: boolean): Promise<ObservedAll> {
    if (this.closed) return Promise.reject(new StateUnavailableError('redis observe: store is closed'));
    if (this.redis.status !== 'ready') return Promise.reject(new StateUnavailableError(`redis observe: not connected (${this.redis.status})`));
    const deadline = performance.now() + this.timeoutMs;
    if (this.batchMax === 1) {
      return new Promise<ObservedAll>((resolve, reject) => this.one({ key, keyBulk, argv, argc, withWork, deadline, resolve, reject }));
    }
    return new Promise<ObservedAll>((resolve, reject) => {
      const group = batchGroup(key, this.redis instanceof Cluster);
      const chars = key.length + argv.length;
      let batch = this.queued.get(group);
      if (batch !== undefined && batch.chars + chars > BATCH_MAX_CHARS) {
        this.queued.delete(group);
        this.sendBatch(batch);
        batch = undefined;
      }
      if (batch === undefined) {
        batch = { items: [], chars: 0 };
        this.queued.set(group, batch);
      }
      batch.items.push({ key, keyBulk, argv, argc, withWork, deadline, resolve, reject });
      batch.chars += chars;
      if (batch.items.length >= this.batchMax) {
        this.queued.delete(group);
        this.sendBatch(batch);
      } else if (!this.flushing) {
        this.flushing = true;
        if (this.batchFlush === 'microtask') queueMicrotask(this.flush);
        else setImmediate(this.flush);
      }
    });
  }

  /** Sends every waiting batch. */
  private readonly flush = (): void => {
    this.flushing = false;
    const all = this.queued;
    if (all.size === 0) return;
    this.queued = new Map();
    for (const batch of all.values()) this.sendBatch(batch);
  };

  private sendBatch(batch: Batch): void {
    const { items } = batch;
    const n = items.length;
    const stats = this.batchStats;
    stats.calls++;
    stats.checks += n;
    if (n > stats.largest) stats.largest = n;
    if (this.closed || this.redis.status !== 'ready') {
      const err = new StateUnavailableError(this.closed ? 'redis observe: store is closed' : `redis observe: not connected (${this.redis.status})`);
      for (const q of items) q.reject(err);
      return;
    }
    scriptCounts.calls++;
    scriptCounts.checks += n;
    if (n === 1) {
      this.one(items[0]!);
      return;
    }
    // KEYS (each Check's counters key) first, then each Check's arguments after its key.
    const keys = new Array<string>(n);
    let tail = '';
    let argc = n;
    for (let i = 0; i < n; i++) {
      const q = items[i]!;
      keys[i] = q.key;
      tail += q.keyBulk;
    }
    for (const q of items) {
      tail += q.argv;
      argc += q.argc;
    }
    // Items are queued in call order, so the first has the earliest deadline.
    this.script(
      this.batchScript, keys, argc, tail, items[0]!.deadline,
      (reply) => {
        if (!Array.isArray(reply) || reply.length !== n) {
          const err = new StateUnavailableError('redis observe: unexpected reply');
          for (const q of items) q.reject(err);
          return;
        }
        for (let i = 0; i < n; i++) {
          const q = items[i]!;
          const r: unknown = reply[i];
          if (typeof r === 'string' && r.charCodeAt(0) === 33) {
            q.reject(unavailable('observe', new Error(r.slice(1))));
            continue;
          }
          try {
            q.resolve(observed(r, q.withWork));
          } catch (err) {
            q.reject(err);
          }
        }
      },
      (err: unknown) => {
        for (const q of items) q.reject(err);
      },
    );
  }

  /** A Check in a script call of its own (observeLua). */
  private one(q: Queued): void {
    this.script(
      this.observeScript, [q.key], q.argc + 1, q.keyBulk + q.argv, q.deadline,
      (reply) => {
        try {
          q.resolve(observed(reply, q.withWork));
        } catch (err) {
          q.reject(err);
        }
      },
      q.reject,
    );
  }

  /**
   * EVALSHA of `s` with `keys` keys, then EVAL with its text on NOSCRIPT (nothing ran), all by
   * `deadline`; any failure is a StateUnavailableError. Callbacks rather than a promise: one
   * promise step from the reply to the Check's answer, as before the batch.
   */
  private script(s: { lua: string; sha: string }, keys: string[], argc: number, tail: string, deadline: number, ok: (reply: unknown) => void, fail: (err: unknown) => void): void {
    const first = deadline - performance.now();
    if (first < 1) {
      fail(new StateUnavailableError(`redis observe: no reply within ${this.timeoutMs} ms`));
      return;
    }
    this.send('evalsha', s.sha, keys, argc, tail, first).then(ok, (err: unknown) => {
      if (!(err instanceof Error) || !err.message.startsWith('NOSCRIPT')) {
        fail(unavailable('observe', err));
        return;
      }
      const left = deadline - performance.now();
      if (left < 1) {
        fail(new StateUnavailableError(`redis observe: no reply within ${this.timeoutMs} ms`));
        return;
      }
      this.send('eval', s.lua, keys, argc, tail, left).then(ok, (e: unknown) => fail(unavailable('observe', e)));
    });
  }

  /**
   * `tail` is the call's keys and arguments already in RESP (`argc` of them), so ioredis neither
   * copies them (Command's `args.flat()`) nor encodes them one by one (bench/README.md, "Issue 17:
   * the Redis path on the new machine").
   */
  private send(name: 'evalsha' | 'eval', body: string, keys: string[], argc: number, tail: string, timeoutMs: number): Promise<unknown> {
    this.cork();
    const cmd = new ScriptCommand(name, body, keys, argc, tail);
    // Set before sending, so ioredis' commandTimeout (the same or longer) adds no second timer.
    cmd.setTimeout(timeoutMs);
    return this.redis.sendCommand(cmd) as Promise<unknown>;
  }

  private corked = false;
  /**
   * Holds this turn's commands in the socket until the microtasks have run, so the Checks of one
   * batch of requests leave in one write instead of one syscall each (bench/README.md: ~7 µs of
   * CPU per Check with 128 in flight). No command waits longer than the current turn. A Cluster
   * keeps a socket per node behind ioredis' routing, so it is written as before.
   */
  private cork(): void {
    if (this.corked || this.redis instanceof Cluster) return;
    const stream = (this.redis as unknown as { stream?: { cork(): void; uncork(): void } }).stream;
    if (stream === undefined) return;
    stream.cork();
    this.corked = true;
    process.nextTick(() => {
      this.corked = false;
      stream.uncork();
    });
  }

  /** The working set alone; a Check sends it with `observe` through `observeAll`. */
  async observeWork(w: WorkObservation): Promise<WorkHistory> {
    const k = workKeys(this.prefix, w.subject);
    const reply = await this.run('observe', () =>
      this.scripted.sgObserveWork(k.namespaces, k.sightings, k.pace, k.sites, k.last, k.nearby, k.familiar, k.paceNew, k.families, wholeMs(w.nowMs), w.namespace, w.object, w.site, w.nearby, wholeMs(w.auth ?? 0), w.read === true ? '1' : '0', w.family ?? '', w.kind ?? ''),
    );
    if (!Array.isArray(reply) || reply.length !== 17) throw new StateUnavailableError('redis observe: unexpected reply');
    return workHistory(reply as unknown[], 0);
  }

  /** Off the response path, like `learn`. */
  async learnWork(subject: string, namespace: string, site: string, nowMs: number, nearby = '', network = '', minNetworks = 1, object = '', proof = true, family = '', kind = ''): Promise<void> {
    const k = workKeys(this.prefix, subject);
    await Promise.all([
      this.run('learn', () =>
        this.scripted.sgLearnWork(
          k.namespaces, k.sightings, k.sites, k.last, k.nearby, k.familiar, k.families,
          wholeMs(nowMs), namespace, site, this.l.knownTtlMs, this.l.maxWork, nearby, network, minNetworks, object, this.l.familiarMs, this.l.maxFamiliar, proof ? '1' : '0', family, kind,
        ),
      ),
      this.indexSpelling(subject),
    ]);
  }

  /**
   * Keeps `subject` in its folded key's spellings (keys.ts spellingsKey) for a revocation to find
   * (RedisControl.forgetEveryCase), as long as what it learns is kept; nothing when the spelling is
   * the folded one (a revocation forgets that one without the index). Off the response path, with
   * `learn` and `learnWork`, in their round trip.
   */
  private async indexSpelling(subject: string): Promise<void> {
    if (foldedSubjectKey(subject) === subject) return;
    const key = spellingsKey(this.prefix, subject);
    await this.run('learn', () => this.writer.multi().sadd(key, opaqueHash(subject)).pexpire(key, this.l.knownTtlMs).exec());
  }

  /** Off the response path; a failure rejects with StateUnavailableError for the caller to report. */
  async learn(subject: string, ip: string, ipPrefix: string, device: string, nowMs: number, client = ''): Promise<void> {
    const k = subjectKeys(this.prefix, subject, '');
    await Promise.all([
      this.run('learn', () => this.scripted.sgLearn(k.ips, k.prefixes, k.devices, k.clients, wholeMs(nowMs), ip, ipPrefix, device, this.l.knownTtlMs, this.l.maxKnown, client)),
      this.indexSpelling(subject),
    ]);
    // The proven mark (provenAt): written after the context, so a mark never stands for a
    // context the store did not take.
    await this.run('learn', () => this.writer.set(provenKey(this.prefix, subject), String(wholeMs(nowMs)), 'PX', this.l.provenTtlMs));
  }

  /**
   * The strongest level proven within the known TTL (-1 none). Plain commands on a key of its own
   * (keys.ts levelKey), not a part of the Check's script: it is read only where assurance_downgrade
   * can fire, a request from a network and a device both new, and the Check's script and its
   * argument layout stay as they are for every other Check. A failure rejects, and the engine
   * fails as it does when `observe` fails.
   */
  async provenLevels(subject: string, nowMs: number): Promise<readonly string[]> {
    const key = levelKey(this.prefix, subject);
    return this.run('observe', () => this.redis.zrangebyscore(key, `(${wholeMs(nowMs) - this.l.knownTtlMs}`, '+inf'));
  }

  /**
   * Off the response path, like `learn`: the level's last proof is now. Each level is its own
   * member, so a weaker one never lowers the strongest; the key lives as long as its newest proof.
   */
  async proveLevel(subject: string, level: string, nowMs: number): Promise<void> {
    const key = levelKey(this.prefix, subject);
    const ttl = this.l.knownTtlMs;
    await this.run('learn', () => this.writer.multi().zadd(key, wholeMs(nowMs), level).pexpire(key, ttl).exec());
  }

  /**
   * The largest count per accelerator (StateStore.acceleratorsAsked): a sorted set of its own
   * (keys.ts acceleratorKey), the count the score, read only for a write that asks accelerators,
   * like provenLevels. The key expires a known TTL after its last write. A failure rejects, and the
   * engine fails as it does when `observe` fails.
   */
  async acceleratorsAsked(subject: string): Promise<Readonly<Record<string, number>>> {
    const key = acceleratorKey(this.prefix, subject);
    const flat = await this.run('observe', () => this.redis.zrange(key, '0', '-1', 'WITHSCORES'));
    const out: Record<string, number> = {};
    for (let i = 0; i + 1 < flat.length; i += 2) {
      const n = Number(flat[i + 1]);
      if (Number.isFinite(n) && n > 0) out[flat[i]!] = n;
    }
    return out;
  }

  /**
   * Off the response path, like `learn`: `ZADD GT` keeps each name's larger count in one command
   * (a smaller one never lowers it), the smallest beyond MAX_ACCELERATOR_NAMES are dropped, and
   * the key lives a known TTL from now.
   */
  async learnAccelerators(subject: string, asked: Readonly<Record<string, number>>): Promise<void> {
    const key = acceleratorKey(this.prefix, subject);
    const args: (string | number)[] = [];
    for (const name in asked) args.push(asked[name]!, name);
    if (args.length === 0) return;
    await this.run('learn', () =>
      this.writer
        .multi()
        .zadd(key, 'GT', ...args)
        .zremrangebyrank(key, 0, -(MAX_ACCELERATOR_NAMES + 1))
        .pexpire(key, this.l.knownTtlMs)
        .exec(),
    );
  }

  /**
   * The subject's accelerator-asking writes of the last window, summed (StateStore.acceleratorsRecent):
   * a sorted set of its own (keys.ts acceleratorRecentKey), scored by when, each member the write's
   * counts after a unique prefix. Read beside acceleratorsAsked; a failure rejects as it does.
   */
  async acceleratorsRecent(subject: string, nowMs: number, windowMs: number, object = ''): Promise<Readonly<Record<string, number>>> {
    const key = acceleratorRecentKey(this.prefix, subject);
    const members = await this.run('observe', () => this.redis.zrangebyscore(key, `(${wholeMs(nowMs) - windowMs}`, '+inf'));
    const own = object === '' ? undefined : `${objectId(object)}:`;
    const out: Record<string, number> = {};
    for (const m of members) {
      if (own !== undefined && m.slice(m.indexOf(':') + 1).startsWith(own)) continue;
      const counts = recentCounts(m);
      for (const name in counts) out[name] = Math.min(MAX_ACCELERATOR_COUNT, (out[name] ?? 0) + counts[name]!);
    }
    return out;
  }

  /** A workload's per-pod accelerators (StateStore.workloadAccelerators): a JSON string of its own key; a failure rejects. */
  async workloadAccelerators(workload: string): Promise<Readonly<Record<string, number>> | undefined> {
    const key = workloadAcceleratorKey(this.prefix, workload);
    const v = await this.run('observe', () => this.redis.get(key));
    if (v === null) return undefined;
    const counts = recentCounts(`0:0:${v}`);
    return Object.keys(counts).length > 0 ? counts : undefined;
  }

  /** Off the response path: the counts replace what was kept, for the known TTL. */
  async keepWorkloadAccelerators(workload: string, counts: Readonly<Record<string, number>>): Promise<void> {
    const key = workloadAcceleratorKey(this.prefix, workload);
    await this.run('learn', () => this.writer.set(key, JSON.stringify(counts), 'PX', this.l.knownTtlMs));
  }

  /**
   * Off the response path, like learnAccelerators: one write added, the window's older ones and any
   * beyond the bound dropped. A named object's member starts with its hash, and its earlier member
   * in the window is removed first (a second round trip, on this path only).
   */
  async recordAccelerators(subject: string, asked: Readonly<Record<string, number>>, nowMs: number, windowMs: number, object = ''): Promise<void> {
    const key = acceleratorRecentKey(this.prefix, subject);
    const now = wholeMs(nowMs);
    const id = object === '' ? randomBytes(6).toString('hex') : objectId(object);
    const member = `${now}:${id}:${JSON.stringify(asked)}`;
    const earlier = object === '' ? [] : (await this.run('learn', () => this.writer.zrange(key, '0', '-1'))).filter((m) => m.slice(m.indexOf(':') + 1).startsWith(`${id}:`));
    await this.run('learn', () =>
      this.writer
        .multi()
        .zrem(key, ...(earlier.length > 0 ? earlier : [member]))
        .zadd(key, now, member)
        .zremrangebyscore(key, '-inf', now - windowMs)
        .zremrangebyrank(key, 0, -(MAX_RECENT_ACCELERATOR_WRITES + 1))
        .pexpire(key, Math.max(1, windowMs))
        .exec(),
    );
  }

  /**
   * Off the response path: resolves once the denial is counted, or once it could not be (the
   * failure is logged, not thrown), so an un-awaited call can never become an unhandled rejection.
   */
  async recordDenial(subject: string, nowMs: number): Promise<void> {
    try {
      await this.run('recordDenial', () =>
        this.scripted.sgDenial(counterKey(this.prefix, subject), wholeMs(nowMs), this.l.denialsMs, this.l.subjectTtlMs),
      );
    } catch (err) {
      this.log?.debug({ event: 'state_store', store: 'redis', err: (err as Error).message }, 'denial not counted');
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.control.close();
    // How well the Checks batched in this process's life (bench (e) reads it from the log).
    const b = this.batchStats;
    if (b.checks > 0) this.log?.info({ event: 'state_store', store: 'redis', checks: b.checks, scriptCalls: b.calls, largestBatch: b.largest }, 'redis state store closed');
    try {
      await this.run('close', () => Promise.all([...new Set([this.redis, this.writer])].map((c) => c.quit())), true);
    } catch {
      // Already down: nothing to say goodbye to.
    } finally {
      this.redis.disconnect();
      this.writer.disconnect();
    }
  }

  /**
   * Connection state, for readiness reporting: 'ready' when calls can succeed, which with
   * `wait_replicas` includes the writer's own connection (approvals, revocations): reporting ready
   * on the reader alone let a write right after startup fail as not connected.
   */
  get status(): string {
    const s = this.redis.status;
    return s === 'ready' && this.writer !== this.redis && this.writer.status !== 'ready' ? this.writer.status : s;
  }

  /**
   * Runs one call with the store's guarantees: settles within `timeoutMs`, and any failure
   * (timeout, no connection, server or script error) becomes StateUnavailableError.
   */
  /**
   * A write that must survive a failover: the script and a WAIT on the same connection (one
   * pipeline, so in a cluster both go to the slot's primary). Fewer acknowledging replicas than
   * `wait_replicas` is a failure: the caller fails closed rather than act on a write a promoted
   * replica may not have.
   */
  durable(what: string, script: keyof Scripted, args: Arg[]): Promise<unknown> {
    if (this.waitReplicas === 0) return this.run(what, () => this.scripted[script](...args));
    const once = async (): Promise<unknown> => {
      if (this.writer.status !== 'ready') throw new StateUnavailableError(`redis ${what}: not connected (${this.writer.status})`);
      const pipeline = this.writer.pipeline() as unknown as Scripted & { wait(n: number, t: number): unknown; exec(): Promise<[Error | null, unknown][] | null> };
      void pipeline[script](...args);
      pipeline.wait(this.waitReplicas, this.waitTimeoutMs);
      const replies = await pipeline.exec();
      if (replies === null || replies.length !== 2) throw new StateUnavailableError(`redis ${what}: no reply`);
      const [[scriptErr, reply], [waitErr, acked]] = replies as [[Error | null, unknown], [Error | null, unknown]];
      if (scriptErr) throw scriptErr;
      if (waitErr) throw waitErr;
      if (Number(acked) < this.waitReplicas) {
        throw new StateUnavailableError(`redis ${what}: acknowledged by ${Number(acked)} of ${this.waitReplicas} replicas within ${this.waitTimeoutMs} ms`);
      }
      return reply;
    };
    return this.run(
      what,
      async () => {
        try {
          return await once();
        } catch (err) {
          // ioredis follows a redirection for single commands but not for a pipeline whose WAIT
          // (keyless) was not redirected with the script: after a failover, learn the new slot
          // map and try once more. The script did not run on the old node, so this is no replay.
          if (!(this.writer instanceof Cluster) || !/^(MOVED|ASK) /.test((err as Error).message)) throw err;
          const cluster = this.writer;
          await new Promise<void>((resolve, reject) => cluster.refreshSlotsCache((e) => (e ? reject(e) : resolve())));
          return await once();
        }
      },
      false,
      this.timeoutMs + this.waitTimeoutMs,
    );
  }

  run<T>(what: string, call: () => Promise<T>, closing = false, timeoutMs = this.timeoutMs): Promise<T> {
    if (this.closed && !closing) return Promise.reject(new StateUnavailableError(`redis ${what}: store is closed`));
    if (this.redis.status !== 'ready' && !closing) {
      return Promise.reject(new StateUnavailableError(`redis ${what}: not connected (${this.redis.status})`));
    }
    this.cork();
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new StateUnavailableError(`redis ${what}: no reply within ${timeoutMs} ms`)),
        timeoutMs,
      );
      let pending: Promise<T>;
      try {
        pending = call();
      } catch (err) {
        clearTimeout(timer);
        reject(unavailable(what, err));
        return;
      }
      pending.then(
        (v) => {
          clearTimeout(timer);
          resolve(v);
        },
        (err: unknown) => {
          clearTimeout(timer);
          reject(unavailable(what, err));
        },
      );
    });
  }

  /** @internal for RedisApprovals */
  get internals() {
    return { scripted: this.scripted, redis: this.redis, prefix: this.prefix, log: this.log };
  }
}

function unavailable(what: string, err: unknown): StateUnavailableError {
  if (err instanceof StateUnavailableError) return err;
  const message = err instanceof Error ? err.message : String(err);
  return new StateUnavailableError(`redis ${what}: ${message}`, { cause: err });
}

/**
 * A script call whose request the store has encoded: ioredis writes `toWritable()` as it is. Its
 * `args` hold what ioredis itself reads of a script call's arguments, the keys (a Cluster routes
 * the call by the first one's slot); the reply is decoded as for any command, to strings.
 */
class ScriptCommand extends Command {
  private readonly request: string;

  constructor(name: 'evalsha' | 'eval', body: string, keys: string[], argc: number, tail: string) {
    super(name, [], UTF8_REPLY);
    this.args = [body, String(keys.length), ...keys];
    this.request = `*${argc + 3}\r\n$${name.length}\r\n${name}\r\n${bulk(body)}${bulk(String(keys.length))}${tail}`;
  }

  override toWritable(): string {
    return this.request;
  }
}

/** observed's numbers, parsed in place of an array per reply: `observed` runs to its end synchronously. */
const numbers = new Float64Array(34);

/** A string of the reply with the script's escapes ('%2C', '%25') turned back into ',' and '%'. */
function unescaped(t: string): string {
  return t.indexOf('%') === -1 ? t : t.replace(/%2C|%25/g, (m) => (m === '%2C' ? ',' : '%'));
}

/**
 * The observe script's reply (redis-scripts.ts observeLua): one string, its numbers then its
 * strings (previous UA family, session origin, session clients and, with work, the last site),
 * joined by ','. Anything else is a failure of the store, never a history with made-up values.
 * Read in place, without splitting it into a string per value. Exported for its unit test.
 */
export function observed(reply: unknown, withWork: boolean): ObservedAll {
  if (typeof reply !== 'string') throw new StateUnavailableError('redis observe: unexpected reply');
  const count = withWork ? 34 : 18;
  const n = numbers;
  let i = 0;
  for (let k = 0; k < count; k++) {
    const negative = reply.charCodeAt(i) === 45;
    if (negative) i++;
    const start = i;
    let v = 0;
    let c = reply.charCodeAt(i);
    while (c >= 48 && c <= 57) {
      v = v * 10 + (c - 48);
      c = reply.charCodeAt(++i);
    }
    // Every number is followed by ',' (the strings come after them). More than 15 digits is
    // nothing the script writes (its integers are counts and millisecond times) and might not be
    // read exactly (2^53 has 16), so it fails like any other malformed reply.
    if (i === start || i - start > 15 || c !== 44) throw new StateUnavailableError('redis observe: unexpected reply');
    n[k] = negative ? -v : v;
    i++;
  }
  const len = reply.length;
  let comma = reply.indexOf(',', i);
  if (comma === -1) throw new StateUnavailableError('redis observe: unexpected reply');
  const previousUaFamily = unescaped(reply.slice(i, comma));
  i = comma + 1;
  comma = reply.indexOf(',', i);
  if (comma === -1) throw new StateUnavailableError('redis observe: unexpected reply');
  const sessionOrigin = unescaped(reply.slice(i, comma));
  i = comma + 1;
  comma = reply.indexOf(',', i);
  if (withWork ? comma === -1 : comma !== -1) throw new StateUnavailableError('redis observe: unexpected reply');
  const sessionClients = unescaped(reply.slice(i, withWork ? comma : len));
  let lastSite = '';
  if (withWork) {
    i = comma + 1;
    if (reply.indexOf(',', i) !== -1) throw new StateUnavailableError('redis observe: unexpected reply');
    lastSite = unescaped(reply.slice(i, len));
  }
  const history: SubjectHistory = {
    firstSeen: n[0] === 1,
    ipKnown: n[1] === 1,
    prefixKnown: n[2] === 1,
    deviceKnown: n[3] === 1,
    knownDevices: n[4]!,
    previousUaFamily,
    sessionClients,
    requests: n[5]!,
    sensitive: n[6]!,
    denials: n[7]!,
    namespaces: n[8]!,
    clientKnown: n[9] === 1,
    knownClients: n[10]!,
    prefixSince: n[11]!,
    deviceSince: n[12]!,
    clientSince: n[13]!,
    sessionOrigin,
    sessionStart: n[14]!,
    objects: n[15]!,
    destructive: n[16]!,
    behaviourSince: n[17]!,
  };
  if (!withWork) return { history, work: undefined };
  return {
    history,
    work: {
      namespaceKnown: n[18] === 1,
      namespaceSince: n[19]!,
      workingSet: n[20]!,
      pace: n[21]!,
      siteKnown: n[22] === 1,
      lastSite,
      lastSiteAt: n[23]!,
      siteSince: n[24]!,
      nearbyKnown: n[25] === 1,
      paceSince: n[26]!,
      nearbyProvenAt: n[27]!,
      entered: n[28]!,
      familiar: n[29]!,
      familyKnown: n[30] === 1,
      clusterKnown: n[33] === 1,
      kindSince: n[31]!,
      historySince: n[32]!,
    },
  };
}

/** work's seventeen reply values, from index `i`, as a WorkHistory. */
function workHistory(r: unknown[], i: number): WorkHistory {
  return {
    namespaceKnown: r[i] === 1,
    namespaceSince: Number(r[i + 1]),
    workingSet: Number(r[i + 2]),
    pace: Number(r[i + 3]),
    siteKnown: r[i + 4] === 1,
    lastSite: typeof r[i + 5] === 'string' ? (r[i + 5] as string) : '',
    lastSiteAt: Number(r[i + 6]),
    siteSince: Number(r[i + 7]),
    nearbyKnown: r[i + 8] === 1,
    paceSince: Number(r[i + 9]),
    nearbyProvenAt: Number(r[i + 10]),
    entered: Number(r[i + 11]),
    familiar: Number(r[i + 12]),
    familyKnown: r[i + 13] === 1,
    clusterKnown: r[i + 16] === 1,
    kindSince: Number(r[i + 14]),
    historySince: Number(r[i + 15]),
  };
}

const STATES: readonly string[] = ['pending', 'approved', 'rejected'];

function record(id: string, state: unknown, data: unknown, exp: unknown): ApprovalRecord {
  if (typeof state !== 'string' || !STATES.includes(state) || typeof data !== 'string') {
    throw new StateUnavailableError('redis approvals: malformed record');
  }
  const expiresAt = Number(exp);
  if (!Number.isFinite(expiresAt)) throw new StateUnavailableError('redis approvals: malformed record');
  return { id, state: state as ApprovalState, data, expiresAt };
}

class RedisApprovals implements ApprovalStore {
  constructor(private readonly store: RedisStateStore) {}

  async create(id: string, data: string, ttlMs: number, nowMs: number): Promise<ApprovalRecord> {
    const { prefix } = this.store.internals;
    const reply = await this.store.durable('approvals.create', 'sgApprovalCreate', [
      approvalKey(prefix, id), approvalIndexKey(prefix),
      wholeMs(nowMs), id, data, clampTtl(ttlMs), MAX_APPROVALS, approvalKey(prefix, ''),
    ]);
    const [state, d, exp] = reply as unknown[];
    return record(id, state, d, exp);
  }

  async get(id: string, nowMs: number): Promise<ApprovalRecord | undefined> {
    const { redis, prefix } = this.store.internals;
    const [state, data, exp] = await this.store.run('approvals.get', () => redis.hmget(approvalKey(prefix, id), 's', 'd', 'e'));
    if (state === null || state === undefined || !(Number(exp) > wholeMs(nowMs))) return undefined;
    return record(id, state, data, exp);
  }

  async decide(
    id: string,
    state: 'approved' | 'rejected',
    data: string,
    ttlMs: number,
    nowMs: number,
  ): Promise<ApprovalRecord | undefined> {
    const { prefix } = this.store.internals;
    const reply = await this.store.durable('approvals.decide', 'sgApprovalDecide', [
      approvalKey(prefix, id), approvalIndexKey(prefix), wholeMs(nowMs), id, state, data, clampTtl(ttlMs),
    ]);
    if (reply === null) return undefined;
    const [s, d, exp] = reply as unknown[];
    return record(id, s, d, exp);
  }

  async consume(id: string, nowMs: number): Promise<boolean> {
    const { prefix } = this.store.internals;
    const reply = await this.store.durable('approvals.consume', 'sgApprovalConsume', [
      approvalKey(prefix, id), approvalIndexKey(prefix), wholeMs(nowMs), id,
    ]);
    return reply === 1;
  }

  async list(limit: number, nowMs: number): Promise<ApprovalRecord[]> {
    const { scripted, prefix } = this.store.internals;
    const n = clampLimit(limit);
    if (n === 0) return [];
    const reply = await this.store.run('approvals.list', () =>
      scripted.sgApprovalList(approvalIndexKey(prefix), wholeMs(nowMs), n, approvalKey(prefix, '')),
    );
    if (!Array.isArray(reply) || reply.length % 4 !== 0) throw new StateUnavailableError('redis approvals.list: unexpected reply');
    const out: ApprovalRecord[] = [];
    for (let i = 0; i < reply.length; i += 4) out.push(record(String(reply[i]), reply[i + 1], reply[i + 2], reply[i + 3]));
    return out;
  }
}

/**
 * One string per credential: `{"d": data, "e": expiresAt}` with PX as the caller's TTL. Expiry is
 * decided from `e` (the caller's clock, like the memory store); PX only collects the key.
 */
class RedisChallenges implements ChallengeStore {
  constructor(private readonly store: RedisStateStore) {}

  async remember(key: string, data: string, ttlMs: number, nowMs: number): Promise<void> {
    const { redis, prefix } = this.store.internals;
    const ttl = clampTtl(ttlMs);
    const value = JSON.stringify({ d: data, e: wholeMs(nowMs) + ttl });
    await this.store.run('challenges.remember', () => redis.set(challengeKey(prefix, key), value, 'PX', ttl));
  }

  async get(key: string, nowMs: number): Promise<ChallengeRecord | undefined> {
    const { redis, prefix } = this.store.internals;
    const raw = await this.store.run('challenges.get', () => redis.get(challengeKey(prefix, key)));
    if (raw === null || raw === undefined) return undefined;
    let parsed: { d?: unknown; e?: unknown };
    try {
      parsed = JSON.parse(raw) as { d?: unknown; e?: unknown };
    } catch {
      throw new StateUnavailableError('redis challenges: malformed record');
    }
    if (typeof parsed.d !== 'string' || typeof parsed.e !== 'number' || !Number.isFinite(parsed.e)) {
      throw new StateUnavailableError('redis challenges: malformed record');
    }
    return parsed.e > wholeMs(nowMs) ? { data: parsed.d, expiresAt: parsed.e } : undefined;
  }
}

/**
 * Console session bindings (CONSOLE_BIND_LUA), one key per cookie. A call of its own, made only
 * for a request that carries an OpenShift console cookie: the Check's script and its arguments
 * stay as they are for every other request.
 */
class RedisConsoleSessions implements ConsoleSessionStore {
  constructor(private readonly store: RedisStateStore) {}

  async bind(key: string, subject: string, ttlMs: number, nowMs: number): Promise<boolean> {
    const { scripted, prefix } = this.store.internals;
    const n = await this.store.run('console_sessions.bind', () => scripted.sgConsoleBind(consoleSessionKey(prefix, key), opaqueHash(subject), clampTtl(ttlMs), wholeMs(nowMs)));
    if (n !== 1 && n !== 0) throw new StateUnavailableError('redis console_sessions: malformed reply');
    return n === 1;
  }
}

/**
 * Device-certificate issues per subject, shared by every replica: a fixed window opened by the
 * subject's first counted issue, expired by Redis (ISSUE_TAKE_LUA). A refused attempt counts too,
 * which only keeps a subject at its limit until the window ends.
 */
class RedisIssueCounts implements IssueCounts {
  constructor(private readonly store: RedisStateStore) {}

  async take(issuer: string, subject: string, max: number, windowMs: number): Promise<boolean> {
    const { scripted, prefix } = this.store.internals;
    const n = await this.store.run('device_issues.take', () => scripted.sgIssueTake(deviceIssueKey(prefix, issuer, subject), clampTtl(windowMs)));
    if (typeof n !== 'number') throw new StateUnavailableError('redis device_issues: malformed reply');
    return n <= max;
  }
}

/**
 * Incidents and revocations. Writes are scripts (records, expiry index and version in one slot);
 * changes are announced on a pub/sub channel, heard on a connection of its own (a subscribed
 * connection can run no other command), which ioredis re-subscribes after a reconnect.
 */
class RedisControl implements ControlStore {
  private subscriber: Redis | Cluster | undefined;
  private readonly watchers = new Set<() => void>();

  constructor(private readonly store: RedisStateStore) {}

  async put(kind: ControlKind, record: ControlRecord, nowMs: number): Promise<number> {
    const { prefix } = this.store.internals;
    const k = controlKeys(prefix, kind);
    const v = await this.store.durable('control.put', 'sgControlPut', [
      k.records, k.expiry, k.version, wholeMs(nowMs), record.id, record.data, wholeMs(record.expiresAt), MAX_CONTROL, controlChannel(prefix),
    ]);
    return Number(v);
  }

  async remove(kind: ControlKind, id: string, nowMs: number): Promise<number | undefined> {
    const { prefix } = this.store.internals;
    const k = controlKeys(prefix, kind);
    const v = await this.store.durable('control.remove', 'sgControlRemove', [k.records, k.expiry, k.version, wholeMs(nowMs), id, controlChannel(prefix)]);
    return v === null || v === undefined ? undefined : Number(v);
  }

  async version(): Promise<number> {
    const { redis, prefix } = this.store.internals;
    const v = await this.store.run('control.version', () => redis.get(controlKeys(prefix, 'incident').version));
    return v === null ? 0 : Number(v);
  }

  async snapshot(nowMs: number): Promise<ControlSnapshot> {
    const { scripted, prefix } = this.store.internals;
    const i = controlKeys(prefix, 'incident');
    const r = controlKeys(prefix, 'revocation');
    const o = controlKeys(prefix, 'signout');
    const u = controlKeys(prefix, 'approval');
    const reply = await this.store.run('control.snapshot', () => scripted.sgControlSnapshot(i.records, i.expiry, r.records, r.expiry, i.version, o.records, o.expiry, u.records, u.expiry, wholeMs(nowMs)));
    if (!Array.isArray(reply) || reply.length !== 5 || !Array.isArray(reply[1]) || !Array.isArray(reply[2]) || !Array.isArray(reply[3]) || !Array.isArray(reply[4])) {
      throw new StateUnavailableError('redis control.snapshot: unexpected reply');
    }
    const version = Number(reply[0]);
    if (!Number.isFinite(version)) throw new StateUnavailableError('redis control.snapshot: unexpected version');
    // Polled by every replica: where a loss of the history is noticed (RedisStateStore.syncHistory).
    await this.store.syncHistory(nowMs);
    return { version, incidents: controlRecords(reply[1] as unknown[]), revocations: controlRecords(reply[2] as unknown[]), signouts: controlRecords(reply[3] as unknown[]), usedApprovals: controlRecords(reply[4] as unknown[]) };
  }

  historyLost(nowMs: number): Promise<void> {
    return this.store.historyLost(nowMs, 'the incident board found control records gone');
  }

  watch(onChange: () => void): () => void {
    this.watchers.add(onChange);
    if (this.subscriber === undefined) {
      const { redis, prefix, log } = this.store.internals;
      // Its own connection, with an offline queue so the SUBSCRIBE waits for the first connect.
      // Not ioredis' own resubscribe after a reconnect: it sends SUBSCRIBE without handling the
      // answer, so a connection that closes before Redis answers (Redis dying again, or close()
      // right after the reconnect) rejects a promise nobody holds, and Node ends the process on an
      // unhandled rejection. The 'ready' listener below subscribes again instead, and catches.
      const sub = redis instanceof Cluster ? redis.duplicate(undefined, { enableOfflineQueue: true }) : redis.duplicate({ enableOfflineQueue: true, autoResubscribe: false, connectionName: 'stepgate-control' });
      sub.on('error', (err: Error) => log?.debug({ event: 'state_store', store: 'redis', err: err.message }, 'control channel unavailable'));
      sub.on('message', () => {
        for (const w of this.watchers) {
          try {
            w();
          } catch {
            // A watcher's failure is its own.
          }
        }
      });
      // A (re)connect may have missed announcements: tell the watchers to look.
      let connected = false;
      sub.on('ready', () => {
        // The first SUBSCRIBE is the queued one below; after a reconnect, this one.
        if (connected && !(sub instanceof Cluster)) sub.subscribe(controlChannel(prefix)).catch(() => undefined);
        connected = true;
        sub.emit('message');
      });
      sub.subscribe(controlChannel(prefix)).catch(() => undefined);
      this.subscriber = sub;
    }
    return () => this.watchers.delete(onChange);
  }

  async forgetEveryCase(subject: string): Promise<void> {
    const { redis, prefix } = this.store.internals;
    const index = spellingsKey(prefix, subject);
    const indexed = await this.store.run('control.forget', () => redis.smembers(index));
    // The folded spelling is never indexed (learn writes only the others): always forgotten.
    const hashes = new Set([opaqueHash(subject), opaqueHash(foldedSubjectKey(subject)), ...indexed.filter((h) => /^[0-9a-f]{32}$/.test(h))]);
    await Promise.all([...hashes].map((h) => this.forgetHashed(h, '')));
    // After the history: a learn racing the revocation re-adds its spelling to a fresh index.
    if (indexed.length > 0) await this.store.run('control.forget', () => redis.srem(index, ...indexed));
  }

  async forget(subject: string, session: string): Promise<void> {
    await this.forgetHashed(opaqueHash(subject), session === '' ? '' : opaqueHash(session));
  }

  private async forgetHashed(hashed: string, hashedSession: string): Promise<void> {
    const { redis, prefix } = this.store.internals;
    const k = subjectKeysOfHash(prefix, hashed);
    // With the working set's keys (same slot, so one DEL): the namespaces, sites, wider networks
    // and familiar objects a revoked identity's attacker taught would otherwise outlive it.
    const keys = [k.counters, k.ips, k.prefixes, k.devices, k.namespaces, k.clients, k.sightings, k.objects, ...Object.values(workKeysOfHash(prefix, hashed))];
    if (hashedSession !== '') keys.push(`${k.session}${hashedSession}`);
    await this.store.run('control.forget', () => redis.del(...keys));
  }

  async once(key: string, ttlMs: number): Promise<boolean> {
    const { redis, prefix } = this.store.internals;
    const reply = await this.store.run('control.once', () => redis.set(`${prefix}once:${opaqueHash(key)}`, '1', 'PX', clampTtl(ttlMs), 'NX'));
    return reply === 'OK';
  }

  close(): void {
    this.watchers.clear();
    this.subscriber?.disconnect();
    this.subscriber = undefined;
  }
}

function controlRecords(flat: unknown[]): ControlRecord[] {
  if (flat.length % 3 !== 0) throw new StateUnavailableError('redis control.snapshot: unexpected reply');
  const out: ControlRecord[] = [];
  for (let i = 0; i < flat.length; i += 3) {
    const [id, data, exp] = [flat[i], flat[i + 1], Number(flat[i + 2])];
    if (typeof id !== 'string' || typeof data !== 'string' || !Number.isFinite(exp)) throw new StateUnavailableError('redis control.snapshot: malformed record');
    out.push({ id, data, expiresAt: exp });
  }
  return out.sort((a, b) => byteCompare(a.id, b.id));
}

/** A recorded write's counts (RedisStateStore.recordAccelerators): whole, positive numbers only; anything else none. */
function recentCounts(member: string): Record<string, number> {
  const at = member.indexOf(':', member.indexOf(':') + 1);
  if (at < 0) return {};
  let v: unknown;
  try {
    v = JSON.parse(member.slice(at + 1));
  } catch {
    return {};
  }
  const out: Record<string, number> = {};
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return out;
  for (const [name, n] of Object.entries(v as Record<string, unknown>)) if (typeof n === 'number' && Number.isInteger(n) && n > 0) out[name] = Math.min(MAX_ACCELERATOR_COUNT, n);
  return out;
}

/** A named object's id in a recorded write's member (RedisStateStore.recordAccelerators). */
function objectId(object: string): string {
  return `o${opaqueHash(object).slice(0, 16)}`;
}
