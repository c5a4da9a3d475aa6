import { apiServerPath, type BodyReader, type Res, type WebApiReading } from './web-apis.js';

/**
 * Rancher (`kubernetes.web_apis` api `rancher`): one host answers for every cluster it manages, on
 * paths kube-apiserver never sees in that form. Each is read as the API server request it stands
 * for, with the facts from rancher/steve (pkg/server/router/router.go, pkg/server/handler,
 * pkg/schema/converter), rancher/apiserver (pkg/types/schemas.go LookupSchema) and Rancher's
 * Norman API:
 *
 * - `/k8s/clusters/<id>/<rest>`: `<rest>` on cluster `<id>` (`local` is Rancher's own), read as
 *   below; Rancher's generated kubeconfigs point kubectl here.
 * - `/api…`, `/apis…`, `/version`, `/openapi…`: Steve passes these to the API server as they are.
 * - `/ext/<rest>`: Steve's extension API server (`ext.cattle.io` tokens and kubeconfigs), an
 *   aggregated API in kube's own path shape.
 * - `/v1/<type>[/<nameorns>|/<ns>/<name>[/<link>]]`: Steve. `<type>` is a schema's ID (the
 *   lower-cased `group.kind`, `secret` for the core group) or its plural name (`group.resource`,
 *   `secrets`), looked up without regard to case; `<nameorns>` is a namespace for a namespaced
 *   type and a name otherwise, so the reading needs to know each type's scope.
 * - `/v3/<type>[/<id>]`: Norman, Rancher's own objects, whose writes that grant or mint are the
 *   `management.cattle.io` writes Rancher then makes (a token, a role binding).
 */

