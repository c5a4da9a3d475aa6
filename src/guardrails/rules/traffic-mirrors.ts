import { clientText } from '../../core/redact.js';
import { arrayOf, isObject, type Json } from '../types.js';
import type { RuleContext } from './context.js';
import { attachmentPlugins } from './network-attachments.js';

/**
 * traffic_mirrored: a write that has a copy of other traffic delivered somewhere else. Copying
 * traffic is one class whatever does it: a CNI plugin mirroring a port of the node's switch, a mesh
 * or gateway route sending a shadow of every request (its Authorization header and body among it),
 * a CNI that mirrors pods' packets to a tunnel. Each is read as its consumer reads it, and only
 * where the copy leaves what the object's own namespace serves (a shadow of a route to the team's
 * own `v2` Service is how canaries are tested; a copy to another namespace, a ServiceEntry's host,
 * a provider's service or a remote IP is the traffic read by whoever is there).
 *
 * What is not a copy is not read here: an SR-IOV VF's `spoofchk: off` (it sends with other
 * addresses) and `trust: on` (a trusted VF may turn promiscuous, and then receives the traffic no
 * function of the port claims and the multicast, not another VF's unicast), the `tap` plugin (a
 * tap device in the pod, for a VM it runs), `tuning`'s `promisc` (what a pod's interface receives
 * is what the bridge or the parent forwards to it). A Contour HTTPProxy's `mirror: true` service is
 * one of the proxy's own namespace, which Contour keeps it to.
 */

const CODE = 'traffic_mirrored';

/**
 * A NetworkAttachmentDefinition's CNI plugins that copy traffic, as the node runs them for every
 * pod naming the attachment: ovs-cni's `ovs-mirror-producer` (the pod's port becomes a source of
 * the named OVS mirrors: every packet in or out copied) and `ovs-mirror-consumer` (the pod's port
 * becomes the mirrors' output: it receives the copy); a macvlan or macvtap in `passthru` mode, for
 * which the kernel sets the parent interface promiscuous and hands the pod all it receives (its
 * other users' traffic with it). Multus reads the configuration as JSON: what it cannot read
 * attaches nothing.
 */
export function checkAttachmentMirror(doc: Json, prefix: string, ctx: RuleContext): void {
  const plugins = attachmentPlugins(doc);
  if (plugins === undefined) return;
  const path = `${prefix}spec.config`;
  for (const plugin of plugins) {
    if (!isObject(plugin) || typeof plugin.type !== 'string') continue;
    const mirrors = mirrorNames(plugin.mirrors);
    if (plugin.type === 'ovs-mirror-producer') {
      ctx.out.push({ code: CODE, detail: `ovs-mirror-producer copies every packet of the attached pods to the OVS mirror${mirrors}: whoever is the mirror's output receives it`, path });
    } else if (plugin.type === 'ovs-mirror-consumer') {
      ctx.out.push({ code: CODE, detail: `ovs-mirror-consumer makes the attached pods the output of the OVS mirror${mirrors}: they receive a copy of the mirrored ports' traffic`, path });
    } else if ((plugin.type === 'macvlan' || plugin.type === 'macvtap') && typeof plugin.mode === 'string' && plugin.mode.toLowerCase() === 'passthru') {
      ctx.out.push({ code: CODE, detail: `${plugin.type} in passthru mode sets the node's interface promiscuous and hands the pod everything it receives, other users' traffic with it`, path });
    }
  }
}

/** ` "a", "b"` for a mirror list, or '' when it names none. */
function mirrorNames(v: unknown): string {
  const names = arrayOf(v)
    .map((m) => (isObject(m) && typeof m.name === 'string' ? JSON.stringify(clientText(m.name, 63) ?? '') : undefined))
    .filter((n): n is string => n !== undefined)
    .slice(0, 3);
  return names.length === 0 ? '' : ` ${names.join(', ')}`;
}

