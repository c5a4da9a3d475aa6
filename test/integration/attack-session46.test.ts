import { describe, expect, it } from 'vitest';
import { builtServerForFile, freshSubjects, KUBE, officeRound, reason, REFUSED, rules } from '../support/built-server.js';
import { CONTENT_TYPES, type RequestSpec } from '../support/requests.js';

/**
 * Session 46's black-box corpus against session 45's new readers, through the built server over
 * gRPC Checks, with a site's copy of the example that lists its registries (image_registry_not_allowed
 * held to a hardware key, as attack-gitops-images has it; nothing else of the example changes):
 *
 * - the argocd CLI's gRPC / gRPC-web bodies (request/web-apis-argocd-grpc.ts): framing, protobuf
 *   tricks and content types, each refused or decided as its REST twin;
 * - Argo CD under a root path (request routePath, argoCdRootless): the host's path rules;
 * - the GitOps image reader (guardrails/rules/gitops-images.ts) where allowed_registries is set:
 *   found here, kustomize patches and a HelmRelease post-renderer setting an image were not read.
 *
 * The device cookie read after ',' has no effect a Check's answer shows by itself (the risk
 * engine's device signal); its rows are unit rows (test/unit/stepup-device-cookie.test.ts).
 */

const SITE = (yaml: string) =>
  yaml
    .replace(/^guardrails:\n/m, 'guardrails:\n  allowed_registries: [registry.tessaly.example, docker.io/library]\n')
    .replace(/^ {2}effects:\n/m, '  effects:\n    image_registry_not_allowed: {require: aal3, max_age: 300}\n');
const server = builtServerForFile('session46', SITE);
const subjects = freshSubjects(() => server().issuer, 'session46');
const { signedIn, send } = officeRound(server, subjects);
const ARGOCD = 'argocd.localhost';

// ------------------------------------------------------------------------------- protobuf bytes

const varint = (v: bigint | number): number[] => {
  let x = BigInt(v);
  const out: number[] = [];
  do {
    const b = Number(x & 0x7fn);
    x >>= 7n;
    out.push(x > 0n ? b | 0x80 : b);
  } while (x > 0n);
  return out;
};
const tag = (n: bigint | number, wire: number): number[] => varint((BigInt(n) << 3n) | BigInt(wire));
/** A length-delimited field (string or bytes) under any field number. */
const pb = (n: bigint | number, v: string | Uint8Array): number[] => {
  const b = typeof v === 'string' ? Buffer.from(v) : Buffer.from(v);
  return [...tag(n, 2), ...varint(b.length), ...b];
};
const frame = (msg: number[], flag = 0, len = msg.length): number[] => [flag, (len >>> 24) & 0xff, (len >> 16) & 0xff, (len >> 8) & 0xff, len & 0xff, ...msg];
const grpc = (rpc: string, body: number[] | Uint8Array, type = 'application/grpc', path = `/application.ApplicationService/${rpc}`): RequestSpec => ({
  host: ARGOCD,
  method: 'POST',
  path,
  headers: { 'content-type': type, te: 'trailers' },
  rawBody: Uint8Array.from(body),
});
const rest = (method: string, path: string, body?: unknown): RequestSpec => ({ host: ARGOCD, method, path, headers: { 'content-type': 'application/json' }, ...(body !== undefined && { body: JSON.stringify(body) }) });

// A privileged container patched into a managed Deployment: what the CLI's `argocd app
// patch-resource` sends, and its REST twin.
const PRIVILEGED = JSON.stringify({ spec: { template: { spec: { containers: [{ name: 'web', securityContext: { privileged: true } }] } } } });
const MERGE_TYPE = 'application/merge-patch+json';
const object = (ns = 'shop'): number[] => [...pb(1, 'shop-prod'), ...pb(2, ns), ...pb(3, 'web'), ...pb(4, 'v1'), ...pb(5, 'apps'), ...pb(6, 'Deployment')];
const patchMsg = (patch = PRIVILEGED, type = MERGE_TYPE, more: number[] = []): number[] => [...object(), ...pb(7, patch), ...pb(8, type), ...more, ...pb(9, 'argocd')];
const restPatch = (patch = PRIVILEGED, type = MERGE_TYPE): RequestSpec =>
  rest('POST', `/api/v1/applications/shop-prod/resource?namespace=shop&resourceName=web&version=v1&group=apps&kind=Deployment&patchType=${encodeURIComponent(type)}&appNamespace=argocd`, patch);
