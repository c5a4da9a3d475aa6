import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/load.js';
import type { Identity } from '../../src/core/identity.js';
import { aal2Token, kubeGet, riskWorld, riskYaml } from '../support/risk-world.js';

/**
 * A behaviour count (machine_pace, sensitive_objects) that goes over its threshold seconds after
 * the sign-in that answered the engine's own context-bound step-up, from the same network, device
 * and client kind, is the run the engineer signed in for (engine.ts answeredBurst; docs/risk.md,
 * "Session 35: asked again within minutes"). Day 9's registry rotation: the first Secret read in a
 * namespace is asked, the engineer signs in, the loop goes on and reached machine pace and then the
 * distinct-objects count within the minute, each asked again. A fresh token that answered nothing,
 * a run from another network, a run of deletes, a run that goes over more than 30 s after the
 * sign-in, and a sign-in long after the step-up are still asked at the crossing.
 */

const CFG = parseConfig(riskYaml(), 'answered.yaml');
const T = 1_800_000_000_000;
const DAY = 86_400_000;
const HOME = '203.0.113.7';
/** Another network she worked from the day before: known, so nothing but the lever's own key tells it apart. */
const OFFICE = '198.51.100.9';
const KUBECTL = 'kubectl/v1.32.1 (darwin/arm64) kubernetes/e9c9be4';
const S = (ms: number) => Math.floor(ms / 1000);
const secret = (ns: string, name: string) => `/api/v1/namespaces/${ns}/secrets/${name}`;
/** The rotation's loop: one Secret in each of ten namespaces. */
const LOOP = Array.from({ length: 10 }, (_, k) => secret(`team-${'bcdefghijk'[k]!}`, 'regcred'));

/** The day before: alice, signed in with kubectl, reads a Secret in team-a (her working set) from HOME and from OFFICE. */
function world() {
  const w = riskWorld(CFG);
  const yesterday = aal2Token('alice', S(T - DAY) - 60);
  expect(w.check(kubeGet(HOME, KUBECTL, secret('team-a', 'db')), yesterday, T - DAY).v.allow).toBe(true);
  // A new network then: asked, and proven by the sign-in made for it.
  expect(w.check(kubeGet(OFFICE, KUBECTL, secret('team-a', 'db')), yesterday, T - DAY + 60_000).v.allow).toBe(false);
  expect(w.check(kubeGet(OFFICE, KUBECTL, secret('team-a', 'db')), aal2Token('alice', S(T - DAY) + 80), T - DAY + 85_000).v.allow).toBe(true);
  /** Requests 300 ms apart from `at`; the index of the first refused one and its context (-1 when none). */
  const run = (who: Identity, at: number, paths: readonly string[], ip = HOME, method = 'GET') => {
    for (const [k, p] of paths.entries()) {
      const { v, out } = w.check(kubeGet(ip, KUBECTL, p, method), who, at + k * 300);
      if (!v.allow) return { refusedAt: k, context: out.ok ? out.risk.context?.code : undefined };
    }
    return { refusedAt: -1, context: undefined };
  };
  return { ...w, run };
}

/** This morning's sign-in, two hours before the 10:00 loop: older than any namespace's grace. */
const morning = aal2Token('alice', S(T) - 7200);

/** The loop's first request is asked (a namespace outside the working set); she signs in `after` ms later. */
function asked(after = 20_000) {
  const w = world();
  expect(w.run(morning, T, LOOP.slice(0, 1))).toEqual({ refusedAt: 0, context: 'unfamiliar_namespace' });
  return { w, signedIn: aal2Token('alice', S(T + after)) };
}

