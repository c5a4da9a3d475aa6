import { Buffer, isUtf8 } from 'node:buffer';

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
  return decodedValue(value).text;
}

/**
 * binaryText's text, and whether the bytes were text in their encoding: `utf8` is false where
 * UTF-8 bytes (no byte-order mark, or UTF-8's) are not valid UTF-8, so the text holds U+FFFD for
 * bytes no text has (a keystore's, a DER certificate's, an image's, CBOR's), as against a U+FFFD
 * the value spells itself. A value that is not base64, or is UTF-16, is text.
 */
export function decodedValue(value: string): { readonly text: string; readonly utf8: boolean } {
  const bare = value.replace(/[\r\n]/g, '');
  if (bare.length % 4 !== 0 || !/^[A-Za-z0-9+/]*={0,2}$/.test(bare)) return { text: value, utf8: true };
  return bytesText(Buffer.from(bare, 'base64'));
}

function bytesText(bytes: Buffer): { readonly text: string; readonly utf8: boolean } {
  if (bytes[0] === 0xff && bytes[1] === 0xfe) return { text: bytes.subarray(2).toString('utf16le'), utf8: true };
  if (bytes[0] === 0xfe && bytes[1] === 0xff) {
    // UTF-16BE: Node reads only little-endian; each pair swapped (an odd last byte dropped, as a reader does).
    const le = Buffer.from(bytes.subarray(2, 2 + ((bytes.length - 2) & ~1)));
    le.swap16();
    return { text: le.toString('utf16le'), utf8: true };
  }
  const body = bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf ? bytes.subarray(3) : bytes;
  return { text: body.toString('utf8'), utf8: isUtf8(body) };
}
