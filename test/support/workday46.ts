import { attackKit, type AttackRequest, type DayEvent, jitteredSittings, LINUX, type Login, MAC, podName, prng, restartPatch, type StaffMember, WIN, withAttacks, WS_UPGRADE } from './workday.js';
import { chromium, signInAt, sittings, type SittingRequest } from './sittings.js';

/**
 * A forty-sixth replayed day, written as an outside red team and an outside observer of real
 * engineers would after reading docs/risk.md, docs/configuration.md, docs/kubectl-stepup.md and
 * docs/guardrails.md, from a situation days 1–45 do not have: an open-source foundation's community
 * infrastructure cluster (the Open Lattice Foundation, `kubernetes.infra.openlattice.example`: Prow
 * and its job pods, Tekton for CI and for the release pipeline that signs the artifacts, a package
 * mirror, docs previews) run by volunteer maintainers in eight time zones on their PERSONAL devices:
 * laptops that travel, a conference's Wi-Fi, a phone and a tablet (a release approved from an iPad
 * in the Tekton Dashboard), mobile carriers whose CGNAT moves the address every few minutes, Linux
 * distributions' own kubectl builds, a maintainer who signs in once a month; no office, no VPN, no
 * managed device. Days 18 and 5 had a conference and a venue's Wi-Fi for a company's staff; what is
 * new here is that nobody has an office or a company network at all, that three of the maintainers
 * are at the foundation's own summit in Lisbon on the scored day, and that what matters most (the
 * release-signing key and the job that uses it) is in a namespace no production pattern names.
 * Warm-up Monday 15 November 2027, scored Tuesday 16 November (Lisbon is UTC+0 in November), the
 * day of the 3.0 release at 16:00. Hours below are UTC.
 *
 * The site's edit of the example (`SITE`) writes what a foundation would after reading
 * docs/configuration.md and docs/guardrails.md: its release and mirror namespaces are not named
 * `prod*`, so people's writes there get a rule of prod-writes' shape with an hour's `max_age` (the
 * release is a sitting, not a working day), people only (`issuers`: the release bot and the preview
 * deployer are service accounts); the Tekton Dashboard, which serves the API's own paths, is listed
 * in `kubernetes.hosts` (`kubernetes_host_unlisted` refuses it otherwise, as reason-codes.md says);
 * and the foundation's images come from its own GitHub organisation, Docker Hub's official images
 * and registry.k8s.io (`guardrails.allowed_registries`). Nothing else is changed.
 *
 * Routine, as the tools send it:
 * - three infra leads with hardware keys: lead-ber (Berlin, Linux; at the summit in Lisbon on the
 *   scored day: the hotel's Wi-Fi at breakfast, the venue's from 09:00), lead-sfo (San Francisco,
 *   Mac; the Tekton Dashboard on an Android phone on the carrier's CGNAT before reaching the desk),
 *   lead-tyo (Tokyo, Linux): nodes, Prow's pods and logs, a Prow component restarted, Prow's
 *   ProwJobs;
 * - two release managers (two factors): rm-1 (Toronto, Mac) starts the 3.0 release's PipelineRun at
 *   16:00 and watches it; rm-2 (Bangalore) only ever uses the Tekton Dashboard from an iPad (Safari
 *   says it is a Mac) on a mobile carrier's CGNAT, and approves the release's gate at 16:20;
 * - three CI maintainers (two factors): ci-1 (Warsaw, Fedora's kubectl build), ci-2 (São Paulo, Mac;
 *   at the summit on the scored day), ci-3 (Sydney, Arch's kubectl): ProwJobs, job pods and their
 *   logs, a stuck job pod deleted, Tekton CI Tasks' images bumped in `tekton-ci`;
 * - the mirror maintainer (mir-1, Nairobi, two factors) on mobile broadband whose CGNAT address
 *   moves every few minutes: the mirror's pods, its sync Job's logs, a sync run by hand
 *   (`kubectl create job --from=cronjob/mirror-sync`);
 * - two docs maintainers (two factors): docs-1 (Paris, Mac; at the summit on the scored day) and
 *   docs-2 (Mexico City, Windows): the docs previews (the previews' Deployments, a stale one deleted)
 *   and the previews themselves in the browser;
 * - the security-response maintainer (sec-1, Amsterdam, hardware key): the release's TaskRuns and
 *   logs, the signing certificate's ConfigMap, the signing key Secret's metadata before the release;
 * - mon-1 (Helsinki, two factors), who signs in once a month (not on the warm-up day): the mirror's
 *   pods and logs, and a restart of the mirror's web Deployment;
 * - the release bot (`release:release-bot`, the foundation's self-hosted runners in the cluster)
 *   creating the nightly and release PipelineRuns, and the docs preview deployer
 *   (`docs-previews:preview-deployer`) updating a preview's image every 15 minutes.
 *
 * The attacks, each written after reading what stepgate looks at:
 * - malware on ci-1's laptop (an xz-style long game: a dependency of ci-1's editor plugin) waits for
 *   ci-1's morning sign-in and, minutes later, with ci-1's kubectl, token and address, points the
 *   release-signing Task's image at a look-alike and replaces the signing key Secret;
 * - lead-ber's token shown on the projector in a live demo at the summit (`kubectl -v=8` prints
 *   the bearer header and the User-Agent), photographed and used from the same venue Wi-Fi with
 *   another laptop sending that User-Agent: the release namespace's Secrets, the signing key, then a
 *   shell in the mirror;
 * - an abandoned maintainer account (old-1, idle since March, its e-mail domain lapsed and
 *   re-registered): the password and the second factor reset through e-mail recovery, a fresh
 *   two-factor sign-in from a VPS: the mirror's Deployment image replaced, its upload key read;
 * - the preview deployer's token, read by a fork's pull-request workflow on the shared runners:
 *   a privileged pod mounting the node's / in docs-previews;
 * - rm-1 phished through an adversary-in-the-middle proxy at 15:40 and the captured session
 *   replayed from a residential proxy in Toronto, on rm-1's own ISP: a PipelineRun of the release
 *   from the attacker's fork, and the signing key Secret;
 * - the release bot's token, printed by a misconfigured step into a public PipelineRun's log, used
 *   from the runners: the signing key Secret replaced.
 */

