import { exportJWK, generateKeyPair, SignJWT, type JWTPayload } from 'jose';
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/load.js';
import type { Identity } from '../../src/core/identity.js';
import { AccessProxy } from '../../src/identity/access-proxy.js';
import type { RequestAttributes } from '../../src/request/attributes.js';
import { clientAddress, compileCidrs } from '../../src/request/client-ip.js';
import { CheckArgsEncoder } from '../../src/state/redis-args.js';
import type { Observation, WorkObservation } from '../../src/state/store.js';
import { answering, askOf, H, M, REFUSED, S, secret, sequences, T0 } from '../support/ask-sequences.js';
import { reasonOf } from '../support/grpc-client.js';
import { exampleServiceForFile, exampleYaml } from '../support/workday-service.js';

/**
 * Attacks on what sessions 37 and 38 added (issue 12, redteam38): the ask ids a sign-in names
 * (src/risk/ask.ts, engine.ts boundAnswers), black-box through the real gRPC server on the injected
 * clock; the CIDR lists the network settings load; access_proxy's assertions and forward-auth walk;
 * x-forwarded-for forms against xff_trusted_cidrs; the Redis arguments memo. Each row is an attack;
 * the rows that held are kept so the corpus grows.
 */

const HOTEL = '198.51.100.23';

// A site that gives a namespace three hours' grace (risk.signals.unfamiliar_namespace.grace_seconds,
// at most a day): the bound of a namespace's ask is its first sighting less three hours.
const LONG_GRACE = (y: string): string => {
  const at = '    unfamiliar_kind: { kinds: [secret_read, proxy, pod_copy, database_copy] }\n';
  if (!y.includes(at)) throw new Error('examples/stepgate.yaml no longer lists unfamiliar_kind this way');
  return y.replace(at, `${at}    unfamiliar_namespace: { grace_seconds: 10800 }\n`);
};


describe('ask ids: a sign-in made for one ask answers no other run', () => {
  // The ask's bound is no time it was asked at: a namespace's is its first sighting less the grace,
  // a network's its first sighting (hours before the first request it refused). Read as expired
  // when the bound was more than two hours before the sign-in, the engineer's own ask was "no ask",
  // and a sign-in naming no ask answers every run crossed before it: malware's too.
  it('the engineer\'s ask whose bound is three hours before the sign-in answers their command, not malware\'s run', async () => {
    const { get, engineer, firstRefused } = sequences(long);
    const login = await engineer('stale-bound-1@example.io');
    const at = T0 + 5 * H;
    const own = await get(login, at, secret('search-prod', 'search-db'));
    expect(reasonOf(own)).toBe('auth_too_old');
    // Malware's run crosses machine pace while the engineer signs in.
    const early = await firstRefused(login, at, Array.from({ length: 4 }, (_, k) => [5 * S + k * S, secret('prod-cart', `stale-${k}`)] as const));
    expect(early.index).toBe(2);
    const fresh = answering(login, at + 20 * S, askOf(own));
    expect(reasonOf(await get(fresh, at + 22 * S, secret('search-prod', 'search-db')))).toBe('allowed');
    const after = await firstRefused(fresh, at, Array.from({ length: 12 }, (_, k) => [25 * S + k * S, secret(`grab${k}-prod`, 'db')] as const));
    expect(after.index, after.reasons.join(',')).toBeGreaterThanOrEqual(0);
    expect(after.index, after.reasons.join(',')).toBeLessThanOrEqual(3);
  });

  // Held: the same with the example policy as it ships, where the old bound is a network's (a hotel
  // first seen at 08:30 by a dashboard on the laptop polling, refused, nobody signing in for it; the
  // engineer's own Secret from it at 11:00 asked "new network since 08:30"). A run on a new network
  // is refused outright (the critical band: a changed context), whatever the sign-in names.
  it('malware\'s run on a network first seen hours before the engineer\'s sign-in is refused after it', async () => {
    const { get, engineer, firstRefused } = sequences(shipped);
    const login = await engineer('stale-bound-2@example.io');
    for (let k = 0; k < 5; k++) expect(reasonOf(await get(login, T0 + 30 * M + k * 30 * M, '/api/v1/namespaces/prod-cart/pods', HOTEL))).toBe('auth_too_old');
    const at = T0 + 3 * H;
    const own = await get(login, at, secret('prod-cart', 'cart-db'), HOTEL);
    expect(reasonOf(own)).toBe('auth_too_old');
    for (let k = 0; k < 4; k++) expect(reasonOf(await get(login, at + 5 * S + k * S, secret('prod-cart', `hotel-${k}`), HOTEL))).toBeOneOf(REFUSED);
    const fresh = answering(login, at + 20 * S, askOf(own));
    const after = await firstRefused(fresh, at, Array.from({ length: 12 }, (_, k) => [25 * S + k * S, secret(`grab${k}-prod`, 'db')] as const), HOTEL);
    expect(after.index, after.reasons.join(',')).toBeGreaterThanOrEqual(0);
    expect(after.index, after.reasons.join(',')).toBeLessThanOrEqual(3);
  });
});

