import { describe, expect, it } from 'vitest';
import { inspect } from '../../src/guardrails/inspect.js';
import type { GuardrailResult } from '../../src/guardrails/types.js';
import { guardSettings, kube } from '../support/guardrails.js';

/**
 * Objects a controller writes from a custom resource's body with its own account
 * (src/guardrails/rules/embedded-objects.ts): an Argo template's resource manifest, an Argo Events
 * Sensor's k8s trigger, a Tekton TriggerTemplate's resourcetemplates, each judged as the write it becomes.
 */

// No registry list: an image from Docker Hub is no finding here.
const settings = guardSettings(`
guardrails:
  delete_protected_namespaces: [kube-system]
`);
const codes = (r: GuardrailResult) => [...new Set(r.violations.map((v) => v.code))].sort();
const JSON_CT = 'application/json';
const WF = '/apis/argoproj.io/v1alpha1/namespaces/dev/workflows';
const CRB = 'apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRoleBinding\nmetadata: {name: helper}\nroleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: cluster-admin}\nsubjects: [{kind: User, name: mallory}]\n';
const workflow = (resource: object) => ({ apiVersion: 'argoproj.io/v1alpha1', kind: 'Workflow', metadata: { generateName: 'x-' }, spec: { entrypoint: 'm', templates: [{ name: 'm', resource }] } });
const create = (path: string, body: object) => inspect(kube('POST', path), JSON.stringify(body), JSON_CT, false, settings);

describe('embedded objects', () => {
  it("judges an Argo resource template's manifest as the write it makes", () => {
    const r = create(WF, workflow({ action: 'create', manifest: CRB }));
    expect(codes(r)).toEqual(['rbac_cluster_admin_binding']);
    expect(r.violations[0]!.path).toMatch(/^spec\.templates\[0\]\.resource\.manifest/);
    const pod = 'apiVersion: v1\nkind: Pod\nmetadata: {generateName: "{{workflow.name}}-"}\nspec:\n  hostPID: true\n  containers: [{name: c, image: "alpine:3.20", securityContext: {privileged: true}}]\n';
    expect(codes(create(WF, workflow({ action: 'create', manifest: pod })))).toEqual(['host_namespace', 'privileged_container']);
    const del = 'apiVersion: v1\nkind: Namespace\nmetadata: {name: prod-payments}\n';
    expect(codes(create(WF, workflow({ action: 'delete', manifest: del })))).toEqual(['delete_protected']);
  });

  it("reads a WorkflowTemplate's, and a custom kind's pod specs in a manifest", () => {
    const wt = { apiVersion: 'argoproj.io/v1alpha1', kind: 'WorkflowTemplate', metadata: { name: 't' }, spec: { templates: [{ name: 'm', resource: { action: 'apply', manifest: JSON.stringify({ apiVersion: 'batch/v1', kind: 'Job', metadata: { name: 'j' }, spec: { template: { spec: { hostNetwork: true, containers: [{ name: 'c', image: 'alpine:3.20' }] } } } }) } }] } };
    expect(codes(create('/apis/argoproj.io/v1alpha1/namespaces/dev/workflowtemplates', wt))).toEqual(['host_namespace']);
    const spark = 'apiVersion: sparkoperator.k8s.io/v1beta2\nkind: SparkApplication\nmetadata: {name: s}\nspec:\n  volumes: [{name: h, hostPath: {path: /}}]\n';
    expect(codes(create(WF, workflow({ action: 'create', manifest: spark })))).toEqual(['host_path_volume']);
  });

  it('judges an Argo Events k8s trigger and a Tekton TriggerTemplate', () => {
    const crb = { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRoleBinding', metadata: { name: 'h' }, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'cluster-admin' }, subjects: [{ kind: 'User', name: 'mallory' }] };
    const sensor = { apiVersion: 'argoproj.io/v1alpha1', kind: 'Sensor', metadata: { name: 's' }, spec: { triggers: [{ template: { name: 't', k8s: { operation: 'create', source: { resource: crb } } } }] } };
    expect(codes(create('/apis/argoproj.io/v1alpha1/namespaces/argo-events/sensors', sensor))).toEqual(['rbac_cluster_admin_binding']);
    const tt = { apiVersion: 'triggers.tekton.dev/v1beta1', kind: 'TriggerTemplate', metadata: { name: 't' }, spec: { resourcetemplates: [crb] } };
    expect(codes(create('/apis/triggers.tekton.dev/v1beta1/namespaces/ci/triggertemplates', tt))).toEqual(['rbac_cluster_admin_binding']);
  });

  it("asks nothing of a routine resource template, parameters and all", () => {
    const job = 'apiVersion: batch/v1\nkind: Job\nmetadata:\n  generateName: pi-job-\n  namespace: {{workflow.namespace}}\nspec:\n  template:\n    spec:\n      containers: [{name: pi, image: "perl:5.34", command: [perl, "-Mbignum=bpi", "-wle", "print bpi({{inputs.parameters.digits}})"]}]\n      restartPolicy: Never\n';
    const r = create(WF, workflow({ action: 'create', successCondition: 'status.succeeded > 0', manifest: job }));
    expect(r.violations).toEqual([]);
    expect(r.unreadable).toBeUndefined();
  });

  it('gives a manifest it cannot read the unreadable effect', () => {
    const r = create(WF, workflow({ action: 'create', manifest: 'apiVersion: v1\nkind: !!str Pod\n' }));
    expect(r.unreadable).toBe('body_unreadable');
  });
});
