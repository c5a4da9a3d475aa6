import { describe, expect, it } from 'vitest';
import { builtServerForFile, freshSubjects, KUBE, officeRound, reason, rules } from '../support/built-server.js';
import { CONTENT_TYPES, type RequestSpec } from '../support/requests.js';

/**
 * Session 49 (capacity49b), through the build `npm start` serves, on the example with a game
 * studio's floor (`arena-na` in `game-prod` keeps 40, day 45's site):
 * - an Agones FleetAutoscaler's Buffer ceiling (`buffer.maxReplicas`, in a Schedule or a Chain
 *   too) cut below the Fleet's floor was not read: it caps the Fleet its `spec.fleetName` names, as
 *   an HPA's maxReplicas caps its scaleTargetRef (day 45's open finding);
 * - an Agones Fleet or an Argo Rollout scaled to zero was a production write, where a Deployment's
 *   scale to zero asks what its delete asks (prod-durable-deletes). The shapes one by one are in
 *   test/unit/guardrails-capacity.test.ts and guardrails-owners.test.ts.
 */

const SITE = (yaml: string) => yaml.replace('guardrails:\n', 'guardrails:\n  replica_floors: [{ namespaces: [game-prod], names: [arena-na], min_replicas: 40 }]\n');
const server = builtServerForFile('capacity49', SITE);
const subjects = freshSubjects(() => server().issuer, 'capacity49');
const { signedIn, send } = officeRound(server, subjects);
const { merge: MERGE, json: JSON_CT, jsonPatch: JSON_PATCH, apply: APPLY } = CONTENT_TYPES;
const kubectl = (method: string, path: string, type: string, body: unknown): RequestSpec => ({
  host: KUBE,
  method,
  path,
  headers: { 'content-type': type, 'x-envoy-auth-partial-body': 'false' },
  body: JSON.stringify(body),
});

const NS = 'game-prod';
const FASS = `/apis/autoscaling.agones.dev/v1/namespaces/${NS}/fleetautoscalers`;
const FAS = `${FASS}/arena-na-autoscaler`;
const FLEETS = `/apis/agones.dev/v1/namespaces/${NS}/fleets`;
const ROLLOUTS = `/apis/argoproj.io/v1alpha1/namespaces/${NS}/rollouts`;
const buffer = (max: number) => ({ type: 'Buffer', buffer: { bufferSize: 5, minReplicas: 0, maxReplicas: max } });
const autoscaler = (fleetName: string, policy: object) => ({ apiVersion: 'autoscaling.agones.dev/v1', kind: 'FleetAutoscaler', metadata: { name: `${fleetName}-autoscaler`, namespace: NS }, spec: { fleetName, policy } });
const fleet = (name: string, spec: object) => ({ apiVersion: 'agones.dev/v1', kind: 'Fleet', metadata: { name, namespace: NS }, spec: { template: { spec: { ports: [{ name: 'default', containerPort: 7654 }] } }, ...spec } });
// Twenty minutes after two factors: within prod-writes' 8 hours, past the 15 minutes that
// capacity_below_floor and prod-durable-deletes ask.
const SIGN_IN_AGE = 1200;

