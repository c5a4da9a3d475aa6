import { describe, expect, it } from 'vitest';
import { reasonOf } from '../support/grpc-client.js';
import { exampleServiceForFile } from '../support/workday-service.js';
import { findingRequests, rules, type Step } from '../support/findings.js';
import { MAC } from '../support/workday.js';
import { API, BROWSER_VIA_PROXY, CHROME, ciliumEgressWorld, CROSS_SITE, HELM, hsmPod, KUBECTL, OFFICE, SITE } from '../support/workday25.js';

/**
 * What the twenty-fifth replayed day (test/support/workday25.ts, docs/risk.md "Day 25") found,
 * through the real gRPC server running examples/stepgate.yaml on a virtual clock: a crypto
 * exchange's wallet and trading-infrastructure teams, hot signers on HSM nodes behind a four-eyes
 * webhook, a 24/7 on-call, and `kubectl proxy` on engineers' laptops. Each test is one person's
 * two days of routine, then the finding, with their sign-in of that moment. The open ones are
 * `it.fails`.
 */

const s = exampleServiceForFile();
/** The site's copy (workday25.ts `SITE`): the custody namespaces named as protected, as the exchange names them. */
const site = exampleServiceForFile({ edit: SITE });
/** The warm-up Monday and the scored Tuesday, 08:00 UTC. */
const [MON, TUE] = [14, 15].map((d) => Date.UTC(2026, 11, d, 8, 0, 0)) as [number, number];
const H = 3_600_000;
const UA = KUBECTL('darwin/arm64');
const HOME = '85.243.102.8';

const { send, twoDays } = findingRequests(s, { host: API, source: OFFICE(11), ua: UA, firstDay: MON, secondDay: TUE });
const atSite = findingRequests(site, { host: API, source: OFFICE(11), ua: UA, firstDay: MON, secondDay: TUE });

const walletCalls: Step[] = [
  ['GET', '/api/v1/namespaces/wallet-prod/pods?limit=500'],
  ['GET', '/api/v1/namespaces/custody-signer/pods?limit=500'],
  ['GET', '/api/v1/namespaces/custody-signer/events?limit=500'],
  ['GET', '/api/v1/namespaces/wallet-staging/secrets/wallet-rpc'],
];