const getMsg = (ns = 'shop'): number[] => [...object(ns), ...pb(7, 'argocd')];

describe('the argocd CLI over gRPC: framing the decoder reads exactly or refuses', () => {
  const msg = patchMsg();
  const text = (bytes: number[]): Uint8Array => Buffer.from(Buffer.from(bytes).toString('base64'));
  it.each<[string, RequestSpec]>([
    ['the compressed flag set (grpc-encoding gzip)', { ...grpc('PatchResource', frame(msg, 1)), headers: { 'content-type': 'application/grpc', 'grpc-encoding': 'gzip' } }],
    ['a length prefix longer than the body', grpc('PatchResource', frame(msg, 0, msg.length + 7))],
    ['a length prefix shorter than the body (a second message hidden after it)', grpc('PatchResource', frame(msg, 0, object().length))],
    ['two frames (the second a benign patch)', grpc('PatchResource', [...frame(msg), ...frame(patchMsg('{}'))])],
    ['gRPC-web with a trailers frame (0x80) after the message', grpc('PatchResource', [...frame(msg), ...frame([...Buffer.from('grpc-status: 0\r\n')], 0x80)], 'application/grpc-web+proto')],
    ['gRPC-web-text in two base64 chunks (padding inside, as a streaming client sends)', grpc('PatchResource', [...text(frame(msg.slice(0, 10))), ...text(msg.slice(10))], 'application/grpc-web-text')],
    ['gRPC-web-text with a line break in the base64', grpc('PatchResource', [...Buffer.from(`${Buffer.from(frame(msg)).toString('base64').slice(0, 40)}\n${Buffer.from(frame(msg)).toString('base64').slice(40)}`)], 'application/grpc-web-text')],
    ['an empty body', grpc('PatchResource', [])],
    ['an empty message', grpc('PatchResource', frame([]))],
    ['a content type with a subtype other than proto (application/grpc+json)', grpc('PatchResource', frame(msg), 'application/grpc+json')],
    ['a content type that is no gRPC one (text/plain)', grpc('PatchResource', frame(msg), 'text/plain')],
    ['two Content-Types joined by Envoy', grpc('PatchResource', frame(msg), 'application/grpc-web+proto,application/grpc-web-text')],
    ['GET instead of POST', { ...grpc('PatchResource', frame(msg)), method: 'GET' }],
  ])('PatchResource with %s: request_invalid', async (_what, spec) => {
    const res = await send(await signedIn('aal2', 60), spec);
    expect(reason(res), rules(res)).toBe('request_invalid');
  });
});

