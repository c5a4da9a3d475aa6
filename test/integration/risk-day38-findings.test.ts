import { describe, expect, it } from 'vitest';
import { reasonOf, riskContextOf as contextOf } from '../support/grpc-client.js';
import { exampleServiceForFile } from '../support/workday-service.js';
import { findingRequests, rules, signIn, type Step } from '../support/findings.js';
import { MAC, podName, WS_UPGRADE, type Login } from '../support/workday.js';
import { API, ATTACKER_VPS, BROWSER_HINTS, CHROME, helmRelease, K8S, KUBECTL, OFFICE, PARTNER_EGRESS, RANCHER, RESI_PROXY, RUNNER_LOGIN, RUNNER_POD } from '../support/workday38.js';

/**
 * What the thirty-eighth replayed day (test/support/workday38.ts, docs/risk.md "Day 38") found,
 * through the real gRPC server running the example as shipped on a virtual clock: a game studio's
 * launch across three regions, with a war room on one office address, a partner's QA team behind
 * its shared VPN egress, Rancher's dashboard, in-cluster GitHub Actions runners and KEDA. Each test
 * is one person's (or one workload's) routine, then the finding. The open ones are `it.fails`, each
 * with a one-line why.
 */

const [WED, THU] = [12, 13].map((d) => Date.UTC(2028, 3, d, 8, 0, 0)) as [number, number];
const [H, M] = [3_600_000, 60_000];
const EUW = API('euw');
const MAC_KUBECTL = KUBECTL('darwin/arm64');
const PS_KUBECTL = KUBECTL('windows/amd64');
const WSL_KUBECTL = KUBECTL('linux/amd64');
const MERGE = 'application/merge-patch+json';

/** A backend engineer's store work: production pods, logs and config, staging's Secret. */
const store: Step[] = [
  ['GET', '/api/v1/namespaces/store-prod/pods?limit=500'],
  ['GET', `/api/v1/namespaces/store-prod/pods/${podName('store', 1)}/log?container=store&tailLines=500`],
  ['GET', '/api/v1/namespaces/store-prod/configmaps/store-config'],
  ['GET', '/api/v1/namespaces/store-staging/secrets/store-env'],
  ['GET', '/apis/apps/v1/namespaces/store-prod/deployments/store'],
];
/** A partner tester's staging work: pods, a log, a port-forward to a game server's debug port. */
const qa: Step[] = [
  ['GET', '/api/v1/namespaces/gameserver-staging/pods?limit=500'],
  ['GET', `/api/v1/namespaces/gameserver-staging/pods/${podName('gameserver', 2)}/log?container=gameserver&tailLines=1000`],
  ['GET', `/api/v1/namespaces/gameserver-staging/pods/${podName('gameserver', 2)}/portforward?ports=7777`],
  ['GET', '/api/v1/namespaces/matchmaker-staging/events?limit=500'],
];
/** A live-ops engineer's and a game-server developer's work in the game servers' production namespace. */
const gameservers: Step[] = [
  ['GET', '/api/v1/namespaces/gameserver-prod/pods?watch=true&resourceVersion=0'],
  ['GET', `/api/v1/namespaces/gameserver-prod/pods/${podName('gameserver', 4)}/log?container=gameserver&follow=true&tailLines=200`],
  ['GET', '/apis/keda.sh/v1alpha1/namespaces/gameserver-prod/scaledobjects'],
  ['GET', '/api/v1/namespaces/gameserver-prod/events?limit=500'],
];

