import { describe, expect, it } from 'vitest';
import { reasonOf } from '../support/grpc-client.js';
import { exampleServiceForFile } from '../support/workday-service.js';
import { findingRequests, rules, signIn, type Step } from '../support/findings.js';
import { API, COWORK, KUBECTL, MCP, OFFICE, SITE_PROD_SECRETS } from '../support/workday29.js';

/**
 * What the twenty-ninth replayed day (test/support/workday29.ts, docs/risk.md "Day 29") found,
 * through the real gRPC server running examples/stepgate.yaml on a virtual clock: engineers whose
 * AI agents (kubectl-ai running their kubectl, the Kubernetes MCP server in their editor) work with
 * their kubeconfig on their own laptops. Each test is one person's routine, then the finding, with
 * their sign-in of that moment. The open ones are `it.fails`; the fix that closes two of them,
 * `unfamiliar_kind`'s `production_secret_read`, is shown on a site copy that lists it (the example
 * does not: its price on days 1–10 is in docs/risk.md, "Day 29: what it found").
 */

const s = exampleServiceForFile();
const site = exampleServiceForFile({ edit: SITE_PROD_SECRETS });
/** The warm-up Monday and the scored Tuesday, 08:00 UTC. */
const [MON, TUE] = [15, 16].map((d) => Date.UTC(2027, 2, d, 8, 0, 0)) as [number, number];
const H = 3_600_000;
const MAC_KUBECTL = KUBECTL('darwin/arm64');
const LINUX_MCP = MCP('linux/amd64');

const { send, twoDays } = findingRequests(s, { host: API, source: OFFICE(0), ua: MAC_KUBECTL, firstDay: MON, secondDay: TUE });
const atSite = findingRequests(site, { host: API, source: OFFICE(0), ua: MAC_KUBECTL, firstDay: MON, secondDay: TUE });

/** A tracking engineer's Cursor agent through the MCP server: production's pods and logs, staging's database Secret. */
const mcpCalls: Step[] = [
  ['GET', '/api/v1/pods'],
  ['GET', '/api/v1/namespaces/tracking-prod/pods/tracking-api-x1/log?container=api&tailLines=100'],
  ['GET', '/apis/apps/v1/namespaces/tracking-prod/deployments/tracking-api'],
  ['GET', '/api/v1/namespaces/tracking-staging/secrets/tracking-db'],
];

/** The on-call's day with kubectl-ai: production's pods, events and logs, a restart, staging's Secret. */
const oncallCalls: Step[] = [
  ['GET', '/api/v1/namespaces/berth-prod/pods?limit=500'],
  ['GET', '/api/v1/namespaces/berth-prod/events?limit=500'],
  ['GET', '/api/v1/namespaces/berth-prod/pods/berth-api-x1/log?container=api&tailLines=300'],
  ['GET', '/api/v1/namespaces/berth-staging/secrets/berth-db'],
];

