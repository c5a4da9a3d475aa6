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
    // The question carries the user's ID token, a credential the cluster accepts: over plain http
    // only to this machine, as signin.ts allows an http issuer only on loopback. Elsewhere anyone
    // on the path would read it (and answer with a challenge of their own).
    if (u.protocol === 'http:' && !isLoopbackHost(u.hostname)) {
      resolve({ kind: 'error', message: `not sending the token over plain http to ${u.host}: use https (--stepgate, or the cluster's server)` });
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
            if (!wellFormedChallenge(c)) return resolve({ kind: 'error', message: 'stepgate sent a malformed challenge' });
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

/**
 * The challenge as stepgate writes it (pipeline/challenge.ts): a reason code, level names as the
 * config allows them, acr values, a max_age in seconds. The plugin prints these to the user's
 * terminal and sends acr_values and max_age to the identity provider, so anything else (a control
 * character that rewrites the terminal, a negative max_age) is an answer from something that is
 * not stepgate, and the current token is kept.
 */
function wellFormedChallenge(c: Challenge): boolean {
  const level = (v: unknown) => v === undefined || (typeof v === 'string' && LEVEL.test(v));
  return (
    typeof c.reason === 'string' &&
    REASON.test(c.reason) &&
    level(c.level) &&
    level(c.required_level) &&
    (c.acr_values === undefined || (typeof c.acr_values === 'string' && ACR_VALUES.test(c.acr_values))) &&
    (c.max_age === undefined || (Number.isSafeInteger(c.max_age) && c.max_age >= 0))
  );
}

const REASON = /^[a-z][a-z0-9_]{0,63}$/;
/** config/schema/assurance.ts levelSchema's name. */
const LEVEL = /^[A-Za-z0-9_.:-]{1,64}$/;
/** Space-separated printable ASCII values (RFC 9470 acr_values). */
const ACR_VALUES = /^[\x21-\x7e]{1,512}(?: [\x21-\x7e]{1,512}){0,15}$/;

function isLoopbackHost(hostname: string): boolean {
  return hostname === 'localhost' || hostname === '[::1]' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(hostname);
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
