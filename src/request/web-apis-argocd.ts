import { resourceOfAnyKind } from './kinds.js';
import { decodeObjectRequest, decodePodLogsQuery, decodeSyncRequest, grpcFraming, grpcMessage, OBJECT_REQUESTS, RECREATING_OPTIONS, type SyncRequest } from './web-apis-argocd-grpc.js';
import { tooManyQueryParams, unescape } from './unescape.js';
import { AMBIGUOUS, field as goField, fold, type WebApiReading } from './web-apis.js';

/**
 * Argo CD (`kubernetes.web_apis` api `argo-cd`): its API server acts on the application's
 * destination cluster with its own credentials (cluster-admin in a default install), so the routes
 * that name one live object are read as the API server request Argo CD makes for them, and the
 * Kubernetes rules, the working set and the guardrails judge them as they would through kubectl.
 * The facts are argo-cd's server/application/application.proto (served by grpc-gateway under
 * `/api/v1/`) and server/application/application.go, and server/application/terminal.go:
 *
 * - `/terminal?pod=&namespace=&container=&shell=` (a WebSocket): an exec into that container.
 * - `GET|POST|DELETE /api/v1/applications/<app>/resource?namespace=&resourceName=&version=&group=&kind=`:
 *   GetResource, PatchResource (the body is the patch, a JSON string; the query's `patchType` its
 *   type), DeleteResource. GetResource of a core Secret is not a read of its data: Argo CD
 *   replaces the values before answering (replaceSecretValues), so it stays the UI's.
 * - `POST /api/v1/applications/<app>/resource/actions[/v2]`: RunResourceAction, a Lua script that
 *   patches the object (or creates others); the built-in `restart` is known (the annotation
 *   `kubectl rollout restart` writes), any other action's change is unseen.
 * - `GET /api/v1/applications/<app>/pods/<pod>/logs`, `GET /api/v1/applications/<app>/logs`:
 *   PodLogs, the logs of that pod, or of the pods under the named resource, in `namespace`.
 *
 * Everything else (the application itself, its sync, rollback, diff, tree, events, projects,
 * clusters, repositories, tokens) has no Kubernetes request of its own that the path names, so it
 * is left to the host's path rules. The application's own writes (Create, Update, UpdateSpec,
 * Patch) and an ApplicationSet's Create stay web requests too, with the object they write handed
 * beside them to the guardrails for the images it names (objectWrite). The same object-level methods over gRPC or gRPC-web
 * (`/application.ApplicationService/PatchResource`, what the CLI sends) carry their target in a
 * protobuf body: it is read (web-apis-argocd-grpc.ts) and judged as the REST route with the same
 * fields, exactly or not at all (an unreadable body is refused, never judged by its path).
 *
 * The cluster Argo CD acts on is the application's destination, which no path names: the reading
 * names none, so a request is the host's cluster (`kubernetes.clusters` listing the Argo CD host)
 * or, by default, the unnamed one.
 */

/** A body as text (undefined when absent or cut at the gateway's limit). */
export type BodyText = () => string | undefined;
/** A body as its bytes (undefined when absent, cut, or arrived as a string that lost bytes). */
export type BodyBytes = () => Uint8Array | undefined;

const WEB: WebApiReading = { kind: 'web' };

/** Whether `path` is one this reading decides on an Argo CD host (everything else is its UI's and its path rules'). */
export function argoCdClaims(path: string): boolean {
  return argoCdRoute(path) !== undefined;
}

/**
 * The Argo CD route `path` reaches, under whatever root path it is served: `argocd-server
 * --rootpath /argo-cd` (withRootPath, an http.StripPrefix) serves `/argo-cd/terminal` as
 * `/terminal`, and behind an ingress that strips a UI base path the gateway sees the prefix too.
 * The prefix is not configured here, so any prefix counts: where Argo CD has none, a prefixed path
 * is its UI's index page, and reading it as the route only asks more of a request nobody sends.
 */
function argoCdRoute(path: string): { route: string; prefixed: boolean } | undefined {
  if (path === '/terminal' || path.startsWith(APPLICATIONS) || path.startsWith(GRPC_APPLICATIONS) || OBJECT_COLLECTIONS.has(path) || path === GRPC_APPLICATION_SET_CREATE) return { route: path, prefixed: false };
  if (path.endsWith(GRPC_APPLICATION_SET_CREATE)) return { route: GRPC_APPLICATION_SET_CREATE, prefixed: true };
  for (const c of OBJECT_COLLECTIONS) if (path.endsWith(c)) return { route: c, prefixed: true };
  if (path.endsWith('/terminal')) return { route: '/terminal', prefixed: true };
  const at = path.indexOf(APPLICATIONS);
  if (at > 0) return { route: path.slice(at), prefixed: true };
  const grpc = path.indexOf(GRPC_APPLICATIONS);
  return grpc > 0 ? { route: path.slice(grpc), prefixed: true } : undefined;
}

