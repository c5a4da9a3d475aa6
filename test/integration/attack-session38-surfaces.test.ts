import { describe, expect, it } from 'vitest';
import { builtServerForFile, freshSubjects, KUBE, OFFICE, reason, REFUSED, rules } from '../support/built-server.js';
import { TrustedProxies } from '../../src/server/http/proxies.js';
import { askId, namedAsk, objectDigest } from '../../src/risk/ask.js';
import { CheckArgsEncoder } from '../../src/state/redis-args.js';
import type { Observation, WorkObservation } from '../../src/state/store.js';
import { encodeCbor } from '../support/cbor.js';
import { checkRequest, CONTENT_TYPES } from '../support/requests.js';
import { encodeKube, envelope, lenField } from '../support/kube-protobuf.js';

/**
 * Attacks on what session 38 added (issue 12, redteam39a), black-box against the built server with
 * the example policy as it ships. Each row is an attack; the rows that held are kept so the corpus
 * grows (attack-session37-surfaces.test.ts has session 38's own).
 *
 * secret_store_production_path, read the way an attacker who read the rule would read it: every
 * other annotation the Vault injector takes the agent's identity from, every other spelling the
 * template engine takes for a Vault read, the agent container's JSON patch, and the External
 * Secrets and Secrets Store CSI objects that name a store's provider rather than a path. A test
 * namespace's write with a two-factor sign-in an hour old: the shipped policy allows it, and a
 * production path asks a sign-in within 15 minutes (elevated).
 */

const server = builtServerForFile('session38');
const { tokenOf } = freshSubjects(() => server().issuer, 'session38');
const KUBECTL = 'kubectl/v1.33.1 (linux/amd64) kubernetes/8adc0f0';
const { merge: MERGE, jsonPatch: JSON_PATCH, strategic: SMP, json: JSON_CT } = CONTENT_TYPES;
const CODE = 'guardrail:secret_store_production_path';
const NS = 'benefits-test';
const OWN = 'secret/data/benefits-test/db';

type Write = [what: string, method: string, path: string, contentType: string, body: unknown];

async function send([, method, path, contentType, body]: Write) {
  const token = await tokenOf('aal2', 3600);
  // Protobuf goes as Envoy's raw_body bytes; everything else as text.
  const carried = body instanceof Uint8Array ? { rawBody: body } : { body: typeof body === 'string' ? body : JSON.stringify(body) };
  return server().client.check(checkRequest({ host: KUBE, source: OFFICE, method, path, token, headers: { 'user-agent': KUBECTL, 'content-type': contentType, 'x-envoy-auth-partial-body': 'false' }, ...carried }));
}

const DEPLOY = `/apis/apps/v1/namespaces/${NS}/deployments/benefits-api`;
const annotated = (a: Record<string, string>) => ({ spec: { template: { metadata: { annotations: { 'vault.hashicorp.com/agent-inject': 'true', ...a } } } } });
const role = (r = 'benefits-api') => ({ 'vault.hashicorp.com/role': r });
const template = (t: string) => ({ 'vault.hashicorp.com/agent-inject-template-db': t });
const renders = (action: string) => template(`{{- with ${action} -}}postgres://{{ .Data.data.username }}:{{ .Data.data.password }}@db:5432/app{{- end }}`);
const ES = `/apis/external-secrets.io/v1/namespaces/${NS}`;
const store = (r: string) => ({ apiVersion: 'external-secrets.io/v1', kind: 'SecretStore', metadata: { name: 'vault' }, spec: { provider: { vault: { server: 'https://vault.vault.svc:8200', path: 'secret', version: 'v2', auth: { kubernetes: { mountPath: 'kubernetes', role: r } } } } } });
const spc = (p: string) => ({
  apiVersion: 'secrets-store.csi.x-k8s.io/v1',
  kind: 'SecretProviderClass',
  metadata: { name: 'db' },
  spec: { provider: 'vault', parameters: { roleName: 'benefits-api', vaultAddress: 'https://vault.vault.svc:8200', objects: `- objectName: "db-password"\n  secretPath: "${p}"\n  secretKey: "password"\n` } },
});
const push = (key: string) => ({ apiVersion: 'external-secrets.io/v1alpha1', kind: 'PushSecret', metadata: { name: 'db' }, spec: { secretStoreRefs: [{ name: 'vault', kind: 'ClusterSecretStore' }], selector: { secret: { name: 'db' } }, data: [{ match: { secretKey: 'password', remoteRef: { remoteKey: key, property: 'password' } } }] } });
const generated = (name: string) => ({ apiVersion: 'external-secrets.io/v1', kind: 'ExternalSecret', metadata: { name: 'db' }, spec: { target: { name: 'db' }, dataFrom: [{ sourceRef: { generatorRef: { apiVersion: 'generators.external-secrets.io/v1alpha1', kind: 'VaultDynamicSecret', name } } }] } });

