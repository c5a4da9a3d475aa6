import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { ConfigError, parseConfig, StartupError } from '../../src/config/load.js';
import { startService } from '../../src/main.js';
import { createLogger } from '../../src/telemetry/log.js';

const BASE = `issuers:
  - issuer: https://idp.example.com
    audiences: [kubernetes]
assurance:
  levels:
    - name: aal1
      acr: [a1]
policy:
  default:
    require: aal1
`;

const OIDC = `  oidc:
    issuer: https://idp.example.com
    client_id: stepgate
    client_secret_env: SG_SECRET
    redirect_uri: https://auth.example.com/.stepgate/callback
`;
const SESSION = `  session:
    keys_env: SG_KEYS
`;

function fields(text: string): string[] {
  try {
    parseConfig(text, 'stepgate.yaml');
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as ConfigError).problems.map((p) => `${p.line}:${p.field}: ${p.message}`);
  }
  throw new Error('expected the config to be rejected');
}

describe('step-up configuration', () => {
  it('defaults: step-up listener on 8080, HTTP authz off, no proxies trusted, cookie names and lifetimes', () => {
    const c = parseConfig(`${BASE}stepup:\n${OIDC}${SESSION}`, 'x.yaml');
    expect(c.server).toMatchObject({ http_listen: '0.0.0.0:8080', authz_http_listen: 'off', trusted_proxies: [], authz_http_path_prefix: '' });
    expect(c.stepup.oidc).toMatchObject({ scopes: ['openid'], allow_insecure_http: false });
    expect(c.stepup.session).toMatchObject({ cookie_name: 'stepgate_session', lifetime_seconds: 3600 });
    expect(c.stepup.state_cookie.lifetime_seconds).toBe(600);
  });

  it.each([
    ['oidc without session', `stepup:\n${OIDC}`, /stepup\.session: required with stepup\.oidc/],
    ['session without oidc', `stepup:\n${SESSION}`, /stepup\.session: set only together with stepup\.oidc/],
    ['http issuer', `stepup:\n${OIDC.replace('https://idp.example.com', 'http://idp.example.com')}${SESSION}`, /stepup\.oidc\.issuer: must be https/],
    ['http loopback without the switch', `stepup:\n${OIDC.replace('https://idp.example.com', 'http://127.0.0.1:9000')}${SESSION}`, /stepup\.oidc\.issuer: http needs allow_insecure_http/],
    ['a callback on another path', `stepup:\n${OIDC.replace('/.stepgate/callback', '/cb')}${SESSION}`, /stepup\.oidc\.redirect_uri: must end in \/\.stepgate\/callback/],
    ['scopes without openid', `stepup:\n${OIDC}    scopes: [email]\n${SESSION}`, /stepup\.oidc\.scopes: must include openid/],
    ['a session lifetime over a day', `stepup:\n${OIDC}${SESSION}    lifetime_seconds: 90000\n`, /stepup\.session\.lifetime_seconds/],
    ['a bad cookie name', `stepup:\n${OIDC}${SESSION}    cookie_name: "a b"\n`, /stepup\.session\.cookie_name/],
    ['an unknown key', `stepup:\n${OIDC}${SESSION}    secure: false\n`, /stepup\.session\.secure: Unrecognized key/],
    ['a bad CIDR', `server:\n  trusted_proxies: [10.0.0.0/33]\n`, /server\.trusted_proxies\[0\]: must be an IP address or CIDR/],
    ['a bad listen', `server:\n  authz_http_listen: "9192"\n`, /server\.authz_http_listen/],
  ])('refuses %s, naming line and field', (_n, extra, message) => {
    const found = fields(`${BASE}${extra}`);
    expect(found.join('\n')).toMatch(message);
    expect(found[0]).toMatch(/^\d+:/);
  });

  it('allows http only for a loopback IdP with allow_insecure_http', () => {
    const oidc = OIDC.replace('https://idp.example.com', 'http://127.0.0.1:9000').replace('https://auth.example.com', 'http://localhost:8080');
    expect(() => parseConfig(`${BASE}stepup:\n${oidc}    allow_insecure_http: true\n${SESSION}`, 'x.yaml')).not.toThrow();
  });

  it.each([
    ['the cookie keys are missing', { SG_SECRET: 's' }, /stepup\.session\.keys_env \(SG_KEYS\)/],
    ['a cookie key is short', { SG_SECRET: 's', SG_KEYS: `k:${randomBytes(16).toString('base64url')}` }, /stepup\.session\.keys_env \(SG_KEYS\).*16 bytes/],
    ['the client secret is missing', { SG_KEYS: `k:${randomBytes(32).toString('base64url')}` }, /stepup\.oidc\.client_secret_env: environment variable SG_SECRET is not set/],
  ])('startService fails with a StartupError when %s', async (_n, env, message) => {
    const config = parseConfig(`${BASE}server:\n  grpc_listen: 127.0.0.1:0\n  http_listen: 127.0.0.1:0\nstepup:\n${OIDC}${SESSION}`, 'x.yaml');
    const err = await startService(config, { ...env, STEPGATE_METRICS_LISTEN: 'off' }, createLogger('silent')).then(
      async (s) => {
        await s.stop();
        return undefined;
      },
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(StartupError);
    expect((err as Error).message).toMatch(message);
  });
});
