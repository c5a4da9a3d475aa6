import { describe, expect, it } from 'vitest';
import { reasonOf } from '../support/grpc-client.js';
import { exampleServiceForFile } from '../support/workday-service.js';
import { findingRequests, rules, signIn, type Step } from '../support/findings.js';
import { API, ATTACKER_REGISTRY, BACKSTAGE, CHROME, CITRIX, FLUX, HEADLAMP, KUBECTL, KUBECTL_WIN, SITE } from '../support/workday18.js';
import { MAC, WIN } from '../support/workday.js';

/**
 * What the eighteenth replayed day (test/support/workday18.ts, docs/risk.md "Day 18") found,
 * through the real gRPC server running examples/stepgate.yaml on a virtual clock: a
 * developer-tools company whose engineers work in Codespaces with coding agents, an MSP on a
 * shared Citrix farm, Backstage and Headlamp, Flux. Two wrong allows are fixed (a Secret through
 * Backstage's Kubernetes proxy: the example's kubernetes.proxies; a Flux ImageRepository
 * repointed: gitops_source_change and flux-objects now know image automation); the rest are
 * `it.fails`: each asserts the safe outcome and says, in its comment, why stepgate cannot reach it
 * from the request.
 */

const s = exampleServiceForFile();
const MON = Date.UTC(2026, 2, 23, 8, 0, 0);
const TUE = Date.UTC(2026, 2, 24, 8, 0, 0);
const H = 3_600_000;
const HOME = '2.81.104.9';
const LINUX_OS = 'linux/amd64';
const MERGE = 'application/merge-patch+json';
const SMP = 'application/strategic-merge-patch+json';

const { send, routine, twoDays } = findingRequests(s, { host: API, source: HOME, ua: KUBECTL('darwin/arm64'), firstDay: MON, secondDay: TUE });

/** A product engineer's day: their team's pods and logs in production, Backstage's service view and pod logs through its proxy. */
const backstageDay: Step[] = [
  ['GET', '/api/catalog/entities/by-name/component/default/billing-api'],
  ['POST', '/api/kubernetes/services/billing-api', JSON.stringify({ entity: { apiVersion: 'backstage.io/v1alpha1', kind: 'Component', metadata: { name: 'billing-api', namespace: 'default' } }, auth: {} })],
  ['GET', '/api/kubernetes/proxy/api/v1/namespaces/prod-billing/pods/billing-api-7d9f6cb4x2k/log?container=billing-api&tailLines=1000'],
];

/** The platform team's Flux CLI: `flux get images all`, `flux reconcile image repository billing-api`. */
const imageAutomation: Step[] = [
  ['GET', '/apis/image.toolkit.fluxcd.io/v1beta2/namespaces/flux-system/imagerepositories'],
  ['GET', '/apis/image.toolkit.fluxcd.io/v1beta2/namespaces/flux-system/imagepolicies'],
  ['PATCH', '/apis/image.toolkit.fluxcd.io/v1beta2/namespaces/flux-system/imagerepositories/billing-api', JSON.stringify({ metadata: { annotations: { 'reconcile.fluxcd.io/requestedAt': '2026-03-23T09:12:44Z' } } }), MERGE],
];

/** A product engineer whose agent works in their namespaces: staging's Secret and database, production's pods and logs. */
const agentDay: Step[] = [
  ['GET', '/api/v1/namespaces/team-api/pods?limit=500'],
  ['GET', '/api/v1/namespaces/staging-api/secrets/api-gateway-env'],
  ['GET', '/api/v1/namespaces/prod-api/pods?limit=500'],
  ['GET', '/api/v1/namespaces/prod-api/pods/api-gateway-7d9f6cb4x2k/log?container=api-gateway&tailLines=200'],
  ['GET', '/apis/apps/v1/namespaces/prod-api/deployments/api-gateway'],
];

