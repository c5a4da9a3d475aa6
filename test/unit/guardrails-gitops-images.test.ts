import { describe, expect, it } from 'vitest';
import { compileHostMatcher } from '../../src/core/glob.js';
import { checkGuardrails } from '../../src/guardrails/guard.js';
import { inspect } from '../../src/guardrails/inspect.js';
import { kustomizeNewName } from '../../src/guardrails/rules/gitops-images.js';
import type { GuardrailSettings } from '../../src/guardrails/settings.js';
import type { GuardrailResult } from '../../src/guardrails/types.js';
import { buildAttributes } from '../../src/request/build.js';
import { RequestHeaders } from '../../src/request/headers.js';
import { guardSettings, kube, toJsonPatch, toYaml } from '../support/guardrails.js';

/**
 * image_registry_not_allowed for the images a GitOps object tells its controller to substitute
 * (src/guardrails/rules/gitops-images.ts): Argo CD Applications and ApplicationSets, Flux
 * Kustomizations and HelmReleases, through the Kubernetes API and Argo CD's REST API (day 36's
 * redefinition of checkout's production application with a kustomize image from an unlisted registry).
 */

const settings = guardSettings(`
guardrails:
  allowed_registries: [registry.tessaly.example, ghcr.io/tessaly, docker.io/library]
`);
const unlisted = guardSettings('\nguardrails:\n  protected_namespaces: ["prod*"]\n');
const ROGUE = 'registry.tessaly-cdn.example/checkout/checkout-api:7.14.2';
const OWN = 'registry.tessaly.example/checkout/checkout-api:7.14.2';
const JSON_CT = 'application/json';
const MERGE = 'application/merge-patch+json';
const JSON_PATCH = 'application/json-patch+json';
const SMP = 'application/strategic-merge-patch+json';
const APPLY = 'application/apply-patch+yaml';

const APPS = '/apis/argoproj.io/v1alpha1/namespaces/argocd/applications';
const APPSETS = '/apis/argoproj.io/v1alpha1/namespaces/argocd/applicationsets';
const KUSTOMIZATIONS = '/apis/kustomize.toolkit.fluxcd.io/v1/namespaces/flux-system/kustomizations';
const HELMRELEASES = '/apis/helm.toolkit.fluxcd.io/v2/namespaces/checkout-prod/helmreleases';

const app = (source: object, extra: object = {}) => ({ apiVersion: 'argoproj.io/v1alpha1', kind: 'Application', metadata: { name: 'checkout-prod', namespace: 'argocd' }, spec: { project: 'shop', destination: { server: 'https://kubernetes.default.svc', namespace: 'checkout-prod' }, source, ...extra } });
const repo = { repoURL: 'https://git.tessaly.example/shop/deploy.git', path: 'checkout/overlays/prod', targetRevision: 'main' };
const kustomized = (...images: string[]) => app({ ...repo, kustomize: { images } });
const helm = (h: object) => app({ ...repo, helm: h });

const write = (method: string, path: string, body: unknown, type = JSON_CT, s: GuardrailSettings = settings): GuardrailResult =>
  inspect(kube(method, path), typeof body === 'string' ? body : JSON.stringify(body), type, false, s);
const flagged = (r: GuardrailResult) => r.violations.filter((v) => v.code === 'image_registry_not_allowed').map((v) => v.path);
const details = (r: GuardrailResult) => r.violations.filter((v) => v.code === 'image_registry_not_allowed').map((v) => v.detail);

describe("kustomize's image argument, as Argo CD hands it to `kustomize edit set image`", () => {
  it.each<[string, string | undefined]>([
    [`checkout-api=${ROGUE}`, ROGUE],
    ['checkout-api=evil.example/x', 'evil.example/x'],
    [`checkout-api=evil.example/x@sha256:${'a'.repeat(64)}`, `evil.example/x@sha256:${'a'.repeat(64)}`],
    // Only a tag or digest: the manifest's own image name is kept, registry and all.
    ['evil.example/x:1', undefined],
    [`checkout-api@sha256:${'a'.repeat(64)}`, undefined],
    ['checkout-api:7.14.2', undefined],
    // kustomize's parse takes exactly one `=` as a replacement; more is a tag form of a name with `=` in it.
    ['a=b=evil.example/x', undefined],
    ['checkout-api=', undefined],
  ])('%s replaces the image with %s', (arg, replaced) => {
    expect(kustomizeNewName(arg)).toBe(replaced);
  });
});

