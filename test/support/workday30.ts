import { attackKit, ciDeploys, type DayEvent, jitteredSittings, lastScoredOf, type Login, podName, prng, restartPatch, type StaffMember, WIN, withAttacks, WS_UPGRADE } from './workday.js';

/**
 * A thirtieth replayed day, written as an outside red team and an outside observer of real
 * engineers would after reading docs/risk.md, docs/guardrails.md, docs/configuration.md and
 * docs/kubectl-stepup.md, from situations days 1–29 do not have: a .NET shop (Aire Claims, Leeds,
 * insurance-claims software, 9 people on the gateway) whose engineers work on Windows laptops with
 * desktop clients (Lens, Headlamp's desktop app, Aptakube) and kubectl from both PowerShell and WSL
 * on the same laptop, some signing in through stepgate's credential plugin and some through an
 * Entra-style `kubelogin` exec plugin (which names no ask); the on-call carries an iPhone client
 * over cellular. Warm-up Monday 12 April 2027, scored Tuesday 13 April (hours UTC; Leeds is UTC+1).
 *
 * The clients as they send themselves (client-go's default agent is `<binary>/<version>
 * (<os>/<arch>) kubernetes/<commit>`; an Electron app's is Chromium's with `<App>/<version>` before
 * `Chrome/`, which its local proxy forwards to the API server):
 * - kubectl on Windows (`kubectl/v1.31.4 (windows/amd64) …`) and in WSL 2 on the same laptop
 *   (`kubectl/v1.31.4 (linux/amd64) …`): WSL's `~/.kube` is a link to `%USERPROFILE%\.kube`, as
 *   Microsoft's and Docker Desktop's WSL guides suggest, so both share one kubeconfig and one token
 *   cache: one login, two platforms, one person;
 * - Lens Desktop (`Lens/2024.11.261604-latest`, Electron 32), which updates itself at its next start;
 * - Headlamp's desktop app (`Headlamp/0.28.1`, Electron 33);
 * - Aptakube (Tauri: its requests leave from the Rust side; what agent that sends, if any, is not
 *   documented, and the day models none, the case of a client that omits the header);
 * - kubenav on the on-call's iPhone (a Go core built with client-go and no version stamps:
 *   `kubenav/v0.0.0 (ios/arm64) kubernetes/$Format`), on EE's carrier NAT, its own OIDC sign-in.
 *
 * Routine:
 * - four claims and payments developers: kubectl in PowerShell, three of them in WSL too (helm and
 *   `dotnet` tooling live there), pods, logs, a `rollout restart` in staging, staging's database
 *   Secret now and then; three with a desktop client beside kubectl (Lens for two, one of them on
 *   kubelogin, and Headlamp); Windows Update's lunchtime run
 *   upgrades the winget-installed kubectl (v1.31.4 → v1.32.1) on two laptops, and Lens updates
 *   itself when it is reopened after lunch;
 * - a developer with Aptakube and kubelogin;
 * - QA (Windows, kubectl in PowerShell) in the staging namespaces;
 * - the platform engineer (WSL mostly, PowerShell for the odd thing): nodes, kube-system, ingress;
 * - the DBA (kubelogin): through RDP to the shared Windows jump host in Azure (one address, every
 *   admin's sessions), SQL Server's pods and logs in production, now and then a shell in one;
 * - the on-call: kubenav on the iPhone over cellular all day (commuting, at a client's site), the
 *   carrier NAT moving between EE's addresses; production's pods, events and logs, a restart at
 *   14:00; then the Windows laptop from home in the evening (kubectl, a new sign-in);
 * - CI: Azure DevOps self-hosted agents in the company's VNet, deploying claims to staging every 20 minutes.
 *
 * Day 22 had Windows laptops too, with WSL 2 on its own tailnet address and its own token cache;
 * here WSL and Windows share one address and one token, as most WSL set-ups do.
 *
 * The attacks, each of a kind days 1–29 do not have:
 * - a look-alike "OpenLens" installer from a search ad, on a developer's Windows laptop who never
 *   ran a desktop client: its Electron agent, the kubeconfig's token, the laptop's network; it lists
 *   every Secret and reads production's;
 * - an infostealer lifts kubelogin's token cache from `%USERPROFILE%\.kube\cache\kubelogin` and the
 *   operator uses it from their own Windows VM (a VPS) with kubectl for Windows;
 * - the on-call's iPhone token (kubenav's exported kubeconfig, in a shared notes folder) used from a
 *   laptop with kubectl on macOS, on a home broadband line in Leeds;
 * - a malicious Lens extension (installed from a GitHub release) reading Secrets through Lens on
 *   the engineer's own desktop: Lens's agent, the engineer's address and token, and (unlike day
 *   22's, which went through every production namespace) only the namespaces the engineer works in;
 * - a second admin on the shared jump host takes over the DBA's disconnected RDP session (`tscon`)
 *   while the DBA is at lunch: the DBA's kubectl, token and the jump host's address, a shell in
 *   SQL Server's production pod and production's Secrets.
 */

