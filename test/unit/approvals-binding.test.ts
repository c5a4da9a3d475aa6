import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { checkOrigin } from '../../src/web/approvals/csrf.js';
import { buildDocument, parseDocument, type ApprovalDocument } from '../../src/decision/approval-document.js';
import { bodyExcerpt, indentJson, MAX_EXCERPT, writtenObject } from '../../src/approvals/excerpt.js';
import { APPROVAL_PAGE_HEADERS, detailPage } from '../../src/web/approvals/pages.js';
import { bindRequest, boundHeaders, normaliseMediaType, sortedQuery } from '../../src/approvals/request-id.js';
import type { Verdict } from '../../src/decision/verdict.js';
import { checkGuardrails } from '../../src/guardrails/guard.js';
import { describeCheck, impersonationChecks } from '../../src/guardrails/rules/impersonation.js';
import type { Identity } from '../../src/core/identity.js';
import { compileHostMatcher } from '../../src/core/glob.js';
import type { RequestAttributes } from '../../src/request/attributes.js';
import { buildAttributes } from '../../src/request/build.js';
import { guardSettings } from '../support/guardrails.js';
import { RequestHeaders } from '../../src/request/headers.js';

/**
 * Issue 11 item 4: an approval binds everything that changes what the API server executes, and
 * nothing else. Item 6: the origin check accepts the configured origin only, and the page shows
 * the approver what is written.
 */

const KUBE = compileHostMatcher(['kube.example.com', 'kube.test']);
const SA = who();

function who(subject = 'system:serviceaccount:ci:deployer'): Identity {
  return { subject, issuer: 'https://kubernetes.default.svc', groups: [], acr: undefined, amr: [], authTime: undefined, expiresAt: Infinity, level: 0, levelName: 'aal1', session: '', upstreamHeaders: [] };
}

interface Req {
  method: string;
  target: string;
  authority?: string;
  body: string | undefined;
  headers: [string, string][];
}

function attrs(r: Req): RequestAttributes {
  const built = buildAttributes(
    {
      method: r.method,
      target: r.target,
      authority: r.authority ?? 'kube.example.com',
      scheme: 'https',
      headers: RequestHeaders.of(r.headers.map(([n, v]) => [n.toLowerCase(), v])),
      sourceAddress: '10.0.0.1',
      sourcePrincipal: '',
      contextExtensions: {},
      body: r.body,
      bodyTruncated: false,
    },
    [],
    KUBE,
  );
  if (!built.ok) throw new Error(built.detail);
  return built.attributes;
}

function idOf(r: Req): string {
  const b = bindRequest(SA, attrs(r));
  if (!b.ok) throw new Error(b.detail);
  return b.id;
}

const PATCH = '{"spec":{"template":{"spec":{"containers":[{"name":"web","image":"nginx"}]}}}}';
const BASE: Req = {
  method: 'PATCH',
  target: '/apis/apps/v1/namespaces/prod/deployments/web?fieldManager=kubectl',
  body: PATCH,
  headers: [['content-type', 'application/strategic-merge-patch+json']],
};

