import type { WebApi } from '../core/glob.js';
import type { GitopsWrite } from './attributes.js';

/**
 * Web UIs whose own API stands for Kubernetes requests (`kubernetes.web_apis`): the Kubernetes
 * Dashboard's backend and the Argo Server answer their own paths by calling kube-apiserver with the
 * caller's token from inside the cluster, so what reaches the gateway is a web path
 * (`GET /api/v1/secret/lab-nlp-prod/hf-api-token`), never the API server request it causes. Each
 * path is read here as the API server request it stands for, so that the Kubernetes rules, the
 * working set and the guardrails judge it as they would the same request through kubectl.
 *
 * The readings are the backends' routes (kubernetes/dashboard modules/api/pkg/handler/apihandler.go;
 * argo-workflows pkg/apiclient/*.proto, served by grpc-gateway). A path under `/api/` that is no
 * route of theirs is the UI's own (login, settings, CSRF tokens) when it only reads; one that may
 * write is refused, since a write the table does not know could be any Kubernetes write.
 */


/** The request body as JSON, when it is one (undefined when absent, cut, or not JSON). */
export type BodyReader = () => Record<string, unknown> | undefined;

export type WebApiReading =
  /** The UI's own pages, assets and settings: judged as the web request it is. */
  | { kind: 'web'; gitops?: GitopsWrite }
  /**
   * The API server request the path stands for (method and path as kubectl would send them), and
   * for a write whose object sits inside the body, that object (what the guardrails read); for a
   * UI serving many clusters, the one its path names (`cluster`, matched against kubernetes.clusters).
   */
  | {
      kind: 'kube';
      method: string;
      path: string;
      object?: Record<string, unknown>;
      cluster?: string;
      /**
       * What the write changes that neither the request nor any object in it shows (an Argo Server
       * retry's parameters fill the stored Workflow's templates): the guardrails judge it as an
       * unreadable body, with this as the detail.
       */
      unseen?: string;
      /**
       * A patch the UI's backend sends for the caller (Argo CD's PatchResource, whose patch and
       * type ride in a JSON string body and a query parameter): judged as kube's PATCH body with
       * that Content-Type.
       */
      patch?: { text: string; type: string };
    }
  /**
   * The Dashboard's deploy from file: `content` (YAML or JSON, any number of objects), each created
   * with the caller's token in `namespace` (for `_all`, each object's own); the pipeline judges
   * each create (pipeline/file.ts).
   */
  | { kind: 'file'; namespace: string; content: string }
  | { kind: 'invalid'; detail: string };

const WEB: WebApiReading = { kind: 'web' };

/** Reads `path` (decoded, as Go's URL.Path) on a host serving `api`. */
export function readWebApi(api: WebApi, method: string, path: string, body: BodyReader): WebApiReading {
  if (!path.startsWith('/api/') || path === '/api/') return WEB;
  const segs = path.slice(5).split('/');
  // A trailing slash is the same route to go-restful and grpc-gateway (`/api/v1/pod/`); an empty
  // or dot segment inside is not a path either cleans the same way Envoy might, so it is refused.
  if (segs.length > 1 && segs[segs.length - 1] === '') segs.pop();
  if (segs.some((s) => s === '' || s === '.' || s === '..')) return invalid(api, 'an empty or dot segment');
  const m = method === 'HEAD' ? 'GET' : method;
  if (m === 'OPTIONS') return WEB;
  // Both backends serve only v1; a write under another version would be a route nobody has read.
  if (segs[0] !== 'v1') return m === 'GET' ? WEB : invalid(api, `${method} /api/${segs.join('/')}, which is no route stepgate knows and may write`);
  const rest = segs.slice(1);
  const reading = api === 'kubernetes-dashboard' ? dashboard(m, rest, body) : argo(m, rest, body);
  if (reading !== undefined) return reading;
  return m === 'GET' ? WEB : invalid(api, `${method} /api/v1/${rest.join('/')}, which is no route stepgate knows and may write`);
}

