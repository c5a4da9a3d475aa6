import { CompactSign } from 'jose';
import { describe, expect, it } from 'vitest';
import { builtServerForFile, freshSubjects, KUBE, OFFICE, reason, rules, type Level } from '../support/built-server.js';
import { type CheckResponse } from '../support/grpc-client.js';
import { checkRequest, type RequestSpec } from '../support/requests.js';
import { encodeCbor } from '../support/cbor.js';
import { http } from '../support/stepup.js';

/**
 * A second black-box corpus, written from the attacker's side without reading the first one's
 * rows: request lines kube-apiserver reads in a way a gateway might not, tokens of odd shapes,
 * client-sent headers the upstream believes, and CheckRequests no Envoy builds. Against the built
 * server with the example policy, as attack-corpus is; only the rows that add coverage to
 * attack-corpus and attack-shapes* are kept. Three of them found something (each says so): a
 * client's `X-Remote-Uid` reached the API server, an `amr` that is a bare string counted as the
 * method it names, and a CheckRequest with two different bodies was judged on one of them.
 */

const server = builtServerForFile('fresh-eyes');
const subjects = freshSubjects(() => server().issuer, 'fresh-eyes');
const { tokenOf } = subjects;
const KUBECTL = { 'user-agent': 'kubectl/v1.33.1 (linux/amd64) kubernetes/8adc0f0' };
const JSON_CT = { 'content-type': 'application/json', 'x-envoy-auth-partial-body': 'false' };
const SECRET = '/api/v1/namespaces/prod-eu/secrets/db';
const PODS = '/api/v1/namespaces/dev/pods';
const POD_OK = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'x' }, spec: { containers: [{ name: 'c', image: 'busybox:1.36' }] } };
const POD_PRIV = { ...POD_OK, spec: { containers: [{ name: 'c', image: 'busybox:1.36', securityContext: { privileged: true } }] } };

interface Ask extends Omit<RequestSpec, 'token'> {
  level?: Level;
  age?: number;
  token?: string;
}

async function ask(a: Ask): Promise<CheckResponse> {
  const token = a.token ?? (await tokenOf(a.level ?? 'aal1', a.age ?? 600));
  return server().client.check(checkRequest({ host: KUBE, source: OFFICE, ...a, token, headers: { ...KUBECTL, ...a.headers } }));
}

/** The header names an allow asks Envoy to remove before the upstream. */
const removed = (res: CheckResponse) => res.ok_response?.headers_to_remove ?? [];

describe('fresh eyes: request lines, one factor 10 minutes old', () => {
  it.each<[string, string, string, Record<string, string>, string, string]>([
    // kube trims one trailing '/': still the exec subresource.
    ['exec with a trailing slash', 'POST', `${PODS}/web-0/exec/?command=sh`, {}, 'acr_insufficient', 'pod-shell'],
    // HEAD is kube's get, which stepgate folds into the streaming create as it does a WebSocket GET.
    ['exec by HEAD', 'HEAD', `${PODS}/web-0/exec?command=sh`, {}, 'acr_insufficient', 'pod-shell'],
    ['attach by GET with Connection: upgrade and no Upgrade header', 'GET', `${PODS}/web-0/attach?stdin=true`, { connection: 'upgrade' }, 'acr_insufficient', 'pod-shell'],
    ['the legacy /watch/ prefix on a pod proxy', 'GET', '/api/v1/watch/namespaces/dev/pods/web-0/proxy', {}, 'acr_insufficient', 'pod-shell'],
    ['a Secret name by an unencoded fieldSelector', 'GET', '/api/v1/namespaces/prod-eu/secrets?fieldSelector=metadata.name=db', {}, 'acr_insufficient', 'secrets'],
    ['watch=TRUE (ListOptions folds case)', 'GET', '/api/v1/namespaces/prod-eu/secrets?watch=TRUE', {}, 'acr_insufficient', 'secrets'],
    ['an absolute-form target naming the API host', 'GET', `https://${KUBE}${SECRET}`, {}, 'acr_insufficient', 'secrets'],
  ])('%s (%s %s) is judged as kube reads it', async (_what, method, path, headers, want, rule) => {
    const res = await ask({ method, path, headers });
    expect(reason(res)).toBe(want);
    expect(rules(res)).toContain(rule);
  });

  it.each<[string, Partial<Ask>, string]>([
    ['the API host with the API server\'s port', { host: `${KUBE}:6443` }, 'secrets'],
    ['the API host in capitals with the root dot', { host: `${KUBE.toUpperCase()}.` }, 'secrets'],
    ['the in-cluster name kubernetes.default.svc', { host: 'kubernetes.default.svc' }, 'secrets'],
    ['a web host whose route is tagged for the API server', { host: 'grafana.localhost', context: { 'stepgate.kubernetes': 'true' } }, 'secrets'],
  ])('a Secret read through %s is a Secret read', async (_what, a, rule) => {
    const res = await ask({ path: SECRET, ...a });
    expect(reason(res)).toBe('acr_insufficient');
    expect(rules(res)).toContain(rule);
  });

  it.each<[string, string, string?]>([
    ['the legacy /api/v1/proxy/ verb into a pod', '/api/v1/proxy/namespaces/dev/pods/web-0/admin'],
    ['an overlong UTF-8 slash (%C0%AF)', `${SECRET}%C0%AF`],
    ['an encoded ? inside the name', '/api/v1/namespaces/prod-eu/secrets/db%3Fx'],
    ['an empty namespace (kube: every namespace)', '/api/v1/namespaces//secrets'],
    ['an absolute-form target naming another host', `https://grafana.localhost${SECRET}`],
    ['Headlamp\'s cluster prefix with %2F after it', '/clusters/main%2Fapi/v1/namespaces/prod-eu/secrets/db', 'headlamp.localhost'],
    ['Headlamp\'s cluster prefix with an empty cluster', '/clusters//api/v1/namespaces/prod-eu/secrets/db', 'headlamp.localhost'],
    ['the OpenShift console\'s prefix with a ;parameter', '/api/kubernetes;x/api/v1/namespaces/prod-eu/secrets/db', 'console.localhost'],
  ])('%s is refused: request_invalid', async (_what, path, host) => {
    expect(reason(await ask({ path, ...(host ? { host } : {}) }))).toBe('request_invalid');
  });
});

