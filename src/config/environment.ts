/**
 * Every `STEPGATE_*` environment variable, declared once: its name, what it overrides, where it is
 * read and how its value is checked. Nothing else in src/ names one in code (a test greps src/
 * for it, and docs/configuration.md must document each with an example): the commands, the
 * service and the kubectl plugin ask this module for parsed values and pass them down.
 *
 * This module imports nothing, not even a node: built-in, because the kubectl credential plugin
 * reads `STEPGATE_BROWSER` through it and kubectl runs that plugin before every command, where each
 * module loaded costs start-up time (cli.ts). The standard `OTEL_*` variables are not here: the
 * OpenTelemetry SDK defines and reads them, and telemetry/otel-env.ts only looks at which are set.
 * Variables whose names come from the configuration file (`*_env` keys) and `REDIS_URL` are read
 * where the file names them, beside the field they belong to.
 */

/**
 * The file is valid but the process cannot start with it: a secret missing from the environment,
 * an address that cannot be bound, a `STEPGATE_*` variable with a value it cannot take. Reported
 * like a ConfigError (exit 2), without a stack. config/load.ts re-exports it.
 */
export class StartupError extends Error {
  readonly code = 'startup_failed';
  override name = 'StartupError';
}

/** A `STEPGATE_*` variable with a value it cannot take; the message starts with the variable's name. */
export class EnvironmentError extends StartupError {
  constructor(
    readonly variable: string,
    problem: string,
  ) {
    super(`${variable}: ${problem}`);
  }
}

export type EnvSource = Readonly<Record<string, string | undefined>>;

/** Who reads the variable: `serve`, another command, the kubectl plugin, or stepgate itself (never set by hand). */
export type EnvScope = 'serve' | 'command' | 'plugin' | 'internal';

export interface EnvVariable<T> {
  readonly name: string;
  readonly scope: EnvScope;
  /** The configuration key the variable overrides, when it overrides one. */
  readonly overrides?: string;
  /** A value as the docs show it (`NAME=value`); the docs test checks it is there. */
  readonly example: string;
  /** Holds a secret: never printed back. */
  readonly secret?: boolean;
  /** The value as the program uses it; throws EnvironmentError naming the variable when it cannot. */
  parse(raw: string): T;
}

/** Not counted below this: V8 needs room for its own bookkeeping. */
export const MIN_HEAP_MIB = 64;

export type HeapLimitSetting = { mode: 'auto' } | { mode: 'off' } | { mode: 'mib'; mib: number } | { mode: 'invalid'; raw: string };
export type LogFormat = 'pretty' | 'json';

const text = (raw: string): string => raw;

function oneOf<const T extends string>(name: string, values: readonly T[]): (raw: string) => T | undefined {
  return (raw) => {
    // An empty value counts as unset, as `VAR= stepgate serve` means "no override".
    if (raw === '') return undefined;
    if ((values as readonly string[]).includes(raw)) return raw as T;
    throw new EnvironmentError(name, `must be ${values.slice(0, -1).join(', ')} or ${values[values.length - 1]}, got ${JSON.stringify(raw.slice(0, 40))}`);
  };
}

/**
 * `--workers N` and STEPGATE_WORKERS share this check (and its message): 1 to 64 processes. A
 * StartupError, not an EnvironmentError, because the flag reaches it too.
 */
export function parseWorkerCount(value: string | undefined): number {
  if (value === undefined) return 1;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > 64) throw new StartupError(`--workers (or STEPGATE_WORKERS) must be a whole number from 1 to 64, got ${JSON.stringify(value)}`);
  return n;
}

