import { describe, expect, it } from 'vitest';
import { reasonOf } from '../support/grpc-client.js';
import { exampleServiceForFile } from '../support/workday-service.js';
import { findingRequests, rules, type Step } from '../support/findings.js';
import type { Login } from '../support/workday.js';
import { API, EDI_OFFICE, KUBECTL, SITE, VENDOR_NET, cpOut } from '../support/workday19.js';

/**
 * What the nineteenth replayed day (test/support/workday19.ts, docs/risk.md "Day 19") found,
 * through the real gRPC server running the site's copy of the example (`SITE`: the EHR vendor's
 * access package's hours as an outside_hours rule) on a virtual clock: a passwordless
 * healthcare company whose every sign-in is a passkey or a security key. The attacks a passkey
 * world leaves (stolen token caches and cookies, device-code phishing, illicit consent) are
 * stopped at their first request by the network they come from; what is open is what a real
 * aal3 sign-in, or the victim's own network and session, carries past every rule. Each open
 * finding is an `it.fails` that asserts the safe outcome and says why the request cannot show it.
 */

const s = exampleServiceForFile({ edit: SITE });
const MON = Date.UTC(2026, 8, 14, 9, 0, 0);
const TUE = Date.UTC(2026, 8, 15, 9, 0, 0);
const H = 3_600_000;
const MAC_KUBECTL = KUBECTL('darwin/arm64');

const { send, routine } = findingRequests(s, { host: API, source: EDI_OFFICE, ua: MAC_KUBECTL, firstDay: MON, secondDay: TUE });

/** A passkey sign-in as the example's levels accept it (the test issuer adds amr hwk, mfa). */
const passkey = (sub: string, at: number, claims?: Login['claims']): Login => ({ sub, sid: `${sub}:${at}`, authTime: Math.floor(at / 1000), acr: 'urn:stepgate:aal3', ...(claims ? { claims } : {}) });

/** Two days of work, each after its morning passkey sign-in; the second day's login. */
async function twoDays(sub: string, steps: Step[], o: { source?: string; ua?: string } = {}, claims?: Login['claims']): Promise<Login> {
  await routine(passkey(sub, MON - 40_000, claims), MON, steps, o);
  const login = passkey(sub, TUE - 40_000, claims);
  await routine(login, TUE, steps, o);
  return login;
}

/** The data team's day: the ETL's jobs and logs, `psql` through exec in the warehouse's database pod. */
const dataDay: Step[] = [
  ['GET', '/apis/batch/v1/namespaces/phi-etl/jobs?limit=500'],
  ['GET', '/api/v1/namespaces/phi-etl/pods/nightly-extract-29300417-4hx2q/log?container=extract&tailLines=500'],
  ['GET', '/api/v1/namespaces/phi-warehouse/pods/postgres-0'],
  ['GET', '/api/v1/namespaces/phi-warehouse/pods/postgres-0/exec?command=psql&command=-U&command=analyst&command=warehouse&container=postgres&stdin=true&stdout=true&tty=true'],
  ['GET', '/api/v1/namespaces/phi-warehouse/configmaps/etl-settings'],
];

/** A developer's day: the team's pods and logs, staging's Secret, production's pods. */
const devDay: Step[] = [
  ['GET', '/api/v1/namespaces/team-billing/pods?limit=500'],
  ['GET', '/api/v1/namespaces/staging-billing/secrets/claims-api-env'],
  ['GET', '/api/v1/namespaces/prod-billing/pods?limit=500'],
  ['GET', '/api/v1/namespaces/prod-billing/pods/claims-api-5c8f7d9q2lx/log?container=claims-api&tailLines=200'],
];

