import { isClusterScoped } from '../../policy/policy.js';
import { clip } from '../../core/redact.js';
import type { KubeRequestInfo } from '../../request/kube.js';
import type { ParsedBody } from '../parse.js';
import { isObject, type Json, type Violation } from '../types.js';
import type { Budget, CompiledExpression, Unknowable } from './expression.js';
import { kindOfResource } from './kinds.js';
import { CostExceeded, toCel } from './library.js';
import type { ClusterRule, MatchInput, ObjectView, Operation } from './policy.js';
import { PROTOBUF_FIELDS } from './protobuf-fields.js';

/**
 * Judges one request against the cluster's own policies. Pure apart from the clock the budget
 * reads. A failed validation is a `cluster_policy` violation carrying the policy's message and the
 * source's effect; anything that cannot be judged (an error, a cost overrun, something only kube
 * knows) is a `cluster_policy_unreadable` violation naming the policy, the expression and why.
 */

export interface ClusterPolicyLimits {
  /** Cost units per expression. */
  readonly maxCost: number;
  /** Milliseconds for all cluster policies of one request. */
  readonly maxMillis: number;
  readonly clock: () => number;
}

const OPERATIONS: Readonly<Record<string, Operation>> = {
  create: 'CREATE',
  update: 'UPDATE',
  patch: 'UPDATE',
  delete: 'DELETE',
  deletecollection: 'DELETE',
};

/** The admission operation of a request the cluster policies judge, or undefined. */
export function operationOf(kube: KubeRequestInfo): Operation | undefined {
  if (!kube.isResourceRequest) return undefined;
  const op = OPERATIONS[kube.verb];
  // exec, attach, portforward and proxy are CONNECT at admission and carry no object.
  if (op === 'CREATE' && kube.subresource !== '' && kube.subresource !== 'ephemeralcontainers' && kube.subresource !== 'binding' && kube.subresource !== 'eviction') {
    return kube.subresource === 'exec' || kube.subresource === 'attach' || kube.subresource === 'portforward' || kube.subresource === 'proxy' ? undefined : op;
  }
  return op;
}

const UNKNOWABLE_WHY: Readonly<Record<Unknowable, string>> = {
  oldObject: 'it reads oldObject, the stored object, which the gateway does not see',
  params: 'it reads params, the policy parameters, which the gateway does not load',
  authorizer: 'it calls the authorizer, which only kube-apiserver can answer',
  namespaceObject: 'it reads namespaceObject, which the gateway does not see',
  'request.userInfo': "it reads request.userInfo, kube's view of the user, which the gateway does not know",
};

export function judgeClusterPolicies(
  rules: readonly ClusterRule[],
  kube: KubeRequestInfo,
  operation: Operation,
  parsed: ParsedBody | undefined,
  limits: ClusterPolicyLimits,
  /** The body was protobuf: only the fields its decoder reads are known. */
  protobuf = false,
): Violation[] {
  const out: Violation[] = [];
  const docs: (Json | undefined)[] = parsed === undefined ? [undefined] : parsed.ok ? parsed.documents : [];
  const partial = parsed !== undefined && parsed.ok && parsed.partial;
  const deadline = limits.clock() + limits.maxMillis;
  const budget: Budget = { maxCost: limits.maxCost, deadline, clock: limits.clock };
  for (const doc of docs) {
    const input = matchInput(kube, operation, doc, partial);
    // Converted to CEL values once per document and view, on the first rule that needs it.
    const objects = new Map<ObjectView, unknown>();
    const whole = doc === undefined ? undefined : completed(doc, input);
    for (const rule of rules) {
      if (!rule.matches(input)) continue;
      let object = objects.get(rule.view);
      if (object === undefined) {
        object = whole === undefined || operation === 'DELETE' ? null : toCel(viewOf(rule.view, whole));
        objects.set(rule.view, object);
      }
      judgeRule(rule, input, object, operation, budget, out, protobuf);
    }
  }
  return out;
}

