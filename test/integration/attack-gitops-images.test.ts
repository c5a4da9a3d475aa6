import { describe, expect, it } from 'vitest';
import { builtServerForFile, freshSubjects, KUBE, officeRound, reason, REFUSED, rules } from '../support/built-server.js';
import { CONTENT_TYPES, type RequestSpec } from '../support/requests.js';

/**
 * Day 36's class (test/integration/risk-day36-findings.test.ts) in every way the object arrives:
 * an image from a registry the site does not list, named in a GitOps object whose controller
 * deploys it with its own rights (an Argo CD Application's or ApplicationSet's kustomize images or
 * Helm parameters, a Flux Kustomization's images, a HelmRelease's values), written through Argo
 * CD's REST API and through kube-apiserver (`kubectl apply`). Against the built server with a
 * site's copy of the example that lists its registries and holds image_registry_not_allowed to a
 * hardware key (the example lists none): each is asked of the fresh two-factor sign-in that the
 * path and object rules (argocd-app-changes, argocd-objects, flux-objects) accept, and the same
 * write with the site's image is allowed on that sign-in, as it is today.
 */

const SITE = (yaml: string) =>
  yaml
    .replace(/^guardrails:\n/m, 'guardrails:\n  allowed_registries: [registry.tessaly.example, docker.io/library]\n')
    .replace(/^ {2}effects:\n/m, '  effects:\n    image_registry_not_allowed: {require: aal3, max_age: 300}\n');
const server = builtServerForFile('gitopsimages', SITE);
const subjects = freshSubjects(() => server().issuer, 'gitopsimages');
const { signedIn, send } = officeRound(server, subjects);

const ARGOCD = 'argocd.localhost';
const ROGUE = 'registry.tessaly-cdn.example/checkout/checkout-api:7.14.2';
const OWN = 'registry.tessaly.example/checkout/checkout-api:7.14.2';
const { merge: MERGE, json: JSON_CT, apply: APPLY } = CONTENT_TYPES;
const KUBECTL_HEADERS = { 'x-envoy-auth-partial-body': 'false' };

const repo = { repoURL: 'https://git.tessaly.example/shop/deploy.git', path: 'checkout/overlays/prod', targetRevision: 'main' };
const spec = (image: string) => ({ project: 'shop', destination: { server: 'https://kubernetes.default.svc', namespace: 'checkout-prod' }, source: { ...repo, kustomize: { images: [`checkout-api=${image}`] } } });
const application = (image: string) => ({ apiVersion: 'argoproj.io/v1alpha1', kind: 'Application', metadata: { name: 'checkout-prod', namespace: 'argocd' }, spec: spec(image) });
const helmApp = (image: string) => ({ ...application(image), spec: { ...spec(image), source: { ...repo, helm: { parameters: [{ name: 'image.registry', value: image.slice(0, image.indexOf('/')) }, { name: 'image.repository', value: 'checkout/checkout-api' }] } } } });
const kustomization = (image: string) => ({ apiVersion: 'kustomize.toolkit.fluxcd.io/v1', kind: 'Kustomization', metadata: { name: 'checkout', namespace: 'flux-system' }, spec: { interval: '10m', path: './checkout/prod', prune: true, sourceRef: { kind: 'GitRepository', name: 'deploy' }, images: [{ name: 'checkout-api', newName: image.slice(0, image.lastIndexOf(':')), newTag: '7.14.2' }] } });
const helmRelease = (image: string) => ({ apiVersion: 'helm.toolkit.fluxcd.io/v2', kind: 'HelmRelease', metadata: { name: 'checkout', namespace: 'flux-system' }, spec: { interval: '10m', chart: { spec: { chart: 'checkout', sourceRef: { kind: 'HelmRepository', name: 'shop' } } }, values: { image: { repository: image.slice(0, image.lastIndexOf(':')), tag: '7.14.2' } } } });

const kubectl = (method: string, path: string, type: string, body: unknown): RequestSpec => ({ host: KUBE, method, path, headers: { 'content-type': type, ...KUBECTL_HEADERS }, body: typeof body === 'string' ? body : JSON.stringify(body) });
const argocd = (method: string, path: string, body: unknown): RequestSpec => ({ host: ARGOCD, method, path, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
const APPS = '/apis/argoproj.io/v1alpha1/namespaces/argocd/applications';

/** Each write by the image it names. */
const WRITES: [string, (image: string) => RequestSpec][] = [
  ["Argo CD's REST UpdateSpec (day 36's push)", (i) => argocd('PUT', '/api/v1/applications/checkout-prod/spec?appNamespace=argocd', spec(i))],
  ["Argo CD's REST Create", (i) => argocd('POST', '/api/v1/applications?upsert=true', application(i))],
  ["Argo CD's REST Update", (i) => argocd('PUT', '/api/v1/applications/checkout-prod', application(i))],
  ["Argo CD's REST Patch (argocd app patch, a merge patch)", (i) => argocd('PATCH', '/api/v1/applications/checkout-prod', { name: 'checkout-prod', appNamespace: 'argocd', patchType: 'merge', patch: JSON.stringify({ spec: { source: { kustomize: { images: [`checkout-api=${i}`] } } } }) })],
  ["Argo CD's REST ApplicationSet Create", (i) => argocd('POST', '/api/v1/applicationsets?upsert=true', { metadata: { name: 'shop', namespace: 'argocd' }, spec: { generators: [{ list: { elements: [{ env: 'prod' }] } }], template: { metadata: { name: 'checkout-{{env}}' }, spec: spec(i) } } })],
  ['`kubectl apply` of a new Application', (i) => kubectl('POST', `${APPS}?fieldManager=kubectl-client-side-apply`, JSON_CT, application(i))],
  ['`kubectl apply` of the existing Application (a merge patch)', (i) => kubectl('PATCH', `${APPS}/checkout-prod?fieldManager=kubectl-client-side-apply`, MERGE, { spec: { source: { kustomize: { images: [`checkout-api=${i}`] } } } })],
  ['`kubectl apply --server-side` of an Application with Helm parameters', (i) => kubectl('PATCH', `${APPS}/checkout-prod?fieldManager=kubectl&force=true`, APPLY, JSON.stringify(helmApp(i)))],
  ['`kubectl apply` of a new Flux Kustomization', (i) => kubectl('POST', '/apis/kustomize.toolkit.fluxcd.io/v1/namespaces/flux-system/kustomizations?fieldManager=kubectl-client-side-apply', JSON_CT, kustomization(i))],
  ['`kubectl apply` of a new Flux HelmRelease', (i) => kubectl('POST', '/apis/helm.toolkit.fluxcd.io/v2/namespaces/flux-system/helmreleases?fieldManager=kubectl-client-side-apply', JSON_CT, helmRelease(i))],
];

describe('an image from an unlisted registry in a GitOps object', () => {
  it.each(WRITES)('%s: asked of a two-factor sign-in a minute old (image_registry_not_allowed)', async (_what, write) => {
    const res = await send(await signedIn('aal2', 60), write(ROGUE));
    expect(REFUSED, rules(res)).toContain(reason(res));
    expect(rules(res).split(',')).toContain('guardrail:image_registry_not_allowed');
  });

  it.each(WRITES)("%s with the site's image: allowed on the same sign-in, as today", async (_what, write) => {
    const res = await send(await signedIn('aal2', 60), write(OWN));
    expect(rules(res)).not.toContain('guardrail:image_registry_not_allowed');
    expect(reason(res), rules(res)).toBe('allowed');
  });
});
