import { chmodSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
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
    this.ensureDir();
    const path = join(this.dir, name);
    const tmp = `${path}.${tmpSuffix()}.tmp`;
    writeFileSync(tmp, JSON.stringify(value), { mode: 0o600, flag: 'wx' });
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
    this.write(this.tokenFile(t.issuer, t.client_id, t.level), stored);
  }

  remove(issuer: string, clientId: string, level: string): void {
    rmSync(join(this.dir, this.tokenFile(issuer, clientId, level)), { force: true });
  }

  /** Every cached token (for `status` and `logout`), optionally for one issuer and client. */
  list(issuer?: string, clientId?: string): CachedToken[] {
    let names: string[];
    try {
      names = readdirSync(this.dir);
    } catch {
      return [];
    }
    const out: CachedToken[] = [];
    for (const n of names) {
      if (!n.startsWith('token-') || !n.endsWith('.json')) continue;
      const t = this.read<CachedToken>(n);
      if (!t || typeof t.id_token !== 'string') continue;
      if (issuer !== undefined && t.issuer !== issuer) continue;
      if (clientId !== undefined && t.client_id !== clientId) continue;
      out.push(t);
    }
    return out;
  }

  served(issuer: string, clientId: string): ServedMarker | undefined {
    return this.read<ServedMarker>(`served-${fileKey(issuer, clientId)}.json`);
  }

  markServed(issuer: string, clientId: string, m: ServedMarker): void {
    this.write(`served-${fileKey(issuer, clientId)}.json`, m);
  }

  clearServed(issuer: string, clientId: string): void {
    rmSync(join(this.dir, `served-${fileKey(issuer, clientId)}.json`), { force: true });
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
