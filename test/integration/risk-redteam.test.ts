import { describe, expect, it } from 'vitest';
import { ANY_OBJECT } from '../../src/guardrails/protobuf/schema.js';
import { deniedBody, reasonOf, type CheckResponse } from '../support/grpc-client.js';
import { encodeKube, encodeMessage, envelope } from '../support/kube-protobuf.js';
import { exampleServiceForFile } from '../support/workday-service.js';
import type { Login } from '../support/workday.js';

/**
 * Red team against the risk engine and the example policy (issue 12), black-box through the real
 * gRPC server running examples/stepgate.yaml on a virtual clock: strategies of an attacker who knows
 * how stepgate works, each against an engineer with a day of routine work behind them. What is
 * stopped by now is asserted as stopped; what is still allowed is an `it.fails` that says why.
 */

const s = exampleServiceForFile();
const T0 = Date.UTC(2027, 4, 3, 8, 0, 0);
const M = 60_000;
const H = 60 * M;
const HOME = '84.120.7.30';
const VPS = '203.0.113.50';
const KUBECTL = 'kubectl/v1.32.3 (linux/amd64) kubernetes/32cc146';

function get(login: Login, at: number, path: string, source = HOME): Promise<CheckResponse> {
  return s.sendAt(login, at, { method: 'GET', path, source, headers: { 'user-agent': KUBECTL } });
}

function write(login: Login, at: number, method: string, path: string, body: string | Uint8Array, type: string): Promise<CheckResponse> {
  return s.sendAt(login, at, {
    method, path, source: HOME,
    headers: { 'user-agent': KUBECTL, 'content-type': type, 'x-envoy-auth-partial-body': 'false' },
    ...(typeof body === 'string' ? { body } : { rawBody: body }),
  });
}

function stepgate(res: CheckResponse): { required?: { level: string; max_age?: number } } {
  const body = deniedBody(res) as { kind?: string; stepgate?: unknown };
  return (body.kind === 'Status' ? body.stepgate : body) as never;
}

/** What kubectl prints. */
function message(res: CheckResponse): string {
  return String((deniedBody(res) as { message?: string }).message);
}

/** Routine work at home the day before (Secrets and pods of prod-cart), then a sign-in at 08:00. */
async function engineer(sub: string): Promise<Login> {
  const y: Login = { sub, sid: `${sub}:y`, authTime: Math.floor((T0 - 24 * H) / 1000), acr: 'urn:stepgate:aal2' };
  for (let k = 0; k < 6; k++) {
    expect(reasonOf(await get(y, T0 - 24 * H + M + k * 20 * M, '/api/v1/namespaces/prod-cart/pods'))).toBe('allowed');
    expect(reasonOf(await get(y, T0 - 24 * H + M + 10_000 + k * 20 * M, '/api/v1/namespaces/prod-cart/secrets/cart-db'))).toBe('allowed');
    expect(reasonOf(await get(y, T0 - 24 * H + M + 20_000 + k * 20 * M, '/api/v1/namespaces/cart-dev/pods'))).toBe('allowed');
  }
  const login: Login = { sub, sid: `${sub}:1`, authTime: Math.floor(T0 / 1000), acr: 'urn:stepgate:aal2' };
  expect(reasonOf(await get(login, T0 + 30_000, '/api/v1/namespaces/prod-cart/pods'))).toBe('allowed');
  return login;
}

const MERGE = 'application/merge-patch+json';
const STRATEGIC = 'application/strategic-merge-patch+json';
const JSON_PATCH = 'application/json-patch+json';
const PROTOBUF = 'application/vnd.kubernetes.protobuf';
const DEAD_OWNER = { apiVersion: 'v1', kind: 'ConfigMap', name: 'gone', uid: '6b0d7c1e-0000-4000-8000-00000000dead' };
const OWNED = JSON.stringify({ metadata: { ownerReferences: [DEAD_OWNER] } });

