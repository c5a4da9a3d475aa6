/**
 * How many Checks share a Redis script call when they come through the gRPC server (src/state/
 * redis.ts batches the Checks of one event-loop turn): a service started in this process with
 * the risk engine on a throwaway redis-server, (e)'s kubectl request from a few engineers with
 * fresh aal2 tokens, N Checks in flight from several gRPC channels, and the store's own counters
 * (batchStats) per in-flight count. The client runs in the same process as the server, so its
 * CPU time is not stepgate's: this measures batch sizes, not throughput (bench (e) does that).
 *
 *   node --import tsx bench/redis-batch-server.ts [checks per count] [in-flight counts, e.g. 1,16,64]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseConfig } from '../src/config/load.js';
import { startService } from '../src/main.js';
import type { RedisStateStore } from '../src/state/redis.js';
import { createLogger } from '../src/telemetry/log.js';
import { HMAC_SECRET, testConfigYaml } from '../test/support/config.js';
import { CheckClient } from '../test/support/grpc-client.js';
import { TestIssuer } from '../test/support/issuer.js';
import { freePort } from '../test/support/redis.js';
import { checkRequest } from '../test/support/requests.js';
import { RISK_YAML } from '../test/support/risk.js';
import { startBenchRedis } from './redis.js';

const perCount = Number(process.argv[2] ?? 3000);
const counts = (process.argv[3] ?? '1,16,64').split(',').map(Number);
const CHANNELS = 8;
const ENGINEERS = 16;

const work = mkdtempSync(join(tmpdir(), 'stepgate-redis-batch-server-'));
const redis = await startBenchRedis(await freePort(), work);
const issuer = await TestIssuer.start();
const sec = () => Math.floor(Date.now() / 1000);
const yaml = testConfigYaml(issuer.url, `${RISK_YAML}\nstate:\n  store: redis\n  timeout_ms: 2000\n  redis: { url: "${redis.url}" }\n`);
const service = await startService(parseConfig(yaml, 'bench.yaml'), { TEST_HMAC_SECRET: HMAC_SECRET }, createLogger('silent'));
const clients = Array.from({ length: CHANNELS }, () => new CheckClient(service.grpc.port));
try {
  const store = service.runtime.riskState?.store as RedisStateStore | undefined;
  if (store?.batchStats === undefined) throw new Error('the service has no Redis state store');
  const requests = await Promise.all(
    Array.from({ length: ENGINEERS }, async (_, i) => {
      const token = await issuer.token({ sub: `eng${i}@example.com`, acr: 'urn:stepgate:aal2', amr: ['mfa'], auth_time: sec(), exp: sec() + 3600 });
      return checkRequest({ path: '/api/v1/namespaces/dev/pods', token, source: '10.0.0.5', headers: { 'x-forwarded-for': `203.0.113.${10 + i}` } });
    }),
  );
  // Each engineer's first Check (a first sighting), so the measured ones are routine.
  for (const [i, r] of requests.entries()) await clients[i % CHANNELS]!.check(r);
  console.log(`| Checks in flight | Checks | script calls | Checks per call (mean) | largest |`);
  console.log('|--:|--:|--:|--:|--:|');
  for (const inFlight of counts) {
    const before = { ...store.batchStats };
    store.batchStats.largest = 0;
    let next = 0;
    const worker = async (w: number) => {
      while (next < perCount) {
        const k = next++;
        await clients[w % CHANNELS]!.check(requests[k % ENGINEERS]!);
      }
    };
    await Promise.all(Array.from({ length: inFlight }, (_, w) => worker(w)));
    const checks = store.batchStats.checks - before.checks;
    const calls = store.batchStats.calls - before.calls;
    console.log(`| ${inFlight} | ${checks} | ${calls} | ${(checks / calls).toFixed(1)} | ${store.batchStats.largest} |`);
  }
} finally {
  for (const c of clients) c.close();
  await service.stop();
  await issuer.close();
  await redis.stop();
  rmSync(work, { recursive: true, force: true });
}
