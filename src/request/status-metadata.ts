import { Buffer } from 'node:buffer';
import type { KubeRequestInfo } from './kube.js';

/**
 * Core objects whose `status` subresource keeps the metadata the write carries: kube-apiserver's
 * status strategy for a Pod resets only its spec, deletion timestamp and owner references
 * (pkg/registry/core/pod/strategy.go, podStatusStrategy.PrepareForUpdate), and those for a Node
 * and a Namespace reset only the spec, so `PATCH …/pods/web-0/status` with
 * `{"metadata":{"labels":{"app":"payments-api"}}}` relabels the pod into the payments Service as
 * `kubectl label pod` would. (A custom resource's status strategy copies the old object whole; the
 * workloads' reset their labels; those are left to what their status writes are.)
 */
const METADATA_THROUGH_STATUS = new Set(['pods', 'nodes', 'namespaces']);

/**
 * Whether a status write may change the object's labels or annotations, so that it is judged as a
 * write of the object too (policy `subresources: [""]`). It may unless its body is present,
 * complete, JSON (a YAML body that parses as JSON reads the same) and provably without metadata:
 * no top-level `metadata` key in any letter case, and for a JSON patch no operation whose `path` or
 * `from` is the whole document or under `/metadata`. A JSON `\u` escape in a key is read as
 * kube's decoder reads it, since JSON.parse decodes it the same way.
 */
export function statusMayEditMetadata(info: KubeRequestInfo, contentType: string | undefined, body: Uint8Array | string | undefined, truncated: boolean): boolean {
  if (!info.isResourceRequest || info.subresource !== 'status' || info.apiGroup !== '' || !METADATA_THROUGH_STATUS.has(info.resource)) return false;
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