/** group, plural, Kind, namespaced: the types a reading must know by both names and by scope. */
type Row = readonly [string, string, string, boolean];
const ROWS: readonly Row[] = [
  ['', 'pods', 'Pod', true],
  ['', 'secrets', 'Secret', true],
  ['', 'configmaps', 'ConfigMap', true],
  ['', 'services', 'Service', true],
  ['', 'serviceaccounts', 'ServiceAccount', true],
  ['', 'endpoints', 'Endpoints', true],
  ['', 'events', 'Event', true],
  ['', 'persistentvolumeclaims', 'PersistentVolumeClaim', true],
  ['', 'replicationcontrollers', 'ReplicationController', true],
  ['', 'resourcequotas', 'ResourceQuota', true],
  ['', 'limitranges', 'LimitRange', true],
  ['', 'namespaces', 'Namespace', false],
  ['', 'nodes', 'Node', false],
  ['', 'persistentvolumes', 'PersistentVolume', false],
  ['apps', 'deployments', 'Deployment', true],
  ['apps', 'daemonsets', 'DaemonSet', true],
  ['apps', 'statefulsets', 'StatefulSet', true],
  ['apps', 'replicasets', 'ReplicaSet', true],
  ['apps', 'controllerrevisions', 'ControllerRevision', true],
  ['batch', 'jobs', 'Job', true],
  ['batch', 'cronjobs', 'CronJob', true],
  ['autoscaling', 'horizontalpodautoscalers', 'HorizontalPodAutoscaler', true],
  ['policy', 'poddisruptionbudgets', 'PodDisruptionBudget', true],
  ['networking.k8s.io', 'ingresses', 'Ingress', true],
  ['networking.k8s.io', 'networkpolicies', 'NetworkPolicy', true],
  ['networking.k8s.io', 'ingressclasses', 'IngressClass', false],
  ['rbac.authorization.k8s.io', 'roles', 'Role', true],
  ['rbac.authorization.k8s.io', 'rolebindings', 'RoleBinding', true],
  ['rbac.authorization.k8s.io', 'clusterroles', 'ClusterRole', false],
  ['rbac.authorization.k8s.io', 'clusterrolebindings', 'ClusterRoleBinding', false],
  ['storage.k8s.io', 'storageclasses', 'StorageClass', false],
  ['apiextensions.k8s.io', 'customresourcedefinitions', 'CustomResourceDefinition', false],
  ['admissionregistration.k8s.io', 'validatingwebhookconfigurations', 'ValidatingWebhookConfiguration', false],
  ['admissionregistration.k8s.io', 'mutatingwebhookconfigurations', 'MutatingWebhookConfiguration', false],
  // Rancher's RBAC: global roles and their bindings, role templates and the bindings that grant
  // them in a cluster (in the cluster's namespace) or a project (in the project's).
  ['management.cattle.io', 'globalroles', 'GlobalRole', false],
  ['management.cattle.io', 'globalrolebindings', 'GlobalRoleBinding', false],
  ['management.cattle.io', 'roletemplates', 'RoleTemplate', false],
  ['management.cattle.io', 'clusterroletemplatebindings', 'ClusterRoleTemplateBinding', true],
  ['management.cattle.io', 'projectroletemplatebindings', 'ProjectRoleTemplateBinding', true],
  ['management.cattle.io', 'clusters', 'Cluster', false],
  ['management.cattle.io', 'projects', 'Project', true],
  ['management.cattle.io', 'tokens', 'Token', false],
  ['management.cattle.io', 'users', 'User', false],
  ['management.cattle.io', 'authconfigs', 'AuthConfig', false],
  ['management.cattle.io', 'settings', 'Setting', false],
  ['management.cattle.io', 'clusterregistrationtokens', 'ClusterRegistrationToken', true],
  ['provisioning.cattle.io', 'clusters', 'Cluster', true],
  ['ext.cattle.io', 'tokens', 'Token', false],
  ['ext.cattle.io', 'kubeconfigs', 'Kubeconfig', false],
  ['catalog.cattle.io', 'clusterrepos', 'ClusterRepo', false],
  ['catalog.cattle.io', 'apps', 'App', true],
  ['catalog.cattle.io', 'operations', 'Operation', true],
  ['fleet.cattle.io', 'gitrepos', 'GitRepo', true],
  ['fleet.cattle.io', 'helmops', 'HelmOp', true],
  ['fleet.cattle.io', 'bundles', 'Bundle', true],
  ['fleet.cattle.io', 'bundledeployments', 'BundleDeployment', true],
  ['fleet.cattle.io', 'clustergroups', 'ClusterGroup', true],
  ['fleet.cattle.io', 'clusters', 'Cluster', true],
  ['fleet.cattle.io', 'gitreporestrictions', 'GitRepoRestriction', true],
];

/** A schema found by its ID or its plural name, lower-cased as rancher/apiserver's index keys them. */
const TYPES: ReadonlyMap<string, Res> = new Map(
  ROWS.flatMap(([group, resource, kind, namespaced]) => {
    const res = { group, resource, namespaced };
    const at = group === '' ? '' : `${group}.`;
    return [[`${at}${resource}`, res], [`${at}${kind.toLowerCase()}`, res]] as [string, Res][];
  }),
);

const VERSIONS: Readonly<Record<string, string>> = {
  'management.cattle.io': 'v3',
  'fleet.cattle.io': 'v1alpha1',
  autoscaling: 'v2',
};

/** Steve's own schemas (no Kubernetes object behind them): the UI's counts, its watch socket, the user's preferences. */
const STEVE_OWN = new Set(['schemas', 'schemadefinitions', 'counts', 'subscribe', 'userpreferences', 'apiroot']);

/** Steve actions (`?action=`) read as the request they make: a kubeconfig generated is a token minted. */
const STEVE_ACTIONS: ReadonlyMap<string, ReadonlyMap<string, Res>> = new Map([
  ['management.cattle.io/clusters', new Map([['generatekubeconfig', TYPES.get('management.cattle.io.tokens')!]])],
]);

const WEB: WebApiReading = { kind: 'web' };

