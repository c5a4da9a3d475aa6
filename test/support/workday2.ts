import { prng, withAttacks, type DayEvent, type Login } from './workday.js';

/**
 * A second replayed day, built differently from workday.ts so that the targets are not tuned to
 * one fixture: another organisation (five teams of 5, 4, 2, 2 and 1 plus two SREs), other hours
 * (early birds, late starters, a split shift), other clients (k9s, helm, Lens, Safari and Edge,
 * the Argo CD UI, kubectl port-forward, `logs -f` and watches, client-go controllers), other
 * networks (IPv6 homes whose delegation rotates at noon, phones behind carrier NAT whose /24
 * changes from request to request, a VPN with an egress pool, an office in Lisbon on public IPv6),
 * a laptop replaced mid-day, a team offsite at a hotel, and ten attacks including a token used in
 * Singapore minutes after its owner used it in Berlin (impossible travel).
 */

export const D2_DAY0 = Date.UTC(2026, 11, 7, 0, 0, 0); // warm-up (a Monday), not scored
export const D2_DAY1 = D2_DAY0 + 86_400_000;
const H = 3_600_000;
const M = 60_000;

const KUBECTL = (v: string, os: string) => `kubectl/${v} (${os}) kubernetes/8adc0f0`;
const K9S = (os: string) => `k9s/v0.40.5 (${os}) kubernetes/$Format`;
const HELM = 'Helm/3.17.1';
const LENS = 'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Lens/2024.11.261604-latest Chrome/128.0.6613.186 Electron/32.2.0 Safari/537.36';
const SAFARI = (v: string) => `Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/${v} Safari/605.1.15`;
const EDGE = (v: string) => `Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/${v}.0.0.0 Safari/537.36 Edg/${v}.0.2903.86`;
const CHROME = (v: string) => `Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/${v} Safari/537.36`;

type Place = 'berlin' | 'lisbon' | 'home6' | 'mobile' | 'vpn' | 'offsite';

interface Person {
  name: string;
  team: string;
  /** Working blocks [from hour, to hour]. */
  blocks: [number, number][];
  /** Where, by hour: [until hour, place]. */
  places: [number, Place][];
  tools: string[];
  browser: string;
  /** Replaces the laptop at this hour: new OS, new kubectl, a new sign-in on it. */
  newLaptopAt?: number;
  sre?: boolean;
  idx: number;
}

const TEAMS: [string, number][] = [['payments', 5], ['search', 4], ['data', 2], ['web', 2], ['infra', 1]];

function people(rand: () => number): Person[] {
  const out: Person[] = [];
  let idx = 0;
  for (const [team, size] of TEAMS) {
    for (let j = 0; j < size; j++, idx++) {
      const mac = idx % 2 === 0;
      const os = mac ? 'darwin/arm64' : 'linux/amd64';
      const kv = ['v1.30.8', 'v1.31.5', 'v1.33.1'][idx % 3]!;
      const tools = [KUBECTL(kv, os)];
      if (idx % 3 === 0) tools.push(K9S(os));
      if (idx % 4 === 1) tools.push(HELM);
      if (mac && idx % 5 === 2) tools.push(LENS);
      const shape = idx % 5;
      const start = shape === 0 ? 6 + rand() : shape === 1 ? 11 + rand() : 8.5 + rand() * 1.5;
      const blocks: [number, number][] = idx === 6 ? [[7, 11], [15, 18.5]] : [[start, start + 7.5 + rand() * 0.5]];
      // Lisbon sits on public IPv6; some work from an IPv6 home; one is mostly on a phone.
      const places: [number, Place][] =
        idx % 6 === 0 ? [[24, 'lisbon']] : idx % 6 === 1 ? [[24, 'home6']] : idx % 6 === 2 ? [[13, 'berlin'], [15, 'mobile'], [24, 'berlin']] : idx % 6 === 3 ? [[24, 'vpn']] : [[24, 'berlin']];
      out.push({ name: `d2-${team}-${j}@example.org`, team, blocks, places, tools, browser: mac ? SAFARI(idx % 2 ? '18.1' : '18.1.1') : idx % 3 ? EDGE('131') : CHROME('131.0.6778.85'), idx, ...(idx === 4 ? { newLaptopAt: 13 } : {}) });
    }
  }
  // Two SREs on call across every team's production namespaces.
  for (let j = 0; j < 2; j++, idx++) {
    out.push({ name: `d2-sre-${j}@example.org`, team: 'infra', blocks: [[9 + j, 17 + j]], places: j === 0 ? [[24, 'berlin']] : [[24, 'home6']], tools: [KUBECTL('v1.33.1', 'linux/amd64'), K9S('linux/amd64')], browser: CHROME('131.0.6778.85'), idx, sre: true });
  }
  return out;
}

