import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/load.js';
import type { Config } from '../../src/config/schema.js';
import { compileAssurance } from '../../src/core/assurance.js';
import type { Identity } from '../../src/core/identity.js';
import { judge } from '../../src/pipeline/evaluate.js';
import { storeLimits } from '../../src/pipeline/runtime.js';
import type { Requirement } from '../../src/policy/policy.js';
import type { RequestAttributes } from '../../src/request/attributes.js';
import { kubeRequestInfo } from '../../src/request/kube.js';
import { RiskEngine, type RiskOutcome } from '../../src/risk/engine.js';
import { MemoryStateStore } from '../../src/state/memory.js';
import { aal2Token, BASE, SECRETS } from '../support/risk-world.js';
import { asksAtLeast } from '../support/risk-world.js';

/**
 * Behaviour unlike the identity's own, impossible travel and networks that move (issue 12, part
 * 2), through the engine and the pipeline's judge with the memory store: what each signal binds
 * the requirement to, what it says, and that a token from before the behaviour began never meets it.
 */

const yaml = (extra = '') => `
issuers: [{ issuer: https://idp.test, audiences: [k] }]
assurance: { levels: [{ name: aal1, acr: [a1] }, { name: aal2, acr: [a2] }] }
policy: { default: { require: aal1 } }
network: { xff_num_trusted_hops: 1 }
risk:
  trusted_networks: [10.0.0.0/8]
  learn: { min_level: aal2, max_age_seconds: 600 }
  locations:
    - { name: berlin, cidrs: [10.20.0.0/16], lat: 52.52, lon: 13.40 }
    - { name: singapore, cidrs: [10.60.0.0/16], lat: 1.29, lon: 103.85 }
  bands: [{ name: elevated, min_score: 45, require: aal2 }]
${extra}`;
const config = parseConfig(yaml(), 'behaviour.yaml');
const assurance = compileAssurance(config.assurance.levels);
const T = 1_800_000_000_000;
const HOME = '203.0.113.7';
const BERLIN = '10.20.1.5';
const SINGAPORE = '10.60.8.21';
const KUBECTL = 'kubectl/v1.32.4 (linux/amd64) kubernetes/abc1234';
const S = (ms: number) => Math.floor(ms / 1000);

const token = (authTime: number, sid = 'sid-1'): Identity => aal2Token('alice', authTime, sid);
const SENSITIVE = SECRETS;

function req(ip: string, path: string, method = 'GET', ua = KUBECTL): RequestAttributes {
  const q = path.indexOf('?');
  const kube = kubeRequestInfo(method, q < 0 ? path : path.slice(0, q), q < 0 ? '' : path.slice(q + 1), () => undefined);
  return {
    method, target: path, path, query: '', host: 'kube', authority: 'kube', scheme: 'https',
    headers: new Map([['x-forwarded-for', ip], ['user-agent', ua]]),
    spoofedIdentityHeaders: [], sourceAddress: '10.0.0.5', clientResolved: false, sourcePrincipal: '',
    contextExtensions: {}, kube, body: undefined, bodyTruncated: false,
  } as RequestAttributes;
}

function world(cfg: Config = config) {
  const store = new MemoryStateStore(storeLimits(cfg)!, { maxSubjects: 100 });
  const engine = new RiskEngine({ risk: cfg.risk!, network: cfg.network, onStateError: 'fail_closed', assurance, store, fallback: store });
  const check = (r: RequestAttributes, who: Identity, atMs: number, need = BASE) => {
    const out = engine.assess(r, who, need, atMs) as RiskOutcome;
    if (!out.ok) throw new Error(out.detail);
    const v = judge(out.requirement, who, atMs, r, false, { assurance }, out.risk);
    if (v.allow && out.learn) engine.learned(out.learn, atMs);
    if (!v.allow) engine.recordDenial(who, atMs, r);
    return { v, out };
  };
  return { store, engine, check };
}

/** Alice's first day: signed in at T−40 s, at home, working in `team-a` (reads, a Secret). */
function alice(ip = HOME, cfg?: Config) {
  const w = world(cfg);
  const morning = token(S(T) - 40);
  expect(w.check(req(ip, '/api/v1/namespaces/team-a/pods'), morning, T).v.allow).toBe(true);
  expect(w.check(req(ip, '/api/v1/namespaces/team-a/secrets/db'), morning, T + 60_000, SENSITIVE).v.allow).toBe(true);
  return { ...w, morning };
}

const codes = (o: RiskOutcome & { ok: true }) => o.risk.contributions.map((c) => c.code);

