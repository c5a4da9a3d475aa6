/**
 * A minimal protobuf wire-format reader for the Kubernetes body decoder (guardrails/protobuf) and
 * Argo CD's gRPC PodLogs query (request/web-apis-argocd-grpc.ts). It reads integers the
 * way kube-apiserver's generated Go code does, because a body is judged by what the server will
 * store: a varint is at most 10 bytes, bits past the 64th are dropped (so a 10-byte varint can
 * still read as 0), and a field number is the low 32 bits of the tag shifted right by 3. Anything
 * the Go code refuses (overlong varint, length past the end, illegal wire type) throws a
 * WireError, which the decoder turns into an unreadable body.
 */

export class WireError extends Error {}

export const WIRE_VARINT = 0;
export const WIRE_FIXED64 = 1;
export const WIRE_LEN = 2;
export const WIRE_START_GROUP = 3;
export const WIRE_END_GROUP = 4;
export const WIRE_FIXED32 = 5;

const utf8 = new TextDecoder('utf-8', { fatal: true });

export class Reader {
  pos: number;

  constructor(
    readonly buf: Uint8Array,
    start: number,
    readonly end: number,
  ) {
    this.pos = start;
  }

  get done(): boolean {
    return this.pos >= this.end;
  }

  /**
   * The varint as an unsigned 64-bit value. Short varints (the usual case: tags, lengths, small
   * numbers) stay a number; from the fifth byte on the value is built as a bigint, exactly.
   */
  varint(): number | bigint {
    let result = 0;
    for (let i = 0; i < 4; i++) {
      const b = this.byte();
      result |= (b & 0x7f) << (7 * i);
      if (b < 0x80) return result;
    }
    let big = BigInt(result);
    for (let shift = 28n; ; shift += 7n) {
      if (shift >= 64n) throw new WireError('varint longer than 10 bytes');
      const b = this.byte();
      big |= BigInt(b & 0x7f) << shift;
      if (b < 0x80) return BigInt.asUintN(64, big);
    }
  }

  /** The wire type of the tag read last. */
  wire = 0;

  /** A tag: returns the field number (Go: int32(wire >> 3)) and sets `wire`. */
  tag(): number {
    const v = this.varint();
    if (typeof v === 'number') {
      this.wire = v & 7;
      return v >>> 3;
    }
    this.wire = Number(v & 7n);
    return Number(BigInt.asIntN(32, v >> 3n));
  }

  /** A length-delimited field: its [start, end) within the buffer, after checking it fits. */
  span(): [number, number] {
    const len = this.varint();
    const remaining = this.end - this.pos;
    if (typeof len === 'bigint' || len > remaining) throw new WireError('length runs past the end of the data');
    const start = this.pos;
    this.pos += len;
    return [start, this.pos];
  }

  string(): string {
    const [s, e] = this.span();
    // Most strings (names, images, flags) are short ASCII: built directly, without a decoder call.
    if (e - s <= 64) {
      let out = '';
      let i = s;
      for (; i < e; i++) {
        const b = this.buf[i]!;
        if (b >= 0x80) break;
        out += String.fromCharCode(b);
      }
      if (i === e) return out;
    }
    try {
      return utf8.decode(this.buf.subarray(s, e));
    } catch {
      throw new WireError('a string field is not valid UTF-8');
    }
  }

  bytes(): Uint8Array {
    const [s, e] = this.span();
    return this.buf.subarray(s, e);
  }

  /** Skips a field this decoder does not read. Groups are refused: no Kubernetes client sends them. */
  skip(wire: number): void {
    switch (wire) {
      case WIRE_VARINT:
        this.varint();
        return;
      case WIRE_FIXED64:
        this.advance(8);
        return;
      case WIRE_LEN:
        this.span();
        return;
      case WIRE_FIXED32:
        this.advance(4);
        return;
      default:
        throw new WireError(`wire type ${wire} is not accepted`);
    }
  }

  private advance(n: number): void {
    if (this.end - this.pos < n) throw new WireError('fixed-size field runs past the end of the data');
    this.pos += n;
  }

  private byte(): number {
    if (this.pos >= this.end) throw new WireError('data ends inside a varint');
    return this.buf[this.pos++]!;
  }
}

/** Go's bool(v != 0) over the full 64-bit value. */
export function asBool(v: number | bigint): boolean {
  return typeof v === 'number' ? v !== 0 : v !== 0n;
}

/** Go's int32 conversion: the low 32 bits, signed. */
export function asInt32(v: number | bigint): number {
  return typeof v === 'number' ? v | 0 : Number(BigInt.asIntN(32, v));
}

/** Go's int64 conversion; values beyond 2^53 lose precision, but 0 and small values stay exact. */
export function asInt64(v: number | bigint): number {
  return typeof v === 'number' ? v : Number(BigInt.asIntN(64, v));
}
