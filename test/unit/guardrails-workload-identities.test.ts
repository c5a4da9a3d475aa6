import { describe, expect, it } from 'vitest';
import { compileAssurance } from '../../src/core/assurance.js';
import { compileGlobList } from '../../src/core/glob.js';
import { inspect } from '../../src/guardrails/inspect.js';
import { csrNames, csrUris, ipLiteral } from '../../src/guardrails/rules/csr-names.js';
import { linkerdNamespace, spiffeNamespace } from '../../src/guardrails/rules/workload-identities.js';
import { compileGuardrails } from '../../src/guardrails/settings.js';
import { guardConfig, guardSettings, kube } from '../support/guardrails.js';
import { csrRequest } from '../support/csr.js';

/**
 * workload-identities.ts (workload_identity_claim): a cert-manager Certificate or
 * CertificateRequest for a mesh identity of another namespace; and the IP names host-kinds.ts now
 * reads as host claims.
 */

const PROD_ID = 'spiffe://cluster.local/ns/payments-prod/sa/payments-api';
const DEV_ID = 'spiffe://cluster.local/ns/dev/sa/web';

describe('spiffeNamespace', () => {
  it.each<[string, string]>([
    [PROD_ID, 'payments-prod'],
    [DEV_ID, 'dev'],
    // SPIRE's templates may put segments around the pair.
    ['spiffe://example.org/region/eu/ns/dev/sa/web/pod_name/web-1', 'dev'],
    ['SPIFFE://Cluster.Local/NS/dev/sa/web', 'dev'],
  ])('%s is of %s', (uri, ns) => {
    expect(spiffeNamespace(uri)).toBe(ns);
  });

  it.each<[string]>([
    // No namespace in it: whose it is depends on the mesh's own naming.
    ['spiffe://cluster.local/payments-api'],
    ['spiffe://cluster.local'],
    ['spiffe://cluster.local/'],
    ['spiffe:cluster.local/ns/dev/sa/web'],
    // Read apart by the meshes (escapes, empty segments, a query), or two namespaces.
    ['spiffe://cluster.local/ns/d%65v/sa/web'],
    ['spiffe://cluster.local//ns/dev/sa/web'],
    ['spiffe://cluster.local/ns/dev/sa/web?x=1'],
    ['spiffe://cluster.local/ns/dev/sa/web/ns/payments-prod'],
    ['spiffe://cluster.local/ns'],
  ])('%s names no namespace that can be read', (uri) => {
    expect(typeof spiffeNamespace(uri)).toBe('symbol');
    expect(spiffeNamespace(uri)).not.toBe(spiffeNamespace('https://example.com'));
  });

  it('a URI of another scheme is no workload identity', () => {
    for (const uri of ['https://web.dev.example.com/callback', 'urn:uuid:0f3c', 'mailto:ops@example.com']) expect(spiffeNamespace(uri)).toBe(spiffeNamespace('https://example.com'));
  });
});

describe('linkerdNamespace', () => {
  it.each<[string, string | undefined]>([
    ['payments-api.payments-prod.serviceaccount.identity.linkerd.cluster.local', 'payments-prod'],
    ['*.payments-prod.serviceaccount.identity.linkerd.cluster.local', 'payments-prod'],
    ['Web.Dev.ServiceAccount.Identity.linkerd.cluster.local', 'dev'],
    ['web.dev.example.com', undefined],
    ['serviceaccount.identity.linkerd.cluster.local', undefined],
  ])('%s', (name, ns) => {
    expect(linkerdNamespace(name)).toBe(ns);
  });
});

describe('csr-names: URI and IP names of a CSR', () => {
  it('reads them as cert-manager signs them', () => {
    const req = csrRequest(undefined, [`URI:${PROD_ID}`, 'IP:10.96.0.1', 'IP:fd00:0:0::1', 'web.dev.example.com']);
    expect(csrUris(req)).toEqual([PROD_ID]);
    expect(csrNames(req)).toEqual(['10.96.0.1', '[fd00::1]', 'web.dev.example.com']);
    expect(csrUris('garbage')).toHaveLength(1);
    expect(csrUris(csrRequest('web.dev.example.com'))).toEqual([]);
  });

  it('ipLiteral writes an address as kubernetes.hosts would name it', () => {
    expect(ipLiteral('10.96.0.1')).toBe('10.96.0.1');
    expect(ipLiteral('::ffff:10.96.0.1')).toBe('10.96.0.1');
    expect(ipLiteral('FD00:0::1')).toBe('[fd00::1]');
    expect(ipLiteral('kube.test')).toBeUndefined();
  });
});

const HOSTS = ['kube.test', '10.96.0.1', '[fd00::1]'];
const cfg = guardConfig();
const gatedSettings = compileGuardrails(cfg.guardrails, compileAssurance(cfg.assurance.levels), false, HOSTS, compileGlobList(HOSTS, '.'))!;
const plain = guardSettings();

const run = (settings: typeof plain, method: string, path: string, body: unknown, contentType = 'application/json') => {
  const r = inspect(kube(method, path), typeof body === 'string' ? body : JSON.stringify(body), contentType, false, settings);
  return [...r.violations.map((v) => v.code), ...(r.unreadable !== undefined ? ['unreadable'] : [])];
};

