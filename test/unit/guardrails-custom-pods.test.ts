import { describe, expect, it } from 'vitest';
import { inspect } from '../../src/guardrails/inspect.js';
import { MAX_YAML_CHARS, MAX_YAML_DOCUMENTS } from '../../src/guardrails/yaml.js';
import { guardSettings, kube } from '../support/guardrails.js';

// A custom resource's controller runs the pods its body describes (rules/custom-pods.ts): their
// runtime controls are judged as a Pod's are, wherever the unknown kind keeps them.
const settings = guardSettings();
const JSON_CT = 'application/json';
const MERGE = 'application/merge-patch+json';
const JP = 'application/json-patch+json';
const APPLY = 'application/apply-patch+yaml';
const WF = '/apis/argoproj.io/v1alpha1/namespaces/dev/workflows';
const RO = '/apis/argoproj.io/v1alpha1/namespaces/dev/rollouts';
const TR = '/apis/tekton.dev/v1/namespaces/dev/taskruns';
const PRIV = { name: 'c', image: 'registry.example.com/busybox:1.36', securityContext: { privileged: true } };
const OK = { name: 'c', image: 'registry.example.com/busybox:1.36' };
const codes = (method: string, path: string, body: string | undefined, type = JSON_CT, truncated = false) =>
  inspect(kube(method, path), body, type, truncated, settings).violations.map((v) => v.code);
const wf = (spec: Record<string, unknown>) => JSON.stringify({ apiVersion: 'argoproj.io/v1alpha1', kind: 'Workflow', metadata: { name: 'w' }, spec: { entrypoint: 'm', ...spec } });

