import { setsWhole } from '../parse.js';
import { isObject, type Json } from '../types.js';
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
 * `whole`: the spec is the complete one kube will store (not a patch of it); `chain` the objects
 * from the document down to the spec, any of which a JSON patch may have set whole.
 */
export function checkScheduling(spec: Json, specPath: string, ctx: RuleContext, whole: boolean, chain: readonly unknown[] = []): void {
  checkPriorityClass(spec, specPath, 'priorityClassName', ctx);
  checkRuntimeClass(spec, specPath, ctx, whole, replacedWhole(spec) || chain.some(replacedWhole) || dropsByRetainKeys(spec));
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
  if (isObject(labels)) checkPriorityClass(labels, labelsPath, KUEUE_PRIORITY_LABEL, ctx);
}

export function checkPriorityClass(node: Json, path: string, key: string, ctx: RuleContext): void {
  const name = node[key];
  if (typeof name !== 'string' || name === '') return;
  if (ctx.settings.priorityClassAllowed(name, ctx.namespace)) return;
  ctx.out.push({
    code: 'priority_class_reserved',
    detail: `priority class ${JSON.stringify(name.slice(0, 253))} is reserved to other namespaces: the scheduler evicts lower-priority pods to place these`,
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
