import { expect, it } from 'vitest';
import { startService } from '../../src/main.js';
import { createLogger } from '../../src/telemetry/log.js';
import { HMAC_SECRET, testConfigYaml } from '../support/config.js';
import { parseConfig } from '../../src/config/load.js';

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