export const D46_MON = Date.UTC(2027, 10, 15, 0, 0, 0); // warm-up
export const D46_TUE = Date.UTC(2027, 10, 16, 0, 0, 0); // scored (the 3.0 release at 16:00)
const [H, M, S] = [3_600_000, 60_000, 1000];

/** The foundation's cluster API, under the example's `kubernetes.**` hosts. */
export const API = 'kubernetes.infra.openlattice.example';
/** The Tekton Dashboard (read-write, acting with its own service account): a web host to stepgate. */
export const TEKTON = 'tekton.openlattice.example';
/** The docs previews (one path per pull request). */
export const PREVIEWS = 'previews.openlattice.example';
export const KUBECTL = (os: string, v = 'v1.31.4', commit = 'a78aa47') => `kubectl/${v} (${os}) kubernetes/${commit}`;
/** Fedora's kubectl (built from the tarball: no git commit stamped). */
export const FEDORA_KUBECTL = 'kubectl/v1.31.2 (linux/amd64) kubernetes/$Format';
/** Arch's kubectl. */
export const ARCH_KUBECTL = 'kubectl/v1.32.0 (linux/amd64) kubernetes/70d3cc9';
const CHROME = (os: string) => `Mozilla/5.0 (${os}) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0.0.0 Safari/537.36`;
const CH_UA = '"Google Chrome";v="130", "Not?A_Brand";v="99", "Chromium";v="130"';
/** Safari on iPadOS asks for desktop sites: the iPad says it is a Mac (and sends no client hints). */
export const IPAD_SAFARI = 'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Safari/605.1.15';
/** Chrome on an Android phone (a reduced user agent, client hints that say mobile). */
export const ANDROID_CHROME = 'Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0.0.0 Mobile Safari/537.36';
const ANDROID_HINTS = { 'sec-ch-ua': CH_UA, 'sec-ch-ua-mobile': '?1', 'sec-ch-ua-platform': '"Android"' };
const MERGE = { 'content-type': 'application/merge-patch+json' };
const JSON_CT = { 'content-type': 'application/json' };

export const nameOf = (short: string) => `d46-${short}@openlattice.example`;
export const RELEASE_BOT = 'system:serviceaccount:release:release-bot';
export const PREVIEW_DEPLOYER = 'system:serviceaccount:docs-previews:preview-deployer';

/** Each volunteer's home network (nobody has an office). */
export const HOME: Readonly<Record<string, string>> = {
  'lead-ber': '91.64.22.130', 'lead-sfo': '73.92.14.201', 'lead-tyo': '126.77.40.9', 'rm-1': '99.231.40.17', 'ci-1': '83.6.171.55',
  'ci-2': '177.92.3.64', 'ci-3': '110.175.60.3', 'docs-1': '90.12.66.201', 'docs-2': '187.189.40.22', 'sec-1': '84.105.9.77', 'mon-1': '88.114.52.10',
};
/** The summit's venue Wi-Fi in Lisbon (one NAT address for two thousand attendees). */
export const VENUE = '193.236.81.14';
/** The summit hotels' Wi-Fi. */
export const HOTEL: Readonly<Record<string, string>> = { 'lead-ber': '85.240.12.77', 'ci-2': '2.82.160.40' };
/** A mobile carrier's CGNAT: another address every few minutes, often in another /24 of the same /16. */
const cgnat = (prefix: string, t: number, salt: number) => {
  const slot = Math.floor(t / (4 * M)) + salt;
  return `${prefix}.${100 + ((slot * 37) % 60)}.${10 + ((slot * 113) % 230)}`;
};
/** rm-2's iPad on Jio (Bangalore), mir-1's mobile broadband on Safaricom (Nairobi), lead-sfo's phone on T-Mobile. */
export const JIO = (t: number) => cgnat('49.36', t, 3);
export const SAFARICOM = (t: number) => cgnat('105.160', t, 7);
export const TMOBILE = (t: number) => cgnat('172.58', t, 11);
/** The foundation's self-hosted runners and in-cluster bots (pod network). */
export const RUNNER_IP = (j: number) => `10.46.12.${20 + (j % 6)}`;
/** A VPS the abandoned account is revived from. */
export const VPS = '185.220.101.47';
/** A residential proxy in Toronto, on rm-1's own ISP (proxy services sell addresses by city and provider). */
export const RESI_TORONTO = '99.231.118.61';