function invalid(api: WebApi, what: string): WebApiReading {
  return { kind: 'invalid', detail: `${what} on a ${api} API host (kubernetes.web_apis)` };
}

// ---------------------------------------------------------------- Kubernetes Dashboard (v2, v7)

/** A resource as the API server names it: group ('' for core), plural, namespaced or not. */
export interface Res {
  group: string;
  resource: string;
  namespaced: boolean;
}

const r = (group: string, resource: string, namespaced = true): Res => ({ group, resource, namespaced });

/** The Dashboard's route names (and `_raw`/`scale` kinds) and the resources they read. */
const DASHBOARD_KINDS: ReadonlyMap<string, Res> = new Map([
  ['pod', r('', 'pods')],
  ['deployment', r('apps', 'deployments')],
  ['replicaset', r('apps', 'replicasets')],
  ['replicationcontroller', r('', 'replicationcontrollers')],
  ['daemonset', r('apps', 'daemonsets')],
  ['statefulset', r('apps', 'statefulsets')],
  ['job', r('batch', 'jobs')],
  ['cronjob', r('batch', 'cronjobs')],
  ['horizontalpodautoscaler', r('autoscaling', 'horizontalpodautoscalers')],
  ['namespace', r('', 'namespaces', false)],
  ['event', r('', 'events')],
  ['secret', r('', 'secrets')],
  ['configmap', r('', 'configmaps')],
  ['service', r('', 'services')],
  ['serviceaccount', r('', 'serviceaccounts')],
  ['ingress', r('networking.k8s.io', 'ingresses')],
  ['networkpolicy', r('networking.k8s.io', 'networkpolicies')],
  ['node', r('', 'nodes', false)],
  ['clusterrole', r('rbac.authorization.k8s.io', 'clusterroles', false)],
  ['clusterrolebinding', r('rbac.authorization.k8s.io', 'clusterrolebindings', false)],
  ['role', r('rbac.authorization.k8s.io', 'roles')],
  ['rolebinding', r('rbac.authorization.k8s.io', 'rolebindings')],
  ['persistentvolume', r('', 'persistentvolumes', false)],
  ['persistentvolumeclaim', r('', 'persistentvolumeclaims')],
  ['storageclass', r('storage.k8s.io', 'storageclasses', false)],
  ['ingressclass', r('networking.k8s.io', 'ingressclasses', false)],
  ['customresourcedefinition', r('apiextensions.k8s.io', 'customresourcedefinitions', false)],
  ['crd', r('apiextensions.k8s.io', 'customresourcedefinitions', false)],
]);

/**
 * What a detail page's sub-list reads (`/pod/<ns>/<name>/event` lists the namespace's Events): the
 * resource listed, in the object's namespace.
 */
const DASHBOARD_SUBLISTS: ReadonlyMap<string, Res> = new Map([
  ['event', r('', 'events')],
  ['pod', r('', 'pods')],
  ['service', r('', 'services')],
  ['ingress', r('networking.k8s.io', 'ingresses')],
  ['horizontalpodautoscaler', r('autoscaling', 'horizontalpodautoscalers')],
  ['persistentvolumeclaim', r('', 'persistentvolumeclaims')],
  ['oldreplicaset', r('apps', 'replicasets')],
  ['newreplicaset', r('apps', 'replicasets')],
  ['job', r('batch', 'jobs')],
  // A service account's page lists its token and image pull Secrets: a read of the namespace's Secrets.
  ['secret', r('', 'secrets')],
  ['imagepullsecret', r('', 'secrets')],
  ['persistentvolume', r('', 'persistentvolumes', false)],
]);

/** The Dashboard's own routes that reach no Kubernetes object with the caller's rights, or only read their own. */
const DASHBOARD_OWN = new Set(['csrftoken', 'login', 'me', 'token', 'settings', 'systembanner', 'rbac', 'integration', 'plugin']);

