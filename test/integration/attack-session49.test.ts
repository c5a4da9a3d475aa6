import { createPublicKey } from 'node:crypto';
import { connect } from 'node:net';
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey, type JWTPayload } from 'jose';
import { describe, expect, it } from 'vitest';
import { AMR, builtServerForFile, freshSubjects, KUBE, OFFICE, officeRound, reason, rules, type Level } from '../support/built-server.js';
import { checkRequest, type RequestSpec } from '../support/requests.js';

/**
 * Session 49's black-box corpus over the whole request surface, through the build `npm start`
 * serves (examples/stepgate.yaml, a real grpc-js client over loopback). The attacker holds a real
 * engineer's everyday token (one factor, ten minutes old) on the engineer's usual network (the
 * office, after the engineer's own routine read), and tries a sensitive action without being asked:
 * read a production Secret, exec into a production pod, bind cluster-admin, patch a production
 * Deployment. Each is sent in the shapes kube-apiserver reads the same (its request-info parser and
 * handler chain), in the shapes Envoy's CheckRequest carries, and with the token itself bent. Every
 * refused row answers with something other than `allowed` (a step-up, a deny, request_invalid,
 * token_invalid); the control rows are the routine requests those shapes must not catch.
 */

// The HTTP listener's rows come through a proxy at 127.0.0.1 on behalf of the office (as nginx or
// Envoy's HTTP mode would send them); nothing else of the example changes.
const server = builtServerForFile('session49', (yaml) => yaml.replace('  shutdown_grace_seconds: 10', '  shutdown_grace_seconds: 10\n  trusted_proxies: [127.0.0.1]'));
const subjects = freshSubjects(() => server().issuer, 'session49');
const { signedIn, send } = officeRound(server, subjects);

