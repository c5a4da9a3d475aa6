import { attackKit, type AttackRequest, type DayEvent, lastScoredOf, LINUX, type Login, MAC, PLATFORM_HINT, prng, WIN, withAttacks, WS_UPGRADE } from './workday.js';

/**
 * A nineteenth replayed day, written as an outside red team and an outside observer of real
 * engineers would after reading docs/risk.md, from situations days 1–18 do not have: a healthcare
 * software company of about 25 people (Edinburgh, HIPAA-covered US customers) that went
 * passwordless in 2026. Every morning sign-in is a passkey (synced through iCloud Keychain or
 * Google Password Manager) or a YubiKey, so every token carries the example's aal3 from the first
 * request, in the forms the example accepts and real identity providers send (`acr` =
 * `urn:stepgate:aal3` as an IdP configured for it sets it, `acr: "3"` as Keycloak's level-of-
 * authentication mapping sets it, or `amr: ["hwk","mfa"]` as Okta sets it for a security key).
 * The vendor's support engineer is an Entra ID B2B guest: Entra puts `acr: "1"` and
 * `amr: ["fido","mfa"]` in a passkey sign-in's token, which the example's levels read as aal2.
 * Warm-up Monday 14 September 2026, scored Tuesday 15 September (hours UTC; Edinburgh is UTC+1).
 * The example as shipped, plus (`SITE`, since session 49) the vendor's access package's hours.
 *
 * Routine, as the tools send it:
 * - clinical-app developers (portal, scheduling, ehr-sync, billing): kubectl through kubelogin
 *   (its token cache refreshes the ID token hourly with a long refresh token: auth_time stays the
 *   morning's passkey sign-in), Headlamp in Chrome, `kubectl apply` to staging, the odd Secret and
 *   production log;
 * - the data team on the PHI namespaces (`phi-warehouse`, `phi-etl`): CronJobs and Jobs, their
 *   logs, `psql` through `kubectl exec` into the warehouse's database pod, ConfigMaps;
 * - SREs, one of them on call this week (paged at 03:10 UTC on the scored day, from home);
 * - a security engineer doing the quarterly access review: every (Cluster)RoleBinding, the
 *   ServiceAccounts, `kubectl auth can-i --list` and SubjectAccessReviews for named users;
 * - the EHR vendor's support engineer, whose access package ends at 16:00 UTC each day;
 * - a developer back from parental leave (no history on the warm-up day);
 * - a developer whose laptop IT replaces at 13:00: a new MacBook, the same synced passkey, a
 *   fresh kubectl from Homebrew and a newer Chrome;
 * - a break-glass account during the 14:00 outage: its YubiKey from the safe, used by an SRE.
 *
 * The attacks, for a world where phishing proxies fail (public tradecraft: infostealers taking
 * token caches and cookies, device-code phishing, illicit consent grants, synced-passkey account
 * takeover, insiders): an infostealer's kubelogin cache (refresh token) and Chrome cookies used
 * hours later from a residential proxy in the victim's city; device-code phishing answered with
 * the victim's own passkey for the attacker's kubelogin; an illicit-consent app's token for the
 * Kubernetes API's audience; a synced passkey used from the attacker's own Mac after the victim's
 * personal Apple account was taken over (a real aal3 sign-in); a data-team insider exporting PHI
 * (`kubectl cp` out of the database pod, Secrets, ConfigMaps); the vendor after their window.
 */

export const D19_MON = Date.UTC(2026, 8, 14, 0, 0, 0); // warm-up
export const D19_TUE = Date.UTC(2026, 8, 15, 0, 0, 0); // scored
const H = 3_600_000;
const M = 60_000;
const S = 1000;

export const API = 'kubernetes.caredock.example';
export const HEADLAMP = 'headlamp.localhost';
export const EDI_OFFICE = '81.187.44.20';
/** The vendor's office egress (a US MSP-style support desk). */
export const VENDOR_NET = '198.51.100.140';
/** A residential proxy exit in Edinburgh on the victim's own ISP (another customer's line). */
export const RESI_PROXY = '86.150.73.211';

export const KUBECTL = (os: string, v = 'v1.33.4', commit = '74cdb42') => `kubectl/${v} (${os}) kubernetes/${commit}`;
export const CHROME = (os: string, major = 140) => `Mozilla/5.0 (${os}) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/${major}.0.0.0 Safari/537.36`;
const CH_UA = (major = 140) => `"Chromium";v="${major}", "Not=A?Brand";v="24", "Google Chrome";v="${major}"`;
export const JSON_CT = { 'content-type': 'application/json' };
export const SMP = { 'content-type': 'application/strategic-merge-patch+json' };
const EXEC_WS = WS_UPGRADE;

/** How each person's identity provider puts a passkey or security-key sign-in in the token. */
type Form = 'urn' | 'loa3' | 'okta-hwk' | 'entra';
const CLAIMS: Record<Form, Login['claims'] | undefined> = {
  urn: undefined,
  loa3: { acr: '3', amr: ['hwk', 'user'] },
  'okta-hwk': { acr: 'urn:okta:loa:2fa:any', amr: ['hwk', 'mfa'] },
  entra: { acr: '1', amr: ['fido', 'mfa'] },
};

