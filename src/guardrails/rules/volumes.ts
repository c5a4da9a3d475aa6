import { isObject, type Json } from '../types.js';
import type { RuleContext } from './context.js';

export const PERSISTENT_VOLUME_KEY = '/persistentvolumes';

/**
 * A PersistentVolume backed by a node directory (`hostPath`, or a `local` volume) hands that
 * directory to whichever pod mounts a claim bound to it: the pod itself has only a
 * persistentVolumeClaim volume, which no pod guardrail questions. Creating such a volume with
 * `path: /` is the node's filesystem one claim away, so it is judged as the pod's own hostPath
 * volume would be (Pod Security Admission does not look at PersistentVolumes at all).
 */
export function checkPersistentVolume(doc: Json, docPath: string, ctx: RuleContext): void {
  const spec = doc.spec;
  if (!isObject(spec)) return;
  for (const field of ['hostPath', 'local'] as const) {
    const source = spec[field];
    if (!isObject(source)) continue;
    const p = typeof source.path === 'string' ? ` (${source.path.slice(0, 200)})` : '';
    ctx.out.push({
      code: 'host_path_volume',
      detail: `PersistentVolume ${field}${p} gives a node directory to any pod that claims it`,
      path: `${docPath}spec.${field}`,
    });
  }
}
