import { attackKit, ciDeploys, type DayEvent, jitteredSittings, lastScoredOf, LINUX, type Login, MAC, podName, prng, restartPatch, type StaffMember, WIN, withAttacks, WS_UPGRADE } from './workday.js';

/**
 * A twenty-ninth replayed day, written as an outside red team and an outside observer of real
 * engineers would after reading docs/risk.md, docs/guardrails.md, docs/configuration.md and
 * docs/kubectl-stepup.md, from situations days 1–28 do not have: a port-logistics software company
 * (Havenlijn, Rotterdam, 12 people on the gateway) whose engineers work through AI agents on their
 * own laptops every day, and sign in through stepgate's credential plugin (`kubectl stepgate`, the
 * kubeconfig's exec entry). Day 18's agents ran in Codespaces, with sign-ins that named no ask;
 * here they run locally, with the engineer's kubeconfig, so the agent's 401 runs the same plugin
 * as the engineer's own, and every sign-in names an ask (docs/risk.md, "Session 37"): the plugin
 * reads its kubectl command (Linux's /proc; macOS's ps since day 29) and names that command's ask;
 * on Windows, and for a client that is no kubectl (an MCP server), it cannot, and names the
 * token's newest ask (`ReplayOptions.plugin`). Warm-up Monday 15 March 2027, scored Tuesday 16 March
 * (hours UTC; Rotterdam is UTC+1).
 *
 * Routine, as the tools send it:
 * - product engineers (four, macOS) on berth planning, customs and tracking, with kubectl-ai in
 *   the terminal: it runs the engineer's kubectl (kubectl's own agent), one tool call per model
 *   turn, 2–5 s apart, 5–12 reads a session across the team's staging and production (pods,
 *   events, Deployments, the logs of several pods, a ConfigMap, now and then staging's database
 *   Secret), two or three sessions a sitting; between them their own kubectl (restarts in
 *   staging, logs, the odd staging Secret);
 * - two tracking engineers (Linux) with the Kubernetes MCP server in Cursor's agent mode: a Go
 *   client-go binary with its own agent (`kubernetes-mcp-server/…`) whose tools list pods and
 *   events across all namespaces, read logs and resources, and `pods_top` (metrics); one of them
 *   works from a coworking space two days a week;
 * - the platform team (two, Linux): nodes, kube-system, a shell in the ingress controller; one
 *   asks kubectl-ai to look over kube-system after the morning's node-pool rotation;
 * - the on-call (macOS, kubectl-ai): production all day, at 15:00 on the scored day a berth-api
 *   incident worked with the agent (a burst of production reads and logs) and a `rollout restart`
 *   in production; from home in the evening;
 * - a data engineer (Windows, kubectl only): the ETL's CronJobs, Jobs and logs;
 * - CI: a service account deploying tracking to staging every 20 minutes from self-hosted runners in the company's VPC.
 *
 * The attacks, each of a kind days 1–28 do not have:
 * - a poisoned README in a cloned repository makes kubectl-ai on an engineer's Mac list every
 *   Secret in the cluster and read customs' production ones, through the engineer's kubectl;
 * - a prompt-injected GitHub issue, triaged by Cursor's agent, has the MCP server create a
 *   privileged pod with the node's root filesystem in tracking's staging namespace;
 * - a log line the attacker planted in berth-api's access log (its User-Agent) instructs the
 *   on-call's kubectl-ai, reading logs during the incident, to exec into the production pod and
 *   read berth's production Secrets: minutes after the on-call's own sign-in for the restart;
 * - a poisoned Helm chart's values comment makes kubectl-ai bind cluster-admin to a service
 *   account; its 401 runs the plugin, and the engineer, who approves the agent's prompts all day,
 *   signs in for it (on macOS the plugin cannot tell whose command asked);
 * - an MCP server started with `--port` for a second editor window listens on the coworking
 *   space's Wi-Fi: another tenant calls its tools, which read tracking's production Secrets from
 *   the engineer's laptop with the engineer's token;
 * - the same README has the agent post the plugin's token cache to a webhook right after the
 *   engineer's fresh sign-in; the token is used four minutes later from a residential proxy in
 *   Rotterdam with kubectl-ai's kubectl agent.
 */

