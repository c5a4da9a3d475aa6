import { LINUX, MAC, PLATFORM_HINT, WS_UPGRADE, prng, withAttacks, type DayEvent, type Login, type StaffMember } from './workday.js';

/**
 * A sixth replayed day, written as a red team and an outsider would after reading docs/risk.md,
 * from situations days 1–5 do not have. Routine: an engineer whose laptop sleeps and wakes on
 * different networks all day (home, a café never used before, a coworking space, home again); a
 * laptop replaced at 13:00 (a fresh sign-in on the new one, a new kubectl build); a Chrome major
 * update at noon (131 → 132) for two dashboard-heavy engineers; two engineers whose dashboards go
 * through a company SSO that issues only single-factor (aal1) logins, kubectl keeping its own
 * two-factor one; `kubectl logs -f` re-opened across a fallback to a phone tether; a release
 * manager shipping to production every 12 minutes all afternoon (`kubectl apply -f release/`: a
 * ConfigMap and three Deployments in one go); an SRE bulk-restarting every Deployment of two
 * production namespaces during an incident (`kubectl rollout restart deploy -n …`); a developer
 * applying a directory of 40 objects to staging; `helm upgrade` with a pre-upgrade hook Job, in
 * staging and once in production; CI applying to staging from a self-hosted runner pool.
 *
 * The attacks are what someone holding a stolen token or a foothold on a laptop would send to get
 * past stepgate, having read how it works: `kubectl proxy` left running on a victim's laptop and
 * used from another host on the office LAN (with python, and with a kubectl like the victim's,
 * reaching into another service's pods through `pods/…/proxy`); a stolen token through the
 * victim's own SSH jump host; impersonation of `system:masters` to rewrite kube-proxy's DaemonSet;
 * a ConfigMap that an operator turns into code (Argo CD's plugin configuration); a CSR created and
 * approved; an ephemeral container in another service's production pod; a service proxy to an
 * admin endpoint; the CI job token used from a laptop, and from the runner pool itself (a poisoned
 * pipeline) to create a privileged DaemonSet and a CronJob; a stolen refresh token that waits for
 * the victim's next sign-in and acts seconds after it; deletes spread below every documented
 * threshold in the victim's own production namespace (Deployments every 26 s; then, written after
 * docs/risk.md said so, a StatefulSet, its volumes, Service, Ingress, CronJob, configuration and
 * namespace, one every 5 minutes); a watch of every Secret of the cluster on
 * the legacy `/watch/` path; a Secret list hidden behind a trailing slash and a label selector.
 */

export const D6_DAY0 = Date.UTC(2027, 1, 15, 0, 0, 0); // warm-up (a Monday), not scored
export const D6_DAY1 = D6_DAY0 + 86_400_000;
const H = 3_600_000;
const M = 60_000;
const S = 1000;

const KUBECTL = (v: string, os: string) => `kubectl/${v} (${os}) kubernetes/${v === 'v1.33.1' ? '8adc0f0' : '5f8c2b1'}`;
const HELM = 'Helm/3.17.2';
const CHROME = (os: string, major: number) => `Mozilla/5.0 (${os}) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/${major}.0.0.0 Safari/537.36`;
const FIREFOX = (os: string) => `Mozilla/5.0 (${os}; rv:135.0) Gecko/20100101 Firefox/135.0`;

const SERVICES = ['cart', 'pricing', 'inventory', 'notify'] as const;

type Where = 'office' | 'home' | 'cafe' | 'cowork' | 'tether' | 'bastion';

interface Person extends StaffMember<Where> {
  /** Share of the person's sittings spent in the browser (Grafana, the Argo CD UI). */
  browserShare: number;
  kind?: 'release' | 'sre' | 'applier' | 'helm' | 'sso' | 'chrome' | 'newlaptop' | 'roamer' | 'tail';
}

