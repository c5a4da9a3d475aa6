import { Buffer } from 'node:buffer';
import { toLowerAscii } from '../../request/headers.js';
import type { CheckRequestMessage } from './check.js';
import { HEADER_ENTRIES } from './header-entries.js';

export { HEADER_ENTRIES };

/**
 * The CheckRequest decoder the Check method is served with: it reads from the wire only the fields
 * parseCheckRequest uses (attributes.request.http's method, path, host, scheme, headers, header_map,
 * body, raw_body; attributes.source's socket address and principal; context_extensions) and steps
 * over the rest (destination, metadata, TLS session, times, sizes…) by length, building nothing for
 * them. proto-loader's deserializer decoded every field into protobufjs messages and then copied
 * all of them again into plain objects (`toObject`), a third of a cached Check's CPU end to end.
 *
 * For the fields it reads, the result is what that deserializer gave (keepCase, defaults off): a
 * field present on the wire is present even when empty, the last occurrence of a field wins (a
 * repeated sub-message replaces, it does not merge), an empty map or list is absent, bytes are
 * views of the request buffer, a map key `__proto__` is an own property. The wire is read the way
 * protobufjs 7.6 reads it, including its handling of malformed input (varint lengths, string
 * lengths clamped to the message, bytes and sub-messages not, each message ending exactly where
 * its length says, nesting depth), so a field read here cannot be found in a different place than
 * before. test/unit/server/grpc-decode.test.ts checks this against proto-loader's deserializer on
 * generated, mutated and truncated messages.
 *
 * What differs: a sub-message this decoder does not read (destination, metadata_context, …) is
 * skipped by its length and not parsed, so garbage inside it, which protobufjs rejected, is no
 * longer an error. Envoy builds these messages; and nothing skipped is an input to the decision.
 */

/** Wire kinds of the fields that are skipped, by how protobufjs 7.6 reads them (it goes by the declared type, not the wire type). */
const enum Kind {
  /** int32, uint32, enum, bool: Reader.uint32. */
  Varint32,
  /** int64, uint64: the long varint reader. */
  Varint64,
  /** string: a length, clamped to the message's end. */
  String,
  /** bytes: a length that must fit. */
  Bytes,
  /** a sub-message or a map entry: a length that must fit, the content not parsed here. */
  Message,
}

/** protoc's and protobufjs' default recursion limit. */
const RECURSION_LIMIT = 100;

/** Buffer's own UTF-8 decoder (what protobufjs calls for a Buffer), without toString's argument handling. */
type SliceableBuffer = Buffer & { utf8Slice(start: number, end: number): string };

class Reader {
  pos = 0;
  len: number;
  readonly buf: SliceableBuffer;
  constructor(buf: Buffer) {
    this.buf = buf as SliceableBuffer;
    this.len = buf.length;
  }
}

function outOfRange(r: Reader, n = 1): RangeError {
  return new RangeError(`index out of range: ${r.pos} + ${n} > ${r.len}`);
}

/** A varint as protobufjs' uint32 reads it: 32 bits kept, an over-long one skipped by 5 more bytes. */
function uint32(r: Reader): number {
  const buf = r.buf;
  if (r.len - r.pos < 5) {
    if (r.pos >= r.len) throw outOfRange(r);
    if (buf[r.pos]! >= 128) {
      // Near the end: at most four bytes, each within the message.
      let value = 0;
      for (let i = 0; i < 4; i++) {
        if (r.pos >= r.len) throw outOfRange(r);
        const b = buf[r.pos++]!;
        value = (value | ((b & 127) << (i * 7))) >>> 0;
        if (b < 128) return value;
      }
      throw outOfRange(r);
    }
  }
  let b = buf[r.pos++]!;
  let value = b & 127;
  if (b < 128) return value;
  b = buf[r.pos++]!;
  value = (value | ((b & 127) << 7)) >>> 0;
  if (b < 128) return value;
  b = buf[r.pos++]!;
  value = (value | ((b & 127) << 14)) >>> 0;
  if (b < 128) return value;
  b = buf[r.pos++]!;
  value = (value | ((b & 127) << 21)) >>> 0;
  if (b < 128) return value;
  b = buf[r.pos++]!;
  value = (value | ((b & 15) << 28)) >>> 0;
  if (b < 128) return value;
  if ((r.pos += 5) > r.len) {
    r.pos = r.len;
    throw outOfRange(r, 10);
  }
  return value;
}

