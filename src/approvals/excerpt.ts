import type { KubeRequestInfo } from '../request/kube.js';
import { readable } from '../core/readable.js';

/**
 * What the approver reads of a body: the text as sent (never a re-serialisation, which would drop
 * a duplicate key the API server still applies), JSON re-indented token by token so a one-line
 * kubectl body is readable, clipped. Values an approver must not see, or cannot read, are
 * withheld with a sentence saying why; the digest still binds every byte.
 */
export interface BodyExcerpt {
  /** The text to show; undefined when withheld. */
  text?: string;
  /** The text was longer than MAX_EXCERPT and was cut. */
  clipped?: boolean;
  /** Why nothing is shown. */
  withheld?: string;
}

/** The object a write names, read from the body; every field best effort ('' when not stated). */
export interface WrittenObject {
  kind: string;
  apiVersion: string;
  namespace: string;
  name: string;
}

export const MAX_EXCERPT = 8192;
/** Resources whose bodies carry credentials: never stored in the approval, never shown. */
const WITHHELD = new Map([
  ['/secrets', 'Secret contents'],
  ['authentication.k8s.io/tokenreviews', 'TokenReview bodies (they carry a token)'],
]);
const MAX_FIELD = 253;
/** Deeper JSON is indented no further: the text stays bounded and the work linear. */
const MAX_INDENT = 40;

export function bodyExcerpt(kube: KubeRequestInfo | undefined, body: Uint8Array | string | undefined, contentType: string | undefined): BodyExcerpt | undefined {
  if (body === undefined) return undefined;
  // Only Kubernetes objects are shown: another upstream's body may be a login form.
  if (!kube) return { withheld: 'bodies of requests to other hosts than the Kubernetes API are not shown; the digest binds them.' };
  const secret = WITHHELD.get(`${kube.apiGroup}/${kube.resource}`);
  if (secret) return { withheld: `${secret} are not shown; the digest binds them.` };
  const media = (contentType ?? '').split(';')[0]!.trim().toLowerCase();
  if (media.includes('protobuf') || media === 'application/cbor' || media.endsWith('+cbor')) return { withheld: `binary body (${media}); the digest binds it.` };
  const text = utf8(body);
  if (text === undefined) return { withheld: 'the body is not UTF-8 text; the digest binds it.' };
  const pretty = media === 'application/json' || media.endsWith('+json') ? indentJson(text) : text;
  // Clip before escaping (a 1 MiB body costs no more than a small one), and after (escapes grow it).
  const shown = readable(pretty.slice(0, MAX_EXCERPT));
  return pretty.length > MAX_EXCERPT || shown.length > MAX_EXCERPT ? { text: shown.slice(0, MAX_EXCERPT), clipped: true } : { text: shown };
}

/**
 * kind, apiVersion and metadata's namespace and name of a JSON body (what kubectl sends). Read
 * with JSON.parse, which keeps the last of repeated keys; the page shows the raw body next to it.
 */
export function writtenObject(body: Uint8Array | string | undefined, contentType: string | undefined): WrittenObject | undefined {
  if (body === undefined) return undefined;
  const media = (contentType ?? '').split(';')[0]!.trim().toLowerCase();
  if (media !== 'application/json' && !media.endsWith('+json')) return undefined;
  const text = utf8(body);
  if (text === undefined) return undefined;
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (!isObj(v)) return undefined;
  const meta = isObj(v.metadata) ? v.metadata : {};
  const o = { kind: field(v.kind), apiVersion: field(v.apiVersion), namespace: field(meta.namespace), name: field(meta.name) };
  return o.kind || o.apiVersion || o.namespace || o.name ? o : undefined;
}

function utf8(body: Uint8Array | string): string | undefined {
  if (typeof body === 'string') return body;
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(body);
  } catch {
    return undefined;
  }
}

/**
 * Re-indents JSON text without parsing it into values: every key, duplicate or not, stays where
 * it was. Invalid JSON comes out re-indented as far as it goes, never refused: the page only
 * shows it. One pass, output bounded by MAX_EXCERPT (the caller clips; this stops early).
 */
export function indentJson(text: string): string {
  let out = '';
  let depth = 0;
  let inString = false;
  const nl = () => `\n${'  '.repeat(Math.min(depth, MAX_INDENT))}`;
  for (let i = 0; i < text.length && out.length <= MAX_EXCERPT; i++) {
    const c = text[i]!;
    if (inString) {
      out += c;
      if (c === '\\' && i + 1 < text.length) out += text[++i];
      else if (c === '"') inString = false;
      continue;
    }
    if (c === ' ' || c === '\n' || c === '\r' || c === '\t') continue;
    if (c === '"') {
      inString = true;
      out += c;
    } else if (c === '{' || c === '[') {
      const close = c === '{' ? '}' : ']';
      let j = i + 1;
      while (j < text.length && /\s/.test(text[j]!)) j++;
      if (text[j] === close) {
        out += c + close;
        i = j;
      } else {
        depth++;
        out += c + nl();
      }
    } else if (c === '}' || c === ']') {
      depth = Math.max(0, depth - 1);
      out += nl() + c;
    } else if (c === ',') {
      out += c + nl();
    } else if (c === ':') {
      out += ': ';
    } else {
      out += c;
    }
  }
  return out;
}

function field(v: unknown): string {
  return typeof v === 'string' ? v.slice(0, MAX_FIELD) : '';
}

function isObj(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
