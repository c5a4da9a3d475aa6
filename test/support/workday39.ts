import { attackKit, type DayEvent, jitteredSittings, LINUX, type Login, MAC, podName, prng, restartPatch, type StaffMember, WIN, withAttacks, WS_UPGRADE } from './workday.js';

/**
 * A thirty-ninth replayed day, written as an outside red team and an outside observer of real
 * engineers would after reading docs/risk.md, docs/configuration.md, docs/kubectl-stepup.md and
 * docs/guardrails.md, from a situation days 1–38 do not have: a managed-service provider hosting
 * two customers on one shared cluster, each customer's own people signing in with their own
 * identity provider. Tidewater Managed Services (Leeds, UTC+0 in February; six engineers on the
 * gateway) runs `kubernetes.tidewater.example`; Acme Retail (their shop and its database) and
 * Borealis Health (a patient portal and its database) each own two production namespaces on it.
 * The site's edit of the example (`SITE`) federates the two customers' IdPs as issuers beside the
 * MSP's (the test issuer): Acme's Okta (`https://login.acme-retail.example`) and Borealis'
 * Keycloak realm (`https://sso.borealis-health.example/realms/staff`), audience `kubernetes` on
 * each, as the API server's structured authentication lists them (each with its own claim prefix
 * there, which the site's copy gives stepgate too since session 47: `acme:`, `borealis:`).
 * stepgate keeps each identity's history by issuer and subject. Warm-up Monday 14 February 2028, scored Tuesday 15 February (hours UTC).
 *
 * Routine, as the tools send it:
 * - three MSP engineers working the ticket queue across both customers' namespaces in turn (a
 *   ticket is a customer's namespace for 20–60 minutes: pods, events, logs, a restart, a Secret
 *   read to check a rotated credential, now and then a shell), from the Leeds office and, for one,
 *   an evening at home;
 * - the MSP's team lead reviewing RBAC (RoleBindings in every customer namespace) and nodes;
 * - the patch window (scored day, 21:00–22:30, the MSP's SRE from the office): three nodes
 *   cordoned and drained in turn, every pod on them evicted (a database replica among them, the
 *   PodDisruptionBudgets holding), uncordoned;
 * - the NOC's night shift (22:00–06:00 from the NOC room): watches and events across namespaces;
 * - Acme's platform admin (Acme's IdP, Acme's office in Bristol): deploys, logs, their own Secrets,
 *   a RoleBinding of the `edit` ClusterRole for a new developer in their own namespace;
 * - an Acme developer (Acme's IdP, home): logs, a restart in staging;
 * - Borealis' admin (Borealis' IdP, Oslo office by day) and, on the scored night at 02:20, a
 *   customer-initiated break-fix from home: the portal's pods, logs, its database Secret, a shell
 *   in the database, a restart;
 * - a Borealis developer (Borealis' IdP): the portal's logs and events;
 * - Prometheus (service account `monitoring:prometheus`): pod and endpoint watches and each node's
 *   cAdvisor through the API server's node proxy (`/api/v1/nodes/<n>/proxy/metrics/cadvisor`, the
 *   `kubernetes-nodes-cadvisor` job of Prometheus' own example configuration), every 5 minutes;
 * - the ticketing bot (`msp-tools:ticket-bot`): events and pods of the namespace a ticket names,
 *   every 10 minutes, an annotation on the Deployment it links.
 *
 * The attacks, each written after reading what stepgate looks at:
 * - Borealis' IdP compromised (an admin's session there): the attacker mints tokens from that
 *   issuer whose `sub` and `email` are an MSP engineer's, at the level the IdP chooses (a hardware
 *   key's acr), from a VPS: Acme's database Secret, a shell in Acme's database, a
 *   ClusterRoleBinding to cluster-admin for that name;
 * - an MSP engineer's token taken from a HAR file attached to an Acme ticket, replayed from a VPS
 *   against Borealis' database namespace, which that engineer never touches;
 * - Acme's admin (a signed-in insider on Acme's own laptop and office) escalating out of their
 *   namespaces: a RoleBinding of `cluster-admin` in their namespace, a ClusterRoleBinding, a
 *   mutating admission webhook over every namespace, a RoleBinding in Borealis' database namespace;
 * - the patch window as cover: malware on the SRE's laptop (the SRE's token, agent and address)
 *   during the drain deletes Borealis' database PodDisruptionBudget, evicts all three database
 *   pods and deletes the primary's PersistentVolumeClaim;
 * - a token minted by the MSP's IdP for another cluster the MSP runs (`aud` that cluster's) and
 *   replayed here by someone who holds it there;
 * - an offboarded engineer (left the MSP on the warm-up day; the IdP account disabled for sign-in,
 *   the refresh token of Monday's session not revoked) reading Borealis' database Secret from home
 *   on Tuesday evening with a refreshed token.
 */

