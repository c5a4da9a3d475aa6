import { Buffer } from 'node:buffer';
import { readFileSync } from 'node:fs';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { DEFAULT_CONFIG } from './config/default.js';
import { envValue } from './config/environment.js';
import { ConfigError, ConfigFileUnreadable, loadConfigFile, StartupError } from './config/load.js';
import type { ExplainInput } from './explain.js';
import { chooseLogFormat } from './telemetry/log.js';

/**
 * The `stepgate` command line: arguments → a command → an exit status. Every failure the caller
 * can cause is one line on stderr and a documented status; only a bug prints a stack. The service
 * and explain are loaded on demand, so `explain` and `check-config` start without the servers.
 */

export interface CommandIo {
  out(text: string): void;
  err(text: string): void;
}

/** The exit status, or -1 while the service keeps running. */
export async function runCommand(argv: string[], io: CommandIo): Promise<number> {
  try {
    return await main(argv, io);
  } catch (err) {
    return failure(err, io);
  }
}

const EXIT_STATUS = `Exit status: 0 done; 2 invalid configuration or cannot start; 64 bad arguments; 65 an input
file's content is invalid; 66 an input file (or the configuration file) cannot be read.`;

const REQUEST_OPTIONS = `  --url URL                  scheme://host/path?query, sent as it is written (required)
  --method M                 default GET
  --header 'name: value'     repeatable; a repeated name is joined with commas, as Envoy does
  --token JWT | --token-file FILE
                             the bearer token (the Authorization header)
  --body-file FILE           the request body (guardrails read manifests and patches)
  --content-type TYPE        its content type (default: from the file name, json or yaml)
  --source IP                the client address Envoy would report (default: none, which the
                             risk engine reads as a network of its own, new to every subject)
  --context key=value        repeatable; route context extensions (e.g. stepgate.kubernetes=true)`;

