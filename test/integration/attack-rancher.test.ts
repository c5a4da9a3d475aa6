import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freshSubjects, KUBE, OFFICE, reason, startBuiltServer, type BuiltServer } from '../support/built-server.js';
import { CHROME, JSON_CT, MERGE, sweepAttacks, sweepRequest, sweepRoutine, sweepSender, type SweepAttack, type SweepRequest as Req } from '../support/platform-sweep.js';
import { checkRequest } from '../support/requests.js';

/**
 * Rancher as the fleet's front door, black-box against the built server with the example policy
 * (`rancher.localhost` is a `rancher` web API there). Each sensitive action is sent every way
 * Rancher takes it: Steve (`/v1/<type>/…`, the UI's API, for the local cluster and under
 * `/k8s/clusters/<id>/`), the API server passed through (`/k8s/clusters/<id>/api…`, where Rancher's
 * generated kubeconfigs point kubectl), Norman (`/v3/…`) where it applies, and plain kubectl to
 * the API server, with the victim's token in two states:
 *
 * - `known`: a one-factor sign-in a minute old, from the victim's office after the victim's own
 *   read (a copied kubeconfig, malware with the everyday sign-in);
 * - `remote`: two factors a minute old, from a network the victim never used (a phished token).
 *
 * Each must be challenged or refused and name the rule given; the routine neighbours (the pod
 * list through Steve, the UI's pages, a Fleet force update, Bundles read) are allowed with the
 * `known` token, so each row can fail.
 */

let server: BuiltServer;
beforeAll(async () => {
  server = await startBuiltServer('rancher');
}, 180_000);
afterAll(async () => {
  await server?.close();
});

const subjects = freshSubjects(() => server.issuer, 'rancher');
const RANCHER = 'rancher.localhost';
const KUBECTL = 'kubectl/v1.32.4 (linux/amd64) kubernetes/5f8c2b1';
// The victim's own read is kubectl's; the UI's requests are Chrome's (Steve, Norman), kubectl's the rest.
const send = sweepSender(() => server, subjects, (req) => ({
  userAgent: req.host === RANCHER && !req.path.includes('/api') ? CHROME : KUBECTL,
  own: { host: KUBE, path: '/api/v1/namespaces/dev/pods?limit=500', userAgent: KUBECTL },
}));
const r = (method: string, path: string, body?: unknown, headers?: Record<string, string>): Req => sweepRequest(RANCHER, method, path, body, headers);
const k = (method: string, path: string, body?: unknown, headers?: Record<string, string>): Req => sweepRequest(KUBE, method, path, body, headers);

const CRTB = { type: 'management.cattle.io.clusterroletemplatebinding', metadata: { namespace: 'c-m-prod1', generateName: 'crtb-' }, clusterName: 'c-m-prod1', roleTemplateName: 'cluster-owner', userPrincipalName: 'local://u-mallory' };
const GRB = { type: 'management.cattle.io.globalrolebinding', metadata: { generateName: 'grb-' }, globalRoleName: 'admin', userName: 'u-mallory' };
const TOKEN = { type: 'ext.cattle.io.token', metadata: { generateName: 'token-' }, spec: { description: 'ci', ttl: 0 } };
const REPOINT = { spec: { repo: 'https://github.com/mallory/fleet-payload', branch: 'main' } };
const WS = { upgrade: 'websocket', connection: 'Upgrade', 'sec-websocket-version': '13', 'sec-websocket-key': 'dGhlIHNhbXBsZSBub25jZQ==' };
const EXEC = '/api/v1/namespaces/cattle-system/pods/rancher-7c9f6b5d8-x2k4p/exec?command=sh&stdin=true&stdout=true&tty=true&container=rancher';

type Attack = SweepAttack;

