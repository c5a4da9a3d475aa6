import { describe, expect, it } from 'vitest';
import { reasonOf, riskContextOf as contextOf } from '../support/grpc-client.js';
import { exampleServiceForFile } from '../support/workday-service.js';
import { type FindingOpts, findingRequests, rules, signIn, type Step } from '../support/findings.js';
import type { Login } from '../support/workday.js';
import { RUNBOOK_ENV, RUNBOOK_SITE } from '../support/workday35.js';
import { API, attackerKey, DEPLOYMENT, FEDORA_KUBECTL, HOME, KUBECTL, lookAlikeSigner, MIRROR, PIPELINERUNS, PREVIEWS_NS, PROWJOBS, RELEASE, releaseRun, RESI_TORONTO, RUNNER_IP, SIGN_TASK, SIGNING_KEY, SITE, TASK, taskImage, VENUE, VPS } from '../support/workday46.js';

/**
 * What the forty-sixth replayed day (test/support/workday46.ts, docs/risk.md "Day 46") found,
 * through the real gRPC server running the site's copy of the example (`SITE`: people's writes in
 * the release and mirror namespaces within the hour, the Tekton Dashboard's host, the foundation's
 * registries) on a virtual clock: an open-source foundation's community infrastructure run by
 * volunteers on personal devices, three of them at the foundation's summit. Each test is one
 * person's routine, then the finding. The open ones are `it.fails`, with a one-line why.
 */

const [MON, TUE] = [15, 16].map((d) => Date.UTC(2027, 10, d, 8, 0, 0)) as [number, number];
const [H, M] = [3_600_000, 60_000];
const LINUX_KUBECTL = KUBECTL('linux/amd64');
const MAC_KUBECTL = KUBECTL('darwin/arm64');
const MERGE = 'application/merge-patch+json';
const SMP = 'application/strategic-merge-patch+json';
const SECRET = (ns: string, name: string) => `/api/v1/namespaces/${ns}/secrets/${name}`;

/** A hardware-key sign-in at `at`. */
const key = (sub: string, at: number): Login => ({ sub, sid: `${sub}:${at}`, authTime: Math.floor(at / 1000), acr: 'urn:stepgate:aal3' });
const sa = (sub: string): Login => ({ sub, sid: '', authTime: undefined, acr: 'urn:stepgate:aal1', serviceAccount: true });

/** A CI maintainer's sitting: ProwJobs, a job pod's log, CI PipelineRuns, a CI Task's image bumped. */
const ciWork: Step[] = [
  ['GET', `${PROWJOBS}?limit=500`],
  ['GET', '/api/v1/namespaces/test-pods/pods/5f3a9c21-4c1e-11f0-9d2a-001ef7/log?container=test'],
  ['GET', `${PIPELINERUNS('tekton-ci')}?limit=100`],
  ['PATCH', TASK('tekton-ci', 'go-test'), taskImage('run', 'ghcr.io/openlattice/ci-runner:1.24.0'), MERGE],
];
/** An infra lead's sitting: nodes, Prow's pods and a log, pending ProwJobs. */
const leadWork: Step[] = [
  ['GET', '/api/v1/nodes'],
  ['GET', '/api/v1/namespaces/prow/pods?limit=500'],
  ['GET', '/api/v1/namespaces/prow/pods/deck-6x1dq/log?tailLines=500'],
  ['GET', `${PROWJOBS}?labelSelector=prow.k8s.io%2Fstate%3Dpending&limit=500`],
];
/** A release manager's sitting: the release's runs and a build's log. */
const rmWork: Step[] = [
  ['GET', `${PIPELINERUNS(RELEASE)}?limit=50`],
  ['GET', `/api/v1/namespaces/${RELEASE}/pods/release-build-1q3fz/log?container=step-build`],
];
/** The release bot: the nightly PipelineRun, read back. */
const nightly = (name: string): Step[] => [
  ['POST', PIPELINERUNS(RELEASE), releaseRun(name, 'refs/heads/main')],
  ['GET', `${PIPELINERUNS(RELEASE)}/${name}`],
];

