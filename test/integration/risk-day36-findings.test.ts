import { describe, expect, it } from 'vitest';
import { deniedBody, reasonOf, type CheckResponse, riskContextOf as contextOf } from '../support/grpc-client.js';
import { exampleServiceForFile } from '../support/workday-service.js';
import { findingRequests, rules, signIn, type Step } from '../support/findings.js';
import type { Login } from '../support/workday.js';
import { MAC } from '../support/workday.js';
import { API, ARGOCD, BERLIN_ATTACKER, BROWSER_HINTS, CHROME, CUSTOMER_GUEST, HEADLAMP, HOTEL, KUBECTL, MADRID_VM, NEW_LAPTOP_KUBECTL, OFFICE, RELEASE_TRAIN, ROGUE_IMAGE, RUNNER, SITE } from '../support/workday36.js';

/**
 * What the thirty-sixth replayed day (test/support/workday36.ts, docs/risk.md "Day 36") found,
 * through the real gRPC server running the example as shipped on a virtual clock: one on-call
 * rotation shared by Pune, Berlin and New York, a traveller, a laptop replaced mid-day, a new
 * hire, an Argo CD release train and Headlamp in Chrome beside kubectl. Each test is one person's
 * routine on two days, then the finding, with their sign-in of that moment. The open ones are
 * `it.fails`, each with a one-line why.
 */

const [MON, TUE] = [17, 18].map((d) => Date.UTC(2028, 0, d, 8, 0, 0)) as [number, number];
const H = 3_600_000;
const BERLIN = OFFICE.berlin(0);
const MAC_KUBECTL = KUBECTL('darwin/arm64');
const chrome = { ua: CHROME(MAC), host: HEADLAMP, headers: BROWSER_HINTS(MAC) };

/** A team's routine through kubectl: production's pods, staging's and production's database Secrets, a log. */
const team = (t: string): Step[] => [
  ['GET', `/api/v1/namespaces/${t}-prod/pods?limit=500`],
  ['GET', `/api/v1/namespaces/${t}-staging/secrets/${t}-api-db`],
  ['GET', `/api/v1/namespaces/${t}-prod/secrets/${t}-api-db`],
  ['GET', `/api/v1/namespaces/${t}-prod/pods/${t}-api-0/log?container=api&tailLines=300`],
];
/** The same team in Headlamp (its proxy path). */
const headlamp = (t: string): Step[] => [
  ['GET', `/clusters/main/api/v1/namespaces/${t}-prod/pods`],
  ['GET', `/clusters/main/apis/apps/v1/namespaces/${t}-prod/deployments`],
  ['GET', `/clusters/main/api/v1/namespaces/${t}-staging/secrets/${t}-api-db`],
];

