import { describe, expect, it } from 'vitest';
import { guardrailContribution } from '../../src/guardrails/effect.js';
import { inspect } from '../../src/guardrails/inspect.js';
import type { GuardrailResult } from '../../src/guardrails/types.js';
import { guardConfig, guardSettings, kube, toJsonPatch, toYaml } from '../support/guardrails.js';
import { encodeKube } from '../support/kube-protobuf.js';

/**
 * capacity_below_floor (src/guardrails/rules/capacity.ts): a replica count, an autoscaler's
 * ceiling, a KEDA pause or a node pool set below `guardrails.replica_floors` (day 42: the results
 * site's HPA ceiling cut to 2 and the Deployment scaled to 2 at the election-night peak). Raises,
 * counts at or above the floor, namespaces and names without a floor, and every write with no
 * floor configured stay quiet.
 */

const FLOORS = `
guardrails:
  replica_floors:
    - namespaces: [results-prod]
      names: [results-web, results-api]
      min_replicas: 10
    - namespaces: ["*-prod"]
      min_replicas: 2
    - namespaces: [capi-clusters]
      names: ["*-burst"]
      min_replicas: 4
`;
const settings = guardSettings(FLOORS);
const none = guardSettings('guardrails: {}\n');
const codes = (r: GuardrailResult) => [...new Set(r.violations.map((v) => v.code))].sort();
const floorCodes = (r: GuardrailResult) => r.violations.filter((v) => v.code === 'capacity_below_floor');
const MERGE = 'application/merge-patch+json';
const STRATEGIC = 'application/strategic-merge-patch+json';
const APPLY = 'application/apply-patch+yaml';
const JSON_PATCH = 'application/json-patch+json';
const PROTOBUF = 'application/vnd.kubernetes.protobuf';
const send = (method: string, path: string, body: unknown, type = 'application/json', s = settings) =>
  inspect(kube(method, path), typeof body === 'string' ? body : JSON.stringify(body), type, false, s);

const DEPLOY = '/apis/apps/v1/namespaces/results-prod/deployments/results-web';
const STS = '/apis/apps/v1/namespaces/results-prod/statefulsets/results-api';
const RC = '/api/v1/namespaces/results-prod/replicationcontrollers/results-web';
const HPAS = '/apis/autoscaling/v2/namespaces/results-prod/horizontalpodautoscalers';
const HPA = `${HPAS}/results-web`;
const SO = '/apis/keda.sh/v1alpha1/namespaces/results-prod/scaledobjects/results-web';
const MD = '/apis/cluster.x-k8s.io/v1beta1/namespaces/capi-clusters/machinedeployments/web-prod-burst';
const hpa = (name: string, target: string, min: number, max: number, version = 'v2') => ({
  apiVersion: `autoscaling/${version}`,
  kind: 'HorizontalPodAutoscaler',
  metadata: { name, namespace: 'results-prod' },
  spec: { scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: target }, minReplicas: min, maxReplicas: max },
});

