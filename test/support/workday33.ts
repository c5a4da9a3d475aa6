import { createECDH, createHash, createPrivateKey, X509Certificate, type KeyObject } from 'node:crypto';
import { readFileSync, rmSync } from 'node:fs';
import { parseConfig } from '../../src/config/load.js';
import type { DeviceCertificatesConfig } from '../../src/config/schema.js';
import { deviceCertificatesSchema } from '../../src/config/schema/device-certificates.js';
import { compileAssurance } from '../../src/core/assurance.js';
import type { Identity } from '../../src/core/identity.js';
import { csrPem } from '../../src/credential/device.js';
import { loadDeviceCa } from '../../src/devices/ca.js';
import { DeviceEnroller } from '../../src/devices/enrol.js';
import { makeDeviceCa } from './device-ca.js';
import { dataTask, devTask, platformTask, qaTask, type Req, sreTask } from './workday31.js';
import { attackKit, ciDeploys, type DayEvent, jitteredSittings, type Login, MAC, podName, prng, restartPatch, type StaffMember, withAttacks, WS_UPGRADE } from './workday.js';

/**
 * A thirty-third replayed day, written as an outside red team and an outside observer of real
 * engineers would after reading docs/risk.md, docs/device-certificates.md and
 * docs/configuration.md, from a situation days 1–32 do not have: kubectl on unmanaged laptops
 * presenting stepgate-issued device certificates (`device_certificates`, the credential plugin's
 * `--device-certificate`). A route-planning SaaS for freight carriers (Kestrel Routing, Lisbon,
 * remote-first, 10 people on the gateway) whose engineers bring their own Macs and move a lot:
 * home, the office, a café, the Alfa Pendular train's Wi-Fi, a hotel in Porto and the conference
 * venue there, a phone's tether. The gateway (Istio, `OPTIONAL_MUTUAL`, the device CA in its
 * bundle) verifies a presented certificate and passes its URI SAN as `source.principal`; a client
 * without one goes through on its token alone. x-forwarded-client-cert is not trusted
 * (`network.trust_forwarded_client_cert` false, the example's). Warm-up Wednesday 15 September 2027,
 * scored Thursday 16 September (hours UTC; Lisbon is UTC+1).
 *
 * Each laptop's certificate is made by stepgate's own issuing code (src/devices/enrol.ts and
 * issue.ts, with the plugin's CSR from src/credential/device.ts) for the laptop's key, under the
 * deployment's `device_certificates` (min_level aal2, five minutes, a week), and the day reads the
 * principal back from the issued certificate's URI SAN: a change to issuing changes the day.
 *
 * The people (the company's IdP, Authentik, is `ORG_ISS`; a site copy of the example lists it):
 * - plat-1: home mornings, the office afternoons; the certificate, five days old, is renewed at the
 *   scored day's first sign-in (the plugin renews in the last third: the same key, the same device);
 * - plat-2: the 07:00 train from Porto (the train's Wi-Fi: a carrier NAT whose /24 changes along the
 *   line), the office from 10:00;
 * - dev-1: a café's Wi-Fi in the mornings, home after lunch; Headlamp in Chrome beside kubectl,
 *   in the same IdP session (Headlamp's own OIDC sign-in is silent within it);
 * - dev-2: the office; the laptop's logic board dies at lunch on the scored day: a new laptop from
 *   IT, a new key (a new device), a new sign-in and enrolment;
 * - dev-3: home; has not enrolled yet (the kubeconfig without `--device-certificate`): the
 *   fingerprint only;
 * - dev-4: the office on Wednesday; on Thursday in Porto for a conference: the hotel's Wi-Fi before
 *   breakfast, the venue's Wi-Fi all day;
 * - qa-1: Headlamp in Firefox only (no certificate: a browser does not hold the plugin's key);
 * - data-1: the office, home after lunch; Postgres in production;
 * - sre-1: the on-call, home; its second factor is the authenticator app's code (aal2); the evening
 *   page from the phone's tether;
 * - CI: the runners' service-account token, no certificate.
 *
 * The attacks, each of a kind days 1–32 do not have, against this deployment:
 * - the token without the key, through the engineer's own home network (pasted into the incident
 *   channel while debugging a 401; the channel's compromised guest account works through malware on
 *   the home NAS, the same public address), with the engineer's exact kubectl agent;
 * - the same token from a VPS, with a client-written x-forwarded-client-cert naming the laptop's
 *   certificate (the URI is in every handshake the laptop makes, and in the token's claims);
 * - the token without the key from the same hotel Wi-Fi (another guest who recorded dev-4's
 *   screen-shared terminal in the lobby);
 * - the key AND the token: an infostealer copies the plugin's whole cache directory
 *   (`device-key.pem` beside the tokens), used with a copy of the certificate from a residential
 *   proxy in Lisbon, and again from the engineer's own home network (the NAS);
 * - a colleague's certificate with the victim's token: plat-2, on their own enrolled laptop in the
 *   office, with plat-1's token (copied during pairing): `foreign_certificate`;
 * - enrolment itself as the attack: an Evilginx proxy catches the on-call's fresh OTP sign-in; the
 *   attacker's plugin enrols the attacker's own key with it within the five minutes (issued: the
 *   token is fresh and at aal2) and uses the certificate from their VPS;
 * - dev-2's previous laptop, retired last week and sold without a wipe: its certificate expired
 *   (the gateway refuses an expired certificate in the handshake, so the buyer's kubectl goes
 *   without) and the IdP's 30-day offline refresh token still live;
 * - the browser side: an infostealer copies dev-1's Chrome profile (Headlamp's ID token in its
 *   storage) and uses it from a residential proxy with dev-1's Chrome.
 */

