import { createHash } from 'node:crypto';
import type { Identity } from '../core/identity.js';
import { reasonKind } from '../core/reasons.js';
import type { Verdict } from '../decision/verdict.js';
import type { ChallengeStore } from '../state/store.js';
import type { Runtime } from './runtime.js';

/**
 * Remembering step-up challenges for the kubectl credential plugin (issue 13). client-go re-runs
 * the plugin after a 401 but never shows it the WWW-Authenticate header, so the plugin asks
 * stepgate (`GET /.stepgate/v1/challenge`, same Bearer token) what the last challenge for this
 * credential said. Records are keyed by a hash of the token and hold only what the challenge
 * header already told the client: level, acr_values, max_age, reason and rule names.
 */
export interface RememberedChallenge {
  reason: string;
  /**
   * Level name to sign in at: the one the request needs, or the presented token's own when the
   * challenge keeps it (Verdict.signIn; then `required_level` names the one the request needs).
   */
  level: string | undefined;
  /** Space-separated acr values of that level (RFC 9470 `acr_values`). */
  acr_values: string | undefined;
  /** The level the request needs, when below `level`; absent otherwise. */
  required_level?: string | undefined;
  max_age: number | undefined;
  rules: readonly string[];
  /** Seconds since the epoch. */
  issued_at: number;
  /**
   * The open asks of this token (risk/ask.ts), newest first, at most MAX_ASKS, as this process
   * answered them: the request each was for and, for a count's run, what was counted. The
   * credential plugin signs in naming the one its own command got (its nonce), and warns when
   * that ask was counted for requests its command did not make.
   */
  asks?: readonly AskRecord[];
}

/** One step-up asked of a token, as the credential plugin is told about it. */
export interface AskRecord {
  ask: string;
  /** The request it was asked for: kube verb, resource (with subresource), namespace and name ('' none). */
  request: { verb: string; resource: string; namespace: string; name: string } | undefined;
  /** For a count's run: what was counted ("24 sensitive objects touched since 11:00:30Z"). */
  counted?: string;
  /** Seconds since the epoch. */
  at: number;
}

/** How many asks of one token a record keeps: a command's, and the runs it was caught in. */
const MAX_ASKS = 8;

/** The store key for a credential: never the credential itself. */
export function credentialKey(token: string): string {
  return `bearer:${createHash('sha256').update(token, 'utf8').digest('base64url')}`;
}

/** Wraps a verdict so a step-up challenge is remembered off the response path. */
export function noteChallenge(rt: Runtime, token: string, v: Verdict | Promise<Verdict>): Verdict | Promise<Verdict> {
  if (v instanceof Promise) {
    return v.then((x) => {
      remember(rt, token, x);
      return x;
    });
  }
  remember(rt, token, v);
  return v;
}

/**
 * The last record this process wrote for a verified identity (one cached Identity object per
 * token, found by reference): a repeat of the same challenge within the same second would write
 * the very same bytes (issued_at is in seconds), so it is not written again. The record is then
 * kept from the first write of that second, at most a second less than its TTL.
 */
interface Written {
  readonly store: ChallengeStore;
  /** The token it was written for (compared, so a shared Identity object could never skip another token's write). */
  readonly token: string;
  /** credentialKey(token), hashed once per identity rather than per challenge. */
  readonly key: string;
  readonly data: RememberedChallenge;
  readonly ttlMs: number;
  /** When it was written (the caller's clock, ms). */
  readonly at: number;
}

const written = new WeakMap<Identity, Written>();

