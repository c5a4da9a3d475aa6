import { describe, expect, it } from 'vitest';
import { deniedBody, reasonOf, type CheckResponse } from '../support/grpc-client.js';
import { exampleServiceForFile } from '../support/workday-service.js';
import type { Login } from '../support/workday.js';

/**
 * What the seventh replayed day (test/support/workday7.ts, docs/risk.md "Day 7") found allowed,
 * through the real gRPC server running examples/stepgate.yaml on a virtual clock.
 *
 * A kind of client never proven for the engineer binds the requirement to a sign-in after it
 * appeared (`ua_family_change`). Two clients were no change: one that sends no User-Agent at all,
 * and any agent stepgate does not name once the engineer had proven one such agent (Terraform's
 * provider, "HashiCorp/1.0 Terraform/…", counted as `other`). And a workload written in a
 * namespace outside the engineer's working set (a Job in another team's staging namespace that
 * prints that team's Secret) was no sensitive action at all: a workload handed a Secret now is one,
 * for the working set, as reading that Secret is.
 */

const s = exampleServiceForFile();
const T0 = Date.UTC(2027, 2, 29, 7, 0, 0);
const HOME = '84.120.7.30';
const KUBECTL = 'kubectl/v1.32.3 (darwin/arm64) kubernetes/32cc146';


function send(login: Login, at: number, path: string, ua: string | undefined, method = 'GET'): Promise<CheckResponse> {
  return s.sendAt(login, at, { method, path, source: HOME, ...(ua === undefined ? { omitHeaders: ['user-agent'] } : { headers: { 'user-agent': ua } }) });
}

function contextOf(res: CheckResponse): string | undefined {
  const body = deniedBody(res);
  const payload = (body.kind === 'Status' ? body.stepgate : body) as { risk?: { context?: { code: string } } };
  return payload.risk?.context?.code;
}

/** A morning: signed in 40 s before the first request, kubectl (and `tool`, when given, after signing in again for it) in the team's namespace. */
async function morning(sub: string, tool?: string): Promise<Login> {
  const login: Login = { sub, sid: `${sub}:1`, authTime: Math.floor((T0 - 40_000) / 1000), acr: 'urn:stepgate:aal2' };
  for (const [k, path] of ['/api/v1/namespaces/search/pods', '/api/v1/namespaces/search/secrets/search-db', '/api/v1/namespaces/prod-search/secrets/search-db'].entries()) {
    const res = await send(login, T0 + k * 5_000, path, KUBECTL);
    expect(res.status.code, `${path}: ${reasonOf(res)}`).toBe(0);
  }
  if (tool === undefined) return login;
  // The tool's first use is a client never proven: its owner signs in again, as the challenge asks.
  const asked = await send(login, T0 + 20_000, '/api/v1/namespaces/search/secrets/search-tls', tool);
  expect(contextOf(asked)).toBe('ua_family_change');
  const again: Login = { ...login, authTime: Math.floor((T0 + 40_000) / 1000) };
  const res = await send(again, T0 + 45_000, '/api/v1/namespaces/search/secrets/search-tls', tool);
  expect(res.status.code, reasonOf(res)).toBe(0);
  return again;
}