export const D33_WED = Date.UTC(2027, 8, 15, 0, 0, 0); // warm-up
export const D33_THU = Date.UTC(2027, 8, 16, 0, 0, 0); // scored
const [H, M, S] = [3_600_000, 60_000, 1000];

export const API = 'kubernetes.kestrel.example';
/** Headlamp, which passes the API through under /clusters/<name>/ with the user's own token. */
export const HEADLAMP = 'headlamp.kestrel.example';
export const KUBECTL = 'kubectl/v1.31.4 (darwin/arm64) kubernetes/a78aa47';
const LINUX = 'kubectl/v1.32.0 (linux/amd64) kubernetes/70d3cc9';
export const CHROME = 'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/128.0.0.0 Safari/537.36';
const CHROME_HINTS = { 'sec-ch-ua': '"Chromium";v="128", "Google Chrome";v="128", "Not;A=Brand";v="24"', 'sec-ch-ua-mobile': '?0', 'sec-ch-ua-platform': '"macOS"' };
const FIREFOX = 'Mozilla/5.0 (Macintosh; Intel Mac OS X 14.6; rv:130.0) Gecko/20100101 Firefox/130.0';
const SMP = { 'content-type': 'application/strategic-merge-patch+json' };

/** The company's identity provider (Authentik; the test issuer serves its keys) and kubectl's client id there. */
export const ORG_ISS = 'https://id.kestrel.example/application/o/kubectl/';
export const ORG_CLIENT = 'kubectl';

/**
 * The site's edits of the example: the company's IdP as an issuer (its keys served by the test
 * issuer), Headlamp's host. The risk engine reads a stepgate device certificate from the principal
 * alone, whatever `device_certificates` says; the deployment's section (below, `DEPLOYMENT`) is
 * what the day's enrolments are decided under.
 */
export const SITE = (yaml: string): string => {
  const jwks = /issuer: (http:\/\/127\.0\.0\.1:\d+)/.exec(yaml)?.[1];
  if (jwks === undefined) throw new Error('day 33: no test issuer in the example');
  return yaml
    .replace('  # Kubernetes service-account tokens', `  - issuer: ${ORG_ISS}\n    jwks_uri: ${jwks}/jwks\n    fetch_timeout_ms: 20000\n    audiences: ["${ORG_CLIENT}"]\n  # Kubernetes service-account tokens`)
    .replace('hosts: [headlamp.localhost]', `hosts: [headlamp.localhost, ${HEADLAMP}]`);
};

