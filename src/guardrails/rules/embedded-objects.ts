import { isObject, type Json } from '../types.js';
import { MAX_YAML_CHARS, MAX_YAML_DOCUMENTS, readYaml } from '../yaml.js';
import { argoScope, fillManifest, UNKNOWN_SCOPE, UNKNOWN_VALUE, unknownAt, type ArgoScope } from './argo-parameters.js';
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
 * Argo substitutes `{{…}}` tags before it reads a manifest, so each manifest is read every way
 * the body fixes them (rules/argo-parameters.ts: a ClusterRole named by a parameter set to
 * cluster-admin is that binding); a tag the body does not fix (a WorkflowTemplate's parameters,
 * `valueFrom`, `{{=…}}`) may be anything, so where it lands in a field that could change the
 * judgement (a kind, a role, a namespace, a flag) the manifest is unread. So is a field an Argo
 * Events trigger's `parameters` or Tekton's `$(tt.params.x)` fill from the event, a manifest that
 * cannot be read, and what goes beyond what one body's manifests may cost: the controller reads
 * what stepgate does not, so the caller gives it the unreadable body's effect.
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

/**
 * Keys one of which a body names where it embeds an object a controller writes, sets the
 * parameters that fill one in (a patch of a Workflow's arguments), or passes kubectl flags.
 */
export const EMBEDDED_OBJECT_KEYS: readonly string[] = ['manifest', 'resourcetemplates', 'k8s', 'parameters', 'flags'];

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

export function embeddedObjects(doc: Json, prefix: string, namespace = '', partial = false): Embedded {
  const found: EmbeddedObject[] = [];
  const budget: Budget = { chars: 0, count: 0 };
  let unread: string | undefined;
  const scoped = new Set<Json>();
  // A CronWorkflow's workflow is its spec.workflowSpec; anything else's templates are its spec's.
  walkObjects(doc, prefix, (node, path, key) => {
    if (Array.isArray(node.templates)) {
      node.templates.forEach((t: unknown, i) => {
        if (!isObject(t) || !isObject(t.resource)) return;
        unread ??= argoFlags(t.resource, `${joinPath(path, 'templates')}[${i}].resource.flags`);
        if (typeof t.resource.manifest !== 'string') return;
        scoped.add(t.resource);
        unread ??= argoManifest(t.resource, `${joinPath(path, 'templates')}[${i}].resource.manifest`, argoScope(node, t, doc.kind, namespace), found, budget);
      });
    }
    // A resource outside a templates list (a patch's, templateDefaults'): nothing fixes its tags.
    if (key === 'resource' && typeof node.manifest === 'string' && !scoped.has(node)) {
      unread ??= argoFlags(node, joinPath(path, 'flags'));
      unread ??= argoManifest(node, joinPath(path, 'manifest'), UNKNOWN_SCOPE, found, budget);
    }
    if (key === 'k8s' && isObject(node.source) && isKubeObject(node.source.resource)) {
      const at = joinPath(path, 'source.resource');
      unread ??= sensorParameters(node, at);
      found.push({ doc: node.source.resource, path: at, action: node.operation === 'delete' ? 'delete' : node.operation === 'patch' ? 'patch' : 'create', fromText: false });
    }
    if (Array.isArray(node.resourcetemplates)) {
      node.resourcetemplates.forEach((t: unknown, i) => {
        if (!isKubeObject(t)) return;
        const at = `${joinPath(path, 'resourcetemplates')}[${i}]`;
        unread ??= tektonParameters(t, at);
        found.push({ doc: t, path: at, action: 'create', fromText: false });
      });
    }
  });
  if (unread === undefined && partial && argoParametersOnly(doc)) unread = `${joinPath(prefix.endsWith('.') ? prefix.slice(0, -1) : prefix, 'spec')} sets Argo parameters without the templates that use them: the stored templates' resource manifests may take them`;
  return unread === undefined ? { objects: found } : { objects: found, unread };
}

/** Reads one manifest into `found`, every way its tags may be filled in; says why when it cannot. */
function argoManifest(resource: Json, path: string, scope: ArgoScope, found: EmbeddedObject[], budget: Budget): string | undefined {
  // The action is a template field like any other, filled in before kubectl runs it: one that a
  // parameter makes `delete` is that delete.
  const actionAt = path.replace(/manifest$/, 'action');
  let actions: unknown[] = [resource.action];
  if (typeof resource.action === 'string') {
    const a = fillManifest(resource.action, scope);
    if (a.unknown.length > 0) return `${actionAt} is filled in by Argo from ${a.unknown.join(', ')}, which this body does not fix`;
    actions = [...new Set(a.texts.map((t) => t.trim()))];
  }
  const filled = fillManifest(resource.manifest as string, scope);
  for (const text of filled.texts) {
    budget.chars += text.length;
    if (++budget.count > MAX_YAML_DOCUMENTS || budget.chars > MAX_YAML_CHARS) return `${path} was not read: the body's manifests exceed ${MAX_YAML_DOCUMENTS} or ${MAX_YAML_CHARS / 1024} KiB together`;
    if (text.trim() === '') continue;
    const read = readYaml(text);
    if (!read.ok) return `${path} could not be read (${read.detail})`;
    for (const [i, doc] of read.documents.entries()) {
      const at = read.documents.length > 1 ? `${path}[${i}]` : path;
      for (const raw of actions) {
        const open = filled.unknown.length > 0 ? unknownAt(doc, raw) : undefined;
        if (open !== undefined) return `${at}: ${open} is filled in by Argo from ${filled.unknown.join(', ')}, which this body does not fix`;
        const action = raw === 'delete' ? 'delete' : raw === 'patch' ? 'patch' : 'create';
        if (isKubeObject(doc)) found.push({ doc, path: at, action, fromText: true });
      }
    }
  }
  return undefined;
}