describe('the argocd CLI over gRPC: protobuf tricks the decoder reads exactly or refuses', () => {
  // proto2 (gogo's Unmarshal) keeps the last of a repeated singular field; gogo reads a field
  // number as int32(tag >> 3) and keeps an unknown one aside; strings are bytes to it.
  it.each<[string, string, number[]]>([
    ['the namespace twice (dev, then kube-system: gogo keeps the last)', 'GetResource', [...pb(1, 'shop-prod'), ...pb(2, 'dev'), ...pb(2, 'kube-system'), ...pb(3, 'web'), ...pb(4, 'v1'), ...pb(5, 'apps'), ...pb(6, 'Deployment')]],
    ['the patch twice (a benign one, then the privileged one)', 'PatchResource', [...object(), ...pb(7, '{}'), ...pb(7, PRIVILEGED), ...pb(8, MERGE_TYPE)]],
    ['the patchType twice (merge, then JSON patch)', 'PatchResource', [...object(), ...pb(7, PRIVILEGED), ...pb(8, MERGE_TYPE), ...pb(8, 'application/json-patch+json')]],
    ['a field this Argo CD does not have (11)', 'PatchResource', patchMsg(PRIVILEGED, MERGE_TYPE, pb(11, 'x'))],
    ['a field number beyond proto\'s range whose low 32 bits read as 2 (gogo: an unknown field 2^29+2)', 'GetResource', [...pb(1, 'shop-prod'), ...pb((1n << 29n) + 2n, 'dev'), ...pb(3, 'web'), ...pb(4, 'v1'), ...pb(5, 'apps'), ...pb(6, 'Deployment')]],
    ['a negative field number (int32 of a tag with bit 34 set)', 'GetResource', [...getMsg(), ...pb((1n << 31n) + 2n, 'kube-system')]],
    ['the namespace as a varint (wrong wire type)', 'GetResource', [...pb(1, 'shop-prod'), ...tag(2, 0), 1, ...pb(3, 'web'), ...pb(4, 'v1'), ...pb(5, 'apps'), ...pb(6, 'Deployment')]],
    ['a group (wire type 3) around the namespace', 'GetResource', [...pb(1, 'shop-prod'), ...tag(20, 3), ...pb(2, 'kube-system'), ...tag(20, 4), ...pb(3, 'web'), ...pb(4, 'v1'), ...pb(5, 'apps'), ...pb(6, 'Deployment')]],
    ['a NUL inside the resource name', 'PatchResource', [...pb(1, 'shop-prod'), ...pb(2, 'shop'), ...pb(3, 'web\u0000x'), ...pb(4, 'v1'), ...pb(5, 'apps'), ...pb(6, 'Deployment'), ...pb(7, PRIVILEGED), ...pb(8, MERGE_TYPE)]],
    ['a namespace that is no UTF-8', 'GetResource', [...pb(1, 'shop-prod'), ...pb(2, Uint8Array.from([0x6b, 0xff, 0x73])), ...pb(3, 'web'), ...pb(4, 'v1'), ...pb(5, 'apps'), ...pb(6, 'Deployment')]],
    ['a length that runs past the message', 'GetResource', [...pb(1, 'shop-prod'), ...tag(2, 2), 60, ...Buffer.from('dev')]],
    ['an 11-byte varint', 'DeleteResource', [...object(), ...tag(7, 0), 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01]],
    ['no kind (required)', 'DeleteResource', [...pb(1, 'shop-prod'), ...pb(2, 'shop'), ...pb(3, 'web'), ...pb(4, 'v1'), ...pb(5, 'apps')]],
    ['a patchType kube-apiserver does not read (upper case)', 'PatchResource', patchMsg(PRIVILEGED, 'APPLICATION/MERGE-PATCH+JSON')],
    ['a patchType with a parameter', 'PatchResource', patchMsg(PRIVILEGED, 'application/merge-patch+json; charset=utf-8')],
    ['no patchType (required)', 'PatchResource', [...object(), ...pb(7, PRIVILEGED)]],
    ['a Sync whose revision\'s tag reads as 2 only in its low 32 bits', 'Sync', [...pb(1, 'shop-prod'), ...pb((1n << 29n) + 2n, 'HEAD'), ...pb(12, 'argocd')]],
    ['a Sync naming no application', 'Sync', [...pb(2, 'attacker/unreviewed')]],
    ['a Sync whose dryRun is length-delimited', 'Sync', [...pb(1, 'shop-prod'), ...pb(3, 'x')]],
  ])('%s: request_invalid', async (_what, rpc, msg) => {
    for (const type of ['application/grpc', 'application/grpc-web+proto']) {
      const res = await send(await signedIn('aal2', 60), grpc(rpc, frame(msg), type));
      expect(reason(res), `${type} ${rules(res)}`).toBe('request_invalid');
    }
  });

  it('PodLogs whose namespace tag reads as 2 only in its low 32 bits: its namespace is unread (Argo CD would read every namespace), request_invalid', async () => {
    const msg = [...pb(1, 'shop-prod'), ...pb((1n << 29n) + 2n, 'dev'), ...pb(3, 'web-0')];
    const res = await send(await signedIn('aal2', 60), grpc('PodLogs', frame(msg)));
    expect(reason(res), rules(res)).toBe('request_invalid');
  });

  it.each<[string, string, string]>([
    ['a merge patch (privileged)', PRIVILEGED, MERGE_TYPE],
    ['a merge patch whose keys repeat (privileged false, then true: JSON and Go keep the last)', PRIVILEGED.replace('{"privileged":true}', '{"privileged":false,"privileged":true}'), MERGE_TYPE],
    ['a JSON patch (privileged)', JSON.stringify([{ op: 'add', path: '/spec/template/spec/containers/0/securityContext', value: { privileged: true } }]), 'application/json-patch+json'],
    ['a strategic merge patch (hostPID)', JSON.stringify({ spec: { template: { spec: { hostPID: true } } } }), 'application/strategic-merge-patch+json'],
    ['an apply patch in YAML (privileged)', 'apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\n  namespace: shop\nspec:\n  template:\n    spec:\n      containers:\n        - name: web\n          securityContext:\n            privileged: true\n', 'application/apply-patch+yaml'],
  ])('PatchResource carrying %s: refused, each content type as its REST twin', async (_what, patch, type) => {
    const viaRest = await send(await signedIn('aal2', 60), restPatch(patch, type));
    expect(REFUSED, rules(viaRest)).toContain(reason(viaRest));
    for (const ct of ['application/grpc', 'application/grpc+proto', 'APPLICATION/GRPC', 'application/grpc-web', 'application/grpc-web+proto']) {
      const viaGrpc = await send(await signedIn('aal2', 60), grpc('PatchResource', frame(patchMsg(patch, type)), ct));
      expect([reason(viaGrpc), rules(viaGrpc)], ct).toEqual([reason(viaRest), rules(viaRest)]);
    }
    const viaText = await send(await signedIn('aal2', 60), grpc('PatchResource', Buffer.from(Buffer.from(frame(patchMsg(patch, type))).toString('base64')), 'application/grpc-web-text'));
    expect([reason(viaText), rules(viaText)]).toEqual([reason(viaRest), rules(viaRest)]);
  });

  it('unknown fields PodLogs skips (as gogo does) leave its reading: a log read in dev stays routine', async () => {
    const msg = [...pb(1, 'shop-prod'), ...pb(2, 'dev'), ...pb(3, 'web-0'), ...pb(99, 'x'), ...pb((1n << 29n) - 1n, 'y')];
    const res = await send(await signedIn(), grpc('PodLogs', frame(msg)));
    expect(reason(res), rules(res)).toBe('allowed');
  });

  it.each(['application/grpc', 'application/grpc+proto', 'application/grpc; charset=utf-8', 'application/grpc-web+proto'])('controls: `argocd app get-resource` of a Deployment in shop and a plain `argocd app sync` (%s), on the everyday sign-in: allowed', async (type) => {
    const get = await send(await signedIn(), grpc('GetResource', frame(getMsg()), type));
    expect(reason(get), rules(get)).toBe('allowed');
    const sync = await send(await signedIn(), grpc('Sync', frame([...pb(1, 'shop-prod'), ...pb(12, 'argocd')]), type));
    expect(reason(sync), rules(sync)).toBe('allowed');
  });
});