/** The address a person has at a place and time; `n` varies per request (carrier NAT, VPN pool). */
function addressOf(p: Person, place: Place, day: number, hour: number, n: number): string {
  const i = p.idx;
  switch (place) {
    case 'berlin':
      return `10.20.${4 + (i % 3)}.${40 + i}`;
    case 'lisbon':
      return `2a01:1b0:7:${10 + (i % 4)}::${(i + 1).toString(16)}`;
    case 'home6': {
      // The ISP rotates the delegated prefix at noon on the scored day: a new /64, same ISP.
      const rot = day === D2_DAY1 && hour >= 12 ? 0x80 : 0;
      return `2a02:810d:4a${(i % 16).toString(16)}0:${(0x1100 + rot + i).toString(16)}::${(0x20 + i).toString(16)}`;
    }
    case 'mobile':
      // Carrier-grade NAT: every few requests a different public address and /24 in the carrier's pool.
      return `172.58.${(i * 7 + Math.floor(n / 3)) % 200}.${(n * 13) % 250 + 2}`;
    case 'vpn':
      // The company VPN's egress pool: two /24s, one per connection.
      return `198.18.${100 + (Math.floor(n / 20) % 2)}.${(i * 3 + n) % 200 + 10}`;
    case 'offsite':
      return `203.0.113.${30 + i}`;
  }
}

function placeOf(p: Person, day: number, hour: number): Place {
  // The search team's offsite at a hotel on the scored day, from 10:00.
  if (day === D2_DAY1 && p.team === 'search' && hour >= 10) return 'offsite';
  for (const [until, where] of p.places) if (hour < until) return where;
  return 'berlin';
}

/** Routine: reads, follows and watches in the team's namespaces; now and then a Secret, a port-forward, an exec, a helm upgrade, a restart. */
function routine(rand: () => number, p: Person, tool: string): { method: string; path: string } {
  const t = p.team;
  const r0 = rand();
  const ns = r0 < 0.55 ? t : r0 < 0.75 ? `${t}-dev` : r0 < 0.93 ? `prod-${t}` : `prod-${t}-batch`;
  const pod = `${t}-api-${Math.floor(rand() * 4)}`;
  if (tool === HELM) {
    // helm: read its release Secrets, then upgrade in dev.
    return rand() < 0.5
      ? { method: 'GET', path: `/api/v1/namespaces/${t}-dev/secrets?labelSelector=owner%3Dhelm` }
      : { method: 'PATCH', path: `/apis/apps/v1/namespaces/${t}-dev/deployments/${t}-api` };
  }
  const r = rand();
  if (r < 0.08) return { method: 'GET', path: rand() < 0.5 ? '/apis' : '/version' };
  if (r < 0.3) return { method: 'GET', path: `/api/v1/namespaces/${ns}/pods${tool.startsWith('k9s') ? '?watch=true' : ''}` };
  if (r < 0.42) return { method: 'GET', path: `/api/v1/namespaces/${ns}/pods/${pod}/log?follow=true&tailLines=100` };
  if (r < 0.55) return { method: 'GET', path: `/apis/apps/v1/namespaces/${ns}/deployments` };
  if (r < 0.63) return { method: 'GET', path: `/api/v1/namespaces/${ns}/services` };
  if (r < 0.7) return { method: 'GET', path: `/apis/batch/v1/namespaces/${ns}/jobs` };
  if (r < 0.76) return { method: 'GET', path: `/api/v1/namespaces/${ns}/events?watch=1` };
  if (r < 0.8) return { method: 'GET', path: `/api/v1/namespaces/${ns}/configmaps/${t}-settings` };
  if (r < 0.83) return { method: 'GET', path: `/api/v1/namespaces/${ns}/secrets/${t}-db` };
  if (r < 0.85) return { method: 'GET', path: `/api/v1/namespaces/${ns}/secrets` };
  if (r < 0.87) return { method: 'POST', path: `/api/v1/namespaces/${ns}/pods/${pod}/portforward` };
  if (r < 0.89) return { method: 'POST', path: `/api/v1/namespaces/${ns}/pods/${pod}/exec?command=sh&stdin=true&tty=true` };
  if (r < 0.92) return { method: 'PATCH', path: `/apis/apps/v1/namespaces/${ns}/deployments/${t}-api` };
  if (r < 0.94) return { method: 'DELETE', path: `/api/v1/namespaces/${ns}/pods/${pod}` };
  return { method: 'GET', path: `/api/v1/namespaces/${ns}/pods/${pod}` };
}

