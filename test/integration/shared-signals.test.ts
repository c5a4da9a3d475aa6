import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey, type JWK } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/load.js';
import { EVENT_TYPES } from '../../src/admin/signals.js';
import { startService, type Service } from '../../src/main.js';
import { incidentConfigYaml, incidentEnv, kubeCheck, token, USER_ISSUER } from '../support/incident.js';
import { startRedis, whenReady, type RedisServer } from '../support/redis.js';
import { freePort, http } from '../support/stepup.js';

/**
 * The Shared Signals receiver (RFC 8935 push of RFC 8417 SETs) on a replica with a real
 * redis-server (jti replay protection lives in the state store). The test is the transmitter: it
 * signs SETs with its own keys (jose) and publishes them from a local JWKS server; a second key
 * pair it never publishes forges them.
 */

const TRANSMITTER = 'https://transmitter.incident.test';
const AUDIENCE = 'https://stepgate.example.com/.stepgate/ssf/events';
const AUTH = incidentEnv().SG_SSF_AUTH!;

let redis: RedisServer;
let jwksServer: Server;
let svc: Service;
let now = Date.UTC(2026, 11, 2, 10, 0, 0);
const nowS = () => Math.floor(now / 1000);
let signing: { privateKey: CryptoKey; jwk: JWK };
let forger: { privateKey: CryptoKey };
let jti = 0;
let baseYaml: string;

beforeAll(async () => {
  redis = await startRedis();
  const kp = await generateKeyPair('ES256');
  signing = { privateKey: kp.privateKey, jwk: { ...(await exportJWK(kp.publicKey)), kid: 'tx-1', alg: 'ES256', use: 'sig' } };
  forger = { privateKey: (await generateKeyPair('ES256')).privateKey };
  jwksServer = createServer((_req, res) => {
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify({ keys: [signing.jwk] }));
  });
  await new Promise<void>((r) => jwksServer.listen(0, '127.0.0.1', () => r()));
  const jwks = `http://127.0.0.1:${(jwksServer.address() as AddressInfo).port}/jwks`;
  const port = await freePort();
  const state = `state:\n  store: redis\n  timeout_ms: 2000\n  redis:\n    url: ${redis.url}\n    key_prefix: "ssf:"`;
  const signals = `  shared_signals:\n    audience: ${AUDIENCE}\n    max_age_seconds: 300\n    authorization_env: SG_SSF_AUTH\n    email_claim: sub\n    transmitters:\n      - issuer: ${TRANSMITTER}\n        jwks_uri: ${jwks}\n        algorithms: [ES256]\n        subject_issuer: ${USER_ISSUER}\n`;
  baseYaml = incidentConfigYaml({ httpPort: port, state, signals });
  svc = await startService(parseConfig(baseYaml, 'ssf.yaml'), incidentEnv(), undefined, { now: () => now });
}, 60_000);

afterAll(async () => {
  await svc?.stop();
  await new Promise((r) => jwksServer?.close(r));
  await redis?.stop();
});

interface SetOptions {
  key?: CryptoKey;
  aud?: string;
  iss?: string;
  iat?: number;
  jti?: string;
  typ?: string;
  events?: Record<string, unknown>;
  subId?: unknown;
}

function set(type: string, event: Record<string, unknown>, o: SetOptions = {}): Promise<string> {
  const payload: Record<string, unknown> = { events: o.events ?? { [type]: event } };
  if (o.subId !== undefined) payload.sub_id = o.subId;
  return new SignJWT(payload)
    .setProtectedHeader({ alg: 'ES256', kid: 'tx-1', typ: o.typ ?? 'secevent+jwt' })
    .setIssuer(o.iss ?? TRANSMITTER)
    .setAudience(o.aud ?? AUDIENCE)
    .setIssuedAt(o.iat ?? nowS())
    .setJti(o.jti ?? `jti-${++jti}`)
    .sign(o.key ?? signing.privateKey);
}

function push(body: string, headers: Record<string, string> = {}) {
  return http(`http://127.0.0.1:${svc.http!.port}/.stepgate/ssf/events`, {
    method: 'POST',
    headers: { 'content-type': 'application/secevent+jwt', authorization: AUTH, ...headers },
    body,
  });
}

const path = '/api/v1/namespaces/web/pods';
const user = (sub: string, o: { sid?: string; authTime?: number } = {}) => token({ sub, authTime: o.authTime ?? nowS() - 120, sid: o.sid });
const issSub = (sub: string) => ({ format: 'iss_sub', iss: USER_ISSUER, sub });
const allowed = async (t: string) => (await kubeCheck(svc.authzHttp!.port, path, t)).status === 200;