function staff(rand: () => number): Person[] {
  const out: Person[] = [];
  const add = (p: Partial<Person> & { name: string }) => {
    const idx = out.length;
    const mac = idx % 2 === 0;
    const start = 7.6 + rand() * 1.4;
    const len = 7.6 + rand() * 0.8;
    const where: Where = idx % 3 === 1 ? 'home' : 'office';
    out.push({
      idx,
      svc: SERVICES[idx % 4]!,
      warm: [[start, start + len, where]],
      scored: [[start, start + len, where]],
      os: mac ? MAC : LINUX,
      kubectlOs: mac ? 'darwin/arm64' : 'linux/amd64',
      kubectlVersion: idx % 2 ? 'v1.32.4' : 'v1.33.1',
      browserShare: 0.15,
      ...p,
      name: `d6-${p.name}@example.org`,
    });
  };
  // Sleeps and wakes all day: home, a café (never used before), the coworking space, home. The
  // warm-up day was home and the coworking space.
  add({ name: 'roamer', kind: 'roamer', warm: [[7, 8.5, 'home'], [9, 17, 'cowork']], scored: [[7, 8.4, 'home'], [9, 10.9, 'cafe'], [11.4, 14.6, 'cowork'], [15.1, 17, 'home']] });
  // A new laptop at 13:00 (fresh sign-in on it, a new kubectl build, same OS).
  add({ name: 'newlaptop', kind: 'newlaptop', warm: [[8, 16.5, 'office']], scored: [[8, 16.5, 'office']] });
  // Dashboards most of the day in Chrome; Chrome 131 → 132 at noon.
  add({ name: 'chrome-0', kind: 'chrome', browserShare: 0.6 });
  add({ name: 'chrome-1', kind: 'chrome', browserShare: 0.6, os: LINUX, kubectlOs: 'linux/amd64' });
  // Dashboards through the company SSO, which only ever issues aal1; kubectl has its own aal2 login.
  add({ name: 'sso-0', kind: 'sso', browserShare: 0.4 });
  add({ name: 'sso-1', kind: 'sso', browserShare: 0.4 });
  // From home; `logs -f` re-opened through a phone tether 14:00–14:40 (as every week or so).
  add({ name: 'tail', kind: 'tail', warm: [[8, 14, 'home'], [14, 14.6, 'tether'], [14.6, 17, 'home']], scored: [[8.2, 14, 'home'], [14, 14.7, 'tether'], [14.7, 17, 'home']] });
  // Ships to production every 12 minutes in the afternoon; in the office.
  add({ name: 'release', kind: 'release', warm: [[8, 17, 'office']], scored: [[8, 17, 'office']] });
  // Incident at 10:40: rollout restart of every Deployment in two production namespaces.
  add({ name: 'sre', kind: 'sre', warm: [[8, 16.5, 'office']], scored: [[8, 16.5, 'office']] });
  // `kubectl apply -f k8s/` of 40 objects to staging, twice a day.
  add({ name: 'applier', kind: 'applier' });
  // helm upgrades with hooks: staging twice, production once.
  add({ name: 'helm', kind: 'helm', warm: [[8.5, 17, 'office']], scored: [[8.5, 17, 'office']] });
  // Works through an SSH jump host (SOCKS) on the office network, from home.
  add({ name: 'jumper', warm: [[8, 16.5, 'bastion']], scored: [[8, 16.5, 'bastion']] });
  // Plain days, the office and home.
  add({ name: 'dev-0' });
  add({ name: 'dev-1' });
  add({ name: 'dev-2', warm: [[8, 16.5, 'home']], scored: [[8, 16.5, 'home']] });
  add({ name: 'dev-3' });
  return out;
}

function addressOf(p: Person, where: Where, n: number): string {
  const i = p.idx;
  switch (where) {
    case 'office':
      return `10.50.${3 + (i % 2)}.${40 + i}`;
    case 'home':
      return `93.${140 + i}.${(i * 41) % 250}.${12 + i}`;
    case 'cafe':
      return '81.169.145.93';
    case 'cowork':
      return '62.157.140.20';
    case 'tether':
      // A phone's tether on carrier NAT: the address moves within one /24.
      return `80.187.102.${(n * 13) % 200 + 20}`;
    case 'bastion':
      return '10.50.9.10';
  }
}

type Req = { method: string; path: string; host?: string; headers?: Record<string, string>; body?: string };

/** The teams' own registry; images by tag (a `:latest` worker among them), as most teams ship. */
const REGISTRY = 'registry.example.org/shop';
const APPLY_PATCH = { 'content-type': 'application/strategic-merge-patch+json' };
const LAST_APPLIED = 'kubectl.kubernetes.io/last-applied-configuration';

/** The object `kubectl apply -f release/<svc>/` sends for `name` (a ConfigMap or a Deployment), at release `tag`. */
function manifest(ns: string, name: string, svc: string, tag: string): Record<string, unknown> {
  const [kind, obj] = name.split('/') as [string, string];
  if (kind === 'configmaps') {
    return { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: obj, namespace: ns }, data: { LOG_LEVEL: 'info', RELEASE: tag, UPSTREAM_URL: `http://${svc}-api.${ns}.svc:8080` } };
  }
  const part = obj.slice(svc.length + 1);
  const image = part === 'web' ? 'nginx:1.27' : part === 'worker' ? `${REGISTRY}/${svc}-worker:latest` : `${REGISTRY}/${svc}-${part}:${tag}`;
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: obj, namespace: ns, labels: { app: obj, team: svc } },
    spec: {
      replicas: 3,
      selector: { matchLabels: { app: obj } },
      template: {
        metadata: { labels: { app: obj, team: svc } },
        spec: {
          serviceAccountName: svc,
          containers: [
            {
              name: part,
              image,
              ports: [{ name: 'http', containerPort: 8080 }],
              envFrom: [{ configMapRef: { name: `${svc}-config` } }],
              resources: { requests: { cpu: '250m', memory: '256Mi' }, limits: { memory: '512Mi' } },
              readinessProbe: { httpGet: { path: '/healthz', port: 'http' } },
              securityContext: { allowPrivilegeEscalation: false, runAsNonRoot: true, capabilities: { drop: ['ALL'] } },
            },
          ],
        },
      },
    },
  };
}

