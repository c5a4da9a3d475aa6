import { request as httpRequest } from 'node:http';
import { describe, expect, it } from 'vitest';
import { parseKeyList } from '../../src/cookies/keys.js';
import { SessionCodec } from '../../src/cookies/session.js';
import { AMR, builtServerForFile, freshSubjects, KUBE, OFFICE, officeRound, reason, rules, type Level } from '../support/built-server.js';
import { okHeader, type CheckResponse } from '../support/grpc-client.js';
import { checkRequest, type RequestSpec } from '../support/requests.js';

/**
 * Session 50's black-box corpus over what an attacker meets around the decision, through the build
 * `npm start` serves (examples/stepgate.yaml with stepgate's own step-up session, the step-up
 * listener, the HTTP ext_authz listener and the metrics listener on loopback): the identity headers
 * the upstream trusts, the RFC 9470 challenge, the operator surfaces (metrics, health, admin) and
 * what a crafted request does to them and to the log, and requests sized to exhaust. The attacker
 * holds a real engineer's everyday token or a token of their own from the same IdP, can make a
 * victim click a link, and reaches every listener. The browser's round trip is attack-web's and
 * attack-stepup-loop's; this file adds the rows they did not have.
 */

/** The session key the server is given, so that rows can seal sessions as its callback would. */
const KEYS = `k1:${Buffer.alloc(32, 7).toString('base64url')}`;
const codec = new SessionCodec({ cookie_name: 'stepgate_session', lifetime_seconds: 3600, keys_env: 'SG_SESSION_KEYS' }, parseKeyList(KEYS, 'SG_SESSION_KEYS'));
const server = builtServerForFile(
  'session50',
  (yaml) => {
    const issuer = /issuer: (http:\/\/127\.0\.0\.1:\d+)\n/.exec(yaml)![1]!;
    return yaml
      .replace('  shutdown_grace_seconds: 10', '  shutdown_grace_seconds: 10\n  trusted_proxies: [127.0.0.1]')
      .replace(
        'stepup:\n',
        `stepup:\n  oidc: { issuer: ${issuer}, client_id: stepgate, client_secret_env: SG_CLIENT_SECRET, redirect_uri: http://auth.localhost:8080/.stepgate/callback, allow_insecure_http: true }\n  session: { keys_env: SG_SESSION_KEYS }\n`,
      );
  },
  {
    SG_CLIENT_SECRET: 'session50-client-secret',
    SG_SESSION_KEYS: KEYS,
    STEPGATE_HTTP_LISTEN: '127.0.0.1:0',
    STEPGATE_METRICS_LISTEN: '127.0.0.1:0',
  },
);
const subjects = freshSubjects(() => server().issuer, 'session50');
const { signedIn, send } = officeRound(server, subjects);

const PODS = '/api/v1/namespaces/dev/pods';
const SECRET = '/api/v1/namespaces/prod/secrets/db-credentials';
const DASH = 'grafana.localhost';
const IDENTITY = ['x-stepgate-subject', 'x-stepgate-level', 'x-stepgate-issuer', 'x-stepgate-email', 'x-stepgate-groups'];
const subOf = (token: string) => (JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString()) as { sub: string }).sub;

/** A fresh subject's token with `claims` over the defaults, signed in `age` seconds ago at `level`. */
async function tokenWith(claims: Record<string, unknown>, level: Level = 'aal1', age = 600): Promise<string> {
  const sub = subjects.subject();
  return server().issuer.token({ sub, email: sub, acr: `urn:stepgate:${level}`, amr: AMR[level], auth_time: subjects.now() - age, ...claims });
}

/** Every header an allow sets, and every one it removes. */
function upstream(res: CheckResponse): { set: Map<string, string>; removed: string[] } {
  const set = new Map<string, string>();
  for (const h of res.ok_response?.headers ?? []) set.set(h.header.key, h.header.value);
  return { set, removed: res.ok_response?.headers_to_remove ?? [] };
}

interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** A plain HTTP request to one of the server's listeners, headers exactly as given. */
function raw(base: string, path: string, opts: { method?: string; headers?: Record<string, string | string[]>; body?: string } = {}): Promise<Reply> {
  const u = new URL(base);
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: u.hostname, port: u.port, path, method: opts.method ?? 'GET', headers: opts.headers ?? {} }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(opts.body);
  });
}

/**
 * A request the server refuses past a size limit before reading all of it (a form past its bound,
 * a request line past Node's header limit): it answers and closes, and on a loaded machine the
 * client may still be writing and see the connection reset before it reads the answer (CI did).
 * A reset carries no Location and no cookie, so it is a refusal too: read as a bare 400.
 */
function answeredOrReset(p: Promise<Reply>): Promise<Reply> {
  return p.catch((err: NodeJS.ErrnoException) => {
    if (err.code !== 'ECONNRESET' && err.code !== 'EPIPE') throw err;
    const reset: Reply = { status: 400, headers: {}, body: '' };
    return reset;
  });
}

/** The metrics listener's base URL, from its log record. */
function metricsBase(): string {
  for (const line of server().stdout) {
    try {
      const rec = JSON.parse(line) as { event?: string; outcome?: string; port?: number };
      if (rec.event === 'metrics_listen' && rec.outcome === 'ok' && rec.port) return `http://127.0.0.1:${rec.port}`;
    } catch {
      continue;
    }
  }
  throw new Error('no metrics_listen record');
}

