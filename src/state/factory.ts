import { readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { StartupError } from '../config/load.js';
import { REDIS_DEFAULTS, type StateConfig } from '../config/schema.js';
import type { Logger } from 'pino';
import { MemoryStateStore } from './memory.js';
import { RedisStateStore, type RedisConnection } from './redis.js';
import type { StateStore, StoreLimits } from './store.js';

/**
 * Builds the configured store. Anything that would only fail later (a bad URL, a password
 * variable that is not set, an unreadable CA file) is a startup error naming the field, so a
 * replica never starts half-configured and quietly fails every Check.
 *
 * The Redis URL is `state.redis.url` when set, else the `REDIS_URL` environment variable: a value
 * written in the file is deliberate and must not be overridden silently by an inherited variable.
 * Only `REDIS_URL` may carry a password (environment, not file); `password_env`, when set, wins.
 */
export function createStateStore(
  config: StateConfig,
  limits: StoreLimits,
  env: NodeJS.ProcessEnv,
  log?: Logger,
): StateStore {
  if (config.store === 'memory') {
    return new MemoryStateStore(limits, {
      maxSubjects: config.memory.max_subjects,
      snapshotPath: config.memory.snapshot_path,
      snapshotIntervalMs: config.memory.snapshot_interval_seconds * 1000,
      onSnapshot: (event, detail) => {
        if (event === 'loaded') log?.info({ event: 'state_snapshot', outcome: event, detail }, 'state snapshot loaded');
        else log?.error({ event: 'state_snapshot', outcome: event, detail }, event === 'unreadable' ? 'state snapshot unreadable; starting with no history' : 'state snapshot not written');
      },
    });
  }
  const connection = redisConnection(config, env);
  return new RedisStateStore(limits, {
    connection,
    keyPrefix: (config.redis ?? REDIS_DEFAULTS).key_prefix,
    timeoutMs: config.timeout_ms,
    waitReplicas: (config.redis ?? REDIS_DEFAULTS).wait_replicas,
    waitTimeoutMs: (config.redis ?? REDIS_DEFAULTS).wait_timeout_ms,
    log,
  });
}

/** Resolves URL, password and CA into connection options; exported for tests. */
export function redisConnection(config: StateConfig, env: NodeJS.ProcessEnv): RedisConnection {
  const r = config.redis;
  if (r?.sentinel !== undefined) return sentinelConnection(config, r.sentinel, env);
  if (r?.cluster !== undefined) return clusterConnection(config, r.cluster, env);
  const fromConfig = config.redis?.url;
  const raw = fromConfig ?? env.REDIS_URL;
  const field = fromConfig !== undefined ? 'state.redis.url' : 'REDIS_URL';
  if (raw === undefined || raw === '') {
    throw new StartupError('state.redis.url: store is redis but no URL is configured and REDIS_URL is not set');
  }
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new StartupError(`${field}: not a valid URL`);
  }
  if (url.protocol !== 'redis:' && url.protocol !== 'rediss:') {
    throw new StartupError(`${field}: must be a redis:// or rediss:// URL`);
  }
  if (url.hostname === '') throw new StartupError(`${field}: the URL has no host`);
  const port = url.port === '' ? 6379 : Number(url.port);
  const dbText = url.pathname.replace(/^\//, '');
  const db = dbText === '' ? 0 : Number(dbText);
  if (!Number.isInteger(db) || db < 0 || db > 15 || !/^\d*$/.test(dbText)) {
    throw new StartupError(`${field}: the path must be a database number (e.g. /0), got "/${dbText}"`);
  }
  if (url.search !== '' || url.hash !== '') {
    throw new StartupError(`${field}: query parameters are not supported; use the state.redis keys`);
  }

  const connection: RedisConnection = {
    host: url.hostname.replace(/^\[(.*)\]$/, '$1'),
    port,
    db,
  };
  if (url.username !== '') connection.username = decodeURIComponent(url.username);
  if (url.password !== '') connection.password = decodeURIComponent(url.password);

  const password = passwordFromEnv(config, env);
  if (password !== undefined) connection.password = password;

  const caFile = config.redis?.ca_file;
  if (url.protocol === 'rediss:') {
    // SNI carries names only (RFC 6066); an IP host is still verified against the certificate.
    connection.tls = isIP(connection.host) === 0 ? { servername: connection.host } : {};
    if (caFile !== undefined) connection.tls.ca = readCa(caFile);
  } else if (caFile !== undefined) {
    throw new StartupError(`state.redis.ca_file: a CA file needs a rediss:// (TLS) URL (${field} is redis://)`);
  }
  return connection;
}

type RedisSection = NonNullable<StateConfig['redis']>;

/**
 * Sentinel: the seeds are sentinels, and the primary's address is whatever they name for `name`
 * at each (re)connect, so a failover needs no configuration change. The data nodes' password is
 * `password_env`; the sentinels may have their own.
 */
function sentinelConnection(config: StateConfig, s: NonNullable<RedisSection['sentinel']>, env: NodeJS.ProcessEnv): RedisConnection {
  const connection: RedisConnection = { host: '', port: 0, db: 0 };
  const password = passwordFromEnv(config, env);
  if (password !== undefined) connection.password = password;
  const sentinel: NonNullable<RedisConnection['sentinel']> = { name: s.name, nodes: s.nodes.map(parseHostPort) };
  if (s.password_env !== undefined) sentinel.password = requiredEnv('state.redis.sentinel.password_env', s.password_env, env);
  connection.sentinel = sentinel;
  if (s.tls) connection.tls = tlsOptions(config.redis?.ca_file);
  return connection;
}

/** Cluster: the seeds are any nodes; the slot map is learnt from them and followed on MOVED. */
function clusterConnection(config: StateConfig, c: NonNullable<RedisSection['cluster']>, env: NodeJS.ProcessEnv): RedisConnection {
  const connection: RedisConnection = { host: '', port: 0, db: 0, cluster: { nodes: c.nodes.map(parseHostPort) } };
  const password = passwordFromEnv(config, env);
  if (password !== undefined) connection.password = password;
  if (c.tls) connection.tls = tlsOptions(config.redis?.ca_file);
  return connection;
}

function passwordFromEnv(config: StateConfig, env: NodeJS.ProcessEnv): string | undefined {
  const name = config.redis?.password_env;
  return name === undefined ? undefined : requiredEnv('state.redis.password_env', name, env);
}

export function requiredEnv(field: string, name: string, env: NodeJS.ProcessEnv): string {
  const value = env[name];
  if (value === undefined || value === '') throw new StartupError(`${field}: environment variable ${name} is not set`);
  return value;
}

function tlsOptions(caFile: string | undefined): NonNullable<RedisConnection['tls']> {
  return caFile === undefined ? {} : { ca: readCa(caFile) };
}

function readCa(caFile: string): string {
  let ca: string;
  try {
    ca = readFileSync(caFile, 'utf8');
  } catch (err) {
    throw new StartupError(`state.redis.ca_file: cannot read ${caFile} (${(err as NodeJS.ErrnoException).code ?? 'error'})`);
  }
  if (!ca.includes('-----BEGIN CERTIFICATE-----')) throw new StartupError(`state.redis.ca_file: ${caFile} holds no PEM certificate`);
  return ca;
}

/** The schema already checked the form; IPv6 loses its brackets here. */
function parseHostPort(v: string): { host: string; port: number } {
  const colon = v.lastIndexOf(':');
  return { host: v.slice(0, colon).replace(/^\[(.*)\]$/, '$1'), port: Number(v.slice(colon + 1)) };
}
