import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { inspect } from '../../src/guardrails/inspect.js';
import { serviceAccountNamespaceGlobs } from '../../src/guardrails/settings.js';
import type { GuardrailResult } from '../../src/guardrails/types.js';
import { compileGlobList } from '../../src/core/glob.js';
import { guardSettings, kube, toJsonPatch, toYaml } from '../support/guardrails.js';
import { encodeKube } from '../support/kube-protobuf.js';

/**
 * ingress_config_injection and service_account_token_privileged, through every body format kube
 * takes for a create, an update and each patch type, with the ordinary forms of the same objects
 * as controls.
 */

const settings = guardSettings(`
guardrails:
  impersonation_privileged_users: ["system:serviceaccount:kube-system:*", "system:serviceaccount:argocd:*", "system:serviceaccount:ingress-*", "system:serviceaccount:tools:deployer"]
  impersonation_privileged_groups: [system:masters, "system:serviceaccounts:flux-system"]
`);
const codes = (r: GuardrailResult) => r.violations.map((v) => v.code);
type Obj = Record<string, unknown>;

interface Send {
  format: string;
  method: string;
  item: boolean;
  patch: boolean;
  contentType: string;
  encode: (full: Obj, partial: Obj) => string | Uint8Array;
}
const SENDS: Send[] = [
  { format: 'create JSON', method: 'POST', item: false, patch: false, contentType: 'application/json', encode: (f) => JSON.stringify(f) },
  { format: 'create YAML', method: 'POST', item: false, patch: false, contentType: 'application/yaml', encode: (f) => toYaml(f) },
  { format: 'create protobuf', method: 'POST', item: false, patch: false, contentType: 'application/vnd.kubernetes.protobuf', encode: (f) => encodeKube(f) },
  { format: 'update', method: 'PUT', item: true, patch: false, contentType: 'application/json', encode: (f) => JSON.stringify(f) },
  { format: 'update protobuf', method: 'PUT', item: true, patch: false, contentType: 'application/vnd.kubernetes.protobuf', encode: (f) => encodeKube(f) },
  { format: 'JSON patch', method: 'PATCH', item: true, patch: true, contentType: 'application/json-patch+json', encode: (_f, p) => JSON.stringify(toJsonPatch(p)) },
  { format: 'merge patch', method: 'PATCH', item: true, patch: true, contentType: 'application/merge-patch+json', encode: (_f, p) => JSON.stringify(p) },
  { format: 'strategic merge patch', method: 'PATCH', item: true, patch: true, contentType: 'application/strategic-merge-patch+json', encode: (_f, p) => JSON.stringify(p) },
  { format: 'apply patch', method: 'PATCH', item: true, patch: true, contentType: 'application/apply-patch+yaml', encode: (f) => toYaml(f) },
];

// ---- ingress_config_injection ---------------------------------------------------------------------

const INGRESSES = '/apis/networking.k8s.io/v1/namespaces/shop/ingresses';
const rules = (path: string, pathType = 'ImplementationSpecific') => [{ host: 'shop.example.com', http: { paths: [{ path, pathType }] } }];

function runIngress(send: Send, annotations: Obj | undefined, path: string | undefined): GuardrailResult {
  const metadata = { name: 'web', ...(annotations ? { annotations } : {}) };
  const spec = path === undefined ? undefined : { rules: rules(path) };
  const full: Obj = { apiVersion: 'networking.k8s.io/v1', kind: 'Ingress', metadata, ...(spec ? { spec } : {}) };
  const partial: Obj = { ...(annotations ? { metadata: { annotations } } : {}), ...(spec ? { spec } : {}) };
  return inspect(kube(send.method, INGRESSES + (send.item ? '/web' : '')), send.encode(full, partial), send.contentType, false, settings);
}

