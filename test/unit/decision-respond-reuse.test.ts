import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { GUARDRAIL_CODES } from '../../src/config/guardrail-codes.js';
import { compileAssurance } from '../../src/core/assurance.js';
import { compileHostMatcher } from '../../src/core/glob.js';
import type { Identity } from '../../src/core/identity.js';
import { REASONS, reasonKind, type ReasonCode } from '../../src/core/reasons.js';
import { Responder } from '../../src/decision/respond.js';
import type { Verdict } from '../../src/decision/verdict.js';
import type { GuardrailOutcome } from '../../src/guardrails/guard.js';
import type { Requirement } from '../../src/policy/policy.js';
import type { RequestAttributes } from '../../src/request/attributes.js';
import { buildAttributes } from '../../src/request/build.js';
import type { RiskAssessment } from '../../src/risk/engine.js';
import { parseConfig } from '../../src/config/load.js';
import { testConfig, testConfigYaml } from '../support/config.js';
import { RequestHeaders } from '../../src/request/headers.js';

/**
 * The Responder keeps denials it has answered (a kubectl or browser repeats a challenged request
 * until the user steps up). A kept answer must be exactly what a Responder that never saw the
 * request would answer: for any sequence of verdicts, whatever they share or not, the answers are
 * compared with a fresh Responder's.
 */

const config = testConfig('https://idp.invalid');
const assurance = compileAssurance(config.assurance.levels);
const kubeHosts = compileHostMatcher(config.kubernetes.hosts);
const fresh = () => new Responder(config, assurance);

function attrs(o: { method?: string; host?: string; target?: string; headers?: Record<string, string> }): RequestAttributes {
  const built = buildAttributes(
    {
      method: o.method ?? 'GET',
      target: o.target ?? '/api/v1/namespaces/prod/secrets/db',
      authority: o.host ?? 'kube.example.com',
      scheme: 'https',
      headers: RequestHeaders.of(Object.entries(o.headers ?? {})),
      sourceAddress: '10.1.2.3',
      sourcePrincipal: '',
      contextExtensions: {},
      body: undefined,
      bodyTruncated: false,
    },
    [],
    kubeHosts,
  );
  if (!built.ok) throw new Error(built.detail);
  return built.attributes;
}

function person(subject: string, level: string): Identity {
  return Object.freeze({
    source: 'token',
    subject,
    issuer: 'https://idp.invalid',
    groups: [],
    acr: undefined,
    amr: [],
    authTime: 1_700_000_000,
    expiresAt: Number.MAX_SAFE_INTEGER,
    level: assurance.names.indexOf(level),
    levelName: level,
    session: subject,
    upstreamHeaders: [['x-stepgate-subject', subject]],
  } as Identity);
}