export const D39_MON = Date.UTC(2028, 1, 14, 0, 0, 0); // warm-up
export const D39_TUE = Date.UTC(2028, 1, 15, 0, 0, 0); // scored
const [H, M, S] = [3_600_000, 60_000, 1000];

export const API = 'kubernetes.tidewater.example';
/** Another cluster the MSP runs, whose audience the MSP's IdP also mints for. */
export const OTHER_AUD = 'https://aks-weu-2.tidewater.example';
export const ACME_ISS = 'https://login.acme-retail.example';
export const BOREALIS_ISS = 'https://sso.borealis-health.example/realms/staff';

export const KUBECTL = (os: string) => `kubectl/v1.33.1 (${os}) kubernetes/8adc0f0`;
export const PROMETHEUS = 'Prometheus/3.2.1';
export const TICKET_BOT = 'tidewater-ticket-bot/2.4 (go-client) kubernetes/$Format';
const SMP = { 'content-type': 'application/strategic-merge-patch+json' };
const JSON_CT = { 'content-type': 'application/json' };
const MERGE = { 'content-type': 'application/merge-patch+json' };

export const nameOf = (short: string) => `d39-${short}@tidewater.example`;
export const acmeNameOf = (short: string) => `d39-${short}@acme-retail.example`;
export const borealisNameOf = (short: string) => `d39-${short}@borealis-health.example`;

/** The customers' production namespaces on the shared cluster. */
export const NS = { acme: ['acme-shop-prod', 'acme-db-prod'], borealis: ['borealis-portal-prod', 'borealis-db-prod'] } as const;
export type Customer = keyof typeof NS;
const APP: Readonly<Record<string, string>> = { 'acme-shop-prod': 'shop', 'acme-db-prod': 'postgres', 'borealis-portal-prod': 'portal', 'borealis-db-prod': 'postgres', 'acme-shop-staging': 'shop' };

export const LEEDS = '81.145.60.2';
export const NOC = '81.145.60.9';
export const ACME_OFFICE = '212.56.97.140';
export const BOREALIS_OFFICE = '84.208.20.33';
export const POD_IP = (j: number) => `10.60.3.${10 + (j % 8)}`;
export const ATTACKER_VPS = '45.137.21.9';
export const OTHER_CLUSTER_VPS = '185.220.101.47';
export const PROMETHEUS_SA = 'system:serviceaccount:monitoring:prometheus';
export const BOT_SA = 'system:serviceaccount:msp-tools:ticket-bot';
export const NODES = ['node-a1', 'node-a2', 'node-b1', 'node-b2', 'node-c1'] as const;

/** The patch window (scored day), hours UTC. */
export const PATCH_H = 21;
/** Borealis' night break-fix (scored day, 02:20). */
export const BREAKFIX_H = 2.33;

/** An identity of a customer's IdP: its issuer, the cluster's audience. */
export const customerIdentity = (iss: string): Readonly<Record<string, string>> => ({ iss, aud: 'kubernetes' });

type Kind = 'msp' | 'lead' | 'sre' | 'noc' | 'cust-admin' | 'cust-dev';
type Where = 'office' | 'home' | 'noc' | 'customer';

interface Person extends StaffMember<Where> {
  short: string;
  kind: Kind;
  home: string;
  /** The customers' namespaces they work in. */
  ns: readonly string[];
  ua: string;
  /** A customer's IdP (absent: the MSP's). */
  iss?: string;
  office: string;
}