describe('a follow-the-sun company with one on-call rotation, with the example as shipped', () => {
  const s = exampleServiceForFile();
  const { send, routine, twoDays } = findingRequests(s, { host: API, source: BERLIN, ua: MAC_KUBECTL, firstDay: MON, secondDay: TUE });

  // Stopped at request 1 (every seed both ways): Headlamp's session cookie, copied by a malicious
  // extension, replayed from the attacker's own machine in Berlin (another home ISP of the city)
  // with the engineer's Chrome agent and client hints: a network never seen for this login.
  it("a Headlamp session cookie replayed from another network of the same city is asked at its first request", async () => {
    const sub = 'd36f-dev-b2@tessaly.example';
    const login = await twoDays(sub, team('catalog'));
    await routine(login, TUE + 3 * H, headlamp('catalog'), chrome);
    const res = await send(login, TUE + 7 * H, 'GET', '/clusters/main/api/v1/namespaces/catalog-prod/pods', { ...chrome, source: BERLIN_ATTACKER });
    expect(reasonOf(res), rules(res)).toBe('auth_too_old');
    expect(contextOf(res)).toBe('new_network');
  });

  // Stopped at request 1 (every seed both ways): the traveller's refresh token, refreshed from a
  // cloud VM in the Madrid region (the same sign-in: `sid` and `auth_time` the traveller's) while the
  // traveller works at the customer's guest network, proven that afternoon.
  it("a refresh token copied at the hotel and refreshed from a cloud VM in the same region is asked", async () => {
    const sub = 'd36f-se-1@tessaly.example';
    await twoDays(sub, team('payments'));
    // The customer's guest network: asked once, then signed in there (after its first sighting).
    const guest = await send(signIn(sub, TUE + 2.5 * H), TUE + 2.5 * H + 60_000, 'GET', '/api/v1/namespaces/payments-prod/pods?limit=500', { source: CUSTOMER_GUEST });
    expect(contextOf(guest)).toBe('new_network');
    const there = signIn(sub, TUE + 2.5 * H + 90_000);
    await routine(there, TUE + 2.5 * H + 2 * 60_000, team('payments'), { source: CUSTOMER_GUEST });
    const res = await send(there, TUE + 7.5 * H, 'GET', '/api/v1/namespaces/payments-prod/pods?limit=500', { source: MADRID_VM });
    expect(reasonOf(res), rules(res)).toBe('auth_too_old');
    expect(contextOf(res)).toBe('new_network');
  });

  // Routine friction (every seed with the warm-up day): the traveller's own fresh sign-in at the
  // hotel is asked at its first request there, a minute later: a sign-in made before a network's
  // first sighting does not prove it (what stops an AiTM-relayed sign-in, day 35), so the first
  // sitting on a new network costs two sign-ins in a row.
  it("the traveller's own fresh sign-in at the hotel is asked once more at its first request there", async () => {
    const sub = 'd36f-se-2@tessaly.example';
    await twoDays(sub, team('payments'));
    const fresh = signIn(sub, TUE + 2.5 * H - 40_000);
    const res = await send(fresh, TUE + 2.5 * H, 'GET', '/api/v1/namespaces/payments-prod/pods?limit=500', { source: HOTEL });
    expect(reasonOf(res), rules(res)).toBe('auth_too_old');
    expect(contextOf(res)).toBe('new_network');
  });

  // Routine (every seed both ways, never asked): the replacement laptop (a newer kubectl build, a
  // fresh sign-in on it, the same account and office) asks nothing: the sign-in is after the new
  // device's first sighting.
  it('a replacement laptop with its own fresh sign-in asks nothing', async () => {
    const sub = 'd36f-dev-b1@tessaly.example';
    await twoDays(sub, team('checkout'));
    const fresh = signIn(sub, TUE + 3.75 * H);
    const res = await routine(fresh, TUE + 3.75 * H, team('checkout'), { ua: NEW_LAPTOP_KUBECTL });
    expect(res).toBeGreaterThan(TUE);
  });

  // Stopped at request 2 (every seed with the warm-up day; 3 of 5 without it): the teammate's
  // unlocked laptop on the new hire's desk, the teammate's kubectl, token and office address: the
  // first Secret outside the teammate's namespaces is unfamiliar_namespace.
  it("a teammate's open terminal reading another team's production Secret is asked", async () => {
    const sub = 'd36f-dev-b3@tessaly.example';
    const login = await twoDays(sub, team('catalog'));
    const pods = await send(login, TUE + 7.6 * H, 'GET', '/api/v1/namespaces/payments-prod/pods?limit=500');
    expect(reasonOf(pods), rules(pods)).toBe('allowed');
    const res = await send(login, TUE + 7.6 * H + 25_000, 'GET', '/api/v1/namespaces/payments-prod/secrets/payments-api-db');
    expect(reasonOf(res), rules(res)).toBe('auth_too_old');
    expect(contextOf(res)).toBe('unfamiliar_namespace');
  });

  // Stopped at request 2 (every seed both ways): a CI runner's deployer token listing Secrets, its
  // own staging namespace's first, is refused (automation_step_up): a service account cannot answer.
  it("a compromised CI runner's token is refused at its first Secret list", async () => {
    const ci: Login = { sub: 'system:serviceaccount:ci:d36f-deployer', sid: '', authTime: undefined, acr: 'urn:stepgate:aal1', serviceAccount: true };
    const res = await send(ci, TUE + 4 * H, 'GET', '/api/v1/namespaces/checkout-staging/secrets?limit=500', { source: RUNNER(1), ua: 'kubectl/v1.31.4 (linux/amd64) kubernetes/a78aa47' });
    expect(reasonOf(res), rules(res)).toBe('automation_step_up');
  });

  // Open (every seed both ways: asked at most, which an insider answers): the Pune on-call, who
  // reads each team's database Secret by name in their rotation, lists every production
  // namespace's Secrets at 90-s intervals across the handover, from their own laptop, network and
  // sign-in: namespaces, kind and pace are their own, and nothing in the example refuses outright.
  // Session 46 (exfiltration from a known context) left it: no exec carries it (`database_copy`
  // reads commands), four lists at 90 s stay under sensitive_objects (6 in 120 s) and
  // namespace_spread (8 in 600 s), and anything that asks is answered by the insider: only a deny
  // on distinct namespaces' whole-Secret lists within minutes would hold, not built or priced.
  it.fails("the on-call's export of every production namespace's Secrets across the handover is refused", async () => {
    const sub = 'd36f-oc-p@tessaly.example';
    const rotation: Step[] = ['checkout', 'catalog', 'search', 'payments'].flatMap((t): Step[] => [
      ['GET', `/api/v1/namespaces/${t}-prod/pods?limit=500`],
      ['GET', `/api/v1/namespaces/${t}-prod/configmaps?limit=500`],
      ['GET', `/api/v1/namespaces/${t}-prod/secrets/${t}-api-db`],
    ]);
    const login = await twoDays(sub, rotation, { source: OFFICE.pune(0), ua: KUBECTL('linux/amd64') });
    let refused = false;
    for (const [k, t] of ['checkout', 'catalog', 'search', 'payments'].entries()) {
      const res = await send(login, TUE + 2.25 * H + k * 90_000, 'GET', `/api/v1/namespaces/${t}-prod/secrets?limit=500`, { source: OFFICE.pune(0), ua: KUBECTL('linux/amd64') });
      if (reasonOf(res) !== 'allowed') refused = true;
    }
    expect(refused).toBe(true);
  });

  // The same redefinition an hour after the sign-in is asked (argocd-app-changes: two factors
  // within 15 minutes), which the dependency cannot answer: what the open finding below waits out.
  it('a production Argo CD application redefined an hour after the sign-in is asked (argocd-app-changes)', async () => {
    const sub = 'd36f-rel-c@tessaly.example';
    const login = await twoDays(sub, [['GET', '/api/v1/applications/checkout-prod?appNamespace=argocd']], { host: ARGOCD, ua: RELEASE_TRAIN });
    const res = await send(login, TUE + H, 'PUT', '/api/v1/applications/checkout-prod/spec?appNamespace=argocd', { host: ARGOCD, ua: RELEASE_TRAIN, body: JSON.stringify({ project: 'shop', source: { kustomize: { images: [`checkout-api=${ROGUE_IMAGE}`] } } }) });
    expect(reasonOf(res), rules(res)).toBe('auth_too_old');
    expect(rules(res)).toContain('argocd-app-changes');
  });

  // Was open until session 50: a compromised dependency of the release CLI waits for a sign-in
  // under 15 minutes old (argocd-app-changes' max_age), then redefines checkout's production
  // application with a kustomize image from an unlisted registry. On the example (no registries
  // listed, by design: docs/risk.md "Session 34: rows closed") only the path rule judges it, which
  // the fresh sign-in meets; on the day's site copy (the last describe) it is asked a hardware key.
});