// Malware on the engineer's laptop, or a stolen token of the morning's sign-in: a delete of what
// holds a production service needs a sign-in within 15 minutes (prod-durable-deletes), a namespace
// delete a hardware key (delete_protected). kube's garbage collector deletes an object once none of
// its owners exists, so a change that gives it an owner that was never there is that delete, and was
// allowed on the production write's 8 hours.
describe('a delete asked for as a change: an owner reference the garbage collector acts on', () => {
  it('the patches that give a production Deployment, PVC, ConfigMap or the Namespace a missing owner ask what their delete asks', async () => {
    const login = await engineer('owner-1@example.io');
    const at = T0 + 3 * H;
    // The delete itself, for comparison: a sign-in 3 hours old is too old for it.
    const del = await s.sendAt(login, at, { method: 'DELETE', path: '/apis/apps/v1/namespaces/prod-cart/deployments/cart-api', source: HOME, headers: { 'user-agent': KUBECTL } });
    expect(reasonOf(del)).toBe('auth_too_old');
    const rows: [string, string, string | Uint8Array, string][] = [
      ['PATCH', '/apis/apps/v1/namespaces/prod-cart/deployments/cart-api', OWNED, MERGE],
      ['PATCH', '/apis/apps/v1/namespaces/prod-cart/statefulsets/cart-db', OWNED, STRATEGIC],
      ['PATCH', '/api/v1/namespaces/prod-cart/persistentvolumeclaims/data-cart-db-0', JSON.stringify([{ op: 'add', path: '/metadata/ownerReferences', value: [DEAD_OWNER] }]), JSON_PATCH],
      ['PATCH', '/api/v1/namespaces/prod-cart/configmaps/cart', JSON.stringify([{ op: 'copy', from: '/metadata/labels', path: '/metadata/ownerReferences' }]), JSON_PATCH],
      ['PATCH', '/api/v1/namespaces/prod-cart/services/cart', `metadata:\n  ownerReferences:\n  - {apiVersion: v1, kind: ConfigMap, name: gone, uid: 6b0d7c1e-0000-4000-8000-00000000dead}\n`, 'application/apply-patch+yaml'],
      ['PUT', '/apis/apps/v1/namespaces/prod-cart/deployments/cart-api', encodeKube({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'cart-api', ownerReferences: [DEAD_OWNER] } }), PROTOBUF],
      ['PUT', '/api/v1/namespaces/prod-cart/serviceaccounts/cart', envelope('v1', 'ServiceAccount', encodeMessage({ metadata: { name: 'cart', ownerReferences: [DEAD_OWNER] } }, ANY_OBJECT)), PROTOBUF],
    ];
    for (const [k, [method, path, body, type]] of rows.entries()) {
      const res = await write(login, at + (k + 1) * M, method, path, body, type);
      expect(reasonOf(res), `${method} ${path} (${type})`).toBe('auth_too_old');
      expect(message(res), path).toContain('a delete of a production workload');
      expect(stepgate(res).required?.max_age, path).toBe(900);
    }
    // The Namespace: everything in it goes, so delete_protected's hardware key.
    const ns = await write(login, at + 10 * M, 'PATCH', '/api/v1/namespaces/prod-cart', OWNED, MERGE);
    expect(reasonOf(ns)).toBe('acr_insufficient');
    expect(message(ns)).toContain('delete_protected');
  });

  it('a production StatefulSet changed to delete its claims when scaled asks what deleting them asks; the scale to zero that follows would delete the disks', async () => {
    const login = await engineer('owner-3@example.io');
    const at = T0 + 3 * H;
    const retention = JSON.stringify({ spec: { persistentVolumeClaimRetentionPolicy: { whenScaled: 'Delete', whenDeleted: 'Delete' } } });
    const res = await write(login, at, 'PATCH', '/apis/apps/v1/namespaces/prod-cart/statefulsets/cart-db', retention, STRATEGIC);
    expect(reasonOf(res)).toBe('auth_too_old');
    expect(stepgate(res).required?.max_age).toBe(900);
    // Keeping them asks only what a production change asks.
    const keep = JSON.stringify({ spec: { persistentVolumeClaimRetentionPolicy: { whenScaled: 'Retain', whenDeleted: 'Retain' } } });
    expect(reasonOf(await write(login, at + M, 'PATCH', '/apis/apps/v1/namespaces/prod-cart/statefulsets/cart-db', keep, STRATEGIC))).toBe('allowed');
  });

  it('asks nothing more of the same changes without an owner, in a dev namespace, or with a fresh sign-in', async () => {
    const login = await engineer('owner-2@example.io');
    const at = T0 + 3 * H;
    const image = JSON.stringify({ spec: { template: { spec: { containers: [{ name: 'api', image: 'registry.example.io/cart-api@sha256:' + 'a'.repeat(64) }] } } } });
    expect(reasonOf(await write(login, at, 'PATCH', '/apis/apps/v1/namespaces/prod-cart/deployments/cart-api', image, STRATEGIC))).toBe('allowed');
    expect(reasonOf(await write(login, at + M, 'PATCH', '/api/v1/namespaces/prod-cart/configmaps/cart', JSON.stringify({ data: { level: 'debug' } }), MERGE))).toBe('allowed');
    // Removing an owner orphans the object; it deletes nothing.
    expect(reasonOf(await write(login, at + 2 * M, 'PATCH', '/api/v1/namespaces/prod-cart/configmaps/cart', JSON.stringify({ metadata: { ownerReferences: null } }), MERGE))).toBe('allowed');
    // Where a delete asks nothing more than a change, neither does the owner reference.
    expect(reasonOf(await write(login, at + 3 * M, 'PATCH', '/apis/apps/v1/namespaces/cart-dev/deployments/cart-api', OWNED, MERGE))).toBe('allowed');
    // A sign-in within the delete's 15 minutes meets it.
    const fresh: Login = { ...login, sid: `${login.sub}:2`, authTime: Math.floor((at + 4 * M) / 1000) };
    expect(reasonOf(await write(fresh, at + 5 * M, 'PATCH', '/apis/apps/v1/namespaces/prod-cart/deployments/cart-api', OWNED, MERGE))).toBe('allowed');
  });
});

