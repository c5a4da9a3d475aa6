import { describe, expect, it } from 'vitest';
import { AMR, builtServerForFile, freshSubjects, KUBE, OFFICE, reason, type Level } from '../support/built-server.js';
import { deniedBody, deniedHeader, type CheckResponse } from '../support/grpc-client.js';
import { checkRequest } from '../support/requests.js';

/**
 * A step-up for a fresher sign-in keeps the level the presented token has (policy.keptLevel),
 * black-box against the built server with the example policy: a platform engineer signed in with
 * a hardware key an hour ago deletes a production Deployment (`prod-durable-deletes`: two factors
 * within 15 min). The challenge still says the request needs aal2, and asks the sign-in for aal3:
 * the RFC 9470 header's acr_values, the body's `sign_in`, the step-up URL's `sign_in_level`,
 * kubectl's Status line. Without it the engineer signs in with two factors as asked, and their
 * next request that needs the key (istio-system's Secrets: `system-secrets`, a hardware key within
 * 8 h) asks for the key again (day 8's platform engineers, docs/risk.md "Session 29").
 * A key sign-in older than every rule that asks for the key (8 h in the example) is not asked
 * again for a two-factor request: that sign-in has expired for all of them.
 */

const built = builtServerForFile('keeplevel');
const subjects = freshSubjects(() => built().issuer, 'keeplevel');
const KUBECTL = 'kubectl/v1.31.0 (linux/amd64) kubernetes/abcdef';
const DELETE = '/apis/apps/v1/namespaces/prod-eu/deployments/cart-api';

type Payload = { required?: { level?: string; max_age?: number }; presented?: { level?: string }; sign_in?: { level?: string; acr_values?: string }; step_up_url?: string; hint?: string };

/** The engineer's routine read first (the laptop known), then `method path` with the same token. */
async function asked(level: 'aal2' | 'aal3', age: number, method: string, path: string, headers: Record<string, string> = {}): Promise<CheckResponse> {
  const token = await subjects.tokenOf(level, age);
  const own = await built().client.check(checkRequest({ host: KUBE, source: OFFICE, path: '/api/v1/namespaces/dev/pods?limit=500', token, headers: { 'user-agent': KUBECTL } }));
  expect(reason(own), 'the routine read before').toBe('allowed');
  return built().client.check(checkRequest({ host: KUBE, source: OFFICE, method, path, token, headers: { 'user-agent': KUBECTL, ...headers } }));
}

function payload(res: CheckResponse): Payload & { message: string } {
  const body = deniedBody(res) as { message: string; stepgate: Payload };
  return { ...body.stepgate, message: body.message };
}

/** The level an RFC 9470 client signs in at: the first (preferred) of the challenge's acr_values. */
function levelAsked(res: CheckResponse): Level {
  const acr = /acr_values="([^" ]*)/.exec(deniedHeader(res, 'www-authenticate') ?? '')?.[1];
  expect(acr, 'acr_values in the challenge').toMatch(/^urn:stepgate:aal[123]$/);
  return acr!.slice('urn:stepgate:'.length) as Level;
}