/** Deployment actions (PUT): each reads the Deployment and writes it back. */
const DEPLOYMENT_ACTIONS = new Set(['pause', 'resume', 'restart', 'rollback']);

function dashboard(m: string, s: string[], body: BodyReader): WebApiReading | undefined {
  const head = s[0];
  if (head === undefined) return undefined;
  if (DASHBOARD_OWN.has(head)) return m === 'GET' || head === 'login' || head === 'token' || head === 'settings' || head === 'csrftoken' ? WEB : undefined;
  switch (head) {
    case 'appdeployment':
      if (s.length === 2 && s[1] === 'protocols' && m === 'GET') return WEB;
      // Name, image reference and protocol checks read at most whether a name is taken.
      if (s.length === 3 && s[1] === 'validate' && m === 'POST') return WEB;
      if (s.length === 1 && m === 'POST') return appDeployment(body);
      return undefined;
    case 'appdeploymentfromfile':
      // Its `content` is YAML of any number of objects, each created with the caller's token: read
      // here, judged as those creates by the pipeline.
      return s.length === 1 && m === 'POST' ? fromFile(body) : undefined;
    case '_raw':
      return raw(m, s.slice(1));
    case 'scale':
      return scale(m, s.slice(1));
    case 'log':
      return log(m, s.slice(1));
    case 'crd':
      return crd(m, s.slice(1));
    default:
      break;
  }
  const res = DASHBOARD_KINDS.get(head);
  if (res === undefined) return undefined;
  const a = s.slice(1);
  if (m === 'POST' && a.length === 0) {
    if (head === 'namespace') return kube('POST', apiPath(res, '', ''));
    if (head === 'secret') return inBodyNamespace(body, (ns) => kube('POST', apiPath(res, ns, '')));
    return undefined;
  }
  if (!res.namespaced) {
    if (head === 'persistentvolume' && a.length === 4 && a[0] === 'namespace' && a[2] === 'name') return m === 'GET' ? kube('GET', apiPath(res, '', a[3]!)) : undefined;
    if (m !== 'GET') return undefined;
    if (a.length <= 1) return kube('GET', apiPath(res, '', a[0] ?? ''));
    if (a.length === 2) {
      const sub = DASHBOARD_SUBLISTS.get(a[1]!);
      // A node's or storage class's sub-list spans namespaces; a namespace's is that namespace's.
      return sub === undefined ? undefined : kube('GET', apiPath(sub, head === 'namespace' ? a[0]! : '', ''));
    }
    return undefined;
  }
  if (a.length <= 1) return m === 'GET' ? kube('GET', apiPath(res, listNamespace(a[0]), '')) : undefined;
  const [ns, name] = [a[0]!, a[1]!];
  if (a.length === 2) return m === 'GET' ? kube('GET', apiPath(res, ns, name)) : undefined;
  if (a.length === 3) {
    const action = a[2]!;
    if (m === 'PUT' && head === 'deployment' && DEPLOYMENT_ACTIONS.has(action)) return kube('PUT', apiPath(res, ns, name));
    // A CronJob's trigger creates a Job from its template in the namespace.
    if (m === 'PUT' && head === 'cronjob' && action === 'trigger') return kube('POST', apiPath(r('batch', 'jobs'), ns, ''));
    if (m !== 'GET') return undefined;
    if (action === 'container') return kube('GET', apiPath(res, ns, name));
    const sub = DASHBOARD_SUBLISTS.get(action);
    return sub === undefined ? undefined : kube('GET', apiPath(sub, sub.namespaced ? ns : '', ''));
  }
  if (a.length === 4) {
    // The shell: the Dashboard opens an exec session in the container with the caller's token and
    // hands the browser its id for the SockJS stream. kubectl exec is a create on pods/exec.
    if (head === 'pod' && a[2] === 'shell' && m === 'GET') return kube('POST', `${apiPath(res, ns, name)}/exec`);
    if (head === 'replicationcontroller' && a[2] === 'update' && a[3] === 'pod' && m === 'POST') return kube('PUT', `${apiPath(res, ns, name)}/scale`);
  }
  return undefined;
}

