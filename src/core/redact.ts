import { hash } from 'node:crypto';
import type { Identity } from './identity.js';

/**
 * The one place that decides what request and identity data may leave the process in spans,
 * metrics and log records (STYLE habit 9). Callers never put a header value, a token, a cookie
 * or a query string into telemetry themselves: they go through these helpers.
 */

export type SubjectMode = 'clear' | 'hashed';

const hashedSubjects = new WeakMap<Identity, string>();

/**
 * The subject as telemetry shows it. `hashed` is pseudonymous, not anonymous: the same subject
 * always gives the same value (so records still correlate), and anyone holding a list of
 * candidate subjects can recompute it. Identities are cached with their token, so the hash is
 * computed once per token, not per request.
 */
export function subjectFor(identity: Identity, mode: SubjectMode): string {
  if (mode === 'clear') return identity.subject;
  let h = hashedSubjects.get(identity);
  if (h === undefined) {
    h = hashSubject(identity.subject);
    hashedSubjects.set(identity, h);
  }
  return h;
}

export function hashSubject(subject: string): string {
  return `sha256:${hash('sha256', subject, 'hex').slice(0, 32)}`;
}

/**
 * The most characters of one request-controlled value (a path, a host, a kid, a subject, a
 * guardrail detail quoting an image name) that a log record, span attribute, Envoy metadata or
 * response carries. Enough to recognise the value; never the 12,000 characters a client can send.
 */
export const CLIP_CHARS = 256;

/**
 * The one clipping helper: a value that may be attacker-sized, bounded for telemetry and
 * answers. Values within `max` are returned as they are (no copy: the hot path pays one length
 * check); longer ones are cut, never inside a surrogate pair, and say how long they were.
 */
export function clip(value: string, max = CLIP_CHARS): string {
  if (value.length <= max) return value;
  let end = max;
  const last = value.charCodeAt(end - 1);
  if (last >= 0xd800 && last <= 0xdbff) end--;
  return `${value.slice(0, end)}…(${value.length} chars)`;
}

/** clip for optional values. */
export function clipped(value: string | undefined, max = CLIP_CHARS): string | undefined {
  return value === undefined || value.length <= max ? value : clip(value, max);
}

/**
 * Free text from a client (user agent, request id): bounded and without control characters,
 * so a hostile client cannot forge log lines or blow up a record.
 */
export function clientText(value: string | undefined, max = CLIP_CHARS): string | undefined {
  if (value === undefined || value === '') return undefined;
  // eslint-disable-next-line no-control-regex
  return clip(value.replace(/[\u0000-\u001f\u007f]/g, ''), max);
}

/**
 * Error texts that may quote a URL (a JWKS or discovery endpoint): user info and query string
 * are removed, because an operator may have put a credential there.
 */
export function redactUrls(text: string): string {
  // The query runs to the next space; punctuation that ends the sentence (`url: message`) stays.
  return text.replace(/\b(https?:\/\/)(?:[^\s/@]*@)?([^\s?#]*)(?:[?#][^\s)]*?)?([:;,.]?(?=\s|\)|$))/g, '$1$2$3');
}
