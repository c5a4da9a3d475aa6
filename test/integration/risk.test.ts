import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/load.js';
import { explain } from '../../src/explain.js';
import { startService, type Service } from '../../src/main.js';
import { createLogger } from '../../src/telemetry/log.js';
import { HMAC_SECRET, testConfigYaml } from '../support/config.js';
import { CheckClient, deniedBody, deniedHeader, deniedStatus, reasonOf, type CheckResponse } from '../support/grpc-client.js';
import { TestIssuer } from '../support/issuer.js';
import { checkRequest, type RequestSpec } from '../support/requests.js';
import { RISK_YAML, withSensitivity } from '../support/risk.js';

/**
 * The risk engine end to end through the real gRPC server (memory store): the scenarios of
 * issue 3. The client address arrives as Envoy sends it behind one trusted load balancer: the
 * balancer's address as the peer, the client's as the last x-forwarded-for entry.
 */

let issuer: TestIssuer;
let service: Service;
let client: CheckClient;
const LB = '10.0.0.5';
const LAPTOP = '203.0.113.7';
const ABROAD = '198.51.100.50';
const LAPTOP_UA = 'kubectl/v1.31.0 (linux/amd64) kubernetes/abcdef';
/**
 * The service's clock runs this far ahead of the wall clock: a sign-in "after" a first sighting is
 * the clock moved past it (auth_time is whole seconds, and one in the sighting's own second proves
 * nothing, risk/context-bound.ts), not a sleep, nor an auth_time ahead of the clock (read as now).
 */
let aheadMs = 0;
const nowMs = () => Date.now() + aheadMs;
const sec = () => Math.floor(nowMs() / 1000);
const aal2 = (authAgo = 0, sub = 'alice@example.com') =>
  issuer.token({ sub, acr: 'urn:stepgate:aal2', amr: ['pwd', 'otp', 'mfa'], auth_time: sec() - authAgo, exp: sec() + 3600 });

function yaml(url: string) {
  return withSensitivity(testConfigYaml(url, RISK_YAML), { secrets: 30, 'prod-writes': 20 });
}

beforeAll(async () => {
  issuer = await TestIssuer.start();
  service = await startService(parseConfig(yaml(issuer.url), 'risk.yaml'), { TEST_HMAC_SECRET: HMAC_SECRET }, createLogger('silent'), { now: nowMs });
  client = new CheckClient(service.grpc.port);
});

afterAll(async () => {
  client?.close();
  await service?.stop();
  await issuer?.close();
});

const from = (ip: string, spec: RequestSpec, ua = LAPTOP_UA) =>
  client.check(checkRequest({ ...spec, source: LB, headers: { 'x-forwarded-for': ip, 'user-agent': ua, ...spec.headers } }));

function riskOf(res: CheckResponse) {
  const body = deniedBody(res);
  const payload = (body.kind === 'Status' ? body.stepgate : body) as { risk?: { score: number; band?: string; reasons: { code: string }[] } };
  return payload.risk;
}

