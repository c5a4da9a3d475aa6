import { Buffer } from 'node:buffer';
import type { UnreadableOutcome } from '../../config/guardrail-codes.js';
import type { Json } from '../types.js';
import { ANY_OBJECT, KINDS, kindKey, Unknown, type Field, type Message } from './schema.js';
import { asBool, asInt32, asInt64, Reader, WIRE_LEN, WIRE_VARINT, WireError } from './wire.js';

/**
 * Decodes an `application/vnd.kubernetes.protobuf` body (what kubectl `create deployment`,
 * `create clusterrolebinding` and other typed client-go calls send) into the same plain object the
 * JSON body would give, so the guardrail rules judge both alike.
 *
 * The body is the magic `k8s\0` and a runtime.Unknown {typeMeta {apiVersion, kind}, raw,
 * contentEncoding, contentType}; kube-apiserver decodes `raw` as the message of that kind. Merging
 * follows protobuf (and the apiserver's generated code): a repeated scalar field keeps the last
 * value, a repeated singular message merges into the earlier one, lists append, map keys keep the
 * last value. So a body that sends `securityContext` twice, the second time with only
 * `privileged`, reads as privileged here too.
 *
 * Conservative by construction: anything the apiserver's decoder would refuse (bad varint, length
 * past the end, wrong wire type for a known field, illegal wire type) and anything this decoder
 * cannot judge (an unknown kind, an envelope without kind, groups, invalid UTF-8 in a read string,
 * nesting deeper than the schema) makes the body unreadable. Unknown fields are skipped, as the
 * apiserver does. Work is linear in the body: nothing is expanded, and nesting is bounded by the
 * schema (MAX_DEPTH guards it anyway).
 */

export type ProtobufBody =
  | { ok: true; documents: Json[]; partial: false }
  | { ok: false; outcome: UnreadableOutcome; detail: string };

export const KUBE_PROTOBUF_MAGIC = Uint8Array.of(0x6b, 0x38, 0x73, 0x00);

/** Deeper than any object in the schema (CronJob → … → seLinuxOptions is 9); a guard, not a limit in practice. */
export const MAX_DEPTH = 32;

const WRITE_VERBS = new Set(['create', 'update']);

/** `metadataOnly`: a kind without a schema is read for its metadata (ANY_OBJECT) instead of unreadable. */
export function parseKubeProtobuf(body: Uint8Array | string, verb: string, metadataOnly = false): ProtobufBody {
  // kube-apiserver accepts protobuf only for whole objects; every patch type is JSON or YAML.
  if (!WRITE_VERBS.has(verb)) return unreadable(`content type application/vnd.kubernetes.protobuf does not fit the verb ${verb}`);
  let bytes: Uint8Array;
  if (typeof body === 'string') {
    // Envoy's `body` (string) field mangles bytes that are not UTF-8; only an intact body is read.
    if (body.includes('\uFFFD')) {
      return unreadable('the protobuf body arrived as a UTF-8 string and lost bytes; configure Envoy with with_request_body.pack_as_bytes: true');
    }
    bytes = Buffer.from(body, 'utf8');
  } else {
    bytes = body;
  }
  return decodeKubeProtobuf(bytes, metadataOnly);
}

export function decodeKubeProtobuf(bytes: Uint8Array, metadataOnly = false): ProtobufBody {
  const magic = KUBE_PROTOBUF_MAGIC.length;
  if (bytes.length < magic || KUBE_PROTOBUF_MAGIC.some((b, i) => bytes[i] !== b)) {
    return unreadable('the protobuf body does not start with the Kubernetes magic k8s\\0');
  }
  try {
    const envelope: Json = {};
    decodeMessage(new Reader(bytes, magic, bytes.length), Unknown, envelope, 0);
    const typeMeta = (envelope.typeMeta ?? {}) as Json;
    const apiVersion = typeof typeMeta.apiVersion === 'string' ? typeMeta.apiVersion : '';
    const kind = typeof typeMeta.kind === 'string' ? typeMeta.kind : '';
    if (apiVersion === '' || kind === '') {
      // The apiserver would fill a missing one from the URL; no client-go client leaves it out.
      return unreadable('the protobuf envelope does not name its apiVersion and kind');
    }
    if (typeof envelope.contentEncoding === 'string' && envelope.contentEncoding !== '') {
      return unreadable(`the protobuf envelope declares content encoding ${JSON.stringify(envelope.contentEncoding.slice(0, 40))}`);
    }
    const schema = KINDS.get(kindKey(apiVersion, kind)) ?? (metadataOnly ? ANY_OBJECT : undefined);
    if (schema === undefined) {
      return unreadable(`protobuf bodies of ${JSON.stringify(`${apiVersion.slice(0, 80)}/${kind.slice(0, 80)}`)} are not decoded`);
    }
    const raw = envelope.raw instanceof Uint8Array ? envelope.raw : new Uint8Array(0);
    const doc: Json = { apiVersion, kind };
    decodeMessage(new Reader(raw, 0, raw.length), schema, doc, 0);
    return { ok: true, documents: [doc], partial: false };
  } catch (err) {
    if (err instanceof WireError) return unreadable(`the protobuf body is malformed (${err.message})`);
    // Nothing else is expected; a body that trips the decoder is unreadable, never a crash.
    return unreadable('the protobuf body could not be decoded');
  }
}

function unreadable(detail: string): ProtobufBody {
  return { ok: false, outcome: 'body_unreadable', detail };
}

