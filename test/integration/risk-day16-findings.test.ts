import { describe, expect, it } from 'vitest';
import { reasonOf, type CheckResponse } from '../support/grpc-client.js';
import { exampleServiceForFile } from '../support/workday-service.js';
import type { Login } from '../support/workday.js';
import { findingRequests, rules, signIn, type Step } from '../support/findings.js';
import { CONTRACTORS, COWORK, LIS_OFFICE, PROD, SITE, TSH_PROXY } from '../support/workday16.js';

/**
 * What the sixteenth replayed day (test/support/workday16.ts, docs/risk.md "Day 16") found
 * allowed, through the real gRPC server running examples/stepgate.yaml on a virtual clock: a SaaS
 * company whose customers each have a namespace (`tenant-<customer>`) in one production cluster,
 * grouped into Capsule tenants, the enterprise ones with a vcluster. One is fixed in the example
 * (a Capsule TenantResource: tenant-replicated-objects), one by a guardrail (a Namespace's Capsule
 * tenant label changed: namespace_tenant_changed); the rest are `it.fails`: each asserts the
 * safe outcome and states, in its comment, why stepgate cannot reach it from the request.
 */

const s = exampleServiceForFile();
const MON = Date.UTC(2027, 5, 7, 8, 0, 0);
const TUE = Date.UTC(2027, 5, 8, 8, 0, 0);
const H = 3_600_000;
const KUBECTL_MAC = 'kubectl/v1.30.4 (darwin/arm64) kubernetes/a51b3b7';
const KUBECTL_LINUX = 'kubectl/v1.30.4 (linux/amd64) kubernetes/a51b3b7';
const MERGE = 'application/merge-patch+json';
const WS = { connection: 'Upgrade', upgrade: 'websocket', 'sec-websocket-protocol': 'v5.channel.k8s.io' };

const { send, twoDays } = findingRequests(s, { host: PROD, source: TSH_PROXY, ua: KUBECTL_MAC, firstDay: MON, secondDay: TUE });
/** The site's copy (workday16.ts `SITE`): each contractor's time box as an outside_hours deny rule. */
const site = exampleServiceForFile({ edit: SITE });

/** A request with headers of its own (kubectl `--as`, a WebSocket upgrade), from `source`, to `svc`. */
function sendWith(login: Login, at: number, method: string, path: string, source: string, ua: string, headers: Record<string, string>, svc = s): Promise<CheckResponse> {
  return svc.sendAt(login, at, { method, path, source, host: PROD, headers: { 'user-agent': ua, ...headers } });
}

/** A platform engineer's day through the access proxy: vcluster connect, Capsule's tenants, the operator. */
const platform: Step[] = [
  ['GET', '/apis/capsule.clastix.io/v1beta2/tenants?limit=500'],
  ['GET', '/apis/capsule.clastix.io/v1beta2/tenants/globex'],
  ['GET', '/apis/apps/v1/namespaces/tenant-globex/statefulsets/vc-globex'],
  ['GET', '/api/v1/namespaces/tenant-globex/secrets/vc-globex'],
  ['GET', '/api/v1/namespaces/tenant-operator/pods?limit=500'],
  ['GET', '/apis/networking.k8s.io/v1/namespaces/tenant-globex/networkpolicies?limit=500'],
];

/** An SRE's day through the access proxy: the platform's namespaces, a customer's pods on an escalated ticket. */
const sre: Step[] = [
  ['GET', '/api/v1/namespaces/platform-api-prod/pods?limit=500'],
  ['GET', '/api/v1/namespaces/platform-api-prod/secrets/postgres-app'],
  ['GET', '/api/v1/namespaces/tenant-hooli/pods?limit=500'],
  ['GET', '/apis/networking.k8s.io/v1/namespaces/tenant-hooli/networkpolicies?limit=500'],
  ['GET', '/api/v1/namespaces/tenant-umbrella/pods?limit=500'],
  ['GET', '/api/v1/namespaces/tenant-umbrella'],
];

