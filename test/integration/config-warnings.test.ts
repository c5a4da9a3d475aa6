import { expect, it } from 'vitest';
import { startService } from '../../src/main.js';
import { createLogger } from '../../src/telemetry/log.js';
import { HMAC_SECRET, testConfigYaml } from '../support/config.js';
import { parseConfig } from '../../src/config/load.js';
import { incidentConfigYaml, incidentEnv } from '../support/incident.js';
import { freePort } from '../support/stepup.js';

function capture() {
  const lines: Record<string, unknown>[] = [];
  const log = createLogger('info', { write: (s: string) => void lines.push(JSON.parse(s) as Record<string, unknown>) });
  return { lines, log };
}

const env = { TEST_HMAC_SECRET: HMAC_SECRET, STEPGATE_METRICS_LISTEN: 'off' };

it('warns when Kubernetes rules exist but no Kubernetes host is listed, at start and on reload', async () => {
  const { lines, log } = capture();
  // The config's own log level applies on reload: keep it at info so the warning can be seen.
  const yaml = testConfigYaml('http://127.0.0.1:5').replace('level: silent', 'level: info');
  const noHosts = parseConfig(yaml.replace('hosts: [kube.example.com]', 'hosts: []'), 'no-hosts.yaml');
  const service = await startService(noHosts, env, log);
  try {
    const warning = lines.find((l) => l.event === 'config_warning');
    expect(warning).toMatchObject({ field: 'kubernetes.hosts' });
    expect(warning!.rules).toEqual(expect.arrayContaining(['secrets', 'pod-shell', 'prod-writes']));
    lines.length = 0;
    service.reload(parseConfig(yaml, 'hosts.yaml'));
    expect(lines.some((l) => l.event === 'config_warning')).toBe(false);
    service.reload(noHosts);
    expect(lines.some((l) => l.event === 'config_warning')).toBe(true);
  } finally {
    await service.stop();
  }
});

it('warns when rules with context conditions exist and the HTTP authz listener is on, at start and on reload', async () => {
  const { lines, log } = capture();
  const yaml = testConfigYaml('http://127.0.0.1:5').replace('level: silent', 'level: info');
  const config = parseConfig(yaml, 'context.yaml');
  const contextRules = config.policy.rules.filter((r) => r.match.context !== undefined).map((r) => r.name);
  // The shared test config must hold such a rule, or this test proves nothing.
  expect(contextRules.length).toBeGreaterThan(0);

  const grpcOnly = await startService(config, { ...env, STEPGATE_AUTHZ_HTTP_LISTEN: 'off' }, log);
  try {
    expect(lines.filter((l) => l.event === 'config_warning' && l.field === 'policy.rules[].match.context')).toEqual([]);
  } finally {
    await grpcOnly.stop();
  }

  lines.length = 0;
  const both = await startService(config, { ...env, STEPGATE_AUTHZ_HTTP_LISTEN: '127.0.0.1:0' }, log);
  try {
    const warning = lines.find((l) => l.event === 'config_warning' && l.field === 'policy.rules[].match.context');
    expect(warning).toBeDefined();
    expect(warning!.rules).toEqual(contextRules);
    expect(String(warning!.msg)).toMatch(/server\.authz_http_listen/);
    lines.length = 0;
    const withoutContext = { ...config, policy: { ...config.policy, rules: config.policy.rules.filter((r) => r.match.context === undefined) } };
    both.reload(withoutContext);
    expect(lines.some((l) => l.field === 'policy.rules[].match.context')).toBe(false);
    both.reload(config);
    expect(lines.some((l) => l.field === 'policy.rules[].match.context')).toBe(true);
  } finally {
    await both.stop();
  }
});

it('warns when the admin API asks no step-up, at start and on reload', async () => {
  const { lines, log } = capture();
  const yaml = incidentConfigYaml({ httpPort: await freePort(), state: 'state:\n  store: memory' }).replace('level: silent', 'level: info');
  const without = (drop: RegExp) => parseConfig(yaml.replace(drop, ''), 'admin.yaml');
  const service = await startService(without(/ {4}(require: aal2|max_age: 900)\n/g), { ...incidentEnv(), STEPGATE_METRICS_LISTEN: 'off' }, log);
  try {
    expect(lines.find((l) => l.event === 'config_warning' && l.field === 'incident.admin.require')).toBeDefined();
    lines.length = 0;
    service.reload(parseConfig(yaml, 'admin.yaml'));
    expect(lines.some((l) => l.event === 'config_warning' && String(l.field).startsWith('incident.'))).toBe(false);
    service.reload(without(/ {4}max_age: 900\n/));
    expect(lines.find((l) => l.event === 'config_warning' && l.field === 'incident.admin.max_age')).toBeDefined();
  } finally {
    await service.stop();
  }
});