/** Client-side apply's PATCH: what changed since the last apply (the release's images or data), and the new last-applied annotation. */
function applyBody(ns: string, name: string, svc: string, tag: string): string {
  const full = manifest(ns, name, svc, tag);
  const annotations = { [LAST_APPLIED]: `${JSON.stringify(full)}\n` };
  if (full.kind === 'ConfigMap') return JSON.stringify({ data: full.data, metadata: { annotations } });
  const c = ((full.spec as { template: { spec: { containers: { name: string; image: string }[] } } }).template.spec.containers)[0]!;
  return JSON.stringify({
    metadata: { annotations },
    spec: { template: { spec: { '$setElementOrder/containers': [{ name: c.name }], containers: [{ image: c.image, name: c.name }] } } },
  });
}

function pod(svc: string, rand: () => number): string {
  return `${svc}-api-6d9f7c-${['k2x8p', 'm7q4z', 'w3r9t'][Math.floor(rand() * 3)]}`;
}

function task(rand: () => number, p: Person): Req[] {
  const k = rand();
  // Other services' namespaces are looked at (pods, logs, events), not changed or opened up.
  const svc = k < 0.53 && rand() < 0.15 ? SERVICES[Math.floor(rand() * 4)]! : p.svc;
  const r0 = rand();
  const ns = r0 < 0.45 ? svc : r0 < 0.75 ? `${svc}-staging` : `prod-${svc}`;
  const po = pod(svc, rand);
  if (k < 0.25) return [{ method: 'GET', path: `/api/v1/namespaces/${ns}/pods` }, { method: 'GET', path: `/api/v1/namespaces/${ns}/pods/${po}/log?tailLines=100` }];
  if (k < 0.35) return [{ method: 'GET', path: '/api' }, { method: 'GET', path: '/apis' }, { method: 'GET', path: `/apis/apps/v1/namespaces/${ns}/deployments` }];
  if (k < 0.45) return [{ method: 'GET', path: `/api/v1/namespaces/${ns}/pods/${po}/log?follow=true&tailLines=20` }];
  if (k < 0.53) return [{ method: 'GET', path: `/api/v1/namespaces/${ns}/events?fieldSelector=involvedObject.name%3D${po}` }];
  if (k < 0.6) return [{ method: 'GET', path: `/api/v1/namespaces/${ns}/secrets/${svc}-db` }];
  if (k < 0.65) return [{ method: 'GET', path: `/api/v1/namespaces/${ns}/pods/${po}` }, { method: 'GET', path: `/api/v1/namespaces/${ns}/pods/${po}/exec?command=sh&stdin=true&stdout=true&tty=true`, headers: WS_UPGRADE }];
  if (k < 0.7) return [{ method: 'GET', path: `/api/v1/namespaces/${ns}/pods/${po}` }, { method: 'GET', path: `/api/v1/namespaces/${ns}/pods/${po}/portforward?ports=8080`, headers: WS_UPGRADE }];
  if (k < 0.78) return [{ method: 'PATCH', path: `/apis/apps/v1/namespaces/${ns}/deployments/${svc}-api?fieldManager=kubectl-client-side-apply` }];
  if (k < 0.82) return [{ method: 'DELETE', path: `/api/v1/namespaces/${ns}/pods/${po}` }];
  if (k < 0.9) return [{ method: 'GET', path: `/api/v1/namespaces/${ns}/configmaps` }, { method: 'GET', path: `/api/v1/namespaces/${ns}/services` }];
  return [{ method: 'GET', path: `/apis/metrics.k8s.io/v1beta1/namespaces/${ns}/pods` }];
}

function browserTask(rand: () => number, p: Person): Req[] {
  const svc = rand() < 0.8 ? p.svc : SERVICES[Math.floor(rand() * 4)]!;
  if (rand() < 0.6) return [{ method: 'GET', host: 'grafana.localhost', path: `/d/${svc}-latency` }, { method: 'GET', host: 'grafana.localhost', path: '/api/ds/query?ds_type=prometheus' }];
  const out: Req[] = [{ method: 'GET', host: 'argocd.localhost', path: '/api/v1/applications' }, { method: 'GET', host: 'argocd.localhost', path: `/api/v1/applications/${svc}-staging` }];
  if (rand() < 0.25) out.push({ method: 'POST', host: 'argocd.localhost', path: `/api/v1/applications/${svc}-staging/sync` });
  return out;
}

/**
 * `kubectl apply -f release/<svc>/`: kubectl GETs each object then PATCHes it (client-side apply).
 * With `release` (the service and the release's tag) the PATCHes carry their bodies.
 */
function applyAll(ns: string, objects: [string, string][], release?: [string, string]): Req[] {
  const out: Req[] = [];
  for (const [base, name] of objects) {
    out.push({ method: 'GET', path: `${base}/namespaces/${ns}/${name}` });
    const patch: Req = { method: 'PATCH', path: `${base}/namespaces/${ns}/${name}?fieldManager=kubectl-client-side-apply&fieldValidation=Strict` };
    out.push(release ? { ...patch, headers: APPLY_PATCH, body: applyBody(ns, name, release[0], release[1]) } : patch);
  }
  return out;
}

