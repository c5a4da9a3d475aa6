import { Buffer } from 'node:buffer';

/**
 * A CBOR encoder for tests that writes what kube's own encoder writes (apimachinery
 * runtime/serializer/cbor/internal/modes/encode.go): the self-described tag 55799 in front, every
 * string and field name as a byte string (`StringToByteString`, `FieldNameToByteString`), integers
 * in their shortest head, other numbers as float64, maps in the order given. `strings: 'text'`
 * writes text strings instead, as another client may. JSON-shaped values only.
 */
export interface CborEncodeOptions {
  selfDescribed?: boolean;
  strings?: 'bytes' | 'text';
}

export function encodeCbor(value: unknown, opts: CborEncodeOptions = {}): Uint8Array {
  const out: number[] = [];
  if (opts.selfDescribed !== false) out.push(0xd9, 0xd9, 0xf7);
  const stringMajor = opts.strings === 'text' ? 3 : 2;
  const write = (v: unknown): void => {
    if (v === null) out.push(0xf6);
    else if (v === false) out.push(0xf4);
    else if (v === true) out.push(0xf5);
    else if (typeof v === 'number') {
      if (Number.isInteger(v) && Math.abs(v) <= Number.MAX_SAFE_INTEGER && !Object.is(v, -0)) {
        if (v >= 0) cborHead(out, 0, v);
        else cborHead(out, 1, -1 - v);
      } else {
        const b = Buffer.alloc(8);
        b.writeDoubleBE(v);
        out.push(0xfb, ...b);
      }
    } else if (typeof v === 'string') {
      const b = Buffer.from(v, 'utf8');
      cborHead(out, stringMajor, b.length);
      for (const x of b) out.push(x);
    } else if (Array.isArray(v)) {
      cborHead(out, 4, v.length);
      for (const x of v) write(x);
    } else if (typeof v === 'object') {
      const entries = Object.entries(v as Record<string, unknown>).filter(([, x]) => x !== undefined);
      cborHead(out, 5, entries.length);
      for (const [k, x] of entries) {
        write(k);
        write(x);
      }
    } else {
      throw new TypeError(`cannot encode ${typeof v}`);
    }
  };
  write(value);
  return Uint8Array.from(out);
}

/** Appends a head of major type `major` with argument `n` in its shortest form. */
export function cborHead(out: number[], major: number, n: number): void {
  const m = major << 5;
  if (n < 24) out.push(m | n);
  else if (n < 0x100) out.push(m | 24, n);
  else if (n < 0x10000) out.push(m | 25, n >> 8, n & 0xff);
  else if (n < 0x100000000) out.push(m | 26, (n >>> 24) & 0xff, (n >>> 16) & 0xff, (n >>> 8) & 0xff, n & 0xff);
  else {
    const hi = Math.floor(n / 2 ** 32);
    const lo = n >>> 0;
    out.push(m | 27, (hi >>> 24) & 0xff, (hi >>> 16) & 0xff, (hi >>> 8) & 0xff, hi & 0xff, (lo >>> 24) & 0xff, (lo >>> 16) & 0xff, (lo >>> 8) & 0xff, lo & 0xff);
  }
}

/** Bytes from hex, spaces allowed: `hex('d9d9f7 a1 41 61 01')`. */
export const hex = (h: string): Uint8Array => Uint8Array.from(Buffer.from(h.replace(/\s+/g, ''), 'hex'));

/** A byte string (major 2) or text string (major 3) of `s`, head included. */
export function cborString(s: string, major: 2 | 3 = 2): number[] {
  const b = Buffer.from(s, 'utf8');
  const out: number[] = [];
  cborHead(out, major, b.length);
  return [...out, ...b];
}
