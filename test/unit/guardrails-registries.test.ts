import { describe, expect, it } from 'vitest';
import { inspect } from '../../src/guardrails/inspect.js';
import { parseImage } from '../../src/guardrails/rules/images.js';
import type { GuardrailResult } from '../../src/guardrails/types.js';
import { guardSettings, kube, toJsonPatch } from '../support/guardrails.js';
import { encodeKube } from '../support/kube-protobuf.js';

/**
 * image_registry_not_allowed (src/guardrails/rules/images.ts) with a site's list, as
 * examples/stepgate.yaml now sets one: the registry is read the way the container runtime reads
 * the reference, so that no spelling of a listed registry is refused and no spelling of another
 * passes as a listed one.
 */

const settings = guardSettings(`
guardrails:
  allowed_registries: [docker.io/library, "localhost:5005", "*.pkg.dev", registry.example.com, ghcr.io/forgeline, 123456789012.dkr.ecr.eu-west-1.amazonaws.com]
`);
const SMP = 'application/strategic-merge-patch+json';
const flagged = (r: GuardrailResult) => r.violations.filter((v) => v.code === 'image_registry_not_allowed').map((v) => v.path);
const deploymentPatch = (image: string, list = 'containers') =>
  flagged(inspect(kube('PATCH', '/apis/apps/v1/namespaces/prod-billing/deployments/billing-api'), JSON.stringify({ spec: { template: { spec: { [list]: [{ name: 'billing-api', image }] } } } }), SMP, false, settings));
const D = `sha256:${'a'.repeat(64)}`;

describe('image references as the runtime reads them', () => {
  it('puts a short name on Docker Hub, under library/ when it has one component', () => {
    expect(parseImage('nginx')).toMatchObject({ registry: 'docker.io', repository: 'library/nginx', tag: undefined });
    expect(parseImage('bitnami/kubectl:1.32')).toMatchObject({ registry: 'docker.io', repository: 'bitnami/kubectl', tag: '1.32' });
    expect(parseImage('index.docker.io/library/nginx:1.27')).toMatchObject({ registry: 'docker.io', repository: 'library/nginx' });
    expect(parseImage('registry-1.docker.io/nginx')).toMatchObject({ registry: 'docker.io', repository: 'library/nginx' });
  });

  it('reads a host with a port, localhost and an IP literal as the registry, and keeps the port', () => {
    expect(parseImage('localhost:5005/app:tilt-1')).toMatchObject({ registry: 'localhost:5005', repository: 'app', tag: 'tilt-1' });
    expect(parseImage('localhost/app')).toMatchObject({ registry: 'localhost', repository: 'app' });
    expect(parseImage('registry.example.com:5000/team/app')).toMatchObject({ registry: 'registry.example.com:5000', repository: 'team/app' });
    expect(parseImage('[::1]:5000/app:1')).toMatchObject({ registry: '[::1]:5000', repository: 'app', tag: '1' });
  });

  it('separates the tag from the digest', () => {
    expect(parseImage(`ghcr.io/forgeline/api:1.2@${D}`)).toMatchObject({ registry: 'ghcr.io', repository: 'forgeline/api', tag: '1.2', digest: D });
    expect(parseImage(`registry.example.com:5000/api@${D}`)).toMatchObject({ registry: 'registry.example.com:5000', repository: 'api', tag: undefined, digest: D });
  });
});