type Where = 'office' | 'home' | 'vendor';
type Kind = 'dev' | 'data' | 'sre' | 'sec' | 'vendor' | 'breakglass';
type Sitting = [number, number, Where];

interface Person {
  name: string;
  short: string;
  idx: number;
  kind: Kind;
  team: string;
  os: string;
  kubectlOs: string;
  form: Form;
  warm: Sitting[];
  scored: Sitting[];
  lunch: number;
  onCall?: boolean;
}

export const TEAMS = ['portal', 'scheduling', 'ehr-sync', 'billing'];
const SVC: Record<string, string> = { portal: 'patient-portal', scheduling: 'scheduling-api', 'ehr-sync': 'ehr-sync-worker', billing: 'claims-api' };

function staff(rand: () => number): Person[] {
  const out: Person[] = [];
  const forms: Form[] = ['urn', 'loa3', 'okta-hwk'];
  const add = (short: string, kind: Kind, team: string, warm: Sitting[], scored: Sitting[], os: string, o: { form?: Form; onCall?: boolean; domain?: string } = {}) => {
    const j = () => (rand() - 0.5) * 0.4;
    out.push({
      name: `d19-${short}@${o.domain ?? 'caredock.example'}`,
      short,
      idx: out.length,
      kind,
      team,
      os,
      kubectlOs: os === MAC ? 'darwin/arm64' : os === WIN ? 'windows/amd64' : 'linux/amd64',
      form: o.form ?? forms[out.length % 3]!,
      warm: warm.map(([a, b, w]) => [a + j(), b + j(), w]),
      scored: scored.map(([a, b, w]) => [a + j(), b + j(), w]),
      lunch: 12 + rand() * 0.6,
      ...(o.onCall ? { onCall: true } : {}),
    });
  };
  // Nine clinical-app developers; dev-9 is back from parental leave on the scored day.
  for (let i = 0; i < 9; i++) {
    const where: Where = i % 3 === 0 ? 'home' : 'office';
    const day: Sitting[] = [[8 + (i % 4) * 0.3, 16.8 + (i % 4) * 0.3, where]];
    add(`dev-${i + 1}`, 'dev', TEAMS[i % 4]!, i === 8 ? [] : day, day, i % 4 === 3 ? LINUX : MAC);
  }
  for (let i = 0; i < 4; i++) add(`data-${i + 1}`, 'data', 'data', [[8.3 + i * 0.2, 17, i % 2 ? 'home' : 'office']], [[8.3 + i * 0.2, 17, i % 2 ? 'home' : 'office']], MAC);
  add('sre-1', 'sre', 'sre', [[8, 17, 'home']], [[3.15, 3.9, 'home'], [9.5, 17.5, 'home']], LINUX, { onCall: true });
  add('sre-2', 'sre', 'sre', [[8, 16.5, 'office']], [[8, 16.5, 'office']], MAC);
  add('sre-3', 'sre', 'sre', [[8.5, 17, 'office']], [[8.5, 17, 'office']], MAC);
  add('sec-1', 'sec', 'security', [[9, 17, 'office']], [[9, 17, 'office']], MAC);
  // The vendor's access package: 13:00–16:00 UTC, an Entra ID B2B guest.
  add('vendor-1', 'vendor', 'ehr-sync', [[13.1, 15.9, 'vendor']], [[13.1, 15.9, 'vendor']], WIN, { form: 'entra', domain: 'ehrvendor.example' });
  return out;
}

function addressOf(p: Person, where: Where): string {
  switch (where) {
    case 'office':
      return EDI_OFFICE;
    case 'home':
      return p.idx % 2 ? `86.${140 + (p.idx % 8)}.${30 + p.idx}.${50 + p.idx}` : `92.${20 + (p.idx % 10)}.${110 + p.idx}.${9 + p.idx}`;
    case 'vendor':
      return VENDOR_NET;
  }
}

type Req = { method: string; path: string; host?: string; headers?: Record<string, string>; body?: string; browser?: boolean };

const podOf = (team: string, rand: () => number) => `${SVC[team]}-5c8f7d${['9q2lx', 'b7k4m', 'x3p8n'][Math.floor(rand() * 3)]}`;

function headlamp(ns: string, team: string, rand: () => number): Req[] {
  const pod = podOf(team, rand);
  return [
    { method: 'GET', host: HEADLAMP, path: `/clusters/main/api/v1/namespaces/${ns}/pods`, browser: true },
    { method: 'GET', host: HEADLAMP, path: `/clusters/main/apis/apps/v1/namespaces/${ns}/deployments`, browser: true },
    { method: 'GET', host: HEADLAMP, path: `/clusters/main/api/v1/namespaces/${ns}/pods/${pod}/log?container=${SVC[team]}&tailLines=100&timestamps=true&follow=true`, browser: true },
  ];
}