describe('behaviour unlike the identity’s own', () => {
  it('a sensitive action outside the working set, hours after the sign-in, is bound to a sign-in around its first sighting', () => {
    const w = alice();
    const at = T + 3 * 3_600_000;
    const { v, out } = w.check(req(HOME, '/api/v1/namespaces/prod-x/secrets/db'), w.morning, at, SENSITIVE);
    expect(v.allow).toBe(false);
    expect(v.reason).toBe('auth_too_old');
    expect(out.ok && out.risk.context?.code).toBe('unfamiliar_namespace');
    expect(out.ok && out.risk.context?.summary).toBe('get secrets in namespace prod-x, where you have not worked');
    expect(v.detail).toContain("outside this identity's working set");
    // grace_seconds (1 h) before the first sighting: the engineer who signs in now goes on…
    expect(out.ok && out.requirement.authAfter).toBe(S(at) - 3600);
    const fresh = token(S(at) + 20);
    expect(w.check(req(HOME, '/api/v1/namespaces/prod-x/secrets/db'), fresh, at + 25_000, SENSITIVE).v.allow).toBe(true);
    // …and prod-x joined the working set.
    const next = w.check(req(HOME, '/api/v1/namespaces/prod-x/secrets/other'), fresh, at + 90_000, SENSITIVE);
    expect(next.out.ok && codes(next.out)).not.toContain('unfamiliar_namespace');
  });

  it('one sign-in covers grace_namespaces new namespaces (here 3): the 4th needs a sign-in after its first sighting, even after a read there first', () => {
    const w = alice(HOME, parseConfig(yaml('  signals: { unfamiliar_namespace: { grace_namespaces: 3 } }'), 'three.yaml'));
    // Malware waits for a fresh sign-in, then lists Secrets in other teams' namespaces, one every 40 s.
    const login = S(T) + 3 * 3600;
    const at = (k: number) => (login + 90) * 1000 + k * 40_000;
    for (const [k, ns] of ['prod-a', 'prod-b', 'prod-c'].entries()) {
      const { v, out } = w.check(req(HOME, `/api/v1/namespaces/${ns}/secrets`), token(login, 'sid-2'), at(k), SENSITIVE);
      expect(v.allow, ns).toBe(true);
      expect(out.ok && out.risk.context?.code).toBe('unfamiliar_namespace');
    }
    // A read in the next one first (no sensitive action: allowed) does not make it familiar…
    expect(w.check(req(HOME, '/api/v1/namespaces/prod-d/pods'), token(login, 'sid-2'), at(3)).v.allow).toBe(true);
    const { v, out } = w.check(req(HOME, '/api/v1/namespaces/prod-d/secrets'), token(login, 'sid-2'), at(4), SENSITIVE);
    // …and its Secrets need a sign-in after it was first seen, and say why.
    expect(v.allow).toBe(false);
    expect(v.reason).toBe('auth_too_old');
    expect(out.ok && out.requirement.authAfter).toBe(S(at(3)));
    const when = new Date(login * 1000).toISOString().slice(11, 19);
    expect(out.ok && out.risk.context?.summary).toBe(
      `list secrets in namespace prod-d, where you have not worked: the 4th namespace entered since the sign-in at ${when}Z (3 allowed per sign-in)`,
    );
    expect(v.detail).toContain('the 4th namespace entered since the sign-in at');
    // The sign-in it asks for proves prod-d, and buys its own grace for the next namespaces.
    const again = token(S(at(5)), 'sid-3');
    expect(w.check(req(HOME, '/api/v1/namespaces/prod-d/secrets'), again, at(5) + 5_000, SENSITIVE).v.allow).toBe(true);
    expect(w.check(req(HOME, '/api/v1/namespaces/prod-e/secrets'), again, at(6), SENSITIVE).v.allow).toBe(true);
    const known = w.check(req(HOME, '/api/v1/namespaces/prod-d/secrets/x'), token(login, 'sid-2'), at(7), SENSITIVE);
    expect(known.out.ok && codes(known.out)).not.toContain('unfamiliar_namespace');
  });

  it('grace_production_secrets false: a production namespace\'s Secret outside the working set needs a sign-in after its first sighting, even a minute after a fresh one', () => {
    // A history an hour old is mature here (unfamiliar_kind.min_history_seconds, 20 h by default).
    const cfg = parseConfig(yaml('  signals: { unfamiliar_namespace: { grace_production_secrets: false }, unfamiliar_kind: { min_history_seconds: 3600 } }'), 'ungraced.yaml');
    const w = alice(HOME, cfg);
    // Malware waits for the engineer's fresh sign-in, then reads another team's production Secret.
    const login = S(T) + 3 * 3600;
    const fresh = token(login, 'sid-2');
    const { v, out } = w.check(req(HOME, '/api/v1/namespaces/prod-payments/secrets/payments-db'), fresh, (login + 60) * 1000, SENSITIVE);
    expect(v.allow).toBe(false);
    expect(v.reason).toBe('auth_too_old');
    expect(out.ok && out.risk.context?.code).toBe('unfamiliar_namespace');
    expect(out.ok && out.requirement.authAfter).toBe(login + 60);
    expect(out.ok && out.risk.context?.summary).toBe(
      "get secrets in namespace prod-payments, where you have not worked: a production namespace's Secrets need a sign-in after its first sighting",
    );
    // A read there first, under the grace, does not put the namespace in the working set.
    expect(w.check(req(HOME, '/api/v1/namespaces/prod-search/pods'), fresh, (login + 80) * 1000).v.allow).toBe(true);
    expect(w.check(req(HOME, '/api/v1/namespaces/prod-search/secrets'), fresh, (login + 90) * 1000, SENSITIVE).v.allow).toBe(false);
    // A lower environment's Secret, and a production namespace's pods, keep the grace.
    expect(w.check(req(HOME, '/api/v1/namespaces/payments-staging/secrets/db'), fresh, (login + 100) * 1000, SENSITIVE).v.allow).toBe(true);
    expect(w.check(req(HOME, '/api/v1/namespaces/prod-payments/pods/api-0/exec?command=sh', 'POST'), fresh, (login + 110) * 1000, SENSITIVE).v.allow).toBe(true);
    // The sign-in it asks for (after the first sighting) proves the namespace, as always.
    const again = token(login + 200, 'sid-3');
    expect(w.check(req(HOME, '/api/v1/namespaces/prod-search/secrets'), again, (login + 205) * 1000, SENSITIVE).v.allow).toBe(true);
    const known = w.check(req(HOME, '/api/v1/namespaces/prod-search/secrets/x'), fresh, (login + 300) * 1000, SENSITIVE);
    expect(known.out.ok && codes(known.out)).not.toContain('unfamiliar_namespace');
  });

  it('grace_production_secrets false keeps the grace while the history is young (unfamiliar_kind.min_history_seconds): a fresh server, a first day', () => {
    const cfg = parseConfig(yaml('  signals: { unfamiliar_namespace: { grace_production_secrets: false }, unfamiliar_kind: { min_history_seconds: 36000 } }'), 'young.yaml');
    const w = alice(HOME, cfg);
    const login = S(T) + 3 * 3600;
    const { v, out } = w.check(req(HOME, '/api/v1/namespaces/prod-payments/secrets/payments-db'), token(login, 'sid-2'), (login + 60) * 1000, SENSITIVE);
    expect(v.allow).toBe(true);
    expect(out.ok && out.risk.context?.code).toBe('unfamiliar_namespace');
    // Ten hours in, the same read in another production namespace is asked.
    const later = S(T) + 10 * 3600 + 60;
    const res = w.check(req(HOME, '/api/v1/namespaces/prod-ledger/secrets/ledger-db'), token(later, 'sid-3'), (later + 60) * 1000, SENSITIVE);
    expect(res.v.allow).toBe(false);
  });

  it('grace_production_secrets (default true): the fresh sign-in covers a production namespace\'s Secret as any other', () => {
    const w = alice();
    const login = S(T) + 3 * 3600;
    const { v, out } = w.check(req(HOME, '/api/v1/namespaces/prod-payments/secrets/payments-db'), token(login, 'sid-2'), (login + 60) * 1000, SENSITIVE);
    expect(v.allow).toBe(true);
    expect(out.ok && out.risk.context?.code).toBe('unfamiliar_namespace');
  });

  it('grace_namespaces 0: no namespace is covered by a sign-in before its first sighting', () => {
    const cfg = parseConfig(yaml('  signals: { unfamiliar_namespace: { grace_namespaces: 0 } }'), 'zero.yaml');
    const w = alice(HOME, cfg);
    const login = S(T) + 3 * 3600;
    const { v, out } = w.check(req(HOME, '/api/v1/namespaces/prod-a/secrets'), token(login), (login + 60) * 1000, SENSITIVE);
    expect(v.allow).toBe(false);
    expect(out.ok && out.requirement.authAfter).toBe(login + 60);
    expect(out.ok && out.risk.context?.reason).toContain('grace_namespaces 0');
    // A sign-in after the first sighting is proof, as always.
    expect(w.check(req(HOME, '/api/v1/namespaces/prod-a/secrets'), token(login + 61), (login + 70) * 1000, SENSITIVE).v.allow).toBe(true);
  });

  it('a read teaches the working set only from proof around it: not hours after the sign-in (kubectl GETs the pod before every exec), nor from an unproven network', () => {
    const w = alice();
    const at = T + 3 * 3_600_000;
    // `kubectl exec`: GET the pod, then the exec. The read is allowed but, 3 h after the sign-in, teaches nothing…
    expect(w.check(req(HOME, '/api/v1/namespaces/team-b/pods/api-0'), w.morning, at).v.allow).toBe(true);
    const s = w.check(req(HOME, '/api/v1/namespaces/team-b/pods/api-0/exec', 'POST'), w.morning, at + 1_000, SENSITIVE);
    expect(s.v.allow).toBe(false);
    expect(s.out.ok && s.out.risk.context?.code).toBe('unfamiliar_namespace');
    // …while a read within grace_seconds after a sign-in does.
    const fresh = token(S(at) + 60, 'sid-2');
    expect(w.check(req(HOME, '/api/v1/namespaces/team-d/pods'), fresh, at + 120_000).v.allow).toBe(true);
    const d = w.check(req(HOME, '/api/v1/namespaces/team-d/pods/api-0/exec', 'POST'), fresh, at + 2 * 3_600_000, SENSITIVE);
    expect(d.v.allow).toBe(true);
    expect(d.out.ok && codes(d.out)).not.toContain('unfamiliar_namespace');
    // From a network never proven, the read is refused and teaches nothing.
    const evil = w.check(req('192.0.2.66', '/api/v1/namespaces/team-c/pods'), fresh, at + 2 * 3_600_000 + 10_000);
    expect(evil.v.allow).toBe(false);
    const later = w.check(req(HOME, '/api/v1/namespaces/team-c/secrets/db'), fresh, at + 2 * 3_600_000 + 20_000, SENSITIVE);
    expect(later.out.ok && codes(later.out)).toContain('unfamiliar_namespace');
  });

  it('a user-agent fingerprint never proven does not keep the working set empty (which would silence the signal)', () => {
    const w = world();
    const morning = token(S(T) - 40);
    const ua = (r: RequestAttributes, agent: string) => ({ ...r, headers: new Map([...r.headers, ['user-agent', agent]]) }) as RequestAttributes;
    const STERN = 'stern/1.31.0 (linux/amd64) kubernetes/v0.31.1';
    // The first request (a cluster-scoped read from kubectl) proves the network, kubectl's
    // fingerprint and the client kind; no namespace yet.
    expect(w.check(req(HOME, '/api/v1/nodes'), morning, T).v.allow).toBe(true);
    // Half an hour later stern, another fingerprint (first seen after the sign-in: never proven),
    // follows logs in team-a, within the hour after the sign-in.
    for (let k = 0; k < 3; k++) expect(w.check(ua(req(HOME, `/api/v1/namespaces/team-a/pods/api-${k}/log`), STERN), morning, T + 1_800_000 + k * 1000).v.allow).toBe(true);
    // Hours later, through stern's fingerprint, a Secret in a namespace never worked in: team-a
    // is the working set, so this departs from it.
    const at = T + 4 * 3_600_000;
    const { v, out } = w.check(ua(req(HOME, '/api/v1/namespaces/prod-x/secrets/db'), STERN), morning, at, SENSITIVE);
    expect(out.ok && codes(out)).toContain('unfamiliar_namespace');
    expect(v.allow).toBe(false);
    expect(out.ok && out.risk.context?.code).toBe('unfamiliar_namespace');
  });

  it('a new starter whose first call comes long after the sign-in, on a trusted network, still gets a working set (it would stay empty all day)', () => {
    const w = world();
    // Signed in for onboarding 20 minutes before the first kubectl call: past the newcomer
    // allowance (600 s), so the client kind is not proven, and on the trusted office network
    // nothing ever challenges them into proving it.
    const morning = token(S(T) - 1200);
    for (let k = 0; k < 3; k++) expect(w.check(req(BERLIN, '/api/v1/namespaces/team-a/pods'), morning, T + k * 60_000).v.allow).toBe(true);
    // Hours later malware on that laptop opens a shell in production: a departure from team-a.
    const at = T + 6 * 3_600_000;
    const { v, out } = w.check(req(BERLIN, '/api/v1/namespaces/prod-x/pods/api-0/exec', 'POST'), morning, at, SENSITIVE);
    expect(out.ok && codes(out)).toContain('unfamiliar_namespace');
    expect(v.allow).toBe(false);
    // The new starter's own sign-in answers it.
    const fresh = token(S(at) + 20);
    expect(w.check(req(BERLIN, '/api/v1/namespaces/prod-x/pods/api-0/exec', 'POST'), fresh, at + 25_000, SENSITIVE).v.allow).toBe(true);
  });

  it('port-forwards to every service at once (kubefwd) are no machine pace; shells at that pace are', () => {
    const w = alice();
    const at = T + 3_600_000;
    for (let k = 0; k < 6; k++) {
      const f = w.check(req(HOME, `/api/v1/namespaces/team-a/pods/svc-${k}/portforward`, 'POST'), w.morning, at + k * 200, SENSITIVE);
      expect(f.v.allow).toBe(true);
      expect(f.out.ok && codes(f.out)).not.toContain('machine_pace');
    }
    const shells = [0, 1, 2, 3].map((k) => w.check(req(HOME, `/api/v1/namespaces/team-a/pods/svc-${k}/exec`, 'POST'), w.morning, at + 60_000 + k * 200, SENSITIVE));
    expect(shells[3]!.out.ok && codes(shells[3]!.out)).toContain('machine_pace');
  });

  it('`kubectl rollout restart` of eight Deployments and a release applied at once are no machine pace; Secrets written, bare Pods and ephemeral containers at that pace are', () => {
    const w = alice();
    const at = T + 3_600_000;
    // Day 6: eight patches within two seconds reached machine pace and sensitive_objects together
    // (critical: a 403) when each counted as an object.
    for (let k = 0; k < 8; k++) {
      const r = w.check(req(HOME, `/apis/apps/v1/namespaces/team-a/deployments/api-${k}?fieldManager=kubectl-rollout`, 'PATCH'), w.morning, at + k * 250, SENSITIVE);
      expect(r.v.allow, `patch ${k}`).toBe(true);
      expect(r.out.ok && codes(r.out)).not.toContain('machine_pace');
      expect(r.out.ok && codes(r.out)).not.toContain('sensitive_objects');
    }
    for (const [k, [method, path]] of ([
      ['PUT', '/apis/apps/v1/namespaces/team-a/deployments/api-0/scale'],
      ['POST', '/api/v1/namespaces/team-a/pods/api-0/eviction'],
      ['PATCH', '/api/v1/namespaces/team-a/configmaps/app'],
      ['POST', '/apis/batch/v1/namespaces/team-a/jobs'],
    ] as const).entries()) {
      const r = w.check(req(HOME, path, method), w.morning, at + 3_000 + k * 250, SENSITIVE);
      expect(r.out.ok && codes(r.out), path).not.toContain('machine_pace');
    }
    // What reads or runs still counts, writes included: a Secret written, a bare Pod, an ephemeral container, a token.
    const later = at + 60_000;
    const runs = [
      ['PUT', '/api/v1/namespaces/team-a/secrets/db'],
      ['POST', '/api/v1/namespaces/team-a/pods'],
      ['PATCH', '/api/v1/namespaces/team-a/pods/api-1/ephemeralcontainers'],
      ['POST', '/api/v1/namespaces/team-a/serviceaccounts/default/token'],
    ] as const;
    const seen = runs.map(([method, path], k) => w.check(req(HOME, path, method), w.morning, later + k * 500, SENSITIVE));
    expect(seen.map((x) => x.v.allow)).toEqual([true, true, true, false]);
    expect(seen[3]!.out.ok && seen[3]!.out.risk.context?.code).toBe('machine_pace');
  });

  // Several clusters behind one gateway (kubernetes.clusters, an MSP's customers): the grace covers
  // the next hour's new namespaces of a cluster the identity works in, not of one it never did
  // (day 34: brix's engineer, freshly signed in, into sable's payments-prod).
  it('a fresh sign-in covers a new namespace of a cluster the identity works in, not one of a cluster it never worked in', () => {
    const w = world();
    const on = (cluster: string, r: RequestAttributes): RequestAttributes => ({ ...r, cluster });
    const morning = token(S(T) - 40);
    expect(w.check(on('brix', req(HOME, '/api/v1/namespaces/payments-prod/pods')), morning, T).v.allow).toBe(true);
    expect(w.check(on('brix', req(HOME, '/api/v1/namespaces/payments-prod/secrets/db')), morning, T + 60_000, SENSITIVE).v.allow).toBe(true);
    const login = S(T) + 2 * 3600;
    const fresh = token(login, 'sid-2');
    const at = (login + 60) * 1000;
    // A new namespace of brix: the sign-in before its first sighting covers it, as without clusters.
    const own = w.check(on('brix', req(HOME, '/api/v1/namespaces/billing-prod/secrets/db')), fresh, at, SENSITIVE);
    expect(own.v.allow).toBe(true);
    expect(own.out.ok && codes(own.out)).toContain('unfamiliar_namespace');
    // sable's namespace of the same name: a sign-in after its first sighting, and the caller is told why.
    const { v, out } = w.check(on('sable', req(HOME, '/api/v1/namespaces/payments-prod/secrets/db')), fresh, at + 30_000, SENSITIVE);
    expect(v.allow).toBe(false);
    expect(v.reason).toBe('auth_too_old');
    expect(out.ok && out.risk.context?.code).toBe('unfamiliar_namespace');
    expect(out.ok && out.requirement.authAfter).toBe(S(at + 30_000));
    expect(out.ok && out.risk.context?.summary).toBe(
      'get secrets in namespace payments-prod of cluster sable, where you have not worked: a cluster this identity has not worked in needs a sign-in after its first sighting',
    );
    // A read there first (allowed: nothing sensitive) teaches nothing with that sign-in…
    expect(w.check(on('sable', req(HOME, '/api/v1/namespaces/records-prod/pods')), fresh, at + 40_000).v.allow).toBe(true);
    expect(w.check(on('sable', req(HOME, '/api/v1/namespaces/records-prod/secrets/db')), fresh, at + 50_000, SENSITIVE).v.allow).toBe(false);
    // …and every Secret of a cluster never worked in is no more covered (cluster_secret_list).
    const all = w.check(on('quay', req(HOME, '/api/v1/secrets')), fresh, at + 60_000, SENSITIVE);
    expect(all.v.allow).toBe(false);
    expect(all.out.ok && all.out.requirement.authAfter).toBe(S(at + 60_000));
    // The sign-in it asks for proves sable's payments-prod; sable is then a cluster worked in, and
    // its next new namespace has the grace again.
    const again = token(S(at) + 90, 'sid-3');
    expect(w.check(on('sable', req(HOME, '/api/v1/namespaces/payments-prod/secrets/db')), again, at + 95_000, SENSITIVE).v.allow).toBe(true);
    expect(w.check(on('sable', req(HOME, '/api/v1/namespaces/ledger-prod/secrets/db')), again, at + 120_000, SENSITIVE).v.allow).toBe(true);
  });

  it('a first delete outside the working set needs a sign-in after it: a freshly signed-in insider is asked again', () => {
    const w = alice();
    const at = T + 3 * 3_600_000;
    const insider = token(S(at) - 60, 'sid-insider');
    const { v, out } = w.check(req(HOME, '/api/v1/namespaces/prod-y/pods/web-0', 'DELETE'), insider, at, SENSITIVE);
    expect(v.allow).toBe(false);
    expect(out.ok && out.requirement.authAfter).toBe(S(at));
  });

  it('a Secret list across all namespaces is bound; the same list in one namespace of the working set is not', () => {
    const w = alice();
    const at = T + 3 * 3_600_000;
    const all = w.check(req(HOME, '/api/v1/secrets'), w.morning, at, SENSITIVE);
    expect(all.v.allow).toBe(false);
    expect(all.out.ok && all.out.risk.context?.code).toBe('cluster_secret_list');
    expect(all.out.ok && all.out.risk.context?.summary).toBe('Secrets listed across all namespaces');
    expect(w.check(req(HOME, '/api/v1/namespaces/team-a/secrets'), w.morning, at + 60_000, SENSITIVE).v.allow).toBe(true);
  });

  it('machine pace: the 4th distinct sensitive object within 20 s is refused; one sign-in covers the rest of the run', () => {
    const w = alice();
    const at = T + 3 * 3_600_000;
    const seen: ReturnType<typeof w.check>[] = [];
    for (let i = 0; i < 6; i++) seen.push(w.check(req(HOME, `/api/v1/namespaces/team-a/pods/api-${i}/exec`, 'POST'), w.morning, at + i * 2_000, SENSITIVE));
    expect(seen.map((x) => x.v.allow)).toEqual([true, true, true, false, false, false]);
    // Bound to when the run went over the threshold, not to each request.
    expect(seen[3]!.out.ok && seen[3]!.out.risk.context).toMatchObject({ code: 'machine_pace', authAfter: S(at + 6_000) });
    expect(seen[5]!.out.ok && seen[5]!.out.risk.context).toMatchObject({ code: 'machine_pace', authAfter: S(at + 6_000) });
    expect(seen[3]!.out.ok && seen[3]!.out.risk.context?.summary).toMatch(/^sensitive objects touched faster than a person types since /);
    const fresh = token(S(at) + 15);
    // The engineer retries the refused ones after signing in, still at a machine's pace.
    for (let i = 3; i < 6; i++) expect(w.check(req(HOME, `/api/v1/namespaces/team-a/pods/api-${i}/exec`, 'POST'), fresh, at + 16_000 + i * 1_000, SENSITIVE).v.allow).toBe(true);
  });

  it('a burst of deletes is refused outright, however fresh the sign-in, and says so', () => {
    const w = alice();
    const at = T + 3 * 3_600_000;
    let last: ReturnType<typeof w.check> | undefined;
    for (let i = 0; i < 13; i++) {
      // A fresh sign-in before every delete: freshness is not what stops a burst.
      last = w.check(req(HOME, `/api/v1/namespaces/team-a/pods/api-${i}`, 'DELETE'), token(S(at + i * 10_000)), at + i * 10_000, SENSITIVE);
      if (i < 12) expect(last.v.allow, `delete ${i + 1}`).toBe(true);
    }
    expect(last!.v.allow).toBe(false);
    expect(last!.v.reason).toBe('risk_deny');
    expect(last!.out.ok && last!.out.risk.context).toMatchObject({ code: 'destructive_burst', action: 'refused' });
    expect(last!.v.detail).toMatch(/13 deletes in 300s since .* \(refused\)/);
    expect(last!.out.ok && last!.out.requirement.denyMessage).toMatch(/^burst of deletes since .*: refused\. Contact the platform team\.$/);
  });

  // `skaffold delete` or `helm uninstall` in a dev namespace: what no rule protects is no burst.
  it('deletes of what no rule protects are no burst: twenty in a row in a dev namespace all pass', () => {
    const w = alice();
    const at = T + 3 * 3_600_000;
    const seen = Array.from({ length: 20 }, (_, i) => w.check(req(HOME, `/apis/apps/v1/namespaces/team-a/deployments/svc-${i}`, 'DELETE'), w.morning, at + i * 150, BASE));
    expect(seen.map((x) => x.v.allow)).toEqual(Array(20).fill(true));
    expect(seen.some((x) => x.out.ok && x.out.risk.contributions.some((c) => c.code === 'destructive_burst'))).toBe(false);
    // ...and they do not start one: the next protected delete is the first of its kind.
    expect(w.check(req(HOME, '/api/v1/namespaces/team-a/pods/api-0', 'DELETE'), token(S(at + 4_000)), at + 4_000, SENSITIVE).v.allow).toBe(true);
  });

  it('with `destructive.deny: false` a burst is a step-up bound to its start instead', () => {
    const cfg = parseConfig(yaml('  signals: { destructive: { deny: false } }'), 'b.yaml');
    const w = alice(HOME, cfg);
    const at = T + 3 * 3_600_000;
    let last: ReturnType<typeof w.check> | undefined;
    for (let i = 0; i < 13; i++) last = w.check(req(HOME, `/api/v1/namespaces/team-a/pods/api-${i}`, 'DELETE'), w.morning, at + i * 10_000, SENSITIVE);
    expect(last!.v.reason).toBe('auth_too_old');
    expect(last!.out.ok && last!.out.risk.context?.code).toBe('destructive_burst');
  });
});

