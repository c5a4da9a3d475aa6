import { describe, expect, it } from 'vitest';
import { guardrailContribution } from '../../src/guardrails/effect.js';
import { inspect } from '../../src/guardrails/inspect.js';
import type { GuardrailResult } from '../../src/guardrails/types.js';
import { guardSettings, kube, toJsonPatch } from '../support/guardrails.js';
import { encodeKube } from '../support/kube-protobuf.js';

/**
 * lease_held (src/guardrails/rules/leases.ts): a Lease written with a leaseDurationSeconds far
 * above any leader election's (day 26: the access broker's Lease replaced with a year-long hold by
 * a holder no replica has), and a LeaseCandidate written from outside. Terraform's state lock and
 * an elector's renewals write Leases all day and stay routine.
 */

const settings = guardSettings('guardrails: {}\n');
const codes = (r: GuardrailResult) => [...new Set(r.violations.map((v) => v.code))].sort();
const LEASES = '/apis/coordination.k8s.io/v1/namespaces/access-broker/leases';
const LEASE = `${LEASES}/access-broker-controller`;
const MERGE = 'application/merge-patch+json';
const STRATEGIC = 'application/strategic-merge-patch+json';
const APPLY = 'application/apply-patch+yaml';
const PROTOBUF = 'application/vnd.kubernetes.protobuf';
const YEAR = 31_536_000;
const send = (method: string, path: string, body: unknown, type = 'application/json', s = settings) => inspect(kube(method, path), JSON.stringify(body), type, false, s);
const lease = (spec: Record<string, unknown>, name = 'access-broker-controller', ns = 'access-broker') => ({ apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: { name, namespace: ns }, spec });

// Terraform's kubernetes backend (internal/backend/remote-state/kubernetes/client.go): Lock
// creates the Lease with the holder and the lock-info annotation, or sets them by an update;
// Unlock clears both by an update. No duration, ever.
const TF_NS = '/apis/coordination.k8s.io/v1/namespaces/terraform-state/leases';
const TF_NAME = 'lock-tfstate-default-platform';
const lockInfo = JSON.stringify({ ID: '8c5a2f0e-5b7d-6c1e-0f4a-2b3c4d5e6f70', Operation: 'OperationTypePlan', Who: 'runner@ci-7f9c', Version: '1.9.8', Created: '2026-12-02T09:14:03Z' });
const tfLease = (holder: string | null, annotations: Record<string, string>) => ({
  apiVersion: 'coordination.k8s.io/v1',
  kind: 'Lease',
  metadata: { name: TF_NAME, namespace: 'terraform-state', resourceVersion: '5512', labels: { tfstate: 'true', tfstateSecretSuffix: 'platform', tfstateWorkspace: 'default', 'app.kubernetes.io/managed-by': 'terraform' }, annotations },
  spec: holder === null ? {} : { holderIdentity: holder },
});

