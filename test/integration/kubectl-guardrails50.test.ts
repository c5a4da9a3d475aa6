import { execFile } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { builtServerForFile, KUBE, OFFICE, type Level, AMR } from '../support/built-server.js';
import { reasonOf, type CheckResponse } from '../support/grpc-client.js';
import { runCli } from '../support/process.js';
import { parse as parseYaml } from 'yaml';
import { guardrailTitle } from '../../src/config/guardrail-codes.js';
import { discovery, startKubeCheckFront, type Answer, type GroupRow, type KubeCheckFront } from '../support/kube-check-front.js';
import { checkRequest } from '../support/requests.js';

/**
 * What an engineer's kubectl prints for the guardrails session 50 added, with the real kubectl
 * against the build `npm start` serves (examples/stepgate.yaml with a site's lists): kubectl → a
 * small HTTPS kube-apiserver that asks stepgate over gRPC as Envoy would (the body as raw_body,
 * `x-envoy-auth-partial-body: false`, the office as the client address) and answers with
 * stepgate's denial, or with discovery and the written object. For each request the kubectl
 * output and `stepgate explain`'s answer for the same request are kept in CAPTURED, and
 * docs/guardrails.md's "What kubectl prints" block of each code must be that text (times and the
 * subject's name by their form).
 */

const SITE_LISTS = `  model_sources: [s3://meridian-models, "hf://meridian/*", pvc://]
  certificate_authorities: [acme-v02.api.letsencrypt.org, "*.pki.stats.agency.example", "secret:agency-root-ca"]
  upload_hosts: ["s3://helixa-*", artifacts.helixa.example]
`;

const server = builtServerForFile('kubectl50', (yaml) => {
  const out = yaml
    .replace(/^ {2}# model_sources: .*\n {2}# certificate_authorities: .*\n/m, SITE_LISTS)
    // The people's subject is their email (subject_claim: email), for subject_missing's new cases.
    .replace('    clock_tolerance_seconds: 30\n', '    clock_tolerance_seconds: 30\n    subject_claim: email\n');
  if (!out.includes(SITE_LISTS) || !out.includes('subject_claim: email')) throw new Error('examples/stepgate.yaml: the lines this site copy edits moved');
  return out;
});

let front: KubeCheckFront;
let dir: string;
let kubeconfig: string;
const seen: { method: string; path: string; decision: CheckResponse }[] = [];

const GROUPS: GroupRow[] = [
  ['apps', 'v1', [['deployments', 'Deployment', true]]],
  ['batch', 'v1', [['jobs', 'Job', true]]],
  ['serving.kserve.io', 'v1beta1', [['inferenceservices', 'InferenceService', true]]],
  ['velero.io', 'v1', [['restores', 'Restore', true]]],
  ['cert-manager.io', 'v1', [['clusterissuers', 'ClusterIssuer', false]]],
];
const DISCOVERY = discovery(
  [
    ['pods', 'Pod', true],
    ['namespaces', 'Namespace', false],
  ],
  GROUPS,
  { deployments: ['deploy'], inferenceservices: ['isvc'], pods: ['po'] },
);

/** An allowed write or read, as kube-apiserver answers it (kubectl prints the kind and name it gets back). */
const answer: Answer = (method, path, body) => {
  // kubectl patch reads the object first; apply and create find none and create it.
  const deploy = /^\/apis\/apps\/v1\/namespaces\/([a-z0-9-]+)\/deployments\/([a-z0-9-]+)$/.exec(path);
  if (method === 'GET' && deploy) {
    return [200, { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: deploy[2], namespace: deploy[1], uid: 'uid-1' }, spec: { template: { spec: { containers: [{ name: deploy[2], image: 'registry.example.com/app@sha256:' + '0'.repeat(64) }] } } } }];
  }
  if (method === 'GET' && /\/pods$/.test(path)) return [200, { kind: 'PodList', apiVersion: 'v1', metadata: {}, items: [] }];
  if (method !== 'POST' && method !== 'PATCH') return undefined;
  const sent = (method === 'POST' ? JSON.parse(body.toString('utf8')) : {}) as { apiVersion?: string; kind?: string; metadata?: { name?: string } };
  const name = sent.metadata?.name ?? path.split('/').at(-1)!;
  const group = GROUPS.find(([g, v]) => path.startsWith(`/apis/${g}/${v}/`));
  const kind = group?.[2].find(([r]) => path.includes(`/${r}`))?.[1] ?? sent.kind ?? 'Pod';
  return [method === 'POST' ? 201 : 200, { apiVersion: group ? `${group[0]}/${group[1]}` : 'v1', kind, metadata: { name, uid: `uid-${name}` } }];
};

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'stepgate-kubectl50-'));
  front = await startKubeCheckFront({
    dir,
    namespace: 'default',
    discovery: DISCOVERY,
    answer,
    check: async (r) => {
      const headers = r.body.length > 0 ? { ...r.headers, 'x-envoy-auth-partial-body': 'false' } : r.headers;
      const decision = await server().client.check(
        checkRequest({ host: KUBE, source: OFFICE, method: r.method, path: r.path, headers, ...(r.token ? { token: r.token } : {}), ...(r.body.length > 0 ? { rawBody: r.body } : {}) }),
      );
      seen.push({ method: r.method, path: r.path, decision });
      return decision;
    },
  });
  kubeconfig = front.kubeconfig;
}, 60_000);

