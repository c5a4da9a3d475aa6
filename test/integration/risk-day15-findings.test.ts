import { describe, expect, it } from 'vitest';
import { reasonOf } from '../support/grpc-client.js';
import { exampleServiceForFile } from '../support/workday-service.js';
import type { Login } from '../support/workday.js';
import { findingRequests, rules, signIn, type FindingOpts, type Step } from '../support/findings.js';
import { BANK, KUBECTL_PAW, KUBECTL_VDI, VDI_NAT, setImage } from '../support/workday15.js';

/**
 * What the fifteenth replayed day (test/support/workday15.ts, docs/risk.md "Day 15") found allowed,
 * through the real gRPC server running examples/stepgate.yaml on a virtual clock. Two are fixed in
 * the example (Falco paused and the log shipper deleted: security-tooling; a break-glass account
 * used with a copy of its password and OTP, or impersonated: break-glass-accounts and
 * impersonation_privileged_users); the rest are `it.fails`: each
 * asserts the safe outcome and states, in its comment, why stepgate cannot reach it from the
 * request.
 */

const s = exampleServiceForFile();
const MON = Date.UTC(2027, 2, 8, 9, 0, 0);
const TUE = Date.UTC(2027, 2, 9, 9, 0, 0);
const H = 3_600_000;
const PAW = '10.50.1.22';
const SMP = 'application/strategic-merge-patch+json';

const { send, routine, twoDays } = findingRequests(s, { host: BANK, source: VDI_NAT[0]!, ua: KUBECTL_VDI, firstDay: MON, secondDay: TUE });
const onPaw: FindingOpts = { source: PAW, ua: KUBECTL_PAW };

