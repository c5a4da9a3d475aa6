import type { Identity } from '../core/identity.js';
import type { Refusal } from '../incident/board.js';
import type { Runtime } from './runtime.js';

/** A verified identity outside its `access_windows` entry (issue 12). */
export interface WindowClosed {
  readonly reason: 'access_window_closed';
  /** For logs and the audit record: which window, and when it opened or closed. */
  readonly detail: string;
  /** The sentence the person is shown: the window's `message`, else its dates. */
  readonly message: string;
  readonly window: string;
}

/**
 * Why a verified identity may not act now, or undefined: its credential was revoked or its
 * step-up session signed out (issue 15), the revocation mirror cannot tell (fail closed), or its
 * access window is closed (issue 12). Asked by every endpoint of stepgate's own that acts for an
 * identity or mints something for it (the kubectl challenge endpoint, device-certificate
 * enrolment, the approvals desk, the step-up session page and callback, the admin API), so none
 * of them is a way round a window the Check enforces. The Check itself asks the same two
 * questions inline (pipeline/evaluate.ts decideCore), where each answer becomes its own verdict
 * and the call must stay allocation-free (bench/alloc.ts); here a refusal allocates its answer.
 */
export function identityRefusal(rt: Pick<Runtime, 'revocations' | 'accessWindows' | 'now'>, who: Identity): Refusal | WindowClosed | undefined {
  // The window first: it needs no state store, so a closed window is answered as such even while
  // the revocation mirror is stale, and a caller that acts on the window alone (the step-up
  // callback) is never shown a revocation in its place.
  const shut = rt.accessWindows?.closed(who, rt.now);
  if (shut !== undefined) return { reason: 'access_window_closed', detail: shut.detail, message: shut.message, window: shut.window };
  return rt.revocations?.refuse(who, rt.now());
}