describe('a site list of registries', () => {
  it('allows its registries, repository prefixes and host globs, by tag or digest', () => {
    for (const image of ['nginx:1.27-alpine', 'docker.io/library/busybox:1.37', `alpine@${D}`, 'localhost:5005/app:tilt-2', 'europe-docker.pkg.dev/p/r/app:1', 'REGISTRY.example.com/team/app:1', 'ghcr.io/forgeline/billing-api:1.48.2', `ghcr.io/forgeline/billing-api@${D}`, '123456789012.dkr.ecr.eu-west-1.amazonaws.com/cdn-purge:1.8.2']) {
      expect(deploymentPatch(image), image).toEqual([]);
    }
  });

  it("flags a lookalike prefix, another account's ECR, another port, another Docker Hub namespace", () => {
    for (const image of ['ghcr.io/forgeline-release/billing-api:1.48.2', 'ghcr.io/forgeline.evil/api:1', '210987654321.dkr.ecr.eu-west-1.amazonaws.com/cdn-purge:1.8.2', 'localhost:5006/app:1', 'registry.example.com:5000/team/app:1', 'curlimages/curl:8.12.1', 'docker.io/nicolaka/netshoot:v0.13', 'registry.example.com.evil.net/app:1', `ghcr.io/forgeline-release/billing-api@${D}`]) {
      expect(deploymentPatch(image), image).toEqual(['spec.template.spec.containers[0].image']);
    }
  });

  it('reads init and ephemeral containers as well as containers', () => {
    expect(deploymentPatch('curlimages/curl:8.12.1', 'initContainers')).toEqual(['spec.template.spec.initContainers[0].image']);
    const debug = inspect(kube('PATCH', '/api/v1/namespaces/payments-prod/pods/payments-api-1/ephemeralcontainers'), JSON.stringify({ spec: { ephemeralContainers: [{ name: 'debugger', image: 'ghcr.io/l0g-shipper/agent:2.1', targetContainerName: 'api' }] } }), SMP, false, settings);
    expect(flagged(debug)).toEqual(['spec.ephemeralContainers[0].image']);
  });

  it("reads `kubectl set image`'s patch in every workload kind, and the same as a JSON patch or a create", () => {
    const paths: [string, (c: object) => object][] = [
      ['/api/v1/namespaces/pos/pods/pos-payment-0', (c) => ({ spec: { containers: [c] } })],
      ['/apis/apps/v1/namespaces/pos/deployments/pos-payment', (c) => ({ spec: { template: { spec: { containers: [c] } } } })],
      ['/apis/apps/v1/namespaces/pos/statefulsets/pos-db', (c) => ({ spec: { template: { spec: { containers: [c] } } } })],
      ['/apis/apps/v1/namespaces/pos/daemonsets/pos-agent', (c) => ({ spec: { template: { spec: { containers: [c] } } } })],
      ['/apis/apps/v1/namespaces/pos/replicasets/pos-payment-6f8b9c', (c) => ({ spec: { template: { spec: { containers: [c] } } } })],
      ['/apis/batch/v1/namespaces/pos/jobs/eod', (c) => ({ spec: { template: { spec: { containers: [c] } } } })],
      ['/apis/batch/v1/namespaces/pos/cronjobs/eod', (c) => ({ spec: { jobTemplate: { spec: { template: { spec: { containers: [c] } } } } } })],
    ];
    const bad = { name: 'payment', image: 'registry.posvendor-cdn.example/pos/payment:4.2.1-hotfix' };
    const good = { name: 'payment', image: 'registry.example.com/pos/payment:4.2.1' };
    for (const [path, wrap] of paths) {
      expect(flagged(inspect(kube('PATCH', path), JSON.stringify(wrap(bad)), SMP, false, settings)), path).toHaveLength(1);
      expect(flagged(inspect(kube('PATCH', path), JSON.stringify(wrap(bad)), 'application/merge-patch+json', false, settings)), path).toHaveLength(1);
      expect(flagged(inspect(kube('PATCH', path), JSON.stringify(toJsonPatch(wrap(bad))), 'application/json-patch+json', false, settings)), path).toHaveLength(1);
      expect(flagged(inspect(kube('PATCH', path), JSON.stringify(wrap(good)), SMP, false, settings)), path).toEqual([]);
    }
    const replace = [{ op: 'replace', path: '/spec/template/spec/containers/0/image', value: bad.image }];
    expect(flagged(inspect(kube('PATCH', paths[1]![0]), JSON.stringify(replace), 'application/json-patch+json', false, settings))).toHaveLength(1);
  });

  it("takes Docker Hub's other names in the list as Docker Hub", () => {
    const hub = guardSettings('guardrails:\n  allowed_registries: [index.docker.io/library, registry-1.docker.io/bitnami]\n');
    const check = (image: string) => flagged(inspect(kube('PATCH', '/apis/apps/v1/namespaces/dev/deployments/x'), JSON.stringify({ spec: { template: { spec: { containers: [{ name: 'x', image }] } } } }), SMP, false, hub));
    expect(check('nginx:1.27')).toEqual([]);
    expect(check('docker.io/bitnami/kubectl:1.32')).toEqual([]);
    expect(check('curlimages/curl:8.12.1')).toHaveLength(1);
  });

  it('is silent on a patch without an image (a rollout restart, a scale)', () => {
    const restart = { spec: { template: { metadata: { annotations: { 'kubectl.kubernetes.io/restartedAt': '2026-12-06T03:00:00Z' } } } } };
    expect(flagged(inspect(kube('PATCH', '/apis/apps/v1/namespaces/pos/deployments/pos-payment'), JSON.stringify(restart), SMP, false, settings))).toEqual([]);
  });
});

