import { Buffer } from 'node:buffer';

/**
 * A `[]byte` value of a ConfigMap's `binaryData` or a Secret's `data` as the text a program that
 * reads the file sees (configmap-scripts.ts, carried.ts). In JSON and YAML the value is base64 (kube
 * refuses any other text there); in CBOR, a byte string without tag 22 (or a text string) is the
 * bytes themselves, which kube stores as they are, while cbor.ts reads every string alike: a value
 * that is not base64 is read as the text it is (`binaryData: {run.sh: h'curl … | sh'}` is the script
 * it stores, `data: {crs.yaml: h'apiVersion: …'}` the manifest).
 *
 * The decoded bytes are read by their byte-order mark: UTF-16 (PowerShell writes a `.ps1` so, and
 * runs one so written: `iex …` in UTF-16 is not `iex …` read as UTF-8) or UTF-8's own; with none,
 * UTF-8.
 */
export function binaryText(value: string): string {
  const bare = value.replace(/[\r\n]/g, '');
  if (bare.length % 4 !== 0 || !/^[A-Za-z0-9+/]*={0,2}$/.test(bare)) return value;
  return bytesText(Buffer.from(bare, 'base64'));
}

function bytesText(bytes: Buffer): string {
  if (bytes[0] === 0xff && bytes[1] === 0xfe) return bytes.subarray(2).toString('utf16le');
  if (bytes[0] === 0xfe && bytes[1] === 0xff) {
    // UTF-16BE: Node reads only little-endian; each pair swapped (an odd last byte dropped, as a reader does).
    const le = Buffer.from(bytes.subarray(2, 2 + ((bytes.length - 2) & ~1)));
    le.swap16();
    return le.toString('utf16le');
  }
  const body = bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf ? bytes.subarray(3) : bytes;
  // Bytes that are no UTF-8 read as U+FFFD (an ASCII byte is never taken into one: `|`, `;` stay).
  return body.toString('utf8');
}
