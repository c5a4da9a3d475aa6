import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDevIdp, type DevIdp } from '../../demo/idp.js';
import { parseConfig } from '../../src/config/load.js';
import { startService, type Service } from '../../src/main.js';
import { Approver, approvalOf, approvalsConfigYaml, stepUpLink } from '../support/approvals.js';
import { CheckClient, deniedBody, deniedStatus, okHeader, reasonOf, type CheckResponse } from '../support/grpc-client.js';
import { TestIssuer } from '../support/issuer.js';
import { startRedis, type RedisServer } from '../support/redis.js';
import { checkRequest } from '../support/requests.js';
import { CLIENT_ID, CLIENT_SECRET, freePort, http, pageCode, stepupEnv } from '../support/stepup.js';
import { captureLog } from '../support/telemetry.js';

/**
 * Issue 7's automation flow end to end, through the real listeners: a CI service account's
 * Checks over a real gRPC client, the approval pages on the real step-up listener, a human's
 * step-up through the dev OpenID Provider (demo/idp.ts) driven headlessly over HTTP. Then the same
 * across two replicas sharing a real redis-server.
 */

const SA = 'system:serviceaccount:ci:deployer';
const DEPLOYMENTS = '/apis/apps/v1/namespaces/prod/deployments';
const BODY = JSON.stringify({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web', namespace: 'prod' } });
const ALICE = { user: 'alice', password: 'alice-password', otp: true };

interface Stack {
  service: Service;
  client: CheckClient;
  base: string;
  records: Record<string, unknown>[];
  lines: string[];
}

async function startStack(idp: DevIdp, sa: TestIssuer, httpPort: number, env: Record<string, string>, extra = '', now?: () => number): Promise<Stack> {
  const cap = captureLog('info');
  const config = parseConfig(approvalsConfigYaml(idp.issuer, httpPort, sa.url, extra), 'approvals-test.yaml');
  const service = await startService(config, env, cap.logger, now ? { now } : {});
  return { service, client: new CheckClient(service.grpc.port), base: `http://127.0.0.1:${httpPort}`, records: cap.records, lines: cap.lines };
}

async function automationCheck(
  s: Stack,
  token: string,
  o: { path?: string; body?: string; method?: string; headers?: Record<string, string> } = {},
): Promise<CheckResponse> {
  return s.client.check(
    checkRequest({
      method: o.method ?? 'POST',
      path: o.path ?? `${DEPLOYMENTS}?fieldManager=kubectl-client-side-apply`,
      token,
      body: o.body ?? BODY,
      headers: o.headers ?? { 'content-type': 'application/json' },
    }),
  );
}

describe('automation approvals, one replica (memory store)', () => {
  let idp: DevIdp;
  let sa: TestIssuer;
  let s: Stack;
  let token: string;
  let clockOffset = 0;

  beforeAll(async () => {
    const httpPort = await freePort();
    idp = await startDevIdp({ clients: [{ client_id: CLIENT_ID, client_secret: CLIENT_SECRET, redirect_uris: [`http://127.0.0.1:${httpPort}/.stepgate/callback`] }] });
    sa = await TestIssuer.start();
    s = await startStack(idp, sa, httpPort, stepupEnv(), '', () => Date.now() + clockOffset);
    token = await sa.token({ sub: SA, exp: Math.floor(Date.now() / 1000) + 3600 });
  });

  afterAll(async () => {
    s?.client.close();
    await s?.service.stop();
    await sa?.close();
    await idp?.close();
  });

  it('the whole loop: denied → pending → no approval without a fresh step-up → approved → one retry passes → the next is denied', async () => {
    // 1. The pipeline's request needs aal2 within 600 s: automation gets approval_required, 403.
    const first = await automationCheck(s, token);
    expect(reasonOf(first)).toBe('approval_required');
    expect(deniedStatus(first)).toBe('Forbidden');
    const { id, url } = approvalOf(first);
    expect(url).toBe(`${s.base}/.stepgate/approvals/${id}`);
    const status = deniedBody(first) as { kind: string; message: string; stepgate: { required: unknown } };
    expect(status.kind).toBe('Status');
    expect(status.message).toContain(`approve at ${url}`);
    expect(status.stepgate.required).toEqual({ level: 'aal2', max_age: 600 });
    expect(first.dynamic_metadata?.fields.approval?.stringValue).toBe(id.slice(0, 12));
    expect(s.records.find((r) => r.event === 'approval.pending' && r.approval === id)).toMatchObject({ audit: true, reason: 'approval_required', subject: SA });
    // The identical retry before anyone decided: the same approval, still pending, no second one.
    const again = await automationCheck(s, token);
    expect(approvalOf(again).id).toBe(id);

    // 2. The pages need a session: without one, a sign-in page linking to the step-up.
    const human = new Approver(s.base, idp);
    const anon = await human.get('/.stepgate/approvals');
    expect(anon.status).toBe(401);
    expect(pageCode(anon.body)).toBe('approval_signin_required');

    // 3. A password-only sign-in (aal1) may look but not approve: no form, a link to a fresh aal2 step-up.
    await human.stepUp(`${s.base}/.stepgate/start?level=aal1&rd=${encodeURIComponent(url)}`, { user: 'alice', password: 'alice-password' });
    const list = await human.get('/.stepgate/approvals');
    expect(list.status).toBe(200);
    expect(list.body).toContain(`/.stepgate/approvals/${id}`);
    expect(list.body).toContain('create deployments.apps -n prod');
    const weak = await human.get(`/.stepgate/approvals/${id}`);
    expect(weak.body).toContain('id="stepgate-state">pending');
    expect(weak.body).not.toContain('name="csrf"');
    const link = new URL(stepUpLink(weak.body)!);
    expect(Object.fromEntries(link.searchParams)).toEqual({ level: 'aal2', max_age: '300', reason: 'approval_required', rd: url });

    // 4. The page's own link: a fresh aal2 step-up (prompt=login) that comes back to the approval.
    const landed = await human.stepUp(link.href, ALICE);
    expect(landed).toBe(url);
    expect(s.records.find((r) => r.event === 'stepup.flow' && r.outcome === 'redirected' && r.prompt_login === true)).toBeDefined();
    const csrf = await human.token(id);
    expect(csrf).toBeDefined();

    // 5. Too late: the same session, 301 s after its authentication, is not fresh enough any more.
    clockOffset = 301_000;
    try {
      const stale = await human.post(id, { csrf: csrf!, decision: 'approve' });
      expect(stale.status).toBe(403);
      expect(pageCode(stale.body)).toBe('approval_stepup_required');
      expect(stepUpLink(stale.body)).toContain('max_age=300');
    } finally {
      clockOffset = 0;
    }
    expect(reasonOf(await automationCheck(s, token))).toBe('approval_required');

    // 6. Fresh: approve. The audit record names both identities.
    const ok = await human.post(id, { csrf: csrf!, decision: 'approve' });
    expect(ok.status, ok.body).toBe(200);
    expect(ok.body).toContain('id="stepgate-decided">Approved');
    const audit = s.records.find((r) => r.event === 'approval.approved');
    expect(audit).toMatchObject({
      audit: true,
      approval_id: id,
      summary: 'create deployments.apps -n prod',
      automation: { issuer: sa.url, subject: SA },
      approver: { subject: 'alice', level: 'aal2' },
      status: 200,
    });
    // A second decision on the same approval is a conflict.
    const twice = await human.post(id, { csrf: csrf!, decision: 'reject' });
    expect(twice.status).toBe(409);
    expect(pageCode(twice.body)).toBe('approval_conflict');

    // 7. A modified request is not covered: another body, another name.
    const otherBody = await automationCheck(s, token, { body: BODY.replace('"web"', '"web2"') });
    expect(reasonOf(otherBody)).toBe('approval_required');
    expect(approvalOf(otherBody).id).not.toBe(id);
    const otherQuery = await automationCheck(s, token, { path: `${DEPLOYMENTS}?fieldManager=other` });
    expect(reasonOf(otherQuery)).toBe('approval_required');

    // 8. The identical retry passes once, with the approval in the access-log metadata.
    const retry = await automationCheck(s, token);
    expect(reasonOf(retry)).toBe('allowed');
    expect(okHeader(retry, 'x-stepgate-subject')).toBe(SA);
    expect(retry.dynamic_metadata?.fields.approval?.stringValue).toBe(id.slice(0, 12));
    expect(retry.dynamic_metadata?.fields.rules?.stringValue).toBe(`prod-writes,approval:${id.slice(0, 12)}`);
    expect(s.records.find((r) => r.event === 'approval.used')).toMatchObject({ audit: true, decision: 'allow', approval: id });

    // 9. The second identical retry is denied again, with a new pending approval (same id, listed).
    const third = await automationCheck(s, token);
    expect(reasonOf(third)).toBe('approval_required');
    expect(approvalOf(third).id).toBe(id);
    expect((await human.get(`/.stepgate/approvals/${id}`)).body).toContain('id="stepgate-state">pending');

    // No cookie, page token or body in any log line.
    const all = s.lines.join('\n');
    expect(all).not.toContain(human.session);
    expect(all).not.toContain(csrf!);
    expect(all).not.toContain(token);
    expect(all).not.toContain('"kind":"Deployment"');
  });

  it('an approval covers only the exact request: not another patch type, impersonation, encoding or dry-run flag (issue 11)', async () => {
    const path = `${DEPLOYMENTS}/web?fieldManager=binding`;
    const body = '{"spec":{"replicas":3}}';
    const smp = { 'content-type': 'application/strategic-merge-patch+json' };
    const exact = { method: 'PATCH', path, body, headers: smp };
    const first = await automationCheck(s, token, exact);
    expect(reasonOf(first)).toBe('approval_required');
    const { id } = approvalOf(first);
    const human = new Approver(s.base, idp);
    await human.stepUp(`${s.base}/.stepgate/start?level=aal2&max_age=300&rd=${encodeURIComponent(`${s.base}/.stepgate/approvals/${id}`)}`, ALICE);
    // The page says what the bytes mean, not only their hash.
    const page = await human.get(`/.stepgate/approvals/${id}`);
    expect(page.body).toContain('<code id="stepgate-content-type">application/strategic-merge-patch+json</code>: the body is a strategic merge patch');
    expect(page.body).toContain('&#34;replicas&#34;: 3');
    expect((await human.decide(id, 'approve')).status).toBe(200);

    // Each variant is another request: denied with its own pending approval, and it does not use this one.
    const variants: [string, Parameters<typeof automationCheck>[2]][] = [
      ['the same bytes as a merge patch', { ...exact, headers: { 'content-type': 'application/merge-patch+json' } }],
      ['as system:admin', { ...exact, headers: { ...smp, 'impersonate-user': 'system:admin' } }],
      ['in group system:masters', { ...exact, headers: { ...smp, 'impersonate-user': 'ci', 'impersonate-group': 'system:masters' } }],
      ['with an impersonated uid', { ...exact, headers: { ...smp, 'impersonate-user': 'ci', 'impersonate-uid': '0' } }],
      ['with an impersonated extra', { ...exact, headers: { ...smp, 'impersonate-user': 'ci', 'impersonate-extra-scopes': 'admin' } }],
      ['gzip-encoded', { ...exact, headers: { ...smp, 'content-encoding': 'gzip' } }],
      ['without dryRun → with force', { ...exact, path: `${path}&force=true` }],
      ['another field validation', { ...exact, path: `${path}&fieldValidation=Ignore` }],
    ];
    for (const [what, o] of variants) {
      const res = await automationCheck(s, token, o);
      expect(reasonOf(res), what).toBe('approval_required');
      expect(approvalOf(res).id, what).not.toBe(id);
    }
    // Headers that do not change what kube executes do not matter: a new token for the same
    // subject, another user agent and request id.
    const fresh = await sa.token({ sub: SA, exp: Math.floor(Date.now() / 1000) + 1800 });
    const retry = await s.client.check(
      checkRequest({ method: 'PATCH', path, token: fresh, body, headers: { ...smp, 'user-agent': 'argo/1', 'x-request-id': 'other', accept: 'application/yaml' } }),
    );
    expect(reasonOf(retry)).toBe('allowed');
    expect(retry.dynamic_metadata?.fields.approval?.stringValue).toBe(id.slice(0, 12));
    // Used once.
    expect(reasonOf(await automationCheck(s, token, exact))).toBe('approval_required');
  });

  it('reject: the identical retry is approval_rejected, and the page shows who rejected it', async () => {
    const path = `${DEPLOYMENTS}?fieldManager=reject-me`;
    const { id } = approvalOf(await automationCheck(s, token, { path }));
    const human = new Approver(s.base, idp);
    await human.stepUp(`${s.base}/.stepgate/start?level=aal2&max_age=300&reason=approval_required&rd=${encodeURIComponent(`${s.base}/.stepgate/approvals/${id}`)}`, ALICE);
    const res = await human.decide(id, 'reject');
    expect(res.status).toBe(200);
    expect(res.body).toContain('Rejected');
    expect(s.records.find((r) => r.event === 'approval.rejected' && r.approval_id === id)).toMatchObject({ approver: { subject: 'alice' }, automation: { subject: SA } });
    const retry = await automationCheck(s, token, { path });
    expect(reasonOf(retry)).toBe('approval_rejected');
    expect(deniedStatus(retry)).toBe('Forbidden');
    expect(reasonOf(await automationCheck(s, token, { path }))).toBe('approval_rejected');
    const page = await human.get(`/.stepgate/approvals/${id}`);
    expect(page.body).toContain('rejected by alice');
    expect(page.body).not.toContain('name="csrf"');
  });

  it('nobody approves their own request: the same subject is refused even after a fresh step-up', async () => {
    // An automation token whose subject is the human's own (a personal CI token, say).
    const own = await sa.token({ sub: 'alice', exp: Math.floor(Date.now() / 1000) + 3600 });
    const { id } = approvalOf(await automationCheck(s, own, { path: `${DEPLOYMENTS}?fieldManager=mine` }));
    const human = new Approver(s.base, idp);
    await human.stepUp(`${s.base}/.stepgate/start?level=aal2&max_age=300&rd=${encodeURIComponent(`${s.base}/.stepgate/approvals/${id}`)}`, ALICE);
    const page = await human.get(`/.stepgate/approvals/${id}`);
    expect(page.body).not.toContain('name="csrf"');
    expect(page.body).toContain('cannot approve its own request');
    // Forge the form with a token the human got from another approval page: refused, still pending.
    const { id: other } = approvalOf(await automationCheck(s, token, { path: `${DEPLOYMENTS}?fieldManager=someone-else` }));
    const foreign = await human.token(other);
    const res = await human.post(id, { csrf: foreign!, decision: 'approve' });
    expect(res.status).toBe(403);
    expect(pageCode(res.body)).toBe('approval_csrf');
    expect(reasonOf(await automationCheck(s, own, { path: `${DEPLOYMENTS}?fieldManager=mine` }))).toBe('approval_required');
  });

  it('a user outside automation.approver.groups may neither view nor approve', async () => {
    const { id } = approvalOf(await automationCheck(s, token, { path: `${DEPLOYMENTS}?fieldManager=bob` }));
    const bob = new Approver(s.base, idp);
    await bob.stepUp(`${s.base}/.stepgate/start?level=aal2&max_age=300`, { user: 'bob', password: 'bob-password', otp: true });
    const page = await bob.get(`/.stepgate/approvals/${id}`);
    expect(page.status).toBe(403);
    expect(pageCode(page.body)).toBe('approval_forbidden');
  });

  it('refuses a decision that is not a same-origin POST with the page token', async () => {
    const { id } = approvalOf(await automationCheck(s, token, { path: `${DEPLOYMENTS}?fieldManager=csrf` }));
    const human = new Approver(s.base, idp);
    await human.stepUp(`${s.base}/.stepgate/start?level=aal2&max_age=300`, ALICE);
    const csrf = (await human.token(id))!;
    const cases: [string, Record<string, string>, Record<string, string>][] = [
      ['no Origin', { csrf, decision: 'approve' }, {}],
      ['another Origin', { csrf, decision: 'approve' }, { origin: 'https://evil.example' }],
      ['Origin null', { csrf, decision: 'approve' }, { origin: 'null' }],
      ['cross-site fetch metadata', { csrf, decision: 'approve' }, { origin: s.base, 'sec-fetch-site': 'cross-site' }],
      ['no page token', { decision: 'approve' }, { origin: s.base }],
      ['a mangled page token', { csrf: csrf.slice(0, -2) + 'xx', decision: 'approve' }, { origin: s.base }],
    ];
    for (const [what, form, headers] of cases) {
      const res = await human.post(id, form, headers);
      expect(res.status, what).toBe(403);
      expect(pageCode(res.body), what).toBe('approval_csrf');
    }
    // A token is bound to the session: another session's cookie with this token is refused too.
    const other = new Approver(s.base, idp);
    await other.stepUp(`${s.base}/.stepgate/start?level=aal2&max_age=300`, ALICE);
    expect(pageCode((await other.post(id, { csrf, decision: 'approve' })).body)).toBe('approval_csrf');
    expect(s.records.filter((r) => r.event === 'approval.refused' && r.code === 'approval_csrf').length).toBeGreaterThanOrEqual(cases.length);
    // Nothing was decided.
    expect(reasonOf(await automationCheck(s, token, { path: `${DEPLOYMENTS}?fieldManager=csrf` }))).toBe('approval_required');
  });

  it('humans are untouched: a human token below the level still gets the step-up challenge', async () => {
    const human = await sa.token({ sub: 'carol' });
    // carol's token comes from the automation issuer, so she is automation; a token from the dev IdP is not.
    expect(reasonOf(await automationCheck(s, human))).toBe('approval_required');
    const idToken = await idp.idToken({ client_id: CLIENT_ID, client_secret: CLIENT_SECRET, redirect_uri: `${s.base}/.stepgate/callback`, user: 'alice', password: 'alice-password' });
    const res = await automationCheck(s, idToken);
    expect(reasonOf(res)).toBe('acr_insufficient');
    expect(deniedStatus(res)).toBe('Unauthorized');
    expect(res.dynamic_metadata?.fields.approval).toBeUndefined();
  });

  it('unknown ids and malformed paths are not found, never an error', async () => {
    const human = new Approver(s.base, idp);
    await human.stepUp(`${s.base}/.stepgate/start?level=aal2&max_age=300`, ALICE);
    for (const path of ['/.stepgate/approvals/' + 'A'.repeat(43), '/.stepgate/approvals/..%2f..%2fetc', '/.stepgate/approvals/x']) {
      const res = await human.get(path);
      expect(res.status, path).toBe(404);
      expect(pageCode(res.body)).toBe('approval_not_found');
    }
  });

  it('a copy of an approver\'s session taken before sign-out no longer opens the approval pages', async () => {
    const human = new Approver(s.base, idp);
    await human.stepUp(`${s.base}/.stepgate/start?level=aal2&max_age=300`, ALICE);
    expect((await human.get('/.stepgate/approvals')).status).toBe(200);
    const out = await http(`${s.base}/.stepgate/signout`, { method: 'POST', headers: { origin: s.base, 'sec-fetch-site': 'same-origin', ...human.cookie } });
    expect(out.status).toBe(200);
    // `human` still holds the cookie: the copy a thief would have.
    const copy = await human.get('/.stepgate/approvals');
    expect(copy.status).toBe(401);
    expect(pageCode(copy.body)).toBe('approval_signin_required');
  });
});

describe('automation approvals across two replicas sharing Redis', () => {
  let idp: DevIdp;
  let sa: TestIssuer;
  let redis: RedisServer;
  let a: Stack;
  let b: Stack;
  let token: string;

  beforeAll(async () => {
    redis = await startRedis();
    const [portA, portB] = [await freePort(), await freePort()];
    idp = await startDevIdp({
      clients: [{ client_id: CLIENT_ID, client_secret: CLIENT_SECRET, redirect_uris: [portA, portB].map((p) => `http://127.0.0.1:${p}/.stepgate/callback`) }],
    });
    sa = await TestIssuer.start();
    // Both replicas share the cookie keys (as a Deployment's replicas share a Secret).
    const env = stepupEnv();
    const state = `state:\n  store: redis\n  timeout_ms: 1000\n  redis:\n    url: ${redis.url}\n    key_prefix: "approvals-test:"\n`;
    a = await startStack(idp, sa, portA, env, state);
    b = await startStack(idp, sa, portB, env, state);
    token = await sa.token({ sub: SA, exp: Math.floor(Date.now() / 1000) + 3600 });
  });

  afterAll(async () => {
    for (const s of [a, b]) {
      s?.client.close();
      await s?.service.stop();
    }
    await sa?.close();
    await idp?.close();
    await redis?.stop();
  });

  it('recorded on A, listed and approved on B, consumed once on A, then denied on both', async () => {
    const first = await automationCheck(a, token);
    expect(reasonOf(first)).toBe('approval_required');
    const { id } = approvalOf(first);
    const human = new Approver(b.base, idp);
    await human.stepUp(`${b.base}/.stepgate/start?level=aal2&max_age=300&rd=${encodeURIComponent(`${b.base}/.stepgate/approvals/${id}`)}`, ALICE);
    expect((await human.get('/.stepgate/approvals')).body).toContain(id);
    expect((await human.decide(id, 'approve')).status).toBe(200);
    const results = await Promise.all([automationCheck(a, token), automationCheck(a, token), automationCheck(b, token)]);
    // Exactly one of three concurrent identical retries, on two replicas, passes.
    expect(results.map(reasonOf).sort()).toEqual(['allowed', 'approval_required', 'approval_required']);
    expect(reasonOf(await automationCheck(b, token))).toBe('approval_required');
  });

  it('a store that cannot answer fails closed with state_unavailable', async () => {
    await redis.kill();
    try {
      const res = await automationCheck(a, token, { path: `${DEPLOYMENTS}?fieldManager=outage` });
      expect(reasonOf(res)).toBe('state_unavailable');
      expect(deniedStatus(res)).toBe('ServiceUnavailable');
      const human = new Approver(b.base, idp);
      human.session = '';
      const page = await human.get('/.stepgate/approvals/' + 'A'.repeat(43));
      // Without a session the page asks for a sign-in before touching the store.
      expect(page.status).toBe(401);
    } finally {
      await redis.start();
    }
  });
});

describe('impersonation is a guardrail: a step-up for humans, an approval for automation (issue 11)', () => {
  let idp: DevIdp;
  let sa: TestIssuer;
  let s: Stack;
  let token: string;
  const PODS = '/api/v1/namespaces/dev/pods';

  beforeAll(async () => {
    const httpPort = await freePort();
    idp = await startDevIdp({ clients: [{ client_id: CLIENT_ID, client_secret: CLIENT_SECRET, redirect_uris: [`http://127.0.0.1:${httpPort}/.stepgate/callback`] }] });
    sa = await TestIssuer.start();
    // Running as system:masters is also impersonation_privileged (the strongest level by default):
    // here at aal2 too, so that the approver's two-factor step-up can approve it.
    s = await startStack(idp, sa, httpPort, stepupEnv(), 'guardrails:\n  effects:\n    impersonation: { require: aal2, max_age: 300 }\n    impersonation_privileged: { require: aal2, max_age: 300 }\n');
    token = await sa.token({ sub: SA, exp: Math.floor(Date.now() / 1000) + 3600 });
  });

  afterAll(async () => {
    s?.client.close();
    await s?.service.stop();
    await sa?.close();
    await idp?.close();
  });

  const get = (t: string, headers: Record<string, string> = {}) => s.client.check(checkRequest({ method: 'GET', path: PODS, token: t, headers }));

  it('a human reading pods as themselves passes at aal1; the same read as system:admin needs the step-up', async () => {
    const idToken = await idp.idToken({ client_id: CLIENT_ID, client_secret: CLIENT_SECRET, redirect_uri: `${s.base}/.stepgate/callback`, user: 'alice', password: 'alice-password' });
    expect(reasonOf(await get(idToken))).toBe('allowed');
    for (const headers of [{ 'impersonate-user': 'system:admin' } as Record<string, string>, { 'impersonate-user': 'alice', 'impersonate-group': 'system:masters' }, { 'impersonate-uid': '0' }]) {
      const res = await get(idToken, headers);
      expect(reasonOf(res), JSON.stringify(headers)).toBe('acr_insufficient');
      expect(deniedStatus(res)).toBe('Unauthorized');
      expect(res.dynamic_metadata!.fields.rules!.stringValue).toContain('guardrail:impersonation');
    }
  });

  it('automation impersonating gets an approval that shows whom it impersonates and covers only that impersonation', async () => {
    expect(reasonOf(await get(token))).toBe('allowed');
    const as = { 'impersonate-user': 'system:serviceaccount:prod:deployer', 'impersonate-group': 'system:masters' };
    const first = await get(token, as);
    expect(reasonOf(first)).toBe('approval_required');
    const { id } = approvalOf(first);
    const human = new Approver(s.base, idp);
    await human.stepUp(`${s.base}/.stepgate/start?level=aal2&max_age=300&rd=${encodeURIComponent(`${s.base}/.stepgate/approvals/${id}`)}`, ALICE);
    const page = await human.get(`/.stepgate/approvals/${id}`);
    expect(page.body).toContain('id="stepgate-impersonation"');
    expect(page.body).toContain('<code>impersonate serviceaccounts prod/deployer</code>');
    expect(page.body).toContain('<code>impersonate groups system:masters</code>');
    expect(page.body).toContain('<code>impersonation</code>: the request impersonates');
    expect(page.body).toContain('<code>impersonation_privileged</code>: the request runs as group system:masters');
    expect((await human.decide(id, 'approve')).status).toBe(200);
    // Another group is another approval, and does not use this one.
    const wider = await get(token, { ...as, 'impersonate-group': 'system:masters,cluster-admins' });
    expect(reasonOf(wider)).toBe('approval_required');
    expect(approvalOf(wider).id).not.toBe(id);
    expect(reasonOf(await get(token, as))).toBe('allowed');
    expect(reasonOf(await get(token, as))).toBe('approval_required');
  });
});
