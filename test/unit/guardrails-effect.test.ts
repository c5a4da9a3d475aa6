import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ConfigError, parseConfig } from '../../src/config/load.js';
import { GUARDRAIL_CODES, type GuardrailCode } from '../../src/config/guardrail-codes.js';
import { applyGuardrails, describeGuardrails, guardrailContribution, NO_CONTRIBUTION } from '../../src/guardrails/effect.js';
import { inspect } from '../../src/guardrails/inspect.js';
import type { GuardrailResult } from '../../src/guardrails/types.js';
import type { Requirement } from '../../src/policy/policy.js';
import type { RequestAttributes } from '../../src/request/attributes.js';
import { checkGuardrails } from '../../src/guardrails/guard.js';
import { GUARD_BASE, guardSettings, kube, PINNED } from '../support/guardrails.js';

const OVERRIDES = `
guardrails:
  protected_namespaces: ["prod*"]
  default_effect: {require: aal2, max_age: 900}
  unreadable_body: {require: aal3, max_age: 120}
  effects:
    privileged_container: {require: aal3, max_age: 300, risk: 40}
    host_namespace: {deny: true}
    image_latest_tag: {risk: 5}
    rbac_wildcard: "off"
  namespaces:
    - match: ["dev-*", sandbox]
      effects:
        privileged_container: {risk: 10}
        image_latest_tag: "off"
        unreadable_body: {require: aal1}
    - match: ["*"]
      effects:
        image_latest_tag: {require: aal2}
`;
const s = guardSettings(OVERRIDES);
const result = (...codes: GuardrailCode[]): GuardrailResult => ({ violations: codes.map((code) => ({ code, detail: code })) });
const need = (over: Partial<Requirement> = {}): Requirement => ({ deny: false, denyMessage: undefined, level: 0, maxAge: 43200, rules: ['default'], sensitivity: 0, ...over });

describe('guardrail effects', () => {
  it('uses the per-guardrail effect, the default effect, and sums risk once per code', () => {
    const c = guardrailContribution(result('privileged_container', 'privileged_container', 'run_as_root'), 'prod', s);
    expect(c).toEqual({ deny: false, level: 2, maxAge: 300, risk: 40, codes: ['privileged_container', 'run_as_root'] });
  });

  it('a deny effect denies; off takes no effect', () => {
    expect(guardrailContribution(result('host_namespace'), 'prod', s)).toMatchObject({ deny: true, codes: ['host_namespace'] });
    expect(guardrailContribution(result('rbac_wildcard'), '', s)).toBe(NO_CONTRIBUTION);
  });

  it('applies the first matching namespace override that names the guardrail', () => {
    expect(guardrailContribution(result('privileged_container'), 'dev-alice', s)).toEqual({ deny: false, level: -1, maxAge: undefined, risk: 10, codes: ['privileged_container'] });
    // dev-* turns latest off before "*" is reached; elsewhere "*" applies.
    expect(guardrailContribution(result('image_latest_tag'), 'sandbox', s)).toBe(NO_CONTRIBUTION);
    expect(guardrailContribution(result('image_latest_tag'), 'prod', s)).toMatchObject({ level: 1, risk: 0 });
    // Cluster-scoped objects have namespace '', which "*" matches.
    expect(guardrailContribution(result('image_latest_tag'), '', s)).toMatchObject({ level: 1 });
  });

  it('an unreadable body takes the unreadable_body effect, overridable per namespace', () => {
    const r: GuardrailResult = { violations: [], unreadable: 'body_truncated', unreadableDetail: 'cut' };
    expect(guardrailContribution(r, 'prod', s)).toEqual({ deny: false, level: 2, maxAge: 120, risk: 0, codes: ['body_truncated'] });
    expect(guardrailContribution(r, 'dev-x', s)).toMatchObject({ level: 0, maxAge: undefined });
  });

  it('without any effects configured, effects follow the tier: critical the strongest level within 5 minutes, elevated the one below within 15, advisory only risk', () => {
    const plain = guardSettings('guardrails: {}\n');
    expect(guardrailContribution(result('privileged_container'), 'x', plain)).toMatchObject({ deny: false, level: 2, maxAge: 300 });
    expect(guardrailContribution(result('host_port'), 'x', plain)).toMatchObject({ deny: false, level: 1, maxAge: 900, risk: 0 });
    // kubectl run --image=nginx in an unprotected namespace: no hardware key (issue 16).
    expect(guardrailContribution(result('image_latest_tag'), 'x', plain)).toEqual({ deny: false, level: -1, maxAge: undefined, risk: 10, codes: ['image_latest_tag'] });
    expect(guardrailContribution({ violations: [], unreadable: 'body_unreadable' }, 'x', plain)).toMatchObject({ level: 2, maxAge: 300 });
  });

  it('tightens the policy requirement and names the guardrails as rules', () => {
    const c = guardrailContribution(result('privileged_container'), 'prod', s);
    expect(applyGuardrails(need(), c)).toEqual({ deny: false, denyMessage: undefined, level: 2, maxAge: 300, rules: ['default', 'guardrail:privileged_container'], sensitivity: 0 });
    // A stricter policy stays as strict.
    expect(applyGuardrails(need({ level: 2, maxAge: 60 }), c)).toMatchObject({ level: 2, maxAge: 60 });
    const denied = applyGuardrails(need(), guardrailContribution(result('host_namespace'), 'prod', s));
    expect(denied).toMatchObject({ deny: true, denyMessage: "This request is refused by guardrail: pod shares the node's network, PID or IPC namespace (host_namespace)." });
    expect(applyGuardrails(need(), NO_CONTRIBUTION)).toEqual(need());
  });

  it('describes violations for a verdict detail', () => {
    const r = inspect(kube('POST', '/api/v1/namespaces/dev/pods'), JSON.stringify({ spec: { hostPID: true, containers: [{ name: 'a', image: PINNED }] } }), 'application/json', false, s);
    expect(describeGuardrails(r)).toBe("guardrails: pod shares the node's network, PID or IPC namespace (host_namespace): hostPID: true shares the node's namespace with the pod");
    expect(describeGuardrails({ violations: [], unreadable: 'body_truncated', unreadableDetail: 'cut' })).toBe('guardrails: request body cut before it could be inspected (body_truncated): cut');
  });
});

