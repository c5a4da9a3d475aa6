import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/load.js';
import type { Config } from '../../src/config/schema.js';
import { compileAssurance } from '../../src/core/assurance.js';
import type { Identity } from '../../src/core/identity.js';
import { ALL_DEVICES, CLAIM_TEMPLATE_PREFIX } from '../../src/core/accelerators.js';
import { acceleratorsOf, countOf, isAcceleratorName } from '../../src/guardrails/accelerators.js';
import { inspect } from '../../src/guardrails/inspect.js';
import { guardSettings, kube } from '../support/guardrails.js';
import { acceleratorText } from '../../src/risk/signals/accelerators.js';
import { judge } from '../../src/pipeline/evaluate.js';
import { storeLimits } from '../../src/pipeline/runtime.js';
import type { RequestAttributes } from '../../src/request/attributes.js';
import { kubeRequestInfo } from '../../src/request/kube.js';
import { RiskEngine, type RiskOutcome, type WorkloadAsk } from '../../src/risk/engine.js';
import { MemoryStateStore } from '../../src/state/memory.js';
import { MAX_RECENT_ACCELERATOR_WRITES, type StateStore } from '../../src/state/store.js';
import { pytorchJob } from '../support/workday17.js';
import { redisForFile } from '../support/redis-stores.js';
import { aal2Token, BASE } from '../support/risk-world.js';

/**
 * accelerators_above_history: the accelerators a write's pod templates ask for (guardrails/
 * accelerators.ts), the largest per identity learnt from allowed writes (both stores), and the
 * signal bound to a recent sign-in when a write asks more than `ratio` × that, or any for an
 * identity past its newcomer allowance that never asked one (docs/risk.md, days 17 and 43).
 */

const yaml = (extra = '') => `
issuers: [{ issuer: https://idp.test, audiences: [k] }]
assurance: { levels: [{ name: aal1, acr: [a1] }, { name: aal2, acr: [a2] }] }
policy: { default: { require: aal1 } }
network: { xff_num_trusted_hops: 1 }
risk:
  learn: { min_level: aal2, max_age_seconds: 600 }
${extra}`;
const config = parseConfig(yaml(), 'gpu.yaml');
const assurance = compileAssurance(config.assurance.levels);
const T = 1_800_000_000_000;
const HOUR = 3_600_000;
const MINUTE = 60_000;
const HOME = '203.0.113.7';
const KUBECTL = 'kubectl/v1.32.4 (linux/amd64) kubernetes/abc1234';
const S = (ms: number) => Math.floor(ms / 1000);
const JOBS = '/apis/batch/v1/namespaces/team-a/jobs';
const PODS = '/api/v1/namespaces/team-a/pods';
const GPU = 'nvidia.com/gpu';

const token = (authTime: number, sid = 'sid-1'): Identity => aal2Token('sam', authTime, sid);

function req(target: string, method = 'GET'): RequestAttributes {
  const [path, query = ''] = target.split('?') as [string, string?];
  const kube = kubeRequestInfo(method, path, query, () => undefined);
  return {
    method, target, path, query, host: 'kube', authority: 'kube', scheme: 'https',
    headers: new Map([['x-forwarded-for', HOME], ['user-agent', KUBECTL]]),
    spoofedIdentityHeaders: [], sourceAddress: '10.0.0.5', clientResolved: false, sourcePrincipal: '',
    contextExtensions: {}, kube, body: undefined, bodyTruncated: false,
  } as RequestAttributes;
}

function world(cfg: Config = config, store: StateStore = new MemoryStateStore(storeLimits(cfg)!, { maxSubjects: 100 })) {
  const engine = new RiskEngine({ risk: cfg.risk!, network: cfg.network, onStateError: 'fail_closed', assurance, store, fallback: store });
  const check = async (who: Identity, atMs: number, gpus?: Record<string, number>, path = JOBS, workload?: WorkloadAsk, method?: string) => {
    const r = req(path, method ?? (gpus === undefined ? 'GET' : 'POST'));
    const out = (await engine.assess(r, who, BASE, atMs, undefined, undefined, '', false, false, 0, gpus, workload)) as RiskOutcome;
    if (!out.ok) throw new Error(out.detail);
    const v = judge(out.requirement, who, atMs, r, false, { assurance }, out.risk);
    if (v.allow && out.learn) engine.learned(out.learn, atMs);
    // The store's write is off the response path: let it land before the next request.
    await new Promise((r) => setImmediate(r));
    return { v, out, codes: out.risk.contributions.map((c) => c.code), context: out.risk.context };
  };
  return { store, check };
}

