import { describe, expect, it } from 'vitest';
import { builtServerForFile, freshSubjects, KUBE, officeRound, reason, REFUSED, rules } from '../support/built-server.js';
import { findingRequests, rules as findingRules, type Step } from '../support/findings.js';
import { reasonOf, riskContextOf as contextOf } from '../support/grpc-client.js';
import { CONTENT_TYPES, type RequestSpec } from '../support/requests.js';
import { WS_UPGRADE } from '../support/workday.js';
import { exampleServiceForFile } from '../support/workday-service.js';
import { API, cpOut, KUBECTL, OFFICE } from '../support/workday37.js';

/**
 * Session 46's review: what the session merged, attacked by an outsider who has read the code,
 * through the built server over gRPC Checks (the example with its registries listed, as
 * attack-session46 has it), and the dumps through day 37's DBA context on the example as shipped:
 *
 * - a KEDA ScaledObject paused at zero (day38's fix): the other spellings and the other ways KEDA
 *   or an HPA can take production down, and the Deployment's own `replicas: 0` beside them;
 * - the GitOps image reader of kustomize patches (redteam46): target selectors, `---`,
 *   `$patch: replace`, init and ephemeral containers, JSON 6902 `copy` / `move` (found: allowed),
 *   `add` at `containers/-`;
 * - `database_copy` (exfil46): spellings of a dump copyOf did not read (found: unasked).
 */

const SITE = (yaml: string) =>
  yaml
    .replace(/^guardrails:\n/m, 'guardrails:\n  allowed_registries: [registry.tessaly.example, docker.io/library]\n')
    .replace(/^ {2}effects:\n/m, '  effects:\n    image_registry_not_allowed: {require: aal3, max_age: 300}\n');
const server = builtServerForFile('review46', SITE);
const subjects = freshSubjects(() => server().issuer, 'review46');
const { signedIn, send } = officeRound(server, subjects);
const { merge: MERGE, json: JSON_CT, jsonPatch: JSON_PATCH, apply: APPLY, strategic: STRATEGIC } = CONTENT_TYPES;
const kubectl = (method: string, path: string, type: string, body: unknown): RequestSpec => ({
  host: KUBE,
  method,
  path,
  headers: { 'content-type': type, 'x-envoy-auth-partial-body': 'false' },
  body: typeof body === 'string' ? body : JSON.stringify(body),
});

// ------------------------------------------------------------------------------------------ KEDA

const NS = 'gameserver-prod';
const SO = `/apis/keda.sh/v1alpha1/namespaces/${NS}/scaledobjects`;
const PAUSE = 'autoscaling.keda.sh/paused-replicas';
const ESCAPED = '/metadata/annotations/autoscaling.keda.sh~1paused-replicas';
const scaledObject = (annotations: Record<string, string>, spec: object = {}) => ({
  apiVersion: 'keda.sh/v1alpha1',
  kind: 'ScaledObject',
  metadata: { name: 'gameserver', namespace: NS, annotations },
  spec: { scaleTargetRef: { name: 'gameserver' }, minReplicaCount: 2, maxReplicaCount: 200, triggers: [{ type: 'cpu', metricType: 'Utilization', metadata: { value: '60' } }], ...spec },
});
const applied = (annotation: string) => `apiVersion: keda.sh/v1alpha1\nkind: ScaledObject\nmetadata:\n  name: gameserver\n  namespace: ${NS}\n  annotations:\n    ${annotation}\nspec:\n  scaleTargetRef:\n    name: gameserver\n`;
/** A cron trigger on 29 February at midnight: active for one minute every four years. */
const NEVER = [{ type: 'cron', metadata: { timezone: 'UTC', start: '0 0 29 2 *', end: '1 0 29 2 *', desiredReplicas: '1' } }];
// Twenty minutes after two factors: within prod-writes' 8 hours, past prod-durable-deletes' 15 minutes.
const SIGN_IN_AGE = 1200;