describe('what watches the cluster, and the vault\'s emergency accounts, with examples/stepgate.yaml', () => {
  /** A platform engineer's day on their PAW: nodes, kube-system, the SOC's tooling read, monitoring's Secret. */
  const platform: Step[] = [
    ['GET', '/api/v1/nodes?limit=500'],
    ['GET', '/api/v1/namespaces/falco/pods?limit=500'],
    ['GET', '/apis/apps/v1/namespaces/falco/daemonsets/falco'],
    ['GET', '/api/v1/namespaces/logging/pods?limit=500'],
    ['GET', '/api/v1/namespaces/logging/pods/fluent-bit-9xk2p/log?container=fluent-bit&tailLines=100'],
    ['GET', '/api/v1/namespaces/monitoring/secrets/alertmanager-main'],
    ['GET', '/api/v1/namespaces/payments-prod/pods?limit=500'],
  ];

  // Fixed (example): Falco "paused" by a nodeSelector no node has (every Falco pod goes, nothing is
  // deleted) and the log shipper's DaemonSet deleted, from a platform engineer's token six hours
  // after their sign-in: the default rule's everyday sign-in before. security-tooling asks a
  // hardware key within 15 minutes for writes in those namespaces.
  it("Falco's DaemonSet given an impossible nodeSelector, and the log shipper deleted, ask a hardware key", async () => {
    const login = await twoDays('d15f-platform-a@northbank.example', platform, onPaw);
    const pause = await send(login, TUE + 6 * H, 'PATCH', '/apis/apps/v1/namespaces/falco/daemonsets/falco', {
      ...onPaw,
      body: JSON.stringify({ spec: { template: { spec: { nodeSelector: { 'non-existing': 'true' } } } } }),
      contentType: SMP,
    });
    expect(reasonOf(pause), rules(pause)).toBe('acr_insufficient');
    expect(rules(pause)).toContain('security-tooling');
    const del = await send(login, TUE + 6 * H + 20_000, 'DELETE', '/apis/apps/v1/namespaces/logging/daemonsets/fluent-bit', onPaw);
    expect(reasonOf(del), rules(del)).toBe('acr_insufficient');
    expect(rules(del)).toContain('security-tooling');
  });

  it('control: reading Falco and the log shipper, and their logs, stay the everyday sign-in', async () => {
    const login = await twoDays('d15f-platform-b@northbank.example', platform, onPaw);
    await routine(login, TUE + 6 * H, platform.slice(1, 5), onPaw);
  });

  // Fixed (example): a break-glass account with its password and OTP seed from a vault export:
  // two factors, signed in two minutes before, an identity with no history (the newcomer
  // allowance), read a production Secret. break-glass-accounts asks every request of such an
  // account a hardware key signed in within 15 minutes, which the export does not hold.
  it('a break-glass account signed in with two factors is asked for its hardware key at every request', async () => {
    const at = TUE + 5.3 * H;
    const login = { ...signIn('breakglass-01@northbank.example', at - 120_000) };
    const list = await send(login, at, 'GET', '/api/v1/namespaces?limit=500', { source: '10.50.1.99', ua: KUBECTL_PAW });
    expect(reasonOf(list), rules(list)).toBe('acr_insufficient');
    expect(rules(list)).toContain('break-glass-accounts');
    const secret = await send(login, at + 30_000, 'GET', '/api/v1/namespaces/payments-prod/secrets/payments-api-db', { source: '10.50.1.99', ua: KUBECTL_PAW });
    expect(reasonOf(secret), rules(secret)).toBe('acr_insufficient');
  });

  // Fixed (example): acting as the break-glass account through impersonation (`kubectl
  // --as=breakglass-01@…`, for whoever RBAC lets impersonate users) is its cluster-admin without the
  // account's own sign-in; the example lists the emergency accounts among
  // impersonation_privileged_users, which asks a hardware key within 5 minutes.
  it('impersonating the break-glass account asks a hardware key', async () => {
    const login = await twoDays('d15f-platform-c@northbank.example', [['GET', '/api/v1/nodes?limit=500'], ['GET', '/api/v1/namespaces/payments-prod/pods?limit=500']], onPaw);
    const res = await s.sendAt(login, TUE + 5 * H, {
      method: 'GET',
      path: '/api/v1/namespaces/payments-prod/pods?limit=500',
      source: PAW,
      host: BANK,
      headers: { 'user-agent': KUBECTL_PAW, 'impersonate-user': 'breakglass-01@northbank.example' },
    });
    expect(reasonOf(res), rules(res)).toBe('acr_insufficient');
  });

  it('control: the break-glass account with its hardware key, signed in for the outage, is let through', async () => {
    const at = TUE + 18 * H;
    const login: Login = { sub: 'breakglass-02@northbank.example', sid: 'bg-02:outage', authTime: Math.floor((at - 120_000) / 1000), acr: 'urn:stepgate:aal3' };
    const res = await send(login, at, 'GET', '/api/v1/namespaces/payments-prod/pods?limit=500', { source: '10.50.1.99', ua: KUBECTL_PAW });
    expect(reasonOf(res), rules(res)).toBe('allowed');
  });
});

