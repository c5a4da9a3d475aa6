import { drops, UNKNOWN_VALUE } from '../parse.js';
import { isObject, type Json } from '../types.js';
import type { RuleContext } from './context.js';
import { KEDA_PAUSED_REPLICAS } from './owners.js';

/**
 * capacity_below_floor: a write that leaves a workload, or the autoscaler that sizes it, below the
 * replica count the site says it must keep (`guardrails.replica_floors`). stepgate sees the
 * request, not the object: `replicas: 2` is a cut only if 20 ran, and the body never says how many
 * did. What it can judge honestly is a count against a number the site wrote down: a results site
 * that must not run on fewer than 10 pods on election night is below its floor at 2 whatever ran
 * before, and a raise to 200 never is. Without a floor nothing here fires (a scale to zero is
 * already the workload's delete: rules/owners.ts scaledToZero, asked what a delete asks and counted
 * toward the destructive bursts; below a floor it is this guardrail as well).
 *
 * Read, per kind (the counts kube's controllers act on):
 * - Deployment, StatefulSet, ReplicaSet, ReplicationController: `spec.replicas` of a change (a
 *   create is left out, as scaledToZero does: a new workload takes no running capacity away), and
 *   of the `scale` subresource (`kubectl scale`).
 * - HorizontalPodAutoscaler: `spec.maxReplicas`, create included (an HPA created over a running
 *   Deployment scales it to its ceiling). `minReplicas` is not read: a low minimum lets the
 *   controller follow the load down, which is its job; kube refuses `maxReplicas < minReplicas`.
 * - KEDA ScaledObject: `spec.maxReplicaCount`, and `autoscaling.keda.sh/paused-replicas` (a pause
 *   at a count; a pause at zero is also the target's delete, rules/owners.ts).
 * - Agones FleetAutoscaler: a Buffer policy's `buffer.maxReplicas`, create included, wherever a
 *   policy may hold one (`spec.policy`, a Schedule's `schedule.policy`, each Chain entry, which
 *   inlines a policy). A Webhook policy has no ceiling (its service answers a count); a Counter's or
 *   List's `maxCapacity` is a count of counter or list capacity summed over the Fleet, not of
 *   GameServers, so it is not comparable with a floor of replicas and is not read. `minReplicas`
 *   is not read, as an HPA's.
 * - Cluster API MachineDeployment, MachineSet, MachinePool: `spec.replicas` of a change and of the
 *   `scale` subresource: a node pool taken down under the workloads it runs.
 * - Argo Rollout and Agones Fleet: `spec.replicas` of a change (CUSTOM_WORKLOAD_DEFAULTS), and any
 *   custom kind's `scale` subresource (inspect.ts scalesCustom).
 * An autoscaler is matched by the name of the workload its body targets (`scaleTargetRef.name`, a
 * FleetAutoscaler's `spec.fleetName`).
 * A patch that does not show it (`kubectl patch hpa web-hpa -p '{"spec":{"maxReplicas":2}}'`) may
 * size any workload of the namespace: an HPA's name need not be its target's (`web-hpa` scaling
 * `results-web`), so matching its own name let the floor on the target go (review49). It meets the
 * namespace's highest floor, as a GitOps patch that names no object does (settings.ts).
 *
 * A value a JSON patch copies or moves in may be anything, so it is judged as below the floor;
 * a count that is not a whole number kube would read is too (kube refuses most; a string that
 * KEDA parses is read as KEDA reads it).
 *
 * A count the write leaves out is read as kube reads it, not passed over: a workload's
 * `spec.replicas` is a pointer kube defaults to 1 (SetDefaults_Deployment and its siblings, Argo
 * Rollouts' GetReplicasOrDefault), so a merge patch's null, a JSON patch's remove, a spec a patch
 * sets whole (`$patch: replace`, a JSON patch replace of /spec) and a PUT without the field all set
 * 1. So does a server-side apply without it when the applying field manager set it before (kube
 * removes a field its manager no longer applies, then defaults it): which manager owns the count is
 * the object's managedFields, not the request's, and the manager's name is the client's choice (a
 * raise applied first makes it the owner), so an apply that leaves the count out is read as 1. A
 * Scale's is a plain int32 whose absence is 0 (rules/owners.ts scaleSetsZero), whatever kind it
 * scales, and so is an Agones Fleet's own. A Cluster API pool's own count left out is kept at its
 * old value by its webhook, and an autoscaler's ceiling is required (HPA, a FleetAutoscaler's Buffer) or defaults to 100 (KEDA): none of those is judged.
 */