describe('approval id: what the issue found', () => {
  it.each<[string, [string, string][]]>([
    ['Impersonate-User: system:admin', [['impersonate-user', 'system:admin']]],
    ['Impersonate-Group: system:masters', [['impersonate-user', 'x'], ['impersonate-group', 'system:masters']]],
    ['Impersonate-Uid', [['impersonate-user', 'x'], ['impersonate-uid', '1234']]],
    ['Impersonate-Extra-Scopes', [['impersonate-user', 'x'], ['impersonate-extra-scopes', 'view']]],
    ['X-Remote-User (front-proxy authentication)', [['x-remote-user', 'system:admin']]],
    ['X-Remote-Extra-Foo', [['x-remote-extra-foo', 'bar']]],
    ['Content-Encoding: gzip', [['content-encoding', 'gzip']]],
  ])('an added %s is another approval', (_what, extra) => {
    expect(idOf({ ...BASE, headers: [...BASE.headers, ...extra] })).not.toBe(idOf(BASE));
  });

  it('the same bytes under another patch type are another approval', () => {
    const ids = ['application/strategic-merge-patch+json', 'application/merge-patch+json', 'application/json-patch+json', 'application/apply-patch+yaml'].map((ct) =>
      idOf({ ...BASE, headers: [['content-type', ct]] }),
    );
    expect(new Set(ids).size).toBe(4);
    // And without a Content-Type at all.
    expect(idOf({ ...BASE, headers: [] })).not.toBe(ids[0]);
  });

  it('another port on the same host is another approval', () => {
    expect(idOf({ ...BASE, authority: 'kube.example.com:7443' })).not.toBe(idOf({ ...BASE, authority: 'kube.example.com:6443' }));
  });

  it('query names that Go decodes to the same name keep their order (the API server reads the first value)', () => {
    const a = idOf({ ...BASE, target: '/apis/apps/v1/namespaces/prod/deployments/web?dryRun=All&dry%52un=' });
    const b = idOf({ ...BASE, target: '/apis/apps/v1/namespaces/prod/deployments/web?dry%52un=&dryRun=All' });
    expect(a).not.toBe(b);
    expect(sortedQuery('dryRun=All&dry%52un=&a=1')).toBe('a=1&dryRun=All&dry%52un=');
    expect(sortedQuery('dry+run=1&dry%20run=2&a=0')).toBe('a=0&dry+run=1&dry%20run=2');
    // A name Go cannot decode keeps its raw text as the key (and its text stays bound).
    expect(sortedQuery('b=1&%zz=2')).toBe('%zz=2&b=1');
  });
});

describe('Content-Type normalisation', () => {
  it.each([
    ['application/json', 'application/json'],
    ['Application/JSON', 'application/json'],
    [' application/json ; charset=utf-8 ', 'application/json; charset=utf-8'],
    ['application/json;Charset="utf-8"', 'application/json; charset=utf-8'],
    ['application/json; b=2; a=1', 'application/json; a=1; b=2'],
    ['application/json;', 'application/json'],
  ])('%j binds as %j', (given, want) => {
    expect(normaliseMediaType(given)).toBe(want);
  });

  it.each([
    'application/json;;charset=utf-8',
    'application/json; charset=utf-8; charset=latin1',
    'application/json; x="a\\"b"',
    'application/json; x="p;q=r"',
    'application/json, application/yaml',
    'application/json; x=a b',
    'json',
    '',
  ])('%j does not parse simply and binds exactly, marked raw', (given) => {
    expect(normaliseMediaType(given)).toBe(`raw:${given}`);
  });

  it('never maps two values that differ after Go-style parsing to the same text', () => {
    // Differ in a parameter value, quoted or not, or in a quoted separator.
    const pairs = [
      ['application/json; x="p;q=r"', 'application/json; x="p; q=r"'],
      ['application/json; x="a b"', 'application/json; x="a  b"'],
      ['application/json; charset=UTF-8', 'application/json; charset=utf-8'],
    ];
    for (const [a, b] of pairs) expect(normaliseMediaType(a!), `${a} vs ${b}`).not.toBe(normaliseMediaType(b!));
  });
});

// Properties over generated requests: the id is a function of exactly the bound parts.
const token = fc.stringMatching(/^[a-z][a-z0-9-]{0,11}$/);
const value = fc.stringMatching(/^[A-Za-z0-9:._-]{1,20}$/);
const BOUND_NAMES = ['impersonate-user', 'impersonate-group', 'impersonate-uid', 'impersonate-extra-scopes', 'impersonate-extra-acme.com%2fproject', 'x-remote-user', 'x-remote-group', 'content-encoding'];
const MEDIA = ['application/json', 'application/yaml', 'application/merge-patch+json', 'application/strategic-merge-patch+json', 'application/json-patch+json', 'application/apply-patch+yaml', 'application/vnd.kubernetes.protobuf'];
const UNRELATED = ['user-agent', 'accept', 'accept-encoding', 'x-request-id', 'traceparent', 'authorization', 'x-forwarded-for', 'cookie', 'x-impersonate-user', 'impersonate', 'content-language', 'content-length'];

