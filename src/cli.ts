#!/usr/bin/env node
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
// The service's modules (gRPC, OpenTelemetry, policy) are imported only by the commands that need
// them: kubectl runs `stepgate credential` before every command, and it must start in milliseconds.

const USAGE = `usage:
  stepgate [serve] [--config FILE]            run the ext_authz service (default config: the bundled example)
  stepgate check-config FILE                  validate a configuration file and exit
  stepgate explain [--config FILE] --url URL [--method M] [--header 'name: value']...
                   [--token JWT | --token-file FILE | --claims FILE] [--source IP] [--context key=value]...
                   [--body-file FILE [--content-type TYPE]]  (guardrails: the request body, e.g. a manifest)
                                              print how stepgate decides one request, as JSON

The config file may also be given in STEPGATE_CONFIG.`;

async function main(argv: string[]): Promise<number> {
  const [command = 'serve', ...rest] = argv[0]?.startsWith('-') ? ['serve', ...argv] : argv;
  switch (command) {
    case 'credential':
    case 'login':
    case 'logout':
    case 'status':
    case 'kubeconfig':
      return runCredentialCommand(command, rest);
    case 'serve': {
      const { values } = parseArgs({ args: rest, options: { config: { type: 'string' } } });
      const { DEFAULT_CONFIG, serve } = await import('./main.js');
      await serve(values.config ?? process.env.STEPGATE_CONFIG ?? DEFAULT_CONFIG);
      return -1; // keep running
    }
    case 'check-config': {
      const file = rest[0] ?? process.env.STEPGATE_CONFIG;
      if (!file) throw new UsageError('check-config needs a file');
      const { loadConfigFile } = await import('./config/load.js');
      const cfg = loadConfigFile(file);
      process.stdout.write(
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
      const { DEFAULT_CONFIG } = await import('./main.js');
      const { explain } = await import('./explain.js');
      const { loadConfigFile } = await import('./config/load.js');
      const config = loadConfigFile(values.config ?? process.env.STEPGATE_CONFIG ?? DEFAULT_CONFIG);
      const token = values.token ?? (values['token-file'] ? readFileSync(values['token-file'], 'utf8').trim() : undefined);
      const claims = values.claims ? (JSON.parse(readFileSync(values.claims, 'utf8')) as Record<string, unknown>) : undefined;
      const out = await explain(config, {
        method: values.method,
        url: values.url,
        headers: values.header.map(splitPair(':')),
        token,
        claims,
        source: values.source,
        context: Object.fromEntries(values.context.map(splitPair('='))),
        body: values['body-file'] ? readFileSync(values['body-file']) : undefined,
        contentType: values['content-type'] ?? (values['body-file'] ? guessContentType(values['body-file']) : undefined),
      });
      process.stdout.write(`${JSON.stringify(out, null, 2)}\n`);
      return 0;
    }
    case 'help':
    case '--help':
    case '-h': {
      const { PLUGIN_USAGE } = await import('./credential/plugin.js');
      process.stdout.write(`${USAGE}\n\n${PLUGIN_USAGE}\n`);
      return 0;
    }
    default:
      throw new UsageError(`unknown command ${command}`);
  }
}

class UsageError extends Error {}

/** The kubectl credential plugin and its user commands (src/credential/). */
async function runCredentialCommand(command: string, args: string[]): Promise<number> {
  const plugin = await import('./credential/plugin.js');
  try {
    return await plugin.runPlugin(command, args, {
      env: process.env,
      stdout: (s) => process.stdout.write(s),
      stderr: (s) => process.stderr.write(`${s}\n`),
      ppid: process.ppid,
      now: () => Math.floor(Date.now() / 1000),
    });
  } catch (err) {
    if (err instanceof plugin.PluginUsageError) throw new UsageError(err.message);
    // No stack for a sign-in that did not work: the message is for the person at the terminal.
    process.stderr.write(`stepgate: ${(err as Error).message}\n`);
    return 1;
  }
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

main(process.argv.slice(2)).then(
  (code) => {
    if (code >= 0) process.exitCode = code;
  },
  (err: unknown) => {
    // By name: the config module is loaded only by the commands that read a configuration.
    const name = (err as Error | undefined)?.name;
    if (name === 'ConfigError') {
      process.stderr.write(`stepgate: invalid configuration\n${(err as Error).message}\n`);
      process.exit(2);
    }
    if (name === 'StartupError') {
      process.stderr.write(`stepgate: cannot start: ${(err as Error).message}\n`);
      process.exit(2);
    }
    if (err instanceof UsageError || (err as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
      process.stderr.write(`stepgate: ${(err as Error).message}\n${USAGE}\n`);
      process.exit(64);
    }
    process.stderr.write(`stepgate: ${(err as Error).stack ?? String(err)}\n`);
    process.exit(1);
  },
);
