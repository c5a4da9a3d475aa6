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
/** A gRPC body that is no one message: its length prefix (18) runs past the 10 bytes after it. */
const grpc = (rpc: string): RequestSpec => ({ host: ARGOCD, method: 'POST', path: `/application.ApplicationService/${rpc}`, headers: { 'content-type': 'application/grpc', te: 'trailers' }, body: '\0\0\0\0\x12\n\x08platform' });

/** A protobuf string field (one-byte tag; one- or two-byte length). */
const pb = (n: number, v: string): number[] => {
  const b = Buffer.from(v);
  return b.length < 128 ? [(n << 3) | 2, b.length, ...b] : [(n << 3) | 2, (b.length & 0x7f) | 0x80, b.length >> 7, ...b];
};
/** Fields 1–6 of the CLI's object-level request messages (application.proto): the application and the object. */
const cliObject = (ns: string, name: string, rest: number[], kind = 'Deployment', group = 'apps'): number[] => [...pb(1, 'platform'), ...pb(2, ns), ...pb(3, name), ...pb(4, 'v1'), ...pb(5, group), ...pb(6, kind), ...rest];
/** `argocd app patch-resource platform --kind Deployment --resource-name <name> --namespace <ns> --patch <patch> --patch-type <type>`. */
const cliPatch = (ns: string, name: string, patch: string, type: string): number[] => cliObject(ns, name, [...pb(7, patch), ...pb(8, type), ...pb(9, 'argocd')]);
/** `argocd app delete-resource platform --kind Deployment --resource-name <name> --namespace <ns>` (force and orphan false). */
const cliDelete = (ns: string, name: string): number[] => cliObject(ns, name, [7 << 3, 0, 8 << 3, 0, ...pb(9, 'argocd')]);
/** `argocd app get-resource platform --kind <kind> --resource-name <name> --namespace <ns>`. */
const cliGet = (ns: string, name: string, kind = 'Deployment', group = 'apps'): number[] => cliObject(ns, name, [...pb(7, 'argocd')], kind, group);
/** `argocd app actions run platform <action> --kind Deployment --resource-name <name> --namespace <ns>` (V2's parameters, field 10). */
const cliAction = (ns: string, name: string, action: string, params: number[] = []): number[] => cliObject(ns, name, [...pb(7, action), ...pb(8, 'argocd'), ...params]);
const cliParam = (k: string, v: string): number[] => pb(10, String.fromCharCode(...pb(1, k), ...pb(2, v)));
/** The message framed as the CLI sends it (flag 0, 4-byte length), as raw bytes (pack_as_bytes). */
const cli = (rpc: string, msg: number[], type = 'application/grpc', head: Record<string, string> = {}): RequestSpec => ({
  host: ARGOCD,
  method: 'POST',
  path: `/application.ApplicationService/${rpc}`,
  headers: { 'content-type': type, te: 'trailers', ...head },
  rawBody: Uint8Array.from([0, msg.length >>> 24, (msg.length >> 16) & 0xff, (msg.length >> 8) & 0xff, msg.length & 0xff, ...msg]),
});
const SMP = 'application/strategic-merge-patch+json';

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

  // Session 44 refused these over gRPC whatever they asked (request_invalid); since session 45 the
  // request message is read, so each is refused for what it does, as its REST row above is.
  it.each<[string, string, number[], string]>([
    ['PatchResource: a privileged container and the host PID namespace into a production Deployment', 'PatchResource', cliPatch('prod-eu', 'web', PRIVILEGED, SMP), 'guardrail:privileged_container'],
    ["DeleteResource: kube-system's coredns", 'DeleteResource', cliDelete('kube-system', 'coredns'), 'system-component-deletes'],
    ["RunResourceActionV2: a custom action on kube-system's coredns", 'RunResourceActionV2', cliAction('kube-system', 'coredns', 'scale-to-zero', cliParam('replicas', '0')), 'guardrail:body_unreadable'],
    ["RunResourceAction (v1, the CLI's fallback): the same", 'RunResourceAction', cliAction('kube-system', 'coredns', 'scale-to-zero'), 'guardrail:body_unreadable'],
  ])('%s, over gRPC and gRPC-web on the two-factor sign-in: refused as REST is', async (_what, rpc, msg, rule) => {
    for (const type of ['application/grpc', 'application/grpc-web+proto']) {
      const res = await send(await signedIn('aal2', 60), cli(rpc, msg, type));
      expect(REFUSED, `${type}: ${rules(res)}`).toContain(reason(res));
      expect(rules(res).split(','), type).toContain(rule);
    }
  });

  it.each(['PatchResource', 'DeleteResource', 'RunResourceActionV2', 'RunResourceAction', 'GetResource', 'PodLogs'])(
    'ApplicationService/%s over gRPC whose body is no one exact message (a length past its end): request_invalid',
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

  it('PatchResource over gRPC-web under the root path: read, and refused as the REST patch is', async () => {
    const res = await send(await signedIn('aal2', 60), prefixed(cli('PatchResource', cliPatch('prod-eu', 'web', PRIVILEGED, SMP), 'application/grpc-web+proto')));
    expect(REFUSED, rules(res)).toContain(reason(res));
    expect(rules(res).split(',')).toContain('guardrail:privileged_container');
  });

  it('a malformed PatchResource under the root path: request_invalid', async () => {
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

describe("found (session 45): the CLI's object-level commands over gRPC were refused outright; their request messages are read and judged as the REST routes", () => {
  // `argocd app get-resource`, `patch-resource`, `delete-resource` and `actions run` were
  // request_invalid whatever they asked; the UI's REST requests for the same acts were judged.
  // Now each gRPC (and gRPC-web) request gets exactly the decision of its REST twin, sent by
  // another subject on the same sign-in.
  const v2 = (ns: string, name: string, action: string): RequestSpec => ({
    host: ARGOCD,
    method: 'POST',
    path: '/api/v1/applications/platform/resource/actions/v2',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ appNamespace: 'argocd', namespace: ns, resourceName: name, version: 'v1', group: 'apps', kind: 'Deployment', action, resourceActionParameters: [] }),
  });
  const text = (spec: RequestSpec): RequestSpec => ({ ...spec, headers: { ...spec.headers, 'content-type': 'application/grpc-web-text' }, rawBody: Buffer.from(Buffer.from(spec.rawBody!).toString('base64')) });
  it.each<[string, 'aal1' | 'aal2', string, number[], RequestSpec, string, string]>([
    ['a privileged container patched into a production Deployment', 'aal2', 'PatchResource', cliPatch('prod-eu', 'web', PRIVILEGED, SMP), resource('POST', `namespace=prod-eu&resourceName=web&version=v1&group=apps&kind=Deployment&patchType=${encodeURIComponent(SMP)}`, JSON.stringify(PRIVILEGED)), 'acr_insufficient', 'guardrail:privileged_container'],
    ["kube-system's coredns deleted, on the everyday sign-in", 'aal1', 'DeleteResource', cliDelete('kube-system', 'coredns'), resource('DELETE', COREDNS), 'acr_insufficient', 'system-component-deletes'],
    ["kube-system's coredns deleted, on two factors", 'aal2', 'DeleteResource', cliDelete('kube-system', 'coredns'), resource('DELETE', COREDNS), 'acr_insufficient', 'system-component-deletes'],
    ["kube-system's coredns read (its live manifest)", 'aal1', 'GetResource', cliGet('kube-system', 'coredns'), resource('GET', COREDNS), 'allowed', 'default'],
    ["a custom action on kube-system's coredns", 'aal2', 'RunResourceActionV2', cliAction('kube-system', 'coredns', 'scale-to-zero'), v2('kube-system', 'coredns', 'scale-to-zero'), 'acr_insufficient', 'guardrail:body_unreadable'],
    ['the built-in restart of a dev Deployment', 'aal2', 'RunResourceActionV2', cliAction('dev', 'web', 'restart'), v2('dev', 'web', 'restart'), 'allowed', 'argocd-app-changes'],
    ['a dev Deployment scaled by a merge patch', 'aal2', 'PatchResource', cliPatch('dev', 'web', '{"spec":{"replicas":3}}', 'application/merge-patch+json'), resource('POST', 'namespace=dev&resourceName=web&version=v1&group=apps&kind=Deployment&patchType=application%2Fmerge-patch%2Bjson', JSON.stringify('{"spec":{"replicas":3}}')), 'allowed', 'argocd-app-changes'],
  ])('%s (%s): gRPC, gRPC-web and gRPC-web-text decide as REST does', async (_what, level, rpc, msg, rest, decision, rule) => {
    const viaRest = await send(await signedIn(level, 60), rest);
    expect(reason(viaRest), rules(viaRest)).toBe(decision);
    expect(rules(viaRest).split(',')).toContain(rule);
    for (const spec of [cli(rpc, msg), cli(rpc, msg, 'application/grpc-web+proto'), text(cli(rpc, msg, 'application/grpc-web'))]) {
      const viaGrpc = await send(await signedIn(level, 60), spec);
      expect([reason(viaGrpc), rules(viaGrpc)], spec.headers!['content-type']).toEqual([reason(viaRest), rules(viaRest)]);
    }
  });

  // What the reading cannot take one way stays refused, whatever the message would ask.
  const del = cliDelete('dev', 'web');
  const framed = (msg: number[], flag = 0): number[] => [flag, 0, 0, msg.length >> 8, msg.length & 0xff, ...msg];
  const raw = (rpc: string, bytes: number[], type: string, head: Record<string, string> = {}): RequestSpec => ({ ...cli(rpc, [], type, head), rawBody: Uint8Array.from(bytes) });
  it.each<[string, string, number[], Record<string, string>?]>([
    ['truncated (its length runs past the end)', 'DeleteResource', framed(del).slice(0, 20)],
    ['the namespace twice (a dev one, then kube-system)', 'DeleteResource', framed([...del, ...pb(2, 'kube-system')])],
    ['the patch as a varint (wrong wire type)', 'PatchResource', framed(cliObject('dev', 'web', [7 << 3, 1, ...pb(8, SMP)]))],
    ['the compressed flag', 'DeleteResource', framed(del, 1)],
    ['two messages', 'DeleteResource', [...framed(del), ...framed(cliDelete('kube-system', 'coredns'))]],
    ['oversized (cut at the gateway limit, Envoy marks it partial)', 'PatchResource', framed(cliPatch('dev', 'web', PRIVILEGED, SMP)).slice(0, 64), { 'x-envoy-auth-partial-body': 'true' }],
    ['a field the .proto does not have', 'GetResource', framed([...cliGet('dev', 'web'), 11 << 3, 1])],
    ['no version (required)', 'DeleteResource', framed([...pb(1, 'platform'), ...pb(2, 'kube-system'), ...pb(3, 'coredns'), ...pb(6, 'Deployment')])],
  ])('%s (%s), over gRPC and gRPC-web: request_invalid', async (_what, rpc, bytes, head = {}) => {
    for (const type of ['application/grpc', 'application/grpc-web+proto']) {
      const res = await send(await signedIn('aal2', 60), raw(rpc, bytes, type, head));
      expect(reason(res), type).toBe('request_invalid');
    }
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
    ["`argocd app get-resource` of a dev Deployment, over gRPC", cli('GetResource', cliGet('dev', 'web'))],
    ["`argocd app get-resource` of a dev Deployment, over gRPC-web", cli('GetResource', cliGet('dev', 'web'), 'application/grpc-web+proto')],
  ])('%s', async (_what, spec) => {
    const res = await send(await signedIn(), spec);
    expect(reason(res), rules(res)).toBe('allowed');
  });
});