export const RELEASE = 'release';
export const MIRROR = 'mirror';
export const PREVIEWS_NS = 'docs-previews';
export const SIGNING_KEY = 'release-signing-key';
export const SIGN_TASK = 'sign-and-publish';

type Kind = 'lead' | 'rm' | 'ci' | 'mirror' | 'docs' | 'sec' | 'monthly';
type Where = 'home' | 'venue' | 'hotel' | 'mobile' | 'tablet';

interface Person extends StaffMember<Where> {
  short: string;
  kind: Kind;
  ua: string;
  acr: Login['acr'];
}

function staff(rand: () => number): Person[] {
  const out: Person[] = [];
  const add = (short: string, kind: Kind, os: string, ua: string, acr: Login['acr'], warm: [number, number, Where][], scored: [number, number, Where][]) => {
    const kubectlOs = os === LINUX ? 'linux/amd64' : os === MAC ? 'darwin/arm64' : 'windows/amd64';
    out.push({ name: nameOf(short), short, idx: out.length, svc: kind, kind, ua, os, kubectlOs, kubectlVersion: /kubectl\/(v[\d.]+)/.exec(ua)?.[1] ?? '', acr, warm: jitteredSittings(rand, warm), scored: jitteredSittings(rand, scored) });
  };
  add('lead-ber', 'lead', LINUX, KUBECTL('linux/amd64'), 'urn:stepgate:aal3', [[7, 11, 'home'], [12, 16, 'home']], [[7, 8.3, 'hotel'], [9, 12, 'venue'], [13, 16.5, 'venue'], [19, 20.5, 'hotel']]);
  add('lead-sfo', 'lead', MAC, KUBECTL('darwin/arm64'), 'urn:stepgate:aal3', [[15, 15.5, 'mobile'], [16, 20, 'home'], [21, 23.9, 'home']], [[15, 15.5, 'mobile'], [16, 19.5, 'home'], [20.5, 23.9, 'home']]);
  add('lead-tyo', 'lead', LINUX, KUBECTL('linux/amd64'), 'urn:stepgate:aal3', [[0, 4, 'home'], [5, 9.5, 'home']], [[0, 4, 'home'], [5, 9.5, 'home']]);
  add('rm-1', 'rm', MAC, KUBECTL('darwin/arm64'), 'urn:stepgate:aal2', [[13, 17, 'home'], [18, 21, 'home']], [[13, 15.5, 'home'], [15.9, 21, 'home']]);
  add('rm-2', 'rm', MAC, IPAD_SAFARI, 'urn:stepgate:aal2', [[4, 7.5, 'tablet'], [14, 16.5, 'tablet']], [[4, 7.5, 'tablet'], [15.5, 17, 'tablet']]);
  add('ci-1', 'ci', LINUX, FEDORA_KUBECTL, 'urn:stepgate:aal2', [[7, 11, 'home'], [12, 16.5, 'home']], [[7, 11, 'home'], [12, 16.5, 'home']]);
  add('ci-2', 'ci', MAC, KUBECTL('darwin/arm64'), 'urn:stepgate:aal2', [[11, 15, 'home'], [16, 20, 'home']], [[9, 12, 'venue'], [13, 16.5, 'venue'], [19.5, 21, 'hotel']]);
  add('ci-3', 'ci', LINUX, ARCH_KUBECTL, 'urn:stepgate:aal2', [[0, 6.5, 'home'], [21.5, 23.9, 'home']], [[0, 6.5, 'home'], [21.5, 23.9, 'home']]);
  add('mir-1', 'mirror', LINUX, KUBECTL('linux/amd64'), 'urn:stepgate:aal2', [[6, 10, 'mobile'], [11, 14, 'mobile']], [[6, 10, 'mobile'], [11, 14, 'mobile']]);
  add('docs-1', 'docs', MAC, KUBECTL('darwin/arm64'), 'urn:stepgate:aal2', [[8, 12, 'home'], [13, 17, 'home']], [[9, 12.5, 'venue'], [14, 16.5, 'venue']]);
  add('docs-2', 'docs', WIN, KUBECTL('windows/amd64'), 'urn:stepgate:aal2', [[15, 19, 'home'], [20, 23, 'home']], [[15, 19, 'home'], [20, 23, 'home']]);
  add('sec-1', 'sec', LINUX, KUBECTL('linux/amd64'), 'urn:stepgate:aal3', [[8, 11, 'home'], [13, 16, 'home']], [[8, 11, 'home'], [13, 17, 'home']]);
  add('mon-1', 'monthly', MAC, KUBECTL('darwin/arm64'), 'urn:stepgate:aal2', [], [[18, 19.5, 'home']]);
  return out;
}

