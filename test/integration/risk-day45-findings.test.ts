import { describe, expect, it } from 'vitest';
import { reasonOf, riskContextOf as contextOf } from '../support/grpc-client.js';
import { exampleServiceForFile } from '../support/workday-service.js';
import { type FindingOpts, findingRequests, rules, signIn, type Step } from '../support/findings.js';
import type { Login } from '../support/workday.js';
import { API, ARENA_NA, CI_IP, FLEET, FLEETS, fleetImage, GAMESERVERS, gsName, HOME, KUBECTL, minerImage, MOD, MTL, PROD, QA_LAB, SEOUL, SITE, STAGING, VPS } from '../support/workday45.js';

/**
 * What the forty-fifth replayed day (test/support/workday45.ts, docs/risk.md "Day 45") found,
 * through the real gRPC server running the site's copy of the example (`SITE`: the arena Fleets'
 * replica floor, the publisher's QA contractor's access window) on a virtual clock: a game
 * studio's live-ops the day after a season launch, Montréal and Seoul handing the on-call over at
 * 00:00 and 12:00 UTC, Agones Fleets scaled by hand, a build farm, moderators on a web tool. Each
 * test is one person's routine, then the finding. The open ones are `it.fails`, with a one-line why.
 */

const [WED, THU] = [20, 21].map((d) => Date.UTC(2027, 9, d, 13, 0, 0)) as [number, number];
const [H, M] = [3_600_000, 60_000];
const LINUX_KUBECTL = KUBECTL('linux/amd64');
const MAC_KUBECTL = KUBECTL('darwin/arm64');
const MERGE = 'application/merge-patch+json';
const CHROME_WIN = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/129.0.0.0 Safari/537.36';
const HINTS = { 'sec-ch-ua': '"Google Chrome";v="129", "Not=A?Brand";v="8", "Chromium";v="129"', 'sec-ch-ua-mobile': '?0', 'sec-ch-ua-platform': '"Windows"' };
const FAS = `/apis/autoscaling.agones.dev/v1/namespaces/${PROD}/fleetautoscalers/${ARENA_NA}-autoscaler`;

/** A hardware-key sign-in at `at`. */
const key = (sub: string, at: number): Login => ({ sub, sid: `${sub}:${at}`, authTime: Math.floor(at / 1000), acr: 'urn:stepgate:aal3' });
const ci: Login = { sub: 'system:serviceaccount:ci:build-farm', sid: '', authTime: undefined, acr: 'urn:stepgate:aal1', serviceAccount: true };

/** The on-call's hour: Fleets, the arena's GameServers, a scale up (`kubectl scale fleet`), the autoscaler's buffer raised. */
const oncall: Step[] = [
  ['GET', `${FLEETS(PROD)}?limit=500`],
  ['GET', `${GAMESERVERS(PROD)}?labelSelector=agones.dev%2Ffleet%3D${ARENA_NA}&limit=500`],
  ['PATCH', `${FLEET(PROD, ARENA_NA)}/scale`, JSON.stringify({ spec: { replicas: 320 } }), MERGE],
  ['PATCH', FAS, JSON.stringify({ spec: { policy: { type: 'Buffer', buffer: { bufferSize: '25%', minReplicas: 60, maxReplicas: 700 } } } }), MERGE],
];
/** A game-server engineer: GameServers, a game server's log, the staging Fleet. */
const gameServers: Step[] = [
  ['GET', `${GAMESERVERS(PROD)}?limit=500`],
  ['GET', `/api/v1/namespaces/${PROD}/pods/${gsName('arena-kr', 2)}/log?container=arena-server&tailLines=500`],
  ['GET', FLEET(STAGING, 'arena-kr')],
];
/** The QA contractor: the staging Fleets and GameServers, a staging Fleet scaled. */
const qa: Step[] = [
  ['GET', `${FLEETS(STAGING)}?limit=500`],
  ['GET', `${GAMESERVERS(STAGING)}?limit=500`],
  ['PATCH', `${FLEET(STAGING, ARENA_NA)}/scale`, JSON.stringify({ spec: { replicas: 6 } }), MERGE],
];
/** The build farm: a new image into the staging Fleet, read back. */
const build = (tag: string): Step[] => [
  ['PATCH', FLEET(STAGING, ARENA_NA), fleetImage(`registry.lumenharbor.example/arena/arena-server:${tag}`), MERGE],
  ['GET', FLEET(STAGING, ARENA_NA)],
];
/** A moderator in the moderation tool: the reports queue, a player, a chat log. */
const moderation: Step[] = [
  ['GET', '/queue/reports?status=open'],
  ['GET', '/api/reports?status=open&limit=50'],
  ['GET', '/players/k3x9q'],
  ['GET', '/api/players/k3x9q/chat?limit=200'],
];

