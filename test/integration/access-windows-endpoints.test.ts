import { X509Certificate } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDevIdp, type DevIdp } from '../../demo/idp.js';
import { parseConfig } from '../../src/config/load.js';
import { startService, type Service } from '../../src/main.js';
import { deviceCertificatesYaml, makeDeviceCa, opensslCsr, type TestDeviceCa } from '../support/device-ca.js';
import { admin, adminToken, incidentConfigYaml, incidentEnv, kubeCheck, token } from '../support/incident.js';
import { Approver, approvalOf, approvalsConfigYaml } from '../support/approvals.js';
import { CheckClient, reasonOf } from '../support/grpc-client.js';
import { TestIssuer } from '../support/issuer.js';
import { checkRequest } from '../support/requests.js';
import { CLIENT_ID, CLIENT_SECRET, formFields, freePort, http, pageCode, setCookies, stepupEnv } from '../support/stepup.js';
import { captureLog } from '../support/telemetry.js';

/**
 * access_windows (issue 12) beyond the Check (session 48, windows48b): stepgate's own endpoints
 * that act for a verified identity refuse one outside its window exactly as the Check does, and
 * mint nothing for it. Through the real step-up listener, one row per endpoint; the clock is
 * injected and moved past the window, never slept over.
 */

const CONTRACTOR = 'contractor@example.com';
const UNTIL = Date.parse('2027-05-07T01:00:00Z');
const MESSAGE = 'the contractor engagement ended at 01:00 on 7 May; ask the platform lead for an extension';
let now = UNTIL - 3_600_000;
let port = 0;
let s: Service;
let ca: TestDeviceCa;

const WINDOWS = `access_windows:
  - name: contractor-engagement
    match:
      subjects: ["${CONTRACTOR}"]
    valid_until: "2027-05-07T01:00:00Z"
    message: ${MESSAGE}
  - name: contractor-admins
    match:
      groups: [contractors]
    valid_until: "2027-05-07T01:00:00Z"
    message: ${MESSAGE}
`;

const nowS = () => Math.floor(now / 1000);
const contractorToken = (over: Partial<Parameters<typeof token>[0]> = {}) => token({ sub: CONTRACTOR, authTime: nowS() - 30, iat: nowS() - 30, ...over });

beforeAll(async () => {
  ca = makeDeviceCa('windows48b device CA', 800);
  port = await freePort();
  const yaml =
    incidentConfigYaml({ httpPort: port, state: 'state:\n  store: memory' }).replace('kubernetes:\n  hosts: [kube.example.com]', 'kubernetes:\n  hosts: [kube.example.com]\n  challenge_ttl_seconds: 120') +
    deviceCertificatesYaml(ca) +
    WINDOWS;
  s = await startService(parseConfig(yaml, 'windows48b.yaml'), incidentEnv(), undefined, { now: () => now });
}, 60_000);

afterAll(async () => {
  await s?.stop();
});

function refusedForWindow(r: { status: number; body: string }) {
  expect(r.status, r.body).toBe(403);
  expect(JSON.parse(r.body)).toMatchObject({ reason: 'access_window_closed', message: MESSAGE });
}