describe('a passwordless healthcare company, with examples/stepgate.yaml', () => {
  // Measured, not a wrong allow: Entra ID puts `acr: "1"` and `amr: ["fido","mfa"]` in the token
  // of a passkey sign-in (no `hwk`: Entra's amr names the method, not RFC 8176's key kinds). The
  // example's aal3 asks acr urn:stepgate:aal3 or "3", or amr hwk and mfa together, so a company
  // on Entra ID never reaches aal3 through its own passkeys, and every aal3 rule is a challenge its
  // identity provider cannot answer. NIST SP 800-63B-4 counts a synced passkey at AAL2, which is
  // the level the example gives it; a device-bound key behind Entra is not told apart in the claims.
  it('an Entra ID passkey sign-in (acr "1", amr fido and mfa) is aal2 to the example: a RoleBinding asks for more at once', async () => {
    const entra = { acr: '1', amr: ['fido', 'mfa'] };
    const sub = 'd19f-lead@caredock.example';
    await twoDays(sub, devDay, {}, entra);
    const t = TUE + 2 * H;
    const fresh = passkey(sub, t - 30_000, entra);
    const body = JSON.stringify({ apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'RoleBinding', metadata: { name: 'dev-9-edit', namespace: 'team-billing' }, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'edit' }, subjects: [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'User', name: 'd19-dev-9@caredock.example' }] });
    const res = await send(fresh, t, 'POST', '/apis/rbac.authorization.k8s.io/v1/namespaces/team-billing/rolebindings', { body });
    expect(reasonOf(res), rules(res)).toBe('acr_insufficient');
    // The same sign-in with Okta's security-key claims (amr hwk, mfa) is aal3.
    const okta = passkey('d19f-lead2@caredock.example', t - 30_000, { acr: 'urn:okta:loa:2fa:any', amr: ['hwk', 'mfa'] });
    await twoDays('d19f-lead2@caredock.example', devDay, {}, okta.claims);
    const ok = await send(okta, t, 'POST', '/apis/rbac.authorization.k8s.io/v1/namespaces/team-billing/rolebindings', { body });
    expect(reasonOf(ok), rules(ok)).toBe('allowed');
  });

  // Open: the victim's personal Apple account is taken over and the iCloud Keychain passkey syncs
  // to the attacker's Mac, which signs in for real: a new session, acr aal3, seconds old. The
  // first request from the new network is challenged (new_network), and the attacker answers it
  // with the same passkey; a step-up asks for the factor the attacker now holds. Nothing after
  // the sign-in is refused: a production Secret, the warehouse's credentials, a year-long
  // ServiceAccount token for a controller in kube-system. Only a deny stops someone who can sign
  // in; the example denies on rules (rbac-writes, cluster-control) when the risk is high, not on a
  // Secret read from a new country at night. Device-bound keys (attestation, no sync) or an
  // identity provider that refuses a passkey's first use on a new device are what stop it.
  it.fails("a synced passkey's real sign-in on the attacker's Mac abroad is refused, not just asked", async () => {
    const sub = 'd19f-sre@caredock.example';
    await twoDays(sub, devDay);
    const t = TUE + 10.7 * H;
    const attacker = { source: '102.89.34.116', ua: KUBECTL('darwin/arm64', 'v1.34.1', 'c6e3f5a') };
    const first = await send(passkey(sub, t - 30_000), t, 'GET', '/api/v1/namespaces/prod-billing/pods?limit=500', attacker);
    // Signs in again on the challenge with the same synced passkey, and goes on.
    const again = passkey(sub, t + 20_000);
    const secret = await send(again, t + 40_000, 'GET', '/api/v1/namespaces/phi-warehouse/secrets/warehouse-credentials', attacker);
    const token = await send(again, t + 60_000, 'POST', '/api/v1/namespaces/kube-system/serviceaccounts/generic-garbage-collector/token', {
      ...attacker,
      body: JSON.stringify({ kind: 'TokenRequest', apiVersion: 'authentication.k8s.io/v1', spec: { audiences: ['https://kubernetes.default.svc.cluster.local'], expirationSeconds: 31_536_000 } }),
    });
    expect(reasonOf(first), rules(first)).not.toBe('allowed');
    expect([reasonOf(secret), reasonOf(token)], `${rules(secret)} | ${rules(token)}`).not.toEqual(['allowed', 'allowed']);
  });

  // Was open (closed in session 32, with a day of history): a data-team insider's `kubectl cp` of
  // the warehouse's export directory out of the database pod, on their own laptop and network,
  // within their passkey sign-in's 8 hours. The data team execs `psql` into that pod every day, so
  // an exec there is routine (pod-shell's freshness is the sign-in's); `kubectl cp` is an exec of
  // `tar cf - …`, which unfamiliar_kind's `pod_copy` now tells from a shell: this identity never
  // copied, so a sign-in after the copy's first sighting is asked (since session 46 the kind is
  // `database_copy`, the copy reaching /var/lib/postgresql, postgres' data directory). An insider answers it; the
  // outsider with the insider's token (infostealer) cannot. A copy-out is also how engineers fetch
  // heap dumps: one who does is asked once, at their first.
  it("`kubectl cp` out of a PHI database pod by a data engineer who runs psql there daily asks a fresh sign-in", async () => {
    const login = await twoDays('d19f-data@caredock.example', dataDay);
    const res = await send(login, TUE + 6 * H, 'GET', cpOut('phi-warehouse', 'postgres-0', '/var/lib/postgresql/export', 'postgres'));
    expect(reasonOf(res), rules(res)).toBe('auth_too_old');
    // The answer says why: the copy is what this identity never did.
    expect(JSON.stringify(res)).toContain("you have not dumped a database or copied a database's files out of a pod before");
  });

  // Closed in session 49 by the site's copy (fresh server, refused at request 1): the vendor's
  // support engineer, an Entra ID B2B guest (aal2 to the example), 40 minutes after their access
  // package ended at 16:00: the support desk's kubelogin cache still refreshes, and someone at the
  // desk reads the integration's Secret. The package's end is in the identity provider, not in the
  // token, and on a freshly started server nothing else differs (the vendor's network, client and
  // session, a Secret read within the sign-in's 8 hours; with a day of history unfamiliar_kind
  // asks). The site writes the package's hours as the example's vendor-support-hours is written
  // (ehr-vendor-access-package: outside 12:30-16:30 UTC on weekdays, deny), which refuses it.
  it("the vendor's token after its access window reads no Secret on a fresh server", async () => {
    const entra = { acr: '1', amr: ['fido', 'mfa'] };
    const sub = 'd19f-vendor@ehrvendor.example';
    const o = { source: VENDOR_NET, ua: KUBECTL('windows/amd64', 'v1.31.9') };
    const t0 = TUE + 4 * H; // 13:00 UTC
    const login = passkey(sub, t0 - 40_000, entra);
    await routine(login, t0, [
      ['GET', '/api/v1/namespaces/prod-ehr-sync/pods?limit=500'],
      ['GET', '/api/v1/namespaces/prod-ehr-sync/pods/ehr-sync-worker-5c8f7d9q2lx/log?container=ehr-sync-worker&tailLines=500'],
      ['GET', '/api/v1/namespaces/prod-ehr-sync/configmaps/hl7-endpoints'],
    ], o);
    const res = await send(login, TUE + 7.66 * H, 'GET', '/api/v1/namespaces/prod-ehr-sync/secrets/hl7-mllp-credentials', o);
    expect(reasonOf(res), rules(res)).toBe('policy_deny');
    expect(rules(res)).toContain('ehr-vendor-access-package');
  });

  // Open: an illicit-consent app ("Rota Sync") the developer consented to asks the identity
  // provider for the Kubernetes API's scope with its refresh token, and gets a token for the
  // API's audience issued to its own client (`azp`), carrying the victim's session and sign-in.
  // From a cloud host it is a new network (request 1, every seed); relayed through the victim's
  // own network (the app's browser extension, or a home proxy) nothing differs but `azp`. The
  // example cannot know the identity provider's client ids, so it lists none; with
  // issuers[].authorized_parties set (the next describe) it is refused whatever the network.
  it.fails("a token issued to another client (azp) is refused even from the victim's own network", async () => {
    const sub = 'd19f-dev@caredock.example';
    const login = await twoDays(sub, devDay);
    const consent: Login = { ...login, claims: { azp: 'c0ffee42-rota-sync-app' } };
    const res = await send(consent, TUE + 2 * H, 'GET', '/api/v1/namespaces/staging-billing/secrets/claims-api-env');
    expect(reasonOf(res), rules(res)).not.toBe('allowed');
  });
});