function devTask(rand: () => number, p: Person): Req[] {
  const k = rand();
  const t = p.team;
  const svc = SVC[t]!;
  const pod = podOf(t, rand);
  if (k < 0.22) return [{ method: 'GET', path: `/api/v1/namespaces/team-${t}/pods?limit=500` }, { method: 'GET', path: `/api/v1/namespaces/team-${t}/pods/${pod}/log?container=${svc}&tailLines=100` }];
  if (k < 0.36) return [{ method: 'GET', path: `/api/v1/namespaces/staging-${t}/pods/${pod}` }, { method: 'GET', path: `/api/v1/namespaces/staging-${t}/events?fieldSelector=involvedObject.name%3D${pod}` }];
  if (k < 0.46) {
    const image = `registry.caredock.example/${svc}:2.${10 + Math.floor(rand() * 9)}.${Math.floor(rand() * 9)}`;
    return [
      { method: 'GET', path: `/apis/apps/v1/namespaces/staging-${t}/deployments/${svc}` },
      { method: 'PATCH', path: `/apis/apps/v1/namespaces/staging-${t}/deployments/${svc}?fieldManager=kubectl-set`, headers: SMP, body: JSON.stringify({ spec: { template: { spec: { containers: [{ name: svc, image }] } } } }) },
      { method: 'GET', path: `/apis/apps/v1/namespaces/staging-${t}/deployments/${svc}` },
    ];
  }
  if (k < 0.52) return [{ method: 'GET', path: `/api/v1/namespaces/staging-${t}/secrets/${svc}-env` }];
  if (k < 0.62) return [{ method: 'GET', path: `/api/v1/namespaces/prod-${t}/pods?limit=500` }, { method: 'GET', path: `/api/v1/namespaces/prod-${t}/pods/${pod}/log?container=${svc}&tailLines=200` }];
  if (k < 0.66) return [{ method: 'GET', path: `/api/v1/namespaces/staging-${t}/pods/${pod}/exec?command=sh&command=-c&command=env&container=${svc}&stdin=false&stdout=true&stderr=true`, headers: EXEC_WS }];
  return headlamp(rand() < 0.5 ? `team-${t}` : `prod-${t}`, t, rand);
}

const PHI = ['phi-warehouse', 'phi-etl'];

function dataTask(rand: () => number): Req[] {
  const k = rand();
  const ns = PHI[Math.floor(rand() * 2)]!;
  const job = `nightly-extract-${29_300_000 + Math.floor(rand() * 999)}`;
  if (k < 0.3) return [{ method: 'GET', path: `/apis/batch/v1/namespaces/${ns}/cronjobs` }, { method: 'GET', path: `/apis/batch/v1/namespaces/${ns}/jobs?limit=500` }];
  if (k < 0.55) return [{ method: 'GET', path: `/api/v1/namespaces/${ns}/pods?labelSelector=job-name%3D${job}` }, { method: 'GET', path: `/api/v1/namespaces/${ns}/pods/${job}-4hx2q/log?container=extract&tailLines=500` }];
  // A query in the warehouse: `kubectl exec -it postgres-0 -- psql -U analyst warehouse`.
  if (k < 0.7) return [{ method: 'GET', path: '/api/v1/namespaces/phi-warehouse/pods/postgres-0' }, { method: 'GET', path: '/api/v1/namespaces/phi-warehouse/pods/postgres-0/exec?command=psql&command=-U&command=analyst&command=warehouse&container=postgres&stdin=true&stdout=true&tty=true', headers: EXEC_WS }];
  if (k < 0.8) return [{ method: 'GET', path: `/api/v1/namespaces/${ns}/configmaps/etl-settings` }];
  // `kubectl create job --from=cronjob/nightly-extract` to rerun a failed night.
  if (k < 0.86) return [{ method: 'POST', path: '/apis/batch/v1/namespaces/phi-etl/jobs?fieldManager=kubectl-create', headers: JSON_CT, body: JSON.stringify({ apiVersion: 'batch/v1', kind: 'Job', metadata: { name: `nightly-extract-manual-${Math.floor(rand() * 900 + 100)}`, namespace: 'phi-etl', annotations: { 'cronjob.kubernetes.io/instantiate': 'manual' } }, spec: { template: { spec: { restartPolicy: 'Never', containers: [{ name: 'extract', image: 'registry.caredock.example/etl/extract:4.2.1', envFrom: [{ secretRef: { name: 'warehouse-credentials' } }] }] } } } }) }];
  return [{ method: 'GET', path: `/api/v1/namespaces/${ns}/events?limit=500` }];
}

