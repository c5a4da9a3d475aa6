import { LINUX, MAC, PLATFORM_HINT, WS_UPGRADE, prng, withAttacks, type DayEvent, type Login, type StaffMember, attackAdder, lastRequestOf, type AttackRequest } from './workday.js';

/**
 * A seventh replayed day, written as an outside tester would after reading docs/risk.md, from
 * situations days 1–6 do not have. The warm-up day is a Friday; the scored day is the Monday after
 * Europe's clocks went forward (28 March 2027), so everyone in Amsterdam starts an hour earlier in
 * UTC than on the warm-up day, while the New York engineer keeps their UTC hours.
 *
 * Routine: the office turned IPv6 on over the weekend, so its dual-stack laptops alternate between
 * the trusted IPv4 network and public IPv6 (happy eyeballs), on a desk VLAN's /64 and, in meetings,
 * the meeting-room Wi-Fi's; remote staff whose every request leaves through the company's cloud
 * security proxy (one /24 of egress addresses shared by all of them); home laptops on dual-stack
 * lines; an engineer whose kubectl runs in a cloud development environment (a Codespace in a cloud
 * region, Linux, a new VM and address each day) while the laptop is macOS, with the same login
 * (the Codespace's device-code sign-in is approved in the laptop's browser, whose IdP session
 * answers without asking again); Terraform's Kubernetes provider (`terraform plan` refreshes the
 * objects it manages, Secrets among them, ten at a time); the Flux CLI reconciling (a patch in
 * `flux-system`) and the Argo CD CLI; `kubectl diff` and `kubectl apply --dry-run=server` against
 * production; `kubectl events`, `kubectl auth whoami`, `kubectl get --raw /metrics`; an engineer
 * back from two weeks of leave (history from the Friday before it; their team started a new
 * namespace meanwhile); an engineer moving to another team at 13:00 (a fresh sign-in with the new
 * groups, the new team's namespaces all afternoon, a production deploy there); four engineers at a
 * conference on its shared Wi-Fi (two NAT addresses in one /24); a new starter on their first day;
 * CI on an autoscaled runner pool in the company's cloud network (every job a new runner).
 *
 * The attacks are what an outside red team would try after reading docs/risk.md: OAuth device-code
 * phishing (the victim approves the attacker's code: a fresh two-factor login, the attacker's
 * network), of an engineer in the office, of an attendee on the conference Wi-Fi the attacker
 * shares, and of the new starter before their first request; a token copied through the shared
 * security-proxy egress; a token phished from an engineer on leave; a token taken from the
 * Codespace by a malicious editor extension, used from a VM in the same cloud region; malware
 * that waits for the team mover's fresh sign-in and acts within the hour it buys; server dry-runs
 * used to probe, then the real write; Secrets read through a field selector, a watch across
 * namespaces, a Job that mounts another team's Secret in a namespace outside production, the
 * service proxy into Vault, a projected token request; an aggregated ClusterRole; malware that
 * sends no user agent at all, and malware with a client of its own on the laptop of the engineer
 * who runs Terraform.
 */

export const D7_DAY0 = Date.UTC(2027, 2, 26, 0, 0, 0); // warm-up (Friday 26 March, CET), not scored
export const D7_DAY1 = Date.UTC(2027, 2, 29, 0, 0, 0); // Monday 29 March, CEST: the scored day
/** The leave returner's last day before two weeks of leave (Friday 12 March). */
export const D7_BEFORE_LEAVE = Date.UTC(2027, 2, 12, 0, 0, 0);
const H = 3_600_000;
const M = 60_000;
const S = 1000;

const KUBECTL = (v: string, os: string) => `kubectl/${v} (${os}) kubernetes/${v === 'v1.32.3' ? '32cc146' : 'ec4d2e4'}`;
const TERRAFORM = 'HashiCorp/1.0 Terraform/1.9.8';
const FLUX = (os: string) => `flux/v2.5.1 (${os}) kubernetes/$Format`;
const ARGOCD_CLI = (os: string) => `argocd-client/v2.14.4+a9b2f7e ${os}`;
const CHROME = (os: string) => `Mozilla/5.0 (${os}) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/134.0.0.0 Safari/537.36`;
const FIREFOX = (os: string) => `Mozilla/5.0 (${os}; rv:136.0) Gecko/20100101 Firefox/136.0`;

const SERVICES = ['search', 'checkout', 'catalog', 'payments-ui'] as const;

type Where = 'office' | 'meeting' | 'home' | 'sase' | 'codespace' | 'conference' | 'nyhome';

/** Sittings in local hours: Amsterdam's (New York's for `ny`). */
interface Person extends StaffMember<Where> {
  browserShare: number;
  kind?: 'terraform' | 'flux' | 'codespace' | 'returner' | 'mover' | 'newstarter' | 'ny' | 'onleave' | 'release';
}

