import { describe, expect, it } from 'vitest';
import { builtServerForFile, freshSubjects, officeRound, reason, REFUSED, rules } from '../support/built-server.js';
import type { RequestSpec } from '../support/requests.js';

/**
 * Argo CD (argocd.localhost, `kubernetes.web_apis` api `argo-cd`) against the built server with the
 * example policy as it ships, over gRPC Checks. Argo CD acts with its own rights (cluster-admin in a
 * default install), so its web terminal, a managed resource's delete, patch or action are the
 * requests Argo CD makes for them; its path rules (argocd-shell, argocd-app-changes) asked two
 * factors of them, and what the same request asks through kubectl was never asked. The sign-in
 * those rules accept is the one every row here sends.
 */

const server = builtServerForFile('session44argocd');
const subjects = freshSubjects(() => server().issuer, 'session44argocd');

const ARGOCD = 'argocd.localhost';
const { signedIn, send } = officeRound(server, subjects);

const terminal = (ns: string, pod: string, container: string): RequestSpec => ({
  host: ARGOCD,
  path: `/terminal?pod=${pod}&container=${container}&appName=platform&appNamespace=argocd&projectName=default&namespace=${ns}`,
  headers: { connection: 'upgrade', upgrade: 'websocket', 'sec-websocket-version': '13', 'sec-websocket-key': 'dGhlIHNhbXBsZSBub25jZQ==' },
});
const resource = (method: string, q: string, body?: string): RequestSpec => ({
  host: ARGOCD,
  method,
  path: `/api/v1/applications/platform/resource?appNamespace=argocd&${q}`,
  headers: { 'content-type': 'application/json' },
  body,
});
const COREDNS = 'namespace=kube-system&resourceName=coredns&version=v1&group=apps&kind=Deployment';
const PRIVILEGED = JSON.stringify({ spec: { template: { spec: { containers: [{ name: 'web', image: 'busybox', securityContext: { privileged: true } }], hostPID: true } } } });
const grpc = (rpc: string): RequestSpec => ({ host: ARGOCD, method: 'POST', path: `/application.ApplicationService/${rpc}`, headers: { 'content-type': 'application/grpc', te: 'trailers' }, body: '\0\0\0\0\x12\n\x08platform' });

describe('found: Argo CD acts on the cluster as the requests kubectl would send', () => {
  it.each<[string, RequestSpec, string]>([
    ["the web terminal into kube-system's coredns (an exec there)", terminal('kube-system', 'coredns-5d78c9869d-x7k2p', 'coredns'), 'system-pod-access'],
    ["the web terminal into argocd's own application controller (cluster-admin's token in the pod)", terminal('argocd', 'argocd-application-controller-0', 'argocd-application-controller'), 'system-pod-access'],
    ["kube-system's coredns deleted as a managed resource", resource('DELETE', COREDNS), 'system-component-deletes'],
    ['a privileged container and the host PID namespace patched into a production Deployment', resource('POST', 'namespace=prod-eu&resourceName=web&version=v1&group=apps&kind=Deployment&patchType=application%2Fstrategic-merge-patch%2Bjson', JSON.stringify(PRIVILEGED)), 'guardrail:privileged_container'],
    [
      "a custom resource action on kube-system's coredns (a Lua script whose change the request does not show)",
      { host: ARGOCD, method: 'POST', path: '/api/v1/applications/platform/resource/actions/v2', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ appNamespace: 'argocd', namespace: 'kube-system', resourceName: 'coredns', version: 'v1', group: 'apps', kind: 'Deployment', action: 'scale-to-zero', resourceActionParameters: [] }) },
      'guardrail:body_unreadable',
    ],
  ])('%s, on the two-factor sign-in the path rules accept: refused', async (_what, spec, rule) => {
    const res = await send(await signedIn('aal2', 60), spec);
    expect(REFUSED, rules(res)).toContain(reason(res));
    expect(rules(res).split(',')).toContain(rule);
  });

  it.each(['PatchResource', 'DeleteResource', 'RunResourceActionV2', 'RunResourceAction', 'GetResource', 'PodLogs'])(
    "ApplicationService/%s over gRPC (the CLI), whose target is in a protobuf body: request_invalid",
    async (rpc) => {
      const res = await send(await signedIn('aal2', 60), grpc(rpc));
      expect(reason(res)).toBe('request_invalid');
    },
  );
});