describe('impossible travel', () => {
  it('Berlin, then Singapore ten minutes later: bound to a sign-in after the Singapore sighting, and says where', () => {
    const w = alice(BERLIN);
    const at = T + 10 * 60_000;
    const { v, out } = w.check(req(SINGAPORE, '/api/v1/namespaces/team-a/pods'), w.morning, at);
    expect(v.allow).toBe(false);
    expect(out.ok && out.risk.context?.code).toBe('impossible_travel');
    expect(out.ok && out.risk.context?.summary).toMatch(/^sign-in used at singapore 9 min after berlin since /);
    expect(out.ok && out.requirement.authAfter).toBe(S(at));
    const c = out.ok ? out.risk.contributions.find((x) => x.code === 'impossible_travel') : undefined;
    expect(c?.detail).toMatch(/singapore 9 min after berlin: 99\d\d km/);
  });

  it('the same move fourteen hours later is a flight, not a signal; a proven site is no travel', () => {
    const w = alice(BERLIN);
    const at = T + 14 * 3_600_000;
    const fresh = token(S(at) - 30, 'sid-sg');
    const a = w.check(req(SINGAPORE, '/api/v1/namespaces/team-a/pods'), fresh, at);
    expect(a.v.allow).toBe(true);
    expect(a.out.ok && codes(a.out)).not.toContain('impossible_travel');
    // Back in Berlin an hour later: Berlin is a site Alice proved.
    const b = w.check(req(BERLIN, '/api/v1/namespaces/team-a/pods'), fresh, at + 3_600_000);
    expect(b.out.ok && codes(b.out)).not.toContain('impossible_travel');
  });
});

