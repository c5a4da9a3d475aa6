import { describe, expect, it } from 'vitest';
import { reasonOf } from '../support/grpc-client.js';
import { exampleServiceForFile } from '../support/workday-service.js';
import { findingRequests, rules, type Step } from '../support/findings.js';
import type { Login } from '../support/workday.js';
import { adminWork, BERLIN, configWork, CORE, EDGE, HUB, JUMP, KARMADA, KUBECTL, MUNICH, nad, privilegedOverride, ptpWork, upfDeployment } from '../support/workday21.js';

/**
 * What the twenty-first replayed day (test/support/workday21.ts, docs/risk.md "Day 21") found,
 * through the real gRPC server running examples/stepgate.yaml on a virtual clock: a telecom
 * operator whose hub cluster writes to some 200 edge clusters through Open Cluster Management's
 * ManifestWorks and Karmada's policies, and whose CNF team runs network functions that add
 * capabilities to their own pods. Each test is one engineer's two days of routine (so the working
 * set and context are theirs), then the finding, from their own laptop and network with their
 * morning sign-in hours old. The open ones are `it.fails`.
 */

const s = exampleServiceForFile();
/** The warm-up Tuesday and the scored Wednesday, 08:00 UTC. */
const [TUE, WED] = [10, 11].map((d) => Date.UTC(2026, 10, d, 8, 0, 0)) as [number, number];
const [H, M] = [3_600_000, 60_000];
const WORK = (c: string) => `/apis/work.open-cluster-management.io/v1/namespaces/${c}/manifestworks?fieldManager=kubectl-client-side-apply&fieldValidation=Strict`;
const CT = 'application/json';
const APPLY = 'application/apply-patch+yaml';

const { send, routine, twoDays } = findingRequests(s, { host: HUB, source: BERLIN, ua: KUBECTL('darwin/arm64'), firstDay: TUE, secondDay: WED });

/** A hub platform engineer's day: clusters, their work, placements, and the RAN configuration pushed. */
const hubDay: Step[] = [
  ['GET', '/apis/cluster.open-cluster-management.io/v1/managedclusters?limit=500'],
  ['GET', `/apis/work.open-cluster-management.io/v1/namespaces/${EDGE(21)}/manifestworks`],
  ['GET', '/apis/cluster.open-cluster-management.io/v1beta1/namespaces/fleet-config/placements'],
  ['POST', WORK(EDGE(21)), JSON.stringify(configWork(EDGE(21), 1)), CT],
];