/** A day of work from a proven context, signed in at 09:00; `gpus` asked at 11:00 when given. */
async function day(w: ReturnType<typeof world>, gpus?: number) {
  const morning = token(S(T) - 40);
  for (let k = 0; k < 6; k++) expect((await w.check(morning, T + k * HOUR, undefined, PODS)).v.allow).toBe(true);
  if (gpus !== undefined) expect((await w.check(morning, T + 2 * HOUR, { [GPU]: gpus })).v.allow).toBe(true);
}

describe('accelerators a write asks for (guardrails/accelerators.ts)', () => {
  it('sums replicas × per-pod counts over every pod template a body holds', () => {
    // Day 17: a PyTorchJob of a master and 3 workers of 8 GPUs is 32, the miner's 1 + 7 is 64.
    expect(acceleratorsOf(JSON.parse(pytorchJob('team-nlp', 'a', 8, 3, 'img')), undefined)).toEqual({ [GPU]: 32 });
    expect(acceleratorsOf(JSON.parse(pytorchJob('ml-sandbox', 'b', 8, 7, 'img')), undefined)).toEqual({ [GPU]: 64 });
    const container = (limits: Record<string, unknown>, requests?: Record<string, unknown>) => ({ name: 'c', image: 'i', resources: { limits, ...(requests && { requests }) } });
    const deployment = { kind: 'Deployment', spec: { replicas: 6, template: { spec: { containers: [container({ [GPU]: 8 })] } } } };
    expect(acceleratorsOf(deployment, undefined)).toEqual({ [GPU]: 48 });
    // A Kueue-suspended Job counts as it will run; a CronJob's job template too.
    const job = { kind: 'Job', spec: { suspend: true, parallelism: 2, template: { spec: { containers: [container({ [GPU]: '4' }), container({}, { 'google.com/tpu': 4 })] } } } };
    expect(acceleratorsOf(job, undefined)).toEqual({ [GPU]: 8, 'google.com/tpu': 8 });
    const cron = { kind: 'CronJob', spec: { jobTemplate: { spec: { template: { spec: { containers: [container({ 'nvidia.com/mig-1g.5gb': 2 })] } } } } } };
    expect(acceleratorsOf(cron, undefined)).toEqual({ 'nvidia.com/mig-1g.5gb': 2 });
    // A RayCluster's head and worker groups; an init container counts when it asks more than the containers.
    const ray = { kind: 'RayCluster', spec: { headGroupSpec: { template: { spec: { containers: [container({ cpu: '4' })] } } }, workerGroupSpecs: [{ replicas: 3, template: { spec: { initContainers: [container({ 'amd.com/gpu': 2 })], containers: [container({ 'amd.com/gpu': 1 })] } } }] } };
    expect(acceleratorsOf(ray, undefined)).toEqual({ 'amd.com/gpu': 6 });
    // Nothing kube would refuse or that is no accelerator.
    expect(acceleratorsOf({ spec: { containers: [container({ [GPU]: 1.5, cpu: 8, 'example.com/foo': 3 })] } }, undefined)).toBeUndefined();
  });

  it('names accelerators, not other extended resources', () => {
    for (const n of ['nvidia.com/gpu', 'amd.com/gpu', 'google.com/tpu', 'aws.amazon.com/neuron', 'aws.amazon.com/neuroncore', 'nvidia.com/mig-3g.20gb', 'gpu.intel.com/i915', 'habana.ai/gaudi']) expect(isAcceleratorName(n), n).toBe(true);
    // Review50: time-sliced and MPS devices renamed, NPUs, vGPU counts, old GKE TPUs.
    for (const n of ['nvidia.com/gpu.shared', 'huawei.com/Ascend910', 'volcano.sh/vgpu-number', 'cambricon.com/mlu', 'hygon.com/dcunum', 'furiosa.ai/npu', 'cloud-tpus.google.com/v3']) expect(isAcceleratorName(n), n).toBe(true);
    for (const n of ['cpu', 'memory', 'hugepages-2Mi', 'example.com/dongle', 'nvidia.com/gpu-memory', 'nvidia.com/gpumem', 'nvidia.com/gpucores', 'requests.nvidia.com/gpu ', 'gpu', 'nvidia.com/']) expect(isAcceleratorName(n), n).toBe(false);
  });

  it('reads a count as kube reads a quantity: whole values only (review50)', () => {
    for (const [q, n] of [['8', 8], ['8.0', 8], ['8000m', 8], ['+8', 8], ['8e0', 8], ['80e-1', 8], ['8.', 8], ['1k', 1000], ['1Ki', 1024], ['0', 0], ['1e9', 1_000_000], [8, 8]] as const) expect(countOf(q), String(q)).toBe(n);
    for (const q of ['1.5', '1500m', '-1', '.5', '8 ', 'eight', '0x8', 1.5, -2, '1e-3']) expect(countOf(q), String(q)).toBeUndefined();
    const container = (limits: Record<string, unknown>) => ({ name: 'c', image: 'i', resources: { limits } });
    expect(acceleratorsOf({ spec: { parallelism: 2, template: { spec: { containers: [container({ [GPU]: '8000m' })] } } } }, undefined)).toEqual({ [GPU]: 16 });
  });

  it('counts sidecars beside the containers, and a LeaderWorkerSet\'s groups (review50)', () => {
    const c = (n: number, restartPolicy?: string) => ({ name: 'c', image: 'i', ...(restartPolicy && { restartPolicy }), resources: { limits: { [GPU]: n } } });
    // A sidecar runs beside the trainer: 2 + 2; an init container after it runs beside it too: 2 + 3.
    expect(acceleratorsOf({ spec: { initContainers: [c(2, 'Always')], containers: [c(2)] } }, undefined)).toEqual({ [GPU]: 4 });
    expect(acceleratorsOf({ spec: { initContainers: [c(2, 'Always'), c(3)], containers: [c(1)] } }, undefined)).toEqual({ [GPU]: 5 });
    // A classic init container before it runs alone: the larger of 3 and 1 + 2.
    expect(acceleratorsOf({ spec: { initContainers: [c(3), c(2, 'Always')], containers: [c(1)] } }, undefined)).toEqual({ [GPU]: 3 });
    const pod = { spec: { containers: [c(1)] } };
    // 4 groups of a leader and 3 workers; without a leader template, 4 workers per group.
    expect(acceleratorsOf({ spec: { replicas: 4, leaderWorkerTemplate: { size: 4, leaderTemplate: pod, workerTemplate: pod } } }, undefined)).toEqual({ [GPU]: 16 });
    expect(acceleratorsOf({ spec: { replicas: 2, leaderWorkerTemplate: { size: 8, workerTemplate: pod } } }, undefined)).toEqual({ [GPU]: 16 });
  });

  it('counts Dynamic Resource Allocation claims per device class, and pods claiming from a template (review50)', () => {
    const claim = (request: Record<string, unknown>) => ({ kind: 'ResourceClaim', spec: { devices: { requests: [{ name: 'g', ...request }] } } });
    expect(acceleratorsOf(claim({ deviceClassName: 'gpu.nvidia.com', count: 8 }), undefined)).toEqual({ 'gpu.nvidia.com': 8 });
    expect(acceleratorsOf(claim({ deviceClassName: 'gpu.nvidia.com' }), undefined)).toEqual({ 'gpu.nvidia.com': 1 });
    expect(acceleratorsOf(claim({ deviceClassName: 'gpu.nvidia.com', allocationMode: 'All' }), undefined)).toEqual({ 'gpu.nvidia.com': ALL_DEVICES });
    expect(acceleratorsOf(claim({ exactly: { deviceClassName: 'tpu.google.com', count: '4' } }), undefined)).toEqual({ 'tpu.google.com': 4 });
    expect(acceleratorsOf(claim({ firstAvailable: [{ deviceClassName: 'gpu.nvidia.com', count: 8 }, { deviceClassName: 'gpu.nvidia.com', count: 2 }, { deviceClassName: 'mig.nvidia.com', count: 7 }] }), undefined)).toEqual({ 'gpu.nvidia.com': 8, 'mig.nvidia.com': 7 });
    // A template's spec.spec; a count kube refuses adds nothing.
    expect(acceleratorsOf({ kind: 'ResourceClaimTemplate', spec: { spec: { devices: { requests: [{ name: 'g', deviceClassName: 'gpu.nvidia.com', count: 2 }, { name: 'h', deviceClassName: 'gpu.nvidia.com', count: 1.5 }] } } } }, undefined)).toEqual({ 'gpu.nvidia.com': 2 });
    // 8 pods of a Job each claim from the template; a shared claim is counted where it is written.
    const pods = (claims: unknown[]) => ({ kind: 'Job', spec: { parallelism: 8, template: { spec: { resourceClaims: claims, containers: [{ name: 'c', image: 'i', resources: { claims: [{ name: 'gpu' }] } }] } } } });
    expect(acceleratorsOf(pods([{ name: 'gpu', resourceClaimTemplateName: 'one-gpu' }]), undefined)).toEqual({ [`${CLAIM_TEMPLATE_PREFIX}one-gpu`]: 8 });
    expect(acceleratorsOf(pods([{ name: 'gpu', source: { resourceClaimTemplateName: 'one-gpu' } }]), undefined)).toEqual({ [`${CLAIM_TEMPLATE_PREFIX}one-gpu`]: 8 });
    expect(acceleratorsOf(pods([{ name: 'gpu', resourceClaimName: 'shared' }]), undefined)).toBeUndefined();
    // A KubeVirt VM's GPUs passed through, and a pool of 3 such VMs.
    const vm = { spec: { template: { spec: { domain: { devices: { gpus: [{ name: 'g1', deviceName: 'nvidia.com/GA102GL_A10' }, { name: 'g2', deviceName: 'nvidia.com/GA102GL_A10' }], disks: [] } } } } } };
    expect(acceleratorsOf({ kind: 'VirtualMachine', ...vm }, undefined)).toEqual({ 'nvidia.com/GA102GL_A10': 2 });
    expect(acceleratorsOf({ kind: 'VirtualMachinePool', spec: { replicas: 3, virtualMachineTemplate: vm } }, undefined)).toEqual({ 'nvidia.com/GA102GL_A10': 6 });
    expect(acceleratorText('gpu.nvidia.com', ALL_DEVICES, 8)).toBe('every GPU (gpu.nvidia.com), your largest before: 8');
    expect(acceleratorText(`${CLAIM_TEMPLATE_PREFIX}one-gpu`, 8, 1)).toBe('8 pods claiming from a template (resourceclaimtemplate:one-gpu), your largest before: 1');
  });
});