describe('a step-up for a fresher sign-in keeps the token\'s higher level', () => {
  it('asks a hardware-key sign-in an hour old for the key again, so the next request that needs the key passes', async () => {
    // Day 8's platform engineer: a hardware key for istio-system at 06:36, istioctl's first
    // cluster-wide Secret list an hour later (the cluster_secret_list signal: a sign-in after it).
    const sub = subjects.subject();
    const signIn = (level: Level, age: number) => built().issuer.token({ sub, email: sub, acr: `urn:stepgate:${level}`, amr: AMR[level], auth_time: subjects.now() - age });
    const send = (token: string, path: string) => built().client.check(checkRequest({ host: KUBE, source: OFFICE, path, token, headers: { 'user-agent': KUBECTL } }));
    const key = await signIn('aal3', 3600);
    expect(reason(await send(key, '/api/v1/namespaces/istio-system/secrets/cacerts')), 'the key sign-in reads the mesh CA').toBe('allowed');
    const list = await send(key, '/api/v1/secrets?limit=500');
    expect(reason(list)).toBe('auth_too_old');
    const p = payload(list);
    expect(p.required, 'what the list needs').toEqual({ level: 'aal2', max_age: 900 });
    expect(p.sign_in, 'what the sign-in is asked for').toEqual({ level: 'aal3', acr_values: 'urn:stepgate:aal3 3' });
    expect(deniedHeader(list, 'www-authenticate')).toContain('acr_values="urn:stepgate:aal3 3", max_age=900');
    // The engineer signs in as asked, and goes on.
    const again = await signIn(levelAsked(list), 0);
    expect(reason(await send(again, '/api/v1/secrets?limit=500')), 'the list after the sign-in').toBe('allowed');
    expect(reason(await send(again, '/api/v1/namespaces/istio-system/secrets/istio-ca-secret')), 'the next read that needs the key').toBe('allowed');
  });

  it('says the request needs two factors and the sign-in is asked for the key (the Status kubectl prints, the step-up URL)', async () => {
    const res = await asked('aal3', 3600, 'DELETE', DELETE);
    expect(reason(res)).toBe('auth_too_old');
    const p = payload(res);
    // A delete where the engineer has not worked: a sign-in made after now (max_age 0).
    expect(p.required).toEqual({ level: 'aal2', max_age: 0 });
    expect(p.presented).toEqual({ level: 'aal3' });
    expect(p.sign_in).toEqual({ level: 'aal3', acr_values: 'urn:stepgate:aal3 3' });
    expect(deniedHeader(res, 'www-authenticate')).toContain('acr_values="urn:stepgate:aal3 3", max_age=0');
    const url = new URL(p.step_up_url!);
    expect([url.searchParams.get('level'), url.searchParams.get('sign_in_level')]).toEqual(['aal2', 'aal3']);
    expect(p.message).toMatch(
      /^stepgate: step-up needed for delete deployments\.apps cart-api in namespace prod-eu: sign in again at level aal3 \(hardware-bound, phishing-resistant\) to keep your sign-in's level \(this request alone needs aal2, two factors\), made after \d\d:\d\d:\d\dZ; your sign-in is from \S+ \(auth_too_old\)\. /,
    );
    expect(p.hint).toBe('The stepgate credential plugin steps up when this command fails: run it again, or first: kubectl stepgate login --level aal3');
  });

  it('asks two factors only when the key sign-in is older than every rule that asks for the key (8 h)', async () => {
    const res = await asked('aal3', 8 * 3600 + 600, 'DELETE', DELETE);
    expect(reason(res)).toBe('auth_too_old');
    const p = payload(res);
    expect(p.required).toEqual({ level: 'aal2', max_age: 0 });
    expect(p.sign_in).toBeUndefined();
    expect(deniedHeader(res, 'www-authenticate')).toContain('acr_values="urn:stepgate:aal2 2", max_age=0');
    expect(new URL(p.step_up_url!).searchParams.get('sign_in_level')).toBeNull();
    expect(p.message).toContain('sign in again at level aal2 (two factors), made after');
  });

  it('asks a two-factor sign-in what the request needs', async () => {
    const res = await asked('aal2', 3600, 'DELETE', DELETE);
    expect(reason(res)).toBe('auth_too_old');
    expect(payload(res).sign_in).toBeUndefined();
    expect(deniedHeader(res, 'www-authenticate')).toContain('acr_values="urn:stepgate:aal2 2"');
  });

  it('sends a browser to the step-up page with the level to ask for', async () => {
    const res = await asked('aal3', 3600, 'DELETE', DELETE, { accept: 'text/html', 'sec-fetch-mode': 'navigate' });
    const location = deniedHeader(res, 'location');
    expect(location, 'a redirect').toBeDefined();
    const q = new URL(location!).searchParams;
    expect([q.get('level'), q.get('sign_in_level')]).toEqual(['aal2', 'aal3']);
  });
});