export const D30_MON = Date.UTC(2027, 3, 12, 0, 0, 0); // warm-up
export const D30_TUE = Date.UTC(2027, 3, 13, 0, 0, 0); // scored
const [H, M, S] = [3_600_000, 60_000, 1000];

/** The gateway's name for the AKS cluster's API (the example parses `kubernetes.**` as the Kubernetes API). */
export const API = 'kubernetes.aks-prod.aireclaims.example';
/** kubectl as winget and WSL's package manager install it; `v1.32.1` after Windows Update's run. */
export const KUBECTL = (os: string, v = 'v1.31.4') => `kubectl/${v} (${os}) kubernetes/${v === 'v1.31.4' ? 'a78aa47' : '8f94681'}`;
/** Electron's default agent: Chromium's, with the app's name and version before `Chrome/`. */
const ELECTRON = (app: string, chrome: string, electron: string) => `Mozilla/5.0 (${WIN}) AppleWebKit/537.36 (KHTML, like Gecko) ${app} Chrome/${chrome} Electron/${electron} Safari/537.36`;
export const LENS = ELECTRON('Lens/2024.11.261604-latest', '128.0.6613.186', '32.2.5');
/** Lens after its self-update at the first start after lunch. */
export const LENS_NEW = ELECTRON('Lens/2024.12.101612-latest', '130.0.6723.137', '33.3.0');
export const HEADLAMP = ELECTRON('Headlamp/0.28.1', '130.0.6723.191', '33.4.0');
/** The look-alike: an old OpenLens build's agent, as its repackager left it. */
export const FAKE_OPENLENS = ELECTRON('OpenLens/6.5.2-366', '112.0.5615.165', '24.8.3');
export const KUBENAV = 'kubenav/v0.0.0 (ios/arm64) kubernetes/$Format';
const SMP = { 'content-type': 'application/strategic-merge-patch+json' };

/** The Leeds office's public addresses (a /29 of the building's BT business line). */
export const OFFICE = (n: number) => `81.149.214.${9 + (n % 5)}`;
/** The shared Windows jump host in Azure UK South: every admin's RDP sessions leave from it. */
export const JUMP_HOST = '51.104.28.61';
/** EE's carrier NAT for the on-call's iPhone: the address moves within a few /24s as the phone roams. */
export const CELLULAR = (n: number) => `31.94.${[18, 22, 61][n % 3]}.${40 + ((n * 37) % 180)}`;
/** Azure DevOps self-hosted agents in the company's VNet. */
const CI_AGENT = (j: number) => `10.40.2.${10 + (j % 3)}`;
/** The infostealer's operator: a Windows VM at a VPS provider. */
export const VPS = '185.225.69.141';
/** A home broadband line in Leeds (Virgin Media), not the on-call's. */
export const OTHER_HOME = '86.1.77.203';

type Kind = 'dev' | 'aptakube' | 'qa' | 'platform' | 'dba' | 'oncall';
type Where = 'office' | 'home' | 'jump' | 'cell';
/** Which client a request is from. */
type Client = 'win' | 'wsl' | 'lens' | 'headlamp' | 'aptakube' | 'kubenav';

interface Person extends StaffMember<Where> {
  short: string;
  kind: Kind;
  home: string;
  team: string;
  /** The desktop client beside kubectl, if any. */
  desktop?: 'lens' | 'headlamp' | 'aptakube';
  /** Uses WSL's kubectl too (sharing the Windows kubeconfig). */
  wsl: boolean;
  /** Windows Update upgrades this laptop's kubectl at lunch on the scored day. */
  upgraded: boolean;
}

