import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { protoPath as healthProtoPath } from 'grpc-health-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AUTHORIZATION_SERVICE } from '../../src/server/grpc/protos.js';
import { startRedis, type RedisServer } from '../support/redis.js';
import { containers, get, one, renderKustomization, ROOT, type Obj } from './manifests.js';

/**
 * The image's build path, run for real: scripts/build.sh (what the Dockerfile's build stage runs)
 * into a scratch folder, then the built service started from that folder alone, the way the
 * container starts it, and asked the health questions the Kubernetes probes ask.
 */

// A clean `npm ci` and compile: about a minute on a quiet machine, past 240 s on a loaded one
// (a CI run beside the day matrix and two test sessions, 2026-12-04); the bound is for a hang.
const BUILD_TIMEOUT_MS = 600_000;
const scratch = mkdtempSync(join(tmpdir(), 'stepgate-build-test-'));
const OUT = join(scratch, 'out');
let build: { status: number | null; output: string; ms: number };
let repoInstallStamp: number;

/** Run only with what a container has: no repository paths, no loaders from the test runner. */
const cleanEnv = (extra: Record<string, string> = {}): NodeJS.ProcessEnv => ({
  PATH: process.env.PATH ?? '/usr/bin:/bin',
  HOME: scratch,
  NODE_ENV: 'production',
  ...extra,
});

beforeAll(() => {
  repoInstallStamp = statSync(join(ROOT, 'node_modules/.package-lock.json')).mtimeMs;
  const t0 = Date.now();
  // The test runner's environment goes along (npm cache, registry settings), minus npm's own
  // lifecycle variables, which would make the inner npm think it runs inside this project's script.
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('npm_')));
  const r = spawnSync('bash', [join(ROOT, 'scripts/build.sh')], {
    cwd: scratch,
    env: { ...env, OUT },
    encoding: 'utf8',
    timeout: BUILD_TIMEOUT_MS - 10_000,
    maxBuffer: 64 * 1024 * 1024,
  });
  build = { status: r.status, output: `${r.stdout}\n${r.stderr}${r.error ? `\n${r.error.message}` : ''}`, ms: Date.now() - t0 };
}, BUILD_TIMEOUT_MS);

let redis: RedisServer | undefined;

// Removing the build (a whole production install) took past the default 30 s at load 18.
afterAll(async () => {
  await redis?.stop();
  rmSync(scratch, { recursive: true, force: true });
}, 180_000);

function healthClient(port: number) {
  const def = protoLoader.loadSync(healthProtoPath, { keepCase: true, enums: String, defaults: true });
  const pkg = grpc.loadPackageDefinition(def) as unknown as { grpc: { health: { v1: { Health: grpc.ServiceClientConstructor } } } };
  const client = new pkg.grpc.health.v1.Health(`127.0.0.1:${port}`, grpc.credentials.createInsecure()) as unknown as grpc.Client & {
    Check(req: { service: string }, cb: (err: grpc.ServiceError | null, res: { status: string }) => void): void;
  };
  const check = (service: string) =>
    new Promise<string>((resolve, reject) => client.Check({ service }, (err, res) => (err ? reject(err) : resolve(res.status))));
  return { client, check };
}

