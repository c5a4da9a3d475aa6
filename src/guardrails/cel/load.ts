import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { LineCounter, parseAllDocuments, type Document } from 'yaml';
import { ConfigError, type ConfigProblem } from '../../config/load.js';
import type { CompiledEffect } from '../types.js';
import { compileExpression, ExpressionError, type CompiledExpression } from './expression.js';
import { BUILT_IN_KINDS } from './kinds.js';
import type { ClusterRule, MatchInput, NamedExpression, ObjectView, Operation, Validation } from './policy.js';

/**
 * Reads the cluster's own policy files (ValidatingAdmissionPolicy and Kyverno ClusterPolicy /
 * Policy with validate.cel) and compiles them once. Anything it cannot take as written — a YAML
 * error, an unknown field, a rule that is not CEL, an expression that does not compile — is a
 * ConfigError naming the file, line and field, so a broken policy stops startup and check-config
 * instead of being skipped.
 */

export interface PolicySource {
  readonly path: string;
  readonly effect: CompiledEffect | undefined;
}

const MAX_FILES = 1000;
const MAX_FILE_BYTES = 4 * 1024 * 1024;

export function loadClusterPolicies(sources: readonly PolicySource[]): ClusterRule[] {
  const rules: ClusterRule[] = [];
  const problems: ConfigProblem[] = [];
  for (const source of sources) {
    for (const file of policyFiles(source.path, problems)) {
      loadFile(file, source.effect, rules, problems);
    }
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return rules;
}

function policyFiles(path: string, problems: ConfigProblem[]): string[] {
  const fail = (message: string) => {
    problems.push({ file: path, line: 0, column: 0, field: '', message });
    return [];
  };
  let st;
  try {
    st = statSync(path);
  } catch (err) {
    return fail(`cannot read the cluster policy path (${(err as NodeJS.ErrnoException).code ?? 'error'})`);
  }
  if (st.isFile()) return [path];
  if (!st.isDirectory()) return fail('a cluster policy path must be a file or a directory');
  const found: string[] = [];
  const walk = (dir: string, depth: number) => {
    for (const entry of readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
      if (entry.name.startsWith('.')) continue; // ..data and friends of a mounted ConfigMap
      const p = join(dir, entry.name);
      if (entry.isDirectory() && depth < 8) walk(p, depth + 1);
      else if (entry.isFile() && /\.(ya?ml|json)$/i.test(entry.name)) found.push(p);
    }
  };
  walk(path, 0);
  if (found.length === 0) return fail('the directory holds no .yaml, .yml or .json file');
  if (found.length > MAX_FILES) return fail(`more than ${MAX_FILES} policy files`);
  return found;
}

type Path = (string | number)[];

class DocReader {
  constructor(
    readonly file: string,
    readonly doc: Document,
    readonly lc: LineCounter,
    readonly problems: ConfigProblem[],
  ) {}
  problem(path: Path, message: string): void {
    let line = 0;
    let column = 0;
    for (let n = path.length; n >= 0; n--) {
      const node = n === 0 ? this.doc.contents : this.doc.getIn(path.slice(0, n), true);
      const range = (node as { range?: [number, number, number] } | null)?.range;
      if (range) {
        const pos = this.lc.linePos(range[0]);
        line = pos.line;
        column = pos.col;
        break;
      }
    }
    this.problems.push({ file: this.file, line, column, field: fieldName(path), message });
  }
  origin(): string {
    const r = (this.doc.contents as { range?: [number, number, number] } | null)?.range;
    return `${this.file}:${r ? this.lc.linePos(r[0]).line : 0}`;
  }
}

function fieldName(path: Path): string {
  return path.map((p) => (typeof p === 'number' ? `[${p}]` : `.${p}`)).join('').replace(/^\./, '');
}

function loadFile(file: string, effect: CompiledEffect | undefined, rules: ClusterRule[], problems: ConfigProblem[]): void {
  let text: string;
  try {
    if (statSync(file).size > MAX_FILE_BYTES) {
      problems.push({ file, line: 0, column: 0, field: '', message: `larger than ${MAX_FILE_BYTES} bytes` });
      return;
    }
    text = readFileSync(file, 'utf8');
  } catch (err) {
    problems.push({ file, line: 0, column: 0, field: '', message: `cannot read (${(err as NodeJS.ErrnoException).code ?? 'error'})` });
    return;
  }
  const lc = new LineCounter();
  const docs = parseAllDocuments(text, { lineCounter: lc, uniqueKeys: true, prettyErrors: true });
  const list = Array.isArray(docs) ? docs : [];
  if (!Array.isArray(docs)) {
    problems.push({ file, line: 0, column: 0, field: '', message: 'not a YAML stream' });
    return;
  }
  for (const doc of list) {
    if (doc.errors.length > 0) {
      for (const e of doc.errors) {
        const pos = e.linePos?.[0];
        problems.push({ file, line: pos?.line ?? 0, column: pos?.col ?? 0, field: '', message: `YAML syntax: ${e.message.split('\n', 1)[0]}` });
      }
      continue;
    }
    const value: unknown = doc.toJS({ maxAliasCount: 100 });
    if (value === null || value === undefined) continue; // an empty document between `---`
    const r = new DocReader(file, doc, lc, problems);
    if (!isMap(value)) {
      r.problem([], 'a policy document must be a mapping');
      continue;
    }
    const apiVersion = value.apiVersion;
    const kind = value.kind;
    if (apiVersion === 'admissionregistration.k8s.io/v1' && kind === 'ValidatingAdmissionPolicy') {
      compileVap(value, r, effect, rules);
    } else if (apiVersion === 'admissionregistration.k8s.io/v1' && kind === 'ValidatingAdmissionPolicyBinding') {
      // Bindings choose where a policy is enforced in the cluster; stepgate judges every policy it
      // is given wherever its own match constraints apply, so a binding adds nothing here.
      continue;
    } else if (apiVersion === 'kyverno.io/v1' && (kind === 'ClusterPolicy' || kind === 'Policy')) {
      compileKyverno(value, kind, r, effect, rules);
    } else {
      r.problem(['kind'], `expected a ValidatingAdmissionPolicy (admissionregistration.k8s.io/v1) or a Kyverno ClusterPolicy/Policy (kyverno.io/v1), found ${JSON.stringify(apiVersion)} ${JSON.stringify(kind)}`);
    }
  }
}

type Obj = Record<string, unknown>;

function isMap(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Fields a section may have; anything else is a typo that would silently change the policy. */
function only(r: DocReader, v: Obj, path: Path, allowed: readonly string[]): void {
  for (const k of Object.keys(v)) if (!allowed.includes(k)) r.problem([...path, k], `unknown field (expected one of ${allowed.join(', ')})`);
}

function map(r: DocReader, v: unknown, path: Path, required = false): Obj | undefined {
  if (v === undefined || v === null) {
    if (required) r.problem(path, 'required field is missing');
    return undefined;
  }
  if (!isMap(v)) {
    r.problem(path, 'must be a mapping');
    return undefined;
  }
  return v;
}

function list(r: DocReader, v: unknown, path: Path): unknown[] {
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v)) {
    r.problem(path, 'must be a list');
    return [];
  }
  return v;
}

