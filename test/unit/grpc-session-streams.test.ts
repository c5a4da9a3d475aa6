import { EventEmitter } from 'node:events';
import * as http2 from 'node:http2';
import type { AddressInfo } from 'node:net';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import * as grpc from '@grpc/grpc-js';
import { afterEach, describe, expect, it } from 'vitest';
import { http2ServersOf, renewSessionStreams, sessionStreams, SessionStreamsRenewal } from '../../src/server/grpc/session-streams.js';

// The renewal reaches into Node's and grpc-js's private state (session-streams.ts says why): these
// tests fail when an upgrade moves it, instead of the GC cycle silently coming back.

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

/**
 * An HTTP/2 server that answers each stream when the client ends it, and a connected client;
 * `before` sees the server before it accepts the session (to watch it).
 */
async function pair(before?: (server: http2.Http2Server) => void) {
  const server = http2.createServer();
  before?.(server);
  const session = new Promise<http2.ServerHttp2Session>((resolve) => server.once('session', resolve));
  server.on('stream', (stream) => {
    stream.on('data', () => {});
    stream.on('end', () => {
      stream.respond({ ':status': 200 });
      stream.end(`id ${stream.id}`);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const client = http2.connect(`http://127.0.0.1:${(server.address() as AddressInfo).port}`);
  cleanups.push(() => new Promise<void>((resolve) => server.close(() => resolve())));
  cleanups.push(() => void client.destroy());
  return { server, client, session: await session };
}

/** Resolves once `cond` holds, checked after each turn of the event loop (no timers). */
function until(cond: () => boolean): Promise<void> {
  return new Promise((resolve) => {
    const poll = () => (cond() ? resolve() : setImmediate(poll));
    poll();
  });
}

/** Opens a stream and leaves it open (the request body is not ended). */
function open(client: http2.ClientHttp2Session) {
  const req = client.request({ ':method': 'POST', ':path': '/' });
  const body = new Promise<string>((resolve, reject) => {
    let text = '';
    req.setEncoding('utf8');
    req.on('data', (d: string) => (text += d));
    req.on('end', () => resolve(text));
    req.on('error', reject);
  });
  const opened = new Promise<void>((resolve) => req.once('ready', () => resolve()));
  return { req, body, opened };
}

describe('HTTP/2 session stream tables', () => {
  it("finds the Map in which this Node's session keeps its open streams", async () => {
    const { client, session } = await pair();
    const reqs = [open(client), open(client), open(client)];
    await Promise.all(reqs.map((r) => r.opened));
    // The server has seen the three streams once the client's headers reach it.
    await until(() => sessionStreams(session)!.size === 3);
    expect(sessionStreams(session)?.size).toBe(3);
    for (const r of reqs) r.req.end();
    await Promise.all(reqs.map((r) => r.body));
  });

  it('renews the Map with the same streams, and the streams still finish through it', async () => {
    const { client, session } = await pair();
    const reqs = [open(client), open(client)];
    await Promise.all(reqs.map((r) => r.opened));
    await until(() => sessionStreams(session)!.size === 2);
    const before = sessionStreams(session)!;
    const keys: unknown[] = [];
    before.forEach((_v, k) => keys.push(k));
    expect(renewSessionStreams(session)).toBe(true);
    const after = sessionStreams(session)!;
    expect(after).not.toBe(before);
    expect(after.constructor).toBe(before.constructor);
    const renewedKeys: unknown[] = [];
    after.forEach((_v, k) => renewedKeys.push(k));
    expect(renewedKeys).toEqual(keys);
    for (const r of reqs) r.req.end();
    const bodies = await Promise.all(reqs.map((r) => r.body));
    expect(bodies).toEqual(keys.map((k) => `id ${String(k)}`));
    // A stream opened after the renewal is found too, and closed streams leave the new Map.
    const late = open(client);
    late.req.end();
    expect(await late.body).toMatch(/^id \d+$/);
    await until(() => sessionStreams(session)!.size === 0);
  });

  it('tracks the sessions of watched servers, renews each, and forgets them when they close', async () => {
    const renewal = new SessionStreamsRenewal();
    cleanups.push(() => renewal.stop());
    const { client, session } = await pair((server) => renewal.watch([server]));
    expect(renewal.tracked).toBe(1);
    const first = sessionStreams(session);
    expect(renewal.renewAll()).toBe(1);
    expect(sessionStreams(session)).not.toBe(first);
    const closed = new Promise((resolve) => session.once('close', resolve));
    client.close();
    await closed;
    expect(renewal.tracked).toBe(0);
    expect(renewal.renewAll()).toBe(0);
  });

  it('renews after a mark-compact', async () => {
    const renewal = new SessionStreamsRenewal();
    cleanups.push(() => renewal.stop());
    const { session } = await pair((server) => renewal.watch([server]));
    const first = sessionStreams(session);
    expect(renewal.renewed).toBe(0);
    // A full collection on demand, without starting the test runner with --expose-gc.
    setFlagsFromString('--expose-gc');
    (runInNewContext('gc') as () => void)();
    await until(() => renewal.renewed > 0);
    expect(sessionStreams(session)).not.toBe(first);
  });

  it('leaves alone a session whose streams it cannot find, and says so once', () => {
    let told = 0;
    const renewal = new SessionStreamsRenewal(() => told++);
    expect(renewSessionStreams({})).toBe(false);
    expect(renewSessionStreams({ [Symbol('state')]: { streams: 'not a map' } })).toBe(false);
    renewal.add(new EventEmitter());
    renewal.add(new EventEmitter());
    expect(renewal.tracked).toBe(0);
    expect(renewal.unsupported).toBe(2);
    expect(told).toBe(1);
  });
});

describe('grpc-js http2 servers', () => {
  it('are found on a bound grpc-js Server', async () => {
    const server = new grpc.Server();
    await new Promise<number>((resolve, reject) =>
      server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (err, port) => (err ? reject(err) : resolve(port))),
    );
    cleanups.push(() => void server.forceShutdown());
    const found = http2ServersOf(server);
    expect(found?.length).toBe(1);
    expect(found![0]).toBeInstanceOf(EventEmitter);
    expect(http2ServersOf({})).toBeUndefined();
  });
});