describe('accelerators_above_history', () => {
  it("an identity a day old that never asked for a GPU is asked for its first 8-GPU Job; a fresh sign-in answers it and teaches 8 (day 43)", async () => {
    const w = world();
    await day(w);
    const next = T + 24 * HOUR;
    const login = token(S(next) - 3 * 3600);
    const first = await w.check(login, next, { [GPU]: 8 });
    expect(first.codes).toContain('accelerators_above_history');
    expect(first.v.allow).toBe(false);
    expect(first.context?.code).toBe('accelerators_above_history');
    expect(first.out.risk.contributions.find((c) => c.code === 'accelerators_above_history')?.detail).toMatch(/^8 GPUs \(nvidia\.com\/gpu\), your largest before: 0 in \d+ hours of history$/);
    expect(first.context?.summary).toContain('8 GPUs (nvidia.com/gpu), your largest before: 0');
    // Signed in again a minute later: allowed, and 8 becomes the largest.
    const fresh = token(S(next) + 60, 'sid-2');
    expect((await w.check(fresh, next + 90_000, { [GPU]: 8 })).v.allow).toBe(true);
    // The next 8-GPU Job and, past the window (window_seconds, 600), a 16-GPU one (ratio 2) from
    // the old login pass, and 16 is learnt (an allowed write teaches its counts); 33 is asked.
    expect((await w.check(login, next + HOUR, { [GPU]: 8 })).codes).not.toContain('accelerators_above_history');
    expect((await w.check(login, next + HOUR + 11 * MINUTE, { [GPU]: 16 })).codes).not.toContain('accelerators_above_history');
    const above = await w.check(login, next + 2 * HOUR, { [GPU]: 33 });
    expect(above.codes).toContain('accelerators_above_history');
    expect(above.v.allow).toBe(false);
  });

  it('a newcomer asks its first GPUs unasked, and learns them', async () => {
    const w = world();
    const login = token(S(T) - 40);
    expect((await w.check(login, T, undefined, PODS)).v.allow).toBe(true);
    // A first day's 1-GPU Job is no measure of its next: 1, then 8, both unasked.
    expect((await w.check(login, T + HOUR / 2, { [GPU]: 1 })).codes).not.toContain('accelerators_above_history');
    const r = await w.check(login, T + HOUR, { [GPU]: 8 });
    expect(r.codes).not.toContain('accelerators_above_history');
    expect(r.v.allow).toBe(true);
    // Learnt: the next day 8 from an hours-old login is routine, 17 is asked.
    const next = T + 24 * HOUR;
    const later = token(S(next) - 3 * 3600);
    expect((await w.check(later, next, { [GPU]: 8 })).codes).not.toContain('accelerators_above_history');
    expect((await w.check(later, next, { [GPU]: 17 })).codes).toContain('accelerators_above_history');
  });

  it("an ML engineer's routine 2-GPU Jobs stay routine; a Job of a resource never asked is asked", async () => {
    const w = world();
    await day(w, 2);
    const next = T + 24 * HOUR;
    const login = token(S(next) - 3 * 3600);
    expect((await w.check(login, next, { [GPU]: 2 })).codes).not.toContain('accelerators_above_history');
    // Past the window of the last (600 s), 4 is within the ratio; a TPU is another resource's first.
    expect((await w.check(login, next + 11 * MINUTE, { [GPU]: 4 })).codes).not.toContain('accelerators_above_history');
    expect((await w.check(login, next + 11 * MINUTE, { 'google.com/tpu': 1 })).codes).toContain('accelerators_above_history');
  });

  it('weight 0 turns it off: nothing read, nothing asked', async () => {
    const off = parseConfig(yaml('  signals: { accelerators_above_history: { weight: 0 } }'), 'gpu.yaml');
    const w = world(off);
    await day(w);
    const next = T + 24 * HOUR;
    const r = await w.check(token(S(next) - 3 * 3600), next, { [GPU]: 8 });
    expect(r.codes).not.toContain('accelerators_above_history');
    expect(r.v.allow).toBe(true);
  });

  it('many small Jobs within the window are one ask: sixteen 1-GPU Jobs by an engineer whose largest is 1 (review50, session 51)', async () => {
    const w = world();
    await day(w, 1);
    const next = T + 24 * HOUR;
    const login = token(S(next) - 3 * 3600);
    const codes: string[][] = [];
    for (let i = 0; i < 3; i++) codes.push((await w.check(login, next + i * 8_000, { [GPU]: 1 })).codes);
    // 1, 1 + 1 = 2 (within 2 × 1), 3: asked at the third, the detail naming the window's part.
    expect(codes.map((c) => c.includes('accelerators_above_history'))).toEqual([false, false, true]);
    const third = await w.check(login, next + 16_000, { [GPU]: 1 });
    expect(third.v.allow).toBe(false);
    expect(third.out.risk.contributions.find((c) => c.code === 'accelerators_above_history')?.detail).toBe('3 GPUs (nvidia.com/gpu), 2 of them by your writes of the last 10 minutes, your largest before: 1');
    // A sign-in answers the burst and teaches its sum (3): the next Job of the sweep, 4 ≤ 2 × 3, passes.
    const fresh = token(S(next) + 20, 'sid-2');
    expect((await w.check(fresh, next + 24_000, { [GPU]: 1 })).v.allow).toBe(true);
    expect((await w.check(login, next + 32_000, { [GPU]: 1 })).codes).not.toContain('accelerators_above_history');
    // Past the window each Job is alone again.
    expect((await w.check(login, next + HOUR, { [GPU]: 1 })).codes).not.toContain('accelerators_above_history');
  });

  it('the same object written again within the window replaces its earlier ask: three applies of one 4-GPU Deployment ask 4', async () => {
    const w = world();
    await day(w, 4);
    const next = T + 24 * HOUR;
    const login = token(S(next) - 3 * 3600);
    const apply = '/apis/apps/v1/namespaces/team-a/deployments/trainer?fieldManager=kubectl';
    for (let i = 0; i < 3; i++) {
      const r = await w.check(login, next + i * MINUTE, { [GPU]: 4 }, apply, undefined, 'PATCH');
      expect(r.codes, `apply ${i + 1}`).not.toContain('accelerators_above_history');
    }
    // Another object of 4 is summed with it (8, within 2 × 4); a third object makes 12: asked.
    expect((await w.check(login, next + 4 * MINUTE, { [GPU]: 4 }, '/apis/apps/v1/namespaces/team-a/deployments/eval?fieldManager=kubectl', undefined, 'PATCH')).codes).not.toContain('accelerators_above_history');
    expect((await w.check(login, next + 5 * MINUTE, { [GPU]: 4 }, JOBS)).codes).toContain('accelerators_above_history');
  });

  it('a run of Jobs within the ratio cannot raise the largest a little at a time', async () => {
    const w = world();
    await day(w, 2);
    const next = T + 24 * HOUR;
    const login = token(S(next) - 3 * 3600);
    // Largest 2: 1, 2, 3, 4 within the window are within 2 × 2, and teach only their own 1 each;
    // the fifth sums 5 and is asked (a sum learnt as it grew would have made the largest 4, then 8…).
    const asked: boolean[] = [];
    for (let i = 0; i < 5; i++) asked.push((await w.check(login, next + i * MINUTE, { [GPU]: 1 })).codes.includes('accelerators_above_history'));
    expect(asked).toEqual([false, false, false, false, true]);
    // After the window: 5 alone is still above 2 × 2.
    expect((await w.check(login, next + HOUR, { [GPU]: 5 })).codes).toContain('accelerators_above_history');
  });

  it('window_seconds 0 compares each write alone (the review50 row open again)', async () => {
    const w = world(parseConfig(yaml('  signals: { accelerators_above_history: { window_seconds: 0 } }'), 'gpu.yaml'));
    await day(w, 1);
    const next = T + 24 * HOUR;
    const login = token(S(next) - 3 * 3600);
    for (let i = 0; i < 16; i++) expect((await w.check(login, next + i * 8_000, { [GPU]: 1 })).codes).not.toContain('accelerators_above_history');
  });

  it('the memory store sums the window, drops what left it, and keeps at most MAX_RECENT_ACCELERATOR_WRITES', () => {
    const store = new MemoryStateStore(storeLimits(config)!, { maxSubjects: 100 });
    store.recordAccelerators('sam', { [GPU]: 2 }, T, 600_000);
    store.recordAccelerators('sam', { [GPU]: 1, 'google.com/tpu': 4 }, T + 300_000, 600_000);
    expect(store.acceleratorsRecent('sam', T + 300_000, 600_000)).toEqual({ [GPU]: 3, 'google.com/tpu': 4 });
    expect(store.acceleratorsRecent('sam', T + 600_000, 600_000)).toEqual({ [GPU]: 1, 'google.com/tpu': 4 });
    expect(store.acceleratorsRecent('sam', T + 900_000, 600_000)).toEqual({});
    expect(store.acceleratorsRecent('pat', T, 600_000)).toEqual({});
    store.recordAccelerators('lee', { [GPU]: 4 }, T, 600_000, 'apps/deployments\nml\ntrainer');
    store.recordAccelerators('lee', { [GPU]: 4 }, T + 1000, 600_000, 'apps/deployments\nml\ntrainer');
    store.recordAccelerators('lee', { [GPU]: 2 }, T + 2000, 600_000);
    expect(store.acceleratorsRecent('lee', T + 3000, 600_000)).toEqual({ [GPU]: 6 });
    expect(store.acceleratorsRecent('lee', T + 3000, 600_000, 'apps/deployments\nml\ntrainer')).toEqual({ [GPU]: 2 });
    for (let i = 0; i < MAX_RECENT_ACCELERATOR_WRITES + 10; i++) store.recordAccelerators('kim', { [GPU]: 1 }, T + i, 600_000);
    expect(store.acceleratorsRecent('kim', T + 1000, 600_000)).toEqual({ [GPU]: MAX_RECENT_ACCELERATOR_WRITES });
  });

  it("a Deployment's scale without its template asks its kept per-pod count times the replicas (review50, session 51)", async () => {
    // What guardrails read: the template's per-pod ask on a create, the count on a /scale write or a
    // patch of spec.replicas alone; nothing of a CPU Deployment.
    const settings = guardSettings();
    const DEPLOYS = '/apis/apps/v1/namespaces/team-a/deployments';
    const deploy = (resources: Record<string, unknown>) => JSON.stringify({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'infer' }, spec: { replicas: 2, selector: {}, template: { spec: { containers: [{ name: 'm', image: 'i', resources: { limits: resources } }] } } } });
    const created = inspect(kube('POST', DEPLOYS), deploy({ [GPU]: 1 }), 'application/json', false, settings);
    expect(created.accelerators).toEqual({ [GPU]: 2 });
    expect(created.perPodAccelerators).toEqual({ name: 'infer', counts: { [GPU]: 1 } });
    expect(created.scaledTo).toBeUndefined();
    expect(inspect(kube('POST', DEPLOYS), deploy({ cpu: '4' }), 'application/json', false, settings).perPodAccelerators).toBeUndefined();
    const scale = { spec: { replicas: 64 } };
    expect(inspect(kube('PATCH', `${DEPLOYS}/infer/scale`), JSON.stringify(scale), 'application/merge-patch+json', false, settings).scaledTo).toBe(64);
    expect(inspect(kube('PUT', `${DEPLOYS}/infer/scale`), JSON.stringify({ apiVersion: 'autoscaling/v1', kind: 'Scale', metadata: { name: 'infer' }, ...scale }), 'application/json', false, settings).scaledTo).toBe(64);
    expect(inspect(kube('PATCH', `${DEPLOYS}/infer`), JSON.stringify(scale), 'application/strategic-merge-patch+json', false, settings).scaledTo).toBe(64);
    expect(inspect(kube('PATCH', `${DEPLOYS}/infer`), JSON.stringify([{ op: 'replace', path: '/spec/replicas', value: 64 }]), 'application/json-patch+json', false, settings).scaledTo).toBe(64);

    // What the engine does with them: an ML engineer whose largest is 1 creates a one-GPU Deployment
    // (kept: 1 per pod), scales it to 2 (within 2 × 1, and learnt), then to 64 from an hours-old login: asked.
    const w = world();
    await day(w, 1);
    const next = T + 24 * HOUR;
    const login = token(S(next) - 3 * 3600);
    const infer = `${DEPLOYS}/infer`;
    expect((await w.check(login, next, { [GPU]: 1 }, DEPLOYS, { perPod: { name: 'infer', counts: { [GPU]: 1 } } })).v.allow).toBe(true);
    expect((await w.check(login, next + HOUR, undefined, `${infer}/scale`, { scaledTo: 2 }, 'PATCH')).codes).not.toContain('accelerators_above_history');
    const big = await w.check(login, next + 2 * HOUR, undefined, `${infer}/scale`, { scaledTo: 64 }, 'PATCH');
    expect(big.codes).toContain('accelerators_above_history');
    expect(big.v.allow).toBe(false);
    expect(big.out.risk.contributions.find((c) => c.code === 'accelerators_above_history')?.detail).toBe('64 GPUs (nvidia.com/gpu), your largest before: 2');
    // A Deployment never seen with accelerators (a CPU service's, or one the gateway never saw written) asks nothing.
    expect((await w.check(login, next + 3 * HOUR, undefined, `${DEPLOYS}/web/scale`, { scaledTo: 64 }, 'PATCH')).codes).not.toContain('accelerators_above_history');
    // The same name in another namespace is another workload.
    expect((await w.check(login, next + 3 * HOUR, undefined, '/apis/apps/v1/namespaces/team-b/deployments/infer/scale', { scaledTo: 64 }, 'PATCH')).codes).not.toContain('accelerators_above_history');
  });

  it('more asked never lowers what is required (property)', async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 0, max: 64 }), fc.integer({ min: 0, max: 64 }), fc.integer({ min: 0, max: 64 }), async (learnt, a, extra) => {
        const w = world();
        await day(w, learnt === 0 ? undefined : learnt);
        const next = T + 24 * HOUR;
        const login = token(S(next) - 3 * 3600);
        const ask = (n: number) => (n === 0 ? undefined : { [GPU]: n });
        const less = await w.check(login, next, ask(a));
        const more = await w.check(login, next, ask(a + extra));
        // What more asks is at least what less asks: if more is allowed, so is less.
        if (more.v.allow) expect(less.v.allow).toBe(true);
        expect(more.out.requirement.level).toBeGreaterThanOrEqual(less.out.requirement.level);
        expect(more.out.requirement.authAfter ?? 0).toBeGreaterThanOrEqual(less.out.requirement.authAfter ?? 0);
      }),
      { numRuns: 40 },
    );
  });
});