describe('scripts/build.sh', () => {
  it('builds into OUT without touching the repository install', () => {
    expect(build.status, build.output.slice(-4000)).toBe(0);
    expect(statSync(join(ROOT, 'node_modules/.package-lock.json')).mtimeMs).toBe(repoInstallStamp);
    for (const f of ['dist/cli.js', 'dist/main.js', 'examples/stepgate.yaml', 'package.json', 'node_modules']) {
      expect(existsSync(join(OUT, f)), f).toBe(true);
    }
    console.info(`scripts/build.sh took ${(build.ms / 1000).toFixed(1)} s`);
  });

  it('ships the production dependencies and none of the development ones', () => {
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { dependencies: Record<string, string> };
    for (const dep of Object.keys(pkg.dependencies)) expect(existsSync(join(OUT, 'node_modules', dep, 'package.json')), dep).toBe(true);
    // The lockfile marks what only development needs (a devDependency may also be a production
    // dependency's dependency, like @types/node: then it is not marked and may ship).
    const lock = JSON.parse(readFileSync(join(ROOT, 'package-lock.json'), 'utf8')) as { packages: Record<string, { dev?: boolean }> };
    const devOnly = Object.entries(lock.packages).filter(([path, p]) => p.dev && /^node_modules\/(@[^/]+\/)?[^/]+$/.test(path));
    expect(devOnly.map(([path]) => path)).toEqual(expect.arrayContaining(['node_modules/typescript', 'node_modules/vitest']));
    for (const [path] of devOnly) expect(existsSync(join(OUT, path)), path).toBe(false);
  });

  it("the built CLI accepts the policy deploy/ ships (check-config)", () => {
    // --skip-env: the Secrets the file names are the operator's, not in this repository.
    const r = spawnSync(process.execPath, [join(OUT, 'dist/cli.js'), 'check-config', '--skip-env', join(ROOT, 'deploy/base/stepgate.yaml')], {
      cwd: scratch,
      env: cleanEnv(),
      encoding: 'utf8',
    });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toContain('OK');
  });

  it('the built service starts from OUT alone, answers the probes SERVING, and exits 0 on SIGTERM', async () => {
    const child = spawn(
      process.execPath,
      [join(OUT, 'dist/cli.js'), 'serve', '--config', join(OUT, 'examples/stepgate.yaml')],
      { cwd: scratch, env: cleanEnv({ STEPGATE_GRPC_LISTEN: '127.0.0.1:0' }), stdio: ['ignore', 'pipe', 'pipe'] },
    );
    const exited = once(child, 'exit') as Promise<[number | null, NodeJS.Signals | null]>;
    const stderr: string[] = [];
    createInterface({ input: child.stderr! }).on('line', (l) => stderr.push(l));
    const records: Record<string, unknown>[] = [];
    const port = await new Promise<number>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no "listening" log line; stderr: ${stderr.join('\n')}`)), 20_000);
      createInterface({ input: child.stdout! }).on('line', (line) => {
        const rec = JSON.parse(line) as Record<string, unknown>; // logs are JSON lines, nothing else
        records.push(rec);
        if (rec.event === 'listening') {
          clearTimeout(timer);
          resolve(rec.port as number);
        }
      });
      void exited.then(([code]) => reject(new Error(`exited early (${code}); stderr: ${stderr.join('\n')}`)));
    });

    const { client, check } = healthClient(port);
    try {
      // The services the readiness and liveness probes in deploy/base/deployment.yaml ask for.
      expect(await check(AUTHORIZATION_SERVICE)).toBe('SERVING');
      expect(await check('')).toBe('SERVING');
    } finally {
      client.close();
    }

    child.kill('SIGTERM');
    const [code, signal] = await exited;
    expect({ code, signal }).toEqual({ code: 0, signal: null });
    expect(records.some((r) => r.event === 'shutdown' && r.signal === 'SIGTERM')).toBe(true);
  }, 40_000);

  it("the policy deploy/ ships starts with the Secret's variables and the bundled Redis: gRPC SERVING and /.stepgate/healthz on the http port", async () => {
    // The variable names come from the Deployment, the way the pod gets them from stepgate-secrets.
    const deployment = one(renderKustomization('deploy/base').objects, 'Deployment', 'stepgate');
    const c = containers(get<Obj>(deployment, 'spec.template.spec')).find((x) => x.name === 'stepgate')!;
    const fromSecret = ((c.env as Obj[]) ?? []).filter((e) => get(e, 'valueFrom.secretKeyRef.name') === 'stepgate-secrets');
    const secretValues: Record<string, string> = {
      'oidc-client-secret': randomBytes(24).toString('base64url'),
      'session-keys': `k1:${randomBytes(32).toString('base64url')}`,
      'redis-password': randomBytes(32).toString('hex'),
    };
    const env = Object.fromEntries(fromSecret.map((e) => [e.name as string, secretValues[get<string>(e, 'valueFrom.secretKeyRef.key')]!]));
    expect(Object.keys(env)).toHaveLength(3);
    // The bundled Redis, as redis.yaml runs it: a password from the same Secret key.
    redis = await startRedis(['--requirepass', secretValues['redis-password']!]);
    const plain = Object.fromEntries(((c.env as Obj[]) ?? []).filter((e) => typeof e.value === 'string').map((e) => [e.name as string, e.value as string]));
    expect(new URL(plain.REDIS_URL!).hostname).toBe('stepgate-redis.stepgate.svc.cluster.local');
    env.REDIS_URL = `redis://127.0.0.1:${redis.port}/0`;
    const listen = { STEPGATE_GRPC_LISTEN: '127.0.0.1:0', STEPGATE_HTTP_LISTEN: '127.0.0.1:0', STEPGATE_METRICS_LISTEN: 'off' };

    // Without them: a clear startup error naming the field, status 2, never a half-started server.
    const bare = spawnSync(process.execPath, [join(OUT, 'dist/cli.js'), 'serve', '--config', join(ROOT, 'deploy/base/stepgate.yaml')], {
      cwd: scratch,
      env: cleanEnv(listen),
      encoding: 'utf8',
      timeout: 20_000,
    });
    expect(bare.status, bare.stderr).toBe(2);
    expect(bare.stderr).toMatch(/cannot start: (stepup\.(oidc\.client_secret_env|session\.keys_env)|state\.redis\.(password_env|url))/);

    const child = spawn(process.execPath, [join(OUT, 'dist/cli.js'), 'serve', '--config', join(ROOT, 'deploy/base/stepgate.yaml')], {
      cwd: scratch,
      env: cleanEnv({ ...listen, ...env }),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const exited = once(child, 'exit') as Promise<[number | null, NodeJS.Signals | null]>;
    const stderr: string[] = [];
    createInterface({ input: child.stderr! }).on('line', (l) => stderr.push(l));
    const ports = new Map<string, number>();
    const lines: string[] = [];
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`not listening; stderr: ${stderr.join('\n')}`)), 20_000);
      createInterface({ input: child.stdout! }).on('line', (line) => {
        lines.push(line);
        const rec = JSON.parse(line) as Record<string, unknown>;
        if (rec.event === 'listening') ports.set(rec.transport as string, rec.port as number);
        if (ports.has('grpc') && ports.has('http-stepup')) {
          clearTimeout(timer);
          resolve();
        }
      });
      void exited.then(([code]) => reject(new Error(`exited early (${code}); stderr: ${stderr.join('\n')}`)));
    });
    try {
      const { client, check } = healthClient(ports.get('grpc')!);
      try {
        expect(await check(AUTHORIZATION_SERVICE)).toBe('SERVING');
      } finally {
        client.close();
      }
      const res = await fetch(`http://127.0.0.1:${ports.get('http-stepup')!}/.stepgate/healthz`);
      expect(res.status).toBe(200);
      expect((await res.text()).trim()).toBe('ok');
      // Secrets never reach the logs.
      for (const v of Object.values(env)) expect(lines.join('\n') + stderr.join('\n')).not.toContain(v.split(':').pop()!);
    } finally {
      child.kill('SIGTERM');
    }
    const [code] = await exited;
    expect(code).toBe(0);
  }, 60_000);
});
