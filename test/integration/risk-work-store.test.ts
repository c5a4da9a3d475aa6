import { describe, expect, it } from 'vitest';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { prng } from '../support/workday.js';
import { MemoryStateStore } from '../../src/state/memory.js';
import { counterKey, workKeys } from '../../src/state/keys.js';
import { observed } from '../../src/state/redis.js';
import { observeBatchLua, observeLua } from '../../src/state/redis-scripts.js';
import { limitsMs } from '../../src/state/sliding.js';
import { ENTERED_KEEP_MS, ENTERED_UNKNOWN, type StoreLimits, type WorkHistory } from '../../src/state/store.js';
import { redisForFile } from '../support/redis-stores.js';
import { TEST_LIMITS } from '../support/state-config.js';

/**
 * The working-set side of the store (observeWork / learnWork: namespaces, pace, sites, nearby
 * networks) gives identical answers in memory and on a real redis-server, call for call, over
 * seeded random sequences that cross the pace window and the known TTL; and a few answers are checked
 * against what they must be.
 */

/** Family keys for the random sequences: tiers 0 (a plain name) to 3, two stems, one no key at all. */
/** With `+` (an application's components, unfamiliar_namespace.components), `a` covers `a-x` and `a-x-y`. */
const FAMILIES = ['', '', '0:a', '1:a', '2:a', '3:a', '1:b', '2:b', 'junk', '2+:a-x', '1:a-x', '3+:a-x-y', '0+:a-x', '1+:b-x@c'];
const KINDS = ['', '', 'secret_read', 'pod_shell'];
/** Objects for the random sequences: bare ones, and Secrets sharing a namespace or a name (the run's cover, run-cover.ts). */
const OBJECTS = ['', 'x1', 'x2', 'x3', '|secrets|a|p', '|secrets|a|q', '|secrets|b|p', '|secrets|b|r', '|secrets|c|q', 'apps|deployments/exec|a|p'];
const LIMITS: StoreLimits = { ...TEST_LIMITS, paceWindow: 20, paceThreshold: 3, paceResume: 300 };
/** Objects as context-bound.ts sensitiveObject writes them: group|resource|namespace|name. */
const secretIn = (ns: string, name: string) => `|secrets|${ns}|${name}`;
/** Day 9's rotation: the same Secret in one namespace after another. */
const regcred = (k: number) => secretIn(`ns${k}`, 'regcred');
const T = 1_764_000_000_000;
const redisStore = redisForFile('work').store;

async function pair(limits = LIMITS) {
  return { m: new MemoryStateStore(limits, { maxSubjects: 100 }), r: await redisStore(limits) };
}