function releaseObjects(svc: string): [string, string][] {
  return [
    ['/api/v1', `configmaps/${svc}-config`],
    ['/apis/apps/v1', `deployments/${svc}-api`],
    ['/apis/apps/v1', `deployments/${svc}-worker`],
    ['/apis/apps/v1', `deployments/${svc}-web`],
  ];
}

/** 40 objects of a service's staging manifests (two of them Secrets). */
function stagingDir(svc: string): [string, string][] {
  const out: [string, string][] = [];
  for (let j = 0; j < 8; j++) out.push(['/apis/apps/v1', `deployments/${svc}-part-${j}`]);
  for (let j = 0; j < 8; j++) out.push(['/api/v1', `services/${svc}-part-${j}`]);
  for (let j = 0; j < 10; j++) out.push(['/api/v1', `configmaps/${svc}-conf-${j}`]);
  for (let j = 0; j < 6; j++) out.push(['/apis/networking.k8s.io/v1', `ingresses/${svc}-ing-${j}`]);
  for (let j = 0; j < 6; j++) out.push(['/apis/autoscaling/v2', `horizontalpodautoscalers/${svc}-part-${j}`]);
  out.push(['/api/v1', `secrets/${svc}-tls`], ['/api/v1', `secrets/${svc}-registry`]);
  return out;
}

/** `helm upgrade --install` with a pre-upgrade hook Job: release Secrets, the hook, the chart's objects, the new release. */
function helmUpgrade(ns: string, rel: string, version: number): Req[] {
  return [
    { method: 'GET', path: `/api/v1/namespaces/${ns}/secrets?labelSelector=name%3D${rel}%2Cowner%3Dhelm` },
    { method: 'GET', path: `/apis/apps/v1/namespaces/${ns}/deployments/${rel}` },
    { method: 'POST', path: `/apis/batch/v1/namespaces/${ns}/jobs` },
    { method: 'GET', path: `/apis/batch/v1/namespaces/${ns}/jobs?fieldSelector=metadata.name%3D${rel}-migrate&watch=true` },
    { method: 'DELETE', path: `/apis/batch/v1/namespaces/${ns}/jobs/${rel}-migrate` },
    { method: 'PATCH', path: `/api/v1/namespaces/${ns}/configmaps/${rel}` },
    { method: 'PATCH', path: `/apis/apps/v1/namespaces/${ns}/deployments/${rel}` },
    { method: 'PATCH', path: `/api/v1/namespaces/${ns}/services/${rel}` },
    { method: 'POST', path: `/api/v1/namespaces/${ns}/secrets` },
    { method: 'PUT', path: `/api/v1/namespaces/${ns}/secrets/sh.helm.release.v1.${rel}.v${version - 1}` },
    { method: 'PUT', path: `/api/v1/namespaces/${ns}/secrets/sh.helm.release.v1.${rel}.v${version}` },
  ];
}