/** A gRPC method path at the end of a path: `/<package>.<Service>/<Method>`. */
const GRPC_METHOD_AT_END = /\/[a-z][a-z0-9]*\.[A-Z][A-Za-z0-9]*\/[A-Za-z0-9]+$/;

/**
 * The route an Argo CD path reaches with whatever root path is before it stripped, for the host's
 * path rules, or undefined when there is none (no prefix, or no route of Argo CD's API): from the
 * first `/api/` (grpc-gateway's REST API, every service's), a gRPC method path at its end
 * (`/argo-cd/account.AccountService/CreateToken`), a `/terminal` at its end. As with the readings
 * (argoCdRoute), the prefix is not configured, so any counts: where Argo CD has none, the prefixed
 * path is its UI's index page, and matching it as the route only asks more of a request nobody sends.
 */
export function argoCdRootless(path: string): string | undefined {
  const api = path.indexOf('/api/');
  if (api > 0) return path.slice(api);
  const grpc = GRPC_METHOD_AT_END.exec(path);
  if (grpc !== null && grpc.index > 0) return grpc[0];
  if (path.length > TERMINAL.length && path.endsWith(TERMINAL)) return TERMINAL;
  return undefined;
}

const TERMINAL = '/terminal';

/** grpc-gateway's routes (every service's REST API), and the application routes among them. */
const GATEWAY = '/api/v1/';
const APPLICATIONS = '/api/v1/applications/';
/** Where an Application or an ApplicationSet is created (ApplicationService/Create, ApplicationSetService/Create). */
const APPLICATION_COLLECTION = '/api/v1/applications';
const APPLICATION_SET_COLLECTION = '/api/v1/applicationsets';
const OBJECT_COLLECTIONS: ReadonlySet<string> = new Set([APPLICATION_COLLECTION, APPLICATION_SET_COLLECTION]);

/**
 * Any path on an Argo CD host, claimed or not: grpc-gateway v1's path-length fallback
 * (runtime.ServeMux, isPathLengthFallback) runs a POST whose Content-Type is
 * application/x-www-form-urlencoded as whichever other method's handler matches its path
 * (`…/pods/<pod>/logs` runs PodLogs, `/api/v1/applications/<app>` Delete or Update, Go's map
 * order choosing), its fields read from the form body before the query. Neither the readings here
 * nor the host's `match.methods` rules would see that method. No client of Argo CD's sends one;
 * argocd-server's default --api-content-types refuses it too, an empty list lets it through.
 * Returns the refusal's detail, or undefined.
 */
export function argoCdFormFallback(method: string, path: string, contentType: string | undefined): string | undefined {
  if (method !== 'POST' || contentType === undefined || !contentType.toLowerCase().includes('x-www-form-urlencoded')) return undefined;
  return path.includes(GATEWAY) ? "a form POST under /api/v1/, which grpc-gateway's path-length fallback runs as another method's handler with the form body's fields, on an argo-cd API host (kubernetes.web_apis)" : undefined;
}

const GRPC_APPLICATIONS = '/application.ApplicationService/';
const GRPC_APPLICATION_SET_CREATE = '/applicationset.ApplicationSetService/Create';

/** ApplicationService methods that write the Application itself (the CLI's `argocd app create`, `set`, `patch`). */
const GRPC_APPLICATION_WRITES = new Set(['Create', 'Update', 'UpdateSpec', 'Patch']);

