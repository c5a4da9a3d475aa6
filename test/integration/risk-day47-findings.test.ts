import { describe, expect, it } from 'vitest';
import { reasonOf, riskContextOf as contextOf } from '../support/grpc-client.js';
import { exampleServiceForFile } from '../support/workday-service.js';
import { type FindingOpts, findingRequests, rules, signIn, type Step } from '../support/findings.js';
import type { Login } from '../support/workday.js';
import { adminBinding, API, CAFE, CARD_VAULT_KEY, CARDS, cardsImage, DEPLOYMENT, ghaLogin, GH_RUNNER, HEADLAMP, KALI_KUBECTL, KUBECTL, OFFICE, PAY, PENTEST_NS, PENTESTER, PROCESSOR_KEY, REDLINE, SECRET, SITE } from '../support/workday47.js';

/**
 * What the forty-seventh replayed day (test/support/workday47.ts, docs/risk.md "Day 47") found,
 * through the real gRPC server running the site's copy of the example (`SITE`: GitHub Actions'
 * issuer as automation with its runner group's egress trusted, the pentest firm's access window
 * and scope, Headlamp's host) on a virtual clock: a card-payments fintech on the Monday after a
 * reorganisation, during a Kubernetes upgrade. Each test is one person's routine, then the
 * finding. The open ones are `it.fails`, with a one-line why.
 */

const [FRI, MON] = [10, 13].map((d) => Date.UTC(2027, 11, d, 9, 0, 0)) as [number, number];
const [H, M] = [3_600_000, 60_000];
const MAC_KUBECTL = KUBECTL('darwin/arm64');
const SMP = 'application/strategic-merge-patch+json';
const CHROME_MAC = 'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36';
const HINTS = { 'sec-ch-ua': '"Google Chrome";v="131", "Chromium";v="131", "Not_A Brand";v="24"', 'sec-ch-ua-mobile': '?0', 'sec-ch-ua-platform': '"macOS"' };
const restart = (at: number) => JSON.stringify({ spec: { template: { metadata: { annotations: { 'kubectl.kubernetes.io/restartedAt': new Date(at).toISOString() } } } } });
const key = (sub: string, at: number): Login => ({ sub, sid: `${sub}:${at}`, authTime: Math.floor(at / 1000), acr: 'urn:stepgate:aal3' });
const shell = (ns: string, pod: string, c: string) => `/api/v1/namespaces/${ns}/pods/${pod}/exec?command=sh&container=${c}&stdin=true&stdout=true&tty=true`;
const WS = { connection: 'Upgrade', upgrade: 'websocket', 'sec-websocket-protocol': 'v5.channel.k8s.io' };

/** A cards engineer's Friday: the cards API's pods, a log, its Deployments, a restart. */
const cardsWork = (at: number): Step[] => [
  ['GET', `/api/v1/namespaces/${CARDS}/pods?limit=500`],
  ['GET', `/api/v1/namespaces/${CARDS}/pods/cards-api-6x1dq/log?tailLines=500`],
  ['GET', `/apis/apps/v1/namespaces/${CARDS}/deployments?limit=500`],
  ['PATCH', `${DEPLOYMENT(CARDS, 'cards-api')}?fieldManager=kubectl-rollout`, restart(at), SMP],
];
/** The same engineer on Monday, in payments. */
const paymentsWork: Step[] = [
  ['GET', `/api/v1/namespaces/${PAY}/pods?limit=500`],
  ['GET', `/api/v1/namespaces/${PAY}/pods/payments-api-6x1dq/log?tailLines=500`],
  ['GET', `/apis/apps/v1/namespaces/${PAY}/deployments?limit=500`],
];
/** The intern: payments-dev and staging. */
const internWork: Step[] = [
  ['GET', '/api/v1/namespaces/payments-dev/pods?limit=500'],
  ['GET', '/api/v1/namespaces/payments-dev/pods/payments-api-6x1dq/log?tailLines=100'],
  ['GET', '/api/v1/namespaces/payments-staging/services'],
];
/** An SRE in Headlamp: the product's pods, events, a log, HPAs on autoscaling/v2. */
const sreWork: Step[] = [
  ['GET', `/clusters/prod/api/v1/namespaces/${PAY}/pods?limit=500`],
  ['GET', `/clusters/prod/api/v1/namespaces/${PAY}/events?limit=500`],
  ['GET', `/clusters/prod/api/v1/namespaces/monitoring/pods?limit=500`],
  ['GET', `/clusters/prod/apis/autoscaling/v2/namespaces/${PAY}/horizontalpodautoscalers`],
];