/** The MSP's support work: production pods, logs and `rollout restart`, from the Citrix farm. */
const mspDay: Step[] = [
  ['GET', '/api/v1/namespaces/prod-billing/pods?limit=500'],
  ['GET', '/api/v1/namespaces/prod-billing/pods/billing-api-7d9f6cb4x2k/log?container=billing-api&tailLines=500'],
  ['PATCH', '/apis/apps/v1/namespaces/prod-billing/deployments/billing-api?fieldManager=kubectl-rollout', JSON.stringify({ spec: { template: { metadata: { annotations: { 'kubectl.kubernetes.io/restartedAt': '2026-03-23T03:10:00Z' } } } } }), SMP],
];

describe("a developer-tools company's Codespaces, coding agents, MSP and GitOps, with examples/stepgate.yaml", () => {
  // Fixed (example): Backstage's Kubernetes plugin reaches the API through its backend's proxy
  // (/api/kubernetes/proxy/<API path>, the user's own token in Backstage-Kubernetes-Authorization).
  // Nothing named that path, so a Secret read through it was a web page to every rule: the
  // staff engineer's Backstage session, replayed from another attendee's laptop on the KubeCon
  // Wi-Fi, read a production Secret at the default's everyday sign-in, every seed, both ways. The
  // example now lists Backstage's proxy in kubernetes.proxies, as Headlamp's: the rules and the
  // risk engine read what follows the prefix as the Kubernetes request it is.
  it("a Secret read through Backstage's Kubernetes proxy is judged as a Secret read", async () => {
    const o = { host: BACKSTAGE, ua: CHROME(MAC) };
    const login = await twoDays('d18f-dev-a@forgeline.example', backstageDay, o);
    const res = await send(login, TUE + 3 * H, 'GET', '/api/kubernetes/proxy/api/v1/namespaces/prod-billing/secrets/stripe-api-key', { ...o, ua: 'Mozilla/5.0 (X11; Linux x86_64; rv:136.0) Gecko/20100101 Firefox/136.0' });
    expect(reasonOf(res), rules(res)).not.toBe('allowed');
    expect(rules(res)).toContain('secrets');
    // Control: the pod logs Backstage shows stay routine.
    const logs = await send(login, TUE + 3 * H + 60_000, 'GET', '/api/kubernetes/proxy/api/v1/namespaces/prod-billing/pods/billing-api-7d9f6cb4x2k/log?container=billing-api&tailLines=1000', o);
    expect(reasonOf(logs), rules(logs)).toBe('allowed');
  });

  // Fixed (src and example): Flux's image automation decides which image Flux commits to Git with
  // its deploy key: an ImageRepository repointed to a lookalike registry makes the ImagePolicy
  // pick the attacker's highest tag, the ImageUpdateAutomation commits it, and the Kustomization
  // deploys it to production. image.toolkit.fluxcd.io was in neither gitops_source_change's groups
  // nor flux-objects': a merge patch of spec.image from a platform engineer's laptop was allowed,
  // every seed, both ways. `flux reconcile image repository` (an annotation) stays routine.
  it('a Flux ImageRepository repointed, or an image automation created, asks what a source repointed asks', async () => {
    const o = { ua: FLUX(LINUX_OS), source: '85.244.25.45' };
    const login = await twoDays('d18f-platform-a@forgeline.example', imageAutomation, { ...o });
    const res = await send(login, TUE + 7 * H, 'PATCH', '/apis/image.toolkit.fluxcd.io/v1beta2/namespaces/flux-system/imagerepositories/billing-api', { ...o, contentType: MERGE, body: JSON.stringify({ spec: { image: `${ATTACKER_REGISTRY}/billing-api`, secretRef: null } }) });
    expect(reasonOf(res), rules(res)).toBe('auth_too_old');
    expect(rules(res)).toContain('guardrail:gitops_source_change');
    const create = await send(login, TUE + 7 * H + 60_000, 'POST', '/apis/image.toolkit.fluxcd.io/v1beta2/namespaces/flux-system/imageupdateautomations', {
      ...o,
      body: JSON.stringify({ apiVersion: 'image.toolkit.fluxcd.io/v1beta2', kind: 'ImageUpdateAutomation', metadata: { name: 'prod', namespace: 'flux-system' }, spec: { interval: '1m', sourceRef: { kind: 'GitRepository', name: 'fleet' }, git: { push: { branch: 'main' }, commit: { author: { name: 'fluxbot', email: 'flux@forgeline.example' } } }, update: { path: './clusters/prod', strategy: 'Setters' } } }),
    });
    expect(reasonOf(create), rules(create)).toBe('auth_too_old');
    expect(rules(create)).toContain('flux-objects');
    // Control: `flux reconcile image repository` stays routine.
    const reconcile = await send(login, TUE + 7 * H + 120_000, 'PATCH', '/apis/image.toolkit.fluxcd.io/v1beta2/namespaces/flux-system/imagerepositories/billing-api', { ...o, contentType: MERGE, body: JSON.stringify({ metadata: { annotations: { 'reconcile.fluxcd.io/requestedAt': '2026-03-24T15:20:00Z' } } }) });
    expect(reasonOf(reconcile), rules(reconcile)).toBe('allowed');
  });

  // Open: a coding agent on the engineer's own laptop, prompt-injected by a README, reads a
  // production Secret and port-forwards production's database at machine pace. Everything but
  // the intent is the engineer's: their kubectl (the agent runs it), address, login within its
  // 8 hours, and namespaces they work in every day (the agent's own bursts list pods and read
  // logs there; the engineer reads staging's Secret and port-forwards staging's database). Three
  // distinct sensitive objects within 3 s stay under machine pace's fourth. Day 11's class
  // (Secrets where the victim only looks: namespaces, not kinds). What tells it apart is on the
  // laptop (which process asked: the agent's own kubeconfig context or tool approval).
  it.fails("a coding agent's production Secret and database tunnel on the engineer's laptop are asked more than the everyday sign-in", async () => {
    const login = await twoDays('d18f-dev-b@forgeline.example', agentDay);
    const t = TUE + 3.2 * H;
    const secret = await send(login, t, 'GET', '/api/v1/namespaces/prod-api/secrets/api-gateway-env');
    const tunnel = await send(login, t + 1200, 'GET', '/api/v1/namespaces/prod-api/pods/postgres-0/portforward');
    expect([reasonOf(secret), reasonOf(tunnel)], `${rules(secret)} | ${rules(tunnel)}`).not.toEqual(['allowed', 'allowed']);
  });

  // Open: a Codespace's kubelogin cache committed to a public dotfiles repository, used from the
  // attacker's own Codespace in the same Azure region. The victim's workspaces have had addresses
  // in that /16 on two days, which makes it a network the victim moves in
  // (nearby_networks.min_networks), as a carrier's or a home's rotating prefix (in the replay it is
  // mostly the resume's sign-in minutes before: vouch_seconds); the attacker's workspace is a new
  // address there, the image's kubectl the victim's. Its first Secret is the
  // victim's own team's. Day 7's class ("a token from the Codespace used from the same cloud
  // region"); here the attacker stays in the victim's namespaces. A client certificate per
  // workspace, or the device cookie, would tell them apart.
  it.fails("a Codespace token used from another Codespace in the victim's /16 is asked for a sign-in", async () => {
    const sub = 'd18f-dev-c@forgeline.example';
    const steps: Step[] = [['GET', '/api/v1/namespaces/team-api/pods?limit=500'], ['GET', '/api/v1/namespaces/staging-api/secrets/api-gateway-env']];
    const o = { ua: KUBECTL(LINUX_OS) };
    // Each day's workspace: a sign-in after its first request there (the morning's challenge answered).
    for (const [day, ip] of [[MON, '20.61.17.40'], [TUE, '20.61.203.11']] as const) {
      await send(signIn(sub, day - 40_000), day, 'GET', '/api/v1/namespaces/team-api/pods?limit=500', { ...o, source: ip });
      await routine(signIn(sub, day + 60_000), day + 60_000, steps, { ...o, source: ip });
    }
    const login = signIn(sub, TUE + 60_000);
    const res = await send(login, TUE + 5 * H, 'GET', '/api/v1/namespaces/staging-api/secrets/api-gateway-env', { ...o, source: '20.61.58.102' });
    expect(reasonOf(res), rules(res)).not.toBe('allowed');
  });

  // Open: another customer's user on the MSP's Citrix farm takes an MSP engineer's Headlamp
  // session (the farm's shared profile store) and lists production's Secrets, from the farm's
  // address in the same Chrome, in the namespace the MSP engineer worked in that morning. With a
  // day of history the first Secret of an identity that never read one is asked (unfamiliar_kind,
  // request 2, every seed); on a freshly started server there is no history to say so, and the
  // rest is the owner's context. Day 15's class (a VDI farm's address and client are everyone's).
  it.fails("an MSP engineer's Headlamp session used by another farm user on a fresh server is asked for a sign-in at its first Secret", async () => {
    const sub = 'd18f-msp-a@support-partner.example';
    const o = { host: HEADLAMP, ua: CHROME(WIN), source: CITRIX[1]! };
    const day = TUE - 5 * H; // 03:00 UTC, the Manila day shift
    const login = signIn(sub, day - 40_000);
    await routine(login, day, [['GET', '/clusters/main/api/v1/namespaces/prod-billing/pods'], ['GET', '/clusters/main/apis/apps/v1/namespaces/prod-billing/deployments'], ['GET', '/clusters/main/api/v1/namespaces/prod-billing/events']], o);
    const res = await send(login, day + 2.5 * H, 'GET', '/clusters/main/api/v1/namespaces/prod-billing/secrets', o);
    expect(reasonOf(res), rules(res)).not.toBe('allowed');
  });

  // Was open until session 50: an MSP engineer's kubectl token, taken on the shared farm, swaps
  // production's image for a lookalike registry's (`kubectl set image`) from the farm, in the
  // engineer's shift: their `rollout restart`'s everyday production write (prod-writes, in the
  // working set), only the image's registry differs. The example lists no registries (by design:
  // docs/risk.md "Session 34: rows closed"); the day's site copy lists the company's (last describe).
});

