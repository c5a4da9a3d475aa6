import { describe, expect, it } from 'vitest';
import { inspect } from '../../src/guardrails/inspect.js';
import { guardSettings, kube } from '../support/guardrails.js';
import { encodeKube } from '../support/kube-protobuf.js';

// A change that sets owner references hands the object's deletion to kube's garbage collector
// (rules/owners.ts): the result says so (`deletes`), whatever the kind and the body's encoding.
const settings = guardSettings();
const OWNER = { apiVersion: 'v1', kind: 'ConfigMap', name: 'gone', uid: '6b0d7c1e-0000-4000-8000-00000000dead' };
const DEPLOY = '/apis/apps/v1/namespaces/prod-cart/deployments/api';
const CM = '/api/v1/namespaces/prod-cart/configmaps/api';
const MERGE = 'application/merge-patch+json';
const SMP = 'application/strategic-merge-patch+json';
const JP = 'application/json-patch+json';
const PB = 'application/vnd.kubernetes.protobuf';
const deletes = (method: string, path: string, body: string | Uint8Array | undefined, type: string, truncated = false, missing = false) =>
  inspect(kube(method, path), body, type, truncated, settings, missing).deletes;

describe('owner references set by a change', () => {
  it.each([
    ['a merge patch of a Deployment', 'PATCH', DEPLOY, JSON.stringify({ metadata: { ownerReferences: [OWNER] } }), MERGE],
    ['a strategic merge patch of a ConfigMap', 'PATCH', CM, JSON.stringify({ metadata: { ownerReferences: [OWNER] } }), SMP],
    ['a JSON patch adding one at an index', 'PATCH', CM, JSON.stringify([{ op: 'add', path: '/metadata/ownerReferences/0', value: OWNER }]), JP],
    ['a JSON patch moving a value into them', 'PATCH', CM, JSON.stringify([{ op: 'move', from: '/metadata/annotations', path: '/metadata/ownerReferences' }]), JP],
    ['an apply patch of a custom resource', 'PATCH', '/apis/db.example.io/v1/namespaces/prod-cart/postgresclusters/main', `metadata:\n  ownerReferences:\n  - {kind: ConfigMap, name: gone, uid: x}\n`, 'application/apply-patch+yaml'],
    ['a JSON update of a Namespace', 'PUT', '/api/v1/namespaces/prod-cart', JSON.stringify({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'prod-cart', ownerReferences: [OWNER] } }), 'application/json'],
    ['a protobuf update of a Deployment', 'PUT', DEPLOY, encodeKube({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'api', ownerReferences: [OWNER] } }), PB],
  ])('%s', (_n, method, path, body, type) => {
    expect(deletes(method, path, body, type)).toMatch(/^sets metadata\.ownerReferences/);
  });

  // CVE-2025-5187: a Node patching its own status with an owner that does not exist is deleted by
  // the garbage collector; kube's status strategies that keep metadata keep owner references too.
  it.each([
    ["a Node's status (the node's own write, or anyone's)", 'PATCH', '/api/v1/nodes/worker-1/status', MERGE],
    ["a Deployment's status", 'PATCH', `${DEPLOY}/status`, MERGE],
    ["a Service's status", 'PATCH', '/api/v1/namespaces/prod-cart/services/api/status', SMP],
    ["a Namespace's finalize", 'PUT', '/api/v1/namespaces/prod-cart/finalize', 'application/json'],
  ])('%s: a status write whose strategy keeps metadata', (_n, method, path, type) => {
    expect(deletes(method, path, JSON.stringify({ metadata: { ownerReferences: [OWNER] } }), type)).toMatch(/^sets metadata\.ownerReferences/);
  });

  it('status writes that do not set them: a Pod\'s (its strategy resets them), a custom resource\'s, one without them', () => {
    const owned = JSON.stringify({ metadata: { ownerReferences: [OWNER] } });
    expect(deletes('PATCH', '/api/v1/namespaces/prod-cart/pods/api-0/status', owned, MERGE)).toBeUndefined();
    expect(deletes('PATCH', '/apis/db.example.io/v1/namespaces/prod-cart/postgresclusters/main/status', owned, MERGE)).toBeUndefined();
    expect(deletes('PATCH', '/apis/apiregistration.k8s.io/v1/apiservices/v1beta1.metrics.k8s.io/status', owned, MERGE)).toBeUndefined();
    expect(deletes('PATCH', '/api/v1/nodes/worker-1/status', JSON.stringify({ status: { conditions: [{ type: 'Ready', status: 'True' }] } }), SMP)).toBeUndefined();
    expect(deletes('PATCH', '/api/v1/nodes/worker-1/status', undefined, SMP, false, true)).toBeUndefined();
  });

  it('a key spelt with escapes is read (the scan that spares a parse does not miss it)', () => {
    const json = '{"metadata":{"owner\\u0052eferences":[{"kind":"ConfigMap","name":"gone","uid":"x"}]}}';
    expect(JSON.parse(json).metadata.ownerReferences).toHaveLength(1);
    expect(deletes('PATCH', CM, json, MERGE)).toMatch(/^sets metadata\.ownerReferences/);
    expect(deletes('PATCH', CM, Buffer.from(json), MERGE)).toMatch(/^sets metadata\.ownerReferences/);
    const yaml = 'metadata:\n  ? "owner\\\n    References"\n  : [{kind: ConfigMap, name: gone, uid: x}]\n';
    expect(deletes('PATCH', '/apis/db.example.io/v1/namespaces/prod-cart/pgs/main', yaml, 'application/apply-patch+yaml')).toMatch(/^sets metadata\.ownerReferences/);
    // A YAML tag can spell it too (go-yaml decodes `!!binary` to the key's text): such a body is
    // read, and the reader refuses tags, so it is judged as the delete it may be.
    const tagged = 'metadata:\n  ? !!binary b3duZXJSZWZlcmVuY2Vz\n  : [{kind: ConfigMap, name: gone, uid: x}]\n';
    expect(Buffer.from('b3duZXJSZWZlcmVuY2Vz', 'base64').toString()).toBe('ownerReferences');
    expect(deletes('PATCH', '/apis/db.example.io/v1/namespaces/prod-cart/pgs/main', tagged, 'application/apply-patch+yaml')).toMatch(/could not be read/);
    expect(deletes('PATCH', '/apis/db.example.io/v1/namespaces/prod-cart/pgs/main', Buffer.from(tagged), 'application/apply-patch+yaml')).toMatch(/could not be read/);
    // Escapes that spell no letter leave nothing to read, and nothing is set.
    expect(deletes('PATCH', CM, JSON.stringify({ data: { 'dash.json': JSON.stringify({ title: 'a "b"\n' }) } }), MERGE)).toBeUndefined();
  });

  it('a body that cannot be read may set them; one the gateway does not send is missing_body\'s', () => {
    expect(deletes('PATCH', CM, '{"metadata":{"ownerReferences":[{"uid":', MERGE)).toMatch(/could not be read/);
    // One that neither names them nor has an escape that could spell them cannot set them, read or not.
    expect(deletes('PATCH', CM, '{"metadata":', MERGE)).toBeUndefined();
    expect(deletes('PATCH', CM, undefined, MERGE, true)).toMatch(/body_truncated/);
    expect(deletes('PATCH', CM, undefined, MERGE, false, true)).toBeUndefined();
  });

  it('is not set by a create, a removal of owners, a strategic $patch: delete, or a change without them', () => {
    expect(deletes('POST', '/api/v1/namespaces/prod-cart/configmaps', JSON.stringify({ metadata: { name: 'x', ownerReferences: [OWNER] } }), 'application/json')).toBeUndefined();
    expect(deletes('PATCH', CM, JSON.stringify({ metadata: { ownerReferences: null } }), MERGE)).toBeUndefined();
    expect(deletes('PATCH', CM, JSON.stringify([{ op: 'remove', path: '/metadata/ownerReferences' }]), JP)).toBeUndefined();
    expect(deletes('PATCH', CM, JSON.stringify({ metadata: { ownerReferences: [{ uid: OWNER.uid, $patch: 'delete' }] } }), SMP)).toBeUndefined();
    expect(deletes('PATCH', DEPLOY, JSON.stringify({ spec: { replicas: 3 } }), MERGE)).toBeUndefined();
  });

  it('a Namespace, or anything in a protected namespace, given an owner is delete_protected as its delete is', () => {
    const ns = inspect(kube('PATCH', '/api/v1/namespaces/prod-cart'), JSON.stringify({ metadata: { ownerReferences: [OWNER] } }), MERGE, false, settings);
    expect(ns.violations.map((v) => [v.code, v.path])).toEqual([['delete_protected', 'metadata.ownerReferences']]);
    const sys = inspect(kube('PATCH', '/api/v1/namespaces/kube-system/configmaps/coredns'), JSON.stringify({ metadata: { ownerReferences: [OWNER] } }), MERGE, false, settings);
    expect(sys.violations.map((v) => v.code)).toEqual(['delete_protected']);
    expect(inspect(kube('PATCH', CM), JSON.stringify({ metadata: { ownerReferences: [OWNER] } }), MERGE, false, settings).violations).toEqual([]);
  });
});