describe('capacity_below_floor: a count set below the site floor', () => {
  it('is day 42: the HPA ceiling cut to 2 (strategic merge, as kubectl patch sends it) and the Deployment scaled to 2', () => {
    const cut = send('PATCH', HPA, { spec: { maxReplicas: 2 } }, STRATEGIC);
    expect(codes(cut)).toEqual(['capacity_below_floor']);
    expect(cut.violations[0]!.detail).toContain('set to 2, below the floor of 10');
    expect(cut.violations[0]!.path).toBe('spec.maxReplicas');
    expect(codes(send('PATCH', `${DEPLOY}/scale`, { spec: { replicas: 2 } }, MERGE))).toEqual(['capacity_below_floor']);
  });

  it('reads a workload own spec.replicas in every body a change is sent as', () => {
    const deployment = { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'results-web', namespace: 'results-prod' }, spec: { replicas: 3, selector: { matchLabels: { app: 'w' } }, template: { metadata: { labels: { app: 'w' } }, spec: { containers: [{ name: 'w', image: 'registry.example.com/w@sha256:' + 'a'.repeat(64) }] } } } };
    expect(codes(send('PUT', DEPLOY, deployment))).toEqual(['capacity_below_floor']);
    expect(codes(send('PATCH', DEPLOY, { spec: { replicas: 3 } }, MERGE))).toEqual(['capacity_below_floor']);
    expect(codes(send('PATCH', DEPLOY, { spec: { replicas: 3 } }, STRATEGIC))).toEqual(['capacity_below_floor']);
    expect(codes(send('PATCH', DEPLOY, toYaml(deployment), APPLY))).toEqual(['capacity_below_floor']);
    expect(codes(send('PATCH', DEPLOY, toJsonPatch({ spec: { replicas: 3 } }), JSON_PATCH))).toEqual(['capacity_below_floor']);
    // A JSON patch's copy into the count sets what it does not show: the body is unreadable (the
    // strongest level, by default), for a workload as for an autoscaler where a floor is kept.
    expect(send('PATCH', DEPLOY, [{ op: 'copy', from: '/spec/minReadySeconds', path: '/spec/replicas' }], JSON_PATCH).unreadable).toBe('body_unreadable');
    expect(send('PATCH', HPA, [{ op: 'copy', from: '/spec/minReplicas', path: '/spec/maxReplicas' }], JSON_PATCH).unreadable).toBe('body_unreadable');
    expect(codes(inspect(kube('PUT', DEPLOY), encodeKube(deployment), PROTOBUF, false, settings))).toEqual(['capacity_below_floor']);
    expect(codes(send('PATCH', STS, { spec: { replicas: 1 } }, STRATEGIC))).toEqual(['capacity_below_floor']);
    expect(codes(send('PATCH', RC, { spec: { replicas: 1 } }, MERGE))).toEqual(['capacity_below_floor']);
  });

  it('reads a Scale as kubectl scale sends it, in JSON and protobuf; a zero is also the workload delete', () => {
    const scale = { apiVersion: 'autoscaling/v1', kind: 'Scale', metadata: { name: 'results-web', namespace: 'results-prod' }, spec: { replicas: 4 } };
    expect(codes(send('PUT', `${DEPLOY}/scale`, scale))).toEqual(['capacity_below_floor']);
    expect(codes(inspect(kube('PUT', `${DEPLOY}/scale`), encodeKube(scale), PROTOBUF, false, settings))).toEqual(['capacity_below_floor']);
    const zero = send('PATCH', `${DEPLOY}/scale`, { spec: { replicas: 0 } }, MERGE);
    expect(codes(zero)).toContain('capacity_below_floor');
    expect(zero.deletes).toContain('zero replicas');
    // The general floor of every *-prod namespace: 1 is below 2.
    expect(codes(send('PATCH', '/apis/apps/v1/namespaces/shop-prod/deployments/cart/scale', { spec: { replicas: 1 } }, MERGE))).toEqual(['capacity_below_floor']);
  });

  it('reads an autoscaler ceiling on a create, an update, a merge patch, an apply, a JSON patch and protobuf (v1 and v2), by the workload it targets', () => {
    expect(codes(send('POST', HPAS, hpa('web-hpa', 'results-web', 2, 4)))).toEqual(['capacity_below_floor']);
    expect(codes(send('PUT', HPA, hpa('results-web', 'results-web', 2, 6, 'v1')))).toEqual(['capacity_below_floor']);
    expect(codes(send('PATCH', HPA, { spec: { maxReplicas: 2 } }, MERGE))).toEqual(['capacity_below_floor']);
    expect(codes(send('PATCH', HPA, toYaml(hpa('results-web', 'results-web', 2, 3)), APPLY))).toEqual(['capacity_below_floor']);
    expect(codes(send('PATCH', HPA, [{ op: 'replace', path: '/spec/maxReplicas', value: 2 }], JSON_PATCH))).toEqual(['capacity_below_floor']);
    expect(codes(inspect(kube('POST', HPAS), encodeKube(hpa('web-hpa', 'results-web', 2, 4)), PROTOBUF, false, settings))).toEqual(['capacity_below_floor']);
    expect(codes(inspect(kube('POST', '/apis/autoscaling/v1/namespaces/results-prod/horizontalpodautoscalers'), encodeKube(hpa('web-hpa', 'results-web', 2, 4, 'v1')), PROTOBUF, false, settings))).toEqual(['capacity_below_floor']);
    // Named for its target: an HPA called anything over results-web keeps results-web's floor.
    expect(floorCodes(send('POST', HPAS, hpa('anything', 'results-web', 2, 9)))[0]!.detail).toContain('below the floor of 10');
  });

  it('reads a KEDA ScaledObject ceiling and a pause at a count', () => {
    expect(codes(send('PATCH', SO, { spec: { maxReplicaCount: 3 } }, MERGE))).toEqual(['capacity_below_floor']);
    expect(codes(send('PATCH', SO, { metadata: { annotations: { 'autoscaling.keda.sh/paused-replicas': '2' } } }, MERGE))).toEqual(['capacity_below_floor']);
    const created = { apiVersion: 'keda.sh/v1alpha1', kind: 'ScaledObject', metadata: { name: 'web-so', namespace: 'results-prod' }, spec: { scaleTargetRef: { name: 'results-web' }, minReplicaCount: 10, maxReplicaCount: 5, triggers: [{ type: 'cpu', metricType: 'Utilization', metadata: { value: '60' } }] } };
    expect(codes(send('POST', '/apis/keda.sh/v1alpha1/namespaces/results-prod/scaledobjects', created))).toEqual(['capacity_below_floor']);
  });

  it('reads a Cluster API node pool replicas and its scale', () => {
    expect(codes(send('PATCH', MD, { spec: { replicas: 0 } }, MERGE))).toEqual(['capacity_below_floor']);
    expect(codes(send('PATCH', `${MD}/scale`, { spec: { replicas: 1 } }, MERGE))).toEqual(['capacity_below_floor']);
    expect(codes(send('PATCH', MD, { spec: { replicas: 6 } }, MERGE))).toEqual([]);
  });

  // review48: a count the write leaves out is the one kube defaults, not one it keeps.
  it('reads a workload count a change leaves out as kube default of 1 (null, remove, a spec set whole, a PUT without it, protobuf)', () => {
    const spec = { selector: { matchLabels: { app: 'w' } }, template: { metadata: { labels: { app: 'w' } }, spec: { containers: [{ name: 'w', image: 'registry.example.com/w@sha256:' + 'a'.repeat(64) }] } } };
    const deployment = { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'results-web', namespace: 'results-prod' }, spec };
    const nulled = send('PATCH', DEPLOY, { spec: { replicas: null } }, MERGE);
    expect(codes(nulled)).toEqual(['capacity_below_floor']);
    expect(nulled.violations[0]!.detail).toContain('left out (kube reads 1)');
    expect(codes(send('PATCH', DEPLOY, { spec: { replicas: null } }, STRATEGIC))).toEqual(['capacity_below_floor']);
    expect(codes(send('PATCH', DEPLOY, [{ op: 'remove', path: '/spec/replicas' }], JSON_PATCH))).toEqual(['capacity_below_floor']);
    expect(codes(send('PATCH', DEPLOY, [{ op: 'replace', path: '/spec', value: spec }], JSON_PATCH))).toEqual(['capacity_below_floor']);
    expect(codes(send('PATCH', DEPLOY, { spec: { $patch: 'replace', ...spec } }, STRATEGIC))).toEqual(['capacity_below_floor']);
    expect(codes(send('PATCH', DEPLOY, { spec: { $retainKeys: ['selector', 'template'], ...spec } }, STRATEGIC))).toEqual(['capacity_below_floor']);
    expect(codes(send('PUT', DEPLOY, deployment))).toEqual(['capacity_below_floor']);
    expect(codes(inspect(kube('PUT', DEPLOY), encodeKube(deployment), PROTOBUF, false, settings))).toEqual(['capacity_below_floor']);
    expect(codes(send('PUT', STS, { ...deployment, kind: 'StatefulSet', metadata: { name: 'results-api' } }))).toEqual(['capacity_below_floor']);
    // A patch that does not touch the count keeps it; a PUT at the floor passes.
    expect(codes(send('PATCH', DEPLOY, { spec: { template: spec.template } }, STRATEGIC))).toEqual([]);
    expect(codes(send('PUT', DEPLOY, { ...deployment, spec: { ...spec, replicas: 10 } }))).toEqual([]);
  });

  it('reads a node pool Scale without a count as 0, and keeps its own count a patch leaves out (its webhook keeps the old one)', () => {
    expect(codes(send('PATCH', `${MD}/scale`, { spec: { replicas: null } }, MERGE))).toEqual(['capacity_below_floor']);
    expect(codes(send('PUT', `${MD}/scale`, { apiVersion: 'autoscaling/v1', kind: 'Scale', metadata: { name: 'web-prod-burst' }, spec: {} }))).toEqual(['capacity_below_floor']);
    expect(codes(send('PATCH', MD, { spec: { replicas: null } }, MERGE))).toEqual([]);
    expect(codes(send('PATCH', `${MD}/scale`, { metadata: { labels: { a: 'b' } } }, MERGE))).toEqual([]);
  });

  it('reads the scale subresource of any custom kind, and an Argo Rollout own count', () => {
    const ROLLOUT = '/apis/argoproj.io/v1alpha1/namespaces/results-prod/rollouts/results-web';
    expect(codes(send('PATCH', `${ROLLOUT}/scale`, { spec: { replicas: 1 } }, MERGE))).toEqual(['capacity_below_floor']);
    expect(codes(send('PUT', `${ROLLOUT}/scale`, { apiVersion: 'autoscaling/v1', kind: 'Scale', metadata: { name: 'results-web' }, spec: { replicas: 3 } }))).toEqual(['capacity_below_floor']);
    expect(codes(send('PATCH', '/apis/apps.kruise.io/v1alpha1/namespaces/results-prod/clonesets/results-api/scale', { spec: { replicas: 2 } }, MERGE))).toEqual(['capacity_below_floor']);
    expect(codes(send('PATCH', ROLLOUT, { spec: { replicas: 2 } }, MERGE))).toEqual(['capacity_below_floor']);
    expect(codes(send('PATCH', ROLLOUT, { spec: { replicas: null } }, MERGE))).toEqual(['capacity_below_floor']);
    expect(codes(send('PATCH', `${ROLLOUT}/scale`, { spec: { replicas: 12 } }, MERGE))).toEqual([]);
    expect(codes(send('PATCH', ROLLOUT, { spec: { replicas: 12 } }, MERGE))).toEqual([]);
    expect(codes(send('PATCH', `${ROLLOUT}/scale`, { spec: { replicas: 1 } }, MERGE, none))).toEqual([]);
  });

  // Day 45: `kubectl edit fleet arena-na` sends a merge patch of the Fleet itself, not of its Scale.
  it("reads an Agones Fleet's own count, and reads one a write leaves out as 0 (FleetSpec.Replicas is a plain int32)", () => {
    const FLEET = '/apis/agones.dev/v1/namespaces/game-prod/fleets/arena-na';
    expect(codes(send('PATCH', FLEET, { spec: { replicas: 0 } }, MERGE))).toEqual(['capacity_below_floor']);
    expect(codes(send('PATCH', FLEET, { spec: { replicas: 1 } }, STRATEGIC))).toEqual(['capacity_below_floor']);
    const left = floorCodes(send('PATCH', FLEET, { spec: { replicas: null } }, MERGE));
    expect(left.map((v) => v.detail)).toEqual(['Fleet spec.replicas left out (kube reads 0) of arena-na in namespace game-prod set to 0, below the floor of 2 that guardrails.replica_floors keeps there']);
    const whole = { apiVersion: 'agones.dev/v1', kind: 'Fleet', metadata: { name: 'arena-na', namespace: 'game-prod' }, spec: { template: { spec: { ports: [{ name: 'default', containerPort: 7654 }] } } } };
    expect(codes(send('PUT', FLEET, whole))).toEqual(['capacity_below_floor']);
    expect(codes(send('PATCH', FLEET, [{ op: 'remove', path: '/spec/replicas' }], JSON_PATCH))).toEqual(['capacity_below_floor']);
    expect(codes(send('PATCH', FLEET, { spec: { replicas: 400 } }, MERGE))).toEqual([]);
    expect(codes(send('PATCH', FLEET, { spec: { template: { spec: { template: { spec: { containers: [{ name: 'arena-server', image: 'registry.example/arena:5.2.1' }] } } } } } }, MERGE))).toEqual([]);
    expect(codes(send('POST', '/apis/agones.dev/v1/namespaces/game-prod/fleets', { ...whole, spec: { ...whole.spec, replicas: 0 } }))).toEqual([]);
    expect(codes(send('PATCH', FLEET, { spec: { replicas: 0 } }, MERGE, none))).toEqual([]);
  });

  // Day 45's open finding: an Agones FleetAutoscaler's Buffer ceiling caps the Fleet its
  // spec.fleetName names, as an HPA's maxReplicas caps its scaleTargetRef.
  it("reads an Agones FleetAutoscaler's buffer.maxReplicas, by spec.fleetName, in a Schedule and a Chain too", () => {
    const FASS = '/apis/autoscaling.agones.dev/v1/namespaces/game-prod/fleetautoscalers';
    const FAS = `${FASS}/arena-na-autoscaler`;
    const buffer = (max: number) => ({ type: 'Buffer', buffer: { bufferSize: 1, minReplicas: 0, maxReplicas: max } });
    const cut = floorCodes(send('PATCH', FAS, { spec: { fleetName: 'arena-na', policy: buffer(1) } }, MERGE));
    expect(cut.map((v) => [v.path, v.detail])).toEqual([['spec.policy.buffer.maxReplicas', 'FleetAutoscaler buffer.maxReplicas (the most GameServers it runs) of arena-na in namespace game-prod set to 1, below the floor of 2 that guardrails.replica_floors keeps there']]);
    // A patch that does not show its Fleet meets the namespace's highest floor.
    const unshown = floorCodes(send('PATCH', FAS, { spec: { policy: { buffer: { maxReplicas: 1 } } } }, MERGE));
    expect(unshown.map((v) => v.detail)).toEqual([expect.stringContaining("FleetAutoscaler arena-na-autoscaler's target (not shown in the write)")]);
    expect(codes(send('PATCH', FAS, [{ op: 'replace', path: '/spec/policy/buffer/maxReplicas', value: 1 }], JSON_PATCH))).toEqual(['capacity_below_floor']);
    // A policy copied in from elsewhere may hold any ceiling: the write is unreadable, and asked so.
    expect(send('PATCH', FAS, [{ op: 'copy', from: '/metadata/annotations/p', path: '/spec/policy' }], JSON_PATCH).unreadable).toBe('body_unreadable');
    const create = { apiVersion: 'autoscaling.agones.dev/v1', kind: 'FleetAutoscaler', metadata: { name: 'arena-na-autoscaler' }, spec: { fleetName: 'arena-na', policy: buffer(1) } };
    expect(codes(send('POST', FASS, create))).toEqual(['capacity_below_floor']);
    expect(codes(send('PATCH', FAS, toYaml(create), APPLY))).toEqual(['capacity_below_floor']);
    const scheduled = { type: 'Schedule', schedule: { between: { start: '2027-05-06T20:00:00Z' }, policy: buffer(1) } };
    expect(floorCodes(send('PATCH', FAS, { spec: { fleetName: 'arena-na', policy: scheduled } }, MERGE)).map((v) => v.path)).toEqual(['spec.policy.schedule.policy.buffer.maxReplicas']);
    const chain = { type: 'Chain', chain: [{ id: 'peak', ...buffer(300) }, { id: 'night', type: 'Schedule', schedule: { policy: buffer(1) } }] };
    expect(floorCodes(send('PATCH', FAS, { spec: { fleetName: 'arena-na', policy: chain } }, MERGE)).map((v) => v.path)).toEqual(['spec.policy.chain[1].schedule.policy.buffer.maxReplicas']);
    expect(codes(send('PATCH', FAS, [{ op: 'replace', path: '/spec/policy/chain/1/buffer/maxReplicas', value: 1 }], JSON_PATCH))).toEqual(['capacity_below_floor']);
    expect(codes(send('PATCH', FAS, { spec: { policy: { buffer: { maxReplicas: '40' } } } }, MERGE))).toEqual(['capacity_below_floor']);
  });

  it('judges a count it cannot read as below the floor', () => {
    expect(codes(send('PATCH', HPA, { spec: { maxReplicas: '40' } }, MERGE))).toEqual(['capacity_below_floor']);
    expect(codes(send('PATCH', SO, { metadata: { annotations: { 'autoscaling.keda.sh/paused-replicas': 'many' } } }, MERGE))).toEqual(['capacity_below_floor']);
    const unread = send('PATCH', HPA, '{"spec": {"maxReplicas": 2', MERGE);
    expect(unread.unreadable).toBe('body_unreadable');
  });

  it('asks two factors within 15 minutes by default (elevated), like a Secrets read in the example', () => {
    const cfg = guardConfig(FLOORS);
    const c = guardrailContribution(send('PATCH', HPA, { spec: { maxReplicas: 2 } }, MERGE), 'results-prod', settings);
    expect(c.codes).toEqual(['capacity_below_floor']);
    expect([c.deny, c.level, c.maxAge]).toEqual([false, 1, 900]);;
    expect(cfg.guardrails?.replica_floors).toHaveLength(3);
  });
});

