import { describe, expect, it } from 'vitest';
import { compileAssurance } from '../../src/core/assurance.js';
import type { Identity } from '../../src/core/identity.js';
import type { RequestAttributes } from '../../src/request/attributes.js';
import type { KubeRequestInfo } from '../../src/request/kube.js';
import { RiskEngine, type RiskOutcome } from '../../src/risk/engine.js';
import { MemoryStateStore } from '../../src/state/memory.js';
import { blankHistory, blankWork, type Observation, type StateStore, type WorkHistory, type WorkObservation } from '../../src/state/store.js';
import { TEST_LIMITS } from '../support/state-config.js';
import { baseRequirement, ENGINE_CONFIG, engineIdentity } from '../support/risk-engine.js';

/**
 * perf47: the memory store writes its observe / observeWork answers into objects the caller gives
 * (StateStore.observe's `into`), and the risk engine gives the same two objects to every Check. The
 * answers must be the ones a fresh object would hold, and a Check that waits (a store answering one
 * half at once and the other with a Promise) must not read what a later Check wrote into them.
 */

const T = 1_800_000_000_000;
const kube: KubeRequestInfo = {
  isResourceRequest: true, path: '/api/v1/namespaces/prod/secrets/db', verb: 'get', apiPrefix: 'api', apiGroup: '', apiVersion: 'v1',
  namespace: 'prod', resource: 'secrets', subresource: '', name: 'db', parts: ['namespaces', 'prod', 'secrets', 'db'], upgrade: false,
};
const req = (address: string, agent = 'kubectl/v1.31.0 (linux/amd64) kubernetes/abc'): RequestAttributes => ({
  method: 'GET', target: '/x', path: '/x', query: '', host: 'h', authority: 'h', scheme: 'https',
  headers: new Map([['x-forwarded-for', `6.6.6.6, ${address}`], ['user-agent', agent]]),
  spoofedIdentityHeaders: [], sourceAddress: '10.0.0.5', clientResolved: false, sourcePrincipal: '',
  contextExtensions: {}, kube, body: undefined, bodyTruncated: false,
});

function observation(subject: string, i: number): Observation {
  return {
    subject, session: `s${i % 2}`, nowMs: T + i * 7_000, ip: `203.0.113.${i % 3}`, ipPrefix: '203.0.113.0/24', device: i % 4 === 0 ? '' : `d${i % 2}`,
    uaFamily: 'kubectl', platform: 'linux', namespace: `ns${i % 5}`, sensitive: i % 2 === 0, client: 'kubectl', object: i % 3 === 0 ? '' : `secrets/ns/o${i}`,
    destructive: i % 6 === 5, counted: i % 7 !== 3,
  };
}

function work(subject: string, i: number): WorkObservation {
  return { subject, nowMs: T + i * 7_000, namespace: `ns${i % 5}`, object: i % 3 === 0 ? '' : `secrets/ns/o${i}`, site: '', nearby: '', auth: T - 10_000, read: i % 2 === 0, family: '', kind: '' };
}

describe('the memory store answers into the caller\'s objects', () => {
  it('writes every field of observe and observeWork into the object given, as a fresh answer would hold them', () => {
    const into = new MemoryStateStore(TEST_LIMITS, { maxSubjects: 10 });
    const fresh = new MemoryStateStore(TEST_LIMITS, { maxSubjects: 10 });
    const h = blankHistory();
    const w = blankWork();
    for (let i = 0; i < 40; i++) {
      const subject = i % 3 === 0 ? 'bob' : 'alice';
      const o = observation(subject, i);
      const a = into.observe(o, h);
      expect(a).toBe(h);
      expect({ ...a }, `observe ${i}`).toEqual(fresh.observe(o));
      const ww = into.observeWork(work(subject, i), w);
      expect(ww).toBe(w);
      expect({ ...ww }, `observeWork ${i}`).toEqual(fresh.observeWork(work(subject, i)));
      if (i % 5 === 4) {
        into.learn(subject, o.ip, o.ipPrefix, o.device, o.nowMs, o.client);
        fresh.learn(subject, o.ip, o.ipPrefix, o.device, o.nowMs, o.client);
      }
    }
  });

  it('without an object, answers with a new one each time', () => {
    const s = new MemoryStateStore(TEST_LIMITS, { maxSubjects: 10 });
    const a = s.observe(observation('alice', 1));
    const b = s.observe(observation('alice', 2));
    expect(a).not.toBe(b);
    expect(a.requests).toBe(1);
    expect(b.requests).toBe(2);
  });
});

