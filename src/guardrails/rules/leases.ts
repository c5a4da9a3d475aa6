import { UNKNOWN_VALUE } from '../parse.js';
import { isObject, type Json } from '../types.js';
import type { RuleContext } from './context.js';

export const LEASE_KEY = 'coordination.k8s.io/leases';
export const LEASE_CANDIDATE_KEY = 'coordination.k8s.io/leasecandidates';

/**
 * lease_held: one write that holds a controller's leader election. client-go's leader elector
 * (tools/leaderelection, tryAcquireOrRenew) stands by while the Lease has a holder and
 * `observedTime + record.LeaseDurationSeconds` is still ahead, where observedTime is when this
 * replica last saw the record change, not the Lease's `renewTime`; so a forged `renewTime`
 * holds nothing, and the duration the write sets is what keeps every replica waiting. A
 * holder no replica has with `leaseDurationSeconds: 31536000` (day 26: the access broker's
 * Lease, by `kubectl replace`) stops the controller for a year with no workload changed.
 *
 * What writes Leases routinely sets a short duration or none: electors renew every few seconds
 * with the duration they wait (15 s by default), a kubelet's heartbeat says 40 s, and
 * Terraform's `kubernetes` state backend (internal/backend/remote-state/kubernetes/client.go)
 * creates `lock-tfstate-<workspace>-<suffix>` with only `holderIdentity`, then sets and clears
 * the holder on every lock and unlock. Those stay routine however often they run; the bound is
 * `guardrails.max_lease_duration_seconds`.
 *
 * A duration that is not a whole number of seconds kube would store (a string, a fraction, what
 * a patch does not show) is judged as above the bound: the API server may read it differently.
 */
export function checkLease(doc: Json, docPath: string, ctx: RuleContext): void {
  const spec = doc.spec;
  if (spec === UNKNOWN_VALUE) {
    ctx.out.push({ code: 'lease_held', detail: "the patch sets the Lease's spec to a value it does not show, which may hold the Lease", path: `${docPath}spec` });
    return;
  }
  if (!isObject(spec)) return;
  const duration = spec.leaseDurationSeconds;
  if (duration === undefined || duration === null) return;
  const max = ctx.settings.maxLeaseDurationSeconds;
  if (typeof duration === 'number' && Number.isInteger(duration) && duration <= max) return;
  const shown = typeof duration === 'number' ? `${duration} s` : 'a value stepgate does not read as seconds';
  ctx.out.push({
    code: 'lease_held',
    detail: `Lease leaseDurationSeconds is ${shown}, above ${max} s: a leader elector that sees this write waits that long before it may take the Lease from its holder`,
    path: `${docPath}spec.leaseDurationSeconds`,
  });
}

/**
 * A LeaseCandidate (coordinated leader election, KEP-4355) is how a control-plane component
 * offers itself to the election controller, which makes the candidate with the oldest version
 * the Lease's holder: a candidate written by hand with an old version is elected and never
 * renews. Only the components write their own, from inside the cluster, so any write through
 * the gateway is judged as a held Lease.
 */
export function checkLeaseCandidate(docPath: string, ctx: RuleContext): void {
  ctx.out.push({
    code: 'lease_held',
    detail: 'LeaseCandidate written from outside the cluster: the coordinated election controller may make it the holder of a control-plane Lease that it never renews',
    path: `${docPath}spec`,
  });
}