describe("AI agents on engineers' laptops, with examples/stepgate.yaml", () => {
  // Open (day 29 with history, every seed): an MCP server started with `--port` for a second
  // editor window listens on the coworking space's Wi-Fi, and another tenant calls its tools. The
  // requests leave the engineer's laptop (the space's one NAT address) with the MCP server's agent
  // and the engineer's token, in a namespace they work in every day; the engineer (and their agent)
  // read staging's Secret daily, so `secret_read` was learned.
  it.fails("a tenant of the coworking space reading production Secrets through the engineer's exposed MCP server is asked", async () => {
    const me = 'd29f-mcp@havenlijn.example';
    const login = await twoDays(me, mcpCalls, { source: COWORK, ua: LINUX_MCP });
    const res = await send(login, TUE + 6 * H, 'GET', '/api/v1/namespaces/tracking-prod/secrets', { source: COWORK, ua: LINUX_MCP });
    expect(reasonOf(res), rules(res)).toBe('auth_too_old');
  });

  // The same on a site copy that lists `production_secret_read`: the first production Secret of an
  // identity that reads only staging's is asked, and the engineer's own, signed in for, goes on.
  it("with production_secret_read listed, the same is asked, and the engineer's own signed-in read is learned", async () => {
    const me = 'd29f-mcp-site@havenlijn.example';
    const login = await atSite.twoDays(me, mcpCalls, { source: COWORK, ua: LINUX_MCP });
    const res = await atSite.send(login, TUE + 6 * H, 'GET', '/api/v1/namespaces/tracking-prod/secrets', { source: COWORK, ua: LINUX_MCP });
    expect(reasonOf(res), rules(res)).toBe('auth_too_old');
    const fresh = signIn(me, TUE + 6.5 * H);
    const own = await atSite.send(fresh, TUE + 6.5 * H + 20_000, 'GET', '/api/v1/namespaces/tracking-prod/secrets/tracking-db', { source: COWORK, ua: LINUX_MCP });
    expect(reasonOf(own), rules(own)).toBe('allowed');
    const next = await atSite.send(fresh, TUE + 9 * H, 'GET', '/api/v1/namespaces/tracking-prod/secrets/tracking-ais-feed', { source: COWORK, ua: LINUX_MCP });
    expect(reasonOf(next), rules(next)).toBe('allowed');
  });

  // kubectl-ai reading production Secrets for a poisoned README, through the engineer's kubectl,
  // by an engineer who reads only staging's (its first sensitive action in the replay, the
  // cluster-wide list, is `cluster_secret_list` already): asked where `production_secret_read` is listed.
  it("with production_secret_read listed, kubectl-ai reading production Secrets through an engineer who reads only staging's is asked", async () => {
    const me = 'd29f-ai@havenlijn.example';
    const calls: Step[] = oncallCalls.map(([m, p]) => [m, p.replaceAll('berth', 'customs')]);
    const login = await atSite.twoDays(me, calls);
    const res = await atSite.send(login, TUE + 2 * H, 'GET', '/api/v1/namespaces/customs-prod/secrets/customs-db');
    expect(reasonOf(res), rules(res)).toBe('auth_too_old');
    // Without it, the example's: allowed.
    const other = 'd29f-ai-2@havenlijn.example';
    const theirs = await twoDays(other, calls);
    const allowed = await send(theirs, TUE + 2 * H, 'GET', '/api/v1/namespaces/customs-prod/secrets/customs-db');
    expect(reasonOf(allowed), rules(allowed)).toBe('allowed');
  });

  // Open (day 29, every seed with history; request 3 on a site copy listing `production_secret_read`): a
  // line planted in berth-api's access log (an HTTP request's User-Agent) tells the on-call's
  // kubectl-ai, reading logs during the 15:00 incident, to "verify the container's environment":
  // `kubectl exec` into the production pod, minutes after the on-call's own sign-in for the restart.
  // The on-call's laptop, network, kubectl and fresh sign-in, in the namespace of the incident;
  // shells are not a kind the example compares (engineers' first exec of a day is routine, docs/
  // risk.md "Day 22: what it found"). What tells it apart is on the laptop: the agent's tool
  // approval (kubectl-ai's `--skip-permissions` off), or a kubeconfig context for the agent with
  // less reach than the on-call's.
  it.fails("a planted log line has the on-call's kubectl-ai open a shell in a production pod minutes after the on-call's sign-in", async () => {
    const me = 'd29f-oncall@havenlijn.example';
    await twoDays(me, oncallCalls);
    const incident = signIn(me, TUE + 7 * H);
    const restart = await send(incident, TUE + 7 * H + 20_000, 'PATCH', '/apis/apps/v1/namespaces/berth-prod/deployments/berth-api?fieldManager=kubectl-rollout', { body: JSON.stringify({ spec: { template: { metadata: { annotations: { 'kubectl.kubernetes.io/restartedAt': '2027-03-16T15:00:20Z' } } } } }), contentType: 'application/strategic-merge-patch+json' });
    expect(reasonOf(restart), rules(restart)).toBe('allowed');
    const res = await send(incident, TUE + 7 * H + 5 * 60_000, 'GET', '/api/v1/namespaces/berth-prod/pods/berth-api-x3/exec?command=sh&command=-c&command=env&container=api&stdout=true&stderr=true', { headers: { connection: 'Upgrade', upgrade: 'websocket', 'sec-websocket-protocol': 'v5.channel.k8s.io' } });
    expect(reasonOf(res), rules(res)).not.toBe('allowed');
  });
});
