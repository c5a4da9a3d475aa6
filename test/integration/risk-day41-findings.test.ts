import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { reasonOf, riskContextOf as contextOf } from '../support/grpc-client.js';
import { exampleServiceForFile } from '../support/workday-service.js';
import { type FindingOpts, findingRequests, rules, signIn, type Step } from '../support/findings.js';
import { podName, type Login } from '../support/workday.js';
import { API, asUser, ATTACKER_VPS, canI, canIList, CGNAT, dpdkPod, KUBECTL, LI_NS, LI_ROOM, mirrorConsumer, n3Attachment, n6Attachment, NOC, OFFICE, PROMETHEUS_SA, SITE, SITE_HIGH_DENY, upfImagePatch, VENDOR_NET } from '../support/workday41.js';

/**
 * What the forty-first replayed day (test/support/workday41.ts, docs/risk.md "Day 41") found,
 * through the real gRPC server running the site's copy of the example (`SITE`: the regulator's
 * lawful-intercept rule) on a virtual clock: a mobile operator's 5G core on an edge cluster, admins
 * checking RBAC by impersonation, a NOC in shifts, field engineers on CGNAT, Multus attachments,
 * DPDK lab pods, a vendor's CNF upgrade at 01:00 and a lawful-intercept namespace. Each test is
 * one person's routine, then the finding. The open ones are `it.fails`, each with a one-line why.
 */

const [MON, TUE] = [12, 13].map((d) => Date.UTC(2027, 3, d, 8, 0, 0)) as [number, number];
const [H, M] = [3_600_000, 60_000];
const MAC_KUBECTL = KUBECTL('darwin/arm64');
const LINUX_KUBECTL = KUBECTL('linux/amd64');
const WIN_KUBECTL = KUBECTL('windows/amd64');
const JSON_CT = 'application/json';
const NAD = (ns: string, name: string) => `/apis/k8s.cni.cncf.io/v1/namespaces/${ns}/network-attachment-definitions/${name}`;

/** A hardware-key sign-in at `at`. */
const key = (sub: string, at: number): Login => ({ sub, sid: `${sub}:${at}`, authTime: Math.floor(at / 1000), acr: 'urn:stepgate:aal3' });

/** A platform admin between tasks: nodes, the SR-IOV node states, RBAC checked as a NOC engineer. */
const platRoutine = (noc: string): Step[] => {
  const ssar = canI('cnf-amf', 'delete', 'pods', asUser(noc, ['noc']));
  return [['GET', '/api/v1/nodes'], ['GET', '/apis/sriovnetwork.openshift.io/v1/namespaces/sriov-network-operator/sriovnetworknodestates'], [ssar.method, ssar.path, ssar.body, JSON_CT]];
};
/** A CNF engineer: the UPF's pods and log, the attachments. */
const cnfRoutine: Step[] = [
  ['GET', '/api/v1/namespaces/cnf-upf/pods?limit=500'],
  ['GET', `/api/v1/namespaces/cnf-upf/pods/${podName('upf', 1)}/log?container=upf&tailLines=500`],
  ['GET', '/apis/k8s.cni.cncf.io/v1/namespaces/cnf-upf/network-attachment-definitions?limit=500'],
];
/** A NOC engineer: the network functions' pods, events and a log. */
const nocRoutine: Step[] = [
  ['GET', '/api/v1/namespaces/cnf-amf/pods?limit=500'],
  ['GET', '/api/v1/namespaces/cnf-amf/events?limit=500'],
  ['GET', `/api/v1/namespaces/cnf-smf/pods/${podName('smf', 2)}/log?container=smf&tailLines=500`],
];
/** A field engineer at a cell site: nodes, the PTP daemons, a log. */
const fieldRoutine: Step[] = [
  ['GET', '/api/v1/nodes'],
  ['GET', '/api/v1/namespaces/ptp/pods?limit=500'],
  ['GET', `/api/v1/namespaces/ptp/pods/${podName('linuxptp-daemon', 1)}/log?container=linuxptp-daemon-container&tailLines=200`],
];

