import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { DEFAULT_CONFIG } from './config/default.js';
import { ConfigError, loadConfigFile, StartupError } from './config/load.js';

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

const USAGE = `usage:
  stepgate [serve] [--config FILE]            run the ext_authz service (default config: the bundled example)
  stepgate check-config FILE                  validate a configuration file and exit
  stepgate explain [--config FILE] --url URL [--method M] [--header 'name: value']...
                   [--token JWT | --token-file FILE | --claims FILE] [--source IP] [--context key=value]...
                   [--body-file FILE [--content-type TYPE]]  (guardrails: the request body, e.g. a manifest)
                                              print how stepgate decides one request, as JSON

The config file may also be given in STEPGATE_CONFIG. Exit status: 0 done; 2 invalid configuration
or cannot start; 64 bad arguments; 65 an input file's content is invalid; 66 an input file cannot be read.`;

async function main(argv: string[], io: CommandIo): Promise<number> {
  const [command = 'serve', ...rest] = argv[0]?.startsWith('-') ? ['serve', ...argv] : argv;
  switch (command) {
    case 'serve': {
      const { values } = parseArgs({ args: rest, options: { config: { type: 'string' } } });
      const { serve } = await import('./main.js');
      await serve(values.config ?? process.env.STEPGATE_CONFIG ?? DEFAULT_CONFIG);
      return -1; // keep running
    }
    case 'check-config': {
      const file = rest[0] ?? process.env.STEPGATE_CONFIG;
      if (!file) throw new UsageError('check-config needs a file');
      const cfg = loadConfigFile(file);
      io.out(
        `${file}: OK (${cfg.issuers.length} issuer(s), ${cfg.assurance.levels.length} level(s), ${cfg.policy.rules.length} rule(s))\n`,
      );
      return 0;
    }
    case 'explain': {
      const { values } = parseArgs({
        args: rest,
        options: {
          config: { type: 'string' },
          url: { type: 'string' },
          method: { type: 'string', default: 'GET' },
          header: { type: 'string', multiple: true, default: [] },
          token: { type: 'string' },
          'token-file': { type: 'string' },
          claims: { type: 'string' },
          source: { type: 'string', default: '' },
          context: { type: 'string', multiple: true, default: [] },
          'body-file': { type: 'string' },
          'content-type': { type: 'string' },
        },
      });
      if (!values.url) throw new UsageError('explain needs --url');
      if (values.token !== undefined && values['token-file'] !== undefined) throw new UsageError('give --token or --token-file, not both');
      const credentials = [values.token ?? values['token-file'], values.claims].filter((v) => v !== undefined);
      if (credentials.length > 1) throw new UsageError('give a token (--token, --token-file) or --claims, not both');
      const config = loadConfigFile(values.config ?? process.env.STEPGATE_CONFIG ?? DEFAULT_CONFIG);
      const token = values['token-file'] !== undefined ? readInput(values['token-file'], '--token-file').toString('utf8').trim() : values.token;
      const claims = values.claims !== undefined ? claimsFile(values.claims) : undefined;
      const body = values['body-file'] !== undefined ? readInput(values['body-file'], '--body-file') : undefined;
      const headers = values.header.map(splitPair(':'));
      // A guess only when nothing says otherwise: --content-type, or a content-type --header.
      const guessed = body !== undefined && !headers.some(([name]) => name.toLowerCase() === 'content-type') ? guessContentType(values['body-file']!) : undefined;
      const { explain } = await import('./explain.js');
      const out = await explain(config, {
        method: values.method,
        url: values.url,
        headers,
        token,
        claims,
        source: values.source,
        context: Object.fromEntries(values.context.map(splitPair('='))),
        body,
        contentType: values['content-type'] ?? guessed,
      });
      io.out(`${JSON.stringify(out, null, 2)}\n`);
      return 0;
    }
    case 'help':
    case '--help':
    case '-h': {
      const { PLUGIN_USAGE } = await import('./credential/plugin.js');
      io.out(`${USAGE}\n\n${PLUGIN_USAGE}\n`);
      return 0;
    }
    default:
      throw new UsageError(`unknown command ${command}`);
  }
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

/** What kubectl would send for a manifest file; --content-type overrides it (patches need it). */
function guessContentType(file: string): string {
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
  if (err instanceof UsageError || (typeof code === 'string' && (code === 'explain_input' || code.startsWith('ERR_PARSE_ARGS')))) {
    return oneLine(64, `${(err as Error).message} (stepgate help shows the usage)`);
  }
  if (err instanceof InputDataError) return oneLine(65, err.message);
  if (err instanceof InputMissingError) return oneLine(66, err.message);
  io.err(`stepgate: ${(err as Error | undefined)?.stack ?? String(err)}\n`);
  return 1;
}