describe('property: adding a violation never weakens the combined effect', () => {
  const code = fc.constantFrom(...GUARDRAIL_CODES);
  const ns = fc.constantFrom('prod', 'dev-a', 'sandbox', '', 'other');
  const requirement = fc.record({
    deny: fc.boolean(),
    denyMessage: fc.constant(undefined),
    level: fc.integer({ min: -1, max: 2 }),
    maxAge: fc.option(fc.integer({ min: 0, max: 100_000 }), { nil: undefined }),
    rules: fc.constant(['r']),
    sensitivity: fc.constant(0),
  });
  const unreadable = fc.option(fc.constantFrom('body_truncated' as const, 'body_unreadable' as const), { nil: undefined });
  const maxAgeOf = (m: number | undefined) => m ?? Infinity;

  it('holds for every effect configuration above', () => {
    fc.assert(
      fc.property(fc.array(code), code, ns, requirement, unreadable, (codes, extra, namespace, base, u) => {
        const before: GuardrailResult = { ...result(...codes), ...(u ? { unreadable: u } : {}) };
        const after: GuardrailResult = { ...result(...codes, extra), ...(u ? { unreadable: u } : {}) };
        const a = applyGuardrails(base, guardrailContribution(before, namespace, s));
        const b = applyGuardrails(base, guardrailContribution(after, namespace, s));
        const ca = guardrailContribution(before, namespace, s);
        const cb = guardrailContribution(after, namespace, s);
        expect(!a.deny || b.deny).toBe(true);
        expect(b.level).toBeGreaterThanOrEqual(a.level);
        expect(maxAgeOf(b.maxAge)).toBeLessThanOrEqual(maxAgeOf(a.maxAge));
        expect(cb.risk).toBeGreaterThanOrEqual(ca.risk);
        // And the guardrails never loosen the policy itself.
        expect(!base.deny || b.deny).toBe(true);
        expect(b.level).toBeGreaterThanOrEqual(base.level);
        expect(maxAgeOf(b.maxAge)).toBeLessThanOrEqual(maxAgeOf(base.maxAge));
      }),
      { numRuns: 500 },
    );
  });
});