function remember(rt: Runtime, token: string, v: Verdict): void {
  const store = rt.challenges;
  const r = v.requirement;
  const who = v.identity;
  // Only a valid token that is too weak or too old: an invalid token has nothing to step up from,
  // and an approval-gated automation identity cannot step up at all.
  if (store === undefined || v.allow || who === undefined || r === undefined || r.deny || v.approval !== undefined) return;
  if (reasonKind(v.reason) !== 'step_up') return;
  const now = rt.now();
  const issuedAt = Math.floor(now / 1000);
  const asked = v.signIn ?? r.level;
  const level = asked >= 0 ? rt.assurance.names[asked] : undefined;
  const acrValues = asked >= 0 ? rt.assurance.acrValues(asked) : undefined;
  const requiredLevel = v.signIn !== undefined && r.level >= 0 ? rt.assurance.names[r.level] : undefined;
  const ttlMs = rt.config.kubernetes.challenge_ttl_seconds * 1000;
  const last = written.get(who);
  if (last !== undefined && last.token === token && last.store === store && last.ttlMs === ttlMs) {
    const d = last.data;
    // The same bytes (same second, same challenge), and most of the TTL still ahead of it.
    if (
      d.issued_at === issuedAt &&
      now - last.at < ttlMs / 2 &&
      d.reason === v.reason &&
      d.level === level &&
      d.acr_values === acrValues &&
      d.required_level === requiredLevel &&
      d.max_age === r.maxAge &&
      sameList(d.rules, r.rules) &&
      d.asks?.[0]?.ask === v.risk?.context?.ask
    ) {
      return;
    }
  }
  const asks = asksOf(v, issuedAt, last !== undefined && last.token === token && now - last.at < ttlMs ? last.data.asks : undefined);
  const record: RememberedChallenge = {
    reason: v.reason,
    level,
    acr_values: acrValues,
    ...(requiredLevel !== undefined ? { required_level: requiredLevel } : {}),
    max_age: r.maxAge,
    rules: r.rules,
    issued_at: issuedAt,
    ...(asks !== undefined ? { asks } : {}),
  };
  const key = last !== undefined && last.token === token ? last.key : credentialKey(token);
  const note: Written = { store, token, key, data: record, ttlMs, at: now };
  written.set(who, note);
  // A write that failed is not skipped again: the next challenge tries anew.
  const forget = () => {
    if (written.get(who) === note) written.delete(who);
  };
  try {
    // A lost record only costs the plugin its automatic step-up; the answer never waits for it.
    store.remember(key, JSON.stringify(record), ttlMs, now).catch(forget);
  } catch {
    // Same: never on the answer's path.
    forget();
  }
}

/**
 * The asks to remember: this verdict's (its request's, then the run it is part of), then the ones
 * this process remembered for the same token before, newest first. Kept per process: another
 * replica's asks of the token are not listed, and the plugin then signs in for this one.
 */
export function asksOf(v: Verdict, at: number, before: readonly AskRecord[] | undefined): readonly AskRecord[] | undefined {
  const cx = v.risk?.context;
  if (cx?.ask === undefined) return before;
  const k = v.attributes?.kube;
  const request = k === undefined ? undefined : { verb: k.verb, resource: k.subresource === '' ? k.resource : `${k.resource}/${k.subresource}`, namespace: k.namespace, name: k.name };
  const mine: AskRecord[] = [{ ask: cx.ask, request, ...(cx.run !== undefined && cx.run.ask === cx.ask ? { counted: cx.run.counted } : {}), at }];
  if (cx.run !== undefined && cx.run.ask !== cx.ask) mine.push({ ask: cx.run.ask, request: undefined, counted: cx.run.counted, at });
  const out = [...mine];
  for (const a of before ?? []) {
    if (out.length >= MAX_ASKS) break;
    if (!out.some((x) => x.ask === a.ask)) out.push(a);
  }
  return out;
}

function sameList(a: readonly string[], b: readonly string[]): boolean {
  if (a === b) return true;
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** The last challenge for `token`, or undefined; rejects with StateUnavailableError when the store is down. */
export async function lastChallenge(rt: Runtime, token: string): Promise<RememberedChallenge | undefined> {
  const store = rt.challenges;
  if (store === undefined) return undefined;
  const rec = await store.get(credentialKey(token), rt.now());
  if (rec === undefined) return undefined;
  try {
    return JSON.parse(rec.data) as RememberedChallenge;
  } catch {
    return undefined;
  }
}