describe('an Argo CD Application through the Kubernetes API', () => {
  it("flags day 36's kustomize image from an unlisted registry, and names the field", () => {
    const r = write('POST', APPS, kustomized(`checkout-api=${ROGUE}`));
    expect(flagged(r)).toEqual(['spec.source.kustomize.images[0]']);
    expect(details(r)[0]).toBe(`an Argo CD Application's spec.source.kustomize.images names ${ROGUE}, not in allowed_registries`);
  });

  it('leaves the same Application with the listed registry, a tag-only override and no override alone', () => {
    expect(flagged(write('POST', APPS, kustomized(`checkout-api=${OWN}`, 'worker:7.14.2')))).toEqual([]);
    expect(write('POST', APPS, app(repo)).violations).toEqual([]);
  });

  it('reads each of spec.sources', () => {
    const r = write('PUT', `${APPS}/checkout-prod`, { ...app(repo), spec: { ...app(repo).spec, source: undefined, sources: [repo, { ...repo, kustomize: { images: [`checkout-api=${ROGUE}`] } }] } });
    expect(flagged(r)).toEqual(['spec.sources[1].kustomize.images[0]']);
    expect(details(r)[0]).toContain('spec.sources[1].kustomize.images');
  });

  it.each<[string, string, unknown]>([
    ['a merge patch', MERGE, { spec: { source: { kustomize: { images: [`checkout-api=${ROGUE}`] } } } }],
    ['a strategic merge patch', SMP, { spec: { source: { kustomize: { images: [`checkout-api=${ROGUE}`] } } } }],
    ['a JSON patch adding one image', JSON_PATCH, [{ op: 'add', path: '/spec/source/kustomize/images/-', value: `checkout-api=${ROGUE}` }]],
    ['a JSON patch of every leaf', JSON_PATCH, toJsonPatch({ spec: { source: { kustomize: { images: [`checkout-api=${ROGUE}`] } } } })],
    ['a server-side apply', APPLY, toYaml(kustomized(`checkout-api=${ROGUE}`))],
  ])('%s of the Application is read for its images', (_what, type, body) => {
    expect(flagged(write('PATCH', `${APPS}/checkout-prod`, body, type))).toHaveLength(1);
  });

  it('reads Helm parameters whose name is an image reference, alone or as registry and repository', () => {
    const params = (...p: [string, string][]) => helm({ parameters: p.map(([name, value]) => ({ name, value })) });
    expect(flagged(write('POST', APPS, params(['image', ROGUE])))).toEqual(['spec.source.helm.parameters[0].value']);
    expect(flagged(write('POST', APPS, params(['api.sidecarImage', 'evil.example/s:1'])))).toEqual(['spec.source.helm.parameters[0].value']);
    expect(flagged(write('POST', APPS, params(['api.image.registry', 'evil.example'], ['api.image.repository', 'checkout/api'])))).toEqual(['spec.source.helm.parameters[0].value']);
    expect(flagged(write('POST', APPS, params(['global.imageRegistry', 'evil.example'])))).toEqual(['spec.source.helm.parameters[0].value']);
    expect(flagged(write('POST', APPS, params(['image.repository', 'evil.example/checkout/api'])))).toEqual(['spec.source.helm.parameters[0].value']);
    // The chart's own registry (not in the body) with a repository, a tag, the listed registry: nothing to judge.
    expect(flagged(write('POST', APPS, params(['image.repository', 'checkout/api'], ['image.tag', '7.14.2'])))).toEqual([]);
    expect(flagged(write('POST', APPS, params(['image.registry', 'registry.tessaly.example'], ['image.repository', 'checkout/api'], ['replicaCount', '3'])))).toEqual([]);
    // A registry value with a path leads the repository: a repository prefix in the list allows it.
    expect(flagged(write('POST', APPS, params(['image.registry', 'ghcr.io/tessaly'], ['image.repository', 'checkout-api'])))).toEqual([]);
    expect(flagged(write('POST', APPS, params(['image.registry', 'ghcr.io/tessaly-evil'], ['image.repository', 'checkout-api'])))).toHaveLength(1);
  });

  it("takes a JSON patch of one Helm parameter's value or name by index as unreadable: the other half is stored", () => {
    for (const field of ['value', 'name']) {
      const r = write('PATCH', `${APPS}/checkout-prod`, [{ op: 'replace', path: `/spec/source/helm/parameters/0/${field}`, value: field === 'value' ? 'evil.example' : 'image.registry' }], JSON_PATCH);
      expect(r.unreadable, field).toBe('body_unreadable');
      expect(r.unreadableDetail).toContain('helm.parameters');
    }
    expect(write('PATCH', `${APPS}/checkout-prod`, [{ op: 'add', path: '/spec/source/helm/parameters/-', value: { name: 'image.tag', value: '7.14.3' } }], JSON_PATCH).unreadable).toBeUndefined();
  });

  it('reads helm.values (YAML text) and helm.valuesObject by the same shapes, subcharts and lists included', () => {
    expect(flagged(write('POST', APPS, helm({ values: 'image:\n  registry: evil.example\n  repository: checkout/api\n  tag: 7.14.2\n' })))).toEqual(['spec.source.helm.values.image.registry']);
    expect(flagged(write('POST', APPS, helm({ valuesObject: { worker: { extraContainers: [{ name: 'x', image: 'evil.example/x:1' }] } } })))).toEqual(['spec.source.helm.valuesObject.worker.extraContainers[0].image']);
    expect(flagged(write('POST', APPS, helm({ valuesObject: { image: { repository: 'checkout/api', tag: '1' }, nginx: { image: 'nginx:1.27' } } })))).toEqual([]);
  });

  it('takes helm.values it cannot read as unreadable, not as a pass', () => {
    const r = write('POST', APPS, helm({ values: 'image: [unclosed\n' }));
    expect(r.unreadable).toBe('body_unreadable');
    expect(r.unreadableDetail).toContain('helm.values');
  });
});

