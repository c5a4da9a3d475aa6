import { parseConfig } from '../../src/config/load.js';
import type { Identity } from '../../src/core/identity.js';
import type { Requirement } from '../../src/policy/policy.js';
import type { RequestAttributes } from '../../src/request/attributes.js';

/** The risk engine's unit-test config: learning at aal2, one band that asks for aal2 at 40. */
export const ENGINE_CONFIG = parseConfig(
  `
issuers: [{ issuer: https://idp.test, audiences: [k] }]
assurance: { levels: [{ name: aal1, acr: [a1] }, { name: aal2, acr: [a2] }] }
policy: { default: { require: aal1 } }
network: { xff_num_trusted_hops: 1 }
risk:
  learn: { min_level: aal2 }
  bands: [{ name: elevated, min_score: 40, require: aal2 }]
`,
  'engine.yaml',
);

/** Alice at aal2, signed in 10 s before `nowMs`. */
export function engineIdentity(nowMs: number): Identity {
  return Object.freeze({
    subject: 'alice', issuer: 'https://idp.test', groups: [], acr: 'a2', amr: [], authTime: nowMs / 1000 - 10,
    expiresAt: Infinity, level: 1, levelName: 'aal2', session: 'sid:1', upstreamHeaders: [],
  });
}

/** What the policy asked before risk: the everyday level, from these rules. */
export const baseRequirement = (rules: string[], sensitivity = 0): Requirement =>
  Object.freeze({ deny: false, denyMessage: undefined, level: 0, maxAge: undefined, rules, sensitivity });

/** A plain request from 203.0.113.7 (one trusted hop) by curl: a newcomer's network, device and client. */
export const engineRequest = (): RequestAttributes => ({
  method: 'GET', target: '/x', path: '/x', query: '', host: 'h', authority: 'h', scheme: 'https',
  headers: new Map([['x-forwarded-for', '6.6.6.6, 203.0.113.7'], ['user-agent', 'curl/8.5.0']]),
  spoofedIdentityHeaders: [], sourceAddress: '10.0.0.5', clientResolved: false, sourcePrincipal: '',
  contextExtensions: {}, kube: undefined, body: undefined, bodyTruncated: false,
});

/**
 * The strongest rank among the levels a store holds as proven (assurance_downgrade), read as the
 * risk engine reads them (by name, `name:<level>`) against `names`; -1 none.
 */
export async function strongestProven(store: { provenLevels?(subject: string, nowMs: number): readonly string[] | Promise<readonly string[]> }, subject: string, nowMs: number, names: readonly string[] = ['aal1', 'aal2', 'aal3']): Promise<number> {
  let best = -1;
  for (const v of await store.provenLevels!(subject, nowMs)) best = Math.max(best, names.indexOf(v.replace(/^name:/, '')));
  return best;
}