describe("a custom resource's pods, which its controller runs from the body", () => {
  const create = (path: string, doc: object) => flagged(inspect(kube('POST', path), JSON.stringify(doc), 'application/json', false, settings));
  const BAD = 'ghcr.io/forgeline-release/billing-api:1.48.2';

  it('flags an image of another registry wherever a pod of the resource names one', () => {
    expect(create('/apis/serving.knative.dev/v1/namespaces/prod-billing/services', { apiVersion: 'serving.knative.dev/v1', kind: 'Service', metadata: { name: 'billing' }, spec: { template: { spec: { containers: [{ image: BAD }] } } } })).toEqual(['spec.template.spec.containers[0].image']);
    expect(create('/apis/argoproj.io/v1alpha1/namespaces/prod-billing/workflows', { apiVersion: 'argoproj.io/v1alpha1', kind: 'Workflow', metadata: { generateName: 'x-' }, spec: { entrypoint: 'main', templates: [{ name: 'main', container: { image: BAD, command: ['sh'] } }, { name: 's', script: { image: BAD, source: 'id' } }] } }).sort()).toEqual(['spec.templates[0].container.containers[0].image', 'spec.templates[1].script.containers[0].image']);
    expect(create('/apis/tekton.dev/v1/namespaces/ci/taskruns', { apiVersion: 'tekton.dev/v1', kind: 'TaskRun', metadata: { name: 't' }, spec: { taskSpec: { steps: [{ name: 'build', image: BAD, script: 'make' }], sidecars: [{ name: 'docker', image: 'docker.io/library/docker:27-dind' }] } } })).toEqual(['spec.taskSpec.steps[0].containers[0].image']);
    expect(create('/apis/kubeflow.org/v1/namespaces/ml/pytorchjobs', { apiVersion: 'kubeflow.org/v1', kind: 'PyTorchJob', metadata: { name: 'p' }, spec: { pytorchReplicaSpecs: { Master: { replicas: 1, template: { spec: { containers: [{ name: 'pytorch', image: 'docker.io/nvidia/cuda:12.4.1-runtime-ubuntu22.04' }] } } } } } })).toEqual(['spec.pytorchReplicaSpecs.Master.template.spec.containers[0].image']);
  });

  it("reads a Spark application's image and its driver's and executor's own", () => {
    const app = (spec: object) => create('/apis/sparkoperator.k8s.io/v1beta2/namespaces/data/sparkapplications', { apiVersion: 'sparkoperator.k8s.io/v1beta2', kind: 'SparkApplication', metadata: { name: 's' }, spec: { type: 'Python', mode: 'cluster', mainApplicationFile: 'local:///app/main.py', driver: { cores: 1 }, executor: { instances: 2 }, ...spec } });
    expect(app({ image: BAD })).toEqual(['spec.image']);
    expect(app({ image: 'registry.example.com/data/spark-py:3.5.1', executor: { instances: 2, image: BAD } })).toEqual(['spec.executor.image']);
    expect(app({ image: 'registry.example.com/data/spark-py:3.5.1' })).toEqual([]);
  });

  it("reads a LitmusChaos ChaosExperiment's runner image", () => {
    expect(create('/apis/litmuschaos.io/v1alpha1/namespaces/staging/chaosexperiments', { apiVersion: 'litmuschaos.io/v1alpha1', kind: 'ChaosExperiment', metadata: { name: 'pod-delete' }, spec: { definition: { image: BAD, command: ['/bin/bash'], args: ['-c', './experiments -name pod-delete'] } } })).toEqual(['spec.definition.containers[0].image']);
  });
});

describe('image volumes (volumes[].image, KEP-4639), which the kubelet pulls as it pulls a container image', () => {
  const volumePod = (reference: string) => ({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'x' }, spec: { volumes: [{ name: 'model', image: { reference, pullPolicy: 'IfNotPresent' } }], containers: [{ name: 'c', image: 'registry.example.com/app:1', volumeMounts: [{ name: 'model', mountPath: '/model' }] }] } });
  const pod = (reference: string, body: (o: object) => string = JSON.stringify, type = 'application/json') => flagged(inspect(kube('POST', '/api/v1/namespaces/ml/pods'), body(volumePod(reference)), type, false, settings));

  it("flags an image volume from another registry, in JSON and protobuf; the site's passes", () => {
    expect(pod('docker.io/mallory/weights:1')).toEqual(['spec.volumes[0].image.reference']);
    expect(pod('ghcr.io/forgeline-release/model:1')).toEqual(['spec.volumes[0].image.reference']);
    expect(pod('ghcr.io/forgeline/model:1')).toEqual([]);
    const protobuf = (reference: string) => flagged(inspect(kube('POST', '/api/v1/namespaces/ml/pods'), encodeKube(volumePod(reference)), 'application/vnd.kubernetes.protobuf', false, settings));
    expect(protobuf('docker.io/mallory/weights:1')).toEqual(['spec.volumes[0].image.reference']);
    expect(protobuf('registry.example.com/model:1')).toEqual([]);
  });

  it("reads a workload's template by a strategic merge patch", () => {
    const patch = { spec: { template: { spec: { volumes: [{ name: 'model', image: { reference: 'quay.io/mallory/model:1' } }] } } } };
    expect(flagged(inspect(kube('PATCH', '/apis/apps/v1/namespaces/ml/deployments/serve'), JSON.stringify(patch), SMP, false, settings))).toEqual(['spec.template.spec.volumes[0].image.reference']);
  });
});
