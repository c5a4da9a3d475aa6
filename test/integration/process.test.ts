import * as grpc from '@grpc/grpc-js';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { packageDefinition } from '../../src/server/grpc/protos.js';
import { HMAC_SECRET, testConfigYaml } from '../support/config.js';
import { CheckClient } from '../support/grpc-client.js';
import { TestIssuer } from '../support/issuer.js';
import { runCli, startServiceProcess } from '../support/process.js';
import { checkRequest } from '../support/requests.js';

const dir = mkdtempSync(join(tmpdir(), 'stepgate-proc-'));
let issuer: TestIssuer;
let slowJwks: ReturnType<typeof createServer>;
let slowUrl = '';
let jwksDelayMs = 1500;
/** Requests for /jwks the slow issuer has received: proof that a fetch is in flight. */
let jwksArrivals = 0;
/** Held /jwks answers (the drain test releases them only once the process has exited). */
const held = new Set<() => void>();

beforeAll(async () => {
  issuer = await TestIssuer.start();
  // An issuer whose JWKS answers slowly, to hold a Check in flight across SIGTERM.
  slowJwks = createServer((req, res) => {
    if (req.url === '/jwks') jwksArrivals++;
    const answer = () => {
      held.delete(answer);
      if (res.writableEnded || res.destroyed) return;
      const body = req.url === '/.well-known/openid-configuration'
        ? { issuer: slowUrl, jwks_uri: `${slowUrl}/jwks` }
        : { keys: [...issuer.published].map((k) => issuer.publicJwk(k)) };
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    };
    if (req.url === '/jwks' && jwksDelayMs === Infinity) held.add(answer);
    else setTimeout(answer, req.url === '/jwks' ? jwksDelayMs : 0);
  });
  await new Promise<void>((r) => slowJwks.listen(0, '127.0.0.1', r));
  slowUrl = `http://127.0.0.1:${(slowJwks.address() as AddressInfo).port}`;
});

afterAll(async () => {
  for (const answer of [...held]) answer();
  slowJwks?.closeAllConnections();
  slowJwks?.close();
  await issuer?.close();
});

function writeConfig(name: string, text: string): string {
  const file = join(dir, name);
  writeFileSync(file, text);
  return file;
}

/** The slow issuer replaces the regular one; the slow fetch must fit in the fetch timeout. */
function slowConfig(grace: number) {
  return testConfigYaml(slowUrl)
    .replace('shutdown_grace_seconds: 5', `shutdown_grace_seconds: ${grace}`)
    .replace('jwks_cooldown_seconds: 2', 'jwks_cooldown_seconds: 2\n    fetch_timeout_ms: 20000')
    .replace('level: silent', 'level: info');
}

async function slowToken(kid = 'rs256-1') {
  const { SignJWT } = await import('jose');
  const key = issuer.keys.get(kid)!;
  return new SignJWT({ sub: 'alice', acr: 'urn:stepgate:aal1', auth_time: Math.floor(Date.now() / 1000) })
    .setProtectedHeader({ alg: 'RS256', kid })
    .setIssuer(slowUrl)
    .setAudience('kubernetes')
    .setExpirationTime('5m')
    .sign(key.privateKey);
}

