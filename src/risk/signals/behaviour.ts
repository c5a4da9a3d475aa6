import type { ActionKind } from '../../config/schema.js';
import { ALL_NAMESPACES_HELM, NAMESPACE_OBJECTS, isAllNamespaces } from '../../state/store.js';
import { namespaceText, type Signal, type SignalContext } from './context.js';

const HELM_LIST = "Helm's release records listed across all namespaces";
const EVERY_LIST = 'Secrets listed across all namespaces';

/**
 * Behaviour unlike this identity's own (docs/risk.md): what malware on the engineer's laptop, or
 * an insider, does with a context that is entirely familiar. Each binds the requirement to an
 * authentication around the behaviour's first sighting (context-bound.ts).
 *
 * - `unfamiliar_namespace`: a sensitive action in a namespace outside the identity's working set
 *   (namespaces it was allowed to work in from a proven context; a change to a Namespace object is
 *   one on the cluster's Namespace objects, one place). A subject with no working set yet has
 *   nothing to depart from.
 * - `unfamiliar_kind`: a sensitive kind of action (a Secret read, a shell or tunnel into a pod) the
 *   identity never did from a proven context, once its history is old enough to say so
 *   (`min_history_seconds`): the working set is kept by namespace, so a token of someone who only
 *   ever looks (an analyst, support) read Secrets in the namespaces they look at unasked.
 * - `cluster_secret_list`: every Secret of every namespace in one request, by an identity that
 *   has not done so before from a proven context (`**` in its working set; Helm's release records
 *   alone, `owner=helm` selected, are `*`, learned on their own).
 * - `machine_pace`: more distinct sensitive objects (deletes included) in a few seconds than a
 *   person types: an enumeration or a fan-out script.
 */
export const behaviourSignal: Signal = (ctx, cfg, out) => {
  const w = ctx.work;
  const a = ctx.action;
  if (w === undefined || a === undefined) return;
  const u = cfg.unfamiliar_namespace;
  if (u.weight > 0 && a.sensitive && a.namespace !== '' && !isAllNamespaces(a.namespace) && !w.namespaceKnown && w.workingSet > 0 && !lowerEnvironment(w, a)) {
    const where = a.namespace === NAMESPACE_OBJECTS ? ', a change to Namespace objects,' : ` in ${namespaceText(a)},`;
    out.push({ code: 'unfamiliar_namespace', weight: u.weight, detail: `${a.what}${where} outside the ${w.workingSet} namespaces this identity works in` });
  }
  const k = cfg.unfamiliar_kind;
  if (k.weight > 0 && a.kind !== '' && w.kindSince > 0 && k.kinds.includes(a.kind) && ctx.nowMs - w.historySince >= k.min_history_seconds * 1000) {
    out.push({ code: 'unfamiliar_kind', weight: k.weight, detail: `${a.what}${a.namespace === '' || isAllNamespaces(a.namespace) ? '' : ` in ${namespaceText(a)}`}: the first ${KIND_TEXT[a.kind]} by this identity in ${historyText(ctx.nowMs - w.historySince)} of history` });
  }
  // Like a namespace, all of them at once (`*`) joins the working set once listed from a proven
  // context around its first sighting: `helm ls -A` reads every release Secret, and a platform
  // engineer who runs it every day is asked once, not at every run for as long as the band lasts.
  // Covered by the sign-in in use (`cluster_secret_list_grace_seconds`, engine.ts), it weighs nothing.
  if (cfg.cluster_secret_list > 0 && a.clusterSecretList && !w.namespaceKnown && ctx.listCovered !== true) {
    out.push({ code: 'cluster_secret_list', weight: cfg.cluster_secret_list, detail: a.namespace === ALL_NAMESPACES_HELM ? HELM_LIST : EVERY_LIST });
  }
  const p = cfg.machine_pace;
  if (p.weight > 0 && w.pace > p.threshold) {
    out.push({ code: 'machine_pace', weight: p.weight, detail: `${w.pace} distinct sensitive objects in ${p.window_seconds}s (threshold ${p.threshold})` });
  }
};

const KIND_TEXT: Record<ActionKind, string> = { secret_read: 'read of a Secret', pod_shell: 'shell or tunnel into a pod', proxy: "proxy into a pod's or Service's endpoints", pod_copy: 'copy of files or a database out of or into a pod', database_copy: "dump of a database or copy of its files", production_tunnel: 'port-forward into a production namespace', production_secret_read: 'read of a Secret in a production namespace' };

/** "30 days", "20 hours": how long the identity's history is, rounded down. */
export function historyText(ms: number): string {
  const h = Math.floor(ms / 3_600_000);
  if (h < 48) return `${h} hour${h === 1 ? '' : 's'}`;
  return `${Math.floor(h / 24)} days`;
}

/**
 * A lower environment of an application whose higher one is in the working set (`ledger-staging`
 * while `prod-ledger` is: WorkHistory.familyKnown, risk/namespace-family.ts), or a component of it
 * at the same or a lower tier (`prod-ledger-batch`, with `components`), is no departure from
 * where the identity works: what was measured as routine on a first day (a prod engineer reading
 * their own app's staging Secret) and never as an attack, which goes to other teams, to the
 * system namespaces, or up from dev to prod. A delete (or a write that deletes) there keeps no
 * grace, as anywhere outside the working set: it is still asked. Namespace objects and every
 * namespace at once have no family.
 */
function lowerEnvironment(w: NonNullable<SignalContext['work']>, a: NonNullable<SignalContext['action']>): boolean {
  return w.familyKnown && !a.destructive && a.namespace !== NAMESPACE_OBJECTS;
}
