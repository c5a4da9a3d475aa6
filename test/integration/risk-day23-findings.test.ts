import { describe, expect, it } from 'vitest';
import { reasonOf } from '../support/grpc-client.js';
import { exampleServiceForFile } from '../support/workday-service.js';
import { findingRequests, rules, type Step } from '../support/findings.js';
import type { Login } from '../support/workday.js';
import { API, BASTION, KUBECTL, nodeDebugPod, ptraceContainer, restore, SITE, SOC_VDI, vaultDeployment } from '../support/workday23.js';

/** A self-signed root made for this row (openssl req -x509, P-256): no CA of the agency's. */
const OTHER_ROOT = `-----BEGIN CERTIFICATE-----\nMIIBhzCCAS2gAwIBAgIUf35b7MuP6w4/crdGRiHFzfGJ4l0wCgYIKoZIzj0EAwIw\nGTEXMBUGA1UEAwwOZXZpbCB0ZXN0IHJvb3QwHhcNMjYxMjA4MDA1ODQ5WhcNMzYx\nMjA1MDA1ODQ5WjAZMRcwFQYDVQQDDA5ldmlsIHRlc3Qgcm9vdDBZMBMGByqGSM49\nAgEGCCqGSM49AwEHA0IABAF3ZcO5M5sJAOmsqhHVc7BpYmWhX8+2EagHlRwKE5SR\nDh6/bEZ3fI2X8AzeWXOQLGQeH3DJKPpHQqKNJACl78OjUzBRMB0GA1UdDgQWBBQa\n2HSxsRGYeYeH/miCClzhwHrTITAfBgNVHSMEGDAWgBQa2HSxsRGYeYeH/miCClzh\nwHrTITAPBgNVHRMBAf8EBTADAQH/MAoGCCqGSM49BAMCA0gAMEUCIQCbtt/afuQb\n6YN3UWT/SETAFRT3o5x67EQ9RtQyOOyYUgIgb/bg8qkclectAUWCu5VZzaAR/X72\n64FUgIYkCebKR+g=\n-----END CERTIFICATE-----\n`;

/**
 * What the twenty-third replayed day (test/support/workday23.ts, docs/risk.md "Day 23") found,
 * through the real gRPC server running the site's copy of examples/stepgate.yaml (SITE: its
 * certificate authorities listed) on a virtual clock: a statistics
 * agency whose cluster is reached only from a shared bastion host (every engineer's kubectl on the
 * jump host: one address, one user agent), PIV smart-card sign-ins for the platform team, a
 * change window at 19:00 Brussels, a SOC reading RBAC and Events all day, Velero, cert-manager and
 * Vault's agent injector. Each test is one person's two days of routine, then the finding, with
 * their sign-in of that moment. The open ones are `it.fails`.
 */

const s = exampleServiceForFile({ edit: SITE });
/** The warm-up Monday and the scored Tuesday, 08:00 UTC. */
const [MON, TUE] = [7, 8].map((d) => Date.UTC(2026, 11, d, 8, 0, 0)) as [number, number];
const [H, M] = [3_600_000, 60_000];
const SMP = 'application/strategic-merge-patch+json';
const MERGE = 'application/merge-patch+json';
const UA = KUBECTL('linux/amd64', 'v1.31.4', 'a78aa47');

const { send, routine, twoDays } = findingRequests(s, { host: API, source: BASTION, ua: UA, firstDay: MON, secondDay: TUE });

/** A PIV smart-card sign-in (the platform team's): a hardware key with its PIN. */
const piv = (sub: string, at: number): Login => ({ sub, sid: `${sub}:${at}`, authTime: Math.floor(at / 1000), acr: 'urn:stepgate:aal3', claims: { amr: ['sc', 'hwk', 'pin', 'mfa'] } });

/** An admin's two mornings on the bastion, each after a smart-card sign-in; the second day's login. */
async function adminDays(sub: string, reqs: Step[]): Promise<Login> {
  for (const day of [MON, TUE]) await routine(piv(sub, day - 40_000), day, reqs, {});
  return piv(sub, TUE - 40_000);
}