describe('working set, pace and sites: memory and redis agree', () => {
  it('the answers are the expected ones', async () => {
    const { m, r } = await pair();
    for (const s of [m, r]) {
      const w = (at: number, o: Partial<{ namespace: string; object: string; site: string; nearby: string }>) =>
        Promise.resolve(s.observeWork({ subject: 'alice', nowMs: T + at, namespace: '', object: '', site: '', nearby: '', ...o }));
      expect(await w(0, { namespace: 'team-a', site: 'berlin', nearby: '203.0.0.0/16' })).toEqual<WorkHistory>({
        namespaceKnown: false, namespaceSince: T, workingSet: 0, pace: 0, paceSince: 0, siteKnown: false, lastSite: '', lastSiteAt: 0, siteSince: T, nearbyKnown: false, nearbyProvenAt: 0, entered: 0, familiar: 0, familyKnown: false, clusterKnown: true, kindSince: 0, historySince: T,
      });
      await s.learnWork('alice', 'team-a', 'berlin', T + 1000, '203.0.0.0/16');
      expect(await w(2000, { namespace: 'team-a', site: 'berlin', nearby: '203.0.0.0/16' })).toMatchObject({ namespaceKnown: true, namespaceSince: 0, workingSet: 1, siteKnown: true, lastSite: 'berlin', lastSiteAt: T + 1000, nearbyKnown: true });
      // `*` (every Secret of every namespace) keeps its first sighting until learned like a namespace.
      expect(await w(3000, { namespace: '*' })).toMatchObject({ namespaceKnown: false, namespaceSince: T + 3000, workingSet: 1 });
      expect(await w(3500, { namespace: '*' })).toMatchObject({ namespaceKnown: false, namespaceSince: T + 3000 });
      await s.learnWork('alice', '*', '', T + 4000);
      expect(await w(9000, { namespace: '*' })).toMatchObject({ namespaceKnown: true, namespaceSince: 0, workingSet: 2 });
      // Pace: the 4th distinct object within 20 s is over the threshold; since stays put while it lasts.
      for (let i = 0; i < 3; i++) expect(await w(10_000 + i * 1000, { object: `o${i}` })).toMatchObject({ pace: i + 1, paceSince: 0 });
      expect(await w(13_000, { object: 'o3' })).toMatchObject({ pace: 4, paceSince: T + 13_000 });
      expect(await w(14_000, { object: 'o4' })).toMatchObject({ pace: 5, paceSince: T + 13_000 });
      expect(await w(60_000, { object: 'o5' })).toMatchObject({ pace: 1, paceSince: 0 });
    }
  });

  it('pace: a run answered by a sign-in after it began continues when the loop resumes within paceResume; one never answered does not', async () => {
    const { m, r } = await pair();
    const { m: m0, r: r0 } = await pair({ ...LIMITS, paceResume: 0 });
    for (const [s, resume] of [[m, true], [r, true], [m0, false], [r0, false]] as const) {
      const w = (subject: string, at: number, object: string, auth: number) =>
        Promise.resolve(s.observeWork({ subject, nowMs: T + at, namespace: '', object, site: '', nearby: '', auth: auth === 0 ? 0 : T + auth }));
      // A loop over namespaces, one a second, with a login from 10 s before: over at the 4th.
      const run = async (subject: string, from: number, k0: number, auth: number) => {
        let last: WorkHistory | undefined;
        for (let k = 0; k < 4; k++) last = await w(subject, from + k * 1000, regcred(k0 + k), auth);
        return last!;
      };
      expect(await run('ivy', 10_000, 0, 1)).toMatchObject({ pace: 4, paceSince: T + 13_000 });
      // Refused; the engineer signs in at 33 s, after the run began, and retries at 38 s (the
      // window has emptied): the retry is the run answered.
      expect(await w('ivy', 38_000, regcred(3), 33_000)).toMatchObject({ pace: 1, paceSince: 0 });
      // The loop goes on: its 4th object is over again, and keeps the first run's start, which
      // the sign-in answers; with paceResume 0 it is a run of its own, after the sign-in.
      expect(await run('ivy', 39_000, 4, 33_000)).toMatchObject({ pace: 5, paceSince: resume ? T + 13_000 : T + 41_000 });
      // Within paceResume of the last answered request again, after a pause.
      expect(await run('ivy', 39_000 + 290_000, 8, 33_000)).toMatchObject({ paceSince: resume ? T + 13_000 : T + 332_000 });
      // Past paceResume since the run was last answered: a new run.
      expect(await run('ivy', 332_000 + 301_000, 12, 33_000)).toMatchObject({ paceSince: T + 636_000 });
      // Never answered (no sign-in after it began, as malware's burst): the next burst is a run of
      // its own, however soon, and a sign-in made between the two does not answer it.
      expect(await run('joe', 10_000, 0, 1)).toMatchObject({ paceSince: T + 13_000 });
      expect(await w('joe', 38_000, regcred(3), 1)).toMatchObject({ pace: 1, paceSince: 0 });
      expect(await run('joe', 60_000, 4, 50_000)).toMatchObject({ paceSince: T + 63_000 });
      // A request of a run, over the threshold, with a login after it began answers it too.
      expect(await run('kai', 10_000, 0, 1)).toMatchObject({ paceSince: T + 13_000 });
      expect(await w('kai', 14_000, regcred(4), 13_000)).toMatchObject({ pace: 5, paceSince: T + 13_000 });
      expect(await run('kai', 60_000, 5, 13_000)).toMatchObject({ paceSince: resume ? T + 13_000 : T + 63_000 });
      // Answered, then quiet for hours: the first request after it is no retry, and the next loop
      // is a run of its own (the answer was last seen at 14 s).
      expect(await run('lee', 10_000, 0, 1)).toMatchObject({ paceSince: T + 13_000 });
      expect(await w('lee', 14_000, regcred(4), 13_000)).toMatchObject({ pace: 5, paceSince: T + 13_000 });
      expect(await w('lee', 7_200_000, regcred(9), 13_000)).toMatchObject({ pace: 1, paceSince: 0 });
      expect(await run('lee', 7_201_000, 5, 13_000)).toMatchObject({ paceSince: T + 7_203_000 });
    }
  });

  it('pace: a run resumes only within what the answered run covered (a namespace or a name two of its objects shared); outside it, a run of its own', async () => {
    const { m, r } = await pair();
    for (const s of [m, r]) {
      const w = (subject: string, at: number, object: string, auth: number) =>
        Promise.resolve(s.observeWork({ subject, nowMs: T + at, namespace: '', object, site: '', nearby: '', auth: T + auth }));
      // The engineer's loop over prod-cart's Secrets, over at the 4th (13 s); signed in at 33 s,
      // the retry at 38 s answers it.
      const answered = async (subject: string, ns: (k: number) => string, name: (k: number) => string) => {
        for (let k = 0; k < 4; k++) await w(subject, 10_000 + k * 1000, secretIn(ns(k), name(k)), 1);
        expect(await w(subject, 38_000, secretIn(ns(3), name(3)), 33_000)).toMatchObject({ pace: 1, paceSince: 0 });
      };
      const cart = () => 'prod-cart';
      const own = (k: number) => `rotated-${k}`;
      // Resumed with prod-cart's next Secrets: the answered run.
      await answered('mia', cart, own);
      for (const k of [4, 5, 6]) await w('mia', 96_000 + k * 1000, secretIn('prod-cart', own(k)), 33_000);
      expect(await w('mia', 103_000, secretIn('prod-cart', own(7)), 33_000)).toMatchObject({ pace: 4, paceSince: T + 13_000 });
      // Two minutes later, Secrets in namespaces the run never read: a run of its own at its 4th,
      // which the sign-in at 33 s does not answer, and it stays one.
      await answered('ned', cart, own);
      for (let k = 0; k < 3; k++) expect(await w('ned', 160_000 + k * 1000, secretIn(`victim${k}-prod`, 'db'), 33_000)).toMatchObject({ paceSince: 0 });
      expect(await w('ned', 163_000, secretIn('victim3-prod', 'db'), 33_000)).toMatchObject({ pace: 4, paceSince: T + 163_000 });
      expect(await w('ned', 164_000, secretIn('victim4-prod', 'db'), 33_000)).toMatchObject({ pace: 5, paceSince: T + 163_000 });
      // Resumed within the cover, then out of it: the run begins again there, and goes on from there
      // even back inside prod-cart.
      await answered('oli', cart, own);
      for (const k of [4, 5, 6, 7]) await w('oli', 96_000 + k * 1000, secretIn('prod-cart', own(k)), 33_000);
      expect(await w('oli', 104_000, secretIn('ledger-prod', 'db'), 33_000)).toMatchObject({ pace: 5, paceSince: T + 104_000 });
      expect(await w('oli', 105_000, secretIn('prod-cart', own(8)), 33_000)).toMatchObject({ pace: 6, paceSince: T + 104_000 });
      // One Secret in each of four namespaces, each read twice: no namespace and no name shared by
      // two objects, so nothing is covered, not even the namespaces it read.
      const one = (k: number) => `ns${k}`;
      const named = (k: number) => `s${k}`;
      for (let k = 0; k < 4; k++) await w('pam', 10_000 + k * 1000, secretIn(one(k), named(k)), 1);
      await w('pam', 13_500, secretIn(one(3), named(3)), 1);
      expect(await w('pam', 38_000, secretIn(one(3), named(3)), 33_000)).toMatchObject({ pace: 1, paceSince: 0 });
      for (let k = 0; k < 3; k++) await w('pam', 100_000 + k * 1000, secretIn(one(k), `t${k}`), 33_000);
      expect(await w('pam', 103_000, secretIn(one(3), 't3'), 33_000)).toMatchObject({ pace: 4, paceSince: T + 103_000 });
      // Day 9's rotation goes on to namespaces of its own after the sign-in: the same name.
      await answered('quin', (k) => `ns${k}`, () => 'regcred');
      for (let k = 4; k < 7; k++) await w('quin', 96_000 + k * 1000, regcred(k), 33_000);
      expect(await w('quin', 103_000, regcred(7), 33_000)).toMatchObject({ pace: 4, paceSince: T + 13_000 });
      // redteam40a: a namespace the loop went through covers its next object of the same resource,
      // not a shell in its pods; a loop listing Secrets namespace by namespace covers the next
      // namespace's list, not a list of every namespace at once; and two cluster-scoped objects
      // (namespace '') confirm their own resource's, not every namespace's Secrets. Each was
      // resumed, with the sign-in made for the loop, before.
      await answered('rae', cart, own);
      for (let k = 4; k < 7; k++) expect(await w('rae', 96_000 + k * 1000, `|pods/exec|prod-cart|api-${k}`, 33_000)).toMatchObject({ paceSince: 0 });
      expect(await w('rae', 103_000, '|pods/exec|prod-cart|api-7', 33_000)).toMatchObject({ pace: 4, paceSince: T + 103_000 });
      await answered('sol', (k) => `ns${k}`, () => '*');
      for (let k = 4; k < 7; k++) await w('sol', 96_000 + k * 1000, secretIn(`ns${k}`, '*'), 33_000);
      expect(await w('sol', 103_000, secretIn('ns7', '*'), 33_000)).toMatchObject({ pace: 4, paceSince: T + 13_000 });
      await answered('tam', (k) => `ns${k}`, () => '*');
      for (let k = 4; k < 7; k++) await w('tam', 96_000 + k * 1000, secretIn(`ns${k}`, '*'), 33_000);
      expect(await w('tam', 103_000, secretIn('', '*'), 33_000)).toMatchObject({ pace: 4, paceSince: T + 103_000 });
      const store = (k: number) => `external-secrets.io|clustersecretstores||vault-${k}`;
      for (let k = 0; k < 4; k++) await w('uma', 10_000 + k * 1000, store(k), 1);
      expect(await w('uma', 38_000, store(3), 33_000)).toMatchObject({ pace: 1, paceSince: 0 });
      for (let k = 4; k < 7; k++) await w('uma', 96_000 + k * 1000, store(k), 33_000);
      expect(await w('uma', 103_000, secretIn('', '*'), 33_000)).toMatchObject({ pace: 4, paceSince: T + 103_000 });
    }
  });

  it('pace: the snapshot of the memory store keeps the answered run\'s cover', async () => {
    const path = join(mkdtempSync(join(tmpdir(), 'stepgate-run-')), 'snap.json');
    const a = new MemoryStateStore(LIMITS, { maxSubjects: 100, snapshotPath: path });
    const w = (s: MemoryStateStore, at: number, object: string, auth: number) => s.observeWork({ subject: 'rae', nowMs: T + at, namespace: '', object, site: '', nearby: '', auth: T + auth });
    for (let k = 0; k < 4; k++) w(a, 10_000 + k * 1000, regcred(k), 1);
    w(a, 38_000, regcred(3), 33_000);
    await a.close();
    const b = new MemoryStateStore(LIMITS, { maxSubjects: 100, snapshotPath: path });
    for (let k = 4; k < 7; k++) w(b, 96_000 + k * 1000, regcred(k), 33_000);
    expect(w(b, 103_000, regcred(7), 33_000)).toMatchObject({ pace: 4, paceSince: T + 13_000 });
    expect(w(b, 104_000, secretIn('ns8', 'db'), 33_000)).toMatchObject({ pace: 5, paceSince: T + 104_000 });
    await b.close();
  });

  it('familiar objects: a window of nothing but familiar reads counts none, one new object counts all; the cap drops the least recently read', async () => {
    const { m, r } = await pair();
    const ttl = LIMITS.familiar!.ttlSeconds * 1000;
    for (const s of [m, r]) {
      const w = (at: number, object: string, read = true, subject = 'ivan') => Promise.resolve(s.observeWork({ subject, nowMs: T + at, namespace: '', object, site: '', nearby: '', read }));
      const learn = (at: number, object: string, subject = 'ivan') => s.learnWork(subject, '', '', T + at, '', '', 1, object);
      // Nothing learned: every read counts.
      for (let i = 0; i < 3; i++) expect(await w(i * 1000, `s${i}`)).toMatchObject({ pace: i + 1, familiar: 0 });
      // Learned during the run: those reads already counted, and stay counted for the window.
      for (let i = 0; i < 3; i++) await learn(i * 1000 + 500, `s${i}`);
      expect(await w(3000, 's0')).toMatchObject({ pace: 3, familiar: T + 500 });
      expect(await w(4000, 's3')).toMatchObject({ pace: 4, paceSince: T + 4000, familiar: 0 });
      // The next run: three familiar reads alone count nothing…
      const run = 60_000;
      for (let i = 0; i < 3; i++) expect(await w(run + i * 100, `s${i}`)).toMatchObject({ pace: 0, paceSince: 0, familiar: T + i * 1000 + 500 });
      // …but a touch that is not a read (a write, a delete, a shell) is new, and counts them all…
      expect(await w(run + 300, 's0', false)).toMatchObject({ pace: 3, paceSince: 0, familiar: 0 });
      // …as does a read of an object never learned.
      expect(await w(run + 400, 's3')).toMatchObject({ pace: 4, paceSince: T + run + 400, familiar: 0 });
      // Another subject's familiar objects are its own.
      expect(await w(run + 500, 's1', true, 'judy')).toMatchObject({ pace: 1, familiar: 0 });
      // The cap (3 here): learning a fourth drops the least recently read (s0; s1 was read again).
      await learn(run + 600, 's1');
      await learn(run + 700, 's3');
      // Each in a window of its own.
      const later = 120_000;
      expect(await w(later, 's0')).toMatchObject({ pace: 1, familiar: 0 });
      expect(await w(later + 30_000, 's1')).toMatchObject({ pace: 0, familiar: T + run + 600 });
      expect(await w(later + 60_000, 's2')).toMatchObject({ pace: 0, familiar: T + 2500 });
      expect(await w(later + 90_000, 's3')).toMatchObject({ pace: 0, familiar: T + run + 700 });
      // The TTL runs from the last proven read: s2 (learned at 2.5 s) has expired, s1 (moved) has not.
      expect(await w(ttl + 2500, 's2')).toMatchObject({ familiar: 0 });
      expect(await w(ttl + 2600, 's1')).toMatchObject({ familiar: T + run + 600 });
      expect(await w(ttl + run + 600, 's1')).toMatchObject({ familiar: 0 });
    }
  });

  it('familiarity off (no familiar limits): nothing is learned, every read counts', async () => {
    const { familiar: _, ...off } = LIMITS;
    const { m, r } = await pair(off);
    for (const s of [m, r]) {
      await s.learnWork('kim', '', '', T, '', '', 1, 's0');
      expect(await Promise.resolve(s.observeWork({ subject: 'kim', nowMs: T + 1000, namespace: '', object: 's0', site: '', nearby: '', read: true }))).toMatchObject({ pace: 1, familiar: 0 });
    }
  });

  it('a wider network is known only once enough distinct networks inside it were proven', async () => {
    const { m, r } = await pair();
    for (const s of [m, r]) {
      const near = (at: number, subject = 'carol') => Promise.resolve(s.observeWork({ subject, nowMs: T + at, namespace: '', object: '', site: '', nearby: '10.1.0.0/16' })).then((w) => w.nearbyKnown);
      // A static jump host proves one network, again and again: the /16 around it stays unknown.
      for (let i = 0; i < 3; i++) await s.learnWork('carol', '', '', T + i * 1000, '10.1.0.0/16', '10.1.2.0/24', 2);
      expect(await near(5000)).toBe(false);
      // The latest of those proofs, for nearby_networks.vouch_seconds (0 for a wider network not seen).
      const provenAt = (at: number, nearby = '10.1.0.0/16') => Promise.resolve(s.observeWork({ subject: 'carol', nowMs: T + at, namespace: '', object: '', site: '', nearby })).then((w) => w.nearbyProvenAt);
      expect(await provenAt(5000)).toBe(T + 2000);
      expect(await provenAt(5000, '10.9.0.0/16')).toBe(0);
      // A second distinct one (a phone's next carrier /24) makes it known.
      await s.learnWork('carol', '', '', T + 6000, '10.1.0.0/16', '10.1.77.0/24', 2);
      expect(await near(7000)).toBe(true);
      expect(await provenAt(7000)).toBe(0);
      // Three needed: two are not enough.
      await s.learnWork('dave', '', '', T, '10.1.0.0/16', '10.1.2.0/24', 3);
      await s.learnWork('dave', '', '', T + 1000, '10.1.0.0/16', '10.1.3.0/24', 3);
      expect(await near(2000, 'dave')).toBe(false);
      await s.learnWork('dave', '', '', T + 3000, '10.1.0.0/16', '10.1.4.0/24', 3);
      expect(await near(4000, 'dave')).toBe(true);
      // Evidence older than the known TTL does not count toward the second network.
      await s.learnWork('erin', '', '', T, '10.1.0.0/16', '10.1.2.0/24', 2);
      await s.learnWork('erin', '', '', T + LIMITS.knownTtlSeconds * 1000 + 1000, '10.1.0.0/16', '10.1.3.0/24', 2);
      expect(await near(LIMITS.knownTtlSeconds * 1000 + 2000, 'erin')).toBe(false);
      // A network known before and used again is evidence for the wider network, but no proof a
      // sign-in made there: it vouches for nothing (risk/engine.ts Learnable.proof).
      const provenOf = (subject: string, at: number) => Promise.resolve(s.observeWork({ subject, nowMs: T + at, namespace: '', object: '', site: '', nearby: '10.1.0.0/16' })).then((w) => w.nearbyProvenAt);
      await s.learnWork('hal', '', '', T, '10.1.0.0/16', '10.1.2.0/24', 2, '', false);
      expect(await provenOf('hal', 1000)).toBe(0);
      await s.learnWork('hal', '', '', T + 2000, '10.1.0.0/16', '10.1.3.0/24', 2, '', false);
      expect(await near(3000, 'hal')).toBe(true);
      await s.learnWork('ian', '', '', T, '10.1.0.0/16', '10.1.2.0/24', 2, '', true);
      expect(await provenOf('ian', 1000)).toBe(T);
      // Without a network (a caller of the previous version) or with 1: known at once, as before.
      await s.learnWork('frank', '', '', T, '10.1.0.0/16');
      expect(await near(1000, 'frank')).toBe(true);
      await s.learnWork('gina', '', '', T, '10.1.0.0/16', '10.1.2.0/24', 1);
      expect(await near(1000, 'gina')).toBe(true);
    }
  });

  it('entered: the namespaces first seen outside the working set since a sign-in, before this one', async () => {
    const { m, r } = await pair();
    for (const s of [m, r]) {
      const entered = (at: number, namespace: string, auth: number, subject = 'erin') =>
        Promise.resolve(s.observeWork({ subject, nowMs: T + at, namespace, object: '', site: '', nearby: '', auth: T + auth })).then((w) => w.entered);
      expect(await entered(1000, 'a', 0)).toBe(0);
      // Learned, `a` still counts: its first sighting is kept.
      await s.learnWork('erin', 'a', '', T + 1500);
      expect(await entered(2000, 'b', 0)).toBe(1);
      expect(await entered(3000, 'c', 0)).toBe(2);
      expect(await entered(3500, 'c', 0)).toBe(2);
      // Counted up to the namespace's own first sighting, not up to now.
      expect(await entered(4000, 'b', 0)).toBe(1);
      // A later sign-in counts from itself; one after the first sighting needs no count.
      expect(await entered(5000, 'c', 2000)).toBe(1);
      expect(await entered(5000, 'c', 2500)).toBe(0);
      expect(await entered(5000, 'c', 4000)).toBe(0);
      // Known, all namespaces at once, no namespace, no sign-in: nothing to count.
      expect(await entered(6000, 'a', 0)).toBe(0);
      expect(await entered(6000, '*', 0)).toBe(0);
      expect(await entered(6000, '**', 0)).toBe(0);
      expect(await entered(6000, '', 0)).toBe(0);
      expect(await entered(6000, 'd', -T)).toBe(0);
      // Another subject's namespaces are its own.
      expect(await entered(7000, 'z', 0, 'frank')).toBe(0);
      // A sign-in as old as the known TTL (an hour here): first sightings before it are gone.
      const ttl = LIMITS.knownTtlSeconds * 1000;
      expect(await entered(ttl + 8000, 'e', 8000)).toBe(ENTERED_UNKNOWN);
      expect(await entered(ttl + 9000, 'f', 9001)).toBe(1);
    }
  });

  it('entered: a learned namespace is counted for a day, no longer', async () => {
    const { m, r } = await pair({ ...LIMITS, knownTtlSeconds: 3 * 86_400 });
    for (const s of [m, r]) {
      const entered = (at: number, namespace: string, auth: number) =>
        Promise.resolve(s.observeWork({ subject: 'hana', nowMs: T + at, namespace, object: '', site: '', nearby: '', auth: T + auth })).then((w) => w.entered);
      expect(await entered(1000, 'a', 0)).toBe(0);
      await s.learnWork('hana', 'a', '', T + 1000);
      expect(await entered(2000, 'b', 0)).toBe(1);
      expect(await entered(ENTERED_KEEP_MS - 1000, 'c', 0)).toBe(2);
      // A day after the sign-in its count is unknown, whatever is still kept.
      expect(await entered(ENTERED_KEEP_MS, 'd', 0)).toBe(ENTERED_UNKNOWN);
      expect(await entered(ENTERED_KEEP_MS + 2000, 'd', 1500)).toBe(ENTERED_UNKNOWN);
      expect(await entered(ENTERED_KEEP_MS + 2000, 'd', 2001)).toBe(1);
      // Learned and unlearned ones count alike.
      await s.learnWork('hana', 'c', '', T + ENTERED_KEEP_MS + 2500);
      expect(await entered(ENTERED_KEEP_MS + 3000, 'e', 3000)).toBe(ENTERED_UNKNOWN);
      expect(await entered(ENTERED_KEEP_MS + 3000, 'e', 3001)).toBe(2);
    }
  });

  it('entered is unknown for a sign-in before a first sighting the cap dropped', async () => {
    const { m, r } = await pair();
    const cap = Math.max(64, 4 * LIMITS.maxKnownPerSubject);
    for (const s of [m, r]) {
      const entered = (at: number, namespace: string, auth: number) =>
        Promise.resolve(s.observeWork({ subject: 'gina', nowMs: T + at, namespace, object: '', site: '', nearby: '', auth: T + auth })).then((w) => w.entered);
      for (let i = 0; i < cap; i++) expect(await entered(i * 1000, `ns${i}`, 0)).toBe(i);
      // The next first sighting drops the oldest (ns0, seen at T): a sign-in up to then cannot be answered.
      expect(await entered(cap * 1000, 'over', 0)).toBe(ENTERED_UNKNOWN);
      expect(await entered(cap * 1000, 'over', 500)).toBe(cap - 1);
      // Dropped by learnWork's cap as well (a proof inside a wider network: two entries, ns1 and ns2 go).
      await s.learnWork('gina', '', '', T + cap * 1000 + 1, '10.1.0.0/16', '10.1.2.0/24', 2);
      expect(await entered(cap * 1000 + 2, 'over', 1500)).toBe(ENTERED_UNKNOWN);
      expect(await entered(cap * 1000 + 2, 'over', 2500)).toBe(cap - 3);
    }
  });

  it('families: a known namespace covers its own tier and lower ones of its stem, a plain name only from the top tier', async () => {
    const { m, r } = await pair();
    for (const s of [m, r]) {
      const fam = (at: number, namespace: string, family: string, subject = 'ivy') =>
        Promise.resolve(s.observeWork({ subject, nowMs: T + at, namespace, object: '', site: '', nearby: '', family })).then((w) => w.familyKnown);
      const learn = (at: number, namespace: string, family: string, subject = 'ivy') => s.learnWork(subject, namespace, '', T + at, '', '', 1, '', true, family);
      expect(await fam(1000, 'ledger-staging', '2:ledger')).toBe(false);
      await learn(1500, 'prod-ledger', '1:ledger');
      expect(await fam(2000, 'ledger-staging', '2:ledger')).toBe(true);
      expect(await fam(2000, 'ledger-dev', '3:ledger')).toBe(true);
      expect(await fam(2000, 'ledger', '0:ledger')).toBe(true);
      expect(await fam(2000, 'ledger-production', '1:ledger')).toBe(true);
      // Another stem, another cluster's namespace, a known namespace, no key, another subject: no.
      expect(await fam(2000, 'payments-staging', '2:payments')).toBe(false);
      expect(await fam(2000, 'ledger-staging@sydney', '2:ledger@sydney')).toBe(false);
      expect(await fam(2000, 'prod-ledger', '1:ledger')).toBe(false);
      expect(await fam(2000, 'ledger-staging', '')).toBe(false);
      expect(await fam(2000, 'ledger-staging', '2:ledger', 'jack')).toBe(false);
      // Never upwards: staging covers dev, not prod, nor a plain name (that may be prod).
      await learn(3000, 'fraud-staging', '2:fraud');
      expect(await fam(3500, 'fraud-dev', '3:fraud')).toBe(true);
      expect(await fam(3500, 'fraud-prod', '1:fraud')).toBe(false);
      expect(await fam(3500, 'fraud', '0:fraud')).toBe(false);
      // A plain name vouches for nothing, and a string that is no key is looked up as none.
      await learn(4000, 'search', '0:search');
      expect(await fam(4500, 'search-dev', '3:search')).toBe(false);
      expect(await fam(4500, 'x', 'junk')).toBe(false);
      // Forgotten with the known TTL unless its namespace is used: prod-ledger used an hour after
      // it was learned keeps `1:ledger`; fraud-staging, unused, takes `2:fraud` with it.
      const ttl = LIMITS.knownTtlSeconds * 1000;
      expect(await Promise.resolve(s.observeWork({ subject: 'ivy', nowMs: T + ttl, namespace: 'prod-ledger', object: '', site: '', nearby: '', family: '1:ledger' }))).toMatchObject({ namespaceKnown: true, familyKnown: false });
      expect(await fam(ttl + 3500, 'ledger-staging', '2:ledger')).toBe(true);
      expect(await fam(ttl + 3500, 'fraud-dev', '3:fraud')).toBe(false);
      // A namespace learned without its key (a replica of the previous version) gets it at its next use.
      await s.learnWork('ivy', 'prod-pricing', '', T + ttl + 4000);
      expect(await fam(ttl + 4500, 'pricing-dev', '3:pricing')).toBe(false);
      await Promise.resolve(s.observeWork({ subject: 'ivy', nowMs: T + ttl + 9000, namespace: 'prod-pricing', object: '', site: '', nearby: '', family: '1:pricing' }));
      expect(await fam(ttl + 9500, 'pricing-dev', '3:pricing')).toBe(true);
    }
  });

  it("families with components: an asked key's `+` lets its stem's shorter whole-token prefixes cover it; kept without the `+`", async () => {
    const { m, r } = await pair();
    for (const s of [m, r]) {
      const fam = (at: number, namespace: string, family: string) =>
        Promise.resolve(s.observeWork({ subject: 'lea', nowMs: T + at, namespace, object: '', site: '', nearby: '', family })).then((w) => w.familyKnown);
      await s.learnWork('lea', 'prod-payments', '', T + 1000, '', '', 1, '', true, '1:payments');
      expect(await fam(2000, 'prod-payments-batch', '1+:payments-batch')).toBe(true);
      expect(await fam(2000, 'payments-batch-dev', '3+:payments-batch')).toBe(true);
      expect(await fam(2000, 'payments-batch-eu-dev', '3+:payments-batch-eu')).toBe(true);
      expect(await fam(2000, 'payments-batch', '0+:payments-batch')).toBe(true);
      // Without the `+` (components off), a longer stem is another application, as before.
      expect(await fam(2000, 'prod-payments-batch', '1:payments-batch')).toBe(false);
      // A whole token only, the same cluster only, and never upwards.
      expect(await fam(2000, 'prod-paymentsx-batch', '1+:paymentsx-batch')).toBe(false);
      expect(await fam(2000, 'prod-payments-batch@sydney', '1+:payments-batch@sydney')).toBe(false);
      await s.learnWork('lea', 'fraud-staging', '', T + 3000, '', '', 1, '', true, '2:fraud');
      expect(await fam(3500, 'fraud-rules-dev', '3+:fraud-rules')).toBe(true);
      expect(await fam(3500, 'prod-fraud-rules', '1+:fraud-rules')).toBe(false);
      // A namespace learned with its key's `+` vouches as one learned without it: kept as `1:web-batch`.
      await s.learnWork('lea', 'prod-web-batch', '', T + 4000, '', '', 1, '', true, '1+:web-batch');
      expect(await fam(4500, 'web-batch-staging', '2:web-batch')).toBe(true);
      // …and so does one whose use (a Check in it, once known) writes its key again with the `+`.
      const half = (LIMITS.knownTtlSeconds * 1000) / 2;
      await s.learnWork('lea', 'prod-api-gw', '', T + 5000);
      await Promise.resolve(s.observeWork({ subject: 'lea', nowMs: T + half, namespace: 'prod-api-gw', object: '', site: '', nearby: '', family: '1+:api-gw' }));
      expect(await fam(half + 500, 'api-gw-dev', '3:api-gw')).toBe(true);
    }
  });

  it('clusters: a name of a cluster never worked in is clusterKnown false until a name of it is learned; a name without a cluster writes and reads no marker', async () => {
    const { m, r } = await pair();
    const ttl = LIMITS.knownTtlSeconds * 1000;
    const o = (at: number, namespace: string) => ({ subject: 'cleo', session: '', nowMs: T + at, ip: '203.0.113.7', ipPrefix: '203.0.113.0/24', device: '', uaFamily: 'kubectl', namespace, sensitive: true });
    const w = (at: number, namespace: string) => ({ subject: 'cleo', nowMs: T + at, namespace, object: '', site: '', nearby: '' });
    for (const s of [m, r]) {
      const known = async (at: number, namespace: string) => (await Promise.resolve(s.observeWork!(w(at, namespace)))).clusterKnown;
      expect(await known(0, 'payments-prod@brix')).toBe(false);
      await s.learnWork('cleo', 'payments-prod@brix', '', T + 1000);
      // Another name of brix is new, but brix is not; the same name on sable is in a cluster never worked in.
      expect(await Promise.resolve(s.observeWork!(w(2000, 'billing-prod@brix')))).toMatchObject({ namespaceKnown: false, clusterKnown: true });
      expect(await Promise.resolve(s.observeWork!(w(2000, 'payments-prod@sable')))).toMatchObject({ namespaceKnown: false, clusterKnown: false });
      // A known name, and a name without a cluster: nothing to be new to.
      expect(await known(2000, 'payments-prod@brix')).toBe(true);
      expect(await known(2000, 'payments-prod')).toBe(true);
      expect(await known(2000, '')).toBe(true);
      // Every Secret of a cluster and its Namespace objects are work in it too.
      await s.learnWork('cleo', '**@quay', '', T + 3000);
      await s.learnWork('cleo', '/namespaces@oriel', '', T + 3000);
      expect(await known(4000, 'app-prod@quay')).toBe(true);
      expect(await known(4000, 'app-prod@oriel')).toBe(true);
      // The use of a known name keeps the cluster's marker alive as it keeps the name (written when due).
      expect(await known(ttl / 2, 'payments-prod@brix')).toBe(true);
      expect(await known(ttl + 2000, 'billing-prod@brix')).toBe(true);
      // quay's marker was not: past the known TTL, quay is a cluster never worked in again.
      expect(await known(ttl + 4000, 'app-prod@quay')).toBe(false);
    }
    // Through the Check's script (observeAll), alone and in a batch, as observeWork answers.
    await r.learnWork('cleo', 'records-prod@tamar', '', T + ttl + 5000);
    m.learnWork('cleo', 'records-prod@tamar', '', T + ttl + 5000);
    const one = await r.observeAll(o(ttl + 6000, 'records-dev@tamar'), w(ttl + 6000, 'records-dev@tamar'));
    expect(one.work).toEqual(m.observeWork(w(ttl + 6000, 'records-dev@tamar')));
    expect(one.work?.clusterKnown).toBe(true);
    const batch = await Promise.all([
      r.observeAll(o(ttl + 7000, 'records-dev@tamar'), w(ttl + 7000, 'records-dev@tamar')),
      r.observeAll(o(ttl + 7000, 'records-dev@sable'), w(ttl + 7000, 'records-dev@sable')),
      r.observeAll(o(ttl + 7000, ''), undefined),
      r.observeAll(o(ttl + 7000, 'records-dev'), w(ttl + 7000, 'records-dev')),
    ]);
    expect(batch.map((b) => b.work?.clusterKnown)).toEqual([true, false, undefined, true]);
    // Without kubernetes.clusters the stores keep what they kept before: no marker among the family keys.
    const { m: m2, r: r2 } = await pair();
    for (const s of [m2, r2]) {
      await Promise.resolve(s.observeWork({ ...w(0, 'payments-prod'), subject: 'noah', family: '1:payments' }));
      await s.learnWork('noah', 'payments-prod', '', T + 1000, '', '', 1, '', true, '1:payments', 'secret_read');
      await Promise.resolve(s.observeWork({ ...w(ttl / 2, 'payments-prod'), subject: 'noah', family: '1:payments' }));
    }
    const { redis, prefix } = r2.internals;
    expect((await redis.zrange(workKeys(prefix, 'noah').families, '0', '-1')).sort()).toEqual(['1:payments', 'k:secret_read']);
    await r.learnWork('noah', 'payments-prod@brix', '', T + 1000, '', '', 1, '', true, '1:payments@brix');
    expect((await r.internals.redis.zrange(workKeys(r.internals.prefix, 'noah').families, '0', '-1')).sort()).toEqual(['1:payments@brix', '@brix']);
  });

  it('families through observeAll (one Check, and a batch of them) answer as observeWork does', async () => {
    const { m, r } = await pair();
    const o = (at: number, namespace: string) => ({ subject: 'kate', session: '', nowMs: T + at, ip: '203.0.113.7', ipPrefix: '203.0.113.0/24', device: '', uaFamily: 'kubectl', namespace, sensitive: true });
    const w = (at: number, namespace: string, family: string) => ({ subject: 'kate', nowMs: T + at, namespace, object: '', site: '', nearby: '', family });
    for (const s of [m, r]) await s.learnWork('kate', 'payments-prod', '', T + 1000, '', '', 1, '', true, '1:payments');
    const one = await r.observeAll(o(2000, 'payments-staging'), w(2000, 'payments-staging', '2:payments'));
    expect(one.work).toEqual(m.observeWork(w(2000, 'payments-staging', '2:payments')));
    expect(one.work?.familyKnown).toBe(true);
    // Issued in one turn, the Checks go out as one script call: a Check with a family key (17
    // values), one without (16) and one with no working set at all (11) keep their places.
    const batch = await Promise.all([
      r.observeAll(o(3000, 'payments-dev'), w(3000, 'payments-dev', '3:payments')),
      r.observeAll(o(3000, 'payments-dev'), w(3000, 'payments-dev', '')),
      r.observeAll(o(3000, ''), undefined),
      r.observeAll(o(3000, 'payments'), w(3000, 'payments', '0:payments')),
      r.observeAll(o(3000, 'prod-payments-batch'), w(3000, 'prod-payments-batch', '1+:payments-batch')),
    ]);
    expect(batch.map((b) => b.work?.familyKnown)).toEqual([true, false, undefined, true, true]);
    expect(batch[4]!.work).toEqual(m.observeWork(w(3000, 'prod-payments-batch', '1+:payments-batch')));
    expect(batch[3]!.work).toEqual(m.observeWork(w(3000, 'payments', '0:payments')));
  });

  it('families: a Check sent as the previous version sends it (six flags, no family key) is answered with none, alone or in a batch', async () => {
    const { r } = await pair();
    await r.learnWork('mia', 'prod-ledger', '', T + 1000, '', '', 1, '', true, '1:ledger');
    const { redis } = r.internals;
    const l = limitsMs(LIMITS);
    // observeLua's ARGV as the previous version built it: six flags, then 16 values with work.
    const old = (at: number, ns: string) => [String(T + at), '110110', '', '203.0.113.7', '203.0.113.0/24', '', 'kubectl', ns, 'interactive', '', ns, '', '', '', '', String(T)];
    const now = (at: number, ns: string, family: string) => [String(T + at), '1101101', '', '203.0.113.7', '203.0.113.0/24', '', 'kubectl', ns, 'interactive', '', ns, '', '', '', '', String(T), family];
    const key = counterKey(r.internals.prefix, 'mia');
    const one = await redis.eval(observeLua(l), 1, key, ...old(2000, 'ledger-staging'));
    expect(observed(one, true).work?.familyKnown).toBe(false);
    const batch = (await redis.eval(observeBatchLua(l), 3, key, key, key, ...now(3000, 'ledger-dev', '3:ledger'), ...old(3000, 'ledger-dev'), ...now(3000, 'ledger', '0:ledger'))) as unknown[];
    expect(batch.map((b) => observed(b, true).work?.familyKnown)).toEqual([true, false, true]);
  });

  it('kinds: a Check sent as the previous version (seven flags, no kind) is answered with none and learns none, alone or in a batch beside new ones', async () => {
    const { r } = await pair();
    const { redis } = r.internals;
    const l = limitsMs(LIMITS);
    const prev = (at: number) => [String(T + at), '1101101', '', '203.0.113.7', '203.0.113.0/24', '', 'kubectl', 'search', 'interactive', '', 'search', '', '', '', '', String(T), '0:search'];
    const next = (at: number, kind: string, family = true) =>
      family
        ? [String(T + at), '11011011', '', '203.0.113.7', '203.0.113.0/24', '', 'kubectl', 'search', 'interactive', '', 'search', '', '', '', '', String(T), '0:search', kind]
        : [String(T + at), '11011001', '', '203.0.113.7', '203.0.113.0/24', '', 'kubectl', 'search', 'interactive', '', 'search', '', '', '', '', String(T), kind];
    const key = counterKey(r.internals.prefix, 'kim');
    const one = observed(await redis.eval(observeLua(l), 1, key, ...prev(1000)), true).work!;
    expect(one).toMatchObject({ kindSince: 0, historySince: T + 1000 });
    const batch = (await redis.eval(observeBatchLua(l), 4, key, key, key, key, ...next(2000, 'secret_read'), ...prev(2000), ...next(2000, 'pod_shell', false), ...next(3000, 'secret_read'))) as unknown[];
    expect(batch.map((b) => observed(b, true).work?.kindSince)).toEqual([T + 2000, 0, T + 2000, T + 2000]);
    // Learned by a new replica; a previous one's learnWork (no kind argument) leaves it as it was.
    await r.learnWork('kim', 'search', '', T + 4000, '', '', 1, '', true, '0:search', 'secret_read');
    await r.learnWork('kim', 'search', '', T + 5000, '', '', 1, '', true, '0:search');
    expect(await r.observeWork({ subject: 'kim', nowMs: T + 6000, namespace: 'search', object: '', site: '', nearby: '', kind: 'secret_read' })).toMatchObject({ kindSince: 0, historySince: T + 1000 });
    expect(await r.observeWork({ subject: 'kim', nowMs: T + 6000, namespace: 'search', object: '', site: '', nearby: '', kind: 'pod_shell' })).toMatchObject({ kindSince: T + 2000 });
  });

  it('kinds: the snapshot of the memory store keeps them and the history\'s start', async () => {
    const path = join(mkdtempSync(join(tmpdir(), 'stepgate-kind-')), 'snap.json');
    const a = new MemoryStateStore(LIMITS, { maxSubjects: 100, snapshotPath: path });
    a.observeWork({ subject: 'kai', nowMs: T, namespace: 'search', object: '', site: '', nearby: '', kind: 'pod_shell' });
    a.learnWork('kai', 'search', '', T + 1000, '', '', 1, '', true, '', 'secret_read');
    await a.close();
    const b = new MemoryStateStore(LIMITS, { maxSubjects: 100, snapshotPath: path });
    expect(b.observeWork({ subject: 'kai', nowMs: T + 2000, namespace: 'search', object: '', site: '', nearby: '', kind: 'secret_read' })).toMatchObject({ kindSince: 0, historySince: T });
    expect(b.observeWork({ subject: 'kai', nowMs: T + 3000, namespace: 'search', object: '', site: '', nearby: '', kind: 'pod_shell' })).toMatchObject({ kindSince: T });
    await b.close();
  });

  it('families: the snapshot of the memory store keeps them', async () => {
    const path = join(mkdtempSync(join(tmpdir(), 'stepgate-fam-')), 'snap.json');
    const a = new MemoryStateStore(LIMITS, { maxSubjects: 100, snapshotPath: path });
    a.learnWork('lena', 'prod-ledger', '', T + 1000, '', '', 1, '', true, '1:ledger');
    await a.close();
    const b = new MemoryStateStore(LIMITS, { maxSubjects: 100, snapshotPath: path });
    expect(b.observeWork({ subject: 'lena', nowMs: T + 2000, namespace: 'ledger-staging', object: '', site: '', nearby: '', family: '2:ledger' }).familyKnown).toBe(true);
    await b.close();
  });

  // Seeds 4 to 6 with several clusters (kubernetes.clusters: `<name>@<cluster>`, WorkHistory.clusterKnown):
  // the same names in two clusters, a third never learned, every-namespace names and Namespace objects of one.
  const PLAIN = { learned: ['', 'a', 'b', 'c', 'd', 'e', '*', '**'], asked: ['', 'a', 'b', 'c', 'd', 'e', 'f', '*', '**'] };
  const CLUSTERED = {
    learned: ['', 'a@c1', 'b@c1', 'a@c2', 'c', '*@c1', '**@c2', '/namespaces@c2'],
    asked: ['', 'a@c1', 'b@c1', 'e@c1', 'a@c2', 'b@c2', 'a@c3', 'c', '*@c1', '**@c2', '/namespaces@c1', '/namespaces@c2'],
  };
  for (const seed of [1, 2, 3, 4, 5, 6]) {
    const names = seed > 3 ? CLUSTERED : PLAIN;
    it(`seeded random sequence ${seed}${seed > 3 ? ', several clusters' : ''}: identical answers`, async () => {
      const { m, r } = await pair();
      const rand = prng(seed);
      const pick = <X>(xs: X[]) => xs[Math.floor(rand() * xs.length)]!;
      let at = T;
      for (let i = 0; i < 400; i++) {
        at += Math.floor(rand() * (rand() < 0.1 ? 4_000_000 : 8_000));
        const subject = pick(['alice', 'bob']);
        if (rand() < 0.3) {
          const args = [subject, pick(names.learned), pick(['', 'berlin', 'lisbon']), at, pick(['', 'n1', 'n2']), pick(['', 'p1', 'p2', 'p3']), pick([1, 2, 2, 3]), pick(['', 'x1', 'x2', 'x3', 'x4', 'x5']), true, pick(FAMILIES), pick(KINDS)] as const;
          m.learnWork(...args);
          await r.learnWork(...args);
          continue;
        }
        const auth = pick([0, T, at - 1000, at - 600_000, at - 4_000_000, at]);
        const o = { subject, nowMs: at, namespace: pick(names.asked), object: pick(OBJECTS), site: pick(['', 'berlin', 'lisbon', 'singapore']), nearby: pick(['', 'n1', 'n2', 'n3']), auth, read: rand() < 0.6, family: pick(FAMILIES), kind: pick(KINDS) };
        expect(await r.observeWork(o), `step ${i}`).toEqual(m.observeWork(o));
      }
    });
  }
});
