import { ALL_DEVICES, CLAIM_TEMPLATE_PREFIX, MAX_ACCELERATOR_COUNT } from '../core/accelerators.js';
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
 * A sidecar (an init container with `restartPolicy: Always`) runs beside the containers, so it
 * adds to their sum and to every init container started after it, as kube's scheduler counts it.
 * A LeaderWorkerSet's `replicas` groups each hold a leader and `size - 1` workers (`size` workers
 * when it has no leader template).
 *
 * An accelerator is an extended resource named for one: a resource whose name (after the domain)
 * starts `gpu` (`nvidia.com/gpu`, time-sliced or MPS devices renamed `nvidia.com/gpu.shared`),
 * `vgpu`, `tpu`, `npu`, `mlu`, `dcu`, `ascend` (`huawei.com/Ascend910`), `gaudi`, `neuron`
 * (neuron, neuroncore, neurondevice) or `mig-` (NVIDIA's MIG slices), or any resource of the
 * `gpu.<vendor>` and `cloud-tpus.google.com` domains (`gpu.intel.com/i915`); a GPU's memory or
 * share of cores (`nvidia.com/gpu-memory`, `nvidia.com/gpucores`) is no count of devices. The
 * counts are read as kube reads a quantity (`8`, `"8.0"`, `"8000m"`, `"+8"`, `"8e0"`): one that
 * is not a whole number (kube refuses it) adds nothing, the write fails at admission. Counts are
 * capped so that a hostile body cannot overflow the sums.
 *
 * Dynamic Resource Allocation asks for devices in a ResourceClaim or a ResourceClaimTemplate
 * (`devices.requests`, found by shape): each request's `count` (1 when absent) of its
 * `deviceClassName`, in v1beta1's flat shape, v1's `exactly`, or the largest of its
 * `firstAvailable` alternatives; `allocationMode: All` asks every matching device of a node, read
 * as the cap (`ALL_DEVICES`). A DeviceClass is the cluster admin's and its name is free, so every
 * class counts, under its own name (`gpu.nvidia.com`). A pod that takes a claim from a template
 * (`resourceClaims[].resourceClaimTemplateName`) gets a claim of its own, so each pod asks one
 * `resourceclaimtemplate:<name>`, times the replicas: 8 pods of a one-GPU template are 8 where the
 * template itself was 1. A shared claim (`resourceClaimName`) is counted where it is written.
 * A KubeVirt VM's passed-through GPUs (`domain.devices.gpus[]`) count one each under their
 * `deviceName` (`nvidia.com/GA102GL_A10`), times a VirtualMachinePool's or a VM replica set's
 * replicas.
 */
export type AcceleratorAsk = Readonly<Record<string, number>>;

/** `<domain>/<name>` of an extended resource (kube's qualified name, 100 characters at most). */
const EXTENDED_NAME = /^([a-z0-9.-]+)\/([A-Za-z0-9][A-Za-z0-9._-]*)$/;
const ACCELERATOR_PART = /^(?:v?gpu|tpu|npu|mlu|dcu|ascend|gaudi|neuron|mig-)/i;
/** A device's memory or share of its cores (HAMi's `gpumem`, `gpucores`), not a count of devices. */
const NOT_A_COUNT = /mem|cores$|percent/i;
const ACCELERATOR_DOMAIN = /^(?:gpu\.[a-z0-9.-]+|cloud-tpus\.google\.com)$/;
const MAX_COUNT = MAX_ACCELERATOR_COUNT;
/** Nesting read; deeper objects (none a real workload has) add nothing. */
const MAX_DEPTH = 24;
/** Distinct accelerator names kept from one write (the rest add nothing). */
export const MAX_ACCELERATOR_NAMES = 8;

export function isAcceleratorName(name: string): boolean {
  if (name.length > 100) return false;
  const m = EXTENDED_NAME.exec(name);
  if (m === null) return false;
  const [, domain, part] = m as unknown as [string, string, string];
  if (NOT_A_COUNT.test(part) && !/^neuron/i.test(part)) return false;
  return ACCELERATOR_PART.test(part) || ACCELERATOR_DOMAIN.test(domain);
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
  if (isObject(o.devices) && Array.isArray(o.devices.requests)) into = addDeviceRequests(o.devices.requests, mult, into);
  if (isObject(o.devices) && Array.isArray(o.devices.gpus)) into = addPassedThrough(o.devices.gpus, mult, into);
  // A LeaderWorkerSet: `replicas` groups of `size` pods, one of them the leader when it has a template.
  if (isObject(o.leaderWorkerTemplate)) {
    const groups = Math.min(MAX_COUNT, mult * (countOf(o.replicas) ?? 1));
    const lwt = o.leaderWorkerTemplate;
    const size = countOf(lwt.size) ?? 1;
    const leader = isObject(lwt.leaderTemplate);
    if (leader) into = walk(lwt.leaderTemplate, groups, depth + 2, into);
    into = walk(lwt.workerTemplate, Math.min(MAX_COUNT, groups * Math.max(0, leader ? size - 1 : size)), depth + 2, into);
    for (const k in o) if (k !== 'leaderWorkerTemplate') into = walk(o[k], mult, depth + 1, into);
    return into;
  }
  const m = isObject(o.template) || isObject(o.virtualMachineTemplate) ? Math.min(MAX_COUNT, mult * replicasOf(o)) : mult;
  for (const k in o) into = walk(o[k], m, depth + 1, into);
  return into;
}

function replicasOf(o: Json): number {
  return countOf(o.replicas) ?? countOf(o.parallelism) ?? countOf(o.minReplicas) ?? 1;
}

function addPod(spec: Json, mult: number, into: Record<string, number> | undefined): Record<string, number> | undefined {
  const containers: Record<string, number> = {};
  const pod: Record<string, number> = {};
  // Sidecars started so far: they add to the containers and to every init container after them.
  const sidecars: Record<string, number> = {};
  let any = false;
  for (const c of spec.containers as unknown[]) any = addContainer(c, containers, (a, b) => a + b) || any;
  if (Array.isArray(spec.initContainers)) {
    for (const c of spec.initContainers) {
      const own: Record<string, number> = {};
      if (!addContainer(c, own, (a, b) => a + b)) continue;
      any = true;
      if (isObject(c) && c.restartPolicy === 'Always') {
        for (const name in own) sidecars[name] = Math.min(MAX_COUNT, (sidecars[name] ?? 0) + own[name]!);
        continue;
      }
      for (const name in own) pod[name] = Math.max(pod[name] ?? 0, Math.min(MAX_COUNT, own[name]! + (sidecars[name] ?? 0)));
    }
  }
  for (const name in containers) pod[name] = Math.max(pod[name] ?? 0, Math.min(MAX_COUNT, containers[name]! + (sidecars[name] ?? 0)));
  for (const name in sidecars) pod[name] = Math.max(pod[name] ?? 0, sidecars[name]! + (containers[name] ?? 0));
  if (Array.isArray(spec.resourceClaims)) {
    for (const claim of spec.resourceClaims) {
      const template = claimTemplateOf(claim);
      if (template === undefined) continue;
      const name = CLAIM_TEMPLATE_PREFIX + template;
      pod[name] = Math.min(MAX_COUNT, (pod[name] ?? 0) + 1);
      any = true;
    }
  }
  return any ? addCounts(pod, mult, into) : into;
}

/** The template a pod's claim is made from (`resourceClaimTemplateName`, or 1.26–1.27's `source.…`). */
function claimTemplateOf(claim: unknown): string | undefined {
  if (!isObject(claim)) return undefined;
  const t = claim.resourceClaimTemplateName ?? (isObject(claim.source) ? claim.source.resourceClaimTemplateName : undefined);
  return typeof t === 'string' && t !== '' ? t.slice(0, 80) : undefined;
}

/** A DRA claim's device requests: per class, the count each asks (the largest of its alternatives). */
function addDeviceRequests(requests: unknown[], mult: number, into: Record<string, number> | undefined): Record<string, number> | undefined {
  const asked: Record<string, number> = {};
  let any = false;
  for (const r of requests) {
    if (!isObject(r)) continue;
    const alternatives = isObject(r.exactly) ? [r.exactly] : Array.isArray(r.firstAvailable) ? r.firstAvailable : [r];
    const best: Record<string, number> = {};
    for (const a of alternatives) {
      if (!isObject(a) || typeof a.deviceClassName !== 'string' || a.deviceClassName === '') continue;
      const n = a.allocationMode === 'All' ? ALL_DEVICES : a.count === undefined ? 1 : countOf(a.count);
      if (n === undefined || n === 0) continue;
      const name = a.deviceClassName.slice(0, 100);
      best[name] = Math.max(best[name] ?? 0, n);
    }
    for (const name in best) {
      asked[name] = Math.min(MAX_COUNT, (asked[name] ?? 0) + best[name]!);
      any = true;
    }
  }
  return any ? addCounts(asked, mult, into) : into;
}

/** A KubeVirt VM's GPUs passed through (`domain.devices.gpus[]`): one each, under its `deviceName`. */
function addPassedThrough(gpus: unknown[], mult: number, into: Record<string, number> | undefined): Record<string, number> | undefined {
  const asked: Record<string, number> = {};
  let any = false;
  for (const g of gpus) {
    if (!isObject(g) || typeof g.deviceName !== 'string' || g.deviceName === '') continue;
    const name = g.deviceName.slice(0, 100);
    asked[name] = Math.min(MAX_COUNT, (asked[name] ?? 0) + 1);
    any = true;
  }
  return any ? addCounts(asked, mult, into) : into;
}

function addCounts(counts: Record<string, number>, mult: number, into: Record<string, number> | undefined): Record<string, number> {
  into ??= {};
  for (const name in counts) {
    if (!(name in into) && Object.keys(into).length >= MAX_ACCELERATOR_NAMES) continue;
    into[name] = Math.min(MAX_COUNT, (into[name] ?? 0) + counts[name]! * mult);
  }
  return into;
}

/** A container's accelerators into `pod`, combined with what it holds by `add`. */
function addContainer(c: unknown, pod: Record<string, number>, add: (a: number, b: number) => number): boolean {
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
      pod[name] = Math.min(MAX_COUNT, add(pod[name] ?? 0, own));
      any = true;
    }
  }
  return any;
}

