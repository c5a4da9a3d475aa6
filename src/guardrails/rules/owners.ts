import { drops, UNKNOWN_VALUE } from '../parse.js';
import { arrayOf, type DeleteTarget, isObject, type Json } from '../types.js';

/**
 * Whether a change (update or patch) sets owner references on the object it writes, and so hands
 * its deletion to the garbage collector: kube's garbage collector deletes an object once none of
 * its owners exists (an owner that was never there, a uid that does not match, an owner in another
 * namespace), and deletes it with its owner when the owner is deleted. So `PATCH deployments/api`
 * with an owner reference to a ConfigMap that does not exist deletes the Deployment within
 * seconds, and the same patch of a Namespace deletes everything in it: a delete asked for as a
 * change. A create is left out: the object it makes is the only one its owner references can
 * delete. Returns the words for people ('' when none), never a value of the body.
 */
export function ownerReferencesSet(doc: Json): string {
  const meta = doc.metadata;
  if (!isObject(meta)) return '';
  const refs = meta.ownerReferences;
  // A JSON patch that copies or moves a value into them sets what the patch does not show.
  if (refs === UNKNOWN_VALUE) return 'sets metadata.ownerReferences to a value copied from elsewhere in the object';
  // Strategic merge patches list the references they add; `$patch: delete` entries remove one.
  const added = arrayOf(refs).filter((r) => r === UNKNOWN_VALUE || (isObject(r) && r.$patch !== 'delete'));
  if (added.length === 0) return '';
  const first = added[0];
  const kind = isObject(first) && typeof first.kind === 'string' && /^[A-Za-z][A-Za-z0-9]{0,62}$/.test(first.kind) ? first.kind : 'an object';
  return `sets metadata.ownerReferences (owner: ${kind}${added.length > 1 ? ` and ${added.length - 1} more` : ''}): the garbage collector deletes the object once its owner is gone, or was never there`;
}

/**
 * Whether a change of a StatefulSet makes its controller delete its PersistentVolumeClaims
 * (`persistentVolumeClaimRetentionPolicy` `whenDeleted` or `whenScaled`: `Delete`): the next
 * `kubectl scale --replicas=0`, a patch of `…/scale` like any other, then deletes the claims, and
 * with a `Delete` reclaim policy (a dynamically provisioned volume's default) the disks behind
 * them. Returns the words for people, '' when it does not.
 */
export function claimsDeleted(doc: Json): string {
  const spec = doc.spec;
  const policy = isObject(spec) ? spec.persistentVolumeClaimRetentionPolicy : undefined;
  if (!isObject(policy)) return '';
  const when = (['whenDeleted', 'whenScaled'] as const).filter((k) => policy[k] === 'Delete');
  if (when.length === 0) return '';
  return `sets persistentVolumeClaimRetentionPolicy ${when.join(' and ')}: Delete: the StatefulSet's controller deletes its PersistentVolumeClaims, and their disks with a Delete reclaim policy`;
}

/**
 * The kinds whose replica count kube's controllers act on by deleting pods: `…/scale` or the
 * object's own `spec.replicas` (a Deployment's through its ReplicaSets).
 */
export const SCALABLE_KEYS: ReadonlySet<string> = new Set(['apps/deployments', 'apps/statefulsets', 'apps/replicasets', '/replicationcontrollers']);

/**
 * Whether a change scales a workload to zero replicas: its controller deletes every pod, so a
 * production service is down exactly as if it were deleted (and `kubectl scale --replicas=0` of
 * six regions is one command per region), except that the object stays for a scale back. A value a
 * JSON patch copies or moves into `spec.replicas` may be zero. A create is left out: a workload
 * created with no replicas has taken nothing down. Returns the words for people, '' when it does not.
 */
export function scaledToZero(doc: Json): string {
  const spec = doc.spec;
  if (!isObject(spec)) return '';
  const replicas = spec.replicas;
  if (replicas === UNKNOWN_VALUE) return 'sets spec.replicas to a value copied from elsewhere in the object, which may be zero: every pod deleted';
  return replicas === 0 || replicas === '0' ? 'scales it to zero replicas: its controller deletes every pod, as a delete of it would take the service down' : '';
}

const ZERO_SCALE = 'kube reads as zero replicas (autoscaling/v1 ScaleSpec.replicas is a plain int32, default 0): its controller deletes every pod, as a delete would take the service down';