/** Where a request comes from: home, the summit, or a carrier's CGNAT at that moment. */
function addressOf(p: Person, where: Where, t: number): string {
  if (where === 'venue') return VENUE;
  if (where === 'hotel') return HOTEL[p.short]!;
  if (where === 'tablet') return JIO(t);
  if (where === 'mobile') return p.short === 'mir-1' ? SAFARICOM(t) : TMOBILE(t);
  return HOME[p.short]!;
}

type Req = SittingRequest;

const SECRET = (ns: string, name: string) => `/api/v1/namespaces/${ns}/secrets/${name}`;
export const PROWJOBS = '/apis/prow.k8s.io/v1/namespaces/prow/prowjobs';
export const PIPELINERUNS = (ns: string) => `/apis/tekton.dev/v1/namespaces/${ns}/pipelineruns`;
export const TASKRUNS = (ns: string) => `/apis/tekton.dev/v1/namespaces/${ns}/taskruns`;
export const TASK = (ns: string, name: string) => `/apis/tekton.dev/v1/namespaces/${ns}/tasks/${name}`;
export const DEPLOYMENT = (ns: string, name: string) => `/apis/apps/v1/namespaces/${ns}/deployments/${name}`;
/** A Prow job's pod, as plank names it (the ProwJob's UUID). */
export const jobPod = (n: number) => `${((n + 17) * 2654435761 >>> 0).toString(16).padStart(8, '0')}-4c1e-11f0-9d2a-${(n * 7919).toString(16).padStart(6, '0')}`;
/** A Tekton Task's step image, as a merge patch writes it. */
export const taskImage = (step: string, image: string) => JSON.stringify({ spec: { steps: [{ name: step, image }] } });
/** A preview's image (`kubectl set image`, the deployer's patch). */
export const previewImage = (pr: number, tag: string) => JSON.stringify({ spec: { template: { spec: { containers: [{ name: 'site', image: `ghcr.io/openlattice/docs-preview:${tag}` }] } } } });
/** A PipelineRun of the release pipeline at `revision`. */
export const releaseRun = (name: string, revision: string) =>
  JSON.stringify({ apiVersion: 'tekton.dev/v1', kind: 'PipelineRun', metadata: { name, namespace: RELEASE }, spec: { pipelineRef: { name: 'release' }, params: [{ name: 'revision', value: revision }, { name: 'version', value: 'v3.0.0' }], taskRunTemplate: { serviceAccountName: 'release-bot' } } });

/** An infra lead: nodes, Prow's pods and logs, ProwJobs, a Prow component restarted. */
function leadTask(rand: () => number, n: number, t: number): Req[] {
  const k = rand();
  if (k < 0.2) return [{ method: 'GET', path: '/api/v1/nodes' }];
  if (k < 0.45) return [{ method: 'GET', path: '/api/v1/namespaces/prow/pods?limit=500' }];
  if (k < 0.65) return [{ method: 'GET', path: `/api/v1/namespaces/prow/pods/${podName(['hook', 'tide', 'deck'][n % 3]!, n % 2)}/log?tailLines=500` }];
  if (k < 0.85) return [{ method: 'GET', path: `${PROWJOBS}?labelSelector=prow.k8s.io%2Fstate%3Dpending&limit=500` }];
  return [{ method: 'PATCH', path: `${DEPLOYMENT('prow', ['tide', 'deck'][n % 2]!)}?fieldManager=kubectl-rollout`, headers: { 'content-type': 'application/strategic-merge-patch+json' }, body: restartPatch(t) }];
}

/** A CI maintainer: ProwJobs, a job pod's log, a stuck job pod deleted, a CI Task's image bumped. */
function ciTask(rand: () => number, n: number): Req[] {
  const k = rand();
  if (k < 0.25) return [{ method: 'GET', path: `${PROWJOBS}?limit=500` }];
  if (k < 0.55) return [{ method: 'GET', path: `/api/v1/namespaces/test-pods/pods/${jobPod(n)}/log?container=test` }];
  if (k < 0.7) return [{ method: 'GET', path: `${PIPELINERUNS('tekton-ci')}?limit=100` }];
  if (k < 0.85) return [{ method: 'GET', path: `/api/v1/namespaces/test-pods/pods/${jobPod(n + 1)}` }, { method: 'DELETE', path: `/api/v1/namespaces/test-pods/pods/${jobPod(n + 1)}` }];
  return [{ method: 'PATCH', path: TASK('tekton-ci', ['go-test', 'lint', 'build-image'][n % 3]!), headers: MERGE, body: taskImage('run', `ghcr.io/openlattice/ci-runner:1.${20 + (n % 7)}.0`) }];
}

