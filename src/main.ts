import { readFileSync } from 'node:fs';
import { ConfigError, loadConfigFile, parseConfig } from './config/load.js';
import type { Config } from './config/schema.js';
import { ConfigFileWatcher } from './config/watch.js';
import { buildRuntime, type Runtime, type RuntimeDeps } from './pipeline/runtime.js';
import { startGrpcServer, type RunningGrpcServer } from './server/grpc/server.js';
import { createLogger, type Logger } from './telemetry/log.js';

export const DEFAULT_CONFIG = new URL('../examples/stepgate.yaml', import.meta.url).pathname;

export interface Service {
  /** The runtime in force now; a reload replaces it. */
  readonly runtime: Runtime;
  grpc: RunningGrpcServer;
  log: Logger;
  /** Builds a runtime from a validated config and swaps it in; in-flight checks finish on the old one. */
  reload(config: Config): void;
  stop(): Promise<void>;
}

/** Composition root: config → runtime → servers. Throws ConfigError for a bad file. */
export async function startService(config: Config, env: NodeJS.ProcessEnv = process.env, log?: Logger): Promise<Service> {
  const logger = log ?? createLogger(config.log.level);
  const deps: RuntimeDeps = {
    fetch: (url, init) => fetch(url, init),
    now: Date.now,
    env,
    onJwksRefresh: (issuer, outcome, detail) =>
      logger[outcome === 'ok' ? 'info' : 'warn']({ event: 'jwks_refresh', issuer, outcome, detail }, 'jwks refresh'),
  };
  let runtime = buildRuntime(config, deps);
  // Keys are fetched up front so the first request does not pay for it; an unreachable issuer is
  // logged and retried on demand (its tokens are denied with jwks_unavailable meanwhile).
  void runtime.verifier.warm();
  const grpc = await startGrpcServer({
    runtime: () => runtime,
    log: logger,
    listen: env.STEPGATE_GRPC_LISTEN ?? config.server.grpc_listen,
  });
  logger.info({ event: 'listening', transport: 'grpc', port: grpc.port }, `ext_authz gRPC listening on port ${grpc.port}`);
  return {
    get runtime() {
      return runtime;
    },
    grpc,
    log: logger,
    reload(next) {
      const built = buildRuntime(next, deps, runtime);
      if (built.verifier !== runtime.verifier) void built.verifier.warm();
      if (next.server.grpc_listen !== runtime.config.server.grpc_listen) {
        logger.warn({ event: 'config_reload', field: 'server.grpc_listen' }, 'the listen address changes only on restart');
      }
      runtime = built;
      logger.level = next.log.level;
    },
    stop: () => grpc.shutdown(runtime.config.server.shutdown_grace_seconds * 1000),
  };
}

export async function serve(configPath: string): Promise<void> {
  const initialText = readFileSync(configPath, 'utf8');
  const config = loadConfigFile(configPath);
  const service = await startService(config);
  const log = service.log;
  log.info({ event: 'config_loaded', file: configPath, rules: service.runtime.policy.ruleNames.length }, 'configuration loaded');

  // A changed file is validated completely before anything is swapped; a bad one leaves the
  // running policy in force and says exactly what is wrong.
  const watcher = new ConfigFileWatcher(
    configPath,
    (text) => {
      try {
        service.reload(parseConfig(text, configPath));
        log.info({ event: 'config_reload', outcome: 'ok', file: configPath, rules: service.runtime.policy.ruleNames.length }, 'configuration reloaded');
      } catch (err) {
        const problems = err instanceof ConfigError ? err.problems : undefined;
        log.error(
          { event: 'config_reload', outcome: 'error', file: configPath, problems, error: problems ? undefined : (err as Error).message },
          'configuration change rejected; the previous configuration stays in force',
        );
      }
    },
    (err) => log.warn({ event: 'config_reload', outcome: 'error', file: configPath, error: err.message }, 'cannot read the configuration file'),
  );
  watcher.start(config.server.reload_interval_seconds * 1000, initialText);
  process.on('SIGHUP', () => void watcher.check());

  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    watcher.stop();
    log.info({ event: 'shutdown', signal }, 'shutting down: reporting NOT_SERVING and draining');
    service.stop().then(
      () => {
        log.info({ event: 'shutdown', signal }, 'stopped');
        log.flush?.();
        process.exit(0);
      },
      (err: unknown) => {
        log.error({ event: 'shutdown', err }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
}