function sreTask(rand: () => number): Req[] {
  const k = rand();
  const t = TEAMS[Math.floor(rand() * 4)]!;
  const ns = `prod-${t}`;
  const svc = SVC[t]!;
  const pod = podOf(t, rand);
  if (k < 0.3) return [{ method: 'GET', path: `/api/v1/namespaces/${ns}/pods?limit=500` }, { method: 'GET', path: `/api/v1/namespaces/${ns}/events?limit=500` }];
  if (k < 0.45) return [{ method: 'GET', path: `/api/v1/namespaces/${ns}/pods/${pod}/log?container=${svc}&tailLines=500` }];
  if (k < 0.52) return [{ method: 'DELETE', path: `/api/v1/namespaces/${ns}/pods/${pod}` }];
  if (k < 0.57) return [{ method: 'PATCH', path: `/apis/apps/v1/namespaces/${ns}/deployments/${svc}?fieldManager=kubectl-rollout`, headers: SMP, body: JSON.stringify({ spec: { template: { metadata: { annotations: { 'kubectl.kubernetes.io/restartedAt': '2026-09-15T10:00:00Z' } } } } }) }];
  if (k < 0.62) return [{ method: 'GET', path: `/api/v1/namespaces/${ns}/pods/${pod}/exec?command=sh&container=${svc}&stdin=true&stdout=true&stderr=true&tty=true`, headers: EXEC_WS }];
  if (k < 0.68) return [{ method: 'GET', path: `/api/v1/namespaces/${ns}/secrets/${svc}-env` }];
  if (k < 0.8) return [{ method: 'GET', path: '/api/v1/nodes?limit=500' }, { method: 'GET', path: '/apis/metrics.k8s.io/v1beta1/nodes' }];
  return headlamp(ns, t, rand);
}

/** The night page at 03:10: the portal's pods crash-looping after a certificate expired. */
function incident(rand: () => number): Req[] {
  const pod = podOf('portal', rand);
  const k = rand();
  if (k < 0.35) return [{ method: 'GET', path: '/api/v1/namespaces/prod-portal/pods?limit=500' }, { method: 'GET', path: `/api/v1/namespaces/prod-portal/pods/${pod}/log?container=patient-portal&previous=true&tailLines=200` }];
  if (k < 0.55) return [{ method: 'GET', path: '/apis/cert-manager.io/v1/namespaces/prod-portal/certificates' }, { method: 'GET', path: '/api/v1/namespaces/prod-portal/secrets/portal-tls' }];
  if (k < 0.75) return [{ method: 'DELETE', path: `/api/v1/namespaces/prod-portal/pods/${pod}` }];
  return [{ method: 'PATCH', path: '/apis/apps/v1/namespaces/prod-portal/deployments/patient-portal?fieldManager=kubectl-rollout', headers: SMP, body: JSON.stringify({ spec: { template: { metadata: { annotations: { 'kubectl.kubernetes.io/restartedAt': '2026-09-15T03:30:00Z' } } } } }) }];
}

/** The access review: every binding, the ServiceAccounts, `kubectl auth can-i --list --as`, `kubectl who-can`. */
function secTask(rand: () => number): Req[] {
  const k = rand();
  const ns = [...TEAMS.map((t) => `prod-${t}`), ...PHI][Math.floor(rand() * 6)]!;
  if (k < 0.3) return [{ method: 'GET', path: '/apis/rbac.authorization.k8s.io/v1/clusterrolebindings?limit=500' }, { method: 'GET', path: '/apis/rbac.authorization.k8s.io/v1/rolebindings?limit=500' }, { method: 'GET', path: '/apis/rbac.authorization.k8s.io/v1/clusterroles?limit=500' }];
  if (k < 0.5) return [{ method: 'GET', path: `/api/v1/namespaces/${ns}/serviceaccounts?limit=500` }, { method: 'GET', path: `/apis/rbac.authorization.k8s.io/v1/namespaces/${ns}/roles?limit=500` }];
  if (k < 0.75) {
    const user = `d19-dev-${1 + Math.floor(rand() * 8)}@caredock.example`;
    return [{ method: 'POST', path: '/apis/authorization.k8s.io/v1/subjectaccessreviews', headers: JSON_CT, body: JSON.stringify({ kind: 'SubjectAccessReview', apiVersion: 'authorization.k8s.io/v1', spec: { resourceAttributes: { namespace: ns, verb: 'get', resource: 'secrets' }, user } }) }];
  }
  return [{ method: 'POST', path: '/apis/authorization.k8s.io/v1/selfsubjectrulesreviews', headers: JSON_CT, body: JSON.stringify({ kind: 'SelfSubjectRulesReview', apiVersion: 'authorization.k8s.io/v1', spec: { namespace: ns } }) }];
}

/** The vendor's support desk on the integration: its pods, logs and a restart, from Windows. */
function vendorTask(rand: () => number): Req[] {
  const pod = podOf('ehr-sync', rand);
  const k = rand();
  if (k < 0.5) return [{ method: 'GET', path: '/api/v1/namespaces/prod-ehr-sync/pods?limit=500' }, { method: 'GET', path: `/api/v1/namespaces/prod-ehr-sync/pods/${pod}/log?container=ehr-sync-worker&tailLines=500` }];
  if (k < 0.8) return [{ method: 'GET', path: '/api/v1/namespaces/prod-ehr-sync/events?limit=500' }, { method: 'GET', path: '/api/v1/namespaces/prod-ehr-sync/configmaps/hl7-endpoints' }];
  return [{ method: 'DELETE', path: `/api/v1/namespaces/prod-ehr-sync/pods/${pod}` }];
}

