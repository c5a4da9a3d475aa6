import { LINUX, MAC, PLATFORM_HINT, prng, withAttacks, type DayEvent, type Login } from './workday.js';

/**
 * A fourth replayed day, written as an outside tester would write it, against what docs/risk.md
 * says stepgate does, not to pass: a follow-the-sun team across three offices and time zones
 * (Singapore 01:00–09:30 UTC, Berlin 07:00–16:00, Austin 14:00–23:00) that work on the same four
 * services and hand the on-call pager over twice; Berlin behind one public NAT address that the
 * building's guest Wi-Fi shares; Austin on public IPv6; homes on IPv6 whose prefix rotates, phones
 * on carrier NAT and on a mobile carrier's IPv6; a corporate VPN whose egress pool spans several
 * networks, with a split tunnel (the API through the VPN, Argo CD straight from home); kubectl
 * through a jump host (on the office network in Singapore, a cloud VM in Austin's case);
 * `kubectl port-forward` held for hours, `logs -f` re-established by stern, kubefwd, helm, the
 * Argo CD UI and CLI, Lens and k9s; a kubectl upgrade across the team at 13:00 and a Chrome
 * auto-update at 12:00; a company-wide IdP outage at 11:00 for 20 minutes (a challenge then waits
 * for it, and the IdP comes back with its sessions gone, so everyone at work signs in afresh);
 * a laptop re-imaged at noon; a new starter whose first kubectl call comes long after their
 * morning sign-in to the IdP; CI deploying from the runner pool.
 *
 * The attacks are what an informed outsider would try: a stolen token from the victim's own home
 * /24, from the company VPN egress, from a cloud VM next to the victim's jump host, from the
 * victim's mobile carrier; a session hijacked behind the same office NAT with a copied user agent;
 * a stolen kubeconfig refreshed hours later; malware reading at the victim's own pace inside the
 * victim's hours; RBAC escalation by binding and escalating; an admission webhook installed; a
 * service-account token minted; the CI identity used interactively; discovery first, then one write.
 */

export const D4_DAY0 = Date.UTC(2026, 11, 21, 0, 0, 0); // warm-up (a Monday), not scored
export const D4_DAY1 = D4_DAY0 + 86_400_000;
const H = 3_600_000;
const M = 60_000;
const S = 1000;

/** The IdP is down for everyone from 11:00 to 11:20 UTC on the scored day. */
export const D4_IDP_DOWN: [number, number] = [D4_DAY1 + 11 * H, D4_DAY1 + 11 * H + 20 * M];

const KUBECTL = (v: string, os: string) => `kubectl/${v} (${os}) kubernetes/${v === 'v1.33.2' ? '4b7a3f9' : 'a1c9e02'}`;
const K9S = (os: string) => `k9s/v0.32.7 (${os}) kubernetes/$Format`;
const HELM = 'Helm/3.16.3';
const ARGOCD_CLI = 'argocd-client/v2.13.2+dc43124 (linux/amd64)';
const LENS = 'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) OpenLens/6.5.2 Chrome/118.0.5993.159 Electron/27.1.3 Safari/537.36';
const CHROME = (os: string, major: number) => `Mozilla/5.0 (${os}) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/${major}.0.0.0 Safari/537.36`;
const FIREFOX = (os: string) => `Mozilla/5.0 (${os}; rv:133.0) Gecko/20100101 Firefox/133.0`;

/** Four services, worked on from every office: `<svc>`, `<svc>-staging`, `prod-<svc>`. */
const SERVICES = ['checkout', 'catalog', 'payments', 'search'] as const;

type Where = 'office' | 'home' | 'home6' | 'mobile' | 'mobile6' | 'vpn' | 'bastion';

interface Person {
  name: string;
  office: 'sg' | 'ber' | 'aus';
  idx: number;
  /** Main service; now and then another. */
  svc: string;
  /** [from hour UTC, to hour UTC, where kubectl comes from]. */
  day: [number, number, Where][];
  os: string;
  kubectlOs: string;
  kubectlVersion: string;
  browser: 'chrome' | 'firefox';
  tools: ('kubectl' | 'k9s' | 'helm' | 'lens' | 'argocd' | 'argocd-ui' | 'browser')[];
  /** The browser is elsewhere than kubectl (a jump host, a split tunnel). */
  browserFrom?: Where;
  onCall?: boolean;
  newStarter?: boolean;
  reimagedAt?: number;
  stern?: boolean;
  kubefwd?: boolean;
}