describe('a kind of client never proven, with examples/stepgate.yaml', () => {
  it('a client that sends no User-Agent is a new client: refused at its first Secret, in a namespace the engineer works in', async () => {
    const login = await morning('no-agent@example.io');
    // Two hours later, with the same token, from the same laptop and network: kubectl still passes.
    expect((await send(login, T0 + 2 * 3_600_000, '/api/v1/namespaces/search/secrets/search-db', KUBECTL)).status.code).toBe(0);
    const res = await send(login, T0 + 2 * 3_600_000 + 7_000, '/api/v1/namespaces/search/secrets', undefined);
    expect(reasonOf(res)).toBe('auth_too_old');
    expect(contextOf(res)).toBe('ua_family_change');
  });

  it("an agent stepgate does not name is no longer vouched for by Terraform's provider", async () => {
    const login = await morning('terraform-user@example.io', 'HashiCorp/1.0 Terraform/1.9.8');
    const later = T0 + 3 * 3_600_000;
    // Terraform again (another release) is the client proven this morning.
    expect((await send(login, later, '/api/v1/namespaces/search/secrets/search-tls', 'HashiCorp/1.0 Terraform/1.10.2')).status.code).toBe(0);
    // Malware with a client of its own, on the same laptop, with the same token.
    const res = await send(login, later + 7_000, '/api/v1/namespaces/search/secrets', 'kube-sync/0.4.2');
    expect(reasonOf(res)).toBe('auth_too_old');
    expect(contextOf(res)).toBe('ua_family_change');
  });

  it('an agent proven this morning stays proven across its versions', async () => {
    const login = await morning('sync-user@example.io', 'kube-sync/0.4.2');
    expect((await send(login, T0 + 3 * 3_600_000, '/api/v1/namespaces/search/secrets', 'kube-sync/0.5.0')).status.code).toBe(0);
  });
});

describe('a workload handed a Secret, with examples/stepgate.yaml', () => {
  const job = (ns: string, spec: Record<string, unknown>) =>
    JSON.stringify({ apiVersion: 'batch/v1', kind: 'Job', metadata: { name: 'db-check', namespace: ns }, spec: { template: { spec: { restartPolicy: 'Never', ...spec } } } });
  const printsEnv = (from: Record<string, unknown>) => ({ containers: [{ name: 'check', image: 'busybox:1.37', command: ['sh', '-c', 'env'], ...from }] });

  const create = (login: Login, at: number, ns: string, body: string): Promise<CheckResponse> =>
    s.sendAt(login, at, {
      method: 'POST', path: `/apis/batch/v1/namespaces/${ns}/jobs`, source: HOME,
      headers: { 'user-agent': KUBECTL, 'content-type': 'application/json', 'x-envoy-auth-partial-body': 'false' }, body,
    });

  it.each<[string, Record<string, unknown>]>([
    ['envFrom secretRef', printsEnv({ envFrom: [{ secretRef: { name: 'payments-db' } }] })],
    ['env secretKeyRef', printsEnv({ env: [{ name: 'PW', valueFrom: { secretKeyRef: { name: 'payments-db', key: 'password' } } }] })],
    ['a secret volume', { ...printsEnv({ volumeMounts: [{ name: 's', mountPath: '/s' }] }), volumes: [{ name: 's', secret: { secretName: 'payments-db' } }] }],
    ['a projected volume', { ...printsEnv({}), volumes: [{ name: 's', projected: { sources: [{ secret: { name: 'payments-db' } }] } }] }],
    ['an init container', { initContainers: [{ name: 'i', image: 'busybox:1.37', envFrom: [{ secretRef: { name: 'payments-db' } }] }], ...printsEnv({}) }],
  ])("a Job in another team's namespace handed its Secret (%s), with a sign-in 3 hours old, is asked for a sign-in that says why", async (_how, spec) => {
    const login = await morning(`job-${_how.replace(/\W/g, '')}@example.io`);
    const res = await create(login, T0 + 3 * 3_600_000, 'payments-staging', job('payments-staging', spec));
    expect(reasonOf(res)).toBe('auth_too_old');
    expect(contextOf(res)).toBe('unfamiliar_namespace');
    expect(JSON.stringify(deniedBody(res))).toContain('create jobs handed Secret payments-db in namespace payments-staging');
  });

  it("controls: the same Job without a Secret there, and with one in the engineer's own namespace, are allowed", async () => {
    const login = await morning('job-control@example.io');
    expect(reasonOf(await create(login, T0 + 3 * 3_600_000, 'payments-staging', job('payments-staging', printsEnv({}))))).toBe('allowed');
    expect(reasonOf(await create(login, T0 + 3 * 3_600_000 + 5_000, 'search', job('search', printsEnv({ envFrom: [{ secretRef: { name: 'search-db' } }] }))))).toBe('allowed');
  });
});