const ATTACKS: readonly Attack[] = [
  {
    what: "a Secret of Rancher's own read (every provisioned cluster's admin kubeconfig)",
    rule: 'system-secrets',
    via: [
      ['Steve, local', r('GET', '/v1/secrets/fleet-default/prod1-kubeconfig')],
      ['Steve by schema ID', r('GET', '/v1/Secret/fleet-default/prod1-kubeconfig')],
      ['Steve, downstream', r('GET', '/k8s/clusters/c-m-prod1/v1/secrets/cattle-system/tls-rancher-internal')],
      ['Steve list in the namespace', r('GET', '/v1/secrets/cattle-global-data')],
      ['Norman, a namespaced secret', r('GET', '/v3/project/local:p-x7k2q/namespacedsecrets/fleet-default:prod1-kubeconfig')],
      ['the /k8s/clusters proxy', r('GET', '/k8s/clusters/local/api/v1/namespaces/fleet-default/secrets/prod1-kubeconfig')],
      ['the local API server through Steve', r('GET', '/api/v1/namespaces/fleet-default/secrets/prod1-kubeconfig')],
      ['kubectl', k('GET', '/api/v1/namespaces/fleet-default/secrets/prod1-kubeconfig')],
    ],
  },
  {
    what: "a shell in Rancher's own pod (cattle-system)",
    rule: 'system-pod-access',
    via: [
      ['the /k8s/clusters proxy (the UI\'s shell)', r('GET', `/k8s/clusters/local${EXEC}`, undefined, { connection: 'Upgrade', upgrade: 'websocket' })],
      ['the local API server through Steve', r('POST', EXEC)],
      ['kubectl', k('POST', EXEC)],
    ],
  },
  {
    what: 'a ClusterRoleTemplateBinding to cluster-owner',
    rule: 'rancher-rbac-writes',
    via: [
      ['Steve', r('POST', '/v1/management.cattle.io.clusterroletemplatebindings', CRTB)],
      ['Steve by schema ID', r('POST', '/v1/management.cattle.io.clusterroletemplatebinding', CRTB)],
      ['Norman', r('POST', '/v3/clusterroletemplatebindings', { type: 'clusterRoleTemplateBinding', clusterId: 'c-m-prod1', roleTemplateId: 'cluster-owner', userPrincipalId: 'local://u-mallory' })],
      ['the /k8s/clusters proxy', r('POST', '/k8s/clusters/local/apis/management.cattle.io/v3/namespaces/c-m-prod1/clusterroletemplatebindings', CRTB)],
      ['kubectl', k('POST', '/apis/management.cattle.io/v3/namespaces/c-m-prod1/clusterroletemplatebindings', { ...CRTB, apiVersion: 'management.cattle.io/v3', kind: 'ClusterRoleTemplateBinding' })],
    ],
  },
  {
    what: 'a GlobalRoleBinding to admin (cluster-admin on every cluster)',
    rule: 'rancher-rbac-writes',
    via: [
      ['Steve', r('POST', '/v1/management.cattle.io.globalrolebindings', GRB)],
      ['Norman', r('POST', '/v3/globalrolebindings', { type: 'globalRoleBinding', globalRoleId: 'admin', userId: 'u-mallory' })],
      ['Norman, an existing one rebound', r('PUT', '/v3/globalrolebindings/grb-8xk2p', { globalRoleId: 'admin', userId: 'u-mallory' })],
      ['the /k8s/clusters proxy', r('POST', '/k8s/clusters/local/apis/management.cattle.io/v3/globalrolebindings', GRB)],
      ['kubectl', k('POST', '/apis/management.cattle.io/v3/globalrolebindings', { ...GRB, apiVersion: 'management.cattle.io/v3', kind: 'GlobalRoleBinding' })],
    ],
  },
  {
    what: 'a Rancher API key minted',
    rule: 'rancher-tokens',
    via: [
      ['Norman', r('POST', '/v3/tokens', { type: 'token', description: 'ci', ttl: 0 })],
      ['Norman, a kubeconfig generated', r('POST', '/v3/clusters/c-m-prod1?action=generateKubeconfig')],
      ['Steve, a kubeconfig generated', r('POST', '/v1/management.cattle.io.clusters/c-m-prod1?action=generateKubeconfig')],
      ['Steve, an ext token', r('POST', '/v1/ext.cattle.io.tokens', TOKEN)],
      ['the extension API server', r('POST', '/ext/apis/ext.cattle.io/v1/tokens', TOKEN)],
      ['kubectl', k('POST', '/apis/ext.cattle.io/v1/tokens', { ...TOKEN, apiVersion: 'ext.cattle.io/v1', kind: 'Token' })],
    ],
  },
  {
    what: 'a Fleet GitRepo repointed at another repository',
    rule: 'guardrail:gitops_source_change',
    via: [
      ['Steve, a patch', r('PATCH', '/v1/fleet.cattle.io.gitrepos/fleet-default/platform', REPOINT, MERGE)],
      ['the /k8s/clusters proxy', r('PATCH', '/k8s/clusters/local/apis/fleet.cattle.io/v1alpha1/namespaces/fleet-default/gitrepos/platform', REPOINT, MERGE)],
      ['kubectl', k('PATCH', '/apis/fleet.cattle.io/v1alpha1/namespaces/fleet-default/gitrepos/platform', REPOINT, MERGE)],
    ],
  },
  {
    what: 'a Fleet GitRepo replaced (the UI saves the whole object)',
    rule: 'fleet-objects',
    via: [
      ['Steve', r('PUT', '/v1/fleet.cattle.io.gitrepos/fleet-default/platform', { type: 'fleet.cattle.io.gitrepo', metadata: { name: 'platform', namespace: 'fleet-default' }, spec: REPOINT.spec })],
      ['kubectl', k('PUT', '/apis/fleet.cattle.io/v1alpha1/namespaces/fleet-default/gitrepos/platform', { apiVersion: 'fleet.cattle.io/v1alpha1', kind: 'GitRepo', metadata: { name: 'platform', namespace: 'fleet-default' }, spec: REPOINT.spec })],
    ],
  },
  {
    // The UI's watch socket names what it watches in WebSocket frames the gateway never sees; Steve
    // and Norman then stream every change the user may read, a Secret's data included.
    what: "Rancher's watch socket, which streams Secrets as they change",
    rule: 'rancher-watch-socket',
    via: [
      ['Steve', r('GET', '/v1/subscribe?sockId=1', undefined, WS)],
      ['Steve under a cluster', r('GET', '/k8s/clusters/c-m-prod1/v1/subscribe?sockId=2', undefined, WS)],
      ['Steve, spelled in capitals', r('GET', '/v1/Subscribe', undefined, WS)],
      ['Norman', r('GET', '/v3/subscribe?eventNames=resource.change', undefined, WS)],
      ["Norman's project API", r('GET', '/v3/project/c-m-prod1:p-x7k2q/subscribe?eventNames=resource.change', undefined, WS)],
      ["Norman's cluster API", r('GET', '/v3/cluster/c-m-prod1/subscribe', undefined, WS)],
    ],
  },
];