describe('pod specs in custom resources', () => {
  it.each<[string, string, string, string | undefined, string, string]>([
    ['an Argo Workflow template\'s container', 'POST', WF, wf({ templates: [{ name: 'm', container: PRIV }] }), JSON_CT, 'privileged_container'],
    ['an Argo Workflow template\'s script', 'POST', WF, wf({ templates: [{ name: 'm', script: { ...PRIV, source: 'id' } }] }), JSON_CT, 'privileged_container'],
    ['an Argo Workflow\'s shared hostPath volume', 'POST', WF, wf({ volumes: [{ name: 'h', hostPath: { path: '/' } }], templates: [{ name: 'm', container: OK }] }), JSON_CT, 'host_path_volume'],
    ['an Argo Workflow on the host network', 'POST', WF, wf({ hostNetwork: true, templates: [{ name: 'm', container: OK }] }), JSON_CT, 'host_namespace'],
    ['an Argo containerSet', 'POST', WF, wf({ templates: [{ name: 'm', containerSet: { containers: [PRIV] } }] }), JSON_CT, 'privileged_container'],
    ['an Argo Rollout\'s template', 'POST', RO, JSON.stringify({ apiVersion: 'argoproj.io/v1alpha1', kind: 'Rollout', spec: { template: { spec: { containers: [PRIV] } } } }), JSON_CT, 'privileged_container'],
    ['a merge patch of a Rollout', 'PATCH', `${RO}/web`, JSON.stringify({ spec: { template: { spec: { containers: [{ name: 'c', securityContext: { capabilities: { add: ['SYS_ADMIN'] } } }] } } } }), MERGE, 'capability_added'],
    ['a JSON patch of a Rollout', 'PATCH', `${RO}/web`, JSON.stringify([{ op: 'add', path: '/spec/template/spec/hostPID', value: true }, { op: 'add', path: '/spec/template/spec/containers/-', value: OK }]), JP, 'host_namespace'],
    ['a server-side apply of a Rollout, YAML 1.1', 'PATCH', `${RO}/web?fieldManager=k`, 'apiVersion: argoproj.io/v1alpha1\nkind: Rollout\nmetadata: {name: web}\nspec:\n  template:\n    spec:\n      hostIPC: yes\n      containers: [{name: c, image: x}]\n', APPLY, 'host_namespace'],
    ['a merge patch setting only hostNetwork on a Rollout\'s template', 'PATCH', `${RO}/web`, JSON.stringify({ spec: { template: { spec: { hostNetwork: true } } } }), MERGE, 'host_namespace'],
    ['a JSON patch adding only a hostPath volume to a Rollout\'s template', 'PATCH', `${RO}/web`, JSON.stringify([{ op: 'add', path: '/spec/template/spec/volumes/-', value: { name: 'h', hostPath: { path: '/' } } }]), JP, 'host_path_volume'],
    ['a Knative Service', 'POST', '/apis/serving.knative.dev/v1/namespaces/dev/services', JSON.stringify({ apiVersion: 'serving.knative.dev/v1', kind: 'Service', spec: { template: { spec: { containers: [PRIV] } } } }), JSON_CT, 'privileged_container'],
    ['a Tekton TaskRun\'s step', 'POST', TR, JSON.stringify({ apiVersion: 'tekton.dev/v1', kind: 'TaskRun', spec: { taskSpec: { steps: [PRIV] } } }), JSON_CT, 'privileged_container'],
    ['a Tekton Task\'s sidecar', 'POST', '/apis/tekton.dev/v1/namespaces/dev/tasks', JSON.stringify({ apiVersion: 'tekton.dev/v1', kind: 'Task', spec: { steps: [OK], sidecars: [PRIV] } }), JSON_CT, 'privileged_container'],
    ['a Tekton stepTemplate adding a capability to every step', 'POST', TR, JSON.stringify({ spec: { taskSpec: { stepTemplate: { securityContext: { capabilities: { add: ['SYS_ADMIN'] } } }, steps: [OK] } } }), JSON_CT, 'capability_added'],
    ['a Tekton task\'s hostPath volume, its steps without a script', 'POST', TR, JSON.stringify({ spec: { taskSpec: { steps: [OK], volumes: [{ name: 'h', hostPath: { path: '/' } }] } } }), JSON_CT, 'host_path_volume'],
    ['a Pipeline task\'s inline taskSpec', 'POST', '/apis/tekton.dev/v1/namespaces/dev/pipelines', JSON.stringify({ spec: { tasks: [{ name: 'b', taskSpec: { steps: [PRIV] } }] } }), JSON_CT, 'privileged_container'],
    ['a TaskRun\'s podTemplate on the host network', 'POST', TR, JSON.stringify({ spec: { taskRef: { name: 'build' }, podTemplate: { hostNetwork: true } } }), JSON_CT, 'host_namespace'],
    ['a PipelineRun\'s podTemplate with a hostPath volume', 'POST', '/apis/tekton.dev/v1/namespaces/dev/pipelineruns', JSON.stringify({ spec: { pipelineRef: { name: 'p' }, taskRunTemplate: { podTemplate: { volumes: [{ name: 'h', hostPath: { path: '/' } }] } } } }), JSON_CT, 'host_path_volume'],
    ['a KubeVirt VirtualMachine\'s hostDisk', 'POST', '/apis/kubevirt.io/v1/namespaces/dev/virtualmachines', JSON.stringify({ spec: { template: { spec: { volumes: [{ name: 'd', hostDisk: { path: '/var/lib/x.img', type: 'DiskOrCreate' } }] } } } }), JSON_CT, 'host_path_volume'],
    ['a merge patch adding only a hostDisk', 'PATCH', '/apis/kubevirt.io/v1/namespaces/dev/virtualmachines/vm', JSON.stringify({ spec: { template: { spec: { volumes: [{ name: 'd', hostDisk: { path: '/' } }] } } } }), MERGE, 'host_path_volume'],
    // A JSON patch of an existing template or step shows no image: only what it sets.
    ['a JSON patch making a WorkflowTemplate\'s container privileged', 'PATCH', '/apis/argoproj.io/v1alpha1/namespaces/dev/workflowtemplates/t', JSON.stringify([{ op: 'add', path: '/spec/templates/0/container/securityContext', value: { privileged: true } }]), JP, 'privileged_container'],
    ['a JSON patch adding SYS_ADMIN to a Tekton Task\'s step', 'PATCH', '/apis/tekton.dev/v1/namespaces/dev/tasks/t', JSON.stringify([{ op: 'add', path: '/spec/steps/0/securityContext/capabilities', value: { add: ['SYS_ADMIN'] } }]), JP, 'capability_added'],
    // Argo merges podSpecPatch (a pod spec in a string, JSON or YAML) over the pod it builds.
    ['an Argo Workflow\'s podSpecPatch in JSON', 'POST', WF, wf({ podSpecPatch: JSON.stringify({ hostPID: true }), templates: [{ name: 'm', container: OK }] }), JSON_CT, 'host_namespace'],
    ['an Argo template\'s podSpecPatch in YAML', 'POST', WF, wf({ templates: [{ name: 'm', container: OK, podSpecPatch: 'containers:\n  - name: main\n    securityContext:\n      privileged: yes\n' }] }), JSON_CT, 'privileged_container'],
    ['a merge patch setting only a CronWorkflow\'s podSpecPatch', 'PATCH', '/apis/argoproj.io/v1alpha1/namespaces/dev/cronworkflows/c', JSON.stringify({ spec: { workflowSpec: { podSpecPatch: '{"volumes":[{"name":"h","hostPath":{"path":"/"}}]}' } } }), MERGE, 'host_path_volume'],
    // The pod's annotations: a template's metadata, Argo's podMetadata, a TaskRun's own (Tekton copies them onto the pod).
    ['an AppArmor annotation in a Rollout\'s template', 'POST', RO, JSON.stringify({ spec: { template: { metadata: { annotations: { 'container.apparmor.security.beta.kubernetes.io/c': 'unconfined' } }, spec: { containers: [OK] } } } }), JSON_CT, 'apparmor_unconfined'],
    ['a seccomp annotation on a TaskRun', 'PATCH', `${TR}/t`, JSON.stringify({ metadata: { annotations: { 'seccomp.security.alpha.kubernetes.io/pod': 'unconfined' } } }), MERGE, 'seccomp_unconfined'],
    ['an nfs volume in a Knative Service', 'POST', '/apis/serving.knative.dev/v1/namespaces/dev/services', JSON.stringify({ spec: { template: { spec: { containers: [OK], volumes: [{ name: 'n', nfs: { server: '10.0.0.5', path: '/' } }] } } } }), JSON_CT, 'network_volume'],
    ['the second document of two', 'POST', WF, `${wf({ templates: [{ name: 'm', container: OK }] })}\n---\n${wf({ templates: [{ name: 'm', container: PRIV }] })}`, 'application/yaml', 'privileged_container'],
  ])('%s', (_what, method, path, body, type, code) => {
    expect(codes(method, path, body, type)).toContain(code);
  });

  it('a podSpecPatch stepgate cannot read is an unreadable body, not a clean one', () => {
    // A YAML merge key: go-yaml reads it, this reader refuses it (docs/guardrails.md, Body formats).
    const r = inspect(kube('POST', WF), wf({ podSpecPatch: 'base: &b {hostPID: true}\n<<: *b\n', templates: [{ name: 'm', container: OK }] }), JSON_CT, false, settings);
    expect(r.unreadable).toBe('body_unreadable');
    expect(r.unreadableDetail).toContain('spec.podSpecPatch');
    expect(inspect(kube('POST', WF), wf({ podSpecPatch: '', templates: [{ name: 'm', container: OK }] }), JSON_CT, false, settings)).toEqual({ violations: [] });
    expect(inspect(kube('POST', WF), wf({ podSpecPatch: '{"containers":[{"name":"main","resources":{"limits":{"memory":"2Gi"}}}]}', templates: [{ name: 'm', container: OK }] }), JSON_CT, false, settings)).toEqual({ violations: [] });
  });

  it('podSpecPatch strings past one YAML body\'s bounds together are not read: the body is unreadable', () => {
    // Each string is within readYaml's bounds, but 500 of them (a 1 MiB Workflow) took 7.4 s of the
    // Check's thread: beyond what one YAML body may hold they are judged as unreadable, unparsed.
    const patch = '{"containers":[{"name":"main","resources":{"limits":{"memory":"2Gi"}}}]}';
    const templates = (n: number, text: string) => Array.from({ length: n }, (_, i) => ({ name: `t${i}`, container: OK, podSpecPatch: text }));
    expect(inspect(kube('POST', WF), wf({ templates: templates(MAX_YAML_DOCUMENTS, patch) }), JSON_CT, false, settings)).toEqual({ violations: [] });
    const many = inspect(kube('POST', WF), wf({ templates: templates(MAX_YAML_DOCUMENTS + 1, patch) }), JSON_CT, false, settings);
    expect(many.unreadable).toBe('body_unreadable');
    expect(many.unreadableDetail).toMatch(/podSpecPatch strings exceed/);
    const long = `containers: [${'{name: main},'.repeat(Math.ceil(MAX_YAML_CHARS / 2 / 13))}]`;
    const large = inspect(kube('POST', WF), wf({ templates: templates(3, long) }), JSON_CT, false, settings);
    expect(large.unreadable).toBe('body_unreadable');
    expect(large.unreadableDetail).toMatch(/^spec\.templates\[\d\]\.podSpecPatch was not read/);
  });

  it('the path names where the body has it', () => {
    const v = inspect(kube('POST', WF), wf({ templates: [{ name: 'm', container: PRIV }] }), JSON_CT, false, settings).violations;
    expect(v.find((x) => x.code === 'privileged_container')?.path).toMatch(/^spec\.templates\[0\]\.container/);
  });

  // A volumes list is a pod's wherever it is (a Spark application's, an operator's pass-through):
  // its hostPath is the node's whether or not the body shows the containers that mount it. Only
  // the volume is judged there; `privileged` and `hostNetwork` outside a pod spec stay nothing.
  it.each([
    ['beside a field named privileged outside any pod spec', '/apis/example.io/v1/namespaces/dev/agents', { spec: { privileged: true, hostNetwork: true, volumes: [{ hostPath: { path: '/' } }] } }],
    ['beside an Argo Rollout\'s canary steps (no image in them)', RO, { spec: { strategy: { canary: { steps: [{ setWeight: 20 }, { pause: {} }] } }, volumes: [{ hostPath: { path: '/' } }] } }],
    ['in a Spark application patch that swaps a mounted volume', '/apis/sparkoperator.k8s.io/v1beta2/namespaces/dev/sparkapplications/etl', { spec: { volumes: [{ name: 'conf', hostPath: { path: '/' } }] } }],
  ])('a hostPath in a volumes list %s is host_path_volume, and nothing else', (_what, path, body) => {
    const r = inspect(kube(path.endsWith('/etl') ? 'PATCH' : 'POST', path), JSON.stringify(body), path.endsWith('/etl') ? 'application/merge-patch+json' : JSON_CT, false, settings);
    expect(r.violations.map((v) => `${v.code} ${v.path}`)).toEqual(['host_path_volume spec.volumes[0].hostPath']);
  });

  it.each<[string, string, string, string | undefined, string, boolean?]>([
    ['an ordinary Rollout', 'POST', RO, JSON.stringify({ apiVersion: 'argoproj.io/v1alpha1', kind: 'Rollout', spec: { template: { spec: { containers: [OK] } } } }), JSON_CT],
    ['privileged: true outside any pod spec', 'POST', '/apis/example.io/v1/namespaces/dev/agents', JSON.stringify({ spec: { privileged: true, hostNetwork: true } }), JSON_CT],
    ['a pod spec held as a string (an Argo CD Application\'s Helm values)', 'POST', '/apis/argoproj.io/v1alpha1/namespaces/argocd/applications', JSON.stringify({ spec: { source: { helm: { values: 'containers: [{securityContext: {privileged: true}}]' } } } }), JSON_CT],
    ['a built-in kind outside the workloads (a ConfigMap)', 'POST', '/api/v1/namespaces/dev/configmaps', JSON.stringify({ data: {}, spec: { containers: [PRIV] } }), JSON_CT],
    ['an ordinary Tekton TaskRun', 'POST', TR, JSON.stringify({ spec: { taskSpec: { steps: [{ name: 't', image: 'registry.example.com/golang:1.23', script: 'go test ./...' }], volumes: [{ name: 'w', emptyDir: {} }] } } }), JSON_CT],
    ['an Argo Rollout\'s canary steps (no image in them)', 'POST', RO, JSON.stringify({ spec: { strategy: { canary: { steps: [{ setWeight: 20 }, { pause: {} }] } } } }), JSON_CT],
    ['the status of a Rollout', 'PUT', `${RO}/web/status`, JSON.stringify({ spec: { template: { spec: { containers: [PRIV] } } } }), JSON_CT],
  ])('nothing for %s', (_what, method, path, body, type, truncated = false) => {
    const r = inspect(kube(method, path), body, type, truncated, settings);
    expect(r.violations).toEqual([]);
    expect(r.unreadable).toBeUndefined();
  });

  // Until 2026-12-05 a cut custom resource was judged only as a possible owner-reference change, so
  // a Workflow whose privileged template lay past the cut was allowed.
  it('a body Envoy cut is body_truncated: what lies past the cut may be a pod spec or a carried object', () => {
    const r = inspect(kube('POST', WF), wf({ templates: [{ name: 'm', container: PRIV }] }).slice(0, 60), JSON_CT, true, settings);
    expect(r.unreadable).toBe('body_truncated');
  });
});
