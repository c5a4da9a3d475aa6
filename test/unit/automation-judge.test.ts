import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { loadConfigFile, parseConfig } from '../../src/config/load.js';
import type { Config } from '../../src/config/schema.js';
import { explain } from '../../src/explain.js';
import { compileAssurance } from '../../src/core/assurance.js';
import type { Identity } from '../../src/core/identity.js';
import { judge } from '../../src/pipeline/evaluate.js';
import type { Requirement } from '../../src/policy/policy.js';

/**
 * Automation identities without auth_time (issue 16): admitted at the everyday requirement on the
 * strength of their verified credential, never treated as freshly authenticated above it. Judged
 * here through `explain` (the server's own check() on hand-written claims) with the example
 * policy as shipped, and through `judge` for the whole space of requirements.
 */

const EXAMPLE = new URL('../../examples/stepgate.yaml', import.meta.url).pathname;
const K8S = 'https://kubernetes.default.svc.cluster.local';
const NOW = Date.UTC(2026, 11, 2, 3, 0, 0);
const POD = '10.42.3.17';

/** A projected service-account token's claims, as kube-apiserver issues them: no acr, amr or auth_time. */
function saClaims(sub = 'system:serviceaccount:ci:deployer'): Record<string, unknown> {
  const [, , ns, name] = sub.split(':');
  const iat = NOW / 1000 - 60;
  return {
    iss: K8S,
    aud: [K8S],
    sub,
    iat,
    nbf: iat,
    exp: iat + 3607,
    'kubernetes.io': { namespace: ns, serviceaccount: { name, uid: '2f6c3e0a-5b1d-4c8e-9f7a-1b2c3d4e5f60' }, pod: { name: `${name}-7d4b9c-x2x9k`, uid: '9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d' } },
  };
}

/** A human's token from the demo IdP, signed in an hour ago with one factor. */
function humanClaims(extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { iss: 'http://127.0.0.1:9000', aud: 'kubernetes', sub: 'alice', acr: 'urn:stepgate:aal1', amr: ['pwd'], auth_time: NOW / 1000 - 3600, iat: NOW / 1000 - 60, exp: NOW / 1000 + 600, ...extra };
}

async function decide(config: Config, method: string, path: string, claims: Record<string, unknown>) {
  // From a pod's address (the example's trusted_networks): without one, the request would be one
  // without a client address, a new network that automation can never prove (risk/signals/network.ts).
  const out = (await explain(config, { method, url: `https://kube.localhost${path}`, headers: [], claims, source: POD }, { now: () => NOW, env: {} })) as {
    decision: { allow: boolean; reason: string; detail: string };
  };
  return out.decision;
}

describe('a service-account token under examples/stepgate.yaml', () => {
  const config = loadConfigFile(EXAMPLE);

  it.each([
    ['discovery', 'GET', '/api'],
    ['discovery of a group', 'GET', '/apis/apps/v1'],
    ['the version', 'GET', '/version'],
    ['a plain read', 'GET', '/api/v1/namespaces/ci/pods'],
    ['a plain write outside prod', 'POST', '/api/v1/namespaces/ci/configmaps'],
  ])('passes on %s (the everyday requirement)', async (_what, method, path) => {
    const d = await decide(config, method, path, saClaims());
    expect(d).toMatchObject({ allow: true, reason: 'allowed' });
  });

  it.each([
    ['a Secret read (aal2)', 'GET', '/api/v1/namespaces/ci/secrets/db', /presented none \(automation, admitted at the everyday aal1\), required aal2/],
    ['a prod write (aal2)', 'DELETE', '/api/v1/namespaces/prod/pods/web-0', /required aal2/],
    ['an RBAC write (aal3)', 'POST', '/apis/rbac.authorization.k8s.io/v1/clusterrolebindings', /required aal3/],
    ['a pod shell (aal2)', 'GET', '/api/v1/namespaces/ci/pods/web-0/exec?command=sh', /required aal2/],
  ])('is refused with automation_step_up on %s, saying what was needed', async (_what, method, path, detail) => {
    const d = await decide(config, method, path, saClaims());
    expect(d.allow).toBe(false);
    expect(d.reason).toBe('automation_step_up');
    expect(d.detail).toMatch(detail);
    expect(d.detail).toContain('no approvals are configured (automation.approver)');
  });

  it('a denying rule still denies it (policy_deny, not a step-up)', async () => {
    expect((await decide(config, 'GET', '/api/v1/nodes/n1/proxy/metrics', saClaims())).reason).toBe('policy_deny');
  });

  it('a human without auth_time is still never fresh: auth_time_missing, a step-up they can do', async () => {
    const d = await decide(config, 'GET', '/api/v1/namespaces/ci/pods', humanClaims({ auth_time: undefined }));
    expect(d).toMatchObject({ allow: false, reason: 'auth_time_missing' });
    expect(d.detail).toContain('max_age 43200s needs auth_time');
  });

  it('a token that is not automation gains nothing from looking like one (no acr: acr_insufficient)', async () => {
    // The same shape from the human issuer: `automation` names only the cluster's issuer.
    const d = await decide(config, 'GET', '/api', { ...saClaims(), iss: 'http://127.0.0.1:9000', aud: 'kubernetes' });
    expect(d).toMatchObject({ allow: false, reason: 'acr_insufficient' });
  });

  it('with an approver configured, the same refusals become pending approvals instead', async () => {
    const withApprover = parseConfig(
      `${readExample()
        .replace('  issuers: [https://kubernetes.default.svc.cluster.local]\n', '  issuers: [https://kubernetes.default.svc.cluster.local]\n  approver: { level: aal2 }\n')
        .replace('stepup:\n', 'stepup:\n  oidc: { issuer: "http://127.0.0.1:9000", client_id: stepgate, client_secret_env: S, redirect_uri: "http://127.0.0.1:8080/.stepgate/callback", allow_insecure_http: true }\n  session: { keys_env: K }\n')}`,
      'example-with-approver.yaml',
    );
    expect(withApprover.automation!.approver).toBeDefined();
    const out = (await explain(withApprover, { method: 'GET', url: 'https://kube.localhost/api/v1/namespaces/ci/secrets/db', headers: [], claims: saClaims() }, {
      now: () => NOW,
      env: { S: 'x', K: `k1:${Buffer.alloc(32, 7).toString('base64url')}` },
    })) as { decision: { reason: string } };
    expect(out.decision.reason).toBe('approval_required');
  });
});