/** Steps over a 64-bit varint exactly as protobufjs' long reader moves (its value is not needed). */
function skipVarint64(r: Reader): void {
  const buf = r.buf;
  let i = 0;
  if (r.len - r.pos > 4) {
    for (; i < 5; i++) if (buf[r.pos++]! < 128) return;
    i = 0;
  } else {
    for (; i < 3; i++) {
      if (r.pos >= r.len) throw outOfRange(r);
      if (buf[r.pos++]! < 128) return;
    }
    // protobufjs takes a fourth byte here without looking at it or at the bound.
    r.pos++;
    return;
  }
  if (r.len - r.pos > 4) {
    for (; i < 5; i++) if (buf[r.pos++]! < 128) return;
  } else {
    for (; i < 5; i++) {
      if (r.pos >= r.len) throw outOfRange(r);
      if (buf[r.pos++]! < 128) return;
    }
  }
  throw new Error('invalid varint encoding');
}

function string(r: Reader): string {
  const n = uint32(r);
  const start = r.pos;
  r.pos = Math.min(start + n, r.len);
  return r.buf.utf8Slice(start, r.pos);
}

/**
 * Header names and context_extensions keys come back from a bounded table when their bytes were
 * seen before: the same few dozen names arrive on every request, and a name from the table skips
 * both the UTF-8 decoding call and, being already internalized by V8, the string hashing when it
 * becomes a property key or a Map key. Only short pure-ASCII names are kept (their UTF-8 reading is
 * their bytes), and once NAMES_MAX are kept no more are added, so names a client makes up cannot
 * push the usual ones out or grow the table. The string is the one string() would have given.
 */
const NAME_SLOTS = 1024;
const NAMES_MAX = 384;
const NAME_MAX_BYTES = 48;
const names: (string | undefined)[] = new Array<string | undefined>(NAME_SLOTS).fill(undefined);
let namesKept = 0;
/** Each kept name lower-cased as the header collector does it (toLowerAscii), so a header name from the table is not scanned again per request. */
const lowerNames: (string | undefined)[] = new Array<string | undefined>(NAME_SLOTS).fill(undefined);
/**
 * Each kept name's bytes as little-endian 32-bit words (the last one holding the 0–3 bytes left
 * over, zero above them), WORDS_PER_NAME to a slot: a name is compared with the request's bytes a
 * word at a time (DataView reads, which V8 compiles to one load), where comparing it character by
 * character with charCodeAt cost ~700 instructions a name, the largest JavaScript function of a
 * cached Check (bench/README.md, perf21, perf24).
 */
const WORDS_PER_NAME = (NAME_MAX_BYTES >> 2) + 1;
const nameWords = new Int32Array(NAME_SLOTS * WORDS_PER_NAME);
/** The slot of the name `name` last returned, or -1 when it did not come from the table. */
let nameSlot = -1;

function name(r: Reader): string {
  const n = uint32(r);
  const start = r.pos;
  const end = Math.min(start + n, r.len);
  r.pos = end;
  return nameAt(r, start, end);
}

/** The name whose bytes are buf[start, end). */
function nameAt(r: Reader, start: number, end: number): string {
  const len = end - start;
  nameSlot = -1;
  if (len === 0 || len > NAME_MAX_BYTES) return r.buf.utf8Slice(start, end);
  const buf = r.buf;
  // A few bytes and the length pick the slot; the comparison below checks every byte.
  const h = Math.imul(len * 31 + buf[start]!, 0x01000193) ^ Math.imul(buf[end - 1]! * 131 + buf[start + (len >> 1)]!, 0x9e3779b1);
  for (let slot = h & (NAME_SLOTS - 1), probes = 0; probes < 8; slot = (slot + 1) & (NAME_SLOTS - 1), probes++) {
    const known = names[slot];
    if (known === undefined) {
      const s = buf.utf8Slice(start, end);
      if (namesKept < NAMES_MAX && isAscii(buf, start, end)) {
        keepWords(r, slot, start, len);
        names[slot] = internalized(s);
        lowerNames[slot] = internalized(toLowerAscii(s));
        namesKept++;
        nameSlot = slot;
        return names[slot]!;
      }
      return s;
    }
    // Equal to an ASCII string byte for byte: these bytes are ASCII, and that string is their reading.
    if (known.length === len && sameWords(r, slot, start, len)) {
      nameSlot = slot;
      return known;
    }
  }
  return buf.utf8Slice(start, end);
}