/** Each attack beside the same write naming the namespace's own: asked, and the everyday sign-in's. */
const WRITES: [Write, Write][] = [
  [
    ["the agent's role under auth-config-role, which the injector reads when role is unset", 'PATCH', DEPLOY, SMP, annotated({ 'vault.hashicorp.com/auth-config-role': 'tax-prod-api', 'vault.hashicorp.com/agent-inject-secret-db': OWN })],
    ['the same with its own role', 'PATCH', DEPLOY, SMP, annotated({ 'vault.hashicorp.com/auth-config-role': 'benefits-api', 'vault.hashicorp.com/agent-inject-secret-db': OWN })],
  ],
  [
    ["production's auth mount (auth-path)", 'PATCH', DEPLOY, SMP, annotated({ ...role(), 'vault.hashicorp.com/auth-path': 'auth/kubernetes-prod', 'vault.hashicorp.com/agent-inject-secret-db': OWN })],
    ["the cluster's own auth mount", 'PATCH', DEPLOY, SMP, annotated({ ...role(), 'vault.hashicorp.com/auth-path': 'auth/kubernetes', 'vault.hashicorp.com/agent-inject-secret-db': OWN })],
  ],
  [
    ["production's Vault server (service)", 'PATCH', DEPLOY, SMP, annotated({ ...role(), 'vault.hashicorp.com/service': 'https://vault.prod.corp.example:8200', 'vault.hashicorp.com/agent-inject-secret-db': OWN })],
    ["the cluster's Vault service", 'PATCH', DEPLOY, SMP, annotated({ ...role(), 'vault.hashicorp.com/service': 'https://vault.vault.svc:8200', 'vault.hashicorp.com/agent-inject-secret-db': OWN })],
  ],
  [
    ['a template reading a raw string path', 'PATCH', DEPLOY, SMP, annotated({ ...role(), ...renders('secret `secret/data/tax-prod/db`') })],
    ['the same with its own path', 'PATCH', DEPLOY, SMP, annotated({ ...role(), ...renders(`secret \`${OWN}\``) })],
  ],
  [
    ['a template whose path hides its dash as a Go escape', 'PATCH', DEPLOY, SMP, annotated({ ...role(), ...renders('secret "secret/data/tax\\x2dprod/db"') })],
    ['the same with its own path escaped', 'PATCH', DEPLOY, SMP, annotated({ ...role(), ...renders('secret "secret/data/benefits\\x2dtest/db"') })],
  ],
  [
    ['a template whose path sits in a variable', 'PATCH', DEPLOY, SMP, annotated({ ...role(), ...template('{{ $p := "secret/data/tax-prod/db" }}{{ with secret $p }}{{ .Data.data.password }}{{ end }}') })],
    ['a template whose own path is the argument', 'PATCH', DEPLOY, SMP, annotated({ ...role(), ...template(`{{ with secret "${OWN}" }}{{ .Data.data.password }}{{ end }}`) })],
  ],
  [
    ["a template that builds its path from fragments (printf), naming no word", 'PATCH', DEPLOY, SMP, annotated({ ...role(), ...renders('secret (printf "secret/data/tax-%s%s/db" "pr" "od")') })],
    ['the same path written out', 'PATCH', DEPLOY, SMP, annotated({ ...role(), ...renders(`secret "${OWN}"`) })],
  ],
  [
    ["a template piping a production path into secret, in the delimiters the pod sets", 'PATCH', DEPLOY, SMP, annotated({ ...role(), 'vault.hashicorp.com/agent-template-left-delim-db': '[[', 'vault.hashicorp.com/agent-template-right-delim-db': ']]', ...template('[[ with "secret/data/tax-prod/db" | secret ]][[ .Data.data.password ]][[ end ]]') })],
    ['the same with a field named secret', 'PATCH', DEPLOY, SMP, annotated({ ...role(), 'vault.hashicorp.com/agent-template-left-delim-db': '[[', 'vault.hashicorp.com/agent-template-right-delim-db': ']]', ...template(`[[ with secret "${OWN}" ]][[ .Data.data.secret ]][[ end ]]`) })],
  ],
  [
    ["a template listing production's paths (secrets)", 'PATCH', DEPLOY, SMP, annotated({ ...role(), ...template('{{ range secrets "secret/metadata/tax-prod/" }}{{ . }}{{ end }}') })],
    ['the same listing its own', 'PATCH', DEPLOY, SMP, annotated({ ...role(), ...template('{{ range secrets "secret/metadata/benefits-test/" }}{{ . }}{{ end }}') })],
  ],
  [
    ["an agent JSON patch replacing the agent's configuration", 'PATCH', DEPLOY, JSON_PATCH, [{ op: 'add', path: '/spec/template/metadata/annotations/vault.hashicorp.com~1agent-json-patch', value: JSON.stringify([{ op: 'replace', path: '/env/0/value', value: Buffer.from('{"template":[{"contents":"x"}]}').toString('base64') }]) }]],
    ["an agent JSON patch setting the agent's memory", 'PATCH', DEPLOY, JSON_PATCH, [{ op: 'add', path: '/spec/template/metadata/annotations/vault.hashicorp.com~1agent-json-patch', value: JSON.stringify([{ op: 'replace', path: '/resources/limits/memory', value: '256Mi' }]) }]],
  ],
];

/**
 * The same for the objects the example policy's `secret-sync-objects` rule already asks a fresh
 * sign-in for, whatever they name: the guardrail is what a site that loosens that rule keeps.
 */