export const D29_MON = Date.UTC(2027, 2, 15, 0, 0, 0); // warm-up
export const D29_TUE = Date.UTC(2027, 2, 16, 0, 0, 0); // scored
const [H, M, S] = [3_600_000, 60_000, 1000];

export const API = 'kubernetes.prod.havenlijn.example';
export const KUBECTL = (os: string) => `kubectl/v1.32.3 (${os}) kubernetes/32cc146`;
/** containers/kubernetes-mcp-server: client-go's default agent for a binary built without version stamps. */
export const MCP = (os: string) => `kubernetes-mcp-server/v0.0.0 (${os}) kubernetes/$Format`;
const SMP = { 'content-type': 'application/strategic-merge-patch+json' };
const JSON_CT = { 'content-type': 'application/json' };

/** The Rotterdam office's public addresses (a /28 of the building's ISP). */
export const OFFICE = (n: number) => `83.98.177.${34 + (n % 6)}`;
/** The coworking space on Katendrecht: one NAT address for every tenant. */
export const COWORK = '212.61.142.18';
/** CI's self-hosted runners, in the company's VPC. */
const CI_RUNNER = (j: number) => `10.29.4.${20 + (j % 4)}`;
/**
 * A site copy of the example that lists `unfamiliar_kind`'s `production_secret_read` (day 29's fix;
 * not in the example: its price on days 1–10 is in docs/risk.md, "Day 29: what it found").
 */
export const SITE_PROD_SECRETS = (yaml: string): string => {
  const out = yaml.replace('kinds: [secret_read, proxy, pod_copy, database_copy]', 'kinds: [secret_read, proxy, pod_copy, database_copy, production_secret_read]');
  if (out === yaml) throw new Error('examples/stepgate.yaml no longer lists unfamiliar_kind: [secret_read, proxy, pod_copy, database_copy]');
  return out;
};
/** A residential proxy exit in Rotterdam (KPN), another ISP from the victim's (Ziggo). */
export const RESIDENTIAL = '77.170.212.45';

type Kind = 'ai' | 'mcp' | 'platform' | 'oncall' | 'data';
type Where = 'office' | 'home' | 'cowork';

interface Person extends StaffMember<Where> {
  short: string;
  kind: Kind;
  home: string;
  /** berth, customs or tracking. */
  team: string;
}

const CO = 'havenlijn.example';

function staff(rand: () => number): Person[] {
  const out: Person[] = [];
  const add = (short: string, kind: Kind, team: string, home: string, day: [number, number, Where][], o: Partial<Person> = {}) => {
    const idx = out.length;
    out.push({ name: `d29-${short}@${CO}`, short, idx, svc: team, team, kind, os: MAC, kubectlOs: 'darwin/arm64', kubectlVersion: 'v1.32.3', home, warm: jitteredSittings(rand, day), scored: jitteredSittings(rand, day), ...o });
  };
  add('ai-1', 'ai', 'customs', '84.26.141.77', [[7.5, 11.5, 'office'], [12.5, 16.5, 'office']]);
  add('ai-2', 'ai', 'customs', '84.28.9.201', [[8, 12, 'home'], [13, 17, 'home']]);
  add('ai-3', 'ai', 'berth', '62.195.40.12', [[7, 11, 'office'], [12, 16, 'office']]);
  add('ai-4', 'ai', 'tracking', '84.31.220.5', [[8.5, 12.5, 'office'], [13.5, 17.5, 'home']]);
  add('mcp-1', 'mcp', 'tracking', '94.210.66.143', [[7.5, 11.5, 'office'], [12.5, 16.5, 'office']], { os: LINUX, kubectlOs: 'linux/amd64' });
  add('mcp-2', 'mcp', 'tracking', '81.207.30.98', [[8, 12, 'cowork'], [13, 17, 'cowork']], { os: LINUX, kubectlOs: 'linux/amd64' });
  add('platform-1', 'platform', 'platform', '84.82.111.50', [[7, 11.5, 'office'], [12.5, 16, 'office']], { os: LINUX, kubectlOs: 'linux/amd64' });
  add('platform-2', 'platform', 'platform', '62.251.3.170', [[8, 12, 'home'], [13, 17, 'office']], { os: LINUX, kubectlOs: 'linux/amd64' });
  add('oncall', 'oncall', 'berth', '84.24.60.33', [[7.5, 12, 'office'], [13, 16.8, 'office'], [19.5, 21.5, 'home']]);
  add('data-1', 'data', 'etl', '94.213.5.88', [[7.5, 12, 'office'], [13, 16.5, 'office']], { os: WIN, kubectlOs: 'windows/amd64' });
  return out;
}

