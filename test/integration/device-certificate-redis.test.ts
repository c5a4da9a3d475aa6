import { rmSync } from 'node:fs';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/load.js';
import { deviceIssueKey } from '../../src/state/keys.js';
import { startService, type Service } from '../../src/main.js';
import { createLogger } from '../../src/telemetry/log.js';
import { deviceCertificatesYaml, makeDeviceCa, opensslCsr, type TestDeviceCa } from '../support/device-ca.js';
import { TestIssuer } from '../support/issuer.js';
import { startRedis, type RedisServer } from '../support/redis.js';
import { CLIENT_ID, freePort, http, stepupConfigYaml, stepupEnv } from '../support/stepup.js';

/**
 * device_certificates.rate_limit with `state.store: redis`: two stepgate replicas sharing one real
 * redis-server together issue no more than the limit to one subject (each counting for itself
 * would issue the limit each), and a replica that cannot reach Redis refuses rather than issue
 * uncounted.
 */

let issuer: TestIssuer;
let ca: TestDeviceCa;
let redis: RedisServer;
let a: Service;
let b: Service;
let now = Date.now();
const logs: Record<string, unknown>[] = [];
const MAX = 3;

async function replica(): Promise<Service> {
  const httpPort = await freePort();
  const yaml = `${stepupConfigYaml({ idp: issuer.url, httpPort, patientKeys: true })}
${deviceCertificatesYaml(ca, MAX)}state:
  store: redis
  timeout_ms: 500
  redis:
    url: ${redis.url}
    key_prefix: "dev:"
`;
  const config = parseConfig(yaml, 'device-redis.yaml');
  const log = createLogger('info', { write: (s: string) => void logs.push(JSON.parse(s) as Record<string, unknown>) });
  return startService(config, stepupEnv(), log, { now: () => now });
}

const tokenFor = (sub: string) => {
  const s = Math.floor(now / 1000);
  return issuer.token({ aud: CLIENT_ID, sub, acr: 'urn:stepgate:aal2', amr: ['pwd', 'mfa'], auth_time: s - 60, iat: s - 60, exp: s + 600 });
};

async function enrol(s: Service, sub: string) {
  const r = await http(`http://127.0.0.1:${s.http!.port}/.stepgate/v1/device-certificate`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${await tokenFor(sub)}` },
    body: JSON.stringify({ csr: opensslCsr(`/CN=${sub}`).csr }),
  });
  return { status: r.status, reason: r.status === 200 ? 'issued' : (JSON.parse(r.body) as { reason: string }).reason };
}

beforeAll(async () => {
  issuer = await TestIssuer.start();
  ca = makeDeviceCa();
  redis = await startRedis();
  a = await replica();
  b = await replica();
}, 60_000);

afterAll(async () => {
  await a?.stop();
  await b?.stop();
  await issuer?.close();
  await redis?.stop();
  rmSync(ca.dir, { recursive: true, force: true });
});

describe('the issue limit with a Redis state store', () => {
  it('is shared: two replicas together issue at most rate_limit.max to one subject', async () => {
    now = Date.now();
    const sub = 'shared@example.com';
    const got: string[] = [];
    // Alternating replicas, twice the limit: per-replica counting would issue all six.
    for (let i = 0; i < 2 * MAX; i++) got.push((await enrol(i % 2 === 0 ? a : b, sub)).reason);
    expect(got.filter((r) => r === 'issued')).toHaveLength(MAX);
    expect(got.slice(MAX)).toEqual(new Array(MAX).fill('device_rate_limited'));
    // Another subject has its own count, on either replica.
    expect((await enrol(b, 'other@example.com')).reason).toBe('issued');
    // The count expires with its window: a key without a TTL would hold the subject at its limit for good.
    const client = new Redis(redis.url);
    try {
      const key = deviceIssueKey('dev:', issuer.url, sub);
      expect(await client.get(key)).toBe(String(2 * MAX));
      const ttl = await client.pttl(key);
      expect(ttl).toBeGreaterThan(3_500_000);
      expect(ttl).toBeLessThanOrEqual(3_600_000);
    } finally {
      client.disconnect();
    }
  });

  it('fails closed when Redis cannot answer: state_unavailable, never an uncounted certificate', async () => {
    now = Date.now();
    await redis.kill();
    try {
      const r = await enrol(a, 'outage@example.com');
      expect(r).toEqual({ status: 503, reason: 'state_unavailable' });
      expect(logs.find((l) => l.event === 'device.certificate' && l.code === 'state_unavailable')).toMatchObject({ outcome: 'refused', subject: 'outage@example.com' });
    } finally {
      await redis.start();
    }
  });
});
