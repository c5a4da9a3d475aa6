import { readFileSync, writeFileSync } from 'node:fs';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { startDevIdp, type DevIdp } from '../../demo/idp.js';
import { parseConfig } from '../../src/config/load.js';
import { startService, type Service } from '../../src/main.js';
import { parseKeyList } from '../../src/cookies/keys.js';
import { ApprovalTokens } from '../../src/web/approvals/csrf.js';
import { Approver, approvalOf, approvalsConfigYaml } from '../support/approvals.js';
import { CheckClient, reasonOf, type CheckResponse } from '../support/grpc-client.js';
import { TestIssuer } from '../support/issuer.js';
import { checkRequest } from '../support/requests.js';
import { CLIENT_ID, CLIENT_SECRET, freePort, pageCode, stepupEnv } from '../support/stepup.js';
import { captureLog } from '../support/telemetry.js';
import { admin, adminToken, incidentConfigYaml, incidentEnv, kubeCheck, token as hsToken } from '../support/incident.js';
import { startRedis, type RedisServer } from '../support/redis.js';
import { AMR, builtServerForFile, ELSEWHERE, KUBE, OFFICE, reason } from '../support/built-server.js';

/**
 * Session 41's attacks on trust boundaries an operator cannot see (issue 12). Each row is an
 * attack that held, or one a fix in this session made hold.
 */