describe("capacity49: a FleetAutoscaler's ceiling cut below its Fleet's floor, through the server", () => {
  it.each<[string, RequestSpec]>([
    ['a merge patch naming the Fleet (day 45)', kubectl('PATCH', FAS, MERGE, { spec: { fleetName: 'arena-na', policy: buffer(1) } })],
    ['a merge patch that does not show the Fleet (the highest floor of the namespace)', kubectl('PATCH', FAS, MERGE, { spec: { policy: { buffer: { maxReplicas: 1 } } } })],
    ['a JSON patch of buffer.maxReplicas', kubectl('PATCH', FAS, JSON_PATCH, [{ op: 'replace', path: '/spec/policy/buffer/maxReplicas', value: 1 }])],
    ['a create over the running Fleet', kubectl('POST', FASS, JSON_CT, autoscaler('arena-na', buffer(1)))],
    ['a server-side apply', kubectl('PATCH', `${FAS}?fieldManager=kubectl&force=true`, APPLY, autoscaler('arena-na', buffer(1)))],
    ['a Schedule policy holding the cut', kubectl('PATCH', FAS, MERGE, { spec: { fleetName: 'arena-na', policy: { type: 'Schedule', schedule: { between: { start: '2027-05-06T20:00:00Z' }, policy: buffer(1) } } } })],
    ['a Chain entry holding the cut', kubectl('PATCH', FAS, MERGE, { spec: { fleetName: 'arena-na', policy: { type: 'Chain', chain: [{ id: 'peak', ...buffer(400) }, { id: 'night', ...buffer(1) }] } } })],
  ])('%s: auth_too_old (capacity_below_floor) on a 20-minute-old two-factor sign-in', async (_what, spec) => {
    const res = await send(await signedIn('aal2', SIGN_IN_AGE), spec);
    expect(reason(res), rules(res)).toBe('auth_too_old');
    expect(rules(res).split(',')).toContain('guardrail:capacity_below_floor');
  });

  it.each<[string, RequestSpec]>([
    ['the ceiling raised for the launch', kubectl('PATCH', FAS, MERGE, { spec: { fleetName: 'arena-na', policy: buffer(400) } })],
    ['the ceiling at the floor', kubectl('PATCH', FAS, MERGE, { spec: { fleetName: 'arena-na', policy: buffer(40) } })],
    ['the lobby Fleet (no floor) capped at 3, its body naming it', kubectl('PATCH', `${FASS}/lobby-autoscaler`, MERGE, { spec: { fleetName: 'lobby', policy: buffer(3) } })],
    ['the buffer and minimum lowered (the controller follows the load down)', kubectl('PATCH', FAS, MERGE, { spec: { policy: { buffer: { bufferSize: 2, minReplicas: 0 } } } })],
    ["a Counter policy's maxCapacity (player slots, not GameServers)", kubectl('PATCH', FAS, MERGE, { spec: { fleetName: 'arena-na', policy: { type: 'Counter', counter: { key: 'players', bufferSize: 10, maxCapacity: 20 } } } })],
  ])('%s: allowed on the same sign-in (prod-writes)', async (_what, spec) => {
    const res = await send(await signedIn('aal2', SIGN_IN_AGE), spec);
    expect(reason(res), rules(res)).toBe('allowed');
    expect(rules(res).split(',')).toContain('prod-writes');
  });
});

describe('capacity49: a Fleet or a Rollout scaled to zero is asked as its delete, as a Deployment is', () => {
  // The lobby Fleet and the matchmaker Rollout have no floor: only the delete asks.
  it.each<[string, RequestSpec]>([
    ['kubectl edit fleet (a merge patch) to 0', kubectl('PATCH', `${FLEETS}/lobby`, MERGE, { spec: { replicas: 0 } })],
    ['kubectl scale fleet --replicas=0', kubectl('PATCH', `${FLEETS}/lobby/scale`, MERGE, { spec: { replicas: 0 } })],
    ["a merge patch removing the Fleet's count (Agones reads 0)", kubectl('PATCH', `${FLEETS}/lobby`, MERGE, { spec: { replicas: null } })],
    ['a Fleet put without its count', kubectl('PUT', `${FLEETS}/lobby`, JSON_CT, fleet('lobby', {}))],
    ['a Rollout merge patch to 0', kubectl('PATCH', `${ROLLOUTS}/matchmaker`, MERGE, { spec: { replicas: 0 } })],
    ['kubectl scale rollout --replicas=0', kubectl('PATCH', `${ROLLOUTS}/matchmaker/scale`, MERGE, { spec: { replicas: 0 } })],
  ])('%s: auth_too_old (prod-durable-deletes) on a 20-minute-old two-factor sign-in', async (_what, spec) => {
    const res = await send(await signedIn('aal2', SIGN_IN_AGE), spec);
    expect(reason(res), rules(res)).toBe('auth_too_old');
    expect(rules(res).split(',')).toContain('prod-durable-deletes');
  });

  it.each<[string, RequestSpec]>([
    ["the on-call's hourly kubectl scale fleet", kubectl('PATCH', `${FLEETS}/lobby/scale`, MERGE, { spec: { replicas: 160 } })],
    ['a Fleet raised by kubectl edit', kubectl('PATCH', `${FLEETS}/lobby`, MERGE, { spec: { replicas: 200 } })],
    ["a Fleet's image changed", kubectl('PATCH', `${FLEETS}/lobby`, MERGE, { spec: { template: { spec: { template: { spec: { containers: [{ name: 'lobby', image: 'registry.example.com/lobby:5.2.1' }] } } } } } })],
    ['a Rollout count left out (Argo Rollouts reads 1)', kubectl('PATCH', `${ROLLOUTS}/matchmaker`, MERGE, { spec: { replicas: null } })],
    ['a Fleet created at 0 (it takes nothing down)', kubectl('POST', FLEETS, JSON_CT, fleet('lobby-canary', { replicas: 0 }))],
  ])('%s: allowed on the same sign-in (prod-writes)', async (_what, spec) => {
    const res = await send(await signedIn('aal2', SIGN_IN_AGE), spec);
    expect(reason(res), rules(res)).toBe('allowed');
    expect(rules(res).split(',')).toContain('prod-writes');
  });
});
