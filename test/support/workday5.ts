import { LINUX, MAC, WIN, PLATFORM_HINT, WS_UPGRADE, prng, withAttacks, type DayEvent, type Login, type StaffMember } from './workday.js';

/**
 * A fifth replayed day, written as an outsider would write it after reading docs/risk.md, from
 * situations days 1–4 do not have: an incident at night (02:10 UTC) worked by the on-call SRE from
 * a phone hotspot on carrier NAT, a second engineer who joins from a hotel room and a manager who
 * opens the dashboards on a Windows laptop; the next day a team offsite at a conference venue
 * (six engineers new to one shared venue Wi-Fi at once, behind two NAT addresses); an engineer
 * travelling Berlin → Lisbon (home, airport Wi-Fi, plane Wi-Fi whose egress is in another
 * continent, then the Lisbon office); a platform team upgrading the cluster (cordon, drain by
 * eviction across every namespace, deleting stuck pods, two engineers one after the other); a
 * WSL user whose kubectl in WSL and kubectl.exe in PowerShell share one token cache, with Edge on
 * Windows; an intern on their first day (`kubectl auth can-i --list`, a watch); a contractor on a
 * four-hour day scoped to one namespace, through a cloud SDK's kubectl dispatcher; `kubectl debug`
 * (ephemeral containers), `kubectl cp` (exec running tar), exec over WebSocket (kubectl ≥ 1.30
 * sends it as a GET), `get --watch` held open, `kubectl top`; a browser-only manager on Grafana
 * and the Argo CD UI; CI releasing to staging from the runner pool.
 *
 * The attacks are the issue's classes as an informed outsider would try them, plus: a token
 * phished at the hotel's captive portal used from the same hotel network with the victim's
 * exact user agent, an attacker who reads harmlessly for an hour before the first Secret, a
 * fresh token captured at sign-in and used minutes later from a residential proxy in the victim's
 * country, `kubectl cp` out of a production pod from the victim's laptop, exec as a WebSocket GET
 * on a path with a trailing slash, `kubectl debug node/…` (a privileged pod in `default`), and
 * the CI identity creating a privileged pod in the staging namespace it deploys to every day.
 */

export const D5_DAY0 = Date.UTC(2027, 0, 11, 0, 0, 0); // warm-up (a Monday), not scored
export const D5_DAY1 = D5_DAY0 + 86_400_000;
const H = 3_600_000;
const M = 60_000;
const S = 1000;

const KUBECTL = (v: string, os: string) => `kubectl/${v} (${os}) kubernetes/${v === 'v1.32.3' ? '32cc146' : '9894294'}`;
const DISPATCHER = (os: string) => `kubectl.1.31/v1.31.6-dispatcher (${os}) kubernetes/9894294`;
const CHROME = (os: string, v = '131.0.0.0') => `Mozilla/5.0 (${os}) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/${v} Safari/537.36`;
const EDGE = `Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36 Edg/131.0.2903.112`;
const FIREFOX = (os: string) => `Mozilla/5.0 (${os}; rv:134.0) Gecko/20100101 Firefox/134.0`;

const SERVICES = ['orders', 'billing', 'identity', 'ledger'] as const;

type Where = 'office' | 'home' | 'hotspot' | 'hotel' | 'venue' | 'airport' | 'plane' | 'lisbon' | 'cowork';

/** Both days' sittings in hours UTC. */
interface Person extends StaffMember<Where> {
  tools: ('kubectl' | 'kubectl.exe' | 'dispatcher' | 'browser' | 'argocd-ui')[];
  browser: 'chrome' | 'firefox' | 'edge';
  kind?: 'platform' | 'manager' | 'intern' | 'contractor';
}