/** `device_certificates` as docs/configuration.md's example deploys it (the CA's files are the day's own). */
// Two years from now: the day's clock is in September 2027.
const CA = makeDeviceCa('Kestrel Routing device CA', 730);
export const DEPLOYMENT = deviceCertificatesSchema.parse({ ca_certificate_file: CA.certFile, ca_key_file: CA.keyFile, min_level: 'aal2', max_auth_age_seconds: 300, lifetime_seconds: 7 * 86_400, rate_limit: { max: 10, window_seconds: 3600 } });
const ASSURANCE = compileAssurance(parseConfig(readFileSync(new URL('../../examples/stepgate.yaml', import.meta.url), 'utf8'), 'examples/stepgate.yaml').assurance.levels);
/** The deployment's enrolment endpoint's decision (one replica: its own rate limit). */
export const ENROLLER = new DeviceEnroller(loadDeviceCa(DEPLOYMENT));
// The CA is read: its files go (enrolling reads DEPLOYMENT's limits, never its paths).
rmSync(CA.dir, { recursive: true, force: true });

export type Factor = 'key' | 'otp';
/** A sign-in at the company's IdP: the hardware key (aal3) or the authenticator app's code (aal2). */
export const orgLogin = (sub: string, sid: string, authMs: number, factor: Factor = 'key'): Login => ({
  sub,
  sid,
  authTime: Math.floor(authMs / 1000),
  acr: factor === 'key' ? 'urn:stepgate:aal3' : 'urn:stepgate:aal2',
  identity: { iss: ORG_ISS, aud: ORG_CLIENT },
});

/**
 * A machine's EC P-256 key, the same for the same name: the plugin makes one per laptop at
 * random; the day's must not change between runs, so the scalar is a hash of the laptop's name.
 */
export function laptopKey(name: string): KeyObject {
  const d = createHash('sha256').update(`kestrel laptop ${name}`).digest();
  const ecdh = createECDH('prime256v1');
  ecdh.setPrivateKey(d);
  const pub = ecdh.getPublicKey();
  return createPrivateKey({ key: { kty: 'EC', crv: 'P-256', d: d.toString('base64url'), x: pub.subarray(1, 33).toString('base64url'), y: pub.subarray(33, 65).toString('base64url') }, format: 'jwk' });
}

/** The identity the endpoint sees for `l`'s token (what verification gives the enroller). */
function identityOf(l: Login): Identity {
  const amr = l.acr === 'urn:stepgate:aal3' ? ['hwk', 'mfa'] : ['pwd', 'otp', 'mfa'];
  const level = ASSURANCE.classify(l.acr, amr);
  return { subject: l.sub, issuer: ORG_ISS, groups: [], acr: l.acr, amr, authTime: l.authTime, expiresAt: (l.authTime ?? 0) + 7200, level, levelName: ASSURANCE.names[level] ?? '', session: l.sid, upstreamHeaders: [] };
}

/**
 * What the plugin on `laptop` gets when it enrols with `l`'s token at `atMs`: stepgate's answer
 * (the certificate, or the refusal), and the principal the gateway passes for the certificate (its
 * URI SAN, read back from the issued certificate). `cfg`: the deployment's section, or a variant of it.
 */
export async function enrol(laptop: string, l: Login, atMs: number, cfg: DeviceCertificatesConfig = DEPLOYMENT): Promise<{ ok: true; principal: string; notAfterMs: number } | { ok: false; code: string }> {
  const r = await ENROLLER.enrol(cfg, ASSURANCE, identityOf(l), csrPem(laptopKey(laptop)), atMs);
  if (!r.ok) return { ok: false, code: r.code };
  const san = new X509Certificate(r.certificatePem).subjectAltName ?? '';
  const uri = /^URI:(.*)$/.exec(san)?.[1];
  if (uri === undefined) throw new Error(`day 33: the certificate for ${laptop} has no URI SAN (${san})`);
  return { ok: true, principal: uri, notAfterMs: r.notAfterMs };
}

