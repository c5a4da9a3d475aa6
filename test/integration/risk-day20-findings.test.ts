import { describe, expect, it } from 'vitest';
import { reasonOf } from '../support/grpc-client.js';
import { exampleServiceForFile } from '../support/workday-service.js';
import { findingRequests, rules, type Step } from '../support/findings.js';
import type { Login } from '../support/workday.js';
import { API, DUB_OFFICE, KUBECTL, KUBE_RS, chaosExperiment, litmusEngine, mirrordSession } from '../support/workday20.js';
import { prng } from '../support/workday.js';
import { nodeShellPod } from '../support/workday18.js';

/**
 * What the twentieth replayed day (test/support/workday20.ts, docs/risk.md "Day 20") found,
 * through the real gRPC server running examples/stepgate.yaml on a virtual clock: a streaming
 * company's chaos game day, where experiments written in `chaos-testing` or a developer's own
 * namespace act on whatever pods their selector names. Each test is one engineer's two days of
 * routine (so the working set and context are theirs), then the finding, sent from their own
 * laptop and network with their morning sign-in hours old. The open one is an `it.fails`.
 */

const s = exampleServiceForFile();
const WED = Date.UTC(2026, 9, 21, 9, 0, 0);
const THU = Date.UTC(2026, 9, 22, 9, 0, 0);
const H = 3_600_000;
const MAC_KUBECTL = KUBECTL('darwin/arm64');
const CT = 'application/json';
const CM = (ns: string, plural: string) => `/apis/chaos-mesh.org/v1alpha1/namespaces/${ns}/${plural}?fieldManager=kubectl-client-side-apply&fieldValidation=Strict`;

const { send, twoDays } = findingRequests(s, { host: API, source: DUB_OFFICE, ua: MAC_KUBECTL, firstDay: WED, secondDay: THU });

/** A game-day participant's day: experiments against staging from chaos-testing, production's pods and logs, the controller's logs. */
function gameDay(n: number): Step[] {
  const steps: Step[] = [
    ['GET', '/api/v1/namespaces/prod-playback/pods?limit=500'],
    ['GET', '/api/v1/namespaces/prod-playback/pods/manifest-api-7d9c5f4xk2p/log?container=manifest-api&tailLines=200'],
    ['GET', '/api/v1/namespaces/chaos-mesh/pods'],
    ['GET', '/api/v1/namespaces/chaos-mesh/pods/chaos-controller-manager-6d8f9b5x2kq/log?container=chaos-mesh&tailLines=200'],
  ];
  for (const kind of ['PodChaos', 'NetworkChaos', 'HTTPChaos']) {
    const e = chaosExperiment(kind, 'staging-playback', 'manifest-api', n);
    steps.push(['POST', CM('chaos-testing', e.plural), JSON.stringify(e.body), CT], ['GET', `/apis/chaos-mesh.org/v1alpha1/namespaces/chaos-testing/${e.plural}/${e.name}`], ['DELETE', `/apis/chaos-mesh.org/v1alpha1/namespaces/chaos-testing/${e.plural}/${e.name}`]);
  }
  return steps;
}

const meta = (kind: string, name: string, namespace = 'chaos-testing') => ({ apiVersion: 'chaos-mesh.org/v1alpha1', kind, metadata: { name, namespace } });