const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);
const shown = (v: string) => clientText(v.toLowerCase(), 100) ?? '';

/**
 * An Istio host seen from a VirtualService in `ns`: a bare name is a Service of `ns` (the mesh
 * appends the namespace and the cluster's domain to a name without a dot, and only to one), and so
 * is `<svc>.<ns>.svc` or `<svc>.<ns>.svc.cluster.local`. Anything else is a host a ServiceEntry
 * defines (anywhere outside the cluster), another namespace's Service, or a name that only looks
 * like one of `ns` (`web.<ns>.svc.attacker.example`, which DNS resolves outside).
 */
function meshHostStays(host: string, ns: string): boolean {
  const h = host.toLowerCase().replace(/\.$/, '');
  if (!h.includes('.')) return /^[a-z0-9]([a-z0-9-]*[a-z0-9])?$/.test(h) && !/^[0-9]+$/.test(h);
  return inNamespace(h, ns, false);
}

/**
 * `<svc>.<ns>.svc` or `<svc>.<ns>.svc.cluster.local` of `ns` (and `<svc>.<ns>`, which a pod's DNS
 * search list completes, where `short`); the cluster's own domain is the one the project reads
 * elsewhere (rules/commands.ts IN_CLUSTER_HOST): a site with another one gets a finding for its
 * own full names, and a bare name stays.
 */
function inNamespace(h: string, ns: string, short: boolean): boolean {
  if (ns === '') return false;
  const labels = h.split('.');
  if (labels[1] !== ns || !/^[a-z0-9]([a-z0-9-]*[a-z0-9])?$/.test(labels[0] ?? '')) return false;
  if (labels.length === 2) return short;
  return labels[2] === 'svc' && (labels.length === 3 || (labels.length === 5 && labels[3] === 'cluster' && labels[4] === 'local'));
}

/**
 * A cluster DNS name seen from a proxy in another namespace (ingress-nginx's): `<svc>.<ns>.svc[.cluster.local]`,
 * any port. Not `<svc>.<ns>`: nginx's own resolver, which a target with a variable
 * (`…$request_uri`) is resolved by, applies no search list, so the name is asked of public DNS
 * as it is, and a namespace spelt as a top-level domain (`dev`, `shop`, `app`) makes it a
 * registrable name (`collector.dev`); with a trailing dot it is that name whatever resolves it.
 */
function dnsHostStays(host: string, ns: string): boolean {
  return inNamespace(host.toLowerCase().replace(/:\d*$/, '').replace(/\.$/, ''), ns, false);
}

const VS_KEY = 'networking.istio.io/virtualservices';

/** An Istio VirtualService's HTTP mirrors: `mirror` (with `mirrorPercentage`) and `mirrors[]`. */
function virtualServiceMirrors(doc: Json, docPath: string, ctx: RuleContext): void {
  const spec = doc.spec;
  if (!isObject(spec)) return;
  for (const [i, r] of arrayOf(spec.http).entries()) {
    if (!isObject(r)) continue;
    const judge = (host: unknown, path: string) => {
      if (typeof host !== 'string' || meshHostStays(host, ctx.namespace)) return;
      ctx.out.push({ code: CODE, detail: `VirtualService mirrors each request (headers and body, credentials among them) to ${shown(host)}, outside the namespace's own Services`, path: `${docPath}${path}` });
    };
    if (isObject(r.mirror)) judge(r.mirror.host, `spec.http[${i}].mirror.host`);
    for (const [j, m] of arrayOf(r.mirrors).entries()) if (isObject(m) && isObject(m.destination)) judge(m.destination.host, `spec.http[${i}].mirrors[${j}].destination.host`);
  }
}

/**
 * A Gateway API HTTPRoute's or GRPCRoute's `RequestMirror` filters, on a rule or on one of its
 * backends: a Service of the route's own namespace stays; another namespace's (which a
 * ReferenceGrant there may allow), Istio's `Hostname` backend for a host outside it, Envoy
 * Gateway's `Backend` (an address or a name anywhere) or any other kind does not.
 */