export function workday2(seed = 7): DayEvent[] {
  const rand = prng(seed * 7919 + 1);
  const staff = people(rand);
  const events: DayEvent[] = [];
  for (const day of [D2_DAY0, D2_DAY1]) {
    const scored = day === D2_DAY1;
    for (const p of staff) {
      let login: Login = { sub: p.name, sid: `${p.name}:${day}`, authTime: Math.floor((day + p.blocks[0]![0] * H) / 1000) - 45, acr: 'urn:stepgate:aal2' };
      let n = 0;
      let tools = p.tools;
      for (const [from, to] of p.blocks) {
        let t = day + from * H;
        const end = day + to * H;
        while (t < end) {
          const hour = (t - day) / H;
          if (scored && p.newLaptopAt !== undefined && hour >= p.newLaptopAt && tools === p.tools) {
            // The new laptop: another OS, another kubectl; its own sign-in (kubectl oidc-login).
            tools = [KUBECTL('v1.33.1', 'darwin/arm64')];
            login = { ...login, sid: `${p.name}:${day}:laptop2`, authTime: Math.floor(t / 1000) - 60 };
          }
          if (hour > 12.5 && hour < 13.25) {
            t = day + 13.25 * H; // lunch
            continue;
          }
          const place = placeOf(p, day, hour);
          const r = rand();
          const burst = 1 + Math.floor(rand() * 5);
          if (r < 0.1) {
            // The Argo CD UI in the browser (a dashboard behind stepgate), same login.
            for (let b = 0; b < burst; b++) {
              events.push({ at: t + b * 700, actor: p.name, scored, ip: addressOf(p, place, day, hour, n++), ua: p.browser, login, method: 'GET', host: 'argocd.localhost', path: `/api/v1/applications?project=${p.team}` });
            }
          } else {
            const tool = tools[Math.floor(rand() * tools.length)]!;
            for (let b = 0; b < burst; b++) {
              const q = routine(rand, p, tool);
              events.push({ at: t + b * 1500, actor: p.name, scored, ip: addressOf(p, place, day, hour, n++), ua: tool, login, ...q });
            }
          }
          t += (2 + rand() * 14) * M;
        }
      }
      if (p.sre && p.idx % 2 === 0 && scored) {
        // An incident at 11:20 across four teams' production namespaces, over 20 minutes.
        const t1 = day + 11.33 * H;
        const ip = addressOf(p, placeOf(p, day, 11.3), day, 11.3, 0);
        const steps: [string, string][] = [];
        for (const team of ['payments', 'search', 'data', 'web']) {
          steps.push(['GET', `/api/v1/namespaces/prod-${team}/pods`]);
          steps.push(['GET', `/api/v1/namespaces/prod-${team}/pods/${team}-api-0/log?follow=true`]);
        }
        steps.push(['GET', '/api/v1/namespaces/prod-payments/secrets/payments-db']);
        steps.push(['POST', '/api/v1/namespaces/prod-payments/pods/payments-api-1/exec?command=sh']);
        steps.push(['GET', '/api/v1/namespaces/prod-search/secrets/search-db']);
        steps.push(['DELETE', '/api/v1/namespaces/prod-payments/pods/payments-api-1']);
        steps.push(['DELETE', '/api/v1/namespaces/prod-payments/pods/payments-api-2']);
        steps.push(['POST', '/api/v1/namespaces/prod-data/pods/data-api-0/portforward']);
        steps.push(['PATCH', '/apis/apps/v1/namespaces/prod-payments/deployments/payments-api']);
        steps.push(['DELETE', '/api/v1/namespaces/prod-web/pods/web-api-3']);
        steps.forEach(([method, path], k) => events.push({ at: t1 + k * 60_000, actor: p.name, scored, ip, ua: p.tools[k % 2]!, login, method, path }));
      }
    }
    // Controllers (client-go) through the gateway from the cluster network: watches and lease renewals.
    for (let k = 0; k < 24 * 6; k++) {
      const t = day + k * 10 * M;
      const login: Login = { sub: 'system:serviceaccount:argocd:argocd-application-controller', sid: `ctrl:${day}:${Math.floor(k / 6)}`, authTime: undefined, acr: 'urn:stepgate:aal1' };
      const ua = 'argocd-application-controller/v2.13.1 (linux/amd64) kubernetes/2f1b3f5';
      events.push({ at: t, actor: 'ctrl:argocd', scored, ip: '10.244.3.17', ua, login, method: 'GET', path: '/apis/apps/v1/deployments?watch=true&resourceVersion=1' });
      events.push({ at: t + 1000, actor: 'ctrl:argocd', scored, ip: '10.244.3.17', ua, login, method: 'PUT', path: '/apis/coordination.k8s.io/v1/namespaces/argocd/leases/argocd-application-controller' });
    }
    // CI: helm deploys to the dev namespaces from the runner pool every 15 minutes in office hours.
    for (let j = 0; j < 40; j++) {
      const t = day + 7 * H + j * 15 * M;
      const login: Login = { sub: 'ci-helm@example.org', sid: `ci2:${day}:${j}`, authTime: Math.floor(t / 1000), acr: 'urn:stepgate:aal1' };
      const ip = `10.31.${j % 8}.${20 + ((j * 5) % 40)}`;
      const team = TEAMS[j % TEAMS.length]![0];
      events.push({ at: t, actor: 'ci', scored, ip, ua: HELM, login, method: 'GET', path: `/api/v1/namespaces/${team}-dev/configmaps` });
      events.push({ at: t + 3000, actor: 'ci', scored, ip, ua: HELM, login, method: 'PATCH', path: `/apis/apps/v1/namespaces/${team}-dev/deployments/${team}-api` });
    }
  }
  return withAttacks(events, attacks2(staff));
}

