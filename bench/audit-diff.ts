/**
 * Differential check of stepgate's Kubernetes request reading against real audit logs.
 *
 *   npx tsx bench/audit-diff.ts FILE... [--examples N] [--json]
 *
 * kube-apiserver writes into each audit event what its own RequestInfo made of the request (`verb`,
 * and `objectRef`: resource, subresource, namespace, name, apiGroup, apiVersion). For every event
 * of the given logs (any shape `stepgate replay` reads, gzipped or not), this rebuilds the request
 * as Envoy would have passed it to stepgate, exactly as replay does (method from the verb, target
 * from requestURI), runs it through the same parse path as the live server (parseCheckRequest,
 * buildAttributes with the host on kubernetes.hosts, kubeRequestInfo), and compares stepgate's
 * answer with the logged one, field by field.
 *
 * Each difference is put in a class. Some are limits of reconstruction, known and explained in
 * the output (the log does not keep what they would need); any other class is a finding.
 */
import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { createGunzip } from 'node:zlib';
import { compileHostMatcher } from '../src/core/glob.js';
import { buildAttributes } from '../src/request/build.js';
import type { KubeRequestInfo } from '../src/request/kube.js';
import { parseAuditRecords, RuntimeLines, type AuditEvent } from '../src/replay/event.js';
import { checkRequestOf, methodOf } from '../src/replay/request.js';
import { parseCheckRequest } from '../src/server/grpc/check.js';

const HOST = 'kubernetes';
const hosts = compileHostMatcher([HOST]);
const LIMITS = { maxHeaderBytes: 64 * 1024, maxTotalHeaderBytes: 1024 * 1024 };

/** Differences the log cannot settle: why each is not stepgate's to fix. */
const KNOWN: Readonly<Record<string, string>> = {
  'name: create names its object in the body':
    'kube-apiserver fills objectRef.name (and namespace) of a create from the decoded body after authorization; RequestInfo, and so stepgate and RBAC, see a nameless create',
  'namespace: a list across namespaces narrowed by its field selector':
    'a list or watch with `fieldSelector=metadata.namespace=X` returns exactly X\'s objects; kube logs it cluster-wide, stepgate judges it in X on purpose (src/request/kube.ts)',
  'verb: get logged, stepgate create (streaming subresource)':
    'exec/attach/portforward over WebSocket is a GET; kube logs verb get, stepgate judges it as create on purpose (src/request/kube.ts: the SPDY POST and the WebSocket GET must meet the same rule)',
};

interface Diff {
  cls: string;
  example: string;
}

function compare(ev: AuditEvent, k: KubeRequestInfo): Diff[] {
  const out: Diff[] = [];
  const ex = `${ev.verb} ${ev.requestURI.slice(0, 160)}`;
  const ref = ev.objectRef;
  if (ref === undefined || ref.resource === '') {
    if (k.isResourceRequest) out.push({ cls: `kind: non-resource logged, stepgate resource (${k.verb} ${k.resource})`, example: ex });
    else if (k.verb !== ev.verb) out.push({ cls: `verb: ${ev.verb} logged, stepgate ${k.verb || "''"} (non-resource)`, example: ex });
    return out;
  }
  if (!k.isResourceRequest) {
    out.push({ cls: 'kind: resource logged, stepgate non-resource', example: ex });
    return out;
  }
  if (k.verb !== ev.verb) {
    const streaming = ['exec', 'attach', 'portforward'].includes(k.subresource) && ev.verb === 'get' && k.verb === 'create';
    out.push({ cls: streaming ? 'verb: get logged, stepgate create (streaming subresource)' : `verb: ${ev.verb} logged, stepgate ${k.verb || "''"}`, example: ex });
  }
  const fields = [
    ['resource', ref.resource, k.resource],
    ['subresource', ref.subresource, k.subresource],
    ['namespace', ref.namespace, k.namespace],
    ['name', ref.name, k.name],
    ['apiGroup', ref.apiGroup, k.apiGroup],
    ['apiVersion', ref.apiVersion, k.apiVersion],
  ] as const;
  for (const [field, logged, ours] of fields) {
    if (logged === ours) continue;
    if (field === 'namespace' && logged === '' && (k.verb === 'list' || k.verb === 'watch') && /metadata(\.|%2e)namespace/i.test(ev.requestURI)) {
      out.push({ cls: 'namespace: a list across namespaces narrowed by its field selector', example: ex });
      continue;
    }
    // A create's name (and namespace, for a cluster-scoped URL) comes from its body, after authorization.
    if ((field === 'name' || field === 'namespace') && ev.verb === 'create' && ours === '' && k.name === '') {
      out.push({ cls: 'name: create names its object in the body', example: ex });
      continue;
    }
    out.push({ cls: `${field}: logged ${JSON.stringify(logged).slice(0, 40)}, stepgate ${JSON.stringify(ours).slice(0, 40)}`, example: ex });
  }
  return out;
}

async function* lines(file: string): AsyncGenerator<string> {
  const head = await new Promise<Buffer>((resolve, reject) => {
    const s = createReadStream(file, { start: 0, end: 1 });
    const parts: Buffer[] = [];
    s.on('data', (c) => parts.push(c as Buffer));
    s.on('end', () => resolve(Buffer.concat(parts)));
    s.on('error', reject);
  });
  const raw = createReadStream(file);
  const input = head[0] === 0x1f && head[1] === 0x8b ? raw.pipe(createGunzip()) : raw;
  yield* createInterface({ input, crlfDelay: Infinity });
}

