/**
 * Reading deploy/ and istio/ the way kubectl, kustomize and istioctl would, for the deploy tests:
 * every YAML document, the model class that validates it, a strict (unknown-field) check, and a
 * small kustomize renderer for the features deploy/ uses.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, join, relative } from 'node:path';
import ts from 'typescript';
import { parseAllDocuments } from 'yaml';
import { z } from 'zod';

export const ROOT = new URL('../../', import.meta.url).pathname.replace(/\/$/, '');

export type Obj = Record<string, unknown>;

export interface Doc {
  /** Path relative to the repository root. */
  file: string;
  /** Position among the file's documents, from 0. */
  index: number;
  data: unknown;
}

export const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Every .yaml/.yml file under the given folders (relative to the root), sorted. */
export function yamlFiles(...dirs: string[]): string[] {
  const out: string[] = [];
  const walk = (abs: string) => {
    for (const name of readdirSync(abs).sort()) {
      const p = join(abs, name);
      if (statSync(p).isDirectory()) walk(p);
      else if (/\.ya?ml$/.test(name)) out.push(relative(ROOT, p));
    }
  };
  for (const d of dirs) walk(join(ROOT, d));
  return out;
}

/** All documents of a multi-document YAML file; a syntax error throws with file and line. */
export function loadDocs(file: string): Doc[] {
  const text = readFileSync(join(ROOT, file), 'utf8');
  const docs = parseAllDocuments(text, { uniqueKeys: true, prettyErrors: true });
  if (!Array.isArray(docs)) throw new Error(`${file}: not a YAML stream`);
  const out: Doc[] = [];
  docs.forEach((doc, index) => {
    if (doc.errors.length > 0) {
      const e = doc.errors[0]!;
      throw new Error(`${file}:${e.linePos?.[0]?.line ?? '?'}: ${e.message.split('\n')[0]}`);
    }
    const data: unknown = doc.toJS();
    // A document that is only comments (e.g. after a trailing ---) is not an object to apply.
    if (data !== null && data !== undefined) out.push({ file, index, data });
  });
  return out;
}

// ---------------------------------------------------------------------------------------------
// Kubernetes and Istio models

export interface TypedObject extends Obj {
  apiVersion: string;
  kind: string;
  metadata: Obj & { name: string; namespace?: string; labels?: Record<string, string> };
}

export const isTyped = (v: unknown): v is TypedObject =>
  isObj(v) && typeof v.apiVersion === 'string' && typeof v.kind === 'string';

export const isKustomization = (v: unknown): boolean =>
  isTyped(v) && v.apiVersion.startsWith('kustomize.config.k8s.io/');

/** The kubernetes-models / @kubernetes-models/istio module of an apiVersion and kind. */
export function modelModule(apiVersion: string, kind: string): string {
  const group = apiVersion.includes('/') ? apiVersion.slice(0, apiVersion.indexOf('/')) : '';
  return group.endsWith('istio.io') ? `@kubernetes-models/istio/${apiVersion}/${kind}` : `kubernetes-models/${apiVersion}/${kind}`;
}

type ModelClass = new (data: Obj) => { validate(): void };

/** The model class for an object's apiVersion/kind; throws when the packages do not know it. */
export async function modelClass(apiVersion: string, kind: string): Promise<ModelClass> {
  const spec = modelModule(apiVersion, kind);
  let mod: Record<string, unknown>;
  try {
    mod = (await import(spec)) as Record<string, unknown>;
  } catch {
    throw new Error(`no model for ${apiVersion} ${kind} (${spec})`);
  }
  const cls = mod[kind];
  if (typeof cls !== 'function') throw new Error(`${spec} exports no ${kind}`);
  return cls as ModelClass;
}

/**
 * The model classes check types, enums and required fields, but accept unknown fields, which
 * kubectl (server-side strict field validation) rejects and which is how a misspelt security
 * setting (`readOnlyRootFileSystem`) would silently do nothing. So each object is also compiled
 * as a TypeScript literal against the package's interface for its kind: TypeScript's excess
 * property check reports any field the schema does not have, at any depth. `partial` objects
 * (kustomize patches) are checked against a deep-partial of the interface.
 * Returns one list of messages per input, in order.
 */
