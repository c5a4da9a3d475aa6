import { describe, expect, it } from 'vitest';
import { inspect } from '../../src/guardrails/inspect.js';
import type { GuardrailResult } from '../../src/guardrails/types.js';
import { guardSettings, kube, toYaml } from '../support/guardrails.js';

/**
 * chaos_target_protected (src/guardrails/rules/chaos.ts): a chaos experiment acts where its
 * selectors say, not where it is written; and a LitmusChaos ChaosExperiment's definition is a pod.
 */

const settings = guardSettings(`
guardrails:
  chaos_protected_namespaces: ["prod-*", "kube-*"]
`);
const unset = guardSettings();
const codes = (r: GuardrailResult) => r.violations.map((v) => v.code);
const JSON_CT = 'application/json';
const CM = (ns: string, plural: string) => `/apis/chaos-mesh.org/v1alpha1/namespaces/${ns}/${plural}`;
const pod = (selector: object, ns = 'chaos-testing') => ({ apiVersion: 'chaos-mesh.org/v1alpha1', kind: 'PodChaos', metadata: { name: 'x', namespace: ns }, spec: { action: 'pod-kill', mode: 'one', selector } });
const create = (path: string, body: object, s = settings, type = JSON_CT) => inspect(kube('POST', path), type === JSON_CT ? JSON.stringify(body) : toYaml(body), type, false, s);

describe('chaos_target_protected', () => {
  it('is a selector naming a protected namespace, in a body written elsewhere', () => {
    expect(codes(create(CM('chaos-testing', 'podchaos'), pod({ namespaces: ['staging-web', 'prod-web'] })))).toEqual(['chaos_target_protected']);
    expect(codes(create(CM('chaos-testing', 'podchaos'), pod({ namespaces: ['prod-web'] }), settings, 'application/yaml'))).toEqual(['chaos_target_protected']);
    expect(codes(create(CM('chaos-testing', 'podchaos'), pod({ pods: { 'kube-system': ['coredns-1'] } })))).toEqual(['chaos_target_protected']);
  });

  it('is nothing against unprotected namespaces, or with no list configured', () => {
    expect(codes(create(CM('chaos-testing', 'podchaos'), pod({ namespaces: ['staging-web'], labelSelectors: { app: 'web' } })))).toEqual([]);
    expect(codes(create(CM('chaos-testing', 'podchaos'), pod({ namespaces: ['prod-web'] }), unset))).toEqual([]);
  });

  it("takes a selector that names no namespace as the experiment's own, except in a patch", () => {
    expect(codes(create(CM('prod-web', 'podchaos'), pod({ labelSelectors: { app: 'web' } }, 'prod-web')))).toEqual(['chaos_target_protected']);
    expect(codes(create(CM('dev-a', 'podchaos'), pod({ labelSelectors: { app: 'web' } }, 'dev-a')))).toEqual([]);
    const patch = inspect(kube('PATCH', `${CM('prod-web', 'podchaos')}/x`), JSON.stringify({ spec: { selector: { labelSelectors: { app: 'api' } } } }), 'application/merge-patch+json', false, settings);
    expect(codes(patch)).toEqual([]);
  });

  it("reads a NetworkChaos's target, a Schedule's and a Workflow's embedded experiments, and a ChaosEngine's appns", () => {
    const net = { kind: 'NetworkChaos', spec: { action: 'partition', selector: { namespaces: ['staging-db'] }, target: { mode: 'all', selector: { namespaces: ['prod-db'] } } } };
    expect(codes(create(CM('chaos-testing', 'networkchaos'), net))).toEqual(['chaos_target_protected']);
    const sched = { kind: 'Schedule', spec: { schedule: '@every 2m', type: 'PodChaos', podChaos: { action: 'pod-kill', selector: { namespaces: ['prod-edge'] } } } };
    expect(codes(create(CM('chaos-testing', 'schedules'), sched))).toEqual(['chaos_target_protected']);
    const flow = { kind: 'Workflow', spec: { entry: 'e', templates: [{ name: 'k', templateType: 'HTTPChaos', httpChaos: { target: 'Response', selector: { namespaces: ['prod-web'] }, replace: { body: 'eA==' } } }] } };
    expect(codes(create(CM('chaos-testing', 'workflows'), flow))).toEqual(['chaos_target_protected']);
    const engine = { kind: 'ChaosEngine', spec: { appinfo: { appns: 'prod-web', applabel: 'app=web' }, chaosServiceAccount: 'litmus-admin' } };
    expect(codes(create('/apis/litmuschaos.io/v1alpha1/namespaces/staging-web/chaosengines', engine))).toEqual(['chaos_target_protected']);
  });

  it("reads a ChaosExperiment's definition as the pod its runner starts", () => {
    const definition = { image: 'registry.example.com/litmuschaos/go-runner:3.11.0', hostPID: true, securityContext: { containerSecurityContext: { privileged: true } }, hostFileVolumes: [{ name: 'root', mountPath: '/host', nodePath: '/' }] };
    const r = inspect(kube('PATCH', '/apis/litmuschaos.io/v1alpha1/namespaces/staging-web/chaosexperiments/pod-delete'), JSON.stringify({ spec: { definition } }), 'application/merge-patch+json', false, unset);
    expect(new Set(codes(r))).toEqual(new Set(['privileged_container', 'host_namespace', 'host_path_volume']));
    const plain = { image: 'registry.example.com/litmuschaos/go-runner:3.11.0', command: ['/bin/bash'], args: ['-c', './experiments -name pod-delete'] };
    expect(codes(create('/apis/litmuschaos.io/v1alpha1/namespaces/staging-web/chaosexperiments', { kind: 'ChaosExperiment', spec: { definition: plain } }, unset))).toEqual([]);
  });
});