function staff(rand: () => number): Person[] {
  const out: Person[] = [];
  const add = (short: string, name: string, kind: Kind, ns: readonly string[], home: string, office: string, os: string, warm: [number, number, Where][], scored: [number, number, Where][], iss?: string) => {
    const kubectlOs = os === LINUX ? 'linux/amd64' : os === WIN ? 'windows/amd64' : 'darwin/arm64';
    out.push({ name, short, idx: out.length, svc: ns.join('+') || kind, kind, ns, home, office, ua: KUBECTL(kubectlOs), os, kubectlOs, kubectlVersion: 'v1.33.1', warm: jitteredSittings(rand, warm), scored: jitteredSittings(rand, scored), ...(iss ? { iss } : {}) });
  };
  const all = [...NS.acme, ...NS.borealis];
  const day: [number, number, Where][] = [[8.5, 12.5, 'office'], [13.25, 17.5, 'office']];
  const dayEvening: [number, number, Where][] = [[8.5, 12.5, 'office'], [13.25, 17, 'office'], [19.5, 21, 'home']];
  add('eng-1', nameOf('eng-1'), 'msp', all, '86.140.22.17', LEEDS, MAC, day, day);
  add('eng-2', nameOf('eng-2'), 'msp', NS.acme, '92.10.45.201', LEEDS, LINUX, day, dayEvening);
  add('eng-3', nameOf('eng-3'), 'msp', all, '31.52.118.66', LEEDS, MAC, dayEvening, day);
  // Left the MSP on Monday evening (the IdP account disabled for sign-in that night).
  add('eng-4', nameOf('eng-4'), 'msp', all, '86.7.201.44', LEEDS, MAC, day, []);
  add('lead', nameOf('lead'), 'lead', all, '86.128.9.230', LEEDS, MAC, day, day);
  add('sre', nameOf('sre'), 'sre', all, '90.217.33.4', LEEDS, LINUX, day, [[9, 12.5, 'office'], [13.25, 17, 'office'], [20.75, 22.75, 'office']]);
  // The NOC's night shift: 22:00–06:00 (Monday's into Tuesday, Tuesday's evening part).
  add('noc', nameOf('noc'), 'noc', all, '81.98.3.150', NOC, LINUX, [[0, 6, 'noc'], [22, 23.9, 'noc']], [[0, 6, 'noc'], [22, 23.9, 'noc']]);
  add('acme-admin', acmeNameOf('admin'), 'cust-admin', [...NS.acme, 'acme-shop-staging'], '176.24.80.12', ACME_OFFICE, MAC, day, day, ACME_ISS);
  add('acme-dev', acmeNameOf('dev'), 'cust-dev', ['acme-shop-prod', 'acme-shop-staging'], '82.5.190.71', '82.5.190.71', WIN, [[9, 12, 'home'], [13, 17, 'home']], [[9, 12, 'home'], [13, 17, 'home']], ACME_ISS);
  add('bor-admin', borealisNameOf('admin'), 'cust-admin', NS.borealis, '46.9.117.200', BOREALIS_OFFICE, LINUX, [[7.5, 11.5, 'customer'], [12.25, 15.5, 'customer']], [[7.5, 11.5, 'customer'], [12.25, 15.5, 'customer']], BOREALIS_ISS);
  add('bor-dev', borealisNameOf('dev'), 'cust-dev', ['borealis-portal-prod'], '46.9.50.18', BOREALIS_OFFICE, MAC, [[8, 15, 'customer']], [[8, 15, 'customer']], BOREALIS_ISS);
  return out;
}

const addressOf = (p: Person, where: Where): string => (where === 'office' || where === 'customer' ? p.office : where === 'noc' ? NOC : p.home);

type Req = { method: string; path: string; headers?: Record<string, string>; body?: string };
const pick = <T>(rand: () => number, xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)]!;

/** A ticket's work in one namespace: pods, events, a log, a restart, a Secret checked, a shell. */
function ticketTask(rand: () => number, ns: string, t: number, n: number, writes: boolean): Req[] {
  const app = APP[ns]!;
  const pod = app === 'postgres' ? `postgres-${n % 3}` : podName(app, n);
  const k = rand();
  if (k < 0.3) return [{ method: 'GET', path: `/api/v1/namespaces/${ns}/pods?limit=500` }, { method: 'GET', path: `/api/v1/namespaces/${ns}/events?limit=500` }];
  if (k < 0.55) return [{ method: 'GET', path: `/api/v1/namespaces/${ns}/pods/${pod}/log?container=${app}&tailLines=500` }];
  if (k < 0.65) return [{ method: 'GET', path: `/apis/apps/v1/namespaces/${ns}/${app === 'postgres' ? 'statefulsets' : 'deployments'}/${app}` }];
  if (k < 0.73 && writes && app !== 'postgres') return [{ method: 'PATCH', path: `/apis/apps/v1/namespaces/${ns}/deployments/${app}?fieldManager=kubectl-rollout`, headers: SMP, body: restartPatch(t) }];
  if (k < 0.82) return [{ method: 'GET', path: `/api/v1/namespaces/${ns}/secrets/${app}-credentials` }];
  if (k < 0.88 && writes) return [{ method: 'GET', path: `/api/v1/namespaces/${ns}/pods/${pod}/exec?command=sh&container=${app}&stdin=true&stdout=true&tty=true`, headers: WS_UPGRADE }];
  return [{ method: 'GET', path: `/api/v1/namespaces/${ns}/configmaps` }];
}

