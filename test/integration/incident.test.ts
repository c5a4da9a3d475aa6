import { performance } from 'node:perf_hooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/load.js';
import { runIncident, runRevoke } from '../../src/admin/cli.js';
import { startService, type Service } from '../../src/main.js';
import { admin, adminToken, incidentConfigYaml, incidentEnv, kubeCheck, token, USER_ISSUER } from '../support/incident.js';
import { startRedis, type RedisServer } from '../support/redis.js';
import { freePort } from '../support/stepup.js';

/**
 * Incident mode and revocation (issue 15) on two stepgate replicas sharing one real redis-server.
 * The clock is injected (one for both replicas) and moved to end incidents; propagation is
 * measured on the wall clock, polled every 5 ms, and held only to the functional bound of one
 * second (no other latency is asserted).
 */

let redis: RedisServer;
let a: Service;
let b: Service;
let now = Date.UTC(2026, 11, 2, 9, 0, 0);
const nowS = () => Math.floor(now / 1000);
const delays: Record<string, number> = {};

async function replica(): Promise<Service> {
  const port = await freePort();
  const state = `state:\n  store: redis\n  timeout_ms: 2000\n  redis:\n    url: ${redis.url}\n    key_prefix: "inc:"`;
  return startService(parseConfig(incidentConfigYaml({ httpPort: port, state }), 'incident.yaml'), incidentEnv(), undefined, { now: () => now });
}

const portOf = (s: Service) => s.authzHttp!.port;
const httpOf = (s: Service) => s.http!.port;