/** `stepgate <command> --help` and `stepgate help <command>`. */
const HELP: Record<string, string> = {
  serve: `usage: stepgate serve [--config FILE] [--log-format pretty|json] [--workers N]
       stepgate [--config FILE]

Runs the ext_authz service: gRPC on server.grpc_listen, the step-up routes on server.http_listen,
HTTP ext_authz / forward-auth on server.authz_http_listen, metrics on telemetry.metrics_listen.
The file is watched and reloaded when it changes (or on SIGHUP); SIGTERM drains and exits 0.

  --config FILE              default: STEPGATE_CONFIG, else the bundled example
  --log-format pretty|json   pretty: one readable line per record; json: one JSON object per line.
                             Default: STEPGATE_LOG_FORMAT, else pretty on a terminal, json otherwise
  --workers N                processes sharing the listening sockets (default: STEPGATE_WORKERS, else 1);
                             more than 1 needs state.store: redis when risk, automation or challenges
                             are on. Metrics: worker i on telemetry.metrics_listen's port + i - 1

Exit status: 0 stopped by a signal; 2 invalid configuration or cannot start (a secret missing
from the environment, an address in use); 64 bad arguments; 66 the configuration file cannot be read.`,
  'check-config': `usage: stepgate check-config [--skip-env] FILE

Validates FILE as serve would load it, without listening, and prints a summary: every problem is
reported with file:line:column and the field. Then checks what the file needs from the environment
here, as serve would at startup: the variables it names (issuers[].hmac_secret_env,
stepup.oidc.client_secret_env, stepup.session.keys_env, state.redis.password_env,
state.redis.sentinel.password_env), REDIS_URL for a Redis store without state.redis.url, the Redis
CA file, and STEPGATE_STATE_STORE.

  FILE                       default: STEPGATE_CONFIG
  --skip-env                 check the file only (CI without the deployment's secrets)

Exit status: 0 valid; 2 invalid, or the environment lacks what it names; 64 bad arguments;
66 FILE cannot be read.`,
  explain: `usage: stepgate explain [--config FILE] --url URL [options]

Prints, as JSON, how the configuration decides one request: the request as parsed, the identity,
the matched rules, risk, guardrails, the decision and the exact response. Nothing is sent anywhere
except the issuers' key fetches; the risk history starts empty.

  --config FILE              default: STEPGATE_CONFIG, else the bundled example
${REQUEST_OPTIONS}
  --claims FILE              instead of a token: a JSON object of claims, not verified

A denial is a result, not an error: exit 0 with the decision in the JSON.
${EXIT_STATUS}`,
  check: `usage: stepgate check --url URL [options] [--server HOST:PORT] [--timeout-ms N]

Sends one ext_authz CheckRequest, built as Envoy builds it (the one explain builds), to a running
stepgate over gRPC and prints its answer as JSON: decision (allow, reason, message) and response
(status, headers, headers_to_remove, body), in explain's shape, plus the access-log metadata.
The decision is the running server's: its policy in force, its risk history and state store.

${REQUEST_OPTIONS}
  --server HOST:PORT         the gRPC address (default 127.0.0.1:9191, or STEPGATE_SERVER)
  --timeout-ms N             give up after N ms (default 5000)

Exit status: 0 allowed; 1 denied; 64 bad arguments; 65 an input file's content is invalid;
66 an input file cannot be read; 69 the server cannot be reached or did not answer in time;
76 something answered, but not as an ext_authz server.`,
  replay: `usage: stepgate replay [--config FILE] --audit-log FILE|- [options]

Judges a Kubernetes audit log (audit.k8s.io/v1 or v1beta1 Event lines as kube-apiserver writes
them, plain or gzip; - reads stdin) with a configuration: every request through the server's own
check path, risk engine included (fresh memory state), on the log's own clock. Reports per user
and day the step-up challenges by rule, band and guardrail, the denials, the automation that would
need approvals, and the audit IDs behind each. Shadowed elements count as enforced unless
--as-configured. Malformed lines are counted and reported, never fatal. docs/rollout.md.

  --config FILE              default: STEPGATE_CONFIG, else the bundled example
  --audit-log FILE|-         the log (required)
  --format table|json        default table
  --host HOST                the Kubernetes API host (default: the first literal kubernetes.hosts)
  --issuer URL               the issuer audit users are attributed to (default: the first)
  --strip-prefix P           removed from usernames and groups (claimMappings prefix, e.g. oidc:)
  --acr-key K                user.extra key holding acr (default example.com/acr)
  --amr-key K                user.extra key holding amr (default example.com/amr)
  --auth-time-key K          user.extra key holding auth_time (default example.com/auth_time)
  --sid-key K                user.extra key holding the session id (default example.com/sid)
  --assume-acr ACR|LEVEL     acr assumed where an event has none
  --assume-auth-age SECONDS  sign-in assumed this long before each request where an event has none
  --include-system           judge system: users too (control plane, nodes, service accounts)
  --as-configured            count what the file enforces as written (shadowed elements not)
  --samples N                audit IDs kept per user, day and outcome (default 20, at most 1000)

Exit status: 0 done; 2 invalid configuration; 64 bad arguments; 66 the log or the configuration
cannot be read.`,
};

const USAGE = `usage:
  stepgate [serve] [--config FILE] [--log-format pretty|json]
                                              run the ext_authz service (default config: the bundled example)
  stepgate check-config [--skip-env] FILE     validate a configuration file and the environment it needs, and exit
  stepgate explain [--config FILE] --url URL [--method M] [--header 'name: value']...
                   [--token JWT | --token-file FILE | --claims FILE] [--source IP] [--context key=value]...
                   [--body-file FILE [--content-type TYPE]]  (guardrails: the request body, e.g. a manifest)
                                              print how a configuration decides one request, as JSON
  stepgate check --url URL [--method M] [--header 'name: value']... [--token JWT | --token-file FILE]
                 [--body-file FILE [--content-type TYPE]] [--server HOST:PORT] [--timeout-ms N]
                                              ask a running stepgate over gRPC, print its answer as JSON
  stepgate incident raise|list|end ... [--server URL] [--token-file FILE]
                                              raise, list or end an incident on every replica (admin API)
  stepgate revoke subject|session ... --reason TEXT
                                              revoke a subject or an IdP session on every replica (admin API)
  stepgate replay [--config FILE] --audit-log FILE|- [--format table|json] [--assume-acr ACR] [--assume-auth-age S]
                                              judge a Kubernetes audit log with a configuration, per user and day
  stepgate help [COMMAND], stepgate COMMAND --help
                                              usage of one command, its options and exit statuses

The config file may also be given in STEPGATE_CONFIG. ${EXIT_STATUS}
check exits 1 when the request is denied, 69 when the server cannot be reached.`;

