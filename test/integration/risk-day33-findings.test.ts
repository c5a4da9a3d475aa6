import { describe, expect, it } from 'vitest';
import { deniedBody, reasonOf, type CheckResponse, riskContextOf as contextOf } from '../support/grpc-client.js';
import { exampleServiceForFile } from '../support/workday-service.js';
import { findingRequests, rules, type Step } from '../support/findings.js';
import { API, CERT, CHROME, DEPLOYMENT, enrol, type Factor, forgedXfcc, HEADLAMP, HOTEL, KUBECTL, orgLogin, RESI_PROXY, SITE, TRAIN, VENUE, VPS, VPS_AITM } from '../support/workday33.js';

/**
 * What the thirty-third replayed day (test/support/workday33.ts, docs/risk.md "Day 33") found,
 * through the real gRPC server running the example on a virtual clock with day 33's site edit (the
 * company's IdP as an issuer), for unmanaged laptops whose kubectl presents a device certificate
 * stepgate issued (`device_certificates`; its URI SAN is `source.principal`). The certificates are
 * issued by stepgate's own enrolment code for each laptop's key (workday33.ts `enrol`). Each test is
 * one person's routine, then the finding, with their sign-in of that moment. The open ones are
 * `it.fails`.
 */

const [WED, THU] = [15, 16].map((d) => Date.UTC(2027, 8, d, 8, 0, 0)) as [number, number];
const H = 3_600_000;
const HOME = '85.245.71.150';
const LINUX = 'kubectl/v1.32.0 (linux/amd64) kubernetes/70d3cc9';
const CHROME_HINTS = { 'sec-ch-ua': '"Chromium";v="128", "Google Chrome";v="128", "Not;A=Brand";v="24"', 'sec-ch-ua-mobile': '?0', 'sec-ch-ua-platform': '"macOS"' };

const work: Step[] = [
  ['GET', '/api/v1/namespaces/data-prod/pods?limit=500'],
  ['GET', '/api/v1/namespaces/data-prod/pods/postgres-0/log?container=postgres&tailLines=500'],
  ['GET', '/api/v1/namespaces/data-staging/secrets/postgres-app'],
  ['GET', '/api/v1/namespaces/data-prod/secrets/postgres-app'],
];

/** A laptop's certificate from stepgate's own enrolment (a fresh sign-in with the key, five minutes). */
async function certificateFor(laptop: string, sub: string, at: number): Promise<string> {
  const r = await enrol(laptop, orgLogin(sub, `${sub}:enrol`, at - 60_000), at);
  if (!r.ok) throw new Error(`enrolment refused: ${r.code}`);
  return r.principal;
}

