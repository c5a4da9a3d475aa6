import { describe, expect, it } from 'vitest';
import { reasonOf, riskContextOf as contextOf } from '../support/grpc-client.js';
import { exampleServiceForFile } from '../support/workday-service.js';
import { type FindingOpts, findingRequests, rules, signIn, type Step } from '../support/findings.js';
import type { Login } from '../support/workday.js';
import { API, BILLING, SYNCER, syncedPod, VC_PR, DEPLOYMENT, EXT_PR, externalSecret, HELM, HOME, KUBECTL, OFFICE, PR, PREVIEW_BOT, previewImage, previewNamespace, PROD, reflected, replicated, RUNNER, SECRET, setImage, STRIPE, TELEPRESENCE, VPS } from '../support/workday49.js';

/**
 * What the forty-ninth replayed day (test/support/workday49.ts, docs/risk.md "Day 49") found,
 * through the real gRPC server running the example as shipped on a virtual clock: a SaaS company's
 * ephemeral preview environments (a namespace per pull request made by a bot, developers in their
 * previews from laptops, production touched only at the release). Each test is one person's
 * routine, then the finding. The open ones are `it.fails`, with a one-line why.
 */

const [TUE, WED] = [18, 19].map((d) => Date.UTC(2028, 0, d, 9, 0, 0)) as [number, number];
const [H, M] = [3_600_000, 60_000];
const MAC_KUBECTL = KUBECTL('darwin/arm64');
const SMP = 'application/strategic-merge-patch+json';
const WS = { connection: 'Upgrade', upgrade: 'websocket', 'sec-websocket-protocol': 'v5.channel.k8s.io' };
const key = (sub: string, at: number): Login => ({ sub, sid: `${sub}:${at}`, authTime: Math.floor(at / 1000), acr: 'urn:stepgate:aal3' });
const bot: Login = { sub: PREVIEW_BOT, sid: '', authTime: undefined, acr: 'urn:stepgate:aal1', serviceAccount: true };

/** A developer in their preview, and production's pods and log at the release (reads only). */
const previewWork = (pr: number): Step[] => [
  ['GET', `/api/v1/namespaces/${PR(pr)}/pods?limit=500`],
  ['GET', `/api/v1/namespaces/${PR(pr)}/pods/app-6x1dq/log?tailLines=300`],
  ['PATCH', DEPLOYMENT(PR(pr), 'app'), setImage('ghcr.io/loft-sh/devspace-containers/node:20-alpine'), SMP],
];
const releaseWatch: Step[] = [
  ['GET', `/api/v1/namespaces/${PROD}/pods?labelSelector=app%3Dweb`],
  ['GET', `/api/v1/namespaces/${PROD}/pods/web-6x1dq/log?tailLines=200`],
];
/** `vcluster connect`: the virtual cluster's kubeconfig Secret in the preview, then a port-forward to its syncer. */
const vclusterConnect = (pr: number): Step[] => [
  ['GET', SECRET(PR(pr), 'vc-vcluster')],
  ['POST', `/api/v1/namespaces/${PR(pr)}/pods/vcluster-0/portforward`],
];