describe('identity headers upstream: what a client sends under our names never reaches the upstream (gRPC)', () => {
  const spoofs: [string, Record<string, string>][] = [
    ['every identity header, naming someone else', { 'x-stepgate-subject': 'ceo@example.com', 'x-stepgate-level': 'aal3', 'x-stepgate-issuer': 'https://evil.example', 'x-stepgate-email': 'ceo@example.com', 'x-stepgate-groups': 'system:masters' }],
    ['the subject header in upper case', { 'X-STEPGATE-SUBJECT': 'ceo@example.com' }],
    ['the subject header in mixed case', { 'X-Stepgate-Subject': 'ceo@example.com' }],
    ['the level header joined as a list', { 'x-stepgate-level': 'aal3,aal3' }],
    ['the groups header with a newline inside', { 'x-stepgate-groups': 'dev\nsystem:masters' }],
    ['a x-stepgate-* header the configuration does not set', { 'x-stepgate-user': 'ceo@example.com' }],
    ['a x-stepgate-* header with a trailing space in the name', { 'x-stepgate-subject ': 'ceo@example.com' }],
    ['the subject header with an empty value', { 'x-stepgate-subject': '' }],
    ['a header named like ours with an underscore', { x_stepgate_subject: 'ceo@example.com' }],
  ];

  it.each(spoofs)('%s: the allow names the token\'s subject and removes the rest', async (_what, headers) => {
    const token = await signedIn('aal1', 600);
    const res = await send(token, { host: KUBE, path: PODS, headers });
    expect(reason(res), rules(res)).toBe('allowed');
    const { set, removed } = upstream(res);
    expect(set.get('x-stepgate-subject')).toBe(subOf(token));
    expect(set.get('x-stepgate-level')).toBe('aal1');
    for (const [name, value] of Object.entries(headers)) {
      const lower = name.toLowerCase();
      if (!lower.startsWith('x-stepgate-')) continue;
      // Ours is set (Envoy overwrites), or the client's is named for removal.
      if (!set.has(lower.trim())) expect(removed, `${name} removed`).toContain(lower.trim());
      else expect(set.get(lower.trim())).not.toBe(value);
    }
    for (const v of set.values()) expect(v).not.toContain('ceo@example.com');
  });

  it.each<[string, Record<string, unknown>]>([
    ['a CR/LF and a forged header in the email claim', { email: 'mallory@example.com\r\nx-stepgate-subject: ceo@example.com' }],
    ['a NUL in the email claim', { email: 'mallory@example.com\u0000ceo' }],
    ['a newline inside a group', { groups: ['dev\r\nx-stepgate-level: aal3'] }],
    ['a group that is a comma-joined list', { groups: ['dev,system:masters'] }],
    ['a group that reads as a JSON list', { groups: ['["system:masters"', '"x"]'] }],
    ['ANSI escapes in the email claim', { email: '\u001b[31mceo@example.com\u001b[0m' }],
    ['a 64 KiB email claim', { email: `${'a'.repeat(65_536)}@example.com` }],
  ])('%s: no control character and no other name reaches a header', async (_what, claims) => {
    const token = await tokenWith(claims);
    const res = await send(token, { host: KUBE, path: PODS });
    const { set } = upstream(res);
    for (const [k, v] of set) {
      // eslint-disable-next-line no-control-regex
      expect(v, k).not.toMatch(/[\u0000-\u001f\u007f]/);
      expect(v.length, k).toBeLessThanOrEqual(8192);
    }
    expect(set.get('x-stepgate-subject') ?? subOf(token)).toBe(subOf(token));
    expect(set.get('x-stepgate-level') ?? 'aal1').toBe('aal1');
    expect(set.get('x-stepgate-groups') ?? '').not.toContain('system:masters');
  });

  it.each<[string, string]>([
    ['a NUL after a colleague\'s name', '\u0000'],
    ['a tab after a colleague\'s name', '\t'],
    ['a newline after a colleague\'s name', '\n'],
    ['a DEL after a colleague\'s name', '\u007f'],
    ['an escape before a colleague\'s name', '\u001b'],
  ])('a subject of %s is never sent upstream as that colleague', async (_what, control) => {
    const colleague = subjects.subject();
    const sub = control === '\u001b' ? `${control}${colleague}` : `${colleague}${control}`;
    const token = await server().issuer.token({ sub, email: sub, acr: 'urn:stepgate:aal1', amr: AMR.aal1, auth_time: subjects.now() - 600 });
    const res = await send(token, { host: KUBE, path: PODS });
    const { set } = upstream(res);
    expect(set.get('x-stepgate-subject'), reason(res)).not.toBe(colleague);
    expect(set.get('x-stepgate-email'), reason(res)).not.toBe(colleague);
  });

  it('an email claim of a colleague\'s address with a NUL after it, and a group of system:masters with a tab inside, name neither upstream', async () => {
    const colleague = subjects.subject();
    const token = await tokenWith({ email: `${colleague}\u0000`, groups: ['dev', 'system:\tmasters'] });
    const res = await send(token, { host: KUBE, path: PODS });
    expect(reason(res), rules(res)).toBe('allowed');
    const { set } = upstream(res);
    expect(set.get('x-stepgate-email')).not.toBe(colleague);
    expect(set.get('x-stepgate-groups')).toBe('dev');
  });

  it('an email the IdP says is not verified (email_verified: false) is never sent upstream as the person\'s address, nor a client\'s copy beside it', async () => {
    const victim = subjects.subject();
    const token = await tokenWith({ email: victim, email_verified: false });
    const res = await send(token, { host: KUBE, path: PODS, headers: { 'x-stepgate-email': victim } });
    const { set, removed } = upstream(res);
    expect(reason(res), rules(res)).toBe('allowed');
    expect(set.get('x-stepgate-email')).not.toBe(victim);
    if (!set.has('x-stepgate-email')) expect(removed).toContain('x-stepgate-email');
  });

  it('control: a verified email (email_verified: true), and one without email_verified, are sent as they are', async () => {
    for (const extra of [{ email_verified: true }, {}]) {
      const token = await tokenWith(extra);
      const res = await send(token, { host: KUBE, path: PODS });
      expect(reason(res), rules(res)).toBe('allowed');
      expect(upstream(res).set.get('x-stepgate-email')).toBe(subOf(token));
    }
  });
});

