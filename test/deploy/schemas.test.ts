import { readFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/load.js';
import {
  helmValuesSchema,
  isKustomization,
  isTyped,
  istioOperatorSpecSchema,
  loadDocs,
  modelClass,
  readKustomization,
  renderKustomization,
  ROOT,
  unknownFieldErrors,
  withoutDirectives,
  yamlFiles,
  type TypedObject,
} from './manifests.js';

/**
 * Every YAML document under deploy/ and istio/ is something a tool accepts as is: a Kubernetes or
 * Istio object valid for its schema (types, enums, required fields, and no unknown fields), a
 * kustomization whose references exist, the stepgate policy it generates, or the Helm values form of
 * the mesh config. A document that is none of these fails the test.
 */

const FILES = yamlFiles('deploy', 'istio');
const KUSTOMIZE_DIRS = FILES.filter((f) => basename(f) === 'kustomization.yaml').map(dirname);
const GENERATED = new Set(
  KUSTOMIZE_DIRS.flatMap((d) => (readKustomization(d).configMapGenerator ?? []).flatMap((g) => g.files.map((f) => join(d, f)))),
);
const PATCHES = new Set(KUSTOMIZE_DIRS.flatMap((d) => (readKustomization(d).patches ?? []).flatMap((p) => ('path' in p ? [join(d, p.path)] : []))));

/** Plain Kubernetes/Istio objects (not kustomizations, not patches). */
const OBJECTS = FILES.filter((f) => !PATCHES.has(f) && !GENERATED.has(f)).flatMap((file) =>
  loadDocs(file)
    .filter((d) => isTyped(d.data) && !isKustomization(d.data))
    .map((d) => ({ file, index: d.index, data: d.data as TypedObject })),
);

describe('YAML under deploy/ and istio/', () => {
  it('covers the files the operator applies', () => {
    expect(FILES).toEqual(
      expect.arrayContaining([
        'deploy/base/kustomization.yaml',
        'deploy/base/deployment.yaml',
        'deploy/base/stepgate.yaml',
        'deploy/base/redis.yaml',
        'deploy/overlays/single-replica/kustomization.yaml',
        'deploy/overlays/external-redis/kustomization.yaml',
        'istio/mesh-config/istio-operator.yaml',
        'istio/mesh-config/helm-values.yaml',
        'istio/10-authorizationpolicy-kube-api.yaml',
        'istio/20-kube-apiserver.yaml',
      ]),
    );
    expect(GENERATED).toEqual(new Set(['deploy/base/stepgate.yaml']));
  });

  it.each(FILES)('%s: every document parses and is of a known kind', async (file) => {
    const docs = loadDocs(file);
    expect(docs.length).toBeGreaterThan(0);
    for (const { data, index } of docs) {
      const where = `${file}#${index}`;
      if (GENERATED.has(file)) {
        // The policy file a ConfigMap is generated from: stepgate's own loader must accept it.
        expect(() => parseConfig(readFileSync(join(ROOT, file), 'utf8'), file), where).not.toThrow();
      } else if (isKustomization(data)) {
        // Strict structure, and every referenced file exists (rendering follows each reference).
        expect(() => renderKustomization(dirname(file)), where).not.toThrow();
      } else if (PATCHES.has(file)) {
        expect(isTyped(data), `${where}: a patch names apiVersion, kind and metadata.name`).toBe(true);
        expect(unknownFieldErrors([{ data: withoutDirectives(data as TypedObject), partial: true }])[0], where).toEqual([]);
      } else if (isTyped(data)) {
        const Model = await modelClass(data.apiVersion, data.kind);
        expect(() => new Model(data).validate(), where).not.toThrow();
        if (data.kind === 'IstioOperator') istioOperatorSpecSchema.parse(data.spec);
      } else if (file.startsWith('istio/mesh-config/')) {
        helmValuesSchema.parse(data);
      } else {
        throw new Error(`${where}: neither a Kubernetes object, a kustomization, a patch nor a known config file`);
      }
    }
  });

  it('no object has a field its schema does not know (kubectl would reject it)', () => {
    // The IstioOperator model types no spec; istioOperatorSpecSchema checks ours strictly instead.
    const typed = OBJECTS.map((o) => (o.data.kind === 'IstioOperator' ? { ...o.data, spec: undefined } : o.data));
    const errors = unknownFieldErrors(typed.map((data) => ({ data })));
    const found = OBJECTS.flatMap((o, i) => errors[i]!.map((e) => `${o.file}#${o.index} ${o.data.kind}: ${e}`));
    expect(found).toEqual([]);
    expect(OBJECTS.length).toBeGreaterThanOrEqual(15);
  });

  it('the unknown-field check does catch a misspelt field, deep down', () => {
    const deployment = structuredClone(OBJECTS.find((o) => o.data.kind === 'Deployment' && o.data.metadata.name === 'stepgate')!.data);
    const container = (deployment.spec as { template: { spec: { containers: Record<string, unknown>[] } } }).template.spec.containers[0]!;
    container.securityContext = { readOnlyRootFileSystem: true };
    const [errors] = unknownFieldErrors([{ data: deployment }]);
    expect(errors!.join('\n')).toContain('readOnlyRootFileSystem');
  });

  it.each(KUSTOMIZE_DIRS)('%s renders to objects that validate (patches merged, ConfigMaps generated)', async (dir) => {
    const { objects } = renderKustomization(dir);
    expect(objects.length).toBeGreaterThan(0);
    for (const o of objects) {
      const Model = await modelClass(o.apiVersion, o.kind);
      expect(() => new Model(o).validate(), `${dir}: ${o.kind}/${o.metadata.name}`).not.toThrow();
    }
    const errors = unknownFieldErrors(objects.map((data) => ({ data })));
    expect(errors.flat()).toEqual([]);
  });
});