/** Reads `fullPath` (decoded, as Go's URL.Path; any root path before the route, see argoCdRoute), its raw query and body on an Argo CD host. */
export function readArgoCd(method: string, fullPath: string, query: string, body: BodyText, bytes: BodyBytes = () => undefined, contentType?: string, bodySent = true): WebApiReading {
  const at = argoCdRoute(fullPath);
  if (at === undefined) return WEB;
  const path = at.route;
  // The object these write is in a protobuf body stepgate does not read: their images are unread,
  // which counts only where the site lists registries (the request stays its path rules' otherwise).
  if (path === GRPC_APPLICATION_SET_CREATE) return grpcObjectWrite(APPLICATION_SET_KEY, 'ApplicationSetService/Create');
  if (path.startsWith(GRPC_APPLICATIONS)) {
    const rpc = path.slice(GRPC_APPLICATIONS.length);
    if (GRPC_APPLICATION_WRITES.has(rpc)) return grpcObjectWrite(APPLICATION_KEY, `ApplicationService/${rpc}`);
    // grpc-go finds the method by the exact text after the last slash; anything else is unimplemented.
    if (rpc === 'PodLogs') return grpcPodLogs(method, bytes, contentType);
    if (rpc === 'Sync') return grpcSync(method, bytes, contentType, bodySent);
    return OBJECT_REQUESTS.has(rpc) ? grpcObject(rpc, method, bytes, contentType) : WEB;
  }
  if (tooManyQueryParams(query)) return invalid('a query with more parameters than Go reads');
  const q = goQuery(query);
  if (path === '/terminal') {
    // Under a prefix, a UI page whose last segment is `terminal` (the application named so) is no
    // terminal request: terminal.go answers 400 without a `pod`, so only one naming a pod is read.
    if (at.prefixed && !q.has('pod')) return WEB;
    return terminal(q);
  }
  const m = method === 'HEAD' ? 'GET' : method;
  if (path === APPLICATION_COLLECTION) return m === 'POST' ? objectWrite(APPLICATION_KEY, body, false) : WEB;
  if (path === APPLICATION_SET_COLLECTION) return m === 'POST' ? objectWrite(APPLICATION_SET_KEY, body, false) : WEB;
  const segs = path.slice(APPLICATIONS.length).split('/');
  // grpc-gateway routes `…/resource/` as `…/resource`; an empty segment inside is no route of its.
  if (segs.length > 1 && segs[segs.length - 1] === '') segs.pop();
  if (segs.some((s) => s === '' || s === '.' || s === '..')) return invalid('an empty or dot segment');
  const tail = segs.slice(1).join('/');
  // The application itself: Update (the Application), UpdateSpec (its spec), Patch (a patch of it).
  if (segs.length === 1 && m === 'PUT') return objectWrite(APPLICATION_KEY, body, false);
  if (segs.length === 1 && m === 'PATCH') return applicationPatch(body);
  if (tail === 'spec' && m === 'PUT') return objectWrite(APPLICATION_KEY, body, true);
  if (tail === 'resource') {
    if (m === 'GET') return getResource(fromQuery(q));
    if (m === 'DELETE') return onObject(fromQuery(q), (p) => kube('DELETE', p));
    if (m === 'POST') return restPatch(q, body);
    return WEB;
  }
  if (tail === 'sync' && m === 'POST') return restSync(segs[0]!, body, bodySent);
  if (tail === 'resource/actions' && m === 'POST') return restAction(q, body, false);
  if (tail === 'resource/actions/v2' && m === 'POST') return restAction(q, body, true);
  if (m === 'GET' && (tail === 'logs' || (segs.length === 4 && segs[1] === 'pods' && segs[3] === 'logs'))) {
    // The pod route's name is the path's; the other names a pod, or a resource whose pods are read.
    const name = segs.length === 4 ? one(q, 'podName') ?? segs[2] : one(q, 'podName') ?? one(q, 'resourceName');
    return podLogs(name, one(q, 'namespace'));
  }
  return WEB;
}

// ------------------------------------------------------------------------------------- routes

/** PodLogs of `name` (a pod, or the resource whose pods are read) in `ns`: the REST routes' and gRPC's one judgement. */
function podLogs(name: string | undefined | typeof MANY, ns: string | undefined | typeof MANY): WebApiReading {
  if (name === MANY || ns === MANY) return invalid('a log request naming its pod or namespace twice');
  if (ns === undefined || ns === '' || !DNS_LABEL.test(ns)) return invalid('a log request whose namespace cannot be read (Argo CD would read the logs of every namespace the application reaches)');
  if (name === undefined || name === '' || !OBJECT_NAME.test(name)) return invalid('a log request whose pod or resource cannot be read');
  return kube('GET', `/api/v1/namespaces/${ns}/pods/${name}/log`);
}

/**
 * PodLogs over gRPC or gRPC-web (`argocd app logs`): the query in its protobuf body, read exactly
 * (one uncompressed message, every field once, in its .proto wire type), then judged as the REST
 * route with the same fields. PodLogs.go: a `podName` takes the place of kind and resourceName.
 */
function grpcPodLogs(method: string, bytes: BodyBytes, contentType: string | undefined): WebApiReading {
  const framing = grpcFraming(contentType);
  if (method !== 'POST' || framing === undefined) return invalid('ApplicationService/PodLogs that is no gRPC or gRPC-web POST');
  const raw = bytes();
  const msg = raw === undefined ? undefined : grpcMessage(raw, framing);
  const q = msg === undefined ? undefined : decodePodLogsQuery(msg);
  if (q === undefined) return invalid('ApplicationService/PodLogs over gRPC whose body is absent, cut, compressed, several messages or not one exact ApplicationPodLogsQuery');
  return podLogs(q.podName ?? q.resourceName, q.namespace);
}

function terminal(q: GoQuery): WebApiReading {
  const pod = one(q, 'pod');
  const ns = one(q, 'namespace');
  const container = one(q, 'container');
  const shell = one(q, 'shell');
  if (pod === MANY || ns === MANY || container === MANY || shell === MANY) return invalid('a terminal request naming its pod, namespace, container or shell twice');
  // terminal.go refuses these itself (argo.IsValidPodName…); refused here too, before anything is judged.
  if (pod === undefined || !OBJECT_NAME.test(pod) || ns === undefined || !DNS_LABEL.test(ns) || container === undefined || !DNS_LABEL.test(container)) {
    return invalid("a terminal request whose pod, namespace or container is missing or not a valid name");
  }
  // Argo CD runs the shell asked for when the allow-list holds it (else each allowed one in turn):
  // the command is what the exec asks; rules about pods/exec do not depend on it.
  const command = shell !== undefined && /^[A-Za-z0-9_./-]{1,64}$/.test(shell) ? shell : 'sh';
  return kube('POST', `/api/v1/namespaces/${ns}/pods/${pod}/exec?container=${container}&command=${encodeURIComponent(command)}&stdin=true&stdout=true&stderr=true&tty=true`);
}

