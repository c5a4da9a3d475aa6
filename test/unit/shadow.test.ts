import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/load.js';
import { explain } from '../../src/explain.js';

/**
 * Shadow mode on the pure decision path (`stepgate explain` runs check(), the servers' own
 * function). The property: a configuration with shadowed elements answers exactly as the same
 * configuration with those elements removed (never stricter, never more lenient), and reports
 * as its would-be verdict exactly what the configuration with every element enforced answers.
 */

const ISS = 'https://idp.test';
const NOW = Date.UTC(2026, 11, 2, 12, 0, 0);
const LEVELS = ['aal1', 'aal2', 'aal3'] as const;
const ACR = { aal1: 'a1', aal2: 'a2', aal3: 'a3' } as const;

type Mode = 'enforce' | 'shadow';
interface RuleSpec {
  resource: string;
  verbs: string[] | undefined;
  effect: { require?: string; max_age?: number; deny?: true };
  sensitivity: number;
  byBand: Record<number, { max_age?: number; deny?: true }>;
  mode: Mode;
}
interface BandSpec {
  min: number;
  effect: { require?: string; max_age?: number; deny?: true };
  mode: Mode;
}
interface Case {
  rules: RuleSpec[];
  bands: BandSpec[];
  risk: boolean;
  guard: { privileged: { effect: { require?: string; max_age?: number; deny?: true; risk?: number }; mode: Mode }; hostNs: { effect: { require?: string; deny?: true; risk?: number }; mode: Mode } } | undefined;
  request: { resource: string; verb: 'get' | 'create' | 'delete'; namespace: string; privileged: boolean; hostNetwork: boolean };
  who: { level: (typeof LEVELS)[number]; age: number };
}

function configText(c: Case, keep: (mode: Mode) => 'keep' | 'drop' | 'enforce'): string {
  const bandName = (i: number) => `b${i}`;
  const keptBands = c.bands.map((b, i) => ({ b, i })).filter(({ b }) => keep(b.mode) !== 'drop');
  const rules = c.rules
    .filter((r) => keep(r.mode) !== 'drop')
    .map((r, i) => ({
      name: `r${i}-${r.resource}`,
      match: { kubernetes: { resources: [r.resource], ...(r.verbs ? { verbs: r.verbs } : {}) } },
      ...r.effect,
      ...(r.sensitivity ? { sensitivity: r.sensitivity } : {}),
      ...(c.risk && Object.keys(r.byBand).length
        ? { by_band: Object.fromEntries(Object.entries(r.byBand).filter(([k]) => keptBands.some(({ i }) => i === Number(k))).map(([k, e]) => [bandName(Number(k)), e])) }
        : {}),
      mode: keep(r.mode) === 'enforce' ? 'enforce' : r.mode,
    }))
    .map((r) => (r.by_band && Object.keys(r.by_band).length === 0 ? { ...r, by_band: undefined } : r));
  const effect = (g: { effect: object; mode: Mode }) => (keep(g.mode) === 'drop' ? 'off' : { ...g.effect, mode: keep(g.mode) === 'enforce' ? 'enforce' : g.mode });
  const cfg = {
    issuers: [{ issuer: ISS, jwks_uri: `${ISS}/jwks`, audiences: ['k'] }],
    assurance: { levels: LEVELS.map((name) => ({ name, acr: [ACR[name]] })) },
    kubernetes: { hosts: ['kube.test'] },
    policy: { default: { require: 'aal1', max_age: 43200 }, rules },
    ...(c.risk
      ? {
          risk: {
            learn: { min_level: 'aal2' },
            bands: keptBands.map(({ b, i }) => ({ name: bandName(i), min_score: b.min, ...b.effect, mode: keep(b.mode) === 'enforce' ? 'enforce' : b.mode })),
          },
        }
      : {}),
    ...(c.guard
      ? {
          guardrails: {
            protected_namespaces: ['prod'],
            default_effect: { require: 'aal1' },
            effects: { privileged_container: effect(c.guard.privileged), host_namespace: effect(c.guard.hostNs) },
          },
        }
      : {}),
  };
  return JSON.stringify(cfg);
}

