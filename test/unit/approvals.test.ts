import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { compileAutomation } from '../../src/core/automation.js';
import { ApprovalTokens } from '../../src/web/approvals/csrf.js';
import { parseDocument } from '../../src/decision/approval-document.js';
import { APPROVAL_ID, bindRequest, sortedQuery } from '../../src/approvals/request-id.js';
import { parseConfig } from '../../src/config/load.js';
import type { Identity } from '../../src/core/identity.js';
import { compileHostMatcher } from '../../src/core/glob.js';
import type { RequestAttributes } from '../../src/request/attributes.js';
import { buildAttributes } from '../../src/request/build.js';
import { configProblems } from '../support/config.js';
import { RequestHeaders } from '../../src/request/headers.js';

// Two API servers' hosts: the id must tell a request to one from the same request to the other.
const KUBE = compileHostMatcher(['kube.example.com', 'kube2.example.com']);

function who(subject = 'system:serviceaccount:ci:deployer', issuer = 'https://kubernetes.default.svc'): Identity {
  return { subject, issuer, groups: [], acr: undefined, amr: [], authTime: undefined, expiresAt: Infinity, level: 0, levelName: 'aal1', session: '', upstreamHeaders: [] };
}

interface Spec {
  method?: string;
  target?: string;
  host?: string;
  body?: string | Uint8Array;
  truncated?: boolean;
  headers?: Record<string, string>;
}

function req(s: Spec = {}): RequestAttributes {
  const built = buildAttributes(
    {
      method: s.method ?? 'POST',
      target: s.target ?? '/apis/apps/v1/namespaces/prod/deployments?fieldManager=kubectl&dryRun=All',
      authority: s.host ?? 'kube.example.com',
      scheme: 'https',
      headers: RequestHeaders.of(Object.entries(s.headers ?? {})),
      sourceAddress: '10.0.0.1',
      sourcePrincipal: '',
      contextExtensions: {},
      body: 'body' in s ? s.body : '{"kind":"Deployment","metadata":{"name":"web"}}',
      bodyTruncated: s.truncated ?? false,
    },
    [],
    KUBE,
  );
  if (!built.ok) throw new Error(built.detail);
  return built.attributes;
}

function id(s: Spec = {}, w = who()): string {
  const b = bindRequest(w, req(s));
  if (!b.ok) throw new Error(b.detail);
  return b.id;
}

describe('approval request id', () => {
  it('is SHA-256 base64url, and the same request always gives the same id', () => {
    expect(id()).toMatch(APPROVAL_ID);
    expect(id()).toBe(id());
    // A string body and the same bytes as raw_body are the same request.
    expect(id({ body: new TextEncoder().encode('{"kind":"Deployment","metadata":{"name":"web"}}') })).toBe(id());
  });

  it('does not depend on the order of different query parameters', () => {
    expect(id({ target: '/apis/apps/v1/namespaces/prod/deployments?dryRun=All&fieldManager=kubectl' })).toBe(id());
    expect(sortedQuery('b=2&a=1&&a=0')).toBe('a=1&a=0&b=2');
  });

  it.each<[string, Spec]>([
    ['verb (update instead of create)', { method: 'PUT', target: '/apis/apps/v1/namespaces/prod/deployments/web?fieldManager=kubectl&dryRun=All' }],
    ['name', { method: 'PATCH', target: '/apis/apps/v1/namespaces/prod/deployments/web2?fieldManager=kubectl&dryRun=All' }],
    ['namespace', { target: '/apis/apps/v1/namespaces/staging/deployments?fieldManager=kubectl&dryRun=All' }],
    ['resource', { target: '/apis/apps/v1/namespaces/prod/statefulsets?fieldManager=kubectl&dryRun=All' }],
    ['API version', { target: '/apis/apps/v1beta1/namespaces/prod/deployments?fieldManager=kubectl&dryRun=All' }],
    ['query value', { target: '/apis/apps/v1/namespaces/prod/deployments?fieldManager=kubectl&dryRun=None' }],
    ['a dropped query parameter', { target: '/apis/apps/v1/namespaces/prod/deployments?fieldManager=kubectl' }],
    ['order of a repeated parameter', { target: '/apis/apps/v1/namespaces/prod/deployments?fieldManager=kubectl&dryRun=All&dryRun=' }],
    ['one body byte', { body: '{"kind":"Deployment","metadata":{"name":"wob"}}' }],
    ['an empty body', { body: '' }],
    ['host', { host: 'kube2.example.com' }],
  ])('changes with the %s', (_what, spec) => {
    expect(id(spec)).not.toBe(id());
  });

  it('changes with the caller: subject or issuer', () => {
    expect(id({}, who('system:serviceaccount:ci:other'))).not.toBe(id());
    expect(id({}, who('system:serviceaccount:ci:deployer', 'https://other.example.com'))).not.toBe(id());
  });

  it('marks an absent body apart from an empty one', () => {
    const get = { method: 'DELETE', target: '/api/v1/namespaces/prod/pods/web' };
    const absent = bindRequest(who(), req({ ...get, body: undefined }));
    const empty = bindRequest(who(), req({ ...get, body: '' }));
    expect(absent).toMatchObject({ ok: true, bodyDigest: 'absent' });
    expect(empty).toMatchObject({ ok: true, bodyDigest: expect.stringMatching(/^sha256:/) });
    expect(absent.ok && empty.ok && absent.id !== empty.id).toBe(true);
  });

  it('refuses to bind a body it does not have in full', () => {
    expect(bindRequest(who(), req({ truncated: true, body: '{"kind":' }))).toMatchObject({ ok: false, detail: expect.stringContaining('truncated') });
    // A write whose body the gateway did not include: approving "it" would approve any body.
    expect(bindRequest(who(), req({ body: undefined }))).toMatchObject({ ok: false, detail: expect.stringContaining('with_request_body') });
    expect(bindRequest(who(), req({ method: 'DELETE', target: '/api/v1/namespaces/prod/pods/web', body: undefined, headers: { 'content-length': '42' } }))).toMatchObject({ ok: false });
  });

  it('cannot be confused by delimiters inside fields', () => {
    // JSON encodes each field, so moving a character across a field boundary is another id.
    expect(id({}, who('a","b'))).not.toBe(id({}, who('a')));
  });
});

