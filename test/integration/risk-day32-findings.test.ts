import { describe, expect, it } from 'vitest';
import { reasonOf } from '../support/grpc-client.js';
import { exampleServiceForFile } from '../support/workday-service.js';
import { findingRequests, rules, type Step } from '../support/findings.js';
import type { Login } from '../support/workday.js';
import { API, entraLogin, EVIL_TENANT, keycloakLogin, KUBECTL, OFFICE, SITE, VENDOR_NET, VPS_STEALER } from '../support/workday32.js';

/**
 * What the thirty-second replayed day (test/support/workday32.ts, docs/risk.md "Day 32") found,
 * through the real gRPC server running the example on a virtual clock with day 32's site edit (the
 * migration week: Keycloak and Entra ID both configured, Entra's people named by `oid`, their
 * Keycloak id in a directory-extension claim that `issuers[].history_of` reads). Each test is one
 * person's two days on Keycloak, then the move. The open ones are `it.fails`.
 */

const s = exampleServiceForFile({ edit: SITE });
/** The warm-up Monday and the scored Tuesday, 08:00 UTC. */
const [MON, TUE] = [7, 8].map((d) => Date.UTC(2027, 5, d, 8, 0, 0)) as [number, number];
const H = 3_600_000;
const HOME = '86.92.3.118';
const LINUX_KUBECTL = 'kubectl/v1.32.0 (linux/amd64) kubernetes/70d3cc9';

const { send, routine } = findingRequests(s, { host: API, source: HOME, ua: KUBECTL(), firstDay: MON, secondDay: TUE });

/** An on-call's day: production's pods and events, a Secret now and then. */
const oncall: Step[] = [
  ['GET', '/api/v1/namespaces/trading-prod/pods?limit=500'],
  ['GET', '/api/v1/namespaces/trading-prod/events?limit=500'],
  ['GET', '/api/v1/namespaces/trading-staging/secrets/trading-db'],
];

/** Two days of `reqs` on Keycloak from `source`; the second day's login. */
async function twoKeycloakDays(me: string, reqs: Step[], source = HOME): Promise<Login> {
  await routine(keycloakLogin(me, `${me}:mon`, MON - 40_000), MON, reqs, { source });
  const login = keycloakLogin(me, `${me}:tue`, TUE - 40_000);
  await routine(login, TUE, reqs, { source });
  return login;
}

describe('the day a company moves from Keycloak to Entra ID, with the example and day 32\'s site', () => {
  // Stopped at request 1 (was allowed throughout on day 32, seeds 301–303 both ways, before
  // issuers[].history_of). stepgate keeps each identity's history by issuer and subject, so on
  // cut-over day everyone is a newcomer on the new issuer, and a newcomer's sign-in counts as made
  // wherever its first request comes from (risk.learn.newcomer_grace_seconds). The SRE's first
  // Entra token, pasted into the migration channel before the SRE used it, was the guest's from
  // their own network. With the Keycloak id in the token and history_of, the token is the SRE's
  // two days of history: a network never seen, a sign-in made before it appeared.
  it("a new IdP's token used first by someone else, from their network, is asked for a sign-in made after the network appeared", async () => {
    const me = 'd32f-sre@ruisdael.example';
    await twoKeycloakDays(me, oncall);
    const moved = entraLogin(me, `${me}:entra`, TUE + 2 * H);
    const res = await send(moved, TUE + 2 * H + 150_000, 'GET', '/api/v1/nodes', { source: VENDOR_NET, ua: LINUX_KUBECTL });
    expect(reasonOf(res), rules(res)).toBe('auth_too_old');
  });

  // What the history carried over must keep: the moved engineer's Entra token from the networks
  // the Keycloak identity used goes as every day's. Before history_of, the office, met by the new
  // subject for the first time after lunch within a login made at home, was asked again (day 32,
  // seeds 301–303 with the warm-up day: plat-2 and the SRE between 12:00 and 12:40).
  it("the moved engineer's Entra token, from home in the morning and the office after lunch, goes as every day", async () => {
    const me = 'd32f-dev@ruisdael.example';
    for (const [day, name] of [[MON, 'mon'], [TUE, 'tue']] as const) {
      await routine(keycloakLogin(me, `${me}:${name}`, day - 40_000), day, oncall, { source: HOME });
      const lunch = day + 4 * H;
      // The office first reached stepgate on Monday after lunch: a sign-in made after it proves it.
      const first = await send(keycloakLogin(me, `${me}:${name}`, day - 40_000), lunch, 'GET', '/api/v1/namespaces/trading-prod/pods?limit=500', { source: OFFICE(0) });
      expect(reasonOf(first), rules(first)).toBe(name === 'mon' ? 'auth_too_old' : 'allowed');
      await routine(keycloakLogin(me, `${me}:${name}2`, lunch + 20_000), lunch + 25_000, oncall, { source: OFFICE(0) });
    }
    const day = TUE + 24 * H;
    const moved = entraLogin(me, `${me}:entra`, day - 40_000);
    await routine(moved, day, oncall, { source: HOME });
    await routine(moved, day + 4 * H, oncall, { source: OFFICE(3) });
  });

  // Stopped at request 1. An attacker's own Entra tenant: Microsoft signs every tenant's tokens
  // with the same keys, and a multi-tenant app's client id is the same in every tenant; the user
  // has the victim's UPN, e-mail and (set by the attacker) the Keycloak id. Only `iss` names the
  // attacker's tenant, and stepgate accepts an issuer only as listed (never `common` or a
  // `{tenantid}` template).
  it("a token from an attacker's own Entra tenant with the victim's UPN, e-mail and Keycloak id is refused", async () => {
    const me = 'd32f-plat@ruisdael.example';
    await twoKeycloakDays(me, oncall);
    const evil = entraLogin(me, `${me}:evil`, TUE + 3 * H, EVIL_TENANT);
    const res = await send(evil, TUE + 3 * H + 30_000, 'GET', '/api/v1/namespaces/kube-system/pods?limit=500', { source: VPS_STEALER, ua: LINUX_KUBECTL });
    expect(reasonOf(res), rules(res)).toBe('issuer_unknown');
  });

  // Open (day 32, every seed both ways: stopped only where the thief's network or kubectl is not
  // the engineer's). The old IdP's token after the engineer moved: nothing in a Keycloak token
  // says its person now signs in elsewhere, and dev-2's and dev-5's second terminals use theirs
  // for an hour after the move as routine. A copy used from the engineer's own network with the
  // engineer's kubectl agent goes on while Keycloak keeps refreshing it. The answer is the old
  // IdP's: end each wave's Keycloak sessions (Sessions › Sign out, or disabling the users) at the
  // cut-over, so that kubelogin's refresh token dies with them.
  it.fails("the old IdP's token, refreshed after the engineer moved, from the engineer's network and kubectl, is refused", async () => {
    const me = 'd32f-old@ruisdael.example';
    const old = await twoKeycloakDays(me, oncall);
    await routine(entraLogin(me, `${me}:entra`, TUE + 2 * H), TUE + 2 * H + 30_000, oncall, { source: HOME });
    const res = await send({ ...old, sid: `${old.sid}:refreshed` }, TUE + 5 * H, 'GET', '/api/v1/namespaces/trading-staging/secrets/trading-db', { source: HOME });
    expect(reasonOf(res), rules(res)).not.toBe('allowed');
  });
});