async function decide(c: Case, keep: (mode: Mode) => 'keep' | 'drop' | 'enforce') {
  const config = parseConfig(configText(c, keep), 'shadow.json');
  const r = c.request;
  const path =
    r.verb === 'create'
      ? `/api/v1/namespaces/${r.namespace}/${r.resource}`
      : `/api/v1/namespaces/${r.namespace}/${r.resource}/x`;
  const body =
    r.verb === 'create' && r.resource === 'pods'
      ? JSON.stringify({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'x' }, spec: { hostNetwork: r.hostNetwork, containers: [{ name: 'c', image: 'registry.example.com/app@sha256:' + 'a'.repeat(64), securityContext: { privileged: r.privileged } }] } })
      : undefined;
  return explain(
    config,
    {
      method: r.verb === 'get' ? 'GET' : r.verb === 'create' ? 'POST' : 'DELETE',
      url: `https://kube.test${path}`,
      headers: [['user-agent', 'kubectl/v1.32.0 (linux/amd64) kubernetes/abc']],
      claims: { iss: ISS, sub: 'alice', acr: ACR[c.who.level], auth_time: Math.floor(NOW / 1000) - c.who.age, sid: 's1' },
      source: '198.51.100.7',
      body,
      contentType: body ? 'application/json' : undefined,
    },
    { now: () => NOW, env: {} },
  );
}

const level = fc.constantFrom(...LEVELS);
const mode = fc.constantFrom<Mode>('enforce', 'shadow');
const ruleEffect = fc.oneof(
  fc.record({ require: level }),
  fc.record({ require: level, max_age: fc.constantFrom(60, 900, 28800) }),
  fc.record({ max_age: fc.constantFrom(60, 900) }),
  fc.constant({ deny: true as const }),
);
const bandEffect = fc.oneof(fc.record({ max_age: fc.constantFrom(30, 300) }), fc.constant({ deny: true as const }));
const resource = fc.constantFrom('secrets', 'pods', 'configmaps');
const arbCase: fc.Arbitrary<Case> = fc.record({
  rules: fc.array(
    fc.record({
      resource,
      verbs: fc.option(fc.constant(['create', 'delete']), { nil: undefined }),
      effect: ruleEffect,
      sensitivity: fc.constantFrom(0, 20, 40),
      byBand: fc.dictionary(fc.constantFrom('0', '1', '2'), bandEffect, { maxKeys: 2 }) as fc.Arbitrary<Record<number, { max_age?: number; deny?: true }>>,
      mode,
    }),
    { maxLength: 4 },
  ),
  bands: fc
    .uniqueArray(fc.integer({ min: 5, max: 95 }), { maxLength: 3 })
    .chain((mins) => fc.tuple(...[...mins].sort((a, b) => a - b).map((min) => fc.record({ min: fc.constant(min), effect: fc.oneof(fc.record({ require: level }), fc.record({ max_age: fc.constantFrom(60, 600) }), fc.constant({ deny: true as const })), mode })))),
  risk: fc.boolean(),
  guard: fc.option(
    fc.record({
      privileged: fc.record({ effect: fc.oneof(fc.record({ require: level }), fc.constant({ deny: true as const }), fc.record({ risk: fc.constantFrom(20, 60) })), mode }),
      hostNs: fc.record({ effect: fc.oneof(fc.record({ require: level }), fc.constant({ deny: true as const }), fc.record({ risk: fc.constantFrom(30) })), mode }),
    }),
    { nil: undefined },
  ),
  request: fc.record({
    resource,
    verb: fc.constantFrom('get' as const, 'create' as const, 'delete' as const),
    namespace: fc.constantFrom('prod', 'dev'),
    privileged: fc.boolean(),
    hostNetwork: fc.boolean(),
  }),
  who: fc.record({ level, age: fc.constantFrom(10, 120, 1200, 40000) }),
}) as fc.Arbitrary<Case>;

type Out = Awaited<ReturnType<typeof decide>>;
const outcome = (o: Out) => ({ allow: o.decision.allow, reason: o.decision.reason, deny: o.policy?.deny, level: o.policy?.required_level, maxAge: o.policy?.max_age });
const wouldBe = (o: Out) =>
  o.shadow
    ? { allow: o.shadow.decision.allow, reason: o.shadow.decision.reason, deny: o.shadow.deny, level: o.shadow.required_level, maxAge: o.shadow.max_age }
    : outcome(o);