describe('KEDA: a ScaledObject paused at zero is asked as the delete of its target, however it is written', () => {
  it.each<[string, RequestSpec]>([
    ['a merge patch (day 38)', kubectl('PATCH', `${SO}/gameserver`, MERGE, { metadata: { annotations: { [PAUSE]: '0' } } })],
    ['a JSON patch add, the slash escaped as ~1', kubectl('PATCH', `${SO}/gameserver`, JSON_PATCH, [{ op: 'add', path: ESCAPED, value: '0' }])],
    ['a JSON patch replace, the slash escaped as ~1', kubectl('PATCH', `${SO}/gameserver`, JSON_PATCH, [{ op: 'replace', path: ESCAPED, value: '0' }])],
    ['a JSON patch replacing the whole annotations map', kubectl('PATCH', `${SO}/gameserver`, JSON_PATCH, [{ op: 'add', path: '/metadata/annotations', value: { [PAUSE]: '0' } }])],
    ['a JSON patch replacing metadata', kubectl('PATCH', `${SO}/gameserver`, JSON_PATCH, [{ op: 'replace', path: '/metadata', value: { name: 'gameserver', annotations: { [PAUSE]: '0' } } }])],
    ['a JSON patch copying a label that may be 0 onto it', kubectl('PATCH', `${SO}/gameserver`, JSON_PATCH, [{ op: 'copy', from: '/metadata/labels/zero', path: ESCAPED }])],
    ['a JSON patch whose path spells a letter as \\u002d', kubectl('PATCH', `${SO}/gameserver`, JSON_PATCH, '[{"op":"add","path":"/metadata/annotations/autoscaling.keda.sh~1paused\\u002dreplicas","value":"0"}]')],
    ['a merge patch whose key spells a letter as \\u002d', kubectl('PATCH', `${SO}/gameserver`, MERGE, '{"metadata":{"annotations":{"autoscaling.keda.sh/paused\\u002dreplicas":"0"}}}')],
    ['a server-side apply', kubectl('PATCH', `${SO}/gameserver?fieldManager=kubectl&force=true`, APPLY, applied(`${PAUSE}: "0"`))],
    ['a server-side apply, the key in a double-quoted YAML escape', kubectl('PATCH', `${SO}/gameserver?fieldManager=kubectl&force=true`, APPLY, applied('"autoscaling.keda.sh/paused\\x2dreplicas": "0"'))],
    ['a create of a ScaledObject that does not exist yet (the workload does)', kubectl('POST', SO, JSON_CT, scaledObject({ [PAUSE]: '0' }))],
    ['an update (PUT)', kubectl('PUT', `${SO}/gameserver`, JSON_CT, scaledObject({ [PAUSE]: '0' }))],
    ["Argo CD's REST patch-resource of the ScaledObject", { host: 'argocd.localhost', method: 'POST', path: `/api/v1/applications/gameserver-prod/resource?namespace=${NS}&resourceName=gameserver&version=v1alpha1&group=keda.sh&kind=ScaledObject&patchType=${encodeURIComponent(MERGE)}&appNamespace=argocd`, headers: { 'content-type': 'application/json' }, body: JSON.stringify(JSON.stringify({ metadata: { annotations: { [PAUSE]: '0' } } })) }],
    ['a create targeting a StatefulSet of another name', kubectl('POST', SO, JSON_CT, scaledObject({ [PAUSE]: '0' }, { scaleTargetRef: { apiVersion: 'apps/v1', kind: 'StatefulSet', name: 'gameserver-db' } }))],
  ])('%s: auth_too_old (prod-durable-deletes) on a 20-minute-old two-factor sign-in', async (_what, spec) => {
    const res = await send(await signedIn('aal2', SIGN_IN_AGE), spec);
    expect(reason(res), rules(res)).toBe('auth_too_old');
    expect(rules(res).split(',')).toContain('prod-durable-deletes');
  });

  it.each<[string, RequestSpec]>([
    ['a merge patch of the Deployment', kubectl('PATCH', `/apis/apps/v1/namespaces/${NS}/deployments/gameserver`, MERGE, { spec: { replicas: 0 } })],
    ['a JSON patch of the Deployment', kubectl('PATCH', `/apis/apps/v1/namespaces/${NS}/deployments/gameserver`, JSON_PATCH, [{ op: 'replace', path: '/spec/replicas', value: 0 }])],
    ["the Deployment's scale", kubectl('PATCH', `/apis/apps/v1/namespaces/${NS}/deployments/gameserver/scale`, MERGE, { spec: { replicas: 0 } })],
    ['a strategic merge patch of a StatefulSet', kubectl('PATCH', `/apis/apps/v1/namespaces/${NS}/statefulsets/gameserver-db`, STRATEGIC, { spec: { replicas: 0 } })],
  ])('consistent: replicas 0 through %s is asked the same (prod-durable-deletes)', async (_what, spec) => {
    const res = await send(await signedIn('aal2', SIGN_IN_AGE), spec);
    expect(reason(res), rules(res)).toBe('auth_too_old');
    expect(rules(res).split(',')).toContain('prod-durable-deletes');
  });

  it('a ScaledObject paused at zero targeting an Argo Rollout asks what deleting that Rollout asks', async () => {
    const token = await signedIn('aal2', SIGN_IN_AGE);
    const paused = await send(token, kubectl('POST', SO, JSON_CT, scaledObject({ [PAUSE]: '0' }, { scaleTargetRef: { apiVersion: 'argoproj.io/v1alpha1', kind: 'Rollout', name: 'gameserver' } })));
    const deleted = await send(token, { host: KUBE, method: 'DELETE', path: `/apis/argoproj.io/v1alpha1/namespaces/${NS}/rollouts/gameserver` });
    expect(REFUSED, rules(paused)).toContain(reason(paused));
    expect(reason(paused), `${rules(paused)} | ${rules(deleted)}`).toBe(reason(deleted));
  });

  // Routine and the ways that are not a scale to zero: KEDA's `paused: "true"` holds the current
  // count; a ScaledJob starts Jobs and stops none; `minReplicaCount: 0` with `maxReplicaCount: 0` is
  // one KEDA refuses (CheckReplicaCountBoundsAreValid: the HPA's minimum of 1 above 0) and leaves
  // as it was; an HPA's maximum of 1 keeps a pod. Each an ordinary production change.
  it.each<[string, RequestSpec]>([
    ["the SRE raising the game servers' minimum (day 38)", kubectl('PATCH', `${SO}/gameserver`, MERGE, { spec: { minReplicaCount: 60 } })],
    ['a pause at the launch\'s count (60)', kubectl('PATCH', `${SO}/gameserver`, MERGE, { metadata: { annotations: { [PAUSE]: '60' } } })],
    ['autoscaling.keda.sh/paused "true" (held at the current count)', kubectl('PATCH', `${SO}/gameserver`, MERGE, { metadata: { annotations: { 'autoscaling.keda.sh/paused': 'true' } } })],
    ['a ScaledJob paused', kubectl('PATCH', `/apis/keda.sh/v1alpha1/namespaces/${NS}/scaledjobs/matches`, MERGE, { metadata: { annotations: { 'autoscaling.keda.sh/paused': 'true' } } })],
    ['minReplicaCount 0 with maxReplicaCount 0 (refused by KEDA)', kubectl('PATCH', `${SO}/gameserver`, MERGE, { spec: { minReplicaCount: 0, maxReplicaCount: 0 } })],
    ["an HPA's maxReplicas lowered to 1", kubectl('PATCH', `/apis/autoscaling/v2/namespaces/${NS}/horizontalpodautoscalers/gameserver`, MERGE, { spec: { minReplicas: 1, maxReplicas: 1 } })],
  ])('%s: allowed on the same sign-in (prod-writes)', async (_what, spec) => {
    const res = await send(await signedIn('aal2', SIGN_IN_AGE), spec);
    expect(reason(res), rules(res)).toBe('allowed');
    expect(rules(res).split(',')).toContain('prod-writes');
  });

  // Open (review46 weighed it, not built): KEDA's own scale to zero when idle. `minReplicaCount: 0`
  // or `idleReplicaCount: 0` with triggers that never fire takes the target to zero after the
  // cooldown. Whether a trigger fires is the metric's, which the request does not say, and
  // `minReplicaCount: 0` is KEDA's ordinary setting for a queue's workers, restated by every
  // apply of one: judged as a delete, each apply of such a ScaledObject in production would ask
  // prod-durable-deletes' 15 minutes.
  it.fails.each<[string, object]>([
    ['minReplicaCount 0 with a cron trigger that fires once in four years', { minReplicaCount: 0, triggers: NEVER }],
    ['idleReplicaCount 0 with the same trigger', { idleReplicaCount: 0, triggers: NEVER }],
  ])('%s: asked as the delete of the target', async (_what, spec) => {
    const res = await send(await signedIn('aal2', SIGN_IN_AGE), kubectl('PATCH', `${SO}/gameserver`, MERGE, { spec }));
    expect(rules(res).split(',')).toContain('prod-durable-deletes');
  });
});

