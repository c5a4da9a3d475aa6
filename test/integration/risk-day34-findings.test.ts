import { describe, expect, it } from 'vitest';
import { deniedBody, reasonOf, type CheckResponse, riskContextOf as contextOf } from '../support/grpc-client.js';
import { exampleServiceForFile } from '../support/workday-service.js';
import { findingRequests, rules, signIn, type Step } from '../support/findings.js';
import { apiOf, AUDIT_VDI, BREAKGLASS, CHROME, CHROME_HINTS, HEADLAMP, KUBECTL, PORTO, RESI_PROXY, SITE } from '../support/workday34.js';

/**
 * What the thirty-fourth replayed day (test/support/workday34.ts, docs/risk.md "Day 34") found,
 * through the real gRPC server running the example on a virtual clock with day 34's site edit: a
 * managed-service provider's gateway in front of six customers' clusters, one API host each, named
 * in `kubernetes.clusters`, whose namespaces collide (`payments-prod` is brix's and sable's,
 * `app-prod` four customers'), a shared Headlamp (`/clusters/<customer>/`) and a contractor's
 * hours. Each test is one person's routine on two days, then the finding, with their sign-in of
 * that moment. The open ones are `it.fails` (none since session 43).
 */

const [TUE, WED] = [23, 24].map((d) => Date.UTC(2027, 10, d, 8, 0, 0)) as [number, number];
const H = 3_600_000;
const M = 60_000;
const HOME = '84.105.33.17';
const BRIX = apiOf('brix');
const SABLE = apiOf('sable');

/** brix's payments work: production's pods, staging's and production's database Secrets. */
const payments: Step[] = [
  ['GET', '/api/v1/namespaces/payments-prod/pods?limit=500'],
  ['GET', '/api/v1/namespaces/payments-staging/secrets/payments-db'],
  ['GET', '/api/v1/namespaces/payments-prod/secrets/payments-db'],
  ['GET', '/api/v1/namespaces/payments-prod/pods/payments-api-0/log?container=api&tailLines=300'],
];

