import { clientText } from '../../core/redact.js';
import { isObject, type Json } from '../types.js';
import { readYaml } from '../yaml.js';
import type { RuleContext } from './context.js';
import { parseImage } from './images.js';

/**
 * image_registry_not_allowed for the images a GitOps object tells its controller to substitute.
 * Argo CD and Flux render the manifests with their own rights (cluster-admin in a default install)
 * and write the Deployment beside the gateway, so an image named here never reaches a pod template
 * stepgate reads (day 36: a production Application redefined with `kustomize.images:
 * ["checkout-api=<unlisted registry>/…"]`). Read only where `allowed_registries` is set:
 *
 * - kustomize image overrides: Argo CD's `kustomize.images` strings, in the grammar Argo CD hands
 *   `kustomize edit set image` (kustomize's parse: `name=newName[:tag|@digest]` replaces the image,
 *   one `=` exactly; `name:tag`, `name@digest` change only the tag or digest, so the registry stays
 *   the manifest's), and a Flux Kustomization's `images[].newName`;
 * - Helm: Argo CD's `helm.parameters`, `helm.values` (a YAML string) and `helm.valuesObject`, a
 *   Flux HelmRelease's `values`, by the shape charts use (imageKey below): a key `image` or ending
 *   in `Image` holding a reference, or an object (`image: {registry, repository}`), whose
 *   `registry` is read with its `repository` as one reference; `imageRegistry` (bitnami's
 *   `global.imageRegistry`) is a registry. A repository without a registry beside it is read only
 *   when its first component is a host: otherwise the registry is the chart's default, in the
 *   chart, which the body does not show and does not change.
 * - an ApplicationSet's `template.spec` as an Application's. A value it fills from a generator
 *   (`{{…}}`) is not fixed by the body, nor is its `templatePatch`, nor (in a patch) what the
 *   generators it sets fill into the stored template: each is reported through `ctx.unreadable`
 *   (docs/guardrails.md "Argo parameters"), never a silent pass.
 */

export const APPLICATIONS_KEY = 'argoproj.io/applications';
export const APPLICATION_SETS_KEY = 'argoproj.io/applicationsets';
const KUSTOMIZATIONS_KEY = 'kustomize.toolkit.fluxcd.io/kustomizations';
const HELM_RELEASES_KEY = 'helm.toolkit.fluxcd.io/helmreleases';
export const GITOPS_IMAGE_KEYS: ReadonlySet<string> = new Set([APPLICATIONS_KEY, APPLICATION_SETS_KEY, KUSTOMIZATIONS_KEY, HELM_RELEASES_KEY]);

/**
 * The fields of an Argo CD source that say where its manifests and values come from. A patch that
 * sets one (and does not pin it to a commit) deploys what is there, which the body does not show.
 */
const SOURCE_FIELDS = ['repoURL', 'targetRevision', 'path', 'chart', 'ref', 'valueFiles', 'fileParameters'];

/** Who reads the field, as the detail names it. */
const OWNER: Readonly<Record<string, string>> = {
  [APPLICATIONS_KEY]: "an Argo CD Application's",
  [APPLICATION_SETS_KEY]: "an Argo CD ApplicationSet's",
  [KUSTOMIZATIONS_KEY]: "a Flux Kustomization's",
  [HELM_RELEASES_KEY]: "a Flux HelmRelease's",
};

/** Keys one of which a body names where it may set an image here (inspect.ts parses only such a body). */
export const GITOPS_IMAGE_NAMES = ['images', 'helm', 'values', 'templatePatch', 'generators', 'patch', 'postRenderers', 'substitute', 'valuesFrom', 'substituteFrom', ...SOURCE_FIELDS];