const STORE_WRITES: [Write, Write][] = [
  [
    ["a SecretStore authenticating as production's role", 'POST', `${ES}/secretstores`, JSON_CT, store('tax-prod-api')],
    ['the same with its own role', 'POST', `${ES}/secretstores`, JSON_CT, store('benefits-api')],
  ],
  [
    ['a merge patch moving a SecretStore to production', 'PATCH', `${ES}/secretstores/vault`, MERGE, { spec: { provider: { vault: { path: 'secret-prod' } } } }],
    ['a merge patch moving it to its own mount', 'PATCH', `${ES}/secretstores/vault`, MERGE, { spec: { provider: { vault: { path: 'secret-benefits' } } } }],
  ],
  [
    ["an ExternalSecret from production's generator", 'POST', `${ES}/externalsecrets`, JSON_CT, generated('tax-prod-db')],
    ['the same from its own', 'POST', `${ES}/externalsecrets`, JSON_CT, generated('benefits-test-db')],
  ],
  [
    ["a PushSecret writing over production's path", 'POST', '/apis/external-secrets.io/v1alpha1/namespaces/benefits-test/pushsecrets', JSON_CT, push('secret/tax-prod/db')],
    ['the same to its own', 'POST', '/apis/external-secrets.io/v1alpha1/namespaces/benefits-test/pushsecrets', JSON_CT, push('secret/benefits-test/db')],
  ],
  [
    ["a SecretProviderClass mounting production's path (Secrets Store CSI)", 'POST', `/apis/secrets-store.csi.x-k8s.io/v1/namespaces/${NS}/secretproviderclasses`, JSON_CT, spc('secret/data/tax-prod/db')],
    ['the same with its own', 'POST', `/apis/secrets-store.csi.x-k8s.io/v1/namespaces/${NS}/secretproviderclasses`, JSON_CT, spc(OWN)],
  ],
];

describe('secret_store_production_path, bypassed the ways the rule did not read', () => {
  it.each(WRITES.map(([bad]) => bad))('%s: a sign-in an hour old is asked for a new one', async (...write) => {
    const res = await send(write);
    expect(reason(res), rules(res)).toBe('auth_too_old');
    expect(rules(res)).toContain(CODE);
  });

  it.each(WRITES.map(([, good]) => good))('%s: the everyday sign-in', async (...write) => {
    const res = await send(write);
    expect(rules(res)).not.toContain(CODE);
    expect(reason(res), rules(res)).toBe('allowed');
  });

  it.each(STORE_WRITES.map(([bad]) => bad))('%s: the guardrail names it', async (...write) => {
    const res = await send(write);
    expect(reason(res), rules(res)).toBe('auth_too_old');
    expect(rules(res)).toContain(CODE);
  });

  it.each(STORE_WRITES.map(([, good]) => good))('%s: no guardrail', async (...write) => {
    const res = await send(write);
    expect(rules(res)).toContain('secret-sync-objects');
    expect(rules(res)).not.toContain(CODE);
  });
});

// Held before this session: the shapes that carry the same annotations (kept so the corpus grows).
describe('secret_store_production_path: carriers that held', () => {
  const tpl = { metadata: { annotations: { 'vault.hashicorp.com/agent-inject': 'true', ...role(), 'vault.hashicorp.com/agent-inject-secret-db': 'secret/data/tax-prod/db' } }, spec: { containers: [{ name: 'api', image: 'registry.example.com/app:1.0' }] } };
  it.each<Write>([
    ['a StatefulSet', 'POST', `/apis/apps/v1/namespaces/${NS}/statefulsets`, JSON_CT, { apiVersion: 'apps/v1', kind: 'StatefulSet', metadata: { name: 'db' }, spec: { serviceName: 'db', selector: {}, template: tpl } }],
    ['a DaemonSet', 'POST', `/apis/apps/v1/namespaces/${NS}/daemonsets`, JSON_CT, { apiVersion: 'apps/v1', kind: 'DaemonSet', metadata: { name: 'db' }, spec: { selector: {}, template: tpl } }],
    ['a ReplicaSet', 'POST', `/apis/apps/v1/namespaces/${NS}/replicasets`, JSON_CT, { apiVersion: 'apps/v1', kind: 'ReplicaSet', metadata: { name: 'db' }, spec: { selector: {}, template: tpl } }],
    ['a Job', 'POST', `/apis/batch/v1/namespaces/${NS}/jobs`, JSON_CT, { apiVersion: 'batch/v1', kind: 'Job', metadata: { name: 'db' }, spec: { template: tpl } }],
    ['a PodTemplate', 'POST', `/api/v1/namespaces/${NS}/podtemplates`, JSON_CT, { apiVersion: 'v1', kind: 'PodTemplate', metadata: { name: 'db' }, template: tpl }],
    ['a JSON patch adding the pod metadata whole', 'PATCH', DEPLOY, JSON_PATCH, [{ op: 'add', path: '/spec/template/metadata', value: tpl.metadata }]],
    ['a server-side apply in YAML', 'PATCH', `${DEPLOY}?fieldManager=kubectl&force=true`, CONTENT_TYPES.apply, `apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: benefits-api}\nspec:\n  template:\n    metadata:\n      annotations:\n        vault.hashicorp.com/role: benefits-api\n        vault.hashicorp.com/agent-inject-secret-db: secret/data/tax-prod/db\n`],
  ])('%s in a test namespace is asked', async (...write) => {
    const res = await send(write);
    expect(reason(res), rules(res)).toBe('auth_too_old');
    expect(rules(res)).toContain(CODE);
  });
});