describe('kubectl with stepgate device certificates on unmanaged laptops, with the example and day 33\'s site', () => {
  const s = exampleServiceForFile({ edit: SITE });
  const { send, routine } = findingRequests(s, { host: API, source: HOME, ua: KUBECTL, firstDay: WED, secondDay: THU });

  /** Two days of `work` on the enrolled laptop at home; the second day's login and the certificate. */
  async function twoDays(sub: string, factor: Factor = 'key'): Promise<{ login: ReturnType<typeof orgLogin>; cert: string }> {
    const cert = await certificateFor(`${sub}'s MacBook`, sub, WED - 2 * 86_400_000);
    await routine(orgLogin(sub, `${sub}:wed`, WED - 40_000, factor), WED, work, { principal: cert });
    const login = orgLogin(sub, `${sub}:thu`, THU - 40_000, factor);
    await routine(login, THU, work, { principal: cert });
    return { login, cert };
  }

  // Stopped at request 1 (day 33, every seed both ways): the token without the key, through the
  // engineer's own home network with the engineer's exact kubectl agent. Nothing but the key tells
  // it from the laptop: certificate_missing (the login came with the certificate).
  it("the token without the key, from the engineer's own network and agent, is bound to a sign-in; the laptop goes on", async () => {
    const { login, cert } = await twoDays('d33f-data-1@kestrel.example');
    const res = await send(login, THU + 4 * H, 'GET', '/api/v1/namespaces/data-prod/pods?limit=500');
    expect(reasonOf(res), rules(res)).toBe('auth_too_old');
    expect(contextOf(res)).toBe('certificate_missing');
    const own = await send(login, THU + 4 * H + 60_000, 'GET', '/api/v1/namespaces/data-prod/pods?limit=500', { principal: cert });
    expect(reasonOf(own), rules(own)).toBe('allowed');
  });

  // Stopped at request 1: a client-written x-forwarded-client-cert naming the laptop's certificate
  // (the example does not trust the header) is no certificate, from the home network too.
  it("a client-written x-forwarded-client-cert naming the laptop's device certificate is no certificate", async () => {
    const { login, cert } = await twoDays('d33f-xfcc@kestrel.example');
    const res = await send(login, THU + 4 * H, 'GET', '/api/v1/namespaces/data-prod/pods?limit=500', { headers: { 'x-forwarded-client-cert': forgedXfcc(cert) } });
    expect(reasonOf(res), rules(res)).toBe('auth_too_old');
    expect(contextOf(res)).toBe('certificate_missing');
  });

  // Stopped at request 1: the token alone from the same hotel Wi-Fi as the engineer, after the
  // engineer's sign-in there proved it. The hotel's address is the engineer's now; the key is not.
  it('the token without the key from the same hotel Wi-Fi, after the engineer proved it, is bound to a sign-in', async () => {
    const sub = 'd33f-dev-4@kestrel.example';
    const { cert } = await twoDays(sub);
    const hotel = orgLogin(sub, `${sub}:hotel`, THU - 2 * H + 30_000);
    const first = await send(hotel, THU - 2 * H + 60_000, 'GET', '/api/v1/namespaces/data-prod/pods?limit=500', { source: HOTEL, principal: cert });
    // The hotel is a network never seen; the sign-in 30 s before is older than it (new_network).
    expect(contextOf(first)).toBe('new_network');
    const proven = orgLogin(sub, `${sub}:hotel-2`, THU - 2 * H + 90_000);
    await routine(proven, THU - 2 * H + 90_000, work, { source: HOTEL, principal: cert });
    const res = await send(proven, THU - 2 * H + 20 * 60_000, 'GET', '/api/v1/namespaces/data-prod/pods?limit=500', { source: HOTEL });
    expect(reasonOf(res), rules(res)).toBe('auth_too_old');
    expect(contextOf(res)).toBe('certificate_missing');
  });

  // Stopped at request 1 (every seed both ways): the key AND the token (the plugin's cache
  // directory) with the certificate from a residential proxy: the certificate is the laptop, the
  // network is new, and risk.learn.certificate_roams is off (as the example and
  // docs/device-certificates.md leave it for a key in a file). What stops it is the network alone.
  it('the key and the token, with the certificate, from a network never seen, is bound to a sign-in', async () => {
    const { login, cert } = await twoDays('d33f-plat-1@kestrel.example');
    const res = await send(login, THU + 6 * H, 'GET', '/api/v1/namespaces/data-prod/pods?limit=500', { source: RESI_PROXY, principal: cert });
    expect(reasonOf(res), rules(res)).toBe('auth_too_old');
    expect(contextOf(res)).toBe('new_network');
  });

  // Stopped at request 1: a colleague's own enrolled laptop with the victim's token, on the office
  // network both use. The colleague's certificate names the colleague: no device evidence for the
  // victim (foreign_certificate), a device of its own never proven (new_device).
  it("a colleague's device certificate with the victim's token is no device of the victim's", async () => {
    const { login } = await twoDays('d33f-plat-a@kestrel.example');
    const colleague = await certificateFor("plat-b's MacBook", 'd33f-plat-b@kestrel.example', THU - H);
    const res = await send(login, THU + 5 * H, 'GET', '/api/v1/namespaces/data-prod/pods?limit=500', { principal: colleague });
    expect(reasonOf(res), rules(res)).toBe('auth_too_old');
    expect(['new_device', 'certificate_missing']).toContain(contextOf(res));
  });

  // Stopped at request 1: the enrolment is the attack. An Evilginx proxy's fresh OTP sign-in (aal2,
  // within max_auth_age_seconds) enrols the attacker's own key: stepgate issues (nothing at the
  // endpoint tells the attacker's plugin from the engineer's). The certificate names the victim and
  // is a device first seen after that sign-in (new_device), from a network never seen.
  it("a phished fresh sign-in enrols the attacker's key, and the certificate is a new device bound to a later sign-in", async () => {
    const sub = 'd33f-sre-1@kestrel.example';
    // The on-call's only factor is the authenticator app's code, as on the day.
    await twoDays(sub, 'otp');
    const phished = orgLogin(sub, `${sub}:evilginx`, THU + 1.5 * H, 'otp');
    const issued = await enrol("the attacker's VPS", phished, THU + 1.5 * H + 90_000);
    expect(issued.ok).toBe(true);
    const principal = issued.ok ? issued.principal : '';
    const res = await send(phished, THU + 1.5 * H + 180_000, 'GET', '/api/v1/namespaces/data-prod/pods?limit=500', { source: VPS_AITM, ua: LINUX, principal });
    expect(reasonOf(res), rules(res)).toBe('auth_too_old');
    expect(['new_network', 'new_device']).toContain(contextOf(res));
    // The same certificate from the victim's own home network (an attacker who also rents an exit
    // there) is still a device first seen after the sign-in: new_device binds.
    const home = await send(phished, THU + 1.5 * H + 200_000, 'GET', '/api/v1/namespaces/data-prod/pods?limit=500', { ua: LINUX, principal });
    expect(reasonOf(home), rules(home)).toBe('auth_too_old');
    expect(contextOf(home)).toBe('new_device');
  });

  // A renewal (the plugin's, in the certificate's last third) keeps the key, so the device: the
  // renewed certificate's principal is the old one's, and the engineer is asked nothing.
  it('a renewal keeps the device; a new laptop is a new device, asked once', async () => {
    const sub = 'd33f-dev-2@kestrel.example';
    const { cert } = await twoDays(sub);
    const renewed = await certificateFor(`${sub}'s MacBook`, sub, THU + 2 * H);
    expect(renewed).toBe(cert);
    await routine(orgLogin(sub, `${sub}:renewed`, THU + 2 * H - 60_000), THU + 2 * H, work, { principal: renewed });
    // The logic board dies: a new laptop, a new key, a new sign-in and enrolment.
    const fresh = await certificateFor(`${sub}'s new MacBook`, sub, THU + 4.5 * H);
    expect(fresh).not.toBe(cert);
    const newLogin = orgLogin(sub, `${sub}:new-laptop`, THU + 4.5 * H - 60_000);
    const first = await send(newLogin, THU + 4.5 * H + 40_000, 'GET', '/api/v1/namespaces/data-prod/pods?limit=500', { principal: fresh });
    expect(reasonOf(first), rules(first)).toBe('auth_too_old');
    expect(contextOf(first)).toBe('new_device');
    await routine(orgLogin(sub, `${sub}:new-laptop-2`, THU + 4.5 * H + 60_000), THU + 4.5 * H + 60_000, work, { principal: fresh });
  });

  // Stopped at request 1 by the policy: a laptop retired a week ago and sold without a wipe. Its
  // certificate expired (the gateway refuses it in the handshake, so nothing reaches stepgate) and
  // the IdP's offline refresh token still gives ID tokens, whose auth_time is the week-old sign-in.
  it("a retired laptop's refreshed token carries its week-old sign-in and is refused by the policy", async () => {
    const sub = 'd33f-old@kestrel.example';
    await twoDays(sub);
    const old = orgLogin(sub, `${sub}:old-laptop`, THU - 8 * 86_400_000);
    const res = await send(old, THU + 11 * H, 'GET', '/api/v1/namespaces/data-prod/pods?limit=500', { source: '95.94.17.120' });
    expect(reasonOf(res), rules(res)).toBe('auth_too_old');
    // From the engineer's own network too: the policy's 12-hour max_age, no context needed.
    const home = await send(old, THU + 11 * H + 60_000, 'GET', '/api/v1/namespaces/data-prod/pods?limit=500');
    expect(reasonOf(home), rules(home)).toBe('auth_too_old');
    expect(contextOf(home)).toBe('');
  });

  // Stopped at request 1: Headlamp's ID token from the engineer's Chrome profile (the same IdP
  // session as kubectl), from a residential proxy with the engineer's Chrome.
  it("the browser's token (Headlamp, the same IdP session as kubectl) from another network is bound to a sign-in", async () => {
    const sub = 'd33f-dev-1@kestrel.example';
    const { login } = await twoDays(sub);
    const ok = await send(login, THU + H, 'GET', '/clusters/main/api/v1/namespaces/data-prod/pods?limit=500', { host: HEADLAMP, ua: CHROME, headers: CHROME_HINTS });
    // The engineer's own browser beside kubectl in a login used with the certificate: asked once on
    // this (fresh) server, as any device without the certificate is (certificate_missing).
    expect(contextOf(ok)).toBe('certificate_missing');
    const res = await send(login, THU + 3 * H, 'GET', '/clusters/main/api/v1/namespaces/data-prod/secrets/postgres-app', { host: HEADLAMP, ua: CHROME, headers: CHROME_HINTS, source: RESI_PROXY });
    expect(reasonOf(res), rules(res)).toBe('auth_too_old');
  });

  // Open (day 33, seeds 312, 314 and 315 with the warm-up day; stopped at request 3, past the first
  // sensitive action, without it): the key AND the token, with the
  // certificate, through the engineer's own home network (malware on the home NAS), 40 minutes
  // after the engineer's sign-in for the 8-hour freshness. Everything device- and network-wise is
  // the engineer's; another team's production Secret and a shell there are outside the working set
  // (unfamiliar_namespace), but within that sign-in's grace (unfamiliar_namespace.grace_seconds
  // 3600, grace_namespaces 5): a sign-in covers the next hour's new namespaces, whoever uses it.
  // Day 27's malware on the managed laptop is the same class; the certificate cannot help (the
  // key is a file the malware reads). Closed by unfamiliar_namespace.grace_production_secrets
  // false (session 44, the describe below), which the example leaves out for its price.
  it.fails("the key and the token through the engineer's own network, within a fresh sign-in's grace, are refused another team's production Secret", async () => {
    const sub = 'd33f-nas@kestrel.example';
    const { cert } = await twoDays(sub);
    const fresh = orgLogin(sub, `${sub}:freshness`, THU + 7.9 * H);
    await routine(fresh, THU + 7.9 * H + 30_000, work, { principal: cert });
    const res = await send(fresh, THU + 8.6 * H, 'GET', '/api/v1/namespaces/billing-prod/secrets/billing-db', { principal: cert });
    expect(reasonOf(res), rules(res)).not.toBe('allowed');
  });

  // Closed in session 43 (example: risk.learn.certificate_nearby): the 07:00 train's Wi-Fi is a
  // carrier NAT whose /24 changes along the line, past nearby_networks.vouch_seconds (15 minutes)
  // after the sign-in that proved the first. The laptop's proven certificate carries the login
  // that proved the first /24 to the next one of the /16: plat-2 is asked once (was twice within
  // 40 minutes, every seed both ways; docs/risk.md "Session 43").
  it("a proven laptop's certificate on a train's carrier NAT is not asked again when its /24 moves", async () => {
    const sub = 'd33f-plat-2@kestrel.example';
    const { cert } = await twoDays(sub);
    // The train's first /24 is asked for (a network never seen) and proven by the sign-in after it.
    const early = orgLogin(sub, `${sub}:early`, THU - 2 * H);
    expect(contextOf(await send(early, THU - 2 * H + 30_000, 'GET', '/api/v1/namespaces/data-prod/pods?limit=500', { source: TRAIN(0, 1), principal: cert }))).toBe('new_network');
    const board = orgLogin(sub, `${sub}:train`, THU - 2 * H + 60_000);
    await routine(board, THU - 2 * H + 60_000, work, { source: TRAIN(0, 1), principal: cert });
    const res = await send(board, THU - 2 * H + 45 * 60_000, 'GET', '/api/v1/namespaces/data-prod/pods?limit=500', { source: TRAIN(0.7, 1), principal: cert });
    expect(reasonOf(res), rules(res)).toBe('allowed');
  });

  // certificate_nearby's edges: the same move with the morning's login (which proved nothing on
  // the train: the copy an infostealer took before the engineer boarded), or with the train's login
  // but without the key, is asked as before. Its price: the key and the train login's token copied
  // together, used from the carrier's /16 (another passenger on the same Wi-Fi), are allowed.
  it("the certificate carries only the login that proved the train's first /24, and only with the key", async () => {
    const sub = 'd33f-plat-2b@kestrel.example';
    const { cert, login: morning } = await twoDays(sub);
    const at = THU + 2 * H;
    const early = orgLogin(sub, `${sub}:early`, at - 60_000);
    expect(contextOf(await send(early, at, 'GET', '/api/v1/namespaces/data-prod/pods?limit=500', { source: TRAIN(0, 1), principal: cert }))).toBe('new_network');
    const board = orgLogin(sub, `${sub}:train`, at + 30_000);
    await routine(board, at + 60_000, work, { source: TRAIN(0, 1), principal: cert });
    const before = await send(morning, at + 45 * 60_000, 'GET', '/api/v1/namespaces/data-prod/pods?limit=500', { source: TRAIN(0.7, 1), principal: cert });
    expect(contextOf(before)).toBe('new_network');
    const keyless = await send(board, at + 46 * 60_000, 'GET', '/api/v1/namespaces/data-prod/pods?limit=500', { source: TRAIN(0.7, 1) });
    expect(reasonOf(keyless), rules(keyless)).toBe('auth_too_old');
    const copy = await send(board, at + 47 * 60_000, 'GET', '/api/v1/namespaces/data-prod/pods?limit=500', { source: TRAIN(1.4, 1), principal: cert });
    expect(reasonOf(copy), rules(copy)).toBe('allowed');
  });
});

