import { clientText } from '../../core/redact.js';
import { isObject, type Json } from '../types.js';
import { MAX_YAML_CHARS, MAX_YAML_DOCUMENTS, readYaml } from '../yaml.js';
import { checkAddedContainers } from './added-containers.js';
import type { RuleContext } from './context.js';
import { checkPlaintextOverriders } from './embedded.js';
import { checkImage, checkImages } from './images.js';
import { checkPodAnnotations, checkPodSecurity as checkPodControls } from './pod-security.js';
import { checkKueuePriority, checkPriorityClass, checkScheduling, WORKFLOW_PRIORITY_KEY } from './scheduling.js';

/**
 * The runtime controls and the images of a pod the controller builds: its containers' images are
 * pulled as a Deployment's are (image_registry_not_allowed), whatever kind carries them.
 */
function checkPodSecurity(...args: Parameters<typeof checkPodControls>): void {
  checkImages(checkPodControls(...args), args[2]);
}

/**
 * A custom resource whose controller runs pods from its body (an Argo Workflow or Rollout, a
 * Knative Service, a KEDA ScaledJob, an OpenKruise CloneSet) carries a privileged container or a
 * hostPath past the gateway: its controller creates the pod inside the cluster, with its own
 * rights. Its kind is not known here, so its pod specs are found by shape and get the runtime
 * controls a Pod's spec gets:
 * - an object with a `containers` or `initContainers` list (a pod template's spec, Argo's
 *   containerSet), and any `template.spec` (a patch may set only `hostNetwork` there);
 * - an Argo Workflows template's single `container` or `script`, read as a pod of that one
 *   container beside the template's own volumes and security context (one that names an image,
 *   or any in a patch, which shows only what it sets);
 * - an object with a `templates` list (a workflow's spec), whose volumes, host namespaces and pod
 *   security context apply to every step;
 * - a Tekton task's spec (a Task's, or a TaskRun's or Pipeline's inline `taskSpec`): its `steps`
 *   and `sidecars` are the pod's containers (an item with an `image`, or any item in a patch; an
 *   Argo Rollout's canary `steps` have no image, and nothing a container sets), its `stepTemplate`
 *   is merged into each step, and its `volumes` are the pod's;
 * - a `podTemplate` (Tekton's TaskRun and PipelineRun): the pod's own fields, hostNetwork and
 *   volumes among them, with no containers;
 * - a KubeVirt `hostDisk` volume: a disk image file on the node, created there if missing, which
 *   the virt-launcher pod mounts through a hostPath of the node's directory;
 * - an Argo Workflows `podSpecPatch` (a workflow's, or one template's): a pod spec in a string,
 *   JSON or YAML, that the controller merges over the pod it builds, so it sets anything a pod
 *   spec can (hostPID, a privileged container by name). It is judged as a patch; one that cannot
 *   be read is reported through `ctx.unreadable`, since the controller may read what stepgate
 *   does not;
 * - the Spark operator's `driver` and `executor` (a SparkApplication's or ScheduledSparkApplication's
 *   spec): each is one pod's settings written flat (the container's `securityContext`, the pod's
 *   `podSecurityContext`, `hostNetwork`, its `initContainers` and `sidecars`), over the spec's own
 *   `volumes`, which both pods mount from;
 * - any other `volumes` list (a Spark application's, an operator's that passes volumes through to
 *   its pods): its node sources (hostPath, network volumes), since a patch may swap a mounted
 *   volume's source without showing the containers that mount it;
 * - any `labels` map's Kueue priority class (`kueue.x-k8s.io/priority-class`), which Kueue admits
 *   and preempts by (rules/scheduling.ts);
 * - any `annotations` map (the object's own metadata, a template's, Argo's podMetadata): Tekton
 *   copies a TaskRun's annotations onto its pod, the others are the pod's, and the AppArmor and
 *   seccomp annotation keys mean nothing on any other object.
 * - an OpenShift BuildConfig's or Build's `customStrategy`: the build controller runs its `from`
 *   image as the build pod's privileged container (rules/custom-pods.ts checkCustomBuild).
 * - a Karmada OverridePolicy's `plaintext` overriders: JSON patch operations on the selected
 *   resource, read as the patch they are (rules/embedded.ts checkPlaintextOverriders).
 * Only what the body shows is judged; a body that cannot be read adds nothing here.
 */