const PLUGIN_HELP_TOPICS = new Set(['credential', 'login', 'logout', 'status', 'kubeconfig']);

/** Help was asked for: anywhere before a `--` terminator, as `--help` or `-h`. */
function asksHelp(args: string[]): boolean {
  const end = args.indexOf('--');
  return (end < 0 ? args : args.slice(0, end)).some((a) => a === '--help' || a === '-h');
}

async function help(topic: string | undefined, io: CommandIo): Promise<number> {
  if (topic !== undefined && HELP[topic] !== undefined) {
    io.out(`${HELP[topic]}\n`);
    return 0;
  }
  if (topic === 'incident' || topic === 'revoke') {
    const cli = await import('./admin/cli.js');
    io.out(`${topic === 'incident' ? cli.INCIDENT_HELP : cli.REVOKE_HELP}\n`);
    return 0;
  }
  if (topic !== undefined && !PLUGIN_HELP_TOPICS.has(topic)) throw new UsageError(`no help for ${JSON.stringify(topic)}: the commands are ${[...Object.keys(HELP), ...PLUGIN_HELP_TOPICS].join(', ')}`);
  const { PLUGIN_USAGE } = await import('./credential/plugin.js');
  io.out(topic === undefined ? `${USAGE}\n\n${PLUGIN_USAGE}\n` : `${PLUGIN_USAGE}\n`);
  return 0;
}

