import { clientText } from '../../core/redact.js';
import { arrayOf, isObject, type Json } from '../types.js';
import { readYaml } from '../yaml.js';
import { APPLICATION_SETS_KEY, APPLICATIONS_KEY, generatorTemplates } from './gitops-images.js';

/**
 * The kustomize patches a GitOps object carries, each as the write of the object it patches
 * (inspect.ts judgeGitopsPatches judges it as a PATCH of that kind, through the same readers a
 * client's `kubectl patch` goes through: a strategic-merge patch, or a JSON 6902 list replayed
 * onto an empty object, parse.ts). Argo CD and Flux apply them with their controllers' rights
 * (cluster-admin in a default install), so a patch that makes a container privileged, mounts a
 * hostPath, adds a command sending a token out or a mirror of a route's traffic is deployed as
 * surely as the same `kubectl patch` through the gateway, and is judged as it would be.
 *
 * Where the patches are: an Argo CD Application's `spec.source(s).kustomize.patches` (an
 * ApplicationSet's template and its generators' templates as an Application's), a Flux
 * Kustomization's `spec.patches` and `spec.patchesJson6902`, a Flux HelmRelease's
 * `spec.postRenderers[].kustomize` (the same two), the Flux Operator's FluxInstance
 * `spec.kustomize.patches` (over Flux's own controllers). A `path` names a file in the repository, the
 * source, and is not read here. `patchesStrategicMerge` objects are whole manifests, which the
 * embedded-object reading judges as the objects they are.
 *
 * Which kind a patch is (kustomize's own choice): the `target`'s `kind` (with its `group`, or, when
 * it names none, the built-in group that serves that kind); without a target, the strategic-merge
 * patch's own `apiVersion` and `kind`. A target that names no kind (only a `labelSelector`,
 * `annotationSelector` or `name`), or one spelt as a regular expression (kustomize matches the
 * selector's fields as anchored regular expressions: `Deployment|StatefulSet`), patches any kind
 * it selects, so it is judged as each of UNION: the pod-template shapes (a Deployment's
 * `spec.template`, a CronJob's `spec.jobTemplate`, a Pod's `spec`), the route and mirror kinds
 * that carry a copy of traffic, a ClusterRole's rules and a binding's subjects. A routine patch (replicas, resources,
 * env, annotations, an image tag) sets nothing any of them flags, and an unreadable verdict there
 * would ask on every such patch.
 */

export interface GitopsPatch {
  /** Where the patch sits in the body: `spec.source.kustomize.patches[0].patch`. */
  readonly path: string;
  /** The object kinds it is judged as: one where the target or the patch names it, UNION otherwise. */
  readonly kinds: readonly PatchKind[];
  /** The namespace the patched object lands in, '' when the body does not say. */
  readonly namespace: string;
  /** The patched object's name, '' when the body does not say one (a selector). */
  readonly name: string;
  /** The patch as kube-apiserver takes it: JSON text of a strategic-merge patch or a JSON 6902 list. */
  readonly body: string;
  readonly type: typeof SMP | typeof JSON_PATCH;
}

export interface PatchKind {
  readonly apiVersion: string;
  readonly kind: string;
}

const SMP = 'application/strategic-merge-patch+json';
const JSON_PATCH = 'application/json-patch+json';

const KUSTOMIZATIONS_KEY = 'kustomize.toolkit.fluxcd.io/kustomizations';
const HELM_RELEASES_KEY = 'helm.toolkit.fluxcd.io/helmreleases';
/** The Flux Operator's FluxInstance: `spec.kustomize.patches` over Flux's own controllers and sync objects. */
const FLUX_INSTANCES_KEY = 'fluxcd.controlplane.io/fluxinstances';
/** The group/resource keys whose bodies carry kustomize patches. */
export const GITOPS_PATCH_KEYS: ReadonlySet<string> = new Set([APPLICATIONS_KEY, APPLICATION_SETS_KEY, KUSTOMIZATIONS_KEY, HELM_RELEASES_KEY, FLUX_INSTANCES_KEY]);
/** A key a body names where it may carry a patch (inspect.ts parses only such a body). */
export const GITOPS_PATCH_NAMES = ['patch'];

