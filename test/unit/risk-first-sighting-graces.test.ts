import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/load.js';
import type { Config } from '../../src/config/schema.js';
import { compileAssurance } from '../../src/core/assurance.js';
import type { Identity } from '../../src/core/identity.js';
import { judge } from '../../src/pipeline/evaluate.js';
import { storeLimits } from '../../src/pipeline/runtime.js';
import type { RequestAttributes } from '../../src/request/attributes.js';
import { RiskEngine, type RiskOutcome } from '../../src/risk/engine.js';
import { MemoryStateStore } from '../../src/state/memory.js';
import { aal2Token, BASE, kubeGet, SECRETS } from '../support/risk-world.js';

/**
 * Session 44's two levers on a first sighting's bound (src/risk/context-bound.ts), both off by
 * default: `risk.signals.cluster_secret_list_grace_seconds` (how long after the sign-in in use a
 * first Secret list across all namespaces is covered, in a cluster worked in; absent: the
 * namespace's `grace_seconds`) and `risk.signals.unfamiliar_kind.grace_seconds` (how long after it
 * a first kind of action is; 0: none). Through the engine and the pipeline's judge with the memory
 * store, as test/unit/risk-behaviour.test.ts and risk-unfamiliar-kind.test.ts do.
 */

const yaml = (kind = '', signals = '') => `
issuers: [{ issuer: https://idp.test, audiences: [k] }]
assurance: { levels: [{ name: aal1, acr: [a1] }, { name: aal2, acr: [a2] }] }
policy: { default: { require: aal1 } }
network: { xff_num_trusted_hops: 1 }
risk:
  learn: { min_level: aal2, max_age_seconds: 600 }
  bands: [{ name: elevated, min_score: 45, require: aal2 }]
  signals: { unfamiliar_kind: { kinds: [secret_read, pod_shell], min_history_seconds: 3600${kind} }${signals} }
`;
const base = parseConfig(yaml(), 'graces.yaml');
const assurance = compileAssurance(base.assurance.levels);
const T = 1_800_000_000_000;
const MIN = 60_000;
const HOUR = 3_600_000;
const HOME = '203.0.113.7';
const KUBECTL = 'kubectl/v1.32.4 (linux/amd64) kubernetes/abc1234';
const S = (ms: number) => Math.floor(ms / 1000);
const token = (authTime: number, sid = 'sid-1'): Identity => aal2Token('pat', authTime, sid);

const req = (target: string, method = 'GET'): RequestAttributes => kubeGet(HOME, KUBECTL, target, method);

/** Pat, a platform engineer: signed in at T−40 s at home, works in `team-a` (reads, a Secret) for two hours. */
function pat(cfg: Config = base) {
  const store = new MemoryStateStore(storeLimits(cfg)!, { maxSubjects: 100 });
  const engine = new RiskEngine({ risk: cfg.risk!, network: cfg.network, onStateError: 'fail_closed', assurance, store, fallback: store });
  const check = (path: string, who: Identity, atMs: number, need = BASE, method = 'GET') => {
    const r = req(path, method);
    const out = engine.assess(r, who, need, atMs) as RiskOutcome;
    if (!out.ok) throw new Error(out.detail);
    const v = judge(out.requirement, who, atMs, r, false, { assurance }, out.risk);
    if (v.allow && out.learn) engine.learned(out.learn, atMs);
    return { v, out, codes: out.risk.contributions.map((c) => c.code) };
  };
  const morning = token(S(T) - 40);
  for (let k = 0; k < 3; k++) expect(check('/api/v1/namespaces/team-a/pods', morning, T + k * HOUR).v.allow).toBe(true);
  expect(check('/api/v1/namespaces/team-a/secrets/db', morning, T + MIN, SECRETS).v.allow).toBe(true);
  return { check, morning };
}

const listGrace = (s: number) => parseConfig(yaml('', `, cluster_secret_list_grace_seconds: ${s}`), 'list.yaml');
const kindGrace = (s: number) => parseConfig(yaml(`, grace_seconds: ${s}`), 'kind.yaml');