const N = 'nginx.ingress.kubernetes.io';
const INJECTING: [string, Obj | undefined, string | undefined][] = [
  ['configuration-snippet', { [`${N}/configuration-snippet`]: 'more_set_headers "X: y";' }, undefined],
  ['server-snippet', { [`${N}/server-snippet`]: 'location /x { return 200; }' }, undefined],
  ['auth-snippet', { [`${N}/auth-snippet`]: 'proxy_set_header A b;' }, undefined],
  ['stream-snippet', { [`${N}/stream-snippet`]: 'server { listen 9000; }' }, undefined],
  ['modsecurity-snippet', { [`${N}/modsecurity-snippet`]: 'SecRuleEngine Off' }, undefined],
  ['a snippet under a custom prefix', { 'ingress.corp.example/configuration-snippet': 'return 200;' }, undefined],
  ['F5 NGINX server-snippets', { 'nginx.org/server-snippets': 'location / { }' }, undefined],
  ['HAProxy backend-config-snippet', { 'haproxy.org/backend-config-snippet': 'http-request deny' }, undefined],
  ['auth-url with ;', { [`${N}/auth-url`]: 'http://auth.example.com/;load_module /x.so' }, undefined],
  ['auth-url with a newline', { [`${N}/auth-url`]: 'http://auth.example.com/\nload_module /x.so' }, undefined],
  ['auth-tls-match-cn with } and #', { [`${N}/auth-tls-match-cn`]: 'CN=a"){}\n}}} #' }, undefined],
  ['mirror-host with {', { [`${N}/mirror-host`]: 'm.example.com { }' }, undefined],
  ['a brace beside a variable', { [`${N}/modsecurity-transaction-id`]: '${request_id}}' }, undefined],
  ['permanent-redirect with a quote', { [`${N}/permanent-redirect`]: 'https://example.com" always;' }, undefined],
  ['upstream-vhost with a single quote', { [`${N}/upstream-vhost`]: "x' ; y" }, undefined],
  ['rewrite-target under a custom prefix with #', { 'ingress.corp.example/rewrite-target': '/$1 # x' }, undefined],
  ['a path that closes its quoted location', undefined, '/x";\n}'],
  ['a path with a newline', undefined, '/x\nserver'],
  ['a path with ;', undefined, '/x; deny all'],
];

const ORDINARY: [string, Obj | undefined, string | undefined][] = [
  [
    'the common annotations',
    {
      [`${N}/rewrite-target`]: '/$2',
      [`${N}/ssl-redirect`]: 'true',
      [`${N}/force-ssl-redirect`]: 'true',
      [`${N}/proxy-body-size`]: '8m',
      [`${N}/proxy-read-timeout`]: '120',
      [`${N}/backend-protocol`]: 'HTTPS',
      [`${N}/auth-url`]: 'https://$host/oauth2/auth',
      [`${N}/auth-signin`]: 'https://$host/oauth2/start?rd=$escaped_request_uri',
      [`${N}/auth-response-headers`]: 'X-Auth-Request-User, X-Auth-Request-Email',
      [`${N}/server-alias`]: '~^www\\d+\\.example\\.com$, shop.example.org',
      [`${N}/canary-by-header-pattern`]: '^(beta|internal)$',
      [`${N}/upstream-hash-by`]: '$binary_remote_addr',
      [`${N}/modsecurity-transaction-id`]: '${request_id}',
      [`${N}/whitelist-source-range`]: '10.0.0.0/8,192.168.0.0/16',
      [`${N}/configuration-snippet`]: '',
      'cert-manager.io/cluster-issuer': 'letsencrypt',
      'external-dns.alpha.kubernetes.io/hostname': 'shop.example.com',
    },
    '/api(/|$)(.*)',
  ],
  // Other tools' annotations hold JSON; they are not nginx values.
  [
    'JSON in other annotations',
    {
      'kubectl.kubernetes.io/last-applied-configuration': '{"apiVersion":"networking.k8s.io/v1","kind":"Ingress"}\n',
      'alb.ingress.kubernetes.io/actions.ssl-redirect': '{"Type": "redirect", "RedirectConfig": {"Protocol": "HTTPS"}}',
      'alb.ingress.kubernetes.io/listen-ports': '[{"HTTPS": 443}]',
      'traefik.ingress.kubernetes.io/router.middlewares': 'shop-auth@kubernetescrd',
    },
    '/',
  ],
  ['a regex path with a quantifier and a backslash', undefined, '/v[0-9]{1,2}/\\w+'],
];