function isAscii(buf: Buffer, start: number, end: number): boolean {
  for (let i = start; i < end; i++) if (buf[i]! >= 0x80) return false;
  return true;
}

/** The 0–3 bytes after the name's whole words, as the word nameWords keeps for them. */
function tailWord(buf: Buffer, at: number, end: number): number {
  let w = 0;
  for (let i = end - 1; i >= at; i--) w = (w << 8) | buf[i]!;
  return w;
}

function keepWords(r: Reader, slot: number, start: number, len: number): void {
  const base = slot * WORDS_PER_NAME;
  const whole = len >> 2;
  const buf = r.buf;
  for (let w = 0, i = start; w < whole; w++, i += 4) nameWords[base + w] = buf[i]! | (buf[i + 1]! << 8) | (buf[i + 2]! << 16) | (buf[i + 3]! << 24);
  nameWords[base + whole] = tailWord(buf, start + (whole << 2), start + len);
}

/** Whether the `len` bytes at `start` are the kept name's in `slot`, whose length is `len`. */
function sameWords(r: Reader, slot: number, start: number, len: number): boolean {
  const base = slot * WORDS_PER_NAME;
  const whole = len >> 2;
  const buf = r.buf;
  for (let w = 0, i = start; w < whole; w++, i += 4) if ((buf[i]! | (buf[i + 1]! << 8) | (buf[i + 2]! << 16) | (buf[i + 3]! << 24)) !== nameWords[base + w]) return false;
  return (len & 3) === 0 || tailWord(buf, start + (whole << 2), start + len) === nameWords[base + whole];
}

/** V8 internalizes a string used as a property key; the kept copy is that one. */
function internalized(s: string): string {
  const o: Record<string, number> = { [s]: 0 };
  return Object.keys(o)[0]!;
}

function bytes(r: Reader): Buffer {
  const n = uint32(r);
  const start = r.pos;
  const end = start + n;
  if (end > r.len) throw outOfRange(r, n);
  r.pos = end;
  return start === end ? Buffer.alloc(0) : r.buf.subarray(start, end);
}

/** The end of a length-delimited part starting here; the reader's bound becomes that end. */
function enter(r: Reader): number {
  const end = uint32(r) + r.pos;
  if (end > r.len) throw new RangeError('index out of range');
  r.len = end;
  return end;
}

/** Back in the enclosing message: the part must have ended exactly at its length. */
function leave(r: Reader, end: number, outer: number): void {
  if (r.pos !== end) throw new RangeError('index out of range');
  r.len = outer;
}

function skipLength(r: Reader): void {
  const n = uint32(r);
  if (r.pos + n > r.len) throw outOfRange(r, n);
  r.pos += n;
}

/** An unknown field, by its wire type (protobufjs' skipType). */
function skipWire(r: Reader, wire: number, depth: number): void {
  if (depth > RECURSION_LIMIT) throw new Error('maximum nesting depth exceeded');
  switch (wire) {
    case 0:
      do {
        if (r.pos >= r.len) throw outOfRange(r);
      } while (r.buf[r.pos++]! & 128);
      return;
    case 1:
      if (r.pos + 8 > r.len) throw outOfRange(r, 8);
      r.pos += 8;
      return;
    case 2:
      skipLength(r);
      return;
    case 3:
      for (let w = uint32(r) & 7; w !== 4; w = uint32(r) & 7) skipWire(r, w, depth + 1);
      return;
    case 5:
      if (r.pos + 4 > r.len) throw outOfRange(r, 4);
      r.pos += 4;
      return;
    default:
      throw new Error(`invalid wire type ${wire} at offset ${r.pos}`);
  }
}