function staff(rand: () => number): Person[] {
  const out: Person[] = [];
  let idx = 0;
  const add = (office: Person['office'], j: number, p: Partial<Person>) => {
    const mac = (idx + j) % 3 === 0;
    const start = office === 'sg' ? 1 + rand() * 0.75 : office === 'ber' ? 7 + rand() * 1.5 : 14 + rand();
    const len = 7.5 + rand();
    out.push({
      name: `d4-${office}-${j}@example.io`,
      office,
      idx,
      svc: SERVICES[(idx * 3 + j) % 4]!,
      day: [[start, start + len, 'office']],
      os: mac ? MAC : LINUX,
      kubectlOs: mac ? 'darwin/arm64' : 'linux/amd64',
      kubectlVersion: ['v1.31.4', 'v1.32.1', 'v1.30.9'][idx % 3]!,
      browser: idx % 4 === 1 ? 'firefox' : 'chrome',
      tools: ['kubectl', 'kubectl', 'kubectl', 'browser'],
      ...p,
    });
    idx++;
  };
  // Singapore.
  add('sg', 0, { tools: ['kubectl', 'kubectl', 'browser', 'argocd-ui'] });
  add('sg', 1, { day: [[1.2, 9.2, 'home6']] });
  add('sg', 2, { day: [[0.9, 1.8, 'mobile'], [2.1, 9.6, 'office']], tools: ['kubectl', 'k9s', 'k9s', 'browser'] });
  // kubectl on the office jump host; the browser on the laptop.
  add('sg', 3, { day: [[1.5, 9.5, 'bastion']], browserFrom: 'office', kubectlOs: 'linux/amd64' });
  add('sg', 4, { tools: ['kubectl', 'lens', 'helm', 'browser'], os: MAC, kubectlOs: 'darwin/arm64' });
  add('sg', 5, { onCall: true });
  // Berlin.
  add('ber', 0, { onCall: true, browser: 'chrome' });
  // The API through the VPN (egress pool), Argo CD straight from home (split tunnel).
  add('ber', 1, { day: [[7.5, 16, 'vpn']], browserFrom: 'home', tools: ['kubectl', 'kubectl', 'argocd-ui', 'argocd'] });
  add('ber', 2, { reimagedAt: 12, os: LINUX, kubectlOs: 'linux/amd64' });
  add('ber', 3, { stern: true, kubefwd: true });
  add('ber', 4, { tools: ['kubectl', 'helm', 'argocd', 'argocd-ui'] });
  // On the train (a mobile carrier's IPv6) until 08:30, then the office.
  add('ber', 5, { day: [[7.4, 8.4, 'mobile6'], [8.7, 16, 'office']] });
  add('ber', 6, { newStarter: true, day: [[10.2, 16.5, 'office']] });
  // Austin.
  add('aus', 0, {});
  add('aus', 1, { day: [[14.2, 22.5, 'home']] });
  // kubectl on a jump host that is a cloud VM; the browser at home.
  add('aus', 2, { day: [[14.5, 22.5, 'bastion']], browserFrom: 'home', kubectlOs: 'linux/amd64' });
  add('aus', 3, { onCall: true });
  add('aus', 4, { day: [[14, 22, 'home6']], tools: ['kubectl', 'k9s', 'k9s', 'browser'] });
  add('aus', 5, { tools: ['kubectl', 'lens', 'helm', 'browser'], os: MAC, kubectlOs: 'darwin/arm64' });
  return out;
}

/** Where a person's request comes from; `n` counts their requests (carrier NAT, VPN reconnects). */
function addressOf(p: Person, where: Where, day: number, hour: number, n: number, vpnPool = 0): string {
  const i = p.idx;
  switch (where) {
    case 'office':
      if (p.office === 'sg') return `10.60.${i % 4}.${40 + i}`;
      // Berlin's office is one public NAT address (two on busy days), shared with the guest Wi-Fi.
      if (p.office === 'ber') return n % 7 === 3 ? '212.227.81.15' : '212.227.81.14';
      // Austin on public IPv6, privacy addresses renewed daily.
      return `2600:1702:5c0:10:${((day / 86_400_000) % 997).toString(16)}:${(0x100 + i).toString(16)}:${(n % 3).toString(16)}:1`;
    case 'home':
      return p.office === 'aus' ? `73.${150 + i}.${(i * 41) % 250}.${(i * 13) % 250 + 2}` : `93.229.${(i * 7) % 250}.${(i * 3) % 250 + 5}`;
    case 'home6': {
      // The ISP rotates the delegated prefix once a day (05:00 UTC on the scored day for Singapore, 17:00 for Austin).
      const rot = day === D4_DAY1 && hour >= (p.office === 'sg' ? 5 : 17) ? 0x40 : 0;
      return p.office === 'sg' ? `2406:3003:2070:${(0x4a00 + i + rot).toString(16)}::${(0x20 + i).toString(16)}` : `2600:1700:${(0x3c0 + i).toString(16)}:${(0x7e0 + i + rot).toString(16)}::${(0x31 + i).toString(16)}`;
    }
    case 'mobile':
      // Carrier-grade NAT: the public address, and often its /24, changes every few requests.
      return `111.65.${(i * 9 + Math.floor(n / 3)) % 60 + 20}.${(n * 17) % 250 + 2}`;
    case 'mobile6':
      // A mobile carrier's IPv6: a new /64 at every attachment (every few requests on a train).
      return `2a01:598:${(0x9000 + ((i * 16 + Math.floor(n / 4)) % 256)).toString(16)}:${(0x10 + i).toString(16)}::${(n % 9) + 1}`;
    case 'vpn': {
      // The corporate VPN's egress pool: five networks in three /16s, one per connection.
      const pools = ['165.225.72', '165.225.76', '147.161.166', '147.161.172', '136.226.54'];
      return `${pools[vpnPool % pools.length]}.${(i * 11 + vpnPool * 7) % 200 + 20}`;
    }
    case 'bastion':
      return p.office === 'sg' ? '10.60.200.5' : '3.91.22.14';
  }
}