/** Whether `path` is one this reading decides on a Rancher host (everything else is its UI's pages). */
export function rancherClaims(path: string): boolean {
  return /^\/(?:k8s\/clusters\/|v1(?:\/|$)|v3\/|ext(?:\/|$)|apis?(?:\/|$)|version(?:\/|$)|openapi(?:\/|$))/.test(path);
}

/** Reads `path` (decoded, as Go's URL.Path) and its raw query on a Rancher host. */
export function readRancher(method: string, path: string, query: string, body: BodyReader): WebApiReading {
  const m = method === 'HEAD' ? 'GET' : method;
  // A CORS preflight reaches no handler that writes (a kube path's is the API server's to answer).
  if (m === 'OPTIONS' && !/^\/(?:k8s\/clusters\/[^/]+\/)?(?:apis?|ext)(?:\/|$)/.test(path)) return WEB;
  let rest = path;
  let cluster: string | undefined;
  const at = /^\/k8s\/clusters\/([^/]+)(?=\/|$)/.exec(path);
  if (at !== null) {
    cluster = at[1]!;
    rest = path.slice(at[0].length);
    if (rest === '') rest = '/';
  }
  const segs = rest === '/' ? [] : rest.split('/').slice(1);
  if (segs.length > 1 && segs[segs.length - 1] === '') segs.pop();
  if (segs.some((s) => s === '' || s === '.' || s === '..')) return invalid(`${method} ${path}: an empty or dot segment`);
  const head = segs[0] ?? '';
  const q = query === '' ? '' : `?${query}`;
  const on = (r: WebApiReading): WebApiReading => (r.kind === 'kube' && cluster !== undefined ? { ...r, cluster } : r);
  // The API server's own paths, passed through with their query (exec's command, watch, dryRun).
  if (head === 'api' || head === 'apis' || head === 'version' || head === 'openapi') return on(kube(method, `${rest}${q}`));
  // The extension API server's paths are kube's shape under /ext.
  if (head === 'ext') {
    const inner = rest.slice(4);
    return inner.startsWith('/api') ? on(kube(method, `${inner}${q}`)) : m === 'GET' ? WEB : invalid(`${method} ${path}, which is no route stepgate knows and may write`);
  }
  if (head === 'v1') return on(steve(m, method, segs.slice(1), new URLSearchParams(query), body, path));
  if (head === 'v3' && m === 'GET') {
    const secret = normanSecretRead(segs.slice(1));
    if (secret !== undefined) return on(secret);
  }
  if (head === 'v3' && cluster === undefined) return norman(m, method, segs.slice(1), new URLSearchParams(query), body, path);
  // Under /k8s/clusters/<id>/ anything else reaches that cluster's API server (`/healthz`, `/livez`),
  // which kube reads as a non-resource request: only read, since what serves a write there (a
  // nested `/k8s/clusters/`, Norman under a cluster) is Rancher's routing, not the API server's.
  if (cluster !== undefined) return m === 'GET' && head !== 'k8s' ? on(kube(method, `${rest}${q}`)) : invalid(`${method} ${path}, which is no route stepgate knows under a cluster`);
  return m === 'GET' ? WEB : invalid(`${method} ${path}, which is no route stepgate knows and may write`);
}