describe("risk.learn.certificate_roams on (the lever's price on day 33)", () => {
  const s = exampleServiceForFile({ edit: (y) => SITE(y).replace('    min_level: aal2\n    newcomer_grace_seconds', '    min_level: aal2\n    certificate_roams: true\n    newcomer_grace_seconds') });
  const { send, routine } = findingRequests(s, { host: API, source: HOME, ua: KUBECTL, firstDay: WED, secondDay: THU });

  it('the conference venue reached by the proven certificate is not asked; the copied key and token from a residential proxy are not asked either', async () => {
    const sub = 'd33f-roams@kestrel.example';
    const cert = await certificateFor(`${sub}'s MacBook`, sub, WED - 2 * 86_400_000);
    await routine(orgLogin(sub, `${sub}:wed`, WED - 40_000), WED, work, { principal: cert });
    const login = orgLogin(sub, `${sub}:thu`, THU - 40_000);
    await routine(login, THU, work, { source: VENUE(0), principal: cert });
    // The price: a copy of the cache directory (key and token) from anywhere the behaviour signals
    // do not catch.
    const res = await send(login, THU + 3 * H, 'GET', '/api/v1/namespaces/data-prod/secrets/postgres-app', { source: RESI_PROXY, principal: cert });
    expect(reasonOf(res), rules(res)).toBe('allowed');
    // Without the key nothing changes: certificate_missing still binds the token alone.
    const alone = await send(login, THU + 3 * H + 60_000, 'GET', '/api/v1/namespaces/data-prod/pods?limit=500', { source: VPS });
    expect(reasonOf(alone), rules(alone)).toBe('auth_too_old');
  });
});

