import { Buffer } from 'node:buffer';
import { isCustomGroup } from '../core/kube-groups.js';
import { isClusterScoped } from '../policy/policy.js';
import type { GitopsWrite } from '../request/attributes.js';
import { kubeRequestInfo, type KubeRequestInfo } from '../request/kube.js';
import { keepsMetadata } from '../request/status-metadata.js';
import { resourceOfAnyKind, resourceOfKind } from '../request/kinds.js';
import { clientText } from '../core/redact.js';
import { acceleratorsOf, countOf } from './accelerators.js';
import { ViolationCollector } from './collect.js';
import { CommandWork } from './rules/command-work.js';
import { mediaType, parseBody, UNKNOWN_VALUE, type ParsedBody } from './parse.js';
import type { RuleContext } from './rules/context.js';
import { checkAdmission, isAdmissionResource } from './rules/admission.js';
import { CHAOS_GROUPS, checkChaos } from './rules/chaos.js';
import { checkKedaTriggers, KEDA_GROUP } from './rules/keda.js';
import { checkCloudExposure, isCloudControllerGroup } from './rules/cloud-exposure.js';
import { checkModelSources, MODEL_ELEMENT_NAMES, MODEL_SOURCE_NAMES } from './rules/model-sources.js';
import { checkRestore, RESTORE_KEYS, RESTORE_NAMES } from './rules/restores.js';
import { checkIssuer, ISSUER_KEYS, ISSUER_NAMES } from './rules/issuers.js';
import { checkStoredTelemetry, checkTelemetryObject, TELEMETRY_GROUPS } from './rules/telemetry.js';
import { checkCustomPodSpecs } from './rules/custom-pods.js';
import { checkConfigMapScripts, checkSecretScripts } from './rules/configmap-scripts.js';
import { keysRun, NO_RUN_KEYS, type RunKeys } from './rules/run-scripts.js';
import { checkDelete } from './rules/delete.js';
import { checkEmbeddedObjects } from './rules/embedded.js';
import { checkIngress, INGRESS_KEYS } from './rules/ingress.js';
import { checkNamespaceLabels, checkSecretType, checkSystemNamespace } from './rules/namespaces.js';
import { checkCiliumPolicy, checkNetworkPolicy, checkNetworkPolicyDelete, checkService, CILIUM_CLUSTERWIDE_POLICY_KEY, CILIUM_POLICY_KEY, NETWORK_POLICY_KEY, SERVICE_KEY } from './rules/network.js';
import { claimsDeleted, cordons, customScaledToZero, evictsByTaint, KEDA_PAUSED_REPLICAS, kedaPausedAtZero, ownerReferencesSet, SCALABLE_KEYS, scaledToZero, scaleSetsZero, scaleTargetOf, serviceRetargeted } from './rules/owners.js';
import { checkRbac, collectWildcardRoles, RBAC_KEYS, rbacKindOf, type RbacKind } from './rules/rbac.js';
import { checkPodAnnotations } from './rules/pod-security.js';
import { checkBindingTarget } from './rules/scheduling.js';
import { checkFluxPatch, isFluxKey } from './rules/gitops.js';
import { checkApplicationSpec, checkGitopsImages, GITOPS_IMAGE_KEYS, GITOPS_IMAGE_NAMES } from './rules/gitops-images.js';
import { GITOPS_PATCH_KEYS, GITOPS_PATCH_NAMES, gitopsPatches, kindShown, UNION } from './rules/gitops-patches.js';
import { checkImageSource, IMAGE_SOURCE_KEYS } from './rules/image-streams.js';
import { checkHelmRecord } from './rules/helm-records.js';
import { HOST_KEYS, hostKeyOfKind } from './rules/host-kinds.js';
import { BACKEND_ONLY_KEYS, backendKeyOfKind, checkEndpointAddresses, checkRouteBackends, ENDPOINT_KEYS } from './rules/route-backends.js';
import { checkRoute } from './rules/routes.js';
import { checkRouteOwners } from './rules/route-owners.js';
import { checkWorkloadIdentity } from './rules/workload-identities.js';
import { checkServiceAccount, SERVICE_ACCOUNT_KEY } from './rules/cloud-identities.js';
import { checkLease, checkLeaseCandidate, LEASE_CANDIDATE_KEY, LEASE_KEY } from './rules/leases.js';
import { checkDeviceClaim, DEVICE_CLAIM_KEYS, isDeviceClaim } from './rules/device-claims.js';
import { checkTokenRequest, checkTokenSecret } from './rules/tokens.js';
import { checkPersistentVolume, PERSISTENT_VOLUME_KEY } from './rules/volumes.js';
import { checkClaimSource, checkVolumeSources, CLAIM_SOURCE_KEYS, VOLUME_SOURCE_GROUPS, VOLUME_SOURCE_KEYS } from './rules/volume-sources.js';
import { EMBEDDED_OBJECT_KEYS, embeddedObjects } from './rules/embedded-objects.js';
import { carriedObjects, carriesText, FLEET_GROUP, openCarried, RESOURCE_SET_SECRET, type Holder, type ResourceSet } from './rules/carried.js';
import { checkNetworkAttachment, NETWORK_ATTACHMENT_GROUP } from './rules/network-attachments.js';
import { checkAttachmentMirror, checkTrafficMirrors, MIRROR_ONLY_KEYS, mirrorKeyOfKind } from './rules/traffic-mirrors.js';
import { checkScheduledJobChange, CRONJOB_KEY, CRONWORKFLOW_KEY } from './rules/scheduled-jobs.js';
import { secretReadBy } from './rules/secret-refs.js';
import { checkSecretCopies } from './rules/secret-copies.js';
import { checkExternalSecret, EXTERNAL_SECRET_KEYS, SECRET_STORE_GROUPS } from './rules/secret-store-paths.js';
import { checkWorkload, isWorkloadKey, podSpecOf, workloadKeyOfKind } from './rules/workloads.js';
import type { GuardrailSettings } from './settings.js';
import { MAX_YAML_DOCUMENTS } from './yaml.js';
import { checkAutoscalerFloor, checkFleetAutoscalerFloor, checkReplicaFloor, checkScaledObjectFloor, CUSTOM_WORKLOAD_KEYS, customWorkloadDefault, FLEET_AUTOSCALER_KEY, FLOOR_FIELD_NAMES, HPA_KEY, MACHINE_POOL_KEYS, SCALED_OBJECT_KEY } from './rules/capacity.js';
import { isObject, NO_VIOLATIONS, type DeleteTarget, type GuardrailResult, type Json, type Violation } from './types.js';

const WRITE_VERBS = new Set(['create', 'update', 'patch']);
const DELETE_VERBS = new Set(['delete', 'deletecollection']);
/** A StatefulSet, whose retention policy can delete its claims (rules/owners.ts). */
const STATEFULSET_KEY = 'apps/statefulsets';
/** The writes that can set owner references on an object that exists (rules/owners.ts). */
const CHANGE_VERBS = new Set(['update', 'patch']);

/** Whether a request is one the guardrails look at; cheap, so it can run on every request. */
export function isInspected(kube: KubeRequestInfo): boolean {
  if (!kube.isResourceRequest) return false;
  if (DELETE_VERBS.has(kube.verb)) return true;
  if (!WRITE_VERBS.has(kube.verb)) return false;
  return readsWhole(kube) || setsOwners(kube) || scalesWorkload(kube) || scalesCustom(kube) || floorWrite(kube) || customObjectWrite(kube) || configMapWrite(kube) || claimWrite(kube);
}

/**
 * A write of an object whose count guardrails.replica_floors may keep (rules/capacity.ts): an
 * autoscaler (create included: it sizes a workload that already runs), or a change of a node pool
 * or of a custom workload (an Argo Rollout).
 */
function floorWrite(kube: KubeRequestInfo): boolean {
  if (kube.subresource !== '') return false;
  const key = `${kube.apiGroup}/${kube.resource}`;
  if (key === HPA_KEY || key === SCALED_OBJECT_KEY || key === FLEET_AUTOSCALER_KEY) return WRITE_VERBS.has(kube.verb);
  return (MACHINE_POOL_KEYS.has(key) || CUSTOM_WORKLOAD_KEYS.has(key)) && CHANGE_VERBS.has(kube.verb);
}

/**
 * A change of a custom kind's `scale` subresource: a Cluster API node pool's (`kubectl scale
 * machinedeployment`), an Argo Rollout's (`kubectl scale rollout`), any CRD's whose scale
 * subresource kube serves: kube writes the Scale's count into the path the CRD names, so it is the
 * object's count whatever the kind. Read for guardrails.replica_floors only.
 */
function scalesCustom(kube: KubeRequestInfo): boolean {
  return CHANGE_VERBS.has(kube.verb) && kube.subresource === 'scale' && isCustomGroup(kube.apiGroup);
}

/** A PersistentVolumeClaim's create, update or patch: its dataSourceRef may name another namespace (rules/volume-sources.ts). */
function claimWrite(kube: KubeRequestInfo): boolean {
  return kube.apiGroup === '' && kube.resource === 'persistentvolumeclaims' && kube.subresource === '';
}

/**
 * A ConfigMap's create, update or patch: a ClusterResourceSet that names it applies its values to
 * every workload cluster it selects, and nothing in the ConfigMap says whether one does.
 */
function configMapWrite(kube: KubeRequestInfo): boolean {
  return kube.apiGroup === '' && kube.resource === 'configmaps' && kube.subresource === '';
}

/** The holder of carried objects the request line names (rules/carried.ts), for a body that need not name its kind. */
function holderOf(kube: KubeRequestInfo): Holder {
  if (kube.apiGroup === '' && kube.resource === 'configmaps') return 'ConfigMap';
  if (kube.apiGroup !== FLEET_GROUP) return undefined;
  return kube.resource === 'bundles' ? 'Bundle' : kube.resource === 'contents' ? 'Content' : undefined;
}

/**
 * A write of a custom resource itself: read for the pod specs its controller may run
 * (rules/custom-pods.ts), when its body can name one.
 */
function customObjectWrite(kube: KubeRequestInfo): boolean {
  return kube.subresource === '' && isCustomGroup(kube.apiGroup);
}

/**
 * A write of a kind that may carry whole objects for a controller to write elsewhere with its own
 * rights: any custom object (a wrapper such as a ManifestWork, an admission engine's policy), a
 * Secret (a ClusterResourceSet's: a create's type may lie past a cut, a patch never names one) and
 * a ConfigMap (one a ClusterResourceSet names, which the ConfigMap does not say).
 */
