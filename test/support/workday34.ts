import { attackKit, ciDeploys, type DayEvent, jitteredSittings, type Login, MAC, podName, prng, restartPatch, type StaffMember, withAttacks, WS_UPGRADE } from './workday.js';

/**
 * A thirty-fourth replayed day, written as an outside red team and an outside observer of real
 * engineers would after reading docs/risk.md, docs/configuration.md and docs/kubectl-stepup.md,
 * from a situation days 1–33 do not have: a managed-service provider. Halyard Cloud Operations
 * (Utrecht, twelve engineers on the gateway) operates six customers' clusters through one gateway,
 * one API hostname per customer cluster (`kubernetes.<customer>.halyard.example`), and one shared
 * Headlamp (`headlamp.halyard.example/clusters/<customer>/`). The customers' namespaces collide:
 * `payments-prod` is brix's (e-commerce) and sable's (a fintech); `app-prod` is fenland's, oriel's,
 * quay's and tamar's; every cluster has `monitoring` and `ingress-nginx`. The site's edit of the
 * example (`SITE`) names the six clusters (`kubernetes.clusters`, so the working sets are kept per
 * customer, as docs/configuration.md says for several clusters behind one gateway), Headlamp's
 * host, and the contractor's hours (`outside_hours`, as the example's vendor rules). Every person
 * signs in at the MSP's IdP (the test issuer; customers' people as guest accounts). Warm-up Tuesday
 * 23 November 2027, scored Wednesday 24 November (hours UTC; Utrecht is UTC+1).
 *
 * The people:
 * - six customer leads and engineers (lead-1 … eng-8), each on one or two customers: home in the
 *   morning, the Utrecht office in the afternoon (eng-8 in Headlamp in Chrome, brix only);
 * - the on-call rotation: oncall-a held the pager on the warm-up day (all six customers) and is back
 *   on quay and sable on the scored day; oncall-b takes it at the 08:00 handover, having worked on
 *   fenland and tamar only: every other customer's cluster is new to them. At 11:00 quay's checkout
 *   is down: restarts, quay's database Secret, a psql shell. At 13:00 a broken admission webhook on
 *   quay refuses every write and only cluster-admin can remove it: oncall-b checks out the vault's
 *   break-glass account (`breakglass-quay@…`, its hardware key from the safe, an hour's checkout),
 *   deletes the webhook configuration and hands the account back at 13:40;
 * - eng-11: fenland's SCADA gateway, from a phone's tether in the morning (a site visit);
 * - the contractor (`c-rui@…`, oriel's migration), from home in Porto, OTP (aal2) only, within the
 *   contract's hours (the site's `contractor-hours` rule refuses the account outside them);
 * - sable's auditors (two, an audit firm's people with guest accounts), read-only from the audit
 *   firm's VDI (one egress address for both): RBAC, network policies, namespaces, pods;
 * - brix's and sable's own platform engineers (guest accounts, their offices in Rotterdam and
 *   Amsterdam), each on their own company's cluster only;
 * - CI: brix's deployer's service-account token.
 *
 * The attacks, each of a kind days 1–33 do not have:
 * - a customer's engineer, at their office, pivots with their own token to the other customer's
 *   cluster into the namespace of the same name as their own (`payments-prod`): brix's 30 minutes
 *   after a sign-in, sable's three hours after one (insiders: they answer a step-up; what counts
 *   is whether it is asked);
 * - an MSP lead's token (an infostealer) from a residential proxy in Utrecht against tamar, a
 *   customer the lead never touches;
 * - malware on an MSP engineer's laptop (their home network, their kubectl) reading the same-named
 *   `payments-prod` on the customer they never touch (sable), and the same through the shared
 *   Headlamp in the engineer's Chrome (`/clusters/sable/…`);
 * - the break-glass account's token, left in the on-call's kubeconfig cache, used by malware on the
 *   on-call's laptop after the account was handed back;
 * - the contractor's token (malware on the contractor's laptop) at 21:30, outside the contract's
 *   hours, and within them against quay's `app-prod` (oriel's namespace of the same name is the
 *   contractor's);
 * - the next user of the audit firm's shared VDI, in the auditor's still signed-in session, reading
 *   sable's production Secrets.
 */

export const D34_TUE = Date.UTC(2027, 10, 23, 0, 0, 0); // warm-up
export const D34_WED = Date.UTC(2027, 10, 24, 0, 0, 0); // scored
const [H, M, S] = [3_600_000, 60_000, 1000];