describe('risk.signals.cluster_secret_list_grace_seconds', () => {
  it("absent, the namespace's hour: istioctl analyze's first list 108 minutes after the sign-in is asked, bound to its first sighting less an hour", () => {
    const w = pat();
    const at = T + 108 * MIN;
    const list = w.check('/api/v1/secrets', w.morning, at, SECRETS);
    expect(list.codes).toContain('cluster_secret_list');
    expect(list.v.allow).toBe(false);
    expect(list.out.ok && list.out.risk.context?.code).toBe('cluster_secret_list');
    expect(list.out.ok && list.out.requirement.authAfter).toBe(S(at) - 3600);
  });

  it('at 7200, the same list is covered by the sign-in in use; one first seen later than that is bound to its first sighting less two hours', () => {
    const covered = pat(listGrace(7200));
    const list = covered.check('/api/v1/secrets', covered.morning, T + 108 * MIN, SECRETS);
    expect(list.codes).not.toContain('cluster_secret_list');
    expect(list.v.allow).toBe(true);
    const late = pat(listGrace(7200));
    const at = T + 150 * MIN;
    const asked = late.check('/api/v1/secrets', late.morning, at, SECRETS);
    expect(asked.v.allow).toBe(false);
    expect(asked.out.ok && asked.out.requirement.authAfter).toBe(S(at) - 7200);
  });

  it('covered, the list weighs nothing (its 30 alone reached a band); beyond the grace, or with a token below the learning level, it weighs as before', () => {
    // Absent, the list weighs its 30 even within the namespace's hour (the bound is met, the band is not).
    const before = pat();
    expect(before.check('/api/v1/secrets', before.morning, T + 30 * MIN, SECRETS).out.risk.contributions).toContainEqual(expect.objectContaining({ code: 'cluster_secret_list', weight: 30 }));
    const covered = pat(listGrace(7200));
    const within = covered.check('/api/v1/secrets', covered.morning, T + 30 * MIN, SECRETS);
    expect(within.codes).not.toContain('cluster_secret_list');
    expect(within.v.allow).toBe(true);
    const late = pat(listGrace(7200));
    expect(late.check('/api/v1/secrets', late.morning, T + 150 * MIN, SECRETS).codes).toContain('cluster_secret_list');
    // A password-only token (below learn.min_level) signed in a minute ago is not covered.
    const weak = pat(listGrace(7200));
    const aal1: Identity = { ...token(S(T + 29 * MIN), 'sid-weak'), acr: 'a1', level: 0, levelName: 'aal1' };
    expect(weak.check('/api/v1/secrets', aal1, T + 30 * MIN, SECRETS).codes).toContain('cluster_secret_list');
  });

  it('0 leaves no grace at all; a negative or over-a-day value is a startup error naming the key', () => {
    const w = pat(listGrace(0));
    const at = T + 20 * MIN;
    const list = w.check('/api/v1/secrets', w.morning, at, SECRETS);
    expect(list.v.allow).toBe(false);
    expect(list.out.ok && list.out.requirement.authAfter).toBe(S(at));
    expect(base.risk!.signals.cluster_secret_list_grace_seconds).toBeUndefined();
    expect(() => listGrace(-1)).toThrow(/cluster_secret_list_grace_seconds/);
    expect(() => listGrace(86_401)).toThrow(/cluster_secret_list_grace_seconds/);
  });
});

describe('risk.signals.unfamiliar_kind.grace_seconds', () => {
  // Pat has read Secrets but never opened a shell; the history is three hours old (min_history 1 h).
  const SHELL = '/api/v1/namespaces/team-a/pods/api-0/exec';

  it('0 (the default): a first shell 22 s after a fresh sign-in is bound to its first sighting', () => {
    const w = pat();
    const at = T + 3 * HOUR;
    const fresh = token(S(at) - 22, 'sid-2');
    const shell = w.check(SHELL, fresh, at, SECRETS, 'POST');
    expect(shell.codes).toContain('unfamiliar_kind');
    expect(shell.v.allow).toBe(false);
    expect(shell.out.ok && shell.out.requirement.authAfter).toBe(S(at));
    expect(base.risk!.signals.unfamiliar_kind.grace_seconds).toBe(0);
  });

  it('at 60, that shell is covered by the sign-in; one 90 s after it, or with the morning token, is still asked', () => {
    const w = pat(kindGrace(60));
    const at = T + 3 * HOUR;
    expect(w.check(SHELL, token(S(at) - 22, 'sid-2'), at, SECRETS, 'POST').v.allow).toBe(true);
    const other = pat(kindGrace(60));
    const later = other.check(SHELL, token(S(at) - 90, 'sid-2'), at, SECRETS, 'POST');
    expect(later.v.allow).toBe(false);
    expect(later.out.ok && later.out.requirement.authAfter).toBe(S(at) - 60);
    const stale = pat(kindGrace(60)).check(SHELL, token(S(T) - 40), at, SECRETS, 'POST');
    expect(stale.v.allow).toBe(false);
    expect(() => kindGrace(3601)).toThrow(/grace_seconds/);
  });

  it("its price (why the example leaves it off): malware's first shell within the minute after the engineer's sign-in is allowed, no refusal on record, and so is every later one of that login", () => {
    const w = pat(kindGrace(60));
    const at = T + 3 * HOUR;
    const engineers = token(S(at) - 30, 'sid-2');
    const first = w.check(SHELL, engineers, at, SECRETS, 'POST');
    expect(first.codes).toContain('unfamiliar_kind');
    expect(first.v.allow).toBe(true);
    // An hour later, with the same sign-in: the kind's bound stays met by it.
    expect(w.check('/api/v1/namespaces/team-a/pods/api-1/exec', engineers, at + HOUR, SECRETS, 'POST').v.allow).toBe(true);
    // Without the grace the same first shell is refused (a step-up on record), and so is the hour-later
    // one of that login: only a sign-in after the first sighting opens the kind.
    const off = pat();
    expect(off.check(SHELL, engineers, at, SECRETS, 'POST').v.allow).toBe(false);
    expect(off.check('/api/v1/namespaces/team-a/pods/api-1/exec', engineers, at + HOUR, SECRETS, 'POST').v.allow).toBe(false);
  });
});