const CO = 'aireclaims.example';
/** Those who sign in through kubelogin (ReplayOptions.plugin: no ask named). */
const KUBELOGIN = new Set(['dev-3', 'dev-5', 'dba'].map((s) => `d30-${s}@${CO}`));

function staff(rand: () => number): Person[] {
  const out: Person[] = [];
  const add = (short: string, kind: Kind, team: string, home: string, day: [number, number, Where][], o: Partial<Person> = {}) => {
    const idx = out.length;
    out.push({ name: `d30-${short}@${CO}`, short, idx, svc: team, team, kind, os: WIN, kubectlOs: 'windows/amd64', kubectlVersion: 'v1.31.4', home, warm: jitteredSittings(rand, day), scored: jitteredSittings(rand, day), wsl: false, upgraded: false, ...o });
  };
  add('dev-1', 'dev', 'claims', '86.14.201.33', [[8, 12, 'office'], [13, 17, 'office']], { wsl: true, upgraded: true });
  add('dev-2', 'dev', 'claims', '81.108.40.190', [[8.5, 12.5, 'home'], [13.5, 17.5, 'home']], { wsl: true, desktop: 'lens' });
  add('dev-3', 'dev', 'payments', '2.24.118.7', [[7.5, 11.5, 'office'], [12.5, 16.5, 'office']], { desktop: 'lens' });
  add('dev-4', 'dev', 'payments', '86.28.5.141', [[8, 12, 'office'], [13, 17, 'home']], { wsl: true, desktop: 'headlamp', upgraded: true });
  add('dev-5', 'aptakube', 'claims', '5.64.90.12', [[8, 12, 'home'], [13, 17, 'home']], { desktop: 'aptakube' });
  add('qa-1', 'qa', 'claims', '81.98.3.66', [[8, 12, 'office'], [13, 16.5, 'office']]);
  add('platform-1', 'platform', 'platform', '86.3.150.22', [[7.5, 12, 'office'], [13, 16.5, 'office']], { wsl: true });
  add('dba', 'dba', 'data', '81.156.7.88', [[8, 12, 'jump'], [13, 17, 'jump']]);
  add('oncall', 'oncall', 'claims', '86.9.66.140', [[7, 12, 'cell'], [12.7, 16.8, 'cell'], [19.5, 21.5, 'home']]);
  return out;
}

type Req = { method: string; path: string; headers?: Record<string, string>; body?: string; client?: Client };
const pod = podName;

/** A developer's task: PowerShell's kubectl for reads, WSL's for helm-adjacent work and restarts. */
function devTask(rand: () => number, p: Person, t: number, n: number): Req[] {
  const k = rand();
  const shell: Client = p.wsl && rand() < 0.5 ? 'wsl' : 'win';
  const team = p.team;
  if (p.desktop !== undefined && rand() < 0.4) {
    const c: Client = p.desktop;
    // A desktop client's view of a namespace: pods, the Deployments, events, a pod's log.
    const ns = `${team}-${rand() < 0.5 ? 'prod' : 'staging'}`;
    return [
      { method: 'GET', path: `/api/v1/namespaces/${ns}/pods`, client: c },
      { method: 'GET', path: `/apis/apps/v1/namespaces/${ns}/deployments`, client: c },
      { method: 'GET', path: `/api/v1/namespaces/${ns}/events`, client: c },
      { method: 'GET', path: `/api/v1/namespaces/${ns}/pods/${pod(`${team}-api`, n)}/log?container=api&tailLines=1000&timestamps=true`, client: c },
    ];
  }
  if (k < 0.3) return [{ method: 'GET', path: `/api/v1/namespaces/${team}-prod/pods?limit=500`, client: shell }];
  if (k < 0.5) return [{ method: 'PATCH', path: `/apis/apps/v1/namespaces/${team}-staging/deployments/${team}-api?fieldManager=kubectl-rollout`, headers: SMP, body: restartPatch(t), client: shell }];
  if (k < 0.75) return [{ method: 'GET', path: `/api/v1/namespaces/${team}-staging/pods/${pod(`${team}-api`, n)}/log?container=api&tailLines=500`, client: shell }];
  if (k < 0.85) return [{ method: 'GET', path: `/api/v1/namespaces/${team}-staging/secrets/${team}-sql`, client: shell }];
  return [{ method: 'GET', path: `/apis/apps/v1/namespaces/${team}-prod/deployments?limit=500`, client: shell }];
}