/** The attack classes again, built differently, plus impossible travel. */
function attacks2(staff: Person[]): DayEvent[] {
  const out: DayEvent[] = [];
  const by = (team: string, j = 0) => staff.find((p) => p.name === `d2-${team}-${j}@example.org`)!;
  const morning = (p: Person): Login => ({ sub: p.name, sid: `${p.name}:${D2_DAY1}`, authTime: Math.floor((D2_DAY1 + p.blocks[0]![0] * H) / 1000) - 45, acr: 'urn:stepgate:aal2' });
  const add = (attack: string, at: number, ip: string | ((k: number) => string), ua: string, login: Login, reqs: [string, string, boolean][], gapMs: number, signsIn = false) =>
    reqs.forEach(([method, path, sensitive], k) =>
      out.push({ at: at + k * gapMs, actor: `attacker:${attack}`, attack, sensitive, scored: true, ip: typeof ip === 'string' ? ip : ip(k), ua, login, method, path, ...(signsIn ? { signsIn } : {}) }),
    );
  const home = (p: Person, hour: number) => addressOf(p, placeOf(p, D2_DAY1, hour), D2_DAY1, hour, 1);

  // A phished password (aal1) from an IPv6 network never seen.
  const pay1 = by('payments', 1);
  add('stolen aal1 token', D2_DAY1 + 11 * H, '2001:db8:dead:1::66', pay1.tools[0]!, { sub: pay1.name, sid: 'phish-2', authTime: Math.floor((D2_DAY1 + 10.9 * H) / 1000), acr: 'urn:stepgate:aal1' },
    [['GET', '/api/v1/namespaces/payments/pods', false], ['GET', '/api/v1/namespaces/payments/secrets/payments-db', true]], 6000);
  // A token captured right after the victim's MFA, used from a commercial VPN's exit.
  const web0 = by('web');
  add('stolen fresh token from elsewhere', D2_DAY1 + web0.blocks[0]![0] * H + 90_000, '185.220.101.4', web0.tools[0]!, morning(web0),
    [['GET', '/api/v1/namespaces/web/secrets/web-db', true], ['GET', '/api/v1/namespaces/prod-web/secrets/web-db', true]], 2000);
  // The victim's Argo CD / dashboard session replayed in Edge on Windows from a café.
  const data0 = by('data');
  add('hijacked browser session', D2_DAY1 + 14 * H, '198.51.100.23', EDGE('130'), morning(data0),
    [['GET', '/api/v1/namespaces/prod-data/secrets/data-db', true]], 1000);
  // Malware on the laptop with its own Go client.
  const pay2 = by('payments', 2);
  add('malware enumerating Secrets (own client)', D2_DAY1 + 13.5 * H, home(pay2, 13.5), 'Go-http-client/1.1', morning(pay2),
    ['payments', 'payments-dev', 'prod-payments', 'search', 'prod-search'].map((ns) => ['GET', `/api/v1/namespaces/${ns}/secrets`, true] as [string, string, boolean]), 1200);
  // Malware through the victim's own k9s: Secrets by name, first in the victim's own namespaces.
  const search0 = by('search');
  add('malware enumerating Secrets (via k9s)', D2_DAY1 + 9.5 * H, home(search0, 9.5), K9S('darwin/arm64'), morning(search0),
    ['search', 'search-dev', 'prod-search', 'prod-search-batch', 'prod-payments', 'prod-data', 'prod-web', 'infra'].flatMap((ns) => [
      ['GET', `/api/v1/namespaces/${ns}/secrets/${ns}-db`, true],
      ['GET', `/api/v1/namespaces/${ns}/secrets/${ns}-tls`, true],
    ] as [string, string, boolean][]), 2000);
  // Malware listing every Secret of the cluster in one request through kubectl.
  const web1 = by('web', 1);
  add('cluster-wide Secret list via kubectl', D2_DAY1 + 15 * H, home(web1, 15), web1.tools[0]!, morning(web1), [['GET', '/api/v1/secrets', true]], 1000);
  // Exec fan-out inside the victim's own production namespace.
  const pay3 = by('payments', 3);
  add('exec fan-out (own namespace)', D2_DAY1 + 15.5 * H, home(pay3, 15.5), pay3.tools[0]!, morning(pay3),
    Array.from({ length: 12 }, (_, k) => ['POST', `/api/v1/namespaces/prod-payments/pods/payments-worker-${k}/exec?command=sh`, true] as [string, string, boolean]), 3000);
  // RBAC escalation from the victim's own laptop with its own aal2 token.
  const data1 = by('data', 1);
  add('RBAC escalation', D2_DAY1 + 12 * H, home(data1, 12), data1.tools[0]!, morning(data1),
    [['POST', '/apis/rbac.authorization.k8s.io/v1/namespaces/prod-data/rolebindings', true]], 1000);
  // A leaked CI token pushing a privileged pod into production.
  add('CI identity pushes a privileged pod', D2_DAY1 + 10.2 * H, '10.31.2.25', HELM, { sub: 'ci-helm@example.org', sid: 'ci2:leak', authTime: Math.floor((D2_DAY1 + 10.2 * H) / 1000), acr: 'urn:stepgate:aal1' },
    [['POST', '/api/v1/namespaces/prod-web/pods', true]], 1000);
  // Slow and low: a Secret every 40 minutes from a new IPv6 network.
  const pay4 = by('payments', 4);
  // (From half an hour after the victim's sign-in: the stolen token must exist before its use.)
  add('slow-and-low from a new network', D2_DAY1 + (pay4.blocks[0]![0] + 0.5) * H, (k) => `2001:db8:bad:${k}::9`, pay4.tools[0]!, morning(pay4),
    Array.from({ length: 5 }, (_, k) => ['GET', `/api/v1/namespaces/payments/secrets/payments-db-${k}`, true] as [string, string, boolean]), 40 * M);
  // An insider in their own production namespace, freshly signed in: deletes a pod a second.
  const infra0 = by('infra');
  add('insider mass delete (own namespace)', D2_DAY1 + 16 * H, addressOf(infra0, 'berlin', D2_DAY1, 16, 0), infra0.tools[0]!,
    { sub: infra0.name, sid: `${infra0.name}:insider`, authTime: Math.floor((D2_DAY1 + 16 * H) / 1000) - 90, acr: 'urn:stepgate:aal2' },
    Array.from({ length: 30 }, (_, k) => ['DELETE', `/api/v1/namespaces/prod-infra/pods/infra-api-${k}`, true] as [string, string, boolean]), 1000, true);
  // Impossible travel: the Berlin engineer's token used from the Singapore office network
  // (trusted, so no address signal) ten minutes after they used it in Berlin.
  const sre0 = staff.find((p) => p.name === 'd2-sre-0@example.org')!;
  add('token used in Singapore minutes after Berlin', D2_DAY1 + 14 * H + 10 * M, '10.60.8.21', sre0.tools[0]!, morning(sre0),
    [['GET', '/api/v1/namespaces/prod-payments/pods', false], ['GET', '/api/v1/namespaces/prod-payments/secrets/payments-db', true]], 4000);
  return out;
}
