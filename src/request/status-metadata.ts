import { Buffer } from 'node:buffer';
import { isCustomGroup } from '../core/kube-groups.js';
import type { KubeRequestInfo } from './kube.js';

/**
 * Which status writes kube-apiserver lets change the object's metadata, from each resource's
 * status strategy (its `PrepareForUpdate`) as read in kubernetes/kubernetes at the 1.34/1.35
 * release line. The early types copy only the old spec into a status write and keep the rest of
 * what the body says (issue kubernetes#45539 left them so, since flannel and others write node
 * annotations through node/status), so a status write of theirs may relabel, annotate, add or drop
 * finalizers of, or (except a Pod's) set owner references on the object:
 * - core: Pod (pkg/registry/core/pod/strategy.go, podStatusStrategy: spec, deletion timestamp and
 *   owner references reset, labels and annotations kept), Node, Namespace, PersistentVolume,
 *   PersistentVolumeClaim, ReplicationController, ResourceQuota, Service (each `…StatusStrategy`
 *   in pkg/registry/core/<resource>/strategy.go copies the spec only); a Namespace's `finalize`
 *   too, whose strategy copies only the old status: the labels and annotations of a `kubectl
 *   replace --raw /api/v1/namespaces/<ns>/finalize` are written with its finalizers;
 * - apps: Deployment (deploymentStatusStrategy resets the spec and the labels only: its
 *   annotations, finalizers and owner references are kept, and an owner reference naming an owner
 *   that does not exist has the garbage collector delete it), StatefulSet, DaemonSet, ReplicaSet;
 *   batch Job and CronJob; autoscaling HorizontalPodAutoscaler; policy PodDisruptionBudget;
 *   networking Ingress and ServiceCIDR (each copies the spec only);
 * - certificates.k8s.io CertificateSigningRequest: `status` and `approval` reset the spec and the
 *   part of status the other owns, not metadata;
 * - apiextensions.k8s.io CustomResourceDefinition: its status strategy calls
 *   ResetObjectMetaForStatus with the new object as both arguments, which resets nothing (the
 *   CRD finalizer controller removes its cleanup finalizer through status).
 * Those that do reset it (ResetObjectMetaForStatus with the old object, or the old metadata copied
 * whole) keep a status write status-only:
 * - custom resources (apiextensions-apiserver's customresource status strategy copies the old
 *   object whole and sets only its status), APIService (kube-aggregator's apiServerStatusStrategy),
 *   FlowSchema and PriorityLevelConfiguration (flowcontrol: old ObjectMeta copied), VolumeAttachment
 *   (storage), ValidatingAdmissionPolicy (admissionregistration).
 * OpenShift's own kinds are served by its aggregated API servers (openshift/openshift-apiserver,
 * pkg/<group>/apiserver/registry/<resource>/strategy.go), whose status strategies copy only the old
 * spec, like the early kube types: Route (routeStatusStrategy), DeploymentConfig (statusStrategy
 * resets the spec and the labels only, as a Deployment's), ImageStream (StatusStrategy resets the
 * spec's tags and repository only), ClusterResourceQuota and TemplateInstance (the spec only). A
 * Build's `details` (the build pod's write) copies the old object whole: not a status write here.
 * Its other groups (config.openshift.io, operator.openshift.io, machineconfiguration, console…) are
 * CustomResourceDefinitions, status-only as any custom resource. metrics.k8s.io serves no writes.
 * A built-in or OpenShift-served group's resource named in neither list is judged as one that
 * keeps metadata (fails closed); any other group is a custom resource's (or another aggregated
 * API's, which stepgate cannot tell apart from one) and is status-only.
 */
const KEEPS_METADATA: ReadonlyMap<string, ReadonlySet<string>> = new Map([
  ['', new Set(['pods/status', 'nodes/status', 'namespaces/status', 'namespaces/finalize', 'persistentvolumes/status', 'persistentvolumeclaims/status', 'replicationcontrollers/status', 'resourcequotas/status', 'services/status'])],
  ['apps', new Set(['deployments/status', 'statefulsets/status', 'daemonsets/status', 'replicasets/status'])],
  ['extensions', new Set(['deployments/status', 'daemonsets/status', 'replicasets/status', 'ingresses/status'])],
  ['batch', new Set(['jobs/status', 'cronjobs/status'])],
  ['autoscaling', new Set(['horizontalpodautoscalers/status'])],
  ['policy', new Set(['poddisruptionbudgets/status'])],
  ['networking.k8s.io', new Set(['ingresses/status', 'servicecidrs/status'])],
  ['certificates.k8s.io', new Set(['certificatesigningrequests/status', 'certificatesigningrequests/approval'])],
  ['apiextensions.k8s.io', new Set(['customresourcedefinitions/status'])],
  ['route.openshift.io', new Set(['routes/status'])],
  ['apps.openshift.io', new Set(['deploymentconfigs/status'])],
  ['image.openshift.io', new Set(['imagestreams/status'])],
  ['quota.openshift.io', new Set(['clusterresourcequotas/status'])],
  ['template.openshift.io', new Set(['templateinstances/status'])],
]);

