import { setsWhole, UNKNOWN_VALUE } from '../parse.js';
import { arrayOf, isObject, type Json } from '../types.js';
import type { RuleContext } from './context.js';

/**
 * What a pod spec says about the rest of the node and the cluster beyond its own containers:
 * - `priority_class_reserved`: a priorityClassName (or Kueue's priority-class label) reserved to
 *   other namespaces. The scheduler evicts lower-priority pods to place one of a higher class, so
 *   a dev namespace's Deployment naming production's class (or a system class, which kube admits
 *   anywhere) takes production's capacity with the everyday sign-in. Only the name is in the request; which classes are high
 *   is the operator's list (guardrails.reserved_priority_classes) and the two system classes.
 * - `runtime_class_removed`: a runtimeClassName taken away (a JSON patch `remove`, a merge or
 *   strategic merge patch's null, an empty name), which runs the pods under the node's default
 *   runtime instead of the sandbox (gVisor, Kata) the class named; in
 *   guardrails.sandboxed_namespaces also any class outside the namespace's list, and a whole pod
 *   spec (a create, a PUT, a server-side apply, a patch that sets it whole) that names none.
 * - `control_plane_placement`: outside the system namespaces, a pod steered onto the control-plane
 *   nodes (a nodeSelector or node affinity on their role label, a toleration of their taint or of
 *   every taint) or pinned to a node by name, past the scheduler and every taint.
 * `whole`: the spec is the complete one kube will store (not a patch of it); `chain` the objects
 * from the document down to the spec, any of which a JSON patch may have set whole.
 */
export function checkScheduling(spec: Json, specPath: string, ctx: RuleContext, whole: boolean, chain: readonly unknown[] = []): void {
  checkPriorityClass(spec, specPath, 'priorityClassName', ctx);
  if (!ctx.settings.systemNamespace(ctx.namespace)) checkControlPlane(spec, specPath, ctx);
  checkRuntimeClass(spec, specPath, ctx, whole, replacedWhole(spec) || chain.some(replacedWhole) || dropsByRetainKeys(spec));
}

/**
 * control_plane_placement by hand: a Binding (`pods/<name>/binding`) is what the scheduler writes
 * to place a pod, and one a person writes places it on the node it names past every taint, as a
 * pod's nodeName does. kube takes the node from `target` whatever its kind says. In the system
 * namespaces too: their pod specs are left alone because their DaemonSets tolerate every taint,
 * but nobody there routinely places a pod by hand, and a kube-system pod placed on a control-plane
 * node is the one with the most to reach there.
 */
export function checkBindingTarget(doc: Json, prefix: string, ctx: RuleContext): void {
  if (!isObject(doc.target)) return;
  const node = doc.target.name;
  if (typeof node !== 'string' || node === '') return;
  ctx.out.push({ code: 'control_plane_placement', detail: `a Binding places the pod on node ${JSON.stringify(node.slice(0, 253))} past the scheduler and its taints, a control-plane node's too`, path: `${prefix}target.name` });
}

/** Set whole by a JSON patch's add or replace, or by a strategic merge patch's `$patch: replace`. */
function replacedWhole(o: unknown): boolean {
  return setsWhole(o) || (isObject(o) && o.$patch === 'replace');
}

/** A strategic merge patch's `$retainKeys` drops every key of the object it does not list. */
function dropsByRetainKeys(spec: Json): boolean {
  return Array.isArray(spec.$retainKeys) && !spec.$retainKeys.includes('runtimeClassName');
}

/** Argo Workflows names the class of every step's pod at the workflow level, under this key. */
export const WORKFLOW_PRIORITY_KEY = 'podPriorityClassName';

/**
 * Kueue names a job's WorkloadPriorityClass (or, failing one of that name, its PriorityClass) by
 * this label on the job, whatever its kind (a batch Job, a JobSet, a RayJob, a plain Pod), and
 * admits and preempts by it: naming the deadline's class from a student's namespace evicts
 * another lab's admitted jobs as a reserved priorityClassName does (day 14).
 */
export const KUEUE_PRIORITY_LABEL = 'kueue.x-k8s.io/priority-class';

/** The Kueue priority label of an object's labels map (`labelsPath` is where the map sits). */
export function checkKueuePriority(labels: unknown, labelsPath: string, ctx: RuleContext): void {
  // Labels copied or moved in whole by a JSON patch may carry any priority class label.
  if (labels === UNKNOWN_VALUE) checkPriorityClass({ [KUEUE_PRIORITY_LABEL]: UNKNOWN_VALUE }, labelsPath, KUEUE_PRIORITY_LABEL, ctx);
  else if (isObject(labels)) checkPriorityClass(labels, labelsPath, KUEUE_PRIORITY_LABEL, ctx);
}