/**
 * GetResource, PatchResource, DeleteResource, RunResourceAction[V2] over gRPC or gRPC-web (the
 * `argocd` CLI's `app get-resource`, `patch-resource`, `delete-resource`, `actions run`): the
 * request message read exactly (one uncompressed message, every field once, known, in its .proto
 * wire type, the required ones present), then judged as the REST route with the same fields.
 */
function grpcObject(rpc: string, method: string, bytes: BodyBytes, contentType: string | undefined): WebApiReading {
  const framing = grpcFraming(contentType);
  if (method !== 'POST' || framing === undefined) return invalid(`ApplicationService/${rpc} that is no gRPC or gRPC-web POST`);
  const raw = bytes();
  const msg = raw === undefined ? undefined : grpcMessage(raw, framing);
  const m = msg === undefined ? undefined : decodeObjectRequest(msg, OBJECT_REQUESTS.get(rpc)!);
  if (m === undefined) return invalid(`ApplicationService/${rpc} over gRPC whose body is absent, cut, compressed, several messages or not one exact request message`);
  const get: Field = (k) => m[k];
  switch (rpc) {
    case 'GetResource':
      return getResource(get);
    case 'DeleteResource':
      return onObject(get, (p) => kube('DELETE', p));
    case 'PatchResource':
      // The patch is the field itself here (REST: the body, as a JSON string); both are required.
      return patchResource(get, m.patch!);
    default:
      return runAction(get, m.action!);
  }
}

function getResource(get: Field): WebApiReading {
  const kind = get('kind');
  const group = get('group') ?? '';
  // replaceSecretValues: a core Secret's values (and sensitive annotations) come back masked.
  if (kind === 'Secret' && group === '') return WEB;
  return onObject(get, (p) => kube('GET', p));
}

/**
 * A sync over REST (`POST /api/v1/applications/<app>/sync`, the UI's and the REST client's): its
 * JSON body is the ApplicationSyncRequest, decoded by encoding/json (Argo CD's gateway marshaler):
 * keys matched without regard to case, `manifests` present unless null. An empty body is the plain
 * sync (grpc-gateway takes io.EOF as no fields).
 */
function restSync(app: string, body: BodyText, sent: boolean): WebApiReading {
  const text = body();
  if (text === undefined) return sent ? syncOf({ name: app, revisions: [], manifests: false }, 'cut') : WEB;
  if (text.trim() === '') return WEB;
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    parsed = undefined;
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) return invalid('a sync whose JSON body cannot be read');
  const o = parsed as Record<string, unknown>;
  const revision = goField(o, 'revision');
  const revisions = goField(o, 'revisions');
  const manifests = goField(o, 'manifests');
  const appNamespace = bodyString(o, 'appNamespace');
  if (appNamespace === MANY) return invalid('a sync whose appNamespace cannot be read');
  if (revision === AMBIGUOUS || revisions === AMBIGUOUS || manifests === AMBIGUOUS) return invalid('a sync naming its revision or manifests in two spellings');
  if (revision !== undefined && revision !== null && typeof revision !== 'string') return invalid('a sync whose revision is no string');
  if (revisions !== undefined && revisions !== null && (!Array.isArray(revisions) || !revisions.every((v) => typeof v === 'string'))) return invalid('a sync whose revisions are no list of strings');
  const named = [...(typeof revision === 'string' ? [revision] : []), ...((revisions as string[] | null | undefined) ?? [])];
  const how = restSyncHow(o);
  if (typeof how === 'string') return invalid(how);
  const what = { name: app, revisions: named, manifests: manifests !== undefined && manifests !== null, ...how };
  return syncOf(appNamespace === undefined ? what : { ...what, appNamespace });
}

/**
 * A REST sync's `prune`, `dryRun`, `strategy` and `syncOptions` (SyncRequest.deletes), as
 * encoding/json reads them; a string saying why when they cannot be read one way.
 */
