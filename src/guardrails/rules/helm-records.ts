import { clientText } from '../../core/redact.js';
import type { KubeRequestInfo } from '../../request/kube.js';
import { isObject, type Json, type Violation } from '../types.js';

/**
 * helm_release_edited: a Helm 3 release record (a Secret `sh.helm.release.v1.<release>.v<revision>`,
 * type `helm.sh/release.v1`) created, replaced or patched by a client that is not Helm. The record
 * holds the release's manifest (gzip, base64, in `data.release`); the next `helm rollback` applies
 * it, and `helm upgrade` merges from it, often run by CI with wide rights, and none of it is judged
 * by the guardrails on the way in. Helm writes these records at every install, upgrade and rollback
 * with the same body as a hand edit; what sets a hand edit apart on the wire is its client:
 * `kubectl replace`, `edit`, `patch`, `apply`, a script. A client that says it is Helm is taken at
 * its word for a create or a replace, as the user-agent fingerprint is elsewhere; never for a patch,
 * which Helm does not send (docs/guardrails.md#helm_release_edited).
 */

const PREFIX = 'sh.helm.release.v1.';
const HELM_TYPE = 'helm.sh/release.v1';
/** What the helm CLI (and its SDK's kube client) sends: `Helm/3.16.4`. */
const HELM_CLIENT = /^Helm\/v?\d/;

export function isHelmClient(userAgent: string | undefined): boolean {
  return userAgent !== undefined && HELM_CLIENT.test(userAgent);
}

/**
 * A write of a core Secret whose name (in the path, or the body's for a create) or type is a Helm
 * release record's; or of a ConfigMap so named (Helm's `HELM_DRIVER=configmap`, by the path).
 */
export function checkHelmRecord(kube: KubeRequestInfo, docs: readonly Json[], userAgent: string | undefined): Violation[] {
  if (kube.apiGroup !== '' || (kube.resource !== 'secrets' && kube.resource !== 'configmaps') || kube.subresource !== '') return [];
  // Helm's storage drivers only create, update (PUT) and delete a record, never patch one: a patch
  // (server-side apply included) is no Helm's, whatever user agent it sends.
  if (isHelmClient(userAgent) && kube.verb !== 'patch') return [];
  let name = kube.name.startsWith(PREFIX) ? kube.name : '';
  let path = 'metadata.name';
  for (const doc of docs) {
    if (name !== '') break;
    const meta = isObject(doc.metadata) ? doc.metadata : undefined;
    if (typeof meta?.name === 'string' && meta.name.startsWith(PREFIX)) name = meta.name;
    else if (typeof meta?.generateName === 'string' && meta.generateName.startsWith(PREFIX)) name = meta.generateName;
    else if (doc.type === HELM_TYPE) {
      name = typeof meta?.name === 'string' ? meta.name : '(unnamed)';
      path = 'type';
    }
  }
  if (name === '') return [];
  const shown = clientText(name, 120) ?? '';
  return [{ code: 'helm_release_edited', detail: `Helm release record ${shown} ${kube.verb === 'create' ? 'created' : 'changed'} by a client that is not Helm: the next helm rollback or upgrade applies the manifest it holds, unchecked`, path }];
}