describe("a SaaS cluster's tenancy objects, with examples/stepgate.yaml", () => {
  // Fixed (example): Capsule's controller (cluster-admin) copies a TenantResource's rawItems into
  // every namespace of the tenant its selector picks, so an admin RoleBinding for an outside
  // identity in the customer's namespaces needs no RBAC write of the caller's. It was a namespaced
  // custom object in a namespace the platform engineer works in: the default rule, the everyday
  // sign-in. tenant-replicated-objects asks what rbac-writes asks (a hardware key within 15 min).
  it('a Capsule TenantResource that replicates a RoleBinding asks a hardware key', async () => {
    const login = await twoDays('d16f-platform-a@tenantly.example', platform);
    const res = await send(login, TUE + 7.7 * H, 'POST', '/apis/capsule.clastix.io/v1beta2/namespaces/tenant-globex/tenantresources?fieldManager=kubectl-client-side-apply&fieldValidation=Strict', {
      body: JSON.stringify({
        apiVersion: 'capsule.clastix.io/v1beta2',
        kind: 'TenantResource',
        metadata: { name: 'support-access', namespace: 'tenant-globex' },
        spec: {
          resyncPeriod: '60s',
          resources: [
            {
              namespaceSelector: { matchLabels: { 'capsule.clastix.io/tenant': 'globex' } },
              rawItems: [{ apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'RoleBinding', metadata: { name: 'vendor-support' }, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'admin' }, subjects: [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'User', name: 'ops@northwind-consulting.io' }] }],
            },
          ],
        },
      }),
    });
    expect(reasonOf(res), rules(res)).toBe('acr_insufficient');
    expect(rules(res)).toContain('tenant-replicated-objects');
    // A merge patch and a delete of one are asked the same; reading them stays the everyday sign-in.
    const patch = await send(login, TUE + 7.7 * H + 60_000, 'PATCH', '/apis/capsule.clastix.io/v1beta2/namespaces/tenant-globex/tenantresources/support-access', { body: JSON.stringify({ spec: { resyncPeriod: '10s' } }), contentType: MERGE });
    expect(reasonOf(patch), rules(patch)).toBe('acr_insufficient');
    const read = await send(login, TUE + 7.7 * H + 120_000, 'GET', '/apis/capsule.clastix.io/v1beta2/namespaces/tenant-globex/tenantresources?limit=500');
    expect(reasonOf(read), rules(read)).toBe('allowed');
  });

  // Fixed (guardrail): a customer's namespace moved into another Capsule tenant by its label,
  // which Capsule reads to decide whose owners are bound there. It was a Namespace patch in a
  // namespace the SRE reads every day, from their laptop through the access proxy, within the
  // day's sign-in: no rule asks more for a Namespace's labels (`kubectl label ns` is routine on
  // day 9), and no guardrail read this label. namespace_tenant_changed: the example asks what
  // rbac-writes asks (a hardware key within 15 minutes).
  it("a customer's namespace re-labelled into another Capsule tenant asks a hardware key", async () => {
    const login = await twoDays('d16f-sre-a@tenantly.example', sre);
    const path = '/api/v1/namespaces/tenant-umbrella?fieldManager=kubectl-label';
    const res = await send(login, TUE + 2.6 * H, 'PATCH', path, { body: JSON.stringify({ metadata: { labels: { 'capsule.clastix.io/tenant': 'northwind-trial' } } }), contentType: MERGE });
    expect(reasonOf(res), rules(res)).toBe('acr_insufficient');
    expect(rules(res)).toContain('guardrail:namespace_tenant_changed');
    // Removed by a JSON patch: the namespace leaves its tenant (and its owners' bindings).
    const removed = await send(login, TUE + 2.6 * H + 60_000, 'PATCH', '/api/v1/namespaces/tenant-umbrella', { body: JSON.stringify([{ op: 'remove', path: '/metadata/labels/capsule.clastix.io~1tenant' }]), contentType: 'application/json-patch+json' });
    expect(reasonOf(removed), rules(removed)).toBe('acr_insufficient');
    // Control: another label on the same namespace (`kubectl label ns tenant-umbrella plan=pro`) stays routine.
    const other = await send(login, TUE + 2.6 * H + 120_000, 'PATCH', path, { body: JSON.stringify({ metadata: { labels: { 'tenantly.example/plan': 'pro' } } }), contentType: MERGE });
    expect(reasonOf(other), rules(other)).toBe('allowed');
  });

  // Fixed (example, network-policy-deletes): the isolation between customers deleted. Production
  // is known to the example by name (`prod*`, `*-prod`, …), and a customer's `tenant-*` namespace
  // is production under another name. A network policy's delete now asks two factors within 8
  // hours in every namespace (a dev loop deletes its own all day: day 9's skaffold), and counts as
  // sensitive for the working set: another customer's, never seen by this SRE, needs a sign-in
  // after its first sighting; their own customer's, once the sign-in is 8 hours old.
  it("a customer's cross-tenant NetworkPolicy deleted from an SRE laptop is asked more than the everyday sign-in", async () => {
    const login = await twoDays('d16f-sre-b@tenantly.example', sre);
    const other = await send(login, TUE + 3.1 * H, 'DELETE', '/apis/networking.k8s.io/v1/namespaces/tenant-stark/networkpolicies/deny-cross-tenant');
    expect(reasonOf(other), rules(other)).toBe('auth_too_old');
    // Their own customer's: within the sign-in's 8 hours it is their everyday work (malware on
    // the laptop then has it too: docs/risk.md, day 16); past them, asked.
    const own = await send(login, TUE + 3.2 * H, 'DELETE', '/apis/networking.k8s.io/v1/namespaces/tenant-hooli/networkpolicies/allow-monitoring');
    expect(reasonOf(own), rules(own)).toBe('allowed');
    const late = await send(login, TUE + 8.5 * H, 'DELETE', '/apis/networking.k8s.io/v1/namespaces/tenant-hooli/networkpolicies/deny-cross-tenant');
    expect(reasonOf(late), rules(late)).toBe('auth_too_old');
    expect(rules(late)).toContain('network-policy-deletes');
    // Controls: reading the customer's policies stays routine, and a fresh sign-in deletes.
    const list = await send(login, TUE + 8.5 * H + 10_000, 'GET', '/apis/networking.k8s.io/v1/namespaces/tenant-hooli/networkpolicies?limit=500');
    expect(reasonOf(list), rules(list)).toBe('allowed');
    const fresh = signIn('d16f-sre-b@tenantly.example', TUE + 8.6 * H);
    const again = await send(fresh, TUE + 8.6 * H + 30_000, 'DELETE', '/apis/networking.k8s.io/v1/namespaces/tenant-hooli/networkpolicies/deny-cross-tenant');
    expect(reasonOf(again), rules(again)).toBe('allowed');
  });
});