/** The declarations. Add a variable here (and to docs/configuration.md), nowhere else. */
export const ENV = {
  config: {
    name: 'STEPGATE_CONFIG',
    scope: 'command',
    example: 'STEPGATE_CONFIG=/etc/stepgate/stepgate.yaml',
    parse: text,
  },
  grpcListen: {
    name: 'STEPGATE_GRPC_LISTEN',
    scope: 'serve',
    overrides: 'server.grpc_listen',
    example: 'STEPGATE_GRPC_LISTEN=127.0.0.1:0',
    parse: text,
  },
  httpListen: {
    name: 'STEPGATE_HTTP_LISTEN',
    scope: 'serve',
    overrides: 'server.http_listen',
    example: 'STEPGATE_HTTP_LISTEN=off',
    parse: text,
  },
  authzHttpListen: {
    name: 'STEPGATE_AUTHZ_HTTP_LISTEN',
    scope: 'serve',
    overrides: 'server.authz_http_listen',
    example: 'STEPGATE_AUTHZ_HTTP_LISTEN=127.0.0.1:9192',
    parse: text,
  },
  metricsListen: {
    name: 'STEPGATE_METRICS_LISTEN',
    scope: 'serve',
    overrides: 'telemetry.metrics_listen',
    example: 'STEPGATE_METRICS_LISTEN=off',
    parse: text,
  },
  stateStore: {
    name: 'STEPGATE_STATE_STORE',
    scope: 'serve',
    overrides: 'state.store',
    example: 'STEPGATE_STATE_STORE=redis',
    parse: oneOf('STEPGATE_STATE_STORE', ['memory', 'redis'] as const),
  },
  stateSnapshot: {
    name: 'STEPGATE_STATE_SNAPSHOT',
    scope: 'serve',
    overrides: 'state.memory.snapshot_path',
    example: 'STEPGATE_STATE_SNAPSHOT=/var/lib/stepgate/state.json',
    parse: text,
  },
  logFormat: {
    name: 'STEPGATE_LOG_FORMAT',
    scope: 'serve',
    example: 'STEPGATE_LOG_FORMAT=json',
    parse: oneOf('STEPGATE_LOG_FORMAT', ['pretty', 'json'] as const),
  },
  heapLimit: {
    name: 'STEPGATE_HEAP_LIMIT',
    scope: 'serve',
    example: 'STEPGATE_HEAP_LIMIT=300',
    // Not an error: a heap limit that cannot be read leaves Node's own, and says so (heap-limit.ts).
    parse: (raw): HeapLimitSetting => {
      if (raw === 'auto') return { mode: 'auto' };
      if (raw === 'off') return { mode: 'off' };
      const n = Number(raw);
      return Number.isInteger(n) && n >= MIN_HEAP_MIB ? { mode: 'mib', mib: n } : { mode: 'invalid', raw };
    },
  },
  heapLimitApplied: {
    name: 'STEPGATE_HEAP_LIMIT_APPLIED',
    scope: 'internal',
    example: 'STEPGATE_HEAP_LIMIT_APPLIED=1',
    parse: (raw) => raw === '1',
  },
  workers: {
    name: 'STEPGATE_WORKERS',
    scope: 'serve',
    example: 'STEPGATE_WORKERS=2',
    parse: (raw) => parseWorkerCount(raw),
  },
  worker: {
    name: 'STEPGATE_WORKER',
    scope: 'internal',
    example: 'STEPGATE_WORKER=2',
    // Set by the primary of `serve --workers N` for each worker it forks; empty means none.
    parse: (raw) => (raw === '' ? undefined : Number(raw)),
  },
  server: {
    name: 'STEPGATE_SERVER',
    scope: 'command',
    example: 'STEPGATE_SERVER=127.0.0.1:9191',
    parse: text,
  },
  adminUrl: {
    name: 'STEPGATE_ADMIN_URL',
    scope: 'command',
    example: 'STEPGATE_ADMIN_URL=https://stepgate.internal.example.com',
    parse: text,
  },
  adminToken: {
    name: 'STEPGATE_ADMIN_TOKEN',
    scope: 'command',
    secret: true,
    example: 'STEPGATE_ADMIN_TOKEN="$(cat /run/secrets/stepgate-admin)"',
    parse: text,
  },
  browser: {
    name: 'STEPGATE_BROWSER',
    scope: 'plugin',
    example: 'STEPGATE_BROWSER=firefox',
    parse: text,
  },
} as const satisfies Record<string, EnvVariable<unknown>>;

export type EnvKey = keyof typeof ENV;
export type EnvValue<K extends EnvKey> = Exclude<ReturnType<(typeof ENV)[K]['parse']>, undefined>;

/** Every declared variable, for the docs test and `stepgate help`. */
export const ENV_VARIABLES: readonly EnvVariable<unknown>[] = Object.values(ENV);

/** The parsed value of one variable, or undefined when it is not set (or set to nothing it takes as unset). */
export function envValue<K extends EnvKey>(env: EnvSource, key: K): EnvValue<K> | undefined {
  const v: EnvVariable<unknown> = ENV[key];
  const raw = env[v.name];
  return raw === undefined ? undefined : (v.parse(raw) as EnvValue<K> | undefined);
}

/** What `serve` takes from the environment over the file, read once at start (and on every reload for the store). */
export interface ServeOverrides {
  grpcListen?: string;
  httpListen?: string;
  authzHttpListen?: string;
  metricsListen?: string;
  stateStore?: 'memory' | 'redis';
}

export function serveOverrides(env: EnvSource): ServeOverrides {
  return {
    grpcListen: envValue(env, 'grpcListen'),
    httpListen: envValue(env, 'httpListen'),
    authzHttpListen: envValue(env, 'authzHttpListen'),
    metricsListen: envValue(env, 'metricsListen'),
    stateStore: envValue(env, 'stateStore'),
  };
}

/** What the primary of `serve --workers N` sets for worker `index`: who it is and where its metrics go. */
export function workerEnvironment(index: number, metricsListen: string): Record<string, string> {
  return { [ENV.worker.name]: String(index), [ENV.metricsListen.name]: metricsListen };
}

/** The environment of the process re-executed with a heap limit: marked, so it does not re-execute again. */
export function heapLimitAppliedEnvironment(env: EnvSource): Record<string, string | undefined> {
  return { ...env, [ENV.heapLimitApplied.name]: '1' };
}

/** The configuration keys a set STEPGATE_* variable overrides: their value in the file is not used. */
export function overriddenKeys(env: EnvSource): Set<string> {
  const keys = new Set<string>();
  for (const [key, v] of Object.entries(ENV) as [EnvKey, EnvVariable<unknown>][]) {
    if (v.overrides !== undefined && envValue(env, key) !== undefined) keys.add(v.overrides);
  }
  return keys;
}