function staff(rand: () => number): Person[] {
  const out: Person[] = [];
  const add = (p: Partial<Person> & { name: string }) => {
    const idx = out.length;
    const mac = idx % 3 !== 2;
    const start = 8.6 + rand() * 1.2;
    const len = 7.8 + rand() * 0.8;
    out.push({
      idx,
      svc: SERVICES[idx % 4]!,
      warm: [[start, start + len, 'office']],
      scored: [[start, start + len, 'office']],
      os: mac ? MAC : LINUX,
      kubectlOs: mac ? 'darwin/arm64' : 'linux/amd64',
      kubectlVersion: idx % 2 ? 'v1.32.3' : 'v1.31.7',
      browserShare: 0.15,
      ...p,
      name: `d7-${p.name}@example.io`,
    });
  };
  // The office: IPv4 (trusted) as always; IPv6 on from Monday. Desk VLANs, and meetings in rooms on
  // the meeting Wi-Fi at 10:30 and 14:00.
  for (let k = 0; k < 5; k++) {
    const s = 8.5 + rand();
    const e = s + 8 + rand() * 0.5;
    const meetings: [number, number, Where][] = k < 3 ? [[s, 10.5, 'office'], [10.5, 11, 'meeting'], [11, 14, 'office'], [14, 14.5, 'meeting'], [14.5, e, 'office']] : [[s, e, 'office']];
    add({ name: `office-${k}`, warm: [[s, e, 'office']], scored: meetings });
  }
  // Remote, every request through the company's security proxy (its Amsterdam egress /24).
  for (let k = 0; k < 4; k++) add({ name: `remote-${k}`, warm: [[8.3, 16.8, 'sase']], scored: [[8.4, 17, 'sase']] });
  // A Codespace (cloud region, Linux kubectl) from 09:30, the macOS laptop at home beside it.
  add({ name: 'cloud-dev', kind: 'codespace', os: MAC, kubectlOs: 'darwin/arm64', warm: [[8.5, 9.5, 'home'], [9.5, 17, 'codespace']], scored: [[8.4, 9.5, 'home'], [9.5, 17.2, 'codespace']] });
  // Terraform's Kubernetes provider for the team's infrastructure; kubectl beside it. In the office.
  add({ name: 'terraform', kind: 'terraform', os: LINUX, kubectlOs: 'linux/amd64', warm: [[8.5, 17, 'office']], scored: [[8.5, 17, 'office']] });
  // A GitOps shop's developer: Flux reconciles and the Argo CD CLI, from home.
  add({ name: 'gitops', kind: 'flux', warm: [[9, 17.3, 'home']], scored: [[9, 17.3, 'home']] });
  // Back from two weeks of leave today; at home.
  add({ name: 'returner', kind: 'returner', warm: [], scored: [[9.2, 17.4, 'home']] });
  // Moves to another team at 13:00: a fresh sign-in with the new groups, then the new team's work.
  add({ name: 'mover', kind: 'mover', warm: [[8.8, 17, 'office']], scored: [[8.8, 17.2, 'office']] });
  // Ships the team's release to production with `kubectl diff`, then apply. In the office.
  add({ name: 'release', kind: 'release', warm: [[8.7, 17, 'office']], scored: [[8.7, 17, 'office']] });
  // At a conference today, on its Wi-Fi (last Friday in the office or at home).
  for (let k = 0; k < 4; k++) {
    const s = 8.4 + rand() * 0.6;
    add({ name: `conf-${k}`, warm: [[s, s + 8.3, k % 2 ? 'home' : 'office']], scored: [[s, s + 7.6, 'conference']] });
  }
  // New York: 09:00–17:00 local, 13:00–21:00 UTC on both days (US clocks moved two weeks earlier).
  add({ name: 'ny', kind: 'ny', warm: [[9, 17, 'nyhome']], scored: [[9, 17.2, 'nyhome']] });
  // First day: the laptop handed over at 09:00, their IdP sign-in at 09:10, kubectl from 09:30.
  add({ name: 'newstarter', kind: 'newstarter', warm: [], scored: [[9.5, 17, 'office']] });
  // On leave both days (their last day at work was the Friday two weeks earlier).
  add({ name: 'onleave', kind: 'onleave', warm: [], scored: [] });
  return out;
}

/** Hours east of UTC in Amsterdam (New York's, for its engineer) on the day starting at `day`. */
function offset(p: Person, day: number): number {
  if (p.kind === 'ny') return -4;
  return day >= D7_DAY1 ? 2 : 1;
}