describe('a StatefulSet changed to delete its claims', () => {
  const STS = '/apis/apps/v1/namespaces/prod-cart/statefulsets/db';
  const claims = (method: string, path: string, body: string | Uint8Array, type: string) => inspect(kube(method, path), body, type, false, settings).deletesClaims;
  it.each([
    ['a strategic merge patch, when scaled', 'PATCH', STS, JSON.stringify({ spec: { persistentVolumeClaimRetentionPolicy: { whenScaled: 'Delete' } } }), SMP],
    ['a JSON patch, when deleted', 'PATCH', STS, JSON.stringify([{ op: 'add', path: '/spec/persistentVolumeClaimRetentionPolicy', value: { whenDeleted: 'Delete', whenScaled: 'Retain' } }]), JP],
    ['a protobuf update', 'PUT', STS, encodeKube({ apiVersion: 'apps/v1', kind: 'StatefulSet', metadata: { name: 'db' }, spec: { persistentVolumeClaimRetentionPolicy: { whenScaled: 'Delete' } } }), PB],
  ])('%s', (_n, method, path, body, type) => {
    expect(claims(method, path, body, type)).toMatch(/deletes its PersistentVolumeClaims/);
  });
  it('not when it retains them, nor for another kind', () => {
    expect(claims('PATCH', STS, JSON.stringify({ spec: { persistentVolumeClaimRetentionPolicy: { whenDeleted: 'Retain', whenScaled: 'Retain' } } }), SMP)).toBeUndefined();
    expect(claims('PATCH', DEPLOY, JSON.stringify({ spec: { persistentVolumeClaimRetentionPolicy: { whenScaled: 'Delete' } } }), SMP)).toBeUndefined();
  });
});