/**
 * Session 39 (redteam39c): the same guardrail over the body forms redteam39a did not send. A JSON
 * patch's `copy` or `move` sets a value the request does not show (the attacker first sets an
 * annotation to `secret/data/tax-prod/db`, an unjudged write, then copies it where the path is
 * read): into a secret store's object it made the body unreadable, which the custom-object path
 * passed over, so with the example's `secret-sync-objects` rule loosened (the guardrail is what such
 * a site keeps) it was allowed on the everyday sign-in; into a pod's own annotations it read as a
 * value naming nothing. Both are now judged as the worst the value can be.
 */
const PB = 'application/vnd.kubernetes.protobuf';
const SPC = `/apis/secrets-store.csi.x-k8s.io/v1/namespaces/${NS}/secretproviderclasses`;
const POD = `/api/v1/namespaces/${NS}/pods`;
const copied = (op: 'copy' | 'move', path: string) => [{ op, from: '/metadata/annotations/staged', path }];

describe('secret_store_production_path: a JSON patch copying a value the request does not show', () => {
  it.each<Write>([
    ["copy into an ExternalSecret's remoteRef.key", 'PATCH', `${ES}/externalsecrets/db`, JSON_PATCH, copied('copy', '/spec/data/0/remoteRef/key')],
    ["move into an ExternalSecret's store name", 'PATCH', `${ES}/externalsecrets/db`, JSON_PATCH, copied('move', '/spec/secretStoreRef/name')],
    ["move into a SecretStore provider's role", 'PATCH', `${ES}/secretstores/vault`, JSON_PATCH, copied('move', '/spec/provider/vault/auth/kubernetes/role')],
    ["copy into a SecretProviderClass's objects", 'PATCH', `${SPC}/db`, JSON_PATCH, copied('copy', '/spec/parameters/objects')],
  ])('%s: unreadable, asked as one (fails closed)', async (...write) => {
    const res = await send(write);
    expect(rules(res)).toContain('guardrail:body_unreadable');
    expect(reason(res), rules(res)).toBe('acr_insufficient');
  });

  it.each<Write>([
    ["copy into a pod's injector annotation", 'PATCH', `${POD}/benefits-api-0`, JSON_PATCH, copied('copy', '/metadata/annotations/vault.hashicorp.com~1agent-inject-secret-db')],
    ["move into a pod's Vault role", 'PATCH', `${POD}/benefits-api-0`, JSON_PATCH, copied('move', '/metadata/annotations/vault.hashicorp.com~1role')],
    ["copy of a pod's whole annotations from its labels", 'PATCH', `${POD}/benefits-api-0`, JSON_PATCH, [{ op: 'copy', from: '/metadata/labels', path: '/metadata/annotations' }]],
  ])('%s: judged as production', async (...write) => {
    const res = await send(write);
    expect(reason(res), rules(res)).toBe('auth_too_old');
    expect(rules(res)).toContain(CODE);
  });

  it('a copy between annotations the injector does not read: the everyday sign-in', async () => {
    const res = await send(['', 'PATCH', `${POD}/benefits-api-0`, JSON_PATCH, [{ op: 'copy', from: '/metadata/annotations/staged', path: '/metadata/annotations/team' }]]);
    expect(rules(res)).not.toContain(CODE);
    expect(reason(res), rules(res)).toBe('allowed');
  });
});

/**
 * What a site that drops the example's `secret-sync-objects` rule keeps: the guardrail alone. There
 * the JSON form naming production is asked and the copy of the same value was allowed on the
 * everyday sign-in.
 */
describe('secret_store_production_path on a site without the secret-sync-objects rule', () => {
  const RULE = /^ {4}- name: secret-sync-objects\n[\s\S]*?^ {6}sensitivity: 30\n/m;
  const loosened = builtServerForFile('session39-sync', (yaml) => {
    if (!RULE.test(yaml)) throw new Error('the example policy no longer has the secret-sync-objects rule this site drops');
    return yaml.replace(RULE, '');
  });
  const { tokenOf: siteToken } = freshSubjects(() => loosened().issuer, 'session39-sync');
  const sendTo = async ([, method, path, contentType, body]: Write) =>
    loosened().client.check(checkRequest({ host: KUBE, source: OFFICE, method, path, token: await siteToken('aal2', 3600), headers: { 'user-agent': KUBECTL, 'content-type': contentType, 'x-envoy-auth-partial-body': 'false' }, body: JSON.stringify(body) }));
  const secret = (key: string) => ({ apiVersion: 'external-secrets.io/v1', kind: 'ExternalSecret', metadata: { name: 'db' }, spec: { secretStoreRef: { name: 'vault' }, target: { name: 'db' }, data: [{ secretKey: 'password', remoteRef: { key } }] } });

  it('the JSON form naming production is asked, its own path is not', async () => {
    const res = await sendTo(['', 'POST', `${ES}/externalsecrets`, JSON_CT, secret('secret/data/tax-prod/db')]);
    expect(reason(res), rules(res)).toBe('auth_too_old');
    expect(rules(res)).toContain(CODE);
    const own = await sendTo(['', 'POST', `${ES}/externalsecrets`, JSON_CT, secret(OWN)]);
    expect(reason(own), rules(own)).toBe('allowed');
  });

  it('a JSON patch copying the value in is asked too', async () => {
    const res = await sendTo(['', 'PATCH', `${ES}/externalsecrets/db`, JSON_PATCH, copied('copy', '/spec/data/0/remoteRef/key')]);
    expect(rules(res)).toContain('guardrail:body_unreadable');
    expect(reason(res), rules(res)).toBe('acr_insufficient');
  });
});