describe('risk scenarios', () => {
  it('the same engineer on the same laptop is not challenged once known', async () => {
    // First sighting after a fresh MFA: everything is new (10 + 40 + 10 = 60 → high) but the token
    // is fresh aal2, so it passes and teaches stepgate this laptop and network.
    const fresh = await aal2();
    const first = await from(LAPTOP, { path: '/api/v1/namespaces/dev/pods', token: fresh });
    expect(first.status.code).toBe(0);
    // A day-old aal1 session on the same laptop: nothing new, nothing to challenge.
    const everyday = await issuer.token({ auth_time: sec() - 3600 });
    for (let i = 0; i < 20; i++) {
      const res = await from(LAPTOP, { method: i % 2 ? 'GET' : 'POST', path: '/api/v1/namespaces/dev/configmaps', token: everyday });
      expect(res.status.code, `request ${i} ${JSON.stringify(res.status)} ${reasonOf(res)}`).toBe(0);
    }
  });

  it('a prod write from a network never seen needs a fresh step-up, then goes through', async () => {
    const tenMinutesOld = await aal2(540);
    const write = { method: 'DELETE', path: '/api/v1/namespaces/prod-eu/pods/web-0' };
    // prod-eu is in the working set (a first delete outside it needs a sign-in after it: docs/risk.md).
    expect((await from(LAPTOP, { path: '/api/v1/namespaces/prod-eu/pods', token: tenMinutesOld })).status.code).toBe(0);
    // From the known laptop: prod-writes alone (aal2 within 600 s) is satisfied.
    expect((await from(LAPTOP, { ...write, token: tenMinutesOld })).status.code).toBe(0);
    // The token turns up abroad, used by curl: 20 (prod write) + 40 (new network) + 10 (new
    // device) + 15 (a client never proven) = 85 → high. And the requirement is bound to the new
    // network: an authentication after it was first seen, so max_age is 0 (seconds since then).
    const res = await from(ABROAD, { ...write, token: tenMinutesOld }, 'curl/8.5.0');
    expect(res.status.code).not.toBe(0);
    expect(reasonOf(res)).toBe('auth_too_old');
    expect(deniedStatus(res)).toBe('Unauthorized');
    expect(deniedHeader(res, 'www-authenticate')).toMatch(/error="insufficient_user_authentication".*max_age=[01]\b/);
    expect((deniedBody(res) as { message: string }).message).toMatch(/: sign in again at level aal2, made after \d\d:\d\d:\d\dZ; your sign-in is from [^ ]+ \(auth_too_old\)\. New network since \d\d:\d\d:\d\dZ; sign in again\. /);
    const risk = riskOf(res)!;
    expect(risk.reasons.map((r) => r.code)).toEqual(['path_sensitive', 'new_network', 'new_device', 'ua_family_change']);
    expect([risk.score, risk.band]).toEqual([85, 'high']);
    // After a fresh MFA from there, the same write passes (and teaches stepgate the place), and
    // with the same token the next one carries only the path's weight.
    aheadMs += 2_000;
    const stepped = await aal2();
    expect((await from(ABROAD, { ...write, token: stepped }, 'curl/8.5.0')).status.code).toBe(0);
    expect((await from(ABROAD, { ...write, token: stepped }, 'curl/8.5.0')).status.code).toBe(0);
  });

  it('a burst of Secrets reads leads to a step-up, and with more risk to a refusal', async () => {
    // carol signs in with MFA on her laptop: stepgate learns it.
    expect((await from(LAPTOP, { path: '/api/v1/namespaces/dev/pods', token: await aal2(0, 'carol@example.com') })).status.code).toBe(0);
    const token = await aal2(300, 'carol@example.com');
    const read = (i: number) => from(LAPTOP, { path: `/api/v1/namespaces/dev/secrets/s${i}`, token });
    const outcomes: string[] = [];
    for (let i = 0; i < 50; i++) outcomes.push(reasonOf(await read(i)) ?? '');
    // 3 distinct Secrets in a few seconds are fine; from the 4th the machine pace weighs 45 (30 +
    // 45 = 75 → high) and binds the requirement to a sign-in after the run began; from the 7th
    // the enumeration adds 45 more (critical), but from her own laptop, network and client:
    // still a step-up, bound to a sign-in after the enumeration began, which the token on her
    // laptop (signed in before it) never meets.
    expect(outcomes.slice(0, 3)).toEqual(new Array(3).fill('allowed'));
    expect(outcomes.slice(3)).toEqual(new Array(47).fill('auth_too_old'));
    const seventh = await read(6);
    expect(riskOf(seventh)!.reasons.map((r) => r.code)).toEqual(expect.arrayContaining(['machine_pace', 'sensitive_objects']));
    expect(riskOf(seventh)!.band).toBe('high');
    expect(JSON.stringify(deniedBody(seventh))).toMatch(/unusual number of sensitive objects since/i);
    // Signed in again after it began, she goes on: the engineer who is really doing it.
    aheadMs += 2_000;
    const again = await aal2(0, 'carol@example.com');
    expect(reasonOf(await from(LAPTOP, { path: '/api/v1/namespaces/dev/secrets/s50', token: again }))).toBe('allowed');

    // dave does the same from a network never seen: 30 + 45 + 40 + … ≥ 90 → critical: refused outright.
    const dave = await issuer.token({ sub: 'dave@example.com', acr: 'urn:stepgate:aal2', amr: ['mfa'], auth_time: sec() - 2000, exp: sec() + 3600 });
    let last: CheckResponse | undefined;
    for (let i = 0; i < 35; i++) last = await from(ABROAD, { path: `/api/v1/namespaces/dev/secrets/s${i}`, token: dave });
    expect(reasonOf(last!)).toBe('risk_deny');
    expect(deniedStatus(last!)).toBe('Forbidden');
    expect(riskOf(last!)!.band).toBe('critical');
    expect(JSON.stringify(deniedBody(last!))).toContain('ask #platform-oncall');
    // The body names codes and weights, not the details (addresses) behind them.
    expect(JSON.stringify(deniedBody(last!))).not.toContain(ABROAD);
  });

  it('a spoofed x-forwarded-for entry does not make a new network look known', async () => {
    const token = await aal2(300, 'erin@example.com');
    // erin becomes known on the laptop (fresh token); later her token is used from abroad.
    expect((await from(LAPTOP, { path: '/api/v1/namespaces/dev/pods', token: await aal2(0, 'erin@example.com') })).status.code).toBe(0);
    expect((await from(LAPTOP, { path: '/api/v1/namespaces/prod-eu/pods', token: await aal2(0, 'erin@example.com') })).status.code).toBe(0);
    const write = { method: 'DELETE', path: '/api/v1/namespaces/prod-eu/pods/web-0', token };
    // The attacker writes the laptop's address into the header; the balancer appends the real one.
    const spoofed = await client.check(
      checkRequest({ ...write, source: LB, headers: { 'x-forwarded-for': `${LAPTOP}, ${ABROAD}`, 'user-agent': LAPTOP_UA } }),
    );
    expect(reasonOf(spoofed)).toBe('auth_too_old');
    expect(riskOf(spoofed)!.reasons.map((r) => r.code)).toContain('new_network');
    // Straight from the laptop (through the balancer) the same token is fine.
    expect((await from(LAPTOP, write)).status.code).toBe(0);
  });

  it('a trusted corporate network lowers the score instead of raising it', async () => {
    const token = await aal2(500, 'frank@example.com');
    const res = await from('192.0.2.44', { method: 'DELETE', path: '/api/v1/namespaces/prod-eu/pods/web-0', token });
    // sensitivity 20 + first_seen 10 + new device 10 − 15 = 25: no band, prod-writes is satisfied.
    expect(res.status.code).toBe(0);
  });

  it('explain shows the same score and reasons', async () => {
    const out = await explain(parseConfig(yaml(issuer.url), 'risk.yaml'), {
      method: 'DELETE',
      url: 'https://kube.example.com/api/v1/namespaces/prod-eu/pods/web-0',
      headers: [['user-agent', LAPTOP_UA], ['x-forwarded-for', ABROAD]],
      claims: { iss: issuer.url, sub: 'gina@example.com', acr: 'urn:stepgate:aal1', amr: ['pwd'], auth_time: sec() - 100 },
      source: LB,
    }, { env: { TEST_HMAC_SECRET: HMAC_SECRET } });
    // 20 (prod write) + 40 (new network) + 10 (new device) + 10 (first sighting) = 80 → high.
    expect(out.risk).toMatchObject({ score: 80, band: 'high', client_ip: ABROAD });
    expect(out.risk!.reasons.map((r) => r.code)).toEqual(['path_sensitive', 'new_network', 'new_device', 'first_seen']);
    expect(out.decision.reason).toBe('acr_insufficient');
    // A subject with no history: its sign-in up to learn.max_age_seconds before counts as made here.
    expect(out.policy!.matched_rules).toEqual(['prod-writes', 'risk:high', 'risk:context']);
  });
});