const request = fc.record({
  method: fc.constantFrom<string>('POST', 'PUT', 'PATCH'),
  ns: token,
  name: token,
  params: fc.array(fc.tuple(fc.constantFrom<string>('dryRun', 'fieldManager', 'force', 'fieldValidation', 'pretty'), value), { maxLength: 4 }),
  body: fc.string({ maxLength: 60 }),
  media: fc.constantFrom(...MEDIA),
  bound: fc.uniqueArray(fc.tuple(fc.constantFrom(...BOUND_NAMES), value), { selector: ([n]) => n, maxLength: 4 }),
});
type Gen = typeof request extends fc.Arbitrary<infer T> ? T : never;

function toReq(g: Gen): Req {
  const q = g.params.map(([n, v]) => `${n}=${v}`).join('&');
  return {
    method: g.method,
    target: `/apis/apps/v1/namespaces/${g.ns}/deployments${g.method === 'POST' ? '' : `/${g.name}`}${q ? `?${q}` : ''}`,
    body: g.body,
    headers: [['content-type', g.media], ...g.bound],
  };
}

describe('approval id: properties', () => {
  it('unrelated headers, any value, never change it', () => {
    fc.assert(
      fc.property(request, fc.array(fc.tuple(fc.constantFrom(...UNRELATED), value), { minLength: 1, maxLength: 5 }), (g, extra) => {
        const r = toReq(g);
        expect(idOf({ ...r, headers: [...r.headers, ...extra] })).toBe(idOf(r));
      }),
    );
  });

  it('spelling a bound header name in another case, or re-spelling the media type, does not change it', () => {
    fc.assert(
      fc.property(request, (g) => {
        const r = toReq(g);
        const upper: [string, string][] = [['Content-Type', `${g.media.toUpperCase()} ; `], ...g.bound.map(([n, v]) => [n.toUpperCase(), v] as [string, string])];
        expect(idOf({ ...r, headers: upper })).toBe(idOf(r));
      }),
    );
  });

  type Mutation = (g: Gen) => Gen | undefined;
  const mutations: Record<string, fc.Arbitrary<Mutation>> = {
    'a bound header added or changed': fc.tuple(fc.constantFrom(...BOUND_NAMES), value).map(([n, v]) => (g: Gen) => {
      const old = g.bound.find(([x]) => x === n);
      if (old && old[1] === v) return undefined;
      return { ...g, bound: [...g.bound.filter(([x]) => x !== n), [n, v]] };
    }),
    'a bound header removed': fc.nat().map((i) => (g: Gen) => (g.bound.length ? { ...g, bound: g.bound.filter((_, j) => j !== i % g.bound.length) } : undefined)),
    'the media type': fc.constantFrom(...MEDIA).map((m) => (g: Gen) => (m === g.media ? undefined : { ...g, media: m })),
    'a body character': fc.tuple(fc.nat(), fc.string({ minLength: 1, maxLength: 1 })).map(([i, c]) => (g: Gen) => {
      const at = g.body.length ? i % g.body.length : 0;
      const body = g.body.slice(0, at) + c + g.body.slice(at + 1);
      return body === g.body ? undefined : { ...g, body };
    }),
    'the method': fc.constantFrom('POST', 'PUT', 'PATCH').map((m) => (g: Gen) => (m === g.method ? undefined : { ...g, method: m })),
    'the namespace': token.map((ns) => (g: Gen) => (ns === g.ns ? undefined : { ...g, ns })),
    'the name': token.map((name) => (g: Gen) => (name === g.name || g.method === 'POST' ? undefined : { ...g, name })),
    'a query parameter added': fc.tuple(fc.constantFrom('dryRun', 'force', 'fieldValidation'), value).map(([n, v]) => (g: Gen) => ({ ...g, params: [...g.params, [n, v] as [string, string]] })),
    'a query value': fc.tuple(fc.nat(), value).map(([i, v]) => (g: Gen) => {
      if (!g.params.length) return undefined;
      const at = i % g.params.length;
      if (g.params[at]![1] === v) return undefined;
      return { ...g, params: g.params.map((p, j) => (j === at ? ([p[0], v] as [string, string]) : p)) };
    }),
  };

  it.each(Object.keys(mutations))('%s changes it', (what) => {
    fc.assert(
      fc.property(request, mutations[what]!, (g, mutate) => {
        const m = mutate(g);
        fc.pre(m !== undefined);
        expect(idOf(toReq(m!))).not.toBe(idOf(toReq(g)));
      }),
      { numRuns: 150 },
    );
  });

  it('boundHeaders lists exactly the bound names, sorted', () => {
    const h = new Map([
      ['user-agent', 'kubectl'],
      ['impersonate-user', 'a'],
      ['content-type', 'Application/JSON'],
      ['x-remote-extra-k', 'v'],
      ['authorization', 'Bearer x'],
    ]);
    expect(boundHeaders(h)).toEqual([
      ['content-type', 'application/json'],
      ['impersonate-user', 'a'],
      ['x-remote-extra-k', 'v'],
    ]);
  });
});

