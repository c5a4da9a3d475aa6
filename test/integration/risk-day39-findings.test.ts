import { describe, expect, it } from 'vitest';
import { reasonOf, riskContextOf as contextOf } from '../support/grpc-client.js';
import { exampleServiceForFile } from '../support/workday-service.js';
import { findingRequests, rules, signIn, type Step } from '../support/findings.js';
import { podName, WS_UPGRADE, type Login } from '../support/workday.js';
import { ACME_ISS, ACME_OFFICE, API, ATTACKER_VPS, BOREALIS_ISS, customerIdentity, eviction, KUBECTL, LEEDS, NODES, BOT_SA, OTHER_AUD, OTHER_CLUSTER_VPS, POD_IP, PROMETHEUS, PROMETHEUS_SA, roleBinding, SITE, SITE_UNSCOPED, TICKET_BOT } from '../support/workday39.js';

/**
 * What the thirty-ninth replayed day (test/support/workday39.ts, docs/risk.md "Day 39") found,
 * through the real gRPC server running the site's copy of the example (`SITE`: two customers' IdPs
 * federated as issuers beside the MSP's, each held to aal2 and its own namespaces) on a virtual clock: a managed-service provider's shared
 * cluster, MSP engineers working tickets across customers' namespaces, customers' admins on their
 * own IdPs, a patch window's drains and Prometheus' node proxy. Each test is one person's (or one
 * workload's) routine, then the finding. The open ones are `it.fails`, each with a one-line why.
 */

const [MON, TUE] = [14, 15].map((d) => Date.UTC(2028, 1, d, 8, 0, 0)) as [number, number];
const [H, M] = [3_600_000, 60_000];
const MAC_KUBECTL = KUBECTL('darwin/arm64');
const LINUX_KUBECTL = KUBECTL('linux/amd64');

/** An MSP engineer's Acme ticket: pods, events, a log, the shop's credentials checked. */
const acmeTicket: Step[] = [
  ['GET', '/api/v1/namespaces/acme-shop-prod/pods?limit=500'],
  ['GET', '/api/v1/namespaces/acme-shop-prod/events?limit=500'],
  ['GET', `/api/v1/namespaces/acme-shop-prod/pods/${podName('shop', 1)}/log?container=shop&tailLines=500`],
  ['GET', '/api/v1/namespaces/acme-db-prod/pods?limit=500'],
];
/** A customer's own login at their IdP (its issuer and the cluster's audience). */
const customer = (sub: string, iss: string, at: number): Login => ({ sub, sid: `${sub}:${at}`, authTime: Math.floor(at / 1000), acr: 'urn:stepgate:aal2', identity: customerIdentity(iss) });