describe('found (review44): the same under a root path (argocd-server --rootpath, or an ingress UI base path)', () => {
  // Argo CD strips its root path (withRootPath's http.StripPrefix) before its routes; stepgate knew
  // only the unprefixed routes, so these were web pages to it, allowed on the sign-in the path rules accept.
  const prefixed = (spec: RequestSpec): RequestSpec => ({ ...spec, path: `/argo-cd${spec.path}` });
  it.each<[string, RequestSpec, string]>([
    ["the web terminal into kube-system's coredns at /argo-cd/terminal", prefixed(terminal('kube-system', 'coredns-5d78c9869d-x7k2p', 'coredns')), 'system-pod-access'],
    ["kube-system's coredns deleted at /argo-cd/api/v1/applications/…/resource", prefixed(resource('DELETE', COREDNS)), 'system-component-deletes'],
  ])('%s: refused', async (_what, spec, rule) => {
    const res = await send(await signedIn('aal2', 60), spec);
    expect(REFUSED, rules(res)).toContain(reason(res));
    expect(rules(res).split(',')).toContain(rule);
  });

  it('PatchResource over gRPC-web under the root path: request_invalid', async () => {
    const res = await send(await signedIn('aal2', 60), prefixed(grpc('PatchResource')));
    expect(reason(res)).toBe('request_invalid');
  });
});

describe("found (review44): a form POST runs another method's handler (grpc-gateway's path-length fallback)", () => {
  // grpc-gateway v1 runs a POST with Content-Type application/x-www-form-urlencoded as any other
  // method's handler matching the path: PodLogs here, which the path rules and the logs reading saw as a POST.
  const form = (path: string): RequestSpec => ({ host: ARGOCD, method: 'POST', path, headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'appNamespace=argocd' });
  it.each<[string, RequestSpec]>([
    ["kube-system's API server logs as a form POST", form('/api/v1/applications/platform/pods/kube-apiserver-cp-1/logs?namespace=kube-system&container=kube-apiserver')],
    ['the Application deleted (or replaced) as a form POST', form('/api/v1/applications/platform?cascade=true')],
  ])('%s: request_invalid', async (_what, spec) => {
    const res = await send(await signedIn('aal2', 60), spec);
    expect(reason(res), rules(res)).toBe('request_invalid');
  });
});

/** `argocd app logs platform --kind Pod --name <pod> --namespace <ns> -c <c> -f` over gRPC: its ApplicationPodLogsQuery, framed, as raw bytes (pack_as_bytes). */
const pb = (n: number, v: string): number[] => [(n << 3) | 2, Buffer.byteLength(v), ...Buffer.from(v)];
const grpcLogs = (ns: string, pod: string, container: string, type = 'application/grpc'): RequestSpec => {
  const msg = [...pb(1, 'platform'), ...pb(2, ns), ...pb(4, container), 7 << 3, 100, 8 << 3, 1, ...pb(11, 'Pod'), ...pb(12, ''), ...pb(13, pod), ...pb(15, 'argocd')];
  return { host: ARGOCD, method: 'POST', path: '/application.ApplicationService/PodLogs', headers: { 'content-type': type, te: 'trailers' }, rawBody: Uint8Array.from([0, 0, 0, 0, msg.length, ...msg]) };
};