/** The mirror maintainer: the mirror's pods, its sync Job's logs, a sync run by hand. */
function mirrorTask(rand: () => number, n: number): Req[] {
  const k = rand();
  if (k < 0.35) return [{ method: 'GET', path: `/api/v1/namespaces/${MIRROR}/pods?limit=500` }];
  if (k < 0.7) return [{ method: 'GET', path: `/api/v1/namespaces/${MIRROR}/pods/${podName('mirror-sync', n)}/log?tailLines=300` }];
  if (k < 0.88) return [{ method: 'GET', path: `/apis/batch/v1/namespaces/${MIRROR}/jobs?limit=50` }, { method: 'GET', path: `/api/v1/namespaces/${MIRROR}/persistentvolumeclaims` }];
  return [{ method: 'POST', path: `/apis/batch/v1/namespaces/${MIRROR}/jobs`, headers: JSON_CT, body: JSON.stringify({ apiVersion: 'batch/v1', kind: 'Job', metadata: { name: `mirror-sync-manual-${n}`, namespace: MIRROR, annotations: { 'cronjob.kubernetes.io/instantiate': 'manual' } }, spec: { template: { spec: { restartPolicy: 'OnFailure', containers: [{ name: 'sync', image: 'ghcr.io/openlattice/mirror-sync:2.4.0', args: ['--upstream', 'all'] }] } } } }) }];
}

/** A docs maintainer: the previews' Deployments, a preview in the browser, a stale preview deleted. */
function docsTask(rand: () => number, p: Person, n: number): Req[] {
  const k = rand();
  const pr = 4100 + ((n * 37 + p.idx * 11) % 90);
  if (k < 0.3) return [{ method: 'GET', path: `/apis/apps/v1/namespaces/${PREVIEWS_NS}/deployments?limit=500` }];
  if (k < 0.7) return [{ method: 'GET', host: PREVIEWS, path: `/pr-${pr}/docs/getting-started/`, browser: true }, { method: 'GET', host: PREVIEWS, path: `/pr-${pr}/docs/reference/config/`, browser: true }];
  if (k < 0.85) return [{ method: 'GET', path: `/api/v1/namespaces/${PREVIEWS_NS}/pods?labelSelector=app%3Dpreview-${pr}` }];
  return [{ method: 'DELETE', path: DEPLOYMENT(PREVIEWS_NS, `preview-${pr - 60}`) }];
}

/** The security-response maintainer: the release's TaskRuns and logs, the signing certificate. */
function secTask(rand: () => number, n: number): Req[] {
  const k = rand();
  if (k < 0.35) return [{ method: 'GET', path: `${TASKRUNS(RELEASE)}?limit=100` }];
  if (k < 0.65) return [{ method: 'GET', path: `/api/v1/namespaces/${RELEASE}/pods/${podName('release-sign', n % 4)}/log?container=step-sign` }];
  if (k < 0.85) return [{ method: 'GET', path: `/api/v1/namespaces/${RELEASE}/configmaps/signing-certificate` }];
  return [{ method: 'GET', path: `${PIPELINERUNS(RELEASE)}?limit=50` }];
}

/** A release manager at the laptop: the release's runs and logs. rm-2's iPad: the Tekton Dashboard. */
function rmTask(rand: () => number, p: Person, n: number): Req[] {
  const k = rand();
  if (p.short === 'rm-2') {
    if (k < 0.5) return [{ method: 'GET', host: TEKTON, path: `/api/v1/namespaces/${RELEASE}/pods?limit=100`, browser: true }, { method: 'GET', host: TEKTON, path: `/apis/tekton.dev/v1/namespaces/${RELEASE}/pipelineruns?limit=50`, browser: true }];
    return [{ method: 'GET', host: TEKTON, path: `/api/v1/namespaces/${RELEASE}/pods/${podName('release-build', n % 4)}/log?container=step-build`, browser: true }];
  }
  if (k < 0.4) return [{ method: 'GET', path: `${PIPELINERUNS(RELEASE)}?limit=50` }];
  if (k < 0.75) return [{ method: 'GET', path: `/api/v1/namespaces/${RELEASE}/pods/${podName('release-build', n % 4)}/log?container=step-build` }];
  return [{ method: 'GET', path: `${TASKRUNS(RELEASE)}?labelSelector=tekton.dev%2FpipelineRun%3Dnightly-${n % 3}` }];
}

/** The lead's phone on the way to the desk: the Tekton Dashboard's runs. */
function phoneTask(rand: () => number): Req[] {
  return rand() < 0.6 ? [{ method: 'GET', host: TEKTON, path: `/apis/tekton.dev/v1/namespaces/tekton-ci/pipelineruns?limit=50`, ua: ANDROID_CHROME, headers: ANDROID_HINTS }] : [{ method: 'GET', host: TEKTON, path: `/apis/tekton.dev/v1/namespaces/${RELEASE}/pipelineruns?limit=50`, ua: ANDROID_CHROME, headers: ANDROID_HINTS }];
}

/** The monthly maintainer: the mirror's pods and logs, and a restart of its web front. */
function monthlyTask(rand: () => number, n: number, t: number): Req[] {
  const k = rand();
  if (k < 0.4) return [{ method: 'GET', path: `/api/v1/namespaces/${MIRROR}/pods?limit=500` }];
  if (k < 0.8) return [{ method: 'GET', path: `/api/v1/namespaces/${MIRROR}/pods/${podName('mirror-web', n % 2)}/log?tailLines=200` }];
  return [{ method: 'PATCH', path: `${DEPLOYMENT(MIRROR, 'mirror-web')}?fieldManager=kubectl-rollout`, headers: { 'content-type': 'application/strategic-merge-patch+json' }, body: restartPatch(t) }];
}