describe('valid events act with the effects of a revocation', () => {
  it('RISC account-disabled (iss_sub): the cached token is refused, 202 Accepted', async () => {
    const t = await user('acct@example.com');
    expect(await allowed(t)).toBe(true);
    const r = await push(await set(EVENT_TYPES.accountDisabled, { subject: issSub('acct@example.com') }));
    expect(r.status).toBe(202);
    expect(r.body).toBe('');
    const denied = await kubeCheck(svc.authzHttp!.port, path, t);
    expect(denied.status).toBe(401);
    expect(JSON.parse(denied.body).details.causes[0].reason).toBe('credential_revoked');
  });

  it('CAEP session-revoked (complex subject with a session): only that session', async () => {
    const s1 = await user('sess@example.com', { sid: 'idp-sid-1' });
    const s2 = await user('sess@example.com', { sid: 'idp-sid-2' });
    expect(await allowed(s1)).toBe(true);
    const r = await push(await set(EVENT_TYPES.sessionRevoked, { subject: { format: 'complex', user: issSub('sess@example.com'), session: { format: 'opaque', id: 'idp-sid-1' } }, event_timestamp: nowS() }));
    expect(r.status).toBe(202);
    expect(await allowed(s1)).toBe(false);
    expect(await allowed(s2)).toBe(true);
  });

  // email_claim: sub — this IdP's sub is the address (USER_ISSUER's subject_claim is sub).
  it('CAEP credential-change (email subject, sub_id at the top): the token is refused', async () => {
    const t = await user('cred@example.com');
    expect(await allowed(t)).toBe(true);
    const r = await push(await set(EVENT_TYPES.credentialChange, { credential_type: 'password', change_type: 'update' }, { subId: { format: 'email', email: 'cred@example.com' } }));
    expect(r.status).toBe(202);
    expect(await allowed(t)).toBe(false);
  });

  it('CAEP assurance-level-change: a decrease revokes, an increase is accepted and changes nothing', async () => {
    const up = await user('up@example.com');
    const down = await user('down@example.com');
    expect((await push(await set(EVENT_TYPES.assuranceLevelChange, { subject: issSub('up@example.com'), namespace: 'NIST-AAL', current_level: 'nist-aal2', previous_level: 'nist-aal1', change_direction: 'increase' }))).status).toBe(202);
    expect(await allowed(up)).toBe(true);
    expect((await push(await set(EVENT_TYPES.assuranceLevelChange, { subject: issSub('down@example.com'), namespace: 'NIST-AAL', current_level: 'nist-aal1', previous_level: 'nist-aal2', change_direction: 'decrease' }))).status).toBe(202);
    expect(await allowed(down)).toBe(false);
  });

  it('CAEP device-compliance-change: not-compliant revokes, compliant does not', async () => {
    const bad = await user('dev-bad@example.com');
    const good = await user('dev-good@example.com');
    expect((await push(await set(EVENT_TYPES.deviceComplianceChange, { subject: issSub('dev-good@example.com'), previous_status: 'not-compliant', current_status: 'compliant' }))).status).toBe(202);
    expect((await push(await set(EVENT_TYPES.deviceComplianceChange, { subject: issSub('dev-bad@example.com'), previous_status: 'compliant', current_status: 'not-compliant' }))).status).toBe(202);
    expect(await allowed(good)).toBe(true);
    expect(await allowed(bad)).toBe(false);
  });
});

// What the risk engine learnt of a subject, seeded and read through a replica's store (the shared
// redis): a network it was seen from is known until a revocation forgets it.
const HOME = { ip: '198.51.100.7', ipPrefix: '198.51.100.0/24', device: 'cookie:home-laptop' };
const subjectKey = (sub: string) => `${USER_ISSUER}\n${sub}`;
const teach = (on: Service, sub: string) => on.runtime.riskState!.store.learn(subjectKey(sub), HOME.ip, HOME.ipPrefix, HOME.device, now);
const knowsHome = async (on: Service, sub: string) =>
  (await on.runtime.riskState!.store.observe({ subject: subjectKey(sub), session: '', nowMs: now, ...HOME, uaFamily: 'kubectl', namespace: '', sensitive: false, counted: false })).ipKnown;

