import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/load.js';
import type { Config } from '../../src/config/schema.js';
import { compileAssurance } from '../../src/core/assurance.js';
import type { Identity } from '../../src/core/identity.js';
import { judge } from '../../src/pipeline/evaluate.js';
import { storeLimits } from '../../src/pipeline/runtime.js';
import type { Requirement } from '../../src/policy/policy.js';
import type { RequestAttributes } from '../../src/request/attributes.js';
import { kubeRequestInfo } from '../../src/request/kube.js';
import { RiskEngine, type RiskOutcome } from '../../src/risk/engine.js';
import { MemoryStateStore } from '../../src/state/memory.js';
import { aal2Token, asksAtLeast, BASE, SECRETS } from '../support/risk-world.js';

/**
 * `risk.signals.unfamiliar_namespace.peer_reads` (docs/risk.md "Session 49"): a plain read in a
 * namespace outside the working set that enough other subjects of a shared IdP group learned into
 * theirs is not asked for, teaches nothing, and covers nothing beyond itself. Through the engine
 * and the pipeline's judge with the memory store, as risk-behaviour.test.ts does.
 */

const yaml = (peers: number, extra = '') => `
issuers: [{ issuer: https://idp.test, audiences: [k] }]
assurance: { levels: [{ name: aal1, acr: [a1] }, { name: aal2, acr: [a2] }] }
policy: { default: { require: aal1 } }
network: { xff_num_trusted_hops: 1 }
risk:
  learn: { min_level: aal2, max_age_seconds: 600 }
  bands: [{ name: elevated, min_score: 45, require: aal2 }]
  signals: { unfamiliar_namespace: { peer_reads: ${peers} } }
${extra}`;
const cfgOf = (peers: number, extra = '') => parseConfig(yaml(peers, extra), 'peers.yaml');
const assurance = compileAssurance(cfgOf(0).assurance.levels);
const T = 1_800_000_000_000;
const H = 3_600_000;
const HOME = '203.0.113.7';
const KUBECTL = 'kubectl/v1.32.4 (linux/amd64) kubernetes/abc1234';
const S = (ms: number) => Math.floor(ms / 1000);
/** A pod list the policy weighs (a customer's tenant namespace): sensitive, no unfamiliar_kind kind. */
const PODS: Requirement = Object.freeze({ ...BASE, rules: ['tenant-reads'], sensitivity: 20 });

const person = (subject: string, authTime: number, groups: readonly string[] = ['sre']): Identity => ({ ...aal2Token(subject, authTime, `sid-${subject}-${authTime}`), groups });

function req(path: string, method = 'GET', ip = HOME): RequestAttributes {
  const kube = kubeRequestInfo(method, path, '', () => undefined);
  return {
    method, target: path, path, query: '', host: 'kube', authority: 'kube', scheme: 'https',
    headers: new Map([['x-forwarded-for', ip], ['user-agent', KUBECTL]]),
    spoofedIdentityHeaders: [], sourceAddress: '10.0.0.5', clientResolved: false, sourcePrincipal: '',
    contextExtensions: {}, kube, body: undefined, bodyTruncated: false,
  } as RequestAttributes;
}

function world(cfg: Config) {
  const store = new MemoryStateStore(storeLimits(cfg)!, { maxSubjects: 100 });
  const engine = new RiskEngine({ risk: cfg.risk!, network: cfg.network, onStateError: 'fail_closed', assurance, store, fallback: store });
  const check = (r: RequestAttributes, who: Identity, atMs: number, need = BASE) => {
    const out = engine.assess(r, who, need, atMs) as RiskOutcome;
    if (!out.ok) throw new Error(out.detail);
    const v = judge(out.requirement, who, atMs, r, false, { assurance }, out.risk);
    if (v.allow && out.learn) engine.learned(out.learn, atMs);
    if (!v.allow) engine.recordDenial(who, atMs, r);
    return { v, out };
  };
  /** `subject` signs in at `at` and reads a Secret in each of `namespaces`: they join its working set. */
  const works = (subject: string, namespaces: readonly string[], at: number, groups?: readonly string[]) => {
    const who = person(subject, S(at) - 30, groups);
    for (const [k, ns] of namespaces.entries()) expect(check(req(`/api/v1/namespaces/${ns}/secrets/db`), who, at + k * 1000, SECRETS).v.allow, `${subject} ${ns}`).toBe(true);
  };
  return { check, works };
}

