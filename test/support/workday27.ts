import { attackKit, oncallRoutine, podName, type DayEvent, jitteredSittings, lastScoredOf, LINUX, type Login, MAC, PLATFORM_HINT, prng, restartPatch, type StaffMember, withAttacks, WIN } from './workday.js';

/**
 * A twenty-seventh replayed day, written as an outside red team and an outside observer of real
 * engineers would after reading docs/risk.md, docs/guardrails.md and docs/configuration.md, from
 * situations days 1–26 do not have: a maker of drivetrain parts for the car industry (Brandauer
 * Antriebe, ~30 people on the cluster; one plant, its engineering office beside it) whose laptops
 * are managed and present a device client certificate to the gateway. The gateway (Envoy)
 * terminates TLS, asks every client for a certificate of the MDM's CA and passes the one it
 * verified to stepgate as `source.principal` (its URI SAN `urn:brandauer:device:<serial>`); a
 * client without one is let through to stepgate (contractors, visitors), which sees no principal.
 * x-forwarded-client-cert is not trusted (`network.trust_forwarded_client_cert` false, the
 * example's default). Warm-up Tuesday 26 January 2027, scored Wednesday 27 January (the day's own
 * clock).
 *
 * Routine, as the tools send it:
 * - controls engineers (three; managed Linux and macOS laptops, a certificate each): the MES in
 *   `mes-prod` and `mes-staging`, the PLC gateway's pods and logs in `plc-gateway-prod`, edge
 *   builds in `edge-dev`; at home through the always-on VPN. ctl-3's laptop breaks at lunch on the
 *   scored day: a new one from the cabinet (a new serial, so a new certificate), a new sign-in;
 * - the MES team (two; managed Windows laptops): `mes-*` and the historian; mes-1's certificate is
 *   renewed by the MDM at 12:00 (a new key, the same URI SAN: the principal does not change);
 * - the shop floor (three): Headlamp in Chrome on two shared Windows thin clients, one certificate
 *   per terminal (each person signs in to Headlamp; the early shift 05:00–13:00 on both, the late
 *   one 13:00–21:00 on the first): the lines' pods and logs, a restart of a line's OPC UA bridge;
 * - the vision-inspection vendor's contractors (two; their own unmanaged laptops, no certificate:
 *   the user agent and the network are all the device evidence there is): `vision-*`;
 * - the platform engineer (nodes, the gateway's own namespace, cert-manager), and the on-call
 *   (office by day, home through the VPN in the evening: every production namespace);
 * - CI: the runner's service account, with the runners' workload certificate, deploying the MES to
 *   staging every 20 minutes.
 * At 11:00 on the scored day the VPN provider moves its egress to another range: every laptop at
 * home gets an address of a network never seen.
 *
 * The attacks, each of a kind days 1–26 do not have:
 * - a controls engineer's token replayed from an unmanaged machine on the office network (no
 *   certificate, the victim's kubectl agent);
 * - the same with a client-written `x-forwarded-client-cert` naming the victim's laptop;
 * - the MES engineer's own managed laptop (their certificate) with a controls engineer's token,
 *   read from the shared Headlamp terminal's kubeconfig export;
 * - the on-call's laptop at 23:10 (its certificate, its VPN address, its evening token): malware;
 * - a late-shift worker using the early shift's Headlamp session left open on the shared terminal
 *   (a line's press recipe changed);
 * - a contractor's token copied to a colleague's PC at the vendor's office (the same network and
 *   Windows image: without a certificate nothing tells the two apart);
 * - the platform engineer's token, leaked into a CI job's log, used from a CI runner (the runners'
 *   workload certificate).
 */

export const D27_TUE = Date.UTC(2027, 0, 26, 0, 0, 0); // warm-up
export const D27_WED = Date.UTC(2027, 0, 27, 0, 0, 0); // scored
const [H, M, S] = [3_600_000, 60_000, 1000];

