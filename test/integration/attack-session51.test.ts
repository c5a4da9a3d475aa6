import { request as httpRequest } from 'node:http';
import { describe, expect, it } from 'vitest';
import { DeviceCookies, deviceOwner } from '../../src/cookies/device-cookie.js';
import { parseKeyList } from '../../src/cookies/keys.js';
import { SessionCodec } from '../../src/cookies/session.js';
import { AMR, builtServerForFile, ELSEWHERE, freshSubjects, KUBE, OFFICE, reason, rules, type Level } from '../support/built-server.js';
import type { CheckResponse } from '../support/grpc-client.js';
import { checkRequest, type RequestSpec } from '../support/requests.js';

/**
 * Session 51's black-box corpus (redteam51) through the build `npm start` serves
 * (examples/stepgate.yaml with stepgate's own step-up session and the step-up listener on
 * loopback): the device cookie replayed out of the browser it was given to, the step-up link's
 * return targets session 50 did not try, and client-sent headers that would name another network,
 * another path or a second credential. The attacker holds what an infostealer takes from the
 * victim's browser (the session and device cookies and the exact user agent) and sends from their
 * own network or, at worst, the victim's office network. Rows seal sessions and sign device cookies
 * with the server's key list as its callback would.
 */

const KEYS = `k1:${Buffer.alloc(32, 51).toString('base64url')}`;
const ring = parseKeyList(KEYS, 'SG_SESSION_KEYS');
const codec = new SessionCodec({ cookie_name: 'stepgate_session', lifetime_seconds: 3600, keys_env: 'SG_SESSION_KEYS' }, ring);
const devices = new DeviceCookies(ring, undefined);
/** The same key id with other bytes: a device cookie signed by someone without the server's key. */
const impostor = new DeviceCookies(parseKeyList(`k1:${Buffer.alloc(32, 52).toString('base64url')}`, 'X'), undefined);
const server = builtServerForFile(
  'session51',
  (yaml) => {
    const issuer = /issuer: (http:\/\/127\.0\.0\.1:\d+)\n/.exec(yaml)![1]!;
    return yaml
      .replace('  shutdown_grace_seconds: 10', '  shutdown_grace_seconds: 10\n  trusted_proxies: [127.0.0.1]')
      .replace(
        'stepup:\n',
        `stepup:\n  oidc: { issuer: ${issuer}, client_id: stepgate, client_secret_env: SG_CLIENT_SECRET, redirect_uri: http://auth.localhost:8080/.stepgate/callback, allow_insecure_http: true }\n  session: { keys_env: SG_SESSION_KEYS }\n`,
      );
  },
  { SG_CLIENT_SECRET: 'session51-client-secret', SG_SESSION_KEYS: KEYS, STEPGATE_HTTP_LISTEN: '127.0.0.1:0' },
);
const subjects = freshSubjects(() => server().issuer, 'session51');

const DASH = 'grafana.localhost';
const CHROME_LINUX = 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36';
const CHROME_LINUX_NEXT = 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/133.0.0.0 Safari/537.36';
const CHROME_WINDOWS = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36';
const FIREFOX_WINDOWS = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:133.0) Gecko/20100101 Firefox/133.0';
const FIREFOX_LINUX = 'Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0';
const SAFARI_MAC = 'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Safari/605.1.15';
const NAV = { accept: 'text/html', 'sec-fetch-mode': 'navigate' };

/** A session the callback would have sealed for `sub`, `age` seconds after a sign-in at `level`. */
async function sessionOf(sub: string, level: Level = 'aal2', age = 60): Promise<string> {
  const sealed = await codec.create({ iss: server().issuer.url, sub, acr: `urn:stepgate:${level}`, amr: AMR[level], auth_time: subjects.now() - age, extra: { sub, email: sub } }, Date.now());
  return `stepgate_session=${sealed!.value}`;
}
/** The device cookie value the callback would have given `sub`'s browser. */
const deviceValue = (sub: string, signer: DeviceCookies = devices) => signer.issue(deviceOwner(server().issuer.url, sub)).value;

