import { Buffer } from 'node:buffer';
import { readFileSync } from 'node:fs';
// The one declaration of STEPGATE_BROWSER; the module imports nothing, so the cached path stays as cheap.
import { envValue } from '../config/environment.js';
import { cacheDir, TokenCache, tokenHash, type CachedToken } from './cache.cjs';
import {
  best,
  credentialTarget,
  execInfo,
  parentStart,
  parsePluginArgs,
  PluginUsageError,
  refusedToken,
  serve,
  SKEW_SECONDS,
  type Answering,
  type ExecInfo,
  type PluginValues,
} from './cached.cjs';
import { chooseAsk, parentCommand, type Command } from './ask-choice.js';
import { readableLine } from '../core/readable.js';
import type { Challenge, ChallengeAnswer } from './challenge.js';
import type { SignInOptions, SignInRequest, SignInResult } from './signin.js';
import type { EnrolOptions } from './device.js';

// openid-client is loaded only when the IdP must be talked to: a cached token costs no import.
async function signIn(o: SignInOptions, r: SignInRequest): Promise<SignInResult> {
  return (await import('./signin.js')).signIn(o, r);
}
// node:https (and TLS) only when a re-run after a 401 has to ask stepgate.
async function askChallenge(url: string, token: string, ca: Buffer | undefined): Promise<ChallengeAnswer> {
  return (await import('./challenge.js')).askChallenge(url, token, ca);
}
async function refresh(issuer: string, clientId: string, token: string): Promise<SignInResult | undefined> {
  return (await import('./signin.js')).refresh(issuer, clientId, token);
}
// node:crypto's key generation and the ASN.1 schemas only after a sign-in, with --device-certificate.
async function enrolDevice(o: EnrolOptions): Promise<void> {
  return (await import('./device.js')).enrolDevice(o);
}

/**
 * The kubectl exec credential plugin and its user commands (issue 13):
 *   credential   ExecCredential on stdout (client.authentication.k8s.io/v1), for client-go;
 *   login        sign in ahead of time, optionally at a level (`--level aal2`);
 *   logout       forget the cached sign-ins;
 *   status       cached sign-ins: levels, ages, expiry; never a token;
 *   kubeconfig   print the `users:` entry that runs this plugin.
 *
 * client-go runs the plugin when it has no credential, when the one it has expired, and once more,
 * synchronously, after a 401 in the same kubectl process; it never passes the WWW-Authenticate
 * challenge. The plugin tells these apart by remembering which kubectl process (parent pid and its
 * start time) it last answered: a second run for the same process with a still-valid token means
 * that token was refused, and stepgate is asked what its last challenge for it was.
 *
 * The answer from the cache is shared with cached.cts, which the `stepgate` binary runs first:
 * this full path is loaded only when that declines.
 */

export interface PluginIo {
  env: NodeJS.ProcessEnv;
  stdout: (s: string) => void;
  stderr: (s: string) => void;
  ppid: number;
  /** Seconds since the epoch. */
  now: () => number;
  /** The kubectl command that ran the plugin (tests); by default read from /proc/<ppid>/cmdline. */
  parentCommand?: () => Command | undefined;
}

type Values = PluginValues;
const parse = parsePluginArgs;

export { PluginUsageError, writeStdout } from './cached.cjs';

interface Settings {
  issuer: string;
  clientId: string;
  stepgate: string | undefined;
  scopes: string;
  /** Level name → acr_values, from `--acr name=value`. */
  levels: Map<string, string>;
  signIn: Omit<SignInOptions, 'stderr'>;
  /** `--device-certificate`: enrol this machine's key after a sign-in, and present its certificate. */
  deviceCertificate: boolean;
}

export const PLUGIN_COMMANDS = new Set(['credential', 'login', 'logout', 'status', 'kubeconfig']);