describe('risk.learn.certificate_nearby.move_after_seconds 1800 (session 45; not in the example for its price)', () => {
  const s = exampleServiceForFile({ edit: (y) => SITE(y).replace('certificate_nearby: { enabled: true }', 'certificate_nearby: { enabled: true, move_after_seconds: 1800 }') });
  const { send, routine } = findingRequests(s, { host: API, source: HOME, ua: KUBECTL, firstDay: WED, secondDay: THU });

  // dev-4 (every seed with the warm-up day: over the target by the hotel, then the venue): the
  // hotel's Wi-Fi before breakfast is asked and proven by the sign-in made there; the conference
  // venue, another provider's /16 an hour later, is carried by that certificate and that login.
  it("the venue an hour after the hotel is not asked; a copy beside the laptop is; the copy after the laptop's pause is not (the price)", async () => {
    const sub = 'd33f-dev-4@kestrel.example';
    const cert = await certificateFor(`${sub}'s MacBook`, sub, WED - 2 * 86_400_000);
    await routine(orgLogin(sub, `${sub}:wed`, WED - 40_000), WED, work, { principal: cert });
    const morning = orgLogin(sub, `${sub}:thu`, THU - 40_000);
    await routine(morning, THU, work, { principal: cert });
    const at = THU + 2 * H;
    expect(contextOf(await send(morning, at, 'GET', '/api/v1/namespaces/data-prod/pods?limit=500', { source: HOTEL, principal: cert }))).toBe('new_network');
    const hotel = orgLogin(sub, `${sub}:hotel`, at + 30_000);
    await routine(hotel, at + 60_000, work, { source: HOTEL, principal: cert });
    // A copy of key and token from a residential proxy 10 minutes after the laptop's last request: asked.
    const beside = await send(hotel, at + 12 * 60_000, 'GET', '/api/v1/namespaces/data-prod/pods?limit=500', { source: RESI_PROXY, principal: cert });
    expect(contextOf(beside)).toBe('new_network');
    // The laptop at the venue 60 minutes after its last request (the copy's refusal at +12 min restarted the pause).
    const venue = await send(hotel, at + 72 * 60_000, 'GET', '/api/v1/namespaces/data-prod/pods?limit=500', { source: VENUE(0), principal: cert });
    expect(reasonOf(venue), rules(venue)).toBe('allowed');
    // The price: the same copy after the laptop has been idle 30 minutes, from anywhere.
    const copy = await send(hotel, at + 110 * 60_000, 'GET', '/api/v1/namespaces/data-prod/pods?limit=500', { source: VPS, principal: cert });
    expect(reasonOf(copy), rules(copy)).toBe('allowed');
    // Without the key nothing changes: certificate_missing binds the token alone.
    const alone = await send(hotel, at + 111 * 60_000, 'GET', '/api/v1/namespaces/data-prod/pods?limit=500', { source: VPS });
    expect(reasonOf(alone), rules(alone)).toBe('auth_too_old');
  });
});

