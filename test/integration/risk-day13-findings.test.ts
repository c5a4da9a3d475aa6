import { describe, expect, it } from 'vitest';
import { reasonOf, type CheckResponse } from '../support/grpc-client.js';
import { exampleServiceForFile } from '../support/workday-service.js';
import type { Login } from '../support/workday.js';
import { findingRequests, rules, signIn, type FindingOpts, type Step } from '../support/findings.js';
import { encodeKube } from '../support/kube-protobuf.js';

/**
 * What the thirteenth replayed day (test/support/workday13.ts, docs/risk.md "Day 13") found
 * allowed, through the real gRPC server running examples/stepgate.yaml on a virtual clock. One is
 * fixed in the example (a namespace's ResourceQuota or LimitRange deleted: quota-changes), three by
 * guardrails (a reserved PriorityClass: priority_class_reserved; a runtimeClassName removed:
 * runtime_class_removed, each with its class's other shapes at the end; a sidecar inserted by a
 * JSON patch: container_added, session 50), one in the engine (ten
 * Nodes cordoned at machine pace); the rest are `it.fails`: each asserts the safe outcome and
 * states, in its comment, why stepgate cannot reach it from the request.
 */

const s = exampleServiceForFile();
const WED = Date.UTC(2027, 10, 10, 9, 0, 0);
const THU = Date.UTC(2027, 10, 11, 9, 0, 0);
const H = 3_600_000;
const HOST = 'kubernetes.euw1.ember.example';
const OFFICE = '10.40.1.45';
const PARTNER_VPN = '185.103.118.42';
const KUBECTL = 'kubectl/v1.31.3 (darwin/arm64) kubernetes/c83cbee';
const KUBECTL_WIN = 'kubectl/v1.31.3 (windows/amd64) kubernetes/c83cbee';
const JSON_CT = 'application/json';
const SMP = 'application/strategic-merge-patch+json';
const MERGE = 'application/merge-patch+json';
const JSONPATCH = 'application/json-patch+json';
const APPLY = 'application/apply-patch+yaml';
const YAML_CT = 'application/yaml';
const PROTOBUF = 'application/vnd.kubernetes.protobuf';

const { send, routine, twoDays } = findingRequests(s, { host: HOST, source: OFFICE, ua: KUBECTL, firstDay: WED, secondDay: THU });

const deployment = (name: string, ns: string, spec: Record<string, unknown>, replicas: number) =>
  JSON.stringify({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name, namespace: ns }, spec: { replicas, selector: { matchLabels: { app: name } }, template: { metadata: { labels: { app: name } }, spec } } });

/** A contractor's day in the tools namespaces, through the partner's VPN, kubectl on Windows. */
const CONTRACTOR: Step[] = [
  ['GET', '/api/v1/namespaces/tools-dev/pods?limit=500'],
  ['GET', '/api/v1/namespaces/tools-dev/resourcequotas?limit=500'],
  ['GET', '/api/v1/namespaces/tools-staging/secrets/asset-indexer-s3'],
  ['PATCH', '/apis/apps/v1/namespaces/tools-dev/deployments/asset-indexer?fieldManager=kubectl-set', JSON.stringify({ spec: { template: { spec: { containers: [{ name: 'asset-indexer', image: 'registry.ember.example/tools/asset-indexer:1.30.0' }] } } } }), SMP],
];
const VIA_PARTNER: FindingOpts = { source: PARTNER_VPN, ua: KUBECTL_WIN };