export const PLUGIN_USAGE = `kubectl credential plugin (also as: kubectl stepgate <command>):
  stepgate credential --issuer URL --client-id ID [--acr NAME=ACR]... [--stepgate URL] [--device] [--device-certificate] [--browser CMD]
                                              ExecCredential for kubectl (the users: exec entry runs this)
  stepgate login [--level NAME|ACR] [--device]    sign in now, at a level (e.g. before an on-call session)
                                              (with --device-certificate in the kubeconfig entry: enrols this machine)
  stepgate logout [--all]                      forget cached sign-ins
  stepgate status                              cached sign-ins: levels and ages (never the tokens)
  stepgate kubeconfig --issuer URL --client-id ID [--acr NAME=ACR]... [--name USER] [--device-certificate]
                                              print the kubeconfig users: entry
  Without --issuer, login/logout/status read the options from the current kubeconfig context's user.
  The browser command is --browser or STEPGATE_BROWSER (the URL is appended); the device grant is used
  with --device, or when no browser can be opened (SSH session, no display).`;

export async function runPlugin(command: string, args: string[], io: PluginIo): Promise<number> {
  const { values } = parse(args);
  if (command !== 'credential') await loadYaml();
  switch (command) {
    case 'credential':
      return credential(settings(values, io.env, true), io);
    case 'login':
      return login(settings(values, io.env, false), values.level, io);
    case 'logout':
      return logout(values, io);
    case 'status':
      return status(values, io);
    case 'kubeconfig':
      return kubeconfig(values, io);
    default:
      throw new PluginUsageError(`unknown command ${command}`);
  }
}

function settings(values: Values, env: NodeJS.ProcessEnv, exec: boolean): Settings {
  const v = values.issuer === undefined && !exec ? { ...fromKubeconfig(values, env), ...definedOnly(values) } : values;
  const { issuer, clientId, levels, timeoutSeconds } = credentialTarget(v);
  const browser = v.browser ?? envValue(env, 'browser');
  const scopes = v.scope ?? 'openid email groups';
  return {
    issuer,
    clientId,
    stepgate: v.stepgate,
    scopes,
    levels,
    deviceCertificate: v['device-certificate'] === true,
    signIn: {
      issuer,
      clientId,
      scopes,
      browser,
      device: v.device === true || (browser === undefined && noBrowser(env)),
      timeoutMs: timeoutSeconds * 1000,
    },
  };
}

function definedOnly(values: Values): Partial<Values> {
  return Object.fromEntries(Object.entries(values).filter(([, x]) => x !== undefined)) as Partial<Values>;
}

/** An SSH session, or a Linux/BSD desktop-less shell, has no browser to open. */
function noBrowser(env: NodeJS.ProcessEnv): boolean {
  if (env.SSH_CONNECTION || env.SSH_TTY) return true;
  if (process.platform === 'darwin' || process.platform === 'win32') return false;
  return !env.DISPLAY && !env.WAYLAND_DISPLAY;
}

/** The plugin's options from the kubeconfig user of the current (or given) context. */
function fromKubeconfig(values: Values, env: NodeJS.ProcessEnv): Partial<Values> {
  const path = values.kubeconfig ?? env.KUBECONFIG?.split(':').find(Boolean) ?? `${env.HOME ?? ''}/.kube/config`;
  let doc: KubeconfigDoc;
  try {
    doc = parseYamlJson(readFileSync(path, 'utf8'));
  } catch {
    return {};
  }
  const ctxName = values.context ?? doc['current-context'];
  const userName = doc.contexts?.find((c) => c.name === ctxName)?.context?.user;
  const args = doc.users?.find((u) => u.name === userName)?.user?.exec?.args;
  if (!Array.isArray(args)) return {};
  const at = args.indexOf('credential');
  if (at < 0) return {};
  try {
    return definedOnly(parse(args.slice(at + 1).map(String)).values);
  } catch {
    return {};
  }
}

interface KubeconfigDoc {
  'current-context'?: string;
  contexts?: { name: string; context?: { user?: string } }[];
  users?: { name: string; user?: { exec?: { args?: unknown[] } } }[];
}

