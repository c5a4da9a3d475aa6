import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/load.js';
import { compileAssurance } from '../../src/core/assurance.js';
import type { Identity } from '../../src/core/identity.js';
import type { Requirement } from '../../src/policy/policy.js';
import type { RequestAttributes } from '../../src/request/attributes.js';
import { kubeRequestInfo } from '../../src/request/kube.js';
import { RiskEngine, type RiskOutcome } from '../../src/risk/engine.js';
import { MemoryStateStore } from '../../src/state/memory.js';
import { NAMESPACE_OBJECTS, StateUnavailableError, type StateStore } from '../../src/state/store.js';
import { TEST_LIMITS } from '../support/state-config.js';
import { baseRequirement, ENGINE_CONFIG, engineIdentity } from '../support/risk-engine.js';

const config = ENGINE_CONFIG;
const nowMs = 1_800_000_000_000;
const who = engineIdentity(nowMs);
const base = baseRequirement;
const req = (over: Partial<RequestAttributes> = {}): RequestAttributes => ({
  method: 'GET', target: '/x', path: '/x', query: '', host: 'h', authority: 'h', scheme: 'https',
  headers: new Map([['x-forwarded-for', '6.6.6.6, 203.0.113.7'], ['user-agent', 'curl/8.5.0']]),
  spoofedIdentityHeaders: [], sourceAddress: '10.0.0.5', clientResolved: false, sourcePrincipal: '',
  contextExtensions: {}, kube: undefined, body: undefined, bodyTruncated: false, ...over,
});

const broken: StateStore = {
  kind: 'redis',
  observe: () => Promise.reject(new StateUnavailableError('down')),
  learn: () => Promise.reject(new StateUnavailableError('down')),
  recordDenial: () => Promise.resolve(),
  approvals: undefined as never,
  challenges: undefined as never,
  control: undefined as never,
  close: () => Promise.resolve(),
};

function engine(store: StateStore, onStateError: 'fail_closed' | 'degrade', errors: unknown[] = []) {
  return new RiskEngine({
    risk: config.risk!, network: config.network, onStateError, assurance: compileAssurance(config.assurance.levels),
    store, fallback: new MemoryStateStore(TEST_LIMITS, { maxSubjects: 10 }), onStoreError: (e) => errors.push(e),
  });
}

describe('risk engine', () => {
  it('takes the client from x-forwarded-for through the trusted hops, unless the adapter already resolved it', () => {
    const e = engine(new MemoryStateStore(TEST_LIMITS, { maxSubjects: 10 }), 'fail_closed');
    const viaXff = e.assess(req(), who, base(['default']), nowMs) as RiskOutcome;
    expect(viaXff.ok && viaXff.risk.clientIp).toBe('203.0.113.7');
    const resolved = e.assess(req({ sourceAddress: '198.51.100.4', clientResolved: true }), who, base(['default']), nowMs) as RiskOutcome;
    expect(resolved.ok && resolved.risk.clientIp).toBe('198.51.100.4');
  });

  it('fail_closed: a sensitive request is refused while the store is down, a plain one is assessed as all-new', async () => {
    const errors: unknown[] = [];
    const e = engine(broken, 'fail_closed', errors);
    const sensitive = await e.assess(req(), who, base(['secrets'], 30), nowMs);
    expect(sensitive).toMatchObject({ ok: false, detail: expect.stringContaining('session state unavailable') });
    const plain = await e.assess(req(), who, base(['default']), nowMs);
    expect(plain.ok && plain.risk.degraded).toBe(true);
    expect(plain.ok && plain.risk.contributions.map((c) => c.code)).toEqual(['new_network', 'new_device', 'state_degraded']);
    // Nothing is learnt from a degraded assessment, and every failure was reported.
    expect(plain.ok && plain.learn).toBeUndefined();
    expect(errors).toHaveLength(2);
  });

  it('degrade: even a sensitive request is assessed, pessimistically, never refused for the outage alone', async () => {
    const e = engine(broken, 'degrade');
    const out = await e.assess(req(), who, base(['secrets'], 30), nowMs);
    expect(out.ok && out.risk.score).toBe(30 + 25 + 10);
    expect(out.ok && out.requirement.rules).toEqual(['secrets', 'risk:elevated']);
  });

  it('learns only what is new, and only from a fresh authentication at the learning level', () => {
    const store = new MemoryStateStore(TEST_LIMITS, { maxSubjects: 10 });
    const e = engine(store, 'fail_closed');
    const first = e.assess(req(), who, base(['default']), nowMs) as RiskOutcome;
    expect(first.ok && first.learn).toMatchObject({ ip: '203.0.113.7', prefix: '203.0.113.0/24' });
    e.learned((first as Extract<RiskOutcome, { ok: true }>).learn!, nowMs);
    const second = e.assess(req(), who, base(['default']), nowMs + 1000) as RiskOutcome;
    expect(second.ok && second.learn).toBeUndefined();
    expect(second.ok && second.risk.score).toBe(0);
    const stale = e.assess(req({ headers: new Map([['x-forwarded-for', '198.51.100.9']]) }), { ...who, authTime: nowMs / 1000 - 3600 }, base(['default']), nowMs) as RiskOutcome;
    expect(stale.ok && stale.learn).toBeUndefined();
  });
});

describe('the working-set place of a request on a Namespace object', () => {
  // What the first allowed request teaches (an empty working set learns its first place) is the
  // place the engine counted the request in.
  const placeOf = (method: string, path: string, deletesLike = false): string | undefined => {
    const e = engine(new MemoryStateStore(TEST_LIMITS, { maxSubjects: 10 }), 'fail_closed');
    const kube = kubeRequestInfo(method, path, '', () => undefined);
    const out = e.assess(req({ method, path, target: path, kube }), who, base(['prod-writes'], 20), nowMs, undefined, undefined, '', deletesLike) as RiskOutcome;
    return out.ok ? out.learn?.namespace : undefined;
  };

  it('a label, annotation or apply of the Namespace is one on the cluster\'s Namespace objects', () => {
    expect(placeOf('PATCH', '/api/v1/namespaces/payments-prod')).toBe(NAMESPACE_OBJECTS);
    expect(placeOf('PUT', '/api/v1/namespaces/payments-prod')).toBe(NAMESPACE_OBJECTS);
  });

  it('a delete, a change that amounts to one, its finalizers and what is inside stay in the namespace', () => {
    expect(placeOf('DELETE', '/api/v1/namespaces/payments-prod')).toBe('payments-prod');
    expect(placeOf('PATCH', '/api/v1/namespaces/payments-prod', true)).toBe('payments-prod');
    expect(placeOf('PUT', '/api/v1/namespaces/payments-prod/finalize')).toBe('payments-prod');
    expect(placeOf('GET', '/api/v1/namespaces/payments-prod')).toBe('payments-prod');
    expect(placeOf('PATCH', '/api/v1/namespaces/payments-prod/configmaps/namespaces')).toBe('payments-prod');
    expect(placeOf('PATCH', '/apis/example.io/v1/namespaces/payments-prod')).toBe('payments-prod');
  });
});
