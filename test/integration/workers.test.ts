import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HMAC_SECRET, testConfigYaml } from '../support/config.js';
import { CheckClient } from '../support/grpc-client.js';
import { TestIssuer } from '../support/issuer.js';
import { runCli } from '../support/process.js';
import { startRedis, type RedisServer } from '../support/redis.js';
import { checkRequest } from '../support/requests.js';

// `stepgate serve --workers N` (node:cluster): real processes, a real redis-server.
const dir = mkdtempSync(join(tmpdir(), 'stepgate-workers-'));
let issuer: TestIssuer;
let redis: RedisServer;

beforeAll(async () => {
  issuer = await TestIssuer.start();
  redis = await startRedis();
});

afterAll(async () => {
  await issuer?.close();
  await redis?.stop();
  rmSync(dir, { recursive: true, force: true });
});

function configFile(name: string, extra: string): string {
  const file = join(dir, name);
  writeFileSync(file, testConfigYaml(issuer.url, extra).replace('level: silent', 'level: info'));
  return file;
}

// The test policy keeps step-up challenges for the kubectl plugin (kubernetes.challenge_ttl_seconds
// defaults to 300), which live in the state store.

describe('stepgate serve --workers', () => {
  it('refuses more than one worker with state in process memory (each worker would judge on its own history)', async () => {
    for (const extra of ['state:\n  store: memory\n', '']) {
      const run = runCli(['serve', '--workers', '2', '--config', configFile('memory.yaml', extra)], { TEST_HMAC_SECRET: HMAC_SECRET });
      const { code } = await run.exited;
      expect(code).toBe(2);
      expect(run.stderr.join('\n')).toContain('needs state.store: redis');
    }
  });

  it('refuses a --workers that is not a whole number from 1 to 64', async () => {
    for (const bad of ['0', '1.5', 'two', '65']) {
      const run = runCli(['serve', '--workers', bad, '--config', configFile('bad.yaml', '')], { TEST_HMAC_SECRET: HMAC_SECRET });
      expect((await run.exited).code).toBe(2);
      expect(run.stderr.join('\n')).toContain('--workers');
    }
  });

  it('two workers with Redis state share one port, both answer Checks, and SIGTERM stops them all', { timeout: 180_000 }, async () => {
    const file = configFile('redis.yaml', `state:\n  store: redis\n  redis: { url: "${redis.url}" }\n`);
    const run = runCli(['serve', '--config', file], { TEST_HMAC_SECRET: HMAC_SECRET, STEPGATE_WORKERS: '2' });
    const records = () => run.stdout.flatMap((l) => {
      try {
        return [JSON.parse(l) as Record<string, unknown>];
      } catch {
        return [];
      }
    });
    const svc = { child: run.child, exited: run.exited, get logs() { return records(); }, port: 0 };
    try {
      // Both workers started and listen on the one port (each compiles the sources through tsx: slow on a busy machine).
      const listening = () => svc.logs.filter((r) => r.event === 'listening' && r.transport === 'grpc').map((r) => r.port);
      await expect.poll(() => listening().length, { timeout: 90_000, interval: 100 }).toBe(2);
      svc.port = listening()[0] as number;
      expect(listening()).toEqual([svc.port, svc.port]);
      const token = await issuer.token();
      // Connections are handed to the workers in turn: a few connections reach both. Denials are
      // logged, and each record names its worker.
      const seen = () => new Set(svc.logs.filter((r) => r.reason === 'token_missing').map((r) => r.worker));
      for (let i = 0; i < 8 && seen().size < 2; i++) {
        const c = new CheckClient(svc.port);
        try {
          expect((await c.check(checkRequest({ path: '/api/v1/namespaces/dev/pods', token }))).status.code).toBe(0);
          expect((await c.check(checkRequest({ path: '/api/v1/namespaces/dev/pods' }))).status.code).not.toBe(0);
        } finally {
          c.close();
        }
        await expect.poll(() => svc.logs.filter((r) => r.reason === 'token_missing').length).toBe(i + 1);
      }
      expect([...seen()].sort()).toEqual([1, 2]);
    } finally {
      svc.child.kill('SIGTERM');
    }
    expect((await svc.exited).code).toBe(0);
  });
});
