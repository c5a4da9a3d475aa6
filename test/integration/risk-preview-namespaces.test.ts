import { describe, expect, it } from 'vitest';
import { deniedBody, reasonOf, type CheckResponse } from '../support/grpc-client.js';
import { exampleServiceForFile } from '../support/workday-service.js';
import type { Login } from '../support/workday.js';

/**
 * A preview environment's namespace deleted when its pull request is merged (day 9's
 * `kubectl delete namespace pr-<n>`), through the real gRPC server running examples/stepgate.yaml
 * on a virtual clock. The example's `guardrails.namespaces` override asks it what a Secret asks in
 * a quiet context (two factors within 8 hours) instead of `delete_protected`'s hardware key within
 * 5 minutes; any other namespace's delete keeps the hardware key, and a preview outside the
 * working set still needs a sign-in after its first sighting.
 */

const s = exampleServiceForFile();
const T0 = Date.UTC(2027, 3, 6, 8, 0, 0);
const H = 3_600_000;
const OFFICE = '84.120.7.31';
const KUBECTL = 'kubectl/v1.32.3 (linux/amd64) kubernetes/32cc146';

function send(login: Login, at: number, method: string, path: string): Promise<CheckResponse> {
  return s.sendAt(login, at, { method, path, source: OFFICE, headers: { 'user-agent': KUBECTL } });
}

function payload(res: CheckResponse): { guardrails?: { code: string }[]; required?: { level?: string } } {
  const body = deniedBody(res);
  return (body.kind === 'Status' ? body.stepgate : body) as never;
}

/** Signed in at 08:00 with two factors; a Secret read in each namespace of their working set. */
async function morning(sub: string, namespaces: string[]): Promise<Login> {
  const login: Login = { sub, sid: `${sub}:1`, authTime: Math.floor(T0 / 1000), acr: 'urn:stepgate:aal2' };
  for (const [k, ns] of namespaces.entries()) {
    const res = await send(login, T0 + 60_000 + k * 5_000, 'GET', `/api/v1/namespaces/${ns}/secrets/app-db`);
    expect(res.status.code, `${ns}: ${reasonOf(res)}`).toBe(0);
  }
  return login;
}

describe('a preview namespace deleted, with examples/stepgate.yaml', () => {
  it('its own preview, six hours after the sign-in: allowed on two factors, no hardware key', async () => {
    const login = await morning('prev-1@example.io', ['web', 'pr-4711']);
    expect(reasonOf(await send(login, T0 + 6 * H, 'DELETE', '/api/v1/namespaces/pr-4711'))).toBe('allowed');
  });

  it('past the working day: two factors again, still not a hardware key', async () => {
    const login = await morning('prev-2@example.io', ['web', 'preview-88']);
    const res = await send(login, T0 + 9 * H, 'DELETE', '/api/v1/namespaces/preview-88');
    expect(reasonOf(res)).toBe('auth_too_old');
    expect(payload(res).required?.level).toBe('aal2');
  });

  it('any other namespace in the working set keeps delete_protected: a hardware key within 5 minutes', async () => {
    const login = await morning('prev-3@example.io', ['web', 'web-staging']);
    const res = await send(login, T0 + 2 * H, 'DELETE', '/api/v1/namespaces/web-staging');
    expect(reasonOf(res)).toBe('acr_insufficient');
    expect(payload(res).guardrails?.map((g) => g.code)).toContain('delete_protected');
    expect(payload(res).required?.level).toBe('aal3');
  });

  it('another team preview outside the working set: a sign-in after its first sighting', async () => {
    const login = await morning('prev-4@example.io', ['web', 'pr-4712']);
    expect(reasonOf(await send(login, T0 + 2 * H, 'DELETE', '/api/v1/namespaces/pr-9000'))).toBe('auth_too_old');
  });
});