describe('lease_held: a Lease held by one write', () => {
  it('is the year-long hold as a PUT, a create, a merge patch of the duration alone, a strategic merge patch, a server-side apply, a JSON patch and protobuf', () => {
    const held = lease({ holderIdentity: 'ghost', leaseDurationSeconds: YEAR });
    expect(codes(send('PUT', `${LEASE}?fieldManager=kubectl-replace`, held))).toEqual(['lease_held']);
    expect(codes(send('POST', LEASES, held))).toEqual(['lease_held']);
    expect(codes(send('PATCH', LEASE, { spec: { leaseDurationSeconds: YEAR } }, MERGE))).toEqual(['lease_held']);
    expect(codes(send('PATCH', LEASE, { spec: { holderIdentity: 'ghost', leaseDurationSeconds: YEAR } }, STRATEGIC))).toEqual(['lease_held']);
    expect(codes(send('PATCH', `${LEASE}?fieldManager=kubectl`, held, APPLY))).toEqual(['lease_held']);
    expect(codes(send('PATCH', LEASE, toJsonPatch({ spec: { leaseDurationSeconds: YEAR } }), 'application/json-patch+json'))).toEqual(['lease_held']);
    expect(codes(inspect(kube('PUT', LEASE), encodeKube(held), PROTOBUF, false, settings))).toEqual(['lease_held']);
  });

  it('names the duration and the bound, and asks what a critical guardrail asks by default (a hardware key within 5 minutes)', () => {
    const r = send('PATCH', LEASE, { spec: { leaseDurationSeconds: YEAR } }, MERGE);
    expect(r.violations[0]).toMatchObject({ code: 'lease_held', path: 'spec.leaseDurationSeconds' });
    expect(r.violations[0]!.detail).toContain(`${YEAR} s, above 3600 s`);
    expect(guardrailContribution(r, 'access-broker', settings)).toMatchObject({ level: 2, maxAge: 300, codes: ['lease_held'] });
  });

  it('judges a duration it cannot read as seconds, or a spec the patch does not show, as above the bound', () => {
    expect(codes(send('PATCH', LEASE, { spec: { leaseDurationSeconds: '31536000' } }, MERGE))).toEqual(['lease_held']);
    expect(codes(send('PATCH', LEASE, { spec: { leaseDurationSeconds: 15.5 } }, MERGE))).toEqual(['lease_held']);
    // A JSON patch copying into spec is a body stepgate cannot read (parse.ts), judged as such.
    const copied = inspect(kube('PATCH', LEASE), JSON.stringify([{ op: 'copy', from: '/metadata/annotations', path: '/spec' }]), 'application/json-patch+json', false, settings);
    expect(copied.unreadable).toBe('body_unreadable');
  });

  it('takes its bound from guardrails.max_lease_duration_seconds: 3600 s by default, inclusive', () => {
    expect(codes(send('PATCH', LEASE, { spec: { leaseDurationSeconds: 3600 } }, MERGE))).toEqual([]);
    expect(codes(send('PATCH', LEASE, { spec: { leaseDurationSeconds: 3601 } }, MERGE))).toEqual(['lease_held']);
    const tight = guardSettings('guardrails:\n  max_lease_duration_seconds: 300\n');
    expect(codes(send('PATCH', LEASE, { spec: { leaseDurationSeconds: 137 } }, MERGE, tight))).toEqual([]);
    expect(codes(send('PATCH', LEASE, { spec: { leaseDurationSeconds: 3600 } }, MERGE, tight))).toEqual(['lease_held']);
  });

  it('is a LeaseCandidate written from outside, however it is written', () => {
    const candidate = { apiVersion: 'coordination.k8s.io/v1beta1', kind: 'LeaseCandidate', metadata: { name: 'ghost', namespace: 'kube-system' }, spec: { leaseName: 'kube-controller-manager', binaryVersion: '1.0.0', emulationVersion: '1.0.0', strategy: 'OldestEmulationVersion' } };
    expect(codes(send('POST', '/apis/coordination.k8s.io/v1beta1/namespaces/kube-system/leasecandidates', candidate))).toContain('lease_held');
    expect(codes(send('PATCH', '/apis/coordination.k8s.io/v1beta1/namespaces/kube-system/leasecandidates/ghost', { spec: { emulationVersion: '1.0.0' } }, MERGE))).toContain('lease_held');
  });
});

describe('lease_held: what writes Leases routinely', () => {
  it("is not Terraform's state lock: the Lease created with a holder, the holder set and cleared", () => {
    const held = tfLease('8c5a2f0e-5b7d-6c1e-0f4a-2b3c4d5e6f70', { 'app.terraform.io/lock-info': lockInfo });
    const { resourceVersion: _, ...createMeta } = held.metadata;
    expect(codes(send('POST', TF_NS, { ...held, metadata: createMeta }))).toEqual([]);
    expect(codes(send('PUT', `${TF_NS}/${TF_NAME}`, held))).toEqual([]);
    expect(codes(send('PUT', `${TF_NS}/${TF_NAME}`, tfLease(null, {})))).toEqual([]);
    // client-go's typed clients send protobuf where the program asks for it.
    expect(codes(inspect(kube('PUT', `${TF_NS}/${TF_NAME}`), encodeKube({ ...held, metadata: createMeta }), PROTOBUF, false, settings))).toEqual([]);
  });

  it("is not a leader elector's renewal (15 s), a node's heartbeat (40 s), or a Lease's holder changed alone", () => {
    const renewal = lease({ holderIdentity: 'dev-laptop_3f1c', leaseDurationSeconds: 15 }, 'a1b2c3d4.example.com', 'dev');
    expect(codes(send('PUT', '/apis/coordination.k8s.io/v1/namespaces/dev/leases/a1b2c3d4.example.com', renewal))).toEqual([]);
    expect(codes(inspect(kube('PUT', '/apis/coordination.k8s.io/v1/namespaces/dev/leases/a1b2c3d4.example.com'), encodeKube(renewal), PROTOBUF, false, settings))).toEqual([]);
    expect(codes(inspect(kube('POST', '/apis/coordination.k8s.io/v1/namespaces/dev/leases'), encodeKube(renewal), PROTOBUF, false, settings))).toEqual([]);
    expect(codes(send('PATCH', '/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases/worker-3', { spec: { holderIdentity: 'worker-3', leaseDurationSeconds: 40 } }, STRATEGIC))).toEqual([]);
    expect(codes(send('PATCH', LEASE, { spec: { holderIdentity: 'someone-else' } }, MERGE))).toEqual([]);
    expect(codes(send('PATCH', LEASE, { spec: { leaseDurationSeconds: null } }, MERGE))).toEqual([]);
  });
});