function carriesObjects(kube: KubeRequestInfo): boolean {
  if (!WRITE_VERBS.has(kube.verb)) return false;
  return customObjectWrite(kube) || configMapWrite(kube) || (kube.apiGroup === '' && kube.resource === 'secrets' && kube.subresource === '');
}

/** An update or patch of a Node itself: read for a NoExecute taint (rules/owners.ts evictsByTaint). */
function taintsNode(kube: KubeRequestInfo): boolean {
  return changesObject(kube) && kube.apiGroup === '' && kube.resource === 'nodes';
}

/** A change of a workload's `scale` subresource: its replica count, read for a scale to zero (rules/owners.ts). */
function scalesWorkload(kube: KubeRequestInfo): boolean {
  return CHANGE_VERBS.has(kube.verb) && kube.subresource === 'scale' && SCALABLE_KEYS.has(`${kube.apiGroup}/${kube.resource}`);
}

/** A write whose body the guardrails read for their rules (its kind, or its request line). */
function readsWhole(kube: KubeRequestInfo): boolean {
  if (isUrlOnly(kube) || isBinding(kube)) return true;
  return inspectsSubresource(kube) && isInspectedKey(`${kube.apiGroup}/${kube.resource}`);
}

/** An update or patch of an object itself, of any kind: read for its owner references at least. */
function changesObject(kube: KubeRequestInfo): boolean {
  return CHANGE_VERBS.has(kube.verb) && kube.subresource === '';
}

/**
 * An update or patch that may set the object's owner references: the object's own, or a status
 * write whose strategy keeps the metadata it carries (request/status-metadata.ts: a Node's, a
 * Deployment's, a Service's…). A Node patching its own status with an owner that does not exist
 * had the garbage collector delete it (CVE-2025-5187), and so does anyone's patch of it. A Pod's
 * status strategy resets owner references, so a Pod's status is not one.
 */
function setsOwners(kube: KubeRequestInfo): boolean {
  if (changesObject(kube)) return true;
  if (!CHANGE_VERBS.has(kube.verb) || (kube.apiGroup === '' && kube.resource === 'pods')) return false;
  return keepsMetadata(kube.apiGroup, kube.resource, kube.subresource);
}

/**
 * A Binding (`pods/<name>/binding`, or the older `bindings` resource) schedules a pending pod, and
 * kube merges the Binding's annotations into the pod without the checks a pod update gets
 * (BindingREST.setPodHostAndAnnotations): an AppArmor annotation arrives that way too.
 */
function isBinding(kube: KubeRequestInfo): boolean {
  if (kube.apiGroup !== '' || kube.verb !== 'create') return false;
  return (kube.resource === 'pods' && kube.subresource === 'binding') || (kube.resource === 'bindings' && kube.subresource === '');
}

/** Kinds whose body the guardrails read. */
const BODY_KEYS = new Set(['/namespaces', SERVICE_ACCOUNT_KEY, LEASE_KEY, LEASE_CANDIDATE_KEY, NETWORK_POLICY_KEY, CILIUM_POLICY_KEY, CILIUM_CLUSTERWIDE_POLICY_KEY, PERSISTENT_VOLUME_KEY, SERVICE_KEY, ...INGRESS_KEYS, ...HOST_KEYS, ...IMAGE_SOURCE_KEYS, ...ENDPOINT_KEYS, ...BACKEND_ONLY_KEYS, ...MIRROR_ONLY_KEYS, ...DEVICE_CLAIM_KEYS]);

function isInspectedKey(key: string): boolean {
  return isWorkloadKey(key) || RBAC_KEYS.has(key) || BODY_KEYS.has(key) || isFluxKey(key);
}

/**
 * Writes judged from the request line alone: admission configuration, Secrets and service account
 * tokens (only where the namespace makes them a guardrail). Their body is required only where it
 * can hand out a privileged token (secretBodyRequired); elsewhere an unreadable body there is not a
 * reason to ask for more.
 */
function isUrlOnly(kube: KubeRequestInfo): boolean {
  if (kube.subresource === '' && isAdmissionResource(kube.apiGroup, kube.resource)) return true;
  if (kube.apiGroup !== '') return false;
  return (kube.resource === 'secrets' && kube.subresource === '') || (kube.resource === 'serviceaccounts' && kube.subresource === 'token');
}

/**
 * Only the object itself carries the spec; `status`, `scale` and the like cannot change what the
 * guardrails look at. ephemeralcontainers is how `kubectl debug` adds a container to a pod. A
 * Namespace's `status` and `finalize` are the exception: kube resets only the status (or the
 * spec) there and takes the rest of the object, labels included (namespace strategy.go), so the
 * Pod Security labels change through them too, and a Service's `status` carries the load
 * balancer addresses kube-proxy routes (service_external_ip). An Ingress's `status` resets only
 * the spec too (ingress strategy.go), so its annotations change through it.
 */
function inspectsSubresource(kube: KubeRequestInfo): boolean {
  return (
    kube.subresource === '' ||
    (kube.subresource === 'ephemeralcontainers' && kube.apiGroup === '' && kube.resource === 'pods') ||
    namespaceLabelsWrite(kube) ||
    serviceStatusWrite(kube) ||
    (kube.subresource === 'status' && INGRESS_KEYS.has(`${kube.apiGroup}/${kube.resource}`))
  );
}

/** A Service's status holds its load balancer's addresses, which kube-proxy routes like externalIPs. */
function serviceStatusWrite(kube: KubeRequestInfo): boolean {
  return kube.apiGroup === '' && kube.resource === 'services' && kube.subresource === 'status';
}

/**
 * A Secret written where a service account is privileged (guardrails.impersonation_privileged_*)
 * can be a token for it (service_account_token_privileged): a body that could hide one is judged
 * as unreadable, since a client can pad a token Secret past the size bound.
 */
function secretBodyRequired(kube: KubeRequestInfo, settings: GuardrailSettings): boolean {
  return kube.apiGroup === '' && kube.resource === 'secrets' && kube.subresource === '' && kube.namespace !== '' && settings.privilegedServiceAccountNamespace(kube.namespace);
}

const NAMESPACE_SUBRESOURCES = new Set(['', 'status', 'finalize']);

function namespaceLabelsWrite(kube: KubeRequestInfo): boolean {
  return kube.apiGroup === '' && kube.resource === 'namespaces' && NAMESPACE_SUBRESOURCES.has(kube.subresource);
}

/**
 * The guardrail violations of one Kubernetes request. Pure: the body, its content type and
 * whether it was cut are all given. Requests that are not writes of an inspected kind, nor
 * deletes, have no violations and cost no body work.
 */
export function inspect(...args: InspectArgs): GuardrailResult {
  // One command-reading budget for the whole Check, carried objects included (rules/command-work.ts).
  return inspectAt(0, new CommandWork(), NO_RUN_KEYS, ...args);
}

type InspectArgs = Parameters<typeof inspectAt> extends [number, CommandWork, RunKeys, ...infer Rest] ? Rest : never;

