import { describe, expect, it } from 'vitest';
import { inspect } from '../../src/guardrails/inspect.js';
import type { GuardrailResult } from '../../src/guardrails/types.js';
import { guardSettings, kube, PINNED, toYaml } from '../support/guardrails.js';

/**
 * gpu_devices_unrequested (rules/devices.ts): NVIDIA_VISIBLE_DEVICES in a container that requests
 * no NVIDIA device. The code is new, so every violating case here fails without the rule.
 */

const settings = guardSettings();
const codes = (r: GuardrailResult) => r.violations.map((v) => v.code);
const JSON_CT = 'application/json';
const YAML_CT = 'application/yaml';
const SMP = 'application/strategic-merge-patch+json';
const JSONPATCH = 'application/json-patch+json';

const env = (value: string) => [{ name: 'NVIDIA_VISIBLE_DEVICES', value }];
const job = (container: Record<string, unknown>) => ({ apiVersion: 'batch/v1', kind: 'Job', metadata: { name: 'j' }, spec: { template: { spec: { restartPolicy: 'Never', containers: [{ name: 'c', image: PINNED, ...container }] } } } });
const JOBS = '/apis/batch/v1/namespaces/u-a/jobs';

describe('gpu_devices_unrequested', () => {
  it('every GPU, or some by index or UUID, in a container that requests none: a Job, a Pod, a Deployment patch, a JSON patch, a custom resource', () => {
    for (const value of ['all', '0,1', 'GPU-8f2a1c3e-0000-4000-8000-000000000000']) {
      const body = job({ env: env(value), resources: { limits: { cpu: '4' } } });
      expect(codes(inspect(kube('POST', JOBS), JSON.stringify(body), JSON_CT, false, settings)), value).toContain('gpu_devices_unrequested');
      expect(codes(inspect(kube('POST', JOBS), toYaml(body), YAML_CT, false, settings)), value).toContain('gpu_devices_unrequested');
    }
    const pod = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p' }, spec: { containers: [{ name: 'c', image: PINNED, env: env('all') }] } };
    expect(codes(inspect(kube('POST', '/api/v1/namespaces/u-a/pods'), JSON.stringify(pod), JSON_CT, false, settings))).toContain('gpu_devices_unrequested');
    const smp = { spec: { template: { spec: { containers: [{ name: 'c', env: env('all') }] } } } };
    expect(codes(inspect(kube('PATCH', '/apis/apps/v1/namespaces/u-a/deployments/d'), JSON.stringify(smp), SMP, false, settings))).toContain('gpu_devices_unrequested');
    const jp = [{ op: 'add', path: '/spec/template/spec/containers/0/env', value: env('all') }];
    expect(codes(inspect(kube('PATCH', '/apis/apps/v1/namespaces/u-a/deployments/d'), JSON.stringify(jp), JSONPATCH, false, settings))).toContain('gpu_devices_unrequested');
    const rayjob = { apiVersion: 'ray.io/v1', kind: 'RayJob', metadata: { name: 'r' }, spec: { rayClusterSpec: { headGroupSpec: { template: { spec: { containers: [{ name: 'head', image: PINNED, env: env('all') }] } } } } } };
    expect(codes(inspect(kube('POST', '/apis/ray.io/v1/namespaces/u-a/rayjobs'), JSON.stringify(rayjob), JSON_CT, false, settings))).toContain('gpu_devices_unrequested');
  });

  it('not judged: a container that requests an NVIDIA device (whole GPUs or a MIG slice), none of them (void, none, empty), another variable', () => {
    const ok: Record<string, unknown>[] = [
      { env: env('all'), resources: { limits: { 'nvidia.com/gpu': '2' } } },
      { env: env('all'), resources: { requests: { 'nvidia.com/mig-1g.10gb': '1' }, limits: { 'nvidia.com/mig-1g.10gb': '1' } } },
      { env: env('void') },
      { env: env('none') },
      { env: env('') },
      { env: [{ name: 'CUDA_VISIBLE_DEVICES', value: '0' }] },
      { env: [{ name: 'NVIDIA_DRIVER_CAPABILITIES', value: 'all' }] },
    ];
    for (const c of ok) expect(codes(inspect(kube('POST', JOBS), JSON.stringify(job(c)), JSON_CT, false, settings)), JSON.stringify(c)).not.toContain('gpu_devices_unrequested');
  });
});
