import { randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/load.js';
import type { Config } from '../../src/config/schema.js';
import { explain, type ExplainInput } from '../../src/explain.js';
import { startService, type Service } from '../../src/main.js';
import { parseKeyList } from '../../src/cookies/keys.js';
import { SessionCodec } from '../../src/cookies/session.js';
import { createLogger } from '../../src/telemetry/log.js';
import { HMAC_SECRET, testConfigYaml, withStepupSession } from '../support/config.js';
import { CheckClient, type CheckResponse } from '../support/grpc-client.js';
import { PINNED } from '../support/guardrails.js';
import { TestIssuer } from '../support/issuer.js';
import { runCli } from '../support/process.js';
import { BROWSER_HEADERS, checkRequest, DASH_HOST, type RequestSpec } from '../support/requests.js';

/**
 * explain against the real gRPC server: one corpus of requests, each sent over gRPC the way Envoy
 * sends it (test/support/requests.ts is the model of Envoy) and given to explain the way an
 * operator types it (a URL, headers, a token, a body). The two must agree on everything the
 * client and the upstream see: reason, rules, level, status, headers, headers removed, body.
 */

const GUARDRAILS = 'guardrails:\n  effects:\n    privileged_container: {require: aal3, max_age: 300}\n    host_namespace: {require: aal3}\n';
const KEYS = `k1:${randomBytes(32).toString('base64url')}`;
const ENV = { TEST_HMAC_SECRET: HMAC_SECRET, SG_KEYS: KEYS, SG_SECRET: 'unused-client-secret' };

let issuer: TestIssuer;
let config: Config;
let yaml: string;
let service: Service;
let client: CheckClient;
let codec: SessionCodec;
const tokens: Record<'aal1' | 'aal2' | 'aal3' | 'expired' | 'foreign', string> = { aal1: '', aal2: '', aal3: '', expired: '', foreign: '' };
const sessions: Record<'aal2' | 'stale' | 'tampered', string> = { aal2: '', stale: '', tampered: '' };

beforeAll(async () => {
  issuer = await TestIssuer.start();
  yaml = withStepupSession(testConfigYaml(issuer.url, GUARDRAILS));
  config = parseConfig(yaml, 'differential.yaml');
  service = await startService(config, { ...ENV, STEPGATE_HTTP_LISTEN: 'off', STEPGATE_METRICS_LISTEN: 'off' }, createLogger('silent'));
  client = new CheckClient(service.grpc.port);
  codec = new SessionCodec(config.stepup.session!, parseKeyList(KEYS, 'SG_KEYS'));
  const sec = Math.floor(Date.now() / 1000);
  tokens.aal1 = await issuer.token({ acr: 'urn:stepgate:aal1' });
  tokens.aal2 = await issuer.token({ acr: 'urn:stepgate:aal2', amr: ['pwd', 'mfa'] });
  tokens.aal3 = await issuer.token({ acr: 'urn:stepgate:aal3', amr: ['hwk'] });
  tokens.expired = await issuer.token({ acr: 'urn:stepgate:aal2', iat: sec - 7200, exp: sec - 3600 });
  tokens.foreign = await issuer.token({ acr: 'urn:stepgate:aal3', iss: 'https://evil.example.com' });
  const session = async (authTime: number) =>
    (await codec.create({ iss: 'https://idp.example.com', sub: 'alice', acr: 'urn:stepgate:aal2', amr: ['pwd', 'mfa'], auth_time: authTime, extra: { email: 'alice@example.com' } }, Date.now()))!.value;
  sessions.aal2 = await session(sec - 60);
  sessions.stale = await session(sec - 3000);
  sessions.tampered = sessions.aal2.slice(0, -3) + (sessions.aal2.endsWith('AAA') ? 'BBB' : 'AAA');
});

afterAll(async () => {
  client?.close();
  await service?.stop();
  await issuer?.close();
});

const pod = (spec: Record<string, unknown>) =>
  JSON.stringify({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'web' }, spec: { containers: [{ name: 'app', image: PINNED }], ...spec } });
const privilegedPod = () => pod({ containers: [{ name: 'app', image: PINNED, securityContext: { privileged: true } }] });
const json = { 'content-type': 'application/json' };
type Tok = keyof typeof tokens;
type Ses = keyof typeof sessions;

