import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SessionCodec } from '../../src/cookies/session.js';
import { parseKeyList } from '../../src/cookies/keys.js';
import { AMR, builtServerForFile, builtServerWithSessions, freshSubjects, KUBE, officeRound, reason, REFUSED, rules, type Level } from '../support/built-server.js';
import { checkRequest, CONTENT_TYPES, type RequestSpec } from '../support/requests.js';
import { startRedis, type RedisServer } from '../support/redis.js';

/**
 * Session 44's dashboards round (redteam44a) against the built server with the example policy, its
 * step-up session turned on (the usual browser case): what session 43 left open.
 *
 * OpenShift's web console calls the API server with its own session's token (the
 * `openshift-session-token` cookie, openshift/console pkg/auth/oauth2) and ignores Authorization;
 * in a browser, stepgate's credential is its own session cookie beside it. A stolen console
 * cookie carried beside the attacker's own fresh stepgate sign-in acted on the API server as the
 * victim, judged as the attacker. Now each console cookie is bound to the stepgate identity that
 * first presented it (pipeline/console-sessions.ts).
 */

const { server, keys: KEYS } = builtServerWithSessions('session44a');
const subjects = freshSubjects(() => server().issuer, 'session44a');
const { send } = officeRound(server, subjects);

const CONSOLE = 'console.localhost';
const SECRET = '/api/kubernetes/api/v1/namespaces/prod-eu/secrets/db';
const HELM_INSTALL: RequestSpec = {
  host: CONSOLE,
  method: 'POST',
  path: '/api/helm/release',
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify({ name: 'db', namespace: 'prod-eu', chart_url: 'https://charts.example.net/db-1.0.0.tgz', values: {} }),
};

const codec = new SessionCodec({ cookie_name: 'stepgate_session', lifetime_seconds: 3600, keys_env: 'SG_SESSION_KEYS' }, parseKeyList(KEYS, 'SG_SESSION_KEYS'));

interface Engineer {
  sub: string;
  token: string;
  /** stepgate's session cookie for this engineer's sign-in (`stepgate_session=…`). */
  session: string;
}

/**
 * A fresh engineer signed in at `level` `age` seconds ago, with the session cookie the step-up
 * sets for that sign-in, whose first request is a console page in the office browser (their first
 * sighting, within the newcomer grace: the network, device and browser become theirs).
 */
async function engineer(level: Level = 'aal2', age = 60): Promise<Engineer> {
  const sub = subjects.subject();
  const authTime = subjects.now() - age;
  const token = await server().issuer.token({ sub, email: sub, acr: `urn:stepgate:${level}`, amr: AMR[level], auth_time: authTime });
  const sealed = await codec.create({ iss: server().issuer.url, sub, acr: `urn:stepgate:${level}`, amr: AMR[level], auth_time: authTime, extra: {} }, Date.now());
  const who = { sub, token, session: `stepgate_session=${sealed!.value}` };
  const own = await send(undefined, { host: CONSOLE, path: '/k8s/ns/dev/pods', headers: { cookie: who.session } });
  expect(reason(own), `the engineer's own console page ${rules(own)}`).toBe('allowed');
  return who;
}

/** A console session cookie of its own for each test (the console's are random). */
const consoleCookie = () => `openshift-session-token=MTcw${randomBytes(24).toString('base64url')}`;

/** A browser request: stepgate's session cookie and the console's, no Authorization. */
const browser = (who: Engineer, consoleCookies: string, spec: RequestSpec) => send(undefined, { ...spec, headers: { ...spec.headers, cookie: `${who.session}; ${consoleCookies}` } });

