import { describe, expect, it } from 'vitest';
import { reasonOf } from '../support/grpc-client.js';
import { exampleServiceForFile } from '../support/workday-service.js';
import { findingRequests, rules, signIn, type Step } from '../support/findings.js';
import { WIN } from '../support/workday.js';
import { API, BROWSER_HINTS, CHROME, FLOOR, forgedXfcc, HEADLAMP, KUBECTL, LAPTOP, OFFICE, pressRecipe, TERMINAL, VENDOR, VPN_B } from '../support/workday27.js';

/**
 * What the twenty-seventh replayed day (test/support/workday27.ts, docs/risk.md "Day 27") found,
 * through the real gRPC server running examples/stepgate.yaml on a virtual clock: a maker of car
 * parts whose managed laptops present a device client certificate to the gateway
 * (`source.principal`), shop-floor thin clients shared by shifts, and contractors without
 * certificates. Each test is one person's routine, then the finding, with their sign-in of that
 * moment. The open ones are `it.fails`.
 */

const s = exampleServiceForFile();
/** The warm-up Tuesday and the scored Wednesday, 07:00 UTC. */
const [TUE, WED] = [26, 27].map((d) => Date.UTC(2027, 0, d, 7, 0, 0)) as [number, number];
const H = 3_600_000;
const UA = KUBECTL('linux/amd64');
const CTL = LAPTOP('PF3K9A21');

const { send, routine, twoDays } = findingRequests(s, { host: API, source: OFFICE(11), ua: UA, firstDay: TUE, secondDay: WED });

const controlsCalls: Step[] = [
  ['GET', '/api/v1/namespaces/plc-gateway-prod/pods?limit=500'],
  ['GET', '/api/v1/namespaces/mes-prod/pods?limit=500'],
  ['GET', '/api/v1/namespaces/mes-staging/secrets/mes-db'],
  ['POST', '/api/v1/namespaces/mes-staging/pods/mes-api-1/exec?command=sh&container=api&stdin=true&stdout=true&tty=true'],
];

