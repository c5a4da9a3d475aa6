import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { loadConfigFile, parseConfig } from '../../src/config/load.js';
import { compileAssurance } from '../../src/core/assurance.js';
import { compileGlobList } from '../../src/core/glob.js';
import { GROUPS_NOT_LISTED, type Identity } from '../../src/core/identity.js';
import { compilePolicy, foldedPath } from '../../src/policy/policy.js';
import { normalisePath } from '../../src/request/path.js';
import { kubeReq, policyOf, who } from '../support/policy.js';

/** The bundled example's policy, compiled once for the blocks that check what it asks. */
let example: ReturnType<typeof compilePolicy> | undefined;
function examplePolicy(): ReturnType<typeof compilePolicy> {
  if (example === undefined) {
    const cfg = loadConfigFile(new URL('../../examples/stepgate.yaml', import.meta.url).pathname);
    example = compilePolicy(cfg, compileAssurance(cfg.assurance.levels));
  }
  return example;
}

describe('rule matching', () => {
  const { policy } = policyOf(`
    - {name: secrets, match: {kubernetes: {resources: [secrets]}}, require: aal2, max_age: 900}
    - {name: shell, match: {kubernetes: {resources: [pods/exec, pods/attach]}}, require: aal2, max_age: 300}
    - {name: prod-writes, match: {kubernetes: {namespaces: ["prod*"], verbs: [create, update, patch, delete, deletecollection]}}, require: aal2}
    - {name: rbac, match: {kubernetes: {api_groups: [rbac.authorization.k8s.io], verbs: [create]}}, require: aal3}
    - {name: metrics, match: {kubernetes: {non_resource_paths: ["/metrics", "/debug/**"]}}, deny: true}
    - {name: admin, match: {hosts: ["*.dash.test"], paths: ["/admin/**"]}, require: aal2}
    - {name: ops, match: {groups: [ops], paths: ["/ops/**"]}, deny: true}
`);
  const rules = (method: string, target: string, host?: string, groups?: string[]) =>
    policy.evaluate(kubeReq(method, target, host), who(groups)).rules;

  it.each([
    ['GET', '/api/v1/namespaces/dev/secrets/x', ['secrets']],
    ['GET', '/api/v1/secrets', ['secrets']],
    ['POST', '/api/v1/namespaces/dev/pods/p/exec', ['shell']],
    ['GET', '/api/v1/namespaces/dev/pods/p/log', ['default']],
    ['PATCH', '/apis/apps/v1/namespaces/prod-eu/deployments/web', ['prod-writes']],
    ['GET', '/apis/apps/v1/namespaces/prod-eu/deployments/web', ['default']],
    ['DELETE', '/api/v1/namespaces/prod', ['prod-writes']],
    ['DELETE', '/api/v1/configmaps', ['prod-writes']],
    ['POST', '/apis/rbac.authorization.k8s.io/v1/clusterrolebindings', ['rbac']],
    ['POST', '/apis/rbac.authorization.k8s.io/v1/namespaces/prod/rolebindings', ['prod-writes', 'rbac']],
    ['GET', '/metrics', ['metrics']],
    ['GET', '/debug/pprof/heap', ['metrics']],
    ['GET', '/api/v1/namespaces/dev/pods', ['default']],
  ])('%s %s → %j', (method, target, expected) => {
    expect([...rules(method, target)].sort()).toEqual([...expected].sort());
  });

  // A server-side apply creates what does not exist, and kube then authorizes `create` as well.
  it.each<[string | undefined, string | undefined, string[]]>([
    ['application/apply-patch+yaml', undefined, ['rbac']],
    ['application/apply-patch+yaml; charset=utf-8', undefined, ['rbac']],
    ['application/apply-patch+cbor', undefined, ['rbac']],
    ['Application/Apply-Patch+YAML', undefined, ['rbac']],
    ['application/merge-patch+json, application/apply-patch+yaml', undefined, ['rbac']],
    ['application/merge-patch+json', undefined, ['default']],
    ['application/strategic-merge-patch+json', undefined, ['default']],
    ['application/json-patch+json', undefined, ['default']],
    [undefined, undefined, ['default']],
    // No name: kube's apply needs one, so nothing is created (and the verb would not be patch).
    ['application/apply-patch+yaml', '/apis/rbac.authorization.k8s.io/v1/clusterrolebindings', ['default']],
  ])('PATCH with Content-Type %s: a rule about create applies too (%s)', (contentType, target, expected) => {
    const req = kubeReq('PATCH', target ?? '/apis/rbac.authorization.k8s.io/v1/clusterrolebindings/x');
    const headers = new Map(contentType === undefined ? [] : [['content-type', contentType]]);
    expect(policy.evaluate({ ...req, headers }, who()).rules).toEqual(expected);
  });

  it('matches hosts by glob, and /admin/** covers /admin itself', () => {
    expect(rules('GET', '/admin', 'grafana.dash.test')).toEqual(['admin']);
    expect(rules('GET', '/admin/users', 'grafana.dash.test')).toEqual(['admin']);
    expect(rules('GET', '/administrator', 'grafana.dash.test')).toEqual(['default']);
    expect(rules('GET', '/admin', 'dash.test')).toEqual(['default']);
  });

  it('matches on groups only with an identity that has them', () => {
    expect(rules('GET', '/ops/x', 'tools.test', ['ops'])).toEqual(['ops']);
    expect(rules('GET', '/ops/x', 'tools.test', ['dev'])).toEqual(['default']);
    expect(policy.evaluate(kubeReq('GET', '/ops/x', 'tools.test'), undefined).rules).toEqual(['default']);
  });

  it('combines by strictness: highest level, shortest max_age, deny over everything', () => {
    const { policy: p, assurance } = policyOf(`
    - {name: a, match: {paths: ["/x/**"]}, require: aal3, max_age: 3000}
    - {name: b, match: {paths: ["/x/y"]}, require: aal2, max_age: 60}
    - {name: c, match: {paths: ["/x/y/z"]}, deny: true}
`);
    const r = p.evaluate(kubeReq('GET', '/x/y', 'h.test'), undefined);
    expect(assurance.names[r.level]).toBe('aal3');
    expect(r.maxAge).toBe(60);
    expect(r.deny).toBe(false);
    expect(p.evaluate(kubeReq('GET', '/x/y/z', 'h.test'), undefined).deny).toBe(true);
  });
});

