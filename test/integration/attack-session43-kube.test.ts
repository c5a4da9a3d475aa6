import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { builtServerForFile, freshSubjects, KUBE, OFFICE, reason, REFUSED, rules, type Level } from '../support/built-server.js';
import type { CheckResponse } from '../support/grpc-client.js';
import { checkRequest, CONTENT_TYPES } from '../support/requests.js';
import { exampleYaml } from '../support/workday-service.js';

/**
 * Session 43's round (redteam43a) on the Kubernetes writes the example policy still misread, against
 * the built server with the example policy over real gRPC: status writes that kube lets carry the
 * object's metadata (each resource's status strategy decides it: request/status-metadata.ts), a
 * pod's resize in the system namespaces, a pod placed on a node by hand (a Binding), and
 * `automation.claim` matched across issuers.
 *
 * The example as shipped, except that automation is named by a claim bound to the cluster's
 * service-account issuer (`automation.claim.issuer`) instead of by that whole issuer: the
 * pipeline's tokens are that issuer's (the test issuer holds its keys) and carry the claim.
 */

const K8S = 'https://kubernetes.default.svc.cluster.local';
const AUTOMATION = `automation:\n  issuers: [${K8S}]\n`;
const CLAIM = { name: 'client_type', values: ['pipeline'] };
const bound = (yaml: string): string => {
  expect(yaml).toContain(AUTOMATION);
  return yaml.replace(AUTOMATION, `automation:\n  claim: { issuer: ${K8S}, name: ${CLAIM.name}, values: [${CLAIM.values[0]}] }\n`);
};

const server = builtServerForFile('session43', bound);
const subjects = freshSubjects(() => server().issuer, 'session43');
const KUBECTL = 'kubectl/v1.34.1 (linux/amd64) kubernetes/93248f9';

type Write = [what: string, method: string, path: string, contentType: string, body: unknown];

const send = async (token: string, [, method, path, contentType, body]: Write): Promise<CheckResponse> =>
  server().client.check(checkRequest({ host: KUBE, source: OFFICE, method, path, token, headers: { 'user-agent': KUBECTL, 'content-type': contentType, 'x-envoy-auth-partial-body': 'false' }, body: JSON.stringify(body) }));

const as = (level: Level, age: number) => (w: Write) => subjects.tokenOf(level, age).then((t) => send(t, w));
/** The everyday sign-in: one factor, ten minutes old, which the default allows and system-writes (two factors) does not. */
const everyday = as('aal1', 600);
/** A fresh two-factor sign-in: what system-writes, the guardrails' `elevated` and production ask. */
const freshTwoFactor = as('aal2', 60);

const APPS = '/apis/apps/v1/namespaces/kube-system';
/** An owner that does not exist: the garbage collector deletes a dependent whose owners are all gone. */
const GONE_OWNER = { metadata: { ownerReferences: [{ apiVersion: 'v1', kind: 'ConfigMap', name: 'gone', uid: '6b7a3c1e-0000-4000-8000-00000000dead' }] } };

/**
 * Found: session 42 counted a status write as a write of the object only for Pods, Nodes and
 * Namespaces. kube's status strategies for the other early types (kubernetes/kubernetes
 * pkg/registry/*: the apps workloads, ReplicationControllers, Services, PVs, PVCs, quotas, Jobs,
 * CronJobs, HPAs, PDBs, Ingresses, ServiceCIDRs, CSRs, CRDs) copy only the old spec into a status
 * write (a Namespace's `finalize` only the old status); a Deployment's resets its labels too, but keeps its annotations, finalizers and owner
 * references. So `PATCH …/deployments/coredns/status` naming an owner that does not exist had the
 * garbage collector delete the cluster's DNS, with the everyday one-factor sign-in that the same
 * patch on the Deployment itself is refused (system-writes asks two factors). Before the fix each
 * row here answered `allowed`.
 */