export const HPA_KEY = 'autoscaling/horizontalpodautoscalers';
export const SCALED_OBJECT_KEY = 'keda.sh/scaledobjects';
export const FLEET_AUTOSCALER_KEY = 'autoscaling.agones.dev/fleetautoscalers';
/** Cluster API's node pools (cluster.x-k8s.io): their `spec.replicas` is a count of machines. */
export const MACHINE_POOL_KEYS: ReadonlySet<string> = new Set(['cluster.x-k8s.io/machinedeployments', 'cluster.x-k8s.io/machinesets', 'cluster.x-k8s.io/machinepools']);
/**
 * Custom workloads whose own `spec.replicas` is the count their controller runs, with the count
 * their API reads when a write leaves it out: an Argo Rollout's is a pointer defaulted to 1 as kube's
 * own workloads' (GetReplicasOrDefault); an Agones Fleet's is a plain int32, "Defaults to 0"
 * (FleetSpec.Replicas), and each of its GameServers is a match in progress (day 45: `kubectl edit
 * fleet` to zero at a launch's peak, beside the on-call's `kubectl scale fleet`).
 */
const CUSTOM_WORKLOAD_DEFAULTS: ReadonlyMap<string, number> = new Map([
  ['argoproj.io/rollouts', 1],
  ['agones.dev/fleets', 0],
  // A LeaderWorkerSet's groups (a model server's leader and workers) and OpenKruise's CloneSet and
  // Advanced StatefulSet: pointers defaulted to 1, as kube's own workloads' (review50).
  ['leaderworkerset.x-k8s.io/leaderworkersets', 1],
  ['apps.kruise.io/clonesets', 1],
  ['apps.kruise.io/statefulsets', 1],
]);
export const CUSTOM_WORKLOAD_KEYS: ReadonlySet<string> = new Set(CUSTOM_WORKLOAD_DEFAULTS.keys());
/** The count a custom workload's API reads when a write leaves its `spec.replicas` out (rules/owners.ts customScaledToZero). */
export function customWorkloadDefault(urlKey: string): number | undefined {
  return CUSTOM_WORKLOAD_DEFAULTS.get(urlKey);
}
/** The count kube reads when a write leaves a workload's own `spec.replicas` out, and a Scale's. */
const WORKLOAD_DEFAULT = 1;
const SCALE_DEFAULT = 0;
/** Keys a body must name for one of the counts above to be in it (a cheap test before parsing). */
export const FLOOR_FIELD_NAMES = ['replicas', 'maxReplicas', 'maxReplicaCount', 'paused-replicas'];

const KIND_WORDS: Readonly<Record<string, string>> = {
  'apps/deployments': 'Deployment',
  'apps/statefulsets': 'StatefulSet',
  'apps/replicasets': 'ReplicaSet',
  '/replicationcontrollers': 'ReplicationController',
  'cluster.x-k8s.io/machinedeployments': 'MachineDeployment',
  'cluster.x-k8s.io/machinesets': 'MachineSet',
  'cluster.x-k8s.io/machinepools': 'MachinePool',
  'argoproj.io/rollouts': 'Rollout',
  'agones.dev/fleets': 'Fleet',
};

/** A count as kube (or KEDA, for its annotation's string) reads it; undefined when it reads none. */
function countOf(v: unknown, fromString: boolean): number | undefined {
  if (typeof v === 'number' && Number.isInteger(v)) return v;
  if (fromString && typeof v === 'string' && /^[+-]?\d{1,10}$/.test(v)) return Number.parseInt(v, 10);
  return undefined;
}

/** A name kube would accept (DNS-1123 subdomain): only such a name is matched and shown in words. */
const OBJECT_NAME = /^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$/;

/** The request's name (a change's URL names it), else the body's. */
function nameOf(doc: Json, fallback: string | undefined): string {
  if (fallback !== undefined && fallback !== '') return fallback;
  const meta = doc.metadata;
  return isObject(meta) && typeof meta.name === 'string' && OBJECT_NAME.test(meta.name) ? meta.name : '';
}