const long = exampleServiceForFile({ edit: LONG_GRACE });
const shipped = exampleServiceForFile();

// The address lists the network settings compare peers and clients with (network.xff_trusted_cidrs,
// server.trusted_proxies, risk.trusted_networks, risk.locations[].cidrs,
// guardrails.api_server_addresses). ipaddr.js also reads inet_aton's forms: `010.0.0.0/8` is octal,
// 8.0.0.0/8 (public address space), `10.020.0.0/16` is 10.16.0.0/16 and `10.1/16` is 10.0.0.1/16.
// A zero-padded IPAM export pasted into trusted_networks trusted another network, and
// xff_trusted_cidrs written so named no proxy (access_proxy.required then asked nothing of it).
describe('CIDR lists in the network settings: only the forms people mean', () => {
  const site = (list: string) => exampleYaml('https://idp.example').replace('  trusted_networks: [10.0.0.0/8]\n', `  trusted_networks: [${list}]\n`);
  it.each(['"010.0.0.0/8"', '"10.020.0.0/16"', '"10.1/16"', '"0x0a.0.0.0/8"', '"167772160/8"', '"::ffff:010.0.0.0/104"', '"::ffff:10.0.0.0/95"', '"::10.0.0.0/104"', '"::10.0.0.1"'])('refuses %s at load', (list) => {
    expect(site(list)).toContain(`trusted_networks: [${list}]`);
    expect(() => parseConfig(site(list), 'site.yaml')).toThrow(/trusted_networks/);
  });
  it('accepts the usual forms, and takes an IPv4-mapped range as the IPv4 range it names', () => {
    for (const list of ['10.0.0.0/8', '"10.0.0.0/8", "2001:db8::/32"', '192.0.2.7', '"::1/128"', '"::ffff:10.0.0.0/104"', '"64:ff9b::10.0.0.0/120"', '"::/0"']) expect(() => parseConfig(site(list), 'site.yaml')).not.toThrow();
    // Addresses are compared as IPv4 when they are IPv4-mapped (how Node reports a dual-stack
    // peer): a range written the mapped way must match them, or the proxy it lists is none.
    const listed = compileCidrs(['::ffff:10.60.0.0/112']);
    const opts = { trustedHops: 0, ipv4Prefix: 32, ipv6Prefix: 128 };
    expect(listed(clientAddress('10.60.4.11', undefined, opts))).toBe(true);
    expect(listed(clientAddress('::ffff:10.60.4.11', undefined, opts))).toBe(true);
    expect(listed(clientAddress('10.61.4.11', undefined, opts))).toBe(false);
  });
});

