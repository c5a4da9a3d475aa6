import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../../demo/nginx.js';

export { freePort };

export const REDIS_SERVER = '/usr/bin/redis-server';

/**
 * A real redis-server on a free loopback port, for the state store tests. It can be killed and
 * started again on the same port, which is what an outage and recovery look like to a client.
 * A missing binary is an error, never a skip: scripts/test.sh installs the Debian package.
 */
export interface RedisServer {
  port: number;
  url: string;
  /** SIGKILL, as a crash: no goodbye to connected clients beyond the socket closing. */
  kill(): Promise<void>;
  /** Starts it again on the same port (empty: nothing is persisted). */
  start(): Promise<void>;
  stop(): Promise<void>;
}

/** `extraArgs` are appended to the command line, e.g. `['--requirepass', 'secret']`. */
export async function startRedis(extraArgs: string[] = []): Promise<RedisServer> {
  if (!existsSync(REDIS_SERVER)) {
    throw new Error(`${REDIS_SERVER} not found: install the Debian package redis-server (scripts/test.sh does)`);
  }
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'stepgate-redis-'));
  let child: ChildProcess | undefined;

  const start = async () => {
    const proc = spawn(
      REDIS_SERVER,
      [
        '--port', String(port), '--bind', '127.0.0.1', '--dir', dir,
        '--save', '', '--appendonly', 'no', '--enable-debug-command', 'local',
        '--loglevel', 'warning', '--daemonize', 'no',
        ...extraArgs,
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    const output: string[] = [];
    proc.stdout!.on('data', (d: Buffer) => output.push(d.toString()));
    proc.stderr!.on('data', (d: Buffer) => output.push(d.toString()));
    child = proc;
    const deadline = Date.now() + 10_000;
    while (!(await ping(port))) {
      if (proc.exitCode !== null || Date.now() > deadline) {
        proc.kill('SIGKILL');
        throw new Error(`redis-server did not answer PING on port ${port}: ${output.join('')}`);
      }
      await new Promise((r) => setTimeout(r, 25));
    }
  };

  const kill = async () => {
    const proc = child;
    child = undefined;
    if (!proc || proc.exitCode !== null || proc.signalCode !== null) return;
    const exited = once(proc, 'exit');
    proc.kill('SIGKILL');
    await exited;
  };

  await start();
  return {
    port,
    url: `redis://127.0.0.1:${port}/0`,
    kill,
    start,
    stop: async () => {
      await kill();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}


/** True when the server answers PING (inline command) with +PONG. */
function ping(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const sock = connect(port, '127.0.0.1');
    let buf = '';
    const done = (ok: boolean) => {
      sock.destroy();
      resolve(ok);
    };
    sock.setTimeout(500, () => done(false));
    sock.on('error', () => done(false));
    sock.on('connect', () => sock.write('PING\r\n'));
    sock.on('data', (d) => {
      buf += d.toString();
      // -NOAUTH also means the server is up (started with --requirepass).
      if (buf.includes('\r\n')) done(buf.startsWith('+PONG') || buf.startsWith('-NOAUTH'));
    });
  });
}

/**
 * The Redis Cluster slot of a key: CRC16 (XMODEM) of the hash tag, or of the whole key when it
 * has none, modulo 16384. (A standalone server refuses CLUSTER KEYSLOT, so tests compute it.)
 */
export function keySlot(key: string): number {
  const bytes = Buffer.from(key, 'utf8');
  let start = 0;
  let end = bytes.length;
  const open = bytes.indexOf(0x7b); // {
  if (open !== -1) {
    const close = bytes.indexOf(0x7d, open + 1); // }
    if (close !== -1 && close > open + 1) {
      start = open + 1;
      end = close;
    }
  }
  let crc = 0;
  for (let i = start; i < end; i++) {
    crc ^= bytes[i]! << 8;
    for (let b = 0; b < 8; b++) crc = crc & 0x8000 ? ((crc << 1) ^ 0x1021) & 0xffff : (crc << 1) & 0xffff;
  }
  return crc % 16384;
}

export interface TestCa {
  dir: string;
  caFile: string;
  certFile: string;
  keyFile: string;
}

/** A throwaway CA and a server certificate for localhost / 127.0.0.1, made with the openssl CLI. */
export function makeTestCa(): TestCa {
  const dir = mkdtempSync(join(tmpdir(), 'stepgate-tls-'));
  const f = (name: string) => join(dir, name);
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  const run = (args: string[]) => execFileSync('openssl', args, { stdio: 'pipe' });
  run(['req', '-x509', ...ec, '-keyout', f('ca.key'), '-out', f('ca.pem'), '-days', '1', '-subj', '/CN=stepgate test CA']);
  run(['req', ...ec, '-keyout', f('server.key'), '-out', f('server.csr'), '-subj', '/CN=localhost']);
  writeFileSync(f('ext.cnf'), 'subjectAltName=DNS:localhost,IP:127.0.0.1\n');
  run([
    'x509', '-req', '-in', f('server.csr'), '-CA', f('ca.pem'), '-CAkey', f('ca.key'), '-CAcreateserial',
    '-out', f('server.pem'), '-days', '1', '-extfile', f('ext.cnf'),
  ]);
  return { dir, caFile: f('ca.pem'), certFile: f('server.pem'), keyFile: f('server.key') };
}

/** Resolves once a Redis store reports `ready` (its connection made), or throws after `ms`. */
export async function whenReady(store: { readonly status: string }, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (store.status !== 'ready') {
    if (Date.now() > deadline) throw new Error(`redis store not ready: ${store.status}`);
    await new Promise((done) => setTimeout(done, 10));
  }
}