/** A field this decoder does not keep: read past as its declared type says, or by wire type when unknown. */
function skipField(r: Reader, kind: Kind | undefined, tag: number, depth: number): void {
  switch (kind) {
    case undefined:
      return skipWire(r, tag & 7, depth);
    case Kind.Varint32:
      uint32(r);
      return;
    case Kind.Varint64:
      return skipVarint64(r);
    case Kind.String: {
      const n = uint32(r);
      r.pos = Math.min(r.pos + n, r.len);
      return;
    }
    case Kind.Bytes:
      return skipLength(r);
    case Kind.Message: {
      // protobufjs would parse it; its bounds are all that can be checked without doing so.
      const outer = r.len;
      const end = enter(r);
      r.pos = end;
      r.len = outer;
      return;
    }
  }
}

/**
 * Declared kinds of the fields not kept, per message, indexed by field number (the test checks
 * them against the protos proto-loader loads).
 */
const ATTRIBUTE_CONTEXT_SKIPPED: readonly (Kind | undefined)[] = kinds({ 2: Kind.Message, 11: Kind.Message, 12: Kind.Message, 13: Kind.Message });
const PEER_SKIPPED = kinds({ 2: Kind.String, 3: Kind.Message });
const ADDRESS_SKIPPED = kinds({ 2: Kind.Message, 3: Kind.Message });
const SOCKET_ADDRESS_SKIPPED = kinds({ 1: Kind.Varint32, 3: Kind.Varint32, 4: Kind.String, 5: Kind.String, 6: Kind.Varint32 });
const REQUEST_SKIPPED = kinds({ 1: Kind.Message });
const HTTP_REQUEST_SKIPPED = kinds({ 1: Kind.String, 7: Kind.String, 8: Kind.String, 9: Kind.Varint64, 10: Kind.String });
const NONE_SKIPPED = kinds({});

function kinds(byField: Record<number, Kind>): (Kind | undefined)[] {
  const out: (Kind | undefined)[] = [];
  for (const [n, k] of Object.entries(byField)) out[Number(n)] = k;
  return out;
}

/** Exported for the test that checks the tables above against the protos. */
export const SKIPPED_FIELD_KINDS = {
  'envoy.service.auth.v3.AttributeContext': ATTRIBUTE_CONTEXT_SKIPPED,
  'envoy.service.auth.v3.AttributeContext.Peer': PEER_SKIPPED,
  'envoy.config.core.v3.Address': ADDRESS_SKIPPED,
  'envoy.config.core.v3.SocketAddress': SOCKET_ADDRESS_SKIPPED,
  'envoy.service.auth.v3.AttributeContext.Request': REQUEST_SKIPPED,
  'envoy.service.auth.v3.AttributeContext.HttpRequest': HTTP_REQUEST_SKIPPED,
} as const;
export const KIND_NAMES: Readonly<Record<number, string>> = { [Kind.Varint32]: 'varint32', [Kind.Varint64]: 'varint64', [Kind.String]: 'string', [Kind.Bytes]: 'bytes', [Kind.Message]: 'message' };

function checkDepth(depth: number): void {
  if (depth > RECURSION_LIMIT) throw new Error('maximum nesting depth exceeded');
}

/** A map<string, string> entry into `map`, as protobufjs fills a map and toObject copies it. */
function mapEntry(r: Reader, map: Record<string, string>, depth: number): void {
  readEntry(r, depth);
  setEntry(map, entryKey, entryValue);
}

function setEntry(map: Record<string, string>, k: string, value: string): void {
  if (k === '__proto__' && !Object.hasOwn(map, k)) Object.defineProperty(map, k, { value, enumerable: true, configurable: true, writable: true });
  else map[k] = value;
}


/** readEntry's result, without an array per entry. */
let entryKey = '';
let entryValue = '';
let entrySlot = -1;

