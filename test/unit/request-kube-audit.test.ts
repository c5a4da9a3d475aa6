import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { compileHostMatcher } from '../../src/core/glob.js';
import type { AuditEvent } from '../../src/replay/event.js';
import { checkRequestOf, methodOf } from '../../src/replay/request.js';
import { buildAttributes } from '../../src/request/build.js';
import { kubeRequestInfo, type KubeRequestInfo } from '../../src/request/kube.js';
import { normalisePath } from '../../src/request/path.js';
import { parseCheckRequest } from '../../src/server/grpc/check.js';
import { RequestHeaders } from '../../src/request/headers.js';

/**
 * stepgate's reading of a Kubernetes request against kube-apiserver's own record of it: requests
 * from public audit logs (test/fixtures/kube-audit, sources in its README), each rebuilt from its
 * requestURI and the method its verb implies, must give the verb and objectRef the apiserver
 * logged. Then the same for the readings kube-apiserver's RequestInfo unit test asserts, for the
 * shapes no public log had. Both readers are checked: kubeRequestInfo alone, and the whole path
 * `stepgate replay` takes (its CheckRequest, the gRPC parser, buildAttributes).
 *
 * Any difference is either a deliberate one listed in DELIBERATE (with why) or a finding.
 */

interface ObjectRef {
  apiGroup: string;
  apiVersion: string;
  resource: string;
  subresource: string;
  namespace: string;
  name: string;
}

interface AuditFact {
  sources: string[];
  method: string;
  requestURI: string;
  verb: string;
  /** null: a non-resource request (the apiserver logs no objectRef). */
  objectRef: Partial<ObjectRef> | null;
  events: number;
  /** Only the fields given were asserted by the source; the others are unknown, not empty. */
  partial?: true;
  impersonated?: true;
}

interface Reading extends Partial<ObjectRef> {
  method: string;
  url: string;
  resourceRequest?: boolean;
  verb?: string;
}

interface Fixture {
  sources: { id: string; kind: string; repo: string; commit: string; paths: string[]; what: string }[];
  events: AuditFact[];
  readings: Reading[];
}

const fixture = JSON.parse(readFileSync(new URL('../fixtures/kube-audit/events.json', import.meta.url), 'utf8')) as Fixture;

const DELIBERATE = {
  // audit.LogRequestObject fills an empty objectRef.name from the decoded body after the request
  // was authorized; RequestInfo, which the authorizer saw, names nothing, and neither does stepgate.
  nameFromBody: 'a create names its object in the body: the audit log copies that name into objectRef, authorization never had it',
  // build.ts: kube-apiserver has served no root /proxy/ route since 1.10, so the gateway refuses
  // the form instead of reading it as verb `proxy` with no subresource (which no `nodes/proxy` rule sees).
  rootProxyRefused: 'the root /proxy/ prefix is refused before any rule (no route since Kubernetes 1.10)',
  // kube.ts: kubectl's WebSocket exec is a GET, which RequestInfo (and so the audit log) calls `get`;
  // kube-apiserver authorizes its upgrade as `create` too (AuthorizePodWebsocketUpgradeCreatePermission,
  // on by default since 1.31), and stepgate reads it as the `create` the SPDY POST is.
  streamingGetIsCreate: "a GET of exec, attach or portforward is logged as `get`; stepgate judges it as the `create` kube authorizes its upgrade as",
} as const;
type Deliberate = keyof typeof DELIBERATE;

const STREAMING = new Set(['exec', 'attach', 'portforward']);

const HOST = 'kube.localhost';
const hosts = compileHostMatcher([HOST]);
const LIMITS = { maxHeaderBytes: 16384, maxTotalHeaderBytes: 65536 };

/** kubeRequestInfo on the target as normalisePath reads it for a Kubernetes host. */
function direct(method: string, target: string): KubeRequestInfo | string {
  const p = normalisePath(target, 'kubernetes');
  if (!p.ok) return p.problem;
  return kubeRequestInfo(method, p.path, p.query, () => undefined);
}

/** The reading `stepgate replay` judges: its CheckRequest through the gRPC parser and buildAttributes. */
function replayed(fact: AuditFact, method: string): KubeRequestInfo | string {
  const ev: AuditEvent = {
    apiVersion: 'audit.k8s.io/v1',
    auditID: 'a',
    stage: 'ResponseComplete',
    requestURI: fact.requestURI,
    verb: fact.verb,
    user: { username: 'alice', uid: undefined, groups: [], extra: {} },
    impersonatedUser: fact.impersonated ? { username: 'bob', uid: undefined, groups: ['system:authenticated'], extra: {} } : undefined,
    sourceIPs: ['192.0.2.1'],
    userAgent: 'kubectl/v1.33.0',
    resource: fact.objectRef !== null,
    objectRef: undefined,
    requestObject: undefined,
    receivedAt: 0,
    responseCode: 200,
  };
  const parsed = parseCheckRequest(checkRequestOf(ev, method, HOST, 'token'), LIMITS, 1 << 20);
  if (!parsed.ok) return parsed.detail;
  const built = buildAttributes(parsed.raw, parsed.spoofed, hosts);
  if (!built.ok) return built.detail;
  return built.attributes.kube ?? 'not read as a Kubernetes request';
}

