import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/load.js';
import { explain } from '../../src/explain.js';
import { parseBody } from '../../src/guardrails/parse.js';
import { startService, type Service } from '../../src/main.js';
import { createLogger } from '../../src/telemetry/log.js';
import { HMAC_SECRET, testConfig, testConfigYaml } from '../support/config.js';
import { CheckClient, reasonOf, type CheckResponse } from '../support/grpc-client.js';
import { PINNED } from '../support/guardrails.js';
import { TestIssuer } from '../support/issuer.js';
import { encodeKube } from '../support/kube-protobuf.js';
import { discovery, startKubeCheckFront, type KubeCheckFront } from '../support/kube-check-front.js';
import { checkRequest } from '../support/requests.js';

/**
 * Real kubectl → a small fake kube-apiserver that asks the real stepgate gRPC server about every
 * request (as Envoy would, body included as raw_body) and answers with stepgate's denial or with
 * discovery / a created object. `kubectl create deployment` and `create clusterrolebinding` send
 * application/vnd.kubernetes.protobuf; they must be judged by their content, not as unreadable
 * bodies needing the strongest level.
 */

const KUBECTL = 'kubectl';

let issuer: TestIssuer;
let service: Service;
let client: CheckClient;
let front: KubeCheckFront;
let dir: string;
let kubeconfig: string;

interface Seen {
  method: string;
  path: string;
  contentType: string;
  body: Buffer;
  decision: CheckResponse;
}
const seen: Seen[] = [];

const GUARDRAILS = `
guardrails:
  allowed_registries: [registry.example.com]
  protected_namespaces: ["prod*"]
  effects:
    rbac_cluster_admin_binding: {deny: true}
`;

const DISCOVERY = discovery(
  [
    ['pods', 'Pod', true],
    ['namespaces', 'Namespace', false],
    ['secrets', 'Secret', true],
  ],
  [
    ['apps', 'v1', [['deployments', 'Deployment', true]]],
    [
      'batch',
      'v1',
      [
        ['jobs', 'Job', true],
        ['cronjobs', 'CronJob', true],
      ],
    ],
    ['networking.k8s.io', 'v1', [['ingresses', 'Ingress', true]]],
    [
      'rbac.authorization.k8s.io',
      'v1',
      [
        ['roles', 'Role', true],
        ['clusterroles', 'ClusterRole', false],
        ['rolebindings', 'RoleBinding', true],
        ['clusterrolebindings', 'ClusterRoleBinding', false],
      ],
    ],
  ],
);

/**
 * kubectl 1.32 is the first to send protobuf for `create` (1.27 to 1.31 send JSON, measured);
 * Debian's kubernetes-client (1.20, what scripts/test.sh installs where no newer kubectl is
 * packaged) sends JSON too. Either way the decision must be the same: the content type kubectl
 * chose is asserted, the outcome never depends on it. The protobuf path itself is always covered
 * by the bodies captured from kubectl 1.32 (test/fixtures/kubectl-protobuf).
 */
let sendsProtobuf = false;
let WRITE_TYPE = 'application/json';

async function checkKubectlVersion(): Promise<void> {
  const out = await new Promise<string>((resolve, reject) =>
    execFile(KUBECTL, ['version', '--client', '-o', 'json'], { env: { PATH: process.env.PATH } }, (err, stdout) => {
      if (err) reject(new Error(`${KUBECTL} not usable${process.env.CI === 'true' ? ' (CI=true: scripts/test.sh installs it)' : ''}: ${err.message}`));
      else resolve(stdout);
    }),
  );
  const v = (JSON.parse(out) as { clientVersion: { major: string; minor: string; gitVersion: string } }).clientVersion;
  sendsProtobuf = Number(v.major) === 1 && parseInt(v.minor, 10) >= 32;
  WRITE_TYPE = sendsProtobuf ? PROTOBUF : 'application/json';
  console.info(`kubectl ${v.gitVersion}: create sends ${WRITE_TYPE}`);
}

