import { reasonMessage } from '../core/reasons.js';
import type { Answer } from '../decision/respond.js';

/**
 * `server.max_inflight_checks`, one count per process shared by every Check listener (gRPC and
 * the HTTP ext_authz / forward-auth adapter). Shared rather than one per listener because what it
 * bounds is the process: the memory and the waits (signature checks, JWKS fetches, state store
 * round trips) that a stalled issuer or Redis can make it hold. A bound per listener would let a
 * pod serving both hold twice the configured amount, and the setting would no longer say what
 * one process may hold.
 */
export class InflightLimit {
  private n = 0;

  constructor(readonly max: number) {}

  /** Checks of every listener in flight now. */
  get inflight(): number {
    return this.n;
  }

  /** Counts a Check in, or returns false (and counts nothing) when `max` are already in flight. */
  tryEnter(): boolean {
    if (this.n >= this.max) return false;
    this.n++;
    return true;
  }

  /** Exactly once for every `tryEnter()` that returned true, when the Check has been answered. */
  leave(): void {
    this.n--;
  }
}

/**
 * The answer past the bound, the same for every transport: built once, without the runtime or the
 * Responder, because it is sent exactly when the process has no time to spare. 503 with
 * Retry-After; gRPC UNAVAILABLE in the CheckResponse status, which Envoy's ext_authz treats as a
 * denial with this response. A denial, so overload fails closed.
 */
export const OVERLOADED_ANSWER: Answer = Object.freeze({
  allow: false,
  status: 503,
  grpcCode: 14,
  headers: Object.freeze([
    ['cache-control', 'no-store'],
    ['content-type', 'application/json'],
    ['retry-after', '1'],
  ] as const),
  removeHeaders: Object.freeze([]),
  body: JSON.stringify({ reason: 'overloaded', message: reasonMessage('overloaded') }),
  metadata: Object.freeze({ decision: 'deny', reason: 'overloaded' }),
});
