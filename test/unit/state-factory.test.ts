import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, parseConfig, StartupError } from '../../src/config/load.js';
import { createStateStore, redisConnection } from '../../src/state/factory.js';
import type { StoreLimits } from '../../src/state/store.js';
import { BASE_YAML } from '../support/state-config.js';

const LIMITS: StoreLimits = {
  windows: { requests: 60, sensitive: 60, denials: 300, namespaces: 600 },
  knownTtlSeconds: 3600,
  maxKnownPerSubject: 8,
  sessionTtlSeconds: 600,
  maxNamespacesTracked: 16,
  behaviour: { objectsWindow: 120, objectsThreshold: 6, destructiveWindow: 300, destructiveThreshold: 12 },
  paceWindow: 20,
  paceThreshold: 3,
};

const withState = (state: string) => parseConfig(`${BASE_YAML}state:\n${state}`, 'stepgate.yaml');
const redisState = (extra = '') => withState(`  store: redis\n  redis:\n${extra || '    key_prefix: "sg:"\n'}`).state;

function configError(state: string): ConfigError {
  try {
    withState(state);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return err as ConfigError;
  }
  throw new Error('expected a ConfigError');
}

function startupError(fn: () => unknown): StartupError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(StartupError);
    return err as StartupError;
  }
  throw new Error('expected a StartupError');
}

describe('state config', () => {
  it('defaults to an embedded memory store, failing closed, when the file has no state section', () => {
    const cfg = parseConfig(BASE_YAML, 'stepgate.yaml');
    expect(cfg.state).toEqual({ store: 'memory', timeout_ms: 50, on_state_error: 'fail_closed', memory: { max_subjects: 100_000, snapshot_interval_seconds: 60 } });
    const store = createStateStore(cfg.state, LIMITS, {});
    expect(store.kind).toBe('memory');
  });

  it('fills the redis defaults', () => {
    const cfg = withState('  store: redis\n  on_state_error: degrade\n  redis:\n    url: redis://redis:6379/2\n');
    expect(cfg.state.on_state_error).toBe('degrade');
    expect(cfg.state.redis).toEqual({ url: 'redis://redis:6379/2', key_prefix: 'stepgate:', wait_replicas: 0, wait_timeout_ms: 100 });
  });

  it.each([
    ['  store: mongo\n', 'state.store'],
    ['  timeout_ms: 2\n', 'state.timeout_ms'],
    ['  timeout_ms: 10000\n', 'state.timeout_ms'],
    ['  on_state_error: allow\n', 'state.on_state_error'],
    ['  memory:\n    max_subjects: 0\n', 'state.memory.max_subjects'],
    ['  memroy: {}\n', 'state.memroy'],
    ['  store: redis\n  redis:\n    url: http://redis:6379\n', 'state.redis.url'],
    ['  store: redis\n  redis:\n    url: redis://:hunter2@redis:6379\n', 'state.redis.url'],
    ['  store: redis\n  redis:\n    url: redis://redis\n    ca_file: /etc/ca.pem\n', 'state.redis.ca_file'],
    ['  store: redis\n  redis:\n    key_prefix: "a{b}"\n', 'state.redis.key_prefix'],
    ['  store: redis\n  redis:\n    password_env: "not a name"\n', 'state.redis.password_env'],
    ['  store: redis\n  redis:\n    passwd_env: X\n', 'state.redis.passwd_env'],
    ['  store: memory\n  redis:\n    url: redis://redis\n', 'state.redis'],
  ])('rejects %j naming %s with its line', (state, field) => {
    const err = configError(state);
    const problem = err.problems.find((p) => p.field === field);
    expect(problem, err.message).toBeDefined();
    expect(problem!.line).toBeGreaterThan(10);
  });

  it('never echoes a password written in the URL', () => {
    const err = configError('  store: redis\n  redis:\n    url: redis://:hunter2@redis:6379\n');
    expect(err.message).not.toContain('hunter2');
  });
});

