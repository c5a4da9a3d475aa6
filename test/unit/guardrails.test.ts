import { describe, expect, it } from 'vitest';
import type { GuardrailCode } from '../../src/config/guardrail-codes.js';
import { MAX_VIOLATIONS_PER_CODE } from '../../src/guardrails/collect.js';
import { inspect } from '../../src/guardrails/inspect.js';
import { MAX_YAML_CHARS, MAX_YAML_DOCUMENTS, MAX_YAML_TOKENS } from '../../src/guardrails/parse.js';
import type { GuardrailResult } from '../../src/guardrails/types.js';
import { encodeCbor } from '../support/cbor.js';
import { guardSettings, kube, PINNED, toJsonPatch, toYaml, withoutScheduleChange } from '../support/guardrails.js';

/**
 * Table-driven: every guardrail, violating and compliant, through every way a client can send the
 * object (create as JSON and YAML, update, and each patch type). A compliant manifest must come
 * out with no violation at all, so a rule that fires on everything fails here too.
 */

const settings = guardSettings();
const codes = (r: GuardrailResult) => r.violations.map((v) => v.code);

type Obj = Record<string, unknown>;

// ---- workloads -------------------------------------------------------------------------------

const container = (extra: Obj = {}) => ({ name: 'app', image: PINNED, ...extra });
const sc = (s: Obj) => ({ containers: [container({ securityContext: s })] });

interface PodCase {
  code: GuardrailCode;
  name: string;
  violating: Obj; // pod spec fragment
  compliant: Obj;
  namespace?: string;
}

const POD_CASES: PodCase[] = [
  { code: 'privileged_container', name: 'privileged', violating: sc({ privileged: true }), compliant: sc({ privileged: false }) },
  {
    code: 'privileged_container',
    name: 'privileged init container',
    violating: { initContainers: [container({ securityContext: { privileged: true } })] },
    compliant: { initContainers: [container({ securityContext: { privileged: false } })] },
  },
  { code: 'privilege_escalation', name: 'allowPrivilegeEscalation', violating: sc({ allowPrivilegeEscalation: true }), compliant: sc({ allowPrivilegeEscalation: false }) },
  { code: 'capability_added', name: 'SYS_ADMIN', violating: sc({ capabilities: { add: ['SYS_ADMIN'] } }), compliant: sc({ capabilities: { add: ['NET_BIND_SERVICE'], drop: ['ALL'] } }) },
  { code: 'capability_added', name: 'CAP_NET_ADMIN spelling', violating: sc({ capabilities: { add: ['cap_net_admin'] } }), compliant: sc({ capabilities: { drop: ['NET_ADMIN'] } }) },
  { code: 'host_namespace', name: 'hostNetwork', violating: { hostNetwork: true }, compliant: { hostNetwork: false } },
  { code: 'host_namespace', name: 'hostPID', violating: { hostPID: true }, compliant: { hostPID: false } },
  { code: 'host_namespace', name: 'hostIPC', violating: { hostIPC: true }, compliant: { hostIPC: false } },
  {
    code: 'host_path_volume',
    name: 'hostPath',
    violating: { volumes: [{ name: 'root', hostPath: { path: '/' } }] },
    compliant: { volumes: [{ name: 'scratch', emptyDir: {} }] },
  },
  { code: 'run_as_root', name: 'container runAsUser 0', violating: sc({ runAsUser: 0 }), compliant: sc({ runAsUser: 1000 }) },
  {
    code: 'run_as_root',
    name: 'pod runAsUser 0',
    violating: { securityContext: { runAsUser: 0 }, containers: [container()] },
    compliant: { securityContext: { runAsUser: 1000, runAsNonRoot: true }, containers: [container()] },
  },
  {
    code: 'image_registry_not_allowed',
    name: 'foreign registry',
    violating: { containers: [container({ image: `evil.example.net/app@sha256:${'b'.repeat(64)}` })] },
    compliant: { containers: [container({ image: `ghcr.io/example/tool@sha256:${'b'.repeat(64)}` })] },
  },
  {
    code: 'image_registry_not_allowed',
    name: 'Docker Hub short name',
    violating: { containers: [container({ image: `nginx@sha256:${'c'.repeat(64)}` })] },
    compliant: { containers: [container({ image: `registry.example.com/nginx@sha256:${'c'.repeat(64)}` })] },
  },
  {
    code: 'image_not_pinned',
    name: 'tag in a protected namespace',
    namespace: 'prod-eu',
    violating: { containers: [container({ image: 'registry.example.com/app:1.2.3' })] },
    compliant: { containers: [container({ image: PINNED })] },
  },
  {
    code: 'image_latest_tag',
    name: ':latest',
    violating: { containers: [container({ image: 'registry.example.com/app:latest' })] },
    compliant: { containers: [container({ image: 'registry.example.com/app:1.2.3' })] },
  },
  {
    code: 'image_latest_tag',
    name: 'no tag',
    violating: { containers: [container({ image: 'registry.example.com/team/app' })] },
    compliant: { containers: [container({ image: 'registry.example.com/team/app:v2' })] },
  },
];