describe('a telecom hub cluster and its CNFs, with examples/stepgate.yaml', () => {
  // Was allowed (day 21, every seed, both ways): a ManifestWork is a namespaced custom object in
  // the edge cluster's namespace on the hub, where the platform team writes them every day; the
  // klusterlet applies its manifests on the edge cluster as that cluster's admin. A
  // ClusterRoleBinding of cluster-admin and a never-expiring token for its service account
  // inside it were seen by nothing (the RBAC guardrails read objects of RBAC's own kinds). Now
  // each embedded object is judged as itself: rbac_cluster_admin_binding and the token Secret's
  // guardrail, a hardware key within 5 minutes; the routine ConfigMap push asks nothing.
  it('a ManifestWork carrying a cluster-admin binding and a token asks a hardware key; the routine configuration push does not', async () => {
    const login = await twoDays('d21f-platform@nordwave.example', hubDay);
    const t = WED + 5 * H;
    const res = await send(login, t, 'POST', WORK(EDGE(22)), { body: JSON.stringify(adminWork(EDGE(22))) });
    expect(reasonOf(res), rules(res)).toBe('acr_insufficient');
    expect(rules(res)).toContain('rbac_cluster_admin_binding');
    expect(rules(res)).toContain('service_account_token_privileged');
    const ok = await send(login, t + M, 'POST', WORK(EDGE(22)), { body: JSON.stringify(configWork(EDGE(22), 9)) });
    expect(reasonOf(ok), rules(ok)).toBe('allowed');
  });

  // The same binding without the token, and a role of every verb on every resource bound beside
  // it (a ManifestWorkReplicaSet's template too: any object below the document's root).
  it("a binding to a wildcard role defined in the same ManifestWork is judged with that role's rules", async () => {
    const login = await twoDays('d21f-platform-b@nordwave.example', hubDay);
    const role = { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', metadata: { name: 'ran-ops' }, rules: [{ apiGroups: ['*'], resources: ['*'], verbs: ['*'] }] };
    const binding = { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRoleBinding', metadata: { name: 'ran-ops' }, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'ran-ops' }, subjects: [{ kind: 'Group', name: 'system:authenticated', apiGroup: 'rbac.authorization.k8s.io' }] };
    const mwrs = { apiVersion: 'work.open-cluster-management.io/v1alpha1', kind: 'ManifestWorkReplicaSet', metadata: { name: 'ran-ops', namespace: 'fleet-config' }, spec: { placementRefs: [{ name: 'all-edge' }], manifestWorkTemplate: { workload: { manifests: [role, binding] } } } };
    const res = await send(login, WED + 5 * H, 'POST', '/apis/work.open-cluster-management.io/v1alpha1/namespaces/fleet-config/manifestworkreplicasets', { body: JSON.stringify(mwrs) });
    expect(reasonOf(res), rules(res)).toBe('acr_insufficient');
    expect(rules(res)).toMatch(/rbac_/);
  });

  // Was allowed: a Karmada OverridePolicy in the user plane's namespace whose plaintext
  // overriders (JSON patch operations applied on every member cluster it names) make the
  // DaemonSet privileged with the host's PIDs. Now replayed as the patch they are and read as a
  // pod template's: privileged_container and host_namespace, a hardware key within 5 minutes.
  it("a Karmada OverridePolicy whose plaintext overriders make a DaemonSet privileged asks a hardware key", async () => {
    const login = await twoDays('d21f-karmada@nordwave.example', [
      ['GET', '/apis/policy.karmada.io/v1alpha1/namespaces/cnf-upf/propagationpolicies'],
      ['GET', '/apis/cluster.karmada.io/v1alpha1/clusters'],
    ], { host: KARMADA });
    const res = await send(login, WED + 6 * H, 'POST', '/apis/policy.karmada.io/v1alpha1/namespaces/cnf-upf/overridepolicies', { body: JSON.stringify(privilegedOverride('cnf-upf', 'upf-agent')), host: KARMADA });
    expect(reasonOf(res), rules(res)).toBe('acr_insufficient');
    expect(rules(res)).toContain('privileged_container');
    expect(rules(res)).toContain('host_namespace');
    // An image overrider or a label, what the team writes, asks nothing more.
    const benign = { apiVersion: 'policy.karmada.io/v1alpha1', kind: 'OverridePolicy', metadata: { name: 'upf-registry', namespace: 'cnf-upf' }, spec: { resourceSelectors: [{ apiVersion: 'apps/v1', kind: 'DaemonSet', name: 'upf-agent' }], overrideRules: [{ targetCluster: { clusterNames: ['core-ham'] }, overriders: { plaintext: [{ path: '/metadata/labels/site', operator: 'add', value: 'ham' }], imageOverrider: [{ component: 'Registry', operator: 'replace', value: 'registry-ham.nordwave.example' }] } }] } };
    const ok = await send(login, WED + 6 * H + M, 'POST', '/apis/policy.karmada.io/v1alpha1/namespaces/cnf-upf/overridepolicies', { body: JSON.stringify(benign), host: KARMADA });
    expect(reasonOf(ok), rules(ok)).toBe('allowed');
  });

  // Was friction (day 21, every CNF engineer every seed): a user-plane build (NET_ADMIN, IPC_LOCK,
  // SYS_NICE in its own network namespace) applied twice a day asked a hardware key each time,
  // its 5 minutes long gone by the second. The example's guardrails.namespaces entry for `cnf-*`
  // holds that key for the working day; privileged containers and host namespaces there keep
  // their 5 minutes.
  it("a CNF build's capabilities in cnf-* ask a hardware key once in the working day; privileged keeps its 5 minutes", async () => {
    const sub = 'd21f-cnf@nordwave.example';
    const lab = 'cnf-lab-d21f';
    const login = await twoDays(sub, [['GET', `/api/v1/namespaces/${lab}/pods?watch=true`], ['GET', '/api/v1/namespaces/cnf-upf/pods']], { host: CORE, source: MUNICH });
    const path = `/apis/apps/v1/namespaces/${lab}/deployments/upf?fieldManager=kubectl&force=true`;
    const t = WED + H;
    const first = await send(login, t, 'PATCH', path, { body: JSON.stringify(upfDeployment(lab, '1.43.0')), contentType: APPLY, host: CORE, source: MUNICH });
    expect(reasonOf(first), rules(first)).toBe('acr_insufficient');
    const key: Login = { ...login, sid: `${sub}:key`, authTime: Math.floor((t + 20_000) / 1000), acr: 'urn:stepgate:aal3' };
    const later = await send(key, t + 2.5 * H, 'PATCH', path, { body: JSON.stringify(upfDeployment(lab, '1.57.1')), contentType: APPLY, host: CORE, source: MUNICH });
    expect(reasonOf(later), rules(later)).toBe('allowed');
    const priv = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'upf-perf', namespace: lab }, spec: { hostPID: true, containers: [{ name: 'perf', image: 'registry.nordwave.example/core/upf:1.44.2', securityContext: { privileged: true } }] } };
    const pod = await send(key, t + 2.5 * H + M, 'POST', `/api/v1/namespaces/${lab}/pods`, { body: JSON.stringify(priv), host: CORE, source: MUNICH });
    expect(reasonOf(pod), rules(pod)).toBe('auth_too_old');
  });

  // Measured: the PTP rollout. linuxptp's DaemonSet is privileged on the host's network and PIDs
  // (it disciplines the NIC's clock), so a ManifestWork carrying it asks a hardware key within 5
  // minutes, once for the three canary clusters pushed a minute apart.
  it("a ManifestWork carrying linuxptp's privileged DaemonSet asks a hardware key", async () => {
    const login = await twoDays('d21f-ptp@nordwave.example', hubDay);
    const res = await send(login, WED + 2 * H, 'POST', WORK(EDGE(3)), { body: JSON.stringify(ptpWork(EDGE(3), 2)) });
    expect(reasonOf(res), rules(res)).toBe('acr_insufficient');
    expect(rules(res)).toContain('privileged_container');
  });

  // Malware on a CNF engineer's laptop writes a NetworkAttachmentDefinition whose macvlan master
  // is the management VLAN's sub-interface (bond0.3100, where every node's BMC and the hub's agents
  // are), in a namespace where the engineer edits the N3 and N6 attachments every day with the
  // hardware key network-attachments asks (within 8 hours). Nothing in the request says
  // "management": the example names the site's management interface in
  // guardrails.reserved_interfaces, and an attachment on it is network_attachment_reserved
  // (critical: a hardware key within 5 minutes). The engineer's own SR-IOV edit with the same
  // three-hour-old key stays allowed.
  it("a NetworkAttachmentDefinition on the management VLAN, from the CNF engineer's laptop, asks a fresh hardware key; the engineer's own attachment edit does not", async () => {
    const sub = 'd21f-cnf-b@nordwave.example';
    const key = (at: number): Login => ({ sub, sid: `${sub}:${at}`, authTime: Math.floor(at / 1000) - 40, acr: 'urn:stepgate:aal3' });
    const o = { host: CORE, source: MUNICH };
    const edit: Step = ['PATCH', '/apis/k8s.cni.cncf.io/v1/namespaces/cnf-smf/network-attachment-definitions/n6-sriov', JSON.stringify(nad('cnf-smf', 'n6-sriov', 16, 'intel.com/sriov_n6')), 'application/merge-patch+json'];
    const steps: Step[] = [['GET', '/apis/k8s.cni.cncf.io/v1/namespaces/cnf-smf/network-attachment-definitions'], edit];
    await routine(key(TUE), TUE, steps, o);
    const login = key(WED);
    await routine(login, WED, steps, o);
    const mgmt = { apiVersion: 'k8s.cni.cncf.io/v1', kind: 'NetworkAttachmentDefinition', metadata: { name: 'n6-sriov-b', namespace: 'cnf-smf' }, spec: { config: JSON.stringify({ cniVersion: '0.3.1', name: 'n6-sriov-b', type: 'macvlan', master: 'bond0.3100', mode: 'bridge' }) } };
    const res = await send(login, WED + 3 * H, 'POST', '/apis/k8s.cni.cncf.io/v1/namespaces/cnf-smf/network-attachment-definitions', { body: JSON.stringify(mgmt), ...o });
    expect(reasonOf(res), rules(res)).not.toBe('allowed');
    expect(rules(res)).toContain('guardrail:network_attachment_reserved');
    const own = await send(login, WED + 3 * H + M, edit[0], edit[1], { body: edit[2], contentType: edit[3], ...o });
    expect(reasonOf(own), rules(own)).toBe('allowed');
  });

  // Was open (closed in session 33): the vendor's kubeconfig left on the shared jump host, used by
  // another user of the host 1 h 40 min after the maintenance window closed, on the AMF the vendor
  // worked on: same network, same client, a two-factor sign-in 3.6 hours old, the vendor's own
  // namespace and kinds. Nothing in the request differs from the window's; the time does. The
  // example's `vendor-maintenance-window` (match.outside_hours) refuses the vendor's accounts
  // outside 00:30–03:30 UTC: a step-up would be answered by whoever holds the kubeconfig's refresh.
  it("the vendor's session used after the maintenance window closed is not allowed", async () => {
    const sub = 'd21f-vendor-1@nordwave.example';
    const night = Date.UTC(2026, 10, 11, 1, 0, 0);
    const login: Login = { sub, sid: `${sub}:window`, authTime: Math.floor(night / 1000) - 40, acr: 'urn:stepgate:aal2' };
    let t = night;
    for (const path of ['/api/v1/namespaces/cnf-amf/pods', '/api/v1/namespaces/cnf-amf/pods/amf-7b9cd-4kq2x/log?container=amf&tailLines=1000', '/api/v1/namespaces/cnf-amf/pods/amf-7b9cd-4kq2x/exec?command=amf-cli&container=amf&stdin=true&stdout=true&tty=true']) {
      const r = await send(login, (t += 5 * M), path.includes('/exec') ? 'POST' : 'GET', path, { host: CORE, source: JUMP, ua: KUBECTL('linux/amd64') });
      expect(reasonOf(r), path).toBe('allowed');
    }
    const res = await send(login, night + 3.66 * H, 'POST', '/api/v1/namespaces/cnf-amf/pods/amf-7b9cd-4kq2x/exec?command=sh&container=amf&stdin=true&stdout=true&tty=true', { host: CORE, source: JUMP, ua: KUBECTL('linux/amd64') });
    expect(reasonOf(res), rules(res)).toBe('policy_deny');
    expect(rules(res)).toContain('vendor-maintenance-window');
  });
});