const codes = (o: RiskOutcome) => (o.ok ? o.risk.contributions.map((c) => c.code) : []);

/** Bob learned `tenant-x` yesterday; Alice, of the same group, works in `team-a` since this morning. */
function rota(cfg: Config, bobGroups: readonly string[] = ['sre']) {
  const w = world(cfg);
  w.works('bob', ['team-b', 'tenant-x'], T - 20 * H, bobGroups);
  w.works('alice', ['team-a'], T);
  const morning = person('alice', S(T) - 30);
  return { ...w, morning, later: T + 3 * H };
}

describe('unfamiliar_namespace.peer_reads', () => {
  it("a pod list in a namespace a colleague of the same group works in is not asked for; off (0), it is", () => {
    const on = rota(cfgOf(1));
    const a = on.check(req('/api/v1/namespaces/tenant-x/pods'), on.morning, on.later, PODS);
    expect(a.v.allow).toBe(true);
    expect(codes(a.out)).not.toContain('unfamiliar_namespace');
    const off = rota(cfgOf(0));
    const b = off.check(req('/api/v1/namespaces/tenant-x/pods'), off.morning, off.later, PODS);
    expect(b.v.allow).toBe(false);
    expect(b.out.ok && b.out.risk.context?.code).toBe('unfamiliar_namespace');
  });

  it('the read teaches nothing: the Secret, the shell and the write after it are asked for as before', () => {
    const w = rota(cfgOf(1));
    expect(w.check(req('/api/v1/namespaces/tenant-x/pods'), w.morning, w.later, PODS).v.allow).toBe(true);
    expect(w.check(req('/api/v1/namespaces/tenant-x/pods/web-1'), w.morning, w.later + 5_000, PODS).v.allow).toBe(true);
    for (const [i, [path, method, need]] of ([
      ['/api/v1/namespaces/tenant-x/secrets/db', 'GET', SECRETS],
      ['/api/v1/namespaces/tenant-x/pods/web-1/exec', 'POST', PODS],
      ['/apis/apps/v1/namespaces/tenant-x/deployments/web', 'PATCH', PODS],
      ['/api/v1/namespaces/tenant-x/pods/web-1', 'DELETE', PODS],
    ] as const).entries()) {
      // Minutes apart: machine pace is not what is tested here.
      const r = w.check(req(path, method), w.morning, w.later + (i + 1) * 600_000, need);
      expect(r.v.allow, `${method} ${path}`).toBe(false);
      expect(r.out.ok && r.out.risk.context?.code, `${method} ${path}`).toBe('unfamiliar_namespace');
    }
  });

  it('only a peer of a shared group counts, only within the known TTL, never the subject itself, and as many as asked', () => {
    const asked = (w: ReturnType<typeof rota>, at = w.later) => w.check(req('/api/v1/namespaces/tenant-x/pods'), w.morning, at, PODS).v.allow === false;
    expect(asked(rota(cfgOf(1), ['support']))).toBe(true);
    expect(asked(rota(cfgOf(1), ['support', 'sre']))).toBe(false);
    // Bob's learning is 20 h before T: past a 19-hour known TTL it is forgotten.
    expect(asked(rota(cfgOf(1, '  known_ttl_seconds: 68400')))).toBe(true);
    expect(asked(rota(cfgOf(1, '  known_ttl_seconds: 86400')))).toBe(false);
    // Two peers needed: Bob alone is one.
    const two = rota(cfgOf(2));
    expect(asked(two)).toBe(true);
    two.works('carol', ['tenant-x'], T + H);
    expect(asked(two, two.later + 60_000)).toBe(false);
    // Alice's own earlier sighting is no peer's.
    const self = world(cfgOf(1));
    self.works('alice', ['team-a'], T);
    self.works('bob', ['tenant-y'], T, ['other']);
    const alice = person('alice', S(T) - 30);
    expect(self.check(req('/api/v1/namespaces/tenant-y/pods'), alice, T + H, PODS).v.allow).toBe(false);
    expect(self.check(req('/api/v1/namespaces/tenant-y/pods'), alice, T + H + 1000, PODS).v.allow).toBe(false);
  });

  it("a peer's refused request teaches no one: only an allowed one that learned the namespace", () => {
    const w = world(cfgOf(1));
    w.works('bob', ['team-b'], T - 10 * H);
    w.works('alice', ['team-a'], T);
    // Bob's old token in a namespace he never worked in: asked, so not learned.
    const old = person('bob', S(T - 10 * H) - 30);
    expect(w.check(req('/api/v1/namespaces/tenant-z/secrets/db'), old, T + H, SECRETS).v.allow).toBe(false);
    const alice = person('alice', S(T) - 30);
    const r = w.check(req('/api/v1/namespaces/tenant-z/pods'), alice, T + 2 * H, PODS);
    expect(r.v.allow).toBe(false);
    expect(r.out.ok && r.out.risk.context?.code).toBe('unfamiliar_namespace');
  });

  // More risk never lowers the requirement: fewer peers (a larger peer_reads, or the key off) asks
  // at least as much as more, for any history of peers and any request of Alice's.
  const step = fc.record({
    who: fc.constantFrom('bob', 'carol', 'dave'),
    group: fc.constantFrom('sre', 'support'),
    ns: fc.constantFrom('tenant-x', 'tenant-y', 'team-a'),
    gapMin: fc.integer({ min: 1, max: 600 }),
  });
  const ask = fc.record({
    ns: fc.constantFrom('tenant-x', 'tenant-y', 'tenant-q', 'team-a'),
    what: fc.constantFrom(['GET', 'pods', PODS], ['GET', 'secrets/db', SECRETS], ['PATCH', 'pods/web-1', PODS], ['DELETE', 'pods/web-1', PODS], ['POST', 'pods/web-1/exec', PODS], ['GET', 'pods', BASE]) as fc.Arbitrary<readonly [string, string, Requirement]>,
    authBackMin: fc.integer({ min: 0, max: 900 }),
  });
  it('more risk never lowers the requirement (peer_reads 0 ⊒ 2 ⊒ 1)', () => {
    fc.assert(
      fc.property(fc.array(step, { maxLength: 6 }), fc.array(ask, { minLength: 1, maxLength: 4 }), (steps, asks) => {
        const worlds = [0, 2, 1].map((k) => {
          const w = world(cfgOf(k));
          w.works('alice', ['team-a'], T);
          let at = T + 60_000;
          for (const s of steps) {
            at += s.gapMin * 60_000;
            w.works(s.who, [s.ns], at, [s.group]);
          }
          return { w, at };
        });
        let at = worlds[0]!.at + H;
        for (const a of asks) {
          at += 120_000;
          const who = person('alice', S(at) - a.authBackMin * 60);
          const [method, rest, need] = a.what;
          const outs = worlds.map(({ w }) => w.check(req(`/api/v1/namespaces/${a.ns}/${rest}`, method), who, at, need).out);
          if (!outs.every((o) => o.ok)) return false;
          const [off, two, one] = outs.map((o) => (o.ok ? o.requirement : BASE));
          if (!asksAtLeast(off!, two!) || !asksAtLeast(two!, one!)) return false;
        }
        return true;
      }),
      { numRuns: 60 },
    );
    // Many engine runs: give a loaded machine time (the property is the point, not the speed).
  }, 120_000);
});