function gatewayRouteMirrors(kind: string) {
  return (doc: Json, docPath: string, ctx: RuleContext): void => {
    const spec = doc.spec;
    if (!isObject(spec)) return;
    const judge = (filters: unknown, at: string) => {
      for (const [k, f] of arrayOf(filters).entries()) {
        if (!isObject(f) || !isObject(f.requestMirror)) continue;
        const ref = f.requestMirror.backendRef;
        if (!isObject(ref)) continue;
        const where = mirrorRefLeaves(ref, ctx.namespace);
        if (where !== undefined) ctx.out.push({ code: CODE, detail: `${kind} mirrors each request (headers and body, credentials among them) to ${where}`, path: `${docPath}${at}.filters[${k}].requestMirror.backendRef` });
      }
    };
    for (const [i, r] of arrayOf(spec.rules).entries()) {
      if (!isObject(r)) continue;
      judge(r.filters, `spec.rules[${i}]`);
      for (const [j, b] of arrayOf(r.backendRefs).entries()) if (isObject(b)) judge(b.filters, `spec.rules[${i}].backendRefs[${j}]`);
    }
  };
}

/** Where a Gateway API mirror's backendRef sends the copy, when that is outside the route's namespace's Services. */
function mirrorRefLeaves(ref: Json, ns: string): string | undefined {
  const name = str(ref.name) ?? '';
  const group = str(ref.group) ?? '';
  const kind = str(ref.kind) ?? 'Service';
  const refNs = str(ref.namespace);
  if ((group === '' || group === 'core') && kind === 'Service') {
    if (refNs === undefined || refNs === '' || refNs === ns) return undefined;
    return `Service ${shown(name)} of namespace ${shown(refNs)}`;
  }
  if (group === 'networking.istio.io' && kind === 'Hostname') return meshHostStays(name, ns) ? undefined : `${shown(name)}, outside the namespace's own Services`;
  return `a ${clientText(kind, 40) ?? ''} backend (${shown(name)}${group === '' ? '' : ` of ${clientText(group, 60) ?? ''}`}), outside the namespace's own Services`;
}

/**
 * ingress-nginx's `mirror-target` annotation (any prefix, as the controller's flag allows): a URL
 * nginx sends a copy of each request to, resolved by the controller's own DNS, in its namespace.
 * Only `<svc>.<namespace>` of the Ingress's own namespace stays there.
 */
