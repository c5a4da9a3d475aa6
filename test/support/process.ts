import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';

const ROOT = new URL('../../', import.meta.url).pathname;

// The prestart's own freshness check (plain JavaScript: it runs before anything is compiled).
const { isStale } = (await import('../../scripts/build-if-stale.mjs' as string)) as { isStale: (base?: string) => string | undefined };

/**
 * Node's arguments that run the real CLI: the build (`node dist/cli.js`, what ships and what
 * `npm start` serves) when dist/ is current by the prestart's check (scripts/build-if-stale.mjs:
 * no source, tsconfig or package file changed after it was written; CI builds it before vitest
 * starts), else the sources through tsx. Either way it is the same program, with its own exit
 * codes and output; tsx only costs ~1 s of CPU a process to compile the sources (~11 files spawn
 * the CLI, some of them many times). Asked at each spawn, so a source edited while the tests run
 * is run from source. STEPGATE_TEST_CLI=tsx always runs the sources. Absolute paths: a caller may
 * set another working directory (tsx then needs a node_modules there).
 */
export function cliArgv(): string[] {
  if (process.env.STEPGATE_TEST_CLI !== 'tsx' && isStale(ROOT) === undefined) return [`${ROOT}dist/cli.js`];
  return ['--import', 'tsx', `${ROOT}src/cli.ts`];
}

export interface ServiceProcess {
  child: ChildProcess;
  port: number;
  logs: Record<string, unknown>[];
  stderr: string[];
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** Runs the real CLI (the current build, else the sources through tsx: cliArgv) as its own process. */
export function runCli(args: string[], env: NodeJS.ProcessEnv = {}) {
  const child = spawn(process.execPath, [...cliArgv(), ...args], {
    cwd: ROOT,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const stdout: string[] = [];
  const stderr: string[] = [];
  createInterface({ input: child.stdout! }).on('line', (l) => stdout.push(l));
  createInterface({ input: child.stderr! }).on('line', (l) => stderr.push(l));
  const exited = once(child, 'exit').then(([code, signal]) => ({ code: code as number | null, signal: signal as NodeJS.Signals | null }));
  return { child, stdout, stderr, exited };
}

/** Starts `stepgate serve` and resolves once it logs the port it listens on. */
export async function startServiceProcess(configFile: string, env: NodeJS.ProcessEnv = {}): Promise<ServiceProcess> {
  const { child, stdout, stderr, exited } = runCli(['serve', '--config', configFile], env);
  const logs: Record<string, unknown>[] = [];
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => {
      // Do not leave a half-started service behind on a loaded machine.
      child.kill('SIGKILL');
      reject(new Error(`no listening line; stderr: ${stderr.join('\n')}`));
    }, 60_000);
    const poll = setInterval(() => {
      while (stdout.length > 0) {
        const line = stdout.shift()!;
        try {
          const rec = JSON.parse(line) as Record<string, unknown>;
          logs.push(rec);
          if (rec.event === 'listening') {
            clearTimeout(timer);
            clearInterval(poll);
            resolve(rec.port as number);
          }
        } catch {
          logs.push({ raw: line });
        }
      }
    }, 20);
    void exited.then((e) => {
      clearTimeout(timer);
      clearInterval(poll);
      reject(new Error(`exited early (${e.code}); stderr: ${stderr.join('\n')}`));
    });
  });
  // Keep collecting log records after startup.
  const drain = setInterval(() => {
    while (stdout.length > 0) {
      const line = stdout.shift()!;
      try {
        logs.push(JSON.parse(line) as Record<string, unknown>);
      } catch {
        logs.push({ raw: line });
      }
    }
  }, 20);
  void exited.finally(() => clearInterval(drain));
  return { child, port, logs, stderr, exited };
}

/**
 * SIGTERM, then SIGKILL if the process has not exited after `graceMs`; resolves once it has
 * exited, with how. A server that ignores or hangs on SIGTERM cannot outlive its test file.
 */
export async function stopProcess(child: ChildProcess, graceMs = 5_000): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  if (child.exitCode !== null || child.signalCode !== null) return { code: child.exitCode, signal: child.signalCode };
  const exited = once(child, 'exit') as Promise<[number | null, NodeJS.Signals | null]>;
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
  try {
    const [code, signal] = await exited;
    return { code, signal };
  } finally {
    clearTimeout(timer);
  }
}