describe("a game studio's launch day, with the example as shipped", () => {
  const s = exampleServiceForFile();
  const { send, routine, twoDays } = findingRequests(s, { host: EUW, source: OFFICE, ua: MAC_KUBECTL, firstDay: WED, secondDay: THU });

  // Open (every seed both ways: the extension's first three Secrets allowed, asked only where it
  // leaves the engineer's namespaces): a malicious VS Code extension runs the kubeconfig's exec
  // plugin on a backend engineer's Mac and reads the store's production Secrets every 4 minutes,
  // with the engineer's token, kubectl's agent and the war room's address: the namespace and the
  // kind are the engineer's own, and `production_secret_read` is left out of the example.
  it.fails("a VS Code extension reading the store's production Secrets with the engineer's exec-plugin token is asked", async () => {
    const sub = 'd38f-be-2@kestrelforge.example';
    const login = await twoDays(sub, store);
    const first = await send(login, THU + 6 * H, 'GET', '/api/v1/namespaces/store-prod/secrets/store-payments-psp');
    const second = await send(login, THU + 6 * H + 4 * M, 'GET', '/api/v1/namespaces/store-prod/secrets/store-db');
    expect([reasonOf(first), reasonOf(second)], `${rules(first)} | ${rules(second)}`).not.toEqual(['allowed', 'allowed']);
  });

  // Stopped at request 1 (every seed both ways): a user of the partner's VPN with a QA engineer's
  // copied kubeconfig on a Linux machine, from the same shared egress: the QA's token has only
  // ever been used by PowerShell's kubectl (platform_change).
  it("the partner VPN neighbour with a QA engineer's copied kubeconfig on another OS is asked at its first request", async () => {
    const sub = 'd38f-qa-1@pixelsmith-qa.example';
    const login = await twoDays(sub, qa, { source: PARTNER_EGRESS, ua: PS_KUBECTL });
    const res = await send(login, THU + 3.5 * H, 'GET', '/api/v1/namespaces/gameserver-staging/pods?limit=500', { source: PARTNER_EGRESS, ua: WSL_KUBECTL });
    expect(reasonOf(res), rules(res)).toBe('auth_too_old');
    expect(contextOf(res)).toBe('platform_change');
  });

  // Held, with the partner's one Windows image (the neighbour's kubectl is the QA's build): the
  // same egress and client make the two one context, and the first Secret is still asked: the QA
  // has never read one (unfamiliar_kind, once their history is 20 hours old).
  it("the neighbour on the partner's own Windows image is asked at the first Secret", async () => {
    const sub = 'd38f-qa-2@pixelsmith-qa.example';
    const login = await twoDays(sub, qa, { source: PARTNER_EGRESS, ua: PS_KUBECTL });
    const pods = await send(login, THU + 3.5 * H, 'GET', '/api/v1/namespaces/gameserver-staging/pods?limit=500', { source: PARTNER_EGRESS, ua: PS_KUBECTL });
    expect(reasonOf(pods), rules(pods)).toBe('allowed');
    const res = await send(login, THU + 3.5 * H + 30_000, 'GET', '/api/v1/namespaces/gameserver-staging/secrets', { source: PARTNER_EGRESS, ua: PS_KUBECTL });
    expect(reasonOf(res), rules(res)).toBe('auth_too_old');
    expect(contextOf(res)).toBe('unfamiliar_kind');
  });

  // Stopped at request 1 (every seed both ways): the producer's Rancher session replayed from a
  // residential proxy in the same city, with the producer's Chrome and its client hints.
  it("the producer's Rancher session replayed from a residential proxy in Manchester is asked at its first request", async () => {
    const sub = 'd38f-prod-1@kestrelforge.example';
    const web = { host: RANCHER, ua: CHROME(MAC), headers: BROWSER_HINTS(MAC) };
    const login = await twoDays(sub, [['GET', '/v1/management.cattle.io.clusters'], ['GET', `${K8S('euw')}/v1/pods/store-prod`], ['GET', `${K8S('use')}/v1/apps.deployments/gameserver-prod`]], web);
    const res = await send(login, THU + 7 * H, 'GET', `${K8S('euw')}/v1/pods/store-prod`, { ...web, source: RESI_PROXY });
    expect(reasonOf(res), rules(res)).toBe('auth_too_old');
    expect(contextOf(res)).toBe('new_network');
  });

  // Stopped at request 2 (every seed both ways): a poisoned pull request's step on an ARC runner
  // applies a privileged DaemonSet mounting the nodes' root with the runner's token, from the
  // runner pod: automation cannot step up, and the pod template's guardrails ask a hardware key.
  it("an ARC runner's token creating a privileged hostPath DaemonSet from the runner pod is refused", async () => {
    const ds = { apiVersion: 'apps/v1', kind: 'DaemonSet', metadata: { name: 'node-exporter-ext', namespace: 'matchmaker-staging' }, spec: { selector: { matchLabels: { app: 'x' } }, template: { metadata: { labels: { app: 'x' } }, spec: { hostPID: true, containers: [{ name: 'x', image: 'ghcr.io/prom-node/exporter:1.8', securityContext: { privileged: true }, volumeMounts: [{ name: 'root', mountPath: '/host' }] }], volumes: [{ name: 'root', hostPath: { path: '/' } }] } } } };
    const res = await send(RUNNER_LOGIN, THU + 4.4 * H, 'POST', '/apis/apps/v1/namespaces/matchmaker-staging/daemonsets?fieldManager=kubectl-client-side-apply', { source: RUNNER_POD(5), ua: WSL_KUBECTL, body: JSON.stringify(ds) });
    expect(reasonOf(res), rules(res)).toBe('automation_step_up');
    expect(rules(res)).toContain('daemonset-creates');
  });

  // Open (every seed both ways; refused only at the ClusterRoleBinding, request 4): on launch night
  // the live-ops engineer at home approves a caller's push ("platform team, approve my MFA"); each
  // ask the caller meets (their own laptop and network, the store's namespace, which the engineer
  // never worked in) is one more push the engineer approves ("it timed out, once more"), and the
  // store's production Secret and a shell there follow. A push is this engineer's every day's
  // factor (no assurance_downgrade), and a fresh two-factor sign-in answers every context.
  it.fails("the caller holding the engineer's approved pushes is refused before the store's production Secret", async () => {
    const sub = 'd38f-lo-3@kestrelforge.example';
    await twoDays(sub, gameservers, { ua: MAC_KUBECTL });
    let at = THU + 13.67 * H;
    let login = signIn(sub, at - 60_000);
    /** The request, and once more after an approved push when a sign-in at two factors answers it. */
    const approving = async (method: string, path: string, headers?: Record<string, string>) => {
      const res = await send(login, (at += 30_000), method, path, { source: ATTACKER_VPS, ...(headers ? { headers } : {}) });
      if (reasonOf(res) !== 'auth_too_old') return res;
      login = signIn(sub, (at += 20_000));
      return send(login, (at += 5_000), method, path, { source: ATTACKER_VPS, ...(headers ? { headers } : {}) });
    };
    expect(reasonOf(await approving('GET', '/api/v1/namespaces/gameserver-prod/pods?limit=500'))).toBe('allowed');
    const secret = await approving('GET', '/api/v1/namespaces/store-prod/secrets/store-payments-psp');
    const shell = await approving('GET', `/api/v1/namespaces/store-prod/pods/${podName('store', 2)}/exec?command=sh&container=store&stdin=true&stdout=true&tty=true`, WS_UPGRADE);
    expect([reasonOf(secret), reasonOf(shell)], `${rules(secret)} | ${rules(shell)}`).not.toEqual(['allowed', 'allowed']);
  });

  // Routine friction (every seed with the warm-up day): the on-call paged at 01:55 signs in at
  // home at 01:57 and is asked again at the first request, because home was never proven for them
  // (the warm-up day was in the office) and the sign-in came 90 s before the network's first
  // sighting: a second tap at 02:00, by someone just woken.
  it('the on-call paged at night is asked again at the first request from home, 90 s after signing in', async () => {
    const sub = 'd38f-oc-1@kestrelforge.example';
    await twoDays(sub, [['GET', '/api/v1/namespaces/matchmaker-prod/pods?limit=500'], ['GET', '/api/v1/namespaces/matchmaker-prod/events?limit=500']], { ua: WSL_KUBECTL });
    const page = THU + 18 * H; // 02:00 on Friday
    const login = signIn(sub, page - 90_000);
    const res = await send(login, page, 'GET', '/api/v1/namespaces/matchmaker-prod/pods?limit=500', { source: '82.47.93.21', ua: WSL_KUBECTL, host: API('apse') });
    expect(reasonOf(res), rules(res)).toBe('auth_too_old');
    expect(contextOf(res)).toBe('new_network');
  });

  // Routine (every seed): the release manager's helm rollback at 20:40 from home, on the evening's
  // sign-in: the release history's Secrets are read and written; nothing more is asked where the
  // sign-in is within 8 hours and home is proven.
  it("the release manager's helm rollback from home on the evening's sign-in asks nothing", async () => {
    const sub = 'd38f-rel@kestrelforge.example';
    const home = '92.21.130.8';
    const steps = helmRelease('store', 'use', 43, 'ghcr.io/kestrel-forge/store:3.7.4').map((q): Step => [q.method, q.path, q.body, q.headers?.['content-type']]);
    await routine(signIn(sub, WED + 12 * H - 40_000), WED + 12 * H, [['GET', '/api/v1/namespaces/store-prod/pods?limit=500'], ['GET', '/api/v1/namespaces/store-prod/secrets?labelSelector=owner%3Dhelm']], { source: home, ua: 'Helm/3.17.1', host: API('use') });
    const login = signIn(sub, THU + 12.25 * H);
    await routine(login, THU + 12.3 * H, steps, { source: home, ua: 'Helm/3.17.1', host: API('use') });
  });
});

