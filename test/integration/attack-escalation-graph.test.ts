import { describe, expect, it } from 'vitest';
import { builtServerForFile, freshSubjects, kubectlSender, reason, REFUSED, rules, type EscalationState as State, type KubectlRequest as Req } from '../support/built-server.js';

/**
 * Kubernetes escalation paths from the public catalogs (the RBAC good-practices page, Datadog's
 * and KubeHound's attack-graph edges: impersonation, role aggregation, leader election, Pod
 * Security labels, the Nodes' garbage collection), sent black-box to the built server with the
 * example policy in the shapes the earlier files (attack-escalation, attack-catalog,
 * attack-corpus, attack-shapes*) do not send. About 85 requests were tried from the attacker's
 * side (session 32); those the earlier files already send in the same shape were dropped. Two
 * found something (each says so): KEP-5284's constrained impersonation verbs were no
 * `rbac_escalation_verbs`, so a ClusterRole granting them, carried in a workflow or a
 * ManifestWork, was allowed with the everyday sign-in; and a deletecollection of every Node (the
 * pod garbage collector then deletes every pod, kube-system's too) asked only what one Node's
 * delete asks.
 *
 * The victim's token in four states:
 * - `stolen`: one factor ten hours old, from a network the victim never used;
 * - `remote`: two factors a minute old, from a new network, after the victim's own read;
 * - `everyday`: one factor ten minutes old, from the office, after the victim's own read;
 * - `laptop`: two factors a minute old, from the office (malware on the victim's laptop).
 */

const server = builtServerForFile('escalation-graph');
const send = kubectlSender(server, freshSubjects(() => server().issuer, 'escalation-graph'));
const JSON_CT = { 'content-type': 'application/json' };
const JSONPATCH = { 'content-type': 'application/json-patch+json' };
const get = (path: string): Req => ({ method: 'GET', path });
const post = (path: string, body: unknown): Req => ({ method: 'POST', path, body, headers: JSON_CT });

const RBAC = 'rbac.authorization.k8s.io';
const clusterRole = (name: string, verbs: string[]) => ({ apiVersion: `${RBAC}/v1`, kind: 'ClusterRole', metadata: { name }, rules: [{ apiGroups: ['authentication.k8s.io', ''], resources: ['users', 'groups', 'serviceaccounts'], verbs }] });
/** An Argo Workflow in dev whose step creates the ClusterRole with the workflow's own service account. */
const workflow = (verbs: string[]) =>
  post('/apis/argoproj.io/v1alpha1/namespaces/dev/workflows', { apiVersion: 'argoproj.io/v1alpha1', kind: 'Workflow', metadata: { generateName: 'grant-', namespace: 'dev' }, spec: { entrypoint: 'main', templates: [{ name: 'main', resource: { action: 'create', manifest: JSON.stringify(clusterRole('deputy', verbs)) } }] } });
/** An Open Cluster Management ManifestWork that the managed cluster's klusterlet applies. */
const manifestWork = (verbs: string[]) =>
  post('/apis/work.open-cluster-management.io/v1/namespaces/edge-0001/manifestworks', { apiVersion: 'work.open-cluster-management.io/v1', kind: 'ManifestWork', metadata: { name: 'deputy', namespace: 'edge-0001' }, spec: { workload: { manifests: [clusterRole('deputy', verbs)] } } });

interface Path {
  what: string;
  req: Req;
  /** The rule or `guardrail:<code>` the answer names in every state. */
  by: string;
  /** A harmless request beside it, allowed in each state listed. */
  neighbour: Req;
  calm: State[];
}