export const CUSTOMERS = ['brix', 'fenland', 'oriel', 'quay', 'sable', 'tamar'] as const;
export type Customer = (typeof CUSTOMERS)[number];
/** The customer's API host at the gateway. */
export const apiOf = (c: Customer): string => `kubernetes.${c}.halyard.example`;
/** The MSP's shared Headlamp, every customer's cluster under /clusters/<customer>/. */
export const HEADLAMP = 'headlamp.halyard.example';

/** Each customer's production and staging namespaces (the names collide across customers). */
export const NAMESPACES: Readonly<Record<Customer, { prod: readonly string[]; staging: readonly string[] }>> = {
  brix: { prod: ['payments-prod', 'shop-prod'], staging: ['payments-staging', 'shop-staging'] },
  fenland: { prod: ['app-prod', 'scada-gw-prod'], staging: ['app-staging'] },
  oriel: { prod: ['claims-prod', 'app-prod'], staging: ['claims-staging'] },
  quay: { prod: ['app-prod', 'db-prod'], staging: ['app-staging'] },
  sable: { prod: ['payments-prod', 'ledger-prod'], staging: ['payments-staging'] },
  tamar: { prod: ['app-prod', 'records-prod'], staging: ['app-staging'] },
};

export const KUBECTL = 'kubectl/v1.31.2 (darwin/arm64) kubernetes/5864a46';
const LINUX = 'kubectl/v1.31.2 (linux/amd64) kubernetes/5864a46';
export const CHROME = 'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36';
export const CHROME_HINTS = { 'sec-ch-ua': '"Chromium";v="131", "Google Chrome";v="131", "Not_A Brand";v="24"', 'sec-ch-ua-mobile': '?0', 'sec-ch-ua-platform': '"macOS"' };
const SMP = { 'content-type': 'application/strategic-merge-patch+json' };

/**
 * The site's edits of the example: the six clusters by host (working sets per customer), the shared
 * Headlamp's host, and the contractor's hours (as the example's vendor rules: refused outside them).
 */
const CONTRACTOR_HOURS = `    - name: contractor-hours
      description: the contractors' accounts act within their contracts' hours, Monday to Friday 08:00 to 18:00 Lisbon time
      match:
        subjects: ["c-*@halyard.example"]
        outside_hours:
          time_zone: Europe/Lisbon
          windows: [{days: [mon, tue, wed, thu, fri], from: "07:30", to: "18:30"}]
      deny: true
      message: contractors act Monday to Friday, 08:00 to 18:00 Lisbon time; outside those hours ask the on-call
`;
export const SITE = (yaml: string): string => {
  const hosts = '  hosts: [kube.localhost, kubernetes, "kubernetes.**"]\n';
  const rules = '\n  rules:\n';
  if (!yaml.includes(hosts) || yaml.split(rules).length !== 2) throw new Error('day 34: the example no longer has its kubernetes.hosts line or one policy.rules');
  const clusters = CUSTOMERS.map((c) => `    - { name: ${c}, hosts: [${apiOf(c)}] }\n`).join('');
  return yaml
    .replace(hosts, `${hosts}  clusters:\n${clusters}`)
    .replace('hosts: [headlamp.localhost]', `hosts: [headlamp.localhost, ${HEADLAMP}]`)
    .replace(rules, `${rules}${CONTRACTOR_HOURS}`);
};

const CO = 'halyard.example';
export const nameOf = (short: string) => `d34-${short}@${CO}`;
/** The vault's break-glass account for quay's cluster, and the contractor's account. */
export const BREAKGLASS = `breakglass-quay@${CO}`;
export const CONTRACTOR = `c-rui@${CO}`;
export const BRIX_ENGINEER = 'd34-ops@brix.example';
export const SABLE_ENGINEER = 'd34-ops@sable.example';
export const AUDITOR = (n: number) => `d34-auditor-${n}@sable-audit.example`;

/** A sign-in at the MSP's IdP: a hardware key (aal3) for the vault's account, two factors otherwise. */
export const signIn = (sub: string, sid: string, authMs: number, acr: Login['acr'] = 'urn:stepgate:aal2'): Login => ({ sub, sid, authTime: Math.floor(authMs / 1000), acr });