/**
 * An Argo resource template's `flags` go to kubectl after its action (`kubectl create <flags> -f
 * manifest`): `-f https://…` or `-k` adds objects stepgate never sees, a name or `--selector` with
 * `delete` removes others, `--namespace`, `--server`, `--as` or `--kubeconfig` change where and as
 * whom. Only flags that change none of that are read as harmless; any other (a `{{…}}` tag too)
 * leaves the template unread.
 */
function argoFlags(resource: Json, path: string): string | undefined {
  const flags = resource.flags;
  if (flags === undefined || flags === null) return undefined;
  if (!Array.isArray(flags)) return `${path} cannot be read`;
  for (const f of flags) {
    if (typeof f !== 'string' || !HARMLESS_FLAG.test(f)) return `${path} passes kubectl ${typeof f === 'string' ? JSON.stringify(f.slice(0, 40)) : 'a flag that is not a string'}, which can add objects from elsewhere or change where and as whom it writes`;
  }
  return undefined;
}

/** kubectl flags that change how a manifest is sent, not what is written, where or as whom. */
const HARMLESS_FLAG = /^--(?:validate(?:=(?:true|false|strict|warn|ignore))?|server-side(?:=(?:true|false))?|force-conflicts(?:=(?:true|false))?|overwrite(?:=(?:true|false))?|save-config(?:=(?:true|false))?|ignore-not-found(?:=(?:true|false))?|wait(?:=(?:true|false))?|field-manager=[A-Za-z0-9_.-]{1,128})$/;

/**
 * An Argo Events trigger's `parameters` write event data into the resource (`dest`, a dotted path)
 * before it is created: each such field is unknown.
 */
function sensorParameters(k8s: Json, path: string): string | undefined {
  if (!Array.isArray(k8s.parameters)) return undefined;
  const copy = structuredClone(k8s.source as Json).resource as Json;
  for (const p of k8s.parameters) if (isObject(p) && typeof p.dest === 'string') setDotted(copy, p.dest, UNKNOWN_VALUE);
  const open = unknownAt(copy, k8s.operation);
  return open === undefined ? undefined : `${path}: ${open} is written from the event by the trigger's parameters, which this body does not fix`;
}

/** Tekton fills `$(tt.params.x)` (`$(params.x)` before v0.8) in a resource template from the event. */
function tektonParameters(t: Json, path: string): string | undefined {
  const text = JSON.stringify(t);
  if (!TEKTON_PARAM.test(text)) return undefined;
  const open = unknownAt(JSON.parse(text.replace(TEKTON_PARAMS, UNKNOWN_VALUE)) as Json, 'create');
  return open === undefined ? undefined : `${path}: ${open} is filled in by Tekton Triggers from the event, which this body does not fix`;
}

const TEKTON_PARAM = /\$\((?:tt\.)?params\.[^()]*\)/;
const TEKTON_PARAMS = new RegExp(TEKTON_PARAM.source, 'g');

function setDotted(doc: Json, dest: string, value: string): void {
  const keys = dest.split('.');
  let node: Json = doc;
  for (const [i, k] of keys.entries()) {
    if (i === keys.length - 1) node[k] = value;
    else {
      if (!isObject(node[k])) node[k] = {};
      node = node[k] as Json;
    }
  }
}

/**
 * A patch (server-side apply's too, which names its kind) that sets Argo parameter values, a workflow's or a template's, but carries no
 * templates list: whatever templates are stored read them, and their manifests are not in the body.
 */
function argoParametersOnly(doc: Json): boolean {
  if (!isObject(doc.spec)) return false;
  const spec = isObject(doc.spec.workflowSpec) ? doc.spec.workflowSpec : doc.spec;
  if (Array.isArray(spec.templates) && spec.templates.some((t) => isObject(t) && typeof t.name === 'string')) return false;
  const args = isObject(spec.arguments) && Array.isArray(spec.arguments.parameters) ? spec.arguments.parameters : [];
  const sets = (ps: unknown[]) => ps.some((p) => isObject(p) && (p.value !== undefined || p.default !== undefined || p.valueFrom !== undefined));
  if (sets(args)) return true;
  return Array.isArray(spec.templates) && spec.templates.some((t) => isObject(t) && isObject(t.inputs) && Array.isArray(t.inputs.parameters) && sets(t.inputs.parameters));
}

function isKubeObject(v: unknown): v is Json {
  return isObject(v) && typeof v.apiVersion === 'string' && typeof v.kind === 'string';
}