/**
 * The foundation's edit of the example: people's writes in its release and mirror namespaces (no
 * `prod*` name) with two factors within the hour, 15 minutes when elevated, 5 when high; people
 * only (the test issuer), so that the release bot's PipelineRuns keep the everyday requirement.
 * The Tekton Dashboard's host read as the API's, and the foundation's registries.
 */
export function SITE(yaml: string): string {
  const anchor = '\npolicy:\n';
  const url = /issuer: (http:\/\/127\.0\.0\.1:\d+)/.exec(yaml)?.[1];
  const at = yaml.indexOf('\n  rules:\n', yaml.indexOf(anchor));
  if (url === undefined || yaml.indexOf(anchor) < 0 || at < 0) throw new Error('day 46: the example no longer has its test issuer or its policy rules');
  const rule = `    - name: release-and-mirror-writes
      description: people's writes in the release pipeline's and the package mirror's namespaces need two factors within the hour
      match:
        issuers: ["${url}"]
        kubernetes:
          namespaces: [${RELEASE}, ${MIRROR}]
          verbs: [create, update, patch, delete, deletecollection]
      require: aal2
      max_age: 3600
      by_band:
        elevated: { max_age: 900 }
        high: { max_age: 300 }
      sensitivity: 30
`;
  const cut = at + '\n  rules:\n'.length;
  const hosts = '  hosts: [kube.localhost, kubernetes, "kubernetes.**"]\n';
  const owners = '\n  host_owners:\n';
  if (!yaml.includes(hosts) || yaml.indexOf(owners) < 0 || yaml.includes('\n  allowed_registries:')) throw new Error('day 46: the example no longer has its kubernetes.hosts line or guardrails.host_owners, or lists registries of its own');
  const ruled = `${yaml.slice(0, cut)}${rule}${yaml.slice(cut)}`.replace(hosts, `  hosts: [kube.localhost, kubernetes, "kubernetes.**", ${TEKTON}]\n`);
  const g = ruled.indexOf(owners);
  return `${ruled.slice(0, g + 1)}  allowed_registries: [ghcr.io/openlattice, docker.io/library, registry.k8s.io]\n${ruled.slice(g + 1)}`;
}

export function workday46(seed = 441): DayEvent[] {
  const rand = prng(seed * 2_654_435_761 + 46);
  const people = staff(rand);
  const events: DayEvent[] = [];
  const chrome = chromium(CHROME, CH_UA);
  const replay = sittings<Where, Person>(rand, people, {
    events,
    api: API,
    addressOf,
    usualPlace: (p) => (p.short === 'rm-2' ? 'tablet' : 'home'),
    // rm-2's browser is the iPad's Safari, which sends no client hints.
    browser: (p) => (p.short === 'rm-2' ? { ua: IPAD_SAFARI } : chrome(p)),
    // The lead's phone is the Tekton Dashboard's own sign-in (the browser's), not the laptop's kubelogin cache.
    sittingSession: (p, day, where, from) => `${p.name}:${day}:${where}:${Math.round(from * 10)}`,
  });
  for (const [day, scored] of [[D46_MON, false], [D46_TUE, true]] as const) {
    const { at, push } = replay(day, scored, {
      task: (p, n, t, where) =>
        where === 'mobile' && p.kind === 'lead'
          ? phoneTask(rand)
          : p.kind === 'lead'
            ? leadTask(rand, n, t)
            : p.kind === 'rm'
              ? rmTask(rand, p, n)
              : p.kind === 'ci'
                ? ciTask(rand, n)
                : p.kind === 'mirror'
                  ? mirrorTask(rand, n)
                  : p.kind === 'docs'
                    ? docsTask(rand, p, n)
                    : p.kind === 'sec'
                      ? secTask(rand, n)
                      : monthlyTask(rand, n, t),
      pace: (p) => (p.kind === 'rm' && p.short === 'rm-2' ? [3, 6] : p.kind === 'lead' || p.kind === 'sec' ? [6, 14] : [8, 20]),
    });
    const by = (s: string) => people.find((p) => p.short === s)!;
    const [rm1, rm2, sec1] = [by('rm-1'), by('rm-2'), by('sec-1')];
    if (scored) {
      // 15:30, before the release: the security-response maintainer checks the signing key's Secret and certificate.
      push(sec1, at(15.3), [{ method: 'GET', path: SECRET(RELEASE, SIGNING_KEY) }, { method: 'GET', path: `/api/v1/namespaces/${RELEASE}/configmaps/signing-certificate` }], 30 * S);
      // 16:00, the 3.0 release: rm-1 starts the release's PipelineRun from the tag and watches it.
      push(rm1, at(16), [{ method: 'GET', path: `${PIPELINERUNS(RELEASE)}?limit=50` }, { method: 'POST', path: PIPELINERUNS(RELEASE), headers: JSON_CT, body: releaseRun('release-v3.0.0', 'refs/tags/v3.0.0') }, { method: 'GET', path: `${PIPELINERUNS(RELEASE)}/release-v3.0.0` }], 40 * S);
      push(rm1, at(16.4), [{ method: 'GET', path: `${TASKRUNS(RELEASE)}?labelSelector=tekton.dev%2FpipelineRun%3Drelease-v3.0.0` }, { method: 'GET', path: `/api/v1/namespaces/${RELEASE}/pods/release-v3.0.0-sign-pod/log?container=step-sign` }], 60 * S);
      // 16:20, the release's manual gate (an ApprovalTask) approved in the Tekton Dashboard on rm-2's iPad.
      const gate = '/apis/openshift-pipelines.org/v1alpha1/namespaces/release/approvaltasks/release-v3.0.0-publish-gate';
      push(rm2, at(16.33), [{ method: 'GET', host: TEKTON, path: gate, browser: true }, { method: 'PATCH', host: TEKTON, path: gate, headers: { 'content-type': 'application/json-patch+json' }, body: JSON.stringify([{ op: 'replace', path: '/spec/approvers/0/input', value: 'approve' }]), browser: true }], 20 * S);
    }
    // The release bot: the nightly build's PipelineRun at 02:00 and its status polled; the preview deployer every 15 minutes.
    const bot: Login = { sub: RELEASE_BOT, sid: '', authTime: undefined, acr: 'urn:stepgate:aal1', serviceAccount: true };
    const deployer: Login = { sub: PREVIEW_DEPLOYER, sid: '', authTime: undefined, acr: 'urn:stepgate:aal1', serviceAccount: true };
    const nightly = `nightly-${scored ? '20271116' : '20271115'}`;
    const botBase = { actor: 'ci', scored, ua: 'tkn/0.38.1 (linux/amd64)', login: bot, host: API };
    events.push({ ...botBase, at: at(2), ip: RUNNER_IP(0), method: 'POST', path: PIPELINERUNS(RELEASE), headers: JSON_CT, body: releaseRun(nightly, 'refs/heads/main') });
    for (let j = 1; j < 24; j++) events.push({ ...botBase, at: at(2) + j * 5 * M, ip: RUNNER_IP(j), method: 'GET', path: `${PIPELINERUNS(RELEASE)}/${nightly}` });
    for (let j = 0; j < 96; j++) {
      const t = day + 15 * M * j + 7 * M;
      const pr = 4100 + ((seed + j * 13) % 90);
      const tag = `pr-${pr}-${(seed * 7919 + j * 104729 + (scored ? 1 : 0)).toString(16).slice(0, 7)}`;
      const base = { actor: 'ci', scored, ip: RUNNER_IP(j), ua: KUBECTL('linux/amd64'), login: deployer, host: API };
      events.push({ ...base, at: t, method: 'PATCH', path: DEPLOYMENT(PREVIEWS_NS, `preview-${pr}`), headers: { 'content-type': 'application/strategic-merge-patch+json' }, body: previewImage(pr, tag) });
      events.push({ ...base, at: t + 30 * S, method: 'GET', path: DEPLOYMENT(PREVIEWS_NS, `preview-${pr}`) });
    }
  }
  events.sort((a, b) => a.at - b.at);
  return withAttacks(events, attacks46(people, events));
}