// access_proxy (src/identity/access-proxy.ts): assertions an attacker behind the proxy, or beside
// it, can shape. Held: each is refused or compared exactly.
describe('access_proxy: assertion and user shapes', () => {
  const ISS = 'authenticate.corp.test';
  const AUD = 'kube.corp.test';
  const POD = '10.60.4.11';
  const NOW = Date.parse('2027-02-02T09:00:00Z');
  async function setup() {
    const { privateKey, publicKey } = await generateKeyPair('ES256');
    const jwk = { ...(await exportJWK(publicKey)), kid: 'p1', alg: 'ES256' };
    const config = parseConfig(
      `issuers:\n  - issuer: https://idp.test\n    jwks_uri: https://idp.test/jwks\n    audiences: [kubernetes]\nnetwork:\n  xff_trusted_cidrs: [10.60.0.0/16]\n` +
        `access_proxy:\n  header: x-pomerium-jwt-assertion\n  issuer: ${ISS}\n  audiences: [${AUD}]\n  keys: [${JSON.stringify(jwk)}]\n  user_claim: email\n  token_claim: email\n` +
        `assurance:\n  levels:\n    - name: aal1\n      acr: [a1]\npolicy:\n  default: { require: aal1 }\n`,
      'site.yaml',
    );
    const proxy = new AccessProxy(config.access_proxy!, { fetch: () => Promise.reject(new Error('no fetch')), now: () => NOW, trustedCidrs: config.network.xff_trusted_cidrs, frontProxies: ['10.9.0.0/24'] });
    const sign = (claims: JWTPayload, header: Record<string, unknown> = { alg: 'ES256', kid: 'p1' }) => {
      const s = Math.floor(NOW / 1000);
      const payload: JWTPayload = { iss: ISS, aud: AUD, email: 'alice@corp.test', iat: s, exp: s + 300, ...claims };
      for (const [k, v] of Object.entries(payload)) if (v === undefined) delete payload[k];
      return new SignJWT(payload).setProtectedHeader(header as { alg: string }).sign(privateKey);
    };
    /** The refusal for a bearer token whose email is `mine`, carrying `assertion`, from the proxy's pod. */
    const check = async (assertion: string | undefined, mine = 'alice@corp.test', headers: Record<string, string> = {}) => {
      const h = new Map(Object.entries(headers));
      if (assertion !== undefined) h.set('x-pomerium-jwt-assertion', assertion);
      const req = { headers: h, sourceAddress: POD, clientResolved: false, host: AUD } as unknown as RequestAttributes;
      const token = `e30.${Buffer.from(JSON.stringify({ email: mine })).toString('base64url')}.x`;
      return (await proxy.check(req, { subject: mine, source: 'token', issuer: 'https://idp.test' } as Identity, token))?.reason ?? 'allowed';
    };
    return { proxy, sign, check };
  }

  it('refuses alg none, an HMAC assertion keyed by the public key, no exp, a future nbf, another audience; takes an aud list naming it', async () => {
    const { sign, check } = await setup();
    const b64 = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');
    const s = Math.floor(NOW / 1000);
    expect(await check(`${b64({ alg: 'none' })}.${b64({ iss: ISS, aud: AUD, email: 'alice@corp.test', exp: s + 300 })}.`)).toBe('proxy_assertion_invalid');
    expect(await check(`${b64({ alg: 'HS256', kid: 'p1' })}.${b64({ iss: ISS, aud: AUD, email: 'alice@corp.test', exp: s + 300 })}.AAAA`)).toMatch(/^proxy_(assertion_invalid|key_unknown)$/);
    expect(await check(await sign({ exp: undefined }))).toBe('proxy_assertion_invalid');
    expect(await check(await sign({ nbf: s + 3600 }))).toBe('proxy_assertion_invalid');
    expect(await check(await sign({ aud: 'grafana.corp.test' }))).toBe('proxy_assertion_invalid');
    expect(await check(await sign({ aud: ['grafana.corp.test', AUD] }))).toBe('allowed');
    expect(await check(await sign({ exp: s - 120 }))).toBe('proxy_assertion_expired');
  });

  it('refuses two assertions in one header (a client\'s copy beside the proxy\'s), and a huge one, as invalid', async () => {
    const { sign, check } = await setup();
    const mine = await sign({});
    expect(await check(`${await sign({ email: 'mallory@corp.test' })}, ${mine}`)).toBe('proxy_assertion_invalid');
    expect(await check(`${mine},${mine}`)).toBe('proxy_assertion_invalid');
    expect(await check(`${mine}${'A'.repeat(64 * 1024)}`)).toBe('proxy_assertion_invalid');
    expect(await check(mine)).toBe('allowed');
  });

  // user_case: email folds ASCII letter case only; every other spelling of "the same address" is
  // another user.
  it.each([
    ['ALICE@CORP.TEST', 'alice@corp.test', 'allowed'],
    ['"alice@corp.test"@corp.test', 'alice@corp.test', 'proxy_user_mismatch'],
    ['alice@corp.test@corp.test', 'alice@corp.test', 'proxy_user_mismatch'],
    ['alice@corp.test.', 'alice@corp.test', 'proxy_user_mismatch'],
    ['alice@xn--crp-qma.test', 'alice@c\u00f6rp.test', 'proxy_user_mismatch'],
    ['alice@corp.test', 'alice@c\u043erp.test', 'proxy_user_mismatch'],
    ['alice+x@corp.test', 'alice@corp.test', 'proxy_user_mismatch'],
    ['alice@corp.test ', 'alice@corp.test', 'proxy_user_mismatch'],
    ['alice@corp.test', 'alice@corp.test\u0000', 'proxy_user_mismatch'],
  ])('proxy %j, token %j: %s', async (proxied, mine, want) => {
    const { sign, check } = await setup();
    expect(await check(await sign({ email: proxied }), mine)).toBe(want);
  });

  // The forward-auth walk (viaProxy): obfuscated and odd address forms in x-forwarded-for.
  it('reads no client-written hop, however the address is spelled, and fails closed on hops that are no address', async () => {
    const { proxy } = await setup();
    const fa = (xff: string) => ({ headers: new Map([['x-forwarded-for', xff]]), sourceAddress: '', clientResolved: true, peerAddress: '10.9.0.5', host: AUD }) as unknown as RequestAttributes;
    const missing = async (xff: string) => (await proxy.check(fa(xff), { subject: 'alice@corp.test', source: 'token' } as Identity, undefined))?.reason === 'proxy_assertion_missing';
    // Through the proxy: its pod as the front wrote it, or as Node's dual-stack socket reports it.
    for (const hop of [POD, `::ffff:${POD}`, `${POD}:34512`, `[::ffff:${POD}]:443`]) expect(await missing(`203.0.113.9, ${hop}`), hop).toBe(true);
    // Skipped the proxy: whatever the client wrote left of the front's entry is not read.
    for (const forged of ['10.60.4.11', '012.074.4.11', '0x0a.0x3c.4.11', '10.60.1035', '171721739', 'unknown', ' ']) expect(await missing(`${forged}, 203.0.113.9`), forged).toBe(false);
    // The front's own entry that is no address: the path is unknown, so the proxy's requirement holds.
    for (const odd of ['unknown', '', 'obfuscated', '_hidden']) expect(await missing(`203.0.113.9, ${odd}`), odd).toBe(true);
  });
});

