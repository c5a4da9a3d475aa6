import { Buffer } from 'node:buffer';
import { Reader, WIRE_LEN, WIRE_VARINT, WireError } from '../core/protobuf-wire.js';

/**
 * The one gRPC request body Argo CD's CLI sends that stepgate reads: `argocd app logs`'s
 * `/application.ApplicationService/PodLogs`, an `application.ApplicationPodLogsQuery` (argo-cd's
 * server/application/application.proto, proto2, gogo-generated). The reading is exact or nothing:
 * a body that is absent, cut, compressed, more than one message, or holds a field twice, a field
 * in another wire type than the .proto's, a group or an unknown wire type, is unreadable
 * (undefined), and the caller refuses it. Pure: bytes in, fields out.
 */

/** The query's fields the logs reading needs (PodLogs: a `podName` replaces kind and resourceName). */
export interface PodLogsQuery {
  namespace?: string;
  podName?: string;
  resourceName?: string;
}

/** ApplicationPodLogsQuery: the string fields by number, and the varint ones (int64, bool); 6 (sinceTime) is a message. */
const STRINGS: ReadonlyMap<number, keyof PodLogsQuery | ''> = new Map([
  [1, ''], // name (the application)
  [2, 'namespace'],
  [3, 'podName'],
  [4, ''], // container
  [9, ''], // untilTime
  [10, ''], // filter
  [11, ''], // kind
  [12, ''], // group
  [13, 'resourceName'],
  [15, ''], // appNamespace
  [16, ''], // project
]);
const VARINTS = new Set([5, 7, 8, 14, 17]); // sinceSeconds, tailLines, follow, previous, matchCase
const MESSAGES = new Set([6]); // sinceTime (meta.v1.Time), not read: it only bounds the lines

/** The gRPC content types Argo CD answers on (grpc-go natively; improbable-eng's grpcweb wrapper for -web). */
export type GrpcFraming = 'grpc' | 'grpc-web-text';

/** Which framing a Content-Type names, or undefined when it is no gRPC one (the request is then no gRPC call). */
export function grpcFraming(contentType: string | undefined): GrpcFraming | undefined {
  if (contentType === undefined) return undefined;
  const t = contentType.split(';')[0]!.trim().toLowerCase();
  if (t === 'application/grpc' || t === 'application/grpc+proto' || t === 'application/grpc-web' || t === 'application/grpc-web+proto') return 'grpc';
  if (t === 'application/grpc-web-text' || t === 'application/grpc-web-text+proto') return 'grpc-web-text';
  return undefined;
}

/**
 * The one length-prefixed message of a gRPC (or gRPC-web) request body: flag byte 0 (a set
 * compression flag means bytes stepgate cannot read), a 4-byte big-endian length, the message,
 * and nothing after it (a server-streaming call's client sends exactly one).
 */
export function grpcMessage(body: Uint8Array, framing: GrpcFraming): Uint8Array | undefined {
  let bytes = body;
  if (framing === 'grpc-web-text') {
    // Standard base64 with padding, nothing else (Go's decoder would skip line breaks; refused here).
    const text = Buffer.from(body.buffer, body.byteOffset, body.byteLength).toString('latin1');
    if (text.length % 4 !== 0 || !/^[A-Za-z0-9+/]*={0,2}$/.test(text)) return undefined;
    bytes = Buffer.from(text, 'base64');
  }
  if (bytes.length < 5 || bytes[0] !== 0) return undefined;
  const len = ((bytes[1]! << 24) >>> 0) + (bytes[2]! << 16) + (bytes[3]! << 8) + bytes[4]!;
  if (bytes.length - 5 !== len) return undefined;
  return bytes.subarray(5);
}

/** Decodes an ApplicationPodLogsQuery, or undefined when any part of it cannot be read one way. */
export function decodePodLogsQuery(msg: Uint8Array): PodLogsQuery | undefined {
  const out: PodLogsQuery = {};
  const seen = new Set<number>();
  const r = new Reader(msg, 0, msg.length);
  try {
    while (!r.done) {
      const n = r.tag();
      // proto2 keeps the last of a repeated scalar; two values are two readings, so refused.
      if (seen.has(n)) return undefined;
      seen.add(n);
      const key = STRINGS.get(n);
      if (key !== undefined) {
        if (r.wire !== WIRE_LEN) return undefined;
        const v = r.string();
        if (key !== '') out[key] = v;
      } else if (VARINTS.has(n)) {
        if (r.wire !== WIRE_VARINT) return undefined;
        r.varint();
      } else if (MESSAGES.has(n)) {
        if (r.wire !== WIRE_LEN) return undefined;
        r.span();
      } else {
        // A field this .proto does not have: gogo keeps it aside (XXX_unrecognized); skipped if its wire type is plain.
        if (n <= 0) return undefined;
        r.skip(r.wire);
      }
    }
  } catch (e) {
    if (e instanceof WireError) return undefined;
    throw e;
  }
  return out;
}

