import { ConfigError, parseConfig, readConfigText } from './config/load.js';
import { overriddenKeys, serveOverrides } from './config/environment.js';
import { restartOnlyChanges, type RestartChange } from './config/reload.js';
import type { Config } from './config/schema.js';
import { ConfigFileWatcher } from './config/watch.js';
import { buildRuntime, type RiskState, type Runtime, type RuntimeDeps } from './pipeline/runtime.js';
import { createStateStore } from './state/factory.js';
import { startGrpcServer, type RunningGrpcServer } from './server/grpc/server.js';
import { startAuthzHttpServer, type RunningAuthzHttpServer } from './server/http/authz.js';
import { InflightLimit } from './server/inflight.js';
import type { RunningHttpServer } from './server/http/listen.js';
import { TrustedProxies } from './server/http/proxies.js';
import { startStepUpServer } from './server/http/stepup.js';
import { loadDeviceCa } from './devices/ca.js';
import { DeviceEnroller } from './devices/enrol.js';
import { stepUpClientSecret, withEnvOverrides } from './preflight.js';
import { StepUpFlow } from './web/stepup/flow.js';
import { ApprovalDesk } from './web/approvals/desk.js';
import { ApprovalTokens } from './web/approvals/csrf.js';
import { parseKeyList } from './cookies/keys.js';
import { OidcClient } from './web/stepup/oidc.js';
import { StateCookies } from './cookies/state.js';
import { createLogger, type Logger, type LogOptions } from './telemetry/log.js';
import { clip, redactUrls } from './core/redact.js';
import { Telemetry, type TelemetryOptions } from './telemetry/telemetry.js';

export { DEFAULT_CONFIG } from './config/default.js';
export { withEnvOverrides } from './preflight.js';

export interface Service {
  /** The runtime in force now; a reload replaces it. */
  readonly runtime: Runtime;
  grpc: RunningGrpcServer;
  /** The public step-up routes (/.stepgate/); undefined when `stepup.oidc` is absent or `server.http_listen` is off. */
  http: RunningHttpServer | undefined;
  /** HTTP ext_authz / forward-auth; undefined when `server.authz_http_listen` is off. */
  authzHttp: RunningAuthzHttpServer | undefined;
  log: Logger;
  /** Metrics, traces and the audit log (docs/observability.md). */
  telemetry: Telemetry;
  /**
   * Builds a runtime from a validated config and swaps it in; in-flight checks finish on the old
   * one. Keys read only at start (schema/apply.ts) keep their running value: each one the new file
   * changes is logged as a warning and listed in `restartPending`.
   */
  reload(config: Config): void;
  /** The restart-only keys whose value in the file differs from the running one (empty after start). */
  readonly restartPending: readonly RestartChange[];
  stop(): Promise<void>;
}

export interface ServiceOptions {
  /** Clock for token and cache expiry (tests move it instead of sleeping); Date.now by default. */
  now?: () => number;
  /** Telemetry wiring for tests and embedding: a tracer provider, extra metric readers, sampling randomness. */
  telemetry?: Pick<TelemetryOptions, 'tracerProvider' | 'metricReaders' | 'random'>;
}

/**
 * Composition root: config → telemetry → runtime → servers. Throws ConfigError for a bad file.
 * Tracing follows the OTEL_* variables in `env` (docs/observability.md).
 */
