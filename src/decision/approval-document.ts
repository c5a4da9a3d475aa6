import type { Verdict } from './verdict.js';
import type { Identity } from '../core/identity.js';
import type { RequestAttributes } from '../request/attributes.js';
import { clientText } from '../core/redact.js';
import { bodyExcerpt, writtenObject, type BodyExcerpt, type WrittenObject } from '../approvals/excerpt.js';
import type { BoundHeader } from '../approvals/request-id.js';

/**
 * The JSON document stored with an approval (ApprovalStore's `data`): what the automation asked to
 * do, why it was stopped and, once decided, who decided. It is what a human reads before
 * approving, so it carries the request's attributes, the headers bound into the id, the object
 * written and a clipped, readable excerpt of a Kubernetes body (excerpt.ts: never a Secret's or a
 * TokenReview's, never another host's), and a bounded excerpt of the reasons. Never a credential.
 */
export interface ApprovalDocument {
  v: 1;
  /** `acts_for`: the people the pipeline runs for (automation.acts_for); absent when its issuer has no entry. */
  who: { issuer: string; subject: string; acts_for?: string[] };
  what: {
    method: string;
    host: string;
    path: string;
    /** Sorted query, as bound into the id. */
    query: string;
    kube?: { verb: string; group: string; version: string; resource: string; subresource: string; namespace: string; name: string };
    body: { digest: string; bytes: number } & BodyExcerpt;
    /** The headers bound into the id (request-id.ts), as bound. Absent in documents written before v2 ids. */
    headers?: BoundHeader[];
    /** kind, apiVersion, namespace and name the body states. */
    object?: WrittenObject;
  };
  why: {
    reason: string;
    required_level: string | undefined;
    max_age: number | undefined;
    rules: string[];
    guardrails: { code: string; detail: string; path?: string }[];
    risk: { code: string; weight: number }[];
  };
  /** Milliseconds since the epoch. */
  created_at: number;
  decision?: {
    state: 'approved' | 'rejected';
    by: { issuer: string; subject: string; level: string };
    at: number;
  };
}

const MAX_ITEMS = 10;
const MAX_TEXT = 300;
const MAX_HEADERS = 30;

export function buildDocument(
  v: Verdict,
  who: Identity,
  req: RequestAttributes,
  bound: { bodyDigest: string; bodyBytes: number; query: string; headers: BoundHeader[] },
  levelNames: readonly string[],
  nowMs: number,
): ApprovalDocument {
  const r = v.requirement;
  const k = req.kube;
  return {
    v: 1,
    who: who.actsFor === undefined ? { issuer: who.issuer, subject: who.subject } : { issuer: who.issuer, subject: who.subject, acts_for: [...who.actsFor] },
    what: {
      method: req.method,
      host: req.host,
      path: clientText(req.path, 2048) ?? '',
      query: clientText(bound.query, 2048) ?? '',
      kube: k
        ? { verb: k.verb, group: k.apiGroup, version: k.apiVersion, resource: k.resource, subresource: k.subresource, namespace: k.namespace, name: k.name }
        : undefined,
      body: { digest: bound.bodyDigest, bytes: bound.bodyBytes, ...bodyExcerpt(k, req.body, req.headers.get('content-type')) },
      headers: bound.headers.slice(0, MAX_HEADERS).map(([n, v]) => [clientText(n, MAX_TEXT) ?? '', clientText(v, MAX_TEXT) ?? ''] as BoundHeader),
      object: k ? writtenObject(req.body, req.headers.get('content-type')) : undefined,
    },
    why: {
      reason: v.reason,
      required_level: r && !r.deny && r.level >= 0 ? levelNames[r.level] : undefined,
      max_age: r && !r.deny ? r.maxAge : undefined,
      rules: r ? r.rules.slice(0, MAX_ITEMS) : [],
      guardrails: (v.guardrails?.result.violations ?? [])
        .slice(0, MAX_ITEMS)
        .map((x) => ({ code: x.code, detail: x.detail.slice(0, MAX_TEXT), ...(x.path ? { path: x.path.slice(0, MAX_TEXT) } : {}) })),
      risk: (v.risk?.contributions ?? []).filter((c) => c.weight !== 0).slice(0, MAX_ITEMS).map((c) => ({ code: c.code, weight: c.weight })),
    },
    created_at: nowMs,
  };
}

/** A stored document, checked field by field: the store is shared, and what it returns is only data. */
export function parseDocument(data: string): ApprovalDocument | undefined {
  let d: unknown;
  try {
    d = JSON.parse(data);
  } catch {
    return undefined;
  }
  if (!isObj(d) || d.v !== 1 || !isObj(d.who) || !isObj(d.what) || !isObj(d.why)) return undefined;
  const who = d.who;
  const what = d.what;
  const why = d.why;
  if (who.acts_for !== undefined && !(Array.isArray(who.acts_for) && who.acts_for.every(str))) return undefined;
  if (!str(who.issuer) || !str(who.subject) || !str(what.method) || !str(what.host) || !str(what.path) || !str(what.query)) return undefined;
  if (!isObj(what.body) || !str(what.body.digest) || typeof what.body.bytes !== 'number') return undefined;
  if (!str(why.reason) || !Array.isArray(why.rules) || !Array.isArray(why.guardrails) || !Array.isArray(why.risk)) return undefined;
  if (typeof d.created_at !== 'number') return undefined;
  if (what.kube !== undefined && !isObj(what.kube)) return undefined;
  if (what.headers !== undefined && !(Array.isArray(what.headers) && what.headers.every((h) => Array.isArray(h) && h.length === 2 && str(h[0]) && str(h[1])))) return undefined;
  if (what.object !== undefined && !(isObj(what.object) && ['kind', 'apiVersion', 'namespace', 'name'].every((f) => str((what.object as Record<string, unknown>)[f])))) return undefined;
  const body = what.body;
  if ((body.text !== undefined && !str(body.text)) || (body.withheld !== undefined && !str(body.withheld))) return undefined;
  if (d.decision !== undefined && (!isObj(d.decision) || !isObj(d.decision.by))) return undefined;
  return d as unknown as ApprovalDocument;
}

function isObj(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function str(v: unknown): v is string {
  return typeof v === 'string';
}