interface Kind {
  kind: string;
  apiVersion: string;
  collection: string; // URL path without namespace prefix
  wrap: (podSpec: Obj) => Obj;
}

const template = (podSpec: Obj) => ({ template: { metadata: { labels: { app: 'x' } }, spec: podSpec } });
const KINDS: Kind[] = [
  { kind: 'Pod', apiVersion: 'v1', collection: '/api/v1/namespaces/NS/pods', wrap: (s) => ({ spec: s }) },
  { kind: 'Deployment', apiVersion: 'apps/v1', collection: '/apis/apps/v1/namespaces/NS/deployments', wrap: (s) => ({ spec: template(s) }) },
  { kind: 'StatefulSet', apiVersion: 'apps/v1', collection: '/apis/apps/v1/namespaces/NS/statefulsets', wrap: (s) => ({ spec: template(s) }) },
  { kind: 'DaemonSet', apiVersion: 'apps/v1', collection: '/apis/apps/v1/namespaces/NS/daemonsets', wrap: (s) => ({ spec: template(s) }) },
  { kind: 'ReplicaSet', apiVersion: 'apps/v1', collection: '/apis/apps/v1/namespaces/NS/replicasets', wrap: (s) => ({ spec: template(s) }) },
  { kind: 'Job', apiVersion: 'batch/v1', collection: '/apis/batch/v1/namespaces/NS/jobs', wrap: (s) => ({ spec: template(s) }) },
  {
    kind: 'CronJob',
    apiVersion: 'batch/v1',
    collection: '/apis/batch/v1/namespaces/NS/cronjobs',
    wrap: (s) => ({ spec: { schedule: '* * * * *', jobTemplate: { spec: template(s) } } }),
  },
];

function manifest(k: Kind, body: Obj, name = 'web'): Obj {
  return { apiVersion: k.apiVersion, kind: k.kind, metadata: { name }, ...body };
}

interface Send {
  format: string;
  method: string;
  item: boolean;
  contentType: string;
  encode: (full: Obj, partial: Obj) => string | Uint8Array;
}

/** Each way of sending: `full` is the whole manifest, `partial` only what a patch sets. */
const SENDS: Send[] = [
  { format: 'create JSON', method: 'POST', item: false, contentType: 'application/json', encode: (f) => JSON.stringify(f) },
  { format: 'create YAML', method: 'POST', item: false, contentType: 'application/yaml', encode: (f) => toYaml(f) },
  { format: 'update', method: 'PUT', item: true, contentType: 'application/json', encode: (f) => JSON.stringify(f) },
  { format: 'JSON patch', method: 'PATCH', item: true, contentType: 'application/json-patch+json', encode: (_f, p) => JSON.stringify(toJsonPatch(p)) },
  { format: 'merge patch', method: 'PATCH', item: true, contentType: 'application/merge-patch+json', encode: (_f, p) => JSON.stringify(p) },
  {
    format: 'strategic merge patch',
    method: 'PATCH',
    item: true,
    contentType: 'application/strategic-merge-patch+json; charset=utf-8',
    encode: (_f, p) => JSON.stringify({ ...p, $setElementOrder: undefined }),
  },
  { format: 'apply patch', method: 'PATCH', item: true, contentType: 'application/apply-patch+yaml', encode: (f) => toYaml(f) },
  // Kubernetes 1.32+ (KEP-4222): the same objects as kube's client encodes them, and as text strings.
  { format: 'create CBOR', method: 'POST', item: false, contentType: 'application/cbor', encode: (f) => encodeCbor(f) },
  { format: 'update CBOR (text strings)', method: 'PUT', item: true, contentType: 'application/cbor', encode: (f) => encodeCbor(f, { strings: 'text' }) },
  { format: 'apply patch CBOR', method: 'PATCH', item: true, contentType: 'application/apply-patch+cbor', encode: (f) => encodeCbor(f) },
];