export const API = 'kubernetes.werk.brandauer.example';
export const HEADLAMP = 'headlamp.localhost';
/** The engineering office. */
export const OFFICE = (n: number) => `193.81.44.${20 + (n % 200)}`;
/** The plant's network (the thin clients' NAT). */
export const FLOOR = (n: number) => `193.81.46.${10 + (n % 4)}`;
/** The always-on VPN's egress: one range until 11:00 on the scored day, another from then on. */
export const VPN_A = (n: number) => `91.114.160.${20 + (n % 200)}`;
export const VPN_B = (n: number) => `91.114.171.${20 + (n % 200)}`;
/** The vision vendor's office. */
export const VENDOR = (n: number) => `62.47.203.${40 + (n % 100)}`;
export const KUBECTL = (os: string) => `kubectl/v1.31.4 (${os}) kubernetes/a78aa47`;
export const CHROME = (os: string) => `Mozilla/5.0 (${os}) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/132.0.0.0 Safari/537.36`;
export const BROWSER_HINTS = (os: string) => ({ 'sec-ch-ua': '"Chromium";v="132", "Google Chrome";v="132", "Not-A.Brand";v="99"', 'sec-ch-ua-mobile': '?0', 'sec-ch-ua-platform': PLATFORM_HINT[os]! });
/** The principal Envoy reports for a managed laptop's certificate (its URI SAN). */
export const LAPTOP = (serial: string) => `urn:brandauer:device:${serial}`;
/** A shared thin client's certificate. */
export const TERMINAL = (n: number) => `urn:brandauer:terminal:TC-${String(n).padStart(3, '0')}`;
/** The CI runners' workload certificate (SPIFFE). */
export const RUNNER = 'spiffe://brandauer.example/ns/ci/sa/runner';
export const SMP = { 'content-type': 'application/strategic-merge-patch+json' };
export const JSON_CT = { 'content-type': 'application/json' };

type Kind = 'ctl' | 'mes' | 'floor' | 'ctr' | 'platform' | 'oncall';
type Where = 'office' | 'vpn' | 'floor' | 'vendor' | 'home';

interface Person extends StaffMember<Where> {
  short: string;
  kind: Kind;
  home: string;
  /** The device certificate's principal; none on an unmanaged laptop. */
  cert?: string;
  /** The thin client's number (shop floor). */
  terminal?: number;
}

const CO = 'brandauer.example';

function staff(rand: () => number): Person[] {
  const out: Person[] = [];
  const add = (short: string, kind: Kind, day: [number, number, Where][], o: Partial<Person> = {}) => {
    const idx = out.length;
    out.push({ name: `d27-${short}@${CO}`, short, idx, svc: kind, kind, os: MAC, kubectlOs: 'darwin/arm64', kubectlVersion: 'v1.31.4', home: '', warm: jitteredSittings(rand, day), scored: jitteredSittings(rand, day), ...o });
  };
  add('ctl-1', 'ctl', [[7, 11.5, 'office'], [12.25, 16, 'office']], { os: LINUX, kubectlOs: 'linux/amd64', cert: LAPTOP('PF3K9A21') });
  add('ctl-2', 'ctl', [[7.5, 11.75, 'office'], [13, 16.5, 'vpn']], { cert: LAPTOP('C02G81XQ') });
  add('ctl-3', 'ctl', [[7, 11, 'vpn'], [13.5, 17, 'office']], { os: LINUX, kubectlOs: 'linux/amd64', cert: LAPTOP('PF3K9B07') });
  add('mes-1', 'mes', [[7.5, 12, 'office'], [12.75, 16.5, 'office']], { os: WIN, kubectlOs: 'windows/amd64', cert: LAPTOP('5CG2481JQ') });
  add('mes-2', 'mes', [[8, 12, 'vpn'], [13, 17, 'vpn']], { os: WIN, kubectlOs: 'windows/amd64', cert: LAPTOP('5CG2481KD') });
  // Shifts are the plant's, not habits: no jitter. The terminal is shared.
  const shift = (short: string, day: [number, number, Where][], terminal: number) => add(short, 'floor', day, { os: WIN, kubectlOs: 'windows/amd64', cert: TERMINAL(terminal), terminal, warm: day, scored: day });
  shift('floor-1', [[5, 13, 'floor']], 1);
  shift('floor-2', [[5, 13, 'floor']], 2);
  shift('floor-3', [[13, 21, 'floor']], 1);
  add('ctr-1', 'ctr', [[8, 12, 'vendor'], [13, 16.5, 'vendor']], { os: WIN, kubectlOs: 'windows/amd64' });
  add('ctr-2', 'ctr', [[8.5, 12.5, 'home'], [13.5, 17, 'home']], { home: '188.22.140.61' });
  add('platform', 'platform', [[7, 11.5, 'office'], [12.5, 16, 'office']], { os: LINUX, kubectlOs: 'linux/amd64', cert: LAPTOP('PF3K9C44') });
  add('oncall', 'oncall', [[7.5, 12, 'office'], [13, 16.5, 'office'], [19.5, 22, 'vpn']], { cert: LAPTOP('C02H17MZ') });
  return out;
}

