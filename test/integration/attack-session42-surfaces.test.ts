import { describe, expect, it } from 'vitest';
import { everydayWriter, type Write } from '../support/attack-writes.js';
import { builtServerForFile, freshSubjects, KUBE, officeRound, reason, REFUSED, rules } from '../support/built-server.js';
import { CONTENT_TYPES, type RequestSpec } from '../support/requests.js';

/**
 * Session 42's black-box round (redteam42b) against the built server with the example policy as it
 * ships: the dashboards that pass the Kubernetes API through (`kubernetes.proxies`: Backstage,
 * Headlamp, the OpenShift console), where what reaches the API server is decided by the
 * dashboard's router and by which credential the dashboard forwards, not by the request line and
 * Authorization alone. The rows that held are kept so the corpus grows.
 */

const server = builtServerForFile('session42');
const subjects = freshSubjects(() => server().issuer, 'session42');

const BACKSTAGE = 'backstage.localhost';
const HEADLAMP = 'headlamp.localhost';
const CONSOLE = 'console.localhost';
const SECRET = '/api/v1/namespaces/prod-eu/secrets/db';
const PODS = '/api/v1/namespaces/dev/pods';
const WS = { connection: 'Upgrade', upgrade: 'websocket', 'sec-websocket-protocol': 'v5.channel.k8s.io' };

const { signedIn, send } = officeRound(server, subjects);

/**
 * Found: Backstage's backend is Express, whose routers match without letter case by default, and
 * the Kubernetes plugin's proxy strips the prefix as the client spelt it (`req.baseUrl`) before it
 * forwards the rest to the API server. stepgate matched the `kubernetes.proxies` prefix
 * case-sensitively, so `/API/KUBERNETES/PROXY/api/v1/…/secrets/db` was a web page under the
 * default rule: the everyday one-factor sign-in read a production Secret and opened a shell.
 */
describe('found: a Kubernetes API proxy prefix spelt in other letter case', () => {
  it.each<[string, RequestSpec, string]>([
    ['a production Secret read through /API/KUBERNETES/PROXY', { host: BACKSTAGE, path: `/API/KUBERNETES/PROXY${SECRET}` }, 'secrets'],
    ['the same through /api/Kubernetes/proxy', { host: BACKSTAGE, path: `/api/Kubernetes/proxy${SECRET}` }, 'secrets'],
    ['a shell in a production pod through /Api/kubernetes/Proxy (WebSocket)', { host: BACKSTAGE, path: '/Api/kubernetes/Proxy/api/v1/namespaces/prod-eu/pods/web-0/exec?command=sh&stdin=true&tty=true', headers: WS }, 'pod-shell'],
    ['a ClusterRoleBinding created through /API/kubernetes/PROXY', { host: BACKSTAGE, method: 'POST', path: '/API/kubernetes/PROXY/apis/rbac.authorization.k8s.io/v1/clusterrolebindings', headers: { 'content-type': 'application/json' } }, 'rbac-writes'],
    // Held before too in effect (Go's routers keep case, so these reach nothing), judged now as the Secret read all the same.
    ['Headlamp: /CLUSTERS/main', { host: HEADLAMP, path: `/CLUSTERS/main${SECRET}` }, 'secrets'],
    ['the OpenShift console: /API/Kubernetes', { host: CONSOLE, path: `/API/Kubernetes${SECRET}` }, 'secrets'],
  ])('%s: refused, by the rule the API request meets', async (_what, spec, rule) => {
    const res = await send(await signedIn(), spec);
    expect(REFUSED).toContain(reason(res));
    expect(rules(res).split(',')).toContain(rule);
  });

  it.each<[string, RequestSpec]>([
    ["the pods in dev through Backstage's proxy, as the plugin spells it", { host: BACKSTAGE, path: `/api/kubernetes/proxy${PODS}` }],
    ['the same in capitals', { host: BACKSTAGE, path: `/API/KUBERNETES/PROXY${PODS}` }],
    ["Backstage's own catalogue page under a capitalised /API/KUBERNETES (no proxy there)", { host: BACKSTAGE, path: '/API/KUBERNETES/services/billing-api' }],
  ])('control: %s is allowed to the everyday sign-in', async (_what, spec) => {
    const res = await send(await signedIn(), spec);
    expect(reason(res), rules(res)).toBe('allowed');
  });
});