function matchInput(kube: KubeRequestInfo, operation: Operation, doc: Json | undefined, partial: boolean): MatchInput {
  const meta = isObject(doc?.metadata) ? doc.metadata : undefined;
  const bodyKind = typeof doc?.kind === 'string' ? doc.kind : undefined;
  let labels: Map<string, string> | undefined;
  if (meta !== undefined && isObject(meta.labels)) {
    labels = new Map(Object.entries(meta.labels).filter((e): e is [string, string] => typeof e[1] === 'string'));
  } else if (doc !== undefined && !partial) {
    labels = new Map(); // a whole object without labels has none
  }
  return {
    operation,
    apiGroup: kube.apiGroup,
    apiVersion: kube.apiVersion,
    resource: kube.resource,
    subresource: kube.subresource,
    // The URL decides for the resources kube serves built in: a body naming another kind must not
    // steer a Pod write past the Pod rules (kube refuses the mismatch, after the gateway).
    kind: kindOfResource(kube.apiGroup, kube.resource) ?? bodyKind ?? '',
    namespace: kube.namespace !== '' ? kube.namespace : typeof meta?.namespace === 'string' ? meta.namespace : '',
    name: kube.name !== '' ? kube.name : typeof meta?.name === 'string' ? meta.name : '',
    clusterScoped: isClusterScoped(kube.apiGroup, kube.resource),
    labels,
  };
}

/**
 * What kube's object always has and a body may leave out (a patch, or a create that relies on
 * the URL): kind, apiVersion, and the name and namespace from the path. Without them an expression
 * such as `object.kind == 'Pod'` would fail on every patch for a field kube would have filled in.
 */
function completed(doc: Json, input: MatchInput): Json {
  const out: Json = { ...doc };
  if (!Object.hasOwn(out, 'kind') && input.kind !== '') out.kind = input.kind;
  if (!Object.hasOwn(out, 'apiVersion')) out.apiVersion = input.apiGroup === '' ? input.apiVersion : `${input.apiGroup}/${input.apiVersion}`;
  if (out.metadata === undefined || isObject(out.metadata)) {
    const meta: Json = { ...(out.metadata as Json | undefined) };
    if (!Object.hasOwn(meta, 'name') && input.name !== '') meta.name = input.name;
    if (!Object.hasOwn(meta, 'namespace') && input.namespace !== '') meta.namespace = input.namespace;
    out.metadata = meta;
  }
  return out;
}

/** Autogen: the controller with its pod template in the place of its own spec and metadata. */
function viewOf(view: ObjectView, doc: Json): Json {
  if (view === 'object') return doc;
  const path = view === 'template' ? ['spec', 'template'] : ['spec', 'jobTemplate', 'spec', 'template'];
  let node: unknown = doc;
  for (const step of path) node = isObject(node) ? node[step] : undefined;
  const template = isObject(node) ? node : {};
  const out: Json = { ...doc };
  if (Object.hasOwn(template, 'spec')) out.spec = template.spec;
  else delete out.spec;
  const meta: Json = isObject(template.metadata) ? { ...template.metadata } : {};
  // The namespace stays the controller's: a template has none of its own.
  const own = doc.metadata;
  if (isObject(own) && Object.hasOwn(own, 'namespace')) meta.namespace = own.namespace;
  out.metadata = meta;
  return out;
}

