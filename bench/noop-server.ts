import { readFileSync } from 'node:fs';
import * as grpc from '@grpc/grpc-js';
import { authorizationService } from '../src/server/grpc/protos.js';

/**
 * The reference: ext_authz Check with the same protos and the same grpc-js as stepgate, answering
 * "allow" at once. Its throughput is the ceiling of grpc-js on this machine, so stepgate's
 * throughput divided by it is the share left after stepgate's own work.
 * Prints {"event":"listening","port":N} and stops on SIGTERM/SIGINT.
 *
 * BENCH_NOOP_REPLY=FILE: a decomposition variant, not the reference. It reads requests with
 * stepgate's decoder (src/server/grpc/decode.ts) and answers every Check with the bytes in FILE (an
 * encoded CheckResponse, e.g. stepgate's own answer for a shape) as stepgate sends kept answers:
 * stepgate's transport without its decision, to tell the two apart.
 */
const reply = process.env.BENCH_NOOP_REPLY ? readFileSync(process.env.BENCH_NOOP_REPLY) : undefined;
const server = new grpc.Server();
if (reply === undefined) {
  server.addService(authorizationService(), {
    Check: (_call: grpc.ServerUnaryCall<unknown, unknown>, callback: grpc.sendUnaryData<unknown>) =>
      callback(null, { status: { code: 0 } }),
  });
} else {
  // Loaded only here, so that the reference's process holds exactly what it always held.
  const { decodeCheckRequest } = await import('../src/server/grpc/decode.js');
  const { servedCheck } = await import('../src/server/grpc/protos.js');
  server.addService(servedCheck(authorizationService(), decodeCheckRequest), {
    Check: (_call: grpc.ServerUnaryCall<unknown, unknown>, callback: grpc.sendUnaryData<unknown>) => callback(null, reply),
  });
}
const port = await new Promise<number>((resolve, reject) =>
  server.bindAsync(process.argv[2] ?? '127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (err, p) =>
    err ? reject(err) : resolve(p),
  ),
);
process.stdout.write(`${JSON.stringify({ event: 'listening', port })}\n`);
for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.on(signal, () => {
    server.forceShutdown();
    process.exit(0);
  });
}