/**
 * The groups OpenShift's aggregated API servers serve (openshift-apiserver and oauth-apiserver),
 * with their own strategies: judged as the built-in groups are, where a status write of a kind in
 * neither table keeps metadata. Not built-in groups for policy (`match.kubernetes.custom`).
 */
const OPENSHIFT_SERVED = new Set([
  'apps.openshift.io',
  'authorization.openshift.io',
  'build.openshift.io',
  'image.openshift.io',
  'oauth.openshift.io',
  'project.openshift.io',
  'quota.openshift.io',
  'route.openshift.io',
  'security.openshift.io',
  'template.openshift.io',
  'user.openshift.io',
]);

const RESETS_METADATA: ReadonlyMap<string, ReadonlySet<string>> = new Map([
  ['apiregistration.k8s.io', new Set(['apiservices/status'])],
  ['flowcontrol.apiserver.k8s.io', new Set(['flowschemas/status', 'prioritylevelconfigurations/status'])],
  ['storage.k8s.io', new Set(['volumeattachments/status'])],
  ['admissionregistration.k8s.io', new Set(['validatingadmissionpolicies/status'])],
]);

/** Whether kube keeps the metadata a write of this subresource carries (the tables above). */
export function keepsMetadata(apiGroup: string, resource: string, subresource: string): boolean {
  // Every other subresource (exec, log, scale, eviction…) is judged as itself: no string is built for it.
  if (subresource !== 'status' && subresource !== 'approval' && subresource !== 'finalize') return false;
  const key = `${resource}/${subresource}`;
  if (KEEPS_METADATA.get(apiGroup)?.has(key) === true) return true;
  if (subresource !== 'status' || (isCustomGroup(apiGroup) && !OPENSHIFT_SERVED.has(apiGroup))) return false;
  return RESETS_METADATA.get(apiGroup)?.has(key) !== true;
}

/**
 * Whether a status write (or a CSR's approval, a Namespace's finalize) may change the object's labels, annotations,
 * finalizers or owner references, so that it is judged as a write of the object too (policy
 * `subresources: [""]`). It may unless its body is present,
 * complete, JSON (a YAML body that parses as JSON reads the same) and provably without metadata:
 * no top-level `metadata` key in any letter case, and for a JSON patch no operation whose `path` or
 * `from` is the whole document or under `/metadata`. A JSON `\u` escape in a key is read as
 * kube's decoder reads it, since JSON.parse decodes it the same way.
 */
export function statusMayEditMetadata(info: KubeRequestInfo, contentType: string | undefined, body: Uint8Array | string | undefined, truncated: boolean): boolean {
  if (!info.isResourceRequest || !keepsMetadata(info.apiGroup, info.resource, info.subresource)) return false;
  if (info.verb !== 'update' && info.verb !== 'patch') return false;
  if (body === undefined || truncated) return true;
  const type = (contentType ?? '').toLowerCase();
  if (!type.includes('json') && !type.includes('yaml')) return true;
  let doc: unknown;
  try {
    doc = JSON.parse(typeof body === 'string' ? body : Buffer.from(body.buffer, body.byteOffset, body.byteLength).toString('utf8'));
  } catch {
    return true;
  }
  if (Array.isArray(doc)) return doc.some(touchesMetadata);
  if (doc === null || typeof doc !== 'object') return true;
  const patch = info.verb === 'patch';
  return Object.entries(doc).some(([k, v]) => k.toLowerCase() === 'metadata' && !(patch && onlyPreconditions(v)));
}

/**
 * The kubelet's pod status patch names the pod's uid in `metadata` as a precondition
 * (`{"metadata":{"uid":…},"status":…}`); a merge or strategic patch of only `uid` and
 * `resourceVersion` leaves every label and annotation as it was. An update (PUT) is different:
 * the labels it leaves out are removed, so any metadata there, or none, is an edit.
 */
function onlyPreconditions(metadata: unknown): boolean {
  if (metadata === null || typeof metadata !== 'object' || Array.isArray(metadata)) return false;
  return Object.keys(metadata).every((k) => PRECONDITIONS.has(k.toLowerCase()));
}

const PRECONDITIONS = new Set(['uid', 'resourceversion']);

function touchesMetadata(op: unknown): boolean {
  if (op === null || typeof op !== 'object') return true;
  const { path, from } = op as { path?: unknown; from?: unknown };
  // A `test` operation changes nothing (kube's JSON patch checks a uid or resourceVersion with it).
  if ((op as { op?: unknown }).op === 'test') return false;
  return pointsAtMetadata(path) || (from !== undefined && pointsAtMetadata(from));
}

function pointsAtMetadata(pointer: unknown): boolean {
  if (typeof pointer !== 'string') return true;
  const p = pointer.toLowerCase();
  return p === '' || p === '/' || p === '/metadata' || p.startsWith('/metadata/');
}