describe("a mobile operator's 5G core on an edge cluster, its impersonating admins and a lawful-intercept namespace", () => {
  const s = exampleServiceForFile({ edit: SITE });
  const { send, routine } = findingRequests(s, { host: API, source: OFFICE, ua: LINUX_KUBECTL, firstDay: MON, secondDay: TUE });
  /** A network the person's first request there is asked on, answered by a sign-in 20 s later; then their routine. */
  async function proven(sub: string, t: number, reqs: Step[], o: FindingOpts): Promise<Login> {
    const [method, path] = reqs[0]!;
    expect(reasonOf(await send(signIn(sub, t - 2 * H), t, method, path, o))).toBe('auth_too_old');
    const login = signIn(sub, t + 20_000);
    await routine(login, t + 30_000, reqs, o);
    return login;
  }

  // Stopped at request 1 (every seed both ways): plat-2's token from a VPS; from plat-2's own
  // office the request impersonating system:masters asks a key tap within 5 minutes.
  it("a platform admin's token impersonating system:masters is asked, from a VPS and from the office", async () => {
    const sub = 'd41f-plat-2@halvard.example';
    await routine(key(sub, MON - 40_000), MON, platRoutine('d41f-noc-1@halvard.example'), {});
    const login = key(sub, TUE - 40_000);
    await routine(login, TUE, platRoutine('d41f-noc-1@halvard.example'), {});
    const masters = { ...asUser(sub, ['system:masters', 'system:authenticated'], { 'scopes.authorization.openshift.io': 'user:full' }), 'impersonate-uid': '0f3c5e2a-7d1b-4f51-9c1e-3b2f6a8d9e10' };
    const res = await send(login, TUE + 8.5 * H, 'GET', '/api/v1/nodes', { source: ATTACKER_VPS });
    expect(reasonOf(res), rules(res)).toBe('auth_too_old');
    expect(contextOf(res)).toBe('new_network');
    const office = await send(login, TUE + 20 * M, 'GET', '/api/v1/namespaces/cnf-upf/pods?limit=500', { headers: masters });
    expect(reasonOf(office), rules(office)).toBe('auth_too_old');
    expect(rules(office)).toContain('guardrail:impersonation_privileged');
  });

  // Stopped at request 2 (every seed both ways): malware on plat-1's laptop asks, as the LI officer
  // (`--as`, which plat-1 may), for the lawful-intercept Secrets: a namespace and a kind plat-1 never
  // worked in, so the regulator's rule asks a key tap within 15 minutes (plat-1's was at 07:00).
  it("--as the lawful-intercept officer from a platform admin's laptop is asked at the LI Secrets", async () => {
    const sub = 'd41f-plat-1@halvard.example';
    const o = { ua: MAC_KUBECTL };
    await routine(key(sub, MON - 40_000), MON, platRoutine('d41f-noc-2@halvard.example'), o);
    const login = key(sub, TUE - 40_000);
    await routine(login, TUE, platRoutine('d41f-noc-2@halvard.example'), o);
    const asLi = asUser('d41f-li-officer@halvard.example', ['lawful-intercept-officers']);
    const check = canI(LI_NS, 'get', 'secrets', asLi);
    expect(reasonOf(await send(login, TUE + 2 * H, check.method, check.path, { ...o, body: check.body!, headers: asLi }))).toBe('allowed');
    const res = await send(login, TUE + 2 * H + 25_000, 'GET', `/api/v1/namespaces/${LI_NS}/secrets`, { ...o, headers: asLi });
    expect(reasonOf(res), rules(res)).toBe('auth_too_old');
    expect(rules(res)).toContain('lawful-intercept');
  });

  // Stopped at request 2 (every seed both ways; open until session 47): malware on cnf-1's laptop,
  // 90 minutes after cnf-1's own attachment edit (the key tapped then, network-attachments' 8
  // hours), adds an `ovs-mirror-producer` to the UPF's N3 attachment and a consumer attachment in
  // cnf-lab: every subscriber's GTP-U copied. Each is traffic_mirrored, a key tap within 5 minutes;
  // the engineer's own N6 edit with the same key stays allowed.
  it("an ovs-mirror-producer on the UPF's N3 attachment is asked a fresh key tap", async () => {
    const sub = 'd41f-cnf-1@halvard.example';
    const mon = key(sub, MON - 40_000);
    const t = await routine(mon, MON, cnfRoutine, {});
    expect(reasonOf(await send(mon, t + 60_000, 'PUT', NAD('cnf-upf', 'n6-upf'), { body: n6Attachment(4) }))).toBe('allowed');
    const login = key(sub, TUE + 1.5 * H - 40_000);
    const u = await routine(login, TUE + 1.5 * H, cnfRoutine, {});
    expect(reasonOf(await send(login, u + 60_000, 'PUT', NAD('cnf-upf', 'n6-upf'), { body: n6Attachment(5) }))).toBe('allowed');
    expect(reasonOf(await send(login, u + 90_000, 'PUT', NAD('cnf-upf', 'n3-upf'), { body: n3Attachment(false) }))).toBe('allowed');
    const producer = await send(login, TUE + 3 * H, 'PUT', NAD('cnf-upf', 'n3-upf'), { body: n3Attachment(true) });
    expect(reasonOf(producer), rules(producer)).toBe('auth_too_old');
    expect(rules(producer)).toContain('guardrail:traffic_mirrored');
    const consumer = await send(login, TUE + 3 * H + 40_000, 'POST', '/apis/k8s.cni.cncf.io/v1/namespaces/cnf-lab/network-attachment-definitions', { body: mirrorConsumer() });
    expect(reasonOf(consumer), rules(consumer)).toBe('auth_too_old');
    expect(rules(consumer)).toContain('guardrail:traffic_mirrored');
  });

  // Closed in session 49 by the site's copy (was open: the example sets no
  // guardrails.allowed_registries, and helm's patch carries the image alone): the vendor's account
  // in its own window, after its real upgrade, swaps the privileged DPDK user plane's image for one
  // of another registry. Whoever holds the vendor's factors answers an ask; the site lists its two
  // registries and refuses another's image in cnf-* (image_registry_not_allowed: deny).
  it("the vendor's image swap of the privileged UPF to another registry is refused", async () => {
    const sub = 'd41f-tse@cnfvendor.example';
    const o = { source: VENDOR_NET };
    const pre: Step[] = [['GET', '/api/v1/namespaces/cnf-upf/pods?limit=500'], ['GET', '/apis/apps/v1/namespaces/cnf-upf/daemonsets/upf']];
    const night = (d: number) => d - 7 * H; // 01:00
    await routine(signIn(sub, night(MON) - 40_000), night(MON), pre, o);
    const login = signIn(sub, night(TUE) + 20 * M - 40_000);
    await routine(login, night(TUE) + 20 * M, pre, o);
    const real = upfImagePatch('registry.cnfvendor.example/5gc/upf:5.4.1');
    expect(reasonOf(await send(login, night(TUE) + 25 * M, real.method, real.path, { ...o, body: real.body!, contentType: 'application/strategic-merge-patch+json' }))).toBe('allowed');
    const swap = upfImagePatch('ghcr.io/upf-tools/upf:5.4.1');
    const res = await send(login, night(TUE) + 80 * M, swap.method, swap.path, { ...o, body: swap.body!, contentType: 'application/strategic-merge-patch+json' });
    // The vendor answers an ask with their factors; only a refusal stops them.
    expect(reasonOf(res), rules(res)).toBe('policy_deny');
    expect(rules(res)).toContain('guardrail:image_registry_not_allowed');
  });

  // Stopped at request 2 (every seed both ways): field-2's token from another subscriber of the
  // same CGNAT /16: the LI Secrets ask a hardware key, which field engineers (two factors) lack.
  it("a field engineer's token on the same CGNAT is refused the lawful-intercept Secrets", async () => {
    const sub = 'd41f-field-2@halvard.example';
    const o = (h: number) => ({ source: CGNAT(h, 9), ua: WIN_KUBECTL });
    await routine(signIn(sub, MON - 40_000), MON, fieldRoutine, o(8));
    await proven(sub, MON + H, fieldRoutine, o(9));
    const login = await proven(sub, TUE + 3 * H, fieldRoutine, o(11));
    const res = await send(login, TUE + 3.33 * H, 'GET', `/api/v1/namespaces/${LI_NS}/secrets`, { source: '77.16.203.41', ua: WIN_KUBECTL });
    expect(reasonOf(res), rules(res)).not.toBe('allowed');
    expect(rules(res)).toContain('lawful-intercept');
  });

  // Stopped at request 1 (every seed both ways): noc-1's token after the shift, from the carrier's
  // CGNAT pool, which noc-1 used once from home on Monday evening (one /24: not enough to know the /16).
  it("a NOC engineer's token after the shift from the carrier's CGNAT is asked at its first request", async () => {
    const sub = 'd41f-noc-1@halvard.example';
    const o = { source: NOC, ua: WIN_KUBECTL };
    await routine(signIn(sub, MON - 3 * H), MON - 3 * H, nocRoutine, o);
    await proven(sub, MON + 11 * H, nocRoutine, { ...o, source: CGNAT(19, 0) });
    const login = signIn(sub, TUE - 3 * H);
    await routine(login, TUE - 3 * H, nocRoutine, o);
    const res = await send(login, TUE + 10.5 * H, 'GET', '/api/v1/namespaces/cnf-amf/pods?limit=500', { source: '77.16.88.140', ua: WIN_KUBECTL });
    expect(reasonOf(res), rules(res)).toBe('auth_too_old');
    expect(contextOf(res)).toBe('new_network');
  });

  // Routine friction (every seed both ways): `kubectl auth can-i --list --as=` Prometheus' service
  // account (monitoring:* is in the example's impersonation_privileged_users) asks a key tap.
  it("checking what Prometheus' service account may list asks the platform admin a key tap", async () => {
    const sub = 'd41f-plat-3@halvard.example';
    await routine(key(sub, MON - 40_000), MON, platRoutine('d41f-noc-3@halvard.example'), {});
    const login = key(sub, TUE - 40_000);
    await routine(login, TUE, platRoutine('d41f-noc-3@halvard.example'), {});
    const r = canIList('cnf-upf', asUser(PROMETHEUS_SA));
    const res = await send(login, TUE + 2.33 * H, r.method, r.path, { body: r.body!, headers: asUser(PROMETHEUS_SA) });
    expect(reasonOf(res), rules(res)).toBe('auth_too_old');
    expect(rules(res)).toContain('guardrail:impersonation_privileged');
  });

  // Routine friction (every seed both ways): the vendor's helm upgrades of the UPF (01:20) and the
  // SMF (01:50) each write a release Secret, helm_release_edited's 15 minutes: asked twice.
  it("the vendor's second helm upgrade half an hour after the first asks a sign-in again", async () => {
    const sub = 'd41f-tse-2@cnfvendor.example';
    const o = { source: VENDOR_NET };
    const night = (d: number) => d - 7 * H;
    await routine(signIn(sub, night(MON) - 40_000), night(MON), [['GET', '/api/v1/namespaces/cnf-upf/pods?limit=500']], o);
    const login = signIn(sub, night(TUE) - 40_000);
    await routine(login, night(TUE), [['GET', '/api/v1/namespaces/cnf-upf/pods?limit=500']], o);
    const release = (ns: string, name: string, v: number) => JSON.stringify({ apiVersion: 'v1', kind: 'Secret', type: 'helm.sh/release.v1', metadata: { name: `sh.helm.release.v1.${name}.v${v}`, namespace: ns, labels: { owner: 'helm', name, status: 'pending-upgrade', version: String(v) } }, data: { release: 'H4sIAAAAAAAA/6pWKkktLlGyUlAqS8wpTVWqBQQAAP//AQAA//8=' } });
    const res = await send(login, night(TUE) + 50 * M, 'POST', '/api/v1/namespaces/cnf-smf/secrets', { ...o, body: release('cnf-smf', 'smf', 12) });
    expect(reasonOf(res), rules(res)).toBe('auth_too_old');
    expect(rules(res)).toContain('guardrail:helm_release_edited');
  });

  // Routine friction (every seed both ways: both of cnf-2's builds): `kubectl apply --server-side`
  // of a new lab Pod is a PATCH, which pod-edits (15 minutes outside the lower environments'
  // names; `cnf-lab` is not one) cannot tell from a running Pod changed by hand.
  it("the CNF engineer's afternoon DPDK lab build, server-side applied, asks the key again", async () => {
    const sub = 'd41f-cnf-2@halvard.example';
    const o = { ua: MAC_KUBECTL };
    const build = (name: string): Step => ['PATCH', `/api/v1/namespaces/cnf-lab/pods/${name}?fieldManager=kubectl&force=true`, dpdkPod('cnf-lab', name, 'cnf-upf/n6-upf', 'registry.halvard.example/5gc/upf:5.4.1-lab1'), 'application/apply-patch+yaml'];
    await routine(key(sub, MON - 40_000), MON, [...cnfRoutine, build('upf-lab-m9')], o);
    const login = key(sub, TUE - 40_000);
    await routine(login, TUE, [...cnfRoutine, build('upf-lab-t9')], o);
    const pm = key(sub, TUE + 4.75 * H);
    await routine(pm, TUE + 4.75 * H + 30_000, cnfRoutine, o);
    const res = await send(pm, TUE + 6.1 * H, build('upf-lab-t14')[0], build('upf-lab-t14')[1], { ...o, body: build('upf-lab-t14')[2]!, contentType: 'application/apply-patch+yaml' });
    expect(reasonOf(res), `${rules(res)} ${contextOf(res)}`).toBe('auth_too_old');
    expect(rules(res)).toContain('pod-edits');
  });
});

