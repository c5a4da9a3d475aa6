import { describe, expect, it } from 'vitest';
import { inspect } from '../../src/guardrails/inspect.js';
import { guardSettings, kube } from '../support/guardrails.js';

// OpenShift's kinds whose body says what they deploy: an image stream's tags (every trigger that
// follows them rolls out where they point) and a build's custom strategy (a privileged builder).
const settings = guardSettings();
const JSON_CT = 'application/json';
const MERGE = 'application/merge-patch+json';
const SMP = 'application/strategic-merge-patch+json';
const JP = 'application/json-patch+json';
const APPLY = 'application/apply-patch+yaml';
const IS = '/apis/image.openshift.io/v1/namespaces/builds/imagestreams';
const ISI = '/apis/image.openshift.io/v1/namespaces/builds/imagestreamimports';
const BC = '/apis/build.openshift.io/v1/namespaces/dev/buildconfigs';
const EVIL = 'quay.io/mallory/evil:latest';
const found = (method: string, path: string, body: unknown, type = JSON_CT) => inspect(kube(method, path), typeof body === 'string' ? body : JSON.stringify(body), type, false, settings).violations;
const codes = (method: string, path: string, body: unknown, type = JSON_CT) => found(method, path, body, type).map((v) => v.code);
const stream = (tags: unknown[]) => ({ apiVersion: 'image.openshift.io/v1', kind: 'ImageStream', metadata: { name: 'app' }, spec: { tags } });
const imports = (spec: Record<string, unknown>) => ({ apiVersion: 'image.openshift.io/v1', kind: 'ImageStreamImport', metadata: { name: 'app' }, spec });

describe('gitops_source_change: OpenShift image streams', () => {
  it.each<[string, string, string, unknown, string, string[]]>([
    ['oc import-image (import: true)', 'POST', ISI, imports({ import: true, images: [{ from: { kind: 'DockerImage', name: EVIL }, to: { name: 'latest' } }] }), JSON_CT, ['gitops_source_change']],
    ['a whole repository imported', 'POST', ISI, imports({ import: true, repository: { from: { kind: 'DockerImage', name: 'quay.io/mallory/evil' } } }), JSON_CT, ['gitops_source_change']],
    ["oc new-app's lookup (import: false)", 'POST', ISI, imports({ import: false, images: [{ from: { kind: 'DockerImage', name: EVIL } }] }), JSON_CT, []],
    ["the console's lookup (import absent)", 'POST', ISI, imports({ images: [{ from: { kind: 'DockerImage', name: EVIL } }] }), JSON_CT, []],
    ['a string "true" is no import (the API server refuses it)', 'POST', ISI, imports({ import: 'true' }), JSON_CT, []],
    ['a new stream with a tag', 'POST', IS, stream([{ name: 'latest', from: { kind: 'DockerImage', name: EVIL } }]), JSON_CT, []],
    ['a stream replaced with a tag pointing somewhere', 'PUT', `${IS}/app`, stream([{ name: 'latest', from: { kind: 'DockerImage', name: EVIL } }]), JSON_CT, ['gitops_source_change']],
    ['a stream replaced with tags that point nowhere', 'PUT', `${IS}/app`, stream([{ name: 'latest' }]), JSON_CT, []],
    ['a merge patch of spec.tags', 'PATCH', `${IS}/app`, { spec: { tags: [{ name: 'latest', from: { kind: 'ImageStreamTag', name: 'evil:latest', namespace: 'mallory' } }] } }, MERGE, ['gitops_source_change']],
    ['a merge patch that removes every tag', 'PATCH', `${IS}/app`, { spec: { tags: null } }, MERGE, ['gitops_source_change']],
    ['a strategic merge patch of spec.tags', 'PATCH', `${IS}/app`, { spec: { tags: [{ name: 'prod', from: { kind: 'DockerImage', name: EVIL } }] } }, SMP, ['gitops_source_change']],
    ['a JSON patch of one tag', 'PATCH', `${IS}/app`, [{ op: 'replace', path: '/spec/tags/0/from/name', value: EVIL }], JP, ['gitops_source_change']],
    ['a server-side apply of the tags', 'PATCH', `${IS}/app?fieldManager=x`, 'apiVersion: image.openshift.io/v1\nkind: ImageStream\nmetadata:\n  name: app\nspec:\n  tags:\n  - name: latest\n    from: {kind: DockerImage, name: quay.io/mallory/evil:latest}\n', APPLY, ['gitops_source_change']],
    ['oc set image-lookup', 'PATCH', `${IS}/app`, { spec: { lookupPolicy: { local: true } } }, SMP, []],
    ['a label', 'PATCH', `${IS}/app`, { metadata: { labels: { team: 'web' } } }, MERGE, []],
  ])('%s', (_what, method, path, body, type, expected) => {
    expect(codes(method, path, body, type)).toEqual(expected);
  });

  it('names the image in the detail, without the control characters a body may carry', () => {
    const [v] = found('POST', ISI, imports({ import: true, images: [{ from: { kind: 'DockerImage', name: `quay.io/mallory/\u001b[2Jevil` } }] }));
    expect(v?.detail).toBe("an ImageStreamImport imports quay.io/mallory/[2Jevil into the stream's tags: what every trigger that follows them deploys");
    expect(v?.path).toBe('spec.import');
  });

  it('an image stream body that cannot be read is the worst case', () => {
    const res = inspect(kube('PATCH', `${IS}/app`), '{"spec":', MERGE, false, settings);
    expect(res.unreadable).toBe('body_unreadable');
  });
});