function readEntry(r: Reader, depth: number): void {
  const outer = r.len;
  const end = enter(r);
  let k = '';
  let slot = -1;
  let value = '';
  while (r.pos < end) {
    const tag = uint32(r);
    switch (tag >>> 3) {
      case 1:
        k = name(r);
        slot = nameSlot;
        break;
      case 2:
        value = string(r);
        break;
      default:
        skipWire(r, tag & 7, depth);
    }
  }
  leave(r, end, outer);
  entryKey = k;
  entryValue = value;
  entrySlot = slot;
}

/**
 * A headers entry as Envoy writes it (key then value, each once; the key's length of one byte, the
 * entry's and the value's of one or two), read into entryKey/entryValue/entrySlot as readEntry would read it, without its
 * loop; false, with nothing read, for any other layout, which readEntry then reads (and refuses
 * where it must). For this layout readEntry takes the same steps: the entry's length, tag 1 and
 * the key by name(), tag 2 and the value by string(), ending exactly at the entry's length.
 */
function headerEntry(r: Reader): boolean {
  const buf = r.buf;
  let at = r.pos;
  const outer = r.len;
  if (at + 4 > outer) return false;
  let size = buf[at++]!;
  if (size >= 0x80) {
    if (buf[at]! >= 0x80) return false;
    size = (size & 0x7f) | (buf[at++]! << 7);
  }
  const end = at + size;
  if (end > outer || buf[at] !== 0x0a) return false;
  const keyEnd = at + 2 + buf[at + 1]!;
  if (buf[at + 1]! >= 0x80 || keyEnd + 2 > end || buf[keyEnd] !== 0x12) return false;
  let valueStart = keyEnd + 2;
  let valueLength = buf[keyEnd + 1]!;
  if (valueLength >= 0x80) {
    if (valueStart >= end || buf[valueStart]! >= 0x80) return false;
    valueLength = (valueLength & 0x7f) | (buf[valueStart]! << 7);
    valueStart++;
  }
  if (valueStart + valueLength !== end) return false;
  entryKey = nameAt(r, at + 2, keyEnd);
  entrySlot = nameSlot;
  entryValue = buf.utf8Slice(valueStart, end);
  r.pos = end;
  return true;
}

/** The `headers` accessor of a decoded HttpRequest: builds the object from the entries on first read, then stays a plain property. */
function headersFromEntries(this: Message): Record<string, string> | undefined {
  const entries = this[HEADER_ENTRIES] as string[] | undefined;
  // An HttpRequest without headers has none, as toObject leaves the empty map out.
  if (entries === undefined) return undefined;
  const map: Record<string, string> = {};
  for (let i = 0; i < entries.length; i += 3) setEntry(map, entries[i]!, entries[i + 2]!);
  Object.defineProperty(this, 'headers', { value: map, enumerable: true, configurable: true, writable: true });
  return map;
}

function replaceHeaders(this: Message, value: unknown): void {
  Object.defineProperty(this, 'headers', { value, enumerable: true, configurable: true, writable: true });
}

/**
 * The prototype of a decoded HttpRequest, holding its `headers` accessor. Defining the accessor on
 * each message was an `Object.defineProperty` per Check (~3k instructions under callgrind, most of
 * it turning the descriptor object into a property); a prototype made once costs nothing per
 * message. `headers` is then an own property only once read or written (Object.keys, spread and
 * JSON see it after that), which no reader of a decoded request depends on: they read it by name.
 */
const HTTP_REQUEST: object = Object.create(Object.prototype, { headers: { get: headersFromEntries, set: replaceHeaders, enumerable: false, configurable: true } }) as object;

type Message = Record<string | symbol, unknown>;

/** A sub-message's fields, read by `field` for the numbers it keeps (true) and skipped by `skipped` otherwise. */
function message(r: Reader, depth: number, skipped: readonly (Kind | undefined)[], field: (r: Reader, m: Message, n: number, depth: number) => boolean, proto?: object): Message {
  checkDepth(depth);
  const outer = r.len;
  const end = enter(r);
  const m: Message = proto === undefined ? {} : (Object.create(proto) as Message);
  while (r.pos < end) {
    const tag = uint32(r);
    const n = tag >>> 3;
    if (!field(r, m, n, depth)) skipField(r, skipped[n], tag, depth);
  }
  leave(r, end, outer);
  return m;
}