// A plain gap until day 38's fix (rules/owners.ts kedaPausedAtZero): a KEDA ScaledObject paused at
// 0 replicas (`autoscaling.keda.sh/paused-replicas: "0"`) makes KEDA scale its target to zero,
// which is the delete of every pod as `kubectl scale --replicas=0` is, and that asks what deleting
// the Deployment asks (prod-durable-deletes' 15 minutes); the annotation was judged as an ordinary
// production change (prod-writes' 8 hours), so the morning's sign-in took the game servers down.
describe('a scale to zero through KEDA, in the engineer\'s own production namespace', () => {
  const s = exampleServiceForFile();
  const { send, twoDays } = findingRequests(s, { host: EUW, source: OFFICE, ua: WSL_KUBECTL, firstDay: WED, secondDay: THU });

  it('kubectl scale --replicas=0 of the game servers on the morning sign-in is asked (prod-durable-deletes)', async () => {
    const login = await twoDays('d38f-win-2@kestrelforge.example', gameservers);
    const res = await send(login, THU + 3 * H, 'PATCH', '/apis/apps/v1/namespaces/gameserver-prod/deployments/gameserver/scale', { body: JSON.stringify({ spec: { replicas: 0 } }), contentType: MERGE });
    expect(reasonOf(res), rules(res)).toBe('auth_too_old');
    expect(rules(res)).toContain('prod-durable-deletes');
  });

  it('the game servers\' ScaledObject paused at 0 replicas on the morning sign-in is asked as the scale to zero it is', async () => {
    const login = await twoDays('d38f-win-3@kestrelforge.example', gameservers);
    const res = await send(login, THU + 3 * H, 'PATCH', '/apis/keda.sh/v1alpha1/namespaces/gameserver-prod/scaledobjects/gameserver', { body: JSON.stringify({ metadata: { annotations: { 'autoscaling.keda.sh/paused-replicas': '0' } } }), contentType: MERGE });
    expect(reasonOf(res), rules(res)).toBe('auth_too_old');
    expect(rules(res)).toContain('prod-durable-deletes');
    // Paused at the launch's count instead: an ordinary production change, on the same sign-in.
    const held = await send(login, THU + 3 * H + 60_000, 'PATCH', '/apis/keda.sh/v1alpha1/namespaces/gameserver-prod/scaledobjects/gameserver', { body: JSON.stringify({ metadata: { annotations: { 'autoscaling.keda.sh/paused-replicas': '60' } } }), contentType: MERGE });
    expect(reasonOf(held), rules(held)).toBe('allowed');
  });

  // Routine (the SRE before each peak): raising the game servers' minimum asks nothing more.
  it("the SRE's raise of the game servers' KEDA minimum asks nothing within the sign-in", async () => {
    const login = await twoDays('d38f-sre-1@kestrelforge.example', gameservers);
    const res = await send(login, THU + 2.3 * H, 'PATCH', '/apis/keda.sh/v1alpha1/namespaces/gameserver-prod/scaledobjects/gameserver', { body: JSON.stringify({ spec: { minReplicaCount: 60 } }), contentType: MERGE });
    expect(reasonOf(res), rules(res)).toBe('allowed');
  });
});

// The HPA's minimum set to 0 is not a scale to zero kube accepts: without the HPAScaleToZero
// feature gate (alpha, off by default) the API server refuses `minReplicas: 0`, and with it the
// HPA scales to zero only on object or external metrics at zero. Judged as a production change.
describe('an HPA minimum of 0', () => {
  const s = exampleServiceForFile();
  const { send, twoDays } = findingRequests(s, { host: EUW, source: OFFICE, ua: PS_KUBECTL, firstDay: WED, secondDay: THU });
  it('is a production change on the morning sign-in (prod-writes)', async () => {
    const login: Login = await twoDays('d38f-win-4@kestrelforge.example', [['GET', '/api/v1/namespaces/matchmaker-prod/pods?limit=500'], ['GET', '/apis/autoscaling/v2/namespaces/matchmaker-prod/horizontalpodautoscalers']]);
    const res = await send(login, THU + 3 * H, 'PATCH', '/apis/autoscaling/v2/namespaces/matchmaker-prod/horizontalpodautoscalers/matchmaker', { body: JSON.stringify({ spec: { minReplicas: 0 } }), contentType: MERGE });
    expect(reasonOf(res), rules(res)).toBe('allowed');
    expect(rules(res)).toContain('prod-writes');
  });
});