describe("an open-source foundation's community infrastructure: volunteers on personal devices, a summit's Wi-Fi, a signing release pipeline", () => {
  const s = exampleServiceForFile({ edit: SITE });
  const { send, routine } = findingRequests(s, { host: API, source: HOME['ci-1']!, ua: LINUX_KUBECTL, firstDay: MON, secondDay: TUE });
  /** The person's two days: a sign-in, then `reqs`; the second day's login. */
  async function twoDays(sub: string, reqs: Step[], o: FindingOpts, sign: (s: string, at: number) => Login = signIn, at: [number, number] = [MON, TUE]): Promise<Login> {
    await routine(sign(sub, at[0] - 40_000), at[0], reqs, o);
    const login = sign(sub, at[1] - 40_000);
    await routine(login, at[1], reqs, o);
    return login;
  }

  // Open (every seed both ways): malware on the CI maintainer's laptop acts six minutes after the
  // morning's two-factor sign-in, from the laptop, with its kubectl: the site's registry list asks
  // two factors within 15 minutes and its release rule within the hour, and that sign-in meets both.
  it.fails("malware on a CI maintainer's laptop, minutes after their sign-in, repoints the release-signing Task's image", async () => {
    const sub = 'd46f-ci-1@openlattice.example';
    const o = { source: HOME['ci-1']!, ua: FEDORA_KUBECTL };
    const login = await twoDays(sub, ciWork, o);
    const res = await send(login, TUE + 6 * M, 'PATCH', TASK(RELEASE, SIGN_TASK), { ...o, body: lookAlikeSigner, contentType: MERGE });
    expect(reasonOf(res), rules(res)).not.toBe('allowed');
  });

  // Open (the same row, its next request): the signing key Secret replaced in a namespace the
  // maintainer never worked in; the fresh sign-in's grace covers a first namespace, and the Secret
  // rule's two factors within 8 hours are met.
  it.fails("the same malware replaces the signing key Secret under the fresh sign-in", async () => {
    const sub = 'd46f-ci-1b@openlattice.example';
    const o = { source: HOME['ci-1']!, ua: FEDORA_KUBECTL };
    const login = await twoDays(sub, ciWork, o);
    const res = await send(login, TUE + 7 * M, 'PATCH', SECRET(RELEASE, SIGNING_KEY), { ...o, body: attackerKey, contentType: MERGE });
    expect(reasonOf(res), rules(res)).not.toBe('allowed');
  });

  // Held: the registry list is what asks, so the same write from malware that does not wait for a
  // sign-in (two hours after it) is asked two factors after it (image_registry_not_allowed).
  it('the look-alike signing image two hours after the sign-in is asked (the site registry list)', async () => {
    const sub = 'd46f-ci-1c@openlattice.example';
    const o = { source: HOME['ci-1']!, ua: FEDORA_KUBECTL };
    const login = await twoDays(sub, ciWork, o);
    const res = await send(login, TUE + 2 * H, 'PATCH', TASK(RELEASE, SIGN_TASK), { ...o, body: lookAlikeSigner, contentType: MERGE });
    expect(reasonOf(res), rules(res)).toBe('auth_too_old');
    expect(rules(res)).toContain('image_registry_not_allowed');
  });

  // Open (every seed both ways) on the site's copy as it is: an account idle for months (past
  // risk.proven_ttl_seconds' 180 days) and revived through its e-mail's recovery signs in with two
  // factors from a VPS: a subject stepgate holds nothing for is a newcomer, whose fresh sign-in
  // answers the mirror's image write. Closed where the site turns `risk.dormant` on (below).
  it.fails('an abandoned maintainer account, revived with a fresh sign-in from a VPS, replaces the mirror image', async () => {
    const sub = 'd46f-old-1@openlattice.example';
    const login = signIn(sub, TUE - 3 * M);
    const o = { source: VPS, ua: LINUX_KUBECTL };
    expect(reasonOf(await send(login, TUE, 'GET', `/api/v1/namespaces/${MIRROR}/pods?limit=500`, o))).toBe('allowed');
    const res = await send(login, TUE + 80_000, 'PATCH', DEPLOYMENT(MIRROR, 'mirror-web'), { ...o, body: JSON.stringify({ spec: { template: { spec: { containers: [{ name: 'web', image: 'ghcr.io/openlattice/mirror-web:2.4.1-r1' }] } } } }), contentType: SMP });
    expect(reasonOf(res), rules(res)).not.toBe('allowed');
  });

  // Held (every seed; request 1): the lead's token off the projector, used from the same venue
  // Wi-Fi with the User-Agent the projector showed: the lead's first Secret read is unfamiliar_kind's
  // (a sign-in made after the read), which the photograph cannot give.
  it("the lead's token from the projector, on the venue's Wi-Fi with the lead's User-Agent, is asked at the Secrets", async () => {
    const sub = 'd46f-lead-ber@openlattice.example';
    await routine(key(sub, MON - 40_000), MON, leadWork, { source: HOME['lead-ber']! });
    // The venue is a network never proven for the lead: asked once (the day's routine price), signed in there.
    const morning = key(sub, TUE - 40_000);
    expect(contextOf(await send(morning, TUE + H, 'GET', '/api/v1/nodes', { source: VENUE }))).toBe('new_network');
    const login = key(sub, TUE + H + 30_000);
    await routine(login, TUE + H + 30_000, leadWork, { source: VENUE });
    const res = await send(login, TUE + 2.8 * H, 'GET', `/api/v1/namespaces/${RELEASE}/secrets?limit=500`, { source: VENUE });
    expect(reasonOf(res), rules(res)).toBe('auth_too_old');
    expect(contextOf(res)).toBe('unfamiliar_kind');
  });

  // Held (every seed; request 1): the release manager's session captured by a phishing proxy and
  // replayed from a residential proxy on their own ISP in their own city: another /24 of a /16 in
  // which the release manager proved one network only, so a network never proven, bound to a sign-in
  // made after it (new_network), which the captured one is not.
  it("a phished release manager's session from a residential proxy on their own ISP is asked", async () => {
    const sub = 'd46f-rm-1@openlattice.example';
    const o = { source: HOME['rm-1']!, ua: MAC_KUBECTL };
    await twoDays(sub, rmWork, o);
    const phished = signIn(sub, TUE + 7.6 * H);
    const res = await send(phished, TUE + 7.7 * H, 'GET', `${PIPELINERUNS(RELEASE)}?limit=50`, { source: RESI_TORONTO, ua: MAC_KUBECTL });
    expect(reasonOf(res), rules(res)).toBe('auth_too_old');
    expect(contextOf(res)).toBe('new_network');
  });

  // Held (request 1 and 2, every seed): the preview deployer's token in a fork's workflow creating a
  // privileged pod with the node's / (the runtime controls: a hardware key within 5 minutes), and the
  // release bot's token replacing the signing key (the Secret rule's two factors): automation cannot
  // step up, so both are refused. The bot's own nightly run is allowed.
  it("the bots' tokens are refused for a privileged pod and for the signing key, and the nightly run passes", async () => {
    await routine(sa('system:serviceaccount:release:release-bot'), MON - 6 * H, nightly('nightly-20271115'), { source: RUNNER_IP(0), ua: 'tkn/0.38.1 (linux/amd64)' });
    await routine(sa('system:serviceaccount:release:release-bot'), TUE - 6 * H, nightly('nightly-20271116'), { source: RUNNER_IP(0), ua: 'tkn/0.38.1 (linux/amd64)' });
    const bot = await send(sa('system:serviceaccount:release:release-bot'), TUE + 1.2 * H, 'PATCH', SECRET(RELEASE, SIGNING_KEY), { source: RUNNER_IP(2), ua: 'tkn/0.38.1 (linux/amd64)', body: attackerKey, contentType: MERGE });
    expect(reasonOf(bot), rules(bot)).toBe('automation_step_up');
    const pod = JSON.stringify({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'preview-4177-debug', namespace: PREVIEWS_NS }, spec: { containers: [{ name: 'debug', image: 'docker.io/library/alpine:3.20', securityContext: { privileged: true }, volumeMounts: [{ name: 'host', mountPath: '/host' }] }], volumes: [{ name: 'host', hostPath: { path: '/' } }] } });
    const deployer = await send(sa('system:serviceaccount:docs-previews:preview-deployer'), TUE + 4.6 * H, 'POST', `/api/v1/namespaces/${PREVIEWS_NS}/pods`, { source: RUNNER_IP(4), ua: LINUX_KUBECTL, body: pod });
    expect(reasonOf(deployer), rules(deployer)).toBe('automation_step_up');
    expect(rules(deployer)).toContain('privileged_container');
  });
});