describe('incident.shared_signals.keep_history: a session reset keeps what was learnt, a compromise forgets', () => {
  // A second replica on the same redis, configured with keep_history: true; `svc` has the default.
  let kept: Service;
  beforeAll(async () => {
    const yaml = baseYaml.replace(`http_listen: 127.0.0.1:${svc.http!.port}`, `http_listen: 127.0.0.1:${await freePort()}`).replace('    max_age_seconds: 300\n', '    max_age_seconds: 300\n    keep_history: true\n');
    expect(yaml).toMatch(/keep_history: true/);
    kept = await startService(parseConfig(yaml, 'ssf-keep.yaml'), incidentEnv(), undefined, { now: () => now });
    await whenReady(kept.runtime.riskState!.store as unknown as { status: string });
  }, 30_000);
  afterAll(async () => {
    await kept?.stop();
  });
  const pushTo = (on: Service, body: string) =>
    http(`http://127.0.0.1:${on.http!.port}/.stepgate/ssf/events`, { method: 'POST', headers: { 'content-type': 'application/secevent+jwt', authorization: AUTH }, body });
  const allowedOn = async (on: Service, t: string) => (await kubeCheck(on.authzHttp!.port, path, t)).status === 200;

  it('default (false): a subject\'s session-revoked forgets what was learnt', async () => {
    await teach(svc, 'reset-default@example.com');
    expect(await knowsHome(svc, 'reset-default@example.com')).toBe(true);
    const t = await user('reset-default@example.com');
    expect((await pushTo(svc, await set(EVENT_TYPES.sessionRevoked, { subject: issSub('reset-default@example.com') }))).status).toBe(202);
    expect(await allowedOn(svc, t)).toBe(false);
    expect(await knowsHome(svc, 'reset-default@example.com')).toBe(false);
  });

  it('true: a subject\'s session-revoked refuses older credentials and keeps what was learnt', async () => {
    await teach(kept, 'reset-kept@example.com');
    const t = await user('reset-kept@example.com');
    expect(await allowedOn(kept, t)).toBe(true);
    expect((await pushTo(kept, await set(EVENT_TYPES.sessionRevoked, { subject: issSub('reset-kept@example.com') }))).status).toBe(202);
    expect(await allowedOn(kept, t)).toBe(false);
    expect(await knowsHome(kept, 'reset-kept@example.com')).toBe(true);
    const revs = await kept.runtime.riskState!.store.control.snapshot(now);
    const doc = revs.revocations.map((r) => JSON.parse(r.data) as { subject?: string; keep_history?: boolean }).find((d) => d.subject === 'reset-kept@example.com');
    expect(doc?.keep_history).toBe(true);
  });

  const forgetting: [string, string, Record<string, unknown>][] = [
    ['RISC account-disabled', EVENT_TYPES.accountDisabled, {}],
    ['RISC credential-compromise', EVENT_TYPES.credentialCompromise, { credential_type: 'password' }],
    ['CAEP credential-change', EVENT_TYPES.credentialChange, { credential_type: 'password', change_type: 'update' }],
    ['CAEP assurance-level-change (decrease)', EVENT_TYPES.assuranceLevelChange, { namespace: 'NIST-AAL', current_level: 'nist-aal1', previous_level: 'nist-aal2', change_direction: 'decrease' }],
    ['CAEP device-compliance-change (not-compliant)', EVENT_TYPES.deviceComplianceChange, { previous_status: 'compliant', current_status: 'not-compliant' }],
  ];
  for (const [i, [name, type, body]] of forgetting.entries()) {
    it(`true: ${name} still forgets what was learnt`, async () => {
      const sub = `forget-${i}@example.com`;
      await teach(kept, sub);
      const t = await user(sub);
      expect(await allowedOn(kept, t)).toBe(true);
      expect((await pushTo(kept, await set(type, { subject: issSub(sub), ...body }))).status).toBe(202);
      expect(await allowedOn(kept, t)).toBe(false);
      expect(await knowsHome(kept, sub)).toBe(false);
    });
  }
});