/** A browser navigation to the dashboard: Chrome on Linux from the office unless the spec says otherwise. */
const browse = (spec: Partial<RequestSpec> & { cookie?: string }): Promise<CheckResponse> => {
  const { cookie, ...rest } = spec;
  return server().client.check(
    checkRequest({ host: DASH, path: '/d/home', source: OFFICE, ...rest, headers: { 'user-agent': CHROME_LINUX, ...NAV, ...(cookie !== undefined ? { cookie } : {}), ...rest.headers } }),
  );
};

/**
 * The victim: a fresh subject whose two-factor step-up a minute ago left the session and the
 * device cookie in Chrome on Linux, used from the office (the first request proves the office,
 * the device and the client kind for the subject).
 */
async function victim(): Promise<{ sub: string; session: string; device: string; cookie: string }> {
  const sub = subjects.subject();
  const session = await sessionOf(sub);
  const device = `stepgate_device=${deviceValue(sub)}`;
  const cookie = `${session}; ${device}`;
  const own = await browse({ cookie });
  expect(reason(own), `the victim's own browser: ${rules(own)}`).toBe('allowed');
  const again = await browse({ cookie, path: '/admin/users' });
  expect(reason(again), `the victim's own browser on the admin page: ${rules(again)}`).toBe('allowed');
  return { sub, session, device, cookie };
}

const refused = (res: CheckResponse, what: string) => expect(reason(res), `${what}: ${rules(res)}`).not.toBe('allowed');