describe('fresh eyes: token claims of the wrong type, signed by the real issuer, for a Secret read (two factors)', () => {
  // Found: buildIdentity read a bare-string amr as a one-element list, so `"amr": "mfa"` was two
  // factors for a bearer token, while the step-up callback reads the same claims as none.
  it('acr aal1 with amr "mfa" as a string is one factor: acr_insufficient', async () => {
    const res = await ask({ path: SECRET, token: await tokenOf('aal1', 60, { amr: 'mfa' as never }) });
    expect(reason(res)).toBe('acr_insufficient');
  });

  it('control: acr aal1 with amr ["mfa"] is two factors', async () => {
    expect(reason(await ask({ path: SECRET, token: await tokenOf('aal1', 60, { amr: ['mfa'] }) }))).toBe('allowed');
  });

  it('acr and amr under a "__proto__" key of the payload are no claims', async () => {
    const now = subjects.now();
    const claims = { iss: server().issuer.url, aud: 'kubernetes', sub: subjects.subject(), iat: now, exp: now + 600, auth_time: now - 60 };
    const payload = JSON.stringify(claims).replace(/}$/, ',"__proto__":{"acr":"urn:stepgate:aal3","amr":["hwk","mfa"]}}');
    const key = server().issuer.keys.get('rs256-1')!;
    const token = await new CompactSign(new TextEncoder().encode(payload)).setProtectedHeader({ alg: 'RS256', kid: 'rs256-1' }).sign(key.privateKey);
    expect(reason(await ask({ path: SECRET, token }))).toBe('acr_insufficient');
  });
});

describe('fresh eyes: client-sent headers the API server believes', () => {
  // Found: kube's request-header authentication reads X-Remote-Uid (RemoteRequestHeaderUID, on by
  // default from 1.33) beside X-Remote-User; isRequestHeaderIdentity knew only user, group, extra.
  it.each([['x-remote-uid'], ['X-Remote-Uid'], ['x_remote_uid']])('a client\'s %s is removed before the API server', async (name) => {
    const res = await ask({ path: PODS, headers: { [name]: '0' } });
    expect(reason(res)).toBe('allowed');
    expect(removed(res)).toContain(name.toLowerCase());
  });

  it('over the HTTP ext_authz listener too (x-envoy-auth-headers-to-remove)', async () => {
    const res = await http(`${server().authz}${PODS}`, { headers: { host: KUBE, ...KUBECTL, authorization: `Bearer ${await tokenOf('aal3', 0)}`, 'x-remote-uid': '0' } });
    expect(res.status, JSON.stringify(res.headers)).toBe(200);
    expect(String(res.headers['x-envoy-auth-headers-to-remove']).split(',').map((s) => s.trim())).toContain('x-remote-uid');
  });

  // kube reads the first Impersonate-User; Envoy's header_map lists both copies.
  it.each([
    ['system:admin first', ['system:admin', 'bob@example.com']],
    ['system:admin second', ['bob@example.com', 'system:admin']],
  ])('two Impersonate-User headers, %s: impersonation_privileged', async (_what, users) => {
    const req = checkRequest({ host: KUBE, source: OFFICE, path: PODS, token: await tokenOf('aal1', 600), headers: KUBECTL, raw: true });
    const list = (req.attributes.request.http as unknown as { header_map: { headers: { key: string; raw_value: Buffer }[] } }).header_map.headers;
    for (const u of users) list.push({ key: 'impersonate-user', raw_value: Buffer.from(u) });
    const res = await server().client.check(req);
    expect(reason(res)).toBe('acr_insufficient');
    expect(rules(res)).toContain('guardrail:impersonation_privileged');
  });
});

