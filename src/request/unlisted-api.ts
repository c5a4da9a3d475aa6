import { isCustomGroup } from '../core/kube-groups.js';

/**
 * A Kubernetes API request on a host that is not one of `kubernetes.hosts` (issue 12, session 47).
 * Such a request is judged as a web request: no `match.kubernetes` rule, guardrail or working set
 * applies. A gateway route that reaches the API server under a spelling the list lacks (a wildcard
 * VirtualService's `*.example.com`, the IP literal, `kubernetes.default.svc` inside the mesh, a
 * host the operator forgot, day 40) passes it there all the same. No list of spellings can be
 * complete, so the request's own shape is read: what only kube-apiserver serves, or what only a
 * Kubernetes client sends to an API path.
 *
 * Only unmistakable shapes count, because the default answer is a refusal: a dashboard's own
 * `/api/v1/…` (Prometheus' `/api/v1/query`, Argo CD's `/api/v1/applications`, Argo Workflows'
 * `/api/v1/events/<ns>/<name>`, the Kubernetes Dashboard's singular `/api/v1/secret/<ns>`) and
 * Grafana's Kubernetes-style `/apis/dashboard.grafana.app/…` are not among them. Pure: the path
 * given is the decoded one (request/path.ts), as kube-apiserver routes on it.
 *
 * Returns what gave the request away, for the log line and the refusal's detail; undefined when
 * nothing does.
 */
export function unlistedApiSignal(path: string, header: (name: string) => string | undefined): string | undefined {
  if (!mayBeApiPath(path)) return undefined;
  const shape = apiPathShape(path);
  if (shape === 'resource') return `path ${clip(path)}`;
  if (shape === undefined) return undefined;
  // A discovery path or a path under /api, /apis that a web UI could also serve: only with what a
  // Kubernetes client sends.
  const client = kubernetesClientSignal(header);
  return client === undefined ? undefined : `${client} on ${clip(path)}`;
}

/**
 * Whether the path is under one kube-apiserver serves: /api (only /api and /api/v1/…), /apis, and
 * the discovery documents' /version and /openapi. Asked of every web request, so it allocates
 * nothing; Grafana's frontend calls its own `/api/…` all the time, and stops here.
 */
export function mayBeApiPath(path: string): boolean {
  if (path.startsWith('/api')) return path.length === 4 || path.startsWith('/api/') ? path.length <= 5 || path.startsWith('/api/v1') : path.startsWith('/apis');
  return path.startsWith('/version') || path.startsWith('/openapi');
}

/** kube-apiserver's core resources: namespaced (under `/api/v1/namespaces/<ns>/`) and cluster-wide. */
const CORE_NAMESPACED = new Set([
  'bindings', 'configmaps', 'endpoints', 'events', 'limitranges', 'persistentvolumeclaims', 'pods', 'podtemplates',
  'replicationcontrollers', 'resourcequotas', 'secrets', 'serviceaccounts', 'services',
]);
const CORE_CLUSTER = new Set(['namespaces', 'nodes', 'persistentvolumes', 'componentstatuses']);
const VERSION = /^v[1-9][0-9]*(?:(?:alpha|beta)[1-9][0-9]*)?$/;

/**
 * - 'resource': a path only kube-apiserver serves (a core resource by its plural, a resource of a
 *   Kubernetes-owned API group);
 * - 'api': under `/api`, `/apis`, `/version` or `/openapi`, a shape other servers also use;
 * - undefined: not an API server path at all (`/apiary`, `/api-docs`).
 */
function apiPathShape(path: string): 'resource' | 'api' | undefined {
  // kube-apiserver trims only the leading and trailing slashes (PROTOCOLS.md): inner empty
  // segments stay, as they do here.
  const segs = path.replace(/^\/+|\/+$/g, '').split('/');
  const top = segs[0];
  if (top === 'version' || top === 'openapi') return segs.length <= 3 ? 'api' : undefined;
  if (top === 'api') {
    if (segs.length < 2) return 'api';
    // kube-apiserver serves only /api and /api/v1/…: `/api/dashboards` (Grafana's) is no path of it.
    if (segs[1] !== 'v1') return undefined;
    let i = 2;
    // The deprecated watch form (`/api/v1/watch/namespaces/<ns>/pods`) kube-apiserver still serves.
    if (segs[i] === 'watch') i++;
    const resource = segs[i];
    if (resource === undefined) return 'api';
    if (resource === 'namespaces') {
      // `/api/v1/namespaces` (every namespace), `/api/v1/namespaces/<ns>` and its subresources
      // (`status`, `finalize`) and everything namespaced under it.
      if (segs.length === i + 1 || segs.length === i + 2) return 'resource';
      const sub = segs[i + 2]!;
      return CORE_NAMESPACED.has(sub) || sub === 'status' || sub === 'finalize' ? 'resource' : 'api';
    }
    if (CORE_CLUSTER.has(resource)) return 'resource';
    // A namespaced resource listed across namespaces (`/api/v1/secrets`): its plural alone. With
    // more segments it is no list kube-apiserver answers, and Argo Workflows' webhook
    // `/api/v1/events/<ns>/<discriminator>` is one of those.
    if (CORE_NAMESPACED.has(resource) && segs.length === i + 1) return 'resource';
    return 'api';
  }
  if (top === 'apis') {
    const group = segs[1];
    if (group === undefined || group === '') return 'api';
    // Only a Kubernetes-owned group names the API server; any other (`dashboard.grafana.app`,
    // Grafana's own Kubernetes-style API) may be a web server's.
    const owned = !isCustomGroup(group) || group.endsWith('.k8s.io');
    if (!owned) return 'api';
    const version = segs[2];
    if (version === undefined) return 'resource';
    return VERSION.test(version) ? 'resource' : 'api';
  }
  return undefined;
}

/** client-go's default User-Agent: `<command>/<version> (<os>/<arch>) kubernetes/<commit>`. */
const CLIENT_GO_UA = /^[^\s/]+\/\S+ \([^)]*\) kubernetes\/[0-9a-z$]+/i;

/** What only a Kubernetes client sends; undefined when the request carries none of it. */
export function kubernetesClientSignal(header: (name: string) => string | undefined): string | undefined {
  const ua = header('user-agent');
  if (ua !== undefined && (ua.startsWith('kubectl/') || CLIENT_GO_UA.test(ua))) return 'a Kubernetes client user agent';
  // Media types are case-insensitive (RFC 9110 8.3.1).
  const accept = header('accept')?.toLowerCase();
  if (accept !== undefined && (accept.includes('application/vnd.kubernetes.protobuf') || accept.includes('g=meta.k8s.io'))) return 'a Kubernetes Accept header';
  const type = header('content-type')?.toLowerCase();
  if (type !== undefined && (type.startsWith('application/vnd.kubernetes.protobuf') || type.startsWith('application/strategic-merge-patch+') || type.startsWith('application/apply-patch+'))) return 'a Kubernetes Content-Type';
  const protocols = header('sec-websocket-protocol')?.toLowerCase();
  if (protocols !== undefined && (protocols.includes('channel.k8s.io') || protocols.includes('bearer.authorization.k8s.io'))) return 'a Kubernetes WebSocket subprotocol';
  if (header('impersonate-user') !== undefined || header('impersonate-group') !== undefined || header('impersonate-uid') !== undefined) return 'an Impersonate- header';
  return undefined;
}

function clip(path: string): string {
  return path.length > 120 ? `${path.slice(0, 120)}…` : path;
}