// The day's site copy (workday18.ts SITE, session 50; the day matrix replays day 18 on it): the
// company's registries (ghcr.io/forgeline, Docker Hub's official images) in allowed_registries.
describe("the company's site copy: its registries listed (guardrails.allowed_registries)", () => {
  const listed = exampleServiceForFile({ edit: SITE });
  const r = findingRequests(listed, { host: API, source: CITRIX[0]!, ua: KUBECTL_WIN, firstDay: MON, secondDay: TUE });

  // The row open on the example until session 50 (above).
  it("an MSP engineer's token swapping a production image for another registry's is asked more than their everyday production write", async () => {
    const login = await r.twoDays('d18f-msp-b@support-partner.example', mspDay);
    const res = await r.send(login, TUE + 4.5 * H, 'PATCH', '/apis/apps/v1/namespaces/prod-billing/deployments/billing-api?fieldManager=kubectl-set', { contentType: SMP, body: JSON.stringify({ spec: { template: { spec: { containers: [{ name: 'billing-api', image: `${ATTACKER_REGISTRY}/billing-api:1.48.2` }] } } } }) });
    expect(reasonOf(res), rules(res)).not.toBe('allowed');
    expect(rules(res)).toContain('guardrail:image_registry_not_allowed');
  });

  it('is asked for a recent sign-in; a rollout restart and an image of its own registry stay routine', async () => {
    const login = await r.twoDays('d18f-msp-c@support-partner.example', mspDay);
    const swap = await r.send(login, TUE + 4.5 * H, 'PATCH', '/apis/apps/v1/namespaces/prod-billing/deployments/billing-api?fieldManager=kubectl-set', { contentType: SMP, body: JSON.stringify({ spec: { template: { spec: { containers: [{ name: 'billing-api', image: `${ATTACKER_REGISTRY}/billing-api:1.48.2` }] } } } }) });
    expect(reasonOf(swap), rules(swap)).not.toBe('allowed');
    expect(rules(swap)).toContain('guardrail:image_registry_not_allowed');
    const own = await r.send(login, TUE + 4.5 * H + 60_000, 'PATCH', '/apis/apps/v1/namespaces/prod-billing/deployments/billing-api?fieldManager=kubectl-set', { contentType: SMP, body: JSON.stringify({ spec: { template: { spec: { containers: [{ name: 'billing-api', image: 'ghcr.io/forgeline/billing-api:1.48.2' }] } } } }) });
    expect(reasonOf(own), rules(own)).toBe('allowed');
  });
});