/** What a patch whose target names no kind is judged as (see the header). */
export const UNION: readonly PatchKind[] = [
  { apiVersion: 'apps/v1', kind: 'Deployment' },
  { apiVersion: 'batch/v1', kind: 'CronJob' },
  { apiVersion: 'v1', kind: 'Pod' },
  { apiVersion: 'networking.k8s.io/v1', kind: 'Ingress' },
  { apiVersion: 'networking.istio.io/v1', kind: 'VirtualService' },
  { apiVersion: 'networking.istio.io/v1alpha3', kind: 'EnvoyFilter' },
  { apiVersion: 'gateway.networking.k8s.io/v1', kind: 'HTTPRoute' },
  { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole' },
  // A binding's subjects: `- op: add, path: /subjects/-` with a target of `name: cluster-admin` or
  // `kind: .*Binding` hands its role to a new subject (review48b).
  { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRoleBinding' },
  { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'RoleBinding' },
];

/**
 * The built-in group that serves a kind, for a target that names the kind without its group
 * (kustomize then matches it in any group). Only kinds whose rules read more than metadata; any
 * other kind without a group is judged as UNION.
 */
const BUILTIN_GROUP: ReadonlyMap<string, string> = new Map([
  ['Pod', ''],
  ['ReplicationController', ''],
  ['Service', ''],
  ['ConfigMap', ''],
  ['Secret', ''],
  ['ServiceAccount', ''],
  ['Namespace', ''],
  ['PersistentVolume', ''],
  ['PersistentVolumeClaim', ''],
  ['Endpoints', ''],
  ['Deployment', 'apps'],
  ['StatefulSet', 'apps'],
  ['DaemonSet', 'apps'],
  ['ReplicaSet', 'apps'],
  ['Job', 'batch'],
  ['CronJob', 'batch'],
  ['Ingress', 'networking.k8s.io'],
  ['NetworkPolicy', 'networking.k8s.io'],
  ['Role', 'rbac.authorization.k8s.io'],
  ['RoleBinding', 'rbac.authorization.k8s.io'],
  ['ClusterRole', 'rbac.authorization.k8s.io'],
  ['ClusterRoleBinding', 'rbac.authorization.k8s.io'],
  ['MutatingWebhookConfiguration', 'admissionregistration.k8s.io'],
  ['ValidatingWebhookConfiguration', 'admissionregistration.k8s.io'],
]);

/** A selector value kustomize reads literally: a kind, group or name with no regular-expression characters. */
const PLAIN = /^[A-Za-z0-9][A-Za-z0-9.-]*$/;

/**
 * How many patch entries one GitOps document is read for. Each patch text is parsed as YAML and
 * judged as an object (inspect.ts bounds those judgements too); a body of thousands would hold the
 * thread for seconds. Flux's bootstrap customisations carry about ten, a platform overlay a few
 * dozen; past the bound the rest are unread, as the controller reads them.
 */
export const MAX_GITOPS_PATCHES = 64;

interface Source {
  readonly owner: string;
  /** Patch entries seen so far, read or not (MAX_GITOPS_PATCHES). */
  seen: number;
  /** Values may hold `{{…}}` filled from generators (an ApplicationSet's template). */
  readonly templated: boolean;
  /** Whether the body is a patch of the GitOps object (only what it sets is known). */
  readonly partial: boolean;
  readonly out: GitopsPatch[];
  unread?: string;
}

const OWNER: Readonly<Record<string, string>> = {
  [APPLICATIONS_KEY]: "an Argo CD Application's",
  [APPLICATION_SETS_KEY]: "an Argo CD ApplicationSet's",
  [KUSTOMIZATIONS_KEY]: "a Flux Kustomization's",
  [HELM_RELEASES_KEY]: "a Flux HelmRelease's",
  [FLUX_INSTANCES_KEY]: "a Flux Operator FluxInstance's",
};

/**
 * The patches one document of group/resource `key` carries, and the first reason a part of it
 * cannot be judged (a patch text that cannot be read, one filled from generators). `namespace` is
 * the request's, where the body names no other.
 */
export function gitopsPatches(doc: Json, key: string, prefix: string, namespace: string, partial: boolean): { patches: GitopsPatch[]; unread?: string } {
  const spec = doc.spec;
  const src: Source = { owner: OWNER[key] ?? 'a GitOps object', seen: 0, templated: key === APPLICATION_SETS_KEY, partial, out: [] };
  if (!isObject(spec)) return { patches: src.out };
  const ns = (v: unknown) => (typeof v === 'string' && PLAIN.test(v) ? v : undefined);
  switch (key) {
    case APPLICATIONS_KEY:
      appSpec(spec, `${prefix}spec`, src);
      break;
    case APPLICATION_SETS_KEY:
      if (isObject(spec.template) && isObject(spec.template.spec)) appSpec(spec.template.spec, `${prefix}spec.template.spec`, src);
      generatorTemplates(spec.generators, `${prefix}spec.generators`, (t, p) => appSpec(t, p, src));
      break;
    case KUSTOMIZATIONS_KEY:
      // spec.targetNamespace is kustomize's namespace transformer: every object lands there.
      kustomize(spec, `${prefix}spec`, ns(spec.targetNamespace), namespace, src);
      break;
    case FLUX_INSTANCES_KEY:
      // The operator installs Flux's controllers (cluster-admin) in the instance's namespace.
      if (isObject(spec.kustomize)) kustomize(spec.kustomize, `${prefix}spec.kustomize`, undefined, namespace, src);
      break;
    case HELM_RELEASES_KEY: {
      const release = ns(spec.targetNamespace) ?? namespace;
      arrayOf(spec.postRenderers).forEach((r: unknown, i) => {
        if (isObject(r) && isObject(r.kustomize)) kustomize(r.kustomize, `${prefix}spec.postRenderers[${i}].kustomize`, undefined, release, src);
      });
      break;
    }
  }
  return src.unread === undefined ? { patches: src.out } : { patches: src.out, unread: src.unread };
}

function appSpec(spec: Json, path: string, src: Source): void {
  const d = spec.destination;
  const dest = isObject(d) && typeof d.namespace === 'string' && PLAIN.test(d.namespace) ? d.namespace : '';
  const source = (s: unknown, p: string) => {
    if (!isObject(s) || !isObject(s.kustomize)) return;
    // Argo CD's `kustomize.namespace` is kustomize's namespace transformer, as a Flux targetNamespace.
    const over = typeof s.kustomize.namespace === 'string' && PLAIN.test(s.kustomize.namespace) ? s.kustomize.namespace : undefined;
    kustomize(s.kustomize, `${p}.kustomize`, over, dest, src);
  };
  source(spec.source, `${path}.source`);
  arrayOf(spec.sources).forEach((s: unknown, i) => source(s, `${path}.sources[${i}]`));
}


/** One kustomize block: `patches` (text, with an optional target) and `patchesJson6902` (a target and a list). */
function kustomize(k: Json, path: string, over: string | undefined, fallback: string, src: Source): void {
  arrayOf(k.patches).forEach((p: unknown, i) => {
    if (!isObject(p) || pastBound(src, `${path}.patches[${i}]`)) return;
    const at = `${path}.patches[${i}]`;
    if (typeof p.patch === 'string') {
      if (p.patch.trim() !== '') patchText(p.patch, p.target, `${at}.patch`, over, fallback, src);
    } else if (src.partial && p.target !== undefined && p.path === undefined) {
      // A patch of the GitOps object that sets one stored patch's target (a JSON patch of
      // `…/patches/0/target`) points the stored text, which it does not show, at another kind.
      unread(src, `${at}.target: a patch of ${src.owner} kustomize patches sets a target without its patch, which the stored one holds`);
    }
  });
  arrayOf(k.patchesJson6902).forEach((p: unknown, i) => {
    if (!isObject(p) || pastBound(src, `${path}.patchesJson6902[${i}]`)) return;
    const at = `${path}.patchesJson6902[${i}].patch`;
    if (Array.isArray(p.patch)) add(src, at, p.target, undefined, p.patch, JSON_PATCH, over, fallback);
    else if (typeof p.patch === 'string' && p.patch.trim() !== '') patchText(p.patch, p.target, at, over, fallback, src);
  });
}

/** A list-shaped patch text (a JSON 6902 list, block or flow): its first significant character. */
const LIST_TEXT = /^(?:\s*#[^\n]*\n)*\s*(?:\[|-(?:\s|$))/;
/** A YAML document marker on a line of its own, which a list read under a key cannot hold. */
const DOCUMENT_MARKER = /^(?:---|\.\.\.)(?:\s|$)/m;

function patchText(text: string, target: unknown, path: string, over: string | undefined, fallback: string, src: Source): void {
  // A generator's value lands in the text before kustomize reads it: a line break in one adds keys.
  if (src.templated && text.includes('{{')) {
    unread(src, `${path}: ${src.owner} kustomize patch is filled from generators the body does not fix, and may set anything in the objects it patches`);
    return;
  }
  const list = LIST_TEXT.test(text);
  if (list && DOCUMENT_MARKER.test(text)) {
    unread(src, `${path}: ${src.owner} kustomize patch is a list with YAML document markers, which could not be read, and kustomize reads it`);
    return;
  }
  // The YAML reader takes mappings only: a list is read as the value of one key, indented under it.
  const read = readYaml(list ? `ops:\n${text.replace(/^/gm, '  ')}` : text);
  if (!read.ok) {
    unread(src, `${path}: ${src.owner} kustomize patch could not be read (${read.detail}), and kustomize reads it`);
    return;
  }
  if (list) {
    const ops = read.documents[0]!.ops;
    add(src, path, target, undefined, Array.isArray(ops) ? ops : [], JSON_PATCH, over, fallback);
    return;
  }
  read.documents.forEach((d, i) => {
    // kustomize drops an object a top-level `$patch: delete` names from what it renders (an
    // upstream Namespace the overlay does not want): nothing is written with it.
    if (d.$patch === 'delete') return;
    add(src, read.documents.length > 1 ? `${path}[${i}]` : path, target, d, d, SMP, over, fallback);
  });
}

function add(src: Source, path: string, target: unknown, doc: Json | undefined, patch: unknown, type: GitopsPatch['type'], over: string | undefined, fallback: string): void {
  const t = isObject(target) ? target : undefined;
  const meta = doc !== undefined && isObject(doc.metadata) ? doc.metadata : {};
  const plain = (v: unknown) => (typeof v === 'string' && PLAIN.test(v) ? v : undefined);
  const namespace = over ?? plain(t?.namespace) ?? plain(meta.namespace) ?? fallback;
  // With a target, kustomize patches what it selects, whatever name the patch text gives.
  const name = t !== undefined ? (plain(t.name) ?? '') : (plain(meta.name) ?? '');
  src.out.push({ path, kinds: kindsOf(t, doc), namespace, name, body: JSON.stringify(patch), type });
}

/** The kinds a patch is judged as (see the header). */
/**
 * The custom kinds whose guardrails read their spec (rules/issuers.ts, restores.ts, model-sources.ts),
 * for a target that names the kind without its group: kustomize matches it in any group, so the
 * patch is that kind's where one group serves it. Judged as UNION instead, `- op: replace, path:
 * /spec/acme/server` under `target: {kind: ClusterIssuer}` was read as a Deployment's and passed
 * (review50b).
 */
const CUSTOM_GROUP: ReadonlyMap<string, string> = new Map([
  ['Issuer', 'cert-manager.io/v1'],
  ['ClusterIssuer', 'cert-manager.io/v1'],
  ['StepIssuer', 'certmanager.step.sm/v1beta1'],
  ['StepClusterIssuer', 'certmanager.step.sm/v1beta1'],
  ['Restore', 'velero.io/v1'],
  ['RestoreAction', 'actions.kio.kasten.io/v1alpha1'],
  ['InferenceService', 'serving.kserve.io/v1beta1'],
  ['TrainedModel', 'serving.kserve.io/v1alpha1'],
  ['ServingRuntime', 'serving.kserve.io/v1alpha1'],
  ['ClusterServingRuntime', 'serving.kserve.io/v1alpha1'],
  ['SeldonDeployment', 'machinelearning.seldon.io/v1'],
]);

function kindsOf(target: Json | undefined, doc: Json | undefined): readonly PatchKind[] {
  if (target !== undefined) {
    if (target.kind === undefined) return UNION;
    const kind = target.kind;
    if (typeof kind !== 'string' || !/^[A-Za-z][A-Za-z0-9]*$/.test(kind)) return UNION;
    const group = target.group;
    const version = typeof target.version === 'string' && PLAIN.test(target.version) ? target.version : 'v1';
    if (typeof group === 'string' && group !== '') return PLAIN.test(group) ? [{ apiVersion: `${group}/${version}`, kind }] : UNION;
    const builtin = BUILTIN_GROUP.get(kind);
    if (builtin !== undefined) return [{ apiVersion: builtin === '' ? version : `${builtin}/${version}`, kind }];
    // A custom kind in any group: the patch's own apiVersion where it names the same kind.
    if (doc !== undefined && doc.kind === kind && typeof doc.apiVersion === 'string') return [{ apiVersion: doc.apiVersion, kind }];
    // A kind a guardrail reads by its group's URL: the group that serves it (CUSTOM_GROUP).
    const custom = CUSTOM_GROUP.get(kind);
    if (custom !== undefined) return [{ apiVersion: typeof target.version === 'string' && PLAIN.test(target.version) ? `${custom.slice(0, custom.indexOf('/'))}/${target.version}` : custom, kind }];
    return UNION;
  }
  if (doc !== undefined && typeof doc.kind === 'string' && typeof doc.apiVersion === 'string') return [{ apiVersion: doc.apiVersion, kind: doc.kind }];
  return UNION;
}

/** Counts one patch entry; true (and unread) once past MAX_GITOPS_PATCHES. */
function pastBound(src: Source, at: string): boolean {
  src.seen++;
  if (src.seen <= MAX_GITOPS_PATCHES) return false;
  unread(src, `${at}: ${src.owner} kustomize patches are more than ${MAX_GITOPS_PATCHES}, and the rest are not read`);
  return true;
}

function unread(src: Source, detail: string): void {
  src.unread ??= detail;
}

/** A kind as a detail names it. */
export function kindShown(k: PatchKind): string {
  return clientText(k.kind, 60) ?? '';
}