function restSyncHow(o: Record<string, unknown>): { deletes: string[]; dryRun: boolean } | string {
  const prune = goField(o, 'prune');
  const dryRun = goField(o, 'dryRun');
  const strategy = goField(o, 'strategy');
  const options = goField(o, 'syncOptions');
  if ([prune, dryRun, strategy, options].includes(AMBIGUOUS)) return 'a sync naming its prune, dry run, strategy or options in two spellings';
  if ((prune !== undefined && prune !== null && typeof prune !== 'boolean') || (dryRun !== undefined && dryRun !== null && typeof dryRun !== 'boolean')) return 'a sync whose prune or dryRun is no boolean';
  const deletes: string[] = prune === true ? ['prune'] : [];
  if (strategy !== undefined && strategy !== null) {
    if (typeof strategy !== 'object' || Array.isArray(strategy)) return 'a sync whose strategy cannot be read';
    for (const key of ['apply', 'hook']) {
      const s = goField(strategy as Record<string, unknown>, key);
      if (s === undefined || s === null) continue;
      if (s === AMBIGUOUS || typeof s !== 'object' || Array.isArray(s)) return 'a sync whose strategy cannot be read';
      // The hook's SyncStrategyApply is inline in JSON: `{"hook": {"force": true}}`.
      const force = goField(s as Record<string, unknown>, 'force');
      if (force === AMBIGUOUS || (force !== undefined && force !== null && typeof force !== 'boolean')) return 'a sync whose strategy cannot be read';
      if (force === true && !deletes.includes('force')) deletes.push('force');
    }
  }
  if (options !== undefined && options !== null) {
    const items = typeof options === 'object' && !Array.isArray(options) ? goField(options as Record<string, unknown>, 'items') : AMBIGUOUS;
    if (items === AMBIGUOUS || (items !== undefined && items !== null && (!Array.isArray(items) || !items.every((i) => typeof i === 'string')))) return 'a sync whose syncOptions cannot be read';
    for (const i of (items as string[] | null | undefined) ?? []) if (RECREATING_OPTIONS.has(i)) deletes.push(i);
  }
  return { deletes, dryRun: dryRun === true };
}

/** Sync over gRPC or gRPC-web (`argocd app sync`): its ApplicationSyncRequest read exactly, then judged as the REST sync. */
function grpcSync(method: string, bytes: BodyBytes, contentType: string | undefined, sent: boolean): WebApiReading {
  const framing = grpcFraming(contentType);
  if (method !== 'POST' || framing === undefined) return invalid('ApplicationService/Sync that is no gRPC or gRPC-web POST');
  // A gateway that sends no bodies: the sync is judged by its path, as REST's is.
  if (!sent) return WEB;
  const raw = bytes();
  const msg = raw === undefined ? undefined : grpcMessage(raw, framing);
  const m = msg === undefined ? undefined : decodeSyncRequest(msg);
  if (m === undefined) return invalid('ApplicationService/Sync over gRPC whose body is cut, compressed, several messages or not one exact request message');
  // The application's name is field 1 here (REST: the path's).
  return syncOf(m);
}

/** The revisions a sync may name and still be the application's own: none, or the repository's default branch. */
const OWN_REVISIONS = new Set(['', 'HEAD']);

/** The namespace of an install's Applications where the request names none (argocd-server's --namespace default). */
const ARGOCD_NAMESPACE = 'argocd';

/**
 * A sync, REST's or gRPC's (`what`: its application, revisions and manifests; `cut`: its body was
 * cut, so they are unknown). One
 * that names no revision but the default branch and carries no manifests deploys what the
 * application already says (routine, judged by its path). One that names another revision deploys
 * that ref (an unreviewed branch, a commit) with Argo CD's rights, as if the application were
 * redefined for the sync: judged as the Application's patch that sets that operation (what Argo CD
 * writes), which asks what redefining it asks (argocd-objects). The request cannot say whether the
 * ref is the application's own targetRevision, so any named ref but HEAD is asked. One that carries
 * manifests deploys them instead of git (`argocd app sync --local`): the same patch, its objects
 * not read here, so judged as an unreadable body. One that deletes (session 46: `prune`, a forced
 * strategy, the `Replace=true` or `Force=true` sync option, each of which Argo CD's UI confirms
 * before sending) removes live objects the request does not name, or deletes and recreates them:
 * the same patch, with what it sets. A dry run applies and deletes nothing: what it would delete
 * does not count. A subset of resources, the apply strategy (no hooks), retries and other options
 * apply git's own objects: routine. The Application's namespace is `appNamespace`,
 * else an install's default (`argocd`: stepgate is not told Argo CD's own; argocd-objects asks the
 * same in any namespace).
 */
function syncOf(what: SyncRequest, cut?: 'cut'): WebApiReading {
  const deletes = what.dryRun === true ? [] : (what.deletes ?? []);
  if (cut === undefined && !what.manifests && what.revisions.every((r) => OWN_REVISIONS.has(r)) && deletes.length === 0) return WEB;
  const ns = what.appNamespace === undefined || what.appNamespace === '' ? ARGOCD_NAMESPACE : what.appNamespace;
  if (!OBJECT_NAME.test(what.name) || !DNS_LABEL.test(ns)) return invalid('a sync whose application name or namespace cannot be read');
  const path = `/apis/argoproj.io/v1alpha1/namespaces/${ns}/applications/${what.name}`;
  if (cut !== undefined) return { kind: 'kube', method: 'PATCH', path, unseen: 'an Argo CD sync whose body (its revision and manifests) was not received whole' };
  const sync = { revisions: what.revisions, ...(deletes.includes('prune') ? { prune: true } : {}), ...(deletes.includes('force') ? { syncStrategy: { apply: { force: true } } } : {}), ...(deletes.some((d) => RECREATING_OPTIONS.has(d)) ? { syncOptions: deletes.filter((d) => RECREATING_OPTIONS.has(d)) } : {}) };
  const patch = { text: JSON.stringify({ operation: { sync } }), type: 'application/merge-patch+json' };
  if (what.manifests) return { kind: 'kube', method: 'PATCH', path, patch, unseen: 'an Argo CD sync that deploys the local manifests it carries (argocd app sync --local), whose objects stepgate does not read' };
  return { kind: 'kube', method: 'PATCH', path, patch };
}

