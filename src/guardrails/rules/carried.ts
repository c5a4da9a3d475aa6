import { Buffer } from 'node:buffer';
import { gunzipSync } from 'node:zlib';
import { isObject, type Json } from '../types.js';
import { MAX_YAML_CHARS, MAX_YAML_DOCUMENTS, readYaml } from '../yaml.js';
import { binaryText } from './binary-text.js';
import { joinPath, walkObjects } from './walk.js';

/**
 * Whole Kubernetes objects a custom resource carries for a controller to write elsewhere, with the
 * controller's rights, found so that each can be judged as the write it becomes (inspect.ts
 * judgeCarried): by shape, any object below the document's root with a string `apiVersion` and
 * `kind` and something more than a reference's fields (an OCM ManifestWork's
 * `spec.workload.manifests`, a ManifestWorkReplicaSet's template, a Crossplane provider-kubernetes
 * Object's `spec.forProvider.manifest`, a kro ResourceGraphDefinition's `resources[].template`, a
 * Kratix Promise's dependencies, a Helm chart value's `extraObjects`), and where a wrapper names
 * the object another way:
 * - a Kyverno generate rule (`generate: {apiVersion, kind, name, namespace, data}`): `data` is the
 *   object's content, named and placed by the rule's own fields;
 * - a Rancher Fleet Bundle's `spec.resources[].content`: files, YAML in a string (`encoding:
 *   base64`, `base64+gz` too), which Fleet's agent applies on every cluster its targets pick;
 * - an OCM ConfigurationPolicy's `object-templates-raw` (policy.open-cluster-management.io, on its
 *   own or inside a Policy's `policy-templates`): YAML in a string, a list of `{complianceType,
 *   objectDefinition}` whose objects the policy controller creates on the managed clusters;
 * - a Rancher Fleet Content (`fleet.cattle.io` `contents`, what Fleet's controller stores for its
 *   agents to deploy): `content` is base64 of gzipped JSON `{resources: [...]}`, the Bundle's files;
 * - a Cluster API ClusterResourceSet's Secret (type `addons.cluster.x-k8s.io/resource-set`):
 *   each `data` value a manifest the controller applies to every workload cluster it selects; a
 *   ConfigMap's `data` (and `binaryData`) the same when a ClusterResourceSet names it, which the
 *   ConfigMap does not say.
 * An object found is not walked further here: the judgement of its own write finds what it
 * carries in turn. A reference (`scaleTargetRef`, an owner reference, a selector's `{apiVersion,
 * kind, name}`) creates nothing and is not an object.
 */
export interface CarriedObject {
  doc: Json;
  /** Where it sits in the body, dotted. */
  path: string;
}

export interface Carried {
  objects: CarriedObject[];
  /** Why part of the body was not read (a manifest string that cannot be read, or too many). */
  unread?: string;
}

/** The fields a reference to an object has; an object with nothing else creates nothing. */
const REFERENCE_KEYS = new Set(['apiVersion', 'kind', 'name', 'namespace', 'uid', 'fieldPath', 'resourceVersion', 'controller', 'blockOwnerDeletion', 'apiGroup']);

/** The Secret type Cluster API's ClusterResourceSet applies from (its `data` values are manifests). */
export const RESOURCE_SET_SECRET = 'addons.cluster.x-k8s.io/resource-set';
export const FLEET_GROUP = 'fleet.cattle.io';

/**
 * Open Cluster Management's policies: a ConfigurationPolicy's `object-templates-raw` is YAML in a
 * string, the objects its controller creates (`musthave`) on every managed cluster the Policy is
 * placed on, with the governance add-on's rights.
 */
export const OCM_POLICY_GROUP = 'policy.open-cluster-management.io';
const RAW_TEMPLATES = 'object-templates-raw';

/** Whether a wrapper's group means manifests in strings, which no key scan of the body shows. */
export function carriesText(apiGroup: string): boolean {
  return apiGroup === FLEET_GROUP || apiGroup === OCM_POLICY_GROUP;
}