const REQUESTS = [
  attrs({}),
  attrs({ target: '/api/v1/namespaces/dev/secrets/db' }),
  attrs({ host: 'grafana.example.com', target: '/admin/users', headers: { 'sec-fetch-mode': 'navigate' } }),
  attrs({ host: 'grafana.example.com', target: '/admin/orgs', headers: { 'sec-fetch-mode': 'navigate' } }),
  attrs({ host: 'grafana.example.com', target: '/admin/users', headers: { 'sec-fetch-mode': 'cors' } }),
  attrs({ host: 'grafana.example.com', target: '/admin/users', headers: { accept: 'text/html' } }),
  attrs({ host: 'other.example.org', target: '/admin/users', headers: { 'sec-fetch-mode': 'navigate' } }),
  // As long as '/admin/users': only the characters tell them apart.
  attrs({ host: 'grafana.example.com', target: '/admin/teams', headers: { 'sec-fetch-mode': 'navigate' } }),
];
const PEOPLE = [undefined, person('alice@example.com', 'aal1'), person('bob@example.com', 'aal1'), person('alice@example.com', 'aal2')];
const REQUIREMENT = fc.record({
  deny: fc.boolean(),
  denyMessage: fc.constantFrom(undefined, 'not through the gateway', 'ask the platform team'),
  level: fc.constantFrom(-1, 0, 1, 2),
  maxAge: fc.constantFrom(undefined, 300, 900, 901),
  rules: fc.constantFrom(['secrets'], ['secrets', 'prod-writes'], ['default'], ['guardrail:privileged_container'], ['incident:inc-1', 'secrets']),
  incident: fc.constantFrom(undefined, 'INC-7: credential leak'),
  sensitivity: fc.constant(0),
}) as fc.Arbitrary<Requirement>;
const RISK = fc.constantFrom<RiskAssessment | undefined>(
  undefined,
  { score: 0, contributions: [], band: undefined, denies: false, degraded: false, learned: false, clientIp: '10.1.2.3' },
  { score: 40, contributions: [{ code: 'new_network', weight: 40, detail: 'x' }], band: 'elevated', denies: false, degraded: false, learned: false, clientIp: '10.1.2.3' },
  { score: 40, contributions: [{ code: 'new_network', weight: 30, detail: 'x' }, { code: 'new_device', weight: 10, detail: 'y' }], band: 'elevated', denies: false, degraded: false, learned: false, clientIp: '10.1.2.3' },
  { score: 40, contributions: [{ code: 'new_network', weight: 35, detail: 'x' }], band: 'elevated', denies: false, degraded: false, learned: false, clientIp: '10.1.2.3' },
  { score: 40, contributions: [{ code: 'new_network', weight: 40, detail: 'x' }], band: 'high', denies: false, degraded: false, learned: false, clientIp: '10.1.2.3' },
  { score: 41, contributions: [{ code: 'new_network', weight: 40, detail: 'x' }], band: 'elevated', denies: false, degraded: false, learned: false, clientIp: '10.1.2.3' },
  { score: 40, contributions: [{ code: 'new_device', weight: 40, detail: 'x' }], band: 'elevated', denies: false, degraded: false, learned: false, clientIp: '10.1.2.3' },
  {
    score: 40,
    contributions: [{ code: 'new_network', weight: 40, detail: 'x' }],
    band: 'elevated',
    denies: false,
    degraded: false,
    learned: false,
    clientIp: '10.1.2.3',
    context: { authAfter: 1_700_000_000, code: 'new_network', reason: 'r', summary: 'new network since 14:02:05Z', action: 'refused' },
  },
  {
    score: 40,
    contributions: [{ code: 'new_network', weight: 40, detail: 'x' }],
    band: 'elevated',
    denies: false,
    degraded: false,
    learned: false,
    clientIp: '10.1.2.3',
    context: { authAfter: 1_700_000_000, code: 'new_device', reason: 'r', summary: 'new network since 14:02:05Z' },
  },
  // One summary, two first sightings: the answer still says when (`since`).
  ...[1_700_000_000, 1_700_000_060].map((authAfter) => ({
    score: 40,
    contributions: [{ code: 'new_network' as const, weight: 40, detail: 'x' }],
    band: 'elevated',
    denies: false,
    degraded: false,
    learned: false,
    clientIp: '10.1.2.3',
    context: { authAfter, code: 'new_network' as const, reason: 'r', summary: 'new network since 14:02:05Z' },
  })),
  ...[1_700_000_000, 1_700_000_060].map((authAfter) => ({
    score: 40,
    contributions: [{ code: 'new_network' as const, weight: 40, detail: 'x' }],
    band: 'elevated',
    denies: false,
    degraded: false,
    learned: false,
    clientIp: '10.1.2.3',
    context: { authAfter, code: 'new_network' as const, reason: 'r', summary: `new network since ${authAfter}` },
  })),
);
const GUARD = fc.constantFrom<GuardrailOutcome | undefined>(
  undefined,
  { result: {}, contribution: { codes: [GUARDRAIL_CODES[0]] } } as unknown as GuardrailOutcome,
  { result: {}, contribution: { codes: [GUARDRAIL_CODES[0], GUARDRAIL_CODES[1]] } } as unknown as GuardrailOutcome,
);
const DENIALS = (Object.keys(REASONS) as ReasonCode[]).filter((r) => reasonKind(r) !== 'allow');
const VERDICT = fc.record({
  reason: fc.constantFrom(...DENIALS),
  who: fc.nat(PEOPLE.length - 1),
  req: fc.nat(REQUESTS.length - 1),
  requirement: fc.option(REQUIREMENT, { nil: undefined }),
  // Mostly what is kept (a cached token, no approval), so that kept answers meet their near-twins.
  tokenCached: fc.oneof({ arbitrary: fc.constant(true), weight: 4 }, { arbitrary: fc.constant(false), weight: 1 }),
  risk: RISK,
  guard: GUARD,
  approval: fc.oneof({ arbitrary: fc.constant(undefined), weight: 4 }, { arbitrary: fc.constantFrom('a1b2c3d4e5f6a7b8c9d0', 'ffffeeeeddddcccc0000'), weight: 1 }),
  // The token's own level kept by the challenge (policy.keptLevel): it depends on the time, so
  // two otherwise equal denials can ask different sign-ins.
  signIn: fc.constantFrom(undefined, 1, 2),
});

function verdictOf(x: typeof VERDICT extends fc.Arbitrary<infer T> ? T : never): Verdict {
  return {
    allow: false,
    reason: x.reason as ReasonCode,
    detail: 'per request, never in an answer',
    requirement: x.requirement,
    identity: PEOPLE[x.who],
    attributes: REQUESTS[x.req],
    tokenCached: x.tokenCached,
    risk: x.risk,
    guardrails: x.guard,
    approval: x.approval,
    signIn: x.signIn,
  };
}