export async function startService(
  config: Config,
  env: NodeJS.ProcessEnv = process.env,
  log?: Logger,
  options: ServiceOptions = {},
): Promise<Service> {
  const logger = log ?? createLogger(config.log.level);
  const now = options.now ?? Date.now;
  // The STEPGATE_* overrides, parsed once (a bad value stops here, naming the variable).
  const overrides = serveOverrides(env);
  // Assigned below; until then the telemetry sees no runtime (JWKS fetches have not started yet).
  let runtime: Runtime;
  const telemetry = await Telemetry.start({ ...options.telemetry, config, env, metricsListen: overrides.metricsListen, log: logger, runtime: () => runtime as Runtime | undefined, now });
  const deps: RuntimeDeps = {
    fetch: (url, init) => fetch(url, init),
    now,
    env,
    aroundJwksRefresh: telemetry.aroundJwksRefresh,
    openStateStore: (cfg, limits) => createStateStore(cfg.state, limits, env, logger),
    onStateError: (store, err) => telemetry.stateError(store, err),
    onJwksRefresh: (issuer, outcome, detail, elapsedMs) => {
      telemetry.jwksRefreshed(issuer, outcome, elapsedMs);
      try {
        const fields = { event: 'jwks_refresh', issuer, outcome, detail: clip(redactUrls(detail), 1024) };
        if (outcome === 'ok') logger.info(fields, `signing keys of issuer ${issuer} fetched`);
        else logger.warn(fields, jwksFailureMessage(issuer, runtime as Runtime | undefined));
      } catch {
        // A failing log must not fail the key fetch it reports on.
      }
    },
  };
  // What the restart-only keys are running with: later reloads are compared with this.
  const startConfig = withEnvOverrides(config, env);
  // A key a STEPGATE_* variable overrides does not run with the file's value, before or after.
  const fromEnvironment = overriddenKeys(env);
  let restartPending: readonly RestartChange[] = [];
  try {
    runtime = buildRuntime(startConfig, deps);
    countRevocations(runtime, telemetry);
  } catch (err) {
    await telemetry.shutdown();
    throw err;
  }
  // The device CA is read once, before any listener: a missing or unreadable file stops the start.
  let devices: DeviceEnroller | undefined;
  try {
    devices = startConfig.device_certificates ? new DeviceEnroller(loadDeviceCa(startConfig.device_certificates)) : undefined;
  } catch (err) {
    await telemetry.shutdown();
    throw err;
  }
  warnIfKubernetesRulesCannotMatch(config, logger);
  warnIfAdminNeedsNoStepUp(config, logger);
  // The HTTP listener is fixed at start (a restart-only key), so reloads are judged against it.
  const authzHttpOn = (overrides.authzHttpListen ?? config.server.authz_http_listen) !== 'off';
  warnIfContextRulesCannotMatchOverHttp(config, authzHttpOn, logger);
  if (runtime.revocations && !(await runtime.revocations.whenLoaded(Math.max(2000, config.state.timeout_ms * 4)))) {
    logger.warn(
      { event: 'incident_sync', outcome: 'error' },
      runtime.incidents
        ? 'the incident and revocation list could not be loaded from the state store yet; Checks fail closed until it is'
        : `the step-up sign-out list could not be loaded from the state store yet; session cookies ${config.state.on_state_error === 'degrade' ? 'are accepted on what this replica knows' : 'fail closed'} until it is`,
    );
  }
  // Keys are fetched up front so the first request does not pay for it; an unreachable issuer is
  // logged and retried on demand (its tokens are denied with jwks_unavailable meanwhile).
  void runtime.verifier.warm();
  void runtime.accessProxy?.warm();
  const started: { close(): Promise<void> }[] = [];
  const abort = async (err: unknown): Promise<never> => {
    await Promise.allSettled(started.map((s) => s.close()));
    await telemetry.shutdown();
    throw err;
  };
  // One bound for both Check listeners: it limits what this process holds (server/inflight.ts).
  const inflightLimit = new InflightLimit(config.server.max_inflight_checks);
  const grpc = await startGrpcServer({
    runtime: () => runtime,
    log: logger,
    listen: overrides.grpcListen ?? config.server.grpc_listen,
    telemetry,
    inflightLimit,
    // SERVING only once every listener below is bound: a Ready pod serves all its ports.
    startNotServing: true,
  }).catch(abort);
  let ready = false;
  started.push({ close: () => grpc.shutdown(0) });
  telemetry.metrics.encodedAnswerBytes = () => grpc.encodedAnswerBytes;
  telemetry.metrics.assertionFrontBytes = () => runtime.accessProxy?.frontBytes ?? 0;
  logger.info({ event: 'listening', transport: 'grpc', port: grpc.port }, `ext_authz gRPC listening on port ${grpc.port}`);
  const proxies = new TrustedProxies(config.server.trusted_proxies);
  let http: RunningHttpServer | undefined;
  let authzHttp: RunningAuthzHttpServer | undefined;
  try {
    const authzListen = overrides.authzHttpListen ?? config.server.authz_http_listen;
    if (authzListen !== 'off') {
      authzHttp = await startAuthzHttpServer({ runtime: () => runtime, log: logger, listen: authzListen, proxies, telemetry, inflightLimit });
      started.push(authzHttp);
      logger.info({ event: 'listening', transport: 'http-authz', port: authzHttp.port }, `HTTP ext_authz / forward-auth listening on port ${authzHttp.port}`);
    }
    const httpListen = overrides.httpListen ?? config.server.http_listen;
    const oidc = config.stepup.oidc;
    if (!oidc) {
      logger.info({ event: 'stepup_routes', outcome: 'off' }, 'stepup.oidc is not configured: the /.stepgate/ step-up routes are not served');
    } else if (httpListen === 'off') {
      logger.info({ event: 'stepup_routes', outcome: 'off' }, 'server.http_listen is off: the /.stepgate/ step-up routes are not served');
    } else {
      const secret = stepUpClientSecret(config, env)!;
      const session = config.stepup.session!;
      const keys = parseKeyList(env[session.keys_env], session.keys_env);
      const flow = new StepUpFlow({
        runtime: () => runtime,
        oidc: new OidcClient(oidc, secret, now),
        state: new StateCookies(keys, config.stepup.state_cookie.lifetime_seconds, now),
        now,
      });
      // Served whenever the step-up routes are: a reload that adds `automation` finds them ready,
      // and without it the runtime has no approval store and the pages answer not found.
      const desk = new ApprovalDesk({ runtime: () => runtime, tokens: new ApprovalTokens(keys), now });
      http = await startStepUpServer({ flow, desk, devices, metrics: telemetry.metrics, runtime: () => runtime, log: logger, listen: httpListen, proxies, env, ready: () => ready });
      started.push(http);
      logger.info({ event: 'listening', transport: 'http-stepup', port: http.port }, `step-up routes (/.stepgate/) listening on port ${http.port}`);
    }
  } catch (err) {
    await abort(err);
  }
  for (const [listener, transport] of [[http, 'http-stepup'], [authzHttp, 'http-authz']] as const) {
    listener?.onDown?.((why) => {
      ready = false;
      grpc.setServing(false);
      logger.error({ event: 'listener_down', transport, detail: why }, `${why}; health reports NOT_SERVING (readiness and liveness fail, so the pod is taken out and restarted)`);
    });
  }
  ready = true;
  grpc.setServing(true);
  return {
    get runtime() {
      return runtime;
    },
    grpc,
    http,
    authzHttp,
    log: logger,
    telemetry,
    get restartPending() {
      return restartPending;
    },
    reload(next) {
      const effective = withEnvOverrides(next, env);
      const built = buildRuntime(effective, deps, runtime);
      warnIfKubernetesRulesCannotMatch(next, logger);
      warnIfAdminNeedsNoStepUp(next, logger);
      warnIfContextRulesCannotMatchOverHttp(next, authzHttpOn, logger);
      if (built.verifier !== runtime.verifier) void built.verifier.warm();
      if (built.accessProxy !== runtime.accessProxy) void built.accessProxy?.warm();
      restartPending = restartOnlyChanges(startConfig, effective, fromEnvironment);
      for (const c of restartPending) {
        const [was, now] = [shown(c.running), shown(c.file)];
        logger.warn(
          { event: 'config_reload', outcome: 'restart_required', field: c.field, old: was, new: now },
          `${c.field} changed from ${was} to ${now}, but it is read only at start: restart to apply`,
        );
      }
      telemetry.metrics.restartPending = restartPending.length;
      const previous = runtime;
      runtime = built;
      countRevocations(runtime, telemetry);
      logger.level = next.log.level;
      if (previous.riskState && previous.riskState !== built.riskState) {
        // In-flight checks may still be using the old store: close it once they are done.
        setTimeout(() => void closeRiskState(previous.riskState!, logger), 5000).unref();
      }
    },
    async stop() {
      ready = false;
      await Promise.all([
        grpc.shutdown(runtime.config.server.shutdown_grace_seconds * 1000),
        http?.close(),
        authzHttp?.close(),
      ]);
      if (runtime.riskState) await closeRiskState(runtime.riskState, logger);
      // After the last Check: its span and metrics are flushed too.
      await telemetry.shutdown();
    },
  };
}