describe('a dashboard path in every reading an upstream may give it', () => {
  const { policy, assurance } = policyOf(`
    - {name: admin, match: {hosts: [grafana.test], paths: ["/admin/**", "/api/admin/**"]}, require: aal2, max_age: 900}
    - {name: public, match: {hosts: [grafana.test], paths: ["/public/**"]}, require: aal1, max_age: 86400}
    - {name: Reports, match: {hosts: [grafana.test], paths: ["/Reports/**"]}, require: aal3}
    - {name: secrets, match: {kubernetes: {resources: [secrets]}}, require: aal2}
`);
  const ev = (target: string, host = 'grafana.test') => policy.evaluate(kubeReq('GET', target, host), undefined);

  it.each([
    '/ADMIN/users',
    '/Admin/users',
    '/api/ADMIN/users',
    '/admin./users',
    '/admin%2E/users',
    '/admin%20/users',
    '/admin%20./users',
    '/ADMIN.',
    '/\uff41\uff44\uff4d\uff49\uff4e/users',
    '/%EF%BD%81dmin/users',
    '/adm\u0131n/users',
    '/ADM\u0130N/users',
    '/adm%C4%B1n/users',
  ])('%s is asked what /admin/users is asked', (target) => {
    const r = ev(target);
    expect(r.rules).toContain('admin');
    expect(assurance.names[r.level]).toBe('aal2');
    expect(r.maxAge).toBe(900);
  });

  it('a relaxing rule matched in one reading only does not relax the other: the default joins in', () => {
    // /PUBLIC/x is /public/x to a case-insensitive server, something else to a case-sensitive one.
    const r = ev('/PUBLIC/x');
    expect([...r.rules].sort()).toEqual(['default', 'public']);
    expect(r.maxAge).toBe(3600);
    expect(ev('/public/x').rules).toEqual(['public']);
    expect(ev('/public/x').maxAge).toBe(86400);
  });

  it('a rule written in capitals matches as written and in any case', () => {
    for (const t of ['/Reports/q3', '/reports/q3', '/REPORTS/q3']) {
      const r = ev(t);
      expect(r.rules, t).toContain('Reports');
      expect(assurance.names[r.level], t).toBe('aal3');
    }
  });

  it('a path no rule matches in any reading gets the default, and Kubernetes paths are exact', () => {
    expect(ev('/d/abc123/overview').rules).toEqual(['default']);
    expect(ev('/d/AbC123/Overview').rules).toEqual(['default']);
    // kube-apiserver routes case-sensitively: /API/v1/... is no resource request, and no rule
    // matches on a folded Kubernetes path.
    expect(ev('/API/v1/namespaces/dev/secrets/x', 'kube.test').rules).toEqual(['default']);
    expect(ev('/api/v1/namespaces/dev/secrets/x', 'kube.test').rules).toEqual(['secrets']);
  });
});

describe('a dashboard path with a trailing slash, which many routers ignore', () => {
  // Grafana's API router (pkg/web/tree.go: Match trims one trailing '/'), Express without strict
  // routing and Spring MVC before 6 route /api/user/password/ to the handler of /api/user/password.
  const { policy, assurance } = policyOf(`
    - {name: password, match: {hosts: [grafana.test], paths: ["/api/user/password"]}, require: aal2, max_age: 900}
    - {name: reports, match: {hosts: [reports.test], paths: ["/reports/"]}, require: aal3}
`);
  const ev = (target: string, host = 'grafana.test') => policy.evaluate(kubeReq('PUT', target, host), undefined);

  it.each(['/api/user/password', '/api/user/password/', '/api/user/password//', '/API/user/password/', '/api/user/password./', '/api/user/password%20/'])('%s is asked what /api/user/password is asked', (target) => {
    const r = ev(target);
    expect(r.rules).toContain('password');
    expect(assurance.names[r.level]).toBe('aal2');
    expect(r.maxAge).toBe(900);
  });

  it('a pattern written with a trailing slash also matches the path without it', () => {
    expect(ev('/reports/', 'reports.test').rules).toEqual(['reports']);
    expect(ev('/reports', 'reports.test').rules).toContain('reports');
    expect(assurance.names[ev('/reports', 'reports.test').level]).toBe('aal3');
  });

  it('the root and other paths keep their own reading', () => {
    expect(ev('/').rules).toEqual(['default']);
    expect(ev('/api/user/passwords/').rules).toEqual(['default']);
    expect(ev('/api/user/').rules).toEqual(['default']);
  });
});

describe('methods: a rule about GET is about HEAD too', () => {
  // Go's ServeMux (a GET pattern matches HEAD), Express, Spring MVC and Rails run the GET handler
  // for a HEAD, so a rule written for GET must not be stepped around by sending HEAD.
  const { policy, assurance } = policyOf(`
    - {name: export, match: {hosts: [grafana.test], paths: ["/api/export/**"], methods: [get]}, require: aal2, max_age: 900}
    - {name: purge, match: {hosts: [grafana.test], paths: ["/api/export/**"], methods: [DELETE]}, deny: true}
`);
  const ev = (method: string) => policy.evaluate(kubeReq(method, '/api/export/users.csv', 'grafana.test'), undefined);

  it.each(['GET', 'HEAD'])('%s matches the GET rule', (method) => {
    expect(ev(method).rules).toEqual(['export']);
    expect(assurance.names[ev(method).level]).toBe('aal2');
  });

  it('other methods keep their own rules', () => {
    expect(ev('POST').rules).toEqual(['default']);
    expect(ev('DELETE').deny).toBe(true);
    expect(ev('OPTIONS').rules).toEqual(['default']);
  });
});

describe('foldedPath: each segment\'s trailing dots and spaces, in linear time', () => {
  // The reading it gives, by the regular expression it replaced (quadratic in a run of dots that
  // no '/' follows), on random paths of the characters that matter.
  const reference = (p: string) => {
    const r = p.replace(/[. ]+(?=\/|$)/g, '');
    let end = r.length;
    while (end > 1 && r[end - 1] === '/') end--;
    return r.slice(0, end);
  };
  it('reads every path as the regular expression did', () => {
    let seed = 7;
    const next = () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
    for (let k = 0; k < 5000; k++) {
      let p = '/';
      const len = Math.floor(next() * 12);
      for (let i = 0; i < len; i++) p += '/. a.'[Math.floor(next() * 5)];
      if (!/[. ](\/|$)/.test(p)) continue;
      expect(foldedPath(p), JSON.stringify(p)).toBe(reference(p));
    }
  });

  it('a segment of 32,000 dots that no slash follows takes no quadratic time', () => {
    // The regular expression took about 1.8 s here (115 ms at 8,000 dots); the loop a few ms.
    const started = performance.now();
    expect(foldedPath(`/${'.'.repeat(32_000)}x/a./`)).toBe(`/${'.'.repeat(32_000)}x/a`);
    expect(performance.now() - started).toBeLessThan(500);
  });
});

describe('rules inherit from the default what they do not say', () => {
  it('a rule that only shortens max_age keeps the default level floor', () => {
    const { policy, assurance } = policyOf(`
    - {name: fresh, match: {paths: ["/x/**"]}, max_age: 60}
    - {name: strong, match: {paths: ["/y/**"]}, require: aal3}
`);
    const fresh = policy.evaluate(kubeReq('GET', '/x/1', 'h.test'), undefined);
    expect(assurance.names[fresh.level]).toBe('aal1');
    expect(fresh.maxAge).toBe(60);
    const strong = policy.evaluate(kubeReq('GET', '/y/1', 'h.test'), undefined);
    expect(assurance.names[strong.level]).toBe('aal3');
    expect(strong.maxAge).toBe(3600);
  });
});