/** kubeconfig is YAML; kubectl itself writes it, and the `yaml` package reads it (loaded only here). */
let yamlParse: ((s: string) => unknown) | undefined;
function parseYamlJson(text: string): KubeconfigDoc {
  if (!yamlParse) throw new Error('yaml not loaded');
  return yamlParse(text) as KubeconfigDoc;
}
export async function loadYaml(): Promise<void> {
  yamlParse ??= (await import('yaml')).parse;
}

// ---------------------------------------------------------------------------------------------

function store(s: Settings, level: string, r: SignInResult, now: number): CachedToken {
  return {
    issuer: s.issuer,
    client_id: s.clientId,
    level,
    id_token: r.idToken,
    refresh_token: level === '' ? r.refreshToken : undefined,
    expires_at: r.claims.exp,
    auth_time: r.claims.auth_time,
    acr: r.claims.acr,
    obtained_at: now,
  };
}

async function credential(s: Settings, io: PluginIo): Promise<number> {
  const cache = new TokenCache(cacheDir(io.env));
  const info = execInfo(io.env);
  const now = io.now();
  const a: Answering = { cache, issuer: s.issuer, clientId: s.clientId, info, ppid: io.ppid, start: parentStart(io.ppid), now: io.now, device: s.deviceCertificate };
  const served = (t: CachedToken) => {
    io.stdout(serve(a, t));
    return 0;
  };
  const tokens = cache.list(s.issuer, s.clientId);
  let refused: string | undefined;
  const previous = refusedToken(a, tokens, now);
  if (previous) {
    const url = challengeUrl(s, info);
    const answer = url ? await askChallenge(url, previous.id_token, info.ca) : { kind: 'error' as const, message: 'no stepgate URL (--stepgate, or provideClusterInfo: true)' };
    if (answer.kind === 'challenge') return stepUp(s, io, cache, answer.challenge, previous, served, info);
    if (answer.kind === 'invalid') {
      refused = tokenHash(previous.id_token);
      // stepgate accepts it no more (revoked key, and the like): an elevated sign-in is not kept to
      // be offered to the next command (and the fast path's file follows). The everyday entry
      // stays for its refresh token, and is replaced below.
      if (previous.level !== '') cache.remove(previous.issuer, previous.client_id, previous.level);
    }
    else if (answer.kind === 'error') io.stderr(`stepgate: could not ask stepgate why the request was refused: ${answer.message}`);
    // 'none': the 401 was not a stepgate step-up; the same token is all there is to offer.
    if (answer.kind !== 'invalid') return served(previous);
  }
  const ready = best(tokens, now, refused);
  if (ready) return served(ready);
  const everyday = tokens.find((t) => t.level === '');
  if (everyday?.refresh_token) {
    const r = await refresh(s.issuer, s.clientId, everyday.refresh_token).catch(() => undefined);
    if (r && r.claims.exp - SKEW_SECONDS > now) {
      const t = { ...store(s, '', r, now), refresh_token: r.refreshToken ?? everyday.refresh_token };
      cache.put(t);
      return served(t);
    }
  }
  const r = await signIn({ ...s.signIn, stderr: io.stderr }, {});
  const t = store(s, '', r, io.now());
  cache.put(t);
  await afterSignIn(s, io, cache, r, s.stepgate ?? info.server, info.ca);
  return served(t);
}

/**
 * Enrols (or renews) the machine's device certificate with a token just signed in for: only such
 * a token has the recent auth_time stepgate asks for. Never fails the command.
 */
async function afterSignIn(s: Settings, io: PluginIo, cache: TokenCache, r: SignInResult, base: string | undefined, ca: Buffer | undefined): Promise<void> {
  if (!s.deviceCertificate) return;
  try {
    await enrolDevice({ cache, issuer: s.issuer, clientId: s.clientId, base, ca, idToken: r.idToken, now: io.now(), stderr: io.stderr });
  } catch (err) {
    io.stderr(`stepgate: no device certificate: ${(err as Error).message}`);
  }
}

function challengeUrl(s: Settings, info: ExecInfo): string | undefined {
  const base = s.stepgate ?? info.server;
  if (!base) return undefined;
  return `${base.replace(/\/+$/, '')}/.stepgate/v1/challenge`;
}