describe('a chaos game day, with examples/stepgate.yaml', () => {
  // Was allowed (day 20, every seed, both ways): a PodChaos is a namespaced custom object in
  // chaos-testing, where the game day writes them all afternoon; no rule names chaos-mesh.org and
  // the request line does not say where it acts. Its selector names prod-playback. Now
  // chaos_target_protected (guardrails.chaos_protected_namespaces): two factors within 15
  // minutes, wherever it is written; the same experiment against staging asks nothing.
  it('a PodChaos in chaos-testing that kills production pods asks a recent sign-in; the game day against staging does not', async () => {
    const login = await twoDays('d20f-gameday@streamly.example', gameDay(1));
    const t = THU + 5 * H;
    const kill = { ...meta('PodChaos', 'gameday-podchaos-91'), spec: { action: 'pod-kill', mode: 'all', selector: { namespaces: ['prod-playback'], labelSelectors: { app: 'manifest-api' } }, gracePeriod: 0 } };
    const res = await send(login, t, 'POST', CM('chaos-testing', 'podchaos'), { body: JSON.stringify(kill) });
    expect(reasonOf(res), rules(res)).toBe('auth_too_old');
    expect(rules(res)).toContain('chaos_target_protected');
    const staging = chaosExperiment('PodChaos', 'staging-playback', 'manifest-api', 7);
    const ok = await send(login, t + 60_000, 'POST', CM('chaos-testing', staging.plural), { body: JSON.stringify(staging.body) });
    expect(reasonOf(ok), rules(ok)).toBe('allowed');
  });

  // Was allowed: an HTTPChaos replacing the body of production's manifest responses (the HLS
  // playlist now names the attacker's CDN, cached for a day): a man-in-the-middle by CRD.
  it("an HTTPChaos rewriting production's responses asks a recent sign-in", async () => {
    const login = await twoDays('d20f-sre@streamly.example', gameDay(2));
    const mitm = { ...meta('HTTPChaos', 'gameday-httpchaos-93'), spec: { mode: 'all', selector: { namespaces: ['prod-playback'], labelSelectors: { app: 'manifest-api' } }, target: 'Response', port: 8080, path: '/v1/manifest/*', replace: { code: 200, body: Buffer.from('#EXTM3U\nhttps://cdn.str3amly-edge.example/v/master.m3u8\n').toString('base64') }, duration: '24h' } };
    const res = await send(login, THU + 6 * H, 'POST', CM('chaos-testing', 'httpchaos'), { body: JSON.stringify(mitm) });
    expect(reasonOf(res), rules(res)).toBe('auth_too_old');
  });

  // Was allowed: written in the developer's own dev namespace by malware on their laptop, a
  // NetworkChaos cutting production's catalog database off (its `target` selector too), and an
  // IOChaos corrupting a fifth of its writes; and the same selector carried inside a Schedule
  // and a Workflow's template.
  it("experiments in a developer's own namespace, a Schedule's and a Workflow's, aimed at production, ask a recent sign-in", async () => {
    const dev: Step[] = [
      ['GET', '/api/v1/namespaces/dev-d20f-dev/pods'],
      ['GET', '/api/v1/namespaces/prod-catalog/pods/catalog-api-7d9c5f4xk2p/log?container=catalog-api&tailLines=200'],
      ['GET', '/api/v1/namespaces/staging-catalog/events?limit=500'],
    ];
    const login = await twoDays('d20f-dev@streamly.example', dev);
    const own = 'dev-d20f-dev';
    const db = { namespaces: ['prod-catalog'], labelSelectors: { app: 'catalog-db' } };
    const bodies: [string, object][] = [
      ['networkchaos', { ...meta('NetworkChaos', 'latency-probe', own), spec: { action: 'partition', mode: 'all', selector: { labelSelectors: { app: 'dev-proxy' } }, direction: 'both', target: { mode: 'all', selector: db } } }],
      ['iochaos', { ...meta('IOChaos', 'disk-probe', own), spec: { action: 'mistake', mode: 'all', selector: { pods: { 'prod-catalog': ['catalog-db-0'] } }, volumePath: '/var/lib/postgresql/data', mistake: { filling: 'random', maxOccurrences: 3, maxLength: 64 }, methods: ['WRITE'], percent: 20 } }],
      ['schedules', { ...meta('Schedule', 'nightly-probe', own), spec: { schedule: '@every 2m', type: 'PodChaos', podChaos: { action: 'pod-kill', mode: 'all', selector: db } } }],
      ['workflows', { ...meta('Workflow', 'probe-flow', own), spec: { entry: 'e', templates: [{ name: 'e', templateType: 'Serial', children: ['k'] }, { name: 'k', templateType: 'PodChaos', podChaos: { action: 'pod-kill', mode: 'all', selector: db } }] } }],
    ];
    let t = THU + 3 * H;
    for (const [plural, body] of bodies) {
      const res = await send(login, (t += 30_000), 'POST', CM(own, plural), { body: JSON.stringify(body) });
      expect(reasonOf(res), `${plural}: ${rules(res)}`).toBe('auth_too_old');
      expect(rules(res), plural).toContain('chaos_target_protected');
    }
  });

  // Was allowed: a LitmusChaos ChaosExperiment's definition is the pod its runner starts (here
  // privileged, with the host's PIDs and the node's / through hostFileVolumes), and a ChaosEngine
  // aimed at production (appinfo.appns).
  it("a ChaosExperiment's privileged definition asks a hardware key; a ChaosEngine aimed at production a recent sign-in", async () => {
    const login = await twoDays('d20f-platform@streamly.example', [
      ['GET', '/apis/litmuschaos.io/v1alpha1/namespaces/staging-catalog/chaosexperiments/pod-delete'],
      ['POST', '/apis/litmuschaos.io/v1alpha1/namespaces/staging-catalog/chaosengines', JSON.stringify(litmusEngine('staging-catalog', 'catalog-api', 'pod-delete-sa', 'catalog-pod-delete-1')), CT],
      ['GET', '/api/v1/namespaces/staging-catalog/pods'],
    ]);
    const definition = { scope: 'Namespaced', image: 'ghcr.io/litmus-go-runner/go-runner:3.11.0', command: ['/bin/bash'], args: ['-c', 'nsenter -t 1 -m -- sh'], hostPID: true, securityContext: { containerSecurityContext: { privileged: true } }, hostFileVolumes: [{ name: 'root', mountPath: '/host', nodePath: '/' }] };
    const patch = await send(login, THU + 6 * H, 'PATCH', '/apis/litmuschaos.io/v1alpha1/namespaces/staging-catalog/chaosexperiments/pod-delete', { body: JSON.stringify({ spec: { definition } }), contentType: 'application/merge-patch+json' });
    expect(reasonOf(patch), rules(patch)).toBe('acr_insufficient');
    expect(rules(patch)).toContain('privileged_container');
    const engine = await send(login, THU + 6 * H + 30_000, 'POST', '/apis/litmuschaos.io/v1alpha1/namespaces/staging-catalog/chaosengines', { body: JSON.stringify(litmusEngine('prod-catalog', 'catalog-api', 'litmus-admin', 'catalog-pod-delete-99')) });
    expect(reasonOf(engine), rules(engine)).toBe('auth_too_old');
    expect(rules(engine)).toContain('chaos_target_protected');
  });

  // Was allowed: the controller-manager's GraphQL debugging server through the API server's
  // service proxy, from a participant whose working set holds chaos-mesh (they read the
  // controller's logs): pod-shell's two factors within 8 hours. The example's chaos-engine-access
  // now asks a hardware key, as for a tunnel into the cluster's own pods.
  it("a tunnel into the Chaos Mesh controller's Service asks a hardware key", async () => {
    const login = await twoDays('d20f-gameday-b@streamly.example', gameDay(3));
    const gql = JSON.stringify({ query: 'mutation { pod(ns: "prod-edge", name: "edge-cache-0") { killProcesses(pids: ["1; id"]) { pid } } }' });
    const res = await send(login, THU + 5 * H, 'POST', '/api/v1/namespaces/chaos-mesh/services/chaos-mesh-controller-manager:10082/proxy/query', { body: gql });
    expect(reasonOf(res), rules(res)).toBe('acr_insufficient');
    expect(rules(res)).toContain('chaos-engine-access');
  });

  // Measured, the friction behind the open finding below: the open-source mirrord CLI creates
  // its agent as a Job with hostPID, the node's /run and /var, and SYS_ADMIN, SYS_PTRACE, NET_RAW
  // and NET_ADMIN (what mirrord's kube crate builds), so every session asks a hardware key within
  // 5 minutes (host_namespace, host_path_volume, capability_added): day 20's four mirrord users
  // are asked at each session more than 5 minutes after the last, 1 to 7 times a day over the five seeds.
  it("mirrord's agent Job in staging asks a hardware key within 5 minutes at every session", async () => {
    const login = await twoDays('d20f-mirrord@streamly.example', [['GET', '/api/v1/namespaces/staging-catalog/pods?limit=500']]);
    const [, , job] = mirrordSession('staging-catalog', 'catalog-api', prng(3));
    const res = await send(login, THU + 2 * H, job!.method, job!.path, { body: job!.body!, ua: KUBE_RS });
    expect(reasonOf(res), rules(res)).toBe('acr_insufficient');
    const key: Login = { ...login, sid: `${login.sub}:key`, authTime: Math.floor((THU + 2 * H + 20_000) / 1000), acr: 'urn:stepgate:aal3' };
    const again = await send(key, THU + 2 * H + 40_000, job!.method, job!.path, { body: job!.body!, ua: KUBE_RS });
    expect(reasonOf(again), rules(again)).toBe('allowed');
  });

  // Session 47: why the key is asked again at the next session (day 20's mirrord users, 51 of
  // the warm matrix's repeated challenges). The agent Job says nothing of where it acts but its
  // nodeName and container id, both the client's choice: the developer's next session and
  // malware's agent in the same staging namespace, pinned to a production pod's node, are the
  // same request to stepgate. Two hours after the key both are asked; a window that let the
  // first through would let the second (the describe below).
  it("two hours after a mirrord session, the next session and an agent in staging pinned to a production pod's node are asked alike", async () => {
    const sub = 'd20f-mirrord-c@streamly.example';
    const login = await twoDays(sub, [['GET', '/api/v1/namespaces/staging-catalog/pods?limit=500']]);
    const t = THU + 2 * H;
    // The session asks the key (the client's first agent Job), the developer answers it.
    const [, , own] = mirrordSession('staging-catalog', 'catalog-api', prng(6));
    expect(reasonOf(await send(login, t, own!.method, own!.path, { body: own!.body!, ua: KUBE_RS }))).toBe('acr_insufficient');
    const key: Login = { ...login, sid: `${sub}:key`, authTime: Math.floor((t + 20_000) / 1000), acr: 'urn:stepgate:aal3' };
    expect(reasonOf(await send(key, t + 40_000, own!.method, own!.path, { body: own!.body!, ua: KUBE_RS }))).toBe('allowed');
    const [, , next] = mirrordSession('staging-catalog', 'catalog-api', prng(7));
    const again = await send(key, t + 2 * H, next!.method, next!.path, { body: next!.body!, ua: KUBE_RS });
    expect(reasonOf(again), rules(again)).toBe('auth_too_old');
    const [, , aimed] = mirrordSession('prod-catalog', 'catalog-api', prng(8), 'staging-catalog', 'ip-10-42-131-9.eu-west-1.compute.internal', 'containerd://9f3b2e71c0ad');
    const res = await send(key, t + 2 * H + 60_000, aimed!.method, aimed!.path, { body: aimed!.body!, ua: KUBE_RS });
    expect(reasonOf(res), rules(res)).toBe('auth_too_old');
    expect(rules(res)).toEqual(rules(again));
  });

  // Open: malware on a mirrord user's laptop, minutes after the developer's own mirrord session
  // (answered with their hardware key), creates an agent Job in the developer's own dev
  // namespace, pinned (nodeName) to a production pod's node and aimed (`--container-id`) at its
  // container: the agent enters that container's namespaces through the host's PIDs and steals
  // its traffic and reads its mounted Secrets. Session 50 looked for what in the body names the
  // target and found nothing that does: mirrord's Job agent is told only `targeted --container-id
  // <runtime id> --container-runtime containerd` (the CLI resolves the target pod to a container
  // id before it writes the Job; no pod name, namespace or label of the target is in it), the id
  // is the runtime's hash, and nodeName names a node, which pods of every namespace share. The Job
  // is the developer's own session's body but for its namespace (dev-… instead of the target's
  // staging-…), and that tells nothing either: mirrord creates the agent in the kubeconfig's
  // current namespace unless `agent.namespace` names another, so a developer whose context is
  // their dev namespace sends this very body for a staging target. The guardrails
  // ask what they asked 4 minutes before (host_namespace, host_path_volume, capability_added: a
  // hardware key within 5 minutes, which the developer's key is). What would close it is outside
  // the request: mirrord's operator (agents created in the cluster, sessions checked against RBAC
  // on the target), or the Job's rights held by nobody on a laptop.
  it.fails("a mirrord agent in the developer's own namespace aimed at a production container, 4 minutes after their own session, is not allowed", async () => {
    const sub = 'd20f-mirrord-b@streamly.example';
    const login = await twoDays(sub, [['GET', '/api/v1/namespaces/dev-d20f-mirrord-b/pods'], ['GET', '/api/v1/namespaces/staging-catalog/pods?limit=500']]);
    const [, , own] = mirrordSession('staging-catalog', 'catalog-api', prng(4));
    const t = THU + 3 * H;
    const key: Login = { ...login, sid: `${sub}:key`, authTime: Math.floor(t / 1000), acr: 'urn:stepgate:aal3' };
    expect(reasonOf(await send(key, t + 20_000, own!.method, own!.path, { body: own!.body!, ua: KUBE_RS }))).toBe('allowed');
    const [, , aimed] = mirrordSession('prod-catalog', 'catalog-api', prng(5), 'dev-d20f-mirrord-b', 'ip-10-42-131-9.eu-west-1.compute.internal', 'containerd://9f3b2e71c0ad');
    const res = await send(key, t + 4 * 60_000, aimed!.method, aimed!.path, { body: aimed!.body!, ua: KUBE_RS });
    expect(reasonOf(res), rules(res)).not.toBe('allowed');
  });
});

