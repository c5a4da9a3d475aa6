import { readFileSync, writeFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { STATUS_CODES } from 'node:http';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import type { CheckResponse } from './grpc-client.js';
import { makeTestCa, type TestCa } from './redis.js';

/**
 * A small fake kube-apiserver for real kubectl that asks stepgate about every request first, as
 * Envoy in front of the real one would (body included), and answers with stepgate's denial as sent
 * or, when allowed, with discovery, the test's own answer, or 404. Shared by the tests that capture
 * what kubectl prints for stepgate's answers (kubectl-protobuf, kubectl-guardrails50).
 */

/** [resource, Kind, namespaced] */
export type ResourceRow = [string, string, boolean];
/** [group, version, resources] */
export type GroupRow = [string, string, ResourceRow[]];

const resourceList = (gv: string, rs: ResourceRow[], short: Record<string, string[]>) => ({
  kind: 'APIResourceList',
  apiVersion: 'v1',
  groupVersion: gv,
  resources: rs.map(([name, kind, namespaced]) => ({ name, singularName: kind.toLowerCase(), namespaced, kind, verbs: ['create', 'get', 'list', 'update', 'patch', 'delete'], shortNames: short[name] ?? [] })),
});

/** Discovery documents for `core` (the v1 group) and `groups`, at kube 1.32. */
export function discovery(core: ResourceRow[], groups: GroupRow[], short: Record<string, string[]> = {}): Record<string, unknown> {
  return {
    '/version': { major: '1', minor: '32', gitVersion: 'v1.32.0' },
    '/api': { kind: 'APIVersions', versions: ['v1'], serverAddressByClientCIDRs: [] },
    '/apis': {
      kind: 'APIGroupList',
      apiVersion: 'v1',
      groups: groups.map(([g, v]) => ({ name: g, versions: [{ groupVersion: `${g}/${v}`, version: v }], preferredVersion: { groupVersion: `${g}/${v}`, version: v } })),
    },
    '/api/v1': resourceList('v1', core, short),
    ...Object.fromEntries(groups.map(([g, v, rs]) => [`/apis/${g}/${v}`, resourceList(`${g}/${v}`, rs, short)])),
  };
}

/** What kubectl sent, as the check callback gets it. */
export interface Forwarded {
  method: string;
  /** Path with query. */
  path: string;
  /** accept, user-agent and (when sent) content-type, as kubectl sent them. */
  headers: Record<string, string>;
  /** The bearer token, when kubectl sent one. */
  token?: string;
  body: Buffer;
}

/** An allowed request's answer: [status, JSON object], or undefined for discovery or 404. */
export type Answer = (method: string, path: string, body: Buffer) => [number, unknown] | undefined;

export interface KubeCheckFront {
  /** A kubeconfig for this server, with no user credentials (pass `--token`). */
  kubeconfig: string;
  close(): Promise<void>;
}

const STATUS_BY_NAME = new Map(Object.entries(STATUS_CODES).map(([code, text]) => [String(text).replace(/[^A-Za-z]/g, ''), Number(code)]));

export async function startKubeCheckFront(o: { dir: string; namespace: string; discovery: Record<string, unknown>; check: (r: Forwarded) => Promise<CheckResponse>; answer?: Answer }): Promise<KubeCheckFront> {
  const ca: TestCa = makeTestCa();
  // TLS: client-go sends a bearer token only over https.
  const api: Server = createServer({ cert: readFileSync(ca.certFile), key: readFileSync(ca.keyFile) }, (req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      void (async () => {
        const body = Buffer.concat(chunks);
        const auth = req.headers.authorization ?? '';
        const headers: Record<string, string> = { accept: req.headers.accept ?? '', 'user-agent': req.headers['user-agent'] ?? '' };
        if (req.headers['content-type']) headers['content-type'] = req.headers['content-type'];
        const decision = await o.check({ method: req.method!, path: req.url!, headers, ...(auth.startsWith('Bearer ') ? { token: auth.slice(7) } : {}), body });
        if (decision.status.code !== 0 && decision.status.code !== undefined) {
          const d = decision.denied_response ?? {};
          const out: Record<string, string> = {};
          for (const h of d.headers ?? []) out[h.header.key] = h.header.value;
          res.writeHead(STATUS_BY_NAME.get(d.status?.code ?? '') ?? 403, out).end(d.body ?? '');
          return;
        }
        const path = req.url!.split('?')[0]!;
        const json = (code: number, v: unknown) => res.writeHead(code, { 'content-type': 'application/json' }).end(JSON.stringify(v));
        if (req.method === 'GET' && o.discovery[path]) return json(200, o.discovery[path]);
        const own = o.answer?.(req.method!, path, body);
        if (own) return json(own[0], own[1]);
        json(404, { kind: 'Status', apiVersion: 'v1', status: 'Failure', code: 404, reason: 'NotFound', message: `${path} not found` });
      })().catch((err: unknown) => res.writeHead(500).end(String(err)));
    });
  });
  await new Promise<void>((r) => api.listen(0, '127.0.0.1', r));
  const kubeconfig = join(o.dir, 'kubeconfig');
  writeFileSync(
    kubeconfig,
    `apiVersion: v1
kind: Config
clusters: [{name: c, cluster: {server: "https://127.0.0.1:${(api.address() as AddressInfo).port}", certificate-authority: "${ca.caFile}"}}]
users: [{name: u, user: {}}]
contexts: [{name: x, context: {cluster: c, user: u, namespace: ${o.namespace}}}]
current-context: x
`,
  );
  return {
    kubeconfig,
    close: async () => {
      await new Promise((r) => api.close(r));
      await rm(ca.dir, { recursive: true, force: true });
    },
  };
}