describe("a namespace's resource caps, with examples/stepgate.yaml", () => {
  it('a ResourceQuota or LimitRange deleted in a dev namespace asks a sign-in within 15 minutes (quota-changes); reading them does not', async () => {
    const login = await twoDays('d13f-contractor-a@ember.example', CONTRACTOR, VIA_PARTNER);
    for (const path of ['/api/v1/namespaces/tools-dev/resourcequotas/tools-compute', '/api/v1/namespaces/tools-dev/limitranges/tools-defaults']) {
      const res = await send(login, THU + 6.5 * H, 'DELETE', path, VIA_PARTNER);
      expect(reasonOf(res), rules(res)).toBe('auth_too_old');
      expect(rules(res)).toContain('quota-changes');
    }
    const raised = await send(login, THU + 6.5 * H, 'PATCH', '/api/v1/namespaces/tools-dev/resourcequotas/tools-compute', { ...VIA_PARTNER, body: JSON.stringify({ spec: { hard: { 'requests.cpu': '100000' } } }), contentType: MERGE });
    expect(reasonOf(raised), rules(raised)).toBe('auth_too_old');
  });

  // Fixed (guardrail): the scheduler preempts lower-priority pods for one whose priorityClassName
  // names a higher class. The class is a name whose value is in the cluster, so the operator says
  // which are reserved to which namespaces (guardrails.reserved_priority_classes); the example
  // reserves `…-critical` to production, and the two system classes stay kube-system's.
  it('a Deployment in a dev namespace with the top PriorityClass is asked more than the everyday sign-in', async () => {
    const login = await twoDays('d13f-contractor-b@ember.example', CONTRACTOR, VIA_PARTNER);
    const res = await send(login, THU + 7 * H, 'POST', '/apis/apps/v1/namespaces/tools-dev/deployments?fieldManager=kubectl-create', {
      ...VIA_PARTNER,
      body: deployment('asset-cache-warm', 'tools-dev', { priorityClassName: 'game-critical', containers: [{ name: 'warm', image: 'registry.ember.example/tools/asset-indexer:1.31.0', resources: { requests: { cpu: '15', memory: '56Gi' } } }] }, 60),
    });
    expect(reasonOf(res), rules(res)).not.toBe('allowed');
  });
});

/** The release lead's production patches, as on launch night. */
const RELEASE: Step[] = [
  ['GET', '/apis/apps/v1/namespaces/gameserver-prod/deployments?limit=500'],
  ['PATCH', '/apis/apps/v1/namespaces/gameserver-prod/deployments/gameserver/scale', JSON.stringify({ spec: { replicas: 120 } }), MERGE],
  ['PATCH', '/apis/apps/v1/namespaces/gameserver-prod/deployments/ugc-sandbox?fieldManager=kubectl-rollout', JSON.stringify({ spec: { template: { metadata: { annotations: { 'kubectl.kubernetes.io/restartedAt': '2027-11-11T10:00:00Z' } } } } }), SMP],
  ['GET', '/apis/apps/v1/namespaces/matchmaking-prod/deployments/matchmaking'],
  ['PATCH', '/apis/apps/v1/namespaces/matchmaking-prod/deployments/matchmaking?fieldManager=kubectl-rollout', JSON.stringify({ spec: { template: { metadata: { annotations: { 'kubectl.kubernetes.io/restartedAt': '2027-11-11T10:00:00Z' } } } } }), SMP],
  ['PATCH', '/api/v1/nodes/ip-10-60-33-18.eu-west-1.compute.internal', JSON.stringify({ spec: { unschedulable: true } }), SMP],
];

