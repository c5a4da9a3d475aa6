import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkRequest } from '../support/requests.js';
import { deniedBody, deniedStatus, reasonOf, type CheckResponse } from '../support/grpc-client.js';
import { freshSubjects, KUBE, startBuiltServer, type BuiltServer } from '../support/built-server.js';
import { TestIssuer } from '../support/issuer.js';

/**
 * `access_proxy` through the build that ships (dist/cli.js serve, examples/stepgate.yaml with a
 * site's edits): an identity-aware proxy (Pomerium's header) whose keys a second test issuer
 * serves over loopback on a free port, its pods listed in network.xff_trusted_cidrs.
 */

const HEADER = 'x-pomerium-jwt-assertion';
const POD = '10.60.4.11';
const DESK = '10.20.4.17';
let proxy: TestIssuer;
let server: BuiltServer;

beforeAll(async () => {
  proxy = await TestIssuer.start();
  const site = (yaml: string) =>
    yaml.replace('xff_num_trusted_hops: 0', 'xff_num_trusted_hops: 0\n  xff_trusted_cidrs: ["10.60.0.0/16"]').concat(
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