/**
 * The site's state kept in a snapshot (its first start here): a store that keeps its history can
 * vouch that a newcomer never proved anything, which `newcomer_refusals: ask` needs (newcomer49;
 * without it the store remembers only since its start, and the band refuses unknown subjects).
 */
const stateDir = mkdtempSync(join(tmpdir(), 'day41-state-'));
afterAll(() => rmSync(stateDir, { recursive: true, force: true }));
const withSnapshot = (name: string) => (yaml: string) => {
  const out = SITE_HIGH_DENY(yaml).replace('\nstate:\n  store: memory\n', `\nstate:\n  store: memory\n  memory: { snapshot_path: ${join(stateDir, name)} }\n`);
  if (!out.includes(stateDir)) throw new Error('the example has no memory store to give a snapshot');
  return out;
};

describe('the lawful-intercept rule in network-attachments\' shape (refused when the risk is high)', () => {
  const s = exampleServiceForFile({ edit: withSnapshot('high-deny.json') });
  const { send } = findingRequests(s, { host: API, source: LI_ROOM, ua: LINUX_KUBECTL, firstDay: MON, secondDay: TUE });

  // Fixed in session 48 (`risk.learn.newcomer_refusals`, default `ask`): the rule's `high: deny`
  // met a newcomer whose whole job is inside the rule (a new network and device put the first
  // request at 75, and a refused request proves nothing), so the LI officer was refused at every
  // request from the LI room, Monday and every day after (20–23 routine 403s a day). The refusal,
  // reached only through the context the newcomer has not proven, now asks a sign-in made after
  // that context's first sighting; the sign-in proves the room, and the next days ask nothing more.
  it("the LI officer's first request from the LI room is asked, not refused; the sign-in proves the room", async () => {
    const sub = 'd41f-li-officer-2@halvard.example';
    const first = await send(key(sub, MON - 40_000), MON, 'GET', `/api/v1/namespaces/${LI_NS}/pods?limit=500`);
    expect(reasonOf(first), rules(first)).toBe('auth_too_old');
    expect(contextOf(first)).toBe('new_network');
    const signedIn = key(sub, MON + 60_000);
    for (const [at, path] of [[MON + 90_000, `/api/v1/namespaces/${LI_NS}/pods?limit=500`], [MON + 190_000, `/api/v1/namespaces/${LI_NS}/configmaps`]] as const) {
      const res = await send(signedIn, at, 'GET', path);
      expect(res.status.code, `${reasonOf(res)} ${rules(res)}`).toBe(0);
    }
    const tuesday = await send(key(sub, TUE - 40_000), TUE, 'GET', `/api/v1/namespaces/${LI_NS}/pods?limit=500`);
    expect(tuesday.status.code, `${reasonOf(tuesday)} ${rules(tuesday)}`).toBe(0);
  });

  // Held: a newcomer's refusal is asked only while nothing is proven, and never of a token minted
  // before the context it is used from was first seen.
  it("the officer's Monday token from a VPS, after the officer proved the room, is refused; a newcomer's token from a VPS is asked at every request", async () => {
    const sub = 'd41f-li-officer-3@halvard.example';
    await send(key(sub, MON - 40_000), MON, 'GET', `/api/v1/namespaces/${LI_NS}/pods?limit=500`);
    const monday = key(sub, MON + 60_000);
    expect((await send(monday, MON + 90_000, 'GET', `/api/v1/namespaces/${LI_NS}/pods?limit=500`)).status.code).toBe(0);
    const stolen = await send(monday, MON + 2 * H, 'GET', `/api/v1/namespaces/${LI_NS}/secrets`, { source: ATTACKER_VPS });
    expect(reasonOf(stolen), rules(stolen)).toBe('risk_deny');
    const fresh = await send(key(sub, MON + 2 * H + 30_000), MON + 2 * H + 60_000, 'GET', `/api/v1/namespaces/${LI_NS}/secrets`, { source: ATTACKER_VPS });
    expect(reasonOf(fresh), rules(fresh)).toBe('risk_deny');
    const newcomer = 'd41f-li-officer-4@halvard.example';
    const taken = key(newcomer, MON - 40_000);
    for (const at of [MON, MON + 60_000, MON + 10 * M, MON + H]) {
      const res = await send(taken, at, 'GET', `/api/v1/namespaces/${LI_NS}/secrets`, { source: ATTACKER_VPS });
      expect(reasonOf(res), rules(res)).toBe('auth_too_old');
    }
  });
});

