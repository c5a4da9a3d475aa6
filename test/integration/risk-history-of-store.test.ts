import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/load.js';
import { compileAssurance } from '../../src/core/assurance.js';
import type { Identity } from '../../src/core/identity.js';
import { judge } from '../../src/pipeline/evaluate.js';
import { storeLimits } from '../../src/pipeline/runtime.js';
import { RiskEngine } from '../../src/risk/engine.js';
import { MemoryStateStore } from '../../src/state/memory.js';
import { RedisStateStore } from '../../src/state/redis.js';
import type { StateStore } from '../../src/state/store.js';
import { redisForFile } from '../support/redis-stores.js';
import { kubeGet, SECRETS } from '../support/risk-world.js';

/**
 * `issuers[].history_of` (day 32) in the risk engine over the memory store and a real
 * redis-server: a token of the new issuer that names its person's subject at the old one is judged
 * on that identity's history, the same way in both, and a token of the new issuer without the
 * claim keeps a history of its own.
 */

const OLD = 'https://sso.ruisdael.test/realms/staff';
const NEW = 'https://login.microsoftonline.com/5f3c1a9e-7b42-4d1e-9a6c-2e8b0d4f7c31/v2.0';
const config = parseConfig(
  `
issuers:
  - { issuer: ${OLD}, audiences: [k] }
  - { issuer: ${NEW}, audiences: [k], subject_claim: oid, history_of: { issuer: ${OLD}, claim: extn.keycloakId } }
assurance:
  levels:
    - { name: aal1, acr: [a1] }
    - { name: aal2, acr: [a2] }
policy: { default: { require: aal1 } }
network: { xff_num_trusted_hops: 1 }
risk:
  learn: { min_level: aal2, newcomer_grace_seconds: 600 }
  known_ttl_seconds: 2592000
`,
  'history-of-store.yaml',
);
const assurance = compileAssurance(config.assurance.levels);
const T = 1_800_000_000_000;
const H = 3_600_000;
const MAC = 'kubectl/v1.31.4 (darwin/arm64) kubernetes/a78aa47';
const HOME = '86.92.3.118';
const GUEST = '103.75.190.23';

const token = (issuer: string, subject: string, authMs: number, historyOf?: string): Identity =>
  Object.freeze({
    subject, issuer, groups: [], acr: 'a2', amr: [], authTime: Math.floor(authMs / 1000), expiresAt: Infinity, level: 1, levelName: 'aal2',
    session: `sid-${issuer === OLD ? 'kc' : 'entra'}-${authMs}`, upstreamHeaders: [],
    ...(historyOf !== undefined ? { historyOf: { issuer: OLD, subject: historyOf } } : {}),
  });

const makeStore = redisForFile('ho').store;
const redisStore = () => makeStore(storeLimits(config)!);

/** The engine over `store`, as a Check runs it: assess, judge, learn from an allow. */
function world(store: StateStore) {
  const engine = new RiskEngine({ risk: config.risk!, network: config.network, onStateError: 'fail_closed', assurance, store, fallback: new MemoryStateStore(storeLimits(config)!, { maxSubjects: 10 }) });
  return async (ip: string, who: Identity, at: number) => {
    const out = await engine.assess(kubeGet(ip, MAC), who, SECRETS, at);
    if (!out.ok) return { allow: false, reason: 'state_unavailable', context: undefined };
    const v = judge(out.requirement, who, at, kubeGet(ip, MAC), false, { assurance }, out.risk);
    if (v.allow && out.learn) engine.learned(out.learn, at);
    // Let the learn's write reach the store before the next Check (the same connection, in order).
    if (store instanceof RedisStateStore) await store.provenLevels('flush', at);
    return { allow: v.allow, reason: v.reason, context: out.risk.context?.code };
  };
}

describe('issuers[].history_of: memory and redis agree', () => {
  it("the new issuer's token is judged on the old identity's history; one without the claim is a newcomer", async () => {
    const answers: unknown[] = [];
    for (const store of [new MemoryStateStore(storeLimits(config)!, { maxSubjects: 10 }), await redisStore()]) {
      const check = world(store);
      const seen: unknown[] = [];
      // Two days at home on the old issuer.
      for (const day of [0, 24 * H]) seen.push(await check(HOME, token(OLD, 'kc-1', T + day - 40_000), T + day));
      // Moved: the new issuer's first token, used first by a guest from their own network, then at home.
      const moved = token(NEW, 'oid-1', T + 48 * H, 'kc-1');
      seen.push(await check(GUEST, moved, T + 48 * H + 150_000));
      seen.push(await check(HOME, moved, T + 48 * H + 20 * 60_000));
      // The same without the claim: a newcomer, whose sign-in counts as made wherever.
      seen.push(await check(GUEST, token(NEW, 'oid-2', T + 48 * H), T + 48 * H + 150_000));
      answers.push(seen);
    }
    expect(answers[0]).toEqual([
      { allow: true, reason: 'allowed', context: 'new_network' },
      { allow: true, reason: 'allowed', context: undefined },
      { allow: false, reason: 'auth_too_old', context: 'new_network' },
      { allow: true, reason: 'allowed', context: undefined },
      { allow: true, reason: 'allowed', context: 'new_network' },
    ]);
    expect(answers[1]).toEqual(answers[0]);
  });
});