/**
 * `resourceSet`: the document is a ClusterResourceSet's Secret (`known`), or may be one (`maybe`: a
 * patch of a Secret, which names no type). A maybe's value that cannot be read is passed over:
 * most Secrets hold text that is no manifest (a kubeconfig, a certificate).
 */
export type ResourceSet = 'known' | 'maybe' | undefined;

/**
 * The kind the request line names (a patch need not name it in the body): a ClusterResourceSet's
 * value holder, or a Fleet object whose files are strings.
 */
export type Holder = 'Secret' | 'ConfigMap' | 'Bundle' | 'Content' | undefined;

/** Where each holder keeps its values, and whether they are base64. */
const VALUE_FIELDS: Readonly<Record<'Secret' | 'ConfigMap', readonly (readonly [string, boolean])[]>> = {
  // `stringData` is written into `data` by the API server: the same manifests, unencoded.
  Secret: [
    ['data', true],
    ['stringData', false],
  ],
  ConfigMap: [
    ['data', false],
    ['binaryData', true],
  ],
};

export function carriedObjects(doc: Json, prefix: string, resourceSet: ResourceSet = undefined, holder: Holder = undefined): Carried {
  const found: CarriedObject[] = [];
  const budget = { chars: 0, count: 0 };
  let unread: string | undefined;
  const root = prefix.endsWith('.') ? prefix.slice(0, -1) : prefix;
  const fleetKind = typeof doc.apiVersion === 'string' && doc.apiVersion.startsWith(`${FLEET_GROUP}/`) ? doc.kind : undefined;
  const fleet = holder === 'Bundle' || fleetKind === 'Bundle';
  if (holder === 'Content' || fleetKind === 'Content') unread ??= fleetStored(doc, root, found, budget);
  walkObjects(doc, prefix, (node, path, key) => {
    if (key === 'generate' && isObject(node.data) && typeof node.apiVersion === 'string' && typeof node.kind === 'string') {
      found.push({ doc: generated(node, node.data), path: joinPath(path, 'data') });
      return 'skip';
    }
    if (node !== doc && isCarried(node)) {
      found.push({ doc: node, path });
      return 'skip';
    }
    // Walked on below: the structured `object-templates` beside it are found by shape.
    if (node[RAW_TEMPLATES] !== undefined) unread ??= rawObjectTemplates(node[RAW_TEMPLATES], joinPath(path, RAW_TEMPLATES), found, budget);
    if (fleet && key === 'resources' && typeof node.content === 'string') {
      const why = fleetContent(node, path, found, budget);
      unread ??= why;
      return 'skip';
    }
    return undefined;
  });
  if (resourceSet !== undefined || (doc.kind === 'Secret' && doc.type === RESOURCE_SET_SECRET)) {
    for (const [field, base64] of VALUE_FIELDS[holder === 'ConfigMap' ? 'ConfigMap' : 'Secret']) {
      const values = doc[field];
      if (!isObject(values)) continue;
      for (const [k, v] of Object.entries(values)) {
        if (typeof v !== 'string') continue;
        // A CBOR body's byte string is the value's bytes, not base64 (binary-text.ts).
        const text = base64 ? binaryText(v) : v;
        // Every value is read, whatever an earlier one was: an unreadable first value must not
        // hide the manifest after it.
        if (text.includes('apiVersion') && text.includes('kind')) {
          const why = manifestText(text, joinPath(joinPath(root, field), k), found, budget);
          // Past the budget nothing more is read, which a maybe must not hide either.
          if (resourceSet !== 'maybe' || overBudget(budget)) unread ??= why;
        }
      }
    }
  }
  return unread === undefined ? { objects: found } : { objects: found, unread };
}