/** `/_raw/<kind>/namespace/<ns>/name/<name>` and `/_raw/<kind>/name/<name>`: GET, PUT (the object itself), DELETE. */
function raw(m: string, a: string[]): WebApiReading | undefined {
  let kind: string | undefined;
  let ns = '';
  let name: string | undefined;
  if (a.length === 5 && a[1] === 'namespace' && a[3] === 'name') [kind, ns, name] = [a[0], a[2]!, a[4]];
  else if (a.length === 3 && a[1] === 'name') [kind, name] = [a[0], a[2]];
  if (kind === undefined || name === undefined) return undefined;
  if (m !== 'GET' && m !== 'PUT' && m !== 'DELETE') return undefined;
  const res = dashboardKind(kind);
  if (res === undefined) {
    // A kind stepgate cannot name could be any resource: a write to it is refused; a read is judged
    // as the read of a resource by that name, which no rule about Secrets or RBAC matches.
    if (m !== 'GET') return invalid('kubernetes-dashboard', `${m} of a resource of kind "${kind}", which stepgate cannot name`);
    return kube('GET', apiPath(r('', kind.toLowerCase(), ns !== ''), ns, name));
  }
  return kube(m, apiPath(res, res.namespaced ? ns : '', name));
}

/** `/scale/<kind>/<ns>/<name>` or `/scale/<kind>/<name>`: the scale subresource, read or written. */
function scale(m: string, a: string[]): WebApiReading | undefined {
  if ((a.length !== 2 && a.length !== 3) || (m !== 'GET' && m !== 'PUT')) return undefined;
  const res = dashboardKind(a[0]!);
  if (res === undefined) return m === 'GET' ? undefined : invalid('kubernetes-dashboard', `scaling a resource of kind "${a[0]!}", which stepgate cannot name`);
  const [ns, name] = a.length === 3 ? [a[1]!, a[2]!] : ['', a[1]!];
  return kube(m, `${apiPath(res, ns, name)}/scale`);
}

/** `/log/<ns>/<pod>[/<container>]`, `/log/file/<ns>/<pod>/<container>`, `/log/source/<ns>/<name>/<type>`. */
function log(m: string, a: string[]): WebApiReading | undefined {
  if (m !== 'GET') return undefined;
  if (a[0] === 'source') return a.length === 4 ? kube('GET', apiPath(r('', 'pods'), a[1]!, '')) : undefined;
  const b = a[0] === 'file' ? a.slice(1) : a;
  if (b.length < 2 || b.length > 3 || (a[0] === 'file' && b.length !== 3)) return undefined;
  return kube('GET', `${apiPath(r('', 'pods'), b[0]!, b[1]!)}/log`);
}

/** `/crd`, `/crd/<name>`, `/crd/<ns>/<plural.group>/object`, `/crd/<ns>/<plural.group>/<object>[/event]`. */
function crd(m: string, a: string[]): WebApiReading | undefined {
  if (m !== 'GET') return undefined;
  const defs = DASHBOARD_KINDS.get('crd')!;
  if (a.length <= 1) return kube('GET', apiPath(defs, '', a[0] ?? ''));
  const custom = customResource(a[1]!, true);
  if (custom === undefined || a.length > 4) return undefined;
  const ns = listNamespace(a[0]);
  if (a.length === 3) return a[2] === 'object' ? kube('GET', apiPath(custom, ns, '')) : kube('GET', apiPath(custom, ns, a[2]!));
  return a[3] === 'event' ? kube('GET', apiPath(r('', 'events'), ns, '')) : undefined;
}

function dashboardKind(kind: string): Res | undefined {
  return DASHBOARD_KINDS.get(kind.toLowerCase()) ?? customResource(kind, true);
}

