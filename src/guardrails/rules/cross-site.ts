import type { Violation } from '../types.js';

/**
 * cross_site_request: the browser's own word (Fetch Metadata, `Sec-Fetch-Site: cross-site`) that
 * a page of another site made this Kubernetes API request. A browser has no Kubernetes credential
 * of its own; one that reaches the API with the engineer's does so through a hop that adds it:
 * `kubectl proxy` on localhost:8001, whose default `--accept-hosts` admits any page's request to
 * `localhost` and whose `--reject-paths` leaves port-forward, the service proxy and every read
 * open. The browser forwards its own user agent, address and fetch metadata, so stepgate sees the
 * engineer's device, network and login (day 25): a WebSocket (which CORS never covers) to a hot
 * signer's port-forward, an image tag whose GET halts a market through the service proxy. No
 * client an engineer runs sends `cross-site` to the API: kubectl, client-go and the SDKs send no
 * fetch metadata; a dashboard's own requests, and the API read in a tab through the proxy, are
 * `same-origin` or `none` (typed). Navigations are not excepted: a link on another site that
 * opens the proxy's halt URL is the same request as the image tag. `same-site` (another port of
 * localhost, a sibling subdomain) is left to the rest of the pipeline: the port-based origin of a
 * local tool is same-site, and the page then runs on the engineer's machine already.
 *
 * Only where the credential rides in a header the browser does not add by itself (Authorization,
 * or the WebSocket bearer subprotocol): that is the hop. stepgate's own session cookie is the
 * browser's, and SameSite=Lax already keeps it off cross-site subresources and form posts; its
 * cross-site top-level navigations include the return from the identity provider after a step-up
 * (the redirect chain passes through the IdP's site, so the browser marks the last hop
 * cross-site) and a link from chat to a dashboard, which the rest of the pipeline judges.
 *
 * Repeated headers reach stepgate joined with ',': any element `cross-site` counts.
 */
export function isCrossSite(headers: ReadonlyMap<string, string>): boolean {
  const site = headers.get('sec-fetch-site');
  if (site === undefined) return false;
  if (headers.get('authorization') === undefined && !(headers.get('sec-websocket-protocol') ?? '').toLowerCase().includes('bearer.authorization.k8s.io')) return false;
  for (const v of site.split(',')) if (v.trim().toLowerCase() === 'cross-site') return true;
  return false;
}

export function checkCrossSite(headers: ReadonlyMap<string, string>): Violation[] {
  const mode = headers.get('sec-fetch-mode');
  const origin = headers.get('origin');
  const how = [mode !== undefined ? `Sec-Fetch-Mode ${clip(mode)}` : '', origin !== undefined ? `Origin ${clip(origin)}` : ''].filter((x) => x !== '').join(', ');
  return [{ code: 'cross_site_request', detail: `a browser says a page of another site made this request (Sec-Fetch-Site cross-site${how ? `, ${how}` : ''}): a local kubectl proxy or another hop adds the credential` }];
}

function clip(s: string): string {
  return s.length > 80 ? `${s.slice(0, 80)}…` : s;
}