/** A patch without kustomize's `$patch` directives and `key: null` deletions, for schema checks of the fields it sets. */
export function withoutDirectives<T>(v: T): T {
  if (Array.isArray(v)) return v.filter((x) => !(isObj(x) && x.$patch === 'delete')).map(withoutDirectives) as T;
  if (isObj(v)) return Object.fromEntries(Object.entries(v).filter(([k, x]) => k !== '$patch' && x !== null).map(([k, x]) => [k, withoutDirectives(x)])) as T;
  return v;
}

export function unknownFieldErrors(objects: { data: TypedObject; partial?: boolean }[]): string[][] {
  const lines = [
    'type DeepPartial<T> = T extends (infer U)[] ? DeepPartial<U>[] : T extends object ? { [K in keyof T]?: DeepPartial<T[K]> } : T;',
  ];
  const header = objects.map(
    ({ data }, i) => `import type { I${data.kind} as T${i} } from '${modelModule(data.apiVersion, data.kind)}';`,
  );
  const first = header.length + lines.length;
  const body = objects.map(({ data, partial }, i) => `export const d${i}: ${partial ? `DeepPartial<T${i}>` : `T${i}`} = ${JSON.stringify(data)};`);
  const text = [...header, ...lines, ...body].join('\n');

  const file = join(ROOT, 'test/deploy/__manifests__.ts'); // virtual: never written to disk
  const options: ts.CompilerOptions = {
    strict: true,
    noEmit: true,
    skipLibCheck: true,
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.ESNext,
    moduleResolution: ts.ModuleResolutionKind.Bundler,
    types: [],
  };
  const host = ts.createCompilerHost(options);
  const getSourceFile = host.getSourceFile.bind(host);
  const fileExists = host.fileExists.bind(host);
  const readFile = host.readFile.bind(host);
  host.getSourceFile = (name, lang, ...rest) =>
    name === file ? ts.createSourceFile(name, text, lang, true) : getSourceFile(name, lang, ...rest);
  host.fileExists = (name) => name === file || fileExists(name);
  host.readFile = (name) => (name === file ? text : readFile(name));
  const program = ts.createProgram([file], options, host);
  const source = program.getSourceFile(file)!;

  const errors: string[][] = objects.map(() => []);
  for (const d of ts.getPreEmitDiagnostics(program)) {
    const message = ts.flattenDiagnosticMessageText(d.messageText, ' ');
    if (d.file?.fileName !== file || d.start === undefined) throw new Error(`type check setup: ${message}`);
    const line = source.getLineAndCharacterOfPosition(d.start).line;
    const i = line - first;
    if (i < 0 || i >= objects.length) throw new Error(`type check setup: ${message}`);
    errors[i]!.push(message);
  }
  return errors;
}

// ---------------------------------------------------------------------------------------------
// Istio mesh config (not a Kubernetes object: the IstioOperator model leaves spec unchecked)

const duration = z.string().regex(/^\d+(\.\d+)?(ms|s|m|h)$/, 'a duration such as 0.5s or 500ms');

/** Istio's EnvoyExternalAuthorizationGrpcProvider, field by field. */
export const grpcProviderSchema = z.strictObject({
  service: z.string().min(1),
  port: z.number().int().min(1).max(65535),
  timeout: duration.optional(),
  failOpen: z.boolean().optional(),
  statusOnError: z.string().regex(/^[1-5]\d\d$/).optional(),
  clearRouteCache: z.boolean().optional(),
  includeRequestBodyInCheck: z
    .strictObject({
      maxRequestBytes: z.number().int().positive().optional(),
      allowPartialMessage: z.boolean().optional(),
      packAsBytes: z.boolean().optional(),
    })
    .optional(),
});

export const extensionProviderSchema = z.strictObject({
  name: z.string().min(1),
  envoyExtAuthzGrpc: grpcProviderSchema,
});

/** What our snippets set under meshConfig: the extension providers, nothing else. */
export const meshConfigSchema = z.strictObject({ extensionProviders: z.array(extensionProviderSchema).min(1) });
export const helmValuesSchema = z.strictObject({ meshConfig: meshConfigSchema });
export const istioOperatorSpecSchema = z.strictObject({ meshConfig: meshConfigSchema });
export type ExtensionProvider = z.infer<typeof extensionProviderSchema>;

// ---------------------------------------------------------------------------------------------
// Kustomize: the subset deploy/ uses, checked strictly and rendered

const stringMap = z.record(z.string(), z.string());

