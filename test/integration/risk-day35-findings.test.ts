import { describe, expect, it } from 'vitest';
import { deniedBody, reasonOf, type CheckResponse, riskContextOf as contextOf } from '../support/grpc-client.js';
import { exampleServiceForFile } from '../support/workday-service.js';
import { findingRequests, rules, signIn, type Step } from '../support/findings.js';
import type { Login } from '../support/workday.js';
import { API, CONSULTANT, IR_EGRESS, KUBECTL, LOOKALIKE, LOOKALIKE_NET, OFFICE, PHISH_VPS, phrSignIn, RESI_PROXY, RUNBOOK_ENV, RUNBOOK_SITE, STEALER_VPS, VPN } from '../support/workday35.js';

/**
 * What the thirty-fifth replayed day (test/support/workday35.ts, docs/risk.md "Day 35") found,
 * through the real gRPC server running the example as shipped on a virtual clock: a company during
 * a security incident of its own (an infostealer on a laptop, the IdP revoking every session at
 * 10:00, its authentication policy tightened at 12:30 to phishing-resistant factors with a new
 * `acr`, `phr`). Each test is one person's routine on two days, then the finding, with their
 * sign-in of that moment. The open ones are `it.fails`, each with a one-line why.
 */

const [MON, TUE] = [13, 14].map((d) => Date.UTC(2027, 11, d, 8, 0, 0)) as [number, number];
const H = 3_600_000;
const M = 60_000;
const HOME = '80.166.25.41';
const PLAT1_HOME = '93.176.88.14';

/** A team's routine: production's pods, staging's and production's database Secrets, a log. */
const team = (t: string): Step[] => [
  ['GET', `/api/v1/namespaces/${t}-prod/pods?limit=500`],
  ['GET', `/api/v1/namespaces/${t}-staging/secrets/${t}-api-db`],
  ['GET', `/api/v1/namespaces/${t}-prod/secrets/${t}-api-db`],
  ['GET', `/api/v1/namespaces/${t}-prod/pods/${t}-api-0/log?container=api&tailLines=300`],
];

