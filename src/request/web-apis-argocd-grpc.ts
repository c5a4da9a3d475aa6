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
