import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/load.js';
import { startService, type Service } from '../../src/main.js';
import { createLogger } from '../../src/telemetry/log.js';
import { CheckClient, deniedBody, deniedHeader, deniedStatus, okHeader, reasonOf } from '../support/grpc-client.js';
import { TestIssuer } from '../support/issuer.js';
import { checkRequest } from '../support/requests.js';

/**
 * examples/stepgate.yaml as shipped, served by the real gRPC server, with a token shaped like a
 * real projected Kubernetes service-account token (iss the cluster's issuer, sub
 * system:serviceaccount:ns:name, the kubernetes.io claim, no acr, amr or auth_time). Only the
 * cluster issuer's jwks_uri points at a loopback issuer that holds the signing key.
 */

const K8S = 'https://kubernetes.default.svc.cluster.local';

describe('a Kubernetes service-account token through the real gRPC server (examples/stepgate.yaml)', () => {
  let cluster: TestIssuer;
  let service: Service;
  let client: CheckClient;
  let token: string;

  beforeAll(async () => {
    cluster = await TestIssuer.start();
    const yaml = readFileSync(new URL('../../examples/stepgate.yaml', import.meta.url), 'utf8')
      // A generous fetch timeout: the first fetch runs while this busy process also serves the issuer.
      .replace(`jwks_uri: ${K8S}/openid/v1/jwks`, `jwks_uri: ${cluster.url}/jwks\n    fetch_timeout_ms: 20000`)
      .replace('grpc_listen: 0.0.0.0:9191', 'grpc_listen: 127.0.0.1:0')
      .concat('\ntelemetry:\n  metrics_listen: "off"\n'); // not the fixed default :9464
    expect(yaml).toContain(`${cluster.url}/jwks`);
    service = await startService(parseConfig(yaml, 'examples/stepgate.yaml'), {}, createLogger('silent'));
    client = new CheckClient(service.grpc.port);
    const now = Math.floor(Date.now() / 1000);
    token = await cluster.token({
      iss: K8S,
      aud: [K8S],
      sub: 'system:serviceaccount:ci:deployer',
      iat: now,
      nbf: now,
      exp: now + 3607,
      'kubernetes.io': {
        namespace: 'ci',
        serviceaccount: { name: 'deployer', uid: '2f6c3e0a-5b1d-4c8e-9f7a-1b2c3d4e5f60' },
        pod: { name: 'deployer-7d4b9c-x2x9k', uid: '9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d' },
        node: { name: 'node-1', uid: '0e1f2a3b-4c5d-4e6f-8a7b-9c0d1e2f3a4b' },
      },
      // What the test issuer would otherwise add: a projected token has none of them.
      auth_time: undefined,
      acr: undefined,
      amr: undefined,
      groups: undefined,
      email: undefined,
    });
    const payload = JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString()) as Record<string, unknown>;
    expect(Object.keys(payload).sort()).toEqual(['aud', 'exp', 'iat', 'iss', 'kubernetes.io', 'nbf', 'sub']);
  });

  afterAll(async () => {
    client?.close();
    await service?.stop();
    await cluster?.close();
  });

  const send = (method: string, path: string) => client.check(checkRequest({ host: 'kube.localhost', method, path, token }));

  it.each([
    ['GET', '/api'],
    ['GET', '/apis'],
    ['GET', '/apis/apps/v1'],
    ['GET', '/version'],
    ['GET', '/api/v1/namespaces/ci/pods'],
    ['GET', '/apis/apps/v1/namespaces/ci/deployments/web'],
  ])('%s %s passes, and the upstream is told the level is none (nothing pretends it did MFA)', async (method, path) => {
    const res = await send(method, path);
    expect(reasonOf(res)).toBe('allowed');
    expect(okHeader(res, 'x-stepgate-subject')).toBe('system:serviceaccount:ci:deployer');
    expect(okHeader(res, 'x-stepgate-level')).toBe('none');
  });

  // Terraform's kubernetes state backend locks state with a Lease on every plan and apply
  // (internal/backend/remote-state/kubernetes/client.go): created with the holder and the
  // lock-info annotation on first use, then the holder set by an update and cleared by another.
  // No duration: a pipeline's lock holds no leader election and asks nothing a pipeline cannot give.
  const LEASES = '/apis/coordination.k8s.io/v1/namespaces/ci/leases';
  const tfLock = (holder?: string) => ({
    apiVersion: 'coordination.k8s.io/v1',
    kind: 'Lease',
    metadata: { name: 'lock-tfstate-default-platform', namespace: 'ci', labels: { tfstate: 'true', tfstateSecretSuffix: 'platform', tfstateWorkspace: 'default', 'app.kubernetes.io/managed-by': 'terraform' }, ...(holder !== undefined && { annotations: { 'app.terraform.io/lock-info': JSON.stringify({ ID: holder, Operation: 'OperationTypeApply', Who: 'runner@ci' }) } }) },
    spec: holder !== undefined ? { holderIdentity: holder } : {},
  });
  const write = (method: string, path: string, body: object) => client.check(checkRequest({ host: 'kube.localhost', method, path, token, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }));

  it("Terraform's state lock (the Lease created, its holder set and cleared) passes", async () => {
    const id = '8c5a2f0e-5b7d-6c1e-0f4a-2b3c4d5e6f70';
    for (const [method, path, body] of [['POST', LEASES, tfLock(id)], ['PUT', `${LEASES}/lock-tfstate-default-platform`, tfLock(id)], ['PUT', `${LEASES}/lock-tfstate-default-platform`, tfLock()]] as const) {
      const res = await write(method, path, body);
      expect(reasonOf(res), `${method} ${path}`).toBe('allowed');
    }
  });

  it("a Lease held for a year by one write (lease_held) is refused with automation_step_up", async () => {
    const res = await write('PUT', `${LEASES}/deployer-controller`, { apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: { name: 'deployer-controller', namespace: 'ci' }, spec: { holderIdentity: 'ghost', leaseDurationSeconds: 31_536_000 } });
    expect(reasonOf(res)).toBe('automation_step_up');
    expect(JSON.stringify(deniedBody(res))).toContain('lease_held');
  });

  it.each([
    ['GET', '/api/v1/namespaces/ci/secrets/db'],
    ['DELETE', '/api/v1/namespaces/prod/pods/web-0'],
    ['GET', '/api/v1/namespaces/ci/pods/web-0/exec?command=sh'],
  ])('%s %s needs a human step-up: refused 403 with automation_step_up, never a 401 challenge it cannot answer', async (method, path) => {
    const res = await send(method, path);
    expect(reasonOf(res)).toBe('automation_step_up');
    expect(deniedStatus(res)).toBe('Forbidden');
    expect(deniedHeader(res, 'www-authenticate')).toBeUndefined();
    const body = deniedBody(res) as { message: string; stepgate: { required?: { level?: string } } };
    // What the pipeline's log shows: what the request needed, that only a human can give it, and the ways out.
    expect(body.message).toMatch(/^stepgate: .+: needs a human step-up \(automation_step_up; requires aal2, authenticated within \d+s\), which automation cannot do\. Run it as a person, or configure automation\.approver/);
    expect(body.stepgate.required?.level).toBe('aal2');
  });
});
