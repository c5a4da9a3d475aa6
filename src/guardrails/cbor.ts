import { Buffer } from 'node:buffer';

/**
 * CBOR (RFC 8949) as kube-apiserver reads it, or a reason why stepgate will not guess.
 *
 * Kubernetes 1.32+ takes `application/cbor` for creates and updates and
 * `application/apply-patch+cbor` for server-side apply (KEP-4222). kube-apiserver decodes both with
 * apimachinery's `modes.Decode` (runtime/serializer/cbor/internal/modes/decode.go, fxamacker/cbor
 * v2); this reader yields the plain object that decode gives, the same one JSON.parse gives for the
 * JSON form, so the guardrails judge both alike. Where the two could differ, the body is
 * unreadable:
 *
 * - kube refuses it outright: a repeated map key (`DupMapKeyEnforcedAPF`; a byte-string key and a
 *   text-string key with the same bytes are the same key, as are two chunkings of one indefinite
 *   string), a text string that is not UTF-8, NaN or ±Infinity, an integer outside int64, a
 *   bignum (tags 2 and 3), `undefined` or another simple value, nesting deeper than 64 levels
 *   (a tag counts only when it encloses a tag), more than 1024 array elements or map pairs,
 *   anything after the one data item, a body that ends early, or bytes that are not well-formed
 *   CBOR;
 * - or stepgate cannot be sure: a map key that is not a string (kube ignores it when decoding into
 *   a typed object, refuses it into an unstructured one), a byte string that is not UTF-8 (kube
 *   keeps the raw bytes, which no JavaScript string holds), an integer beyond ±2^53 (a JavaScript
 *   number cannot hold it exactly), and any tag other than the ones kube's own encoder writes.
 *
 * What kube's encoder writes is read as kube reads it: the self-described CBOR tag 55799 in front
 * of the body (its magic number), strings as byte strings (`StringToByteString`, and field names
 * too), `[]byte` fields as a byte string under tag 22 (expected base64), which kube decodes to the
 * base64 text the JSON form carries. Indefinite-length items, which kube accepts though its
 * encoder never writes them, are read. Byte strings and text strings are one type to kube
 * (`DefaultByteStringType: string`, `ByteStringToString`, `FieldNameByteString`), and here.
 *
 * The reader is iterative per level and recursive only across levels, which are bounded at 64, so a
 * hostile body costs no more than one pass and a bounded stack.
 */

export type CborRead = { ok: true; value: unknown } | { ok: false; detail: string };

/** kube's `MaxNestedLevels`: arrays, maps and tags, the outermost item being level 1. */
export const CBOR_MAX_NESTED_LEVELS = 64;
/** kube's `MaxArrayElements` and `MaxMapPairs`. */
export const CBOR_MAX_ELEMENTS = 1024;
/** RFC 8949 §3.4.6; kube's encoder starts every body with it (0xd9d9f7). */
export const SELF_DESCRIBED_CBOR = 55799;
/** RFC 8949 §3.4.5.2, expected conversion to base64: how kube's encoder marks `[]byte`. */
const EXPECTED_BASE64 = 22;

const MAJOR_UNSIGNED = 0;
const MAJOR_NEGATIVE = 1;
const MAJOR_BYTES = 2;
const MAJOR_TEXT = 3;
const MAJOR_ARRAY = 4;
const MAJOR_MAP = 5;
const MAJOR_TAG = 6;
const INDEFINITE = 31;
const BREAK = 0xff;

/** A refusal: unwinds the reader to readCbor, which turns it into a detail. */
class Refusal extends Error {
  constructor(readonly detail: string) {
    super(detail);
  }
}

const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

export function readCbor(bytes: Uint8Array): CborRead {
  const r = new Reader(bytes);
  try {
    const value = r.top();
    if (r.pos !== bytes.length) throw new Refusal(`the CBOR body has ${bytes.length - r.pos} byte(s) after its data item (kube refuses extraneous data)`);
    return { ok: true, value };
  } catch (err) {
    if (err instanceof Refusal) return { ok: false, detail: err.detail };
    throw err;
  }
}

const MAJOR_NAMES = ['an unsigned integer', 'a negative integer', 'a byte string', 'a text string', 'an array', 'a map', 'a tag', 'a simple value or float'];