describe('an Argo CD ApplicationSet through the Kubernetes API', () => {
  const appset = (template: object, extra: object = {}) => ({ apiVersion: 'argoproj.io/v1alpha1', kind: 'ApplicationSet', metadata: { name: 'shop', namespace: 'argocd' }, spec: { generators: [{ list: { elements: [{ env: 'prod' }] } }], template, ...extra } });
  const tpl = (images: string[]) => ({ metadata: { name: 'checkout-{{env}}' }, spec: { project: 'shop', destination: { namespace: 'checkout-{{env}}' }, source: { ...repo, kustomize: { images } } } });

  it("reads its template's spec as an Application's", () => {
    const r = write('POST', APPSETS, appset(tpl([`checkout-api=${ROGUE}`])));
    expect(flagged(r)).toEqual(['spec.template.spec.source.kustomize.images[0]']);
    expect(details(r)[0]).toContain("an Argo CD ApplicationSet's spec.template.spec.source.kustomize.images");
    expect(write('POST', APPSETS, appset(tpl([`checkout-api=${OWN}`]))).violations).toEqual([]);
  });

  it('takes an image filled from a generator, a templatePatch, or generators patched under a stored template as unreadable', () => {
    // The whole argument from a generator: its `=` too.
    expect(write('POST', APPSETS, appset(tpl(['{{image}}']))).unreadable).toBe('body_unreadable');
    const named = appset({ ...tpl([]), spec: { ...tpl([]).spec, source: { ...repo, helm: { parameters: [{ name: '{{param}}', value: ROGUE }], valuesObject: { '{{key}}': ROGUE } } } } });
    expect(write('POST', APPSETS, named).unreadableDetail).toMatch(/filled from generators/);
    const templated = write('POST', APPSETS, appset(tpl(['checkout-api={{registry}}/checkout-api:{{tag}}'])));
    expect(templated.unreadable).toBe('body_unreadable');
    expect(templated.unreadableDetail).toContain('generators');
    expect(write('POST', APPSETS, appset(tpl([]), { templatePatch: 'spec:\n  source:\n    kustomize:\n      images: ["{{.img}}"]\n' })).unreadable).toBe('body_unreadable');
    expect(write('PATCH', `${APPSETS}/shop`, { spec: { generators: [{ list: { elements: [{ env: 'prod', img: ROGUE }] } }] } }, MERGE).unreadable).toBe('body_unreadable');
    // A template in the patch is merged into the stored one: what it leaves out is still filled.
    expect(write('PATCH', `${APPSETS}/shop`, { spec: { generators: [{ list: { elements: [{ env: 'prod' }] } }], template: tpl([`checkout-api=${OWN}`]) } }, MERGE).unreadable).toBe('body_unreadable');
    // A create's generators fill the template it shows.
    expect(write('POST', APPSETS, appset(tpl([`checkout-api=${OWN}`]))).unreadable).toBeUndefined();
  });
});

describe('Flux through the Kubernetes API', () => {
  const kustomization = (images: object[]) => ({ apiVersion: 'kustomize.toolkit.fluxcd.io/v1', kind: 'Kustomization', metadata: { name: 'checkout', namespace: 'flux-system' }, spec: { interval: '10m', path: './checkout/prod', sourceRef: { kind: 'GitRepository', name: 'deploy' }, images } });

  it("reads a Kustomization's images[].newName on create, merge patch and JSON patch", () => {
    expect(flagged(write('POST', KUSTOMIZATIONS, kustomization([{ name: 'checkout-api', newName: 'registry.tessaly-cdn.example/checkout/checkout-api', newTag: '7.14.2' }])))).toEqual(['spec.images[0].newName']);
    expect(flagged(write('PATCH', `${KUSTOMIZATIONS}/checkout`, { spec: { images: [{ name: 'checkout-api', newName: 'evil.example/api' }] } }, MERGE))).toEqual(['spec.images[0].newName']);
    expect(flagged(write('PATCH', `${KUSTOMIZATIONS}/checkout`, [{ op: 'add', path: '/spec/images/0', value: { name: 'checkout-api', newName: 'evil.example/api' } }], JSON_PATCH))).toEqual(['spec.images[0].newName']);
    expect(flagged(write('POST', KUSTOMIZATIONS, kustomization([{ name: 'checkout-api', newName: 'registry.tessaly.example/checkout/checkout-api' }, { name: 'worker', newTag: '7.14.2' }])))).toEqual([]);
  });

  // Session 50 (attack-session46's open row): the variables kustomize-controller substitutes for
  // `${NAME}` in the manifests, read by the names a site gives an image or a registry.
  it("reads a Kustomization's postBuild.substitute variables named as an image or a registry, on create, merge patch, JSON patch and apply", () => {
    const sub = (substitute: object) => ({ apiVersion: 'kustomize.toolkit.fluxcd.io/v1', kind: 'Kustomization', metadata: { name: 'checkout', namespace: 'flux-system' }, spec: { interval: '10m', path: './checkout/prod', sourceRef: { kind: 'GitRepository', name: 'deploy' }, postBuild: { substitute } } });
    const r = write('POST', KUSTOMIZATIONS, sub({ CHECKOUT_IMAGE: ROGUE, cluster_env: 'prod' }));
    expect(flagged(r)).toEqual(['spec.postBuild.substitute.CHECKOUT_IMAGE']);
    expect(details(r)[0]).toBe(`a Flux Kustomization's spec.postBuild.substitute CHECKOUT_IMAGE names ${ROGUE}, not in allowed_registries`);
    for (const name of ['IMAGE', 'checkout_image', 'checkoutImage', 'sidecarImage']) expect(flagged(write('POST', KUSTOMIZATIONS, sub({ [name]: ROGUE }))), name).toEqual([`spec.postBuild.substitute.${name}`]);
    for (const name of ['REGISTRY', 'IMAGE_REGISTRY', 'imageRegistry']) expect(flagged(write('POST', KUSTOMIZATIONS, sub({ [name]: 'registry.tessaly-cdn.example' }))), name).toEqual([`spec.postBuild.substitute.${name}`]);
    expect(flagged(write('PATCH', `${KUSTOMIZATIONS}/checkout`, { spec: { postBuild: { substitute: { CHECKOUT_IMAGE: ROGUE } } } }, MERGE))).toEqual(['spec.postBuild.substitute.CHECKOUT_IMAGE']);
    expect(flagged(write('PATCH', `${KUSTOMIZATIONS}/checkout`, [{ op: 'add', path: '/spec/postBuild/substitute/CHECKOUT_IMAGE', value: ROGUE }], JSON_PATCH))).toEqual(['spec.postBuild.substitute.CHECKOUT_IMAGE']);
    expect(flagged(write('PATCH', `${KUSTOMIZATIONS}/checkout?fieldManager=flux&force=true`, sub({ CHECKOUT_IMAGE: ROGUE }), APPLY))).toEqual(['spec.postBuild.substitute.CHECKOUT_IMAGE']);
    // The site's own image and registry, a tag, and variables not named as an image stay quiet.
    expect(flagged(write('POST', KUSTOMIZATIONS, sub({ CHECKOUT_IMAGE: OWN, REGISTRY: 'registry.tessaly.example', IMAGE_TAG: '7.14.2', IMAGE_PULL_POLICY: 'IfNotPresent', cluster_name: 'prod-eu-1', DOMAIN: 'shop.tessaly.example', REPLICAS: '3', REPO: 'registry.tessaly.example/checkout' })))).toEqual([]);
  });

  it("reads a HelmRelease's values by the chart shapes", () => {
    const r = write('POST', HELMRELEASES, { apiVersion: 'helm.toolkit.fluxcd.io/v2', kind: 'HelmRelease', metadata: { name: 'checkout', namespace: 'checkout-prod' }, spec: { chart: { spec: { chart: 'checkout' } }, values: { image: { registry: 'evil.example', repository: 'checkout/api' } } } });
    expect(flagged(r)).toEqual(['spec.values.image.registry']);
    expect(details(r)[0]).toBe("a Flux HelmRelease's spec.values names registry evil.example, not in allowed_registries");
    expect(flagged(write('PATCH', `${HELMRELEASES}/checkout`, { spec: { values: { image: { tag: '7.14.3' } } } }, MERGE))).toEqual([]);
  });
});

