import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/load.js';
import { startService, type Service } from '../../src/main.js';
import { createLogger } from '../../src/telemetry/log.js';
import { CheckClient, reasonOf, type CheckResponse } from '../support/grpc-client.js';
import { TestIssuer } from '../support/issuer.js';
import { envelope, lenField } from '../support/kube-protobuf.js';
import { checkRequest } from '../support/requests.js';
import { exampleYaml } from '../support/workday-service.js';

/**
 * examples/stepgate.yaml as shipped, through the real gRPC server, against an attacker who holds a
 * fresh two-factor token in a context the engineer is known in (their token and their laptop's
 * malware both look like this): signed in seconds ago, from the office network, with kubectl. Such a
 * token meets every rule's requirement short of a hardware key, and every elevated guardrail (the
 * level below the strongest, within 15 minutes), so only a critical guardrail stands between it and
 * these writes, each of which hands out the cluster: an Ingress whose annotations inject nginx
 * configuration into ingress-nginx (whose service account reads every Secret), and a token that
 * never expires for an operator's service account (Argo CD's controller is cluster-admin in a
 * default install). Each row is a fresh subject, so an answer is the guardrail's and not the
 * denial-rate signal's. The controls are the ordinary forms of the same kinds.
 */

let issuer: TestIssuer;
let service: Service;
let client: CheckClient;

beforeAll(async () => {
  issuer = await TestIssuer.start();
  service = await startService(parseConfig(exampleYaml(issuer.url), 'examples/stepgate.yaml'), {}, createLogger('silent'));
  client = new CheckClient(service.grpc.port);
});

afterAll(async () => {
  client?.close();
  await service?.stop();
  await issuer?.close();
});

let subjects = 0;
const KUBECTL = 'kubectl/v1.32.4 (linux/amd64) kubernetes/5f8c2b1';

/** One request from a fresh engineer on the office network, signed in with two factors 5 s ago. */
async function fresh(method: string, path: string, contentType: string | undefined, body?: string | Uint8Array, extra: Record<string, string> = {}): Promise<CheckResponse> {
  const sub = `fresh-${++subjects}@example.com`;
  const token = await issuer.token({ sub, email: sub, acr: 'urn:stepgate:aal2', amr: ['pwd', 'otp', 'mfa'], auth_time: Math.floor(Date.now() / 1000) - 5 });
  const headers: Record<string, string> = { 'user-agent': KUBECTL, ...(contentType ? { 'content-type': contentType } : {}), ...extra };
  if (body !== undefined) headers['x-envoy-auth-partial-body'] ??= 'false';
  return client.check(
    checkRequest({ host: 'kube.localhost', method, path, token, source: '10.20.4.17', headers, ...(typeof body === 'string' ? { body } : body ? { rawBody: body } : {}) }),
  );
}

const rules = (res: CheckResponse) => res.dynamic_metadata?.fields.rules?.stringValue ?? '';

const JSON_CT = 'application/json';
const JPATCH = 'application/json-patch+json';
const MERGE = 'application/merge-patch+json';
const SMP = 'application/strategic-merge-patch+json';
const APPLY = 'application/apply-patch+yaml';
const PB = 'application/vnd.kubernetes.protobuf';

const ING = '/apis/networking.k8s.io/v1/namespaces/shop/ingresses';
const NGINX = 'nginx.ingress.kubernetes.io';
const ingress = (annotations: Record<string, string>, path = '/', pathType = 'Prefix') =>
  JSON.stringify({
    apiVersion: 'networking.k8s.io/v1',
    kind: 'Ingress',
    metadata: { name: 'web', namespace: 'shop', annotations },
    spec: {
      ingressClassName: 'nginx',
      tls: [{ hosts: ['shop.example.com'], secretName: 'shop-tls' }],
      rules: [{ host: 'shop.example.com', http: { paths: [{ path, pathType, backend: { service: { name: 'web', port: { number: 80 } } } }] } }],
    },
  });