describe("production workloads, from the victim's own laptop, network, client and token, in the working set (open)", () => {

  // Fixed (guardrail): removing runtimeClassName moves the sandboxed Deployment's pods to the node's
  // default runtime (runc), players' mods then on the host kernel. What the Deployment runs now is
  // in the cluster, but a patch that takes the class away says so itself: runtime_class_removed,
  // in every namespace (and in guardrails.sandboxed_namespaces any class outside the list).
  it('a JSON patch removing runtimeClassName from a production Deployment is asked more than a production write', async () => {
    const login = await twoDays('d13f-release-a@ember.example', RELEASE);
    const res = await send(login, THU + 7 * H, 'PATCH', '/apis/apps/v1/namespaces/gameserver-prod/deployments/ugc-sandbox', { body: JSON.stringify([{ op: 'remove', path: '/spec/template/spec/runtimeClassName' }]), contentType: JSONPATCH });
    expect(reasonOf(res), rules(res)).not.toBe('allowed');
  });

  // Fixed (guardrail, session 50): a container added to a production Deployment's template
  // (Telepresence's traffic-agent, or anyone's sidecar) by a JSON patch `add` that inserts it into
  // the template's containers: container_added (elevated: two factors within 15 minutes), in every
  // workload kind. A release's patches change the containers a template has (`set image`, a
  // replace of containers/0); none inserts one (in figures, replayed days 1–13, first seed each: 103
  // of 412 routine production workload writes carry a container with its image, none is a JSON
  // patch appending a container).
  it('a traffic-agent sidecar added to a production Deployment is asked more than a production write', async () => {
    const login = await twoDays('d13f-release-b@ember.example', RELEASE);
    const res = await send(login, THU + 6 * H, 'PATCH', '/apis/apps/v1/namespaces/matchmaking-prod/deployments/matchmaking', {
      body: JSON.stringify([{ op: 'add', path: '/spec/template/spec/containers/-', value: { name: 'traffic-agent', image: 'ghcr.io/telepresenceio/tel2:2.20.2', args: ['agent'], ports: [{ name: 'tm-http', containerPort: 9900 }], env: [{ name: '_TEL_AGENT_MANAGER_HOST', value: '45.86.162.44' }] } }]),
      contentType: JSONPATCH,
    });
    expect(reasonOf(res), rules(res)).not.toBe('allowed');
    expect(rules(res)).toContain('guardrail:container_added');
  });

  // Open: the same sidecar by strategic merge patch (`kubectl patch --type strategic`, or Lens'
  // editor) is a release's body: kube merges containers by name, so a container whose name the
  // stored template lacks is added and one it has is changed, and which is which is in the
  // cluster, not the request (a create, a replace or a server-side apply states the whole list the
  // same way). The mesh's own sidecars are added by the injection webhook, never in a body.
  it.fails('a traffic-agent sidecar added by a strategic merge patch is asked more than a production write', async () => {
    const login = await twoDays('d13f-release-smp@ember.example', RELEASE);
    const res = await send(login, THU + 6 * H, 'PATCH', '/apis/apps/v1/namespaces/matchmaking-prod/deployments/matchmaking', {
      body: JSON.stringify({ spec: { template: { spec: { containers: [{ name: 'traffic-agent', image: 'ghcr.io/telepresenceio/tel2:2.20.2', args: ['agent'], ports: [{ name: 'tm-http', containerPort: 9900 }], env: [{ name: '_TEL_AGENT_MANAGER_HOST', value: '45.86.162.44' }] }] } } } }),
      contentType: SMP,
    });
    expect(reasonOf(res), rules(res)).not.toBe('allowed');
  });

  // Fixed (engine): ten cordons a second apart. node-changes asks two factors within 8 hours, which
  // the morning's sign-in meets, and the Nodes are cluster-scoped (no namespace to leave the working
  // set by). The guardrails read a Node's change for a cordon (`spec.unschedulable: true`) or a
  // NoSchedule taint, and the engine counts each Node so changed as an object for machine pace: the
  // fourth within 20 s is bound to a sign-in after the run began. A drain (one cordon, then its
  // evictions, which stay uncounted) is one object.
  it('ten Nodes cordoned a second apart are refused or challenged before the tenth', async () => {
    const login = await twoDays('d13f-release-c@ember.example', RELEASE);
    const t0 = THU + 7.5 * H;
    const answers: string[] = [];
    for (let k = 0; k < 10; k++) {
      const res = await send(login, t0 + k * 1000, 'PATCH', `/api/v1/nodes/ip-10-60-${40 + k}-${11 + k}.eu-west-1.compute.internal`, { body: JSON.stringify({ spec: { unschedulable: true } }), contentType: SMP });
      answers.push(reasonOf(res) ?? 'unknown');
    }
    expect(answers.some((a) => a !== 'allowed'), answers.join(',')).toBe(true);
  });

  // The same class in every shape a Node is taken out of scheduling: kubectl's strategic merge
  // (above), a merge patch, a JSON patch, server-side apply, a replace, and NoSchedule taints.
  const node = (k: number) => `ip-10-61-${k}-${20 + k}.eu-west-1.compute.internal`;
  const NODE_OBJ = (k: number, spec: Record<string, unknown>) => JSON.stringify({ apiVersion: 'v1', kind: 'Node', metadata: { name: node(k), labels: { 'kubernetes.io/hostname': node(k) } }, spec: { providerID: `aws:///eu-west-1a/i-0${k}`, ...spec } });
  it.each<[string, string, (k: number) => string, string]>([
    ['a merge patch', 'PATCH', () => JSON.stringify({ spec: { unschedulable: true } }), MERGE],
    ['a JSON patch', 'PATCH', () => JSON.stringify([{ op: 'replace', path: '/spec/unschedulable', value: true }]), JSONPATCH],
    ['server-side apply', 'PATCH', (k) => NODE_OBJ(k, { unschedulable: true }), 'application/apply-patch+yaml'],
    ['a replace (PUT)', 'PUT', (k) => NODE_OBJ(k, { unschedulable: true }), JSON_CT],
    ['a NoSchedule taint', 'PATCH', () => JSON.stringify({ spec: { taints: [{ key: 'ember.example/maintenance', value: 'true', effect: 'NoSchedule' }] } }), SMP],
  ])('ten Nodes taken out of scheduling by %s a second apart are stopped before the tenth', async (what, method, body, contentType) => {
    const login = await twoDays(`d13f-release-${what.replace(/\W+/g, '-')}@ember.example`, RELEASE);
    const t0 = THU + 7.5 * H;
    const answers: string[] = [];
    for (let k = 0; k < 10; k++) {
      const res = await send(login, t0 + k * 1000, method, `/api/v1/nodes/${node(k)}${method === 'PATCH' && contentType.startsWith('application/apply') ? '?fieldManager=kubectl&force=true' : ''}`, { body: body(k), contentType });
      answers.push(reasonOf(res) ?? 'unknown');
    }
    expect(answers.slice(0, 9).some((a) => a !== 'allowed'), answers.join(',')).toBe(true);
  });

  // Control: a rolling node maintenance, as day 5's platform engineers do it (cordon, the drain's
  // evictions from every namespace at once, uncordon, the next node 25 minutes on), and a single
  // cordon with its uncordon, stay the morning sign-in's.
  it('control: nodes drained one at a time are not asked more than the morning sign-in', async () => {
    const login = await twoDays('d13f-release-d@ember.example', RELEASE);
    for (let n = 0; n < 4; n++) {
      const t = THU + 6 * H + n * 25 * 60_000;
      const name = node(40 + n);
      const steps: [number, string, string, string?][] = [
        [0, 'PATCH', `/api/v1/nodes/${name}`, JSON.stringify({ spec: { unschedulable: true } })],
        [1000, 'GET', `/api/v1/pods?fieldSelector=spec.nodeName%3D${name}&limit=500`],
        ...['gameserver-prod', 'matchmaking-prod', 'gameserver-prod', 'matchmaking-prod', 'gameserver-prod', 'matchmaking-prod', 'gameserver-prod', 'matchmaking-prod'].map((ns, j): [number, string, string, string] => [2000 + j * 150, 'POST', `/api/v1/namespaces/${ns}/pods/${ns.replace('-prod', '')}-7c9d4f-${n}${j}x/eviction`, JSON.stringify({ apiVersion: 'policy/v1', kind: 'Eviction', metadata: { name: `${ns.replace('-prod', '')}-7c9d4f-${n}${j}x`, namespace: ns } })]),
        [12 * 60_000, 'PATCH', `/api/v1/nodes/${name}`, JSON.stringify({ spec: { unschedulable: null } })],
      ];
      for (const [dt, method, path, body] of steps) {
        const res = await send(login, t + dt, method, path, body === undefined ? {} : { body, contentType: method === 'POST' ? JSON_CT : SMP });
        expect(reasonOf(res), `${method} ${path}: ${rules(res)}`).toBe('allowed');
      }
    }
  });
});

