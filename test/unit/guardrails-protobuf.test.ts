import fc from 'fast-check';
import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { inspect } from '../../src/guardrails/inspect.js';
import { decodeKubeProtobuf, parseKubeProtobuf } from '../../src/guardrails/protobuf/decode.js';
import type { GuardrailResult } from '../../src/guardrails/types.js';
import { guardSettings, kube, PINNED } from '../support/guardrails.js';
import { encodeKube, envelope, lenField, MAGIC, tag, varint, varintField } from '../support/kube-protobuf.js';

/**
 * `application/vnd.kubernetes.protobuf` bodies, as typed client-go calls (kubectl create
 * deployment, create clusterrolebinding, ...) send them. Real kubectl bodies are the fixtures;
 * the test encoder builds what kubectl cannot send (a privileged pod in every workload kind),
 * and each is judged exactly as its JSON form. Malformed bodies are unreadable, never a crash.
 */

const settings = guardSettings();
const PB = 'application/vnd.kubernetes.protobuf';
const codes = (r: GuardrailResult) => r.violations.map((v) => v.code);
type Obj = Record<string, unknown>;

const FIXTURES = new URL('../fixtures/kubectl-protobuf/', import.meta.url);
const fixture = (name: string) => readFileSync(new URL(name, FIXTURES));

describe('bodies captured from kubectl 1.32', () => {
  it('create deployment x --image=nginx: decoded as its JSON form, judged by its content', () => {
    const body = fixture('create-deployment-x-image-nginx.bin');
    const parsed = decodeKubeProtobuf(body);
    expect(parsed).toMatchObject({
      ok: true,
      documents: [
        {
          apiVersion: 'apps/v1',
          kind: 'Deployment',
          metadata: { name: 'x', labels: { app: 'x' } },
          spec: { replicas: 1, selector: { matchLabels: { app: 'x' } }, template: { spec: { containers: [{ name: 'nginx', image: 'nginx' }], hostNetwork: false } } },
        },
      ],
    });
    const r = inspect(kube('POST', '/apis/apps/v1/namespaces/default/deployments'), body, PB, false, settings);
    // An ordinary deployment: readable, and only what it really does is flagged (nginx has no tag
    // and is on Docker Hub, which this test's allowed_registries does not list).
    expect(r.unreadable).toBeUndefined();
    expect(codes(r).sort()).toEqual(['image_latest_tag', 'image_registry_not_allowed']);
  });

  it('create clusterrolebinding b --clusterrole=cluster-admin --user=u: the binding is seen', () => {
    const body = fixture('create-clusterrolebinding-b-cluster-admin-user-u.bin');
    expect(decodeKubeProtobuf(body)).toMatchObject({
      ok: true,
      documents: [{ kind: 'ClusterRoleBinding', roleRef: { kind: 'ClusterRole', name: 'cluster-admin' }, subjects: [{ kind: 'User', name: 'u' }] }],
    });
    const r = inspect(kube('POST', '/apis/rbac.authorization.k8s.io/v1/clusterrolebindings'), body, PB, false, settings);
    expect(codes(r)).toEqual(['rbac_cluster_admin_binding']);
  });

  it('create role r --verb=get,list --resource=secrets: rules decoded', () => {
    const body = fixture('create-role-r-get-list-secrets.bin');
    expect(decodeKubeProtobuf(body)).toMatchObject({ ok: true, documents: [{ kind: 'Role', rules: [{ verbs: ['get', 'list'], apiGroups: [''], resources: ['secrets'] }] }] });
    // A namespaced Role reading every Secret is the advisory rbac_secrets_read, and nothing more.
    expect(inspect(kube('POST', '/apis/rbac.authorization.k8s.io/v1/namespaces/dev/roles'), body, PB, false, settings).violations.map((v) => v.code)).toEqual(['rbac_secrets_read']);
  });

  it('create cronjob: the pod spec four levels down is found', () => {
    const body = fixture('create-cronjob-cj-image-busybox.bin');
    const r = inspect(kube('POST', '/apis/batch/v1/namespaces/dev/cronjobs'), body, PB, false, settings);
    expect(r.violations.map((v) => v.path)).toContain('spec.jobTemplate.spec.template.spec.containers[0].image');
  });

  it('every fixture decodes, and every cut of it is either still well-formed or unreadable, never a crash', () => {
    for (const name of readdirSync(FIXTURES).filter((f) => f.endsWith('.bin'))) {
      const body = fixture(name);
      expect(decodeKubeProtobuf(body).ok, name).toBe(true);
      // The envelope's typeMeta (field 1, one-byte length here) comes first, then raw.
      const typeMetaEnd = 6 + body[5]!;
      let rawLen = 0;
      let at = typeMetaEnd + 1;
      for (let shift = 0; ; shift += 7) {
        rawLen += (body[at]! & 0x7f) * 2 ** shift;
        if (body[at++]! < 0x80) break;
      }
      const rawEnd = at + rawLen; // then the empty contentEncoding and contentType
      for (let cut = 0; cut < body.length; cut++) {
        const r = decodeKubeProtobuf(body.subarray(0, cut));
        // Any cut within the raw field breaks a length prefix. (A cut right after typeMeta is a
        // well-formed empty object, and the apiserver reads it as one too.)
        if (cut <= 4 || (cut > typeMetaEnd && cut < rawEnd)) expect(r.ok, `${name} cut at ${cut}`).toBe(false);
        else if (cut === typeMetaEnd) expect(r).toMatchObject({ ok: true, documents: [{ kind: expect.any(String) }] });
      }
    }
  });
});