describe('networks that move', () => {
  // One proven network makes its wider network known here (`min_networks: 1`, the behaviour before
  // 2026-12-02); the default of two is in risk-nearby.test.ts.
  const oneNetwork = parseConfig(yaml('  nearby_networks: { min_networks: 1 }'), 'behaviour.yaml');

  it('a new /24 inside a proven /16 (carrier NAT) weighs as a new address and binds nothing; a new /16 is a new network', () => {
    const w = alice('172.58.3.9', oneNetwork);
    const near = w.check(req('172.58.77.40', '/api/v1/namespaces/team-a/pods'), w.morning, T + 3_600_000);
    expect(near.v.allow).toBe(true);
    expect(near.out.ok && codes(near.out)).toEqual(['new_ip']);
    const far = w.check(req('172.59.1.1', '/api/v1/namespaces/team-a/pods'), w.morning, T + 3_700_000);
    expect(far.v.allow).toBe(false);
    expect(far.out.ok && far.out.risk.context?.code).toBe('new_network');
  });

  it('a rotated IPv6 delegation within the proven /32 is no new network', () => {
    const w = alice('2a02:810d:4a00:1100::20', oneNetwork);
    const r = w.check(req('2a02:810d:4a00:1180::20', '/api/v1/namespaces/team-a/pods'), w.morning, T + 3_600_000);
    expect(r.v.allow).toBe(true);
  });
});

