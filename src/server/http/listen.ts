import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { StartupError } from '../../config/load.js';

export interface RunningHttpServer {
  port: number;
  close(): Promise<void>;
  /**
   * Called once if the listener stops without `close()` (closed underneath, or an error after it
   * was bound): the pod no longer serves this port and must not stay Ready.
   */
  onDown?(listener: (why: string) => void): void;
}

/** `host:port` (IPv6 as `[::]:8080`) → a listening node:http server. */
export async function listenHttp(
  listen: string,
  handler: (req: IncomingMessage, res: ServerResponse) => void,
  what: string,
  maxHeaderSize = 32 * 1024,
): Promise<RunningHttpServer & { server: Server }> {
  const colon = listen.lastIndexOf(':');
  const host = listen.slice(0, colon).replace(/^\[(.*)\]$/, '$1');
  const port = Number(listen.slice(colon + 1));
  const server = createServer({ maxHeaderSize, requestTimeout: 30_000, headersTimeout: 10_000 }, handler);
  server.keepAliveTimeout = 65_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', (err) => reject(new StartupError(`${what}: cannot listen on ${listen}: ${err.message}`)));
    server.listen(port, host, () => resolve());
  });
  let closing = false;
  let down: ((why: string) => void) | undefined;
  let fired = false;
  const fire = (why: string) => {
    if (closing || fired) return;
    fired = true;
    down?.(why);
  };
  server.on('error', (err) => fire(`${what}: ${err.message}`));
  server.on('close', () => fire(`${what}: the listener on ${listen} closed`));
  return {
    server,
    port: (server.address() as AddressInfo).port,
    onDown(listener) {
      down = listener;
    },
    close: () =>
      new Promise<void>((resolve) => {
        closing = true;
        server.close(() => resolve());
        server.closeIdleConnections();
        setTimeout(() => server.closeAllConnections(), 2000).unref();
      }),
  };
}