/** The attack rows' names, as the matrix and the targets name them. */
export const A46 = {
  laptop: "malware on ci-1's laptop (an xz-style long game) minutes after ci-1's morning sign-in, with ci-1's kubectl, token and address: the release-signing Task's image pointed at a look-alike, then the signing key Secret replaced",
  projector: "lead-ber's token shown on the projector in a live demo at the summit (kubectl -v=8), used from the same venue Wi-Fi with another laptop and kubectl's User-Agent as shown: the release namespace's Secrets, the signing key, then a shell in the mirror",
  abandoned: "an abandoned maintainer account (idle since March, its e-mail domain re-registered) revived with a password and second-factor reset and a fresh sign-in from a VPS: the mirror's image replaced, its upload key read",
  deployer: "the docs preview deployer's token read by a fork's pull-request workflow on the shared runners: a privileged pod mounting the node's / in docs-previews",
  phished: "rm-1 phished through an adversary-in-the-middle proxy before the release, the session replayed from a residential proxy on rm-1's own ISP in Toronto: a release PipelineRun from the attacker's fork, then the signing key Secret",
  botToken: "the release bot's token printed into a public PipelineRun's log, used from the runners: the signing key Secret replaced",
} as const;

/** The attacker's signing key, written over the foundation's (a merge patch of the Secret's data). */
export const attackerKey = JSON.stringify({ data: { 'cosign.key': Buffer.from('-----BEGIN ENCRYPTED SIGSTORE PRIVATE KEY-----\nMIIBSjBxBgkqhkiG9w0BBQ0wZDBBBgkqhkiG9w0BBQwwNAQg\n-----END ENCRYPTED SIGSTORE PRIVATE KEY-----\n').toString('base64'), 'cosign.password': Buffer.from('hunter2-lattice').toString('base64') } });
/** The look-alike signing image (an organisation one hyphen off, a tag the real image also has). */
export const lookAlikeSigner = taskImage('sign', 'ghcr.io/open-lattice/cosign-release:v2.4.1');