// A workload scaled to zero: its controller deletes every pod, so the change asks what deleting
// it asks (rules/owners.ts scaledToZero), by the `scale` subresource or its own spec.replicas.
describe('a workload scaled to zero', () => {
  const SCALE = `${DEPLOY}/scale`;
  it.each([
    ['kubectl scale (a merge patch of scale)', 'PATCH', SCALE, JSON.stringify({ spec: { replicas: 0 } }), MERGE],
    ['a Scale object put', 'PUT', SCALE, JSON.stringify({ apiVersion: 'autoscaling/v1', kind: 'Scale', metadata: { name: 'api' }, spec: { replicas: 0 } }), 'application/json'],
    ['a JSON patch of scale', 'PATCH', SCALE, JSON.stringify([{ op: 'replace', path: '/spec/replicas', value: 0 }]), JP],
    ['a JSON patch copying a value into it', 'PATCH', SCALE, JSON.stringify([{ op: 'copy', from: '/status/replicas', path: '/spec/replicas' }]), JP],
    ['a StatefulSet scale as YAML', 'PATCH', '/apis/apps/v1/namespaces/prod-cart/statefulsets/db/scale', 'spec:\n  replicas: 0\n', 'application/apply-patch+yaml'],
    ['a ReplicationController scale', 'PATCH', '/api/v1/namespaces/prod-cart/replicationcontrollers/old/scale', JSON.stringify({ spec: { replicas: 0 } }), MERGE],
    ['a strategic merge patch of the Deployment itself', 'PATCH', DEPLOY, JSON.stringify({ spec: { replicas: 0 } }), SMP],
    ['a protobuf update of the Deployment', 'PUT', DEPLOY, encodeKube({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'api' }, spec: { replicas: 0 } }), PB],
  ])('%s', (_n, method, path, body, type) => {
    expect(deletes(method, path, body, type)).toMatch(/zero/);
  });

  // autoscaling/v1 ScaleSpec.replicas is a plain int32 (`+default=0`): kube reads a Scale without
  // it as zero replicas and copies that into the workload, where the workload's own (a pointer)
  // would default to 1.
  const scale = (spec?: unknown) => JSON.stringify({ apiVersion: 'autoscaling/v1', kind: 'Scale', metadata: { name: 'api' }, ...(spec !== undefined && { spec }) });
  it.each([
    ['a merge patch removing the count', 'PATCH', JSON.stringify({ spec: { replicas: null } }), MERGE],
    ['a merge patch removing the spec', 'PATCH', JSON.stringify({ spec: null }), MERGE],
    ['a strategic merge patch removing the count', 'PATCH', JSON.stringify({ spec: { replicas: null } }), SMP],
    ["a strategic merge patch's $patch: delete of the spec", 'PATCH', JSON.stringify({ spec: { $patch: 'delete' } }), SMP],
    ["a strategic merge patch's $patch: delete of a spec that lists a count", 'PATCH', JSON.stringify({ spec: { $patch: 'delete', replicas: 3 } }), SMP],
    ["a strategic merge patch's $patch: replace of the spec", 'PATCH', JSON.stringify({ spec: { $patch: 'replace' } }), SMP],
    ["a strategic merge patch's $retainKeys without the count", 'PATCH', JSON.stringify({ spec: { $retainKeys: [] } }), SMP],
    ["a strategic merge patch's $patch: replace of the whole Scale", 'PATCH', JSON.stringify({ $patch: 'replace', metadata: { name: 'api' } }), SMP],
    ['a JSON patch removing the count', 'PATCH', JSON.stringify([{ op: 'remove', path: '/spec/replicas' }]), JP],
    ['a JSON patch replacing the whole Scale', 'PATCH', JSON.stringify([{ op: 'replace', path: '', value: { metadata: { name: 'api' } } }]), JP],
    ['a JSON patch removing the spec', 'PATCH', JSON.stringify([{ op: 'remove', path: '/spec' }]), JP],
    ['a JSON patch replacing the spec with an empty one', 'PATCH', JSON.stringify([{ op: 'replace', path: '/spec', value: {} }]), JP],
    ['a Scale put without the count', 'PUT', scale({}), 'application/json'],
    ['a Scale put without a spec', 'PUT', scale(), 'application/json'],
    ['a Scale put with a null count', 'PUT', scale({ replicas: null }), 'application/json'],
    ['a Scale put as YAML without the count', 'PUT', 'apiVersion: autoscaling/v1\nkind: Scale\nmetadata: {name: api}\nspec: {}\n', 'application/yaml'],
    ['a protobuf Scale put without the count', 'PUT', encodeKube({ apiVersion: 'autoscaling/v1', kind: 'Scale', metadata: { name: 'api' }, spec: {} }), PB],
    ['a protobuf Scale put with 0', 'PUT', encodeKube({ apiVersion: 'autoscaling/v1', kind: 'Scale', metadata: { name: 'api' }, spec: { replicas: 0 } }), PB],
    ['a server-side apply of a Scale without the count', 'PATCH', 'apiVersion: autoscaling/v1\nkind: Scale\nmetadata: {name: api}\n', 'application/apply-patch+yaml'],
  ])('%s of the scale subresource is to zero', (_n, method, body, type) => {
    expect(deletes(method, SCALE, body, type)).toMatch(/zero replicas/);
  });

  it("the workload's own count is a pointer: removing it defaults to 1, and a protobuf Scale of 3 is 3", () => {
    expect(deletes('PATCH', DEPLOY, JSON.stringify({ spec: { replicas: null } }), MERGE)).toBeUndefined();
    expect(deletes('PUT', DEPLOY, JSON.stringify({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'api' }, spec: {} }), 'application/json')).toBeUndefined();
    expect(deletes('PUT', SCALE, encodeKube({ apiVersion: 'autoscaling/v1', kind: 'Scale', metadata: { name: 'api' }, spec: { replicas: 3 } }), PB)).toBeUndefined();
    expect(deletes('PUT', SCALE, scale({ replicas: 3 }), 'application/json')).toBeUndefined();
    // A patch that leaves the count alone leaves it as it was.
    expect(deletes('PATCH', SCALE, JSON.stringify({ metadata: { labels: { a: 'b' } } }), MERGE)).toBeUndefined();
    expect(deletes('PATCH', SCALE, JSON.stringify({ spec: {} }), MERGE)).toBeUndefined();
    expect(deletes('PATCH', SCALE, JSON.stringify({ spec: { $patch: 'replace', replicas: 2 } }), SMP)).toBeUndefined();
    expect(deletes('PATCH', SCALE, JSON.stringify({ spec: { $retainKeys: ['replicas'] } }), SMP)).toBeUndefined();
  });

  it('a scale that is not to zero, a create with no replicas, and scaling something else are not', () => {
    expect(deletes('PATCH', SCALE, JSON.stringify({ spec: { replicas: 2 } }), MERGE)).toBeUndefined();
    expect(deletes('PATCH', DEPLOY, JSON.stringify({ spec: { replicas: 3, template: { metadata: { labels: { a: 'b' } } } } }), SMP)).toBeUndefined();
    expect(deletes('POST', '/apis/apps/v1/namespaces/prod-cart/deployments', JSON.stringify({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'api' }, spec: { replicas: 0 } }), 'application/json')).toBeUndefined();
    // A custom resource's scale is its operator's to interpret.
    expect(deletes('PATCH', '/apis/db.example.io/v1/namespaces/prod-cart/pgs/main/scale', JSON.stringify({ spec: { replicas: 0 } }), MERGE)).toBeUndefined();
    // No body sent by the gateway is its own outcome (missing_body), not a scale to zero.
    expect(deletes('PATCH', SCALE, undefined, MERGE, false, true)).toBeUndefined();
  });

  it('a scale whose body cannot be read may be to zero, and is judged so', () => {
    expect(deletes('PATCH', SCALE, '{"spec":{"replicas":0', MERGE, true)).toMatch(/may scale the workload to zero/);
    expect(deletes('PATCH', SCALE, 'not json', MERGE)).toMatch(/may scale the workload to zero/);
  });

  it('in a protected namespace it is the protected delete it amounts to', () => {
    const r = inspect(kube('PATCH', '/apis/apps/v1/namespaces/kube-system/deployments/coredns/scale'), JSON.stringify({ spec: { replicas: 0 } }), MERGE, false, settings);
    expect(r.violations.map((v) => [v.code, v.path])).toEqual([['delete_protected', 'spec.replicas']]);
    expect(r.violations[0]!.detail).toMatch(/^patch scaling to zero, which takes it down like a /);
  });
});