/**
 * Found: Backstage's Kubernetes proxy does not forward the Authorization it is sent. It sets the
 * API server's Authorization to its `Backstage-Kubernetes-Authorization` header, or to a token from
 * a `Backstage-Kubernetes-Authorization-<framework>[-<provider>]` one. The attacker's own fresh
 * two-factor sign-in in Authorization was what stepgate verified, while a stolen one-factor token
 * in that header was what the API server ran as. Headlamp likewise proxies a stateless cluster with
 * the credentials of the kubeconfig in a `KUBECONFIG` header.
 */
describe('found: a dashboard forwarding another credential than Authorization', () => {
  it.each<[string, (stolen: string) => Record<string, string>]>([
    ['Backstage-Kubernetes-Authorization: Bearer <stolen>', (stolen) => ({ 'backstage-kubernetes-authorization': `Bearer ${stolen}` })],
    ['Backstage-Kubernetes-Authorization-oidc-okta: <stolen>', (stolen) => ({ 'backstage-kubernetes-authorization-oidc-okta': stolen })],
    ['Backstage-Kubernetes-Authorization-google: <stolen>', (stolen) => ({ 'backstage-kubernetes-authorization-google': stolen })],
  ])('%s beside the caller\'s own fresh sign-in, on a Secret read through the proxy: credential_ambiguous', async (_what, carrier) => {
    const own = await signedIn('aal2', 60);
    const stolen = await subjects.tokenOf('aal1', 36_000);
    const res = await send(own, { host: BACKSTAGE, path: `/api/kubernetes/proxy${SECRET}`, headers: carrier(stolen) });
    expect(reason(res)).toBe('credential_ambiguous');
  });

  it("a KUBECONFIG header on Headlamp's proxy (a stateless cluster's own token or client certificate): credential_ambiguous", async () => {
    const kubeconfig = Buffer.from('apiVersion: v1\nkind: Config\nusers:\n- name: admin\n  user:\n    client-certificate-data: LS0t\n').toString('base64');
    const res = await send(await signedIn(), { host: HEADLAMP, path: `/clusters/main${PODS}`, headers: { kubeconfig } });
    expect(reason(res)).toBe('credential_ambiguous');
  });

  it('controls: the same token in Backstage-Kubernetes-Authorization as in Authorization is one credential; the caller\'s own fresh sign-in alone reads the Secret', async () => {
    const token = await signedIn();
    const same = await send(token, { host: BACKSTAGE, path: `/api/kubernetes/proxy${PODS}`, headers: { 'backstage-kubernetes-authorization': `Bearer ${token}` } });
    expect(reason(same), rules(same)).toBe('allowed');
    const own = await signedIn('aal2', 60);
    const alone = await send(own, { host: BACKSTAGE, path: `/api/kubernetes/proxy${SECRET}` });
    expect(reason(alone), rules(alone)).toBe('allowed');
  });

  it('control: off the proxied paths the headers are nobody\'s credential (a Grafana page with them is the caller\'s)', async () => {
    const token = await signedIn();
    const res = await send(token, { host: 'grafana.localhost', path: '/d/AbC123/overview', headers: { 'backstage-kubernetes-authorization': 'Bearer x', kubeconfig: 'eA==' } });
    expect(reason(res), rules(res)).toBe('allowed');
  });
});

/**
 * Held: the kubelet reached through nodes/proxy by a WebSocket GET. The kubelet authorizes its
 * `/exec` over WebSocket as a GET (`get nodes/proxy`), so read access to nodes/proxy is a shell in
 * every pod on the node; the example denies nodes/proxy outright, in every spelling tried.
 */
describe('held: the kubelet behind nodes/proxy', () => {
  it.each<[string, RequestSpec]>([
    ['exec over WebSocket', { host: KUBE, path: '/api/v1/nodes/worker-1/proxy/exec/kube-system/kube-proxy-x/kube-proxy?command=id&output=1', headers: WS }],
    ['exec over WebSocket, the kubelet port named', { host: KUBE, path: '/api/v1/nodes/worker-1:10250/proxy/exec/prod-eu/web-0/web?command=sh', headers: WS }],
    ['attach over WebSocket', { host: KUBE, path: '/api/v1/nodes/worker-1/proxy/attach/kube-system/kube-proxy-x/kube-proxy?input=1', headers: WS }],
    ['the kubelet configuration', { host: KUBE, path: '/api/v1/nodes/worker-1/proxy/configz' }],
    ["through Backstage's proxy in capitals", { host: BACKSTAGE, path: '/API/KUBERNETES/PROXY/api/v1/nodes/worker-1/proxy/exec/kube-system/kube-proxy-x/kube-proxy?command=id', headers: WS }],
  ])('%s: denied (no-node-proxy)', async (_what, spec) => {
    const res = await send(await signedIn('aal2', 60), spec);
    expect(reason(res)).toBe('policy_deny');
    expect(rules(res).split(',')).toContain('no-node-proxy');
  });

  it("the kubelet's port reached as a kube-system Service's proxy instead: refused", async () => {
    const res = await send(await signedIn(), { host: KUBE, path: '/api/v1/namespaces/kube-system/services/https:kubelet:10250/proxy/pods' });
    expect(REFUSED).toContain(reason(res));
    expect(rules(res).split(',')).toContain('pod-shell');
  });
});