function staff(rand: () => number): Person[] {
  const out: Person[] = [];
  const add = (p: Partial<Person> & { name: string }) => {
    const idx = out.length;
    const mac = idx % 3 === 0;
    const start = 7.5 + rand() * 1.5;
    const len = 7.5 + rand();
    out.push({
      idx,
      svc: SERVICES[idx % 4]!,
      warm: [[start, start + len, idx % 4 === 1 ? 'home' : 'office']],
      scored: [[start, start + len, idx % 4 === 1 ? 'home' : 'office']],
      os: mac ? MAC : LINUX,
      kubectlOs: mac ? 'darwin/arm64' : 'linux/amd64',
      kubectlVersion: idx % 2 ? 'v1.31.6' : 'v1.32.3',
      tools: ['kubectl', 'kubectl', 'kubectl', 'browser'],
      browser: idx % 5 === 2 ? 'firefox' : 'chrome',
      ...p,
      name: `d5-${p.name}@example.net`,
    });
  };
  // The night: on-call from a phone hotspot, back to work from home at 10:30.
  add({ name: 'oncall', warm: [[8, 12, 'office'], [13, 17, 'home']], scored: [[2.15, 3.1, 'hotspot'], [10.5, 16.5, 'home']] });
  // Joins the incident from a hotel room, then the offsite at the venue.
  add({ name: 'hotel', scored: [[2.4, 3.05, 'hotel'], [9.1, 16.8, 'venue']] });
  // Browser only: Grafana and the Argo CD UI, on Windows; at night from home.
  add({ name: 'manager', kind: 'manager', os: WIN, browser: 'chrome', tools: ['browser', 'browser', 'argocd-ui'], warm: [[8.5, 16.5, 'office'], [20, 20.4, 'home']], scored: [[2.65, 2.95, 'home'], [9, 16.5, 'office']] });
  // The offsite: five more at the venue from 09:00, a little work from home first (as every day).
  for (let j = 0; j < 5; j++) add({ name: `offsite-${j}`, warm: [[7.2 + j * 0.1, 8.2, 'home'], [9 + j * 0.05, 17, 'office']], scored: [[7.2 + j * 0.1, 8.2, 'home'], [9 + j * 0.05, 17, 'venue']] });
  // Berlin → Lisbon: home, airport, plane, the Lisbon office.
  add({ name: 'traveller', warm: [[6, 7, 'home'], [8, 17, 'office']], scored: [[5.5, 6.3, 'home'], [6.6, 7.4, 'airport'], [7.7, 9.6, 'plane'], [11.2, 17, 'lisbon']] });
  // The cluster upgrade: one engineer in the office in the morning, one from home after lunch.
  add({ name: 'platform-0', kind: 'platform', warm: [[8, 16.5, 'office']], scored: [[8, 16.5, 'office']] });
  add({ name: 'platform-1', kind: 'platform', warm: [[9, 17.5, 'home']], scored: [[9, 17.5, 'home']] });
  // WSL: kubectl in WSL (linux) and kubectl.exe (windows) share one token cache; Edge on Windows.
  add({ name: 'wsl', os: WIN, kubectlOs: 'linux/amd64', browser: 'edge', tools: ['kubectl', 'kubectl', 'kubectl.exe', 'browser'] });
  // First day: signs in at 09:00 for onboarding, first kubectl call at 09:20.
  add({ name: 'intern', kind: 'intern', warm: [], scored: [[9.33, 17, 'office']] });
  // Four hours, one namespace, a coworking space, through a cloud SDK's dispatcher and plain kubectl.
  add({ name: 'contractor', kind: 'contractor', svc: 'billing', tools: ['dispatcher', 'kubectl', 'dispatcher'], warm: [[13, 17, 'cowork']], scored: [[13, 17, 'cowork']] });
  // Two more developers with plain days (debug, cp, watch, top).
  add({ name: 'dev-0' });
  add({ name: 'dev-1', kubectlOs: 'darwin/arm64', os: MAC });
  return out;
}

function addressOf(p: Person, where: Where, n: number): string {
  const i = p.idx;
  switch (where) {
    case 'office':
      return `10.20.5.${40 + i}`;
    case 'home':
      return `84.${130 + i}.${(i * 37) % 250}.${10 + i}`;
    case 'hotspot':
      // A phone's hotspot on carrier-grade NAT: a new public address every request or two, a new /24 every third.
      return `176.5.${(100 + i * 9 + Math.floor(n / 3)) % 250}.${(n * 17) % 250 + 2}`;
    case 'hotel':
      return '94.231.104.77';
    case 'venue':
      // One venue Wi-Fi for everyone at the conference, behind two NAT addresses.
      return n % 5 === 2 ? '145.100.190.34' : '145.100.190.33';
    case 'airport':
      return `185.229.4.${(n * 7) % 60 + 130}`;
    case 'plane':
      // In-flight Wi-Fi egresses through the provider's ground station on another continent.
      return `66.180.17.${(n * 3) % 40 + 9}`;
    case 'lisbon':
      return `2a01:1b0:7:20::${(0x40 + i).toString(16)}`;
    case 'cowork':
      return '91.64.201.18';
  }
}

type Req = { method: string; path: string; host?: string; headers?: Record<string, string> };

