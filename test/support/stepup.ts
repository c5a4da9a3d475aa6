import { randomBytes } from 'node:crypto';
import { request } from 'node:http';

/** A port that was free a moment ago (the IdP needs stepgate's redirect URI before stepgate starts). */
export { freePort, reservePort } from '../../demo/nginx.js';

export const CLIENT_ID = 'stepgate';
export const CLIENT_SECRET = 'stepgate-dev-client-secret';

/** Environment for a config from stepupConfigYaml: the client secret and a fresh cookie key list. */
export function stepupEnv(): Record<string, string> {
  return {
    SG_CLIENT_SECRET: CLIENT_SECRET,
    SG_COOKIE_KEYS: `k1:${randomBytes(32).toString('base64url')}`,
    STEPGATE_METRICS_LISTEN: 'off',
  };
}

export interface StepupConfigOptions {
  idp: string;
  httpPort: number;
  returnHosts?: string[];
  trustedProxies?: string[];
  stateLifetime?: number;
  extraRules?: string;
  /**
   * Wait up to 15 s for the issuer's keys and retry a failed fetch after 1 s (the defaults are 3 s
   * and 30 s), for a test that starts stepgate while a loaded machine is still slow to serve them.
   */
  patientKeys?: boolean;
}

/**
 * A configuration for the full loop on loopback: the dev IdP as both the bearer-token issuer
 * (audience = the client id, as kubectl's ID tokens have) and the step-up OP.
 */
export function stepupConfigYaml(o: StepupConfigOptions): string {
  return `
server:
  grpc_listen: 127.0.0.1:0
  http_listen: 127.0.0.1:${o.httpPort}
  authz_http_listen: 127.0.0.1:0
  trusted_proxies: [${(o.trustedProxies ?? ['127.0.0.2']).join(', ')}]
  shutdown_grace_seconds: 1
log:
  level: info
issuers:
  - issuer: ${o.idp}
    audiences: [${CLIENT_ID}]
    algorithms: [RS256]${o.patientKeys === true ? '\n    fetch_timeout_ms: 15000\n    jwks_cooldown_seconds: 1' : ''}
assurance:
  levels:
    - { name: aal1, acr: ["urn:stepgate:aal1"], amr: [pwd], description: "Your password." }
    - { name: aal2, acr: ["urn:stepgate:aal2"], amr: [mfa], description: "Your password and a one-time code from your authenticator app." }
    - { name: aal3, acr: ["urn:stepgate:aal3"], amr: [hwk], description: "A hardware security key." }
kubernetes:
  hosts: [kube.example.com]
stepup:
  url: http://127.0.0.1:${o.httpPort}/.stepgate/start
  return_hosts: [${(o.returnHosts ?? ['grafana.example.com']).join(', ')}]
  oidc:
    issuer: ${o.idp}
    client_id: ${CLIENT_ID}
    client_secret_env: SG_CLIENT_SECRET
    redirect_uri: http://127.0.0.1:${o.httpPort}/.stepgate/callback
    scopes: [openid, email, groups]
    allow_insecure_http: true
  session:
    keys_env: SG_COOKIE_KEYS
    lifetime_seconds: 3600
  state_cookie:
    lifetime_seconds: ${o.stateLifetime ?? 600}
identity_headers:
  claims:
    email: x-stepgate-email
policy:
  default: { require: aal1, max_age: 43200 }
  rules:
    - name: grafana-admin
      match: { hosts: [grafana.example.com], paths: ["/admin/**"] }
      require: aal2
      max_age: 900
    - name: grafana-vault
      match: { hosts: [grafana.example.com], paths: ["/vault/**"] }
      require: aal3
    - name: grafana-debug
      match: { hosts: [grafana.example.com], paths: ["/debug/**"] }
      deny: true
    - name: secrets
      match: { kubernetes: { resources: [secrets] } }
      require: aal2
      max_age: 900
${o.extraRules ?? ''}`;
}

export interface HttpResult {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** A plain HTTP request (no redirects followed), optionally from a chosen loopback address. */
export function http(
  url: string,
  opts: { method?: string; headers?: Record<string, string>; body?: string; localAddress?: string } = {},
): Promise<HttpResult> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: opts.method ?? 'GET', headers: opts.headers, localAddress: opts.localAddress }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
    });
    req.on('error', reject);
    req.end(opts.body);
  });
}

/** name=value pairs of Set-Cookie headers (attributes dropped); a Max-Age=0 cookie maps to ''. */
export function setCookies(r: HttpResult): Record<string, string> {
  const out: Record<string, string> = {};
  const list = r.headers['set-cookie'] ?? [];
  for (const c of list) {
    const pair = c.split(';')[0]!;
    const eq = pair.indexOf('=');
    out[pair.slice(0, eq)] = /Max-Age=0(;|$)/.test(c) ? '' : pair.slice(eq + 1);
  }
  return out;
}

/** The stable code on a step-up error page. */
export function pageCode(body: string): string | undefined {
  return /<code id="stepgate-code">([a-z_]+)<\/code>/.exec(body)?.[1];
}

/** The hidden fields of the step-up page's form. */
export function formFields(body: string): URLSearchParams {
  const p = new URLSearchParams();
  for (const m of body.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)">/g)) {
    p.set(m[1]!, m[2]!.replace(/&#(\d+);/g, (_s, n: string) => String.fromCharCode(Number(n))));
  }
  return p;
}

/** What GET /.stepgate/session says of the browser with this Cookie header (JSON). */
export async function sessionOf(base: string, cookie: string): Promise<{ signed_in: boolean; subject?: string }> {
  const r = await http(`${base}/.stepgate/session`, { headers: { cookie, accept: 'application/json' } });
  return JSON.parse(r.body) as { signed_in: boolean; subject?: string };
}