const CERTS = '/apis/cert-manager.io/v1/namespaces/dev/certificates';
const CRS = '/apis/cert-manager.io/v1/namespaces/dev/certificaterequests';
const cert = (spec: Record<string, unknown>) => ({ apiVersion: 'cert-manager.io/v1', kind: 'Certificate', metadata: { name: 'web' }, spec: { secretName: 'web-tls', issuerRef: { name: 'mesh-ca', kind: 'ClusterIssuer' }, ...spec } });
const cr = (request: string) => ({ apiVersion: 'cert-manager.io/v1', kind: 'CertificateRequest', metadata: { generateName: 'web-' }, spec: { request, issuerRef: { name: 'mesh-ca', kind: 'ClusterIssuer', group: 'cert-manager.io' } } });

describe('workload_identity_claim', () => {
  it("a Certificate for another namespace's SPIFFE ID, or one whose namespace cannot be read", () => {
    const r = inspect(kube('POST', CERTS), JSON.stringify(cert({ uris: [DEV_ID, PROD_ID] })), 'application/json', false, plain);
    expect(r.violations.map((v) => [v.code, v.path, v.detail])).toEqual([
      [
        'workload_identity_claim',
        'spec.uris[1]',
        `Certificate for workload identity ${PROD_ID}, of namespace payments-prod, in namespace dev: its key is that workload to every peer that trusts the issuer (mTLS, authorization policies that name it)`,
      ],
    ]);
    expect(run(plain, 'POST', CERTS, cert({ uris: ['spiffe://cluster.local/payments-api'] }))).toEqual(['workload_identity_claim']);
    expect(run(plain, 'PATCH', `${CERTS}/web`, { spec: { uris: [PROD_ID] } }, 'application/merge-patch+json')).toEqual(['workload_identity_claim']);
    expect(run(plain, 'PATCH', `${CERTS}/web?fieldManager=kubectl&force=true`, `apiVersion: cert-manager.io/v1\nkind: Certificate\nmetadata:\n  name: web\n  namespace: dev\nspec:\n  uris:\n  - ${PROD_ID}\n`, 'application/apply-patch+yaml')).toEqual(['workload_identity_claim']);
  });

  it("a Certificate for dev's own identity, a URI that is no SPIFFE ID, or the identity's owners writing it, claims nothing", () => {
    expect(run(plain, 'POST', CERTS, cert({ uris: [DEV_ID, 'https://web.dev.example.com/'], dnsNames: ['web.dev.svc.cluster.local'] }))).toEqual([]);
    expect(run(plain, 'POST', '/apis/cert-manager.io/v1/namespaces/payments-prod/certificates', cert({ uris: [PROD_ID] }))).toEqual([]);
    expect(run(plain, 'PATCH', `${CERTS}/web/status`, { status: { conditions: [{ type: 'Issuing', status: 'True' }] } }, 'application/merge-patch+json')).toEqual([]);
  });

  it("a Certificate for another namespace's Linkerd identity", () => {
    expect(run(plain, 'POST', CERTS, cert({ dnsNames: ['payments-api.payments-prod.serviceaccount.identity.linkerd.cluster.local'] }))).toEqual(['workload_identity_claim']);
    expect(run(plain, 'POST', CERTS, cert({ commonName: 'payments-api.payments-prod.serviceaccount.identity.linkerd.cluster.local' }))).toEqual(['workload_identity_claim']);
    expect(run(plain, 'POST', CERTS, cert({ dnsNames: ['web.dev.serviceaccount.identity.linkerd.cluster.local'] }))).toEqual([]);
  });

  it("a CertificateRequest whose CSR names another namespace's identity, or cannot be read", () => {
    expect(run(plain, 'POST', CRS, cr(csrRequest(undefined, [`URI:${PROD_ID}`])))).toEqual(['workload_identity_claim']);
    expect(run(plain, 'POST', CRS, cr(csrRequest(undefined, ['payments-api.payments-prod.serviceaccount.identity.linkerd.cluster.local'])))).toEqual(['workload_identity_claim']);
    expect(run(plain, 'POST', CRS, cr('garbage'))).toEqual(['workload_identity_claim']);
    expect(run(plain, 'POST', CRS, cr(csrRequest(undefined, [`URI:${DEV_ID}`, 'URI:urn:example:web'])))).toEqual([]);
  });

  it('a patch that hides the names is any identity', () => {
    expect(run(plain, 'PATCH', `${CERTS}/web`, [{ op: 'copy', from: '/spec/secretName', path: '/spec/uris/0' }], 'application/json-patch+json')).toContain('unreadable');
  });
});

describe('IP names as host claims', () => {
  it('a certificate for an address stepgate checks is gated_host_route; another address claims nothing', () => {
    expect(run(gatedSettings, 'POST', CERTS, cert({ ipAddresses: ['10.96.0.1'] }))).toEqual(['gated_host_route']);
    expect(run(gatedSettings, 'POST', CERTS, cert({ ipAddresses: ['::ffff:10.96.0.1'] }))).toEqual(['gated_host_route']);
    expect(run(gatedSettings, 'POST', CERTS, cert({ ipAddresses: ['fd00:0::1'] }))).toEqual(['gated_host_route']);
    expect(run(gatedSettings, 'POST', CRS, cr(csrRequest(undefined, ['IP:10.96.0.1'])))).toEqual(['gated_host_route']);
    expect(run(gatedSettings, 'POST', CERTS, cert({ ipAddresses: ['10.244.1.7'] }))).toEqual([]);
    expect(run(gatedSettings, 'POST', CRS, cr(csrRequest(undefined, ['IP:10.244.1.7'])))).toEqual([]);
  });
});