class Reader {
  pos = 0;
  /** Where the item being read began: details name it, so a refusal can be found in the body. */
  private at = 0;
  /** The argument of the head last read; `wide` when it does not fit a safe integer. */
  private arg = 0;
  private wide = false;
  /** Beyond int64 (kube's IntDecConvertSignedOrFail refuses it). */
  private beyondInt64 = false;

  constructor(private readonly b: Uint8Array) {}

  top(): unknown {
    // The self-described tag is kube's magic number; only here does stepgate take it as such.
    if (this.b[0] === 0xd9 && this.b[1] === 0xd9 && this.b[2] === 0xf7) this.pos = 3;
    return this.item(0);
  }

  private refuse(what: string): never {
    throw new Refusal(`the CBOR body at byte ${this.at} ${what}`);
  }

  private truncated(): never {
    throw new Refusal(`the CBOR body ends inside an item that starts at byte ${this.at}`);
  }

  /** The additional information of the head last read (its low five bits). */
  private ai = 0;

  /** Reads a head; returns its major type, leaves its argument in `arg` (-1: indefinite) and `ai`. */
  private head(): number {
    this.at = this.pos;
    if (this.pos >= this.b.length) this.truncated();
    const ib = this.b[this.pos++]!;
    const major = ib >> 5;
    const ai = ib & 31;
    this.ai = ai;
    this.wide = false;
    this.beyondInt64 = false;
    if (ai < 24) {
      this.arg = ai;
    } else if (ai === 24) {
      this.need(1);
      this.arg = this.b[this.pos++]!;
    } else if (ai === 25) {
      this.need(2);
      this.arg = (this.b[this.pos]! << 8) | this.b[this.pos + 1]!;
      this.pos += 2;
    } else if (ai === 26) {
      this.need(4);
      this.arg = this.u32(this.pos);
      this.pos += 4;
    } else if (ai === 27) {
      this.need(8);
      const hi = this.u32(this.pos);
      const lo = this.u32(this.pos + 4);
      this.pos += 8;
      this.arg = hi * 2 ** 32 + lo;
      this.wide = hi > 0x1fffff; // above 2^53 - 1
      this.beyondInt64 = hi >= 0x80000000;
    } else if (ai === INDEFINITE) {
      if (major === MAJOR_UNSIGNED || major === MAJOR_NEGATIVE || major === MAJOR_TAG) this.refuse(`has ${MAJOR_NAMES[major]} with an indefinite length (not well-formed)`);
      this.arg = -1;
    } else {
      this.refuse(`uses the reserved additional information ${ai} (not well-formed)`);
    }
    return major;
  }

  private u32(p: number): number {
    return ((this.b[p]! << 24) >>> 0) + ((this.b[p + 1]! << 16) | (this.b[p + 2]! << 8) | this.b[p + 3]!);
  }

  private need(n: number): void {
    if (this.pos + n > this.b.length) this.truncated();
  }

  /**
   * One data item at nesting `depth`: the number of arrays and maps around it. kube's limit counts
   * a tag only when its content is another tag (fxamacker/cbor valid.go, wellformedInternal), and
   * this reader refuses every tag on a tag, so no tag it reads is a level.
   */
  private item(depth: number): unknown {
    const major = this.head();
    switch (major) {
      case MAJOR_UNSIGNED:
        if (this.beyondInt64) this.refuse('has an integer above the int64 range (kube refuses it)');
        if (this.wide) this.refuse('has an integer beyond ±2^53, which stepgate cannot hold exactly');
        return this.arg;
      case MAJOR_NEGATIVE:
        // -1 - arg: int64's minimum is -1 - (2^63 - 1).
        if (this.beyondInt64) this.refuse('has an integer below the int64 range (kube refuses it)');
        if (this.wide) this.refuse('has an integer beyond ±2^53, which stepgate cannot hold exactly');
        return -1 - this.arg;
      case MAJOR_BYTES:
      case MAJOR_TEXT:
        return this.string(major, false);
      case MAJOR_ARRAY:
        return this.array(depth + 1);
      case MAJOR_MAP:
        return this.map(depth + 1);
      case MAJOR_TAG:
        return this.tag();
      default: // 7: simple values and floats
        return this.simple(this.ai);
    }
  }