describe('adding a rule never weakens the requirement (property)', () => {
  const levels = ['aal1', 'aal2', 'aal3'];
  const paths = ['/a', '/a/b', '/a/b/c', '/b', '/b/c'];
  const rule = fc.record({
    path: fc.constantFrom('/a/**', '/a/b', '/b/**', '/**', '/a/*'),
    effect: fc.oneof(
      fc.record({ require: fc.constantFrom(...levels), max_age: fc.option(fc.integer({ min: 0, max: 5000 }), { nil: undefined }) }),
      fc.constant({ deny: true as const }),
    ),
  });
  const yamlOf = (rs: { path: string; effect: Record<string, unknown> }[]) =>
    rs.map((r, i) => `    - ${JSON.stringify({ name: `r${i}`, match: { paths: [r.path] }, ...r.effect })}`).join('\n');

  it('holds for random rule sets and requests matched by at least one rule', () => {
    fc.assert(
      fc.property(fc.array(rule, { minLength: 1, maxLength: 6 }), rule, fc.constantFrom(...paths), (rs, extra, path) => {
        const before = policyOf(yamlOf(rs)).policy.evaluate(kubeReq('GET', path, 'h.test'), undefined);
        const after = policyOf(yamlOf([...rs, extra])).policy.evaluate(kubeReq('GET', path, 'h.test'), undefined);
        if (before.rules[0] === 'default') return; // the default yields to any rule by design
        const b = before;
        const a = after;
        if (b.deny) expect(a.deny).toBe(true);
        expect(a.level).toBeGreaterThanOrEqual(b.level);
        if (b.maxAge !== undefined) expect(a.maxAge).toBeLessThanOrEqual(b.maxAge);
      }),
      { numRuns: 300 },
    );
  });
});

describe('globs', () => {
  it.each([
    [['/admin/**'], '/', '/admin', true],
    [['/admin/**'], '/', '/admin/a/b', true],
    [['/admin/**'], '/', '/adminx', false],
    [['/d/*'], '/', '/d/x', true],
    [['/d/*'], '/', '/d/x/y', false],
    [['/d/?'], '/', '/d/x', true],
    [['prod*'], null, 'prod-eu', true],
    [['prod*'], null, 'preprod', false],
    [['*.example.com'], '.', 'a.example.com', true],
    [['*.example.com'], '.', 'a.b.example.com', false],
    [['**.example.com'], '.', 'a.b.example.com', true],
    [['a.b'], '.', 'aXb', false],
    [['/x(y)+'], '/', '/x(y)+', true],
  ] as const)('%j (%s) on %s → %s', (patterns, sep, value, expected) => {
    expect(compileGlobList([...patterns], sep)(value)).toBe(expected);
  });
});

describe('assurance', () => {
  const a = compileAssurance([
    { name: 'aal1', acr: ['1'], amr: ['pwd'], combine: 'any' },
    { name: 'aal2', acr: ['2'], amr: ['pwd', 'otp'], combine: 'any' },
    { name: 'aal3', acr: ['3'], amr: ['hwk'], combine: 'all' },
  ]);
  it.each([
    ['1', [], 'aal1'],
    [undefined, ['pwd'], 'aal1'],
    [undefined, ['pwd', 'otp'], 'aal2'],
    ['2', ['pwd'], 'aal2'],
    ['3', [], 'none'],
    ['3', ['hwk'], 'aal3'],
    [undefined, ['hwk'], 'none'],
    ['unknown', [], 'none'],
  ] as const)('acr %s amr %j → %s', (acr, amr, level) => {
    const r = a.classify(acr, amr);
    expect(r < 0 ? 'none' : a.names[r]).toBe(level);
  });
  it('asks the IdP for the level acr values in a challenge', () => {
    expect(a.acrValues(a.rank('aal2'))).toBe('2');
  });

  // Alternative amr sets: Okta says a security key with hwk, Entra ID with fido. Each set is
  // needed whole; methods of two sets do not mix into one.
  const alt = compileAssurance([
    { name: 'aal2', acr: ['2'], amr: ['mfa'], combine: 'any' },
    { name: 'aal3', acr: ['3'], amr: [['hwk', 'mfa'], ['fido', 'mfa']], combine: 'any' },
    { name: 'aal3-strict', acr: ['3s'], amr: [['hwk'], ['fido']], combine: 'all' },
  ]);
  it.each([
    [undefined, ['hwk', 'mfa'], 'aal3'],
    ['1', ['fido', 'mfa'], 'aal3'],
    [undefined, ['fido'], 'none'],
    [undefined, ['hwk', 'fido'], 'none'],
    [undefined, ['mfa', 'otp'], 'aal2'],
    ['3', [], 'aal3'],
    ['3s', [], 'none'],
    ['3s', ['fido'], 'aal3-strict'],
    ['3s', ['hwk', 'mfa'], 'aal3-strict'],
    ['3s', ['mfa'], 'aal2'],
  ] as const)('alternative sets: acr %s amr %j → %s', (acr, amr, level) => {
    const r = alt.classify(acr, amr);
    expect(r < 0 ? 'none' : alt.names[r]).toBe(level);
  });
});

describe('discovery and version calls are held to the everyday level (issue 13)', () => {
  // A rule that would catch everything, discovery included, at aal3 and with a deny.
  const { policy } = policyOf(`
    - {name: everything, match: {paths: ["/**"]}, require: aal3, max_age: 60}
    - {name: nothing-on-sundays, match: {paths: ["/**"], methods: [GET]}, deny: true}
`);
  const discovery = ['/api', '/api/v1', '/apis', '/apis/apps', '/apis/apps/v1', '/version', '/openapi/v2', '/openapi/v3', '/openapi/v3/apis/apps/v1'];
  it.each(discovery.flatMap((p) => [['GET', p], ['HEAD', p]]))('%s %s: the default level, no max_age, never denied', (method, path) => {
    const r = policy.evaluate(kubeReq(method!, path!), who());
    expect(r).toMatchObject({ deny: false, level: 0, maxAge: undefined, rules: ['discovery'] });
  });

  // Everything that is not exactly discovery keeps the rules: resource paths, writes, look-alikes.
  const notDiscovery: [string, string][] = [
    ['POST', '/api'],
    ['DELETE', '/apis/apps/v1'],
    ['GET', '/api/v1/namespaces'],
    ['GET', '/api/v1/secrets'],
    ['GET', '/apis/apps/v1/deployments'],
    ['GET', '/apis/apps/v1/namespaces/prod/deployments'],
    ['GET', '/versions'],
    ['GET', '/openapi'],
    ['GET', '/openapi/v4'],
    ['GET', '/openapi/v2x'],
    ['GET', '/healthz'],
    ['GET', '/api/v1/namespaces/prod/pods/web-0/exec'],
  ];
  it.each(notDiscovery)('%s %s: the rules apply', (method, path) => {
    const r = policy.evaluate(kubeReq(method, path), who());
    expect(r.rules).not.toContain('discovery');
    expect(r.deny || r.level === 2).toBe(true);
  });

  it('a non-Kubernetes host never gets the exemption, whatever the path', () => {
    expect(policy.evaluate(kubeReq('GET', '/api', 'grafana.test'), who()).rules).not.toContain('discovery');
  });

  it('any path is discovery only if it is one of the listed shapes (property)', () => {
    fc.assert(
      fc.property(fc.array(fc.constantFrom('api', 'apis', 'v1', 'apps', 'namespaces', 'prod', 'secrets', 'version', 'openapi', 'v3', ''), { maxLength: 6 }), (segs) => {
        const path = `/${segs.join('/')}`;
        const norm = normalisePath(path);
        if (!norm.ok) return;
        const r = policy.evaluate(kubeReq('GET', path), who());
        if (r.rules[0] !== 'discovery') return;
        const p = norm.path;
        const s = p.split('/').slice(1);
        const ok =
          ['/api', '/apis', '/version', '/openapi/v2', '/openapi/v3'].includes(p) ||
          p.startsWith('/openapi/v3/') ||
          (s[0] === 'api' && s.length === 2) ||
          (s[0] === 'apis' && (s.length === 2 || s.length === 3));
        expect(ok, p).toBe(true);
        expect(s.includes('namespaces') && s[0] !== 'openapi' && s.length > 3).toBe(false);
      }),
    );
  });
});