type Req = { method: string; path: string; headers?: Record<string, string>; body?: string; ua?: 'mcp' };

const pod = podName;

/**
 * One kubectl-ai session on the team's service: "why is customs-api slow in prod", "compare
 * staging with prod": pods and events first, then what the model asks for next.
 */
function agentSession(rand: () => number, team: string, n: number, prodFirst: boolean): Req[] {
  const env = prodFirst || rand() < 0.5 ? 'prod' : 'staging';
  const ns = `${team}-${env}`;
  const out: Req[] = [
    { method: 'GET', path: `/api/v1/namespaces/${ns}/pods?limit=500` },
    { method: 'GET', path: `/api/v1/namespaces/${ns}/events?limit=500` },
  ];
  const logs = 1 + Math.floor(rand() * 3);
  for (let i = 0; i < logs; i++) out.push({ method: 'GET', path: `/api/v1/namespaces/${ns}/pods/${pod(`${team}-api`, n + i)}/log?container=api&tailLines=200` });
  if (rand() < 0.6) out.push({ method: 'GET', path: `/apis/apps/v1/namespaces/${ns}/deployments/${team}-api` });
  if (rand() < 0.4) out.push({ method: 'GET', path: `/api/v1/namespaces/${ns}/configmaps/${team}-api` });
  // "Check the database credentials the pod uses": the model reads the Secret it names, in staging.
  if (rand() < 0.25) out.push({ method: 'GET', path: `/api/v1/namespaces/${team}-staging/secrets/${team}-db` });
  return out;
}

function ownTask(rand: () => number, t: number, team: string, n: number): Req[] {
  const k = rand();
  if (k < 0.3) return [{ method: 'GET', path: `/api/v1/namespaces/${team}-prod/pods?limit=500` }];
  if (k < 0.5) return [{ method: 'PATCH', path: `/apis/apps/v1/namespaces/${team}-staging/deployments/${team}-api?fieldManager=kubectl-rollout`, headers: SMP, body: restartPatch(t) }];
  if (k < 0.7) return [{ method: 'GET', path: `/api/v1/namespaces/${team}-staging/pods/${pod(`${team}-api`, n)}/log?container=api&tailLines=500` }];
  if (k < 0.8) return [{ method: 'GET', path: `/api/v1/namespaces/${team}-staging/secrets/${team}-db` }];
  return [{ method: 'GET', path: `/apis/apps/v1/namespaces/${team}-prod/deployments?limit=500` }];
}