type Req = { method: string; path: string; headers?: Record<string, string>; body?: string; headlamp?: boolean };

const pod = podName;

function ctlTask(rand: () => number, t: number, n: number): Req[] {
  const k = rand();
  if (k < 0.25) return [{ method: 'GET', path: '/api/v1/namespaces/plc-gateway-prod/pods?limit=500' }, { method: 'GET', path: `/api/v1/namespaces/plc-gateway-prod/pods/${pod('plc-gateway', n)}/log?container=gateway&tailLines=500` }];
  if (k < 0.45) return [{ method: 'GET', path: '/api/v1/namespaces/mes-prod/pods?limit=500' }, { method: 'GET', path: '/api/v1/namespaces/mes-prod/events?limit=500' }];
  if (k < 0.6) return [{ method: 'GET', path: '/api/v1/namespaces/mes-staging/pods?limit=500' }, { method: 'POST', path: `/api/v1/namespaces/mes-staging/pods/${pod('mes-api', n)}/exec?command=sh&container=api&stdin=true&stdout=true&tty=true` }];
  if (k < 0.7) return [{ method: 'GET', path: '/api/v1/namespaces/mes-staging/secrets/mes-db' }];
  if (k < 0.85) return [{ method: 'GET', path: '/api/v1/namespaces/edge-dev/pods?limit=500' }, { method: 'PATCH', path: '/apis/apps/v1/namespaces/edge-dev/deployments/edge-agent?fieldManager=kubectl-rollout', headers: SMP, body: restartPatch(t) }];
  return [{ method: 'GET', path: '/apis/apps/v1/namespaces/plc-gateway-prod/deployments?limit=500' }, { method: 'GET', path: '/api/v1/namespaces/plc-gateway-prod/configmaps/plc-tags' }];
}

function mesTask(rand: () => number, t: number, n: number): Req[] {
  const k = rand();
  if (k < 0.3) return [{ method: 'GET', path: '/api/v1/namespaces/mes-prod/pods?limit=500' }, { method: 'GET', path: `/api/v1/namespaces/mes-prod/pods/${pod('mes-api', n)}/log?container=api&tailLines=500` }];
  if (k < 0.5) return [{ method: 'GET', path: '/api/v1/namespaces/historian-prod/pods?limit=500' }, { method: 'GET', path: '/api/v1/namespaces/historian-prod/persistentvolumeclaims?limit=500' }];
  if (k < 0.65) return [{ method: 'GET', path: '/api/v1/namespaces/mes-staging/secrets/mes-db' }];
  if (k < 0.75) return [{ method: 'PATCH', path: '/apis/apps/v1/namespaces/mes-prod/deployments/mes-api?fieldManager=kubectl-rollout', headers: SMP, body: restartPatch(t) }, { method: 'GET', path: '/apis/apps/v1/namespaces/mes-prod/deployments/mes-api' }];
  if (k < 0.9) return [{ method: 'GET', path: '/api/v1/namespaces/mes-staging/pods?limit=500' }, { method: 'GET', path: '/api/v1/namespaces/mes-staging/events?limit=500' }];
  return [{ method: 'GET', path: '/api/v1/namespaces/mes-staging/configmaps/mes-api' }];
}