type Req = { method: string; path: string; host?: string };

/** One sitting's worth of work. */
function task(rand: () => number, p: Person, tool: Person['tools'][number]): Req[] {
  const svc = rand() < 0.8 ? p.svc : SERVICES[Math.floor(rand() * 4)]!;
  const r0 = rand();
  const ns = r0 < 0.45 ? svc : r0 < 0.75 ? `${svc}-staging` : `prod-${svc}`;
  const pod = `${svc}-${['api', 'worker'][Math.floor(rand() * 2)]}-6c9d7f-${['q7w2e', 'z4x8c', 'm3n5b'][Math.floor(rand() * 3)]}`;
  if (tool === 'browser') return [{ method: 'GET', host: 'grafana.localhost', path: `/d/${svc}-slo` }, { method: 'GET', host: 'grafana.localhost', path: '/api/ds/query?ds=prometheus' }];
  if (tool === 'argocd-ui') {
    const out: Req[] = [{ method: 'GET', host: 'argocd.localhost', path: `/api/v1/applications?projects=${svc}` }, { method: 'GET', host: 'argocd.localhost', path: `/api/v1/applications/${svc}-staging/resource-tree` }];
    if (rand() < 0.3) out.push({ method: 'POST', host: 'argocd.localhost', path: `/api/v1/applications/${svc}-staging/sync` });
    return out;
  }
  if (tool === 'argocd') return [{ method: 'GET', host: 'argocd.localhost', path: `/api/v1/applications/${svc}-staging` }, { method: 'GET', host: 'argocd.localhost', path: `/api/v1/applications/${svc}-staging/managed-resources` }];
  if (tool === 'helm') {
    const env = rand() < 0.85 ? `${svc}-staging` : `prod-${svc}`;
    return [
      { method: 'GET', path: `/api/v1/namespaces/${env}/secrets?labelSelector=name%3D${svc}%2Cowner%3Dhelm` },
      { method: 'PATCH', path: `/apis/apps/v1/namespaces/${env}/deployments/${svc}-api` },
      { method: 'POST', path: `/api/v1/namespaces/${env}/secrets` },
    ];
  }
  if (tool === 'k9s') {
    // k9s: watches, a log view, sometimes the Secrets view or a shell.
    const out: Req[] = [{ method: 'GET', path: `/api/v1/namespaces/${ns}/pods?watch=true` }, { method: 'GET', path: `/api/v1/namespaces/${ns}/pods/${pod}/log?follow=true&tailLines=100` }];
    const k = rand();
    if (k < 0.15) out.push({ method: 'GET', path: `/api/v1/namespaces/${ns}/secrets` });
    else if (k < 0.25) out.push({ method: 'POST', path: `/api/v1/namespaces/${ns}/pods/${pod}/exec?command=sh&stdin=true&tty=true` });
    return out;
  }
  const k = rand();
  const disco: Req[] = rand() < 0.25 ? [{ method: 'GET', path: '/api' }, { method: 'GET', path: '/apis' }] : [];
  if (k < 0.4) return [...disco, { method: 'GET', path: `/api/v1/namespaces/${ns}/pods` }, { method: 'GET', path: `/apis/apps/v1/namespaces/${ns}/deployments/${svc}-api` }];
  if (k < 0.6) return [...disco, { method: 'GET', path: `/api/v1/namespaces/${ns}/pods/${pod}/log?tailLines=500` }];
  if (k < 0.68) return [{ method: 'GET', path: `/api/v1/namespaces/${ns}/secrets/${svc}-${['db', 'redis', 'stripe'][Math.floor(rand() * 3)]}` }];
  if (k < 0.75) return [{ method: 'GET', path: `/api/v1/namespaces/${ns}/pods/${pod}` }, { method: 'POST', path: `/api/v1/namespaces/${ns}/pods/${pod}/exec?command=bash&stdin=true&stdout=true&tty=true` }];
  if (k < 0.8) return [{ method: 'POST', path: `/api/v1/namespaces/${ns}/pods/${pod}/portforward` }];
  if (k < 0.86) return [{ method: 'PATCH', path: `/apis/apps/v1/namespaces/${ns}/deployments/${svc}-api` }, { method: 'GET', path: `/apis/apps/v1/namespaces/${ns}/replicasets?labelSelector=app%3D${svc}-api` }];
  if (k < 0.9) return [{ method: 'DELETE', path: `/api/v1/namespaces/${ns}/pods/${pod}` }];
  if (k < 0.95) return [{ method: 'GET', path: `/api/v1/namespaces/${ns}/events` }, { method: 'GET', path: `/api/v1/namespaces/${ns}/configmaps/${svc}-flags` }];
  return [{ method: 'GET', path: `/apis/batch/v1/namespaces/${ns}/jobs` }];
}