describe('accelerators_above_history on a real redis-server', () => {
  const redis = redisForFile('gpu49:');
  it('keeps the largest count per name, never lowers it, and asks as the memory store does', async () => {
    const store = await redis.store(storeLimits(config)!);
    await store.learnAccelerators('sam', { [GPU]: 4, 'google.com/tpu': 2 });
    await store.learnAccelerators('sam', { [GPU]: 2 });
    await store.learnAccelerators('sam', { [GPU]: 8 });
    expect(await store.acceleratorsAsked('sam')).toEqual({ [GPU]: 8, 'google.com/tpu': 2 });
    expect(await store.acceleratorsAsked('someone-else')).toEqual({});
    // At most MAX_ACCELERATOR_NAMES names, the smallest dropped first.
    const many: Record<string, number> = {};
    for (let i = 0; i < 12; i++) many[`v${i}.example/gpu`] = 10 + i;
    await store.learnAccelerators('pat', many);
    const kept = await store.acceleratorsAsked('pat');
    expect(Object.keys(kept).length).toBe(8);
    expect(kept['v0.example/gpu']).toBeUndefined();
    expect(kept['v11.example/gpu']).toBe(21);
    // The engine over Redis: the same day 43 row as the memory store.
    const w = world(config, await redis.store(storeLimits(config)!));
    await day(w);
    const next = T + 24 * HOUR;
    const first = await w.check(token(S(next) - 3 * 3600), next, { [GPU]: 8 });
    expect(first.codes).toContain('accelerators_above_history');
    expect(first.v.allow).toBe(false);
    expect((await w.check(token(S(next) + 60, 'sid-2'), next + 90_000, { [GPU]: 8 })).v.allow).toBe(true);
    await new Promise((r) => setTimeout(r, 50));
    expect((await w.check(token(S(next) - 3 * 3600), next + HOUR, { [GPU]: 8 })).codes).not.toContain('accelerators_above_history');
  });

  it('keeps the window of writes as the memory store does: summed, dropped as it passes, expiring', async () => {
    const store = await redis.store(storeLimits(config)!);
    await store.recordAccelerators('sam', { [GPU]: 2 }, T, 600_000);
    await store.recordAccelerators('sam', { [GPU]: 1, 'google.com/tpu': 4 }, T + 300_000, 600_000);
    await store.recordAccelerators('sam', { [GPU]: 1 }, T + 300_000, 600_000);
    expect(await store.acceleratorsRecent('sam', T + 300_000, 600_000)).toEqual({ [GPU]: 4, 'google.com/tpu': 4 });
    expect(await store.acceleratorsRecent('sam', T + 600_000, 600_000)).toEqual({ [GPU]: 2, 'google.com/tpu': 4 });
    expect(await store.acceleratorsRecent('sam', T + 900_000, 600_000)).toEqual({});
    expect(await store.acceleratorsRecent('pat', T, 600_000)).toEqual({});
    // A named object's next write replaces its earlier one, and its own is left out of what it reads.
    await store.recordAccelerators('kim', { [GPU]: 4 }, T, 600_000, 'apps/deployments\nml\ntrainer');
    await store.recordAccelerators('kim', { [GPU]: 4 }, T + 1000, 600_000, 'apps/deployments\nml\ntrainer');
    await store.recordAccelerators('kim', { [GPU]: 2 }, T + 2000, 600_000);
    expect(await store.acceleratorsRecent('kim', T + 3000, 600_000)).toEqual({ [GPU]: 6 });
    expect(await store.acceleratorsRecent('kim', T + 3000, 600_000, 'apps/deployments\nml\ntrainer')).toEqual({ [GPU]: 2 });
    // The engine over Redis: the third 1-GPU Job within the window is asked.
    const w = world(config, await redis.store(storeLimits(config)!));
    await day(w, 1);
    const next = T + 24 * HOUR;
    const login = token(S(next) - 3 * 3600);
    const asked: boolean[] = [];
    for (let i = 0; i < 3; i++) {
      asked.push((await w.check(login, next + i * 8_000, { [GPU]: 1 })).codes.includes('accelerators_above_history'));
      await new Promise((r) => setTimeout(r, 20));
    }
    expect(asked).toEqual([false, false, true]);
    // A workload's per-pod ask, kept for the known TTL, replaced by the next.
    await store.keepWorkloadAccelerators('c\napps/deployments\nml\ninfer', { [GPU]: 1 });
    expect(await store.workloadAccelerators('c\napps/deployments\nml\ninfer')).toEqual({ [GPU]: 1 });
    await store.keepWorkloadAccelerators('c\napps/deployments\nml\ninfer', { [GPU]: 4 });
    expect(await store.workloadAccelerators('c\napps/deployments\nml\ninfer')).toEqual({ [GPU]: 4 });
    expect(await store.workloadAccelerators('c\napps/deployments\nml\nweb')).toBeUndefined();
  });
});