function qaTask(rand: () => number, n: number): Req[] {
  const k = rand();
  if (k < 0.5) return [{ method: 'GET', path: '/api/v1/namespaces/claims-staging/pods?limit=500' }];
  if (k < 0.8) return [{ method: 'GET', path: `/api/v1/namespaces/claims-staging/pods/${pod('claims-api', n)}/log?container=api&tailLines=500` }];
  return [{ method: 'GET', path: '/api/v1/namespaces/payments-staging/pods?limit=500' }];
}

function platformTask(rand: () => number, n: number): Req[] {
  const k = rand();
  const c: Client = rand() < 0.75 ? 'wsl' : 'win';
  if (k < 0.2) return [{ method: 'GET', path: '/api/v1/namespaces/ingress-nginx/pods?limit=500', client: c }, { method: 'GET', path: `/api/v1/namespaces/ingress-nginx/pods/${pod('ingress-nginx-controller', n)}/log?tailLines=200`, client: c }];
  if (k < 0.6) return [{ method: 'GET', path: '/api/v1/nodes', client: c }, { method: 'GET', path: '/apis/metrics.k8s.io/v1beta1/nodes', client: c }];
  if (k < 0.85) return [{ method: 'GET', path: '/api/v1/namespaces/kube-system/pods?limit=500', client: c }];
  return [{ method: 'GET', path: '/apis/cert-manager.io/v1/certificates?limit=500', client: c }];
}

/** The DBA on the jump host: SQL Server's StatefulSet in claims' production, its logs, now and then a shell for sqlcmd. */
function dbaTask(rand: () => number): Req[] {
  const k = rand();
  if (k < 0.45) return [{ method: 'GET', path: '/api/v1/namespaces/claims-prod/pods?labelSelector=app%3Dmssql' }, { method: 'GET', path: '/apis/apps/v1/namespaces/claims-prod/statefulsets/mssql' }];
  if (k < 0.8) return [{ method: 'GET', path: '/api/v1/namespaces/claims-prod/pods/mssql-0/log?container=mssql&tailLines=500' }];
  if (k < 0.92) return [{ method: 'GET', path: '/api/v1/namespaces/claims-prod/pods/mssql-0/exec?command=%2Fopt%2Fmssql-tools18%2Fbin%2Fsqlcmd&container=mssql&stdin=true&stdout=true&tty=true', headers: WS_UPGRADE }];
  return [{ method: 'GET', path: '/api/v1/namespaces/claims-prod/persistentvolumeclaims' }];
}

const PROD = ['claims-prod', 'payments-prod'];

/** kubenav's views: a namespace's pods, its events, a pod's log; the restart from the phone at 14:00. */
function oncallTask(rand: () => number, n: number, client: Client): Req[] {
  const ns = PROD[Math.floor(rand() * PROD.length)]!;
  const k = rand();
  if (k < 0.55) return [{ method: 'GET', path: `/api/v1/namespaces/${ns}/pods`, client }, { method: 'GET', path: `/api/v1/namespaces/${ns}/events`, client }];
  if (k < 0.85) return [{ method: 'GET', path: `/api/v1/namespaces/${ns}/pods/${pod(`${ns.split('-')[0]}-api`, n)}/log?container=api&tailLines=100`, client }];
  return [{ method: 'GET', path: '/api/v1/nodes', client }];
}

function addressOf(p: Person, where: Where, n: number): string {
  if (where === 'office') return OFFICE(p.idx + n);
  if (where === 'jump') return JUMP_HOST;
  if (where === 'cell') return CELLULAR(p.idx + n);
  return p.home;
}

function agentOf(p: Person, c: Client, upgraded: boolean, lensUpdated: boolean): string {
  const v = upgraded ? 'v1.32.1' : 'v1.31.4';
  switch (c) {
    case 'wsl':
      return KUBECTL('linux/amd64');
    case 'lens':
      return lensUpdated ? LENS_NEW : LENS;
    case 'headlamp':
      return HEADLAMP;
    case 'aptakube':
      return '';
    case 'kubenav':
      return KUBENAV;
    case 'win':
      return KUBECTL(p.kubectlOs, v);
  }
}

/**
 * How each request's sign-in goes: kubelogin's names no ask; stepgate's plugin reads its kubectl's
 * argv in WSL (Linux's /proc) and cannot on Windows, nor for a desktop client (the token's newest
 * ask). kubenav signs in on the phone itself: no ask.
 */