// ------------------------------------------------------------------- object-level requests

/**
 * The request messages of the ApplicationService methods that act on one live object, as the
 * `argocd` CLI sends them (`app get-resource`, `app patch-resource`, `app delete-resource`,
 * `app actions run`). Field numbers and types are argo-cd's server/application/application.proto
 * at commit 224b75af210188ef7763c47ac4a9f95a7d3da79e (the file's last change, 2026-05-28; proto2):
 *
 * - GetResource takes an ApplicationResourceRequest: 1 name, 2 namespace, 3 resourceName,
 *   4 version, 5 group, 6 kind, 7 appNamespace, 8 project (strings).
 * - PatchResource, an ApplicationResourcePatchRequest: 1–6 as above, 7 patch, 8 patchType,
 *   9 appNamespace, 10 project (strings).
 * - DeleteResource, an ApplicationResourceDeleteRequest: 1–6, 7 force and 8 orphan (bools),
 *   9 appNamespace, 10 project.
 * - RunResourceAction, a ResourceActionRunRequest: 1–6, 7 action, 8 appNamespace, 9 project.
 * - RunResourceActionV2 (what `argocd app actions run` sends first), a ResourceActionRunRequestV2:
 *   as v1, and 10 resourceActionParameters, a repeated ResourceActionParameters (1 name, 2 value,
 *   both strings and required).
 *
 * `required` in the .proto is enforced by the gogo-generated Unmarshal
 * (pkg/apiclient/application/application.pb.go returns RequiredNotSetError), so a message missing
 * one is no request Argo CD acts on, and refused here as well.
 *
 * These are read stricter than PodLogs' query: a field this reading does not know is refused, not
 * skipped. They change the cluster, and a field added in a later Argo CD (a dry run, a
 * subresource, a server-side apply) could change what the same fields do; until it is read, the
 * request stays refused (the REST API is read by name and keeps working).
 */

/** How a field is laid out: a string, a varint (bool), or a repeated message read by its own layout. */
type FieldSpec = { readonly wire: 'string'; readonly key: string } | { readonly wire: 'varint' } | { readonly wire: 'messages'; readonly of: MessageSpec };

interface MessageSpec {
  readonly fields: ReadonlyMap<number, FieldSpec>;
  readonly required: readonly number[];
}

/** The fields of a message read, by the .proto's field name. */
export type ObjectRequest = Readonly<Record<string, string>>;

const str = (key: string): FieldSpec => ({ wire: 'string', key });
const BOOL: FieldSpec = { wire: 'varint' };

/** Fields 1–6, shared by every object-level request: the application and the object it names. */
const OBJECT: readonly (readonly [number, FieldSpec])[] = [
  [1, str('name')],
  [2, str('namespace')],
  [3, str('resourceName')],
  [4, str('version')],
  [5, str('group')],
  [6, str('kind')],
];
const OBJECT_REQUIRED = [1, 3, 4, 6];

const spec = (more: readonly (readonly [number, FieldSpec])[], required: readonly number[] = []): MessageSpec => ({
  fields: new Map([...OBJECT, ...more]),
  required: [...OBJECT_REQUIRED, ...required],
});

const PARAMETER: MessageSpec = { fields: new Map([[1, str('name')], [2, str('value')]]), required: [1, 2] };

/** The object-level methods whose request is read, by gRPC method name. */
export const OBJECT_REQUESTS: ReadonlyMap<string, MessageSpec> = new Map([
  ['GetResource', spec([[7, str('appNamespace')], [8, str('project')]])],
  ['PatchResource', spec([[7, str('patch')], [8, str('patchType')], [9, str('appNamespace')], [10, str('project')]], [7, 8])],
  ['DeleteResource', spec([[7, BOOL], [8, BOOL], [9, str('appNamespace')], [10, str('project')]])],
  ['RunResourceAction', spec([[7, str('action')], [8, str('appNamespace')], [9, str('project')]], [7])],
  ['RunResourceActionV2', spec([[7, str('action')], [8, str('appNamespace')], [9, str('project')], [10, { wire: 'messages', of: PARAMETER }]], [7])],
]);

