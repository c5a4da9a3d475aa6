import type { IncomingMessage, ServerResponse } from 'node:http';
import { collectHeaders, type HeaderLimits } from '../../request/headers.js';

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
  res.end(body);
}

/** The request's headers through the same collector (and limits) as gRPC CheckRequests. */
export function requestHeaders(req: IncomingMessage, limits: HeaderLimits) {
  const raw = req.rawHeaders;
  const pairs: [string, string][] = [];
  for (let i = 0; i + 1 < raw.length; i += 2) pairs.push([raw[i]!, raw[i + 1]!]);
  return collectHeaders(pairs, limits);
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