async function stepUp(
  s: Settings,
  io: PluginIo,
  cache: TokenCache,
  c: Challenge,
  previous: CachedToken,
  served: (t: CachedToken) => number,
  info: ExecInfo,
): Promise<number> {
  const fresh = c.reason === 'auth_too_old' || c.reason === 'auth_time_missing';
  const needed = c.required_level ?? c.level;
  const what = [needed ? `level ${needed}` : undefined, c.max_age !== undefined ? `a sign-in within ${c.max_age}s` : undefined].filter(Boolean).join(' and ');
  // stepgate asks for the level the refused token had when it is still of use: said, so a prompt
  // for a hardware key on a two-factor command is not a surprise.
  const kept = c.required_level !== undefined && c.level !== undefined ? ` at ${c.level}, the level of your sign-in, to keep it` : '';
  io.stderr(`stepgate: this command needs ${what || 'a stronger sign-in'} (${c.reason}); signing in again${kept}…`);
  const ask = answering(c, io);
  try {
    const r = await signIn({ ...s.signIn, stderr: io.stderr }, { acrValues: c.acr_values, maxAge: c.max_age, promptLogin: fresh, ...(ask !== undefined ? { ask } : {}) });
    const t = store(s, c.acr_values ?? '', r, io.now());
    if (t.level === '') t.refresh_token = previous.level === '' ? (r.refreshToken ?? previous.refresh_token) : undefined;
    cache.put(t);
    await afterSignIn(s, io, cache, r, s.stepgate ?? info.server, info.ca);
    io.stderr(`stepgate: signed in${r.claims.acr ? ` (${r.claims.acr})` : ''}. kubectl already reported this attempt as refused: run the command again.`);
    return served(t);
  } catch (err) {
    const why = (err as Error).message;
    io.stderr(`stepgate: step-up not completed (${why}); your current sign-in is unchanged.`);
    return served(previous);
  }
}

/**
 * The ask this sign-in answers (risk/ask.ts), chosen for the kubectl command that ran the plugin
 * (its parent), and said: which command it signs in for, and, when the ask is a count's run, what
 * stepgate counted, so an engineer whose command did not make those requests does not sign in for
 * malware on their laptop. Undefined when stepgate listed no ask (an older stepgate, or another
 * replica answered): the sign-in then names none, as before.
 */
function answering(c: Challenge, io: PluginIo): string | undefined {
  const command = io.parentCommand !== undefined ? io.parentCommand() : parentCommand(io.ppid);
  const chosen = chooseAsk(c.asks ?? [], command);
  if (chosen === undefined) return undefined;
  const { ask, matched } = chosen;
  if (command !== undefined) io.stderr(matched ? `stepgate: signing in for: ${command.text}` : `stepgate: stepgate listed no refused request like ${command.text}; signing in for the newest one`);
  if (ask.counted !== undefined) {
    io.stderr(`stepgate: warning: this sign-in vouches for requests stepgate counted on your login: ${readableLine(ask.counted)}. If you did not run these, do not sign in: close the browser and tell your security team.`);
  }
  return ask.ask;
}

async function login(s: Settings, level: string | undefined, io: PluginIo): Promise<number> {
  await loadYaml();
  const cache = new TokenCache(cacheDir(io.env));
  const acr = level === undefined ? '' : (s.levels.get(level) ?? (level.includes(':') ? level : undefined));
  if (acr === undefined) {
    throw new PluginUsageError(`unknown level ${level}: use a level name given with --acr NAME=ACR (known: ${[...s.levels.keys()].join(', ') || 'none'}) or an acr value`);
  }
  let r: SignInResult;
  try {
    r = await signIn({ ...s.signIn, stderr: io.stderr }, acr === '' ? {} : { acrValues: acr, promptLogin: true });
  } catch (err) {
    // A wrong code at the identity provider, a cancel, a timeout or a refused code exchange: say
    // which, and that nothing changed (the cache is written only after a verified sign-in).
    io.stderr(`stepgate: sign-in not completed (${(err as Error).message}); nothing was cached, and your current sign-ins are unchanged.`);
    return 1;
  }
  cache.put(store(s, acr, r, io.now()));
  await afterSignIn(s, io, cache, r, s.stepgate, undefined);
  io.stderr(`stepgate: signed in${r.claims.acr ? ` at ${r.claims.acr}` : ''}; kubectl uses this sign-in until it expires (in ${Math.max(0, r.claims.exp - io.now())}s).`);
  return 0;
}