/**
 * Where a patch of a wrapper goes inside a carried object without naming the object's apiVersion and
 * kind: a JSON patch `replace /spec/workload/manifests/0/spec/…`, or a merge patch of a Crossplane
 * Object's `manifest`, which merges into the stored object. Which rules apply depends on the kind
 * the stored object has, which the request does not show; the controller applies the result, so
 * the body is unread. The places are the wrappers' own (carried objects are otherwise found by
 * shape): a ManifestWork's (and a ManifestWorkReplicaSet's) `manifests` items, a Crossplane Object's
 * `manifest`, a kro graph's `resources[].template`, a Kratix Promise's `dependencies` items, a Helm
 * value's `extraObjects` items, and a Kyverno generate rule's `data` (where `kind` is the rule's).
 * Routine edits of a wrapper (labels, annotations, placement, status) touch none of them.
 */
export function openCarried(doc: Json, prefix: string): string | undefined {
  let open: string | undefined;
  walkObjects(doc, prefix, (node, path, key) => {
    if (open !== undefined) return 'skip';
    if (key === 'generate') {
      if (isObject(node.data) && (typeof node.apiVersion !== 'string' || typeof node.kind !== 'string')) open = joinPath(path, 'data');
      return 'skip';
    }
    const place = CARRIED_ITEMS.has(key) && path.endsWith(']') ? true : key === 'manifest' || (key === 'template' && /resources\[\d+\]\.template$/.test(path));
    if (!place) return undefined;
    if (typeof node.apiVersion !== 'string' || typeof node.kind !== 'string') open = path;
    return 'skip';
  });
  return open === undefined ? undefined : `${open} is patched without the apiVersion and kind of the object it changes, which the controller applies: what it becomes cannot be judged`;
}

/** The lists whose items are whole objects a controller writes. */
const CARRIED_ITEMS = new Set(['manifests', 'dependencies', 'extraObjects']);

function isCarried(node: Json): boolean {
  if (typeof node.apiVersion !== 'string' || typeof node.kind !== 'string') return false;
  for (const k of Object.keys(node)) if (!REFERENCE_KEYS.has(k)) return true;
  return false;
}

/** A Kyverno generate rule's object: `data` is its content, the rule's own fields say what and where. */
function generated(rule: Json, data: Json): Json {
  const meta = isObject(data.metadata) ? data.metadata : {};
  return {
    ...data,
    apiVersion: rule.apiVersion as string,
    kind: rule.kind as string,
    metadata: { ...meta, ...(typeof rule.name === 'string' && { name: rule.name }), ...(typeof rule.namespace === 'string' && { namespace: rule.namespace }) },
  };
}

/** One Fleet bundle resource: a file whose content is applied as the manifests it holds. */
function fleetContent(resource: Json, path: string, found: CarriedObject[], budget: { chars: number; count: number }): string | undefined {
  const at = joinPath(path, 'content');
  const encoding = typeof resource.encoding === 'string' ? resource.encoding : '';
  let text: string;
  try {
    if (encoding === '') text = resource.content as string;
    else if (encoding === 'base64') text = Buffer.from(resource.content as string, 'base64').toString('utf8');
    else if (encoding === 'base64+gz') text = gunzipSync(Buffer.from(resource.content as string, 'base64'), { maxOutputLength: MAX_YAML_CHARS }).toString('utf8');
    else return `${at} is encoded as ${JSON.stringify(encoding.slice(0, 40))}, which stepgate does not read`;
  } catch {
    return `${at} could not be decoded (${encoding}), or decodes to more than ${MAX_YAML_CHARS / 1024} KiB`;
  }
  return manifestText(text, at, found, budget);
}

/**
 * A Fleet Content's `content`: the JSON of the Bundle's resources, gzipped (fleet
 * internal/manifest), each file read as a Bundle's is.
 */