describe("a SaaS company's ephemeral preview environments", () => {
  const s = exampleServiceForFile();
  const { send, routine } = findingRequests(s, { host: API, source: OFFICE, ua: MAC_KUBECTL, firstDay: TUE, secondDay: WED });

  // Open (every seed both ways; request 1): malware on a developer's laptop, minutes after the
  // morning's sign-in, sets production's Deployment to a contributor's preview image. The developer
  // read production at yesterday's release (prod-app is in the working set), the network, laptop
  // and kubectl are theirs, and prod-writes' two factors within 8 hours are met by that sign-in.
  it.fails("malware promotes a preview image to production minutes after the developer's sign-in", async () => {
    const sub = 'd49f-dev-3@tidewave.example';
    const o: FindingOpts = { source: HOME['dev-3']! };
    await routine(signIn(sub, TUE - 40_000), TUE, [...previewWork(1403), ...releaseWatch], o);
    const login = signIn(sub, WED - 40_000);
    await routine(login, WED, previewWork(1403).slice(0, 1), o);
    const res = await send(login, WED + 4 * M, 'PATCH', `${DEPLOYMENT(PROD, 'web')}?fieldManager=kubectl-set`, { ...o, body: setImage(previewImage(EXT_PR, 'a41c9e0'), 'web'), contentType: SMP });
    expect(reasonOf(res), rules(res)).not.toBe('allowed');
  });

  // Open (every seed both ways; never stopped): a Telepresence intercept of production from the
  // developer's laptop. What reaches the API server from the laptop is the developer's daily
  // port-forward to the shared traffic-manager and a read of production's Deployment; the agent is
  // injected by the traffic-manager's own service account, which stepgate never sees as the user's.
  it.fails("malware intercepts production's web Deployment through the shared Telepresence traffic-manager", async () => {
    const sub = 'd49f-dev-2@tidewave.example';
    const o: FindingOpts = { source: HOME['dev-2']!, ua: TELEPRESENCE('linux/amd64') };
    const tp: Step[] = [
      ['GET', '/api/v1/namespaces/ambassador/pods?labelSelector=app%3Dtraffic-manager'],
      ['POST', '/api/v1/namespaces/ambassador/pods/traffic-manager-63z/portforward'],
      ['GET', DEPLOYMENT(PR(1399), 'app')],
    ];
    await routine(signIn(sub, TUE - 40_000), TUE, [...tp, ...releaseWatch], o);
    const login = signIn(sub, WED - 40_000);
    await routine(login, WED, tp, o);
    let t = WED + 2.6 * H;
    const answers = [];
    for (const path of ['/api/v1/namespaces/ambassador/pods?labelSelector=app%3Dtraffic-manager', '/api/v1/namespaces/ambassador/pods/traffic-manager-63z/portforward', DEPLOYMENT(PROD, 'web')]) {
      const pf = path.endsWith('portforward');
      answers.push(reasonOf(await send(login, (t += 3000), pf ? 'POST' : 'GET', path, pf ? { ...o, headers: WS } : o)));
    }
    expect(answers.some((a) => a !== 'allowed'), answers.join(', ')).toBe(true);
  });

  // Closed by secret_source_other_namespace (request 1, every seed both ways): malware on the
  // laptop of a developer who reads their vcluster's kubeconfig Secret every day writes, in that
  // preview, a Secret asking Reflector to fill it from production's Stripe key (and one asking
  // kubernetes-replicator for prod-app's environment). A Secret write there was the developer's
  // everyday sign-in's; the copy is a read of production's Secret. Before the guardrail: allowed.
  it("a Secret in the developer's preview that asks Reflector or kubernetes-replicator for production's Secret is asked", async () => {
    const sub = 'd49f-dev-5@tidewave.example';
    await routine(signIn(sub, TUE - 40_000), TUE, [...previewWork(1405), ...vclusterConnect(1405)], {});
    const login = signIn(sub, WED - 40_000);
    await routine(login, WED, [...previewWork(1405), ...vclusterConnect(1405)], {});
    const ns = PR(1405);
    // The same Secret without the annotation: the developer's own preview, their sign-in.
    const own = await send(login, WED + 1.6 * H, 'POST', `/api/v1/namespaces/${ns}/secrets`, { body: JSON.stringify({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'stripe-test', namespace: ns }, data: {} }) });
    expect(reasonOf(own), rules(own)).toBe('allowed');
    const res = await send(login, WED + 1.67 * H, 'POST', `/api/v1/namespaces/${ns}/secrets`, { body: reflected(ns, 'payments', `${BILLING}/${STRIPE}`) });
    expect(reasonOf(res), rules(res)).toBe('auth_too_old');
    expect(rules(res)).toContain('guardrail:secret_source_other_namespace');
    const rep = await send(login, WED + 1.67 * H + 20_000, 'POST', `/api/v1/namespaces/${ns}/secrets`, { body: replicated(ns, 'app-env', `${PROD}/app-env`) });
    expect(rules(rep)).toContain('guardrail:secret_source_other_namespace');
  });

  // Held (request 1): the preview bot's token from a pull request's build step, on its own runner
  // and Helm: a namespace labelled Pod Security privileged (pod_security_weakened) and a preview
  // chart's ExternalSecret (the example's secret-sources rule asks two factors) are refused
  // (automation_step_up); the bot's everyday namespace and image writes pass.
  it("the preview bot's token is refused at a privileged namespace and an ExternalSecret; its routine passes", async () => {
    const o: FindingOpts = { source: RUNNER(3), ua: HELM };
    expect(reasonOf(await send(bot, WED, 'POST', '/api/v1/namespaces', { ...o, body: previewNamespace(1430) }))).toBe('allowed');
    expect(reasonOf(await send(bot, WED + 20_000, 'PATCH', DEPLOYMENT(PR(1430), 'app'), { ...o, body: setImage(previewImage(1430, '3f9a2c1')), contentType: SMP }))).toBe('allowed');
    const ns = await send(bot, WED + 4 * H, 'POST', '/api/v1/namespaces', { ...o, source: RUNNER(23), body: previewNamespace(1499, 'privileged') });
    expect(reasonOf(ns), rules(ns)).toBe('automation_step_up');
    expect(rules(ns)).toContain('guardrail:pod_security_weakened');
    const es = await send(bot, WED + 5.3 * H, 'POST', `/apis/external-secrets.io/v1beta1/namespaces/${PR(EXT_PR)}/externalsecrets`, { ...o, source: RUNNER(31), body: externalSecret(PR(EXT_PR), 'payments', 'prod-billing', STRIPE) });
    expect(reasonOf(es), rules(es)).toBe('automation_step_up');
  });

  // Routine left out of the replay: a vcluster's syncer writes the virtual cluster's pods into the
  // host namespace. In-cluster (kubernetes.default.svc) it does not pass the gateway; sent through
  // it, the example's pod-creates rule (two factors) refuses a service account's pod create.
  it("a vcluster syncer's pod writes sent through the gateway are refused by pod-creates", async () => {
    const syncer: Login = { sub: SYNCER(VC_PR), sid: '', authTime: undefined, acr: 'urn:stepgate:aal1', serviceAccount: true };
    const res = await send(syncer, WED, 'POST', `/api/v1/namespaces/${PR(VC_PR)}/pods`, { source: '10.42.3.17', ua: 'vcluster/v0.0.0 (linux/amd64) kubernetes/$Format', body: syncedPod(VC_PR, 1) });
    expect(reasonOf(res), rules(res)).toBe('automation_step_up');
    expect(rules(res)).toContain('pod-creates');
  });

  // Held (request 1): the contributor's token printed in a CI log, replayed from a VPS: the first
  // Secret read there is asked (new_network), whatever the namespace.
  it("the contributor's token from a CI log is asked from a VPS", async () => {
    const sub = 'd49f-ext-1@users.github-guest.tidewave.example';
    const o: FindingOpts = { source: HOME['ext-1']!, ua: KUBECTL('linux/amd64') };
    const work: Step[] = [['GET', `/api/v1/namespaces/${PR(EXT_PR)}/pods?limit=500`], ['GET', `/api/v1/namespaces/${PR(EXT_PR)}/pods/app-6x1dq/log?tailLines=200`]];
    await routine(signIn(sub, TUE + 5 * H - 40_000), TUE + 5 * H, work, o);
    const login = signIn(sub, WED + 5 * H - 40_000);
    await routine(login, WED + 5 * H, work, o);
    const res = await send(login, WED + 7.3 * H, 'GET', `/api/v1/namespaces/${PR(EXT_PR)}/secrets?limit=500`, { ...o, source: VPS });
    expect(reasonOf(res), rules(res)).toBe('auth_too_old');
    expect(contextOf(res)).toBe('new_network');
  });

  // Open (every seed both ways; request 6 of the row): an insider who answers every step-up deletes
  // closed previews one by one with production's billing namespace sixth in the list. Each delete
  // asks a sign-in (each preview is new to the working set; production's asks delete_protected's
  // hardware key within 5 minutes), the insider taps the key, and prod-billing is gone before
  // destructive_burst refuses the seventh. Nothing tells a production namespace in a run of preview
  // deletes from a production namespace deleted alone.
  it.fails('an insider deleting previews one by one with a hardware key is refused before the production namespace in the list', async () => {
    const sub = 'd49f-plat-1@tidewave.example';
    const o: FindingOpts = { ua: KUBECTL('linux/amd64') };
    const work: Step[] = [['GET', '/api/v1/namespaces?labelSelector=preview%3Dtrue'], ['GET', '/api/v1/nodes'], ['GET', '/api/v1/namespaces/preview-system/pods?limit=500']];
    await routine(key(sub, TUE - 40_000), TUE, work, o);
    await routine(key(sub, WED - 40_000), WED, work, o);
    let t = WED + 8.6 * H;
    let last = '';
    for (const ns of [PR(1380), PR(1381), PR(1383), PR(1386), PR(1387), BILLING]) {
      let res = await send(key(sub, t - 40_000), (t += 4000), 'DELETE', `/api/v1/namespaces/${ns}`, o);
      // The insider answers: a hardware-key sign-in made now, and the delete again.
      if (reasonOf(res) !== 'allowed' && reasonOf(res) !== 'risk_deny') res = await send(key(sub, (t += 20_000) - 1000), (t += 1000), 'DELETE', `/api/v1/namespaces/${ns}`, o);
      last = reasonOf(res) ?? '';
    }
    expect(last).not.toBe('allowed');
  });
});