/** One Cursor agent turn through the MCP server's tools (pods_list, events_list, pods_log, resources_get, pods_top). */
function mcpSession(rand: () => number, team: string, n: number): Req[] {
  const env = rand() < 0.5 ? 'prod' : 'staging';
  const ns = `${team}-${env}`;
  const out: Req[] = [{ method: 'GET', path: rand() < 0.5 ? '/api/v1/pods' : `/api/v1/namespaces/${ns}/pods`, ua: 'mcp' }];
  if (rand() < 0.5) out.push({ method: 'GET', path: '/api/v1/events', ua: 'mcp' });
  out.push({ method: 'GET', path: `/api/v1/namespaces/${ns}/pods/${pod(`${team}-api`, n)}/log?container=api&tailLines=100`, ua: 'mcp' });
  if (rand() < 0.5) out.push({ method: 'GET', path: `/apis/metrics.k8s.io/v1beta1/namespaces/${ns}/pods`, ua: 'mcp' });
  if (rand() < 0.5) out.push({ method: 'GET', path: `/apis/apps/v1/namespaces/${ns}/deployments/${team}-api`, ua: 'mcp' });
  if (rand() < 0.3) out.push({ method: 'GET', path: `/api/v1/namespaces/${team}-staging/secrets/${team}-db`, ua: 'mcp' });
  return out;
}

function platformTask(rand: () => number, n: number): Req[] {
  const k = rand();
  if (k < 0.2) return [{ method: 'GET', path: '/api/v1/namespaces/ingress-nginx/pods?limit=500' }, { method: 'GET', path: `/api/v1/namespaces/ingress-nginx/pods/${pod('ingress-nginx-controller', n)}/exec?command=sh&container=controller&stdin=true&stdout=true&tty=true`, headers: WS_UPGRADE }];
  if (k < 0.6) return [{ method: 'GET', path: '/api/v1/nodes' }, { method: 'GET', path: '/apis/metrics.k8s.io/v1beta1/nodes' }];
  if (k < 0.85) return [{ method: 'GET', path: '/api/v1/namespaces/kube-system/pods?limit=500' }];
  return [{ method: 'GET', path: '/apis/cert-manager.io/v1/certificates?limit=500' }];
}

/** platform-1's kubectl-ai after the node-pool rotation: "is anything unhealthy in kube-system?" */
function platformAgent(n: number): Req[] {
  return [
    { method: 'GET', path: '/api/v1/nodes' },
    { method: 'GET', path: '/api/v1/namespaces/kube-system/pods?limit=500' },
    { method: 'GET', path: '/api/v1/namespaces/kube-system/events?limit=500' },
    { method: 'GET', path: `/api/v1/namespaces/kube-system/pods/${pod('coredns', n)}/log?tailLines=200` },
    { method: 'GET', path: `/api/v1/namespaces/kube-system/pods/${pod('aws-node', n)}/log?tailLines=200` },
    { method: 'GET', path: '/apis/apps/v1/namespaces/kube-system/daemonsets?limit=500' },
  ];
}

function dataTask(rand: () => number, n: number): Req[] {
  const k = rand();
  if (k < 0.4) return [{ method: 'GET', path: '/apis/batch/v1/namespaces/etl-prod/cronjobs?limit=500' }, { method: 'GET', path: '/apis/batch/v1/namespaces/etl-prod/jobs?limit=500' }];
  if (k < 0.75) return [{ method: 'GET', path: `/api/v1/namespaces/etl-prod/pods/${pod('manifest-export', n)}/log?tailLines=500` }];
  return [{ method: 'GET', path: '/api/v1/namespaces/etl-staging/pods?limit=500' }];
}

const PROD = ['berth-prod', 'customs-prod', 'tracking-prod'];

function oncallTask(rand: () => number, n: number): Req[] {
  const ns = PROD[Math.floor(rand() * PROD.length)]!;
  const k = rand();
  if (k < 0.5) return [{ method: 'GET', path: `/api/v1/namespaces/${ns}/pods?limit=500` }, { method: 'GET', path: `/api/v1/namespaces/${ns}/events?limit=500` }];
  if (k < 0.8) return [{ method: 'GET', path: `/api/v1/namespaces/${ns}/pods/${pod(`${ns.split('-')[0]}-api`, n)}/log?container=api&tailLines=500` }];
  return [{ method: 'GET', path: '/api/v1/nodes' }];
}