function uaOf(p: Person, tool: Person['tools'][number], hour: number, scored: boolean): { ua: string; headers?: Record<string, string> } {
  // The team's kubectl is upgraded at 13:00 UTC on the scored day; Chrome auto-updates at 12:00.
  const kv = scored && hour >= 13 ? 'v1.33.2' : p.kubectlVersion;
  const chrome = scored && hour >= 12 ? 132 : 131;
  switch (tool) {
    case 'kubectl':
      return { ua: KUBECTL(kv, p.kubectlOs) };
    case 'k9s':
      return { ua: K9S(p.kubectlOs) };
    case 'helm':
      return { ua: HELM };
    case 'lens':
      return { ua: LENS };
    case 'argocd':
      return { ua: ARGOCD_CLI };
    default:
      return p.browser === 'firefox' ? { ua: FIREFOX(p.os) } : { ua: CHROME(p.os, chrome), headers: { 'sec-ch-ua-platform': PLATFORM_HINT[p.os]! } };
  }
}

export function workday4(seed = 21): DayEvent[] {
  const rand = prng(seed * 15_485_863 + 29);
  const people = staff(rand);
  const events: DayEvent[] = [];
  const [downFrom, downTo] = D4_IDP_DOWN;
  for (const day of [D4_DAY0, D4_DAY1]) {
    const scored = day === D4_DAY1;
    for (const p of people) {
      if (p.newStarter && !scored) continue;
      const mine: DayEvent[] = [];
      const first = p.day[0]![0];
      // The morning sign-in to the IdP. The new starter signs in at 08:30 for onboarding; their
      // first kubectl call at 10:12 gets a token from that SSO session (auth_time 08:30).
      const signIn = p.newStarter ? day + 8.5 * H : day + first * H - 40 * S;
      const morning: Login = { sub: p.name, sid: `${p.name}:${day}`, authTime: Math.floor(signIn / 1000), acr: 'urn:stepgate:aal2' };
      let n = 0;
      let vpnPool = Math.floor(rand() * 5);
      let reconnectAt = 0;
      let reimagedAt = 0;
      for (const [from, to, where] of p.day) {
        let t = day + from * H;
        const end = day + to * H;
        while (t < end) {
          const hour = (t - day) / H;
          // Lunch, local time: Singapore 04:30–05:15 UTC, Berlin 11:30–12:15, Austin 18:00–18:45.
          const lunch = p.office === 'sg' ? [4.5, 5.25] : p.office === 'ber' ? [11.5, 12.25] : [18, 18.75];
          if (hour >= lunch[0]! && hour < lunch[1]!) {
            t = day + lunch[1]! * H;
            continue;
          }
          if (scored && t >= downFrom && t < downTo) {
            // Nothing that needs the IdP works; the engineer reads dashboards and waits.
            t = downTo + rand() * 5 * M;
            continue;
          }
          if (scored && p.reimagedAt !== undefined && hour >= p.reimagedAt && reimagedAt === 0) {
            // Re-imaged at noon: an hour without a laptop, then a fresh OS install, kubectl and
            // browser, and a new sign-in on it.
            t = day + (p.reimagedAt + 1) * H;
            reimagedAt = t;
            continue;
          }
          if (where === 'vpn' && t >= reconnectAt) {
            // A VPN reconnect (sleep, a Wi-Fi change) lands on another egress gateway.
            vpnPool = Math.floor(rand() * 5);
            reconnectAt = t + (1.5 + rand() * 2) * H;
          }
          const tool = p.tools[Math.floor(rand() * p.tools.length)]!;
          const browserish = tool === 'browser' || tool === 'argocd-ui' || tool === 'lens';
          const fromWhere = browserish && p.browserFrom ? p.browserFrom : where;
          // On the jump host only its kubectl runs.
          const onJump = where === 'bastion' && !browserish;
          const { ua, headers } = onJump ? { ua: KUBECTL(scored && hour >= 13 ? 'v1.33.2' : 'v1.30.9', 'linux/amd64'), headers: undefined } : uaOf(p, tool, hour, scored);
          const reqs = task(rand, p, onJump ? 'kubectl' : tool);
          const gap = 700 + rand() * 1800;
          reqs.forEach((q, k) => mine.push({ at: Math.round(t + k * gap), actor: p.name, scored, ip: addressOf(p, fromWhere, day, hour, n++, vpnPool), ua, ...(headers ? { headers } : {}), login: morning, ...q }));
          t += (3 + rand() * 14) * M;
        }
      }
      const at = (hour: number) => {
        const b = p.day.find(([f, to]) => hour >= f && hour < to) ?? p.day[0]!;
        return addressOf(p, b[2] === 'bastion' ? (p.browserFrom ?? 'office') : b[2], day, hour, 1, 0);
      };
      if (p.stern) {
        // stern re-establishes `logs -f` on every pod of the service every 30 minutes; one
        // port-forward to the production database, held for hours (one request).
        for (let t = day + (first + 0.3) * H; t < day + (p.day[p.day.length - 1]![1] - 0.3) * H; t += 30 * M) {
          if (scored && t >= downFrom && t < downTo) continue;
          for (let k = 0; k < 4; k++) mine.push({ at: t + k * 300, actor: p.name, scored, ip: at((t - day) / H), ua: 'stern/1.31.0 (linux/amd64) kubernetes/v0.31.1', login: morning, method: 'GET', path: `/api/v1/namespaces/${p.svc}-staging/pods/${p.svc}-api-6c9d7f-${k}/log?follow=true&container=app` });
        }
        mine.push({ at: day + (first + 1) * H, actor: p.name, scored, ip: at(first + 1), ua: KUBECTL(p.kubectlVersion, p.kubectlOs), login: morning, method: 'POST', path: `/api/v1/namespaces/prod-${p.svc}/pods/${p.svc}-db-0/portforward` });
      }
      if (p.kubefwd) {
        // kubefwd forwards every service of the staging namespace at once, morning and afternoon.
        for (const hr of [first + 0.6, first + 6.5]) {
          const t = day + hr * H;
          ['api', 'worker', 'web', 'redis', 'postgres', 'kafka'].forEach((s, k) =>
            mine.push({ at: t + k * 200, actor: p.name, scored, ip: at(hr), ua: 'kubefwd/1.22.5 (linux/amd64) kubernetes/$Format', login: morning, method: 'POST', path: `/api/v1/namespaces/${p.svc}-staging/pods/${p.svc}-${s}-0/portforward` }),
          );
        }
      }
      if (p.onCall) {
        // The pager follows the sun: Singapore's incident at 07:40 UTC, handed to Berlin at 08:30
        // and to Austin at 15:00; on the scored day it spreads to the ledger service, a namespace
        // none of them has worked in.
        const start = p.office === 'sg' ? 7.67 : p.office === 'ber' ? 8.5 : 15.05;
        const t1 = day + start * H;
        const hot = scored ? 'prod-ledger' : 'prod-payments';
        const steps: [string, string][] = [
          ['GET', '/api/v1/namespaces/prod-payments/pods'],
          ['GET', '/api/v1/namespaces/prod-payments/events'],
          ['GET', '/api/v1/namespaces/prod-payments/pods/payments-api-6c9d7f-q7w2e/log?previous=true'],
          ['GET', `/api/v1/namespaces/${hot}/pods`],
          ['GET', `/api/v1/namespaces/${hot}/secrets/ledger-db`],
          ['POST', `/api/v1/namespaces/${hot}/pods/ledger-api-6c9d7f-z4x8c/exec?command=sh`],
          ['GET', '/api/v1/namespaces/prod-checkout/pods'],
          ['DELETE', `/api/v1/namespaces/${hot}/pods/ledger-api-6c9d7f-z4x8c`],
          ['PATCH', `/apis/apps/v1/namespaces/${hot}/deployments/ledger-api`],
          ['GET', '/api/v1/namespaces/prod-payments/secrets/payments-stripe'],
          ['POST', '/api/v1/namespaces/prod-payments/pods/payments-worker-6c9d7f-m3n5b/portforward'],
        ];
        // Their own work pauses meanwhile.
        for (let k = mine.length - 1; k >= 0; k--) if (mine[k]!.at >= t1 - 2 * M && mine[k]!.at <= t1 + 15 * M) mine.splice(k, 1);
        steps.forEach(([method, path], k) => mine.push({ at: t1 + k * 70 * S, actor: p.name, scored, ip: at(start), ua: KUBECTL(scored && start >= 13 ? 'v1.33.2' : p.kubectlVersion, p.kubectlOs), login: morning, method, path }));
      }
      mine.sort((a, b) => a.at - b.at);
      // Sessions: the morning one; after the outage (the IdP lost its sessions) a new one made at
      // the first request after it; after the re-image a new one on the fresh laptop.
      let current = morning;
      for (const e of mine) {
        if (scored && e.at >= downTo && current === morning && signIn < downTo) current = { sub: p.name, sid: `${p.name}:${day}:after-outage`, authTime: Math.floor(e.at / 1000) - 30, acr: 'urn:stepgate:aal2' };
        if (reimagedAt > 0 && e.at >= reimagedAt && !current.sid.endsWith(':reimaged')) current = { sub: p.name, sid: `${p.name}:${day}:reimaged`, authTime: Math.floor(reimagedAt / 1000) - 50, acr: 'urn:stepgate:aal2' };
        e.login = current;
      }
      events.push(...mine);
    }
    // CI: a deploy job every 10 minutes around the clock, each with its own token, from the runner pool.
    for (let j = 0; j < 144; j++) {
      const t = day + j * 10 * M;
      const login: Login = { sub: 'ci-deploy@example.io', sid: `ci4:${day}:${j}`, authTime: Math.floor(t / 1000), acr: 'urn:stepgate:aal1' };
      const ip = `10.31.${j % 5}.${(j * 13) % 200 + 10}`;
      const svc = SERVICES[j % 4]!;
      events.push({ at: t, actor: 'ci', scored, ip, ua: 'argocd-image-updater/0.15.1', login, method: 'GET', path: `/apis/apps/v1/namespaces/${svc}-staging/deployments/${svc}-api` });
      events.push({ at: t + 3 * S, actor: 'ci', scored, ip, ua: 'argocd-image-updater/0.15.1', login, method: 'PATCH', path: `/apis/apps/v1/namespaces/${svc}-staging/deployments/${svc}-api` });
    }
  }
  return withAttacks(events, attacks4(people, seed, events));
}