// Malware on the laptop of an engineer signed in with one factor (the example's everyday level):
// `get secret` asks two factors, but a Job handed that Secret, created where the engineer works,
// prints it into its log. And with two factors, a patch of a Deployment in argocd handed
// `argocd-secret` (a production-like system write, two factors within 12 hours) reads what
// `system-secrets` holds to a hardware key. Both were allowed.
describe('a Secret read through a workload it is handed', () => {
  const image = 'registry.example.io/tools@sha256:' + 'b'.repeat(64);
  const job = (ns: string, secret: string) => JSON.stringify({
    apiVersion: 'batch/v1', kind: 'Job', metadata: { name: 'sync', namespace: ns },
    spec: { template: { spec: { restartPolicy: 'Never', containers: [{ name: 'c', image, command: ['env'], envFrom: [{ secretRef: { name: secret } }] }] } } },
  });

  it('asks what reading the Secret asks: two factors for a Job in the engineer\'s own namespace', async () => {
    const login = await engineer('handed-1@example.io');
    const aal1: Login = { ...login, sid: `${login.sub}:aal1`, authTime: Math.floor((T0 + H) / 1000), acr: 'urn:stepgate:aal1' };
    expect(reasonOf(await get(aal1, T0 + H + M, '/api/v1/namespaces/cart-dev/secrets/cart-db'))).toBe('acr_insufficient');
    const res = await write(aal1, T0 + H + 2 * M, 'POST', '/apis/batch/v1/namespaces/cart-dev/jobs', job('cart-dev', 'cart-db'), 'application/json');
    expect(reasonOf(res)).toBe('acr_insufficient');
    expect(message(res)).toContain('Secrets need two factors');
    // The same Job with the two-factor sign-in of the morning, and one handed no Secret, go through.
    expect(reasonOf(await write(login, T0 + H + 3 * M, 'POST', '/apis/batch/v1/namespaces/cart-dev/jobs', job('cart-dev', 'cart-db'), 'application/json'))).toBe('allowed');
    const plain = JSON.stringify({ apiVersion: 'batch/v1', kind: 'Job', metadata: { name: 'plain' }, spec: { template: { spec: { restartPolicy: 'Never', containers: [{ name: 'c', image }] } } } });
    expect(reasonOf(await write(aal1, T0 + H + 4 * M, 'POST', '/apis/batch/v1/namespaces/cart-dev/jobs', plain, 'application/json'))).toBe('allowed');
  });

  it("asks a hardware key for a patch of Argo CD's server handed argocd-secret, as system-secrets does", async () => {
    const login = await engineer('handed-2@example.io');
    const patch = JSON.stringify({ spec: { template: { spec: { containers: [{ name: 'argocd-server', env: [{ name: 'X', valueFrom: { secretKeyRef: { name: 'argocd-secret', key: 'admin.password' } } }] }] } } } });
    expect(reasonOf(await get(login, T0 + 5 * M, '/api/v1/namespaces/argocd/secrets/argocd-secret'))).toBe('acr_insufficient');
    const res = await write(login, T0 + 6 * M, 'PATCH', '/apis/apps/v1/namespaces/argocd/deployments/argocd-server', patch, 'application/strategic-merge-patch+json');
    expect(reasonOf(res)).toBe('acr_insufficient');
    expect(stepgate(res).required?.level).toBe('aal3');
  });
});