function task(rand: () => number, p: Person, tool: Person['tools'][number]): Req[] {
  const svc = p.kind === 'contractor' ? p.svc : rand() < 0.8 ? p.svc : SERVICES[Math.floor(rand() * 4)]!;
  const r0 = rand();
  const ns = p.kind === 'contractor' ? `${svc}-staging` : p.kind === 'intern' ? (r0 < 0.7 ? svc : `${svc}-staging`) : r0 < 0.45 ? svc : r0 < 0.75 ? `${svc}-staging` : `prod-${svc}`;
  const pod = `${svc}-api-7f8b9c-${['x2k4p', 'q9w8e', 'r5t6y'][Math.floor(rand() * 3)]}`;
  if (tool === 'browser') return [{ method: 'GET', host: 'grafana.localhost', path: `/d/${svc}-overview` }, { method: 'GET', host: 'grafana.localhost', path: '/api/ds/query?ds=prometheus' }];
  if (tool === 'argocd-ui') {
    const out: Req[] = [{ method: 'GET', host: 'argocd.localhost', path: '/api/v1/applications' }, { method: 'GET', host: 'argocd.localhost', path: `/api/v1/applications/${svc}-prod/resource-tree` }];
    if (rand() < 0.2) out.push({ method: 'POST', host: 'argocd.localhost', path: `/api/v1/applications/${svc}-staging/sync` });
    return out;
  }
  const k = rand();
  if (p.kind === 'intern') {
    if (k < 0.15) return [{ method: 'POST', path: '/apis/authorization.k8s.io/v1/selfsubjectrulesreviews' }];
    if (k < 0.3) return [{ method: 'GET', path: `/api/v1/namespaces/${ns}/pods?watch=true&resourceVersion=0` }];
  }
  if (k < 0.3) return [{ method: 'GET', path: `/api/v1/namespaces/${ns}/pods` }, { method: 'GET', path: `/api/v1/namespaces/${ns}/pods/${pod}/log?tailLines=200` }];
  if (k < 0.4) return [{ method: 'GET', path: `/apis/metrics.k8s.io/v1beta1/namespaces/${ns}/pods` }];
  if (k < 0.5) return [{ method: 'GET', path: `/apis/apps/v1/namespaces/${ns}/deployments?watch=true` }];
  if (k < 0.56) return [{ method: 'POST', path: `/apis/authorization.k8s.io/v1/selfsubjectaccessreviews` }, { method: 'GET', path: `/api/v1/namespaces/${ns}/secrets/${svc}-db` }];
  if (k < 0.63) return [{ method: 'GET', path: `/api/v1/namespaces/${ns}/pods/${pod}` }, { method: 'GET', path: `/api/v1/namespaces/${ns}/pods/${pod}/exec?command=sh&stdin=true&stdout=true&tty=true`, headers: WS_UPGRADE }];
  if (k < 0.67) return [{ method: 'GET', path: `/api/v1/namespaces/${ns}/pods/${pod}` }, { method: 'GET', path: `/api/v1/namespaces/${ns}/pods/${pod}/exec?command=tar&command=cf&command=-&command=%2Ftmp%2Fprofile&stdout=true`, headers: WS_UPGRADE }];
  if (k < 0.7) return [{ method: 'GET', path: `/api/v1/namespaces/${ns}/pods/${pod}` }, { method: 'PATCH', path: `/api/v1/namespaces/${ns}/pods/${pod}/ephemeralcontainers` }, { method: 'GET', path: `/api/v1/namespaces/${ns}/pods/${pod}/attach?container=debugger-x7k2&stdin=true&tty=true`, headers: WS_UPGRADE }];
  if (k < 0.78) return [{ method: 'PATCH', path: `/apis/apps/v1/namespaces/${ns}/deployments/${svc}-api` }, { method: 'GET', path: `/apis/apps/v1/namespaces/${ns}/deployments/${svc}-api` }];
  if (k < 0.82) return [{ method: 'DELETE', path: `/api/v1/namespaces/${ns}/pods/${pod}` }];
  if (k < 0.9) return [{ method: 'GET', path: `/api/v1/namespaces/${ns}/events` }, { method: 'GET', path: `/api/v1/namespaces/${ns}/configmaps` }];
  return [{ method: 'GET', path: `/apis/batch/v1/namespaces/${ns}/cronjobs` }];
}

/** A platform engineer's routine on a quiet day: nodes, kube-system, the odd stuck pod. */
function platformTask(rand: () => number): Req[] {
  const k = rand();
  const svc = SERVICES[Math.floor(rand() * 4)]!;
  if (k < 0.3) return [{ method: 'GET', path: '/api/v1/nodes' }, { method: 'GET', path: '/apis/metrics.k8s.io/v1beta1/nodes' }];
  if (k < 0.5) return [{ method: 'GET', path: '/api/v1/namespaces/kube-system/pods' }, { method: 'GET', path: `/api/v1/namespaces/kube-system/pods/coredns-6f6b679f8f-${['bq7x2', 'm4k9z'][Math.floor(rand() * 2)]}/log` }];
  if (k < 0.6) return [{ method: 'GET', path: '/api/v1/pods?fieldSelector=status.phase%21%3DRunning' }];
  if (k < 0.7) return [{ method: 'GET', path: '/api/v1/namespaces/ingress-nginx/secrets/ingress-tls' }];
  if (k < 0.8) return [{ method: 'PATCH', path: '/apis/apps/v1/namespaces/kube-system/daemonsets/node-exporter' }];
  if (k < 0.88) return [{ method: 'DELETE', path: `/api/v1/namespaces/prod-${svc}/pods/${svc}-worker-5d7c8b-stuck` }];
  return [{ method: 'GET', path: `/api/v1/namespaces/prod-${svc}/events` }];
}

