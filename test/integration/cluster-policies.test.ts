import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/load.js';
import { startService, type Service } from '../../src/main.js';
import { createLogger } from '../../src/telemetry/log.js';
import { HMAC_SECRET, testConfigYaml } from '../support/config.js';
import { CheckClient, deniedBody, reasonOf, type CheckResponse } from '../support/grpc-client.js';
import { TestIssuer } from '../support/issuer.js';
import { encodeKube } from '../support/kube-protobuf.js';
import { checkRequest } from '../support/requests.js';

/**
 * The cluster's own policies through the real gRPC server: the Pod Security Standards as
 * ValidatingAdmissionPolicy (effect: aal3 within 5 minutes) and as Kyverno ClusterPolicy (effect:
 * deny), and a policy whose expression fails at run time (the conservative effect).
 */

let issuer: TestIssuer;
let service: Service;
let client: CheckClient;
const logs: string[] = [];
/** The decision log line of the last request (where guardrail findings are logged). */
const lastDecision = () => logs.filter((l) => l.includes('acr_insufficient') || l.includes('policy_deny')).at(-1) ?? '';
const sec = () => Math.floor(Date.now() / 1000);

beforeAll(async () => {
  issuer = await TestIssuer.start();
  const dir = mkdtempSync(join(tmpdir(), 'stepgate-cel-int-'));
  const broken = join(dir, 'broken.yaml');
  writeFileSync(
    broken,
    `apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicy
metadata: {name: needs-node}
spec:
  matchConstraints:
    resourceRules: [{apiGroups: [""], apiVersions: [v1], resources: [configmaps], operations: [CREATE]}]
  validations:
    - expression: "object.data.size() < 10 && object.spec.nodeName != ''"
`,
  );
  const yaml = testConfigYaml(
    issuer.url,
    `guardrails:
  cluster_policies:
    - {path: examples/cluster-policies/vap, effect: {require: aal3, max_age: 300}}
    - {path: examples/cluster-policies/kyverno/pss-restricted.yaml, effect: {deny: true}}
    - {path: ${broken}}
  # Generous: this test is about decisions, not about the time budget on a loaded machine.
  cluster_policy_limits: {max_millis: 5000}
  namespaces:
    - match: [legacy]
      effects: {cluster_policy: "off"}
`,
  );
  service = await startService(parseConfig(yaml, 'cel.yaml'), { TEST_HMAC_SECRET: HMAC_SECRET }, createLogger('info', { write: (line: string) => void logs.push(line) }));
  client = new CheckClient(service.grpc.port);
});

afterAll(async () => {
  client?.close();
  await service?.stop();
  await issuer?.close();
});

type Obj = Record<string, unknown>;
const goodContainer = (extra: Obj = {}) => ({
  name: 'app',
  image: 'registry.example.com/app:1.0',
  securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] }, ...extra },
});
const podSpec = (container: Obj) => ({ securityContext: { runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } }, containers: [container] });
const deployment = (ns: string, container: Obj) => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name: 'web', namespace: ns },
  spec: { selector: { matchLabels: { app: 'web' } }, template: { metadata: { labels: { app: 'web' } }, spec: podSpec(container) } },
});

async function send(method: string, path: string, body: string | Uint8Array, contentType: string, acr = 'urn:stepgate:aal2'): Promise<CheckResponse> {
  const token = await issuer.token({ sub: 'ann@example.com', acr, amr: ['mfa'], auth_time: sec() });
  return client.check(checkRequest({ method, path, token, source: '10.0.0.5', headers: { 'content-type': contentType }, body: body as string }));
}

const rules = (res: CheckResponse) => res.dynamic_metadata?.fields.rules?.stringValue ?? '';

describe('cluster policies in the decision', () => {
  it('a Deployment that meets the restricted profile needs only what the policy asks', async () => {
    const res = await send('POST', '/apis/apps/v1/namespaces/team/deployments', JSON.stringify(deployment('team', goodContainer())), 'application/json');
    expect(res.status.code).toBe(0);
  });

  it('a protobuf Deployment breaking a baseline control needs aal3 within 5 minutes and shows the policy\'s message', async () => {
    const body = encodeKube(deployment('team', goodContainer({ procMount: 'Unmasked' })));
    const res = await send('POST', '/apis/apps/v1/namespaces/team/deployments', body, 'application/vnd.kubernetes.protobuf');
    expect(reasonOf(res)).toBe('acr_insufficient');
    expect(rules(res)).toContain('guardrail:cluster_policy');
    expect(lastDecision()).toContain('ValidatingAdmissionPolicy/pss-baseline: procMount must be Default.');
    const aal3 = await send('POST', '/apis/apps/v1/namespaces/team/deployments', body, 'application/vnd.kubernetes.protobuf', 'urn:stepgate:aal3');
    expect(aal3.status.code).toBe(0);
  });

  it('a merge patch breaking a restricted control is refused by the Kyverno policy (effect deny), whatever the proof', async () => {
    // Not dropping ALL capabilities: a restricted control no built-in guardrail checks.
    const patch = JSON.stringify({ spec: { template: { spec: { containers: [goodContainer({ capabilities: { drop: ['NET_RAW'] } })] } } } });
    const res = await send('PATCH', '/apis/apps/v1/namespaces/team/deployments/web', patch, 'application/merge-patch+json', 'urn:stepgate:aal3');
    expect(reasonOf(res)).toBe('policy_deny');
    expect(JSON.stringify(deniedBody(res))).toContain("refused by guardrail: the cluster's own policy is violated (cluster_policy)");
    expect(lastDecision()).toContain('rule restricted (Deployment): Containers must drop ALL capabilities and may add only NET_BIND_SERVICE.');
  });

  it('a namespace override turns cluster policies off there', async () => {
    const body = JSON.stringify(deployment('legacy', goodContainer({ capabilities: { drop: ['NET_RAW'] } })));
    const res = await send('POST', '/apis/apps/v1/namespaces/legacy/deployments', body, 'application/json');
    expect(res.status.code).toBe(0);
  });

  it('an expression that fails at run time is an unreadable guardrail with the conservative effect, never a pass', async () => {
    const body = JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c' }, data: { a: 'b' } });
    const res = await send('POST', '/api/v1/namespaces/team/configmaps', body, 'application/json');
    expect(reasonOf(res)).toBe('acr_insufficient');
    expect(rules(res)).toContain('guardrail:cluster_policy_unreadable');
    expect(lastDecision()).toMatch(/ValidatingAdmissionPolicy\/needs-node validations\[0\] could not be evaluated: evaluation error: .*spec/);
  });

  it('reads are not judged', async () => {
    const res = await send('GET', '/apis/apps/v1/namespaces/team/deployments/web', '', 'application/json');
    expect(res.status.code).toBe(0);
  });
});