describe("an MSP's shared cluster with two customers' IdPs federated as issuers", () => {
  const s = exampleServiceForFile({ edit: SITE });
  const { send, routine, twoDays } = findingRequests(s, { host: API, source: LEEDS, ua: MAC_KUBECTL, firstDay: MON, secondDay: TUE });

  // Stopped at request 1 since policy.rules[].match.issuers: Borealis' IdP, compromised, mints
  // tokens naming an MSP engineer at a hardware key's acr. The site holds Borealis' issuer to
  // Borealis' namespaces (borealis-own-namespaces): Acme's database and cluster-wide objects are
  // refused whatever the token claims.
  it("a customer IdP's token naming an MSP engineer is refused in the other customer's database", async () => {
    const sub = 'd39f-eng-1@tidewater.example';
    await twoDays(sub, acmeTicket);
    const at = TUE + 5.4 * H;
    const forged: Login = { sub, sid: 'forged', authTime: Math.floor((at - 30_000) / 1000), acr: 'urn:stepgate:aal3', identity: { ...customerIdentity(BOREALIS_ISS), email: sub } };
    const o = { source: ATTACKER_VPS, ua: LINUX_KUBECTL };
    const pods = await send(forged, at, 'GET', '/api/v1/namespaces/acme-db-prod/pods?limit=500', o);
    expect(reasonOf(pods), rules(pods)).toBe('policy_deny');
    expect(rules(pods)).toContain('borealis-own-namespaces');
    const crb = await send(forged, at + 40_000, 'POST', '/apis/rbac.authorization.k8s.io/v1/clusterrolebindings', { ...o, body: JSON.stringify({ apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRoleBinding', metadata: { name: 'tw-support' }, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'cluster-admin' }, subjects: [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'User', name: sub }] }) });
    expect(reasonOf(crb), rules(crb)).toBe('policy_deny');
  });

  // Stopped at request 1 (every seed both ways): an MSP engineer's token from a HAR file attached
  // to an Acme ticket, replayed from a VPS against Borealis' database namespace.
  it("an MSP engineer's token from a ticket's HAR file is asked at its first request from a VPS", async () => {
    const sub = 'd39f-eng-2@tidewater.example';
    const login = await twoDays(sub, acmeTicket, { ua: LINUX_KUBECTL });
    const res = await send(login, TUE + 3.25 * H, 'GET', '/api/v1/namespaces/borealis-db-prod/pods?limit=500', { source: ATTACKER_VPS, ua: LINUX_KUBECTL });
    expect(reasonOf(res), rules(res)).toBe('auth_too_old');
    expect(contextOf(res)).toBe('new_network');
  });

  // Stopped at request 1 (every seed both ways): the MSP's IdP minted the token for another
  // cluster the MSP runs; its audience is not this gateway's.
  it("a token of the MSP's IdP for another cluster's audience is refused", async () => {
    const sub = 'd39f-eng-3@tidewater.example';
    await twoDays(sub, acmeTicket);
    const other: Login = { sub, sid: 'other-cluster', authTime: Math.floor((TUE + 6 * H - 20 * M) / 1000), acr: 'urn:stepgate:aal2', identity: { aud: OTHER_AUD } };
    const res = await send(other, TUE + 6.1 * H, 'GET', '/api/v1/namespaces/acme-shop-prod/pods?limit=500', { source: OTHER_CLUSTER_VPS, ua: LINUX_KUBECTL });
    expect(reasonOf(res)).toBe('audience_mismatch');
  });

  // Stopped at request 2 (every seed both ways; the insider has two factors, not a hardware key):
  // Acme's admin binding cluster-admin in their own namespace meets the guardrail
  // rbac_cluster_admin_binding (a hardware key within 5 minutes).
  it("a customer admin's RoleBinding of cluster-admin in their own namespace asks a hardware key", async () => {
    const sub = 'd39f-acme-admin@acme-retail.example';
    const o = { source: ACME_OFFICE };
    await routine(customer(sub, ACME_ISS, MON - 40_000), MON, acmeTicket, o);
    const login = customer(sub, ACME_ISS, TUE - 40_000);
    await routine(login, TUE, acmeTicket, o);
    const res = await send(login, TUE + 7.5 * H, 'POST', '/apis/rbac.authorization.k8s.io/v1/namespaces/acme-shop-prod/rolebindings', { ...o, body: roleBinding('acme-shop-prod', 'acme-ops-admin', 'cluster-admin', sub) });
    expect(reasonOf(res), rules(res)).toBe('acr_insufficient');
  });

  // issuers[].max_level: a customer's IdP that says hardware key is read at two factors. Acme's
  // admin, at the office, with a fresh token whose acr is aal3, binding cluster-admin in their own
  // namespace is still asked for the hardware key the guardrail rbac_cluster_admin_binding needs,
  // which only the MSP's own IdP can vouch for. (Without the ceiling the token's word passes it.)
  it("a customer IdP's hardware-key acr is read at aal2 (max_level): cluster-admin in their own namespace still asks", async () => {
    const sub = 'd39f-acme-admin-3@acme-retail.example';
    const o = { source: ACME_OFFICE };
    await routine(customer(sub, ACME_ISS, MON - 40_000), MON, acmeTicket, o);
    await routine(customer(sub, ACME_ISS, TUE - 40_000), TUE, acmeTicket, o);
    const key: Login = { ...customer(sub, ACME_ISS, TUE + 2 * H - 40_000), acr: 'urn:stepgate:aal3' };
    const res = await send(key, TUE + 2 * H, 'POST', '/apis/rbac.authorization.k8s.io/v1/namespaces/acme-shop-prod/rolebindings', { ...o, body: roleBinding('acme-shop-prod', 'acme-ops-admin', 'cluster-admin', sub) });
    expect(reasonOf(res), rules(res)).toBe('acr_insufficient');
    expect(rules(res)).toContain('guardrail:rbac_cluster_admin_binding');
  });

  // Routine friction (every seed, warm and cold): the same admin granting a new developer `edit`
  // in their own staging namespace, as customers do on their own, is asked for a fresh sign-in:
  // the site holds the example's hardware-key rbac-writes to the MSP's issuers (max_level puts
  // aal3 out of a customer's reach) and asks customers' admins two factors within 15 minutes
  // (customer-rbac-writes). Before session 46: a hardware key, which Acme's IdP never gave.
  it("a customer admin's RoleBinding of `edit` for their developer in staging asks a fresh sign-in", async () => {
    const sub = 'd39f-acme-admin-2@acme-retail.example';
    const o = { source: ACME_OFFICE };
    await routine(customer(sub, ACME_ISS, MON - 40_000), MON, acmeTicket, o);
    const login = customer(sub, ACME_ISS, TUE - 40_000);
    await routine(login, TUE, acmeTicket, o);
    const body = roleBinding('acme-shop-staging', 'edit-new-dev', 'edit', 'd39f-new-dev@acme-retail.example');
    const res = await send(login, TUE + 1 * H, 'POST', '/apis/rbac.authorization.k8s.io/v1/namespaces/acme-shop-staging/rolebindings', { ...o, body });
    expect(reasonOf(res), rules(res)).toBe('auth_too_old');
    expect(rules(res)).toContain('customer-rbac-writes');
    const fresh = customer(sub, ACME_ISS, TUE + 1 * H + 20_000);
    const again = await send(fresh, TUE + 1 * H + 40_000, 'POST', '/apis/rbac.authorization.k8s.io/v1/namespaces/acme-shop-staging/rolebindings', { ...o, body });
    expect(reasonOf(again), rules(again)).toBe('allowed');
  });

  // Stopped at request 2 (every seed both ways): malware on the SRE's laptop during the patch
  // window deletes Borealis' database PodDisruptionBudget on the window's sign-in; the drain's own
  // evictions of a database replica, on the same sign-in, are allowed.
  it("the drain's eviction of a database pod is allowed, the PodDisruptionBudget's delete is asked", async () => {
    const sub = 'd39f-sre@tidewater.example';
    await twoDays(sub, [['GET', '/api/v1/nodes'], ...acmeTicket], { ua: LINUX_KUBECTL });
    const login: Login = { sub, sid: `${sub}:patch`, authTime: Math.floor((TUE + 13 * H - 5 * M) / 1000), acr: 'urn:stepgate:aal2' };
    const ev = eviction('borealis-db-prod', 'postgres-2');
    const evict = await send(login, TUE + 13.3 * H, ev.method, ev.path, { ua: LINUX_KUBECTL, body: ev.body! });
    expect(reasonOf(evict), rules(evict)).toBe('allowed');
    const pdb = await send(login, TUE + 13.45 * H, 'DELETE', '/apis/policy/v1/namespaces/borealis-db-prod/poddisruptionbudgets/postgres', { ua: LINUX_KUBECTL });
    expect(reasonOf(pdb), rules(pdb)).toBe('auth_too_old');
  });

  // Not stopped, and not for stepgate to tell apart (the day's attack comes at 21:27, 32 minutes
  // after the window's sign-in): the same malware acting within prod-durable-deletes' 15 minutes
  // of the SRE's sign-in deletes the database's PodDisruptionBudget on it, and the evictions follow.
  it("within 15 minutes of the window's sign-in the PodDisruptionBudget's delete passes on it", async () => {
    const sub = 'd39f-sre-2@tidewater.example';
    // The SRE works every customer's namespaces (Borealis' database's pods and events among them).
    await twoDays(sub, [['GET', '/api/v1/nodes'], ...acmeTicket, ['GET', '/api/v1/namespaces/borealis-db-prod/pods?limit=500'], ['GET', '/api/v1/namespaces/borealis-db-prod/events?limit=500']], { ua: LINUX_KUBECTL });
    const login: Login = { sub, sid: `${sub}:patch`, authTime: Math.floor((TUE + 13 * H - 5 * M) / 1000), acr: 'urn:stepgate:aal2' };
    const pdb = await send(login, TUE + 13 * H + 8 * M, 'DELETE', '/apis/policy/v1/namespaces/borealis-db-prod/poddisruptionbudgets/postgres', { ua: LINUX_KUBECTL });
    expect(reasonOf(pdb), rules(pdb)).toBe('allowed');
    expect(rules(pdb)).toContain('prod-durable-deletes');
  });

  // Stopped at request 2 even from a known network (stopped at 1 from home, new_network): an
  // offboarded engineer's refresh token keeps Monday's sign-in time, and a Secret needs a newer one.
  it("an offboarded engineer's refreshed token, Monday's sign-in, is asked at the first Secret", async () => {
    const sub = 'd39f-eng-4@tidewater.example';
    const monday = signIn(sub, MON - 40_000);
    await routine(monday, MON, acmeTicket, {});
    const res = await send(monday, TUE + 11.5 * H, 'GET', '/api/v1/namespaces/acme-db-prod/secrets/postgres-credentials');
    expect(reasonOf(res), rules(res)).toBe('auth_too_old');
  });

  // Routine friction (every seed both ways: each of the 288 cAdvisor scrapes a day): Prometheus'
  // own example job `kubernetes-nodes-cadvisor` scrapes each kubelet through the API server's node
  // proxy; the example refuses nodes/proxy to everyone (no-node-proxy: it bypasses admission and
  // audit). A site keeps that and scrapes the kubelets directly (kube-prometheus' way).
  it("Prometheus' cAdvisor scrape through the node proxy is refused (no-node-proxy)", async () => {
    const prom: Login = { sub: PROMETHEUS_SA, sid: '', authTime: undefined, acr: 'urn:stepgate:aal1', serviceAccount: true };
    const list = await send(prom, TUE + 2 * H, 'GET', '/api/v1/endpoints?limit=500&resourceVersion=0', { source: POD_IP(1), ua: PROMETHEUS });
    expect(reasonOf(list), rules(list)).toBe('allowed');
    const res = await send(prom, TUE + 2 * H + 2000, 'GET', `/api/v1/nodes/${NODES[0]}/proxy/metrics/cadvisor`, { source: POD_IP(1), ua: PROMETHEUS });
    expect(reasonOf(res)).toBe('policy_deny');
    expect(rules(res)).toContain('no-node-proxy');
  });

  // Routine friction (every seed both ways, about 11 a day): the ticketing bot's annotation of the
  // Deployment a ticket links, in a customer's production namespace, is a production change that
  // automation cannot step up for.
  it("the ticketing bot's ticket annotation on a production Deployment is refused as automation", async () => {
    const bot: Login = { sub: BOT_SA, sid: '', authTime: undefined, acr: 'urn:stepgate:aal1', serviceAccount: true };
    const o = { source: POD_IP(4), ua: TICKET_BOT };
    const events = await send(bot, TUE + 3 * H, 'GET', '/api/v1/namespaces/acme-shop-prod/events?limit=200', o);
    expect(reasonOf(events), rules(events)).toBe('allowed');
    const res = await send(bot, TUE + 3 * H + 6000, 'PATCH', '/apis/apps/v1/namespaces/acme-shop-prod/deployments/shop', { ...o, contentType: 'application/merge-patch+json', body: JSON.stringify({ metadata: { annotations: { 'tidewater.example/ticket': 'TW-4106' } } }) });
    expect(reasonOf(res), rules(res)).toBe('automation_step_up');
  });
});

describe('the same site listing both IdPs without max_level or match.issuers', () => {
  const s = exampleServiceForFile({ edit: SITE_UNSCOPED });
  const { send, twoDays } = findingRequests(s, { host: API, source: LEEDS, ua: MAC_KUBECTL, firstDay: MON, secondDay: TUE });

  // Open there (day 39 as first replayed; the example itself lists one issuer): every issuer is
  // trusted for any subject, any level and any namespace, and the forged name is a newcomer under
  // that issuer (histories are keyed by issuer and subject), whose first request sets its context.
  it.fails("a customer IdP's token naming an MSP engineer is refused in the other customer's database", async () => {
    const sub = 'd39f-eng-1@tidewater.example';
    await twoDays(sub, acmeTicket);
    const at = TUE + 5.4 * H;
    const forged: Login = { sub, sid: 'forged', authTime: Math.floor((at - 30_000) / 1000), acr: 'urn:stepgate:aal3', identity: { ...customerIdentity(BOREALIS_ISS), email: sub } };
    const o = { source: ATTACKER_VPS, ua: LINUX_KUBECTL };
    const pods = await send(forged, at, 'GET', '/api/v1/namespaces/acme-db-prod/pods?limit=500', o);
    const secret = await send(forged, at + 40_000, 'GET', '/api/v1/namespaces/acme-db-prod/secrets/postgres-credentials', o);
    const shell = await send(forged, at + 80_000, 'GET', '/api/v1/namespaces/acme-db-prod/pods/postgres-0/exec?command=sh&container=postgres&stdin=true&stdout=true&tty=true', { ...o, headers: WS_UPGRADE });
    expect([reasonOf(pods), reasonOf(secret), reasonOf(shell)], `${rules(secret)} | ${rules(shell)}`).not.toEqual(['allowed', 'allowed', 'allowed']);
  });
});
