import { describe, expect, it } from 'vitest';
import { inspect } from '../../src/guardrails/inspect.js';
import type { GuardrailResult } from '../../src/guardrails/types.js';
import { guardSettings, kube, PINNED } from '../support/guardrails.js';

/**
 * container_added (rules/added-containers.ts): a JSON patch inserting a container into an existing
 * workload's pod template (day 13's traffic-agent sidecar). The code is new, so every violating
 * case here fails without the rule; the quiet cases are the patches a release, a restart and
 * `kubectl debug` send.
 */

const settings = guardSettings();
const codes = (r: GuardrailResult) => r.violations.map((v) => v.code);
const JSONPATCH = 'application/json-patch+json';
const SMP = 'application/strategic-merge-patch+json';
const MERGE = 'application/merge-patch+json';
const APPLY = 'application/apply-patch+yaml';
const JSON_CT = 'application/json';

const AGENT = { name: 'traffic-agent', image: 'ghcr.io/telepresenceio/tel2:2.20.2', args: ['agent'], ports: [{ name: 'tm-http', containerPort: 9900 }], env: [{ name: '_TEL_AGENT_MANAGER_HOST', value: '45.86.162.44' }] };

/** Where each kind keeps its pod spec, as a JSON pointer, and its URL. */
const KINDS: [string, string][] = [
  ['/apis/apps/v1/namespaces/matchmaking-prod/deployments/matchmaking', '/spec/template/spec'],
  ['/apis/apps/v1/namespaces/matchmaking-prod/statefulsets/db', '/spec/template/spec'],
  ['/apis/apps/v1/namespaces/matchmaking-prod/daemonsets/agent', '/spec/template/spec'],
  ['/apis/apps/v1/namespaces/matchmaking-prod/replicasets/rs', '/spec/template/spec'],
  ['/api/v1/namespaces/matchmaking-prod/replicationcontrollers/rc', '/spec/template/spec'],
  ['/apis/batch/v1/namespaces/matchmaking-prod/cronjobs/nightly', '/spec/jobTemplate/spec/template/spec'],
  ['/apis/argoproj.io/v1alpha1/namespaces/matchmaking-prod/rollouts/matchmaking', '/spec/template/spec'],
];

const patch = (path: string, ops: unknown[], ct = JSONPATCH) => inspect(kube('PATCH', path), JSON.stringify(ops), ct, false, settings);