describe("a game studio's live-ops after a season launch: Montréal and Seoul, Agones Fleets, a build farm, moderators, a QA contractor", () => {
  const s = exampleServiceForFile({ edit: SITE });
  const { send, routine } = findingRequests(s, { host: API, source: MTL, ua: LINUX_KUBECTL, firstDay: WED, secondDay: THU });
  /** The person's two days: a sign-in, then `reqs`; the second day's login. */
  async function twoDays(sub: string, reqs: Step[], o: FindingOpts, sign: (s: string, at: number) => Login = signIn, at: [number, number] = [WED, THU]): Promise<Login> {
    await routine(sign(sub, at[0] - 40_000), at[0], reqs, o);
    const login = sign(sub, at[1] - 40_000);
    await routine(login, at[1], reqs, o);
    return login;
  }

  // Stopped at request 1, refused (every seed both ways): the QA contractor after the engagement's
  // end, on their own account with a fresh sign-in: access_window_closed, which no sign-in answers.
  it("the QA contractor after the engagement's end is refused whatever the sign-in", async () => {
    const sub = 'd45f-qa-1@qa.pubhouse.example';
    await twoDays(sub, qa, { source: QA_LAB }, signIn, [WED - 6 * H, THU - 6 * H]);
    const res = await send(signIn(sub, THU + 7.4 * H), THU + 7.5 * H, 'PATCH', FLEET(PROD, 'arena-kr'), { source: HOME['qa-1']!, body: JSON.stringify({ spec: { replicas: 0 } }), contentType: MERGE });
    expect(reasonOf(res), rules(res)).toBe('access_window_closed');
  });

  // Stopped at request 2 since session 49 (every seed both ways; never before): malware on the
  // on-call's laptop sets the arena Fleet to zero with `kubectl edit`'s merge patch of the Fleet
  // itself, hours after the on-call's sign-in: capacity_below_floor (the site's floor of 40) asks a
  // sign-in within 15 minutes. The on-call's own raises stay routine.
  it('a Fleet set to zero with kubectl edit, below the site floor, asks a recent sign-in', async () => {
    const sub = 'd45f-mtl-oc2@lumenharbor.example';
    const login = await twoDays(sub, oncall, {}, key);
    expect(reasonOf(await send(login, THU + 2.6 * H, 'PATCH', `${FLEET(PROD, ARENA_NA)}/scale`, { body: JSON.stringify({ spec: { replicas: 380 } }), contentType: MERGE }))).toBe('allowed');
    const res = await send(login, THU + 2.7 * H, 'PATCH', FLEET(PROD, ARENA_NA), { body: JSON.stringify({ spec: { replicas: 0 } }), contentType: MERGE });
    expect(reasonOf(res), rules(res)).toBe('auth_too_old');
    expect(rules(res)).toContain('capacity_below_floor');
  });

  // Stopped at request 1 (every seed both ways): the build farm's token from a VPS (a network,
  // device and token age the service account never showed: band elevated), and read by a pull
  // request's job on the runner pool, pushing a miner sidecar to production (container_command_egress):
  // automation cannot step up, so both are refused (automation_step_up).
  it("the build farm's token is refused from a VPS, and with a miner's command from its own runners", async () => {
    for (const [j, tag] of [[0, 'a1b2c3d'], [1, 'e4f5a6b']] as const) await routine(ci, (j === 0 ? WED : THU) + j * 8 * M, build(tag), { source: CI_IP(j) });
    const vps = await send(ci, THU + 3 * H, 'GET', FLEET(PROD, ARENA_NA), { source: VPS });
    expect(reasonOf(vps), rules(vps)).toBe('automation_step_up');
    const runner = await send(ci, THU + 3.5 * H, 'PATCH', FLEET(PROD, ARENA_NA), { source: CI_IP(3), body: minerImage, contentType: MERGE });
    expect(reasonOf(runner), rules(runner)).toBe('automation_step_up');
    expect(rules(runner)).toContain('container_command_egress');
  });

  // Stopped at request 1 (every seed both ways): the Seoul engineer's kubelogin cache, copied at
  // the 12:00 handover, used from the Montréal office: a network never proven for them.
  it("the Seoul engineer's token from the Montréal office after the handover is asked", async () => {
    const sub = 'd45f-seo-gs1@lumenharbor.example';
    const o = { source: SEOUL };
    const login = await twoDays(sub, gameServers, o, signIn, [WED - 12 * H, THU - 12 * H]);
    const res = await send(login, THU + 10 * M, 'GET', `${GAMESERVERS(PROD)}?limit=500`, { source: MTL, ua: MAC_KUBECTL });
    expect(reasonOf(res), rules(res)).toBe('auth_too_old');
    expect(contextOf(res)).toBe('new_network');
  });

  // Open (the moderation tool is a web app the example has no rule for, and the extension's request
  // is the moderator's own: address, browser, session): its export credentials page is allowed at the
  // default's aal1 within 12 hours. A site protects such pages by host and path (docs/configuration.md).
  it.fails("the moderation tool's export credentials page, from an extension in the moderator's own browser, is asked", async () => {
    const sub = 'd45f-mod-1@lumenharbor.example';
    const o = { host: MOD, ua: CHROME_WIN, headers: HINTS };
    const login = await twoDays(sub, moderation, o);
    const res = await send(login, THU + 80 * M, 'GET', '/api/admin/exports/player-data/credentials', o);
    expect(reasonOf(res), rules(res)).not.toBe('allowed');
  });

  // Fixed (capacity49b): capacity_below_floor reads an Agones FleetAutoscaler's buffer.maxReplicas,
  // which caps the Fleet it names in spec.fleetName, as an HPA's maxReplicas. Before, the
  // autoscaler's ceiling cut to 1 under the Fleet's floor, hours after the on-call's sign-in, passed
  // on prod-writes' 8 hours.
  it("a FleetAutoscaler's ceiling cut below the Fleet's floor asks a recent sign-in", async () => {
    const sub = 'd45f-mtl-oc1@lumenharbor.example';
    const login = await twoDays(sub, oncall, {}, key);
    const res = await send(login, THU + 2.7 * H, 'PATCH', FAS, { body: JSON.stringify({ spec: { fleetName: ARENA_NA, policy: { type: 'Buffer', buffer: { bufferSize: 1, minReplicas: 0, maxReplicas: 1 } } } }), contentType: MERGE });
    expect(rules(res)).toContain('capacity_below_floor');
  });
});
