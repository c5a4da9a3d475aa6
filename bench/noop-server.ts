import * as grpc from '@grpc/grpc-js';
import { authorizationService } from '../src/server/grpc/protos.js';

/**
 * The reference: ext_authz Check with the same protos and the same grpc-js as stepgate, answering
 * "allow" at once. Its throughput is the ceiling of grpc-js on this machine, so stepgate's
 * throughput divided by it is the share left after stepgate's own work.
 * Prints {"event":"listening","port":N} and stops on SIGTERM/SIGINT.
 */
const server = new grpc.Server();
server.addService(authorizationService(), {
  Check: (_call: grpc.ServerUnaryCall<unknown, unknown>, callback: grpc.sendUnaryData<unknown>) =>
    callback(null, { status: { code: 0 } }),
});
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
