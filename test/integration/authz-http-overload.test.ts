import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { parseConfig } from '../../src/config/load.js';
import { startService, type Service } from '../../src/main.js';
import { createLogger } from '../../src/telemetry/log.js';
import { HMAC_SECRET, testConfigYaml } from '../support/config.js';
import { CheckClient, deniedBody, deniedHeader, reasonOf } from '../support/grpc-client.js';
import { TestIssuer } from '../support/issuer.js';
import { checkRequest } from '../support/requests.js';
import { http } from '../support/stepup.js';

/**
 * server.max_inflight_checks on the HTTP ext_authz / forward-auth listener, and the one bound it
 * shares with the gRPC listener. The issuer's keys are served by a gate that answers only when the
 * test lets it, so Checks with tokens never seen stay in flight for as long as the test needs
 * (no sleeps, no timing): whatever arrives meanwhile past the bound must be refused at once.
 */

const KUBE = 'kube.example.com';
const PODS = '/api/v1/namespaces/dev/pods';
const OVERLOADED_BODY = { reason: 'overloaded', message: 'stepgate is answering as many requests as it may at once; retry shortly.' };

let issuer: TestIssuer;
let gate: Server;
let release: () => void;
let service: Service;
let client: CheckClient;
let authz: string;

/** A JWKS endpoint in front of the issuer's that holds every request until `release()`. */
async function startKeyGate(upstream: string): Promise<Server> {
  const held = new Promise<void>((r) => (release = r));
  const s = createServer((_req, res) => {
    void held
      .then(() => fetch(`${upstream}/jwks`))
      .then(async (r) => {
        res.writeHead(r.status, { 'content-type': 'application/json' });
        res.end(await r.text());
      })
      .catch(() => res.writeHead(502).end());
  });
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  return s;
}

beforeAll(async () => {
  issuer = await TestIssuer.start();
  gate = await startKeyGate(issuer.url);
  const keys = `http://127.0.0.1:${(gate.address() as AddressInfo).port}/jwks`;
  const yaml = testConfigYaml(issuer.url)
    .replace('  shutdown_grace_seconds: 5\n', '  shutdown_grace_seconds: 5\n  max_inflight_checks: 2\n')
    // The held fetch must outlast the test on a loaded machine, or the held Checks would end as jwks_unavailable.
    .replace(`  - issuer: ${issuer.url}\n`, `  - issuer: ${issuer.url}\n    jwks_uri: ${keys}\n    fetch_timeout_ms: 30000\n`);
  const config = parseConfig(yaml, 'overload-http.yaml');
  expect(config.server.max_inflight_checks).toBe(2);
  service = await startService(
    config,
    { TEST_HMAC_SECRET: HMAC_SECRET, STEPGATE_AUTHZ_HTTP_LISTEN: '127.0.0.1:0', STEPGATE_METRICS_LISTEN: '127.0.0.1:0', STEPGATE_HTTP_LISTEN: 'off' },
    createLogger('silent'),
  );
  client = new CheckClient(service.grpc.port);
  authz = `http://127.0.0.1:${service.authzHttp!.port}`;
});

afterAll(async () => {
  release?.();
  client?.close();
  await service?.stop();
  gate?.closeAllConnections();
  await new Promise<void>((r) => (gate ? gate.close(() => r()) : r()));
  await issuer?.close();
});

const shedCount = async (): Promise<number> => {
  const res = await http(`http://127.0.0.1:${service.telemetry.metricsPort}/metrics`);
  const line = res.body.split('\n').find((l) => l.startsWith('stepgate_checks_shed_total'));
  return line === undefined ? 0 : Number(line.split(' ')[1]);
};

