import { isObject, type Json } from './types.js';

/**
 * The accelerators a write asks for, per extended resource, summed over every pod template its
 * body holds, for the risk engine's `accelerators_above_history` (docs/risk.md): a malicious
 * package in a data scientist's notebook starting six 8-GPU Jobs (day 43), miners at night (day 17).
 * A guardrail has no history; this is only the reading, the comparison is the engine's.
 *
 * Pod specs are found by shape, as custom kinds are (rules/custom-pods.ts): an object with a
 * `containers` list. Its count per pod is what kube's scheduler counts for an extended resource:
 * the sum over the containers, or the largest init container's when that is more (init containers
 * run one after another). Each container's count is the larger of its limit and request (an
 * extended resource's request must equal its limit when both are set; a limit alone sets the
 * request). The count is multiplied by the replicas of every object above it that holds a pod
 * `template` beside a count: `replicas` (Deployment, StatefulSet, ReplicaSet, a PyTorchJob's,
 * TFJob's or MPIJob's replica spec, a RayCluster's worker group), else `parallelism` (a Job, a
 * CronJob's job template; a Kueue-suspended Job counts as it will run), else a Ray worker group's
 * `minReplicas`. A missing count is 1 (kube's default for each of them).
 *
 * An accelerator is an extended resource named for one: `<domain>/gpu` (nvidia.com, amd.com, any
 * vendor's), `gpu.intel.com/<model>`, `<domain>/tpu` (google.com), `aws.amazon.com/neuron…`
 * (neuron, neuroncore, neurondevice), NVIDIA's MIG slices (`nvidia.com/mig-1g.5gb`) and Habana's
 * `habana.ai/gaudi`. A count kube would refuse (not a whole number) adds nothing: the write fails
 * at admission. Counts are capped so that a hostile body cannot overflow the sums.
 */
export type AcceleratorAsk = Readonly<Record<string, number>>;

const ACCELERATOR_NAME = /^(?:[a-z0-9.-]+\/(?:gpu|tpu|neuron[a-z]*|mig-[a-z0-9.-]+|gaudi)|gpu\.intel\.com\/[a-z0-9.-]+)$/;
/** Larger counts are read as this one: far above any node's, and the sums stay exact integers. */
const MAX_COUNT = 1_000_000;
/** Nesting read; deeper objects (none a real workload has) add nothing. */
const MAX_DEPTH = 24;
/** Distinct accelerator names kept from one write (the rest add nothing). */
export const MAX_ACCELERATOR_NAMES = 8;

export function isAcceleratorName(name: string): boolean {
  return name.length <= 100 && ACCELERATOR_NAME.test(name);
}

/** Adds the accelerators `doc` asks for into `into` (created when first needed); returns it. */
export function acceleratorsOf(doc: unknown, into: Record<string, number> | undefined): Record<string, number> | undefined {
  return walk(doc, 1, 0, into);
}

function walk(node: unknown, mult: number, depth: number, into: Record<string, number> | undefined): Record<string, number> | undefined {
  if (depth > MAX_DEPTH || typeof node !== 'object' || node === null) return into;
  if (Array.isArray(node)) {
    for (const v of node) into = walk(v, mult, depth + 1, into);
    return into;
  }
  const o = node as Json;
  if (Array.isArray(o.containers)) return addPod(o, mult, into);
  const m = isObject(o.template) ? Math.min(MAX_COUNT, mult * replicasOf(o)) : mult;
  for (const k in o) into = walk(o[k], m, depth + 1, into);
  return into;
}

function replicasOf(o: Json): number {
  return countOf(o.replicas) ?? countOf(o.parallelism) ?? countOf(o.minReplicas) ?? 1;
}

function addPod(spec: Json, mult: number, into: Record<string, number> | undefined): Record<string, number> | undefined {
  const pod: Record<string, number> = {};
  let any = false;
  for (const c of spec.containers as unknown[]) any = addContainer(c, pod, false) || any;
  if (Array.isArray(spec.initContainers)) for (const c of spec.initContainers) any = addContainer(c, pod, true) || any;
  if (!any) return into;
  into ??= {};
  for (const name in pod) {
    if (!(name in into) && Object.keys(into).length >= MAX_ACCELERATOR_NAMES) continue;
    into[name] = Math.min(MAX_COUNT, (into[name] ?? 0) + pod[name]! * mult);
  }
  return into;
}

/** A container's accelerators into the pod's: added (containers), or the larger kept (init containers). */
function addContainer(c: unknown, pod: Record<string, number>, init: boolean): boolean {
  if (!isObject(c) || !isObject(c.resources)) return false;
  const { limits, requests } = c.resources;
  let any = false;
  for (const side of [limits, requests]) {
    if (!isObject(side)) continue;
    for (const name in side) {
      if (!isAcceleratorName(name)) continue;
      const n = countOf(side[name]);
      if (n === undefined || n === 0) continue;
      const other = side === limits ? (isObject(requests) ? countOf(requests[name]) : undefined) : isObject(limits) ? countOf(limits[name]) : undefined;
      // Read once per container: from limits, or from requests when limits lack it.
      if (side === requests && other !== undefined) continue;
      const own = Math.max(n, other ?? 0);
      pod[name] = init ? Math.max(pod[name] ?? 0, own) : Math.min(MAX_COUNT, (pod[name] ?? 0) + own);
      any = true;
    }
  }
  return any;
}

/** A whole, non-negative count as kube reads an extended resource's quantity or a replica count. */
function countOf(v: unknown): number | undefined {
  if (typeof v === 'number') return Number.isInteger(v) && v >= 0 ? Math.min(v, MAX_COUNT) : undefined;
  if (typeof v === 'string' && /^\d{1,12}$/.test(v)) return Math.min(Number(v), MAX_COUNT);
  return undefined;
}