export function checkPriorityClass(node: Json, path: string, key: string, ctx: RuleContext): void {
  const name = node[key];
  if (typeof name !== 'string' || name === '') return;
  if (ctx.settings.priorityClassAllowed(name, ctx.namespace)) return;
  ctx.out.push({
    code: 'priority_class_reserved',
    detail: `priority class ${name === UNKNOWN_VALUE ? 'copied from a value the patch does not show (any class)' : JSON.stringify(name.slice(0, 253))} is reserved to other namespaces: the scheduler evicts lower-priority pods to place these`,
    path: `${path}.${key}`,
  });
}

/** `replaced`: a patch set the spec (or an object above it) whole, dropping what it does not list. */
function checkRuntimeClass(spec: Json, specPath: string, ctx: RuleContext, whole: boolean, replaced: boolean): void {
  const path = `${specPath}.runtimeClassName`;
  const present = Object.hasOwn(spec, 'runtimeClassName');
  const value = spec.runtimeClassName;
  const sandbox = ctx.settings.sandboxFor(ctx.namespace);
  if (present && (value === null || value === '')) {
    ctx.out.push({ code: 'runtime_class_removed', detail: "runtimeClassName removed: the pods run under the node's default runtime, outside the sandbox their class gave them", path });
    return;
  }
  if (!present && (whole || replaced)) {
    // A whole pod spec without a class has none. Outside a sandboxed namespace that is every
    // ordinary workload, and `kubectl rollout undo` sets the previous template whole ($patch:
    // replace) without one; inside one it is a pod out of the sandbox.
    if (sandbox !== undefined) ctx.out.push({ code: 'runtime_class_removed', detail: `no runtimeClassName in a namespace whose pods run under ${sandbox.join(', ')}`, path });
    return;
  }
  if (sandbox === undefined || typeof value !== 'string') return;
  if (!sandbox.includes(value)) {
    ctx.out.push({ code: 'runtime_class_removed', detail: `runtimeClassName ${JSON.stringify(value.slice(0, 253))} is not one this namespace's pods run under (${sandbox.join(', ')})`, path });
  }
}

/** The control-plane nodes' role label, which is also their taint's key (`master` before 1.24). */
const CONTROL_PLANE = new Set(['node-role.kubernetes.io/control-plane', 'node-role.kubernetes.io/master']);

/**
 * A control-plane node shares its kernel with etcd and the API server, and its cloud identity
 * (on kops or kubeadm clusters, one that reads the state bucket with the cluster's CA key) with
 * whatever runs there: the taint keeps workloads off it, and a pod spec that selects it, tolerates
 * the taint or names a node (which skips the scheduler and so every NoSchedule taint) goes there
 * with no host access asked. The system namespaces' agents do so by design and are not read.
 */
function checkControlPlane(spec: Json, specPath: string, ctx: RuleContext): void {
  const push = (detail: string, path: string) => ctx.out.push({ code: 'control_plane_placement', detail, path: `${specPath}.${path}` });
  if (typeof spec.nodeName === 'string' && spec.nodeName !== '') {
    push(`nodeName ${JSON.stringify(spec.nodeName.slice(0, 253))} binds the pods to that node past the scheduler and its taints, a control-plane node's too`, 'nodeName');
  }
  if (isObject(spec.nodeSelector)) {
    for (const key of Object.keys(spec.nodeSelector)) if (CONTROL_PLANE.has(key)) push(`nodeSelector ${key} places the pods on the control-plane nodes`, `nodeSelector.${key}`);
  }
  const affinity = isObject(spec.affinity) && isObject(spec.affinity.nodeAffinity) ? spec.affinity.nodeAffinity : undefined;
  if (affinity !== undefined) {
    const required = affinity.requiredDuringSchedulingIgnoredDuringExecution;
    const terms = [
      ...arrayOf(isObject(required) ? required.nodeSelectorTerms : undefined).map((t, i) => [t, `affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms[${i}]`] as const),
      ...arrayOf(affinity.preferredDuringSchedulingIgnoredDuringExecution).map((t, i) => [isObject(t) ? t.preference : undefined, `affinity.nodeAffinity.preferredDuringSchedulingIgnoredDuringExecution[${i}].preference`] as const),
    ];
    for (const [term, at] of terms) {
      if (!isObject(term)) continue;
      for (const [j, e] of arrayOf(term.matchExpressions).entries()) {
        if (isObject(e) && typeof e.key === 'string' && CONTROL_PLANE.has(e.key) && (e.operator === 'In' || e.operator === 'Exists')) {
          push(`node affinity on ${e.key} places the pods on the control-plane nodes`, `${at}.matchExpressions[${j}]`);
        }
      }
    }
  }
  for (const [i, t] of arrayOf(spec.tolerations).entries()) {
    if (!isObject(t) || (t.effect !== undefined && t.effect !== null && t.effect !== '' && t.effect !== 'NoSchedule')) continue;
    const key = typeof t.key === 'string' ? t.key : '';
    if (CONTROL_PLANE.has(key)) push(`a toleration of ${key} lets the pods onto the control-plane nodes`, `tolerations[${i}]`);
    else if (key === '' && t.operator === 'Exists') push('a toleration of every taint lets the pods onto the control-plane nodes', `tolerations[${i}]`);
  }
}