describe('privileged_container: an OpenShift custom build strategy', () => {
  const bc = (strategy: Record<string, unknown>) => ({ apiVersion: 'build.openshift.io/v1', kind: 'BuildConfig', metadata: { name: 'app' }, spec: { source: { git: { uri: 'https://github.com/example/app' } }, strategy } });
  it.each<[string, string, string, unknown, string, string[]]>([
    ['a BuildConfig with a custom strategy', 'POST', BC, bc({ type: 'Custom', customStrategy: { from: { kind: 'DockerImage', name: EVIL } } }), JSON_CT, ['privileged_container']],
    ['a Build with a custom strategy', 'POST', '/apis/build.openshift.io/v1/namespaces/dev/builds', bc({ type: 'Custom', customStrategy: { from: { kind: 'DockerImage', name: EVIL }, exposeDockerSocket: true } }), JSON_CT, ['privileged_container']],
    ['a patch that switches to it', 'PATCH', `${BC}/app`, { spec: { strategy: { type: 'Custom', customStrategy: { from: { kind: 'DockerImage', name: EVIL } } } } }, MERGE, ['privileged_container']],
    ['a docker strategy', 'POST', BC, bc({ type: 'Docker', dockerStrategy: {} }), JSON_CT, []],
    ['a source strategy', 'POST', BC, bc({ type: 'Source', sourceStrategy: { from: { kind: 'ImageStreamTag', namespace: 'openshift', name: 'nodejs:20-ubi9' } } }), JSON_CT, []],
  ])('%s', (_what, method, path, body, type, expected) => {
    expect(codes(method, path, body, type)).toEqual(expected);
  });

  it('names the builder image', () => {
    const [v] = found('POST', BC, bc({ type: 'Custom', customStrategy: { from: { kind: 'DockerImage', name: EVIL } } }));
    expect(v?.detail).toBe(`an OpenShift custom build strategy runs its builder image ${EVIL} as a privileged build pod`);
    expect(v?.path).toBe('spec.strategy.customStrategy');
  });
});

describe('delete_protected: an OpenShift project', () => {
  it('oc delete project is the namespace deleted', () => {
    const [v] = found('DELETE', '/apis/project.openshift.io/v1/projects/prod-payments', undefined);
    expect(v?.code).toBe('delete_protected');
    expect(v?.detail).toBe('delete project.openshift.io/projects/prod-payments: deleting an OpenShift project deletes its namespace and everything in it');
  });
  it('a project request is no delete', () => {
    expect(codes('POST', '/apis/project.openshift.io/v1/projectrequests', { kind: 'ProjectRequest', metadata: { name: 'x' } })).toEqual([]);
  });
});
