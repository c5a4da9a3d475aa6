import { Buffer } from 'node:buffer';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { HeaderCollector, type HeaderLimits } from '../../request/headers.js';

/** Writes status, headers (repeatable names such as set-cookie kept apart) and body. */
export function send(res: ServerResponse, status: number, headers: readonly (readonly [string, string])[], body: string): void {
  const grouped = new Map<string, string[]>();
  for (const [k, v] of headers) {
    const list = grouped.get(k);
    if (list) list.push(v);
    else grouped.set(k, [v]);
  }
  for (const [k, v] of grouped) res.setHeader(k, v.length === 1 ? v[0]! : v);
  res.statusCode = status;
  // A Buffer, never a string: node:http writes the header block in the encoding of a string body
  // it is sent with (UTF-8), but alone as latin1. As a Buffer, header values are always one byte per
  // character, so a request header echoed back (the upstream Cookie) keeps its exact bytes.
  res.end(Buffer.from(body, 'utf8'));
}

/**
 * A header value as node:http can write it and a proxy reads it: the string's UTF-8 bytes, one
 * character each (latin1), since `send` writes header values byte for byte. Text from a token
 * (a name, an e-mail address, a group) may hold any character; node:http refuses one above U+00FF.
 */
export function utf8HeaderValue(v: string): string {
  // eslint-disable-next-line no-control-regex
  return /^[\u0000-\u007f]*$/.test(v) ? v : Buffer.from(v, 'utf8').toString('latin1');
}

/** The request's headers through the same collector (and limits) as gRPC CheckRequests. */
export function requestHeaders(req: IncomingMessage, limits: HeaderLimits) {
  const raw = req.rawHeaders;
  const c = new HeaderCollector(limits);
  for (let i = 0; i + 1 < raw.length; i += 2) if (!c.add(raw[i]!, raw[i + 1]!)) break;
  return c.result();
}

/**
 * Reads a body as bytes; undefined when it is larger than `max` bytes (the rest is drained) or the
 * request breaks off. Bytes, not text: a Kubernetes protobuf body is binary.
 */
export function readBytes(req: IncomingMessage, max: number): Promise<Buffer | undefined> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let done = false;
    const settle = (v: Buffer | undefined) => {
      if (!done) resolve(v);
      done = true;
    };
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > max) {
        chunks.length = 0;
        settle(undefined);
        return;
      }
      if (!done) chunks.push(c);
    });
    req.on('end', () => settle(Buffer.concat(chunks)));
    req.on('error', () => settle(undefined));
    req.on('aborted', () => settle(undefined));
    // A peer that goes away mid-body must still release its place in the in-flight bound.
    req.on('close', () => settle(undefined));
  });
}

/** Reads a small urlencoded body; undefined when it is larger than `max` bytes. */
export function readBody(req: IncomingMessage, max: number): Promise<string | undefined> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let done = false;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > max) {
        if (!done) resolve(undefined);
        done = true;
        req.resume();
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => {
      if (!done) resolve(Buffer.concat(chunks).toString('utf8'));
      done = true;
    });
    req.on('error', () => {
      if (!done) resolve(undefined);
      done = true;
    });
  });
}