/** The patch types kube-apiserver accepts (Argo CD passes `patchType` through as types.PatchType). */
const PATCH_TYPES = new Set(['application/json-patch+json', 'application/merge-patch+json', 'application/strategic-merge-patch+json', 'application/apply-patch+yaml']);

/** PatchResource over REST: the object and patchType from the query, the patch the body (a JSON string). */
function restPatch(q: GoQuery, body: BodyText): WebApiReading {
  const text = body();
  // Absent or cut: left to the guardrails as it came (their unreadable- or missing-body effect).
  if (text === undefined) return patchResource(fromQuery(q), undefined);
  // grpc-gateway decodes the body into the string field `patch`: the body is a JSON string.
  let patch: unknown;
  try {
    patch = JSON.parse(text);
  } catch {
    patch = undefined;
  }
  return patchResource(fromQuery(q), typeof patch === 'string' ? patch : NOT_A_PATCH);
}

const NOT_A_PATCH = Symbol('not a patch');

/** PatchResource, REST's or gRPC's: the object's PATCH with `patch` in its `patchType` (undefined: the body was not received). */
function patchResource(get: Field, patch: string | undefined | typeof NOT_A_PATCH): WebApiReading {
  const type = get('patchType');
  if (type === MANY || type === undefined || !PATCH_TYPES.has(type)) return invalid('a resource patch whose patchType is missing or no patch type kube-apiserver reads');
  return onObject(get, (p) => {
    if (patch === undefined) return kube('PATCH', p);
    if (patch === NOT_A_PATCH) return invalid('a resource patch whose body is not the JSON string of a patch');
    return { kind: 'kube', method: 'PATCH', path: p, patch: { text: patch, type } };
  });
}

/** The workloads whose built-in `restart` action (resource_customizations/apps/*) writes what `kubectl rollout restart` writes. */
const RESTARTABLE = new Set(['Deployment', 'StatefulSet', 'DaemonSet']);

/**
 * RunResourceAction: v1 takes the object from the query and the action's name as the body (a JSON
 * string); v2 takes all from a JSON body (ResourceActionRunRequestV2), decoded as Go's
 * encoding/json does (util/grpc JSONMarshaler). The action is a Lua script Argo CD runs and whose
 * result it applies to the object (and, for some, objects it creates): the built-in `restart` of a
 * workload is known, any other action's change is not in the request, so it is unseen.
 */
function restAction(q: GoQuery, body: BodyText, v2: boolean): WebApiReading {
  const text = body();
  // v1 names its object in the query: with its body absent or cut, the action is unknown, so its
  // change is unseen. v2's object is in the body too: without it there is nothing to judge.
  if (text === undefined && !v2) return onObject(fromQuery(q), (p, kind) => ({ kind: 'kube', method: 'PATCH', path: p, unseen: `an Argo CD resource action on the ${clip(kind)} whose name (the body) was not received` }));
  if (text === undefined) return invalid('a resource action (v2) whose body was not received, which names its object');
  let parsed: unknown;
  try {
    parsed = text === undefined ? undefined : JSON.parse(text);
  } catch {
    parsed = undefined;
  }
  if (v2 && (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed))) return invalid('a resource action whose JSON body cannot be read');
  const from = v2 ? (parsed as Record<string, unknown>) : undefined;
  const given = from === undefined ? parsed : goField(from, 'action');
  if (typeof given !== 'string') return invalid('a resource action whose name cannot be read');
  return runAction(from === undefined ? fromQuery(q) : (k) => bodyString(from, k), given);
}

/** RunResourceAction[V2], REST's or gRPC's: the action `name` on the object `get` names. */
function runAction(get: Field, name: string): WebApiReading {
  if (name === '') return invalid('a resource action whose name cannot be read');
  return onObject(get, (p, kind, group) => {
    if (name === 'restart' && group === 'apps' && RESTARTABLE.has(kind)) {
      const restart = JSON.stringify({ spec: { template: { metadata: { annotations: { 'kubectl.kubernetes.io/restartedAt': '' } } } } });
      return { kind: 'kube', method: 'PATCH', path: p, patch: { text: restart, type: 'application/merge-patch+json' } };
    }
    return { kind: 'kube', method: 'PATCH', path: p, unseen: `Argo CD's resource action "${clip(name)}", a Lua script whose change to the ${clip(kind)} (and any object it creates) this request does not show` };
  });
}

// ------------------------------------------------------------------ the GitOps objects themselves

const APPLICATION_KEY = 'argoproj.io/applications';
const APPLICATION_SET_KEY = 'argoproj.io/applicationsets';