// Issue 12, day 6: malware deleting the victim's production Deployments one at a time, at any
// pace, from the victim's laptop. What routine work deletes (docs/risk.md, "Deletes of what holds
// a service") must stay on prod-writes' 8 hours; everything else that holds a service or its data
// needs a recent sign-in, whatever the pace or the count.
describe('the example: what keeps access to Grafana after a stolen session', () => {
  const policy = examplePolicy();
  const ev = (method: string, target: string) => policy.evaluate(kubeReq(method, target, 'grafana.localhost'), who());
  it.each([
    ['POST', '/api/serviceaccounts/7/tokens'],
    ['POST', '/api/serviceaccounts'],
    ['POST', '/api/auth/keys'],
    ['PUT', '/api/datasources/3'],
    ['PATCH', '/api/org/users/12'],
    ['PUT', '/api/user/password'],
    ['POST', '/API/ServiceAccounts/7/tokens'],
  ])('%s %s needs two factors within 15 minutes', (method, target) => {
    const r = ev(method, target);
    expect(r.rules).toContain('grafana-credentials');
    expect(r.level).toBe(1);
    expect(r.maxAge).toBe(900);
  });

  it.each([
    ['GET', '/api/datasources'],
    ['POST', '/api/ds/query'],
    ['GET', '/api/serviceaccounts/search'],
    ['GET', '/d/AbC123/overview'],
  ])('%s %s is everyday work', (method, target) => {
    expect(ev(method, target).rules).toEqual(['default']);
  });
});

// kubectl auth can-i / whoami create reviews at the cluster level: questions that store nothing
// and reach no namespace. Platform engineers run them all day; they are no production write.
describe('the example: reviews are no writes', () => {
  const policy = examplePolicy();
  it.each([
    '/apis/authorization.k8s.io/v1/selfsubjectaccessreviews',
    '/apis/authorization.k8s.io/v1/selfsubjectrulesreviews',
    '/apis/authentication.k8s.io/v1/selfsubjectreviews',
  ])('POST %s is held to the everyday level', (target) => {
    const r = policy.evaluate(kubeReq('POST', target), who());
    expect(r.rules).toEqual(['default']);
  });

  it('a namespaced review in production, and a cluster-wide write of a namespaced kind, still are', () => {
    expect(policy.evaluate(kubeReq('POST', '/apis/authorization.k8s.io/v1/namespaces/prod-eu/localsubjectaccessreviews'), who()).rules).toContain('prod-writes');
    expect(policy.evaluate(kubeReq('DELETE', '/api/v1/configmaps'), who()).rules).toContain('prod-writes');
  });
});

// A shell or tunnel into the cluster's own pods and a minted service-account token need a hardware
// key, but one sign-in covers the platform team's day (istioctl proxy-config on the gateway, and
// proxy-status, which mints a token for default/default); switching the gate off needs one made
// within 5 minutes, so that malware on the laptop cannot ride that day's sign-in to it.
describe('the example: how long a hardware key lasts', () => {
  const policy = examplePolicy();
  const aal3 = 2;
  it.each([
    ['POST', '/api/v1/namespaces/istio-system/pods/istio-ingressgateway-5c7d8f9b6-m2v7t/portforward', 'system-pod-access'],
    ['POST', '/api/v1/namespaces/kube-system/pods/cilium-4hz8q/exec', 'system-pod-access'],
    ['POST', '/api/v1/namespaces/default/serviceaccounts/default/token', 'service-account-tokens'],
  ])('%s %s: a hardware key within 8 hours, 5 minutes when elevated, refused when high (%s)', (method, target, rule) => {
    const r = policy.evaluate(kubeReq(method, target), who());
    expect(r.rules).toContain(rule);
    expect(r.level).toBe(aal3);
    expect(r.maxAge).toBe(28_800);
    expect(r.byBand?.elevated?.maxAge).toBe(300);
    expect(r.byBand?.high?.deny).toBe(true);
  });

  it.each([
    ['DELETE', '/apis/security.istio.io/v1/namespaces/istio-system/authorizationpolicies/stepgate-kube-api'],
    ['PATCH', '/api/v1/namespaces/stepgate/configmaps/stepgate-config'],
    ['GET', '/api/v1/namespaces/stepgate/secrets/stepgate-secrets'],
    ['POST', '/api/v1/namespaces/stepgate/pods/stepgate-redis-0/exec'],
    ['POST', '/apis/networking.istio.io/v1alpha3/namespaces/shop/envoyfilters'],
  ])('%s %s: the gate, a hardware key within 5 minutes', (method, target) => {
    const r = policy.evaluate(kubeReq(method, target), who());
    expect(r.rules.some((x) => x.startsWith('gate-'))).toBe(true);
    expect(r.level).toBe(aal3);
    expect(r.maxAge).toBe(300);
  });
});