// The same push where the site lists its registries (guardrails.allowed_registries; the example
// lists none, so the open finding above stays open there): the Application's kustomize images are
// read beside its path rule (rules/gitops-images.ts). With the list alone, image_registry_not_allowed
// asks what it asks of any workload (elevated: two factors within 15 minutes), which the
// dependency's fresh sign-in meets; a site whose releases never name another registry holds it to
// a hardware key (its effect at aal3, what no waiting dependency can answer), and then the push is
// asked. The same redefinition with the company's registry stays what it is today either way.
const LIST = 'guardrails:\n  allowed_registries: [registry.tessaly.example, docker.io/library]\n';
const train: Step[] = [
  ['GET', '/api/v1/applications/checkout-prod?appNamespace=argocd'],
  ['POST', '/api/v1/applications/checkout-prod/sync', JSON.stringify({ appNamespace: 'argocd', prune: false, dryRun: false })],
];
const appSpec = (image: string) => ({ project: 'shop', destination: { server: 'https://kubernetes.default.svc', namespace: 'checkout-prod' }, source: { repoURL: 'https://git.tessaly.example/shop/deploy.git', path: 'checkout/overlays/prod', targetRevision: 'main', kustomize: { images: [`checkout-api=${image}`] } }, syncPolicy: {} });
const OWN_IMAGE = 'registry.tessaly.example/checkout/checkout-api:7.14.2';