function logout(values: Values, io: PluginIo): number {
  const cache = new TokenCache(cacheDir(io.env));
  const v = values.all || values.issuer !== undefined ? values : { ...fromKubeconfig(values, io.env), ...definedOnly(values) };
  const tokens = values.all ? cache.list() : cache.list(v.issuer, v['client-id']);
  for (const t of tokens) {
    cache.remove(t.issuer, t.client_id, t.level);
    cache.clearServed(t.issuer, t.client_id);
    // The certificate names the subject signed out; the machine's key stays (it is the machine's).
    cache.removeDeviceCertificate(t.issuer, t.client_id);
  }
  io.stderr(`stepgate: forgot ${tokens.length} cached sign-in(s).`);
  return 0;
}

function status(values: Values, io: PluginIo): number {
  const cache = new TokenCache(cacheDir(io.env));
  const now = io.now();
  const tokens = cache.list(values.issuer, values['client-id']);
  if (tokens.length === 0) {
    io.stdout('no cached sign-ins\n');
    return 0;
  }
  const rows = [['ISSUER', 'CLIENT', 'ASKED FOR', 'ACR', 'SIGNED IN', 'EXPIRES', 'REFRESH']];
  for (const t of tokens.sort((a, b) => a.issuer.localeCompare(b.issuer) || a.level.localeCompare(b.level))) {
    rows.push([
      t.issuer,
      t.client_id,
      t.level === '' ? 'everyday' : t.level,
      t.acr ?? '-',
      t.auth_time !== undefined ? `${age(now - t.auth_time)} ago` : '-',
      t.expires_at > now ? `in ${age(t.expires_at - now)}` : 'expired',
      t.refresh_token ? 'yes' : 'no',
    ]);
  }
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  for (const r of rows) io.stdout(`${r.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd()}\n`);
  for (const p of cache.looseFiles()) io.stderr(`stepgate: warning: ${p} is readable by others; run chmod go= on it`);
  return 0;
}

function age(seconds: number): string {
  if (seconds < 120) return `${seconds}s`;
  if (seconds < 7200) return `${Math.floor(seconds / 60)}m`;
  return `${Math.floor(seconds / 3600)}h${Math.floor((seconds % 3600) / 60)}m`;
}

function kubeconfig(values: Values, io: PluginIo): number {
  if (!values.issuer || !values['client-id']) throw new PluginUsageError('kubeconfig needs --issuer and --client-id');
  const args = ['credential', `--issuer=${values.issuer}`, `--client-id=${values['client-id']}`];
  for (const a of values.acr ?? []) args.push(`--acr=${a}`);
  if (values.stepgate) args.push(`--stepgate=${values.stepgate}`);
  if (values.scope) args.push(`--scope=${values.scope}`);
  if (values.device) args.push('--device');
  if (values['device-certificate']) args.push('--device-certificate');
  const q = (s: string) => JSON.stringify(s);
  io.stdout(
    [
      'users:',
      `  - name: ${q(values.name ?? 'stepgate')}`,
      '    user:',
      '      exec:',
      '        apiVersion: client.authentication.k8s.io/v1',
      '        command: stepgate',
      '        args:',
      ...args.map((a) => `          - ${q(a)}`),
      // IfAvailable: the browser or device code works without stdin, so a pipe is fine too.
      '        interactiveMode: IfAvailable',
      // The cluster's address and CA let the plugin ask stepgate (through the same gateway) about a 401.
      '        provideClusterInfo: true',
      '',
    ].join('\n'),
  );
  return 0;
}