/**
 * The site's copy of the example (session 49): the EHR vendor's access package, 13:00–16:00 UTC on
 * weekdays, written as the example's vendor-support-hours is (an `outside_hours` rule that refuses
 * the vendor's accounts, half an hour either side of the package's hours). The package's end is in
 * Entra ID, not in the token, and a kubelogin cache keeps refreshing past it; a daily window is
 * hours, not `access_windows[]` (one span, from an instant to another). Nothing else is changed.
 */
export function SITE(yaml: string): string {
  const rules = '\n  rules:\n';
  if (yaml.split(rules).length !== 2) throw new Error('day 19: the example no longer has one policy.rules');
  return yaml.replace(rules, `${rules}${VENDOR_HOURS}`);
}

const VENDOR_HOURS = `    - name: ehr-vendor-access-package
      description: the EHR vendor's support accounts act within their access package's hours, Monday to Friday 13:00 to 16:00 UTC
      match:
        subjects: ["*@ehrvendor.example"]
        outside_hours:
          time_zone: UTC
          windows: [{days: [mon, tue, wed, thu, fri], from: "12:30", to: "16:30"}]
      deny: true
      message: the EHR vendor's support accounts act Monday to Friday, 13:00 to 16:00 UTC; outside those hours ask the service desk
`;