describe('found: a status write that carries the object\'s metadata, in kube-system', () => {
  const found: Write[] = [
    ["coredns's Deployment given an owner that does not exist (the garbage collector deletes it)", 'PATCH', `${APPS}/deployments/coredns/status`, CONTENT_TYPES.merge, GONE_OWNER],
    ["kube-proxy's DaemonSet given a finalizer (a delete never completes)", 'PATCH', `${APPS}/daemonsets/kube-proxy/status`, CONTENT_TYPES.merge, { metadata: { finalizers: ['example.com/hold'] } }],
    ["a StatefulSet's annotations, by a JSON patch", 'PATCH', `${APPS}/statefulsets/etcd-backup/status`, CONTENT_TYPES.jsonPatch, [{ op: 'add', path: '/metadata/annotations', value: { 'example.com/owner': 'mallory' } }]],
    ["coredns's ReplicaSet relabelled out of its Deployment's selector", 'PATCH', `${APPS}/replicasets/coredns-5d78c9869d/status`, CONTENT_TYPES.merge, { metadata: { labels: { 'k8s-app': 'not-dns' } } }],
    ["the kube-dns Service's owner references", 'PATCH', '/api/v1/namespaces/kube-system/services/kube-dns/status', CONTENT_TYPES.strategic, GONE_OWNER],
    ["kube-system's Namespace relabelled through finalize (kubectl replace --raw …/finalize writes its metadata too)", 'PUT', '/api/v1/namespaces/kube-system/finalize', CONTENT_TYPES.json, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'kube-system', labels: { 'pod-security.kubernetes.io/enforce': 'restricted', 'example.com/tier': 'x' } }, spec: { finalizers: ['kubernetes'] } }],
    ['a PUT of the whole Deployment to its status (the labels it leaves out stay, the rest is written)', 'PUT', `${APPS}/deployments/coredns/status`, CONTENT_TYPES.json, { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'coredns', namespace: 'kube-system', annotations: {} }, status: {} }],
  ];
  it.each(found.map((w) => [w[0], w] as const))('%s: refused, as the write of the object is', async (_what, w) => {
    const res = await everyday(w);
    expect(REFUSED, rules(res)).toContain(reason(res));
    expect(rules(res).split(',')).toContain('system-writes');
  });

  const controls: Write[] = [
    ["coredns's Deployment status alone (the deployment controller's write)", 'PATCH', `${APPS}/deployments/coredns/status`, CONTENT_TYPES.merge, { status: { availableReplicas: 2 } }],
    ["a cert-manager Certificate's status with labels (a custom resource: its status strategy keeps the old metadata whole)", 'PATCH', '/apis/cert-manager.io/v1/namespaces/kube-system/certificates/webhook/status', CONTENT_TYPES.merge, { metadata: { labels: { a: 'b' } }, status: {} }],
    ["an APIService's status with labels (kube-aggregator resets them)", 'PATCH', '/apis/apiregistration.k8s.io/v1/apiservices/v1beta1.metrics.k8s.io/status', CONTENT_TYPES.merge, { metadata: { labels: { a: 'b' } }, status: {} }],
  ];
  it.each(controls.map((w) => [w[0], w] as const))('control: %s is not judged as the object', async (_what, w) => {
    const res = await everyday(w);
    expect(rules(res).split(',')).not.toContain('system-writes');
  });
});

/**
 * Found: system-writes named the objects and their scale, not a pod's `resize` subresource
 * (in-place resize, beta since 1.33): coredns's pods resized to a few megabytes are OOM-killed in
 * a loop, the cluster's DNS down as surely as scaled to zero, with the everyday sign-in.
 */
describe('found: a pod resized in kube-system', () => {
  const resize = (ns: string): Write => [`coredns resized to 4Mi in ${ns}`, 'PATCH', `/api/v1/namespaces/${ns}/pods/coredns-5d78c9869d-x2x7k/resize`, CONTENT_TYPES.strategic, { spec: { containers: [{ name: 'coredns', resources: { limits: { memory: '4Mi' }, requests: { memory: '4Mi' } } }] } }];

  it('in kube-system: refused (system-writes)', async () => {
    const res = await everyday(resize('kube-system'));
    expect(REFUSED).toContain(reason(res));
    expect(rules(res).split(',')).toContain('system-writes');
  });

  it('control: a dev pod resized is the everyday write it was', async () => {
    const res = await everyday(resize('dev'));
    expect(reason(res), rules(res)).toBe('allowed');
  });
});

/**
 * Found: a Binding places a pending pod on the node it names, past the scheduler and every taint
 * (the scheduler's power: onto a control-plane node, beside a victim's pod). In kube-system the
 * control_plane_placement guardrail stood aside (system namespaces' pod specs tolerate every
 * taint) and system-writes named no `binding`, so `pods/<name>/binding` there was allowed to the
 * everyday sign-in; the legacy `bindings` collection was a plain system write (two factors in 12
 * hours), and elsewhere the guardrail's `elevated` (two factors within 15 min). Nobody places pods
 * by hand routinely: the scheduler does, and custom schedulers are service accounts. The example
 * now asks what cluster-control asks (pod-bindings: a hardware key within 15 min, 5 elevated).
 */