// By hand from networking/v1 generated.proto: Ingress.metadata = 1 (ObjectMeta.name = 1,
// .annotations = 12 as map entries {1: key, 2: value}), Ingress.spec = 2, IngressSpec.rules = 3,
// IngressRule.host = 1; what `kubectl create ingress web --rule=… --annotation=…` sends.
const pbAnnotation = (k: string, v: string) => lenField(12, Buffer.concat([lenField(1, k), lenField(2, v)]));
const pbIngress = (annotations: Record<string, string>) =>
  envelope('networking.k8s.io/v1', 'Ingress', Buffer.concat([lenField(1, Buffer.concat([lenField(1, 'web'), ...Object.entries(annotations).map(([k, v]) => pbAnnotation(k, v))])), lenField(2, lenField(3, lenField(1, 'shop.example.com')))]));

// core/v1 generated.proto: Secret.metadata = 1, Secret.type = 3 (data = 2 and stringData = 4 unread).
const pbSecret = (name: string, annotations: Record<string, string>, type: string) =>
  envelope('v1', 'Secret', Buffer.concat([lenField(1, Buffer.concat([lenField(1, name), ...Object.entries(annotations).map(([k, v]) => pbAnnotation(k, v))])), lenField(3, type)]));

const SA_TOKEN = 'kubernetes.io/service-account-token';
const SA_NAME = 'kubernetes.io/service-account.name';
const tokenSecret = (ns: string, sa: string) => JSON.stringify({ apiVersion: 'v1', kind: 'Secret', metadata: { name: `${sa}-token`, namespace: ns, annotations: { [SA_NAME]: sa } }, type: SA_TOKEN });

type Row = [what: string, method: string, path: string, contentType: string, body: string | Uint8Array, code: string];

const INGRESS_ATTACKS: Row[] = [
  // CVE-2021-25742, CVE-2023-5043: a snippet is nginx configuration, copied into the controller's.
  ['configuration-snippet, create', 'POST', ING, JSON_CT, ingress({ [`${NGINX}/configuration-snippet`]: 'content_by_lua_block { ngx.say(io.open("/var/run/secrets/kubernetes.io/serviceaccount/token"):read("*a")) }' }), 'ingress_config_injection'],
  // kube resets only the spec on ingresses/status: the annotations it carries are kept.
  ['server-snippet through ingresses/status', 'PATCH', `${ING}/web/status`, MERGE, JSON.stringify({ metadata: { annotations: { [`${NGINX}/server-snippet`]: 'location /x { alias /; }' } } }), 'ingress_config_injection'],
  ['server-snippet, merge patch', 'PATCH', `${ING}/web`, MERGE, JSON.stringify({ metadata: { annotations: { [`${NGINX}/server-snippet`]: 'location /x { alias /; autoindex on; }' } } }), 'ingress_config_injection'],
  ['auth-snippet, JSON patch add', 'PATCH', `${ING}/web`, JPATCH, JSON.stringify([{ op: 'add', path: `/metadata/annotations/${NGINX}~1auth-snippet`, value: 'proxy_set_header X $x;' }]), 'ingress_config_injection'],
  ['stream-snippet, strategic merge patch', 'PATCH', `${ING}/web`, SMP, JSON.stringify({ metadata: { annotations: { [`${NGINX}/stream-snippet`]: 'server { listen 9000; proxy_pass 10.96.0.1:443; }' } } }), 'ingress_config_injection'],
  ['modsecurity-snippet, server-side apply', 'PATCH', `${ING}/web?fieldManager=kubectl`, APPLY, `apiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata:\n  name: web\n  annotations:\n    ${NGINX}/modsecurity-snippet: "SecRuleEngine Off"\n`, 'ingress_config_injection'],
  ['a snippet under another annotation prefix (--annotations-prefix)', 'POST', ING, JSON_CT, ingress({ 'ingress.example.com/server-snippet': 'location / { return 200 "x"; }' }), 'ingress_config_injection'],
  ['F5 NGINX location-snippets', 'POST', ING, JSON_CT, ingress({ 'nginx.org/location-snippets': 'add_header X-Test 1;' }), 'ingress_config_injection'],
  ['configuration-snippet, protobuf (kubectl create ingress --annotation)', 'POST', ING, PB, pbIngress({ [`${NGINX}/configuration-snippet`]: 'more_set_headers "X: y";' }), 'ingress_config_injection'],
  ['configuration-snippet through networking.k8s.io/v1beta1', 'POST', '/apis/networking.k8s.io/v1beta1/namespaces/shop/ingresses', JSON_CT, ingress({ [`${NGINX}/configuration-snippet`]: 'return 200;' }), 'ingress_config_injection'],
  // CVE-2025-24514, CVE-2025-1097, CVE-2025-1098, CVE-2023-5044: an ordinary annotation's value
  // closes the directive it is written into and opens another.
  ['auth-url breaking out with ; and a newline', 'POST', ING, JSON_CT, ingress({ [`${NGINX}/auth-url`]: 'http://example.com/#;\nload_module /tmp/x.so;' }), 'ingress_config_injection'],
  ['auth-tls-match-cn breaking out with } and #', 'PATCH', `${ING}/web`, MERGE, JSON.stringify({ metadata: { annotations: { [`${NGINX}/auth-tls-match-cn`]: 'CN=x"){}\n}}}\nserver { #' } } }), 'ingress_config_injection'],
  ['mirror-target breaking out with ;', 'PATCH', `${ING}/web`, SMP, JSON.stringify({ metadata: { annotations: { [`${NGINX}/mirror-target`]: 'https://m.example.com/$request_uri; ssl_engine x' } } }), 'ingress_config_injection'],
  ['permanent-redirect breaking out with a newline', 'POST', ING, JSON_CT, ingress({ [`${NGINX}/permanent-redirect`]: 'https://example.com;\nlocation /y { alias /; }' }), 'ingress_config_injection'],
  ['an annotation value copied by a JSON patch (not shown in the patch)', 'PATCH', `${ING}/web`, JPATCH, JSON.stringify([{ op: 'move', from: '/metadata/annotations/note', path: `/metadata/annotations/${NGINX}~1auth-url` }]), 'ingress_config_injection'],
  ['a path that closes its quoted location', 'POST', ING, JSON_CT, ingress({}, '/x" { }\nserver { location "/', 'ImplementationSpecific'), 'ingress_config_injection'],
];