describe('guardrails configuration', () => {
  const problems = (section: string) => {
    try {
      parseConfig(`${GUARD_BASE}${section}`, 'g.yaml');
    } catch (err) {
      expect(err).toBeInstanceOf(ConfigError);
      return (err as ConfigError).problems.map((p) => `${p.line}:${p.field}: ${p.message}`).join('\n');
    }
    throw new Error('expected the config to be rejected');
  };

  it.each([
    ['an unknown level', 'guardrails:\n  effects:\n    privileged_container: {require: aal9}\n', /guardrails\.effects\.privileged_container\.require: unknown level "aal9"/],
    ['an unknown level in a namespace override', 'guardrails:\n  namespaces:\n    - match: [dev]\n      effects:\n        run_as_root: {require: nope}\n', /guardrails\.namespaces\[0\]\.effects\.run_as_root\.require: unknown level/],
    ['an unknown level in unreadable_body', 'guardrails:\n  unreadable_body: {require: aal4}\n', /guardrails\.unreadable_body\.require: unknown level/],
    ['an unknown level in default_effect', 'guardrails:\n  default_effect: {require: aal4}\n', /guardrails\.default_effect\.require: unknown level/],
    ['an unknown guardrail code', 'guardrails:\n  effects:\n    privileged: {deny: true}\n', /guardrails\.effects/],
    ['an unknown key', 'guardrails:\n  allowed_registry: [x]\n', /allowed_registry/],
    ['deny with require', 'guardrails:\n  effects:\n    run_as_root: {deny: true, require: aal2}\n', /either denies or requires/],
    ['an empty effect', 'guardrails:\n  effects:\n    run_as_root: {}\n', /needs require, max_age, deny: true or risk/],
    ['a negative risk', 'guardrails:\n  effects:\n    run_as_root: {risk: -1}\n', /risk/],
    ['a body bound over the gRPC limit', 'limits:\n  max_body_bytes: 8388608\n', /limits\.max_body_bytes/],
  ])('rejects %s', (_name, section, want) => {
    expect(problems(section)).toMatch(want);
  });

  it('defaults: no section means no guardrails, max_body_bytes is 1 MiB', () => {
    const cfg = parseConfig(GUARD_BASE, 'g.yaml');
    expect(cfg.guardrails).toBeUndefined();
    expect(cfg.limits.max_body_bytes).toBe(1024 * 1024);
    const on = parseConfig(`${GUARD_BASE}guardrails: {}\n`, 'g.yaml').guardrails!;
    expect(on.enabled).toBe(true);
    expect(on.delete_protected_namespaces).toEqual(['kube-system']);
    expect(on.dangerous_capabilities).toContain('SYS_ADMIN');
  });
});