export function checkCustomPodSpecs(doc: Json, prefix: string, ctx: RuleContext): void {
  // Iterative: the body's depth is bounded by the parser, its breadth only by its size. Each entry
  // holds the key it sits under and its parent's, which is how a `template.spec` is known.
  const stack: Entry[] = [{ node: doc, path: prefix.endsWith('.') ? prefix.slice(0, -1) : prefix, key: '', parentKey: '' }];
  const patches: PatchBudget = { chars: 0, count: 0 };
  while (stack.length > 0) {
    const { node, path, key: own, parentKey } = stack.pop()!;
    const templateSpec = (own === 'spec' && parentKey === 'template') || own === 'podTemplate';
    let volumesJudged = templateSpec || Array.isArray(node.containers) || Array.isArray(node.initContainers) || Array.isArray(node.templates);
    if (volumesJudged) checkPodSecurity(node, path, ctx);
    // Its priority and runtime class, wherever a pod's fields are (a Tekton podTemplate, a KubeVirt
    // template.spec, a chart's values), and Argo's class for every step's pod.
    if (templateSpec || Object.hasOwn(node, 'priorityClassName') || Object.hasOwn(node, 'runtimeClassName')) checkScheduling(node, path, ctx, templateSpec && (!ctx.partial || ctx.applied === true));
    // A container a JSON patch inserts into a custom workload's template (an Argo Rollout's).
    if (templateSpec) checkAddedContainers(node, path, ctx);
    checkPriorityClass(node, path, WORKFLOW_PRIORITY_KEY, ctx);
    // A JobSet's, RayJob's or Kubeflow job's Kueue priority label (its own metadata's, or a
    // template's, which Kueue's pod-group integration reads on the pods).
    checkKueuePriority(node.labels, join(path, 'labels'), ctx);
    if ((Array.isArray(node.steps) || Array.isArray(node.sidecars)) && checkTektonSpec(node, path, ctx)) volumesJudged = true;
    if (isObject(node.annotations)) checkPodAnnotations(node, path, ctx);
    if (typeof node.podSpecPatch === 'string') checkPodSpecPatch(node.podSpecPatch, join(path, 'podSpecPatch'), ctx, patches);
    for (const role of SPARK_PODS) if (isObject(node[role])) checkSparkPod(node[role] as Json, join(path, role), ctx);
    // The image both Spark pods run unless each names its own.
    if (typeof node.image === 'string' && SPARK_PODS.some((role) => isObject(node[role]))) checkImage(node.image, join(path, 'image'), ctx);
    if (isObject(node.customStrategy)) checkCustomBuild(node.customStrategy, join(path, 'customStrategy'), ctx);
    if (Array.isArray(node.plaintext) && node.plaintext.some((o) => isObject(o) && typeof o.operator === 'string')) {
      checkPlaintextOverriders(node.plaintext, join(path, 'plaintext'), ctx, checkCustomPodSpecs);
    }
    if (isObject(node.hostDisk)) {
      const p = typeof node.hostDisk.path === 'string' ? ` (${node.hostDisk.path.slice(0, 200)})` : '';
      ctx.out.push({ code: 'host_path_volume', detail: `hostDisk volume${p} is a file on the node`, path: join(path, 'hostDisk') });
    }
    for (const one of SINGLE_CONTAINERS) {
      const c = node[one];
      // A patch of an existing template shows only what it sets (`add …/container/securityContext`).
      if (isObject(c) && (typeof c.image === 'string' || ctx.partial)) {
        checkPodSecurity({ volumes: node.volumes ?? null, securityContext: node.securityContext ?? null, containers: [c] }, join(path, one), ctx);
        volumesJudged = true;
      }
    }
    // Any other volumes list is a pod's too (a Spark application's, which its driver and executor
    // mount by name): a patch may swap one volume's source for the node's / under the same name.
    if (!volumesJudged && Array.isArray(node.volumes)) checkPodSecurity({ volumes: node.volumes }, path, ctx);
    for (const [key, value] of Object.entries(node)) {
      if (isObject(value)) stack.push({ node: value, path: join(path, key), key, parentKey: own });
      else if (Array.isArray(value)) {
        for (let i = 0; i < value.length; i++) {
          const item: unknown = value[i];
          if (isObject(item)) stack.push({ node: item, path: `${join(path, key)}[${i}]`, key: '', parentKey: '' });
        }
      }
    }
  }
}

/**
 * A Tekton task spec's steps and sidecars, each judged as the one container of a pod (as an Argo
 * template's `container` is), and its volumes once; nothing when no item names an image. Whether
 * it judged the volumes.
 */