describe('found (redteam46): kustomize patches and a HelmRelease post-renderer set images too', () => {
  // Before redteam46 only `kustomize.images` / `spec.images` were read: a patch over the rendered
  // manifests replacing the container's image, or a HelmRelease post-renderer's kustomize images,
  // deployed an unlisted registry with the controller's rights, unasked.
  const SMP_TEXT = `apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: checkout-api\nspec:\n  template:\n    spec:\n      containers:\n        - name: checkout-api\n          image: ${ROGUE}\n`;
  const OPS_TEXT = `- op: replace\n  path: /spec/template/spec/containers/0/image\n  value: ${ROGUE}\n`;
  const OPS_JSON = JSON.stringify([{ op: 'add', path: '/spec/template/spec/containers/-', value: { name: 'side', image: ROGUE } }]);
  const target = { kind: 'Deployment', name: 'checkout-api' };
  const kustomization = (spec: object) => ({ apiVersion: 'kustomize.toolkit.fluxcd.io/v1', kind: 'Kustomization', metadata: { name: 'checkout', namespace: 'flux-system' }, spec: { interval: '10m', path: './checkout/prod', sourceRef: { kind: 'GitRepository', name: 'deploy' }, ...spec } });
  const release = (spec: object) => ({ apiVersion: 'helm.toolkit.fluxcd.io/v2', kind: 'HelmRelease', metadata: { name: 'checkout', namespace: 'checkout-prod' }, spec: { chart: { spec: { chart: 'checkout' } }, ...spec } });

  it.each<[string, string, string, unknown, string, string]>([
    ["an Argo CD Application's kustomize.patches (strategic merge, YAML text)", 'POST', APPS, app({ ...repo, kustomize: { patches: [{ target, patch: SMP_TEXT }] } }), JSON_CT, 'spec.source.kustomize.patches[0].patch.spec.template.spec.containers[0].image'],
    ["an Argo CD Application's kustomize.patches (JSON 6902, YAML list)", 'POST', APPS, app({ ...repo, kustomize: { patches: [{ target, patch: OPS_TEXT }] } }), JSON_CT, 'spec.source.kustomize.patches[0].patch[0].image'],
    ["an Argo CD Application's kustomize.patches in a merge patch", 'PATCH', `${APPS}/checkout-prod`, { spec: { source: { kustomize: { patches: [{ target, patch: OPS_JSON }] } } } }, MERGE, 'spec.source.kustomize.patches[0].patch[0].-.image'],
    ["a Flux Kustomization's spec.patches", 'POST', KUSTOMIZATIONS, kustomization({ patches: [{ target, patch: SMP_TEXT }] }), JSON_CT, 'spec.patches[0].patch.spec.template.spec.containers[0].image'],
    // Was caught before: a whole manifest, judged by the embedded-object reading as the Deployment it is.
    ["a Flux Kustomization's patchesStrategicMerge (v1beta2)", 'PATCH', `${KUSTOMIZATIONS}/checkout`, { spec: { patchesStrategicMerge: [{ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'checkout-api' }, spec: { template: { spec: { containers: [{ name: 'checkout-api', image: ROGUE }] } } } }] } }, MERGE, 'spec.patchesStrategicMerge[0].spec.template.spec.containers[0].image'],
    ["a Flux Kustomization's patchesJson6902 (v1beta2)", 'PATCH', `${KUSTOMIZATIONS}/checkout`, { spec: { patchesJson6902: [{ target, patch: [{ op: 'replace', path: '/spec/template/spec/containers/0/image', value: ROGUE }] }] } }, MERGE, 'spec.patchesJson6902[0].patch[0].image'],
    ["a HelmRelease post-renderer's kustomize images", 'POST', HELMRELEASES, release({ postRenderers: [{ kustomize: { images: [{ name: 'checkout-api', newName: 'registry.tessaly-cdn.example/checkout/checkout-api' }] } }] }), JSON_CT, 'spec.postRenderers[0].kustomize.images[0].newName'],
    ["a HelmRelease post-renderer's kustomize patches", 'PATCH', `${HELMRELEASES}/checkout`, { spec: { postRenderers: [{ kustomize: { patches: [{ target, patch: OPS_TEXT }] } }] } }, MERGE, 'spec.postRenderers[0].kustomize.patches[0].patch[0].image'],
  ])('%s: flagged', (_what, method, path, body, type, field) => {
    const r = write(method, path, body, type);
    expect(flagged(r), JSON.stringify(r)).toEqual([field]);
    // Without a list, nothing is read.
    expect(write(method, path, body, type, unlisted).violations.filter((v) => v.code === 'image_registry_not_allowed')).toEqual([]);
  });

  it('leaves patches that set a listed image, no image, or only a tag, and patch files in the repository', () => {
    const own = `- op: replace\n  path: /spec/template/spec/containers/0/image\n  value: ${OWN}\n`;
    const replicas = '- op: replace\n  path: /spec/replicas\n  value: 3\n';
    const r = write('POST', APPS, app({ ...repo, kustomize: { patches: [{ target, patch: own }, { target, patch: replicas }, { path: 'patches/prod.yaml' }, { target, patch: 'spec:\n  replicas: 3\n' }] } }));
    expect(r.violations).toEqual([]);
    expect(r.unreadable).toBeUndefined();
  });

  it('takes a patch text it cannot read, or one filled from generators, as unreadable', () => {
    const bad = write('POST', APPS, app({ ...repo, kustomize: { patches: [{ target, patch: 'spec: [unclosed' }] } }));
    expect(bad.unreadable).toBe('body_unreadable');
    expect(bad.unreadableDetail).toContain('kustomize.patches');
    const marked = write('POST', KUSTOMIZATIONS, kustomization({ patches: [{ target, patch: `${OPS_TEXT}---\n${OPS_TEXT}` }] }));
    expect(marked.unreadable).toBe('body_unreadable');
    const appset = { apiVersion: 'argoproj.io/v1alpha1', kind: 'ApplicationSet', metadata: { name: 'shop', namespace: 'argocd' }, spec: { generators: [{ list: { elements: [] } }], template: { metadata: { name: '{{env}}' }, spec: { project: 'shop', destination: { server: 'https://kubernetes.default.svc', namespace: 'checkout-prod' }, source: { ...repo, kustomize: { patches: [{ target, patch: '- op: replace\n  path: /spec/template/spec/containers/0/image\n  value: {{image}}\n' }] } } } } } };
    expect(write('POST', APPSETS, appset).unreadable).toBe('body_unreadable');
  });

  // review46: a JSON 6902 copy or move writes a value the body does not show (an annotation the
  // patch's first operation set, never judged as an image) onto the container's image.
  it.each<[string, string, unknown, string]>([
    ["an Argo CD Application's kustomize patch copying an annotation onto the image", APPS, app({ ...repo, kustomize: { patches: [{ target, patch: `- op: add\n  path: /metadata/annotations/x\n  value: ${ROGUE}\n- op: copy\n  from: /metadata/annotations/x\n  path: /spec/template/spec/containers/0/image\n` }] } }), 'spec.source.kustomize.patches[0].patch[1]'],
    ["a Flux Kustomization's patchesJson6902 moving an env value onto the image", KUSTOMIZATIONS, kustomization({ patchesJson6902: [{ target, patch: [{ op: 'add', path: '/spec/template/spec/containers/0/env/-', value: { name: 'X', value: ROGUE } }, { op: 'move', from: '/spec/template/spec/containers/0/env/0/value', path: '/spec/template/spec/containers/0/image' }] }] }), 'spec.patchesJson6902[0].patch[1]'],
  ])('%s: unreadable (was allowed)', (_what, path, body, field) => {
    const r = write('POST', path, body);
    expect(r.unreadable, JSON.stringify(r)).toBe('body_unreadable');
    expect(r.unreadableDetail).toContain(field);
  });
});