describe('checkGuardrails (the pipeline entry point)', () => {
  const attrs = (method: string, path: string, body: string | undefined, headers: [string, string][]): RequestAttributes => ({
    method,
    target: path,
    path,
    query: '',
    host: 'kube.test',
    authority: 'kube.test',
    scheme: 'https',
    headers: new Map(headers),
    spoofedIdentityHeaders: [],
    sourceAddress: '',
    clientResolved: false,
    sourcePrincipal: '',
    contextExtensions: {},
    kube: kube(method, path),
    body,
    bodyTruncated: false,
  });
  const pod = JSON.stringify({ spec: { hostIPC: true } });

  it('a compressed body is unreadable rather than guessed at', () => {
    const g = checkGuardrails(s, attrs('POST', '/api/v1/namespaces/prod/pods', pod, [['content-type', 'application/json'], ['content-encoding', 'gzip']]));
    expect(g?.result.unreadable).toBe('body_unreadable');
    expect(g?.contribution).toMatchObject({ level: 2, maxAge: 120, codes: ['body_unreadable'] });
  });

  it('a compressed write to admission configuration or kube-system still names what the request line shows', () => {
    const gz: [string, string][] = [['content-type', 'application/json'], ['content-encoding', 'gzip']];
    const hook = checkGuardrails(s, attrs('PATCH', '/apis/admissionregistration.k8s.io/v1/validatingwebhookconfigurations/kyverno', '{}', gz));
    expect(hook?.result).toEqual({ violations: [expect.objectContaining({ code: 'admission_config_change' })] });
    const sys = checkGuardrails(s, attrs('POST', '/apis/apps/v1/namespaces/kube-system/daemonsets', '{}', gz));
    expect(sys?.result.unreadable).toBe('body_unreadable');
    expect(sys?.result.unreadableDetail).toContain('content-encoding');
    expect(sys?.result.violations.map((v) => v.code)).toEqual(['system_namespace_workload']);
  });

  it('uses the request namespace for overrides and returns undefined when there is nothing to inspect', () => {
    const g = checkGuardrails(s, attrs('POST', '/api/v1/namespaces/prod/pods', pod, [['content-type', 'application/json']]));
    expect(g?.contribution).toMatchObject({ deny: true, codes: ['host_namespace'] });
    expect(checkGuardrails(s, attrs('GET', '/api/v1/namespaces/prod/pods', undefined, []))).toBeUndefined();
    expect(checkGuardrails(undefined, attrs('POST', '/api/v1/namespaces/prod/pods', pod, []))).toBeUndefined();
    expect(checkGuardrails(s, { ...attrs('POST', '/api/v1/namespaces/prod/pods', pod, []), kube: undefined })).toBeUndefined();
  });

  it('refuses a Kubernetes request a browser marks cross-site, reads included, and nothing else of its fetch metadata', () => {
    const g = guardSettings();
    const site = (v: string): [string, string][] => [['sec-fetch-site', v], ['authorization', 'Bearer t']];
    for (const v of ['cross-site', 'Cross-Site', 'same-origin, cross-site']) {
      const r = checkGuardrails(g, attrs('GET', '/api/v1/namespaces/dev/pods/p/portforward', undefined, site(v)));
      expect(r?.contribution, v).toMatchObject({ deny: true, codes: ['cross_site_request'] });
    }
    for (const v of ['same-origin', 'same-site', 'none']) expect(checkGuardrails(g, attrs('GET', '/api/v1/namespaces/dev/pods', undefined, site(v))), v).toBeUndefined();
    // The credential a hop adds: Authorization or the WebSocket bearer subprotocol. stepgate's own
    // session cookie is the browser's: its cross-site navigation is the return from the IdP.
    const ws: [string, string][] = [['sec-fetch-site', 'cross-site'], ['sec-websocket-protocol', 'v4.channel.k8s.io, base64url.bearer.authorization.k8s.io.dA']];
    expect(checkGuardrails(g, attrs('GET', '/api/v1/namespaces/dev/pods/p/exec', undefined, ws))?.contribution.codes).toEqual(['cross_site_request']);
    const cookie: [string, string][] = [['sec-fetch-site', 'cross-site'], ['sec-fetch-mode', 'navigate'], ['cookie', 'stepgate_session=s']];
    expect(checkGuardrails(g, attrs('GET', '/api/v1/namespaces/dev/services/grafana:80/proxy/', undefined, cookie))).toBeUndefined();
    // Refused by default: `default_effect` (critical and elevated) does not make it a sign-in a page could ride on.
    const lenient = guardSettings('guardrails:\n  default_effect: { require: aal2, max_age: 900 }\n');
    expect(checkGuardrails(lenient, attrs('GET', '/api/v1/namespaces/dev/pods', undefined, site('cross-site')))?.contribution).toMatchObject({ deny: true });
    const off = guardSettings('guardrails:\n  effects:\n    cross_site_request: "off"\n');
    expect(checkGuardrails(off, attrs('GET', '/api/v1/namespaces/dev/pods', undefined, site('cross-site')))?.contribution.codes).toEqual([]);
  });

  it('matches registry hosts case-insensitively in repository prefixes', () => {
    const g = guardSettings('guardrails:\n  allowed_registries: [GHCR.io/example]\n');
    const body = JSON.stringify({ spec: { containers: [{ name: 'a', image: `ghcr.io/example/app@sha256:${'d'.repeat(64)}` }, { name: 'b', image: `ghcr.io/Example/app@sha256:${'d'.repeat(64)}` }] } });
    const r = inspect(kube('POST', '/api/v1/namespaces/dev/pods'), body, 'application/json', false, g);
    expect(r.violations.map((v) => v.path)).toEqual(['spec.containers[1].image']);
  });
});
