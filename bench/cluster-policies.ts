/**
 * In-process cost of the cluster's own policies per request: checkGuardrails (body decoding, the
 * built-in guardrails, then the cluster policies) for Deployment writes, side by side with the same
 * request when no cluster policies are loaded. The Pod Security Standards from
 * examples/cluster-policies (baseline + restricted) are the policies: 2 ValidatingAdmissionPolicy
 * objects (18 validations), or 4 Kyverno rules with their 28 autogen variants.
 *
 *   node --import tsx bench/cluster-policies.ts [iterations]
 */
import { parseConfig } from '../src/config/load.js';
import { checkGuardrails } from '../src/guardrails/guard.js';
import { compileGuardrails } from '../src/guardrails/settings.js';
import { compileAssurance } from '../src/core/assurance.js';
import type { RequestAttributes } from '../src/request/attributes.js';
import { kubeRequestInfo } from '../src/request/kube.js';
import { GUARD_BASE } from '../test/support/guardrails.js';
import { encodeKube } from '../test/support/kube-protobuf.js';

const ITERATIONS = Number(process.argv[2] ?? 3000);

function settings(paths: string[]) {
  const section = paths.length === 0 ? 'guardrails: {}\n' : `guardrails:\n  cluster_policies:\n${paths.map((p) => `    - {path: ${p}}\n`).join('')}`;
  const cfg = parseConfig(`${GUARD_BASE}${section}`, 'bench.yaml');
  return compileGuardrails(cfg.guardrails, compileAssurance(cfg.assurance.levels))!;
}

const SETTINGS = {
  'no cluster policies': settings([]),
  'PSS as ValidatingAdmissionPolicy': settings(['examples/cluster-policies/vap']),
  'PSS as Kyverno ClusterPolicy': settings(['examples/cluster-policies/kyverno']),
  'both': settings(['examples/cluster-policies/vap', 'examples/cluster-policies/kyverno']),
};

const container = (extra: Record<string, unknown>) => ({
  name: 'app',
  image: 'registry.example.com/app:1.0',
  ports: [{ containerPort: 8080 }],
  securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] }, ...extra },
});
const deployment = (extra: Record<string, unknown>) => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name: 'web', namespace: 'team', labels: { app: 'web' } },
  spec: {
    replicas: 3,
    selector: { matchLabels: { app: 'web' } },
    template: {
      metadata: { labels: { app: 'web' } },
      spec: {
        securityContext: { runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } },
        containers: [container(extra), { ...container({}), name: 'sidecar' }],
        volumes: [{ name: 'tmp', emptyDir: {} }],
      },
    },
  },
});

function request(method: string, path: string, body?: string | Uint8Array, type = 'application/json'): RequestAttributes {
  const headers = new Map<string, string>(body === undefined ? [] : [['content-type', type]]);
  return { kube: kubeRequestInfo(method, path, '', () => undefined), headers, body, bodyTruncated: false } as unknown as RequestAttributes;
}

const DEPLOYMENTS = '/apis/apps/v1/namespaces/team/deployments';
const REQUESTS = {
  'create Deployment, compliant (JSON)': request('POST', DEPLOYMENTS, JSON.stringify(deployment({}))),
  'create Deployment, 2 violations (JSON)': request('POST', DEPLOYMENTS, JSON.stringify(deployment({ procMount: 'Unmasked', runAsUser: 0 }))),
  'create Deployment, compliant (protobuf)': request('POST', DEPLOYMENTS, encodeKube(deployment({})), 'application/vnd.kubernetes.protobuf'),
  'get Deployment (not judged)': request('GET', `${DEPLOYMENTS}/web`),
};

function measure(s: ReturnType<typeof settings>, req: RequestAttributes): number {
  for (let i = 0; i < 200; i++) checkGuardrails(s, req);
  const start = process.cpuUsage();
  for (let i = 0; i < ITERATIONS; i++) checkGuardrails(s, req);
  const used = process.cpuUsage(start);
  return (used.user + used.system) / ITERATIONS;
}

const names = Object.keys(SETTINGS) as (keyof typeof SETTINGS)[];
console.log(`| request (${ITERATIONS} iterations, CPU µs per Check) | ${names.join(' | ')} |`);
console.log(`|---|${names.map(() => '---:').join('|')}|`);
for (const [label, req] of Object.entries(REQUESTS)) {
  const cells = names.map((n) => measure(SETTINGS[n], req).toFixed(1));
  console.log(`| ${label} | ${cells.join(' | ')} |`);
}