describe('a company during its own security incident, with the example as shipped', () => {
  const s = exampleServiceForFile();
  const { send, routine, twoDays } = findingRequests(s, { host: API, source: HOME, ua: KUBECTL, firstDay: MON, secondDay: TUE });

  // Stopped at request 1 (every seed both ways): the infostealer's copy of the morning token from
  // the operator's VPS, before the isolation.
  it("the infostealer's copy of a token, from the operator's VPS, is bound to a sign-in", async () => {
    const sub = 'd35f-dev-3a@skarv.example';
    const login = await twoDays(sub, team('portal'), { source: VPN(0) });
    const res = await send(login, TUE + 1.1 * H, 'GET', '/api/v1/namespaces/portal-prod/pods?limit=500', { source: STEALER_VPS });
    expect(reasonOf(res), rules(res)).toBe('auth_too_old');
    expect(contextOf(res)).toBe('new_network');
  });

  // Stopped at request 2 (every seed both ways): through the SOCKS proxy on the laptop (its VPN
  // address, its kubectl, its token), the external-secrets operator's cloud credentials.
  it("the infostealer's proxy on the laptop is asked at a namespace the engineer never worked in", async () => {
    const sub = 'd35f-dev-3b@skarv.example';
    const login = await twoDays(sub, team('portal'), { source: VPN(0) });
    const own = await send(login, TUE + 1.1 * H, 'GET', '/api/v1/namespaces/portal-prod/secrets/portal-api-db', { source: VPN(0) });
    expect(reasonOf(own), rules(own)).toBe('allowed');
    const res = await send(login, TUE + 1.1 * H + 20_000, 'GET', '/api/v1/namespaces/external-secrets/secrets/aws-secretsmanager', { source: VPN(0) });
    expect(reasonOf(res), rules(res)).toBe('auth_too_old');
    expect(contextOf(res)).toBe('unfamiliar_namespace');
  });

  // Stopped at request 1 (every seed both ways): the "re-enrol after the rotation" page relays a
  // fresh two-factor sign-in; its first use is the phisher's, from their VPS, and a sign-in made
  // before a network's first sighting does not prove it.
  it("an adversary-in-the-middle's relayed fresh sign-in is asked from the phisher's network", async () => {
    const sub = 'd35f-dev-5@skarv.example';
    await twoDays(sub, team('billing'));
    const phished = signIn(sub, TUE + 2.05 * H);
    const res = await send(phished, TUE + 2.15 * H, 'GET', '/api/v1/namespaces/billing-prod/pods?limit=500', { source: PHISH_VPS });
    expect(reasonOf(res), rules(res)).toBe('auth_too_old');
    expect(contextOf(res)).toBe('new_network');
  });

  // The 12:30 policy's new `acr` ("phr", not listed in the example's levels) costs nothing: the
  // levels are reached by `amr` too, a hardware key's [hwk, mfa] at aal3 and a synced passkey's
  // [swk, mfa, user] at aal2. Refused at request 1 (every seed both ways, never signed in past):
  // a Temporary Access Pass for a caller posing as dev-4 is two factors where dev-4 has shown a
  // hardware key since 12:30 (assurance_downgrade), which the pass can never answer.
  it("the new policy's acr is read by its amr, and a Temporary Access Pass after the engineer's hardware key is a downgrade", async () => {
    const sub = 'd35f-dev-4@skarv.example';
    await twoDays(sub, team('billing'));
    const key = phrSignIn(sub, `${sub}:phr`, TUE + 4.5 * H, true);
    await routine(key, TUE + 4.5 * H + 30_000, team('billing'), {});
    const passkey = phrSignIn('d35f-dev-6@skarv.example', 'd35f-dev-6:phr', TUE + 4.5 * H, false);
    const p = await send(passkey, TUE + 4.5 * H + 30_000, 'GET', '/api/v1/namespaces/models-prod/pods?limit=500');
    expect(reasonOf(p), rules(p)).toBe('allowed');
    const tap: Login = { sub, sid: `tap:${sub}`, authTime: Math.floor((TUE + 5.33 * H) / 1000), acr: 'urn:stepgate:aal2', claims: { acr: 'phr', amr: ['mfa'] } };
    const res = await send(tap, TUE + 5.35 * H, 'GET', '/api/v1/namespaces/billing-prod/pods?limit=500', { source: RESI_PROXY });
    expect(reasonOf(res), rules(res)).toBe('acr_insufficient');
    expect(contextOf(res)).toBe('assurance_downgrade');
  });

  // Routine: the incident-response firm's consultants (guest accounts stepgate has never seen) sweep
  // the cluster from their firm's egress, every namespace's Secrets included, with their own fresh
  // sign-in: a newcomer has nothing to depart from, and nothing is asked.
  it("the IR consultants' cluster-wide sweep, Secrets included, asks nothing", async () => {
    const sub = CONSULTANT(9);
    const fresh = signIn(sub, TUE + 2.5 * H);
    const t = await routine(fresh, TUE + 2.5 * H + 30_000, [['GET', '/api/v1/pods?limit=500'], ['GET', '/apis/rbac.authorization.k8s.io/v1/clusterrolebindings?limit=500']], { source: IR_EGRESS });
    const res = await send(fresh, t + 50_000, 'GET', '/api/v1/secrets?limit=500', { source: IR_EGRESS });
    expect(reasonOf(res), rules(res)).toBe('allowed');
  });

  // Open (every seed both ways, never asked): a guest invited in the rush to a look-alike of the IR
  // firm's domain reads every Secret of the cluster, then the cloud credentials, with its own fresh
  // two factors from its own network: a newcomer is whoever the IdP admits, and stepgate cannot tell
  // this guest from the consultants, who do the same.
  it.fails("a look-alike guest's first read of every Secret in the cluster is asked", async () => {
    const guest = signIn(LOOKALIKE, TUE + 3.6 * H);
    const t = await routine(guest, TUE + 3.67 * H, [['GET', '/api/v1/pods?limit=500'], ['GET', '/apis/rbac.authorization.k8s.io/v1/clusterrolebindings?limit=500']], { source: LOOKALIKE_NET });
    const res = await send(guest, t + 40_000, 'GET', '/api/v1/secrets?limit=500', { source: LOOKALIKE_NET });
    expect(reasonOf(res), rules(res)).not.toBe('allowed');
  });

  // Open (every seed both ways: stopped only at request 4, billing's Secret): the token of a session
  // the IdP revoked at 10:00, through the VPN configuration the infostealer took, reads the victim's
  // own team's production Secret unasked: the example has no `incident` section (no `stepgate
  // revoke`, no Shared Signals receiver for the IdP's session-revoked), and the VPN is the victim's
  // own network.
  it.fails("a token of a session the IdP revoked, from the victim's own VPN egress, is refused", async () => {
    const sub = 'd35f-dev-3c@skarv.example';
    const login = await twoDays(sub, team('portal'), { source: VPN(0) });
    const res = await send(login, TUE + 2.67 * H, 'GET', '/api/v1/namespaces/portal-prod/secrets/portal-api-db', { source: VPN(1) });
    expect(reasonOf(res), rules(res)).not.toBe('allowed');
  });

  // Open (every seed both ways, never asked): the morning's rotation, a one-off run under the
  // rotation's fresh sign-in (the hour's grace), made the teams' production namespaces plat-1's
  // working set; malware on plat-1's laptop re-reads the new values that afternoon at a person's
  // pace, with plat-1's hardware-key sign-in, from plat-1's home: nothing departs from the day.
  // Session 46 left it: one Secret read by name in the working set has no shape of an export
  // (no exec, no spread, no pace); `database_copy` reads execs only.
  it.fails("malware re-reading the Secrets the platform engineer rotated that morning is asked", async () => {
    const sub = 'd35f-plat-1@skarv.example';
    const office = { source: OFFICE(0) };
    const platform: Step[] = [
      ['GET', '/api/v1/namespaces/monitoring/pods?limit=500'],
      ['GET', '/api/v1/namespaces/monitoring/secrets/monitoring-tls'],
      ['GET', '/api/v1/nodes'],
    ];
    await twoDays(sub, platform, office);
    // plat-1's afternoons are at home (Monday's too): asked there once (a new network), then signed in.
    await send(signIn(sub, MON + 5 * H), MON + 5 * H + 30_000, 'GET', '/api/v1/nodes', { source: PLAT1_HOME });
    await routine(signIn(sub, MON + 5 * H + 60_000), MON + 5 * H + 60_000, platform, { source: PLAT1_HOME });
    const rotated = signIn(sub, TUE + 2.25 * H - 40_000);
    const rotation: Step[] = ['ingest', 'models', 'portal', 'billing'].flatMap((t): Step[] => [
      ['GET', `/api/v1/namespaces/${t}-prod/secrets/${t}-api-db`],
      ['PUT', `/api/v1/namespaces/${t}-prod/secrets/${t}-api-db?fieldManager=kubectl-replace`, JSON.stringify({ apiVersion: 'v1', kind: 'Secret', metadata: { name: `${t}-api-db`, namespace: `${t}-prod` }, data: { password: 'cm90YXRlZA==' } })],
    ]);
    await routine(rotated, TUE + 2.25 * H, rotation, office);
    const key = phrSignIn(sub, `${sub}:phr`, TUE + 4.6 * H, true);
    await routine(key, TUE + 4.6 * H + 30_000, platform, { source: PLAT1_HOME });
    const res = await send(key, TUE + 6.5 * H, 'GET', '/api/v1/namespaces/billing-prod/secrets/billing-api-db', { source: PLAT1_HOME });
    expect(reasonOf(res), rules(res)).not.toBe('allowed');
  });
});

