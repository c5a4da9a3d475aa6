#!/usr/bin/env node
/**
 * The `stepgate` binary. kubectl runs `stepgate credential` before every command, so the plugin's
 * commands are dispatched here, before anything of the service (gRPC, OpenTelemetry, zod, the
 * policy) is loaded. The installed binary is stepgate.cts, which answers from the token cache
 * before even this file is loaded; this is where it hands over. Everything else goes to commands.ts.
 */
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
        stdout: plugin.writeStdout,
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

void run(process.argv.slice(2)).then((code) => {
  if (code > 0) process.exit(code);
  if (code === 0) process.exitCode = 0;
});