/** One document of group/resource `key` (GITOPS_IMAGE_KEYS), whole or a patch's (ctx.partial). */
export function checkGitopsImages(doc: Json, key: string, prefix: string, ctx: RuleContext): void {
  if (ctx.settings.registryAllowed === undefined) return;
  const spec = doc.spec;
  if (!isObject(spec)) return;
  const at: At = { owner: OWNER[key] ?? 'a GitOps object', templated: key === APPLICATION_SETS_KEY, ctx };
  switch (key) {
    case APPLICATIONS_KEY:
      checkAppSpec(spec, `${prefix}spec`, at);
      return;
    case APPLICATION_SETS_KEY: {
      const template = spec.template;
      if (isObject(template) && isObject(template.spec)) checkAppSpec(template.spec, `${prefix}spec.template.spec`, at);
      // Each generator may carry its own template, merged over spec.template (its fields win).
      generatorTemplates(spec.generators, `${prefix}spec.generators`, (t, p) => checkAppSpec(t, p, at));
      // templatePatch is a Go template over the rendered Application: anything, images included.
      if (typeof spec.templatePatch === 'string' && spec.templatePatch !== '') ctx.unreadable?.(`${prefix}spec.templatePatch: ${at.owner} templatePatch may set any image, filled from generators the body does not fix`);
      // A patch that sets the generators fills the stored template, which it does not show (a
      // template in the patch is merged into the stored one, not put in its place).
      if (ctx.partial && spec.generators !== undefined && spec.generators !== null) {
        ctx.unreadable?.(`${prefix}spec.generators: a patch of ${at.owner} generators fills the stored template's images, which it does not show`);
      }
      return;
    }
    case KUSTOMIZATIONS_KEY:
      checkFluxImages(spec.images, `${prefix}spec.images`, at);
      checkKustomizePatches(spec, `${prefix}spec`, 'spec', at);
      if (isObject(spec.postBuild) && isObject(spec.postBuild.substitute)) checkSubstitute(spec.postBuild.substitute, `${prefix}spec.postBuild.substitute`, at);
      if (isObject(spec.postBuild) && Array.isArray(spec.postBuild.substituteFrom) && spec.postBuild.substituteFrom.length > 0) {
        ctx.unreadable?.(`${prefix}spec.postBuild.substituteFrom: ${at.owner} variables come from a ConfigMap or Secret the body does not show, and any of them may stand in an image`);
      }
      return;
    case HELM_RELEASES_KEY:
      if (isObject(spec.values)) checkValues(spec.values, `${prefix}spec.values`, 'spec.values', at);
      if (Array.isArray(spec.valuesFrom)) checkValuesFrom(spec.valuesFrom, `${prefix}spec.valuesFrom`, at);
      // helm-controller runs kustomize over the rendered chart (PostRenderer.Kustomize): its images
      // and patches replace what the chart names, as a Kustomization's do.
      if (Array.isArray(spec.postRenderers)) {
        spec.postRenderers.forEach((r: unknown, i) => {
          if (!isObject(r) || !isObject(r.kustomize)) return;
          const p = `${prefix}spec.postRenderers[${i}].kustomize`;
          checkFluxImages(r.kustomize.images, `${p}.images`, at);
          checkKustomizePatches(r.kustomize, p, `spec.postRenderers[${i}].kustomize`, at);
        });
      }
      return;
  }
}

/**
 * The templates an ApplicationSet's generators carry (`generators[].list.template`, a matrix's or
 * merge's nested generators' too): the controller merges each over `spec.template`, the
 * generator's fields taking precedence, so an image named there is deployed as one in the
 * template is. Every `template` object with a `spec` under the generators is read as one.
 */
export function generatorTemplates(generators: unknown, path: string, visit: (spec: Record<string, unknown>, path: string) => void): void {
  const stack: { node: unknown; path: string }[] = [{ node: generators, path }];
  while (stack.length > 0) {
    const { node, path: p } = stack.pop()!;
    if (Array.isArray(node)) node.forEach((item: unknown, i) => stack.push({ node: item, path: `${p}[${i}]` }));
    else if (isObject(node)) {
      for (const [k, v] of Object.entries(node)) {
        if (k === 'template' && isObject(v) && isObject(v.spec)) visit(v.spec, `${p}.template.spec`);
        else if (typeof v === 'object' && v !== null) stack.push({ node: v, path: `${p}.${k}` });
      }
    }
  }
}

/** Argo CD's Application spec as the REST API's UpdateSpec sends it (the spec alone). */
export function checkApplicationSpec(spec: Json, path: string, ctx: RuleContext): void {
  if (ctx.settings.registryAllowed === undefined) return;
  checkAppSpec(spec, path, { owner: OWNER[APPLICATIONS_KEY]!, templated: false, ctx });
}

interface At {
  owner: string;
  /** Values may hold `{{…}}` filled from generators (an ApplicationSet's template). */
  templated: boolean;
  ctx: RuleContext;
}

