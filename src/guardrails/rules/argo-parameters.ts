import { isObject, type Json } from '../types.js';

/**
 * What Argo fills a resource manifest's `{{…}}` tags with, as far as the body that carries the
 * manifest fixes it. Argo substitutes them as text before it reads the manifest, so a value can set
 * a field (`name: {{workflow.parameters.role}}`) or add fields of its own (a value holding a line
 * break and more YAML). Each tag is either a list of the values it can take or unknown.
 *
 * Fixed by the body: `workflow.parameters.x` of a Workflow or CronWorkflow (its `arguments`; argo
 * submit's `-p` is written there), a template's `inputs.parameters.x` in one (its default and what
 * every step, task, hook and the entrypoint pass it), and `workflow.namespace`. Not fixed: a
 * WorkflowTemplate's or ClusterWorkflowTemplate's parameters (the Workflow that references it sets
 * them), `valueFrom` (a ConfigMap, a step's output), loop items, outputs, `{{=…}}` expressions, and
 * whatever a patch leaves stored.
 */
export interface ArgoScope {
  /** The values a tag's body (trimmed, without braces) can take; undefined when the body does not fix them. */
  values(tag: string): readonly string[] | undefined;
}

export const UNKNOWN_SCOPE: ArgoScope = { values: () => undefined };

/** Kinds whose own arguments are what their templates get: nothing outside the body overrides them. */
const SELF_CONTAINED = new Set(['Workflow', 'CronWorkflow']);

/**
 * The scope of template `template` of workflow spec `spec` (an object with `templates`), in a
 * document of kind `kind` (undefined in a patch that does not name it) written to `namespace`.
 */
export function argoScope(spec: Json, template: Json, kind: unknown, namespace: string): ArgoScope {
  const fixed = typeof kind === 'string' && SELF_CONTAINED.has(kind);
  const workflowArgs = fixed ? parameterList(isObject(spec.arguments) ? spec.arguments.parameters : undefined) : undefined;
  const workflowValue = (name: string): readonly string[] | undefined => {
    const p = workflowArgs?.get(name);
    return p === undefined ? undefined : declared(p);
  };
  const name = typeof template.name === 'string' ? template.name : undefined;
  const inputs = parameterList(isObject(template.inputs) ? template.inputs.parameters : undefined);
  const inputValues = new Map<string, readonly string[] | undefined>();
  const inputValue = (param: string): readonly string[] | undefined => {
    if (!inputValues.has(param)) inputValues.set(param, fixed && name !== undefined ? passed(spec, name, param, inputs.get(param), workflowValue, namespace) : undefined);
    return inputValues.get(param);
  };
  return {
    values(tag) {
      if (tag === 'workflow.namespace') return namespace !== '' && kind !== 'ClusterWorkflowTemplate' ? [namespace] : undefined;
      const wf = /^workflow\.parameters\.([A-Za-z0-9_-]+)$/.exec(tag);
      if (wf) return workflowValue(wf[1]!);
      const input = /^inputs\.parameters\.([A-Za-z0-9_-]+)$/.exec(tag);
      if (input) return inputValue(input[1]!);
      return undefined;
    },
  };
}

/** The values a declared parameter takes by itself: its value or default; none when it reads them from elsewhere. */
function declared(p: Json): readonly string[] | undefined {
  if (p.valueFrom !== undefined) return undefined;
  const v = p.value ?? p.default;
  return scalar(v) ? [String(v)] : undefined;
}

/**
 * What template `name`'s input `param` receives from every place that runs the template within
 * this spec (any object whose `template` names it: a step, a task, a hook, and the entrypoint from
 * the workflow's arguments), each value with the workflow-level tags it holds filled in. Unknown
 * as soon as one of them is.
 */