describe('shadow mode: the property', () => {
  it('answers as if the shadowed elements were removed, and reports what enforcing all of them answers', async () => {
    await fc.assert(
      fc.asyncProperty(arbCase, async (c) => {
        const shadowed = await decide(c, () => 'keep');
        const removed = await decide(c, (m) => (m === 'shadow' ? 'drop' : 'keep'));
        const enforced = await decide(c, () => 'enforce');
        expect(outcome(shadowed)).toEqual(outcome(removed));
        expect(wouldBe(shadowed)).toEqual(outcome(enforced));
        // Nothing shadowed took part: no would-be verdict at all.
        if (JSON.stringify(outcome(removed)) === JSON.stringify(outcome(enforced)) && shadowed.shadow) {
          expect(shadowed.shadow.elements.length).toBeGreaterThan(0);
        }
      }),
      { numRuns: 60 },
    );
  }, 120_000);
});

const BASE = (extra: string, rules: string) => `
issuers: [{issuer: "${ISS}", jwks_uri: "${ISS}/jwks", audiences: [k]}]
assurance:
  levels:
    - {name: aal1, acr: [a1]}
    - {name: aal2, acr: [a2]}
    - {name: aal3, acr: [a3]}
kubernetes: {hosts: [kube.test]}
policy:
  default: {require: aal1, max_age: 43200}
  rules:
${rules}
${extra}`;

const SECRETS_SHADOW = `    - name: secrets
      match: {kubernetes: {resources: [secrets]}}
      require: aal2
      mode: shadow
    - name: no-nodes
      match: {kubernetes: {resources: [nodes]}}
      deny: true
      mode: shadow`;

async function ask(yaml: string, path: string, acr = 'a1', method = 'GET') {
  return explain(
    parseConfig(yaml, 'shadow.yaml'),
    { method, url: `https://kube.test${path}`, headers: [], claims: { iss: ISS, sub: 'alice', acr, auth_time: Math.floor(NOW / 1000) - 60 } },
    { now: () => NOW, env: {} },
  );
}