// ---- the same object as JSON and as protobuf gets the same verdict ------------------------------

const container = (extra: Obj = {}) => ({ name: 'app', image: PINNED, ...extra });
const sc = (s: Obj) => ({ containers: [container({ securityContext: s })] });

const POD_SPECS: [string, Obj][] = [
  ['privileged', sc({ privileged: true })],
  ['privileged init container', { containers: [container()], initContainers: [container({ securityContext: { privileged: true } })] }],
  ['privileged ephemeral container', { containers: [container()], ephemeralContainers: [{ ...container({ securityContext: { privileged: true } }), targetContainerName: 'app' }] }],
  ['allowPrivilegeEscalation', sc({ allowPrivilegeEscalation: true })],
  ['capability SYS_ADMIN', sc({ capabilities: { add: ['SYS_ADMIN', 'NET_BIND_SERVICE'], drop: ['ALL'] } })],
  ['hostNetwork, hostPID, hostIPC', { hostNetwork: true, hostPID: true, hostIPC: true, containers: [container()] }],
  ['hostPath volume', { volumes: [{ name: 'root', hostPath: { path: '/var/run/docker.sock', type: 'Socket' } }, { name: 'tmp', emptyDir: {} }], containers: [container()] }],
  ['container runAsUser 0', sc({ runAsUser: 0 })],
  ['pod runAsUser 0', { securityContext: { runAsUser: 0, sysctls: [{ name: 'net.ipv4.ip_forward', value: '1' }] }, containers: [container()] }],
  ['foreign registry and latest tag', { containers: [container({ image: 'evil.example.net/app' })] }],
  ['unpinned image', { containers: [container({ image: 'registry.example.com/app:1.2.3', ports: [{ containerPort: 80, hostPort: 8080 }] })] }],
  [
    'every security field at once',
    {
      hostUsers: false,
      securityContext: { runAsNonRoot: true, seccompProfile: { type: 'Unconfined' }, seLinuxOptions: { type: 'spc_t' }, appArmorProfile: { type: 'Unconfined' }, windowsOptions: { hostProcess: true } },
      containers: [container({ securityContext: { procMount: 'Unmasked', privileged: true, runAsNonRoot: false, seccompProfile: { type: 'Localhost', localhostProfile: 'x' } } })],
    },
  ],
  // gpu_devices_unrequested reads the container's env and resources (Container fields 7 and 8).
  ['NVIDIA_VISIBLE_DEVICES=all without a GPU request', { containers: [container({ env: [{ name: 'TZ', value: 'UTC' }, { name: 'NVIDIA_VISIBLE_DEVICES', value: 'all' }] })] }],
  [
    'NVIDIA_VISIBLE_DEVICES in an init container, a CPU limit only',
    { containers: [container()], initContainers: [container({ env: [{ name: 'NVIDIA_VISIBLE_DEVICES', value: '0,1' }], resources: { limits: { cpu: '2', memory: '1Gi' }, requests: { cpu: '500m' } } })] },
  ],
  ['compliant', { securityContext: { runAsUser: 1000, runAsNonRoot: true }, containers: [container({ securityContext: { privileged: false, allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } } })] }],
];

const template = (s: Obj) => ({ template: { metadata: { labels: { app: 'x' } }, spec: s } });
const WORKLOADS: [string, string, string, (s: Obj) => Obj][] = [
  ['Pod', 'v1', '/api/v1/namespaces/prod/pods', (s) => ({ spec: s })],
  ['PodTemplate', 'v1', '/api/v1/namespaces/prod/podtemplates', (s) => template(s)],
  ['ReplicationController', 'v1', '/api/v1/namespaces/prod/replicationcontrollers', (s) => ({ spec: { replicas: 2, selector: { app: 'x' }, ...template(s) } })],
  ['Deployment', 'apps/v1', '/apis/apps/v1/namespaces/prod/deployments', (s) => ({ spec: { replicas: 2, selector: { matchLabels: { app: 'x' } }, ...template(s) } })],
  ['StatefulSet', 'apps/v1', '/apis/apps/v1/namespaces/prod/statefulsets', (s) => ({ spec: { selector: { matchLabels: { app: 'x' } }, ...template(s) } })],
  ['DaemonSet', 'apps/v1', '/apis/apps/v1/namespaces/prod/daemonsets', (s) => ({ spec: { selector: { matchLabels: { app: 'x' } }, ...template(s) } })],
  ['ReplicaSet', 'apps/v1', '/apis/apps/v1/namespaces/prod/replicasets', (s) => ({ spec: { selector: { matchLabels: { app: 'x' } }, ...template(s) } })],
  ['Job', 'batch/v1', '/apis/batch/v1/namespaces/prod/jobs', (s) => ({ spec: template(s) })],
  ['CronJob', 'batch/v1', '/apis/batch/v1/namespaces/prod/cronjobs', (s) => ({ spec: { schedule: '* * * * *', jobTemplate: { spec: template(s) } } })],
];