function run(k: Kind, send: Send, podSpec: Obj, namespace: string): GuardrailResult {
  const full = manifest(k, k.wrap(podSpec));
  const partial = k.wrap(podSpec);
  const path = k.collection.replace('NS', namespace) + (send.item ? '/web' : '');
  return withoutScheduleChange(k.kind, send.method, inspect(kube(send.method, path), send.encode(full, partial), send.contentType, false, settings));
}

describe('workload guardrails: every format (Deployment)', () => {
  const deployment = KINDS[1]!;
  const rows = POD_CASES.flatMap((c) => SENDS.map((s) => [c.code, c.name, s.format, c, s] as const));
  it.each(rows)('%s (%s) via %s', (code, _n, _f, c, send) => {
    const ns = c.namespace ?? 'dev';
    expect(codes(run(deployment, send, c.violating, ns))).toContain(code);
    expect(run(deployment, send, c.compliant, ns).violations).toEqual([]);
  });
});

describe('workload guardrails: every kind (create JSON and JSON patch)', () => {
  const rows = POD_CASES.flatMap((c) => KINDS.map((k) => [c.code, c.name, k.kind, c, k] as const));
  it.each(rows)('%s (%s) in a %s', (code, _n, _k, c, k) => {
    const ns = c.namespace ?? 'dev';
    for (const send of [SENDS[0]!, SENDS[3]!]) {
      expect(codes(run(k, send, c.violating, ns)), send.format).toContain(code);
      expect(run(k, send, c.compliant, ns).violations, send.format).toEqual([]);
    }
  });
});

describe('workload details', () => {
  it('reports where the violation is', () => {
    const r = run(KINDS[6]!, SENDS[0]!, sc({ privileged: true }), 'dev');
    expect(r.violations).toEqual([
      {
        code: 'privileged_container',
        detail: 'container "app" is privileged',
        path: 'spec.jobTemplate.spec.template.spec.containers[0].securityContext.privileged',
      },
    ]);
  });

  it('inspects ephemeral containers added through pods/ephemeralcontainers (kubectl debug)', () => {
    const body = JSON.stringify({ spec: { ephemeralContainers: [container({ name: 'dbg', securityContext: { privileged: true } })] } });
    const r = inspect(kube('PATCH', '/api/v1/namespaces/dev/pods/web/ephemeralcontainers'), body, 'application/strategic-merge-patch+json', false, settings);
    expect(r.violations[0]).toMatchObject({ code: 'privileged_container', path: 'spec.ephemeralContainers[0].securityContext.privileged' });
  });

  it('a container with its own non-root user is not root under a pod-level runAsUser: 0', () => {
    const spec = { securityContext: { runAsUser: 0 }, containers: [container({ securityContext: { runAsUser: 1000 } })] };
    expect(run(KINDS[0]!, SENDS[0]!, spec, 'dev').violations).toEqual([]);
    // In a patch the other containers are unseen, so the pod-level root counts.
    expect(codes(run(KINDS[0]!, SENDS[4]!, spec, 'dev'))).toEqual(['run_as_root']);
  });

  it('absent fields are the safe defaults: a plain manifest has no violations', () => {
    for (const k of KINDS) expect(run(k, SENDS[0]!, { containers: [container()] }, 'prod').violations).toEqual([]);
  });

  it('reads YAML 1.1 booleans as kube does (hostNetwork: yes is true)', () => {
    const body = 'apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  hostNetwork: yes\n  containers: [{name: a, image: "' + PINNED + '"}]\n';
    expect(codes(inspect(kube('POST', '/api/v1/namespaces/dev/pods'), body, 'application/yaml', false, settings))).toEqual(['host_namespace']);
  });

  it('replays JSON patch replace of a whole subtree and appends with "-"', () => {
    const body = JSON.stringify([
      { op: 'replace', path: '/spec/template/spec', value: { hostPID: true, containers: [] } },
      { op: 'add', path: '/spec/template/spec/containers/-', value: container({ securityContext: { privileged: true } }) },
      { op: 'add', path: '/spec/template/spec/containers/999999999/image', value: 'registry.example.com/x:latest' },
    ]);
    const r = inspect(kube('PATCH', '/apis/apps/v1/namespaces/dev/deployments/web'), body, 'application/json-patch+json', false, settings);
    // The `add` at containers/- inserts a container: container_added too (session 50).
    expect(codes(r).sort()).toEqual(['container_added', 'host_namespace', 'image_latest_tag', 'privileged_container']);
  });

  it('a wrong kind in the body cannot hide a field from the kind in the URL', () => {
    const body = JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'p' }, spec: { hostNetwork: true } });
    expect(codes(inspect(kube('POST', '/api/v1/namespaces/dev/pods'), body, 'application/json', false, settings))).toEqual(['host_namespace']);
  });
});

