import { describe, expect, it } from 'vitest';
import { builtServerForFile, freshSubjects, KUBE, officeRound, reason, rules } from '../support/built-server.js';
import { CONTENT_TYPES, type RequestSpec } from '../support/requests.js';

/**
 * Session 50's red team on scales to zero (review49, capacity49b), through the build `npm start`
 * serves on the example as shipped: a production workload taken to zero replicas is its delete
 * (prod-durable-deletes, a sign-in within 15 minutes), so each shape of "replicas: 0" is sent on a
 * two-factor sign-in 20 minutes old, within prod-writes' 8 hours and past the delete's 15 minutes.
 * Every row must be asked (auth_too_old); the control rows (a scale to a count) pass.
 */

const server = builtServerForFile('review50scale');
const subjects = freshSubjects(() => server().issuer, 'review50scale');
const { signedIn, send } = officeRound(server, subjects);
const { merge: MERGE, json: JSON_CT, jsonPatch: JSON_PATCH, apply: APPLY, strategic: SMP } = CONTENT_TYPES;
const raw = (method: string, path: string, type: string, body: string): RequestSpec => ({ host: KUBE, method, path, headers: { 'content-type': type, 'x-envoy-auth-partial-body': 'false' }, body });
const SIGN_IN_AGE = 1200;
const NS = '/namespaces/prod';
const DEPLOY = `/apis/apps/v1${NS}/deployments/web`;
const scale = (path: string, replicas: number) => raw('PUT', `${path}/scale`, JSON_CT, JSON.stringify({ apiVersion: 'autoscaling/v1', kind: 'Scale', metadata: { name: 'web', namespace: 'prod' }, spec: { replicas } }));
const yamlScale = (replicas: string) => raw('PATCH', `${DEPLOY}?fieldManager=kubectl`, APPLY, `apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\n  namespace: prod\nspec:\n  replicas: ${replicas}\n`);

