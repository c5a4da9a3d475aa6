import { gzipSync } from 'node:zlib';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { loadConfigFile } from '../../src/config/load.js';
import { compileAssurance } from '../../src/core/assurance.js';
import { inspect } from '../../src/guardrails/inspect.js';
import { compileGuardrails, type GuardrailSettings } from '../../src/guardrails/settings.js';
import type { GuardrailResult } from '../../src/guardrails/types.js';
import { readYaml } from '../../src/guardrails/yaml.js';
import { resourceOfAnyKind } from '../../src/request/kinds.js';
import { guardSettings, kube, toYaml } from '../support/guardrails.js';
import { scaledObject } from '../support/workday22.js';
import { encodeCbor } from '../support/cbor.js';

/**
 * An object carried inside a wrapper is judged as the object it is (src/guardrails/rules/carried.ts,
 * inspect.ts judgeCarried). Generated, not hand-picked: every whole object the guardrail unit tests
 * judge as a violation or an unreadable body (test/fixtures/carried-attack-bodies.jsonl, recorded by
 * `npx tsx test/support/carried-corpus.ts`) is written top-level as the create of its kind, then wrapped
 * in every wrapper kind, and the wrapped write must carry every guardrail code the top-level one has
 * (and its unreadable body), under the unit tests' settings and the example policy's.
 */

type Doc = { apiVersion: string; kind: string; metadata?: { name?: string; namespace?: string }; [k: string]: unknown };
type Write = { method: string; path: string; body: string; type: string };

const EXAMPLE = new URL('../../examples/stepgate.yaml', import.meta.url).pathname;
const example = loadConfigFile(EXAMPLE);
const SETTINGS: readonly [string, GuardrailSettings][] = [
  ['the unit tests', guardSettings()],
  ['examples/stepgate.yaml', compileGuardrails(example.guardrails, compileAssurance(example.assurance.levels))!],
];

const JSON_CT = 'application/json';
const json = (path: string, body: object): Write => ({ method: 'POST', path, body: JSON.stringify(body), type: JSON_CT });
const yamlText = (o: Doc) => toYaml(o);

/** An OCM ConfigurationPolicy creating `o` from its `object-templates-raw` (YAML in a string). */
const rawPolicy = (o: Doc, namespace?: string) => ({
  apiVersion: 'policy.open-cluster-management.io/v1',
  kind: 'ConfigurationPolicy',
  metadata: { name: 'c', ...(namespace !== undefined && { namespace }) },
  spec: { remediationAction: 'enforce', severity: 'low', 'object-templates-raw': toYaml([{ complianceType: 'musthave', objectDefinition: o }] as never) },
});

