import { describe, expect, it } from 'vitest';
import { deniedBody, reasonOf, type CheckResponse } from '../support/grpc-client.js';
import { exampleServiceForFile } from '../support/workday-service.js';
import type { Login } from '../support/workday.js';

/**
 * The unfamiliar-namespace grace is bounded per sign-in (risk.signals.unfamiliar_namespace
 * .grace_namespaces, 5 by default), through the real gRPC server running examples/stepgate.yaml on
 * a virtual clock: day 7's malware that waits for the engineer's fresh sign-in and then lists
 * Secrets in other teams' namespaces at a person's pace, from the engineer's own laptop, network
 * and kubectl, was never stopped (every namespace was first seen within the hour after the
 * sign-in, and each read taught it). Now the sixth namespace that sign-in enters needs a sign-in
 * after it was first seen, and the caller is told why.
 */

const s = exampleServiceForFile();
const T0 = Date.UTC(2027, 2, 29, 7, 0, 0);
const HOME = '84.120.7.30';
const KUBECTL = 'kubectl/v1.32.3 (darwin/arm64) kubernetes/32cc146';


function send(login: Login, at: number, path: string): Promise<CheckResponse> {
  return s.sendAt(login, at, { method: 'GET', path, source: HOME, headers: { 'user-agent': KUBECTL } });
}

describe('one sign-in enters at most grace_namespaces namespaces outside the working set under the grace', () => {
  it('a fresh sign-in reads Secrets in five unfamiliar namespaces; the sixth is challenged, and says why', async () => {
    const sub = 'mover@example.io';
    // The morning: the engineer's own team's namespaces, learned.
    const morning: Login = { sub, sid: `${sub}:1`, authTime: Math.floor((T0 - 40_000) / 1000), acr: 'urn:stepgate:aal2' };
    for (const [k, path] of ['/api/v1/namespaces/search/pods', '/api/v1/namespaces/search/secrets/search-db', '/api/v1/namespaces/prod-search/secrets/search-db'].entries()) {
      const res = await send(morning, T0 + k * 5_000, path);
      expect(res.status.code, `${path}: ${reasonOf(res)}`).toBe(0);
    }
    // 13:00: signed out and in again (new groups); from 13:00:30, one namespace every 40 s.
    const signIn = T0 + 6 * 3_600_000;
    const fresh: Login = { sub, sid: `${sub}:2`, authTime: Math.floor(signIn / 1000), acr: 'urn:stepgate:aal2' };
    const at = (k: number) => signIn + 30_000 + k * 40_000;
    for (const [k, ns] of ['prod-payments', 'prod-identity', 'prod-ledger', 'prod-fraud', 'prod-risk'].entries()) {
      const res = await send(fresh, at(k), `/api/v1/namespaces/${ns}/secrets`);
      expect(res.status.code, `${ns}: ${reasonOf(res)}`).toBe(0);
    }
    const res = await send(fresh, at(5), '/api/v1/namespaces/prod-checkout/secrets');
    expect(reasonOf(res)).toBe('auth_too_old');
    const body = deniedBody(res) as { kind: string; message: string; stepgate: { risk: { context: { code: string; since: string; message: string } } } };
    expect(body.kind).toBe('Status');
    const why = 'list secrets in namespace prod-checkout, where you have not worked: the 6th namespace entered since the sign-in at 13:00:00Z (5 allowed per sign-in)';
    // With the step-up's ask id (src/risk/ask.ts), which a sign-in made for it names.
    expect(body.stepgate.risk.context).toEqual({ code: 'unfamiliar_namespace', since: new Date(at(5)).toISOString(), message: `${why}; sign in again`, ask: expect.stringMatching(/^[0-9a-z]+o[A-Za-z0-9_-]{20}$/) });
    // kubectl prints the Status message: the reason is in it, and the sign-in that answers it.
    expect(body.message).toContain(`List secrets in namespace prod-checkout, where you have not worked: the 6th namespace entered since the sign-in at 13:00:00Z (5 allowed per sign-in); sign in again.`);
    expect(body.message).toMatch(/^stepgate: step-up needed for list secrets in namespace prod-checkout: sign in again at level aal2 \(two factors\), made after 13:03:50Z; your sign-in is from \d{4}-\d\d-\d\dT13:00:00Z \(auth_too_old\)\. /);
    // The namespaces entered under the grace were learned: the same token goes on there.
    expect((await send(fresh, at(6), '/api/v1/namespaces/prod-payments/secrets')).status.code).toBe(0);
    // A sign-in after the first sighting (what the challenge asks for) proves prod-checkout, and
    // covers the namespaces it enters next, up to five again.
    const again: Login = { ...fresh, sid: `${sub}:3`, authTime: Math.floor(at(7) / 1000) };
    expect((await send(again, at(7) + 20_000, '/api/v1/namespaces/prod-checkout/secrets')).status.code).toBe(0);
    expect((await send(again, at(8), '/api/v1/namespaces/vault/secrets')).status.code).toBe(0);
    // The older sign-in still has no grace left.
    expect(reasonOf(await send(fresh, at(9), '/api/v1/namespaces/prod-orders/secrets'))).toBe('auth_too_old');
  });
});
