import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse as parseYaml, stringify as stringifyYaml } from 'yaml';
import { parseConfig } from '../../src/config/load.js';
import { valueAt } from '../../src/config/reload.js';
import { APPLY } from '../../src/config/schema.js';
import { startService, type Service } from '../../src/main.js';
import { createLogger } from '../../src/telemetry/log.js';
import { HMAC_SECRET, testConfigYaml, withStepupSession } from '../support/config.js';
import { makeDeviceCa } from '../support/device-ca.js';

// A real service (gRPC bound on a free port, the runtime rebuilt on each reload): each key that
// schema/apply.ts marks restart is changed in turn and must be named in one warning.
const restartKeys = Object.entries(APPLY).filter(([, a]) => a === 'restart').map(([k]) => k);

// The device CA is read once, at start: the base starts with one CA's files, the change names another's.
const baseCa = makeDeviceCa('reload base CA');
const otherCa = makeDeviceCa('reload other CA');

/**
 * A value each restart-only key can take that differs from the base below and still loads. The
 * listener addresses are never bound: a reload does not re-listen, which is what this test proves.
 */
const CHANGED: Record<string, unknown> = {
  'server.grpc_listen': '127.0.0.2:0',
  'server.http_listen': '127.0.0.3:0',
  'server.authz_http_listen': '127.0.0.4:0',
  'server.trusted_proxies': ['10.0.0.0/8'],
  'server.max_inflight_checks': 7,
  'server.reload_interval_seconds': 42,
  'stepup.oidc.issuer': 'https://other-idp.example.com',
  'stepup.oidc.client_id': 'other-client',
  'stepup.oidc.client_secret_env': 'OTHER_SECRET',
  'stepup.oidc.redirect_uri': 'https://other.example.com/.stepgate/callback',
  'stepup.oidc.scopes': ['openid', 'profile'],
  'stepup.oidc.allow_insecure_http': true,
  'stepup.session.keys_env': 'OTHER_KEYS',
  'stepup.state_cookie.lifetime_seconds': 900,
  'token_cache.encoded_allow_max_entries': 77,
  'telemetry.metrics_listen': '127.0.0.5:0',
  'device_certificates.ca_certificate_file': otherCa.certFile,
  'device_certificates.ca_key_file': otherCa.keyFile,
};

function setPath(raw: Record<string, unknown>, path: string, value: unknown): void {
  const parts = path.split('.');
  let at = raw;
  for (const p of parts.slice(0, -1)) at = (at[p] ??= {}) as Record<string, unknown>;
  at[parts[parts.length - 1]!] = value;
}

describe('a reload warns about every restart-only key it cannot apply (real service)', () => {
  // Step-up routes off (http_listen: off) and metrics off in the file, not by variables, so that
  // no key is overridden by the environment and each one can be seen to warn.
  const yaml = withStepupSession(testConfigYaml('http://127.0.0.1:5'))
    .replace('level: silent', 'level: info')
    .replace('  grpc_listen: 127.0.0.1:0\n', '  grpc_listen: 127.0.0.1:0\n  http_listen: "off"\n')
    .concat('telemetry:\n  metrics_listen: "off"\n')
    .concat(`device_certificates:\n  ca_certificate_file: ${baseCa.certFile}\n  ca_key_file: ${baseCa.keyFile}\n  min_level: aal2\n`);
  const base = parseConfig(yaml, 'base.yaml');
  const key = () => `k1:${randomBytes(32).toString('base64url')}`;
  const env = { TEST_HMAC_SECRET: HMAC_SECRET, SG_SECRET: 's', OTHER_SECRET: 's', SG_KEYS: key(), OTHER_KEYS: key() };
  const lines: Record<string, unknown>[] = [];
  let service: Service;

  beforeAll(async () => {
    const log = createLogger('info', { write: (s: string) => void lines.push(JSON.parse(s) as Record<string, unknown>) });
    service = await startService(base, env, log);
  });
  afterAll(async () => {
    await service?.stop();
  });

  it('has a changed value for every restart-only key (a new one needs a row here)', () => {
    expect(Object.keys(CHANGED).sort()).toEqual([...restartKeys].sort());
    for (const k of restartKeys) expect(valueAt(base, k), k).not.toEqual(CHANGED[k]);
  });

  it.each(restartKeys)('%s: one warning naming the key, old and new value, and "restart to apply"', (field) => {
    const raw = parseYaml(yaml) as Record<string, unknown>;
    setPath(raw, field, CHANGED[field]);
    lines.length = 0;
    service.reload(parseConfig(stringifyYaml(raw), 'changed.yaml'));
    const warnings = lines.filter((l) => l.event === 'config_reload' && l.outcome === 'restart_required');
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatchObject({ level: 'warn', field, old: JSON.stringify(valueAt(base, field)) ?? '(unset)', new: JSON.stringify(CHANGED[field]) });
    expect(warnings[0]!.msg).toContain(field);
    expect(warnings[0]!.msg).toContain('restart to apply');
    expect(service.restartPending.map((c) => c.field)).toEqual([field]);
    expect(service.telemetry.metrics.restartPending).toBe(1);
    // Back to the file it started with: nothing is waiting any more.
    lines.length = 0;
    service.reload(base);
    expect(lines.filter((l) => l.outcome === 'restart_required')).toEqual([]);
    expect(service.restartPending).toEqual([]);
    expect(service.telemetry.metrics.restartPending).toBe(0);
  });

  it('every changed key is named on every reload until the restart, not only on the first', () => {
    const raw = parseYaml(yaml) as Record<string, unknown>;
    setPath(raw, 'server.max_inflight_checks', 7);
    setPath(raw, 'telemetry.metrics_listen', '127.0.0.5:0');
    const changed = parseConfig(stringifyYaml(raw), 'changed.yaml');
    for (let i = 0; i < 2; i++) {
      lines.length = 0;
      service.reload(changed);
      expect(lines.filter((l) => l.outcome === 'restart_required').map((l) => l.field)).toEqual(['server.max_inflight_checks', 'telemetry.metrics_listen']);
    }
    service.reload(base);
  });

  it('a live key changes the running configuration and warns about nothing', () => {
    const raw = parseYaml(yaml) as Record<string, unknown>;
    setPath(raw, 'server.shutdown_grace_seconds', 9);
    lines.length = 0;
    service.reload(parseConfig(stringifyYaml(raw), 'live.yaml'));
    expect(lines.filter((l) => l.outcome === 'restart_required')).toEqual([]);
    expect(service.runtime.config.server.shutdown_grace_seconds).toBe(9);
    service.reload(base);
  });
});
