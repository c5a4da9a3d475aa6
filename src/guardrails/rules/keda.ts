import { clientText } from '../../core/redact.js';
import { arrayOf, isObject, type Json } from '../types.js';
import type { RuleContext } from './context.js';
import { joinPath, walkObjects } from './walk.js';

/**
 * keda_cluster_trigger_auth: a KEDA ScaledObject or ScaledJob (keda.sh) whose trigger authenticates
 * with a ClusterTriggerAuthentication. That object is the platform's: its Secrets live in KEDA's
 * own namespace, which the writer of a ScaledObject in `prod-catalog` cannot read; but any trigger
 * naming it is handed its credential by the operator, and sends it wherever the trigger's
 * metadata says (a metrics-api trigger's `url`, a Prometheus `serverAddress`, as a bearer token or
 * basic auth). So a ScaledObject patch, a write SREs make every day with the everyday sign-in,
 * copies the platform's credential to an address of the writer's choosing (day 22). A trigger
 * authenticated by the namespace's own TriggerAuthentication hands over only Secrets of the
 * namespace, which the writer reads anyway; one with no authentication hands over nothing.
 *
 * A JSON patch can change a stored trigger's address without showing the authentication it keeps
 * (`replace /spec/triggers/1/metadata/url`): a trigger it changes that shows no `authenticationRef`
 * may be one with a cluster-wide one, and is judged as such. Merge patches and apply
 * configurations replace the whole list (KEDA's CRD declares no list type for it), so the ref
 * they keep is in the body.
 */
export const KEDA_GROUP = 'keda.sh';

/** KEDA resolves the kind exactly: '' and `TriggerAuthentication` are the namespace's own. */
const NAMESPACED_KINDS: ReadonlySet<unknown> = new Set([undefined, '', 'TriggerAuthentication']);

export function checkKedaTriggers(doc: Json, prefix: string, jsonPatch: boolean, ctx: RuleContext): void {
  const kind = typeof doc.kind === 'string' && doc.kind !== '' ? clientText(doc.kind, 63) ?? 'object' : 'object';
  walkObjects(doc, prefix, (node, path) => {
    const ref = node.authenticationRef;
    if (!isObject(ref) || NAMESPACED_KINDS.has(ref.kind)) return;
    const name = typeof ref.name === 'string' ? clientText(ref.name, 63) ?? '(unnamed)' : '(unnamed)';
    ctx.out.push({ code: 'keda_cluster_trigger_auth', detail: `a ${kind} trigger authenticates with ClusterTriggerAuthentication ${JSON.stringify(name)}: KEDA hands it the platform's credential and sends it where the trigger says`, path: joinPath(path, 'authenticationRef') });
  });
  if (!jsonPatch) return;
  const spec = isObject(doc.spec) ? doc.spec : undefined;
  const triggers = spec === undefined ? [] : arrayOf(spec.triggers);
  const specPath = joinPath(prefix.endsWith('.') ? prefix.slice(0, -1) : prefix, 'spec');
  for (let i = 0; i < triggers.length; i++) {
    const t: unknown = triggers[i];
    if (!isObject(t) || t.authenticationRef !== undefined || Object.keys(t).length === 0) continue;
    ctx.out.push({ code: 'keda_cluster_trigger_auth', detail: `a JSON patch changes ${kind} trigger ${i} without showing its authentication: the ClusterTriggerAuthentication it may keep goes where the patch says`, path: `${specPath}.triggers[${i}]` });
  }
}
