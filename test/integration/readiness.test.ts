import { Server as NetServer } from 'node:net';
import type { Server } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/load.js';
import { startService, type Service } from '../../src/main.js';
import { AUTHORIZATION_SERVICE } from '../../src/server/grpc/protos.js';
import { CheckClient } from '../support/grpc-client.js';
import { freePort, stepupConfigYaml, stepupEnv } from '../support/stepup.js';
import { captureLog } from '../support/telemetry.js';

/**
 * Readiness covers every listener of the pod (issue 16): gRPC health (what deploy/base's probes
 * ask) and /.stepgate/healthz say NOT_SERVING until the step-up HTTP port is bound too, and
 * again if that listener dies underneath a running server.
 */

const IDP = 'http://127.0.0.1:9'; // never contacted: nothing here signs in

async function statuses(client: CheckClient): Promise<[string, string]> {
  return [(await client.healthCheck('')).status, (await client.healthCheck(AUTHORIZATION_SERVICE)).status];
}

async function until(cond: () => Promise<boolean> | boolean, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('readiness covers the step-up HTTP port', () => {
  const cleanup: (() => Promise<void> | void)[] = [];
  afterEach(async () => {
    for (const c of cleanup.splice(0).reverse()) await c();
  });

  it('gRPC health is NOT_SERVING while the step-up port is not yet bound, SERVING once it is', async () => {
    const [grpcPort, httpPort] = [await freePort(), await freePort()];
    const yaml = stepupConfigYaml({ idp: IDP, httpPort }).replace('grpc_listen: 127.0.0.1:0', `grpc_listen: 127.0.0.1:${grpcPort}`);
    // Hold the step-up listener's bind (in this process: startService runs here) until released.
    let release!: () => void;
    const released = new Promise<void>((r) => (release = r));
    let held = false;
    // eslint-disable-next-line @typescript-eslint/unbound-method -- restored and called with its own `this` below
    const listen = NetServer.prototype.listen;
    NetServer.prototype.listen = function (this: NetServer, ...args: unknown[]) {
      if (args[0] === httpPort) {
        held = true;
        void released.then(() => listen.apply(this, args as never));
        return this;
      }
      return listen.apply(this, args as never);
    } as typeof listen;
    cleanup.push(() => {
      NetServer.prototype.listen = listen;
    });
    const starting = startService(parseConfig(yaml, 'readiness.yaml'), stepupEnv(), captureLog('silent').logger);
    const client = new CheckClient(grpcPort);
    cleanup.push(() => client.close());
    await until(() => held);
    // gRPC is bound (it answers) but the pod does not serve all it should: not ready, not live.
    await until(async () => (await client.healthCheck('').catch(() => undefined)) !== undefined);
    expect(await statuses(client)).toEqual(['NOT_SERVING', 'NOT_SERVING']);
    release();
    const service = await starting;
    cleanup.push(() => service.stop());
    expect(await statuses(client)).toEqual(['SERVING', 'SERVING']);
    const res = await fetch(`http://127.0.0.1:${httpPort}/.stepgate/healthz`);
    expect([res.status, await res.text()]).toEqual([200, 'ok\n']);
  });

  it('the step-up listener dying turns gRPC health NOT_SERVING (readiness and liveness), and says why', async () => {
    const httpPort = await freePort();
    const cap = captureLog('info');
    const service: Service = await startService(parseConfig(stepupConfigYaml({ idp: IDP, httpPort }), 'readiness.yaml'), stepupEnv(), cap.logger);
    cleanup.push(() => service.stop());
    const client = new CheckClient(service.grpc.port);
    cleanup.push(() => client.close());
    expect(await statuses(client)).toEqual(['SERVING', 'SERVING']);
    // The listener goes away underneath the running service (not through stop()).
    (service.http as unknown as { server: Server }).server.close();
    await until(async () => (await client.healthCheck(AUTHORIZATION_SERVICE)).status === 'NOT_SERVING');
    expect(await statuses(client)).toEqual(['NOT_SERVING', 'NOT_SERVING']);
    const down = cap.records.find((r) => r.event === 'listener_down');
    expect(down).toMatchObject({ transport: 'http-stepup' });
    expect(String(down!.detail)).toContain(`server.http_listen: the listener on 127.0.0.1:${httpPort} closed`);
  });

  it('the HTTP ext_authz listener dying does the same', async () => {
    const httpPort = await freePort();
    const cap = captureLog('info');
    const service: Service = await startService(parseConfig(stepupConfigYaml({ idp: IDP, httpPort }), 'readiness.yaml'), stepupEnv(), cap.logger);
    cleanup.push(() => service.stop());
    const client = new CheckClient(service.grpc.port);
    cleanup.push(() => client.close());
    (service.authzHttp as unknown as { server: Server }).server.emit('error', new Error('accept: EMFILE'));
    await until(async () => (await client.healthCheck('')).status === 'NOT_SERVING');
    expect(cap.records.find((r) => r.event === 'listener_down')).toMatchObject({ transport: 'http-authz', detail: 'server.authz_http_listen: accept: EMFILE' });
    // /.stepgate/healthz, still up, agrees with gRPC health.
    const res = await fetch(`http://127.0.0.1:${httpPort}/.stepgate/healthz`);
    expect(res.status).toBe(503);
  });

  it('a normal stop is no listener_down', async () => {
    const httpPort = await freePort();
    const cap = captureLog('info');
    const service: Service = await startService(parseConfig(stepupConfigYaml({ idp: IDP, httpPort }), 'readiness.yaml'), stepupEnv(), cap.logger);
    await service.stop();
    expect(cap.records.filter((r) => r.event === 'listener_down')).toEqual([]);
  });
});