function strings(r: DocReader, v: unknown, path: Path): string[] {
  return list(r, v, path).flatMap((x, i) => {
    if (typeof x === 'string') return [x];
    r.problem([...path, i], 'must be a string');
    return [];
  });
}

function str(r: DocReader, v: unknown, path: Path, required = false): string | undefined {
  if (v === undefined || v === null) {
    if (required) r.problem(path, 'required field is missing');
    return undefined;
  }
  if (typeof v !== 'string' || (required && v.trim() === '')) {
    r.problem(path, 'must be a non-empty string');
    return undefined;
  }
  return v;
}

function expr(r: DocReader, v: unknown, path: Path, view: ObjectView = 'object'): CompiledExpression | undefined {
  const source = str(r, v, path, true);
  if (source === undefined) return undefined;
  void view;
  try {
    return compileExpression(source);
  } catch (err) {
    r.problem(path, `CEL: ${err instanceof ExpressionError ? err.message : String(err)}`);
    return undefined;
  }
}

function named(r: DocReader, v: unknown, path: Path, what: string): NamedExpression[] {
  const out: NamedExpression[] = [];
  const seen = new Set<string>();
  list(r, v, path).forEach((item, i) => {
    const m = map(r, item, [...path, i], true);
    if (!m) return;
    only(r, m, [...path, i], ['name', 'expression']);
    const name = str(r, m.name, [...path, i, 'name'], true);
    const e = expr(r, m.expression, [...path, i, 'expression']);
    if (name !== undefined && seen.has(name)) r.problem([...path, i, 'name'], `duplicate ${what} name ${JSON.stringify(name)}`);
    if (name !== undefined) seen.add(name);
    if (name !== undefined && e !== undefined) out.push({ name, expr: e });
  });
  return out;
}