/** Headlamp on a thin client: a line's pods and logs through its API pass-through, now and then a restart of its OPC UA bridge. */
function floorTask(rand: () => number, t: number, n: number): Req[] {
  const line = rand() < 0.5 ? 'line-a-prod' : 'line-b-prod';
  const k = rand();
  const c = `/clusters/main`;
  if (k < 0.55) return [{ method: 'GET', path: `${c}/api/v1/namespaces/${line}/pods`, headlamp: true }, { method: 'GET', path: `${c}/apis/apps/v1/namespaces/${line}/deployments`, headlamp: true }];
  if (k < 0.85) return [{ method: 'GET', path: `${c}/api/v1/namespaces/${line}/pods/${pod('opcua-bridge', n)}/log?container=bridge&tailLines=100&timestamps=true&follow=true`, headlamp: true }];
  if (k < 0.93) return [{ method: 'PATCH', path: `${c}/apis/apps/v1/namespaces/${line}/deployments/opcua-bridge`, headers: SMP, body: restartPatch(t), headlamp: true }];
  return [{ method: 'GET', path: `${c}/api/v1/namespaces/${line}/events`, headlamp: true }];
}

function ctrTask(rand: () => number, t: number, n: number): Req[] {
  const k = rand();
  if (k < 0.35) return [{ method: 'GET', path: '/api/v1/namespaces/vision-dev/pods?limit=500' }, { method: 'PATCH', path: '/apis/apps/v1/namespaces/vision-dev/deployments/inspector?fieldManager=kubectl-rollout', headers: SMP, body: restartPatch(t) }];
  if (k < 0.6) return [{ method: 'GET', path: '/api/v1/namespaces/vision-staging/pods?limit=500' }, { method: 'GET', path: `/api/v1/namespaces/vision-staging/pods/${pod('inspector', n)}/log?tailLines=500` }];
  if (k < 0.8) return [{ method: 'GET', path: `/api/v1/namespaces/vision-prod/pods/${pod('inspector', n)}/log?tailLines=500` }];
  return [{ method: 'GET', path: '/api/v1/namespaces/vision-dev/configmaps/inspector-model' }];
}

function platformTask(rand: () => number): Req[] {
  const k = rand();
  if (k < 0.3) return [{ method: 'GET', path: '/api/v1/nodes' }, { method: 'GET', path: '/apis/metrics.k8s.io/v1beta1/nodes' }];
  if (k < 0.55) return [{ method: 'GET', path: '/api/v1/namespaces/gateway/pods?limit=500' }, { method: 'GET', path: '/api/v1/namespaces/gateway/configmaps/envoy' }];
  if (k < 0.75) return [{ method: 'GET', path: '/apis/cert-manager.io/v1/certificates?limit=500' }];
  return [{ method: 'GET', path: '/api/v1/namespaces/kube-system/pods?limit=500' }];
}

const PROD = ['mes-prod', 'plc-gateway-prod', 'historian-prod', 'line-a-prod'];


/** The address of a sitting: the VPN's egress moves to another range at 11:00 on the scored day. */
function addressOf(p: Person, where: Where, t: number, scored: boolean): string {
  if (where === 'office') return OFFICE(p.idx * 11);
  if (where === 'floor') return FLOOR(p.terminal ?? 0);
  if (where === 'vendor') return VENDOR(p.idx * 7);
  if (where === 'home') return p.home;
  return scored && t >= D27_WED + 11 * H ? VPN_B(p.idx * 13) : VPN_A(p.idx * 13);
}

