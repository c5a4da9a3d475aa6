import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startService, type Service } from '../../src/main.js';
import { createLogger } from '../../src/telemetry/log.js';
import { HMAC_SECRET, testConfig } from '../support/config.js';

/** What grpcurl does: list services and fetch descriptors through server reflection. */
const require = createRequire(import.meta.url);
const reflectionProto = join(dirname(require.resolve('@grpc/reflection/package.json')), 'build/proto/grpc/reflection/v1/reflection.proto');

let service: Service;
beforeAll(async () => {
  service = await startService(testConfig('http://127.0.0.1:7'), { TEST_HMAC_SECRET: HMAC_SECRET }, createLogger('silent'));
});
afterAll(async () => service?.stop());

function ask(req: Record<string, unknown>, port = service.grpc.port): Promise<Record<string, unknown>> {
  const pkg = grpc.loadPackageDefinition(protoLoader.loadSync(reflectionProto, { keepCase: true })) as never as {
    grpc: { reflection: { v1: { ServerReflection: grpc.ServiceClientConstructor } } };
  };
  const client = new pkg.grpc.reflection.v1.ServerReflection(`127.0.0.1:${port}`, grpc.credentials.createInsecure()) as unknown as grpc.Client & {
    ServerReflectionInfo(): grpc.ClientDuplexStream<unknown, Record<string, unknown>>;
  };
  return new Promise((resolve, reject) => {
    const stream = client.ServerReflectionInfo();
    stream.on('data', (m) => {
      resolve(m);
      stream.end();
      client.close();
    });
    stream.on('error', reject);
    stream.write(req);
  });
}

it('lists the Authorization and health services', async () => {
  const res = await ask({ list_services: '' });
  const names = (res.list_services_response as { service: { name: string }[] }).service.map((s) => s.name);
  expect(names).toEqual(expect.arrayContaining(['envoy.service.auth.v3.Authorization', 'grpc.health.v1.Health']));
});

it('describes envoy.service.auth.v3.Authorization for grpcurl', async () => {
  const res = await ask({ file_containing_symbol: 'envoy.service.auth.v3.Authorization' });
  const files = (res.file_descriptor_response as { file_descriptor_proto: Buffer[] }).file_descriptor_proto;
  expect(files.length).toBeGreaterThan(0);
  const text = Buffer.concat(files).toString('latin1');
  for (const name of ['Authorization', 'CheckRequest', 'CheckResponse', 'AttributeContext']) expect(text).toContain(name);
});

// The reflection service is built once per process and shared by every server started in it
// (server.ts): a second service in the same process answers it as the first does.
it('a second service started in the same process describes the Authorization service too', async () => {
  const second = await startService(testConfig('http://127.0.0.1:7'), { TEST_HMAC_SECRET: HMAC_SECRET }, createLogger('silent'));
  try {
    const res = await ask({ file_containing_symbol: 'envoy.service.auth.v3.Authorization' }, second.grpc.port);
    const text = Buffer.concat((res.file_descriptor_response as { file_descriptor_proto: Buffer[] }).file_descriptor_proto).toString('latin1');
    for (const name of ['Authorization', 'CheckRequest', 'CheckResponse', 'AttributeContext']) expect(text).toContain(name);
  } finally {
    await second.stop();
  }
});