export function pluginOf(ev: DayEvent): 'argv' | 'newest' | undefined {
  if (ev.actor === 'ci' || KUBELOGIN.has(ev.actor) || ev.ua === KUBENAV) return undefined;
  return ev.ua.startsWith('kubectl/') && ev.ua.includes('(linux/') ? 'argv' : 'newest';
}

export function workday30(seed = 281): DayEvent[] {
  const rand = prng(seed * 2_654_435_761 + 30);
  const people = staff(rand);
  const events: DayEvent[] = [];
  for (const [day, scored] of [[D30_MON, false], [D30_TUE, true]] as const) {
    const at = (h: number) => day + h * H;
    for (const p of people) {
      let n = 0;
      let login: Login | undefined;
      let last = -Infinity;
      let restarted = false;
      for (const [from, to, where] of scored ? p.scored : p.warm) {
        // A new sitting after a break of two hours is a new sign-in; the evening laptop is a new
        // device, its own sign-in; the iPhone's kubenav keeps its own refresh token all day.
        if (login === undefined || from - last > 2 || (p.kind === 'oncall' && where === 'home')) login = { sub: p.name, sid: `${p.name}:${day}:${Math.round(from * 10)}`, authTime: Math.floor((at(from) - 40 * S) / 1000), acr: 'urn:stepgate:aal2' };
        last = to;
        const l = login;
        let t = at(from) + M;
        while (t < at(to)) {
          // Windows Update's run at 12:00 on the scored day; Lens updates itself at its next start after lunch.
          const afterLunch = scored && t >= at(12.5);
          let reqs: Req[];
          const gap = 1500 + rand() * 2500;
          if (p.kind === 'oncall') {
            const client: Client = where === 'home' ? 'win' : 'kubenav';
            if (scored && !restarted && t >= at(14) && where === 'cell') {
              restarted = true;
              reqs = [
                { method: 'GET', path: '/api/v1/namespaces/claims-prod/pods', client },
                { method: 'PATCH', path: '/apis/apps/v1/namespaces/claims-prod/deployments/claims-api', headers: SMP, body: restartPatch(t), client },
              ];
            } else reqs = oncallTask(rand, n, client);
          } else if (p.kind === 'platform') reqs = platformTask(rand, n);
          else if (p.kind === 'dba') reqs = dbaTask(rand);
          else if (p.kind === 'qa') reqs = qaTask(rand, n);
          else reqs = devTask(rand, p, t, n);
          const ip = addressOf(p, where, n);
          reqs.forEach((q, i) => {
            const c: Client = q.client ?? 'win';
            events.push({
              at: Math.round(t + i * gap),
              actor: p.name,
              scored,
              ip,
              ua: agentOf(p, c, p.upgraded && afterLunch, afterLunch),
              login: l,
              method: q.method,
              path: q.path,
              host: API,
              ...(q.headers ? { headers: q.headers } : {}),
              ...(q.body !== undefined ? { body: q.body } : {}),
            });
          });
          n++;
          t += (p.kind === 'oncall' && where === 'cell' ? 15 : 5) * M + rand() * 15 * M;
        }
      }
    }
    // CI: Azure DevOps agents in the VNet, claims' staging image every 20 minutes, 06:00–18:00.
    ciDeploys(events, { day, scored, seed, sub: 'system:serviceaccount:ci:claims-deployer', ip: CI_AGENT, host: API, namespace: 'claims-staging', deployment: 'claims-api', image: 'aireclaims.azurecr.io/claims-api', ua: KUBECTL('linux/amd64') });
  }
  events.sort((a, b) => a.at - b.at);
  return withAttacks(events, attacks30(people, events));
}