/** ctl-3's replacement laptop, from 13:00 on the scored day. */
export const REPLACEMENT = LAPTOP('PF3M0D12');

export function workday27(seed = 251): DayEvent[] {
  const rand = prng(seed * 2_654_435_761 + 27);
  const people = staff(rand);
  const events: DayEvent[] = [];
  for (const [day, scored] of [[D27_TUE, false], [D27_WED, true]] as const) {
    const at = (h: number) => day + h * H;
    for (const p of people) {
      let n = 0;
      let login: Login | undefined;
      let last = -Infinity;
      for (const [from, to, where] of scored ? p.scored : p.warm) {
        // A new sitting after a break of two hours, or on another machine, is a new sign-in.
        const replaced = scored && p.short === 'ctl-3' && from >= 13;
        if (login === undefined || from - last > 2 || replaced || p.kind === 'floor') login = { sub: p.name, sid: `${p.name}:${day}:${Math.round(from * 10)}`, authTime: Math.floor((at(from) - 40 * S) / 1000), acr: 'urn:stepgate:aal2' };
        last = to;
        const l = login;
        const cert = replaced ? REPLACEMENT : p.cert;
        let t = at(from) + M;
        while (t < at(to)) {
          const reqs: Req[] = p.kind === 'ctl' ? ctlTask(rand, t, n) : p.kind === 'mes' ? mesTask(rand, t, n) : p.kind === 'floor' ? floorTask(rand, t, n) : p.kind === 'ctr' ? ctrTask(rand, t, n) : p.kind === 'platform' ? platformTask(rand) : oncallRoutine(rand, t, n, PROD, ['mes-prod', 'mes-api']);
          n++;
          const gap = 1500 + rand() * 2500;
          reqs.forEach((q, i) => {
            const when = Math.round(t + i * gap);
            const browser = q.headlamp === true;
            events.push({
              at: when,
              actor: p.name,
              scored,
              ip: addressOf(p, where, when, scored),
              ua: browser ? CHROME(p.os) : KUBECTL(p.kubectlOs),
              login: l,
              method: q.method,
              path: q.path,
              host: browser ? HEADLAMP : API,
              ...(browser || q.headers ? { headers: { ...(browser ? BROWSER_HINTS(p.os) : {}), ...q.headers } } : {}),
              ...(q.body !== undefined ? { body: q.body } : {}),
              ...(cert !== undefined ? { principal: cert } : {}),
            });
          });
          t += (p.kind === 'floor' ? 8 : 5) * M + rand() * 15 * M;
        }
      }
    }
    // The CI runner's service account, with the runners' workload certificate: the MES's staging image every 20 minutes, 06:00–18:00.
    const ci: Login = { sub: 'system:serviceaccount:ci:mes-deployer', sid: '', authTime: undefined, acr: 'urn:stepgate:aal1', serviceAccount: true };
    for (let j = 0; j < 36; j++) {
      const t = day + 6 * H + j * 20 * M;
      const base = { actor: 'ci', scored, ip: `10.40.${j % 2}.${30 + ((j * 7) % 40)}`, ua: KUBECTL('linux/amd64'), login: ci, host: API, principal: RUNNER };
      events.push({ ...base, at: t, method: 'PATCH', path: '/apis/apps/v1/namespaces/mes-staging/deployments/mes-api?fieldManager=kubectl-set', headers: SMP, body: JSON.stringify({ spec: { template: { spec: { containers: [{ name: 'api', image: `registry.brandauer.example/mes/api:${(seed * 7919 + j * 104729 + (scored ? 1 : 0)).toString(16).slice(0, 7)}` }] } } } }) });
      events.push({ ...base, at: t + 30 * S, method: 'GET', path: '/apis/apps/v1/namespaces/mes-staging/deployments/mes-api' });
    }
  }
  events.sort((a, b) => a.at - b.at);
  return withAttacks(events, attacks27(people, events));
}

/** A line's press recipe changed through Headlamp: one part's press force. */
export const pressRecipe = JSON.stringify({ data: { 'part-4711.force_kn': '182' } });

