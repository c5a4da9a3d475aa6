#!/usr/bin/env node
/**
 * The `stepgate` binary. kubectl runs `stepgate credential` before every command, so the plugin's
 * commands are dispatched here, before anything of the service (gRPC, OpenTelemetry, zod, the
 * policy) is loaded: it must start in milliseconds. Everything else goes to commands.ts.
 */
import { writeSync } from 'node:fs';

const PLUGIN_COMMANDS = new Set(['credential', 'login', 'logout', 'status', 'kubeconfig']);

async function run(argv: string[]): Promise<number> {
  const command = argv[0];
  if (command !== undefined && PLUGIN_COMMANDS.has(command)) {
    const plugin = await import('./credential/plugin.js');
    const args = argv.slice(1);
    const end = args.indexOf('--');
    if ((end < 0 ? args : args.slice(0, end)).some((a) => a === '--help' || a === '-h')) {
      process.stdout.write(`${plugin.PLUGIN_USAGE}\n`);
      return 0;
    }
    try {
      return await plugin.runPlugin(command, argv.slice(1), {
        env: process.env,
        stdout: writeStdout,
        stderr: (s) => process.stderr.write(`${s}\n`),
        ppid: process.ppid,
        now: () => Math.floor(Date.now() / 1000),
      });
    } catch (err) {
      // No stack for a sign-in that did not work: the message is for the person at the terminal.
      process.stderr.write(`stepgate: ${(err as Error).message}${err instanceof plugin.PluginUsageError ? ' (stepgate help shows the usage)' : ''}\n`);
      return err instanceof plugin.PluginUsageError ? 64 : 1;
    }
  }
  const { runCommand } = await import('./commands.js');
  return runCommand(argv, {
    out: (text) => process.stdout.write(text),
    err: (text) => process.stderr.write(text),
  });
}

/**
 * The plugin's output goes straight to fd 1: kubectl hands the plugin a pipe, and creating
 * `process.stdout` for a pipe builds a socket stream, a few milliseconds on every kubectl command
 * (bench/plugin-startup.mjs). A non-blocking pipe that is full (EAGAIN) or a short write hands
 * the rest to process.stdout, which waits for the pipe before the process exits.
 */
function writeStdout(s: string): void {
  const bytes = Buffer.from(s, 'utf8');
  let done = 0;
  try {
    while (done < bytes.length) done += writeSync(1, bytes, done);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EAGAIN') throw err;
  }
  if (done < bytes.length) process.stdout.write(bytes.subarray(done));
}

void run(process.argv.slice(2)).then((code) => {
  if (code > 0) process.exit(code);
  if (code === 0) process.exitCode = 0;
});