/**
 * Decodes one of OBJECT_REQUESTS' messages, or undefined when any part of it cannot be read one
 * way: a field twice (a repeated message excepted), in another wire type, unknown, or a required
 * one missing; a nested message is read by the same rules.
 */
export function decodeObjectRequest(msg: Uint8Array, layout: MessageSpec): ObjectRequest | undefined {
  try {
    return readMessage(new Reader(msg, 0, msg.length), layout);
  } catch (e) {
    if (e instanceof WireError) return undefined;
    throw e;
  }
}

function readMessage(r: Reader, layout: MessageSpec): Record<string, string> | undefined {
  const out: Record<string, string> = {};
  const seen = new Set<number>();
  while (!r.done) {
    const n = r.tag();
    const f = layout.fields.get(n);
    if (f === undefined) return undefined;
    if (f.wire === 'messages') {
      if (r.wire !== WIRE_LEN) return undefined;
      const [s, e] = r.span();
      if (readMessage(new Reader(r.buf, s, e), f.of) === undefined) return undefined;
      seen.add(n);
      continue;
    }
    // proto2 keeps the last of a repeated scalar; two values are two readings, so refused.
    if (seen.has(n)) return undefined;
    seen.add(n);
    if (f.wire === 'varint') {
      if (r.wire !== WIRE_VARINT) return undefined;
      r.varint();
    } else {
      if (r.wire !== WIRE_LEN) return undefined;
      out[f.key] = r.string();
    }
  }
  return layout.required.every((n) => seen.has(n)) ? out : undefined;
}

// ------------------------------------------------------------------------------------------ Sync

/**
 * What an ApplicationSyncRequest (`argocd app sync`'s message, application.proto at
 * 37ee0097cf851bc2dd7665fc081bbce61a7e836e) says about what the sync deploys: the revision(s) it
 * names, which replace the application's own (server/application/application.go
 * resolveSourceRevisions), and whether it carries local manifests (`argocd app sync --local`),
 * which Argo CD deploys instead of git's (`syncReq.Manifests != nil`: present, even empty).
 */
export interface SyncRequest {
  /** `name` (1): the application. */
  readonly name: string;
  /** `appNamespace` (12): the Application's namespace, where it is not Argo CD's own. */
  readonly appNamespace?: string;
  /** `revision` (2) and every `revisions` (15) entry, as sent. */
  readonly revisions: readonly string[];
  readonly manifests: boolean;
  /**
   * What the sync deletes besides applying git's objects (session 46): `prune` (4: live objects git
   * no longer lists), `force` (5: strategy apply's or hook's force, delete and recreate on a
   * conflict), `Replace=true`/`Force=true` among the sync options (11: delete and recreate). Argo
   * CD's own UI asks for each before it sends it (type "prune", "Synchronize with force?", "delete
   * and recreate"). Absent: none.
   */
  readonly deletes?: readonly string[];
  /** `dryRun` (3): nothing is applied or deleted. */
  readonly dryRun?: boolean;
}

/** The sync options that delete and recreate what they apply (gitops-engine's Replace and Force). */
export const RECREATING_OPTIONS = new Set(['Replace=true', 'Force=true']);

/** SyncStrategy (5): `apply` (1) or `hook` (2, whose SyncStrategyApply is its field 1), each with `force` (1). Whether it forces; undefined when unreadable. */
function strategyForces(r: Reader): boolean | undefined {
  let force = false;
  while (!r.done) {
    const n = r.tag();
    if ((n !== 1 && n !== 2) || r.wire !== WIRE_LEN) return undefined;
    const [s, e] = r.span();
    let inner = new Reader(r.buf, s, e);
    if (n === 2) {
      // SyncStrategyHook: its SyncStrategyApply (1), or nothing.
      if (inner.done) continue;
      if (inner.tag() !== 1 || inner.wire !== WIRE_LEN) return undefined;
      const [s2, e2] = inner.span();
      if (!inner.done) return undefined;
      inner = new Reader(r.buf, s2, e2);
    }
    while (!inner.done) {
      if (inner.tag() !== 1 || inner.wire !== WIRE_VARINT) return undefined;
      if (inner.varint() !== 0) force = true;
    }
  }
  return force;
}