describe('found (session 44): `argocd app logs` over gRPC was refused outright; its body is read and judged as the REST route', () => {
  // PodLogs over gRPC was request_invalid whatever it asked; now its query is read, so the same
  // logs are judged alike whichever way the CLI sends them (and an unreadable body stays refused).
  it.each<[string, string]>([
    ['gRPC', 'application/grpc'],
    ['gRPC-web', 'application/grpc-web+proto'],
  ])("kube-system's API server logs over %s: judged as the REST logs route is", async (_what, type) => {
    const viaGrpc = await send(await signedIn(), grpcLogs('kube-system', 'kube-apiserver-cp-1', 'kube-apiserver', type));
    const viaRest = await send(await signedIn(), { host: ARGOCD, path: '/api/v1/applications/platform/pods/kube-apiserver-cp-1/logs?namespace=kube-system&container=kube-apiserver&follow=true&tailLines=100&appNamespace=argocd' });
    expect(reason(viaGrpc), rules(viaGrpc)).not.toBe('request_invalid');
    expect([reason(viaGrpc), rules(viaGrpc)]).toEqual([reason(viaRest), rules(viaRest)]);
  });
});

describe('controls: routine Argo CD use stays allowed', () => {
  // The patch is read in the type its patchType names (the request's own Content-Type is JSON):
  // read as the request's, it would be an unreadable body, asked a hardware key.
  it("a dev Deployment scaled through Argo CD's resource patch, on the two-factor sign-in argocd-app-changes asks", async () => {
    const res = await send(await signedIn('aal2', 60), resource('POST', 'namespace=dev&resourceName=web&version=v1&group=apps&kind=Deployment&patchType=application%2Fmerge-patch%2Bjson', JSON.stringify('{"spec":{"replicas":3}}')));
    expect(reason(res), rules(res)).toBe('allowed');
  });

  it("the built-in restart of a dev Deployment, likewise (what kubectl rollout restart writes)", async () => {
    const res = await send(await signedIn('aal2', 60), { host: ARGOCD, method: 'POST', path: '/api/v1/applications/payments-dev/resource/actions/v2', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ appNamespace: 'argocd', namespace: 'dev', resourceName: 'web', version: 'v1', group: 'apps', kind: 'Deployment', action: 'restart', resourceActionParameters: [] }) });
    expect(reason(res), rules(res)).toBe('allowed');
  });
});

describe('controls: routine Argo CD use stays allowed on the everyday sign-in', () => {
  it.each<[string, RequestSpec]>([
    ['the application list', { host: ARGOCD, path: '/api/v1/applications?projects=payments' }],
    ["an application's resource tree", { host: ARGOCD, path: '/api/v1/applications/payments-dev/resource-tree?appNamespace=argocd' }],
    ['its diff (managed resources)', { host: ARGOCD, path: '/api/v1/applications/payments-dev/managed-resources?appNamespace=argocd' }],
    ['a sync', { host: ARGOCD, method: 'POST', path: '/api/v1/applications/payments-dev/sync', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ revision: 'HEAD', prune: false, dryRun: false }) }],
    ["a pod's logs in the engineer's own dev namespace", { host: ARGOCD, path: '/api/v1/applications/payments-dev/pods/web-0/logs?namespace=dev&container=web&follow=true&tailLines=1000&appNamespace=argocd' }],
    ["a Deployment's logs in dev", { host: ARGOCD, path: '/api/v1/applications/payments-dev/logs?appNamespace=argocd&namespace=dev&kind=Deployment&group=apps&resourceName=web&follow=true&tailLines=1000' }],
    ["a live manifest of a dev Deployment", resource('GET', 'namespace=dev&resourceName=web&version=v1&group=apps&kind=Deployment')],
    ['the CLI listing applications over gRPC', grpc('List')],
    ["`argocd app logs` of a pod in the engineer's own dev namespace, over gRPC", grpcLogs('dev', 'web-0', 'web')],
  ])('%s', async (_what, spec) => {
    const res = await send(await signedIn(), spec);
    expect(reason(res), rules(res)).toBe('allowed');
  });
});