interface FileResult {
  file: string;
  lines: number;
  events: number;
  unread: Record<string, number>;
  refused: Record<string, number>;
  unknownVerb: Record<string, number>;
  compared: number;
  agree: number;
  classes: Record<string, { count: number; examples: string[] }>;
}

async function check(file: string, examples: number): Promise<FileResult> {
  const r: FileResult = { file, lines: 0, events: 0, unread: {}, refused: {}, unknownVerb: {}, compared: 0, agree: 0, classes: {} };
  const runtime = new RuntimeLines();
  const seen = new Set<string>();
  const take = (original: string | number) => {
    const parsed = typeof original === 'number' ? [{ ok: false as const, problem: 'line_too_long', detail: '' }] : parseAuditRecords(original);
    for (const p of parsed) {
      if (!p.ok) {
        r.unread[p.problem] = (r.unread[p.problem] ?? 0) + 1;
        continue;
      }
      r.events++;
      const ev = p.event;
      // One request per auditID and stage is enough; stages of one request read alike.
      const key = `${ev.auditID}\n${ev.stage}\n${ev.requestURI}`;
      if (seen.has(key)) continue;
      seen.add(key);
      const method = methodOf(ev.verb);
      if (method === undefined) {
        r.unknownVerb[ev.verb] = (r.unknownVerb[ev.verb] ?? 0) + 1;
        continue;
      }
      const msg = checkRequestOf(ev, method, HOST, 'x');
      const pc = parseCheckRequest(msg, LIMITS, 1024 * 1024);
      if (!pc.ok) {
        r.refused[pc.detail] = (r.refused[pc.detail] ?? 0) + 1;
        continue;
      }
      const built = buildAttributes(pc.raw, pc.spoofed, hosts);
      if (!built.ok) {
        const cls = `refused: ${built.detail}`;
        r.refused[cls] = (r.refused[cls] ?? 0) + 1;
        const c = (r.classes[cls] ??= { count: 0, examples: [] });
        c.count++;
        if (c.examples.length < examples) c.examples.push(`${ev.verb} ${ev.requestURI.slice(0, 160)}`);
        continue;
      }
      r.compared++;
      const diffs = compare(ev, built.attributes.kube!);
      if (diffs.length === 0) r.agree++;
      for (const d of diffs) {
        const c = (r.classes[d.cls] ??= { count: 0, examples: [] });
        c.count++;
        if (c.examples.length < examples) c.examples.push(d.example);
      }
    }
  };
  for await (const text of lines(file)) {
    if (text.trim() === '') continue;
    r.lines++;
    for (const original of runtime.push(text)) take(original);
  }
  for (const original of runtime.end()) take(original);
  return r;
}

const args = process.argv.slice(2);
const json = args.includes('--json');
const at = args.indexOf('--examples');
const examples = at >= 0 ? Number(args[at + 1]) : 2;
const files = args.filter((a, i) => !a.startsWith('--') && (at < 0 || i !== at + 1));
if (files.length === 0) {
  process.stderr.write('usage: npx tsx bench/audit-diff.ts FILE... [--examples N] [--json]\n');
  process.exit(64);
}
const results: FileResult[] = [];
for (const f of files) results.push(await check(f, examples));
if (json) {
  process.stdout.write(`${JSON.stringify(results, null, 2)}\n`);
} else {
  const total = { lines: 0, events: 0, compared: 0, agree: 0 };
  const classes = new Map<string, { count: number; examples: string[]; files: Set<string> }>();
  for (const r of results) {
    total.lines += r.lines;
    total.events += r.events;
    total.compared += r.compared;
    total.agree += r.agree;
    const unread = Object.entries(r.unread).map(([k, v]) => `${k} ${v}`).join(', ');
    const unknown = Object.entries(r.unknownVerb).map(([k, v]) => `${k} ${v}`).join(', ');
    process.stdout.write(`${r.file}: ${r.lines} lines, ${r.events} events, ${r.compared} compared, ${r.agree} agree${unread ? `; unread: ${unread}` : ''}${unknown ? `; unknown verbs: ${unknown}` : ''}\n`);
    for (const [k, v] of Object.entries(r.classes)) {
      const c = classes.get(k) ?? { count: 0, examples: [], files: new Set<string>() };
      c.count += v.count;
      c.files.add(r.file);
      for (const e of v.examples) if (c.examples.length < examples) c.examples.push(e);
      classes.set(k, c);
    }
  }
  process.stdout.write(`\ntotal: ${total.lines} lines, ${total.events} events, ${total.compared} requests compared, ${total.agree} agree\n`);
  for (const [k, c] of [...classes].sort((a, b) => b[1].count - a[1].count)) {
    const why = KNOWN[k];
    process.stdout.write(`\n${c.count}  ${k}${why ? `\n    limit of reconstruction: ${why}` : '\n    FINDING'}\n`);
    for (const e of c.examples) process.stdout.write(`    e.g. ${e}\n`);
  }
}
