import { afterAll, beforeAll, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/load.js';
import { startService, type Service } from '../../src/main.js';
import { createLogger } from '../../src/telemetry/log.js';
import { CheckClient, reasonOf } from '../support/grpc-client.js';
import { TestIssuer } from '../support/issuer.js';
import { checkRequest } from '../support/requests.js';
import { exampleYaml } from '../support/workday-service.js';

const K8S = 'https://kubernetes.default.svc.cluster.local';
let issuer: TestIssuer; let service: Service; let client: CheckClient; let ci: string;
const sec = () => Math.floor(Date.now() / 1000);
beforeAll(async () => {
  issuer = await TestIssuer.start();
  const yaml = exampleYaml(issuer.url).replace(`jwks_uri: ${K8S}/openid/v1/jwks`, `jwks_uri: ${issuer.url}/jwks\n    fetch_timeout_ms: 20000`);
  service = await startService(parseConfig(yaml, 'x.yaml'), {}, createLogger('silent'));
  client = new CheckClient(service.grpc.port);
  const now = sec();
  ci = await issuer.token({ iss: K8S, aud: [K8S], sub: 'system:serviceaccount:ci:deployer', iat: now, nbf: now, exp: now + 3607, 'kubernetes.io': { namespace: 'ci', serviceaccount: { name: 'deployer', uid: 'u' } }, auth_time: undefined, acr: undefined, amr: undefined, groups: undefined, email: undefined });
});
afterAll(async () => { client?.close(); await service?.stop(); await issuer?.close(); });
const kinds = [['apps/v1', 'deployments'], ['apps/v1', 'statefulsets'], ['batch/v1', 'jobs'], ['batch/v1', 'cronjobs'], ['apps/v1', 'deployments'], ['apps/v1', 'deployments']];
it('CI SA: preview namespaces, 6 workload creates each', async () => {
  const out: string[] = [];
  for (let pr = 100; pr < 106; pr++) {
    for (const [gv, r] of kinds) {
      const res = await client.check(checkRequest({ host: 'kube.localhost', source: '10.30.1.5', method: 'POST', path: `/apis/${gv}/namespaces/pr-${pr}/${r}`, token: ci, headers: { 'user-agent': 'kubectl/v1.32.4 (linux/amd64) kubernetes/5f8c2b1', 'content-type': 'application/json' } }));
      out.push(`${pr} ${r} ${reasonOf(res)} ${JSON.stringify(res.dynamic_metadata?.fields)}`);
    }
  }
  console.log(out.join('\n'));
});
it('human aal2 fresh: 40 creates in a new namespace', async () => {
  const t = await issuer.token({ sub: 'ann@example.com', email: 'ann@example.com', acr: 'urn:stepgate:aal2', amr: ['mfa'], auth_time: sec() - 5 });
  const out: string[] = [];
  for (let i = 0; i < 40; i++) {
    const [gv, r] = kinds[i % kinds.length]!;
    const res = await client.check(checkRequest({ host: 'kube.localhost', source: '10.20.4.17', method: 'POST', path: `/apis/${gv}/namespaces/team-new/${r}`, token: t, headers: { 'user-agent': 'kubectl/v1.32.4 (linux/amd64) kubernetes/5f8c2b1', 'content-type': 'application/json' } }));
    out.push(`${i} ${r} ${reasonOf(res)}`);
  }
  console.log(out.join('\n'));
});