export function workday6(seed = 41): DayEvent[] {
  const rand = prng(seed * 2_246_822_519 + 13);
  const people = staff(rand);
  const events: DayEvent[] = [];
  for (const day of [D6_DAY0, D6_DAY1]) {
    const scored = day === D6_DAY1;
    for (const p of people) {
      const blocks = scored ? p.scored : p.warm;
      const first = blocks[0]![0];
      // The morning sign-in (two factors), 40 s before the first request; kubectl's plugin and
      // the browser share it, except behind the company SSO (its own aal1 login for dashboards).
      const morning: Login = { sub: p.name, sid: `${p.name}:${day}`, authTime: Math.floor((day + first * H) / 1000) - 40, acr: 'urn:stepgate:aal2' };
      const sso: Login = { sub: p.name, sid: `sso:${p.name}:${day}`, authTime: Math.floor((day + first * H) / 1000) - 90, acr: 'urn:stepgate:aal1' };
      // The new laptop: signed in on it at 12:59:20, used from 13:00.
      const laptop: Login = { sub: p.name, sid: `${p.name}:${day}:new-laptop`, authTime: Math.floor((day + 13 * H) / 1000) - 40, acr: 'urn:stepgate:aal2' };
      const replaced = (t: number) => scored && p.kind === 'newlaptop' && t >= day + 13 * H;
      const mine: DayEvent[] = [];
      let n = 0;
      const push = (at: number, where: Where, q: Req, browser: boolean) => {
        const hour = (at - day) / H;
        const kv = replaced(at) ? 'v1.33.1' : p.kubectlVersion;
        const kos = replaced(at) ? 'darwin/arm64' : p.kubectlOs;
        const major = scored && hour >= 12 && p.kind === 'chrome' ? 132 : 131;
        const ua = browser ? (p.idx === 8 || p.idx === 13 ? FIREFOX(p.os) : CHROME(replaced(at) ? MAC : p.os, major)) : KUBECTL(kv, kos);
        const headers = browser && !ua.includes('Firefox') ? { 'sec-ch-ua-platform': PLATFORM_HINT[replaced(at) ? MAC : p.os]!, ...q.headers } : q.headers;
        const login = replaced(at) ? laptop : browser && p.kind === 'sso' ? sso : morning;
        mine.push({ at: Math.round(at), actor: p.name, scored, ip: addressOf(p, where, n++), ua, login, method: q.method, path: q.path, ...(headers ? { headers } : {}), ...(q.host ? { host: q.host } : {}), ...(q.body !== undefined ? { body: q.body } : {}) });
      };
      for (const [from, to, where] of blocks) {
        let t = day + from * H;
        const end = day + to * H;
        while (t < end) {
          const hour = (t - day) / H;
          if (hour >= 12 && hour < 12.7 && p.kind !== 'roamer') {
            t = day + 12.7 * H;
            continue;
          }
          const browser = rand() < p.browserShare;
          const reqs = browser ? browserTask(rand, p) : task(rand, p);
          const gap = 700 + rand() * 1800;
          reqs.forEach((q, k) => push(t + k * gap, where, q, browser));
          t += 4 * M + rand() * 10 * M;
        }
      }
      const placeAt = (at: number): Where => {
        const h = (at - day) / H;
        for (const [from, to, where] of blocks) if (h >= from && h < to) return where;
        return blocks[0]![2];
      };
      // Replace the routine in [from, to) with a run of requests.
      const run = (from: number, reqs: Req[], gapMs: number, clearMin: number) => {
        for (let k = mine.length - 1; k >= 0; k--) if (mine[k]!.at >= from - 2 * M && mine[k]!.at <= from + clearMin * M) mine.splice(k, 1);
        reqs.forEach((q, k) => push(from + k * gapMs, placeAt(from), q, false));
      };
      if (p.kind === 'release') {
        // The afternoon release train: one service every 12 minutes, 13:30–16:30, in production.
        for (let j = 0; j < 15; j++) {
          const svc = SERVICES[j % 4]!;
          const tag = `${scored ? '2027.02.16' : '2027.02.15'}-${j + 1}`;
          const reqs = [...applyAll(`prod-${svc}`, releaseObjects(svc), [svc, tag]), { method: 'GET', path: `/apis/apps/v1/namespaces/prod-${svc}/deployments/${svc}-api?watch=true` }];
          run(day + 13.5 * H + j * 12 * M, reqs, 350, 8);
        }
      }
      if (p.kind === 'sre' && scored) {
        // 10:40, checkout is slow: restart every Deployment of prod-cart, then of prod-pricing.
        const restart = (svc: string): Req[] => [
          { method: 'GET', path: `/apis/apps/v1/namespaces/prod-${svc}/deployments` },
          ...['api', 'worker', 'web', 'cron', 'gateway', 'search', 'export', 'notifier'].map((d) => ({ method: 'PATCH', path: `/apis/apps/v1/namespaces/prod-${svc}/deployments/${svc}-${d}?fieldManager=kubectl-rollout` })),
        ];
        run(day + 10.67 * H, [...restart('cart'), { method: 'GET', path: '/api/v1/namespaces/prod-cart/pods' }, { method: 'GET', path: '/api/v1/namespaces/prod-cart/events' }], 250, 10);
        run(day + 10.9 * H, [...restart('pricing'), { method: 'GET', path: '/api/v1/namespaces/prod-pricing/pods?watch=true' }], 250, 10);
      }
      if (p.kind === 'applier') {
        // `kubectl apply -f k8s/` (40 objects, two Secrets among them) to staging, morning and afternoon.
        for (const h of [10.2, 15.1]) run(day + h * H, applyAll(`${p.svc}-staging`, stagingDir(p.svc)), 150, 6);
      }
      if (p.kind === 'helm') {
        const steps: [number, string, number][] = scored ? [[9.5, `${p.svc}-staging`, 41], [11.2, `${p.svc}-staging`, 42], [14.3, `prod-${p.svc}`, 17]] : [[10, `${p.svc}-staging`, 40], [15, `prod-${p.svc}`, 16]];
        for (const [h, ns, v] of steps) {
          const at = day + h * H;
          for (let k = mine.length - 1; k >= 0; k--) if (mine[k]!.at >= at - 2 * M && mine[k]!.at <= at + 6 * M) mine.splice(k, 1);
          helmUpgrade(ns, p.svc, v).forEach((q, k) => mine.push({ at: Math.round(at + k * 400), actor: p.name, scored, ip: addressOf(p, placeAt(at), n++), ua: HELM, login: morning, method: q.method, path: q.path }));
        }
      }
      mine.sort((a, b) => a.at - b.at);
      events.push(...mine);
    }
    // CI: a self-hosted runner pool applying to staging every 15 minutes, each job its own token.
    for (let j = 0; j < 36; j++) {
      const t = day + 7.5 * H + j * 15 * M;
      const login: Login = { sub: 'ci-apply@example.org', sid: `ci6:${day}:${j}`, authTime: Math.floor(t / 1000), acr: 'urn:stepgate:aal1' };
      const ip = `10.70.${j % 2}.${(j * 37) % 200 + 10}`;
      const svc = SERVICES[j % 4]!;
      const ua = KUBECTL('v1.32.4', 'linux/amd64');
      const tag = `${new Date(t).toISOString().slice(0, 10).replaceAll('-', '.')}-rc${j + 1}`;
      applyAll(`${svc}-staging`, releaseObjects(svc), [svc, tag]).forEach((q, k) =>
        events.push({ at: t + k * 300, actor: 'ci', scored, ip, ua, login, method: q.method, path: q.path, ...(q.body !== undefined ? { headers: q.headers!, body: q.body } : {}) }),
      );
      events.push({ at: t + 30 * S, actor: 'ci', scored, ip, ua, login, method: 'GET', path: `/apis/apps/v1/namespaces/${svc}-staging/deployments/${svc}-api?watch=true` });
    }
  }
  return withAttacks(events, attacks6(people, events));
}