const SECRET = '/api/v1/namespaces/prod/secrets/db-credentials';
const EXEC = '/api/v1/namespaces/prod/pods/web-0/exec?command=sh&stdin=true&stdout=true&tty=true&container=web';
const CRB = '/apis/rbac.authorization.k8s.io/v1/clusterrolebindings';
const DEPLOY = '/apis/apps/v1/namespaces/prod/deployments/web';
const bindAdmin = JSON.stringify({ apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRoleBinding', metadata: { name: 'mallory-admin' }, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'cluster-admin' }, subjects: [{ kind: 'User', name: 'mallory', apiGroup: 'rbac.authorization.k8s.io' }] });
const scaleDown = JSON.stringify({ spec: { replicas: 0 } });

const get = (path: string, headers: Record<string, string> = {}): RequestSpec => ({ host: KUBE, path, headers });
const write = (method: string, path: string, body: string, type = 'application/json', headers: Record<string, string> = {}): RequestSpec => ({
  host: KUBE,
  method,
  path,
  body,
  headers: { 'content-type': type, 'x-envoy-auth-partial-body': 'false', ...headers },
});

/** Every row is sent with a fresh everyday token after its owner's own read: anything but `allowed`. */
const refused = (rows: [string, RequestSpec][]) =>
  it.each(rows)('%s: not allowed on the everyday sign-in', async (_what, spec) => {
    const res = await send(await signedIn('aal1', 600), spec);
    expect(reason(res), rules(res)).not.toBe('allowed');
  });
const allowed = (rows: [string, RequestSpec][]) =>
  it.each(rows)('%s: allowed on the everyday sign-in (control)', async (_what, spec) => {
    const res = await send(await signedIn('aal1', 600), spec);
    expect(reason(res), rules(res)).toBe('allowed');
  });

describe('a production Secret read in the path shapes kube-apiserver reads the same', () => {
  refused([
    ['the plain read', get(SECRET)],
    ['a leading //', get(`/${SECRET}`)],
    ['// after api/v1', get(SECRET.replace('/api/v1/', '/api/v1//'))],
    ['// before the name', get(SECRET.replace('/secrets/', '/secrets//'))],
    ['/./ inside', get(SECRET.replace('/namespaces/', '/./namespaces/'))],
    ['/x/../ inside', get(SECRET.replace('/namespaces/prod/', '/namespaces/dev/../prod/'))],
    ['%2F before the name', get(SECRET.replace('/secrets/', '/secrets%2F'))],
    ['%2f before the name', get(SECRET.replace('/secrets/', '/secrets%2f'))],
    ['%2e%2e segment', get(SECRET.replace('/namespaces/prod/', '/namespaces/dev/%2e%2e/prod/'))],
    ['%2E segment', get(SECRET.replace('/namespaces/', '/%2E/namespaces/'))],
    ['the resource percent-encoded (%73ecrets)', get(SECRET.replace('/secrets/', '/%73ecrets/'))],
    ['the namespace percent-encoded (%70rod)', get(SECRET.replace('/prod/', '/%70rod/'))],
    [';params on the resource segment', get(SECRET.replace('/secrets/', '/secrets;x=1/'))],
    [';params on the name', get(`${SECRET};x=1`)],
    ['a trailing /', get(`${SECRET}/`)],
    ['a trailing %2F', get(`${SECRET}%2F`)],
    ['a fragment', get(`${SECRET}#x`)],
    ['an empty query', get(`${SECRET}?`)],
    ['a backslash before the name', get(SECRET.replace('/secrets/', '/secrets\\'))],
    ['a NUL after the name', get(`${SECRET}%00`)],
    ['a tab after the name', get(`${SECRET}%09`)],
    ['?watch=1', get(`${SECRET}?watch=1`)],
    ['/watch/ prefix', get(SECRET.replace('/api/v1/', '/api/v1/watch/'))],
    ['the list', get('/api/v1/namespaces/prod/secrets')],
    ['the list with a trailing /', get('/api/v1/namespaces/prod/secrets/')],
    ['the list with fieldSelector metadata.name=', get('/api/v1/namespaces/prod/secrets?fieldSelector=metadata.name%3Ddb-credentials')],
    ['the list with fieldSelector unescaped', get('/api/v1/namespaces/prod/secrets?fieldSelector=metadata.name=db-credentials')],
    ['every namespace\'s Secrets', get('/api/v1/secrets')],
    ['every namespace\'s Secrets watched', get('/api/v1/watch/secrets')],
    ['every namespace\'s Secrets ?watch=true', get('/api/v1/secrets?watch=true&resourceVersion=0')],
    ['the Secret as a table', get(SECRET, { accept: 'application/json;as=Table;v=v1;g=meta.k8s.io' })],
    ['the Secret as protobuf', get(SECRET, { accept: 'application/vnd.kubernetes.protobuf' })],
    ['the Secret metadata only (PartialObjectMetadata)', get(SECRET, { accept: 'application/json;as=PartialObjectMetadata;v=v1;g=meta.k8s.io' })],
    ['HEAD', { ...get(SECRET), method: 'HEAD' }],
    ['lower-case get', { ...get(SECRET), method: 'get' }],
    ['GET with a body', { ...get(SECRET), body: '{}' }],
    ['X-HTTP-Method-Override: GET on a POST', write('POST', SECRET, '{}', 'application/json', { 'x-http-method-override': 'GET' })],
    ['?dryRun=All on a read', get(`${SECRET}?dryRun=All`)],
    ['the /status of a Secret', get(`${SECRET}/status`)],
    ['the Secret\'s name with upper-case letters', get('/api/v1/namespaces/prod/secrets/DB-credentials')],
    ['the Secret by a host with a port', { ...get(SECRET), host: `${KUBE}:443` }],
    ['the Secret by an upper-case host', { ...get(SECRET), host: KUBE.toUpperCase() }],
    ['the Secret by a host with a trailing dot', { ...get(SECRET), host: `${KUBE}.` }],
    ['x-envoy-original-path naming a dev read', get(SECRET, { 'x-envoy-original-path': '/api/v1/namespaces/dev/pods' })],
    ['a host header naming another host beside :authority', get(SECRET, { host: 'grafana.localhost' })],
    ['the Secret via /api/v1/namespaces/prod/secrets?fieldSelector with labelSelector and limit', get('/api/v1/namespaces/prod/secrets?limit=1&labelSelector=app%3Dweb')],
    ['a system namespace\'s Secret', get('/api/v1/namespaces/kube-system/secrets/bootstrap-token-abcdef')],
    ['legacy /apis/extensions shape', get('/apis/extensions/v1beta1/namespaces/prod/secrets/db-credentials')],
    ['an aggregated API\'s path to the same namespace (metrics)', get('/apis/metrics.k8s.io/v1beta1/namespaces/prod/pods/../../../../../api/v1/namespaces/prod/secrets/db-credentials')],
  ]);
});

describe('a shell in a production pod in every shape', () => {
  refused([
    ['POST exec', write('POST', EXEC, '')],
    ['GET exec (websocket)', get(EXEC, { connection: 'Upgrade', upgrade: 'websocket', 'sec-websocket-protocol': 'v5.channel.k8s.io' })],
    ['exec with a trailing /', write('POST', EXEC.replace('/exec?', '/exec/?'), '')],
    ['exec //', write('POST', EXEC.replace('/pods/', '/pods//'), '')],
    ['exec %2F', write('POST', EXEC.replace('/exec?', '%2Fexec?'), '')],
    ['exec upper case', write('POST', EXEC.replace('/exec?', '/EXEC?'), '')],
    ['exec ;params', write('POST', EXEC.replace('/exec?', '/exec;a=b?'), '')],
    ['attach', write('POST', '/api/v1/namespaces/prod/pods/web-0/attach?stdin=true&stdout=true&tty=true', '')],
    ['portforward', write('POST', '/api/v1/namespaces/prod/pods/web-0/portforward?ports=5432', '')],
    ['pod proxy', get('/api/v1/namespaces/prod/pods/web-0/proxy/debug/pprof/')],
    ['pod proxy with scheme and port', get('/api/v1/namespaces/prod/pods/https:web-0:8443/proxy/admin')],
    ['service proxy', get('/api/v1/namespaces/prod/services/web:80/proxy/admin')],
    ['node proxy to the kubelet\'s exec', write('POST', '/api/v1/nodes/node-1/proxy/exec/prod/web-0/web?command=sh&input=1&output=1&tty=1', '')],
    ['node proxy to the kubelet\'s run', write('POST', '/api/v1/nodes/node-1/proxy/run/prod/web-0/web?cmd=id', '')],
    ['ephemeralcontainers', write('PATCH', '/api/v1/namespaces/prod/pods/web-0/ephemeralcontainers', JSON.stringify({ spec: { ephemeralContainers: [{ name: 'dbg', image: 'busybox', stdin: true, tty: true, targetContainerName: 'web' }] } }), 'application/strategic-merge-patch+json')],
    ['exec via the watch prefix', write('POST', EXEC.replace('/api/v1/', '/api/v1/watch/'), '')],
    ['exec with X-HTTP-Method-Override GET', write('POST', EXEC, '', 'application/json', { 'x-http-method-override': 'GET' })],
    ['exec as an OPTIONS', { ...get(EXEC), method: 'OPTIONS' }],
    ['exec as CONNECT', { ...get(EXEC), method: 'CONNECT' }],
  ]);
});

describe('cluster-admin bound, and a production Deployment patched', () => {
  refused([
    ['a ClusterRoleBinding to cluster-admin', write('POST', CRB, bindAdmin)],
    ['the same under //', write('POST', CRB.replace('/apis/', '/apis//'), bindAdmin)],
    ['the same with a trailing /', write('POST', `${CRB}/`, bindAdmin)],
    ['the same under v1beta1', write('POST', CRB.replace('/v1/', '/v1beta1/'), bindAdmin)],
    ['the same with ?dryRun=All&dryRun=', write('POST', `${CRB}?dryRun=All&dryRun=`, bindAdmin)],
    ['the same as a server-side apply', write('PATCH', `${CRB}/mallory-admin?fieldManager=kubectl`, bindAdmin, 'application/apply-patch+yaml')],
    ['the same as a PUT', write('PUT', `${CRB}/mallory-admin`, bindAdmin)],
    ['the same as a POST with X-HTTP-Method-Override: GET', write('POST', CRB, bindAdmin, 'application/json', { 'x-http-method-override': 'GET' })],
    ['the same with the body truncated (partial body) past the roleRef', write('POST', CRB, bindAdmin.slice(0, 60), 'application/json', { 'x-envoy-auth-partial-body': 'true' })],
    ['a RoleBinding in prod to cluster-admin', write('POST', '/apis/rbac.authorization.k8s.io/v1/namespaces/prod/rolebindings', bindAdmin.replace('ClusterRoleBinding', 'RoleBinding'))],
    ['the Deployment scaled to 0', write('PATCH', DEPLOY, scaleDown, 'application/merge-patch+json')],
    ['the Deployment patch under /apis/extensions', write('PATCH', DEPLOY.replace('/apis/apps/v1/', '/apis/extensions/v1beta1/'), scaleDown, 'application/merge-patch+json')],
    ['the Deployment patch with an upper-case method', write('patch', DEPLOY, scaleDown, 'application/merge-patch+json')],
    ['the Deployment patch with ?dryRun=None', write('PATCH', `${DEPLOY}?dryRun=None`, scaleDown, 'application/merge-patch+json')],
    ['the Deployment /scale', write('PATCH', `${DEPLOY}/scale`, scaleDown, 'application/merge-patch+json')],
    ['the Deployment patch under //', write('PATCH', DEPLOY.replace('/namespaces/', '//namespaces/'), scaleDown, 'application/merge-patch+json')],
    ['the Deployment patch with %2F', write('PATCH', DEPLOY.replace('/deployments/', '/deployments%2F'), scaleDown, 'application/merge-patch+json')],
    ['the Deployment patch with /./', write('PATCH', DEPLOY.replace('/deployments/', '/./deployments/'), scaleDown, 'application/merge-patch+json')],
    ['the Deployment deleted with a body', write('DELETE', DEPLOY, JSON.stringify({ propagationPolicy: 'Background' }))],
    ['deletecollection of prod Deployments', { host: KUBE, method: 'DELETE', path: '/apis/apps/v1/namespaces/prod/deployments' }],
  ]);
});

describe('impersonation headers in any case and kubectl --as shapes', () => {
  const secret = (headers: Record<string, string>): RequestSpec => get('/api/v1/namespaces/dev/configmaps', headers);
  refused([
    ['Impersonate-Group system:masters', secret({ 'impersonate-user': 'alice', 'impersonate-group': 'system:masters' })],
    ['Impersonate-User system:admin', secret({ 'impersonate-user': 'system:admin' })],
    ['IMPERSONATE-USER (upper case, gRPC map keys as sent)', secret({ 'IMPERSONATE-USER': 'system:admin' })],
    ['Impersonate-User of a kube-system service account', secret({ 'impersonate-user': 'system:serviceaccount:kube-system:generic-garbage-collector' })],
    ['Impersonate-Uid with a privileged user', secret({ 'impersonate-user': 'kubernetes-admin', 'impersonate-uid': '0' })],
    ['Impersonate-Extra-* with a privileged group', secret({ 'impersonate-user': 'alice', 'impersonate-group': 'system:masters', 'impersonate-extra-scopes': 'x' })],
    ['two Impersonate-Group values joined by Envoy', secret({ 'impersonate-user': 'alice', 'impersonate-group': 'developers,system:masters' })],
    ['Impersonate-Group with spaces around the join', secret({ 'impersonate-user': 'alice', 'impersonate-group': 'developers , system:masters' })],
    ['Impersonate-User with a node name', secret({ 'impersonate-user': 'system:node:node-1' })],
  ]);
});

describe('Envoy CheckRequest shapes', () => {
  refused([
    ['the Secret with the :path in the header map and http.path differing', { ...get(SECRET), headers: { ':path': SECRET } }],
    ['a Secret read with the raw header map (encode_raw_headers)', { ...get(SECRET), raw: true }],
    ['x-forwarded-for naming the office past the trusted hops, from elsewhere', { ...get(SECRET), source: '198.51.100.23', headers: { 'x-forwarded-for': `${OFFICE}, 198.51.100.23` } }],
    ['the exec body in raw_body rather than body', { ...write('POST', EXEC, ''), body: undefined, rawBody: new Uint8Array() }],
    ['a ClusterRoleBinding in raw_body', { ...write('POST', CRB, ''), body: undefined, rawBody: Buffer.from(bindAdmin) }],
    ['a ClusterRoleBinding with both body and raw_body differing', { ...write('POST', CRB, '{}'), rawBody: Buffer.from(bindAdmin) }],
    ['a ClusterRoleBinding in a partial body cut before the roleRef', write('POST', CRB, bindAdmin.slice(0, bindAdmin.indexOf('roleRef')), 'application/json', { 'x-envoy-auth-partial-body': 'true' })],
    ['a ClusterRoleBinding as a partial body of a JSON patch', write('PATCH', `${CRB}/view-all`, JSON.stringify([{ op: 'replace', path: '/roleRef/name', value: 'cluster-admin' }]).slice(0, 30), 'application/json-patch+json', { 'x-envoy-auth-partial-body': 'true' })],
    ['the Deployment patch in upper-case header names', write('PATCH', DEPLOY, scaleDown, 'application/merge-patch+json', { 'CONTENT-TYPE': 'application/merge-patch+json' })],
    ['two Content-Types joined', write('PATCH', DEPLOY, scaleDown, 'application/merge-patch+json,application/json')],
  ]);
});

/** A token with an arbitrary header and payload signed by `key` (HS*), or unsigned. */
async function forged(alg: string, payload: JWTPayload, secret?: Uint8Array): Promise<string> {
  const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');
  if (!secret) return `${b64({ alg, typ: 'JWT' })}.${b64(payload)}.`;
  return new SignJWT(payload).setProtectedHeader({ alg, typ: 'JWT', kid: 'rs256-1' }).sign(secret);
}

describe('tokens: bent, doubled, forged', () => {
  const now = () => Math.floor(Date.now() / 1000);
  const claims = (level: Level, more: JWTPayload = {}): JWTPayload => {
    const sub = `session49-tok-${Math.random().toString(36).slice(2)}@example.com`;
    return { sub, email: sub, acr: `urn:stepgate:${level}`, amr: AMR[level], auth_time: now() - 60, ...more };
  };
  const strong = (more: JWTPayload = {}, header: Record<string, unknown> = {}) => server().issuer.token(claims('aal3', more), { header });
  /** Signed by the issuer's own RS256 key with any protected header, as a hostile IdP client could not but a lax verifier might read. */
  const signedRaw = async (header: Record<string, unknown>, payload: JWTPayload): Promise<string> => {
    const key = (server().issuer as unknown as { keys: Map<string, { privateKey: CryptoKey }> }).keys.get('rs256-1')!.privateKey;
    const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');
    const full = { iss: server().issuer.url, aud: 'kubernetes', iat: now(), exp: now() + 600, groups: ['engineers'], ...payload };
    const input = `${b64({ alg: 'RS256', kid: 'rs256-1', typ: 'JWT', ...header })}.${header.b64 === false ? JSON.stringify(full) : b64(full)}`;
    const sig = await crypto.subtle.sign('RSASSA-PKCS1-v1_5', key, Buffer.from(input));
    return `${input}.${Buffer.from(sig).toString('base64url')}`;
  };
  /** A token the attacker signs with a key of their own, with header fields naming where to find it. */
  const ownKey = async (extra: (jwk: object) => Promise<Record<string, unknown>>): Promise<string> => {
    const { privateKey, publicKey } = await generateKeyPair('RS256');
    const jwk = await exportJWK(publicKey);
    const full = { iss: server().issuer.url, aud: 'kubernetes', iat: now(), exp: now() + 600, groups: ['engineers'], ...claims('aal3') };
    return new SignJWT(full).setProtectedHeader({ alg: 'RS256', kid: 'rs256-1', typ: 'JWT', ...(await extra(jwk)) }).sign(privateKey);
  };
  const withToken = async (token: string | undefined, headers: Record<string, string> = {}, path = SECRET) => {
    const res = await send(token, get(path, headers));
    return reason(res);
  };

  it('control: a real aal3 token, a minute old, reads the production Secret', async () => {
    expect(await withToken(await strong())).toBe('allowed');
  });

  it.each<[string, () => Promise<string>]>([
    ['alg none', async () => forged('none', { ...claims('aal3'), iss: server().issuer.url, aud: 'kubernetes', iat: now(), exp: now() + 600 })],
    ['HS256 signed with the RS256 public key (PEM)', async () => {
      const pem = createPublicKey({ key: server().issuer.publicJwk('rs256-1') as never, format: 'jwk' }).export({ type: 'spki', format: 'pem' });
      return forged('HS256', { ...claims('aal3'), iss: server().issuer.url, aud: 'kubernetes', iat: now(), exp: now() + 600 }, Buffer.from(pem));
    }],
    ['HS256 signed with the RS256 JWK n', async () => forged('HS256', { ...claims('aal3'), iss: server().issuer.url, aud: 'kubernetes', iat: now(), exp: now() + 600 }, Buffer.from(String(server().issuer.publicJwk('rs256-1').n)))],
    ['crit naming an unknown extension', () => signedRaw({ crit: ['x-unknown'], 'x-unknown': true }, claims('aal3'))],
    ['b64:false with crit (an unencoded payload)', () => signedRaw({ crit: ['b64'], b64: false }, claims('aal3'))],
    ['crit as an empty list', () => signedRaw({ crit: [] }, claims('aal3'))],
    ['a kid with a path', () => strong({}, { kid: '../../rs256-1' })],
    ['the attacker\'s own key embedded as a jwk header', () => ownKey(async (jwk) => ({ jwk }))],
    ['the attacker\'s own key behind a jku header', () => ownKey(async () => ({ jku: 'https://attacker.example/jwks.json' }))],
    ['the attacker\'s own key behind an x5u header', () => ownKey(async () => ({ x5u: 'https://attacker.example/cert.pem' }))],
    ['the attacker\'s own key under the issuer\'s kid', () => ownKey(async () => ({}))],
    ['the issuer\'s RS256 kid on an ES256 key\'s signature', () => server().issuer.token(claims('aal3'), { kid: 'es256-1', header: { kid: 'rs256-1' } })],
    ['exp as a string', () => strong({ exp: String(now() + 600) as unknown as number })],
    ['exp a float, on a one-factor sign-in', () => server().issuer.token({ ...claims('aal1'), exp: now() + 600.5 })],
    ['exp a huge number, on a one-factor sign-in', () => server().issuer.token({ ...claims('aal1'), exp: 1e20 })],
    ['nbf in the future', () => strong({ nbf: now() + 3600 })],
    ['auth_time in the future', () => strong({ auth_time: now() + 3600 })],
    ['auth_time after iat', () => strong({ auth_time: now() + 120, iat: now() })],
    ['auth_time as a string', () => strong({ auth_time: String(now()) as unknown as number })],
    ['acr as an array naming aal3', () => server().issuer.token({ ...claims('aal1'), acr: ['urn:stepgate:aal3'] as unknown as string })],
    ['acr as an array with aal1 and aal3', () => server().issuer.token({ ...claims('aal1'), acr: ['urn:stepgate:aal1', 'urn:stepgate:aal3'] as unknown as string })],
    ['amr as a string hwk', () => server().issuer.token({ ...claims('aal1'), acr: undefined, amr: 'hwk mfa' as unknown as string[] })],
    ['amr with odd values (HWK upper case)', () => server().issuer.token({ ...claims('aal1'), acr: undefined, amr: ['HWK', 'MFA'] })],
    ['amr with an object naming mfa', () => server().issuer.token({ ...claims('aal1'), acr: undefined, amr: [{ mfa: true }, 'pwd'] as unknown as string[] })],
    ['amr with a nested array [[hwk, mfa]]', () => server().issuer.token({ ...claims('aal1'), acr: undefined, amr: [['hwk', 'mfa']] as unknown as string[] })],
    ['amr with mfa padded (" mfa")', () => server().issuer.token({ ...claims('aal1'), acr: undefined, amr: [' mfa', 'pwd'] })],
    ['a nested JWT (cty JWT) whose inner token is aal3', async () => {
      const inner = await strong();
      return server().issuer.token({ ...claims('aal1'), inner } as JWTPayload, { header: { cty: 'JWT' } });
    }],
    ['iat in the future', () => strong({ iat: now() + 3600 })],
  ])('%s: the Secret is not allowed', async (_what, make) => {
    const token = await make();
    // The aal3 rows would be allowed by a forged signature or an ignored header or claim check; the aal1 ones by a lax reading of acr or amr.
    expect(await withToken(token)).not.toBe('allowed');
  });

  it.each<[string, (weak: string, strong: string) => Record<string, string>]>([
    ['Authorization twice (joined by Envoy), weak first', (w, s) => ({ authorization: `Bearer ${w},Bearer ${s}` })],
    ['Authorization twice, strong first', (w, s) => ({ authorization: `Bearer ${s},Bearer ${w}` })],
    ['bearer lower case with two spaces', (_w, s) => ({ authorization: `bearer  ${s}x` })],
    ['a cookie and a header with different subjects', (w, s) => ({ authorization: `Bearer ${w}`, cookie: `access_token=${s}; stepgate_session=${s}` })],
    ['an access_token query parameter beside the header (kube-apiserver ignores it)', (w) => ({ authorization: `Bearer ${w}` })],
  ])('%s: no allow on a token other than the one kube-apiserver reads', async (what, headers) => {
    const weak = await subjects.tokenOf('aal1', 36_000);
    const s = await strong();
    const path = what.includes('access_token') ? `${SECRET}?access_token=${s}` : SECRET;
    const res = await send(undefined, get(path, headers(weak, s)));
    // kube-apiserver reads one Authorization header (the first); a joined pair is no credential it accepts.
    expect(reason(res), rules(res)).not.toBe('allowed');
  });
});


describe('bodies kube-apiserver decodes the same: cluster-admin bound', () => {
  const crb = (body: string, type = 'application/json', headers: Record<string, string> = {}) => write('POST', CRB, body, type, headers);
  refused([
    ['roleRef.name twice (view, then cluster-admin: the last is kept)', crb(bindAdmin.replace('"name":"cluster-admin"', '"name":"view","name":"cluster-admin"'))],
    ['roleRef twice (a view one, then cluster-admin)', crb(bindAdmin.replace('"roleRef":', '"roleRef":{"apiGroup":"rbac.authorization.k8s.io","kind":"ClusterRole","name":"view"},"roleRef":'))],
    ['cluster-admin spelt with a JSON escape', crb(bindAdmin.replace('cluster-admin', 'cluster\\u002dadmin'))],
    ['a UTF-8 BOM before the body', crb(`\uFEFF${bindAdmin}`)],
    ['a charset parameter on the content type', crb(bindAdmin, 'application/json; charset=utf-8')],
    ['the content type in upper case', crb(bindAdmin, 'Application/JSON')],
    ['YAML', crb('apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRoleBinding\nmetadata: {name: m}\nroleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: cluster-admin}\nsubjects: [{kind: User, name: mallory}]\n', 'application/yaml')],
    ['YAML with an anchor for the role', crb('apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRoleBinding\nmetadata: {name: &r cluster-admin}\nroleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: *r}\nsubjects: [{kind: User, name: mallory}]\n', 'application/yaml')],
    ['no content type', { ...write('POST', CRB, bindAdmin), headers: { 'x-envoy-auth-partial-body': 'false' } }],
    ['content-encoding gzip on a plain body', crb(bindAdmin, 'application/json', { 'content-encoding': 'gzip' })],
    ['a second JSON document after the first', crb(`{"apiVersion":"v1","kind":"List"}${bindAdmin}`)],
    ['a List wrapping the binding', crb(JSON.stringify({ apiVersion: 'v1', kind: 'List', items: [JSON.parse(bindAdmin)] }))],
    ['a JSON patch replacing a binding\'s roleRef', write('PATCH', `${CRB}/viewers`, JSON.stringify([{ op: 'replace', path: '/roleRef/name', value: 'cluster-admin' }]), 'application/json-patch+json')],
    ['a merge patch adding a subject to cluster-admin\'s own binding', write('PATCH', `${CRB}/cluster-admin`, JSON.stringify({ subjects: [{ kind: 'User', name: 'mallory' }] }), 'application/merge-patch+json')],
  ]);
});

describe('Envoy CheckRequest fields that disagree with each other', () => {
  const req = async (mutate: (r: ReturnType<typeof checkRequest>) => void, spec: RequestSpec) => {
    const token = await signedIn('aal1', 600);
    const r = checkRequest({ source: OFFICE, token, ...spec, headers: { 'user-agent': 'kubectl/v1.34.1 (linux/amd64) kubernetes/93248f9', ...spec.headers } });
    mutate(r);
    return server().client.check(r);
  };
  type Http = { method: string; path: string; host: string; headers?: Record<string, string>; header_map?: { headers: { key: string; raw_value: Buffer }[] } };
  const http = (r: ReturnType<typeof checkRequest>) => r.attributes.request.http as unknown as Http;
  it.each<[string, RequestSpec, (r: ReturnType<typeof checkRequest>) => void]>([
    ['http.path a dev read, :path the Secret', get(SECRET), (r) => (http(r).path = '/api/v1/namespaces/dev/pods')],
    [':path a dev read, http.path the Secret', get(SECRET), (r) => (http(r).headers![':path'] = '/api/v1/namespaces/dev/pods')],
    ['http.method GET, :method POST on a ClusterRoleBinding', write('POST', CRB, bindAdmin), (r) => (http(r).method = 'GET')],
    [':method GET, http.method POST on a ClusterRoleBinding', write('POST', CRB, bindAdmin), (r) => (http(r).headers![':method'] = 'GET')],
    ['http.host another host, :authority the API', get(SECRET), (r) => (http(r).host = 'grafana.localhost')],
    [':authority another host, http.host the API', get(SECRET), (r) => (http(r).headers![':authority'] = 'grafana.localhost')],
    ['no :authority, a host header naming the API', get(SECRET), (r) => { delete http(r).headers![':authority']; http(r).headers!.host = KUBE; http(r).host = ''; }],
    ['raw header map: Impersonate-Group twice as separate entries (developers, then system:masters)', { ...get('/api/v1/namespaces/dev/configmaps', { 'impersonate-user': 'alice' }), raw: true }, (r) => http(r).header_map!.headers.push({ key: 'impersonate-group', raw_value: Buffer.from('developers') }, { key: 'Impersonate-Group', raw_value: Buffer.from('system:masters') })],
    ['raw header map: Authorization twice as separate entries (a stolen aal1, then the victim\'s)', { ...get(SECRET), raw: true }, (r) => http(r).header_map!.headers.push({ key: 'Authorization', raw_value: Buffer.from('Bearer x.y.z') })],
    ['raw header map: :path twice (the Secret, then a dev read)', { ...get(SECRET), raw: true }, (r) => http(r).header_map!.headers.push({ key: ':path', raw_value: Buffer.from('/api/v1/namespaces/dev/pods') })],
    ['raw header map: :authority twice (the API, then another host)', { ...get(SECRET), raw: true }, (r) => http(r).header_map!.headers.push({ key: ':authority', raw_value: Buffer.from('grafana.localhost') })],
    ['raw header map: :method twice (POST, then GET) on a ClusterRoleBinding', { ...write('POST', CRB, bindAdmin), raw: true }, (r) => http(r).header_map!.headers.push({ key: ':method', raw_value: Buffer.from('GET') })],
  ])('%s: not allowed', async (_what, spec, mutate) => {
    const res = await req(mutate, spec);
    expect(reason(res), rules(res)).not.toBe('allowed');
  });
});


describe('the API server by another name, and through the proxies that pass it on', () => {
  const at = (host: string, path: string, headers: Record<string, string> = {}): RequestSpec => ({ host, path, headers });
  refused([
    ['kubernetes.default.svc in mixed case', at('Kubernetes.Default.SVC', SECRET)],
    ['kubernetes.default.svc.cluster.local with a trailing dot and a port', at('kubernetes.default.svc.cluster.local.:443', SECRET)],
    ['kubernetes with a port', at('kubernetes:443', SECRET)],
    ['kube.localhost with an empty port', at('kube.localhost:', SECRET)],
    ['kube.localhost with userinfo', at('x@kube.localhost', SECRET)],
    ['Headlamp: the Secret under /clusters/<name>/', at('headlamp.localhost', `/clusters/main${SECRET}`)],
    ['Headlamp: // after the cluster', at('headlamp.localhost', `/clusters/main/${SECRET}`)],
    ['Headlamp: %2F between the cluster and the API', at('headlamp.localhost', `/clusters/main%2F${SECRET.slice(1)}`)],
    ['Headlamp: upper-case prefix', at('headlamp.localhost', `/CLUSTERS/main${SECRET}`)],
    ['Headlamp: /./ before the prefix', at('headlamp.localhost', `/./clusters/main${SECRET}`)],
    ['Headlamp: exec through the prefix (websocket)', at('headlamp.localhost', `/clusters/main${EXEC}`, { connection: 'Upgrade', upgrade: 'websocket', 'sec-websocket-protocol': 'base64.channel.k8s.io' })],
    ['Backstage: the Secret through its proxy', at('backstage.localhost', `/api/kubernetes/proxy${SECRET}`, { 'backstage-kubernetes-cluster': 'prod' })],
    ['Backstage: the Secret through its proxy with a trailing /', at('backstage.localhost', `/api/kubernetes/proxy${SECRET}/`, { 'backstage-kubernetes-cluster': 'prod' })],
    ['OpenShift console: the Secret under /api/kubernetes', at('console.localhost', `/api/kubernetes${SECRET}`)],
    ['OpenShift console: the Secret under /api/kubernetes//', at('console.localhost', `/api/kubernetes/${SECRET}`)],
    ['Dashboard: its Secret read', at('dashboard.localhost', '/api/v1/secret/prod/db-credentials')],
    ['Dashboard: its Secret read with a trailing /', at('dashboard.localhost', '/api/v1/secret/prod/db-credentials/')],
    ['Dashboard: its Secret read under //', at('dashboard.localhost', '/api/v1//secret/prod/db-credentials')],
    ['Dashboard: its Secret read with %2F', at('dashboard.localhost', '/api/v1/secret%2Fprod/db-credentials')],
    ['Dashboard: its Secret list', at('dashboard.localhost', '/api/v1/secret/prod')],
    ['Dashboard: its Secret read with the raw API passthrough', at('dashboard.localhost', `/api/v1/_raw/secret/namespace/prod/name/db-credentials`)],
    ['Rancher: the Secret under /k8s/clusters/<id>/', at('rancher.localhost', `/k8s/clusters/c-m-abcd${SECRET}`)],
    ['Rancher: Steve\'s Secret read', at('rancher.localhost', '/v1/secrets/prod/db-credentials')],
    ['Rancher: Steve\'s Secret read with a trailing /', at('rancher.localhost', '/v1/secrets/prod/db-credentials/')],
    ['Rancher: Steve\'s Secret read for a downstream cluster', at('rancher.localhost', '/k8s/clusters/c-m-abcd/v1/secrets/prod/db-credentials')],
    ['Rancher: the local cluster\'s /api with //', at('rancher.localhost', `/${SECRET}`)],
  ]);
});

describe('the WebSocket bearer subprotocol kube-apiserver reads when Authorization is absent or fails', () => {
  const proto = (token: string) => `base64url.bearer.authorization.k8s.io.${Buffer.from(token).toString('base64url').replace(/=+$/, '')}`;
  const ws = (protocol: string, headers: Record<string, string> = {}): RequestSpec => get(EXEC, { connection: 'Upgrade', upgrade: 'websocket', 'sec-websocket-protocol': `v5.channel.k8s.io, ${protocol}`, ...headers });
  it('exec with the everyday token only in the subprotocol: not allowed', async () => {
    const token = await signedIn('aal1', 600);
    const res = await send(undefined, ws(proto(token)));
    expect(reason(res), rules(res)).not.toBe('allowed');
  });
  it('exec with a strong token in Authorization that kube-apiserver refuses (another audience) and the everyday one in the subprotocol: not allowed', async () => {
    const weak = await signedIn('aal1', 600);
    const strong = await server().issuer.token({ sub: 'session49-ws@example.com', email: 'session49-ws@example.com', acr: 'urn:stepgate:aal3', amr: ['hwk', 'mfa'], aud: 'grafana' });
    const res = await send(strong, ws(proto(weak)));
    expect(reason(res), rules(res)).not.toBe('allowed');
  });
});


/** One request written byte for byte to the HTTP ext_authz listener: 'allowed' or stepgate's reason. */
async function overHttp(text: string): Promise<string> {
  const url = new URL(server().authz);
  const response = await new Promise<string>((resolve, reject) => {
    const socket = connect(Number(url.port), url.hostname, () => socket.write(text));
    let out = '';
    socket.on('data', (d: Buffer) => (out += d.toString('latin1')));
    socket.on('close', () => resolve(out));
    socket.on('error', reject);
  });
  const status = /^HTTP\/1\.1 (\d{3})/.exec(response)?.[1];
  if (status === '200') return 'allowed';
  return /"reason":"([a-z_]+)"/.exec(response)?.[1] ?? `status ${status ?? '?'}`;
}

describe('the HTTP listener (Envoy HTTP mode, nginx auth_request) with the API server\'s requests', () => {
  const KUBECTL = 'kubectl/v1.34.1 (linux/amd64) kubernetes/93248f9';
  const request = (line: string, token: string, headers: [string, string][]) =>
    `${line}\r\n${[['authorization', `Bearer ${token}`], ['user-agent', KUBECTL], ['accept', 'application/json'], ['x-forwarded-for', OFFICE], ['connection', 'close'], ...headers].map(([k, v]) => `${k}: ${v}`).join('\r\n')}\r\n\r\n`;
  const NGINX = (method: string, uri: string, host = KUBE): [string, string][] => [['host', 'stepgate.auth.svc'], ['x-original-method', method], ['x-original-uri', uri], ['x-forwarded-host', host]];
  const INGRESS_NGINX = (method: string, uri: string): [string, string][] => [
    ['host', 'stepgate.auth.svc'],
    ['x-original-url', `https://${KUBE}${uri}`],
    ['x-original-method', method],
    ['x-sent-from', 'nginx-ingress-controller'],
    ['x-auth-request-redirect', uri],
  ];
  it.each<[string, string, [string, string][]]>([
    ['Envoy HTTP mode: the Secret', `GET ${SECRET} HTTP/1.1`, [['host', KUBE]]],
    ['Envoy HTTP mode: two Host headers, another host first', `GET ${SECRET} HTTP/1.1`, [['host', 'grafana.localhost'], ['host', KUBE]]],
    ['Envoy HTTP mode: two Host headers, the API first', `GET ${SECRET} HTTP/1.1`, [['host', KUBE], ['host', 'grafana.localhost']]],
    ['Envoy HTTP mode: absolute-form naming the API, Host another', `GET http://${KUBE}${SECRET} HTTP/1.1`, [['host', 'grafana.localhost']]],
    ['Envoy HTTP mode: the Secret with // ', `GET /${SECRET} HTTP/1.1`, [['host', KUBE]]],
    ['Envoy HTTP mode: the Secret with %2F', `GET ${SECRET.replace('/secrets/', '/secrets%2F')} HTTP/1.1`, [['host', KUBE]]],
    ['Envoy HTTP mode: exec as a POST', `POST ${EXEC} HTTP/1.1`, [['host', KUBE], ['content-length', '0']]],
    ['Envoy HTTP mode: a ClusterRoleBinding without its body (the HTTP service is sent none)', `POST ${CRB} HTTP/1.1`, [['host', KUBE], ['content-type', 'application/json'], ['content-length', '0']]],
    ['nginx: the Secret', 'GET /_stepgate_authz HTTP/1.1', NGINX('GET', SECRET)],
    ['nginx: the Secret, X-Original-Method in lower case', 'GET /_stepgate_authz HTTP/1.1', NGINX('get', SECRET)],
    // nginx's proxy_set_header drops a client's copy; a proxy that passed one beside its own sent these.
    ['nginx: the Secret, two X-Original-URI (a dev read first)', 'GET /_stepgate_authz HTTP/1.1', [...NGINX('GET', '/api/v1/namespaces/dev/pods'), ['x-original-uri', SECRET]]],
    ['nginx: the Secret, two X-Original-URI (the Secret first)', 'GET /_stepgate_authz HTTP/1.1', [...NGINX('GET', SECRET), ['x-original-uri', '/api/v1/namespaces/dev/pods']]],
    ['nginx: the Secret, two X-Forwarded-Host (another host first)', 'GET /_stepgate_authz HTTP/1.1', [...NGINX('GET', SECRET, 'grafana.localhost'), ['x-forwarded-host', KUBE]]],
    ['nginx: exec, X-Original-Method POST', 'GET /_stepgate_authz HTTP/1.1', NGINX('POST', EXEC)],
    ['nginx: exec, X-Original-Method GET with Upgrade', 'GET /_stepgate_authz HTTP/1.1', [...NGINX('GET', EXEC), ['upgrade', 'websocket'], ['connection', 'Upgrade']]],
    ['nginx: a prod Deployment patch', 'GET /_stepgate_authz HTTP/1.1', NGINX('PATCH', DEPLOY)],
    ['nginx: the Secret with the X-Original-URI percent-encoded whole', 'GET /_stepgate_authz HTTP/1.1', NGINX('GET', encodeURIComponent(SECRET))],
    ['nginx: the Secret with an obs-fold continuing X-Original-URI', 'GET /_stepgate_authz HTTP/1.1', [...NGINX('GET', '/api/v1/namespaces/dev/pods'), ['x-original-uri', `/api/v1/namespaces/prod/\r\n secrets/db-credentials`]]],
    // ingress-nginx's auth-url subrequest (its nginx.tmpl): the request in X-Original-URL and
    // X-Original-Method, which it sets, and the client's other headers passed through. stepgate reads
    // no X-Original-URL, so each of these is refused whole (request_invalid), never judged as the
    // subrequest's own path or by a client's own X-Original-URI.
    ['ingress-nginx auth-url: the Secret', 'GET /auth HTTP/1.1', INGRESS_NGINX('GET', SECRET)],
    ['ingress-nginx auth-url: exec', 'GET /auth HTTP/1.1', INGRESS_NGINX('POST', EXEC)],
    ['ingress-nginx auth-url: a ClusterRoleBinding', 'GET /auth HTTP/1.1', INGRESS_NGINX('POST', CRB)],
    ['ingress-nginx auth-url: the Secret, the client\'s own X-Original-URI naming a dev read', 'GET /auth HTTP/1.1', [...INGRESS_NGINX('GET', SECRET), ['x-original-uri', '/api/v1/namespaces/dev/pods']]],
    ['ingress-nginx auth-url: the Secret, the client\'s own X-Forwarded-Uri naming a dev read', 'GET /auth HTTP/1.1', [...INGRESS_NGINX('GET', SECRET), ['x-forwarded-uri', '/api/v1/namespaces/dev/pods']]],
    ['ingress-nginx auth-url: the Secret, the client\'s own X-Forwarded-Host naming another host', 'GET /auth HTTP/1.1', [...INGRESS_NGINX('GET', SECRET), ['x-forwarded-host', 'grafana.localhost']]],
    ['a method header and no URI at all', 'GET /auth HTTP/1.1', [['host', 'stepgate.auth.svc'], ['x-original-method', 'GET']]],
    ['X-Forwarded-Method and no URI at all', 'GET /auth HTTP/1.1', [['host', 'stepgate.auth.svc'], ['x-forwarded-method', 'DELETE']]],
    ['X-Original-URL that is no absolute URL', 'GET /auth HTTP/1.1', [['host', 'stepgate.auth.svc'], ['x-original-method', 'GET'], ['x-original-url', SECRET]]],
  ])('%s: not allowed', async (_what, line, headers) => {
    const token = await signedIn('aal1', 600);
    expect(await overHttp(request(line, token, headers))).not.toBe('allowed');
  });

  it.each<[string, string, [string, string][]]>([
    ['Envoy HTTP mode: a dev pod list', 'GET /api/v1/namespaces/dev/pods?limit=500 HTTP/1.1', [['host', KUBE]]],
    ['nginx: a dev pod list', 'GET /_stepgate_authz HTTP/1.1', NGINX('GET', '/api/v1/namespaces/dev/pods?limit=500')],
  ])('control: %s is allowed', async (_what, line, headers) => {
    const token = await signedIn('aal1', 600);
    expect(await overHttp(request(line, token, headers))).toBe('allowed');
  });
});

describe('controls: the routine requests these shapes must not catch', () => {
  // kube-apiserver's bearer authenticator compares the scheme in any case (bearertoken.go: ToLower).
  it.each(['bearer', 'BEARER', 'Bearer'])('a dev pod list with the everyday token under the scheme %s: allowed', async (scheme) => {
    const token = await signedIn('aal1', 600);
    const res = await send(undefined, get('/api/v1/namespaces/dev/pods', { authorization: `${scheme} ${token}` }));
    expect(reason(res), rules(res)).toBe('allowed');
  });

  allowed([
    ['list dev pods', get('/api/v1/namespaces/dev/pods?limit=500')],
    ['watch dev pods', get('/api/v1/namespaces/dev/pods?watch=1&resourceVersion=1')],
    ['dev pods under /watch/', get('/api/v1/watch/namespaces/dev/pods')],
    ['a prod Deployment read', get(DEPLOY)],
    ['a prod Deployment list with fieldSelector', get('/apis/apps/v1/namespaces/prod/deployments?fieldSelector=metadata.name%3Dweb')],
    ['discovery /api', get('/api')],
    ['discovery /apis/', get('/apis/')],
    ['discovery /openapi/v3', get('/openapi/v3')],
    ['/version', get('/version')],
    ['a dev ConfigMap with kubectl auth can-i shape (SelfSubjectAccessReview)', write('POST', '/apis/authorization.k8s.io/v1/selfsubjectaccessreviews', JSON.stringify({ apiVersion: 'authorization.k8s.io/v1', kind: 'SelfSubjectAccessReview', spec: { resourceAttributes: { namespace: 'prod', verb: 'get', resource: 'secrets' } } }))],
    ['a dev pod read with a trailing slash', get('/api/v1/namespaces/dev/pods/web-0/')],
    ['a dev pod log', get('/api/v1/namespaces/dev/pods/web-0/log?container=web&follow=true')],
    ['a dev Deployment patch', write('PATCH', '/apis/apps/v1/namespaces/dev/deployments/web', JSON.stringify({ spec: { replicas: 2 } }), 'application/merge-patch+json')],
    ['a dev pod read with Impersonate-User of an ordinary user (impersonation off)', get('/api/v1/namespaces/dev/pods', { 'impersonate-user': 'bob@example.com' })],
  ]);
});