describe('automation identities', () => {
  const base = { approval_ttl_seconds: 3600, acts_for: [], approver: { level: 'aal2', max_age_seconds: 300 } };

  it('matches by issuer, by subject glob (across colons) or by claim; empty lists match nothing', () => {
    const m = compileAutomation({ ...base, issuers: ['https://kubernetes.default.svc'], subjects: ['system:serviceaccount:*', 'ci-bot'], claim: { name: 'client_type', values: ['pipeline'] } });
    expect(m('https://kubernetes.default.svc', 'anyone', {})).toBe(true);
    expect(m('https://login.example.com', 'system:serviceaccount:ci:deployer', {})).toBe(true);
    expect(m('https://login.example.com', 'ci-bot', {})).toBe(true);
    expect(m('https://login.example.com', 'ci-bot2', {})).toBe(false);
    expect(m('https://login.example.com', 'alice', { client_type: 'pipeline' })).toBe(true);
    expect(m('https://login.example.com', 'alice', { client_type: ['x', 'pipeline'] })).toBe(true);
    expect(m('https://login.example.com', 'alice', { client_type: 'human' })).toBe(false);
    const onlyClaim = compileAutomation({ ...base, issuers: [], subjects: [], claim: { name: 'client_type', values: ['pipeline'] } });
    expect(onlyClaim('https://login.example.com', 'alice', {})).toBe(false);
    expect(compileAutomation(undefined)('x', 'y', {})).toBe(false);
  });

  it('a claim bound to an issuer matches only that issuer\'s tokens', () => {
    const m = compileAutomation({ ...base, issuers: [], subjects: [], claim: { issuer: 'https://ci', name: 'client_type', values: ['pipeline'] } });
    expect(m('https://ci', 'repo:acme/app', { client_type: 'pipeline' })).toBe(true);
    expect(m('https://ci', 'repo:acme/app', { client_type: 'human' })).toBe(false);
    // The same claim in a person's token at the people's issuer is a person's.
    expect(m('https://login.example.com', 'alice', { client_type: 'pipeline' })).toBe(false);
    expect(m('https://login.example.com', 'alice', { client_type: ['pipeline'] })).toBe(false);
  });

  it('a subject glob written with its issuer matches only that issuer\'s subjects', () => {
    const m = compileAutomation({ ...base, issuers: [], subjects: [{ issuer: 'https://ci', subject: 'ci-*' }, { issuer: 'https://ci', subject: 'deploy' }, { issuer: 'https://sa', subject: 'system:serviceaccount:*' }] });
    expect(m('https://ci', 'ci-deploy', {})).toBe(true);
    expect(m('https://ci', 'deploy', {})).toBe(true);
    expect(m('https://sa', 'system:serviceaccount:ci:deployer', {})).toBe(true);
    // The same names at the people's issuer (or another CI's) are people.
    expect(m('https://login.example.com', 'ci-ops', {})).toBe(false);
    expect(m('https://login.example.com', 'system:serviceaccount:ci:deployer', {})).toBe(false);
    expect(m('https://sa', 'ci-deploy', {})).toBe(false);
  });

  it('acts_for: the people a token of a listed issuer names, in claim order, once each; nobody when it cannot keep them whole', () => {
    const m = compileAutomation({ ...base, issuers: ['https://ci'], subjects: [], acts_for: [{ issuer: 'https://ci', claims: ['actor', 'triggering_actor', 'reviewers'] }] });
    expect(m.actsFor!('https://other', { actor: 'alice' })).toBeUndefined();
    expect(m.actsFor!('https://ci', { actor: 'alice', triggering_actor: 'bob', reviewers: ['alice', 'carol', 7, ''] })).toEqual(['alice', 'bob', 'carol']);
    expect(m.actsFor!('https://ci', { actor: '', triggering_actor: 42 })).toEqual([]);
    expect(m.actsFor!('https://ci', { actor: 'a'.repeat(257) })).toEqual([]);
    expect(m.actsFor!('https://ci', { actor: 'a'.repeat(256) })).toEqual(['a'.repeat(256)]);
    expect(m.actsFor!('https://ci', { reviewers: Array.from({ length: 9 }, (_, i) => `p${i}`) })).toEqual([]);
    expect(compileAutomation({ ...base, issuers: ['https://ci'], subjects: [] }).actsFor).toBeUndefined();
  });
});

