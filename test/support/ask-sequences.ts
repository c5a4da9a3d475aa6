import { expect } from 'vitest';
import { deniedBody, reasonOf, type CheckResponse } from './grpc-client.js';
import type { exampleServiceForFile } from './workday-service.js';
import type { Login } from './workday.js';

/**
 * Sequences over virtual time against the example service (test/integration/risk-redteam-sequences
 * and attack-session37-surfaces): an engineer with a day of routine work behind them, the reads a
 * laptop's malware makes, and sign-ins that name the ask they answer (risk/ask.ts).
 */

export const T0 = Date.UTC(2027, 4, 4, 8, 0, 0);
export const S = 1000;
export const M = 60 * S;
export const H = 60 * M;
export const HOME = '84.120.7.30';
export const KUBECTL = 'kubectl/v1.32.3 (linux/amd64) kubernetes/32cc146';
export const REFUSED = ['acr_insufficient', 'auth_too_old', 'risk_deny', 'policy_deny'];

export const secret = (ns: string, name: string) => `/api/v1/namespaces/${ns}/secrets/${name}`;

export function sequences(s: ReturnType<typeof exampleServiceForFile>) {
  const get = (login: Login, at: number, path: string, source = HOME, ua = KUBECTL): Promise<CheckResponse> =>
    s.sendAt(login, at, { method: 'GET', path, source, headers: { 'user-agent': ua } });

  /**
   * An engineer with a day of routine work at home behind them (Secrets and pods of prod-cart and
   * cart-dev, the day before), signed in with two factors at 08:00 today.
   */
  async function engineer(sub: string): Promise<Login> {
    const y: Login = { sub, sid: `${sub}:y`, authTime: Math.floor((T0 - 24 * H) / 1000), acr: 'urn:stepgate:aal2' };
    for (let k = 0; k < 6; k++) {
      const at = T0 - 24 * H + M + k * 20 * M;
      expect(reasonOf(await get(y, at, '/api/v1/namespaces/prod-cart/pods'))).toBe('allowed');
      expect(reasonOf(await get(y, at + 10 * S, secret('prod-cart', 'cart-db')))).toBe('allowed');
      expect(reasonOf(await get(y, at + 20 * S, secret('cart-dev', 'cart-db')))).toBe('allowed');
    }
    const login: Login = { sub, sid: `${sub}:1`, authTime: Math.floor(T0 / 1000), acr: 'urn:stepgate:aal2' };
    expect(reasonOf(await get(login, T0 + 30 * S, '/api/v1/namespaces/prod-cart/pods'))).toBe('allowed');
    return login;
  }

  /** Sends `paths` at the given offsets from `at`; the index of the first refused, or -1. */
  async function firstRefused(login: Login, at: number, rows: readonly (readonly [number, string])[], source = HOME): Promise<{ index: number; reasons: string[] }> {
    const reasons: string[] = [];
    for (const [k, [dt, path]] of rows.entries()) {
      const r = reasonOf(await get(login, at + dt, path, source)) ?? 'none';
      reasons.push(r);
      if (REFUSED.includes(r)) return { index: k, reasons };
    }
    return { index: -1, reasons };
  }

  /** Asserts that the rows are refused (a step-up or a deny) at or before the 0-based `last`. */
  async function refusedBy(login: Login, at: number, rows: readonly (readonly [number, string])[], last: number, source = HOME): Promise<void> {
    const { index, reasons } = await firstRefused(login, at, rows, source);
    expect(index, reasons.join(',')).toBeGreaterThanOrEqual(0);
    expect(index, reasons.join(',')).toBeLessThanOrEqual(last);
  }

  return { get, engineer, firstRefused, refusedBy };
}

/** The same person signing in again at `ms` (a new IdP session). */
export const signedIn = (login: Login, ms: number): Login => ({ ...login, sid: `${login.sub}:${ms}`, authTime: Math.floor(ms / 1000) });

/** The ask id a refused request's step-up carries (the Status' `stepgate.risk.context.ask`). */
export function askOf(res: CheckResponse): string {
  const ask = (deniedBody(res).stepgate as { risk?: { context?: { ask?: string } } } | undefined)?.risk?.context?.ask;
  expect(ask, 'the step-up names its ask').toMatch(/^[0-9a-z]+[ro][A-Za-z0-9_-]+$/);
  return ask!;
}

/** Signed in again at `ms` by the credential plugin, answering `ask`: the ID token's nonce names it. */
export const answering = (login: Login, ms: number, ask: string): Login => ({ ...signedIn(login, ms), claims: { nonce: `${ask}.n${ms}` } });