describe('JSON and protobuf forms of the same object get the same guardrail result', () => {
  const rows = WORKLOADS.flatMap(([kind, apiVersion, path, wrap]) => POD_SPECS.map(([name, spec]) => [kind, name, apiVersion, path, wrap, spec] as const));
  it.each(rows)('%s: %s', (kind, name, apiVersion, path, wrap, spec) => {
    const obj = { apiVersion, kind, metadata: { name: 'web', labels: { app: 'x' }, annotations: { note: 'n' } }, ...wrap(spec) };
    const asJson = inspect(kube('POST', path), JSON.stringify(obj), 'application/json', false, settings);
    const asProto = inspect(kube('POST', path), encodeKube(obj), PB, false, settings);
    expect(asProto).toEqual(asJson);
    if (name === 'compliant') expect(asProto.violations).toEqual([]);
    else expect(asProto.violations.length).toBeGreaterThan(0);
    // Also as an update (PUT) to the object.
    expect(inspect(kube('PUT', `${path}/web`), encodeKube(obj), PB, false, settings)).toEqual(asJson);
  });

  // Not violations: a workload that hands its containers a Secret is a Secret read for the risk
  // engine (rules/secret-refs.ts), and a GPU request makes NVIDIA_VISIBLE_DEVICES the plugin's own.
  const QUIET_SPECS: [string, Obj, string][] = [
    ['env secretKeyRef', { containers: [container({ env: [{ name: 'PW', valueFrom: { secretKeyRef: { name: 'db-root', key: 'password' } } }] })] }, 'db-root'],
    ['envFrom secretRef', { containers: [container({ envFrom: [{ prefix: 'DB_', secretRef: { name: 'db-env' } }] })] }, 'db-env'],
    ['secret volume', { volumes: [{ name: 's', secret: { secretName: 'tls-key' } }], containers: [container()] }, 'tls-key'],
    ['projected secret', { volumes: [{ name: 's', projected: { sources: [{ secret: { name: 'bundle' } }] } }], containers: [container()] }, 'bundle'],
    ['NVIDIA_VISIBLE_DEVICES with an nvidia.com/gpu limit', { containers: [container({ env: [{ name: 'NVIDIA_VISIBLE_DEVICES', value: 'all' }], resources: { limits: { 'nvidia.com/gpu': '1' } } })] }, ''],
  ];
  it.each(QUIET_SPECS)('Pod: %s', (_name, spec, secret) => {
    const path = '/api/v1/namespaces/prod/pods';
    const obj = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'web' }, spec };
    const asJson = inspect(kube('POST', path), JSON.stringify(obj), 'application/json', false, settings);
    const asProto = inspect(kube('POST', path), encodeKube(obj), PB, false, settings);
    expect(asProto).toEqual(asJson);
    expect(asProto.violations).toEqual([]);
    expect(asProto.readsSecret).toBe(secret === '' ? undefined : secret);
  });

  const RBAC = '/apis/rbac.authorization.k8s.io/v1';
  const rule = (verbs: string[], resources: string[], apiGroups = ['']) => ({ verbs, resources, apiGroups });
  const RBAC_ROWS: [string, string, Obj][] = [
    ['Role wildcard', `${RBAC}/namespaces/dev/roles`, { kind: 'Role', rules: [rule(['*'], ['pods'])] }],
    ['Role escalation verbs', `${RBAC}/namespaces/dev/roles`, { kind: 'Role', rules: [rule(['bind', 'escalate'], ['roles'], ['rbac.authorization.k8s.io'])] }],
    ['ClusterRole secrets', `${RBAC}/clusterroles`, { kind: 'ClusterRole', rules: [rule(['get'], ['secrets']), { verbs: ['get'], nonResourceURLs: ['/metrics'] }] }],
    ['ClusterRole named secrets only', `${RBAC}/clusterroles`, { kind: 'ClusterRole', rules: [{ ...rule(['get'], ['secrets']), resourceNames: ['one'] }] }],
    ['ClusterRole aggregation', `${RBAC}/clusterroles`, { kind: 'ClusterRole', aggregationRule: { clusterRoleSelectors: [{ matchLabels: { agg: 'x' } }] } }],
    ['RoleBinding to admin', `${RBAC}/namespaces/dev/rolebindings`, { kind: 'RoleBinding', roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'admin' }, subjects: [{ kind: 'Group', name: 'g' }] }],
    ['RoleBinding to a Role', `${RBAC}/namespaces/dev/rolebindings`, { kind: 'RoleBinding', roleRef: { kind: 'Role', name: 'admin' }, subjects: [{ kind: 'ServiceAccount', name: 'sa', namespace: 'dev' }] }],
    ['ClusterRoleBinding cluster-admin', `${RBAC}/clusterrolebindings`, { kind: 'ClusterRoleBinding', roleRef: { kind: 'ClusterRole', name: 'cluster-admin' }, subjects: [{ kind: 'User', name: 'u' }] }],
    ['ClusterRoleBinding view', `${RBAC}/clusterrolebindings`, { kind: 'ClusterRoleBinding', roleRef: { kind: 'ClusterRole', name: 'view' } }],
  ];
  it.each(RBAC_ROWS)('%s', (_name, path, body) => {
    const obj = { apiVersion: 'rbac.authorization.k8s.io/v1', metadata: { name: 'r' }, ...body };
    const asJson = inspect(kube('POST', path), JSON.stringify(obj), 'application/json', false, settings);
    expect(inspect(kube('POST', path), encodeKube(obj), PB, false, settings)).toEqual(asJson);
  });

  it('the other decoded kinds come out in their JSON shape', () => {
    const objs: Obj[] = [
      { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'prod', labels: { 'pod-security.kubernetes.io/enforce': 'privileged' } } },
      {
        apiVersion: 'networking.k8s.io/v1',
        kind: 'NetworkPolicy',
        metadata: { name: 'np', namespace: 'prod' },
        spec: {
          podSelector: { matchExpressions: [{ key: 'app', operator: 'In', values: ['a'] }] },
          ingress: [{ from: [{ ipBlock: { cidr: '0.0.0.0/0', except: ['10.0.0.0/8'] } }, { namespaceSelector: {} }], ports: [{ protocol: 'TCP', port: 443 }, { port: 'https', endPort: 0 }] }],
          egress: [{ to: [{ podSelector: { matchLabels: { a: 'b' } } }] }],
          policyTypes: ['Ingress', 'Egress'],
        },
      },
      {
        apiVersion: 'admissionregistration.k8s.io/v1',
        kind: 'ValidatingWebhookConfiguration',
        metadata: { name: 'v' },
        webhooks: [
          {
            name: 'v.example.com',
            clientConfig: { service: { namespace: 'ns', name: 's', path: '/v', port: 443 }, caBundle: Buffer.from('ca').toString('base64') },
            rules: [{ operations: ['CREATE'], apiGroups: [''], apiVersions: ['v1'], resources: ['pods'], scope: '*' }],
            failurePolicy: 'Ignore',
            matchPolicy: 'Equivalent',
            namespaceSelector: { matchLabels: { x: 'y' } },
            objectSelector: { matchLabels: { x: 'y' } },
            sideEffects: 'None',
            timeoutSeconds: 5,
            admissionReviewVersions: ['v1'],
            matchConditions: [{ name: 'm', expression: 'true' }],
          },
        ],
      },
      {
        apiVersion: 'admissionregistration.k8s.io/v1',
        kind: 'MutatingWebhookConfiguration',
        metadata: { name: 'm' },
        webhooks: [{ name: 'm.example.com', clientConfig: { url: 'https://x.example.com' }, reinvocationPolicy: 'IfNeeded', objectSelector: {}, matchConditions: [{ name: 'a', expression: 'b' }] }],
      },
    ];
    for (const obj of objs) expect(decodeKubeProtobuf(encodeKube(obj))).toEqual({ ok: true, documents: [obj], partial: false });
  });
});