/** Every wrapper kind, each as the write that carries `o`. */
const WRAPPERS: readonly [string, (o: Doc) => Write][] = [
  ['OCM ManifestWork', (o) => json('/apis/work.open-cluster-management.io/v1/namespaces/edge-0001/manifestworks', { apiVersion: 'work.open-cluster-management.io/v1', kind: 'ManifestWork', metadata: { name: 'w', namespace: 'edge-0001' }, spec: { workload: { manifests: [o] } } })],
  ['OCM ManifestWork, merge-patched', (o) => ({ method: 'PATCH', path: '/apis/work.open-cluster-management.io/v1/namespaces/edge-0001/manifestworks/w', body: JSON.stringify({ spec: { workload: { manifests: [o] } } }), type: 'application/merge-patch+json' })],
  ['OCM ManifestWorkReplicaSet', (o) => json('/apis/work.open-cluster-management.io/v1alpha1/namespaces/default/manifestworkreplicasets', { apiVersion: 'work.open-cluster-management.io/v1alpha1', kind: 'ManifestWorkReplicaSet', metadata: { name: 'r', namespace: 'default' }, spec: { placementRefs: [{ name: 'all' }], manifestWorkTemplate: { workload: { manifests: [o] } } } })],
  ['Crossplane provider-kubernetes Object', (o) => json('/apis/kubernetes.crossplane.io/v1alpha2/objects', { apiVersion: 'kubernetes.crossplane.io/v1alpha2', kind: 'Object', metadata: { name: 'x' }, spec: { forProvider: { manifest: o }, providerConfigRef: { name: 'edge' } } })],
  ['kro ResourceGraphDefinition', (o) => json('/apis/kro.run/v1alpha1/resourcegraphdefinitions', { apiVersion: 'kro.run/v1alpha1', kind: 'ResourceGraphDefinition', metadata: { name: 'g' }, spec: { schema: { apiVersion: 'v1alpha1', kind: 'App' }, resources: [{ id: 'r', template: o }] } })],
  ['Kyverno generate rule', (o) => {
    const { apiVersion, kind, metadata, ...rest } = o;
    const data = { ...rest, ...(metadata && { metadata: { ...metadata, name: undefined, namespace: undefined } }) };
    return json('/apis/kyverno.io/v1/clusterpolicies', { apiVersion: 'kyverno.io/v1', kind: 'ClusterPolicy', metadata: { name: 'p' }, spec: { rules: [{ name: 'g', match: { any: [{ resources: { kinds: ['Namespace'] } }] }, generate: { apiVersion, kind, name: metadata?.name ?? 'x', ...(metadata?.namespace !== undefined && { namespace: metadata.namespace }), synchronize: true, data: JSON.parse(JSON.stringify(data)) as object } }] } });
  }],
  ['Rancher Fleet Bundle, YAML in a string', (o) => json('/apis/fleet.cattle.io/v1alpha1/namespaces/fleet-default/bundles', { apiVersion: 'fleet.cattle.io/v1alpha1', kind: 'Bundle', metadata: { name: 'b', namespace: 'fleet-default' }, spec: { resources: [{ name: 'o.yaml', content: yamlText(o) }], targets: [{ clusterSelector: {} }] } })],
  ['Rancher Fleet Bundle, base64+gz', (o) => json('/apis/fleet.cattle.io/v1alpha1/namespaces/fleet-default/bundles', { apiVersion: 'fleet.cattle.io/v1alpha1', kind: 'Bundle', metadata: { name: 'b', namespace: 'fleet-default' }, spec: { resources: [{ name: 'o.yaml', encoding: 'base64+gz', content: gzipSync(yamlText(o)).toString('base64') }] } })],
  ["Cluster API ClusterResourceSet's Secret", (o) => json('/api/v1/namespaces/default/secrets', { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'addons', namespace: 'default' }, type: 'addons.cluster.x-k8s.io/resource-set', data: { 'o.yaml': Buffer.from(yamlText(o)).toString('base64') } })],
  ["Cluster API ClusterResourceSet's Secret, stringData", (o) => json('/api/v1/namespaces/default/secrets', { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'addons', namespace: 'default' }, type: 'addons.cluster.x-k8s.io/resource-set', stringData: { 'o.yaml': yamlText(o) } })],
  // A patch names no type: the Secret may be a ClusterResourceSet's. The value before the manifest
  // is binary and unreadable, which must not stop the manifest from being read.
  ['Secret merge-patched (its type unseen)', (o) => ({ method: 'PATCH', path: '/api/v1/namespaces/default/secrets/addons', body: JSON.stringify({ data: { 'ca.der': Buffer.from([0x30, 0x82, 0xff, 0x00, 0x9c]).toString('base64'), 'o.yaml': Buffer.from(yamlText(o)).toString('base64') } }), type: 'application/merge-patch+json' })],
  ["OCM ConfigurationPolicy's object-templates-raw", (o) => json('/apis/policy.open-cluster-management.io/v1/namespaces/edge-0001/configurationpolicies', rawPolicy(o, 'edge-0001'))],
  ["OCM Policy of a ConfigurationPolicy's object-templates-raw", (o) => json('/apis/policy.open-cluster-management.io/v1/namespaces/policies/policies', { apiVersion: 'policy.open-cluster-management.io/v1', kind: 'Policy', metadata: { name: 'p', namespace: 'policies' }, spec: { remediationAction: 'enforce', disabled: false, 'policy-templates': [{ objectDefinition: rawPolicy(o) }] } })],
  ['a ManifestWork inside a Crossplane Object', (o) => json('/apis/kubernetes.crossplane.io/v1alpha2/objects', { apiVersion: 'kubernetes.crossplane.io/v1alpha2', kind: 'Object', metadata: { name: 'x' }, spec: { forProvider: { manifest: { apiVersion: 'work.open-cluster-management.io/v1', kind: 'ManifestWork', metadata: { name: 'w', namespace: 'edge-0001' }, spec: { workload: { manifests: [o] } } } } } })],
];

const send = (w: Write, settings: GuardrailSettings) => inspect(kube(w.method, w.path), w.body, w.type, false, settings);
const codes = (r: GuardrailResult) => [...new Set(r.violations.map((v) => v.code))].sort();