function attacks4(people: Person[], seed: number, routine: DayEvent[]): DayEvent[] {
  const out: DayEvent[] = [];
  const rand = prng(seed * 97 + 11);
  const by = (office: string, j: number) => people.find((p) => p.name === `d4-${office}-${j}@example.io`)!;
  /** The victim's session in use at that time: what a token stolen from them carries. */
  const sessionAt = (p: Person, t: number): Login => {
    let l: Login | undefined;
    for (const e of routine) if (e.actor === p.name && e.scored && (l === undefined || e.at <= t)) l = e.login;
    return l!;
  };
  const morning = (p: Person) => sessionAt(p, D4_DAY1);
  /** The victim's address on the Kubernetes API just before that time. */
  const ipAt = (p: Person, t: number): string => {
    let ip = '';
    for (const e of routine) if (e.actor === p.name && e.scored && e.host === undefined && (ip === '' || e.at <= t)) ip = e.ip;
    return ip;
  };
  type R = [string, string, boolean];
  const add = (attack: string, t0: number, ip: string, ua: string, login: Login, reqs: R[], gapMs: number | ((k: number) => number), headers?: Record<string, string>) => {
    let t = t0;
    reqs.forEach(([method, path, sensitive], k) => {
      out.push({ at: Math.round(t), actor: `attacker:${attack}`, attack, sensitive, scored: true, ip, ua, login, method, path, ...(headers ? { headers } : {}) });
      t += typeof gapMs === 'number' ? gapMs : gapMs(k);
    });
  };
  const kubectlOf = (p: Person, hour: number) => KUBECTL(hour >= 13 ? 'v1.33.2' : p.kubectlVersion, p.kubectlOs);

  // 1. Malware on aus-1's laptop sends the token home; the attacker uses it from a neighbour's
  // line in the same cable /24 with the victim's exact kubectl user agent.
  const aus1 = by('aus', 1);
  const aus1ip = addressOf(aus1, 'home', D4_DAY1, 16, 0).split('.');
  add('stolen token from the victim\'s home /24', D4_DAY1 + 16.2 * H, [...aus1ip.slice(0, 3), String((Number(aus1ip[3]) + 37) % 250)].join('.'), kubectlOf(aus1, 16), sessionAt(aus1, D4_DAY1 + 16 * H),
    [['GET', `/api/v1/namespaces/${aus1.svc}/pods`, false], ['GET', `/api/v1/namespaces/prod-${aus1.svc}/secrets/${aus1.svc}-db`, true], ['GET', `/api/v1/namespaces/prod-${aus1.svc}/secrets/${aus1.svc}-stripe`, true]], 9000);
  // 2. ber-1's token used by someone else on the company VPN (same egress gateway), from a Windows laptop.
  const ber1 = by('ber', 1);
  add('stolen token from the company VPN egress', D4_DAY1 + 14.5 * H, ipAt(ber1, D4_DAY1 + 14.5 * H), KUBECTL('v1.33.2', 'windows/amd64'), sessionAt(ber1, D4_DAY1 + 14.5 * H),
    [['GET', `/api/v1/namespaces/prod-${ber1.svc}/pods`, false], ['GET', `/api/v1/namespaces/prod-${ber1.svc}/secrets/${ber1.svc}-db`, true]], 6000);
  // 3. aus-2's token from a cloud VM the attacker rented in the same region as aus-2's jump host,
  // with the stock kubectl of a Linux VM.
  const aus2 = by('aus', 2);
  add('stolen token from a cloud VM next to the jump host', D4_DAY1 + 17.5 * H, '3.91.140.7', KUBECTL('v1.33.2', 'linux/amd64'), sessionAt(aus2, D4_DAY1 + 17 * H),
    [['GET', '/api', false], ['GET', `/api/v1/namespaces/prod-${aus2.svc}/secrets/${aus2.svc}-db`, true]], 3000);
  // 4. ber-0's browser session lifted and replayed from the building's guest Wi-Fi (same public
  // NAT address) in a browser with the victim's exact user agent and client hints.
  const ber0 = by('ber', 0);
  add('session hijacked behind the office NAT (copied user agent)', D4_DAY1 + 13.7 * H, '212.227.81.14', CHROME(ber0.os, 132), sessionAt(ber0, D4_DAY1 + 13.7 * H),
    [['GET', `/api/v1/namespaces/prod-${ber0.svc}/secrets/${ber0.svc}-db`, true]], 1000, { 'sec-ch-ua-platform': PLATFORM_HINT[ber0.os]! });
  // 5. sg-4's kubeconfig (with its refresh token) copied; used at 13:00 UTC, hours after sg-4's
  // day ended, from a cloud VM in Singapore: ID tokens it refreshes keep the morning's sid and auth_time.
  const sg4 = by('sg', 4);
  add('stolen kubeconfig refreshed hours later', D4_DAY1 + 13 * H, '13.229.77.31', kubectlOf(sg4, 9), morning(sg4),
    [['GET', `/api/v1/namespaces/${sg4.svc}/pods`, false], ['GET', `/api/v1/namespaces/prod-${sg4.svc}/secrets/${sg4.svc}-db`, true]], 8000);
  // 6. Low-and-slow malware on ber-3's laptop through its kubectl, one Secret every 12–25 minutes
  // inside ber-3's hours: the victim's own service first, then the others' production.
  const ber3 = by('ber', 3);
  const order = [ber3.svc, `${ber3.svc}-staging`, `prod-${ber3.svc}`, ...SERVICES.filter((s) => s !== ber3.svc).map((s) => `prod-${s}`)];
  add('low-and-slow malware at the victim\'s pace', D4_DAY1 + 9.2 * H, addressOf(ber3, 'office', D4_DAY1, 9.2, 0), kubectlOf(ber3, 9), sessionAt(ber3, D4_DAY1 + 9 * H),
    order.map((ns): R => ['GET', `/api/v1/namespaces/${ns}/secrets/${ns.replace(/^prod-/, '').replace(/-staging$/, '')}-db`, true]), () => (12 + rand() * 13) * M);
  // 7. RBAC escalation from aus-0's laptop with aus-0's token: bind cluster-admin in the victim's
  // namespace (the `bind` verb), then widen a ClusterRole (`escalate`).
  const aus0 = by('aus', 0);
  add('RBAC escalation by bind and escalate', D4_DAY1 + 16.7 * H, addressOf(aus0, 'office', D4_DAY1, 16.7, 2), kubectlOf(aus0, 16.7), sessionAt(aus0, D4_DAY1 + 16.5 * H),
    [['GET', `/apis/rbac.authorization.k8s.io/v1/namespaces/${aus0.svc}/rolebindings`, false], ['POST', `/apis/rbac.authorization.k8s.io/v1/namespaces/${aus0.svc}/rolebindings`, true], ['PUT', '/apis/rbac.authorization.k8s.io/v1/clusterroles/view', true]], 5000);
  // 8. From sg-0's laptop in the office: a mutating admission webhook that sees every Pod.
  const sg0 = by('sg', 0);
  add('admission webhook installed', D4_DAY1 + 6 * H, addressOf(sg0, 'office', D4_DAY1, 6, 0), kubectlOf(sg0, 6), morning(sg0),
    [['GET', '/apis/admissionregistration.k8s.io/v1', false], ['POST', '/apis/admissionregistration.k8s.io/v1/mutatingwebhookconfigurations', true]], 4000);
  // 9. From ber-4's laptop: a token minted for a powerful service account (TokenRequest).
  const ber4 = by('ber', 4);
  add('service-account token minted', D4_DAY1 + 10.1 * H, addressOf(ber4, 'office', D4_DAY1, 10.1, 0), kubectlOf(ber4, 10), sessionAt(ber4, D4_DAY1 + 10 * H),
    [['GET', '/api/v1/namespaces/kube-system/serviceaccounts', false], ['POST', '/api/v1/namespaces/kube-system/serviceaccounts/clusterrole-aggregation-controller/token', true]], 3000);
  // 10. The CI deploy identity used interactively with kubectl from a runner.
  add('CI identity used interactively', D4_DAY1 + 10.5 * H, '10.31.2.77', KUBECTL('v1.32.1', 'linux/amd64'), { sub: 'ci-deploy@example.io', sid: 'ci4:interactive', authTime: Math.floor((D4_DAY1 + 10.45 * H) / 1000), acr: 'urn:stepgate:aal1' },
    [['GET', '/api/v1/namespaces/prod-payments/pods', false], ['POST', '/api/v1/namespaces/prod-payments/pods/payments-api-6c9d7f-q7w2e/exec?command=sh', true]], 8000);
  // 11. A token phished (AitM, fresh) from aus-4; the attacker probes with discovery from a
  // residential proxy, then makes one write.
  const aus4 = by('aus', 4);
  add('discovery, then one write', D4_DAY1 + 15.2 * H, '98.97.44.12', K9S(aus4.kubectlOs), { ...morning(aus4), authTime: Math.floor((D4_DAY1 + 15.1 * H) / 1000) },
    [['GET', '/version', false], ['GET', '/api', false], ['GET', '/apis', false], ['GET', '/openapi/v3', false], ['GET', '/apis/apps/v1', false], ['PATCH', `/apis/apps/v1/namespaces/prod-${aus4.svc}/deployments/${aus4.svc}-api`, true]], 1500);
  // 12. ber-5's token (stolen on the train) used from a phone on the same mobile carrier's IPv6.
  const ber5 = by('ber', 5);
  add('stolen token from the victim\'s mobile carrier', D4_DAY1 + 9.5 * H, '2a01:598:b1c2:5e7f::1', kubectlOf(ber5, 9.5), sessionAt(ber5, D4_DAY1 + 9.4 * H),
    [['GET', `/api/v1/namespaces/${ber5.svc}/pods`, false], ['POST', `/api/v1/namespaces/prod-${ber5.svc}/pods/${ber5.svc}-api-6c9d7f-q7w2e/exec?command=sh`, true]], 7000);
  // 13. Malware on sg-2's laptop opens shells in other services' production pods through the
  // laptop's own kubectl, which first GETs each pod (as `kubectl exec` does), one pod a minute.
  const sg2 = by('sg', 2);
  const others = SERVICES.filter((s) => s !== sg2.svc);
  add('exec through kubectl into other services\' pods', D4_DAY1 + 7.3 * H, ipAt(sg2, D4_DAY1 + 7.3 * H), KUBECTL(sg2.kubectlVersion, sg2.kubectlOs), sessionAt(sg2, D4_DAY1 + 7.3 * H),
    others.flatMap((svc): R[] => [['GET', `/api/v1/namespaces/prod-${svc}/pods/${svc}-api-6c9d7f-q7w2e`, false], ['POST', `/api/v1/namespaces/prod-${svc}/pods/${svc}-api-6c9d7f-q7w2e/exec?command=sh&stdin=true&tty=true`, true]]), 30 * S);
  return out;
}
