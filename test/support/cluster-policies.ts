import type { RequestAttributes } from '../../src/request/attributes.js';
import { kube } from './guardrails.js';

/** The request attributes checkGuardrails reads, for a Kubernetes call with a JSON body. */
export function requestAttributes(method: string, path: string, body?: unknown, contentType = 'application/json'): RequestAttributes {
  const headers = new Map<string, string>(body === undefined ? [] : [['content-type', contentType]]);
  return {
    kube: kube(method, path),
    // An exec's command is read from the query (container_command_egress).
    query: path.includes('?') ? path.slice(path.indexOf('?') + 1) : '',
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
    bodyTruncated: false,
  } as unknown as RequestAttributes;
}