describe('impersonation: the checks kube makes', () => {
  it('names users, service accounts, groups, uids and extras as kube authorizes them', () => {
    const checks = impersonationChecks(
      new Map([
        ['impersonate-user', 'system:serviceaccount:ci:deployer'],
        ['impersonate-group', 'system:masters,dev'],
        ['impersonate-uid', 'u-1'],
        ['impersonate-extra-acme.com%2Fproject', 'p1'],
      ]),
    );
    expect(checks.map(describeCheck)).toEqual([
      'impersonate serviceaccounts ci/deployer',
      'impersonate groups system:masters',
      'impersonate groups dev',
      'impersonate uids.authentication.k8s.io u-1',
      'impersonate userextras/acme.com/project.authentication.k8s.io p1',
    ]);
    expect(impersonationChecks(new Map([['impersonate-user', 'system:admin']])).map(describeCheck)).toEqual(['impersonate users system:admin']);
  });

  const settings = guardSettings('\nguardrails:\n  effects:\n    impersonation: { require: aal3, max_age: 120 }\n');
  const kubeReq = (method: string, target: string, headers: [string, string][], body?: string) =>
    attrs({ method, target, authority: 'kube.test', body, headers });

  it.each<[string, string, [string, string][]]>([
    ['a read', '/api/v1/namespaces/prod/secrets', [['impersonate-user', 'ops-admin@example.com']]],
    ['a non-resource request', '/healthz', [['impersonate-group', 'developers']]],
    ['an unknown Impersonate-* header', '/api/v1/pods', [['impersonate-something', 'x']]],
    ['only an extra', '/api/v1/pods', [['impersonate-extra-scopes', 'x']]],
  ])('flags %s, on any Kubernetes request, with its configured effect', (_what, target, headers) => {
    const g = checkGuardrails(settings, kubeReq('GET', target, headers));
    expect(g?.result.violations.map((v) => v.code)).toEqual(['impersonation']);
    expect(g?.contribution).toMatchObject({ level: 2, maxAge: 120, codes: ['impersonation'] });
  });

  it('adds to the body guardrails of a write, and is off when configured off', () => {
    const pod = JSON.stringify({ kind: 'Pod', spec: { hostNetwork: true, containers: [{ name: 'a', image: 'registry.example.com/a@sha256:' + 'a'.repeat(64) }] } });
    const g = checkGuardrails(settings, kubeReq('POST', '/api/v1/namespaces/dev/pods', [['content-type', 'application/json'], ['impersonate-user', 'x']], pod));
    expect(g?.result.violations.map((v) => v.code)).toEqual(['impersonation', 'host_namespace']);
    const off = guardSettings('\nguardrails:\n  effects:\n    impersonation: off\n');
    expect(checkGuardrails(off, kubeReq('GET', '/api/v1/pods', [['impersonate-user', 'x']]))?.contribution.codes ?? []).toEqual([]);
  });

  it('costs nothing without Impersonate-* headers on a request the body guardrails skip', () => {
    expect(checkGuardrails(settings, kubeReq('GET', '/api/v1/pods', [['x-impersonate-user', 'x'], ['impersonate', 'x']]))).toBeUndefined();
  });
});