function readExample(): string {
  return readFileSync(EXAMPLE, 'utf8');
}

describe('judge: automation without auth_time, over every requirement', () => {
  const assurance = compileAssurance([
    { name: 'aal1', acr: ['a1'], amr: [], combine: 'any' },
    { name: 'aal2', acr: ['a2'], amr: [], combine: 'any' },
    { name: 'aal3', acr: ['a3'], amr: [], combine: 'any' },
  ]);
  const bot: Identity = Object.freeze({
    source: 'token',
    subject: 'system:serviceaccount:ci:deployer',
    issuer: K8S,
    groups: [],
    acr: undefined,
    amr: [],
    authTime: undefined,
    expiresAt: NOW + 3_600_000,
    level: -1,
    levelName: 'none',
    session: '',
    automation: true,
    upstreamHeaders: [],
  });
  const human: Identity = Object.freeze({ ...bot, automation: false });
  const need = (level: number, maxAge: number | undefined): Requirement => ({ deny: false, denyMessage: undefined, level, maxAge, rules: ['r'], sensitivity: 0 });
  const everydayArb = fc.record({ level: fc.integer({ min: -1, max: 2 }), maxAge: fc.option(fc.integer({ min: 1, max: 86_400 }), { nil: undefined }) });
  const needArb = fc.tuple(fc.integer({ min: -1, max: 2 }), fc.option(fc.integer({ min: 0, max: 172_800 }), { nil: undefined }));

  it('allows exactly when the requirement is at or below the everyday one', () => {
    fc.assert(
      fc.property(everydayArb, needArb, (everyday, [level, maxAge]) => {
        const v = judge(need(level, maxAge), bot, NOW, undefined, false, { assurance, policy: { everyday } });
        const withinLevel = level <= Math.max(everyday.level, -1);
        const withinAge = maxAge === undefined || (everyday.maxAge !== undefined && maxAge >= everyday.maxAge);
        expect(v.allow).toBe(withinLevel && withinAge);
        if (!v.allow) expect(['acr_insufficient', 'auth_time_missing']).toContain(v.reason);
      }),
    );
  });

  it('a human without auth_time is never admitted under any max_age, whatever the everyday', () => {
    fc.assert(
      fc.property(everydayArb, fc.integer({ min: 0, max: 172_800 }), (everyday, maxAge) => {
        const v = judge(need(-1, maxAge), human, NOW, undefined, false, { assurance, policy: { everyday } });
        expect(v.reason).toBe('auth_time_missing');
      }),
    );
  });

  it('an automation token that does carry auth_time is judged by it, like anyone', () => {
    const old = { ...bot, authTime: NOW / 1000 - 7200 };
    expect(judge(need(-1, 3600), old, NOW, undefined, false, { assurance, policy: { everyday: { level: 0, maxAge: 43_200 } } }).reason).toBe('auth_too_old');
  });
});