// Held before this session (redteam39c): protobuf pod templates (the decoder reads their
// annotations), a copy or move into a pod template (outside metadata: body_unreadable), a YAML
// multi-document ExternalSecret, and a secret store's object in protobuf (kube refuses it for a
// custom resource), which stepgate finds unreadable; CBOR (kube 1.32+) is read since session 46.
describe('secret_store_production_path: body forms that held', () => {
  const podSpec = { containers: [{ name: 'api', image: 'registry.example.com/app:1.0' }] };
  const injected = (p: string) => ({ metadata: { annotations: { 'vault.hashicorp.com/agent-inject': 'true', ...role(), 'vault.hashicorp.com/agent-inject-secret-db': p } }, spec: podSpec });
  const deployment = (p: string) => encodeKube({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'benefits-api', namespace: NS }, spec: { selector: { matchLabels: { app: 'benefits' } }, template: injected(p) } });
  const pod = (p: string) => encodeKube({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'db', namespace: NS, ...injected(p).metadata }, spec: podSpec });
  const job = (p: string) => encodeKube({ apiVersion: 'batch/v1', kind: 'Job', metadata: { name: 'db', namespace: NS }, spec: { template: injected(p) } });
  const cronJob = (p: string) => encodeKube({ apiVersion: 'batch/v1', kind: 'CronJob', metadata: { name: 'db', namespace: NS }, spec: { schedule: '0 * * * *', jobTemplate: { spec: { template: injected(p) } } } });
  const yamlSecret = (p: string) => `apiVersion: external-secrets.io/v1\nkind: ExternalSecret\nmetadata: {name: db}\nspec:\n  secretStoreRef: {name: vault}\n  data:\n  - secretKey: password\n    remoteRef: {key: ${p}}\n---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: notes}\n`;
  const PROD = 'secret/data/tax-prod/db';
  const pairs: [Write, Write][] = [
    [['a protobuf Deployment', 'POST', `/apis/apps/v1/namespaces/${NS}/deployments`, PB, deployment(PROD)], ['', 'POST', `/apis/apps/v1/namespaces/${NS}/deployments`, PB, deployment(OWN)]],
    [['a protobuf Deployment replaced', 'PUT', DEPLOY, PB, deployment(PROD)], ['', 'PUT', DEPLOY, PB, deployment(OWN)]],
    [['a protobuf Pod', 'POST', POD, PB, pod(PROD)], ['', 'POST', POD, PB, pod(OWN)]],
    [['a protobuf Job', 'POST', `/apis/batch/v1/namespaces/${NS}/jobs`, PB, job(PROD)], ['', 'POST', `/apis/batch/v1/namespaces/${NS}/jobs`, PB, job(OWN)]],
    [['a protobuf CronJob', 'POST', `/apis/batch/v1/namespaces/${NS}/cronjobs`, PB, cronJob(PROD)], ['', 'POST', `/apis/batch/v1/namespaces/${NS}/cronjobs`, PB, cronJob(OWN)]],
  ];
  it.each(pairs.map(([bad]) => bad))('%s naming production is asked; its own path is not', async (...write) => {
    const res = await send(write);
    expect(reason(res), rules(res)).toBe('auth_too_old');
    expect(rules(res)).toContain(CODE);
    const own = pairs.find(([bad]) => bad[0] === write[0])![1];
    const everyday = await send(own);
    expect(reason(everyday), rules(everyday)).toBe('allowed');
  });

  it('a CBOR ExternalSecret naming production (read as kube reads it since session 46)', async () => {
    const cbor = (p: string) => encodeCbor({ apiVersion: 'external-secrets.io/v1', kind: 'ExternalSecret', metadata: { name: 'db' }, spec: { secretStoreRef: { name: 'vault' }, data: [{ secretKey: 'password', remoteRef: { key: p } }] } });
    const res = await send(['', 'POST', `${ES}/externalsecrets`, 'application/cbor', cbor(PROD)]);
    expect(rules(res)).toContain(CODE);
    expect(rules(res)).not.toContain('guardrail:body_unreadable');
    expect(rules(await send(['', 'POST', `${ES}/externalsecrets`, 'application/cbor', cbor(OWN)]))).not.toContain(CODE);
  });

  it('a YAML multi-document ExternalSecret naming production', async () => {
    const res = await send(['', 'POST', `${ES}/externalsecrets`, 'application/yaml', yamlSecret(PROD)]);
    expect(rules(res)).toContain(CODE);
    expect(rules(await send(['', 'POST', `${ES}/externalsecrets`, 'application/yaml', yamlSecret(OWN)]))).not.toContain(CODE);
  });

  // Two values for one annotation key (kube's decoders keep the last), or the map spelled once
  // through a YAML anchor or merge key.
  const annotationsYaml = (lines: string) => `apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: benefits-api}\nspec:\n  template:\n    metadata:\n      annotations:\n${lines}`;
  const SECRET_KEY = 'vault.hashicorp.com/agent-inject-secret-db';
  const duplicated = (a: string, b: string) => `{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"benefits-api"},"spec":{"template":{"metadata":{"annotations":{"${SECRET_KEY}":"${a}","${SECRET_KEY}":"${b}"}}}}}`;
  it.each<Write>([
    ['a JSON body naming the annotation twice, production last', 'POST', `/apis/apps/v1/namespaces/${NS}/deployments`, JSON_CT, duplicated(OWN, PROD)],
    ['a JSON body naming the annotation twice, production first', 'POST', `/apis/apps/v1/namespaces/${NS}/deployments`, JSON_CT, duplicated(PROD, OWN)],
    ['a YAML body naming the annotation twice', 'POST', `/apis/apps/v1/namespaces/${NS}/deployments`, 'application/yaml', annotationsYaml(`        ${SECRET_KEY}: ${OWN}\n        ${SECRET_KEY}: ${PROD}\n`)],
    ['a YAML merge key bringing the annotation from the labels', 'POST', `/apis/apps/v1/namespaces/${NS}/deployments`, 'application/yaml', `apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: benefits-api, labels: &a {${SECRET_KEY}: ${PROD}}}\nspec:\n  template:\n    metadata:\n      annotations:\n        <<: *a\n        team: benefits\n`],
  ])('%s: unreadable, asked as one', async (...write) => {
    const res = await send(write);
    expect(rules(res)).toContain('guardrail:body_unreadable');
    expect(reason(res), rules(res)).toBe('acr_insufficient');
  });

  it('a YAML anchor bringing the annotations from the object\'s own: read through', async () => {
    const res = await send(['', 'POST', `/apis/apps/v1/namespaces/${NS}/deployments`, 'application/yaml', `apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: benefits-api, annotations: &a {${SECRET_KEY}: ${PROD}}}\nspec:\n  template:\n    metadata:\n      annotations: *a\n`]);
    expect(reason(res), rules(res)).toBe('auth_too_old');
    expect(rules(res)).toContain(CODE);
  });

  it.each<Write>([
    ['a JSON patch copying into a Deployment\'s pod template annotation', 'PATCH', DEPLOY, JSON_PATCH, copied('copy', '/spec/template/metadata/annotations/vault.hashicorp.com~1agent-inject-secret-db')],
    ['a JSON patch moving into its Vault role', 'PATCH', DEPLOY, JSON_PATCH, copied('move', '/spec/template/metadata/annotations/vault.hashicorp.com~1role')],
    ['an ExternalSecret in protobuf', 'POST', `${ES}/externalsecrets`, PB, envelope('external-secrets.io/v1', 'ExternalSecret', lenField(1, lenField(1, 'db')))],
    // CBOR is read since session 46 (kube 1.32+): one key twice, which kube's decoder refuses, is not.
    ['an ExternalSecret in CBOR with one key twice', 'POST', `${ES}/externalsecrets`, 'application/cbor', Buffer.from([0xd9, 0xd9, 0xf7, 0xa2, 0x63, 0x6b, 0x65, 0x79, 0x60, 0x63, 0x6b, 0x65, 0x79, 0x60])],
  ])('%s: unreadable, asked as one', async (...write) => {
    const res = await send(write);
    expect(rules(res)).toContain('guardrail:body_unreadable');
    expect(reason(res), rules(res)).toBe('acr_insufficient');
  });
});