beforeAll(async () => {
  await checkKubectlVersion();
  issuer = await TestIssuer.start();
  service = await startService(parseConfig(testConfigYaml(issuer.url, GUARDRAILS), 'kubectl.yaml'), { TEST_HMAC_SECRET: HMAC_SECRET }, createLogger('silent'));
  client = new CheckClient(service.grpc.port);
  dir = await mkdtemp(join(tmpdir(), 'stepgate-kubectl-'));
  front = await startKubeCheckFront({
    dir,
    namespace: 'dev',
    discovery: DISCOVERY,
    answer: (method) => (method === 'POST' ? [201, { kind: 'Status', apiVersion: 'v1', status: 'Success' }] : undefined),
    check: async (r) => {
      const decision = await client.check(
        checkRequest({ method: r.method, path: r.path, headers: { ...r.headers, 'x-envoy-auth-partial-body': 'false' }, ...(r.token ? { token: r.token } : {}), ...(r.body.length > 0 ? { rawBody: r.body } : {}) }),
      );
      seen.push({ method: r.method, path: r.path, contentType: r.headers['content-type'] ?? '', body: r.body, decision });
      return decision;
    },
  });
  kubeconfig = front.kubeconfig;
});

afterAll(async () => {
  client?.close();
  await service?.stop();
  await issuer?.close();
  await front?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

const sec = () => Math.floor(Date.now() / 1000);
const token = (level: 'aal1' | 'aal2' | 'aal3') =>
  issuer.token({ sub: 'ann@example.com', acr: `urn:stepgate:${level}`, amr: [{ aal1: 'pwd', aal2: 'mfa', aal3: 'hwk' }[level]], auth_time: sec() });

/** Runs kubectl; resolves with its exit code and output, and what stepgate decided for its write. */
async function kubectl(args: string[], level: 'aal1' | 'aal2' | 'aal3') {
  const before = seen.length;
  const t = await token(level);
  const run = await new Promise<{ code: number; stdout: string; stderr: string }>((resolve, reject) => {
    execFile(
      KUBECTL,
      [`--kubeconfig=${kubeconfig}`, `--cache-dir=${join(dir, 'cache')}`, `--token=${t}`, '--request-timeout=20s', ...args],
      { env: { PATH: process.env.PATH, HOME: dir }, timeout: 60_000 },
      (err, stdout, stderr) => {
        if (err && (err as NodeJS.ErrnoException).code === 'ENOENT') {
          reject(new Error(`${KUBECTL} not found on PATH${process.env.CI === 'true' ? ' (CI=true: scripts/test.sh installs it)' : ''}`));
          return;
        }
        resolve({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, stdout, stderr });
      },
    );
  });
  const writes = seen.slice(before).filter((s) => s.method === 'POST');
  return { ...run, writes, write: writes.at(-1) };
}

const rules = (r: CheckResponse | undefined) => r?.dynamic_metadata?.fields.rules?.stringValue ?? '';
const PROTOBUF = 'application/vnd.kubernetes.protobuf';

describe('real kubectl bodies through the real gRPC server', () => {
  it('kubectl create deployment (protobuf) with a pinned image in prod passes at the level the policy asks', async () => {
    const r = await kubectl(['-n', 'prod-eu', 'create', 'deployment', 'web', `--image=${PINNED}`], 'aal2');
    expect(r.write?.contentType).toBe(WRITE_TYPE);
    expect(r.write?.path).toMatch(/^\/apis\/apps\/v1\/namespaces\/prod-eu\/deployments\?/);
    expect(rules(r.write?.decision)).not.toContain('guardrail:');
    expect(r.write?.decision.status.code ?? 0).toBe(0);
    expect(r.code, r.stderr).toBe(0);
  });

  it('kubectl create deployment with nginx is judged by its image, not as an unreadable body', async () => {
    // The image guardrails are elevated by default (two factors, not a hardware key): an aal1 token is
    // asked to step up.
    const r = await kubectl(['-n', 'prod-eu', 'create', 'deployment', 'web2', '--image=nginx'], 'aal1');
    expect(r.write?.contentType).toBe(WRITE_TYPE);
    const named = rules(r.write?.decision);
    expect(named).toContain('guardrail:image_registry_not_allowed');
    expect(named).toContain('guardrail:image_latest_tag');
    expect(named).toContain('guardrail:image_not_pinned');
    expect(named).not.toContain('body_unreadable');
    expect(reasonOf(r.write!.decision)).toBe('acr_insufficient');
    expect(r.code).not.toBe(0);
  });

  it('kubectl create clusterrolebinding to cluster-admin (protobuf) is refused by its guardrail; one to view passes', async () => {
    const admin = await kubectl(['create', 'clusterrolebinding', 'b', '--clusterrole=cluster-admin', '--user=u'], 'aal3');
    expect(admin.write?.contentType).toBe(WRITE_TYPE);
    expect(reasonOf(admin.write!.decision)).toBe('policy_deny');
    expect(rules(admin.write?.decision)).toContain('guardrail:rbac_cluster_admin_binding');
    expect(admin.code).not.toBe(0);
    expect(admin.stderr).toContain('rbac_cluster_admin_binding');

    const view = await kubectl(['create', 'clusterrolebinding', 'v', '--clusterrole=view', '--user=u'], 'aal3');
    expect(view.write?.contentType).toBe(WRITE_TYPE);
    expect(view.code, view.stderr).toBe(0);
  });

  it('kubectl create job, cronjob, role, clusterrole, rolebinding and namespace send protobuf that decodes', async () => {
    const cases: [string[], RegExp][] = [
      [['create', 'job', 'j', `--image=${PINNED}`, '--', 'true'], /\/jobs\?/],
      [['create', 'cronjob', 'cj', `--image=${PINNED}`, '--schedule=*/5 * * * *', '--', 'true'], /\/cronjobs\?/],
      [['create', 'role', 'r', '--verb=get,list', '--resource=secrets'], /\/roles\?/],
      [['create', 'clusterrole', 'cr', '--verb=get', '--resource=pods'], /\/clusterroles\?/],
      [['create', 'rolebinding', 'rb', '--clusterrole=view', '--serviceaccount=dev:sa'], /\/rolebindings\?/],
      [['create', 'namespace', 'team-a'], /\/namespaces\?/],
    ];
    for (const [args, path] of cases) {
      const r = await kubectl(args, 'aal3');
      expect(r.write?.path, args.join(' ')).toMatch(path);
      // kubectl 1.20 sends some of these without a content type (its decision is checked all the same).
      if (sendsProtobuf) expect(r.write?.contentType, args.join(' ')).toBe(PROTOBUF);
      const verb = 'create';
      if (sendsProtobuf || r.write!.contentType !== '') {
        expect(parseBody(r.write!.body, r.write!.contentType, false, verb), args.join(' ')).toMatchObject({ ok: true });
      }
      expect(r.code, `${args.join(' ')}: ${r.stderr}`).toBe(0);
    }
  });

  // Ingress and Secret bodies are read by ingress_config_injection and service_account_token_privileged;
  // kube-system's service accounts are privileged by default, so a Secret body there must decode.
  it('kubectl create ingress with a snippet annotation is judged by it; an ordinary one and a kube-system Secret decode and pass', async () => {
    const rule = '--rule=shop.example.com/*=web:80';
    const snippet = await kubectl(['create', 'ingress', 'i', rule, '--annotation=nginx.ingress.kubernetes.io/server-snippet=location /x { alias /; }'], 'aal2');
    expect(snippet.write?.contentType).toBe(WRITE_TYPE);
    expect(snippet.write?.path).toMatch(/^\/apis\/networking.k8s.io\/v1\/namespaces\/dev\/ingresses\?/);
    expect(rules(snippet.write?.decision)).toContain('guardrail:ingress_config_injection');
    expect(rules(snippet.write?.decision)).not.toContain('body_unreadable');
    expect(reasonOf(snippet.write!.decision)).toBe('acr_insufficient');

    const plain = await kubectl(['create', 'ingress', 'j', rule, '--class=nginx', '--annotation=nginx.ingress.kubernetes.io/rewrite-target=/$2'], 'aal1');
    expect(plain.write?.contentType).toBe(WRITE_TYPE);
    // The field numbers, checked against what real kubectl sends (the unit tests build them by hand).
    expect(parseBody(plain.write!.body, plain.write!.contentType, false, 'create')).toMatchObject({
      ok: true,
      documents: [
        {
          metadata: { name: 'j', annotations: { 'nginx.ingress.kubernetes.io/rewrite-target': '/$2' } },
          spec: { ingressClassName: 'nginx', rules: [{ host: 'shop.example.com', http: { paths: [{ path: '/', pathType: 'Prefix' }] } }] },
        },
      ],
    });
    expect(plain.code, plain.stderr).toBe(0);

    const secret = await kubectl(['-n', 'kube-system', 'create', 'secret', 'generic', 's', '--from-literal=a=b'], 'aal3');
    expect(secret.write?.contentType).toBe(WRITE_TYPE);
    expect(rules(secret.write?.decision)).not.toContain('body_unreadable');
    expect(parseBody(secret.write!.body, secret.write!.contentType, false, 'create')).toMatchObject({ ok: true, documents: [{ metadata: { name: 's' }, type: '' }] });
    expect(secret.code, secret.stderr).toBe(0);
  });

  it('a job in a namespace no rule protects passes with the everyday level (it used to need aal3)', async () => {
    const r = await kubectl(['create', 'job', 'j2', `--image=${PINNED}`, '--', 'true'], 'aal1');
    expect(r.write?.contentType).toBe(WRITE_TYPE);
    expect(r.code, r.stderr).toBe(0);
  });

  it('kubectl run --privileged sends JSON (not protobuf), and is judged as privileged', async () => {
    const r = await kubectl(['-n', 'prod-eu', 'run', 'p', `--image=${PINNED}`, '--privileged'], 'aal2');
    expect(r.write?.contentType).toBe('application/json');
    expect(rules(r.write?.decision)).toContain('guardrail:privileged_container');
    expect(r.code).not.toBe(0);
  });
});

describe('protobuf bodies kubectl cannot build, straight through the gRPC server', () => {
  const check = async (body: Buffer, level: 'aal2' | 'aal3') =>
    client.check(
      checkRequest({
        method: 'POST',
        path: '/apis/apps/v1/namespaces/prod-eu/deployments',
        token: await token(level),
        headers: { 'content-type': PROTOBUF, 'x-envoy-auth-partial-body': 'false' },
        rawBody: body,
      }),
    );
  const deployment = (privileged: boolean) =>
    encodeKube({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'web' },
      spec: { selector: { matchLabels: { app: 'web' } }, template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'app', image: PINNED, securityContext: { privileged } }] } } },
    });

  it('a privileged deployment in protobuf needs the guardrail\'s level; the same one unprivileged does not', async () => {
    const privileged = await check(deployment(true), 'aal2');
    expect(reasonOf(privileged)).toBe('acr_insufficient');
    expect(rules(privileged)).toContain('guardrail:privileged_container');
    expect(rules(privileged)).not.toContain('body_unreadable');
    expect((await check(deployment(false), 'aal2')).status.code ?? 0).toBe(0);
  });

  it('a malformed protobuf body gets the unreadable_body effect', async () => {
    const cut = deployment(false).subarray(0, 40);
    const res = await check(cut, 'aal2');
    expect(reasonOf(res)).toBe('acr_insufficient');
    expect(rules(res)).toContain('guardrail:body_unreadable');
  });
});

