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
 * The memory store's kept contexts (ContextMemo, perf36; WorkMemo, perf37): an observe or observeWork that repeats the subject's last
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
// Family keys (state/family-keys.ts): tiers of one application, a stem with shorter prefixes, none.
const FAMILY_KEYS = ['', '1:ledger', '2:ledger', '3:ledger', '2+:payments-batch', '1:payments', '0:search'];
const KINDS = ['', 'secret_read', 'pod_shell', 'unfamiliar_kind:cronjobs'];
const SITES = ['', 'office', 'lab'];
const NEARBY = ['', '203.0.0.0/16', '198.51.0.0/16'];
const NETWORKS = ['', '203.0.113.0/24', '203.0.114.0/24', '198.51.100.0/24'];

function run(seed: number, memo: boolean, steps: number): { answers: unknown[]; states: unknown[] } {
  // Seeded, so a failure names the seed that reproduces it.
  const r = prng(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;
  const path = join(dir, `${seed}-${memo}.json`);
  // Two subjects for three: the LRU drops records and sessions, which the memo must notice.
  const store = new MemoryStateStore(TEST_LIMITS, { maxSubjects: 2, memo, snapshotPath: path, snapshotIntervalMs: 3_600_000, now: () => 0 });
  const last = new Map<string, Observation>();
  const lastWork = new Map<string, WorkObservation>();
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
    } else if (op < 0.75) {
      const o = last.get(subject) ?? fresh(subject);
      const learnt = r();
      // Usually the context of the last Check, as the engine learns it after a step-up.
      store.learn(subject, learnt < 0.7 ? o.ip : pick(IPS), learnt < 0.7 ? o.ipPrefix : pick(PREFIXES), learnt < 0.7 ? o.device : pick(DEVICES), now, learnt < 0.7 ? (o.client ?? '') : pick(CLIENTS));
    } else if (op < 0.8) {
      store.recordDenial(subject, now);
    } else if (op < 0.975) {
      // The working set's side (WorkMemo), biased toward repeats as observe is; now and then a
      // namespace out of a hundred, so the sightings reach their cap (64) and the cap drops some.
      const prev = lastWork.get(subject);
      let w: WorkObservation;
      if (prev !== undefined && r() < 0.8) {
        w = { ...prev, nowMs: now, object: r() < 0.8 ? prev.object : pick(OBJECTS), read: r() < 0.8 ? prev.read! : !prev.read };
        const part = r();
        if (part < 0.04) w.namespace = pick(NAMESPACES);
        else if (part < 0.08) w.family = pick(FAMILY_KEYS);
        else if (part < 0.12) w.kind = pick(KINDS);
        else if (part < 0.16) w.site = pick(SITES);
        else if (part < 0.2) w.nearby = pick(NEARBY);
        else if (part < 0.24) w.auth = r() < 0.5 ? 0 : now - Math.floor(r() * 600) * 1000;
      } else {
        const namespace = r() < 0.15 ? `ns${Math.floor(r() * 100)}` : pick(NAMESPACES);
        w = { subject, nowMs: now, namespace, object: pick(OBJECTS), site: pick(SITES), nearby: pick(NEARBY), read: r() < 0.5, family: pick(FAMILY_KEYS), kind: pick(KINDS), auth: r() < 0.3 ? 0 : now - Math.floor(r() * 600) * 1000 };
      }
      lastWork.set(subject, w);
      answers.push([i, 'observeWork', store.observeWork(w)]);
      if (r() < 0.15) {
        // What the engine learns after a proof: the Check's parts, some of them left out.
        const part = (x: string | undefined): string => (r() < 0.7 ? (x ?? '') : '');
        store.learnWork(subject, part(w.namespace), part(w.site), now, part(w.nearby), pick(NETWORKS), r() < 0.5 ? 1 : 2, part(w.object), r() < 0.7, part(w.family), part(w.kind));
      }
    } else {
      void store.control.forget(subject, pick(SESSIONS));
      last.delete(subject);
      lastWork.delete(subject);
    }
    if (i % 100 === 99 || i === steps - 1) {
      store.save();
      const snap = JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>;
      states.push([i, snap.subjects, snap.sessions, snap.work]);
    }
  }
  return { answers, states };
}

