import { describe, expect, it } from 'vitest';
import { inspect } from '../../src/guardrails/inspect.js';
import type { GuardrailResult } from '../../src/guardrails/types.js';
import { guardSettings, kube } from '../support/guardrails.js';

/**
 * device_admin_access (src/guardrails/rules/device-claims.ts, and the namespace label in
 * rules/namespaces.ts) and endpoint_foreign_target (rules/route-backends.ts): the fields read in
 * every version and patch type that carries them, and the routine writes beside them.
 */

const settings = guardSettings();
const JSON_PATCH = 'application/json-patch+json';
const MERGE = 'application/merge-patch+json';
const send = (method: string, path: string, body: unknown, type = 'application/json') => inspect(kube(method, path), JSON.stringify(body), type, false, settings);
const at = (r: GuardrailResult, code: string) => r.violations.filter((v) => v.code === code).map((v) => v.path);

const CLAIMS = '/apis/resource.k8s.io/v1/namespaces/dev/resourceclaims';
const TEMPLATES = '/apis/resource.k8s.io/v1/namespaces/dev/resourceclaimtemplates';
const request = (extra: object) => ({ name: 'gpu', exactly: { deviceClassName: 'gpu.example.com', ...extra } });
const claim = (requests: object[]) => ({ apiVersion: 'resource.k8s.io/v1', kind: 'ResourceClaim', metadata: { name: 'gpu' }, spec: { devices: { requests } } });