/**
 * Whether a write of a workload's `scale` subresource leaves it at zero replicas. Unlike the
 * workloads' own `spec.replicas` (a pointer that defaults to 1), a Scale's is a plain int32 whose
 * absence is 0: kube copies the Scale's count into the workload whatever it is. So besides an
 * explicit 0 (scaledToZero), a whole Scale (`whole`: a PUT) without `spec.replicas`, and a patch
 * that removes it or the spec (merge patch null, JSON patch remove or an empty spec, a strategic
 * merge patch's `$patch: delete`/`replace` or `$retainKeys`) all scale to zero; and a server-side
 * apply that leaves it out removes it when the same field manager set it before, which the
 * request does not show.
 */
export function scaleSetsZero(doc: Json, whole: boolean, applied: boolean): string {
  return leftAtZero(doc, whole, applied, 'Scale', ZERO_SCALE);
}

/** scaleSetsZero's reading of a plain int32 count whose absence is 0, `owner` the object that holds it. */
function leftAtZero(doc: Json, whole: boolean, applied: boolean, owner: string, why: string): string {
  const zero = scaledToZero(doc);
  if (zero !== '') return zero;
  const spec = doc.spec;
  const listed = isObject(spec) && Object.hasOwn(spec, 'replicas') && spec.$patch !== 'delete';
  if (listed) return spec.replicas === null ? `removes the ${owner}'s spec.replicas, which ${why}` : '';
  // Not listed: the count is gone when the patch drops it (or the spec holding it), else it stays.
  if (spec === null || drops(doc, 'spec') || drops(spec, 'replicas') || whole) return `leaves a ${owner} without spec.replicas, which ${why}`;
  return applied ? `applies a ${owner} without spec.replicas, which removes a count its field manager set before; ${why}` : '';
}

const ZERO_FLEET = 'Agones reads as zero GameServers (FleetSpec.Replicas is a plain int32, default 0): its controller deletes every GameServer, and the matches on them, as a delete of the Fleet would';

/**
 * Whether a change of a custom workload (capacity.ts CUSTOM_WORKLOAD_KEYS: an Argo Rollout, an
 * Agones Fleet) scales it to zero: its controller deletes every pod (a Fleet's, every GameServer
 * with the match it holds), which is its delete as a Deployment's scale to zero is (scaledToZero),
 * whether through the object or its `scale` subresource. `fallback` is the count its API reads
 * when a write leaves `spec.replicas` out: a Rollout's pointer defaults to 1, so only a 0 written
 * (or a value copied in) is a zero; a Fleet's is a plain int32 defaulting to 0, read as a Scale's
 * is (scaleSetsZero: a null, a removal, a whole object without it, an apply that leaves it out).
 */
export function customScaledToZero(doc: Json, fallback: number, whole: boolean, applied: boolean): string {
  return fallback === 0 ? leftAtZero(doc, whole, applied, 'Fleet', ZERO_FLEET) : scaledToZero(doc);
}

/**
 * Whether a change of a Service takes it away from its pods: `type: ExternalName` (or a new
 * `externalName`) sends every caller of the Service's name to another host (a database client
 * hands it its credentials), `LoadBalancer` or `NodePort` opens the pods to callers outside the
 * cluster. To the Service's callers the first is its delete and a stranger in its place. A create
 * is left out: ExternalName Services for a managed database, and load balancers, are made that
 * way every day; what is judged is turning an existing Service into one. Returns the words for
 * people ('' when none), never more of the body than a clipped host name.
 */
export function serviceRetargeted(doc: Json): string {
  const spec = doc.spec;
  if (!isObject(spec)) return '';
  const type = spec.type;
  if (type === UNKNOWN_VALUE) return 'sets spec.type to a value copied from elsewhere in the object';
  const name = spec.externalName;
  if (type === 'ExternalName' || name === UNKNOWN_VALUE || (typeof name === 'string' && name !== '')) {
    const to = typeof name === 'string' && /^[A-Za-z0-9.-]{1,253}$/.test(name) ? ` (${name.slice(0, 100)})` : '';
    return `sends the Service's callers to an external name${to} instead of its pods`;
  }
  if (type === 'LoadBalancer' || type === 'NodePort') return `sets type ${type}: the Service's pods become reachable from outside the cluster`;
  return '';
}

/**
 * Whether a change of a Node taints it NoExecute: the taint manager then evicts every pod there
 * that does not tolerate the taint, without the disruption budgets a drain's evictions respect,
 * and `kubectl taint nodes --all …:NoExecute` does it to every node, one request each. To what ran
 * there it is the Node's delete (whose pods are likewise gone). A Node's taints list is replaced
 * whole by a patch, so a NoExecute taint listed is one the node will have. (A JSON patch that
 * copies a value is unreadable here, and judged as the worst case by the caller.) Returns the
 * words for people, '' when none.
 */