/** inspect, for an object carried `depth` wrappers deep (judgeCarried). */
function inspectAt(
  depth: number,
  work: CommandWork,
  /** The ConfigMap and Secret keys a pod of the wrapper carrying this object runs (rules/run-scripts.ts). */
  runs: RunKeys,
  kube: KubeRequestInfo,
  body: Uint8Array | string | undefined,
  contentType: string | undefined,
  truncated: boolean,
  settings: GuardrailSettings,
  missing = false,
  /** The client's User-Agent: a Helm release record is Helm's to write (rules/helm-records.ts). */
  userAgent?: string,
): GuardrailResult {
  if (!settings.enabled || !isInspected(kube)) return NO_VIOLATIONS;
  // What the request line alone says: deletes, admission configuration, system namespaces.
  const urlKey = `${kube.apiGroup}/${kube.resource}`;
  const byUrl: Violation[] = [...checkAdmission(kube)];
  if (DELETE_VERBS.has(kube.verb)) {
    byUrl.push(...checkDelete(kube, settings, isClusterScoped(kube.apiGroup, kube.resource)), ...checkNetworkPolicyDelete(kube, settings));
    return byUrl.length > 0 ? { violations: byUrl } : NO_VIOLATIONS;
  }
  const workload = isWorkloadKey(urlKey) && inspectsSubresource(kube);
  byUrl.push(...checkSystemNamespace(kube, settings, kube.namespace, workload), ...checkTokenRequest(kube, settings));
  if (truncated && carriesObjects(kube)) {
    // Whatever lies past the cut may be a carried object (a padding annotation of a few hundred
    // KiB puts one there; a custom object may be up to etcd's 1.5 MiB), so the write is judged as
    // the worst case, as a cut Deployment is. Helm's release records are still Helm's to write.
    const parsed = decode(body, contentType, truncated, kube.verb, missing);
    if (!parsed.ok) {
      if (kube.resource === 'secrets' || (kube.resource === 'configmaps' && changesObject(kube))) byUrl.push(...checkHelmRecord(kube, [], userAgent));
      const deletes = changesObject(kube) ? unreadableOwners(parsed) : '';
      return { ...collected(deletes !== '' ? ownerDelete(kube, settings, byUrl) : byUrl), unreadable: parsed.outcome, unreadableDetail: parsed.detail, ...(deletes !== '' && { deletes }) };
    }
  }
  if (isUrlOnly(kube)) {
    // A Secret's body is read for what it can add (its type, the service account it is a token
    // for). Where no service account is privileged, a body that cannot be read leaves the request
    // line's verdict, and nothing more is asked; where one may be, the body is required.
    const required = secretBodyRequired(kube, settings);
    const owned = changesObject(kube) && kube.resource === 'secrets';
    let deletes = '';
    let carriedUnread: string | undefined;
    // A create is read too: a token Secret for any account is a token that never expires
    // (service_account_token_secret), and a create is where one is made.
    if (kube.resource === 'secrets' && (byUrl.length > 0 || required || owned || (kube.verb === 'create' && kube.subresource === ''))) {
      const parsed = decode(body, contentType, truncated, kube.verb, missing);
      byUrl.push(...checkHelmRecord(kube, parsed.ok ? parsed.documents : [], userAgent));
      if (parsed.ok) {
        const multi = parsed.documents.length > 1;
        const run = keysRun(parsed.documents, runs);
        for (const [i, doc] of parsed.documents.entries()) {
          byUrl.push(...checkSecretType(doc, kube.namespace, settings), ...checkTokenSecret(doc, multi ? `documents[${i}].` : '', kube.namespace, parsed.partial, settings));
          // A Secret that asks Reflector, kubernetes-replicator or kubed to copy one across namespaces (rules/secret-copies.ts).
          byUrl.push(...checkSecretCopies(doc, multi ? `documents[${i}].` : '', namespaceOf(kube, doc)));
          // A Secret's scripts (rules/configmap-scripts.ts): a pod runs them as it runs a ConfigMap's.
          const scripts = new ViolationCollector();
          checkSecretScripts(doc, multi ? `documents[${i}].` : '', { settings, namespace: namespaceOf(kube, doc), partial: parsed.partial, out: scripts, commandWork: work, runs: run }, storeName(doc, kube));
          // And the telemetry agent configuration it may hold (rules/telemetry.ts: a prometheus.yml with credentials).
          checkStoredTelemetry(doc, multi ? `documents[${i}].` : '', { settings, namespace: namespaceOf(kube, doc), partial: parsed.partial, out: scripts }, 'Secret');
          byUrl.push(...scripts.kept);
          if (owned && deletes === '') deletes = ownerReferencesSet(doc);
          // A ClusterResourceSet's Secret: its values are manifests Cluster API applies to workload
          // clusters. A patch names no type (the stored one is immutable and unseen), so a patch's
          // values are read as manifests too; a value that names no apiVersion and kind (a
          // password, a key: what most Secrets hold) is passed over in either case.
          const resourceSet = doc.type === RESOURCE_SET_SECRET ? 'known' : kube.verb === 'patch' && doc.type === undefined ? 'maybe' : undefined;
          if (resourceSet !== undefined) {
            const out = new ViolationCollector();
            judgeCarried(doc, multi ? `documents[${i}].` : '', { settings, namespace: namespaceOf(kube, doc), partial: parsed.partial, out, unreadable: (d) => void (carriedUnread ??= d), commandWork: work }, depth, resourceSet);
            byUrl.push(...out.kept);
          }
        }
      } else if (required) {
        // The unreadable body's own effect applies here; the policy still asks what a delete asks.
        const deletes = owned ? unreadableOwners(parsed) : '';
        return { violations: byUrl, unreadable: parsed.outcome, unreadableDetail: parsed.detail, ...(deletes !== '' && { deletes }) };
      } else {
        if (owned) deletes = unreadableOwners(parsed);
        // Any Secret may hold a script a pod runs (a JSON patch copying a value into `/data/run`);
        // an empty body holds none.
        if (parsed.outcome !== 'body_missing' && body !== undefined && body.length > 0) carriedUnread ??= `the body may hold a script a workload runs, and could not be read (${parsed.detail})`;
      }
    }
    // An admission engine's own policy can carry objects too (a Kyverno generate rule's `data`),
    // which its controller creates with its own rights wherever the rule matches.
    if (customObjectWrite(kube) && !truncated && body !== undefined && (mayCarry(body, contentType, kube.verb === 'patch') || patchesCarried(kube, body, contentType))) {
      const parsed = decode(body, contentType, truncated, kube.verb, missing);
      if (parsed.ok) {
        const out = new ViolationCollector();
        const multi = parsed.documents.length > 1;
        for (const [i, doc] of parsed.documents.entries()) {
          judgeCarried(doc, multi ? `documents[${i}].` : '', { settings, namespace: namespaceOf(kube, doc), partial: parsed.partial, applied: isApply(contentType), out, unreadable: (d) => void (carriedUnread ??= d), commandWork: work }, depth);
        }
        byUrl.push(...out.kept);
      }
    }
    if (carriedUnread !== undefined) return { ...collected(deletes !== '' ? ownerDelete(kube, settings, byUrl) : byUrl), unreadable: 'body_unreadable', unreadableDetail: carriedUnread, ...(deletes !== '' && { deletes }) };
    if (deletes !== '') return { violations: collected(ownerDelete(kube, settings, byUrl)).violations, deletes };
    return byUrl.length > 0 ? collected(byUrl) : NO_VIOLATIONS;
  }
  if (scalesWorkload(kube) || scalesCustom(kube)) {
    // A Scale's body is its replica count: whether it is zero (a workload's delete), and whether
    // it is below the site's floor (rules/capacity.ts). One that cannot be read may be zero, a
    // client can cause that, so it is judged as one.
    const parsed = decode(body, contentType, truncated, kube.verb, missing, true);
    const workloadScale = scalesWorkload(kube);
    // A custom workload's Scale at zero is its delete too (an Argo Rollout's, an Agones Fleet's, a
    // LeaderWorkerSet's, an OpenKruise CloneSet's: rules/owners.ts customScaledToZero); another
    // custom kind's Scale is read for its floor only.
    const zeroes = workloadScale || customWorkloadDefault(urlKey) !== undefined;
    let deletes = '';
    const found = new ViolationCollector();
    for (const v of byUrl) found.push(v);
    if (!parsed.ok) {
      if (zeroes && parsed.outcome !== 'body_missing') deletes = `its body could not be read (${parsed.outcome}), so it may scale the workload to zero replicas, which deletes every pod`;
      // A custom kind's Scale that cannot be read may be below its floor: judged as the floor's own.
      if (!workloadScale && parsed.outcome !== 'body_missing' && settings.replicaFloorNamespace(kube.namespace)) {
        checkReplicaFloor({ spec: { replicas: UNKNOWN_VALUE } }, urlKey, '', true, { settings, namespace: kube.namespace, name: kube.name, partial: true, out: found });
      }
    } else {
      for (const doc of parsed.documents) if (zeroes && deletes === '') deletes = scaleSetsZero(doc, !parsed.partial, isApply(contentType));
      if (settings.replicaFloorNamespace(kube.namespace)) {
        const multi = parsed.documents.length > 1;
        for (const [i, doc] of parsed.documents.entries()) checkReplicaFloor(doc, urlKey, multi ? `documents[${i}].` : '', true, { settings, namespace: kube.namespace, name: kube.name, partial: parsed.partial, applied: isApply(contentType), out: found }, !parsed.partial);
      }
    }
    // The count it sets, for the per-pod accelerators kept for the workload (replicasSet).
    const scaledTo = workloadScale && parsed.ok ? replicasSet(parsed.documents) : undefined;
    const scale = scaledTo === undefined ? undefined : { scaledTo };
    if (deletes === '') return found.kept.length > 0 ? { ...collected(found.kept), ...scale } : scale === undefined ? NO_VIOLATIONS : { violations: [], ...scale };
    return { violations: collected(ownerDelete(kube, settings, found.kept, SCALED)).violations, deletes, ...scale };
  }
  if (taintsNode(kube)) {
    // A Node's body is read for its taints and owner references. One that cannot be read may add a
    // NoExecute taint, and a client can cause that, so it is judged as one.
    const parsed = decode(body, contentType, truncated, kube.verb, missing);
    let deletes = '';
    let cordoned = '';
    let how: DeleteHow = TAINTED;
    if (!parsed.ok) deletes = parsed.outcome === 'body_missing' ? '' : `its body could not be read (${parsed.outcome}), so it may taint the node NoExecute, which evicts every pod on it`;
    else {
      for (const doc of parsed.documents) if (deletes === '') deletes = evictsByTaint(doc);
      if (deletes === '') {
        for (const doc of parsed.documents) if (deletes === '') deletes = ownerReferencesSet(doc);
        how = OWNED;
      }
      if (deletes === '') for (const doc of parsed.documents) if (cordoned === '') cordoned = cordons(doc);
    }
    if (deletes === '' && cordoned !== '') return { ...(byUrl.length > 0 ? collected(byUrl) : { violations: [] }), cordons: cordoned };
    if (deletes === '') return byUrl.length > 0 ? collected(byUrl) : NO_VIOLATIONS;
    return { violations: collected(ownerDelete(kube, settings, byUrl, how)).violations, deletes };
  }
  if (!readsWhole(kube)) {
    // A kind whose spec no guardrail reads (a ConfigMap, a PersistentVolumeClaim, a custom
    // resource): only whether the change sets owner references, and a custom resource's pod specs.
    // A body that cannot be read may set owner references, so it is judged as the delete it may
    // be; it is no guardrail violation (no `unreadable_body`): nothing else about such a write is
    // judged from its body.
    // Helm's ConfigMap driver keeps the release records as ConfigMaps, named as the Secrets are.
    if (kube.resource === 'configmaps' && changesObject(kube)) byUrl.push(...checkHelmRecord(kube, [], userAgent));
    const owners = setsOwners(kube) && (truncated || mayName(body, contentType, OWNER_REFERENCES));
    const pods = customObjectWrite(kube) && !truncated && body !== undefined && mayName(body, contentType, POD_SPEC_KEYS);
    // Whole objects carried for a controller to create elsewhere (a ManifestWork's manifests): a
    // body that names `apiVersion` twice, or once in a patch (which need not name its own), or a
    // wrapper that keeps them in strings (a Fleet Bundle's files).
    const embedded = customObjectWrite(kube) && !truncated && body !== undefined && (carriesText(kube.apiGroup) || mayCarry(body, contentType, kube.verb === 'patch') || patchesCarried(kube, body, contentType));
    // A chaos experiment is read whole: where it acts is its selector, which any body names.
    const chaos = customObjectWrite(kube) && CHAOS_GROUPS.has(kube.apiGroup) && !truncated && body !== undefined;
    // A KEDA scaler's triggers: the credential each is handed, and where it goes.
    const keda = customObjectWrite(kube) && kube.apiGroup === KEDA_GROUP && !truncated && body !== undefined && mayName(body, contentType, KEDA_KEYS);
    // A Prometheus, an OpenTelemetry Collector or a Fluent Bit output: where it ships the site's
    // telemetry, where the site lists upload destinations (rules/telemetry.ts).
    const telemetry = customObjectWrite(kube) && TELEMETRY_GROUPS.has(kube.apiGroup) && settings.uploadAllowed !== undefined && !truncated && body !== undefined;
    // A ScaledObject paused at zero replicas: KEDA scales its target to zero (rules/owners.ts).
    const pauses = urlKey === KEDA_SCALED_OBJECT_KEY && (CHANGE_VERBS.has(kube.verb) || kube.verb === 'create') && kube.subresource === '' && body !== undefined && mayName(body, contentType, KEDA_PAUSE_KEYS);
    // A custom workload's change that scales it to zero (an Argo Rollout's, an Agones Fleet's): its
    // delete, as a Deployment's is (rules/owners.ts customScaledToZero). Read whatever it names: a
    // Fleet's count left out is 0. A create is left out, as a Deployment's: it takes nothing down.
    const zeroFallback = changesObject(kube) && body !== undefined ? customWorkloadDefault(urlKey) : undefined;
    const zeroes = zeroFallback !== undefined;
    // So is a KubeVirt or CDI object that may copy a volume: its sources name their namespace.
    const copies = customObjectWrite(kube) && VOLUME_SOURCE_GROUPS.has(kube.apiGroup) && !truncated && body !== undefined && mayName(body, contentType, VOLUME_SOURCE_KEYS);
    // A CronWorkflow's patch, read as a CronJob's is (rules/scheduled-jobs.ts).
    const scheduled = urlKey === CRONWORKFLOW_KEY && kube.verb === 'patch' && kube.subresource === '' && !isApply(contentType) && !truncated && body !== undefined;
    // A claim that may restore another namespace's volume: only a body naming dataSourceRef is parsed.
    const claim = claimWrite(kube) && !truncated && body !== undefined && mayName(body, contentType, CLAIM_SOURCE_KEYS);
    // An ExternalSecret's paths and stores, a SecretStore's provider, a SecretProviderClass's
    // parameters: what the operator or the CSI driver fetches into the namespace.
    const fetches = customObjectWrite(kube) && SECRET_STORE_GROUPS.has(kube.apiGroup) && !truncated && body !== undefined && mayName(body, contentType, EXTERNAL_SECRET_KEYS);
    // A Multus attachment's CNI configuration, which names the node interfaces its pods sit on.
    const attaches = customObjectWrite(kube) && kube.apiGroup === NETWORK_ATTACHMENT_GROUP && !truncated && body !== undefined && mayName(body, contentType, ['config']);
    // And an object that embeds the objects its controller writes (a Workflow's resource manifest).
    const embeds = customObjectWrite(kube) && !truncated && body !== undefined && mayName(body, contentType, EMBEDDED_OBJECT_KEYS);
    // A ConfigMap that may hold a manifest in a value (`binaryData` is base64: no key shows there).
    const resourceSet = configMapWrite(kube) && !truncated && body !== undefined && (mayCarry(body, contentType, kube.verb === 'patch') || mayName(body, contentType, BINARY_DATA));
    // A ConfigMap that may hold a script a workload runs from it (rules/configmap-scripts.ts): a key
    // with a script's extension, a `#!` line, or base64 values.
    // Every ConfigMap write is parsed: a key with no extension may be one (`run`, `configure`).
    const scripts = configMapWrite(kube) && !truncated && body !== undefined;
    // An Argo CD Application's or ApplicationSet's image overrides, where the site lists registries
    // (rules/gitops-images.ts): a body cut at the limit may name one past the cut, so it is read too.
    const gitops = customObjectWrite(kube) && GITOPS_IMAGE_KEYS.has(urlKey) && settings.registryAllowed !== undefined && (truncated || mayName(body, contentType, GITOPS_IMAGE_NAMES));
    // An autoscaler's ceiling, a KEDA pause or a node pool's count, where the site keeps a floor
    // (rules/capacity.ts): a body cut at the limit may set one past the cut. A custom workload's
    // change is read whatever it names: one that leaves its count out sets kube's default of 1. So
    // is a FleetAutoscaler's write: a JSON patch may copy a whole policy in without naming its ceiling.
    const floors = floorWrite(kube) && settings.replicaFloorNamespace(kube.namespace) && body !== undefined && (truncated || CUSTOM_WORKLOAD_KEYS.has(urlKey) || urlKey === FLEET_AUTOSCALER_KEY || mayName(body, contentType, FLOOR_FIELD_NAMES));
    // And the kustomize patches it has Argo CD apply over the rendered manifests (rules/gitops-patches.ts).
    const patches = customObjectWrite(kube) && GITOPS_PATCH_KEYS.has(urlKey) && !truncated && body !== undefined && mayName(body, contentType, GITOPS_PATCH_NAMES);
    // Where a model server loads its model from, where the site lists its model stores
    // (rules/model-sources.ts): a body cut at the limit may name one past the cut. A JSON patch of
    // one argument (`/args/1`) names no flag, only the path to the element.
    const models = customObjectWrite(kube) && settings.modelAllowed !== undefined && body !== undefined && (truncated || mayName(body, contentType, MODEL_SOURCE_NAMES) || (mediaType(contentType) === JSON_PATCH && mayName(body, contentType, MODEL_ELEMENT_NAMES)));
    // A backup restored from production into another namespace (rules/restores.ts).
    const restores = RESTORE_KEYS.has(urlKey) && kube.subresource === '' && body !== undefined && (truncated || mayName(body, contentType, RESTORE_NAMES));
    // A certificate issuer's authority, where the site lists its authorities (rules/issuers.ts).
    const issuers = ISSUER_KEYS.has(urlKey) && kube.subresource === '' && settings.authorityAllowed !== undefined && body !== undefined && (truncated || mayName(body, contentType, ISSUER_NAMES));
    // And the accelerators a custom kind's pod templates or device claims ask for, by shape (a
    // LeaderWorkerSet's groups, a JobSet's jobs), for accelerators_above_history (accelerators.ts).
    const gpus = customObjectWrite(kube) && !truncated && body !== undefined && mayName(body, contentType, ACCELERATOR_SHAPE_KEYS);
    // A cloud controller's object opened to anyone, made an administrator or left unprotected from a
    // delete (rules/cloud-exposure.ts): read whole, a body cut at the limit too (it is unreadable).
    // A Secret's copy annotations carried by what writes the Secret (rules/secret-copies.ts): a
    // Certificate's secretTemplate, an ExternalSecret's or a SealedSecret's template metadata.
    const secretCarrier = customObjectWrite(kube) && SECRET_CARRIERS.has(urlKey) && body !== undefined && (truncated || mayName(body, contentType, SECRET_COPY_DOMAINS));
    const cloud = customObjectWrite(kube) && isCloudControllerGroup(kube.apiGroup) && (kube.verb === 'create' || CHANGE_VERBS.has(kube.verb)) && body !== undefined;
    if (!owners && !pods && !chaos && !keda && !telemetry && !pauses && !zeroes && !embedded && !copies && !claim && !scheduled && !embeds && !attaches && !resourceSet && !scripts && !fetches && !gitops && !floors && !patches && !models && !restores && !issuers && !gpus && !cloud && !secretCarrier) return byUrl.length > 0 ? collected(byUrl) : NO_VIOLATIONS;
    const parsed = decode(body, contentType, truncated, kube.verb, missing, !pods && !chaos && !keda && !telemetry && !pauses && !zeroes && !embedded && !copies && !claim && !scheduled && !embeds && !attaches && !resourceSet && !scripts && !fetches && !gitops && !floors && !patches && !models && !restores && !issuers && !gpus && !cloud && !secretCarrier);
    let deletes = owners && !parsed.ok ? unreadableOwners(parsed) : '';
    let how: DeleteHow = OWNED;
    let deleteOf: DeleteTarget | undefined;
    // A ScaledObject whose body cannot be read may pause it at zero, and a client can cause that.
    if (deletes === '' && pauses && !parsed.ok && parsed.outcome !== 'body_missing') {
      deletes = `its body could not be read (${parsed.outcome}), so it may pause the ScaledObject at zero replicas, which deletes every pod of its target`;
      [how, deleteOf] = [PAUSED, scaleTargetOf({}, kube.name)];
    }
    // And a custom workload's may scale it to zero.
    if (deletes === '' && zeroes && !parsed.ok && parsed.outcome !== 'body_missing') {
      deletes = `its body could not be read (${parsed.outcome}), so it may scale the workload to zero replicas, which deletes every pod`;
      how = SCALED;
    }
    const found = new ViolationCollector();
    for (const v of byUrl) found.push(v);
    let accelerators: Record<string, number> | undefined;
    let unread: string | undefined;
    const unreadable = (detail: string) => void (unread ??= detail);
    // A body that may carry whole objects and cannot be read (nested past the parser's depth) may
    // carry anything: its controller reads what stepgate does not.
    if (!parsed.ok && embedded && parsed.outcome !== 'body_missing') unreadable(`the body may carry objects for a controller to write, and could not be read (${parsed.detail})`);
    // Nor may a secret store's object whose paths cannot be read: a JSON patch copying or moving a
    // value into `remoteRef.key` or a store's `provider` (from an annotation set a write before)
    // names production without showing it, and kube applies it.
    if (!parsed.ok && fetches && parsed.outcome !== 'body_missing') unreadable(`the body may name a secret store's path, store or role, and could not be read (${parsed.detail})`);
    // And a ConfigMap's that may hold a script (a JSON patch copying a value into `data/run.sh`).
    if (!parsed.ok && scripts && parsed.outcome !== 'body_missing') unreadable(`the body may hold a script a workload runs, and could not be read (${parsed.detail})`);
    if (!parsed.ok && telemetry && parsed.outcome !== 'body_missing') unreadable(`the body may name where a telemetry agent ships data, and could not be read (${parsed.detail})`);
    if (!parsed.ok && gitops && parsed.outcome !== 'body_missing') unreadable(`the body may name an image Argo CD deploys, and could not be read (${parsed.detail})`);
    if (!parsed.ok && floors && parsed.outcome !== 'body_missing') unreadable(`the body may set a replica count below guardrails.replica_floors, and could not be read (${parsed.detail})`);
    if (!parsed.ok && patches && parsed.outcome !== 'body_missing') unreadable(`the body may hold a kustomize patch its controller applies, and could not be read (${parsed.detail})`);
    if (!parsed.ok && models && parsed.outcome !== 'body_missing') unreadable(`the body may name where a model server loads its model from, and could not be read (${parsed.detail})`);
    if (!parsed.ok && restores && parsed.outcome !== 'body_missing') unreadable(`the body may restore a production namespace into another, and could not be read (${parsed.detail})`);
    if (!parsed.ok && cloud && parsed.outcome !== 'body_missing') unreadable(`the body may open a cloud resource to anyone or take away its deletion protection, and could not be read (${parsed.detail})`);
    if (!parsed.ok && issuers && parsed.outcome !== 'body_missing') unreadable(`the body may name a certificate issuer's authority, and could not be read (${parsed.detail})`);
    if (parsed.ok) {
      const multi = parsed.documents.length > 1;
      const run = scripts ? keysRun(parsed.documents, runs) : runs;
      for (const [i, doc] of parsed.documents.entries()) {
        if (gpus) accelerators = acceleratorsOf(doc, accelerators);
        if (owners && deletes === '') deletes = ownerReferencesSet(doc);
        if (pauses && deletes === '') {
          deletes = kedaPausedAtZero(doc);
          if (deletes !== '') [how, deleteOf] = [PAUSED, scaleTargetOf(doc, kube.name)];
        }
        if (zeroFallback !== undefined && deletes === '') {
          deletes = customScaledToZero(doc, zeroFallback, kube.verb === 'update' && !parsed.partial, isApply(contentType));
          if (deletes !== '') how = SCALED;
        }
        const ctx: RuleContext = { settings, namespace: namespaceOf(kube, doc), partial: parsed.partial, applied: isApply(contentType), out: found, unreadable, commandWork: work, runs: run };
        if (pods) checkCustomPodSpecs(doc, multi ? `documents[${i}].` : '', ctx);
        if (chaos) checkChaos(doc, multi ? `documents[${i}].` : '', kube.apiGroup, ctx);
        if (keda) checkKedaTriggers(doc, multi ? `documents[${i}].` : '', mediaType(contentType) === JSON_PATCH, ctx);
        if (telemetry) checkTelemetryObject(doc, multi ? `documents[${i}].` : '', kube.resource, ctx);
        if (embedded) {
          checkEmbeddedObjects(doc, multi ? `documents[${i}].` : '', ctx);
          judgeCarried(doc, multi ? `documents[${i}].` : '', ctx, depth, undefined, holderOf(kube));
        }
        // Any ConfigMap may be one a ClusterResourceSet names: a value that reads as an object of a
        // kind kube serves is judged as a ClusterResourceSet Secret's is; any other is passed over.
        if (resourceSet) judgeCarried(doc, multi ? `documents[${i}].` : '', ctx, depth, 'maybe', 'ConfigMap');
        if (scripts) {
          checkConfigMapScripts(doc, multi ? `documents[${i}].` : '', ctx, storeName(doc, kube));
          checkStoredTelemetry(doc, multi ? `documents[${i}].` : '', ctx, 'ConfigMap');
        }
        if (copies) checkVolumeSources(doc, multi ? `documents[${i}].` : '', ctx);
        if (claim) checkClaimSource(doc, multi ? `documents[${i}].` : '', ctx);
        if (scheduled) checkScheduledJobChange(doc, urlKey, multi ? `documents[${i}].` : '', ctx);
        if (embeds) judgeEmbedded(doc, multi ? `documents[${i}].` : '', ctx, depth);
        if (attaches) {
          checkNetworkAttachment(doc, multi ? `documents[${i}].` : '', ctx);
          checkAttachmentMirror(doc, multi ? `documents[${i}].` : '', ctx);
        }
        if (fetches) checkExternalSecret(doc, multi ? `documents[${i}].` : '', ctx);
        if (gitops) checkGitopsImages(doc, urlKey, multi ? `documents[${i}].` : '', ctx);
        if (floors) {
          const floorCtx: RuleContext = { ...ctx, name: kube.name };
          if (urlKey === HPA_KEY) checkAutoscalerFloor(doc, multi ? `documents[${i}].` : '', floorCtx);
          else if (urlKey === SCALED_OBJECT_KEY) checkScaledObjectFloor(doc, multi ? `documents[${i}].` : '', floorCtx);
          else if (urlKey === FLEET_AUTOSCALER_KEY) checkFleetAutoscalerFloor(doc, multi ? `documents[${i}].` : '', floorCtx);
          else checkReplicaFloor(doc, urlKey, multi ? `documents[${i}].` : '', false, floorCtx, kube.verb === 'update');
        }
        if (patches) judgeGitopsPatches(doc, urlKey, multi ? `documents[${i}].` : '', ctx, depth);
        if (models) checkModelSources(doc, multi ? `documents[${i}].` : '', ctx, kube.apiGroup);
        if (restores) checkRestore(doc, multi ? `documents[${i}].` : '', urlKey, ctx);
        if (issuers) checkIssuer(doc, multi ? `documents[${i}].` : '', urlKey, ctx);
        if (cloud) checkCloudExposure(doc, multi ? `documents[${i}].` : '', kube.resource, kube.verb === 'update' ? 'update' : kube.verb === 'patch' && !isApply(contentType), ctx);
        if (secretCarrier) for (const v of carriedSecretCopies(doc, urlKey, multi ? `documents[${i}].` : '', kube.namespace === undefined || kube.namespace === '' ? '' : namespaceOf(kube, doc))) found.push(v);
      }
    }
    if (deletes !== '') for (const v of ownerDelete(deleteOf === undefined ? kube : targetOf(kube, deleteOf), settings, [], how)) found.push(v);
    if (found.kept.length === 0 && deletes === '' && unread === undefined && accelerators === undefined) return NO_VIOLATIONS;
    return {
      violations: found.kept,
      ...(accelerators !== undefined && { accelerators }),
      ...(found.omitted > 0 ? { omitted: found.omitted } : {}),
      ...(deletes !== '' && { deletes }),
      ...(deletes !== '' && deleteOf !== undefined && { deleteOf }),
      ...(unread !== undefined && { unreadable: 'body_unreadable' as const, unreadableDetail: unread }),
    };
  }
  const parsed = decode(body, contentType, truncated, kube.verb, missing);
  if (!parsed.ok) return { violations: byUrl, unreadable: parsed.outcome, unreadableDetail: parsed.detail };
  if (isBinding(kube)) {
    const found = new ViolationCollector();
    const ctx: RuleContext = { settings, namespace: kube.namespace, partial: true, out: found, commandWork: work };
    for (const [i, doc] of parsed.documents.entries()) {
      const prefix = parsed.documents.length > 1 ? `documents[${i}].` : '';
      if (isObject(doc.metadata)) checkPodAnnotations(doc.metadata, `${prefix}metadata`, ctx);
      checkBindingTarget(doc, prefix, ctx);
    }
    return found.kept.length > 0 ? { violations: found.kept } : NO_VIOLATIONS;
  }

  const multi = parsed.documents.length > 1;
  // Each document is read as the kind in the URL and, when it names another known kind, as that
  // kind too: kube refuses a mismatch, and reading both means a wrong `kind` cannot hide a field.
  const docs = parsed.documents.map((doc, i) => {
    const prefix = multi ? `documents[${i}].` : '';
    const workloadKeys = unique([isWorkloadKey(urlKey) ? urlKey : undefined, workloadKeyOfKind(doc.kind)]);
    const rbacKinds = unique<RbacKind>([RBAC_KEYS.get(urlKey), rbacKindOf(doc.kind)]);
    return { doc, prefix, workloadKeys, kinds: rbacKinds };
  });
  const violations = new ViolationCollector();
  for (const v of byUrl) violations.push(v);
  const applied = isApply(contentType);
  const containersOnly = kube.subresource === 'ephemeralcontainers';
  const wildcardRoles = collectWildcardRoles(docs);
  let readsSecret = '';
  let deletes = '';
  let how: DeleteHow = OWNED;
  let claims = '';
  let carriedUnread: string | undefined;
  let accelerators: Record<string, number> | undefined;
  let perPod: { name: string; counts: Record<string, number> } | undefined;
  for (const { doc, prefix, workloadKeys, kinds } of docs) {
    // Any kind's pod templates, by shape (a PyTorchJob's replicas, a RayCluster's worker groups).
    if (WRITE_VERBS.has(kube.verb)) accelerators = acceleratorsOf(doc, accelerators);
    // A scalable workload's per-pod ask, kept for a later scale of it (perPodOf).
    if (WRITE_VERBS.has(kube.verb) && SCALABLE_KEYS.has(urlKey) && kube.subresource === '' && docs.length === 1) perPod = perPodOf(doc, kube.name);
    if (setsOwners(kube) && deletes === '') deletes = ownerReferencesSet(doc);
    if (changesObject(kube) && deletes === '' && SCALABLE_KEYS.has(urlKey)) {
      deletes = scaledToZero(doc);
      if (deletes !== '') how = SCALED;
    }
    if (changesObject(kube) && deletes === '' && urlKey === SERVICE_KEY) {
      deletes = serviceRetargeted(doc);
      if (deletes !== '') how = RETARGETED;
    }
    if (claims === '' && workloadKeys.includes(STATEFULSET_KEY)) claims = claimsDeleted(doc);
    const ctx: RuleContext = { settings, namespace: namespaceOf(kube, doc), name: kube.name, partial: parsed.partial, applied, containersOnly, out: violations, commandWork: work };
    // A workload's own count against the site's floor (rules/capacity.ts); a create takes nothing away.
    if (changesObject(kube) && SCALABLE_KEYS.has(urlKey) && settings.replicaFloorNamespace(ctx.namespace)) checkReplicaFloor(doc, urlKey, prefix, false, ctx, kube.verb === 'update');
    // A model server's Deployment or StatefulSet (vLLM, TGI): its containers' model flags and env.
    if (workloadKeys.length > 0 && settings.modelAllowed !== undefined) checkModelSources(doc, prefix, ctx);
    for (const key of workloadKeys) {
      checkWorkload(doc, key, prefix, ctx);
      const spec = readsSecret === '' ? podSpecOf(doc, key) : undefined;
      if (spec !== undefined) readsSecret = secretReadBy(spec);
    }
    for (const kind of kinds) checkRbac(doc, kind, prefix, ctx, wildcardRoles);
    // A Certificate's secretTemplate copy annotations (read whole here: cert-manager's kinds are body kinds).
    if (SECRET_CARRIERS.has(urlKey) && kube.subresource === '') for (const v of carriedSecretCopies(doc, urlKey, prefix, kube.namespace === undefined || kube.namespace === '' ? '' : ctx.namespace)) violations.push(v);
    if (urlKey === NETWORK_POLICY_KEY || doc.kind === 'NetworkPolicy') checkNetworkPolicy(doc, prefix, ctx);
    if (urlKey === CILIUM_POLICY_KEY || urlKey === CILIUM_CLUSTERWIDE_POLICY_KEY || doc.kind === 'CiliumNetworkPolicy' || doc.kind === 'CiliumClusterwideNetworkPolicy') {
      checkCiliumPolicy(doc, prefix, ctx, urlKey === CILIUM_CLUSTERWIDE_POLICY_KEY || doc.kind === 'CiliumClusterwideNetworkPolicy');
    }
    if (namespaceLabelsWrite(kube) || doc.kind === 'Namespace') checkNamespaceLabels(doc, prefix, kube.verb, ctx);
    if (urlKey === PERSISTENT_VOLUME_KEY || doc.kind === 'PersistentVolume') checkPersistentVolume(doc, prefix, ctx);
    if (urlKey === SERVICE_ACCOUNT_KEY || doc.kind === 'ServiceAccount') checkServiceAccount(doc, prefix, ctx);
    if (urlKey === LEASE_KEY || doc.kind === 'Lease') checkLease(doc, prefix, ctx);
    if (urlKey === LEASE_CANDIDATE_KEY || doc.kind === 'LeaseCandidate') checkLeaseCandidate(prefix, ctx);
    if (isDeviceClaim(urlKey, doc)) checkDeviceClaim(doc, prefix, ctx);
    if (urlKey === SERVICE_KEY || doc.kind === 'Service') checkService(doc, prefix, urlKey === SERVICE_KEY ? kube.subresource : '', ctx);
    if (ENDPOINT_KEYS.has(urlKey) || doc.kind === 'Endpoints' || doc.kind === 'EndpointSlice') checkEndpointAddresses(doc, prefix, ctx);
    if (INGRESS_KEYS.has(urlKey) || doc.kind === 'Ingress') checkIngress(doc, prefix, INGRESS_KEYS.has(urlKey) ? kube.subresource : '', ctx);
    for (const key of unique([BACKEND_ONLY_KEYS.has(urlKey) ? urlKey : undefined, backendKeyOfKind(doc)])) checkRouteBackends(doc, key, prefix, ctx);
    // A copy of the traffic sent elsewhere (rules/traffic-mirrors.ts): the route kinds below, and the kinds read for nothing else.
    // An EnvoyFilter's Wasm code is not in the body: that part is unread.
    for (const key of unique([MIRROR_ONLY_KEYS.has(urlKey) ? urlKey : undefined, mirrorKeyOfKind(doc)])) checkTrafficMirrors(doc, key, prefix, { ...ctx, unreadable: (d) => void (carriedUnread ??= d) });
    for (const key of unique([HOST_KEYS.has(urlKey) ? urlKey : undefined, hostKeyOfKind(doc)])) {
      checkRoute(doc, key, prefix, ctx);
      checkRouteBackends(doc, key, prefix, ctx);
      checkRouteOwners(doc, key, prefix, ctx);
      checkWorkloadIdentity(doc, key, prefix, ctx);
      checkTrafficMirrors(doc, key, prefix, ctx);
    }
    if (kube.verb === 'patch' && isFluxKey(urlKey)) checkFluxPatch(doc, kube.resource, prefix, ctx, urlKey);
    // A Flux Kustomization's image overrides, a HelmRelease's values (rules/gitops-images.ts).
    if (GITOPS_IMAGE_KEYS.has(urlKey)) checkGitopsImages(doc, urlKey, prefix, { ...ctx, unreadable: (d) => void (carriedUnread ??= d) });
    // And the kustomize patches they apply over the rendered manifests (rules/gitops-patches.ts).
    if (GITOPS_PATCH_KEYS.has(urlKey)) judgeGitopsPatches(doc, urlKey, prefix, { ...ctx, unreadable: (d) => void (carriedUnread ??= d) }, depth);
    if (IMAGE_SOURCE_KEYS.has(urlKey)) checkImageSource(doc, urlKey, kube.verb, prefix, ctx);
    if (urlKey === CRONJOB_KEY && kube.verb === 'patch' && kube.subresource === '' && !applied) checkScheduledJobChange(doc, urlKey, prefix, ctx);
    // A workload whose namespace only the body names (a multi-document create) is judged by it.
    if (kube.namespace === '' && workloadKeys.length > 0) for (const v of checkSystemNamespace(kube, settings, ctx.namespace, true)) violations.push(v);
    // A custom kind read whole (a Fleet Bundle, a Flux HelmRelease's values) can carry objects too.
    if (customObjectWrite(kube)) {
      const carrying: RuleContext = { ...ctx, unreadable: (d) => void (carriedUnread ??= d) };
      checkEmbeddedObjects(doc, prefix, carrying);
      judgeCarried(doc, prefix, carrying, depth, undefined, holderOf(kube));
    }
  }
  // A patch of a scalable workload's count alone (`kubectl patch deploy -p '{"spec":{"replicas":64}}'`): a scale.
  const scaledTo = CHANGE_VERBS.has(kube.verb) && SCALABLE_KEYS.has(urlKey) && kube.subresource === '' && accelerators === undefined && docs.length === 1 ? replicasSet([docs[0]!.doc]) : undefined;
  const reads =
    readsSecret === '' && accelerators === undefined && perPod === undefined && scaledTo === undefined
      ? undefined
      : { ...(readsSecret !== '' && { readsSecret }), ...(accelerators !== undefined && { accelerators }), ...(perPod !== undefined && { perPodAccelerators: perPod }), ...(scaledTo !== undefined && { scaledTo }) };
  const owner = deletes === '' && claims === '' ? undefined : { ...(deletes !== '' && { deletes }), ...(claims !== '' && { deletesClaims: claims }) };
  if (deletes !== '') for (const v of ownerDelete(kube, settings, [], how)) violations.push(v);
  const unread = carriedUnread === undefined ? undefined : { unreadable: 'body_unreadable' as const, unreadableDetail: carriedUnread };
  if (violations.kept.length === 0) return reads === undefined && owner === undefined && unread === undefined ? NO_VIOLATIONS : { violations: [], ...reads, ...owner, ...unread };
  return { violations: violations.kept, ...(violations.omitted > 0 ? { omitted: violations.omitted } : {}), ...reads, ...owner, ...unread };
}