/** A CustomResourceDefinition's name is `<plural>.<group>`. */
function customResource(name: string, namespaced: boolean): Res | undefined {
  const dot = name.indexOf('.');
  if (dot <= 0 || dot === name.length - 1) return undefined;
  return r(name.slice(dot + 1), name.slice(0, dot), namespaced);
}

/** The Dashboard lists `a,b` (and `_all`) across those namespaces: judged as the list across all. */
function listNamespace(ns: string | undefined): string {
  return ns === undefined || ns === '_all' || ns.includes(',') ? '' : ns;
}

/**
 * The deploy form (`AppDeploymentSpec`): a Deployment, and a Service when ports are given, in the
 * body's namespace. The guardrails see the Deployment the form describes (its image, and a
 * privileged container when `runAsPrivileged` is set).
 */
function appDeployment(body: BodyReader): WebApiReading {
  return inBodyNamespace(body, (ns, spec) => {
    // Two spellings of the flag could mean either: read as the privileged one.
    const flag = field(spec, 'runAsPrivileged');
    const privileged = flag === AMBIGUOUS ? true : flag;
    const container: Record<string, unknown> = { name: field(spec, 'name'), image: field(spec, 'containerImage') };
    if (privileged !== undefined) container.securityContext = { privileged };
    const object = { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: field(spec, 'name'), namespace: ns }, spec: { template: { spec: { containers: [container] } } } };
    return { kind: 'kube', method: 'POST', path: apiPath(r('apps', 'deployments'), ns, ''), object };
  });
}

/**
 * `AppDeploymentFromFileSpec` (modules/api/pkg/resource/deployment/deploy.go): `namespace` and
 * `content`, read as Go's encoding/json reads them. A body that cannot be read (absent, over the
 * body limit, not JSON) is refused: no object in it can be judged.
 */
function fromFile(body: BodyReader): WebApiReading {
  const spec = body();
  if (spec === undefined) return invalid('kubernetes-dashboard', 'a deploy from file whose JSON body cannot be read (absent, over limits.max_body_bytes, or not JSON)');
  const ns = field(spec, 'namespace');
  const content = field(spec, 'content');
  if (typeof ns !== 'string' || ns === '' || ns.includes('/')) return invalid('kubernetes-dashboard', 'a deploy from file whose namespace (in its JSON body) cannot be read');
  if (typeof content !== 'string') return invalid('kubernetes-dashboard', 'a deploy from file whose content (in its JSON body) cannot be read');
  return { kind: 'file', namespace: ns, content };
}

function inBodyNamespace(body: BodyReader, then: (ns: string, spec: Record<string, unknown>) => WebApiReading): WebApiReading {
  const spec = body();
  const ns = spec === undefined ? undefined : field(spec, 'namespace');
  if (typeof ns !== 'string' || ns === '' || ns.includes('/')) return invalid('kubernetes-dashboard', 'a create whose namespace (in its JSON body) cannot be read');
  return then(ns, spec!);
}

// ------------------------------------------------------------------------------- Argo Server

const ARGO = 'argoproj.io';

/** The Argo Server's services whose objects are argoproj.io resources, and the body key that wraps one. */
const ARGO_SERVICES: ReadonlyMap<string, { res: Res; key: string }> = new Map([
  ['workflows', { res: r(ARGO, 'workflows'), key: 'workflow' }],
  ['workflow-templates', { res: r(ARGO, 'workflowtemplates'), key: 'template' }],
  ['cluster-workflow-templates', { res: r(ARGO, 'clusterworkflowtemplates', false), key: 'template' }],
  ['cron-workflows', { res: r(ARGO, 'cronworkflows'), key: 'cronWorkflow' }],
  ['workflow-event-bindings', { res: r(ARGO, 'workfloweventbindings'), key: 'template' }],
  ['event-sources', { res: r(ARGO, 'eventsources'), key: 'eventSource' }],
  ['sensors', { res: r(ARGO, 'sensors'), key: 'sensor' }],
]);