function uaOf(p: Person, tool: Person['tools'][number], scored: boolean, hour: number): { ua: string; headers?: Record<string, string> } {
  // The team moves to kubectl v1.32.3 at 12:00 on the scored day.
  const kv = scored && hour >= 12 ? 'v1.32.3' : p.kubectlVersion;
  switch (tool) {
    case 'kubectl':
      return { ua: KUBECTL(kv, p.kubectlOs) };
    case 'kubectl.exe':
      return { ua: KUBECTL(kv, 'windows/amd64') };
    case 'dispatcher':
      return { ua: DISPATCHER(p.kubectlOs) };
    default:
      if (p.browser === 'edge') return { ua: EDGE, headers: { 'sec-ch-ua-platform': '"Windows"' } };
      if (p.browser === 'firefox') return { ua: FIREFOX(p.os) };
      return { ua: CHROME(p.os), headers: { 'sec-ch-ua-platform': PLATFORM_HINT[p.os]! } };
  }
}

export function workday5(seed = 31): DayEvent[] {
  const rand = prng(seed * 2_654_435_761 + 7);
  const people = staff(rand);
  const events: DayEvent[] = [];
  for (const day of [D5_DAY0, D5_DAY1]) {
    const scored = day === D5_DAY1;
    for (const p of people) {
      const blocks = scored ? p.scored : p.warm;
      if (blocks.length === 0) continue;
      const mine: DayEvent[] = [];
      // Sign-ins: the morning one 40 s before the first request; at night a fresh one (woken by
      // the pager; the evening's session has expired) and another when the working day starts.
      // The intern signs in at 09:00 for onboarding, 20 minutes before their first kubectl call.
      const logins: [number, Login][] = [];
      let prevEnd = -Infinity;
      for (const [from, to] of blocks) {
        if (from - prevEnd > 4) {
          const at = p.kind === 'intern' ? day + 9 * H : day + from * H - 40 * S;
          logins.push([day + from * H, { sub: p.name, sid: `${p.name}:${day}:${from}`, authTime: Math.floor(at / 1000), acr: 'urn:stepgate:aal2' }]);
        }
        prevEnd = to;
      }
      const loginAt = (t: number) => logins.filter(([from]) => from <= t).pop()?.[1] ?? logins[0]![1];
      let n = 0;
      for (const [from, to, where] of blocks) {
        let t = day + from * H;
        const end = day + to * H;
        const night = from < 5;
        while (t < end) {
          const hour = (t - day) / H;
          if (hour >= 11.5 && hour < 12.25 && where !== 'plane') {
            t = day + 12.25 * H;
            continue;
          }
          // Night work is the incident (below); the manager only looks at the dashboards.
          if (night && p.kind !== 'manager') break;
          const tool = p.tools[Math.floor(rand() * p.tools.length)]!;
          const { ua, headers } = uaOf(p, tool, scored, hour);
          // On the plane, reads only: logs and the pods' state.
          const reqs = p.kind === 'platform' && tool === 'kubectl' ? platformTask(rand) : where === 'plane' ? task(rand, p, tool).filter((q) => q.method === 'GET' && !q.path.includes('/exec') && !q.path.includes('/secrets')) : task(rand, p, tool);
          const gap = 600 + rand() * 2000;
          reqs.forEach((q, k) =>
            mine.push({ at: Math.round(t + k * gap), actor: p.name, scored, ip: addressOf(p, where, n++), ua, ...(headers || q.headers ? { headers: { ...headers, ...q.headers } } : {}), login: loginAt(t), method: q.method, path: q.path, ...(q.host ? { host: q.host } : {}) }),
          );
          t += (where === 'plane' ? 10 : 4) * M + rand() * 11 * M;
        }
      }
      const kube = (at: number, where: Where, method: string, path: string, headers?: Record<string, string>) =>
        mine.push({ at: Math.round(at), actor: p.name, scored, ip: addressOf(p, where, n++), ua: KUBECTL(p.kubectlVersion, p.kubectlOs), login: loginAt(at), method, path, ...(headers ? { headers } : {}) });
      if (scored && p.name.startsWith('d5-oncall')) {
        // 02:10: orders are failing. Pods, events, logs, the database Secret, a shell over WebSocket,
        // a restart, a scale-up, a few stuck pods deleted, billing checked.
        const t1 = day + 2.15 * H;
        const steps: [string, string, Record<string, string>?][] = [
          ['GET', '/api/v1/namespaces/prod-orders/pods'],
          ['GET', '/api/v1/namespaces/prod-orders/events'],
          ['GET', '/api/v1/namespaces/prod-orders/pods/orders-api-7f8b9c-x2k4p/log?tailLines=500'],
          ['GET', '/apis/metrics.k8s.io/v1beta1/namespaces/prod-orders/pods'],
          ['GET', '/api/v1/namespaces/prod-orders/secrets/orders-db'],
          ['GET', '/api/v1/namespaces/prod-orders/pods/orders-api-7f8b9c-x2k4p/exec?command=sh&stdin=true&stdout=true&tty=true', WS_UPGRADE],
          ['PATCH', '/apis/apps/v1/namespaces/prod-orders/deployments/orders-api'],
          ['GET', '/apis/apps/v1/namespaces/prod-orders/deployments/orders-api?watch=true'],
          ['DELETE', '/api/v1/namespaces/prod-orders/pods/orders-worker-5d7c8b-stuck'],
          ['GET', '/api/v1/namespaces/prod-billing/pods'],
          ['PATCH', '/apis/apps/v1/namespaces/prod-orders/deployments/orders-worker/scale'],
          ['GET', '/api/v1/namespaces/prod-billing/pods/billing-api-7f8b9c-q9w8e/log?tailLines=200'],
          ['DELETE', '/api/v1/namespaces/prod-orders/pods/orders-api-7f8b9c-q9w8e'],
          ['GET', '/api/v1/namespaces/prod-orders/pods'],
          ['GET', '/api/v1/namespaces/prod-orders/events'],
        ];
        steps.forEach(([method, path, h], k) => kube(t1 + k * 150 * S, 'hotspot', method, path, h));
      }
      if (scored && p.name.startsWith('d5-hotel')) {
        // 02:25: billing's side of it, from the hotel room.
        const t1 = day + 2.4 * H;
        const steps: [string, string, Record<string, string>?][] = [
          ['GET', '/api/v1/namespaces/prod-billing/pods'],
          ['GET', '/api/v1/namespaces/prod-billing/pods/billing-api-7f8b9c-q9w8e/log?tailLines=500'],
          ['GET', '/api/v1/namespaces/prod-billing/secrets/billing-db'],
          ['GET', '/api/v1/namespaces/prod-billing/pods/billing-api-7f8b9c-q9w8e/exec?command=sh&stdin=true&stdout=true&tty=true', WS_UPGRADE],
          ['GET', '/api/v1/namespaces/prod-orders/events'],
          ['PATCH', '/apis/apps/v1/namespaces/prod-billing/deployments/billing-api'],
          ['GET', '/api/v1/namespaces/prod-billing/pods?watch=true'],
        ];
        steps.forEach(([method, path, h], k) => kube(t1 + k * 200 * S, 'hotel', method, path, h));
      }
      if (p.kind === 'platform') {
        // The upgrade on the scored day (a lighter node rotation on the warm-up day): cordon a
        // node, drain it (kubectl evicts every pod on it, from every namespace, at once), delete
        // the pods stuck terminating, wait, next node. platform-0 does nodes 1–4 from 10:00,
        // platform-1 nodes 5–8 from 13:30.
        const nodes = scored ? 4 : 1;
        const t0 = day + (p.name.startsWith('d5-platform-0') ? 10 : 13.5) * H;
        const where: Where = p.name.startsWith('d5-platform-0') ? 'office' : 'home';
        for (let k = mine.length - 1; k >= 0; k--) if (mine[k]!.at >= t0 - 2 * M && mine[k]!.at <= t0 + nodes * 25 * M) mine.splice(k, 1);
        for (let node = 0; node < nodes; node++) {
          const tn = t0 + node * 25 * M;
          const name = `pool-b-${(p.idx * 4 + node).toString(36)}9k2`;
          kube(tn, where, 'GET', '/api/v1/nodes');
          kube(tn + 5 * S, where, 'PATCH', `/api/v1/nodes/${name}`);
          kube(tn + 6 * S, where, 'GET', `/api/v1/pods?fieldSelector=spec.nodeName%3D${name}`);
          const victims = [...SERVICES.flatMap((s) => [`prod-${s}`, `${s}-staging`]), 'kube-system', 'monitoring', 'ingress-nginx'];
          victims.forEach((ns, j) => {
            if ((j + node) % 3 === 0) return;
            const pod = `${ns.replace(/^prod-|-staging$/g, '')}-${['api', 'worker'][j % 2]}-${(node * 7 + j).toString(36)}x`;
            kube(tn + 8 * S + j * 150, where, 'POST', `/api/v1/namespaces/${ns}/pods/${pod}/eviction`);
          });
          kube(tn + 4 * M, where, 'DELETE', `/api/v1/namespaces/prod-${SERVICES[node % 4]}/pods/${SERVICES[node % 4]}-worker-stuck-${node}`);
          kube(tn + 5 * M, where, 'GET', `/api/v1/pods?fieldSelector=spec.nodeName%3D${name}`);
          kube(tn + 12 * M, where, 'GET', '/api/v1/nodes');
          kube(tn + 12.5 * M, where, 'PATCH', `/api/v1/nodes/${name}`);
        }
      }
      mine.sort((a, b) => a.at - b.at);
      events.push(...mine);
    }
    // CI: a release job every 15 minutes in working hours from the runner pool, its own token each.
    for (let j = 0; j < 40; j++) {
      const t = day + 7 * H + j * 15 * M;
      const login: Login = { sub: 'ci-release@example.net', sid: `ci5:${day}:${j}`, authTime: Math.floor(t / 1000), acr: 'urn:stepgate:aal1' };
      const ip = `10.40.${j % 3}.${(j * 29) % 200 + 10}`;
      const svc = SERVICES[j % 4]!;
      const ua = KUBECTL('v1.31.6', 'linux/amd64');
      events.push({ at: t, actor: 'ci', scored, ip, ua, login, method: 'PATCH', path: `/apis/apps/v1/namespaces/${svc}-staging/deployments/${svc}-api?fieldManager=kubectl&force=true` });
      events.push({ at: t + 4 * S, actor: 'ci', scored, ip, ua, login, method: 'GET', path: `/apis/apps/v1/namespaces/${svc}-staging/deployments/${svc}-api` });
      events.push({ at: t + 40 * S, actor: 'ci', scored, ip, ua, login, method: 'GET', path: `/api/v1/namespaces/${svc}-staging/pods?labelSelector=app%3D${svc}-api` });
    }
  }
  return withAttacks(events, attacks5(people, events));
}