/**
 * A GitOps object a UI's API server writes (request/web-apis-argocd.ts: Argo CD's REST Create,
 * Update, UpdateSpec and Patch of an Application, an ApplicationSet's Create), judged as the same
 * object through kube-apiserver is: the images it names (rules/gitops-images.ts, only where the
 * site lists registries), and the kustomize patches it carries (rules/gitops-patches.ts), which Argo
 * CD applies with its own rights over what it renders, whether or not the site lists registries
 * (review49: a REST write of a patch making a container privileged was read for images only). The
 * request stays a web request (its path rules decide the rest). A body that cannot be read, or that
 * Argo CD would read otherwise (`unreadable`), may name any image or carry any patch; one over
 * gRPC (the CLI's: a protobuf body, `text` undefined) is unread only where registries are listed,
 * as before: asking every `argocd app set` of a site without a list would be its routine, and the
 * REST API carries the same object readably.
 */
export function inspectGitopsWrite(w: GitopsWrite, truncated: boolean, missing: boolean, settings: GuardrailSettings): { result: GuardrailResult; namespace: string } {
  if (!settings.enabled) return { result: NO_VIOLATIONS, namespace: '' };
  const images = settings.registryAllowed !== undefined;
  if (w.unreadable !== undefined) {
    if (!images && w.text === undefined) return { result: NO_VIOLATIONS, namespace: '' };
    return { result: { violations: [], unreadable: 'body_unreadable', unreadableDetail: w.unreadable }, namespace: '' };
  }
  const patch = mediaType(w.type) !== 'application/json';
  const parsed = decode(w.text, w.type, w.text === undefined && truncated, patch ? 'patch' : 'create', w.text === undefined && missing);
  if (!parsed.ok) {
    // A body the gateway did not forward is judged as before (unread only where registries are
    // listed); one cut at its limit may carry a patch past the cut, as one that is not JSON may.
    if (!images && parsed.outcome === 'body_missing') return { result: NO_VIOLATIONS, namespace: '' };
    return { result: { violations: [], unreadable: parsed.outcome, unreadableDetail: `the Argo CD object could not be read: ${parsed.detail}` }, namespace: '' };
  }
  const out = new ViolationCollector();
  let unread: string | undefined;
  let namespace = '';
  for (const doc of parsed.documents) {
    namespace ||= destinationOf(w.specOnly === true ? doc : doc.spec);
    const ctx: RuleContext = { settings, namespace, partial: parsed.partial, out, unreadable: (d) => void (unread ??= d), commandWork: new CommandWork() };
    if (images) {
      if (w.specOnly === true) checkApplicationSpec(doc, 'spec', ctx);
      else checkGitopsImages(doc, w.key, '', ctx);
    }
    if (GITOPS_PATCH_KEYS.has(w.key)) judgeGitopsPatches(w.specOnly === true ? { spec: doc } : doc, w.key, '', ctx, 0);
  }
  if (out.kept.length === 0 && unread === undefined) return { result: NO_VIOLATIONS, namespace };
  const result: GuardrailResult = { violations: out.kept, ...(out.omitted > 0 ? { omitted: out.omitted } : {}), ...(unread !== undefined && { unreadable: 'body_unreadable' as const, unreadableDetail: unread }) };
  return { result, namespace };
}