async function main(argv: string[], io: CommandIo): Promise<number> {
  const first = argv[0];
  if (first === undefined || first.startsWith('-')) {
    if (first === '--help' || first === '-h') return help(undefined, io);
    argv = ['serve', ...argv];
  }
  const [command = 'serve', ...rest] = argv;
  if (command === 'help') {
    if (rest.length > 1) throw new UsageError('help takes one command name');
    return help(rest[0], io);
  }
  if (HELP[command] !== undefined && asksHelp(rest)) return help(command, io);
  if ((command === 'incident' || command === 'revoke') && asksHelp(rest)) {
    const cli = await import('./admin/cli.js');
    io.out(`${command === 'incident' ? cli.INCIDENT_HELP : cli.REVOKE_HELP}\n`);
    return 0;
  }
  switch (command) {
    case 'serve': {
      const { values } = parseArgs({ args: rest, options: { config: { type: 'string' }, 'log-format': { type: 'string' }, workers: { type: 'string' } } });
      const chosen = chooseLogFormat(values['log-format'], process.env, process.stdout.isTTY === true);
      if ('error' in chosen) {
        if (values['log-format'] !== undefined) throw new UsageError(chosen.error);
        throw new StartupError(chosen.error);
      }
      const configPath = values.config ?? envValue(process.env, 'config') ?? DEFAULT_CONFIG;
      const { parseWorkers, workerProblem, runPrimary } = await import('./workers.js');
      const cluster = (await import('node:cluster')).default;
      // A worker (cluster.fork) runs serve below as a single process.
      const workers = !cluster.isPrimary ? 1 : values.workers !== undefined ? parseWorkers(values.workers) : (envValue(process.env, 'workers') ?? 1);
      // Before anything else: may re-execute this process (same PID) with a V8 heap limit that
      // follows the container's memory limit, shared out among the workers (heap-limit.ts).
      if (cluster.isPrimary) (await import('./heap-limit.js')).applyHeapLimit(workers);
      if (workers > 1) {
        const { parseConfig, readConfigText } = await import('./config/load.js');
        const config = parseConfig(readConfigText(configPath), configPath);
        const problem = workerProblem(config, workers);
        if (problem) throw new StartupError(problem);
        runPrimary(workers, envValue(process.env, 'metricsListen') ?? config.telemetry.metrics_listen, (msg, fields) => io.err(`${JSON.stringify({ level: 'info', ...fields, msg })}\n`));
        return -1; // keep running
      }
      const { serve } = await import('./main.js');
      await serve(configPath, {
        format: chosen.format,
        // Colour only where a person reads it, and never against NO_COLOR (no-color.org).
        color: process.stdout.isTTY === true && (process.env.NO_COLOR ?? '') === '',
        worker: envValue(process.env, 'worker'),
      });
      return -1; // keep running
    }
    case 'check-config': {
      const { values, positionals } = parseArgs({ args: rest, options: { 'skip-env': { type: 'boolean', default: false } }, allowPositionals: true });
      if (positionals.length > 1) throw new UsageError('check-config takes one file');
      const file = positionals[0] ?? envValue(process.env, 'config');
      if (!file) throw new UsageError('check-config needs a file');
      const cfg = loadConfigFile(file);
      // The cluster policy files are part of the configuration: loaded (and refused with file,
      // line and field) with --skip-env too.
      if (cfg.guardrails) {
        const [{ compileGuardrails }, { compileAssurance }] = await Promise.all([import('./guardrails/settings.js'), import('./core/assurance.js')]);
        compileGuardrails(cfg.guardrails, compileAssurance(cfg.assurance.levels));
      }
      let environment = ', environment not checked (--skip-env)';
      if (!values['skip-env']) {
        const { startupProblems } = await import('./preflight.js');
        const problems = startupProblems(cfg, process.env);
        if (problems.length > 0) {
          // One line per problem, as for a problem in the file; serve would stop at the first.
          io.err(`stepgate: ${file}: serve would not start with this environment (--skip-env checks the file only)\n${problems.map((p) => `${file}: ${p}\n`).join('')}`);
          return 2;
        }
        environment = ', environment OK';
      }
      io.out(
        `${file}: OK (${cfg.issuers.length} issuer(s), ${cfg.assurance.levels.length} level(s), ${cfg.policy.rules.length} rule(s)${environment})\n`,
      );
      return 0;
    }
    case 'explain': {
      const { values } = parseArgs({
        args: rest,
        options: { ...REQUEST_ARGS, config: { type: 'string' }, claims: { type: 'string' } },
      });
      const credentials = [values.token ?? values['token-file'], values.claims].filter((v) => v !== undefined);
      if (credentials.length > 1) throw new UsageError('give a token (--token, --token-file) or --claims, not both');
      const request = requestInput('explain', values);
      const config = loadConfigFile(values.config ?? envValue(process.env, 'config') ?? DEFAULT_CONFIG);
      const token = tokenInput(values);
      const claims = values.claims !== undefined ? claimsFile(values.claims) : undefined;
      const { explain } = await import('./explain.js');
      const out = await explain(config, { ...request, token, claims });
      io.out(`${JSON.stringify(out, null, 2)}\n`);
      return 0;
    }
    case 'check': {
      const { values } = parseArgs({
        args: rest,
        options: { ...REQUEST_ARGS, server: { type: 'string' }, 'timeout-ms': { type: 'string', default: '5000' } },
      });
      const server = values.server ?? envValue(process.env, 'server') ?? '127.0.0.1:9191';
      const timeoutMs = Number(values['timeout-ms']);
      if (!/^\d+$/.test(values['timeout-ms']) || timeoutMs < 1 || timeoutMs > 600_000) throw new UsageError('--timeout-ms must be a whole number of milliseconds from 1 to 600000');
      const request = requestInput('check', values);
      const token = tokenInput(values);
      const [{ checkRequestFor }, live] = await Promise.all([import('./explain.js'), import('./live-check.js')]);
      if (live.parseServerAddress(server) === undefined) throw new UsageError(`--server must be HOST:PORT, got ${JSON.stringify(server.slice(0, 100))}`);
      const response = await live.sendCheck(server, checkRequestFor({ ...request, token }, token), timeoutMs);
      const out = live.renderCheckResponse(server, response);
      io.out(`${JSON.stringify(out, null, 2)}\n`);
      return out.decision.allow ? 0 : 1;
    }
    case 'incident':
    case 'revoke': {
      // Clients of a running stepgate's admin API (issue 15).
      const cli = await import('./admin/cli.js');
      try {
        const ctx = { out: (text: string) => io.out(text), env: process.env };
        return await (command === 'incident' ? cli.runIncident(rest, ctx) : cli.runRevoke(rest, ctx));
      } catch (err) {
        if (!(err instanceof cli.AdminCliError)) throw err;
        io.err(`stepgate: ${err.message}${err.exit === 64 ? ' (stepgate help shows the usage)' : ''}\n`);
        return err.exit;
      }
    }
    case 'replay':
      return replayCommand(rest, io);
    default:
      throw new UsageError(`unknown command ${command}`);
  }
}