/** A variable may only use variables defined before it (as kube orders them). */
function checkVariableOrder(r: DocReader, vars: readonly NamedExpression[], path: Path): void {
  vars.forEach((v, i) => {
    for (const ref of v.expr.variables) {
      const at = vars.findIndex((w) => w.name === ref);
      if (at < 0 || at >= i) r.problem([...path, i, 'expression'], `variables.${ref} is not defined before this variable`);
    }
  });
}

function checkVariableRefs(r: DocReader, e: CompiledExpression, vars: readonly NamedExpression[], path: Path): void {
  for (const ref of e.variables) if (!vars.some((v) => v.name === ref)) r.problem(path, `variables.${ref} is not defined`);
}

function validations(r: DocReader, v: unknown, path: Path, vars: readonly NamedExpression[], required: boolean): Validation[] {
  const items = list(r, v, path);
  if (required && items.length === 0) r.problem(path, 'at least one validation is needed');
  const out: Validation[] = [];
  items.forEach((item, i) => {
    const p = [...path, i];
    const m = map(r, item, p, true);
    if (!m) return;
    only(r, m, p, ['expression', 'message', 'messageExpression', 'reason']);
    const e = expr(r, m.expression, [...p, 'expression']);
    const message = str(r, m.message, [...p, 'message']);
    const messageExpression = m.messageExpression === undefined ? undefined : expr(r, m.messageExpression, [...p, 'messageExpression']);
    const reason = str(r, m.reason, [...p, 'reason']);
    if (e) checkVariableRefs(r, e, vars, [...p, 'expression']);
    if (messageExpression) checkVariableRefs(r, messageExpression, vars, [...p, 'messageExpression']);
    if (e) out.push({ expr: e, message, messageExpression, reason });
  });
  return out;
}

// ---- label selectors -----------------------------------------------------------------------

type LabelTest = (labels: ReadonlyMap<string, string> | undefined) => boolean;

/** A metav1.LabelSelector; unknown labels (a delete, a patch without labels) count as a match. */
function labelSelector(r: DocReader, v: unknown, path: Path): LabelTest | undefined {
  const m = map(r, v, path);
  if (!m) return undefined;
  only(r, m, path, ['matchLabels', 'matchExpressions']);
  const tests: ((l: ReadonlyMap<string, string>) => boolean)[] = [];
  const labels = map(r, m.matchLabels, [...path, 'matchLabels']);
  for (const [k, val] of Object.entries(labels ?? {})) {
    if (typeof val !== 'string') r.problem([...path, 'matchLabels', k], 'must be a string');
    else tests.push((l) => l.get(k) === val);
  }
  list(r, m.matchExpressions, [...path, 'matchExpressions']).forEach((item, i) => {
    const p = [...path, 'matchExpressions', i];
    const e = map(r, item, p, true);
    if (!e) return;
    only(r, e, p, ['key', 'operator', 'values']);
    const key = str(r, e.key, [...p, 'key'], true);
    const values = strings(r, e.values, [...p, 'values']);
    switch (e.operator) {
      case 'In':
        tests.push((l) => l.has(key!) && values.includes(l.get(key!)!));
        break;
      case 'NotIn':
        tests.push((l) => !l.has(key!) || !values.includes(l.get(key!)!));
        break;
      case 'Exists':
        tests.push((l) => l.has(key!));
        break;
      case 'DoesNotExist':
        tests.push((l) => !l.has(key!));
        break;
      default:
        r.problem([...p, 'operator'], 'must be In, NotIn, Exists or DoesNotExist');
    }
  });
  if (tests.length === 0) return undefined; // an empty selector matches everything
  return (l) => l === undefined || tests.every((t) => t(l));
}