describe('the device cookie copied out of the victim\'s browser (an infostealer\'s haul)', () => {
  it.each<[string, string, Record<string, string>]>([
    ['into Firefox on Windows', FIREFOX_WINDOWS, {}],
    ['into Chrome on Windows', CHROME_WINDOWS, {}],
    ['into Firefox on Linux', FIREFOX_LINUX, {}],
    ['into Safari on a Mac', SAFARI_MAC, {}],
    ["with the victim's agent but another platform hint", CHROME_LINUX, { 'sec-ch-ua-platform': '"Windows"' }],
  ])('%s, on the office network itself: a device never proven, so the session is asked again', async (_what, ua, extra) => {
    const v = await victim();
    refused(await browse({ cookie: v.cookie, headers: { 'user-agent': ua, ...extra } }), 'the dashboard home');
    refused(await browse({ cookie: v.cookie, path: '/admin/users', headers: { 'user-agent': ua, ...extra } }), 'the admin page');
  });

  it.each<[string, string]>([
    ["with the victim's exact user agent", CHROME_LINUX],
    ['into Firefox on Windows', FIREFOX_WINDOWS],
  ])('%s from the attacker\'s own network: refused (the network was never proven)', async (_what, ua) => {
    const v = await victim();
    refused(await browse({ cookie: v.cookie, source: ELSEWHERE, headers: { 'user-agent': ua } }), 'the dashboard home');
    refused(await browse({ cookie: v.cookie, source: ELSEWHERE, path: '/admin/users', headers: { 'user-agent': ua } }), 'the admin page');
  });

  it("with the victim's exact agent and a weaker sign-in of the victim's from the attacker's network (a helpdesk reset): asked the hardware key the victim proved, as a copied agent is", async () => {
    const sub = subjects.subject();
    const device = `stepgate_device=${deviceValue(sub)}`;
    const key = `${await sessionOf(sub, 'aal3', 60)}; ${device}`;
    expect(reason(await browse({ cookie: key })), 'the victim with the key at the office').toBe('allowed');
    const res = await browse({ cookie: `${await sessionOf(sub, 'aal2', 30)}; ${device}`, source: ELSEWHERE, headers: { accept: 'application/json', 'sec-fetch-mode': 'cors' } });
    refused(res, 'the code sign-in from elsewhere');
    const said = JSON.stringify(res.denied_response ?? {});
    expect(said, said.slice(0, 400)).toMatch(/level=aal3|acr_values[^,]*aal3|"aal3"/);
  });

  it('control: the victim\'s own Chrome after an update, with and without its platform hint, is still the device it proved', async () => {
    const v = await victim();
    for (const headers of [{ 'user-agent': CHROME_LINUX_NEXT }, { 'user-agent': CHROME_LINUX_NEXT, 'sec-ch-ua-platform': '"Linux"' }, { 'sec-ch-ua-platform': '"Linux"' }] as Record<string, string>[]) {
      const res = await browse({ cookie: v.cookie, path: '/admin/users', headers });
      expect(reason(res), `${JSON.stringify(headers)}: ${rules(res)}`).toBe('allowed');
    }
  });

  it("a colleague's proven device cookie beside the victim's session, in the victim's own browser shape: no device of the victim's", async () => {
    const v = await victim();
    const colleague = await victim();
    refused(await browse({ cookie: `${v.session}; ${colleague.device}` }), "the colleague's cookie");
    refused(await browse({ cookie: `${colleague.device}; ${v.session}` }), "the colleague's cookie first");
  });

  it("the attacker's own device cookie (their own step-up) beside the victim's session: no device of the victim's", async () => {
    const v = await victim();
    const attacker = subjects.subject();
    refused(await browse({ cookie: `${v.session}; stepgate_device=${deviceValue(attacker)}` }), "the attacker's own cookie");
  });

  it.each<[string, (value: string) => string]>([
    ['its id with one character changed', (d) => d.replace(/\.(.)/, (_m, c: string) => `.${c === 'A' ? 'B' : 'A'}`)],
    ['its signature truncated by one character', (d) => d.slice(0, -1)],
    ['its signature cut to nothing', (d) => d.slice(0, d.lastIndexOf('.') + 1)],
    ['another key id', (d) => `k2${d.slice(d.indexOf('.'))}`],
    ['an empty key id', (d) => d.slice(d.indexOf('.'))],
    ['a fourth segment', (d) => `${d}.AAAA`],
    ['its signature percent-encoded', (d) => d.replace(/_/g, '%5F').replace(/-/g, '%2D')],
    ['quoted', (d) => `"${d}"`],
  ])('the victim\'s device cookie with %s, beside the session in the victim\'s own browser shape: refused', async (_what, mangle) => {
    const sub = subjects.subject();
    const session = await sessionOf(sub);
    const good = deviceValue(sub);
    expect(reason(await browse({ cookie: `${session}; stepgate_device=${good}`, path: '/admin/users' }))).toBe('allowed');
    const bad = mangle(good);
    expect(bad).not.toBe(good);
    refused(await browse({ cookie: `${session}; stepgate_device=${bad}`, path: '/admin/users' }), bad);
  });

  it('a device cookie of the right shape signed with another key under the same key id: refused', async () => {
    const v = await victim();
    refused(await browse({ cookie: `${v.session}; stepgate_device=${deviceValue(v.sub, impostor)}` }), 'impostor');
  });

  it.each<[string, (device: string) => string]>([
    ['the name in upper case', (d) => d.replace('stepgate_device', 'STEPGATE_DEVICE')],
    ['the name capitalised', (d) => d.replace('stepgate_device', 'Stepgate_device')],
    ['the name percent-encoded', (d) => d.replace('stepgate_device', 'stepgate%5Fdevice')],
    ['the name with a space before the =', (d) => d.replace('=', ' =')],
    ['the name prefixed __Host-', (d) => `__Host-${d}`],
  ])('the valid cookie under %s, sent from Firefox on the office network: refused', async (_what, rename) => {
    const v = await victim();
    refused(await browse({ cookie: `${v.session}; ${rename(v.device)}`, headers: { 'user-agent': FIREFOX_WINDOWS } }), 'renamed');
  });

  it('four forged device cookies before the valid one, from Firefox: refused (the valid one names no Firefox)', async () => {
    const v = await victim();
    const forged = Array.from({ length: 4 }, (_, i) => `stepgate_device=k1.${String(i).repeat(22)}.${'B'.repeat(22)}`).join('; ');
    refused(await browse({ cookie: `${v.session}; ${forged}; ${v.device}`, headers: { 'user-agent': FIREFOX_WINDOWS } }), 'five cookies');
  });

  it('a 64 KiB device cookie before the valid one, from Firefox: an answer, never an allow', async () => {
    const v = await victim();
    refused(await browse({ cookie: `${v.session}; stepgate_device=${'A'.repeat(65_536)}; ${v.device}`, headers: { 'user-agent': FIREFOX_WINDOWS } }), 'oversized');
  });

  it('the session and the device cookie in two Cookie headers (header_map, as Envoy forwards an HTTP/1 client\'s two lines), from Firefox: refused', async () => {
    const v = await victim();
    for (const order of [[v.session, v.device], [v.device, v.session]]) {
      const req = checkRequest({ host: DASH, path: '/d/home', source: OFFICE, raw: true, headers: { 'user-agent': FIREFOX_WINDOWS, ...NAV } });
      const map = (req.attributes.request.http as { header_map: { headers: { key: string; raw_value: Buffer }[] } }).header_map;
      for (const c of order) map.headers.push({ key: 'cookie', raw_value: Buffer.from(c!, 'latin1') });
      refused(await server().client.check(req), order.join(' | ').slice(0, 40));
    }
  });

  it('control: the same two Cookie headers from the victim\'s own Chrome are the victim\'s browser', async () => {
    const v = await victim();
    const req = checkRequest({ host: DASH, path: '/admin/users', source: OFFICE, raw: true, headers: { 'user-agent': CHROME_LINUX, ...NAV } });
    const map = (req.attributes.request.http as { header_map: { headers: { key: string; raw_value: Buffer }[] } }).header_map;
    for (const c of [v.session, v.device]) map.headers.push({ key: 'cookie', raw_value: Buffer.from(c, 'latin1') });
    expect(reason(await server().client.check(req))).toBe('allowed');
  });

  it('the session under `cookie` and the device cookie under `Cookie` in the headers map, from Firefox: refused', async () => {
    const v = await victim();
    refused(await browse({ cookie: v.session, headers: { 'user-agent': FIREFOX_WINDOWS, Cookie: v.device } }), 'Cookie vs cookie');
  });
});

interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}
function raw(base: string, path: string, headers: Record<string, string> = {}): Promise<Reply> {
  const u = new URL(base);
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: u.hostname, port: u.port, path, method: 'GET', headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}

describe('the step-up link: return targets sessions 50 and earlier did not try', () => {
  const hostile = [
    `https://${DASH}.evil.example/`,
    'https://localhost.evil.example/',
    'https://evil.example/.localhost',
    'https://evil.example?.localhost',
    'https://evil.example#.localhost',
    'https://evil.example\\.localhost/',
    `https://${DASH}:1@evil.example/`,
    `https://${DASH}%3A443@evil.example/`,
    '/%252F%252Fevil.example/',
    '%2F%2Fevil.example/',
    '//evil.example/',
    '///evil.example/',
    '\\\\evil.example/',
    '/\\evil.example/',
    'https://evil.ex\u0430mple/',
    'https://evil.example\uff0elocalhost/',
    'https://xn--80ak6aa92e.com/',
    'ftp://evil.example/',
    'https:evil.example',
    `https://evil.example:443\\@${DASH}/`,
  ];

  it.each(hostile)('rd=%j: no page that would send the browser to another site', async (rd) => {
    const r = await raw(server().stepup!, `/.stepgate/start?${new URLSearchParams({ level: 'aal2', rd })}`, { accept: 'text/html' });
    expect(r.status).toBeLessThan(500);
    expect(r.headers.location).toBeUndefined();
    expect(r.headers['set-cookie']).toBeUndefined();
    // Whatever the page offers as a return target is on a listed host (*.localhost).
    for (const m of r.body.matchAll(/value="([^"]*)"/g)) {
      const v = m[1]!.replace(/&amp;/g, '&');
      if (!/^[a-z][a-z0-9+.-]*:/i.test(v)) continue;
      const u = new URL(v);
      expect(u.protocol, v).toBe('https:');
      expect(u.hostname === 'localhost' || u.hostname.endsWith('.localhost'), v).toBe(true);
      expect(u.username + u.password, v).toBe('');
    }
    expect(r.body).not.toMatch(/evil\.example|xn--80ak6aa92e/i);
  });
});