describe('the example: deletes of what holds a service', () => {
  const policy = examplePolicy();
  const req = (method: string, target: string) => policy.evaluate(kubeReq(method, target), who());

  it.each([
    '/apis/apps/v1/namespaces/prod-cart/deployments/cart-api',
    '/apis/apps/v1/namespaces/prod-cart/statefulsets/cart-db',
    '/apis/apps/v1/namespaces/prod-cart/daemonsets/cart-agent',
    '/api/v1/namespaces/prod-cart/persistentvolumeclaims/data-cart-db-0',
    '/api/v1/namespaces/prod-cart/services/cart-api',
    '/apis/networking.k8s.io/v1/namespaces/prod-cart/ingresses/cart',
    '/apis/batch/v1/namespaces/prod-cart/cronjobs/cart-backup',
    '/api/v1/namespaces/prod-cart/configmaps/cart-config',
    '/apis/networking.k8s.io/v1/namespaces/prod-cart/networkpolicies/default-deny',
    '/api/v1/namespaces/prod-cart/serviceaccounts/cart',
    // The namespace object itself: kube reports its name as the namespace.
    '/api/v1/namespaces/prod-cart',
    // A collection delete reaches every object of the kind at once.
    '/apis/apps/v1/namespaces/prod-cart/deployments',
    // Production by its other usual names.
    '/apis/apps/v1/namespaces/production/deployments/cart-api',
    '/apis/apps/v1/namespaces/cart-prod/deployments/cart-api',
    '/apis/apps/v1/namespaces/cart-production/statefulsets/cart-db',
  ])('DELETE %s needs two factors within 15 minutes, 5 when elevated', (target) => {
    const r = req('DELETE', target);
    expect(r.rules).toContain('prod-durable-deletes');
    expect(r.level).toBe(1);
    expect(r.maxAge).toBe(900);
    expect(r.byBand?.elevated?.maxAge).toBe(300);
  });

  it('a PersistentVolume, cluster-scoped, is asked the same wherever it was used', () => {
    const r = req('DELETE', '/api/v1/persistentvolumes/pvc-3f6c1e2a');
    expect(r.rules).toEqual(['volume-deletes']);
    expect(r).toMatchObject({ level: 1, maxAge: 900 });
  });

  it.each(['/api/v1/nodes/worker-1', '/api/v1/nodes'])('DELETE %s (a Node and every pod on it) is asked the same', (target) => {
    const r = req('DELETE', target);
    expect(r.rules).toEqual(['node-deletes']);
    expect(r).toMatchObject({ level: 1, maxAge: 900 });
  });

  it.each([
    // What routine work deletes: controllers recreate it, helm deletes its hook Jobs and prunes
    // its release Secrets (docs/risk.md).
    ['DELETE', '/api/v1/namespaces/prod-cart/pods/cart-api-6d9f7c-k2x8p'],
    ['DELETE', '/apis/batch/v1/namespaces/prod-cart/jobs/cart-migrate'],
    ['DELETE', '/apis/apps/v1/namespaces/prod-cart/replicasets/cart-api-6d9f7c'],
    ['DELETE', '/api/v1/namespaces/prod-cart/events/cart-api.17f'],
    ['DELETE', '/apis/coordination.k8s.io/v1/namespaces/prod-cart/leases/cart-leader'],
    ['DELETE', '/api/v1/namespaces/prod-cart/secrets/sh.helm.release.v1.cart.v1'],
    // Outside production, and what is no delete.
    ['DELETE', '/apis/apps/v1/namespaces/cart-staging/deployments/cart-api'],
    ['DELETE', '/apis/apps/v1/namespaces/cart-preprod-tools/deployments/cart-api'],
    ['PATCH', '/apis/apps/v1/namespaces/prod-cart/deployments/cart-api/scale'],
    ['PATCH', '/apis/apps/v1/namespaces/prod-cart/deployments/cart-api'],
    // kubectl cordon / drain: a patch of the Node, evictions of its pods.
    ['PATCH', '/api/v1/nodes/worker-1'],
    ['POST', '/api/v1/namespaces/prod-cart/pods/cart-api-6d9f7c-k2x8p/eviction'],
  ])('%s %s is not one of them', (method, target) => {
    const r = req(method, target);
    expect(r.rules).not.toContain('prod-durable-deletes');
    expect(r.rules).not.toContain('volume-deletes');
    expect(r.rules).not.toContain('node-deletes');
    if (r.maxAge !== undefined) expect(r.maxAge).toBeGreaterThan(900);
  });
});

// A CronJob created in production is code that runs on a schedule long after the sign-in (day 10:
// malware on the release laptop planted one on the morning's 8 hours); releases change the
// CronJobs they have, and an on-call rerun is a Job.
describe('the example: a CronJob created in production', () => {
  const policy = examplePolicy();
  const req = (method: string, target: string) => policy.evaluate(kubeReq(method, target), who());

  it.each(['/apis/batch/v1/namespaces/prod-cart/cronjobs', '/apis/batch/v1/namespaces/checkout-prod-apse1/cronjobs', '/apis/batch/v1/namespaces/cart-production/cronjobs', '/apis/argoproj.io/v1alpha1/namespaces/prod-cart/cronworkflows'])('POST %s needs two factors within 15 minutes, 5 when elevated', (target) => {
    const r = req('POST', target);
    expect(r.rules).toContain('prod-scheduled-jobs');
    expect(r).toMatchObject({ level: 1, maxAge: 900 });
    expect(r.byBand?.elevated?.maxAge).toBe(300);
  });

  it.each([
    ['PATCH', '/apis/batch/v1/namespaces/prod-cart/cronjobs/cart-nightly'],
    ['PUT', '/apis/batch/v1/namespaces/prod-cart/cronjobs/cart-nightly'],
    ['POST', '/apis/batch/v1/namespaces/prod-cart/jobs'],
    ['POST', '/apis/batch/v1/namespaces/cart-staging/cronjobs'],
  ])('%s %s is not one (a change of an existing CronJob, a Job, outside production)', (method, target) => {
    const r = req(method, target);
    expect(r.rules).not.toContain('prod-scheduled-jobs');
    if (r.maxAge !== undefined) expect(r.maxAge).toBeGreaterThan(900);
  });
});

// Day 12: a CronJob in cnpg-system running as CloudNativePG's account, and a production Cluster's
// pg_hba opened to trust, were allowed on the morning's sign-in (risk-day12-findings.test.ts).
describe("the example: operators' *-system namespaces and production database clusters", () => {
  const policy = examplePolicy();
  const req = (method: string, target: string) => policy.evaluate(kubeReq(method, target), who());

  it.each(['/apis/batch/v1/namespaces/cnpg-system/cronjobs', '/api/v1/namespaces/gatekeeper-system/pods', '/apis/apps/v1/namespaces/external-secrets-system/deployments'])('POST %s needs a hardware key within 5 minutes (system-workload-creates)', (target) => {
    const r = req('POST', target);
    expect(r.rules).toContain('system-workload-creates');
    expect(r).toMatchObject({ level: 2, maxAge: 300 });
  });

  it.each([
    ['PATCH', '/apis/apps/v1/namespaces/cnpg-system/deployments/cnpg-controller-manager'],
    ['GET', '/api/v1/namespaces/cnpg-system/pods'],
    ['POST', '/apis/batch/v1/namespaces/data-systems/cronjobs'],
  ])('%s %s is not one (an update, a read, a namespace that only starts like it)', (method, target) => {
    expect(req(method, target).rules).not.toContain('system-workload-creates');
  });

  it.each([
    ['PATCH', '/apis/postgresql.cnpg.io/v1/namespaces/payments-prod/clusters/payments-db'],
    ['PUT', '/apis/postgresql.cnpg.io/v1/namespaces/payments-prod/poolers/payments-db-rw'],
    ['DELETE', '/apis/postgresql.cnpg.io/v1/namespaces/prod-ledger/clusters/ledger-db'],
    ['PATCH', '/apis/acid.zalan.do/v1/namespaces/cart-production/postgresqls/cart-db'],
  ])('%s %s needs two factors within 15 minutes, 5 when elevated (prod-database-clusters)', (method, target) => {
    const r = req(method, target);
    expect(r.rules).toContain('prod-database-clusters');
    expect(r).toMatchObject({ level: 1, maxAge: 900 });
    expect(r.byBand?.elevated?.maxAge).toBe(300);
  });

  it.each([
    ['PATCH', '/apis/postgresql.cnpg.io/v1/namespaces/payments-prod/clusters/payments-db/status'],
    ['PATCH', '/apis/postgresql.cnpg.io/v1/namespaces/payments-staging/clusters/payments-db'],
    ['POST', '/apis/postgresql.cnpg.io/v1/namespaces/payments-prod/backups'],
    ['GET', '/apis/postgresql.cnpg.io/v1/namespaces/payments-prod/clusters/payments-db'],
  ])('%s %s is not one (a switchover\'s status, staging, an on-demand backup, a read)', (method, target) => {
    expect(req(method, target).rules).not.toContain('prod-database-clusters');
  });
});