describe("plat-2's step-up that the rotation's sign-in takes away", () => {
  const s = exampleServiceForFile();
  const { send, twoDays } = findingRequests(s, { host: API, source: OFFICE(1), ua: KUBECTL, firstDay: MON, secondDay: TUE });
  // Routine friction (seeds 331–335 with the warm-up day: plat-2 asked once or twice, twice within
  // 8 hours on 332 and 334): cert-manager's Secrets are the example's `system-secrets` (a hardware
  // key). plat-2 answered with the key in the morning; the IdP's 10:00 revocation replaced that
  // sign-in by the rotation's two-factor one, so the rotation of cert-manager's Route 53
  // credentials at 10:30 asks the key again.
  it("the rotation's two-factor sign-in is asked for the hardware key at cert-manager's credentials", async () => {
    const sub = 'd35f-plat-2@skarv.example';
    await twoDays(sub, [['GET', '/api/v1/namespaces/monitoring/pods?limit=500'], ['GET', '/api/v1/namespaces/cert-manager/pods?limit=500'], ['GET', '/api/v1/nodes']]);
    const rotated = signIn(sub, TUE + 2 * H);
    const res = await send(rotated, TUE + 2.5 * H, 'GET', '/api/v1/namespaces/cert-manager/secrets/route53-credentials');
    expect(reasonOf(res), rules(res)).toBe('acr_insufficient');
    expect(rules(res)).toContain('system-secrets');
  });
});

