import { describe, expect, it } from 'vitest';
import { reasonOf, riskContextOf as contextOf } from '../support/grpc-client.js';
import { exampleServiceForFile } from '../support/workday-service.js';
import { type FindingOpts, findingRequests, rules, signIn, type Step } from '../support/findings.js';
import { podName, type Login } from '../support/workday.js';
import { API, BASTION, drBinding, DR_API, EXPORT_BUCKET, EXPORT_CRONJOB, exportJob, exportPatch, HOME, KUBECTL, OFFICE, OUTSIDE_BUCKET, restore, SITE, VDI } from '../support/workday44.js';

/**
 * What the forty-fourth replayed day (test/support/workday44.ts, docs/risk.md "Day 44") found,
 * through the real gRPC server running the site's copy of the example (`SITE`: production and the
 * DR standby in kubernetes.clusters, the PACS vendor's contract hours, the FHIR export's bucket in
 * guardrails.upload_hosts) on a virtual clock: a
 * hospital group's clinical platform, a quarterly DR test on the standby, developers and nurses on
 * one VDI pool's address, an HL7 cut-over at night from home, a vendor through the bastion, the
 * break-glass account used while the IdP's federation is degraded. Each test is one person's
 * routine, then the finding. The open one is `it.fails`, with a one-line why.
 */

const [TUE, WED] = [9, 10].map((d) => Date.UTC(2027, 2, d, 8, 0, 0)) as [number, number];
const [H, M] = [3_600_000, 60_000];
const LINUX_KUBECTL = KUBECTL('linux/amd64');
const WIN_KUBECTL = KUBECTL('windows/amd64');
const SMP = 'application/strategic-merge-patch+json';
const MERGE = 'application/merge-patch+json';
const JOBS = '/apis/batch/v1/namespaces/fhir/jobs';
const CRB = '/apis/rbac.authorization.k8s.io/v1/clusterrolebindings';

/** A hardware-key sign-in at `at`. */
const key = (sub: string, at: number): Login => ({ sub, sid: `${sub}:${at}`, authTime: Math.floor(at / 1000), acr: 'urn:stepgate:aal3' });

/** The FHIR integration engineer: the server's pods and logs, the export CronJob, the morning's run by hand. */
const fhirRoutine = (stamp: string): Step[] => [
  ['GET', '/api/v1/namespaces/fhir/pods?limit=500'],
  ['GET', `/api/v1/namespaces/fhir/pods/${podName('hapi-fhir', 1)}/log?tailLines=500`],
  ['GET', EXPORT_CRONJOB],
  ['POST', JOBS, exportJob(`fhir-bulk-export-manual-${stamp}`, EXPORT_BUCKET), 'application/json'],
  ['GET', `${JOBS}/fhir-bulk-export-manual-${stamp}`],
];
/** The HL7 integration engineer by day: Mirth Connect's pods, logs and events. */
const mirthRoutine: Step[] = [
  ['GET', '/api/v1/namespaces/integration/pods?limit=500'],
  ['GET', `/api/v1/namespaces/integration/pods/${podName('mirth-connect', 1)}/log?tailLines=500`],
  ['GET', '/api/v1/namespaces/integration/events?limit=500'],
];
/** The PACS vendor's ticket: the viewer's pods, logs, its ConfigMap. */
const vendorRoutine: Step[] = [
  ['GET', '/api/v1/namespaces/pacs-viewer/pods?limit=500'],
  ['GET', `/api/v1/namespaces/pacs-viewer/pods/${podName('viewer', 1)}/log?container=viewer&tailLines=500`],
  ['GET', '/api/v1/namespaces/pacs-viewer/configmaps/viewer-config'],
];
/** A platform engineer on production: nodes, the platform's pods, a clinical namespace. */
const platRoutine: Step[] = [
  ['GET', '/api/v1/nodes'],
  ['GET', '/api/v1/namespaces/platform/pods?limit=500'],
  ['GET', '/api/v1/namespaces/clin-orders/pods?limit=500'],
];