const TOKEN_ATTACKS: Row[] = [
  ['a token Secret for argocd-application-controller', 'POST', '/api/v1/namespaces/argocd/secrets', JSON_CT, tokenSecret('argocd', 'argocd-application-controller'), 'service_account_token_privileged'],
  ['a token Secret for Flux kustomize-controller, YAML', 'POST', '/api/v1/namespaces/flux-system/secrets', 'application/yaml', `apiVersion: v1\nkind: Secret\nmetadata:\n  name: kc\n  annotations:\n    ${SA_NAME}: kustomize-controller\ntype: ${SA_TOKEN}\n`, 'service_account_token_privileged'],
  ['a token Secret for istiod, protobuf', 'POST', '/api/v1/namespaces/istio-system/secrets', PB, pbSecret('istiod-token', { [SA_NAME]: 'istiod' }, SA_TOKEN), 'service_account_token_privileged'],
  ['an existing Secret pointed at cert-manager by a merge patch', 'PATCH', '/api/v1/namespaces/cert-manager/secrets/old-token', MERGE, JSON.stringify({ metadata: { annotations: { [SA_NAME]: 'cert-manager', 'kubernetes.io/service-account.uid': null } }, data: { token: null } }), 'service_account_token_privileged'],
  ['a token Secret for the argocd namespace, cut at the size bound', 'POST', '/api/v1/namespaces/argocd/secrets', JSON_CT, tokenSecret('argocd', 'argocd-application-controller'), 'body_truncated'],
];

const VS = '/apis/networking.istio.io/v1/namespaces/shop/virtualservices';
const HTTPROUTE = '/apis/gateway.networking.k8s.io/v1/namespaces/shop/httproutes';
const virtualService = (hosts: string[], gateways = ['istio-system/kube-apiserver'], destination = 'kubernetes.default.svc.cluster.local') =>
  JSON.stringify({
    apiVersion: 'networking.istio.io/v1',
    kind: 'VirtualService',
    metadata: { name: 'web', namespace: 'shop' },
    spec: {
      hosts,
      gateways,
      http: [{ match: [{ uri: { prefix: '/.stepgate/x/' } }], rewrite: { uri: '/' }, route: [{ destination: { host: destination, port: { number: 443 } } }] }],
    },
  });

