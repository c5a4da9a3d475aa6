import { describe, expect, it } from 'vitest';
import { builtServerForFile, freshSubjects, officeRound, reason, REFUSED, rules } from '../support/built-server.js';
import type { RequestSpec } from '../support/requests.js';

/**
 * Session 43's second dashboards round (redteam43c) against the built server with the example
 * policy as it ships: the Headlamp routes redteam43b left (kubernetes-sigs/headlamp,
 * backend/cmd/headlamp.go). The rows that held are kept so the corpus grows.
 */

const server = builtServerForFile('session43d');
const subjects = freshSubjects(() => server().issuer, 'session43d');

const HEADLAMP = 'headlamp.localhost';
const SECRET = '/api/v1/namespaces/prod-eu/secrets/db';

const { signedIn, send } = officeRound(server, subjects);

/** Headlamp's cookie for `cluster` carrying `token` in one chunk. */
const headlampCookie = (cluster: string, token: string) => `headlamp-auth-${cluster}.0=${token}`;

/**
 * Headlamp's `/externalproxy` sends the request, every header with it (Authorization, cookies), to
 * the URL in `proxy-to` (`Forward-to` when that is empty) when it matches Headlamp's `-proxy-urls`
 * globs, which the gateway does not see. Where they let in the API server or Headlamp's own
 * listener, the URL is an API request made with the caller's token: it was a web page (allowed to
 * the everyday sign-in) before.
 */
const external = (url: string, headers: Record<string, string> = {}, header = 'proxy-to'): RequestSpec => ({ host: HEADLAMP, path: '/externalproxy', headers: { [header]: url, ...headers } });
describe("found: Headlamp's external proxy", () => {
  it.each<[string, RequestSpec, string]>([
    ['a production Secret on the in-cluster API server (proxy-to)', external(`https://kubernetes.default.svc${SECRET}`), 'secrets'],
    ['the same with Forward-to', external(`https://kubernetes.default.svc${SECRET}`, {}, 'Forward-to'), 'secrets'],
    ["the same through Headlamp's own listener reached from inside", external(`http://headlamp.kube-system.svc/clusters/main${SECRET}`), 'secrets'],
    ["a production release's values through Headlamp's own Helm route", external('http://headlamp.kube-system.svc/clusters/main/helm/releases?name=db&namespace=prod-eu'), 'secrets'],
    ['a shell in a production pod (exec) on the API server', external('https://10.96.0.1/api/v1/namespaces/prod-eu/pods/web-0/exec?command=sh&stdin=true'), 'pod-shell'],
  ])('%s, on the everyday sign-in: refused by the rule the API request meets', async (_what, spec, rule) => {
    const res = await send(await signedIn(), spec);
    expect(REFUSED).toContain(reason(res));
    expect(rules(res).split(',')).toContain(rule);
  });

  it("a stolen token in Headlamp's cookie beside a fresh sign-in, sent on to Headlamp's own proxy: credential_ambiguous", async () => {
    const own = await signedIn('aal2', 60);
    const stolen = await subjects.tokenOf('aal1', 36_000);
    const res = await send(own, external(`http://headlamp.kube-system.svc/clusters/main${SECRET}`, { cookie: headlampCookie('main', stolen) }));
    expect(reason(res)).toBe('credential_ambiguous');
  });

  it.each<[string, string]>([
    ['two targets joined by a comma (two proxy-to headers, of which Go reads the first)', `https://artifacthub.io/api/v1/packages/search,https://kubernetes.default.svc${SECRET}`],
    ['userinfo in the URL', `https://artifacthub.io@kubernetes.default.svc${SECRET}`],
    ['dot segments in the path', 'https://kubernetes.default.svc/api/v1/namespaces/dev/../prod-eu/secrets/db'],
    ['an encoded slash in the path', 'https://kubernetes.default.svc/api/v1/namespaces/prod-eu/secrets%2Fdb'],
    ['a URL that is not http(s)', 'file:///var/run/secrets/kubernetes.io/serviceaccount/token'],
    ['a fragment', `https://kubernetes.default.svc${SECRET}#x`],
  ])('a target with %s: request_invalid', async (_what, url) => {
    const res = await send(await signedIn(), external(url));
    expect(reason(res)).toBe('request_invalid');
  });

  it("controls: the App Catalog's artifacthub.io search and package page stay allowed on the everyday sign-in", async () => {
    const token = await signedIn();
    for (const url of ['https://artifacthub.io/api/v1/packages/search?kind=0&offset=0&limit=5&facets=true', 'https://artifacthub.io/api/v1/packages/helm/bitnami/nginx']) {
      const res = await send(token, external(url));
      expect(reason(res), `${url} ${rules(res)}`).toBe('allowed');
    }
  });
});