/** name → request; tokens and cookies by name, filled in once they exist. */
const CORPUS: [string, () => RequestSpec][] = [
  // No credential: the challenge must already ask for what the change will need.
  ['no token, list pods', () => ({ path: '/api/v1/namespaces/dev/pods' })],
  ['no token, privileged pod', () => ({ method: 'POST', path: '/api/v1/namespaces/dev/pods', body: privilegedPod(), headers: json })],
  ['no token, hostNetwork pod in prod', () => ({ method: 'POST', path: '/api/v1/namespaces/prod/pods', body: pod({ hostNetwork: true }), headers: json })],
  ['no token, unreadable body', () => ({ method: 'POST', path: '/api/v1/namespaces/dev/pods', body: '{"spec":', headers: json })],
  ['no token, body cut by Envoy', () => ({ method: 'POST', path: '/api/v1/namespaces/dev/pods', body: pod({}), headers: { ...json, 'x-envoy-auth-partial-body': 'true' } })],
  ['no token, browser on a dashboard with a query', () => ({ host: DASH_HOST, path: '/d/abc?orgId=1&from=now-1h', headers: BROWSER_HEADERS })],
  ['no token, fetch on grafana admin', () => ({ host: DASH_HOST, path: '/admin/users', headers: { 'sec-fetch-mode': 'cors' } })],
  // Bad credentials.
  ['garbage token', () => ({ path: '/api/v1/pods', token: 'garbage' })],
  ['expired token', () => ({ path: '/api/v1/pods', token: tokens.expired })],
  ['untrusted issuer', () => ({ path: '/api/v1/pods', token: tokens.foreign })],
  ['basic auth', () => ({ path: '/api/v1/pods', headers: { authorization: 'Basic YWxpY2U6cHc=' } })],
  ['two bearer tokens', () => ({ path: '/api/v1/pods', headers: { authorization: `Bearer ${tokens.aal2} ${tokens.aal2}` } })],
  // Valid tokens at each level.
  ['aal1 lists pods', () => ({ path: '/api/v1/namespaces/dev/pods', token: tokens.aal1 })],
  ['aal1 reads a secret', () => ({ path: '/api/v1/namespaces/prod/secrets/db', token: tokens.aal1 })],
  ['aal2 reads a secret', () => ({ path: '/api/v1/namespaces/prod/secrets/db', token: tokens.aal2 })],
  ['aal2 deletes in prod', () => ({ method: 'DELETE', path: '/api/v1/namespaces/prod-eu/pods/web-0', token: tokens.aal2 })],
  ['aal2 creates a privileged pod', () => ({ method: 'POST', path: '/api/v1/namespaces/dev/pods', token: tokens.aal2, body: privilegedPod(), headers: json })],
  ['aal3 creates a privileged pod', () => ({ method: 'POST', path: '/api/v1/namespaces/dev/pods', token: tokens.aal3, body: privilegedPod(), headers: json })],
  ['aal2 JSON patch adds hostNetwork', () => ({ method: 'PATCH', path: '/api/v1/namespaces/dev/pods/web', token: tokens.aal2, body: JSON.stringify([{ op: 'add', path: '/spec/hostNetwork', value: true }]), headers: { 'content-type': 'application/json-patch+json' } })],
  ['aal1 exec with a query', () => ({ path: '/api/v1/namespaces/dev/pods/web-0/exec?command=sh&stdin=true&tty=true', token: tokens.aal1 })],
  ['aal1 on node proxy', () => ({ path: '/api/v1/nodes/n1/proxy/metrics', token: tokens.aal1 })],
  ['aal2 on a tagged route', () => ({ host: DASH_HOST, path: '/billing', token: tokens.aal2, context: { 'stepgate.app': 'billing' } })],
  ['aal2 with forged identity headers', () => ({ path: '/api/v1/pods', token: tokens.aal2, headers: { 'x-stepgate-groups': 'admins', 'x-stepgate-subject': 'root' } })],
  ['aal1 browser on grafana admin', () => ({ host: DASH_HOST, path: '/admin/users?tab=1', token: tokens.aal1, headers: BROWSER_HEADERS })],
  ['host with a port', () => ({ host: 'kube.example.com:6443', path: '/api/v1/namespaces/prod/secrets', token: tokens.aal1 })],
  // The step-up session cookie.
  ['session allows grafana admin, cookie kept from upstream', () => ({ host: DASH_HOST, path: '/admin/users', headers: { ...BROWSER_HEADERS, cookie: `a=b; stepgate_session=${sessions.aal2}` } })],
  ['session alone as the only cookie', () => ({ host: DASH_HOST, path: '/d/x', headers: { ...BROWSER_HEADERS, cookie: `stepgate_session=${sessions.aal2}` } })],
  ['stale session on grafana admin', () => ({ host: DASH_HOST, path: '/admin/users', headers: { ...BROWSER_HEADERS, cookie: `stepgate_session=${sessions.stale}` } })],
  ['tampered session', () => ({ host: DASH_HOST, path: '/admin/users', headers: { ...BROWSER_HEADERS, cookie: `stepgate_session=${sessions.tampered}` } })],
  ['session on a privileged pod', () => ({ method: 'POST', path: '/api/v1/namespaces/dev/pods', body: privilegedPod(), headers: { ...json, cookie: `stepgate_session=${sessions.aal2}` } })],
  ['bearer token and session cookie', () => ({ path: '/api/v1/namespaces/prod/secrets/db', token: tokens.aal1, headers: { cookie: `stepgate_session=${sessions.aal2}` } })],
  // Paths that parsers disagree on: the server's parsing decides, and explain must show it.
  ['backslash in a namespace', () => ({ path: '/api/v1/namespaces/dev\\secrets', token: tokens.aal1 })],
  ['encoded slash', () => ({ path: '/api/v1/namespaces/%2Fsecrets', token: tokens.aal1 })],
  ['empty segment', () => ({ path: '/api/v1/namespaces//secrets', token: tokens.aal1 })],
  ['dot segments', () => ({ path: '/api/v1/namespaces/dev/../prod/secrets/db', token: tokens.aal1 })],
  ['encoded dot segments', () => ({ path: '/api/v1/namespaces/dev/%2e%2e/prod/secrets/db', token: tokens.aal1 })],
  ['percent-encoded letters', () => ({ path: '/api/v1/namespaces/prod/%73ecrets/db', token: tokens.aal1 })],
  ['query with encoded separators', () => ({ path: '/api/v1/namespaces/prod/pods?labelSelector=a%3Db%2Cc&watch=1', token: tokens.aal1 })],
  ['empty query', () => ({ path: '/api/v1/namespaces/prod/secrets?', token: tokens.aal1 })],
  ['query that looks like a path', () => ({ path: '/api/v1/pods?/api/v1/namespaces/prod/secrets', token: tokens.aal1 })],
  ['absolute-form target', () => ({ path: '/http://evil.example.com/api/v1/secrets', token: tokens.aal1 })],
  ['lower-case method', () => ({ method: 'delete', path: '/api/v1/namespaces/prod/pods/web-0', token: tokens.aal2 })],
  ['host that is not a host name', () => ({ host: 'kube_example.com', path: '/api/v1/pods', token: tokens.aal1 })],
  ['method that is not a method', () => ({ method: 'G@T', path: '/api/v1/pods', token: tokens.aal1 })],
  ['oversized header', () => ({ path: '/api/v1/pods', token: tokens.aal2, headers: { 'x-big': 'x'.repeat(9000) } })],
];

