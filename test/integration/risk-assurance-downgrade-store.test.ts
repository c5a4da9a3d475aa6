import { strongestProven } from '../support/risk-engine.js';
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/load.js';
import { deviceOwner } from '../../src/cookies/device-cookie.js';
import { compileAssurance } from '../../src/core/assurance.js';
import type { Identity } from '../../src/core/identity.js';
import { judge } from '../../src/pipeline/evaluate.js';
import { storeLimits } from '../../src/pipeline/runtime.js';
import { RiskEngine } from '../../src/risk/engine.js';
import { counterKey, levelKey } from '../../src/state/keys.js';
import { MemoryStateStore } from '../../src/state/memory.js';
import { RedisStateStore } from '../../src/state/redis.js';
import type { StateStore } from '../../src/state/store.js';
import { redisForFile } from '../support/redis-stores.js';
import { kubeGet, levelToken, SECRETS } from '../support/risk-world.js';

/**
 * `assurance_downgrade`'s record of each identity's proven levels, in memory and on a real
 * redis-server: the same answers, the Redis key in the subject's hash slot, and a store that cannot
 * answer the read on the signal's path failing closed as one that cannot answer the Check does.
 */

const config = parseConfig(
  `
issuers: [{ issuer: https://idp.test, audiences: [k] }]
assurance:
  levels:
    - { name: aal1, acr: [a1] }
    - { name: aal2, acr: [a2] }
    - { name: aal3, acr: [a3], description: hardware key }
policy: { default: { require: aal1 } }
network: { xff_num_trusted_hops: 1 }
risk:
  learn: { min_level: aal2, newcomer_grace_seconds: 600 }
  known_ttl_seconds: 86400
  signals: { assurance_downgrade: true }
`,
  'downgrade-store.yaml',
);
const assurance = compileAssurance(config.assurance.levels);
const T = 1_800_000_000_000;
const H = 3_600_000;
const MAC = 'kubectl/v1.32.2 (darwin/arm64) kubernetes/67a30c0';
const LINUX = 'kubectl/v1.32.0 (linux/amd64) kubernetes/70d3cc9';

const makeStore = redisForFile('dg').store;
const redisStore = (prefix?: string) => makeStore(storeLimits(config)!, prefix);

/** The engine over `store`, as a Check runs it: assess, judge, learn from an allow. */
function world(store: StateStore) {
  const engine = new RiskEngine({ risk: config.risk!, network: config.network, onStateError: 'fail_closed', assurance, store, fallback: new MemoryStateStore(storeLimits(config)!, { maxSubjects: 10 }) });
  return async (ip: string, ua: string, who: Identity, at: number) => {
    const out = await engine.assess(kubeGet(ip, ua), who, SECRETS, at);
    if (!out.ok) return { allow: false, reason: 'state_unavailable', context: undefined, level: -1 };
    const v = judge(out.requirement, who, at, kubeGet(ip, ua), false, { assurance }, out.risk);
    if (v.allow && out.learn) engine.learned(out.learn, at);
    // Let the learn's write reach the store before the next Check (the same connection, in order).
    if (store instanceof RedisStateStore) await store.provenLevels('flush', at);
    return { allow: v.allow, reason: v.reason, context: out.risk.context?.code, level: out.requirement.level };
  };
}

