import { describe, expect, it } from 'vitest';
import { compileHostMatcher } from '../../src/core/glob.js';
import type { Verdict } from '../../src/decision/verdict.js';
import { fileParts, strictest } from '../../src/pipeline/file.js';
import type { Requirement } from '../../src/policy/policy.js';
import { buildAttributes } from '../../src/request/build.js';
import { resourceOfKind } from '../../src/request/kinds.js';
import { readWebApi } from '../../src/request/web-apis.js';
import { RequestHeaders } from '../../src/request/headers.js';

/**
 * The Dashboard's deploy from file (request/web-apis.ts reads it, pipeline/file.ts makes it the
 * creates it stands for, the strictest verdict answers): read as DeployAppFromFile in
 * kubernetes/dashboard modules/api/pkg/resource/deployment/deploy.go does.
 */

const hosts = compileHostMatcher(['kube.example'], [], [], [{ hosts: ['dash.example'], api: 'kubernetes-dashboard' }]);
const built = (namespace: unknown, content: unknown, extra: Record<string, unknown> = {}) => {
  const b = buildAttributes({ method: 'POST', target: '/api/v1/appdeploymentfromfile', authority: 'dash.example', scheme: 'https', headers: RequestHeaders.of([['content-type', 'application/json']]), sourceAddress: '10.0.0.1', sourcePrincipal: '', contextExtensions: {}, body: JSON.stringify({ name: '', namespace, content, validate: true, ...extra }), bodyTruncated: false }, [], hosts);
  if (!b.ok) throw new Error(b.detail);
  return b.attributes;
};
const parts = (namespace: unknown, content: string) => {
  const r = fileParts(built(namespace, content));
  return r.ok ? r.parts.map((p) => [p.method, p.path, p.kube?.verb, p.kube?.resource, p.kube?.namespace, JSON.parse(p.body as string).kind]) : r.detail;
};

const CM = 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n';
const DEPLOY = 'apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web, namespace: team-a}\nspec: {}\n';
const CRB = 'apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRoleBinding\nmetadata: {name: x}\n';

describe('reading the request', () => {
  it('the body names the namespace and content; the request stands for no one Kubernetes request', () => {
    const a = built('dev', CM);
    expect(a.kube).toBeUndefined();
    expect(a.fromFile).toEqual({ namespace: 'dev', content: CM });
    // Go's encoding/json matches keys without regard to case.
    expect(readWebApi('kubernetes-dashboard', 'POST', '/api/v1/appdeploymentfromfile', () => ({ Namespace: 'dev', CONTENT: CM }))).toEqual({ kind: 'file', namespace: 'dev', content: CM });
  });

  it.each<[string, () => Record<string, unknown> | undefined]>([
    ['no body (absent, cut, or not JSON)', () => undefined],
    ['no namespace', () => ({ content: CM })],
    ['a namespace with a slash', () => ({ namespace: 'dev/x', content: CM })],
    ['no content', () => ({ namespace: 'dev' })],
    ['two spellings of content', () => ({ namespace: 'dev', content: CM, Content: '' })],
  ])('refused: %s', (_what, body) => {
    expect(readWebApi('kubernetes-dashboard', 'POST', '/api/v1/appdeploymentfromfile', body).kind).toBe('invalid');
  });

  it('only POST to the route itself is a deploy', () => {
    expect(readWebApi('kubernetes-dashboard', 'POST', '/api/v1/appdeploymentfromfile/x', () => ({ namespace: 'dev', content: CM })).kind).toBe('invalid');
  });
});