export const kustomizationSchema = z.strictObject({
  apiVersion: z.literal('kustomize.config.k8s.io/v1beta1'),
  kind: z.literal('Kustomization'),
  namespace: z.string().min(1).optional(),
  resources: z.array(z.string().min(1)).optional(),
  configMapGenerator: z
    .array(
      z.strictObject({
        name: z.string().min(1),
        files: z.array(z.string().min(1)).min(1),
        options: z
          .strictObject({
            disableNameSuffixHash: z.boolean().optional(),
            labels: stringMap.optional(),
            annotations: stringMap.optional(),
          })
          .optional(),
      }),
    )
    .optional(),
  patches: z.array(z.union([z.strictObject({ path: z.string().min(1) }), z.strictObject({ patch: z.string().min(1) })])).optional(),
  images: z
    .array(z.strictObject({ name: z.string().min(1), newName: z.string().optional(), newTag: z.string().optional() }))
    .optional(),
});
export type Kustomization = z.infer<typeof kustomizationSchema>;

export function readKustomization(dir: string): Kustomization {
  const docs = loadDocs(join(dir, 'kustomization.yaml'));
  if (docs.length !== 1) throw new Error(`${dir}/kustomization.yaml: expected one document`);
  return kustomizationSchema.parse(docs[0]!.data);
}

/** Kinds that live in a namespace (of those deploy/ uses); kustomize's `namespace` sets theirs. */
const CLUSTER_SCOPED = new Set(['Namespace']);

/**
 * A strategic merge as kustomize does it for the fields deploy/ patches: maps merge key by key;
 * lists of named objects (containers, env, volumes) merge by `name`; anything else is replaced.
 */
export function strategicMerge(base: unknown, patch: unknown): unknown {
  if (isObj(base) && isObj(patch)) {
    const out: Obj = { ...base };
    // A null value deletes the key (`rollingUpdate: null` when the strategy becomes Recreate).
    for (const [k, v] of Object.entries(patch)) {
      if (v === null) delete out[k];
      else out[k] = k in base ? strategicMerge(base[k], v) : v;
    }
    return out;
  }
  const named = (l: unknown[]) => l.every((x) => isObj(x) && typeof x.name === 'string');
  if (Array.isArray(base) && Array.isArray(patch) && named(base) && named(patch)) {
    const out = [...base] as Obj[];
    for (const p of patch as Obj[]) {
      const i = out.findIndex((b) => b.name === p.name);
      // `$patch: delete` on a named entry removes it (kustomize's directive, e.g. an env variable).
      if (p.$patch === 'delete') {
        if (i >= 0) out.splice(i, 1);
      } else if (i >= 0) out[i] = strategicMerge(out[i], p) as Obj;
      else out.push(p);
    }
    return out;
  }
  return patch;
}

export interface Rendered {
  objects: TypedObject[];
  /** Files generated into ConfigMaps: ConfigMap name → key → file (relative to the root). */
  generatedFiles: Map<string, Map<string, string>>;
  /** Patch documents applied, for their own checks. */
  patches: Doc[];
}