/** The team lead's review: RoleBindings per customer namespace, nodes. */
function leadTask(rand: () => number, p: Person): Req[] {
  return rand() < 0.6 ? [{ method: 'GET', path: `/apis/rbac.authorization.k8s.io/v1/namespaces/${pick(rand, p.ns)}/rolebindings` }] : [{ method: 'GET', path: '/api/v1/nodes' }, { method: 'GET', path: '/apis/rbac.authorization.k8s.io/v1/clusterrolebindings' }];
}

/** The NOC: watches and events across the cluster. */
function nocTask(rand: () => number, p: Person): Req[] {
  const k = rand();
  if (k < 0.4) return [{ method: 'GET', path: '/api/v1/events?limit=500' }];
  if (k < 0.7) return [{ method: 'GET', path: `/api/v1/namespaces/${pick(rand, p.ns)}/pods?limit=500` }];
  return [{ method: 'GET', path: '/api/v1/nodes?watch=true&resourceVersion=0' }];
}

/** `kubectl create rolebinding` of a ClusterRole in a namespace. */
export const roleBinding = (ns: string, name: string, role: string, user: string): string =>
  JSON.stringify({ apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'RoleBinding', metadata: { name, namespace: ns }, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: role }, subjects: [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'User', name: user }] });

/** `kubectl drain`: the node cordoned, each of its pods evicted, then (after patching) uncordoned. */
export const eviction = (ns: string, pod: string): Req => ({ method: 'POST', path: `/api/v1/namespaces/${ns}/pods/${pod}/eviction`, headers: JSON_CT, body: JSON.stringify({ apiVersion: 'policy/v1', kind: 'Eviction', metadata: { name: pod, namespace: ns } }) });
const cordon = (node: string, on: boolean): Req => ({ method: 'PATCH', path: `/api/v1/nodes/${node}`, headers: SMP, body: JSON.stringify({ spec: { unschedulable: on } }) });

function drain(node: string, j: number): Req[] {
  const pods: [string, string][] = [[NS.acme[0], podName('shop', j)], [NS.borealis[0], podName('portal', j)], ['monitoring', `node-exporter-${j}`]];
  if (j === 1) pods.push([NS.borealis[1], 'postgres-2']);
  if (j === 2) pods.push([NS.acme[1], 'postgres-1']);
  return [
    cordon(node, true),
    { method: 'GET', path: `/api/v1/pods?fieldSelector=spec.nodeName%3D${node}` },
    ...pods.filter(([ns]) => ns !== 'monitoring').map(([ns, pod]) => eviction(ns, pod)),
    { method: 'GET', path: `/api/v1/nodes/${node}` },
    cordon(node, false),
  ];
}

/** A two-factor sign-in made at `authMs` at the person's IdP. */
export const signIn = (sub: string, sid: string, authMs: number, iss?: string): Login => ({ sub, sid, authTime: Math.floor(authMs / 1000), acr: 'urn:stepgate:aal2', ...(iss ? { identity: customerIdentity(iss) } : {}) });
const saLogin = (sub: string): Login => ({ sub, sid: '', authTime: undefined, acr: 'urn:stepgate:aal1', serviceAccount: true });

/** Prometheus and the ticketing bot, both days (`actor: 'ci'`: automation's refusals are counted apart). */
function automation(events: DayEvent[], day: number, scored: boolean, rand: () => number): void {
  const prom = saLogin(PROMETHEUS_SA);
  for (let j = 0; j < 288; j++) {
    const t = day + j * 5 * M + 7 * S;
    const base = { actor: 'ci', scored, ip: POD_IP(1), ua: PROMETHEUS, login: prom, host: API };
    events.push({ ...base, at: t, method: 'GET', path: '/api/v1/endpoints?limit=500&resourceVersion=0' });
    events.push({ ...base, at: t + 2 * S, method: 'GET', path: `/api/v1/nodes/${NODES[j % NODES.length]}/proxy/metrics/cadvisor` });
  }
  const bot = saLogin(BOT_SA);
  const all = [...NS.acme, ...NS.borealis];
  for (let j = 0; j < 144; j++) {
    const t = day + j * 10 * M + 31 * S;
    const ns = pick(rand, all);
    const base = { actor: 'ci', scored, ip: POD_IP(4), ua: TICKET_BOT, login: bot, host: API };
    events.push({ ...base, at: t, method: 'GET', path: `/api/v1/namespaces/${ns}/events?limit=200` });
    events.push({ ...base, at: t + 3 * S, method: 'GET', path: `/api/v1/namespaces/${ns}/pods?limit=500` });
    if (j % 6 === 0 && APP[ns] !== 'postgres') events.push({ ...base, at: t + 6 * S, method: 'PATCH', path: `/apis/apps/v1/namespaces/${ns}/deployments/${APP[ns]}`, headers: MERGE, body: JSON.stringify({ metadata: { annotations: { 'tidewater.example/ticket': `TW-${4100 + j}` } } }) });
  }
}

