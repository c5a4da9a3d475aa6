import { parseConfig } from '../../src/config/load.js';
import { compileAssurance } from '../../src/core/assurance.js';
import type { Identity } from '../../src/core/identity.js';
import type { BandEffect, Requirement } from '../../src/policy/policy.js';
import { RiskEngine, type RiskOutcome } from '../../src/risk/engine.js';
import { MemoryStateStore } from '../../src/state/memory.js';
import type { StateStore } from '../../src/state/store.js';
import { engineRequest } from './risk-engine.js';
import { TEST_LIMITS } from './state-config.js';

/**
 * Day 41's lawful-intercept officer and a refusing band (risk.learn.newcomer_refusals), shared by
 * the memory rows (test/unit/risk-newcomer-refusals.test.ts) and the Redis rows
 * (test/integration/risk-newcomer-refusals-redis.test.ts).
 */

export const T = 1_800_000_000_000;
export const [S, M] = [1000, 60_000];
export const NEW_NETWORK = '198.51.100.9';

export const newcomerConfig = (refusals: 'ask' | 'refuse' | undefined, critical = false, shadowHigh = false) =>
  parseConfig(
    `
issuers: [{ issuer: https://idp.test, audiences: [k] }]
assurance: { levels: [{ name: aal1, acr: [a1] }, { name: aal2, acr: [a2] }] }
policy: { default: { require: aal1 } }
network: { xff_num_trusted_hops: 1 }
risk:
  learn: { min_level: aal2, newcomer_grace_seconds: 600${refusals === undefined ? '' : `, newcomer_refusals: ${refusals}`} }
  bands:
    - { name: elevated, min_score: 45, require: aal2, max_age: 3600 }
    - { name: high, min_score: 65, require: aal2, max_age: 900${shadowHigh ? ', mode: shadow' : ''} }
${critical ? '    - { name: critical, min_score: 70, deny: true, message: "refused by the band" }\n' : ''}`,
    'engine.yaml',
  );

/** The engine on `store` (its fallback a fresh memory store). */
export function newcomerEngine(store: StateStore, refusals: 'ask' | 'refuse' | undefined = undefined, critical = false, shadowHigh = false): RiskEngine {
  const c = newcomerConfig(refusals, critical, shadowHigh);
  return new RiskEngine({
    risk: c.risk!, network: c.network, onStateError: 'fail_closed', assurance: compileAssurance(c.assurance.levels),
    store, fallback: new MemoryStateStore(TEST_LIMITS, { maxSubjects: 10 }),
  });
}

/** The LI rule's shape: sensitivity 40, refused when high by the rule's own `by_band` entry. */
export const HIGH_DENY: BandEffect = Object.freeze({ deny: true, denyMessage: 'refused from an unusual context', level: -1, maxAge: undefined });
export const liRule = (sensitivity = 40, byBand: Record<string, BandEffect> | undefined = { high: HIGH_DENY }): Requirement =>
  Object.freeze({ deny: false, denyMessage: undefined, level: 1, maxAge: 28_800, rules: ['lawful-intercept'], sensitivity, byBand });

export const who = (authMs: number, subject = 'li-officer'): Identity =>
  Object.freeze({ subject, issuer: 'https://idp.test', groups: [], acr: 'a2', amr: [], authTime: Math.floor(authMs / 1000), expiresAt: Infinity, level: 1, levelName: 'aal2', session: `sid:${authMs}`, upstreamHeaders: [] });

/** engineRequest (203.0.113.7, curl) or the same from another network. */
export const from = (ip?: string) => {
  const r = engineRequest();
  return ip === undefined ? r : { ...r, headers: new Map([['x-forwarded-for', `6.6.6.6, ${ip}`], ['user-agent', 'curl/8.5.0']]) };
};

export type Outcome = 'refused' | 'asked' | 'allowed';
type Ok = Extract<RiskOutcome, { ok: true }>;

/** What the request meets, as pipeline/evaluate.ts judge would decide it on the requirement alone. */
export function outcomeOf(o: Ok, id: Identity, nowMs: number): Outcome {
  const r = o.requirement;
  if (r.deny) return 'refused';
  const auth = id.authTime!;
  if (id.level < r.level || (r.authAfter !== undefined && auth < r.authAfter) || (r.maxAge !== undefined && Math.floor(nowMs / 1000) - auth > r.maxAge)) return 'asked';
  return 'allowed';
}

/** One request on a memory store; learned from when allowed (as evaluate.ts does). */
export function step(e: RiskEngine, id: Identity, at: number, base = liRule(), revokedAt = 0, ip?: string): { outcome: Outcome; out: Ok } {
  const out = e.assess(from(ip), id, base, at, undefined, undefined, '', false, false, revokedAt) as Ok;
  const outcome = outcomeOf(out, id, at);
  if (outcome === 'allowed' && out.learn) e.learned(out.learn, at);
  return { outcome, out };
}

/**
 * The same on a store that answers later (Redis): the answer awaited, and what an allow teaches
 * written before the next request (evaluate.ts learns off the response path; a test waits for it).
 */
export async function stepAsync(e: RiskEngine, store: { learn: StateStore['learn'] }, id: Identity, at: number, base = liRule(), ip?: string): Promise<Outcome> {
  const out = (await e.assess(from(ip), id, base, at)) as Ok;
  if (!out.ok) throw new Error('the engine failed');
  const outcome = outcomeOf(out, id, at);
  if (outcome === 'allowed' && out.learn) {
    e.learned(out.learn, at);
    // learned() writes off the path; the same write awaited, so the next request reads it.
    await store.learn(out.learn.subject, out.learn.ip, out.learn.prefix, out.learn.device, at, out.learn.client);
  }
  return outcome;
}