afterAll(async () => {
  await front?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

let n = 0;
const now = () => Math.floor(Date.now() / 1000);

interface Run {
  code: number;
  stderr: string;
  stdout: string;
  /** The refused write's decision. */
  write: { method: string; path: string; decision: CheckResponse } | undefined;
  token: string;
}

/**
 * kubectl as a fresh engineer signed in at `level` `age` seconds ago, whose own `kubectl get pods`
 * in dev from the office came first (the office known to the subject, as on any working day).
 */
async function kubectl(home: string, args: string[], level: Level, age: number, files: Record<string, string> = {}, claims: Record<string, unknown> = {}): Promise<Run> {
  const sub = `engineer-${++n}@example.com`;
  const token = await server().issuer.token({ sub, email: sub, acr: `urn:stepgate:${level}`, amr: AMR[level], auth_time: now() - age, ...claims });
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  const run = (a: string[], as = token) =>
    new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
      execFile('kubectl', [`--kubeconfig=${kubeconfig}`, `--cache-dir=${join(dir, 'cache')}`, `--token=${as}`, '--request-timeout=20s', ...a], { env: { PATH: process.env.PATH, HOME: dir }, cwd: dir, timeout: 60_000 }, (err, stdout, stderr) =>
        resolve({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
      );
    });
  // The subject's own read, which also fills kubectl's discovery cache as on any working day (a
  // token refused outright reads it with a colleague's): what is printed is the command's alone.
  const plain = Object.keys(claims).length === 0;
  const own = await run(['-n', home, 'get', 'pods'], plain ? token : await server().issuer.token({ sub: `colleague-${n}@example.com`, email: `colleague-${n}@example.com`, acr: 'urn:stepgate:aal1', amr: AMR.aal1, auth_time: now() - 60 }));
  expect(own.code, own.stderr).toBe(0);
  const before = seen.length;
  const r = await run(args);
  return { ...r, write: seen.slice(before).find((s) => s.method !== 'GET'), token };
}

/** `stepgate explain` for the write kubectl sent, with the same token, address and agent. */
async function explainOf(r: Run, body: string, contentType: string): Promise<Record<string, unknown>> {
  const bodyFile = join(dir, `explain-${n}.body`);
  writeFileSync(bodyFile, body);
  const cli = runCli(
    [
      'explain',
      '--config',
      server().configFile,
      '--url',
      `https://${KUBE}${r.write!.path}`,
      '--method',
      r.write!.method,
      '--token',
      r.token,
      '--source',
      OFFICE,
      '--header',
      'user-agent: kubectl/v1.32.4 (linux/amd64) kubernetes/59526cd',
      '--body-file',
      bodyFile,
      '--content-type',
      contentType,
    ],
    {},
  );
  const { code } = await cli.exited;
  expect(code, cli.stderr.join('\n')).toBe(0);
  return JSON.parse(cli.stdout.join('\n')) as Record<string, unknown>;
}

const ISVC = `apiVersion: serving.kserve.io/v1beta1
kind: InferenceService
metadata:
  name: fraud-scorer
  namespace: prod-inference
spec:
  predictor:
    model:
      modelFormat: { name: sklearn }
      storageUri: s3://meridian-models-backup-eu/fraud-scorer/v42
`;
const RESTORE = `apiVersion: velero.io/v1
kind: Restore
metadata:
  name: tax-prod-verify-1208
  namespace: velero
spec:
  backupName: nightly-20261208010000
  includedNamespaces: [tax-prod]
  namespaceMapping:
    tax-prod: pentest-sandbox
`;
const ISSUER = `apiVersion: cert-manager.io/v1
kind: ClusterIssuer
metadata:
  name: agency-acme
spec:
  acme:
    server: https://acme.stats-agency-pki.example/directory
    privateKeySecretRef: { name: agency-acme-key }
    solvers: [{ http01: { ingress: { ingressClassName: nginx } } }]
`;
const MC_POD = `apiVersion: v1
kind: Pod
metadata:
  name: export-embeddings
  namespace: ml-training
spec:
  restartPolicy: Never
  containers:
    - name: export
      image: registry.example.com/minio/mc@sha256:${'1'.repeat(64)}
      command: [sh, -c]
      args:
        - mc alias set ext https://minio.export-partner.example AKIA0EXAMPLE secret0example && mc cp --recursive /data/embeddings ext/drop/
      volumeMounts: [{ name: data, mountPath: /data }]
  volumes: [{ name: data, persistentVolumeClaim: { claimName: embeddings } }]
`;

const guardrailsDoc = readFileSync(new URL('../../docs/guardrails.md', import.meta.url), 'utf8');
const reasonsDoc = readFileSync(new URL('../../docs/reason-codes.md', import.meta.url), 'utf8');

/** A command line as the docs write it: a word with shell characters in single quotes. */
const commandLine = (args: readonly string[]) => `$ kubectl ${args.map((a) => (/^[\w./:=@-]+$/.test(a) ? a : `'${a}'`)).join(' ')}`;

/** What changes from run to run, as its form: clock times, dates, the test subject's name, kubectl's log prefix. */
const form = (text: string) =>
  text
    .replace(/\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ/g, '<time>')
    .replace(/\b\d\d:\d\d:\d\dZ/g, '<hh:mm:ss>Z')
    .replace(/^E\d{4} \d\d:\d\d:\d\d\.\d+ +\d+ /gm, 'E<date> <time> <pid> ')
    .trim();

/**
 * The doc's block for a command: the fenced block (in `section` of `doc`) whose first line is the
 * command line; its lines up to `[exit N]`.
 */
function docBlock(doc: string, section: string, command: string): string | undefined {
  const start = doc.indexOf(section);
  if (start < 0) return undefined;
  const next = doc.indexOf('\n## ', start + section.length);
  const text = doc.slice(start, next < 0 ? undefined : next);
  // Fences paired with their language, so a ```sh block's closing fence never opens one.
  for (const m of text.matchAll(/^```(\w*)\n([\s\S]*?)^```$/gm)) {
    if (m[1] === '' && m[2]!.startsWith(`${command}\n`)) return m[2]!.trimEnd();
  }
  return undefined;
}

/** kubectl's output as the docs quote it: the command, what it printed, its exit status. */
const printed = (command: string, r: { stderr: string; stdout: string; code: number }) => `${command}\n${(r.stdout + r.stderr).trimEnd()}\n[exit ${r.code}]`;

interface Case {
  code: string;
  home: string;
  args: string[];
  level: Level;
  age: number;
  file?: [string, string];
  /** The body `stepgate explain` is given: the manifest as JSON, or the patch. */
  explainBody: [string, string];
  reason: string;
  /** The level the message asks for. */
  asks: Level;
}

const PATCH = '[{"op":"add","path":"/spec/template/spec/containers/-","value":{"name":"traffic-agent","image":"ghcr.io/telepresenceio/tel2:2.20.2","args":["agent"]}}]';
const asJson = (yaml: string) => JSON.stringify(parseYaml(yaml));

const CASES: Case[] = [
  // Day 13: a sidecar patched into production with the release lead's seven-hour-old sign-in.
  { code: 'container_added', home: 'matchmaking-prod', args: ['-n', 'matchmaking-prod', 'patch', 'deploy', 'matchmaking', '--type=json', '-p', PATCH], level: 'aal2', age: 7 * 3600, explainBody: [PATCH, 'application/json-patch+json'], reason: 'auth_too_old', asks: 'aal2' },
  // Day 17: production's model from a look-alike bucket, on a fresh two-factor sign-in.
  { code: 'model_source_not_allowed', home: 'prod-inference', args: ['apply', '--validate=false', '-f', 'isvc.yaml'], level: 'aal2', age: 600, file: ['isvc.yaml', ISVC], explainBody: [asJson(ISVC), 'application/json'], reason: 'acr_insufficient', asks: 'aal3' },
  // Day 23: tax-prod restored into a pentest sandbox, ten minutes after the drill's smart card.
  { code: 'restore_namespace_moved', home: 'velero', args: ['create', '--validate=false', '-f', 'restore.yaml'], level: 'aal3', age: 600, file: ['restore.yaml', RESTORE], explainBody: [asJson(RESTORE), 'application/json'], reason: 'auth_too_old', asks: 'aal3' },
  // Day 23: the ClusterIssuer re-pointed at another ACME server, eight minutes into the change window.
  { code: 'issuer_endpoint_not_allowed', home: 'dev', args: ['apply', '--validate=false', '-f', 'clusterissuer.yaml'], level: 'aal3', age: 480, file: ['clusterissuer.yaml', ISSUER], explainBody: [asJson(ISSUER), 'application/json'], reason: 'auth_too_old', asks: 'aal3' },
  // A pod copying the embeddings to a partner's MinIO through an mc alias.
  { code: 'data_upload_outside', home: 'ml-training', args: ['create', '--validate=false', '-f', 'export.yaml'], level: 'aal2', age: 600, file: ['export.yaml', MC_POD], explainBody: [asJson(MC_POD), 'application/json'], reason: 'acr_insufficient', asks: 'aal3' },
];

describe("kubectl's output for session 50's guardrails (the built server, the real kubectl)", () => {
  it.each(CASES.map((c) => [c.code, c] as const))('%s: kubectl names the guardrail, the level and the command that steps up; docs/guardrails.md quotes it', async (code, c) => {
    const r = await kubectl(c.home, c.args, c.level, c.age, c.file ? { [c.file[0]]: c.file[1] } : {});
    const command = commandLine(c.args);
    const out = printed(command, r);
    console.log(out);
    expect(r.write, 'kubectl sent the write').toBeDefined();
    expect(reasonOf(r.write!.decision)).toBe(c.reason);
    expect(r.code).toBe(1);
    // Which guardrail, in words and by code; what to do, and how.
    expect(r.stderr).toContain(`Guardrail: ${guardrailTitle(code as never)} (${code}).`);
    expect(r.stderr).toMatch(new RegExp(`sign in (again )?at level ${c.asks} \\(`));
    expect(r.stderr).toContain(`kubectl stepgate login --level ${c.asks}`);
    expect(r.stderr).not.toMatch(/Forbidden|unknown reason|InternalError/);
    // explain for the same request: the same guardrail, its detail, and the same answer.
    const ex = await explainOf(r, c.explainBody[0], c.explainBody[1]);
    const violations = (ex.guardrails as { violations: { code: string; detail: string; path: string }[] }).violations;
    expect(violations.map((v) => v.code)).toEqual([code]);
    expect((ex.decision as { reason: string }).reason).toBe(c.reason);
    const said = `# stepgate explain, the same request: ${violations[0]!.detail} (at ${violations[0]!.path})`;
    console.log(said);
    const block = docBlock(guardrailsDoc, `## \`${code}\``, command);
    expect(block === undefined ? undefined : form(block), `docs/guardrails.md's section ${code}: a block of what kubectl prints`).toBe(form(`${out}\n${said}`));
  }, 120_000);

  it.each([
    ['email_verified: false', { email_verified: false }, 'email_verified'],
    ['a control character in the email', { email: 'alice@example.com\u0000mallory' }, 'control'],
  ] as const)('subject_missing, %s: kubectl says what is wrong with the subject, not that there is none', async (_what, claims, key) => {
    const args = ['-n', 'dev', 'get', 'pods'];
    const r = await kubectl('dev', args, 'aal2', 60, {}, claims);
    const out = printed(commandLine(args), r);
    console.log(out);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('(subject_missing)');
    // The token has a subject: "has no subject" sent the engineer looking for the wrong thing.
    expect(r.stderr).not.toContain('has no subject');
    expect(r.stderr).toContain('control character');
    expect(r.stderr).toContain('unverified');
    const block = docBlock(reasonsDoc, '## `subject_missing`', `${commandLine(args)}  # ${key === 'control' ? 'email: "alice@example.com\\u0000mallory"' : 'email_verified: false'}`);
    expect(block === undefined ? undefined : form(block), "docs/reason-codes.md's subject_missing: a block of what kubectl prints").toBe(
      form(out.replace(commandLine(args), `${commandLine(args)}  # ${key === 'control' ? 'email: "alice@example.com\\u0000mallory"' : 'email_verified: false'}`)),
    );
  }, 60_000);
});