function selectorIsSet(v: unknown): boolean {
  return isMap(v) && ((isMap(v.matchLabels) && Object.keys(v.matchLabels).length > 0) || (Array.isArray(v.matchExpressions) && v.matchExpressions.length > 0));
}

// ---- ValidatingAdmissionPolicy ---------------------------------------------------------------

const OPERATIONS = ['CREATE', 'UPDATE', 'DELETE', 'CONNECT', '*'];

interface ResourceRule {
  test: (m: MatchInput) => boolean;
}

function resourceRules(r: DocReader, v: unknown, path: Path): ResourceRule[] {
  return list(r, v, path).flatMap((item, i) => {
    const p = [...path, i];
    const m = map(r, item, p, true);
    if (!m) return [];
    only(r, m, p, ['apiGroups', 'apiVersions', 'resources', 'operations', 'scope', 'resourceNames']);
    const groups = strings(r, m.apiGroups, [...p, 'apiGroups']);
    const versions = strings(r, m.apiVersions, [...p, 'apiVersions']);
    const resources = strings(r, m.resources, [...p, 'resources']);
    const ops = strings(r, m.operations, [...p, 'operations']);
    ops.forEach((o, j) => {
      if (!OPERATIONS.includes(o)) r.problem([...p, 'operations', j], `must be one of ${OPERATIONS.join(', ')}`);
    });
    const names = strings(r, m.resourceNames, [...p, 'resourceNames']);
    const scope = m.scope ?? '*';
    if (scope !== '*' && scope !== 'Cluster' && scope !== 'Namespaced') r.problem([...p, 'scope'], 'must be Cluster, Namespaced or *');
    const rule: ResourceRule = {
      test: (q) =>
        (groups.includes('*') || groups.includes(q.apiGroup)) &&
        (versions.includes('*') || versions.includes(q.apiVersion)) &&
        resources.some((res) => resourceMatches(res, q.resource, q.subresource)) &&
        (ops.includes('*') || ops.includes(q.operation)) &&
        (scope === '*' || (scope === 'Cluster') === q.clusterScoped) &&
        (names.length === 0 || names.includes(q.name)),
    };
    return [rule];
  });
}

// `pods`, `pods/status`, `*`, `*/scale` and `pods/*` as kube matches them: a pattern without a
// subresource matches only the object itself.
function resourceMatches(pattern: string, resource: string, subresource: string): boolean {
  const [res, sub] = pattern.split('/', 2) as [string, string | undefined];
  if (sub === undefined) return (res === '*' || res === resource) && subresource === '';
  return (res === '*' || res === resource) && (sub === '*' || sub === subresource);
}