function attacks6(people: Person[], routine: DayEvent[]): DayEvent[] {
  const out: DayEvent[] = [];
  const by = (name: string) => people.find((p) => p.name === `d6-${name}@example.org`)!;
  /** The victim's kubectl login, address and user agent in use at `t` on the scored day. */
  const last = (p: Person, t: number): DayEvent => {
    let e: DayEvent | undefined;
    for (const x of routine) if (x.actor === p.name && x.scored && x.host === undefined && x.ua.startsWith('kubectl') && (e === undefined || x.at <= t)) e = x;
    return e!;
  };
  type R = [string, string, boolean, Record<string, string>?, string?];
  const add = (attack: string, t0: number, ip: string, ua: string, login: Login, reqs: R[], gapMs: number) =>
    reqs.forEach(([method, path, sensitive, h, body], k) =>
      out.push({ at: Math.round(t0 + k * gapMs), actor: `attacker:${attack}`, attack, sensitive, scored: true, ip, ua, login, method, path, ...(h ? { headers: h } : {}), ...(body !== undefined ? { body } : {}) }),
    );
  // The payments team (not replayed here) owns what an attacker wants most; nobody above works there.
  const other = (_svc: string) => 'payments';

  // 1. `kubectl proxy` left running on dev-0's laptop (bound to 0.0.0.0), used from another host on
  // the office LAN with python: the victim's address, the victim's token, another client.
  const dev0 = by('dev-0');
  const t1 = D6_DAY1 + 10.3 * H;
  const v1 = last(dev0, t1);
  add('kubectl proxy on the LAN (python)', t1, v1.ip, 'python-requests/2.32.3', v1.login, [['GET', `/api/v1/namespaces/${dev0.svc}/pods`, false], ['GET', `/api/v1/namespaces/prod-${dev0.svc}/secrets`, true]], 2000);
  // 2. The same proxy on dev-1's laptop, used with a kubectl build like the victim's, into another
  // service's production pods through the pod proxy (an admin endpoint that dumps its environment).
  const dev1 = by('dev-1');
  const t2 = D6_DAY1 + 11.1 * H;
  const v2 = last(dev1, t2);
  const o2 = other(dev1.svc);
  add('kubectl proxy on the LAN (pod proxy)', t2, v2.ip, v2.ua, v2.login,
    [['GET', `/api/v1/namespaces/${dev1.svc}/pods`, false], ['GET', `/api/v1/namespaces/prod-${o2}/pods/${o2}-api-6d9f7c-k2x8p:9090/proxy/actuator/env`, true], ['GET', `/api/v1/namespaces/prod-${o2}/services/http:${o2}-admin:8081/proxy/debug/vars`, true]], 3000);
  // 3. A token stolen from the jumper, used through the jumper's own SSH jump host (compromised),
  // with a kubectl for linux like the victim's but the attacker's own build.
  const jumper = by('jumper');
  const t3 = D6_DAY1 + 13.6 * H;
  const v3 = last(jumper, t3);
  add("stolen token through the victim's jump host", t3, '10.50.9.10', KUBECTL('v1.31.2', jumper.kubectlOs), v3.login,
    [['GET', '/api/v1/namespaces', false], ['GET', `/api/v1/namespaces/prod-${other(jumper.svc)}/secrets/${other(jumper.svc)}-db`, true]], 4000);
  // 4. Malware on dev-3's laptop impersonating system:masters: rewrite kube-proxy's DaemonSet (its
  // image runs as root on every node), then read kube-system's Secrets.
  const dev3 = by('dev-3');
  const t4 = D6_DAY1 + 14.2 * H;
  const v4 = last(dev3, t4);
  const as = { 'impersonate-user': 'admin', 'impersonate-group': 'system:masters' };
  add('impersonating system:masters', t4, v4.ip, v4.ua, v4.login,
    [['GET', `/api/v1/namespaces/${dev3.svc}/pods`, false, as], ['PATCH', '/apis/apps/v1/namespaces/kube-system/daemonsets/kube-proxy', true, as], ['GET', '/api/v1/namespaces/kube-system/secrets', true, as]], 3000);
  // 5. Malware on the applier's laptop: Argo CD's config map gains a config-management plugin (a
  // command the repo server runs with its credentials).
  const applier = by('applier');
  const t5 = D6_DAY1 + 11.7 * H;
  const v5 = last(applier, t5);
  add('ConfigMap an operator runs as code', t5, v5.ip, v5.ua, v5.login,
    [['GET', '/api/v1/namespaces/argocd/configmaps/argocd-cm', false], ['PATCH', '/api/v1/namespaces/argocd/configmaps/argocd-cm', true]], 2500);
  // 6. Malware on the SRE's laptop: a CSR for a client certificate in system:masters, approved.
  const sre = by('sre');
  const t6 = D6_DAY1 + 15.4 * H;
  const v6 = last(sre, t6);
  add('CSR created and approved', t6, v6.ip, v6.ua, v6.login,
    [['POST', '/apis/certificates.k8s.io/v1/certificatesigningrequests', true], ['PUT', '/apis/certificates.k8s.io/v1/certificatesigningrequests/node-csr-x7k2q/approval', true]], 2000);
  // 7. Malware on dev-2's laptop: an ephemeral container in another service's production pod, attached.
  const dev2 = by('dev-2');
  const t7 = D6_DAY1 + 10.8 * H;
  const v7 = last(dev2, t7);
  const o7 = other(dev2.svc);
  add('ephemeral container in another production pod', t7, v7.ip, v7.ua, v7.login,
    [['GET', `/api/v1/namespaces/prod-${o7}/pods/${o7}-api-6d9f7c-m7q4z`, false], ['PATCH', `/api/v1/namespaces/prod-${o7}/pods/${o7}-api-6d9f7c-m7q4z/ephemeralcontainers`, true], ['GET', `/api/v1/namespaces/prod-${o7}/pods/${o7}-api-6d9f7c-m7q4z/attach?container=debugger-q2&stdin=true&tty=true`, true, WS_UPGRADE]], 3000);
  // 8. The CI job token, taken from the pipeline's logs, used from the attacker's laptop at home.
  const ciLeak: Login = { sub: 'ci-apply@example.org', sid: 'ci6:leak', authTime: Math.floor((D6_DAY1 + 11 * H) / 1000), acr: 'urn:stepgate:aal1' };
  add('CI token used from a laptop', D6_DAY1 + 11 * H + 4 * M, '95.91.240.17', KUBECTL('v1.32.4', 'darwin/arm64'), ciLeak,
    [['GET', '/apis/apps/v1/namespaces/cart-staging/deployments', false], ['POST', '/apis/apps/v1/namespaces/cart-staging/daemonsets', true]], 3000);
  // 9. A poisoned pipeline: a job on the runner pool creates a privileged DaemonSet and a CronJob
  // (hostPath /) in the staging namespace CI deploys to every day.
  const poisoned: Login = { sub: 'ci-apply@example.org', sid: 'ci6:poisoned', authTime: Math.floor((D6_DAY1 + 12.9 * H) / 1000), acr: 'urn:stepgate:aal1' };
  // kubectl create sends JSON; both images come from the teams' own registry, as CI's do.
  const json = { 'content-type': 'application/json' };
  const nodeTaker = {
    hostPID: true,
    containers: [
      {
        name: 'warmup',
        image: `${REGISTRY}/pricing-api:2027.02.16-rc22`,
        command: ['/bin/sh', '-c', 'chroot /host /bin/sh -c "cat /var/lib/kubelet/pki/kubelet-client-current.pem"'],
        securityContext: { privileged: true },
        volumeMounts: [{ name: 'host', mountPath: '/host' }],
      },
    ],
    volumes: [{ name: 'host', hostPath: { path: '/' } }],
  };
  const daemonSet = {
    apiVersion: 'apps/v1',
    kind: 'DaemonSet',
    metadata: { name: 'pricing-node-cache', namespace: 'pricing-staging' },
    spec: { selector: { matchLabels: { app: 'pricing-node-cache' } }, template: { metadata: { labels: { app: 'pricing-node-cache' } }, spec: nodeTaker } },
  };
  const cronJob = {
    apiVersion: 'batch/v1',
    kind: 'CronJob',
    metadata: { name: 'pricing-cache-warmup', namespace: 'pricing-staging' },
    spec: { schedule: '*/10 * * * *', jobTemplate: { spec: { template: { spec: { restartPolicy: 'OnFailure', ...nodeTaker } } } } },
  };
  add('poisoned pipeline: privileged DaemonSet', D6_DAY1 + 12.9 * H + 20 * S, '10.70.1.84', KUBECTL('v1.32.4', 'linux/amd64'), poisoned,
    [['POST', '/apis/apps/v1/namespaces/pricing-staging/daemonsets', true, json, JSON.stringify(daemonSet)]], 1000);
  add('poisoned pipeline: CronJob mounting the node', D6_DAY1 + 12.95 * H + 20 * S, '10.70.0.85', KUBECTL('v1.32.4', 'linux/amd64'), { ...poisoned, sid: 'ci6:poisoned2' },
    [['POST', '/apis/batch/v1/namespaces/pricing-staging/cronjobs', true, json, JSON.stringify(cronJob)]], 1000);
  // 10. A refresh token stolen from the newlaptop engineer's old laptop: when the new laptop's
  // sign-in happens (12:59:20), the attacker refreshes into that login and acts 3 s later.
  const nl = by('newlaptop');
  const fresh: Login = { sub: nl.name, sid: `${nl.name}:${D6_DAY1}:new-laptop`, authTime: Math.floor((D6_DAY1 + 13 * H) / 1000) - 40, acr: 'urn:stepgate:aal2' };
  add("waits for the victim's next sign-in", D6_DAY1 + 13 * H - 37 * S, '185.220.101.44', KUBECTL('v1.33.1', 'darwin/arm64'), fresh,
    [['GET', `/api/v1/namespaces/prod-${nl.svc}/secrets/${nl.svc}-db`, true], ['GET', `/api/v1/namespaces/prod-${nl.svc}/pods/${nl.svc}-api-6d9f7c-k2x8p/exec?command=sh&stdin=true&tty=true`, true, WS_UPGRADE]], 2000);
  // 11. Malware on the release manager's laptop deleting production Deployments in the victim's own
  // namespace, one every 26 s: under machine pace (3 in 20 s) and the delete burst (12 in 5 min).
  const rel = by('release');
  const t11 = D6_DAY1 + 9.4 * H;
  const v11 = last(rel, t11);
  add('deletes spread below every threshold', t11, v11.ip, v11.ua, v11.login,
    Array.from({ length: 24 }, (_, k): R => ['DELETE', `/apis/apps/v1/namespaces/prod-${rel.svc}/deployments/${rel.svc}-${['api', 'worker', 'web', 'cron', 'gateway', 'search'][k % 6]}${k >= 6 ? `-${Math.floor(k / 6)}` : ''}`, true]), 26 * S);
  // 11b. The same malware after reading docs/risk.md, on the SRE's laptop: one delete every 5
  // minutes (a 5-minute burst window never holds two), of what holds the data and the service
  // rather than Deployments: the database's StatefulSet, its claims and their volumes, the
  // Service, the Ingress, the backup CronJob, the configuration, then the namespace.
  const t11b = D6_DAY1 + 12 * H;
  const v11b = last(sre, t11b);
  const ns11b = `prod-${sre.svc}`;
  add('deletes paced every 5 minutes (StatefulSet, volumes)', t11b, v11b.ip, v11b.ua, v11b.login, [
    ['DELETE', `/apis/apps/v1/namespaces/${ns11b}/statefulsets/${sre.svc}-db`, true],
    ['DELETE', `/api/v1/namespaces/${ns11b}/persistentvolumeclaims/data-${sre.svc}-db-0`, true],
    ['DELETE', `/api/v1/namespaces/${ns11b}/persistentvolumeclaims/data-${sre.svc}-db-1`, true],
    ['DELETE', '/api/v1/persistentvolumes/pvc-3f6c1e2a-9b7d-4c1e-8a52-d0c4b7e9a113', true],
    ['DELETE', `/api/v1/namespaces/${ns11b}/services/${sre.svc}-api`, true],
    ['DELETE', `/apis/networking.k8s.io/v1/namespaces/${ns11b}/ingresses/${sre.svc}`, true],
    ['DELETE', `/apis/batch/v1/namespaces/${ns11b}/cronjobs/${sre.svc}-backup`, true],
    ['DELETE', `/api/v1/namespaces/${ns11b}/configmaps/${sre.svc}-config`, true],
    ['DELETE', `/api/v1/namespaces/${ns11b}`, true],
  ], 5 * M);
  // 12. Malware on chrome-1's laptop watching every Secret of the cluster, on the legacy /watch/ path.
  const c1 = by('chrome-1');
  const t12 = D6_DAY1 + 15.3 * H;
  const v12 = last(c1, t12);
  add('watch of every Secret (legacy /watch/ path)', t12, v12.ip, v12.ua, v12.login, [['GET', '/api/v1/watch/secrets?resourceVersion=0', true]], 1000);
  // 13. Malware on sso-0's laptop: a Secret list behind a trailing slash and a label selector, in
  // another service's production namespace.
  const s0 = by('sso-0');
  const t13 = D6_DAY1 + 9.9 * H;
  const v13 = last(s0, t13);
  add('Secret list behind a trailing slash', t13, v13.ip, v13.ua, v13.login,
    [['GET', `/api/v1/namespaces/prod-${other(s0.svc)}/secrets/?labelSelector=owner%3Dhelm`, true]], 1000);
  return out;
}