describe("found (redteam46): an ApplicationSet generator's own template was not read", () => {
  // A generator's `template` is merged over spec.template, its fields winning: a kustomize image
  // set there was deployed unread (only spec.template.spec was read).
  const source = (images: string[]) => ({ ...repo, kustomize: { images } });
  const appset = (generators: unknown[]) => ({ apiVersion: 'argoproj.io/v1alpha1', kind: 'ApplicationSet', metadata: { name: 'shop', namespace: 'argocd' }, spec: { generators, template: { metadata: { name: 'checkout-{{env}}' }, spec: { project: 'shop', destination: { server: 'https://kubernetes.default.svc', namespace: 'checkout-prod' }, source: source([]) } } } });
  it.each<[string, unknown[], string]>([
    ['a list generator', [{ list: { elements: [{ env: 'prod' }], template: { metadata: {}, spec: { source: source([`checkout-api=${ROGUE}`]) } } } }], 'spec.generators[0].list.template.spec.source.kustomize.images[0]'],
    ["a matrix's nested generator", [{ matrix: { generators: [{ clusters: {} }, { list: { elements: [{ env: 'prod' }], template: { metadata: {}, spec: { sources: [source([`checkout-api=${ROGUE}`])] } } } }] } }], 'spec.generators[0].matrix.generators[1].list.template.spec.sources[0].kustomize.images[0]'],
  ])('%s: flagged', (_what, generators, field) => {
    expect(flagged(write('POST', APPSETS, appset(generators)))).toEqual([field]);
    expect(flagged(write('POST', APPSETS, appset(JSON.parse(JSON.stringify(generators).replace(ROGUE, OWN)))))).toEqual([]);
  });
});

