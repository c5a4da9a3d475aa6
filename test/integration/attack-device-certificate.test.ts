import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { deviceUri } from '../../src/core/device-uri.js';
import { deniedBody } from '../support/grpc-client.js';
import { AMR, builtServerForFile, KUBE, OFFICE, reason } from '../support/built-server.js';
import { checkRequest } from '../support/requests.js';

/**
 * stepgate's device certificates against the build that ships (`node dist/cli.js serve` with
 * examples/stepgate.yaml over gRPC): the gateway passes the verified certificate's URI SAN as
 * `source.principal` (core/device-uri.ts). An engineer's kubectl with its own certificate, then
 * their copied token from a machine that has no certificate, or a colleague's.
 */

const server = builtServerForFile('device-cert');
const KUBECTL = 'kubectl/v1.34.1 (linux/amd64) kubernetes/93248f9';
const PODS = '/api/v1/namespaces/dev/pods?limit=500';

/** A fresh engineer, their token (two factors, a minute ago), and their stepgate certificate's principal. */
async function engineer(name: string) {
  const sub = `${name}-${randomBytes(4).toString('hex')}@example.com`;
  const now = Math.floor(Date.now() / 1000);
  const token = await server().issuer.token({ sub, email: sub, acr: 'urn:stepgate:aal2', amr: AMR.aal2, auth_time: now - 60, sid: `${sub}:sid` });
  return { sub, token, cert: deviceUri({ deviceId: randomBytes(24).toString('base64url'), issuer: server().issuer.url, subject: sub }) };
}

const send = (token: string, principal: string | undefined) =>
  server().client.check(checkRequest({ host: KUBE, source: OFFICE, path: PODS, token, headers: { 'user-agent': KUBECTL }, ...(principal !== undefined ? { principal } : {}) }));

const signals = (res: Awaited<ReturnType<typeof send>>) => ((deniedBody(res) as { stepgate?: { risk?: { reasons?: { code: string }[] } } }).stepgate?.risk?.reasons ?? []).map((r) => r.code);

describe('a stepgate device certificate is device evidence for the subject it names only', () => {
  it("the engineer's own certificate: allowed, and again", async () => {
    const me = await engineer('dc-own');
    expect(reason(await send(me.token, me.cert))).toBe('allowed');
    expect(reason(await send(me.token, me.cert))).toBe('allowed');
  });

  it("the engineer's token from a machine without the certificate, same network and agent: certificate_missing", async () => {
    const me = await engineer('dc-nocert');
    expect(reason(await send(me.token, me.cert))).toBe('allowed');
    const thief = await send(me.token, undefined);
    expect(reason(thief)).toBe('auth_too_old');
    expect(signals(thief)).toContain('certificate_missing');
  });

  it("the engineer's token with a colleague's stepgate certificate: no certificate for the engineer (certificate_missing)", async () => {
    const me = await engineer('dc-victim');
    const colleague = await engineer('dc-colleague');
    expect(reason(await send(me.token, me.cert))).toBe('allowed');
    expect(reason(await send(colleague.token, colleague.cert))).toBe('allowed');
    const thief = await send(me.token, colleague.cert);
    expect(reason(thief)).toBe('auth_too_old');
    expect(signals(thief)).toContain('certificate_missing');
  });
});
