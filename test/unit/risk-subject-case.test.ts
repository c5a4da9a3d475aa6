import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/load.js';
import { compileAssurance } from '../../src/core/assurance.js';
import { buildIdentity, type Identity } from '../../src/core/identity.js';
import { judge } from '../../src/pipeline/evaluate.js';
import { storeLimits } from '../../src/pipeline/runtime.js';
import { RiskEngine } from '../../src/risk/engine.js';
import { MemoryStateStore } from '../../src/state/memory.js';
import { kubeGet, SECRETS } from '../support/risk-world.js';

/**
 * `issuers[].subject_case` (session 51): the risk history is keyed by issuer and subject. An IdP
 * that sends `Alice@corp.example` one day and `alice@corp.example` the next made a newcomer of the
 * second (its sign-in hours old: asked). Folding the case is right only where the IdP's subjects
 * name one account in any case, so it is the issuer's setting: `insensitive` shares the history;
 * `exact` (the default) keeps case-variant subjects apart, so that where they are distinct people
 * one cannot prove its own network and have the other's stolen token pass there.
 */

const ISS = 'https://login.corp.example';
const cfg = (subjectCase: string) =>
  parseConfig(
    `
issuers:
  - { issuer: ${ISS}, audiences: [k]${subjectCase === '' ? '' : `, subject_case: ${subjectCase}`} }
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
    'subject-case.yaml',
  );
const T = 1_800_000_000_000;
const H = 3_600_000;
const MAC = 'kubectl/v1.31.4 (darwin/arm64) kubernetes/a78aa47';
const HOME = '86.92.3.118';
const ATTACKER = '103.75.190.23';

function world(subjectCase: string) {
  const config = cfg(subjectCase);
  const assurance = compileAssurance(config.assurance.levels);
  const engine = new RiskEngine({ risk: config.risk!, network: config.network, onStateError: 'fail_closed', assurance, store: new MemoryStateStore(storeLimits(config)!, { maxSubjects: 10 }), fallback: new MemoryStateStore(storeLimits(config)!, { maxSubjects: 10 }) });
  /** A token as the verifier builds it for this issuer's configuration. */
  const token = (sub: string, authMs: number): Identity => buildIdentity(config.issuers[0]!, sub, { sub, iss: ISS, acr: 'a2', auth_time: Math.floor(authMs / 1000), sid: `${sub}-${authMs}` }, assurance, config.identity_headers);
  const check = async (ip: string, who: Identity, at: number) => {
    const out = await engine.assess(kubeGet(ip, MAC), who, SECRETS, at);
    if (!out.ok) return 'state_unavailable';
    const v = judge(out.requirement, who, at, kubeGet(ip, MAC), false, { assurance }, out.risk);
    if (v.allow && out.learn) engine.learned(out.learn, at);
    return v.reason;
  };
  return { token, check };
}

describe('issuers[].subject_case', () => {
  it('insensitive: Alice one day and alice the next are one history (no newcomer friction); exact asks the second spelling', async () => {
    const answers: Record<string, string[]> = {};
    for (const c of ['insensitive', 'exact', ''] as const) {
      const { token, check } = world(c);
      const seen: string[] = [];
      for (const day of [0, 24 * H]) seen.push(await check(HOME, token('Alice@Corp.example', T + day - 40_000), T + day));
      // The next morning the IdP spells the subject in lower case; the sign-in is 5 hours old.
      seen.push(await check(HOME, token('alice@corp.example', T + 48 * H - 5 * H), T + 48 * H));
      answers[c] = seen;
    }
    expect(answers.insensitive).toEqual(['allowed', 'allowed', 'allowed']);
    expect(answers.exact).toEqual(['allowed', 'allowed', 'auth_too_old']);
    expect(answers['']).toEqual(answers.exact);
  });

  it("exact (the default): a case-variant account proving its own network does not make it the other's", async () => {
    for (const c of ['exact', ''] as const) {
      const { token, check } = world(c);
      // The victim, two days at home.
      for (const day of [0, 24 * H]) expect(await check(HOME, token('alice@corp.example', T + day - 40_000), T + day)).toBe('allowed');
      // A distinct person at an IdP where case makes another account: proves the attacker's network with a fresh sign-in.
      expect(await check(ATTACKER, token('Alice@corp.example', T + 48 * H - 40_000), T + 48 * H)).toBe('allowed');
      // The victim's stolen token (signed in this morning) used from that network: asked.
      expect(await check(ATTACKER, token('alice@corp.example', T + 48 * H - 3 * H), T + 48 * H + 60_000)).toBe('auth_too_old');
    }
    // Where the site says the IdP folds case (one account), the other spelling is the same person:
    // no newcomer allowance at a new network (asked), and what it proves there is the person's own.
    const { token, check } = world('insensitive');
    for (const day of [0, 24 * H]) expect(await check(HOME, token('alice@corp.example', T + day - 40_000), T + day)).toBe('allowed');
    expect(await check(ATTACKER, token('Alice@corp.example', T + 48 * H - 40_000), T + 48 * H)).toBe('auth_too_old');
    expect(await check(ATTACKER, token('Alice@corp.example', T + 48 * H + 30_000), T + 48 * H + 40_000)).toBe('allowed');
    expect(await check(ATTACKER, token('alice@corp.example', T + 48 * H - 3 * H), T + 48 * H + 60_000)).toBe('allowed');
  });
});