describe('session 51 (issue #12): images from places the body does not show', () => {
  const sub = (postBuild: object) => ({ apiVersion: 'kustomize.toolkit.fluxcd.io/v1', kind: 'Kustomization', metadata: { name: 'checkout', namespace: 'flux-system' }, spec: { interval: '10m', path: './checkout/prod', sourceRef: { kind: 'GitRepository', name: 'deploy' }, postBuild } });
  const release = (spec: object) => ({ apiVersion: 'helm.toolkit.fluxcd.io/v2', kind: 'HelmRelease', metadata: { name: 'checkout', namespace: 'checkout-prod' }, spec: { chart: { spec: { chart: 'checkout' } }, ...spec } });
  const unread = (r: GuardrailResult) => (r.unreadable === 'body_unreadable' ? r.unreadableDetail : undefined);

  it('judges a substitution variable named otherwise whose value is a reference on a registry host (`${REPO}`, `${TAG_OVERRIDE}`)', () => {
    const r = write('POST', KUSTOMIZATIONS, sub({ substitute: { REPO: 'registry.tessaly-cdn.example/checkout', TAG_OVERRIDE: ROGUE } }));
    expect(flagged(r).sort()).toEqual(['spec.postBuild.substitute.REPO', 'spec.postBuild.substitute.TAG_OVERRIDE']);
    expect(flagged(write('PATCH', `${KUSTOMIZATIONS}/checkout`, { spec: { postBuild: { substitute: { CHECKOUT_REF: 'localhost:5000/x' } } } }, MERGE))).toEqual(['spec.postBuild.substitute.CHECKOUT_REF']);
    // kustomize-controller drops line breaks from a value before it substitutes it.
    expect(flagged(write('POST', KUSTOMIZATIONS, sub({ substitute: { REPO: 'registry.tessaly-cdn\n.example/checkout' } })))).toEqual(['spec.postBuild.substitute.REPO']);
    // A tag, a domain, a URL, a count: no registry moves by them alone.
    expect(flagged(write('POST', KUSTOMIZATIONS, sub({ substitute: { TAG_OVERRIDE: '7.14.3', HOST: 'shop.tessaly.example', WEBHOOK: 'https://hooks.example/x/y', REPLICAS: '3' } })))).toEqual([]);
  });

  it("takes a Kustomization's substituteFrom as unreadable: the variables are in a ConfigMap or Secret", () => {
    expect(unread(write('POST', KUSTOMIZATIONS, sub({ substituteFrom: [{ kind: 'ConfigMap', name: 'cluster-vars' }] })))).toContain('spec.postBuild.substituteFrom');
    expect(write('POST', KUSTOMIZATIONS, sub({ substitute: { TAG: '1' }, substituteFrom: [] })).unreadable).toBeUndefined();
  });

  it("takes a HelmRelease's valuesFrom as unreadable where it may set an image; a targetPath that names no image is read as what it sets", () => {
    expect(unread(write('POST', HELMRELEASES, release({ valuesFrom: [{ kind: 'ConfigMap', name: 'checkout-values' }] })))).toContain('spec.valuesFrom[0]');
    expect(unread(write('POST', HELMRELEASES, release({ valuesFrom: [{ kind: 'Secret', name: 'v', valuesKey: 'registry', targetPath: 'image.registry' }] })))).toContain('image.registry');
    expect(unread(write('PATCH', `${HELMRELEASES}/checkout`, { spec: { valuesFrom: [{ kind: 'ConfigMap', name: 'x', targetPath: 'global.imageRegistry' }] } }, MERGE))).toBeDefined();
    expect(write('POST', HELMRELEASES, release({ valuesFrom: [{ kind: 'ConfigMap', name: 'v', valuesKey: 'tag', targetPath: 'image.tag' }, { kind: 'Secret', name: 'db', valuesKey: 'password', targetPath: 'db.password' }] })).unreadable).toBeUndefined();
  });

  it('takes a values file at a URL as unreadable, and a file parameter that sets an image; values files in the repository are the source', () => {
    const r = write('POST', APPS, helm({ valueFiles: ['values-prod.yaml', 'https://gist.example/evil/values.yaml'] }));
    expect(unread(r)).toContain('spec.source.helm.valueFiles[1]');
    expect(unread(write('POST', APPS, helm({ fileParameters: [{ name: 'image.registry', path: 'files/registry.txt' }] })))).toContain('fileParameters[0]');
    // Routine: the repository's own values files, a $ref to another source, a file parameter that is no image.
    expect(write('POST', APPS, helm({ valueFiles: ['values.yaml', 'values-prod.yaml', '$values/checkout/values-prod.yaml'], fileParameters: [{ name: 'tls.crt', path: 'files/tls.crt' }] })).unreadable).toBeUndefined();
    expect(write('PATCH', `${APPS}/checkout-prod?fieldManager=argocd`, toYaml(helm({ valueFiles: ['values-prod.yaml'] })), APPLY).unreadable).toBeUndefined();
  });

  it('takes a patch that moves an Application to other values, another repository or an unpinned revision as unreadable', () => {
    for (const source of [{ helm: { valueFiles: ['values-canary.yaml'] } }, { targetRevision: 'feature/faster-checkout' }, { targetRevision: 'HEAD' }, { repoURL: 'https://git.evil.example/deploy.git' }, { path: 'checkout/overlays/dev' }, { chart: 'other' }]) {
      expect(unread(write('PATCH', `${APPS}/checkout-prod`, { spec: { source } }, MERGE)), JSON.stringify(source)).toBeDefined();
    }
    expect(unread(write('PATCH', `${APPS}/checkout-prod`, [{ op: 'replace', path: '/spec/source/targetRevision', value: 'main' }], JSON_PATCH))).toContain('targetRevision');
    // Pinned: a commit, a release version. A patch of the destination or sync policy names no source.
    for (const rev of ['3f2c1e0b9a8d7c6b5a4f3e2d1c0b9a8f7e6d5c4b', 'v7.14.3', '1.4.2']) expect(write('PATCH', `${APPS}/checkout-prod`, { spec: { source: { targetRevision: rev } } }, MERGE).unreadable, rev).toBeUndefined();
    expect(write('PATCH', `${APPS}/checkout-prod`, { spec: { syncPolicy: { automated: { prune: true } } } }, MERGE).unreadable).toBeUndefined();
  });
});

