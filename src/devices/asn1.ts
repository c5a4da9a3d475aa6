import { Buffer } from 'node:buffer';
/** The DER of the first PEM block labelled `label`; undefined when there is none or it is not base64. */
export function pemBlock(pem: string, label: string): Buffer | undefined {
  const begin = `-----BEGIN ${label}-----`;
  const end = `-----END ${label}-----`;
  const a = pem.indexOf(begin);
  if (a < 0) return undefined;
  const b = pem.indexOf(end, a + begin.length);
  if (b < 0) return undefined;
  const body = pem.slice(a + begin.length, b).replace(/\s+/g, '');
  if (body === '' || !/^[A-Za-z0-9+/]+={0,2}$/.test(body)) return undefined;
  return Buffer.from(body, 'base64');
}

export function toPem(der: ArrayBuffer | Buffer, label: string): string {
  const b64 = Buffer.from(der as ArrayBuffer).toString('base64');
  return `-----BEGIN ${label}-----\n${b64.replace(/.{1,64}/g, '$&\n')}-----END ${label}-----\n`;
}
