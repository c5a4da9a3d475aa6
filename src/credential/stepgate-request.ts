import { Buffer } from 'node:buffer';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';

export type StepgateAnswer = { kind: 'answer'; status: number; text: string } | { kind: 'error'; message: string };

export interface StepgateRequest {
  method: 'GET' | 'POST';
  /** The user's ID token, sent as a Bearer token. */
  token: string;
  /** A JSON body (POST). */
  body?: string;
  /** The cluster's CA bundle from KUBERNETES_EXEC_INFO when stepgate is reached through the API server's address. */
  ca: Buffer | undefined;
  timeoutMs: number;
}

/**
 * One request from the plugin to stepgate with the user's ID token (the challenge question, the
 * device enrolment). The token is a credential the cluster accepts: over plain http only to this
 * machine, as signin.ts allows an http issuer only on loopback. Elsewhere anyone on the path would
 * read it (and answer as it liked). The answer's first 64 KiB, as text; never throws.
 */
export function requestStepgate(url: string, r: StepgateRequest): Promise<StepgateAnswer> {
  return new Promise((resolve) => {
    let u: URL;
    try {
      u = new URL(url);
    } catch {
      resolve({ kind: 'error', message: `not a URL: ${url}` });
      return;
    }
    const send = u.protocol === 'https:' ? httpsRequest : u.protocol === 'http:' ? httpRequest : undefined;
    if (!send) {
      resolve({ kind: 'error', message: `unsupported scheme in ${url}` });
      return;
    }
    if (u.protocol === 'http:' && !isLoopbackHost(u.hostname)) {
      resolve({ kind: 'error', message: `not sending the token over plain http to ${u.host}: use https (--stepgate, or the cluster's server)` });
      return;
    }
    const headers: Record<string, string | number> = { authorization: `Bearer ${r.token}`, accept: 'application/json' };
    if (r.body !== undefined) {
      headers['content-type'] = 'application/json';
      headers['content-length'] = Buffer.byteLength(r.body);
    }
    const req = send(u, { method: r.method, headers, timeout: r.timeoutMs, ...(r.ca && u.protocol === 'https:' ? { ca: r.ca } : {}) }, (res) => {
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (c: Buffer) => {
        size += c.length;
        if (size <= 64 * 1024) chunks.push(c);
      });
      res.on('end', () => resolve({ kind: 'answer', status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', (err) => resolve({ kind: 'error', message: err.message }));
    });
    req.on('timeout', () => req.destroy(new Error(`no answer from ${u.origin} within ${r.timeoutMs} ms`)));
    req.on('error', (err) => resolve({ kind: 'error', message: err.message }));
    req.end(r.body);
  });
}

function isLoopbackHost(hostname: string): boolean {
  return hostname === 'localhost' || hostname === '[::1]' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(hostname);
}