function judgeRule(
  rule: ClusterRule,
  input: MatchInput,
  object: unknown,
  operation: Operation,
  budget: Budget,
  out: Violation[],
  protobuf: boolean,
): void {
  const unreadable = (where: string, why: string) =>
    out.push({
      code: 'cluster_policy_unreadable',
      detail: clip(`${rule.name} ${where} could not be evaluated: ${why} (${rule.origin})`),
      path: where,
    });
  const request = new Map<string, unknown>([
    ['operation', operation],
    ['namespace', input.namespace],
    ['name', input.name],
    ['subResource', input.subresource],
    ['kind', new Map([['group', input.apiGroup], ['version', input.apiVersion], ['kind', input.kind]])],
    ['resource', new Map([['group', input.apiGroup], ['version', input.apiVersion], ['resource', input.resource]])],
    ['requestKind', new Map([['group', input.apiGroup], ['version', input.apiVersion], ['kind', input.kind]])],
    ['requestResource', new Map([['group', input.apiGroup], ['version', input.apiVersion], ['resource', input.resource]])],
    ['dryRun', false],
  ]);
  const variables = new Map<string, unknown>();
  const bindings: Record<string, unknown> = {
    object,
    // On CREATE there is no stored object: kube binds null, and so can the gateway.
    oldObject: null,
    request,
    variables,
    params: null,
  };
  const blocked = (e: CompiledExpression): string | undefined => {
    const reads = new Set(e.reads);
    for (const name of e.variables) for (const r of rule.variables.find((v) => v.name === name)?.expr.reads ?? []) reads.add(r);
    for (const r of reads) {
      if (r === 'oldObject' && operation === 'CREATE') continue;
      if (r === 'params' && !rule.hasParams) continue;
      return UNKNOWABLE_WHY[r];
    }
    if (protobuf) {
      const fields = new Set(e.fields);
      for (const name of e.variables) for (const f of rule.variables.find((v) => v.name === name)?.expr.fields ?? []) fields.add(f);
      const unread = [...fields].filter((f) => !PROTOBUF_FIELDS.has(f));
      if (unread.length > 0) {
        return `it reads ${unread.slice(0, 3).join(', ')}, which stepgate's protobuf decoder does not read (a JSON body would be judged)`;
      }
    }
    return undefined;
  };
  // Variables are computed once each, before the expressions that read them (kube computes them
  // lazily; a variable no expression reads costs nothing there, and its error shows nowhere).
  const needed = new Set<string>();
  for (const c of rule.matchConditions) for (const n of c.expr.variables) needed.add(n);
  for (const v of rule.validations) {
    for (const n of v.expr.variables) needed.add(n);
    for (const n of v.messageExpression?.variables ?? []) needed.add(n);
  }
  for (let i = rule.variables.length - 1; i >= 0; i--) {
    const v = rule.variables[i]!;
    if (needed.has(v.name)) for (const n of v.expr.variables) needed.add(n);
  }
  const failedVariables = new Map<string, string>();
  for (const v of rule.variables) {
    if (!needed.has(v.name)) continue;
    const why = blocked(v.expr);
    const deps = [...v.expr.variables].find((n) => failedVariables.has(n));
    if (why !== undefined || deps !== undefined) {
      failedVariables.set(v.name, why ?? failedVariables.get(deps!)!);
      continue;
    }
    const value = v.expr.run(bindings, budget);
    if (value instanceof Error) failedVariables.set(v.name, describe(value));
    else variables.set(v.name, value);
  }
  const problemOf = (e: CompiledExpression): string | undefined => {
    const why = blocked(e);
    if (why !== undefined) return why;
    for (const n of e.variables) if (failedVariables.has(n)) return `variables.${n}: ${failedVariables.get(n)!}`;
    return undefined;
  };
  for (let i = 0; i < rule.matchConditions.length; i++) {
    const c = rule.matchConditions[i]!;
    const why = problemOf(c.expr);
    if (why !== undefined) return void unreadable(`matchConditions[${i}] (${c.name})`, why);
    const value = c.expr.run(bindings, budget);
    if (value instanceof Error) return void unreadable(`matchConditions[${i}] (${c.name})`, describe(value));
    if (typeof value !== 'boolean') return void unreadable(`matchConditions[${i}] (${c.name})`, 'the expression is not a bool');
    if (!value) return; // the policy does not apply to this object
  }
  for (let i = 0; i < rule.validations.length; i++) {
    const v = rule.validations[i]!;
    const why = problemOf(v.expr);
    if (why !== undefined) {
      unreadable(`validations[${i}]`, why);
      continue;
    }
    const value = v.expr.run(bindings, budget);
    if (value instanceof Error) {
      unreadable(`validations[${i}]`, describe(value));
      continue;
    }
    if (typeof value !== 'boolean') {
      unreadable(`validations[${i}]`, 'the expression is not a bool');
      continue;
    }
    if (value) continue;
    out.push({
      code: 'cluster_policy',
      // The policy's message may quote the body (messageExpression): clipped like every detail.
      detail: clip(`${rule.name}: ${message(v, bindings, budget, problemOf)}${v.reason ? ` (${v.reason})` : ''}`),
      path: `validations[${i}]`,
      effect: rule.effect,
    });
  }
}

/** messageExpression when it yields a string; else the message; else kube's default wording. */
function message(
  v: ClusterRule['validations'][number],
  bindings: Record<string, unknown>,
  budget: Budget,
  problemOf: (e: CompiledExpression) => string | undefined,
): string {
  if (v.messageExpression !== undefined && problemOf(v.messageExpression) === undefined) {
    const m = v.messageExpression.run(bindings, budget);
    if (typeof m === 'string' && m.trim() !== '' && !m.includes('\n')) return m.slice(0, 500);
  }
  return v.message ?? `failed expression: ${v.expr.source.slice(0, 200)}`;
}

function describe(e: Error): string {
  const text = e.message.split('\n', 1)[0]!.slice(0, 200);
  return e instanceof CostExceeded ? text : `evaluation error: ${text}`;
}