describe('managed laptops with device client certificates, shared thin clients and unmanaged contractors, with examples/stepgate.yaml', () => {
  // Was allowed (day 27, every seed, both ways): a controls engineer's token, replayed from an
  // unmanaged machine on the office network with the victim's kubectl agent and no certificate.
  // The office network is known; a fingerprint never proven weighs 10 and never binds.
  // certificate_missing: the login came with a client certificate before.
  it("a managed laptop's token from a machine without its certificate, on the office network, is bound to a sign-in there", async () => {
    const login = await twoDays('d27f-ctl@brandauer.example', controlsCalls, { principal: CTL });
    const res = await send(login, WED + 7.66 * H, 'GET', '/api/v1/namespaces/plc-gateway-prod/pods?limit=500', { source: OFFICE(173) });
    expect(reasonOf(res), rules(res)).toBe('auth_too_old');
    expect(res.denied_response?.body ?? '').toContain('client certificate');
    // The laptop itself goes on.
    const own = await send(login, WED + 7.67 * H, 'GET', '/api/v1/namespaces/plc-gateway-prod/pods?limit=500', { principal: CTL });
    expect(reasonOf(own), rules(own)).toBe('allowed');
  });

  // Was allowed (day 27, every seed, both ways): the same with an x-forwarded-client-cert the
  // client wrote, naming the victim's laptop. The example does not trust the header (Envoy in
  // front sanitises it), so it is no certificate: certificate_missing as above.
  it('a client-written x-forwarded-client-cert naming the laptop is no certificate', async () => {
    const login = await twoDays('d27f-ctl-xfcc@brandauer.example', controlsCalls, { principal: CTL });
    const res = await send(login, WED + 3.33 * H, 'GET', '/api/v1/namespaces/mes-prod/pods?limit=500', { source: OFFICE(181), headers: { 'x-forwarded-client-cert': forgedXfcc(CTL, 'a3f1c0de'.repeat(8)) } });
    expect(reasonOf(res), rules(res)).toBe('auth_too_old');
  });

  // Stopped at its first request (day 27, every seed): another employee's managed laptop (their
  // certificate) with the victim's token is a certificate never known for the victim (new_device).
  it("another employee's certificate with the victim's token is a new device bound to a sign-in", async () => {
    const login = await twoDays('d27f-ctl-3@brandauer.example', controlsCalls, { principal: LAPTOP('PF3K9B07') });
    const res = await send(login, WED + 8.5 * H, 'GET', '/api/v1/namespaces/plc-gateway-prod/pods?limit=500', { principal: LAPTOP('5CG2481JQ'), ua: KUBECTL('windows/amd64') });
    expect(reasonOf(res), rules(res)).toBe('auth_too_old');
  });

  // Open (day 27 without the warm-up day, every seed): malware on the on-call's managed laptop at
  // 23:10, after the evening's work from home: the laptop's own certificate, its VPN address, the
  // evening's token; the Secrets of the production namespaces the on-call works in. Every piece of
  // device evidence is the victim's own, because the device is. With the warm-up day's history the
  // first Secret read is unfamiliar_kind (a sign-in after it); a subject who has read Secrets
  // before, or has no day of history, is allowed. What would close it: a sign-in for Secrets at
  // night (a site rule with hours, which stepgate does not have), or keys the malware cannot use
  // (a certificate whose key needs the user's presence, such as a smart card's PIN per use).
  it.fails("malware on the on-call's own managed laptop at night, with its certificate and its token, is not allowed production's Secrets", async () => {
    const laptop = LAPTOP('C02H17MZ');
    const o = { principal: laptop, source: VPN_B(11 * 13), ua: KUBECTL('darwin/arm64') };
    const login = signIn('d27f-oncall@brandauer.example', WED + 12.5 * H - 40_000);
    await routine(login, WED + 12.5 * H, [['GET', '/api/v1/namespaces/mes-prod/pods?limit=500'], ['GET', '/api/v1/namespaces/plc-gateway-prod/events?limit=500'], ['GET', '/api/v1/namespaces/historian-prod/pods?limit=500']], o);
    const res = await send(login, WED + 16.16 * H, 'GET', '/api/v1/namespaces/mes-prod/secrets', o);
    expect(reasonOf(res), rules(res)).not.toBe('allowed');
  });

  // Open (day 27 without the warm-up day, four seeds of five): a contractor's token copied to a
  // colleague's PC at the vendor's office: the same network, Windows image and kubectl, no
  // certificate on either. Nothing the request carries tells the two machines apart; the warm-up
  // day's history stops it at the first Secret read (unfamiliar_kind). What would close it: device
  // evidence for contractors (a certificate of the vendor's own MDM, trusted at the gateway) or a
  // policy that gives certificate-less clients no production access.
  it.fails("a contractor's token on another machine of the contractor's network is not allowed production's Secrets", async () => {
    const o = { source: VENDOR(7 * 7), ua: KUBECTL('windows/amd64') };
    const login = signIn('d27f-ctr@brandauer.example', WED + H - 40_000);
    await routine(login, WED + H, [['GET', '/api/v1/namespaces/vision-prod/pods?limit=500'], ['GET', '/api/v1/namespaces/vision-prod/pods/inspector-0/log?tailLines=500'], ['GET', '/api/v1/namespaces/vision-staging/pods?limit=500']], o);
    const res = await send(login, WED + 7.5 * H, 'GET', '/api/v1/namespaces/vision-prod/secrets', { ...o, source: VENDOR(7 * 7 + 3) });
    expect(reasonOf(res), rules(res)).not.toBe('allowed');
  });

  // Open (stopped on day 27 only by prod-writes' 8-hour freshness: the early shift signed in at
  // 05:00, the late shift used the session at 13:20): the late shift on a shared thin client uses
  // the early shift's Headlamp session, left open: the same terminal certificate, network and
  // browser, the other person's token. An hour after that sign-in (a mid-shift handover), Line
  // A's press recipe (a ConfigMap in production) is changed; a scale to zero would be refused
  // (prod-durable-deletes: a sign-in within 15 minutes). What
  // would close it: the terminal ending the browser's session at each Windows logoff (kiosk
  // mode), or the identity provider's tokens for shared terminals living minutes; to stepgate the
  // request is the early shift's, from where they worked.
  it.fails("another person on a shared thin client is not allowed to change a line's press recipe with the previous user's Headlamp session", async () => {
    const o = { host: HEADLAMP, source: FLOOR(1), ua: CHROME(WIN), principal: TERMINAL(1), headers: BROWSER_HINTS(WIN) };
    const login = signIn('d27f-floor@brandauer.example', WED - 2 * H - 40_000);
    await routine(login, WED - 2 * H, [['GET', '/clusters/main/api/v1/namespaces/line-a-prod/pods'], ['GET', '/clusters/main/apis/apps/v1/namespaces/line-a-prod/deployments'], ['PATCH', '/clusters/main/apis/apps/v1/namespaces/line-a-prod/deployments/opcua-bridge', JSON.stringify({ spec: { template: { metadata: { annotations: { 'kubectl.kubernetes.io/restartedAt': '2027-01-27T05:10:00Z' } } } } }), 'application/strategic-merge-patch+json']], o);
    const res = await send(login, WED - H, 'PATCH', '/clusters/main/api/v1/namespaces/line-a-prod/configmaps/press-recipe', { ...o, body: pressRecipe, contentType: 'application/merge-patch+json' });
    expect(reasonOf(res), rules(res)).not.toBe('allowed');
  });
});
