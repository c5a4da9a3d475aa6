import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { StartupError } from '../../config/load.js';

export interface RunningHttpServer {
  port: number;
  close(): Promise<void>;
}

/** `host:port` (IPv6 as `[::]:8080`) → a listening node:http server. */
export async function listenHttp(
  listen: string,
  handler: (req: IncomingMessage, res: ServerResponse) => void,
  what: string,
): Promise<RunningHttpServer & { server: Server }> {
  const colon = listen.lastIndexOf(':');
  const host = listen.slice(0, colon).replace(/^\[(.*)\]$/, '$1');
  const port = Number(listen.slice(colon + 1));
  const server = createServer({ maxHeaderSize: 32 * 1024, requestTimeout: 30_000, headersTimeout: 10_000 }, handler);
  server.keepAliveTimeout = 65_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', (err) => reject(new StartupError(`${what}: cannot listen on ${listen}: ${err.message}`)));
    server.listen(port, host, () => resolve());
  });
  return {
    server,
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeIdleConnections();
        setTimeout(() => server.closeAllConnections(), 2000).unref();
      }),
  };
}
