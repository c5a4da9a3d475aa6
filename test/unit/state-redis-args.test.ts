import { Buffer } from 'node:buffer';
import { describe, expect, it } from 'vitest';
import { counterKey, opaqueHash } from '../../src/state/keys.js';
import { CheckArgsEncoder } from '../../src/state/redis-args.js';
import type { Observation, WorkObservation } from '../../src/state/store.js';
import { prng } from '../support/workday.js';

/**
 * The Redis store's kept Check arguments (redis-args.ts, redis38): a subject's next Check reuses
 * its last encoding after the clock when every input is equal. Seeded random sequences, biased to
 * repeat a subject's last Check with one input changed (what each guard is for), go through an
 * encoder with the memo and one without, and both are compared with the encoding as the store
 * built it before the memo (`reference`, fe921d0's observeAll): every call must be equal, byte
 * for byte.
 */

function bulk(s: string): string {
  return `$${Buffer.byteLength(s)}\r\n${s}\r\n`;
}

/** fe921d0's observeAll, the arguments part, as it was. */
function reference(prefix: string, o: Observation, w: WorkObservation | undefined): { key: string; argv: string; argc: number } {
  const flags = `${o.sensitive ? 1 : 0}${o.session === '' ? 0 : 1}${o.destructive ? 1 : 0}${o.counted === false ? 0 : 1}${w === undefined ? 0 : 1}${w?.read === true ? 1 : 0}${(w?.family ?? '') === '' ? 0 : 1}${(w?.kind ?? '') === '' ? 0 : 1}`;
  let argv = bulk(String(Math.floor(o.nowMs))) + bulk(flags) + bulk(o.session === '' ? '' : opaqueHash(o.session)) +
    bulk(o.ip) + bulk(o.ipPrefix) + bulk(o.device) + bulk(o.uaFamily) + bulk(o.namespace) + bulk(o.client ?? '') + bulk(o.object ?? '');
  let argc = 10;
  if (w !== undefined) {
    argv += bulk(w.namespace) + bulk(w.object) + bulk(w.site) + bulk(w.nearby);
    argc += 4;
  }
  argv += bulk(o.platform ?? '');
  argc++;
  if (w !== undefined) {
    argv += bulk(String(Math.floor(w.auth ?? 0)));
    argc++;
    if ((w.family ?? '') !== '') {
      argv += bulk(w.family!);
      argc++;
    }
    if ((w.kind ?? '') !== '') {
      argv += bulk(w.kind!);
      argc++;
    }
  }
  return { key: counterKey(prefix, o.subject), argv, argc };
}

const T = 1_764_000_000_000;
const PREFIX = 'sg:';
const SUBJECTS = ['alice', 'bob', 'carol'];
// Each pool has '' (and undefined where the field is optional), and a value with multi-byte
// characters, whose RESP length is its bytes, not its characters.
const SESSIONS = ['', 's1', 's2'];
const IPS = ['', '203.0.113.7', '203.0.113.8', '2001:db8::1'];
const PREFIXES = ['', '203.0.113.0/24', '2001:db8::/64'];
const DEVICES = ['', 'fp:a', 'fp:b', 'cert:ç'];
const FAMILIES = ['', 'kubectl', 'chrome'];
const PLATFORMS = [undefined, '', 'linux', 'mac'];
const CLIENTS = [undefined, '', 'interactive', 'curl'];
const NAMESPACES = ['', 'dev', 'prod', 'équipe'];
const OBJECTS = [undefined, '', 'secrets|dev|db', 'secrets|prod|db'];
const FAMILY_KEYS = [undefined, '', '1:ledger', '2:ledger'];
const KINDS = [undefined, '', 'secret_read', 'pod_shell'];
const SITES = ['', 'office', 'lab'];
const NEARBY = ['', '203.0.0.0/16', '198.51.0.0/16'];
const BOOLS = [undefined, false, true];

function run(seed: number, steps: number): void {
  const r = prng(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;
  // Two subjects kept for three: the memo drops one and must encode it afresh.
  const kept = new CheckArgsEncoder(PREFIX, true, 2);
  const plain = new CheckArgsEncoder(PREFIX, false);
  const last = new Map<string, [Observation, WorkObservation | undefined]>();
  let now = T;
  const freshObs = (subject: string): Observation => ({
    subject,
    session: pick(SESSIONS),
    nowMs: now,
    ip: pick(IPS),
    ipPrefix: pick(PREFIXES),
    device: pick(DEVICES),
    uaFamily: pick(FAMILIES),
    platform: pick(PLATFORMS),
    namespace: pick(NAMESPACES),
    sensitive: r() < 0.5,
    client: pick(CLIENTS),
    object: pick(OBJECTS),
    destructive: pick(BOOLS),
    counted: pick(BOOLS),
  });
  const freshWork = (subject: string): WorkObservation => ({
    subject,
    nowMs: now,
    namespace: pick(NAMESPACES),
    object: pick(OBJECTS) ?? '',
    site: pick(SITES),
    nearby: pick(NEARBY),
    auth: r() < 0.3 ? undefined : T - Math.floor(r() * 3) * 1000 + (r() < 0.2 ? 0.5 : 0),
    read: pick(BOOLS),
    family: pick(FAMILY_KEYS),
    kind: pick(KINDS),
  });
  // One input of the last Check changed: every guard has a sequence where only its input moves.
  const OBS_FIELDS = ['session', 'ip', 'ipPrefix', 'device', 'uaFamily', 'platform', 'namespace', 'sensitive', 'client', 'object', 'destructive', 'counted'] as const;
  const WORK_FIELDS = ['namespace', 'object', 'site', 'nearby', 'auth', 'read', 'family', 'kind'] as const;
  for (let step = 0; step < steps; step++) {
    now += r() < 0.1 ? -Math.floor(r() * 5000) : Math.floor(r() * 2000);
    const subject = pick(SUBJECTS);
    const prev = last.get(subject);
    let o: Observation;
    let w: WorkObservation | undefined;
    const x = r();
    if (prev === undefined || x < 0.15) {
      o = freshObs(subject);
      w = r() < 0.7 ? freshWork(subject) : undefined;
    } else {
      // Copies, so an equal value is sometimes another string than the kept one.
      o = { ...prev[0], nowMs: now };
      w = prev[1] === undefined ? undefined : { ...prev[1], nowMs: now };
      if (x < 0.55) {
        const f = pick(OBS_FIELDS);
        const other = freshObs(subject);
        (o as unknown as Record<string, unknown>)[f] = other[f];
      } else if (x < 0.85 && w !== undefined) {
        const f = pick(WORK_FIELDS);
        const other = freshWork(subject);
        (w as unknown as Record<string, unknown>)[f] = other[f];
      } else if (x < 0.9) {
        w = w === undefined ? freshWork(subject) : undefined;
      }
      // else: only the clock moved.
    }
    last.set(subject, [o, w]);
    const want = reference(PREFIX, o, w);
    for (const enc of [kept, plain]) {
      const got = enc.encode(o, w);
      const at = `seed ${seed}, step ${step}`;
      expect(got.argv, at).toBe(want.argv);
      expect(got.argc, at).toBe(want.argc);
      expect(got.key, at).toBe(want.key);
      expect(got.keyBulk, at).toBe(bulk(want.key));
    }
  }
}

describe('CheckArgsEncoder: kept encodings equal fresh ones', () => {
  for (const seed of [1, 2, 3, 4, 5, 6, 7, 8]) {
    it(`seed ${seed}: 3,000 Checks`, () => run(seed, 3000));
  }
});