describe('stepgate explain with a captured kubectl body', () => {
  it('shows the violations of a protobuf body, and for a malformed one why it is unreadable', async () => {
    const config = testConfig(issuer.url, GUARDRAILS);
    const body = readFileSync(new URL('../fixtures/kubectl-protobuf/create-clusterrolebinding-b-cluster-admin-user-u.bin', import.meta.url));
    const input = { method: 'POST', url: 'https://kube.example.com/apis/rbac.authorization.k8s.io/v1/clusterrolebindings', headers: [], contentType: PROTOBUF };
    const claims = { iss: issuer.url, sub: 'ann', acr: 'urn:stepgate:aal3', auth_time: sec() };
    const out = await explain(config, { ...input, claims, body }, { env: { TEST_HMAC_SECRET: HMAC_SECRET } });
    expect(out.guardrails).toMatchObject({ violations: [{ code: 'rbac_cluster_admin_binding', path: 'roleRef.name' }], unreadable: null });
    const cut = await explain(config, { ...input, claims, body: body.subarray(0, body.length - 10) }, { env: { TEST_HMAC_SECRET: HMAC_SECRET } });
    expect(cut.guardrails).toMatchObject({ unreadable: 'body_unreadable', unreadable_detail: expect.stringMatching(/^the protobuf body is malformed/) });
  });
});
