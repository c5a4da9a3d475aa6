import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { duration } from '../../src/admin/cli.js';
import { IncidentBoard } from '../../src/incident/board.js';
import type { IncidentDoc, RevocationDoc } from '../../src/incident/model.js';
import { scopeProblem } from '../../src/incident/model.js';
import { compileAssurance } from '../../src/core/assurance.js';
import { GROUPS_NOT_LISTED, type Identity } from '../../src/core/identity.js';
import type { Requirement } from '../../src/policy/policy.js';
import type { RequestAttributes } from '../../src/request/attributes.js';
import { MemoryStateStore } from '../../src/state/memory.js';
import { TEST_LIMITS } from '../support/state-config.js';

const T = 1_764_000_000_000;
const assurance = compileAssurance([
  { name: 'aal1', acr: ['a1'], amr: [] },
  { name: 'aal2', acr: ['a2'], amr: [] },
  { name: 'aal3', acr: ['a3'], amr: [] },
] as never);
const by = { via: 'admin' as const, issuer: 'https://admin', subject: 'oncall' };

function who(over: Partial<Identity> = {}): Identity {
  return { source: 'token', subject: 'alice', issuer: 'https://idp', groups: ['eng'], acr: 'a2', amr: [], authTime: undefined, issuedAt: undefined, expiresAt: T + 3_600_000, level: 1, levelName: 'aal2', session: '', upstreamHeaders: [], ...over };
}

function req(host: string, namespace: string | undefined): RequestAttributes {
  return { host, kube: namespace === undefined ? undefined : { namespace } } as unknown as RequestAttributes;
}

async function board(incidents: IncidentDoc[], revocations: RevocationDoc[], clock = { now: T, mono: 0 }, shared = false) {
  const store = new MemoryStateStore(TEST_LIMITS, { maxSubjects: 10 });
  for (const i of incidents) await store.control.put('incident', { id: i.id, data: JSON.stringify(i), expiresAt: i.expires_at }, T);
  for (const r of revocations) await store.control.put('revocation', { id: r.id, data: JSON.stringify(r), expiresAt: r.expires_at }, T);
  const b = new IncidentBoard({ store: store.control, now: () => clock.now, shared, syncIntervalMs: 1_000_000, maxStalenessMs: 1000, monotonic: () => clock.mono });
  await b.refresh();
  return b;
}

const need = (level: number, maxAge: number | undefined, deny = false): Requirement => ({ deny, denyMessage: undefined, level, maxAge, rules: ['r'], sensitivity: 0 });