describe('shadow mode: examples', () => {
  it('a shadowed rule is reported as what it would have asked, and the request is allowed', async () => {
    const out = await ask(BASE('', SECRETS_SHADOW), '/api/v1/namespaces/dev/secrets/db');
    expect(out.decision).toMatchObject({ allow: true, reason: 'allowed' });
    expect(out.policy).toMatchObject({ matched_rules: ['default'], required_level: 'aal1' });
    expect(out.shadow).toMatchObject({ elements: ['secrets'], matched_rules: ['secrets'], required_level: 'aal2', decision: { allow: false, reason: 'acr_insufficient' } });
    const deny = await ask(BASE('', SECRETS_SHADOW), '/api/v1/nodes/n1');
    expect(deny.decision.allow).toBe(true);
    expect(deny.shadow).toMatchObject({ elements: ['no-nodes'], deny: true, decision: { allow: false, reason: 'policy_deny' } });
  });

  it('a request no shadowed element takes part in has no would-be verdict', async () => {
    const out = await ask(BASE('', SECRETS_SHADOW), '/api/v1/namespaces/dev/pods');
    expect(out.shadow).toBeNull();
  });

  it('an enforced rule next to a shadowed one is enforced in full', async () => {
    const rules = `${SECRETS_SHADOW}
    - name: prod-secrets
      match: {kubernetes: {resources: [secrets], namespaces: [prod]}}
      require: aal3`;
    const out = await ask(BASE('', rules), '/api/v1/namespaces/prod/secrets/db', 'a2');
    expect(out.decision).toMatchObject({ allow: false, reason: 'acr_insufficient' });
    expect(out.policy).toMatchObject({ matched_rules: ['prod-secrets'], required_level: 'aal3' });
    expect(out.shadow).toMatchObject({ elements: ['secrets'], matched_rules: ['secrets', 'prod-secrets'], decision: { allow: false, reason: 'acr_insufficient' } });
  });

  it('global mode: shadow enforces no rule and not the default either, but still authentication', async () => {
    const yaml = `mode: shadow\n${BASE('', `    - name: secrets
      match: {kubernetes: {resources: [secrets]}}
      require: aal3
      max_age: 60`)}`;
    const out = await ask(yaml, '/api/v1/namespaces/dev/secrets/db', 'nothing-known');
    expect(out.decision).toMatchObject({ allow: true, reason: 'allowed' });
    expect(out.shadow).toMatchObject({ elements: ['secrets'], decision: { allow: false, reason: 'acr_insufficient' } });
    const dflt = await ask(yaml, '/api/v1/namespaces/dev/pods', 'nothing-known');
    expect(dflt.decision.allow).toBe(true);
    expect(dflt.shadow).toMatchObject({ elements: ['default'], decision: { allow: false, reason: 'acr_insufficient' } });
    // No credential at all: authentication is never shadowed.
    const anon = await explain(parseConfig(yaml, 'shadow.yaml'), { method: 'GET', url: 'https://kube.test/api/v1/namespaces/dev/pods', headers: [] }, { now: () => NOW, env: {} });
    expect(anon.decision).toMatchObject({ allow: false, reason: 'token_missing' });
    // Nor is an unknown issuer.
    const forged = await explain(
      parseConfig(yaml, 'shadow.yaml'),
      { method: 'GET', url: 'https://kube.test/api/v1/namespaces/dev/pods', headers: [], claims: { iss: 'https://evil.test', sub: 'alice' } },
      { now: () => NOW, env: {} },
    );
    expect(forged.decision).toMatchObject({ allow: false, reason: 'issuer_unknown' });
  });

  it('risk.mode: shadow reports bands and the context binding, enforces neither', async () => {
    const risk = (m: string) => `risk:
  mode: ${m}
  learn: {min_level: aal2}
  bands:
    - {name: any, min_score: 1, deny: true}`;
    const rules = `    - name: secrets
      match: {kubernetes: {resources: [secrets]}}
      require: aal1`;
    const enforced = await ask(BASE(risk('enforce'), rules), '/api/v1/namespaces/dev/secrets/db', 'a2');
    expect(enforced.decision).toMatchObject({ allow: false, reason: 'risk_deny' });
    const shadow = await ask(BASE(risk('shadow'), rules), '/api/v1/namespaces/dev/secrets/db', 'a2');
    expect(shadow.decision).toMatchObject({ allow: true });
    expect(shadow.risk?.band).toBeNull();
    expect(shadow.shadow).toMatchObject({ elements: ['risk:any'], risk_band: 'any', decision: { allow: false, reason: 'risk_deny' } });
  });

  it('a shadowed guardrail is reported, not enforced; an enforced one beside it still is', async () => {
    const g = `guardrails:
  protected_namespaces: [prod]
  default_effect: {require: aal1}
  effects:
    privileged_container: {deny: true, mode: shadow}
    host_namespace: {require: aal3}`;
    const pod = (hostNetwork: boolean) =>
      JSON.stringify({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'x' }, spec: { hostNetwork, containers: [{ name: 'c', image: 'registry.example.com/a@sha256:' + 'a'.repeat(64), securityContext: { privileged: true } }] } });
    const run = (hostNetwork: boolean) =>
      explain(
        parseConfig(BASE(g, '    - {name: pods, match: {kubernetes: {resources: [pods]}}, require: aal1}'), 'g.yaml'),
        { method: 'POST', url: 'https://kube.test/api/v1/namespaces/prod/pods', headers: [], claims: { iss: ISS, sub: 'alice', acr: 'a2', auth_time: Math.floor(NOW / 1000) - 60 }, body: pod(hostNetwork), contentType: 'application/json' },
        { now: () => NOW, env: {} },
      );
    const only = await run(false);
    expect(only.decision.allow).toBe(true);
    expect(only.shadow).toMatchObject({ elements: ['guardrail:privileged_container'], deny: true, decision: { allow: false, reason: 'policy_deny' } });
    const both = await run(true);
    expect(both.decision).toMatchObject({ allow: false, reason: 'acr_insufficient' });
    expect(both.policy?.matched_rules).toEqual(['pods', 'guardrail:host_namespace']);
    expect(both.shadow?.decision.reason).toBe('policy_deny');
  });
});