function addressOf(p: Person, where: Where, n: number, scored: boolean, rand: () => number): string {
  const i = p.idx;
  // Happy eyeballs: IPv6 first, IPv4 when its answer is late (about one connection in five).
  const v6 = scored && rand() < 0.8;
  switch (where) {
    case 'office':
      return v6 ? `2a02:a46:7c1:${10 + (i % 2)}:${(0x1c00 + i * 7).toString(16)}:${(0x3e + n % 3).toString(16)}::${(0x10 + i).toString(16)}` : `10.44.${i % 4}.${20 + i}`;
    case 'meeting':
      return v6 ? `2a02:a46:7c1:20:${(0x5d00 + i * 11).toString(16)}::${(n % 7) + 2}` : `10.44.20.${30 + i}`;
    case 'home':
      // A dual-stack line: the home's IPv4 address and its delegated /64, both days.
      return rand() < 0.7 ? `2001:1c00:${(0x1a00 + i * 3).toString(16)}:${(i * 3) % 16}::${(0x200 + i).toString(16)}` : `84.${100 + i}.${(i * 7) % 250}.${10 + i}`;
    case 'sase':
      // The security proxy's egress: four addresses of one /24, whichever the client's tunnel lands on.
      return `165.225.80.${10 + ((n * 7 + i) % 4)}`;
    case 'codespace':
      // A new VM each day: another /24 of the region's address space.
      return scored ? '20.103.142.9' : '20.103.17.44';
    case 'conference':
      return `145.100.12.${7 + (n % 2)}`;
    case 'nyhome':
      return rand() < 0.6 ? `2603:7000:9a41:${(0x2c0 + i).toString(16)}::${(0x50 + i).toString(16)}` : `72.229.${30 + i}.${40 + i}`;
  }
}

type Req = { method: string; path: string; host?: string; headers?: Record<string, string>; body?: string; ua?: string };

function pod(svc: string, rand: () => number): string {
  return `${svc}-api-7c9b5d-${['f4x2p', 'q8k1m', 'z3w7r'][Math.floor(rand() * 3)]}`;
}

/** `kubectl diff -f prod/` then `kubectl apply -f prod/`: each object GET, a server dry-run PATCH, then the real PATCH. */
function diffAndApply(ns: string, svc: string, apply: boolean): Req[] {
  const objs: [string, string][] = [['/api/v1', `configmaps/${svc}-config`], ['/apis/apps/v1', `deployments/${svc}-api`], ['/apis/apps/v1', `deployments/${svc}-worker`]];
  const out: Req[] = [];
  for (const [base, name] of objs) {
    out.push({ method: 'GET', path: `${base}/namespaces/${ns}/${name}` });
    out.push({ method: 'PATCH', path: `${base}/namespaces/${ns}/${name}?dryRun=All&fieldManager=kubectl-client-side-apply&fieldValidation=Strict` });
  }
  if (apply) for (const [base, name] of objs) out.push({ method: 'PATCH', path: `${base}/namespaces/${ns}/${name}?fieldManager=kubectl-client-side-apply&fieldValidation=Strict` });
  return out;
}

function task(rand: () => number, p: Person, svc: string, extraNs?: string): Req[] {
  const k = rand();
  const r0 = rand();
  // A namespace the team started recently (the returner's `<svc>-v2`) takes part of the work.
  const ns = extraNs !== undefined && r0 < 0.3 ? extraNs : r0 < 0.5 ? svc : r0 < 0.78 ? `${svc}-staging` : `prod-${svc}`;
  const po = pod(svc, rand);
  if (k < 0.2) return [{ method: 'GET', path: `/api/v1/namespaces/${ns}/pods` }, { method: 'GET', path: `/api/v1/namespaces/${ns}/pods/${po}/log?container=api&tailLines=200` }];
  // `kubectl events` (events.k8s.io), `kubectl auth whoami`, `kubectl get --raw /metrics`.
  if (k < 0.3) return [{ method: 'GET', path: `/apis/events.k8s.io/v1/namespaces/${ns}/events?limit=500` }];
  if (k < 0.34) return [{ method: 'POST', path: '/apis/authentication.k8s.io/v1/selfsubjectreviews' }];
  if (k < 0.37) return [{ method: 'GET', path: '/metrics' }];
  if (k < 0.45) return [{ method: 'GET', path: '/api' }, { method: 'GET', path: '/apis' }, { method: 'GET', path: `/apis/apps/v1/namespaces/${ns}/deployments` }];
  if (k < 0.52) return [{ method: 'GET', path: `/api/v1/namespaces/${ns}/secrets/${svc}-db` }];
  if (k < 0.57) return [{ method: 'GET', path: `/api/v1/namespaces/${ns}/pods/${po}` }, { method: 'GET', path: `/api/v1/namespaces/${ns}/pods/${po}/exec?command=sh&stdin=true&stdout=true&tty=true&container=api`, headers: WS_UPGRADE }];
  if (k < 0.61) return [{ method: 'GET', path: `/api/v1/namespaces/${ns}/pods/${po}` }, { method: 'GET', path: `/api/v1/namespaces/${ns}/pods/${po}/portforward?ports=8080`, headers: WS_UPGRADE }];
  // `kubectl diff` against a namespace: a server-side dry-run of each change.
  if (k < 0.66) return [{ method: 'GET', path: `/apis/apps/v1/namespaces/${ns}/deployments/${svc}-api` }, { method: 'PATCH', path: `/apis/apps/v1/namespaces/${ns}/deployments/${svc}-api?dryRun=All&fieldManager=kubectl-client-side-apply` }];
  if (k < 0.71) return [{ method: 'PATCH', path: `/apis/apps/v1/namespaces/${ns}/deployments/${svc}-api?fieldManager=kubectl-rollout` }];
  if (k < 0.74) return [{ method: 'DELETE', path: `/api/v1/namespaces/${ns}/pods/${po}` }];
  if (k < 0.84) return [{ method: 'GET', path: `/api/v1/namespaces/${ns}/configmaps` }, { method: 'GET', path: `/api/v1/namespaces/${ns}/services` }];
  if (k < 0.9) return [{ method: 'GET', path: `/apis/metrics.k8s.io/v1beta1/namespaces/${ns}/pods` }];
  return [{ method: 'GET', path: `/apis/apps/v1/namespaces/${ns}/deployments/${svc}-api?watch=true&fieldSelector=metadata.name%3D${svc}-api` }];
}