// A route for a host stepgate checks, written from an app team's namespace: with a Gateway host
// listed without `namespace/`, Istio binds it, and it can rewrite the exempt /.stepgate/ paths to
// the API server or route the step-up host (no CUSTOM policy) there. Only the body says so.
const ROUTE_ATTACKS: Row[] = [
  ['a VirtualService for the API server host rewriting /.stepgate/', 'POST', VS, JSON_CT, virtualService(['kube.localhost']), 'gated_host_route'],
  ['a VirtualService for the step-up host', 'POST', VS, JSON_CT, virtualService(['auth.localhost'], ['istio-system/stepgate-auth']), 'gated_host_route'],
  ['a VirtualService for every host', 'POST', VS, JSON_CT, virtualService(['*']), 'gated_host_route'],
  ['a VirtualService for *.localhost', 'POST', VS, JSON_CT, virtualService(['*.localhost']), 'gated_host_route'],
  ['a VirtualService host with a port and capitals, YAML', 'POST', VS, 'application/yaml', 'apiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata:\n  name: web\nspec:\n  hosts: ["KUBE.localhost:443"]\n  gateways: [istio-system/kube-apiserver]\n', 'gated_host_route'],
  ['an existing VirtualService given the host by a merge patch', 'PATCH', `${VS}/web`, MERGE, JSON.stringify({ spec: { hosts: ['web.shop.example.com', 'kube.localhost'] } }), 'gated_host_route'],
  // A copy outside metadata sets what the patch does not show: the body is unreadable.
  ['the hosts copied by a JSON patch', 'PATCH', `${VS}/web`, JPATCH, JSON.stringify([{ op: 'copy', from: '/metadata/annotations/h', path: '/spec/hosts' }]), 'body_unreadable'],
  ['a host added by a JSON patch', 'PATCH', `${VS}/web`, JPATCH, JSON.stringify([{ op: 'add', path: '/spec/hosts/-', value: 'kube.localhost' }]), 'gated_host_route'],
  ['a server-side apply', 'PATCH', `${VS}/web?fieldManager=kubectl`, APPLY, 'apiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata:\n  name: web\nspec:\n  hosts: [kube.localhost]\n', 'gated_host_route'],
  ['a Gateway in an app namespace serving the API server host', 'POST', '/apis/networking.istio.io/v1/namespaces/shop/gateways', JSON_CT, JSON.stringify({ apiVersion: 'networking.istio.io/v1', kind: 'Gateway', metadata: { name: 'gw' }, spec: { selector: { istio: 'ingressgateway' }, servers: [{ port: { number: 443, name: 'https', protocol: 'HTTPS' }, hosts: ['shop/kube.localhost'], tls: { mode: 'SIMPLE', credentialName: 'kube-tls' } }] } }), 'gated_host_route'],
  ['a Gateway API HTTPRoute for the API server host', 'POST', HTTPROUTE, JSON_CT, JSON.stringify({ apiVersion: 'gateway.networking.k8s.io/v1', kind: 'HTTPRoute', metadata: { name: 'r' }, spec: { parentRefs: [{ name: 'gw', namespace: 'istio-system' }], hostnames: ['kube.localhost'], rules: [{ backendRefs: [{ name: 'kubernetes', namespace: 'default', port: 443 }] }] } }), 'gated_host_route'],
  ['a Headlamp route', 'POST', HTTPROUTE, JSON_CT, JSON.stringify({ apiVersion: 'gateway.networking.k8s.io/v1', kind: 'HTTPRoute', metadata: { name: 'r' }, spec: { hostnames: ['headlamp.localhost'] } }), 'gated_host_route'],
  // kubernetes.web_apis: a route for the Dashboard's or the Argo Server's host decides which of
  // their API calls (each a Kubernetes request with the user's token) reach the check.
  ['a Kubernetes Dashboard route', 'POST', HTTPROUTE, JSON_CT, JSON.stringify({ apiVersion: 'gateway.networking.k8s.io/v1', kind: 'HTTPRoute', metadata: { name: 'r' }, spec: { hostnames: ['dashboard.localhost'] } }), 'gated_host_route'],
  ['an Argo Server route', 'POST', VS, JSON_CT, virtualService(['argo.localhost']), 'gated_host_route'],
  ['a DestinationRule for the API server\'s in-cluster name (TLS for a route around the check)', 'POST', '/apis/networking.istio.io/v1/namespaces/shop/destinationrules', JSON_CT, JSON.stringify({ apiVersion: 'networking.istio.io/v1', kind: 'DestinationRule', metadata: { name: 'k' }, spec: { host: 'kubernetes.default.svc.cluster.local', trafficPolicy: { tls: { mode: 'SIMPLE', insecureSkipVerify: true } } } }), 'gated_host_route'],
  ['an Ingress for the API server host', 'POST', ING, JSON_CT, JSON.stringify({ apiVersion: 'networking.k8s.io/v1', kind: 'Ingress', metadata: { name: 'k' }, spec: { rules: [{ host: 'kube.localhost', http: { paths: [{ path: '/', pathType: 'Prefix', backend: { service: { name: 'kubernetes', port: { number: 443 } } } }] } }] } }), 'gated_host_route'],
];

