import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { cliArgv, startServiceProcess, stopProcess as stop } from '../support/process.js';
import { freePort } from '../support/stepup.js';

/**
 * The README's console blocks of `check-config` and `explain` mistakes ("Real runs") are run
 * again here as a reader would run them: from a checkout (deploy/ and examples/ beside the
 * command), `policy.yaml` as the README shows it, no claims file, and an environment without the
 * deployment's secrets (so check-config names them). Each line printed and each exit status must
 * be the README's. Commands piped into another program are not run here (the explain run is
 * checked by test/unit/readme-explain.test.ts). `node dist/cli.js` runs here from the sources, as
 * `npx tsx src/cli.ts` does: dist/ is their build.
 */

const ROOT = new URL('../../', import.meta.url).pathname;
const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
const dir = mkdtempSync(join(tmpdir(), 'stepgate-readme-'));
symlinkSync(join(ROOT, 'deploy'), join(dir, 'deploy'));
symlinkSync(join(ROOT, 'examples'), join(dir, 'examples'));
// For tsx only: a reader runs from the checkout, where node_modules is.
symlinkSync(join(ROOT, 'node_modules'), join(dir, 'node_modules'));
const policy = /`policy\.yaml` being\n\n```yaml\n([\s\S]*?)```/.exec(readme);
writeFileSync(join(dir, 'policy.yaml'), policy?.[1] ?? '');

/**
 * Every process this file starts, until it has exited. A test that times out leaves its promise
 * running and its `finally` unreached: afterAll stops what is left, so no server outlives the file.
 */
const live = new Set<ChildProcess>();

afterAll(async () => {
  await Promise.all([...live].map((c) => stop(c)));
  rmSync(dir, { recursive: true, force: true });
});

/** Only what a shell has: no STEPGATE_*, no REDIS_URL, no secrets of the deployment. */
const ENV = { PATH: process.env.PATH!, HOME: process.env.HOME! };

async function run(args: string[]) {
  const child = spawn(process.execPath, [...cliArgv(), ...args], { cwd: dir, env: ENV, stdio: ['ignore', 'pipe', 'pipe'] });
  live.add(child);
  child.once('exit', () => live.delete(child));
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const [code] = (await once(child, 'exit')) as [number];
  return { code, lines: `${stdout}${stderr}`.split('\n').filter((l) => l !== '') };
}

/** `$ command; echo "exit status $?"` sections of the README's console blocks for these commands. */
function sections(commands = '(?:check-config|explain)'): { command: string; args: string[]; lines: string[]; exit: number }[] {
  const out = [];
  for (const [, block] of readme.matchAll(/```console\n([\s\S]*?)```/g)) {
    for (const section of block!.split(/^(?=\$ )/m)) {
      const [command, ...lines] = section.split('\n').filter((l) => l !== '');
      const m = new RegExp(`^\\$ (?:npx tsx src/cli\\.ts|node dist/cli\\.js) (${commands} [^|]*?)(?:; echo "exit status \\$\\?")?$`).exec(command ?? '');
      // A command continued on the next line is piped into jq: not one of these.
      if (!m || command!.endsWith('\\')) continue;
      const status = /^exit status (\d+)$/.exec(lines.at(-1) ?? '');
      if (status) lines.pop();
      out.push({ command: command!, args: m[1]!.split(/\s+/), lines, exit: status ? Number(status[1]) : 0 });
    }
  }
  return out;
}

describe('README: check-config and explain, as run from a checkout', () => {
  const found = sections();
  it('finds the README runs', () => {
    expect(policy, 'policy.yaml shown in the README').not.toBeNull();
    expect(found.length).toBeGreaterThanOrEqual(6);
  });
  it.each(found.map((s) => [s.command, s] as const))('%s', async (_command, s) => {
    const r = await run(s.args);
    expect({ lines: r.lines, exit: r.code }).toEqual({ lines: s.lines, exit: s.exit });
  }, 60_000);
});

/**
 * The README's `stepgate check` runs against `npm start` (the bundled example, risk engine on,
 * state in memory): the same against a server started here. Its port and the closed one are
 * this run's; a line `…` in the README stands for the lines it cut.
 */
describe('README: stepgate check against a running server', () => {
  const found = sections('check');
  it('finds the README runs', () => {
    expect(found.length).toBe(2);
  });
  it('prints what the README quotes, from the live server and from a closed port', async () => {
    const server = await startServiceProcess(join(ROOT, 'examples/stepgate.yaml'), {
      STEPGATE_GRPC_LISTEN: '127.0.0.1:0',
      STEPGATE_METRICS_LISTEN: 'off',
      STEPGATE_LOG_FORMAT: 'json',
    });
    live.add(server.child);
    void server.exited.then(() => live.delete(server.child));
    try {
      const closed = await freePort();
      const ports: Record<string, string> = { '9391': String(server.port), '9392': String(closed) };
      const local = (text: string) => text.replace(/127\.0\.0\.1:(939[12])/g, (_m, p: string) => `127.0.0.1:${ports[p]}`);
      for (const s of found) {
        const r = await run(s.args.map(local));
        const pattern = s.lines.map((l) => (l.trim() === '…' ? '(?:[^\\n]*\\n)*?' : `${local(l).replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\n`)).join('');
        expect(`${r.lines.join('\n')}\n`, s.command).toMatch(new RegExp(`^${pattern}$`));
        expect(r.code, s.command).toBe(s.exit);
      }
    } finally {
      await stop(server.child);
    }
  }, 90_000);
});
