import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { loadConfigFile } from '../../src/config/load.js';
import { compileAssurance } from '../../src/core/assurance.js';
import type { Identity } from '../../src/core/identity.js';
import { explain } from '../../src/explain.js';
import { judge } from '../../src/pipeline/evaluate.js';
import { compilePolicy, keptLevel, type Requirement } from '../../src/policy/policy.js';

/**
 * A step-up for a fresher sign-in asks for the presented token's own level when it is above the
 * request's and a rule at that level still accepts the sign-in's age (policy.keptLevel): never
 * below the requirement, never above the token, never for automation.
 */

const EXAMPLE = new URL('../../examples/stepgate.yaml', import.meta.url).pathname;
const config = loadConfigFile(EXAMPLE);
const assurance = compileAssurance(config.assurance.levels);
const policy = compilePolicy(config, assurance);
const NOW = Date.UTC(2026, 11, 2, 9, 0, 0);
const NOW_S = NOW / 1000;

const LEVEL = fc.constantFrom(-1, 0, 1, 2);
const LASTS = fc.array(fc.constantFrom(-1, 0, 300, 900, 28_800, 43_200, Infinity), { minLength: 3, maxLength: 3 });
const AUTH_TIME = fc.option(fc.integer({ min: NOW_S - 86_400, max: NOW_S }), { nil: undefined });

function identity(level: number, authTime: number | undefined, automation = false): Identity {
  return {
    source: 'token',
    subject: 'alice',
    issuer: 'https://idp.invalid',
    groups: [],
    acr: undefined,
    amr: [],
    authTime,
    expiresAt: Number.MAX_SAFE_INTEGER,
    level,
    levelName: level < 0 ? 'none' : assurance.names[level]!,
    session: 'alice',
    upstreamHeaders: [],
    automation,
  } as Identity;
}

function need(level: number, maxAge: number | undefined, authAfter?: number): Requirement {
  return { deny: false, denyMessage: undefined, level, maxAge, rules: ['r'], sensitivity: 0, authAfter };
}

describe('keptLevel', () => {
  it('is never below the required level, never above the token\'s, and only a level a rule still accepts the sign-in at (property)', () => {
    fc.assert(
      fc.property(LEVEL, LEVEL, AUTH_TIME, LASTS, fc.boolean(), (required, held, authTime, lasts, automation) => {
        const asked = keptLevel(required, { level: held, authTime, automation }, NOW_S, lasts);
        expect(asked).toBeGreaterThanOrEqual(required);
        expect(asked).toBeLessThanOrEqual(Math.max(required, held));
        if (automation) expect(asked).toBe(required);
        const age = authTime === undefined ? Infinity : NOW_S - authTime;
        if (asked > required) expect(lasts[asked]).toBeGreaterThanOrEqual(age);
      }),
    );
  });

  it('from the example: a hardware key lasts the 8 h of its longest rules (system-secrets, system-pod-access), two factors and one 12 h', () => {
    expect(policy.levelLasts).toEqual([43_200, 43_200, 28_800]);
  });
});

describe('judge: the level a step-up asks the sign-in for', () => {
  it('is never below the required level, and set only on a step-up for freshness of a token above it (property)', () => {
    fc.assert(
      fc.property(LEVEL, LEVEL, AUTH_TIME, fc.constantFrom(undefined, 0, 300, 900, 28_800), fc.option(fc.integer({ min: NOW_S - 3600, max: NOW_S }), { nil: undefined }), (required, held, authTime, maxAge, authAfter) => {
        const v = judge(need(required, maxAge, authAfter), identity(held, authTime), NOW, undefined, true, { assurance, policy });
        if (v.signIn === undefined) return;
        expect(v.allow).toBe(false);
        expect(['auth_too_old', 'auth_time_missing']).toContain(v.reason);
        expect(v.signIn).toBeGreaterThan(required);
        expect(v.signIn).toBeLessThanOrEqual(held);
      }),
    );
  });

  it('asks a key sign-in an hour old for the key again on a two-factor request; one 8 h 10 min old, two factors', () => {
    const fresh = judge(need(1, 900), identity(2, NOW_S - 3600), NOW, undefined, true, { assurance, policy });
    expect([fresh.reason, fresh.signIn]).toEqual(['auth_too_old', 2]);
    expect(fresh.detail).toBe('authenticated 3600s ago, max_age 900s; asking for aal3, the level of this sign-in');
    const old = judge(need(1, 900), identity(2, NOW_S - 29_400), NOW, undefined, true, { assurance, policy });
    expect([old.reason, old.signIn]).toEqual(['auth_too_old', undefined]);
  });

  it('asks the requirement of automation and of a token at or below it', () => {
    expect(judge(need(1, 900), identity(2, NOW_S - 3600, true), NOW, undefined, true, { assurance, policy }).signIn).toBeUndefined();
    expect(judge(need(2, 900), identity(2, NOW_S - 3600), NOW, undefined, true, { assurance, policy }).signIn).toBeUndefined();
    expect(judge(need(2, 900), identity(1, NOW_S - 60), NOW, undefined, true, { assurance, policy }).signIn).toBeUndefined();
  });
});

describe('explain', () => {
  it('names the level the sign-in is asked for', async () => {
    const claims = { iss: 'http://127.0.0.1:9000', aud: 'kubernetes', sub: 'alice', acr: 'urn:stepgate:aal3', amr: ['hwk', 'mfa'], auth_time: NOW_S - 3600, iat: NOW_S - 60, exp: NOW_S + 600 };
    const out = (await explain(config, { method: 'DELETE', url: 'https://kube.localhost/apis/apps/v1/namespaces/prod-eu/deployments/cart-api', headers: [], claims }, { now: () => NOW, env: {} })) as {
      decision: { reason: string; sign_in_level?: string };
      response: { headers: Record<string, string> };
    };
    expect(out.decision.reason).toBe('auth_too_old');
    expect(out.decision.sign_in_level).toBe('aal3');
    expect(out.response.headers['www-authenticate']).toContain('acr_values="urn:stepgate:aal3 3"');
  });
});