describe('without allowed_registries nothing changes', () => {
  it.each<[string, string, string, unknown, string]>([
    ['an Application', 'POST', APPS, kustomized(`checkout-api=${ROGUE}`), JSON_CT],
    ['an ApplicationSet with a generator-filled image', 'POST', APPSETS, { spec: { template: { spec: { source: { kustomize: { images: ['a={{img}}'] } } } } } }, JSON_CT],
    ['a Flux Kustomization', 'PATCH', `${KUSTOMIZATIONS}/checkout`, { spec: { images: [{ name: 'a', newName: 'evil.example/a' }] } }, MERGE],
    ["a Flux Kustomization's postBuild.substitute", 'PATCH', `${KUSTOMIZATIONS}/checkout`, { spec: { postBuild: { substitute: { CHECKOUT_IMAGE: 'evil.example/a' } } } }, MERGE],
    ["a Flux Kustomization's substituteFrom", 'PATCH', `${KUSTOMIZATIONS}/checkout`, { spec: { postBuild: { substitute: { REPO: 'evil.example/a' }, substituteFrom: [{ kind: 'ConfigMap', name: 'v' }] } } }, MERGE],
    ["a HelmRelease's valuesFrom", 'PATCH', `${HELMRELEASES}/checkout`, { spec: { valuesFrom: [{ kind: 'ConfigMap', name: 'v' }] } }, MERGE],
    ['an Application patched to a values file at a URL and a branch', 'PATCH', `${APPS}/checkout-prod`, { spec: { source: { targetRevision: 'main', helm: { valueFiles: ['https://gist.example/v.yaml'] } } } }, MERGE],
  ])('%s', (_what, method, path, body, type) => {
    const r = write(method, path, body, type, unlisted);
    expect(flagged(r)).toEqual([]);
    expect(r.unreadable).toBeUndefined();
  });
});

