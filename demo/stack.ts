import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { parse, stringify } from 'yaml';
import { startDemoApps, type DemoApps } from './apps.js';
import { startDevIdp, type DevIdp } from './idp.js';
import { freePort } from './nginx.js';
import { startNginx, type RunningNginx } from './nginx.js';

/**
 * The whole demo on loopback: dev IdP, stepgate (the real CLI, as its own process), the sample
 * apps and nginx in front of them. `npm run demo` runs it with the fixed ports of
 * demo/stepgate.demo.yaml; the end-to-end tests run it on free ports.
 */

const ROOT = fileURLToPath(new URL('../', import.meta.url));
export const DEMO_CONFIG = join(ROOT, 'demo/stepgate.demo.yaml');
/** stepgate's header carrying the step-up URL on a 401 for a navigation (src/server/http/authz.ts). */
export const STEPUP_LOCATION_HEADER = 'x-stepgate-location';

export interface DemoPorts {
  idp: number;
  nginx: number;
  grpc: number;
  stepupHttp: number;
  authzHttp: number;
  dashboard: number;
  api: number;
}

/** The ports of demo/stepgate.demo.yaml; 0 lets the OS choose (tests). */
export const DEMO_PORTS: DemoPorts = { idp: 9000, nginx: 8088, grpc: 9191, stepupHttp: 9180, authzHttp: 9192, dashboard: 9101, api: 9102 };

export const STEPUP_CLIENT = { client_id: 'stepgate-demo' };
/** A second client, as kubectl's OIDC plugin would be: its ID tokens are what API calls present. */
export const CLI_CLIENT = { client_id: 'demo-cli', redirect_uri: 'http://127.0.0.1:8000/callback' };

export interface DemoStack {
  idp: DevIdp;
  apps: DemoApps;
  nginx: RunningNginx;
  stepgate: StepgateProcess;
  /** Where a browser goes: nginx. */
  url: string;
  grpcAddress: string;
  cliClient: { client_id: string; client_secret: string; redirect_uri: string };
  configFile: string;
  stop(): Promise<void>;
}

export interface StepgateProcess {
  child: ChildProcess;
  /** Parsed JSON log records (tokens and cookies never appear in them: stepgate redacts). */
  logs: Record<string, unknown>[];
  stderr: string[];
  ports: { grpc: number; 'http-authz': number; 'http-stepup': number };
  stop(): Promise<void>;
}

/** A fresh session key list in the format of stepup.session.keys_env. */
export function generateSessionKeys(): string {
  return `demo1:${randomBytes(32).toString('base64url')}`;
}

/** The demo config with the real ports and issuer substituted (identical for the fixed demo ports). */
export async function demoConfigText(p: { issuer: string; nginxPort: number; grpc: string; stepupHttp: string; authzHttp: string }): Promise<string> {
  const cfg = parse(await readFile(DEMO_CONFIG, 'utf8')) as {
    server: Record<string, unknown>;
    issuers: { issuer: string }[];
    stepup: { url: string; oidc: { issuer: string; redirect_uri: string } };
  };
  const front = `http://127.0.0.1:${p.nginxPort}`;
  cfg.server.grpc_listen = p.grpc;
  cfg.server.http_listen = p.stepupHttp;
  cfg.server.authz_http_listen = p.authzHttp;
  cfg.issuers[0]!.issuer = p.issuer;
  cfg.stepup.url = `${front}/.stepgate/start`;
  cfg.stepup.oidc.issuer = p.issuer;
  cfg.stepup.oidc.redirect_uri = `${front}/.stepgate/callback`;
  return stringify(cfg);
}