describe("a hospital's clinical platform: a DR standby, one VDI address, a night's HL7 cut-over, a vendor through the bastion, break-glass", () => {
  const s = exampleServiceForFile({ edit: SITE });
  const { send, routine } = findingRequests(s, { host: API, source: OFFICE, ua: LINUX_KUBECTL, firstDay: TUE, secondDay: WED });
  /** The person's two mornings: a sign-in, then `reqs`; the second morning's login. */
  async function twoMornings(sub: string, reqs: Step[], o: FindingOpts, sign: (s: string, at: number) => Login = signIn, mornings: [Step[], Step[]] = [reqs, reqs]): Promise<Login> {
    await routine(sign(sub, TUE - 40_000), TUE, mornings[0], o);
    const login = sign(sub, WED - 40_000);
    await routine(login, WED, mornings[1], o);
    return login;
  }

  // Stopped at request 1, refused (every seed both ways): the break-glass account's password and OTP
  // seed, seen the day before, replayed from the VDI pool: a two-factor sign-in where the account
  // only ever used the vault's hardware key (assurance_downgrade), and break-glass-accounts asks aal3.
  it("the break-glass account's password and OTP replayed the day after is refused", async () => {
    const sub = 'breakglass-clin-f@stmarys-health.example';
    await routine(key(sub, TUE + 2 * H - 40_000), TUE + 2 * H, [['GET', '/api/v1/namespaces/identity/pods?limit=500'], ['GET', '/api/v1/events?limit=500&fieldSelector=type%3DWarning']], {});
    const res = await send(signIn(sub, WED + 9.3 * H - 60_000), WED + 9.33 * H, 'GET', '/api/v1/namespaces/clin-orders/secrets?limit=500', { source: VDI, ua: WIN_KUBECTL });
    expect(reasonOf(res), rules(res)).toBe('acr_insufficient');
    expect(contextOf(res)).toBe('assurance_downgrade');
  });

  // Stopped at request 2 (every seed both ways): in the middle of the DR test, with the platform
  // engineer's fresh key on the standby, a cluster-admin ClusterRoleBinding for a service account
  // named as the DR tooling's: rbac_cluster_admin_binding asks a key within minutes, which malware
  // on the laptop cannot produce.
  it('a cluster-admin binding on the standby during the DR test asks a fresh hardware key', async () => {
    const sub = 'd44f-plat-1@stmarys-health.example';
    await twoMornings(sub, platRoutine, {}, key);
    const dr = { host: DR_API };
    const first = await send(key(sub, WED - 40_000), WED + 5 * H, 'POST', '/apis/velero.io/v1/namespaces/velero/restores', { ...dr, body: restore('dr-test-f'), contentType: 'application/json' });
    expect(reasonOf(first), rules(first)).toBe('auth_too_old');
    const answered = key(sub, WED + 5 * H + 20_000);
    expect(reasonOf(await send(answered, WED + 5 * H + 30_000, 'POST', '/apis/velero.io/v1/namespaces/velero/restores', { ...dr, body: restore('dr-test-f'), contentType: 'application/json' }))).toBe('allowed');
    const res = await send(answered, WED + 5.9 * H, 'POST', CRB, { ...dr, body: drBinding, contentType: 'application/json' });
    expect(reasonOf(res), rules(res)).not.toBe('allowed');
    expect(rules(res)).toContain('rbac_cluster_admin_binding');
  });

  // Stopped at request 2 (every seed both ways): the export CronJob's target changed to a
  // look-alike bucket from the integration engineer's laptop: scheduled_job_changed asks a sign-in
  // made for it, and since session 49 data_upload_outside (the exporter's `--out` to a bucket not in
  // the site's upload_hosts, a critical guardrail) asks a level the engineer's two factors are not.
  it("the FHIR export CronJob's target changed is asked", async () => {
    const sub = 'd44f-int-2@stmarys-health.example';
    const login = await twoMornings(sub, [], {}, signIn, [fhirRoutine('t'), fhirRoutine('w')]);
    const res = await send(login, WED + 8.08 * H, 'PATCH', EXPORT_CRONJOB, { body: exportPatch(OUTSIDE_BUCKET), contentType: SMP });
    expect(reasonOf(res), rules(res)).toBe('acr_insufficient');
    expect(rules(res)).toContain('guardrail:scheduled_job_changed');
    expect(rules(res)).toContain('guardrail:data_upload_outside');
  });

  // Closed in session 49: the same malware runs the export by hand to the look-alike bucket, in
  // int-2's own morning shape (`kubectl create job --from=cronjob/…`, which the engineer runs every
  // morning to the export's own bucket). The destination is the exporter's `--out` argument: since
  // session 49 data_upload_outside reads a program's output flags (`--out s3://…`) against
  // guardrails.upload_hosts, where the site lists the export's bucket. The morning's own run asks
  // nothing (routine() above asserts it is allowed).
  it("the export run by hand to an outside bucket, as the engineer's own morning run, is asked", async () => {
    const sub = 'd44f-int-2b@stmarys-health.example';
    const login = await twoMornings(sub, [], {}, signIn, [fhirRoutine('t'), fhirRoutine('w')]);
    const res = await send(login, WED + 3.17 * H, 'POST', JOBS, { body: exportJob('fhir-bulk-export-manual-x7', OUTSIDE_BUCKET), contentType: 'application/json' });
    expect(reasonOf(res), rules(res)).not.toBe('allowed');
    expect(reasonOf(res), rules(res)).toBe('acr_insufficient');
    expect(rules(res)).toContain('guardrail:data_upload_outside');
  });

  // Stopped at request 2 with the warm-up day (every seed; not without it, a newcomer's allowance:
  // NOT_STOPPED_WITHOUT_HISTORY): the vendor's session on the bastion reused after the ticket
  // closed, within the contract's hours: the viewer's database Secret is the vendor's first Secret
  // read. Past the contract's hours the site's pacs-vendor-support-hours refuses outright.
  it("the vendor's bastion session reused after the ticket is asked at its first Secret, refused after hours", async () => {
    const sub = 'd44f-tse@pacs-vendor.example';
    const o = { source: BASTION };
    const login = await twoMornings(sub, vendorRoutine, o);
    expect(reasonOf(await send(login, WED + 5 * H, 'GET', '/api/v1/namespaces/pacs-viewer/pods?limit=500', o))).toBe('allowed');
    const res = await send(login, WED + 5 * H + 30_000, 'GET', '/api/v1/namespaces/pacs-viewer/secrets/viewer-db', o);
    expect(reasonOf(res), rules(res)).toBe('auth_too_old');
    expect(contextOf(res)).toBe('unfamiliar_kind');
    const late = await send(signIn(sub, WED + 10.7 * H), WED + 10.75 * H, 'GET', '/api/v1/namespaces/pacs-viewer/pods?limit=500', o);
    expect(reasonOf(late), rules(late)).toBe('policy_deny');
    expect(rules(late)).toContain('pacs-vendor-support-hours');
  });

  // Routine friction (every seed with the warm-up day): the integration engineer's night cut-over
  // from home: the home network asks at 21:06, and the MLLP TLS Secret 12 minutes after that
  // sign-in asks again (unfamiliar_kind wants a sign-in made after the first Secret read, no grace).
  it("the night's cut-over from home asks twice within a quarter of an hour", async () => {
    const sub = 'd44f-int-1@stmarys-health.example';
    await twoMornings(sub, mirthRoutine, {});
    const home = { source: HOME['int-1']! };
    const night = WED + 13.1 * H;
    const first = await send(signIn(sub, WED - 40_000), night, 'GET', '/api/v1/namespaces/integration/pods?limit=500', home);
    expect(reasonOf(first), rules(first)).toBe('auth_too_old');
    expect(contextOf(first)).toBe('new_network');
    const login = signIn(sub, night + 20_000);
    expect(reasonOf(await send(login, night + 30_000, 'GET', '/api/v1/namespaces/integration/configmaps/mirth-channels', home))).toBe('allowed');
    const secret = await send(login, night + 12 * M, 'GET', '/api/v1/namespaces/integration/secrets/hl7-mllp-tls', home);
    expect(reasonOf(secret), rules(secret)).toBe('auth_too_old');
    expect(contextOf(secret)).toBe('unfamiliar_kind');
    const again = signIn(sub, night + 12 * M + 20_000);
    expect(reasonOf(await send(again, night + 12 * M + 30_000, 'GET', '/api/v1/namespaces/integration/secrets/hl7-mllp-tls', home))).toBe('allowed');
    expect(reasonOf(await send(again, night + 20 * M, 'PATCH', '/api/v1/namespaces/integration/configmaps/mirth-channels', { ...home, body: JSON.stringify({ data: { 'lab-results-inbound.xml': '<channel/>' } }), contentType: MERGE }))).toBe('allowed');
  });
});