// ------------------------------------------------------------------------------ GitOps patches

const ROGUE = 'registry.tessaly-cdn.example/checkout/checkout-api:7.14.2';
const OWN = 'registry.tessaly.example/checkout/checkout-api:7.14.2';
const ARGOCD = 'argocd.localhost';
const repo = { repoURL: 'https://git.tessaly.example/shop/deploy.git', path: 'checkout/overlays/prod', targetRevision: 'main' };
const withPatch = (patch: string, target: object = { kind: 'Deployment', name: 'checkout-api' }): RequestSpec => ({
  host: ARGOCD,
  method: 'PUT',
  path: '/api/v1/applications/checkout-prod/spec?appNamespace=argocd',
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify({ project: 'shop', destination: { server: 'https://kubernetes.default.svc', namespace: 'checkout-prod' }, source: { ...repo, kustomize: { patches: [{ target, patch }] } } }),
});
const replaceImage = (image: string) => `- op: replace\n  path: /spec/template/spec/containers/0/image\n  value: ${image}\n`;
const deployment = (podSpec: string) => `apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: checkout-api\nspec:\n  template:\n    spec:\n${podSpec}`;

describe("GitOps: a kustomize patch's image, however the patch is written", () => {
  it.each<[string, (image: string) => string, object?]>([
    ['a target selector naming another kind (ConfigMap)', replaceImage, { kind: 'ConfigMap' }],
    ['a target selector by regular expression (Deploy.*)', replaceImage, { kind: 'Deploy.*' }],
    ['a strategic-merge patch of two documents (---)', (i) => `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n---\n${deployment(`      containers:\n        - name: checkout-api\n          image: ${i}\n`)}`],
    ['$patch: replace over the pod spec', (i) => deployment(`      $patch: replace\n      containers:\n        - name: checkout-api\n          image: ${i}\n`)],
    ['an initContainer', (i) => deployment(`      initContainers:\n        - name: init\n          image: ${i}\n`)],
    ["a Pod's ephemeralContainers", (i) => `apiVersion: v1\nkind: Pod\nmetadata:\n  name: x\nspec:\n  ephemeralContainers:\n    - name: dbg\n      image: ${i}\n`],
    ['op add at containers/- (YAML)', (i) => `- op: add\n  path: /spec/template/spec/containers/-\n  value:\n    name: side\n    image: ${i}\n`],
    ['op add at containers/- (JSON)', (i) => JSON.stringify([{ op: 'add', path: '/spec/template/spec/containers/-', value: { name: 'side', image: i } }])],
    ['op replace of a whole container', (i) => `- op: replace\n  path: /spec/template/spec/containers/0\n  value: {name: c, image: ${i}}\n`],
    ['an image behind a YAML alias', (i) => `x: &img ${i}\n${deployment(`      containers:\n        - name: checkout-api\n          image: *img\n`)}`],
  ])('%s: asked (image_registry_not_allowed); the site\'s image: allowed', async (_what, patch, target) => {
    const token = await signedIn('aal2', 60);
    const res = await send(token, withPatch(patch(ROGUE), target));
    expect(REFUSED, rules(res)).toContain(reason(res));
    expect(rules(res).split(',')).toContain('guardrail:image_registry_not_allowed');
    const own = await send(token, withPatch(patch(OWN), target));
    expect(reason(own), rules(own)).toBe('allowed');
  });

  it.each<[string, string]>([
    ['a list after a %YAML directive', `%YAML 1.2\n---\n${replaceImage(ROGUE)}`],
    ['a list after a --- line', `---\n${replaceImage(ROGUE)}`],
    ['a flow list after ---', `--- [{op: replace, path: /spec/template/spec/containers/0/image, value: ${ROGUE}}]\n`],
    ['a list with a !!seq tag', `!!seq\n${replaceImage(ROGUE)}`],
    ['a list behind an anchor', `&ops\n${replaceImage(ROGUE)}`],
    ['a YAML merge key (<<) in a container', deployment(`      containers:\n        - name: checkout-api\n          <<: {image: ${ROGUE}}\n`)],
  ])('%s: unreadable (body_unreadable)', async (_what, patch) => {
    const res = await send(await signedIn('aal2', 60), withPatch(patch));
    expect(REFUSED, rules(res)).toContain(reason(res));
    expect(rules(res).split(',')).toContain('guardrail:body_unreadable');
  });

  // Found (review46): allowed on the two-factor sign-in before 67cf759b. The first operation sets
  // a value never judged as an image (an annotation, an env value), the second copies or moves it
  // onto the container's image; kustomize applies both.
  it.each<[string, string]>([
    ['an annotation copied onto the image', `- op: add\n  path: /spec/template/metadata/annotations/x\n  value: ${ROGUE}\n- op: copy\n  from: /spec/template/metadata/annotations/x\n  path: /spec/template/spec/containers/0/image\n`],
    ['an env value moved onto the image', `- op: add\n  path: /spec/template/spec/containers/0/env/-\n  value: {name: X, value: ${ROGUE}}\n- op: move\n  from: /spec/template/spec/containers/0/env/0/value\n  path: /spec/template/spec/containers/0/image\n`],
  ])('found: %s: unreadable (body_unreadable)', async (_what, patch) => {
    const res = await send(await signedIn('aal2', 60), withPatch(patch));
    expect(REFUSED, rules(res)).toContain(reason(res));
    expect(rules(res).split(',')).toContain('guardrail:body_unreadable');
  });
});