describe('incidents only ever tighten (property)', () => {
  it('level never lower, max_age never longer, a deny stays a deny, whatever the incidents say', async () => {
    const incident = fc.record({
      require: fc.option(fc.constantFrom('aal1', 'aal2', 'aal3', 'gone-level'), { nil: undefined }),
      max_age: fc.option(fc.integer({ min: 0, max: 86_400 }), { nil: undefined }),
      deny: fc.boolean(),
      ns: fc.constantFrom('payments-*', 'web', '*'),
    });
    await fc.assert(
      fc.asyncProperty(fc.array(incident, { maxLength: 4 }), fc.integer({ min: -1, max: 2 }), fc.option(fc.integer({ min: 0, max: 90_000 }), { nil: undefined }), fc.boolean(), async (incs, level, maxAge, deny) => {
        const docs: IncidentDoc[] = incs.map((x, i) => ({ id: `inc-${i}`, scope: { namespaces: [x.ns] }, require: x.require, max_age: x.max_age, deny: x.deny, reason: 'r', by, created_at: T, expires_at: T + 60_000 }));
        const b = await board(docs, []);
        const base = need(level, maxAge, deny);
        const out = b.tighten(base, req('kube', 'payments-eu'), who(), T, assurance);
        expect(out.level).toBeGreaterThanOrEqual(base.level);
        if (base.deny) expect(out.deny).toBe(true);
        if (base.maxAge !== undefined) expect(out.maxAge).toBeLessThanOrEqual(base.maxAge);
        for (const x of incs.filter((x) => x.ns !== 'web')) {
          if (x.deny) expect(out.deny).toBe(true);
          if (x.require === 'gone-level') expect(out.level).toBe(2);
          if (x.max_age !== undefined) expect(out.maxAge).toBeLessThanOrEqual(x.max_age);
        }
      }),
      { numRuns: 200 },
    );
  });

  it('scope: every named dimension must match; expired incidents do nothing; an empty scope is refused on write', async () => {
    const doc = (id: string, scope: IncidentDoc['scope'], expires = T + 60_000): IncidentDoc => ({ id, scope, require: 'aal3', reason: id, by, created_at: T, expires_at: expires });
    const b = await board([doc('both', { hosts: ['*.prod.example.com'], groups: ['eng'] }), doc('subj', { subjects: ['bob'] })], []);
    const base = need(0, undefined);
    expect(b.tighten(base, req('api.prod.example.com', undefined), who(), T, assurance).level).toBe(2);
    expect(b.tighten(base, req('api.prod.example.com', undefined), who({ groups: ['other'] }), T, assurance).level).toBe(0);
    expect(b.tighten(base, req('api.prod.example.com', undefined), undefined, T, assurance).level).toBe(0);
    expect(b.tighten(base, req('x', undefined), who({ subject: 'bob' }), T, assurance).incident).toContain('incident subj');
    // An incident only tightens: the subject in another case than the responder typed is held too.
    expect(b.tighten(base, req('x', undefined), who({ subject: 'Bob' }), T, assurance).incident).toContain('incident subj');
    expect(b.tighten(base, req('x', undefined), who({ subject: 'bobby' }), T, assurance).incident).toBeUndefined();
    expect(b.tighten(base, req('api.prod.example.com', undefined), who(), T + 60_000, assurance).level).toBe(0);
    expect(scopeProblem({})).toMatch(/scope/);
    expect(scopeProblem({ all: false })).toMatch(/scope.all/);
    expect(scopeProblem({ hosts: [] })).toMatch(/hosts/);
    expect(scopeProblem({ nope: ['x'] })).toMatch(/unknown/);
    expect(scopeProblem({ all: true })).toBeUndefined();
  });
});

describe('revocation rule', () => {
  const rev = (over: Partial<RevocationDoc>): RevocationDoc => ({ id: 'r', kind: 'subject', subject: 'alice', at: T, reason: 'x', by, expires_at: T + 86_400_000, ...over });
  const cases: [string, Partial<Identity>, Partial<RevocationDoc>, string | undefined][] = [
    ['auth_time before', { authTime: T / 1000 - 10 }, {}, 'credential_revoked'],
    ['auth_time in the same second', { authTime: Math.floor(T / 1000) }, {}, 'credential_revoked'],
    ['auth_time after', { authTime: T / 1000 + 1 }, {}, undefined],
    ['refreshed token: new iat, old auth_time', { authTime: T / 1000 - 10, issuedAt: T / 1000 + 100 }, {}, 'credential_revoked'],
    ['no auth_time: iat decides (after)', { issuedAt: T / 1000 + 1 }, {}, undefined],
    ['no auth_time: iat decides (before)', { issuedAt: T / 1000 - 1 }, {}, 'credential_revoked'],
    ['neither: cannot prove it is newer', {}, {}, 'credential_revoked'],
    ['another subject', { subject: 'bob' }, {}, undefined],
    // The IdP's next token may spell the subject otherwise than the responder or the transmitter did.
    ['the subject in another case', { subject: 'Alice', authTime: T / 1000 - 10 }, {}, 'credential_revoked'],
    ['revoked in another case', { authTime: T / 1000 - 10 }, { subject: 'ALICE' }, 'credential_revoked'],
    ['issuer-bound, the subject in another case', { subject: 'aLice', authTime: T / 1000 - 10 }, { issuer: 'https://idp' }, 'credential_revoked'],
    ['issuer-bound, other issuer', { authTime: T / 1000 - 10 }, { issuer: 'https://other' }, undefined],
    ['issuer-bound, same issuer', { authTime: T / 1000 - 10 }, { issuer: 'https://idp' }, 'credential_revoked'],
    ['session revoked (sid)', { authTime: T / 1000 + 100, session: 'sid:s1' }, { kind: 'session', subject: undefined, session: 's1' }, 'credential_revoked'],
    ['another session', { authTime: T / 1000 - 100, session: 'sid:s2' }, { kind: 'session', subject: undefined, session: 's1' }, undefined],
    // A transmitter bound to one issuer names that issuer's sessions: the same sid at another is another session.
    ['issuer-bound session, same issuer', { session: 'sid:s1' }, { kind: 'session', subject: undefined, session: 's1', issuer: 'https://idp' }, 'credential_revoked'],
    ['issuer-bound session, same sid at another issuer', { session: 'sid:s1', issuer: 'https://other-idp' }, { kind: 'session', subject: undefined, session: 's1', issuer: 'https://idp' }, undefined],
    ['issuer-bound session, by its raw value', { session: 'cred:abc' }, { kind: 'session', subject: undefined, session: 'cred:abc', issuer: 'https://idp' }, 'credential_revoked'],
  ];
  it.each(cases)('%s', async (_name, w, r, expected) => {
    const b = await board([], [rev(r)]);
    expect(b.refuse(who(w), T + 1000)?.reason).toBe(expected);
  });

  it('a shared mirror refreshed longer ago than max_staleness_ms fails closed; a memory one never does', async () => {
    const clock = { now: T, mono: 0 };
    const shared = await board([], [], clock, true);
    expect(shared.refuse(who(), T)).toBeUndefined();
    clock.mono = 1001;
    expect(shared.refuse(who(), T)?.reason).toBe('state_unavailable');
    await shared.refresh();
    expect(shared.refuse(who(), T)).toBeUndefined();
    const local = await board([], [], clock, false);
    clock.mono = 1e9;
    expect(local.refuse(who(), T)).toBeUndefined();
  });
});

