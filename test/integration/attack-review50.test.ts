import { describe, expect, it } from 'vitest';
import { reasonOf, riskContextOf as contextOf } from '../support/grpc-client.js';
import { exampleServiceForFile } from '../support/workday-service.js';
import { type FindingOpts, findingRequests, rules, signIn, type Step } from '../support/findings.js';
import { podName, type Login } from '../support/workday.js';
import { API, BASEL, CLUSTER_NAT, gpuJob, KUBECTL, PYCLIENT, SITE } from '../support/workday43.js';

/**
 * Session 50's red team on accelerators_above_history (gpu49, docs/risk.md), through the real gRPC
 * server running day 43's site copy on a virtual clock. Two people with a day and more of history:
 * a data scientist whose notebook never asked for an accelerator (any ask is above history), and an
 * ML engineer whose Jobs ask one GPU (more than 2 is above). Each row is a way to take more
 * accelerators than the history shows while reading as less: Dynamic Resource Allocation claims,
 * resource names and quantity spellings the reading did not know, pod shapes that multiply (a
 * LeaderWorkerSet's groups, sidecar init containers), a KubeVirt VM's passed-through GPUs. Every
 * attack is asked with the signal's context; the control rows (the same people's routine) pass.
 * Two open rows (`it.fails`) are what a per-write reading cannot see.
 */

const [TUE, WED] = [8, 9].map((d) => Date.UTC(2027, 5, d, 7, 0, 0)) as [number, number];
const [H, M] = [3_600_000, 60_000];
const IMAGE = 'registry.ml.helixa.example/ml/trainer:3.2.0';
const JOBS = (ns: string) => `/apis/batch/v1/namespaces/${ns}/jobs`;
const ONC = 'research-oncology';
const ML = 'ml-training';

const dsRoutine: Step[] = [
  ['GET', `/api/v1/namespaces/${ONC}/pods?limit=500`],
  ['GET', `/api/v1/namespaces/${ONC}/events?limit=500`],
];
const notebookRoutine: Step[] = [
  ['GET', `/api/v1/namespaces/${ONC}/pods?labelSelector=app%3Dtrain`],
  ['GET', `${JOBS(ONC)}?limit=50`],
];
const mlRoutine = (n: number): Step[] => [
  ['GET', `/api/v1/namespaces/${ML}/pods?limit=500`],
  ['GET', `/api/v1/namespaces/${ML}/pods/${podName('potency-sweep', 1)}/log?container=ray-worker&tailLines=300`],
  ['POST', `${JOBS(ML)}?fieldManager=kubectl-client-side-apply&fieldValidation=Strict`, gpuJob(ML, `ml-train-${n}`, IMAGE, 1, ['--config', 'configs/potency.yaml'])],
];

/** A pod spec of one container asking `resources` (and `extra` beside them). */
const podSpec = (resources: Record<string, unknown>, extra: Record<string, unknown> = {}) => ({
  restartPolicy: 'Never',
  containers: [{ name: 'trainer', image: IMAGE, args: ['--config', 'configs/screen.yaml'], resources, securityContext: { runAsNonRoot: true, allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] }, seccompProfile: { type: 'RuntimeDefault' } } }],
  ...extra,
});
const job = (ns: string, name: string, spec: Record<string, unknown>, parallelism?: number) =>
  JSON.stringify({ apiVersion: 'batch/v1', kind: 'Job', metadata: { name, namespace: ns }, spec: { ...(parallelism !== undefined && { parallelism, completions: parallelism }), backoffLimit: 2, template: { spec } } });
const gpus = (n: string, name = 'nvidia.com/gpu') => ({ limits: { [name]: n, memory: '60Gi' }, requests: { cpu: '8' } });
/** DRA device requests in resource.k8s.io/v1beta1's shape (`v1` nests them under `exactly`). */
const claimSpec = (request: Record<string, unknown>) => ({ devices: { requests: [{ name: 'gpus', deviceClassName: 'gpu.nvidia.com', ...request }] } });
const DRA = (ns: string, version: string, plural: string) => `/apis/resource.k8s.io/${version}/namespaces/${ns}/${plural}`;

