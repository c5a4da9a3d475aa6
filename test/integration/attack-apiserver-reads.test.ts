import { describe, expect, it } from 'vitest';
import {
  builtServerForFile,
  checkEscalationRows,
  ESCALATION_STATES,
  freshSubjects,
  KUBE,
  kubectlSender,
  reason,
  rules,
  type EscalationRow as Row,
  type EscalationState as State,
  type KubectlRequest as Req,
} from '../support/built-server.js';
import { envelope, lenField } from '../support/kube-protobuf.js';
import { checkRequest } from '../support/requests.js';

/**
 * Requests that kube-apiserver reads as one thing and stepgate read as another (redteam39b),
 * black-box against the built server with the example policy. About sixty shapes were tried
 * (content types, encodings, YAML anchors and documents, duplicate and escaped keys, method and
 * path forms, subresources, impersonation); those the earlier attack files already hold are not
 * repeated. Kept are the two that were allowed where kube does what a stricter rule guards:
 *
 * - A Scale without a replica count is a Scale of zero: autoscaling/v1 ScaleSpec.replicas is a plain
 *   int32 (`+default=0`), so `{"spec":{"replicas":null}}`, a JSON patch removing it, a strategic
 *   merge patch's `$patch: delete` or `$retainKeys: []` on the spec, or a PUT of a Scale without it
 *   takes the workload to zero replicas, as `kubectl scale --replicas=0` does.
 *   stepgate saw no zero there, and the aal3 rule for taking a system component down was skipped.
 * - A pod sent as protobuf (`application/vnd.kubernetes.protobuf`, any typed client-go client)
 *   carries its containers' env and resources, which the decoder skipped: the GPU guardrail never
 *   fired on it. Each protobuf row is judged exactly as its JSON form, in every token state.
 */

const server = builtServerForFile('apiserver-reads');
const subjects = freshSubjects(() => server().issuer, 'apiserver-reads');
const send = kubectlSender(server, subjects);
const MERGE = { 'content-type': 'application/merge-patch+json' };
const SMP = { 'content-type': 'application/strategic-merge-patch+json' };
const JSON_PATCH = { 'content-type': 'application/json-patch+json' };
const JSON_CT = { 'content-type': 'application/json' };
const ALL: State[] = ['stolen', 'remote', 'everyday', 'laptop'];

const COREDNS_SCALE = '/apis/apps/v1/namespaces/kube-system/deployments/coredns/scale';
const scaleObject = (spec?: object) => ({ apiVersion: 'autoscaling/v1', kind: 'Scale', metadata: { name: 'coredns', namespace: 'kube-system' }, ...(spec && { spec }) });

describe('a Scale without a replica count is a scale to zero', () => {
  const rows: Row[] = [
    { what: 'merge patch of coredns/scale setting replicas to null', req: { method: 'PATCH', path: COREDNS_SCALE, body: { spec: { replicas: null } }, headers: MERGE }, by: 'system-component-deletes', refused: ALL },
    { what: 'merge patch of coredns/scale setting spec to null', req: { method: 'PATCH', path: COREDNS_SCALE, body: { spec: null }, headers: MERGE }, by: 'system-component-deletes', refused: ALL },
    { what: 'strategic merge patch of coredns/scale setting replicas to null', req: { method: 'PATCH', path: COREDNS_SCALE, body: { spec: { replicas: null } }, headers: SMP }, by: 'system-component-deletes', refused: ALL },
    { what: 'JSON patch of coredns/scale removing replicas', req: { method: 'PATCH', path: COREDNS_SCALE, body: [{ op: 'remove', path: '/spec/replicas' }], headers: JSON_PATCH }, by: 'system-component-deletes', refused: ALL },
    { what: 'JSON patch of coredns/scale replacing spec with {}', req: { method: 'PATCH', path: COREDNS_SCALE, body: [{ op: 'replace', path: '/spec', value: {} }], headers: JSON_PATCH }, by: 'system-component-deletes', refused: ALL },
    { what: "strategic merge patch of coredns/scale with the spec's $patch: delete", req: { method: 'PATCH', path: COREDNS_SCALE, body: { spec: { $patch: 'delete' } }, headers: SMP }, by: 'system-component-deletes', refused: ALL },
    { what: "strategic merge patch of coredns/scale with the spec's $retainKeys: []", req: { method: 'PATCH', path: COREDNS_SCALE, body: { spec: { $retainKeys: [] } }, headers: SMP }, by: 'system-component-deletes', refused: ALL },
    { what: 'PUT of a coredns Scale with an empty spec', req: { method: 'PUT', path: COREDNS_SCALE, body: scaleObject({}), headers: JSON_CT }, by: 'system-component-deletes', refused: ALL },
    { what: 'PUT of a coredns Scale without a spec', req: { method: 'PUT', path: COREDNS_SCALE, body: scaleObject(), headers: JSON_CT }, by: 'system-component-deletes', refused: ALL },
  ];
  checkEscalationRows(send, rows);

  it('a scale of coredns to a count is not a delete (the two-factor token that may write kube-system may scale it)', async () => {
    for (const body of [{ spec: { replicas: 3 } }, { metadata: { labels: { tier: 'dns' } } }]) {
      const res = await send({ method: 'PATCH', path: COREDNS_SCALE, body, headers: MERGE }, 'laptop');
      expect(reason(res), JSON.stringify(body)).toBe('allowed');
    }
    expect(reason(await send({ method: 'PUT', path: COREDNS_SCALE, body: scaleObject({ replicas: 2 }), headers: JSON_CT }, 'laptop'))).toBe('allowed');
  });
});