function checkAppSpec(spec: Json, path: string, at: At): void {
  if (isObject(spec.source)) checkSource(spec.source, `${path}.source`, field(path, 'source'), at);
  if (Array.isArray(spec.sources)) {
    spec.sources.forEach((s: unknown, i) => {
      if (isObject(s)) checkSource(s, `${path}.sources[${i}]`, field(path, `sources[${i}]`), at);
    });
  }
}

/** `spec.source` as the detail names it: the path without a `documents[i].` prefix. */
function field(path: string, own: string): string {
  return `${path.replace(/^documents\[\d+\]\./, '')}.${own}`;
}

function checkSource(source: Json, path: string, named: string, at: At): void {
  const k = source.kustomize;
  if (isObject(k) && Array.isArray(k.images)) {
    k.images.forEach((img: unknown, i) => {
      if (typeof img === 'string') kustomizeImage(img, `${path}.kustomize.images[${i}]`, `${named}.kustomize.images`, at);
    });
  }
  if (isObject(k)) checkKustomizePatches(k, `${path}.kustomize`, `${named}.kustomize`, at);
  if (at.ctx.partial && at.ctx.applied !== true) checkSourceChange(source, path, named, at);
  const h = source.helm;
  if (!isObject(h)) return;
  checkValueFiles(h, `${path}.helm`, `${named}.helm`, at);
  if (Array.isArray(h.parameters)) checkParameters(h.parameters, `${path}.helm.parameters`, `${named}.helm.parameters`, at);
  if (isObject(h.valuesObject)) checkValues(h.valuesObject, `${path}.helm.valuesObject`, `${named}.helm.valuesObject`, at);
  if (typeof h.values === 'string' && h.values !== '') {
    const p = `${path}.helm.values`;
    // Generator values land in the text before Helm reads it: a line break in one adds keys.
    if (at.templated && h.values.includes('{{')) {
      at.ctx.unreadable?.(`${p}: ${at.owner} helm.values is filled from generators the body does not fix, and may name any image`);
      return;
    }
    const read = readYaml(h.values);
    if (!read.ok) {
      at.ctx.unreadable?.(`${p}: ${at.owner} helm.values could not be read (${read.detail}), and Helm reads it`);
      return;
    }
    read.documents.forEach((d, i) => checkValues(d, read.documents.length > 1 ? `${p}[${i}]` : p, `${named}.helm.values`, at));
  }
}

/**
 * kustomize's `edit set image` argument (api/.../image.go parse): exactly one `=` replaces the
 * image by what follows it (its name, then `@digest` or `:tag`); anything else changes a tag or
 * digest of the name kept.
 */
export function kustomizeNewName(arg: string): string | undefined {
  const parts = arg.split('=');
  if (parts.length !== 2) return undefined;
  const right = parts[1]!;
  return right === '' ? undefined : right;
}

function kustomizeImage(arg: string, path: string, named: string, at: At): void {
  // A generator's value may bring the `=` itself (`{{image}}` filled with `api=evil.example/api`).
  if (at.templated && arg.includes('{{')) {
    at.ctx.unreadable?.(`${path}: ${at.owner} ${named} holds ${clientText(arg, 200) ?? ''}, filled from generators the body does not fix`);
    return;
  }
  const replaced = kustomizeNewName(arg);
  if (replaced === undefined) return;
  judge(replaced, path, named, at);
}

function checkFluxImages(images: unknown, path: string, at: At): void {
  if (!Array.isArray(images)) return;
  images.forEach((img: unknown, i) => {
    if (isObject(img) && typeof img.newName === 'string' && img.newName !== '') judge(img.newName, `${path}[${i}].newName`, 'spec.images', at);
  });
}

/**
 * kustomize's patches over the rendered manifests, which set whatever they name, images included:
 * Argo CD's `kustomize.patches` and a Flux Kustomization's or HelmRelease post-renderer's
 * `patches` (each a `patch` text, YAML or JSON: a strategic-merge patch, a partial object, or a
 * JSON 6902 list of operations), and the older Flux APIs' `patchesJson6902` (`patch`: a list of
 * operations; their `patchesStrategicMerge` objects are whole manifests, which the embedded-object
 * reading already judges as the objects they are). Every image-shaped key a patch sets is judged
 * as Helm values' are; an operation's value is read under the last segment of its path
 * (`/spec/template/spec/containers/0/image`). A patch text that cannot be read is unreadable: the
 * controller reads it. A `path` names a file in the repository, the source, and is not read.
 */