// Malware on the release laptop, or a stolen token of the morning's sign-in, takes production down
// without a delete: `kubectl scale --replicas=0` in every region is a patch of `…/scale`, which the
// example's production writes allowed on the morning's 8 hours while the delete it amounts to
// (every pod gone) needs a sign-in within 15 minutes (prod-durable-deletes). Day 10's replay.
describe('a production workload scaled to zero asks what deleting it asks', () => {
  it('by its scale, a Scale put, or its own spec.replicas; a scale to two stays a production change', async () => {
    const login = await engineer('scale-1@example.io');
    const at = T0 + 3 * H;
    const rows: [string, string, string | Uint8Array, string][] = [
      ['PATCH', '/apis/apps/v1/namespaces/prod-cart/deployments/cart-api/scale', JSON.stringify({ spec: { replicas: 0 } }), MERGE],
      ['PUT', '/apis/apps/v1/namespaces/prod-cart/statefulsets/cart-db/scale', JSON.stringify({ apiVersion: 'autoscaling/v1', kind: 'Scale', metadata: { name: 'cart-db', namespace: 'prod-cart' }, spec: { replicas: 0 } }), 'application/json'],
      ['PATCH', '/apis/apps/v1/namespaces/prod-cart/deployments/cart-api', JSON.stringify({ spec: { replicas: 0 } }), STRATEGIC],
      ['PATCH', '/apis/apps/v1/namespaces/prod-cart/deployments/cart-api/scale', JSON.stringify([{ op: 'replace', path: '/spec/replicas', value: 0 }]), JSON_PATCH],
    ];
    for (const [k, [method, path, body, type]] of rows.entries()) {
      const res = await write(login, at + (k + 1) * M, method, path, body, type);
      expect(reasonOf(res), `${method} ${path} (${type})`).toBe('auth_too_old');
      expect(message(res), path).toContain('Rule prod-durable-deletes: a delete of a production workload');
      expect(stepgate(res).required?.max_age, path).toBe(900);
    }
    const two = await write(login, at + 10 * M, 'PATCH', '/apis/apps/v1/namespaces/prod-cart/deployments/cart-api/scale', JSON.stringify({ spec: { replicas: 2 } }), MERGE);
    expect(reasonOf(two)).toBe('allowed');
    // The engineer who means it signs in and scales to zero within the 15 minutes.
    const fresh: Login = { ...login, sid: `${login.sub}:2`, authTime: Math.floor((at + 11 * M) / 1000) };
    const zero = await write(fresh, at + 12 * M, 'PATCH', '/apis/apps/v1/namespaces/prod-cart/deployments/cart-api/scale', JSON.stringify({ spec: { replicas: 0 } }), MERGE);
    expect(reasonOf(zero)).toBe('allowed');
  });
});

