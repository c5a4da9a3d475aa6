import type { Verdict } from '../decision/verdict.js';
import { readYaml } from '../guardrails/yaml.js';
import type { RequestAttributes } from '../request/attributes.js';
import { resourceOfKind } from '../request/kinds.js';
import { RequestHeaders } from '../request/headers.js';
import { kubeRequestInfo } from '../request/kube.js';
import { isObject } from '../guardrails/types.js';

export type FileParts = { ok: true; parts: RequestAttributes[] } | { ok: false; detail: string };

/**
 * The creates a Kubernetes Dashboard deploy from file stands for (`POST /api/v1/appdeploymentfromfile`
 * on a kubernetes.web_apis host, read by request/web-apis.ts): kubernetes/dashboard's
 * DeployAppFromFile decodes `content` with a YAML-or-JSON decoder, one object at a time, looks each
 * kind up in discovery and creates it with the caller's token, in the request's `namespace` (for
 * `_all`, the object's own `metadata.namespace`) when the kind is namespaced. Each becomes the
 * request kubectl would send for it (`POST` of the object to its collection), which the pipeline
 * judges as it judges any request.
 *
 * The Dashboard creates the objects in order and stops at the first it cannot, so what is not read
 * here refuses the whole file: content that readYaml does not read as kube would (not YAML, over
 * its size, token or document bounds), a document that is no object, a kind this table cannot
 * name (request/kinds.ts: a custom kind's resource is its CRD's, unknown to stepgate), and a
 * namespaced object with no namespace to go to.
 */
export function fileParts(req: RequestAttributes): FileParts {
  const file = req.fromFile!;
  const read = readYaml(file.content);
  if (!read.ok) return refused(`its content cannot be read: ${read.detail}`);
  const parts: RequestAttributes[] = [];
  // Each object is sent as JSON (the Dashboard's dynamic client does), whatever the file was.
  const headers = RequestHeaders.of(req.headers).with('content-type', 'application/json');
  for (const [i, doc] of read.documents.entries()) {
    const res = resourceOfKind(doc.apiVersion, doc.kind);
    const what = `object ${i + 1} (${describe(doc.apiVersion)} ${describe(doc.kind)})`;
    if (res === undefined) return refused(`${what} is of a kind whose resource stepgate cannot name`);
    let ns = '';
    if (res.namespaced) {
      const meta = doc.metadata;
      const own = isObject(meta) ? meta.namespace : undefined;
      ns = file.namespace === '_all' ? (typeof own === 'string' ? own : '') : file.namespace;
      if (ns === '' || ns.includes('/')) return refused(`${what} has no namespace to be created in`);
    }
    const path = res.collection(ns);
    const kube = kubeRequestInfo('POST', path, '', (name) => headers.get(name));
    parts.push({ ...req, method: 'POST', path, query: '', headers, kube, body: JSON.stringify(doc), bodyTruncated: false, bodyMissing: false, fromFile: undefined });
  }
  return { ok: true, parts };
}

function refused(why: string): FileParts {
  return { ok: false, detail: `a Kubernetes Dashboard deploy from file (kubernetes.web_apis) whose ${why}` };
}

/** A field from the file for a refusal's detail: bounded, printable. */
function describe(v: unknown): string {
  return typeof v === 'string' ? JSON.stringify(v.replace(/[^\x20-\x7e]/g, '?').slice(0, 80)) : 'none';
}

/**
 * The verdict that decides for all the creates: a refusal over an allow, and among refusals or
 * among allows the one that asks the most (a deny, then the higher level, then the shorter
 * max_age), so the step-up it asks for covers every object.
 */
export function strictest(verdicts: readonly Verdict[]): Verdict {
  let pick = verdicts[0]!;
  for (const v of verdicts.slice(1)) {
    if (v.allow !== pick.allow) {
      if (!v.allow) pick = v;
      continue;
    }
    if (asksMore(v, pick)) pick = v;
  }
  return pick;
}

function asksMore(a: Verdict, b: Verdict): boolean {
  const x = a.requirement;
  const y = b.requirement;
  if (x === undefined || y === undefined) return y === undefined && x !== undefined;
  if (x.deny !== y.deny) return x.deny;
  if (x.level !== y.level) return x.level > y.level;
  return (x.maxAge ?? Infinity) < (y.maxAge ?? Infinity);
}