/** The differences between what stepgate read and what the apiserver recorded, minus the deliberate ones. */
function differences(got: KubeRequestInfo | string, verb: string | undefined, ref: Partial<ObjectRef> | null, resourceRequest: boolean | undefined, used: Set<Deliberate>): string[] {
  if (typeof got === 'string') return [`refused: ${got}`];
  const out: string[] = [];
  const isResource = resourceRequest ?? (ref !== null ? true : undefined);
  if (isResource !== undefined && got.isResourceRequest !== isResource) out.push(`isResourceRequest ${got.isResourceRequest}, apiserver ${isResource}`);
  if (verb === 'get' && got.verb === 'create' && STREAMING.has(got.subresource)) used.add('streamingGetIsCreate');
  else if (verb !== undefined && got.verb !== verb) out.push(`verb '${got.verb}', apiserver '${verb}'`);
  if (ref === null) return out;
  for (const key of Object.keys(ref) as (keyof ObjectRef)[]) {
    const want = ref[key]!;
    if (got[key] === want) continue;
    if (key === 'name' && verb === 'create' && got.name === '' && got.subresource === '') {
      used.add('nameFromBody');
      continue;
    }
    out.push(`${key} '${got[key]}', apiserver '${want}'`);
  }
  return out;
}

describe('kubeRequestInfo against kube-apiserver audit logs', () => {
  const used = new Set<Deliberate>();

  it('has facts from every listed source, and only from listed sources', () => {
    const ids = new Set(fixture.sources.map((s) => s.id));
    const seen = new Set(fixture.events.flatMap((e) => e.sources));
    for (const id of seen) expect(ids).toContain(id);
    for (const s of fixture.sources) if (s.id !== 'apiserver-requestinfo') expect(seen).toContain(s.id);
    // De-duplicated: one fact per distinct request line and reading.
    const keys = fixture.events.map((e) => JSON.stringify([e.requestURI, e.verb, e.objectRef, e.partial, e.impersonated]));
    expect(new Set(keys).size).toBe(keys.length);
    expect(fixture.events.length).toBeGreaterThanOrEqual(90);
  });

  it.each(fixture.events.map((f) => [`${f.verb} ${f.requestURI}`, f] as const))('%s', (_name, fact) => {
    // The method replay rebuilds from the verb is the one the fact says the verb implies.
    const method = methodOf(fact.verb);
    expect(method).toBe(fact.method);
    expect(differences(direct(method!, fact.requestURI), fact.verb, fact.objectRef, undefined, used)).toEqual([]);
    expect(differences(replayed(fact, method!), fact.verb, fact.objectRef, undefined, used)).toEqual([]);
  });

  it.each(fixture.readings.map((r) => [`${r.method} ${r.url}`, r] as const))('RequestInfo reading %s', (_name, r) => {
    const { method, url, resourceRequest, verb, ...ref } = r;
    const got = direct(method, url);
    expect(differences(got, verb, resourceRequest === false ? null : ref, resourceRequest, used)).toEqual([]);
    if (typeof got !== 'string' && got.verb === 'proxy') {
      const p = normalisePath(url, 'kubernetes');
      const built = buildAttributes({ method, target: url, authority: HOST, scheme: 'https', headers: RequestHeaders.of([]), sourceAddress: '192.0.2.1', sourcePrincipal: '', contextExtensions: {}, body: undefined, bodyTruncated: false }, [], hosts);
      expect(p.ok && !built.ok).toBe(true);
      used.add('rootProxyRefused');
    }
  });

  /**
   * Session 45's shapes (attack-session45-kube), as requestinfo.go reads them and so as the audit
   * log records them: no public log has these kinds yet. [method, requestURI, verb, objectRef].
   */
  const core = (resource: string, namespace: string, name = '', subresource = '') => ({ apiGroup: '', apiVersion: 'v1', resource, subresource, namespace, name });
  const grouped = (apiGroup: string, apiVersion: string, resource: string, namespace: string, name = '', subresource = '') => ({ apiGroup, apiVersion, resource, subresource, namespace, name });
  const RC = (namespace: string, name = '', subresource = '') => grouped('resource.k8s.io', 'v1', 'resourceclaims', namespace, name, subresource);
  const session45: [method: string, uri: string, verb: string, ref: ObjectRef][] = [
    ['PATCH', '/api/v1/namespaces/dev/pods/web-0/resize', 'patch', core('pods', 'dev', 'web-0', 'resize')],
    ['POST', '/apis/resource.k8s.io/v1/namespaces/dev/resourceclaims', 'create', RC('dev')],
    ['PUT', '/apis/resource.k8s.io/v1/namespaces/dev/resourceclaims/gpu/status', 'update', RC('dev', 'gpu', 'status')],
    ['DELETE', '/apis/resource.k8s.io/v1/namespaces/dev/resourceclaimtemplates', 'deletecollection', grouped('resource.k8s.io', 'v1', 'resourceclaimtemplates', 'dev')],
    ['GET', '/apis/resource.k8s.io/v1/resourceclaims?watch=1&resourceVersion=0', 'watch', RC('')],
    ['GET', '/apis/resource.k8s.io/v1/namespaces/dev/resourceclaims?fieldSelector=metadata.name%3Dgpu', 'list', RC('dev', 'gpu')],
    // deletecollection never takes its name from a field selector: the whole collection is authorized.
    ['DELETE', '/apis/resource.k8s.io/v1/namespaces/dev/resourceclaims?fieldSelector=metadata.name%3Dgpu', 'deletecollection', RC('dev')],
    ['POST', '/apis/certificates.k8s.io/v1beta1/namespaces/dev/podcertificaterequests', 'create', grouped('certificates.k8s.io', 'v1beta1', 'podcertificaterequests', 'dev')],
    ['PATCH', '/apis/certificates.k8s.io/v1beta1/namespaces/dev/podcertificaterequests/web-0-cert/status', 'patch', grouped('certificates.k8s.io', 'v1beta1', 'podcertificaterequests', 'dev', 'web-0-cert', 'status')],
    ['POST', '/apis/certificates.k8s.io/v1beta1/clustertrustbundles', 'create', grouped('certificates.k8s.io', 'v1beta1', 'clustertrustbundles', '')],
    ['POST', '/apis/storagemigration.k8s.io/v1beta1/storageversionmigrations', 'create', grouped('storagemigration.k8s.io', 'v1beta1', 'storageversionmigrations', '')],
    ['PATCH', '/apis/admissionregistration.k8s.io/v1beta1/mutatingadmissionpolicybindings/m', 'patch', grouped('admissionregistration.k8s.io', 'v1beta1', 'mutatingadmissionpolicybindings', '', 'm')],
    ['DELETE', '/apis/discovery.k8s.io/v1/namespaces/dev/endpointslices?labelSelector=kubernetes.io%2Fservice-name%3Dpay', 'deletecollection', grouped('discovery.k8s.io', 'v1', 'endpointslices', 'dev')],
    ['GET', '/api/v1/namespaces/dev/endpoints?watch=true&fieldSelector=metadata.name%3Dpay', 'watch', core('endpoints', 'dev', 'pay')],
    ['POST', '/api/v1/namespaces/dev/serviceaccounts/default/token', 'create', core('serviceaccounts', 'dev', 'default', 'token')],
    ['GET', '/api/v1/nodes/worker-1/proxy/pods', 'get', core('nodes', '', 'worker-1', 'proxy')],
    ['POST', '/api/v1/nodes/worker-1/proxy/checkpoint/prod-payments/pay-0/pay', 'create', core('nodes', '', 'worker-1', 'proxy')],
    // A namespace's own subresource names the namespace: a `watch` parameter does not make it a watch.
    ['GET', '/api/v1/namespaces/dev/status?watch=1', 'get', core('namespaces', 'dev', 'dev', 'status')],
    // Anything else after namespaces/{ns} is a resource of that namespace, even a subresource's name.
    ['GET', '/api/v1/namespaces/dev/resize', 'list', core('resize', 'dev')],
    ['GET', '/api/v1/namespaces/dev/pods/web-0/exec?command=sh&stdin=true&stdout=true&tty=true', 'get', core('pods', 'dev', 'web-0', 'exec')],
  ];
  it.each(session45.map(([method, uri, verb, ref]) => [`${verb} ${uri}`, method, uri, verb, ref] as const))('session 45: %s', (_name, method, uri, verb, ref) => {
    expect(methodOf(verb)).toBe(method);
    const fact: AuditFact = { sources: [], method, requestURI: uri, verb, objectRef: ref, events: 0 };
    expect(differences(direct(method, uri), verb, ref, undefined, used)).toEqual([]);
    expect(differences(replayed(fact, method), verb, ref, undefined, used)).toEqual([]);
  });

  it('uses every deliberate difference it lists', () => {
    expect([...used].sort()).toEqual((Object.keys(DELIBERATE) as Deliberate[]).sort());
  });
});