// Deleting (or scaling to zero, which the pipeline asks as the delete) what runs the cluster
// switches it off: Gatekeeper's controller gone is its webhook gone (failurePolicy Ignore).
describe('the example: deletes of what runs the cluster', () => {
  const policy = examplePolicy();
  const req = (method: string, target: string) => policy.evaluate(kubeReq(method, target), who());

  it.each([
    '/apis/apps/v1/namespaces/gatekeeper-system/deployments/gatekeeper-controller-manager',
    '/apis/apps/v1/namespaces/kyverno/deployments/kyverno-admission-controller',
    '/apis/apps/v1/namespaces/kube-system/deployments/coredns',
    '/apis/apps/v1/namespaces/kube-system/daemonsets/kube-proxy',
    '/apis/apps/v1/namespaces/istio-system/deployments/istiod',
    '/api/v1/namespaces/ingress-nginx/services/ingress-nginx-controller-admission',
    '/apis/apps/v1/namespaces/monitoring/statefulsets/prometheus-k8s',
  ])('DELETE %s needs a hardware key within 15 minutes', (target) => {
    const r = req('DELETE', target);
    expect(r.rules).toContain('system-component-deletes');
    expect(r).toMatchObject({ level: 2, maxAge: 900 });
    expect(r.byBand?.high?.deny).toBe(true);
  });

  it.each([
    // A stuck pod, a rollout restart, an old ReplicaSet: routine, recreated or rolled by a controller.
    ['DELETE', '/api/v1/namespaces/kube-system/pods/coredns-5d78c9869d-x2k4q'],
    ['PATCH', '/apis/apps/v1/namespaces/kube-system/deployments/coredns'],
    ['PATCH', '/apis/apps/v1/namespaces/gatekeeper-system/deployments/gatekeeper-controller-manager'],
    ['DELETE', '/apis/apps/v1/namespaces/kube-system/replicasets/coredns-5d78c9869d'],
    ['DELETE', '/apis/apps/v1/namespaces/team-system-tools/deployments/api'],
  ])('%s %s is not one', (method, target) => {
    expect(req(method, target).rules).not.toContain('system-component-deletes');
  });
});

// Where a request reaches decides which namespace rules apply: a custom kind written without a
// namespace is a cluster-scoped object (kube serves namespaced custom kinds there for list and
// watch only), not a write in every namespace.
describe('match.kubernetes.scope and custom', () => {
  const { policy } = policyOf(`
    - {name: gate, match: {kubernetes: {namespaces: [stepgate], verbs: [create, update, patch, delete, deletecollection]}}, require: aal3}
    - {name: in-ns, match: {kubernetes: {scope: [namespace], namespaces: [istio-system], resources: [secrets]}}, require: aal3}
    - {name: add-ons, match: {kubernetes: {scope: [cluster], custom: true, verbs: [create, update, patch, delete, deletecollection]}}, require: aal3}
    - {name: across, match: {kubernetes: {scope: [all_namespaces]}}, require: aal2}
    - {name: builtin-cluster, match: {kubernetes: {scope: [cluster], custom: false}}, require: aal2}
`);
  const rules = (method: string, target: string) => policy.evaluate(kubeReq(method, target), who()).rules;
  it.each([
    ['POST', '/apis/cert-manager.io/v1/clusterissuers', ['add-ons']],
    ['PATCH', '/apis/kyverno.io/v1/clusterpolicies/p', ['add-ons']],
    ['DELETE', '/apis/karpenter.sh/v1/nodepools/default', ['add-ons']],
    ['POST', '/apis/gateway.networking.k8s.io/v1/gatewayclasses', ['add-ons']],
    // A read of a cluster-scoped custom object: no write rule, and no namespace's.
    ['GET', '/apis/cert-manager.io/v1/clusterissuers/x', ['default']],
    ['GET', '/apis/cert-manager.io/v1/certificates', ['across']],
    ['GET', '/apis/cert-manager.io/v1/watch/certificates', ['across']],
    ['POST', '/apis/cert-manager.io/v1/namespaces/stepgate/certificates', ['gate']],
    ['GET', '/api/v1/namespaces/istio-system/secrets/istio-ca-secret', ['in-ns']],
    ['GET', '/api/v1/secrets', ['across']],
    ['POST', '/api/v1/namespaces', ['builtin-cluster']],
    ['PATCH', '/api/v1/nodes/n1', ['builtin-cluster']],
    // A built-in namespaced kind written without a namespace (kube refuses it) stays every namespace's.
    ['DELETE', '/api/v1/configmaps', ['gate', 'across']],
    ['GET', '/metrics', ['default']],
  ])('%s %s matches %j', (method, target, expected) => {
    expect(rules(method, target)).toEqual(expected);
  });

  it('rejects an unknown scope at load', () => {
    expect(() => policyOf(`    - {name: x, match: {kubernetes: {scope: [everywhere]}}, require: aal2}\n`)).toThrow(/scope/);
  });
});

// `helm ls -A` selects owner=helm: the API server serves Helm's release records and nothing else,
// so a rule for every namespace's Secrets may leave it to another.
describe('match.kubernetes.unless_label_selector', () => {
  const { policy } = policyOf(`
    - {name: all-secrets, match: {kubernetes: {resources: [secrets], unless_label_selector: {owner: helm}}}, require: aal3}
    - {name: two-labels, match: {kubernetes: {resources: [configmaps], unless_label_selector: {owner: helm, name: web}}}, require: aal3}
`);
  const rules = (method: string, target: string) => policy.evaluate(kubeReq(method, target), who()).rules;
  it.each([
    ['GET', '/api/v1/secrets', ['all-secrets']],
    ['GET', '/api/v1/secrets?labelSelector=owner%3Dhelm', ['default']],
    ['GET', '/api/v1/secrets?watch=true&labelSelector=owner%3D%3Dhelm', ['default']],
    ['DELETE', '/api/v1/namespaces/x/secrets?labelSelector=owner%3Dhelm', ['default']],
    ['GET', '/api/v1/secrets?labelSelector=owner%21%3Dhelm', ['all-secrets']],
    // A get (or a write) is not narrowed by a selector.
    ['GET', '/api/v1/namespaces/x/secrets/y?labelSelector=owner%3Dhelm', ['all-secrets']],
    ['DELETE', '/api/v1/namespaces/x/secrets/y?labelSelector=owner%3Dhelm', ['all-secrets']],
    // Every label named must be required.
    ['GET', '/api/v1/configmaps?labelSelector=owner%3Dhelm', ['two-labels']],
    ['GET', '/api/v1/configmaps?labelSelector=owner%3Dhelm%2Cname%3Dweb', ['default']],
  ])('%s %s matches %j', (method, target, expected) => {
    expect(rules(method, target)).toEqual(expected);
  });

  it('rejects an empty map at load', () => {
    expect(() => policyOf(`    - {name: x, match: {kubernetes: {unless_label_selector: {}}}, require: aal2}\n`)).toThrow(/unless_label_selector/);
  });
});