// ---- protobuf semantics that an attacker could use ----------------------------------------------

const POD = '/api/v1/namespaces/dev/pods';
const podBytes = (spec: Obj) => encodeKube({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p' }, spec }).subarray(0);
/** A Pod envelope around hand-made PodSpec bytes (Pod.spec is field 2). */
const podWithSpec = (...specParts: Buffer[]) => envelope('v1', 'Pod', lenField(2, Buffer.concat(specParts)));
/** PodSpec.containers (2) with Container.securityContext (15) bytes. */
const containerWithSc = (...scParts: Buffer[]) => lenField(2, Buffer.concat([lenField(1, 'c'), lenField(2, PINNED), lenField(15, Buffer.concat(scParts))]));
const judge = (body: Uint8Array) => inspect(kube('POST', POD), body, PB, false, settings);

describe('protobuf merge and integer semantics follow the apiserver', () => {
  it('a singular message sent twice merges: privileged in the second securityContext counts', () => {
    // Container field 15 twice: {runAsNonRoot: true}, then {privileged: true}.
    const c = lenField(2, Buffer.concat([lenField(1, 'c'), lenField(2, PINNED), lenField(15, varintField(5, true)), lenField(15, varintField(2, true))]));
    const r = decodeKubeProtobuf(podWithSpec(c));
    expect(r).toMatchObject({ ok: true, documents: [{ spec: { containers: [{ securityContext: { runAsNonRoot: true, privileged: true } }] } }] });
    expect(codes(judge(podWithSpec(c)))).toEqual(['privileged_container']);
  });

  it('the pod spec sent twice merges: containers append, so a second spec cannot hide the first', () => {
    const body = envelope('v1', 'Pod', Buffer.concat([lenField(2, containerWithSc(varintField(2, true))), lenField(2, containerWithSc(varintField(7, true)))]));
    expect(codes(judge(body)).sort()).toEqual(['privilege_escalation', 'privileged_container']);
  });

  it('a repeated scalar keeps the last value, as Go does (true then false is false; false then true is true)', () => {
    expect(codes(judge(podWithSpec(varintField(11, true), varintField(11, false))))).toEqual([]);
    expect(codes(judge(podWithSpec(varintField(11, false), varintField(11, true))))).toEqual(['host_namespace']);
  });

  it('a 10-byte varint whose set bits lie past bit 64 reads as 0, so runAsUser 0 cannot hide there', () => {
    const zeroWithGarbage = Buffer.from([0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x7e]);
    const body = podWithSpec(containerWithSc(tag(4, 0), zeroWithGarbage));
    expect(decodeKubeProtobuf(body)).toMatchObject({ ok: true, documents: [{ spec: { containers: [{ securityContext: { runAsUser: 0 } }] } }] });
    expect(codes(judge(body))).toEqual(['run_as_root']);
  });

  it('a bool is any non-zero 64-bit value: 2^40 is true', () => {
    expect(codes(judge(podWithSpec(tag(12, 0), varint(2n ** 40n))))).toEqual(['host_namespace']);
  });

  it('a negative runAsUser is decoded as Go int64 (not a huge unsigned number)', () => {
    const r = decodeKubeProtobuf(podWithSpec(containerWithSc(varintField(4, -1))));
    expect(r).toMatchObject({ ok: true, documents: [{ spec: { containers: [{ securityContext: { runAsUser: -1 } }] } }] });
  });

  it('a field number wider than 32 bits is read as its low 32 bits (Go int32 conversion): still hostNetwork', () => {
    expect(codes(judge(podWithSpec(tag(11n + 2n ** 32n, 0), varint(1))))).toEqual(['host_namespace']);
  });

  it('unknown fields of every wire type are skipped', () => {
    const unknown = Buffer.concat([varintField(999, 7), lenField(998, 'x'), tag(997, 1), Buffer.alloc(8), tag(996, 5), Buffer.alloc(4)]);
    expect(codes(judge(podWithSpec(unknown, varintField(13, true), unknown)))).toEqual(['host_namespace']);
  });

  it('a label key __proto__ is an ordinary own key', () => {
    const r = decodeKubeProtobuf(encodeKube({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'n', labels: JSON.parse('{"__proto__":"x","a":"b"}') } }));
    if (!r.ok) throw new Error(r.detail);
    const labels = (r.documents[0]!.metadata as { labels: object }).labels;
    expect(Object.getPrototypeOf(labels)).toBe(Object.prototype);
    expect(Object.keys(labels)).toEqual(['__proto__', 'a']);
  });

  it('a map entry with the same key twice keeps the last value', () => {
    const entry = (k: string, v: string) => lenField(11, Buffer.concat([lenField(1, k), lenField(2, v)]));
    const r = decodeKubeProtobuf(envelope('v1', 'Namespace', lenField(1, Buffer.concat([lenField(1, 'n'), entry('a', '1'), entry('a', '2'), lenField(11, lenField(2, 'no key'))]))));
    expect(r).toMatchObject({ ok: true, documents: [{ metadata: { labels: { a: '2', '': 'no key' } } }] });
  });
});

describe('malformed or undecidable protobuf bodies are unreadable', () => {
  const deployment = encodeKube({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'd' }, spec: template({ containers: [container()] }) });
  const rows: [string, Uint8Array | string, string?][] = [
    ['no magic', Buffer.from('{"kind":"Pod"}')],
    ['magic only', MAGIC],
    ['shorter than the magic', MAGIC.subarray(0, 2)],
    ['envelope without kind', Buffer.concat([MAGIC, lenField(2, Buffer.alloc(0))])],
    ['envelope without apiVersion', Buffer.concat([MAGIC, lenField(1, lenField(2, 'Pod'))])],
    ['a kind that is not decoded', envelope('v1', 'LimitRange', Buffer.alloc(0))],
    ['a kind in the wrong group', envelope('apps/v1', 'Pod', Buffer.alloc(0))],
    ['an old API version', envelope('extensions/v1beta1', 'Deployment', Buffer.alloc(0))],
    ['a content encoding in the envelope', Buffer.concat([deployment, lenField(3, 'gzip')])],
    ['hostNetwork sent as a length-delimited field', podWithSpec(lenField(11, Buffer.from([1])))],
    ['a message field sent as a varint', podWithSpec(varintField(2, 1))],
    ['a string field sent as fixed32', podWithSpec(lenField(2, Buffer.concat([tag(2, 5), Buffer.alloc(4)])))],
    ['a varint of 11 bytes', podWithSpec(tag(11, 0), Buffer.from([0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01]))],
    ['a varint cut at the end', podWithSpec(tag(11, 0), Buffer.from([0x80]))],
    ['a length past the end', Buffer.concat([MAGIC, tag(2, 2), varint(1000), Buffer.alloc(10)])],
    ['a length of 2^63', Buffer.concat([MAGIC, tag(2, 2), varint(2n ** 63n)])],
    ['a fixed64 cut short', podWithSpec(tag(900, 1), Buffer.alloc(3))],
    ['a start-group wire type', podWithSpec(tag(900, 3), tag(900, 4))],
    ['an end-group wire type', podWithSpec(tag(900, 4))],
    ['wire type 6', podWithSpec(tag(900, 6))],
    ['wire type 7', podWithSpec(tag(900, 7))],
    ['field number 0', podWithSpec(tag(0, 0), varint(1))],
    ['a field number that is negative as int32', podWithSpec(tag(2n ** 31n, 0), varint(1))],
    ['an image that is not UTF-8', podWithSpec(lenField(2, Buffer.concat([lenField(1, 'c'), lenField(2, Buffer.from([0x6e, 0xff, 0x78]))])))],
    ['a map entry key sent as a varint', envelope('v1', 'Namespace', lenField(1, lenField(11, varintField(1, 5))))],
    ['a string body that lost bytes in UTF-8', Buffer.from(deployment).toString('latin1').replace(/[\x80-\xff]/g, '\uFFFD')],
  ];
  it.each(rows)('%s', (_name, body) => {
    const r = inspect(kube('POST', '/apis/apps/v1/namespaces/dev/deployments'), body, PB, false, settings);
    expect(r.unreadable).toBe('body_unreadable');
    expect(r.unreadableDetail).toMatch(/protobuf/);
  });

  it('a PATCH in protobuf is unreadable: kube takes patches only as JSON or YAML', () => {
    const r = inspect(kube('PATCH', '/apis/apps/v1/namespaces/dev/deployments/d'), deployment, PB, false, settings);
    expect(r).toMatchObject({ unreadable: 'body_unreadable', unreadableDetail: expect.stringMatching(/verb patch/) });
  });

  it('a string body that is intact UTF-8 is decoded', () => {
    const ascii = encodeKube({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p' }, spec: { hostPID: true } });
    expect(codes(inspect(kube('POST', POD), ascii.toString('utf8'), PB, false, settings))).toEqual(['host_namespace']);
  });

  it('a truncated body (Envoy cut it) is body_truncated before any decoding', () => {
    expect(inspect(kube('POST', POD), podBytes({ hostPID: true }), PB, true, settings).unreadable).toBe('body_truncated');
  });

  it('content type parameters do not matter', () => {
    expect(codes(inspect(kube('POST', POD), podBytes({ hostIPC: true }), 'Application/Vnd.Kubernetes.Protobuf; charset=x', false, settings))).toEqual(['host_namespace']);
  });

  it('never throws, whatever the bytes (property)', () => {
    const real = readdirSync(FIXTURES)
      .filter((f) => f.endsWith('.bin'))
      .map((f) => fixture(f));
    const mutated = fc
      .tuple(fc.constantFrom(...real), fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { maxLength: 8 }))
      .map(([base, edits]) => {
        const b = Buffer.from(base);
        for (const [at, v] of edits) b[4 + (at % (b.length - 4))] = v;
        return b;
      });
    const random = fc.uint8Array({ maxLength: 300 }).map((b) => Buffer.concat([MAGIC, b]));
    fc.assert(
      fc.property(fc.oneof(mutated, random), (body) => {
        const r = parseKubeProtobuf(body, 'create');
        expect(typeof r.ok).toBe('boolean');
        if (!r.ok) expect(r.outcome).toBe('body_unreadable');
        else expect(r.documents).toHaveLength(1);
      }),
      { numRuns: 3000 },
    );
  });
});

describe('Binding', () => {
  it('a protobuf Binding is read for the annotations kube merges into the pod, as its JSON form', () => {
    const obj = { apiVersion: 'v1', kind: 'Binding', metadata: { name: 'web-0', annotations: { 'container.apparmor.security.beta.kubernetes.io/app': 'unconfined' } } };
    const k = kube('POST', '/api/v1/namespaces/dev/pods/web-0/binding');
    const asJson = inspect(k, JSON.stringify(obj), 'application/json', false, settings);
    expect(codes(asJson)).toEqual(['apparmor_unconfined']);
    expect(inspect(k, encodeKube(obj), PB, false, settings)).toEqual(asJson);
    const plain = { apiVersion: 'v1', kind: 'Binding', metadata: { name: 'web-0' } };
    expect(inspect(k, encodeKube(plain), PB, false, settings)).toEqual({ violations: [] });
  });
});

describe('PersistentVolume', () => {
  // Built by hand from k8s.io/api core/v1 generated.proto (PersistentVolume.spec = 2,
  // PersistentVolumeSpec.persistentVolumeSource = 2, its hostPath = 3, local = 20, each .path = 1),
  // not from the decoder's own field table.
  const pv = (source: number, path: string) =>
    envelope('v1', 'PersistentVolume', Buffer.concat([lenField(1, lenField(1, 'scratch')), lenField(2, lenField(2, lenField(source, lenField(1, path))))]));
  const k = kube('POST', '/api/v1/persistentvolumes');

  it.each([
    [3, 'hostPath'],
    [20, 'local'],
  ])('a protobuf PersistentVolume with field %i (%s) is judged as its JSON form', (field, name) => {
    const asJson = inspect(k, JSON.stringify({ apiVersion: 'v1', kind: 'PersistentVolume', metadata: { name: 'scratch' }, spec: { [name]: { path: '/' } } }), 'application/json', false, settings);
    expect(codes(asJson)).toEqual(['host_path_volume']);
    expect(inspect(k, pv(field, '/'), PB, false, settings)).toEqual(asJson);
  });

  it('a PersistentVolume on another source (nfs = 5) is readable and flags nothing', () => {
    const r = inspect(k, pv(5, '/exports'), PB, false, settings);
    expect(r).toEqual({ violations: [] });
  });
});

describe('Service', () => {
  // By hand from core/v1 generated.proto: Service.spec = 2, ServiceSpec.externalIPs = 5,
  // Service.status = 3, ServiceStatus.loadBalancer = 1, LoadBalancerStatus.ingress = 1, LoadBalancerIngress.ip = 1.
  const meta = lenField(1, lenField(1, 'web'));
  it('externalIPs in a protobuf Service are judged as in its JSON form', () => {
    const k = kube('POST', '/api/v1/namespaces/dev/services');
    const body = envelope('v1', 'Service', Buffer.concat([meta, lenField(2, Buffer.concat([lenField(4, 'ClusterIP'), lenField(5, '169.254.169.254')]))]));
    const asJson = inspect(k, JSON.stringify({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'web' }, spec: { type: 'ClusterIP', externalIPs: ['169.254.169.254'] } }), 'application/json', false, settings);
    expect(codes(asJson)).toEqual(['service_external_ip']);
    expect(inspect(k, body, PB, false, settings)).toEqual(asJson);
  });

  it('a load balancer ingress IP written through services/status is judged as in its JSON form', () => {
    const k = kube('PUT', '/api/v1/namespaces/dev/services/web/status');
    const body = envelope('v1', 'Service', Buffer.concat([meta, lenField(3, lenField(1, lenField(1, lenField(1, '203.0.113.7'))))]));
    const asJson = inspect(k, JSON.stringify({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'web' }, status: { loadBalancer: { ingress: [{ ip: '203.0.113.7' }] } } }), 'application/json', false, settings);
    expect(codes(asJson)).toEqual(['service_external_ip']);
    expect(inspect(k, body, PB, false, settings)).toEqual(asJson);
  });

  it.each<[string, string, unknown[]]>([
    ['status: an ingress IP added by path', 'web/status', [{ op: 'add', path: '/status/loadBalancer/ingress/0/ip', value: '203.0.113.7' }]],
    ['status: an ingress appended', 'web/status', [{ op: 'add', path: '/status/loadBalancer/ingress/-', value: { ip: '203.0.113.7' } }]],
    ['spec: an external IP appended', 'web', [{ op: 'add', path: '/spec/externalIPs/-', value: '203.0.113.7' }]],
    ['spec: an external IP replaced', 'web', [{ op: 'replace', path: '/spec/externalIPs/0', value: '203.0.113.7' }]],
  ])('a JSON patch (%s) is service_external_ip', (_what, target, ops) => {
    const r = inspect(kube('PATCH', `/api/v1/namespaces/dev/services/${target}`), JSON.stringify(ops), 'application/json-patch+json', false, settings);
    expect(codes(r)).toEqual(['service_external_ip']);
  });

  it('a JSON patch removing the external IPs flags nothing', () => {
    const r = inspect(kube('PATCH', '/api/v1/namespaces/dev/services/web'), JSON.stringify([{ op: 'remove', path: '/spec/externalIPs' }]), 'application/json-patch+json', false, settings);
    expect(codes(r)).toEqual([]);
  });

  it('kubectl create service clusterip (ports only) is readable and flags nothing', () => {
    const body = envelope('v1', 'Service', Buffer.concat([meta, lenField(2, lenField(4, 'ClusterIP'))]));
    expect(inspect(kube('POST', '/api/v1/namespaces/dev/services'), body, PB, false, settings)).toEqual({ violations: [] });
  });
});