// An insider (or malware right after a fresh sign-in) takes production down by scaling it to zero
// instead of deleting it. destructive_burst counted the delete verb only, so thirty scales to zero in
// a minute were no burst: each met its 15 minutes with a sign-in a minute old. A write the
// guardrails read as a delete (a scale to zero, owner references, a Service taken from its pods)
// now counts as one, for the burst and for machine pace.
describe('a burst of scales to zero is a burst of deletes', () => {
  /** Scales each Deployment in turn, 2 s apart, signing in again whenever asked (an insider can). */
  async function scaleAll(sub: string, replicas: number, count: number): Promise<string[]> {
    await engineer(sub);
    const at = T0 + 2 * H;
    let login: Login = { sub, sid: `${sub}:2`, authTime: Math.floor((at - M) / 1000), acr: 'urn:stepgate:aal2' };
    const seen: string[] = [];
    for (let k = 0; k < count; k++) {
      const t = at + k * 2000;
      const path = `/apis/apps/v1/namespaces/prod-cart/deployments/svc-${k}/scale`;
      let res = await write(login, t, 'PATCH', path, JSON.stringify({ spec: { replicas } }), MERGE);
      if (reasonOf(res) === 'auth_too_old' || reasonOf(res) === 'acr_insufficient') {
        seen.push(`${reasonOf(res)}→signed in`);
        login = { sub, sid: `${sub}:${k + 3}`, authTime: Math.floor((t + 500) / 1000), acr: 'urn:stepgate:aal2' };
        res = await write(login, t + 1000, 'PATCH', path, JSON.stringify({ spec: { replicas } }), MERGE);
      }
      const reason = reasonOf(res) ?? 'no reason';
      seen.push(reason);
      if (reason === 'risk_deny') {
        expect(message(res)).toMatch(/^stepgate: burst of deletes since \d\d:\d\d:\d\dZ: refused \(a scale to zero, or another write that deletes, counts as a delete\)\. Contact the platform team\. \(risk_deny; risk \d+: [a-z_, ]*destructive_burst/);
        break;
      }
    }
    return seen;
  }

  it('an engineer who signs in whenever asked is refused by the 13th scale to zero within 300 s, as by the 13th delete', async () => {
    const seen = await scaleAll('insider-scale@example.io', 0, 20);
    // The threshold is 12 in 300 s; the scale refused for pace and retried after the sign-in counts
    // twice, as a retried delete does.
    const allowed = seen.filter((r) => r === 'allowed').length;
    expect(allowed).toBeGreaterThanOrEqual(11);
    expect(allowed).toBeLessThanOrEqual(12);
    expect(seen.at(-1)).toBe('risk_deny');
    // Machine pace asked for a sign-in first (the fourth distinct Deployment within seconds).
    expect(seen.slice(0, 6)).toContain('auth_too_old→signed in');
  });

  it('control: twenty scales to two replicas are production changes, no burst and no pace', async () => {
    const seen = await scaleAll('scale-up@example.io', 2, 20);
    expect(seen).toEqual(Array(20).fill('allowed'));
  });
});

// A hardware-key sign-in made for something else (stepgate's own Namespace in a `kubectl label ns
// --all`) was ridden 48 minutes later by malware on the same laptop, from the engineer's known
// network and kubectl, to point a ClusterIssuer at its own CA: cluster-add-on-objects asked a
// hardware key within the hour (day 9's replay), as rbac-writes and cluster-control did. They ask
// one within 15 minutes now.
describe('a hardware-key sign-in ridden for a cluster-wide add-on object or RBAC', () => {
  it('a ClusterIssuer pointed at another CA 48 minutes after the sign-in asks a fresh one; 10 minutes after, allowed', async () => {
    const login = await engineer('issuer-1@example.io');
    const at = T0 + 3 * H;
    const key: Login = { ...login, sid: `${login.sub}:hwk`, authTime: Math.floor(at / 1000), acr: 'urn:stepgate:aal3' };
    const body = JSON.stringify({ spec: { ca: { secretName: 'attacker-ca' } } });
    const ridden = await write(key, at + 48 * M, 'PATCH', '/apis/cert-manager.io/v1/clusterissuers/corp', body, MERGE);
    expect(reasonOf(ridden)).toBe('auth_too_old');
    expect(stepgate(ridden).required?.max_age).toBe(900);
    // The same sign-in for RBAC (rbac-writes), the same 15 minutes.
    const binding = JSON.stringify({ apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'RoleBinding', metadata: { name: 'ci-cache' }, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'edit' }, subjects: [{ kind: 'User', name: 'ci-cache' }] });
    const rbac = await write(key, at + 49 * M, 'POST', '/apis/rbac.authorization.k8s.io/v1/namespaces/prod-cart/rolebindings', binding, 'application/json');
    expect(reasonOf(rbac)).toBe('auth_too_old');
    expect(stepgate(rbac).required?.max_age).toBe(900);
    const key2: Login = { ...key, sid: `${login.sub}:hwk2`, authTime: Math.floor((at + 50 * M) / 1000) };
    expect(reasonOf(await write(key2, at + 60 * M, 'PATCH', '/apis/cert-manager.io/v1/clusterissuers/corp', body, MERGE))).toBe('allowed');
  });
  // Day 11 rode one the same way to rewrite CoreDNS's Corefile (cluster-trust-config); the rules
  // left at the hour then are at 15 minutes too, so no hardware-key rule of the example can be
  // ridden for longer than a quarter of an hour.
  it('Argo CD\'s credentials and projects, the API server\'s debug endpoints and kube-system\'s workloads, 40 minutes after a hardware key, ask a fresh one', async () => {
    const login = await engineer('ridden-2@example.io');
    const at = T0 + 3 * H;
    const key: Login = { ...login, sid: `${login.sub}:hwk`, authTime: Math.floor(at / 1000), acr: 'urn:stepgate:aal3' };
    const rows: [string, string, string, string, string][] = [
      ['argocd-config', 'PATCH', '/api/v1/namespaces/argocd/configmaps/argocd-rbac-cm', JSON.stringify({ data: { 'policy.default': 'role:admin' } }), MERGE],
      ['argocd-objects-admin', 'PATCH', '/apis/argoproj.io/v1alpha1/namespaces/argocd/appprojects/default', JSON.stringify({ spec: { sourceRepos: ['*'] } }), MERGE],
      ['apiserver-debug', 'PUT', '/debug/flags/v', '9', 'text/plain'],
      ['system-component-deletes', 'DELETE', '/apis/apps/v1/namespaces/kube-system/deployments/coredns', JSON.stringify({ propagationPolicy: 'Background' }), 'application/json'],
    ];
    for (const [k, [rule, method, path, body, type]] of rows.entries()) {
      const res = await write(key, at + (40 + k) * M, method, path, body, type);
      expect(reasonOf(res), path).toBe('auth_too_old');
      expect(message(res), path).toContain(`Rule ${rule}:`);
      // 15 minutes, or 5 where the engineer's working set never held the namespace (elevated).
      expect(stepgate(res).required?.max_age, path).toBeLessThanOrEqual(900);
    }
    // Within 15 minutes of the key, the same requests pass.
    const fresh: Login = { ...key, sid: `${login.sub}:hwk2`, authTime: Math.floor((at + 54 * M) / 1000) };
    for (const [k, [, method, path, body, type]] of rows.entries()) {
      expect(reasonOf(await write(fresh, at + 55 * M + k * 1000, method, path, body, type)), path).toBe('allowed');
    }
  });
});