describe('Argo CD under a root path: the host\'s path rules', () => {
  const token = (path: string): RequestSpec => rest('POST', path, {});
  it.each<[string, RequestSpec, 'refused' | 'request_invalid']>([
    ['an API token minted, prefix percent-encoded (/argo-cd%2Fapi/…)', token('/argo-cd%2Fapi/v1/account/admin/token'), 'refused'],
    ['an API token minted, a route letter percent-encoded (/argo-cd/%61pi/…)', token('/argo-cd/%61pi/v1/account/admin/token'), 'refused'],
    ['an API token minted, slashes doubled (//argo-cd//api/…)', token('//argo-cd//api/v1/account/admin/token'), 'refused'],
    ['an API token minted under a prefix not followed by / on the site (/argo-cdx/api/…)', token('/argo-cdx/api/v1/account/admin/token'), 'refused'],
    ['an API token minted under a two-segment root path', token('/tools/argo-cd/api/v1/account/admin/token'), 'refused'],
    ['an API token minted under the root path with a trailing slash', token('/argo-cd/api/v1/account/admin/token/'), 'refused'],
    ['an API token over gRPC-web under the root path', grpc('CreateToken', frame(pb(1, 'admin')), 'application/grpc-web+proto', '/argo-cd/account.AccountService/CreateToken'), 'refused'],
    ['a cluster credential added over gRPC-web under the root path', grpc('Create', frame(pb(1, 'x')), 'application/grpc-web+proto', '/argo-cd/cluster.ClusterService/Create'), 'refused'],
    ['an application deleted, dot segment out of the prefix (/argo-cd/../api/…)', rest('DELETE', '/argo-cd/../api/v1/applications/shop-prod?cascade=true'), 'request_invalid'],
    ['an application deleted, encoded dot segment (/argo-cd/%2e%2e/api/…)', rest('DELETE', '/argo-cd/%2e%2e/api/v1/applications/shop-prod?cascade=true'), 'request_invalid'],
    ['an application deleted, doubled slash before the route (//argo-cd//api/…)', rest('DELETE', '//argo-cd//api/v1/applications/shop-prod?cascade=true'), 'request_invalid'],
    ['an application deleted under the root path', rest('DELETE', '/argo-cd/api/v1/applications/shop-prod?cascade=true'), 'refused'],
    ['an application rolled back under the root path', rest('POST', '/argo-cd/api/v1/applications/shop-prod/rollback', { id: 3 }), 'refused'],
  ])('%s, on the everyday sign-in', async (_what, spec, want) => {
    const res = await send(await signedIn('aal1', 600), spec);
    if (want === 'refused') expect(REFUSED, rules(res)).toContain(reason(res));
    else expect(reason(res), rules(res)).toBe('request_invalid');
  });

  it.each<[string, RequestSpec]>([
    ['the UI under the root path', { host: ARGOCD, method: 'GET', path: '/argo-cd/applications/argocd/shop-prod?view=tree' }],
    ['the applications listed under the root path', rest('GET', '/argo-cd/api/v1/applications?projects=shop')],
    ['the user info under the root path', rest('GET', '/argo-cd/api/v1/session/userinfo')],
    ['a plain sync under the root path', rest('POST', '/argo-cd/api/v1/applications/shop-prod/sync', { prune: false, dryRun: false })],
    ['a plain sync over gRPC-web under the root path', grpc('Sync', frame([...pb(1, 'shop-prod'), ...pb(12, 'argocd')]), 'application/grpc-web+proto', '/argo-cd/application.ApplicationService/Sync')],
    ['an application named api in the UI', { host: ARGOCD, method: 'GET', path: '/applications/api/api' }],
  ])('controls: %s, on the everyday sign-in: allowed', async (_what, spec) => {
    const res = await send(await signedIn(), spec);
    expect(reason(res), rules(res)).toBe('allowed');
  });
});