describe('approval origin check', () => {
  const origin = 'https://auth.example.com';
  it.each<[string, string | undefined, string | undefined, boolean]>([
    ['the configured origin, same-origin fetch metadata', origin, 'same-origin', true],
    ['the configured origin, no fetch metadata (older browser)', origin, undefined, true],
    ['no Origin', undefined, 'same-origin', false],
    ['Origin null (no-referrer page, sandboxed frame, data: URL)', 'null', 'same-origin', false],
    ['Origin null without fetch metadata', 'null', undefined, false],
    ['another origin', 'https://evil.example', 'cross-site', false],
    ['a sibling subdomain', 'https://app.example.com', 'same-site', false],
    ['the right Origin but cross-site metadata', origin, 'cross-site', false],
    ['the right Origin but same-site metadata', origin, 'same-site', false],
    ['another scheme', 'http://auth.example.com', 'same-origin', false],
    ['another port', 'https://auth.example.com:8443', 'same-origin', false],
    ['a trailing slash', `${origin}/`, 'same-origin', false],
  ])('%s', (_what, o, site, ok) => {
    expect(checkOrigin(o, site, origin).ok).toBe(ok);
  });

  it('the approval pages send Referrer-Policy same-origin and restrict form targets', () => {
    const h = new Map(APPROVAL_PAGE_HEADERS);
    expect(h.get('referrer-policy')).toBe('same-origin');
    expect(h.get('content-security-policy')).toContain("form-action 'self'");
    expect(h.get('content-security-policy')).toContain("frame-ancestors 'none'");
  });
});