describe('identity headers upstream: the HTTP ext_authz listener (Envoy HTTP mode and forward-auth)', () => {
  const office = { 'x-forwarded-for': OFFICE };

  it.each<[string, Record<string, string>]>([
    ['every identity header naming someone else', Object.fromEntries(IDENTITY.map((n) => [n, 'ceo@example.com']))],
    ['the subject in upper case', { 'X-STEPGATE-SUBJECT': 'ceo@example.com' }],
    ['an unknown x-stepgate-* header', { 'x-stepgate-impersonate': 'ceo@example.com' }],
  ])('Envoy HTTP mode, %s: the allow sets ours and names every other for removal', async (_what, headers) => {
    const token = await signedIn('aal1', 600);
    const r = await raw(server().authz, PODS, { headers: { host: KUBE, authorization: `Bearer ${token}`, 'user-agent': 'kubectl/v1.34.1', ...office, ...headers } });
    expect(r.status, r.body).toBe(200);
    expect(r.headers['x-stepgate-subject']).toBe(subOf(token));
    const removed = String(r.headers['x-envoy-auth-headers-to-remove'] ?? '').split(', ');
    for (const name of Object.keys(headers).map((n) => n.toLowerCase())) {
      if (r.headers[name] === undefined) expect(removed, name).toContain(name);
      else expect(r.headers[name]).not.toBe('ceo@example.com');
    }
  });

  it('the same subject header sent twice (two lines): removed or overwritten, never passed on', async () => {
    const token = await signedIn('aal1', 600);
    const r = await raw(server().authz, PODS, { headers: { host: KUBE, authorization: `Bearer ${token}`, 'user-agent': 'kubectl/v1.34.1', ...office, 'x-stepgate-subject': ['ceo@example.com', 'cfo@example.com'] } });
    expect(r.status, r.body).toBe(200);
    expect(r.headers['x-stepgate-subject']).toBe(subOf(token));
  });

  it('forward-auth (nginx): an unknown client-sent x-stepgate-* header cannot be removed by the proxy, so the request is refused', async () => {
    const token = await signedIn('aal1', 600);
    const r = await raw(server().authz, '/_stepgate_authz', {
      headers: { host: KUBE, 'x-original-uri': PODS, 'x-original-method': 'GET', authorization: `Bearer ${token}`, 'user-agent': 'kubectl/v1.34.1', ...office, 'x-stepgate-impersonate': 'ceo@example.com' },
    });
    expect(r.status).not.toBe(200);
  });

  it('control: the same forward-auth request without it is allowed and names the token\'s subject', async () => {
    const token = await signedIn('aal1', 600);
    const r = await raw(server().authz, '/_stepgate_authz', {
      headers: { host: KUBE, 'x-original-uri': PODS, 'x-original-method': 'GET', authorization: `Bearer ${token}`, 'user-agent': 'kubectl/v1.34.1', ...office },
    });
    expect(r.status, r.body).toBe(200);
    expect(r.headers['x-stepgate-subject']).toBe(subOf(token));
  });
});

describe('identity headers upstream: a step-up session cookie read as a token is', () => {
  /** A session the callback would have sealed for `sub` with `extra` claims, `age` seconds after its sign-in. */
  async function session(sub: string, extra: Record<string, unknown>, level: Level = 'aal2', age = 60): Promise<string> {
    const sealed = await codec.create({ iss: server().issuer.url, sub, acr: `urn:stepgate:${level}`, amr: AMR[level], auth_time: subjects.now() - age, extra: { sub, email: sub, ...extra } }, Date.now());
    return `stepgate_session=${sealed!.value}`;
  }

  it('a session whose subject carries a control character after a colleague\'s name is never that colleague upstream', async () => {
    const colleague = subjects.subject();
    const res = await send(undefined, { host: DASH, path: '/d/home', headers: { cookie: await session(`${colleague}\u0000`, { email: colleague }) } });
    expect(upstream(res).set.get('x-stepgate-subject'), reason(res)).not.toBe(colleague);
    expect(reason(res)).not.toBe('allowed');
  });

  it('a session whose email the IdP did not verify sends no email header', async () => {
    const victim = subjects.subject();
    const res = await send(undefined, { host: DASH, path: '/d/home', headers: { cookie: await session(subjects.subject(), { email: victim, email_verified: false }) } });
    expect(upstream(res).set.get('x-stepgate-email'), reason(res)).not.toBe(victim);
  });

  it('control: a session with a verified email is allowed to the dashboard and names it', async () => {
    const sub = subjects.subject();
    const res = await send(undefined, { host: DASH, path: '/d/home', headers: { cookie: await session(sub, { email_verified: true }) } });
    expect(reason(res), rules(res)).toBe('allowed');
    expect(upstream(res).set.get('x-stepgate-email')).toBe(sub);
    expect(upstream(res).set.get('x-stepgate-subject')).toBe(sub);
  });
});