describe('examples/stepgate.yaml: a fresh two-factor token in a known context', () => {
  it.each([...INGRESS_ATTACKS, ...TOKEN_ATTACKS, ...ROUTE_ATTACKS])('%s: needs a hardware key', async (_what, method, path, contentType, body, code) => {
    const res = await fresh(method, path, contentType, body, code === 'body_truncated' ? { 'x-envoy-auth-partial-body': 'true' } : {});
    expect(reasonOf(res)).toBe('acr_insufficient');
    expect(rules(res)).toContain(`guardrail:${code}`);
  });

  // A TokenRequest is a token too (as long as the client asks, bounded only by the API server's
  // --service-account-max-token-expiration): service-account-tokens asks for a hardware key (made
  // within the day) for any; for an operator's service account the guardrail holds it to a sign-in
  // within 5 minutes.
  it('a TokenRequest for argocd-application-controller needs a hardware key, by the policy and the guardrail', async () => {
    const res = await fresh('POST', '/api/v1/namespaces/argocd/serviceaccounts/argocd-application-controller/token', JSON_CT, JSON.stringify({ apiVersion: 'authentication.k8s.io/v1', kind: 'TokenRequest', spec: { expirationSeconds: 31536000 } }));
    expect(reasonOf(res)).toBe('acr_insufficient');
    expect(rules(res)).toContain('service-account-tokens');
    expect(rules(res)).toContain('guardrail:service_account_token_privileged');
  });

  it.each<[string, string, string, string, string | Uint8Array]>([
    [
      'an Ingress with host and path rules, TLS and the common annotations',
      'POST',
      ING,
      JSON_CT,
      ingress({
        [`${NGINX}/rewrite-target`]: '/$2',
        [`${NGINX}/ssl-redirect`]: 'true',
        [`${NGINX}/proxy-body-size`]: '8m',
        [`${NGINX}/auth-url`]: 'https://auth.example.com/oauth2/auth',
        [`${NGINX}/auth-signin`]: 'https://auth.example.com/oauth2/start?rd=$escaped_request_uri',
        [`${NGINX}/server-alias`]: 'www.shop.example.com, shop.example.org',
        [`${NGINX}/cors-allow-origin`]: 'https://a.example.com, https://b.example.com',
        'cert-manager.io/cluster-issuer': 'letsencrypt',
        'kubectl.kubernetes.io/last-applied-configuration': '{"apiVersion":"networking.k8s.io/v1","kind":"Ingress","metadata":{"annotations":{}}}\n',
        'alb.ingress.kubernetes.io/actions.ssl-redirect': '{"Type": "redirect", "RedirectConfig": {"Protocol": "HTTPS", "Port": "443", "StatusCode": "HTTP_301"}}',
      }, '/api(/|$)(.*)', 'ImplementationSpecific'),
    ],
    ['a regex path with a quantifier', 'POST', ING, JSON_CT, ingress({ [`${NGINX}/use-regex`]: 'true' }, '/v[0-9]{1,2}/.*', 'ImplementationSpecific')],
    ['an Ingress annotation changed by a merge patch', 'PATCH', `${ING}/web`, MERGE, JSON.stringify({ metadata: { annotations: { [`${NGINX}/proxy-read-timeout`]: '120', [`${NGINX}/server-snippet`]: null } } })],
    ['kubectl create ingress, protobuf', 'POST', ING, PB, pbIngress({ [`${NGINX}/ssl-redirect`]: 'false' })],
    // Not a guardrail (docs/guardrails.md, ExternalName Services): the proxy resolves the name
    // later, a name anyone registers can point at 127.0.0.1, and another namespace's Service by
    // name is how an Ingress reaches a backend across namespaces.
    ['an ExternalName Service for another namespace\'s Service', 'POST', '/api/v1/namespaces/shop/services', JSON_CT, JSON.stringify({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'search' }, spec: { type: 'ExternalName', externalName: 'search.catalog.svc.cluster.local' } })],
    ['an ExternalName Service for a managed database', 'POST', '/api/v1/namespaces/shop/services', JSON_CT, JSON.stringify({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'db' }, spec: { type: 'ExternalName', externalName: 'shop.cluster-abc.eu-west-1.rds.amazonaws.com' } })],
    // An app team's own routes: its hosts, its in-mesh Service names, a wildcard over its own
    // domain, to its own Service (to the API server they are gated_host_route: attack-mesh-bypass).
    ["an app team's VirtualService on the shared gateway", 'POST', VS, JSON_CT, virtualService(['shop.example.com', 'web.shop.svc.cluster.local'], ['istio-system/public-gateway', 'mesh'], 'web.shop.svc.cluster.local')],
    ["an app team's VirtualService for *.shop.example.com", 'POST', VS, JSON_CT, virtualService(['*.shop.example.com'], undefined, 'web.shop.svc.cluster.local')],
    ["an app team's routes changed by a merge patch", 'PATCH', `${VS}/web`, MERGE, JSON.stringify({ spec: { http: [{ route: [{ destination: { host: 'web-canary' }, weight: 10 }] }] } })],
    ["an app team's HTTPRoute", 'POST', HTTPROUTE, JSON_CT, JSON.stringify({ apiVersion: 'gateway.networking.k8s.io/v1', kind: 'HTTPRoute', metadata: { name: 'r' }, spec: { hostnames: ['shop.example.com'] } })],
  ])('control: %s is allowed', async (what, method, path, contentType, body) => {
    const res = await fresh(method, path, contentType, body);
    expect(reasonOf(res)).toBe('allowed');
    expect(rules(res)).not.toContain('guardrail:');
  });

  // Allowed until 2026-12-05: past the cut, any Secret may be a ClusterResourceSet's, whose values
  // Cluster API applies to every workload cluster it selects.
  it('a Secret in an ordinary namespace, cut at the size bound, needs a hardware key (body_truncated)', async () => {
    const res = await fresh('POST', '/api/v1/namespaces/shop/secrets', JSON_CT, tokenSecret('shop', 'big'), { 'x-envoy-auth-partial-body': 'true' });
    expect(reasonOf(res)).toBe('acr_insufficient');
    expect(rules(res)).toContain('guardrail:body_truncated');
  });

  // A token Secret for any account is a token that never expires: what the service-account-tokens
  // rule asks of a TokenRequest (a hardware key), which a rule cannot ask of a Secret by its type.
  it('a token Secret for a service account of an ordinary namespace needs a hardware key (service_account_token_secret)', async () => {
    const res = await fresh('POST', '/api/v1/namespaces/shop/secrets', JSON_CT, tokenSecret('shop', 'ci-deployer'));
    expect(reasonOf(res)).toBe('acr_insufficient');
    expect(rules(res)).toContain('guardrail:service_account_token_secret');
  });

  // Secrets in the operators' namespaces are the cluster's keys (system-secrets, like Argo CD's
  // own by argocd-config): a hardware key by the policy, and still no guardrail on their bodies.
  it.each<[string, string, string]>([
    ['a Flux Git credentials Secret', '/api/v1/namespaces/flux-system/secrets', JSON.stringify({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'shop-git' }, stringData: { username: 'git', password: 'x' } })],
    ['a TLS Secret in cert-manager', '/api/v1/namespaces/cert-manager/secrets', JSON.stringify({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'ca' }, type: 'kubernetes.io/tls', data: { 'tls.crt': 'eA==', 'tls.key': 'eA==' } })],
  ])('%s needs a hardware key by system-secrets, no guardrail', async (_what, path, body) => {
    const res = await fresh('POST', path, JSON_CT, body);
    expect(reasonOf(res)).toBe('acr_insufficient');
    expect(rules(res)).toContain('system-secrets');
    expect(rules(res)).not.toContain('guardrail:');
  });
});
