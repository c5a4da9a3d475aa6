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

  // Argo runs `kubectl <action> <flags> -f manifest`: a flag can add objects (`-f URL`, `-k`),
  // name what a delete removes, or change the namespace, server or identity.
  it.each([
    [['-f', 'https://gist.example/raw/crb.yaml']],
    [['--kustomize=https://github.com/x/y']],
    [['--namespace=kube-system']],
    [['--as=system:admin']],
    [['--server=https://10.0.0.1:6443']],
    [['{{workflow.parameters.flag}}']],
    [['--validate=false', '--selector=app=web']],
    ['--validate=false'],
    [[7]],
  ])("gives a resource template's kubectl flags %j the unreadable effect", (flags) => {
    const r = create(WF, workflow({ action: 'create', flags, manifest: 'apiVersion: v1\nkind: ConfigMap\nmetadata: {generateName: x-}\n' }));
    expect(r.unreadable).toBe('body_unreadable');
    expect(r.unreadableDetail).toMatch(/^spec\.templates\[0\]\.resource\.flags /);
  });

  it('reads a delete by flags alone (no manifest) as unread, and harmless flags as nothing', () => {
    expect(create(WF, workflow({ action: 'delete', flags: ['secret', 'psp-webhook', '-n', 'prod-payments'] })).unreadable).toBe('body_unreadable');
    const cm = 'apiVersion: v1\nkind: ConfigMap\nmetadata: {generateName: x-}\n';
    for (const flags of [['--validate=false'], ['--server-side', '--force-conflicts', '--field-manager=argo'], [], ['--ignore-not-found', '--wait=false']]) {
      const r = create(WF, workflow({ action: 'apply', flags, manifest: cm }));
      expect(r.unreadable, JSON.stringify(flags)).toBeUndefined();
    }
  });

  it('gives a manifest it cannot read the unreadable effect', () => {
    const r = create(WF, workflow({ action: 'create', manifest: 'apiVersion: v1\nkind: !!str Pod\n' }));
    expect(r.unreadable).toBe('body_unreadable');
  });

  describe('Argo parameters filled in before the manifest is read', () => {
    const ROLE = CRB.replace('name: cluster-admin', 'name: "{{workflow.parameters.role}}"');
    const wf = (spec: object, kind = 'Workflow') => ({ apiVersion: 'argoproj.io/v1alpha1', kind, metadata: { generateName: 'x-' }, spec });
    const grant = (manifest: string, inputs?: object) => ({ name: 'grant', ...(inputs ? { inputs } : {}), resource: { action: 'create', manifest } });

    it("reads a workflow parameter's value, and its default", () => {
      for (const p of [{ name: 'role', value: 'cluster-admin' }, { name: 'role', default: 'cluster-admin' }]) {
        expect(codes(create(WF, wf({ entrypoint: 'grant', arguments: { parameters: [p] }, templates: [grant(ROLE)] })))).toEqual(['rbac_cluster_admin_binding']);
      }
    });

    it("reads a template's inputs from its default, its steps' and tasks' arguments and the entrypoint's", () => {
      const IN = CRB.replace('name: cluster-admin', 'name: "{{ inputs.parameters.role }}"');
      const inputs = { parameters: [{ name: 'role', value: 'view' }] };
      expect(codes(create(WF, wf({ entrypoint: 'grant', templates: [grant(IN, { parameters: [{ name: 'role', value: 'cluster-admin' }] })] })))).toEqual(['rbac_cluster_admin_binding']);
      const steps = { name: 'main', steps: [[{ name: 'a', template: 'grant', arguments: { parameters: [{ name: 'role', value: '{{workflow.parameters.r}}' }] } }]] };
      expect(codes(create(WF, wf({ entrypoint: 'main', arguments: { parameters: [{ name: 'r', value: 'cluster-admin' }] }, templates: [steps, grant(IN, inputs)] })))).toEqual(['rbac_cluster_admin_binding']);
      const dag = { name: 'main', dag: { tasks: [{ name: 'a', template: 'grant' }, { name: 'b', template: 'grant', arguments: { parameters: [{ name: 'role', value: 'cluster-admin' }] } }] } };
      expect(codes(create(WF, wf({ entrypoint: 'main', templates: [dag, grant(IN, inputs)] })))).toEqual(['rbac_cluster_admin_binding']);
      expect(codes(create(WF, wf({ entrypoint: 'grant', arguments: { parameters: [{ name: 'role', value: 'cluster-admin' }] }, templates: [grant(IN, { parameters: [{ name: 'role' }] })] })))).toEqual(['rbac_cluster_admin_binding']);
    });

    it("reads a CronWorkflow's workflowSpec, and YAML a value brings with it", () => {
      const cron = { apiVersion: 'argoproj.io/v1alpha1', kind: 'CronWorkflow', metadata: { name: 'c' }, spec: { schedule: '* * * * *', workflowSpec: { entrypoint: 'grant', arguments: { parameters: [{ name: 'role', value: 'cluster-admin' }] }, templates: [grant(ROLE)] } } };
      expect(codes(create('/apis/argoproj.io/v1alpha1/namespaces/dev/cronworkflows', cron))).toEqual(['rbac_cluster_admin_binding']);
      const pod = 'apiVersion: v1\nkind: Pod\nmetadata: {generateName: p-}\nspec:\n  containers:\n  - name: c\n    image: "{{workflow.parameters.image}}"\n';
      const value = 'alpine:3.20"\n    securityContext: {privileged: true}\n    x: "';
      expect(codes(create(WF, wf({ entrypoint: 'grant', arguments: { parameters: [{ name: 'image', value }] }, templates: [grant(pod)] })))).toEqual(['privileged_container']);
      const kind = 'apiVersion: rbac.authorization.k8s.io/v1\nkind: "{{workflow.parameters.k}}"\nmetadata: {name: h}\nroleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: cluster-admin}\nsubjects: [{kind: User, name: m}]\n';
      expect(codes(create(WF, wf({ entrypoint: 'grant', arguments: { parameters: [{ name: 'k', enum: ['RoleBinding'], value: 'ClusterRoleBinding' }] }, templates: [grant(kind)] })))).toEqual(['rbac_cluster_admin_binding']);
    });

    it('judges every value a parameter may take', () => {
      const IN = CRB.replace('name: cluster-admin', 'name: "{{inputs.parameters.role}}"');
      const main = { name: 'main', steps: [[{ name: 'a', template: 'grant', arguments: { parameters: [{ name: 'role', value: 'view' }] } }], [{ name: 'b', template: 'grant', arguments: { parameters: [{ name: 'role', value: 'cluster-admin' }] } }]] };
      expect(codes(create(WF, wf({ entrypoint: 'main', templates: [main, grant(IN, { parameters: [{ name: 'role' }] })] })))).toEqual(['rbac_cluster_admin_binding']);
    });

    it('fails closed where a tag the body does not fix lands in a field that could change the judgement', () => {
      const unread = (r: GuardrailResult) => [r.unreadable, r.unreadableDetail];
      // A ConfigMap's value, a step's output, an expression, a loop's item, a WorkflowTemplate's parameter.
      const valueFrom = create(WF, wf({ entrypoint: 'grant', arguments: { parameters: [{ name: 'role', valueFrom: { configMapKeyRef: { name: 'c', key: 'k' } } }] }, templates: [grant(ROLE)] }));
      expect(unread(valueFrom)).toEqual(['body_unreadable', expect.stringContaining('roleRef.name is filled in by Argo from {{workflow.parameters.role}}')]);
      const expr = create(WF, wf({ entrypoint: 'grant', templates: [grant(CRB.replace('name: cluster-admin', 'name: "{{=sprig.replace(\'x\', \'\', \'cluster-adminx\')}}"'))] }));
      expect(expr.unreadable).toBe('body_unreadable');
      const item = { name: 'main', steps: [[{ name: 'a', template: 'grant', arguments: { parameters: [{ name: 'role', value: '{{item}}' }] }, withItems: ['cluster-admin'] }]] };
      expect(create(WF, wf({ entrypoint: 'main', templates: [item, grant(CRB.replace('name: cluster-admin', 'name: "{{inputs.parameters.role}}"'), { parameters: [{ name: 'role' }] })] })).unreadable).toBe('body_unreadable');
      const template = create('/apis/argoproj.io/v1alpha1/namespaces/dev/workflowtemplates', wf({ entrypoint: 'grant', arguments: { parameters: [{ name: 'role', value: 'view' }] }, templates: [grant(ROLE)] }, 'WorkflowTemplate'));
      expect(unread(template)).toEqual(['body_unreadable', expect.stringContaining('roleRef.name')]);
      for (const field of ['namespace: "{{inputs.parameters.ns}}"', 'privileged: {{inputs.parameters.p}}', '"{{inputs.parameters.k}}": true']) {
        const pod = `apiVersion: v1\nkind: Pod\nmetadata: {generateName: p-, ${field.startsWith('namespace') ? field : 'labels: {a: b}'}}\nspec:\n  containers: [{name: c, image: "alpine:3.20", securityContext: {${field.startsWith('namespace') ? 'runAsNonRoot: true' : field}}}]\n`;
        expect(create(WF, wf({ entrypoint: 'grant', templates: [grant(pod)] })).unreadable, field).toBe('body_unreadable');
      }
      // An action a parameter sets: each value it takes, and unread when the body does not fix it.
      const ns = 'apiVersion: v1\nkind: Namespace\nmetadata: {name: prod-payments}\n';
      const acting = (action: string, p: object) => wf({ entrypoint: 'grant', arguments: { parameters: [{ name: 'a', ...p }] }, templates: [{ name: 'grant', resource: { action, manifest: ns } }] });
      expect(codes(create(WF, acting('{{workflow.parameters.a}}', { value: 'delete' })))).toEqual(['delete_protected']);
      expect(create(WF, acting('{{workflow.parameters.a}}', { valueFrom: { configMapKeyRef: { name: 'c', key: 'k' } } })).unreadableDetail).toBe('spec.templates[0].resource.action is filled in by Argo from {{workflow.parameters.a}}, which this body does not fix');
      // The name of what a delete removes.
      const del = { name: 'grant', resource: { action: 'delete', manifest: 'apiVersion: v1\nkind: Namespace\nmetadata: {name: "{{inputs.parameters.ns}}"}\n' } };
      expect(create(WF, wf({ entrypoint: 'grant', templates: [del] })).unreadable).toBe('body_unreadable');
    });

    it('reads a Workflow that a Workflow creates, and fails closed on a patch that sets parameters only', () => {
      const inner = JSON.stringify(wf({ entrypoint: 'grant', arguments: { parameters: [{ name: 'role', value: 'cluster-admin' }] }, templates: [grant(CRB.replace('name: cluster-admin', 'name: "{{workflow.parameters.role}}"'))] }));
      expect(codes(create(WF, wf({ entrypoint: 'grant', arguments: { parameters: [{ name: 'role', value: 'cluster-admin' }] }, templates: [grant(inner)] })))).toEqual(['rbac_cluster_admin_binding']);
      const patch = inspect(kube('PATCH', `${WF}/grant-x7k2q`), JSON.stringify({ spec: { arguments: { parameters: [{ name: 'role', value: 'cluster-admin' }] } } }), 'application/merge-patch+json', false, settings);
      expect(patch.unreadable).toBe('body_unreadable');
      const applied = inspect(kube('PATCH', `${WF}/grant-x7k2q`), JSON.stringify({ apiVersion: 'argoproj.io/v1alpha1', kind: 'Workflow', metadata: { name: 'grant-x7k2q' }, spec: { arguments: { parameters: [{ name: 'role', value: 'cluster-admin' }] } } }), 'application/apply-patch+yaml', false, settings);
      expect(applied.unreadable).toBe('body_unreadable');
      const templates = inspect(kube('PATCH', `${WF}/grant-x7k2q`), JSON.stringify({ spec: { templates: [grant(ROLE)] } }), 'application/merge-patch+json', false, settings);
      expect(templates.unreadable).toBe('body_unreadable');
    });

    it('fails closed on an Argo Events trigger parameter or a Tekton Triggers param in a role', () => {
      const crb = { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRoleBinding', metadata: { name: 'h' }, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'view' }, subjects: [{ kind: 'User', name: 'mallory' }] };
      const sensor = { apiVersion: 'argoproj.io/v1alpha1', kind: 'Sensor', metadata: { name: 's' }, spec: { triggers: [{ template: { name: 't', k8s: { operation: 'create', source: { resource: crb }, parameters: [{ src: { dependencyName: 'd', dataKey: 'body.role' }, dest: 'roleRef.name' }] } } }] } };
      expect(create('/apis/argoproj.io/v1alpha1/namespaces/argo-events/sensors', sensor).unreadable).toBe('body_unreadable');
      const tt = { apiVersion: 'triggers.tekton.dev/v1beta1', kind: 'TriggerTemplate', metadata: { name: 't' }, spec: { resourcetemplates: [{ ...crb, roleRef: { ...crb.roleRef, name: '$(tt.params.role)' } }] } };
      expect(create('/apis/triggers.tekton.dev/v1beta1/namespaces/ci/triggertemplates', tt).unreadable).toBe('body_unreadable');
    });

    it('asks nothing of routine parameters: names, labels, commands, images, counts, a ConfigMap\'s data, a PipelineRun a trigger names', () => {
      const job = 'apiVersion: batch/v1\nkind: Job\nmetadata:\n  name: "{{inputs.parameters.name}}"\n  labels: {run: "{{workflow.name}}"}\nspec:\n  backoffLimit: {{inputs.parameters.retries}}\n  template:\n    spec:\n      containers:\n      - name: "{{inputs.parameters.name}}"\n        image: "{{inputs.parameters.image}}"\n        command: [sh, -c, "{{inputs.parameters.cmd}}"]\n        env: [{name: RUN, value: "{{workflow.uid}}"}]\n        resources: {limits: {cpu: "{{inputs.parameters.cpu}}"}}\n      restartPolicy: Never\n';
      const cm = 'apiVersion: v1\nkind: ConfigMap\nmetadata: {generateName: out-}\ndata:\n  result: "{{steps.a.outputs.result}}"\n';
      // An image stepgate cannot name is judged as one: here, an image with no tag.
      for (const [m, found] of [[job, ['image_latest_tag']], [cm, []]] as const) {
        const r = create('/apis/argoproj.io/v1alpha1/namespaces/dev/workflowtemplates', wf({ entrypoint: 'grant', templates: [grant(m)] }, 'WorkflowTemplate'));
        expect([codes(r), r.unreadable, r.unreadableDetail]).toEqual([found, undefined, undefined]);
      }
      const run = { apiVersion: 'tekton.dev/v1', kind: 'PipelineRun', metadata: { generateName: 'build-' }, spec: { pipelineRef: { name: 'build' }, params: [{ name: 'revision', value: '$(tt.params.revision)' }] } };
      const tt = { apiVersion: 'triggers.tekton.dev/v1beta1', kind: 'TriggerTemplate', metadata: { name: 't' }, spec: { resourcetemplates: [run] } };
      expect(create('/apis/triggers.tekton.dev/v1beta1/namespaces/ci/triggertemplates', tt).unreadable).toBeUndefined();
    });
  });
});