function attacks30(people: Person[], routine: DayEvent[]): DayEvent[] {
  const out: DayEvent[] = [];
  const { by, add, T, on } = attackKit(out, people, D30_TUE, API);
  const secret = (ns: string, name: string): [string, string, boolean] => ['GET', `/api/v1/namespaces/${ns}/secrets/${name}`, true];
  const any = () => true;
  const lastOf = (who: Person, t: number, match: (e: DayEvent) => boolean = any) => lastScoredOf(routine, who.name, t, match);

  // 1. qa-1 searched for "OpenLens download" at 10:10 and ran the first ad's installer: a
  // repackaged old OpenLens with a stealer inside. It reads the kubeconfig, and its first act is
  // every Secret in the cluster, then payments' production ones, from qa-1's laptop in the office.
  const q1 = by('qa-1');
  const v1 = lastOf(q1, T(10.2));
  add('a look-alike OpenLens installer from a search ad lists every Secret with the kubeconfig\'s token', T(10.2), v1.ip, FAKE_OPENLENS, v1.login, on([
    ['GET', '/api/v1/namespaces', false],
    ['GET', '/api/v1/secrets', true],
    secret('payments-prod', 'payments-sql'),
    secret('payments-prod', 'payments-acquirer-api'),
  ]), 2 * S, q1);

  // 2. An infostealer on dev-5's laptop (a cracked tool) took `%USERPROFILE%\.kube\cache\kubelogin`
  // at 09:05; the operator loads the token into their Windows VM at a VPS at 09:50 with kubectl for Windows.
  const d5 = by('dev-5');
  const v2 = lastOf(d5, T(9.83));
  add('kubelogin\'s token cache lifted from %USERPROFILE%\\.kube\\cache, used from the attacker\'s Windows VM', T(9.83), VPS, 'kubectl/v1.30.2 (windows/amd64) kubernetes/3968350', v2.login, on([
    ['GET', '/api/v1/namespaces/claims-prod/pods?limit=500', false],
    secret('claims-prod', 'claims-sql'),
    ['GET', `/api/v1/namespaces/claims-prod/pods/${podName('claims-api', 2)}/exec?command=sh&container=api&stdin=true&stdout=true&tty=true`, true, WS_UPGRADE],
  ]), 5 * S, d5);

  // 3. The on-call exported kubenav's kubeconfig to a shared notes folder to set up a tablet; an
  // ex-colleague who still has the folder uses it at 11:10 from their MacBook at home in Leeds.
  const oc = by('oncall');
  const v3 = lastOf(oc, T(11.17));
  add('the on-call\'s iPhone token (kubenav\'s exported kubeconfig) used from a laptop with kubectl', T(11.17), OTHER_HOME, 'kubectl/v1.32.2 (darwin/arm64) kubernetes/67a30c0', v3.login, on([
    ['GET', '/api/v1/namespaces/claims-prod/pods?limit=500', false],
    secret('claims-prod', 'claims-sql'),
    secret('claims-prod', 'claims-insurer-api'),
  ]), 6 * S, oc);

  // 4. dev-2 installed a "Lens resource map" extension from a GitHub release on Monday. Its author
  // read docs/risk.md: unlike day 22's, it stays in the namespaces its host works in. At 15:20,
  // through Lens's own proxy (Lens's agent, dev-2's home network and token), it lists claims'
  // production Secrets, reads the database's, then lists staging's, a minute apart.
  const d2 = by('dev-2');
  const v4 = lastOf(d2, T(15.33), (e) => e.ua.includes('Lens/'));
  add('a malicious Lens extension reads Secrets through Lens on the engineer\'s own desktop, only in the namespaces they work in', T(15.33), v4.ip, v4.ua, v4.login, on([
    ['GET', '/api/v1/namespaces/claims-prod/secrets', true],
    secret('claims-prod', 'claims-sql'),
    ['GET', '/api/v1/namespaces/claims-staging/secrets', true],
  ]), 60 * S, d2);

  // 5. The DBA disconnects (not signs out of) the jump host's RDP session for lunch at 12:00; a
  // second admin of the host takes it over with `tscon` at 12:20 and uses the kubectl session
  // open in it: a shell in SQL Server's production pod, then claims' production Secrets.
  const dba = by('dba');
  const v5 = lastOf(dba, T(12.33));
  add('another admin of the shared jump host takes over the DBA\'s disconnected RDP session (tscon) at lunch', T(12.33), JUMP_HOST, v5.ua, v5.login, on([
    ['GET', '/api/v1/namespaces/claims-prod/pods?labelSelector=app%3Dmssql', false],
    ['GET', '/api/v1/namespaces/claims-prod/pods/mssql-0/exec?command=%2Fbin%2Fbash&container=mssql&stdin=true&stdout=true&tty=true', true, WS_UPGRADE],
    secret('claims-prod', 'mssql-sa'),
    secret('claims-prod', 'claims-insurer-api'),
  ]), 8 * S, dba);
  return out;
}