// An Argo Rollout or an Agones Fleet scaled to zero (capacity.ts CUSTOM_WORKLOAD_KEYS): its
// controller deletes every pod (a Fleet's, every GameServer and the match on it), so it is the
// workload's delete as a Deployment's is (rules/owners.ts customScaledToZero), by its own count or
// its `scale` subresource. A Fleet's count is a plain int32 whose absence is 0; a Rollout's is a
// pointer defaulted to 1.
describe('a custom workload scaled to zero', () => {
  const FLEET = '/apis/agones.dev/v1/namespaces/game-prod/fleets/arena-na';
  const ROLLOUT = '/apis/argoproj.io/v1alpha1/namespaces/prod-cart/rollouts/api';
  const fleet = (spec: object) => JSON.stringify({ apiVersion: 'agones.dev/v1', kind: 'Fleet', metadata: { name: 'arena-na', namespace: 'game-prod' }, spec });
  const TEMPLATE = { template: { spec: { ports: [{ name: 'default', containerPort: 7654 }] } } };
  it.each([
    ['kubectl edit fleet (a merge patch) to 0', 'PATCH', FLEET, JSON.stringify({ spec: { replicas: 0 } }), MERGE],
    ['kubectl scale fleet (its scale subresource)', 'PATCH', `${FLEET}/scale`, JSON.stringify({ spec: { replicas: 0 } }), MERGE],
    ['a JSON patch of a Fleet to 0', 'PATCH', FLEET, JSON.stringify([{ op: 'replace', path: '/spec/replicas', value: 0 }]), JP],
    ["a merge patch removing a Fleet's count (0)", 'PATCH', FLEET, JSON.stringify({ spec: { replicas: null } }), MERGE],
    ["a JSON patch removing a Fleet's count", 'PATCH', FLEET, JSON.stringify([{ op: 'remove', path: '/spec/replicas' }]), JP],
    ['a Fleet put without its count', 'PUT', FLEET, fleet(TEMPLATE), 'application/json'],
    ['a server-side apply of a Fleet without its count', 'PATCH', FLEET, fleet(TEMPLATE), 'application/apply-patch+yaml'],
    ['a JSON patch copying a value into a Fleet count', 'PATCH', FLEET, JSON.stringify([{ op: 'copy', from: '/metadata/annotations/n', path: '/spec/replicas' }]), JP],
    ['a Rollout merge patch to 0', 'PATCH', ROLLOUT, JSON.stringify({ spec: { replicas: 0 } }), MERGE],
    ['kubectl scale rollout', 'PATCH', `${ROLLOUT}/scale`, JSON.stringify({ spec: { replicas: 0 } }), MERGE],
    ['a Rollout put at 0', 'PUT', ROLLOUT, JSON.stringify({ apiVersion: 'argoproj.io/v1alpha1', kind: 'Rollout', metadata: { name: 'api' }, spec: { replicas: 0 } }), 'application/json'],
    // Review50: a LeaderWorkerSet's groups and OpenKruise's workloads, each a pointer defaulted to 1.
    ['kubectl scale lws', 'PATCH', '/apis/leaderworkerset.x-k8s.io/v1/namespaces/prod-llm/leaderworkersets/vllm/scale', JSON.stringify({ spec: { replicas: 0 } }), MERGE],
    ['a LeaderWorkerSet merge patch to 0', 'PATCH', '/apis/leaderworkerset.x-k8s.io/v1/namespaces/prod-llm/leaderworkersets/vllm', JSON.stringify({ spec: { replicas: 0 } }), MERGE],
    ['kubectl scale cloneset', 'PATCH', '/apis/apps.kruise.io/v1alpha1/namespaces/prod-cart/clonesets/api/scale', JSON.stringify({ spec: { replicas: 0 } }), MERGE],
    ["an Advanced StatefulSet's JSON patch to 0", 'PATCH', '/apis/apps.kruise.io/v1beta1/namespaces/prod-cart/statefulsets/db', JSON.stringify([{ op: 'replace', path: '/spec/replicas', value: 0 }]), JP],
  ])('%s is its delete', (_n, method, path, body, type) => {
    expect(deletes(method, path, body, type)).toMatch(/zero/);
  });

  it('a raise, a template change, a create at 0, a Rollout count left out (1) and another custom kind are not', () => {
    expect(deletes('PATCH', FLEET, JSON.stringify({ spec: { replicas: 400 } }), MERGE)).toBeUndefined();
    expect(deletes('PATCH', `${FLEET}/scale`, JSON.stringify({ spec: { replicas: 160 } }), MERGE)).toBeUndefined();
    expect(deletes('PATCH', FLEET, JSON.stringify({ spec: { template: { spec: { template: { spec: { containers: [{ name: 'arena', image: 'registry.example/arena:5.2.1' }] } } } } } }), MERGE)).toBeUndefined();
    expect(deletes('PUT', FLEET, fleet({ ...TEMPLATE, replicas: 200 }), 'application/json')).toBeUndefined();
    expect(deletes('POST', '/apis/agones.dev/v1/namespaces/game-prod/fleets', fleet({ ...TEMPLATE, replicas: 0 }), 'application/json')).toBeUndefined();
    expect(deletes('PATCH', ROLLOUT, JSON.stringify({ spec: { replicas: null } }), MERGE)).toBeUndefined();
    expect(deletes('PUT', ROLLOUT, JSON.stringify({ apiVersion: 'argoproj.io/v1alpha1', kind: 'Rollout', metadata: { name: 'api' }, spec: {} }), 'application/json')).toBeUndefined();
    expect(deletes('PATCH', '/apis/leaderworkerset.x-k8s.io/v1/namespaces/prod-llm/leaderworkersets/vllm', JSON.stringify({ spec: { replicas: null } }), MERGE)).toBeUndefined();
    expect(deletes('PATCH', '/apis/agones.dev/v1/namespaces/game-prod/gameserversets/arena-na-x7/scale', JSON.stringify({ spec: { replicas: 0 } }), MERGE)).toBeUndefined();
    expect(deletes('PATCH', FLEET, undefined, MERGE, false, true)).toBeUndefined();
  });

  it('a body that cannot be read may be to zero, and is judged so', () => {
    // A cut body may set owner references as well: it is asked as the delete either way.
    expect(deletes('PATCH', FLEET, '{"spec":{"replicas":0', MERGE, true)).toMatch(/^its body could not be read \(body_truncated\)/);
    expect(deletes('PATCH', FLEET, '{"spec":{"replicas":0', MERGE)).toMatch(/may scale the workload to zero/);
    expect(deletes('PATCH', ROLLOUT, 'not json', MERGE)).toMatch(/may scale the workload to zero/);
    expect(deletes('PATCH', `${FLEET}/scale`, 'not json', MERGE)).toMatch(/may scale the workload to zero/);
  });

  it('in a protected namespace it is the protected delete it amounts to', () => {
    const r = inspect(kube('PATCH', '/apis/agones.dev/v1/namespaces/kube-system/fleets/probe'), JSON.stringify({ spec: { replicas: 0 } }), MERGE, false, settings);
    expect(r.violations.map((v) => [v.code, v.path])).toEqual([['delete_protected', 'spec.replicas']]);
    expect(r.violations[0]!.detail).toMatch(/^patch scaling to zero, which takes it down like a delete agones\.dev\/fleets\/probe/);
  });
});

