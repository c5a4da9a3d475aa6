import { describe, expect, it } from 'vitest';
import { reasonOf, riskContextOf as contextOf } from '../support/grpc-client.js';
import { exampleServiceForFile } from '../support/workday-service.js';
import { type FindingOpts, findingRequests, rules, signIn, type Step } from '../support/findings.js';
import { podName, type Login } from '../support/workday.js';
import { AGENCY, API, flagPatch, HOME, hpaMax, httpRoute, KUBECTL, NEWSROOM, overridePatch, PAIR_VM, purgeJob, RESULTS_HOST, RESULTS_NS, SITE, VENUE } from '../support/workday42.js';

/**
 * What the forty-second replayed day (test/support/workday42.ts, docs/risk.md "Day 42") found,
 * through the real gRPC server running the site's copy of the example (`SITE`: the broadcaster's
 * hostnames in `guardrails.host_owners`) on a virtual clock: a public broadcaster's election night,
 * data journalists flipping feature flags in ConfigMaps, freelancers and a partner agency on
 * temporary accounts, a war room on the venue's guest Wi-Fi, a shared tmux on a cloud VM, CDN
 * purges as Jobs; since session 48 the site dates its temporary accounts (`access_windows`). Each
 * test is one person's routine, then the finding. The open ones are `it.fails`, each with a
 * one-line why.
 */

const [WED, THU] = [5, 6].map((d) => Date.UTC(2027, 4, d, 8, 0, 0)) as [number, number];
const [H, M] = [3_600_000, 60_000];
const MAC_KUBECTL = KUBECTL('darwin/arm64');
const LINUX_KUBECTL = KUBECTL('linux/amd64');
const WIN_KUBECTL = KUBECTL('windows/amd64');
const MERGE = 'application/merge-patch+json';
const SMP = 'application/strategic-merge-patch+json';
const HPA = `/apis/autoscaling/v2/namespaces/${RESULTS_NS}/horizontalpodautoscalers/results-web`;
const FEED_SECRET = `/api/v1/namespaces/${RESULTS_NS}/secrets/results-feed-credentials`;

/** A hardware-key sign-in at `at`. */
const key = (sub: string, at: number): Login => ({ sub, sid: `${sub}:${at}`, authTime: Math.floor(at / 1000), acr: 'urn:stepgate:aal3' });
const step = (q: { method: string; path: string; body?: string; headers?: Record<string, string> }): Step => [q.method, q.path, q.body, q.headers?.['content-type']];

/** A data journalist: the flags read and flipped, the ConfigMaps listed, the results site's pods. */
const djRoutine: Step[] = [
  ['GET', `/api/v1/namespaces/${RESULTS_NS}/configmaps/results-flags`],
  step(flagPatch('ticker', true)),
  ['GET', `/api/v1/namespaces/${RESULTS_NS}/configmaps?limit=500`],
  ['GET', `/api/v1/namespaces/${RESULTS_NS}/pods?labelSelector=app%3Dresults-web`],
];
/** sre-2 on the pairing VM: pods, a log, the HPA, `curl` in the results API. */
const vmRoutine: Step[] = [
  ['GET', `/api/v1/namespaces/${RESULTS_NS}/pods?limit=500`],
  ['GET', `/api/v1/namespaces/${RESULTS_NS}/pods/${podName('results-api', 1)}/log?container=api&tailLines=500`],
  ['GET', HPA],
  ['POST', `/api/v1/namespaces/${RESULTS_NS}/pods/${podName('results-api', 2)}/exec?command=curl&command=-s&command=http%3A%2F%2Flocalhost%3A8080%2Fhealthz%2Ffeed&container=api&stdout=true&stderr=true`],
];
/** A freelancer: the graphics' pods, a log, the flags. */
const flRoutine: Step[] = [
  ['GET', `/api/v1/namespaces/${RESULTS_NS}/pods?labelSelector=app%3Dresults-graphics`],
  ['GET', `/api/v1/namespaces/${RESULTS_NS}/pods/${podName('results-graphics', 1)}/log?container=graphics&tailLines=200`],
  ['GET', `/api/v1/namespaces/${RESULTS_NS}/configmaps/results-flags`],
];
/** The agency: the map's pods, a log, its routes. */
const agRoutine: Step[] = [
  ['GET', '/api/v1/namespaces/agency-map/pods?limit=500'],
  ['GET', `/api/v1/namespaces/agency-map/pods/${podName('map', 1)}/log?container=map&tailLines=300`],
  ['GET', '/apis/gateway.networking.k8s.io/v1/namespaces/agency-map/httproutes'],
];
/** The platform lead: nodes, PDBs, the quota's use. */
const leadRoutine: Step[] = [
  ['GET', '/api/v1/nodes'],
  ['GET', `/apis/policy/v1/namespaces/${RESULTS_NS}/poddisruptionbudgets`],
  ['GET', `/api/v1/namespaces/${RESULTS_NS}/resourcequotas`],
];