describe('forged, stale and malformed SETs get RFC 8935 errors and change nothing', () => {
  const cases: { name: string; status: number; err: string; make: (sub: string) => Promise<{ body: string; headers?: Record<string, string> }> }[] = [
    { name: 'signed with a key the transmitter does not publish', status: 400, err: 'invalid_key', make: async (s) => ({ body: await set(EVENT_TYPES.accountDisabled, { subject: issSub(s) }, { key: forger.privateKey }) }) },
    { name: 'for another audience', status: 400, err: 'invalid_audience', make: async (s) => ({ body: await set(EVENT_TYPES.accountDisabled, { subject: issSub(s) }, { aud: 'https://other-receiver.example.com' }) }) },
    { name: 'from an issuer that is not a configured transmitter', status: 400, err: 'invalid_issuer', make: async (s) => ({ body: await set(EVENT_TYPES.accountDisabled, { subject: issSub(s) }, { iss: 'https://evil.example.com' }) }) },
    { name: 'expired (issued before max_age_seconds)', status: 400, err: 'invalid_request', make: async (s) => ({ body: await set(EVENT_TYPES.accountDisabled, { subject: issSub(s) }, { iat: nowS() - 3600 }) }) },
    { name: 'issued in the future', status: 400, err: 'invalid_request', make: async (s) => ({ body: await set(EVENT_TYPES.accountDisabled, { subject: issSub(s) }, { iat: nowS() + 3600 }) }) },
    { name: 'an unknown event type', status: 400, err: 'invalid_request', make: async (s) => ({ body: await set('https://schemas.openid.net/secevent/caep/event-type/token-claims-change', { subject: issSub(s) }) }) },
    { name: 'two events in one SET', status: 400, err: 'invalid_request', make: async (s) => ({ body: await set('', {}, { events: { [EVENT_TYPES.accountDisabled]: { subject: issSub(s) }, [EVENT_TYPES.credentialChange]: { subject: issSub(s) } } }) }) },
    { name: 'no subject', status: 400, err: 'invalid_request', make: async () => ({ body: await set(EVENT_TYPES.accountDisabled, {}) }) },
    { name: 'an unknown subject format', status: 400, err: 'invalid_request', make: async (s) => ({ body: await set(EVENT_TYPES.accountDisabled, { subject: { format: 'phone_number', phone_number: s } }) }) },
    { name: 'typ is not secevent+jwt', status: 400, err: 'invalid_request', make: async (s) => ({ body: await set(EVENT_TYPES.accountDisabled, { subject: issSub(s) }, { typ: 'JWT' }) }) },
    { name: 'the wrong media type', status: 400, err: 'invalid_request', make: async (s) => ({ body: await set(EVENT_TYPES.accountDisabled, { subject: issSub(s) }), headers: { 'content-type': 'application/jwt' } }) },
    { name: 'not a JWS', status: 400, err: 'invalid_request', make: async () => ({ body: 'not-a-jwt' }) },
    { name: 'an alg:none SET', status: 400, err: 'invalid_key', make: async (s) => {
      const enc = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url');
      return { body: `${enc({ alg: 'none', typ: 'secevent+jwt' })}.${enc({ iss: TRANSMITTER, aud: AUDIENCE, iat: nowS(), jti: 'none-1', events: { [EVENT_TYPES.accountDisabled]: { subject: issSub(s) } } })}.` };
    } },
    { name: 'no Authorization header', status: 401, err: 'authentication_failed', make: async (s) => ({ body: await set(EVENT_TYPES.accountDisabled, { subject: issSub(s) }), headers: { authorization: '' } }) },
    { name: 'a wrong Authorization header', status: 403, err: 'access_denied', make: async (s) => ({ body: await set(EVENT_TYPES.accountDisabled, { subject: issSub(s) }), headers: { authorization: 'Bearer guessed' } }) },
  ];
  for (const c of cases) {
    it(`${c.name}: ${c.status} ${c.err}`, async () => {
      const sub = `victim-${c.err}-${cases.indexOf(c)}@example.com`;
      const t = await user(sub);
      expect(await allowed(t)).toBe(true);
      const { body, headers } = await c.make(sub);
      const h = { ...headers };
      if (h.authorization === '') delete h.authorization;
      const r = await http(`http://127.0.0.1:${svc.http!.port}/.stepgate/ssf/events`, {
        method: 'POST',
        headers: { 'content-type': 'application/secevent+jwt', ...(headers && 'authorization' in headers ? {} : { authorization: AUTH }), ...h },
        body,
      });
      expect(r.status).toBe(c.status);
      expect(r.headers['content-type']).toBe('application/json');
      expect(JSON.parse(r.body).err).toBe(c.err);
      expect(await allowed(t)).toBe(true);
    });
  }

  it('a replayed jti is refused and does not sign the user out again after a new sign-in', async () => {
    const first = await set(EVENT_TYPES.sessionRevoked, { subject: issSub('replay@example.com') }, { jti: 'replay-1' });
    expect((await push(first)).status).toBe(202);
    now += 5000;
    const fresh = await user('replay@example.com', { authTime: nowS() });
    expect(await allowed(fresh)).toBe(true);
    const again = await push(first);
    expect(again.status).toBe(400);
    expect(JSON.parse(again.body).err).toBe('invalid_request');
    expect(JSON.parse(again.body).description).toMatch(/jti/);
    expect(await allowed(fresh)).toBe(true);
  });

  it('answers only POST', async () => {
    const r = await http(`http://127.0.0.1:${svc.http!.port}/.stepgate/ssf/events`, { method: 'GET' });
    expect(r.status).toBe(405);
  });
});
