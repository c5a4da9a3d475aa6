import { Buffer } from 'node:buffer';

/**
 * The Kubernetes WebSocket bearer subprotocol. Browsers cannot set Authorization on a WebSocket,
 * so kube-apiserver also accepts the token as a subprotocol
 * `base64url.bearer.authorization.k8s.io.<token, base64url without padding>`
 * (k8s.io/apiserver pkg/authentication/request/websocket): every Sec-WebSocket-Protocol header is
 * split on `,`, each element trimmed; an element with that exact prefix carries the token; more
 * than one such element, a token that is not strict unpadded base64url or not UTF-8, or a token
 * with no other subprotocol beside it fail there. It is a credential like Authorization, so
 * stepgate verifies it exactly like one.
 *
 * Anything stepgate cannot read the way kube reads it is refused rather than ignored: an element
 * that mentions the prefix without starting with it after trimming blanks (Go trims Unicode space
 * too, so `\u00a0base64url.bearer…` is a token to kube), an empty token, two token elements.
 */
export const WS_BEARER_PREFIX = 'base64url.bearer.authorization.k8s.io.';
const MARKER = 'bearer.authorization.k8s.io';
const BASE64URL = /^[A-Za-z0-9_-]*$/;

export type WebSocketBearer =
  | { kind: 'none' }
  | { kind: 'token'; token: string }
  | { kind: 'malformed'; detail: string };

const NONE: WebSocketBearer = Object.freeze({ kind: 'none' });

/** The bearer token in a (joined) Sec-WebSocket-Protocol header, if any. */
export function websocketBearer(header: string | undefined): WebSocketBearer {
  if (header === undefined || !header.toLowerCase().includes(MARKER)) return NONE;
  let token: string | undefined;
  let others = 0;
  for (const element of header.split(',')) {
    const p = trimBlanks(element);
    if (!p.startsWith(WS_BEARER_PREFIX)) {
      if (p.toLowerCase().includes(MARKER)) {
        return { kind: 'malformed', detail: 'a WebSocket subprotocol names the bearer prefix in a form this gateway does not read' };
      }
      if (p !== '') others++;
      continue;
    }
    if (token !== undefined) return { kind: 'malformed', detail: 'more than one WebSocket bearer subprotocol' };
    const encoded = p.slice(WS_BEARER_PREFIX.length);
    // RawURLEncoding: no padding, and a length that leaves 1 spare character is not a byte string.
    if (encoded === '' || !BASE64URL.test(encoded) || encoded.length % 4 === 1) {
      return { kind: 'malformed', detail: 'the WebSocket bearer subprotocol is not unpadded base64url' };
    }
    const bytes = Buffer.from(encoded, 'base64url');
    let decoded: string;
    try {
      decoded = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
    } catch {
      return { kind: 'malformed', detail: 'the WebSocket bearer subprotocol is not UTF-8' };
    }
    if (decoded === '') return { kind: 'malformed', detail: 'the WebSocket bearer subprotocol carries an empty token' };
    token = decoded;
  }
  if (token === undefined) return NONE;
  if (others === 0) return { kind: 'malformed', detail: 'the WebSocket bearer subprotocol needs another subprotocol beside it' };
  return { kind: 'token', token };
}

/**
 * The element without leading and trailing spaces and tabs. `replace(/^[ \t]+|[ \t]+$/g, '')`
 * retried `[ \t]+$` from every blank of a run that something other than a blank ends, so one
 * element of `x`, 16,000 spaces and `x` (within the default limits.max_header_bytes) cost 104 ms,
 * 64,000 spaces 1.7 s, before any token was checked.
 */
function trimBlanks(s: string): string {
  let start = 0;
  let end = s.length;
  while (start < end && isBlank(s.charCodeAt(start))) start++;
  while (end > start && isBlank(s.charCodeAt(end - 1))) end--;
  return s.slice(start, end);
}

function isBlank(c: number): boolean {
  return c === 0x20 || c === 0x09;
}