/** Polls `probe` until it says yes; the time it took (ms, wall clock), failing past `boundMs`. */
async function until(probe: () => Promise<boolean>, boundMs: number): Promise<number> {
  const start = performance.now();
  for (;;) {
    if (await probe()) return performance.now() - start;
    if (performance.now() - start > boundMs) throw new Error(`not within ${boundMs} ms`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

beforeAll(async () => {
  redis = await startRedis();
  a = await replica();
  b = await replica();
}, 60_000);

afterAll(async () => {
  await a?.stop();
  await b?.stop();
  await redis?.stop();
  // For the report: the measured propagation delays.
  console.log(`incident propagation delays (ms): ${JSON.stringify(delays)}`);
});

describe('admin API authentication', () => {
  it('refuses anonymous, wrong-issuer, wrong-group, forged and malformed callers, and changes nothing', async () => {
    const body = { scope: { all: true }, deny: true, reason: 'must not happen', duration_seconds: 600 };
    const anonymous = await admin(httpOf(a), 'POST', '/incidents', undefined, body);
    expect(anonymous.status).toBe(401);
    expect(anonymous.headers['www-authenticate']).toMatch(/^Bearer /);
    // A user token with the right group, but from the engineers' IdP, not the admin issuer.
    const user = await token({ sub: 'mallory@example.com', authTime: nowS(), groups: ['sre-oncall'] });
    const wrongIssuer = await admin(httpOf(a), 'POST', '/incidents', user, body);
    expect(wrongIssuer.status).toBe(403);
    expect(JSON.parse(wrongIssuer.body).code).toBe('admin_issuer');
    const wrongGroup = await admin(httpOf(a), 'POST', '/incidents', await adminToken(nowS(), { groups: ['engineers'] }), body);
    expect(wrongGroup.status).toBe(403);
    expect(JSON.parse(wrongGroup.body).code).toBe('admin_group');
    const forged = await admin(httpOf(a), 'POST', '/incidents', await adminToken(nowS(), { secret: 'a-different-secret-of-at-least-32-bytes-long!!' }), body);
    expect(forged.status).toBe(401);
    // A sender-constrained admin token: the admin API reads no DPoP proof, so a copy acts as nobody.
    const bound = await admin(httpOf(a), 'POST', '/incidents', await adminToken(nowS(), { cnf: { jkt: '0ZcOCORZNYy-DWpqq30jZyJGHTN0d2HglBV3uiguA4I' } }), body);
    expect(bound.status).toBe(401);
    expect(JSON.parse(bound.body)).toMatchObject({ code: 'dpop_proof_missing' });
    // incident.admin.require / max_age: a stolen admin token with a weak or old sign-in ends nothing.
    const weak = await admin(httpOf(a), 'POST', '/incidents', await adminToken(nowS(), { acr: 'urn:stepgate:aal1' }), body);
    expect(weak.status).toBe(401);
    expect(JSON.parse(weak.body)).toMatchObject({ code: 'acr_insufficient' });
    expect(weak.headers['www-authenticate']).toBe(
      'Bearer realm="stepgate-admin", error="insufficient_user_authentication", error_description="This request needs a stronger authentication than the one presented.", acr_values="urn:stepgate:aal2", max_age=900',
    );
    const old = await admin(httpOf(a), 'POST', '/incidents', await adminToken(nowS() - 901), body);
    expect(old.status).toBe(401);
    expect(JSON.parse(old.body)).toMatchObject({ code: 'auth_too_old' });
    expect(old.headers['www-authenticate']).toContain('max_age=900');
    const notBearer = await admin(httpOf(a), 'GET', '/incidents', undefined);
    expect(notBearer.status).toBe(401);
    const list = await admin(httpOf(b), 'GET', '/incidents', await adminToken(nowS()));
    expect(JSON.parse(list.body)).toEqual({ incidents: [] });
  });

  it('refuses invalid incidents with a message naming the field', async () => {
    const t = await adminToken(nowS());
    const cases: [unknown, RegExp][] = [
      [{ scope: {}, deny: true, reason: 'x', duration_seconds: 600 }, /scope/],
      [{ scope: { all: true, hosts: ['a'] }, deny: true, reason: 'x', duration_seconds: 600 }, /scope.all/],
      [{ scope: { all: true }, deny: true, reason: 'x' }, /duration_seconds/],
      [{ scope: { all: true }, deny: true, reason: 'x', duration_seconds: 999_999 }, /duration_seconds/],
      [{ scope: { all: true }, reason: 'x', duration_seconds: 600 }, /require, max_age or deny/],
      [{ scope: { all: true }, require: 'aal9', reason: 'x', duration_seconds: 600 }, /require/],
      [{ scope: { all: true }, deny: true, reason: '', duration_seconds: 600 }, /reason/],
      [{ scope: { all: true }, deny: true, reason: 'x', duration_seconds: 600, loosen: true }, /loosen/],
    ];
    for (const [body, message] of cases) {
      const r = await admin(httpOf(a), 'POST', '/incidents', t, body);
      expect(r.status, JSON.stringify(body)).toBe(400);
      expect(JSON.parse(r.body).message).toMatch(message);
    }
  });
});

describe('incident mode across replicas', () => {
  let engineer = '';
  let incidentId = '';
  const inScope = '/api/v1/namespaces/payments-eu/pods';
  const outOfScope = '/api/v1/namespaces/web/pods';

  it('an incident raised through replica A challenges a request on replica B within one second', async () => {
    engineer = await token({ sub: 'alice@example.com', authTime: nowS() - 60 });
    // Cached on B before the incident: the cached path must see it too.
    expect((await kubeCheck(portOf(b), inScope, engineer)).status).toBe(200);
    expect((await kubeCheck(portOf(b), inScope, engineer)).status).toBe(200);
    const raised = await admin(httpOf(a), 'POST', '/incidents', await adminToken(nowS()), {
      scope: { namespaces: ['payments-*'] },
      require: 'aal3',
      max_age: 300,
      reason: 'compromised pod in payments-eu',
      duration_seconds: 1800,
    });
    expect(raised.status).toBe(201);
    const start = performance.now();
    incidentId = JSON.parse(raised.body).incident.id;
    // On A at once: the API reloads its own mirror before answering.
    expect((await kubeCheck(portOf(a), inScope, engineer)).status).toBe(401);
    delays.incident_on_other_replica = await until(async () => (await kubeCheck(portOf(b), inScope, engineer)).status === 401, 1000);
    delays.incident_raise_to_other_replica = performance.now() - start;
    const r = await kubeCheck(portOf(b), inScope, engineer);
    const status = JSON.parse(r.body);
    expect(status.kind).toBe('Status');
    expect(status.message).toContain('compromised pod in payments-eu');
    // kubectl's line: what it needs, then the incident in its own sentence.
    expect(status.message).toMatch(/^stepgate: step-up needed for list pods in namespace payments-eu: sign in at level aal3, within the last 5 min; your sign-in is level aal2 \(acr_insufficient\)\. Incident inc-[0-9a-f]+: compromised pod in payments-eu \(until \d\d:\d\dZ\)\. /);
    expect(status.stepgate.incident).toContain(incidentId);
    expect(status.stepgate.required).toEqual({ level: 'aal3', max_age: 300 });
    expect(r.headers['www-authenticate']).toContain('acr_values="urn:stepgate:aal3"');
    // Tightens only its scope.
    expect((await kubeCheck(portOf(b), outOfScope, engineer)).status).toBe(200);
    // A fresh aal3 sign-in satisfies it.
    const strong = await token({ sub: 'alice@example.com', acr: 'urn:stepgate:aal3', authTime: nowS() - 10 });
    expect((await kubeCheck(portOf(b), inScope, strong)).status).toBe(200);
  });

  it('never loosens: a deny rule stays a deny, an incident asking less changes nothing', async () => {
    const weaker = await admin(httpOf(b), 'POST', '/incidents', await adminToken(nowS()), {
      scope: { all: true },
      require: 'aal1',
      reason: 'weaker than the policy',
      duration_seconds: 600,
    });
    expect(weaker.status).toBe(201);
    const strong = await token({ sub: 'carol@example.com', acr: 'urn:stepgate:aal2', authTime: nowS() - 10 });
    // payments still needs aal3 (the stricter incident), whatever the weaker one says.
    expect((await kubeCheck(portOf(a), inScope, strong)).status).toBe(401);
    const end = await admin(httpOf(a), 'DELETE', `/incidents/${JSON.parse(weaker.body).incident.id}`, await adminToken(nowS()));
    expect(end.status).toBe(200);
  });

  it('the CLI lists the incident with its reason and who raised it', async () => {
    let out = '';
    const code = await runIncident(['list', '--server', `http://127.0.0.1:${httpOf(b)}`, '--token', await adminToken(nowS())], { out: (s) => (out += s), env: {} });
    expect(code).toBe(0);
    expect(out).toContain(incidentId);
    expect(out).toContain('namespaces payments-*: require aal3, max_age 300s');
    expect(out).toContain('by oncall@example.com');
  });

  it('ends on time by itself on both replicas (injected clock)', async () => {
    now += 1799 * 1000;
    const engineer2 = await token({ sub: 'dave@example.com', authTime: nowS() - 60 });
    expect((await kubeCheck(portOf(a), inScope, engineer2)).status).toBe(401);
    now += 2 * 1000;
    expect((await kubeCheck(portOf(a), inScope, engineer2)).status).toBe(200);
    expect((await kubeCheck(portOf(b), inScope, engineer2)).status).toBe(200);
    const list = await admin(httpOf(b), 'GET', '/incidents', await adminToken(nowS()));
    expect(JSON.parse(list.body).incidents).toEqual([]);
  });

  it('the CLI raises and ends an incident; ending it lifts it on the other replica', async () => {
    let out = '';
    const io = { out: (s: string) => (out += s), env: { STEPGATE_ADMIN_URL: `http://127.0.0.1:${httpOf(a)}`, STEPGATE_ADMIN_TOKEN: await adminToken(nowS()) } };
    expect(await runIncident(['raise', '--all', '--deny', '--for', '10m', '--reason', 'cluster-wide freeze'], io)).toBe(0);
    const id = /raised (inc-[0-9a-f]+)/.exec(out)![1]!;
    const t = await token({ sub: 'erin@example.com', authTime: nowS() - 60 });
    await until(async () => (await kubeCheck(portOf(b), outOfScope, t)).status === 403, 1000);
    expect(JSON.parse((await kubeCheck(portOf(b), outOfScope, t)).body).message).toContain('cluster-wide freeze');
    // An on-call engineer's token from this morning: the CLI says which sign-in the call needs.
    const stale = { ...io, env: { ...io.env, STEPGATE_ADMIN_TOKEN: await adminToken(nowS() - 3600) } };
    await expect(runIncident(['end', id], stale)).rejects.toMatchObject({
      exit: 77,
      message: 'the server refused (401 auth_too_old): admin calls need a sign-in at aal2 within the last 900s; this token is level aal2 (auth_too_old)',
    });
    expect(await runIncident(['end', id], io)).toBe(0);
    delays.end_on_other_replica = await until(async () => (await kubeCheck(portOf(b), outOfScope, t)).status === 200, 1000);
    await expect(runIncident(['end', id], io)).rejects.toMatchObject({ exit: 1 });
    await expect(runIncident(['raise', '--all', '--deny', '--reason', 'x'], io)).rejects.toMatchObject({ exit: 64 });
    await expect(runIncident(['list'], { ...io, env: { ...io.env, STEPGATE_ADMIN_TOKEN: await token({ sub: 'x', authTime: nowS() }) } })).rejects.toMatchObject({ exit: 77 });
  });
});

describe('revocation across replicas', () => {
  it("a revoked subject's cached token is refused on both replicas; a new sign-in passes", async () => {
    const stolen = await token({ sub: 'frank@example.com', authTime: nowS() - 300, sid: 'idp-session-1' });
    const path = '/api/v1/namespaces/web/configmaps';
    for (const s of [a, b]) {
      expect((await kubeCheck(portOf(s), path, stolen)).status).toBe(200);
      expect((await kubeCheck(portOf(s), path, stolen)).status).toBe(200);
    }
    let out = '';
    const code = await runRevoke(['subject', 'frank@example.com', '--reason', 'laptop stolen', '--server', `http://127.0.0.1:${httpOf(b)}`, '--token', await adminToken(nowS())], {
      out: (s) => (out += s),
      env: {},
    });
    expect(code).toBe(0);
    expect(out).toContain('revoked subject frank@example.com (every issuer)');
    const start = performance.now();
    const r = await kubeCheck(portOf(b), path, stolen);
    expect(r.status).toBe(401);
    expect(JSON.parse(r.body).details.causes[0].reason).toBe('credential_revoked');
    expect(r.headers['www-authenticate']).toContain('error="invalid_token"');
    delays.revocation_on_other_replica = await until(async () => (await kubeCheck(portOf(a), path, stolen)).status === 401, 1000);
    delays.revocation_call_to_other_replica = performance.now() - start;
    // Issued afresh from the same old sign-in (a refresh): still refused, auth_time decides.
    const refreshed = await token({ sub: 'frank@example.com', authTime: nowS() - 300, iat: nowS() + 5 });
    expect((await kubeCheck(portOf(a), path, refreshed)).status).toBe(401);
    // Other subjects are untouched.
    expect((await kubeCheck(portOf(a), path, await token({ sub: 'grace@example.com', authTime: nowS() - 300 }))).status).toBe(200);
    now += 2000;
    const fresh = await token({ sub: 'frank@example.com', authTime: nowS() });
    expect((await kubeCheck(portOf(a), path, fresh)).status).toBe(200);
    expect((await kubeCheck(portOf(b), path, fresh)).status).toBe(200);
  });

  it('a revoked session is refused on both replicas, other sessions of the subject are not', async () => {
    const s1 = await token({ sub: 'heidi@example.com', authTime: nowS() - 100, sid: 'sess-A' });
    const s2 = await token({ sub: 'heidi@example.com', authTime: nowS() - 100, sid: 'sess-B' });
    const path = '/api/v1/namespaces/web/services';
    expect((await kubeCheck(portOf(a), path, s1)).status).toBe(200);
    const r = await admin(httpOf(a), 'POST', '/revocations', await adminToken(nowS()), { kind: 'session', session: 'sess-A', reason: 'session hijack suspected' });
    expect(r.status).toBe(201);
    await until(async () => (await kubeCheck(portOf(b), path, s1)).status === 401, 1000);
    expect((await kubeCheck(portOf(a), path, s1)).status).toBe(401);
    expect((await kubeCheck(portOf(b), path, s2)).status).toBe(200);
  });

  it('an issuer-bound revocation spares the same name at another issuer', async () => {
    const r = await admin(httpOf(a), 'POST', '/revocations', await adminToken(nowS()), { kind: 'subject', subject: 'ivan@example.com', issuer: 'https://elsewhere.test', reason: 'other idp' });
    expect(r.status).toBe(201);
    const t = await token({ sub: 'ivan@example.com', authTime: nowS() - 100 });
    expect((await kubeCheck(portOf(b), '/api/v1/namespaces/web/pods', t)).status).toBe(200);
    const bound = await admin(httpOf(a), 'POST', '/revocations', await adminToken(nowS()), { kind: 'subject', subject: 'ivan@example.com', issuer: USER_ISSUER, reason: 'this idp' });
    expect(bound.status).toBe(201);
    await until(async () => (await kubeCheck(portOf(b), '/api/v1/namespaces/web/pods', t)).status === 401, 1000);
  });

  it('keep_history: recorded on the revocation and refused when not a boolean (or on a session)', async () => {
    const t = await adminToken(nowS());
    for (const body of [
      { kind: 'subject', subject: 'mallory@example.com', keep_history: 'yes', reason: 'x' },
      { kind: 'subject', subject: 'mallory@example.com', keep_history: 1, reason: 'x' },
      { kind: 'session', session: 'sess-K', keep_history: true, reason: 'x' },
    ]) {
      const r = await admin(httpOf(a), 'POST', '/revocations', t, body);
      expect(r.status, JSON.stringify(body)).toBe(400);
      expect(JSON.parse(r.body).message).toMatch(/keep_history/);
    }
    const kept = await admin(httpOf(a), 'POST', '/revocations', t, { kind: 'subject', subject: 'mallory@example.com', keep_history: true, reason: 'IdP session reset' });
    expect(kept.status).toBe(201);
    expect(JSON.parse(kept.body).revocation).toMatchObject({ kind: 'subject', subject: 'mallory@example.com', keep_history: true });
    const plain = await admin(httpOf(a), 'POST', '/revocations', t, { kind: 'subject', subject: 'mallory@example.com', keep_history: false, reason: 'compromise' });
    expect(JSON.parse(plain.body).revocation).not.toHaveProperty('keep_history');
  });

  it('a revoked admin can no longer use the admin API', async () => {
    const t = await adminToken(nowS() - 10, { sub: 'rogue-admin@example.com' });
    expect((await admin(httpOf(a), 'GET', '/incidents', t)).status).toBe(200);
    await admin(httpOf(a), 'POST', '/revocations', await adminToken(nowS()), { kind: 'subject', subject: 'rogue-admin@example.com', reason: 'left the team' });
    const r = await admin(httpOf(b), 'GET', '/incidents', t);
    expect([401]).toContain(r.status);
  });
});

describe('a replica that cannot refresh its mirror fails closed', () => {
  it('denies with state_unavailable once the list is older than incident.max_staleness_ms', async () => {
    const t = await token({ sub: 'judy@example.com', authTime: nowS() - 100 });
    const path = '/api/v1/namespaces/web/pods';
    expect((await kubeCheck(portOf(a), path, t)).status).toBe(200);
    await redis.kill();
    // max_staleness_ms is 1500 in the test config: allow generous slack on a loaded machine.
    await until(async () => {
      const r = await kubeCheck(portOf(a), path, t);
      return r.status === 503 && JSON.parse(r.body).details.causes[0].reason === 'state_unavailable';
    }, 10_000);
    await redis.start();
    await until(async () => (await kubeCheck(portOf(a), path, t)).status === 200, 10_000);
  }, 30_000);
});