/** Maps and lists are built during the read, and dropped at the end when empty, as toObject drops them. */
function dropEmpty(m: Message, key: string): void {
  const v = m[key] as object | undefined;
  if (v !== undefined && (Array.isArray(v) ? v.length === 0 : Object.keys(v).length === 0)) delete m[key];
}

function headerValue(r: Reader, m: Message, n: number): boolean {
  if (n === 1) m.key = name(r);
  else if (n === 2) m.value = string(r);
  else if (n === 3) m.raw_value = bytes(r);
  else return false;
  return true;
}

function headerMap(r: Reader, m: Message, n: number, depth: number): boolean {
  if (n !== 1) return false;
  const list = (m.headers ??= []) as Message[];
  list.push(message(r, depth + 1, NONE_SKIPPED, headerValue));
  return true;
}

function httpRequest(r: Reader, m: Message, n: number, depth: number): boolean {
  switch (n) {
    case 2:
      m.method = string(r);
      return true;
    case 3: {
      if (!headerEntry(r)) readEntry(r, depth);
      const lower = entrySlot >= 0 ? lowerNames[entrySlot]! : toLowerAscii(entryKey);
      const entries = m[HEADER_ENTRIES] as string[] | undefined;
      if (entries === undefined) m[HEADER_ENTRIES] = [entryKey, lower, entryValue];
      else entries.push(entryKey, lower, entryValue);
      return true;
    }
    case 4:
      m.path = string(r);
      return true;
    case 5:
      m.host = string(r);
      return true;
    case 6:
      m.scheme = string(r);
      return true;
    case 11:
      m.body = string(r);
      return true;
    case 12:
      m.raw_body = bytes(r);
      return true;
    case 13: {
      const hm = message(r, depth + 1, NONE_SKIPPED, headerMap);
      dropEmpty(hm, 'headers');
      m.header_map = hm;
      return true;
    }
    default:
      return false;
  }
}

function request(r: Reader, m: Message, n: number, depth: number): boolean {
  if (n !== 2) return false;
  // A symbol key is not among the message's fields (Object.keys, for…in, JSON); an empty map stays absent.
  const http = message(r, depth + 1, HTTP_REQUEST_SKIPPED, httpRequest, HTTP_REQUEST);
  m.http = http;
  return true;
}

function socketAddress(r: Reader, m: Message, n: number): boolean {
  if (n !== 2) return false;
  m.address = string(r);
  return true;
}

function address(r: Reader, m: Message, n: number, depth: number): boolean {
  if (n !== 1) return false;
  m.socket_address = message(r, depth + 1, SOCKET_ADDRESS_SKIPPED, socketAddress);
  return true;
}

function peer(r: Reader, m: Message, n: number, depth: number): boolean {
  if (n === 1) m.address = message(r, depth + 1, ADDRESS_SKIPPED, address);
  else if (n === 4) m.principal = string(r);
  // AttributeContext.Peer.certificate: URL-encoded PEM, with include_peer_certificate only.
  else if (n === 5) m.certificate = string(r);
  else return false;
  return true;
}

function attributeContext(r: Reader, m: Message, n: number, depth: number): boolean {
  switch (n) {
    case 1:
      m.source = message(r, depth + 1, PEER_SKIPPED, peer);
      return true;
    case 4:
      m.request = message(r, depth + 1, REQUEST_SKIPPED, request);
      return true;
    case 10:
      mapEntry(r, (m.context_extensions ??= {}) as Record<string, string>, depth);
      return true;
    default:
      return false;
  }
}

/** grpc-js' requestDeserialize for Check. Throws on what protobufjs would throw on (grpc-js then answers INTERNAL). */
export function decodeCheckRequest(buf: Buffer): CheckRequestMessage {
  const r = new Reader(buf);
  const out: Message = {};
  while (r.pos < r.len) {
    const tag = uint32(r);
    if (tag >>> 3 === 1) {
      const attrs = message(r, 1, ATTRIBUTE_CONTEXT_SKIPPED, attributeContext);
      dropEmpty(attrs, 'context_extensions');
      out.attributes = attrs;
    } else {
      skipWire(r, tag & 7, 0);
    }
  }
  return out as CheckRequestMessage;
}