const PATHS: Path[] = [
  {
    what: 'an aggregated ClusterRole whose aggregationRule selects every aggregate-to-admin role (it gains whatever any of them grants, later ones too)',
    req: post(`/apis/${RBAC}/v1/clusterroles`, { apiVersion: `${RBAC}/v1`, kind: 'ClusterRole', metadata: { name: 'mine' }, aggregationRule: { clusterRoleSelectors: [{ matchLabels: { [`${RBAC}/aggregate-to-admin`]: 'true' } }] }, rules: [] }),
    by: 'guardrail:rbac_aggregation',
    neighbour: get(`/apis/${RBAC}/v1/clusterroles/admin`),
    calm: ['everyday'],
  },
  {
    // Found with the rows below: only the legacy verb was an escalation verb.
    what: 'a Role in dev granting the constrained impersonation verbs (KEP-5284: impersonate:serviceaccount, impersonate-on:get)',
    req: post(`/apis/${RBAC}/v1/namespaces/dev/roles`, { apiVersion: `${RBAC}/v1`, kind: 'Role', metadata: { name: 'deputy' }, rules: [{ apiGroups: [''], resources: ['serviceaccounts'], verbs: ['impersonate:serviceaccount'] }, { apiGroups: [''], resources: ['pods'], verbs: ['impersonate-on:get'] }] }),
    by: 'guardrail:rbac_escalation_verbs',
    neighbour: get(`/apis/${RBAC}/v1/namespaces/dev/roles`),
    calm: ['everyday'],
  },
  {
    what: "a LeaseCandidate in kube-system with a newer binary version (coordinated leader election hands it kube-controller-manager's lease)",
    req: post('/apis/coordination.k8s.io/v1beta1/namespaces/kube-system/leasecandidates', { apiVersion: 'coordination.k8s.io/v1beta1', kind: 'LeaseCandidate', metadata: { name: 'kube-controller-manager-x' }, spec: { leaseName: 'kube-controller-manager', binaryVersion: '1.99.0', emulationVersion: '1.99.0', strategy: 'OldestEmulationVersion' } }),
    by: 'system-writes',
    neighbour: get('/apis/coordination.k8s.io/v1beta1/namespaces/kube-system/leasecandidates'),
    calm: ['everyday'],
  },
  {
    what: "prod-eu's Pod Security enforce label removed by a JSON patch (the '/' of the label key escaped as ~1)",
    req: { method: 'PATCH', path: '/api/v1/namespaces/prod-eu', body: [{ op: 'remove', path: '/metadata/labels/pod-security.kubernetes.io~1enforce' }], headers: JSONPATCH },
    by: 'guardrail:pod_security_weakened',
    neighbour: get('/api/v1/namespaces/prod-eu'),
    calm: ['everyday'],
  },
];

describe('escalation paths the earlier files do not send are challenged or refused in every state', () => {
  it.each(PATHS.map((p) => [p.what, p] as const))('%s', async (_what, p) => {
    for (const state of p.calm) expect(reason(await send(p.neighbour, state)), `the neighbour (${state})`).toBe('allowed');
    // The laptop's fresh two factors are what several of these rules ask (system-writes: two
    // factors within 12 hours); the findings below say where the laptop must be refused too.
    for (const state of ['stolen', 'remote', 'everyday'] as const) {
      const res = await send(p.req, state);
      const where = `${p.what} (${state}) [${rules(res)}]`;
      expect.soft(REFUSED, where).toContain(reason(res));
      expect.soft(rules(res).split(','), where).toContain(p.by);
    }
  });
});

describe('found: constrained impersonation (KEP-5284) granted by a role a controller creates', () => {
  // A ClusterRole granting `impersonate:user-info` and `impersonate-on:*` lets its subject act as
  // any user (system:masters' members included) for those verbs; rbac_escalation_verbs knew only
  // `impersonate`, so the one carried where no RBAC rule matches the URL was allowed.
  it.each([
    ['an Argo Workflow in dev', workflow],
    ['a ManifestWork for edge-0001', manifestWork],
  ])('%s creating it is refused the everyday sign-in and the laptop: guardrail:rbac_escalation_verbs', async (_what, carrier) => {
    for (const state of ['everyday', 'laptop'] as const) {
      const res = await send(carrier(['impersonate:user-info', 'impersonate-on:get', 'impersonate-on:list']), state);
      expect.soft(REFUSED, `${state} [${rules(res)}]`).toContain(reason(res));
      expect.soft(rules(res).split(','), state).toContain('guardrail:rbac_escalation_verbs');
    }
  });

  it.each([
    ['an Argo Workflow in dev', workflow],
    ['a ManifestWork for edge-0001', manifestWork],
  ])('control: %s creating a role that only reads users is allowed with the everyday sign-in', async (_what, carrier) => {
    const res = await send(carrier(['get']), 'everyday');
    expect(reason(res), rules(res)).toBe('allowed');
  });
});

describe("found: a deletecollection of the Nodes is every pod's delete", () => {
  // PodGC deletes the pods bound to a Node that no longer exists, so one DELETE /api/v1/nodes
  // deletes every pod of the cluster. It asked what one Node's delete asks (node-deletes: two
  // factors within 15 minutes), which the laptop's fresh sign-in has; it is delete_protected now.
  it.each([
    ['every Node', '/api/v1/nodes'],
    ['the Nodes of a label selector', '/api/v1/nodes?labelSelector=node-role.kubernetes.io%2Fcontrol-plane'],
  ])('%s: refused in every state, guardrail:delete_protected', async (_what, path) => {
    for (const state of ['stolen', 'remote', 'everyday', 'laptop'] as const) {
      const res = await send({ method: 'DELETE', path }, state);
      expect.soft(REFUSED, `${state} [${rules(res)}]`).toContain(reason(res));
      expect.soft(rules(res).split(','), state).toContain('guardrail:delete_protected');
    }
  });

  it('control: one Node deleted from the laptop is allowed (node-deletes), and names no guardrail', async () => {
    const res = await send({ method: 'DELETE', path: '/api/v1/nodes/worker-1' }, 'laptop');
    expect(reason(res), rules(res)).toBe('allowed');
    expect(rules(res)).not.toContain('guardrail:');
  });
});