/** An x-forwarded-client-cert element as Envoy writes it, naming a laptop's certificate. */
export const forgedXfcc = (principal: string, hash: string) => `By=spiffe://brandauer.example/gateway;Hash=${hash};URI=${principal}`;

function attacks27(people: Person[], routine: DayEvent[]): DayEvent[] {
  const out: DayEvent[] = [];
  const { by, add, T, on } = attackKit(out, people, D27_WED, API);
  const kubectlOf = (x: DayEvent) => x.ua.startsWith('kubectl/');
  /** Every request of the attack named `name` sent with `principal` (the client certificate its machine presents). */
  const withCert = (name: string, principal: string) => {
    for (const e of out) if (e.attack === name) e.principal = principal;
  };
  const secrets = (ns: string): [string, string, boolean] => ['GET', `/api/v1/namespaces/${ns}/secrets`, true];
  const exec = (ns: string, p: string): [string, string, boolean] => ['POST', `/api/v1/namespaces/${ns}/pods/${p}/exec?command=sh&container=gateway&stdin=true&stdout=true&tty=true`, true];

  // 1. ctl-1's token (its kubeconfig's cached ID token, read by a visitor's USB stick at lunch)
  // replayed at 14:40 from an unmanaged laptop on the office network: the victim's kubectl agent,
  // no certificate (the gateway lets certificate-less clients through to stepgate: contractors
  // have none). The managed laptop presented its certificate on every request it ever made.
  const c1 = by('ctl-1');
  const v1 = lastScoredOf(routine, c1.name, T(14.66), kubectlOf);
  add("a controls engineer's token replayed from an unmanaged machine on the office network (no client certificate)", T(14.66), OFFICE(173), v1.ua, v1.login, on([
    ['GET', '/api/v1/namespaces/plc-gateway-prod/pods?limit=500', false],
    secrets('plc-gateway-prod'),
    exec('plc-gateway-prod', 'plc-gateway-0'),
  ]), 12 * S, c1);

  // 2. The same against ctl-2 at 10:20, with the header a gateway that trusted it would read: an
  // x-forwarded-client-cert naming the victim's laptop (its principal is in every TLS handshake
  // the laptop made on the office Wi-Fi; the Hash is made up). The example does not trust the
  // header, and Envoy in front of stepgate sanitises it.
  const c2 = by('ctl-2');
  const v2 = lastScoredOf(routine, c2.name, T(10.33), kubectlOf);
  add("a controls engineer's token with a client-written x-forwarded-client-cert naming their laptop (office network, no certificate)", T(10.33), OFFICE(181), v2.ua, v2.login, on([
    ['GET', '/api/v1/namespaces/mes-prod/pods?limit=500', false, { 'x-forwarded-client-cert': forgedXfcc(c2.cert!, 'a3f1c0de'.repeat(8)) }],
    ['GET', '/api/v1/namespaces/mes-prod/secrets', true, { 'x-forwarded-client-cert': forgedXfcc(c2.cert!, 'a3f1c0de'.repeat(8)) }],
  ]), 10 * S, c2);

  // 3. The MES engineer (an insider on their own managed laptop: their certificate, the office
  // network) with ctl-3's token, which ctl-3's Headlamp login left in a kubeconfig export on a
  // shared thin client: a shell in the PLC gateway, which the MES team never touches.
  const c3 = by('ctl-3');
  const m1 = by('mes-1');
  const v3 = lastScoredOf(routine, c3.name, T(15.5), kubectlOf);
  const a3 = "another employee's managed laptop (their client certificate) with a controls engineer's token";
  add(a3, T(15.5), OFFICE(m1.idx * 11), KUBECTL(m1.kubectlOs), v3.login, on([
    ['GET', '/api/v1/namespaces/plc-gateway-prod/pods?limit=500', false],
    exec('plc-gateway-prod', 'plc-gateway-0'),
  ]), 15 * S, c3);
  withCert(a3, m1.cert!);

  // 4. Malware on the on-call's laptop at 23:10, after the evening's work from home: the laptop's
  // own certificate (its key is in the keychain, usable by any process of the user), its VPN
  // address, the evening's token refreshed by kubelogin. Every production namespace's Secrets.
  const oc = by('oncall');
  const v4 = lastScoredOf(routine, oc.name, T(23.16), kubectlOf);
  const a4 = "malware on the on-call's managed laptop at night (its certificate, its VPN address, its token)";
  add(a4, T(23.16), v4.ip, v4.ua, v4.login, on([
    ['GET', '/api/v1/namespaces/mes-prod/pods?limit=500', false],
    secrets('mes-prod'),
    secrets('plc-gateway-prod'),
    secrets('historian-prod'),
  ]), 6 * S, oc);
  withCert(a4, oc.cert!);

  // 5. The late shift on the first thin client (13:20) uses the early shift's Headlamp session,
  // left open when floor-1 went home at 13:00: floor-1's token, the terminal's certificate, the
  // plant's network, the same browser. Line A's press recipe changed (the press force of one
  // part), which the early shift's restarts of the OPC UA bridge make a routine kind of write there.
  const f1 = by('floor-1');
  const v5 = lastScoredOf(routine, f1.name, T(13), (x) => x.host === HEADLAMP);
  const a5 = "the late shift using the early shift's Headlamp session left open on a shared thin client";
  add(a5, T(13.33), v5.ip, v5.ua, v5.login, [
    ['GET', '/clusters/main/apis/apps/v1/namespaces/line-a-prod/deployments', false, BROWSER_HINTS(WIN), undefined, HEADLAMP],
    ['PATCH', '/clusters/main/api/v1/namespaces/line-a-prod/configmaps/press-recipe', true, { ...BROWSER_HINTS(WIN), 'content-type': 'application/merge-patch+json' }, pressRecipe, HEADLAMP],
  ], 20 * S, f1);
  withCert(a5, TERMINAL(1));

  // 6. ctr-1's token, copied to a colleague's PC at the vendor's office at 14:30 (the same
  // network, the same Windows image and kubectl): the vision system's production logs and a
  // shell in its inspector.
  const r1 = by('ctr-1');
  const v6 = lastScoredOf(routine, r1.name, T(14.5), kubectlOf);
  add("a contractor's token copied to another machine on the contractor's network (no certificate on either)", T(14.5), VENDOR(r1.idx * 7 + 3), v6.ua, v6.login, on([
    ['GET', '/api/v1/namespaces/vision-prod/pods?limit=500', false],
    secrets('vision-prod'),
    ['POST', '/api/v1/namespaces/vision-prod/pods/inspector-0/exec?command=sh&container=inspector&stdin=true&stdout=true&tty=true', true],
  ]), 10 * S, r1);

  // 7. The platform engineer's token, printed by a debugging step into a CI job's log at 11:40,
  // used from a CI runner (its workload certificate, the runners' network) at 12:10: a
  // ClusterRoleBinding for the runner's service account.
  const pf = by('platform');
  const v7 = lastScoredOf(routine, pf.name, T(12.16), kubectlOf);
  const a7 = "the platform engineer's token leaked into a CI log, used from a CI runner (the runners' workload certificate)";
  add(a7, T(12.16), '10.40.1.52', KUBECTL('linux/amd64'), v7.login, on([
    ['GET', '/apis/rbac.authorization.k8s.io/v1/clusterrolebindings?limit=500', false],
    ['POST', '/apis/rbac.authorization.k8s.io/v1/clusterrolebindings?fieldManager=kubectl-create', true, JSON_CT, JSON.stringify({ apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRoleBinding', metadata: { name: 'ci-runner-debug' }, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'cluster-admin' }, subjects: [{ kind: 'ServiceAccount', name: 'runner', namespace: 'ci' }] })],
  ]), 8 * S, pf);
  withCert(a7, RUNNER);
  return out;
}