describe('Ingress', () => {
  // By hand from networking/v1 generated.proto: Ingress.metadata = 1 (ObjectMeta.annotations = 12,
  // entries {1: key, 2: value}), Ingress.spec = 2, IngressSpec.rules = 3, IngressRule.host = 1,
  // IngressRule.ingressRuleValue = 2 (inlined in JSON), IngressRuleValue.http = 1,
  // HTTPIngressRuleValue.paths = 1, HTTPIngressPath.path = 1, .pathType = 3.
  const annotation = (k: string, v: string) => lenField(12, Buffer.concat([lenField(1, k), lenField(2, v)]));
  const rule = (path: string) => lenField(3, Buffer.concat([lenField(1, 'shop.example.com'), lenField(2, lenField(1, lenField(1, Buffer.concat([lenField(1, path), lenField(3, 'ImplementationSpecific')]))))]));
  const ing = (annotations: Buffer[], path: string) => envelope('networking.k8s.io/v1', 'Ingress', Buffer.concat([lenField(1, Buffer.concat([lenField(1, 'web'), ...annotations])), lenField(2, rule(path))]));
  const asJson = (annotations: Record<string, string>, path: string) =>
    JSON.stringify({ apiVersion: 'networking.k8s.io/v1', kind: 'Ingress', metadata: { name: 'web', annotations }, spec: { rules: [{ host: 'shop.example.com', http: { paths: [{ path, pathType: 'ImplementationSpecific' }] } }] } });
  const k = kube('POST', '/apis/networking.k8s.io/v1/namespaces/shop/ingresses');

  it('a snippet annotation and a path that closes its location are judged as in the JSON form', () => {
    const pb = inspect(k, ing([annotation('nginx.ingress.kubernetes.io/server-snippet', 'location /x { alias /; }')], '/a";'), PB, false, settings);
    const json = inspect(k, asJson({ 'nginx.ingress.kubernetes.io/server-snippet': 'location /x { alias /; }' }, '/a";'), 'application/json', false, settings);
    expect(codes(json)).toEqual(['ingress_config_injection', 'ingress_config_injection']);
    expect(pb).toEqual(json);
  });

  it('kubectl create ingress with ordinary annotations is readable and flags nothing', () => {
    const r = inspect(k, ing([annotation('nginx.ingress.kubernetes.io/rewrite-target', '/$2')], '/api(/|$)(.*)'), PB, false, settings);
    expect(r).toEqual({ violations: [] });
  });

  it('an Ingress written through ingresses/status is judged by its annotations (kube keeps them)', () => {
    const r = inspect(kube('PUT', '/apis/networking.k8s.io/v1/namespaces/shop/ingresses/web/status'), ing([annotation('nginx.ingress.kubernetes.io/auth-url', 'http://x/;\nx')], '/'), PB, false, settings);
    expect(codes(r)).toEqual(['ingress_config_injection']);
  });
});