/**
 * With dynamic clusters on, Headlamp keeps the clusters added through `POST /cluster` in one store
 * of its process: every user's `/clusters/<name>/` proxies to them. A cluster named as others'
 * with a server of the caller's choosing collects their tokens (their cookies become its
 * Authorization); a rename or removal changes what their names lead to.
 */
describe("found: Headlamp's shared cluster list", () => {
  it.each<[string, RequestSpec]>([
    ["a cluster named prod-eu whose server is the caller's", { host: HEADLAMP, method: 'POST', path: '/cluster', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name: 'prod-eu', server: 'https://collector.example.net', insecure: true }) }],
    ['a cluster renamed', { host: HEADLAMP, method: 'PUT', path: '/cluster/main', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ newClusterName: 'dev', source: 'dynamic_cluster' }) }],
    ['a cluster removed', { host: HEADLAMP, method: 'DELETE', path: '/cluster/main' }],
  ])('%s, on two factors fresh: request_invalid', async (_what, spec) => {
    const res = await send(await signedIn('aal2', 60), spec);
    expect(reason(res)).toBe('request_invalid');
  });

  it("control: reading a kubeconfig for the browser's own stateless clusters (parseKubeConfig) stays a web request", async () => {
    const res = await send(await signedIn(), { host: HEADLAMP, method: 'POST', path: '/parseKubeConfig', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ kubeconfigs: [] }) });
    expect(reason(res), rules(res)).toBe('allowed');
  });
});

/**
 * OpenShift's web console calls the API server with its own session's token (the
 * `openshift-session-token` cookie; `openshift-refresh-token` mints a new one) and ignores
 * Authorization; its frontend sends none. A stolen console session beside the attacker's own
 * fresh sign-in in Authorization read as the victim on the API server, judged as the attacker.
 */
const CONSOLE = 'console.localhost';
describe("found: the OpenShift console's session beside a bearer token", () => {
  it.each<[string, string]>([
    ['openshift-session-token=<stolen session>', 'openshift-session-token=MTcwMDAwMDAwMHxEdi1CQkFFQ180SUFBUkFCRUFBQV84Yl9nZ0FCQm5OMGNtbHVad3dP'],
    ['the raw OAuth token of an older console', 'csrf-token=abc; openshift-session-token=sha256~Xk2mQ0f3v9c5bXlQbq4b2Jd8h1l1aVwQYg0m6k2Wq0Y'],
    ['openshift-refresh-token alone', 'openshift-refresh-token=MTcwMDAwMDAwMHxSZWZyZXNo'],
  ])('%s beside a fresh two-factor sign-in, on a production Secret through the console: credential_ambiguous', async (_what, cookie) => {
    const own = await signedIn('aal2', 60);
    const res = await send(own, { host: CONSOLE, path: `/api/kubernetes${SECRET}`, headers: { cookie } });
    expect(reason(res)).toBe('credential_ambiguous');
  });

  it("controls: the console's own pages with its cookie, and its proxy with an emptied cookie (signed out), stay allowed", async () => {
    const token = await signedIn('aal2', 60);
    const page = await send(token, { host: CONSOLE, path: '/k8s/ns/prod-eu/secrets/db', headers: { cookie: 'openshift-session-token=MTcwMDAwMDAwMHxEdi1C' } });
    expect(reason(page), rules(page)).toBe('allowed');
    const out = await send(token, { host: CONSOLE, path: `/api/kubernetes${SECRET}`, headers: { cookie: 'openshift-session-token=' } });
    expect(reason(out), rules(out)).toBe('allowed');
  });
});

describe('the server after the round', () => {
  it('is still up and logged nothing on stderr', () => {
    expect(server().child.exitCode).toBeNull();
    expect(server().stderr).toEqual([]);
  });
});