function ingressMirrors(doc: Json, docPath: string, ctx: RuleContext): void {
  const annotations = isObject(doc.metadata) && isObject(doc.metadata.annotations) ? doc.metadata.annotations : {};
  for (const [key, value] of Object.entries(annotations)) {
    if (!key.endsWith('/mirror-target') || typeof value !== 'string' || value.trim() === '') continue;
    // nginx variables end the host (`…svc.cluster.local$request_uri`); a host that is one (`$host`) is any host.
    const host = /^(?:[a-z][a-z0-9+.-]*:\/\/)?([^/?#$]*)/i.exec(value.trim())?.[1] ?? '';
    if (host !== '' && dnsHostStays(host, ctx.namespace)) continue;
    ctx.out.push({ code: CODE, detail: `Ingress mirrors each request (headers and body, credentials among them) to ${host === '' ? 'a host a variable names' : shown(host)}, outside the namespace's own Services`, path: `${docPath}metadata.annotations[${JSON.stringify(key.slice(0, 120))}]` });
  }
}

/**
 * Traefik's TraefikService `mirroring.mirrors[]`: a service of another namespace (where the
 * provider's allowCrossNamespace lets it) or of another provider (`name@file`: whatever that
 * provider's configuration says, a URL anywhere).
 */
function traefikMirrors(doc: Json, docPath: string, ctx: RuleContext): void {
  const spec = doc.spec;
  if (!isObject(spec) || !isObject(spec.mirroring)) return;
  for (const [j, m] of arrayOf(spec.mirroring.mirrors).entries()) {
    if (!isObject(m)) continue;
    const name = str(m.name) ?? '';
    const ns = str(m.namespace);
    const at = `${docPath}spec.mirroring.mirrors[${j}]`;
    if (name.includes('@')) ctx.out.push({ code: CODE, detail: `TraefikService mirrors each request to ${shown(name)}, a service of another provider's configuration`, path: `${at}.name` });
    else if (ns !== undefined && ns !== '' && ns !== ctx.namespace) ctx.out.push({ code: CODE, detail: `TraefikService mirrors each request to ${shown(name)} of namespace ${shown(ns)}`, path: `${at}.namespace` });
  }
}

/**
 * Antrea's TrafficControl (cluster-scoped): `action: Mirror` copies the selected pods' packets to
 * `targetPort` (an OVS port, a node device, or a GRE, VXLAN, Geneve or ERSPAN tunnel to a remote
 * address); `Redirect` sends them there instead, through whatever listens. Either way every packet
 * of the pods it applies to is read elsewhere.
 */
function antreaTrafficControl(doc: Json, docPath: string, ctx: RuleContext): void {
  const spec = doc.spec;
  if (!isObject(spec) || (spec.action !== 'Mirror' && spec.action !== 'Redirect')) return;
  const port = isObject(spec.targetPort) ? Object.keys(spec.targetPort)[0] : undefined;
  const target = isObject(spec.targetPort) && port !== undefined ? targetPortText(port, spec.targetPort[port]) : 'its target port';
  const verb = spec.action === 'Mirror' ? 'copies' : 'redirects';
  ctx.out.push({ code: CODE, detail: `TrafficControl ${verb} the selected pods' packets to ${target}`, path: `${docPath}spec.action` });
}

function targetPortText(port: string, v: unknown): string {
  const p = clientText(port, 20) ?? '';
  const remote = isObject(v) && typeof v.remoteIP === 'string' ? ` to ${clientText(v.remoteIP, 45) ?? ''}` : '';
  const name = isObject(v) && typeof v.name === 'string' ? ` ${JSON.stringify(clientText(v.name, 63) ?? '')}` : '';
  return `a ${p} port${name}${remote}`;
}

/**
 * Apache APISIX's `proxy-mirror` plugin (an ApisixRoute's `spec.http[].plugins`, an
 * ApisixPluginConfig's or an ApisixGlobalRule's `spec.plugins`: the last on every route of the
 * gateway): `config.host` is the URL each request is copied to, resolved by APISIX's own resolver
 * (no search list), so only `<svc>.<ns>.svc[.cluster.local]` of the object's namespace stays. A
 * plugin turned off (`enable: false`) copies nothing; one whose configuration is in a Secret
 * (`secretRef`) or names no host is a copy to a host the request does not show; a patch's plugin
 * with a `config.host` and no name may be proxy-mirror's and is read as one.
 */
function apisixMirrors(doc: Json, docPath: string, ctx: RuleContext): void {
  const spec = doc.spec;
  if (!isObject(spec)) return;
  const judge = (plugins: unknown, at: string) => {
    for (const [k, p] of arrayOf(plugins).entries()) {
      // No name: a JSON patch of one plugin's fields (`/spec/http/0/plugins/0/config/host`), which may be proxy-mirror's.
      if (!isObject(p) || (p.name !== 'proxy-mirror' && !(p.name === undefined && isObject(p.config) && p.config.host !== undefined)) || p.enable === false) continue;
      const value = isObject(p.config) && typeof p.config.host === 'string' ? p.config.host.trim() : '';
      const host = /^(?:[a-z][a-z0-9+.-]*:\/\/)?([^/?#$]*)/i.exec(value)?.[1] ?? '';
      if (host !== '' && dnsHostStays(host, ctx.namespace)) continue;
      ctx.out.push({ code: CODE, detail: `APISIX proxy-mirror copies each request (headers and body, credentials among them) to ${host === '' ? 'a host the request does not show' : shown(host)}, outside the namespace's own Services`, path: `${docPath}${at}[${k}]` });
    }
  };
  judge(spec.plugins, 'spec.plugins');
  for (const [i, r] of arrayOf(spec.http).entries()) if (isObject(r)) judge(r.plugins, `spec.http[${i}].plugins`);
}

/**
 * Kuma's MeshHTTPRoute `RequestMirror` filters (`spec.to[].rules[].default.filters[]`): a
 * MeshService of the route's namespace stays (`name` with no `namespace` or the route's own, or
 * the `<svc>_<ns>_svc_<port>` name of a kuma.io/service); another namespace's, a
 * MeshExternalService, a MeshMultiZoneService (another zone's) or any other kind does not.
 */
function kumaMirrors(doc: Json, docPath: string, ctx: RuleContext): void {
  const spec = doc.spec;
  if (!isObject(spec)) return;
  for (const [i, t] of arrayOf(spec.to).entries()) {
    if (!isObject(t)) continue;
    for (const [j, r] of arrayOf(t.rules).entries()) {
      if (!isObject(r) || !isObject(r.default)) continue;
      for (const [k, f] of arrayOf(r.default.filters).entries()) {
        if (!isObject(f) || !isObject(f.requestMirror)) continue;
        const ref = f.requestMirror.backendRef;
        const kind = isObject(ref) ? (str(ref.kind) ?? '') : '';
        const name = isObject(ref) ? (str(ref.name) ?? '') : '';
        const refNs = isObject(ref) ? str(ref.namespace) : undefined;
        const legacy = /^[a-z0-9-]+_([a-z0-9-]+)_svc_[0-9]+$/.exec(name);
        const stays = kind === 'MeshService' && (legacy !== null ? legacy[1] === ctx.namespace && (refNs === undefined || refNs === ctx.namespace) : !name.includes('_') && (refNs === undefined || refNs === '' || refNs === ctx.namespace)) && ctx.namespace !== '';
        if (stays) continue;
        ctx.out.push({ code: CODE, detail: `MeshHTTPRoute mirrors each request (headers and body, credentials among them) to a ${clientText(kind, 40) ?? ''} ${shown(name)}${refNs === undefined ? '' : ` of namespace ${shown(refNs)}`}, outside the namespace's own Services`, path: `${docPath}spec.to[${i}].rules[${j}].default.filters[${k}].requestMirror` });
      }
    }
  }
}

/**
 * An Emissary-ingress (Ambassador) Mapping with `shadow: true`: a copy of every request its
 * `prefix` and `hostname` match, whichever Mapping (of any namespace) routes it, is sent to its
 * `service` (`[scheme://]host[:port]`). A bare name is a Service of the Mapping's namespace, and so
 * is `<svc>.<ns>.svc[.cluster.local]`; anything else is a host anywhere (`<svc>.<ns>` too: a
 * namespace spelt as a top-level domain makes it a public name).
 */
function emissaryShadow(doc: Json, docPath: string, ctx: RuleContext): void {
  const spec = doc.spec;
  if (!isObject(spec) || spec.shadow !== true) return;
  const service = str(spec.service)?.trim() ?? '';
  const host = (/^(?:[a-z][a-z0-9+.-]*:\/\/)?([^/?#]*)/i.exec(service)?.[1] ?? '').replace(/:\d*$/, '');
  if (host !== '' && meshHostStays(host, ctx.namespace)) return;
  ctx.out.push({ code: CODE, detail: `Mapping shadows each request its prefix matches (headers and body, credentials among them, whichever Mapping routes it) to ${host === '' ? 'a service it does not name' : shown(host)}, outside the namespace's own Services`, path: `${docPath}spec.service` });
}

/**
 * An Istio EnvoyFilter's `configPatches[].patch.value`: raw Envoy configuration merged into or added
 * to the proxies its workloadSelector picks (every proxy of the mesh from the root namespace).
 * Read, wherever it sits in the value (a route, a virtual host, a route configuration or listener
 * inline), for what copies traffic:
 *
 * - a route's or virtual host's `request_mirror_policies` (Envoy's RequestMirrorPolicy; and the v2
 *   `request_mirror_policy`, in either proto-JSON spelling): each request, headers and body, sent
 *   to `cluster` as well. Istio's own cluster names (`outbound|<port>|<subset>|<host>`) are judged
 *   by their host as a VirtualService mirror's is; any other cluster is one an EnvoyFilter defines
 *   (a static address anywhere), and `cluster_header` lets each request name its own.
 * - a tap (`envoy.filters.http.tap`, the `envoy.transport_sockets.tap` transport socket): a copy of
 *   the requests and responses, or of the raw bytes, handed to its sinks.
 * - a Lua filter whose code calls `httpCall`: the proxy sends a request of the code's making (the
 *   headers and body it reads) to the cluster named, judged as a mirror's cluster.
 *
 * A Wasm filter (`envoy.filters.http.wasm`, `envoy.filters.network.wasm`) runs code the body does
 * not show (fetched from `remote.http_uri`, or a file or bytes it names), which may send each request
 * anywhere (`dispatch_http_call`) or nowhere: unreadable, not a copy, since nothing says it is one.
 * Istio's own extensions on the null runtime (`envoy.wasm.runtime.null`: `envoy.wasm.stats`,
 * metadata exchange, built into the proxy) run no such code and are passed over.
 */
function envoyFilterMirrors(doc: Json, docPath: string, ctx: RuleContext): void {
  const spec = doc.spec;
  if (!isObject(spec)) return;
  for (const [i, cp] of arrayOf(spec.configPatches).entries()) {
    if (!isObject(cp) || !isObject(cp.patch) || cp.patch.value === undefined) continue;
    const stack: { node: unknown; path: string }[] = [{ node: cp.patch.value, path: `${docPath}spec.configPatches[${i}].patch.value` }];
    while (stack.length > 0) {
      const { node, path } = stack.pop()!;
      if (Array.isArray(node)) {
        node.forEach((n: unknown, j) => stack.push({ node: n, path: `${path}[${j}]` }));
        continue;
      }
      if (!isObject(node)) continue;
      const found = envoyCopy(node, path, ctx);
      for (const [k, v] of Object.entries(node)) {
        if (MIRROR_POLICY_KEYS.has(k)) {
          for (const [j, m] of (Array.isArray(v) ? v : [v]).entries()) mirrorPolicy(m, Array.isArray(v) ? `${path}.${k}[${j}]` : `${path}.${k}`, ctx);
        } else if (!found && typeof v === 'object' && v !== null) stack.push({ node: v, path: `${path}.${k}` });
      }
    }
  }
}

const MIRROR_POLICY_KEYS: ReadonlySet<string> = new Set(['request_mirror_policies', 'requestMirrorPolicies', 'request_mirror_policy', 'requestMirrorPolicy']);

function mirrorPolicy(m: unknown, path: string, ctx: RuleContext): void {
  if (!isObject(m)) return;
  const header = str(m.cluster_header) ?? str(m.clusterHeader);
  if (header !== undefined && header !== '') {
    ctx.out.push({ code: CODE, detail: `EnvoyFilter mirrors each request (headers and body, credentials among them) to whichever cluster its ${shown(header)} header names`, path });
    return;
  }
  const where = clusterLeaves(str(m.cluster) ?? '', ctx.namespace);
  if (where !== undefined) ctx.out.push({ code: CODE, detail: `EnvoyFilter mirrors each request (headers and body, credentials among them) to ${where}`, path });
}

/**
 * Where an Envoy cluster of an Istio proxy sends, when outside the namespace's own Services:
 * Istio's `outbound|<port>|<subset>|<host>` by its host; any other name is a cluster an
 * EnvoyFilter defines, at an address the name does not show.
 */
function clusterLeaves(cluster: string, ns: string): string | undefined {
  const parts = cluster.split('|');
  if (parts.length === 4 && parts[0] === 'outbound' && parts[3] !== '') return meshHostStays(parts[3]!, ns) ? undefined : `${shown(parts[3]!)}, outside the namespace's own Services`;
  return `the cluster ${JSON.stringify(clientText(cluster, 100) ?? '')}, which the EnvoyFilter defines or names outside the namespace's own Services`;
}

/** The filter or transport socket a node of Envoy configuration is, by its name and its typed config's type. */
function envoyExtension(node: Json): string {
  // A filter names its type in `typed_config`; a route's per-filter config (`typed_per_filter_config`)
  // is the typed config itself. udpa's and xds's TypedStruct carry the real type in `type_url`.
  const types = (o: unknown) => (isObject(o) ? `${str(o['@type']) ?? ''} ${str(o.type_url) ?? str(o.typeUrl) ?? ''}` : '');
  return `${str(node.name) ?? ''} ${types(node)} ${types(node.typed_config)} ${types(node.typedConfig)}`;
}

/**
 * Lua that can reach `httpCall` (or code the body does not hold) without spelling it: a method
 * named by a computed index (`h["http" .. "Call"]`), a decimal or hex escape, `string.char`,
 * `reverse`, a chunk loaded from text or a file (`load`, `loadstring`, `dofile`, `loadfile`,
 * `require`), the globals or metatables themselves. Header rewrites, the routine use, need none.
 */
const LUA_HIDDEN = /\[[^\]\n]*\.\.[^\]\n]*\]|\\(?:\d|x[0-9a-fA-F])|\bchar\s*\(|\breverse\b|\b(?:load|loadstring|dofile|loadfile|require|getmetatable|rawget|setmetatable)\s*[("'[]|\b_G\b|\b_ENV\b/;

/** A tap, a Lua filter or a Wasm filter at `node`; true when it was judged (its config is not walked again). */
function envoyCopy(node: Json, path: string, ctx: RuleContext): boolean {
  const ext = envoyExtension(node);
  if (/(?:^|[\s.])tap(?:\.v3\.Tap|\s|$)|envoy\.filters\.http\.tap|envoy\.transport_sockets\.tap|transport_sockets\.tap\.v3/.test(ext)) {
    ctx.out.push({ code: CODE, detail: 'EnvoyFilter adds a tap, which copies the proxied requests and responses (or the raw bytes) to its sinks', path });
    return true;
  }
  if (/envoy\.filters\.http\.lua|filters\.http\.lua\.v3\.Lua/.test(ext)) {
    for (const code of strings(node)) {
      if (LUA_HIDDEN.test(code)) {
        ctx.unreadable?.(`${path}: EnvoyFilter adds a Lua filter whose code may send requests out in a way its text does not spell (a computed method, an escape, code loaded from elsewhere)`);
        return true;
      }
      if (!code.includes('httpCall')) continue;
      const calls = [...code.matchAll(/httpCall\s*\(\s*(["'])([^"'\\]*)\1/g)].map((c) => c[2]!);
      // A call whose cluster is not a literal names one the code computes: any.
      const computed = (code.match(/httpCall\s*\(/g) ?? []).length > calls.length;
      const leaving = calls.map((c) => clusterLeaves(c, ctx.namespace)).find((w) => w !== undefined);
      if (computed || leaving !== undefined) {
        ctx.out.push({ code: CODE, detail: `EnvoyFilter adds a Lua filter whose code sends requests from the proxy (httpCall) to ${leaving ?? 'a cluster its code computes'}`, path });
        return true;
      }
    }
    return true;
  }
  if (/envoy\.filters\.(?:http|network)\.wasm|filters\.(?:http|network)\.wasm\.v3\.Wasm|^envoy\.wasm\s/.test(ext)) {
    const runtimes = [...strings(node, 'runtime')];
    if (runtimes.length > 0 && runtimes.every((r) => r === 'envoy.wasm.runtime.null')) return true;
    ctx.unreadable?.(`${path}: EnvoyFilter adds a Wasm filter whose code the body does not show, and which may send each request anywhere`);
    return true;
  }
  return false;
}

/** Every string under `node` (or only those under a key named `key`), bounded by the body's own depth bound. */
function* strings(node: unknown, key?: string): Generator<string> {
  const stack: { v: unknown; under: boolean }[] = [{ v: node, under: key === undefined }];
  while (stack.length > 0) {
    const { v, under } = stack.pop()!;
    if (typeof v === 'string') {
      if (under) yield v;
    } else if (Array.isArray(v)) for (const x of v) stack.push({ v: x, under });
    else if (isObject(v)) for (const [k, x] of Object.entries(v)) stack.push({ v: x, under: under || k === key });
  }
}

const READERS: Readonly<Record<string, (doc: Json, docPath: string, ctx: RuleContext) => void>> = {
  'networking.istio.io/envoyfilters': envoyFilterMirrors,
  'getambassador.io/mappings': emissaryShadow,
  'apisix.apache.org/apisixroutes': apisixMirrors,
  'apisix.apache.org/apisixpluginconfigs': apisixMirrors,
  'apisix.apache.org/apisixglobalrules': apisixMirrors,
  'kuma.io/meshhttproutes': kumaMirrors,
  [VS_KEY]: virtualServiceMirrors,
  'gateway.networking.k8s.io/httproutes': gatewayRouteMirrors('HTTPRoute'),
  'gateway.networking.k8s.io/grpcroutes': gatewayRouteMirrors('GRPCRoute'),
  'networking.k8s.io/ingresses': ingressMirrors,
  'extensions/ingresses': ingressMirrors,
  'traefik.io/traefikservices': traefikMirrors,
  'traefik.containo.us/traefikservices': traefikMirrors,
  'crd.antrea.io/trafficcontrols': antreaTrafficControl,
};

/** traffic_mirrored for a route or mirror kind (`key`: group/resource), when it sends a copy outside its namespace. */
export function checkTrafficMirrors(doc: Json, key: string, docPath: string, ctx: RuleContext): void {
  READERS[key]?.(doc, docPath, ctx);
}

/**
 * Kinds read only for their mirrors (no hostname, no backend the other route guardrails read), by
 * collection and by kind for a body the request line does not name.
 */
const MIRROR_ONLY: ReadonlyMap<string, string> = new Map([
  ['traefik.io/traefikservices', 'TraefikService'],
  ['traefik.containo.us/traefikservices', 'TraefikService'],
  ['crd.antrea.io/trafficcontrols', 'TrafficControl'],
  ['networking.istio.io/envoyfilters', 'EnvoyFilter'],
  ['apisix.apache.org/apisixpluginconfigs', 'ApisixPluginConfig'],
  ['apisix.apache.org/apisixglobalrules', 'ApisixGlobalRule'],
]);
export const MIRROR_ONLY_KEYS: ReadonlySet<string> = new Set(MIRROR_ONLY.keys());

/** The mirror-only key a body's kind stands for (`apiVersion` decides the group). */
export function mirrorKeyOfKind(doc: Json): string | undefined {
  if (typeof doc.kind !== 'string' || typeof doc.apiVersion !== 'string') return undefined;
  const group = doc.apiVersion.slice(0, Math.max(0, doc.apiVersion.indexOf('/')));
  for (const [key, kind] of MIRROR_ONLY) if (kind === doc.kind && key.startsWith(`${group}/`)) return key;
  return undefined;
}