describe('client-sent headers that would name another network, path or credential', () => {
  const spoofs: [string, Record<string, string>][] = [
    ['x-forwarded-for naming the office', { 'x-forwarded-for': OFFICE }],
    ['x-forwarded-for naming the office twice', { 'x-forwarded-for': `${OFFICE}, ${OFFICE}` }],
    ['x-real-ip', { 'x-real-ip': OFFICE }],
    ['forwarded: for=', { forwarded: `for=${OFFICE};proto=https` }],
    ['x-envoy-external-address', { 'x-envoy-external-address': OFFICE }],
    ['x-envoy-internal: true', { 'x-envoy-internal': 'true' }],
    ['true-client-ip and cf-connecting-ip', { 'true-client-ip': OFFICE, 'cf-connecting-ip': OFFICE }],
    ['x-client-ip and x-original-forwarded-for', { 'x-client-ip': OFFICE, 'x-original-forwarded-for': OFFICE }],
    ['x-forwarded-client-cert naming a device', { 'x-forwarded-client-cert': 'By=spiffe://corp/stepgate;URI=spiffe://corp/device/laptop-1' }],
    ['x-stepgate-* claiming a level', { 'x-stepgate-level': 'aal3', 'x-stepgate-subject': 'ceo@example.com' }],
  ];

  it.each(spoofs)("%s, with the victim's session and device cookie from the attacker's network: refused (both encodings)", async (_what, headers) => {
    const v = await victim();
    for (const enc of [false, true]) {
      refused(await browse({ cookie: v.cookie, source: ELSEWHERE, raw: enc, headers }), `raw=${String(enc)}`);
    }
  });

  it('two different bearer tokens in two authorization entries (header_map): never the stronger one', async () => {
    const weak = await subjects.tokenOf('aal1', 600);
    const strong = await subjects.tokenOf('aal3', 30);
    for (const order of [[weak, strong], [strong, weak]]) {
      const req = checkRequest({ host: KUBE, path: '/api/v1/namespaces/prod/secrets/db-credentials', source: OFFICE, raw: true });
      const map = (req.attributes.request.http as { header_map: { headers: { key: string; raw_value: Buffer }[] } }).header_map;
      for (const t of order) map.headers.push({ key: 'authorization', raw_value: Buffer.from(`Bearer ${t}`, 'latin1') });
      refused(await server().client.check(req), 'two tokens');
    }
  });

  it('authorization and Authorization in the headers map with different tokens: never allowed', async () => {
    const weak = await subjects.tokenOf('aal1', 600);
    const strong = await subjects.tokenOf('aal3', 30);
    const res = await server().client.check(checkRequest({ host: KUBE, path: '/api/v1/namespaces/prod/secrets/db-credentials', source: OFFICE, token: weak, headers: { Authorization: `Bearer ${strong}` } }));
    refused(res, 'two spellings');
  });

  it.each<[string, Record<string, string>]>([
    ['x-envoy-original-path', { 'x-envoy-original-path': '/d/home' }],
    ['x-original-uri', { 'x-original-uri': '/d/home' }],
    ['x-forwarded-uri', { 'x-forwarded-uri': '/d/home' }],
    ['x-forwarded-prefix', { 'x-forwarded-prefix': '/d/home' }],
  ])('%s naming the home page on the admin request of a two-factor session past the admin pages\' 15 minutes: still asked', async (_what, headers) => {
    // The victim's context proven this morning; the session here is an older sign-in of theirs.
    const v = await victim();
    const cookie = `${await sessionOf(v.sub, 'aal2', 1200)}; ${v.device}`;
    expect(reason(await browse({ cookie }))).toBe('allowed');
    refused(await browse({ cookie, path: '/admin/users', headers }), 'admin page');
  });

  it('an :authority naming the dashboard with a host attribute naming the API (and the reverse): never the laxer rule for a Secret', async () => {
    const weak = await subjects.tokenOf('aal1', 600);
    const a = checkRequest({ host: KUBE, path: '/api/v1/namespaces/prod/secrets/db-credentials', source: OFFICE, token: weak, headers: { ':authority': DASH, host: DASH } });
    refused(await server().client.check(a), 'authority dash');
    const b = checkRequest({ host: DASH, path: '/admin/users', source: OFFICE, token: weak, headers: { ':authority': KUBE, host: KUBE, ...NAV } });
    refused(await server().client.check(b), 'authority kube');
  });
});