describe("found: a stolen OpenShift console cookie beside the attacker's own stepgate session", () => {
  it.each<[string, Level, RequestSpec]>([
    ["a production Secret through the console's API proxy", 'aal2', { host: CONSOLE, path: SECRET }],
    ["a Helm chart installed by the console (a hardware key's rule, met by the attacker's own key)", 'aal3', HELM_INSTALL],
    ["a shell in a production pod through the console's terminal", 'aal2', { host: CONSOLE, path: '/api/kubernetes/api/v1/namespaces/prod-eu/pods/web-0/exec?command=sh&stdin=true&stdout=true&tty=true', headers: { connection: 'Upgrade', upgrade: 'websocket' } }],
  ])('%s: credential_ambiguous', async (_what, level, spec) => {
    const victim = await engineer();
    const stolen = consoleCookie();
    // The victim's console page with their own sign-in: the cookie becomes theirs.
    const page = await browser(victim, stolen, { host: CONSOLE, path: '/k8s/ns/dev/pods' });
    expect(reason(page), rules(page)).toBe('allowed');
    const attacker = await engineer(level, 30);
    const res = await browser(attacker, stolen, spec);
    expect(reason(res), rules(res)).toBe('credential_ambiguous');
  });

  // review44: the console reads the cookie through Go's net/http (one pair of quotes dropped) and
  // gorilla/securecookie's base64.URLEncoding (the last character's unused bits ignored): the stolen
  // cookie respelt is the same session to it. Both were allowed, bound afresh to the attacker.
  it.each<[string, (v: string) => string]>([
    ['in double quotes', (v) => `"${v}"`],
    ["with its last character's unused base64 bits set", (v) => {
      const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
      const at = v.length - 3; // 25 bytes: two characters, then '=='; the second carries 4 unused bits
      return `${v.slice(0, at)}${ALPHABET[ALPHABET.indexOf(v[at]!) ^ 1]!}${v.slice(at + 1)}`;
    }],
  ])('the stolen console cookie %s: credential_ambiguous', async (_how, respell) => {
    const victim = await engineer();
    const value = randomBytes(25).toString('base64').replaceAll('+', '-').replaceAll('/', '_');
    await browser(victim, `openshift-session-token=${value}`, { host: CONSOLE, path: '/k8s/ns/dev/pods' });
    const attacker = await engineer('aal2', 30);
    const respelt = respell(value);
    expect(respelt).not.toBe(value);
    expect(Buffer.from(respelt.replaceAll('"', ''), 'base64url')).toEqual(Buffer.from(value, 'base64url'));
    const res = await browser(attacker, `openshift-session-token=${respelt}`, { host: CONSOLE, path: SECRET });
    expect(reason(res), rules(res)).toBe('credential_ambiguous');
  });

  it("the stolen console cookie in a second Cookie header (Envoy's headers map joins the two with ','; the console reads both lines): credential_ambiguous", async () => {
    const victim = await engineer();
    const stolen = consoleCookie();
    await browser(victim, stolen, { host: CONSOLE, path: '/k8s/ns/dev/pods' });
    const attacker = await engineer('aal2', 30);
    const res = await send(undefined, { host: CONSOLE, path: SECRET, headers: { cookie: `${attacker.session}; lang=en,${stolen}` } });
    expect(reason(res), rules(res)).toBe('credential_ambiguous');
  });

  it("the console's refresh-token cookie alone, stolen: credential_ambiguous", async () => {
    const victim = await engineer();
    const refresh = `openshift-refresh-token=MTcw${randomBytes(24).toString('base64url')}`;
    await browser(victim, `${consoleCookie()}; ${refresh}`, { host: CONSOLE, path: '/k8s/ns/dev/pods' });
    const attacker = await engineer('aal2', 30);
    const res = await browser(attacker, refresh, { host: CONSOLE, path: SECRET });
    expect(reason(res), rules(res)).toBe('credential_ambiguous');
  });

  it("beside the attacker's bearer token on a console route that is no API proxy (its Helm page): credential_ambiguous", async () => {
    const victim = await engineer();
    const stolen = consoleCookie();
    await browser(victim, stolen, { host: CONSOLE, path: '/k8s/ns/dev/pods' });
    const attacker = await engineer('aal3', 30);
    const res = await send(attacker.token, { ...HELM_INSTALL, headers: { ...HELM_INSTALL.headers, cookie: stolen } });
    expect(reason(res), rules(res)).toBe('credential_ambiguous');
  });

  it('controls: the victim keeps their console after the attempt, the attacker has his own, cookies emptied at sign-out bind nothing', async () => {
    const victim = await engineer();
    const theirs = consoleCookie();
    for (const path of ['/k8s/ns/dev/pods', '/api/kubernetes/api/v1/namespaces/dev/pods']) {
      const res = await browser(victim, theirs, { host: CONSOLE, path });
      expect(reason(res), `${path} ${rules(res)}`).toBe('allowed');
    }
    const attacker = await engineer('aal2', 30);
    expect(reason(await browser(attacker, theirs, { host: CONSOLE, path: '/k8s/ns/dev/pods' }))).toBe('credential_ambiguous');
    // The refused attempt took nothing over.
    const again = await browser(victim, theirs, { host: CONSOLE, path: '/api/kubernetes/api/v1/namespaces/dev/pods' });
    expect(reason(again), rules(again)).toBe('allowed');
    // The attacker's own console session is his.
    const own = await browser(attacker, consoleCookie(), { host: CONSOLE, path: '/api/kubernetes/api/v1/namespaces/dev/pods' });
    expect(reason(own), rules(own)).toBe('allowed');
    // Signed out of the console: the emptied cookie is no session, for anyone.
    for (const who of [victim, attacker]) {
      const out = await browser(who, 'openshift-session-token=; openshift-refresh-token=""', { host: CONSOLE, path: '/k8s/ns/dev/pods' });
      expect(reason(out), rules(out)).toBe('allowed');
    }
  });
});