describe('subjectRevokedAt: whether the risk engine withholds the newcomer allowance', () => {
  const rev = (over: Partial<RevocationDoc>): RevocationDoc => ({ id: 'r', kind: 'subject', subject: 'alice', at: T, reason: 'x', by, expires_at: T + 86_400_000, ...over });
  const cases: [string, Partial<Identity>, RevocationDoc[], number][] = [
    ['the subject revoked (every issuer), even by a sign-in after it', { authTime: T / 1000 + 60 }, [rev({})], T],
    ['issuer-bound, same issuer', {}, [rev({ issuer: 'https://idp' })], T],
    ['issuer-bound, another issuer', {}, [rev({ issuer: 'https://other' })], 0],
    ['another subject', { subject: 'bob' }, [rev({})], 0],
    ['the subject in another case', { subject: 'ALICE' }, [rev({})], T],
    ['a session revocation is not a subject one', { session: 'sid:s1' }, [rev({ kind: 'session', subject: undefined, session: 's1' })], 0],
    ['none on record', {}, [], 0],
    ['the latest of both records', {}, [rev({ id: 'a', at: T - 5000 }), rev({ id: 'b', issuer: 'https://idp', at: T - 1000 })], T - 1000],
  ];
  it.each(cases)('%s', async (_name, w, revs, expected) => {
    const b = await board([], revs);
    expect(b.subjectRevokedAt(who(w), T)).toBe(expected);
  });

  // Session 51 (day 46's row five weeks on): the mirror reloads only when the store changes, and a
  // record lapsing changes nothing there, so a replica that loaded a 1-day revocation kept it (no
  // newcomer allowance, and its refusal) until some other write, where a replica started since did
  // not hold it. Read at the lookup's time, both replicas answer the same.
  it("a revocation past its record's expiry counts for nothing, in a mirror that has not reloaded since", async () => {
    const clock = { now: T, mono: 0 };
    const b = await board([], [rev({ id: 'old', at: T - 5000, expires_at: T + 86_400_000 }), rev({ id: 'new', issuer: 'https://idp', at: T - 1000, expires_at: T + 3_600_000 })], clock);
    const before: Partial<Identity> = { authTime: (T - 10_000) / 1000 };
    expect(b.subjectRevokedAt(who(), T)).toBe(T - 1000);
    expect(b.refuse(who(before), T)?.reason).toBe('credential_revoked');
    // The later record lapsed: the earlier one, still kept, is what counts.
    expect(b.subjectRevokedAt(who(), T + 3_600_000)).toBe(T - 5000);
    // Both lapsed, 35 days on: nothing on record, as a board loading the store now sees.
    clock.now = T + 35 * 86_400_000;
    clock.mono = 1;
    expect(b.subjectRevokedAt(who(), clock.now)).toBe(0);
    expect(b.refuse(who(before), clock.now)).toBeUndefined();
    const fresh = await board([], [], clock);
    expect(fresh.subjectRevokedAt(who(), clock.now)).toBe(0);
  });
});