async function enrolled(laptop: string, l: Login, atMs: number): Promise<string> {
  const r = await enrol(laptop, l, atMs);
  if (!r.ok) throw new Error(`day 33: ${laptop}'s enrolment was refused (${r.code})`);
  return r.principal;
}

const CO = 'kestrel.example';
const nameOf = (short: string) => `d33-${short}@${CO}`;
/** The Monday of the rollout, when everyone who enrolled did, and the Saturday plat-1's certificate was issued. */
const ROLLOUT = D33_WED - 2 * 86_400_000 + 9 * H;

/**
 * The laptops' certificates (principals), made at import: the rollout's enrolments, plat-1's
 * renewal at the scored day's first sign-in (asserted to keep the device), dev-2's replacement.
 */
export const CERT: Readonly<Record<string, string>> = await (async () => {
  const out: Record<string, string> = {};
  for (const short of ['plat-1', 'plat-2', 'dev-1', 'dev-2', 'dev-4', 'data-1', 'sre-1']) {
    const at = short === 'plat-1' ? ROLLOUT - 3 * 86_400_000 : ROLLOUT;
    out[short] = await enrolled(`${short}'s MacBook`, orgLogin(nameOf(short), `${short}:rollout`, at - 60 * S, short === 'sre-1' ? 'otp' : 'key'), at);
  }
  const renewed = await enrolled("plat-1's MacBook", orgLogin(nameOf('plat-1'), 'plat-1:renewal', D33_THU + 7 * H - 40 * S), D33_THU + 7 * H);
  if (renewed !== out['plat-1']) throw new Error(`day 33: plat-1's renewal changed the device (${out['plat-1']} → ${renewed})`);
  out['dev-2:new'] = await enrolled("dev-2's new MacBook", orgLogin(nameOf('dev-2'), 'dev-2:new-laptop', D33_THU + 12.5 * H - 40 * S), D33_THU + 12.5 * H);
  if (out['dev-2:new'] === out['dev-2']) throw new Error('day 33: a new key enrolled as the old device');
  return out;
})();

/** The Lisbon office's public addresses (NOS business fibre). */
export const OFFICE = (n: number) => `213.13.147.${20 + (n % 6)}`;
/** The café's Wi-Fi. */
export const CAFE = '89.155.28.164';
/** The Alfa Pendular's Wi-Fi: a carrier NAT whose /24 changes every 40 minutes along the line. */
export const TRAIN = (h: number, n: number) => `85.242.${[96, 97, 98, 99][Math.floor(h / 0.67) % 4]}.${30 + ((n * 37) % 200)}`;
/** The Porto hotel's guest Wi-Fi, and the conference venue's. */
export const HOTEL = '176.79.201.14';
export const VENUE = (n: number) => `185.218.124.${10 + (n % 4)}`;
/** The on-call's phone tether (MEO's carrier NAT). */
export const TETHER = (n: number) => `188.250.${[41, 43][n % 2]}.${60 + ((n * 41) % 150)}`;
const RUNNER = (j: number) => `10.31.8.${20 + (j % 4)}`;
/** The infostealer's residential proxy exit in Lisbon (another NOS home customer), and a VPS. */
export const RESI_PROXY = '188.81.66.203';
export const VPS = '45.134.26.77';
/** The Evilginx proxy's VPS. */
export const VPS_AITM = '194.26.192.64';
/** The buyer of dev-2's old laptop. */
export const BUYER = '95.94.17.120';

type Kind = 'platform' | 'dev' | 'qa' | 'data' | 'sre';
type Where = 'office' | 'home' | 'cafe' | 'train' | 'hotel' | 'venue' | 'tether';

