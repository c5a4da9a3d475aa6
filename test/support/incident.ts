import { randomBytes } from 'node:crypto';
import { SignJWT } from 'jose';
import { http } from './stepup.js';

/**
 * Shared by the incident and Shared Signals tests: a configuration with two HMAC issuers (the
 * engineers' IdP and the admins' issuer), stepgate's step-up listener on a chosen port (the admin
 * API and the receiver live there) and the incident section; tokens minted with chosen times.
 */

export const USER_ISSUER = 'https://idp.incident.test';
export const ADMIN_ISSUER = 'https://admin.incident.test';
export const USER_SECRET = 'user-issuer-test-secret-of-at-least-32-bytes!!';
export const ADMIN_SECRET = 'admin-issuer-test-secret-of-at-least-32-bytes!';
export const KUBE = 'kube.example.com';

export function incidentEnv(): Record<string, string> {
  return {
    SG_CLIENT_SECRET: 'unused-client-secret',
    SG_COOKIE_KEYS: `k1:${randomBytes(32).toString('base64url')}`,
    SG_USER_SECRET: USER_SECRET,
    SG_ADMIN_SECRET: ADMIN_SECRET,
    SG_SSF_AUTH: 'Bearer stream-secret-agreed-with-the-transmitter',
    STEPGATE_METRICS_LISTEN: 'off',
  };
}

export function incidentConfigYaml(o: { httpPort: number; state: string; signals?: string }): string {
  return `
server:
  grpc_listen: 127.0.0.1:0
  http_listen: 127.0.0.1:${o.httpPort}
  authz_http_listen: 127.0.0.1:0
  trusted_proxies: [127.0.0.1]
  shutdown_grace_seconds: 1
log:
  level: silent
issuers:
  - issuer: ${USER_ISSUER}
    audiences: [kubernetes]
    algorithms: [HS256]
    hmac_secret_env: SG_USER_SECRET
  - issuer: ${ADMIN_ISSUER}
    audiences: [stepgate-admin]
    algorithms: [HS256]
    hmac_secret_env: SG_ADMIN_SECRET
assurance:
  levels:
    - { name: aal1, acr: ["urn:stepgate:aal1"], amr: [pwd] }
    - { name: aal2, acr: ["urn:stepgate:aal2"], amr: [mfa] }
    - { name: aal3, acr: ["urn:stepgate:aal3"], amr: [hwk] }
kubernetes:
  hosts: [${KUBE}]
stepup:
  url: http://127.0.0.1:${o.httpPort}/.stepgate/start
  oidc:
    issuer: http://127.0.0.1:9/unused-idp
    client_id: stepgate
    client_secret_env: SG_CLIENT_SECRET
    redirect_uri: http://127.0.0.1:${o.httpPort}/.stepgate/callback
    allow_insecure_http: true
  session:
    keys_env: SG_COOKIE_KEYS
    lifetime_seconds: 3600
policy:
  default: { require: aal1, max_age: 43200 }
${o.state}
incident:
  admin:
    issuers: [${ADMIN_ISSUER}]
    groups: [sre-oncall]
    require: aal2
    max_age: 900
  max_duration_seconds: 7200
  sync_interval_ms: 100
  max_staleness_ms: 1500
${o.signals ?? ''}`;
}

/** An HS256 token; times in seconds. */
export function token(o: { issuer?: string; secret?: string; sub: string; acr?: string; authTime: number; iat?: number; aud?: string; groups?: string[]; sid?: string; cnf?: Record<string, unknown> }): Promise<string> {
  const payload: Record<string, unknown> = {
    sub: o.sub,
    acr: o.acr ?? 'urn:stepgate:aal2',
    auth_time: o.authTime,
    groups: o.groups ?? ['engineers'],
  };
  if (o.sid !== undefined) payload.sid = o.sid;
  if (o.cnf !== undefined) payload.cnf = o.cnf;
  return new SignJWT(payload)
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setIssuer(o.issuer ?? USER_ISSUER)
    .setAudience(o.aud ?? 'kubernetes')
    .setIssuedAt(o.iat ?? o.authTime)
    .setExpirationTime((o.iat ?? o.authTime) + 86_400)
    .sign(new TextEncoder().encode(o.secret ?? USER_SECRET));
}

export function adminToken(nowS: number, over: Partial<Parameters<typeof token>[0]> = {}): Promise<string> {
  return token({ issuer: ADMIN_ISSUER, secret: ADMIN_SECRET, aud: 'stepgate-admin', sub: 'oncall@example.com', groups: ['sre-oncall'], authTime: nowS, ...over });
}

/** A Kubernetes request as nginx's auth_request asks it, at the forward-auth listener on `port`. */
export function kubeCheck(port: number, uri: string, bearer: string, method = 'GET') {
  return http(`http://127.0.0.1:${port}/`, {
    headers: { host: KUBE, authorization: `Bearer ${bearer}`, 'x-original-uri': uri, 'x-original-method': method, 'user-agent': 'kubectl/v1.31.0 (linux/amd64) kubernetes/abcdef' },
  });
}

export function admin(port: number, method: string, path: string, bearer: string | undefined, body?: unknown) {
  const headers: Record<string, string> = {};
  if (bearer !== undefined) headers.authorization = `Bearer ${bearer}`;
  if (body !== undefined) headers['content-type'] = 'application/json';
  return http(`http://127.0.0.1:${port}/.stepgate/admin/v1${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
}
