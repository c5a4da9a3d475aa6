/**
 * In-process CPU per body: the same Deployment write as JSON, as CBOR the way kube's client encodes
 * it (tag 55799, byte strings), and as CBOR with text strings, side by side. Two rows
 * each: `parseBody` alone (what the body reader costs), and `inspect` (the whole guardrail pass,
 * which decodes the body once or more). Two Deployments: what `kubectl create` sends, and a
 * controller's update of the same object (status, managedFields, annotations: ~4 KB). Variants
 * alternate A B C, C B A over the rounds; the medians of the counted rounds are printed.
 *
 *   node --import tsx bench/cbor-body.ts   (BENCH_ROUNDS=9, BENCH_ITERATIONS=5000)
 */
import { Buffer } from 'node:buffer';
import { loadavg } from 'node:os';
import { inspect } from '../src/guardrails/inspect.js';
import { parseBody } from '../src/guardrails/parse.js';
import { encodeCbor } from '../test/support/cbor.js';
import { guardSettings, kube } from '../test/support/guardrails.js';
import { median } from './stats.mjs';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 9);
const ITERATIONS = Number(process.env.BENCH_ITERATIONS ?? 5000);

const labels = { app: 'checkout', 'app.kubernetes.io/name': 'checkout', 'app.kubernetes.io/part-of': 'shop', team: 'payments' };
const created = {
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name: 'checkout', namespace: 'dev', labels },
  spec: {
    replicas: 3,
    selector: { matchLabels: { app: 'checkout' } },
    template: {
      metadata: { labels },
      spec: {
        serviceAccountName: 'checkout',
        securityContext: { runAsNonRoot: true, runAsUser: 10001, seccompProfile: { type: 'RuntimeDefault' } },
        containers: [
          {
            name: 'app',
            image: `registry.example.com/shop/checkout@sha256:${'cd'.repeat(32)}`,
            ports: [{ name: 'http', containerPort: 8080, protocol: 'TCP' }],
            env: [
              { name: 'LOG_LEVEL', value: 'info' },
              { name: 'DB_HOST', value: 'postgres.dev.svc' },
              { name: 'DB_PASSWORD', valueFrom: { secretKeyRef: { name: 'checkout-db', key: 'password' } } },
            ],
            resources: { requests: { cpu: '100m', memory: '128Mi' }, limits: { memory: '256Mi' } },
            readinessProbe: { httpGet: { path: '/healthz', port: 8080 }, periodSeconds: 5 },
            livenessProbe: { httpGet: { path: '/healthz', port: 8080 }, initialDelaySeconds: 10 },
            securityContext: { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } },
            volumeMounts: [{ name: 'tmp', mountPath: '/tmp' }],
          },
        ],
        volumes: [{ name: 'tmp', emptyDir: {} }],
      },
    },
  },
};
const managedFields = ['kubectl-create', 'kube-controller-manager'].map((manager) => ({
  manager,
  operation: 'Update',
  apiVersion: 'apps/v1',
  time: '2026-12-07T10:00:00Z',
  fieldsType: 'FieldsV1',
  fieldsV1: { 'f:metadata': { 'f:labels': Object.fromEntries(Object.keys(labels).map((k) => [`f:${k}`, {}])) }, 'f:spec': { 'f:replicas': {}, 'f:template': { 'f:spec': { 'f:containers': { 'k:{"name":"app"}': { '.': {}, 'f:image': {}, 'f:env': {}, 'f:resources': {} } } } } } },
}));
const updated = {
  ...created,
  metadata: {
    ...created.metadata,
    uid: '6f1c2c8e-2b1e-4c55-9d7a-3c0f8f1b2a11',
    resourceVersion: '81234567',
    generation: 7,
    creationTimestamp: '2026-12-01T09:00:00Z',
    annotations: { 'deployment.kubernetes.io/revision': '7', 'kubectl.kubernetes.io/last-applied-configuration': JSON.stringify(created) },
    managedFields,
  },
  status: {
    observedGeneration: 7,
    replicas: 3,
    updatedReplicas: 3,
    readyReplicas: 3,
    availableReplicas: 3,
    conditions: ['Available', 'Progressing'].map((type) => ({ type, status: 'True', lastUpdateTime: '2026-12-07T10:00:00Z', lastTransitionTime: '2026-12-01T09:00:00Z', reason: 'MinimumReplicasAvailable', message: 'Deployment has minimum availability.' })),
  },
};

const settings = guardSettings();
const BODIES = [
  ['kubectl create', kube('POST', '/apis/apps/v1/namespaces/dev/deployments'), 'create', created],
  ['controller update', kube('PUT', '/apis/apps/v1/namespaces/dev/deployments/checkout'), 'update', updated],
] as const;
const variants = (doc: object): [string, Uint8Array, string][] => [
  ['JSON', Buffer.from(JSON.stringify(doc)), 'application/json'],
  ['CBOR (kube)', encodeCbor(doc), 'application/cbor'],
  ['CBOR (text strings)', encodeCbor(doc, { strings: 'text' }), 'application/cbor'],
];

let sink = 0;
console.log(`load average ${loadavg().map((x) => x.toFixed(1)).join(' ')}; ${ROUNDS - 1} counted rounds of ${ITERATIONS}; CPU µs per call (median of rounds)`);
console.log('| body | what | JSON | CBOR (kube) | CBOR (text strings) | CBOR (kube) / JSON |');
console.log('|---|---|--:|--:|--:|--:|');
for (const [label, k, verb, doc] of BODIES) {
  const vs = variants(doc);
  for (const [v, bytes, type] of vs) {
    const p = parseBody(bytes, type, false, verb);
    if (!p.ok) throw new Error(`${label} ${v}: ${p.detail}`);
    const json = inspect(k, vs[0]![1], vs[0]![2], false, settings);
    if (JSON.stringify(inspect(k, bytes, type, false, settings)) !== JSON.stringify(json)) throw new Error(`${label} ${v}: judged otherwise than JSON`);
  }
  const steps: [string, (bytes: Uint8Array, type: string) => void][] = [
    ['parseBody', (b, t) => void (sink += parseBody(b, t, false, verb).ok ? 1 : 0)],
    ['inspect', (b, t) => void (sink += inspect(k, b, t, false, settings).violations.length)],
  ];
  for (const [what, step] of steps) {
    const samples: number[][] = vs.map(() => []);
    for (let round = 0; round < ROUNDS; round++) {
      const order = round % 2 === 0 ? vs.map((_, i) => i) : vs.map((_, i) => vs.length - 1 - i);
      for (const i of order) {
        const [, bytes, type] = vs[i]!;
        const before = process.cpuUsage();
        for (let n = 0; n < ITERATIONS; n++) step(bytes, type);
        const used = process.cpuUsage(before);
        if (round > 0) samples[i]!.push((used.user + used.system) / ITERATIONS);
      }
    }
    const m = samples.map((s) => median(s));
    const cells = m.map((x) => x.toFixed(2));
    console.log(`| ${label} (JSON ${vs[0]![1].length} B, CBOR ${vs[1]![1].length} B) | ${what} | ${cells.join(' | ')} | ${(m[1]! / m[0]!).toFixed(2)} |`);
  }
}
if (sink < 0) console.log(sink);