interface Person extends StaffMember<Where> {
  short: string;
  kind: Kind;
  home: string;
  team: string;
}

function staff(rand: () => number): Person[] {
  const out: Person[] = [];
  const add = (short: string, kind: Kind, team: string, home: string, warm: [number, number, Where][], scored?: [number, number, Where][]) => {
    const idx = out.length;
    out.push({ name: nameOf(short), short, idx, svc: team, team, kind, os: MAC, kubectlOs: 'darwin/arm64', kubectlVersion: 'v1.31.4', home, warm: jitteredSittings(rand, warm), scored: jitteredSittings(rand, scored ?? warm) });
  };
  add('plat-1', 'platform', 'platform', '85.244.61.18', [[7, 11.5, 'home'], [12.5, 16, 'office']]);
  add('plat-2', 'platform', 'platform', '2.82.133.201', [[8, 11.5, 'office'], [12.5, 16.5, 'office']], [[6.2, 8.8, 'train'], [9.5, 11.5, 'office'], [12.5, 16.5, 'office']]);
  add('dev-1', 'dev', 'routing', '94.63.20.7', [[7.5, 11, 'cafe'], [12.5, 16, 'home']]);
  add('dev-2', 'dev', 'routing', '85.241.94.66', [[7.5, 11.5, 'office'], [12.6, 16, 'office']]);
  add('dev-3', 'dev', 'billing', '89.180.7.213', [[7, 11.5, 'home'], [12.5, 15.5, 'home']]);
  add('dev-4', 'dev', 'billing', '2.80.41.90', [[7.5, 11.5, 'office'], [12.5, 16, 'office']], [[6, 7.5, 'hotel'], [8.5, 12, 'venue'], [13.5, 16, 'venue']]);
  add('qa-1', 'qa', 'routing', '94.60.5.19', [[7, 11, 'office'], [12, 15, 'office']]);
  add('data-1', 'data', 'data', '85.245.71.150', [[7, 11, 'office'], [12, 15, 'home']]);
  add('sre-1', 'sre', 'platform', '2.83.3.118', [[6, 11, 'home'], [12, 15, 'home']], [[6, 11, 'home'], [12, 15, 'home'], [19.5, 20.5, 'tether']]);
  return out;
}

const PROD = ['routing-prod', 'billing-prod'];

function addressOf(p: Person, where: Where, h: number, n: number): string {
  switch (where) {
    case 'office':
      return OFFICE(p.idx + n);
    case 'cafe':
      return CAFE;
    case 'train':
      return TRAIN(h, p.idx + n);
    case 'hotel':
      return HOTEL;
    case 'venue':
      return VENUE(p.idx + n);
    case 'tether':
      return TETHER(p.idx + n);
    default:
      return p.home;
  }
}

/** The certificate `p`'s kubectl presents at hour `h` of the scored day (or the warm-up's); none when not enrolled. */
function certificateOf(p: Person, scored: boolean, h: number): string | undefined {
  if (p.short === 'dev-2' && scored && h >= 12.5) return CERT['dev-2:new'];
  return CERT[p.short];
}

