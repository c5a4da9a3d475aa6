import { isObject, type Json } from '../types.js';
import { checkAddedContainers } from './added-containers.js';
import type { RuleContext } from './context.js';
import { checkImages } from './images.js';
import { checkPodAnnotations, checkPodSecurity } from './pod-security.js';
import { checkKueuePriority, checkScheduling } from './scheduling.js';

/**
 * Where each workload kind keeps its pod spec, keyed by `<api group>/<resource>` as in the URL.
 * CronJob nests it one level deeper, in the job template.
 */
const POD_SPEC_PATHS: ReadonlyMap<string, readonly string[]> = new Map([
  ['/pods', ['spec']],
  ['/podtemplates', ['template', 'spec']],
  ['/replicationcontrollers', ['spec', 'template', 'spec']],
  ['apps/deployments', ['spec', 'template', 'spec']],
  ['apps/statefulsets', ['spec', 'template', 'spec']],
  ['apps/daemonsets', ['spec', 'template', 'spec']],
  ['apps/replicasets', ['spec', 'template', 'spec']],
  ['batch/jobs', ['spec', 'template', 'spec']],
  ['batch/cronjobs', ['spec', 'jobTemplate', 'spec', 'template', 'spec']],
]);

/** A body's `kind` → the same key, so a multi-document body is read by each document's kind. */
const KIND_KEYS: ReadonlyMap<string, string> = new Map([
  ['Pod', '/pods'],
  ['PodTemplate', '/podtemplates'],
  ['ReplicationController', '/replicationcontrollers'],
  ['Deployment', 'apps/deployments'],
  ['StatefulSet', 'apps/statefulsets'],
  ['DaemonSet', 'apps/daemonsets'],
  ['ReplicaSet', 'apps/replicasets'],
  ['Job', 'batch/jobs'],
  ['CronJob', 'batch/cronjobs'],
]);

/** The kinds that run pods, by `<api group>/<resource>`. */
export const WORKLOAD_KEYS: ReadonlySet<string> = new Set(POD_SPEC_PATHS.keys());

export function isWorkloadKey(key: string): boolean {
  return POD_SPEC_PATHS.has(key);
}

export function workloadKeyOfKind(kind: unknown): string | undefined {
  return typeof kind === 'string' ? KIND_KEYS.get(kind) : undefined;
}

export function checkWorkload(doc: Json, key: string, docPath: string, ctx: RuleContext): void {
  const steps = POD_SPEC_PATHS.get(key);
  if (!steps) return;
  const spec = at(doc, steps);
  // The pod's metadata sits beside its spec (a template's beside the template's spec).
  const metaSteps = [...steps.slice(0, -1), 'metadata'];
  const meta = at(doc, metaSteps);
  const metaPath = `${docPath}${metaSteps.join('.')}`;
  // Kueue reads its priority label on the job itself (and on a plain Pod, which is its own template).
  if (ctx.containersOnly !== true && isObject(doc.metadata)) checkKueuePriority(doc.metadata.labels, `${docPath}metadata.labels`, ctx);
  if (isObject(spec)) {
    const specPath = `${docPath}${steps.join('.')}`;
    checkImages(checkPodSecurity(spec, specPath, ctx, isObject(meta) ? meta : undefined, metaPath), ctx);
    if (ctx.containersOnly !== true) {
      checkScheduling(spec, specPath, ctx, !ctx.partial || ctx.applied === true, chainOf(doc, steps));
      // A Pod's containers are fixed at its creation: kube refuses a patch that adds one.
      if (key !== '/pods') checkAddedContainers(spec, specPath, ctx);
    }
  } else if (isObject(meta)) {
    // A patch may set only the template's annotations (AppArmor `unconfined`): the next rollout
    // runs every pod with them, so they are judged without a spec beside them.
    checkPodAnnotations(meta, metaPath, ctx);
  }
}

/** The pod spec a document of this workload kind holds, if it shows one. */
export function podSpecOf(doc: Json, key: string): Json | undefined {
  const steps = POD_SPEC_PATHS.get(key);
  const spec = steps === undefined ? undefined : at(doc, steps);
  return isObject(spec) ? spec : undefined;
}

/** The objects from the document down to (not including) the spec at `steps`. */
function chainOf(doc: Json, steps: readonly string[]): unknown[] {
  const out: unknown[] = [doc];
  let node: unknown = doc;
  for (const s of steps.slice(0, -1)) out.push((node = isObject(node) ? node[s] : undefined));
  return out;
}

function at(doc: Json, steps: readonly string[]): unknown {
  let node: unknown = doc;
  for (const s of steps) node = isObject(node) ? node[s] : undefined;
  return node;
}