function passed(spec: Json, name: string, param: string, decl: Json | undefined, workflowValue: (n: string) => readonly string[] | undefined, namespace: string): readonly string[] | undefined {
  const out = new Set<string>();
  const fallback = decl === undefined ? undefined : declared(decl);
  let unknown = false;
  const take = (arg: Json | undefined) => {
    const vs = arg === undefined ? fallback : declared(arg);
    if (vs === undefined) unknown = true;
    else
      for (const v of vs) {
        const filled = fillWorkflowTags(v, workflowValue, namespace);
        if (filled === undefined) unknown = true;
        else for (const f of filled) out.add(f);
      }
  };
  if (spec.entrypoint === name) take(parameterList(isObject(spec.arguments) ? spec.arguments.parameters : undefined).get(param));
  // An exit handler runs with no arguments: the declared default.
  if (spec.onExit === name) take(undefined);
  for (const call of callSites(spec).get(name) ?? []) take(parameterList(isObject(call.arguments) ? call.arguments.parameters : undefined).get(param));
  if (fallback !== undefined) for (const v of fallback) out.add(v);
  return unknown || out.size === 0 ? undefined : [...out];
}

const CALL_SITES = new WeakMap<Json, Map<string, Json[]>>();

/** Every object of a spec that names a template to run, by the template's name; walked once per spec. */
function callSites(spec: Json): Map<string, Json[]> {
  let sites = CALL_SITES.get(spec);
  if (sites !== undefined) return sites;
  sites = new Map();
  // Steps are lists of lists, which walkObjects does not enter.
  const stack: unknown[] = [spec];
  while (stack.length > 0) {
    const node = stack.pop();
    if (Array.isArray(node)) for (const item of node) stack.push(item);
    else if (isObject(node)) {
      if (typeof node.template === 'string') {
        const named = sites.get(node.template);
        if (named) named.push(node);
        else sites.set(node.template, [node]);
      }
      for (const v of Object.values(node)) if (typeof v === 'object' && v !== null) stack.push(v);
    }
  }
  CALL_SITES.set(spec, sites);
  return sites;
}

const TAG = /\{\{([^{}]*)\}\}/g;

/** A value with its `workflow.*` tags filled in (every combination); undefined when any other tag remains. */
function fillWorkflowTags(value: string, workflowValue: (n: string) => readonly string[] | undefined, namespace: string): readonly string[] | undefined {
  let results = [value];
  for (const m of new Set([...value.matchAll(TAG)].map((x) => x[0]))) {
    const body = m.slice(2, -2).trim();
    const wf = /^workflow\.parameters\.([A-Za-z0-9_-]+)$/.exec(body);
    const vs = body === 'workflow.namespace' && namespace !== '' ? [namespace] : wf ? workflowValue(wf[1]!) : undefined;
    if (vs === undefined) return undefined;
    results = results.flatMap((r) => vs.map((v) => r.split(m).join(v)));
    if (results.length > MAX_VARIANTS) return undefined;
  }
  return results;
}

function parameterList(list: unknown): Map<string, Json> {
  const out = new Map<string, Json>();
  if (Array.isArray(list)) for (const p of list) if (isObject(p) && typeof p.name === 'string') out.set(p.name, p);
  return out;
}

function scalar(v: unknown): v is string | number | boolean {
  return typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean';
}

/** How many ways one manifest is read at most; beyond it the tags that multiply them are unknown. */
export const MAX_VARIANTS = 8;

/** Stands in for a value stepgate does not know, so that where it lands can be told (see `unknownAt`). */
export const UNKNOWN_VALUE = 'argo-expression';

export interface Filled {
  /** The manifest as Argo may write it, one text per combination of known values. */
  texts: string[];
  /** The tags left unknown (stand-ins in every text), with braces. */
  unknown: string[];
}

/**
 * Every way Argo may fill `manifest`'s tags in `scope`, each known value as it is (text, so YAML in
 * a value is read as Argo reads it), each unknown one as UNKNOWN_VALUE. A tag that a filled-in value
 * brings with it is unknown too.
 */