/**
 * The site's edit of the example: the two customers' IdPs as issuers beside the MSP's (the test
 * issuer's keys stand in for theirs, as day 32's second IdP's do), each trusted for what the MSP
 * trusts it for: two factors at most (`issuers[].max_level: aal2`: a customer's IdP does not vouch
 * for the MSP's hardware keys), and its own customer's namespaces only (a `match.issuers` deny
 * outside them: the API server's RBAC says what the customer may do there), its names prefixed as
 * the API server's claimMappings prefix them (`issuers[].subject_prefix`, `groups_prefix`).
 */
export const SITE = (yaml: string): string => siteOf(yaml, true);

/**
 * The site's edit as day 39 first replayed it: both IdPs listed, trusted for anything (the open
 * finding's row, kept for a site that lists issuers without the keys).
 */
export const SITE_UNSCOPED = (yaml: string): string => siteOf(yaml, false);

function siteOf(yaml: string, scoped: boolean): string {
  const url = /issuer: (http:\/\/127\.0\.0\.1:\d+)/.exec(yaml)?.[1];
  const anchor = '  # Kubernetes service-account tokens';
  const rules = '\npolicy:\n';
  if (url === undefined || !yaml.includes(anchor) || !yaml.includes(rules)) throw new Error('day 39: the example no longer has its test issuer, its service-account issuer comment or its policy');
  // Scoped, each customer's names carry the prefix the API server's claimMappings give them
  // (session 47): the example's `auditors` (risk.learn.below_min_level) is the MSP's group only.
  const issuer = (iss: string, prefix: string) =>
    `  - issuer: ${iss}\n    jwks_uri: ${url}/jwks\n    fetch_timeout_ms: 20000\n    audiences: [kubernetes]\n${scoped ? `    max_level: aal2\n    subject_prefix: "${prefix}"\n    groups_prefix: "${prefix}"\n` : ''}`;
  const withIssuers = yaml.replace(anchor, `${issuer(ACME_ISS, 'acme:')}${issuer(BOREALIS_ISS, 'borealis:')}${anchor}`);
  if (!scoped) return withIssuers;
  const own = (name: string, iss: string, customer: string, ns: string) =>
    `    - name: ${name}\n      description: ${customer} identity provider vouches for ${customer} own namespaces only\n      match:\n        issuers: ["${iss}"]\n        kubernetes: { unless_namespaces: ["${ns}"] }\n      deny: true\n      message: A sign-in at ${customer} identity provider reaches ${customer} namespaces only\n`;
  // rbac-writes asks a hardware key, which max_level puts out of the customers' reach: it is held
  // to the MSP's own issuers, and the customers' admins' RBAC in their own namespaces is asked two
  // factors within 15 minutes instead (customer-rbac-writes); the guardrails' cluster-admin binding
  // stays at aal3, which no customer token reaches.
  const rbac = '    - name: rbac-writes\n      description: changing who can do what needs a hardware key within 15 min; refused when the risk is high\n      match:\n';
  if (!withIssuers.includes(rbac)) throw new Error('day 39: the example no longer has its rbac-writes rule as the site edits it');
  const scopedRbac = withIssuers.replace(rbac, `${rbac}        issuers: ["${url}", https://kubernetes.default.svc.cluster.local]\n`);
  const customerRbac = `    - name: customer-rbac-writes\n      description: a customer's admin changing RBAC in their own namespaces needs two factors within 15 min\n      match:\n        issuers: ["${ACME_ISS}", "${BOREALIS_ISS}"]\n        kubernetes:\n          api_groups: [rbac.authorization.k8s.io]\n          verbs: [create, update, patch, delete, deletecollection]\n      require: aal2\n      max_age: 900\n      by_band:\n        high: { deny: true }\n      sensitivity: 40\n`;
  const at = scopedRbac.indexOf('\n  rules:\n', scopedRbac.indexOf(rules)) + '\n  rules:\n'.length;
  return `${scopedRbac.slice(0, at)}${own('acme-own-namespaces', ACME_ISS, "Acme's", 'acme-*')}${own('borealis-own-namespaces', BOREALIS_ISS, "Borealis'", 'borealis-*')}${customerRbac}${scopedRbac.slice(at)}`;
}