describe('a state store that lost the control records', () => {
  const rev = (id: string, subject: string): RevocationDoc => ({ id, kind: 'subject', subject, at: T, reason: 'x', by, expires_at: T + 86_400_000 });
  const put = (s: MemoryStateStore, r: RevocationDoc) => s.control.put('revocation', { id: r.id, data: JSON.stringify(r), expiresAt: r.expires_at }, T);

  it('what another replica removed or replaced stays so; what the store lost is written back, and reported', async () => {
    let store = new MemoryStateStore(TEST_LIMITS, { maxSubjects: 10 });
    // The board reads whichever store is current: swapping it is a Redis that came back empty.
    const control = new Proxy({} as MemoryStateStore['control'], { get: (_t, k: keyof MemoryStateStore['control']) => (...a: never[]) => (store.control[k] as (...x: never[]) => unknown)(...a) });
    const errors: string[] = [];
    const b = new IncidentBoard({ store: control, now: () => T, shared: true, syncIntervalMs: 1_000_000, maxStalenessMs: 1_000_000, onError: (e) => errors.push(String(e)) });
    await put(store, rev('r1', 'mallory'));
    await put(store, rev('r2', 'trent'));
    await b.refresh();
    expect(b.refuse(who({ subject: 'mallory' }), T + 1000)?.reason).toBe('credential_revoked');
    // On purpose: r2 lifted, r1 replaced, r3 added. Nothing is written back.
    await store.control.remove('revocation', 'r2', T);
    await put(store, rev('r1', 'mallory'));
    await put(store, rev('r3', 'oscar'));
    await b.refresh();
    expect(b.refuse(who({ subject: 'trent' }), T + 1000)).toBeUndefined();
    expect(errors).toEqual([]);
    // The store comes back empty, and is written to five times before this replica looks: the
    // version (5) is where it was, but two records went and one came with no change between.
    store = new MemoryStateStore(TEST_LIMITS, { maxSubjects: 10 });
    for (let i = 0; i < 5; i++) await put(store, rev('r4', 'peggy'));
    expect(await store.control.version()).toBe(5);
    await b.refresh();
    for (const s of ['mallory', 'oscar', 'peggy']) expect(b.refuse(who({ subject: s }), T + 1000)?.reason, s).toBe('credential_revoked');
    expect(b.refuse(who({ subject: 'trent' }), T + 1000)).toBeUndefined();
    expect((await store.control.snapshot(T)).revocations.map((r) => r.id).sort()).toEqual(['r1', 'r3', 'r4']);
    expect(errors).toHaveLength(1);
    // What lost the records lost the history too: no newcomer allowance for a sign-in before now.
    expect(store.historyLostAt(T + 1000)).toBe(T);
    expect(errors[0]).toMatch(/lost control records.*2 incident, revocation and sign-out records .* written back/);
  });
});

describe('an approval used on this replica, then a store put back from before the use', () => {
  it('finds the use lost at the next look, even when no reload ran between the use and the loss', async () => {
    const rev: RevocationDoc = { id: 'r1', kind: 'subject', subject: 'mallory', at: T, reason: 'x', by, expires_at: T + 86_400_000 };
    const fill = async () => {
      const s = new MemoryStateStore(TEST_LIMITS, { maxSubjects: 10 });
      await s.control.put('revocation', { id: rev.id, data: JSON.stringify(rev), expiresAt: rev.expires_at }, T);
      return s;
    };
    let store = await fill();
    const control = new Proxy({} as MemoryStateStore['control'], { get: (_t, k: keyof MemoryStateStore['control']) => (...a: never[]) => (store.control[k] as (...x: never[]) => unknown)(...a) });
    const errors: string[] = [];
    // No watch: nothing reloads the board behind the test's back.
    const b = new IncidentBoard({ store: control, now: () => T, shared: true, syncIntervalMs: 1_000_000, maxStalenessMs: 1_000_000, onError: (e) => errors.push(String(e)) });
    await b.refresh();
    await b.approvalUse('a1', 'decision-1', T + 600_000, T);
    // The RDB from before the use: the same records and version as before it.
    store = await fill();
    expect(await b.approvalUsed('a1', 'decision-1')).toBe(true);
    expect((await store.control.snapshot(T)).usedApprovals).toHaveLength(1);
    expect(errors.join('\n')).toMatch(/lost control records/);
  });
});

