import * as grpc from '@grpc/grpc-js';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/load.js';
import type { Config } from '../../src/config/schema.js';
import { explain } from '../../src/explain.js';
import { startService, type Service } from '../../src/main.js';
import { createLogger } from '../../src/telemetry/log.js';
import { HMAC_SECRET, testConfigYaml } from '../support/config.js';
import { TestIssuer } from '../support/issuer.js';
import { runCli, startServiceProcess } from '../support/process.js';

/**
 * `stepgate check` as an operator runs it (the real CLI, its own process) against the real server
 * started here on a free port. Its answer must be the one explain computes from the same file for
 * the same input: same decision, same response.
 */

const ENV = { TEST_HMAC_SECRET: HMAC_SECRET };
const dir = mkdtempSync(join(tmpdir(), 'stepgate-check-'));
let issuer: TestIssuer;
let config: Config;
let service: Service;
let server = '';

beforeAll(async () => {
  issuer = await TestIssuer.start();
  config = parseConfig(testConfigYaml(issuer.url), 'check.yaml');
  service = await startService(config, { ...ENV, STEPGATE_HTTP_LISTEN: 'off', STEPGATE_METRICS_LISTEN: 'off' }, createLogger('silent'));
  server = `127.0.0.1:${service.grpc.port}`;
});

afterAll(async () => {
  await service?.stop();
  await issuer?.close();
});

type Out = { server: string; decision: { allow: boolean; reason: string; message: string }; response: { status: number; headers: Record<string, string>; headers_to_remove: string[]; body: unknown }; metadata: Record<string, string> };