function browserTask(rand: () => number, svc: string): Req[] {
  if (rand() < 0.6) return [{ method: 'GET', host: 'grafana.localhost', path: `/d/${svc}-overview` }, { method: 'GET', host: 'grafana.localhost', path: '/api/ds/query?ds_type=prometheus' }];
  return [{ method: 'GET', host: 'argocd.localhost', path: '/api/v1/applications' }, { method: 'GET', host: 'argocd.localhost', path: `/api/v1/applications/${svc}-staging` }];
}

/** `terraform plan` refreshing what the team's module manages in three namespaces, ten requests at a time. */
function terraformPlan(svc: string): Req[] {
  const out: Req[] = [];
  for (const ns of [svc, `${svc}-staging`, `prod-${svc}`]) {
    out.push({ method: 'GET', path: `/api/v1/namespaces/${ns}` });
    out.push({ method: 'GET', path: `/apis/apps/v1/namespaces/${ns}/deployments/${svc}-api` });
    out.push({ method: 'GET', path: `/api/v1/namespaces/${ns}/services/${svc}-api` });
    out.push({ method: 'GET', path: `/api/v1/namespaces/${ns}/configmaps/${svc}-config` });
    out.push({ method: 'GET', path: `/api/v1/namespaces/${ns}/secrets/${svc}-db` });
    out.push({ method: 'GET', path: `/api/v1/namespaces/${ns}/secrets/${svc}-tls` });
  }
  return out.map((q) => ({ ...q, ua: TERRAFORM }));
}

/** `terraform apply` in one namespace: the plan's refresh, then the changes. */
function terraformApply(svc: string, ns: string): Req[] {
  return [
    ...terraformPlan(svc),
    { method: 'PATCH', path: `/api/v1/namespaces/${ns}/configmaps/${svc}-config`, ua: TERRAFORM },
    { method: 'PATCH', path: `/apis/apps/v1/namespaces/${ns}/deployments/${svc}-api`, ua: TERRAFORM },
  ];
}

/** `flux reconcile kustomization <svc> --with-source`, then `flux get kustomizations`. */
function fluxReconcile(svc: string, os: string): Req[] {
  return [
    { method: 'GET', path: `/apis/kustomize.toolkit.fluxcd.io/v1/namespaces/flux-system/kustomizations/${svc}` },
    { method: 'PATCH', path: `/apis/source.toolkit.fluxcd.io/v1/namespaces/flux-system/gitrepositories/${svc}` },
    { method: 'PATCH', path: `/apis/kustomize.toolkit.fluxcd.io/v1/namespaces/flux-system/kustomizations/${svc}` },
    { method: 'GET', path: `/apis/kustomize.toolkit.fluxcd.io/v1/namespaces/flux-system/kustomizations?watch=true&fieldSelector=metadata.name%3D${svc}` },
    { method: 'GET', path: '/apis/kustomize.toolkit.fluxcd.io/v1/namespaces/flux-system/kustomizations' },
  ].map((q) => ({ ...q, ua: FLUX(os) }));
}