describe('RFC 9470 challenges: nothing a client sends is echoed into WWW-Authenticate, nor lowers what it asks', () => {
  /** The challenge for a production Secret read on the everyday sign-in, with `spec` changed. */
  async function challenge(token: string, spec: Partial<RequestSpec> = {}): Promise<string | undefined> {
    const res = await send(token, { host: KUBE, path: SECRET, ...spec });
    return res.denied_response?.headers?.find((h) => h.header.key === 'www-authenticate')?.header.value;
  }
  const GRAMMAR = /^Bearer realm="[^"\r\n]*", error="insufficient_user_authentication", error_description="[^"\r\n]*", acr_values="[^"\r\n]*", max_age=\d+$/;

  it.each<[string, (token: string) => Promise<Partial<RequestSpec>>]>([
    ['acr_values and max_age in the query', async () => ({ path: `${SECRET}?acr_values=urn:stepgate:aal1&max_age=99999999` })],
    ['a quote and a forged parameter in the path', async () => ({ path: `${SECRET}%22,acr_values=%22urn:stepgate:aal1` })],
    ['a raw quote and comma in the path', async () => ({ path: `${SECRET}",acr_values="aal1` })],
    ['a forged challenge in a request header', async () => ({ headers: { 'www-authenticate': 'Bearer acr_values="urn:stepgate:aal1"', 'x-stepgate-acr-values': 'urn:stepgate:aal1' } })],
    ['a host with a quote and a comma', async () => ({ host: `${KUBE}",acr_values="x` })],
    ['a token whose acr holds a quote and a parameter', async () => ({})],
    ['a DPoP-looking Authorization scheme in mixed case', async () => ({})],
    ['a Prefer header asking for less', async () => ({ headers: { prefer: 'acr_values=urn:stepgate:aal1; max_age=999999' } })],
  ])('%s: the same challenge as the plain read', async (what, change) => {
    const base = await challenge(await signedIn('aal1', 600));
    expect(base, 'the plain read is challenged').toMatch(GRAMMAR);
    const token = what.startsWith('a token whose acr') ? await tokenWith({ acr: 'urn:stepgate:aal1", acr_values="urn:stepgate:aal1' }) : await signedIn('aal1', 600);
    const got = what.startsWith('a DPoP')
      ? (await send(undefined, { host: KUBE, path: SECRET, headers: { authorization: `bEaReR ${token}` } })).denied_response?.headers?.find((h) => h.header.key === 'www-authenticate')?.header.value
      : await challenge(token, await change(token));
    if (got === undefined) return; // refused without a challenge (request_invalid): nothing echoed
    // eslint-disable-next-line no-control-regex
    expect(got).not.toMatch(/[\u0000-\u001f\u007f]/);
    if (got.includes('insufficient_user_authentication')) expect(got).toBe(base);
    else expect(got).toMatch(/^Bearer realm="[^"\r\n]*"(, error="invalid_token", error_description="[^"\r\n]*")?$/);
  });

  it('a token with another issuer\'s name and a quoted realm is answered with the configured realm only', async () => {
    const res = await send('eyJhbGciOiJub25lIn0.eyJpc3MiOiJodHRwczovL2V2aWwuZXhhbXBsZS8iLCJzdWIiOiJcIiwgcmVhbG09XCJldmlsIn0.', { host: KUBE, path: SECRET });
    const h = res.denied_response?.headers?.find((x) => x.header.key === 'www-authenticate')?.header.value ?? '';
    expect(h).not.toContain('evil');
    expect(reason(res)).not.toBe('allowed');
  });
});

describe('operator surfaces: what each listener answers to paths an operator uses', () => {
  it('the metrics listener serves /metrics only: every other path and method is a 404 that names nothing', async () => {
    const m = metricsBase();
    expect((await raw(m, '/metrics')).status).toBe(200);
    for (const [path, method] of [['/', 'GET'], ['/debug/pprof/', 'GET'], ['/metrics/../admin', 'GET'], ['/%6detrics', 'GET'], ['/metrics', 'POST'], ['/metrics', 'DELETE'], ['//metrics', 'GET'], ['/healthz', 'GET'], ['/.stepgate/admin/v1/incidents', 'GET']] as const) {
      const r = await raw(m, path, { method });
      expect(r.status, `${method} ${path}`).toBe(404);
      expect(r.body).not.toContain('stepgate_');
    }
  });

  it.each(['/metrics', '/debug/pprof/', '/.stepgate/admin/v1/incidents', '/healthz', '/.stepgate/healthz', '/server-status'])('%s on the HTTP ext_authz listener is a request to judge, never an operator page', async (path) => {
    const r = await raw(server().authz, path, { headers: { host: KUBE, 'user-agent': 'kubectl/v1.34.1' } });
    expect(r.status).not.toBe(200);
    expect(r.body).not.toContain('stepgate_decisions');
    expect(r.body).not.toContain('# HELP');
  });

  it.each(['/metrics', '/debug/pprof/', '/.stepgate/metrics', '/.stepgate/explain', '/.stepgate/admin/', '/.stepgate/admin/v1/', '/.stepgate/admin/v1/incidents', '/.stepgate/admin/v1/revocations', '/.stepgate/x/../metrics', '/.stepgate/%2e%2e/metrics'])(
    '%s on the public step-up listener serves no metrics, explain or admin answer to a user\'s token',
    async (path) => {
      const token = await signedIn('aal2', 60);
      for (const headers of [{}, { authorization: `Bearer ${token}` }] as Record<string, string>[]) {
        const r = await raw(server().stepup!, path, { headers });
        expect(r.status, `${path} ${JSON.stringify(Object.keys(headers))}`).toBeGreaterThanOrEqual(400);
        expect(r.body).not.toContain('# HELP');
        expect(r.body).not.toContain(subOf(token));
      }
    },
  );

  it('the step-up listener\'s health answer is "ok" and nothing else (no version, config or subject)', async () => {
    const r = await raw(server().stepup!, '/.stepgate/healthz');
    expect(r.status).toBe(200);
    expect(r.body).toBe('ok\n');
    expect(r.headers.server).toBeUndefined();
    expect(r.headers['x-powered-by']).toBeUndefined();
  });

  it('the session page without a session names nobody, whatever bearer token is sent beside', async () => {
    const token = await signedIn('aal2', 60);
    const r = await raw(server().stepup!, '/.stepgate/session', { headers: { authorization: `Bearer ${token}`, accept: 'application/json' } });
    expect(r.body).not.toContain(subOf(token));
  });
});

