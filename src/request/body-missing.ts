/**
 * Whether a Check without a body means "the gateway sends no bodies" rather than "this request's
 * body was kept from stepgate". Envoy's ext_authz (with_request_body) buffers every request that
 * does not end with its headers and then always sets `x-envoy-auth-partial-body` (`true` or
 * `false`) next to the body, dropping any client copy of that header (check_request_utils.cc);
 * so with bodies configured, a Check without body and without that header is a request with no
 * body at all (content-length 0, or HTTP/2 END_STREAM on the headers), which kube-apiserver refuses
 * for a create, update or patch: a client gains nothing from it. The one exception is an upgrade
 * (`Upgrade: websocket`, HTTP/2 extended CONNECT): Envoy does not buffer it, yet kube-apiserver
 * still reads a write's body after the headers. So an upgrade, or any trace of Envoy's marker,
 * stays the unreadable case a client could cause. Content-length and chunking say nothing here:
 * Envoy buffers a chunked or length-less HTTP/2 body like any other.
 *
 * A forward-auth subrequest (nginx auth_request, Traefik, Caddy) never carries the body, whatever
 * the client sends, so there too a write without one is the proxy's configuration, not the
 * client's doing; the same upgrade exception keeps the two ways in deciding alike.
 */
export function isBodyMissing(method: string, headers: ReadonlyMap<string, string>): boolean {
  if (headers.has('x-envoy-auth-partial-body')) return false;
  if (method === 'CONNECT' || headers.has('upgrade') || headers.has(':protocol')) return false;
  return true;
}

/** The methods kube reads a body for (create, update, patch; POST also for subresources such as exec). */
export const BODY_METHODS: ReadonlySet<string> = new Set(['POST', 'PUT', 'PATCH']);