export function workday39(seed = 371): DayEvent[] {
  const rand = prng(seed * 2_654_435_761 + 39);
  const people = staff(rand);
  const events: DayEvent[] = [];
  for (const [day, scored] of [[D39_MON, false], [D39_TUE, true]] as const) {
    const at = (h: number) => day + h * H;
    const logins = new Map<string, { login: Login; last: number }>();
    /** A new sign-in after a break of over an hour (laptops lock). */
    const loginOf = (p: Person, h: number, t: number): Login => {
      const cur = logins.get(p.name);
      if (cur === undefined || h - cur.last > 1) logins.set(p.name, { login: signIn(p.name, `${p.name}:${day}:${Math.round(h * 10)}`, t - 40 * S, p.iss), last: h });
      else cur.last = h;
      return logins.get(p.name)!.login;
    };
    const push = (p: Person, t: number, where: Where, login: Login, reqs: Req[], gap: number) => {
      const ip = addressOf(p, where);
      reqs.forEach((q, i) => events.push({ at: Math.round(t + i * gap), actor: p.name, scored, ip, ua: p.ua, login, method: q.method, path: q.path, host: API, ...(q.headers ? { headers: q.headers } : {}), ...(q.body !== undefined ? { body: q.body } : {}) }));
    };
    for (const p of people) {
      let n = 0;
      // A ticket: one customer namespace for 20–60 minutes.
      let ticketNs = pick(rand, p.ns);
      let ticketEnds = 0;
      for (const [from, to, where] of scored ? p.scored : p.warm) {
        let t = at(from) + M;
        while (t < at(to)) {
          const h = (t - day) / H;
          if (t >= ticketEnds) {
            ticketNs = pick(rand, p.ns);
            ticketEnds = t + (20 + rand() * 40) * M;
          }
          let reqs: Req[];
          if (p.kind === 'lead') reqs = leadTask(rand, p);
          else if (p.kind === 'noc') reqs = nocTask(rand, p);
          else if (p.kind === 'cust-admin' && rand() < 0.04 && p.iss === ACME_ISS) reqs = [{ method: 'POST', path: '/apis/rbac.authorization.k8s.io/v1/namespaces/acme-shop-staging/rolebindings', headers: JSON_CT, body: roleBinding('acme-shop-staging', `edit-${n}`, 'edit', acmeNameOf(`dev-${n}`)) }];
          else reqs = ticketTask(rand, ticketNs, t, n, p.kind !== 'cust-dev' || ticketNs.endsWith('-staging'));
          const gap = 1500 + rand() * 2500;
          push(p, t, where, loginOf(p, h, t), reqs, gap);
          n++;
          t += reqs.length * gap + 5 * M + rand() * 15 * M;
        }
      }
    }
    const by = (s: string) => people.find((p) => p.short === s)!;
    if (scored) {
      // 21:00 the patch window: the SRE drains three nodes in turn from the office (their evening's sign-in).
      const sre = by('sre');
      const login = signIn(sre.name, `${sre.name}:${day}:patch`, at(PATCH_H) - 5 * M);
      ['node-a1', 'node-b1', 'node-c1'].forEach((node, j) => push(sre, at(PATCH_H) + j * 25 * M, 'office', login, drain(node, j), 6 * S));
      // 02:20 Borealis' break-fix: their admin, woken by their own alerting, signs in from home at 02:18.
      const ba = by('bor-admin');
      const bl = signIn(ba.name, `${ba.name}:${day}:night`, at(BREAKFIX_H) - 2 * M, BOREALIS_ISS);
      push(ba, at(BREAKFIX_H), 'home', bl, [
        { method: 'GET', path: '/api/v1/namespaces/borealis-portal-prod/pods?limit=500' },
        { method: 'GET', path: `/api/v1/namespaces/borealis-portal-prod/pods/${podName('portal', 2)}/log?container=portal&tailLines=1000` },
        { method: 'GET', path: '/api/v1/namespaces/borealis-db-prod/pods/postgres-0/log?container=postgres&tailLines=500' },
        { method: 'GET', path: '/api/v1/namespaces/borealis-db-prod/secrets/postgres-credentials' },
        { method: 'GET', path: '/api/v1/namespaces/borealis-db-prod/pods/postgres-0/exec?command=psql&container=postgres&stdin=true&stdout=true&tty=true', headers: WS_UPGRADE },
        { method: 'PATCH', path: '/apis/apps/v1/namespaces/borealis-portal-prod/deployments/portal?fieldManager=kubectl-rollout', headers: SMP, body: restartPatch(at(BREAKFIX_H) + 5 * M) },
        { method: 'GET', path: '/api/v1/namespaces/borealis-portal-prod/pods?limit=500' },
      ], 40 * S);
    }
    automation(events, day, scored, rand);
  }
  events.sort((a, b) => a.at - b.at);
  return withAttacks(events, attacks39(people, events));
}

