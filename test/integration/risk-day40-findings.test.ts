import { describe, expect, it } from 'vitest';
import { reasonOf, riskContextOf as contextOf } from '../support/grpc-client.js';
import { exampleServiceForFile } from '../support/workday-service.js';
import { findingRequests, rules, signIn, type Step } from '../support/findings.js';
import { podName, WS_UPGRADE, type Login } from '../support/workday.js';
import { API, ATTACKER_VPS, csrApproval, execPath, gatekeeperWebhook, KUBECTL, nodeDebugPod, OFFICE, PROXY_DUBLIN, SITE, slippedBinding, snapshotCopyOut, VENDOR_NET, WEBHOOK } from '../support/workday40.js';

/**
 * What the fortieth replayed day (test/support/workday40.ts, docs/risk.md "Day 40") found, through
 * the real gRPC server running the site's copy of the example (`SITE`: the vendor's temporary
 * account dated to Saturday's screen-share in access_windows[]) on a virtual clock: a platform team's
 * maintenance weekend on a self-managed kubeadm cluster (1.34 → 1.35), the upgrade lead's etcd
 * snapshots, CSR approvals and Gatekeeper webhook, node-debug pods, a deprecated-manifests
 * re-apply, a vendor's temporary account, on-call engineers at home. Each test is one person's
 * routine, then the finding. The open ones are `it.fails`, each with a one-line why.
 */

const [SAT, SUN] = [6, 7].map((d) => Date.UTC(2027, 2, d, 8, 0, 0)) as [number, number];
const [H, M] = [3_600_000, 60_000];
const MAC_KUBECTL = KUBECTL('darwin/arm64');
const LINUX_KUBECTL = KUBECTL('linux/amd64');
const JSON_CT = 'application/json';

/** A hardware-key sign-in (the platform team's) at `at`. */
const key = (sub: string, at: number): Login => ({ sub, sid: `${sub}:${at}`, authTime: Math.floor(at / 1000), acr: 'urn:stepgate:aal3' });

/** The upgrade lead between the scripted steps: nodes, kube-system's pods, an API server's log, the CSRs. */
const leadRoutine: Step[] = [
  ['GET', '/api/v1/nodes'],
  ['GET', '/api/v1/namespaces/kube-system/pods?limit=500'],
  ['GET', '/api/v1/namespaces/kube-system/pods/kube-apiserver-cp-1/log?container=kube-apiserver&tailLines=200'],
  ['GET', '/apis/certificates.k8s.io/v1/certificatesigningrequests'],
];
/** An on-call engineer at home: their apps' pods, events and a log. */
const oncallRoutine: Step[] = [
  ['GET', '/api/v1/namespaces/payments-prod/pods?limit=500'],
  ['GET', '/api/v1/namespaces/payments-prod/events?limit=500'],
  ['GET', `/api/v1/namespaces/payments-prod/pods/${podName('payments', 3)}/log?container=payments&tailLines=500`],
  ['GET', '/api/v1/nodes'],
];