describe('device_admin_access', () => {
  it('reads adminAccess where each version puts it', () => {
    expect(at(send('POST', CLAIMS, claim([request({ adminAccess: true })])), 'device_admin_access')).toEqual(['spec.devices.requests[0].exactly.adminAccess']);
    const v1beta1 = { apiVersion: 'resource.k8s.io/v1beta1', kind: 'ResourceClaim', metadata: { name: 'gpu' }, spec: { devices: { requests: [{ name: 'gpu', deviceClassName: 'gpu.example.com', adminAccess: true }] } } };
    expect(at(send('POST', '/apis/resource.k8s.io/v1beta1/namespaces/dev/resourceclaims', v1beta1), 'device_admin_access')).toEqual(['spec.devices.requests[0].adminAccess']);
    const template = { apiVersion: 'resource.k8s.io/v1', kind: 'ResourceClaimTemplate', metadata: { name: 'gpu' }, spec: { spec: claim([request({}), request({ adminAccess: true })]).spec } };
    expect(at(send('POST', TEMPLATES, template), 'device_admin_access')).toEqual(['spec.spec.devices.requests[1].exactly.adminAccess']);
  });

  it("names the body's kind in its detail without its control characters (a terminal escape reaches kubectl's printed Status)", () => {
    const r = send('POST', CLAIMS, { ...claim([request({ adminAccess: true })]), kind: 'ResourceClaim\u001b[2J\u0007' });
    const detail = r.violations.find((v) => v.code === 'device_admin_access')?.detail ?? '';
    expect(detail.startsWith('ResourceClaim[2J asks for admin access')).toBe(true);
    // eslint-disable-next-line no-control-regex
    expect(detail).not.toMatch(/[\u0000-\u001f]/);
  });

  it('reads every patch type; a value a JSON patch copies from elsewhere is an unreadable body', () => {
    expect(at(send('PATCH', `${TEMPLATES}/gpu`, [{ op: 'add', path: '/spec/spec/devices/requests/0/exactly/adminAccess', value: true }], JSON_PATCH), 'device_admin_access')).toHaveLength(1);
    expect(at(send('PATCH', `${CLAIMS}/gpu`, { spec: { devices: { requests: [request({ adminAccess: true })] } } }, MERGE), 'device_admin_access')).toHaveLength(1);
    expect(send('PATCH', `${TEMPLATES}/gpu`, [{ op: 'copy', from: '/metadata/annotations/x', path: '/spec/spec/devices/requests/0/exactly/adminAccess' }], JSON_PATCH).unreadable).toBe('body_unreadable');
  });

  it('leaves ordinary claims, adminAccess: false and other kinds alone', () => {
    expect(send('POST', CLAIMS, claim([request({}), request({ adminAccess: false, count: 2 })])).violations).toEqual([]);
    // A ConfigMap's data may say anything: only claims are read.
    expect(at(send('POST', '/api/v1/namespaces/dev/configmaps', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'x' }, data: { adminAccess: 'true' } }), 'device_admin_access')).toEqual([]);
  });

  it('judges the namespace label that admits it, either spelling, by any write', () => {
    for (const key of ['resource.kubernetes.io/admin-access', 'resource.k8s.io/admin-access']) {
      expect(at(send('PATCH', '/api/v1/namespaces/dev', { metadata: { labels: { [key]: 'true' } } }, MERGE), 'device_admin_access')).toEqual([`metadata.labels[${JSON.stringify(key)}]`]);
      expect(at(send('POST', '/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'gpu-ops', labels: { [key]: 'true' } } }), 'device_admin_access')).toHaveLength(1);
    }
    // kube compares with "true" case-sensitively: another value admits nothing.
    expect(at(send('PATCH', '/api/v1/namespaces/dev', { metadata: { labels: { 'resource.kubernetes.io/admin-access': 'True' } } }, MERGE), 'device_admin_access')).toEqual([]);
    expect(at(send('PATCH', '/api/v1/namespaces/dev', { metadata: { labels: { 'resource.kubernetes.io/admin-access': null } } }, MERGE), 'device_admin_access')).toEqual([]);
    expect(at(send('PATCH', '/api/v1/namespaces/dev', [{ op: 'copy', from: '/metadata/annotations', path: '/metadata/labels' }], JSON_PATCH), 'device_admin_access')).toHaveLength(2);
  });
});

describe('endpoint_foreign_target', () => {
  const endpoints = (targetRef: object | undefined, list = 'addresses') => ({ apiVersion: 'v1', kind: 'Endpoints', metadata: { name: 'pay' }, subsets: [{ [list]: [{ ip: '10.244.3.17', ...(targetRef && { targetRef }) }], ports: [{ port: 8080 }] }] });
  const slice = (targetRef: object | undefined) => ({ apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice', metadata: { name: 'pay-1' }, addressType: 'IPv4', endpoints: [{ addresses: ['10.244.3.17'], ...(targetRef && { targetRef }) }], ports: [{ port: 8080 }] });
  const prod = { kind: 'Pod', namespace: 'prod-payments', name: 'pay-0' };

  it("flags a targetRef in another namespace, in Endpoints' ready and not-ready addresses and an EndpointSlice", () => {
    expect(at(send('POST', '/api/v1/namespaces/dev/endpoints', endpoints(prod)), 'endpoint_foreign_target')).toEqual(['subsets[0].addresses[0].targetRef.namespace']);
    expect(at(send('POST', '/api/v1/namespaces/dev/endpoints', endpoints(prod, 'notReadyAddresses')), 'endpoint_foreign_target')).toEqual(['subsets[0].notReadyAddresses[0].targetRef.namespace']);
    expect(at(send('POST', '/apis/discovery.k8s.io/v1/namespaces/dev/endpointslices', slice(prod)), 'endpoint_foreign_target')).toEqual(['endpoints[0].targetRef.namespace']);
  });

  it('takes the namespace from the body when the URL names none', () => {
    const body = { ...endpoints({ ...prod, namespace: 'dev' }), metadata: { name: 'pay', namespace: 'prod-payments' } };
    expect(at(send('POST', '/api/v1/endpoints', body), 'endpoint_foreign_target')).toHaveLength(1);
  });

  it('reads a JSON patch; a value it copies from elsewhere is an unreadable body', () => {
    expect(at(send('PATCH', '/api/v1/namespaces/dev/endpoints/pay', [{ op: 'add', path: '/subsets/0/addresses/0/targetRef', value: prod }], JSON_PATCH), 'endpoint_foreign_target')).toHaveLength(1);
    expect(send('PATCH', '/api/v1/namespaces/dev/endpoints/pay', [{ op: 'copy', from: '/metadata/annotations/x', path: '/subsets/0/addresses/0/targetRef/namespace' }], JSON_PATCH).unreadable).toBe('body_unreadable');
  });

  it("leaves the namespace's own pods, a reference with no namespace and an outside address alone", () => {
    expect(at(send('POST', '/api/v1/namespaces/dev/endpoints', endpoints({ ...prod, namespace: 'dev' })), 'endpoint_foreign_target')).toEqual([]);
    expect(at(send('POST', '/api/v1/namespaces/dev/endpoints', endpoints({ kind: 'Pod', name: 'pay-0' })), 'endpoint_foreign_target')).toEqual([]);
    expect(send('POST', '/apis/discovery.k8s.io/v1/namespaces/dev/endpointslices', slice(undefined)).violations).toEqual([]);
  });
});