// redis38's argument memo (src/state/redis-args.ts): a kept encoding reused for input that encodes
// differently would be a wrong count. Held: values that change the bytes but not the JS length, a
// value holding RESP's own framing, subjects that differ by a NUL or a lone surrogate.
describe('the Redis Check arguments memo: inputs an attacker shapes', () => {
  it('encodes each Check as the encoder without the memo does, call for call', () => {
    const memo = new CheckArgsEncoder('sg:');
    const fresh = new CheckArgsEncoder('sg:', false);
    const base: Observation = { subject: 'alice', session: 's', nowMs: T0, ip: '203.0.113.7', ipPrefix: '203.0.113.0/24', device: 'fp:a', uaFamily: 'kubectl', namespace: 'prod', sensitive: true, object: 'secrets/db' };
    const work: WorkObservation = { subject: 'alice', nowMs: T0, namespace: 'prod', object: 'secrets/db', site: '', nearby: '', auth: T0 - 1000, read: true, family: 'secret', kind: 'secret_read' };
    const variants: [Partial<Observation>, Partial<WorkObservation> | undefined][] = [
      [{}, {}],
      [{ namespace: 'prod\u00e9' }, {}], // one more JS unit, two more bytes
      [{ namespace: 'prodé' }, {}],
      [{ namespace: 'prode' }, {}], // same JS length as the last, one byte fewer
      [{ object: 'secrets/db\r\n$3\r\nabc' }, {}],
      [{ object: 'secrets/db' }, { object: 'secrets/db\r\n' }],
      [{ object: '\ud800' }, { object: '\ud800' }],
      [{ object: '\udc00' }, { object: '\udc00' }],
      [{ subject: 'alice\u0000' }, {}],
      [{ subject: 'alice\ud800' }, {}],
      [{ subject: 'alice' }, undefined],
      [{ subject: 'alice' }, { family: '', kind: '' }],
      [{ subject: 'alice', counted: false }, {}],
      [{ session: '' }, {}],
      [{}, { auth: T0 - 999.6 }],
      [{}, { auth: T0 - 999.2 }],
      [{}, {}],
    ];
    for (const [k, [o, w]] of variants.entries()) {
      for (let again = 0; again < 2; again++) {
        const obs = { ...base, ...o, nowMs: T0 + k * 10 + again };
        const wo = w === undefined ? undefined : { ...work, ...w, subject: obs.subject, nowMs: obs.nowMs };
        expect(memo.encode(obs, wo), `${k}/${again}`).toEqual(fresh.encode(obs, wo));
      }
    }
  });
});

// network.xff_trusted_cidrs on the gRPC path (src/request/client-ip.ts): the client is the
// rightmost x-forwarded-for entry that is not a listed proxy. Held: whatever the client writes
// left of the entry its proxy appended, however spelled, is never the address.
describe('x-forwarded-for forms against xff_trusted_cidrs (the gRPC path)', () => {
  const opts = { trustedHops: 0, trustedProxies: compileCidrs(['10.60.0.0/16']), ipv4Prefix: 24, ipv6Prefix: 64 };
  it.each(['10.60.4.12', '127.1', '0x7f.0.0.1', '0177.0.0.1', '2130706433', '010.060.004.012', '::ffff:10.60.4.12', '[::ffff:10.60.4.12]:443', 'unknown', '10.60.4.12 10.60.4.13', ''])('a forged %j left of the proxy\'s entry is not the client', (forged) => {
    for (const source of ['10.60.4.11', '::ffff:10.60.4.11']) {
      expect(clientAddress(source, `${forged}, 198.51.100.23`, opts).ip).toBe('198.51.100.23');
      expect(clientAddress(source, `${forged},198.51.100.23, 10.60.4.12`, opts).ip).toBe('198.51.100.23');
    }
    // A peer that is no listed proxy is the client, whatever it wrote.
    expect(clientAddress('198.51.100.23', `${forged}, 10.60.4.12`, opts).ip).toBe('198.51.100.23');
  });
});
