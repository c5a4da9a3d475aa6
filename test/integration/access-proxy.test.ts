import { readFileSync, writeFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { checkRequest } from '../support/requests.js';
import { http } from '../support/stepup.js';
import { deniedBody, deniedStatus, reasonOf, type CheckResponse } from '../support/grpc-client.js';
import { freshSubjects, KUBE, startBuiltServer, type BuiltServer } from '../support/built-server.js';
import { TestIssuer } from '../support/issuer.js';

/**
 * `access_proxy` through the build that ships (dist/cli.js serve, examples/stepgate.yaml with a
 * site's edits): an identity-aware proxy (Pomerium's header) whose keys a second test issuer
 * serves over loopback on a free port, its pods listed in network.xff_trusted_cidrs. 127.0.0.2 is
 * the forward-auth front (server.trusted_proxies) on the HTTP listener.
 */

const HEADER = 'x-pomerium-jwt-assertion';
const POD = '10.60.4.11';
const DESK = '10.20.4.17';
const FRONT = '127.0.0.2';
let proxy: TestIssuer;
let server: BuiltServer;

beforeAll(async () => {
  proxy = await TestIssuer.start();
  const site = (yaml: string) =>
    yaml.replace('server:\n', `server:\n  trusted_proxies: ["${FRONT}/32"]\n`).replace('xff_num_trusted_hops: 0', 'xff_num_trusted_hops: 0\n  xff_trusted_cidrs: ["10.60.0.0/16"]').concat(
      `\naccess_proxy:\n  header: ${HEADER}\n  issuer: ${proxy.url}\n  audiences: ["${KUBE}"]\n  jwks_uri: ${proxy.url}/jwks\n  fetch_timeout_ms: 20000\n  user_claim: email\n  token_claim: email\n`,
    );
  server = await startBuiltServer('access-proxy', site);
}, 180_000);

afterAll(async () => {
  await server?.close();
  await proxy?.close();
});

const subjects = freshSubjects(() => server.issuer, 'ap');
const assertionFor = (email: string, claims: Record<string, unknown> = {}) => proxy.token({ aud: KUBE, email, sub: `pomerium|${email}`, ...claims }, { kid: 'es256-1' });
/** A read the example allows at aal1, from the office desk, through the proxy's pod. */
async function read(token: string, assertion: string | undefined, source = POD): Promise<CheckResponse> {
  const headers: Record<string, string> = { 'x-forwarded-for': DESK, 'user-agent': 'kubectl/v1.32.1 (linux/amd64) kubernetes/e9c9be4' };
  if (assertion !== undefined) headers[HEADER] = assertion;
  return server.client.check(checkRequest({ host: KUBE, path: '/api/v1/namespaces/default/pods', token, source, headers }));
}

describe('access_proxy: the proxy signed assertion, through the built server', () => {
  it("allows the proxy's own user and strips the assertion from the upstream's copy", async () => {
    const sub = subjects.subject();
    const token = await server.issuer.token({ sub, email: sub });
    const res = await read(token, await assertionFor(sub));
    expect(reasonOf(res)).toBe('allowed');
    expect(res.ok_response?.headers_to_remove).toContain(HEADER);
  });

  it("refuses another engineer's token under the proxy's user (403, the reason in the body)", async () => {
    const victim = subjects.subject();
    const token = await server.issuer.token({ sub: victim, email: victim });
    const res = await read(token, await assertionFor('teammate@example.com'));
    expect(reasonOf(res)).toBe('proxy_user_mismatch');
    expect(deniedStatus(res)).toBe('Forbidden');
    expect(JSON.stringify(deniedBody(res))).toContain('proxy_user_mismatch');
  });

  it("takes the token's email in another letter case as the proxy's user (user_case: email, the default)", async () => {
    const sub = subjects.subject();
    const token = await server.issuer.token({ sub, email: sub.toUpperCase() });
    expect(reasonOf(await read(token, await assertionFor(sub)))).toBe('allowed');
    expect(reasonOf(await read(token, await assertionFor(`x${sub}`)))).toBe('proxy_user_mismatch');
  });

  it('refuses a request from the proxy without the assertion, a forged one, and one for another audience', async () => {
    const sub = subjects.subject();
    const token = await server.issuer.token({ sub, email: sub });
    expect(reasonOf(await read(token, undefined))).toBe('proxy_assertion_missing');
    // Signed by the bearer tokens' issuer, not the proxy: a key the proxy does not publish.
    const forged = await server.issuer.token({ iss: proxy.url, aud: KUBE, email: sub }, { kid: 'es256-1' });
    expect(reasonOf(await read(token, forged))).toBe('proxy_assertion_invalid');
    expect(reasonOf(await read(token, await assertionFor(sub, { aud: 'grafana.example.com' })))).toBe('proxy_assertion_invalid');
  });

  it('does not ask a direct peer (the VPN) for the assertion', async () => {
    const sub = subjects.subject();
    const token = await server.issuer.token({ sub, email: sub });
    const res = await server.client.check(checkRequest({ host: KUBE, path: '/api/v1/namespaces/default/pods', token, source: DESK, headers: { 'user-agent': 'kubectl/v1.32.1 (linux/amd64) kubernetes/e9c9be4' } }));
    expect(reasonOf(res)).toBe('allowed');
  });
});

describe('access_proxy behind a forward-auth front (the HTTP listener, server.trusted_proxies)', () => {
  /**
   * A Traefik/Caddy ForwardAuth subrequest for a pod list, as the front at 127.0.0.2 sends it;
   * `xff` is the X-Forwarded-For it sends (its own peer appended to what it was given), or none.
   */
  async function forwardAuth(token: string, xff: string | undefined, assertion?: string): Promise<string> {
    const headers: Record<string, string> = {
      host: 'stepgate.auth.svc',
      'x-forwarded-method': 'GET',
      'x-forwarded-uri': '/api/v1/namespaces/default/pods',
      'x-forwarded-host': KUBE,
      'x-forwarded-proto': 'https',
      authorization: `Bearer ${token}`,
      'user-agent': 'kubectl/v1.32.1 (linux/amd64) kubernetes/e9c9be4',
    };
    if (xff !== undefined) headers['x-forwarded-for'] = xff;
    if (assertion !== undefined) headers[HEADER] = assertion;
    const res = await http(server.authz, { headers, localAddress: FRONT });
    return res.status === 200 ? 'allowed' : (/"reason":"([a-z_]+)"/.exec(res.body)?.[1] ?? `status ${res.status}`);
  }

  it("allows the proxy's own user through the proxy (the front appended the proxy's pod)", async () => {
    const sub = subjects.subject();
    const token = await server.issuer.token({ sub, email: sub });
    expect(await forwardAuth(token, `${DESK}, ${POD}`, await assertionFor(sub))).toBe('allowed');
  });

  it('refuses a request through the proxy without the assertion', async () => {
    const sub = subjects.subject();
    const token = await server.issuer.token({ sub, email: sub });
    expect(await forwardAuth(token, `${DESK}, ${POD}`)).toBe('proxy_assertion_missing');
  });

  it('refuses, as carried by the proxy, a request whose front recorded no hop or names a proxy pod last', async () => {
    const sub = subjects.subject();
    const token = await server.issuer.token({ sub, email: sub });
    // The front sent no X-Forwarded-For (nginx without $proxy_add_x_forwarded_for): which way the
    // request came is unknown, so required holds.
    expect(await forwardAuth(token, undefined)).toBe('proxy_assertion_missing');
    // A client's forged X-Forwarded-For naming a proxy pod, passed on by a front that appends nothing.
    expect(await forwardAuth(token, POD)).toBe('proxy_assertion_missing');
    // ... or a proxy pod behind an entry that is no address.
    expect(await forwardAuth(token, `${POD}, unknown`)).toBe('proxy_assertion_missing');
  });

  it('treats a request that skipped the proxy as the gRPC path treats a direct peer, whatever it forged', async () => {
    const sub = subjects.subject();
    const token = await server.issuer.token({ sub, email: sub });
    // The front appended its real peer, the desk (the VPN's direct path): the forged pod entry to
    // its left is never read.
    expect(await forwardAuth(token, `${POD}, ${DESK}`)).toBe('allowed');
    expect(await forwardAuth(token, DESK)).toBe('allowed');
    // A forged pod entry cannot lift the comparison either: an assertion carried is compared.
    expect(await forwardAuth(token, `${POD}, ${DESK}`, await assertionFor('teammate@example.com'))).toBe('proxy_user_mismatch');
  });
});

/**
 * crypto40: an assertion seen again finds its verification by its exact text (the front before the
 * cache, src/identity/token-front.ts), not by its SHA-256. What the front may never do: answer for
 * another user's token, or let a forgery that shares the cached assertion's last characters (the
 * front files an assertion under them) pass as it; and a reload that changes `access_proxy` starts
 * from nothing. Each credential is sent four times, so the later sightings are the front's.
 */
describe('access_proxy: an assertion seen again (found by its text)', () => {
  const four = async (token: string, assertion: string) => Promise.all([0, 1, 2, 3].map(async () => reasonOf(await read(token, assertion))));

  it("answers for the proxy's user only, every time", async () => {
    const sub = subjects.subject();
    const assertion = await assertionFor(sub);
    const mine = await server.issuer.token({ sub, email: sub });
    const theirs = await server.issuer.token({ sub: `x${sub}`, email: `x${sub}` });
    for (let i = 0; i < 4; i++) expect(reasonOf(await read(mine, assertion))).toBe('allowed');
    expect(await four(theirs, assertion)).toEqual(Array(4).fill('proxy_user_mismatch'));
    expect(reasonOf(await read(mine, assertion))).toBe('allowed');
  });

  it('refuses forgeries that end as the cached assertion does, however often they come', async () => {
    const sub = subjects.subject();
    const assertion = await assertionFor(sub);
    const token = await server.issuer.token({ sub, email: sub });
    for (let i = 0; i < 4; i++) expect(reasonOf(await read(token, assertion))).toBe('allowed');
    // Another user of the same length in the payload under the same signature: the same length
    // and last characters, so the front's one candidate is the cached assertion.
    const [h, p, sig] = assertion.split('.') as [string, string, string];
    const claims = JSON.parse(Buffer.from(p, 'base64url').toString()) as Record<string, unknown>;
    const someoneElse = `${sub[0] === 'z' ? 'y' : 'z'}${sub.slice(1)}`;
    const other = Buffer.from(JSON.stringify({ ...claims, email: someoneElse })).toString('base64url');
    expect(other.length).toBe(p.length);
    const otherToken = await server.issuer.token({ sub: someoneElse, email: someoneElse });
    expect(await four(otherToken, `${h}.${other}.${sig}`)).toEqual(Array(4).fill('proxy_assertion_invalid'));
    // The same payload, the signature's first character changed: the same last characters too.
    const flipped = `${h}.${p}.${sig[0] === 'A' ? 'B' : 'A'}${sig.slice(1)}`;
    expect(await four(token, flipped)).toEqual(Array(4).fill('proxy_assertion_invalid'));
    expect(reasonOf(await read(token, assertion))).toBe('allowed');
  });

  // Last in the file: it changes the served configuration.
  it('starts from nothing after a reload that changes access_proxy (another audience)', async () => {
    const sub = subjects.subject();
    const assertion = await assertionFor(sub);
    const token = await server.issuer.token({ sub, email: sub });
    for (let i = 0; i < 4; i++) expect(reasonOf(await read(token, assertion))).toBe('allowed');
    const yaml = readFileSync(server.configFile, 'utf8');
    writeFileSync(server.configFile, yaml.replace(`  audiences: ["${KUBE}"]\n  jwks_uri: ${proxy.url}/jwks`, `  audiences: ["elsewhere.example.com"]\n  jwks_uri: ${proxy.url}/jwks`));
    expect(readFileSync(server.configFile, 'utf8')).not.toBe(yaml);
    const reloads = server.stdout.filter((l) => l.includes('"config_reload"')).length;
    server.child.kill('SIGHUP');
    await vi.waitFor(() => expect(server.stdout.filter((l) => l.includes('"config_reload"')).length).toBeGreaterThan(reloads), { timeout: 30_000, interval: 50 });
    expect(server.stdout.filter((l) => l.includes('"config_reload"')).at(-1)).toContain('"outcome":"ok"');
    expect(await four(token, assertion)).toEqual(Array(4).fill('proxy_assertion_invalid'));
  });
});