describe('an identity outside its access window, at each endpoint that acts for it', () => {
  it('the Check refuses it (the baseline the endpoints follow)', async () => {
    now = UNTIL + 60_000;
    const r = await kubeCheck(s.authzHttp!.port, '/api/v1/namespaces/prod/pods', await contractorToken());
    expect(r.status).toBe(403);
  });

  it('/.stepgate/v1/challenge: answered inside the window, refused with the window after it', async () => {
    now = UNTIL - 60_000;
    const inside = await http(`http://127.0.0.1:${port}/.stepgate/v1/challenge`, { headers: { authorization: `Bearer ${await contractorToken()}` } });
    expect(inside.status, inside.body).toBe(200);
    now = UNTIL;
    const tok = await contractorToken({ authTime: nowS() - 120, iat: nowS() - 120 });
    refusedForWindow(await http(`http://127.0.0.1:${port}/.stepgate/v1/challenge`, { headers: { authorization: `Bearer ${tok}` } }));
  });

  it('/.stepgate/v1/device-certificate inside the window: the certificate ends with the window, not lifetime_seconds after (windows49)', async () => {
    // An hour before the window closes, with lifetime_seconds a day: the certificate would have
    // been device evidence (and a TLS client certificate the gateway accepts) for 23 hours after it.
    now = UNTIL - 3_600_000;
    const { csr } = opensslCsr(`/CN=${CONTRACTOR}`);
    const r = await http(`http://127.0.0.1:${port}/.stepgate/v1/device-certificate`, {
      method: 'POST',
      headers: { authorization: `Bearer ${await contractorToken({ acr: 'urn:stepgate:aal2' })}`, 'content-type': 'application/json' },
      body: JSON.stringify({ csr }),
    });
    expect(r.status, r.body).toBe(200);
    const issued = JSON.parse(r.body) as { certificate: string; not_after: string };
    expect(Date.parse(issued.not_after)).toBe(UNTIL - 1000);
    expect(Date.parse(new X509Certificate(issued.certificate).validTo)).toBe(UNTIL - 1000);
  });

  it("/.stepgate/v1/device-certificate in the window's last second: nothing left to mint, refused for the window", async () => {
    now = UNTIL - 400;
    const r = await http(`http://127.0.0.1:${port}/.stepgate/v1/device-certificate`, {
      method: 'POST',
      headers: { authorization: `Bearer ${await contractorToken()}`, 'content-type': 'application/json' },
      body: JSON.stringify({ csr: opensslCsr(`/CN=${CONTRACTOR}`).csr }),
    });
    refusedForWindow(r);
  });

  it('/.stepgate/v1/device-certificate: no certificate minted after the window', async () => {
    now = UNTIL + 60_000;
    const r = await http(`http://127.0.0.1:${port}/.stepgate/v1/device-certificate`, {
      method: 'POST',
      headers: { authorization: `Bearer ${await contractorToken()}`, 'content-type': 'application/json' },
      body: JSON.stringify({ csr: opensslCsr(`/CN=${CONTRACTOR}`).csr }),
    });
    refusedForWindow(r);
    expect(r.body).not.toContain('certificate"');
  });

  it('the admin API: an on-call contractor does not raise an incident after the window', async () => {
    now = UNTIL + 60_000;
    const bearer = await adminToken(nowS() - 30, { sub: 'oncall-contractor@example.com', groups: ['sre-oncall', 'contractors'] });
    const r = await admin(port, 'GET', '/incidents', bearer);
    expect(r.status, r.body).toBe(403);
    expect(JSON.parse(r.body)).toMatchObject({ error: 'forbidden', code: 'access_window_closed', message: MESSAGE });
    const raised = await admin(port, 'POST', '/incidents', bearer, { scope: 'all', require: 'aal3', reason: 'contractor after hours', duration_seconds: 600 });
    expect(raised.status, raised.body).toBe(403);
  });
});