describe('a production workload scaled to zero, in every spelling and every scalable kind', () => {
  it.each<[string, RequestSpec]>([
    ['a Deployment\'s Scale PUT', scale(DEPLOY, 0)],
    ['a StatefulSet\'s Scale PUT', scale(`/apis/apps/v1${NS}/statefulsets/web`, 0)],
    ['a ReplicaSet\'s Scale PUT', scale(`/apis/apps/v1${NS}/replicasets/web-7c9f`, 0)],
    ['a ReplicationController\'s Scale PUT', scale(`/api/v1${NS}/replicationcontrollers/web`, 0)],
    ['a Deployment\'s Scale merge patch (kubectl scale)', raw('PATCH', `${DEPLOY}/scale`, MERGE, '{"spec":{"replicas":0}}')],
    ['a JSON patch replacing /spec/replicas', raw('PATCH', DEPLOY, JSON_PATCH, '[{"op":"replace","path":"/spec/replicas","value":0}]')],
    ['a JSON patch with an escaped path (/spec/replic~1as is not it; /spec/replicas with ~0)', raw('PATCH', DEPLOY, JSON_PATCH, '[{"op":"add","path":"/spec/replicas","value":0}]')],
    ['0.0 in JSON', raw('PATCH', DEPLOY, MERGE, '{"spec":{"replicas":0.0}}')],
    ['-0 in JSON', raw('PATCH', DEPLOY, MERGE, '{"spec":{"replicas":-0}}')],
    ['0e0 in JSON', raw('PATCH', DEPLOY, MERGE, '{"spec":{"replicas":0e0}}')],
    ['a key spelled with a unicode escape', raw('PATCH', DEPLOY, MERGE, '{"spec":{"r\\u0065plicas":0}}')],
    ['YAML 0', yamlScale('0')],
    ['YAML 0x0 (YAML 1.1 hex)', yamlScale('0x0')],
    ['YAML 00 (YAML 1.1 octal)', yamlScale('00')],
    ['YAML -0', yamlScale('-0')],
    ['YAML +0', yamlScale('+0')],
    ['YAML 0_0 (YAML 1.1 digit separators)', yamlScale('0_0')],
    ['YAML an anchor and alias', raw('PATCH', `${DEPLOY}?fieldManager=kubectl`, APPLY, 'apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\n  namespace: prod\n  labels: { zero: &z 0 }\nspec:\n  replicas: *z\n')],
    ['a StatefulSet\'s merge patch', raw('PATCH', `/apis/apps/v1${NS}/statefulsets/db`, MERGE, '{"spec":{"replicas":0}}')],
    ['a KEDA ScaledObject paused at "00"', raw('PATCH', `/apis/keda.sh/v1alpha1${NS}/scaledobjects/web`, MERGE, '{"metadata":{"annotations":{"autoscaling.keda.sh/paused-replicas":"00"}}}')],
    ['a KEDA ScaledObject paused at "+0"', raw('PATCH', `/apis/keda.sh/v1alpha1${NS}/scaledobjects/web`, MERGE, '{"metadata":{"annotations":{"autoscaling.keda.sh/paused-replicas":"+0"}}}')],
    ['a KEDA ScaledObject paused at "-0"', raw('PATCH', `/apis/keda.sh/v1alpha1${NS}/scaledobjects/web`, MERGE, '{"metadata":{"annotations":{"autoscaling.keda.sh/paused-replicas":"-0"}}}')],
    ['an Argo Rollout\'s Scale', raw('PATCH', `/apis/argoproj.io/v1alpha1${NS}/rollouts/web/scale`, MERGE, '{"spec":{"replicas":0}}')],
    ['an Agones Fleet\'s Scale', raw('PATCH', `/apis/agones.dev/v1${NS}/fleets/arena/scale`, MERGE, '{"spec":{"replicas":0}}')],
    // Review50: a custom kind's Scale at zero was read for a floor only, and these kinds' own counts
    // not at all: production writes on the morning's sign-in.
    ['a LeaderWorkerSet\'s Scale (kubectl scale lws)', raw('PATCH', `/apis/leaderworkerset.x-k8s.io/v1${NS}/leaderworkersets/llm/scale`, MERGE, '{"spec":{"replicas":0}}')],
    ['a LeaderWorkerSet\'s Scale PUT without a count', raw('PUT', `/apis/leaderworkerset.x-k8s.io/v1${NS}/leaderworkersets/llm/scale`, JSON_CT, '{"apiVersion":"autoscaling/v1","kind":"Scale","metadata":{"name":"llm"},"spec":{}}')],
    ['a LeaderWorkerSet\'s own count', raw('PATCH', `/apis/leaderworkerset.x-k8s.io/v1${NS}/leaderworkersets/llm`, MERGE, '{"spec":{"replicas":0}}')],
    ['an OpenKruise CloneSet\'s Scale', raw('PATCH', `/apis/apps.kruise.io/v1alpha1${NS}/clonesets/web/scale`, MERGE, '{"spec":{"replicas":0}}')],
    ['an OpenKruise CloneSet\'s own count', raw('PATCH', `/apis/apps.kruise.io/v1alpha1${NS}/clonesets/web`, JSON_PATCH, '[{"op":"replace","path":"/spec/replicas","value":0}]')],
  ])('%s: asked as its delete', async (_what, spec) => {
    const res = await send(await signedIn('aal2', SIGN_IN_AGE), spec);
    expect(reason(res), rules(res)).toBe('auth_too_old');
  });

  // Bodies kube may read as zero that stepgate does not read at all: refused (body_unreadable asks
  // more than the delete's sign-in), never allowed.
  it.each<[string, RequestSpec]>([
    ['the count spelled twice, 0 last', raw('PATCH', DEPLOY, SMP, '{"spec":{"replicas":3,"replicas":0}}')],
    ['YAML 0o0', yamlScale('0o0')],
    ['YAML !!int "0"', yamlScale('!!int "0"')],
  ])('%s: refused as unreadable', async (_what, spec) => {
    const res = await send(await signedIn('aal2', SIGN_IN_AGE), spec);
    expect(reason(res), rules(res)).toBe('acr_insufficient');
    expect(rules(res).split(',')).toContain('guardrail:body_unreadable');
  });

  it.each<[string, RequestSpec]>([
    ['a Deployment scaled to 3', raw('PATCH', `${DEPLOY}/scale`, MERGE, '{"spec":{"replicas":3}}')],
    ['YAML 3', yamlScale('3')],
    ['a LeaderWorkerSet scaled to 2', raw('PATCH', `/apis/leaderworkerset.x-k8s.io/v1${NS}/leaderworkersets/llm/scale`, MERGE, '{"spec":{"replicas":2}}')],
    ['a CloneSet\'s image changed', raw('PATCH', `/apis/apps.kruise.io/v1alpha1${NS}/clonesets/web`, MERGE, '{"spec":{"template":{"spec":{"containers":[{"name":"web","image":"registry.example/web:1.2"}]}}}}')],
    ['a Cluster API pool\'s Scale to 3', raw('PATCH', '/apis/cluster.x-k8s.io/v1beta1/namespaces/prod/machinedeployments/md-0/scale', MERGE, '{"spec":{"replicas":3}}')],
  ])('%s: allowed (control)', async (_what, spec) => {
    const res = await send(await signedIn('aal2', SIGN_IN_AGE), spec);
    expect(reason(res), rules(res)).toBe('allowed');
  });
});
