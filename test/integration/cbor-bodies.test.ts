import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/load.js';
import { startService, type Service } from '../../src/main.js';
import { createLogger } from '../../src/telemetry/log.js';
import { encodeCbor, hex } from '../support/cbor.js';
import { HMAC_SECRET, testConfigYaml } from '../support/config.js';
import { CheckClient, reasonOf, type CheckResponse } from '../support/grpc-client.js';
import { PINNED } from '../support/guardrails.js';
import { TestIssuer } from '../support/issuer.js';
import { checkRequest } from '../support/requests.js';

/**
 * CBOR write bodies (Kubernetes 1.32+, `application/cbor` and `application/apply-patch+cbor`)
 * through the real gRPC server, as Envoy sends them (raw_body): judged by their content as the
 * JSON form is, and a body kube would read otherwise (a repeated key) gets the unreadable_body
 * effect, never an allow.
 */

let issuer: TestIssuer;
let service: Service;
let client: CheckClient;

const GUARDRAILS = `
guardrails:
  allowed_registries: [registry.example.com]
  protected_namespaces: ["prod*"]
`;

beforeAll(async () => {
  issuer = await TestIssuer.start();
  service = await startService(parseConfig(testConfigYaml(issuer.url, GUARDRAILS), 'cbor.yaml'), { TEST_HMAC_SECRET: HMAC_SECRET }, createLogger('silent'));
  client = new CheckClient(service.grpc.port);
});

afterAll(async () => {
  client?.close();
  await service?.stop();
  await issuer?.close();
});

const sec = () => Math.floor(Date.now() / 1000);
const token = (level: 'aal1' | 'aal2' | 'aal3') =>
  issuer.token({ sub: 'ann@example.com', acr: `urn:stepgate:${level}`, amr: [{ aal1: 'pwd', aal2: 'mfa', aal3: 'hwk' }[level]], auth_time: sec() });
const rules = (r: CheckResponse) => r.dynamic_metadata?.fields.rules?.stringValue ?? '';

const DEPLOYMENTS = '/apis/apps/v1/namespaces/prod-eu/deployments';
const deployment = (securityContext: Record<string, unknown>) => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name: 'web' },
  spec: { selector: { matchLabels: { app: 'web' } }, template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'app', image: PINNED, securityContext }] } } },
});

async function check(method: string, path: string, contentType: string, body: Uint8Array | string, level: 'aal2' | 'aal3' = 'aal2') {
  return client.check(
    checkRequest({
      method,
      path,
      token: await token(level),
      headers: { 'content-type': contentType, 'x-envoy-auth-partial-body': 'false' },
      ...(typeof body === 'string' ? { body } : { rawBody: Buffer.from(body) }),
    }),
  );
}

describe('CBOR bodies through the real gRPC server', () => {
  it('a privileged Deployment in CBOR needs the guardrail\'s level, as its JSON does; the same one unprivileged does not', async () => {
    const json = await check('POST', DEPLOYMENTS, 'application/json', JSON.stringify(deployment({ privileged: true })));
    const cbor = await check('POST', DEPLOYMENTS, 'application/cbor', encodeCbor(deployment({ privileged: true })));
    expect(reasonOf(cbor)).toBe('acr_insufficient');
    expect(reasonOf(cbor)).toBe(reasonOf(json));
    expect(rules(cbor)).toBe(rules(json));
    expect(rules(cbor)).toContain('guardrail:privileged_container');
    expect((await check('POST', DEPLOYMENTS, 'application/cbor', encodeCbor(deployment({ privileged: false })))).status.code ?? 0).toBe(0);
  });

  it('a server-side apply in CBOR is judged as the YAML apply', async () => {
    const item = `${DEPLOYMENTS}/web?fieldManager=ctl&force=true`;
    const cbor = await check('PATCH', item, 'application/apply-patch+cbor', encodeCbor(deployment({ privileged: true })));
    expect(rules(cbor)).toContain('guardrail:privileged_container');
    expect(reasonOf(cbor)).toBe('acr_insufficient');
    expect((await check('PATCH', item, 'application/apply-patch+cbor', encodeCbor(deployment({ privileged: false })))).status.code ?? 0).toBe(0);
  });

  it('a repeated key hiding the privileged container (kube refuses it; a last-wins reader would allow) gets the unreadable_body effect', async () => {
    // {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "web"}, "spec": …privileged…, "spec": {}}
    const head = encodeCbor(deployment({ privileged: true }));
    const body = Uint8Array.from([...head.subarray(0, 3), 0xa5, ...head.subarray(4), ...encodeCbor({ spec: {} }, { selfDescribed: false }).subarray(1)]);
    const res = await check('POST', DEPLOYMENTS, 'application/cbor', body);
    expect(reasonOf(res)).toBe('acr_insufficient');
    expect(rules(res)).toContain('guardrail:body_unreadable');
    expect(rules(res)).not.toContain('guardrail:privileged_container');
  });

  it('NaN, a cut body and trailing bytes are unreadable too; so is a CBOR body Envoy sent as a string', async () => {
    const whole = encodeCbor(deployment({ runAsUser: 1000 }));
    for (const body of [hex('a1 6178 f97e00'), whole.subarray(0, whole.length - 3), Uint8Array.from([...whole, 0x00])]) {
      expect(rules(await check('POST', DEPLOYMENTS, 'application/cbor', body)), Buffer.from(body).toString('hex').slice(0, 40)).toContain('guardrail:body_unreadable');
    }
    expect(rules(await check('POST', DEPLOYMENTS, 'application/cbor', Buffer.from(whole).toString('utf8')))).toContain('guardrail:body_unreadable');
  });
});