describe("the same consent app's token with the issuer's clients listed (issuers[].authorized_parties)", () => {
  // The test issuer's tokens for kubectl carry the one audience `kubernetes` and no azp, so that
  // audience is kubectl's client here; the consent app's token names its own client in azp.
  const listed = exampleServiceForFile({ edit: (yaml) => yaml.replace('    fetch_timeout_ms: 20000\n    audiences: [kubernetes, stepgate]\n', '    fetch_timeout_ms: 20000\n    audiences: [kubernetes, stepgate]\n    authorized_parties: [kubernetes]\n') });
  const r = findingRequests(listed, { host: API, source: EDI_OFFICE, ua: MAC_KUBECTL, firstDay: MON, secondDay: TUE });

  it("is refused from the victim's own network with client_not_allowed; the developer's own token is not", async () => {
    const sub = 'd19f-dev-b@caredock.example';
    await r.routine(passkey(sub, MON - 40_000), MON, devDay, {});
    const login = passkey(sub, TUE - 40_000);
    await r.routine(login, TUE, devDay, {});
    const consent = await r.send({ ...login, claims: { azp: 'c0ffee42-rota-sync-app' } }, TUE + 2 * H, 'GET', '/api/v1/namespaces/staging-billing/secrets/claims-api-env');
    expect(reasonOf(consent)).toBe('client_not_allowed');
    const own = await r.send(login, TUE + 2 * H + 60_000, 'GET', '/api/v1/namespaces/staging-billing/pods?limit=500');
    expect(reasonOf(own), rules(own)).toBe('allowed');
  });
});