describe('a run the sign-in answered', () => {
  it('goes on past machine pace and the distinct-objects count without a second sign-in', () => {
    const { w, signedIn } = asked();
    expect(w.run(signedIn, T + 25_000, LOOP)).toEqual({ refusedAt: -1, context: undefined });
  });

  it('another loop begun within the 30 s (malware riding the sign-in the engineer made for their own command) is asked at machine pace', () => {
    const { w, signedIn } = asked();
    // The engineer's retry of the asked read, then malware's enumeration of the working set's Secrets.
    expect(w.run(signedIn, T + 22_000, LOOP.slice(0, 1))).toEqual({ refusedAt: -1, context: undefined });
    const others = Array.from({ length: 10 }, (_, k) => secret('team-a', `stolen-${k}`));
    // The retry is the pace window's first object, so the third of malware's is the fourth.
    expect(w.run(signedIn, T + 25_000, others)).toEqual({ refusedAt: 2, context: 'machine_pace' });
    // Across namespaces never worked in, the same.
    const spread = Array.from({ length: 10 }, (_, k) => secret(`other-${k}`, 'db'));
    expect(w.run(signedIn, T + 40_000, spread).refusedAt).toBeLessThanOrEqual(3);
  });

  it('a loop asked at machine pace (a run under way) goes on past the distinct-objects count, whatever it reads', () => {
    const w = world();
    const own = Array.from({ length: 10 }, (_, k) => secret('team-a', `rotated-${k}`));
    expect(w.run(morning, T, own.slice(0, 4))).toEqual({ refusedAt: 3, context: 'machine_pace' });
    expect(w.run(aal2Token('alice', S(T + 20_000)), T + 25_000, own.slice(3))).toEqual({ refusedAt: -1, context: undefined });
  });

  it('a loop asked at machine pace: a run begun within the 30 s elsewhere, of another object (malware riding the sign-in for the loop), is asked at its crossing', () => {
    const w = world();
    const own = Array.from({ length: 4 }, (_, k) => secret('team-a', `rotated-${k}`));
    expect(w.run(morning, T, own)).toEqual({ refusedAt: 3, context: 'machine_pace' });
    const signedIn = aal2Token('alice', S(T + 20_000));
    // Not the loop's namespace, not its object: asked where its count crosses (the loop's four and
    // its three are seven distinct objects in 120 s), as a run begun after the sign-in; moved back
    // to the loop's step-up, it read all ten.
    const spread = Array.from({ length: 10 }, (_, k) => secret(`other-${k}`, 'db'));
    expect(w.run(signedIn, T + 25_000, spread)).toEqual({ refusedAt: 2, context: 'sensitive_objects' });
  });

  it('a loop asked at machine pace: a run begun within the 30 s in its namespace, of another resource (shells in its pods), is asked at its crossing', () => {
    const w = world();
    const own = Array.from({ length: 4 }, (_, k) => secret('team-a', `rotated-${k}`));
    expect(w.run(morning, T, own)).toEqual({ refusedAt: 3, context: 'machine_pace' });
    const signedIn = aal2Token('alice', S(T + 20_000));
    // The loop went through team-a's Secrets; a shell in each of its pods is no next Secret.
    const shells = Array.from({ length: 10 }, (_, k) => `/api/v1/namespaces/team-a/pods/api-${k}/exec?command=sh&stdin=true&tty=true`);
    expect(w.run(signedIn, T + 25_000, shells, HOME, 'POST').refusedAt).toBeGreaterThanOrEqual(0);
  });

  it('a fresh sign-in that answered no step-up is still asked at machine pace (malware waiting for the sign-in)', () => {
    const w = world();
    const fresh = aal2Token('alice', S(T) + 20);
    expect(w.run(fresh, T + 25_000, LOOP)).toEqual({ refusedAt: 3, context: 'machine_pace' });
  });

  it('the same run from another network is still asked at machine pace', () => {
    const { w, signedIn } = asked();
    expect(w.run(signedIn, T + 25_000, LOOP, OFFICE)).toEqual({ refusedAt: 3, context: 'machine_pace' });
  });

  it('a run of deletes after the answered step-up is still asked at machine pace: a delete cannot be taken back', () => {
    const { w, signedIn } = asked();
    const pods = Array.from({ length: 10 }, (_, k) => `/api/v1/namespaces/team-b/pods/api-${k}`);
    expect(w.run(signedIn, T + 25_000, pods, HOME, 'DELETE')).toEqual({ refusedAt: 3, context: 'machine_pace' });
  });

  it('a run that goes over more than 30 s after the sign-in is its own, asked', () => {
    const { w, signedIn } = asked();
    expect(w.run(signedIn, T + 60_000, LOOP)).toEqual({ refusedAt: 3, context: 'machine_pace' });
  });

  it('a sign-in made more than three minutes after the step-up answers it, not the run after it', () => {
    const { w, signedIn } = asked(200_000);
    expect(w.run(signedIn, T + 205_000, LOOP)).toEqual({ refusedAt: 3, context: 'machine_pace' });
  });
});

/**
 * A sign-in that names the step-up it answers (its nonce, src/risk/ask.ts) answers that ask: a run
 * crossed before it that it did not name stays asked (engine.ts boundAnswers; docs/risk.md
 * "Session 37"). The same sequence with a sign-in naming no ask is answered as before.
 */
describe('a sign-in bound to the ask it answers', () => {
  const bound = (authTime: number, ask: string): Identity => ({ ...aal2Token('alice', authTime, `sid-${authTime}`), ask });
  /** Her own read asked at 10:00 (a namespace outside the working set); malware's run crosses machine pace at 10:00:05. */
  function during() {
    const w = world();
    const own = w.check(kubeGet(HOME, KUBECTL, LOOP[0]!), morning, T);
    expect(own.out.ok && own.out.risk.context?.code).toBe('unfamiliar_namespace');
    const ask = own.out.ok ? own.out.risk.context?.ask : undefined;
    expect(ask).toMatch(/^[0-9a-z]+o/);
    const stolen = Array.from({ length: 4 }, (_, k) => secret('team-a', `stolen-${k}`));
    expect(w.run(morning, T + 5_000, stolen).refusedAt).toBe(2);
    return { w, ask: ask! };
  }

  it('malware\'s run, crossed before the sign-in made for her own command, is still asked; her command passes', () => {
    const { w, ask } = during();
    const signedIn = bound(S(T + 20_000), ask);
    expect(w.run(signedIn, T + 22_000, LOOP.slice(0, 1))).toEqual({ refusedAt: -1, context: undefined });
    const r = w.check(kubeGet(HOME, KUBECTL, secret('team-a', 'stolen-9')), signedIn, T + 23_000);
    expect(r.v.allow).toBe(false);
    expect(r.out.ok && r.out.risk.context?.code).toBe('machine_pace');
    // What she is asked now is the run's ask, with what it counted.
    expect(r.out.ok && r.out.risk.context?.ask).toMatch(/^[0-9a-z]{1,9}r[A-Za-z0-9_-]{12}$/);
    expect(r.out.ok && r.out.risk.context?.run?.counted).toMatch(/distinct sensitive objects in 20s since/);
  });

  it('the same sign-in naming no ask (or an id that is no ask of hers) answers the run, as before', () => {
    for (const ask of [undefined, 'not-an-ask', 'zzzzr0123456789ab']) {
      const { w } = during();
      const signedIn = ask === undefined ? aal2Token('alice', S(T + 20_000), 'sid-x') : bound(S(T + 20_000), ask);
      expect(w.check(kubeGet(HOME, KUBECTL, secret('team-a', 'stolen-9')), signedIn, T + 23_000).v.allow, String(ask)).toBe(true);
    }
  });
});