/** A support engineer's tickets: a customer's pods, events, logs, and what its admin can do (`kubectl auth can-i --list --as`). */
async function supportTwoDays(sub: string, customer: string): Promise<Login> {
  const as = { 'impersonate-user': `admin@${customer}.example`, 'impersonate-group': `capsule:${customer}:owners` };
  let login: Login = signIn(sub, MON - 40_000);
  for (const [day, t0] of [[MON, MON], [TUE, TUE]] as const) {
    login = signIn(sub, day - 40_000);
    let t = t0;
    for (const [path, headers] of [
      [`/api/v1/namespaces/tenant-${customer}/pods?limit=500`, {}],
      [`/api/v1/namespaces/tenant-${customer}/pods/web-7d9f8c-x2kq9-x-default-x-vc-${customer}`, {}],
      [`/api/v1/namespaces/tenant-${customer}/pods/web-7d9f8c-x2kq9-x-default-x-vc-${customer}/log?container=app&tailLines=200`, {}],
      [`/api/v1/namespaces/tenant-${customer}/configmaps?limit=500`, as],
    ] as [string, Record<string, string>][]) {
      const res = await sendWith(login, (t += 20_000), 'GET', path, LIS_OFFICE[0]!, KUBECTL_MAC, headers);
      expect(res.status.code, `${path}: ${reasonOf(res)} ${rules(res)}`).toBe(0);
    }
  }
  return login;
}