/** SyncOptions (11): its `items` (1, strings). Undefined when unreadable. */
function syncOptionItems(r: Reader): string[] | undefined {
  const items: string[] = [];
  while (!r.done) {
    if (r.tag() !== 1 || r.wire !== WIRE_LEN) return undefined;
    items.push(r.string());
  }
  return items;
}

/**
 * ApplicationSyncRequest's fields by number: 1 name, 2 revision, 12 appNamespace, 13 project
 * (strings, once); 3 dryRun, 4 prune (bools, once); 5 strategy, 10 retryStrategy, 11 syncOptions
 * (messages, once); 7 resources, 9 infos (messages, repeated); 8 manifests, 15 revisions (strings,
 * repeated); 14 sourcePositions (int64, repeated: packed or not, both of which gogo's Unmarshal reads).
 */
const SYNC_ONCE_STRINGS = new Set([1, 2, 12, 13]);
const SYNC_ONCE_VARINTS = new Set([3, 4]);
const SYNC_ONCE_MESSAGES = new Set([5, 10, 11]);
const SYNC_MESSAGES = new Set([7, 9]);

/**
 * Decodes an ApplicationSyncRequest, or undefined when any part of it cannot be read one way: a
 * singular field twice, a field in another wire type, one the .proto does not have, a string that
 * is not UTF-8 (gogo keeps proto2 strings' bytes as they are; no branch or name Argo CD resolves is
 * such bytes), or `name` (required) missing. The strategy (5) and the sync options (11) are read
 * for what they delete (SyncRequest.deletes), a field they do not have refused as at the top; the
 * resources (7) and infos (9) choose which of git's objects are applied, never from where nor what
 * is deleted: skipped whole.
 */
export function decodeSyncRequest(msg: Uint8Array): SyncRequest | undefined {
  const revisions: string[] = [];
  let manifests = false;
  let name = '';
  let appNamespace: string | undefined;
  const deletes: string[] = [];
  let dryRun = false;
  const seen = new Set<number>();
  const r = new Reader(msg, 0, msg.length);
  try {
    while (!r.done) {
      const n = r.tag();
      if (SYNC_ONCE_STRINGS.has(n) || SYNC_ONCE_VARINTS.has(n) || SYNC_ONCE_MESSAGES.has(n)) {
        // proto2 keeps the last of a repeated singular field; two values are two readings, so refused.
        if (seen.has(n)) return undefined;
        seen.add(n);
      }
      if (SYNC_ONCE_VARINTS.has(n)) {
        if (r.wire !== WIRE_VARINT) return undefined;
        const on = r.varint() !== 0;
        if (n === 3) dryRun = on;
        else if (on) deletes.push('prune');
      } else if (n === 5 || n === 11) {
        if (r.wire !== WIRE_LEN) return undefined;
        const [s, e] = r.span();
        const inner = new Reader(r.buf, s, e);
        if (n === 5) {
          const force = strategyForces(inner);
          if (force === undefined) return undefined;
          if (force) deletes.push('force');
        } else {
          const items = syncOptionItems(inner);
          if (items === undefined) return undefined;
          for (const i of items) if (RECREATING_OPTIONS.has(i)) deletes.push(i);
        }
      } else if (n === 14) {
        if (r.wire === WIRE_VARINT) r.varint();
        else if (r.wire === WIRE_LEN) {
          const [s, e] = r.span();
          const packed = new Reader(r.buf, s, e);
          while (!packed.done) packed.varint();
        } else return undefined;
      } else {
        // Every other field of the message is length-delimited.
        if (r.wire !== WIRE_LEN || !(SYNC_ONCE_STRINGS.has(n) || SYNC_ONCE_MESSAGES.has(n) || SYNC_MESSAGES.has(n) || n === 8 || n === 15)) return undefined;
        if (n === 2 || n === 15) revisions.push(r.string());
        else if (n === 1) name = r.string();
        else if (n === 12) appNamespace = r.string();
        else if (SYNC_ONCE_STRINGS.has(n)) r.string();
        else {
          r.span();
          if (n === 8) manifests = true;
        }
      }
    }
  } catch (e) {
    if (e instanceof WireError) return undefined;
    throw e;
  }
  if (!seen.has(1)) return undefined;
  const what = { name, revisions, manifests, deletes, dryRun };
  return appNamespace === undefined ? what : { ...what, appNamespace };
}