/**
 * Found: kube-apiserver's status strategy for a Pod resets only its spec, deletion timestamp and
 * owner references, so a status write carrying metadata relabels the pod as `kubectl label pod`
 * does: `app: pos-api` lets a kiosk through the loyalty database's network policy (day 24). The
 * example's pod-edits rule names the pod itself (`subresources: [""]`), and the status form went
 * by it on a sign-in an hour old. A status write that may change metadata is now judged as the
 * object's write too.
 */
const { merge: MERGE, jsonPatch: JSON_PATCH, strategic: SMP } = CONTENT_TYPES;
const KIOSK = '/api/v1/namespaces/orders/pods/kiosk-0/status';
const hourOld = everydayWriter(server, subjects);
describe('found: a running pod relabelled through its status', () => {
  it.each(([
    [['a merge patch of its labels', 'PATCH', KIOSK, MERGE, { metadata: { labels: { app: 'pos-api' } } }], 'pod-edits'],
    [['a JSON patch adding a label', 'PATCH', KIOSK, JSON_PATCH, [{ op: 'add', path: '/metadata/labels/app', value: 'pos-api' }]], 'pod-edits'],
    [['a strategic merge patch with the key escaped', 'PATCH', KIOSK, SMP, '{"status":{},"met\\u0061data":{"labels":{"app":"pos-api"}}}'], 'pod-edits'],
    [['a PUT of the whole pod, relabelled', 'PUT', KIOSK, 'application/json', { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'kiosk-0', namespace: 'orders', labels: { app: 'pos-api' } }, status: { phase: 'Running' } }], 'pod-edits'],
    [["coredns's pod relabelled out of kube-dns's endpoints", 'PATCH', '/api/v1/namespaces/kube-system/pods/coredns-7db6d8ff4d-x2x9k/status', MERGE, { metadata: { labels: { 'k8s-app': 'none' } } }], 'system-writes'],
  ] as [Write, string][]).map(([write, rule]) => [write[0], write, rule] as const))('%s: asked as the pod\'s own edit', async (_what, write, rule) => {
    const res = await hourOld(write);
    expect(REFUSED).toContain(reason(res));
    expect(rules(res).split(',')).toContain(rule);
  });

  it.each<Write>([
    ['a status-only merge patch', 'PATCH', KIOSK, MERGE, { status: { phase: 'Running' } }],
    ['a JSON patch of a condition', 'PATCH', KIOSK, JSON_PATCH, [{ op: 'replace', path: '/status/conditions/0/status', value: 'True' }]],
  ])('control: %s is no edit of the pod', async (...write) => {
    const res = await hourOld(write);
    expect(rules(res).split(',')).not.toContain('pod-edits');
  });
});


/**
 * Found (backstage42): Backstage's Kubernetes backend has routes beside its proxy that call the API
 * server themselves (plugins/kubernetes-backend: `POST /api/kubernetes/services/:serviceId`,
 * `/resources/workloads/query`, `/resources/custom/query`). Their token comes from the request
 * body's `auth` (`auth.oidc.<provider>`, `auth.google`, `auth.aks`…), and the custom query lists
 * whatever `customResources` names (`{group: "", apiVersion: "v1", plural: "secrets"}` is
 * `/api/v1/namespaces/<ns>/secrets`), with that token or Backstage's own service account. stepgate
 * judged them as web pages: the everyday sign-in listed Secrets, and a stolen token in the body
 * rode on the caller's own sign-in.
 */