describe('a card-payments fintech on the Monday after a reorganisation, during a Kubernetes upgrade', () => {
  const s = exampleServiceForFile({ edit: SITE });
  const { send, routine } = findingRequests(s, { host: API, source: OFFICE, ua: MAC_KUBECTL, firstDay: FRI, secondDay: MON });

  // Open (every seed with the warm-up day; request 1): malware on the laptop of an engineer who
  // moved teams that morning replaces the image of their old team's production Deployment, which
  // they restarted on Friday: prod-cards is in their working set, the office, laptop and kubectl
  // are theirs and the morning's sign-in meets prod-writes' 8 hours. stepgate has no notion of a
  // team move (the IdP's groups changed from team-cards to eng-payments; nothing reads them here).
  it.fails("malware on a moved engineer's laptop replaces the image of the old team's production Deployment", async () => {
    const sub = 'd47f-mv-1@finco.example';
    await routine(signIn(sub, FRI - 40_000), FRI, cardsWork(FRI), {});
    const login = signIn(sub, MON - 40_000);
    await routine(login, MON, paymentsWork, {});
    const res = await send(login, MON + 2.3 * H, 'PATCH', `${DEPLOYMENT(CARDS, 'cards-api')}?fieldManager=kubectl-set`, { body: cardsImage, contentType: SMP });
    expect(reasonOf(res), rules(res)).not.toBe('allowed');
  });

  // Held (request 2 of the same row): the card vault's key Secret, the first Secret the engineer
  // ever reads (unfamiliar_kind, a sign-in made after the read).
  it("the same malware is asked at the card vault's key Secret", async () => {
    const sub = 'd47f-mv-1b@finco.example';
    await routine(signIn(sub, FRI - 40_000), FRI, cardsWork(FRI), {});
    const login = signIn(sub, MON - 40_000);
    await routine(login, MON, paymentsWork, {});
    const res = await send(login, MON + 2.3 * H, 'GET', SECRET(CARDS, CARD_VAULT_KEY));
    expect(reasonOf(res), rules(res)).toBe('auth_too_old');
    expect(contextOf(res)).toBe('unfamiliar_kind');
  });

  // Held (every seed; request 1): the intern's token from the coffee shop's Wi-Fi, with the
  // intern's kubectl, at prod-payments' Secrets: a namespace and a kind the intern never worked in.
  it("the intern's token from the coffee shop's Wi-Fi is asked at production Secrets", async () => {
    const sub = 'd47f-intern-1@finco.example';
    await routine(signIn(sub, FRI - 40_000), FRI, internWork, {});
    // The coffee shop is a network never proven for the intern: asked once there (the day's routine price), signed in there.
    expect(contextOf(await send(signIn(sub, MON - H - 40_000), MON - H, 'GET', '/api/v1/namespaces/payments-dev/pods?limit=500', { source: CAFE }))).toBe('new_network');
    const login = signIn(sub, MON - H + 30_000);
    await routine(login, MON - H + 30_000, internWork, { source: CAFE });
    const res = await send(login, MON + 5 * M, 'GET', `/api/v1/namespaces/${PAY}/secrets?limit=500`, { source: CAFE });
    expect(reasonOf(res), rules(res)).toBe('auth_too_old');
    expect(['unfamiliar_kind', 'unfamiliar_namespace']).toContain(contextOf(res));
    const key2 = await send(login, MON + 6 * M, 'GET', SECRET(PAY, PROCESSOR_KEY), { source: CAFE });
    expect(reasonOf(key2), rules(key2)).not.toBe('allowed');
  });

  // Held (request 1 each): the pentest account outside its scope (the site's deny rule) and after
  // its window (access_window_closed), whatever sign-in it makes.
  it("the pentest firm's account is refused out of scope and after its window", async () => {
    const o: FindingOpts = { source: REDLINE, ua: KALI_KUBECTL };
    await routine(signIn(PENTESTER, MON + 4.3 * H - 40_000), MON + 4.3 * H, [['GET', `/api/v1/namespaces/${PENTEST_NS}/pods?limit=500`]], o);
    const login = signIn(PENTESTER, MON + 7.5 * H);
    const scope = await send(login, MON + 7.58 * H, 'GET', '/api/v1/namespaces/payments-staging/secrets?limit=500', o);
    expect(reasonOf(scope), rules(scope)).toBe('policy_deny');
    expect(rules(scope)).toContain('redline-pentest-scope');
    const late = await send(login, MON + 8.2 * H, 'GET', shell(PENTEST_NS, 'target-app-1', 'app'), { ...o, headers: WS });
    expect(reasonOf(late), rules(late)).toBe('access_window_closed');
  });

  // Held (request 1): a GitHub Actions token minted for a fork's pull_request_target workflow, from
  // the trusted runner group: automation cannot step up for a service-account token Secret or for
  // a ClusterRoleBinding. The push workflow's staging deploy, from the same runners, passes.
  it("a fork's GitHub Actions token is refused at a token Secret and a ClusterRoleBinding; the push deploy passes", async () => {
    const push = ghaLogin('repo:finco/payments:environment:staging', { ref: 'refs/heads/main', event_name: 'push', environment: 'staging' });
    const o: FindingOpts = { source: GH_RUNNER(3), ua: 'kubectl/v1.31.2 (linux/amd64) kubernetes/5864a46' };
    const image = JSON.stringify({ spec: { template: { spec: { containers: [{ name: 'api', image: 'ghcr.io/finco/payments-api:1f3e2a9' }] } } } });
    expect(reasonOf(await send(push, MON, 'PATCH', `${DEPLOYMENT('payments-staging', 'payments-api')}?fieldManager=kubectl-set`, { ...o, body: image, contentType: SMP }))).toBe('allowed');
    const fork = ghaLogin('repo:finco/payments:pull_request', { ref: 'refs/pull/812/merge', event_name: 'pull_request_target' });
    const token = JSON.stringify({ apiVersion: 'v1', kind: 'Secret', type: 'kubernetes.io/service-account-token', metadata: { name: 'deployer-token-x', namespace: 'payments-staging', annotations: { 'kubernetes.io/service-account.name': 'deployer' } } });
    const a = await send(fork, MON + 5 * H, 'POST', '/api/v1/namespaces/payments-staging/secrets', { ...o, source: GH_RUNNER(9), body: token });
    expect(reasonOf(a), rules(a)).toBe('automation_step_up');
    const b = await send(fork, MON + 5 * H + 15_000, 'POST', '/apis/rbac.authorization.k8s.io/v1/clusterrolebindings', { ...o, source: GH_RUNNER(9), body: adminBinding('ci-preview-admin', 'payments-staging', 'deployer') });
    expect(reasonOf(b), rules(b)).toBe('automation_step_up');
  });

  // Held since claims50 (not a replayed row): GitHub Actions' issuer signs a token for ANY
  // repository's workflow, with whatever audience the workflow asks for, so the issuer and the
  // audience alone accepted another owner's repository: its read and its staging deploy passed at
  // the everyday requirement from GitHub's runners. The site's copy now requires the owner
  // (`issuers[].required_claims: {repository_owner: [finco]}`, as configuration.md's automation
  // example writes it): client_not_allowed at the first request.
  it("a token of another GitHub repository, minted with the site's audience, is refused", async () => {
    const foreign = ghaLogin('repo:octo-attacker/tools:ref:refs/heads/main', { repository: 'octo-attacker/tools', repository_owner: 'octo-attacker', ref: 'refs/heads/main', event_name: 'push' });
    const o: FindingOpts = { source: GH_RUNNER(11), ua: 'kubectl/v1.31.2 (linux/amd64) kubernetes/5864a46' };
    expect(reasonOf(await send(foreign, MON + 6 * H, 'GET', '/api/v1/namespaces/payments-staging/pods?limit=500', o))).toBe('client_not_allowed');
    const image = JSON.stringify({ spec: { template: { spec: { containers: [{ name: 'api', image: 'ghcr.io/octo-attacker/payments-api:latest' }] } } } });
    const res = await send(foreign, MON + 6 * H + 20_000, 'PATCH', `${DEPLOYMENT('payments-staging', 'payments-api')}?fieldManager=kubectl-set`, { ...o, body: image, contentType: SMP });
    expect(reasonOf(res), rules(res)).not.toBe('allowed');
  });

  // Held (with history; request 1): an extension in the SRE's Chrome acts through Headlamp with
  // the SRE's session, browser and network: the SRE never read a Secret (unfamiliar_kind); its
  // ClusterRoleBinding is rbac-writes' hardware key within 15 minutes.
  it("a malicious extension in the SRE's browser is asked through Headlamp at production Secrets and RBAC", async () => {
    const sub = 'd47f-sre-1@finco.example';
    const o: FindingOpts = { host: HEADLAMP, ua: CHROME_MAC, headers: HINTS };
    await routine(key(sub, FRI - 40_000), FRI, sreWork, o);
    const login = key(sub, MON + H - 40_000);
    await routine(login, MON + H, sreWork, o);
    const secrets = await send(login, MON + 5.5 * H, 'GET', `/clusters/prod/api/v1/namespaces/${PAY}/secrets?limit=500`, o);
    expect(reasonOf(secrets), rules(secrets)).toBe('auth_too_old');
    expect(contextOf(secrets)).toBe('unfamiliar_kind');
    const crb = await send(login, MON + 5.5 * H + 40_000, 'POST', '/clusters/prod/apis/rbac.authorization.k8s.io/v1/clusterrolebindings', { ...o, body: adminBinding('metrics-reader-x', 'monitoring', 'metrics-reader-x') });
    expect(reasonOf(crb), rules(crb)).toBe('auth_too_old');
    expect(rules(crb)).toContain('rbac-writes');
  });
});