type Row = [what: string, method: string, path: string, body: string, contentType?: string];

describe('accelerators asked in shapes the reading did not count', () => {
  const s = exampleServiceForFile({ edit: SITE });
  const { send, routine } = findingRequests(s, { host: API, source: BASEL, ua: KUBECTL('darwin/arm64'), firstDay: TUE, secondDay: WED });
  const nb: FindingOpts = { source: CLUSTER_NAT, ua: PYCLIENT };
  let n = 0;

  /** ds: two mornings of reads and a notebook proven on the cluster's NAT; the second notebook login. */
  async function dataScientist(): Promise<Login> {
    const sub = `rv50-ds-${++n}@helixa.example`;
    await routine(signIn(sub, TUE - 40_000), TUE, dsRoutine, {});
    const first = await send(signIn(sub, TUE + H - 6 * H), TUE + H, 'GET', notebookRoutine[0]![1], nb);
    expect(reasonOf(first), rules(first)).toBe('auth_too_old');
    await routine(signIn(sub, TUE + H + 20_000), TUE + H + 30_000, notebookRoutine, nb);
    await routine(signIn(sub, WED - 40_000), WED, dsRoutine, {});
    const login = signIn(sub, WED + 3 * H - 40_000);
    await routine(login, WED + 3 * H, notebookRoutine, nb);
    return login;
  }
  /** ml: two mornings of one-GPU Jobs; the second morning's login. */
  async function mlEngineer(): Promise<Login> {
    const sub = `rv50-ml-${++n}@helixa.example`;
    const o = { ua: KUBECTL('linux/amd64') };
    await routine(signIn(sub, TUE + H - 40_000), TUE + H, mlRoutine(1), o);
    const login = signIn(sub, WED + 6 * H - 40_000);
    await routine(login, WED + 6 * H, mlRoutine(2), o);
    return login;
  }

  const dsRows: Row[] = [
    ['a DRA ResourceClaimTemplate of 8 GPUs (v1beta1 count)', 'POST', DRA(ONC, 'v1beta1', 'resourceclaimtemplates'), JSON.stringify({ apiVersion: 'resource.k8s.io/v1beta1', kind: 'ResourceClaimTemplate', metadata: { name: 'eight-gpus' }, spec: { spec: claimSpec({ allocationMode: 'ExactCount', count: 8 }) } })],
    ['a DRA ResourceClaim of every GPU of a node (allocationMode All)', 'POST', DRA(ONC, 'v1beta1', 'resourceclaims'), JSON.stringify({ apiVersion: 'resource.k8s.io/v1beta1', kind: 'ResourceClaim', metadata: { name: 'all-gpus' }, spec: claimSpec({ allocationMode: 'All' }) })],
    ['a DRA ResourceClaim in v1\'s shape (exactly)', 'POST', DRA(ONC, 'v1', 'resourceclaims'), JSON.stringify({ apiVersion: 'resource.k8s.io/v1', kind: 'ResourceClaim', metadata: { name: 'gpus' }, spec: { devices: { requests: [{ name: 'gpus', exactly: { deviceClassName: 'gpu.nvidia.com', count: 8 } }] } } })],
    ['a DRA ResourceClaim with prioritized alternatives (firstAvailable)', 'POST', DRA(ONC, 'v1', 'resourceclaims'), JSON.stringify({ apiVersion: 'resource.k8s.io/v1', kind: 'ResourceClaim', metadata: { name: 'gpus' }, spec: { devices: { requests: [{ name: 'gpus', firstAvailable: [{ name: 'big', deviceClassName: 'gpu.nvidia.com', count: 8 }, { name: 'small', deviceClassName: 'gpu.nvidia.com', count: 4 }] }] } } })],
    ['a DRA ResourceClaim applied server-side', 'PATCH', `${DRA(ONC, 'v1beta1', 'resourceclaims')}/gpus?fieldManager=kubectl`, JSON.stringify({ apiVersion: 'resource.k8s.io/v1beta1', kind: 'ResourceClaim', metadata: { name: 'gpus' }, spec: claimSpec({ count: 8 }) }), 'application/apply-patch+yaml'],
    ['a Job of 8 pods, each with its own claim from a template', 'POST', JOBS(ONC), job(ONC, 'screen-dra', podSpec({ claims: [{ name: 'gpu' }] }, { resourceClaims: [{ name: 'gpu', resourceClaimTemplateName: 'one-gpu' }] }), 8)],
    ['a KubeVirt VM with 4 GPUs passed through', 'POST', `/apis/kubevirt.io/v1/namespaces/${ONC}/virtualmachines`, JSON.stringify({ apiVersion: 'kubevirt.io/v1', kind: 'VirtualMachine', metadata: { name: 'ws' }, spec: { runStrategy: 'Always', template: { spec: { domain: { devices: { gpus: [0, 1, 2, 3].map((i) => ({ name: `gpu${i}`, deviceName: 'nvidia.com/GA102GL_A10' })) }, resources: { requests: { memory: '64Gi' } } } } } } })],
    ['nvidia.com/gpu.shared (time-slicing renamed)', 'POST', JOBS(ONC), job(ONC, 'screen-shared', podSpec(gpus('8', 'nvidia.com/gpu.shared')))],
    ['huawei.com/Ascend910 NPUs', 'POST', JOBS(ONC), job(ONC, 'screen-npu', podSpec(gpus('8', 'huawei.com/Ascend910')))],
    ['a vGPU count (volcano.sh/vgpu-number)', 'POST', JOBS(ONC), job(ONC, 'screen-vgpu', podSpec(gpus('8', 'volcano.sh/vgpu-number')))],
    ['nvidia.com/gpu "8.0"', 'POST', JOBS(ONC), job(ONC, 'screen-dot', podSpec(gpus('8.0')))],
    ['nvidia.com/gpu "8000m"', 'POST', JOBS(ONC), job(ONC, 'screen-milli', podSpec(gpus('8000m')))],
    ['nvidia.com/gpu "+8"', 'POST', JOBS(ONC), job(ONC, 'screen-plus', podSpec(gpus('+8')))],
    ['nvidia.com/gpu "8e0"', 'POST', JOBS(ONC), job(ONC, 'screen-exp', podSpec(gpus('8e0')))],
    ['nvidia.com/gpu 8.0 as a JSON number with a fraction the parser drops', 'POST', JOBS(ONC), job(ONC, 'screen-num', podSpec({ limits: { 'nvidia.com/gpu': 8.0 } }))],
  ];
  it.each(dsRows)('%s: asked of a notebook that never asked for an accelerator', async (_what, method, path, body, contentType) => {
    const login = await dataScientist();
    const res = await send(login, WED + 3.33 * H, method, path, { ...nb, body, ...(contentType !== undefined && { contentType }) });
    expect(reasonOf(res), rules(res)).not.toBe('allowed');
    expect(contextOf(res)).toBe('accelerators_above_history');
  });

  const mlRows: Row[] = [
    ['a LeaderWorkerSet of 4 groups of 4 pods of 1 GPU (16)', 'POST', `/apis/leaderworkerset.x-k8s.io/v1/namespaces/${ML}/leaderworkersets`, JSON.stringify({ apiVersion: 'leaderworkerset.x-k8s.io/v1', kind: 'LeaderWorkerSet', metadata: { name: 'llm' }, spec: { replicas: 4, leaderWorkerTemplate: { size: 4, leaderTemplate: { spec: podSpec(gpus('1')) }, workerTemplate: { spec: podSpec(gpus('1')) } } } })],
    ['a sidecar init container beside the trainer, 2 GPUs each (4)', 'POST', JOBS(ML), job(ML, 'ml-sidecar', { ...podSpec(gpus('2')), initContainers: [{ name: 'warm', image: IMAGE, restartPolicy: 'Always', resources: gpus('2') }] })],
  ];
  it.each(mlRows)('%s: asked of an ML engineer whose Jobs ask one GPU', async (_what, method, path, body, contentType) => {
    const login = await mlEngineer();
    const res = await send(login, WED + 6.2 * H, method, path, { ua: KUBECTL('linux/amd64'), body, ...(contentType !== undefined && { contentType }) });
    expect(reasonOf(res), rules(res)).not.toBe('allowed');
    expect(contextOf(res)).toBe('accelerators_above_history');
  });

  // Fixed (session 51, window_seconds): a write's ask is summed with what the identity's allowed
  // writes of the last ten minutes asked, so sixteen one-GPU Jobs in two minutes by an engineer
  // whose largest is 1 ask 3 at the third. And a Deployment of one 1-GPU replica scaled through
  // /scale to 64: the per-pod ask its create showed is kept for the workload, and the scale asks 64.
  it('sixteen one-GPU Jobs within two minutes are asked before the last', async () => {
    const login = await mlEngineer();
    const o = { ua: KUBECTL('linux/amd64') };
    let asked = false;
    for (let i = 0; i < 16; i++) {
      const res = await send(login, WED + 6.2 * H + i * 8_000, 'POST', JOBS(ML), { ...o, body: job(ML, `shard-${i}`, podSpec(gpus('1'))) });
      asked ||= reasonOf(res) !== 'allowed';
    }
    expect(asked).toBe(true);
  });
  it("a one-GPU Deployment's /scale to 64 replicas is asked", async () => {
    const login = await mlEngineer();
    const o = { ua: KUBECTL('linux/amd64') };
    const deploy = JSON.stringify({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'infer', namespace: ML }, spec: { replicas: 1, selector: { matchLabels: { app: 'infer' } }, template: { metadata: { labels: { app: 'infer' } }, spec: { ...podSpec(gpus('1')), restartPolicy: 'Always' } } } });
    expect(reasonOf(await send(login, WED + 6.2 * H, 'POST', `/apis/apps/v1/namespaces/${ML}/deployments`, { ...o, body: deploy }))).toBe('allowed');
    const res = await send(login, WED + 6.2 * H + M, 'PATCH', `/apis/apps/v1/namespaces/${ML}/deployments/infer/scale`, { ...o, body: JSON.stringify({ spec: { replicas: 64 } }), contentType: 'application/merge-patch+json' });
    expect(reasonOf(res), rules(res)).not.toBe('allowed');
  });

  // Control: the ML engineer's own two GPUs, a classic init container before them, and a MIG
  // slice's name; the data scientist's CPU Job and a claim for a non-accelerator device class.
  it('the routine asks nothing', async () => {
    const ml = await mlEngineer();
    const o = { ua: KUBECTL('linux/amd64') };
    for (const [i, body] of [
      job(ML, 'ml-two', podSpec(gpus('2'))),
      job(ML, 'ml-init', { ...podSpec(gpus('2')), initContainers: [{ name: 'fetch', image: IMAGE, resources: gpus('2') }] }),
    ].entries()) {
      const res = await send(ml, WED + 6.2 * H + i * M, 'POST', JOBS(ML), { ...o, body });
      expect(reasonOf(res), rules(res)).toBe('allowed');
    }
    const ds = await dataScientist();
    const cpu = await send(ds, WED + 3.33 * H, 'POST', JOBS(ONC), { ...nb, body: job(ONC, 'featurise', podSpec({ limits: { cpu: '4', memory: '16Gi' } })) });
    expect(reasonOf(cpu), rules(cpu)).toBe('allowed');
  });
});