describe('the same company with its registries listed (guardrails.allowed_registries)', () => {
  const s = exampleServiceForFile({ edit: (yaml) => yaml.replace(/^guardrails:\n/m, LIST) });
  const { send, twoDays } = findingRequests(s, { host: API, source: BERLIN, ua: MAC_KUBECTL, firstDay: MON, secondDay: TUE });
  const push = async (sub: string, image: string) => {
    await twoDays(sub, train, { host: ARGOCD, ua: RELEASE_TRAIN });
    return send(signIn(sub, TUE + 6 * H), TUE + 6 * H + 60_000, 'PUT', '/api/v1/applications/checkout-prod/spec?appNamespace=argocd', { host: ARGOCD, ua: RELEASE_TRAIN, body: JSON.stringify(appSpec(image)) });
  };

  // The guardrail names the push; its elevated effect is met by the fresh two-factor sign-in.
  it("day 36's redefinition with an unlisted registry is named by image_registry_not_allowed", async () => {
    const res = await push('d36f-rel-reg-a@tessaly.example', ROGUE_IMAGE);
    expect(rules(res)).toContain('guardrail:image_registry_not_allowed');
  });

  it("the same redefinition with the company's registry is allowed, as it is today", async () => {
    const res = await push('d36f-rel-reg-b@tessaly.example', OWN_IMAGE);
    expect(reasonOf(res), rules(res)).toBe('allowed');
    expect(rules(res)).not.toContain('guardrail:image_registry_not_allowed');
  });
});

// The day's site copy (workday36.ts SITE, session 50; the day matrix replays day 36 on it): the
// company's registries listed and image_registry_not_allowed held to a hardware key within 5
// minutes, as docs/guardrails.md writes it for a company whose releases never name another registry.
describe("the company's site copy: its registries listed and held to a hardware key", () => {
  const s = exampleServiceForFile({ edit: SITE });
  const { send, twoDays } = findingRequests(s, { host: API, source: BERLIN, ua: MAC_KUBECTL, firstDay: MON, secondDay: TUE });
  const push = async (sub: string, image: string) => {
    await twoDays(sub, train, { host: ARGOCD, ua: RELEASE_TRAIN });
    return send(signIn(sub, TUE + 6 * H), TUE + 6 * H + 60_000, 'PUT', '/api/v1/applications/checkout-prod/spec?appNamespace=argocd', { host: ARGOCD, ua: RELEASE_TRAIN, body: JSON.stringify(appSpec(image)) });
  };

  // The row open on the example until session 50 (above): the dependency's fresh two-factor
  // sign-in cannot answer the hardware key.
  it("a production Argo CD application redefined with an image from an unlisted registry, a minute after the sign-in, is refused", async () => {
    const res = await push('d36f-rel-key-a@tessaly.example', ROGUE_IMAGE);
    expect(reasonOf(res), rules(res)).not.toBe('allowed');
    expect(rules(res)).toContain('guardrail:image_registry_not_allowed');
  });

  it("the same redefinition with the company's registry is allowed, as it is today", async () => {
    const res = await push('d36f-rel-key-b@tessaly.example', OWN_IMAGE);
    expect(reasonOf(res), rules(res)).toBe('allowed');
  });
});