/** The recorded bodies, each as the object it is, in the namespace and under the name its request gave it. */
function corpus(): Doc[] {
  const file = new URL('../fixtures/carried-attack-bodies.jsonl', import.meta.url);
  const out: Doc[] = [];
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    if (line === '') continue;
    const rec = JSON.parse(line) as { namespace: string; name: string; body: string };
    const read = readYaml(rec.body);
    if (!read.ok) continue;
    const doc = structuredClone(read.documents[0]) as Doc;
    const meta = { ...(typeof doc.metadata === 'object' && doc.metadata !== null ? doc.metadata : {}) };
    if (rec.namespace !== '' && !meta.namespace) meta.namespace = rec.namespace;
    if (rec.name !== '' && !meta.name) meta.name = rec.name;
    if (!meta.name) meta.name = 'carried';
    out.push({ ...doc, metadata: meta });
  }
  return out;
}

/** The object written top-level: the create of its kind, in its own namespace. */
function topLevel(o: Doc): Write | undefined {
  const res = resourceOfAnyKind(o.apiVersion, o.kind);
  if (res === undefined) return undefined;
  const ns = res.namespaced && typeof o.metadata?.namespace === 'string' ? o.metadata.namespace : '';
  return json(res.collection(ns), o);
}

const DOCS = corpus();

describe('an object carried in a wrapper is judged as the object it is', () => {
  it('has a corpus of attack bodies to wrap', () => {
    expect(DOCS.length).toBeGreaterThan(500);
  });

  describe.each(SETTINGS)('under %s settings', (_name, settings) => {
    // Only the bodies the top-level create of their kind is judged for under these settings.
    const attacks = DOCS.flatMap((o) => {
      const w = topLevel(o);
      if (w === undefined) return [];
      const top = send(w, settings);
      return top.violations.length > 0 || top.unreadable !== undefined ? [{ o, top }] : [];
    });

    it('judges most recorded bodies top-level', () => {
      expect(attacks.length).toBeGreaterThan(300);
    });

    it.each(WRAPPERS)('in a %s: at least what the top-level write is judged for', (_wrapper, wrap) => {
      const missed: string[] = [];
      for (const { o, top } of attacks) {
        const wrapped = send(wrap(o), settings);
        const lost: string[] = codes(top).filter((c) => !codes(wrapped).includes(c));
        if (top.unreadable !== undefined && wrapped.unreadable === undefined) lost.push(`unreadable (${top.unreadableDetail ?? top.unreadable})`);
        if (lost.length > 0) missed.push(`${o.apiVersion} ${o.kind} ${o.metadata?.namespace ?? ''}/${o.metadata?.name ?? ''}: lost ${lost.join(', ')}`);
      }
      expect(missed.slice(0, 20), `${missed.length} of ${attacks.length} bodies lose a judgement when wrapped`).toEqual([]);
    });
  });
});

describe('routine objects carried in a wrapper stay routine', () => {
  const settings = SETTINGS[1]![1];
  const routine: readonly [string, Doc][] = [
    ['a ConfigMap', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'ran-config', namespace: 'ran' }, data: { 'site.conf': 'cell=42' } }],
    ['a Deployment with a plain image', { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web', namespace: 'ran' }, spec: { replicas: 2, selector: { matchLabels: { app: 'web' } }, template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'web', image: 'registry.example.com/web:1.4.2' }] } } } }],
    ["a ScaledObject with its namespace's own TriggerAuthentication", scaledObject('ran', 'du-worker', 1, 10, [{ type: 'rabbitmq', metadata: { queueName: 'jobs', mode: 'QueueLength', value: '50' }, authenticationRef: { name: 'rabbitmq-conn' } }]) as Doc],
    ['a Namespace and a reader binding', { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'RoleBinding', metadata: { name: 'view', namespace: 'ran' }, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'view' }, subjects: [{ kind: 'Group', name: 'ran-ops', apiGroup: 'rbac.authorization.k8s.io' }] }],
  ];
  describe.each(routine)('%s', (_what, o) => {
    it.each(WRAPPERS)('in a %s adds nothing', (wrapper, wrap) => {
      const r = send(wrap(o), settings);
      // A Kyverno policy is admission configuration itself, whatever it carries.
      expect(codes(r)).toEqual(wrapper === 'Kyverno generate rule' ? ['admission_config_change'] : []);
      expect(r.unreadable).toBeUndefined();
    });
  });
});