/**
 * A write of an Application or ApplicationSet through Argo CD's REST API (application.proto:
 * Create and Update take the Application as the body, UpdateSpec its spec; ApplicationSetService's
 * Create the ApplicationSet). It stays a web request, judged by the host's path rules (argocd-*);
 * the object is handed to the guardrails beside it for the images it names (rules/gitops-images.ts),
 * since Argo CD deploys them with its own rights. Argo CD decodes the body with Go's encoding/json,
 * which matches keys without regard to case: a key spelt otherwise than kube spells it is one the
 * guardrails would not read, so the images are then unreadable.
 */
function objectWrite(key: string, body: BodyText, specOnly: boolean): WebApiReading {
  const text = body();
  if (text === undefined) return { kind: 'web', gitops: { key, text: undefined, type: 'application/json', specOnly } };
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    // Left to the guardrails' own reading, which names what is wrong with it.
    return { kind: 'web', gitops: { key, text, type: 'application/json', specOnly } };
  }
  const folded = foldedKey(parsed);
  return { kind: 'web', gitops: { key, text, type: 'application/json', specOnly, ...(folded !== undefined && { unreadable: `the body spells ${folded} in another case, which Argo CD's JSON decoding reads as the field` }) } };
}

/** An Application or ApplicationSet written over gRPC or gRPC-web: a web request whose object's images cannot be read. */
function grpcObjectWrite(key: string, rpc: string): WebApiReading {
  return { kind: 'web', gitops: { key, text: undefined, type: 'application/json', unreadable: `Argo CD's ${rpc} over gRPC, whose object (and the images it names) is in a protobuf body stepgate does not read (the REST API, /api/v1/applications…, is read)` } };
}

/**
 * ApplicationService/Patch (`argocd app patch`): `{name, patch, patchType}`, the patch a JSON
 * string; Argo CD applies a `json` patch (the default, also for an empty type) or a `merge` patch
 * to the Application's JSON and decodes the result as Go does, so the same case folding holds.
 */
function applicationPatch(body: BodyText): WebApiReading {
  const text = body();
  const cannot = (why: string): WebApiReading => ({ kind: 'web', gitops: { key: APPLICATION_KEY, text: undefined, type: 'application/json-patch+json', unreadable: why } });
  if (text === undefined) return { kind: 'web', gitops: { key: APPLICATION_KEY, text: undefined, type: 'application/json-patch+json' } };
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return cannot('an Argo CD application patch whose body is not JSON');
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) return cannot('an Argo CD application patch whose body is not a JSON object');
  const patch = goField(parsed as Record<string, unknown>, 'patch');
  const given = goField(parsed as Record<string, unknown>, 'patchType');
  if (typeof patch !== 'string') return cannot('an Argo CD application patch whose patch is not one JSON string');
  if (given !== undefined && given !== null && typeof given !== 'string') return cannot('an Argo CD application patch whose patchType cannot be read');
  const kind = given ?? '';
  const type = kind === '' || kind === 'json' ? 'application/json-patch+json' : kind === 'merge' ? 'application/merge-patch+json' : undefined;
  // Argo CD refuses any other type itself (InvalidArgument).
  if (type === undefined) return WEB;
  let inner: unknown;
  try {
    inner = JSON.parse(patch);
  } catch {
    return { kind: 'web', gitops: { key: APPLICATION_KEY, text: patch, type } };
  }
  // A JSON patch names its fields in its paths, which go-jsonpatch matches exactly on the app's
  // JSON; what it adds under a path is decoded as Go does, as is all of a merge patch.
  const folded = Array.isArray(inner) ? inner.map((op: unknown) => (op !== null && typeof op === 'object' ? foldedKey((op as Record<string, unknown>).value) ?? foldedPointer((op as Record<string, unknown>).path) : undefined)).find((f) => f !== undefined) : foldedKey(inner);
  return { kind: 'web', gitops: { key: APPLICATION_KEY, text: patch, type, ...(folded !== undefined && { unreadable: `the patch spells ${folded} in another case, which Argo CD's JSON decoding reads as the field` }) } };
}

/** The field names of Application and ApplicationSet the guardrails read (Go's json tags). */
const READ_FIELDS = ['spec', 'source', 'sources', 'kustomize', 'images', 'patches', 'patch', 'helm', 'parameters', 'values', 'valuesObject', 'name', 'value', 'template', 'templatePatch', 'generators'];
const FOLDED_FIELDS: ReadonlyMap<string, string> = new Map(READ_FIELDS.map((f) => [fold(f), f]));
/** Helm's values are a chart's, read by Helm as written (case kept); nothing in them is a Go field. */
const RAW_FIELDS: ReadonlySet<string> = new Set(['valuesObject']);