/**
 * The same site with `risk.dormant` on (session 50): `{ after_seconds: 7776000, unproven: dormant }`
 * refuses a subject whose last proof is older than 90 days, or that has none, at its first request
 * a rule asks two factors of, until an administrator revokes it (day 35's `incident` section gives
 * the admin API, which a refusal needs). On this site's copy, not the example's: `unproven:
 * dormant` cannot tell old-1 from a new maintainer, so it suits a foundation that onboards a few
 * volunteers a year through an administrator, and refuses every person's first sensitive request
 * on a store that lost its history (docs/risk.md "Session 50: a dormant account").
 */
describe("the foundation with risk.dormant on: an abandoned account revived, a monthly maintainer, the way back", () => {
  const DORMANT = (yaml: string) => RUNBOOK_SITE(SITE(yaml)).replace('\nrisk:\n', '\nrisk:\n  dormant: { after_seconds: 7776000, unproven: dormant }\n');
  const s = exampleServiceForFile({ edit: DORMANT, env: RUNBOOK_ENV });
  const { send } = findingRequests(s, { host: API, source: HOME['ci-1']!, ua: LINUX_KUBECTL, firstDay: MON, secondDay: TUE });
  const D = 86_400_000;
  const mirrorImage = JSON.stringify({ spec: { template: { spec: { containers: [{ name: 'web', image: 'ghcr.io/openlattice/mirror-web:2.4.1-r1' }] } } } });

  it('the abandoned maintainer account, revived with a fresh sign-in from a VPS, is refused at the mirror image (the first row, closed)', async () => {
    const sub = 'd46f-old-1@openlattice.example';
    const login = signIn(sub, TUE - 3 * M);
    const o = { source: VPS, ua: LINUX_KUBECTL };
    expect(reasonOf(await send(login, TUE, 'GET', `/api/v1/namespaces/${MIRROR}/pods?limit=500`, o))).toBe('allowed');
    const res = await send(login, TUE + 80_000, 'PATCH', DEPLOYMENT(MIRROR, 'mirror-web'), { ...o, body: mirrorImage, contentType: SMP });
    expect(reasonOf(res), rules(res)).toBe('risk_deny');
    expect(rules(res)).toContain('risk:dormant_account');
    // The upload key's Secret, and a sign-in made after the refusal, are refused the same way.
    const again = signIn(sub, TUE + 2 * M);
    const secret = await send(again, TUE + 3 * M, 'GET', SECRET(MIRROR, 'mirror-upload-credentials'), o);
    expect(reasonOf(secret), rules(secret)).toBe('risk_deny');
  });

  it('a new mirror maintainer is let in by an administrator, and five weeks later is not dormant', async () => {
    const sub = 'd46f-mon-1@openlattice.example';
    const o = { source: HOME['mon-1']!, ua: MAC_KUBECTL };
    const write = (login: Login, at: number) => send(login, at, 'PATCH', DEPLOYMENT(MIRROR, 'mirror-web'), { ...o, body: mirrorImage, contentType: SMP });
    const first = TUE - 35 * D;
    // Onboarding under `unproven: dormant`: refused, an administrator revokes (stepgate revoke subject), the sign-in after it passes.
    expect(reasonOf(await write(signIn(sub, first - 40_000), first))).toBe('risk_deny');
    await s.runAdmin({ at: first + 5 * M, revoke: { kind: 'subject', subject: sub }, reason: 'new mirror maintainer, confirmed by video call' });
    // A revoked subject has no newcomer allowance: its first request after the revocation asks a
    // sign-in made after it (as any revoked subject's, docs/incident-runbook.md), which then passes.
    const asked = await write(signIn(sub, first + 6 * M), first + 7 * M);
    expect(reasonOf(asked), rules(asked)).toBe('auth_too_old');
    expect(rules(asked)).not.toContain('dormant_account');
    const back = await write(signIn(sub, first + 8 * M), first + 9 * M);
    expect(reasonOf(back), rules(back)).toBe('allowed');
    // Five weeks later (records expired after 30 days, the mark 35 days old): not dormant. The
    // revocation's record lapsed after revocation_ttl_seconds (a day, the default), so its sign-in
    // has a newcomer's allowance like any subject idle past known_ttl_seconds, and the write
    // passes. Until session 51 this replica's mirror (never reloaded: nothing else was written)
    // still held the lapsed revocation and asked a sign-in made after the write, where a replica
    // started since did not (incident-board.test.ts, "past its record's expiry").
    const later = await write(signIn(sub, TUE - 40_000), TUE);
    expect(reasonOf(later), rules(later)).toBe('allowed');
    expect(rules(later)).not.toContain('dormant_account');
  });
});