// ---- RBAC --------------------------------------------------------------------------------------

const RBAC = '/apis/rbac.authorization.k8s.io/v1';
interface RbacCase {
  code: GuardrailCode;
  name: string;
  kind: string;
  collection: string;
  violating: Obj;
  compliant: Obj;
}
const rule = (apiGroups: string[], resources: string[], verbs: string[]) => ({ rules: [{ apiGroups, resources, verbs }] });
const RBAC_CASES: RbacCase[] = [
  { code: 'rbac_wildcard', name: '* resources', kind: 'Role', collection: `${RBAC}/namespaces/dev/roles`, violating: rule([''], ['*'], ['get']), compliant: rule([''], ['pods'], ['get']) },
  { code: 'rbac_wildcard', name: '* verbs', kind: 'ClusterRole', collection: `${RBAC}/clusterroles`, violating: rule(['apps'], ['deployments'], ['*']), compliant: rule(['apps'], ['deployments'], ['get', 'list']) },
  { code: 'rbac_escalation_verbs', name: 'bind', kind: 'ClusterRole', collection: `${RBAC}/clusterroles`, violating: rule([RBAC.split('/')[2]!], ['clusterroles'], ['bind']), compliant: rule([RBAC.split('/')[2]!], ['clusterroles'], ['get']) },
  { code: 'rbac_escalation_verbs', name: 'impersonate', kind: 'Role', collection: `${RBAC}/namespaces/dev/roles`, violating: rule([''], ['serviceaccounts'], ['impersonate']), compliant: rule([''], ['serviceaccounts'], ['list']) },
  { code: 'rbac_escalation_verbs', name: 'impersonate:user-info (KEP-5284)', kind: 'ClusterRole', collection: `${RBAC}/clusterroles`, violating: rule(['authentication.k8s.io'], ['users', 'groups'], ['impersonate:user-info']), compliant: rule(['authentication.k8s.io'], ['users'], ['get']) },
  { code: 'rbac_escalation_verbs', name: 'impersonate-on:get (KEP-5284)', kind: 'Role', collection: `${RBAC}/namespaces/dev/roles`, violating: rule([''], ['pods'], ['impersonate-on:get']), compliant: rule([''], ['pods'], ['get']) },
  { code: 'rbac_escalation_verbs', name: 'escalate', kind: 'ClusterRole', collection: `${RBAC}/clusterroles`, violating: rule([RBAC.split('/')[2]!], ['roles'], ['escalate']), compliant: rule([RBAC.split('/')[2]!], ['roles'], ['watch']) },
  { code: 'rbac_secrets_cluster_wide', name: 'list secrets', kind: 'ClusterRole', collection: `${RBAC}/clusterroles`, violating: rule([''], ['secrets'], ['list']), compliant: rule([''], ['configmaps'], ['list']) },
  {
    code: 'rbac_cluster_admin_binding',
    name: 'cluster-admin',
    kind: 'ClusterRoleBinding',
    collection: `${RBAC}/clusterrolebindings`,
    violating: { roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'cluster-admin' }, subjects: [{ kind: 'User', name: 'bob' }] },
    compliant: { roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'view' }, subjects: [{ kind: 'User', name: 'bob' }] },
  },
  {
    code: 'rbac_cluster_admin_binding',
    name: 'configured dangerous role in a RoleBinding',
    kind: 'RoleBinding',
    collection: `${RBAC}/namespaces/dev/rolebindings`,
    violating: { roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'admin' }, subjects: [{ kind: 'User', name: 'bob' }] },
    compliant: { roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'admin' }, subjects: [{ kind: 'User', name: 'bob' }] },
  },
];

