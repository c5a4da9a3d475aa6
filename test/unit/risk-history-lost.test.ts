import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { compileAssurance } from '../../src/core/assurance.js';
import { RiskEngine, type RiskOutcome } from '../../src/risk/engine.js';
import { MemoryStateStore } from '../../src/state/memory.js';
import { TEST_LIMITS } from '../support/state-config.js';
import { baseRequirement, ENGINE_CONFIG, engineIdentity, engineRequest } from '../support/risk-engine.js';

/**
 * After the store lost its history every identity is a newcomer, whose sign-in within
 * `learn.newcomer_grace_seconds` before its first request proves that request's context. A stolen
 * token signed in before the loss must not be taken as its owner; a sign-in after it keeps the
 * allowance, and a first start (no snapshot ever) is unchanged.
 */

const T = 1_800_000_000_000;
const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});
function snapshotFile(text?: string): string {
  const d = mkdtempSync(join(tmpdir(), 'stepgate-lost-'));
  dirs.push(d);
  const path = join(d, 'state.json');
  if (text !== undefined) writeFileSync(path, text);
  return path;
}
const engine = (store: MemoryStateStore) =>
  new RiskEngine({
    risk: ENGINE_CONFIG.risk!, network: ENGINE_CONFIG.network, onStateError: 'fail_closed', assurance: compileAssurance(ENGINE_CONFIG.assurance.levels),
    store, fallback: new MemoryStateStore(TEST_LIMITS, { maxSubjects: 10 }),
  });
/** A sensitive request by a token signed in `signedInBefore` ms before `at`, on a store started at T. */
const first = (store: MemoryStateStore, at: number, signedInBefore: number) => {
  const who = { ...engineIdentity(at), authTime: (at - signedInBefore) / 1000 };
  const out = engine(store).assess(engineRequest(), who, baseRequirement(['secrets'], 30), at) as Extract<RiskOutcome, { ok: true }>;
  // Asked: the context binds the request to a sign-in later than this token's.
  return { learn: out.learn, asked: out.risk.context !== undefined && who.authTime < out.risk.context.authAfter };
};
const store = (path: string, events: string[] = []) => new MemoryStateStore(TEST_LIMITS, { maxSubjects: 10, snapshotPath: path, now: () => T, onSnapshot: (e) => events.push(e) });

describe('history lost: no newcomer allowance for a sign-in made before the loss', () => {
  it('a snapshot that existed and is now truncated: the stolen token signed in 5 min before its first request is asked and teaches nothing', async () => {
    const events: string[] = [];
    const s = store(snapshotFile('{"version":1,"writtenAt":1,"subjects":[["alice",{"seenAt":'), events);
    expect(events).toEqual(['unreadable']);
    expect(s.historyLostAt(T + 60_000)).toBe(T);
    const out = first(s, T + 60_000, 5 * 60_000);
    expect(out).toEqual({ learn: undefined, asked: true });
    await s.close();
  });

  it('a sign-in after the loss keeps the allowance (the engineer who signs in again is not asked twice)', async () => {
    const s = store(snapshotFile('not JSON'));
    const out = first(s, T + 3 * 60_000, 2 * 60_000);
    expect(out.learn).toMatchObject({ prefix: '203.0.113.0/24' });
    expect(out.asked).toBe(false);
    await s.close();
  });

  it('a snapshot gone while its control file is there (deleted, a volume not mounted): a loss too', async () => {
    const path = snapshotFile();
    writeFileSync(`${path}.control`, JSON.stringify({ version: 1, records: [] }));
    const events: string[] = [];
    const s = store(path, events);
    expect(events).toEqual(['unreadable']);
    expect(first(s, T + 60_000, 5 * 60_000)).toEqual({ learn: undefined, asked: true });
    await s.close();
  });

  it('a first start (no snapshot ever written) is unchanged: the newcomer allowance holds', async () => {
    const s = store(snapshotFile());
    expect(s.historyLostAt(T)).toBe(0);
    const out = first(s, T + 60_000, 5 * 60_000);
    expect(out.learn).toMatchObject({ prefix: '203.0.113.0/24' });
    expect(out.asked).toBe(false);
    await s.close();
  });

  it('the loss is written into the next snapshot, so a restart still withholds the allowance, until the known TTL and a day have passed', async () => {
    const path = snapshotFile('{"version":1');
    const a = store(path);
    await a.close();
    const b = store(path);
    expect(b.historyLostAt(T + 1000)).toBe(T);
    expect(first(b, T + 60_000, 5 * 60_000)).toEqual({ learn: undefined, asked: true });
    const ends = T + TEST_LIMITS.knownTtlSeconds * 1000 + 86_400_000;
    expect(b.historyLostAt(ends - 1)).toBe(T);
    expect(b.historyLostAt(ends)).toBe(0);
    await b.close();
  });
});