describe("Argo CD's REST API (kubernetes.web_apis argo-cd): the request stays a web request, its object's images are read", () => {
  const hosts = compileHostMatcher(['kube.example'], [], [], [{ hosts: ['argocd.example'], api: 'argo-cd' }]);
  const guard = (method: string, target: string, body: unknown, s: GuardrailSettings = settings, truncated = false) => {
    const b = buildAttributes({ method, target, authority: 'argocd.example', scheme: 'https', headers: RequestHeaders.of([['content-type', 'application/json']]), sourceAddress: '10.0.0.1', sourcePrincipal: '', contextExtensions: {}, body: typeof body === 'string' ? body : JSON.stringify(body), bodyTruncated: truncated }, [], hosts);
    if (!b.ok) throw new Error(b.detail);
    expect(b.attributes.kube).toBeUndefined();
    return checkGuardrails(s, b.attributes);
  };
  const codes = (o: ReturnType<typeof guard>) => o?.result.violations.map((v) => v.code) ?? [];
  const spec = kustomized(`checkout-api=${ROGUE}`).spec;

  it.each<[string, string, string, unknown]>([
    ["UpdateSpec (day 36's push)", 'PUT', '/api/v1/applications/checkout-prod/spec?appNamespace=argocd', spec],
    ['Create', 'POST', '/api/v1/applications?upsert=true', kustomized(`checkout-api=${ROGUE}`)],
    ['Update', 'PUT', '/api/v1/applications/checkout-prod', kustomized(`checkout-api=${ROGUE}`)],
    ['Patch, a JSON patch (the default type)', 'PATCH', '/api/v1/applications/checkout-prod', { name: 'checkout-prod', patch: JSON.stringify([{ op: 'replace', path: '/spec/source/kustomize/images', value: [`checkout-api=${ROGUE}`] }]) }],
    ['Patch, a merge patch', 'PATCH', '/api/v1/applications/checkout-prod', { name: 'checkout-prod', patchType: 'merge', patch: JSON.stringify({ spec: { source: { kustomize: { images: [`checkout-api=${ROGUE}`] } } } }) }],
    ['an ApplicationSet Create', 'POST', '/api/v1/applicationsets', { metadata: { name: 'shop' }, spec: { generators: [], template: { metadata: { name: 'x' }, spec } } }],
    ['under a root path', 'PUT', '/argo-cd/api/v1/applications/checkout-prod/spec', spec],
  ])('%s with an unlisted registry is flagged', (_what, method, target, body) => {
    const o = guard(method, target, body);
    expect(codes(o)).toEqual(['image_registry_not_allowed']);
    expect(o?.contribution.codes).toContain('image_registry_not_allowed');
  });

  it('names the field in the detail and judges the destination namespace', () => {
    const o = guard('PUT', '/api/v1/applications/checkout-prod/spec', spec);
    expect(o?.result.violations[0]?.detail).toBe(`an Argo CD Application's spec.source.kustomize.images names ${ROGUE}, not in allowed_registries`);
  });

  it('leaves the listed image, a sync and a read alone, and images without allowed_registries', () => {
    expect(guard('PUT', '/api/v1/applications/checkout-prod/spec', kustomized(`checkout-api=${OWN}`).spec)).toBeUndefined();
    expect(guard('POST', '/api/v1/applications/checkout-prod/sync', { prune: false })).toBeUndefined();
    expect(guard('PUT', '/api/v1/applications/checkout-prod/spec', spec, unlisted)).toBeUndefined();
    // The CLI's gRPC body is unread only where registries are listed (asking every `argocd app set` otherwise).
    expect(guard('POST', '/application.ApplicationService/UpdateSpec', '\0\0\0\0\x12\n\x08checkout', unlisted)).toBeUndefined();
    // review49: a REST body is read for the kustomize patches it carries with or without a list, so
    // one that cannot be read may carry any.
    expect(guard('PATCH', '/api/v1/applications/checkout-prod', { patch: '{', patchType: 'merge' }, unlisted)?.result.unreadable).toMatch(/^body_/);
    // A Sync method path under a JSON content type is no gRPC call Argo CD serves: refused before the guardrails (review45).
    expect(() => guard('POST', '/application.ApplicationService/Sync', '\0\0\0\0\x12\n\x08checkout')).toThrow(/no gRPC or gRPC-web POST/);
  });

  it.each<[string, string, string, unknown, boolean?]>([
    ['a key spelt in another case (Go decodes it as the field)', 'PUT', '/api/v1/applications/checkout-prod/spec', { source: { ...repo, Kustomize: { images: [`checkout-api=${ROGUE}`] } } }],
    ['the Kelvin sign in a key', 'PUT', '/api/v1/applications/checkout-prod/spec', { source: { ...repo, \u212austomize: { images: [`checkout-api=${ROGUE}`] } } }],
    // redteam46: the fields the patch reading added, spelt otherwise (were read by Go, passed over here).
    ['kustomize `Patches` spelt in another case', 'PUT', '/api/v1/applications/checkout-prod/spec', { source: { ...repo, kustomize: { Patches: [{ target: { kind: 'Deployment' }, patch: `- op: replace\n  path: /spec/template/spec/containers/0/image\n  value: ${ROGUE}\n` }] } } }],
    ['a kustomize patch\'s `PATCH` spelt in another case', 'PUT', '/api/v1/applications/checkout-prod/spec', { source: { ...repo, kustomize: { patches: [{ target: { kind: 'Deployment' }, PATCH: `- op: replace\n  path: /spec/template/spec/containers/0/image\n  value: ${ROGUE}\n` }] } } }],
    ['a JSON patch path spelt in another case', 'PATCH', '/api/v1/applications/checkout-prod', { patch: JSON.stringify([{ op: 'add', path: '/spec/Source', value: { kustomize: { images: [`checkout-api=${ROGUE}`] } } }]) }],
    ['a patch that is no string', 'PATCH', '/api/v1/applications/checkout-prod', { patch: { spec: {} } }],
    ['a body cut at the limit', 'PUT', '/api/v1/applications/checkout-prod/spec', spec, true],
    ['a patch that is no JSON', 'PATCH', '/api/v1/applications/checkout-prod', { patch: '[{', patchType: 'json' }],
    // The CLI's gRPC: the object is in a protobuf body.
    ['UpdateSpec over gRPC', 'POST', '/application.ApplicationService/UpdateSpec', '\0\0\0\0\x12\n\x08checkout'],
    ['Create over gRPC-web under a root path', 'POST', '/argo-cd/application.ApplicationService/Create', '\0\0\0\0\x12\n\x08checkout'],
    ['an ApplicationSet Create over gRPC', 'POST', '/applicationset.ApplicationSetService/Create', '\0\0\0\0\x12\n\x08checkout'],
  ])('%s is unreadable where registries are listed', (_what, method, target, body, truncated) => {
    const o = guard(method, target, body, settings, truncated === true);
    expect(o?.result.unreadable, JSON.stringify(o?.result)).toMatch(/^body_/);
  });
});