// ------------------------------------------------------------------------------ GitOps images

const ROGUE = 'registry.tessaly-cdn.example/checkout/checkout-api:7.14.2';
const OWN = 'registry.tessaly.example/checkout/checkout-api:7.14.2';
const { merge: MERGE, json: JSON_CT } = CONTENT_TYPES;
const KUBECTL_HEADERS = { 'x-envoy-auth-partial-body': 'false' };
const repo = { repoURL: 'https://git.tessaly.example/shop/deploy.git', path: 'checkout/overlays/prod', targetRevision: 'main' };
const target = { kind: 'Deployment', name: 'checkout-api' };
const imagePatch = (image: string) => `- op: replace\n  path: /spec/template/spec/containers/0/image\n  value: ${image}\n`;
const smpPatch = (image: string) => `apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: checkout-api\nspec:\n  template:\n    spec:\n      containers:\n        - name: checkout-api\n          image: ${image}\n`;
const appSpec = (source: object) => ({ project: 'shop', destination: { server: 'https://kubernetes.default.svc', namespace: 'checkout-prod' }, source: { ...repo, ...source } });
const updateSpec = (source: object): RequestSpec => rest('PUT', '/api/v1/applications/checkout-prod/spec?appNamespace=argocd', appSpec(source));
const kubectl = (method: string, path: string, type: string, body: unknown): RequestSpec => ({ host: KUBE, method, path, headers: { 'content-type': type, ...KUBECTL_HEADERS }, body: JSON.stringify(body) });
const KUSTOMIZATIONS = '/apis/kustomize.toolkit.fluxcd.io/v1/namespaces/flux-system/kustomizations';
const HELMRELEASES = '/apis/helm.toolkit.fluxcd.io/v2/namespaces/flux-system/helmreleases';
const kustomization = (spec: object) => ({ apiVersion: 'kustomize.toolkit.fluxcd.io/v1', kind: 'Kustomization', metadata: { name: 'checkout', namespace: 'flux-system' }, spec: { interval: '10m', path: './checkout/prod', prune: true, sourceRef: { kind: 'GitRepository', name: 'deploy' }, ...spec } });
const helmRelease = (spec: object) => ({ apiVersion: 'helm.toolkit.fluxcd.io/v2', kind: 'HelmRelease', metadata: { name: 'checkout', namespace: 'flux-system' }, spec: { interval: '10m', chart: { spec: { chart: 'checkout', sourceRef: { kind: 'HelmRepository', name: 'shop' } } }, ...spec } });

