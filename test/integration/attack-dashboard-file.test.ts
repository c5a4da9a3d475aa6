import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freshSubjects, KUBE, OFFICE, TOKEN_STATES, reason, rules, startBuiltServer, type BuiltServer, type TokenState } from '../support/built-server.js';
import type { CheckResponse } from '../support/grpc-client.js';
import { judgeWrite, type WriteNeed } from '../support/kubectl-writes.js';
import { checkRequest } from '../support/requests.js';

/**
 * The Kubernetes Dashboard's "Create from file" (`POST /api/v1/appdeploymentfromfile` on the
 * example's kubernetes-dashboard web API host, dashboard.localhost), black-box against the built
 * server with the example policy, in the token states of attack-host-kinds.test.ts: the Dashboard
 * creates each object of the file's `content` with the caller's token, so each is judged as that
 * create (pipeline/file.ts) and the strictest answers. A harmless file is routine; an object that
 * needs more makes the file need it; a file that cannot be read is refused.
 */

let server: BuiltServer;
beforeAll(async () => {
  server = await startBuiltServer('dashfile');
}, 180_000);
afterAll(async () => {
  await server?.close();
});

const subjects = freshSubjects(() => server.issuer, 'dashfile');
const DASH = 'dashboard.localhost';
const CHROME = 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/128.0.0.0 Safari/537.36';
const KUBECTL = 'kubectl/v1.32.4 (linux/amd64) kubernetes/5f8c2b1';

/** The Dashboard's request: `AppDeploymentFromFileSpec` as its frontend posts it. */
const fromFile = (namespace: string, content: string) => JSON.stringify({ name: '', namespace, content, validate: true });

async function send(body: string, state: TokenState): Promise<CheckResponse> {
  const s = TOKEN_STATES[state];
  const token = await subjects.tokenOf(s.level, s.age);
  if (s.victim) {
    const own = await server.client.check(checkRequest({ host: KUBE, source: OFFICE, path: '/api/v1/namespaces/dev/pods?limit=500', token, headers: { 'user-agent': KUBECTL } }));
    expect(reason(own), "the victim's own request").toBe('allowed');
  }
  const headers = { 'user-agent': CHROME, 'content-type': 'application/json', 'x-csrf-token': 'x', 'x-envoy-auth-partial-body': 'false' };
  return server.client.check(checkRequest({ host: DASH, source: s.source, method: 'POST', path: '/api/v1/appdeploymentfromfile', token, headers, body }));
}

const DEPLOYMENT = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  labels: {app: web}
spec:
  replicas: 2
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}
    spec:
      containers:
        - name: web
          image: registry.example.com/web:1.4.2
          ports: [{containerPort: 8080}]
`;
const SERVICE = `apiVersion: v1
kind: Service
metadata:
  name: web
spec:
  selector: {app: web}
  ports: [{port: 80, targetPort: 8080}]
`;
const CONFIGMAP = `apiVersion: v1
kind: ConfigMap
metadata:
  name: web-config
data:
  LOG_LEVEL: info
`;
const PRIVILEGED_POD = `apiVersion: v1
kind: Pod
metadata:
  name: debug
spec:
  containers:
    - name: debug
      image: registry.example.com/toolbox:2.1
      securityContext: {privileged: true}
`;
const ADMIN_BINDING = `apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata:
  name: dev-admin
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: cluster-admin}
subjects: [{kind: User, name: dev@example.com, apiGroup: rbac.authorization.k8s.io}]
`;

interface Row {
  what: string;
  body: string;
  need: WriteNeed;
  by?: string;
}

const judged: Row[] = [
  { what: 'a harmless Deployment in dev (YAML)', body: fromFile('dev', DEPLOYMENT), need: 'routine' },
  { what: 'a Deployment and its Service in dev (two YAML documents)', body: fromFile('dev', `${DEPLOYMENT}---\n${SERVICE}`), need: 'routine' },
  { what: 'a harmless ConfigMap in dev (JSON)', body: fromFile('dev', JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'web-config' }, data: { LOG_LEVEL: 'info' } })), need: 'routine' },
  { what: "a harmless Deployment in dev, the file's namespace taken from the object (_all)", body: fromFile('_all', DEPLOYMENT.replace('  name: web\n', '  name: web\n  namespace: dev\n')), need: 'routine' },
  { what: 'a ConfigMap then a privileged Pod in dev', body: fromFile('dev', `${CONFIGMAP}---\n${PRIVILEGED_POD}`), need: 'aal3', by: 'guardrail:privileged_container' },
  { what: 'a Deployment in dev then a ClusterRoleBinding to cluster-admin', body: fromFile('dev', `${DEPLOYMENT}---\n${ADMIN_BINDING}`), need: 'aal3', by: 'guardrail:rbac_cluster_admin_binding' },
  { what: 'a privileged Pod in kube-system, named by the object (_all)', body: fromFile('_all', PRIVILEGED_POD.replace('  name: debug\n', '  name: debug\n  namespace: kube-system\n')), need: 'aal3', by: 'guardrail:privileged_container' },
];

describe("the Dashboard's deploy from file, judged object by object", () => {
  it.each(judged.map((r) => [r.what, r] as const))('%s', async (_what, r) => {
    for (const state of Object.keys(TOKEN_STATES) as TokenState[]) judgeWrite(r.what, r.need, state, await send(r.body, state), r.by);
  });
});

const refused: [what: string, body: string][] = [
  ['content that is not YAML', fromFile('dev', 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x\n')],
  ['an object of a custom kind, whose resource stepgate cannot name', fromFile('dev', 'apiVersion: cert-manager.io/v1\nkind: Certificate\nmetadata: {name: web}\nspec: {secretName: web, dnsNames: [web.dev.example.com], issuerRef: {name: le, kind: ClusterIssuer}}\n')],
  ['a harmless ConfigMap then a kind stepgate cannot name', fromFile('dev', `${CONFIGMAP}---\napiVersion: v1\nkind: List\nitems: []\n`)],
  ['a namespaced object with no namespace (_all, none in the object)', fromFile('_all', CONFIGMAP)],
  ['two JSON objects one after the other', fromFile('dev', `${JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'a' } })}${JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'b' } })}`)],
  ['more documents than stepgate reads', fromFile('dev', Array.from({ length: 120 }, (_, i) => CONFIGMAP.replace('web-config', `c${i}`)).join('---\n'))],
];

describe("the Dashboard's deploy from file that cannot be read is refused", () => {
  it.each(refused)('%s', async (what, body) => {
    for (const state of ['laptop', 'stolen'] as TokenState[]) {
      const res = await send(body, state);
      expect(reason(res), `${what} (${state}) [${rules(res)}]`).toBe('request_invalid');
    }
  });
});