function attacks5(people: Person[], routine: DayEvent[]): DayEvent[] {
  const out: DayEvent[] = [];
  const by = (name: string) => people.find((p) => p.name === `d5-${name}@example.net`)!;
  /** The victim's login in use at `t` on the scored day (what a token stolen from them carries). */
  const sessionAt = (p: Person, t: number): Login => {
    let l: Login | undefined;
    for (const e of routine) if (e.actor === p.name && e.scored && (l === undefined || e.at <= t)) l = e.login;
    return l!;
  };
  /** Where the victim's kubectl was just before `t`. */
  const ipAt = (p: Person, t: number): string => {
    let ip = '';
    for (const e of routine) if (e.actor === p.name && e.scored && e.host === undefined && (ip === '' || e.at <= t)) ip = e.ip;
    return ip;
  };
  type R = [string, string, boolean, Record<string, string>?];
  const add = (attack: string, t0: number, ip: string, ua: string, login: Login, reqs: R[], gapMs: number, headers?: Record<string, string>) =>
    reqs.forEach(([method, path, sensitive, h], k) =>
      out.push({ at: Math.round(t0 + k * gapMs), actor: `attacker:${attack}`, attack, sensitive, scored: true, ip, ua, login, method, path, ...(headers || h ? { headers: { ...headers, ...h } } : {}) }),
    );
  const kubectlOf = (p: Person, t: number) => KUBECTL((t - D5_DAY1) / H >= 12 ? 'v1.32.3' : p.kubectlVersion, p.kubectlOs);

  // 1. A password sprayed successfully (aal1) against dev-0; used from a residential proxy.
  const dev0 = by('dev-0');
  add('stolen aal1 token', D5_DAY1 + 10.2 * H, '77.183.12.40', kubectlOf(dev0, D5_DAY1 + 10.2 * H), { sub: dev0.name, sid: 'spray-1', authTime: Math.floor((D5_DAY1 + 10.1 * H) / 1000), acr: 'urn:stepgate:aal1' },
    [['GET', `/api/v1/namespaces/${dev0.svc}/pods`, false], ['GET', `/api/v1/namespaces/prod-${dev0.svc}/secrets/${dev0.svc}-db`, true]], 5000);
  // 2. A fresh token captured at offsite-0's morning sign-in (AitM) and used 6 minutes later
  // from a residential proxy in the victim's country (another ISP), with the victim's user agent.
  const off0 = by('offsite-0');
  const off0Login = sessionAt(off0, D5_DAY1 + 7.3 * H);
  add('fresh token from a residential proxy', off0Login.authTime! * 1000 + 6 * M, '91.12.77.203', kubectlOf(off0, D5_DAY1 + 7.3 * H), off0Login,
    [['GET', `/api/v1/namespaces/${off0.svc}/pods`, false], ['GET', `/api/v1/namespaces/prod-${off0.svc}/secrets/${off0.svc}-db`, true], ['GET', `/api/v1/namespaces/prod-${off0.svc}/pods/${off0.svc}-api-7f8b9c-x2k4p/exec?command=sh&stdin=true&tty=true`, true, WS_UPGRADE]], 4000);
  // 3. offsite-1's fresh token from a VM in another cloud, kubectl for linux.
  const off1 = by('offsite-1');
  add('fresh token from another cloud', D5_DAY1 + 9.5 * H, '20.113.54.9', KUBECTL('v1.32.3', 'linux/amd64'), sessionAt(off1, D5_DAY1 + 9.4 * H),
    [['GET', '/version', false], ['GET', `/api/v1/namespaces/prod-${off1.svc}/secrets`, true]], 2000);
  // 4. The manager's Grafana session cookie replayed from another device and network minutes
  // after their morning sign-in: straight to Grafana's admin API.
  const mgr = by('manager');
  add('hijacked browser session (cookie replay)', D5_DAY1 + 9.2 * H, '45.134.140.22', FIREFOX(LINUX), sessionAt(mgr, D5_DAY1 + 9.1 * H),
    [['GET', '/api/search?query=', false], ['GET', '/api/admin/users', true], ['POST', '/api/admin/users', true]].map(([m, p, s]) => [m, p, s] as R), 3000);
  for (const e of out) if (e.attack === 'hijacked browser session (cookie replay)') e.host = 'grafana.localhost';
  // 5. Malware on the WSL user's laptop, through kubectl in WSL: Secrets, own namespaces first.
  const wsl = by('wsl');
  const wslNs = [wsl.svc, `${wsl.svc}-staging`, `prod-${wsl.svc}`, ...SERVICES.filter((s) => s !== wsl.svc).flatMap((s) => [`prod-${s}`, `${s}-staging`])];
  add('malware enumerating Secrets (via WSL kubectl)', D5_DAY1 + 14.3 * H, ipAt(wsl, D5_DAY1 + 14.3 * H), kubectlOf(wsl, D5_DAY1 + 14.3 * H), sessionAt(wsl, D5_DAY1 + 14.3 * H),
    wslNs.map((ns): R => ['GET', `/api/v1/namespaces/${ns}/secrets`, true]), 5000);
  // 6. Exec fan-out from dev-1's laptop as `kubectl cp` (tar) out of every production pod.
  const dev1 = by('dev-1');
  add('kubectl cp out of production pods', D5_DAY1 + 15.1 * H, ipAt(dev1, D5_DAY1 + 15.1 * H), kubectlOf(dev1, D5_DAY1 + 15.1 * H), sessionAt(dev1, D5_DAY1 + 15.1 * H),
    SERVICES.flatMap((s, k): R[] => [['GET', `/api/v1/namespaces/prod-${s}/pods/${s}-api-7f8b9c-${['x2k4p', 'q9w8e'][k % 2]}`, false], ['GET', `/api/v1/namespaces/prod-${s}/pods/${s}-api-7f8b9c-${['x2k4p', 'q9w8e'][k % 2]}/exec?command=tar&command=cf&command=-&command=%2Fvar%2Frun%2Fsecrets&stdout=true`, true, WS_UPGRADE]]), 6000);
  // 7. RBAC escalation from the venue Wi-Fi (a fellow attendee) with offsite-2's token, macOS kubectl.
  const off2 = by('offsite-2');
  add('RBAC escalation from the venue Wi-Fi', D5_DAY1 + 11 * H, '145.100.190.33', KUBECTL('v1.32.3', 'darwin/arm64'), sessionAt(off2, D5_DAY1 + 10.9 * H),
    [['POST', '/apis/authorization.k8s.io/v1/selfsubjectrulesreviews', false], ['POST', `/apis/rbac.authorization.k8s.io/v1/namespaces/prod-${off2.svc}/rolebindings`, true]], 4000);
  // 8. The CI identity (a leaked job token, used on a runner) creates a privileged pod in prod…
  const ciLogin: Login = { sub: 'ci-release@example.net', sid: 'ci5:leak', authTime: Math.floor((D5_DAY1 + 12.5 * H) / 1000), acr: 'urn:stepgate:aal1' };
  add('CI identity creates a privileged pod in prod', D5_DAY1 + 12.5 * H + 30 * S, '10.40.1.77', KUBECTL('v1.31.6', 'linux/amd64'), ciLogin, [['POST', '/api/v1/namespaces/prod-ledger/pods', true]], 1000);
  // …and in the staging namespace it deploys to every day (a hostPath pod takes the node).
  add('CI identity creates a privileged pod in staging', D5_DAY1 + 12.6 * H, '10.40.2.81', KUBECTL('v1.31.6', 'linux/amd64'), { ...ciLogin, sid: 'ci5:leak2' }, [['POST', '/api/v1/namespaces/ledger-staging/pods', true]], 1000);
  // 9. Slow and low from a new network with the contractor's token: a Secret every 25 minutes.
  const con = by('contractor');
  add('slow-and-low from a new network', D5_DAY1 + 13.4 * H, '188.68.33.120', DISPATCHER(con.kubectlOs), sessionAt(con, D5_DAY1 + 13.3 * H),
    Array.from({ length: 5 }, (_, k): R => ['GET', `/api/v1/namespaces/${SERVICES[k % 4]}-staging/secrets/${SERVICES[k % 4]}-db`, true]), 25 * M);
  // 10. Warm-up first: harmless reads for an hour from a new network with dev-1's token, then a Secret.
  add('an hour of harmless reads, then a Secret', D5_DAY1 + 10 * H, '62.210.88.14', kubectlOf(dev1, D5_DAY1 + 10 * H), sessionAt(dev1, D5_DAY1 + 9.9 * H),
    [...Array.from({ length: 12 }, (_, k): R => ['GET', `/api/v1/namespaces/${[dev1.svc, `${dev1.svc}-staging`][k % 2]}/pods`, false]), ['GET', `/api/v1/namespaces/prod-${dev1.svc}/secrets/${dev1.svc}-db`, true]], 5 * M);
  // 11. The insider: platform-1, freshly signed in, deleting production Deployments.
  const pl1 = by('platform-1');
  add('insider deletes production Deployments', D5_DAY1 + 16 * H, ipAt(pl1, D5_DAY1 + 16 * H), kubectlOf(pl1, D5_DAY1 + 16 * H), { sub: pl1.name, sid: `${pl1.name}:insider`, authTime: Math.floor((D5_DAY1 + 16 * H) / 1000) - 60, acr: 'urn:stepgate:aal2' },
    Array.from({ length: 30 }, (_, k): R => ['DELETE', `/apis/apps/v1/namespaces/prod-${SERVICES[k % 4]}/deployments/${SERVICES[k % 4]}-${['api', 'worker', 'web', 'cron', 'gateway', 'search', 'notify', 'export'][Math.floor(k / 4)]}`, true]), 1500);
  for (const e of out) if (e.attack === 'insider deletes production Deployments') e.signsIn = true;
  // 12. The hotel's captive portal phished the second on-call engineer (AitM, fresh token); the
  // attacker uses it from the same hotel network with the victim's exact kubectl agent.
  const hotel = by('hotel');
  add('phished at the hotel, used from the hotel network', D5_DAY1 + 2.7 * H, '94.231.104.77', KUBECTL(hotel.kubectlVersion, hotel.kubectlOs), sessionAt(hotel, D5_DAY1 + 2.6 * H),
    [['GET', '/api/v1/namespaces/prod-billing/pods', false], ['GET', '/api/v1/namespaces/prod-identity/secrets/identity-signing-key', true], ['GET', '/api/v1/namespaces/prod-ledger/secrets/ledger-db', true]], 8000);
  // 13. Malware on the intern's laptop: exec as a WebSocket GET on a path with a trailing slash,
  // into production (kube-apiserver trims the outer slashes: this is an exec).
  const intern = by('intern');
  add('WebSocket exec on a crafted path', D5_DAY1 + 15.5 * H, ipAt(intern, D5_DAY1 + 15.5 * H), kubectlOf(intern, D5_DAY1 + 15.5 * H), sessionAt(intern, D5_DAY1 + 15.5 * H),
    [['GET', '/api/v1/namespaces/prod-identity/pods/identity-api-7f8b9c-x2k4p/exec/?command=sh&stdin=true&stdout=true&tty=true', true, WS_UPGRADE]], 1000);
  // 14. Malware on dev-0's laptop: `kubectl debug node/…` creates a privileged pod with the
  // node's filesystem in `default`, then attaches to it.
  add('kubectl debug node (privileged pod in default)', D5_DAY1 + 11.3 * H, ipAt(dev0, D5_DAY1 + 11.3 * H), kubectlOf(dev0, D5_DAY1 + 11.3 * H), sessionAt(dev0, D5_DAY1 + 11.3 * H),
    [['GET', '/api/v1/nodes/pool-a-1k9', false], ['POST', '/api/v1/namespaces/default/pods', true], ['GET', '/api/v1/namespaces/default/pods/node-debugger-pool-a-1k9-7xq2z/attach?container=debugger&stdin=true&tty=true', true, WS_UPGRADE]], 3000);
  return out;
}