  private level(depth: number): void {
    if (depth > CBOR_MAX_NESTED_LEVELS) this.refuse(`nests deeper than ${CBOR_MAX_NESTED_LEVELS} levels (kube refuses it)`);
  }

  private array(depth: number): unknown[] {
    this.level(depth);
    const out: unknown[] = [];
    if (this.arg >= 0) {
      const n = this.arg;
      if (n > CBOR_MAX_ELEMENTS) this.refuse(`has an array of ${n} elements; kube refuses more than ${CBOR_MAX_ELEMENTS}`);
      for (let i = 0; i < n; i++) out.push(this.item(depth));
      return out;
    }
    const start = this.at;
    for (;;) {
      if (this.breaks()) return out;
      if (out.length === CBOR_MAX_ELEMENTS) {
        this.at = start;
        this.refuse(`has an array of more than ${CBOR_MAX_ELEMENTS} elements (kube refuses it)`);
      }
      out.push(this.item(depth));
    }
  }

  /** Whether the next byte is the break that ends an indefinite-length item (consumed if so). */
  private breaks(): boolean {
    if (this.pos >= this.b.length) this.truncated();
    if (this.b[this.pos] !== BREAK) return false;
    this.pos++;
    return true;
  }

  private map(depth: number): Record<string, unknown> {
    this.level(depth);
    const out: Record<string, unknown> = {};
    const indefinite = this.arg < 0;
    const n = this.arg;
    const start = this.at;
    if (!indefinite && n > CBOR_MAX_ELEMENTS) this.refuse(`has a map of ${n} pairs; kube refuses more than ${CBOR_MAX_ELEMENTS}`);
    for (let i = 0; indefinite || i < n; i++) {
      if (indefinite) {
        if (this.breaks()) break;
        if (i === CBOR_MAX_ELEMENTS) {
          this.at = start;
          this.refuse(`has a map of more than ${CBOR_MAX_ELEMENTS} pairs (kube refuses it)`);
        }
      }
      const key = this.key();
      const keyAt = this.at;
      const value = this.item(depth);
      if (Object.hasOwn(out, key)) {
        this.at = keyAt;
        this.refuse(`repeats the map key ${JSON.stringify(key.length > 80 ? `${key.slice(0, 80)}…` : key)} (kube refuses duplicate keys)`);
      }
      if (key === '__proto__') Object.defineProperty(out, key, { value, enumerable: true, writable: true, configurable: true });
      else out[key] = value;
    }
    return out;
  }

  /** A map key: a byte or text string, read as the Go string kube compares and stores. */
  private key(): string {
    const major = this.head();
    if (major !== MAJOR_BYTES && major !== MAJOR_TEXT) {
      this.refuse(`has a map key that is ${MAJOR_NAMES[major]}, not a string (kube ignores it in a typed object and refuses it elsewhere)`);
    }
    return this.string(major, true);
  }

  /**
   * The string whose head was just read. kube reads both string types as Go strings; a text
   * string must be UTF-8 (kube refuses it otherwise), a byte string that is not cannot be held.
   */
  private string(major: number, isKey: boolean): string {
    const kind = major === MAJOR_TEXT ? 'text string' : 'byte string';
    if (this.arg < 0) {
      const start = this.at;
      const joined = this.chunks(major, kind);
      this.at = start;
      return this.text(joined, major, isKey);
    }
    return this.text(this.bytes(), major, isKey);
  }

  /**
   * The content of an indefinite-length string whose head was just read: definite-length chunks of
   * the same major type, up to the break. Their places are noted first and copied once, so a body
   * of 100,000 one-byte chunks costs no view or allocation per chunk.
   */
  private chunks(major: number, kind: string): Uint8Array {
    const places: number[] = [];
    let total = 0;
    for (;;) {
      if (this.breaks()) break;
      if (this.head() !== major || this.arg < 0) this.refuse(`has a chunk of an indefinite-length ${kind} that is not a definite-length ${kind} (not well-formed)`);
      if (this.wide || this.pos + this.arg > this.b.length) this.truncated();
      places.push(this.pos, this.arg);
      total += this.arg;
      this.pos += this.arg;
    }
    const out = new Uint8Array(total);
    let at = 0;
    for (let i = 0; i < places.length; i += 2) {
      const from = places[i]!;
      const n = places[i + 1]!;
      if (n > 64) out.set(this.b.subarray(from, from + n), at);
      else for (let j = 0; j < n; j++) out[at + j] = this.b[from + j]!;
      at += n;
    }
    return out;
  }