async function replayCommand(rest: string[], io: CommandIo): Promise<number> {
  const { values } = parseArgs({
    args: rest,
    options: {
      config: { type: 'string' },
      'audit-log': { type: 'string' },
      format: { type: 'string', default: 'table' },
      host: { type: 'string' },
      issuer: { type: 'string' },
      'strip-prefix': { type: 'string', default: '' },
      'acr-key': { type: 'string', default: 'example.com/acr' },
      'amr-key': { type: 'string', default: 'example.com/amr' },
      'auth-time-key': { type: 'string', default: 'example.com/auth_time' },
      'sid-key': { type: 'string', default: 'example.com/sid' },
      'assume-acr': { type: 'string' },
      'assume-auth-age': { type: 'string' },
      'include-system': { type: 'boolean', default: false },
      'as-configured': { type: 'boolean', default: false },
      samples: { type: 'string', default: '20' },
    },
  });
  const log = values['audit-log'];
  if (log === undefined) throw new UsageError('replay needs --audit-log FILE (or - for stdin)');
  if (values.format !== 'table' && values.format !== 'json') throw new UsageError('--format must be table or json');
  const age = values['assume-auth-age'];
  if (age !== undefined && (!/^\d{1,9}$/.test(age))) throw new UsageError('--assume-auth-age must be a whole number of seconds');
  if (!/^\d{1,4}$/.test(values.samples) || Number(values.samples) > 1000) throw new UsageError('--samples must be a whole number from 0 to 1000');
  const configName = values.config ?? envValue(process.env, 'config') ?? DEFAULT_CONFIG;
  const config = loadConfigFile(configName);
  const { createReadStream } = await import('node:fs');
  let input: import('node:stream').Readable;
  if (log === '-') input = process.stdin;
  else {
    input = createReadStream(log);
    // Opening fails asynchronously; wait for it so a missing file is exit 66, not a stack.
    await new Promise<void>((resolve, reject) => {
      input.once('open', () => resolve());
      input.once('error', (err: NodeJS.ErrnoException) => reject(new InputMissingError(`--audit-log: cannot read ${JSON.stringify(log)} (${err.code ?? 'error'})`)));
    });
  }
  const [{ replay }, { renderTable }] = await Promise.all([import('./replay/replay.js'), import('./replay/render.js')]);
  const report = await replay(config, input, {
    host: values.host,
    issuer: values.issuer,
    assurance: {
      acrKey: values['acr-key'],
      amrKey: values['amr-key'],
      authTimeKey: values['auth-time-key'],
      sidKey: values['sid-key'],
      assumeAcr: values['assume-acr'],
      assumeAuthAge: age === undefined ? undefined : Number(age),
      stripPrefix: values['strip-prefix'],
    },
    includeSystem: values['include-system'],
    asConfigured: values['as-configured'],
    samples: Number(values.samples),
    configName,
    logName: log === '-' ? 'stdin' : log,
  });
  io.out(values.format === 'json' ? `${JSON.stringify(report, null, 2)}\n` : renderTable(report));
  return 0;
}

/** The options that describe one request, shared by explain and check so both build it alike. */
const REQUEST_ARGS = {
  url: { type: 'string' },
  method: { type: 'string', default: 'GET' },
  header: { type: 'string', multiple: true, default: [] as string[] },
  token: { type: 'string' },
  'token-file': { type: 'string' },
  source: { type: 'string', default: '' },
  context: { type: 'string', multiple: true, default: [] as string[] },
  'body-file': { type: 'string' },
  'content-type': { type: 'string' },
} satisfies ParseArgsConfig['options'];

interface RequestValues {
  url?: string | undefined;
  method: string;
  header: string[];
  token?: string | undefined;
  'token-file'?: string | undefined;
  source: string;
  context: string[];
  'body-file'?: string | undefined;
  'content-type'?: string | undefined;
}

