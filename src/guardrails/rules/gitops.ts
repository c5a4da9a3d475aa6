import { clientText } from '../../core/redact.js';
import { isObject, type Json } from '../types.js';
import type { RuleContext } from './context.js';

/**
 * gitops_source_change: a patch of a Flux object that changes more than whether and when it is
 * reconciled. Flux deploys what its sources point at with its controllers' rights (cluster-admin in
 * a default install), so repointing a GitRepository's URL or a Kustomization's path or source is a
 * deployment of whatever is there. `flux reconcile` (an annotation), `flux suspend` and `resume`
 * (`spec.suspend`) are routine and stay so; creates, replaces and deletes are the policy's business
 * (the bundled example's flux-objects rule), since the request line says what they do.
 */
// Image automation is a source too: an ImageRepository's image, an ImagePolicy's filter or an
// ImageUpdateAutomation's target decides which image Flux commits to Git with its deploy key, and
// the Kustomization then deploys it.
const FLUX_GROUPS: ReadonlySet<string> = new Set(['source.toolkit.fluxcd.io', 'kustomize.toolkit.fluxcd.io', 'helm.toolkit.fluxcd.io', 'image.toolkit.fluxcd.io']);

export function isFluxKey(key: string): boolean {
  return FLUX_GROUPS.has(key.slice(0, key.indexOf('/')));
}

/** What a reconcile, suspend or resume writes: metadata, and spec.suspend. */
function routine(key: string, value: unknown): boolean {
  if (key === 'metadata' || key === 'apiVersion' || key === 'kind') return true;
  if (key !== 'spec') return false;
  if (value === null || !isObject(value)) return false;
  return Object.keys(value).every((k) => k === 'suspend');
}

export function checkFluxPatch(doc: Json, kind: string, docPath: string, ctx: RuleContext): void {
  const changed = Object.entries(doc).filter(([k, v]) => !routine(k, v));
  if (changed.length === 0) return;
  const spec = doc.spec;
  const fields = isObject(spec) ? Object.keys(spec).filter((k) => k !== 'suspend') : [];
  // Field names come from the body: bounded and without control characters, as any client text.
  const named = (f: string) => clientText(f, 40) ?? '';
  const what = fields.length > 0 ? `spec.${fields.slice(0, 3).map(named).join(', spec.')}${fields.length > 3 ? ', …' : ''}` : changed.slice(0, 3).map(([k]) => named(k)).join(', ');
  ctx.out.push({ code: 'gitops_source_change', detail: `a patch of Flux ${kind} changes ${what}: what Flux deploys, with its controllers' rights`, path: `${docPath}${fields.length > 0 ? 'spec' : changed[0]![0]}` });
}