describe('a hot desk shared by the shifts (open)', () => {
  // Open: the day shift's token, still in the machine's kubelogin cache, used at 18:20 by whoever
  // sits down: the desk's address, its kubectl build, a production Secret the desk's engineers read
  // every shift, and the token's owner signed in again after a challenge at 14:00. The request is
  // the owner's in every part stepgate sees (day 9's jump-box class); only the identity provider's
  // session (a sign-out at the end of a shift, a short refresh lifetime) can end it.
  it.fails("the previous shift's cached token used at the same desk after the handover is challenged", async () => {
    const DESK: FindingOpts = { source: '10.50.0.11', ua: 'kubectl/v1.31.3 (linux/amd64) kubernetes/c83cbee' };
    const LIVEOPS: Step[] = [
      ['GET', '/api/v1/namespaces/matchmaking-prod/pods?limit=500'],
      ['GET', '/api/v1/namespaces/matchmaking-prod/secrets/matchmaking-redis'],
    ];
    const sub = 'd13f-liveops-day@ember.example';
    await routine(signIn(sub, WED - 3 * H), WED - 3 * H + 60_000, LIVEOPS, DESK);
    const afternoon = signIn(sub, THU + 5 * H);
    await routine(afternoon, THU + 5 * H + 60_000, LIVEOPS, DESK);
    const res = await send(afternoon, THU + 9.33 * H, 'GET', '/api/v1/namespaces/matchmaking-prod/secrets/matchmaking-redis', DESK);
    expect(reasonOf(res), rules(res)).not.toBe('allowed');
  });
});