// guardrails.api_server_addresses against an Endpoints' or EndpointSlice's address as Kubernetes
// reads it: its validation and kube-proxy take IPv4 parts as decimal, leading zeros and all
// (netutils.ParseIPSloppy), where ipaddr.js read them as octal. `010.096.000.001` (no octal number)
// and `010.96.0.1` (octal 8.96.0.1) route to the API server's Service at 10.96.0.1 (the example's
// address) and were allowed on the everyday sign-in; session 38 made the configured ranges refuse
// those forms, not the bodies compared with them.
describe('gated_host_route: an endpoint naming the API server with leading zeros', () => {
  const slice = (ip: string) => ({ apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice', metadata: { name: 'kube-mirror', labels: { 'kubernetes.io/service-name': 'kube-mirror' } }, addressType: 'IPv4', endpoints: [{ addresses: [ip] }], ports: [{ port: 443, protocol: 'TCP' }] });
  const endpoints = (ip: string) => ({ apiVersion: 'v1', kind: 'Endpoints', metadata: { name: 'kube-mirror' }, subsets: [{ addresses: [{ ip }], ports: [{ port: 443 }] }] });
  it.each<Write>([
    ['an EndpointSlice naming 010.096.000.001', 'POST', '/apis/discovery.k8s.io/v1/namespaces/dev/endpointslices', JSON_CT, slice('010.096.000.001')],
    ['an EndpointSlice naming 010.96.0.1', 'POST', '/apis/discovery.k8s.io/v1/namespaces/dev/endpointslices', JSON_CT, slice('010.96.0.1')],
    ['an Endpoints naming 10.096.0.1', 'POST', '/api/v1/namespaces/dev/endpoints', JSON_CT, endpoints('10.096.0.1')],
    ['an Endpoints naming ::ffff:010.096.0.1 (held)', 'POST', '/api/v1/namespaces/dev/endpoints', JSON_CT, endpoints('::ffff:010.096.0.1')],
    ['an EndpointSlice naming 10.96.0.1 (held)', 'POST', '/apis/discovery.k8s.io/v1/namespaces/dev/endpointslices', JSON_CT, slice('10.96.0.1')],
  ])('%s is gated_host_route', async (...write) => {
    const res = await send(write);
    expect(REFUSED, rules(res)).toContain(reason(res));
    expect(rules(res)).toContain('guardrail:gated_host_route');
  });

  it.each<Write>([
    ['an EndpointSlice naming 010.096.000.010 (kube-dns)', 'POST', '/apis/discovery.k8s.io/v1/namespaces/dev/endpointslices', JSON_CT, slice('010.096.000.010')],
    ['an EndpointSlice naming 10.20.4.17', 'POST', '/apis/discovery.k8s.io/v1/namespaces/dev/endpointslices', JSON_CT, slice('10.20.4.17')],
  ])('%s is no API server address', async (...write) => {
    const res = await send(write);
    expect(rules(res)).not.toContain('gated_host_route');
  });
});

// server.trusted_proxies on the HTTP listener (src/server/http/proxies.ts): the client is the
// rightmost x-forwarded-for entry that is no trusted proxy. An entry with the port a front
// appends (Azure Application Gateway writes `203.0.113.9:51234`), or one that is no address, was
// read as "no address, so the peer": every client of that front was the front itself, an address
// every engineer shares (no new network from anywhere) and often one of risk.trusted_networks.
describe('forward-auth x-forwarded-for on the HTTP listener', () => {
  const proxies = new TrustedProxies(['10.60.0.0/16']);
  const FRONT = '10.60.4.11';
  it.each([
    ['203.0.113.9:51234', '203.0.113.9'],
    ['[2001:db8::9]:443', '2001:db8::9'],
    ['10.0.0.5, 203.0.113.9:51234', '203.0.113.9'],
    ['203.0.113.9:51234, 10.60.4.12', '203.0.113.9'],
    ['[::ffff:203.0.113.9]:443', '203.0.113.9'],
  ])('%j from a trusted front is the client %s, not the front', (xff, client) => {
    expect(proxies.clientAddress(FRONT, xff)).toBe(client);
    expect(proxies.clientAddress(`::ffff:${FRONT}`, xff)).toBe(client);
  });

  it.each(['unknown', '203.0.113.9, unknown', '203.0.113.9, ', '_hidden', 'for=203.0.113.9'])('%j: the client is unknown, never the front', (xff) => {
    expect(proxies.clientAddress(FRONT, xff)).toBe('');
  });

  // Held: a peer that is no trusted proxy is the client whatever it wrote; a trusted front with no
  // header is the client itself (nothing forwarded); duplicate headers are joined in order.
  it('held: untrusted peers, no header, hops that are all fronts', () => {
    expect(proxies.clientAddress('198.51.100.7', '10.60.4.12, 203.0.113.9')).toBe('198.51.100.7');
    expect(proxies.clientAddress(FRONT, undefined)).toBe(FRONT);
    expect(proxies.clientAddress(FRONT, '')).toBe(FRONT);
    expect(proxies.clientAddress(FRONT, '10.60.4.12, 10.60.4.13')).toBe(FRONT);
    expect(proxies.clientAddress(FRONT, '10.60.4.12,203.0.113.9')).toBe('203.0.113.9');
  });
});

// redis38's Check arguments memo (src/state/redis-args.ts), differentially against the encoder
// without it on seeded random Checks: few subjects, each Check mostly its subject's last with one
// input changed (so the memo is hit, and each guard is what stands between it and a stale
// encoding), each input drawn from a small pool holding values of equal JS length and different
// UTF-8 length, RESP's separators, a lone surrogate, '' and absent; a tiny memo bound so eviction
// runs too. Held: no encoding differed (and removing any one guard fails it: checked for
// device, w.nearby and w.auth).
describe('the Redis Check arguments memo: seeded random Checks', () => {
  it('encodes 40,000 random Checks as the fresh encoder does, call for call', () => {
    let seed = 0x5eed39;
    const rnd = (n: number) => {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      return (seed >>> 8) % n;
    };
    const pick = <T,>(xs: readonly T[]): T => xs[rnd(xs.length)]!;
    const text = ['', 'a', 'é', 'e\u0301', 'ab', '\u00e9\u00e9', 'ee', '\r\n', '$1\r\na', '\ud800', '\udc00', '\u0000', 'ns-prod', 'ns\u2011prod', '*'];
    const subjects = ['alice', 'alice\u0000', 'ALICE', 'b\u00e9', 'be\u0301', 'sg:alice'];
    type Check = { o: Observation; w: WorkObservation | undefined };
    const OBS: Record<string, () => unknown> = {
      session: () => pick(['', 's1', 's\u00e9', 'se\u0301']),
      ip: () => pick(['203.0.113.7', '2001:db8::7', '']),
      ipPrefix: () => pick(['203.0.113.0/24', '2001:db8::/56', '']),
      device: () => pick(text),
      uaFamily: () => pick(['kubectl', 'k9s', '']),
      namespace: () => pick(text),
      sensitive: () => rnd(2) === 0,
      destructive: () => pick([undefined, true, false]),
      counted: () => pick([undefined, true, false]),
      client: () => pick([undefined, ...text]),
      object: () => pick([undefined, ...text]),
      platform: () => pick([undefined, ...text]),
    };
    const WORK: Record<string, (now: number) => unknown> = {
      namespace: () => pick(text),
      object: () => pick(text),
      site: () => pick(text),
      nearby: () => pick(text),
      auth: (now) => pick([undefined, now, now - 1000, now - 1000.4, now - 1000.6, now - 999.5]),
      read: () => pick([undefined, true, false]),
      family: () => pick([undefined, '', '2:ledger', '2:l\u00e9dger', '2:le\u0301dger']),
      kind: () => pick([undefined, '', 'secret_read', 'proxy', 'pod_shell']),
    };
    const set = (to: Record<string, unknown>, k: string, v: unknown) => {
      if (v === undefined) delete to[k];
      else to[k] = v;
    };
    const randomCheck = (subject: string, now: number): Check => {
      const o = { subject, nowMs: now } as Record<string, unknown>;
      for (const [k, f] of Object.entries(OBS)) set(o, k, f());
      let w: Record<string, unknown> | undefined;
      if (rnd(3) !== 0) {
        w = { subject, nowMs: now };
        for (const [k, f] of Object.entries(WORK)) set(w, k, f(now));
      }
      return { o: o as unknown as Observation, w: w as unknown as WorkObservation | undefined };
    };
    const last = new Map<string, Check>();
    const memo = new CheckArgsEncoder('sg:', true, 4);
    const fresh = new CheckArgsEncoder('sg:', false);
    let now = Date.parse('2026-12-06T09:00:00Z');
    let hits = 0;
    for (let i = 0; i < 40_000; i++) {
      now += rnd(3) === 0 ? 0 : rnd(2000) + 0.25 * rnd(4);
      const subject = subjects[rnd(4) === 0 ? rnd(subjects.length) : rnd(2)]!;
      const prev = last.get(subject);
      let c: Check;
      if (prev === undefined || rnd(5) === 0) c = randomCheck(subject, now);
      else {
        const o = { ...prev.o, nowMs: now } as unknown as Record<string, unknown>;
        let w = prev.w === undefined ? undefined : ({ ...prev.w, nowMs: now } as unknown as Record<string, unknown>);
        const r = rnd(4);
        if (r === 0) {
          const k = pick(Object.keys(OBS));
          set(o, k, OBS[k]!());
        } else if (r === 1 && w !== undefined) {
          const k = pick(Object.keys(WORK));
          set(w, k, WORK[k]!(now));
        } else if (r === 2) w = w === undefined ? randomCheck(subject, now).w as unknown as Record<string, unknown> | undefined : undefined;
        else hits++;
        c = { o: o as unknown as Observation, w: w as unknown as WorkObservation | undefined };
      }
      last.set(subject, c);
      expect(memo.encode(c.o, c.w), String(i)).toEqual(fresh.encode(c.o, c.w));
    }
    expect(hits).toBeGreaterThan(5000);
  });
});

// The ask ids without a TTL (src/risk/ask.ts namedAsk): what a forged or re-opened id reads as.
// Held: an id answers only what it names, for its own subject, never from the future; anything
// else is no binding or answers nothing.
describe('ask ids: forged, foreign, far-future and re-opened ids', () => {
  const AUTH = Math.floor(Date.parse('2026-12-06T11:00:00Z') / 1000);
  it('held', () => {
    const own = askId('alice', AUTH - 60, 'r', '');
    expect(namedAsk(own, 'alice', AUTH)).toEqual({ bound: AUTH - 60, kind: 'r', object: '', answers: true });
    // Another subject's id, and the same id with one digest character changed: no binding.
    expect(namedAsk(askId('mallory', AUTH - 60, 'r', ''), 'alice', AUTH)).toBeUndefined();
    expect(namedAsk(`${own.slice(0, -1)}${own.endsWith('A') ? 'B' : 'A'}`, 'alice', AUTH)).toBeUndefined();
    // A valid-looking id whose bound was changed keeps the old digest: no binding.
    expect(namedAsk(`${(AUTH - 61).toString(36)}${own.slice((AUTH - 60).toString(36).length)}`, 'alice', AUTH)).toBeUndefined();
    // A bound in the far future, correctly digested: answers nothing (no sign-in precedes its ask).
    const future = askId('alice', 36 ** 9 - 1, 'r', '');
    expect(namedAsk(future, 'alice', AUTH)?.answers).toBe(false);
    // A run's ask from last year re-opened: its own ask still (no age limit), answering only runs
    // crossed at or before its bound (engine.ts boundAnswers), so nothing crossed since.
    const old = namedAsk(askId('alice', AUTH - 365 * 86400, 'r', ''), 'alice', AUTH);
    expect(old).toMatchObject({ kind: 'r', answers: true, bound: AUTH - 365 * 86400 });
    // Zero-padded bound: the same ask, digested over the number.
    expect(namedAsk(`0${own}`, 'alice', AUTH)).toEqual(namedAsk(own, 'alice', AUTH));
    // An object ask names its object's digest; the subject digest binds kind and bound, not the object.
    const o = askId('alice', AUTH - 5, 'o', 'secrets/prod-cart/cart-db');
    expect(namedAsk(o, 'alice', AUTH)).toMatchObject({ kind: 'o', object: objectDigest('secrets/prod-cart/cart-db') });
    // Over 40 characters, or no id: no binding (as a plain sign-in).
    expect(namedAsk(`${'0'.repeat(20)}${own}`, 'alice', AUTH)).toBeUndefined();
  });
});