const DEPLOYMENTS = '/apis/apps/v1/namespaces/prod/deployments';
const BODY = JSON.stringify({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web', namespace: 'prod' } });
const ALICE = { user: 'alice', password: 'alice-password', otp: true };

/**
 * A person approving their own pipeline's request. A CI OIDC token's subject names the repository
 * and branch (`repo:acme/app:ref:refs/heads/main`), never a person, so comparing the approver with
 * it refused nobody: alice pushed, her pipeline was stopped for a step-up, and alice approved it.
 * `automation.acts_for` maps the claims that name the person the run is for (GitHub Actions'
 * `actor` and `triggering_actor`, GitLab's `user_email`) to the approver's subject or a claim of
 * their session; none of those people may approve, and they are bound into the approval id.
 */
describe('approvals: a person never approves the pipeline that runs for them (automation.acts_for)', () => {
  let idp: DevIdp;
  let gha: TestIssuer;
  let gitlab: TestIssuer;
  let other: TestIssuer;
  let service: Service;
  let client: CheckClient;
  let base: string;
  let human: Approver;
  let records: Record<string, unknown>[];
  let env: Record<string, string>;

  beforeAll(async () => {
    const httpPort = await freePort();
    idp = await startDevIdp({ clients: [{ client_id: CLIENT_ID, client_secret: CLIENT_SECRET, redirect_uris: [`http://127.0.0.1:${httpPort}/.stepgate/callback`] }] });
    [gha, gitlab, other] = await Promise.all([TestIssuer.start(), TestIssuer.start(), TestIssuer.start()]);
    const issuer = (url: string) => `  - issuer: ${url}\n    audiences: [kubernetes]\n    algorithms: [RS256]\n    fetch_timeout_ms: 20000\n`;
    const yaml = approvalsConfigYaml(
      idp.issuer,
      httpPort,
      gha.url,
      // GitLab's user_email against the approver's e-mail; a third CI whose approver claim the
      // identity provider does not send.
      `  acts_for:
    - issuer: ${gha.url}
      claims: [actor, triggering_actor]
    - issuer: ${gitlab.url}
      claims: [user_email]
      approver_claim: email
    - issuer: ${other.url}
      claims: [actor]
      approver_claim: github_login
`,
    )
      .replace('issuers:\n', `issuers:\n${issuer(gitlab.url)}${issuer(other.url)}`)
      .replace(`automation:\n  issuers: [${gha.url}]`, `automation:\n  issuers: [${gha.url}, ${gitlab.url}, ${other.url}]`);
    const cap = captureLog('info');
    records = cap.records;
    env = stepupEnv();
    service = await startService(parseConfig(yaml, 'acts-for.yaml'), env, cap.logger, {});
    client = new CheckClient(service.grpc.port);
    base = `http://127.0.0.1:${httpPort}`;
    human = new Approver(base, idp);
    await human.stepUp(`${base}/.stepgate/start?level=aal2&max_age=300`, ALICE);
  });

  afterAll(async () => {
    client?.close();
    await service?.stop();
    await Promise.all([gha?.close(), gitlab?.close(), other?.close()]);
    await idp?.close();
  });

  const pipeline = async (iss: TestIssuer, claims: Record<string, unknown>, fieldManager: string): Promise<CheckResponse> =>
    client.check(
      checkRequest({
        method: 'POST',
        path: `${DEPLOYMENTS}?fieldManager=${fieldManager}`,
        token: await iss.token({ sub: 'repo:acme/app:ref:refs/heads/main', aud: 'kubernetes', ...claims }),
        body: BODY,
        headers: { 'content-type': 'application/json' },
      }),
    );

  /** Alice's view of the approval: whether the page offers her the form, and what it says. */
  const aliceSees = async (id: string) => {
    const page = await human.get(`/.stepgate/approvals/${id}`);
    expect(page.status).toBe(200);
    return { form: page.body.includes('name="csrf"'), body: page.body };
  };

  it('alice pushed: her pipeline\'s request is pending and she cannot approve it, on the page or by a forged post', async () => {
    const first = await pipeline(gha, { actor: 'alice', triggering_actor: 'alice' }, 'own');
    expect(reasonOf(first)).toBe('approval_required');
    const { id } = approvalOf(first);
    const seen = await aliceSees(id);
    expect(seen.form).toBe(false);
    expect(seen.body).toContain('runs for you');
    expect(seen.body).toMatch(/id="stepgate-acts-for"><code>alice<\/code>/);
    // The page token of an approval she may decide, posted to hers: the token is per approval.
    const { id: bobs } = approvalOf(await pipeline(gha, { actor: 'bob', triggering_actor: 'bob' }, 'bobs'));
    const res = await human.post(id, { csrf: (await human.token(bobs))!, decision: 'approve' });
    expect(res.status).toBe(403);
    // A valid page token for her own approval (minted with the key list, as if the form had been
    // offered): the decision itself refuses her.
    const csrf = new ApprovalTokens(parseKeyList(env.SG_COOKIE_KEYS, 'SG_COOKIE_KEYS')).issue(human.session, id);
    const forged = await human.post(id, { csrf, decision: 'approve' });
    expect(forged.status).toBe(403);
    expect(pageCode(forged.body)).toBe('approval_forbidden');
    expect(records.find((r) => r.event === 'approval.refused' && r.approval_id === id && r.code === 'approval_forbidden')).toMatchObject({ automation: { acts_for: ['alice'] } });
    expect(reasonOf(await pipeline(gha, { actor: 'alice', triggering_actor: 'alice' }, 'own'))).toBe('approval_required');
  });

  it('a re-run: bob\'s workflow re-run by alice (triggering_actor) is hers too', async () => {
    const { id } = approvalOf(await pipeline(gha, { actor: 'bob', triggering_actor: 'alice' }, 'rerun'));
    expect((await aliceSees(id)).form).toBe(false);
  });

  it('names compare without case: a login typed ALICE is alice', async () => {
    const { id } = approvalOf(await pipeline(gha, { actor: 'ALICE', triggering_actor: 'ALICE' }, 'upper'));
    expect((await aliceSees(id)).form).toBe(false);
  });

  it('bob\'s pipeline: alice approves it, and the retry passes once', async () => {
    const first = await pipeline(gha, { actor: 'bob', triggering_actor: 'bob' }, 'bob-approved');
    const { id } = approvalOf(first);
    expect((await aliceSees(id)).form).toBe(true);
    const ok = await human.decide(id, 'approve');
    expect(ok.status, ok.body).toBe(200);
    expect(records.find((r) => r.event === 'approval.approved' && r.approval_id === id)).toMatchObject({ automation: { issuer: gha.url, subject: 'repo:acme/app:ref:refs/heads/main', acts_for: ['bob'] }, approver: { subject: 'alice' } });
    expect(reasonOf(await pipeline(gha, { actor: 'bob', triggering_actor: 'bob' }, 'bob-approved'))).toBe('allowed');
  });

  it('the same request from alice\'s run is another approval: she cannot approve bob\'s and use it herself', async () => {
    const bobs = approvalOf(await pipeline(gha, { actor: 'bob', triggering_actor: 'bob' }, 'same-request')).id;
    const hers = approvalOf(await pipeline(gha, { actor: 'alice', triggering_actor: 'alice' }, 'same-request')).id;
    expect(hers).not.toBe(bobs);
    expect((await human.decide(bobs, 'approve')).status).toBe(200);
    expect(reasonOf(await pipeline(gha, { actor: 'alice', triggering_actor: 'alice' }, 'same-request'))).toBe('approval_required');
  });

  it('a token that names nobody is offered no approval: nobody could be shown not to be its person', async () => {
    const res = await pipeline(gha, {}, 'nobody');
    expect(reasonOf(res)).not.toBe('allowed');
    expect(reasonOf(res)).not.toBe('approval_required');
    // A name too long to keep whole, or more people than fit, reads the same.
    expect(reasonOf(await pipeline(gha, { actor: 'a'.repeat(300) }, 'long'))).not.toBe('approval_required');
  });

  it('GitLab: user_email against the approver\'s e-mail claim, not her subject', async () => {
    const { id } = approvalOf(await pipeline(gitlab, { user_email: 'Alice@Example.test' }, 'gitlab-own'));
    expect((await aliceSees(id)).form).toBe(false);
    const { id: bobs } = approvalOf(await pipeline(gitlab, { user_email: 'bob@example.test' }, 'gitlab-bob'));
    expect((await aliceSees(bobs)).form).toBe(true);
  });

  it('an approver whose sign-in lacks the approver claim cannot be told apart, so is refused', async () => {
    const { id } = approvalOf(await pipeline(other, { actor: 'bob' }, 'no-claim'));
    const seen = await aliceSees(id);
    expect(seen.form).toBe(false);
    expect(seen.body).toContain('carries no github_login claim');
    const res = await human.post(id, { csrf: 'x', decision: 'approve' });
    expect(res.status).toBe(403);
    expect(pageCode(res.body)).toBe('approval_csrf');
  });
});

/**
 * Several issuers: a staging identity provider, or a multi-tenant one, whose users can be given any
 * `sub`. The built server with the example policy and a second issuer; its tokens carry the same
 * subject as a human's at the first.
 */
describe('several issuers: a second issuer\'s token with a human\'s subject inherits nothing', () => {
  let staging: TestIssuer;
  beforeAll(async () => {
    staging = await TestIssuer.start();
  });
  afterAll(async () => {
    await staging?.close();
  });
  const server = builtServerForFile('trust-issuers', (yaml) =>
    yaml.replace('issuers:\n', `issuers:\n  - issuer: ${staging.url}\n    audiences: [kubernetes]\n    algorithms: [RS256]\n    fetch_timeout_ms: 20000\n`),
  );
  const KUBECTL = 'kubectl/v1.34.1 (linux/amd64) kubernetes/93248f9';
  const now = () => Math.floor(Date.now() / 1000);
  let n = 0;
  const subject = () => `trust-${++n}@example.com`;
  const read = (token: string, source = OFFICE, path = '/api/v1/namespaces/dev/pods?limit=500') =>
    server().client.check(checkRequest({ host: KUBE, source, path, token, headers: { 'user-agent': KUBECTL } }));
  const tokenAt = (iss: TestIssuer, sub: string, age: number, claims: Record<string, unknown> = {}) =>
    iss.token({ sub, email: sub, acr: 'urn:stepgate:aal2', amr: AMR.aal2, auth_time: now() - age, ...claims });

  it('the network a human proved at the corporate issuer is not known for the staging issuer\'s token of the same subject', async () => {
    const sub = subject();
    const secrets = '/api/v1/namespaces/dev/secrets';
    // The human signs in at the corporate issuer and works from home: the network is proven.
    expect(reason(await read(await tokenAt(server().issuer, sub, 60), ELSEWHERE))).toBe('allowed');
    // An hour later the corporate token still reads Secrets from there (once learning has landed).
    await vi.waitFor(async () => expect(reason(await read(await tokenAt(server().issuer, sub, 3600), ELSEWHERE, secrets))).toBe('allowed'), { timeout: 5_000, interval: 50 });
    // The staging issuer's token for the same subject, as old, from the same network: a stranger,
    // asked for a sign-in after its first sighting, as a subject never seen is.
    expect(reason(await read(await tokenAt(staging, sub, 3600), ELSEWHERE, secrets))).toBe('auth_too_old');
    expect(reason(await read(await tokenAt(staging, subject(), 3600), ELSEWHERE, secrets))).toBe('auth_too_old');
  });

  it('an iss that differs from a configured one only by a trailing slash, the scheme\'s case, or another name for the host is not that issuer', async () => {
    const url = new URL(server().issuer.url);
    for (const iss of [`${url.origin}/`, `HTTP://${url.host}`, `${url.protocol}//localhost:${url.port}`, `${url.origin}/.`]) {
      expect(reason(await read(await tokenAt(server().issuer, subject(), 0, { iss }))), iss).toBe('issuer_unknown');
    }
  });

  it('a kid both issuers use: the staging key never verifies a token naming the corporate issuer, nor the reverse', async () => {
    // Both test issuers name their RSA key rs256-1: the key is looked up in the token's iss's JWKS only.
    expect(reason(await read(await tokenAt(staging, subject(), 0, { iss: server().issuer.url })))).toBe('token_invalid');
    expect(reason(await read(await tokenAt(server().issuer, subject(), 0, { iss: staging.url })))).toBe('token_invalid');
  });

  it('a token for another service of the same issuer (aud) is refused, in a list too', async () => {
    expect(reason(await read(await tokenAt(staging, subject(), 0, { aud: 'grafana' })))).toBe('audience_mismatch');
    expect(reason(await read(await tokenAt(staging, subject(), 0, { aud: ['grafana', 'vault'] })))).toBe('audience_mismatch');
  });

  it('a staging logout token (typ logout+jwt, events) is no sign-in', async () => {
    const t = await staging.token({ sub: subject(), events: { 'http://schemas.openid.net/event/backchannel-logout': {} } }, { header: { typ: 'logout+jwt' } });
    expect(reason(await read(t))).toBe('token_invalid');
  });

  // Last: it changes the served configuration.
  it('a reload that removes the staging issuer stops its tokens already cached as allowed', async () => {
    const token = await tokenAt(staging, subject(), 0);
    expect(reason(await read(token))).toBe('allowed');
    expect(reason(await read(token))).toBe('allowed');
    const yaml = readFileSync(server().configFile, 'utf8');
    writeFileSync(server().configFile, yaml.replace(`  - issuer: ${staging.url}\n    audiences: [kubernetes]\n    algorithms: [RS256]\n    fetch_timeout_ms: 20000\n`, ''));
    expect(readFileSync(server().configFile, 'utf8')).not.toBe(yaml);
    const reloads = server().stdout.filter((l) => l.includes('"config_reload"')).length;
    server().child.kill('SIGHUP');
    await vi.waitFor(() => expect(server().stdout.filter((l) => l.includes('"config_reload"')).length).toBeGreaterThan(reloads), { timeout: 30_000, interval: 50 });
    expect(server().stdout.filter((l) => l.includes('"config_reload"')).at(-1)).toContain('"outcome":"ok"');
    expect(reason(await read(token))).toBe('issuer_unknown');
  });
});

/**
 * State loss. Redis restarted without persistence, FLUSHALL (a shell in its pod: the attack
 * corpus's own row), restored from an older RDB, or failed over to a replica that missed the
 * writes: the control records (revocations, sign-outs, incidents) were then read as they now are,
 * and a revoked credential passed again on every replica, with nothing logged. A replica that held
 * them now writes back what the store lost.
 */
describe('state loss: the revocations a replica held survive the state store losing them', () => {
  let redis: RedisServer;
  let a: Service;
  let raw: Redis;
  let now = Date.UTC(2026, 11, 6, 22, 0, 0);
  const nowS = () => Math.floor(now / 1000);
  const state = () => `state:\n  store: redis\n  timeout_ms: 2000\n  redis:\n    url: ${redis.url}\n    key_prefix: "loss:"`;
  const replica = async () => startService(parseConfig(incidentConfigYaml({ httpPort: await freePort(), state: state() }), 'loss.yaml'), incidentEnv(), undefined, { now: () => now });
  const path = '/api/v1/namespaces/web/pods';
  /** Polls until `probe` holds (bounded), the replicas syncing every 100 ms. */
  const until = async (probe: () => Promise<boolean>) => {
    await vi.waitFor(async () => expect(await probe()).toBe(true), { timeout: 10_000, interval: 20 });
  };

  beforeAll(async () => {
    redis = await startRedis();
    raw = new Redis(redis.url, { lazyConnect: true, maxRetriesPerRequest: 1 });
    a = await replica();
  }, 60_000);

  afterAll(async () => {
    raw?.disconnect();
    await a?.stop();
    await redis?.stop();
  });

  it('FLUSHALL: the revoked token stays refused, the store holds the revocation again, a replica started afterwards refuses it too', async () => {
    const stolen = await hsToken({ sub: 'mallory@example.com', authTime: nowS() - 60 });
    const honest = await hsToken({ sub: 'judy@example.com', authTime: nowS() - 60 });
    expect((await kubeCheck(a.authzHttp!.port, path, stolen)).status).toBe(200);
    const r = await admin(a.http!.port, 'POST', '/revocations', await adminToken(nowS()), { kind: 'subject', subject: 'mallory@example.com', reason: 'laptop stolen' });
    expect(r.status).toBe(201);
    await until(async () => (await kubeCheck(a.authzHttp!.port, path, stolen)).status === 401);
    await raw.flushall();
    // Another revocation after the flush: once it is in force here, the replica has read the
    // store as it now is.
    const other = await hsToken({ sub: 'oscar@example.com', authTime: nowS() - 60 });
    expect((await admin(a.http!.port, 'POST', '/revocations', await adminToken(nowS()), { kind: 'subject', subject: 'oscar@example.com', reason: 'phished' })).status).toBe(201);
    await until(async () => (await kubeCheck(a.authzHttp!.port, path, other)).status === 401);
    expect((await kubeCheck(a.authzHttp!.port, path, stolen)).status).toBe(401);
    expect((await kubeCheck(a.authzHttp!.port, path, honest)).status).toBe(200);
    const b = await replica();
    try {
      await until(async () => (await kubeCheck(b.authzHttp!.port, path, honest)).status === 200);
      expect((await kubeCheck(b.authzHttp!.port, path, stolen)).status).toBe(401);
    } finally {
      await b.stop();
    }
  }, 30_000);

  it('a restart without persistence (empty on the same port): the same', async () => {
    const stolen = await hsToken({ sub: 'trent@example.com', authTime: nowS() - 60 });
    const r = await admin(a.http!.port, 'POST', '/revocations', await adminToken(nowS()), { kind: 'subject', subject: 'trent@example.com', reason: 'left the company' });
    expect(r.status).toBe(201);
    await until(async () => (await kubeCheck(a.authzHttp!.port, path, stolen)).status === 401);
    await redis.kill();
    await redis.start();
    // Once a revocation made after the restart is in force here, the replica has read the store.
    const other = await hsToken({ sub: 'peggy@example.com', authTime: nowS() - 60 });
    await until(async () => (await admin(a.http!.port, 'POST', '/revocations', await adminToken(nowS()), { kind: 'subject', subject: 'peggy@example.com', reason: 'phished' })).status === 201);
    await until(async () => (await kubeCheck(a.authzHttp!.port, path, other)).status === 401);
    expect((await kubeCheck(a.authzHttp!.port, path, stolen)).status).toBe(401);
  }, 30_000);
});
