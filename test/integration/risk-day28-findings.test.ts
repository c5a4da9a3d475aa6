import { describe, expect, it } from 'vitest';
import { reasonOf } from '../support/grpc-client.js';
import { exampleServiceForFile } from '../support/workday-service.js';
import { findingRequests, rules, type Step } from '../support/findings.js';
import { AGENCY, API, ASSERTION, assertionOf, D28_MON, KUBECTL, OFFICE, PROXY_A, PROXY_B, SITE, VPS } from '../support/workday28.js';

/**
 * What the twenty-eighth replayed day (test/support/workday28.ts, docs/risk.md "Day 28") found,
 * through the real gRPC server running a site copy of examples/stepgate.yaml on a virtual clock:
 * engineers who reach the gateway through an identity-aware access proxy (its pods in
 * 10.60.0.0/16 append the address they saw to x-forwarded-for, listed in
 * `network.xff_trusted_cidrs`, its signed assertion verified through `access_proxy`), beside a
 * public listener that the VPN reaches directly. Each test is one person's routine, then the
 * finding, with their sign-in of that moment. The open ones are `it.fails`.
 */

const s = exampleServiceForFile({ edit: SITE });
/** The warm-up Monday and the scored Tuesday, 08:00 UTC. */
const [MON, TUE] = [1, 2].map((d) => Date.UTC(2027, 1, d, 8, 0, 0)) as [number, number];
const H = 3_600_000;
const UA = KUBECTL('linux/amd64');
/** A payments engineer's home line, reached through the proxy. */
const HOME = '79.246.12.77';
/** Through the access proxy, whose session is `user`'s (its signed assertion, valid both days). */
const viaProxy = (user: string, client: string, pod = PROXY_A(0)) => ({ source: pod, headers: { 'x-forwarded-for': client, [ASSERTION]: assertionOf(user, D28_MON, 48) } });

const { send, twoDays } = findingRequests(s, { host: API, source: PROXY_A(0), ua: UA, firstDay: MON, secondDay: TUE });

const paymentsCalls: Step[] = [
  ['GET', '/api/v1/namespaces/payments-prod/pods?limit=500'],
  ['GET', '/api/v1/namespaces/payments-prod/pods/psp-adapter-1/log?container=adapter&tailLines=500'],
  ['GET', '/api/v1/namespaces/payments-staging/secrets/psp-sandbox'],
  ['GET', '/apis/apps/v1/namespaces/payments-prod/deployments?limit=500'],
];