describe('approval page tokens', () => {
  const keys = [{ kid: 'k1', key: new Uint8Array(randomBytes(32)) }];
  const tokens = new ApprovalTokens(keys);
  const approval = 'A'.repeat(43);

  it('verify only for the same session cookie and the same approval', () => {
    const t = tokens.issue('cookie-1', approval);
    expect(tokens.verify(t, 'cookie-1', approval)).toBe(true);
    expect(tokens.verify(t, 'cookie-2', approval)).toBe(false);
    expect(tokens.verify(t, 'cookie-1', 'B'.repeat(43))).toBe(false);
    expect(tokens.verify(null, 'cookie-1', approval)).toBe(false);
    expect(tokens.verify('k1.' + 'x'.repeat(43), 'cookie-1', approval)).toBe(false);
    expect(tokens.verify('nokid', 'cookie-1', approval)).toBe(false);
    // Another key list (another deployment) does not accept it.
    expect(new ApprovalTokens([{ kid: 'k1', key: new Uint8Array(randomBytes(32)) }]).verify(t, 'cookie-1', approval)).toBe(false);
  });

  it('survive a key rotation that keeps the old key', () => {
    const t = tokens.issue('cookie-1', approval);
    const rotated = new ApprovalTokens([{ kid: 'k2', key: new Uint8Array(randomBytes(32)) }, keys[0]!]);
    expect(rotated.verify(t, 'cookie-1', approval)).toBe(true);
  });
});

describe('stored approval documents', () => {
  it('are checked, not trusted', () => {
    expect(parseDocument('not json')).toBeUndefined();
    expect(parseDocument('{"v":2}')).toBeUndefined();
    expect(parseDocument('{"v":1,"who":{"issuer":"i","subject":1},"what":{},"why":{}}')).toBeUndefined();
  });
});

const CONFIG = `issuers:
  - issuer: https://login.example.com
    audiences: [kubernetes]
  - issuer: https://kubernetes.default.svc
    audiences: [kubernetes]
assurance:
  levels:
    - { name: aal1, acr: [a1] }
    - { name: aal2, acr: [a2] }
policy:
  default: { require: aal1 }
stepup:
  url: https://auth.example.com/.stepgate/start
  oidc:
    issuer: https://login.example.com
    client_id: stepgate
    client_secret_env: SECRET
    redirect_uri: https://auth.example.com/.stepgate/callback
  session:
    keys_env: KEYS
automation:
  issuers: [https://kubernetes.default.svc]
  approver:
    level: aal2
`;

const problems = (text: string) => configProblems(text, 'policy.yaml');