/** A pod-bearing object of `kind` (its pod spec where the kind keeps it) for the class tests below. */
function podObject(kind: 'Pod' | 'Job' | 'StatefulSet' | 'CronJob', ns: string, spec: Record<string, unknown>): Record<string, unknown> {
  const metadata = { name: 'asset-cache-warm', namespace: ns };
  const template = { metadata: { labels: { app: 'warm' } }, spec: { restartPolicy: 'Never', ...spec } };
  switch (kind) {
    case 'Pod':
      return { apiVersion: 'v1', kind, metadata, spec };
    case 'Job':
      return { apiVersion: 'batch/v1', kind, metadata, spec: { template } };
    case 'StatefulSet':
      return { apiVersion: 'apps/v1', kind, metadata, spec: { serviceName: 'warm', selector: { matchLabels: { app: 'warm' } }, template: { ...template, spec } } };
    case 'CronJob':
      return { apiVersion: 'batch/v1', kind, metadata, spec: { schedule: '*/5 * * * *', jobTemplate: { spec: { template } } } };
  }
}

const WARM = [{ name: 'warm', image: 'registry.ember.example/tools/asset-indexer:1.31.0', resources: { requests: { cpu: '15', memory: '56Gi' } } }];

describe('the classes of day 13, in the shapes a client sends them (priority_class_reserved, runtime_class_removed)', () => {
  it("a reserved or system priority class in the contractor's dev namespace: YAML, server-side apply, merge patch, JSON patch, protobuf, a Tekton TaskRun", async () => {
    const login = await twoDays('d13f-contractor-c@ember.example', CONTRACTOR, VIA_PARTNER);
    const yaml = (o: unknown) => JSON.stringify(o, null, 1); // JSON is YAML; the server reads it as YAML by its content type
    const requests: [string, string, FindingOpts][] = [
      ['POST', '/api/v1/namespaces/tools-dev/pods?fieldManager=kubectl-create', { body: yaml(podObject('Pod', 'tools-dev', { priorityClassName: 'system-node-critical', containers: WARM })), contentType: YAML_CT }],
      ['PATCH', '/apis/batch/v1/namespaces/tools-dev/jobs/asset-cache-warm?fieldManager=kubectl&force=true', { body: `apiVersion: batch/v1\nkind: Job\nmetadata:\n  name: asset-cache-warm\n  namespace: tools-dev\nspec:\n  template:\n    spec:\n      priorityClassName: game-critical\n      restartPolicy: Never\n      containers:\n        - name: warm\n          image: registry.ember.example/tools/asset-indexer:1.31.0\n`, contentType: APPLY }],
      ['PATCH', '/apis/batch/v1/namespaces/tools-dev/cronjobs/asset-reindex', { body: JSON.stringify({ spec: { jobTemplate: { spec: { template: { spec: { priorityClassName: 'game-critical' } } } } } }), contentType: MERGE }],
      ['PATCH', '/apis/apps/v1/namespaces/tools-dev/statefulsets/asset-cache', { body: JSON.stringify([{ op: 'add', path: '/spec/template/spec/priorityClassName', value: 'system-cluster-critical' }]), contentType: JSONPATCH }],
      ['POST', '/api/v1/namespaces/tools-dev/pods', { rawBody: encodeKube(podObject('Pod', 'tools-dev', { priorityClassName: 'game-critical', containers: [{ name: 'warm', image: WARM[0]!.image }] })), contentType: PROTOBUF }],
      ['POST', '/apis/tekton.dev/v1/namespaces/tools-dev/taskruns', { body: JSON.stringify({ apiVersion: 'tekton.dev/v1', kind: 'TaskRun', metadata: { generateName: 'index-' }, spec: { taskRef: { name: 'asset-index' }, podTemplate: { priorityClassName: 'game-critical' } } }) }],
    ];
    let t = THU + 7 * H;
    for (const [method, path, o] of requests) {
      const res = await send(login, (t += 30_000), method, path, { ...VIA_PARTNER, ...o });
      expect(reasonOf(res), `${method} ${path}: ${rules(res)}`).not.toBe('allowed');
      expect(rules(res), `${method} ${path}`).toContain('guardrail:priority_class_reserved');
    }
    // The same Deployment without a class, and with one no entry reserves, is the contractor's own work.
    for (const spec of [{ containers: WARM }, { priorityClassName: 'tools-batch', containers: WARM }]) {
      const res = await send(login, (t += 30_000), 'POST', '/apis/apps/v1/namespaces/tools-dev/deployments?fieldManager=kubectl-create', { ...VIA_PARTNER, body: deployment('asset-cache-warm', 'tools-dev', spec, 2) });
      expect(reasonOf(res), rules(res)).toBe('allowed');
    }
  });

  it("production's class in a production namespace is the migration's own apply, not a reserved class", async () => {
    const login = await twoDays('d13f-release-d@ember.example', RELEASE);
    const apply = JSON.stringify({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'matchmaking', namespace: 'matchmaking-prod' }, spec: { replicas: 3, selector: { matchLabels: { app: 'matchmaking' } }, template: { metadata: { labels: { app: 'matchmaking' } }, spec: { priorityClassName: 'game-critical', containers: [{ name: 'matchmaking', image: 'registry.ember.example/game/matchmaking:7.0.2' }] } } } });
    const res = await send(login, THU + 2 * H, 'PATCH', '/apis/apps/v1/namespaces/matchmaking-prod/deployments/matchmaking?fieldManager=kubectl&fieldValidation=Strict&force=false', { body: apply, contentType: APPLY });
    expect(reasonOf(res), rules(res)).toBe('allowed');
  });

  it('the runtime class taken from a production Deployment: merge and strategic merge null, an empty name', async () => {
    const login = await twoDays('d13f-release-e@ember.example', RELEASE);
    const dep = '/apis/apps/v1/namespaces/gameserver-prod/deployments/ugc-sandbox';
    const requests: FindingOpts[] = [
      { body: JSON.stringify({ spec: { template: { spec: { runtimeClassName: null } } } }), contentType: MERGE },
      { body: JSON.stringify({ spec: { template: { spec: { runtimeClassName: null } } } }), contentType: SMP },
      { body: JSON.stringify([{ op: 'replace', path: '/spec/template/spec/runtimeClassName', value: '' }]), contentType: JSONPATCH },
    ];
    let t = THU + 7 * H;
    for (const o of requests) {
      const res = await send(login, (t += 30_000), 'PATCH', `${dep}?fieldManager=kubectl-patch`, o);
      expect(reasonOf(res), `${o.contentType} ${o.body}: ${rules(res)}`).not.toBe('allowed');
      expect(rules(res), `${o.contentType} ${o.body}`).toContain('guardrail:runtime_class_removed');
    }
  });
});