/** What the operator would type for a request Envoy sends as checkRequest(spec). */
function explainInput(spec: RequestSpec): ExplainInput {
  const http = checkRequest(spec).attributes.request.http as { method: string; path: string; host: string; scheme: string; headers: Record<string, string> };
  return {
    method: http.method,
    url: `${http.scheme}://${http.host}${http.path}`,
    headers: Object.entries(http.headers).filter(([name]) => !name.startsWith(':') && !(spec.token !== undefined && name === 'authorization')),
    token: spec.token,
    source: spec.source ?? '10.1.2.3',
    context: spec.context ?? {},
    body: spec.body,
  };
}

/** Envoy's HttpStatus code names, as proto-loader gives them. */
const STATUS: Record<string, number> = { Found: 302, BadRequest: 400, Unauthorized: 401, Forbidden: 403, RequestHeaderFieldsTooLarge: 431, InternalServerError: 500, ServiceUnavailable: 503 };

function serverView(res: CheckResponse) {
  const m = res.dynamic_metadata?.fields ?? {};
  const allow = res.status.code === 0;
  const headers = (allow ? res.ok_response?.headers : res.denied_response?.headers) ?? [];
  return {
    allow,
    reason: m.reason?.stringValue,
    rules: m.rules?.stringValue ?? null,
    level: m.level?.stringValue ?? null,
    status: allow ? 200 : STATUS[res.denied_response?.status?.code ?? ''] ?? res.denied_response?.status?.code,
    headers: Object.fromEntries(headers.map((h) => [h.header.key, h.header.value])),
    headers_to_remove: allow ? (res.ok_response?.headers_to_remove ?? []) : [],
    body: allow || !res.denied_response?.body ? null : (JSON.parse(res.denied_response.body) as unknown),
  };
}