describe('an access proxy in front of the gateway, its pods listed in network.xff_trusted_cidrs, with a site copy of examples/stepgate.yaml', () => {
  // Was allowed (day 28 with xff_num_trusted_hops: 1, as docs/configuration.md advised for one
  // proxy: eight runs of ten): a phished token sent straight to the public listener, with an
  // x-forwarded-for the attacker wrote naming the victim's home address. One trusted hop took the
  // rightmost entry as the proxy's. With the proxies listed, a peer that is not one of them is the
  // client itself: a network never seen, a sign-in there.
  it("a client-written x-forwarded-for sent straight to the gateway does not borrow the victim's home address", async () => {
    const me = 'd28f-pay-home@lumora.example';
    const login = await twoDays(me, paymentsCalls, viaProxy(me, HOME));
    const res = await send(login, TUE + 2 * H, 'GET', '/api/v1/namespaces/payments-prod/pods?limit=500', { source: VPS, headers: { 'x-forwarded-for': HOME } });
    expect(reasonOf(res), rules(res)).toBe('auth_too_old');
    // The victim, through the proxy's redeployed pods, goes on.
    const own = await send(login, TUE + 2.1 * H, 'GET', '/api/v1/namespaces/payments-prod/pods?limit=500', viaProxy(me, HOME, PROXY_B(1)));
    expect(reasonOf(own), rules(own)).toBe('allowed');
  });

  // Was allowed (day 28 with one trusted hop: ten runs of ten): the same naming one of the
  // proxy's pods, inside the example's trusted_networks (10.0.0.0/8).
  it("naming one of the proxy's pods in x-forwarded-for does not make a direct client a trusted network", async () => {
    const me = 'd28f-pay-pod@lumora.example';
    const login = await twoDays(me, paymentsCalls, viaProxy(me, OFFICE(3)));
    const res = await send(login, TUE + 3 * H, 'GET', '/api/v1/namespaces/payments-prod/pods?limit=500', { source: VPS, headers: { 'x-forwarded-for': PROXY_B(1) } });
    expect(reasonOf(res), rules(res)).toBe('auth_too_old');
  });

  // Stopped at its first request (day 28, every run): a contractor with a proxy account sends a
  // stolen token through the proxy with the victim's office address written in front of what the
  // proxy appends. The proxy's entry, the contractor's own address, is the client. Here the
  // contractor holds the victim's proxy session as well (its cookie taken with the token), so
  // the assertion is the victim's and only the address is left to tell them apart.
  it("a client-written entry in front of the proxy's own is not the client", async () => {
    const me = 'd28f-web@lumora.example';
    const login = await twoDays(me, paymentsCalls, viaProxy(me, OFFICE(10)));
    const res = await send(login, TUE + 5 * H, 'GET', '/api/v1/namespaces/payments-prod/pods?limit=500', { source: PROXY_B(2), headers: { 'x-forwarded-for': `${OFFICE(10)}, ${AGENCY(10)}`, [ASSERTION]: assertionOf(me, D28_MON, 48) }, ua: KUBECTL('windows/amd64') });
    expect(reasonOf(res), rules(res)).toBe('auth_too_old');
  });

  // Was stopped only by the address (above): the same contractor through their own proxy session.
  // The proxy signs the contractor's email; the token names the victim: refused, whatever the address.
  it("a stolen token through the proxy under the contractor's own proxy session is refused", async () => {
    const me = 'd28f-web-2@lumora.example';
    const login = await twoDays(me, paymentsCalls, viaProxy(me, OFFICE(10)));
    const res = await send(login, TUE + 5 * H, 'GET', '/api/v1/namespaces/payments-prod/pods?limit=500', { ...viaProxy('d28f-ctr@lumora.example', AGENCY(10), PROXY_B(2)), ua: KUBECTL('windows/amd64') });
    expect(reasonOf(res), rules(res)).toBe('proxy_user_mismatch');
    expect(res.status.code).toBe(7);
  });

  // Was allowed (day 28's insider was stopped only because the colleague's laptop runs Windows and
  // the victim's Linux: platform_change): a teammate in the same office, on the same OS and
  // kubectl build, riding another engineer's token through the proxy. To stepgate the request was
  // the victim's, from the office NAT pool the victim uses, with the victim's client. The proxy
  // knew better: its session is the teammate's, and it signs that into X-Pomerium-Jwt-Assertion.
  // With access_proxy the assertion is verified and its email compared with the token's: refused
  // (403, not a step-up: the victim's sign-in would not change who is at the proxy).
  it("a teammate on the same office network and client is not allowed production's Secrets with another engineer's token", async () => {
    const victim = 'd28f-pay-team@lumora.example';
    const login = await twoDays(victim, paymentsCalls, viaProxy(victim, OFFICE(20)));
    const res = await send(login, TUE + 3 * H, 'GET', '/api/v1/namespaces/payments-prod/secrets/psp-live', viaProxy('d28f-pay-mate@lumora.example', OFFICE(23), PROXY_A(1)));
    expect(reasonOf(res), rules(res)).not.toBe('allowed');
    expect(reasonOf(res)).toBe('proxy_user_mismatch');
    // The victim, through the proxy under their own session, goes on.
    const own = await send(login, TUE + 3.1 * H, 'GET', '/api/v1/namespaces/payments-prod/pods?limit=500', viaProxy(victim, OFFICE(20), PROXY_A(1)));
    expect(reasonOf(own), rules(own)).toBe('allowed');
  });

  // A request through the proxy without its assertion (a route that does not pass identity
  // headers, or a client that reached the proxies' network and the internal listener itself).
  it("a request from the proxy's pods without the assertion is refused", async () => {
    const me = 'd28f-pay-bare@lumora.example';
    const login = await twoDays(me, paymentsCalls, viaProxy(me, OFFICE(30)));
    const res = await send(login, TUE + 4 * H, 'GET', '/api/v1/namespaces/payments-prod/pods?limit=500', { source: PROXY_A(2), headers: { 'x-forwarded-for': OFFICE(30) } });
    expect(reasonOf(res)).toBe('proxy_assertion_missing');
  });
});
