import { readFileSync } from 'node:fs';
import { STATUS_CODES } from 'node:http';
import { SignJWT, exportJWK, generateKeyPair } from 'jose';
import { beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/load.js';
import { explain, type ExplainInput } from '../../src/explain.js';

/**
 * docs/reason-codes.md shows, for each code, the response a client receives. Outside reviewers
 * compare them with what stepgate prints, so each example this test can rebuild is printed again
 * here by `stepgate explain`'s code (the server's parser and check()) and compared byte for byte:
 * status line, headers in order, body. The configuration is the one the doc's examples name
 * (issuer https://login.example.com, Kubernetes host kube.example.com, stepup.url on
 * auth.example.com, rules `secrets` and Grafana's admin pages at aal2 within 900 s); the clock is
 * fixed so the sign-in times the messages quote are the doc's.
 *
 * Not rebuilt here (they need a live server, state or an approval): credential_ambiguous,
 * approval_required, approval_rejected, state_unavailable, credential_revoked, overloaded,
 * internal_error.
 */

const doc = readFileSync(new URL('../../docs/reason-codes.md', import.meta.url), 'utf8');
const NOW = Date.parse('2026-12-04T06:30:00Z');
const nowS = Math.floor(NOW / 1000);
const SECRET = 'reason-codes-doc-secret-of-at-least-32-bytes';

const CONFIG = `
issuers:
  - issuer: https://login.example.com
    audiences: [stepgate]
    algorithms: [HS256]
    hmac_secret_env: DOC_SECRET
  - issuer: https://sso.example.com
    audiences: [stepgate]
    jwks_uri: https://sso.example.com/jwks
  - issuer: https://keys-down.example.com
    audiences: [stepgate]
    jwks_uri: https://keys-down.example.com/jwks
assurance:
  levels:
    - { name: aal1, acr: [urn:example:aal1] }
    - { name: aal2, acr: [urn:example:aal2] }
    - { name: aal3, acr: [urn:example:aal3] }
kubernetes:
  hosts: [kube.example.com]
stepup:
  url: https://auth.example.com/.stepgate/start
  return_hosts: ["*.example.com"]
policy:
  default: { require: aal1, max_age: 43200 }
  rules:
    - name: secrets
      description: reading Secrets
      match: { kubernetes: { resources: [secrets] } }
      require: aal2
      max_age: 900
    - name: grafana-admin
      match: { hosts: [grafana.example.com], paths: ["/admin/**", "/api/admin/**"] }
      require: aal2
      max_age: 900
      sensitivity: 30
    - name: nodes-proxy
      match: { kubernetes: { resources: [nodes], subresources: [proxy] } }
      deny: true
      message: nodes/proxy is not available through the gateway
`;
/** client_not_allowed's example: the doc's issuer accepts tokens issued to kubelogin only. */
const PARTIES = CONFIG.replace('    hmac_secret_env: DOC_SECRET\n', '    hmac_secret_env: DOC_SECRET\n    authorized_parties: [kubelogin]\n');
/**
 * risk_deny's example: a band that refuses outright, met by a sensitive page from a new network.
 * explain keeps no history, so alice is a newcomer, whom such a band asks a sign-in by default
 * (risk.learn.newcomer_refusals: ask); `refuse` shows what a subject with a proven context meets.
 */
const RISK = `
risk:
  learn: { min_level: aal2, newcomer_refusals: refuse }
  signals: { new_ip: 0 }
  bands:
    - { name: critical, min_score: 60, deny: true, message: "Unusual activity: ask #platform-oncall." }
`;

const key = new TextEncoder().encode(SECRET);
let ssoKey: Awaited<ReturnType<typeof generateKeyPair>>['privateKey'];
let ssoJwks: unknown;

function token(claims: Record<string, unknown>, o: { alg?: string; secret?: Uint8Array; iss?: string; aud?: string; exp?: number; nbf?: number } = {}) {
  const jwt = new SignJWT({ acr: 'urn:example:aal1', auth_time: nowS - 60, ...claims })
    .setProtectedHeader({ alg: o.alg ?? 'HS256' })
    .setIssuer(o.iss ?? 'https://login.example.com')
    .setAudience(o.aud ?? 'stepgate')
    .setIssuedAt(nowS - 60)
    .setExpirationTime(o.exp ?? nowS + 600);
  if (o.nbf !== undefined) jwt.setNotBefore(o.nbf);
  return jwt.sign(o.secret ?? key);
}

const fetchJwks = (url: string) =>
  url === 'https://sso.example.com/jwks'
    ? Promise.resolve(new Response(JSON.stringify(ssoJwks), { headers: { 'content-type': 'application/json' } }))
    : Promise.reject(new TypeError('fetch failed'));

/** The response as the doc writes it: status line, headers, a blank line, the body on one line. */
async function printed(input: ExplainInput, yaml = CONFIG): Promise<string> {
  const out = (await explain(parseConfig(yaml, 'reason-codes.yaml'), input, { now: () => NOW, env: { DOC_SECRET: SECRET }, fetch: fetchJwks })) as {
    response: { status: number; headers: Record<string, string>; body: unknown };
  };
  const r = out.response;
  const headers = Object.entries(r.headers).map(([k, v]) => `${k}: ${v}`);
  return [`HTTP/1.1 ${r.status} ${STATUS_CODES[r.status]}`, ...headers, '', JSON.stringify(r.body)].join('\n');
}

/** The `HTTP/1.1` blocks of the section of one code, in order. */
function examples(code: string): string[] {
  const start = doc.indexOf(`\n## \`${code}\`\n`);
  expect(start, `section ${code}`).toBeGreaterThan(0);
  const end = doc.indexOf('\n## ', start + 1);
  const section = doc.slice(start, end === -1 ? undefined : end);
  return [...section.matchAll(/```\n(HTTP\/1\.1 [\s\S]*?)\n```/g)].map((m) => m[1]!);
}

const KUBE_SECRET = 'https://kube.example.com/api/v1/namespaces/prod/secrets/db';
const BROWSER: [string, string][] = [
  ['accept', 'text/html'],
  ['sec-fetch-mode', 'navigate'],
];
const get = (url: string, o: Partial<ExplainInput> = {}): ExplainInput => ({ method: 'GET', url, headers: [], ...o });

beforeAll(async () => {
  const pair = await generateKeyPair('RS256');
  ssoKey = pair.privateKey;
  // The issuer publishes another key than the one the token names.
  const other = await generateKeyPair('RS256');
  ssoJwks = { keys: [{ ...(await exportJWK(other.publicKey)), kid: 'published', alg: 'RS256', use: 'sig' }] };
});

describe('docs/reason-codes.md examples are what stepgate answers', () => {
  const cases: [code: string, index: number, input: () => Promise<ExplainInput>, yaml?: string][] = [
    ['token_missing', 0, async () => get(KUBE_SECRET)],
    ['token_missing', 1, async () => get('https://grafana.example.com/admin/users?page=2', { headers: BROWSER })],
    ['token_malformed', 0, async () => get('https://grafana.example.com/api/search', { token: 'abc.def' })],
    ['token_invalid', 0, async () => get('https://kube.example.com/api/v1/namespaces/dev/pods', { token: await token({ sub: 'alice@example.com' }, { secret: new TextEncoder().encode('not-the-issuer-secret-but-as-long-as-it') }) })],
    ['token_expired', 0, async () => get(KUBE_SECRET, { token: await token({ sub: 'alice@example.com' }, { exp: nowS - 3600 }) })],
    ['token_not_yet_valid', 0, async () => get('https://grafana.example.com/api/search', { token: await token({ sub: 'alice@example.com' }, { nbf: nowS + 3600, exp: nowS + 7200 }) })],
    ['audience_mismatch', 0, async () => get('https://grafana.example.com/api/search', { token: await token({ sub: 'alice@example.com' }, { aud: 'another-service' }) })],
    ['client_not_allowed', 0, async () => get(KUBE_SECRET, { token: await token({ sub: 'alice@example.com', azp: 'calendar-sync-addon' }) }), PARTIES],
    ['issuer_unknown', 0, async () => get('https://grafana.example.com/api/search', { token: await token({ sub: 'alice@example.com' }, { iss: 'https://evil.example.net' }) })],
    ['algorithm_forbidden', 0, async () => get('https://grafana.example.com/api/search', { token: await token({ sub: 'alice@example.com' }, { alg: 'HS512' }) })],
    [
      'key_unknown',
      0,
      async () =>
        get('https://grafana.example.com/api/search', {
          token: await new SignJWT({ sub: 'alice@example.com', acr: 'urn:example:aal1', auth_time: nowS - 60 })
            .setProtectedHeader({ alg: 'RS256', kid: 'rotated-away' })
            .setIssuer('https://sso.example.com')
            .setAudience('stepgate')
            .setIssuedAt(nowS - 60)
            .setExpirationTime(nowS + 600)
            .sign(ssoKey),
        }),
    ],
    ['subject_missing', 0, async () => get('https://grafana.example.com/api/search', { token: await token({}) })],
    [
      'jwks_unavailable',
      0,
      async () =>
        get(KUBE_SECRET, {
          token: await new SignJWT({ sub: 'alice@example.com' }).setProtectedHeader({ alg: 'RS256', kid: 'k1' }).setIssuer('https://keys-down.example.com').setAudience('stepgate').setExpirationTime(nowS + 600).sign(ssoKey),
        }),
    ],
    ['acr_insufficient', 0, async () => get(KUBE_SECRET, { token: await token({ sub: 'alice@example.com' }) })],
    ['acr_insufficient', 1, async () => get('https://grafana.example.com/admin/users?page=2', { headers: BROWSER, token: await token({ sub: 'alice@example.com' }) })],
    ['auth_too_old', 0, async () => get(KUBE_SECRET, { token: await token({ sub: 'alice@example.com', acr: 'urn:example:aal2', auth_time: Date.parse('2026-12-03T19:46:48Z') / 1000 }) })],
    ['auth_time_missing', 0, async () => get('https://grafana.example.com/api/admin/users', { token: await token({ sub: 'alice@example.com', acr: 'urn:example:aal2', auth_time: undefined }) })],
    ['policy_deny', 0, async () => get('https://kube.example.com/api/v1/nodes/node-1/proxy/metrics', { token: await token({ sub: 'alice@example.com', acr: 'urn:example:aal3' }) })],
    ['risk_deny', 0, async () => get('https://grafana.example.com/api/admin/users', { token: await token({ sub: 'alice@example.com', acr: 'urn:example:aal2' }), source: '198.51.100.50' }), CONFIG + RISK],
    ['request_invalid', 0, async () => get('https://grafana.example.com/api/%zz')],
    ['kubernetes_host_unlisted', 0, async () => get('https://10.96.0.1/api/v1/namespaces/kube-system/secrets', { token: await token({ sub: 'alice@example.com', acr: 'urn:example:aal3' }) })],
    ['header_too_large', 0, async () => get('https://grafana.example.com/api/search', { headers: [['x-big', 'a'.repeat(70_000)]] })],
  ];

  it.each(cases.map(([code, i, input, yaml]) => [`${code} #${i + 1}`, code, i, input, yaml] as const))('%s', async (_name, code, i, input, yaml) => {
    const quoted = examples(code)[i];
    expect(quoted, `example ${i + 1} of ${code}`).toBeDefined();
    expect(await printed(await input(), yaml)).toBe(quoted);
  });

  it('the plain denial body under "The denial body" is acr_insufficient for an API client', async () => {
    const section = doc.slice(doc.indexOf('\n## The denial body\n'), doc.indexOf('\n## dynamic_metadata\n'));
    const plain = JSON.parse(/```json\n([\s\S]*?)```/.exec(section)![1]!) as unknown;
    const out = (await explain(parseConfig(CONFIG, 'reason-codes.yaml'), get('https://grafana.example.com/api/admin/users', { token: await token({ sub: 'alice@example.com' }) }), {
      now: () => NOW,
      env: { DOC_SECRET: SECRET },
      fetch: fetchJwks,
    })) as { response: { body: unknown } };
    expect(out.response.body).toEqual(plain);
  });
});
