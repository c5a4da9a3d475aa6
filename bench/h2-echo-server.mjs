/**
 * A plain node:http2 server answering every POST with a gRPC-shaped OK (a 5-byte-framed empty
 * message, then `grpc-status: 0` trailers), without grpc-js: `bench/gc.ts` variant `h2`, to tell
 * what Node's HTTP/2 does to the heap under load from what grpc-js and stepgate add.
 *
 *   node bench/h2-echo-server.mjs PORT
 */
import http2 from 'node:http2';
const body = Buffer.from([0,0,0,0,2,0x0a,0x00]);
const server = http2.createServer();
server.on('stream', (stream, headers) => {
  stream.on('data', () => {});
  stream.on('end', () => {
    stream.respond({ ':status': 200, 'content-type': 'application/grpc' }, { waitForTrailers: true });
    stream.on('wantTrailers', () => stream.sendTrailers({ 'grpc-status': '0' }));
    stream.end(body);
  });
});
server.listen(Number(process.argv[2]), '127.0.0.1');
