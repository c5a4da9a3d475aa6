import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { MemoryStateStore } from '../../src/state/memory.js';
import { SNAPSHOT_VERSION } from '../../src/state/snapshot.js';
import type { Observation, WorkObservation } from '../../src/state/store.js';
import { TEST_LIMITS } from '../support/state-config.js';
import { prng } from '../support/workday.js';

/**
 * The memory store's kept context (ContextMemo, perf36): an observe that repeats the subject's last
 * context answers from it instead of looking the context up. Random sequences of every call that
 * reads or writes a subject's history, biased toward repeats (what the memo serves) and with the
 * clock stepping across refresh intervals, TTLs and backwards, go through a store with the memo and
 * one without: every answer must be equal, and so must everything the stores hold (their
 * snapshots, written in recency order, so a skipped LRU touch shows too).
 */

const T = 1_764_000_000_000;
const dir = mkdtempSync(join(tmpdir(), 'stepgate-memo-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const SUBJECTS = ['alice', 'bob', 'carol'];
const SESSIONS = ['', 's1', 's2'];
const IPS = ['', '203.0.113.7', '203.0.113.8', '198.51.100.1'];
const PREFIXES = ['', '203.0.113.0/24', '198.51.100.0/24'];
const DEVICES = ['', 'fp:a', 'fp:b', 'cert:c'];
const FAMILIES = ['', 'kubectl', 'chrome', 'curl'];
const PLATFORMS = [undefined, 'linux', 'mac'];
const CLIENTS = ['', 'interactive', 'curl'];
const NAMESPACES = ['', 'dev', 'prod', 'ops', 'team-a'];
const OBJECTS = ['', 'secrets|dev|db', 'secrets|prod|db', 'secrets|prod|api'];

function run(seed: number, memo: boolean, steps: number): { answers: unknown[]; states: unknown[] } {
  // Seeded, so a failure names the seed that reproduces it.
  const r = prng(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;
  const path = join(dir, `${seed}-${memo}.json`);
  // Two subjects for three: the LRU drops records and sessions, which the memo must notice.
  const store = new MemoryStateStore(TEST_LIMITS, { maxSubjects: 2, memo, snapshotPath: path, snapshotIntervalMs: 3_600_000, now: () => 0 });
  const last = new Map<string, Observation>();
  const answers: unknown[] = [];
  const states: unknown[] = [];
  let now = T;
  const fresh = (subject: string): Observation => ({
    subject,
    session: pick(SESSIONS),
    nowMs: now,
    ip: pick(IPS),
    ipPrefix: pick(PREFIXES),
    device: pick(DEVICES),
    uaFamily: pick(FAMILIES),
    platform: pick(PLATFORMS),
    client: pick(CLIENTS),
    namespace: pick(NAMESPACES),
    sensitive: r() < 0.3,
    object: pick(OBJECTS),
    destructive: r() < 0.1,
    counted: r() < 0.9,
  });
  for (let i = 0; i < steps; i++) {
    // Mostly small steps (many Checks within one refresh interval), some across the known refresh
    // (3.6 s), the session refresh (0.6 s), a window or a TTL, and a few backwards.
    const dt = r();
    now += dt < 0.55 ? Math.floor(r() * 50) : dt < 0.8 ? Math.floor(r() * 1_500) : dt < 0.92 ? Math.floor(r() * 8_000) : dt < 0.97 ? Math.floor(r() * 700_000) : dt < 0.99 ? Math.floor(r() * 4_000_000) : -Math.floor(r() * 2_000);
    const subject = pick(SUBJECTS);
    const op = r();
    if (op < 0.7) {
      const prev = last.get(subject);
      // A repeat of the subject's last Check, now and then with one part changed; else a new one.
      let o: Observation;
      if (prev !== undefined && r() < 0.8) {
        o = { ...prev, nowMs: now, namespace: r() < 0.8 ? prev.namespace : pick(NAMESPACES), object: r() < 0.8 ? prev.object! : pick(OBJECTS), sensitive: r() < 0.8 ? prev.sensitive : !prev.sensitive, destructive: r() < 0.9 ? prev.destructive! : !prev.destructive, counted: r() < 0.95 ? prev.counted! : !prev.counted };
        const part = r();
        if (part < 0.04) o.ip = pick(IPS);
        else if (part < 0.08) o.ipPrefix = pick(PREFIXES);
        else if (part < 0.12) o.device = pick(DEVICES);
        else if (part < 0.16) o.client = pick(CLIENTS);
        else if (part < 0.2) o.uaFamily = pick(FAMILIES);
        else if (part < 0.24) o.platform = pick(PLATFORMS);
        else if (part < 0.28) o.session = pick(SESSIONS);
      } else o = fresh(subject);
      last.set(subject, o);
      answers.push([i, 'observe', store.observe(o)]);
    } else if (op < 0.8) {
      const o = last.get(subject) ?? fresh(subject);
      const learnt = r();
      // Usually the context of the last Check, as the engine learns it after a step-up.
      store.learn(subject, learnt < 0.7 ? o.ip : pick(IPS), learnt < 0.7 ? o.ipPrefix : pick(PREFIXES), learnt < 0.7 ? o.device : pick(DEVICES), now, learnt < 0.7 ? (o.client ?? '') : pick(CLIENTS));
    } else if (op < 0.88) {
      store.recordDenial(subject, now);
    } else if (op < 0.97) {
      const w: WorkObservation = { subject, nowMs: now, namespace: pick(NAMESPACES), object: pick(OBJECTS), site: '', nearby: '', read: r() < 0.5 };
      answers.push([i, 'observeWork', store.observeWork(w)]);
      if (r() < 0.3) store.learnWork(subject, w.namespace, '', now, '', '', 1, w.object);
    } else {
      void store.control.forget(subject, pick(SESSIONS));
      last.delete(subject);
    }
    if (i % 100 === 99 || i === steps - 1) {
      store.save();
      const snap = JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>;
      states.push([i, snap.subjects, snap.sessions, snap.work]);
    }
  }
  return { answers, states };
}

describe('memory store: the kept context (ContextMemo)', () => {
  it('answers and holds exactly what the store without it does, call for call (random sequences)', () => {
    // context() is the look-up the memo saves: count the observes it did not have to make.
    const lookedUp = vi.spyOn(MemoryStateStore.prototype as unknown as { context: () => unknown }, 'context');
    let observes = 0;
    let served = 0;
    for (let seed = 1; seed <= 40; seed++) {
      const plain = run(seed, false, 500);
      lookedUp.mockClear();
      const kept = run(seed, true, 500);
      const n = kept.answers.filter((a) => (a as unknown[])[1] === 'observe').length;
      observes += n;
      served += n - lookedUp.mock.calls.length;
      for (let i = 0; i < plain.answers.length; i++) expect(kept.answers[i], `seed ${seed}`).toEqual(plain.answers[i]);
      for (let i = 0; i < plain.states.length; i++) expect(kept.states[i], `seed ${seed}`).toEqual(plain.states[i]);
    }
    lookedUp.mockRestore();
    // The sequences exercise the memo, not only the look-up: a good share of observes is served.
    expect(served / observes).toBeGreaterThan(0.15);
  });

  it('serves repeats: a Check repeating the last context is answered from the memo, until a learn', () => {
    const store = new MemoryStateStore(TEST_LIMITS, { maxSubjects: 10 });
    const o: Observation = { subject: 'alice', session: 's1', nowMs: T, ip: '203.0.113.7', ipPrefix: '203.0.113.0/24', device: 'fp:a', uaFamily: 'kubectl', client: 'interactive', namespace: 'dev', sensitive: false };
    const lookups = () => (store as unknown as { sessionKeys: Map<string, unknown> }).sessionKeys;
    store.learn('alice', o.ip, o.ipPrefix, o.device, T, 'interactive');
    store.observe(o);
    // The kept context skips the session's key look-up: empty the key cache and see it stay empty.
    lookups().clear();
    const h = store.observe({ ...o, nowMs: T + 10 });
    expect(lookups().size).toBe(0);
    expect(h).toMatchObject({ ipKnown: true, prefixKnown: true, deviceKnown: true, clientKnown: true, requests: 2, previousUaFamily: 'kubectl', sessionClients: 'kubectl' });
    store.learn('alice', '198.51.100.1', '198.51.100.0/24', '', T + 20);
    store.observe({ ...o, nowMs: T + 30 });
    expect(lookups().size).toBe(1);
  });
});

/**
 * The corners random sequences rarely reach, each a script run through both stores: every answer
 * and the held state must be equal. Each fails with the guard it names taken out of memory.ts.
 */
describe('memory store: the kept context in the corners', () => {
  const base: Observation = { subject: 'alice', session: '', nowMs: T, ip: '', ipPrefix: '', device: '', uaFamily: '', client: '', namespace: '', sensitive: false };
  type Script = (s: MemoryStateStore) => unknown[];
  function twins(name: string, script: Script, snapshot?: string): void {
    const results = [false, true].map((memo) => {
      const path = join(dir, `${name}-${memo}.json`);
      if (snapshot !== undefined) writeFileSync(path, snapshot);
      const store = new MemoryStateStore(TEST_LIMITS, { maxSubjects: 10, memo, snapshotPath: path, snapshotIntervalMs: 3_600_000, now: () => 0 });
      const answers = script(store);
      store.save();
      return { answers, state: JSON.parse(readFileSync(path, 'utf8')) as unknown };
    });
    expect(results[1]!.answers).toEqual(results[0]!.answers);
    expect(results[1]!.state).toEqual(results[0]!.state);
  }

  it('a known entry tied on time with another is written again on each use (keptUntil: newest alone)', () => {
    twins('tie', (s) => {
      // Two addresses learnt in the same millisecond: the one that sorts first is not the newest
      // (Redis's order), so each use writes its last use again.
      s.learn('alice', '203.0.113.9', '', '', T);
      s.learn('alice', '203.0.113.8', '', '', T);
      return [s.observe({ ...base, ip: '203.0.113.8' }), s.observe({ ...base, ip: '203.0.113.8', nowMs: T + 1 }), s.observe({ ...base, ip: '203.0.113.9', nowMs: T + 2 })];
    });
  });

  it('a first sighting the cap dropped at once is not kept (sightingUntil)', () => {
    twins('sighting', (s) => {
      const out: unknown[] = [];
      // Nine sightings (the cap with TEST_LIMITS) in one millisecond; the tenth sorts first and is
      // the one dropped, so the next observe sees it first again.
      for (let i = 1; i <= 9; i++) out.push(s.observe({ ...base, ipPrefix: `b${i}` }));
      out.push(s.observe({ ...base, ipPrefix: 'a' }), s.observe({ ...base, ipPrefix: 'a', nowMs: T + 1 }));
      return out;
    });
  });

  it('a known device expiring changes the count of known devices (the floor bound)', () => {
    twins('floor', (s) => {
      s.learn('alice', '', '', 'fp:a', T);
      const ttl = TEST_LIMITS.knownTtlSeconds * 1000;
      return [s.observe({ ...base, nowMs: T + 1 }), s.observe({ ...base, nowMs: T + ttl - 1 }), s.observe({ ...base, nowMs: T + ttl + 1 })];
    });
  });

  it("a session record of a version before client lists reads its family into the list (sessionStable)", () => {
    // Written by a replica that kept the last family alone: the list is read with it in front.
    const key = `${'alice'.length}:alicesid1`;
    const snapshot = JSON.stringify({ version: SNAPSHOT_VERSION, writtenAt: T, subjects: [], sessions: [[key, { ua: 'kubectl', at: T, origin: '', start: T }]] });
    twins('legacy', (s) => [s.observe({ ...base, session: 'sid1', nowMs: T + 1 }), s.observe({ ...base, session: 'sid1', nowMs: T + 2 })], snapshot);
  });
});