function explainView(out: Awaited<ReturnType<typeof explain>>) {
  return {
    allow: out.decision.allow,
    reason: out.decision.reason,
    rules: out.policy ? out.policy.matched_rules.join(',') : null,
    level: out.identity?.level ?? null,
    status: out.response.status,
    headers: out.response.headers,
    headers_to_remove: out.response.headers_to_remove,
    body: out.response.body,
  };
}

describe('explain gives the server\'s answer', () => {
  it.each(CORPUS)('%s', async (_name, make) => {
    const spec = make();
    const server = serverView(await client.check(checkRequest(spec)));
    const explained = explainView(await explain(config, explainInput(spec), { env: ENV }));
    expect(explained).toEqual(server);
  });

  it('covers allows, challenges, denials and invalid requests', async () => {
    const reasons = new Set<string>();
    for (const [, make] of CORPUS) reasons.add(serverView(await client.check(checkRequest(make()))).reason!);
    for (const r of ['allowed', 'token_missing', 'token_malformed', 'token_expired', 'issuer_unknown', 'acr_insufficient', 'auth_too_old', 'policy_deny', 'session_invalid', 'request_invalid', 'header_too_large']) {
      expect(reasons).toContain(r);
    }
  });

  it('hand-written claims get the answer a token with those claims gets, without any issuer secret', async () => {
    const sec = Math.floor(Date.now() / 1000);
    const claims = { iss: issuer.url, aud: 'kubernetes', sub: 'carol@example.com', acr: 'urn:stepgate:aal2', amr: ['pwd', 'mfa'], auth_time: sec - 30, exp: sec + 600, email: 'carol@example.com', groups: ['engineers'] };
    const token = await issuer.token(claims);
    for (const spec of [
      { method: 'POST', path: '/api/v1/namespaces/dev/pods', body: privilegedPod(), headers: json },
      { path: '/api/v1/namespaces/prod/secrets/db' },
      { host: DASH_HOST, path: '/admin/users', headers: BROWSER_HEADERS },
    ] satisfies RequestSpec[]) {
      const server = serverView(await client.check(checkRequest({ ...spec, token })));
      // No TEST_HMAC_SECRET: the HMAC issuer in the config needs no secret when nothing is verified.
      const out = await explain(config, { ...explainInput(spec), claims }, { env: { SG_KEYS: KEYS } });
      expect(out.identity).toMatchObject({ source: 'claims', verified: false, subject: 'carol@example.com', level: 'aal2' });
      expect(explainView(out)).toEqual(server);
    }
    // An issuer that is not configured is what the server says about it, not a fallback issuer.
    const unknown = await explain(config, { ...explainInput({ path: '/api/v1/pods' }), claims: { ...claims, iss: 'https://other.example.com' } }, { env: { SG_KEYS: KEYS } });
    expect(unknown.decision.reason).toBe('issuer_unknown');
  });

  it('the CLI gives the same answer for a backslash path and a privileged pod without a token', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'stepgate-differential-'));
    const file = join(dir, 'c.yaml');
    writeFileSync(file, yaml);
    const manifest = join(dir, 'pod.json');
    writeFileSync(manifest, privilegedPod());
    const backslash: RequestSpec = { path: '/api/v1/namespaces/dev\\secrets', token: tokens.aal1 };
    const podSpec: RequestSpec = { method: 'POST', path: '/api/v1/namespaces/dev/pods', body: privilegedPod(), headers: json };
    const args = (spec: RequestSpec) => {
      const i = explainInput(spec);
      return [
        'explain', '--config', file, '--method', i.method, '--url', i.url, '--source', i.source!,
        ...i.headers.flatMap(([k, v]) => ['--header', `${k}: ${v}`]),
        ...(i.token ? ['--token', i.token] : []),
        ...(i.body !== undefined ? ['--body-file', manifest] : []),
      ];
    };
    const runs = [runCli(args(backslash), ENV), runCli(args(podSpec), ENV)];
    const exits = await Promise.all(runs.map((r) => r.exited));
    for (const [i, spec] of [backslash, podSpec].entries()) {
      expect(exits[i]!.code, runs[i]!.stderr.join('\n')).toBe(0);
      const out = JSON.parse(runs[i]!.stdout.join('\n')) as Awaited<ReturnType<typeof explain>>;
      expect(explainView(out)).toEqual(serverView(await client.check(checkRequest(spec))));
    }
    const pod = JSON.parse(runs[1]!.stdout.join('\n')) as { policy: { required_level: string } };
    expect(pod.policy.required_level).toBe('aal3');
  }, 120_000);
});