/** Each write by the image it names. */
const FOUND: [string, (image: string) => RequestSpec][] = [
  ["Argo CD's REST UpdateSpec with kustomize.patches (a JSON 6902 patch of the container's image)", (i) => updateSpec({ kustomize: { patches: [{ target, patch: imagePatch(i) }] } })],
  ["Argo CD's REST UpdateSpec with kustomize.patches (a strategic-merge patch)", (i) => updateSpec({ kustomize: { patches: [{ target, patch: smpPatch(i) }] } })],
  ['`kubectl apply` of a Flux Kustomization with spec.patches', (i) => kubectl('POST', `${KUSTOMIZATIONS}?fieldManager=kubectl-client-side-apply`, JSON_CT, kustomization({ patches: [{ target, patch: smpPatch(i) }] }))],
  ["`kubectl apply` of a Flux HelmRelease whose post-renderer's kustomize images replace the chart's", (i) => kubectl('POST', `${HELMRELEASES}?fieldManager=kubectl-client-side-apply`, JSON_CT, helmRelease({ postRenderers: [{ kustomize: { images: [{ name: 'checkout-api', newName: i.slice(0, i.lastIndexOf(':')), newTag: '7.14.2' }] } }] }))],
  ["`kubectl patch` of a Flux HelmRelease's post-renderer patches", (i) => kubectl('PATCH', `${HELMRELEASES}/checkout`, MERGE, { spec: { postRenderers: [{ kustomize: { patches: [{ target, patch: imagePatch(i) }] } }] } })],
  ["Argo CD's REST ApplicationSet Create whose list generator carries its own template (merged over spec.template, its fields winning)", (i) =>
    rest('POST', '/api/v1/applicationsets?upsert=true', { metadata: { name: 'shop', namespace: 'argocd' }, spec: { generators: [{ list: { elements: [{ env: 'prod' }], template: { metadata: {}, spec: { source: { ...repo, kustomize: { images: [`checkout-api=${i}`] } } } } } }], template: { metadata: { name: 'checkout-{{env}}' }, spec: appSpec({}) } } })],
];