describe("the auditor's read-only token, with examples/stepgate.yaml", () => {
  /** The auditor's one day: RBAC, production workloads and ConfigMaps listed, network policies. */
  const audit: Step[] = [
    ['GET', '/apis/rbac.authorization.k8s.io/v1/clusterrolebindings?limit=500'],
    ['GET', '/apis/apps/v1/namespaces/payments-prod/deployments?limit=500'],
    ['GET', '/api/v1/namespaces/payments-prod/configmaps?limit=500'],
    ['GET', '/apis/networking.k8s.io/v1/namespaces/settlement-prod/networkpolicies?limit=500'],
    ['GET', '/apis/apps/v1/namespaces/settlement-prod/deployments?limit=500'],
  ];

  // Stopped, as they should be: a Secret asked for as PartialObjectMetadata (whose
  // last-applied-configuration annotation holds the data of a Secret once `kubectl apply`d) is a
  // Secret read; exec as a WebSocket GET is exec. After the auditor's day both need a sign-in.
  it("a Secret's PartialObjectMetadata and exec as a WebSocket GET are judged as a Secret and a shell", async () => {
    const login = signIn('d15f-auditor-a@northbank.example', TUE - 40_000);
    await routine(login, TUE, audit, {});
    const meta = await send(login, TUE + 8.3 * H, 'GET', '/api/v1/namespaces/payments-prod/secrets/payments-api-db', {});
    expect(reasonOf(meta), rules(meta)).not.toBe('allowed');
    expect(rules(meta)).toContain('secrets');
    const exec = await send(login, TUE + 8.35 * H, 'GET', '/api/v1/namespaces/ledger-prod/pods/ledger-recon-0/exec?command=env&container=recon&stdout=true&stderr=true', {});
    expect(reasonOf(exec), rules(exec)).not.toBe('allowed');
    expect(rules(exec)).toContain('pod-shell');
  });

  // Open: a ConfigMap holding a database password, a pod's and a Deployment's inline env, old
  // ReplicaSets whose templates hold the plaintext a rotation moved to a Secret: each is a plain
  // read, which the auditor's own review makes all day (`kubectl get -o yaml`). What makes them
  // a Secret's contents is in the response, which ext_authz never sees; the bank's fix is the
  // workloads' (Secrets, not inline values; revisionHistoryLimit) and RBAC's.
  it.fails("the auditor's token after the auditor's day cannot read a password out of a ConfigMap or an old ReplicaSet", async () => {
    const login = signIn('d15f-auditor-b@northbank.example', TUE - 40_000);
    await routine(login, TUE, audit, {});
    const cm = await send(login, TUE + 8.6 * H, 'GET', '/api/v1/namespaces/payments-prod/configmaps/fx-quotes-config', {});
    const rs = await send(login, TUE + 8.6 * H + 12_000, 'GET', '/apis/apps/v1/namespaces/payments-prod/replicasets?labelSelector=app%3Dpayments-api&limit=500', {});
    expect([reasonOf(cm), reasonOf(rs)], rules(cm)).not.toContain('allowed');
  });
});

