import { chmodSync, closeSync, fstatSync, mkdirSync, openSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
// node:crypto costs the cached path about 7 ms of CPU (measured against `node -e ''`); a hand-written
// hash would save that, but security software keeps its cryptography in the platform's library.
import { createHash } from 'node:crypto';

/**
 * The plugin's token cache: one file per issuer, client and level under the user's cache
 * directory (`$XDG_CACHE_HOME/stepgate`, else `~/.cache/stepgate`). The directory is 0700 and
 * every file 0600, written to a temporary name and renamed so a reader never sees half a file.
 * Tokens are never printed or logged; `status` shows levels and ages only.
 *
 * CommonJS, with node:fs, node:path and node:os only: kubectl's cached path (cached.cts) reads and
 * writes this cache before every command, and must not pay for the ES-module loader or node:crypto.
 *
 * Beside the tokens, a `fast-*.txt` file per issuer and client holds the cache precomputed for
 * the `stepgate` command's POSIX sh front (fast-path.sh), which answers kubectl without starting
 * Node: the tokens in the order the plugin prefers them, with their expiry and the ExecCredential
 * text. Every change to the cache rewrites it (syncFast); see fastText for its format.
 *
 * `level` is the `acr_values` the sign-in asked for; '' is the everyday sign-in (no acr_values).
 * Only the everyday entry keeps a refresh token: a refresh is not a fresh authentication, so an
 * elevated token that expires is signed in again, never refreshed.
 */
export interface CachedToken {
  issuer: string;
  client_id: string;
  level: string;
  id_token: string;
  refresh_token?: string;
  /** Seconds since the epoch, from the ID token. */
  expires_at: number;
  auth_time?: number;
  acr?: string;
  /** Seconds since the epoch. */
  obtained_at: number;
}

/** Which kubectl process the plugin last answered, to recognise client-go's re-run after a 401. */
export interface ServedMarker {
  ppid: number;
  /** The parent's start time (Linux /proc), so a reused pid is not mistaken for the same kubectl. */
  parent_start: string;
  /** Hash of the token handed to that process (never the token). */
  token_hash: string;
  /** Seconds since the epoch. */
  at: number;
}

/** A token is offered only with this much life left, so it cannot expire on its way. */
export const SKEW_SECONDS = 30;

/**
 * The order in which the plugin offers tokens: elevated sign-ins newest first, then the everyday
 * one; the first of them still live is the answer (cached.cts's best). One function, so that the
 * fast path's precomputed order and the Node path's choice cannot drift apart.
 */
export function preferenceOrder(tokens: CachedToken[]): CachedToken[] {
  const elevated = tokens.filter((t) => t.level !== '').sort((a, b) => b.obtained_at - a.obtained_at);
  return [...elevated, ...tokens.filter((t) => t.level === '')];
}

/**
 * A device certificate stepgate issued for this machine's key (`--device-certificate`), for one
 * issuer and client: the certificate names the subject of the sign-in that enrolled it.
 */
export interface DeviceCertificate {
  issuer: string;
  client_id: string;
  /** PEM. */
  certificate: string;
  device_id: string;
  /** Seconds since the epoch. */
  not_after: number;
  /** Seconds since the epoch. */
  obtained_at: number;
}

/** What the ExecCredential carries beside the token: client-go presents it in the TLS handshake. */
export interface DeviceCredential {
  certificate: string;
  key: string;
  /** Seconds since the epoch. */
  notAfter: number;
}

/** The machine's key: one per cache directory, made once, never rewritten (wx). */
export const DEVICE_KEY_FILE = 'device-key.pem';

/**
 * The ExecCredential JSON (without the newline) that client-go reads. With a device credential,
 * client-go's `clientCertificateData` and `clientKeyData` (PEM) too, and the credential expires
 * when the first of the two does, so kubectl asks again rather than present an expired certificate.
 */
export function execCredentialJson(apiVersion: string, t: CachedToken, device?: DeviceCredential): string {
  const until = Math.min(t.expires_at, device?.notAfter ?? Infinity) - SKEW_SECONDS;
  return JSON.stringify({
    apiVersion,
    kind: 'ExecCredential',
    status: {
      token: t.id_token,
      expirationTimestamp: new Date(until * 1000).toISOString(),
      ...(device ? { clientCertificateData: device.certificate, clientKeyData: device.key } : {}),
    },
  });
}

/** First line of the fast path's file; fast-path.sh declines any other version. */
export const FAST_HEADER = 'stepgate-fast-path 1';

const TOKEN_FILE = /^token-.*\.json$/;

/**
 * The fast path's file for one issuer and client (`tokens` in list order, `names` their files;
 * `count` all token files in the directory), or undefined when sh could not be given it exactly:
 *
 *   stepgate-fast-path 1
 *   issuer <issuer>                 compared with --issuer (sh finds the file by these two lines)
 *   client <client id>              compared with --client-id
 *   served <file>                   the re-run marker's file name (servedFile)
 *   tokens <n>                      token-*.json files in the directory when written: another
 *                                   count means the cache changed behind this file's back
 *   file <name>                     each of this pair's token files: all must still exist, none
 *                                   changed after this file (syncFast rewrites it then)
 *   hash <hash> <live until>        the first token with each hash, in list order (refusedToken)
 *   token <live until> <hash> <json>  in preference order; <json> is the ExecCredential after
 *                                   its apiVersion member, which sh puts back from the exec info
 *
 * `live until` is expires_at − SKEW_SECONDS: a token is offered while it is greater than now.
 */
export function fastText(issuer: string, clientId: string, tokens: CachedToken[], names: string[], count: number, served: string): string | undefined {
  if (tokens.length === 0 || /\n/.test(issuer + clientId)) return undefined;
  if (!tokens.every((t) => Number.isSafeInteger(t.expires_at) && Number.isFinite(t.obtained_at) && Number.isFinite(new Date((t.expires_at - SKEW_SECONDS) * 1000).getTime()))) return undefined;
  const head = '{"apiVersion":"",';
  const lines = [FAST_HEADER, `issuer ${issuer}`, `client ${clientId}`, `served ${served}`, `tokens ${count}`, ...names.map((n) => `file ${n}`)];
  const seen = new Set<string>();
  for (const t of tokens) {
    const h = tokenHash(t.id_token);
    if (!seen.has(h)) lines.push(`hash ${h} ${t.expires_at - SKEW_SECONDS}`);
    seen.add(h);
  }
  for (const t of preferenceOrder(tokens)) {
    const json = execCredentialJson('', t);
    if (!json.startsWith(head)) return undefined;
    lines.push(`token ${t.expires_at - SKEW_SECONDS} ${tokenHash(t.id_token)} ${json.slice(head.length)}`);
  }
  return `${lines.join('\n')}\n`;
}

export function cacheDir(env: NodeJS.ProcessEnv): string {
  const base = env.XDG_CACHE_HOME && env.XDG_CACHE_HOME.startsWith('/') ? env.XDG_CACHE_HOME : join(env.HOME || homedir(), '.cache');
  return join(base, 'stepgate');
}

export function tokenHash(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('base64url').slice(0, 32);
}

const fileKeys = new Map<string, string>();
function fileKey(...parts: string[]): string {
  const joined = parts.join('\0');
  let key = fileKeys.get(joined);
  if (key === undefined) fileKeys.set(joined, (key = createHash('sha256').update(joined, 'utf8').digest('hex').slice(0, 32)));
  return key;
}

function deviceFile(issuer: string, clientId: string): string {
  return `device-${fileKey(issuer, clientId)}.json`;
}

function servedFile(issuer: string, clientId: string): string {
  return `served-${fileKey(issuer, clientId)}.json`;
}

/** The file's text when it exists and only its owner may read it; else undefined. */
function readPrivate(path: string): string | undefined {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch {
    return undefined;
  }
  try {
    return (fstatSync(fd).mode & 0o077) === 0 ? readFileSync(fd, 'utf8') : undefined;
  } finally {
    closeSync(fd);
  }
}

/** Temporary names only need to differ between writers: the directory is the user's own (0700). */
let written = 0;
function tmpSuffix(): string {
  return `${process.pid}-${Date.now().toString(36)}-${(written++).toString(36)}`;
}

export class TokenCache {
  constructor(private readonly dir: string) {}

  private ensureDir(): void {
    mkdirSync(this.dir, { recursive: true, mode: 0o700 });
    // mkdir's mode is masked by umask and ignored for an existing directory: set it outright.
    chmodSync(this.dir, 0o700);
  }

  private write(name: string, value: unknown): void {
    this.writeText(name, JSON.stringify(value));
  }

  private writeText(name: string, text: string): void {
    this.ensureDir();
    const path = join(this.dir, name);
    const tmp = `${path}.${tmpSuffix()}.tmp`;
    writeFileSync(tmp, text, { mode: 0o600, flag: 'wx' });
    renameSync(tmp, path);
  }

  private read<T>(name: string): T | undefined {
    try {
      return JSON.parse(readFileSync(join(this.dir, name), 'utf8')) as T;
    } catch {
      return undefined;
    }
  }

  private tokenFile(issuer: string, clientId: string, level: string): string {
    return `token-${fileKey(issuer, clientId, level)}.json`;
  }

  get(issuer: string, clientId: string, level: string): CachedToken | undefined {
    const t = this.read<CachedToken>(this.tokenFile(issuer, clientId, level));
    return t && t.issuer === issuer && t.client_id === clientId && t.level === level && typeof t.id_token === 'string' ? t : undefined;
  }

  put(t: CachedToken): void {
    // The rule holds whatever the caller passed: no refresh token above the everyday level.
    const stored = t.level === '' ? t : { ...t, refresh_token: undefined };
    // The fast path's file goes first: should rewriting it fail below, sh finds none and declines
    // rather than serving what the cache held before.
    this.dropFast(t.issuer, t.client_id);
    this.write(this.tokenFile(t.issuer, t.client_id, t.level), stored);
    this.syncFast(t.issuer, t.client_id);
  }

  remove(issuer: string, clientId: string, level: string): void {
    this.dropFast(issuer, clientId);
    rmSync(join(this.dir, this.tokenFile(issuer, clientId, level)), { force: true });
    this.syncFast(issuer, clientId);
  }

  /** Every cached token (for `status` and `logout`), optionally for one issuer and client. */
  list(issuer?: string, clientId?: string): CachedToken[] {
    return this.entries(issuer, clientId).tokens;
  }

  /** list() with each token's file name, and the number of token files in the directory. */
  private entries(issuer?: string, clientId?: string): { tokens: CachedToken[]; names: string[]; count: number } {
    let all: string[];
    try {
      all = readdirSync(this.dir);
    } catch {
      return { tokens: [], names: [], count: 0 };
    }
    const tokens: CachedToken[] = [];
    const names: string[] = [];
    let count = 0;
    for (const n of all) {
      if (!TOKEN_FILE.test(n)) continue;
      count++;
      const t = this.read<CachedToken>(n);
      if (!t || typeof t.id_token !== 'string') continue;
      if (issuer !== undefined && t.issuer !== issuer) continue;
      if (clientId !== undefined && t.client_id !== clientId) continue;
      tokens.push(t);
      names.push(n);
    }
    return { tokens, names, count };
  }

  /** The machine's device key (PKCS#8 PEM), when it exists and only its owner may read it. */
  deviceKey(): string | undefined {
    return readPrivate(join(this.dir, DEVICE_KEY_FILE));
  }

  /**
   * Stores `pem` as the machine's key unless one exists (another plugin run made it first):
   * returns the key in effect. Written 0600 with wx, so an existing key is never replaced.
   */
  createDeviceKey(pem: string): string | undefined {
    this.ensureDir();
    try {
      writeFileSync(join(this.dir, DEVICE_KEY_FILE), pem, { mode: 0o600, flag: 'wx' });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    return this.deviceKey();
  }

  deviceCertificate(issuer: string, clientId: string): DeviceCertificate | undefined {
    const c = this.read<DeviceCertificate>(deviceFile(issuer, clientId));
    return c && c.issuer === issuer && c.client_id === clientId && typeof c.certificate === 'string' && Number.isSafeInteger(c.not_after) ? c : undefined;
  }

  putDeviceCertificate(c: DeviceCertificate): void {
    this.write(deviceFile(c.issuer, c.client_id), c);
  }

  removeDeviceCertificate(issuer: string, clientId: string): void {
    rmSync(join(this.dir, deviceFile(issuer, clientId)), { force: true });
  }

  /** The certificate and key to present, while the certificate has SKEW_SECONDS left; else undefined. */
  deviceCredential(issuer: string, clientId: string, now: number): DeviceCredential | undefined {
    const c = this.deviceCertificate(issuer, clientId);
    if (c === undefined || c.not_after - SKEW_SECONDS <= now) return undefined;
    const key = this.deviceKey();
    return key === undefined ? undefined : { certificate: c.certificate, key, notAfter: c.not_after };
  }

  served(issuer: string, clientId: string): ServedMarker | undefined {
    return this.read<ServedMarker>(servedFile(issuer, clientId));
  }

  markServed(issuer: string, clientId: string, m: ServedMarker): void {
    this.write(servedFile(issuer, clientId), m);
  }

  clearServed(issuer: string, clientId: string): void {
    rmSync(join(this.dir, servedFile(issuer, clientId)), { force: true });
  }

  /** Whether any of these token files changed after `path` was written (fast-path.sh declines then). */
  private newerThan(names: string[], path: string): boolean {
    const written = statSync(path, { bigint: true }).mtimeNs;
    return names.some((n) => statSync(join(this.dir, n), { bigint: true }).mtimeNs > written);
  }

  private dropFast(issuer: string, clientId: string): void {
    rmSync(join(this.dir, `fast-${fileKey(issuer, clientId)}.txt`), { force: true });
  }

  /**
   * Brings the fast path's file for this issuer and client in line with the cache: written when
   * it differs (or is missing, or someone loosened its mode), removed when there is nothing sh
   * could answer. Another process may change the cache meanwhile, so the result is checked
   * against a fresh listing and written again until the two agree; a file that cannot be settled
   * is removed, which only makes sh hand over to Node. Never throws: the file only saves time.
   */
  syncFast(issuer: string, clientId: string): void {
    const name = `fast-${fileKey(issuer, clientId)}.txt`;
    const path = join(this.dir, name);
    try {
      for (let round = 0; round < 4; round++) {
        const { tokens, names, count } = this.entries(issuer, clientId);
        const want = fastText(issuer, clientId, tokens, names, count, servedFile(issuer, clientId));
        const have = readPrivate(path);
        if (want === have && !this.newerThan(names, path)) return;
        if (want === undefined) rmSync(path, { force: true });
        else this.writeText(name, want);
      }
      rmSync(path, { force: true });
    } catch {
      try {
        rmSync(path, { force: true });
      } catch {
        // put() and remove() dropped it before changing the cache, so what is left is not stale.
      }
    }
  }

  /** The directory's and files' modes, for `status` to warn when someone loosened them. */
  looseFiles(): string[] {
    const loose: string[] = [];
    try {
      if ((statSync(this.dir).mode & 0o077) !== 0) loose.push(this.dir);
      for (const n of readdirSync(this.dir)) {
        const p = join(this.dir, n);
        if ((statSync(p).mode & 0o077) !== 0) loose.push(p);
      }
    } catch {
      // No cache yet.
    }
    return loose;
  }
}