describe('Responder: kept denials', () => {
  it('answer exactly what a Responder that never saw the request answers, for any sequence of denials (property)', () => {
    // Verdicts that differ from one another in one part only, so that a part left out of the
    // reuse key would hand one of them the answer kept for another.
    const KEYS = ['reason', 'who', 'req', 'requirement', 'tokenCached', 'risk', 'guard', 'approval', 'signIn'] as const;
    const FIELDS = ['deny', 'denyMessage', 'level', 'maxAge', 'rules', 'incident'] as const;
    const patch = fc.oneof(
      fc.record({ key: fc.constantFrom(...KEYS), from: VERDICT }),
      fc.record({ field: fc.constantFrom(...FIELDS), from: REQUIREMENT }),
    );
    const sequence = fc.tuple(VERDICT, fc.array(patch, { minLength: 1, maxLength: 10 }));
    fc.assert(
      fc.property(sequence, ([base, patches]) => {
        const kept = fresh();
        const xs = [
          base,
          ...patches.map((p) =>
            'key' in p
              ? { ...base, [p.key]: p.from[p.key] }
              : { ...base, requirement: base.requirement && { ...base.requirement, [p.field]: p.from[p.field] } },
          ),
        ];
        // Each twice in a row, then the whole sequence again: hits and misses interleave.
        for (const x of [...xs.flatMap((x) => [x, x]), ...xs]) {
          const v = verdictOf(x);
          expect(kept.respond(v)).toEqual(fresh().respond(v));
        }
      }),
      { numRuns: 500 },
    );
    // About 12 s alone on the 2-core VM; CI on a loaded machine took more than the default 20 s.
  }, 120_000);

  it('are reused for a repeat of a cached token\'s challenge, frozen, and never for its first sighting or an approval', () => {
    const r = fresh();
    const alice = PEOPLE[1]!;
    const need: Requirement = { deny: false, denyMessage: undefined, level: 1, maxAge: 900, rules: ['secrets'], sensitivity: 0 };
    const v = (o: Partial<Verdict> = {}): Verdict => ({ allow: false, reason: 'acr_insufficient', detail: '', requirement: need, identity: alice, attributes: REQUESTS[0], tokenCached: true, risk: undefined, guardrails: undefined, ...o });
    const a = r.respond(v());
    // A requirement built anew (guardrails, risk) with the same content is the same answer.
    expect(r.respond(v({ requirement: { ...need, rules: ['secrets'] } }))).toBe(a);
    expect(Object.isFrozen(a) && Object.isFrozen(a.headers) && Object.isFrozen(a.headers[0]) && Object.isFrozen(a.metadata)).toBe(true);
    expect(r.denialLookups).toEqual({ hits: 1, misses: 1 });
    expect(r.respond(v({ tokenCached: false }))).not.toBe(r.respond(v({ tokenCached: false })));
    expect(r.respond(v({ approval: 'a1b2c3d4e5f6a7b8' }))).not.toBe(r.respond(v({ approval: 'a1b2c3d4e5f6a7b8' })));
    expect(r.denialLookups).toEqual({ hits: 1, misses: 1 });
  });

  it('never give one identity the answer kept for another, nor one requirement another\'s', () => {
    const r = fresh();
    const need: Requirement = { deny: false, denyMessage: undefined, level: 1, maxAge: 900, rules: ['secrets'], sensitivity: 0 };
    const base: Verdict = { allow: false, reason: 'acr_insufficient', detail: '', requirement: need, identity: PEOPLE[1], attributes: REQUESTS[2], tokenCached: true, risk: undefined, guardrails: undefined };
    const answers = [
      r.respond(base),
      r.respond({ ...base, identity: PEOPLE[2] }),
      r.respond({ ...base, identity: PEOPLE[3] }),
      r.respond({ ...base, requirement: { ...need, maxAge: 300 } }),
      r.respond({ ...base, requirement: { ...need, level: 2 } }),
      r.respond({ ...base, requirement: { ...need, rules: ['grafana-admin'] } }),
      r.respond({ ...base, attributes: REQUESTS[3] }),
      r.respond({ ...base, reason: 'auth_too_old' }),
    ];
    expect(new Set(answers.map((a) => JSON.stringify(a))).size).toBe(answers.length);
    expect(answers[1]!.metadata.subject).toBe('bob@example.com');
    expect(answers[0]!.headers[0]).toEqual(['location', 'https://auth.example.com/.stepgate/start?level=aal2&max_age=900&reason=acr_insufficient&rd=https%3A%2F%2Fgrafana.example.com%2Fadmin%2Fusers&rules=secrets']);
    expect(answers[3]!.headers[0]![1]).toContain('max_age=300');
    expect(answers[5]!.headers[0]![1]).toContain('rules=grafana-admin');
    expect(answers[6]!.headers[0]![1]).toContain('%2Fadmin%2Forgs');
  });

  it('per identity (the last denial, compared part by part): interleaved identities and targets never get one another\'s answer', () => {
    const r = fresh();
    const need: Requirement = { deny: false, denyMessage: undefined, level: 1, maxAge: 900, rules: ['secrets'], sensitivity: 0 };
    const v = (who: Identity, req: RequestAttributes): Verdict => ({ allow: false, reason: 'acr_insufficient', detail: '', requirement: need, identity: who, attributes: req, tokenCached: true, risk: undefined, guardrails: undefined });
    // Another Identity object for alice at aal1 (another token of hers): equal answers, which may be one shared object.
    const alice2 = person('alice@example.com', 'aal1');
    // '/admin/teams' is as long as '/admin/users': only the characters tell them apart.
    const teams = attrs({ host: 'grafana.example.com', target: '/admin/teams', headers: { 'sec-fetch-mode': 'navigate' } });
    const order: [Identity, RequestAttributes][] = [];
    for (let i = 0; i < 3; i++) for (const who of [PEOPLE[1]!, PEOPLE[2]!, alice2, PEOPLE[3]!]) for (const req of [REQUESTS[2]!, teams, REQUESTS[3]!, REQUESTS[2]!, teams]) order.push([who, req]);
    for (const [who, req] of order) {
      const a = r.respond(v(who, req));
      expect(a).toEqual(fresh().respond(v(who, req)));
      expect(a.metadata.subject).toBe(who.subject);
      expect(a.metadata.level).toBe(who.levelName);
    }
    // The same identity and request again: the very object, without a miss.
    const before = r.denialLookups;
    expect(r.respond(v(PEOPLE[2]!, REQUESTS[2]!))).toBe(r.respond(v(PEOPLE[2]!, REQUESTS[2]!)));
    expect(r.denialLookups.misses).toBe(before.misses);
    // A request target built anew for each Check (as every request's strings are) is still a repeat.
    const again = attrs({ host: 'grafana.example.com', target: '/admin/users', headers: { 'sec-fetch-mode': 'navigate' } });
    expect(r.respond(v(PEOPLE[1]!, again))).toBe(r.respond(v(PEOPLE[1]!, REQUESTS[2]!)));
  });

  it('start empty with each Responder (a reload builds a new one with the new configuration)', () => {
    const need: Requirement = { deny: false, denyMessage: undefined, level: 1, maxAge: 900, rules: ['secrets'], sensitivity: 0 };
    const v: Verdict = { allow: false, reason: 'acr_insufficient', detail: '', requirement: need, identity: PEOPLE[1], attributes: REQUESTS[2], tokenCached: true, risk: undefined, guardrails: undefined };
    const before = fresh().respond(v);
    const moved = parseConfig(testConfigYaml('https://idp.invalid').replace('https://auth.example.com/.stepgate/start', 'https://login.example.net/.stepgate/start'), 'reloaded.yaml');
    const reloaded = new Responder(moved, assurance);
    const after = reloaded.respond(v);
    expect(after).not.toBe(before);
    expect(header(after, 'location')).toMatch(/^https:\/\/login\.example\.net\//);
    expect(reloaded.denialLookups).toEqual({ hits: 0, misses: 1 });
  });

  it('follow a context-bound requirement as time passes: a later first sighting is a different answer', () => {
    const r = fresh();
    const at = (authAfter: number, maxAge: number): Verdict => ({
      allow: false,
      reason: 'auth_too_old',
      detail: '',
      requirement: { deny: false, denyMessage: undefined, level: 1, maxAge, rules: ['secrets'], sensitivity: 0, authAfter },
      identity: PEOPLE[1],
      attributes: REQUESTS[0],
      tokenCached: true,
      risk: { score: 40, contributions: [{ code: 'new_network', weight: 40, detail: '' }], band: 'elevated', denies: false, degraded: false, learned: false, clientIp: '', context: { authAfter, code: 'new_network', reason: '', summary: 'new network since 14:02:05Z' } },
      guardrails: undefined,
    });
    const first = r.respond(at(1_700_000_000, 30));
    const later = r.respond(at(1_700_000_000, 90));
    const newer = r.respond(at(1_700_000_120, 30));
    expect(later).not.toBe(first);
    expect(newer).not.toBe(first);
    expect(later).toEqual(fresh().respond(at(1_700_000_000, 90)));
    expect(newer).toEqual(fresh().respond(at(1_700_000_120, 30)));
    expect(header(later, 'www-authenticate')).toContain('max_age=90');
    expect(JSON.parse(newer.body).stepgate.risk.context.since).toBe(new Date(1_700_000_120_000).toISOString());
  });
});

function header(a: { headers: readonly (readonly [string, string])[] }, name: string): string | undefined {
  return a.headers.find(([k]) => k === name)?.[1];
}