describe('found: a pod placed on a node by hand', () => {
  const target = { kind: 'Node', name: 'cp-1' };
  const rows: Write[] = [
    ['a kube-system pod bound to a control-plane node', 'POST', '/api/v1/namespaces/kube-system/pods/coredns-5d78c9869d-x2x7k/binding', CONTENT_TYPES.json, { apiVersion: 'v1', kind: 'Binding', metadata: { name: 'coredns-5d78c9869d-x2x7k' }, target }],
    ['the same by the legacy bindings collection', 'POST', '/api/v1/namespaces/kube-system/bindings', CONTENT_TYPES.json, { apiVersion: 'v1', kind: 'Binding', metadata: { name: 'coredns-5d78c9869d-x2x7k' }, target }],
    ['a dev pod bound next to a production pod', 'POST', '/api/v1/namespaces/dev/pods/web-0/binding', CONTENT_TYPES.json, { apiVersion: 'v1', kind: 'Binding', metadata: { name: 'web-0' }, target: { kind: 'Node', name: 'worker-7' } }],
  ];

  it.each(rows.map((r) => [r[0], r] as const))('%s, with a fresh two-factor sign-in: refused (pod-bindings)', async (_what, w) => {
    const res = await freshTwoFactor(w);
    expect(REFUSED).toContain(reason(res));
    expect(rules(res).split(',')).toContain('pod-bindings');
  });

  it('with the everyday sign-in in kube-system the guardrail judges the Binding too', async () => {
    const res = await everyday(rows[0]!);
    expect(REFUSED).toContain(reason(res));
    expect(rules(res).split(',')).toEqual(expect.arrayContaining(['pod-bindings', 'guardrail:control_plane_placement']));
  });

  it('control: a fresh hardware-key sign-in places it', async () => {
    const res = await as('aal3', 60)(rows[0]!);
    expect(reason(res), rules(res)).toBe('allowed');
  });

  it("a custom scheduler's service-account token (automation) cannot step up: automation_step_up", async () => {
    const token = await server().issuer.token({ iss: K8S, aud: [K8S], sub: 'system:serviceaccount:kube-system:my-scheduler', [CLAIM.name]: CLAIM.values[0], auth_time: undefined, acr: undefined, amr: undefined });
    expect(reason(await send(token, rows[2]!))).toBe('automation_step_up');
  });
});

/**
 * Found: `automation.claim` matched a token of any trusted issuer. A claim the CI sets
 * (`client_type: pipeline`) may be one a person can carry at the people's identity provider (a
 * user attribute mapped into tokens, a tenant's custom claim): that person's token without acr or
 * auth_time was automation, admitted at the everyday level on its signature alone and past the
 * risk engine's context checks. The claim is now bound to an issuer as `automation.subjects`
 * entries are; the bare form with several issuers is a startup error. Before the fix the bare
 * form loaded (exit 0) and a bound one was refused as an unknown key.
 */
describe('found: automation.claim matched across issuers', () => {
  const dir = mkdtempSync(join(tmpdir(), 'stepgate-session43-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const checkConfig = (yaml: string) => {
    const file = join(dir, `c${Math.random().toString(36).slice(2)}.yaml`);
    writeFileSync(file, yaml);
    return spawnSync(process.execPath, ['dist/cli.js', 'check-config', '--skip-env', file], { cwd: new URL('../../', import.meta.url).pathname, encoding: 'utf8', timeout: 60_000 });
  };

  it('the bare claim with two issuers is a startup error naming automation.claim and the bound forms', () => {
    const yaml = exampleYaml(server().issuer.url).replace(AUTOMATION, `automation:\n  issuers: [${K8S}]\n  claim: { name: ${CLAIM.name}, values: [${CLAIM.values[0]}] }\n`);
    const r = checkConfig(yaml);
    expect(r.status, r.stdout + r.stderr).toBe(2);
    expect(r.stdout + r.stderr).toContain('automation.claim');
    expect(r.stdout + r.stderr).toContain(`{ issuer: ${K8S}, name: ${CLAIM.name}`);
  });

  it('bound to an issuer that is not configured: a startup error', () => {
    const r = checkConfig(bound(exampleYaml(server().issuer.url)).replace(`claim: { issuer: ${K8S},`, 'claim: { issuer: https://ci.elsewhere.example,'));
    expect(r.status).toBe(2);
    expect(r.stdout + r.stderr).toContain('automation.claim.issuer');
  });

  const pods = (token: string) => server().client.check(checkRequest({ host: KUBE, source: OFFICE, path: '/api/v1/namespaces/dev/pods', token, headers: { 'user-agent': KUBECTL } }));

  it("a person of the people's issuer whose token carries the claim is judged as a person", async () => {
    const sub = subjects.subject();
    const res = await pods(await server().issuer.token({ sub, email: sub, [CLAIM.name]: CLAIM.values[0], acr: undefined, amr: undefined, auth_time: undefined }));
    expect(reason(res)).not.toBe('allowed');
    expect(REFUSED.concat('auth_time_missing')).toContain(reason(res));
  });

  it("the bound issuer's token with the claim is automation (the everyday read passes on the token); without it, it is not", async () => {
    const sa = (extra: Record<string, unknown>) => server().issuer.token({ iss: K8S, aud: [K8S], sub: 'system:serviceaccount:ci:deployer', acr: undefined, amr: undefined, auth_time: undefined, ...extra });
    expect(reason(await pods(await sa({ [CLAIM.name]: CLAIM.values[0] })))).toBe('allowed');
    expect(reason(await pods(await sa({})))).not.toBe('allowed');
  });
});