/** The memory store, answering observeWork only when released: the engine's Check waits after observe answered at once. */
class HeldWorkStore extends MemoryStateStore {
  private readonly held: (() => void)[] = [];
  constructor() {
    super(TEST_LIMITS, { maxSubjects: 10 });
  }
  hold = false;
  // A Promise where the memory store's type says it never answers with one: the case the engine
  // must survive although its store says it answers at once (RiskEngine.own).
  override observeWork(w: WorkObservation, into?: WorkHistory): WorkHistory {
    // Answered when called (so the two Checks' answers are the store's at that moment), handed over later.
    const answer = { ...super.observeWork(w, into) };
    if (!this.hold) return answer;
    return new Promise<WorkHistory>((resolve) => this.held.push(() => resolve(answer))) as unknown as WorkHistory;
  }
  release(): void {
    for (const r of this.held.splice(0)) r();
  }
}

function engine(store: StateStore) {
  const config = ENGINE_CONFIG;
  return new RiskEngine({
    risk: config.risk!, network: config.network, onStateError: 'fail_closed', assurance: compileAssurance(config.assurance.levels),
    store, fallback: new MemoryStateStore(TEST_LIMITS, { maxSubjects: 10 }),
  });
}

function summary(out: RiskOutcome) {
  return out.ok ? { score: out.risk.score, codes: out.risk.contributions.map((c) => c.code), level: out.requirement.level, deny: out.requirement.deny, learn: out.learn } : out;
}

describe('the risk engine\'s reused answer objects', () => {
  it('a Check waiting for half of its answer is not read from what a later Check wrote', async () => {
    const alice = engineIdentity(T);
    const mallory: Identity = Object.freeze({ ...alice, subject: 'mallory', session: 'sid:9' });
    const base = baseRequirement(['secrets'], 20);
    // Alice's network, device and client are learned; then her Check waits while mallory's, from
    // an unknown network with another client, is observed (into the same objects).
    const store = new HeldWorkStore();
    const e = engine(store);
    const first = await e.assess(req('203.0.113.7'), alice, base, T);
    if (first.ok && first.learn) e.learned(first.learn, T);
    store.hold = true;
    const aliceCheck = e.assess(req('203.0.113.7'), alice, base, T + 1_000);
    const malloryCheck = e.assess(req('198.51.100.9', 'curl/8.5.0'), mallory, base, T + 1_000);
    store.release();
    const [a, m] = await Promise.all([aliceCheck, malloryCheck]);

    // The same Checks one after the other, with a store that never waits.
    const plain = new MemoryStateStore(TEST_LIMITS, { maxSubjects: 10 });
    const ref = engine(plain);
    const f = await ref.assess(req('203.0.113.7'), alice, base, T);
    if (f.ok && f.learn) ref.learned(f.learn, T);
    const aRef = await ref.assess(req('203.0.113.7'), alice, base, T + 1_000);
    const mRef = await ref.assess(req('198.51.100.9', 'curl/8.5.0'), mallory, base, T + 1_000);

    expect(summary(aRef)).toMatchObject({ codes: ['path_sensitive'] });
    expect(summary(a)).toEqual(summary(aRef));
    expect(summary(m)).toEqual(summary(mRef));
    expect(summary(m)).not.toEqual(summary(a));
  });
});