describe("customers' Secrets from a support engineer's laptop, with examples/stepgate.yaml", () => {
  // Fixed (engine, unfamiliar_kind): a vcluster's synced Secrets and its kubeconfig (cluster-admin
  // of the customer's virtual cluster) read in the host namespace of a customer whose tickets the
  // support engineer works: their laptop, kubectl, token, within the Secrets rule's 8 hours, in a
  // namespace of their working set (they read its pods and logs on each ticket). Support never
  // reads a Secret, and the working set is kept by namespace; the kinds an identity did are now
  // kept too, so support's first Secret read a day into their history needs a sign-in after it.
  it("malware on a support laptop reading a vcluster's synced Secrets and kubeconfig in a ticket's customer namespace is asked more", async () => {
    const login = await supportTwoDays('d16f-support-a@tenantly.example', 'globex');
    const res = await sendWith(login, TUE + 7 * H, 'GET', '/api/v1/namespaces/tenant-globex/secrets/vc-globex', LIS_OFFICE[0]!, KUBECTL_MAC, {});
    expect(reasonOf(res), rules(res)).not.toBe('allowed');
  });

  // Asked (engine, unfamiliar_kind), not refused: the bribed support engineer reads a customer's Secrets as its admin (`kubectl get secret
  // --as=admin@<customer> --as-group=capsule:<customer>:owners`, as their tickets' `auth can-i
  // --list --as` does), in a customer namespace a ticket took them to. An insider signs in at any
  // challenge, so only a refusal would hold; nothing in the request differs from the ticket's own
  // but the kind, and `impersonation` is off in the example (support's and platform engineers'
  // `--as` is routine; impersonation_privileged covers the cluster's all-powerful identities, not
  // a customer's admin). In the replay this is stopped at request 2 where the competitor's
  // customers were never a ticket of theirs (unfamiliar_namespace), and later (request 6 or 10)
  // where one was. Support's first Secret read a day into their history is now asked for a sign-in
  // after it (unfamiliar_kind): the insider gives it and reads on, but the sign-in is on record.
  it("a support engineer reading a ticket customer's Secrets while impersonating its admin is asked more", async () => {
    const login = await supportTwoDays('d16f-support-b@tenantly.example', 'gekko');
    const as = { 'impersonate-user': 'admin@gekko.example', 'impersonate-group': 'capsule:gekko:owners' };
    const res = await sendWith(login, TUE + 7.3 * H, 'GET', '/api/v1/namespaces/tenant-gekko/secrets/stripe-live', LIS_OFFICE[0]!, KUBECTL_MAC, as);
    expect(reasonOf(res), rules(res)).not.toBe('allowed');
  });

  // Closed in session 49 by the site's copy (was open on the example as shipped: nothing stepgate
  // saw said the window ended): a contractor whose access window closed at 13:00, on a token
  // kubelogin refreshed from the morning's sign-in (the IdP session was not revoked), at 16:42
  // from the home network their login proved the day before, with their own kubectl, in the
  // namespaces they worked in: their own Secret, a shell, then the live Stripe key beside it. The
  // site writes the contractor's time box (09:00–13:00 UTC on weekdays, half an hour either side)
  // as an outside_hours deny rule: refused whatever they answer. Without the warm-up day the
  // replay stopped it at request 1 already (the home network was then one the login never proved).
  it("a contractor's refreshed token after their window ends is refused", async () => {
    const sub = CONTRACTORS[0];
    const steps: [string, string, Record<string, string>][] = [
      ['GET', '/api/v1/namespaces/billing-staging/pods?limit=500', {}],
      ['GET', '/api/v1/namespaces/billing-staging/secrets/stripe-test-key', {}],
      ['GET', '/api/v1/namespaces/billing-staging/pods/billing-v2-5f7b9-k2j4p/exec?command=sh&container=app&stdin=true&stdout=true&tty=true', WS],
    ];
    const home = '83.132.40.41';
    // Monday at home, Tuesday 09:00–13:00 at the coworking space.
    let t = MON + 1 * H;
    const monday = signIn(sub, t - 40_000);
    for (const [m, p, h] of steps) { const r = await sendWith(monday, (t += 60_000), m, p, home, KUBECTL_LINUX, h, site); expect(r.status.code, `${p}: ${reasonOf(r)} ${rules(r)}`).toBe(0); }
    // The coworking space is a network the login never proved: asked once, as the replay's contractor is.
    t = TUE + 1 * H;
    const first = await sendWith(signIn(sub, t - 40_000), t, 'GET', steps[0]![1], COWORK, KUBECTL_LINUX, {}, site);
    expect(reasonOf(first), rules(first)).toBe('auth_too_old');
    const tuesday = signIn(sub, t + 20_000);
    t += 25_000;
    for (const [m, p, h] of steps) { const r = await sendWith(tuesday, (t += 60_000), m, p, COWORK, KUBECTL_LINUX, h, site); expect(r.status.code, `${p}: ${reasonOf(r)} ${rules(r)}`).toBe(0); }
    // 16:42: the window closed at 13:00.
    const res = await sendWith(tuesday, TUE + 8.7 * H, 'GET', '/api/v1/namespaces/billing-staging/secrets/stripe-test-key', home, KUBECTL_LINUX, {}, site);
    expect(reasonOf(res), rules(res)).toBe('policy_deny');
    expect(rules(res)).toContain('contractor-morning-access');
    // A fresh sign-in changes nothing: a time box is not a step-up.
    const again = await sendWith(signIn(sub, TUE + 8.7 * H + 20_000), TUE + 8.7 * H + 25_000, 'GET', '/api/v1/namespaces/billing-staging/secrets/stripe-test-key', home, KUBECTL_LINUX, {}, site);
    expect(reasonOf(again), rules(again)).toBe('policy_deny');
  });
});