function steve(m: string, method: string, s: string[], query: URLSearchParams, body: BodyReader, path: string): WebApiReading {
  if (s.length === 0) return m === 'GET' ? WEB : invalid(`${method} ${path}`);
  if (s.length > 4) return m === 'GET' ? WEB : invalid(`${method} ${path}, which is no Steve route`);
  const type = s[0]!.toLowerCase();
  const link = s[3] ?? query.get('link') ?? '';
  const action = query.get('action') ?? '';
  if (STEVE_OWN.has(type)) return m === 'GET' || type === 'userpreferences' ? WEB : invalid(`${method} ${path}, which is no route stepgate knows and may write`);
  const res = TYPES.get(type) ?? unknownType(type);
  // A type stepgate cannot name or scope could be any resource: a write to it is refused; a read
  // is judged as the read of a resource by that name in that group.
  if (!TYPES.has(type) && m !== 'GET') return invalid(`${method} of Steve type "${clip(s[0]!)}", which stepgate cannot name`);
  let ns = '';
  let name = '';
  if (s.length === 2) [ns, name] = res.namespaced ? [s[1]!, ''] : ['', s[1]!];
  else if (s.length >= 3) [ns, name] = [s[1]!, s[2]!];
  if (s.length >= 3 && !res.namespaced) return m === 'GET' ? kube('GET', apiPath(res, '', s[2]!)) : invalid(`${method} ${path}: a namespace given for a cluster-scoped type`);
  if (action !== '') {
    const made = STEVE_ACTIONS.get(`${res.group}/${res.resource}`)?.get(action.toLowerCase());
    if (made !== undefined && m === 'POST') return kube('POST', apiPath(made, '', ''));
    return invalid(`Steve action "${clip(action)}" on ${res.resource}, which stepgate cannot read (it may write anything)`);
  }
  if (link !== '') return m === 'GET' ? kube('GET', apiPath(res, ns, name)) : invalid(`${method} of Steve link "${clip(link)}" on ${res.resource}, which stepgate cannot read`);
  switch (m) {
    case 'GET':
      return kube('GET', apiPath(res, ns, name));
    case 'POST': {
      if (name !== '') return invalid(`POST to a named ${res.resource} object`);
      // A create names its namespace in the path or, as the UI sends it, in the body's metadata.
      if (!res.namespaced || ns !== '') return kube('POST', apiPath(res, ns, ''));
      const meta = body()?.metadata;
      const bodyNs = meta !== null && typeof meta === 'object' && !Array.isArray(meta) ? (meta as Record<string, unknown>).namespace : undefined;
      if (typeof bodyNs !== 'string' || bodyNs === '' || bodyNs.includes('/')) return invalid(`a create of ${res.resource} whose namespace cannot be read`);
      return kube('POST', apiPath(res, bodyNs, ''));
    }
    case 'PUT':
    case 'PATCH':
    case 'DELETE':
      if (name === '') return invalid(`${method} of ${res.resource} with no object named`);
      return kube(m, apiPath(res, ns, name));
    default:
      return invalid(`${method} ${path}, which is no Steve route`);
  }
}

/**
 * Norman (`/v3`): reads are the UI's; the writes that grant or mint are the `management.cattle.io`
 * writes Rancher makes for them. An ID is `<namespace>:<name>` for a namespaced type.
 */
const NORMAN_TYPES: ReadonlyMap<string, Res> = new Map(
  ['tokens', 'globalroles', 'globalrolebindings', 'roletemplates', 'clusterroletemplatebindings', 'projectroletemplatebindings', 'users', 'authconfigs', 'clusterregistrationtokens', 'clusters'].map((t) => [t, TYPES.get(`management.cattle.io.${t}`)!]),
);

/**
 * Norman's types that are Secrets underneath (the Rancher UI's "Secrets", "Registries" and
 * "Certificates", project-wide or in one namespace): a read returns their data, as the terraform
 * provider's rancher2_secret reads it.
 */
const NORMAN_SECRET_TYPES = new Set(
  ['secrets', 'certificates', 'dockercredentials', 'basicauths', 'sshauths', 'serviceaccounttokens'].flatMap((t) => [t, `namespaced${t}`]),
);

/**
 * A Norman read of Secret-backed objects, wherever in the path its type stands (`/v3/<type>`,
 * `/v3/project/<cluster>:<project>/<type>[/<ns>:<name>]`): one named object is that Secret's read;
 * anything else (a project's or every project's list) is read as a list of every Secret, since
 * which namespaces a project holds is Rancher's state.
 */