export function workday7(seed = 51): DayEvent[] {
  const rand = prng(seed * 2_654_435_761 + 7);
  const people = staff(rand);
  const events: DayEvent[] = [];
  const returner = people.find((p) => p.kind === 'returner')!;
  const onleave = people.find((p) => p.kind === 'onleave')!;
  // The last working day before leave, for both: their history (two and a half weeks old on Monday).
  const days: [number, Person[] | undefined][] = [[D7_BEFORE_LEAVE, [returner, onleave]], [D7_DAY0, undefined], [D7_DAY1, undefined]];
  for (const [day, only] of days) {
    const scored = day === D7_DAY1;
    for (const p of only ?? people) {
      const blocks: [number, number, Where][] = only ? [[8.8, 17, 'home']] : scored ? p.scored : p.warm;
      if (blocks.length === 0) continue;
      const off = offset(p, day);
      const at = (local: number) => day + (local - off) * H;
      const first = blocks[0]![0];
      // The morning sign-in (two factors), 40 s before the first request; kubectl's plugin and the
      // browser share it, and so does the Codespace (its device-code sign-in answered by the same
      // IdP session: same sid, same auth_time). The new starter's IdP sign-in was at 09:10.
      const signIn = p.kind === 'newstarter' && scored ? at(9 + 10 / 60) : at(first) - 40 * S;
      const morning: Login = { sub: p.name, sid: `${p.name}:${day}`, authTime: Math.floor(signIn / 1000), acr: 'urn:stepgate:aal2' };
      // The mover's afternoon: signed out and in again at 12:58 for the new team's groups.
      const moved: Login = { sub: p.name, sid: `${p.name}:${day}:moved`, authTime: Math.floor((at(13) - 2 * M) / 1000), acr: 'urn:stepgate:aal2' };
      const isMoved = (t: number) => scored && p.kind === 'mover' && t >= at(13);
      const teamOf = (t: number) => (isMoved(t) ? 'catalog' : p.svc);
      const mine: DayEvent[] = [];
      let n = 0;
      const placeAt = (t: number): Where => {
        const h = (t - day) / H + off;
        for (const [from, to, where] of blocks) if (h >= from && h < to) return where;
        return blocks[blocks.length - 1]![2];
      };
      const push = (t: number, where: Where, q: Req, browser: boolean) => {
        const inCodespace = where === 'codespace' && !browser && rand() < 0.85;
        const ip = inCodespace ? addressOf(p, 'codespace', n, scored, rand) : addressOf(p, where === 'codespace' ? 'home' : where, n, scored, rand);
        n++;
        const kos = inCodespace ? 'linux/amd64' : p.kubectlOs;
        const ua = q.ua ?? (browser ? (p.idx % 4 === 1 ? FIREFOX(p.os) : CHROME(p.os)) : KUBECTL(inCodespace ? 'v1.32.3' : p.kubectlVersion, kos));
        const headers = browser && ua.includes('Chrome') ? { 'sec-ch-ua-platform': PLATFORM_HINT[p.os]!, ...q.headers } : q.headers;
        mine.push({
          at: Math.round(t),
          actor: p.name,
          scored,
          ip,
          ua,
          login: isMoved(t) ? moved : morning,
          method: q.method,
          path: q.path,
          ...(headers ? { headers } : {}),
          ...(q.host ? { host: q.host } : {}),
          ...(q.body !== undefined ? { body: q.body } : {}),
        });
      };
      for (const [from, to, where] of blocks) {
        let t = at(from);
        const end = at(to);
        while (t < end) {
          const local = (t - day) / H + off;
          if (local >= 12.3 && local < 13 && where !== 'conference') {
            t = at(13);
            continue;
          }
          const browser = rand() < p.browserShare;
          const team = teamOf(t);
          // The returner's team started `<svc>-v2` during the leave.
          const extra = p.kind === 'returner' && scored ? `${p.svc}-v2` : undefined;
          const reqs = browser ? browserTask(rand, team) : task(rand, p, team, extra);
          const gap = 600 + rand() * 1800;
          reqs.forEach((q, k) => push(t + k * gap, where, q, browser));
          t += 4 * M + rand() * 9 * M;
        }
      }
      // Replace the routine in [from, from + clearMin) with a run of requests.
      const run = (from: number, reqs: Req[], gapMs: number, clearMin: number) => {
        for (let k = mine.length - 1; k >= 0; k--) if (mine[k]!.at >= from - 2 * M && mine[k]!.at <= from + clearMin * M) mine.splice(k, 1);
        reqs.forEach((q, k) => push(from + k * gapMs, placeAt(from), q, false));
      };
      if (!only && p.kind === 'terraform') {
        // A plan at 10:00 and 15:30 each day; applies to staging (10:10) and production (15:40) today.
        run(at(10), terraformPlan(p.svc), 100, 3);
        run(at(15.5), terraformPlan(p.svc), 100, 3);
        if (scored) {
          run(at(10 + 10 / 60), terraformApply(p.svc, `${p.svc}-staging`), 100, 3);
          run(at(15.5 + 10 / 60), terraformApply(p.svc, `prod-${p.svc}`), 100, 3);
        }
      }
      if (!only && p.kind === 'flux') {
        for (const h of scored ? [10.2, 11.7, 14.1, 16.4] : [10.4, 15.2]) run(at(h), fluxReconcile(p.svc, p.kubectlOs), 700, 3);
        // `argocd app sync` with the Argo CD CLI against its server.
        for (const h of [11, 15.8]) {
          run(at(h), [], 0, 2);
          for (const [k, q] of [['GET', `/api/v1/applications/${p.svc}-staging`], ['POST', `/api/v1/applications/${p.svc}-staging/sync`], ['GET', `/api/v1/stream/applications?name=${p.svc}-staging`]].entries()) {
            push(at(h) + k * 900, placeAt(at(h)), { method: q[0]!, path: q[1]!, host: 'argocd.localhost', ua: ARGOCD_CLI(p.kubectlOs) }, false);
          }
        }
      }
      if (!only && p.kind === 'release') {
        // `kubectl diff -f release/`, then apply, in production: 11:00 and 15:00.
        for (const h of [11, 15]) run(at(h), diffAndApply(`prod-${p.svc}`, p.svc, true), 800, 4);
      }
      if (scored && p.kind === 'mover') {
        // The new team's production deploy at 16:00, with a diff first.
        run(at(16), diffAndApply('prod-catalog', 'catalog', true), 800, 4);
      }
      mine.sort((a, b) => a.at - b.at);
      events.push(...mine);
    }
    if (only) continue;
    // CI on an autoscaled runner pool in the company's cloud network (peered, inside 10/8): every
    // job a new runner, its own token and address, each a dry-run first (`kubectl diff`).
    for (let j = 0; j < 32; j++) {
      const t = day + 6.5 * H + j * 20 * M;
      const login: Login = { sub: 'ci-runner@example.io', sid: `ci7:${day}:${j}`, authTime: Math.floor(t / 1000), acr: 'urn:stepgate:aal1' };
      const ip = `10.90.${(j * 37 + (scored ? 11 : 0)) % 64}.${(j * 31) % 250 + 2}`;
      const svc = SERVICES[j % 4]!;
      const ua = KUBECTL('v1.32.3', 'linux/amd64');
      const reqs: [string, string][] = [
        ['GET', `/apis/apps/v1/namespaces/${svc}-staging/deployments/${svc}-api`],
        ['PATCH', `/apis/apps/v1/namespaces/${svc}-staging/deployments/${svc}-api?dryRun=All&fieldManager=kubectl-client-side-apply`],
        ['PATCH', `/apis/apps/v1/namespaces/${svc}-staging/deployments/${svc}-api?fieldManager=kubectl-client-side-apply`],
        ['GET', `/apis/apps/v1/namespaces/${svc}-staging/deployments/${svc}-api?watch=true`],
      ];
      reqs.forEach(([method, path], k) => events.push({ at: t + k * 400, actor: 'ci', scored, ip, ua, login, method, path }));
    }
  }
  return withAttacks(events, attacks7(people, events));
}

