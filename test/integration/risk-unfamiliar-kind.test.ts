import { describe, expect, it } from 'vitest';
import { deniedBody, reasonOf, type CheckResponse } from '../support/grpc-client.js';
import { exampleServiceForFile } from '../support/workday-service.js';
import type { Login } from '../support/workday.js';

/**
 * `unfamiliar_kind` through the real gRPC server running examples/stepgate.yaml on a virtual
 * clock: an identity that only ever looks (days 11, 15 and 16: a team lead's k9s review, a SOC
 * analyst, support on tickets) has a working set of namespaces, so a token taken from it read
 * Secrets there unasked. Now its first Secret read, once its history is a day old, needs a
 * sign-in after it; that sign-in teaches the kind. A history younger than min_history_seconds
 * (a fresh server, a first day) is never asked, and an engineer who read Secrets yesterday is not.
 */

const s = exampleServiceForFile();
const T0 = Date.UTC(2027, 2, 29, 8, 0, 0);
const HOUR = 3_600_000;
const HOME = '84.120.7.30';
const KUBECTL = 'kubectl/v1.32.3 (darwin/arm64) kubernetes/32cc146';
const aal2 = (sub: string, n: number, atMs: number): Login => ({ sub, sid: `${sub}:${n}`, authTime: Math.floor(atMs / 1000), acr: 'urn:stepgate:aal2' });

function send(login: Login, at: number, path: string): Promise<CheckResponse> {
  return s.sendAt(login, at, { method: 'GET', path, source: HOME, headers: { 'user-agent': KUBECTL } });
}

/** A day of looking in `search`: pods and events every hour from 08:00 to 15:00, and Secrets too when `secrets`. */
async function day(sub: string, secrets: boolean): Promise<void> {
  const morning = aal2(sub, 1, T0 - 40_000);
  for (let k = 0; k < 8; k++) {
    for (const path of ['/api/v1/namespaces/search/pods', '/api/v1/namespaces/search/events']) {
      const res = await send(morning, T0 + k * HOUR + (path.endsWith('events') ? 5_000 : 0), path);
      expect(res.status.code, `${path}: ${reasonOf(res)}`).toBe(0);
    }
  }
  if (secrets) expect((await send(morning, T0 + 2 * HOUR + 60_000, '/api/v1/namespaces/search/secrets/search-db')).status.code).toBe(0);
}

describe('unfamiliar_kind: the first Secret read of an identity with a history', () => {
  it('an analyst with a day of pod reads reading a Secret is challenged; the sign-in is allowed and teaches it', async () => {
    const sub = 'analyst@example.io';
    await day(sub, false);
    const next = T0 + 24 * HOUR;
    const today = aal2(sub, 2, next - 40_000);
    expect((await send(today, next, '/api/v1/namespaces/search/pods')).status.code).toBe(0);
    const at = next + 5 * HOUR;
    const res = await send(today, at, '/api/v1/namespaces/search/secrets/search-db');
    expect(reasonOf(res)).toBe('auth_too_old');
    const body = deniedBody(res) as { kind: string; message: string; stepgate: { risk: { context: { code: string; message: string } } } };
    expect(body.stepgate.risk.context.code).toBe('unfamiliar_kind');
    expect(body.stepgate.risk.context.message).toBe('get secrets in namespace search: you have not read Secrets before; sign in again');
    expect(body.message).toContain('Get secrets in namespace search: you have not read Secrets before; sign in again.');
    // The same token a minute later: the refused read taught nothing.
    expect(reasonOf(await send(today, at + 60_000, '/api/v1/namespaces/search/secrets/search-db'))).toBe('auth_too_old');
    // The sign-in the challenge asks for is allowed, and later Secret reads with it are too.
    const fresh = aal2(sub, 3, at + 90_000);
    expect((await send(fresh, at + 100_000, '/api/v1/namespaces/search/secrets/search-db')).status.code).toBe(0);
    expect((await send(fresh, at + 2 * HOUR, '/api/v1/namespaces/search/secrets/search-tls')).status.code).toBe(0);
  });

  it('the same on a fresh server (a history hours old) is allowed', async () => {
    const sub = 'newcomer@example.io';
    await day(sub, false);
    const login = aal2(sub, 2, T0 + 6 * HOUR);
    const res = await send(login, T0 + 7 * HOUR, '/api/v1/namespaces/search/secrets/search-db');
    expect(res.status.code, reasonOf(res)).toBe(0);
  });

  it('an engineer who read Secrets yesterday is allowed', async () => {
    const sub = 'engineer@example.io';
    await day(sub, true);
    const next = T0 + 24 * HOUR;
    const today = aal2(sub, 2, next - 40_000);
    expect((await send(today, next, '/api/v1/namespaces/search/pods')).status.code).toBe(0);
    const res = await send(today, next + 5 * HOUR, '/api/v1/namespaces/search/secrets/search-db');
    expect(res.status.code, reasonOf(res)).toBe(0);
  });
});