export function evictsByTaint(doc: Json): string {
  const spec = doc.spec;
  if (!isObject(spec)) return '';
  for (const t of arrayOf(spec.taints)) {
    if (isObject(t) && t.effect === 'NoExecute' && t.$patch !== 'delete') return 'taints it NoExecute: every pod on the node that does not tolerate the taint is evicted, disruption budgets ignored';
  }
  return '';
}

/**
 * Whether a change of a Node takes it out of scheduling without evicting anything: a cordon
 * (`spec.unschedulable: true`, what `kubectl cordon` and `drain` send) or a NoSchedule taint. One
 * is routine node maintenance; ten within seconds take the cluster's capacity away (the next
 * rollout's pods stay pending, and `kubectl drain` cordons before it evicts), so the risk engine
 * counts each Node so changed as an object for its pace (engine.ts). Returns words for people, ''
 * when none.
 */
export function cordons(doc: Json): string {
  const spec = doc.spec;
  if (!isObject(spec)) return '';
  if (spec.unschedulable === true) return 'cordons it: no new pod is scheduled there';
  for (const t of arrayOf(spec.taints)) {
    if (isObject(t) && t.effect === 'NoSchedule' && t.$patch !== 'delete') return 'taints it NoSchedule: no new pod is scheduled there';
  }
  return '';
}

/** KEDA's annotation that pauses a ScaledObject at a fixed replica count of its target (KEDA ≥ 2.7). */
export const KEDA_PAUSED_REPLICAS = 'autoscaling.keda.sh/paused-replicas';

/**
 * Whether a write of a KEDA ScaledObject pauses it at zero replicas: KEDA then scales its target
 * to zero and keeps it there, which is `kubectl scale --replicas=0` of the target by another door
 * (its controller deletes every pod; day 38's launch-night attack). KEDA reads the annotation with
 * Go's `strconv.ParseInt(v, 10, 32)`, so "0", "00", "+0" and "-0" are all zero; a value a JSON
 * patch copies or moves there may be. A create counts too: unlike a workload's, a ScaledObject's
 * create acts on a workload that already runs. Returns the words for people, '' when it does not.
 */
export function kedaPausedAtZero(doc: Json): string {
  const meta = doc.metadata;
  if (!isObject(meta)) return '';
  const annotations = meta.annotations;
  if (!isObject(annotations) || !Object.hasOwn(annotations, KEDA_PAUSED_REPLICAS)) return '';
  const v = annotations[KEDA_PAUSED_REPLICAS];
  if (v === UNKNOWN_VALUE) return `sets ${KEDA_PAUSED_REPLICAS} to a value copied from elsewhere in the object, which may be zero: KEDA scales its target to it`;
  // A number is refused by kube (annotations are strings), so judging it as zero costs nothing.
  if (v === 0 || (typeof v === 'string' && /^[+-]?0+$/.test(v))) return 'pauses the ScaledObject at zero replicas: KEDA scales its target to zero, whose controller deletes every pod, as a delete of it would take the service down';
  return '';
}

/**
 * The workload a ScaledObject's body names as its target (`spec.scaleTargetRef`: `kind` defaults
 * to Deployment, `apiVersion` to apps/v1, as KEDA's). A body that does not name it (a patch of the
 * annotation alone) is taken as KEDA's default kind with the ScaledObject's own name: the policy is
 * asked what deleting that Deployment asks, the same as a StatefulSet's in the example's rules.
 * A kind other than the apps workloads is named by its lower-cased plural, as kube names most.
 */
export function scaleTargetOf(doc: Json, fallbackName: string): DeleteTarget {
  const spec = doc.spec;
  const ref = isObject(spec) ? spec.scaleTargetRef : undefined;
  const name = isObject(ref) && typeof ref.name === 'string' && ref.name !== '' ? ref.name : fallbackName;
  const kind = isObject(ref) && typeof ref.kind === 'string' && ref.kind !== '' ? ref.kind : 'Deployment';
  const apiVersion = isObject(ref) && typeof ref.apiVersion === 'string' && ref.apiVersion !== '' ? ref.apiVersion : 'apps/v1';
  const slash = apiVersion.lastIndexOf('/');
  const group = slash < 0 ? '' : apiVersion.slice(0, slash);
  const version = apiVersion.slice(slash + 1);
  const resource = kind === 'Deployment' ? 'deployments' : kind === 'StatefulSet' ? 'statefulsets' : `${kind.toLowerCase()}s`;
  return { apiGroup: group, apiVersion: version, resource, name };
}