/**
 * A config value as a reload warning shows it: JSON, clipped, without URL user info or query
 * strings. The file holds no secret itself (only the names of variables that do, and a Redis URL
 * with a password is refused), but a URL's user part or query may still carry one.
 */
function shown(value: unknown): string {
  if (value === undefined) return '(unset)';
  return clip(redactUrls(JSON.stringify(value)).replace(/\b([a-z][a-z0-9+.-]*:\/\/)[^\s/@"]*@/gi, '$1'), 200);
}

/** Each revocation this replica's mirror applies is counted once (stepgate_revocations_total). */
function countRevocations(rt: Runtime, telemetry: Telemetry): void {
  if (rt.incidents) rt.incidents.onRevocationSeen = (r) => telemetry.metrics.revocation(r.kind, r.by?.via ?? 'admin');
}

async function closeRiskState(state: RiskState, log: Logger): Promise<void> {
  state.board?.stop();
  const stores = state.fallback === state.store ? [state.store] : [state.store, state.fallback];
  for (const store of stores) {
    await store.close().catch((err: unknown) => log.warn({ event: 'state_close', error: (err as Error).message }, 'closing the state store failed'));
  }
}

export async function serve(configPath: string, logOptions: LogOptions = {}): Promise<void> {
  const initialText = readConfigText(configPath);
  const config = parseConfig(initialText, configPath);
  const log = createLogger(config.log.level, undefined, logOptions);
  // A closed stdout (`stepgate serve | head`) must not turn every later log line into an error
  // that keeps the process from shutting down: lines are dropped instead.
  process.stdout.on('error', () => {});

  // Signals are handled from the start: a SIGTERM while the first key fetch or the state store
  // is still being set up ends the process at once, cleanly and with a log line, rather than by
  // the default signal action (no line) or after a start nobody is waiting for any more.
  let service: Service | undefined;
  let watcher: ConfigFileWatcher | undefined;
  let stopping = false;
  const say = (level: 'info' | 'error', fields: Record<string, unknown>, msg: string) => {
    try {
      log[level](fields, msg);
    } catch {
      // Logging must never keep the process from exiting.
    }
  };
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    // Whatever happens below, the process ends: past the drain time plus a margin, it exits 1.
    // The running configuration's grace (a reload may have changed it), as service.stop() uses.
    setTimeout(() => process.exit(1), ((service?.runtime.config ?? config).server.shutdown_grace_seconds + 5) * 1000).unref();
    if (service === undefined) {
      say('info', { event: 'shutdown', signal, phase: 'startup' }, 'signal during startup: exiting before serving');
      log.flush?.();
      process.exit(0);
    }
    watcher?.stop();
    say('info', { event: 'shutdown', signal }, 'shutting down: reporting NOT_SERVING and draining');
    service.stop().then(
      () => {
        say('info', { event: 'shutdown', signal }, 'stopped');
        try {
          log.flush?.();
        } finally {
          process.exit(0);
        }
      },
      (err: unknown) => {
        say('error', { event: 'shutdown', err }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
  // Before the service is up too: Node's default for SIGHUP ends the process, and a reload sent
  // while it starts (a config-reloader sidecar, an operator's `kill -HUP`) must not. One that
  // arrives then is answered once the watcher is there, so the change it announces is not lost.
  let hupPending = false;
  process.on('SIGHUP', () => {
    if (watcher === undefined) hupPending = true;
    else void watcher.check();
  });

  service = await startService(config, process.env, log);
  if (stopping) return;
  log.info({ event: 'config_loaded', file: configPath, rules: service.runtime.policy.ruleNames.length }, 'configuration loaded');
  const ready = readyRecord(service, configPath, process.env);
  log.info(ready.fields, ready.msg);

  // A changed file is validated completely before anything is swapped; a bad one leaves the
  // running policy in force and says exactly what is wrong.
  const running = service;
  watcher = new ConfigFileWatcher(
    configPath,
    (text) => {
      try {
        running.reload(parseConfig(text, configPath));
        log.info({ event: 'config_reload', outcome: 'ok', file: configPath, rules: running.runtime.policy.ruleNames.length }, 'configuration reloaded');
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
  if (hupPending) void watcher.check();
}

/**
 * What an operator reading the warning needs: which issuer, that its tokens are refused and with
 * which reason, and when stepgate tries again. Keys fetched earlier keep verifying (a failed
 * refresh never drops them), so the consequence differs before and after the first success.
 */
function jwksFailureMessage(issuer: string, runtime: Runtime | undefined): string {
  const cooldown = runtime?.config.issuers.find((i) => i.issuer === issuer)?.jwks_cooldown_seconds;
  const retry = `stepgate fetches again when a token from it arrives${cooldown !== undefined ? `, at most every ${cooldown}s` : ''}`;
  return runtime?.verifier.hasKeys(issuer)
    ? `cannot refresh the signing keys of issuer ${issuer}: tokens signed with the keys fetched earlier still verify, a token signed with a newer key is refused (jwks_unavailable); ${retry}`
    : `cannot fetch the signing keys of issuer ${issuer}: until a fetch succeeds every token from this issuer is refused (reason jwks_unavailable); ${retry}. Check the issuer URL (issuers[].issuer, jwks_uri or discovery_url) and that this host can reach it`;
}

/**
 * The line after startup: every address served, and commands to try against it. Wildcard listen
 * hosts (0.0.0.0, [::]) are shown as given; the commands use the loopback address that reaches them.
 */
export function readyRecord(service: Service, configPath: string, env: NodeJS.ProcessEnv): { fields: Record<string, unknown>; msg: string } {
  const cfg = service.runtime.config;
  const o = serveOverrides(env);
  const at = (listen: string, port: number) => `${listen.slice(0, listen.lastIndexOf(':'))}:${port}`;
  const grpcAt = at(o.grpcListen ?? cfg.server.grpc_listen, service.grpc.port);
  const stepup = service.http && `http://${at(o.httpListen ?? cfg.server.http_listen, service.http.port)}/.stepgate/`;
  const authz = service.authzHttp && `http://${at(o.authzHttpListen ?? cfg.server.authz_http_listen, service.authzHttp.port)}/`;
  const metricsPort = service.telemetry.metricsPort;
  const metrics = metricsPort !== undefined ? `http://${at(o.metricsListen ?? cfg.telemetry.metrics_listen, metricsPort)}/metrics` : undefined;
  const loopback = grpcAt.replace(/^(0\.0\.0\.0|\[::\]|\[::0?\])(?=:\d+$)/, (h) => (h === '0.0.0.0' ? '127.0.0.1' : '[::1]'));
  const host = cfg.kubernetes.hosts.find((h) => !h.includes('*')) ?? 'kube.example.com';
  const url = `https://${host}/api/v1/namespaces/default/secrets`;
  const tryCheck = `stepgate check --server ${loopback} --url ${url} --token-file FILE`;
  const tryExplain = `stepgate explain --config ${configPath} --url ${url} --claims FILE`;
  const served = [
    `ext_authz gRPC on ${grpcAt}`,
    `step-up routes ${stepup ? `on ${stepup}` : 'off'}`,
    ...(authz ? [`HTTP ext_authz / forward-auth on ${authz}`] : []),
    `metrics ${metrics ? `on ${metrics}` : 'off'}`,
  ];
  return {
    fields: { event: 'ready', grpc: grpcAt, stepup_http: stepup ?? 'off', authz_http: authz ?? 'off', metrics: metrics ?? 'off' },
    msg: `serving ${served.join(', ')}. Try a live decision: ${tryCheck}; or what the file decides for hand-written claims: ${tryExplain}`,
  };
}

/**
 * Kubernetes conditions only match requests recognised as Kubernetes API requests (by
 * `kubernetes.hosts` or a route tagged `stepgate.kubernetes: "true"`). With no hosts listed, a
 * policy protecting Secrets may silently protect nothing: say so loudly at every (re)load.
 */
/**
 * Neither Envoy's HTTP ext_authz nor a forward-auth proxy sends `context_extensions`, so over
 * `server.authz_http_listen` a rule with `match.context` never matches, and neither does a route's
 * `stepgate.kubernetes` tag. Rules combine strictest-wins, so such a rule's requirement is silently
 * missing there: the policy is weaker on that listener than on gRPC. Say so at every (re)load.
 */
function warnIfContextRulesCannotMatchOverHttp(config: Config, authzHttpOn: boolean, log: Logger): void {
  if (!authzHttpOn) return;
  const rules = config.policy.rules.filter((r) => r.match.context !== undefined).map((r) => r.name);
  if (rules.length === 0) return;
  log.warn(
    { event: 'config_warning', field: 'policy.rules[].match.context', rules },
    'rules with context conditions never match requests on server.authz_http_listen (HTTP ext_authz and forward-auth carry no context_extensions): there, those rules do not apply; match those routes by host or path instead',
  );
}

/**
 * The admin API ends incidents and revokes people: without `incident.admin.require` / `max_age`, an
 * admin token stolen with a one-factor or day-old sign-in does both. Not refused (configurations
 * written before those keys keep starting), said at every (re)load.
 */
function warnIfAdminNeedsNoStepUp(config: Config, log: Logger): void {
  const admin = config.incident?.admin;
  if (admin === undefined || (admin.require !== undefined && admin.max_age !== undefined)) return;
  log.warn(
    { event: 'config_warning', field: admin.require === undefined ? 'incident.admin.require' : 'incident.admin.max_age' },
    'admin calls (ending incidents, revocations) accept an admin token whatever its sign-in: set incident.admin.require and incident.admin.max_age (e.g. aal2 within 900 s)',
  );
}

function warnIfKubernetesRulesCannotMatch(config: Config, log: Logger): void {
  if (config.kubernetes.hosts.length > 0) return;
  const rules = config.policy.rules.filter((r) => r.match.kubernetes !== undefined).map((r) => r.name);
  if (rules.length === 0) return;
  log.warn(
    { event: 'config_warning', field: 'kubernetes.hosts', rules },
    'rules with kubernetes conditions match only routes tagged stepgate.kubernetes="true": kubernetes.hosts is empty',
  );
}