// A KEDA ScaledObject paused at zero replicas (day 38): KEDA scales its target to zero, so the write
// asks what deleting the target asks (rules/owners.ts kedaPausedAtZero), named in `deleteOf`.
describe('a ScaledObject paused at zero replicas', () => {
  const SO = '/apis/keda.sh/v1alpha1/namespaces/gameserver-prod/scaledobjects/gameserver';
  const paused = (v: unknown) => ({ metadata: { annotations: { 'autoscaling.keda.sh/paused-replicas': v } } });
  const result = (method: string, path: string, body: string | undefined, type: string, truncated = false) => inspect(kube(method, path), body, type, truncated, settings);
  it.each([
    ['a merge patch of the annotation', 'PATCH', SO, JSON.stringify(paused('0')), MERGE],
    ['"00", as Go\'s ParseInt reads it', 'PATCH', SO, JSON.stringify(paused('00')), MERGE],
    ['"-0"', 'PATCH', SO, JSON.stringify(paused('-0')), SMP],
    ['"+0"', 'PATCH', SO, JSON.stringify(paused('+0')), MERGE],
    ['a JSON patch adding it', 'PATCH', SO, JSON.stringify([{ op: 'add', path: '/metadata/annotations/autoscaling.keda.sh~1paused-replicas', value: '0' }]), JP],
    ['an apply patch', 'PATCH', SO, 'apiVersion: keda.sh/v1alpha1\nkind: ScaledObject\nmetadata:\n  name: gameserver\n  annotations:\n    autoscaling.keda.sh/paused-replicas: "0"\n', 'application/apply-patch+yaml'],
    ['a create that pauses a running workload', 'POST', '/apis/keda.sh/v1alpha1/namespaces/gameserver-prod/scaledobjects', JSON.stringify({ apiVersion: 'keda.sh/v1alpha1', kind: 'ScaledObject', ...paused('0'), spec: { scaleTargetRef: { name: 'gameserver' } } }), 'application/json'],
  ])('%s is its target\'s delete', (_n, method, path, body, type) => {
    const r = result(method, path, body, type);
    expect(r.deletes).toMatch(/zero/);
    expect(r.deleteOf).toEqual({ apiGroup: 'apps', apiVersion: 'v1', resource: 'deployments', name: 'gameserver' });
  });

  it('a JSON patch copying a value into the annotation may be zero', () => {
    const body = JSON.stringify([{ op: 'copy', from: '/metadata/labels/replicas', path: '/metadata/annotations/autoscaling.keda.sh~1paused-replicas' }]);
    expect(result('PATCH', SO, body, JP).deletes).toMatch(/may be zero/);
  });

  it('names the target its body names: a StatefulSet, an Argo Rollout', () => {
    const so = (ref: Record<string, string>) => JSON.stringify({ ...paused('0'), spec: { scaleTargetRef: ref } });
    expect(result('PUT', SO, so({ kind: 'StatefulSet', name: 'gs-fleet' }), 'application/json').deleteOf).toEqual({ apiGroup: 'apps', apiVersion: 'v1', resource: 'statefulsets', name: 'gs-fleet' });
    expect(result('PUT', SO, so({ apiVersion: 'argoproj.io/v1alpha1', kind: 'Rollout', name: 'gs' }), 'application/json').deleteOf).toEqual({ apiGroup: 'argoproj.io', apiVersion: 'v1alpha1', resource: 'rollouts', name: 'gs' });
  });

  it('another count, another annotation, a ScaledJob and a body not sent are not', () => {
    expect(result('PATCH', SO, JSON.stringify(paused('60')), MERGE).deletes).toBeUndefined();
    expect(result('PATCH', SO, JSON.stringify(paused('1')), MERGE).deletes).toBeUndefined();
    expect(result('PATCH', SO, JSON.stringify({ metadata: { annotations: { 'autoscaling.keda.sh/paused': 'true' } } }), MERGE).deletes).toBeUndefined();
    expect(result('PATCH', SO, JSON.stringify({ spec: { minReplicaCount: 0 } }), MERGE).deletes).toBeUndefined();
    expect(result('PATCH', '/apis/keda.sh/v1alpha1/namespaces/gameserver-prod/scaledjobs/gs', JSON.stringify(paused('0')), MERGE).deletes).toBeUndefined();
    expect(inspect(kube('PATCH', SO), undefined, MERGE, false, settings, true).deletes).toBeUndefined();
  });

  it('a body that cannot be read may pause it at zero, and is judged so', () => {
    expect(result('PATCH', SO, '{"metadata":{"annotations":{"autoscaling.keda.sh/paused-replicas"', MERGE).deletes).toMatch(/may pause the ScaledObject at zero/);
  });

  it('in a protected namespace it is the protected delete of its target', () => {
    const r = result('PATCH', '/apis/keda.sh/v1alpha1/namespaces/kube-system/scaledobjects/coredns', JSON.stringify(paused('0')), MERGE);
    expect(r.violations.map((v) => [v.code, v.path])).toEqual([['delete_protected', 'metadata.annotations.autoscaling.keda.sh/paused-replicas']]);
    expect(r.violations[0]!.detail).toMatch(/^patch pausing its ScaledObject at zero replicas, which takes it down like a /);
  });
});