describe('ingress_config_injection: every format', () => {
  it.each(INJECTING.flatMap(([n, a, p]) => SENDS.map((s) => [n, s.format, a, p, s] as const)))('%s via %s', (_n, _f, annotations, path, send) => {
    expect(codes(runIngress(send, annotations, path))).toEqual(['ingress_config_injection']);
  });

  it.each(ORDINARY.flatMap(([n, a, p]) => SENDS.map((s) => [n, s.format, a, p, s] as const)))('control: %s via %s', (_n, _f, annotations, path, send) => {
    expect(runIngress(send, annotations, path).violations).toEqual([]);
  });

  it('the detail names the annotation and the character, not the value', () => {
    const r = runIngress(SENDS[0]!, { [`${N}/auth-url`]: 'http://a/;secret-looking-payload' }, undefined);
    expect(r.violations[0]).toMatchObject({ detail: `annotation ${N}/auth-url holds ';', which ends the directive it is written into`, path: `metadata.annotations["${N}/auth-url"]` });
    expect(JSON.stringify(r)).not.toContain('secret-looking-payload');
  });

  it('a patch that removes a snippet, or empties it, flags nothing', () => {
    const k = kube('PATCH', `${INGRESSES}/web`);
    expect(inspect(k, JSON.stringify({ metadata: { annotations: { [`${N}/server-snippet`]: null } } }), 'application/merge-patch+json', false, settings).violations).toEqual([]);
    expect(inspect(k, JSON.stringify([{ op: 'remove', path: `/metadata/annotations/${N}~1server-snippet` }]), 'application/json-patch+json', false, settings).violations).toEqual([]);
    expect(inspect(k, JSON.stringify([{ op: 'replace', path: `/metadata/annotations/${N}~1server-snippet`, value: '' }]), 'application/json-patch+json', false, settings).violations).toEqual([]);
  });

  it.each([
    ['a value copied into auth-url', [{ op: 'copy', from: '/metadata/annotations/note', path: `/metadata/annotations/${N}~1auth-url` }]],
    ['a value moved into a snippet', [{ op: 'move', from: '/metadata/annotations/note', path: `/metadata/annotations/${N}~1server-snippet` }]],
    ['the whole annotation map copied', [{ op: 'copy', from: '/metadata/labels', path: '/metadata/annotations' }]],
  ])('a JSON patch that sets what it does not show: %s', (_n, ops) => {
    expect(codes(inspect(kube('PATCH', `${INGRESSES}/web`), JSON.stringify(ops), 'application/json-patch+json', false, settings))).toEqual(['ingress_config_injection']);
  });

  it('a value copied into an annotation ingress-nginx does not read flags nothing', () => {
    const ops = [{ op: 'copy', from: '/metadata/annotations/a', path: '/metadata/annotations/example.com~1note' }];
    expect(inspect(kube('PATCH', `${INGRESSES}/web`), JSON.stringify(ops), 'application/json-patch+json', false, settings).violations).toEqual([]);
  });

  // kube resets only the spec on ingresses/status (ingress strategy.go): annotations change there.
  it('ingresses/status: the annotations are judged, the spec (which kube resets) is not', () => {
    const k = kube('PATCH', `${INGRESSES}/web/status`);
    const body = (o: Obj) => JSON.stringify(o);
    expect(codes(inspect(k, body({ metadata: { annotations: { [`${N}/server-snippet`]: 'return 200;' } } }), 'application/merge-patch+json', false, settings))).toEqual(['ingress_config_injection']);
    expect(inspect(k, body({ spec: { rules: rules('/x";') } }), 'application/merge-patch+json', false, settings).violations).toEqual([]);
    expect(inspect(k, body({ status: { loadBalancer: { ingress: [{ ip: '203.0.113.7' }] } } }), 'application/merge-patch+json', false, settings).violations).toEqual([]);
  });

  it.each(['/apis/extensions/v1beta1/namespaces/shop/ingresses', '/apis/networking.k8s.io/v1beta1/namespaces/shop/ingresses'])('the older groups and versions: %s', (path) => {
    const body = JSON.stringify({ apiVersion: 'extensions/v1beta1', kind: 'Ingress', metadata: { name: 'web', annotations: { [`${N}/configuration-snippet`]: 'return 200;' } } });
    expect(codes(inspect(kube('POST', path), body, 'application/json', false, settings))).toEqual(['ingress_config_injection']);
  });

  it('an Ingress in a multi-document YAML sent to another kind is read as an Ingress too', () => {
    const body = `${toYaml({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'shop', labels: { 'pod-security.kubernetes.io/enforce': 'baseline' } } })}---\n${toYaml({ apiVersion: 'networking.k8s.io/v1', kind: 'Ingress', metadata: { name: 'web', namespace: 'shop', annotations: { [`${N}/server-snippet`]: 'x' } } })}`;
    expect(codes(inspect(kube('POST', '/api/v1/namespaces'), body, 'application/yaml', false, settings))).toEqual(['ingress_config_injection']);
  });

  it('a protobuf Ingress of a version the decoder does not know is unreadable, not clean', () => {
    const body = encodeKube({ apiVersion: 'networking.k8s.io/v1', kind: 'Ingress', metadata: { name: 'web' } });
    const other = Buffer.from(body.toString('latin1').replace('networking.k8s.io/v1', 'networking.k8s.io/v8'), 'latin1');
    expect(inspect(kube('POST', INGRESSES), other, 'application/vnd.kubernetes.protobuf', false, settings).unreadable).toBe('body_unreadable');
  });
});