// Globs cannot say "but not": OpenShift's namespaces run the cluster, but the console writes each
// user's preferences into openshift-console-user-settings with the user's own token.
describe('match.kubernetes.unless_namespaces', () => {
  const { policy } = policyOf(`
    - {name: platform, match: {kubernetes: {namespaces: ["openshift-*"], unless_namespaces: [openshift-console-user-settings, "openshift-debug-*"], verbs: [patch, list]}}, require: aal2}
`);
  const rules = (method: string, target: string) => policy.evaluate(kubeReq(method, target), who()).rules;
  it.each([
    ['PATCH', '/api/v1/namespaces/openshift-config/configmaps/x', ['platform']],
    ['PATCH', '/api/v1/namespaces/openshift-console-user-settings/configmaps/user-settings-1', ['default']],
    ['PATCH', '/api/v1/namespaces/openshift-debug-x7k2q/pods/p', ['default']],
    // The Namespace object itself is in its own namespace, as kube reads it.
    ['PATCH', '/api/v1/namespaces/openshift-console-user-settings', ['default']],
    // A list across all namespaces reaches the others too.
    ['GET', '/api/v1/configmaps', ['platform']],
  ])('%s %s matches %j', (method, target, expected) => {
    expect(rules(method, target)).toEqual(expected);
  });
});

// Helm keeps each release revision as a Secret `sh.helm.release.v1.<release>.v<n>` and updates the
// last two at every upgrade: a rule for a production Secret's update leaves them out by name.
describe('match.kubernetes.unless_names', () => {
  const { policy } = policyOf(`
    - {name: prod-secret-updates, match: {kubernetes: {namespaces: ["prod-*"], resources: [secrets], verbs: [update, patch], unless_names: ["sh.helm.release.v1.*"]}}, require: aal2, max_age: 900}
`);
  const rules = (method: string, target: string) => policy.evaluate(kubeReq(method, target), who()).rules;
  it.each([
    ['PATCH', '/api/v1/namespaces/prod-payments/secrets/psp-webhook', ['prod-secret-updates']],
    ['PUT', '/api/v1/namespaces/prod-payments/secrets/psp-webhook', ['prod-secret-updates']],
    ['PUT', '/api/v1/namespaces/prod-payments/secrets/sh.helm.release.v1.payments-api.v42', ['default']],
    ['PATCH', '/api/v1/namespaces/prod-payments/secrets/sh.helm.release.v1.payments-api.v41', ['default']],
    // Only the prefix is Helm's: a name that merely contains it is not left out.
    ['PATCH', '/api/v1/namespaces/prod-payments/secrets/x.sh.helm.release.v1.payments-api.v41', ['prod-secret-updates']],
    // Encoded in the path, the name is the decoded one, as kube reads it.
    ['PATCH', '/api/v1/namespaces/prod-payments/secrets/sh%2Ehelm.release.v1.payments-api.v41', ['default']],
  ])('%s %s matches %j', (method, target, expected) => {
    expect(rules(method, target)).toEqual(expected);
  });

  it('leaves out only a request that names its object: a create or a list still matches', () => {
    const { policy: p } = policyOf(`
    - {name: prod-secrets, match: {kubernetes: {namespaces: ["prod-*"], resources: [secrets], unless_names: ["sh.helm.release.v1.*"]}}, require: aal2}
`);
    const r = (method: string, target: string) => p.evaluate(kubeReq(method, target), who()).rules;
    expect(r('POST', '/api/v1/namespaces/prod-payments/secrets')).toEqual(['prod-secrets']);
    expect(r('GET', '/api/v1/namespaces/prod-payments/secrets')).toEqual(['prod-secrets']);
    expect(r('GET', '/api/v1/namespaces/prod-payments/secrets?fieldSelector=metadata.name%3Dsh.helm.release.v1.web.v3')).toEqual(['default']);
  });

  it.each([
    ['a path', '["secrets/sh.helm.release.v1.*"]'],
    ['white space', '["sh.helm release"]'],
    ['an empty name', '[""]'],
    ['an empty list', '[]'],
  ])('refuses %s at load, naming the field', (_what, value) => {
    expect(() => policyOf(`    - {name: x, match: {kubernetes: {unless_names: ${value}}}, require: aal2}\n`)).toThrow(/policy\.rules\[0\]\.match\.kubernetes\.unless_names/);
  });
});

// OpenShift serves under its own groups what is no add-on's object: `oc new-project` is a
// Namespace from the project template, the reviews are questions.
describe('match.kubernetes.custom and OpenShift', () => {
  const { policy } = policyOf(`
    - {name: add-ons, match: {kubernetes: {scope: [cluster], custom: true, verbs: [create, update, patch]}}, require: aal3}
`);
  const rules = (method: string, target: string) => policy.evaluate(kubeReq(method, target), who()).rules;
  it.each([
    ['POST', '/apis/project.openshift.io/v1/projectrequests', ['default']],
    ['POST', '/apis/authorization.openshift.io/v1/resourceaccessreviews', ['default']],
    ['POST', '/apis/authorization.openshift.io/v1/subjectaccessreviews', ['default']],
    ['POST', '/apis/user.openshift.io/v1/groups', ['add-ons']],
    ['PUT', '/apis/project.openshift.io/v1/projects/x', ['add-ons']],
    ['POST', '/apis/authorization.openshift.io/v1/clusterrolebindings', ['add-ons']],
  ])('%s %s matches %j', (method, target, expected) => {
    expect(rules(method, target)).toEqual(expected);
  });
});

// deploy/base is what a new install starts from: what changes the whole cluster asks a hardware
// key there too, and an add-on's cluster-wide object is no longer read as a write in stepgate's
// own namespace.
describe('deploy/base: cluster-wide changes', () => {
  const cfg = loadConfigFile(new URL('../../deploy/base/stepgate.yaml', import.meta.url).pathname);
  const policy = compilePolicy(cfg, compileAssurance(cfg.assurance.levels));
  it.each([
    ['POST', '/apis/admissionregistration.k8s.io/v1/mutatingwebhookconfigurations', 'cluster-control'],
    ['PATCH', '/apis/apiextensions.k8s.io/v1/customresourcedefinitions/certificates.cert-manager.io', 'cluster-control'],
    ['POST', '/apis/cert-manager.io/v1/clusterissuers', 'cluster-add-on-objects'],
    ['PATCH', '/apis/kyverno.io/v1/clusterpolicies/p', 'cluster-add-on-objects'],
  ])('%s %s needs a hardware key (%s), and no gate rule', (method, target, rule) => {
    const r = policy.evaluate(kubeReq(method, target), who());
    expect(r.rules).toEqual([rule]);
    expect(r.level).toBe(2);
  });

  it('a Namespace created stays everyday work', () => {
    expect(policy.evaluate(kubeReq('POST', '/api/v1/namespaces'), who()).rules).toEqual(['default']);
  });
});

