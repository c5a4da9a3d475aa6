import { isObject, type Json } from '../types.js';
import { MAX_YAML_CHARS, MAX_YAML_DOCUMENTS, readYaml } from '../yaml.js';
import { joinPath, walkObjects } from './walk.js';

/**
 * Objects a controller creates from a custom resource's body, with its own service account rather
 * than the caller's: an Argo Workflows template's `resource` (its `manifest`, a YAML or JSON string,
 * created, applied, replaced, patched or deleted by the workflow's pod: a Workflow's,
 * WorkflowTemplate's or CronWorkflow's), an Argo Events Sensor trigger's `k8s.source.resource`, and
 * a Tekton Triggers TriggerTemplate's `resourcetemplates`. Each is the write it becomes, which the
 * gateway never sees: a ClusterRoleBinding to cluster-admin in a Workflow submitted to dev is that
 * binding, made by the workflow's account. inspect.ts judges each as that write of its kind.
 *
 * Argo substitutes `{{…}}` expressions before it reads a manifest, so an expression stands in for
 * a value stepgate does not know: it is read as a plain string (a routine template's
 * `name: {{inputs.parameters.name}}` reads as any name). A manifest that cannot be read even so, or
 * beyond what one body's manifests may cost, is reported as unread: the controller reads what
 * stepgate does not, so the caller gives it the unreadable body's effect. What a parameter fills in
 * is not seen (docs/risk.md).
 */
export interface EmbeddedObject {
  doc: Json;
  /** Where it sits in the body, dotted. */
  path: string;
  /** The write the controller makes with it. */
  action: 'create' | 'patch' | 'delete';
  /** Read from a string (a manifest), not an object of the body that other rules walk already. */
  fromText: boolean;
}

/** Keys one of which a body names where it embeds an object a controller writes. */
export const EMBEDDED_OBJECT_KEYS: readonly string[] = ['manifest', 'resourcetemplates', 'k8s'];

/** An Argo expression (`{{inputs.parameters.name}}`, `{{=sprig.trim(x)}}`), as a plain scalar. */
const EXPRESSION = /\{\{[^{}]*\}\}/g;

/**
 * What the manifest strings of one body may cost together: what one YAML body may (readYaml bounds
 * one string, not how many a body holds); beyond it the rest are not read.
 */
interface Budget {
  chars: number;
  count: number;
}

export interface Embedded {
  objects: EmbeddedObject[];
  /** Why a manifest was not read, when one was not. */
  unread?: string;
}

export function embeddedObjects(doc: Json, prefix: string): Embedded {
  const found: EmbeddedObject[] = [];
  const budget: Budget = { chars: 0, count: 0 };
  let unread: string | undefined;
  walkObjects(doc, prefix, (node, path, key) => {
    if (key === 'resource' && typeof node.manifest === 'string') unread ??= argoManifest(node, joinPath(path, 'manifest'), found, budget);
    if (key === 'k8s' && isObject(node.source) && isKubeObject(node.source.resource)) {
      found.push({ doc: node.source.resource, path: joinPath(path, 'source.resource'), action: node.operation === 'delete' ? 'delete' : node.operation === 'patch' ? 'patch' : 'create', fromText: false });
    }
    if (Array.isArray(node.resourcetemplates)) {
      node.resourcetemplates.forEach((t: unknown, i) => {
        if (isKubeObject(t)) found.push({ doc: t, path: `${joinPath(path, 'resourcetemplates')}[${i}]`, action: 'create', fromText: false });
      });
    }
  });
  return unread === undefined ? { objects: found } : { objects: found, unread };
}

/** Reads one manifest into `found`; says why when it cannot. */
function argoManifest(resource: Json, path: string, found: EmbeddedObject[], budget: Budget): string | undefined {
  const text = (resource.manifest as string).replace(EXPRESSION, 'argo-expression');
  budget.chars += text.length;
  if (++budget.count > MAX_YAML_DOCUMENTS || budget.chars > MAX_YAML_CHARS) return `${path} was not read: the body's manifests exceed ${MAX_YAML_DOCUMENTS} or ${MAX_YAML_CHARS / 1024} KiB together`;
  if (text.trim() === '') return undefined;
  const read = readYaml(text);
  if (!read.ok) return `${path} could not be read (${read.detail})`;
  const action = resource.action === 'delete' ? 'delete' : resource.action === 'patch' ? 'patch' : 'create';
  read.documents.forEach((doc, i) => {
    if (isKubeObject(doc)) found.push({ doc, path: read.documents.length > 1 ? `${path}[${i}]` : path, action, fromText: true });
  });
  return undefined;
}

function isKubeObject(v: unknown): v is Json {
  return isObject(v) && typeof v.apiVersion === 'string' && typeof v.kind === 'string';
}