function requestInput(command: string, values: RequestValues): Omit<ExplainInput, 'token' | 'claims'> {
  if (!values.url) throw new UsageError(`${command} needs --url`);
  if (values.token !== undefined && values['token-file'] !== undefined) throw new UsageError('give --token or --token-file, not both');
  const body = values['body-file'] !== undefined ? readInput(values['body-file'], '--body-file') : undefined;
  const headers = values.header.map(splitPair(':'));
  // A guess only when nothing says otherwise: --content-type, or a content-type --header.
  const guessed = body !== undefined && !headers.some(([name]) => name.toLowerCase() === 'content-type') ? guessContentType(values['body-file']!) : undefined;
  return {
    method: values.method,
    url: values.url,
    headers,
    source: values.source,
    context: Object.fromEntries(values.context.map(splitPair('='))),
    body,
    contentType: values['content-type'] ?? guessed,
  };
}

function tokenInput(values: RequestValues): string | undefined {
  return values['token-file'] !== undefined ? readInput(values['token-file'], '--token-file').toString('utf8').trim() : values.token;
}

/** Bad arguments: exit 64 (EX_USAGE). */
class UsageError extends Error {}

/** An input file whose content is not what the option needs: exit 65 (EX_DATAERR). */
class InputDataError extends Error {}

/** An input file that cannot be read: exit 66 (EX_NOINPUT). */
class InputMissingError extends Error {}

function readInput(file: string, option: string): Buffer {
  try {
    return readFileSync(file);
  } catch (err) {
    throw new InputMissingError(`${option}: cannot read ${JSON.stringify(file)} (${(err as NodeJS.ErrnoException).code ?? 'error'})`);
  }
}

/** The claims of a token as a JSON object, e.g. {"iss": "…", "sub": "alice", "acr": "…", "auth_time": 1764633600}. */
function claimsFile(file: string): Record<string, unknown> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readInput(file, '--claims').toString('utf8'));
  } catch (err) {
    if (err instanceof InputMissingError) throw err;
    throw new InputDataError(`--claims: ${JSON.stringify(file)} is not valid JSON`);
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new InputDataError(`--claims: ${JSON.stringify(file)} must hold one JSON object of claims`);
  }
  return parsed as Record<string, unknown>;
}

/** What kubectl would send for a manifest file (a captured CBOR body by its `.cbor`); --content-type overrides it (patches need it). */
function guessContentType(file: string): string {
  if (/\.cbor$/i.test(file)) return 'application/cbor';
  return /\.json$/i.test(file) ? 'application/json' : 'application/yaml';
}

function splitPair(sep: string) {
  return (s: string): [string, string] => {
    const i = s.indexOf(sep);
    if (i <= 0) throw new UsageError(`expected name${sep}value, got ${JSON.stringify(s)}`);
    return [s.slice(0, i).trim(), s.slice(i + 1).trim()];
  };
}

/** Status per sysexits.h where one fits; 2 is kept for configuration and startup (documented since the start). */
function failure(err: unknown, io: CommandIo): number {
  if (err instanceof ConfigError) {
    io.err(`stepgate: invalid configuration\n${err.message}\n`);
    return 2;
  }
  // One line each, no stack: these are the caller's mistakes, not ours.
  const oneLine = (code: number, message: string) => {
    io.err(`stepgate: ${message.replace(/\s*\n\s*/g, ' ')}\n`);
    return code;
  };
  if (err instanceof StartupError) return oneLine(2, `cannot start: ${err.message}`);
  const code = (err as { code?: unknown } | null)?.code;
  if (err instanceof UsageError || (typeof code === 'string' && (code === 'explain_input' || code === 'replay_input' || code.startsWith('ERR_PARSE_ARGS')))) {
    return oneLine(64, `${(err as Error).message} (stepgate help shows the usage)`);
  }
  if (err instanceof InputDataError) return oneLine(65, err.message);
  if (err instanceof InputMissingError || err instanceof ConfigFileUnreadable) return oneLine(66, err.message);
  // `stepgate check` (live-check.ts, loaded on demand): the server's side of the exchange.
  if (code === 'server_unavailable') return oneLine(69, (err as Error).message);
  if (code === 'server_protocol') return oneLine(76, (err as Error).message);
  io.err(`stepgate: ${(err as Error | undefined)?.stack ?? String(err)}\n`);
  return 1;
}