sweepAttacks(ATTACKS, send);

/** Writes stepgate cannot read on a Rancher host are refused, whatever the token. */
const REFUSED: readonly [string, Req][] = [
  ['a Helm chart installed from a ClusterRepo (Steve action)', r('POST', '/v1/catalog.cattle.io.clusterrepos/rancher-charts?action=install', { charts: [{ chartName: 'x' }] })],
  ['a write to a Steve type stepgate cannot name', r('POST', '/v1/example.com.widget', { metadata: { namespace: 'dev' } })],
  ['a Norman write stepgate cannot read', r('POST', '/v3/cloudcredentials', { type: 'cloudCredential' })],
];

describe.each(REFUSED)('%s', (_what, req) => {
  it('is refused as unreadable', async () => {
    const token = await subjects.tokenOf('aal3', 60);
    const res = await server.client.check(checkRequest({ host: req.host, source: OFFICE, method: req.method, path: req.path, token, headers: { 'user-agent': CHROME, ...JSON_CT, 'x-envoy-auth-partial-body': 'false' }, body: JSON.stringify(req.body) }));
    expect(reason(res)).toBe('request_invalid');
  });
});

/** The routine neighbours: allowed with the everyday sign-in from the office. */
const ROUTINE: readonly [string, Req][] = [
  ['the pod list through Steve', r('GET', '/v1/pods/dev')],
  ['the pod list of a downstream cluster through Steve', r('GET', '/k8s/clusters/c-m-prod1/v1/pods/dev?exclude=metadata.managedFields')],
  ["the Rancher UI's page", r('GET', '/dashboard/c/local/explorer')],
  ["the UI's schemas and counts", r('GET', '/v1/schemas')],
  ["the UI's preferences saved", r('PUT', '/v1/userpreferences/u-alice', { data: { theme: 'dark' } })],
  ['signing out', r('POST', '/v3/tokens?action=logout')],
  ['Bundles read', r('GET', '/v1/fleet.cattle.io.bundles/fleet-default')],
  ['a Fleet force update through Steve', r('PATCH', '/v1/fleet.cattle.io.gitrepos/fleet-default/platform', { spec: { forceSyncGeneration: 4 } }, MERGE)],
  ['a Fleet GitRepo paused by kubectl', k('PATCH', '/apis/fleet.cattle.io/v1alpha1/namespaces/fleet-default/gitrepos/platform', { spec: { paused: true } }, MERGE)],
];

sweepRoutine(ROUTINE, send);

// The socket asks what a Secret read asks, so the everyday two-factor sign-in from the office opens it.
it("Rancher's watch socket is allowed with the everyday two-factor sign-in from the office", async () => {
  const token = await subjects.tokenOf('aal2', 3 * 3600);
  for (const path of ['/v1/subscribe?sockId=1', '/k8s/clusters/c-m-prod1/v1/subscribe?sockId=2', '/v3/subscribe?eventNames=resource.change']) {
    const res = await server.client.check(checkRequest({ host: RANCHER, source: OFFICE, path, token, headers: { 'user-agent': CHROME, ...WS } }));
    expect(reason(res), path).toBe('allowed');
  }
});
