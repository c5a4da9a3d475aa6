import { Buffer } from 'node:buffer';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { OpenAsk } from './ask-choice.js';

/** What stepgate remembers about the last challenge it answered a credential with. */
export interface Challenge {
  reason: string;
  /** The level to sign in at (acr_values are its values). */
  level?: string;
  acr_values?: string;
  /** The level the command needs, when stepgate asks for more to keep the sign-in's own level. */
  required_level?: string;
  max_age?: number;
  rules?: string[];
  /** The token's open asks, newest first (pipeline/challenge.ts AskRecord): the plugin signs in naming one. */
  asks?: OpenAsk[];
}

export type ChallengeAnswer =
  | { kind: 'challenge'; challenge: Challenge }
  | { kind: 'none' }
  /** stepgate does not accept the token at all (expired, revoked key…): signing in again is the answer. */
  | { kind: 'invalid' }
  | { kind: 'error'; message: string };

/**
 * `GET <stepgate>/.stepgate/v1/challenge` with the token the 401 was for. `ca` is the cluster's CA
 * bundle from KUBERNETES_EXEC_INFO when stepgate is reached through the API server's address.
 */
export function askChallenge(url: string, token: string, ca: Buffer | undefined, timeoutMs = 10_000): Promise<ChallengeAnswer> {
  return new Promise((resolve) => {
    let u: URL;
    try {
      u = new URL(url);
    } catch {
      resolve({ kind: 'error', message: `not a URL: ${url}` });
      return;
    }
    const send = u.protocol === 'https:' ? httpsRequest : u.protocol === 'http:' ? httpRequest : undefined;
    if (!send) {
      resolve({ kind: 'error', message: `unsupported scheme in ${url}` });
      return;
    }
    const req = send(
      u,
      { method: 'GET', headers: { authorization: `Bearer ${token}`, accept: 'application/json' }, timeout: timeoutMs, ...(ca && u.protocol === 'https:' ? { ca } : {}) },
      (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (c: Buffer) => {
          size += c.length;
          if (size <= 64 * 1024) chunks.push(c);
        });
        res.on('end', () => {
          if (res.statusCode === 401) return resolve({ kind: 'invalid' });
          if (res.statusCode !== 200) return resolve({ kind: 'error', message: `stepgate answered HTTP ${res.statusCode}` });
          try {
            const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { challenge?: Challenge | null };
            const c = body.challenge;
            if (c === null || c === undefined) return resolve({ kind: 'none' });
            if (typeof c.reason !== 'string' || (c.acr_values !== undefined && typeof c.acr_values !== 'string') || (c.required_level !== undefined && typeof c.required_level !== 'string') || (c.max_age !== undefined && !Number.isInteger(c.max_age))) {
              return resolve({ kind: 'error', message: 'stepgate sent a malformed challenge' });
            }
            // Asks that are not as stepgate writes them are dropped: the sign-in is then unbound, as before.
            const asks = Array.isArray(c.asks) ? c.asks.filter(wellFormed) : undefined;
            resolve({ kind: 'challenge', challenge: { ...c, asks } });
          } catch {
            resolve({ kind: 'error', message: 'stepgate sent a body that is not JSON' });
          }
        });
        res.on('error', (err) => resolve({ kind: 'error', message: err.message }));
      },
    );
    req.on('timeout', () => req.destroy(new Error(`no answer from ${u.origin} within ${timeoutMs} ms`)));
    req.on('error', (err) => resolve({ kind: 'error', message: err.message }));
    req.end();
  });
}

function wellFormed(a: unknown): a is OpenAsk {
  if (typeof a !== 'object' || a === null) return false;
  const x = a as Record<string, unknown>;
  if (typeof x.ask !== 'string' || !/^[0-9a-z]+[ro][A-Za-z0-9_-]+$/.test(x.ask)) return false;
  if (x.counted !== undefined && typeof x.counted !== 'string') return false;
  const r = x.request as Record<string, unknown> | undefined | null;
  if (r === undefined || r === null) return true;
  return typeof r === 'object' && ['verb', 'resource', 'namespace', 'name'].every((k) => typeof r[k] === 'string');
}
