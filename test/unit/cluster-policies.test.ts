import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/config/load.js';
import { compileExpression } from '../../src/guardrails/cel/expression.js';
import { checkClusterPolicies } from '../../src/guardrails/cel/judge.js';
import { toCel } from '../../src/guardrails/cel/library.js';
import { rewriteOptionalSyntax } from '../../src/guardrails/cel/syntax.js';
import { checkGuardrails } from '../../src/guardrails/guard.js';
import type { GuardrailSettings } from '../../src/guardrails/settings.js';
import { guardSettings, kube } from '../support/guardrails.js';
import { requestAttributes } from '../support/cluster-policies.js';

type Obj = Record<string, unknown>;
const dir = mkdtempSync(join(tmpdir(), 'stepgate-cel-'));
let n = 0;
/** Writes a policy file and returns its path. */
function policyFile(text: string): string {
  const p = join(dir, `p${n++}.yaml`);
  writeFileSync(p, text);
  return p;
}

function settingsFor(text: string, extra = ''): GuardrailSettings {
  return guardSettings(`
guardrails:
  cluster_policies:
    - path: ${policyFile(text)}
      effect: {require: aal2, max_age: 600}
${extra}`);
}

function vap(validations: string, extra = '', rules = 'resourceRules: [{apiGroups: [""], apiVersions: [v1], resources: [pods], operations: [CREATE, UPDATE]}]'): string {
  return `apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicy
metadata: {name: test}
spec:
  matchConstraints:
    ${rules}
${extra}
  validations:
${validations}
`;
}

