import { replayJsonPatch } from '../parse.js';
import { isObject, type Json } from '../types.js';
import type { RuleContext } from './context.js';
import { checkRbac, collectWildcardRoles, rbacKindOf, type RbacKind } from './rbac.js';
import { checkTokenSecret } from './tokens.js';

/**
 * Custom resources that carry whole Kubernetes objects for a controller to create elsewhere, with
 * the controller's rights: an Open Cluster Management ManifestWork (`spec.workload.manifests`,
 * applied by the klusterlet on the managed cluster as its admin), a ManifestWorkReplicaSet's
 * template, a Crossplane provider-kubernetes Object (`spec.forProvider.manifest`), a Kyverno
 * generate rule's `data`. A ClusterRoleBinding of cluster-admin written in a cluster namespace of
 * the hub is that binding on the edge cluster (day 21: on three edge clusters with a platform
 * engineer's everyday sign-in), which no rule matching `rbac.authorization.k8s.io` sees. Each
 * embedded object (any object with a string `apiVersion` and `kind` below the document's root) is
 * judged as the object it is: RBAC objects by the RBAC guardrails, a Secret by the token ones. Pod
 * specs are found by shape already (rules/custom-pods.ts). Its namespace is its own
 * `metadata.namespace` (where it lands), or none.
 */
export function checkEmbeddedObjects(doc: Json, prefix: string, ctx: RuleContext): void {
  const found: { doc: Json; path: string; kinds: RbacKind[] }[] = [];
  // Iterative: the body's depth is bounded by the parser, its breadth only by its size.
  const stack: { node: Json; path: string; root: boolean }[] = [{ node: doc, path: prefix.endsWith('.') ? prefix.slice(0, -1) : prefix, root: true }];
  while (stack.length > 0) {
    const { node, path, root } = stack.pop()!;
    if (!root && typeof node.apiVersion === 'string' && typeof node.kind === 'string') {
      const kind = rbacKindOf(node.kind);
      found.push({ doc: node, path, kinds: kind === undefined ? [] : [kind] });
    }
    for (const [key, value] of Object.entries(node)) {
      if (isObject(value)) stack.push({ node: value, path: join(path, key), root: false });
      else if (Array.isArray(value)) {
        for (let i = 0; i < value.length; i++) {
          const item: unknown = value[i];
          if (isObject(item)) stack.push({ node: item, path: `${join(path, key)}[${i}]`, root: false });
        }
      }
    }
  }
  if (found.length === 0) return;
  // A binding to a role defined beside it (the same ManifestWork) is judged with that role's rules.
  const defined = collectWildcardRoles(found);
  for (const { doc: o, path, kinds } of found) {
    const meta = isObject(o.metadata) ? o.metadata : undefined;
    const namespace = typeof meta?.namespace === 'string' ? meta.namespace : '';
    const at = `${path}.`;
    const own: RuleContext = { ...ctx, namespace };
    for (const kind of kinds) checkRbac(o, kind, at, own, defined);
    if (o.kind === 'Secret') for (const v of checkTokenSecret(o, at, namespace, ctx.partial, ctx.settings)) ctx.out.push(v);
  }
}

/**
 * Karmada's OverridePolicy (and ClusterOverridePolicy) changes the resource it selects on each
 * member cluster it names: a `plaintext` overrider is a JSON patch in all but its key names
 * (`operator` for `op`), applied after propagation, so `/spec/template/spec/containers/0/
 * securityContext` → `{privileged: true}` makes the core's DaemonSet privileged everywhere it runs
 * (day 21). The operations are replayed as the JSON patch they are, and the result read as a pod
 * template's patch by `judge` (rules/custom-pods.ts); one that cannot be replayed (a copy, a bad
 * path) is reported as unreadable, since Karmada applies what stepgate cannot read.
 */
export function checkPlaintextOverriders(list: readonly unknown[], path: string, ctx: RuleContext, judge: (doc: Json, path: string, ctx: RuleContext) => void): void {
  const ops = list.map((o) => (isObject(o) ? { op: o.operator, path: o.path, ...(Object.hasOwn(o, 'value') ? { value: o.value } : {}) } : o));
  const replayed = replayJsonPatch(ops);
  if (!replayed.ok) {
    ctx.unreadable?.(`${path} could not be read as the JSON patch Karmada applies (${replayed.detail})`);
    return;
  }
  for (const doc of replayed.documents) judge(doc, path, { ...ctx, partial: true });
}

function join(path: string, key: string): string {
  return path === '' ? key : `${path}.${key}`;
}