function attacks46(people: Person[], routine: DayEvent[]): DayEvent[] {
  const out: DayEvent[] = [];
  const { by, add, T, on } = attackKit(out, people, D46_TUE, API);
  const firstOf = (actor: string, from: number) => routine.filter((e) => e.actor === actor && e.scored && e.at >= from).sort((a, b) => a.at - b.at)[0]!;

  // 1. ci-1's laptop: the malware waits for the morning's first request (a fresh sign-in) and acts 6 minutes later.
  const ci1 = by('ci-1');
  const v1 = firstOf(ci1.name, T(6.5));
  add(A46.laptop, v1.at + 6 * M, v1.ip, v1.ua, v1.login, on([
    ['GET', TASK(RELEASE, SIGN_TASK), false],
    ['PATCH', TASK(RELEASE, SIGN_TASK), true, MERGE, lookAlikeSigner] as AttackRequest,
    ['PATCH', SECRET(RELEASE, SIGNING_KEY), true, MERGE, attackerKey] as AttackRequest,
  ]), 25 * S, ci1);

  // 2. lead-ber's live demo at 10:30: `kubectl -v=8` puts the request headers on the projector, the
  // bearer token and kubectl's User-Agent among them; photographed, both used from the venue at 10:50.
  const lead = by('lead-ber');
  const v2 = firstOf(lead.name, T(10.3));
  add(A46.projector, T(10.83), VENUE, v2.ua, v2.login, on([
    ['GET', `/api/v1/namespaces/${RELEASE}/secrets?limit=500`, true],
    ['GET', SECRET(RELEASE, SIGNING_KEY), true],
    ['GET', `/api/v1/namespaces/${MIRROR}/pods/${podName('mirror-web', 0)}/exec?command=sh&container=web&stdin=true&stdout=true&tty=true`, true, WS_UPGRADE],
  ]), 30 * S);

  // 3. old-1, idle since March: the e-mail domain re-registered, the IdP's recovery resets both factors; a fresh sign-in from a VPS at 03:20.
  const old = nameOf('old-1');
  const oldLogin = signInAt(old, `${old}:revived`, T(3.33) - 3 * M, 'urn:stepgate:aal2');
  add(A46.abandoned, T(3.33), VPS, KUBECTL('linux/amd64'), oldLogin, on([
    ['GET', `/api/v1/namespaces/${MIRROR}/pods?limit=500`, false],
    ['GET', DEPLOYMENT(MIRROR, 'mirror-web'), false],
    ['PATCH', DEPLOYMENT(MIRROR, 'mirror-web'), true, { 'content-type': 'application/strategic-merge-patch+json' }, JSON.stringify({ spec: { template: { spec: { containers: [{ name: 'web', image: 'ghcr.io/openlattice/mirror-web:2.4.1-r1' }] } } } })] as AttackRequest,
    ['GET', SECRET(MIRROR, 'mirror-upload-credentials'), true],
  ]), 40 * S);

  // 4. The preview deployer's token in a fork's pull_request_target workflow at 12:40: a privileged pod with the node's / mounted.
  const deployer: Login = { sub: PREVIEW_DEPLOYER, sid: '', authTime: undefined, acr: 'urn:stepgate:aal1', serviceAccount: true };
  const privileged = JSON.stringify({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'preview-4177-debug', namespace: PREVIEWS_NS }, spec: { hostPID: true, containers: [{ name: 'debug', image: 'docker.io/library/alpine:3.20', command: ['sh', '-c', 'sleep 86400'], securityContext: { privileged: true }, volumeMounts: [{ name: 'host', mountPath: '/host' }] }], volumes: [{ name: 'host', hostPath: { path: '/' } }] } });
  add(A46.deployer, T(12.67), RUNNER_IP(4), KUBECTL('linux/amd64'), deployer, on([
    ['POST', `/api/v1/namespaces/${PREVIEWS_NS}/pods`, true, JSON_CT, privileged] as AttackRequest,
  ]), 20 * S);

  // 5. rm-1 signs in through the phishing proxy at 15:40; the captured session from a Toronto residential proxy at 15:44.
  const rm1 = by('rm-1');
  const phished = signInAt(rm1.name, `${rm1.name}:aitm`, T(15.67), rm1.acr);
  add(A46.phished, T(15.73), RESI_TORONTO, rm1.ua, phished, on([
    ['GET', `${PIPELINERUNS(RELEASE)}?limit=50`, false],
    ['POST', PIPELINERUNS(RELEASE), true, JSON_CT, releaseRun('release-v3.0.0-rc9', 'refs/pull/4242/head')] as AttackRequest,
    ['GET', SECRET(RELEASE, SIGNING_KEY), true],
  ]), 30 * S);

  // 6. The release bot's token from the nightly run's public log, used from a runner at 09:10.
  const bot: Login = { sub: RELEASE_BOT, sid: '', authTime: undefined, acr: 'urn:stepgate:aal1', serviceAccount: true };
  add(A46.botToken, T(9.17), RUNNER_IP(2), 'tkn/0.38.1 (linux/amd64)', bot, on([
    ['GET', `${PIPELINERUNS(RELEASE)}?limit=50`, false],
    ['PATCH', SECRET(RELEASE, SIGNING_KEY), true, MERGE, attackerKey] as AttackRequest,
  ]), 20 * S);
  for (const e of out) if (e.attack === A46.abandoned) e.signsIn = true;
  return out;
}
