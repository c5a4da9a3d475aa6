import type { CheckRequestMessage } from '../server/grpc/check.js';
import type { AuditEvent } from './event.js';

/** HTTP method per audit verb: Kubernetes verbs for resource requests, lower-case methods otherwise. */
const METHODS: Readonly<Record<string, string>> = {
  get: 'GET',
  list: 'GET',
  watch: 'GET',
  head: 'HEAD',
  options: 'OPTIONS',
  create: 'POST',
  post: 'POST',
  update: 'PUT',
  put: 'PUT',
  patch: 'PATCH',
  delete: 'DELETE',
  deletecollection: 'DELETE',
};

export function methodOf(verb: string): string | undefined {
  return Object.hasOwn(METHODS, verb) ? METHODS[verb] : undefined;
}

/**
 * The CheckRequest Envoy would have sent for the logged request: method from the verb, target
 * from requestURI, the configured Kubernetes host, the client as kube-apiserver saw it (the last
 * of sourceIPs is its peer; the ones before came from X-Forwarded-For, which the configuration's
 * network.xff_num_trusted_hops then honours or ignores exactly as live), the user agent, the
 * impersonation headers, and the body when the audit level recorded it.
 */
export function checkRequestOf(ev: AuditEvent, method: string, host: string, bearer: string): CheckRequestMessage {
  const headers: Record<string, string> = {
    ':method': method,
    ':path': ev.requestURI,
    ':authority': host,
    ':scheme': 'https',
    authorization: `Bearer ${bearer}`,
  };
  if (ev.userAgent !== undefined) headers['user-agent'] = ev.userAgent;
  const ips = ev.sourceIPs;
  if (ips.length > 1) headers['x-forwarded-for'] = ips.slice(0, -1).join(', ');
  const imp = ev.impersonatedUser;
  if (imp !== undefined) {
    if (imp.username !== '') headers['impersonate-user'] = imp.username;
    if (imp.uid !== undefined) headers['impersonate-uid'] = imp.uid;
    // Repeated headers reach stepgate joined with commas, as Envoy passes them.
    if (imp.groups.length > 0) headers['impersonate-group'] = imp.groups.join(',');
    for (const [k, v] of Object.entries(imp.extra)) if (v.length > 0) headers[`impersonate-extra-${encodeURIComponent(k).toLowerCase()}`] = v.join(',');
  }
  const http: NonNullable<NonNullable<NonNullable<CheckRequestMessage['attributes']>['request']>['http']> = {
    method,
    path: ev.requestURI,
    host,
    scheme: 'https',
    headers,
  };
  const apply = method === 'PATCH' && isApply(ev.requestURI);
  if (ev.requestObject !== undefined && method !== 'GET' && method !== 'HEAD') {
    http.body = JSON.stringify(ev.requestObject);
    headers['content-type'] = apply ? APPLY : contentType(method, ev.requestObject);
  } else if (apply) {
    // A server-side apply may create its object, so rules about `create` judge it (mayCreateByApply)
    // whatever the audit level: the content type says so, not the body.
    headers['content-type'] = APPLY;
  }
  return {
    attributes: {
      source: { address: { socket_address: { address: ips.at(-1) ?? '', port_value: 0 } } },
      request: { http },
      context_extensions: {},
    },
  };
}

const APPLY = 'application/apply-patch+yaml';

/**
 * The log does not record the content type, but a patch with a `force` parameter is a server-side
 * apply: kube-apiserver refuses `force` on any other patch (ValidatePatchOptions), and kubectl and
 * client-go's Apply always send it (`force=false` unless forced). An apply sent without it
 * (controller-runtime without ForceOwnership) still reads as an ordinary patch.
 */
function isApply(requestURI: string): boolean {
  const q = requestURI.indexOf('?');
  return q >= 0 && new URLSearchParams(requestURI.slice(q + 1)).has('force');
}

/**
 * The log records the body, not its content type. A patch that is a JSON array is a JSON patch;
 * any other patch that is not an apply is taken as kubectl's default for built-in types, a
 * strategic merge patch.
 */
function contentType(method: string, body: unknown): string {
  if (method !== 'PATCH') return 'application/json';
  return Array.isArray(body) ? 'application/json-patch+json' : 'application/strategic-merge-patch+json';
}