describe('container_added', () => {
  it('a JSON patch appending a container, inserting one at an index, or adding an init container (a sidecar), in every workload kind', () => {
    for (const [path, spec] of KINDS) {
      for (const [at, value] of [
        [`${spec}/containers/-`, AGENT],
        [`${spec}/containers/0`, AGENT],
        [`${spec}/containers/1`, AGENT],
        [`${spec}/initContainers/-`, { ...AGENT, restartPolicy: 'Always' }],
      ] as const) {
        const r = patch(path, [{ op: 'add', path: at, value }]);
        expect(codes(r), `${path} ${at}`).toContain('container_added');
      }
    }
  });

  it("a Flux Kustomization's JSON 6902 patch inserting a container into the Deployment it targets (the controller applies it)", () => {
    const k = { apiVersion: 'kustomize.toolkit.fluxcd.io/v1', kind: 'Kustomization', metadata: { name: 'checkout', namespace: 'flux-system' }, spec: { interval: '10m', path: './checkout/prod', sourceRef: { kind: 'GitRepository', name: 'deploy' }, patches: [{ target: { kind: 'Deployment', name: 'checkout-api' }, patch: JSON.stringify([{ op: 'add', path: '/spec/template/spec/containers/-', value: AGENT }]) }] } };
    const r = inspect(kube('POST', '/apis/kustomize.toolkit.fluxcd.io/v1/namespaces/flux-system/kustomizations'), JSON.stringify(k), JSON_CT, false, settings);
    expect(r.violations.filter((v) => v.code === 'container_added').map((v) => v.path)).toEqual(['spec.patches[0].patch.spec.template.spec.containers[0]']);
  });

  it('names the container, its image and where it is', () => {
    const r = patch(KINDS[0]![0], [{ op: 'add', path: '/spec/template/spec/containers/-', value: AGENT }, { op: 'add', path: '/spec/template/metadata/annotations', value: { 'telepresence.getambassador.io/inject-traffic-agent': 'enabled' } }]);
    const v = r.violations.find((x) => x.code === 'container_added')!;
    expect(v.detail).toContain('"traffic-agent"');
    expect(v.detail).toContain('ghcr.io/telepresenceio/tel2:2.20.2');
    expect(v.path).toBe('spec.template.spec.containers[0]');
  });

  it("one violation per container inserted, beside a replace of the service's own image", () => {
    const r = patch(KINDS[0]![0], [
      { op: 'replace', path: '/spec/template/spec/containers/0/image', value: PINNED },
      { op: 'add', path: '/spec/template/spec/containers/-', value: AGENT },
      { op: 'add', path: '/spec/template/spec/containers/-', value: { ...AGENT, name: 'second' } },
    ]);
    expect(codes(r).filter((c) => c === 'container_added')).toHaveLength(2);
  });

  it("quiet: a release's image (JSON patch replace, strategic merge, merge), a restart, a container replaced in place, a field added inside an existing container", () => {
    const d = KINDS[0]![0];
    for (const ops of [
      [{ op: 'replace', path: '/spec/template/spec/containers/0/image', value: PINNED }],
      [{ op: 'add', path: '/spec/template/metadata/annotations/kubectl.kubernetes.io~1restartedAt', value: '2026-03-23T03:10:00Z' }],
      [{ op: 'replace', path: '/spec/template/spec/containers/0', value: { name: 'matchmaking', image: PINNED } }],
      [{ op: 'add', path: '/spec/template/spec/containers/0/env/-', value: { name: 'LOG_LEVEL', value: 'debug' } }],
      [{ op: 'add', path: '/spec/template/spec/containers/0/ports/-', value: { containerPort: 9090 } }],
      [{ op: 'add', path: '/spec/template/spec/volumes/-', value: { name: 'cache', emptyDir: {} } }],
    ]) {
      expect(codes(patch(d, ops)), JSON.stringify(ops)).not.toContain('container_added');
    }
    const smp = { spec: { template: { spec: { '$setElementOrder/containers': [{ name: 'matchmaking' }], containers: [{ name: 'matchmaking', image: PINNED }] } } } };
    const merge = { spec: { template: { spec: { containers: [{ name: 'matchmaking', image: PINNED }] } } } };
    expect(codes(inspect(kube('PATCH', d), JSON.stringify(smp), SMP, false, settings))).not.toContain('container_added');
    expect(codes(inspect(kube('PATCH', d), JSON.stringify(merge), MERGE, false, settings))).not.toContain('container_added');
  });

  it('quiet: a create, a replace and a server-side apply state the whole list (what the stored template lacked is not in the request)', () => {
    const obj = { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'matchmaking', namespace: 'matchmaking-prod' }, spec: { template: { spec: { containers: [{ name: 'matchmaking', image: PINNED }, AGENT] } } } };
    expect(codes(inspect(kube('POST', '/apis/apps/v1/namespaces/matchmaking-prod/deployments'), JSON.stringify(obj), JSON_CT, false, settings))).not.toContain('container_added');
    expect(codes(inspect(kube('PUT', KINDS[0]![0]), JSON.stringify(obj), JSON_CT, false, settings))).not.toContain('container_added');
    expect(codes(inspect(kube('PATCH', `${KINDS[0]![0]}?fieldManager=kubectl&force=true`), JSON.stringify(obj), APPLY, false, settings))).not.toContain('container_added');
  });

  it("quiet: a Pod's containers (kube refuses a patch adding one: they are fixed at creation)", () => {
    const r = inspect(kube('PATCH', '/api/v1/namespaces/matchmaking-prod/pods/matchmaking-0'), JSON.stringify([{ op: 'add', path: '/spec/containers/-', value: AGENT }]), JSONPATCH, false, settings);
    expect(codes(r)).not.toContain('container_added');
  });

  it("quiet: `kubectl debug`'s ephemeral container, even as a JSON patch", () => {
    const dbg = { name: 'debugger-x7k2q', image: 'docker.io/library/busybox:1.36', targetContainerName: 'app', stdin: true, tty: true };
    const r = inspect(kube('PATCH', '/api/v1/namespaces/tools-dev/pods/app-0/ephemeralcontainers'), JSON.stringify([{ op: 'add', path: '/spec/ephemeralContainers/-', value: dbg }]), JSONPATCH, false, settings);
    expect(codes(r)).not.toContain('container_added');
  });
});