function normanSecretRead(s: string[]): WebApiReading | undefined {
  const at = s.findIndex((seg) => NORMAN_SECRET_TYPES.has(seg.toLowerCase()));
  if (at < 0) return undefined;
  const id = s.length === at + 2 ? s[at + 1]! : '';
  const colon = id.indexOf(':');
  const secrets: Res = { group: '', resource: 'secrets', namespaced: true };
  return colon > 0 && colon < id.length - 1 ? kube('GET', apiPath(secrets, id.slice(0, colon), id.slice(colon + 1))) : kube('GET', apiPath(secrets, '', ''));
}

/** Norman actions that only read or act on the caller's own session: search, log out, own password. */
const NORMAN_OWN_ACTIONS = new Set(['principals/search', 'tokens/logout', 'users/changepassword']);

function norman(m: string, method: string, s: string[], query: URLSearchParams, body: BodyReader, path: string): WebApiReading {
  const type = (s[0] ?? '').toLowerCase();
  const action = (query.get('action') ?? '').toLowerCase();
  if (m === 'GET' && action === '') return WEB;
  if (action !== '' && NORMAN_OWN_ACTIONS.has(`${type}/${action}`) && s.length === 1) return WEB;
  if (action === 'logout' && type === 'tokens') return WEB;
  // A kubeconfig generated for a cluster carries a new token of the caller's.
  if (type === 'clusters' && action === 'generatekubeconfig' && s.length === 2) return kube('POST', apiPath(NORMAN_TYPES.get('tokens')!, '', ''));
  const res = NORMAN_TYPES.get(type);
  if (res === undefined || s.length > 2 || (action !== '' && !(type === 'users' && action === 'setpassword'))) {
    return invalid(`${method} ${path}${action === '' ? '' : ` (action ${clip(action)})`}, a Rancher Norman write stepgate cannot read`);
  }
  if (s.length === 1) {
    if (m !== 'POST') return invalid(`${method} of the Norman ${type} collection`);
    // A cluster role template binding or registration token lives in its cluster's namespace
    // (`clusterId`), a project role template binding in the project's (`projectId` after the colon).
    let ns = '';
    if (res.namespaced) {
      const b = body() ?? {};
      const ref = type === 'projectroletemplatebindings' ? b.projectId : b.clusterId;
      ns = typeof ref === 'string' ? ref.slice(ref.lastIndexOf(':') + 1) : '';
      if (ns === '' || ns.includes('/')) return invalid(`a Norman create of ${type} whose namespace cannot be read`);
    }
    return kube('POST', apiPath(res, ns, ''));
  }
  const id = s[1]!;
  const colon = id.indexOf(':');
  const [ns, name] = res.namespaced && colon > 0 ? [id.slice(0, colon), id.slice(colon + 1)] : ['', id];
  if (res.namespaced && colon <= 0) return invalid(`a Norman ${type} ID with no namespace`);
  // setpassword writes another user's password: a write of that User.
  const verb = action === 'setpassword' ? 'PUT' : m;
  if (verb !== 'PUT' && verb !== 'DELETE' && verb !== 'POST') return invalid(`${method} ${path}`);
  return kube(verb === 'POST' ? 'PUT' : verb, apiPath(res, ns, name));
}

function unknownType(type: string): Res {
  const dot = type.lastIndexOf('.');
  return dot < 0 ? { group: '', resource: type, namespaced: true } : { group: type.slice(0, dot), resource: type.slice(dot + 1), namespaced: true };
}

function kube(method: string, path: string): WebApiReading {
  return { kind: 'kube', method, path };
}

const apiPath = (res: Res, ns: string, name: string): string => apiServerPath(res, ns, name, VERSIONS);

/** Client text in a detail: bounded, printable. */
function clip(s: string, max = 60): string {
  const t = s.replace(/[^\x20-\x7e]/g, '?');
  return t.length > max ? `${t.slice(0, max)}…` : t;
}

function invalid(what: string): WebApiReading {
  return { kind: 'invalid', detail: `${clip(what, 200)} on a rancher API host (kubernetes.web_apis)` };
}
