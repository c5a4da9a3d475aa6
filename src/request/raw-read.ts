/**
 * How a Kubernetes client reads a refusal: 'status', a Kubernetes Status it decodes and prints;
 * 'text', raw bytes it prints only when they are text (readsRefusalAsText).
 */
export type KubeReader = 'status' | 'text';

/**
 * Whether a Kubernetes client reads the answer to this request as raw bytes, so that a refusal's
 * Kubernetes `Status` never reaches the user (issue 12 point 7, session 48).
 *
 * client-go (rest/request.go) decodes an error body as a `metav1.Status` only in `Result.Into`,
 * `Get` and `Error`: the ordinary resource requests. `Result.Raw()` and `Stream()` return the
 * unstructured error made by `newUnstructuredResponseError`, whose message is the body only when
 * the response's Content-Type is `text/*` (or absent), and "unknown" otherwise. Those readers are
 * the discovery client's `/api` and `/apis` (legacy and aggregated discovery alike), `/version`,
 * `/openapi/v2` and `/openapi/v3/…`, and `kubectl get --raw` (any path; the resource paths among
 * them cannot be told from kubectl's own requests, so they keep the Status). The group-version
 * documents `/api/v1` and `/apis/<group>/<version>` are read with `Into`, so they keep it too.
 *
 * Pure, and asked of refusals only. `path` is the decoded one (request/path.ts); kube-apiserver
 * trims only the leading and trailing slashes before splitting it.
 */
export function readsRefusalAsText(method: string, path: string): boolean {
  // Every Raw() read client-go makes is a GET (kubectl get --raw included).
  if (method !== 'GET') return false;
  const trimmed = path.replace(/^\/+|\/+$/g, '');
  const slash = trimmed.indexOf('/');
  const top = slash < 0 ? trimmed : trimmed.slice(0, slash);
  // /api and /apis themselves are discovery; anything below them is a group, a group-version
  // document or a resource, each read with Into.
  if (top === 'api' || top === 'apis') return slash < 0;
  return true;
}
