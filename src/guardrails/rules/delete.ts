import type { KubeRequestInfo } from '../../request/kube.js';
import type { GuardrailSettings } from '../settings.js';
import type { Violation } from '../types.js';

/**
 * delete_protected: deleting a namespace (or an OpenShift project, which is one), a CustomResourceDefinition (which deletes every object
 * of that type), or anything in a delete-protected namespace (kube-system by default). Judged
 * from the request line alone: a delete's body (DeleteOptions) cannot change what is deleted.
 * A cluster-wide deletecollection of a namespaced resource reaches the protected namespaces too,
 * and so does a deletecollection of Nodes (their pods go with them).
 */
export function checkDelete(kube: KubeRequestInfo, settings: GuardrailSettings, clusterScoped: boolean): Violation[] {
  const found: Violation[] = [];
  const what = `${kube.verb} ${kube.apiGroup ? `${kube.apiGroup}/` : ''}${kube.resource}${kube.name ? `/${kube.name}` : ''}`;
  if (kube.apiGroup === '' && kube.resource === 'namespaces' && kube.subresource === '') {
    found.push({ code: 'delete_protected', detail: `${what}: deleting a namespace deletes everything in it` });
  } else if (kube.apiGroup === 'project.openshift.io' && kube.resource === 'projects' && kube.subresource === '') {
    // OpenShift's Project is its Namespace under another name: `oc delete project` deletes the namespace.
    found.push({ code: 'delete_protected', detail: `${what}: deleting an OpenShift project deletes its namespace and everything in it` });
  } else if (kube.apiGroup === 'apiextensions.k8s.io' && kube.resource === 'customresourcedefinitions') {
    found.push({ code: 'delete_protected', detail: `${what}: deleting a CRD deletes every object of its type` });
  } else if (kube.apiGroup === '' && kube.resource === 'nodes' && kube.subresource === '' && kube.verb === 'deletecollection') {
    // The pod garbage collector deletes the pods bound to a Node that is gone: every Node at once
    // is every pod of the cluster, the protected namespaces' included. One Node is node-deletes' business.
    found.push({ code: 'delete_protected', detail: `${what}: deleting the Nodes deletes every pod bound to them, the protected namespaces' too` });
  } else if (kube.namespace !== '' && settings.deleteProtectedNamespace(kube.namespace)) {
    found.push({ code: 'delete_protected', detail: `${what} in protected namespace ${kube.namespace}` });
  } else if (kube.namespace === '' && kube.verb === 'deletecollection' && !clusterScoped) {
    found.push({ code: 'delete_protected', detail: `${what} across all namespaces reaches the protected ones` });
  }
  return found;
}
