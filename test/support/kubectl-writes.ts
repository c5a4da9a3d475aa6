import { expect } from 'vitest';
import { KUBE, OFFICE, TOKEN_STATES, reason, rules, type BuiltServer, type freshSubjects, type TokenState } from './built-server.js';
import type { CheckResponse } from './grpc-client.js';
import { checkRequest } from './requests.js';

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

/** What a write must get (judgeWrite): a hardware key, two factors, or nothing more than a sign-in. */
export type WriteNeed = 'aal3' | 'aal2' | 'routine';

/** One row of an attack table: the write, what it needs, and the rule or `guardrail:<code>` a refusal names. */
export interface WriteEntry {
  what: string;
  req: KubeWrite;
  need: WriteNeed;
  by?: string;
}

export type KubeDoc = { apiVersion: string; kind: string; metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> }; [k: string]: unknown };

export function kubectlWrites(plural: Readonly<Record<string, string>>) {
  const base = (doc: KubeDoc) => {
    const ns = doc.metadata.namespace;
    // The core group (`v1`) is served under /api, every other group under /apis.
    return `/${doc.apiVersion.includes('/') ? 'apis' : 'api'}/${doc.apiVersion}/${ns ? `namespaces/${ns}/` : ''}${plural[doc.kind]!}`;
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

const KUBECTL = 'kubectl/v1.32.4 (linux/amd64) kubernetes/5f8c2b1';
const NOT_ALLOWED = ['acr_insufficient', 'auth_too_old', 'policy_deny', 'risk_deny'];

/**
 * One write through the built server as kubectl sends it, with a token in `state` (built-server.ts
 * TOKEN_STATES); for the victim's own states, the victim's everyday request first, which must pass.
 */
export async function sendWrite(server: BuiltServer, subjects: ReturnType<typeof freshSubjects>, req: KubeWrite, state: TokenState): Promise<CheckResponse> {
  const s = TOKEN_STATES[state];
  const token = await subjects.tokenOf(s.level, s.age);
  if (s.victim) {
    const own = await server.client.check(checkRequest({ host: KUBE, source: OFFICE, path: '/api/v1/namespaces/dev/pods?limit=500', token, headers: { 'user-agent': KUBECTL } }));
    expect(reason(own), "the victim's own request").toBe('allowed');
  }
  const raw = req.body instanceof Uint8Array ? req.body : undefined;
  const body = raw !== undefined ? undefined : typeof req.body === 'string' ? req.body : JSON.stringify(req.body);
  const headers = { 'user-agent': KUBECTL, 'x-envoy-auth-partial-body': 'false', ...req.headers };
  return server.client.check(checkRequest({ host: KUBE, source: s.source, method: req.method, path: req.path, token, headers, ...(raw !== undefined ? { rawBody: raw } : { body }) }));
}

/**
 * What a write needing `need` must get in `state`: refused for a hardware-key write in every state,
 * for a stolen or remote token, and for a two-factor write with one factor inside; allowed
 * otherwise. A refusal names `by` (a rule or `guardrail:<code>`) when given.
 */
export function judgeWrite(where: string, need: WriteNeed, state: TokenState, res: CheckResponse, by?: string): void {
  const r = reason(res);
  const said = `${where} (${state}) → ${r} [${rules(res)}]`;
  if (need === 'aal3' || state === 'stolen' || state === 'remote' || (need === 'aal2' && state === 'inside')) expect.soft(NOT_ALLOWED, said).toContain(r);
  else expect.soft(r, said).toBe('allowed');
  if (r !== 'allowed' && by) expect.soft(rules(res), said).toContain(by);
}