/** Where an Application deploys (its destination namespace, for guardrails.namespaces overrides), '' when the body does not say. */
function destinationOf(spec: unknown): string {
  if (!isObject(spec)) return '';
  const d = spec.destination;
  return isObject(d) && typeof d.namespace === 'string' ? d.namespace : '';
}

/**
 * A change that sets owner references is also the delete it hands the garbage collector, and a
 * scale to zero the delete of every pod: the pipeline asks what the policy asks of deleting the
 * object (`deletes`), and the request line's delete guardrails apply as to that delete
 * (`delete_protected`: a Namespace, a CRD, anything in a protected namespace). They are added to
 * `byUrl`, which is returned.
 */
function ownerDelete(kube: KubeRequestInfo, settings: GuardrailSettings, byUrl: Violation[], how: DeleteHow = OWNED): Violation[] {
  const asDelete: KubeRequestInfo = { ...kube, verb: 'delete', subresource: '' };
  for (const v of checkDelete(asDelete, settings, isClusterScoped(kube.apiGroup, kube.resource))) {
    byUrl.push({ ...v, detail: `${kube.verb} ${how.words} a ${v.detail}`, path: how.path });
  }
  return byUrl;
}

/** The request for `target`, an object of the request's namespace (the delete a change amounts to). */
export function targetOf(kube: KubeRequestInfo, target: DeleteTarget): KubeRequestInfo {
  const apiPrefix = target.apiGroup === '' ? 'api' : 'apis';
  const base = target.apiGroup === '' ? `/api/${target.apiVersion}` : `/apis/${target.apiGroup}/${target.apiVersion}`;
  const path = `${base}/namespaces/${kube.namespace}/${target.resource}/${target.name}`;
  return { ...kube, path, apiPrefix, apiGroup: target.apiGroup, apiVersion: target.apiVersion, resource: target.resource, subresource: '', name: target.name, parts: [target.resource, target.name], upgrade: false };
}

