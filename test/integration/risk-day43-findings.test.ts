import { describe, expect, it } from 'vitest';
import { reasonOf, riskContextOf as contextOf } from '../support/grpc-client.js';
import { exampleServiceForFile } from '../support/workday-service.js';
import { type FindingOpts, findingRequests, rules, signIn, type Step } from '../support/findings.js';
import { podName, type Login } from '../support/workday.js';
import { API, BASEL, CLUSTER_NAT, EXFIL_TRAIN, gpuJob, HOME, kfamBinding, KUBECTL, KUBEFLOW, OUTSIDER, pipelineWorkflow, PYCLIENT, SITE, tensorboard, TRAIN } from '../support/workday43.js';

/**
 * What the forty-third replayed day (test/support/workday43.ts, docs/risk.md "Day 43") found,
 * through the real gRPC server running the site's copy of the example (`SITE`: the company's
 * Kubeflow dashboard named in kubeflow-profile-access) on a virtual clock: a drug-discovery
 * company's ML platform, Kubeflow profiles per research team, notebooks holding the profile's
 * token and a data scientist's own, GPU quotas resized by hand, nightly pipelines from CI, a
 * contract lab on another continent. Each test is one person's routine, then the finding. The open
 * ones are `it.fails`, each with a one-line why.
 */

const [TUE, WED] = [8, 9].map((d) => Date.UTC(2027, 5, d, 7, 0, 0)) as [number, number];
const [H, M] = [3_600_000, 60_000];
const MAC_KUBECTL = KUBECTL('darwin/arm64');
const LINUX_KUBECTL = KUBECTL('linux/amd64');
const WIN_KUBECTL = KUBECTL('windows/amd64');
const SMP = 'application/strategic-merge-patch+json';
const MERGE = 'application/merge-patch+json';
const WORKFLOWS = '/apis/argoproj.io/v1alpha1/namespaces/ml-pipelines/workflows';
const JOBS = (ns: string) => `/apis/batch/v1/namespaces/${ns}/jobs`;
const DATASET = (ns: string) => `/api/v1/namespaces/${ns}/secrets/dataset-s3`;
const QUOTA = (ns: string) => `/api/v1/namespaces/${ns}/resourcequotas/kf-resource-quota`;

/** A hardware-key sign-in at `at`. */
const key = (sub: string, at: number): Login => ({ sub, sid: `${sub}:${at}`, authTime: Math.floor(at / 1000), acr: 'urn:stepgate:aal3' });
const sa = (sub: string): Login => ({ sub, sid: '', authTime: undefined, acr: 'urn:stepgate:aal1', serviceAccount: true });
const step = (q: { method: string; path: string; body?: string; headers?: Record<string, string> }): Step => [q.method, q.path, q.body, q.headers?.['content-type']];

/** A data scientist on the laptop: their profile's pods, a training log, events, the dataset Secret. */
const dsRoutine = (ns: string): Step[] => [
  ['GET', `/api/v1/namespaces/${ns}/pods?limit=500`],
  ['GET', `/api/v1/namespaces/${ns}/pods/${podName('train', 1)}/log?container=trainer&tailLines=200`],
  ['GET', `/api/v1/namespaces/${ns}/events?limit=500`],
  ['GET', DATASET(ns)],
];
/** ds-1's notebook terminal: the training pods and Jobs, with the token pasted into the notebook. */
const notebookRoutine: Step[] = [
  ['GET', '/api/v1/namespaces/research-oncology/pods?labelSelector=app%3Dtrain'],
  ['GET', '/apis/batch/v1/namespaces/research-oncology/jobs?limit=50'],
];
/** An ML engineer: training pods, a log, the GPU nodes, a one-GPU Job. */
const mlRoutine = (n: number): Step[] => [
  ['GET', '/api/v1/namespaces/ml-training/pods?limit=500'],
  ['GET', `/api/v1/namespaces/ml-training/pods/${podName('potency-sweep', 1)}/log?container=ray-worker&tailLines=300`],
  ['GET', '/api/v1/nodes?labelSelector=cloud.google.com%2Fgke-accelerator'],
  ['POST', `${JOBS('ml-training')}?fieldManager=kubectl-client-side-apply&fieldValidation=Strict`, gpuJob('ml-training', `ml-2-train-${n}`, 'registry.ml.helixa.example/ml/trainer:3.2.0', 1, ['--config', 'configs/potency.yaml'])],
];
/** The MLOps engineer: Kubeflow's pods, the pipelines' Workflows, the profiles. */
const mlopsRoutine: Step[] = [
  ['GET', '/api/v1/namespaces/kubeflow/pods?limit=500'],
  ['GET', `${WORKFLOWS}?limit=50`],
  ['GET', '/apis/kubeflow.org/v1/profiles'],
];
/** A platform engineer: nodes, the GPU operator, the quotas. */
const platRoutine: Step[] = [
  ['GET', '/api/v1/nodes'],
  ['GET', '/api/v1/namespaces/gpu-operator/pods?limit=500'],
  ['GET', '/api/v1/resourcequotas?limit=500'],
];
const CI = sa('system:serviceaccount:ci:kfp-publisher');