/**
 * A site's window for the agent's guardrails in its staging namespaces (the `cnf-*` entry's
 * shape, docs/risk.md "Session 47"): the hardware key once in 8 hours there. Measured on day 20
 * (five seeds): warm 120 → 69 challenges, 23 → 7 engineer-days over, no attack cell moved; not in
 * the example, for what the second test shows.
 */
const STAGING_AGENT_WINDOW = (yaml: string): string => {
  const at = '    - match: ["cnf-*"]\n';
  if (!yaml.includes(at)) throw new Error('examples/stepgate.yaml: no cnf-* guardrails.namespaces entry to insert before');
  const five = ['host_namespace', 'host_path_volume', 'capability_added', 'capability_beyond_baseline', 'control_plane_placement'];
  return yaml.replace(at, `    - match: ["staging-*"]\n      effects:\n${five.map((g) => `        ${g}: { require: aal3, max_age: 28800 }\n`).join('')}${at}`);
};

describe("a site's 8-hour window for the agent's guardrails in staging-* (measured, not in the example)", () => {
  const site = exampleServiceForFile({ edit: STAGING_AGENT_WINDOW });
  const w = findingRequests(site, { host: API, source: DUB_OFFICE, ua: MAC_KUBECTL, firstDay: WED, secondDay: THU });

  async function keyed(sub: string): Promise<{ key: Login; t: number }> {
    const login = await w.twoDays(sub, [['GET', '/api/v1/namespaces/staging-catalog/pods?limit=500']]);
    const t = THU + 2 * H;
    const [, , own] = mirrordSession('staging-catalog', 'catalog-api', prng(6));
    expect(reasonOf(await w.send(login, t, own!.method, own!.path, { body: own!.body!, ua: KUBE_RS }))).toBe('acr_insufficient');
    const key: Login = { ...login, sid: `${sub}:key`, authTime: Math.floor((t + 20_000) / 1000), acr: 'urn:stepgate:aal3' };
    expect(reasonOf(await w.send(key, t + 40_000, own!.method, own!.path, { body: own!.body!, ua: KUBE_RS }))).toBe('allowed');
    return { key, t };
  }

  it('the next mirrord session two hours later is not asked again; one nine hours later is', async () => {
    const { key, t } = await keyed('d20w-mirrord@streamly.example');
    const [, , next] = mirrordSession('staging-catalog', 'catalog-api', prng(7));
    expect(reasonOf(await w.send(key, t + 2 * H, next!.method, next!.path, { body: next!.body!, ua: KUBE_RS }))).toBe('allowed');
    const late = await w.send(key, t + 9 * H, next!.method, next!.path, { body: next!.body!, ua: KUBE_RS });
    expect(reasonOf(late), rules(late)).toBe('auth_too_old');
  });

  // The price: the same window lets malware on the laptop pin an agent in staging to any node
  // (a production pod's here) for those hours, root on that node through the host's PIDs and
  // containerd's socket under /run. A privileged node shell is still asked (privileged_container
  // keeps its 5 minutes), and so is the Job in a namespace outside the entry.
  it("the price: an agent in staging pinned to a production pod's node two hours later is allowed too", async () => {
    const { key, t } = await keyed('d20w-mirrord-b@streamly.example');
    const [, , aimed] = mirrordSession('prod-catalog', 'catalog-api', prng(8), 'staging-catalog', 'ip-10-42-131-9.eu-west-1.compute.internal', 'containerd://9f3b2e71c0ad');
    expect(reasonOf(await w.send(key, t + 2 * H, aimed!.method, aimed!.path, { body: aimed!.body!, ua: KUBE_RS }))).toBe('allowed');
    const [, , dev] = mirrordSession('prod-catalog', 'catalog-api', prng(9), 'dev-d20w-mirrord-b', 'ip-10-42-131-9.eu-west-1.compute.internal', 'containerd://9f3b2e71c0ad');
    const res = await w.send(key, t + 2 * H + 60_000, dev!.method, dev!.path, { body: dev!.body!, ua: KUBE_RS });
    expect(reasonOf(res), rules(res)).toBe('auth_too_old');
    expect(rules(res)).toContain('guardrail:host_namespace');
    const shell = await w.send(key, t + 2 * H + 120_000, 'POST', '/api/v1/namespaces/staging-catalog/pods?fieldManager=kubectl-run', { body: nodeShellPod('staging-catalog'), ua: MAC_KUBECTL });
    expect(reasonOf(shell), rules(shell)).toBe('auth_too_old');
    expect(rules(shell)).toContain('privileged_container');
  });
});