  /** The content of a definite-length string whose head was just read. */
  private bytes(): Uint8Array {
    if (this.wide || this.pos + this.arg > this.b.length) this.truncated();
    const out = this.b.subarray(this.pos, this.pos + this.arg);
    this.pos += this.arg;
    return out;
  }

  private text(bytes: Uint8Array, major: number, isKey: boolean): string {
    // Field names and most values are short ASCII: built directly, without the decoder's call.
    if (bytes.length <= 64) {
      let ascii = true;
      for (let i = 0; i < bytes.length; i++) {
        if (bytes[i]! >= 0x80) {
          ascii = false;
          break;
        }
      }
      if (ascii) return String.fromCharCode.apply(null, bytes as unknown as number[]);
    }
    try {
      return utf8.decode(bytes);
    } catch {
      if (major === MAJOR_TEXT) this.refuse('has a text string that is not valid UTF-8 (kube refuses it)');
      return this.refuse(`has a byte string${isKey ? ' map key' : ''} that is not UTF-8, which kube keeps as raw bytes and stepgate cannot hold`);
    }
  }

  private tag(): unknown {
    if (this.wide || this.arg !== EXPECTED_BASE64) {
      const number = this.wide ? 'beyond 2^53' : String(this.arg);
      if (this.arg === 2 || this.arg === 3) this.refuse(`has a bignum (tag ${number}; kube refuses it)`);
      if (this.arg === SELF_DESCRIBED_CBOR) this.refuse('has the self-described CBOR tag 55799 other than in front of the body');
      this.refuse(`has tag ${number}, which kube's encoder never writes and stepgate does not read`);
    }
    // Tag 22 on a byte string: kube decodes it to the base64 text the JSON form carries.
    const start = this.at;
    const major = this.head();
    if (major !== MAJOR_BYTES) {
      this.at = start;
      this.refuse(`has tag 22 (expected base64) on ${MAJOR_NAMES[major]}, not a byte string`);
    }
    const content = this.arg >= 0 ? this.bytes() : this.chunks(MAJOR_BYTES, 'byte string');
    return Buffer.from(content.buffer, content.byteOffset, content.byteLength).toString('base64');
  }

  /** Major type 7: false, true, null and floats; everything else kube refuses. */
  private simple(ai: number): unknown {
    switch (ai) {
      case 20:
        return false;
      case 21:
        return true;
      case 22:
        return null;
      case 25:
        return this.finite(half(this.arg));
      case 26:
        return this.finite(new DataView(this.b.buffer, this.b.byteOffset + this.pos - 4, 4).getFloat32(0));
      case 27:
        return this.finite(new DataView(this.b.buffer, this.b.byteOffset + this.pos - 8, 8).getFloat64(0));
      case INDEFINITE:
        return this.refuse('has a break outside an indefinite-length item (not well-formed)');
      case 24:
        if (this.arg < 32) this.refuse(`has simple value ${this.arg} in two bytes (not well-formed)`);
        return this.refuse(`has simple value ${this.arg} (kube refuses it)`);
      default:
        return this.refuse(ai === 23 ? 'has undefined (kube refuses it)' : `has simple value ${ai} (kube refuses it)`);
    }
  }

  private finite(x: number): number {
    if (Number.isNaN(x)) this.refuse('has a NaN (kube refuses it)');
    if (!Number.isFinite(x)) this.refuse('has an infinite number (kube refuses it)');
    return x;
  }
}

/** IEEE 754 half precision (RFC 8949 Appendix D). */
function half(h: number): number {
  const exp = (h >> 10) & 0x1f;
  const mant = h & 0x3ff;
  const sign = h & 0x8000 ? -1 : 1;
  if (exp === 0) return sign * mant * 2 ** -24;
  if (exp === 31) return mant === 0 ? sign * Infinity : NaN;
  return sign * (mant + 1024) * 2 ** (exp - 25);
}