/** The Utrecht office's public addresses. */
export const OFFICE = (n: number) => `145.131.90.${10 + (n % 6)}`;
/** eng-11's phone tether on a site visit (carrier NAT). */
const TETHER = (n: number) => `188.88.${[12, 13][n % 2]}.${40 + ((n * 41) % 180)}`;
/** The audit firm's VDI: one egress address for every user. */
export const AUDIT_VDI = '20.107.44.9';
/** brix's office in Rotterdam. */
export const BRIX_OFFICE = '31.151.22.40';
/** sable's office in Amsterdam. */
export const SABLE_OFFICE = '82.94.177.12';
/** The contractor's home in Porto. */
export const PORTO = '2.81.144.67';
/** An infostealer's residential proxy exit in Utrecht. */
export const RESI_PROXY = '77.162.180.33';
const RUNNER = (j: number) => `10.44.2.${20 + (j % 4)}`;

type Kind = 'msp' | 'headlamp' | 'oncall-a' | 'oncall-b' | 'contractor' | 'auditor' | 'customer';
type Where = 'office' | 'home' | 'tether' | 'vdi' | 'brix' | 'sable' | 'porto';

interface Person extends StaffMember<Where> {
  short: string;
  kind: Kind;
  home: string;
  /** The customers they work on (the on-call's are the day's: see `customersOf`). */
  customers: readonly Customer[];
}

function staff(rand: () => number): Person[] {
  const out: Person[] = [];
  const add = (short: string, name: string, kind: Kind, customers: readonly Customer[], home: string, warm: [number, number, Where][], scored?: [number, number, Where][]) => {
    const idx = out.length;
    out.push({ name, short, idx, svc: customers.join('+'), kind, customers, os: MAC, kubectlOs: 'darwin/arm64', kubectlVersion: 'v1.31.2', home, warm: jitteredSittings(rand, warm), scored: jitteredSittings(rand, scored ?? warm) });
  };
  const day: [number, number, Where][] = [[7.5, 11.5, 'home'], [12.5, 16.5, 'office']];
  add('lead-1', nameOf('lead-1'), 'msp', ['brix', 'sable'], '84.105.33.17', day);
  add('lead-2', nameOf('lead-2'), 'msp', ['fenland', 'oriel'], '77.249.12.201', day);
  add('lead-3', nameOf('lead-3'), 'msp', ['quay', 'tamar'], '86.87.140.9', day);
  add('eng-4', nameOf('eng-4'), 'msp', ['brix', 'fenland'], '62.131.7.88', [[8, 11.5, 'office'], [12.5, 16.5, 'home']]);
  add('eng-5', nameOf('eng-5'), 'msp', ['sable', 'quay'], '94.212.60.41', day);
  add('eng-6', nameOf('eng-6'), 'msp', ['oriel', 'tamar'], '83.84.201.5', [[8, 12, 'office'], [13, 17, 'office']]);
  add('eng-7', nameOf('eng-7'), 'msp', ['brix', 'oriel'], '89.99.18.230', day);
  add('eng-8', nameOf('eng-8'), 'headlamp', ['brix'], '84.26.150.71', [[8, 12, 'home'], [13, 16.5, 'home']]);
  add('oncall-a', nameOf('oncall-a'), 'oncall-a', ['quay', 'sable'], '217.123.4.66', [[6.5, 11.5, 'home'], [12.5, 17.5, 'home']], day);
  add('oncall-b', nameOf('oncall-b'), 'oncall-b', ['fenland', 'tamar'], '80.112.90.14', day, [[7.9, 12.9, 'home'], [13, 17.5, 'home']]);
  add('eng-11', nameOf('eng-11'), 'msp', ['fenland'], '85.144.7.190', day, [[7.5, 11, 'tether'], [12.5, 16.5, 'office']]);
  add('contractor', CONTRACTOR, 'contractor', ['oriel'], PORTO, [[8, 12, 'porto'], [13, 16.5, 'porto']]);
  add('auditor-1', AUDITOR(1), 'auditor', ['sable'], AUDIT_VDI, [[9, 12, 'vdi']]);
  add('auditor-2', AUDITOR(2), 'auditor', ['sable'], AUDIT_VDI, [[9.5, 12.5, 'vdi']]);
  add('brix-ops', BRIX_ENGINEER, 'customer', ['brix'], BRIX_OFFICE, [[8, 12, 'brix'], [13, 17, 'brix']]);
  add('sable-ops', SABLE_ENGINEER, 'customer', ['sable'], SABLE_OFFICE, [[7.5, 11.5, 'sable'], [12.5, 16.5, 'sable']]);
  return out;
}