// ---- protobuf pods: hand-encoded from k8s.io/api core/v1 generated.proto, not from the decoder's table

const PINNED = `registry.example/web:1.4@sha256:${'a'.repeat(64)}`;
/** EnvVar {1 name, 2 value}. */
const env = (name: string, value: string) => lenField(7, Buffer.concat([lenField(1, name), lenField(2, value)]));
/** ResourceRequirements {1 limits: map<string, Quantity {1 string}>}. */
const limits = (key: string, quantity: string) => lenField(8, lenField(1, Buffer.concat([lenField(1, key), lenField(2, lenField(1, quantity))])));
/** A Pod {1 metadata {1 name}, 2 spec {2 containers}} with one container {1 name, 2 image, ...extra}. */
const protobufPod = (...extra: Buffer[]) =>
  envelope('v1', 'Pod', Buffer.concat([lenField(1, lenField(1, 'train')), lenField(2, lenField(2, Buffer.concat([lenField(1, 'job'), lenField(2, PINNED), ...extra])))]));
const jsonPod = (container: object) => JSON.stringify({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'train' }, spec: { containers: [{ name: 'job', image: PINNED, ...container }] } });

const PODS = '/api/v1/namespaces/dev/pods';

async function sendBoth(json: string, protobuf: Buffer, state: State) {
  const s = ESCALATION_STATES[state];
  const headers = { 'user-agent': 'kubectl/v1.34.1 (linux/amd64) kubernetes/93248f9', 'x-envoy-auth-partial-body': 'false' };
  const one = async (ct: string, body: { body?: string; rawBody?: Uint8Array }) => {
    const token = await subjects.tokenOf(s.level, s.age);
    if (s.victim) {
      const own = await server().client.check(checkRequest({ host: KUBE, source: '10.20.4.17', path: '/api/v1/namespaces/dev/pods?limit=500', token, headers: { 'user-agent': headers['user-agent'] } }));
      expect(reason(own), "the victim's own request").toBe('allowed');
    }
    return server().client.check(checkRequest({ host: KUBE, source: s.source, method: 'POST', path: PODS, token, headers: { ...headers, 'content-type': ct }, ...body }));
  };
  return [await one('application/json', { body: json }), await one('application/vnd.kubernetes.protobuf', { rawBody: protobuf })] as const;
}

describe('a protobuf pod is judged as its JSON form', () => {
  it.each([
    ['NVIDIA_VISIBLE_DEVICES=all without a GPU request', jsonPod({ env: [{ name: 'NVIDIA_VISIBLE_DEVICES', value: 'all' }] }), protobufPod(env('NVIDIA_VISIBLE_DEVICES', 'all')), true],
    ['NVIDIA_VISIBLE_DEVICES=all with a CPU limit only', jsonPod({ env: [{ name: 'NVIDIA_VISIBLE_DEVICES', value: 'all' }], resources: { limits: { cpu: '2' } } }), protobufPod(env('NVIDIA_VISIBLE_DEVICES', 'all'), limits('cpu', '2')), true],
    ['NVIDIA_VISIBLE_DEVICES=all with an nvidia.com/gpu limit', jsonPod({ env: [{ name: 'NVIDIA_VISIBLE_DEVICES', value: 'all' }], resources: { limits: { 'nvidia.com/gpu': '1' } } }), protobufPod(env('NVIDIA_VISIBLE_DEVICES', 'all'), limits('nvidia.com/gpu', '1')), false],
  ] as const)('%s', async (_what, json, protobuf, flagged) => {
    for (const state of ALL) {
      const [asJson, asProtobuf] = await sendBoth(json, protobuf, state);
      expect.soft(rules(asJson).split(',').includes('guardrail:gpu_devices_unrequested'), `${state}: JSON [${rules(asJson)}]`).toBe(flagged);
      expect.soft([reason(asProtobuf), rules(asProtobuf)], state).toEqual([reason(asJson), rules(asJson)]);
    }
  });
});