describe("a crypto exchange's wallet and trading teams, with examples/stepgate.yaml", () => {
  // Was allowed (day 25, every seed, both ways): `kubectl proxy` left running on a wallet
  // engineer's laptop, and a page of a news site the engineer reads opens a WebSocket to
  // ws://localhost:8001 (CORS does not cover WebSockets; the proxy's default --accept-hosts admits
  // `localhost` and its --reject-paths leave port-forward open): a hot signer's admin port. The
  // gateway sees the engineer's address, their Chrome, their kubectl login's token, in a namespace
  // of their working set. What the browser adds is its own word that another site made the request
  // (Sec-Fetch-Site: cross-site): `cross_site_request` refuses it. The engineer's own pages of the
  // API through the same proxy (typed, `none`; or the page's own, `same-origin`) are allowed.
  it("a web page's WebSocket through the engineer's open kubectl proxy to a signer's port-forward is refused; their own API tab is not", async () => {
    const login = await twoDays('d25f-wallet@tidewell.example', walletCalls, { source: HOME });
    const tab = await send(login, TUE + 2 * H, 'GET', '/api/v1/namespaces/custody-signer/pods', { source: HOME, ua: CHROME(MAC), headers: BROWSER_VIA_PROXY(MAC, 'none', 'navigate') });
    expect(reasonOf(tab), rules(tab)).toBe('allowed');
    const page = await send(login, TUE + 2.1 * H, 'GET', '/api/v1/namespaces/custody-signer/events', { source: HOME, ua: CHROME(MAC), headers: BROWSER_VIA_PROXY(MAC, 'same-origin', 'cors') });
    expect(reasonOf(page), rules(page)).toBe('allowed');
    const res = await send(login, TUE + 7.33 * H, 'GET', '/api/v1/namespaces/custody-signer/pods/hot-signer-0/portforward?ports=9443', { source: HOME, ua: CHROME(MAC), headers: CROSS_SITE(MAC, 'websocket') });
    expect(reasonOf(res), rules(res)).toBe('policy_deny');
    expect(rules(res)).toContain('guardrail:cross_site_request');
    expect(JSON.stringify(res)).toContain('request made by a page of another site (cross_site_request)');
  });

  // Was allowed (day 25, every seed, both ways): an image tag on a page sends the trading
  // engineer's browser to their open kubectl proxy's service-proxy URL that halts a market on
  // production's matching engine (a GET whose side effect is the point; the page never reads the
  // answer). The engineer opens the engine's admin pages through the same proxy every day.
  it("an image tag's GET through the engineer's open kubectl proxy to production's matching-engine admin is refused; their own admin page is not", async () => {
    const base = '/api/v1/namespaces/trading-prod/services/http:matching-admin:8080/proxy';
    const login = await twoDays('d25f-trade@tidewell.example', [['GET', '/api/v1/namespaces/trading-prod/pods?limit=500'], ['GET', '/api/v1/namespaces/trading-staging/secrets/exchange-api-keys'], ['GET', `${base}/`]]);
    const own = await send(login, TUE + 1 * H, 'GET', `${base}/api/status`, { ua: CHROME(MAC), headers: BROWSER_VIA_PROXY(MAC, 'same-origin', 'cors') });
    expect(reasonOf(own), rules(own)).toBe('allowed');
    for (const mode of ['no-cors', 'websocket'] as const) {
      const res = await send(login, TUE + 3.66 * H, 'GET', `${base}/admin/halt?market=BTC-USDT`, { ua: CHROME(MAC), headers: CROSS_SITE(MAC, mode) });
      expect(reasonOf(res), `${mode}: ${rules(res)}`).toBe('policy_deny');
      expect(rules(res)).toContain('guardrail:cross_site_request');
    }
  });

  // Open: malware on a wallet engineer's laptop runs `helm get values hot-wallet -n wallet-prod`
  // (Helm's own requests: the release's records by Helm's labels, then the latest by name); the
  // values hold the signer's RPC credentials. The engineer runs Helm in staging daily, reads a
  // Secret there, and reads wallet-prod's pods: the namespace is in the working set and the kind
  // (a Secret) is theirs, within the 8 hours of the `secrets` rule (day 11's class: namespaces,
  // not kinds per namespace). What would close it: the working set keyed on (namespace, kind) for
  // Secrets, or a site rule naming production's Helm release records (`match.kubernetes.names:
  // ["sh.helm.release.v1.*"]` in production namespaces) asking a recent sign-in, since production
  // is deployed by GitOps there.
  it.fails("Helm's release record of the production wallet, read with Helm's requests from a wallet laptop, is not allowed", async () => {
    const login = await twoDays('d25f-wallet-helm@tidewell.example', [...walletCalls, ['GET', '/api/v1/namespaces/wallet-staging/secrets?labelSelector=name%3Dhot-wallet%2Cowner%3Dhelm']]);
    const list = await send(login, TUE + 6.08 * H, 'GET', '/api/v1/namespaces/wallet-prod/secrets?labelSelector=name%3Dhot-wallet%2Cowner%3Dhelm', { ua: HELM });
    const get = await send(login, TUE + 6.08 * H + 1000, 'GET', '/api/v1/namespaces/wallet-prod/secrets/sh.helm.release.v1.hot-wallet.v57', { ua: HELM });
    expect([reasonOf(list), reasonOf(get)], rules(get)).not.toEqual(['allowed', 'allowed']);
  });

  // Open: a pod created in trading's staging namespace (where the engineer opens shells daily)
  // that asks for one HSM partition, the device plugin's extended resource, with the custody
  // nodes' selector and toleration. A pod create in staging is routine; nothing knows which
  // extended resources are a namespace's own. What would close it: a guardrail naming the
  // resources reserved to namespaces (as `priority_class_reserved` does for priority classes:
  // `tidewell.example/hsm-partition` only in `custody-*`), or the device plugin's own admission.
  it.fails("a pod in trading staging asking for an HSM partition on the signers' nodes is not allowed", async () => {
    const login = await twoDays('d25f-trade-hsm@tidewell.example', [['GET', '/api/v1/namespaces/trading-staging/pods?limit=500'], ['POST', '/api/v1/namespaces/trading-staging/pods/matching-engine-0/exec?command=sh&container=engine&stdin=true&stdout=true&tty=true']]);
    const res = await send(login, TUE + 2.42 * H, 'POST', '/api/v1/namespaces/trading-staging/pods?fieldManager=kubectl-run', { body: JSON.stringify(hsmPod('trading-staging', 'ghcr.io/latency-tools/probe:1.4')) });
    expect(reasonOf(res), rules(res)).not.toBe('allowed');
  });

  // Closed in session 49 by the site's copy (was open on the example as shipped, which names no
  // protected namespaces: a policy that opens egress is an everyday write there, and the row was
  // an `it.fails`): a CiliumNetworkPolicy letting the hot signers reach the whole Internet
  // (`toEntities: [world]`), in the custody namespace the wallet engineer reads daily, from malware
  // on their laptop with the morning's sign-in. The network policy guardrails read Cilium's
  // policies since session 34; the exchange names its custody namespaces as protected, and the
  // policy asks a recent sign-in, which malware cannot give. Its own NTP egress stays routine.
  it("a CiliumNetworkPolicy opening the signers' egress to the Internet asks a recent sign-in where custody namespaces are protected", async () => {
    const login = await atSite.twoDays('d25f-wallet-net-site@tidewell.example', walletCalls);
    const res = await atSite.send(login, TUE + 3.16 * H, 'POST', '/apis/cilium.io/v2/namespaces/custody-signer/ciliumnetworkpolicies?fieldManager=kubectl-create', { body: JSON.stringify(ciliumEgressWorld('custody-signer')) });
    expect(reasonOf(res), rules(res)).toBe('auth_too_old');
    expect(rules(res)).toContain('guardrail:network_policy_allow_all');
    const ntp = { ...(ciliumEgressWorld('custody-signer') as { spec: object }), spec: { endpointSelector: { matchLabels: { app: 'hot-signer' } }, egress: [{ toFQDNs: [{ matchName: 'ntp.tidewell.example' }], toPorts: [{ ports: [{ port: '123', protocol: 'UDP' }] }] }] } };
    const ok = await atSite.send(login, TUE + 3.17 * H, 'POST', '/apis/cilium.io/v2/namespaces/custody-signer/ciliumnetworkpolicies?fieldManager=kubectl-create', { body: JSON.stringify(ntp) });
    expect(reasonOf(ok), rules(ok)).toBe('allowed');
  });
});