describe('createStateStore: Redis connection settings', () => {

  it('needs a URL from the file or REDIS_URL', () => {
    const err = startupError(() => createStateStore(withState('  store: redis\n').state, LIMITS, {}));
    expect(err.message).toMatch(/^state\.redis\.url: /);
  });

  it('uses REDIS_URL when the file names none, and the file when it does', () => {
    expect(redisConnection(redisState(), { REDIS_URL: 'redis://env-host:6380/3' })).toEqual({ host: 'env-host', port: 6380, db: 3 });
    expect(redisConnection(redisState('    url: redis://file-host\n'), { REDIS_URL: 'redis://env-host:6380/3' })).toEqual({
      host: 'file-host',
      port: 6379,
      db: 0,
    });
  });

  it('accepts a password in REDIS_URL (environment, not file); password_env wins', () => {
    expect(redisConnection(redisState(), { REDIS_URL: 'redis://app:p%40ss@h:1/0' })).toMatchObject({ username: 'app', password: 'p@ss' });
    expect(
      redisConnection(redisState('    password_env: RP\n'), { REDIS_URL: 'redis://app:p%40ss@h:1/0', RP: 'from-env' }),
    ).toMatchObject({ password: 'from-env' });
  });

  it.each([
    ['http://h:6379', /^REDIS_URL: must be a redis/],
    ['not a url', /^REDIS_URL: not a valid URL/],
    ['redis://h:6379/x', /^REDIS_URL: the path must be a database number/],
    ['redis://h:6379/0?tls=true', /^REDIS_URL: query parameters/],
  ])('rejects REDIS_URL %s at startup', (url, message) => {
    expect(startupError(() => createStateStore(redisState(), LIMITS, { REDIS_URL: url })).message).toMatch(message);
  });

  it('names password_env when its variable is missing or empty, without starting', () => {
    const state = redisState('    url: redis://h\n    password_env: REDIS_PASSWORD\n');
    expect(startupError(() => createStateStore(state, LIMITS, {})).message).toMatch(
      /^state\.redis\.password_env: environment variable REDIS_PASSWORD is not set/,
    );
    expect(startupError(() => createStateStore(state, LIMITS, { REDIS_PASSWORD: '' })).message).toMatch(/password_env/);
  });

  it('turns on TLS for rediss:// and loads the CA bundle', () => {
    const dir = mkdtempSync(join(tmpdir(), 'stepgate-ca-'));
    const pem = join(dir, 'ca.pem');
    writeFileSync(pem, '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n');
    const conn = redisConnection(redisState(`    url: rediss://redis.internal:6380\n    ca_file: ${pem}\n`), {});
    expect(conn.tls).toEqual({ servername: 'redis.internal', ca: expect.stringContaining('BEGIN CERTIFICATE') });
    expect(redisConnection(redisState('    url: rediss://10.0.0.5\n'), {}).tls).toEqual({});
    expect(redisConnection(redisState('    url: redis://redis.internal\n'), {}).tls).toBeUndefined();
  });

  it('refuses an unreadable or non-PEM CA file, and a CA file with a plain REDIS_URL', () => {
    const dir = mkdtempSync(join(tmpdir(), 'stepgate-ca-'));
    const junk = join(dir, 'junk.pem');
    writeFileSync(junk, 'hello');
    expect(startupError(() => redisConnection(redisState(`    url: rediss://h\n    ca_file: ${join(dir, 'missing.pem')}\n`), {})).message).toMatch(
      /^state\.redis\.ca_file: cannot read .*ENOENT/,
    );
    expect(startupError(() => redisConnection(redisState(`    url: rediss://h\n    ca_file: ${junk}\n`), {})).message).toMatch(
      /^state\.redis\.ca_file: .* no PEM certificate/,
    );
    expect(startupError(() => redisConnection(redisState(`    ca_file: ${junk}\n`), { REDIS_URL: 'redis://h' })).message).toMatch(
      /^state\.redis\.ca_file: a CA file needs a rediss/,
    );
  });
});