describe('what the approver reads', () => {
  const kubeInfo = (target: string) => attrs({ method: 'POST', target, body: '{}', headers: [] }).kube;

  it('re-indents JSON token by token: duplicate keys stay visible', () => {
    const text = '{"spec":{"hostNetwork":true},"spec":{"containers":[]},"a":[1,{"b":"x,y:{"}]}';
    const out = indentJson(text);
    expect(out.match(/"spec"/g)).toHaveLength(2);
    expect(out).toContain('"hostNetwork": true');
    expect(out).toContain('"containers": []');
    expect(out).toContain('"b": "x,y:{"');
    // Whitespace aside, nothing is lost.
    expect(out.replace(/\s/g, '')).toBe(text.replace(/\s/g, ''));
  });

  it('is bounded on deep or huge input', () => {
    const deep = '['.repeat(100_000) + ']'.repeat(100_000);
    const e = bodyExcerpt(kubeInfo('/api/v1/namespaces/a/pods'), deep, 'application/json')!;
    expect(e.clipped).toBe(true);
    expect(e.text!.length).toBeLessThanOrEqual(MAX_EXCERPT);
    const big = bodyExcerpt(kubeInfo('/api/v1/namespaces/a/configmaps'), 'x'.repeat(100_000), 'application/yaml')!;
    expect(big).toMatchObject({ clipped: true });
  });

  it.each<[string, string, string | undefined, Uint8Array | string]>([
    ['Secret contents', '/api/v1/namespaces/a/secrets', 'application/json', '{"data":{"k":"c2VjcmV0"}}'],
    ['TokenReview bodies', '/apis/authentication.k8s.io/v1/tokenreviews', 'application/json', '{"spec":{"token":"eyJ"}}'],
    ['binary body', '/api/v1/namespaces/a/pods', 'application/vnd.kubernetes.protobuf', 'k8s\u0000'],
    ['not UTF-8', '/api/v1/namespaces/a/pods', 'application/json', new Uint8Array([0xff, 0xfe])],
  ])('withholds %s', (why, target, ct, body) => {
    const e = bodyExcerpt(kubeInfo(target), body, ct)!;
    expect(e.text).toBeUndefined();
    expect(e.withheld).toContain(why);
  });

  it('withholds bodies for other hosts', () => {
    expect(bodyExcerpt(undefined, 'password=hunter2', 'application/x-www-form-urlencoded')!.text).toBeUndefined();
  });

  it('reads the written object from a JSON body', () => {
    expect(writtenObject('{"kind":"Deployment","apiVersion":"apps/v1","metadata":{"name":"web","namespace":"prod"}}', 'application/json')).toEqual({
      kind: 'Deployment',
      apiVersion: 'apps/v1',
      namespace: 'prod',
      name: 'web',
    });
    expect(writtenObject('kind: Pod', 'application/yaml')).toBeUndefined();
    expect(writtenObject('[', 'application/json')).toBeUndefined();
  });

  function pageFor(r: Req, violations: { code: 'impersonation' | 'privileged_container'; detail: string; path?: string }[] = []): { html: string; doc: ApprovalDocument } {
    const a = attrs(r);
    const b = bindRequest(SA, a);
    if (!b.ok) throw new Error(b.detail);
    const v = {
      allow: false,
      reason: 'acr_insufficient',
      detail: '',
      requirement: { deny: false, level: 1, maxAge: 600, rules: ['prod-writes'], sensitivity: undefined },
      guardrails: { result: { violations }, contribution: { deny: false, level: 1, maxAge: undefined, risk: 0, codes: [] } },
    } as unknown as Verdict;
    const doc = buildDocument(v, SA, a, b, ['aal1', 'aal2'], 0);
    // The stored form round-trips through the checker.
    const stored = parseDocument(JSON.stringify(doc))!;
    expect(stored).toBeDefined();
    return { html: detailPage({ id: b.id, state: 'pending', expiresAt: 0, doc: stored, form: { token: 't' }, blocked: undefined }), doc: stored };
  }

  it('shows the object, the patch type, the impersonation, the flagged fields and the body, escaped', () => {
    const body = JSON.stringify({ kind: 'Deployment', apiVersion: 'apps/v1', metadata: { name: 'web<script>', namespace: 'prod' }, spec: { note: '</pre><b>x</b>\u202e' } });
    const { html, doc } = pageFor(
      {
        method: 'PATCH',
        target: '/apis/apps/v1/namespaces/prod/deployments/web',
        body,
        headers: [
          ['content-type', 'application/merge-patch+json'],
          ['impersonate-user', 'system:admin'],
          ['impersonate-group', 'system:masters'],
        ],
      },
      [
        { code: 'impersonation', detail: 'the request impersonates: impersonate users system:admin' },
        { code: 'privileged_container', detail: 'container web is privileged', path: 'spec.template.spec.containers[0].securityContext.privileged' },
      ],
    );
    expect(doc.what.headers).toEqual([
      ['content-type', 'application/merge-patch+json'],
      ['impersonate-group', 'system:masters'],
      ['impersonate-user', 'system:admin'],
    ]);
    expect(html).toContain('<code id="stepgate-content-type">application/merge-patch+json</code>: the body is a JSON merge patch');
    expect(html).toContain('<code>impersonate users system:admin</code>');
    expect(html).toContain('<code>impersonate groups system:masters</code>');
    expect(html).toContain('id="stepgate-object"><code>Deployment</code>');
    expect(html).toContain('web&#60;script&#62;');
    expect(html).toContain('at <code>spec.template.spec.containers[0].securityContext.privileged</code>');
    expect(html).toContain('<pre id="stepgate-body">');
    expect(html).toContain('&#60;/pre&#62;&#60;b&#62;x&#60;/b&#62;\\u{202e}');
    expect(html).not.toContain('<script>');
    expect(html).not.toContain('</pre><b>');
    expect(html).not.toContain('\u202e');
  });

  it('older stored documents without headers still render', () => {
    const { doc } = pageFor(BASE);
    const old = JSON.parse(JSON.stringify(doc)) as Record<string, Record<string, unknown>>;
    delete old.what!.headers;
    delete old.what!.object;
    const parsed = parseDocument(JSON.stringify(old))!;
    expect(detailPage({ id: 'x', state: 'pending', expiresAt: 0, doc: parsed, form: undefined, blocked: undefined })).toContain('Approve an automation request');
    expect(parseDocument(JSON.stringify({ ...doc, what: { ...doc.what, headers: [['a', 1]] } }))).toBeUndefined();
  });
});