// ---- service_account_token_privileged --------------------------------------------------------------

const SA_NAME = 'kubernetes.io/service-account.name';
const TOKEN = 'kubernetes.io/service-account-token';

function runSecret(send: Send, ns: string, sa: string, type: string): GuardrailResult {
  const metadata = { name: 't', annotations: { [SA_NAME]: sa } };
  const full: Obj = { apiVersion: 'v1', kind: 'Secret', metadata, type };
  // A patch of an existing Secret shows what it changes: the annotation (the type is immutable).
  const partial: Obj = { metadata: { annotations: { [SA_NAME]: sa } } };
  return inspect(kube(send.method, `/api/v1/namespaces/${ns}/secrets${send.item ? '/t' : ''}`), send.encode(full, partial), send.contentType, false, settings);
}

describe('service_account_token_privileged: every format', () => {
  it.each(
    [
      ['argocd', 'argocd-application-controller'],
      ['ingress-nginx', 'ingress-nginx'],
      ['tools', 'deployer'],
      ['flux-system', 'source-controller'],
    ].flatMap(([ns, sa]) => SENDS.map((s) => [`${ns}/${sa}`, s.format, ns!, sa!, s] as const)),
  )('a token Secret for %s via %s', (_n, _f, ns, sa, send) => {
    expect(codes(runSecret(send, ns, sa, TOKEN))).toEqual(['service_account_token_privileged']);
  });

  it.each(SENDS.map((s) => [s.format, s] as const))('via %s: a token for an unprivileged account is a token that never expires; another type is nothing', (_f, send) => {
    expect(codes(runSecret(send, 'tools', 'builder', TOKEN))).toEqual(['service_account_token_secret']);
    expect(codes(runSecret(send, 'shop', 'deployer', TOKEN))).toEqual(['service_account_token_secret']);
    if (!send.patch) expect(runSecret(send, 'argocd', 'argocd-server', 'Opaque').violations).toEqual([]);
    if (!send.patch) expect(runSecret(send, 'shop', 'deployer', 'Opaque').violations).toEqual([]);
  });

  it('a patch that shows a type other than the token type is not a token (the type is immutable)', () => {
    const body = JSON.stringify({ type: 'Opaque', metadata: { annotations: { [SA_NAME]: 'argocd-server' } } });
    expect(inspect(kube('PATCH', '/api/v1/namespaces/argocd/secrets/t'), body, 'application/merge-patch+json', false, settings).violations).toEqual([]);
  });

  it('a JSON patch that copies the account name is a token for a privileged account where accounts are privileged; elsewhere a token that never expires', () => {
    const ops = JSON.stringify([{ op: 'copy', from: '/metadata/labels/x', path: `/metadata/annotations/${SA_NAME.replace('/', '~1')}` }]);
    expect(codes(inspect(kube('PATCH', '/api/v1/namespaces/argocd/secrets/t'), ops, 'application/json-patch+json', false, settings))).toEqual(['service_account_token_privileged']);
    expect(codes(inspect(kube('PATCH', '/api/v1/namespaces/shop/secrets/t'), ops, 'application/json-patch+json', false, settings))).toEqual(['service_account_token_secret']);
  });

  it('in kube-system the token is also system_namespace_secret and _token', () => {
    expect(codes(runSecret(SENDS[0]!, 'kube-system', 'clusterrole-aggregation-controller', TOKEN))).toEqual(['system_namespace_secret', 'system_namespace_token', 'service_account_token_privileged']);
  });

  it.each([
    ['argocd', 'argocd-application-controller', true],
    ['flux-system', 'kustomize-controller', true],
    ['tools', 'deployer', true],
    ['tools', 'builder', false],
    ['shop', 'default', false],
  ])('a TokenRequest for %s/%s: %s', (ns, sa, flagged) => {
    const r = inspect(kube('POST', `/api/v1/namespaces/${ns}/serviceaccounts/${sa}/token`), JSON.stringify({ kind: 'TokenRequest', spec: {} }), 'application/json', false, settings);
    expect(codes(r)).toEqual(flagged ? ['service_account_token_privileged'] : []);
    expect(r.unreadable).toBeUndefined();
  });

  it('a Secret body that cannot be read is unreadable where accounts are privileged, and elsewhere (it may hold a script)', () => {
    const body = JSON.stringify({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 't', annotations: { [SA_NAME]: 'argocd-server' } }, type: TOKEN });
    expect(inspect(kube('POST', '/api/v1/namespaces/argocd/secrets'), body, 'application/json', true, settings)).toMatchObject({ violations: [], unreadable: 'body_truncated' });
    expect(inspect(kube('POST', '/api/v1/namespaces/argocd/secrets'), undefined, undefined, false, settings, true)).toMatchObject({ violations: [], unreadable: 'body_missing' });
    // A cut body is unreadable in any namespace: past the cut, a Secret may be a ClusterResourceSet's.
    expect(inspect(kube('POST', '/api/v1/namespaces/shop/secrets'), body, 'application/json', true, settings)).toMatchObject({ violations: [], unreadable: 'body_truncated' });
    // Since session 47 a body that cannot be read is unreadable in any namespace too: any Secret may
    // hold a script a pod runs (rules/configmap-scripts.ts).
    expect(inspect(kube('POST', '/api/v1/namespaces/shop/secrets'), 'garbage', 'application/json', false, settings)).toMatchObject({ violations: [], unreadable: 'body_unreadable' });
  });
});

