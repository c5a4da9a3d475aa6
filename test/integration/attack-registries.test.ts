import { describe, expect, it } from 'vitest';
import { builtServerForFile, freshSubjects, KUBE, OFFICE, reason, rules } from '../support/built-server.js';
import { checkRequest, CONTENT_TYPES } from '../support/requests.js';

/**
 * Days 18's and 24's class, in shapes the days did not send: a workload's image swapped for one
 * from a registry the site does not list, by every write that can carry it, with a two-factor
 * sign-in an hour old (within production's 8 hours). Against the built server with a site's copy
 * of the example (its registries listed: the example lists none, the list being the site's own):
 * `image_registry_not_allowed` (guardrails.allowed_registries) asks a sign-in within 15
 * minutes whichever kind, patch type, container list or cluster prefix carries the image; the
 * same writes with the site's images, a rollout restart and a developer's local registry stay the
 * everyday sign-in's.
 */

/** The site's registries: Docker Hub's official images, mirrord's, a developer's local registry, its own. */
const SITE_REGISTRIES = ['docker.io/library', 'ghcr.io/metalbear-co', '"localhost:5005"', 'registry.example.com', 'registry.example.org', 'ghcr.io/example-nl', 'ghcr.io/forgeline', '123456789012.dkr.ecr.eu-west-1.amazonaws.com', 'registry.meridian.example', 'registry.larder.example'];
const server = builtServerForFile('registries', (yaml) => yaml.replace(/^guardrails:\n/m, `guardrails:\n  allowed_registries: [${SITE_REGISTRIES.join(', ')}]\n`));
const { tokenOf } = freshSubjects(() => server().issuer, 'registries');
const KUBECTL = 'kubectl/v1.33.1 (linux/amd64) kubernetes/8adc0f0';
const { merge: MERGE, jsonPatch: JSON_PATCH, strategic: SMP, apply: APPLY, json: JSON_CT } = CONTENT_TYPES;
const D = `sha256:${'e'.repeat(64)}`;

type Write = [what: string, method: string, path: string, contentType: string, body: unknown, host?: string];

async function send(age: number, [, method, path, contentType, body, host]: Write) {
  const token = await tokenOf('aal2', age);
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  return server().client.check(checkRequest({ host: host ?? KUBE, source: OFFICE, method, path, token, headers: { 'user-agent': KUBECTL, 'content-type': contentType, 'x-envoy-auth-partial-body': 'false' }, body: text }));
}

const tpl = (containers: object[], list = 'containers') => ({ spec: { template: { spec: { [list]: containers } } } });
const deploy = (ns: string, name: string) => `/apis/apps/v1/namespaces/${ns}/deployments/${name}`;