describe('capacity_below_floor: routine capacity work stays quiet', () => {
  it('passes raises, counts at the floor, the floor minimum left low, and an autoscaler patch without a ceiling', () => {
    expect(codes(send('PATCH', HPA, { spec: { maxReplicas: 120 } }, STRATEGIC))).toEqual([]);
    expect(codes(send('PATCH', HPA, { spec: { maxReplicas: 10 } }, STRATEGIC))).toEqual([]);
    expect(codes(send('PATCH', HPA, { spec: { minReplicas: 1 } }, MERGE))).toEqual([]);
    expect(codes(send('PATCH', `${DEPLOY}/scale`, { spec: { replicas: 40 } }, MERGE))).toEqual([]);
    expect(codes(send('PATCH', DEPLOY, { spec: { template: { metadata: { annotations: { 'kubectl.kubernetes.io/restartedAt': '2027-05-06T20:00:00Z' } } } } }, STRATEGIC))).toEqual([]);
    expect(codes(send('PATCH', SO, { metadata: { annotations: { 'autoscaling.keda.sh/paused-replicas': '12' } } }, MERGE))).toEqual([]);
  });

  it('passes a FleetAutoscaler raised, at the floor, naming another Fleet, with no ceiling to read, or without a floor', () => {
    const FAS = '/apis/autoscaling.agones.dev/v1/namespaces/game-prod/fleetautoscalers/arena-na-autoscaler';
    const GAME = `
guardrails:
  replica_floors:
    - namespaces: [game-prod]
      names: [arena-na]
      min_replicas: 100
`;
    const game = guardSettings(GAME);
    const buffer = (max: number) => ({ type: 'Buffer', buffer: { bufferSize: 20, minReplicas: 0, maxReplicas: max } });
    expect(codes(send('PATCH', FAS, { spec: { fleetName: 'arena-na', policy: buffer(400) } }, MERGE, game))).toEqual([]);
    expect(codes(send('PATCH', FAS, { spec: { fleetName: 'arena-na', policy: buffer(100) } }, MERGE, game))).toEqual([]);
    // Another Fleet the body shows: its own floor (none here), not arena-na's.
    expect(codes(send('PATCH', '/apis/autoscaling.agones.dev/v1/namespaces/game-prod/fleetautoscalers/lobby', { spec: { fleetName: 'lobby', policy: buffer(3) } }, MERGE, game))).toEqual([]);
    // bufferSize and minReplicas are the controller's to follow down, as an HPA's minReplicas.
    expect(codes(send('PATCH', FAS, { spec: { policy: { buffer: { bufferSize: 1, minReplicas: 0 } } } }, MERGE, game))).toEqual([]);
    // A Webhook has no ceiling; a Counter's or List's maxCapacity counts capacity, not GameServers.
    expect(codes(send('PATCH', FAS, { spec: { fleetName: 'arena-na', policy: { type: 'Webhook', webhook: { service: { name: 'autoscaler', namespace: 'game-prod' } } } } }, MERGE, game))).toEqual([]);
    expect(codes(send('PATCH', FAS, { spec: { fleetName: 'arena-na', policy: { type: 'Counter', counter: { key: 'players', bufferSize: 5, maxCapacity: 10 } } } }, MERGE, game))).toEqual([]);
    expect(codes(send('PATCH', FAS, { spec: { fleetName: 'arena-na', policy: buffer(1) } }, MERGE, none))).toEqual([]);
    expect(codes(send('PATCH', '/apis/autoscaling.agones.dev/v1/namespaces/game-dev/fleetautoscalers/arena-na-autoscaler', { spec: { fleetName: 'arena-na', policy: buffer(1) } }, MERGE, game))).toEqual([]);
  });

  it('passes a workload create (it takes no running capacity away) and namespaces or names without a floor', () => {
    expect(codes(send('POST', '/apis/apps/v1/namespaces/results-prod/deployments', { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'results-web' }, spec: { replicas: 1 } }))).toEqual([]);
    // dev scaled to zero at night: no floor there (the zero is still the workload delete, asked as before).
    const night = send('PATCH', '/apis/apps/v1/namespaces/results-dev/deployments/results-web/scale', { spec: { replicas: 0 } }, MERGE);
    expect(codes(night)).toEqual([]);
    expect(night.deletes).toContain('zero replicas');
    expect(codes(send('PATCH', '/apis/apps/v1/namespaces/results-staging/deployments/results-web/scale', { spec: { replicas: 1 } }, MERGE))).toEqual([]);
    // Another workload of results-prod falls to the namespace's general floor: 3 is above *-prod's 2.
    expect(codes(send('PATCH', '/apis/apps/v1/namespaces/results-prod/deployments/results-graphics/scale', { spec: { replicas: 3 } }, MERGE))).toEqual([]);
    expect(codes(send('PATCH', '/apis/cluster.x-k8s.io/v1beta1/namespaces/capi-clusters/machinedeployments/web-prod-md-0', { spec: { replicas: 1 } }, MERGE))).toEqual([]);
  });

  it('reads nothing for it where no floor names the namespace, or none is configured', () => {
    expect(send('PATCH', '/apis/autoscaling/v2/namespaces/results-dev/horizontalpodautoscalers/results-web', '{"spec": {"maxReplicas": 2', MERGE).unreadable).toBeUndefined();
    expect(codes(send('PATCH', HPA, { spec: { maxReplicas: 1 } }, MERGE, none))).toEqual([]);
    expect(codes(send('PATCH', `${DEPLOY}/scale`, { spec: { replicas: 1 } }, MERGE, none))).toEqual([]);
    expect(codes(send('PATCH', HPA, '{"spec": {"maxReplicas": 2', MERGE, none))).toEqual([]);
    expect(codes(send('PATCH', MD, { spec: { replicas: 0 } }, MERGE, none))).toEqual([]);
  });
});