describe('review45: a UI served under a root path (routePath) is matched on its route too', () => {
  const { policy, assurance } = policyOf(`
    - {name: app-changes, match: {hosts: [argocd.test], methods: [DELETE], paths: ["/api/v1/applications/*"]}, require: aal2, max_age: 900}
    - {name: relaxed, match: {hosts: [argocd.test], paths: ["/argo-cd/**"]}, require: aal1, max_age: 86400}
`);
  const ev = (target: string, routePath?: string) => policy.evaluate({ ...kubeReq('DELETE', target, 'argocd.test'), routePath }, undefined);

  it('the rule written for the route matches the prefixed path; without routePath it did not', () => {
    expect(ev('/argo-cd/api/v1/applications/x', '/api/v1/applications/x').rules).toContain('app-changes');
    expect(assurance.names[ev('/argo-cd/api/v1/applications/x', '/api/v1/applications/x').level]).toBe('aal2');
    expect(ev('/argo-cd/api/v1/applications/x').rules).not.toContain('app-changes');
  });

  it('a rule matching only the prefixed path does not relax the route: the default joins in, the stricter applies', () => {
    const r = ev('/argo-cd/index.html', '/api/badge');
    expect([...r.rules].sort()).toEqual(['default', 'relaxed']);
    expect(r.maxAge).not.toBe(86400);
  });
});

describe('review45: the example under a root path', () => {
  it.each([
    ['DELETE', '/argo-cd/api/v1/applications/checkout-prod', '/api/v1/applications/checkout-prod', 'argocd-app-changes'],
    ['POST', '/argo-cd/application.ApplicationService/UpdateSpec', '/application.ApplicationService/UpdateSpec', 'argocd-app-changes'],
    ['POST', '/argo-cd/api/v1/account/admin/token', '/api/v1/account/admin/token', 'argocd-admin'],
    ['POST', '/argo-cd/account.AccountService/CreateToken', '/account.AccountService/CreateToken', 'argocd-admin'],
  ])('%s %s is asked as %s is', (method, target, route, rule) => {
    const req = kubeReq(method, target, 'argocd.localhost');
    expect(examplePolicy().evaluate({ ...req, routePath: route }, undefined).rules).toContain(rule);
    expect(examplePolicy().evaluate(kubeReq(method, route, 'argocd.localhost'), undefined).rules).toContain(rule);
  });
});

describe('groups49: a rule on groups is not escaped by a token whose groups are not listed or are spelt in another case', () => {
  // Default two factors; a deny and a higher level for contractors (tightening), a lower level for
  // sre in dev (loosening: a matching rule replaces the default).
  const { policy } = policyOf(
    `
    - {name: contractors-no-secrets, match: {groups: [contractors], kubernetes: {resources: [secrets]}}, deny: true}
    - {name: contractors-prod, match: {groups: [contractors], kubernetes: {namespaces: [prod]}}, require: aal3}
    - {name: sre-dev, match: {groups: [sre], kubernetes: {namespaces: [dev]}}, require: aal1, max_age: 86400}
    - {name: writes, match: {kubernetes: {verbs: [create]}}, require: aal2, max_age: 600}
`,
    '{require: aal2, max_age: 3600}',
  );
  const notListed: Identity = { ...who(), groups: GROUPS_NOT_LISTED };
  const ask = (groups: Identity | string[], target: string, method = 'GET') => policy.evaluate(kubeReq(method, target), Array.isArray(groups) ? who(groups) : groups);

  it.each<[string, Identity | string[]]>([
    ['listed, as written', ['contractors']],
    ['listed in capitals', ['Contractors']],
    ['not listed (overage, hasgroups, a claim that is not strings)', notListed],
  ])('a deny for contractors holds a token whose groups are %s', (_what, groups) => {
    expect(ask(groups, '/api/v1/namespaces/dev/secrets/db').deny).toBe(true);
    expect(ask(groups, '/api/v1/namespaces/prod/pods').level).toBe(2);
  });

  it('a token that lists its groups, none of them contractors, is not held', () => {
    expect(ask(['designers'], '/api/v1/namespaces/dev/secrets/db').deny).toBe(false);
    expect(ask([], '/api/v1/namespaces/prod/pods').level).toBe(1);
  });

  it('a rule that lowers the level applies to the group as written only: another case or unlisted groups keep the default', () => {
    expect(ask(['sre'], '/api/v1/namespaces/dev/pods')).toMatchObject({ level: 0, maxAge: 86400, rules: ['sre-dev'] });
    for (const groups of [['SRE'], ['Sre', 'designers'], notListed]) {
      expect(ask(groups, '/api/v1/namespaces/dev/pods')).toMatchObject({ level: 1, maxAge: 3600, rules: ['sre-dev', 'default'] });
    }
    expect(ask(['designers'], '/api/v1/namespaces/dev/pods').rules).toEqual(['default']);
  });

  it("beside a rule that matches anyway, the possible group's rule still tightens, the default is not added back", () => {
    // A create in prod: `writes` matches every caller; contractors-prod may match.
    expect(ask(notListed, '/api/v1/namespaces/prod/configmaps', 'POST')).toMatchObject({ level: 2, maxAge: 600, rules: ['contractors-prod', 'writes'] });
    // A create in dev: sre-dev may match, writes does; strictest of both is writes' (sre-dev cannot loosen it).
    expect(ask(notListed, '/api/v1/namespaces/dev/configmaps', 'POST')).toMatchObject({ level: 1, maxAge: 600, rules: ['sre-dev', 'writes'] });
  });
});

describe('subjects50: a rule on subjects is not escaped by the subject spelt in another case', () => {
  // IdPs and the directories behind them keep the case a user typed or an admin edited. A deny and
  // a higher level for named accounts (tightening), a lower level for one (loosening).
  const { policy } = policyOf(
    `
    - {name: departed-no-secrets, match: {subjects: ["mallory@corp.example"], kubernetes: {resources: [secrets]}}, deny: true}
    - {name: breakglass, match: {subjects: ["breakglass-*"]}, require: aal3}
    - {name: bot-dev, match: {subjects: [ci-bot], kubernetes: {namespaces: [dev]}}, require: aal1, max_age: 86400}
`,
    '{require: aal2, max_age: 3600}',
  );
  const as = (subject: string, target: string) => policy.evaluate(kubeReq('GET', target), { ...who(), subject });

  it.each(['mallory@corp.example', 'Mallory@corp.example', 'MALLORY@CORP.EXAMPLE'])('a deny for mallory holds %s', (subject) => {
    expect(as(subject, '/api/v1/namespaces/dev/secrets/db').deny).toBe(true);
  });

  it.each(['breakglass-1', 'BreakGlass-1', 'BREAKGLASS-vault'])('a higher level for breakglass-* holds %s', (subject) => {
    expect(as(subject, '/api/v1/namespaces/dev/pods').level).toBe(2);
  });

  it('another subject is not held', () => {
    expect(as('mallory2@corp.example', '/api/v1/namespaces/dev/secrets/db').deny).toBe(false);
    expect(as('glass-1', '/api/v1/namespaces/dev/pods').level).toBe(1);
  });

  it('a rule that lowers the level applies to the subject as written only: another case keeps the default', () => {
    expect(as('ci-bot', '/api/v1/namespaces/dev/pods')).toMatchObject({ level: 0, maxAge: 86400, rules: ['bot-dev'] });
    expect(as('CI-Bot', '/api/v1/namespaces/dev/pods')).toMatchObject({ level: 1, maxAge: 3600, rules: ['bot-dev', 'default'] });
  });
});