describe('operator surfaces: what crafted traffic leaves in the metrics', () => {
  /** The series lines of a scrape (not comments). */
  const series = async () => (await raw(metricsBase(), '/metrics')).body.split('\n').filter((l) => l !== '' && !l.startsWith('#'));

  /** One request of each crafted kind, varied by `i`: hosts, paths, methods, issuers, kids, client kinds, context values. */
  async function crafted(i: number, token: string): Promise<void> {
    const forged = await server().issuer.token({ sub: `card-${i}`, iss: `https://evil-${i}.example/`, acr: `urn:evil:${i}` }, { header: { kid: `kid-${i}` } });
    const unknownKid = await server().issuer.token({ sub: `card-${i}`, acr: `urn:evil:${i}`, auth_time: subjects.now() - 60 }, { kid: 'rs256-1', header: { kid: `nokid-${i}` } });
    await Promise.all([
      send(token, { host: `h${i}.cardinality.example`, path: `/p/${i}` }),
      send(token, { host: KUBE, path: `/api/v1/namespaces/ns-${i}/secrets/s-${i}`, method: i % 2 === 0 ? 'GET' : `M${i}` }),
      send(forged, { host: KUBE, path: PODS }),
      send(unknownKid, { host: KUBE, path: PODS }),
      send(token, { host: KUBE, path: PODS, headers: { 'user-agent': `agent-${i}/1.0`, 'x-request-id': `rid-${i}` }, context: { 'stepgate.app': `app-${i}` } }),
      send(`garbage.${i}.token`, { host: DASH, path: `/admin/${i}`, headers: { accept: 'text/html', 'sec-fetch-mode': 'navigate' } }),
    ]);
  }

  it('sixty more of every crafted kind add no series: labels are bounded by the configuration, not by traffic', async () => {
    const token = await signedIn('aal1', 600);
    // Warm-up: every kind once, so each (decision, reason, rule) series that exists at all exists now.
    for (let i = 0; i < 3; i++) await crafted(i, token);
    const before = await series();
    for (let i = 3; i < 63; i++) await crafted(i, token);
    const after = await series();
    // New series may appear (the subject's risk rises, so risk:high and risk_deny join): every one
    // is a configured rule, a reason code or a level, never a value the requests chose.
    const values = new Set(after.flatMap((l) => [...l.matchAll(/="([^"]*)"/g)].map((m) => m[1]!)));
    const chosen = [...values].filter((v) => /evil|kid-|agent-|rid-|app-\d|ns-\d|s-\d|cardinality|card-|^M\d|\/p\/|\/admin\/\d/.test(v));
    expect(chosen).toEqual([]);
    expect(after.length - before.length, 'a handful of configured combinations at most').toBeLessThan(20);
  }, 120_000);

  it('no subject, token, cookie, host or path of a request appears in a scrape', async () => {
    const token = await signedIn('aal1', 600);
    const session = await codec.create({ iss: server().issuer.url, sub: 'metrics-leak@example.com', acr: 'urn:stepgate:aal2', amr: AMR.aal2, auth_time: subjects.now() - 60, extra: {} }, Date.now());
    await send(token, { host: 'leak-host.example', path: '/leak-path-marker', headers: { cookie: `stepgate_session=${session!.value}; other=leak-cookie-marker` } });
    await send(undefined, { host: DASH, path: '/leak-path-marker-2', headers: { cookie: `stepgate_session=${session!.value}` } });
    const body = (await raw(metricsBase(), '/metrics')).body;
    for (const s of [subOf(token), token.split('.')[2]!, session!.value.slice(0, 40), 'leak-host', 'leak-path-marker', 'leak-cookie-marker', 'metrics-leak']) expect(body).not.toContain(s);
  });
});

describe('log injection: what a request or a claim can write into the JSON log', () => {
  it('paths, headers and claims with newlines, forged JSON and ANSI escapes stay inside one JSON record each', async () => {
    const start = server().stdout.length;
    const forgedLine = '\n{"level":50,"event":"forged_by_client","msg":"owned"}\n';
    const token = await signedIn('aal1', 600);
    const clawed = await tokenWith({ email: `x${forgedLine}@example.com`, name: '\u001b[2J\u001b[31mroot\u001b[0m', groups: [`g${forgedLine}`] });
    await Promise.all([
      send(token, { host: KUBE, path: `${SECRET}${forgedLine}` }),
      send(token, { host: KUBE, path: `${SECRET}\u001b[2J\u001b]0;owned\u0007` }),
      send(token, { host: KUBE, path: SECRET, headers: { 'user-agent': `kubectl${forgedLine}`, 'x-request-id': `rid${forgedLine}`, 'x-forwarded-for': `1.2.3.4${forgedLine}` } }),
      send(clawed, { host: KUBE, path: SECRET }),
      send(`${token}${forgedLine}`, { host: KUBE, path: SECRET }),
      send(token, { host: `${KUBE}${forgedLine}`, path: SECRET }),
      raw(server().stepup!, `/.stepgate/start?level=aal2&rd=${encodeURIComponent(`https://grafana.localhost/${forgedLine}\u001b[2J`)}`),
      raw(server().stepup!, `/.stepgate/callback?code=${encodeURIComponent(forgedLine)}&state=${encodeURIComponent(`\u001b[2J${forgedLine}`)}`),
    ]);
    // Let the audit records of the answers above be written.
    await send(token, { host: KUBE, path: PODS });
    const lines = server().stdout.slice(start);
    expect(lines.length).toBeGreaterThan(0);
    for (const line of lines) {
      const rec = JSON.parse(line) as Record<string, unknown>;
      expect(rec.event, line).not.toBe('forged_by_client');
      expect(line).not.toContain('\u001b');
    }
  });

  it('no log line carries a token\'s signature or a session cookie\'s value', async () => {
    const start = server().stdout.length;
    const token = await signedIn('aal1', 600);
    const sealed = await codec.create({ iss: server().issuer.url, sub: subjects.subject(), acr: 'urn:stepgate:aal2', amr: AMR.aal2, auth_time: subjects.now() - 60, extra: {} }, Date.now());
    await send(token, { host: KUBE, path: SECRET });
    await send(`${token}x`, { host: KUBE, path: SECRET });
    await send(undefined, { host: DASH, path: '/admin/users', headers: { cookie: `stepgate_session=${sealed!.value}x` } });
    await send(undefined, { host: DASH, path: '/d/home', headers: { cookie: `stepgate_session=${sealed!.value}` } });
    await raw(server().stepup!, '/.stepgate/session', { headers: { cookie: `stepgate_session=${sealed!.value}` } });
    const text = server().stdout.slice(start).join('\n') + server().stderr.join('\n');
    expect(text).not.toContain(token.split('.')[2]!);
    expect(text).not.toContain(sealed!.value.slice(-40));
  });
});

describe('the step-up link: return targets attack-web did not try', () => {
  const hostile = [
    '/%2F%2Fevil.example/',
    '/%5Cevil.example/',
    '/%2F%5Cevil.example/',
    '/\t/evil.example/',
    '/ /evil.example/',
    '\u2215\u2215evil.example/',
    '\uff0f\uff0fevil.example/',
    'https:///evil.example/',
    'https:\\\\\\evil.example/',
    `https://${DASH}%2F@evil.example/`,
    `https://${DASH}%5C@evil.example/`,
    `https://${DASH}%40evil.example/`,
    `https://${DASH}%00.evil.example/`,
    `https://${DASH}%E3%80%82evil.example/`,
    `https://evil.example%23.${DASH}/`,
    `https://evil.example%3F.${DASH}/`,
    `https://evil.example%2F.${DASH}/`,
    `https://evil.example\u3002${DASH}/`,
    `//${DASH}@evil.example/`,
    `https://user:pass@${DASH}/`,
    `https://${DASH}:pass@evil.example/`,
    `https://[${DASH}]/`,
    `https://evil.example/?${DASH}`,
    `https://evil.example/#${DASH}`,
    `https://xn--${DASH}/`,
    `\u0000https://evil.example/`,
    `https://${DASH}\u2028.evil.example/`,
    `https://${DASH}\u00a0.evil.example/`,
    'javascript:alert(1)',
    'JAVASCRIPT:alert(1)',
    'java\tscript:alert(1)',
    '\u0001javascript:alert(1)',
    'data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==',
    `blob:https://${DASH}/uuid`,
  ];

  it.each(hostile)('rd=%j: no page that would send the browser to another site', async (rd) => {
    const r = await raw(server().stepup!, `/.stepgate/start?${new URLSearchParams({ level: 'aal2', rd })}`, { headers: { accept: 'text/html' } });
    expect(r.headers.location).toBeUndefined();
    expect(r.headers['set-cookie']).toBeUndefined();
    expect(r.body).not.toMatch(/evil\.example|javascript:|data:text|blob:/i);
    expect(r.body).not.toContain('.stepgate/callback?code');
    expect(r.body).not.toContain('.stepgate/start?rd');
  });

  it.each([`https://${DASH}/admin/users`, `https://${DASH}/d/home?orgId=1&from=now-6h`, `https://${DASH}/`, `https://kube.localhost/api/v1/namespaces/prod/secrets`])('control: rd=%s is offered', async (rd) => {
    const r = await raw(server().stepup!, `/.stepgate/start?${new URLSearchParams({ level: 'aal2', rd })}`, { headers: { accept: 'text/html' } });
    expect(r.status).toBe(200);
    expect(r.body).toContain(new URL(rd).pathname.replace(/&/g, '&amp;'));
  });

  it.each([`https://${DASH}/..%2F..%2F..%2F%2Fevil.example/`, `https://${DASH}/%2F%2Fevil.example/`])('rd=%s stays a path on the listed host (the browser is returned there, not elsewhere)', async (rd) => {
    const r = await raw(server().stepup!, `/.stepgate/start?${new URLSearchParams({ level: 'aal2', rd })}`, { headers: { accept: 'text/html' } });
    expect(r.status).toBe(200);
    const offered = [...r.body.matchAll(/value="([^"]*)"/g)].map((m) => m[1]!.replace(/&amp;/g, '&')).filter((v) => v.includes('evil.example'));
    for (const v of offered) expect(new URL(v).host).toBe(DASH);
  });

  it.each([
    ['stepgate\'s own start page naming another site', 'https://auth.localhost:8080/.stepgate/start?level=aal2&rd=https%3A%2F%2Fevil.example%2F', '/.stepgate/start?level=aal2&rd=https%3A%2F%2Fevil.example%2F'],
    ['stepgate\'s own callback with the attacker\'s code', 'https://auth.localhost:8080/.stepgate/callback?code=attacker-code&state=attacker-state', '/.stepgate/callback?code=attacker-code&state=attacker-state'],
  ])('rd naming %s (on a listed host) leads to a page that refuses on its own: no session, no redirect elsewhere', async (_what, rd, own) => {
    const r = await raw(server().stepup!, `/.stepgate/start?${new URLSearchParams({ level: 'aal2', rd })}`, { headers: { accept: 'text/html' } });
    expect(r.headers.location).toBeUndefined();
    const next = await raw(server().stepup!, own, { headers: { accept: 'text/html' } });
    expect(next.status).toBeGreaterThanOrEqual(400);
    expect(next.headers.location).toBeUndefined();
    expect(String(next.headers['set-cookie'] ?? '')).not.toMatch(/stepgate_session=[^;]/);
  });

  it.each<[string, string]>([
    ['a 16 KiB state', `state=${'A'.repeat(16_384)}&code=x`],
    ['three states', 'state=a&state=b&state=c&code=x'],
    ['a state with encoded CR/LF and a cookie', 'state=a%0d%0aSet-Cookie:%20stepgate_session=x&code=x'],
    ['a state that looks like a JWT', 'state=eyJhbGciOiJub25lIn0.e30.&code=x'],
    ['an error and a code at once', 'error=access_denied&code=x&state=y'],
    ['a code and no state', 'code=x'],
    ['nothing', ''],
  ])('a callback with %s and no flow cookie: refused, no session and no redirect', async (_what, query) => {
    const r = await raw(server().stepup!, `/.stepgate/callback?${query}`);
    expect(r.status).toBeGreaterThanOrEqual(400);
    expect(r.status).toBeLessThan(500);
    expect(r.headers.location).toBeUndefined();
    expect(String(r.headers['set-cookie'] ?? '')).not.toMatch(/stepgate_session=[^;]/);
    expect(r.body).not.toContain('Set-Cookie');
  });

  it('a callback with a forged flow cookie for its state: refused, no session', async () => {
    const r = await raw(server().stepup!, '/.stepgate/callback?state=abcdefabcdefabcdef&code=x', { headers: { cookie: 'stepgate_state_abcdefabcdef=forged.value.here' } });
    expect(r.status).toBeGreaterThanOrEqual(400);
    expect(String(r.headers['set-cookie'] ?? '')).not.toMatch(/stepgate_session=[^;]/);
  });
});

describe('exhaustion that must end in an answer, never an allow or a hang', () => {
  it.each<[string, () => Promise<Partial<RequestSpec>>]>([
    ['a 1 MiB header value', async () => ({ headers: { 'x-pad': 'a'.repeat(1 << 20) } })],
    ['4,000 headers', async () => ({ headers: Object.fromEntries(Array.from({ length: 4000 }, (_, i) => [`x-h-${i}`, 'v'])) })],
    ['a 256 KiB path', async () => ({ path: `${SECRET}?${'a=b&'.repeat(65_536)}` })],
    ['a 1 MiB cookie of 20,000 cookies', async () => ({ headers: { cookie: Array.from({ length: 20_000 }, (_, i) => `c${i}=${'v'.repeat(40)}`).join('; ') } })],
    ['a token with 20,000 groups', async () => ({ token: await tokenWith({ groups: Array.from({ length: 20_000 }, (_, i) => `group-${i}`) }) })],
    ['a token whose claims nest 2,000 deep', async () => ({ token: await tokenWith({ deep: JSON.parse(`${'['.repeat(2_000)}${']'.repeat(2_000)}`) as unknown }) })],
    ['a write whose JSON body nests 100,000 deep', async () => ({ method: 'POST', path: '/api/v1/namespaces/prod/configmaps', body: `${'['.repeat(100_000)}${']'.repeat(100_000)}`, headers: { 'content-type': 'application/json' } })],
    ['a write whose JSON body is 100,000 keys', async () => ({ method: 'POST', path: '/api/v1/namespaces/prod/configmaps', body: JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'x' }, data: Object.fromEntries(Array.from({ length: 100_000 }, (_, i) => [`k${i}`, 'v'])) }), headers: { 'content-type': 'application/json' } })],
    ['a YAML body of nested aliases (billion laughs)', async () => ({ method: 'POST', path: '/api/v1/namespaces/prod/configmaps', body: `a: &a ["x","x","x","x","x","x","x","x","x"]\nb: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]\nc: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]\nd: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]\ne: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]\nf: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]\ng: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]\nh: [*g,*g,*g,*g,*g,*g,*g,*g,*g]\n`, headers: { 'content-type': 'application/yaml' } })],
  ])('%s on a production Secret read or write: a specific refusal', async (_what, make) => {
    const token = await signedIn('aal1', 600);
    const spec = await make();
    const res = await send(spec.token ?? token, { host: KUBE, path: SECRET, ...spec, token: undefined } as RequestSpec);
    expect(reason(res), rules(res)).not.toBe('allowed');
  }, 60_000);

  it('300 distinct valid tokens (cache churn) and then the everyday token on a Secret: still refused, and its own read still allowed', async () => {
    const token = await signedIn('aal1', 600);
    for (let i = 0; i < 300; i += 30) await Promise.all(Array.from({ length: 30 }, async () => send(await tokenWith({}), { host: KUBE, path: PODS })));
    expect(reason(await send(token, { host: KUBE, path: SECRET }))).not.toBe('allowed');
    expect(reason(await send(token, { host: KUBE, path: PODS }))).toBe('allowed');
  }, 120_000);

  it('a 4 MiB body to the HTTP ext_authz listener (Envoy HTTP mode): answered, not allowed, and the listener still serves', async () => {
    const token = await signedIn('aal1', 600);
    const r = await raw(server().authz, '/api/v1/namespaces/prod/configmaps', { method: 'POST', headers: { host: KUBE, authorization: `Bearer ${token}`, 'content-type': 'application/json', 'x-forwarded-for': OFFICE }, body: `{"a":"${'x'.repeat(4 << 20)}"}` });
    expect(r.status).not.toBe(200);
    const ok = await raw(server().authz, PODS, { headers: { host: KUBE, authorization: `Bearer ${token}`, 'user-agent': 'kubectl/v1.34.1', 'x-forwarded-for': OFFICE } });
    expect(ok.status).toBe(200);
  });

  it('a step-up form of 1 MiB and a callback with 10,000 parameters are refused without a session', async () => {
    const form = await answeredOrReset(raw(server().stepup!, '/.stepgate/continue', { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', origin: 'http://auth.localhost:8080', 'sec-fetch-site': 'same-origin' }, body: `rd=${'a'.repeat(1 << 20)}` }));
    expect(form.status).toBeGreaterThanOrEqual(400);
    expect(form.headers.location).toBeUndefined();
    expect(String(form.headers['set-cookie'] ?? '')).not.toMatch(/stepgate_session=[^;]/);
    const cb = await answeredOrReset(raw(server().stepup!, `/.stepgate/callback?${Array.from({ length: 10_000 }, (_, i) => `p${i}=v`).join('&')}&code=x&state=y`));
    expect(cb.status).toBeGreaterThanOrEqual(400);
    expect(String(cb.headers['set-cookie'] ?? '')).not.toMatch(/stepgate_session=[^;]/);
  });
});

describe('the step-up link the HTTP ext_authz listener builds, under spoofed Host and X-Forwarded-* headers', () => {
  const NAVIGATE = { accept: 'text/html', 'sec-fetch-mode': 'navigate', 'user-agent': 'Mozilla/5.0 Chrome/131.0.0.0' };
  /** The rd of the step-up link an answer carries (Location or x-stepgate-location), or undefined. */
  function rdOf(r: Reply): string | undefined {
    const loc = (r.headers.location ?? r.headers['x-stepgate-location']) as string | undefined;
    return loc === undefined ? undefined : (new URL(loc).searchParams.get('rd') ?? undefined);
  }

  it.each<[string, Record<string, string>]>([
    ['X-Forwarded-Host naming another site', { 'x-forwarded-host': 'evil.example' }],
    ['X-Forwarded-Host with a port and userinfo', { 'x-forwarded-host': `${DASH}@evil.example:443` }],
    ['X-Forwarded-Host with a path', { 'x-forwarded-host': `${DASH}/.evil.example` }],
    ['X-Forwarded-Host with a backslash', { 'x-forwarded-host': `evil.example\\${DASH}` }],
    ['X-Forwarded-Proto javascript', { 'x-forwarded-proto': 'javascript' }],
    ['X-Forwarded-Proto with a host in it', { 'x-forwarded-proto': 'https://evil.example/#' }],
    ['X-Forwarded-Uri starting with //', { 'x-forwarded-uri': '//evil.example/admin/users' }],
    ['X-Forwarded-Uri starting with /\\', { 'x-forwarded-uri': '/\\evil.example/admin/users' }],
    ['X-Forwarded-Uri that is absolute', { 'x-forwarded-uri': 'https://evil.example/admin/users' }],
    ['X-Forwarded-Uri with @', { 'x-forwarded-uri': '@evil.example/admin/users' }],
  ])('forward-auth (Traefik) with %s: the link returns to the dashboard or nowhere', async (_what, spoof) => {
    const r = await raw(server().authz, '/_stepgate_authz', {
      headers: { host: 'stepgate.internal', 'x-forwarded-method': 'GET', 'x-forwarded-uri': '/admin/users', 'x-forwarded-host': DASH, 'x-forwarded-proto': 'https', 'x-forwarded-for': OFFICE, ...NAVIGATE, ...spoof },
    });
    expect(r.status).not.toBe(200);
    const rd = rdOf(r);
    if (rd !== undefined) {
      const u = new URL(rd);
      expect(u.protocol).toBe('https:');
      expect(u.host).toBe(DASH);
    }
    // The link itself is stepgate's step-up URL; another site may appear only inside rd's path.
    const loc = (r.headers.location ?? r.headers['x-stepgate-location']) as string | undefined;
    if (loc !== undefined) expect(new URL(loc).host).toBe('auth.localhost:8080');
  });

  it.each<[string, string]>([
    ['a Host with userinfo', `${DASH}@evil.example`],
    ['a Host with a path', `${DASH}/x`],
    ['a Host with a backslash', `evil.example\\${DASH}`],
    ['a Host of another site', 'evil.example'],
  ])('Envoy HTTP mode with %s: the link returns to a listed host or nowhere', async (_what, host) => {
    const r = await raw(server().authz, '/admin/users', { headers: { host, 'x-forwarded-for': OFFICE, ...NAVIGATE } });
    expect(r.status).not.toBe(200);
    const rd = rdOf(r);
    if (rd !== undefined) expect(new URL(rd).host).toBe(DASH);
    expect(JSON.stringify(r.headers)).not.toContain('evil.example');
  });

  it('control: the plain navigation to the dashboard\'s admin page gets a link back to it', async () => {
    const r = await raw(server().authz, '/_stepgate_authz', {
      headers: { host: 'stepgate.internal', 'x-forwarded-method': 'GET', 'x-forwarded-uri': '/admin/users', 'x-forwarded-host': DASH, 'x-forwarded-proto': 'https', 'x-forwarded-for': OFFICE, ...NAVIGATE },
    });
    expect(rdOf(r)).toBe(`https://${DASH}/admin/users`);
  });
});

describe('the device cookie never lowers what a request is asked', () => {
  /** A session the callback would have sealed, `age` seconds after a one-factor sign-in. */
  async function aal1Session(sub: string): Promise<string> {
    const sealed = await codec.create({ iss: server().issuer.url, sub, acr: 'urn:stepgate:aal1', amr: AMR.aal1, auth_time: subjects.now() - 600, extra: { sub, email: sub } }, Date.now());
    return `stepgate_session=${sealed!.value}`;
  }
  const forged = [
    ['a forged device cookie of the right shape', 'stepgate_device=k1.AAAAAAAAAAAAAAAAAAAAAA.AAAAAAAAAAAAAAAAAAAAAA'],
    ['a device cookie with an unknown key id', 'stepgate_device=k9.AAAAAAAAAAAAAAAAAAAAAA.AAAAAAAAAAAAAAAAAAAAAA'],
    ['five device cookies', Array.from({ length: 5 }, (_, i) => `stepgate_device=k1.${String(i).repeat(22)}.${'B'.repeat(22)}`).join('; ')],
    ['a device cookie joined after a comma (two Cookie headers as Envoy joins them)', 'a=b, stepgate_device=k1.AAAAAAAAAAAAAAAAAAAAAA.AAAAAAAAAAAAAAAAAAAAAA'],
    ['a 64 KiB device cookie', `stepgate_device=${'A'.repeat(65_536)}`],
  ];

  it.each(forged)('%s beside a one-factor session: the admin page is still asked for two factors', async (_what, device) => {
    const cookie = `${await aal1Session(subjects.subject())}; ${device}`;
    const res = await send(undefined, { host: DASH, path: '/admin/users', headers: { cookie, accept: 'text/html', 'sec-fetch-mode': 'navigate' } });
    expect(reason(res), rules(res)).not.toBe('allowed');
  });

  it.each(forged)('control: %s beside a one-factor session leaves the dashboard home allowed or asks, never errs', async (_what, device) => {
    const cookie = `${await aal1Session(subjects.subject())}; ${device}`;
    const res = await send(undefined, { host: DASH, path: '/d/home', headers: { cookie, accept: 'text/html', 'sec-fetch-mode': 'navigate' } });
    expect(reason(res)).not.toBe('internal_error');
  });
});
