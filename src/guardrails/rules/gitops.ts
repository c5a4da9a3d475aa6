import { clientText } from '../../core/redact.js';
import { isObject, type Json } from '../types.js';
import type { RuleContext } from './context.js';

/**
 * gitops_source_change: a patch of a Flux (or Fleet) object that changes more than whether and when it is
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

/**
 * Rancher's Fleet does the same with its agents' cluster-admin on every cluster a GitRepo or HelmOp
 * targets (its `repo`, `branch`, `revision`, `paths`, `helmSecretName`, `targets`), and a Bundle
 * holds the manifests themselves. Its routine patches are the UI's and `kubectl patch`'s force
 * update (`spec.forceSyncGeneration`, fleet.cattle.io/v1alpha1 GitRepoSpec and BundleSpec) and
 * pause (`spec.paused`): the same content again, or none.
 */
const FLEET_GROUP = 'fleet.cattle.io';
const FLEET_ROUTINE: ReadonlySet<string> = new Set(['forceSyncGeneration', 'paused']);
const FLUX_ROUTINE: ReadonlySet<string> = new Set(['suspend']);

export function isFluxKey(key: string): boolean {
  const group = key.slice(0, key.indexOf('/'));
  return FLUX_GROUPS.has(group) || group === FLEET_GROUP;
}

/** What a reconcile, suspend or resume writes: metadata, and the spec fields in `quiet`. */
function routine(key: string, value: unknown, quiet: ReadonlySet<string>): boolean {
  if (key === 'metadata' || key === 'apiVersion' || key === 'kind') return true;
  if (key !== 'spec') return false;
  if (value === null || !isObject(value)) return false;
  return Object.keys(value).every((k) => quiet.has(k));
}

/** `key` is the patch's `group/resource` (isFluxKey's); `kind` the resource named in the detail. */
export function checkFluxPatch(doc: Json, kind: string, docPath: string, ctx: RuleContext, key = ''): void {
  const fleet = key.startsWith(`${FLEET_GROUP}/`);
  const quiet = fleet ? FLEET_ROUTINE : FLUX_ROUTINE;
  const changed = Object.entries(doc).filter(([k, v]) => !routine(k, v, quiet));
  if (changed.length === 0) return;
  const spec = doc.spec;
  const fields = isObject(spec) ? Object.keys(spec).filter((k) => !quiet.has(k)) : [];
  // Field names come from the body: bounded and without control characters, as any client text.
  const named = (f: string) => clientText(f, 40) ?? '';
  const what = fields.length > 0 ? `spec.${fields.slice(0, 3).map(named).join(', spec.')}${fields.length > 3 ? ', …' : ''}` : changed.slice(0, 3).map(([k]) => named(k)).join(', ');
  ctx.out.push({ code: 'gitops_source_change', detail: `a patch of ${fleet ? 'Fleet' : 'Flux'} ${kind} changes ${what}: what ${fleet ? 'Fleet' : 'Flux'} deploys, with its ${fleet ? 'agents' : 'controllers'}' rights`, path: `${docPath}${fields.length > 0 ? 'spec' : changed[0]![0]}` });
}