function judge(v: unknown, fromString: boolean, what: string, name: string, path: string, ctx: RuleContext, shownName = name): void {
  if (v === undefined || v === null) return;
  const floor = ctx.settings.replicaFloor(ctx.namespace, name);
  if (floor === undefined) return;
  const n = v === UNKNOWN_VALUE ? undefined : countOf(v, fromString);
  if (n !== undefined && n >= floor) return;
  const shown = v === UNKNOWN_VALUE ? 'a value copied from elsewhere in the object' : n === undefined ? 'a value stepgate does not read as a count' : String(n);
  ctx.out.push({
    code: 'capacity_below_floor',
    detail: `${what} of ${shownName || 'the object'} in namespace ${ctx.namespace} set to ${shown}, below the floor of ${floor} that guardrails.replica_floors keeps there`,
    path,
  });
}

/**
 * The count kube reads from a write that does not set `spec.replicas` to a value: `fallback` (the
 * kind's default) when it removes it (null), drops it (a spec or document set whole without it), or
 * is a whole object (`whole`: a PUT) without it; the value itself otherwise, undefined when kube keeps
 * what it had.
 */
function countWritten(doc: Json, whole: boolean, fallback: number | undefined): unknown {
  const spec = doc.spec;
  if (fallback === undefined) return isObject(spec) ? spec.replicas : undefined;
  if (spec === null || (spec === undefined && (whole || drops(doc, 'spec')))) return fallback;
  if (!isObject(spec)) return undefined;
  const listed = Object.hasOwn(spec, 'replicas') && spec.$patch !== 'delete';
  if (listed) return spec.replicas === null ? fallback : spec.replicas;
  return whole || drops(spec, 'replicas') ? fallback : undefined;
}

/**
 * A workload's or node pool's own `spec.replicas` (`urlKey` its kind), or its `scale`
 * subresource's (`scale`: a Scale, whose count is the same field). `name` is the request's;
 * `whole` says the body is the whole object (a PUT), so a count it leaves out is kube's default;
 * a server-side apply (`ctx.applied`) is read so too (see the header).
 */
export function checkReplicaFloor(doc: Json, urlKey: string, docPath: string, scale: boolean, ctx: RuleContext, whole = false): void {
  const kind = KIND_WORDS[urlKey] ?? 'workload';
  const fallback = scale ? SCALE_DEFAULT : MACHINE_POOL_KEYS.has(urlKey) ? undefined : (CUSTOM_WORKLOAD_DEFAULTS.get(urlKey) ?? WORKLOAD_DEFAULT);
  const applied = ctx.applied === true && !whole;
  const v = countWritten(doc, whole || applied, fallback);
  const what = scale ? `${kind} scale (kubectl scale) spec.replicas` : `${kind} spec.replicas`;
  const spec = doc.spec;
  const left = v === fallback && !(isObject(spec) && spec.replicas === fallback);
  const leftWords = applied ? `left out of a server-side apply (kube reads ${fallback} when its field manager set it before)` : `left out (kube reads ${fallback})`;
  judge(v, false, left ? `${what} ${leftWords}` : what, nameOf(doc, ctx.name), `${docPath}spec.replicas`, ctx);
}

/**
 * The workload an autoscaler's body targets; '' (any workload of the namespace: its highest floor)
 * when the body does not show it, since an autoscaler's own name says nothing of its target's.
 */
function targetName(spec: Json | undefined): string {
  const ref = spec?.scaleTargetRef;
  return isObject(ref) && typeof ref.name === 'string' && OBJECT_NAME.test(ref.name) ? ref.name : '';
}

/** An autoscaler in a detail: its target, else its own name and that its target is not shown. */
function autoscalerShown(target: string, own: string, kind: string): string {
  if (target !== '') return target;
  return own === '' ? `a ${kind} whose target the write does not show` : `${kind} ${own}'s target (not shown in the write)`;
}

/** The Fleet a FleetAutoscaler's body names (`spec.fleetName`); '' when it does not show it, as targetName. */
function fleetNameOf(spec: Json | undefined): string {
  const name = spec?.fleetName;
  return typeof name === 'string' && OBJECT_NAME.test(name) ? name : '';
}

/**
 * Policies nest (a Schedule holds one, a Chain lists them); Agones refuses a Schedule or Chain
 * inside another, so two levels hold any it accepts. One nested deeper is judged as a ceiling
 * stepgate did not read, not passed over.
 */