/** `actor`'s last routine request on the day before `t` (scored day unless `warm`) matching `match`. */
function before(routine: readonly DayEvent[], actor: string, t: number, match: (e: DayEvent) => boolean = () => true, scored = true): DayEvent {
  let e: DayEvent | undefined;
  for (const x of routine) if (x.actor === actor && x.scored === scored && x.at < t && match(x)) e = x;
  if (e === undefined) throw new Error(`day 39: no request of ${actor} before ${new Date(t).toISOString()}`);
  return e;
}

/** The attack rows' names, as the matrix and the targets name them. */
export const A39 = {
  crossIssuer: "Borealis' IdP compromised: tokens from that issuer whose sub and email are an MSP engineer's, at a hardware key's acr, from a VPS: Acme's database Secret, a shell in it, a ClusterRoleBinding to cluster-admin",
  har: "an MSP engineer's token from a HAR file attached to an Acme ticket, replayed from a VPS against Borealis' database namespace, which that engineer never touches",
  escalate: "Acme's admin (signed in, their own laptop and office) escalating out of their namespaces: a RoleBinding of cluster-admin, a ClusterRoleBinding, a mutating webhook over every namespace, a RoleBinding in Borealis' namespace",
  drainCover: "the patch window as cover: malware on the SRE's laptop during the drain deletes Borealis' database PodDisruptionBudget, evicts its three pods and deletes the primary's volume claim",
  audience: "a token the MSP's IdP minted for another cluster the MSP runs (its audience), replayed here",
  offboarded: "an offboarded engineer's refresh token (Monday's session, not revoked) used from home on Tuesday evening: Borealis' database Secrets",
} as const;