const QUERY = (path: string, body: unknown, headers: Record<string, string> = {}): RequestSpec => ({
  host: BACKSTAGE, method: 'POST', path, body: typeof body === 'string' ? body : JSON.stringify(body), headers: { 'content-type': 'application/json', ...headers },
});
const ENTITY = 'component:default/billing-api';
const ROLLOUTS = { group: 'argoproj.io', apiVersion: 'v1alpha1', plural: 'rollouts' };
const SECRETS = { group: '', apiVersion: 'v1', plural: 'secrets' };
describe("found: Backstage's Kubernetes backend routes that read with a token from the body", () => {
  it.each<[string, string, (stolen: string) => Record<string, unknown>]>([
    ['auth.oidc.okta on the workloads query', '/api/kubernetes/resources/workloads/query', (stolen) => ({ entityRef: ENTITY, auth: { oidc: { okta: stolen } } })],
    ['auth.google on the custom query', '/api/kubernetes/resources/custom/query', (stolen) => ({ entityRef: ENTITY, customResources: [ROLLOUTS], auth: { google: stolen } })],
    ['auth.aks on the (deprecated) services route', '/api/kubernetes/services/billing-api', (stolen) => ({ entity: { metadata: { name: 'billing-api' } }, auth: { aks: stolen } })],
    ['auth.oidc in capitals on the path', '/API/Kubernetes/Resources/Workloads/Query/', (stolen) => ({ entityRef: ENTITY, auth: { oidc: { okta: stolen } } })],
  ])('a stolen token in %s beside the caller\'s own fresh sign-in: credential_ambiguous', async (_what, path, body) => {
    const own = await signedIn('aal2', 60);
    const stolen = await subjects.tokenOf('aal1', 36_000);
    const res = await send(own, QUERY(path, body(stolen)));
    expect(reason(res)).toBe('credential_ambiguous');
  });

  it.each<[string, string, unknown]>([
    ['core secrets named as a custom resource', '/api/kubernetes/resources/custom/query', { entityRef: ENTITY, customResources: [ROLLOUTS, SECRETS] }],
    ['the same with no group key at all', '/api/kubernetes/resources/custom/query', { entityRef: ENTITY, customResources: [{ apiVersion: 'v1', plural: 'secrets' }] }],
    ['the same on a capitalised path', '/API/KUBERNETES/RESOURCES/CUSTOM/QUERY', { entityRef: ENTITY, customResources: [SECRETS] }],
  ])('%s, on the everyday sign-in: refused by the secrets rule', async (_what, path, body) => {
    const res = await send(await signedIn(), QUERY(path, body));
    expect(REFUSED).toContain(reason(res));
    expect(rules(res).split(',')).toContain('secrets');
  });

  it.each<[string, RequestSpec]>([
    ['a plural with a slash (encoded into the path, which Go decodes: one Secret by name)', QUERY('/api/kubernetes/resources/custom/query', { entityRef: ENTITY, customResources: [{ group: '', apiVersion: 'v1', plural: 'secrets/db' }] })],
    ['a body that is not JSON', QUERY('/api/kubernetes/resources/custom/query', 'entityRef=component:default/billing-api')],
    ['an auth value that is no token string', QUERY('/api/kubernetes/resources/workloads/query', { entityRef: ENTITY, auth: { oidc: { okta: ['a', 'b'] } } })],
  ])('%s: request_invalid', async (_what, spec) => {
    const res = await send(await signedIn(), spec);
    expect(reason(res)).toBe('request_invalid');
  });

  it.each<[string, (own: string) => RequestSpec]>([
    ["the catalogue page's workloads query with no token in the body", () => QUERY('/api/kubernetes/resources/workloads/query', { entityRef: ENTITY })],
    ["the same with the caller's own token as auth.oidc.okta", (own) => QUERY('/api/kubernetes/resources/workloads/query', { entityRef: ENTITY, auth: { oidc: { okta: own } } })],
    ["the custom query for the entity's Argo Rollouts", () => QUERY('/api/kubernetes/resources/custom/query', { entityRef: ENTITY, customResources: [ROLLOUTS] })],
    ['the clusters list', () => ({ host: BACKSTAGE, path: '/api/kubernetes/clusters' })],
  ])('control: %s is allowed to the everyday sign-in', async (_what, spec) => {
    const own = await signedIn();
    const res = await send(own, spec(own));
    expect(reason(res), rules(res)).toBe('allowed');
  });
});

describe('the server after the round', () => {
  it('is still up and logged nothing on stderr', () => {
    expect(server().child.exitCode).toBeNull();
    expect(server().stderr).toEqual([]);
  });
});