function compileVap(v: Obj, r: DocReader, effect: CompiledEffect | undefined, rules: ClusterRule[]): void {
  const meta = map(r, v.metadata, ['metadata'], true);
  const name = str(r, meta?.name, ['metadata', 'name'], true) ?? '?';
  const spec = map(r, v.spec, ['spec'], true);
  if (!spec) return;
  only(r, spec, ['spec'], ['paramKind', 'matchConstraints', 'validations', 'failurePolicy', 'auditAnnotations', 'matchConditions', 'variables']);
  if (spec.failurePolicy !== undefined && spec.failurePolicy !== 'Fail' && spec.failurePolicy !== 'Ignore') {
    r.problem(['spec', 'failurePolicy'], 'must be Fail or Ignore');
  }
  const mc = map(r, spec.matchConstraints, ['spec', 'matchConstraints'], true);
  if (mc) only(r, mc, ['spec', 'matchConstraints'], ['resourceRules', 'excludeResourceRules', 'objectSelector', 'namespaceSelector', 'matchPolicy']);
  const include = resourceRules(r, mc?.resourceRules, ['spec', 'matchConstraints', 'resourceRules']);
  if (mc && include.length === 0) r.problem(['spec', 'matchConstraints', 'resourceRules'], 'at least one resource rule is needed');
  const exclude = resourceRules(r, mc?.excludeResourceRules, ['spec', 'matchConstraints', 'excludeResourceRules']);
  const objectSelector = labelSelector(r, mc?.objectSelector, ['spec', 'matchConstraints', 'objectSelector']);
  // namespaceSelector reads the namespace's labels, which the gateway does not see: the policy is
  // judged in every namespace (assumed to match), never skipped.
  labelSelector(r, mc?.namespaceSelector, ['spec', 'matchConstraints', 'namespaceSelector']);
  const variables = named(r, spec.variables, ['spec', 'variables'], 'variable');
  checkVariableOrder(r, variables, ['spec', 'variables']);
  const matchConditions = named(r, spec.matchConditions, ['spec', 'matchConditions'], 'match condition');
  matchConditions.forEach((c, i) => checkVariableRefs(r, c.expr, [], ['spec', 'matchConditions', i, 'expression']));
  const vals = validations(r, spec.validations, ['spec', 'validations'], variables, true);
  rules.push(
    Object.freeze({
      name: `ValidatingAdmissionPolicy/${name}`,
      origin: r.origin(),
      effect,
      matches: (q: MatchInput) =>
        include.some((x) => x.test(q)) && !exclude.some((x) => x.test(q)) && (objectSelector === undefined || objectSelector(q.labels)),
      view: 'object' as const,
      hasParams: spec.paramKind !== undefined && spec.paramKind !== null,
      matchConditions,
      variables,
      validations: vals,
    }),
  );
}

// ---- Kyverno ---------------------------------------------------------------------------------

/** The controllers Kyverno generates rules for when the annotation does not narrow them. */
const AUTOGEN_CONTROLLERS = ['DaemonSet', 'Deployment', 'Job', 'StatefulSet', 'ReplicaSet', 'ReplicationController', 'CronJob'];
const AUTOGEN_ANNOTATION = 'pod-policies.kyverno.io/autogen-controllers';

interface KyvernoFilter {
  kinds: string[];
  /** Kind names only (group/version prefixes dropped). */
  kindNames: string[];
  test: (q: MatchInput) => boolean;
  /** Names, a selector or subjects: Kyverno then generates no controller rules. */
  narrows: boolean;
}

function kyvernoFilter(r: DocReader, v: unknown, path: Path, policyNamespace: string | undefined): KyvernoFilter | undefined {
  const m = map(r, v, path, true);
  if (!m) return undefined;
  only(r, m, path, ['resources', 'subjects', 'roles', 'clusterRoles']);
  const res = map(r, m.resources, [...path, 'resources']) ?? {};
  const rp = [...path, 'resources'];
  only(r, res, rp, ['kinds', 'names', 'name', 'namespaces', 'operations', 'selector', 'namespaceSelector', 'annotations']);
  const kinds = strings(r, res.kinds, [...rp, 'kinds']);
  const kindNames = kinds.map((k) => k.split('/').pop()!);
  kinds.forEach((k, i) => {
    if (k.split('/').length > 3 || k === '') r.problem([...rp, 'kinds', i], 'a kind is Kind, version/Kind or group/version/Kind');
  });
  const names = [...strings(r, res.names, [...rp, 'names']), ...(typeof res.name === 'string' ? [res.name] : [])];
  const namespaces = strings(r, res.namespaces, [...rp, 'namespaces']);
  const ops = strings(r, res.operations, [...rp, 'operations']);
  ops.forEach((o, j) => {
    if (!OPERATIONS.includes(o)) r.problem([...rp, 'operations', j], `must be one of ${OPERATIONS.join(', ')}`);
  });
  const selector = labelSelector(r, res.selector, [...rp, 'selector']);
  labelSelector(r, res.namespaceSelector, [...rp, 'namespaceSelector']);
  const kindTests = kinds.map((k) => kindTest(k));
  const nameTests = names.map(glob);
  const nsTests = namespaces.map(glob);
  return {
    kinds,
    kindNames,
    narrows: names.length > 0 || selectorIsSet(res.selector) || m.subjects !== undefined || m.roles !== undefined || m.clusterRoles !== undefined,
    // subjects, roles, clusterRoles, namespaceSelector and annotations are about what the gateway
    // cannot see (kube's user, namespace labels): assumed to match, so the rule is judged.
    test: (q) =>
      (kindTests.length === 0 || kindTests.some((t) => t(q))) &&
      (nameTests.length === 0 || nameTests.some((t) => t(q.name))) &&
      (nsTests.length === 0 || nsTests.some((t) => t(q.namespace))) &&
      (ops.length === 0 || ops.includes(q.operation)) &&
      (selector === undefined || selector(q.labels)) &&
      (policyNamespace === undefined || q.namespace === policyNamespace),
  };
}