/** How a change amounts to a delete, in a violation's words and path. */
interface DeleteHow {
  words: string;
  path: string;
}
const OWNED: DeleteHow = { words: 'setting owner references, which the garbage collector acts on as', path: 'metadata.ownerReferences' };
const SCALED: DeleteHow = { words: 'scaling to zero, which takes it down like', path: 'spec.replicas' };
const RETARGETED: DeleteHow = { words: "taking the Service from its pods, which its callers see as", path: 'spec.type' };
const PAUSED: DeleteHow = { words: 'pausing its ScaledObject at zero replicas, which takes it down like', path: `metadata.annotations.${KEDA_PAUSED_REPLICAS}` };
const TAINTED: DeleteHow = { words: 'tainting it NoExecute, which evicts its pods like', path: 'spec.taints' };

const OWNER_REFERENCES = ['ownerReferences'];
const BINARY_DATA = ['binaryData'];
const APPLY_PATCH = 'application/apply-patch+yaml';
/** Server-side apply, in YAML (or JSON) and, since Kubernetes 1.32, in CBOR: the same semantics. */
const APPLY_TYPES = new Set([APPLY_PATCH, 'application/apply-patch+cbor']);
const isApply = (contentType: string | undefined) => APPLY_TYPES.has(mediaType(contentType));
const JSON_PATCH = 'application/json-patch+json';
/** A KEDA ScaledObject, and the key its body names where it may be paused at a replica count (rules/owners.ts). */
const KEDA_SCALED_OBJECT_KEY = 'keda.sh/scaledobjects';
const KEDA_PAUSE_KEYS = ['paused-replicas'];
/** Keys one of which a KEDA object's body names where a trigger's authentication may change (rules/keda.ts). */
const KEDA_KEYS = ['authenticationRef', 'triggers'];
/**
 * Keys one of which a custom resource's body names where it holds a pod spec (rules/custom-pods.ts),
 * an Argo podSpecPatch, a Spark application's driver or executor, an OpenShift build's custom strategy, a volumes list, a pod's seccomp annotation, a pod's priority or runtime class, or Kueue's priority label
 * (`riorityClassName` is in `priorityClassName` and Argo's `podPriorityClassName`; rules/scheduling.ts).
 */