describe("a drug-discovery ML platform: Kubeflow profiles, notebooks holding tokens, GPU quotas, nightly pipelines", () => {
  const s = exampleServiceForFile({ edit: SITE });
  const { send, routine } = findingRequests(s, { host: API, source: BASEL, ua: MAC_KUBECTL, firstDay: TUE, secondDay: WED });
  /** The person's two mornings: a sign-in, then `reqs`; the second morning's login. */
  async function twoMornings(sub: string, reqs: Step[], o: FindingOpts, sign: (s: string, at: number) => Login = signIn): Promise<Login> {
    await routine(sign(sub, TUE - 40_000), TUE, reqs, o);
    const login = sign(sub, WED - 40_000);
    await routine(login, WED, reqs, o);
    return login;
  }
  /** A network the person's first request there is asked on, answered by a sign-in 20 s later; then their routine. */
  async function proven(sub: string, t: number, reqs: Step[], o: FindingOpts): Promise<Login> {
    const [method, path] = reqs[0]!;
    const first = await send(signIn(sub, t - 6 * H), t, method, path, o);
    expect(reasonOf(first), rules(first)).toBe('auth_too_old');
    const login = signIn(sub, t + 20_000);
    await routine(login, t + 30_000, reqs, o);
    return login;
  }

  // Stopped at request 1 (every seed both ways): the `default-editor` token mounted in a notebook
  // pod, read by a malicious package, used from a cloud VM: a service account's token is
  // automation, which the profile's Secrets (two factors) refuse.
  it("the notebook pod's mounted token from a cloud VM is refused the profile's Secrets", async () => {
    const res = await send(sa('system:serviceaccount:research-oncology:default-editor'), WED + 15 * H, 'GET', '/api/v1/namespaces/research-oncology/secrets?limit=500', { source: '18.184.77.120', ua: PYCLIENT });
    expect(reasonOf(res), rules(res)).toBe('automation_step_up');
  });

  // Stopped at request 1 (every seed both ways): ds-1's own token, from the notebook's environment,
  // used from a VM in the cluster's own cloud region with the notebook's Python client: the VM's
  // /24 is not the cluster NAT's, and nothing proved it.
  it("a data scientist's pasted token from a VM beside the cluster's NAT is asked", async () => {
    const sub = 'd43f-ds-1@helixa.example';
    await twoMornings(sub, dsRoutine('research-oncology'), {});
    const nb = await proven(sub, WED + H, notebookRoutine, { source: CLUSTER_NAT, ua: PYCLIENT });
    const res = await send(nb, WED + 8.33 * H, 'GET', '/api/v1/namespaces/research-oncology/pods?labelSelector=app%3Dtrain', { source: '34.65.201.77', ua: PYCLIENT });
    expect(reasonOf(res), rules(res)).toBe('auth_too_old');
    expect(contextOf(res)).toBe('new_network');
  });

  // Stopped at request 1 (every seed both ways): malware on a data scientist's laptop at home reads
  // another research profile's dataset Secret: a namespace outside their working set.
  it("another profile's dataset Secret from the data scientist's own laptop is asked", async () => {
    const sub = 'd43f-ds-2@helixa.example';
    const o = { source: HOME['ds-2']! };
    await routine(signIn(sub, TUE - 40_000), TUE, dsRoutine('research-genomics'), {});
    await proven(sub, TUE + 5.5 * H, dsRoutine('research-genomics'), o);
    const login = signIn(sub, WED + 5.5 * H - 40_000);
    await routine(login, WED + 5.5 * H, dsRoutine('research-genomics'), o);
    const res = await send(login, WED + 8.75 * H, 'GET', DATASET('research-oncology'), o);
    expect(reasonOf(res), rules(res)).toBe('auth_too_old');
    expect(contextOf(res)).toBe('unfamiliar_namespace');
  });

  // Stopped at request 2 (every seed both ways): a RoleBinding in the data scientist's own profile
  // namespace, in the shape Kubeflow's access management writes it, for an outside address:
  // rbac-writes asks a hardware key, which a data scientist's two factors are not.
  it('a contributor RoleBinding written with kubectl from the profile owner\'s laptop needs a hardware key', async () => {
    const sub = 'd43f-ds-3@helixa.example';
    const o = { ua: WIN_KUBECTL };
    const login = await twoMornings(sub, dsRoutine('research-chem'), o);
    const res = await send(login, WED + 7.33 * H, 'POST', '/apis/rbac.authorization.k8s.io/v1/namespaces/research-chem/rolebindings', { ...o, body: kfamBinding('research-chem', OUTSIDER) });
    expect(reasonOf(res), rules(res)).toBe('acr_insufficient');
    expect(rules(res)).toContain('rbac-writes');
  });

  // Stopped at request 2 (every seed both ways): the oncology Profile's owner changed to an outside
  // address from the MLOps engineer's laptop (Kubeflow's profile controller then binds the
  // namespace's admin role to that address): the Profile is a cluster-scoped object, which
  // cluster-add-on-objects asks a hardware key within 15 minutes for.
  it("a Kubeflow Profile's owner changed with kubectl asks a fresh hardware key", async () => {
    const sub = 'd43f-mlops@helixa.example';
    const login = await twoMornings(sub, mlopsRoutine, {}, key);
    const res = await send(login, WED + 4.5 * H, 'PATCH', '/apis/kubeflow.org/v1/profiles/research-oncology', { body: JSON.stringify({ spec: { owner: { kind: 'User', name: OUTSIDER } } }), contentType: MERGE });
    expect(reasonOf(res), rules(res)).toBe('auth_too_old');
    expect(rules(res)).toContain('cluster-add-on-objects');
  });

  // Stopped at request 1 (every seed both ways): an ML engineer's copied token from a VPS at night.
  it("an ML engineer's copied token from a VPS is asked before its GPU Jobs", async () => {
    const sub = 'd43f-ml-2@helixa.example';
    const o = { ua: LINUX_KUBECTL };
    await routine(signIn(sub, TUE + H - 40_000), TUE + H, mlRoutine(1), o);
    const login = signIn(sub, WED + 6 * H - 40_000);
    await routine(login, WED + 6 * H, mlRoutine(2), o);
    const res = await send(login, WED + 16.67 * H, 'GET', '/api/v1/nodes?labelSelector=cloud.google.com%2Fgke-accelerator', { ...o, source: '45.134.26.8' });
    expect(reasonOf(res), rules(res)).toBe('auth_too_old');
    expect(contextOf(res)).toBe('new_network');
  });

  // Stopped at request 1 since session 48 (data_upload_outside): CI's token submits this pipeline
  // every 30 minutes, and container_command_egress reads credentials and fetch-and-run shapes, not
  // a pipeline's own data; but the site lists where its workloads upload (SITE:
  // guardrails.upload_hosts, the site's own S3 endpoint, buckets, registry and artifact hosts), and
  // the poisoned spec's training step ships the compound library (`tar | curl --data-binary @-`) to
  // a host not on it: critical, which CI's token cannot step up to. The nights' routine pipelines
  // before it (training that uploads nothing) pass.
  it("the nightly pipeline's training step that ships the compound library out is refused to CI", async () => {
    const o = { source: '10.43.9.33', ua: PYCLIENT };
    for (const [day, names] of [[TUE, ['potency-retrain', 'admet-retrain']], [WED, ['solubility-retrain']]] as const) {
      for (const [j, name] of names.entries()) {
        const res = await send(CI, day - 6.5 * H + j * 30 * M, 'POST', WORKFLOWS, { ...o, body: pipelineWorkflow(name, TRAIN) });
        expect(reasonOf(res), rules(res)).toBe('allowed');
      }
    }
    const res = await send(CI, WED - 4.33 * H, 'POST', WORKFLOWS, { ...o, body: pipelineWorkflow('potency-retrain', EXFIL_TRAIN) });
    expect(reasonOf(res), rules(res)).not.toBe('allowed');
    expect(rules(res)).toContain('guardrail:data_upload_outside');
    // The same step uploading its model to the site's own bucket, as CI submits it, passes.
    const own = await send(CI, WED - 4.33 * H + 30 * M, 'POST', WORKFLOWS, { ...o, body: pipelineWorkflow('potency-retrain', `${TRAIN} && aws s3 cp /mnt/models/potency s3://helixa-models/potency --recursive`) });
    expect(reasonOf(own), rules(own)).toBe('allowed');
  });

  // Fixed (accelerators_above_history, gpu49): the malicious package inside ds-1's notebook takes
  // the screening campaign's 48 GPUs with six Jobs named as its shards. The context is ds-1's own
  // (the notebook's NAT, its Python client, a sign-in proven there), a Job in the team's research
  // namespace is at the everyday level, and the body is a training Job's. What differs is the size:
  // ds-1 never asked for a GPU in a day and more of history; the ML engineers ask one or two.
  it("the first of six 8-GPU Jobs from the data scientist's notebook is asked", async () => {
    const sub = 'd43f-ds-1b@helixa.example';
    const nb = { source: CLUSTER_NAT, ua: PYCLIENT };
    await routine(signIn(sub, TUE - 40_000), TUE, dsRoutine('research-oncology'), {});
    await proven(sub, TUE + H, notebookRoutine, nb);
    await routine(signIn(sub, WED - 40_000), WED, dsRoutine('research-oncology'), {});
    const login = signIn(sub, WED + 3 * H - 40_000);
    await routine(login, WED + 3 * H, notebookRoutine, nb);
    const res = await send(login, WED + 3.33 * H, 'POST', JOBS('research-oncology'), { ...nb, body: gpuJob('research-oncology', 'screen-shard-0', 'registry.ml.helixa.example/ml/trainer:3.2.0', 8, ['--config', 'configs/screen-0.yaml']) });
    expect(reasonOf(res), rules(res)).not.toBe('allowed');
    expect(contextOf(res)).toBe('accelerators_above_history');
  });

  // Routine friction (every seed both ways): the platform engineer resizes oncology's GPU quota for
  // the screening campaign at 09:36, a namespace they had not written to (the warm-up day's resize
  // was genomics'), and back at 16:12, after quota-changes' 15 minutes: twice within 8 hours.
  it("the GPU quota resized twice in a day asks twice", async () => {
    const sub = 'd43f-plat-1@helixa.example';
    const o = { ua: LINUX_KUBECTL };
    const body = (gpus: number) => JSON.stringify({ spec: { hard: { 'requests.nvidia.com/gpu': String(gpus) } } });
    await routine(key(sub, TUE - 40_000), TUE, [...platRoutine, ['GET', QUOTA('research-genomics')], ['PATCH', QUOTA('research-genomics'), body(16), SMP]], o);
    const login = key(sub, WED - 40_000);
    await routine(login, WED, platRoutine, o);
    const first = await send(login, WED + 2.6 * H, 'PATCH', QUOTA('research-oncology'), { ...o, body: body(48), contentType: SMP });
    expect(reasonOf(first), rules(first)).toBe('auth_too_old');
    const answered = key(sub, WED + 2.6 * H + 20_000);
    expect(reasonOf(await send(answered, WED + 2.6 * H + 25_000, 'PATCH', QUOTA('research-oncology'), { ...o, body: body(48), contentType: SMP }))).toBe('allowed');
    const second = await send(answered, WED + 9.2 * H, 'PATCH', QUOTA('research-oncology'), { ...o, body: body(16), contentType: SMP });
    expect(reasonOf(second), rules(second)).toBe('auth_too_old');
    expect(rules(second)).toContain('quota-changes');
  });

  // Routine (every seed both ways): the lab's TensorBoard port-forward from Hyderabad, within the
  // sitting's sign-in, asks nothing; the MLOps engineer's contributor added through the dashboard
  // asks a hardware key within 15 minutes (the site's dashboard host in kubeflow-profile-access).
  it("the lab's TensorBoard port-forward passes; a contributor added in the dashboard asks a fresh key", async () => {
    const cro = 'd43f-cro-1@synthialabs.example';
    const lab = { source: '49.205.113.6', ua: WIN_KUBECTL };
    const croLogin = await twoMornings(cro, [['GET', '/api/v1/namespaces/cro-synthia/pods?limit=500']], lab);
    const pf = tensorboard('cro-synthia', 1);
    expect(reasonOf(await send(croLogin, WED + 30 * M, pf.method, pf.path, { ...lab, headers: pf.headers! }))).toBe('allowed');
    const sub = 'd43f-mlops-2@helixa.example';
    const login = await twoMornings(sub, mlopsRoutine, {}, key);
    const res = await send(login, WED + 2.5 * H, 'POST', '/kfam/v1/bindings', { host: KUBEFLOW, ua: 'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/137.0.0.0 Safari/537.36', body: JSON.stringify({ user: { kind: 'User', name: 'd43-cro-4@synthialabs.example' }, referredNamespace: 'cro-synthia', RoleRef: { kind: 'ClusterRole', name: 'kubeflow-edit' } }) });
    expect(reasonOf(res), rules(res)).toBe('auth_too_old');
    expect(rules(res)).toContain('kubeflow-profile-access');
  });
});
