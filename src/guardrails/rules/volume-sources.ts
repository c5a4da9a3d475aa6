import { clientText } from '../../core/redact.js';
import { isObject, type Json } from '../types.js';
import type { RuleContext } from './context.js';
import { joinPath, walkObjects } from './walk.js';

/**
 * KubeVirt's Containerized Data Importer copies a volume from wherever its source says: a
 * DataVolume (alone, or as a VirtualMachine's or VirtualMachinePool's `dataVolumeTemplates`) whose
 * `source.pvc` or `source.snapshot` names another namespace, or whose `sourceRef` names another
 * namespace's DataSource, and a DataSource pointing at one, clones that namespace's disk into the
 * object's own. CDI checks only that the requester may create `datavolumes/source` there, which an
 * engineer with rights in production has: one write in dev with the everyday sign-in copies
 * production's database disk to where any pod of dev mounts it. The namespaces whose volumes are
 * meant to be cloned by everyone (the golden images VMs start from) are listed in
 * `guardrails.shared_volume_namespaces`; any other is `volume_source_other_namespace`.
 */
export const VOLUME_SOURCE_GROUPS: ReadonlySet<string> = new Set(['cdi.kubevirt.io', 'kubevirt.io', 'pool.kubevirt.io']);

/** Keys one of which a body names where it may copy a volume from another namespace. */
export const VOLUME_SOURCE_KEYS: readonly string[] = ['pvc', 'snapshot', 'sourceRef'];

export function checkVolumeSources(doc: Json, prefix: string, ctx: RuleContext): void {
  const kind = (typeof doc.kind === 'string' ? clientText(doc.kind, 63) : undefined) ?? 'object';
  walkObjects(doc, prefix, (node, path, key) => {
    if (key === 'source') {
      for (const from of ['pvc', 'snapshot'] as const) if (isObject(node[from])) other(node[from].namespace, kind, `${joinPath(path, from)}.namespace`, ctx);
    }
    if (isObject(node.sourceRef)) other(node.sourceRef.namespace, kind, `${joinPath(path, 'sourceRef')}.namespace`, ctx);
  });
}

function other(namespace: unknown, kind: string, path: string, ctx: RuleContext): void {
  // No namespace is the object's own; a namespace of the object's own is no copy across.
  if (typeof namespace !== 'string' || namespace === '' || namespace === ctx.namespace) return;
  if (ctx.settings.sharedVolumeNamespace(namespace)) return;
  ctx.out.push({ code: 'volume_source_other_namespace', detail: `${kind} copies a volume from namespace ${JSON.stringify(namespace.slice(0, 63))} into ${JSON.stringify(ctx.namespace.slice(0, 63))}`, path });
}

/** The key a claim's body names where it may copy another namespace's volume. */
export const CLAIM_SOURCE_KEYS: readonly string[] = ['dataSourceRef'];

/**
 * A PersistentVolumeClaim whose `dataSourceRef` names another namespace (CrossNamespaceVolumeDataSource)
 * is the same copy by the CSI driver: another namespace's snapshot or claim restored where any pod
 * of the claim's namespace mounts it. The source namespace's ReferenceGrant decides whether it
 * works, and is not in the request; that the copy crosses namespaces is.
 */
export function checkClaimSource(doc: Json, prefix: string, ctx: RuleContext): void {
  const spec = doc.spec;
  if (isObject(spec) && isObject(spec.dataSourceRef)) other(spec.dataSourceRef.namespace, 'PersistentVolumeClaim', `${prefix}spec.dataSourceRef.namespace`, ctx);
}