describe('stepgate check', () => {
  it('asks the running server and prints explain\'s decision and response; exit 0 allowed, 1 denied', { timeout: 120_000 }, async () => {
    const aal1 = await issuer.token({ acr: 'urn:stepgate:aal1' });
    const aal2 = await issuer.token({ acr: 'urn:stepgate:aal2', amr: ['pwd', 'mfa'] });
    const tokenFile = join(dir, 'aal2.jwt');
    writeFileSync(tokenFile, `${aal2}\n`);
    const manifest = join(dir, 'pod.json');
    writeFileSync(manifest, JSON.stringify({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p' }, spec: { hostNetwork: true, containers: [{ name: 'a', image: 'nginx' }] } }));
    const secrets = 'https://kube.example.com/api/v1/namespaces/prod/secrets/db';
    const cases: { args: string[]; token?: string; exit: number; reason: string }[] = [
      { args: ['--url', secrets, '--token', aal1], token: aal1, exit: 1, reason: 'acr_insufficient' },
      { args: ['--url', secrets, '--token-file', tokenFile], token: aal2, exit: 0, reason: 'allowed' },
      { args: ['--url', 'https://grafana.example.com/admin', '--header', 'accept: text/html', '--header', 'sec-fetch-mode: navigate'], exit: 1, reason: 'token_missing' },
      { args: ['--method', 'POST', '--url', 'https://kube.example.com/api/v1/namespaces/dev/pods', '--body-file', manifest, '--token', aal2], token: aal2, exit: 0, reason: 'allowed' },
    ];
    const runs = cases.map((c) => runCli(['check', '--server', server, ...c.args]));
    const exits = await Promise.all(runs.map((r) => r.exited));
    for (const [i, c] of cases.entries()) {
      const label = c.args.join(' ');
      expect(exits[i]!.code, `${label}\n${runs[i]!.stderr.join('\n')}`).toBe(c.exit);
      const out = JSON.parse(runs[i]!.stdout.join('\n')) as Out;
      expect(out.server).toBe(server);
      expect(out.decision.reason, label).toBe(c.reason);
      expect(out.metadata.reason).toBe(c.reason);
      // The same input through explain, in process, from the same file.
      const headers = c.args.flatMap((a, j) => (c.args[j - 1] === '--header' ? [a.split(': ') as [string, string]] : []));
      const method = c.args.includes('--method') ? c.args[c.args.indexOf('--method') + 1]! : 'GET';
      const url = c.args[c.args.indexOf('--url') + 1]!;
      const body = c.args.includes('--body-file') ? JSON.stringify(JSON.parse((await import('node:fs')).readFileSync(manifest, 'utf8'))) : undefined;
      const expected = await explain(config, { method, url, headers, token: c.token, body: body && Buffer.from(body), contentType: body && 'application/json' }, { env: ENV });
      expect(out.decision, label).toEqual({ allow: expected.decision.allow, reason: expected.decision.reason, message: expected.decision.message });
      expect(out.response, label).toEqual(expected.response);
    }
  });

  it('exit 69 with one line when nothing listens, or nothing answers within --timeout-ms', { timeout: 60_000 }, async () => {
    const closed = createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
    const freePort = (closed.address() as AddressInfo).port;
    await new Promise<void>((r) => closed.close(() => r()));
    // Accepts the connection and never speaks HTTP/2: only the deadline ends the call.
    const silent: Server = createServer(() => undefined);
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
    const silentAt = `127.0.0.1:${(silent.address() as AddressInfo).port}`;
    try {
      const runs = [
        runCli(['check', '--server', `127.0.0.1:${freePort}`, '--url', 'https://kube.example.com/api']),
        runCli(['check', '--server', silentAt, '--timeout-ms', '500', '--url', 'https://kube.example.com/api']),
      ];
      const exits = await Promise.all(runs.map((r) => r.exited));
      expect(exits.map((e) => e.code)).toEqual([69, 69]);
      expect(runs[0]!.stderr).toEqual([expect.stringMatching(new RegExp(`^stepgate: cannot reach a stepgate gRPC server at 127\\.0\\.0\\.1:${freePort}: .*ECONNREFUSED`))]);
      expect(runs[1]!.stderr).toHaveLength(1);
      expect(runs[1]!.stderr[0]).toMatch(/^stepgate: (no answer from .* within 500 ms|cannot reach a stepgate gRPC server at )/);
      for (const r of runs) expect(r.stdout).toEqual([]);
    } finally {
      silent.close();
    }
  });

  it('exit 76 when the address is a gRPC server without ext_authz', { timeout: 60_000 }, async () => {
    const other = new grpc.Server();
    const port = await new Promise<number>((resolve, reject) =>
      other.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (err, p) => (err ? reject(err) : resolve(p))),
    );
    try {
      const run = runCli(['check', '--server', `127.0.0.1:${port}`, '--url', 'https://kube.example.com/api']);
      expect((await run.exited).code).toBe(76);
      expect(run.stderr).toEqual([`stepgate: 127.0.0.1:${port} does not serve envoy.service.auth.v3.Authorization/Check: is it stepgate's gRPC port?`]);
    } finally {
      other.forceShutdown();
    }
  });

  it('argument and input mistakes: one line, 64 or 66, nothing sent', async () => {
    const { runCommand } = await import('../../src/commands.js');
    const cases: [string[], number, RegExp][] = [
      [['check'], 64, /check needs --url/],
      [['check', '--url', 'https://x/', '--server', 'nohost'], 64, /--server must be HOST:PORT/],
      [['check', '--url', 'https://x/', '--timeout-ms', '2s'], 64, /--timeout-ms must be a whole number/],
      [['check', '--url', 'https://x/', '--timeout-ms', '0'], 64, /--timeout-ms must be a whole number/],
      [['check', '--url', '/api', '--server', server], 64, /--url must be absolute/],
      [['check', '--url', 'https://x/', '--claims', 'c.json'], 64, /Unknown option '--claims'/],
      [['check', '--url', 'https://x/', '--token', 'a', '--token-file', 'f'], 64, /--token or --token-file/],
      [['check', '--url', 'https://x/', '--token-file', join(dir, 'missing.jwt')], 66, /--token-file: cannot read .* \(ENOENT\)/],
    ];
    for (const [args, code, message] of cases) {
      const out: string[] = [];
      const err: string[] = [];
      expect(await runCommand(args, { out: (t) => out.push(t), err: (t) => err.push(t) }), args.join(' ')).toBe(code);
      expect(out).toEqual([]);
      expect(err.join('').split('\n')).toEqual([expect.stringMatching(message), '']);
    }
  });
});

describe('serve: log format, the ready line, the issuer warning', () => {
  it('pretty on request: readable lines, the addresses served and what to try, the unreachable issuer named', { timeout: 60_000 }, async () => {
    const file = join(dir, 'serve.yaml');
    writeFileSync(file, testConfigYaml(issuer.url).replace('level: silent', 'level: info'));
    const run = runCli(['serve', '--config', file, '--log-format', 'pretty'], { ...ENV, STEPGATE_METRICS_LISTEN: '127.0.0.1:0', STEPGATE_HTTP_LISTEN: 'off' });
    const deadline = Date.now() + 30_000;
    while (!run.stdout.some((l) => l.includes('http://127.0.0.1:9/jwks')) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    run.child.kill('SIGTERM');
    expect((await run.exited).code).toBe(0);
    const lines = run.stdout;
    for (const l of lines) {
      expect(() => JSON.parse(l), l).toThrow();
      expect(l).toMatch(/^\d\d:\d\d:\d\d\.\d{3}Z (INFO |WARN |ERROR) \S+: /);
    }
    const ready = lines.find((l) => / INFO  ready: /.test(l));
    expect(ready).toMatch(/serving ext_authz gRPC on 127\.0\.0\.1:\d+, step-up routes off, metrics on http:\/\/127\.0\.0\.1:\d+\/metrics\. Try a live decision: stepgate check --server 127\.0\.0\.1:\d+ --url https:\/\/kube\.example\.com\//);
    expect(ready).toContain(`stepgate explain --config ${file}`);
    const warn = lines.find((l) => l.includes('WARN  jwks_refresh:'));
    expect(warn).toContain('cannot fetch the signing keys of issuer http://127.0.0.1:9: until a fetch succeeds every token from this issuer is refused (reason jwks_unavailable)');
  });

  it('JSON when stdout is not a terminal: the ready record carries the addresses', { timeout: 60_000 }, async () => {
    const file = join(dir, 'serve-json.yaml');
    writeFileSync(file, testConfigYaml(issuer.url).replace('level: silent', 'level: info'));
    const proc = await startServiceProcess(file, { ...ENV, STEPGATE_METRICS_LISTEN: 'off', STEPGATE_HTTP_LISTEN: 'off' });
    const deadline = Date.now() + 30_000;
    while (!proc.logs.some((l) => l.event === 'ready') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    proc.child.kill('SIGTERM');
    await proc.exited;
    const ready = proc.logs.find((l) => l.event === 'ready');
    expect(ready).toMatchObject({ level: 'info', grpc: `127.0.0.1:${proc.port}`, stepup_http: 'off', authz_http: 'off', metrics: 'off' });
    expect(proc.logs.some((l) => 'raw' in l)).toBe(false);
  });
});