const pod = (spec: Obj, meta: Obj = {}) => ({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', namespace: 'team', ...meta }, spec });
const POST = kube('POST', '/api/v1/namespaces/team/pods');
const PUT = kube('PUT', '/api/v1/namespaces/team/pods/p');

function judge(s: GuardrailSettings, body: unknown, k = POST, type = 'application/json') {
  return checkClusterPolicies(s.clusterPolicies!, k, body === undefined ? undefined : JSON.stringify(body), type, false, false, () => 0);
}
const codes = (r: { violations: readonly { code: string }[] }) => r.violations.map((v) => v.code);
const run = (expr: string, object: unknown = {}) => compileExpression(expr).run({ object: toCel(object), variables: new Map(), request: new Map() }, { maxCost: 10_000, deadline: Infinity, clock: () => 0 });

describe('CEL: optional syntax, macros and the Kubernetes library', () => {
  const obj = { spec: { containers: [{ name: 'a', securityContext: { privileged: true } }, { name: 'b' }], replicas: 3 }, metadata: { labels: { team: 'x' } } };
  it.each([
    ['object.spec.?hostPID.orValue(false)', false],
    ['object.spec.?replicas.orValue(1) == 3', true],
    ['object.spec.?hostPID.hasValue()', false],
    ['object.spec.containers[?1].hasValue() && !object.spec.containers[?2].hasValue()', true],
    ['object.spec.?containers[?0].?securityContext.privileged.orValue(false)', true],
    ['object.spec.containers[1].?securityContext.privileged.orValue(false)', false],
    ["object.metadata.?labels[?'team'].orValue('') == 'x'", true],
    ["object.metadata.labels.?team == optional.of('x')", true],
    ['optional.none().or(optional.of(2)).value() == 2', true],
    ["optional.ofNonZeroValue('').hasValue()", false],
    ['object.spec.containers.exists_one(c, c.name == "a")', true],
    ['object.spec.containers.map(c, c.name).join(",") == "a,b"', true],
    ['object.spec.containers.filter(c, has(c.securityContext)).size() == 1', true],
    ['object.spec.containers.all(c, c.?securityContext.?privileged.orValue(false))', false],
    ["'Hello'.lowerAscii() + 'x'.upperAscii() == 'helloX'", true],
    ["'a,b'.split(',').size() == 2 && 'abc'.indexOf('c') == 2 && ' x '.trim() == 'x'", true],
    ["'registry.example.com/app'.startsWith('registry.') && 'x.io/a:latest'.endsWith(':latest') && 'abc'.contains('b')", true],
    ["'app:1.0'.matches('^[a-z]+:[0-9.]+$') && 'abc'.replace('b', 'x') == 'axc'", true],
    ['[3, 1, 2].sum() == 6 && [1, 2, 3].isSorted() && [2, 9].max() == 9 && [2, 9].min() == 2', true],
    ["[1, 2, 2].distinct().size() == 2 && [[1], [2]].flatten() == [1, 2] && [1, 2].indexOf(2) == 1", true],
    ["sets.contains(['a', 'b'], ['a']) && sets.intersects(['a'], ['a', 'c']) && !sets.equivalent(['a'], ['b'])", true],
    ['object.spec.replicas == 3 && object.spec.replicas > 2.5', true],
    ['"a.?b" == \'a.?b\' && r"x[?0]" == "x[?0]"', true],
  ])('%s → %s', (expr, want) => {
    expect(run(expr, obj)).toBe(want);
  });

  it('a missing field without `.?` is an error, not false', () => {
    expect(run('object.spec.hostPID == false', obj)).toBeInstanceOf(Error);
  });

  it('a request body cannot forge an optional value: only values this library creates are optionals', () => {
    const forged = { spec: { x: { '\u0000some': true }, y: { '\u0000none': null } } };
    expect(run('object.spec.x.hasValue()', forged)).toBeInstanceOf(Error);
    expect(run('object.spec.y.orValue(1)', forged)).toBeInstanceOf(Error);
    expect(run('object.spec.?x.hasValue()', forged)).toBe(true);
  });

  it('keys such as __proto__ and constructor are ordinary keys', () => {
    const body = JSON.parse('{"spec": {"__proto__": {"privileged": true}, "constructor": 1}}') as Obj;
    expect(run("has(object.spec.__proto__) && object.spec.constructor == 1", body)).toBe(true);
    expect(run('object.spec.?privileged.orValue(false)', body)).toBe(false);
  });

  it.each([
    ['cel.bind(x, 1, x)', /unknown function bind/],
    ["'aaaa'.find('(a|aa)+$')", /unknown function find/],
    ['object.spec.nosuch(1)', /unknown function nosuch/],
    ['object.spec.(', /syntax/],
    ['[?object.x]', /optional list elements/],
    ['{?"a": object.x}', /optional map entries/],
    ['object.__sg_tick()', /reserved/],
    ['object.spec.?', /must be followed by a field name/],
  ])('%s does not compile', (expr, message) => {
    expect(() => compileExpression(expr)).toThrow(message);
  });

  it('the optional rewrite never changes an expression without optional syntax (property)', () => {
    const ident = fc.stringMatching(/^[a-z][a-zA-Z0-9_]{0,6}$/);
    const expr = fc.array(fc.oneof(ident.map((i) => `object.${i}`), ident.map((i) => `'${i}.?x'`), fc.constant(' && '), fc.constant('[0]'), fc.constant('(1 + 2)')), { maxLength: 8 });
    fc.assert(fc.property(expr, (parts) => {
      const s = parts.join('');
      expect(rewriteOptionalSyntax(s)).toBe(s);
    }));
  });

  it('the cost of nested comprehensions is bounded: past the limit the expression fails with a cost error', () => {
    const list = `[${Array.from({ length: 60 }, (_, i) => i).join(',')}]`;
    const expensive = compileExpression(`${list}.all(a, ${list}.all(b, ${list}.all(c, true)))`);
    const r = expensive.run({ object: null, variables: new Map(), request: new Map() }, { maxCost: 10_000, deadline: Infinity, clock: () => 0 });
    expect(r).toBeInstanceOf(Error);
    expect((r as Error).name).toBe('CostExceeded');
    // The same expression within budget completes.
    expect(expensive.run({ object: null, variables: new Map(), request: new Map() }, { maxCost: 1_000_000, deadline: Infinity, clock: () => 0 })).toBe(true);
  });

  it('the time limit stops a long evaluation (injected clock)', () => {
    let t = 0;
    const list = `[${Array.from({ length: 200 }, (_, i) => i).join(',')}]`;
    const e = compileExpression(`${list}.all(a, ${list}.all(b, true))`);
    const r = e.run({ object: null, variables: new Map(), request: new Map() }, { maxCost: 10_000_000, deadline: 5, clock: () => t++ });
    expect((r as Error).message).toMatch(/time limit/);
    // Every loop stops at once: the clock is not read again for each of the 40,000 steps left.
    expect(t).toBeLessThan(10);
  });
});

describe('ValidatingAdmissionPolicy semantics', () => {
  it('variables, matchConditions and messageExpression', () => {
    const s = settingsFor(vap(`    - expression: "variables.images.all(i, i.startsWith('registry.example.com/'))"
      messageExpression: "'images from elsewhere: ' + variables.images.filter(i, !i.startsWith('registry.example.com/')).join(', ')"
      reason: Forbidden`, `  variables:
    - name: images
      expression: "object.spec.containers.map(c, c.image)"
  matchConditions:
    - name: not-exempt
      expression: "object.metadata.?labels[?'exempt'].orValue('') != 'true'"`));
    const bad = judge(s, pod({ containers: [{ name: 'a', image: 'evil.io/x' }] }));
    expect(bad.violations).toEqual([
      expect.objectContaining({ code: 'cluster_policy', detail: 'ValidatingAdmissionPolicy/test: images from elsewhere: evil.io/x (Forbidden)', path: 'validations[0]' }),
    ]);
    expect(bad.violations[0]!.effect).toMatchObject({ level: 1, maxAge: 600 });
    expect(codes(judge(s, pod({ containers: [{ name: 'a', image: 'registry.example.com/x' }] })))).toEqual([]);
    // The match condition excludes the object: not judged at all.
    expect(codes(judge(s, pod({ containers: [{ name: 'a', image: 'evil.io/x' }] }, { labels: { exempt: 'true' } })))).toEqual([]);
  });

  it('a runtime error is an unreadable guardrail naming the policy, the validation and the error', () => {
    const s = settingsFor(vap(`    - expression: "true"
    - expression: "object.spec.hostNetwork == false"`));
    const r = judge(s, pod({ containers: [] }));
    expect(r.violations).toEqual([expect.objectContaining({ code: 'cluster_policy_unreadable', path: 'validations[1]' })]);
    expect(r.violations[0]!.detail).toMatch(/^ValidatingAdmissionPolicy\/test validations\[1\] could not be evaluated: evaluation error: .*hostNetwork.* \(.*p\d+\.yaml:1\)$/);
  });

  it('a non-bool result and a cost overrun are unreadable too', () => {
    const list = `[${Array.from({ length: 100 }, (_, i) => i).join(',')}]`;
    const s = settingsFor(vap(`    - expression: "object.spec.containers.size()"
    - expression: "${list}.all(a, ${list}.all(b, ${list}.all(c, true)))"`), '  cluster_policy_limits: {max_cost: 5000}');
    const r = judge(s, pod({ containers: [] }));
    expect(r.violations.map((v) => [v.code, v.path, /not a bool|cost limit/.exec(v.detail)?.[0]])).toEqual([
      ['cluster_policy_unreadable', 'validations[0]', 'not a bool'],
      ['cluster_policy_unreadable', 'validations[1]', 'cost limit'],
    ]);
  });

  it('oldObject: null on CREATE, unknown on UPDATE (unreadable, never assumed)', () => {
    const s = settingsFor(vap(`    - expression: "oldObject == null || object.spec.?replicas.orValue(0) >= oldObject.spec.?replicas.orValue(0)"`));
    expect(codes(judge(s, pod({})))).toEqual([]);
    const r = judge(s, pod({}), PUT);
    expect(codes(r)).toEqual(['cluster_policy_unreadable']);
    expect(r.violations[0]!.detail).toMatch(/reads oldObject/);
  });

  it.each([
    ['params', 'paramKind: {apiVersion: v1, kind: ConfigMap}', "params.data.x == 'y'", /reads params/],
    ['authorizer', '', "authorizer.group('').resource('pods').check('create').allowed()", /unknown function|authorizer/],
    ['namespaceObject', '', "namespaceObject.metadata.name == 'x'", /namespaceObject/],
    ['request.userInfo', '', "request.userInfo.username != 'mallory'", /userInfo/],
    ['variables built on userInfo', '', 'variables.user != "x"', /userInfo/],
  ])('what only kube knows (%s) is unreadable, never a pass', (_n, extra, expr, why) => {
    const vars = expr.startsWith('variables.user') ? '  variables: [{name: user, expression: "request.userInfo.username"}]\n' : '';
    let s: GuardrailSettings;
    try {
      s = settingsFor(vap(`    - expression: ${JSON.stringify(expr)}`, `${extra ? `  ${extra}\n` : ''}${vars}`));
    } catch (err) {
      // The authorizer library is not in the environment: the file is refused at load.
      expect((err as Error).message).toMatch(why);
      return;
    }
    const r = judge(s, pod({}));
    expect(codes(r)).toEqual(['cluster_policy_unreadable']);
    expect(r.violations[0]!.detail).toMatch(why);
  });

  it('params are null (not unknown) when the policy has no paramKind', () => {
    const s = settingsFor(vap('    - expression: "params == null"'));
    expect(codes(judge(s, pod({})))).toEqual([]);
  });

  it('matchConstraints: operations, exclusions, subresources and the object selector', () => {
    const s = settingsFor(
      vap(
        '    - expression: "false"\n      message: judged',
        `    excludeResourceRules: [{apiGroups: [""], apiVersions: [v1], resources: [pods], operations: ["*"], resourceNames: [exempt]}]
    objectSelector: {matchExpressions: [{key: tier, operator: In, values: [prod]}]}`,
        'resourceRules: [{apiGroups: [""], apiVersions: [v1], resources: [pods, "pods/ephemeralcontainers"], operations: [CREATE, UPDATE, DELETE]}]',
      ),
    );
    const prod = pod({}, { labels: { tier: 'prod' } });
    expect(codes(judge(s, prod))).toEqual(['cluster_policy']);
    expect(codes(judge(s, pod({}, { labels: { tier: 'dev' } })))).toEqual([]);
    expect(codes(judge(s, pod({}, { name: 'exempt', labels: { tier: 'prod' } })))).toEqual([]);
    expect(codes(judge(s, prod, kube('PUT', '/api/v1/namespaces/team/pods/p/ephemeralcontainers')))).toEqual(['cluster_policy']);
    expect(codes(judge(s, prod, kube('PUT', '/api/v1/namespaces/team/pods/p/status')))).toEqual([]);
    expect(codes(judge(s, prod, kube('POST', '/api/v1/namespaces/team/services')))).toEqual([]);
    // A merge patch that does not show the labels: the selector cannot be judged, so it matches.
    expect(codes(judge(s, { spec: {} }, kube('PATCH', '/api/v1/namespaces/team/pods/p'), 'application/merge-patch+json'))).toEqual(['cluster_policy']);
    // A delete: no object, labels unknown, judged with object null.
    expect(codes(checkClusterPolicies(s.clusterPolicies!, kube('DELETE', '/api/v1/namespaces/team/pods/p'), undefined, undefined, false, false, () => 0))).toEqual(['cluster_policy']);
  });

  it('a delete judged by a policy that reads oldObject is unreadable', () => {
    const s = settingsFor(
      vap(
        '    - expression: "!has(oldObject.metadata.labels) || !(\'protected\' in oldObject.metadata.labels)"',
        '',
        'resourceRules: [{apiGroups: [""], apiVersions: [v1], resources: [configmaps], operations: [DELETE]}]',
      ),
    );
    const r = checkClusterPolicies(s.clusterPolicies!, kube('DELETE', '/api/v1/namespaces/team/configmaps/c'), undefined, undefined, false, false, () => 0);
    expect(codes(r)).toEqual(['cluster_policy_unreadable']);
  });

  it('a body that cannot be read, for a request a policy matches, is an unreadable body; other requests are untouched', () => {
    const s = settingsFor(vap('    - expression: "true"'));
    const k = kube('POST', '/api/v1/namespaces/team/pods');
    expect(checkClusterPolicies(s.clusterPolicies!, k, '{"kind":', 'application/json', false, false, () => 0).unreadable?.outcome).toBe('body_unreadable');
    expect(checkClusterPolicies(s.clusterPolicies!, k, '{}', 'application/json', true, false, () => 0).unreadable?.outcome).toBe('body_truncated');
    expect(checkClusterPolicies(s.clusterPolicies!, k, '{}', 'application/json', false, true, () => 0).unreadable?.outcome).toBe('body_unreadable');
    expect(checkClusterPolicies(s.clusterPolicies!, kube('POST', '/api/v1/namespaces/team/services'), '{"kind":', 'application/json', false, false, () => 0)).toEqual({ violations: [] });
  });

  it('a patch without kind or name is judged with what kube fills in from the URL', () => {
    const s = settingsFor(vap('    - expression: "object.kind == \'Pod\' && object.metadata.name == \'p\' && object.metadata.namespace == \'team\'"'));
    expect(codes(judge(s, { spec: { containers: [] } }, kube('PATCH', '/api/v1/namespaces/team/pods/p'), 'application/merge-patch+json'))).toEqual([]);
  });

  it('expressions reading fields the protobuf decoder skips are unreadable on protobuf bodies, judged on JSON', async () => {
    const { encodeKube } = await import('../support/kube-protobuf.js');
    const s = settingsFor(vap('    - expression: "object.spec.?restartPolicy.orValue(\'Always\') != \'Never\'"'));
    const p = pod({ containers: [{ name: 'a', image: 'x' }] });
    const r = checkClusterPolicies(s.clusterPolicies!, POST, encodeKube(p), 'application/vnd.kubernetes.protobuf', false, false, () => 0);
    expect(codes(r)).toEqual(['cluster_policy_unreadable']);
    expect(r.violations[0]!.detail).toMatch(/restartPolicy.*protobuf/);
    expect(codes(judge(s, { ...p, spec: { ...p.spec, restartPolicy: 'Never' } }))).toEqual(['cluster_policy']);
  });
});

describe('Kyverno: match, exclude and autogen', () => {
  const kyverno = (annotations = '', match = 'any: [{resources: {kinds: [Pod]}}]', exclude = '') => `apiVersion: kyverno.io/v1
kind: ClusterPolicy
metadata:
  name: no-host-network
${annotations ? `  annotations: {${annotations}}` : ''}
spec:
  rules:
    - name: host-network
      match: {${match}}
${exclude ? `      exclude: {${exclude}}` : ''}
      validate:
        cel:
          expressions:
            - expression: "!object.spec.?hostNetwork.orValue(false) && object.metadata.?labels[?'app'].orValue('') != 'bad'"
              message: no host network
`;
  const bad = { hostNetwork: true, containers: [] };
  const deployment = (spec: Obj, ns = 'team') => ({
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'd', namespace: ns },
    spec: { template: { metadata: { labels: { app: 'ok' } }, spec } },
  });
  const cronjob = (spec: Obj) => ({ apiVersion: 'batch/v1', kind: 'CronJob', metadata: { name: 'c' }, spec: { jobTemplate: { spec: { template: { spec } } } } });
  const D = kube('POST', '/apis/apps/v1/namespaces/team/deployments');
  const C = kube('POST', '/apis/batch/v1/namespaces/team/cronjobs');
  const J = kube('POST', '/apis/batch/v1/namespaces/team/jobs');
  const job = (spec: Obj) => ({ apiVersion: 'batch/v1', kind: 'Job', metadata: { name: 'j' }, spec: { template: { spec } } });

  it('a Pod rule applies to every pod controller, reading the pod template as the pod', () => {
    const s = settingsFor(kyverno());
    expect(codes(judge(s, pod(bad)))).toEqual(['cluster_policy']);
    expect(codes(judge(s, deployment(bad), D))).toEqual(['cluster_policy']);
    expect(codes(judge(s, cronjob(bad), C))).toEqual(['cluster_policy']);
    expect(codes(judge(s, job(bad), J))).toEqual(['cluster_policy']);
    expect(judge(s, deployment(bad), D).violations[0]!.detail).toBe('ClusterPolicy/no-host-network rule host-network (Deployment): no host network');
    // The template's labels stand in for the pod's (object.metadata is the template's).
    const labelled = deployment({ containers: [] });
    (labelled.spec.template.metadata.labels as Obj).app = 'bad';
    expect(codes(judge(s, labelled, D))).toEqual(['cluster_policy']);
    expect(codes(judge(s, deployment({ containers: [] }), D))).toEqual([]);
  });

  it('a body naming another kind does not steer a write past the rules for the kind in the URL', () => {
    const s = settingsFor(kyverno());
    expect(codes(judge(s, { ...pod(bad), kind: 'ConfigMap' }))).toEqual(['cluster_policy']);
    expect(codes(judge(s, { ...deployment(bad), kind: 'Service' }, D))).toEqual(['cluster_policy']);
  });

  it('the autogen-controllers annotation narrows or switches off the generated rules', () => {
    const some = settingsFor(kyverno('pod-policies.kyverno.io/autogen-controllers: "Deployment,Job"'));
    expect(codes(judge(some, deployment(bad), D))).toEqual(['cluster_policy']);
    expect(codes(judge(some, job(bad), J))).toEqual(['cluster_policy']);
    expect(codes(judge(some, cronjob(bad), C))).toEqual([]);
    const none = settingsFor(kyverno('pod-policies.kyverno.io/autogen-controllers: none'));
    expect(codes(judge(none, pod(bad)))).toEqual(['cluster_policy']);
    expect(codes(judge(none, deployment(bad), D))).toEqual([]);
  });

  it('no autogen for rules naming other kinds too, or narrowed by names or selectors', () => {
    const mixed = settingsFor(kyverno('', 'any: [{resources: {kinds: [Pod, Deployment]}}]'));
    // The Deployment itself is matched as written: its spec has no hostNetwork.
    expect(codes(judge(mixed, deployment(bad), D))).toEqual([]);
    const named = settingsFor(kyverno('', 'any: [{resources: {kinds: [Pod], names: ["p*"]}}]'));
    expect(codes(judge(named, pod(bad)))).toEqual(['cluster_policy']);
    expect(codes(judge(named, deployment(bad), D))).toEqual([]);
  });

  it('exclude by namespace applies to the generated rules too', () => {
    const s = settingsFor(kyverno('', 'any: [{resources: {kinds: [Pod]}}]', 'any: [{resources: {kinds: [Pod], namespaces: ["kube-*"]}}]'));
    expect(codes(judge(s, deployment(bad, 'kube-system'), kube('POST', '/apis/apps/v1/namespaces/kube-system/deployments')))).toEqual([]);
    expect(codes(judge(s, deployment(bad), D))).toEqual(['cluster_policy']);
  });

  it('match by operation and by namespace; a namespaced Policy judges only its namespace', () => {
    const s = settingsFor(kyverno('', 'any: [{resources: {kinds: [Pod], operations: [UPDATE], namespaces: [team]}}]'));
    expect(codes(judge(s, pod(bad)))).toEqual([]);
    expect(codes(judge(s, pod(bad), PUT))).toEqual(['cluster_policy']);
    const ns = settingsFor(kyverno().replace('kind: ClusterPolicy', 'kind: Policy').replace('name: no-host-network', 'name: no-host-network\n  namespace: other'));
    expect(codes(judge(ns, pod(bad)))).toEqual([]);
    expect(codes(judge(ns, { ...pod(bad), metadata: { name: 'p', namespace: 'other' } }, kube('POST', '/api/v1/namespaces/other/pods')))).toEqual(['cluster_policy']);
  });

  it('subjects and roles (kube\'s view of the user) are assumed to match: the rule is judged', () => {
    const s = settingsFor(kyverno('', 'any: [{resources: {kinds: [Pod]}, subjects: [{kind: Group, name: dev}]}]'));
    expect(codes(judge(s, pod(bad)))).toEqual(['cluster_policy']);
  });
});

describe('hostile bodies', () => {
  const pss = guardSettings(`
guardrails:
  cluster_policies: [{path: examples/cluster-policies/vap}, {path: examples/cluster-policies/kyverno}]
`);
  const D = kube('POST', '/apis/apps/v1/namespaces/team/deployments');

  it('any JSON value anywhere in a Deployment is judged or unreadable, never a throw or a silent pass of a broken spec (property)', () => {
    const anyJson = fc.jsonValue({ maxDepth: 4 });
    fc.assert(
      fc.property(anyJson, anyJson, fc.constantFrom('spec', 'template', 'containers', 'securityContext', 'metadata'), (a, b, where) => {
        const body: Obj = { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'd' }, spec: { template: { spec: { containers: [{ name: 'c', securityContext: { privileged: true } }] } } } };
        const spec = ((body.spec as Obj).template as Obj).spec as Obj;
        const target: Obj = where === 'spec' ? spec : where === 'template' ? ((body.spec as Obj).template as Obj) : where === 'containers' ? ((spec.containers as Obj[])[0]!) : where === 'metadata' ? (body.metadata as Obj) : ((spec.containers as Obj[])[0]!.securityContext as Obj);
        target.extra = a;
        target['__proto__x'] = b;
        const r = checkClusterPolicies(pss.clusterPolicies!, D, JSON.stringify(body), 'application/json', false, false, () => 0);
        // The privileged container is always found, whatever else the body holds.
        expect(r.violations.some((v) => v.code === 'cluster_policy' && v.detail.includes('Privileged containers are not allowed: c'))).toBe(true);
      }),
      { numRuns: 150 },
    );
  });

  it('wrong types where the policies expect lists or maps are unreadable, not a pass', () => {
    // (null is absent in Kubernetes: no containers, nothing for these policies to find.)
    for (const containers of ['x', 7, { name: 'c' }, [1, 'a']]) {
      const body = { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'd' }, spec: { template: { spec: { containers } } } };
      const r = checkClusterPolicies(pss.clusterPolicies!, D, JSON.stringify(body), 'application/json', false, false, () => 0);
      expect(r.violations.length, JSON.stringify(containers)).toBeGreaterThan(0);
    }
  });
});

