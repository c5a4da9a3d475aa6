import { clientText } from '../../core/redact.js';
import { arrayOf, isObject, type Json } from '../types.js';
import type { RuleContext } from './context.js';
import { checkPodSecurity } from './pod-security.js';
import { checkImages } from './images.js';

/**
 * Chaos experiments are written in one namespace and act in others: Chaos Mesh's controller kills,
 * partitions, stresses, corrupts the I/O of, or rewrites the HTTP of whatever pods an experiment's
 * `selector` names, in any namespace (`selector.namespaces`, `selector.pods`' keys; none means the
 * experiment's own), through its privileged daemon on every node; a Schedule or a Workflow carries
 * the same selectors inside. LitmusChaos's ChaosEngine names its target by `spec.appinfo.appns`.
 * So an experiment written in `chaos-testing` or a developer's `dev-<name>` with the everyday
 * sign-in takes production down, or (an HTTPChaos replacing a response's body) serves production's
 * clients whatever it says (day 20). Which namespaces are protected is the operator's list
 * (`guardrails.chaos_protected_namespaces`): `chaos_target_protected` for each named there.
 *
 * A LitmusChaos ChaosExperiment's `spec.definition` is the pod its runner starts for every engine
 * that names it (its image, command, security context, host PIDs, `hostFileVolumes` from the node),
 * run with the engine's chaos service account: it gets the runtime controls a pod spec gets.
 */
export const CHAOS_GROUPS: ReadonlySet<string> = new Set(['chaos-mesh.org', 'litmuschaos.io']);

export function checkChaos(doc: Json, prefix: string, apiGroup: string, ctx: RuleContext): void {
  const kind = (typeof doc.kind === 'string' ? clientText(doc.kind, 63) : undefined) ?? 'experiment';
  if (apiGroup === 'litmuschaos.io') {
    const spec = isObject(doc.spec) ? doc.spec : undefined;
    if (spec === undefined) return;
    if (isObject(spec.appinfo) && typeof spec.appinfo.appns === 'string' && spec.appinfo.appns !== '') protectedTarget(spec.appinfo.appns, kind, `${prefix}spec.appinfo.appns`, ctx);
    if (isObject(spec.definition)) checkLitmusDefinition(spec.definition, `${prefix}spec.definition`, ctx);
    return;
  }
  // Iterative: the body's depth is bounded by the parser, its breadth only by its size.
  const stack: { node: Json; path: string }[] = [{ node: doc, path: prefix.endsWith('.') ? prefix.slice(0, -1) : prefix }];
  while (stack.length > 0) {
    const { node, path } = stack.pop()!;
    const selector = node.selector;
    if (isObject(selector)) checkSelector(selector, join(path, 'selector'), kind, ctx);
    for (const [key, value] of Object.entries(node)) {
      if (isObject(value)) stack.push({ node: value, path: join(path, key) });
      else if (Array.isArray(value)) {
        for (let i = 0; i < value.length; i++) {
          const item: unknown = value[i];
          if (isObject(item)) stack.push({ node: item, path: `${join(path, key)}[${i}]` });
        }
      }
    }
  }
}

function checkSelector(selector: Json, path: string, kind: string, ctx: RuleContext): void {
  const named = arrayOf(selector.namespaces).filter((n): n is string => typeof n === 'string' && n !== '');
  for (const ns of named) protectedTarget(ns, kind, `${path}.namespaces`, ctx);
  const pods = isObject(selector.pods) ? Object.keys(selector.pods) : [];
  for (const ns of pods) protectedTarget(ns, kind, `${path}.pods`, ctx);
  // Neither: Chaos Mesh selects in the experiment's own namespace. A patch that shows neither
  // leaves the namespaces it stored, which were judged when they were written.
  if (named.length === 0 && pods.length === 0 && !ctx.partial && ctx.namespace !== '') protectedTarget(ctx.namespace, kind, path, ctx);
}

function protectedTarget(namespace: string, kind: string, path: string, ctx: RuleContext): void {
  if (!ctx.settings.chaosProtectedNamespace(namespace)) return;
  ctx.out.push({ code: 'chaos_target_protected', detail: `${kind} acts on pods in namespace ${JSON.stringify(namespace.slice(0, 63))}, which guardrails.chaos_protected_namespaces protects`, path });
}

/** A ChaosExperiment's definition read as the one-container pod the runner builds from it. */
function checkLitmusDefinition(def: Json, path: string, ctx: RuleContext): void {
  const sc = isObject(def.securityContext) ? def.securityContext : {};
  const volumes = arrayOf(def.hostFileVolumes)
    .filter(isObject)
    .map((v) => ({ name: typeof v.name === 'string' ? v.name : 'host-file', hostPath: { path: typeof v.nodePath === 'string' ? v.nodePath : '' } }));
  const container: Json = { name: 'chaos-experiment', ...(typeof def.image === 'string' ? { image: def.image } : {}), ...(sc.containerSecurityContext !== undefined ? { securityContext: sc.containerSecurityContext } : {}) };
  const pod: Json = { containers: [container], ...(volumes.length > 0 ? { volumes } : {}), ...(sc.podSecurityContext !== undefined ? { securityContext: sc.podSecurityContext } : {}) };
  for (const host of ['hostPID', 'hostIPC', 'hostNetwork'] as const) if (def[host] !== undefined) pod[host] = def[host];
  checkImages(checkPodSecurity(pod, path, ctx), ctx);
}

function join(path: string, key: string): string {
  return path === '' ? key : `${path}.${key}`;
}