/** Who works on which customers that day: the pager's holder on all six. */
function customersOf(p: Person, scored: boolean): readonly Customer[] {
  if (p.kind === 'oncall-a' && !scored) return CUSTOMERS;
  if (p.kind === 'oncall-b' && scored) return CUSTOMERS;
  return p.customers;
}

function addressOf(p: Person, where: Where, n: number): string {
  switch (where) {
    case 'office':
      return OFFICE(p.idx + n);
    case 'tether':
      return TETHER(p.idx + n);
    case 'vdi':
      return AUDIT_VDI;
    case 'brix':
      return BRIX_OFFICE;
    case 'sable':
      return SABLE_OFFICE;
    case 'porto':
      return PORTO;
    default:
      return p.home;
  }
}

type Req = { method: string; path: string; headers?: Record<string, string>; body?: string };
const appOf = (ns: string) => `${ns.split('-')[0]}-api`;
const pick = <T>(rand: () => number, xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)]!;

/** An engineer's task on customer `c`'s cluster: production's pods and logs, staging's restarts, Secrets and shells, now and then production's Secret. */
export function mspTask(rand: () => number, c: Customer, t: number, n: number): Req[] {
  const { prod, staging } = NAMESPACES[c];
  const p = pick(rand, prod);
  const s = pick(rand, staging);
  const k = rand();
  if (k < 0.3) return [{ method: 'GET', path: `/api/v1/namespaces/${p}/pods?limit=500` }, { method: 'GET', path: `/api/v1/namespaces/${p}/events?limit=500` }];
  if (k < 0.45) return [{ method: 'GET', path: `/api/v1/namespaces/${p}/pods/${podName(appOf(p), n)}/log?container=api&tailLines=300` }];
  if (k < 0.6) return [{ method: 'PATCH', path: `/apis/apps/v1/namespaces/${s}/deployments/${appOf(s)}?fieldManager=kubectl-rollout`, headers: SMP, body: restartPatch(t) }];
  if (k < 0.72) return [{ method: 'GET', path: `/api/v1/namespaces/${s}/secrets/${appOf(s)}-db` }];
  if (k < 0.78) return [{ method: 'GET', path: `/api/v1/namespaces/${p}/secrets/${appOf(p)}-db` }];
  if (k < 0.84) return [{ method: 'GET', path: `/api/v1/namespaces/${s}/pods/${podName(appOf(s), n)}/exec?command=sh&container=api&stdin=true&stdout=true&tty=true`, headers: WS_UPGRADE }];
  if (k < 0.92) return [{ method: 'GET', path: '/api/v1/namespaces/monitoring/pods?limit=500' }];
  return [{ method: 'GET', path: '/api/v1/nodes' }];
}

/** The on-call's sweep of customer `c`'s production: pods and events, an API pod's log, the nodes. */
function oncallTask(rand: () => number, c: Customer, n: number): Req[] {
  const ns = pick(rand, NAMESPACES[c].prod);
  const k = rand();
  if (k < 0.55) return [{ method: 'GET', path: `/api/v1/namespaces/${ns}/pods?limit=500` }, { method: 'GET', path: `/api/v1/namespaces/${ns}/events?limit=500` }];
  if (k < 0.85) return [{ method: 'GET', path: `/api/v1/namespaces/${ns}/pods/${podName(appOf(ns), n)}/log?container=api&tailLines=300` }];
  return [{ method: 'GET', path: '/api/v1/nodes' }];
}

/** An auditor's read-only pass over sable's cluster: who can do what, the network policies, the namespaces, the pods. */
function auditTask(rand: () => number): Req[] {
  const k = rand();
  const ns = pick(rand, [...NAMESPACES.sable.prod, ...NAMESPACES.sable.staging]);
  if (k < 0.25) return [{ method: 'GET', path: '/apis/rbac.authorization.k8s.io/v1/clusterrolebindings?limit=500' }, { method: 'GET', path: '/apis/rbac.authorization.k8s.io/v1/rolebindings?limit=500' }];
  if (k < 0.45) return [{ method: 'GET', path: '/apis/rbac.authorization.k8s.io/v1/clusterroles?limit=500' }];
  if (k < 0.65) return [{ method: 'GET', path: '/apis/networking.k8s.io/v1/networkpolicies?limit=500' }];
  if (k < 0.8) return [{ method: 'GET', path: '/api/v1/namespaces?limit=500' }];
  return [{ method: 'GET', path: `/api/v1/namespaces/${ns}/pods?limit=500` }];
}