// The same laptop turns a production Service into a pointer to the attacker's host (its callers,
// a database client among them, hand it their credentials) or a public load balancer. A create of
// such a Service is routine (a managed database, a load balancer); turning an existing one is the
// Service's delete as its callers see it. Day 10's replay.
describe('a production Service taken from its pods asks what deleting it asks', () => {
  it('switched to ExternalName, pointed elsewhere, or opened as a LoadBalancer; a port change stays a production change', async () => {
    const login = await engineer('svc-1@example.io');
    const at = T0 + 3 * H;
    const rows: [string, string, string, string][] = [
      ['PATCH', '/api/v1/namespaces/prod-cart/services/cart-db', JSON.stringify({ spec: { type: 'ExternalName', externalName: 'db.cart-mirror.net', clusterIP: null, selector: null } }), MERGE],
      ['PATCH', '/api/v1/namespaces/prod-cart/services/cart-api', JSON.stringify({ spec: { type: 'LoadBalancer', loadBalancerSourceRanges: ['0.0.0.0/0'] } }), MERGE],
      ['PATCH', '/api/v1/namespaces/prod-cart/services/payments-rds', JSON.stringify({ spec: { externalName: 'evil.example.net' } }), STRATEGIC],
    ];
    for (const [k, [method, path, body, type]] of rows.entries()) {
      const res = await write(login, at + (k + 1) * M, method, path, body, type);
      expect(reasonOf(res), `${method} ${path}`).toBe('auth_too_old');
      expect(message(res), path).toContain('Rule prod-durable-deletes: a delete of a production workload, its volumes, Services');
      expect(stepgate(res).required?.max_age, path).toBe(900);
    }
    const ports = await write(login, at + 10 * M, 'PATCH', '/api/v1/namespaces/prod-cart/services/cart-api', JSON.stringify({ spec: { ports: [{ port: 443, targetPort: 8443 }] } }), STRATEGIC);
    expect(reasonOf(ports)).toBe('allowed');
  });
});