// kube's quantity: a sign, digits with a fraction, then an SI or binary suffix or a decimal exponent.
const QUANTITY = /^\+?(\d{1,30})(?:\.(\d{0,30}))?(?:([numkMGTPE]|[KMGTPE]i)|[eE]([+-]?\d{1,3}))?$/;
const DECIMAL_SUFFIX: Record<string, number> = { n: -9, u: -6, m: -3, k: 3, M: 6, G: 9, T: 12, P: 15, E: 18 };
const BINARY_SUFFIX: Record<string, bigint> = { Ki: 1n << 10n, Mi: 1n << 20n, Gi: 1n << 30n, Ti: 1n << 40n, Pi: 1n << 50n, Ei: 1n << 60n };

/**
 * A whole, non-negative count as kube reads an extended resource's quantity or a replica count:
 * a number, or a quantity string whose value is whole (`"8000m"` is 8, `"1.5"` is none).
 */
export function countOf(v: unknown): number | undefined {
  if (typeof v === 'number') return Number.isInteger(v) && v >= 0 ? Math.min(v, MAX_COUNT) : undefined;
  if (typeof v !== 'string' || v.length > 64) return undefined;
  const m = QUANTITY.exec(v);
  if (m === null) return undefined;
  const [, whole, fraction = '', suffix, exponent] = m;
  let digits = BigInt(whole! + fraction);
  const power = -fraction.length + (exponent !== undefined ? Number(exponent) : suffix !== undefined && suffix in DECIMAL_SUFFIX ? DECIMAL_SUFFIX[suffix]! : 0);
  if (suffix !== undefined && suffix in BINARY_SUFFIX) digits *= BINARY_SUFFIX[suffix]!;
  if (digits === 0n) return 0;
  if (power >= 0) return power > 7 ? MAX_COUNT : Math.min(MAX_COUNT, Number(digits * 10n ** BigInt(power)));
  const scale = 10n ** BigInt(-power);
  return digits % scale === 0n ? Math.min(MAX_COUNT, Number(digits / scale)) : undefined;
}