function checkKustomizePatches(k: Json, path: string, named: string, at: At): void {
  if (Array.isArray(k.patches)) {
    k.patches.forEach((p: unknown, i) => {
      if (isObject(p) && typeof p.patch === 'string' && p.patch.trim() !== '') patchText(p.patch, `${path}.patches[${i}].patch`, `${named}.patches`, at);
    });
  }
  if (Array.isArray(k.patchesJson6902)) {
    k.patchesJson6902.forEach((p: unknown, i) => {
      if (isObject(p) && Array.isArray(p.patch)) patchOperations(p.patch, `${path}.patchesJson6902[${i}].patch`, `${named}.patchesJson6902`, at);
    });
  }
}

/** A list-shaped patch text (a JSON 6902 list, block or flow): its first significant character. */
const LIST_TEXT = /^(?:\s*#[^\n]*\n)*\s*(?:\[|-(?:\s|$))/;
/** A YAML document marker on a line of its own, which a list read under a key cannot hold. */
const DOCUMENT_MARKER = /^(?:---|\.\.\.)(?:\s|$)/m;

function patchText(text: string, path: string, named: string, at: At): void {
  // A generator's value lands in the text before kustomize reads it: a line break in one adds keys.
  if (at.templated && text.includes('{{')) {
    at.ctx.unreadable?.(`${path}: ${at.owner} ${named} holds a patch filled from generators the body does not fix, which may set any image`);
    return;
  }
  const list = LIST_TEXT.test(text);
  if (list && DOCUMENT_MARKER.test(text)) {
    at.ctx.unreadable?.(`${path}: ${at.owner} ${named} holds a list patch with YAML document markers, which could not be read, and kustomize reads it`);
    return;
  }
  // The YAML reader takes mappings only: a list is read as the value of one key, indented under it.
  const read = readYaml(list ? `ops:\n${text.replace(/^/gm, '  ')}` : text);
  if (!read.ok) {
    at.ctx.unreadable?.(`${path}: ${at.owner} ${named} holds a patch that could not be read (${read.detail}), and kustomize reads it`);
    return;
  }
  if (list) {
    const ops = read.documents[0]!.ops;
    if (Array.isArray(ops)) patchOperations(ops, path, named, at);
    return;
  }
  read.documents.forEach((d, i) => checkValues(d, read.documents.length > 1 ? `${path}[${i}]` : path, named, at));
}

/**
 * JSON 6902 operations: each value read under its path's last segment (`image`, `containers`, `-`).
 * A `copy` or `move` (kustomize applies both) writes a value from elsewhere in the rendered
 * manifest, which the body does not show: an earlier operation's annotation or env value (never
 * judged as an image) copied onto `containers/0/image` deploys it. Unreadable, as the controller
 * reads it (review46).
 */
function patchOperations(ops: readonly unknown[], path: string, named: string, at: At): void {
  ops.forEach((op: unknown, i) => {
    if (isObject(op) && (op.op === 'copy' || op.op === 'move')) {
      at.ctx.unreadable?.(`${path}[${i}]: ${at.owner} ${named} holds a ${op.op} of a value from elsewhere in the manifests, which may be an image the body does not show`);
      return;
    }
    if (!isObject(op) || typeof op.path !== 'string' || op.value === undefined) return;
    const last = op.path.slice(op.path.lastIndexOf('/') + 1).replace(/~1/g, '/').replace(/~0/g, '~');
    checkValues({ [last]: op.value }, `${path}[${i}]`, named, at);
  });
}

/** A commit (40 or 64 hex digits) or a release version (`1.4.2`, `v1.4.2-rc.1`): what a revision pins. */
const PINNED_REVISION = /^(?:[0-9a-f]{40}|[0-9a-f]{64}|v?\d+\.\d+\.\d+(?:[-+][0-9A-Za-z.-]+)?)$/i;

/** A values file Argo CD fetches from a URL rather than from the source's repository. */
const REMOTE_FILE = /^[a-z][a-z0-9+.-]*:\/\//i;

/**
 * Values from places the body does not show (issue #12, session 51). Where registries are listed,
 * a values file at a URL (fetched when Argo CD renders, from wherever it names: no repository the
 * Application names) and a file parameter whose name is image-shaped (the file's text is the image)
 * set an image this body does not show: unreadable. A values file in the source's repository is
 * the source's, as its manifests are, when the object is written whole; a patch that names values
 * files is a change of which of them are read (checkSourceChange).
 */
function checkValueFiles(h: Json, path: string, named: string, at: At): void {
  if (Array.isArray(h.valueFiles)) {
    h.valueFiles.forEach((f: unknown, i) => {
      if (typeof f === 'string' && REMOTE_FILE.test(f.trim())) {
        at.ctx.unreadable?.(`${path}.valueFiles[${i}]: ${at.owner} ${named}.valueFiles names ${clientText(f, 200) ?? ''}, values fetched from outside the source's repository that the body does not show, which may name any image`);
      }
    });
  }
  if (Array.isArray(h.fileParameters)) {
    h.fileParameters.forEach((p: unknown, i) => {
      if (isObject(p) && typeof p.name === 'string' && imageParameter(p.name.trim())) {
        at.ctx.unreadable?.(`${path}.fileParameters[${i}]: ${at.owner} ${named}.fileParameters sets ${shown(p.name)} from a file the body does not show`);
      }
    });
  }
}

/**
 * A patch of an Application's source (kubectl patch, the REST API's Patch; not a server-side
 * apply, which restates the manager's whole configuration) that moves where its manifests or
 * values come from: another repository, path, chart, `ref`, values files or file parameters, or a
 * revision that is not pinned (a branch: whatever is pushed there next). What it deploys is there,
 * not in the body: unreadable where registries are listed, as the Argo parameters a body does not
 * fix are. A revision pinned to a commit or a release version is read as the change it is (the
 * repository's content at it), as a whole write naming it is.
 */
function checkSourceChange(source: Json, path: string, named: string, at: At): void {
  for (const f of SOURCE_FIELDS) {
    const v = f === 'valueFiles' || f === 'fileParameters' ? (isObject(source.helm) ? source.helm[f] : undefined) : source[f];
    if (v === undefined || v === null || v === '' || (Array.isArray(v) && v.length === 0)) continue;
    if (f === 'targetRevision' && typeof v === 'string' && PINNED_REVISION.test(v.trim())) continue;
    const at2 = f === 'valueFiles' || f === 'fileParameters' ? `${path}.helm.${f}` : `${path}.${f}`;
    const what = f === 'targetRevision' && typeof v === 'string' ? `to ${clientText(v, 120) ?? ''}, which no commit pins` : '';
    at.ctx.unreadable?.(`${at2}: a patch of ${at.owner} ${named} changes ${f === 'valueFiles' || f === 'fileParameters' ? `helm.${f}` : f}${what === '' ? '' : ` ${what}`}: what it then deploys is in the repository, not in the body, and may name any image`);
    return;
  }
}

/**
 * A Flux HelmRelease's `valuesFrom`: values merged from a ConfigMap or Secret, which the body does
 * not show. One with a `targetPath` sets that one value: read by its name as a Helm parameter's
 * (`image.registry`, `image.repository`, `sidecarImage`, `global.imageRegistry` are images;
 * `image.tag`, `replicaCount` are not); one without merges the whole values file, any image
 * included: unreadable.
 */
function checkValuesFrom(list: readonly unknown[], path: string, at: At): void {
  list.forEach((v: unknown, i) => {
    if (!isObject(v)) return;
    const target = typeof v.targetPath === 'string' ? v.targetPath.trim() : '';
    if (target !== '' && !imageParameter(target)) return;
    const from = `${typeof v.kind === 'string' ? clientText(v.kind, 20) ?? '' : 'object'} ${typeof v.name === 'string' ? clientText(v.name, 253) ?? '' : ''}`.trim();
    at.ctx.unreadable?.(`${path}[${i}]: ${at.owner} spec.valuesFrom takes ${target === '' ? 'its values' : `${shown(target)}`} from ${from}, which the body does not show, and may name any image`);
  });
}

/** A Helm parameter's dotted name that sets an image, a registry or a repository (checkParameters' shapes). */
function imageParameter(name: string): boolean {
  const dot = name.lastIndexOf('.');
  const last = name.slice(dot + 1);
  const parent = dot < 0 ? '' : name.slice(0, dot);
  const parentKey = parent.slice(parent.lastIndexOf('.') + 1);
  return imageKey(last) || last === 'imageRegistry' || (imageKey(parentKey) && (last === 'registry' || last === 'repository'));
}

/**
 * A Flux Kustomization's `postBuild.substitute`: variables kustomize-controller puts in place of
 * `${NAME}` in the text of the rendered manifests before applying them (line breaks removed from
 * each value first). Which variable stands in an `image:` is the repository's, and the body does
 * not show it, so a variable is read by its name and by its value: one named `IMAGE`, `…_IMAGE`
 * (`CHECKOUT_IMAGE`) or `…Image` holds a whole reference, one named `REGISTRY`, `…_REGISTRY` or
 * `imageRegistry` a registry (`${REGISTRY}/checkout-api:${TAG}`), each judged as Helm values of
 * those shapes are; and (session 51) any other whose value reads as a reference on a registry host
 * (`evil.example/checkout-api`, `localhost:5000/x`: a first component with a `.` or a `:`, or
 * `localhost`, and a path after it) is judged as the image it would be in `image: ${REPO}`. A value
 * that names no host (a tag, `${TAG_OVERRIDE}` = `7.14.2`; a domain; a count) cannot move an image
 * to another registry by itself. `substituteFrom` (a ConfigMap or Secret) is unreadable above.
 */
function checkSubstitute(vars: Json, path: string, at: At): void {
  for (const [name, raw] of Object.entries(vars)) {
    if (typeof raw !== 'string') continue;
    const value = raw.replace(/\n/g, '');
    const p = `${path}.${name}`;
    const named = `spec.postBuild.substitute ${shown(name)}`;
    if (SUBSTITUTE_IMAGE.test(name) || imageKey(name)) judge(value, p, named, at);
    else if (SUBSTITUTE_REGISTRY.test(name)) judgeRegistry(value, '', p, named, at);
    else if (hostReference(value)) judge(value.trim(), p, named, at);
  }
}

/** `host/path[:tag|@digest]` with a registry host first (what parseImage reads as one), no scheme, no spaces. */
function hostReference(value: string): boolean {
  const v = value.trim();
  if (v === '' || /\s/.test(v) || v.includes('://')) return false;
  const slash = v.indexOf('/');
  if (slash <= 0 || slash === v.length - 1) return false;
  const head = v.slice(0, slash);
  return head.includes('.') || head.includes(':') || head === 'localhost';
}

/** A substitution variable named as an image (`IMAGE`, `CHECKOUT_IMAGE`, `checkout_image`). */
const SUBSTITUTE_IMAGE = /(?:^|_)image$/i;
/** A substitution variable named as a registry (`REGISTRY`, `IMAGE_REGISTRY`, `imageRegistry`). */
const SUBSTITUTE_REGISTRY = /(?:^|_)registry$|^imageRegistry$/i;

/** A reference a chart takes whole: `image`, `sidecarImage`, `initContainerImage`. */
function imageKey(k: string): boolean {
  return k === 'image' || (k.endsWith('Image') && k.length > 5);
}

/**
 * Argo CD's Helm parameters: `--set name=value` pairs, dotted names into the values. Read as the
 * values they make (`image.repository` beside `image.registry` is one reference).
 */
function checkParameters(params: readonly unknown[], path: string, named: string, at: At): void {
  const set = new Map<string, { value: string; i: number }>();
  params.forEach((p: unknown, i) => {
    if (!isObject(p)) return;
    if (typeof p.name === 'string' && typeof p.value === 'string') set.set(p.name.trim(), { value: p.value, i });
    // A JSON patch of one parameter's value (or name) by index: the other half is the stored one.
    else if (at.ctx.partial && (typeof p.name === 'string' || typeof p.value === 'string')) {
      at.ctx.unreadable?.(`${path}[${i}]: a patch of ${at.owner} ${named} sets a parameter's ${typeof p.name === 'string' ? 'name' : 'value'} without its ${typeof p.name === 'string' ? 'value' : 'name'}, which the stored parameter holds`);
    }
  });
  for (const [name, { value, i }] of set) {
    // A name a generator fills may be `image`.
    if (at.templated && name.includes('{{')) {
      at.ctx.unreadable?.(`${path}[${i}].name: ${at.owner} ${named} names a parameter filled from generators the body does not fix`);
      continue;
    }
    const dot = name.lastIndexOf('.');
    const last = name.slice(dot + 1);
    const parent = dot < 0 ? '' : name.slice(0, dot);
    const parentKey = parent.slice(parent.lastIndexOf('.') + 1);
    const p = `${path}[${i}].value`;
    if (imageKey(last)) judge(value, p, `${named} ${shown(name)}`, at);
    else if (last === 'imageRegistry') judgeRegistry(value, '', p, `${named} ${shown(name)}`, at);
    else if (imageKey(parentKey) && last === 'registry') judgeRegistry(value, set.get(`${parent}.repository`)?.value ?? '', p, `${named} ${shown(name)}`, at);
    else if (imageKey(parentKey) && last === 'repository' && !set.has(`${parent}.registry`)) judgeRepository(value, p, `${named} ${shown(name)}`, at);
  }
}

/** Helm values (an object): every image-shaped key, however deep (subcharts, lists of sidecars). */
function checkValues(values: Json, path: string, named: string, at: At): void {
  const stack: { node: Json; path: string }[] = [{ node: values, path }];
  while (stack.length > 0) {
    const { node, path: p } = stack.pop()!;
    for (const [k, v] of Object.entries(node)) {
      const kp = `${p}.${k}`;
      if (at.templated && k.includes('{{')) {
        at.ctx.unreadable?.(`${kp}: ${at.owner} ${named} has a key filled from generators the body does not fix`);
        continue;
      }
      if (imageKey(k) && typeof v === 'string') judge(v, kp, named, at);
      else if (k === 'imageRegistry' && typeof v === 'string') judgeRegistry(v, '', kp, named, at);
      else if (imageKey(k) && isObject(v)) {
        const repository = typeof v.repository === 'string' ? v.repository : undefined;
        if (typeof v.registry === 'string') judgeRegistry(v.registry, repository ?? '', `${kp}.registry`, named, at);
        else if (repository !== undefined) judgeRepository(repository, `${kp}.repository`, named, at);
      }
      if (isObject(v)) stack.push({ node: v, path: kp });
      else if (Array.isArray(v)) v.forEach((item: unknown, i) => isObject(item) && stack.push({ node: item, path: `${kp}[${i}]` }));
    }
  }
}

/** A repository without its registry: judged only when it names a host itself (see the header). */
function judgeRepository(repository: string, path: string, named: string, at: At): void {
  const first = repository.indexOf('/');
  const head = first < 0 ? '' : repository.slice(0, first);
  if (repository.includes('{{') || head.includes('.') || head.includes(':') || head === 'localhost') judge(repository, path, named, at);
}

/** A chart's `registry` value: a host, whatever its shape (charts prefix it to the repository). */
function judgeRegistry(registry: string, repository: string, path: string, named: string, at: At): void {
  if (registry === '') return;
  judge(registry, path, named, at, repository);
}

/**
 * `image` is a whole reference, or with `repository` given (even ''), a chart's registry value,
 * read as a host with that repository.
 */
function judge(image: string, path: string, named: string, at: At, repository?: string): void {
  if (image === '') return;
  const shownImage = clientText(image, 200) ?? '';
  const what = repository === undefined ? shownImage : `registry ${shownImage}`;
  // Argo CD fills these in the ApplicationSet controller; an Application's own `{{` is literal.
  if (at.templated && image.includes('{{')) {
    at.ctx.unreadable?.(`${path}: ${at.owner} ${named} names ${what}, filled from generators the body does not fix`);
    return;
  }
  const ref = repository === undefined ? parseImage(image) : registryRef(image, repository);
  if (at.ctx.settings.registryAllowed!(ref.registry, ref.repository)) return;
  at.ctx.out.push({ code: 'image_registry_not_allowed', detail: `${at.owner} ${named} names ${what}, not in allowed_registries`, path });
}

/**
 * A registry value and a repository as the runtime reads `<registry>/<repository>`: the value's
 * first component is the host whatever its shape (lower case, Docker Hub's aliases), any path
 * after it leads the repository.
 */
function registryRef(value: string, repository: string): { registry: string; repository: string } {
  const v = value.replace(/\/+$/, '');
  const slash = v.indexOf('/');
  const host = (slash < 0 ? v : v.slice(0, slash)).toLowerCase();
  const path = slash < 0 ? repository : `${v.slice(slash + 1)}/${repository}`;
  return { registry: host === 'index.docker.io' || host === 'registry-1.docker.io' ? 'docker.io' : host, repository: path };
}

function shown(name: string): string {
  return clientText(name, 80) ?? '';
}
