import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { freePort, REDIS_SERVER } from './redis.js';

/**
 * Real Redis topologies on loopback for the high-availability tests: a Redis Cluster (primaries
 * with one replica each) and a Sentinel group (a primary, a replica, three sentinels). Every node
 * is a real redis-server on a free port; a primary can be SIGKILLed mid-stream to force a
 * failover. Timeouts are short (about a second) so an election finishes within a test.
 */

const REDIS_CLI = '/usr/bin/redis-cli';

interface Node {
  port: number;
  proc: ChildProcess;
}

function spawnNode(args: string[], dir: string): Node & { output: string[] } {
  const proc = spawn(REDIS_SERVER, args, { stdio: ['ignore', 'pipe', 'pipe'], cwd: dir });
  const output: string[] = [];
  proc.stdout!.on('data', (d: Buffer) => output.push(d.toString()));
  proc.stderr!.on('data', (d: Buffer) => output.push(d.toString()));
  return { port: Number(args[args.indexOf('--port') + 1]), proc, output };
}

async function killNode(n: Node): Promise<void> {
  if (n.proc.exitCode !== null || n.proc.signalCode !== null) return;
  const exited = once(n.proc, 'exit');
  n.proc.kill('SIGKILL');
  await exited;
}

/** Polls `check` every 50 ms until it is true or `ms` have passed (then throws `what`). */
export async function until(what: string, check: () => Promise<boolean> | boolean, ms = 20_000): Promise<void> {
  const deadline = Date.now() + ms;
  for (;;) {
    try {
      if (await check()) return;
    } catch {
      // not yet
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function command(port: number, ...args: (string | number)[]): Promise<unknown> {
  const c = new Redis({ port, host: '127.0.0.1', lazyConnect: true, maxRetriesPerRequest: 0, enableOfflineQueue: true, retryStrategy: () => null });
  c.on('error', () => {});
  try {
    await c.connect();
    return await c.call(String(args[0]), ...args.slice(1).map(String));
  } finally {
    c.disconnect();
  }
}

function requireBinaries(): void {
  for (const bin of [REDIS_SERVER, REDIS_CLI]) {
    if (!existsSync(bin)) throw new Error(`${bin} not found: install the Debian package redis-server (scripts/test.sh does)`);
  }
}

export interface RedisClusterHarness {
  /** `127.0.0.1:port` of every node, primaries first. */
  seeds: string[];
  /** The port of the primary that currently serves `slot`. */
  primaryFor(slot: number): Promise<number>;
  /** SIGKILL one node. */
  kill(port: number): Promise<void>;
  /** Starts a killed node again (it rejoins as a replica). */
  restart(port: number): Promise<void>;
  /** Resolves once every slot has a live primary again and the cluster reports ok. */
  healthy(): Promise<void>;
  stop(): Promise<void>;
}

/**
 * One cluster node on a free port. A port found free can be taken by another test before the node
 * binds it (the suite runs files in parallel): the node then exits, and another port is tried.
 */
async function startClusterNode(args: (port: number) => string[], dir: string): Promise<Node & { output: string[] }> {
  for (let attempt = 1; ; attempt++) {
    const n = spawnNode(args(await freePort()), dir);
    let exited = false;
    try {
      await until(`cluster node ${n.port}`, async () => {
        if (n.proc.exitCode !== null || n.proc.signalCode !== null) {
          exited = true;
          return true;
        }
        return (await command(n.port, 'PING')) === 'PONG';
      }, 30_000);
    } catch (err) {
      await killNode(n);
      throw new Error(`${(err as Error).message}: ${n.output.join('').trim()}`);
    }
    if (!exited) return n;
    if (attempt === 3) throw new Error(`cluster node ${n.port} exited: ${n.output.join('').trim()}`);
  }
}

/** `primaries` primaries with one replica each, cluster-node-timeout 1 s. */
export async function startRedisCluster(primaries = 3): Promise<RedisClusterHarness> {
  requireBinaries();
  const dir = mkdtempSync(join(tmpdir(), 'stepgate-redis-cluster-'));
  const ports: number[] = [];
  const args = (port: number) => [
    '--port', String(port), '--bind', '127.0.0.1', '--dir', dir,
    '--cluster-enabled', 'yes', '--cluster-config-file', `nodes-${port}.conf`,
    '--cluster-node-timeout', '1000', '--cluster-replica-validity-factor', '0',
    '--save', '', '--appendonly', 'no', '--loglevel', 'warning', '--daemonize', 'no',
  ];
  const nodes: (Node & { output: string[] })[] = [];
  const stop = async () => {
    await Promise.all(nodes.map(killNode));
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    for (let i = 0; i < primaries * 2; i++) nodes.push(await startClusterNode(args, dir));
    for (const n of nodes) ports.push(n.port);
    execFileSync(
      REDIS_CLI,
      ['--cluster', 'create', ...ports.map((p) => `127.0.0.1:${p}`), '--cluster-replicas', '1', '--cluster-yes'],
      { stdio: 'pipe', timeout: 30_000 },
    );
  } catch (err) {
    await stop();
    throw err;
  }
  const live = new Set(ports);
  const harness: RedisClusterHarness = {
    seeds: ports.map((p) => `127.0.0.1:${p}`),
    async primaryFor(slot) {
      for (const port of live) {
        try {
          const slots = (await command(port, 'CLUSTER', 'SLOTS')) as [number, number, [string, number, string]][];
          const range = slots.find(([a, b]) => slot >= a && slot <= b);
          if (range) return Number(range[2][1]);
        } catch {
          // try the next node
        }
      }
      throw new Error(`no live node knows slot ${slot}`);
    },
    async kill(port) {
      live.delete(port);
      const n = nodes.find((x) => x.port === port);
      if (n) await killNode(n);
    },
    async restart(port) {
      // Its nodes.conf survives: it rejoins, sees it lost its slots, and becomes a replica.
      const i = nodes.findIndex((x) => x.port === port);
      nodes[i] = spawnNode(args(port), dir);
      await until(`node ${port} back`, async () => (await command(port, 'PING')) === 'PONG', 10_000);
      live.add(port);
    },
    async healthy() {
      await until('cluster_state:ok on every live node, every live replica in sync', async () => {
        for (const port of live) {
          const info = String(await command(port, 'CLUSTER', 'INFO'));
          if (!info.includes('cluster_state:ok')) return false;
          const replication = String(await command(port, 'INFO', 'replication'));
          if (replication.includes('role:slave') && !replication.includes('master_link_status:up')) return false;
        }
        return true;
      });
    },
    stop,
  };
  await harness.healthy();
  return harness;
}

export interface RedisSentinelHarness {
  name: string;
  /** `127.0.0.1:port` of the three sentinels. */
  sentinels: string[];
  primaryPort(): Promise<number>;
  replicaPort: number;
  kill(port: number): Promise<void>;
  /** Starts a killed data node again; the sentinels turn it into a replica of the new primary. */
  restart(port: number): Promise<void>;
  stop(): Promise<void>;
}

/**
 * A primary, one replica and three sentinels (quorum 2), down-after 1 s. `password` protects the
 * data nodes (and the sentinels talk to them with it).
 */
export async function startRedisSentinel(password?: string): Promise<RedisSentinelHarness> {
  requireBinaries();
  const name = 'stepgate-primary';
  const dir = mkdtempSync(join(tmpdir(), 'stepgate-redis-sentinel-'));
  const auth = password === undefined ? [] : ['--requirepass', password, '--masterauth', password];
  const data = (port: number, extra: string[]) =>
    spawnNode(
      ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--dbfilename', `dump-${port}.rdb`,
        '--save', '', '--appendonly', 'no', '--loglevel', 'warning', '--daemonize', 'no', ...auth, ...extra],
      dir,
    );
  const primaryPortNumber = await freePort();
  const replicaPort = await freePort();
  const nodes: (Node & { output: string[] })[] = [];
  const stop = async () => {
    await Promise.all(nodes.map(killNode));
    rmSync(dir, { recursive: true, force: true });
  };
  const ask = (port: number, ...args: string[]) => {
    const a = password === undefined ? [] : ['-a', password, '--no-auth-warning'];
    return execFileSync(REDIS_CLI, ['-p', String(port), ...a, ...args], { encoding: 'utf8', timeout: 5000 });
  };
  try {
    nodes.push(data(primaryPortNumber, []));
    nodes.push(data(replicaPort, ['--replicaof', '127.0.0.1', String(primaryPortNumber)]));
    await until('replica in sync', () => ask(replicaPort, 'INFO', 'replication').includes('master_link_status:up'));
    const sentinelPorts: number[] = [];
    for (let i = 0; i < 3; i++) {
      const port = await freePort();
      sentinelPorts.push(port);
      const conf = join(dir, `sentinel-${port}.conf`);
      writeFileSync(
        conf,
        [
          `port ${port}`,
          'bind 127.0.0.1',
          `dir ${dir}`,
          `sentinel monitor ${name} 127.0.0.1 ${primaryPortNumber} 2`,
          `sentinel down-after-milliseconds ${name} 1000`,
          `sentinel failover-timeout ${name} 5000`,
          `sentinel parallel-syncs ${name} 1`,
          ...(password === undefined ? [] : [`sentinel auth-pass ${name} ${password}`]),
          '',
        ].join('\n'),
      );
      const proc = spawn(REDIS_SERVER, [conf, '--sentinel'], { stdio: ['ignore', 'pipe', 'pipe'], cwd: dir });
      const output: string[] = [];
      proc.stdout!.on('data', (d: Buffer) => output.push(d.toString()));
      nodes.push({ port, proc, output });
    }
    for (const port of sentinelPorts) {
      await until(`sentinel ${port} sees the replica and its peers`, () => {
        const out = execFileSync(REDIS_CLI, ['-p', String(port), 'SENTINEL', 'master', name], { encoding: 'utf8', timeout: 5000 });
        const lines = out.split('\n').map((l) => l.trim());
        const field = (k: string) => lines[lines.indexOf(k) + 1];
        return field('num-slaves') === '1' && field('num-other-sentinels') === '2';
      });
    }
    const primaryPort = async () => {
      const out = execFileSync(REDIS_CLI, ['-p', String(sentinelPorts[0]), 'SENTINEL', 'get-master-addr-by-name', name], { encoding: 'utf8', timeout: 5000 });
      return Number(out.trim().split('\n')[1]);
    };
    return {
      name,
      sentinels: sentinelPorts.map((p) => `127.0.0.1:${p}`),
      primaryPort,
      replicaPort,
      async kill(port) {
        const n = nodes.find((x) => x.port === port);
        if (n) await killNode(n);
      },
      async restart(port) {
        const i = nodes.findIndex((x) => x.port === port);
        nodes[i] = data(port, []);
        await until(`node ${port} replicating again`, () => {
          const info = ask(port, 'INFO', 'replication');
          return info.includes('role:slave') && info.includes('master_link_status:up');
        }, 30_000);
      },
      stop,
    };
  } catch (err) {
    await stop();
    throw err;
  }
}