describe('the same company following docs/incident-runbook.md (an `incident` section, `stepgate revoke`, the IdP\'s Shared Signals)', () => {
  const s = exampleServiceForFile({ edit: RUNBOOK_SITE, env: RUNBOOK_ENV });
  const { send, twoDays } = findingRequests(s, { host: API, source: HOME, ua: KUBECTL, firstDay: MON, secondDay: TUE });
  const revokeSubject = (subject: string, at: number) => s.runAdmin({ at, revoke: { kind: 'subject', subject }, reason: 'INC-35' });

  // Refused at request 1 (day 35r, every seed both ways): the on-call revokes dev-3 when the EDR
  // isolates the laptop; the stolen token, through the stolen VPN configuration, is refused.
  it("the on-call's revocation at the isolation refuses the stolen token from the victim's own VPN egress", async () => {
    const sub = 'd35r-dev-3@skarv.example';
    const login = await twoDays(sub, team('portal'), { source: VPN(0) });
    s.setClock(TUE + 1.35 * H);
    await revokeSubject(sub, TUE + 1.35 * H);
    const res = await send(login, TUE + 2.67 * H, 'GET', '/api/v1/namespaces/portal-prod/secrets/portal-api-db', { source: VPN(1) });
    expect(reasonOf(res), rules(res)).toBe('credential_revoked');
  });

  // Asked (was open in day 35r: not asked on seed 331 both ways, where the phisher's request was
  // dev-5's first after the revocation): `revoke subject` forgets what the engine learnt of the
  // subject, so the next sign-in looked like a newcomer's, and a newcomer's sign-in made before a
  // network's first sighting counts as made there. While a subject revocation is on record the
  // subject gets no newcomer allowance (IncidentBoard.subjectRevokedAt): the AiTM-relayed sign-in,
  // made before the phisher's VPS was first seen, does not prove it (session 44).
  it("after a revocation, an AiTM-relayed fresh sign-in used first from the phisher's network is asked", async () => {
    const sub = 'd35r-dev-5@skarv.example';
    await twoDays(sub, team('billing'));
    s.setClock(TUE + 2 * H);
    await revokeSubject(sub, TUE + 2 * H);
    const phished = signIn(sub, TUE + 2.05 * H);
    const res = await send(phished, TUE + 2.15 * H, 'GET', '/api/v1/namespaces/billing-prod/pods?limit=500', { source: PHISH_VPS });
    expect(reasonOf(res), rules(res)).not.toBe('allowed');
  });

  // The runbook's precautionary reset (`revoke subject --keep-history`, every user at 10:00): what
  // was learnt is kept, so the engineer's own fresh sign-in from home asks nothing, and the phisher's
  // relayed one is asked at the VPS as without any revocation (a network never seen, no newcomer).
  it('a precautionary revocation (--keep-history) keeps what was learnt: home passes unasked, the phisher is asked', async () => {
    const own = 'd35r-dev-2@skarv.example';
    await twoDays(own, team('billing'));
    s.setClock(TUE + 2 * H);
    await s.runAdmin({ at: TUE + 2 * H, revoke: { kind: 'subject', subject: own, keepHistory: true }, reason: 'INC-35 IdP session reset' });
    const old = await send(signIn(own, TUE + 1.9 * H), TUE + 2.01 * H, 'GET', '/api/v1/namespaces/billing-prod/pods');
    expect(reasonOf(old), rules(old)).toBe('credential_revoked');
    const fresh = await send(signIn(own, TUE + 2.02 * H), TUE + 2.05 * H, 'GET', '/api/v1/namespaces/billing-prod/secrets/billing-api-db');
    expect(reasonOf(fresh), rules(fresh)).toBe('allowed');
    const victim = 'd35r-dev-7@skarv.example';
    await twoDays(victim, team('billing'));
    s.setClock(TUE + 2 * H);
    await s.runAdmin({ at: TUE + 2 * H, revoke: { kind: 'subject', subject: victim, keepHistory: true }, reason: 'INC-35 IdP session reset' });
    const phished = await send(signIn(victim, TUE + 2.05 * H), TUE + 2.15 * H, 'GET', '/api/v1/namespaces/billing-prod/pods?limit=500', { source: PHISH_VPS });
    expect(reasonOf(phished), rules(phished)).not.toBe('allowed');
  });
});

