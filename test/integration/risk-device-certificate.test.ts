import { describe, expect, it } from 'vitest';
import { deviceUri } from '../../src/core/device-uri.js';
import { deniedBody, deniedHeader, reasonOf } from '../support/grpc-client.js';
import { findingRequests, rules, type Step } from '../support/findings.js';
import type { Login } from '../support/workday.js';
import { exampleServiceForFile } from '../support/workday-service.js';
import { API, KUBECTL, oktaLogin, VPS_DEVICE, VPS_RESET, type Factor } from '../support/workday31.js';

/**
 * stepgate's own device certificates (device_certificates) in the risk engine, through the real
 * gRPC server on a virtual clock: the gateway verified the certificate and passes its URI SAN as
 * `source.principal`, which names the device and the issuer and subject it was issued to
 * (core/device-uri.ts). Day 31's people and attackers (test/support/workday31.ts): an engineer who
 * signs in with a hardware key, working two days from home with kubectl and its certificate.
 */

const [MON, TUE] = [19, 20].map((d) => Date.UTC(2027, 3, d, 8, 0, 0)) as [number, number];
const H = 3_600_000;
const HOME = '84.214.99.12';
const HOTEL = '185.46.212.97';
/** The engineer's own kubectl agent: the attacker sends exactly this one. */
const MAC_KUBECTL = KUBECTL();
const billing: Step[] = [
  ['GET', '/api/v1/namespaces/billing-prod/pods?limit=500'],
  ['GET', '/api/v1/namespaces/billing-staging/pods/billing-api-x1/log?container=api&tailLines=500'],
  ['GET', '/api/v1/namespaces/billing-staging/secrets/billing-db'],
];

function asked(res: Parameters<typeof reasonOf>[0]): { context: string | undefined; acr: string | undefined } {
  const body = deniedBody(res) as { stepgate?: { risk?: { context?: { code?: string } } }; risk?: { context?: { code?: string } } };
  const risk = body.stepgate?.risk ?? body.risk;
  return { context: risk?.context?.code, acr: /acr_values="([^" ]*)/.exec(deniedHeader(res, 'www-authenticate') ?? '')?.[1] };
}

/** The rows of one server: the example, or a site's copy of it. */
function rows(s: ReturnType<typeof exampleServiceForFile>) {
  const { send, routine } = findingRequests(s, { host: API, source: HOME, ua: MAC_KUBECTL, firstDay: MON, secondDay: TUE });
  /** The principal the gateway passes for `sub`'s stepgate device certificate (its token's issuer). */
  async function certOf(sub: string, device: string): Promise<string> {
    const token = await s.minter.token(oktaLogin(sub, `${sub}:probe`, MON, 'key'), MON);
    const iss = (JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString()) as { iss: string }).iss;
    return deviceUri({ deviceId: device.padEnd(32, 'x'), issuer: iss, subject: sub });
  }
  /** Two days of `reqs` from home, each after a morning sign-in with `factor`, with `principal` (or none). */
  async function twoDays(me: string, reqs: Step[], factor: Factor, principal: string | undefined): Promise<Login> {
    let login = oktaLogin(me, `${me}:mon`, MON - 40_000, factor);
    await routine(login, MON, reqs, principal !== undefined ? { principal } : {});
    login = oktaLogin(me, `${me}:tue`, TUE - 40_000, factor);
    await routine(login, TUE, reqs, principal !== undefined ? { principal } : {});
    return login;
  }
  return { send, routine, certOf, twoDays };
}