// A stolen token of the morning's sign-in, used once from the attacker's VPS at 09:00 (refused: a
// new network needs a sign-in after it first appeared), records the VPS's network as first seen at
// 09:00. A sign-in the attacker captures at 10:00 (a phishing proxy's, or a device code the victim
// approves), first used from the VPS, is then an authentication made after that first sighting,
// which is exactly what an engineer who is challenged at a café and signs in there presents. Without
// the priming request, the same captured sign-in is refused at its first request.
describe('first sighting taken before a captured sign-in', () => {
  it('without priming, a captured sign-in first used from the VPS is refused at its first request', async () => {
    const login = await engineer('prime-0@example.io');
    const phished: Login = { sub: login.sub, sid: `${login.sub}:2`, authTime: Math.floor((T0 + 2 * H) / 1000), acr: 'urn:stepgate:aal2' };
    expect(reasonOf(await get(phished, T0 + 2 * H + 20_000, '/api/v1/namespaces/prod-cart/secrets/cart-db', VPS))).toBe('auth_too_old');
  });

  // Not fixed: from the requests alone the attacker is the engineer at the café (a request refused
  // for a new network, then a later sign-in used from it). Telling them apart needs evidence from
  // the device (a client certificate or the device cookie, which make new_device bind) or where the
  // sign-in was made (the IdP's view). Restamping a first sighting that stayed unknown for longer
  // than a few minutes would narrow it to an attacker who primes again just before the capture, at
  // the price of one more challenge for an engineer who signs in long after being asked; both stores
  // keep sightings unmoved by design (docs/risk.md, "Context-bound step-up"). See the report of
  // branch riskred.
  it.fails('a priming request from the VPS with an older token lets the captured sign-in read a Secret from there', async () => {
    const login = await engineer('prime-1@example.io');
    expect(reasonOf(await get(login, T0 + H, '/api/v1/namespaces/prod-cart/pods', VPS))).toBe('auth_too_old');
    const phished: Login = { sub: login.sub, sid: `${login.sub}:2`, authTime: Math.floor((T0 + 2 * H) / 1000), acr: 'urn:stepgate:aal2' };
    expect(reasonOf(await get(phished, T0 + 2 * H + 20_000, '/api/v1/namespaces/prod-cart/secrets/cart-db', VPS))).toBe('auth_too_old');
  });
});