describe('Redis Sentinel and Cluster connections', () => {
  it('sentinel: seeds, primary name, data and sentinel passwords from the environment, TLS with the CA', () => {
    const dir = mkdtempSync(join(tmpdir(), 'stepgate-ca-'));
    const pem = join(dir, 'ca.pem');
    writeFileSync(pem, '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n');
    const conn = redisConnection(
      redisState(
        `    password_env: RP\n    ca_file: ${pem}\n    sentinel:\n      name: primary\n      nodes: ["s-0.redis:26379", "[::1]:26380"]\n      password_env: SP\n      tls: true\n`,
      ),
      { RP: 'data-secret', SP: 'sentinel-secret' },
    );
    expect(conn).toMatchObject({
      password: 'data-secret',
      sentinel: { name: 'primary', nodes: [{ host: 's-0.redis', port: 26379 }, { host: '::1', port: 26380 }], password: 'sentinel-secret' },
      tls: { ca: expect.stringContaining('BEGIN CERTIFICATE') },
    });
  });

  it('cluster: seed nodes, password from the environment, no REDIS_URL needed', () => {
    const conn = redisConnection(redisState('    password_env: RP\n    cluster:\n      nodes: ["10.0.0.1:6379", "redis-1:6379"]\n'), { RP: 'p' });
    expect(conn).toMatchObject({ password: 'p', cluster: { nodes: [{ host: '10.0.0.1', port: 6379 }, { host: 'redis-1', port: 6379 }] } });
    expect(conn.tls).toBeUndefined();
  });

  it('names the missing sentinel password variable at startup', () => {
    const state = redisState('    sentinel:\n      name: p\n      nodes: ["s:26379"]\n      password_env: SENTINEL_PASSWORD\n');
    expect(startupError(() => redisConnection(state, {})).message).toMatch(/^state\.redis\.sentinel\.password_env: environment variable SENTINEL_PASSWORD is not set/);
  });

  it.each([
    ['    url: redis://h\n    cluster:\n      nodes: ["h:6379"]\n', /redis\.cluster.*only one of url, sentinel, cluster/s],
    ['    sentinel:\n      name: p\n      nodes: ["s:26379"]\n    cluster:\n      nodes: ["h:6379"]\n', /only one of url, sentinel, cluster/],
    ['    cluster:\n      nodes: ["h"]\n', /state\.redis\.cluster\.nodes\[0\]: must be host:port/],
    ['    cluster:\n      nodes: ["h:70000"]\n', /nodes\[0\]: must be host:port with a port 1-65535/],
    ['    cluster:\n      nodes: []\n', /redis\.cluster\.nodes/],
    ['    sentinel:\n      nodes: ["s:26379"]\n', /redis\.sentinel\.name/],
    ['    ca_file: /x.pem\n    cluster:\n      nodes: ["h:6379"]\n', /redis\.ca_file.*tls: true under cluster/s],
    ['    wait_replicas: -1\n', /redis\.wait_replicas/],
  ])('refuses a malformed topology, naming the field: %s', (yaml, message) => {
    expect(configError(`  store: redis\n  redis:\n${yaml}`).message).toMatch(message);
  });
});

describe('STEPGATE_STATE_STORE', () => {
  it('switches the store without touching the policy file, on every load', async () => {
    const { withEnvOverrides } = await import('../../src/main.js');
    const memory = withState('  store: memory\n');
    expect(withEnvOverrides(memory, {})).toBe(memory);
    expect(withEnvOverrides(memory, { STEPGATE_STATE_STORE: 'redis' }).state.store).toBe('redis');
    const redis = withState('  store: redis\n  redis: { url: "redis://r:6379/0" }\n');
    const back = withEnvOverrides(redis, { STEPGATE_STATE_STORE: 'memory' }).state;
    expect([back.store, back.redis]).toEqual(['memory', undefined]);
  });

  it('refuses anything but memory or redis, naming the variable', async () => {
    const { withEnvOverrides } = await import('../../src/main.js');
    expect(() => withEnvOverrides(withState('  store: memory\n'), { STEPGATE_STATE_STORE: 'redsi' })).toThrow(StartupError);
    expect(() => withEnvOverrides(withState('  store: memory\n'), { STEPGATE_STATE_STORE: 'redsi' })).toThrow(/^STEPGATE_STATE_STORE: must be memory or redis/);
  });
});

describe('STEPGATE_STATE_SNAPSHOT', () => {
  it("gives the memory store its history file without touching the policy file; off drops the file's, empty is unset", async () => {
    const { withEnvOverrides } = await import('../../src/main.js');
    const memory = withState('  store: memory\n');
    expect(withEnvOverrides(memory, { STEPGATE_STATE_SNAPSHOT: '/var/lib/stepgate/state.json' }).state.memory.snapshot_path).toBe('/var/lib/stepgate/state.json');
    expect(withEnvOverrides(memory, { STEPGATE_STATE_SNAPSHOT: '' })).toBe(memory);
    const withFile = withState('  store: memory\n  memory:\n    snapshot_path: /data/s.json\n');
    expect(withEnvOverrides(withFile, {})).toBe(withFile);
    expect(withEnvOverrides(withFile, { STEPGATE_STATE_SNAPSHOT: 'off' }).state.memory.snapshot_path).toBeUndefined();
    // With STEPGATE_STATE_STORE=memory over a Redis policy (the single-replica overlay), both apply.
    const redis = withState('  store: redis\n  redis: { url: "redis://r:6379/0" }\n');
    const both = withEnvOverrides(redis, { STEPGATE_STATE_STORE: 'memory', STEPGATE_STATE_SNAPSHOT: '/var/lib/stepgate/state.json' }).state;
    expect([both.store, both.redis, both.memory.snapshot_path]).toEqual(['memory', undefined, '/var/lib/stepgate/state.json']);
  });
});