describe('the same rule on a memory store without a snapshot (newcomer49: it cannot vouch for a newcomer)', () => {
  const s = exampleServiceForFile({ edit: SITE_HIGH_DENY });
  const { send } = findingRequests(s, { host: API, source: LI_ROOM, ua: LINUX_KUBECTL, firstDay: MON, secondDay: TUE });

  // The price of newcomer49: the store remembers only since the process started, so a subject it
  // holds nothing of may be one it forgot (an attacker with the officer's password and OTP, after a
  // restart); the band's refusal stands for unknown subjects, the new LI officer included, as
  // before session 48. A snapshot or Redis keeps newcomer_refusals: ask's step-up (above).
  it("the new LI officer's first request from the LI room is refused, a fresh sign-in too", async () => {
    const sub = 'd41f-li-officer-5@halvard.example';
    const first = await send(key(sub, MON - 40_000), MON, 'GET', `/api/v1/namespaces/${LI_NS}/pods?limit=500`);
    expect(reasonOf(first), rules(first)).toBe('risk_deny');
    const again = await send(key(sub, MON + 60_000), MON + 90_000, 'GET', `/api/v1/namespaces/${LI_NS}/pods?limit=500`);
    expect(reasonOf(again), rules(again)).toBe('risk_deny');
  });
});