/** PUT actions on a Workflow that write the Workflow (retry, stop…); resubmit creates a new one. */
const WORKFLOW_ACTIONS = new Set(['retry', 'resume', 'suspend', 'terminate', 'stop', 'set']);
const CRON_ACTIONS = new Set(['resume', 'suspend']);

/** The Argo Server's own routes: its settings, version and the signed-in user. */
const ARGO_OWN = new Set(['info', 'version', 'userinfo']);

function argo(m: string, s: string[], body: BodyReader): WebApiReading | undefined {
  const head = s[0];
  if (head === undefined) return undefined;
  if (ARGO_OWN.has(head)) return m === 'GET' ? WEB : undefined;
  if (head === 'workflow-events') return m === 'GET' && s.length <= 2 ? kube('GET', `${apiPath(r(ARGO, 'workflows'), s[1] ?? '', '')}?watch=true`) : undefined;
  if (head === 'events') {
    // GET watches the namespace's Events; a POST is a webhook event that submits the Workflows its
    // WorkflowEventBindings name.
    if (m === 'GET' && s.length <= 2) return kube('GET', `${apiPath(r('', 'events'), s[1] ?? '', '')}?watch=true`);
    if (m === 'POST' && s.length === 3) return kube('POST', apiPath(r(ARGO, 'workflows'), s[1]!, ''));
    return undefined;
  }
  // The archive is the Argo Server's database, not the cluster: reading or deleting it is its own.
  if (head === 'archived-workflows') {
    if (m === 'GET' || (m === 'DELETE' && s.length === 2)) return WEB;
    // Resubmitting or retrying an archived Workflow creates one in the namespace the body names.
    if (m === 'PUT' && s.length === 3 && (s[2] === 'resubmit' || s[2] === 'retry')) {
      const ns = field(body() ?? {}, 'namespace');
      if (typeof ns !== 'string' || ns === '' || ns.includes('/')) return invalid('argo-server', 'an archived Workflow resubmitted to a namespace its body does not name');
      return withParameters(kube('POST', apiPath(r(ARGO, 'workflows'), ns, '')), body, `an archived Workflow's ${s[2]}`);
    }
    return undefined;
  }
  const svc = ARGO_SERVICES.get(head);
  if (svc === undefined) return undefined;
  const { res, key } = svc;
  const a = s.slice(1);
  // Cluster-scoped templates have no namespace segment; pad one so both read alike below.
  const [ns, name, action, pod, tail] = res.namespaced ? [a[0] ?? '', a[1], a[2], a[3], a[4]] : ['', a[0], a[1], a[2], a[3]];
  const depth = res.namespaced ? a.length : a.length + 1;
  if (tail !== undefined || depth > 4) return undefined;
  if (name === undefined) {
    if (m === 'GET') return kube('GET', apiPath(res, ns, ''));
    if (m === 'POST') return wrapped(res, ns, key, body);
    return undefined;
  }
  if (action === undefined) {
    if (name === 'lint' && m === 'POST') return WEB;
    // Submitting from a template creates a Workflow whose pods the template (already judged when
    // it was written) describes.
    if (name === 'submit' && m === 'POST' && head === 'workflows') return submitted(kube('POST', apiPath(res, ns, '')), body);
    if (m === 'GET' || m === 'DELETE') return kube(m, apiPath(res, ns, name));
    if (m === 'PUT') return wrapped(res, ns, key, body, name);
    return undefined;
  }
  if (head === 'workflows') {
    // A Workflow's logs are its pods' (named after it): read as the log of a pod by its name.
    if (pod === undefined && action === 'log' && m === 'GET') return kube('GET', `${apiPath(r('', 'pods'), ns, name)}/log`);
    if (pod === 'log' && m === 'GET') return kube('GET', `${apiPath(r('', 'pods'), ns, action)}/log`);
    if (pod !== undefined || m !== 'PUT') return undefined;
    if (action === 'resubmit') return withParameters(kube('POST', apiPath(res, ns, '')), body, 'a resubmit');
    if (WORKFLOW_ACTIONS.has(action)) return withParameters(kube('PUT', apiPath(res, ns, name)), body, `a ${action}`);
    return undefined;
  }
  if (head === 'cron-workflows' && pod === undefined && m === 'PUT' && CRON_ACTIONS.has(action)) return kube('PUT', apiPath(res, ns, name));
  return undefined;
}