function attacks39(people: Person[], routine: DayEvent[]): DayEvent[] {
  const out: DayEvent[] = [];
  const { by, add, T, on } = attackKit(out, people, D39_TUE, API);
  const crb = (name: string, user: string) => JSON.stringify({ apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRoleBinding', metadata: { name }, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'cluster-admin' }, subjects: [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'User', name: user }] });

  // 1. Borealis' IdP mints eng-1's name, at aal3 (the IdP says what it likes), from a VPS; it signs in at will.
  const e1 = by('eng-1');
  add(A39.crossIssuer, T(13.4), ATTACKER_VPS, KUBECTL('linux/amd64'), { sub: e1.name, sid: 'borealis-forged', authTime: Math.floor((T(13.4) - 30 * S) / 1000), acr: 'urn:stepgate:aal3', identity: { ...customerIdentity(BOREALIS_ISS), email: e1.name } }, on([
    ['GET', '/api/v1/namespaces/acme-db-prod/pods?limit=500', false],
    ['GET', '/api/v1/namespaces/acme-db-prod/secrets/postgres-credentials', true],
    ['GET', '/api/v1/namespaces/acme-db-prod/pods/postgres-0/exec?command=sh&container=postgres&stdin=true&stdout=true&tty=true', true, WS_UPGRADE],
    ['POST', '/apis/rbac.authorization.k8s.io/v1/clusterrolebindings', true, JSON_CT, crb('tw-support', e1.name)],
  ]), 40 * S);
  for (const e of out) if (e.attack === A39.crossIssuer) e.signsIn = true;

  // 2. eng-2's token (Acme tickets only) from a HAR file, replayed against Borealis' database.
  const e2 = by('eng-2');
  const v2 = before(routine, e2.name, T(11.2));
  add(A39.har, T(11.25), ATTACKER_VPS, v2.ua, v2.login, on([
    ['GET', '/api/v1/namespaces/borealis-db-prod/pods?limit=500', false],
    ['GET', '/api/v1/namespaces/borealis-db-prod/secrets', true],
    ['GET', '/api/v1/namespaces/borealis-db-prod/secrets/postgres-credentials', true],
    ['GET', '/api/v1/namespaces/borealis-db-prod/pods/postgres-0/exec?command=sh&container=postgres&stdin=true&stdout=true&tty=true', true, WS_UPGRADE],
  ]), 45 * S);

  // 3. Acme's admin out of their namespaces: their laptop, their office, their sign-in.
  const aa = by('acme-admin');
  const v3 = before(routine, aa.name, T(15.5));
  const hook = JSON.stringify({ apiVersion: 'admissionregistration.k8s.io/v1', kind: 'MutatingWebhookConfiguration', metadata: { name: 'acme-sidecar-injector' }, webhooks: [{ name: 'inject.acme-retail.example', admissionReviewVersions: ['v1'], sideEffects: 'None', clientConfig: { url: 'https://hooks.acme-retail.example/inject' }, rules: [{ operations: ['CREATE'], apiGroups: [''], apiVersions: ['v1'], resources: ['pods'] }], namespaceSelector: {} }] });
  add(A39.escalate, T(15.5), v3.ip, v3.ua, v3.login, on([
    ['GET', '/apis/rbac.authorization.k8s.io/v1/namespaces/acme-shop-prod/rolebindings', false],
    ['POST', '/apis/rbac.authorization.k8s.io/v1/namespaces/acme-shop-prod/rolebindings', true, JSON_CT, roleBinding('acme-shop-prod', 'acme-ops-admin', 'cluster-admin', aa.name)],
    ['POST', '/apis/rbac.authorization.k8s.io/v1/clusterrolebindings', true, JSON_CT, crb('acme-ops', aa.name)],
    ['POST', '/apis/admissionregistration.k8s.io/v1/mutatingwebhookconfigurations', true, JSON_CT, hook],
    ['POST', '/apis/rbac.authorization.k8s.io/v1/namespaces/borealis-db-prod/rolebindings', true, JSON_CT, roleBinding('borealis-db-prod', 'acme-read', 'view', aa.name)],
  ]), 60 * S, aa);
  for (const e of out) if (e.attack === A39.escalate) e.signsIn = true;

  // 4. During the drain of node-b1 (21:25–21:45): the SRE's laptop, their token, agent and address.
  const sre = by('sre');
  const v4 = before(routine, sre.name, T(PATCH_H + 0.45));
  add(A39.drainCover, T(PATCH_H + 0.45), v4.ip, v4.ua, v4.login, on([
    ['GET', '/apis/policy/v1/namespaces/borealis-db-prod/poddisruptionbudgets', false],
    ['DELETE', '/apis/policy/v1/namespaces/borealis-db-prod/poddisruptionbudgets/postgres', true],
    ...[0, 1, 2].map((i): [string, string, boolean, Record<string, string>, string] => { const q = eviction('borealis-db-prod', `postgres-${i}`); return [q.method, q.path, true, q.headers!, q.body!]; }),
    ['DELETE', '/api/v1/namespaces/borealis-db-prod/persistentvolumeclaims/data-postgres-0', true],
  ]), 20 * S, sre);

  // 5. A token of the MSP's IdP for the other cluster, eng-3's, replayed here from where it was taken.
  const e3 = by('eng-3');
  add(A39.audience, T(14.1), OTHER_CLUSTER_VPS, KUBECTL('linux/amd64'), { sub: e3.name, sid: `${e3.name}:other-cluster`, authTime: Math.floor((T(14.1) - 20 * M) / 1000), acr: 'urn:stepgate:aal2', identity: { aud: OTHER_AUD } }, on([
    ['GET', '/api/v1/namespaces/acme-shop-prod/pods?limit=500', false],
    ['GET', '/api/v1/namespaces/acme-shop-prod/secrets', true],
  ]), 30 * S);

  // 6. The offboarded engineer: their Monday session's refresh token (Monday's sign-in time), from home, their own laptop.
  const gone = by('eng-4');
  const v6 = before(routine, gone.name, D39_TUE, () => true, false);
  add(A39.offboarded, T(19.5), gone.home, v6.ua, v6.login, on([
    ['GET', '/api/v1/namespaces/borealis-db-prod/pods?limit=500', false],
    ['GET', '/api/v1/namespaces/borealis-db-prod/secrets/postgres-credentials', true],
    ['GET', '/api/v1/namespaces/acme-db-prod/secrets/postgres-credentials', true],
  ]), 40 * S);
  return out;
}