/** The 11:00 outage of quay's checkout, worked by the on-call: restarts, the database's Secret, a psql shell. */
function quayIncident(t: number): Req[] {
  return [
    { method: 'GET', path: '/api/v1/namespaces/app-prod/pods?limit=500' },
    { method: 'GET', path: `/api/v1/namespaces/app-prod/pods/${podName('app-api', 1)}/log?container=api&tailLines=500` },
    { method: 'GET', path: '/api/v1/namespaces/db-prod/pods?limit=500' },
    { method: 'GET', path: '/api/v1/namespaces/db-prod/secrets/postgres-app' },
    { method: 'GET', path: '/api/v1/namespaces/db-prod/pods/postgres-0/exec?command=psql&container=postgres&stdin=true&stdout=true&tty=true', headers: WS_UPGRADE },
    { method: 'PATCH', path: '/apis/apps/v1/namespaces/app-prod/deployments/app-api?fieldManager=kubectl-rollout', headers: SMP, body: restartPatch(t) },
    { method: 'GET', path: '/api/v1/namespaces/app-prod/pods?limit=500' },
  ];
}

/** The break-glass account's work on quay at 13:00: the webhook that refuses every write, removed. */
const BREAKGLASS_WORK: Req[] = [
  { method: 'GET', path: '/apis/admissionregistration.k8s.io/v1/validatingwebhookconfigurations' },
  { method: 'GET', path: '/apis/admissionregistration.k8s.io/v1/validatingwebhookconfigurations/quay-policy-webhook' },
  { method: 'DELETE', path: '/apis/admissionregistration.k8s.io/v1/validatingwebhookconfigurations/quay-policy-webhook' },
  { method: 'GET', path: '/api/v1/namespaces/app-prod/pods?limit=500' },
];
/** When the on-call checked the break-glass account out (the vault's hour), and handed it back. */
export const BREAKGLASS_FROM = D34_WED + 13 * H;
export const BREAKGLASS_TO = D34_WED + 13.67 * H;
export const BREAKGLASS_LOGIN = signIn(BREAKGLASS, 'breakglass-quay:checkout', BREAKGLASS_FROM - 60 * S, 'urn:stepgate:aal3');

export function workday34(seed = 321): DayEvent[] {
  const rand = prng(seed * 2_654_435_761 + 34);
  const people = staff(rand);
  const events: DayEvent[] = [];
  for (const [day, scored] of [[D34_TUE, false], [D34_WED, true]] as const) {
    const at = (h: number) => day + h * H;
    for (const p of people) {
      let n = 0;
      let login: Login | undefined;
      let last = -Infinity;
      const mine = customersOf(p, scored);
      let incident = false;
      for (const [from, to, where] of scored ? p.scored : p.warm) {
        let t = at(from) + M;
        while (t < at(to)) {
          const h = (t - day) / H;
          // A new sitting after a break of over two hours is a new sign-in.
          if (login === undefined || h - last > 2) login = signIn(p.name, `${p.name}:${day}:${Math.round(h * 10)}`, t - 40 * S);
          last = h;
          const ip = addressOf(p, where, n);
          let c = pick(rand, mine);
          let reqs: Req[];
          if (p.kind === 'oncall-b' && scored && !incident && h >= 11) {
            incident = true;
            c = 'quay';
            reqs = quayIncident(t);
          } else if ((p.kind === 'oncall-a' && !scored) || (p.kind === 'oncall-b' && scored)) reqs = oncallTask(rand, c, n);
          else if (p.kind === 'auditor') reqs = auditTask(rand);
          else reqs = mspTask(rand, c, t, n);
          const gap = 1500 + rand() * 2500;
          const l = login;
          reqs.forEach((q, i) => {
            const base: DayEvent = { at: Math.round(t + i * gap), actor: p.name, scored, ip, ua: KUBECTL, login: l, method: q.method, path: q.path, host: apiOf(c), ...(q.headers ? { headers: q.headers } : {}), ...(q.body !== undefined ? { body: q.body } : {}) };
            // eng-8 works in the shared Headlamp, in Chrome (reads there; a restart from kubectl).
            if (p.kind === 'headlamp' && q.method === 'GET' && q.headers === undefined) {
              events.push({ ...base, ua: CHROME, host: HEADLAMP, path: `/clusters/${c}${q.path}`, headers: CHROME_HINTS });
            } else events.push(base);
          });
          n++;
          t += 5 * M + rand() * 15 * M;
        }
      }
    }
    // The break-glass checkout on quay, from the on-call's home: the vault's account, its own hardware-key sign-in.
    if (scored) {
      const b = people.find((p) => p.kind === 'oncall-b')!;
      BREAKGLASS_WORK.forEach((q, i) => events.push({ at: BREAKGLASS_FROM + i * 3 * M, actor: BREAKGLASS, scored, ip: b.home, ua: KUBECTL, login: BREAKGLASS_LOGIN, method: q.method, path: q.path, host: apiOf('quay') }));
    }
    ciDeploys(events, { day, scored, seed, sub: 'system:serviceaccount:ci:brix-deployer', ip: RUNNER, host: apiOf('brix'), namespace: 'shop-staging', deployment: 'shop-api', image: 'registry.brix.example/shop-api', ua: LINUX });
  }
  events.sort((a, b) => a.at - b.at);
  return withAttacks(events, attacks34(people, events));
}