describe('memory store: the kept context (ContextMemo, WorkMemo)', () => {
  it('answers and holds exactly what the store without it does, call for call (random sequences)', () => {
    // context() is the look-up the memo saves: count the observes it did not have to make.
    const lookedUp = vi.spyOn(MemoryStateStore.prototype as unknown as { context: () => unknown }, 'context');
    // workContext() is the working set's look-up (WorkMemo).
    const workLookedUp = vi.spyOn(MemoryStateStore.prototype as unknown as { workContext: () => unknown }, 'workContext');
    let observes = 0;
    let served = 0;
    let works = 0;
    let workServed = 0;
    for (let seed = 1; seed <= 40; seed++) {
      const plain = run(seed, false, 500);
      lookedUp.mockClear();
      workLookedUp.mockClear();
      const kept = run(seed, true, 500);
      const n = kept.answers.filter((a) => (a as unknown[])[1] === 'observe').length;
      observes += n;
      served += n - lookedUp.mock.calls.length;
      const nw = kept.answers.filter((a) => (a as unknown[])[1] === 'observeWork').length;
      works += nw;
      workServed += nw - workLookedUp.mock.calls.length;
      for (let i = 0; i < plain.answers.length; i++) expect(kept.answers[i], `seed ${seed}`).toEqual(plain.answers[i]);
      for (let i = 0; i < plain.states.length; i++) expect(kept.states[i], `seed ${seed}`).toEqual(plain.states[i]);
    }
    lookedUp.mockRestore();
    workLookedUp.mockRestore();
    // The sequences exercise the memos, not only the look-ups: a good share of each call is served.
    expect(served / observes).toBeGreaterThan(0.15);
    expect(workServed / works).toBeGreaterThan(0.15);
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

  const ttl = TEST_LIMITS.knownTtlSeconds * 1000;
  const work = (w: Partial<WorkObservation> & { nowMs: number }): WorkObservation => ({ subject: 'alice', namespace: '', object: '', site: '', nearby: '', ...w });

  it('the working set: a known kind falls due for rewriting (WorkMemo: the kind\'s keptUntil)', () => {
    twins('work-kind', (s) => {
      s.learnWork('alice', '', '', T, '', '', 1, '', true, '', 'secret_read');
      // No namespace: nothing else bounds the kept answers, and the kind's last use is due after the refresh.
      return [1, 2_000, 4_000, 8_000].map((dt) => s.observeWork(work({ nowMs: T + dt, kind: 'secret_read' })));
    });
  });

  it("the working set: a covering family key expires while the namespace's sighting is kept (WorkMemo: the family's bound)", () => {
    twins('work-family', (s) => {
      s.learnWork('alice', 'ledger-prod', '', T, '', '', 1, '', true, '2:ledger');
      // The family key (T) expires at T + ttl, before the namespace's first sighting (T + 100) does.
      return [100, 200, ttl + 50].map((dt) => s.observeWork(work({ nowMs: T + dt, namespace: 'ledger-qa', family: '3:ledger' })));
    });
  });

  it('the working set: a known site expires (WorkMemo: the site\'s bound)', () => {
    twins('work-site', (s) => {
      s.learnWork('alice', '', 'office', T, '');
      return [1, 10, ttl + 5].map((dt) => s.observeWork(work({ nowMs: T + dt, site: 'office' })));
    });
  });

  it('the working set: another wider network is looked up (WorkMemo: the nearby key)', () => {
    twins('work-nearby', (s) => {
      s.learnWork('alice', '', '', T, '203.0.0.0/16');
      return [s.observeWork(work({ nowMs: T + 1, nearby: '203.0.0.0/16' })), s.observeWork(work({ nowMs: T + 2, nearby: '198.51.0.0/16' }))];
    });
  });

  it("the working set: a pace run's mark grows the sightings past their cap (WorkMemo: the cap guard)", () => {
    twins('work-cap', (s) => {
      const out: unknown[] = [];
      // 63 unknown namespaces' sightings and the one worked in: the cap (64 with TEST_LIMITS).
      for (let i = 1; i <= 63; i++) out.push(s.observeWork(work({ nowMs: T + i, namespace: `ns${i}` })));
      // Four new Secrets in the pace window: a run (3 allowed), whose mark `q:` is a 65th sighting.
      for (let i = 1; i <= 5; i++) out.push(s.observeWork(work({ nowMs: T + 100 + i, namespace: 'dev', object: `secrets|dev|s${i}` })));
      return out;
    });
  });

  it("the working set: `entered` is counted before the site's sighting can push one out (the look-up's order)", () => {
    // Not a guard of the memo but the order workContext keeps: both stores would agree on a wrong
    // order, so the answer is checked as well.
    twins('work-entered', (s) => {
      const out: unknown[] = [];
      for (let i = 1; i <= 63; i++) out.push(s.observeWork(work({ nowMs: T + i * 1000, namespace: `ns${i}`, auth: T })));
      // A 64th namespace (the cap) and an unknown site, whose sighting is the 65th: the cap drops ns1's.
      const h = s.observeWork(work({ nowMs: T + 100_000, namespace: 'x', site: 'office', auth: T }));
      expect(h.entered).toBe(63);
      out.push(h);
      return out;
    });
  });

  it("a session record of a version before client lists reads its family into the list (sessionStable)", () => {
    // Written by a replica that kept the last family alone: the list is read with it in front.
    const key = `${'alice'.length}:alicesid1`;
    const snapshot = JSON.stringify({ version: SNAPSHOT_VERSION, writtenAt: T, subjects: [], sessions: [[key, { ua: 'kubectl', at: T, origin: '', start: T }]] });
    twins('legacy', (s) => [s.observe({ ...base, session: 'sid1', nowMs: T + 1 }), s.observe({ ...base, session: 'sid1', nowMs: T + 2 })], snapshot);
  });
});