// A Service changed to send its callers elsewhere, or opened outside the cluster, is asked what
// deleting it asks (rules/owners.ts serviceRetargeted); creating one that way is routine.
describe('a Service taken from its pods', () => {
  const SVC = '/api/v1/namespaces/prod-cart/services/cart-db';
  it.each([
    ['switched to ExternalName by a merge patch', 'PATCH', SVC, JSON.stringify({ spec: { type: 'ExternalName', externalName: 'db.mirror.example.net', clusterIP: null, selector: null } }), MERGE, /external name \(db\.mirror\.example\.net\)/],
    ['an ExternalName Service pointed elsewhere', 'PATCH', SVC, JSON.stringify({ spec: { externalName: 'evil.example.net' } }), SMP, /external name/],
    ['made a LoadBalancer', 'PATCH', SVC, JSON.stringify({ spec: { type: 'LoadBalancer', loadBalancerSourceRanges: ['0.0.0.0/0'] } }), MERGE, /type LoadBalancer/],
    ['made a NodePort by a JSON patch', 'PATCH', SVC, JSON.stringify([{ op: 'replace', path: '/spec/type', value: 'NodePort' }]), JP, /type NodePort/],
    ['replaced whole, as YAML', 'PUT', SVC, 'apiVersion: v1\nkind: Service\nmetadata: {name: cart-db}\nspec:\n  type: ExternalName\n  externalName: x.example.net\n', 'application/yaml', /external name/],
    ['replaced whole, as protobuf', 'PUT', SVC, encodeKube({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'cart-db' }, spec: { type: 'LoadBalancer' } }), PB, /type LoadBalancer/],
  ])('%s', (_n, method, path, body, type, words) => {
    expect(deletes(method, path, body, type)).toMatch(words);
  });

  it("a JSON patch copying a value into a Service is unreadable as a whole (the guardrails read a Service's body)", () => {
    const r = inspect(kube('PATCH', SVC), JSON.stringify([{ op: 'copy', from: '/metadata/labels/t', path: '/spec/type' }]), JP, false, settings);
    expect(r.unreadable).toBe('body_unreadable');
  });

  it('a create, a ClusterIP change, and a port change are not', () => {
    expect(deletes('POST', '/api/v1/namespaces/prod-cart/services', JSON.stringify({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'rds' }, spec: { type: 'ExternalName', externalName: 'db.rds.amazonaws.com' } }), 'application/json')).toBeUndefined();
    expect(deletes('PATCH', SVC, JSON.stringify({ spec: { type: 'ClusterIP' } }), MERGE)).toBeUndefined();
    expect(deletes('PATCH', SVC, JSON.stringify({ spec: { ports: [{ port: 5432, targetPort: 5433 }] } }), SMP)).toBeUndefined();
  });

  it('in a protected namespace it is the protected delete it amounts to', () => {
    const r = inspect(kube('PATCH', '/api/v1/namespaces/kube-system/services/kube-dns'), JSON.stringify({ spec: { type: 'ExternalName', externalName: 'dns.example.net' } }), MERGE, false, settings);
    expect(r.violations.map((v) => [v.code, v.path])).toEqual([['delete_protected', 'spec.type']]);
  });
});