/** `kubectl kustomize <dir>` for the features in kustomizationSchema. */
export function renderKustomization(dir: string): Rendered {
  const k = readKustomization(dir);
  const objects: TypedObject[] = [];
  const generatedFiles = new Map<string, Map<string, string>>();
  const patches: Doc[] = [];
  for (const r of k.resources ?? []) {
    const p = join(dir, r);
    const abs = join(ROOT, p);
    if (!existsSync(abs)) throw new Error(`${dir}/kustomization.yaml: resource ${r} does not exist`);
    if (statSync(abs).isDirectory()) {
      const sub = renderKustomization(p);
      objects.push(...sub.objects);
      sub.generatedFiles.forEach((v, key) => generatedFiles.set(key, v));
      patches.push(...sub.patches);
    } else {
      for (const d of loadDocs(p)) {
        if (!isTyped(d.data)) throw new Error(`${p}#${d.index}: not a Kubernetes object`);
        objects.push(structuredClone(d.data));
      }
    }
  }
  for (const g of k.configMapGenerator ?? []) {
    const files = new Map<string, string>();
    const data: Record<string, string> = {};
    for (const f of g.files) {
      const p = join(dir, f);
      if (!existsSync(join(ROOT, p))) throw new Error(`${dir}/kustomization.yaml: generator file ${f} does not exist`);
      files.set(basename(f), p);
      data[basename(f)] = readFileSync(join(ROOT, p), 'utf8');
    }
    generatedFiles.set(g.name, files);
    objects.push({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: g.name, ...(g.options?.labels ? { labels: g.options.labels } : {}) },
      data,
    });
  }
  for (const entry of k.patches ?? []) {
    let where: string;
    let docs: Doc[];
    if ('path' in entry) {
      where = join(dir, entry.path);
      if (!existsSync(join(ROOT, where))) throw new Error(`${dir}/kustomization.yaml: patch ${entry.path} does not exist`);
      docs = loadDocs(where);
    } else {
      where = `${dir}/kustomization.yaml (inline patch)`;
      docs = parseAllDocuments(entry.patch).map((d, index) => ({ file: where, index, data: d.toJS() as unknown }));
    }
    for (const d of docs) {
      if (!isTyped(d.data)) throw new Error(`${where}#${d.index}: a patch needs apiVersion, kind and metadata.name`);
      const patch = d.data;
      const i = objects.findIndex(
        (o) => o.kind === patch.kind && o.metadata.name === patch.metadata.name && (!patch.metadata.namespace || o.metadata.namespace === patch.metadata.namespace),
      );
      if (i < 0) throw new Error(`${where}: patch target ${patch.kind}/${patch.metadata.name} is not among the resources`);
      // `$patch: delete` at the top removes the whole object, as kustomize does.
      if ((patch as Obj).$patch === 'delete') objects.splice(i, 1);
      else objects[i] = strategicMerge(objects[i], patch) as TypedObject;
      patches.push(d);
    }
  }
  if (k.namespace) {
    for (const o of objects) if (!CLUSTER_SCOPED.has(o.kind)) o.metadata.namespace = k.namespace;
  }
  for (const img of k.images ?? []) {
    for (const c of podSpecs(objects).flatMap((s) => containers(s))) {
      const [name, tag] = splitImage(String(c.image));
      if (name !== img.name) continue;
      c.image = `${img.newName ?? name}:${img.newTag ?? tag ?? 'latest'}`;
    }
  }
  return { objects, generatedFiles, patches };
}

function splitImage(image: string): [string, string | undefined] {
  const slash = image.lastIndexOf('/');
  const colon = image.lastIndexOf(':');
  return colon > slash ? [image.slice(0, colon), image.slice(colon + 1)] : [image, undefined];
}

// ---------------------------------------------------------------------------------------------
// Small accessors for the consistency checks

export function find(objects: TypedObject[], kind: string, name?: string): TypedObject[] {
  return objects.filter((o) => o.kind === kind && (name === undefined || o.metadata.name === name));
}

export function one(objects: TypedObject[], kind: string, name?: string): TypedObject {
  const found = find(objects, kind, name);
  if (found.length !== 1) throw new Error(`expected one ${kind}${name ? ` ${name}` : ''}, found ${found.length}`);
  return found[0]!;
}

export function get<T = unknown>(v: unknown, path: string): T {
  let cur: unknown = v;
  for (const k of path.split('.')) cur = isObj(cur) ? cur[k] : Array.isArray(cur) ? cur[Number(k)] : undefined;
  return cur as T;
}

/** Pod templates of Deployments (with the Deployment they belong to). */
export function podSpecs(objects: TypedObject[]): Obj[] {
  return find(objects, 'Deployment').map((d) => get<Obj>(d, 'spec.template.spec'));
}

export function containers(podSpec: Obj): Obj[] {
  return (podSpec.containers as Obj[] | undefined) ?? [];
}

export function podLabels(deployment: TypedObject): Record<string, string> {
  return get<Record<string, string>>(deployment, 'spec.template.metadata.labels') ?? {};
}

/** A label selector's matchLabels (and a bare map, as Services and Gateways use) against labels. */
export function selects(selector: unknown, labels: Record<string, string>): boolean {
  if (!isObj(selector)) return false;
  if ('matchExpressions' in selector) throw new Error('matchExpressions are not evaluated by these tests');
  const wanted = (isObj(selector.matchLabels) ? selector.matchLabels : 'matchLabels' in selector ? {} : selector) as Record<string, string>;
  if (Object.keys(wanted).length === 0) return false; // an empty selector selects everything: never what we mean
  return Object.entries(wanted).every(([k, v]) => labels[k] === v);
}

/** A container port by number or by name. */
export function containerPort(container: Obj, port: unknown): Obj | undefined {
  const ports = (container.ports as Obj[] | undefined) ?? [];
  return ports.find((p) => (typeof port === 'number' ? p.containerPort === port : p.name === port));
}
