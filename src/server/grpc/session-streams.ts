import type { EventEmitter } from 'node:events';
import { constants, PerformanceObserver } from 'node:perf_hooks';

/**
 * Gives each HTTP/2 session's table of open streams a fresh Map after every mark-compact.
 *
 * Why (bench/README.md, "Issue 17: the chain behind the GC cycle, and its end"): Node keeps a
 * session's open streams in a Map (`session[kState].streams`), one set and one delete per request.
 * A V8 Map keeps its entries in a hash table that it replaces every few inserts (rehash), and two
 * things about that replacement make a chain: the replaced table is not cleared (it keeps its
 * entries, the streams then in flight, and a pointer to its successor), and the successor is
 * allocated in the old generation whenever the table it replaces is there. A mark-compact under
 * load moves the live table into the old generation; from then on every table of that session is
 * born old, and each one, once replaced, is garbage that only the next mark-compact frees, yet it
 * keeps young streams (and all of each request that a stream still reaches: 2–3 KB per Check)
 * alive through scavenges until they are promoted. That fills the old generation and brings the
 * next mark-compact, which promotes the tables of every session again: a cycle that lasts as long
 * as the connection. A new Map starts with a young table, so renewing it ends the chain.
 *
 * Renewed right after each mark-compact (Node's `gc` performance entries, a turn of the event loop
 * later): the only event that puts a busy connection's table into the old generation, so there is
 * nothing to do while none happens. Renewing on a timer instead (every 100 ms) ended the cycle too
 * but promoted more with V8's defaults: 150–268 against 76 B per Check (bench/gc.ts).
 *
 * Node does not expose the Map: it is found by its symbol's description, and everything here is
 * checked before use; when a Node version keeps its streams otherwise, nothing is renewed (the
 * server works as before, only the GC cost returns). test/unit/grpc-session-streams.test.ts fails
 * on a Node where the Map is no longer found, so that an upgrade does not lose this silently.
 */

interface MapLike {
  readonly size: number;
  forEach(fn: (value: unknown, key: unknown) => void): void;
  set(key: unknown, value: unknown): unknown;
}

type MapConstructorLike = new () => MapLike;

function isMapLike(x: unknown): x is MapLike & { constructor: MapConstructorLike } {
  if (typeof x !== 'object' || x === null) return false;
  const m = x as Partial<MapLike> & { constructor?: unknown };
  return typeof m.size === 'number' && typeof m.forEach === 'function' && typeof m.set === 'function' && typeof m.constructor === 'function';
}

/** The object holding a session's `streams` Map, or undefined when this Node keeps them otherwise. */
function streamsHolder(session: object): { streams: MapLike & { constructor: MapConstructorLike } } | undefined {
  const key = Object.getOwnPropertySymbols(session).find((s) => s.description === 'state');
  if (key === undefined) return undefined;
  const state = (session as Record<symbol, unknown>)[key];
  if (typeof state !== 'object' || state === null) return undefined;
  const streams = (state as { streams?: unknown }).streams;
  return isMapLike(streams) ? (state as { streams: MapLike & { constructor: MapConstructorLike } }) : undefined;
}

/** The session's open streams (tests), or undefined when they cannot be found. */
export function sessionStreams(session: object): MapLike | undefined {
  return streamsHolder(session)?.streams;
}

/**
 * Replaces the session's streams Map with a copy of the same class (same entries, same order).
 * Node reads the Map from the session each time it uses it and never across a turn of the event
 * loop, so the swap cannot lose a stream. Returns false when the Map is not found.
 */
export function renewSessionStreams(session: object): boolean {
  const holder = streamsHolder(session);
  if (holder === undefined) return false;
  const old = holder.streams;
  const fresh = new old.constructor();
  old.forEach((value, key) => fresh.set(key, value));
  if (fresh.size !== old.size) return false;
  holder.streams = fresh as typeof old;
  return true;
}

/** The http2 servers a grpc-js Server listens with (not public API: undefined when not found). */
export function http2ServersOf(server: object): EventEmitter[] | undefined {
  const servers = (server as { http2Servers?: unknown }).http2Servers;
  if (!(servers instanceof Map)) return undefined;
  const list = [...(servers as Map<unknown, unknown>).keys()].filter((s): s is EventEmitter => typeof (s as EventEmitter | null)?.on === 'function');
  return list.length > 0 ? list : undefined;
}

/** Tracks the sessions of some http2 servers and renews their streams Maps after each mark-compact. */
export class SessionStreamsRenewal {
  private readonly sessions = new Set<EventEmitter>();
  private observer: PerformanceObserver | undefined;
  /** Renewals done (sessions renewed, summed). */
  renewed = 0;
  /** Sessions whose Map could not be found (counted once each). */
  unsupported = 0;

  /** `onUnsupported`: called once, for the first session whose Map is not found. */
  constructor(private readonly onUnsupported?: () => void) {}

  /** Follows every session these servers accept from now on. */
  watch(servers: readonly EventEmitter[]): void {
    for (const s of servers) s.on('session', (session: EventEmitter) => this.add(session));
  }

  add(session: EventEmitter): void {
    if (streamsHolder(session) === undefined) {
      if (this.unsupported++ === 0) this.onUnsupported?.();
      return;
    }
    this.sessions.add(session);
    session.once('close', () => {
      this.sessions.delete(session);
      if (this.sessions.size === 0) this.stopObserving();
    });
    this.start();
  }

  private start(): void {
    if (this.observer !== undefined) return;
    this.observer = new PerformanceObserver((list) => {
      if (list.getEntries().some((e) => (e as { detail?: { kind?: number } }).detail?.kind === constants.NODE_PERFORMANCE_GC_MAJOR)) this.renewAll();
    });
    this.observer.observe({ entryTypes: ['gc'] });
  }

  /** Renews every tracked session's Map now; returns how many were renewed. */
  renewAll(): number {
    let n = 0;
    for (const s of this.sessions) if (renewSessionStreams(s)) n++;
    this.renewed += n;
    return n;
  }

  get tracked(): number {
    return this.sessions.size;
  }

  stop(): void {
    this.stopObserving();
    this.sessions.clear();
  }

  private stopObserving(): void {
    this.observer?.disconnect();
    this.observer = undefined;
  }
}