/** The first key of `v` that Go would read as one of READ_FIELDS though it is spelt otherwise (quoted), or undefined. */
function foldedKey(v: unknown): string | undefined {
  const stack: unknown[] = [v];
  while (stack.length > 0) {
    const node = stack.pop();
    if (Array.isArray(node)) for (const item of node) stack.push(item);
    else if (node !== null && typeof node === 'object') {
      for (const [k, child] of Object.entries(node as Record<string, unknown>)) {
        const f = FOLDED_FIELDS.get(fold(k));
        if (f !== undefined && f !== k) return `"${clip(k, 40)}" (${f})`;
        if (!RAW_FIELDS.has(k)) stack.push(child);
      }
    }
  }
  return undefined;
}

/** A JSON patch path's segments checked as keys (`/spec/Source/…`). */
function foldedPointer(path: unknown): string | undefined {
  if (typeof path !== 'string') return undefined;
  const segs = path.split('/').slice(1).map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
  const at = segs.indexOf('valuesObject');
  return foldedKey(Object.fromEntries((at < 0 ? segs : segs.slice(0, at + 1)).map((s) => [s, null])));
}

// ------------------------------------------------------------------------------------ shared

type Field = (key: string) => string | undefined | typeof MANY;

/**
 * The object a resource route names (ApplicationResourceRequest's namespace, resourceName,
 * version, group, kind), as the API server path Argo CD's kubectl reaches. A kind outside
 * kinds.ts's table takes the plural kubectl would guess, namespaced when a namespace is given.
 */
function onObject(get: Field, then: (path: string, kind: string, group: string) => WebApiReading): WebApiReading {
  const ns = get('namespace') ?? '';
  const name = get('resourceName');
  const version = get('version') ?? '';
  const group = get('group') ?? '';
  const kind = get('kind');
  if (ns === MANY || name === MANY || version === MANY || group === MANY || kind === MANY) return invalid('a resource request naming a field twice');
  if (name === undefined || !OBJECT_NAME.test(name) || kind === undefined || !/^[A-Za-z][A-Za-z0-9]{0,62}$/.test(kind)) return invalid('a resource request whose kind or name cannot be read');
  if ((ns !== '' && !DNS_LABEL.test(ns)) || !/^[a-z0-9.-]{0,253}$/.test(group) || !/^[a-z0-9]{0,20}$/.test(version)) return invalid('a resource request whose namespace, group or version cannot be read');
  const v = version === '' ? 'v1' : version;
  const res = resourceOfAnyKind(group === '' ? v : `${group}/${v}`, kind);
  if (res === undefined) return invalid('a resource request whose kind cannot be named');
  // A cluster-scoped kind ignores the namespace (Argo CD's kubectl does too); a namespaced one
  // without a namespace is the path kubectl would send for it.
  return then(`${res.collection(res.namespaced ? ns : '')}/${name}`, kind, group);
}

const MANY = Symbol('many');

/** A route's fields from its query (ApplicationResourceRequest's, as grpc-gateway fills them). */
function fromQuery(q: GoQuery): Field {
  return (k) => one(q, k);
}

/** A query as Go's url.ParseQuery reads it: pairs split at `&`, a pair with `;` or a bad escape dropped. */
type GoQuery = ReadonlyMap<string, readonly string[]>;

function goQuery(query: string): GoQuery {
  const out = new Map<string, string[]>();
  if (query === '') return out;
  for (const pair of query.split('&')) {
    if (pair === '' || pair.includes(';')) continue;
    const eq = pair.indexOf('=');
    const k = unescape(eq < 0 ? pair : pair.slice(0, eq), 'query', false);
    const v = unescape(eq < 0 ? '' : pair.slice(eq + 1), 'query', false);
    if (typeof k !== 'string' || typeof v !== 'string') continue;
    const list = out.get(k);
    if (list === undefined) out.set(k, [v]);
    else list.push(v);
  }
  return out;
}

/**
 * One query parameter: Go's Query().Get reads the first of several, grpc-gateway refuses several
 * for a single field; either way two values cannot be read one agreed way (MANY).
 */
function one(q: GoQuery, key: string): string | undefined | typeof MANY {
  const vs = q.get(key);
  if (vs === undefined) return undefined;
  return vs.length === 1 ? vs[0] : MANY;
}

function bodyString(o: Record<string, unknown>, key: string): string | undefined | typeof MANY {
  const v = goField(o, key);
  if (v === AMBIGUOUS) return MANY;
  if (v === undefined || v === null) return undefined;
  return typeof v === 'string' ? v : MANY;
}

/** An object's name as Argo CD passes it to kubectl: no slash, no dot segment, nothing a path would read otherwise. */
const OBJECT_NAME = /^(?!\.\.?$)[A-Za-z0-9:._@~+-]{1,253}$/;
/** A namespace or container name (RFC 1123 label). */
const DNS_LABEL = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;

function kube(method: string, path: string): WebApiReading {
  return { kind: 'kube', method, path };
}

function clip(s: string, max = 60): string {
  const t = s.replace(/[^\x20-\x7e]/g, '?');
  return t.length > max ? `${t.slice(0, max)}…` : t;
}

function invalid(what: string): WebApiReading {
  return { kind: 'invalid', detail: `${clip(what, 220)} on an argo-cd API host (kubernetes.web_apis)` };
}
