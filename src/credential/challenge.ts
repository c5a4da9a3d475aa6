import { Buffer } from 'node:buffer';
import type { OpenAsk } from './ask-choice.js';
import { readableLine } from '../core/readable.js';
import { requestStepgate } from './stepgate-request.js';

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
export async function askChallenge(url: string, token: string, ca: Buffer | undefined, timeoutMs = 10_000): Promise<ChallengeAnswer> {
  const r = await requestStepgate(url, { method: 'GET', token, ca, timeoutMs });
  if (r.kind === 'error') return r;
  if (r.status === 401) return { kind: 'invalid' };
  if (r.status !== 200) return { kind: 'error', message: refusal(r.status, r.text) };
  try {
    const body = JSON.parse(r.text) as { challenge?: Challenge | null };
    const c = body.challenge;
    if (c === null || c === undefined) return { kind: 'none' };
    if (!wellFormedChallenge(c)) return { kind: 'error', message: 'stepgate sent a malformed challenge' };
    // Asks that are not as stepgate writes them are dropped: the sign-in is then unbound, as before.
    const asks = Array.isArray(c.asks) ? c.asks.filter(wellFormed) : undefined;
    return { kind: 'challenge', challenge: { ...c, asks } };
  } catch {
    return { kind: 'error', message: 'stepgate sent a body that is not JSON' };
  }
}

/**
 * What a refusal of the question says, for the user's terminal: stepgate's reason and sentence
 * when it sent them (an account outside its access window is told the window's message), shown
 * with controls escaped and the sentence cut to 300 characters; else the status alone.
 */
function refusal(status: number, text: string): string {
  try {
    const b = JSON.parse(text) as { reason?: unknown; message?: unknown };
    if (typeof b.reason === 'string' && REASON.test(b.reason)) {
      const said = typeof b.message === 'string' && b.message !== '' ? `: ${readableLine(b.message.slice(0, 300))}` : '';
      return `stepgate refused (${b.reason})${said}`;
    }
  } catch {
    // Not stepgate's JSON: the status is all there is to say.
  }
  return `stepgate answered HTTP ${status}`;
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

function wellFormed(a: unknown): a is OpenAsk {
  if (typeof a !== 'object' || a === null) return false;
  const x = a as Record<string, unknown>;
  if (typeof x.ask !== 'string' || !/^[0-9a-z]+[ro][A-Za-z0-9_-]+$/.test(x.ask)) return false;
  if (x.counted !== undefined && typeof x.counted !== 'string') return false;
  const r = x.request as Record<string, unknown> | undefined | null;
  if (r === undefined || r === null) return true;
  return typeof r === 'object' && ['verb', 'resource', 'namespace', 'name'].every((k) => typeof r[k] === 'string');
}