/** Read since session 45: the image forms the brief names. */
const HELD: [string, (image: string) => RequestSpec][] = [
  ['kustomize images name=newName@sha256', (i) => updateSpec({ kustomize: { images: [`checkout-api=${i.slice(0, i.lastIndexOf(':'))}@sha256:${'a'.repeat(64)}`] } })],
  ['helm.valuesObject, an image object two subcharts deep', (i) => updateSpec({ helm: { valuesObject: { api: { worker: { image: { registry: i.slice(0, i.indexOf('/')), repository: 'checkout/checkout-api' } } } } } })],
  ['helm.values, a YAML string with a sidecarImage', (i) => updateSpec({ helm: { values: `api:\n  sidecarImage: ${i}\n` } })],
];

describe("found (redteam46): an image set by a kustomize patch, a HelmRelease post-renderer or an ApplicationSet generator's template was not read", () => {
  // Before redteam46 these were allowed on the two-factor sign-in: the guardrail read only
  // kustomize.images / spec.images / Helm values / spec.template, and the patch replacing the
  // container's image (or the generator's template) deployed the unlisted registry with the
  // controller's rights.
  it.each(FOUND)('%s: asked (image_registry_not_allowed)', async (_what, write) => {
    const res = await send(await signedIn('aal2', 60), write(ROGUE));
    expect(REFUSED, rules(res)).toContain(reason(res));
    expect(rules(res).split(',')).toContain('guardrail:image_registry_not_allowed');
  });

  it.each([...FOUND, ...HELD])("%s with the site's image: allowed on the same sign-in", async (_what, write) => {
    const res = await send(await signedIn('aal2', 60), write(OWN));
    expect(reason(res), rules(res)).toBe('allowed');
  });
});

describe('found (redteam46): the new fields spelt in another case over REST (Go decodes them as the fields)', () => {
  it.each<[string, RequestSpec]>([
    ['kustomize `Patches`', updateSpec({ kustomize: { Patches: [{ target, patch: imagePatch(OWN) }] } })],
    ["a kustomize patch's `Patch`", updateSpec({ kustomize: { patches: [{ target, Patch: imagePatch(OWN) }] } })],
  ])('%s, even naming the site\'s image: unreadable (body_unreadable)', async (_what, spec) => {
    const res = await send(await signedIn('aal2', 60), spec);
    expect(REFUSED, rules(res)).toContain(reason(res));
    expect(rules(res).split(',')).toContain('guardrail:body_unreadable');
  });
});

describe('checked: the image forms session 45 reads, where registries are listed', () => {
  it.each(HELD)('%s: asked', async (_what, write) => {
    const res = await send(await signedIn('aal2', 60), write(ROGUE));
    expect(rules(res).split(',')).toContain('guardrail:image_registry_not_allowed');
  });

  it('a tag-only kustomize image (name@sha256) keeps the manifest\'s registry: allowed', async () => {
    const res = await send(await signedIn('aal2', 60), updateSpec({ kustomize: { images: [`checkout-api@sha256:${'a'.repeat(64)}`] } }));
    expect(reason(res), rules(res)).toBe('allowed');
  });

  it('the same UpdateSpec over gRPC (protobuf not read): unreadable where registries are listed', async () => {
    const res = await send(await signedIn('aal2', 60), grpc('UpdateSpec', frame([...pb(1, 'checkout-prod'), ...pb(2, ''), ...pb(4, 'argocd')])));
    expect(REFUSED, rules(res)).toContain(reason(res));
    expect(rules(res).split(',')).toContain('guardrail:body_unreadable');
  });
});

