import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CheckClient, deniedBody, reasonOf } from '../support/grpc-client.js';
import { TestIssuer } from '../support/issuer.js';
import { startServiceProcess } from '../support/process.js';
import { checkRequest } from '../support/requests.js';
import { exampleYaml } from '../support/workday-service.js';

/**
 * Issue 12, item 6: a single replica's history survives a restart. The real `stepgate serve`, with
 * the bundled example and STEPGATE_STATE_SNAPSHOT (what deploy/overlays/single-replica sets), is
 * stopped with SIGTERM and started again: an engineer whose network and laptop it had learned goes
 * on without a sign-in. The same restart without the snapshot is the control: the engineer is asked
 * again, because a history that is gone proves nothing.
 */

const KUBECTL = 'kubectl/v1.32.4 (linux/amd64) kubernetes/5f8c2b1';
let issuer: TestIssuer;
let dir: string;
let config: string;
const sec = () => Math.floor(Date.now() / 1000);

beforeAll(async () => {
  issuer = await TestIssuer.start();
  dir = mkdtempSync(join(tmpdir(), 'stepgate-restart-'));
  config = join(dir, 'stepgate.yaml');
  writeFileSync(config, exampleYaml(issuer.url));
});

afterAll(async () => {
  await issuer?.close();
  rmSync(dir, { recursive: true, force: true });
});

/** Starts the real process, runs `body` with a client, then SIGTERM (which writes the snapshot) and waits for exit 0. */
async function session<T>(env: NodeJS.ProcessEnv, body: (send: (token: string) => ReturnType<CheckClient['check']>) => Promise<T>, path = '/api/v1/namespaces/shop/secrets/db'): Promise<T> {
  const proc = await startServiceProcess(config, { STEPGATE_GRPC_LISTEN: '127.0.0.1:0', STEPGATE_METRICS_LISTEN: 'off', STEPGATE_HTTP_LISTEN: 'off', ...env });
  const client = new CheckClient(proc.port);
  try {
    // A Secret in the engineer's team namespace, from their home network (not a trusted one), with kubectl.
    return await body((token) => client.check(checkRequest({ host: 'kube.localhost', path, source: '198.51.100.23', token, headers: { 'user-agent': KUBECTL } })));
  } finally {
    client.close();
    proc.child.kill('SIGTERM');
    expect((await proc.exited).code).toBe(0);
  }
}

const engineer = (sub: string, authAgoSeconds: number) =>
  issuer.token({ sub, email: sub, acr: 'urn:stepgate:aal2', amr: ['pwd', 'otp', 'mfa'], auth_time: sec() - authAgoSeconds });

describe('a restart of a single replica', () => {
  it('keeps what it learned with STEPGATE_STATE_SNAPSHOT: no sign-in asked of a known engineer afterwards', { timeout: 120_000 }, async () => {
    const file = join(dir, 'state.json');
    const env = { STEPGATE_STATE_SNAPSHOT: file };
    // Signed in a minute ago, on the home network: allowed, and the network and laptop are learned.
    expect(reasonOf(await session(env, async (send) => send(await engineer('ann@example.com', 60))))).toBe('allowed');
    expect(statSync(file).mode & 0o777).toBe(0o600);
    // Three hours later (the same sign-in, well within the Secrets rule's 8 hours), after a restart.
    const after = await session(env, async (send) => send(await engineer('ann@example.com', 3 * 3600)));
    expect(reasonOf(after)).toBe('allowed');
  });

  it("keeps the working set's families: a lower environment of a namespace learned before the restart is not unfamiliar after it", { timeout: 120_000 }, async () => {
    const file = join(dir, 'families.json');
    const env = { STEPGATE_STATE_SNAPSHOT: file };
    expect(reasonOf(await session(env, async (send) => send(await engineer('cat@example.com', 60)), '/api/v1/namespaces/prod-shop/secrets/db'))).toBe('allowed');
    // Three hours after the sign-in, the same application's staging: first seen now, two hours past
    // the grace, and covered by prod-shop, which the snapshot kept with its family.
    const after = await session(env, async (send) => send(await engineer('cat@example.com', 3 * 3600)), '/api/v1/namespaces/shop-staging/secrets/db');
    expect(reasonOf(after), JSON.stringify(deniedBody(after))).toBe('allowed');
  });

  it('without the snapshot, the same restart asks the same engineer again (the control)', { timeout: 120_000 }, async () => {
    expect(reasonOf(await session({}, async (send) => send(await engineer('bob@example.com', 60))))).toBe('allowed');
    const after = await session({}, async (send) => send(await engineer('bob@example.com', 3 * 3600)));
    expect(reasonOf(after)).toBe('auth_too_old');
    expect(JSON.stringify(deniedBody(after))).toMatch(/new_network|first_seen/);
  });
});