describe('assurance_downgrade: memory and redis agree', () => {
  it('each level keeps its own last proof: a weaker one never lowers the strongest, which is forgotten after the known TTL', async () => {
    const r = await redisStore();
    for (const s of [new MemoryStateStore(storeLimits(config)!, { maxSubjects: 10 }), r]) {
      expect(await strongestProven(s, 'alice', T)).toBe(-1);
      await s.proveLevel('alice', 'name:aal3', T);
      await s.proveLevel('alice', 'name:aal2', T + H);
      await s.proveLevel('alice', 'name:aal2', T + 20 * H);
      expect(await strongestProven(s, 'alice', T + 2 * H)).toBe(2);
      expect(await strongestProven(s, 'alice', T + 24 * H - 1000)).toBe(2);
      expect(await strongestProven(s, 'alice', T + 24 * H + 1000)).toBe(1);
      expect(await strongestProven(s, 'alice', T + 44 * H + 1000)).toBe(-1);
      expect(await strongestProven(s, 'bob', T)).toBe(-1);
    }
  });

  it("the Redis key is in the subject's hash slot and expires with its newest proof", async () => {
    const r = await redisStore('slot:');
    await r.proveLevel('alice', 'name:aal3', Date.now());
    const key = levelKey('slot:', 'alice');
    const tag = (k: string) => /\{[^}]+\}/.exec(k)?.[0];
    expect(tag(key)).toBe(tag(counterKey('slot:', 'alice')));
    const raw = (r as unknown as { redis: { pttl(k: string): Promise<number> } }).redis;
    const ttl = await raw.pttl(key);
    expect(ttl).toBeGreaterThan(86_400_000 - 60_000);
    expect(ttl).toBeLessThanOrEqual(86_400_000);
  });

  it('the engine over either store: the key engineer is learned, the code from a new VPS and laptop asked for the key, the same way', async () => {
    const answers: unknown[] = [];
    for (const store of [new MemoryStateStore(storeLimits(config)!, { maxSubjects: 10 }), await redisStore()]) {
      const check = world(store);
      const seen: unknown[] = [];
      seen.push(await check('84.214.99.12', MAC, levelToken('eng', 2, T - 40_000), T));
      seen.push(await check('84.214.99.12', MAC, levelToken('eng', 1, T + 2 * H - 40_000), T + 2 * H));
      seen.push(await check('45.77.120.9', LINUX, levelToken('eng', 1, T + 5 * H - 60_000), T + 5 * H));
      seen.push(await check('45.77.120.9', LINUX, levelToken('eng', 1, T + 5 * H + 20_000), T + 5 * H + 25_000));
      seen.push(await check('45.77.120.9', LINUX, levelToken('eng', 2, T + 5 * H + 60_000), T + 5 * H + 65_000));
      expect(await strongestProven(store, deviceOwner('https://idp.test', 'eng'), T + 6 * H)).toBe(2);
      answers.push(seen);
    }
    expect(answers[0]).toEqual([
      // A newcomer's first request: its sign-in proves the network.
      { allow: true, reason: 'allowed', context: 'new_network', level: 1 },
      { allow: true, reason: 'allowed', context: undefined, level: 1 },
      { allow: false, reason: 'acr_insufficient', context: 'assurance_downgrade', level: 2 },
      { allow: false, reason: 'acr_insufficient', context: 'assurance_downgrade', level: 2 },
      // The key itself, signed in there: at the top level nothing is weaker; a sign-in after the VPS appeared.
      { allow: true, reason: 'allowed', context: 'new_network', level: 1 },
    ]);
    expect(answers[1]).toEqual(answers[0]);
  });

  // redteam41a: a revocation (stepgate revoke subject) forgets the history, so every network and
  // device of the identity is new again; the proven level stays, in both stores, and the helpdesk
  // caller whose sign-in the revocation answered is still asked for the key (a revocation only ever
  // asks more of the next sign-in).
  it('a revocation forgets the history but not the level: the caller is still asked for the key, in both stores', async () => {
    const answers: unknown[] = [];
    for (const store of [new MemoryStateStore(storeLimits(config)!, { maxSubjects: 10 }), await redisStore()]) {
      const check = world(store);
      expect(await check('84.214.99.12', MAC, levelToken('eng', 2, T - 40_000), T)).toMatchObject({ allow: true });
      await store.control.forget(deviceOwner('https://idp.test', 'eng'), '');
      expect(await strongestProven(store, deviceOwner('https://idp.test', 'eng'), T + H)).toBe(2);
      answers.push(await check('45.77.120.9', LINUX, levelToken('eng', 1, T + 5 * H + 20_000), T + 5 * H + 25_000));
    }
    expect(answers[0]).toEqual({ allow: false, reason: 'acr_insufficient', context: 'assurance_downgrade', level: 2 });
    expect(answers[1]).toEqual(answers[0]);
  });

  it('fails closed when Redis cannot answer the read on that path (a key of the wrong type), and only there', async () => {
    const r = await redisStore('broken:');
    const check = world(r);
    expect(await check('84.214.99.12', MAC, levelToken('eng', 2, T - 40_000), T)).toMatchObject({ allow: true });
    const raw = (r as unknown as { redis: { set(k: string, v: string): Promise<unknown> } }).redis;
    await raw.set(levelKey('broken:', deviceOwner('https://idp.test', 'eng')), 'not a sorted set');
    // The usual laptop and network: the level is not read, nothing fails.
    expect(await check('84.214.99.12', MAC, levelToken('eng', 1, T + 2 * H - 40_000), T + 2 * H)).toMatchObject({ allow: true });
    // A new network and laptop: read, and the failure refuses the Secret.
    expect(await check('45.77.120.9', LINUX, levelToken('eng', 1, T + 5 * H + 20_000), T + 5 * H + 25_000)).toEqual({ allow: false, reason: 'state_unavailable', context: undefined, level: -1 });
  });
});