describe('step-up sign-outs on the board', () => {
  async function signoutBoard(o: { incidentMode: boolean; staleSessions?: 'fail_closed' | 'degrade' }, clock = { now: T, mono: 0 }) {
    const store = new MemoryStateStore(TEST_LIMITS, { maxSubjects: 10 });
    const b = new IncidentBoard({ store: store.control, now: () => clock.now, shared: true, syncIntervalMs: 1_000_000, maxStalenessMs: 1000, monotonic: () => clock.mono, ...o });
    await b.refresh();
    return { b, store };
  }
  const session = (s: string) => who({ source: 'session', session: s });

  it('a signed-out session is refused until it would have expired; other sessions, and a token with the same session string, are not', async () => {
    const { b, store } = await signoutBoard({ incidentMode: false });
    await b.signOut('cred:aaa', T + 60_000, T);
    expect(b.refuse(session('cred:aaa'), T + 1)).toMatchObject({ reason: 'credential_revoked' });
    expect(b.refuse(session('cred:bbb'), T + 1)).toBeUndefined();
    expect(b.refuse(who({ session: 'cred:aaa' }), T + 1)).toBeUndefined();
    expect(b.refuse(session('cred:aaa'), T + 60_000)).toBeUndefined();
    // A sign-out is not a revocation: the admin API's list stays the administrators' own.
    expect(b.activeRevocations(T + 1)).toEqual([]);
    expect((await store.control.snapshot(T + 1)).signouts).toHaveLength(1);
  });

  it('without incident mode, a stale mirror concerns session cookies only, and follows state.on_state_error', async () => {
    const clock = { now: T, mono: 0 };
    const closed = await signoutBoard({ incidentMode: false, staleSessions: 'fail_closed' }, clock);
    const degrade = await signoutBoard({ incidentMode: false, staleSessions: 'degrade' }, clock);
    await degrade.b.signOut('cred:aaa', T + 60_000, T);
    clock.mono = 5000;
    expect(closed.b.refuse(session('cred:zzz'), T)).toMatchObject({ reason: 'state_unavailable' });
    expect(closed.b.refuse(who(), T)).toBeUndefined();
    expect(degrade.b.refuse(session('cred:zzz'), T)).toBeUndefined();
    // Degraded, what the mirror last knew still holds.
    expect(degrade.b.refuse(session('cred:aaa'), T)).toMatchObject({ reason: 'credential_revoked' });
  });

  it('with incident mode, a stale mirror fails every Check closed, as before', async () => {
    const clock = { now: T, mono: 0 };
    const { b } = await signoutBoard({ incidentMode: true, staleSessions: 'degrade' }, clock);
    clock.mono = 5000;
    expect(b.refuse(who(), T)).toMatchObject({ reason: 'state_unavailable' });
  });
});

describe('stepgate incident raise --for', () => {
  it.each([['90', 90], ['90s', 90], ['30m', 1800], ['2h', 7200], ['1d', 86_400]] as const)('%s → %i s', (v, s) => expect(duration(v)).toBe(s));
  it.each(['', '2x', '-1m', '1.5h', 'forever'])('%j is refused', (v) => expect(() => duration(v)).toThrow(/--for/));
});

describe('groups49: an incident scoped to groups holds a possible member', () => {
  it('the group in another case and a token whose groups are not listed are in scope; a token listing other groups is not', async () => {
    const doc: IncidentDoc = { id: 'contractors', scope: { groups: ['Contractors'] }, require: 'aal3', reason: 'r', by, created_at: T, expires_at: T + 60_000 };
    const b = await board([doc], []);
    const base = need(0, undefined);
    const level = (w: Identity) => b.tighten(base, req('kube', 'dev'), w, T, assurance).level;
    expect(level(who({ groups: ['Contractors'] }))).toBe(2);
    expect(level(who({ groups: ['contractors'] }))).toBe(2);
    expect(level(who({ groups: ['CONTRACTORS', 'eng'] }))).toBe(2);
    expect(level(who({ groups: GROUPS_NOT_LISTED }))).toBe(2);
    expect(level(who({ groups: ['eng'] }))).toBe(0);
    expect(level(who({ groups: [] }))).toBe(0);
  });
});