describe('an approver outside their access window, through the real step-up and approval pages', () => {
  const SA = 'system:serviceaccount:ci:deployer';
  const ALICE = { user: 'alice', password: 'alice-password', otp: true };
  // The dev IdP signs with the real time: the window closes a minute from now, on stepgate's clock.
  const until = Math.ceil(Date.now() / 1000) * 1000 + 60_000;
  const APPROVER_MESSAGE = 'the contractor approvers ended at the cutover; ask the platform lead';
  let offset = 0;
  let idp: DevIdp;
  let sa: TestIssuer;
  let svc: Service;
  let client: CheckClient;
  let base = '';
  let records: Record<string, unknown>[] = [];

  beforeAll(async () => {
    const httpPort = await freePort();
    base = `http://127.0.0.1:${httpPort}`;
    idp = await startDevIdp({ clients: [{ client_id: CLIENT_ID, client_secret: CLIENT_SECRET, redirect_uris: [`${base}/.stepgate/callback`] }] });
    sa = await TestIssuer.start();
    const windows = `access_windows:\n  - name: contractor-approvers\n    match:\n      subjects: [alice]\n    valid_until: "${new Date(until).toISOString()}"\n    message: ${APPROVER_MESSAGE}\n`;
    const cap = captureLog('info');
    records = cap.records;
    svc = await startService(parseConfig(`${approvalsConfigYaml(idp.issuer, httpPort, sa.url)}${windows}`, 'windows48b-approvals.yaml'), stepupEnv(), cap.logger, { now: () => Date.now() + offset });
    client = new CheckClient(svc.grpc.port);
  }, 60_000);

  afterAll(async () => {
    client?.close();
    await svc?.stop();
    await sa?.close();
    await idp?.close();
  });

  const deploy = async () =>
    client.check(
      checkRequest({
        method: 'POST',
        path: '/apis/apps/v1/namespaces/prod/deployments?fieldManager=kubectl-client-side-apply',
        token: await sa.token({ sub: SA, exp: Math.floor(Date.now() / 1000) + 3600 }),
        body: JSON.stringify({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web', namespace: 'prod' } }),
        headers: { 'content-type': 'application/json' },
      }),
    );

  let human: Approver;
  let url = '';

  it('the approvals desk: the form taken inside the window approves nothing after it', async () => {
    const approval = approvalOf(await deploy());
    const id = approval.id;
    url = approval.url;
    human = new Approver(base, idp);
    // Inside the window: a fresh aal2 step-up, and the approval page offers its form.
    await human.stepUp(`${base}/.stepgate/start?level=aal2&rd=${encodeURIComponent(url)}`, ALICE);
    const csrf = await human.token(id);
    expect(csrf).toBeDefined();

    // The window closes (within approver.max_age_seconds of the sign-in, so only the window refuses).
    offset = until - Date.now() + 5_000;
    const late = await human.post(id, { csrf: csrf!, decision: 'approve' });
    expect(late.status, late.body).toBe(403);
    expect(pageCode(late.body)).toBe('approval_forbidden');
    expect(late.body).toContain(APPROVER_MESSAGE);
    expect(records.find((r) => r.event === 'approval.refused' && r.approval_id === id)).toMatchObject({ code: 'approval_forbidden' });
    expect(reasonOf(await deploy())).toBe('approval_required');
    const list = await human.get('/.stepgate/approvals');
    expect(list.status).toBe(403);
  });

  it('/.stepgate/session: the session minted inside the window is not signed in after it', async () => {
    expect(Date.now() + offset).toBeGreaterThan(until);
    const session = await http(`${base}/.stepgate/session`, { headers: { ...human.cookie, accept: 'application/json' } });
    expect(JSON.parse(session.body)).toEqual({ signed_in: false, reason: 'access_window_closed' });
  });

  it('the step-up callback: a new sign-in at the IdP after the window mints no session cookie (nor device cookie)', async () => {
    expect(Date.now() + offset).toBeGreaterThan(until);
    const start = await http(`${base}/.stepgate/start?level=aal2&rd=${encodeURIComponent(url)}`);
    const cont = await http(`${base}/.stepgate/continue`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', origin: base },
      body: formFields(start.body).toString(),
    });
    expect(cont.status).toBe(302);
    const [stateName, stateCookie] = Object.entries(setCookies(cont))[0]!;
    const back = new URL(await idp.authorizeHeadless(new URL(cont.headers.location as string).href, ALICE));
    const done = await http(`${base}${back.pathname}${back.search}`, { headers: { cookie: `${stateName}=${stateCookie}` } });
    expect(done.status, done.body).toBe(403);
    expect(pageCode(done.body)).toBe('stepup_access_window_closed');
    expect(done.body).toContain(APPROVER_MESSAGE);
    expect(setCookies(done).stepgate_session).toBeUndefined();
    expect(Object.keys(setCookies(done)).filter((n) => n !== stateName)).toEqual([]);
  });
});