describe('impersonation_privileged: running as an all-powerful identity', () => {
  const example = guardSettings('\nguardrails:\n  effects:\n    impersonation: "off"\n    impersonation_privileged: { require: aal3, max_age: 300 }\n');
  const req = (headers: [string, string][], target = '/api/v1/namespaces/dev/pods') => attrs({ method: 'GET', target, authority: 'kube.test', body: undefined, headers });
  const codes = (s: typeof example, headers: [string, string][]) => checkGuardrails(s, req(headers))?.contribution.codes ?? [];

  it.each<[string, [string, string][]]>([
    ['system:masters', [['impersonate-user', 'bob'], ['impersonate-group', 'system:masters']]],
    ['system:masters among joined groups', [['impersonate-user', 'bob'], ['impersonate-group', 'developers, system:masters']]],
    ['a node', [['impersonate-user', 'system:node:worker-1'], ['impersonate-group', 'system:nodes']]],
    ["a kube-system controller's service account", [['impersonate-user', 'system:serviceaccount:kube-system:clusterrole-aggregation-controller']]],
    ["kubeadm's admin", [['impersonate-user', 'kubernetes-admin']]],
    ["kubeadm's bootstrap tokens", [['impersonate-user', 'system:bootstrap:abcdef'], ['impersonate-group', 'system:bootstrappers:kubeadm:default-node-token']]],
    ["OpenShift's superuser", [['impersonate-user', 'system:admin']]],
    ["OpenShift's cluster-admin group", [['impersonate-user', 'bob'], ['impersonate-group', 'system:cluster-admins']]],
    // Two Impersonate-User headers reach stepgate joined by Envoy; kube runs as the first of them.
    ['the first of two Impersonate-User headers', [['impersonate-user', 'system:admin,bob']]],
    ['the first of two Impersonate-User headers, spaced', [['impersonate-user', 'kubernetes-admin, bob@example.com']]],
    ['a node as the second of two Impersonate-User headers', [['impersonate-user', 'bob,system:node:worker-1']]],
    ['a node as the first of two Impersonate-User headers', [['impersonate-user', 'system:node:worker-1, bob']]],
  ])('asks the strongest level for %s even with impersonation off', (_what, headers) => {
    const g = checkGuardrails(example, req(headers));
    expect(g?.contribution).toMatchObject({ level: 2, maxAge: 300, codes: ['impersonation_privileged'] });
    expect(g?.result.violations.find((v) => v.code === 'impersonation_privileged')?.detail).toMatch(/^the request runs as (user|group) /);
  });

  it.each<[string, [string, string][]]>([
    ['another engineer (kubectl auth can-i --as)', [['impersonate-user', 'bob@example.com']]],
    ['an application service account', [['impersonate-user', 'system:serviceaccount:payments:deployer']]],
    ['a group that only looks like one', [['impersonate-group', 'System:Masters']]],
    ['a name that only starts like one', [['impersonate-group', 'system:masters-readonly']]],
    ['an extra', [['impersonate-extra-scopes', 'system:masters']]],
  ])('stays quiet for %s', (_what, headers) => {
    expect(codes(example, headers)).toEqual([]);
  });

  it('follows the configured lists (which replace the defaults) and is reported beside impersonation', () => {
    const own = guardSettings('\nguardrails:\n  impersonation_privileged_groups: [platform-admins]\n  impersonation_privileged_users: ["break-glass-*"]\n');
    expect(codes(own, [['impersonate-group', 'platform-admins']])).toEqual(['impersonation', 'impersonation_privileged']);
    expect(codes(own, [['impersonate-user', 'break-glass-2']])).toEqual(['impersonation', 'impersonation_privileged']);
    expect(codes(own, [['impersonate-group', 'system:masters']])).toEqual(['impersonation']);
  });
});
