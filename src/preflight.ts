import { StartupError } from './config/load.js';
import { envValue, type EnvSource } from './config/environment.js';
import type { Config } from './config/schema.js';
import { buildRuntime } from './pipeline/runtime.js';
import { redisConnection, requiredEnv } from './state/factory.js';
import { parseKeyList } from './cookies/keys.js';

/**
 * What the service needs from its environment before it can serve, checked without starting
 * anything: `stepgate check-config` runs it, so a file that names a secret the deployment does not
 * provide fails in CI rather than at the first rollout. Each check is the one startService runs
 * (the same functions, the same messages), only without listening or connecting. Every problem
 * found is returned, one message each, naming the field and the variable.
 */
export function startupProblems(config: Config, env: NodeJS.ProcessEnv): string[] {
  const problems: string[] = [];
  const attempt = (check: () => unknown) => {
    try {
      check();
    } catch (err) {
      if (!(err instanceof StartupError)) throw err;
      if (!problems.includes(err.message)) problems.push(err.message);
    }
  };
  let effective = config;
  attempt(() => (effective = withEnvOverrides(config, env)));
  // Checked on its own first, so a missing key list is reported beside a missing HMAC secret
  // rather than hidden behind it (the runtime below stops at the first).
  const session = effective.stepup.session;
  if (session) attempt(() => parseKeyList(env[session.keys_env], session.keys_env));
  // Building the runtime reads the issuers' HMAC secrets (issuers[].hmac_secret_env) and the
  // cookie keys (stepup.session.keys_env). No store is opened and no key is fetched: the risk
  // state stays in local memory and JWKS fetches wait for warm(), which is never called here.
  attempt(() =>
    buildRuntime(effective, {
      fetch: () => Promise.reject(new Error('check-config fetches nothing')),
      now: Date.now,
      env,
    }),
  );
  // The Redis URL, password variables (state.redis.password_env, sentinel.password_env) and CA
  // file, resolved as createStateStore resolves them, without connecting.
  if (effective.state.store === 'redis') {
    // The password variables on their own too: the connection check stops at a missing URL.
    const redis = effective.state.redis;
    if (redis?.password_env !== undefined) attempt(() => requiredEnv('state.redis.password_env', redis.password_env!, env));
    if (redis?.sentinel?.password_env !== undefined) attempt(() => requiredEnv('state.redis.sentinel.password_env', redis.sentinel!.password_env!, env));
    attempt(() => redisConnection(effective.state, env));
  }
  attempt(() => stepUpClientSecret(effective, env));
  return problems;
}

/**
 * The OIDC client secret, needed only when the step-up routes are served (stepup.oidc set and
 * server.http_listen, or STEPGATE_HTTP_LISTEN, not off).
 */
export function stepUpClientSecret(config: Config, env: NodeJS.ProcessEnv): string | undefined {
  const oidc = config.stepup.oidc;
  if (!oidc || (envValue(env, 'httpListen') ?? config.server.http_listen) === 'off') return undefined;
  const secret = env[oidc.client_secret_env];
  if (!secret) {
    throw new StartupError(`stepup.oidc.client_secret_env: environment variable ${oidc.client_secret_env} is not set`);
  }
  return secret;
}

/**
 * `STEPGATE_STATE_STORE` (memory | redis) overrides `state.store`, so one policy file serves a
 * single replica and a Redis-backed deployment alike (deploy/overlays/redis sets it beside
 * REDIS_URL). `STEPGATE_STATE_SNAPSHOT` gives the memory store its snapshot file (`off`: none), so
 * the single-replica overlay keeps its history on its volume without a policy file of its own.
 * Applied on every load and reload, so a reloaded policy keeps the deployment's store.
 */
export function withEnvOverrides(config: Config, env: EnvSource): Config {
  const store = envValue(env, 'stateStore') ?? config.state.store;
  const snapshot = envValue(env, 'stateSnapshot');
  const path = snapshot === undefined || snapshot === '' ? config.state.memory.snapshot_path : snapshot === 'off' ? undefined : snapshot;
  if (store === config.state.store && path === config.state.memory.snapshot_path) return config;
  // state.redis is only allowed with the redis store; moving to memory drops it.
  const memory = { ...config.state.memory, snapshot_path: path };
  const state: Config['state'] = store === 'memory' ? { ...config.state, store, memory, redis: undefined } : { ...config.state, store, memory };
  return { ...config, state };
}
