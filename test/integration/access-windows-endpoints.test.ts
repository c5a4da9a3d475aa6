import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/load.js';
import { startService, type Service } from '../../src/main.js';
import { deviceCertificatesYaml, makeDeviceCa, opensslCsr, type TestDeviceCa } from '../support/device-ca.js';
import { admin, adminToken, incidentConfigYaml, incidentEnv, kubeCheck, token } from '../support/incident.js';
import { freePort, http } from '../support/stepup.js';

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