/** The 15:00 incident on berth-api: the agent's reads, then the on-call's approved restart. */
function incident(t: number, n: number): Req[] {
  const out: Req[] = [
    { method: 'GET', path: '/api/v1/namespaces/berth-prod/pods?limit=500' },
    { method: 'GET', path: '/api/v1/namespaces/berth-prod/events?limit=500' },
  ];
  for (let i = 0; i < 4; i++) out.push({ method: 'GET', path: `/api/v1/namespaces/berth-prod/pods/${pod('berth-api', n + i)}/log?container=api&tailLines=300` });
  out.push({ method: 'GET', path: '/apis/apps/v1/namespaces/berth-prod/deployments/berth-api' });
  out.push({ method: 'GET', path: '/apis/autoscaling/v2/namespaces/berth-prod/horizontalpodautoscalers/berth-api' });
  out.push({ method: 'PATCH', path: '/apis/apps/v1/namespaces/berth-prod/deployments/berth-api?fieldManager=kubectl-rollout', headers: SMP, body: restartPatch(t) });
  out.push({ method: 'GET', path: '/apis/apps/v1/namespaces/berth-prod/deployments/berth-api' });
  return out;
}

function addressOf(p: Person, where: Where, n: number): string {
  if (where === 'office') return OFFICE(p.idx + n);
  if (where === 'cowork') return COWORK;
  return p.home;
}

/**
 * How each request's sign-in goes: everyone signs in through the plugin. It reads its kubectl's
 * argv on Linux (/proc) and macOS (ps, since day 29), only when kubectl ran it (not the MCP server).
 */
export function pluginOf(ev: DayEvent): 'argv' | 'newest' | undefined {
  if (ev.actor === 'ci') return undefined;
  return ev.ua.startsWith('kubectl/') && /\((linux|darwin)\//.test(ev.ua) ? 'argv' : 'newest';
}

export function workday29(seed = 271): DayEvent[] {
  const rand = prng(seed * 2_654_435_761 + 29);
  const people = staff(rand);
  const events: DayEvent[] = [];
  for (const [day, scored] of [[D29_MON, false], [D29_TUE, true]] as const) {
    const at = (h: number) => day + h * H;
    for (const p of people) {
      let n = 0;
      let login: Login | undefined;
      let last = -Infinity;
      let incidentDone = false;
      for (const [from, to, where] of scored ? p.scored : p.warm) {
        // A new sitting after a break of two hours is a new sign-in (the plugin's refresh token outlives lunch, not an evening).
        if (login === undefined || from - last > 2) login = { sub: p.name, sid: `${p.name}:${day}:${Math.round(from * 10)}`, authTime: Math.floor((at(from) - 40 * S) / 1000), acr: 'urn:stepgate:aal2' };
        last = to;
        const l = login;
        let t = at(from) + M;
        let agentSessions = 0;
        while (t < at(to)) {
          let reqs: Req[];
          let gap = 1500 + rand() * 2500;
          if (p.kind === 'oncall' && scored && !incidentDone && t >= at(15)) {
            incidentDone = true;
            reqs = incident(t, n);
            gap = 2000 + rand() * 3000;
          } else if ((p.kind === 'ai' || p.kind === 'oncall') && agentSessions < 3 && rand() < 0.3) {
            agentSessions++;
            reqs = agentSession(rand, p.kind === 'oncall' ? PROD[Math.floor(rand() * PROD.length)]!.split('-')[0]! : p.team, n, p.kind === 'oncall');
            // One tool call per model turn.
            gap = 2000 + rand() * 3000;
          } else if (p.kind === 'mcp' && rand() < 0.45) {
            reqs = mcpSession(rand, p.team, n);
            gap = 1500 + rand() * 3000;
          } else if (p.kind === 'platform' && p.short === 'platform-1' && agentSessions < 1 && t >= at(9)) {
            agentSessions++;
            reqs = platformAgent(n);
            gap = 2000 + rand() * 3000;
          } else {
            reqs = p.kind === 'platform' ? platformTask(rand, n) : p.kind === 'data' ? dataTask(rand, n) : p.kind === 'oncall' ? oncallTask(rand, n) : ownTask(rand, t, p.team, n);
          }
          const ip = addressOf(p, where, n);
          reqs.forEach((q, i) => {
            events.push({
              at: Math.round(t + i * gap),
              actor: p.name,
              scored,
              ip,
              ua: q.ua === 'mcp' ? MCP(p.kubectlOs) : KUBECTL(p.kubectlOs),
              login: l,
              method: q.method,
              path: q.path,
              host: API,
              ...(q.headers ? { headers: q.headers } : {}),
              ...(q.body !== undefined ? { body: q.body } : {}),
            });
          });
          n++;
          t += 5 * M + rand() * 15 * M;
        }
      }
    }
    // CI: self-hosted runners in the company's VPC (the internal listener), tracking's staging image every 20 minutes, 06:00–18:00.
    ciDeploys(events, { day, scored, seed, sub: 'system:serviceaccount:ci:tracking-deployer', ip: CI_RUNNER, host: API, namespace: 'tracking-staging', deployment: 'tracking-api', image: 'ghcr.io/havenlijn/tracking-api', ua: KUBECTL('linux/amd64') });
  }
  events.sort((a, b) => a.at - b.at);
  return withAttacks(events, attacks29(people, events));
}

/** A privileged pod with the node's root filesystem, as an injected agent writes it. */
const ROOT_POD = (ns: string) => JSON.stringify({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'debug-tools', namespace: ns }, spec: { hostPID: true, hostNetwork: true, containers: [{ name: 'shell', image: 'docker.io/library/alpine:3.20', command: ['sh', '-c', 'sleep 86400'], securityContext: { privileged: true }, volumeMounts: [{ name: 'host', mountPath: '/host' }] }], volumes: [{ name: 'host', hostPath: { path: '/' } }] } });