const POD_SPEC_KEYS = ['plaintext', 'customStrategy', 'container', 'script', 'template', 'steps', 'sidecars', 'podTemplate', 'hostDisk', 'podSpecPatch', 'driver', 'executor', 'volumes', 'seccomp.security.alpha.kubernetes.io', 'riorityClassName', 'runtimeClassName', 'kueue.x-k8s.io/priority-class'];
/** What a body names when it may ask for accelerators (guardrails/accelerators.ts reads the shapes). */
const ACCELERATOR_SHAPE_KEYS = ['containers', 'resourceClaims', 'devices'];
const TEXT_TYPES = new Set(['application/json', 'application/yaml', 'application/json-patch+json', 'application/merge-patch+json', 'application/strategic-merge-patch+json', 'application/apply-patch+yaml']);
/**
 * The escapes that can spell a letter: JSON's `\u`, double-quoted YAML's `\x`, `\u`, `\U`, and
 * its escaped line break, which joins two lines of an explicit key without a space. Others
 * (`\"`, `\n`, …) cannot, and every dashboard ConfigMap holding JSON in a string has them.
 */
const LETTER_ESCAPE = /\\[xuU\r\n]/;
const LETTER_ESCAPES = ['\\x', '\\u', '\\U', '\\\n', '\\\r'];

/**
 * Whether a text body can name one of `keys`: it contains one, or an escape that can spell a letter. A
 * JSON or YAML key cannot be spelt any other way (an implicit YAML key is one line, a folded
 * explicit one gains a space), so a body that has neither sets no such key and costs no parse
 * (a 232 KB dashboard ConfigMap took 3 ms to parse; the scan takes microseconds). Anything else
 * (protobuf, CBOR, whose indefinite-length strings split a key into chunks, an unknown type, no
 * body) is parsed.
 */
/** The controllers' annotation domains (a JSON patch spells the key's slash as ~1). */
const SECRET_COPY_DOMAINS = ['emberstack.com', 'mittwald.de', 'kubed.appscode.com'];

/** Where the Secret a kind writes takes its metadata from (a Certificate's, an ExternalSecret's, a SealedSecret's). */
const SECRET_CARRIERS: ReadonlyMap<string, readonly string[]> = new Map([
  ['cert-manager.io/certificates', ['spec', 'secretTemplate']],
  ['external-secrets.io/externalsecrets', ['spec', 'target', 'template', 'metadata']],
  ['external-secrets.io/clusterexternalsecrets', ['spec', 'externalSecretSpec', 'target', 'template', 'metadata']],
  ['bitnami.com/sealedsecrets', ['spec', 'template', 'metadata']],
]);

/**
 * secret_source_other_namespace for the Secret a carrier writes: its annotations are the Secret's,
 * so Reflector and kubernetes-replicator act on them as on a Secret written directly. A
 * cluster-scoped carrier (ClusterExternalSecret: namespace '') writes into namespaces it picks, so
 * any pull from a named namespace is across.
 */
function carriedSecretCopies(doc: Json, urlKey: string, prefix: string, namespace: string): Violation[] {
  const path = SECRET_CARRIERS.get(urlKey) ?? [];
  let meta: unknown = doc;
  for (const k of path) meta = isObject(meta) ? meta[k] : undefined;
  if (!isObject(meta)) return [];
  const at = `${prefix}${path.join('.')}.annotations`;
  return checkSecretCopies({ metadata: meta }, '', namespace).map((v) => ({ ...v, path: v.path?.replace('metadata.annotations', at) ?? at, detail: `${v.detail} (the Secret ${urlKey.slice(urlKey.indexOf('/') + 1, -1)} writes)` }));
}

function mayName(body: Uint8Array | string | undefined, contentType: string | undefined, keys: readonly string[]): boolean {
  const type = mediaType(contentType);
  if (body === undefined || !TEXT_TYPES.has(type)) return true;
  // YAML can also spell a key through a tag (`? !!binary b3duZXJSZWZlcmVuY2Vz`, which go-yaml
  // decodes to the key's text): a body with a tag indicator is parsed, and the reader refuses tags.
  const yaml = YAML_TYPES.has(type);
  if (typeof body === 'string') return keys.some((k) => body.includes(k)) || LETTER_ESCAPE.test(body) || (yaml && body.includes('!'));
  const bytes = Buffer.from(body.buffer, body.byteOffset, body.byteLength);
  return keys.some((k) => bytes.includes(k)) || LETTER_ESCAPES.some((e) => bytes.includes(e)) || (yaml && bytes.includes('!'));
}

const YAML_TYPES = new Set(['application/yaml', 'application/apply-patch+yaml']);

/**
 * Whether a text body can carry a whole object: it names `apiVersion` twice (its own, and the
 * carried one's), once where it is a patch, or spells a key through an escape or a tag (mayName).
 * A custom resource that carries nothing names it once, and costs no parse.
 */
function mayCarry(body: Uint8Array | string, contentType: string | undefined, patch: boolean): boolean {
  if (mayName(body, contentType, []) || !TEXT_TYPES.has(mediaType(contentType))) return true;
  const text = typeof body === 'string' ? body : Buffer.from(body.buffer, body.byteOffset, body.byteLength);
  const first = text.indexOf(API_VERSION);
  return first >= 0 && (patch || text.indexOf(API_VERSION, first + 1) >= 0);
}

const API_VERSION = 'apiVersion';

/** A patch that may go inside a carried object without naming its kind (rules/carried.ts openCarried). */
function patchesCarried(kube: KubeRequestInfo, body: Uint8Array | string, contentType: string | undefined): boolean {
  return kube.verb === 'patch' && mayName(body, contentType, CARRIED_PLACES);
}
const CARRIED_PLACES = ['manifest', 'template', 'dependencies', 'extraObjects', 'generate'];

/** A body that could not be read may set owner references; a missing one is the gateway's configuration (missing_body). */
function unreadableOwners(parsed: ParsedBody & { ok: false }): string {
  return parsed.outcome === 'body_missing' ? '' : `its body could not be read (${parsed.outcome}), so it may set metadata.ownerReferences, which hands the object's deletion to the garbage collector`;
}

function collected(vs: readonly Violation[]): GuardrailResult {
  const c = new ViolationCollector();
  for (const v of vs) c.push(v);
  return { violations: c.kept };
}

/**
 * Decoding is bounded (size, depth, aliases) so that it does not throw; should a hostile body
 * still find a way (a stack overflow, a library bug), it is an unreadable body with the usual
 * conservative effect, never an internal error with the body's stack in the log.
 */
function decode(body: Uint8Array | string | undefined, contentType: string | undefined, truncated: boolean, verb: string, missing: boolean, metadataOnly = false): ParsedBody {
  try {
    return parseBody(body, contentType, truncated, verb, missing, metadataOnly);
  } catch (err) {
    return { ok: false, outcome: 'body_unreadable', detail: `the body could not be decoded (${err instanceof Error ? err.name : 'error'})` };
  }
}

/**
 * Each object a controller writes from a custom resource's body with its own account
 * (rules/embedded-objects.ts), judged as that write: a kube kind as its create, patch or delete
 * through the gateway would be (in its own namespace, or the resource's), any other kind for the
 * pod specs it holds, and for the objects it embeds in turn (to MAX_EMBEDDED_DEPTH).
 */
function judgeEmbedded(doc: Json, prefix: string, ctx: RuleContext, depth = 0): void {
  const { objects, unread } = embeddedObjects(doc, prefix, ctx.namespace, ctx.partial && depth === 0);
  if (unread !== undefined) ctx.unreadable?.(unread);
  const runs = keysRun(objects.map((e) => e.doc), ctx.runs);
  for (const e of objects) {
    const meta = isObject(e.doc.metadata) ? e.doc.metadata : {};
    const namespace = typeof meta.namespace === 'string' && meta.namespace !== '' ? meta.namespace : ctx.namespace;
    const kind = resourceOfKind(e.doc.apiVersion, e.doc.kind);
    if (kind === undefined) {
      if (e.doc.kind === 'NetworkAttachmentDefinition' && String(e.doc.apiVersion).startsWith(`${NETWORK_ATTACHMENT_GROUP}/`)) {
        checkNetworkAttachment(e.doc, `${e.path}.`, { ...ctx, namespace });
        checkAttachmentMirror(e.doc, `${e.path}.`, { ...ctx, namespace });
      }
      // Objects are walked for pod specs where they sit; only a manifest string needs reading here.
      // A custom kind read from one may embed objects of its own (a Workflow that a Workflow
      // creates, with a resource template of its own): read as deep as anyone nests them.
      if (e.fromText) {
        checkCustomPodSpecs(e.doc, `${e.path}.`, { ...ctx, namespace });
        if (depth < MAX_EMBEDDED_DEPTH) judgeEmbedded(e.doc, `${e.path}.`, { ...ctx, namespace }, depth + 1);
        else if (embeddedObjects(e.doc, `${e.path}.`, namespace).objects.length > 0) ctx.unreadable?.(`${e.path} embeds objects more than ${MAX_EMBEDDED_DEPTH} levels deep`);
      }
      continue;
    }
    const name = typeof meta.name === 'string' && meta.name !== '' && e.action !== 'create' ? `/${encodeURIComponent(meta.name)}` : '';
    const method = e.action === 'delete' ? 'DELETE' : e.action === 'patch' ? 'PATCH' : 'POST';
    const written = inspectAt(depth + 1, ctx.commandWork ?? new CommandWork(), runs, kubeRequestInfo(method, `${kind.collection(namespace)}${name}`, '', () => undefined), JSON.stringify(e.doc), e.action === 'patch' ? 'application/merge-patch+json' : 'application/json', false, ctx.settings);
    for (const v of written.violations) ctx.out.push({ ...v, path: v.path ? `${e.path}.${v.path}` : e.path });
    if (written.unreadable !== undefined) ctx.unreadable?.(`${e.path}: ${written.unreadableDetail ?? written.unreadable}`);
  }
}