/**
 * `argo retry --parameter`, `argo resubmit --parameter` (RetryWorkflowRequest's and
 * ResubmitWorkflowRequest's `parameters`, `name=value` each): the Argo Server overrides the stored
 * Workflow's arguments with them and runs its templates again. The Workflow was judged with the
 * arguments it was written with; what the new values fill in (a resource manifest's role, a flag)
 * is in templates stepgate does not see, so the write is unseen. No parameters: the same run again.
 * A body that cannot be read is left to the guardrails as it came (their unreadable-body effect).
 */
function withParameters(reading: WebApiReading & { kind: 'kube' }, body: BodyReader, what: string): WebApiReading {
  const b = body();
  if (b === undefined) return reading;
  const unseen = parametersUnseen(field(b, 'parameters'), `${what} through the Argo Server sets parameters`);
  return unseen === undefined ? reading : { ...reading, unseen };
}

/**
 * `argo submit --from` (SubmitWorkflowRequest): a Workflow from a stored template or CronWorkflow,
 * `submitOptions.parameters` filling its arguments. A WorkflowTemplate's or
 * ClusterWorkflowTemplate's parameters were judged as unknown when it was written (a role or a flag
 * filled in from one asked what an unreadable body asks then), so values for them ask nothing more,
 * unless one holds a line break, which adds lines of its own to a resource manifest. A
 * CronWorkflow's arguments were judged as it fixed them, so new values are unseen, as in a retry.
 */
function submitted(reading: WebApiReading & { kind: 'kube' }, body: BodyReader): WebApiReading {
  const b = body();
  if (b === undefined) return reading;
  const options = field(b, 'submitOptions');
  if (options === undefined || options === null) return reading;
  if (options === AMBIGUOUS || typeof options !== 'object' || Array.isArray(options)) return { ...reading, unseen: 'a submit through the Argo Server whose submitOptions cannot be read' };
  const params = field(options as Record<string, unknown>, 'parameters');
  const kind = field(b, 'resourceKind');
  if (typeof kind === 'string' && TEMPLATE_KINDS.has(kind)) {
    if (params === undefined || params === null) return reading;
    if (!Array.isArray(params) || params.some((p) => typeof p !== 'string' || /[\r\n]/.test(p))) return { ...reading, unseen: 'a submit from a template through the Argo Server sets a parameter holding a line break (or one that cannot be read), which can add lines to a resource manifest' };
    return reading;
  }
  const unseen = parametersUnseen(params, `a submit from ${typeof kind === 'string' && /^[A-Za-z]{1,40}$/.test(kind) ? kind : 'a stored object'} through the Argo Server sets parameters`);
  return unseen === undefined ? reading : { ...reading, unseen };
}

/** The spellings the Argo Server accepts for a template kind in a submit (server/workflow SubmitWorkflow). */
const TEMPLATE_KINDS: ReadonlySet<string> = new Set(['WorkflowTemplate', 'workflowtemplate', 'workflowtemplates', 'wftmpl', 'ClusterWorkflowTemplate', 'clusterworkflowtemplate', 'clusterworkflowtemplates', 'cwftmpl']);