describe("a statistics agency behind a shared bastion host, with the site's copy of examples/stepgate.yaml", () => {
  // Open: a colleague with sudo on the shared jump host copies tax-1's kubelogin cache and uses it
  // from the same host: the address, the kubectl build and the token are tax-1's, and tax-prod is
  // in tax-1's working set (read every day), as Secrets are (test's). Nothing in the request
  // differs from tax-1's own. What would close it: a credential the jump host cannot hand to
  // another account (kubelogin's token cache in the OS keyring, or a token bound to a key that
  // stays in the user's smart card: mTLS client certificates or DPoP, which stepgate's device
  // evidence already ranks above a user agent), or a bastion that forwards each user's identity
  // (an identity-aware proxy) instead of one address for forty colleagues.
  it.fails("a colleague on the shared bastion using an engineer's kubelogin cache is not allowed their production Secrets", async () => {
    const login = await twoDays('d23f-tax@stats.agency.example', [
      ['GET', '/api/v1/namespaces/tax-prod/pods?limit=500'],
      ['GET', '/api/v1/namespaces/tax-test/secrets/tax-api-config'],
      ['GET', '/api/v1/namespaces/tax-prod/events?limit=500'],
    ]);
    const res = await send(login, TUE + 2.5 * H, 'GET', '/api/v1/namespaces/tax-prod/secrets');
    expect(reasonOf(res), rules(res)).not.toBe('allowed');
  });

  // Fixed (guardrail, session 50: restore_namespace_moved): the morning restore drill asks a
  // hardware key within 15 minutes (backup-objects) and the admin signs in with the smart card; ten
  // minutes later malware on the bastion with that token restores tax-prod (its Secrets) into the
  // pentest firm's sandbox, where an outside account reads Secrets. The same rule, within the same
  // sign-in's 15 minutes, but the Restore's namespaceMapping takes a production namespace's objects
  // out of production: the strongest level within 5 minutes, which the drill's sign-in no longer
  // is. The drill's own restore (a test namespace into a scratch one) asks nothing more. No list is
  // needed: the environments' top tier (`prod`) and guardrails.protected_namespaces say what is
  // production.
  it("a Velero Restore of a production namespace into another, ten minutes after the drill's smart-card sign-in, is not allowed", async () => {
    const sub = 'd23f-platform-3@stats.agency.example';
    await adminDays(sub, [['GET', '/apis/velero.io/v1/namespaces/velero/backups?limit=500'], ['GET', '/api/v1/pods?limit=500']]);
    const drill = piv(sub, TUE + 2.5 * H);
    const path = '/apis/velero.io/v1/namespaces/velero/restores?fieldManager=velero-cli';
    const ok = await send(drill, TUE + 2.5 * H + 20_000, 'POST', path, { body: JSON.stringify(restore('drill-1208', 'nightly-20261208010000', 'tax-test', 'restore-drill')) });
    expect(reasonOf(ok), rules(ok)).toBe('allowed');
    const res = await send(drill, TUE + 2.5 * H + 10 * M, 'POST', path, { body: JSON.stringify(restore('tax-prod-verify', 'nightly-20261208010000', 'tax-prod', 'pentest-sandbox')) });
    expect(reasonOf(res), rules(res)).toBe('auth_too_old');
    expect(rules(res)).toContain('guardrail:restore_namespace_moved');
  });

  // Fixed (guardrail, session 50: issuer_endpoint_not_allowed): the change window. platform-2
  // signs in with the smart card at 17:50 for the CAB release; at 17:58 malware on the bastion with
  // that token points the ClusterIssuer at the attacker's ACME server. cluster-add-on-objects asks
  // a hardware key within 15 minutes, which the window's sign-in is. The site lists its
  // certificate authorities (SITE, guardrails.certificate_authorities); an issuer pointed elsewhere
  // (or told to skip the server's TLS check) asks the strongest level within 5 minutes. A list, not
  // a fresh sign-in alone: malware on the bastion can wait for the admin's next one, and GitOps,
  // which cannot step up, re-applies the same issuer at every sync.
  it("the ClusterIssuer repointed to another ACME server eight minutes after the admin's smart-card sign-in is not allowed", async () => {
    const sub = 'd23f-platform-2@stats.agency.example';
    await adminDays(sub, [['GET', '/apis/cert-manager.io/v1/clusterissuers'], ['GET', '/api/v1/pods?limit=500']]);
    const window = piv(sub, TUE + 9.83 * H);
    const res = await send(window, TUE + 9.83 * H + 8 * M, 'PATCH', '/apis/cert-manager.io/v1/clusterissuers/agency-acme?fieldManager=kubectl-patch', { body: JSON.stringify({ spec: { acme: { server: 'https://acme.stats-agency-pki.example/directory', skipTLSVerify: true } } }), contentType: MERGE });
    expect(reasonOf(res), rules(res)).toBe('auth_too_old');
    expect(rules(res)).toContain('guardrail:issuer_endpoint_not_allowed');
    // Control: the same admin's change to the agency's own ACME host, in the window, asks nothing more.
    const own = await send(window, TUE + 9.83 * H + 9 * M, 'PATCH', '/apis/cert-manager.io/v1/clusterissuers/agency-acme?fieldManager=kubectl-patch', { body: JSON.stringify({ spec: { acme: { server: 'https://acme.pki.stats.agency.example/directory' } } }), contentType: MERGE });
    expect(reasonOf(own), rules(own)).toBe('allowed');
  });

  // Fixed (session 51, issue #12): the same window, the ACME server left as the agency's and its
  // trust anchor swapped: `acme.caBundle` holding another CA's root lets whoever holds that CA's
  // key answer for the listed host, as skipTLSVerify lets anyone. Read at its own path, by each
  // certificate's fingerprint (SITE lists none: no bundle is the agency's here).
  it("the ClusterIssuer's caBundle swapped for another CA's beside the agency's own ACME server is not allowed", async () => {
    const sub = 'd23f-platform-4@stats.agency.example';
    await adminDays(sub, [['GET', '/apis/cert-manager.io/v1/clusterissuers'], ['GET', '/api/v1/pods?limit=500']]);
    const window = piv(sub, TUE + 9.83 * H);
    const bundle = Buffer.from(OTHER_ROOT).toString('base64');
    const res = await send(window, TUE + 9.83 * H + 8 * M, 'PATCH', '/apis/cert-manager.io/v1/clusterissuers/agency-acme?fieldManager=kubectl-patch', { body: JSON.stringify({ spec: { acme: { server: 'https://acme.pki.stats.agency.example/directory', caBundle: bundle } } }), contentType: MERGE });
    expect(reasonOf(res), rules(res)).toBe('auth_too_old');
    expect(rules(res)).toContain('guardrail:issuer_endpoint_not_allowed');
  });

  // Routine beside the three guardrails of session 50: Argo CD's controller creating and
  // re-applying the ClusterIssuer with the agency's own ACME server (automation cannot step up, so
  // a guardrail's ask would refuse it at every sync), cert-manager renewing a Certificate, and a
  // drill restoring tax-prod in place: no guardrail among the rules. (The controller's account is
  // new to this test's server, so the risk engine judges it as a stranger: what is asserted is
  // that no guardrail adds to that.)
  it("GitOps' ClusterIssuer, a Certificate's renewal and a restore in place are not asked for a guardrail", async () => {
    const argocd: Login = { sub: 'system:serviceaccount:argocd:argocd-application-controller', sid: '', authTime: undefined, acr: 'urn:stepgate:aal1', serviceAccount: true };
    const issuer = { apiVersion: 'cert-manager.io/v1', kind: 'ClusterIssuer', metadata: { name: 'agency-acme-2' }, spec: { acme: { server: 'https://acme.pki.stats.agency.example/directory', email: 'pki@stats.agency.example', privateKeySecretRef: { name: 'agency-acme-2-key' }, solvers: [{ http01: { ingress: { ingressClassName: 'nginx' } } }] } } };
    const created = await send(argocd, TUE + 3 * H, 'POST', '/apis/cert-manager.io/v1/clusterissuers?fieldManager=argocd-controller', { body: JSON.stringify(issuer), ua: 'argocd-application-controller/v2.13.1+af54ef8 (linux/amd64)' });
    expect(rules(created), reasonOf(created)).not.toContain('guardrail:');
    const reapplied = await send(argocd, TUE + 3 * H + 3 * M, 'PATCH', '/apis/cert-manager.io/v1/clusterissuers/agency-acme-2?fieldManager=argocd-controller&force=true', { body: JSON.stringify(issuer), contentType: 'application/apply-patch+yaml', ua: 'argocd-application-controller/v2.13.1+af54ef8 (linux/amd64)' });
    expect(rules(reapplied), reasonOf(reapplied)).not.toContain('guardrail:');
    const certManager: Login = { sub: 'system:serviceaccount:cert-manager:cert-manager', sid: '', authTime: undefined, acr: 'urn:stepgate:aal1', serviceAccount: true };
    const renewal = await send(certManager, TUE + 4 * H, 'PATCH', '/apis/cert-manager.io/v1/namespaces/tax-prod/certificates/tax-api-tls/status', { body: JSON.stringify({ status: { revision: 7, renewalTime: '2027-02-06T08:00:00Z', notAfter: '2027-03-08T08:00:00Z' } }), contentType: MERGE, ua: 'cert-manager-certificates-issuing/v1.16.2 (linux/amd64) cert-manager/e1e6e8d8' });
    expect(rules(renewal), reasonOf(renewal)).not.toContain('guardrail:');
    const sub = 'd23f-platform-6@stats.agency.example';
    await adminDays(sub, [['GET', '/apis/velero.io/v1/namespaces/velero/backups?limit=500']]);
    const drill = piv(sub, TUE + 5 * H);
    const inPlace = await send(drill, TUE + 5 * H + 20_000, 'POST', '/apis/velero.io/v1/namespaces/velero/restores?fieldManager=velero-cli', { body: JSON.stringify({ apiVersion: 'velero.io/v1', kind: 'Restore', metadata: { name: 'tax-prod-inplace', namespace: 'velero' }, spec: { backupName: 'nightly-20261208010000', includedNamespaces: ['tax-prod'], existingResourcePolicy: 'none' } }) });
    expect(reasonOf(inPlace), rules(inPlace)).toBe('allowed');
  });

  // Fixed (session 38, guardrail secret_store_production_path): benefits' test Deployment, which
  // the engineer applies every day with the Vault agent injector's annotations, applied by malware
  // with one annotation changed: the agent now renders `secret/data/tax-prod/db` (the benefits-api
  // Vault role's policy reads more than its name says). A Deployment write in a test namespace asks
  // the everyday sign-in; a test namespace's pods handed a path with a production word in it ask
  // two factors within 15 minutes, while the day's own apply (its own path) stays routine.
  it("a Deployment whose Vault agent renders another namespace's secret path is not allowed", async () => {
    const path = '/apis/apps/v1/namespaces/benefits-test/deployments/benefits-api?fieldManager=kubectl-client-side-apply';
    const own = JSON.stringify(vaultDeployment('benefits', 'benefits-test', 'registry.stats.agency.example/benefits/api:2.14.2'));
    const login = await twoDays('d23f-benefits@stats.agency.example', [
      ['GET', '/api/v1/namespaces/benefits-test/pods?limit=500'],
      ['PATCH', path, own, SMP],
    ]);
    const ok = await send(login, TUE + 1.6 * H, 'PATCH', path, { body: JSON.stringify(vaultDeployment('benefits', 'benefits-test', 'registry.stats.agency.example/benefits/api:2.14.3')), contentType: SMP });
    expect(reasonOf(ok), rules(ok)).toBe('allowed');
    const res = await send(login, TUE + 1.7 * H, 'PATCH', path, { body: JSON.stringify(vaultDeployment('benefits', 'benefits-test', 'registry.stats.agency.example/benefits/api:2.14.3', 'secret/data/tax-prod/db')), contentType: SMP });
    expect(reasonOf(res), rules(res)).not.toBe('allowed');
    expect(rules(res)).toContain('guardrail:secret_store_production_path');
  });

  // Measured: an ephemeral container with SYS_PTRACE in a production pod, as a JSON patch of the
  // ephemeralcontainers subresource (kubectl debug sends a strategic-merge patch; the day has both):
  // the guardrails read the added container from the patch's value (capability_added).
  it('an ephemeral container with SYS_PTRACE added by a JSON patch asks a recent hardware key (capability_added)', async () => {
    const login = await twoDays('d23f-tax-3@stats.agency.example', [['GET', '/api/v1/namespaces/tax-prod/pods?limit=500']]);
    const res = await send(login, TUE + 5.8 * H, 'PATCH', '/api/v1/namespaces/tax-prod/pods/tax-api-1/ephemeralcontainers', { body: JSON.stringify([{ op: 'add', path: '/spec/ephemeralContainers/-', value: ptraceContainer('debugger-m3v7c', 'api') }]), contentType: 'application/json-patch+json' });
    expect(reasonOf(res), rules(res)).toBe('acr_insufficient');
    expect(rules(res)).toContain('capability_added');
  });

  // Measured: `--as=system:admin --as-group=system:masters` from an admin allowed to impersonate
  // the teams: the strongest level within 5 minutes (impersonation_privileged), whatever the
  // request does; the admin's everyday `kubectl auth can-i --as=<engineer>` asks nothing.
  it('impersonating system:masters asks a hardware key within 5 minutes; impersonating an engineer for an access review does not', async () => {
    const sub = 'd23f-platform-1@stats.agency.example';
    const login = await adminDays(sub, [['GET', '/api/v1/pods?limit=500']]);
    const review = JSON.stringify({ apiVersion: 'authorization.k8s.io/v1', kind: 'SelfSubjectAccessReview', spec: { resourceAttributes: { namespace: 'tax-prod', verb: 'get', resource: 'secrets' } } });
    const canI = await s.sendAt(login, TUE + 2 * H, { method: 'POST', path: '/apis/authorization.k8s.io/v1/selfsubjectaccessreviews', source: BASTION, host: API, headers: { 'user-agent': UA, 'content-type': 'application/json', 'x-envoy-auth-partial-body': 'false', 'impersonate-user': 'd23f-tax@stats.agency.example' }, body: review });
    expect(reasonOf(canI), rules(canI)).toBe('allowed');
    const res = await s.sendAt(login, TUE + 6.3 * H, { method: 'GET', path: '/apis/rbac.authorization.k8s.io/v1/clusterrolebindings', source: BASTION, host: API, headers: { 'user-agent': UA, 'impersonate-user': 'system:admin', 'impersonate-group': 'system:masters' } });
    expect(reasonOf(res), rules(res)).toBe('auth_too_old');
    expect(rules(res)).toContain('impersonation_privileged');
  });

  // Was allowed (day 23, on a fresh server, seed 213): platform-1 may impersonate service
  // accounts (to see a workload's view); malware with their token impersonating Velero's, which
  // Velero's install binds to cluster-admin, listed the vault namespace's Secrets where the admin's
  // morning had already read. Velero's accounts are now in the example's
  // impersonation_privileged_users and _groups: the strongest level within 5 minutes, at the first
  // request made as them; a workload's own account asks nothing more.
  it("impersonating Velero's service account asks a hardware key within 5 minutes; a workload's account does not", async () => {
    const login = await adminDays('d23f-platform-5@stats.agency.example', [['GET', '/api/v1/namespaces/vault/pods'], ['GET', '/api/v1/namespaces/tax-prod/pods?limit=500']]);
    const as = (user: string, at: number) => s.sendAt(login, at, { method: 'GET', path: user.includes('velero') ? '/api/v1/namespaces/vault/pods' : '/api/v1/namespaces/tax-prod/pods?limit=500', source: BASTION, host: API, headers: { 'user-agent': UA, 'impersonate-user': user } });
    const workload = await as('system:serviceaccount:tax-prod:tax-api', TUE + 6 * H);
    expect(reasonOf(workload), rules(workload)).toBe('allowed');
    const res = await as('system:serviceaccount:velero:velero', TUE + 6.3 * H);
    expect(reasonOf(res), rules(res)).toBe('auth_too_old');
    expect(rules(res)).toContain('impersonation_privileged');
  });

  // Measured: the kubelet's API through the API server's node proxy, with a port in the node's
  // name as kubectl's raw paths allow: refused outright (no-node-proxy), the same as without one.
  it("the kubelet's exec through nodes/proxy is refused, with or without a port in the node's name", async () => {
    const login = await twoDays('d23f-soc@stats.agency.example', [['GET', '/api/v1/events?limit=500'], ['GET', '/apis/rbac.authorization.k8s.io/v1/clusterrolebindings?limit=500']], { source: SOC_VDI(3), ua: KUBECTL('windows/amd64', 'v1.31.2', '5864a46') });
    for (const node of ['worker-04', 'worker-04:10250']) {
      const res = await send(login, TUE + 3.9 * H, 'GET', `/api/v1/nodes/${node}/proxy/exec/tax-prod/tax-api-0/api?command=env&output=1`, { source: SOC_VDI(7), ua: KUBECTL('windows/amd64', 'v1.31.2', '5864a46') });
      expect(reasonOf(res), `${node}: ${rules(res)}`).toBe('policy_deny');
    }
  });

  // Measured: kubectl debug node/… --profile=sysadmin (privileged, the node's namespaces and root)
  // asks the strongest level within 5 minutes of an admin whose smart-card sign-in is hours old.
  it('kubectl debug node/… asks a smart-card sign-in within 5 minutes', async () => {
    const login = await adminDays('d23f-platform-4@stats.agency.example', [['GET', '/api/v1/nodes?limit=500']]);
    const res = await send(login, TUE + 2.2 * H, 'POST', '/api/v1/namespaces/default/pods?fieldManager=kubectl-debug', { body: JSON.stringify(nodeDebugPod('worker-07', 'x7k2p')) });
    expect(reasonOf(res), rules(res)).toBe('auth_too_old');
    expect(rules(res)).toContain('privileged_container');
  });
});
