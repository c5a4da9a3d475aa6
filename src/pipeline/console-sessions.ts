import type { Identity } from '../core/identity.js';
import { consoleSessionValues } from '../request/credentials.js';
import type { ConsoleSessionStore } from '../state/store.js';

/**
 * OpenShift's web console sends the API server the token of its own session (its
 * `openshift-session-token` cookie, request/credentials.ts) and never reads Authorization, while
 * stepgate judges the caller by its own credential (in a browser, its session cookie). Nothing in
 * one request ties the two together, so a stolen console cookie carried beside the attacker's
 * own stepgate sign-in would act on the API server as the victim, judged as the attacker.
 *
 * The tie is made over time instead: the first stepgate identity that presents a console cookie
 * value owns it until `kubernetes.console_session_seconds` after (the console session's own
 * lifetime), and the same value under any other identity is `credential_ambiguous`. The victim
 * presents their cookie with their own sign-in from the moment the console sets it, so a thief
 * comes second. The store keeps hashes of the cookie and the subject, never either.
 *
 * A request without a console cookie costs one regular-expression test and nothing else: no
 * store call, no hash, no allocation.
 */
export interface ConsoleRefusal {
  reason: 'credential_ambiguous' | 'state_unavailable';
  detail: string;
}

export interface ConsoleSessionOptions {
  /** The shared store's bindings; undefined (a test double without them): every console request refuses. */
  store: ConsoleSessionStore | undefined;
  /** Local bindings while the shared store is down with `state.on_state_error: degrade`. */
  fallback: ConsoleSessionStore | undefined;
  onStateError: 'fail_closed' | 'degrade';
  ttlMs: number;
  /** Told about every store failure; must not throw. */
  onStoreError?: ((err: unknown) => void) | undefined;
}

export class ConsoleSessions {
  constructor(private readonly o: ConsoleSessionOptions) {}

  /**
   * Undefined when the request may go on: no console cookie, or every one bound to `who`. Settles
   * within the store's timeout; never rejects.
   */
  check(cookie: string | undefined, who: Identity, nowMs: number): ConsoleRefusal | undefined | Promise<ConsoleRefusal | undefined> {
    const values = consoleSessionValues(cookie);
    if (values.length === 0) return undefined;
    const store = this.o.store;
    if (store === undefined) return { reason: 'state_unavailable', detail: 'no store keeps the OpenShift console session bindings' };
    const owner = ownerOf(who);
    let answers: (boolean | Promise<boolean>)[];
    try {
      answers = values.map((v) => store.bind(v, owner, this.o.ttlMs, nowMs));
    } catch (err) {
      return this.failed(err, values, owner, nowMs);
    }
    if (answers.every((a) => typeof a === 'boolean')) return judged(answers as boolean[]);
    return Promise.all(answers).then(judged, (err: unknown) => this.failed(err, values, owner, nowMs));
  }

  /** The shared store could not answer: refused (fail_closed), or bound in local memory (degrade). */
  private failed(err: unknown, values: readonly string[], owner: string, nowMs: number): ConsoleRefusal | undefined {
    try {
      this.o.onStoreError?.(err);
    } catch {
      // A reporter's failure is its own.
    }
    const fallback = this.o.fallback;
    if (this.o.onStateError === 'fail_closed' || fallback === undefined) {
      return { reason: 'state_unavailable', detail: `the OpenShift console session cookie's binding could not be read: ${err instanceof Error ? err.message : String(err)}` };
    }
    // The memory store answers synchronously.
    return judged(values.map((v) => fallback.bind(v, owner, this.o.ttlMs, nowMs) as boolean));
  }
}

function judged(bound: readonly boolean[]): ConsoleRefusal | undefined {
  return bound.every(Boolean) ? undefined : FOREIGN;
}

const FOREIGN: ConsoleRefusal = Object.freeze({
  reason: 'credential_ambiguous',
  detail: "the OpenShift console's session cookie was first presented by another stepgate identity: the console would call the API server as that session's user; sign out of the console and in again",
});

/** Whose binding: the identity's issuer and subject (a migrated issuer's, the identity it carries the history of). */
function ownerOf(who: Identity): string {
  const h = who.historyOf;
  return h === undefined ? `${who.issuer}\n${who.subject}` : `${h.issuer}\n${h.subject}`;
}
