import { Buffer } from 'node:buffer';
import { counterKey, opaqueHash } from './keys.js';
import { wholeMs } from './sliding.js';
import type { Observation, WorkObservation } from './store.js';

/** One RESP bulk string (binary-safe: its length in bytes, then the bytes). */
export function bulk(s: string): string {
  return `$${Buffer.byteLength(s)}\r\n${s}\r\n`;
}

/** A Check's script arguments (redis-scripts.ts observeLua): its counters key and ARGV, in RESP. */
export interface CheckArgs {
  /** The counters key (KEYS[1]) and the same in RESP. */
  key: string;
  keyBulk: string;
  /** ARGV in RESP, and how many arguments it holds. */
  argv: string;
  argc: number;
}

/**
 * A subject's last Check arguments after the clock, and every input they were encoded from. A
 * subject's Checks mostly repeat its context (the same session, address, device, namespace) and
 * differ by the clock alone, so the next Check of the subject reuses `tail` when each input is
 * equal to its own: a guard per input, nothing derived from another (bench/README.md, redis38).
 */
interface Encoded {
  key: string;
  keyBulk: string;
  flags: number;
  session: string;
  ip: string;
  ipPrefix: string;
  device: string;
  uaFamily: string;
  namespace: string;
  client: string;
  object: string;
  platform: string;
  wNamespace: string;
  wObject: string;
  wSite: string;
  wNearby: string;
  auth: number;
  family: string;
  kind: string;
  tail: string;
  argc: number;
}

/** Subjects whose last arguments are kept; the oldest kept is dropped first. */
export const ARGS_MEMO_MAX = 4096;

/**
 * Encodes a Check's arguments for the Check's script, keeping each subject's last encoding
 * (`Encoded`). `memo: false` encodes every Check afresh: only the differential test
 * (test/unit/state-redis-args.test.ts) turns it off, to compare the two call for call.
 */
export class CheckArgsEncoder {
  private readonly kept = new Map<string, Encoded>();
  /** The last clock and its RESP: a turn's Checks mostly share a millisecond, and a time past 2^31 is formatted by V8's dtoa. */
  private lastMs = NaN;
  private lastNow = '';

  constructor(
    private readonly prefix: string,
    private readonly memo = true,
    private readonly max = ARGS_MEMO_MAX,
  ) {}

  /** `w` is the same subject's working set or undefined (the caller splits other subjects off). */
  encode(o: Observation, w: WorkObservation | undefined): CheckArgs {
    // The eight '0'/'1' flags the script reads (observeLua), as bits: compared as one number here.
    const flags =
      (o.sensitive ? 128 : 0) | (o.session === '' ? 0 : 64) | (o.destructive ? 32 : 0) | (o.counted === false ? 0 : 16) |
      (w === undefined ? 0 : 8) | (w?.read === true ? 4 : 0) | ((w?.family ?? '') === '' ? 0 : 2) | ((w?.kind ?? '') === '' ? 0 : 1);
    const ms = wholeMs(o.nowMs);
    if (ms !== this.lastMs) {
      this.lastMs = ms;
      this.lastNow = bulk(String(ms));
    }
    const now = this.lastNow;
    const m = this.memo ? this.kept.get(o.subject) : undefined;
    if (
      m !== undefined &&
      m.flags === flags &&
      m.session === o.session &&
      m.ip === o.ip &&
      m.ipPrefix === o.ipPrefix &&
      m.device === o.device &&
      m.uaFamily === o.uaFamily &&
      m.namespace === o.namespace &&
      m.client === (o.client ?? '') &&
      m.object === (o.object ?? '') &&
      m.platform === (o.platform ?? '') &&
      (w === undefined ||
        (m.wNamespace === w.namespace &&
          m.wObject === w.object &&
          m.wSite === w.site &&
          m.wNearby === w.nearby &&
          m.auth === wholeMs(w.auth ?? 0) &&
          m.family === (w.family ?? '') &&
          m.kind === (w.kind ?? '')))
    ) {
      return { key: m.key, keyBulk: m.keyBulk, argv: now + m.tail, argc: m.argc };
    }
    const e = this.fresh(o, w, flags);
    if (this.memo) {
      if (m === undefined && this.kept.size >= this.max) this.kept.delete(this.kept.keys().next().value!);
      this.kept.set(o.subject, e);
    }
    return { key: e.key, keyBulk: e.keyBulk, argv: now + e.tail, argc: e.argc };
  }

  private fresh(o: Observation, w: WorkObservation | undefined, flags: number): Encoded {
    let f = '';
    for (let bit = 128; bit >= 1; bit >>= 1) f += (flags & bit) === 0 ? '0' : '1';
    const client = o.client ?? '';
    const object = o.object ?? '';
    const platform = o.platform ?? '';
    let tail = bulk(f) + bulk(o.session === '' ? '' : opaqueHash(o.session)) +
      bulk(o.ip) + bulk(o.ipPrefix) + bulk(o.device) + bulk(o.uaFamily) + bulk(o.namespace) + bulk(client) + bulk(object);
    let argc = 10;
    if (w !== undefined) {
      tail += bulk(w.namespace) + bulk(w.object) + bulk(w.site) + bulk(w.nearby);
      argc += 4;
    }
    tail += bulk(platform);
    argc++;
    const auth = w === undefined ? 0 : wholeMs(w.auth ?? 0);
    const family = w?.family ?? '';
    const kind = w?.kind ?? '';
    if (w !== undefined) {
      tail += bulk(String(auth));
      argc++;
      if (family !== '') {
        tail += bulk(family);
        argc++;
      }
      if (kind !== '') {
        tail += bulk(kind);
        argc++;
      }
    }
    const key = counterKey(this.prefix, o.subject);
    return {
      key,
      keyBulk: bulk(key),
      flags,
      session: o.session,
      ip: o.ip,
      ipPrefix: o.ipPrefix,
      device: o.device,
      uaFamily: o.uaFamily,
      namespace: o.namespace,
      client,
      object,
      platform,
      wNamespace: w?.namespace ?? '',
      wObject: w?.object ?? '',
      wSite: w?.site ?? '',
      wNearby: w?.nearby ?? '',
      auth,
      family,
      kind,
      tail,
      argc,
    };
  }
}