type Requests = ReturnType<typeof findingRequests>;

/** The subject's two days on the billing team, then the phisher relaying a sign-in made after its VPS's first sighting: proven there. */
async function phisherProves(send: Requests['send'], twoDays: Requests['twoDays'], sub: string): Promise<void> {
  await twoDays(sub, team('billing'));
  const first = await send(signIn(sub, TUE + 1.9 * H), TUE + 1.95 * H, 'GET', '/api/v1/namespaces/billing-prod/pods?limit=500', { source: PHISH_VPS });
  expect(reasonOf(first), rules(first)).not.toBe('allowed');
  const proven = await send(signIn(sub, TUE + 1.96 * H), TUE + 1.97 * H, 'GET', '/api/v1/namespaces/billing-prod/pods?limit=500', { source: PHISH_VPS });
  expect(reasonOf(proven), rules(proven)).toBe('allowed');
}

/**
 * Session 51: the same runbook site whose IdP names one account in any case (`issuers[].subject_case:
 * insensitive` on its issuer), so the risk history of `D35r-Dev-8@Skarv.example` is kept under the
 * lower-case spelling. A revocation typed as the token spells the subject must forget that history
 * too, or what the phisher's network proved before it stays proven after it.
 */
describe('the runbook site with issuers[].subject_case: insensitive', () => {
  const FOLDING = (yaml: string) => {
    const out = RUNBOOK_SITE(yaml).replace(/(\n {2}- issuer: \S+\n)/, '$1    subject_case: insensitive\n');
    if (!out.includes('    subject_case: insensitive\n')) throw new Error('session 51: no first issuer to fold');
    return out;
  };
  const s = exampleServiceForFile({ edit: FOLDING, env: RUNBOOK_ENV });
  const { send, twoDays } = findingRequests(s, { host: API, source: HOME, ua: KUBECTL, firstDay: MON, secondDay: TUE });

  it("a revocation of the subject as the token spells it forgets the lower-case history: the phisher's network proven before it is asked after it", async () => {
    const sub = 'D35r-Dev-8@Skarv.example';
    await phisherProves(send, twoDays, sub);
    s.setClock(TUE + 2 * H);
    await s.runAdmin({ at: TUE + 2 * H, revoke: { kind: 'subject', subject: sub }, reason: 'INC-35' });
    // After the revocation, another relayed sign-in, used from the VPS: the network is forgotten, asked.
    const after = await send(signIn(sub, TUE + 2.05 * H), TUE + 2.15 * H, 'GET', '/api/v1/namespaces/billing-prod/pods?limit=500', { source: PHISH_VPS });
    expect(reasonOf(after), rules(after)).not.toBe('allowed');
  });
});

/**
 * revoke51: the runbook site as it ships (`subject_case: exact`, the default). The on-call types the
 * subject in lower case; the IdP names the account `D35r-Dev-9@Skarv.example`. The revocation
 * refuses tokens in any case (IncidentBoard folds it), and must forget the history learnt under the
 * IdP's spelling too, or the phisher's network proven before it is still proven after it.
 */
describe('the runbook site (subject_case exact): a revocation typed in another case', () => {
  const s = exampleServiceForFile({ edit: RUNBOOK_SITE, env: RUNBOOK_ENV });
  const { send, twoDays } = findingRequests(s, { host: API, source: HOME, ua: KUBECTL, firstDay: MON, secondDay: TUE });

  it("`stepgate revoke subject` in lower case forgets what the IdP's spelling proved: the phisher's network is asked after it", async () => {
    const sub = 'D35r-Dev-9@Skarv.example';
    await phisherProves(send, twoDays, sub);
    s.setClock(TUE + 2 * H);
    await s.runAdmin({ at: TUE + 2 * H, revoke: { kind: 'subject', subject: sub.toLowerCase() }, reason: 'INC-35' });
    const old = await send(signIn(sub, TUE + 1.98 * H), TUE + 2.01 * H, 'GET', '/api/v1/namespaces/billing-prod/pods?limit=500', { source: PHISH_VPS });
    expect(reasonOf(old), rules(old)).toBe('credential_revoked');
    const after = await send(signIn(sub, TUE + 2.05 * H), TUE + 2.15 * H, 'GET', '/api/v1/namespaces/billing-prod/pods?limit=500', { source: PHISH_VPS });
    expect(reasonOf(after), rules(after)).not.toBe('allowed');
  });
});