describe('Secret', () => {
  // core/v1 generated.proto: Secret.metadata = 1, Secret.data = 2 (map<string, bytes>, skipped),
  // Secret.type = 3.
  const tokenSettings = guardSettings('\nguardrails:\n  impersonation_privileged_users: ["system:serviceaccount:argocd:*"]\n');
  const secret = (sa: string, type: string) =>
    envelope('v1', 'Secret', Buffer.concat([lenField(1, Buffer.concat([lenField(1, 't'), lenField(12, Buffer.concat([lenField(1, 'kubernetes.io/service-account.name'), lenField(2, sa)]))])), lenField(2, Buffer.concat([lenField(1, 'ca.crt'), lenField(2, 'x')])), lenField(3, type)]));
  const k = kube('POST', '/api/v1/namespaces/argocd/secrets');

  it('a service-account-token Secret for a privileged account is judged as in its JSON form', () => {
    const json = inspect(k, JSON.stringify({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 't', annotations: { 'kubernetes.io/service-account.name': 'argocd-server' } }, data: { 'ca.crt': 'eA==' }, type: 'kubernetes.io/service-account-token' }), 'application/json', false, tokenSettings);
    expect(codes(json)).toEqual(['service_account_token_privileged']);
    expect(inspect(k, secret('argocd-server', 'kubernetes.io/service-account-token'), PB, false, tokenSettings)).toEqual(json);
  });

  it('an Opaque Secret with the same annotation is readable and flags nothing', () => {
    expect(inspect(k, secret('argocd-server', 'Opaque'), PB, false, tokenSettings)).toEqual({ violations: [] });
  });
});