describe('the namespaces where a service account may be privileged', () => {
  it.each<[string[], string[], string[], string[]]>([
    [['system:serviceaccount:argocd:*', 'system:serviceaccount:tools:deployer', 'system:node:*', 'kubernetes-admin'], [], ['argocd', 'tools'], ['kube-system', 'shop']],
    [['system:serviceaccount:ingress-*'], ['system:serviceaccounts:istio-*'], ['ingress-nginx', 'istio-system'], ['shop', 'ingress']],
    [['system:*'], [], ['shop', 'anything'], []],
    [[], ['system:serviceaccounts'], ['shop'], []],
    [['system:serviceaccount:a?c:x'], [], ['abc', 'a-anything'], ['b']],
  ])('users %o, groups %o', (users, groups, inside, outside) => {
    const m = compileGlobList(serviceAccountNamespaceGlobs(users, groups), null);
    for (const ns of inside) expect(m(ns), ns).toBe(true);
    if (serviceAccountNamespaceGlobs(users, groups).length > 0) for (const ns of outside) expect(m(ns), ns).toBe(false);
  });

  // The set may be wider than exact, never narrower: a body that could hand out a privileged token
  // is always read.
  it('every namespace with a privileged service account is in the set, whatever the globs', () => {
    const part = fc.stringMatching(/^[a-c*?:-]{0,6}$/);
    const name = fc.stringMatching(/^[a-c-]{1,4}$/);
    const glob = fc.oneof(
      part.map((p) => `system:serviceaccount:${p}`),
      part.map((p) => `system:serviceaccounts:${p}`),
      part.map((p) => `system:serviceaccounts${p}`),
      fc.constantFrom('system:*', 'sys*', '*', 'system:serviceaccount?:a:b', 'system:node:*'),
    );
    fc.assert(
      fc.property(fc.array(glob, { maxLength: 3 }), fc.array(glob, { maxLength: 3 }), name, name, (users, groups, ns, sa) => {
        const s = guardSettings(`\nguardrails:\n  impersonation_privileged_users: ${JSON.stringify(users)}\n  impersonation_privileged_groups: ${JSON.stringify(groups)}\n`);
        if (s.privilegedServiceAccount(ns, sa)) expect(s.privilegedServiceAccountNamespace(ns)).toBe(true);
      }),
      { numRuns: 300 },
    );
  });
});
