import { describe, expect, it } from 'vitest';
import { deniedBody, reasonOf, type CheckResponse } from '../support/grpc-client.js';
import { exampleServiceForFile } from '../support/workday-service.js';
import type { Login } from '../support/workday.js';

/**
 * A lower environment of an application the identity works in is no unfamiliar namespace
 * (risk.signals.unfamiliar_namespace.environments, docs/risk.md "Lower environments of the working
 * set"), through the real gRPC server running examples/stepgate.yaml on a virtual clock: on a
 * first day, a fifth of the routine `unfamiliar_namespace` challenges were a prod engineer opening
 * their own app's staging Secret hours after signing in. A move up (dev → prod), to another team's
 * namespace, and a delete in the lower environment are still asked.
 */

const s = exampleServiceForFile();
const T0 = Date.UTC(2027, 2, 29, 8, 0, 0);
const HOME = '84.120.7.31';
const KUBECTL = 'kubectl/v1.32.3 (darwin/arm64) kubernetes/32cc146';
const HOUR = 3_600_000;

function send(login: Login, at: number, path: string, method = 'GET'): Promise<CheckResponse> {
  return s.sendAt(login, at, { method, path, source: HOME, headers: { 'user-agent': KUBECTL } });
}

/** A sign-in 40 s before T0, and the namespaces worked in right after it (learned into the working set). */
async function morning(sub: string, namespaces: string[]): Promise<Login> {
  const login: Login = { sub, sid: `${sub}:1`, authTime: Math.floor((T0 - 40_000) / 1000), acr: 'urn:stepgate:aal2' };
  for (const [k, ns] of namespaces.entries()) {
    const res = await send(login, T0 + k * 5_000, `/api/v1/namespaces/${ns}/secrets/app-db`);
    expect(res.status.code, `${ns}: ${reasonOf(res)}`).toBe(0);
  }
  return login;
}

function context(res: CheckResponse): { code: string; message: string } | undefined {
  return (deniedBody(res) as { stepgate?: { risk?: { context?: { code: string; message: string } } } }).stepgate?.risk?.context;
}

describe('a lower environment of a namespace in the working set is not unfamiliar', () => {
  it("a prod engineer reads their own app's staging Secret hours after the sign-in: allowed, and learned", async () => {
    const login = await morning('ledger-eng@example.io', ['prod-ledger']);
    const res = await send(login, T0 + 3 * HOUR, '/api/v1/namespaces/ledger-staging/secrets/app-db');
    expect(res.status.code, reasonOf(res)).toBe(0);
    // A name without an environment is the top tier's lower one too (prod-ledger covers ledger).
    expect((await send(login, T0 + 3 * HOUR + 60_000, '/api/v1/namespaces/ledger/secrets/app-db')).status.code).toBe(0);
    // Learned by the allowed read: a shell there next is in the working set.
    expect((await send(login, T0 + 3 * HOUR + 120_000, '/api/v1/namespaces/ledger-staging/pods/api-0/exec?command=sh&stdin=true&tty=true', 'POST')).status.code).toBe(0);
  });

  it('a delete in the lower environment keeps no grace: it is still asked', async () => {
    const login = await morning('ledger-ops@example.io', ['prod-ledger']);
    const res = await send(login, T0 + 3 * HOUR, '/api/v1/namespaces/ledger-dev/secrets/old-cert', 'DELETE');
    expect(reasonOf(res)).toBe('auth_too_old');
    expect(context(res)?.code).toBe('unfamiliar_namespace');
    // A read there is not a delete: covered.
    expect((await send(login, T0 + 3 * HOUR + 30_000, '/api/v1/namespaces/ledger-dev/secrets/app-db')).status.code).toBe(0);
  });

  it('a dev engineer reaching the same application in prod is asked, as before', async () => {
    const login = await morning('payments-dev@example.io', ['payments-dev', 'payments-staging']);
    const res = await send(login, T0 + 3 * HOUR, '/api/v1/namespaces/payments-prod/secrets/app-db');
    expect(reasonOf(res)).toBe('auth_too_old');
    expect(context(res)?.code).toBe('unfamiliar_namespace');
    // A staging engineer's plain `payments` may be production: asked too.
    expect(context(await send(login, T0 + 3 * HOUR + 30_000, '/api/v1/namespaces/payments/secrets/app-db'))?.code).toBe('unfamiliar_namespace');
  });

  it("malware on a prod engineer's laptop reading another team's staging Secret is asked, as before", async () => {
    const login = await morning('ledger-sre@example.io', ['prod-ledger']);
    const res = await send(login, T0 + 3 * HOUR, '/api/v1/namespaces/payments-staging/secrets/app-db');
    expect(reasonOf(res)).toBe('auth_too_old');
    expect(context(res)?.code).toBe('unfamiliar_namespace');
    // So is an application whose name only begins with the same letters: a token is whole.
    expect(context(await send(login, T0 + 3 * HOUR + 30_000, '/api/v1/namespaces/ledgers-staging/secrets/app-db'))?.code).toBe('unfamiliar_namespace');
  });
});

/**
 * An application's components (risk.signals.unfamiliar_namespace.components, docs/risk.md "An
 * application's components"): on a first day, day 2's engineers working in `prod-payments` were
 * asked for a sign-in at their first Secret or rollout in `prod-payments-batch` hours later.
 */
describe("a component of an application in the working set is not unfamiliar", () => {
  it('a prod engineer reads the batch component’s Secret hours after the sign-in, and its regional namespace: allowed', async () => {
    const login = await morning('pay-eng@example.io', ['prod-payments']);
    const res = await send(login, T0 + 3 * HOUR, '/api/v1/namespaces/prod-payments-batch/secrets/app-db');
    expect(res.status.code, reasonOf(res)).toBe(0);
    expect((await send(login, T0 + 3 * HOUR + 30_000, '/api/v1/namespaces/payments-batch-staging/secrets/app-db')).status.code).toBe(0);
    expect((await send(login, T0 + 3 * HOUR + 60_000, '/api/v1/namespaces/payments-prod-euw1/secrets/app-db')).status.code).toBe(0);
  });

  it('a delete there is still asked; so is a component one tier up, and the application from its component', async () => {
    const login = await morning('pay-ops@example.io', ['prod-payments', 'payments-dev']);
    const del = await send(login, T0 + 3 * HOUR, '/api/v1/namespaces/prod-payments-batch/secrets/old-cert', 'DELETE');
    expect(reasonOf(del)).toBe('auth_too_old');
    expect(context(del)?.code).toBe('unfamiliar_namespace');
    const dev = await morning('pay-dev@example.io', ['payments-dev', 'prod-payments-batch']);
    expect(context(await send(dev, T0 + 3 * HOUR, '/api/v1/namespaces/payments-worker-prod/secrets/app-db'))?.code).toBe('unfamiliar_namespace');
    // A component covers no other part of its application: prod-payments-batch is not prod-payments.
    expect(context(await send(dev, T0 + 3 * HOUR + 30_000, '/api/v1/namespaces/prod-payments/secrets/app-db'))?.code).toBe('unfamiliar_namespace');
  });
});
