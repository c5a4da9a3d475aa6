import { strongestProven } from '../support/risk-engine.js';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { MemoryStateStore } from '../../src/state/memory.js';
import { ENTERED_UNKNOWN, type Observation } from '../../src/state/store.js';
import { TEST_LIMITS } from '../support/state-config.js';

/** The memory store's history across a restart (issue 12): same answers after, fail safe on a bad file. */

const T = 1_764_000_000_000;
const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});
function file(): string {
  const d = mkdtempSync(join(tmpdir(), 'stepgate-snap-'));
  dirs.push(d);
  return join(d, 'state.json');
}
const obs = (over: Partial<Observation> = {}): Observation => ({
  subject: 'alice', session: 's1', nowMs: T, ip: '203.0.113.7', ipPrefix: '203.0.113.0/24', device: 'fp:a', uaFamily: 'kubectl',
  namespace: 'dev', sensitive: true, client: 'interactive', object: 'secrets|dev|db', ...over,
});

describe('memory store snapshot', () => {
  it('a restarted store answers as the old one would have', async () => {
    const path = file();
    const events: string[] = [];
    const a = new MemoryStateStore(TEST_LIMITS, { maxSubjects: 10, snapshotPath: path, onSnapshot: (e) => events.push(e) });
    a.observe(obs());
    a.learn('alice', '203.0.113.7', '203.0.113.0/24', 'fp:a', T + 1, 'interactive');
    a.observe(obs({ nowMs: T + 2, ipPrefix: '198.51.100.0/24', ip: '198.51.100.1' })); // a first sighting
    const twin = new MemoryStateStore(TEST_LIMITS, { maxSubjects: 10 });
    twin.observe(obs());
    twin.learn('alice', '203.0.113.7', '203.0.113.0/24', 'fp:a', T + 1, 'interactive');
    twin.observe(obs({ nowMs: T + 2, ipPrefix: '198.51.100.0/24', ip: '198.51.100.1' }));
    await a.close();
    expect(existsSync(path)).toBe(true);
    expect(readdirSync(join(path, '..'))).toEqual(['state.json']); // no temporary file left behind
    const b = new MemoryStateStore(TEST_LIMITS, { maxSubjects: 10, snapshotPath: path, onSnapshot: (e) => events.push(e) });
    expect(events).toEqual(['loaded']);
    for (const o of [obs({ nowMs: T + 60_000 }), obs({ nowMs: T + 61_000, ipPrefix: '198.51.100.0/24', ip: '198.51.100.1', session: 's2' })]) {
      expect(b.observe(o)).toEqual(twin.observe(o));
    }
    expect(b.observe(obs({ nowMs: T + 62_000 }))).toMatchObject({ firstSeen: false, prefixKnown: true, deviceKnown: true, clientKnown: true });
    await b.close();
  });

  it('the proven assurance levels survive a restart (assurance_downgrade), and a malformed level entry is refused like any record', async () => {
    const path = file();
    const a = new MemoryStateStore(TEST_LIMITS, { maxSubjects: 10, snapshotPath: path });
    a.proveLevel('alice', 'name:aal3', T);
    a.proveLevel('alice', 'name:aal2', T + 5);
    a.proveLevel('bob', 'name:aal2', T);
    await a.close();
    const b = new MemoryStateStore(TEST_LIMITS, { maxSubjects: 10, snapshotPath: path });
    expect(await strongestProven(b, 'alice', T + 60_000)).toBe(2);
    expect(await strongestProven(b, 'bob', T + 60_000)).toBe(1);
    expect(await strongestProven(b, 'carol', T + 60_000)).toBe(-1);
    await b.close();
    // Written by an earlier release: a bare rank, kept as its text (the engine reads it as that rank).
    writeFileSync(path, readFileSync(path, 'utf8').replace('"levels":[', `"levels":[["legacy",[[2,${T}]]],`));
    const old = new MemoryStateStore(TEST_LIMITS, { maxSubjects: 10, snapshotPath: path });
    expect(old.provenLevels('legacy', T + 60_000)).toEqual(['2']);
    await old.close();
    const text = readFileSync(path, 'utf8').replace('"levels":[', '"levels":[["mallory",[[-1,1]]],');
    writeFileSync(path, text);
    const events: string[] = [];
    const c = new MemoryStateStore(TEST_LIMITS, { maxSubjects: 10, snapshotPath: path, onSnapshot: (e) => events.push(e) });
    expect(events).toEqual(['unreadable']);
    expect(await strongestProven(c, 'alice', T + 60_000)).toBe(-1);
    await c.close();
  });

  it.each([
    ['truncated', '{"version":1,"writtenAt":1,"subjects":[["alice",{"seenAt":'],
    ['another version', '{"version":99,"writtenAt":1,"subjects":[],"sessions":[]}'],
    ['a malformed record', '{"version":1,"writtenAt":1,"subjects":[["alice",{"seenAt":"yesterday"}]],"sessions":[]}'],
    ['not JSON at all', '\u0000\u0001garbage'],
  ])('a %s file: logged, and the store starts with no history (every place new)', async (_name, text) => {
    const path = file();
    writeFileSync(path, text);
    const events: [string, string][] = [];
    const s = new MemoryStateStore(TEST_LIMITS, { maxSubjects: 10, snapshotPath: path, onSnapshot: (e, d) => events.push([e, d]) });
    expect(events).toHaveLength(1);
    expect(events[0]![0]).toBe('unreadable');
    expect(events[0]![1]).toContain('starting with no history');
    expect(s.observe(obs())).toMatchObject({ firstSeen: true, ipKnown: false, prefixKnown: false });
    await s.close();
    // The next write replaces the bad file with a good one.
    expect(JSON.parse(readFileSync(path, 'utf8')).version).toBe(1);
  });

  it('the namespaces a sign-in entered are counted across a restart; a snapshot from before they were kept counts nothing up to it', async () => {
    const path = file();
    const a = new MemoryStateStore(TEST_LIMITS, { maxSubjects: 10, snapshotPath: path, now: () => T + 10_000 });
    const work = (s: MemoryStateStore, at: number, namespace: string, auth = T) => s.observeWork({ subject: 'alice', nowMs: at, namespace, object: '', site: '', nearby: '', auth });
    work(a, T + 1000, 'team-a');
    a.learnWork('alice', 'team-a', '', T + 1000);
    work(a, T + 2000, 'team-b');
    work(a, T + 3000, 'team-c');
    a.learnWork('alice', 'team-c', '', T + 3000);
    await a.close();
    const b = new MemoryStateStore(TEST_LIMITS, { maxSubjects: 10, snapshotPath: path, now: () => T + 10_000 });
    expect(work(b, T + 4000, 'team-d').entered).toBe(3);
    await b.close();
    // The same file as a previous version wrote it: no kept first sightings of learned namespaces.
    const old = JSON.parse(readFileSync(path, 'utf8')) as { work: [string, Record<string, unknown>][] };
    for (const [, w] of old.work) {
      delete w.lost;
      w.sightings = (w.sightings as [string, number][]).filter(([m]) => !m.startsWith('e:'));
    }
    writeFileSync(path, JSON.stringify(old));
    const c = new MemoryStateStore(TEST_LIMITS, { maxSubjects: 10, snapshotPath: path });
    expect(work(c, T + 11_000, 'team-e').entered).toBe(ENTERED_UNKNOWN);
    expect(work(c, T + 12_000, 'team-f', T + 10_001).entered).toBe(1);
    await c.close();
  });

  it('familiar objects survive a restart; a snapshot from before they were kept has none (every read counts)', async () => {
    const path = file();
    const a = new MemoryStateStore(TEST_LIMITS, { maxSubjects: 10, snapshotPath: path, now: () => T + 10_000 });
    const read = (s: MemoryStateStore, at: number, object: string) => s.observeWork({ subject: 'alice', nowMs: at, namespace: '', object, site: '', nearby: '', read: true });
    a.learnWork('alice', '', '', T + 1000, '', '', 1, 'secrets|dev|db');
    await a.close();
    const b = new MemoryStateStore(TEST_LIMITS, { maxSubjects: 10, snapshotPath: path });
    expect(read(b, T + 60_000, 'secrets|dev|db')).toMatchObject({ familiar: T + 1000, pace: 0 });
    // A window's new objects are kept too: a new one, then a familiar read, counts both after a restart.
    read(b, T + 70_000, 'secrets|dev|new');
    await b.close();
    const c0 = new MemoryStateStore(TEST_LIMITS, { maxSubjects: 10, snapshotPath: path });
    expect(read(c0, T + 71_000, 'secrets|dev|db')).toMatchObject({ familiar: T + 1000, pace: 2 });
    await c0.close();
    // Written before either was kept: nothing is familiar, and every object in the window is new.
    const old = JSON.parse(readFileSync(path, 'utf8')) as { work: [string, Record<string, unknown>][] };
    for (const [, w] of old.work) {
      delete w.familiar;
      delete w.paceNew;
    }
    writeFileSync(path, JSON.stringify(old));
    const c = new MemoryStateStore(TEST_LIMITS, { maxSubjects: 10, snapshotPath: path });
    expect(read(c, T + 120_000, 'secrets|dev|db')).toMatchObject({ familiar: 0, pace: 1 });
    await c.close();
  });

  it('writes every map of a record as its entries: none is left as the `{}` JSON makes of a Map, which the load would refuse', async () => {
    const path = file();
    const a = new MemoryStateStore(TEST_LIMITS, { maxSubjects: 10, snapshotPath: path, now: () => T + 10_000 });
    a.observe(obs());
    a.learn('alice', '203.0.113.7', '203.0.113.0/24', 'fp:a', T + 1, 'interactive');
    // Every part of the working set holds something: namespace, site, wider network, object, family, pace.
    a.observeWork({ subject: 'alice', nowMs: T + 2, namespace: 'ledger-staging', object: 'secrets|ledger-staging|db', site: 'berlin', nearby: '203.0.0.0/16', family: '2:ledger' });
    a.learnWork('alice', 'prod-ledger', 'berlin', T + 3, '203.0.0.0/16', '', 1, 'secrets|prod-ledger|db', true, '1:ledger');
    await a.close();
    const data = JSON.parse(readFileSync(path, 'utf8')) as { subjects: [string, Record<string, unknown>][]; work: [string, Record<string, unknown>][] };
    const emptyObjects = [...data.subjects, ...data.work].flatMap(([k, r]) => Object.entries(r).filter(([, v]) => v !== null && typeof v === 'object' && !Array.isArray(v) && Object.keys(v).length === 0).map(([f]) => `${k}.${f}`));
    expect(emptyObjects).toEqual([]);
    const events: string[] = [];
    const b = new MemoryStateStore(TEST_LIMITS, { maxSubjects: 10, snapshotPath: path, onSnapshot: (e) => events.push(e) });
    expect(events).toEqual(['loaded']);
    expect(b.observeWork({ subject: 'alice', nowMs: T + 60_000, namespace: 'ledger-staging', object: '', site: 'berlin', nearby: '203.0.0.0/16', family: '2:ledger' })).toMatchObject({ siteKnown: true, nearbyKnown: true, familyKnown: true });
    await b.close();
  });

  // redteam44a: a thief presenting a victim's OpenShift console cookie first after a restart must
  // not claim it (pipeline/console-sessions.ts binds the cookie to its first stepgate identity).
  it('the console cookie bindings survive a restart: hashes only, bounded, each with its expiry', async () => {
    const path = file();
    const ttl = 600_000;
    const a = new MemoryStateStore(TEST_LIMITS, { maxSubjects: 3, snapshotPath: path });
    expect(a.consoleSessions.bind('victim-console-cookie', 'https://idp\nvictim', ttl, T)).toBe(true);
    expect(a.consoleSessions.bind('gone-cookie', 'https://idp\nbob', ttl, T + 1)).toBe(true);
    expect(a.consoleSessions.bind('victim-console-cookie', 'https://idp\nvictim', ttl, T + 2)).toBe(true); // used again: most recent
    expect(a.consoleSessions.bind('carol-cookie', 'https://idp\ncarol', ttl, T + 3)).toBe(true);
    expect(a.consoleSessions.bind('short-cookie', 'https://idp\ncarol', 1000, T + 4)).toBe(true); // the cap (3): bob's, least recent, goes
    await a.close();
    const text = readFileSync(path, 'utf8');
    for (const secret of ['cookie', 'victim', 'carol', 'bob']) expect(text).not.toContain(secret);
    const kept = (JSON.parse(text) as { consoleSessions: [string, string, number][] }).consoleSessions;
    expect(kept.every(([k, who]) => /^[0-9a-f]{32}$/.test(k) && /^[0-9a-f]{32}$/.test(who))).toBe(true);
    // Least recently used first, each with the expiry of its first bind.
    expect(kept.map(([, , until]) => until)).toEqual([T + ttl, T + 3 + ttl, T + 4 + 1000]);
    const events: string[] = [];
    const b = new MemoryStateStore(TEST_LIMITS, { maxSubjects: 3, snapshotPath: path, onSnapshot: (e) => events.push(e) });
    expect(events).toEqual(['loaded']);
    const later = T + 60_000;
    expect(b.consoleSessions.bind('victim-console-cookie', 'https://idp\nthief', ttl, later)).toBe(false);
    expect(b.consoleSessions.bind('victim-console-cookie', 'https://idp\nvictim', ttl, later)).toBe(true);
    expect(b.consoleSessions.bind('carol-cookie', 'https://idp\nthief', ttl, later)).toBe(false);
    // The expiry is kept: past it, the cookie is free again.
    expect(b.consoleSessions.bind('short-cookie', 'https://idp\nthief', ttl, later)).toBe(true);
    await b.close();
  });

  it('a snapshot from before the console bindings were kept loads with none; a malformed binding is refused like any record', async () => {
    const path = file();
    const a = new MemoryStateStore(TEST_LIMITS, { maxSubjects: 10, snapshotPath: path });
    a.consoleSessions.bind('cookie', 'https://idp\nalice', 600_000, T);
    a.learn('alice', '203.0.113.7', '203.0.113.0/24', 'fp:a', T + 1, 'interactive');
    await a.close();
    const data = JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>;
    const { consoleSessions: _c, ...older } = data;
    writeFileSync(path, JSON.stringify(older));
    const events: string[] = [];
    const b = new MemoryStateStore(TEST_LIMITS, { maxSubjects: 10, snapshotPath: path, onSnapshot: (e) => events.push(e) });
    expect(events).toEqual(['loaded']);
    expect(b.consoleSessions.bind('cookie', 'https://idp\nmallory', 600_000, T + 1000)).toBe(true);
    await b.close();
    for (const bad of [[['cookie', 'alice', T + 600_000]], [['a'.repeat(32), 'b'.repeat(32), 'soon']], 'none']) {
      writeFileSync(path, JSON.stringify({ ...data, consoleSessions: bad }));
      const seen: string[] = [];
      const c = new MemoryStateStore(TEST_LIMITS, { maxSubjects: 10, snapshotPath: path, onSnapshot: (e) => seen.push(e) });
      expect(seen, JSON.stringify(bad)).toEqual(['unreadable']);
      expect(c.historyLostAt(T + 2000)).toBeGreaterThan(0);
      await c.close();
    }
  });

  it('keeps incidents, revocations and sign-outs across a restart (<path>.control, written at every change)', async () => {
    const path = file();
    const at = (ms: number) => new MemoryStateStore(TEST_LIMITS, { maxSubjects: 10, snapshotPath: path, now: () => ms });
    const a = at(T);
    await a.control.put('revocation', { id: 'rev-1', data: '{"kind":"subject","subject":"mallory"}', expiresAt: T + 86_400_000 }, T);
    await a.control.put('signout', { id: 'signout-1', data: '{"session":"s1","at":1}', expiresAt: T + 3_600_000 }, T);
    await a.control.put('incident', { id: 'inc-1', data: '{"id":"inc-1"}', expiresAt: T + 60_000 }, T);
    // No close: a crash right after the admin call must not lose it.
    expect(statSync(`${path}.control`).mode & 0o777).toBe(0o600);
    const b = at(T + 120_000);
    const snap = await b.control.snapshot(T + 120_000);
    expect(snap.revocations.map((r) => r.id)).toEqual(['rev-1']);
    expect(snap.signouts.map((r) => r.id)).toEqual(['signout-1']);
    expect(snap.incidents).toEqual([]); // ended by itself meanwhile
    expect(snap.version).toBeGreaterThan(0);
    // Ending one is kept too.
    await b.control.remove('revocation', 'rev-1', T + 120_000);
    const c = at(T + 120_000);
    expect((await c.control.snapshot(T + 120_000)).revocations).toEqual([]);
    expect((await c.control.snapshot(T + 120_000)).signouts.map((r) => r.id)).toEqual(['signout-1']);
    for (const s of [a, b, c]) await s.close();
  });

  it('a record of a kind this version does not know is skipped, whatever its name', async () => {
    const path = file();
    writeFileSync(`${path}.control`, JSON.stringify({ version: 1, records: [{ kind: 'constructor', id: 'x', data: '{}', expiresAt: T + 60_000 }, { kind: 'revocation', id: 'rev-2', data: '{}', expiresAt: T + 60_000 }] }));
    const s = new MemoryStateStore(TEST_LIMITS, { maxSubjects: 10, snapshotPath: path, now: () => T });
    expect((await s.control.snapshot(T)).revocations.map((r) => r.id)).toEqual(['rev-2']);
    await s.close();
  });

  it('an unreadable control file stops the start, naming the file: without it a revoked credential would pass again', () => {
    const path = file();
    writeFileSync(`${path}.control`, '{"version":1,"records":[{"kind":"revocation"');
    expect(() => new MemoryStateStore(TEST_LIMITS, { maxSubjects: 10, snapshotPath: path })).toThrow(`${path}.control: not JSON (truncated or corrupt); it holds the incidents, revocations and sign-outs of the last run`);
  });

  it('a write that cannot happen is reported, never thrown', async () => {
    const events: string[] = [];
    const s = new MemoryStateStore(TEST_LIMITS, { maxSubjects: 10, snapshotPath: '/nonexistent-dir/state.json', onSnapshot: (e) => events.push(e) });
    expect(s.save()).toBe(false);
    await s.close();
    expect(events).toEqual(['write_failed', 'write_failed']);
  });
});