const POLICY_DEPTH = 4;

function judgeFleetPolicy(policy: unknown, path: string, depth: number, target: string, ctx: RuleContext, shown: string): void {
  if (policy === UNKNOWN_VALUE) {
    judge(UNKNOWN_VALUE, false, 'FleetAutoscaler policy (the most GameServers its buffer runs)', target, path, ctx, shown);
    return;
  }
  if (!isObject(policy)) return;
  if (depth > POLICY_DEPTH) {
    judge(UNKNOWN_VALUE, false, 'FleetAutoscaler policy nested past what stepgate reads', target, path, ctx, shown);
    return;
  }
  const buffer = policy.buffer;
  if (buffer === UNKNOWN_VALUE) judge(UNKNOWN_VALUE, false, 'FleetAutoscaler buffer', target, `${path}.buffer`, ctx, shown);
  else if (isObject(buffer)) judge(buffer.maxReplicas, false, 'FleetAutoscaler buffer.maxReplicas (the most GameServers it runs)', target, `${path}.buffer.maxReplicas`, ctx, shown);
  const schedule = policy.schedule;
  if (schedule === UNKNOWN_VALUE) judge(UNKNOWN_VALUE, false, 'FleetAutoscaler schedule', target, `${path}.schedule`, ctx, shown);
  else if (isObject(schedule)) judgeFleetPolicy(schedule.policy, `${path}.schedule.policy`, depth + 1, target, ctx, shown);
  const chain = policy.chain;
  if (chain === UNKNOWN_VALUE) judge(UNKNOWN_VALUE, false, 'FleetAutoscaler chain', target, `${path}.chain`, ctx, shown);
  else if (Array.isArray(chain)) for (const [i, entry] of chain.entries()) judgeFleetPolicy(entry, `${path}.chain[${i}]`, depth + 1, target, ctx, shown);
}

/** An Agones FleetAutoscaler's ceilings: the most GameServers its Buffer policies run (see the header). */
export function checkFleetAutoscalerFloor(doc: Json, docPath: string, ctx: RuleContext): void {
  const spec = isObject(doc.spec) ? doc.spec : undefined;
  if (spec === undefined) return;
  const target = fleetNameOf(spec);
  judgeFleetPolicy(spec.policy, `${docPath}spec.policy`, 0, target, ctx, autoscalerShown(target, nameOf(doc, ctx.name), 'FleetAutoscaler'));
}

/** A HorizontalPodAutoscaler's ceiling: the most replicas its controller will run. */
export function checkAutoscalerFloor(doc: Json, docPath: string, ctx: RuleContext): void {
  const spec = doc.spec;
  if (!isObject(spec)) return;
  const target = targetName(spec);
  judge(spec.maxReplicas, false, 'HorizontalPodAutoscaler spec.maxReplicas (the most replicas it runs)', target, `${docPath}spec.maxReplicas`, ctx, autoscalerShown(target, nameOf(doc, ctx.name), 'HorizontalPodAutoscaler'));
}

/** A KEDA ScaledObject's ceiling, and the count a pause holds its target at. */
export function checkScaledObjectFloor(doc: Json, docPath: string, ctx: RuleContext): void {
  const spec = isObject(doc.spec) ? doc.spec : undefined;
  const target = targetName(spec);
  const shown = autoscalerShown(target, nameOf(doc, ctx.name), 'ScaledObject');
  if (spec !== undefined) judge(spec.maxReplicaCount, false, 'ScaledObject spec.maxReplicaCount (the most replicas KEDA runs)', target, `${docPath}spec.maxReplicaCount`, ctx, shown);
  const meta = doc.metadata;
  const annotations = isObject(meta) ? meta.annotations : undefined;
  if (!isObject(annotations) || !Object.hasOwn(annotations, KEDA_PAUSED_REPLICAS)) return;
  // Zero is the target's delete as well (rules/owners.ts kedaPausedAtZero); below a floor it is both.
  judge(annotations[KEDA_PAUSED_REPLICAS], true, `ScaledObject pause (${KEDA_PAUSED_REPLICAS})`, target, `${docPath}metadata.annotations.${KEDA_PAUSED_REPLICAS}`, ctx, shown);
}