describe('overload on the HTTP authz listener (server.max_inflight_checks, shared with gRPC)', () => {
  it('overloaded: past the one bound, HTTP and gRPC Checks are denied at once (503, retry-after), counted, and served again once the held ones finish', async () => {
    const shedBefore = await shedCount();
    // One Check held on each listener: together they fill the bound of 2.
    const heldGrpc = client.check(checkRequest({ path: PODS, token: await issuer.token() }));
    const heldHttp = http(`${authz}${PODS}`, { headers: { host: KUBE, authorization: `Bearer ${await issuer.token({ sub: 'bob@example.com' })}` } });
    await vi.waitFor(
      () => {
        expect(service.grpc.inflight).toBe(1);
        expect(service.authzHttp!.inflight).toBe(1);
      },
      { timeout: 10_000, interval: 5 },
    );

    // Envoy's HTTP mode, a forward-auth subrequest (Traefik/Caddy headers) and one without any
    // credential: the same immediate denial, before anything of the request is read.
    const token = await issuer.token();
    const variants: Record<string, string>[] = [
      { host: KUBE, authorization: `Bearer ${token}` },
      { host: 'stepgate', 'x-forwarded-method': 'GET', 'x-forwarded-uri': PODS, 'x-forwarded-host': KUBE, authorization: `Bearer ${token}` },
      { host: KUBE, authorization: 'Bearer not-a-jwt' },
      { host: KUBE },
    ];
    for (const headers of variants) {
      const res = await http(`${authz}${PODS}`, { headers });
      expect(res.status).toBe(503);
      expect(res.headers['retry-after']).toBe('1');
      expect(res.headers['cache-control']).toBe('no-store');
      expect(res.headers['content-type']).toBe('application/json');
      expect(JSON.parse(res.body)).toEqual(OVERLOADED_BODY);
      // Never an allow: no identity header reaches the upstream.
      expect(res.headers['x-stepgate-subject']).toBeUndefined();
      expect(res.headers['x-stepgate-status-body']).toBeUndefined();
    }

    // nginx auth_request turns a 503 into a 500; the body travels in the status-body header for its error_page.
    const nginx = await http(`${authz}/auth`, { headers: { host: 'stepgate', 'x-original-uri': PODS, 'x-original-method': 'GET', authorization: `Bearer ${token}` } });
    expect(nginx.status).toBe(503);
    expect(JSON.parse(nginx.headers['x-stepgate-status-body'] as string)).toEqual(OVERLOADED_BODY);

    // The bound is the process', not the listener's: gRPC is refused too, with one held on each side.
    const grpcRes = await client.check(checkRequest({ path: PODS, token }));
    expect(grpcRes.status.code).toBe(14);
    expect(reasonOf(grpcRes)).toBe('overloaded');
    expect(deniedHeader(grpcRes, 'retry-after')).toBe('1');
    expect(deniedBody(grpcRes)).toEqual(OVERLOADED_BODY);

    expect(service.grpc.inflight).toBe(1);
    expect(service.authzHttp!.inflight).toBe(1);
    expect((await shedCount()) - shedBefore).toBe(variants.length + 2);

    release();
    expect((await heldGrpc).status.code).toBe(0);
    const held = await heldHttp;
    expect(held.status).toBe(200);
    expect(held.headers['x-stepgate-subject']).toBe('bob@example.com');
    expect(service.authzHttp!.inflight).toBe(0);
    expect(service.grpc.inflight).toBe(0);

    // Served again, on both listeners, and nothing more was shed.
    const again = await http(`${authz}${PODS}`, { headers: { host: KUBE, authorization: `Bearer ${token}` } });
    expect(again.status).toBe(200);
    expect(again.headers['x-stepgate-subject']).toBe('alice@example.com');
    expect(reasonOf(await client.check(checkRequest({ path: PODS, token })))).toBe('allowed');
    expect((await shedCount()) - shedBefore).toBe(variants.length + 2);
  });

  it('a Check that fails closed early (request_invalid) still leaves the bound, so the listener never fills up by itself', async () => {
    // An untrusted peer sending forwarded headers is denied without any wait; 5 of them in a row
    // with a bound of 2 would be shed if a refused Check did not count itself out.
    for (let i = 0; i < 5; i++) {
      const res = await http(`${authz}${PODS}`, { headers: { host: KUBE, 'x-original-uri': PODS, 'x-original-method': 'GET' } });
      expect(res.status).toBe(400);
      expect(JSON.parse(res.body)).toMatchObject({ reason: 'request_invalid' });
    }
    expect(service.authzHttp!.inflight).toBe(0);
  });
});
