import { readFileSync, writeSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { cacheDir, execCredentialJson, preferenceOrder, SKEW_SECONDS, TokenCache, tokenHash, type CachedToken, type DeviceCredential } from './cache.cjs';

export { SKEW_SECONDS };

/**
 * `stepgate credential` when a cached token answers: the path kubectl takes before nearly every
 * command. It is CommonJS and loads node:fs, node:util and the cache (node:path, node:os) only:
 * the ES-module loader, node:crypto, openid-client and the rest of the plugin cost more than the
 * answer itself (bench/plugin-startup.mjs). The `stepgate` binary (src/stepgate.cts) calls
 * answerFromCache first and loads the full command line only when it declines.
 *
 * The rules below are the plugin's, shared with plugin.ts's full path so that both decide alike:
 * answerFromCache answers exactly when the full path would answer from the cache without asking
 * anyone, with the same output and the same re-run marker; otherwise it writes nothing at all and
 * the full path decides (sign-in, refresh, the question to stepgate after a 401, usage errors).
 *
 * In front of both sits the `stepgate` command itself, fast-path.sh: it answers from the file
 * TokenCache precomputes for it by these same rules, and runs this file when it declines.
 */

export const PLUGIN_OPTIONS = {
  issuer: { type: 'string' },
  'client-id': { type: 'string' },
  stepgate: { type: 'string' },
  scope: { type: 'string' },
  acr: { type: 'string', multiple: true },
  browser: { type: 'string' },
  device: { type: 'boolean' },
  'device-certificate': { type: 'boolean' },
  timeout: { type: 'string' },
  level: { type: 'string' },
  context: { type: 'string' },
  kubeconfig: { type: 'string' },
  name: { type: 'string' },
  all: { type: 'boolean' },
} as const;

export function parsePluginArgs(args: string[]) {
  return parseArgs({ args, options: PLUGIN_OPTIONS, allowPositionals: false, strict: true });
}

export type PluginValues = ReturnType<typeof parsePluginArgs>['values'];

export class PluginUsageError extends Error {}

/** A re-run for the same kubectl process counts as "after a 401" within this many seconds. */
export const RERUN_WINDOW_SECONDS = 900;

export interface CredentialTarget {
  issuer: string;
  clientId: string;
  /** Level name → acr_values, from `--acr name=value`. */
  levels: Map<string, string>;
  timeoutSeconds: number;
}

/** The checks every command makes on the plugin's arguments; a PluginUsageError names the problem. */
export function credentialTarget(v: Partial<PluginValues>): CredentialTarget {
  if (!v.issuer || !v['client-id']) throw new PluginUsageError('--issuer and --client-id are required (or a kubeconfig user that runs `stepgate credential`)');
  const levels = new Map<string, string>();
  for (const a of v.acr ?? []) {
    const i = a.indexOf('=');
    if (i <= 0) throw new PluginUsageError(`--acr expects NAME=ACR, got ${JSON.stringify(a)}`);
    levels.set(a.slice(0, i), a.slice(i + 1));
  }
  const timeoutSeconds = v.timeout === undefined ? 300 : Number(v.timeout);
  if (!Number.isFinite(timeoutSeconds) || timeoutSeconds <= 0) throw new PluginUsageError('--timeout must be a positive number of seconds');
  return { issuer: v.issuer, clientId: v['client-id'], levels, timeoutSeconds };
}

export interface ExecInfo {
  apiVersion: string;
  server: string | undefined;
  ca: Buffer | undefined;
}

/** How client-go encodes KUBERNETES_EXEC_INFO: kind, then apiVersion, then spec. */
const EXEC_INFO_HEAD = /^\{"kind":"ExecCredential","apiVersion":"(client\.authentication\.k8s\.io\/v1(?:beta1)?)","spec":/;

/** What kubectl passes in KUBERNETES_EXEC_INFO (the cluster with `provideClusterInfo: true`). */
export function execInfo(env: NodeJS.ProcessEnv): ExecInfo {
  let apiVersion = 'client.authentication.k8s.io/v1';
  let server: string | undefined;
  let ca: Buffer | undefined;
  const raw = env.KUBERNETES_EXEC_INFO;
  if (raw) {
    try {
      const info = JSON.parse(raw) as { apiVersion?: string; spec?: { cluster?: { server?: string; 'certificate-authority-data'?: string } } };
      if (info.apiVersion === 'client.authentication.k8s.io/v1beta1' || info.apiVersion === 'client.authentication.k8s.io/v1') apiVersion = info.apiVersion;
      server = info.spec?.cluster?.server;
      const caData = info.spec?.cluster?.['certificate-authority-data'];
      if (caData) ca = Buffer.from(caData, 'base64');
    } catch {
      // A malformed exec info only costs the cluster defaults; the token is still produced, in
      // the apiVersion client-go's own encoding states first, as fast-path.sh reads it.
      apiVersion = EXEC_INFO_HEAD.exec(raw)?.[1] ?? apiVersion;
    }
  }
  return { apiVersion, server, ca };
}

/** The ExecCredential line for client-go. */
export function execCredential(info: ExecInfo, t: CachedToken, device?: DeviceCredential): string {
  return `${execCredentialJson(info.apiVersion, t, device)}\n`;
}

export function parentStart(ppid: number): string {
  try {
    // Field 22 of /proc/<pid>/stat (after the parenthesised command name, which may hold spaces).
    const stat = readFileSync(`/proc/${ppid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19] ?? '';
  } catch {
    return '';
  }
}

/** The token to offer: the newest live elevated sign-in, else the everyday one. */
export function best(tokens: CachedToken[], now: number, exclude: string | undefined): CachedToken | undefined {
  return preferenceOrder(tokens).find((t) => t.expires_at - SKEW_SECONDS > now && (exclude === undefined || tokenHash(t.id_token) !== exclude));
}

export interface Answering {
  cache: TokenCache;
  issuer: string;
  clientId: string;
  info: ExecInfo;
  ppid: number;
  /** The parent's start time (see parentStart). */
  start: string;
  now: () => number;
  /** `--device-certificate`: the machine's certificate and key go beside the token while the certificate lives. */
  device?: boolean;
}

/**
 * client-go's re-run after a 401: the same kubectl process (pid and start time) asks again within
 * the window while the token it was given is still valid, so that token was refused. Returns that
 * token; an expired one is a re-run for expiry, which the ordinary path answers.
 */
export function refusedToken(a: Answering, tokens: CachedToken[], now: number): CachedToken | undefined {
  const marker = a.cache.served(a.issuer, a.clientId);
  if (!marker || marker.ppid !== a.ppid || marker.parent_start !== a.start || now - marker.at >= RERUN_WINDOW_SECONDS) return undefined;
  const previous = tokens.find((t) => tokenHash(t.id_token) === marker.token_hash);
  return previous && previous.expires_at - SKEW_SECONDS > now ? previous : undefined;
}

/** Remembers which kubectl process got `t` (for refusedToken), then returns its ExecCredential. */
export function serve(a: Answering, t: CachedToken): string {
  a.cache.markServed(a.issuer, a.clientId, { ppid: a.ppid, parent_start: a.start, token_hash: tokenHash(t.id_token), at: a.now() });
  // Node answers when fast-path.sh declined; that may be because its file is missing or out of
  // date (an earlier version, a file removed by hand), so the next command can take it again.
  a.cache.syncFast(a.issuer, a.clientId);
  return execCredential(a.info, t, a.device ? a.cache.deviceCredential(a.issuer, a.clientId, a.now()) : undefined);
}

export interface CachedIo {
  env: NodeJS.ProcessEnv;
  ppid: number;
  /** Seconds since the epoch. */
  now: () => number;
}

/**
 * `credential <args>` from the cache alone: the ExecCredential text (the re-run marker already
 * written), or undefined with nothing written when the full path must decide.
 */
export function answerFromCache(args: string[], io: CachedIo): string | undefined {
  let target: CredentialTarget;
  let device: boolean;
  try {
    const { values } = parsePluginArgs(args);
    target = credentialTarget(values);
    device = values['device-certificate'] === true;
  } catch {
    return undefined;
  }
  const a: Answering = {
    cache: new TokenCache(cacheDir(io.env)),
    issuer: target.issuer,
    clientId: target.clientId,
    info: execInfo(io.env),
    ppid: io.ppid,
    start: parentStart(io.ppid),
    now: io.now,
    device,
  };
  const now = io.now();
  const tokens = a.cache.list(a.issuer, a.clientId);
  if (refusedToken(a, tokens, now)) return undefined;
  const ready = best(tokens, now, undefined);
  return ready ? serve(a, ready) : undefined;
}

/**
 * The plugin's output goes straight to fd 1: kubectl hands the plugin a pipe, and creating
 * `process.stdout` for a pipe builds a socket stream, a few milliseconds on every kubectl command
 * (bench/plugin-startup.mjs). A non-blocking pipe that is full (EAGAIN) or a short write hands
 * the rest to process.stdout, which waits for the pipe before the process exits.
 */
export function writeStdout(s: string): void {
  const bytes = Buffer.from(s, 'utf8');
  let done = 0;
  try {
    while (done < bytes.length) done += writeSync(1, bytes, done);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EAGAIN') throw err;
  }
  if (done < bytes.length) process.stdout.write(bytes.subarray(done));
}