// ------------------------------------------------------------------------------- database_copy

const [THU, FRI] = [30, 31].map((d) => Date.UTC(2028, 2, d, 8, 0, 0)) as [number, number];
const H = 3_600_000;
/** Day 37's DBA: a tunnel, a report's CSV out of the replica, the app user's Secret (risk-day37-findings). */
const dba = (k: number): Step[] => [
  ['GET', '/api/v1/namespaces/ledger-db/pods?limit=500'],
  ['GET', '/api/v1/namespaces/ledger-db/pods/ledger-pg-2/portforward'],
  ['GET', cpOut('ledger-db', 'ledger-pg-2', `/tmp/q1-recon-ledger-${k}.csv`)],
  ['GET', '/api/v1/namespaces/ledger-db/secrets/ledger-pg-app'],
];
const exec = (...command: string[]) => `/api/v1/namespaces/ledger-db/pods/ledger-pg-2/exec?${command.map((w) => `command=${encodeURIComponent(w)}`).join('&')}&container=postgres&stderr=true&stdout=true`;

describe("database_copy: a dump with day 37's DBA token and context, spelt as copyOf did not read", () => {
  const s = exampleServiceForFile();
  let dbas = 0;
  const { send: sendAt, routine, twoDays } = findingRequests(s, { host: API, source: OFFICE(0), ua: KUBECTL('linux/amd64'), firstDay: THU, secondDay: FRI });

  // Found (review46): each allowed on the morning's sign-in before ab392211 (copyOf read them as no
  // copy, or as a copy of files the DBA makes every hour).
  it.each<[string, string]>([
    ['pg_dump as the postgres user through sudo', exec('sudo', '-u', 'postgres', 'pg_dump', '-Fc', 'ledger')],
    ['pg_dump through gosu', exec('gosu', 'postgres', 'pg_dump', '-Fc', 'ledger')],
    ['pg_dump under timeout -s KILL', exec('timeout', '-s', 'KILL', '600', 'pg_dump', '-Fc', 'ledger')],
    ["pg_dump spelt with an empty quote in a script (pg_d''ump)", exec('sh', '-c', "pg_d''ump -Fc ledger")],
    ['su postgres -c pg_dump', exec('su', 'postgres', '-c', 'pg_dump -Fc ledger')],
    ['tar of $PGDATA in a script', exec('sh', '-c', 'tar czf - "$PGDATA"')],
    ["tar with -C joined to the data directory's parent", exec('tar', 'cf', '-', '-C/var/lib/postgresql', 'data')],
  ])('%s: asked (unfamiliar_kind)', async (_what, path) => {
    const login = await twoDays(`d37r-dba-${++dbas}@northmere.example`, dba(1));
    await routine(login, FRI + 4 * H, dba(2), {});
    const res = await sendAt(login, FRI + 7.5 * H, 'GET', path, { headers: WS_UPGRADE });
    expect(reasonOf(res), findingRules(res)).toBe('auth_too_old');
    expect(contextOf(res)).toBe('unfamiliar_kind');
  });

  // Routine: a DBA who queries the replica with psql (day 12's spelling) every day goes on doing
  // so through sudo, and the copy of a report, hours into the day, stays a copy of files.
  const psql = (...wrap: string[]) => exec(...wrap, 'psql', '-AXtc', 'SELECT * FROM pg_stat_replication');
  it.each<[string, string]>([
    ["psql -AXtc 'SELECT …' as postgres through sudo", psql('sudo', '-u', 'postgres')],
    ['the copy of a report under timeout -s KILL', exec('timeout', '-s', 'KILL', '60', 'tar', 'cf', '-', '/tmp/q1-recon-ledger-7.csv')],
  ])('%s: allowed', async (_what, path) => {
    const login = await twoDays(`d37r-dba-${++dbas}@northmere.example`, [...dba(3), ['GET', psql()]]);
    const res = await sendAt(login, FRI + 7.5 * H, 'GET', path, { headers: WS_UPGRADE });
    expect(reasonOf(res), findingRules(res)).toBe('allowed');
  });
});