describe('the shared VDI farm, the night batch and the change freeze (open)', () => {
  /** A payments engineer's day on the farm: their namespaces, UAT's database Secret, a shell in UAT. */
  const payments: Step[] = [
    ['GET', '/api/v1/namespaces/payments-prod/pods?limit=500'],
    ['GET', '/api/v1/namespaces/payments-uat/secrets/payments-api-db'],
    ['GET', '/api/v1/namespaces/payments-dev/pods?limit=500'],
    ['GET', '/api/v1/namespaces/payments-prod/pods/payments-api-7d9f8c6b5-x2kq9/log?container=app&tailLines=200'],
  ];

  // Open: a token copied from another user's roaming VDI profile and used from another session on
  // the same farm: the farm's NAT pool (every session's), its one kubectl build (everyone's), the
  // victim's namespaces, within the rule's freshness. Day 9's jump box and day 14's login node:
  // only device evidence that differs per session (a client certificate per user in the VDI image,
  // bound to the token) or the identity provider's session ends it.
  it.fails("a payments engineer's token used from another session on the VDI farm cannot read their Secrets", async () => {
    const login = await twoDays('d15f-pay-a@northbank.example', payments);
    const res = await send(login, TUE + 5.5 * H, 'GET', '/api/v1/namespaces/payments-uat/secrets/payments-api-db', { source: VDI_NAT[2]! });
    expect(reasonOf(res), rules(res)).not.toBe('allowed');
  });

  // Fixed (engine, unfamiliar_kind): a SOC analyst looks at every namespace (pods, events) and
  // never reads a Secret; their token, scraped from the roaming profile, reads settlement-prod's
  // SFTP credentials. The namespace was learned from a read made within an hour of a sign-in
  // (unfamiliar_namespace's grace), so the working set holds it: day 11's team-lead class. The
  // analyst's first Secret read, a day into their history, now needs a sign-in after it.
  it("a read-only analyst's token cannot read Secrets in a namespace the analyst only ever listed", async () => {
    const soc: Step[] = [
      ['GET', '/api/v1/pods?limit=500'],
      ['GET', '/api/v1/namespaces/settlement-prod/pods?limit=500'],
      ['GET', '/api/v1/namespaces/settlement-prod/events?limit=500'],
      ['GET', '/apis/networking.k8s.io/v1/networkpolicies?limit=500'],
    ];
    const login = await twoDays('d15f-soc-a@northbank.example', soc);
    const res = await send(login, TUE + 4.2 * H, 'GET', '/api/v1/namespaces/settlement-prod/secrets/sftp-bacs', { source: VDI_NAT[1]! });
    expect(reasonOf(res), rules(res)).not.toBe('allowed');
  });

  // Was open (closed in session 33): the batch operator's token at 21:30, their afternoon sign-in
  // under 8 hours old, changes the settlement CronJob's SFTP destination in the namespace they
  // rerun jobs in every morning. The victim's client, network, working set and freshness. A rule on
  // every CronJob update would ask each release and each suspend again; what the patch changes is
  // the job's environment, which `scheduled_job_changed` reads (two factors within 15 minutes).
  it("the settlement CronJob's environment changed at 21:30 with the batch operator's token is asked more than production's 8 hours", async () => {
    const batch: Step[] = [
      ['GET', '/apis/batch/v1/namespaces/settlement-prod/cronjobs/settlement-eod'],
      ['POST', '/apis/batch/v1/namespaces/settlement-prod/jobs?fieldManager=kubectl-create', JSON.stringify({ apiVersion: 'batch/v1', kind: 'Job', metadata: { name: 'settlement-eod-manual-8k2x', namespace: 'settlement-prod' }, spec: { template: { spec: { restartPolicy: 'Never', containers: [{ name: 'settle', image: 'registry.northbank.example/settlement/eod:4.12.1' }] } } } })],
      ['GET', '/api/v1/namespaces/settlement-prod/pods?labelSelector=job-name%3Dsettlement-eod-manual-8k2x&limit=500'],
      ['GET', '/api/v1/namespaces/settlement-uat/secrets/sftp-bacs'],
    ];
    await twoDays('d15f-batch-a@northbank.example', batch);
    const afternoon = signIn('d15f-batch-a@northbank.example', TUE + 6 * H);
    await routine(afternoon, TUE + 6 * H + 20_000, batch.slice(2), {});
    const res = await send(afternoon, TUE + 12.5 * H, 'PATCH', '/apis/batch/v1/namespaces/settlement-prod/cronjobs/settlement-eod', {
      source: VDI_NAT[2]!,
      body: JSON.stringify({ spec: { jobTemplate: { spec: { template: { spec: { containers: [{ name: 'settle', env: [{ name: 'SFTP_HOST', value: 'sftp.bacs-clearing.net' }] }] } } } } } }),
      contentType: SMP,
    });
    expect(reasonOf(res), rules(res)).toBe('auth_too_old');
    expect(rules(res)).toContain('guardrail:scheduled_job_changed');
  });

  // Open: an engineer named on the change ticket, freshly signed in, ships their own build to
  // production four hours after the approved window closed: their client, namespace and kind of
  // write (the window's own `kubectl set image`), two factors minutes old. The freeze lives in the
  // change calendar; nothing on the request says which window it is in.
  it.fails("a production image change outside the change ticket's window is refused", async () => {
    const window: Step[] = setImage('payments-prod', 'payments-api', '2027.03.1').map((r): Step => [r.method, r.path, r.body, r.headers?.['content-type']]);
    await twoDays('d15f-pay-b@northbank.example', [...payments, ...window]);
    const fresh = signIn('d15f-pay-b@northbank.example', TUE + 7.6 * H);
    const res = await send(fresh, TUE + 7.67 * H, 'PATCH', '/apis/apps/v1/namespaces/payments-prod/deployments/payments-api?fieldManager=kubectl-set', {
      body: JSON.stringify({ spec: { template: { spec: { containers: [{ name: 'app', image: 'registry.northbank.example/payments/payments-api:hotfix-4411' }] } } } }),
      contentType: SMP,
    });
    expect(reasonOf(res), rules(res)).toBe('auth_too_old');
    expect(rules(res)).toContain('guardrail:scheduled_job_changed');
  });
});