describe("risk.signals.unfamiliar_namespace.grace_production_secrets false (session 44; not in the example for its price)", () => {
  const s = exampleServiceForFile({ edit: (y) => SITE(y).replace('    unfamiliar_kind: { kinds: [secret_read, proxy, pod_copy, database_copy] }\n', '    unfamiliar_kind: { kinds: [secret_read, proxy, pod_copy, database_copy] }\n    unfamiliar_namespace: { grace_production_secrets: false }\n') });
  const { send, routine } = findingRequests(s, { host: API, source: HOME, ua: KUBECTL, firstDay: WED, secondDay: THU });

  // The row above, with the key: another team's production Secret, 40 minutes after the engineer's
  // sign-in, needs a sign-in after billing-prod was first seen, and says why; the engineer's own
  // namespaces go on under the same sign-in, and so does a lower environment new to them.
  it("the key and the token through the engineer's own network, within a fresh sign-in's grace, are refused another team's production Secret", async () => {
    const sub = 'd33f-nas-2@kestrel.example';
    const cert = await certificateFor(`${sub}'s MacBook`, sub, WED - 2 * 86_400_000);
    await routine(orgLogin(sub, `${sub}:wed`, WED - 40_000), WED, work, { principal: cert });
    await routine(orgLogin(sub, `${sub}:thu`, THU - 40_000), THU, work, { principal: cert });
    const fresh = orgLogin(sub, `${sub}:freshness`, THU + 7.9 * H);
    await routine(fresh, THU + 7.9 * H + 30_000, work, { principal: cert });
    const res = await send(fresh, THU + 8.6 * H, 'GET', '/api/v1/namespaces/billing-prod/secrets/billing-db', { principal: cert });
    expect(reasonOf(res), rules(res)).toBe('auth_too_old');
    expect(JSON.stringify(deniedBody(res))).toContain("a production namespace's Secrets need a sign-in after its first sighting");
    const lower = await send(fresh, THU + 8.6 * H + 60_000, 'GET', '/api/v1/namespaces/billing-staging/secrets/billing-db', { principal: cert });
    expect(reasonOf(lower), rules(lower)).toBe('allowed');
  });
});