describe("an MSP's six customer clusters behind one gateway, with the example and day 34's site", () => {
  const s = exampleServiceForFile({ edit: SITE });
  const { send, routine, twoDays } = findingRequests(s, { host: BRIX, source: HOME, ua: KUBECTL, firstDay: TUE, secondDay: WED });

  // Stopped at request 2 (day 34, every seed both ways): sable's engineer, three hours after
  // signing in, reads brix's payments-prod (sable's own namespace of the same name). The working
  // set is kept per cluster (kubernetes.clusters), so the name is no evidence.
  it("a customer's engineer's own token, hours after the sign-in, is asked in the namespace of the same name on another customer's cluster", async () => {
    const sub = 'd34f-sable-ops@sable.example';
    await twoDays(sub, payments, { host: SABLE });
    const noon = signIn(sub, WED + 4 * H);
    await routine(noon, WED + 4 * H + 30_000, payments, { host: SABLE });
    const list = await send(noon, WED + 7 * H, 'GET', '/api/v1/namespaces/payments-prod/pods?limit=500');
    expect(reasonOf(list), rules(list)).toBe('allowed');
    const res = await send(noon, WED + 7 * H + 20_000, 'GET', '/api/v1/namespaces/payments-prod/secrets/payments-db');
    expect(reasonOf(res), rules(res)).toBe('auth_too_old');
    expect(contextOf(res)).toBe('unfamiliar_namespace');
  });

  // Open on day 34 (every seed both ways), closed in session 43: brix's engineer 30 minutes after a
  // sign-in reads sable's payments-prod Secret and opens a shell there, in a cluster the identity
  // never sent a request to. unfamiliar_namespace's grace (grace_seconds 3600, grace_namespaces 5)
  // covered the next hour's new namespaces wherever they were: the customer boundary an MSP's
  // gateway exists for was crossed without a question. No grace now in a named cluster where the
  // identity has no working set (WorkHistory.clusterKnown, context-bound.ts namespaceGrace): the
  // first sensitive action there needs a sign-in after its first sighting, and says why.
  it("a customer's engineer's fresh sign-in does not cover a Secret on another customer's cluster it never touched", async () => {
    const sub = 'd34f-brix-ops@brix.example';
    await twoDays(sub, payments);
    const fresh = signIn(sub, WED + 2 * H);
    await routine(fresh, WED + 2 * H + 30_000, payments, {});
    const res = await send(fresh, WED + 2.5 * H, 'GET', '/api/v1/namespaces/payments-prod/secrets/payments-db', { host: SABLE });
    expect(reasonOf(res), rules(res)).toBe('auth_too_old');
    expect(contextOf(res)).toBe('unfamiliar_namespace');
    expect(JSON.stringify(deniedBody(res))).toContain('a cluster this identity has not worked in');
    // A new namespace of brix's, the cluster the engineer works in, is still covered by that sign-in.
    const own = await send(fresh, WED + 2.5 * H + 20_000, 'GET', '/api/v1/namespaces/ledger-prod/secrets/ledger-db');
    expect(reasonOf(own), rules(own)).toBe('allowed');
  });

  // Stopped at request 1: an MSP lead's token from a residential proxy in the MSP's own city,
  // against a customer the lead never touches: a network never seen.
  it("an MSP lead's token from a residential proxy is bound to a sign-in", async () => {
    const sub = 'd34f-lead-1@halyard.example';
    const login = await twoDays(sub, payments);
    const res = await send(login, WED + 6 * H, 'GET', '/api/v1/namespaces/records-prod/pods?limit=500', { host: apiOf('tamar'), source: RESI_PROXY });
    expect(reasonOf(res), rules(res)).toBe('auth_too_old');
    expect(contextOf(res)).toBe('new_network');
  });

  // Stopped at request 2 (every seed both ways): malware on an MSP engineer's laptop (home network,
  // kubectl) reads sable's payments-prod, where the engineer works in brix's; the same through the
  // shared Headlamp, whose /clusters/<customer>/ segment names the cluster.
  it("malware with an MSP engineer's token, on their network, is asked in the same-named namespace of a customer they never touch, through kubectl and Headlamp", async () => {
    const sub = 'd34f-eng-4@halyard.example';
    const login = await twoDays(sub, payments);
    const own = await send(login, WED + 6 * H, 'GET', '/api/v1/namespaces/payments-prod/secrets/payments-db');
    expect(reasonOf(own), rules(own)).toBe('allowed');
    const res = await send(login, WED + 6 * H + 20_000, 'GET', '/api/v1/namespaces/payments-prod/secrets/payments-db', { host: SABLE });
    expect(reasonOf(res), rules(res)).toBe('auth_too_old');
    expect(contextOf(res)).toBe('unfamiliar_namespace');
    const browser = { host: HEADLAMP, ua: CHROME, headers: CHROME_HINTS };
    const mine = await send(login, WED + 6 * H + 40_000, 'GET', '/clusters/brix/api/v1/namespaces/payments-prod/pods?limit=500', browser);
    expect(reasonOf(mine), rules(mine)).toBe('allowed');
    const viaHeadlamp = await send(login, WED + 6 * H + 60_000, 'GET', '/clusters/sable/api/v1/namespaces/payments-prod/secrets/payments-db', browser);
    expect(reasonOf(viaHeadlamp), rules(viaHeadlamp)).toBe('auth_too_old');
    expect(contextOf(viaHeadlamp)).toBe('unfamiliar_namespace');
  });

  // Stopped at request 1 by the example's break-glass-accounts rule (aal3 within 900 s): the vault
  // account's token left in the on-call's kubeconfig cache, after the account was handed back, from
  // the on-call's own laptop and network.
  it("the break-glass account's cached token after the checkout is refused by the policy", async () => {
    const checkout = signIn(BREAKGLASS, WED + 5 * H - M);
    const aal3 = { ...checkout, acr: 'urn:stepgate:aal3' as const };
    const fix = await send(aal3, WED + 5 * H, 'GET', '/apis/admissionregistration.k8s.io/v1/validatingwebhookconfigurations', { host: apiOf('quay') });
    expect(reasonOf(fix), rules(fix)).toBe('allowed');
    const res = await send(aal3, WED + 8 * H, 'GET', '/api/v1/namespaces/db-prod/secrets/postgres-app', { host: apiOf('quay') });
    expect(reasonOf(res), rules(res)).toBe('auth_too_old');
    expect(rules(res)).toContain('break-glass-accounts');
  });

  // Stopped at request 1 by the site's contractor-hours rule (policy_deny), whatever the context:
  // the contractor's token at 21:30 from the contractor's own home.
  it("the contractor's token outside the contract's hours is refused", async () => {
    const sub = 'c-d34f@halyard.example';
    const login = await twoDays(sub, payments, { host: apiOf('oriel'), source: PORTO });
    const res = await send(login, WED + 13.5 * H, 'GET', '/api/v1/namespaces/payments-prod/pods?limit=500', { host: apiOf('oriel'), source: PORTO });
    expect(reasonOf(res), rules(res)).toBe('policy_deny');
    expect(rules(res)).toContain('contractor-hours');
  });

  // Stopped at request 2 (every seed both ways): the contractor's token (malware on their laptop,
  // their home) within the contract's hours, against quay's app-prod, where the contractor works in
  // oriel's app-prod.
  it("the contractor's token within the contract's hours is asked in another customer's namespace of the same name", async () => {
    const sub = 'c-d34f-day@halyard.example';
    const oriel = { host: apiOf('oriel'), source: PORTO };
    const migration: Step[] = [
      ['GET', '/api/v1/namespaces/app-prod/pods?limit=500'],
      ['GET', '/api/v1/namespaces/app-prod/secrets/app-db'],
      ['GET', '/api/v1/namespaces/claims-staging/secrets/claims-db'],
    ];
    const login = await twoDays(sub, migration, oriel);
    const own = await send(login, WED + 6 * H, 'GET', '/api/v1/namespaces/app-prod/secrets/app-db', oriel);
    expect(reasonOf(own), rules(own)).toBe('allowed');
    const res = await send(login, WED + 6 * H + 20_000, 'GET', '/api/v1/namespaces/app-prod/secrets/app-db', { host: apiOf('quay'), source: PORTO });
    expect(reasonOf(res), rules(res)).toBe('auth_too_old');
    expect(contextOf(res)).toBe('unfamiliar_namespace');
  });

  // Stopped at request 2 (every seed both ways): the next user of the audit firm's shared VDI in an
  // auditor's still signed-in session lists a customer's production Secrets: the auditor never read
  // a Secret (unfamiliar_kind, once the identity's history is 20 hours old).
  it("an auditor's signed-in session on a shared VDI is asked at its first Secret", async () => {
    const sub = 'd34f-auditor@sable-audit.example';
    const audit: Step[] = [
      ['GET', '/apis/rbac.authorization.k8s.io/v1/clusterrolebindings?limit=500'],
      ['GET', '/apis/networking.k8s.io/v1/networkpolicies?limit=500'],
      ['GET', '/api/v1/namespaces/ledger-prod/pods?limit=500'],
    ];
    const login = await twoDays(sub, audit, { host: SABLE, source: AUDIT_VDI });
    const res = await send(login, WED + 3 * H, 'GET', '/api/v1/namespaces/ledger-prod/secrets', { host: SABLE, source: AUDIT_VDI });
    expect(reasonOf(res), rules(res)).toBe('auth_too_old');
    expect(contextOf(res)).toBe('unfamiliar_kind');
  });
});

describe("the example as shipped, without day 34's kubernetes.clusters (the site's edit is what keeps customers apart)", () => {
  const s = exampleServiceForFile({ edit: (y) => SITE(y).replace(/ {2}clusters:\n(?: {4}- \{ name: \w+, hosts: \[[\w.]+\] \}\n)+/, '') });
  const { send, twoDays } = findingRequests(s, { host: BRIX, source: HOME, ua: KUBECTL, firstDay: TUE, secondDay: WED });

  // Without the cluster list every customer's host is one unnamed cluster: sable's payments-prod is
  // the namespace brix's engineer works in, and malware on an MSP engineer's laptop reads it unasked.
  it("another customer's namespace of the same name is in the working set", async () => {
    const sub = 'd34f-noclusters@halyard.example';
    const login = await twoDays(sub, payments);
    const res = await send(login, WED + 6 * H, 'GET', '/api/v1/namespaces/payments-prod/secrets/payments-db', { host: SABLE });
    expect(reasonOf(res), rules(res)).toBe('allowed');
  });
});