// A Node tainted NoExecute: the taint manager evicts every pod there that does not tolerate it,
// disruption budgets ignored (rules/owners.ts evictsByTaint), so the change asks what deleting the
// Node asks; a cordon or a NoSchedule taint moves nothing that runs.
describe('a Node tainted NoExecute', () => {
  const NODE = '/api/v1/nodes/pool-a-1';
  it.each([
    ['kubectl taint (a strategic merge patch)', 'PATCH', NODE, JSON.stringify({ spec: { taints: [{ key: 'maintenance', effect: 'NoExecute' }] } }), SMP],
    ['a merge patch beside a NoSchedule taint', 'PATCH', NODE, JSON.stringify({ spec: { taints: [{ key: 'gpu', effect: 'NoSchedule' }, { key: 'x', value: 'y', effect: 'NoExecute' }] } }), MERGE],
    ['a JSON patch appending one', 'PATCH', NODE, JSON.stringify([{ op: 'add', path: '/spec/taints/-', value: { key: 'x', effect: 'NoExecute' } }]), JP],
    ['a JSON patch replacing the list', 'PATCH', NODE, JSON.stringify([{ op: 'add', path: '/spec/taints', value: [{ key: 'x', effect: 'NoExecute' }] }]), JP],
    ['a Node replaced', 'PUT', NODE, JSON.stringify({ apiVersion: 'v1', kind: 'Node', metadata: { name: 'pool-a-1' }, spec: { taints: [{ key: 'x', effect: 'NoExecute' }] } }), 'application/json'],
  ])('%s', (_n, method, path, body, type) => {
    expect(deletes(method, path, body, type)).toMatch(/NoExecute: every pod on the node/);
  });

  it('a JSON patch that copies a value into the Node cannot be read, and may taint it', () => {
    expect(deletes('PATCH', NODE, JSON.stringify([{ op: 'copy', from: '/metadata/labels', path: '/spec/taints' }]), JP)).toMatch(/may taint the node NoExecute/);
  });

  it('a cordon, a NoSchedule or PreferNoSchedule taint, labels, a create, and the status are not', () => {
    expect(deletes('PATCH', NODE, JSON.stringify({ spec: { unschedulable: true } }), SMP)).toBeUndefined();
    expect(deletes('PATCH', NODE, JSON.stringify({ spec: { taints: [{ key: 'gpu', effect: 'NoSchedule' }, { key: 'spot', effect: 'PreferNoSchedule' }] } }), SMP)).toBeUndefined();
    expect(deletes('PATCH', NODE, JSON.stringify({ metadata: { labels: { 'topology.kubernetes.io/zone': 'eu-west-1a' } } }), MERGE)).toBeUndefined();
    expect(deletes('POST', '/api/v1/nodes', JSON.stringify({ apiVersion: 'v1', kind: 'Node', metadata: { name: 'n' }, spec: { taints: [{ key: 'x', effect: 'NoExecute' }] } }), 'application/json')).toBeUndefined();
    expect(deletes('PATCH', `${NODE}/status`, JSON.stringify({ status: { conditions: [{ type: 'Ready', status: 'False' }] } }), SMP)).toBeUndefined();
    // No body sent by the gateway is missing_body's.
    expect(deletes('PATCH', NODE, undefined, SMP, false, true)).toBeUndefined();
  });

  it('a body that cannot be read may taint it, and is judged so; owner references on a Node are still read', () => {
    expect(deletes('PATCH', NODE, '{"spec":{"taints":[', SMP, true)).toMatch(/may taint the node NoExecute/);
    expect(deletes('PATCH', NODE, JSON.stringify({ metadata: { ownerReferences: [OWNER] } }), MERGE)).toMatch(/owner/);
  });
});

