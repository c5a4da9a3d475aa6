import { describe, expect, it } from 'vitest';
import { reasonOf } from '../support/grpc-client.js';
import { exampleServiceForFile } from '../support/workday-service.js';
import { findingRequests, rules, type Step } from '../support/findings.js';
import { AGENCY, API, KUBECTL, OFFICE, PROXY_A, PROXY_B, SITE, VPS } from '../support/workday28.js';

/**
 * What the twenty-eighth replayed day (test/support/workday28.ts, docs/risk.md "Day 28") found,
 * through the real gRPC server running a site copy of examples/stepgate.yaml on a virtual clock:
 * engineers who reach the gateway through an identity-aware access proxy (its pods in
 * 10.60.0.0/16 append the address they saw to x-forwarded-for, listed in
 * `network.xff_trusted_cidrs`), beside a public listener that the VPN reaches directly. Each test
 * is one person's routine, then the finding, with their sign-in of that moment. The open ones are
 * `it.fails`.
 */

const s = exampleServiceForFile({ edit: SITE });
/** The warm-up Monday and the scored Tuesday, 08:00 UTC. */
const [MON, TUE] = [1, 2].map((d) => Date.UTC(2027, 1, d, 8, 0, 0)) as [number, number];
const H = 3_600_000;
const UA = KUBECTL('linux/amd64');
/** A payments engineer's home line, reached through the proxy. */
const HOME = '79.246.12.77';
const viaProxy = (client: string, pod = PROXY_A(0)) => ({ source: pod, headers: { 'x-forwarded-for': client } });

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
    const login = await twoDays('d28f-pay-home@lumora.example', paymentsCalls, viaProxy(HOME));
    const res = await send(login, TUE + 2 * H, 'GET', '/api/v1/namespaces/payments-prod/pods?limit=500', { source: VPS, headers: { 'x-forwarded-for': HOME } });
    expect(reasonOf(res), rules(res)).toBe('auth_too_old');
    // The victim, through the proxy's redeployed pods, goes on.
    const own = await send(login, TUE + 2.1 * H, 'GET', '/api/v1/namespaces/payments-prod/pods?limit=500', viaProxy(HOME, PROXY_B(1)));
    expect(reasonOf(own), rules(own)).toBe('allowed');
  });

  // Was allowed (day 28 with one trusted hop: ten runs of ten): the same naming one of the
  // proxy's pods, inside the example's trusted_networks (10.0.0.0/8).
  it("naming one of the proxy's pods in x-forwarded-for does not make a direct client a trusted network", async () => {
    const login = await twoDays('d28f-pay-pod@lumora.example', paymentsCalls, viaProxy(OFFICE(3)));
    const res = await send(login, TUE + 3 * H, 'GET', '/api/v1/namespaces/payments-prod/pods?limit=500', { source: VPS, headers: { 'x-forwarded-for': PROXY_B(1) } });
    expect(reasonOf(res), rules(res)).toBe('auth_too_old');
  });

  // Stopped at its first request (day 28, every run): a contractor with a proxy account sends a
  // stolen token through the proxy with the victim's office address written in front of what the
  // proxy appends. The proxy's entry, the contractor's own address, is the client.
  it("a client-written entry in front of the proxy's own is not the client", async () => {
    const login = await twoDays('d28f-web@lumora.example', paymentsCalls, viaProxy(OFFICE(10)));
    const res = await send(login, TUE + 5 * H, 'GET', '/api/v1/namespaces/payments-prod/pods?limit=500', { source: PROXY_B(2), headers: { 'x-forwarded-for': `${OFFICE(10)}, ${AGENCY(10)}` }, ua: KUBECTL('windows/amd64') });
    expect(reasonOf(res), rules(res)).toBe('auth_too_old');
  });

  // Open (day 28's insider was stopped only because the colleague's laptop runs Windows and the
  // victim's Linux: platform_change): a teammate in the same office, on the same OS and kubectl
  // build, riding another engineer's token through the proxy. The proxy knew who was signed in to
  // it (its own session is the teammate's) but forwards only the bearer token; to stepgate the
  // request is the victim's, from the office NAT pool the victim uses, with the victim's client.
  // What would close it: the proxy passing the identity of its own session (a signed header such
  // as Pomerium's X-Pomerium-Jwt-Assertion) for stepgate to compare with the token's subject,
  // which stepgate does not read.
  it.fails("a teammate on the same office network and client is not allowed production's Secrets with another engineer's token", async () => {
    const login = await twoDays('d28f-pay-team@lumora.example', paymentsCalls, viaProxy(OFFICE(20)));
    const res = await send(login, TUE + 3 * H, 'GET', '/api/v1/namespaces/payments-prod/secrets/psp-live', viaProxy(OFFICE(23), PROXY_A(1)));
    expect(reasonOf(res), rules(res)).not.toBe('allowed');
  });
});