describe("a platform team's maintenance weekend on a self-managed kubeadm cluster", () => {
  const s = exampleServiceForFile({ edit: SITE });
  const { send, routine } = findingRequests(s, { host: API, source: OFFICE, ua: MAC_KUBECTL, firstDay: SAT, secondDay: SUN });

  // Stopped at request 1 (every seed both ways): an on-call engineer's token stolen from their home
  // laptop, used from a VPS to delete the Gatekeeper webhook the lead re-enabled that afternoon.
  it("a stolen on-call token is asked at its first request from a VPS, before the webhook's delete", async () => {
    const sub = 'd40f-oncall-2@kestrel.example';
    const home = { source: '37.228.240.19', ua: KUBECTL('windows/amd64') };
    await routine(signIn(sub, SAT - 40_000), SAT, oncallRoutine, home);
    const login = signIn(sub, SUN + 7 * H);
    await routine(login, SUN + 7 * H, oncallRoutine, home);
    const res = await send(login, SUN + 9.5 * H, 'GET', '/apis/admissionregistration.k8s.io/v1/validatingwebhookconfigurations', { source: ATTACKER_VPS, ua: home.ua });
    expect(reasonOf(res), rules(res)).toBe('auth_too_old');
    expect(contextOf(res)).toBe('new_network');
    // From the on-call's own home the delete asks a hardware key, which on-call (two factors) never has.
    const del = await send(login, SUN + 9.5 * H + 30_000, 'DELETE', `/apis/admissionregistration.k8s.io/v1/validatingwebhookconfigurations/${WEBHOOK}`, home);
    expect(reasonOf(del), rules(del)).toBe('acr_insufficient');
    expect(rules(del)).toContain('guardrail:admission_config_change');
  });

  // Stopped at request 2 (every seed both ways): malware on the upgrade lead's laptop, 25 minutes
  // after the lead's last key tap, starts a node-debug pod on cp-1 to copy the etcd snapshot out:
  // the pod's guardrails (privileged, the node's root, host namespaces, a control-plane node) ask
  // a hardware key within 5 minutes.
  it("a node-debug pod on a control-plane node from the lead's laptop asks a fresh hardware key", async () => {
    const sub = 'd40f-lead@kestrel.example';
    await routine(key(sub, SAT - 40_000), SAT, leadRoutine, {});
    const login = key(sub, SUN - 40_000);
    await routine(login, SUN, leadRoutine, {});
    const res = await send(login, SUN + 25 * M, 'POST', '/api/v1/namespaces/default/pods', { body: nodeDebugPod('cp-1', 'h2m6r') });
    expect(reasonOf(res), rules(res)).toBe('auth_too_old');
    expect(rules(res)).toContain('guardrail:control_plane_placement');
  });

  // Fixed in this session (src/risk/pod-copy.ts NODE_ROOT; was allowed, `pod_copy` only): in a
  // node-debug pod the node's root is at /host, so a tar of /host/var/lib/etcd (every Secret of the
  // cluster) is a database copy, which an identity that copies files out of pods but never dumped
  // a database is asked for (the day's row is stopped earlier, at the debug pod's creation).
  it("a tar of /host/var/lib/etcd in a node-debug pod counts as a database copy", async () => {
    const sub = 'd40f-lead-2@kestrel.example';
    // Both days: the routine, then the kubelet's log copied out of a node-debug pod (kubectl cp).
    const logCopy = execPath('default', 'node-debugger-pool-b-2-k4v8d', 'debugger', ['tar', 'cf', '-', '-C', '/host/var/log', 'kubelet.log']);
    const sat = key(sub, SAT - 40_000);
    const t = await routine(sat, SAT, leadRoutine, {});
    const copied = await send(sat, t + 20_000, 'GET', logCopy, { headers: WS_UPGRADE });
    expect(reasonOf(copied), rules(copied)).toBe('allowed');
    const login = key(sub, SUN - 40_000);
    const u = await routine(login, SUN, leadRoutine, {});
    expect(reasonOf(await send(login, u + 20_000, 'GET', logCopy, { headers: WS_UPGRADE }))).toBe('allowed');
    const res = await send(login, SUN + 10 * M, 'GET', snapshotCopyOut('post-1.35.db', 'k4v8d').replace('cp-1', 'pool-b-2'), { headers: WS_UPGRADE });
    expect(reasonOf(res), rules(res)).toBe('auth_too_old');
    expect(contextOf(res)).toBe('unfamiliar_kind');
  });

  // Stopped at request 2 (every seed both ways): malware on the node engineer's laptop during wave b
  // starts `kubectl debug node/cp-2`: the pod's guardrails ask a key tap within 5 minutes (the day's
  // replay names unfamiliar_namespace too: `default` is a namespace the node engineer never works in).
  it("a node-debug pod on cp-2 from the node engineer's laptop is asked", async () => {
    const sub = 'd40f-nodes@kestrel.example';
    const drains: Step[] = [['PATCH', '/api/v1/nodes/pool-a-1', JSON.stringify({ spec: { unschedulable: true } }), 'application/strategic-merge-patch+json'], ['GET', '/api/v1/pods?fieldSelector=spec.nodeName%3Dpool-a-1'], ['GET', '/api/v1/nodes/pool-a-1']];
    await routine(key(sub, SAT - 40_000), SAT, drains, { ua: LINUX_KUBECTL });
    const login = key(sub, SUN - 40_000);
    await routine(login, SUN, drains, { ua: LINUX_KUBECTL });
    const res = await send(login, SUN + 3.4 * H, 'POST', '/api/v1/namespaces/default/pods', { ua: LINUX_KUBECTL, body: nodeDebugPod('cp-2', 'q8n2w') });
    expect(reasonOf(res), rules(res)).toBe('auth_too_old');
    expect(rules(res)).toContain('guardrail:control_plane_placement');
  });

  // Not stopped, and not for stepgate to tell apart (seed 382 without warm-up; every other run the
  // binding is asked and the deceived engineer taps the key): a ClusterRoleBinding to cluster-admin
  // slipped into the deprecated-manifests re-apply, applied within 5 minutes of the API engineer's
  // key tap, passes on it like the rest of the batch.
  it("within 5 minutes of a key tap the slipped ClusterRoleBinding passes with the batch", async () => {
    const sub = 'd40f-api@kestrel.example';
    const reads: Step[] = [['GET', '/apis/apiextensions.k8s.io/v1/customresourcedefinitions'], ['GET', '/apis/kafka.strimzi.io/v1beta2/namespaces/kafka/kafkatopics?limit=500']];
    await routine(key(sub, SAT - 40_000), SAT, reads, { ua: LINUX_KUBECTL });
    const login = key(sub, SUN + 5.5 * H - 2 * M);
    await routine(login, SUN + 5.5 * H - 2 * M, reads, { ua: LINUX_KUBECTL });
    const b = slippedBinding();
    const res = await send(login, SUN + 5.5 * H, b.method, b.path, { ua: LINUX_KUBECTL, body: b.body!, contentType: 'application/apply-patch+yaml' });
    expect(reasonOf(res), rules(res)).toBe('allowed');
    expect(rules(res)).toContain('guardrail:rbac_cluster_admin_binding');
    // Later than 5 minutes it is asked (the day's other runs), and the engineer answers it.
    const later = await send(login, SUN + 5.5 * H + 10 * M, b.method, b.path, { ua: LINUX_KUBECTL, body: b.body!, contentType: 'application/apply-patch+yaml' });
    expect(reasonOf(later), rules(later)).toBe('auth_too_old');
  });

  // Stopped at request 1 on the site's copy (refused, since session 49; on the example as shipped
  // at request 2, acr_insufficient: kube-system's Secrets ask a hardware key the vendor does not
  // have): the vendor's temporary account, still enabled after Saturday's window, signs in again
  // (two factors) on Sunday night. The site dated the account to Saturday's screen-share
  // (access_windows[]), so every request outside it is access_window_closed.
  it("the vendor's account after its window is refused kube-system's Secrets", async () => {
    const sub = 'd40f-tse@support.controlplane-vendor.example';
    const o = { source: VENDOR_NET, ua: LINUX_KUBECTL };
    await routine(signIn(sub, SAT + 6 * H - 40_000), SAT + 6 * H, [['GET', '/api/v1/namespaces/kube-system/pods?limit=500'], ['GET', '/api/v1/namespaces/kube-system/configmaps/kubeadm-config'], ['GET', '/api/v1/nodes']], o);
    const login = signIn(sub, SUN + 13.1 * H);
    const res = await send(login, SUN + 13.15 * H, 'GET', '/api/v1/namespaces/kube-system/secrets', o);
    expect(reasonOf(res), rules(res)).toBe('access_window_closed');
  });

  // Closed in session 49 by the site's copy (was open on the example as shipped: the first Secret
  // read, unfamiliar_kind, asks a sign-in the vendor, holding their factor, makes): the same
  // account, signed in again with two factors on Sunday night, reads payments' production Secrets.
  // The window (access_windows[]: Saturday 13:00-17:00 UTC) refuses it whatever the vendor answers.
  it("the vendor's account after its window is refused payments' Secrets", async () => {
    const sub = 'd40f-tse-2@support.controlplane-vendor.example';
    const o = { source: VENDOR_NET, ua: LINUX_KUBECTL };
    // Saturday's screen-share, inside the window: routine() asserts it is allowed.
    await routine(signIn(sub, SAT + 6 * H - 40_000), SAT + 6 * H, [['GET', '/api/v1/namespaces/kube-system/pods?limit=500'], ['GET', '/api/v1/namespaces/kube-system/configmaps/kubeadm-config'], ['GET', '/api/v1/nodes']], o);
    const login = signIn(sub, SUN + 13.1 * H);
    const first = await send(login, SUN + 13.15 * H, 'GET', '/api/v1/namespaces/payments-prod/secrets', o);
    expect(reasonOf(first), rules(first)).toBe('access_window_closed');
    // A fresh sign-in 20 s later changes nothing: a window is not a step-up.
    const again = signIn(sub, SUN + 13.15 * H + 20_000);
    const res = await send(again, SUN + 13.15 * H + 25_000, 'GET', '/api/v1/namespaces/payments-prod/secrets', o);
    expect(reasonOf(res), rules(res)).toBe('access_window_closed');
  });

  // Stopped at request 1 (every seed both ways): another on-call token from a residential proxy in
  // Dublin (the same country as the on-call's home, another network) before a debug pod on cp-1.
  it("an on-call token from a Dublin residential proxy is asked at its first request", async () => {
    const sub = 'd40f-oncall-1@kestrel.example';
    const home = { source: '86.43.18.204' };
    await routine(signIn(sub, SAT - 30 * M), SAT - 30 * M, oncallRoutine, home);
    const login = signIn(sub, SUN - 30 * M);
    await routine(login, SUN - 30 * M, oncallRoutine, home);
    const res = await send(login, SUN + 40 * M, 'GET', '/api/v1/nodes', { source: PROXY_DUBLIN });
    expect(reasonOf(res), rules(res)).toBe('auth_too_old');
    expect(contextOf(res)).toBe('new_network');
  });

  // Routine friction (every seed both ways: 3 of the lead's 5 to 6 challenges on Sunday): each wave's
  // kubelet serving CSRs approved (`kubectl certificate approve`) asks a hardware key within 15
  // minutes (cluster-control): an approved CSR is a certificate, and the waves are two hours apart.
  it("the lead's CSR approval two hours after the last key tap asks the key again", async () => {
    const sub = 'd40f-lead-3@kestrel.example';
    await routine(key(sub, SAT - 40_000), SAT, leadRoutine, {});
    const login = key(sub, SUN - 40_000);
    await routine(login, SUN, leadRoutine, {});
    const first = csrApproval('csr-pool-a-1-x');
    const ok = await send(login, SUN + 5 * M, first.method, first.path, { body: first.body!, contentType: JSON_CT });
    expect(reasonOf(ok), rules(ok)).toBe('allowed');
    const next = csrApproval('csr-pool-b-1-x');
    const res = await send(login, SUN + 2 * H, next.method, next.path, { body: next.body!, contentType: JSON_CT });
    expect(reasonOf(res), rules(res)).toBe('auth_too_old');
    expect(rules(res)).toContain('cluster-control');
  });

  // Routine friction (every seed both ways): the Gatekeeper webhook re-created after the upgrade
  // asks a key tap within 5 minutes (admission_config_change), even from the lead's office laptop.
  it("the lead's re-creation of the Gatekeeper webhook asks a key tap within 5 minutes", async () => {
    const sub = 'd40f-lead-4@kestrel.example';
    await routine(key(sub, SAT - 40_000), SAT, leadRoutine, {});
    const login = key(sub, SUN - 40_000);
    await routine(login, SUN, leadRoutine, {});
    const res = await send(login, SUN + 30 * M, 'POST', '/apis/admissionregistration.k8s.io/v1/validatingwebhookconfigurations', { body: gatekeeperWebhook() });
    expect(reasonOf(res), rules(res)).toBe('auth_too_old');
    expect(rules(res)).toContain('guardrail:admission_config_change');
  });
});