/**
 * OpenShift's own kinds are served by its aggregated API servers, whose status strategies copy only
 * the old spec (openshift/openshift-apiserver, pkg/<group>/apiserver/registry/<resource>/strategy.go): a
 * status write of a Route, DeploymentConfig, ImageStream, ClusterResourceQuota or TemplateInstance
 * keeps the metadata it carries. Session 43's table read every group outside kube's own as a
 * custom resource's (status-only), so the everyday one-factor sign-in could give the console's
 * Route an owner that does not exist (the garbage collector deletes it) through its status, where
 * the same patch of the Route is refused (openshift-writes asks two factors).
 */
type StatusWrite = [what: string, method: string, path: string, contentType: string, body: unknown];
const GONE_OWNER = { metadata: { ownerReferences: [{ apiVersion: 'v1', kind: 'ConfigMap', name: 'gone', uid: '6b7a3c1e-0000-4000-8000-00000000dead' }] } };
const statusWrite = async ([, method, path, contentType, body]: StatusWrite) =>
  send(await subjects.tokenOf('aal1', 600), { host: KUBE, method, path, headers: { 'content-type': contentType, 'x-envoy-auth-partial-body': 'false' }, body: JSON.stringify(body) });

describe("found: a status write that carries an OpenShift object's metadata", () => {
  const found: StatusWrite[] = [
    ["the console's Route given an owner that does not exist (the garbage collector deletes it)", 'PATCH', '/apis/route.openshift.io/v1/namespaces/openshift-console/routes/console/status', CONTENT_TYPES.merge, GONE_OWNER],
    ["the oauth server's Route relabelled, by a JSON patch", 'PATCH', '/apis/route.openshift.io/v1/namespaces/openshift-authentication/routes/oauth-openshift/status', CONTENT_TYPES.jsonPatch, [{ op: 'add', path: '/metadata/labels', value: { app: 'not-oauth' } }]],
    ["a DeploymentConfig in openshift given a finalizer (its status strategy resets the labels only)", 'PATCH', '/apis/apps.openshift.io/v1/namespaces/openshift/deploymentconfigs/registry-console/status', CONTENT_TYPES.merge, { metadata: { finalizers: ['example.com/hold'] } }],
    ["the builder image stream every project uses given an owner that does not exist", 'PATCH', '/apis/image.openshift.io/v1/namespaces/openshift/imagestreams/nodejs/status', CONTENT_TYPES.merge, GONE_OWNER],
    ['a TemplateInstance in openshift annotated through its status', 'PUT', '/apis/template.openshift.io/v1/namespaces/openshift/templateinstances/ti-1/status', CONTENT_TYPES.json, { apiVersion: 'template.openshift.io/v1', kind: 'TemplateInstance', metadata: { name: 'ti-1', namespace: 'openshift', annotations: { 'example.com/owner': 'mallory' } }, status: {} }],
    ['a Build status write (a kind of theirs not in the table: judged as keeping metadata)', 'PATCH', '/apis/build.openshift.io/v1/namespaces/openshift/builds/b-1/status', CONTENT_TYPES.merge, GONE_OWNER],
  ];
  it.each(found.map((w) => [w[0], w] as const))('%s: refused, as the write of the object is', async (_what, w) => {
    const res = await statusWrite(w);
    expect(REFUSED, rules(res)).toContain(reason(res));
    expect(rules(res).split(',')).toContain('openshift-writes');
  });

  const controls: StatusWrite[] = [
    ["the console Route's status alone (the router's write)", 'PATCH', '/apis/route.openshift.io/v1/namespaces/openshift-console/routes/console/status', CONTENT_TYPES.merge, { status: { ingress: [{ host: 'console.apps.example.com', routerName: 'default' }] } }],
    ["an OLM ClusterServiceVersion's status with labels (a CustomResourceDefinition's: its status strategy keeps the old metadata whole)", 'PATCH', '/apis/operators.coreos.com/v1alpha1/namespaces/openshift-operators/clusterserviceversions/csv-1/status', CONTENT_TYPES.merge, { metadata: { labels: { a: 'b' } }, status: {} }],
    ["a Build's details (the build pod's write: its strategy copies the old object whole)", 'PUT', '/apis/build.openshift.io/v1/namespaces/openshift/builds/b-1/details', CONTENT_TYPES.json, { apiVersion: 'build.openshift.io/v1', kind: 'Build', metadata: { name: 'b-1', labels: { a: 'b' } }, status: { phase: 'Running' } }],
  ];
  it.each(controls.map((w) => [w[0], w] as const))('control: %s is not judged as the object', async (_what, w) => {
    const res = await statusWrite(w);
    expect(rules(res).split(',')).not.toContain('openshift-writes');
  });
});