export function workday19(seed = 171): DayEvent[] {
  const rand = prng(seed * 2_654_435_761 + 19);
  const people = staff(rand);
  const events: DayEvent[] = [];
  for (const day of [D19_MON, D19_TUE]) {
    const scored = day === D19_TUE;
    const at = (h: number) => day + h * H;
    for (const p of people) {
      const sittings = scored ? p.scored : p.warm;
      const mine: DayEvent[] = [];
      let login: Login | undefined;
      let last = -Infinity;
      // IT hands dev-3 a new MacBook at 13:00 on the scored day: the synced passkey signs in on it
      // (a new session), Homebrew's newest kubectl and a newer Chrome.
      const replaced = scored && p.short === 'dev-3';
      for (const [from, to, where] of sittings) {
        if (login === undefined || from - last > 2) login = { sub: p.name, sid: `${p.name}:${day}:${Math.round(from * 10)}`, authTime: Math.floor((at(from) - 30 * S) / 1000), acr: 'urn:stepgate:aal3', ...(CLAIMS[p.form] ? { claims: CLAIMS[p.form]! } : {}) };
        last = to;
        const morning = login;
        const newLaptop: Login = { ...morning, sid: `${p.name}:${day}:newmac`, authTime: Math.floor((at(13) + 2 * M) / 1000) };
        const push = (t: number, q: Req) => {
          const h = (t - day) / H;
          const swapped = replaced && h >= 13;
          const browser = q.browser === true;
          const chrome = swapped ? 141 : 140;
          const ua = browser ? CHROME(p.os, chrome) : swapped ? KUBECTL('darwin/arm64', 'v1.34.1', 'c6e3f5a') : KUBECTL(p.kubectlOs, p.kind === 'vendor' ? 'v1.31.9' : 'v1.33.4');
          const hints = browser ? { 'sec-ch-ua': CH_UA(chrome), 'sec-ch-ua-mobile': '?0', 'sec-ch-ua-platform': PLATFORM_HINT[p.os]! } : undefined;
          const headers = hints || q.headers ? { ...hints, ...q.headers } : undefined;
          mine.push({ at: Math.round(t), actor: p.name, scored, ip: addressOf(p, where), ua, login: swapped ? newLaptop : morning, method: q.method, path: q.path, host: q.host ?? API, ...(headers ? { headers } : {}), ...(q.body !== undefined ? { body: q.body } : {}) });
        };
        let t = at(from);
        while (t < at(to)) {
          const h = (t - day) / H;
          if (h >= p.lunch && h < p.lunch + 0.75 && from < p.lunch && to > p.lunch + 0.75) {
            t = at(p.lunch + 0.75) + S;
            continue;
          }
          if (replaced && h >= 12.9 && h < 13.05) {
            t = at(13.05);
            continue;
          }
          const night = p.onCall === true && scored && h < 4;
          const reqs = night ? incident(rand) : p.kind === 'dev' ? devTask(rand, p) : p.kind === 'data' ? dataTask(rand) : p.kind === 'sre' ? sreTask(rand) : p.kind === 'sec' ? secTask(rand) : vendorTask(rand);
          const gap = 1500 + rand() * 3000;
          reqs.forEach((q, k) => push(t + k * gap, q));
          t += night ? 1.5 * M + rand() * 2 * M : 5 * M + rand() * 12 * M;
        }
      }
      if (scored && p.kind === 'sec') {
        // The access review's own changes, each a rule that asks a hardware key within 15 minutes
        // of a token whose passkey sign-in is hours old: dev-9's access restored at 10:10 (their
        // team's edit role again), a departed contractor's binding removed at 15:30.
        const l = mine.find((e) => e.at >= at(10))!.login;
        const rb = { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'RoleBinding', metadata: { name: 'dev-9-edit', namespace: 'team-portal' }, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'edit' }, subjects: [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'User', name: 'd19-dev-9@caredock.example' }] };
        const base = { actor: p.name, scored, ip: EDI_OFFICE, ua: KUBECTL(p.kubectlOs), login: l, host: API };
        mine.push({ ...base, at: at(10.17), method: 'POST', path: '/apis/rbac.authorization.k8s.io/v1/namespaces/team-portal/rolebindings?fieldManager=kubectl-create', headers: JSON_CT, body: JSON.stringify(rb) });
        mine.push({ ...base, at: at(15.5), method: 'DELETE', path: '/apis/rbac.authorization.k8s.io/v1/namespaces/prod-billing/rolebindings/contractor-ayo-view' });
      }
      mine.sort((a, b) => a.at - b.at);
      events.push(...mine);
    }
    // The 14:00 outage on the scored day (the EHR integration's queue wedged): the break-glass
    // account's YubiKey comes out of the safe; sre-2 signs in with it at the office and restarts
    // the integration's workers and the portal, then it goes back at 14:35.
    if (scored) {
      const bg: Login = { sub: 'd19-breakglass@caredock.example', sid: `breakglass:${day}`, authTime: Math.floor((at(14.05) - 20 * S) / 1000), acr: 'urn:stepgate:aal3' };
      const steps: [string, string, Record<string, string>?, string?][] = [
        ['GET', '/api/v1/namespaces/prod-ehr-sync/pods?limit=500'],
        ['GET', '/api/v1/namespaces/prod-ehr-sync/pods/ehr-sync-worker-5c8f7d9q2lx/log?container=ehr-sync-worker&tailLines=500'],
        ['GET', '/api/v1/namespaces/prod-ehr-sync/secrets/hl7-mllp-credentials'],
        ['PATCH', '/apis/apps/v1/namespaces/prod-ehr-sync/deployments/ehr-sync-worker?fieldManager=kubectl-rollout', SMP, JSON.stringify({ spec: { template: { metadata: { annotations: { 'kubectl.kubernetes.io/restartedAt': '2026-09-15T14:09:12Z' } } } } })],
        ['PATCH', '/apis/apps/v1/namespaces/prod-ehr-sync/deployments/ehr-sync-worker/scale?fieldManager=kubectl-scale', MERGE_CT, JSON.stringify({ spec: { replicas: 6 } })],
        ['GET', '/api/v1/namespaces/prod-ehr-sync/pods/ehr-sync-worker-5c8f7db7k4m/exec?command=sh&container=ehr-sync-worker&stdin=true&stdout=true&stderr=true&tty=true', EXEC_WS],
        ['DELETE', '/api/v1/namespaces/prod-portal/pods/patient-portal-5c8f7dx3p8n'],
        ['GET', '/api/v1/namespaces/prod-portal/pods?limit=500'],
      ];
      steps.forEach(([method, path, headers, body], k) => events.push({ at: at(14.05) + k * 75 * S, actor: bg.sub, scored, ip: EDI_OFFICE, ua: KUBECTL('darwin/arm64'), login: bg, method, path, host: API, ...(headers ? { headers } : {}), ...(body !== undefined ? { body } : {}) }));
    }
    // CI: a self-hosted runner's ServiceAccount deploys to staging every 30 minutes.
    const ci: Login = { sub: 'system:serviceaccount:ci:deployer', sid: '', authTime: undefined, acr: 'urn:stepgate:aal1', serviceAccount: true };
    for (let j = 0; j < 18; j++) {
      const t = day + 8 * H + j * 30 * M;
      const team = TEAMS[j % 4]!;
      const svc = SVC[team]!;
      const ip = `10.40.${j % 8}.${(j * 13 + (scored ? 3 : 0)) % 250 + 2}`;
      events.push({ at: t, actor: 'ci', scored, ip, ua: KUBECTL('linux/amd64'), login: ci, method: 'PATCH', path: `/apis/apps/v1/namespaces/staging-${team}/deployments/${svc}?fieldManager=kubectl-set`, host: API, headers: SMP, body: JSON.stringify({ spec: { template: { spec: { containers: [{ name: svc, image: `registry.caredock.example/${svc}:2.${20 + j}.0` }] } } } }) });
    }
  }
  events.sort((a, b) => a.at - b.at);
  return withAttacks(events, attacks19(people, events));
}

const MERGE_CT = { 'content-type': 'application/merge-patch+json' };

