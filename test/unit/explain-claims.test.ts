import { describe, expect, it } from 'vitest';
import { loadConfigFile } from '../../src/config/load.js';
import { explain } from '../../src/explain.js';

/**
 * `stepgate explain --claims` reads hand-written claims as the verifier reads a verified token's
 * (identity/verifier.ts): a sender-constrained token is no bearer token, and an auth_time long
 * after iat is no later sign-in than iat allows (core/auth-time.ts). Against the bundled example,
 * from the office, at a fixed clock.
 */
const EXAMPLE = new URL('../../examples/stepgate.yaml', import.meta.url).pathname;
const NOW = Date.parse('2026-12-07T06:30:00Z');
const S = NOW / 1000;

async function secretRead(claims: Record<string, unknown>) {
  const out = await explain(
    loadConfigFile(EXAMPLE),
    {
      method: 'GET',
      url: 'https://kube.localhost/api/v1/namespaces/prod-eu/secrets/db',
      headers: [],
      claims: { iss: 'http://127.0.0.1:9000', sub: 'alice@example.com', acr: 'urn:stepgate:aal2', amr: ['pwd', 'mfa'], groups: ['engineers'], exp: S + 600, ...claims },
      source: '10.20.4.17',
    },
    { now: () => NOW },
  );
  return out.decision.reason;
}

describe('explain reads hand-written claims as the verifier does', () => {
  it('a cnf claim that names no thumbprint is token_invalid', async () => {
    expect(await secretRead({ iat: S - 60, auth_time: S - 60, cnf: { jkt: 'abc' } })).toBe('token_invalid');
  });
  it('a DPoP-bound token (cnf.jkt) given as claims is the Bearer token explain sends: dpop_proof_missing', async () => {
    expect(await secretRead({ iat: S - 60, auth_time: S - 60, cnf: { jkt: '0ZcOCORZNYy-DWpqq30jZyJGHTN0d2HglBV3uiguA4I' } })).toBe('dpop_proof_missing');
  });
  it('auth_time a minute ago on a token issued 9 h ago is read as 8 h 55 min old: auth_too_old for the 8-hour rule', async () => {
    expect(await secretRead({ iat: S - 9 * 3600, auth_time: S - 60 })).toBe('auth_too_old');
  });
  it("control: Entra's shape (iat five minutes back) and a plain fresh sign-in are allowed", async () => {
    expect(await secretRead({ iat: S - 300, auth_time: S - 5 })).toBe('allowed');
    expect(await secretRead({ iat: S - 60, auth_time: S - 60 })).toBe('allowed');
  });
});

describe('explain refuses the clients and claims the verifier refuses (claims50)', () => {
  async function withIssuer(extra: string, claims: Record<string, unknown>) {
    const config = loadConfigFile(EXAMPLE);
    const iss = { ...config.issuers[0]!, ...(JSON.parse(extra) as object) };
    const out = await explain(
      { ...config, issuers: [iss, ...config.issuers.slice(1)] },
      { method: 'GET', url: 'https://kube.localhost/api/v1/namespaces/dev/pods', headers: [], claims: { iss: 'http://127.0.0.1:9000', sub: 'alice@example.com', acr: 'urn:stepgate:aal2', amr: ['pwd', 'mfa'], iat: S - 60, auth_time: S - 60, exp: S + 600, ...claims }, source: '10.20.4.17' },
      { now: () => NOW },
    );
    return out.decision.reason;
  }
  it('a token of another repository owner is client_not_allowed, as the server answers', async () => {
    expect(await withIssuer('{"required_claims":{"repository_owner":["finco"]}}', { repository_owner: 'octo-attacker' })).toBe('client_not_allowed');
    expect(await withIssuer('{"required_claims":{"repository_owner":["finco"]}}', { repository_owner: 'finco' })).toBe('allowed');
  });
  it('a token issued to a client authorized_parties does not list is client_not_allowed', async () => {
    expect(await withIssuer('{"authorized_parties":["kubelogin"]}', { azp: 'calendar-sync-addon' })).toBe('client_not_allowed');
    expect(await withIssuer('{"authorized_parties":["kubelogin"]}', { azp: 'kubelogin' })).toBe('allowed');
  });
});