export function workday33(seed = 311): DayEvent[] {
  const rand = prng(seed * 2_654_435_761 + 33);
  const people = staff(rand);
  const events: DayEvent[] = [];
  for (const [day, scored] of [[D33_WED, false], [D33_THU, true]] as const) {
    const at = (h: number) => day + h * H;
    for (const p of people) {
      let n = 0;
      let login: Login | undefined;
      let last = -Infinity;
      let laptop = '';
      for (const [from, to, where] of scored ? p.scored : p.warm) {
        let t = at(from) + M;
        while (t < at(to)) {
          const h = (t - day) / H;
          const cert = certificateOf(p, scored, h);
          // A new sitting after a break of two hours is a new sign-in; so is a new laptop.
          const machine = cert ?? 'none';
          if (login === undefined || h - last > 2 || machine !== laptop) {
            login = orgLogin(p.name, `${p.name}:${day}:${Math.round(h * 10)}`, t - 40 * S, p.kind === 'sre' ? 'otp' : 'key');
          }
          laptop = machine;
          last = h;
          let reqs: Req[];
          if (p.kind === 'sre') {
            reqs = scored && n === 18
              ? [{ method: 'PATCH', path: '/apis/apps/v1/namespaces/routing-prod/deployments/routing-api?fieldManager=kubectl-rollout', headers: SMP, body: restartPatch(t) }]
              : sreTask(rand, n, PROD);
          } else if (p.kind === 'platform') reqs = platformTask(rand, n, '/apis/cert-manager.io/v1/certificates');
          else if (p.kind === 'data') reqs = dataTask(rand);
          else if (p.kind === 'qa') reqs = qaTask(rand, n, ['routing', 'billing']);
          else reqs = devTask(rand, p, t, n);
          const ip = addressOf(p, where, h, n);
          // QA works through Headlamp in Firefox; dev-1 opens Headlamp in Chrome every fourth task,
          // in the same IdP session as kubectl (no certificate: the browser does not hold the key).
          const browser = p.kind === 'qa' ? 'firefox' : p.short === 'dev-1' && n % 4 === 3 && reqs.every((q) => q.method === 'GET') ? 'chrome' : undefined;
          const gap = 1500 + rand() * 2500;
          const l = login;
          reqs.forEach((q, i) => {
            const base: DayEvent = { at: Math.round(t + i * gap), actor: p.name, scored, ip, ua: KUBECTL, login: l, method: q.method, path: q.path, host: API, ...(q.headers ? { headers: q.headers } : {}), ...(q.body !== undefined ? { body: q.body } : {}) };
            if (browser !== undefined) {
              events.push({ ...base, ua: browser === 'chrome' ? CHROME : FIREFOX, host: HEADLAMP, path: `/clusters/main${q.path}`, ...(browser === 'chrome' ? { headers: { ...CHROME_HINTS, ...q.headers } } : {}) });
            } else events.push({ ...base, ...(cert !== undefined ? { principal: cert } : {}) });
          });
          n++;
          t += 5 * M + rand() * 15 * M;
        }
      }
    }
    ciDeploys(events, { day, scored, seed, sub: 'system:serviceaccount:ci:routing-deployer', ip: RUNNER, host: API, namespace: 'routing-staging', deployment: 'routing-api', image: 'ghcr.io/kestrel/routing-api', ua: 'kubectl/v1.31.4 (linux/amd64) kubernetes/a78aa47' });
  }
  events.sort((a, b) => a.at - b.at);
  return withAttacks(events, attacks33(people, events));
}

/** The login of `actor`'s last routine request before `t` matching `match`. */
function loginBefore(routine: readonly DayEvent[], actor: string, t: number, match: (e: DayEvent) => boolean = () => true): DayEvent {
  let e: DayEvent | undefined;
  for (const x of routine) if (x.actor === actor && x.at < t && match(x)) e = x;
  if (e === undefined) throw new Error(`day 33: no request of ${actor} before ${new Date(t).toISOString()}`);
  return e;
}

/** An x-forwarded-client-cert element as the gateway writes it, written by the client instead. */
export const forgedXfcc = (principal: string) => `By=spiffe://cluster.local/ns/istio-system/sa/istio-ingressgateway;Hash=${'ab'.repeat(32)};URI=${principal}`;

/** The attacker's own machine's key: the certificate the enrolment attack obtains. */
export const ATTACKER_LAPTOP = 'the attacker\'s VPS';

/** The Evilginx sign-in of the on-call (seed-independent: the phishing mail came at 09:28). */
export const PHISHED = orgLogin(nameOf('sre-1'), 'sre-1:evilginx', D33_THU + 9.47 * H, 'otp');
/** The certificate the attacker's plugin obtained with the phished token, 90 s after the sign-in. */
export const PHISHED_CERT: { ok: true; principal: string; notAfterMs: number } | { ok: false; code: string } = await enrol(ATTACKER_LAPTOP, PHISHED, D33_THU + 9.47 * H + 90 * S);