describe('RBAC guardrails: every format', () => {
  const rows = RBAC_CASES.flatMap((c) => SENDS.map((s) => [c.code, c.name, s.format, c, s] as const));
  it.each(rows)('%s (%s) via %s', (code, _n, _f, c, send) => {
    const go = (body: Obj) => {
      const full = { apiVersion: 'rbac.authorization.k8s.io/v1', kind: c.kind, metadata: { name: 'r' }, ...body };
      const path = c.collection + (send.item ? '/r' : '');
      return inspect(kube(send.method, path), send.encode(full, body), send.contentType, false, settings);
    };
    expect(codes(go(c.violating))).toContain(code);
    expect(go(c.compliant).violations).toEqual([]);
  });

  it('a namespaced Role reading secrets is only the advisory rbac_secrets_read; a ClusterRole limited by resourceNames is not cluster-wide read', () => {
    const role = JSON.stringify({ kind: 'Role', metadata: { name: 'r' }, ...rule([''], ['secrets'], ['get']) });
    expect(codes(inspect(kube('POST', `${RBAC}/namespaces/dev/roles`), role, 'application/json', false, settings))).toEqual(['rbac_secrets_read']);
    const named = JSON.stringify({ kind: 'ClusterRole', metadata: { name: 'r' }, rules: [{ apiGroups: [''], resources: ['secrets'], resourceNames: ['one'], verbs: ['get'] }] });
    expect(inspect(kube('POST', `${RBAC}/clusterroles`), named, 'application/json', false, settings).violations).toEqual([]);
  });

  it('a patch adding secrets to a ClusterRole rule is flagged without seeing its verbs', () => {
    const body = JSON.stringify([{ op: 'add', path: '/rules/0/resources/-', value: 'secrets' }]);
    expect(codes(inspect(kube('PATCH', `${RBAC}/clusterroles/r`), body, 'application/json-patch+json', false, settings))).toEqual(['rbac_secrets_cluster_wide']);
  });
});

// ---- multi-document YAML -----------------------------------------------------------------------

describe('multi-document YAML bodies', () => {
  it('inspects every document, each by its own kind, and says which one', () => {
    const body = [
      { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'ok' }, spec: { containers: [container()] } },
      { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'bad' }, spec: template({ hostNetwork: true, containers: [container()] }) },
    ]
      .map(toYaml)
      .join('---\n');
    const r = inspect(kube('POST', '/api/v1/namespaces/dev/pods'), `---\n${body}---\n`, 'application/yaml', false, settings);
    expect(r.violations).toEqual([expect.objectContaining({ code: 'host_namespace', path: 'documents[1].spec.template.spec.hostNetwork' })]);
  });

  it('a binding to a ClusterRole with * rules defined in the same body is a cluster-admin binding', () => {
    const body = [
      { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', metadata: { name: 'god' }, ...rule(['*'], ['*'], ['*']) },
      { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRoleBinding', metadata: { name: 'b' }, roleRef: { kind: 'ClusterRole', name: 'god' } },
    ]
      .map(toYaml)
      .join('---\n');
    const r = inspect(kube('POST', `${RBAC}/clusterrolebindings`), body, 'application/yaml', false, settings);
    expect(codes(r)).toContain('rbac_cluster_admin_binding');
    expect(codes(r)).toContain('rbac_wildcard');
    expect(codes(r)).toContain('rbac_secrets_cluster_wide');
  });
});

// ---- unreadable bodies -------------------------------------------------------------------------