function checkTektonSpec(node: Json, path: string, ctx: RuleContext): boolean {
  let found = false;
  for (const list of TEKTON_CONTAINERS) {
    const items = node[list];
    if (!Array.isArray(items)) continue;
    for (let i = 0; i < items.length; i++) {
      const c: unknown = items[i];
      if (!isObject(c) || (typeof c.image !== 'string' && !ctx.partial)) continue;
      found = true;
      checkPodSecurity({ containers: [c] }, `${join(path, list)}[${i}]`, ctx);
    }
  }
  if (!found) return false;
  if (isObject(node.stepTemplate)) checkPodSecurity({ containers: [node.stepTemplate] }, join(path, 'stepTemplate'), ctx);
  if (Array.isArray(node.volumes)) checkPodSecurity({ volumes: node.volumes }, path, ctx);
  return true;
}

/**
 * What the podSpecPatch strings of one body may cost together. readYaml bounds one string, not how
 * many a body holds: 500 templates with a 2 KB YAML podSpecPatch each (a 1 MiB Workflow) took
 * 7.4 s of the Check's thread, 2,000 (4 MiB) 32 s. Together they get what one YAML body gets
 * (MAX_YAML_CHARS, MAX_YAML_DOCUMENTS); a real Workflow has a few short ones. The walk is per
 * document, and only a YAML body (itself within MAX_YAML_CHARS) has more than one.
 */
interface PatchBudget {
  chars: number;
  count: number;
}

/** Argo's podSpecPatch: the pod spec it merges, read as YAML (JSON is YAML) and judged as a patch. */
function checkPodSpecPatch(text: string, path: string, ctx: RuleContext, budget: PatchBudget): void {
  budget.chars += text.length;
  if (++budget.count > MAX_YAML_DOCUMENTS || budget.chars > MAX_YAML_CHARS) {
    // Not read, so judged as a podSpecPatch that cannot be read: the unreadable body's effect.
    ctx.unreadable?.(`${path} was not read: the body's podSpecPatch strings exceed ${MAX_YAML_DOCUMENTS} or ${MAX_YAML_CHARS / 1024} KiB together`);
    return;
  }
  const read = readYaml(text);
  const spec = read.ok && read.documents.length === 1 ? read.documents[0] : undefined;
  if (!isObject(spec)) {
    if (text.trim() !== '') ctx.unreadable?.(`${path} could not be read as one pod spec${read.ok ? '' : ` (${read.detail})`}`);
    return;
  }
  checkPodSecurity(spec, path, { ...ctx, partial: true });
}

/**
 * One Spark pod (`driver` or `executor`) as the pod spec the operator builds from it: its flat
 * container settings are the main container's. The application's volumes are judged where they
 * are (any volumes list, above), its initContainers and sidecars as containers lists.
 */
function checkSparkPod(pod: Json, path: string, ctx: RuleContext): void {
  const main: Json = { name: 'spark-kubernetes-' + path.slice(path.lastIndexOf('.') + 1), securityContext: pod.securityContext ?? null, volumeMounts: pod.volumeMounts ?? null };
  checkPodSecurity({ hostNetwork: pod.hostNetwork ?? null, shareProcessNamespace: pod.shareProcessNamespace ?? null, securityContext: pod.podSecurityContext ?? null, containers: [main] }, path, ctx);
  if (typeof pod.image === 'string') checkImage(pod.image, join(path, 'image'), ctx);
}

const SPARK_PODS = ['driver', 'executor'] as const;

const TEKTON_CONTAINERS = ['steps', 'sidecars'] as const;

interface Entry {
  node: Json;
  path: string;
  /** The key this object sits under in its parent object ('' for a list item or the document). */
  key: string;
  parentKey: string;
}

const SINGLE_CONTAINERS = ['container', 'script'] as const;

function join(path: string, key: string): string {
  return path === '' ? key : `${path}.${key}`;
}

/**
 * OpenShift's custom build strategy runs the image its `from` names as the build pod itself, and
 * the build controller makes that container privileged (openshift/openshift-controller-manager's
 * custom build pod; `exposeDockerSocket` adds the node's container runtime socket), which is why
 * OpenShift grants the strategy to cluster administrators only (`builds/custom`). A BuildConfig
 * naming one is a privileged pod of the caller's image on a node, from every build it starts. The
 * docker and source strategies run OpenShift's own builder image, and stay the namespace's matter.
 */
function checkCustomBuild(strategy: Json, path: string, ctx: RuleContext): void {
  // The image is the body's: bounded and without control characters, as any client text.
  const name = isObject(strategy.from) && typeof strategy.from.name === 'string' ? clientText(strategy.from.name, 200) : undefined;
  const from = name ? ` ${name}` : '';
  ctx.out.push({ code: 'privileged_container', detail: `an OpenShift custom build strategy runs its builder image${from} as a privileged build pod`, path });
}