function attacks33(people: Person[], routine: DayEvent[]): DayEvent[] {
  const out: DayEvent[] = [];
  const { by, add, T, on } = attackKit(out, people, D33_THU, API);
  const secret = (ns: string, name: string): [string, string, boolean] => ['GET', `/api/v1/namespaces/${ns}/secrets/${name}`, true];
  const shell = (ns: string, app: string): [string, string, boolean, Record<string, string>] => ['GET', `/api/v1/namespaces/${ns}/pods/${podName(app, 3)}/exec?command=sh&container=api&stdin=true&stdout=true&tty=true`, true, WS_UPGRADE];
  const withPrincipal = (name: string, principal: string) => {
    for (const e of out) if (e.attack === name) e.principal = principal;
  };
  const withHeader = (name: string, h: Record<string, string>) => {
    for (const e of out) if (e.attack === name) e.headers = { ...e.headers, ...h };
  };
  const kubectlAt = (who: Person, t: number) => loginBefore(routine, who.name, t, (e) => e.host === API && e.principal !== undefined);

  // 1. The token alone, through the engineer's own home network (the NAS), the engineer's agent.
  const d1 = by('data-1');
  const a1 = "the token without the device key (pasted into the incident channel), used through the engineer's own home network with the engineer's kubectl agent";
  const v1 = kubectlAt(d1, T(13.5));
  add(a1, T(13.5), d1.home, KUBECTL, v1.login, on([
    ['GET', '/api/v1/namespaces/data-prod/pods?limit=500', false],
    secret('data-prod', 'postgres-superuser'),
    shell('data-prod', 'postgres'),
  ]), 20 * S, d1);

  // 2. The same leak from a VPS, with a client-written x-forwarded-client-cert naming the laptop.
  const a2 = "the token without the device key from a VPS, with a client-written x-forwarded-client-cert naming the engineer's device certificate";
  add(a2, T(13.75), VPS, KUBECTL, v1.login, on([
    ['GET', '/api/v1/namespaces/data-prod/pods?limit=500', false],
    secret('data-prod', 'postgres-superuser'),
  ]), 15 * S, d1);
  withHeader(a2, { 'x-forwarded-client-cert': forgedXfcc(CERT['data-1']!) });

  // 3. The token alone from the same hotel Wi-Fi, while dev-4 is there.
  const d4 = by('dev-4');
  const a3 = "the token without the device key from the same hotel Wi-Fi (another guest recorded the engineer's screen-shared terminal in the lobby)";
  const v3 = kubectlAt(d4, T(7.3));
  add(a3, T(7.3), HOTEL, KUBECTL, v3.login, on([
    ['GET', '/api/v1/namespaces/billing-prod/pods?limit=500', false],
    secret('billing-prod', 'billing-db'),
    shell('billing-prod', 'billing-api'),
  ]), 20 * S, d4);

  // 4. Key and token: the plugin's cache directory copied; the certificate presented from a
  // residential proxy in Lisbon, and from the engineer's home network (the NAS).
  const p1 = by('plat-1');
  const a4 = "the device key AND the token (an infostealer copied the plugin's cache directory), with the certificate, from a residential proxy in the engineer's city";
  const v4 = kubectlAt(p1, T(14));
  add(a4, T(14), RESI_PROXY, KUBECTL, v4.login, on([
    ['GET', '/api/v1/nodes', false],
    secret('kube-system', 'cert-manager-dns01'),
    shell('routing-prod', 'routing-api'),
  ]), 20 * S, p1);
  withPrincipal(a4, CERT['plat-1']!);
  const dev1 = by('dev-1');
  const a4b = "the device key AND the token, with the certificate, through the engineer's own home network (malware on the home NAS) after the engineer signed off";
  const v4b = kubectlAt(dev1, T(16.5));
  add(a4b, T(16.6), dev1.home, KUBECTL, v4b.login, on([
    ['GET', '/api/v1/namespaces/routing-prod/pods?limit=500', false],
    secret('routing-prod', 'routing-maps-api'),
    secret('billing-prod', 'billing-db'),
    shell('billing-prod', 'billing-api'),
  ]), 20 * S, dev1);
  withPrincipal(a4b, CERT['dev-1']!);

  // 5. A colleague's certificate with the victim's token: plat-2's laptop, plat-1's token, the office.
  const a5 = "a colleague's own enrolled laptop (their device certificate) with the victim's token, copied while pairing, from the office network";
  const v5 = kubectlAt(p1, T(15));
  add(a5, T(15), OFFICE(by('plat-2').idx + 40), KUBECTL, v5.login, on([
    ['GET', '/api/v1/namespaces/kube-system/pods?limit=500', false],
    secret('kube-system', 'cert-manager-dns01'),
    ['POST', '/apis/rbac.authorization.k8s.io/v1/clusterrolebindings', true, { 'content-type': 'application/json' }, JSON.stringify({ apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRoleBinding', metadata: { name: 'pairing-debug' }, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'cluster-admin' }, subjects: [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'User', name: nameOf('plat-2') }] })],
  ]), 20 * S, p1);
  withPrincipal(a5, CERT['plat-2']!);

  // 6. Enrolment as the attack: the phished fresh token enrols the attacker's key; used from the VPS.
  const a6 = "an Evilginx proxy's fresh OTP sign-in of the on-call enrols the attacker's own key (a device certificate for the victim), used from the attacker's VPS";
  if (!PHISHED_CERT.ok) throw new Error(`day 33: the phished enrolment was refused (${PHISHED_CERT.code}): the attack row needs rewriting`);
  add(a6, PHISHED.authTime! * 1000 + 3 * M, VPS_AITM, LINUX, PHISHED, on([
    ['GET', '/api/v1/namespaces/routing-prod/pods?limit=500', false],
    secret('routing-prod', 'routing-db'),
    shell('routing-prod', 'routing-api'),
  ]), 20 * S);
  withPrincipal(a6, PHISHED_CERT.principal);

  // 7. dev-2's retired laptop: the certificate expired (refused by the gateway, so none reaches
  // stepgate), the IdP's offline refresh token still live: a week-old sign-in, freshly refreshed.
  const d2 = by('dev-2');
  const a7 = "a retired laptop sold without a wipe: its device certificate expired (refused by the gateway's handshake), its IdP refresh token live (a week-old sign-in)";
  const retired = orgLogin(d2.name, `${d2.name}:old-laptop`, D33_THU - 8 * 86_400_000 + 8 * H);
  add(a7, T(19), BUYER, KUBECTL, retired, on([
    ['GET', '/api/v1/namespaces/routing-prod/pods?limit=500', false],
    secret('routing-prod', 'routing-db'),
  ]), 30 * S);

  // 8. The browser side: dev-1's Chrome profile (Headlamp's token) from a residential proxy.
  const a8 = "an infostealer copies the engineer's Chrome profile (Headlamp's ID token, the same IdP session as kubectl) and uses it from a residential proxy with the engineer's Chrome";
  const v8 = loginBefore(routine, dev1.name, T(15), (e) => e.host === HEADLAMP);
  add(a8, Math.max(v8.at + 20 * M, T(15)), RESI_PROXY, CHROME, v8.login, [
    ['GET', '/clusters/main/api/v1/namespaces/routing-prod/pods?limit=500', false, CHROME_HINTS, undefined, HEADLAMP],
    ['GET', '/clusters/main/api/v1/namespaces/routing-prod/secrets/routing-maps-api', true, CHROME_HINTS, undefined, HEADLAMP],
  ], 20 * S, dev1);
  return out;
}