/** `actor`'s last routine request before `t` matching `match`. */
function before(routine: readonly DayEvent[], actor: string, t: number, match: (e: DayEvent) => boolean = () => true): DayEvent {
  let e: DayEvent | undefined;
  for (const x of routine) if (x.actor === actor && x.at < t && match(x)) e = x;
  if (e === undefined) throw new Error(`day 34: no request of ${actor} before ${new Date(t).toISOString()}`);
  return e;
}

function attacks34(people: Person[], routine: DayEvent[]): DayEvent[] {
  const out: DayEvent[] = [];
  const { by, add, T, on, to } = attackKit(out, people, D34_WED, apiOf('brix'));
  const secret = (ns: string, name: string): [string, string, boolean] => ['GET', `/api/v1/namespaces/${ns}/secrets/${name}`, true];
  const shell = (ns: string, app: string): [string, string, boolean, Record<string, string>] => ['GET', `/api/v1/namespaces/${ns}/pods/${podName(app, 3)}/exec?command=sh&container=api&stdin=true&stdout=true&tty=true`, true, WS_UPGRADE];
  const sable = apiOf('sable');

  // 1. brix's engineer pivots to sable's cluster into the namespace of the same name, 30 minutes
  // after signing in (the insider's own token, office and kubectl: they answer a step-up).
  const bx = by('brix-ops');
  const fresh = signIn(bx.name, `${bx.name}:pivot`, T(10) - 30 * M);
  const a1 = "a customer's engineer (a guest account at the MSP's IdP) pivots with their own token to another customer's cluster, into the namespace of the same name as their own, 30 minutes after signing in";
  add(a1, T(10), BRIX_OFFICE, KUBECTL, fresh, to(sable, [
    ['GET', '/api/v1/namespaces/payments-prod/pods?limit=500', false],
    secret('payments-prod', 'payments-db'),
    shell('payments-prod', 'payments-api'),
  ]), 20 * S);
  // 2. sable's engineer does the same the other way (brix's payments-prod), in the afternoon,
  // with the token of their sign-in after lunch, three hours old.
  const sx = by('sable-ops');
  const a2 = "a customer's engineer pivots with their own token to another customer's cluster, into the namespace of the same name as their own, three hours after signing in";
  const noon = signIn(sx.name, `${sx.name}:pivot-pm`, T(12.5));
  add(a2, T(15.5), SABLE_OFFICE, KUBECTL, noon, on([
    ['GET', '/api/v1/namespaces/payments-prod/pods?limit=500', false],
    secret('payments-prod', 'payments-db'),
    shell('payments-prod', 'payments-api'),
  ]), 20 * S);
  for (const e of out) if (e.attack === a1 || e.attack === a2) e.signsIn = true;

  // 3. An MSP lead's token (an infostealer) from a residential proxy in Utrecht, against tamar.
  const l1 = by('lead-1');
  const a3 = "an MSP lead's token (an infostealer) from a residential proxy in the MSP's city, against a customer the lead never touches";
  const v3 = before(routine, l1.name, T(14), (e) => e.scored);
  add(a3, T(14), RESI_PROXY, KUBECTL, v3.login, to(apiOf('tamar'), [
    ['GET', '/api/v1/namespaces/records-prod/pods?limit=500', false],
    secret('records-prod', 'records-db'),
    shell('records-prod', 'records-api'),
  ]), 20 * S, l1);

  // 4. Malware on eng-4's laptop (home, kubectl): sable's payments-prod, eng-4 works in brix's.
  const e4 = by('eng-4');
  const a4 = "malware on an MSP engineer's laptop (their home network, their kubectl) reads the namespace of the same name as one they work in, on a customer they never touch";
  const v4 = before(routine, e4.name, T(15), (e) => e.scored);
  add(a4, T(15), e4.home, KUBECTL, v4.login, to(sable, [
    ['GET', '/api/v1/namespaces/payments-prod/pods?limit=500', false],
    secret('payments-prod', 'payments-db'),
    shell('payments-prod', 'payments-api'),
  ]), 20 * S, e4);

  // 5. The same through the shared Headlamp in eng-8's Chrome (malware driving the browser).
  const e8 = by('eng-8');
  const a5 = "malware drives an MSP engineer's Chrome (the shared Headlamp, their home network) to the namespace of the same name on a customer they never touch (/clusters/<other customer>/)";
  const v5 = before(routine, e8.name, T(15), (e) => e.scored && e.host === HEADLAMP);
  add(a5, T(15), e8.home, CHROME, v5.login, [
    ['GET', '/clusters/sable/api/v1/namespaces/payments-prod/pods?limit=500', false, CHROME_HINTS, undefined, HEADLAMP],
    ['GET', '/clusters/sable/api/v1/namespaces/payments-prod/secrets/payments-db', true, CHROME_HINTS, undefined, HEADLAMP],
  ], 20 * S, e8);

  // 6. The break-glass account's token, left in the on-call's kubeconfig cache, after the checkout.
  const ob = by('oncall-b');
  const a6 = "the vault's break-glass account's token, left in the on-call's kubeconfig cache, used by malware on the on-call's laptop after the account was handed back";
  add(a6, T(16), ob.home, KUBECTL, BREAKGLASS_LOGIN, to(apiOf('quay'), [
    ['GET', '/api/v1/namespaces/db-prod/pods?limit=500', false],
    secret('db-prod', 'postgres-app'),
    ['POST', '/apis/rbac.authorization.k8s.io/v1/clusterrolebindings', true, { 'content-type': 'application/json' }, JSON.stringify({ apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRoleBinding', metadata: { name: 'quay-support' }, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'cluster-admin' }, subjects: [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'User', name: 'support@quay-helpdesk.example' }] })],
  ]), 20 * S);

  // 7. The contractor's token (malware on their laptop, their home) outside the contract's hours,
  // and within them against quay's app-prod (oriel's app-prod is the contractor's).
  const ctr = by('contractor');
  const a7 = "the contractor's token (malware on the contractor's laptop, their home network) at night, outside the contract's hours";
  const v7 = before(routine, ctr.name, T(16.5), (e) => e.scored);
  add(a7, T(21.5), PORTO, KUBECTL, v7.login, to(apiOf('oriel'), [
    ['GET', '/api/v1/namespaces/claims-prod/pods?limit=500', false],
    secret('claims-prod', 'claims-db'),
  ]), 20 * S);
  const a7b = "the contractor's token (malware on the contractor's laptop, their home network) within the contract's hours, against another customer's namespace of the same name as the contractor's (app-prod)";
  const v7b = before(routine, ctr.name, T(15.2), (e) => e.scored);
  add(a7b, T(15.2), PORTO, KUBECTL, v7b.login, to(apiOf('quay'), [
    ['GET', '/api/v1/namespaces/app-prod/pods?limit=500', false],
    secret('app-prod', 'app-db'),
    shell('app-prod', 'app-api'),
  ]), 20 * S, ctr);

  // 8. The audit firm's shared VDI: the next user in the auditor's signed-in session reads Secrets.
  const au = by('auditor-1');
  const a8 = "the next user of the audit firm's shared VDI, in a customer auditor's still signed-in session, reads that customer's production Secrets";
  const v8 = before(routine, au.name, T(12.3), (e) => e.scored);
  add(a8, T(12.3), AUDIT_VDI, KUBECTL, v8.login, to(sable, [
    ['GET', '/api/v1/namespaces/ledger-prod/pods?limit=500', false],
    ['GET', '/api/v1/namespaces/ledger-prod/secrets', true],
    secret('ledger-prod', 'ledger-signing-key'),
  ]), 20 * S, au);
  return out;
}