// Every test here starts stepgate processes (six at once in the check-config test); each start
// loads the CLI and its modules. A CI run at load 17 on 2 cores took 15-27 s per test and timed out
// three at the default 20 s: the bound is for a hang, not a speed claim.
describe('process lifecycle', { timeout: 120_000 }, () => {
  it('on SIGTERM: reports NOT_SERVING, finishes the in-flight Check, exits 0', { timeout: 60_000 }, async () => {
    jwksDelayMs = 1500;
    const proc = await startServiceProcess(writeConfig('slow.yaml', slowConfig(10)), { TEST_HMAC_SECRET: HMAC_SECRET });
    const client = new CheckClient(proc.port);
    const pkg = grpc.loadPackageDefinition(packageDefinition()) as never as {
      grpc: { health: { v1: { Health: grpc.ServiceClientConstructor } } };
    };
    const health = new pkg.grpc.health.v1.Health(`127.0.0.1:${proc.port}`, grpc.credentials.createInsecure()) as unknown as grpc.Client & {
      Watch(req: unknown): grpc.ClientReadableStream<{ status: string }>;
    };
    const statuses: string[] = [];
    const watch = health.Watch({ service: 'envoy.service.auth.v3.Authorization' });
    watch.on('data', (m: { status: string }) => statuses.push(m.status));
    watch.on('error', () => undefined);
    await waitFor(() => statuses.includes('SERVING'));

    // The verifier fetched keys at startup; wait until they are in, then force an in-flight fetch
    // with a token whose kid is new, so the Check waits on the slow JWKS endpoint.
    // The slow issuer's own startup fetch (the unreachable test issuer logs a jwks_refresh too, sooner).
    await waitFor(() => proc.logs.some((l) => l.event === 'jwks_refresh' && l.issuer === slowUrl && l.outcome === 'ok'), 10_000);
    await issuer.addKey('rotated', 'RS256');
    const { SignJWT } = await import('jose');
    const token = await new SignJWT({ sub: 'alice', acr: 'urn:stepgate:aal1', auth_time: Math.floor(Date.now() / 1000) })
      .setProtectedHeader({ alg: 'RS256', kid: 'rotated' })
      .setIssuer(slowUrl)
      .setAudience('kubernetes')
      .setExpirationTime('5m')
      .sign(issuer.keys.get('rotated')!.privateKey);
    await new Promise((r) => setTimeout(r, 2100)); // past the refetch cooldown (a separate process: no clock to inject)
    const arrivals = jwksArrivals;
    const inflight = client.check(checkRequest({ path: '/api/v1/namespaces/dev/pods', token }));
    // The Check is in flight once its key fetch reaches the issuer: only then send SIGTERM.
    await waitFor(() => jwksArrivals > arrivals, 10_000);
    proc.child.kill('SIGTERM');
    const res = await inflight;
    expect(res.status.code).toBe(0);
    const exit = await proc.exited;
    expect(exit.code).toBe(0);
    expect(statuses).toContain('NOT_SERVING');
    expect(proc.logs.some((l) => l.event === 'shutdown' && l.signal === 'SIGTERM')).toBe(true);
    client.close();
    health.close();
  });

  it('bounds the drain: a call stuck past the grace period does not hold the exit', { timeout: 60_000 }, async () => {
    // The key fetch never answers while the process lives: the Check stays stuck, so an exit can
    // only come from the grace period ending the drain (without it the test times out).
    // The startup fetch answers; the refetch for a key rotated in afterwards is the stuck one.
    jwksDelayMs = 0;
    const proc = await startServiceProcess(writeConfig('stuck.yaml', slowConfig(1)), { TEST_HMAC_SECRET: HMAC_SECRET });
    // The slow issuer's own startup fetch (the unreachable test issuer logs a jwks_refresh too, sooner).
    await waitFor(() => proc.logs.some((l) => l.event === 'jwks_refresh' && l.issuer === slowUrl && l.outcome === 'ok'), 10_000);
    jwksDelayMs = Infinity;
    await issuer.addKey('rotated-stuck', 'RS256');
    const client = new CheckClient(proc.port);
    await new Promise((r) => setTimeout(r, 2100)); // past the refetch cooldown (a separate process: no clock to inject)
    const arrivals = jwksArrivals;
    let settled = false;
    const inflight = client.check(checkRequest({ path: '/api/v1/pods', token: await slowToken('rotated-stuck') })).catch((e: Error) => e).finally(() => (settled = true));
    // The Check is in flight once its key fetch reaches the issuer: only then send SIGTERM.
    await waitFor(() => jwksArrivals > arrivals, 10_000);
    proc.child.kill('SIGTERM');
    const exit = await proc.exited;
    expect(exit.code).toBe(0);
    // Exited with the fetch still unanswered: the drain was cut by the grace, not finished.
    expect(held.size).toBeGreaterThan(0);
    // Ended by the grace (shutdown_grace_seconds: 1), not by the hard-exit backstop (grace + 5 s, code 1).
    expect(proc.logs.some((l) => l.event === 'shutdown' && l.signal === 'SIGTERM')).toBe(true);
    await inflight;
    expect(settled).toBe(true);
    client.close();
  });

  it('refuses to start on a broken config, naming file, line and field, exit code 2', async () => {
    const file = writeConfig('broken.yaml', testConfigYaml(issuer.url).replace('resources: [secrets]', 'resourcez: [secrets]'));
    const run = runCli(['serve', '--config', file]);
    const exit = await run.exited;
    expect(exit.code).toBe(2);
    expect(run.stderr.join('\n')).toMatch(new RegExp(`${file}:\\d+:\\d+: policy\\.rules\\[0\\]\\.match\\.kubernetes\\.resourcez: Unrecognized key`));
  });

  it('refuses to start without the HMAC secret its config names, exit code 2', async () => {
    const run = runCli(['serve', '--config', writeConfig('nosecret.yaml', testConfigYaml(issuer.url))], { TEST_HMAC_SECRET: '' });
    expect((await run.exited).code).toBe(2);
    expect(run.stderr.join('\n')).toContain('TEST_HMAC_SECRET (issuers[].hmac_secret_env) must hold an HMAC secret');
  });

  it('refuses to start on an address it cannot bind, exit code 2', async () => {
    const run = runCli(['serve', '--config', writeConfig('bind.yaml', testConfigYaml(issuer.url))], {
      TEST_HMAC_SECRET: HMAC_SECRET,
      STEPGATE_GRPC_LISTEN: '192.0.2.1:9191',
    });
    expect((await run.exited).code).toBe(2);
    expect(run.stderr.join('\n')).toContain('cannot listen on 192.0.2.1:9191');
  });

  it('hot-reloads a changed config file; keeps the old policy when the new file is invalid', async () => {
    const yaml = testConfigYaml(issuer.url).replace('shutdown_grace_seconds: 5', 'shutdown_grace_seconds: 5\n  reload_interval_seconds: 0.2').replace('level: silent', 'level: info');
    const file = writeConfig('reload.yaml', yaml);
    const proc = await startServiceProcess(file, { TEST_HMAC_SECRET: HMAC_SECRET });
    const client = new CheckClient(proc.port);
    const token = await issuer.token();
    const reasonFor = async (path: string) =>
      (await client.check(checkRequest({ path, token }))).dynamic_metadata!.fields.reason!.stringValue;
    try {
      expect(await reasonFor('/api/v1/namespaces/dev/configmaps')).toBe('allowed');
      const cached = await client.check(checkRequest({ path: '/api/v1/namespaces/dev/pods', token }));
      expect(cached.dynamic_metadata!.fields.token_cache!.stringValue).toBe('hit');

      // A new rule: ConfigMaps now need aal2.
      writeFileSync(file, yaml.replace('    - name: secrets\n', '    - name: configmaps\n      match: {kubernetes: {resources: [configmaps]}}\n      require: aal2\n    - name: secrets\n'));
      await waitFor(() => proc.logs.some((l) => l.event === 'config_reload' && l.outcome === 'ok'), 5000);
      expect(await reasonFor('/api/v1/namespaces/dev/configmaps')).toBe('acr_insufficient');
      // The token cache survived the policy change.
      const after = await client.check(checkRequest({ path: '/api/v1/namespaces/dev/pods', token }));
      expect(after.dynamic_metadata!.fields.token_cache!.stringValue).toBe('hit');

      // A broken file is rejected with file, line and field; the policy in force stays.
      writeFileSync(file, yaml.replace('resources: [secrets]', 'resourcez: [secrets]'));
      await waitFor(() => proc.logs.some((l) => l.event === 'config_reload' && l.outcome === 'error'), 5000);
      const rejected = proc.logs.find((l) => l.event === 'config_reload' && l.outcome === 'error') as { problems: { field: string; line: number }[] };
      expect(rejected.problems[0]).toMatchObject({ field: 'policy.rules[0].match.kubernetes.resourcez' });
      expect(rejected.problems[0]!.line).toBeGreaterThan(0);
      expect(await reasonFor('/api/v1/namespaces/dev/configmaps')).toBe('acr_insufficient');
      expect(await reasonFor('/api/v1/namespaces/dev/secrets')).toBe('acr_insufficient');
    } finally {
      client.close();
      proc.child.kill('SIGTERM');
      await proc.exited;
    }
  });

  it('a SIGHUP while it starts neither kills it nor loses the change it announces', async () => {
    // reload_interval_seconds 0: the file is read again only on SIGHUP, so the one sent during
    // startup is the only way the change below can arrive.
    const yaml = testConfigYaml(issuer.url).replace('shutdown_grace_seconds: 5', 'shutdown_grace_seconds: 5\n  reload_interval_seconds: 0').replace('level: silent', 'level: info');
    const file = writeConfig('hup.yaml', yaml);
    const { child, stdout, exited } = runCli(['serve', '--config', file], { TEST_HMAC_SECRET: HMAC_SECRET });
    const logs: Record<string, unknown>[] = [];
    let died: { code: number | null; signal: NodeJS.Signals | null } | undefined;
    void exited.then((e) => (died = e));
    const read = () => {
      while (stdout.length > 0) {
        try {
          logs.push(JSON.parse(stdout.shift()!) as Record<string, unknown>);
        } catch {
          // not a record
        }
      }
    };
    try {
      // The first record is written once serve() runs, before the service listens.
      await waitFor(() => (read(), logs.length > 0 || died !== undefined), 60_000);
      expect(died).toBeUndefined();
      expect(logs.some((l) => l.event === 'listening')).toBe(false);
      writeFileSync(file, yaml.replace('    - name: secrets\n', '    - name: configmaps\n      match: {kubernetes: {resources: [configmaps]}}\n      require: aal2\n    - name: secrets\n'));
      child.kill('SIGHUP');
      await waitFor(() => (read(), logs.some((l) => l.event === 'config_reload') || died !== undefined), 60_000);
      expect(died).toBeUndefined();
      expect(logs.find((l) => l.event === 'config_reload')).toMatchObject({ outcome: 'ok' });
      const port = logs.find((l) => l.event === 'listening')?.port as number;
      const client = new CheckClient(port);
      try {
        const res = await client.check(checkRequest({ path: '/api/v1/namespaces/dev/configmaps', token: await issuer.token() }));
        expect(res.dynamic_metadata!.fields.reason!.stringValue).toBe('acr_insufficient');
      } finally {
        client.close();
      }
    } finally {
      child.kill('SIGTERM');
      await exited;
    }
  });

  it('check-config validates without serving', async () => {
    const ok = runCli(['check-config', 'examples/stepgate.yaml']);
    expect((await ok.exited).code).toBe(0);
    expect(ok.stdout.join('\n')).toContain('OK');
    const bad = runCli(['check-config', writeConfig('bad2.yaml', 'issuers: nope\n')]);
    expect((await bad.exited).code).toBe(2);
  });

  it('check-config fails on what serve would fail on: missing variables, a duplicate key, a missing file', async () => {
    const file = writeConfig('needs-env.yaml', testConfigYaml(issuer.url));
    const dup = writeConfig('dup.yaml', testConfigYaml(issuer.url).replace('    jwks_cooldown_seconds: 2\n', '    jwks_cooldown_seconds: 2\n    jwks_cooldown_seconds: 3\n'));
    const missing = join(dir, 'nope.yaml');
    const runs = [
      runCli(['check-config', file], { TEST_HMAC_SECRET: '' }),
      runCli(['check-config', '--skip-env', file], { TEST_HMAC_SECRET: '' }),
      runCli(['check-config', file], { TEST_HMAC_SECRET: HMAC_SECRET }),
      runCli(['check-config', dup], { TEST_HMAC_SECRET: HMAC_SECRET }),
      runCli(['check-config', missing]),
      runCli(['serve', '--config', missing]),
    ];
    const exits = await Promise.all(runs.map((r) => r.exited));
    expect(exits.map((e) => e.code)).toEqual([2, 0, 0, 2, 66, 66]);
    expect(runs[0]!.stderr).toEqual([
      `stepgate: ${file}: serve would not start with this environment (--skip-env checks the file only)`,
      `${file}: issuer https://ci.example.com: environment variable TEST_HMAC_SECRET (issuers[].hmac_secret_env) must hold an HMAC secret of at least 32 bytes`,
    ]);
    expect(runs[1]!.stdout).toEqual([`${file}: OK (3 issuer(s), 3 level(s), 8 rule(s), environment not checked (--skip-env))`]);
    expect(runs[2]!.stdout.join('')).toContain('environment OK');
    expect(runs[3]!.stderr).toEqual(['stepgate: invalid configuration', expect.stringMatching(new RegExp(`^${dup}:\\d+:5: issuers\\[0\\]\\.jwks_cooldown_seconds: duplicate key "jwks_cooldown_seconds" \\(first given at line \\d+\\)`))]);
    expect(runs[4]!.stderr).toEqual([`stepgate: ${missing}: no such file`]);
    expect(runs[5]!.stderr).toEqual([`stepgate: ${missing}: no such file`]);
  });

  it('with its stdout closed (`stepgate serve | head`), SIGTERM still ends it, exit 0', async () => {
    const proc = await startServiceProcess(writeConfig('piped.yaml', testConfigYaml(issuer.url).replace('level: silent', 'level: info')), {
      TEST_HMAC_SECRET: HMAC_SECRET,
    });
    // What `head` does once it has its lines: the read end goes away, later writes fail (EPIPE).
    proc.child.stdout!.destroy();
    const client = new CheckClient(proc.port);
    // Log lines are written (and fail) after the pipe closed.
    await client.check(checkRequest({ path: '/api/v1/namespaces/prod/secrets' }));
    client.close();
    proc.child.kill('SIGTERM');
    expect((await proc.exited).code).toBe(0);
  });

  it('starts on the embedded defaults (bundled example) and serves health', async () => {
    const proc = await startServiceProcess('examples/stepgate.yaml', { STEPGATE_GRPC_LISTEN: '127.0.0.1:0' });
    const client = new CheckClient(proc.port);
    expect((await client.healthCheck()).status).toBe('SERVING');
    const res = await client.check(checkRequest({ host: 'kube.localhost', path: '/api/v1/namespaces/prod/secrets' }));
    expect(res.dynamic_metadata!.fields.reason!.stringValue).toBe('token_missing');
    client.close();
    proc.child.kill('SIGTERM');
    expect((await proc.exited).code).toBe(0);
  });
});

async function waitFor(cond: () => boolean, ms = 5000) {
  const until = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > until) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 20));
  }
}