describe('fileParts', () => {
  it("each object is a create in the request's namespace, a cluster-scoped one in none", () => {
    expect(parts('dev', `${CM}---\n${DEPLOY}---\n${CRB}`)).toEqual([
      ['POST', '/api/v1/namespaces/dev/configmaps', 'create', 'configmaps', 'dev', 'ConfigMap'],
      // The request's namespace, not the object's: the Dashboard creates it there (kube refuses the mismatch).
      ['POST', '/apis/apps/v1/namespaces/dev/deployments', 'create', 'deployments', 'dev', 'Deployment'],
      ['POST', '/apis/rbac.authorization.k8s.io/v1/clusterrolebindings', 'create', 'clusterrolebindings', '', 'ClusterRoleBinding'],
    ]);
  });

  it('each object is sent as JSON, whatever the file was', () => {
    const r = fileParts(built('dev', CM));
    expect(r.ok && r.parts[0]!.headers.get('content-type')).toBe('application/json');
    expect(r.ok && JSON.parse(r.parts[0]!.body as string)).toEqual({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'a' } });
  });

  it("`_all`: each object's own namespace", () => {
    expect(parts('_all', DEPLOY)).toEqual([['POST', '/apis/apps/v1/namespaces/team-a/deployments', 'create', 'deployments', 'team-a', 'Deployment']]);
  });

  it('JSON content, and empty documents between separators', () => {
    expect(parts('dev', JSON.stringify({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 's' } }))).toEqual([['POST', '/api/v1/namespaces/dev/secrets', 'create', 'secrets', 'dev', 'Secret']]);
    expect(parts('dev', `---\n${CM}---\n---\n`)).toHaveLength(1);
  });

  it.each<[string, unknown, string, RegExp]>([
    ['not YAML', 'dev', 'a: [', /content cannot be read/],
    ['no object at all', 'dev', '', /content cannot be read/],
    ['a custom kind', 'dev', 'apiVersion: cert-manager.io/v1\nkind: Certificate\nmetadata: {name: x}\n', /object 1 \("cert-manager.io\/v1" "Certificate"\) is of a kind whose resource stepgate cannot name/],
    ['a kind in the wrong group', 'dev', 'apiVersion: v1\nkind: Deployment\nmetadata: {name: x}\n', /cannot name/],
    ['a kind spelt in another case', 'dev', 'apiVersion: v1\nkind: configmap\nmetadata: {name: x}\n', /cannot name/],
    ['a List', 'dev', 'apiVersion: v1\nkind: List\nitems: []\n', /cannot name/],
    ['a document that is no mapping', 'dev', `${CM}---\n- a\n`, /content cannot be read/],
    ['`_all` and no namespace in the object', '_all', CM, /has no namespace/],
  ])('refused: %s', (_what, ns, content, detail) => {
    expect(parts(ns, content)).toMatch(detail);
  });
});

describe('resourceOfKind', () => {
  it('names the collection of a built-in kind at the version written', () => {
    expect(resourceOfKind('apps/v1beta2', 'Deployment')?.collection('x')).toBe('/apis/apps/v1beta2/namespaces/x/deployments');
    expect(resourceOfKind('v1', 'Namespace')).toMatchObject({ namespaced: false });
    expect(resourceOfKind('apps/v1/x', 'Deployment')).toBeUndefined();
    expect(resourceOfKind('Apps/v1', 'Deployment')).toBeUndefined();
    expect(resourceOfKind(undefined, 'Deployment')).toBeUndefined();
  });
});

describe('strictest', () => {
  const need = (level: number, maxAge?: number, deny = false) => ({ level, maxAge, deny }) as unknown as Requirement;
  const v = (allow: boolean, reason: string, requirement: Requirement) => ({ allow, reason, requirement }) as unknown as Verdict;
  it('a refusal over an allow; among either, the one that asks most', () => {
    expect(strictest([v(true, 'a', need(1)), v(false, 'b', need(1)), v(true, 'c', need(3))]).reason).toBe('b');
    expect(strictest([v(false, 'a', need(1)), v(false, 'b', need(2)), v(false, 'c', need(2, 300))]).reason).toBe('c');
    expect(strictest([v(false, 'a', need(3, 60)), v(false, 'b', need(0, undefined, true))]).reason).toBe('b');
    expect(strictest([v(true, 'a', need(1, 900)), v(true, 'b', need(1, 28800))]).reason).toBe('a');
  });
});