// A Node cordoned or tainted NoSchedule deletes nothing, but takes the node out of scheduling: the
// guardrails say so (`cordons`) and the risk engine counts the Node for machine pace, so ten within
// seconds are a run (day 13's mass cordon), one is maintenance.
describe('a Node cordoned', () => {
  const NODE = '/api/v1/nodes/pool-a-1';
  const cordons = (method: string, body: string, type: string) => inspect(kube(method, NODE), body, type, false, settings).cordons;
  it.each([
    ['kubectl cordon (a strategic merge patch)', 'PATCH', JSON.stringify({ spec: { unschedulable: true } }), SMP],
    ['a merge patch', 'PATCH', JSON.stringify({ spec: { unschedulable: true } }), MERGE],
    ['a JSON patch', 'PATCH', JSON.stringify([{ op: 'replace', path: '/spec/unschedulable', value: true }]), JP],
    ['server-side apply', 'PATCH', 'apiVersion: v1\nkind: Node\nmetadata: {name: pool-a-1}\nspec: {unschedulable: true}\n', 'application/apply-patch+yaml'],
    ['a Node replaced', 'PUT', JSON.stringify({ apiVersion: 'v1', kind: 'Node', metadata: { name: 'pool-a-1' }, spec: { unschedulable: true } }), 'application/json'],
    ['a NoSchedule taint', 'PATCH', JSON.stringify({ spec: { taints: [{ key: 'maintenance', effect: 'NoSchedule' }] } }), SMP],
  ])('%s', (_n, method, body, type) => {
    expect(cordons(method, body, type)).toMatch(/no new pod is scheduled there/);
  });

  it('an uncordon, a PreferNoSchedule taint, labels and a NoExecute taint (a delete) are not', () => {
    expect(cordons('PATCH', JSON.stringify({ spec: { unschedulable: null } }), SMP)).toBeUndefined();
    expect(cordons('PATCH', JSON.stringify({ spec: { unschedulable: false } }), MERGE)).toBeUndefined();
    expect(cordons('PATCH', JSON.stringify({ spec: { taints: [{ key: 'spot', effect: 'PreferNoSchedule' }] } }), SMP)).toBeUndefined();
    expect(cordons('PATCH', JSON.stringify({ metadata: { labels: { a: 'b' } } }), MERGE)).toBeUndefined();
    const tainted = inspect(kube('PATCH', NODE), JSON.stringify({ spec: { unschedulable: true, taints: [{ key: 'x', effect: 'NoExecute' }] } }), SMP, false, settings);
    expect(tainted.deletes).toMatch(/NoExecute/);
    expect(tainted.cordons).toBeUndefined();
  });
});