describe('images a GitOps object sets by a variable or a file', () => {
  // Closed in session 50: kustomize-controller substitutes ${VAR} in the repository's manifests;
  // a variable named as an image (`CHECKOUT_IMAGE`) or a registry is read as a Helm value of that
  // shape is (rules/gitops-images.ts checkSubstitute). A variable named otherwise is not.
  it('a Flux Kustomization whose postBuild.substitute sets a variable the manifests use as the image: asked', async () => {
    const res = await send(await signedIn('aal2', 60), kubectl('POST', `${KUSTOMIZATIONS}?fieldManager=kubectl-client-side-apply`, JSON_CT, kustomization({ postBuild: { substitute: { CHECKOUT_IMAGE: ROGUE } } })));
    expect(rules(res).split(',')).toContain('guardrail:image_registry_not_allowed');
    const own = await send(await signedIn('aal2', 60), kubectl('POST', `${KUSTOMIZATIONS}?fieldManager=kubectl-client-side-apply`, JSON_CT, kustomization({ postBuild: { substitute: { CHECKOUT_IMAGE: OWN } } })));
    expect(reason(own), rules(own)).toBe('allowed');
  });

  // Closed in session 51 (issue #12): a values file at a URL is fetched when Argo CD renders, from
  // wherever it names (no repository the Application names), and may set `image.registry`: the
  // request does not show it, so it is unreadable where registries are listed (the unreadable
  // body's effect, a hardware key here), as a generator-filled value is. The repository's own
  // values files are the source's, as its manifests are: a PUT naming them stays the release
  // train's routine; a patch that changes which files, the repository or an unpinned revision is
  // unreadable (rules/gitops-images.ts checkValueFiles, checkSourceChange).
  it('an Argo CD Application whose helm.valueFiles names a values file at a URL: unreadable (body_unreadable)', async () => {
    const res = await send(await signedIn('aal2', 60), updateSpec({ helm: { valueFiles: ['values-prod.yaml', 'https://gist.example/evil/values.yaml'] } }));
    expect(REFUSED, rules(res)).toContain(reason(res));
    expect(rules(res).split(',')).toContain('guardrail:body_unreadable');
  });

  it.each<[string, RequestSpec]>([
    ['a REST Patch moving the Application to a branch and another values file', rest('PATCH', '/api/v1/applications/checkout-prod', { name: 'checkout-prod', patchType: 'merge', patch: JSON.stringify({ spec: { source: { targetRevision: 'feature/x', helm: { valueFiles: ['values-canary.yaml'] } } } }) })],
    ['`kubectl apply` of a Flux HelmRelease whose valuesFrom merges a ConfigMap', kubectl('POST', `${HELMRELEASES}?fieldManager=kubectl-client-side-apply`, JSON_CT, helmRelease({ valuesFrom: [{ kind: 'ConfigMap', name: 'checkout-values' }] }))],
    ['`kubectl apply` of a Flux Kustomization whose variables come from substituteFrom', kubectl('POST', `${KUSTOMIZATIONS}?fieldManager=kubectl-client-side-apply`, JSON_CT, kustomization({ postBuild: { substituteFrom: [{ kind: 'ConfigMap', name: 'cluster-vars' }] } }))],
  ])('%s: unreadable (body_unreadable)', async (_what, spec) => {
    const res = await send(await signedIn('aal2', 60), spec);
    expect(REFUSED, rules(res)).toContain(reason(res));
    expect(rules(res).split(',')).toContain('guardrail:body_unreadable');
  });

  it("a Flux Kustomization's variable named otherwise (`REPO`) holding an unlisted registry: asked; the site's own: allowed", async () => {
    const res = await send(await signedIn('aal2', 60), kubectl('POST', `${KUSTOMIZATIONS}?fieldManager=kubectl-client-side-apply`, JSON_CT, kustomization({ postBuild: { substitute: { REPO: 'registry.tessaly-cdn.example/checkout', TAG: '7.14.2' } } })));
    expect(rules(res).split(',')).toContain('guardrail:image_registry_not_allowed');
    const own = await send(await signedIn('aal2', 60), kubectl('POST', `${KUSTOMIZATIONS}?fieldManager=kubectl-client-side-apply`, JSON_CT, kustomization({ postBuild: { substitute: { REPO: 'registry.tessaly.example/checkout', TAG: '7.14.2' } } })));
    expect(reason(own), rules(own)).toBe('allowed');
  });

  it("the release train's UpdateSpec naming the repository's own values files and a pinned release: allowed", async () => {
    const res = await send(await signedIn('aal2', 60), updateSpec({ targetRevision: 'v7.14.2', helm: { valueFiles: ['values.yaml', 'values-prod.yaml'], parameters: [{ name: 'image.tag', value: '7.14.2' }] } }));
    expect(reason(res), rules(res)).toBe('allowed');
  });
});