function fleetStored(doc: Json, root: string, found: CarriedObject[], budget: { chars: number; count: number }): string | undefined {
  if (doc.content === undefined) return undefined;
  const at = joinPath(root, 'content');
  let stored: unknown;
  try {
    if (typeof doc.content !== 'string') throw new Error('not a string');
    stored = JSON.parse(gunzipSync(Buffer.from(doc.content, 'base64'), { maxOutputLength: MAX_YAML_CHARS }).toString('utf8'));
  } catch {
    return `${at} could not be decoded (base64 of gzipped JSON), or decodes to more than ${MAX_YAML_CHARS / 1024} KiB`;
  }
  const resources = isObject(stored) ? stored.resources : undefined;
  if (resources === undefined) return undefined;
  if (!Array.isArray(resources)) return `${at} holds resources that are not a list`;
  for (const [i, r] of resources.entries()) {
    if (!isObject(r) || r.content === undefined) continue;
    if (typeof r.content !== 'string') return `${at}.resources[${i}].content is not a string`;
    const why = fleetContent(r, `${at}.resources[${i}]`, found, budget);
    if (why !== undefined) return why;
  }
  return undefined;
}

/**
 * A manifest string read into `found`; why not, when it cannot be. Together the strings of one
 * body get what one YAML body gets (readYaml bounds one string, not how many a body holds).
 */
function overBudget(budget: { chars: number; count: number }): boolean {
  return budget.count > MAX_YAML_DOCUMENTS || budget.chars > MAX_YAML_CHARS;
}

function manifestText(text: string, path: string, found: CarriedObject[], budget: { chars: number; count: number }): string | undefined {
  budget.chars += text.length;
  budget.count++;
  if (overBudget(budget)) return `${path} was not read: the body's manifests exceed ${MAX_YAML_DOCUMENTS} or ${MAX_YAML_CHARS / 1024} KiB together`;
  if (text.trim() === '') return undefined;
  const read = readYaml(text);
  if (!read.ok) return `${path} could not be read (${read.detail})`;
  for (const [i, doc] of read.documents.entries()) {
    if (isObject(doc) && typeof doc.apiVersion === 'string' && typeof doc.kind === 'string') found.push({ doc, path: read.documents.length > 1 ? `${path}[${i}]` : path });
  }
  return undefined;
}

/**
 * An OCM ConfigurationPolicy's `object-templates-raw`: YAML, a list whose items' `objectDefinition`s
 * are created on the managed clusters. Templates (`{{ … }}`, `{{hub … hub}}`) are resolved by the
 * controllers from the hub's and the managed cluster's objects (a `range` over them can make any
 * number of objects of any kind), which the request does not show: templated text is unread, and
 * what of it reads as YAML is judged too.
 */
function rawObjectTemplates(raw: unknown, path: string, found: CarriedObject[], budget: { chars: number; count: number }): string | undefined {
  if (typeof raw !== 'string') return `${path} is not a string`;
  if (raw.trim() === '') return undefined;
  // What reads as YAML is judged all the same (a template in a quoted value leaves the rest as is).
  const templated = raw.includes('{{') ? `${path} is templated ({{ … }}): the objects it makes depend on the hub's and the managed clusters' objects` : undefined;
  budget.chars += raw.length;
  budget.count++;
  if (overBudget(budget)) return `${path} was not read: the body's manifests exceed ${MAX_YAML_DOCUMENTS} or ${MAX_YAML_CHARS / 1024} KiB together`;
  // The text is a YAML list; under a key of its own it is the value of that key (YAML lets a block
  // sequence start at the key's column), so the bounded reader reads it as kube's decoder would.
  const read = readYaml(`${RAW_TEMPLATES}:\n${raw}`);
  const items = read.ok && read.documents.length === 1 ? read.documents[0]![RAW_TEMPLATES] : undefined;
  if (!read.ok) return templated ?? `${path} could not be read (${read.detail})`;
  if (!Array.isArray(items)) return templated ?? `${path} is not a list of object templates`;
  for (const [i, item] of items.entries()) {
    if (!isObject(item)) return templated ?? `${path}[${i}] is not an object template`;
    const def = item.objectDefinition;
    if (isObject(def) && isCarried(def)) found.push({ doc: def, path: `${path}[${i}].objectDefinition` });
  }
  return templated;
}