describe('with examples/stepgate.yaml', () => {
  const s = exampleServiceForFile();
  const { send, certOf, twoDays } = rows(s);

  // Session 40's open row. The helpdesk-reset caller signs in as the engineer with their own
  // authenticator (a code, where the engineer only ever used a key) from a VPS, sending the
  // engineer's exact kubectl agent. With the certificate, the engineer's device is the
  // certificate; whatever agent the caller sends is a device never proven.
  it("a helpdesk-reset caller sending the enrolled engineer's exact kubectl agent is asked for the hardware key", async () => {
    const me = 'dc-reset@vekta.example';
    await twoDays(me, billing, 'key', await certOf(me, 'laptop-reset'));
    const at = TUE + 5 * H;
    const first = await send(oktaLogin(me, `${me}:attacker`, at - 60_000, 'otp'), at, 'GET', '/api/v1/namespaces/billing-prod/secrets/billing-db', { source: VPS_RESET, ua: MAC_KUBECTL });
    expect(reasonOf(first), rules(first)).toBe('acr_insufficient');
    expect(asked(first)).toEqual({ context: 'assurance_downgrade', acr: 'urn:stepgate:aal3' });
    const retry = await send(oktaLogin(me, `${me}:attacker`, at + 20_000, 'otp'), at + 25_000, 'GET', '/api/v1/namespaces/billing-prod/secrets/billing-db', { source: VPS_RESET, ua: MAC_KUBECTL });
    expect(reasonOf(retry), rules(retry)).toBe('acr_insufficient');
  });

  // The same caller against an engineer without a certificate: since session 41 a device known by
  // its fingerprint alone proves nothing to assurance_downgrade, so the copied agent does not
  // pass as the engineer's laptop here either (redteam41a closed the row for every engineer; the
  // certificate is what keeps the engineer's own laptop proven on a new network).
  it('without the certificate, the same caller is asked for the key too (a fingerprint proves nothing to the signal)', async () => {
    const me = 'dc-reset-nocert@vekta.example';
    await twoDays(me, billing, 'key', undefined);
    const at = TUE + 5 * H;
    const first = await send(oktaLogin(me, `${me}:attacker`, at - 60_000, 'otp'), at, 'GET', '/api/v1/namespaces/billing-prod/secrets/billing-db', { source: VPS_RESET, ua: MAC_KUBECTL });
    expect(reasonOf(first), rules(first)).toBe('acr_insufficient');
    expect(asked(first)).toEqual({ context: 'assurance_downgrade', acr: 'urn:stepgate:aal3' });
  });

  // A thief with the token but not the key: the engineer's morning token from a machine without
  // the certificate, on the engineer's own home network, with the exact agent: certificate_missing.
  it("the enrolled engineer's token without the certificate, from their home network with their agent, is bound to a sign-in", async () => {
    const me = 'dc-copy@vekta.example';
    const login = await twoDays(me, billing, 'key', await certOf(me, 'laptop-copy'));
    const res = await send(login, TUE + 3 * H, 'GET', '/api/v1/namespaces/billing-prod/pods?limit=500', { ua: MAC_KUBECTL });
    expect(reasonOf(res), rules(res)).toBe('auth_too_old');
    expect(asked(res).context).toBe('certificate_missing');
    // The laptop with its certificate goes on.
    const own = await send(login, TUE + 3 * H + 60_000, 'GET', '/api/v1/namespaces/billing-prod/pods?limit=500', { principal: await certOf(me, 'laptop-copy') });
    expect(reasonOf(own), rules(own)).toBe('allowed');
  });

  // A colleague's stepgate certificate with the engineer's token (the colleague's laptop, the
  // engineer's copied token): no certificate for the engineer, so the login that came with the
  // engineer's own certificate is certificate_missing, as with no certificate at all.
  it("a colleague's stepgate certificate with the engineer's token is no certificate for the engineer", async () => {
    const me = 'dc-victim@vekta.example';
    const login = await twoDays(me, billing, 'key', await certOf(me, 'laptop-victim'));
    const res = await send(login, TUE + 3 * H, 'GET', '/api/v1/namespaces/billing-prod/pods?limit=500', { principal: await certOf('dc-colleague@vekta.example', 'laptop-colleague') });
    expect(reasonOf(res), rules(res)).toBe('auth_too_old');
    const risk = (deniedBody(res) as { stepgate: { risk: { reasons: { code: string }[] } } }).stepgate.risk;
    expect(risk.reasons.map((r) => r.code)).toContain('certificate_missing');
  });
});

describe('with risk.learn.certificate_roams (a site whose laptops keep their keys)', () => {
  const s = exampleServiceForFile({ edit: (yaml) => yaml.replace('    min_level: aal2\n', '    min_level: aal2\n    certificate_roams: true\n') });
  const { send, certOf, twoDays } = rows(s);

  // A device-code phisher holds the engineer's fresh key sign-in and sends it with their own
  // stepgate certificate (they are an employee too): asked for the new network and answered with
  // another phished sign-in, so that machine is proven for the engineer. Counted as a certificate,
  // it would then carry the engineer's tokens to any network (certificate_roams); it is not one
  // for the engineer, so a new network is asked again.
  it("a colleague's certificate proven with the engineer's sign-in does not roam for the engineer", async () => {
    const me = 'dc-roam@vekta.example';
    await twoDays(me, billing, 'key', await certOf(me, 'laptop-roam'));
    const theirs = await certOf('dc-phisher@vekta.example', 'laptop-phisher');
    const at = TUE + 4 * H;
    const first = await send(oktaLogin(me, `${me}:phished`, at - 60_000, 'key'), at, 'GET', '/api/v1/namespaces/billing-prod/pods?limit=500', { source: VPS_DEVICE, principal: theirs });
    expect(reasonOf(first), rules(first)).toBe('auth_too_old');
    const phished = oktaLogin(me, `${me}:phished`, at + 20_000, 'key');
    const retry = await send(phished, at + 25_000, 'GET', '/api/v1/namespaces/billing-prod/pods?limit=500', { source: VPS_DEVICE, principal: theirs });
    expect(reasonOf(retry), rules(retry)).toBe('allowed');
    const later = await send(phished, at + 2 * H, 'GET', '/api/v1/namespaces/billing-prod/pods?limit=500', { source: HOTEL, principal: theirs });
    expect(reasonOf(later), rules(later)).toBe('auth_too_old');
  });

  // What certificate_roams is for, with the engineer's own stepgate certificate: the laptop at a
  // hotel with the morning's token is not asked.
  it("the engineer's own certificate roams: the laptop at a hotel with the morning's token is not asked", async () => {
    const me = 'dc-roam-own@vekta.example';
    const login = await twoDays(me, billing, 'key', await certOf(me, 'laptop-own'));
    const res = await send(login, TUE + 4 * H, 'GET', '/api/v1/namespaces/billing-prod/pods?limit=500', { source: HOTEL, principal: await certOf(me, 'laptop-own') });
    expect(reasonOf(res), rules(res)).toBe('allowed');
  });
});
