/**
 * How a Kubernetes client reads a refusal: 'status', a Kubernetes Status it decodes and prints;
 * 'text', raw bytes it prints only when they are text (readsRefusalAsText).
 */
export type KubeReader = 'status' | 'text';

/**
 * Whether a Kubernetes client reads the answer to this request as raw bytes, so that a refusal's
 * Kubernetes `Status` never reaches the user (issue 12 point 7, session 48).
 *
 * client-go (rest/request.go) decodes an error body as a `metav1.Status` in `Result.Into`, `Get`
 * and `Error`, and `Stream()` (kubectl get --raw) goes through `Error` too. `Result.Raw()` returns
 * the unstructured error of `newUnstructuredResponseError`, whose message is the body only when
 * the response's Content-Type is `text/*` (or absent), and "unknown" otherwise. Raw() readers are
 * the discovery client's `/api` and `/apis` (legacy and aggregated discovery alike), `/version`
 * (`kubectl version`), and the OpenAPI client's `/openapi/v2` and `/openapi/v3…` (kubectl explain,
 * apply's schema). The group-version documents `/api/v1` and `/apis/<group>/<version>` are read
 * with `Into`, so they keep the Status, as does every other path.
 *
 * Pure, and asked of refusals only. `path` is the decoded one (request/path.ts); kube-apiserver
 * trims only the leading and trailing slashes before splitting it.
 */
export function readsRefusalAsText(method: string, path: string): boolean {
  // Every Raw() read client-go makes is a GET.
  if (method !== 'GET') return false;
  const trimmed = path.replace(/^\/+|\/+$/g, '');
  if (trimmed === 'api' || trimmed === 'apis' || trimmed === 'version') return true;
  return trimmed === 'openapi/v2' || trimmed === 'openapi/v3' || trimmed.startsWith('openapi/v3/');
}