describe('a write that names no object meets the namespace highest floor', () => {
  // A GitOps kustomize patch whose target selects by label or by a regular expression is judged with
  // no name (gitops-patches.ts): it may select results-web, so results-prod's 10 holds, not 2.
  it('no name: the highest floor of the namespace; a name: the first entry naming it', () => {
    expect(settings.replicaFloor('results-prod', '')).toBe(10);
    expect(settings.replicaFloor('results-prod', 'results-web')).toBe(10);
    expect(settings.replicaFloor('results-prod', 'cache')).toBe(2);
    expect(settings.replicaFloor('shop-prod', '')).toBe(2);
    expect(settings.replicaFloor('capi-clusters', '')).toBe(4);
    expect(settings.replicaFloor('dev', '')).toBeUndefined();
  });
});

describe('review49: an autoscaler that does not show its target, a server-side apply without the count, a patch with no namespace', () => {
  const WEB_HPA = `${HPAS}/web-hpa`;
  const WEB_SO = '/apis/keda.sh/v1alpha1/namespaces/results-prod/scaledobjects/web-so';
  const BATCH = '/apis/apps/v1/namespaces/results-prod/deployments/batch';
  const deployment = (name: string, spec: object) => ({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name, namespace: 'results-prod' }, spec });
  const SPEC = { selector: { matchLabels: { app: 'results-web' } }, template: { metadata: { labels: { app: 'results-web' } }, spec: { containers: [{ name: 'web', image: 'registry.example.com/web:1' }] } } };

  it('an HPA or ScaledObject named otherwise than its target, patched without it, meets the namespace highest floor', () => {
    for (const [body, type] of [[{ spec: { maxReplicas: 2 } }, STRATEGIC], [{ spec: { maxReplicas: 2 } }, MERGE], [toJsonPatch({ spec: { maxReplicas: 2 } }), JSON_PATCH]] as const) {
      const cut = send('PATCH', WEB_HPA, body, type);
      expect(codes(cut), type).toEqual(['capacity_below_floor']);
      expect(cut.violations[0]!.detail).toContain("HorizontalPodAutoscaler web-hpa's target (not shown in the write)");
      expect(cut.violations[0]!.detail).toContain('below the floor of 10');
    }
    expect(codes(send('PATCH', WEB_SO, { spec: { maxReplicaCount: 2 } }, MERGE))).toEqual(['capacity_below_floor']);
    expect(codes(send('PATCH', WEB_SO, { metadata: { annotations: { 'autoscaling.keda.sh/paused-replicas': '3' } } }, MERGE))).toEqual(['capacity_below_floor']);
    // Shown: judged by the target, as before (batch has *-prod's 2; an HPA named results-web sizing batch too).
    expect(codes(send('PATCH', WEB_HPA, { spec: { scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'batch' }, maxReplicas: 3 } }, MERGE))).toEqual([]);
    expect(codes(send('PATCH', HPA, { spec: { scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'batch' }, maxReplicas: 3 } }, MERGE))).toEqual([]);
    expect(codes(send('PATCH', WEB_HPA, { spec: { maxReplicas: 12 } }, MERGE))).toEqual([]);
  });

  it('a server-side apply that leaves a workload count out is read as 1 (kube resets it when its manager set it)', () => {
    for (const body of [deployment('results-web', SPEC), { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'results-web', labels: { tier: 'web' } } }]) {
      const cut = send('PATCH', DEPLOY, toYaml(body), APPLY);
      expect(codes(cut)).toEqual(['capacity_below_floor']);
      expect(cut.violations[0]!.detail).toContain('left out of a server-side apply (kube reads 1 when its field manager set it before)');
    }
    expect(codes(send('PATCH', '/apis/argoproj.io/v1alpha1/namespaces/results-prod/rollouts/results-api', toYaml({ apiVersion: 'argoproj.io/v1alpha1', kind: 'Rollout', metadata: { name: 'results-api' }, spec: { strategy: { canary: {} } } }), APPLY))).toEqual(['capacity_below_floor']);
    // At or above the floor, or a workload whose floor 1 meets (*-prod keeps 2: an apply without it is below).
    expect(codes(send('PATCH', DEPLOY, toYaml(deployment('results-web', { ...SPEC, replicas: 12 })), APPLY))).toEqual([]);
    expect(codes(send('PATCH', BATCH, toYaml(deployment('batch', SPEC)), APPLY))).toEqual(['capacity_below_floor']);
    expect(codes(send('PATCH', '/apis/apps/v1/namespaces/results-dev/deployments/results-web', toYaml(deployment('results-web', SPEC)), APPLY))).toEqual([]);
    // A node pool's own count left out is kept by its webhook, applied or not.
    expect(codes(send('PATCH', MD, toYaml({ apiVersion: 'cluster.x-k8s.io/v1beta1', kind: 'MachineDeployment', metadata: { name: 'web-prod-burst' }, spec: { clusterName: 'web' } }), APPLY))).toEqual([]);
  });

  it('no namespace (a GitOps patch that shows neither its target namespace nor the destination): every floor for the name, the highest holds', () => {
    expect(settings.replicaFloor('', 'results-web')).toBe(10);
    expect(settings.replicaFloor('', 'cache')).toBe(2);
    expect(settings.replicaFloor('', 'web-prod-burst')).toBe(4);
    expect(settings.replicaFloor('', '')).toBe(10);
    expect(settings.replicaFloorNamespace('')).toBe(true);
    expect(none.replicaFloor('', '')).toBeUndefined();
    expect(none.replicaFloorNamespace('')).toBe(false);
  });
});