/** `kubectl cp phi-warehouse/postgres-0:/var/lib/postgresql/export ./export`: kubectl runs `tar cf - …` in the container. */
export const cpOut = (ns: string, pod: string, dir: string, container: string) =>
  `/api/v1/namespaces/${ns}/pods/${pod}/exec?command=tar&command=cf&command=-&command=-C&command=${encodeURIComponent(dir)}&command=.&container=${container}&stderr=true&stdout=true`;

function attacks19(people: Person[], routine: DayEvent[]): DayEvent[] {
  const out: DayEvent[] = [];
  const { by, add, T, on } = attackKit(out, people, D19_TUE, API);
  const kubectlOf = (x: DayEvent) => x.ua.startsWith('kubectl/') && x.host === API;

  // 1. An infostealer (a fake Zoom update) on dev-2's Mac took kubelogin's cache at 09:40: the
  // refresh token keeps minting ID tokens with the morning's passkey sign-in in them. Five hours
  // later, from a residential proxy on the victim's ISP in Edinburgh, with the victim's kubectl.
  const dev2 = by('dev-2');
  const k2 = lastScoredOf(routine, dev2.name, T(14.5), kubectlOf);
  add("an infostealer's copy of the kubelogin cache (refresh token), 5 h later from a residential proxy in the victim's city", T(14.5), RESI_PROXY, k2.ua, k2.login, on([
    ['GET', `/api/v1/namespaces/team-${dev2.team}/pods?limit=500`, false],
    ['GET', `/api/v1/namespaces/prod-${dev2.team}/secrets/${SVC[dev2.team]}-env`, true],
    ['GET', `/api/v1/namespaces/prod-${dev2.team}/secrets`, true],
    ['GET', '/api/v1/namespaces/phi-warehouse/secrets/warehouse-credentials', true],
  ]), 9 * S, dev2);

  // 2. The same infostealer's Chrome cookies: dev-2's Headlamp session, the same proxy, a copy of
  // the victim's Chrome (user agent and client hints).
  const hl = lastScoredOf(routine, dev2.name, T(15), (x) => x.host === HEADLAMP);
  add("an infostealer's Chrome cookies: the Headlamp session from a residential proxy (a copy of the victim's Chrome)", T(15), RESI_PROXY, hl.ua, hl.login, [
    ['GET', `/clusters/main/api/v1/namespaces/prod-${dev2.team}/pods`, false, hl.headers, undefined, HEADLAMP],
    ['GET', `/clusters/main/api/v1/namespaces/prod-${dev2.team}/secrets`, true, hl.headers, undefined, HEADLAMP],
    ['GET', '/clusters/main/api/v1/namespaces/phi-etl/secrets/warehouse-credentials', true, hl.headers, undefined, HEADLAMP],
  ], 6 * S, dev2);

  // 3. Device-code phishing: a Teams message "verify your device for the HIPAA attestation" with a
  // code the attacker's kubelogin (--grant-type=device-code) started; data-2 enters it and
  // approves with their own passkey. The attacker's tokens carry a fresh, real aal3 sign-in of a
  // session of their own, used from a VPS with kubectl on Linux.
  const d2 = by('data-2');
  const phishedAt = T(10.6);
  const phished: Login = { sub: d2.name, sid: `${d2.name}:devicecode`, authTime: Math.floor(phishedAt / 1000), acr: 'urn:stepgate:aal3', ...(CLAIMS[d2.form] ? { claims: CLAIMS[d2.form]! } : {}) };
  add('device-code phishing approved with the victim\'s passkey: the attacker\'s kubelogin from a VPS', phishedAt + 50 * S, '45.86.201.77', KUBECTL('linux/amd64', 'v1.33.2', '5e4ae6e'), phished, on([
    ['GET', '/api/v1/namespaces/phi-warehouse/pods?limit=500', false],
    ['GET', '/api/v1/namespaces/phi-warehouse/secrets/warehouse-credentials', true],
    ['GET', cpOut('phi-warehouse', 'postgres-0', '/var/lib/postgresql/export', 'postgres'), true, EXEC_WS],
  ]), 7 * S);

  // 4. An illicit-consent app ("Caredock Rota Sync") dev-6 consented to: it asks the identity
  // provider for the Kubernetes API's scope with the refresh token it holds, and gets a token for
  // the API's audience issued to its own client (azp), with the victim's session and sign-in.
  const dev6 = by('dev-6');
  const k6 = lastScoredOf(routine, dev6.name, T(11.2), kubectlOf);
  const consent: Login = { ...k6.login, claims: { ...k6.login.claims, azp: 'c0ffee42-rota-sync-app' } };
  add("an illicit-consent app's token for the API's audience (its own client id), from a cloud host", T(11.2), '20.84.17.205', 'python-httpx/0.28.1', consent, on([
    ['GET', `/api/v1/namespaces/prod-${dev6.team}/pods`, false],
    ['GET', `/api/v1/namespaces/prod-${dev6.team}/secrets`, true],
    ['GET', `/api/v1/namespaces/prod-${dev6.team}/secrets/${SVC[dev6.team]}-env`, true],
  ]), 4 * S);

  // 5. sre-3's personal Apple account taken over (SIM swap and account recovery): the iCloud
  // Keychain passkey syncs to the attacker's Mac, which signs in for real (aal3, a new session) at
  // 19:40 from a home line in Lagos and answers whatever is asked with the same passkey.
  const sre3 = by('sre-3');
  const tookOver: Login = { sub: sre3.name, sid: `${sre3.name}:synced`, authTime: Math.floor((T(19.66) - 30 * S) / 1000), acr: 'urn:stepgate:aal3', ...(CLAIMS[sre3.form] ? { claims: CLAIMS[sre3.form]! } : {}) };
  const before = out.length;
  add("a synced passkey from the victim's taken-over Apple account: a real aal3 sign-in on the attacker's Mac, abroad, at night", T(19.66), '102.89.34.116', KUBECTL('darwin/arm64', 'v1.34.1', 'c6e3f5a'), tookOver, on([
    ['GET', '/api/v1/namespaces/prod-portal/pods?limit=500', false],
    ['GET', '/api/v1/namespaces/prod-portal/secrets/patient-portal-env', true],
    ['GET', '/api/v1/namespaces/phi-warehouse/secrets/warehouse-credentials', true],
    ['POST', '/api/v1/namespaces/kube-system/serviceaccounts/generic-garbage-collector/token', true, JSON_CT, JSON.stringify({ kind: 'TokenRequest', apiVersion: 'authentication.k8s.io/v1', spec: { audiences: ['https://kubernetes.default.svc.cluster.local'], expirationSeconds: 31_536_000 } })],
  ]), 20 * S);
  for (let k = before; k < out.length; k++) out[k]!.signsIn = true;

  // 6. An insider on the data team (data-3, resigning to a competitor) exports PHI on their own
  // laptop and network, in working hours: the ETL's Secrets and ConfigMaps, then `kubectl cp` of
  // the warehouse's export directory and the ETL's staging volume, signing in whenever asked.
  const d3 = by('data-3');
  const k3 = lastScoredOf(routine, d3.name, T(15.2), kubectlOf);
  const start = out.length;
  add('a data-team insider exports PHI: Secrets, ConfigMaps, `kubectl cp` out of the warehouse database pod', T(15.2), k3.ip, k3.ua, k3.login, on([
    ['GET', '/api/v1/namespaces/phi-etl/configmaps', false],
    ['GET', '/api/v1/namespaces/phi-etl/secrets', true],
    ['GET', '/api/v1/namespaces/phi-warehouse/secrets/warehouse-credentials', true],
    ['GET', cpOut('phi-warehouse', 'postgres-0', '/var/lib/postgresql/export', 'postgres'), true, EXEC_WS],
    ['GET', cpOut('phi-warehouse', 'postgres-1', '/var/lib/postgresql/export', 'postgres'), true, EXEC_WS],
    ['GET', cpOut('phi-etl', 'nightly-extract-29300417-4hx2q', '/staging', 'extract'), true, EXEC_WS],
  ]), 40 * S);
  for (let k = start; k < out.length; k++) out[k]!.signsIn = true;

  // 7. The vendor after their window: the access package ended at 16:00, but kubelogin's cache on
  // the support desk's PC still refreshes; at 16:40 someone at the desk reads the integration's
  // Secrets, which the vendor's role never needed.
  const v = by('vendor-1');
  const kv = lastScoredOf(routine, v.name, T(16.66), kubectlOf);
  add("the vendor's kubelogin cache 40 minutes after their access package ended (the support desk's PC)", T(16.66), kv.ip, kv.ua, kv.login, on([
    ['GET', '/api/v1/namespaces/prod-ehr-sync/pods?limit=500', false],
    ['GET', '/api/v1/namespaces/prod-ehr-sync/secrets/hl7-mllp-credentials', true],
    ['GET', '/api/v1/namespaces/prod-ehr-sync/secrets', true],
  ]), 10 * S, v);

  // 8. The returning parent's old laptop, wiped badly and sold by IT's recycler: its kubelogin
  // cache (refresh token from before the leave, re-used for the first time today) from the buyer's
  // home in Glasgow.
  const dev9 = by('dev-9');
  const stale: Login = { sub: dev9.name, sid: `${dev9.name}:before-leave`, authTime: Math.floor((D19_TUE - 80 * 24 * H + 9 * H) / 1000), acr: 'urn:stepgate:aal3', ...(CLAIMS[dev9.form] ? { claims: CLAIMS[dev9.form]! } : {}) };
  add("a recycled laptop's kubelogin cache from before the owner's parental leave, used by its buyer", T(18.3), '90.214.66.12', KUBECTL('darwin/arm64', 'v1.31.2', 'a4fe1c8'), stale, on([
    ['GET', '/api/v1/namespaces/team-portal/pods?limit=500', false],
    ['GET', '/api/v1/namespaces/prod-portal/secrets/patient-portal-env', true],
  ]), 15 * S);
  return out;
}