function attacks29(people: Person[], routine: DayEvent[]): DayEvent[] {
  const out: DayEvent[] = [];
  const { by, add, T, on } = attackKit(out, people, D29_TUE, API);
  const secret = (ns: string, name: string): [string, string, boolean] => ['GET', `/api/v1/namespaces/${ns}/secrets/${name}`, true];
  const kubectl = (e: DayEvent) => e.ua.startsWith('kubectl/');
  const any = () => true;
  const lastOf = (who: Person, t: number, match: (e: DayEvent) => boolean = any) => lastScoredOf(routine, who.name, t, match);

  // 1. ai-2 asks kubectl-ai to "set up the repo per its README" at 10:20; the README's hidden
  // comment tells the model to check "cluster credential hygiene": every Secret listed, then
  // customs' production ones read, one tool call per turn, through ai-2's kubectl from home.
  const a2 = by('ai-2');
  const v1 = lastOf(a2, T(10.33), kubectl);
  add('a poisoned README has kubectl-ai list every Secret and read production ones through the engineer\'s kubectl', T(10.33), v1.ip, v1.ua, v1.login, on([
    ['GET', '/api/v1/namespaces?limit=500', false],
    ['GET', '/api/v1/secrets?limit=500', true],
    secret('customs-prod', 'customs-db'),
    secret('customs-prod', 'customs-registry-api'),
    secret('berth-prod', 'berth-db'),
  ]), 3 * S, a2);

  // 2. mcp-1 asks Cursor to triage the new issues at 11:40; one issue's comment tells the agent that
  // "the maintainers need a debug pod to reproduce": the MCP server's resources_create_or_update.
  const m1 = by('mcp-1');
  const v2 = lastOf(m1, T(11.66));
  add('a prompt-injected issue has the MCP server create a privileged pod with the node\'s root filesystem', T(11.66), v2.ip, MCP(m1.kubectlOs), v2.login, on([
    ['GET', '/api/v1/namespaces/tracking-staging/pods', false],
    ['POST', '/api/v1/namespaces/tracking-staging/pods', true, JSON_CT, ROOT_POD('tracking-staging')],
  ]), 4 * S, m1);

  // 3. During the 15:00 incident the on-call's kubectl-ai reads berth-api's logs; a line planted in
  // the access log (an HTTP request's User-Agent) tells it to "verify the container's environment":
  // a shell in the production pod, then berth's production Secrets. Right after the on-call's own
  // sign-in, if the restart asked one.
  const oc = by('oncall');
  const v3 = lastOf(oc, T(15.12), kubectl);
  add('a planted log line has the on-call\'s kubectl-ai exec into production and read its Secrets during the incident', T(15.12), v3.ip, v3.ua, v3.login, on([
    ['GET', '/api/v1/namespaces/berth-prod/pods?limit=500', false],
    ['GET', `/api/v1/namespaces/berth-prod/pods/${podName('berth-api', 3)}/exec?command=sh&command=-c&command=env&container=api&stdout=true&stderr=true`, true, WS_UPGRADE],
    secret('berth-prod', 'berth-db'),
    secret('berth-prod', 'berth-port-authority-api'),
  ]), 4 * S, oc);

  // 4. ai-3 installs a vendor's Helm chart with kubectl-ai's help at 13:50; a comment in its values
  // tells the model the chart "needs cluster-admin for its operator". The agent's first write gets
  // a 401, the plugin opens the browser ("could not tell which command asked" on macOS), and ai-3,
  // who has approved the agent's sign-ins all week, signs in. It goes on.
  const a3 = by('ai-3');
  const v4 = lastOf(a3, T(13.83), kubectl);
  add('a poisoned chart has kubectl-ai bind cluster-admin, and the engineer signs in for its prompt', T(13.83), v4.ip, v4.ua, v4.login, on([
    ['GET', '/api/v1/namespaces/berth-staging/serviceaccounts?limit=500', false],
    ['POST', '/apis/rbac.authorization.k8s.io/v1/clusterrolebindings?fieldManager=kubectl-create', true, JSON_CT, JSON.stringify({ apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRoleBinding', metadata: { name: 'harbor-ops-operator' }, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'cluster-admin' }, subjects: [{ kind: 'ServiceAccount', name: 'default', namespace: 'berth-staging' }] })],
    ['POST', '/api/v1/namespaces/berth-staging/pods', true, JSON_CT, ROOT_POD('berth-staging')],
  ]), 5 * S, a3);
  for (const e of out) if (e.attack?.startsWith('a poisoned chart')) e.signsIn = true;

  // 5. mcp-2 runs a second MCP server with `--port 8080` for another editor window; it listens on
  // every interface, and another tenant of the coworking space finds it at 14:20 and calls its
  // tools: tracking's production Secrets, from mcp-2's laptop with mcp-2's token.
  const m2 = by('mcp-2');
  const v5 = lastOf(m2, T(14.33));
  add('a tenant of the coworking space calls the engineer\'s MCP server, exposed on the Wi-Fi, for production Secrets', T(14.33), COWORK, MCP(m2.kubectlOs), v5.login, on([
    ['GET', '/api/v1/namespaces/tracking-prod/secrets', true],
    secret('tracking-prod', 'tracking-db'),
    secret('tracking-prod', 'tracking-ais-feed'),
  ]), 3 * S, m2);

  // 6. The README of (1), in ai-1's clone at 09:40, has the agent post the plugin's token cache to
  // a webhook; the token (whatever ai-1 holds then, their latest sign-in) is used at 09:44 from a
  // residential proxy in Rotterdam, with kubectl-ai's kubectl agent on macOS.
  const a1 = by('ai-1');
  const v6 = lastOf(a1, T(9.73), kubectl);
  add('a token posted from the plugin\'s cache by a poisoned README, used from a residential proxy in the same city', T(9.73), RESIDENTIAL, v6.ua, v6.login, on([
    ['GET', '/api/v1/namespaces/customs-prod/pods?limit=500', false],
    secret('customs-prod', 'customs-db'),
    ['GET', `/api/v1/namespaces/customs-prod/pods/${podName('customs-api', 1)}/exec?command=sh&container=api&stdin=true&stdout=true&tty=true`, true, WS_UPGRADE],
  ]), 6 * S, a1);
  return out;
}