/** Each write twice: with another registry's image (asked), and with the site's (routine). */
const WRITES: [Write, Write][] = [
  [
    ["`kubectl set image` of production's billing API to a lookalike organisation's", 'PATCH', deploy('prod-billing', 'billing-api'), SMP, tpl([{ name: 'billing-api', image: 'ghcr.io/forgeline-release/billing-api:1.48.2' }])],
    ['the same to its own organisation', 'PATCH', deploy('prod-billing', 'billing-api'), SMP, tpl([{ name: 'billing-api', image: 'ghcr.io/forgeline/billing-api:1.48.3' }])],
  ],
  [
    ["a JSON patch replacing a store's payment image with a CDN lookalike's", 'PATCH', deploy('pos', 'pos-payment'), JSON_PATCH, [{ op: 'replace', path: '/spec/template/spec/containers/0/image', value: 'registry.posvendor-cdn.example/pos/payment:4.2.1-hotfix' }]],
    ['the same with the chain registry, pinned', 'PATCH', deploy('pos', 'pos-payment'), JSON_PATCH, [{ op: 'replace', path: '/spec/template/spec/containers/0/image', value: `registry.larder.example/pos/payment@${D}` }]],
  ],
  [
    ['a merge patch of a StatefulSet to a Docker Hub user image', 'PATCH', '/apis/apps/v1/namespaces/orders-prod/statefulsets/orders-db', MERGE, tpl([{ name: 'postgres', image: 'docker.io/pgfans/postgres:16.4' }])],
    ["the same to Docker Hub's official image by its short name", 'PATCH', '/apis/apps/v1/namespaces/orders-prod/statefulsets/orders-db', MERGE, tpl([{ name: 'postgres', image: 'postgres:16.4' }])],
  ],
  [
    ["an init container added to a DaemonSet, from a registry host that ends like the site's", 'PATCH', '/apis/apps/v1/namespaces/monitoring/daemonsets/node-agent', SMP, tpl([{ name: 'setup', image: 'registry.example.com.mirror-cdn.net/agent-init:1' }], 'initContainers')],
    ['the same from the site registry', 'PATCH', '/apis/apps/v1/namespaces/monitoring/daemonsets/node-agent', SMP, tpl([{ name: 'setup', image: 'registry.example.com/agent-init:1' }], 'initContainers')],
  ],
  [
    ["`kubectl set image` of a CronJob to another AWS account's ECR", 'PATCH', '/apis/batch/v1/namespaces/staging-playback/cronjobs/cdn-purge', SMP, { spec: { jobTemplate: tpl([{ name: 'purge', image: '210987654321.dkr.ecr.eu-west-1.amazonaws.com/cdn-purge:1.8.3' }]) } }],
    ["the same to the company's account", 'PATCH', '/apis/batch/v1/namespaces/staging-playback/cronjobs/cdn-purge', SMP, { spec: { jobTemplate: tpl([{ name: 'purge', image: '123456789012.dkr.ecr.eu-west-1.amazonaws.com/cdn-purge:1.8.3' }]) } }],
  ],
  [
    ['a server-side apply of a Deployment whose sidecar comes from another registry', 'PATCH', `${deploy('payments-prod', 'payments-api')}?fieldManager=kubectl&force=true`, APPLY, 'apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: payments-api, namespace: payments-prod}\nspec:\n  template:\n    spec:\n      containers:\n      - {name: api, image: "ghcr.io/example-nl/payments-api:v7.2.2"}\n      - {name: shipper, image: "ghcr.io/l0g-shipper/agent:2.1"}\n'],
    ['the same without the sidecar', 'PATCH', `${deploy('payments-prod', 'payments-api')}?fieldManager=kubectl&force=true`, APPLY, 'apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: payments-api, namespace: payments-prod}\nspec:\n  template:\n    spec:\n      containers:\n      - {name: api, image: "ghcr.io/example-nl/payments-api:v7.2.2"}\n'],
  ],
  [
    ['an ephemeral debug container from a third-party image', 'PATCH', '/api/v1/namespaces/payments-prod/pods/payments-api-6f8b9c-r8w3z/ephemeralcontainers', SMP, { spec: { ephemeralContainers: [{ name: 'debugger-x1', image: 'docker.io/nicolaka/netshoot:v0.13', targetContainerName: 'api' }] } }],
    ['the same with busybox', 'PATCH', '/api/v1/namespaces/payments-prod/pods/payments-api-6f8b9c-r8w3z/ephemeralcontainers', SMP, { spec: { ephemeralContainers: [{ name: 'debugger-x1', image: 'busybox:1.37', targetContainerName: 'api' }] } }],
  ],
  [
    ["a Knative Service's revision image from another registry", 'PATCH', '/apis/serving.knative.dev/v1/namespaces/prod-api/services/quotes', MERGE, tpl([{ image: 'quay.io/quotes-fork/quotes:2.0' }])],
    ['the same from the company registry', 'PATCH', '/apis/serving.knative.dev/v1/namespaces/prod-api/services/quotes', MERGE, tpl([{ image: 'registry.example.org/shop/quotes:2.0' }])],
  ],
  [
    ["an Argo Workflow whose step runs another registry's image", 'POST', '/apis/argoproj.io/v1alpha1/namespaces/ml-pipelines/workflows', JSON_CT, { apiVersion: 'argoproj.io/v1alpha1', kind: 'Workflow', metadata: { generateName: 'train-' }, spec: { entrypoint: 'main', templates: [{ name: 'main', container: { image: 'ghcr.io/ml-tools-hub/trainer:2.4.1', command: ['python', 'train.py'] } }] } }],
    ['the same with the ML registry', 'POST', '/apis/argoproj.io/v1alpha1/namespaces/ml-pipelines/workflows', JSON_CT, { apiVersion: 'argoproj.io/v1alpha1', kind: 'Workflow', metadata: { generateName: 'train-' }, spec: { entrypoint: 'main', templates: [{ name: 'main', container: { image: 'registry.meridian.example/ml/trainer:2.4.1', command: ['python', 'train.py'] } }] } }],
  ],
  [
    ["Rancher's cluster proxy: a store's Deployment set to a lookalike registry's image", 'PATCH', `/k8s/clusters/c-m-store7${deploy('pos', 'pos-payment')}`, SMP, tpl([{ name: 'payment', image: 'registry.larder-example.net/pos/payment:4.2.1' }]), 'rancher.localhost'],
    ["the same to the chain's registry", 'PATCH', `/k8s/clusters/c-m-store7${deploy('pos', 'pos-payment')}`, SMP, tpl([{ name: 'payment', image: 'registry.larder.example/pos/payment:4.2.1' }]), 'rancher.localhost'],
  ],
];

describe("a workload's image from a registry the site does not list", () => {
  it.each(WRITES.map(([bad]) => bad))('%s: a sign-in an hour old is asked for a new one (image_registry_not_allowed)', async (...write) => {
    const res = await send(3600, write);
    expect(reason(res), rules(res)).toBe('auth_too_old');
    expect(rules(res)).toContain('guardrail:image_registry_not_allowed');
  });

  it.each(WRITES.map(([bad]) => bad))('%s: signed in two minutes ago, allowed', async (...write) => {
    const res = await send(120, write);
    expect(reason(res), rules(res)).toBe('allowed');
  });

  it.each(WRITES.map(([, good]) => good))('%s: the everyday sign-in', async (...write) => {
    const res = await send(3600, write);
    expect(rules(res)).not.toContain('guardrail:image_registry_not_allowed');
    expect(reason(res), rules(res)).toBe('allowed');
  });

  it.each<Write>([
    ['a rollout restart of production (no image in the patch)', 'PATCH', deploy('prod-billing', 'billing-api'), SMP, { spec: { template: { metadata: { annotations: { 'kubectl.kubernetes.io/restartedAt': '2026-12-06T03:00:00Z' } } } } }],
    ["Tilt's image from the developer's local registry", 'PATCH', deploy('inventory-dev-tilt', 'inventory'), SMP, tpl([{ name: 'inventory', image: 'localhost:5005/inventory:tilt-4f3c2a' }])],
    ["mirrord's agent Job in staging", 'POST', '/apis/batch/v1/namespaces/staging-reco/jobs', JSON_CT, { apiVersion: 'batch/v1', kind: 'Job', metadata: { name: 'mirrord-agent-x1' }, spec: { template: { spec: { restartPolicy: 'Never', containers: [{ name: 'mirrord-agent', image: 'ghcr.io/metalbear-co/mirrord:3.160.0' }] } } } }],
  ])('%s: routine, the everyday sign-in', async (...write) => {
    const res = await send(3600, write);
    expect(reason(res), rules(res)).toBe('allowed');
  });
});