export function fillManifest(manifest: string, scope: ArgoScope): Filled {
  const tags = [...new Set([...manifest.matchAll(TAG)].map((m) => m[0]))];
  const unknown: string[] = [];
  const known: [string, readonly string[]][] = [];
  for (const t of tags) {
    const vs = scope.values(t.slice(2, -2).trim());
    if (vs === undefined) unknown.push(t);
    else known.push([t, vs]);
  }
  // Combinations beyond MAX_VARIANTS: the tags with more than one value are left unknown.
  if (known.reduce((n, [, vs]) => n * vs.length, 1) > MAX_VARIANTS) {
    for (let i = known.length - 1; i >= 0; i--) if (known[i]![1].length > 1) unknown.push(known.splice(i, 1)[0]![0]);
  }
  let texts = [manifest];
  for (const t of unknown) texts = texts.map((x) => x.split(t).join(UNKNOWN_VALUE));
  for (const [t, vs] of known) texts = texts.flatMap((x) => vs.map((v) => x.split(t).join(v)));
  const brought = new Set<string>();
  texts = texts.map((x) => x.replace(TAG, (m) => (brought.add(m), UNKNOWN_VALUE)));
  return { texts, unknown: [...unknown, ...brought] };
}

/**
 * The first place in `doc` where UNKNOWN_VALUE stands in a key, or in a value whose path could
 * change what is judged (anything but a name, a label, a command, an environment value, an image,
 * a ConfigMap's data, a count or a quantity; not the name of the object a delete or patch acts on, nor
 * of a Secret or ConfigMap): dotted, or undefined when there is none. An image
 * is judged as written: the stand-in is an unpinned image from no allowed registry.
 */
export function unknownAt(doc: Json, action: unknown): string | undefined {
  const configMap = doc.kind === 'ConfigMap';
  // Which object a delete or patch acts on, or an apply overwrites where names are what guardrails
  // read (Helm's release records, aws-auth), is its name.
  const named = action === 'delete' || action === 'patch' || doc.kind === 'Secret' || configMap;
  const stack: { node: unknown; path: string[] }[] = [{ node: doc, path: [] }];
  while (stack.length > 0) {
    const { node, path } = stack.pop()!;
    if (typeof node === 'string') {
      if (node.includes(UNKNOWN_VALUE) && !inert(path, configMap, named)) return dotted(path);
    } else if (Array.isArray(node)) {
      node.forEach((item, i) => stack.push({ node: item, path: [...path, `[${i}]`] }));
    } else if (isObject(node)) {
      for (const [k, v] of Object.entries(node)) {
        if (k.includes(UNKNOWN_VALUE)) return dotted([...path, k]);
        stack.push({ node: v, path: [...path, k] });
      }
    }
  }
  return undefined;
}

/** Keys whose value, whatever it is, no guardrail reads differently (their own content is judged as written). */
const INERT_LEAVES = new Set(['generateName', 'command', 'args', 'workingDir', 'image', 'replicas', 'completions', 'parallelism', 'backoffLimit', 'activeDeadlineSeconds', 'ttlSecondsAfterFinished', 'schedule', 'successCondition', 'failureCondition']);

function inert(path: readonly string[], configMap: boolean, named: boolean): boolean {
  const keys = path.filter((p) => !p.startsWith('['));
  const last = keys.at(-1);
  const parent = keys.at(-2);
  if (last === undefined) return false;
  if (configMap && keys.length === 2 && (keys[0] === 'data' || keys[0] === 'binaryData')) return true;
  if (parent === 'metadata' && last === 'name') return !named || keys.length > 2;
  if (keys.at(-3) === 'metadata' && parent === 'labels') return true;
  if ((parent === 'requests' || parent === 'limits') && keys.at(-3) === 'resources') return true;
  // A container's name, an environment variable's value (valueFrom is not a string).
  if ((parent === 'containers' || parent === 'initContainers') && last === 'name') return true;
  if (parent === 'env' && last === 'value') return true;
  // A Tekton run's params: what its Pipeline's or Task's steps make of them was judged when those
  // were written. (Not Argo's `parameters`: a Workflow's fill in its own manifests.)
  if (parent === 'params' && last === 'value') return true;
  // A command's or an argument list's items.
  if (path.at(-1)?.startsWith('[') && (last === 'command' || last === 'args')) return true;
  return INERT_LEAVES.has(last);
}

function dotted(path: readonly string[]): string {
  return path.reduce((s, p) => (p.startsWith('[') || s === '' ? s + p : `${s}.${p}`), '');
}
