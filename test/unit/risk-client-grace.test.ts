import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/load.js';
import { compileAssurance } from '../../src/core/assurance.js';
import type { Identity } from '../../src/core/identity.js';
import { judge } from '../../src/pipeline/evaluate.js';
import { storeLimits } from '../../src/pipeline/runtime.js';
import type { Requirement } from '../../src/policy/policy.js';
import type { RequestAttributes } from '../../src/request/attributes.js';
import { kubeRequestInfo } from '../../src/request/kube.js';
import { RiskEngine, type RiskOutcome } from '../../src/risk/engine.js';
import { MemoryStateStore } from '../../src/state/memory.js';
import { TEST_LIMITS } from '../support/state-config.js';

/**
 * `risk.learn.client_grace_seconds` (docs/risk.md, `ua_family_change`): a kind of client first seen
 * at most that long after the login's sign-in is proven by it, beside a kind already proven; the
 * newcomer's rules are unchanged, and a kind first seen later still needs a sign-in after it.
 */

const yaml = (grace: number, trusted = '') => `
issuers: [{ issuer: https://idp.test, audiences: [k] }]
assurance: { levels: [{ name: aal1, acr: [a1] }, { name: aal2, acr: [a2] }] }
policy: { default: { require: aal1 } }
network: { xff_num_trusted_hops: 1 }
risk:
  trusted_networks: [${trusted}]
  learn: { min_level: aal2, newcomer_grace_seconds: 600, client_grace_seconds: ${grace} }
`;
const T = 1_800_000_000_000;
const M = 60_000;
const HOME = '203.0.113.7';
const KUBECTL = 'kubectl/v1.32.4 (linux/amd64) kubernetes/abc1234';
const KERNEL = 'OpenAPI-Generator/31.0.0/python';
const BASE: Requirement = Object.freeze({ deny: false, denyMessage: undefined, level: 0, maxAge: 43_200, rules: ['default'], sensitivity: 0 });

const token = (authTime: number, subject = 'alice'): Identity =>
  Object.freeze({
    subject, issuer: 'https://idp.test', groups: [], acr: 'a2', amr: [], authTime,
    expiresAt: Infinity, level: 1, levelName: 'aal2', session: 'sid-1', upstreamHeaders: [],
  });

function req(ua: string, path = '/api/v1/namespaces/dev/pods'): RequestAttributes {
  return {
    method: 'GET', target: path, path, query: '', host: 'kube', authority: 'kube', scheme: 'https',
    headers: new Map([['x-forwarded-for', HOME], ['user-agent', ua]]),
    spoofedIdentityHeaders: [], sourceAddress: '10.0.0.5', clientResolved: false, sourcePrincipal: '',
    contextExtensions: {}, kube: kubeRequestInfo('GET', path, '', () => undefined), body: undefined, bodyTruncated: false,
  } as RequestAttributes;
}

function world(grace: number, trusted = '') {
  const config = parseConfig(yaml(grace, trusted), 'client-grace.yaml');
  const assurance = compileAssurance(config.assurance.levels);
  const store = new MemoryStateStore({ ...TEST_LIMITS, knownTtlSeconds: 86_400, behaviour: storeLimits(config)!.behaviour }, { maxSubjects: 100 });
  const engine = new RiskEngine({ risk: config.risk!, network: config.network, onStateError: 'fail_closed', assurance, store, fallback: store });
  return (r: RequestAttributes, who: Identity, atMs: number) => {
    const out = engine.assess(r, who, BASE, atMs) as RiskOutcome;
    if (!out.ok) throw new Error(out.detail);
    const v = judge(out.requirement, who, atMs, r, false, { assurance }, out.risk);
    if (v.allow && out.learn) engine.learned(out.learn, atMs);
    if (!v.allow) engine.recordDenial(who, atMs, r);
    return { v, out };
  };
}

/** Alice signed in at T - 40 s; kubectl at T proves the interactive kind and her home network. */
function morning(grace: number) {
  const check = world(grace);
  const signedIn = token(T / 1000 - 40);
  const first = check(req(KUBECTL), signedIn, T);
  expect(first.v.allow).toBe(true);
  expect(first.out.learn).toMatchObject({ client: 'interactive' });
  return { check, signedIn };
}

describe('risk.learn.client_grace_seconds', () => {
  it('a notebook kernel opened 25 minutes after the sign-in is proven by it, and learned', () => {
    const { check, signedIn } = morning(3600);
    const kernel = check(req(KERNEL), signedIn, T + 25 * M);
    expect(kernel.v.allow).toBe(true);
    expect(kernel.out.risk.contributions.map((c) => c.code)).toContain('ua_family_change');
    expect(kernel.out.learn).toMatchObject({ client: 'other:openapi-generator' });
    // Learned: the kernel's next request is no new client.
    const next = check(req(KERNEL), signedIn, T + 26 * M);
    expect(next.v.allow).toBe(true);
    expect(next.out.risk.contributions.map((c) => c.code)).not.toContain('ua_family_change');
  });

  it('a kind first seen past the grace needs a sign-in after its first sighting, as without it', () => {
    const { check, signedIn } = morning(3600);
    const at = T + 3 * 60 * M;
    const late = check(req('python-requests/2.32.3'), signedIn, at);
    expect(late.v.allow).toBe(false);
    expect(late.v.reason).toBe('auth_too_old');
    expect(late.out.risk.context?.code).toBe('ua_family_change');
    // Bound to the grace before the first sighting: a sign-in at most an hour before it.
    expect(late.out.requirement.authAfter).toBe(at / 1000 - 3600);
    expect(late.out.learn?.client ?? '').toBe('');
  });

  it('0 (the default) asks for a sign-in after the first sighting, however soon after the sign-in', () => {
    const { check, signedIn } = morning(0);
    const at = T + 25 * M;
    const kernel = check(req(KERNEL), signedIn, at);
    expect(kernel.v.allow).toBe(false);
    expect(kernel.out.requirement.authAfter).toBe(at / 1000);
    expect(parseConfig(yaml(0).replace(', client_grace_seconds: 0', ''), 'c.yaml').risk!.learn.client_grace_seconds).toBe(0);
  });

  it("leaves a newcomer's first kind to the newcomer's allowance", () => {
    // Nothing proven yet, on a trusted network where nothing challenges the first request: 20
    // minutes after the sign-in is past newcomer_grace_seconds (600), so it proves no kind, client
    // grace or not (it is a grace for a kind beside a proven one, what ua_family_change fires on).
    const check = world(3600, '203.0.113.0/24');
    const first = check(req(KUBECTL), token(T / 1000 - 20 * 60, 'bob'), T);
    expect(first.v.allow).toBe(true);
    expect(first.out.learn?.client ?? '').toBe('');
  });
});
