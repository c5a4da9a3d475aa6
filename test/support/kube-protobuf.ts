import { KINDS, kindKey, type Field, type Message } from '../../src/guardrails/protobuf/schema.js';

/**
 * A test-side protobuf encoder for Kubernetes objects: a JSON-shaped object → the bytes client-go
 * would send (`k8s\0` + runtime.Unknown), from the decoder's field-number table. That table is
 * checked independently against real kubectl bodies (test/fixtures/kubectl-protobuf) and the
 * integration test; this encoder lets tests build any pod spec, which kubectl cannot send in
 * protobuf. A JSON key the table does not know throws, so a test never silently drops the field it
 * is about. Low-level pieces are exported for hand-built malformed bodies.
 */

export const MAGIC = Buffer.from([0x6b, 0x38, 0x73, 0x00]);

export function varint(v: number | bigint): Buffer {
  let n = BigInt.asUintN(64, BigInt(v));
  const out: number[] = [];
  while (n >= 0x80n) {
    out.push(Number(n & 0x7fn) | 0x80);
    n >>= 7n;
  }
  out.push(Number(n));
  return Buffer.from(out);
}

export const tag = (field: number | bigint, wire: number) => varint((BigInt(field) << 3n) | BigInt(wire));
export const lenField = (field: number, bytes: Uint8Array | string) => {
  const b = typeof bytes === 'string' ? Buffer.from(bytes, 'utf8') : Buffer.from(bytes);
  return Buffer.concat([tag(field, 2), varint(b.length), b]);
};
export const varintField = (field: number, v: number | bigint | boolean) => Buffer.concat([tag(field, 0), varint(typeof v === 'boolean' ? (v ? 1 : 0) : v)]);

/** The envelope around already-encoded object bytes. */
export function envelope(apiVersion: string, kind: string, raw: Uint8Array, extra: Buffer = Buffer.alloc(0)): Buffer {
  const typeMeta = Buffer.concat([lenField(1, apiVersion), lenField(2, kind)]);
  return Buffer.concat([MAGIC, lenField(1, typeMeta), lenField(2, raw), extra]);
}

/** The whole body for a JSON-shaped object with apiVersion and kind. */
export function encodeKube(obj: Record<string, unknown>): Buffer {
  const apiVersion = String(obj.apiVersion);
  const kind = String(obj.kind);
  const schema = KINDS.get(kindKey(apiVersion, kind));
  if (!schema) throw new Error(`no schema for ${apiVersion} ${kind}`);
  const { apiVersion: _a, kind: _k, ...rest } = obj;
  return envelope(apiVersion, kind, encodeMessage(rest, schema));
}

/** One message's bytes (no envelope). */
export function encodeMessage(obj: Record<string, unknown>, schema: Message): Buffer {
  const used = new Set<string>();
  const parts = encodeFields(obj, schema, used);
  for (const k of Object.keys(obj)) if (!used.has(k)) throw new Error(`${schema.name}.${k} is not in the field table`);
  return Buffer.concat(parts);
}

function encodeFields(obj: Record<string, unknown>, schema: Message, used: Set<string>): Buffer[] {
  const parts: Buffer[] = [];
  for (const [n, f] of schema.fields) {
    if (f.kind === 'message' && f.inline) {
      const inner = encodeFields(obj, f.message, used);
      if (inner.length > 0) parts.push(lenField(n, Buffer.concat(inner)));
      continue;
    }
    if (!Object.hasOwn(obj, f.name)) continue;
    used.add(f.name);
    const v = obj[f.name];
    if (f.kind === 'map') {
      for (const [k, val] of Object.entries(v as Record<string, string>)) parts.push(lenField(n, Buffer.concat([lenField(1, k), lenField(2, f.quantity ? lenField(1, val) : f.bytes ? Buffer.from(val, 'base64') : val)])));
    } else if (f.repeated) {
      for (const item of v as unknown[]) parts.push(encodeValue(n, f, item));
    } else {
      parts.push(encodeValue(n, f, v));
    }
  }
  return parts;
}

function encodeValue(n: number, f: Field, v: unknown): Buffer {
  switch (f.kind) {
    case 'string':
      return lenField(n, v as string);
    case 'bytes':
      return lenField(n, Buffer.from(v as string, 'base64'));
    case 'raw':
      return lenField(n, v as Uint8Array);
    case 'bool':
    case 'int32':
    case 'int64':
      return varintField(n, v as number | boolean);
    case 'intOrString':
      return lenField(n, typeof v === 'string' ? Buffer.concat([varintField(1, 1), lenField(3, v)]) : Buffer.concat([varintField(1, 0), varintField(2, v as number)]));
    case 'message':
      return lenField(n, encodeMessage(v as Record<string, unknown>, f.message));
    case 'map':
      throw new Error('maps are encoded by entry');
  }
}