/**
 * Headlamp's `/clusters/<c>/me` answers who the caller is from the token of cluster `<c>` (its
 * cookie): read through the `/clusters/*` prefix as the API server's non-resource `GET /me` on that
 * cluster, the one Headlamp uses, with the token cookies held to the verified token as on the proxy.
 */
describe("held: Headlamp's /clusters/<c>/me", () => {
  it('the everyday sign-in: allowed; a stolen token in the cluster\'s cookie beside a fresh sign-in: credential_ambiguous', async () => {
    const token = await subjects.tokenOf('aal1', 600);
    const res = await send(token, { host: 'headlamp.localhost', path: '/clusters/main/me' });
    expect(reason(res), rules(res)).toBe('allowed');
    const stolen = await subjects.tokenOf('aal1', 36_000);
    const mixed = await send(await subjects.tokenOf('aal2', 60), { host: 'headlamp.localhost', path: '/clusters/main/me', headers: { cookie: `headlamp-auth-main.0=${stolen}` } });
    expect(reason(mixed)).toBe('credential_ambiguous');
  });
});

/**
 * The same binding on a shared store (Redis, `on_state_error: fail_closed` as the example ships):
 * a console request whose binding cannot be read or written is refused (state_unavailable), never
 * let through unbound; a request without a console cookie never asks for one, and goes on as the
 * rest of the risk engine lets it while Redis is down.
 */
let redis: RedisServer | undefined;
beforeAll(async () => {
  redis = await startRedis();
});
afterAll(async () => {
  await redis?.stop();
});
const shared = builtServerForFile('session44a-redis', (yaml) => {
  const out = yaml.replace('state:\n  store: memory\n', `state:\n  store: redis\n  redis: { url: "redis://127.0.0.1:${redis!.port}/0" }\n`);
  expect(out).not.toBe(yaml);
  return out;
});
const sharedSubjects = freshSubjects(() => shared().issuer, 'session44a-redis');

describe('the console binding on Redis', () => {
  it('Redis down: a console request is state_unavailable (fail_closed); the same page without a console cookie is not asked', async () => {
    const token = await sharedSubjects.tokenOf('aal2', 60);
    const page = (cookie?: string) => shared().client.check(checkRequest({ host: CONSOLE, source: '10.20.4.17', path: '/k8s/ns/dev/pods', token, headers: { 'user-agent': 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36', ...(cookie === undefined ? {} : { cookie }) } }));
    const theirs = consoleCookie();
    expect(reason(await page(theirs))).toBe('allowed');
    await redis!.kill();
    expect(reason(await page(theirs))).toBe('state_unavailable');
    expect(reason(await page())).toBe('allowed');
  });
});

describe('the server after the round', () => {
  it('is still up and logged nothing on stderr', () => {
    expect(server().child.exitCode).toBeNull();
    expect(server().stderr).toEqual([]);
    expect(shared().child.exitCode).toBeNull();
  });
});