describe("enrolment's own levers against a phished sign-in", () => {
  // What stops the enrolment attack at the endpoint: only `min_level`. With the example's aal2 an
  // OTP sign-in enrols; at aal3 (a hardware key) a phished OTP sign-in is refused
  // `device_level_insufficient`, and so is the on-call whose only factor is the app's code (the
  // lever's price: those engineers keep the fingerprint). A token past max_auth_age_seconds
  // (a stolen cache, not a live phish) is refused `device_auth_too_old`.
  it('min_level aal3 refuses an OTP sign-in; a stale token is refused at any level', async () => {
    const sub = 'd33f-enrol@kestrel.example';
    const otp = orgLogin(sub, `${sub}:otp`, THU, 'otp');
    expect((await enrol("the attacker's VPS", otp, THU + 60_000)).ok).toBe(true);
    const stale = await enrol("the attacker's VPS", otp, THU + (DEPLOYMENT.max_auth_age_seconds + 60) * 1000);
    expect(stale).toEqual({ ok: false, code: 'device_auth_too_old' });
    const aal3 = { ...DEPLOYMENT, min_level: 'aal3' };
    expect(await enrol("the attacker's VPS", otp, THU + 90_000, aal3)).toEqual({ ok: false, code: 'device_level_insufficient' });
    expect((await enrol(`${sub}'s MacBook`, orgLogin(sub, `${sub}:key`, THU), THU + 90_000, aal3)).ok).toBe(true);
  });

  it("the day's enrolled laptops are eight (seven engineers', dev-2 with two), each its own device naming its engineer", () => {
    const principals = Object.values(CERT);
    expect(principals).toHaveLength(8);
    expect(new Set(principals).size).toBe(8);
    for (const p of principals) expect(p).toMatch(/^stepgate:\/\/device\/[A-Za-z0-9_-]{16,64}\?iss=https%3A%2F%2Fid\.kestrel\.example%2Fapplication%2Fo%2Fkubectl%2F&sub=d33-/);
  });
});
