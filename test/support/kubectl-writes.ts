/**
 * Kubernetes writes as kubectl sends them, for the black-box attack tables (attack-operators,
 * attack-host-kinds): one object, each verb and patch type with kubectl's own query and content
 * type. `plural` gives the resource each kind is served under (a CRD's `spec.names.plural`).
 */

export interface KubeWrite {
  method: string;
  path: string;
  /** An object is sent as JSON; a string or bytes as they are (YAML, a JSON patch, protobuf). */
  body: unknown;
  headers: Record<string, string>;
}

export type KubeDoc = { apiVersion: string; kind: string; metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> }; [k: string]: unknown };

export function kubectlWrites(plural: Readonly<Record<string, string>>) {
  const base = (doc: KubeDoc) => {
    const ns = doc.metadata.namespace;
    return `/apis/${doc.apiVersion}/${ns ? `namespaces/${ns}/` : ''}${plural[doc.kind]!}`;
  };
  const named = (doc: KubeDoc) => `${base(doc)}/${doc.metadata.name}`;
  return {
    base,
    named,
    /** `kubectl apply -f` of an object that does not exist yet: a create, with the manifest in the last-applied annotation. */
    applied: (doc: KubeDoc): KubeWrite => {
      const body = { ...doc, metadata: { ...doc.metadata, annotations: { ...doc.metadata.annotations, 'kubectl.kubernetes.io/last-applied-configuration': `${JSON.stringify(doc)}\n` } } };
      return { method: 'POST', path: `${base(doc)}?fieldManager=kubectl-client-side-apply&fieldValidation=Strict`, body, headers: { 'content-type': 'application/json' } };
    },
    /** `kubectl apply -f` of a custom resource that exists: a JSON merge patch of what changed (no strategic merge for custom kinds). */
    patched: (doc: KubeDoc, change: Record<string, unknown>): KubeWrite => ({ method: 'PATCH', path: `${named(doc)}?fieldManager=kubectl-client-side-apply&fieldValidation=Strict`, body: change, headers: { 'content-type': 'application/merge-patch+json' } }),
    /** `kubectl replace -f`: the whole object by PUT. */
    replaced: (doc: KubeDoc): KubeWrite => ({ method: 'PUT', path: named(doc), body: doc, headers: { 'content-type': 'application/json' } }),
    /** `kubectl apply --server-side`: the manifest as YAML. */
    serverSide: (doc: KubeDoc): KubeWrite => ({ method: 'PATCH', path: `${named(doc)}?fieldManager=kubectl&force=true`, body: JSON.stringify(doc), headers: { 'content-type': 'application/apply-patch+yaml' } }),
    /** `kubectl patch --type json`. */
    jsonPatched: (doc: KubeDoc, ops: unknown[]): KubeWrite => ({ method: 'PATCH', path: named(doc), body: JSON.stringify(ops), headers: { 'content-type': 'application/json-patch+json' } }),
    /** `kubectl patch` of a built-in kind: a strategic merge patch. */
    strategic: (doc: KubeDoc, change: Record<string, unknown>): KubeWrite => ({ method: 'PATCH', path: named(doc), body: change, headers: { 'content-type': 'application/strategic-merge-patch+json' } }),
    /** `kubectl delete`. */
    deleted: (doc: KubeDoc): KubeWrite => ({ method: 'DELETE', path: named(doc), body: { kind: 'DeleteOptions', apiVersion: 'v1', propagationPolicy: 'Background' }, headers: { 'content-type': 'application/json' } }),
  };
}