describe('fresh eyes: bodies and CheckRequests no Envoy builds, two factors a minute old', () => {
  const post = (extra: Partial<Ask>) => ask({ level: 'aal2', age: 60, method: 'POST', path: PODS, headers: JSON_CT, ...extra });

  // Found: raw_body won over body whatever body held, so a compliant raw_body beside a privileged
  // body was allowed. Envoy fills one of them; two different ones are refused.
  it.each([
    ['a privileged body beside a compliant raw_body', POD_PRIV, POD_OK],
    ['a compliant body beside a privileged raw_body', POD_OK, POD_PRIV],
  ])('%s: request_invalid', async (_what, body, raw) => {
    expect(reason(await post({ body: JSON.stringify(body), rawBody: Buffer.from(JSON.stringify(raw)) }))).toBe('request_invalid');
  });

  it('control: the same compliant pod in body and raw_body is allowed', async () => {
    const body = JSON.stringify(POD_OK);
    expect(reason(await post({ body, rawBody: Buffer.from(body) }))).toBe('allowed');
  });

  it.each<[string, string, Partial<Ask>]>([
    ['a privileged pod as YAML under a JSON content type (kube: 400)', 'body_unreadable', { body: 'apiVersion: v1\nkind: Pod\nmetadata: {name: x}\nspec:\n  containers:\n  - {name: c, image: "busybox:1.36", securityContext: {privileged: true}}\n' }],
    // CBOR (kube 1.32+ with CBORServingAndStorage) is read since session 46: the privileged pod is seen as such.
    ['a privileged CBOR pod', 'privileged_container', { headers: { ...JSON_CT, 'content-type': 'application/cbor' }, rawBody: encodeCbor(POD_PRIV) }],
    ['a CBOR pod with one key twice (kube refuses it)', 'body_unreadable', { headers: { ...JSON_CT, 'content-type': 'application/cbor' }, rawBody: Buffer.from([0xd9, 0xd9, 0xf7, 0xa2, 0x61, 0x61, 0x01, 0x61, 0x61, 0x02]) }],
    ['two content types joined (protobuf, then JSON)', 'body_unreadable', { headers: { ...JSON_CT, 'content-type': 'application/vnd.kubernetes.protobuf,application/json' }, body: JSON.stringify(POD_PRIV) }],
    ['x-envoy-auth-partial-body: False (not exactly "false")', 'body_truncated', { headers: { ...JSON_CT, 'x-envoy-auth-partial-body': 'False' }, body: JSON.stringify(POD_OK) }],
    ['a 2 MB pod, over limits.max_body_bytes', 'body_truncated', { body: JSON.stringify({ ...POD_OK, metadata: { name: 'x', annotations: { pad: 'x'.repeat(2_000_000) } } }) }],
    // A wrapper padded past the bound hid what it carries (a custom object may be up to etcd's 1.5 MiB);
    // a Secret's type may lie past Envoy's cut (a ClusterResourceSet's, whose values are applied).
    ['a ManifestWork carrying a privileged pod, padded past limits.max_body_bytes', 'body_truncated', { path: '/apis/work.open-cluster-management.io/v1/namespaces/edge-0001/manifestworks', body: JSON.stringify({ apiVersion: 'work.open-cluster-management.io/v1', kind: 'ManifestWork', metadata: { name: 'w', namespace: 'edge-0001', annotations: { pad: 'x'.repeat(1_100_000) } }, spec: { workload: { manifests: [POD_PRIV] } } }) }],
    ['a Secret cut by Envoy before its type', 'body_truncated', { path: '/api/v1/namespaces/dev/secrets', headers: { ...JSON_CT, 'x-envoy-auth-partial-body': 'true' }, body: '{"apiVersion":"v1","kind":"Secret","metadata":{"name":"addons","namespace":"dev"},"data":{"o.yaml":"YXBp' }],
  ])('%s is stepped up by guardrail:%s', async (_what, code, extra) => {
    const res = await post(extra);
    expect(reason(res)).toBe('acr_insufficient');
    expect(rules(res)).toContain(`guardrail:${code}`);
  });
});
