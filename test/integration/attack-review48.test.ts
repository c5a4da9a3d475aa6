import { describe, expect, it } from 'vitest';
import { builtServerForFile, checkEscalationRows, freshSubjects, kubectlSender, reason, rules, type EscalationRow as Row, type EscalationState as State } from '../support/built-server.js';

/**
 * Session 48's red team (review48) against what session 48 merged, black-box through the build
 * `npm start` serves, with the example and a replica floor (results-* in prod keep 10): replica
 * cuts capacity_below_floor missed. kube defaults a workload's `spec.replicas` to 1 when a write
 * leaves it out (SetDefaults_Deployment and its siblings), so a merge patch's null, a JSON patch's
 * remove, a strategic merge `$patch: replace` of the spec and a PUT without the field all set 1; a
 * Scale's count is a plain int32 whose absence is 0, for a node pool's Scale as for a workload's;
 * and the `scale` subresource of any custom kind (an Argo Rollout, what `kubectl scale rollout`
 * writes) sets the count its CRD names. The shapes one by one are in
 * test/unit/guardrails-capacity.test.ts.
 */

const FLOOR = 'guardrail:capacity_below_floor';
const server = builtServerForFile('review48', (yaml) => yaml.replace('guardrails:\n', "guardrails:\n  replica_floors: [{ namespaces: [prod], names: ['results-*'], min_replicas: 10 }]\n"));
const subjects = freshSubjects(() => server().issuer, 'review48');
const send = kubectlSender(server, subjects);
const MERGE = { 'content-type': 'application/merge-patch+json' };
const SMP = { 'content-type': 'application/strategic-merge-patch+json' };
const JSON_PATCH = { 'content-type': 'application/json-patch+json' };
const JSON_CT = { 'content-type': 'application/json' };
const ELEVATED: State[] = ['stolen', 'remote', 'everyday'];

const DEP = '/apis/apps/v1/namespaces/prod/deployments/results-web';
const template = { metadata: { labels: { app: 'results-web' } }, spec: { containers: [{ name: 'web', image: 'registry.example.com/results-web:1' }] } };
const deployment = (spec: object) => ({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'results-web', namespace: 'prod' }, spec: { selector: { matchLabels: { app: 'results-web' } }, template, ...spec } });
const MD = '/apis/cluster.x-k8s.io/v1beta1/namespaces/prod/machinedeployments/results-workers/scale';
const ROLLOUT = '/apis/argoproj.io/v1alpha1/namespaces/prod/rollouts/results-api';
const scale = (name: string, spec: object) => ({ apiVersion: 'autoscaling/v1', kind: 'Scale', metadata: { name, namespace: 'prod' }, spec });

describe('review48: replica cuts below guardrails.replica_floors that session 48 missed, through the server', () => {
  const rows: Row[] = [
    // Held before this review: the cuts session 48 read.
    { what: 'Deployment merge patch spec.replicas 2 (held)', req: { method: 'PATCH', path: DEP, headers: MERGE, body: { spec: { replicas: 2 } } }, by: FLOOR, refused: ELEVATED },
    { what: 'Deployment JSON patch replace /spec/replicas 1 (held)', req: { method: 'PATCH', path: DEP, headers: JSON_PATCH, body: [{ op: 'replace', path: '/spec/replicas', value: 1 }] }, by: FLOOR, refused: ELEVATED },
    { what: 'Deployment scale subresource to 2 (held)', req: { method: 'PATCH', path: `${DEP}/scale`, headers: MERGE, body: { spec: { replicas: 2 } } }, by: FLOOR, refused: ELEVATED },
    { what: 'MachineDeployment scale subresource to 1 (held)', req: { method: 'PATCH', path: MD, headers: MERGE, body: { spec: { replicas: 1 } } }, by: FLOOR, refused: ELEVATED },
    // Missed: kube's default of 1 for a workload's count the write leaves out.
    { what: 'Deployment merge patch spec.replicas null (kube defaults it to 1)', req: { method: 'PATCH', path: DEP, headers: MERGE, body: { spec: { replicas: null } } }, by: FLOOR, refused: ELEVATED },
    { what: 'Deployment JSON patch remove /spec/replicas (kube defaults it to 1)', req: { method: 'PATCH', path: DEP, headers: JSON_PATCH, body: [{ op: 'remove', path: '/spec/replicas' }] }, by: FLOOR, refused: ELEVATED },
    { what: 'Deployment JSON patch replace /spec without replicas', req: { method: 'PATCH', path: DEP, headers: JSON_PATCH, body: [{ op: 'replace', path: '/spec', value: deployment({}).spec }] }, by: FLOOR, refused: ELEVATED },
    { what: 'Deployment strategic merge $patch: replace of the spec without replicas', req: { method: 'PATCH', path: DEP, headers: SMP, body: { spec: { $patch: 'replace', ...deployment({}).spec } } }, by: FLOOR, refused: ELEVATED },
    { what: 'Deployment PUT without spec.replicas (kubectl replace)', req: { method: 'PUT', path: DEP, headers: JSON_CT, body: deployment({}) }, by: FLOOR, refused: ELEVATED },
    // Missed: a node pool's Scale without a count is 0.
    { what: 'MachineDeployment scale merge patch spec.replicas null (a Scale without a count is 0)', req: { method: 'PATCH', path: MD, headers: MERGE, body: { spec: { replicas: null } } }, by: FLOOR, refused: ELEVATED },
    { what: 'MachineDeployment scale PUT without spec.replicas', req: { method: 'PUT', path: MD, headers: JSON_CT, body: scale('results-workers', {}) }, by: FLOOR, refused: ELEVATED },
    // Missed: a custom kind's scale subresource (kubectl scale rollout results-api --replicas=1).
    { what: 'Argo Rollout scale subresource to 1 (kubectl scale rollout)', req: { method: 'PATCH', path: `${ROLLOUT}/scale`, headers: MERGE, body: { spec: { replicas: 1 } } }, by: FLOOR, refused: ELEVATED },
    { what: 'Argo Rollout scale subresource PUT at 1 (kubectl scale --current-replicas)', req: { method: 'PUT', path: `${ROLLOUT}/scale`, headers: JSON_CT, body: scale('results-api', { replicas: 1 }) }, by: FLOOR, refused: ELEVATED },
  ];
  checkEscalationRows(send, rows);

  it('raises, and writes that keep the count, are allowed on the two-factor sign-in a minute old', async () => {
    for (const state of ['laptop'] as const) {
      for (const req of [
        { method: 'PATCH', path: DEP, headers: MERGE, body: { spec: { replicas: 20 } } },
        { method: 'PATCH', path: DEP, headers: MERGE, body: { spec: { template: { metadata: { annotations: { 'kubectl.kubernetes.io/restartedAt': '2026-12-07T17:00:00Z' } } } } } },
        { method: 'PUT', path: DEP, headers: JSON_CT, body: deployment({ replicas: 12 }) },
        { method: 'PATCH', path: `${ROLLOUT}/scale`, headers: MERGE, body: { spec: { replicas: 14 } } },
        { method: 'PATCH', path: MD, headers: MERGE, body: { spec: { replicas: 12 } } },
      ]) {
        const res = await send(req, state);
        expect(reason(res), `${state} ${req.method} ${req.path} [${rules(res)}]`).toBe('allowed');
      }
    }
  });
});