describe('properties', () => {
  const NS = ['team-a', 'team-b', 'prod-x', 'prod-y'];
  const step = fc.record({
    ns: fc.constantFrom(...NS, ''),
    method: fc.constantFrom('GET', 'DELETE', 'POST'),
    gap: fc.integer({ min: 0, max: 120_000 }),
    ip: fc.constantFrom(HOME, BERLIN, SINGAPORE, '172.58.9.1', '192.0.2.66'),
    sensitive: fc.boolean(),
    authBack: fc.integer({ min: 0, max: 30_000 }),
    // kubectl, a client-go tool (same kind, another fingerprint), a browser, a script.
    ua: fc.constantFrom(KUBECTL, 'stern/1.31.0 (linux/amd64) kubernetes/v0.31.1', 'Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0', 'curl/8.5.0'),
  });
  const path = (s: { ns: string; method: string }, i: number) =>
    s.ns === '' ? '/api/v1/secrets' : s.method === 'POST' ? `/api/v1/namespaces/${s.ns}/pods/p-${i}/exec` : `/api/v1/namespaces/${s.ns}/pods/p-${i}`;

  it('more risk never lowers the requirement: with the behaviour and travel signals on, every request asks at least as much as with them off', () => {
    const off = parseConfig(yaml('  signals: { unfamiliar_namespace: { weight: 0 }, machine_pace: { weight: 0 }, cluster_secret_list: 0, impossible_travel: { weight: 0 }, destructive: { deny: false } }'), 'off.yaml');
    const noGrace = parseConfig(yaml('  signals: { unfamiliar_namespace: { grace_namespaces: 0 } }'), 'tight.yaml');
    fc.assert(
      fc.property(fc.array(step, { minLength: 1, maxLength: 25 }), (steps) => {
        const on = alice(BERLIN);
        const plain = alice(BERLIN, off);
        const tight = alice(BERLIN, noGrace);
        let at = T + 120_000;
        return steps.every((s, i) => {
          at += s.gap;
          const who = token(S(at) - s.authBack);
          const need = s.sensitive ? SENSITIVE : BASE;
          const a = on.engine.assess(req(s.ip, path(s, i), s.method, s.ua), who, need, at) as RiskOutcome;
          const b = plain.engine.assess(req(s.ip, path(s, i), s.method, s.ua), who, need, at) as RiskOutcome;
          const c = tight.engine.assess(req(s.ip, path(s, i), s.method, s.ua), who, need, at) as RiskOutcome;
          if (!a.ok || !b.ok || !c.ok) return false;
          // No side learns here: all see the same history, so only the signals differ (and a
          // sign-in's namespace grace: none at all asks at least as much as three namespaces').
          return asksAtLeast(a.requirement, b.requirement) && asksAtLeast(c.requirement, a.requirement);
        });
      }),
      { numRuns: 150 },
    );
    // Many engine runs: give a loaded machine time (the property is the point, not the speed).
  }, 120_000);

  it('a requirement bound to a behaviour or a site is never met by an auth_time before its first sighting (less the namespace grace)', () => {
    fc.assert(
      fc.property(fc.array(step, { minLength: 1, maxLength: 25 }), (steps) => {
        const w = alice(BERLIN);
        let at = T + 120_000;
        const firstSeen = new Map<string, number>();
        return steps.every((s, i) => {
          at += s.gap;
          const who = token(S(at) - s.authBack);
          const need = s.sensitive ? SENSITIVE : BASE;
          const key = s.ns === '' ? '*' : s.ns;
          if (!firstSeen.has(key)) firstSeen.set(key, at);
          if (!firstSeen.has(s.ip)) firstSeen.set(s.ip, at);
          const { v, out } = w.check(req(s.ip, path(s, i), s.method, s.ua), who, at, need);
          if (!out.ok || out.risk.context === undefined) return true;
          const cx = out.risk.context;
          const after = out.requirement.authAfter;
          if (after === undefined) return cx.action === 'refused' && !v.allow;
          // The engine's own sighting can only be later than the first time this test sent it.
          if (cx.code === 'unfamiliar_namespace' || cx.code === 'cluster_secret_list') {
            const grace = s.method === 'DELETE' && cx.code === 'unfamiliar_namespace' ? 0 : 3600;
            if (after < S(firstSeen.get(key)!) - grace) return false;
          }
          if (cx.code === 'impossible_travel' && after < S(firstSeen.get(s.ip)!)) return false;
          // Never allowed with a token from before the bound.
          return !(v.allow && who.authTime! < after);
        });
      }),
      { numRuns: 150 },
    );
    // Many engine runs: give a loaded machine time (the property is the point, not the speed).
  }, 120_000);
});