describe('bodies that cannot be inspected', () => {
  const pods = kube('POST', '/api/v1/namespaces/dev/pods');
  const patch = kube('PATCH', '/api/v1/namespaces/dev/pods/p');
  const ok = JSON.stringify({ kind: 'Pod', spec: { containers: [container()] } });
  const rows: [string, ReturnType<typeof kube>, Uint8Array | string | undefined, string | undefined, boolean, string][] = [
    ['truncated by the size bound', pods, ok.slice(0, 20), 'application/json', true, 'body_truncated'],
    ['cut even though what arrived parses', pods, ok, 'application/json', true, 'body_truncated'],
    ['protobuf', pods, new Uint8Array([0x6b, 0x38, 0x73, 0x00, 1, 2]), 'application/vnd.kubernetes.protobuf', false, 'body_unreadable'],
    ['invalid JSON', pods, '{"kind": "Pod", spec: }', 'application/json', false, 'body_unreadable'],
    ['invalid YAML', pods, 'kind: Pod\nspec: [\n', 'application/yaml', false, 'body_unreadable'],
    ['duplicate YAML keys', pods, 'kind: Pod\nspec: {hostNetwork: true}\nspec: {}\n', 'application/yaml', false, 'body_unreadable'],
    ['YAML alias bomb', pods, `a: &a [x,x,x,x,x,x,x,x,x]\nb: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]\nc: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]\nd: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]\ne: [*d,*d,*d,*d,*d,*d,*d,*d,*d]\n`, 'application/yaml', false, 'body_unreadable'],
    ['not UTF-8', pods, new Uint8Array([0x7b, 0xff, 0xfe, 0x7d]), 'application/json', false, 'body_unreadable'],
    ['no body at all', pods, undefined, 'application/json', false, 'body_unreadable'],
    ['no content type', pods, ok, undefined, false, 'body_unreadable'],
    ['unknown content type', pods, ok, 'text/plain', false, 'body_unreadable'],
    ['a JSON array for an object', pods, '[1,2]', 'application/json', false, 'body_unreadable'],
    ['a patch type on a create', pods, ok, 'application/merge-patch+json', false, 'body_unreadable'],
    ['a plain object on a PATCH', patch, ok, 'application/json', false, 'body_unreadable'],
    ['JSON patch that is not an array', patch, '{"op":"add"}', 'application/json-patch+json', false, 'body_unreadable'],
    ['JSON patch copy into spec', patch, '[{"op":"copy","from":"/spec/initContainers/0","path":"/spec/containers/-"}]', 'application/json-patch+json', false, 'body_unreadable'],
    ['JSON patch with an unknown op', patch, '[{"op":"merge","path":"/spec","value":{}}]', 'application/json-patch+json', false, 'body_unreadable'],
    ['JSON patch through __proto__', patch, '[{"op":"add","path":"/__proto__/polluted","value":true}]', 'application/json-patch+json', false, 'body_unreadable'],
  ];
  it.each(rows)('%s → explicit outcome', (_name, k, body, type, truncated, outcome) => {
    const r = inspect(k, body, type, truncated, settings);
    expect(r.unreadable).toBe(outcome);
    expect(r.unreadableDetail).toMatch(/\S/);
    expect(r.violations).toEqual([]);
  });

  it('a YAML body over MAX_YAML_CHARS is unreadable; the same object as JSON is inspected', () => {
    const big = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', annotations: { a: 'x'.repeat(MAX_YAML_CHARS) } }, spec: { hostNetwork: true } };
    expect(inspect(pods, toYaml(big), 'application/yaml', false, settings)).toMatchObject({ unreadable: 'body_unreadable', unreadableDetail: expect.stringContaining('KiB') });
    // JSON is YAML: server-side apply bodies from kubectl are JSON and take the fast path.
    expect(codes(inspect(pods, JSON.stringify(big), 'application/yaml', false, settings))).toEqual(['host_namespace']);
    expect(codes(inspect(patch, JSON.stringify(big), 'application/apply-patch+yaml', false, settings))).toEqual(['host_namespace']);
  });

  it('finds a duplicate key in a nested mapping, in linear time', () => {
    const keys = Array.from({ length: 5000 }, (_, i) => `    k${i}: v`).join('\n');
    const body = `kind: Pod\nmetadata:\n  annotations:\n${keys}\n    k4999: again\nspec: {}\n`;
    expect(inspect(pods, body, 'application/yaml', false, settings)).toMatchObject({ unreadable: 'body_unreadable', unreadableDetail: expect.stringContaining('k4999') });
  });

  it('no prototype was polluted by the __proto__ patch', () => {
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('a JSON patch copy/move inside metadata is still readable', () => {
    const body = '[{"op":"copy","from":"/metadata/labels/a","path":"/metadata/labels/b"}]';
    expect(inspect(patch, body, 'application/json-patch+json', false, settings)).toEqual({ violations: [] });
  });
});

// ---- what is not inspected ----------------------------------------------------------------------

describe('requests the guardrails do not inspect', () => {
  const priv = JSON.stringify({ kind: 'Pod', spec: { hostNetwork: true } });
  it.each([
    ['GET', '/api/v1/namespaces/dev/pods/p'],
    // A ConfigMap's and a custom object's writes are inspected for carried objects, and a cut body
    // of either is body_truncated (guardrails-carried.test.ts).
    ['PATCH', '/api/v1/namespaces/dev/pods/p/status'],
    // A custom object's status strategy resets its metadata (request/status-metadata.ts); a
    // Deployment's keeps it, so its status write is read for owner references (guardrails-owners.test.ts).
    ['PUT', '/apis/example.com/v1/namespaces/dev/widgets/w/status'],
    // A workload's scale is read for a scale to zero only (guardrails-owners.test.ts).
    ['PUT', '/apis/example.com/v1/namespaces/dev/widgets/w/scale'],
    ['POST', '/healthz'],
  ])('%s %s has no violations and reads no body', (method, path) => {
    // A truncated flag would make an inspected request unreadable; here it must not matter.
    expect(inspect(kube(method, path), priv, 'application/json', true, settings)).toEqual({ violations: [] });
  });

  it("a Deployment's status write is read: its strategy keeps the owner references it carries", () => {
    expect(inspect(kube('PUT', '/apis/apps/v1/namespaces/dev/deployments/web/status'), priv, 'application/json', true, settings)).not.toEqual({ violations: [] });
  });

  it('with enabled: false nothing is inspected', () => {
    const off = guardSettings('guardrails:\n  enabled: false\n');
    expect(inspect(kube('POST', '/api/v1/namespaces/dev/pods'), priv, 'application/json', true, off)).toEqual({ violations: [] });
  });
});

// ---- deletes -------------------------------------------------------------------------------------

describe('delete_protected', () => {
  it.each([
    ['DELETE', '/api/v1/namespaces/prod', true],
    ['DELETE', '/apis/apiextensions.k8s.io/v1/customresourcedefinitions/widgets.example.com', true],
    ['DELETE', '/apis/apiextensions.k8s.io/v1/customresourcedefinitions', true],
    ['DELETE', '/api/v1/namespaces/kube-system/pods/coredns-1', true],
    ['DELETE', '/api/v1/namespaces/kube-system/configmaps', true],
    ['DELETE', '/api/v1/pods', true],
    ['DELETE', '/api/v1/namespaces/dev/pods/web-1', false],
    ['DELETE', '/api/v1/namespaces/dev/pods', false],
    ['DELETE', '/api/v1/nodes/n1', false],
    ['DELETE', '/api/v1/nodes', true],
    ['DELETE', '/api/v1/nodes?labelSelector=pool%3Dold', true],
    ['GET', '/api/v1/namespaces/kube-system/pods', false],
  ])('%s %s → %s', (method, path, violates) => {
    const r = inspect(kube(method, path), undefined, undefined, false, settings);
    expect(codes(r)).toEqual(violates ? ['delete_protected'] : []);
  });

  it('uses the configured delete-protected namespaces', () => {
    const s = guardSettings('guardrails:\n  delete_protected_namespaces: ["prod-*"]\n');
    expect(codes(inspect(kube('DELETE', '/api/v1/namespaces/prod-eu/secrets/x'), undefined, undefined, false, s))).toEqual(['delete_protected']);
    expect(codes(inspect(kube('DELETE', '/api/v1/namespaces/kube-system/secrets/x'), undefined, undefined, false, s))).toEqual([]);
  });
});

describe('a body with thousands of violations', () => {
  it('keeps the first 20 of each guardrail and counts the rest, so its cost is that of parsing it', () => {
    const ports = Array.from({ length: 5000 }, (_, i) => ({ containerPort: 80, hostPort: 1000 + i }));
    const volumes = Array.from({ length: 300 }, (_, i) => ({ name: `v${i}`, hostPath: { path: `/d${i}` } }));
    const body = JSON.stringify({ kind: 'Deployment', spec: { template: { spec: { volumes, containers: [container({ ports, securityContext: { privileged: true } })] } } } });
    const r = inspect(kube('POST', '/apis/apps/v1/namespaces/dev/deployments'), body, 'application/json', false, settings);
    const count = (c: string) => codes(r).filter((x) => x === c).length;
    expect(count('host_port')).toBe(MAX_VIOLATIONS_PER_CODE);
    expect(count('host_path_volume')).toBe(MAX_VIOLATIONS_PER_CODE);
    expect(count('privileged_container')).toBe(1);
    // The first ones are kept, in body order; the rest are counted.
    expect(r.violations.find((v) => v.code === 'host_port')?.path).toBe('spec.template.spec.containers[0].ports[0].hostPort');
    expect(r.omitted).toBe(5000 - MAX_VIOLATIONS_PER_CODE + 300 - MAX_VIOLATIONS_PER_CODE);
  });

  it('a document read as two kinds still reports each violation once', () => {
    const body = JSON.stringify({ kind: 'StatefulSet', spec: { template: { spec: { containers: [container({ securityContext: { privileged: true } })] } } } });
    const r = inspect(kube('POST', '/apis/apps/v1/namespaces/dev/deployments'), body, 'application/json', false, settings);
    expect(codes(r).filter((c) => c === 'privileged_container')).toHaveLength(1);
    expect(r.omitted).toBeUndefined();
  });
});

describe('YAML bodies are bounded by their tokens', () => {
  const deploy = kube('POST', '/apis/apps/v1/namespaces/dev/deployments');

  it('128 KiB of one-character flow items is unreadable after the lexer counts MAX_YAML_TOKENS, before the parser runs', () => {
    const items = 'a,'.repeat(60 * 1024);
    const r = inspect(deploy, `kind: Deployment\nspec: {template: {spec: {hostNetwork: true}}}\nx: [${items}a]\n`, 'application/yaml', false, settings);
    expect(r).toMatchObject({ unreadable: 'body_unreadable', unreadableDetail: expect.stringContaining(`${MAX_YAML_TOKENS} tokens`) });
  });

  it('a body of more than MAX_YAML_DOCUMENTS documents is unreadable; one with that many is read, every document', () => {
    const ns = (i: number, label: string) => `---\nkind: Namespace\nmetadata: {name: n${i}, labels: {pod-security.kubernetes.io/enforce: ${label}}}\n`;
    const namespaces = kube('POST', '/api/v1/namespaces');
    const many = Array.from({ length: MAX_YAML_DOCUMENTS + 1 }, (_, i) => ns(i, 'baseline')).join('');
    expect(inspect(namespaces, many, 'application/yaml', false, settings)).toMatchObject({ unreadable: 'body_unreadable', unreadableDetail: expect.stringContaining(`${MAX_YAML_DOCUMENTS} documents`) });
    const enough = Array.from({ length: MAX_YAML_DOCUMENTS }, (_, i) => ns(i, i === MAX_YAML_DOCUMENTS - 1 ? 'privileged' : 'baseline')).join('');
    expect(codes(inspect(namespaces, enough, 'application/yaml', false, settings))).toEqual(['pod_security_weakened']);
  });

  it('an ordinary YAML Deployment near MAX_YAML_CHARS is still read', () => {
    const containers = Array.from({ length: 160 }, (_, i) => ({
      name: `app-${i}`,
      image: `registry.example.com/team/app-${i}:1.4.2`,
      args: ['--listen=:8080', '--log-level=info'],
      ports: [{ name: 'http', containerPort: 8080, protocol: 'TCP' }],
      env: [{ name: 'MODE', value: 'production' }, { name: 'REGION', value: 'eu-west-1' }],
      resources: { requests: { cpu: '100m', memory: '128Mi' }, limits: { memory: '256Mi' } },
      securityContext: { allowPrivilegeEscalation: false, runAsNonRoot: true, capabilities: { drop: ['ALL'] } },
    }));
    const body = toYaml({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web' }, spec: { template: { spec: { hostPID: true, containers } } } });
    expect(body.length).toBeGreaterThan(64 * 1024);
    expect(body.length).toBeLessThan(MAX_YAML_CHARS);
    expect(codes(inspect(deploy, body, 'application/yaml', false, settings))).toEqual(['host_namespace']);
  });
});