describe('loading: a broken policy file stops startup with file, line and field', () => {
  const load = (text: string) => {
    try {
      settingsFor(text);
    } catch (err) {
      expect(err).toBeInstanceOf(ConfigError);
      return (err as ConfigError).problems.map((p) => `${p.line}:${p.field}: ${p.message}`);
    }
    throw new Error('loaded');
  };

  it.each([
    ['a CEL syntax error', vap('    - expression: "object.spec.containers.all(c, "'), /^9:spec\.validations\[0\]\.expression: CEL: syntax/],
    ['an unknown function', vap('    - expression: "object.spec.size2() > 0"'), /^9:spec\.validations\[0\]\.expression: CEL: unknown function size2\(\)/],
    ['an undefined variable', vap('    - expression: "variables.nope"'), /variables\.nope is not defined/],
    ['a variable used before it is defined', vap('    - expression: "true"', '  variables: [{name: a, expression: "variables.b"}, {name: b, expression: "1"}]'), /variables\.b is not defined before/],
    ['a typo in a field', vap('    - expresion: "true"'), /expresion: unknown field/],
    ['no validations', vap(''), /spec\.validations: (at least one|must be)/],
    ['a bad operation', vap('    - expression: "true"', '', 'resourceRules: [{apiGroups: [""], apiVersions: [v1], resources: [pods], operations: [CREAT]}]'), /operations\[0\]: must be one of/],
    ['another kind', 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\n', /^2:kind: expected a ValidatingAdmissionPolicy/],
    ['a Kyverno pattern rule', 'apiVersion: kyverno.io/v1\nkind: ClusterPolicy\nmetadata: {name: x}\nspec:\n  rules:\n    - name: r\n      match: {any: [{resources: {kinds: [Pod]}}]}\n      validate:\n        pattern: {spec: {}}\n', /^9:spec\.rules\[0\]\.validate\.pattern: only validate\.cel rules/],
    ['an unknown autogen controller', 'apiVersion: kyverno.io/v1\nkind: ClusterPolicy\nmetadata: {name: x, annotations: {pod-policies.kyverno.io/autogen-controllers: Deploy}}\nspec:\n  rules:\n    - name: r\n      match: {any: [{resources: {kinds: [Pod]}}]}\n      validate: {cel: {expressions: [{expression: "true"}]}}\n', /unknown controller "Deploy"/],
    ['a YAML error', 'apiVersion: [', /YAML syntax/],
  ])('%s', (_name, text, want) => {
    expect(load(text).join('\n')).toMatch(want);
  });

  it('names the file; a missing path and an empty directory are errors too', () => {
    const p = policyFile(vap('    - expression: "nope("'));
    try {
      guardSettings(`
guardrails:
  cluster_policies: [{path: ${p}}, {path: ${join(dir, 'missing')}}, {path: ${mkdtempSync(join(tmpdir(), 'stepgate-empty-'))}}]
`);
      throw new Error('loaded');
    } catch (err) {
      const problems = (err as ConfigError).problems;
      expect(problems.map((x) => x.file)).toEqual([p, join(dir, 'missing'), expect.stringContaining('stepgate-empty-')]);
      expect((err as Error).message).toContain(`${p}:9:`);
    }
  });

  it('every document of a multi-document file is read; bindings are accepted', () => {
    const s = settingsFor(`${vap('    - expression: "true"')}---
apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicyBinding
metadata: {name: b}
spec: {policyName: test, validationActions: [Deny]}
---
${vap('    - expression: "false"').replace('name: test', 'name: second')}`);
    expect(s.clusterPolicies!.rules.map((r) => r.name)).toEqual(['ValidatingAdmissionPolicy/test', 'ValidatingAdmissionPolicy/second']);
  });
});

describe('through checkGuardrails: effects and the unreadable effect', () => {
  // Not a built-in guardrail, so the contribution is the cluster policy's alone.
  const DENYING = vap('    - expression: "object.metadata.?labels[?\'team\'].hasValue()"\n      message: a team label is needed');

  it('a violation takes the source\'s effect and is named in the rules; an unreadable one the unreadable_body effect', () => {
    const s = settingsFor(DENYING, '  unreadable_body: {deny: true}');
    const g = checkGuardrails(s, requestAttributes('POST', '/api/v1/namespaces/team/pods', pod({ containers: [] })))!;
    expect(g.contribution).toMatchObject({ deny: false, level: 1, maxAge: 600, codes: ['cluster_policy'] });
    expect(g.result.violations[0]!.detail).toBe('ValidatingAdmissionPolicy/test: a team label is needed');
    expect(checkGuardrails(s, requestAttributes('POST', '/api/v1/namespaces/team/pods', pod({ containers: [] }, { labels: { team: 'a' } })))!.contribution.codes).toEqual([]);
    const u = settingsFor(vap('    - expression: "object.spec.nodeName == \'\'"'), '  unreadable_body: {deny: true}');
    const gu = checkGuardrails(u, requestAttributes('POST', '/api/v1/namespaces/team/pods', pod({ containers: [] })))!;
    expect(gu.contribution).toMatchObject({ deny: true, codes: ['cluster_policy_unreadable'] });
  });

  it('a source effect of deny, or of risk; a namespace override decides first', () => {
    const p = policyFile(DENYING);
    const s = guardSettings(`
guardrails:
  cluster_policies:
    - {path: ${p}, effect: {deny: true}}
    - {path: ${p}, effect: {risk: 30}}
  namespaces:
    - match: [sandbox]
      effects: {cluster_policy: off}
`);
    const body = pod({ containers: [] });
    const g = checkGuardrails(s, requestAttributes('POST', '/api/v1/namespaces/team/pods', body))!;
    expect(g.contribution).toMatchObject({ deny: true, risk: 30, codes: ['cluster_policy'] });
    const sandbox = checkGuardrails(s, requestAttributes('POST', '/api/v1/namespaces/sandbox/pods', { ...body, metadata: { name: 'p', namespace: 'sandbox' } }))!;
    expect(sandbox.contribution.codes).toEqual([]);
  });

  it('a source in shadow mode is reported as would-be and never enforced, beside an enforced source', () => {
    const p = policyFile(DENYING);
    const s = guardSettings(`
guardrails:
  cluster_policies:
    - {path: ${p}, effect: {require: aal3, max_age: 300, mode: shadow}}
`);
    const g = checkGuardrails(s, requestAttributes('POST', '/api/v1/namespaces/team/pods', pod({ containers: [] })))!;
    expect(g.contribution.codes).toEqual([]);
    expect(g.contribution.level).toBe(-1);
    expect(g.contribution.shadow).toMatchObject({ level: 2, maxAge: 300, codes: ['cluster_policy'], shadowed: ['cluster_policy'] });
    const both = guardSettings(`
guardrails:
  cluster_policies:
    - {path: ${p}, effect: {require: aal3, max_age: 300, mode: shadow}}
    - {path: ${p}, effect: {risk: 30}}
`);
    const gb = checkGuardrails(both, requestAttributes('POST', '/api/v1/namespaces/team/pods', pod({ containers: [] })))!;
    expect(gb.contribution).toMatchObject({ level: -1, risk: 30, codes: ['cluster_policy'] });
    expect(gb.contribution.shadow).toMatchObject({ level: 2, risk: 30 });
  });

  it('requests no policy looks at cost nothing: reads, CONNECT subresources, non-Kubernetes requests', () => {
    const s = settingsFor(DENYING);
    expect(checkGuardrails(s, requestAttributes('GET', '/api/v1/namespaces/team/pods/p'))).toBeUndefined();
    expect(checkGuardrails(s, requestAttributes('POST', '/api/v1/namespaces/team/pods/p/exec'))).toBeUndefined();
  });

  it('without cluster_policies nothing changes', () => {
    expect(guardSettings().clusterPolicies).toBeUndefined();
  });
});