/** Kyverno's `*` and `?` wildcards. */
function glob(pattern: string): (s: string) => boolean {
  const re = new RegExp(`^${pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.')}$`, 's');
  return (s) => re.test(s);
}

function kindTest(spec: string): (q: MatchInput) => boolean {
  const parts = spec.split('/');
  const kind = parts.pop()!;
  const version = parts.pop();
  const group = parts.pop();
  const kindGlob = glob(kind);
  return (q) => {
    // A request whose kind is not known (a custom resource's patch without `kind`) may be any kind
    // that is not built in: judged rather than skipped.
    const kindOk = q.kind === '' ? !BUILT_IN_KINDS.has(kind) || kind === '*' : kindGlob(q.kind);
    return kindOk && (version === undefined || version === '*' || version === q.apiVersion) && (group === undefined || group === '*' || group === q.apiGroup);
  };
}

interface KyvernoBlock {
  any: KyvernoFilter[];
  all: KyvernoFilter[];
}

function kyvernoBlock(r: DocReader, v: unknown, path: Path, required: boolean, ns: string | undefined): KyvernoBlock | undefined {
  const m = map(r, v, path, required);
  if (!m) return undefined;
  only(r, m, path, ['any', 'all', 'resources', 'subjects', 'roles', 'clusterRoles']);
  const any = list(r, m.any, [...path, 'any']).flatMap((x, i) => kyvernoFilter(r, x, [...path, 'any', i], ns) ?? []);
  const all = list(r, m.all, [...path, 'all']).flatMap((x, i) => kyvernoFilter(r, x, [...path, 'all', i], ns) ?? []);
  if (m.resources !== undefined) {
    // The older form: resources (and subjects) directly under match/exclude.
    const legacy = kyvernoFilter(r, { resources: m.resources, subjects: m.subjects, roles: m.roles, clusterRoles: m.clusterRoles }, path, ns);
    if (legacy) all.push(legacy);
  }
  if (required && any.length === 0 && all.length === 0) r.problem(path, 'match needs any, all or resources');
  return { any, all };
}

function blockTest(b: KyvernoBlock): (q: MatchInput) => boolean {
  return (q) => (b.any.length === 0 || b.any.some((f) => f.test(q))) && b.all.every((f) => f.test(q));
}

function blockKindNames(b: KyvernoBlock | undefined): string[] {
  return b ? [...b.any, ...b.all].flatMap((f) => f.kindNames) : [];
}