describe("a public broadcaster's election night: flags in ConfigMaps, temporary accounts, a war room on guest Wi-Fi", () => {
  const s = exampleServiceForFile({ edit: SITE });
  const { send, routine } = findingRequests(s, { host: API, source: NEWSROOM, ua: MAC_KUBECTL, firstDay: WED, secondDay: THU });
  /** A network the person's first request there is asked on, answered by a sign-in 20 s later; then their routine. */
  async function proven(sub: string, t: number, reqs: Step[], o: FindingOpts, sign: (s: string, at: number) => Login = signIn): Promise<Login> {
    const [method, path, body, contentType] = reqs[0]!;
    const first = await send(sign(sub, t - 6 * H), t, method, path, { ...o, ...(body !== undefined ? { body } : {}), ...(contentType !== undefined ? { contentType } : {}) });
    expect(reasonOf(first), rules(first)).toBe('auth_too_old');
    const login = sign(sub, t + 20_000);
    await routine(login, t + 30_000, reqs, o);
    return login;
  }

  // Stopped at request 1 with the warm-up day (unfamiliar_kind), never without it: the agency
  // developer on sre-2's shared tmux reads the results namespace's Secrets with sre-2's token on the
  // VM; sre-2 never read a Secret, so a mature history asks a key tap, which the co-user cannot give.
  it("a co-user on the shared tmux reading Secrets with the host's token is asked", async () => {
    const sub = 'd42f-sre-2@vpb.example';
    const o = { source: PAIR_VM, ua: LINUX_KUBECTL };
    await routine(key(sub, WED + 4 * H - 40_000), WED + 4 * H, vmRoutine, o);
    const login = key(sub, THU + 4 * H - 40_000);
    await routine(login, THU + 4 * H, vmRoutine, o);
    const res = await send(login, THU + 11.17 * H, 'GET', `/api/v1/namespaces/${RESULTS_NS}/secrets?limit=500`, o);
    expect(reasonOf(res), rules(res)).toBe('auth_too_old');
    expect(contextOf(res)).toBe('unfamiliar_kind');
  });

  // Stopped at request 3 (every seed both ways): malware on the agency developer's laptop routes
  // the results site's hostname from the agency's namespace to an ExternalName Service naming the
  // attacker's host; the site's host_owners gives the name to results-prod (two factors within 15
  // minutes), while the agency's own embed route asks nothing.
  it("an HTTPRoute in the agency's namespace for the results site's hostname is asked", async () => {
    const sub = 'd42f-ag-1@pixelharbor.example';
    const o = { source: AGENCY };
    await routine(signIn(sub, WED - 40_000), WED, [...agRoutine, ['POST', '/apis/gateway.networking.k8s.io/v1/namespaces/agency-map/httproutes', httpRoute('agency-map', 'map-embed', 'map-embed.pixelharbor.example', 'map')]], o);
    const login = signIn(sub, THU + 5 * H - 40_000); // back from lunch at 13:00
    await routine(login, THU + 5 * H, agRoutine, o);
    const res = await send(login, THU + 12.25 * H, 'POST', '/apis/gateway.networking.k8s.io/v1/namespaces/agency-map/httproutes', { ...o, body: httpRoute('agency-map', 'live-results', RESULTS_HOST, 'live-edge', '/live') });
    expect(reasonOf(res), rules(res)).toBe('auth_too_old');
    expect(rules(res)).toContain('guardrail:route_host_not_owned');
  });

  // Stopped at request 2 (every seed both ways): a CDN purge Job as `kubectl create job
  // --from=cronjob/` makes it, but running as the deployer with its token mounted and a shell that
  // posts it out first: container_command_egress (a hardware key), which the freelancer lacks.
  it("a CDN purge Job carrying a token exfiltrator is refused the freelancer's two factors", async () => {
    const sub = 'd42f-fl-2@vpb.example';
    const o = { source: HOME['fl-2']!, ua: LINUX_KUBECTL };
    await routine(signIn(sub, WED + 7 * H - 40_000), WED + 7 * H, [...flRoutine, step(purgeJob('1700w', 'results-all'))], o);
    const login = signIn(sub, THU + 6 * H - 40_000);
    const t = await routine(login, THU + 6 * H, [...flRoutine, step(purgeJob('1420t', 'results-map'))], o);
    const res = await send(login, t + 60_000, 'POST', `/apis/batch/v1/namespaces/${RESULTS_NS}/jobs`, { ...o, body: purgeJob('2150x', 'results-all', true).body! });
    expect(reasonOf(res), rules(res)).toBe('acr_insufficient');
    expect(rules(res)).toContain('guardrail:container_command_egress');
  });

  // Stopped at request 1 since session 48 (request 2 before, past the secrets rule's 8 hours): the
  // freelancer's token by malware on their own laptop at home at 02:30, after the night: the
  // site's access window for its temporary accounts closed at 01:00 (SITE, access_windows).
  it("a freelancer's token at home after the night is refused at its first request", async () => {
    const sub = 'd42f-fl-1@vpb.example';
    const o = { source: HOME['fl-1']!, ua: WIN_KUBECTL };
    await routine(signIn(sub, WED + 5 * H - 40_000), WED + 5 * H, flRoutine, o);
    await routine(signIn(sub, THU + 4 * H - 40_000), THU + 4 * H, flRoutine, o);
    const night = await proven(sub, THU + 8 * H, flRoutine, { ...o, source: VENUE });
    const first = await send(night, THU + 18.5 * H, 'GET', `/api/v1/namespaces/${RESULTS_NS}/pods?limit=500`, o);
    expect(reasonOf(first), rules(first)).toBe('access_window_closed');
    const res = await send(night, THU + 18.5 * H + 30_000, 'GET', FEED_SECRET, o);
    expect(reasonOf(res), rules(res)).toBe('access_window_closed');
  });

  // Open, a design trade-off (session 49, priced in docs/risk.md "Session 49"): malware on a data
  // journalist's laptop publishes false numbers. A ConfigMap's data is the newsroom's content: the
  // desk patches the same object ten times a night from its own laptops, a race called in every
  // third patch (so neither the `called` field nor a large count is the attack's), and nothing in
  // the request tells a false count from a correction. A site rule asking a fresh sign-in for each
  // overrides patch would ask the desk ten times a night and still pass malware's patch made within
  // minutes of the journalist's own; the lever is the results pipeline's own sign-off.
  it.fails('false numbers patched into the results overrides from the journalist\'s laptop are asked', async () => {
    const sub = 'd42f-dj-2@vpb.example';
    const o = { ua: WIN_KUBECTL };
    const desk = (j: number): Step => step(overridePatch(`district-${j}`, 0.6, { A: 4100 + j, B: 3900, C: 920 }, null));
    await routine(signIn(sub, WED + 2 * H - 40_000), WED + 2 * H, [...djRoutine, desk(3)], o);
    await routine(signIn(sub, THU + 3 * H - 40_000), THU + 3 * H, djRoutine, o);
    const login = await proven(sub, THU + 8.25 * H, [...djRoutine, desk(5), desk(9)], { ...o, source: VENUE });
    const fake = overridePatch('district-17', 0.91, { A: 31877, B: 9120, C: 1404 }, 'A');
    const res = await send(login, THU + 12.67 * H, fake.method, fake.path, { ...o, source: VENUE, body: fake.body!, contentType: MERGE });
    expect(reasonOf(res), rules(res)).not.toBe('allowed');
  });

  // Stopped at request 2 since session 48 (capacity_below_floor): the venue's guest Wi-Fi is one NAT
  // address for the war room, the press and the public, and a copied kubectl agent is the
  // journalist's client, so nothing about the request is new; but the site keeps the results site's
  // floor (SITE: results-web and results-api, 10 replicas, guardrails.replica_floors), and a ceiling
  // of 2 is below it whatever ran: two factors within 15 minutes, which the copied token cannot give.
  // The scale to 2 after it is the same guardrail. The SRE's raises of the same HPA ask nothing.
  it("the HPA's ceiling cut to 2 from the guest Wi-Fi with a journalist's copied token is asked", async () => {
    const sub = 'd42f-dj-3@vpb.example';
    await routine(signIn(sub, WED + 2 * H - 40_000), WED + 2 * H, djRoutine, {});
    await proven(sub, WED + 8.5 * H, djRoutine, { source: VENUE }); // the rehearsal
    await routine(signIn(sub, THU + 2 * H - 40_000), THU + 2 * H, djRoutine, {});
    const login = signIn(sub, THU + 8.25 * H - 40_000);
    await routine(login, THU + 8.25 * H, djRoutine, { source: VENUE });
    const cut = hpaMax(2);
    const res = await send(login, THU + 13.1 * H, cut.method, cut.path, { source: VENUE, body: cut.body!, contentType: SMP });
    expect(reasonOf(res), rules(res)).toBe('auth_too_old');
    expect(rules(res)).toContain('guardrail:capacity_below_floor');
    const scaled = await send(login, THU + 13.1 * H + 20_000, 'PATCH', `/apis/apps/v1/namespaces/${RESULTS_NS}/deployments/results-web/scale`, { source: VENUE, body: JSON.stringify({ spec: { replicas: 2 } }), contentType: MERGE });
    expect(reasonOf(scaled), rules(scaled)).toBe('auth_too_old');
    expect(rules(scaled)).toContain('guardrail:capacity_below_floor');
  });

  // Routine (every seed both ways, session 48): the SRE raises the same HPA's ceiling in the war
  // room at 17:30 and 20:10 on a hardware key hours old; a raise is never below the floor.
  it("the SRE's raises of the HPA's ceiling in the war room ask nothing", async () => {
    const sub = 'd42f-sre-1@vpb.example';
    await routine(key(sub, WED + 2 * H - 40_000), WED + 2 * H, [['GET', HPA], step(hpaMax(80))], {});
    const login = key(sub, THU + 2 * H - 40_000);
    await routine(login, THU + 2 * H, [['GET', HPA]], {});
    const night = await proven(sub, THU + 8 * H, [['GET', HPA]], { source: VENUE }, key);
    for (const [t, n] of [[THU + 9.5 * H, 120], [THU + 12.17 * H, 200]] as const) {
      const raise = hpaMax(n);
      const res = await send(night, t, raise.method, raise.path, { source: VENUE, body: raise.body!, contentType: SMP });
      expect(reasonOf(res), rules(res)).toBe('allowed');
    }
  });

  // Closed in session 48 (access_windows, a dated end for an account; was open: `outside_hours`
  // repeats every week, and whoever holds the freelancer's factors answers any ask): the
  // freelancer's temporary account the morning after is refused at every request, before and
  // after a fresh sign-in, since no sign-in moves the engagement's end (SITE's window, until 01:00).
  it("a freelancer's temporary account the morning after is refused, not asked", async () => {
    const sub = 'd42f-fl-3@vpb.example';
    const o = { source: HOME['fl-2']!, ua: LINUX_KUBECTL };
    await routine(signIn(sub, WED + 7 * H - 40_000), WED + 7 * H, [...flRoutine, step(purgeJob('1700w', 'results-all'))], o);
    const login = signIn(sub, THU + 6 * H - 40_000);
    await routine(login, THU + 6 * H, [...flRoutine, step(purgeJob('1420t', 'results-map'))], o);
    const asked = await send(login, THU + 24 * H, 'GET', `/api/v1/namespaces/${RESULTS_NS}/secrets/cdn-api-token`, o);
    expect(reasonOf(asked), rules(asked)).toBe('access_window_closed');
    const res = await send(signIn(sub, THU + 24 * H + 20_000), THU + 24 * H + 30_000, 'GET', `/api/v1/namespaces/${RESULTS_NS}/secrets/cdn-api-token`, o);
    expect(reasonOf(res), rules(res)).toBe('access_window_closed');
    expect(rules(res)).toContain('access_window:election-night-temporary-accounts');
    // Even the harmless first request of the morning, with the freshest sign-in.
    const pods = await send(signIn(sub, THU + 24 * H + 50_000), THU + 24 * H + 60_000, 'GET', `/api/v1/namespaces/${RESULTS_NS}/pods?limit=500`, o);
    expect(reasonOf(pods), rules(pods)).toBe('access_window_closed');
  });

  // Routine friction (everyone not at Wednesday's rehearsal, every seed both ways; without the
  // warm-up day everyone): the war room's guest Wi-Fi is a new network, asked at the first request.
  it("a data journalist's first request from the venue's guest Wi-Fi asks a sign-in", async () => {
    const sub = 'd42f-dj-1@vpb.example';
    await routine(signIn(sub, WED + 2 * H - 40_000), WED + 2 * H, djRoutine, {});
    const login = signIn(sub, THU + 2 * H - 40_000);
    await routine(login, THU + 2 * H, djRoutine, {});
    const res = await send(login, THU + 8.25 * H, 'GET', `/api/v1/namespaces/${RESULTS_NS}/configmaps/results-flags`, { source: VENUE });
    expect(reasonOf(res), rules(res)).toBe('auth_too_old');
    expect(contextOf(res)).toBe('new_network');
  });

  // Routine friction (seeds 402–405 both ways): the lead's venue sign-in at 16:53–17:04, then the
  // results namespace's ResourceQuota raised at 17:20: quota-changes' 15 minutes ask again.
  it("the lead's quota raise 16 minutes after the venue's sign-in asks again", async () => {
    const sub = 'd42f-lead@vpb.example';
    const o = { ua: LINUX_KUBECTL };
    await routine(key(sub, WED - 40_000), WED, leadRoutine, o);
    await routine(key(sub, THU - 40_000), THU, leadRoutine, o);
    const venue = await proven(sub, THU + 9.07 * H, leadRoutine, { ...o, source: VENUE }, key);
    const body = JSON.stringify({ spec: { hard: { 'requests.cpu': '400', 'limits.memory': '1600Gi', pods: '600' } } });
    const res = await send(venue, THU + 9.07 * H + 16 * M, 'PATCH', `/api/v1/namespaces/${RESULTS_NS}/resourcequotas/results-quota`, { ...o, source: VENUE, body, contentType: SMP });
    expect(reasonOf(res), rules(res)).toBe('auth_too_old');
    expect(rules(res)).toContain('quota-changes');
  });
});
