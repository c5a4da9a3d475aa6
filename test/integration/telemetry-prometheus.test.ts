import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startService, type Service } from '../../src/main.js';
import { createLogger } from '../../src/telemetry/log.js';
import { HMAC_SECRET, testConfig } from '../support/config.js';
import { CheckClient, reasonOf } from '../support/grpc-client.js';
import { TestIssuer } from '../support/issuer.js';
import { BROWSER_HEADERS, checkRequest, DASH_HOST } from '../support/requests.js';
import { eventually } from '../support/telemetry.js';

/**
 * A real Prometheus server (the Debian `prometheus` package; scripts/test.sh installs it) scrapes
 * stepgate's metrics endpoint, and its HTTP API must return the decision counter with the right
 * labels. A missing binary fails this file: it is never skipped.
 */

const PROMETHEUS = process.env.PROMETHEUS_BIN ?? 'prometheus';

let issuer: TestIssuer;
let service: Service;
let client: CheckClient;
let prometheus: ChildProcess | undefined;
let promOutput = '';
let promUrl = '';
const dir = mkdtempSync(join(tmpdir(), 'stepgate-prom-'));

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

beforeAll(async () => {
  const version = spawnSync(PROMETHEUS, ['--version'], { encoding: 'utf8' });
  if (version.error || version.status !== 0) {
    throw new Error(
      `the prometheus binary (${PROMETHEUS}) is required by this test and was not found or does not run` +
        `${process.env.CI === 'true' ? ' (CI=true: it must be installed; scripts/test.sh installs it)' : ''}: ` +
        'apt-get install prometheus, or run bash scripts/test.sh',
    );
  }
  issuer = await TestIssuer.start();
  service = await startService(
    testConfig(issuer.url),
    { TEST_HMAC_SECRET: HMAC_SECRET, STEPGATE_METRICS_LISTEN: '127.0.0.1:0' },
    createLogger('silent'),
  );
  client = new CheckClient(service.grpc.port);
  expect(service.telemetry.metricsPort).toBeTypeOf('number');

  const promPort = await freePort();
  promUrl = `http://127.0.0.1:${promPort}`;
  const configFile = join(dir, 'prometheus.yml');
  writeFileSync(
    configFile,
    [
      'global:',
      '  scrape_interval: 1s',
      '  evaluation_interval: 1s',
      'scrape_configs:',
      '  - job_name: stepgate',
      '    scrape_interval: 1s',
      '    scrape_timeout: 900ms',
      '    static_configs:',
      `      - targets: ['127.0.0.1:${service.telemetry.metricsPort}']`,
      '',
    ].join('\n'),
  );
  prometheus = spawn(
    PROMETHEUS,
    [
      `--config.file=${configFile}`,
      `--storage.tsdb.path=${join(dir, 'data')}`,
      `--web.listen-address=127.0.0.1:${promPort}`,
      '--log.level=warn',
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const keep = (b: Buffer) => (promOutput = (promOutput + b.toString()).slice(-4000));
  prometheus.stdout!.on('data', keep);
  prometheus.stderr!.on('data', keep);
  await eventually(
    async () => {
      if (prometheus!.exitCode !== null) throw new Error(`prometheus exited with ${prometheus!.exitCode}:\n${promOutput}`);
      return fetch(`${promUrl}/-/ready`).then((r) => r.ok, () => false);
    },
    20_000,
    'prometheus to become ready',
  );
});

afterAll(async () => {
  if (prometheus && prometheus.exitCode === null) {
    const exited = new Promise<void>((r) => prometheus!.once('exit', () => r()));
    prometheus.kill('SIGTERM');
    const timer = setTimeout(() => prometheus!.kill('SIGKILL'), 5000);
    await exited;
    clearTimeout(timer);
  }
  client?.close();
  await service?.stop();
  await issuer?.close();
  rmSync(dir, { recursive: true, force: true });
});

interface Sample {
  metric: Record<string, string>;
  value: [number, string];
}

async function query(promql: string): Promise<Sample[]> {
  const res = await fetch(`${promUrl}/api/v1/query?query=${encodeURIComponent(promql)}`);
  const body = (await res.json()) as { status: string; data?: { result: Sample[] }; error?: string };
  if (body.status !== 'success') throw new Error(`query ${promql} failed: ${body.error}`);
  return body.data!.result;
}

/** Waits until Prometheus has scraped a value of at least `min` for the series. */
function scraped(promql: string, min: number): Promise<Sample> {
  return eventually(
    async () => (await query(promql)).find((s) => Number(s.value[1]) >= min),
    30_000,
    `${promql} >= ${min} in Prometheus (its log: ${promOutput || 'empty'})`,
  );
}

describe('a real Prometheus scrapes stepgate', () => {
  it('finds the decision counter with its labels, the challenge counter and the latency histogram', async () => {
    const aal1 = await issuer.token();
    for (let i = 0; i < 3; i++) expect(reasonOf(await client.check(checkRequest({ path: '/api/v1/namespaces/dev/pods', token: aal1 })))).toBe('allowed');
    for (let i = 0; i < 2; i++) {
      expect(reasonOf(await client.check(checkRequest({ path: '/api/v1/namespaces/prod/secrets/db', token: aal1 })))).toBe('acr_insufficient');
    }
    expect(reasonOf(await client.check(checkRequest({ host: DASH_HOST, path: '/admin/users', token: aal1, headers: BROWSER_HEADERS })))).toBe(
      'acr_insufficient',
    );
    expect(reasonOf(await client.check(checkRequest({ path: '/api/v1/nodes/n1/proxy', token: aal1 })))).toBe('policy_deny');

    const up = await scraped('up{job="stepgate"}', 1);
    expect(up.value[1]).toBe('1');

    // Three acr_insufficient denials: two on secrets (API), one on grafana-admin (browser).
    const denied = await scraped('stepgate_decisions_total{job="stepgate",decision="deny",reason="acr_insufficient"}', 3);
    expect(denied.metric).toMatchObject({ __name__: 'stepgate_decisions_total', decision: 'deny', reason: 'acr_insufficient' });
    expect(denied.value[1]).toBe('3');
    expect(denied.metric.rules).toBeUndefined();

    const allowed = await scraped('stepgate_decisions_total{decision="allow",reason="allowed"}', 3);
    expect(allowed.value[1]).toBe('3');
    await scraped('stepgate_decisions_total{decision="deny",reason="policy_deny"}', 1);

    // One series per rule, never per combination of rules.
    const secrets = await scraped('stepgate_rule_decisions_total{rule="secrets",decision="stepup"}', 2);
    expect(secrets.value[1]).toBe('2');
    await scraped('stepgate_rule_decisions_total{rule="grafana-admin",decision="stepup"}', 1);
    await scraped('stepgate_rule_decisions_total{rule="default",decision="allow"}', 3);
    await scraped('stepgate_rule_decisions_total{rule="no-node-proxy",decision="deny"}', 1);
    expect((await query('stepgate_rule_decisions_total{rule=~".*,.*"}'))).toEqual([]);

    const apiChallenge = await scraped('stepgate_stepup_challenges_total{reason="acr_insufficient",client_kind="api",level="aal2"}', 2);
    expect(apiChallenge.value[1]).toBe('2');
    await scraped('stepgate_stepup_challenges_total{reason="acr_insufficient",client_kind="navigation",level="aal2"}', 1);

    // Process and runtime metrics, in the same scrape.
    expect(Number((await scraped('process_resident_memory_bytes{job="stepgate"}', 1)).value[1])).toBeGreaterThan(10_000_000);
    await scraped('process_cpu_seconds_total{mode="user"}', 0.001);
    await scraped('nodejs_heap_bytes{space="limit"}', 1);
    expect(await query('nodejs_eventloop_delay_seconds{quantile="0.99"}')).toHaveLength(1);

    const buckets = await query('stepgate_check_duration_seconds_bucket{decision="allow",token_cache="hit"}');
    expect(buckets.map((b) => Number(b.metric.le))).toContain(0.00005);
    await scraped('stepgate_check_duration_seconds_count{decision="allow",token_cache="hit"}', 2);
    await scraped('stepgate_token_cache_lookups_total{result="hit"}', 1);
    await scraped(`stepgate_jwks_refreshes_total{issuer="${issuer.url}",outcome="ok"}`, 1);
    await scraped('stepgate_token_cache_entries{cache="positive"}', 1);

    // A PromQL aggregation like the dashboard's works on what was scraped.
    const ratio = await query('sum(stepgate_decisions_total{decision="deny"}) / sum(stepgate_decisions_total)');
    expect(Number(ratio[0]!.value[1])).toBeCloseTo(4 / 7, 5);
  });
});