function attacks7(people: Person[], routine: DayEvent[]): DayEvent[] {
  const out: DayEvent[] = [];
  const by = (name: string) => people.find((p) => p.name === `d7-${name}@example.io`)!;
  const last = (p: Person, t: number, match?: (e: DayEvent) => boolean): DayEvent => lastRequestOf(routine, p.name, t, match);
  type R = AttackRequest;
  const add = attackAdder(out);
  const L = (h: number) => D7_DAY1 + (h - 2) * H; // Amsterdam local time on the scored day
  const json = { 'content-type': 'application/json' };

  // 1. Device-code phishing of an office engineer: "re-authenticate your kubectl" with the
  // attacker's code; the victim approves it in their browser (two factors), the attacker's kubectl
  // on a VPS polls the token a few seconds later.
  const o1 = by('office-1');
  const dc1: Login = { sub: o1.name, sid: `${o1.name}:device-code`, authTime: Math.floor(L(10.7) / 1000), acr: 'urn:stepgate:aal2' };
  add('device-code phishing (attacker on a VPS)', L(10.7) + 8 * S, '185.243.115.84', KUBECTL('v1.32.3', 'linux/amd64'), dc1,
    [['GET', `/api/v1/namespaces/${o1.svc}/pods`, false], ['GET', `/api/v1/namespaces/prod-${o1.svc}/secrets`, true], ['GET', `/api/v1/namespaces/prod-${o1.svc}/pods/${o1.svc}-api-7c9b5d-f4x2p/exec?command=sh&stdin=true&tty=true`, true, WS_UPGRADE]], 4000);

  // 2. The same at the conference: an attacker on the conference Wi-Fi hands an attendee a device
  // code ("join the workshop cluster"); the attendee approves it; the attacker, on the same Wi-Fi
  // and NAT, uses the token from their own Linux laptop.
  const c2 = by('conf-2');
  const dc2: Login = { sub: c2.name, sid: `${c2.name}:workshop`, authTime: Math.floor(L(11.3) / 1000), acr: 'urn:stepgate:aal2' };
  add('device-code phishing on the conference Wi-Fi', L(11.3) + 6 * S, '145.100.12.8', KUBECTL('v1.32.3', 'linux/amd64'), dc2,
    [['GET', `/api/v1/namespaces/${c2.svc}/pods`, false], ['GET', `/api/v1/namespaces/prod-${c2.svc}/secrets/${c2.svc}-db`, true], ['GET', `/api/v1/namespaces/prod-${c2.svc}/secrets`, true]], 5000);

  // 3. A remote engineer's token (copied from their laptop's kubelogin cache) used by a contractor
  // through the same security proxy: the same egress /24, the contractor's kubectl on Linux (as
  // the victim's happens to be).
  const r0 = by('remote-0');
  const t3 = L(13.4);
  const v3 = last(r0, t3);
  add('stolen token through the shared security proxy', t3, '165.225.80.12', KUBECTL('v1.32.3', 'linux/amd64'), v3.login,
    [['GET', `/api/v1/namespaces/${r0.svc}/pods`, false], ['GET', `/api/v1/namespaces/prod-${r0.svc}/secrets/${r0.svc}-db`, true]], 3000, r0);

  // 4. The engineer on leave checks their mail on holiday and falls for an adversary-in-the-middle
  // page: a fresh two-factor login, used from a residential proxy in Amsterdam.
  const ol = by('onleave');
  const aitm: Login = { sub: ol.name, sid: `${ol.name}:aitm`, authTime: Math.floor(L(10.1) / 1000), acr: 'urn:stepgate:aal2' };
  add('phished while on leave (residential proxy)', L(10.1) + 2 * M, '77.162.41.205', KUBECTL(ol.kubectlVersion, ol.kubectlOs), aitm,
    [['GET', `/api/v1/namespaces/${ol.svc}/pods`, false], ['GET', `/api/v1/namespaces/${ol.svc}/secrets/${ol.svc}-db`, true], ['GET', `/api/v1/namespaces/prod-${ol.svc}/secrets/${ol.svc}-db`, true]], 4000);

  // 5. A malicious editor extension in the Codespace reads the kubelogin cache and sends the token
  // home; the attacker uses it from a VM rented in the same cloud region, with the Codespace's
  // kubectl. The victim's own Secrets first, then the rest of what the token reaches.
  const cd = by('cloud-dev');
  const t5 = L(14.2);
  const v5 = last(cd, t5, (x) => x.ua.includes('linux/amd64'));
  add("Codespace token used from the same cloud region", t5, '20.103.201.7', v5.ua, v5.login,
    [['GET', `/api/v1/namespaces/${cd.svc}/pods`, false], ['GET', `/api/v1/namespaces/prod-${cd.svc}/secrets/${cd.svc}-db`, true], ['GET', '/api/v1/namespaces/prod-payments/secrets/payments-db', true]], 3000, cd);

  // 6. Malware on the mover's laptop that waits for a sign-in: at 13:00:30, with the fresh token of
  // the mover's new-team sign-in, it reads other teams' production Secrets at a person's pace.
  const mv = by('mover');
  const v6 = last(mv, L(13.1));
  add('malware acting right after a fresh sign-in', L(13) + 30 * S, v6.ip, v6.ua, { ...v6.login, sid: `${mv.name}:${D7_DAY1}:moved`, authTime: Math.floor((L(13) - 2 * M) / 1000) },
    ['prod-payments', 'prod-identity', 'prod-ledger', 'prod-search', 'prod-checkout', 'kube-system', 'vault', 'prod-fraud'].map((ns): R => ['GET', `/api/v1/namespaces/${ns}/secrets`, true]), 40 * S, mv);

  // 7. Dry-run probes, then the real write: malware on the release engineer's laptop checks with
  // server dry-runs whether admission lets a sidecar into another team's production Deployment,
  // then makes the change.
  const rel = by('release');
  const t7 = L(13.6);
  const v7 = last(rel, t7);
  const sidecar = JSON.stringify({ spec: { template: { spec: { containers: [{ name: 'log-shipper', image: 'ghcr.io/l0g-shipper/agent:2.1', envFrom: [{ secretRef: { name: 'payments-db' } }] }] } } } });
  const patch = { 'content-type': 'application/strategic-merge-patch+json' };
  add('dry-run probes, then the write', t7, v7.ip, v7.ua, v7.login, [
    ['GET', '/apis/apps/v1/namespaces/prod-payments/deployments/payments-api', false],
    ['PATCH', '/apis/apps/v1/namespaces/prod-payments/deployments/payments-api?dryRun=All&fieldManager=kubectl-client-side-apply', false, patch, sidecar],
    ['PATCH', '/apis/apps/v1/namespaces/prod-payments/deployments/payments-api?fieldManager=kubectl-client-side-apply', true, patch, sidecar],
  ], 4000, rel);

  // 8. Secrets through less obvious routes, each from a victim's laptop (their address, kubectl, token).
  const o3 = by('office-3');
  const t8 = L(10.9);
  const v8 = last(o3, t8);
  add('Secret by field selector in another team', t8, v8.ip, v8.ua, v8.login, [['GET', '/api/v1/namespaces/prod-payments/secrets?fieldSelector=metadata.name%3Dpayments-db', true]], 1000, o3);
  const r1 = by('remote-1');
  const t8b = L(11.5);
  const v8b = last(r1, t8b);
  add('watch of registry Secrets across namespaces', t8b, v8b.ip, v8b.ua, v8b.login, [['GET', '/api/v1/secrets?watch=true&fieldSelector=type%3Dkubernetes.io%2Fdockerconfigjson', true]], 1000, r1);
  // A Job in another team's non-production namespace mounting that team's Secret, then its log.
  const r2 = by('remote-2');
  const t8c = L(15.2);
  const v8c = last(r2, t8c);
  const job = {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: { name: 'db-check', namespace: 'payments-staging' },
    spec: { template: { spec: { restartPolicy: 'Never', containers: [{ name: 'check', image: 'busybox:1.37', command: ['sh', '-c', 'env'], envFrom: [{ secretRef: { name: 'payments-db' } }] }] } } },
  };
  add("a Job that prints another team's Secret", t8c, v8c.ip, v8c.ua, v8c.login, [
    ['POST', '/apis/batch/v1/namespaces/payments-staging/jobs', true, json, JSON.stringify(job)],
    ['GET', '/api/v1/namespaces/payments-staging/pods?labelSelector=job-name%3Ddb-check', false],
    ['GET', '/api/v1/namespaces/payments-staging/pods/db-check-x7q2k/log', true],
  ], 6000, r2);
  const o4 = by('office-4');
  const t8d = L(15.7);
  const v8d = last(o4, t8d);
  add('Vault through the service proxy', t8d, v8d.ip, v8d.ua, v8d.login, [['GET', '/api/v1/namespaces/vault/services/https:vault:8200/proxy/v1/secret/data/payments', true]], 1000, o4);
  const o0 = by('office-0');
  const t8e = L(16.1);
  const v8e = last(o0, t8e);
  add('projected token for a service account', t8e, v8e.ip, v8e.ua, v8e.login, [['POST', '/api/v1/namespaces/payments/serviceaccounts/payments-api/token', true, json, '{"apiVersion":"authentication.k8s.io/v1","kind":"TokenRequest","spec":{"expirationSeconds":86400}}']], 1000, o0);

  // 9. RBAC through aggregation: a ClusterRole labelled into `edit` that grants Secrets everywhere
  // (every RoleBinding to `edit` gains it), from the Terraform user's laptop.
  const tf = by('terraform');
  const t9 = L(12);
  const v9 = last(tf, t9);
  const role = { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', metadata: { name: 'secret-reader-ext', labels: { 'rbac.authorization.k8s.io/aggregate-to-edit': 'true' } }, rules: [{ apiGroups: [''], resources: ['secrets'], verbs: ['get', 'list', 'watch'] }] };
  add('ClusterRole aggregated into edit', t9, v9.ip, v9.ua, v9.login, [['POST', '/apis/rbac.authorization.k8s.io/v1/clusterroles', true, json, JSON.stringify(role)]], 1000, tf);

  // 10. Malware that sends no user agent at all (a client whose library sets none), on gitops's
  // laptop: the victim's own Secrets first, then another team's.
  const go = by('gitops');
  const t10 = L(13.8);
  const v10 = last(go, t10);
  add('malware with no user agent', t10, v10.ip, '', v10.login, [
    ['GET', `/api/v1/namespaces/${go.svc}/secrets`, true],
    ['GET', `/api/v1/namespaces/prod-${go.svc}/secrets`, true],
    ['GET', '/api/v1/namespaces/prod-payments/secrets', true],
  ], 7000, go);

  // 11. Malware with a client of its own on the Terraform user's laptop (whose Terraform is a
  // generic HTTP client to stepgate too): the victim's own Secrets first.
  const t11 = L(14.6);
  const v11 = last(tf, t11);
  add("malware's own client on the Terraform user's laptop", t11, v11.ip, 'kube-sync/0.4.2', v11.login, [
    ['GET', `/api/v1/namespaces/${tf.svc}-staging/secrets`, true],
    ['GET', `/api/v1/namespaces/prod-${tf.svc}/secrets`, true],
    ['GET', '/api/v1/namespaces/prod-payments/secrets', true],
  ], 7000, tf);

  // 12. Device-code phishing of the new starter before their first request ("IT: approve this code
  // to finish your laptop setup"): their IdP sign-in at 09:10, the code approved at 09:12, used at
  // 09:13 from the attacker's VPS.
  const ns = by('newstarter');
  const dc12: Login = { sub: ns.name, sid: `${ns.name}:${D7_DAY1}`, authTime: Math.floor(L(9 + 10 / 60) / 1000), acr: 'urn:stepgate:aal2' };
  add("device-code phishing of a new starter's first login", L(9 + 13 / 60), '185.243.115.84', KUBECTL('v1.32.3', 'linux/amd64'), dc12,
    [['GET', `/api/v1/namespaces/${ns.svc}/pods`, false], ['GET', '/api/v1/namespaces/prod-payments/secrets', true], ['GET', '/api/v1/namespaces/prod-identity/secrets', true]], 6000);
  return out;
}