describe('automation config', () => {
  it('accepts a minimal section and fills the defaults', () => {
    const a = parseConfig(CONFIG, 'policy.yaml').automation!;
    expect(a).toMatchObject({ issuers: ['https://kubernetes.default.svc'], subjects: [], approval_ttl_seconds: 3600, approver: { level: 'aal2', max_age_seconds: 300 } });
    expect(a.approver!.groups).toBeUndefined();
  });

  it.each<[string, string, string, string | RegExp]>([
    ['an unknown key', '    level: aal2\n', '    level: aal2\n    levle: aal3\n', 'automation.approver.levle'],
    ['an unknown approver level', 'level: aal2', 'level: aal9', 'automation.approver.level'],
    ['a missing approver level', '    level: aal2\n', '    max_age_seconds: 300\n', 'automation.approver.level'],
    ['an issuer that is not configured', 'issuers: [https://kubernetes.default.svc]', 'issuers: [https://k8s.example.com]', 'automation.issuers[0]'],
    ['no way to recognise automation', 'issuers: [https://kubernetes.default.svc]', 'issuers: []', 'automation.issuers'],
    ['a ttl out of bounds', '  approver:', '  approval_ttl_seconds: 10\n  approver:', 'automation.approval_ttl_seconds'],
    ['a max_age out of bounds', '    level: aal2\n', '    level: aal2\n    max_age_seconds: 86400\n', 'automation.approver.max_age_seconds'],
    ['an empty claim value list', '  approver:', '  claim: { name: client_type, values: [] }\n  approver:', 'automation.claim.values'],
    ['a claim bound to no issuer, with two issuers', '  approver:', '  claim: { name: client_type, values: [pipeline] }\n  approver:', 'automation.claim'],
    ['a claim bound to an issuer that is not configured', '  approver:', '  claim: { issuer: https://ci.example.com, name: client_type, values: [pipeline] }\n  approver:', 'automation.claim.issuer'],
    ['an acts_for issuer that is not configured', '  approver:', '  acts_for: [{ issuer: https://ci.example.com, claims: [actor] }]\n  approver:', 'automation.acts_for[0].issuer'],
    ['an acts_for without claims', '  approver:', '  acts_for: [{ issuer: https://kubernetes.default.svc, claims: [] }]\n  approver:', 'automation.acts_for[0].claims'],
    [
      'an issuer twice in acts_for',
      '  approver:',
      '  acts_for:\n    - { issuer: https://kubernetes.default.svc, claims: [actor] }\n    - { issuer: https://kubernetes.default.svc, claims: [user_login] }\n  approver:',
      'automation.acts_for[1].issuer',
    ],
  ])('rejects %s, naming the field', (_what, from, to, field) => {
    const ps = problems(CONFIG.replace(from, to));
    expect(ps.map((p) => p.field)).toContain(field);
    expect(ps.find((p) => p.field === field)!.line).toBeGreaterThan(0);
  });

  it('a claim bound to a configured issuer loads, and so does a bare one with a single issuer', () => {
    const boundClaim = parseConfig(CONFIG.replace('  approver:', '  claim: { issuer: https://kubernetes.default.svc, name: client_type, values: [pipeline] }\n  approver:'), 'policy.yaml');
    expect(boundClaim.automation?.claim).toEqual({ issuer: 'https://kubernetes.default.svc', name: 'client_type', values: ['pipeline'] });
    const single = CONFIG.replace(/  - issuer: https:\/\/kubernetes\.default\.svc\n(?: {4}.*\n)*/, '').replace('issuers: [https://kubernetes.default.svc]', 'claim: { name: client_type, values: [pipeline] }');
    const bare = parseConfig(single, 'policy.yaml');
    expect(bare.issuers).toHaveLength(1);
    expect(bare.automation?.claim).toEqual({ name: 'client_type', values: ['pipeline'] });
  });

  it('needs the step-up: approving is a human step-up on the approval pages', () => {
    const without = CONFIG.replace(/stepup:[\s\S]*?automation:/, 'automation:');
    expect(problems(without).map((p) => p.field)).toContain('automation.approver');
  });

  it('acts_for needs an approver: it only decides who may approve', () => {
    const bare = CONFIG.replace(/stepup:[\s\S]*?automation:/, 'automation:').replace(/  approver:\n(    .*\n)+/, '  acts_for: [{ issuer: https://kubernetes.default.svc, claims: [actor] }]\n');
    expect(problems(bare).map((p) => p.field)).toContain('automation.acts_for[0]');
  });

  it('without an approver needs no step-up: automation is recognised, and what it cannot do is refused', () => {
    const bare = CONFIG.replace(/stepup:[\s\S]*?automation:/, 'automation:').replace(/  approver:\n(    .*\n)+/, '');
    expect(bare).not.toContain('approver');
    expect(parseConfig(bare, 'policy.yaml').automation!.approver).toBeUndefined();
  });
});
