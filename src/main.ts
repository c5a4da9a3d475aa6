import type { Config } from './config/schema.js';
import { loadConfigFile } from './config/load.js';
import { buildRuntime, type Runtime } from './pipeline/runtime.js';
import { startGrpcServer, type RunningGrpcServer } from './server/grpc/server.js';
import { createLogger, type Logger } from './telemetry/log.js';

export const DEFAULT_CONFIG = new URL('../examples/stepgate.yaml', import.meta.url).pathname;

export interface Service {
  runtime: Runtime;
  grpc: RunningGrpcServer;
  log: Logger;
  stop(): Promise<void>;
}

/** Composition root: config → runtime → servers. Throws ConfigError for a bad file. */
export async function startService(config: Config, env: NodeJS.ProcessEnv = process.env, log?: Logger): Promise<Service> {
  const logger = log ?? createLogger(config.log.level);
  const runtime = buildRuntime(config, {
    fetch: (url, init) => fetch(url, init),
    now: Date.now,
    env,
    onJwksRefresh: (issuer, outcome, detail) =>
      logger[outcome === 'ok' ? 'info' : 'warn']({ event: 'jwks_refresh', issuer, outcome, detail }, 'jwks refresh'),
  });
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
    runtime,
    grpc,
    log: logger,
    stop: () => grpc.shutdown(config.server.shutdown_grace_seconds * 1000),
  };
}

export async function serve(configPath: string): Promise<void> {
  const config = loadConfigFile(configPath);
  const service = await startService(config);
  service.log.info({ event: 'config_loaded', file: configPath, rules: service.runtime.policy.ruleNames.length }, 'configuration loaded');
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    service.log.info({ event: 'shutdown', signal }, 'shutting down: reporting NOT_SERVING and draining');
    service.stop().then(
      () => {
        service.log.info({ event: 'shutdown', signal }, 'stopped');
        service.log.flush?.();
        process.exit(0);
      },
      (err: unknown) => {
        service.log.error({ event: 'shutdown', err }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
}
