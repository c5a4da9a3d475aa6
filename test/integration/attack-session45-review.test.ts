import { describe, expect, it } from 'vitest';
import { builtServerForFile, freshSubjects, officeRound, reason, REFUSED, rules } from '../support/built-server.js';
import type { RequestSpec } from '../support/requests.js';

/**
 * Review of session 45 (Argo CD, the example policy as it ships, the built server over gRPC
 * Checks). An Argo CD sync was routine whatever it carried: `revision` deploys any git ref (an
 * unreviewed branch) and `manifests` deploys the request's own objects (`argocd app sync --local`),
 * both with Argo CD's rights. Since review45 such a sync is judged as the Application's patch Argo
 * CD writes for it (argocd-objects: two factors within 15 minutes, as redefining the application
 * asks), its manifests as an unreadable body; the plain sync stays routine. Each gRPC, gRPC-web and
 * gRPC-web-text row decides as its REST twin.
 */

const server = builtServerForFile('session45review');
const subjects = freshSubjects(() => server().issuer, 'session45review');
const ARGOCD = 'argocd.localhost';
const { signedIn, send } = officeRound(server, subjects);

/** A protobuf string field (one-byte tag; one- or two-byte length). */
const pb = (n: number, v: string): number[] => {
  const b = Buffer.from(v);
  return b.length < 128 ? [(n << 3) | 2, b.length, ...b] : [(n << 3) | 2, (b.length & 0x7f) | 0x80, b.length >> 7, ...b];
};
const framed = (msg: number[]): Uint8Array => Uint8Array.from([0, msg.length >>> 24, (msg.length >> 16) & 0xff, (msg.length >> 8) & 0xff, msg.length & 0xff, ...msg]);
const cli = (rpc: string, msg: number[], type = 'application/grpc'): RequestSpec => ({ host: ARGOCD, method: 'POST', path: `/application.ApplicationService/${rpc}`, headers: { 'content-type': type, te: 'trailers' }, rawBody: framed(msg) });
const text = (spec: RequestSpec): RequestSpec => ({ ...spec, headers: { ...spec.headers, 'content-type': 'application/grpc-web-text' }, rawBody: Buffer.from(Buffer.from(spec.rawBody!).toString('base64')) });
const json = (method: string, path: string, body: unknown): RequestSpec => ({ host: ARGOCD, method, path, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
/** The same request three ways the argocd CLI sends it: gRPC, gRPC-web, gRPC-web-text. */
const threeWays = (rpc: string, msg: number[]): RequestSpec[] => [cli(rpc, msg), cli(rpc, msg, 'application/grpc-web+proto'), text(cli(rpc, msg, 'application/grpc-web'))];

const MANIFEST = JSON.stringify({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'x', namespace: 'kube-system' }, spec: { hostPID: true, containers: [{ name: 'x', image: 'busybox', securityContext: { privileged: true } }] } });
const restSync = (body: unknown): RequestSpec => json('POST', '/api/v1/applications/checkout-prod/sync', body);
const grpcSync = (more: number[]): number[] => [...pb(1, 'checkout-prod'), ...more, ...pb(12, 'argocd')];

describe('found: a sync that deploys what its request carries was routine', () => {
  it.each<[string, RequestSpec, number[], 'aal1' | 'aal2', string, string]>([
    ['to an unreviewed branch, on the everyday sign-in', restSync({ appNamespace: 'argocd', revision: 'attacker/unreviewed', prune: false, dryRun: false }), grpcSync(pb(2, 'attacker/unreviewed')), 'aal1', 'acr_insufficient', 'argocd-objects'],
    ['to a commit of one source of a multi-source app', restSync({ appNamespace: 'argocd', sourcePositions: [1], revisions: ['0123456789abcdef0123456789abcdef01234567'] }), grpcSync([14 << 3, 1, ...pb(15, '0123456789abcdef0123456789abcdef01234567')]), 'aal1', 'acr_insufficient', 'argocd-objects'],
    ['with local manifests (a privileged pod in kube-system), on two factors a minute old', restSync({ appNamespace: 'argocd', manifests: [MANIFEST] }), grpcSync(pb(8, MANIFEST)), 'aal2', 'acr_insufficient', 'guardrail:body_unreadable'],
  ])('a sync %s: asked, gRPC as REST', async (_what, rest, msg, level, decision, rule) => {
    const viaRest = await send(await signedIn(level, 60), rest);
    expect(reason(viaRest), rules(viaRest)).toBe(decision);
    expect(rules(viaRest).split(',')).toContain(rule);
    for (const spec of threeWays('Sync', msg)) {
      const viaGrpc = await send(await signedIn(level, 60), spec);
      expect([reason(viaGrpc), rules(viaGrpc)], spec.headers!['content-type']).toEqual([reason(viaRest), rules(viaRest)]);
    }
  });

  it('a sync to a branch on two factors a minute old is allowed, as redefining the application is (argocd-app-changes)', async () => {
    const res = await send(await signedIn('aal2', 60), restSync({ appNamespace: 'argocd', revision: 'release-candidate' }));
    expect(reason(res), rules(res)).toBe('allowed');
    const spec = await send(await signedIn('aal2', 60), json('PUT', '/api/v1/applications/checkout-prod/spec', { project: 'default', source: { repoURL: 'https://git.example/checkout', targetRevision: 'release-candidate' } }));
    expect(reason(spec), rules(spec)).toBe('allowed');
  });

  it.each<[string, string, string]>([
    ['the revision twice (proto2 keeps the last)', 'gRPC', ''],
    ['the revision in two spellings (encoding/json keeps the later)', 'REST', '{"revision":"HEAD","Revision":"attacker/unreviewed"}'],
  ])('a sync naming %s (%s): request_invalid', async (_what, how, body) => {
    const spec = how === 'REST' ? { ...restSync({}), body } : cli('Sync', grpcSync([...pb(2, 'HEAD'), ...pb(2, 'attacker/unreviewed')]));
    const res = await send(await signedIn('aal2', 60), spec);
    expect(reason(res)).toBe('request_invalid');
  });
});

describe('checked: `argocd app set` and `argocd app patch` over gRPC are asked as the REST spec update is', () => {
  it.each<[string, string, number[], RequestSpec]>([
    ['UpdateSpec (argocd app set)', 'UpdateSpec', [...pb(1, 'checkout-prod'), ...pb(2, String.fromCharCode(...pb(1, String.fromCharCode(...pb(1, 'https://git.example/fork'))))), ...pb(4, 'argocd')], json('PUT', '/api/v1/applications/checkout-prod/spec', { source: { repoURL: 'https://git.example/fork' } })],
    ['Patch (argocd app patch)', 'Patch', [...pb(1, 'checkout-prod'), ...pb(2, '{"spec":{"syncPolicy":null}}'), ...pb(3, 'merge'), ...pb(5, 'argocd')], json('PATCH', '/api/v1/applications/checkout-prod', { patch: '{"spec":{"syncPolicy":null}}', patchType: 'merge' })],
  ])('%s on the everyday sign-in: asked (argocd-app-changes), gRPC as REST', async (_what, rpc, msg, rest) => {
    const viaRest = await send(await signedIn('aal1', 600), rest);
    expect([reason(viaRest), rules(viaRest)]).toEqual(['acr_insufficient', 'argocd-app-changes']);
    for (const spec of threeWays(rpc, msg)) {
      const viaGrpc = await send(await signedIn('aal1', 600), spec);
      expect([reason(viaGrpc), rules(viaGrpc)], spec.headers!['content-type']).toEqual([reason(viaRest), rules(viaRest)]);
    }
  });
});

describe("found (review45): under a root path the host's path rules did not match", () => {
  // The readers take any root path (argocd-server --rootpath, an ingress's UI base path) since
  // review44; the host's path rules (argocd-app-changes, argocd-admin) are written for Argo CD at
  // the root, so under a prefix, deleting an application or minting an API token was a web page
  // to them, allowed on the everyday sign-in. Since review45 they are matched on the route too
  // (request routePath, policy.ts), the stricter reading applying.
  it.each<[string, RequestSpec]>([
    ['an application deleted with its resources (REST)', { host: ARGOCD, method: 'DELETE', path: '/argo-cd/api/v1/applications/checkout-prod?cascade=true' }],
    ['an application redefined (gRPC-web, argocd --grpc-web-root-path)', { ...cli('UpdateSpec', [...pb(1, 'checkout-prod'), ...pb(2, '')], 'application/grpc-web+proto'), path: '/argo-cd/application.ApplicationService/UpdateSpec' }],
    ["an API token minted for the admin account", json('POST', '/argo-cd/api/v1/account/admin/token', {})],
  ])('%s, on the everyday sign-in: asked', async (_what, spec) => {
    const res = await send(await signedIn('aal1', 600), spec);
    expect(REFUSED, rules(res)).toContain(reason(res));
  });
});

describe('controls: routine syncs stay routine on the everyday sign-in', () => {
  it.each<[string, RequestSpec]>([
    ["the UI's sync of an app tracking HEAD", restSync({ appNamespace: 'argocd', revision: 'HEAD', prune: false, dryRun: false, strategy: { hook: {} } })],
    ['the release CLI over REST (no revision)', restSync({ appNamespace: 'argocd', prune: false, dryRun: false })],
    ['a pruning dry run of a subset, with sync options', restSync({ appNamespace: 'argocd', prune: true, dryRun: true, resources: [{ group: 'apps', kind: 'Deployment', name: 'web' }], syncOptions: { items: ['ServerSideApply=true'] } })],
    ...threeWays('Sync', grpcSync([])).map((spec): [string, RequestSpec] => [`\`argocd app sync\` (${spec.headers!['content-type']})`, spec]),
  ])('%s', async (_what, spec) => {
    const res = await send(await signedIn(), spec);
    expect(reason(res), rules(res)).toBe('allowed');
  });
});