/**
 * Each whole object a custom resource carries for a controller to write elsewhere
 * (rules/carried.ts), judged as a write of that object through the gateway would be: by its own
 * apiVersion and kind (the group and resource that select the rules), in its own
 * `metadata.namespace` (where it lands; none when it names none), as a create, and as a patch too
 * when the wrapper's body is one (only what it shows is known, as for the wrapper). What it carries in
 * turn is judged by that write, to MAX_EMBEDDED_DEPTH wrappers deep and MAX_YAML_DOCUMENTS
 * objects a body; past either the body is unread: the controller reads what stepgate does not.
 */
function judgeCarried(doc: Json, prefix: string, ctx: RuleContext, depth: number, resourceSet: ResourceSet = undefined, holder: Holder = undefined): void {
  const { objects, unread } = carriedObjects(doc, prefix, resourceSet, holder);
  if (unread !== undefined) ctx.unreadable?.(unread);
  // Only a patch the client sent: a carried object judged as its own patch (below) is whole.
  if (ctx.partial && depth === 0) {
    const open = openCarried(doc, prefix);
    if (open !== undefined) ctx.unreadable?.(open);
  }
  if (objects.length === 0) return;
  if (depth >= MAX_EMBEDDED_DEPTH) {
    ctx.unreadable?.(`${objects[0]!.path} carries objects more than ${MAX_EMBEDDED_DEPTH} wrappers deep`);
    return;
  }
  if (objects.length > MAX_YAML_DOCUMENTS) {
    ctx.unreadable?.(`${prefix}the body carries more than ${MAX_YAML_DOCUMENTS} objects`);
    return;
  }
  // In a patch of the wrapper, a carried object is a list item replaced whole (a merge or apply
  // patch), or what a JSON patch sets of one: it is judged as both its create and its patch.
  const ways = ctx.partial ? [false, true] : [false];
  // A pod carried beside a ConfigMap or Secret says which of its keys it runs (rules/run-scripts.ts).
  const runs = keysRun(objects.map((e) => e.doc), ctx.runs);
  for (const e of objects) {
    const kind = resourceOfAnyKind(e.doc.apiVersion, e.doc.kind);
    if (kind === undefined) {
      // A maybe-manifest of no kind kube serves (a kubeconfig's `v1 Config`) is what it looks like.
      if (resourceSet === 'maybe') continue;
      ctx.unreadable?.(`${e.path} is of a kind stepgate cannot name (${clientText(String(e.doc.apiVersion), 80)} ${clientText(String(e.doc.kind), 80)})`);
      continue;
    }
    const meta = isObject(e.doc.metadata) ? e.doc.metadata : {};
    const namespace = kind.namespaced && typeof meta.namespace === 'string' && NAMESPACE_NAME.test(meta.namespace) ? meta.namespace : '';
    const text = JSON.stringify(e.doc);
    for (const patch of ways) {
      const name = patch && typeof meta.name === 'string' && meta.name !== '' ? `/${encodeURIComponent(meta.name)}` : '';
      const type = !patch ? 'application/json' : ctx.applied === true ? APPLY_PATCH : 'application/merge-patch+json';
      const written = inspectAt(depth + 1, ctx.commandWork ?? new CommandWork(), runs, kubeRequestInfo(patch ? 'PATCH' : 'POST', `${kind.collection(namespace)}${name}`, '', () => undefined), text, type, false, ctx.settings);
      for (const v of written.violations) ctx.out.push({ ...v, path: v.path ? `${e.path}.${v.path}` : e.path });
      if (written.unreadable !== undefined) ctx.unreadable?.(`${e.path}: ${written.unreadableDetail ?? written.unreadable}`);
    }
  }
}

/**
 * How many patch-as-object readings one GitOps document may cost (a patch whose target names no
 * kind is read as each kind of the union): each is a small PATCH judged in full, and a 1 MiB body
 * of ten thousand selector patches would otherwise hold the thread for seconds. Flux's own
 * bootstrap carries about ten; past the bound the patches are unread, as the controller reads them.
 */
const MAX_PATCH_JUDGEMENTS = 320;

/**
 * Guardrails that read a patch as the change of a stored object (a CronJob's schedule, a Flux
 * source's URL): the patch states what changes. A kustomize patch is restated on every write of
 * the GitOps object carrying it (an image bump rewrites the Application with all its patches), as
 * a PUT restates the whole object, which those guardrails do not judge for the same reason.
 */
const CHANGE_ONLY: ReadonlySet<string> = new Set(['scheduled_job_changed', 'gitops_source_change']);

/**
 * rules/gitops-images.ts reads every image-shaped key a patch sets, whatever kind it patches, with
 * the GitOps object's field in its detail: the same image found again here would be reported twice.
 */
const READ_BY_GITOPS_IMAGES = 'image_registry_not_allowed';

/**
 * Each kustomize patch a GitOps object carries (rules/gitops-patches.ts), judged as the PATCH of
 * the object it patches through the gateway would be: by its kind (each of the union where its
 * target names none), in the namespace it lands in, as a strategic-merge patch or a JSON 6902
 * list: the same readers, the same partial-object judgement (only what it sets is known). The
 * controller applies it with its own rights, so whatever that PATCH would be flagged for is
 * flagged here, with the patch's place in the GitOps object in front of the path.
 */
function judgeGitopsPatches(doc: Json, key: string, prefix: string, ctx: RuleContext, depth: number): void {
  const { patches, unread } = gitopsPatches(doc, key, prefix, ctx.namespace, ctx.partial);
  if (unread !== undefined) ctx.unreadable?.(unread);
  if (patches.length === 0) return;
  const judgements = patches.reduce((n, p) => n + p.kinds.length, 0);
  if (judgements > MAX_PATCH_JUDGEMENTS) {
    ctx.unreadable?.(`${prefix}the body carries kustomize patches to be read as more than ${MAX_PATCH_JUDGEMENTS} objects`);
    return;
  }
  if (depth >= MAX_EMBEDDED_DEPTH) {
    ctx.unreadable?.(`${patches[0]!.path} patches objects more than ${MAX_EMBEDDED_DEPTH} wrappers deep`);
    return;
  }
  for (const p of patches) {
    for (const k of p.kinds) {
      const kind = resourceOfAnyKind(k.apiVersion, k.kind);
      if (kind === undefined) {
        ctx.unreadable?.(`${p.path} patches a kind stepgate cannot name (${clientText(k.apiVersion, 80)} ${clientText(k.kind, 80)})`);
        continue;
      }
      const name = p.name === '' ? '' : `/${encodeURIComponent(p.name)}`;
      const request = kubeRequestInfo('PATCH', `${kind.collection(kind.namespaced ? p.namespace : '')}${name}`, '', () => undefined);
      const written = inspectAt(depth + 1, ctx.commandWork ?? new CommandWork(), NO_RUN_KEYS, request, p.body, p.type, false, ctx.settings);
      // Read as each kind of the union, a finding is the same whichever kind found it: one detail, kept once.
      const as = p.kinds === UNION ? 'a kustomize patch of whatever its target selects: ' : `a kustomize patch of ${kindShown(k)}: `;
      for (const v of written.violations) if (!CHANGE_ONLY.has(v.code) && v.code !== READ_BY_GITOPS_IMAGES) ctx.out.push({ ...v, detail: `${as}${v.detail}`, path: v.path ? `${p.path}.${v.path}` : p.path });
      if (written.unreadable !== undefined) ctx.unreadable?.(`${p.path} (${as.slice(0, -2)}): ${written.unreadableDetail ?? written.unreadable}`);
    }
  }
}

/** A namespace name kube accepts; anything else (a Kyverno `{{…}}` variable) is judged as none. */
const NAMESPACE_NAME = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

/** How many custom objects deep a manifest's own manifests are read; deeper ones are unread. */
const MAX_EMBEDDED_DEPTH = 3;

/** A ConfigMap's or Secret's name: its own, else the request line's (a patch need not name it). */
function storeName(doc: Json, kube: KubeRequestInfo): string {
  const meta = doc.metadata;
  return isObject(meta) && typeof meta.name === 'string' && meta.name !== '' ? meta.name : kube.name;
}

/** The request's namespace; a body's own metadata.namespace only when the path has none. */
export function namespaceOf(kube: KubeRequestInfo, doc: Json | undefined): string {
  if (kube.namespace !== '') return kube.namespace;
  const meta = doc?.metadata;
  return isObject(meta) && typeof meta.namespace === 'string' ? meta.namespace : '';
}

function unique<T extends string>(xs: (T | undefined)[]): T[] {
  const out: T[] = [];
  for (const x of xs) if (x !== undefined && !out.includes(x)) out.push(x);
  return out;
}

/**
 * A scalable workload's accelerators per pod, where the body holds its template (`spec.template`
 * with a `containers` list: a create, an update, an apply or a patch that sets the template's
 * containers), and its name (the URL's, else the body's); undefined when none is asked.
 */
function perPodOf(doc: Json, urlName: string): { name: string; counts: Record<string, number> } | undefined {
  const spec = doc.spec;
  if (!isObject(spec) || !isObject(spec.template)) return undefined;
  const meta = doc.metadata;
  const name = urlName !== '' ? urlName : isObject(meta) && typeof meta.name === 'string' ? meta.name : '';
  if (name === '' || name.length > 253) return undefined;
  const counts = acceleratorsOf(spec.template, undefined);
  return counts === undefined ? undefined : { name, counts };
}

/** The replica count a Scale's or a workload's body sets at `spec.replicas` (a whole number), undefined none. */
function replicasSet(documents: readonly Json[]): number | undefined {
  for (const doc of documents) {
    const spec = doc.spec;
    if (!isObject(spec) || isObject(spec.template)) continue;
    const n = countOf(spec.replicas);
    if (n !== undefined && typeof spec.replicas === 'number') return n;
  }
  return undefined;
}
