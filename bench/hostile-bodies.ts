/**
 * Warm wall time of guardrails' inspect() for attacker-shaped write bodies at 1× and 4× the size,
 * with examples/stepgate.yaml's guardrails (and its cluster policies). Linear code costs about 4×;
 * a shape growing much faster is super-linear. Median of 3 runs after 2 warm-up runs.
 *
 *   node --import tsx bench/hostile-bodies.ts     (HOSTILE_ONLY=rbac: only shapes whose name contains it)
 */
import { readFileSync } from 'node:fs';
import { parseConfig } from '../src/config/load.js';
import { compileAssurance } from '../src/core/assurance.js';
import { compileGuardrails } from '../src/guardrails/settings.js';
import { inspect } from '../src/guardrails/inspect.js';
import { kubeRequestInfo } from '../src/request/kube.js';
import { cborHead, encodeCbor } from '../test/support/cbor.js';

const cfg = parseConfig(readFileSync(new URL('../examples/stepgate.yaml', import.meta.url), 'utf8'), 'examples/stepgate.yaml');
const settings = compileGuardrails(cfg.guardrails, compileAssurance(cfg.assurance.levels))!;
const N = <T>(n: number, f: (i: number) => T): T[] => Array.from({ length: n }, (_, i) => f(i));
const J = JSON.stringify;
const img = 'registry.example.com/a@sha256:' + 'a'.repeat(64);
const ctr = (i: number, extra: object = {}) => ({ name: `c${i}`, image: img, ...extra });
const pod = (spec: object, meta: object = {}) => ({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', ...meta }, spec: { containers: [ctr(0)], ...spec } });
const deploy = (spec: object, meta: object = {}) => ({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'd', ...meta }, spec: { template: { spec: { containers: [ctr(0)], ...spec } } } });
const deepArr = (d: number) => '['.repeat(d) + ']'.repeat(d);
const nestObj = (d: number, leaf: string) => '{"a":'.repeat(d) + leaf + '}'.repeat(d);
const P = {
  pods: ['POST', '/api/v1/namespaces/dev/pods'],
  deploy: ['POST', '/apis/apps/v1/namespaces/dev/deployments'],
  deployPatch: ['PATCH', '/apis/apps/v1/namespaces/dev/deployments/d'],
  wf: ['POST', '/apis/argoproj.io/v1alpha1/namespaces/dev/workflows'],
  cr: ['POST', '/apis/example.io/v1/namespaces/dev/things'],
  mw: ['POST', '/apis/work.open-cluster-management.io/v1/namespaces/edge-0001/manifestworks'],
  bundle: ['POST', '/apis/fleet.cattle.io/v1alpha1/namespaces/fleet-default/bundles'],
  cm: ['POST', '/api/v1/namespaces/dev/configmaps'],
  secret: ['POST', '/api/v1/namespaces/dev/secrets'],
  cr_role: ['POST', '/apis/rbac.authorization.k8s.io/v1/clusterroles'],
  crb: ['POST', '/apis/rbac.authorization.k8s.io/v1/clusterrolebindings'],
  netpol: ['POST', '/apis/networking.k8s.io/v1/namespaces/dev/networkpolicies'],
  svc: ['POST', '/api/v1/namespaces/dev/services'],
  ns: ['POST', '/api/v1/namespaces'],
  ing: ['POST', '/apis/networking.k8s.io/v1/namespaces/dev/ingresses'],
  httproute: ['POST', '/apis/gateway.networking.k8s.io/v1/namespaces/dev/httproutes'],
  traefik: ['POST', '/apis/traefik.io/v1alpha1/namespaces/dev/ingressroutes'],
  vs: ['POST', '/apis/networking.istio.io/v1/namespaces/dev/virtualservices'],
  vwc: ['POST', '/apis/admissionregistration.k8s.io/v1/validatingwebhookconfigurations'],
  pv: ['POST', '/api/v1/persistentvolumes'],
} as const;
type Shape = [string, keyof typeof P, (k: number) => string | Uint8Array, string?];
const CT_JP = 'application/json-patch+json';
const CT_SMP = 'application/strategic-merge-patch+json';
const CT_MP = 'application/merge-patch+json';
const CT_CBOR = 'application/cbor';
/** A CBOR Pod whose `spec` is the given CBOR bytes (for shapes no JSON value can make). */
const cborPod = (spec: Uint8Array) => {
  const head = encodeCbor({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p' } });
  const out = Uint8Array.from([...head.subarray(0, 3), 0xa4, ...head.subarray(4), ...encodeCbor('spec', { selfDescribed: false })]);
  const all = new Uint8Array(out.length + spec.length);
  all.set(out);
  all.set(spec, out.length);
  return all;
};
/** `n` one-byte chunks of an indefinite-length byte string. */
const chunked = (n: number) => Uint8Array.from([0x5f, ...Array.from({ length: n }, () => [0x41, 0x61]).flat(), 0xff]);
const nestedCbor = (d: number) => {
  const out = new Uint8Array(d + 1).fill(0x81);
  out[d] = 0xa0;
  return out;
};
const bigMap = (n: number) => {
  const out: number[] = [];
  cborHead(out, 5, n);
  for (let i = 0; i < n; i++) out.push(...encodeCbor(`l${i}`, { selfDescribed: false }), 0x60);
  return Uint8Array.from(out);
};
const SHAPES: Shape[] = [
  ['pod many containers', 'pods', (k) => J(pod({ containers: N(3000 * k, (i) => ctr(i)) }))],
  ['pod many env', 'pods', (k) => J(pod({ containers: [ctr(0, { env: N(15000 * k, (i) => ({ name: `E${i}`, value: 'x' })) })] }))],
  ['pod many volumes+mounts', 'pods', (k) => J(pod({ volumes: N(4000 * k, (i) => ({ name: `v${i}`, secret: { secretName: `s${i}` } })), containers: [ctr(0, { volumeMounts: N(4000 * k, (i) => ({ name: `v${i}`, mountPath: `/m${i}` })) })] }))],
  ['pod many envFrom secrets', 'pods', (k) => J(pod({ containers: [ctr(0, { envFrom: N(8000 * k, (i) => ({ secretRef: { name: `s${i}` } })) })] }))],
  ['pod many capabilities', 'pods', (k) => J(pod({ containers: [ctr(0, { securityContext: { capabilities: { add: N(20000 * k, (i) => `CAP_${i}`) } } })] }))],
  ['pod many tolerations', 'pods', (k) => J(pod({ tolerations: N(8000 * k, (i) => ({ key: `k${i}`, operator: 'Exists' })) }))],
  ['pod many annotations', 'pods', (k) => J(pod({}, { annotations: Object.fromEntries(N(15000 * k, (i) => [`container.apparmor.security.beta.kubernetes.io/c${i}`, 'unconfined'])) }))],
  ['pod many labels', 'pods', (k) => J(pod({}, { labels: Object.fromEntries(N(15000 * k, (i) => [`l${i}`, 'v'])) }))],
  ['pod many ownerReferences', 'pods', (k) => J(pod({}, { ownerReferences: N(6000 * k, (i) => ({ apiVersion: 'v1', kind: 'Node', name: `n${i}`, uid: `${i}` })) }))],
  ['pod long image ////', 'pods', (k) => J(pod({ containers: [ctr(0, { image: '/'.repeat(200_000 * k) })] }))],
  ['pod long image ....', 'pods', (k) => J(pod({ containers: [ctr(0, { image: 'a.'.repeat(100_000 * k) + ':1' })] }))],
  ['pod long image a:a:a@', 'pods', (k) => J(pod({ containers: [ctr(0, { image: 'a:'.repeat(100_000 * k) + '@' })] }))],
  ['pod many images (registries)', 'pods', (k) => J(pod({ containers: N(4000 * k, (i) => ctr(i, { image: `r${i}.evil.example/${'x/'.repeat(20)}a:1` })) }))],
  ['deployment deep CR-ish field', 'deploy', (k) => J(deploy({ x: '__D__' })).replace('"__D__"', N(2000 * k, () => deepArr(120)).join(',').replace(/^/, '[').replace(/$/, ']'))],
  ['deployment long key', 'deploy', (k) => J(deploy({}, { annotations: { ['k'.repeat(500_000 * k)]: 'v' } }))],
  ['json with 1 key repeated-prefix', 'cm', (k) => J({ kind: 'ConfigMap', metadata: { name: 'c' }, data: Object.fromEntries(N(20000 * k, (i) => ['a'.repeat(30) + i, 'v'])) })],
  ['json escaped keys', 'cm', (k) => `{"kind":"ConfigMap","metadata":{"name":"c"},"data":{${N(20000 * k, (i) => `"\\u0061${i}":"v"`).join(',')}}}`],
  ['json lone surrogates keys', 'cm', (k) => `{"kind":"ConfigMap","metadata":{"name":"c"},"data":{${N(20000 * k, (i) => `"\\ud800${i}":"v"`).join(',')}}}`],
  ['json string of backslashes', 'cm', (k) => `{"kind":"ConfigMap","metadata":{"name":"c"},"data":{"a":"${'\\\\'.repeat(300_000 * k)}"}}`],
  ['json \\" runs', 'cm', (k) => `{"kind":"ConfigMap","metadata":{"name":"c"},"data":{"a":"${'\\\\\\"'.repeat(150_000 * k)}"}}`],
  ['json deep 127 many times', 'cr', (k) => `{"apiVersion":"example.io/v1","kind":"Thing","metadata":{"name":"t"},"spec":[${N(1500 * k, () => nestObj(120, '1')).join(',')}]}`],
  ['json deep 127 w/ containers', 'cr', (k) => `{"apiVersion":"example.io/v1","kind":"Thing","metadata":{"name":"t"},"spec":[${N(400 * k, () => nestObj(100, J({ containers: [ctr(0)], volumes: [{ name: 'v', hostPath: { path: '/' } }] }))).join(',')}]}`],
  ['CR many templates', 'wf', (k) => J({ apiVersion: 'argoproj.io/v1alpha1', kind: 'Workflow', metadata: { name: 'w' }, spec: { templates: N(4000 * k, (i) => ({ name: `t${i}`, container: ctr(i), volumes: [{ name: 'v', hostPath: { path: '/' } }] })) } })],
  ['Workflow many YAML podSpecPatch', 'wf', (k) => J({ apiVersion: 'argoproj.io/v1alpha1', kind: 'Workflow', metadata: { name: 'w' }, spec: { templates: N(125 * k, (i) => ({ name: `t${i}`, podSpecPatch: `x: [${'a,'.repeat(996)}a]` })) } })],
  ['CR volumes × mounts', 'cr', (k) => J({ apiVersion: 'example.io/v1', kind: 'Thing', metadata: { name: 't' }, spec: { volumes: N(8000 * k, (i) => ({ name: `v${i}`, hostPath: { path: '/tmp' } })), driver: { volumeMounts: N(8000 * k, (i) => ({ name: `v${i}`, mountPath: `/m${i}` })) } } })],
  ['CR tekton steps', 'cr', (k) => J({ apiVersion: 'tekton.dev/v1', kind: 'Task', metadata: { name: 't' }, spec: { steps: N(4000 * k, (i) => ctr(i)), stepTemplate: { env: [] }, volumes: N(2000 * k, (i) => ({ name: `v${i}`, emptyDir: {} })) } })],
  ['CR many labels maps', 'cr', (k) => J({ apiVersion: 'example.io/v1', kind: 'Thing', metadata: { name: 't' }, spec: { items: N(8000 * k, (i) => ({ labels: { 'kueue.x-k8s.io/priority-class': `p${i}` }, annotations: { a: 'b' } })) } })],
  ['json patch many ops', 'deployPatch', (k) => J(N(2400 * k, (i) => ({ op: 'add', path: `/spec/template/spec/containers/${i}`, value: ctr(i) }))), CT_JP],
  ['json patch same array, inserts', 'deployPatch', (k) => J(N(2400 * k, () => ({ op: 'add', path: '/spec/template/spec/containers/0/env/0', value: { name: 'a', value: 'b' } }))), CT_JP],
  ['json patch big index', 'deployPatch', (k) => J(N(2400 * k, (i) => ({ op: 'replace', path: `/spec/template/spec/containers/${'9'.repeat(50)}${i}/image`, value: 'x' }))), CT_JP],
  ['json patch ~1 paths', 'deployPatch', (k) => J(N(2400 * k, (i) => ({ op: 'add', path: `/metadata/annotations/${'~1'.repeat(60)}${i}`, value: 'x' }))), CT_JP],
  ['json patch array value then deep', 'deployPatch', (k) => J([{ op: 'add', path: '/spec/template/spec/containers', value: N(2000 * k, (i) => ctr(i)) }, ...N(2000 * k, (i) => ({ op: 'add', path: `/spec/template/spec/containers/${i}/securityContext`, value: { privileged: false } }))]), CT_JP],
  ['smp $setElementOrder', 'deployPatch', (k) => J({ spec: { template: { spec: { $setElementOrder: 1, '$setElementOrder/containers': N(20000 * k, (i) => ({ name: `c${i}` })), containers: N(2000 * k, (i) => ctr(i)) } } } }), CT_SMP],
  ['smp $deleteFromPrimitiveList', 'deployPatch', (k) => J({ spec: { template: { spec: Object.fromEntries(N(10000 * k, (i) => [`$deleteFromPrimitiveList/f${i}`, ['a', 'b']])) } } }), CT_SMP],
  ['smp $patch many', 'deployPatch', (k) => J({ spec: { template: { spec: { containers: N(8000 * k, (i) => ({ name: `c${i}`, $patch: 'delete' })) } } } }), CT_SMP],
  ['merge patch nulls', 'deployPatch', (k) => J({ metadata: { labels: Object.fromEntries(N(20000 * k, (i) => [`l${i}`, null])) } }), CT_MP],
  ['clusterrole many rules', 'cr_role', (k) => J({ apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', metadata: { name: 'r' }, rules: N(6000 * k, (i) => ({ apiGroups: [''], resources: [`r${i}`], verbs: ['get', 'list'] })) })],
  ['clusterrole wildcard rules', 'cr_role', (k) => J({ apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', metadata: { name: 'r' }, rules: N(6000 * k, (i) => ({ apiGroups: ['*'], resources: ['*', `r${i}`], verbs: ['*', 'escalate', 'bind', 'impersonate'] })) })],
  ['clusterrole many verbs×resources', 'cr_role', (k) => J({ apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', metadata: { name: 'r' }, rules: N(20 * k, () => ({ apiGroups: N(300, (i) => `g${i}`), resources: N(300, (i) => `r${i}`), verbs: N(300, (i) => `v${i}`) })) })],
  ['clusterrole aggregation selectors', 'cr_role', (k) => J({ apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', metadata: { name: 'r' }, aggregationRule: { clusterRoleSelectors: N(6000 * k, (i) => ({ matchLabels: { [`k${i}`]: 'v' }, matchExpressions: [{ key: 'a', operator: 'In', values: ['x'] }] })) } })],
  ['crb many subjects', 'crb', (k) => J({ apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRoleBinding', metadata: { name: 'b' }, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'cluster-admin' }, subjects: N(8000 * k, (i) => ({ kind: 'User', name: `system:serviceaccount:kube-system:${'x'.repeat(20)}${i}` })) })],
  ['netpol many peers', 'netpol', (k) => J({ apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name: 'n' }, spec: { podSelector: {}, ingress: N(200 * k, () => ({ from: N(40, (i) => ({ ipBlock: { cidr: `10.${i}.0.0/16`, except: ['10.0.0.0/24'] } })), ports: [{ port: 80 }] })) } })],
  ['service many ports/ips', 'svc', (k) => J({ apiVersion: 'v1', kind: 'Service', metadata: { name: 's' }, spec: { type: 'LoadBalancer', externalIPs: N(8000 * k, (i) => `10.0.${i >> 8 & 255}.${i & 255}`), ports: N(4000 * k, (i) => ({ port: i + 1 })) } })],
  ['namespace many labels', 'ns', (k) => J({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'prod-x', labels: Object.fromEntries(N(15000 * k, (i) => [`pod-security.kubernetes.io/enforce${i}`, 'privileged'])) } })],
  ['secret sa-token many annotations', 'secret', (k) => J({ apiVersion: 'v1', kind: 'Secret', type: 'kubernetes.io/service-account-token', metadata: { name: 's', annotations: Object.fromEntries(N(15000 * k, (i) => [`kubernetes.io/service-account.name${i}`, 'x'])) } })],
  ['helm record big release', 'secret', (k) => J({ apiVersion: 'v1', kind: 'Secret', type: 'helm.sh/release.v1', metadata: { name: 'sh.helm.release.v1.x.v1', labels: { owner: 'helm' } }, data: { release: 'A'.repeat(800_000 * k) } })],
  ['ingress many rules', 'ing', (k) => J({ apiVersion: 'networking.k8s.io/v1', kind: 'Ingress', metadata: { name: 'i', annotations: { 'nginx.ingress.kubernetes.io/server-alias': N(8000 * k, (i) => `h${i}.example.com`).join(' ') } }, spec: { rules: N(8000 * k, (i) => ({ host: `h${i}.example.com` })) } })],
  ['httproute many hosts', 'httproute', (k) => J({ apiVersion: 'gateway.networking.k8s.io/v1', kind: 'HTTPRoute', metadata: { name: 'r' }, spec: { hostnames: N(15000 * k, (i) => `h${i}.shop.example.com`) } })],
  ['httproute wildcard hosts', 'httproute', (k) => J({ apiVersion: 'gateway.networking.k8s.io/v1', kind: 'HTTPRoute', metadata: { name: 'r' }, spec: { hostnames: N(15000 * k, (i) => `*.h${i}.example.com`) } })],
  ['httproute long host', 'httproute', (k) => J({ apiVersion: 'gateway.networking.k8s.io/v1', kind: 'HTTPRoute', metadata: { name: 'r' }, spec: { hostnames: ['a.'.repeat(200_000 * k) + 'com'] } })],
  ['traefik many routes', 'traefik', (k) => J({ apiVersion: 'traefik.io/v1alpha1', kind: 'IngressRoute', metadata: { name: 'r' }, spec: { routes: N(6000 * k, (i) => ({ match: `Host(\`h${i}.example.com\`) && PathPrefix(\`/x\`)` })) } })],
  ['traefik long HostRegexp {{{', 'traefik', (k) => J({ apiVersion: 'traefik.io/v1alpha1', kind: 'IngressRoute', metadata: { name: 'r' }, spec: { routes: [{ match: `HostRegexp(\`${'{a:'.repeat(100_000 * k)}\`)` }] } })],
  ['traefik long HostRegexp }}}', 'traefik', (k) => J({ apiVersion: 'traefik.io/v1alpha1', kind: 'IngressRoute', metadata: { name: 'r' }, spec: { routes: [{ match: `HostRegexp(\`${'{a}'.repeat(100_000 * k)}\`)` }] } })],
  ['traefik many && terms', 'traefik', (k) => J({ apiVersion: 'traefik.io/v1alpha1', kind: 'IngressRoute', metadata: { name: 'r' }, spec: { routes: [{ match: N(20000 * k, (i) => `PathPrefix(\`/p${i}\`)`).join(' && ') }] } })],
  ['traefik !!!!', 'traefik', (k) => J({ apiVersion: 'traefik.io/v1alpha1', kind: 'IngressRoute', metadata: { name: 'r' }, spec: { routes: [{ match: '!'.repeat(200_000 * k) + 'Host(`a.example.com`)' }] } })],
  ['traefik long backtick string', 'traefik', (k) => J({ apiVersion: 'traefik.io/v1alpha1', kind: 'IngressRoute', metadata: { name: 'r' }, spec: { routes: [{ match: 'Host(`' + 'a'.repeat(300_000 * k) }] } })],
  ['virtualservice many hosts', 'vs', (k) => J({ apiVersion: 'networking.istio.io/v1', kind: 'VirtualService', metadata: { name: 'v' }, spec: { hosts: N(15000 * k, (i) => `h${i}.example.com`), gateways: N(2000 * k, (i) => `g${i}/gw`) } })],
  ['webhook many rules', 'vwc', (k) => J({ apiVersion: 'admissionregistration.k8s.io/v1', kind: 'ValidatingWebhookConfiguration', metadata: { name: 'w' }, webhooks: N(300 * k, (i) => ({ name: `w${i}.example.com`, rules: N(20, () => ({ operations: ['*'], apiGroups: ['*'], apiVersions: ['*'], resources: ['*/*'] })), failurePolicy: 'Ignore' })) })],
  ['pv many hostpaths', 'pv', (k) => J({ apiVersion: 'v1', kind: 'PersistentVolume', metadata: { name: 'pv' }, spec: { hostPath: { path: '/'.repeat(200_000 * k) }, accessModes: N(20000 * k, () => 'ReadWriteOnce') } })],
  // Objects carried for a controller (rules/carried.ts): each is judged as its own write, so a body
  // of many, or of wrappers nested in wrappers, must stay linear (past 100 or 3 deep: unread).
  ['manifestwork many manifests', 'mw', (k) => J({ apiVersion: 'work.open-cluster-management.io/v1', kind: 'ManifestWork', metadata: { name: 'w' }, spec: { workload: { manifests: N(1500 * k, (i) => pod({ containers: [ctr(i)] }, { name: `p${i}`, namespace: 'ran' })) } } })],
  ['manifestwork 90 deployments', 'mw', (k) => J({ apiVersion: 'work.open-cluster-management.io/v1', kind: 'ManifestWork', metadata: { name: 'w' }, spec: { workload: { manifests: N(90, (i) => deploy({ containers: N(12 * k, (j) => ctr(j)) }, { name: `d${i}`, namespace: 'ran' })) } } })],
  ['manifestwork nested wrappers', 'mw', (k) => {
    let o: object = pod({});
    // 20 deep stays within the parser's depth; each level is judged again by the one above, to 3.
    for (let d = 0; d < 20; d++) o = { apiVersion: 'work.open-cluster-management.io/v1', kind: 'ManifestWork', metadata: { name: `w${d}` }, spec: { workload: { manifests: [o, ...N(40 * k, (i) => pod({}, { name: `p${d}-${i}` }))] } } };
    return J(o);
  }],
  ['fleet bundle many files', 'bundle', (k) => J({ apiVersion: 'fleet.cattle.io/v1alpha1', kind: 'Bundle', metadata: { name: 'b' }, spec: { resources: N(2000 * k, (i) => ({ name: `f${i}.yaml`, content: `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c${i}}\ndata: {a: b}\n` })) } })],
  ['List of pods', 'pods', (k) => J({ apiVersion: 'v1', kind: 'List', items: N(1500 * k, (i) => pod({ containers: [ctr(i)] }, { name: `p${i}` })) })],
  ['yaml many keys (128K)', 'pods', (k) => 'apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\n  labels:\n' + N(1800 * k, (i) => `    l${i}: v`).join('\n') + '\n', 'application/yaml'],
  ['yaml aliases', 'pods', (k) => 'apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\na: &a [' + N(50, () => 'x').join(',') + ']\nb: [' + N(90 * k, () => '*a').join(',') + ']\n', 'application/yaml'],
  ['yaml long plain digits', 'pods', (k) => 'apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\nx: ' + '1_'.repeat(15_000 * k) + '\n', 'application/yaml'],
  ['cbor pod, 1,000 containers of 50 env each', 'pods', (k) => encodeCbor(pod({ containers: N(250 * k, (i) => ctr(i, { env: N(50, (j) => ({ name: `E${j}`, value: 'x' })) })) })), CT_CBOR],
  ['cbor long annotation value', 'pods', (k) => encodeCbor(pod({}, { annotations: { a: 'x'.repeat(200_000 * k) } })), CT_CBOR],
  ['cbor indefinite string of 1-byte chunks', 'pods', (k) => cborPod(Uint8Array.from([0xa1, 0x41, 0x78, ...chunked(40_000 * k)])), CT_CBOR],
  ['cbor nested 100,000 deep (refused at 64)', 'pods', (k) => cborPod(nestedCbor(100_000 * k)), CT_CBOR],
  ['cbor map past 1,024 pairs (refused)', 'pods', (k) => cborPod(bigMap(20_000 * k)), CT_CBOR],
  ['yaml long plain +.', 'pods', (k) => 'apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\nx: ' + '+' + '0'.repeat(30_000 * k) + 'e\n', 'application/yaml'],
];

const only = process.env.HOSTILE_ONLY;
function run(kind: keyof typeof P, body: string | Uint8Array, ct: string): [number, string] {
  const [m, p] = P[kind];
  const kube = kubeRequestInfo(m, p, '', () => undefined);
  let out = '';
  const once = () => {
    try {
      const r = inspect(kube, body, ct, false, settings);
      out = `${r.violations.length} violations${r.unreadable ? ` ${r.unreadable}` : ''}`;
    } catch (e) {
      out = `THREW ${(e as Error).message.slice(0, 60)}`;
    }
  };
  once();
  once();
  const ms: number[] = [];
  for (let i = 0; i < 3; i++) {
    const t = performance.now();
    once();
    ms.push(performance.now() - t);
  }
  return [ms.sort((a, b) => a - b)[1]!, out];
}
console.log('| shape | 1× KiB | 1× ms | 4× ms | ratio | outcome (4×) |\n|---|--:|--:|--:|--:|---|');
for (const [name, kind, make, ct] of SHAPES.filter(([n]) => !only || n.includes(only))) {
  const b1 = make(1);
  const [t1] = run(kind, b1, ct ?? 'application/json');
  const b4 = make(4);
  const [t4, out] = run(kind, b4, ct ?? 'application/json');
  console.log(`| ${name} | ${(b1.length / 1024).toFixed(0)} | ${t1.toFixed(1)} | ${t4.toFixed(1)} | ${(t4 / t1).toFixed(1)} | ${out} |`);
}