/** Why parameters given to a stored Workflow are unseen (their names, when readable), or undefined when none are given. */
function parametersUnseen(params: unknown, what: string): string | undefined {
  if (params === undefined || params === null || (Array.isArray(params) && params.length === 0)) return undefined;
  if (params === AMBIGUOUS || !Array.isArray(params)) return `${what} that cannot be read`;
  const names = params.map((p) => (typeof p === 'string' && /^[A-Za-z0-9_-]{1,64}=/.test(p) ? p.slice(0, p.indexOf('=')) : '(unreadable)'));
  return `${what} (${[...new Set(names)].slice(0, 8).join(', ')}) that fill the stored Workflow's templates, which this request does not show`;
}

/** A create or update whose object is the body's `key` (`{"workflow": {…}}`): what the guardrails read. */
function wrapped(res: Res, ns: string, key: string, body: BodyReader, name?: string): WebApiReading {
  const method = name === undefined ? 'POST' : 'PUT';
  const path = apiPath(res, ns, name ?? '');
  const b = body();
  // An absent, cut or unreadable body is left to the guardrails as it came (their unreadable-body
  // effect); one that reads but holds no object could only be refused by the Argo Server.
  if (b === undefined) return { kind: 'kube', method, path };
  const object = field(b, key);
  if (object === AMBIGUOUS) return invalid('argo-server', `a body naming "${key}" in two spellings`);
  if (object === null || typeof object !== 'object' || Array.isArray(object)) return invalid('argo-server', `a ${method} whose body holds no "${key}" object`);
  const o = object as Record<string, unknown>;
  // The route decides the kind, whatever the body says (the Argo Server decodes it into its own
  // type): a body claiming `kind: ConfigMap` must not steer the guardrails away from its pod specs.
  const full = { ...o, apiVersion: 'argoproj.io/v1alpha1', kind: ARGO_KINDS[res.resource] };
  return { kind: 'kube', method, path, object: full };
}

const ARGO_KINDS: Readonly<Record<string, string>> = {
  workflows: 'Workflow',
  workflowtemplates: 'WorkflowTemplate',
  clusterworkflowtemplates: 'ClusterWorkflowTemplate',
  cronworkflows: 'CronWorkflow',
  workfloweventbindings: 'WorkflowEventBinding',
  eventsources: 'EventSource',
  sensors: 'Sensor',
};

// ------------------------------------------------------------------------------------ shared

function kube(method: string, path: string): WebApiReading & { kind: 'kube' } {
  return { kind: 'kube', method, path };
}

/**
 * The API server path of `res` (a collection when `name` is ''), at the version `versions` names
 * for its group (v1 otherwise).
 */
export function apiServerPath(res: Res, ns: string, name: string, versions: Readonly<Record<string, string>>): string {
  const base = res.group === '' ? '/api/v1' : `/apis/${res.group}/${versions[res.group] ?? 'v1'}`;
  const scope = res.namespaced && ns !== '' ? `/namespaces/${ns}` : '';
  return `${base}${scope}/${res.resource}${name === '' ? '' : `/${name}`}`;
}

const apiPath = (res: Res, ns: string, name: string): string => apiServerPath(res, ns, name, API_VERSIONS);

const API_VERSIONS: Readonly<Record<string, string>> = { 'argoproj.io': 'v1alpha1', autoscaling: 'v2' };

export const AMBIGUOUS = Symbol('ambiguous');

/**
 * A JSON field as Go's encoding/json finds it: the key matched without regard to case (and with
 * Unicode's simple folding, so the Kelvin sign is a `k`). Two spellings of one key are ambiguous
 * (which wins depends on their order in the text, which JSON.parse does not keep), so neither is read.
 */
export function field(o: Record<string, unknown>, key: string): unknown {
  if (Object.hasOwn(o, key) && Object.keys(o).length === 1) return o[key];
  const want = fold(key);
  let found: string | undefined;
  for (const k of Object.keys(o)) {
    if (fold(k) !== want) continue;
    if (found !== undefined) return AMBIGUOUS;
    found = k;
  }
  return found === undefined ? undefined : o[found];
}

export function fold(s: string): string {
  return s.replace(/\u212a/gi, 'k').replace(/\u017f/g, 's').toLowerCase();
}