describe("a Secret's patch: its values are read as manifests only where they are manifests", () => {
  const settings = SETTINGS[1]![1];
  const patch = (data: Record<string, string>, field: 'data' | 'stringData' = 'data') =>
    send({ method: 'PATCH', path: '/api/v1/namespaces/ran/secrets/site', body: JSON.stringify({ [field]: field === 'data' ? Object.fromEntries(Object.entries(data).map(([k, v]) => [k, Buffer.from(v).toString('base64')])) : data }), type: 'application/merge-patch+json' }, settings);
  const kubeconfig = 'apiVersion: v1\nkind: Config\nclusters:\n- name: edge\n  cluster: {server: https://edge.example:6443}\ncontexts: []\nusers: []\n';
  const privileged = toYaml({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', namespace: 'kube-system' }, spec: { hostPID: true, containers: [{ name: 'c', image: 'busybox', securityContext: { privileged: true } }] } });

  it('passes over a password, a certificate, a kubeconfig and text that does not parse', () => {
    for (const data of [{ password: 'hunter2' } as Record<string, string>, { 'tls.crt': '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n' }, { kubeconfig }, { notes: 'apiVersion and kind: [unclosed' }]) {
      const r = patch(data);
      expect(codes(r), JSON.stringify(data)).toEqual([]);
      expect(r.unreadable, JSON.stringify(data)).toBeUndefined();
    }
  });

  it('judges a manifest in data or stringData, after any other value', () => {
    expect(codes(patch({ a: 'x', 'p.yaml': privileged }))).toContain('privileged_container');
    expect(codes(patch({ kubeconfig, 'p.yaml': privileged }, 'stringData'))).toContain('privileged_container');
  });

  it('is unreadable past the budget, so padding cannot hide a manifest', () => {
    const padding = `# apiVersion kind\n${'#'.repeat(140 * 1024)}\n`;
    const r = patch({ a: padding, 'p.yaml': privileged });
    expect(r.unreadable).toBe('body_unreadable');
  });
});

describe("a patch into a stored carried object, which does not name the object's kind", () => {
  const settings = SETTINGS[1]![1];
  const WORK = '/apis/work.open-cluster-management.io/v1/namespaces/edge-0001/manifestworks/w';
  const jsonPatch = (path: string, ops: object[]): Write => ({ method: 'PATCH', path, body: JSON.stringify(ops), type: 'application/json-patch+json' });
  const merge = (path: string, body: object): Write => ({ method: 'PATCH', path, body: JSON.stringify(body), type: 'application/merge-patch+json' });

  it.each<[string, Write]>([
    ['a JSON patch into a ManifestWork manifest', jsonPatch(WORK, [{ op: 'replace', path: '/spec/workload/manifests/0/spec/template/spec/containers/0/securityContext', value: { privileged: true } }])],
    ['a JSON patch adding a trigger to a carried ScaledObject', jsonPatch(WORK, [{ op: 'add', path: '/spec/workload/manifests/1/spec/triggers/-', value: { type: 'http', authenticationRef: { kind: 'ClusterTriggerAuthentication', name: 'psp-api' } } }])],
    ["a merge patch of a Crossplane Object's manifest (merged into the stored one)", merge('/apis/kubernetes.crossplane.io/v1alpha2/objects/x', { spec: { forProvider: { manifest: { spec: { hostNetwork: true } } } } })],
    ["a JSON patch into a kro graph's template", jsonPatch('/apis/kro.run/v1alpha1/resourcegraphdefinitions/app', [{ op: 'replace', path: '/spec/resources/0/template/spec/hostPID', value: true }])],
    ["a JSON patch into a Kyverno generate rule's data", jsonPatch('/apis/kyverno.io/v1/clusterpolicies/p', [{ op: 'replace', path: '/spec/rules/0/generate/data/rules', value: [{ apiGroups: ['*'], resources: ['*'], verbs: ['*'] }] }])],
  ])('%s is unreadable', (_what, w) => {
    const r = send(w, settings);
    expect(r.unreadable).toBe('body_unreadable');
    expect(r.unreadableDetail).toContain('without the apiVersion and kind');
  });

  it.each<[string, Write]>([
    ["a ManifestWork's labels and annotations", merge(WORK, { metadata: { labels: { site: 'edge-0001' }, annotations: { note: 'x' } } })],
    ["a ManifestWork's delete option and manifest configs", jsonPatch(WORK, [{ op: 'replace', path: '/spec/deleteOption', value: { propagationPolicy: 'Orphan' } }, { op: 'add', path: '/spec/manifestConfigs', value: [{ resourceIdentifier: { group: 'apps', resource: 'deployments', name: 'web', namespace: 'ran' }, updateStrategy: { type: 'ServerSideApply' } }] }])],
    ["a ManifestWork's manifests replaced whole, each naming its kind", merge(WORK, { spec: { workload: { manifests: [{ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c', namespace: 'ran' }, data: { a: 'b' } }] } } })],
    ["a ManifestWorkReplicaSet's placement", merge('/apis/work.open-cluster-management.io/v1alpha1/namespaces/edge/manifestworkreplicasets/r', { spec: { placementRefs: [{ name: 'edge-sites' }] } })],
    ["a Deployment-like custom resource's pod template", merge('/apis/apps.kruise.io/v1alpha1/namespaces/ran/clonesets/web', { spec: { template: { spec: { containers: [{ name: 'web', image: 'registry.example.com/web:1.4.3' }] } } } })],
  ])('%s is read as before', (_what, w) => {
    const r = send(w, settings);
    expect(r.unreadable).toBeUndefined();
    expect(codes(r)).toEqual([]);
  });
});

describe('a ConfigMap: any may be one a ClusterResourceSet names', () => {
  const settings = SETTINGS[1]![1];
  const create = (data: Record<string, string>): Write => json('/api/v1/namespaces/ran/configmaps', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c', namespace: 'ran' }, data });
  const privileged = toYaml({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p' }, spec: { containers: [{ name: 'c', image: 'busybox', securityContext: { privileged: true } }] } });

  it('passes over what routine ConfigMaps hold', () => {
    const dashboard = JSON.stringify({ apiVersion: 1, kind: 'dashboard', panels: [{ type: 'graph', title: 'apiVersion kind' }] });
    const rules = 'groups:\n- name: x\n  rules:\n  - alert: KubeAPIDown\n    expr: absent(up{job="apiserver"} == 1)\n';
    const template = 'apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: {{ .Release.Name }}\n';
    for (const data of [{ 'd.json': dashboard }, { 'rules.yaml': rules }, { 't.yaml': template }, { kubeconfig: 'apiVersion: v1\nkind: Config\nclusters: []\n' }] as Record<string, string>[]) {
      const r = send(create(data), settings);
      expect(codes(r), JSON.stringify(data)).toEqual([]);
      expect(r.unreadable, JSON.stringify(data)).toBeUndefined();
    }
  });

  it('judges a manifest of a served kind', () => {
    expect(codes(send(create({ a: 'x', 'p.yaml': privileged }), settings))).toContain('privileged_container');
  });
});

describe('a write cut at the size bound may carry anything past the cut', () => {
  // Envoy cuts a body at max_request_bytes (limits.max_body_bytes) and says so; stepgate drops a
  // larger one itself. A carried object padded past the bound (an annotation of a few hundred KiB;
  // a custom object may be up to etcd's 1.5 MiB) would otherwise go unread.
  const pod: Doc = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', namespace: 'kube-system' }, spec: { hostPID: true, containers: [{ name: 'c', image: 'busybox', securityContext: { privileged: true } }] } };
  it.each(WRAPPERS)('%s: unreadable (body_truncated)', (_, wrap) => {
    const w = wrap(pod);
    for (const [name, settings] of SETTINGS) {
      for (const body of [w.body.slice(0, Math.floor(w.body.length / 2)), undefined]) {
        const r = inspect(kube(w.method, w.path), body, w.type, true, settings);
        expect(r.unreadable, `${name}, ${body === undefined ? 'dropped' : 'cut'}`).toBe('body_truncated');
      }
    }
  });
  it('so is a Secret of any type and a custom object of any kind; a PersistentVolumeClaim is not (it carries nothing)', () => {
    const [, settings] = SETTINGS[1]!;
    const cut = (m: string, p: string) => inspect(kube(m, p), '{"apiVersion":', JSON_CT, true, settings).unreadable;
    expect(cut('POST', '/api/v1/namespaces/team-a/secrets')).toBe('body_truncated');
    expect(cut('PUT', '/api/v1/namespaces/team-a/secrets/s')).toBe('body_truncated');
    expect(cut('PATCH', '/api/v1/namespaces/team-a/configmaps/c')).toBe('body_truncated');
    expect(cut('PATCH', '/apis/example.com/v1/namespaces/team-a/widgets/w')).toBe('body_truncated');
    expect(cut('POST', '/api/v1/namespaces/team-a/persistentvolumeclaims')).toBeUndefined();
    expect(cut('PATCH', '/apis/example.com/v1/namespaces/team-a/widgets/w/status')).toBeUndefined();
  });
});

describe("an OCM ConfigurationPolicy's object-templates-raw (YAML in a string)", () => {
  const settings = SETTINGS[1]![1];
  const policy = (raw: string): Write => json('/apis/policy.open-cluster-management.io/v1/namespaces/edge-0001/configurationpolicies', { apiVersion: 'policy.open-cluster-management.io/v1', kind: 'ConfigurationPolicy', metadata: { name: 'c', namespace: 'edge-0001' }, spec: { remediationAction: 'enforce', 'object-templates-raw': raw } });
  const BINDING = 'apiVersion: rbac.authorization.k8s.io/v1\n    kind: ClusterRoleBinding\n    metadata: {name: ops}\n    roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: cluster-admin}\n    subjects: [{apiGroup: rbac.authorization.k8s.io, kind: User, name: mallory}]';

  it('judges the objects it makes, as a cluster-admin binding written by hand in it', () => {
    expect(codes(send(policy(`- complianceType: musthave\n  objectDefinition:\n    ${BINDING}\n`), settings))).toContain('rbac_cluster_admin_binding');
  });

  it("is unreadable when templated (a range over the hub's objects makes what the request does not show), and judged where it reads", () => {
    const ranged = send(policy(`{{- range $c := (lookup "cluster.open-cluster-management.io/v1" "ManagedCluster" "" "").items }}\n- complianceType: musthave\n  objectDefinition:\n    apiVersion: v1\n    kind: Namespace\n    metadata: {name: '{{ $c.metadata.name }}'}\n{{- end }}\n`), settings);
    expect(ranged.unreadable).toBe('body_unreadable');
    expect(ranged.unreadableDetail).toContain('templated');
    const quoted = send(policy(`- complianceType: musthave\n  objectDefinition:\n    ${BINDING}\n    metadata: {name: '{{hub .ManagedClusterName hub}}-ops'}\n`.replace('    metadata: {name: ops}\n', '')), settings);
    expect(codes(quoted)).toContain('rbac_cluster_admin_binding');
    expect(quoted.unreadable).toBe('body_unreadable');
  });

  it('is unreadable when it is no list of object templates', () => {
    for (const raw of ['complianceType: musthave\n', '- just text\n', '[unclosed\n']) expect(send(policy(raw), settings).unreadable, raw).toBe('body_unreadable');
  });
});

describe("a CBOR ClusterResourceSet value: a byte string without tag 22 is the bytes kube stores, not base64", () => {
  const settings = SETTINGS[1]![1];
  const privileged = toYaml({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p' }, spec: { containers: [{ name: 'c', image: 'busybox', securityContext: { privileged: true } }] } });
  const cbor = (path: string, body: object, strings: 'bytes' | 'text') => inspect(kube('POST', path), encodeCbor(body, { strings }) as unknown as string, 'application/cbor', false, settings);
  const secret = { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'addons', namespace: 'default' }, type: 'addons.cluster.x-k8s.io/resource-set', data: { 'o.yaml': privileged } };
  const configMap = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c', namespace: 'ran' }, binaryData: { 'p.yaml': privileged } };
  it.each<[string, string, object, 'bytes' | 'text']>([
    ["a Secret's data, a byte string", '/api/v1/namespaces/default/secrets', secret, 'bytes'],
    ["a Secret's data, a text string", '/api/v1/namespaces/default/secrets', secret, 'text'],
    ["a ConfigMap's binaryData, a byte string", '/api/v1/namespaces/ran/configmaps', configMap, 'bytes'],
    ["a ConfigMap's binaryData, a text string", '/api/v1/namespaces/ran/configmaps', configMap, 'text'],
  ])('%s', (_, path, body, strings) => {
    expect(codes(cbor(path, body, strings))).toContain('privileged_container');
  });

  it('base64 in JSON is read as before, and a UTF-16 manifest with its byte-order mark too', () => {
    const utf16 = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(privileged, 'utf16le')]).toString('base64');
    for (const value of [Buffer.from(privileged).toString('base64'), utf16]) {
      const r = send(json('/api/v1/namespaces/default/secrets', { ...secret, data: { 'o.yaml': value } }), settings);
      expect(codes(r)).toContain('privileged_container');
    }
  });
});