export async function startDemoStack(opts: { ports?: Partial<DemoPorts>; showTotpHint?: boolean; echoLogs?: (rec: Record<string, unknown>) => void } = {}): Promise<DemoStack> {
  const want = { ...DEMO_PORTS, ...opts.ports };
  const pick = async (p: number) => (p === 0 ? freePort() : p);
  const nginxPort = await pick(want.nginx);
  const front = `http://127.0.0.1:${nginxPort}`;
  const clientSecret = randomBytes(24).toString('base64url');
  const cliClient = { ...CLI_CLIENT, client_secret: randomBytes(24).toString('base64url') };

  const stoppers: (() => Promise<void>)[] = [];
  const stopAll = async () => {
    for (const s of stoppers.reverse()) await s().catch(() => undefined);
    stoppers.length = 0;
  };
  try {
    const idp = await startDevIdp({
      port: want.idp,
      showTotpHint: opts.showTotpHint,
      clients: [
        { client_id: STEPUP_CLIENT.client_id, client_secret: clientSecret, redirect_uris: [`${front}/.stepgate/callback`] },
        { client_id: cliClient.client_id, client_secret: cliClient.client_secret, redirect_uris: [cliClient.redirect_uri] },
      ],
    });
    stoppers.push(() => idp.close());
    const apps = await startDemoApps({ dashboardPort: want.dashboard, apiPort: want.api });
    stoppers.push(() => apps.close());

    const dir = await mkdtemp(join(tmpdir(), 'stepgate-demo-'));
    stoppers.push(() => rm(dir, { recursive: true, force: true }));
    const configFile = join(dir, 'stepgate.yaml');
    await writeFile(
      configFile,
      await demoConfigText({
        issuer: idp.issuer,
        nginxPort,
        grpc: `127.0.0.1:${want.grpc}`,
        stepupHttp: `127.0.0.1:${want.stepupHttp}`,
        authzHttp: `127.0.0.1:${want.authzHttp}`,
      }),
    );
    const stepgate = await startStepgate(configFile, {
      STEPGATE_DEMO_CLIENT_SECRET: clientSecret,
      STEPGATE_DEMO_SESSION_KEYS: generateSessionKeys(),
    }, opts.echoLogs);
    stoppers.push(() => stepgate.stop());

    const nginx = await startNginx({
      port: nginxPort,
      dashboardUpstream: apps.dashboardUrl,
      apiUpstream: apps.apiUrl,
      forwardAuthUrl: `http://127.0.0.1:${stepgate.ports['http-authz']}/`,
      stepgatePublicUrl: `http://127.0.0.1:${stepgate.ports['http-stepup']}`,
      stepupLocationHeader: STEPUP_LOCATION_HEADER,
      canonicalHost: `127.0.0.1:${nginxPort}`,
      identityHeaders: ['x-stepgate-subject', 'x-stepgate-level', 'x-stepgate-issuer', 'x-stepgate-email', 'x-stepgate-groups'],
    });
    stoppers.push(() => nginx.stop());

    return {
      idp,
      apps,
      nginx,
      stepgate,
      url: front,
      grpcAddress: `127.0.0.1:${stepgate.ports.grpc}`,
      cliClient,
      configFile,
      stop: stopAll,
    };
  } catch (e) {
    await stopAll();
    throw e;
  }
}

const START_TIMEOUT_MS = 90_000;

/** `stepgate serve` from source (tsx), resolved once all three listeners are up. */
export async function startStepgate(configFile: string, env: Record<string, string>, echo?: (rec: Record<string, unknown>) => void): Promise<StepgateProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli.ts', 'serve', '--config', configFile], {
    cwd: ROOT,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const logs: Record<string, unknown>[] = [];
  const stderr: string[] = [];
  const ports: Partial<StepgateProcess['ports']> = {};
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  createInterface({ input: child.stderr! }).on('line', (l) => stderr.push(l));
  const ready = new Promise<void>((resolve, reject) => {
    // tsx compiles src/ as it loads: ~3 s on a quiet 2-core machine, past 20 s at a load of 25
    // (a CI run of 2026-12-07 beside six other sessions). Only a broken start waits this long.
    const timer = setTimeout(() => reject(new Error(`stepgate did not start within ${START_TIMEOUT_MS / 1000} s; stderr:\n${stderr.join('\n')}`)), START_TIMEOUT_MS);
    createInterface({ input: child.stdout! }).on('line', (line) => {
      let rec: Record<string, unknown>;
      try {
        rec = JSON.parse(line) as Record<string, unknown>;
      } catch {
        rec = { raw: line };
      }
      logs.push(rec);
      echo?.(rec);
      if (rec.event === 'listening' && typeof rec.transport === 'string') {
        (ports as Record<string, number>)[rec.transport] = rec.port as number;
        if (ports.grpc && ports['http-authz'] && ports['http-stepup']) {
          clearTimeout(timer);
          resolve();
        }
      }
    });
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`stepgate exited (${code}) before listening; stderr:\n${stderr.join('\n')}\n${logs.map((l) => JSON.stringify(l)).join('\n')}`));
    });
  });
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      const t = setTimeout(() => child.kill('SIGKILL'), 15_000);
      await exited;
      clearTimeout(t);
    }
  };
  try {
    await ready;
  } catch (e) {
    await stop();
    throw e;
  }
  return { child, logs, stderr, ports: ports as StepgateProcess['ports'], stop };
}

/**
 * Says in the terminal when stepgate exits while the demo runs: the browser only sees nginx's
 * error page, so the terminal names the exit and stepgate's last messages.
 */
export function watchStepgate(stepgate: StepgateProcess, stopping: () => boolean, print: (line: string) => void, bold: (s: string) => string = (s) => s): void {
  stepgate.child.once('exit', (code, signal) => {
    if (stopping()) return;
    print(`\n${bold('stepgate stopped')} (${signal ? `signal ${signal}` : `exit code ${String(code)}`}). The browser now gets a "stepgate could not check this request" page (503); nothing behind nginx is served.`);
    const tail = stepgate.stderr.slice(-10);
    const fatal = stepgate.logs.filter((l) => l.level === 'fatal' || l.level === 'error').slice(-3).map((l) => String(l.msg));
    const last = [...fatal, ...tail];
    if (last.length > 0) print(`  stepgate's last messages:\n${last.map((l) => `    ${l}`).join('\n')}`);
    print('  Press Ctrl-C and run `npm run demo` again.');
  });
}