/** Decodes one message's fields into `target`, merging with what is already there. */
function decodeMessage(r: Reader, schema: Message, target: Json, depth: number): void {
  if (depth > MAX_DEPTH) throw new WireError('nested too deeply');
  while (!r.done) {
    const number = r.tag();
    const wire = r.wire;
    if (number <= 0) throw new WireError('illegal field number');
    const field = schema.fields.get(number);
    if (field === undefined) {
      r.skip(wire);
      continue;
    }
    const expected = field.kind === 'bool' || field.kind === 'int32' || field.kind === 'int64' ? WIRE_VARINT : WIRE_LEN;
    if (wire !== expected) throw new WireError(`${schema.name}.${field.name} has wire type ${wire}, not ${expected}`);
    readField(r, field, target, depth);
  }
}

function readField(r: Reader, field: Field, target: Json, depth: number): void {
  switch (field.kind) {
    case 'string':
      store(target, field, r.string());
      return;
    case 'bytes':
      store(target, field, Buffer.from(r.bytes()).toString('base64'));
      return;
    case 'raw':
      store(target, field, r.bytes());
      return;
    case 'bool':
      store(target, field, asBool(r.varint()));
      return;
    case 'int32':
      store(target, field, asInt32(r.varint()));
      return;
    case 'int64':
      store(target, field, asInt64(r.varint()));
      return;
    case 'map':
      readMapEntry(sub(r), child(target, field.name), depth, field.quantity === true, field.bytes === true);
      return;
    case 'intOrString':
      readIntOrString(sub(r), target, field.name, depth);
      return;
    case 'message': {
      const inner = sub(r);
      if (field.inline) {
        decodeMessage(inner, field.message, target, depth + 1);
      } else if (field.repeated) {
        const item: Json = {};
        decodeMessage(inner, field.message, item, depth + 1);
        list(target, field.name).push(item);
      } else {
        decodeMessage(inner, field.message, child(target, field.name), depth + 1);
      }
      return;
    }
  }
}

/** A reader over the next length-delimited field. */
function sub(r: Reader): Reader {
  const [start, end] = r.span();
  return new Reader(r.buf, start, end);
}

function store(target: Json, field: Field, value: unknown): void {
  if (field.repeated) list(target, field.name).push(value);
  else setOwn(target, field.name, value);
}

function list(target: Json, name: string): unknown[] {
  const existing = target[name];
  if (Array.isArray(existing)) return existing;
  const created: unknown[] = [];
  setOwn(target, name, created);
  return created;
}

/** The object under `name`, created when absent: a second occurrence merges into the first. */
function child(target: Json, name: string): Json {
  const existing = target[name];
  if (typeof existing === 'object' && existing !== null && !Array.isArray(existing)) return existing as Json;
  const created: Json = {};
  setOwn(target, name, created);
  return created;
}

/** An own data property even for the key `__proto__` (label keys are the sender's choice). */
function setOwn(target: Json, key: string, value: unknown): void {
  if (key === '__proto__') Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
  else target[key] = value;
}

/**
 * map<string, string> entry {1: key, 2: value}; a missing key or value is "", as in Go. With
 * `quantity` the value is a resource.Quantity {1: string}, read as that string; with `bytes` the
 * value is bytes, read as base64 (a ConfigMap's binaryData, as JSON shows it).
 */
function readMapEntry(r: Reader, target: Json, depth: number, quantity: boolean, bytes = false): void {
  if (depth + 1 > MAX_DEPTH) throw new WireError('nested too deeply');
  let key = '';
  let value = '';
  while (!r.done) {
    const field = r.tag();
    const wire = r.wire;
    if (field <= 0) throw new WireError('illegal field number');
    if (field === 1 || field === 2) {
      if (wire !== WIRE_LEN) throw new WireError(`map entry field ${field} has wire type ${wire}`);
      if (field === 1) key = r.string();
      else value = quantity ? readQuantity(sub(r)) : bytes ? Buffer.from(r.bytes()).toString('base64') : r.string();
    } else {
      r.skip(wire);
    }
  }
  setOwn(target, key, value);
}

/** resource.Quantity {1: string}: its later string wins, as in Go; unknown fields are skipped. */
function readQuantity(r: Reader): string {
  let value = '';
  while (!r.done) {
    const field = r.tag();
    const wire = r.wire;
    if (field <= 0) throw new WireError('illegal field number');
    if (field !== 1) {
      r.skip(wire);
      continue;
    }
    if (wire !== WIRE_LEN) throw new WireError(`Quantity field 1 has wire type ${wire}`);
    value = r.string();
  }
  return value;
}

/**
 * IntOrString {1: type, 2: intVal, 3: strVal}: JSON shows strVal when type is 1, intVal
 * otherwise. The parts of repeated occurrences merge before the value is chosen, so the parts
 * are kept beside the object (not in it, where a rule would see them).
 */
const intOrStringParts = new WeakMap<Json, Map<string, { type: number; intVal: number; strVal: string }>>();

function readIntOrString(r: Reader, target: Json, name: string, depth: number): void {
  if (depth + 1 > MAX_DEPTH) throw new WireError('nested too deeply');
  let byName = intOrStringParts.get(target);
  if (byName === undefined) intOrStringParts.set(target, (byName = new Map<string, { type: number; intVal: number; strVal: string }>()));
  const parts = byName.get(name) ?? { type: 0, intVal: 0, strVal: '' };
  byName.set(name, parts);
  while (!r.done) {
    const field = r.tag();
    const wire = r.wire;
    if (field <= 0) throw new WireError('illegal field number');
    if (field > 3) {
      r.skip(wire);
      continue;
    }
    const expected = field === 3 ? WIRE_LEN : WIRE_VARINT;
    if (wire !== expected) throw new WireError(`IntOrString field ${field} has wire type ${wire}`);
    if (field === 1) parts.type = asInt64(r.varint());
    else if (field === 2) parts.intVal = asInt32(r.varint());
    else parts.strVal = r.string();
  }
  setOwn(target, name, parts.type === 1 ? parts.strVal : parts.intVal);
}