function compileKyverno(v: Obj, kind: 'ClusterPolicy' | 'Policy', r: DocReader, effect: CompiledEffect | undefined, rules: ClusterRule[]): void {
  const meta = map(r, v.metadata, ['metadata'], true);
  const name = str(r, meta?.name, ['metadata', 'name'], true) ?? '?';
  const policyNs = kind === 'Policy' ? (str(r, meta?.namespace, ['metadata', 'namespace'], true) ?? '') : undefined;
  const annotations = map(r, meta?.annotations, ['metadata', 'annotations']) ?? {};
  const spec = map(r, v.spec, ['spec'], true);
  if (!spec) return;
  const ruleList = list(r, spec.rules, ['spec', 'rules']);
  if (ruleList.length === 0) r.problem(['spec', 'rules'], 'at least one rule is needed');
  const requested = annotations[AUTOGEN_ANNOTATION];
  let controllers: string[];
  if (requested === undefined) controllers = AUTOGEN_CONTROLLERS;
  else if (typeof requested !== 'string') {
    r.problem(['metadata', 'annotations', AUTOGEN_ANNOTATION], 'must be a string');
    controllers = [];
  } else if (requested.trim() === 'none') controllers = [];
  else {
    controllers = requested.split(',').map((s) => s.trim()).filter((s) => s !== '');
    controllers.forEach((c) => {
      if (!AUTOGEN_CONTROLLERS.includes(c)) r.problem(['metadata', 'annotations', AUTOGEN_ANNOTATION], `unknown controller ${JSON.stringify(c)} (expected ${AUTOGEN_CONTROLLERS.join(', ')} or none)`);
    });
  }
  ruleList.forEach((item, i) => {
    const p: Path = ['spec', 'rules', i];
    const rule = map(r, item, p, true);
    if (!rule) return;
    const ruleName = str(r, rule.name, [...p, 'name'], true) ?? String(i);
    const validate = map(r, rule.validate, [...p, 'validate']);
    if (!validate) {
      const what = ['mutate', 'generate', 'verifyImages'].find((k) => rule[k] !== undefined) ?? 'validate';
      r.problem([...p, what], `only validate.cel rules can be loaded (rule ${JSON.stringify(ruleName)} has no CEL validation)`);
      return;
    }
    const cel = map(r, validate.cel, [...p, 'validate', 'cel']);
    if (!cel) {
      const what = ['pattern', 'anyPattern', 'deny', 'foreach', 'podSecurity', 'manifests'].find((k) => validate[k] !== undefined) ?? 'cel';
      r.problem([...p, 'validate', what], `only validate.cel rules can be loaded; ${what} is not CEL`);
      return;
    }
    const cp = [...p, 'validate', 'cel'];
    only(r, cel, cp, ['expressions', 'variables', 'paramKind', 'paramRef', 'auditAnnotations', 'generate']);
    const match = kyvernoBlock(r, rule.match, [...p, 'match'], true, policyNs);
    const exclude = kyvernoBlock(r, rule.exclude, [...p, 'exclude'], false, policyNs);
    const variables = named(r, cel.variables, [...cp, 'variables'], 'variable');
    checkVariableOrder(r, variables, [...cp, 'variables']);
    const vals = validations(r, cel.expressions, [...cp, 'expressions'], variables, true);
    const celConditions = named(r, rule.celPreconditions, [...p, 'celPreconditions'], 'precondition');
    if (!match) return;
    const matchTest = blockTest(match);
    const excludeTest = exclude ? blockTest(exclude) : () => false;
    const hasParams = cel.paramKind !== undefined && cel.paramKind !== null;
    const base = { effect, hasParams, matchConditions: celConditions, variables, validations: vals };
    const label = `${kind}/${policyNs ? `${policyNs}/` : ''}${name} rule ${ruleName}`;
    rules.push(
      Object.freeze({ ...base, name: label, origin: r.origin(), view: 'object' as const, matches: (q: MatchInput) => matchTest(q) && !(exclude && excludeTest(q)) }),
    );
    // Kyverno generates controller rules from a rule that matches Pods and nothing else, with no
    // names or selectors: the same expressions, reading the pod template where they read the pod.
    const kinds = blockKindNames(match);
    const narrows = [...match.any, ...match.all].some((f) => f.narrows);
    const podOnly = kinds.length > 0 && kinds.every((k) => k === 'Pod') && blockKindNames(exclude).every((k) => k === 'Pod');
    if (!podOnly || narrows) return;
    const asKind = (k: string) => (q: MatchInput) => ({ ...q, kind: q.kind === k ? 'Pod' : `\u0000${q.kind}` });
    for (const controller of controllers) {
      const cronjob = controller === 'CronJob';
      const view: ObjectView = cronjob ? 'cronjob-template' : 'template';
      const rename = asKind(controller);
      rules.push(
        Object.freeze({
          ...base,
          name: `${label} (${controller})`,
          origin: r.origin(),
          view,
          // The Pod rule's match and exclude, with the controller standing in for the Pod.
          matches: (q: MatchInput) => q.kind === controller && matchTest(rename(q)) && !(exclude && excludeTest(rename(q))),
        }),
      );
    }
  });
}

export type { Operation };
