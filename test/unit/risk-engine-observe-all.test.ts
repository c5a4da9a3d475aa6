import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/load.js';
import { compileAssurance } from '../../src/core/assurance.js';
import type { Identity } from '../../src/core/identity.js';
import type { Requirement } from '../../src/policy/policy.js';
import type { RequestAttributes } from '../../src/request/attributes.js';
import type { KubeRequestInfo } from '../../src/request/kube.js';
import { RiskEngine, type RiskOutcome } from '../../src/risk/engine.js';
import { MemoryStateStore } from '../../src/state/memory.js';
import { StateUnavailableError, type ObservedAll, type Observation, type StateStore, type WorkObservation } from '../../src/state/store.js';
import { TEST_LIMITS } from '../support/state-config.js';
import { baseRequirement, ENGINE_CONFIG, engineIdentity } from '../support/risk-engine.js';

/**
 * A store that answers observe and observe-work in one call (StateStore.observeAll, the Redis
 * store's one script call per Check) is asked exactly once per Check, with both observations, and
 * the engine decides as it does from the two separate calls; a failure of that one call is a state
 * failure like any other (fail_closed refuses what a rule singles out).
 */

const config = ENGINE_CONFIG;
const T = 1_800_000_000_000;
const who = engineIdentity(T);
const base = baseRequirement;
const kube: KubeRequestInfo = {
  isResourceRequest: true, path: '/api/v1/namespaces/prod/secrets/db', verb: 'get', apiPrefix: 'api', apiGroup: '', apiVersion: 'v1',
  namespace: 'prod', resource: 'secrets', subresource: '', name: 'db', parts: ['namespaces', 'prod', 'secrets', 'db'], upgrade: false,
};
const req = (over: Partial<RequestAttributes> = {}): RequestAttributes => ({
  method: 'GET', target: '/x', path: '/x', query: '', host: 'h', authority: 'h', scheme: 'https',
  headers: new Map([['x-forwarded-for', '6.6.6.6, 203.0.113.7'], ['user-agent', 'kubectl/v1.31.0 (linux/amd64) kubernetes/abc']]),
  spoofedIdentityHeaders: [], sourceAddress: '10.0.0.5', clientResolved: false, sourcePrincipal: '',
  contextExtensions: {}, kube, body: undefined, bodyTruncated: false, ...over,
});

/** The memory store's answers, through observeAll only: observe and observeWork refuse to be called. */
class OneCallStore extends MemoryStateStore {
  readonly calls: { o: Observation; w: WorkObservation | undefined }[] = [];
  separate = 0;
  constructor(private readonly fail?: 'reject' | 'throw') {
    super(TEST_LIMITS, { maxSubjects: 10 });
  }
  override observe(o: Observation): never {
    this.separate++;
    throw new Error(`observe called separately for ${o.subject}`);
  }
  override observeWork(w: WorkObservation): never {
    this.separate++;
    throw new Error(`observeWork called separately for ${w.subject}`);
  }
  observeAll(o: Observation, w: WorkObservation | undefined): ObservedAll | Promise<ObservedAll> {
    this.calls.push({ o, w });
    if (this.fail === 'throw') throw new StateUnavailableError('down');
    if (this.fail === 'reject') return Promise.reject(new StateUnavailableError('down'));
    return Promise.resolve({ history: super.observe(o), work: w === undefined ? undefined : super.observeWork(w) });
  }
}

function engine(store: StateStore, onStateError: 'fail_closed' | 'degrade' = 'fail_closed', errors: unknown[] = []) {
  return new RiskEngine({
    risk: config.risk!, network: config.network, onStateError, assurance: compileAssurance(config.assurance.levels),
    store, fallback: new MemoryStateStore(TEST_LIMITS, { maxSubjects: 10 }), onStoreError: (e) => errors.push(e),
  });
}

/** What the engine concluded, without the parts that are objects of the store. */
function summary(out: RiskOutcome) {
  return out.ok ? { score: out.risk.score, codes: out.risk.contributions.map((c) => c.code), level: out.requirement.level, deny: out.requirement.deny, learn: out.learn !== undefined } : out;
}

describe('risk engine with a store that observes in one call', () => {
  it('asks it once per Check, with the working-set side, and decides as from the two calls', async () => {
    const one = new OneCallStore();
    const two = new MemoryStateStore(TEST_LIMITS, { maxSubjects: 10 });
    const [e1, e2] = [engine(one), engine(two)];
    const steps: [Partial<RequestAttributes>, Requirement, number][] = [
      [{}, base(['secrets'], 20), 0],
      [{}, base(['secrets'], 20), 1_000],
      [{ headers: new Map([['x-forwarded-for', '198.51.100.9'], ['user-agent', 'curl/8.5.0']]) }, base(['secrets'], 20), 2_000],
      [{ kube: undefined }, base(['default']), 3_000],
    ];
    for (const [i, [over, b, at]] of steps.entries()) {
      const a = await e1.assess(req(over), who, b, T + at);
      const c = await e2.assess(req(over), who, b, T + at);
      expect(summary(a), `step ${i}`).toEqual(summary(c));
      if (a.ok && a.learn) e1.learned(a.learn, T + at);
      if (c.ok && c.learn) e2.learned(c.learn, T + at);
    }
    expect(one.separate).toBe(0);
    expect(one.calls).toHaveLength(steps.length);
    // A namespaced request sends its working-set side in the same call.
    expect(one.calls[0]!.w).toMatchObject({ subject: one.calls[0]!.o.subject, namespace: 'prod' });
  });

  for (const fail of ['reject', 'throw'] as const) {
    it(`a failed call (${fail}) is a state failure: fail_closed refuses a sensitive request, a plain one is assessed as all-new`, async () => {
      const errors: unknown[] = [];
      const store = new OneCallStore(fail);
      const e = engine(store, 'fail_closed', errors);
      expect(await e.assess(req(), who, base(['secrets'], 30), T)).toMatchObject({ ok: false, detail: expect.stringContaining('session state unavailable') });
      const plain = (await e.assess(req({ kube: undefined }), who, base(['default']), T)) as RiskOutcome;
      expect(plain.ok && plain.risk.degraded).toBe(true);
      expect(plain.ok && plain.learn).toBeUndefined();
      expect(errors).toHaveLength(2);
      expect(store.separate).toBe(0);
    });
  }
});
