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
import { historyText } from '../../src/risk/signals/behaviour.js';
import { MemoryStateStore } from '../../src/state/memory.js';
import { aal2Token, BASE, SECRETS } from '../support/risk-world.js';

/**
 * `unfamiliar_kind` through the engine and the pipeline's judge with the memory store: a Secret
 * read or a shell by an identity whose history is mature and that never did that kind is bound
 * to a sign-in after the kind's first sighting; the sign-in answering it learns the kind; a young
 * history (a fresh server, a first day) learns every kind it uses without a signal.
 */

const yaml = (extra = '') => `
issuers: [{ issuer: https://idp.test, audiences: [k] }]
assurance: { levels: [{ name: aal1, acr: [a1] }, { name: aal2, acr: [a2] }] }
policy: { default: { require: aal1 } }
network: { xff_num_trusted_hops: 1 }
risk:
  learn: { min_level: aal2, max_age_seconds: 600 }
  bands: [{ name: elevated, min_score: 45, require: aal2 }]
${extra}`;
const config = parseConfig(yaml('  signals: { unfamiliar_kind: { kinds: [secret_read, pod_shell] } }'), 'kind.yaml');
const assurance = compileAssurance(config.assurance.levels);
const T = 1_800_000_000_000;
const HOUR = 3_600_000;
const HOME = '203.0.113.7';
const KUBECTL = 'kubectl/v1.32.4 (linux/amd64) kubernetes/abc1234';
const S = (ms: number) => Math.floor(ms / 1000);

const token = (authTime: number, sid = 'sid-1'): Identity => aal2Token('sam', authTime, sid);
const SENSITIVE = SECRETS;

function req(target: string, method = 'GET'): RequestAttributes {
  const [path, query = ''] = target.split('?') as [string, string?];
  const kube = kubeRequestInfo(method, path, query, () => undefined);
  return {
    method, target, path, query, host: 'kube', authority: 'kube', scheme: 'https',
    headers: new Map([['x-forwarded-for', HOME], ['user-agent', KUBECTL]]),
    spoofedIdentityHeaders: [], sourceAddress: '10.0.0.5', clientResolved: false, sourcePrincipal: '',
    contextExtensions: {}, kube, body: undefined, bodyTruncated: false,
  } as RequestAttributes;
}

function world(cfg: Config = config) {
  const store = new MemoryStateStore(storeLimits(cfg)!, { maxSubjects: 100 });
  const engine = new RiskEngine({ risk: cfg.risk!, network: cfg.network, onStateError: 'fail_closed', assurance, store, fallback: store });
  const check = (path: string, who: Identity, atMs: number, need = BASE, method = 'GET') => {
    const r = req(path, method);
    const out = engine.assess(r, who, need, atMs) as RiskOutcome;
    if (!out.ok) throw new Error(out.detail);
    const v = judge(out.requirement, who, atMs, r, false, { assurance }, out.risk);
    if (v.allow && out.learn) engine.learned(out.learn, atMs);
    return { v, out, codes: out.risk.contributions.map((c) => c.code) };
  };
  return { store, check };
}

/** A day of looking: signed in at 09:00, lists pods and events in team-a all day, never a Secret. */
function analyst(cfg?: Config, secretsToo = false) {
  const w = world(cfg);
  const morning = token(S(T) - 40);
  for (let k = 0; k < 8; k++) expect(w.check('/api/v1/namespaces/team-a/pods', morning, T + k * HOUR).v.allow).toBe(true);
  if (secretsToo) expect(w.check('/api/v1/namespaces/team-a/secrets/db', morning, T + 2 * HOUR, SENSITIVE).v.allow).toBe(true);
  return w;
}

describe('unfamiliar_kind', () => {
  it("an analyst's first Secret read the next day, in a namespace of the working set, asks a sign-in after it; that sign-in learns the kind", () => {
    const w = analyst();
    const next = T + 24 * HOUR;
    const today = token(S(next) - 3 * HOUR / 1000, 'sid-2');
    expect(w.check('/api/v1/namespaces/team-a/pods', today, next - 2 * HOUR).v.allow).toBe(true);
    const first = w.check('/api/v1/namespaces/team-a/secrets/db', today, next, SENSITIVE);
    expect(first.codes).toContain('unfamiliar_kind');
    expect(first.codes).not.toContain('unfamiliar_namespace');
    expect(first.v.allow).toBe(false);
    expect(first.v.reason).toBe('auth_too_old');
    expect(first.out.ok && first.out.requirement.authAfter).toBe(S(next));
    expect(first.out.ok && first.out.risk.context?.code).toBe('unfamiliar_kind');
    expect(first.out.ok && first.out.risk.context?.summary).toBe('get secrets in namespace team-a: you have not read Secrets before');
    const detail = first.out.risk.contributions.find((c) => c.code === 'unfamiliar_kind')!.detail;
    expect(detail).toBe('get secrets in namespace team-a: the first read of a Secret by this identity in 24 hours of history');
    // The refused read taught nothing: the same token is asked again a minute later.
    expect(w.check('/api/v1/namespaces/team-a/secrets/db', today, next + 60_000, SENSITIVE).v.allow).toBe(false);
    // The analyst signs in; the read is allowed and teaches the kind…
    const fresh = token(S(next) + 90, 'sid-3');
    expect(w.check('/api/v1/namespaces/team-a/secrets/db', fresh, next + 100_000, SENSITIVE).v.allow).toBe(true);
    // …so later Secret reads, with that sign-in hours old, ask nothing more of this signal.
    const later = w.check('/api/v1/namespaces/team-a/secrets/other', fresh, next + 4 * HOUR, SENSITIVE);
    expect(later.codes).not.toContain('unfamiliar_kind');
    expect(later.v.allow).toBe(true);
    // A shell is another kind: still unfamiliar.
    const shell = w.check('/api/v1/namespaces/team-a/pods/api-0/exec', fresh, next + 5 * HOUR, SENSITIVE, 'POST');
    expect(shell.codes).toContain('unfamiliar_kind');
    expect(shell.out.ok && shell.out.risk.context?.summary).toBe('create pods/exec in namespace team-a: you have not opened a shell or tunnel into a pod before');
  });

  it('a young history (a fresh server, a first day) pays nothing and learns the kinds it uses', () => {
    const w = analyst();
    const at = T + 10 * HOUR;
    const s = w.check('/api/v1/namespaces/team-a/secrets/db', token(S(at) - 3600, 'sid-2'), at, SENSITIVE);
    expect(s.codes).not.toContain('unfamiliar_kind');
    expect(s.v.allow).toBe(true);
    // Learned: once the history is mature, Secret reads stay quiet.
    const later = w.check('/api/v1/namespaces/team-a/secrets/other', token(S(T + 30 * HOUR)), T + 31 * HOUR, SENSITIVE);
    expect(later.codes).not.toContain('unfamiliar_kind');
  });

  it('an engineer who read Secrets yesterday reads them today unasked', () => {
    const w = analyst(undefined, true);
    const next = T + 24 * HOUR;
    const s = w.check('/api/v1/namespaces/team-a/secrets/other', token(S(next) - 3 * 3600, 'sid-2'), next, SENSITIVE);
    expect(s.codes).not.toContain('unfamiliar_kind');
    expect(s.v.allow).toBe(true);
  });

  it('min_history_seconds sets maturity; weight 0 or a kind left out of `kinds` turns it off', () => {
    const next = T + 24 * HOUR;
    const at = (cfg: string) => analyst(parseConfig(yaml(`  signals: { unfamiliar_kind: ${cfg} }`), 'k.yaml')).check('/api/v1/namespaces/team-a/secrets/db', token(S(next) - 3600, 'sid-2'), next, SENSITIVE).codes;
    expect(at('{ min_history_seconds: 172800 }')).not.toContain('unfamiliar_kind');
    expect(at('{ min_history_seconds: 3600 }')).toContain('unfamiliar_kind');
    expect(at('{ weight: 0 }')).not.toContain('unfamiliar_kind');
    expect(at('{ kinds: [pod_shell] }')).not.toContain('unfamiliar_kind');
    // The default compares Secret reads alone: a first shell is not asked.
    const w = analyst(parseConfig(yaml(), 'default.yaml'));
    expect(w.check('/api/v1/namespaces/team-a/secrets/db', token(S(next) - 3600, 'sid-2'), next, SENSITIVE).codes).toContain('unfamiliar_kind');
    expect(w.check('/api/v1/namespaces/team-a/pods/api-0/exec', token(S(next) - 3600, 'sid-2'), next + 1000, SENSITIVE, 'POST').codes).not.toContain('unfamiliar_kind');
  });

  it('a workload handed nothing, a list of pods, a log: no kind', () => {
    const w = analyst();
    const next = T + 24 * HOUR;
    const t = token(S(next) - 3600, 'sid-2');
    expect(w.check('/api/v1/namespaces/team-a/pods/api-0/log', t, next).codes).not.toContain('unfamiliar_kind');
    expect(w.check('/api/v1/namespaces/team-a/configmaps/x', t, next + 1000).codes).not.toContain('unfamiliar_kind');
  });

  // Day 22's war room: the service proxy reaches a pod's HTTP endpoints (a Spring actuator's env)
  // as the pod proxy does, so it is the same kind, whichever way the Service is spelled.
  it.each([
    ['GET', '/api/v1/namespaces/team-a/services/http:api:8081/proxy/actuator/env'],
    ['POST', '/api/v1/namespaces/team-a/services/api:8081/proxy/actuator/restart'],
    ['GET', '/api/v1/namespaces/team-a/services/https:api:/proxy/'],
    ['GET', '/api/v1/namespaces/team-a/services/api/proxy/admin'],
    ['GET', '/api/v1/namespaces/team-a/pods/api-0:9090/proxy/debug/vars'],
  ])('%s %s is a shell or tunnel into a pod (pod_shell)', (method, path) => {
    const w = analyst();
    const next = T + 24 * HOUR;
    const first = w.check(path, token(S(next) - 3600, 'sid-2'), next, SENSITIVE, method);
    expect(first.codes).toContain('unfamiliar_kind');
    expect(first.out.ok && first.out.risk.context?.summary).toMatch(/: you have not opened a shell or tunnel into a pod before$/);
  });

  it('with `proxy` listed, the pod and service proxies are a kind of their own, apart from shells', () => {
    const cfg = parseConfig(yaml('  signals: { unfamiliar_kind: { kinds: [secret_read, proxy] } }'), 'kind.yaml');
    const w = analyst(cfg);
    const next = T + 24 * HOUR;
    const t = token(S(next) - 3600, 'sid-2');
    const proxy = w.check('/api/v1/namespaces/team-a/services/http:api:8081/proxy/actuator/env', t, next, SENSITIVE);
    expect(proxy.codes).toContain('unfamiliar_kind');
    expect(proxy.out.ok && proxy.out.risk.context?.summary).toBe("get services/proxy in namespace team-a: you have not reached a pod's or Service's endpoints through the API server's proxy before");
    expect(w.check('/api/v1/namespaces/team-a/pods/api-0:9090/proxy/metrics', t, next + 1000, SENSITIVE).codes).toContain('unfamiliar_kind');
    // A shell is not listed: no kind.
    expect(w.check('/api/v1/namespaces/team-a/pods/api-0/exec', t, next + 2000, SENSITIVE, 'POST').codes).not.toContain('unfamiliar_kind');
  });

  // Day 24: an ops engineer who opens shells in a store's pods every day; malware with their token
  // execs `tar cf -` over the loyalty database's data directory (kubectl cp). A copy is not a shell.
  it('with `pod_copy` listed, an exec of a copy or dump program is a kind of its own, apart from the shells the identity opens', () => {
    const cfg = parseConfig(yaml('  signals: { unfamiliar_kind: { kinds: [secret_read, pod_copy] } }'), 'kind.yaml');
    const w = world(cfg);
    const morning = token(S(T) - 40);
    for (let k = 0; k < 8; k++) expect(w.check('/api/v1/namespaces/pos/pods/sync-0/exec?command=sh&stdin=true&tty=true', morning, T + k * HOUR, SENSITIVE, 'POST').v.allow).toBe(true);
    const next = T + 24 * HOUR;
    const t = token(S(next) - 3 * 3600, 'sid-2');
    expect(w.check('/api/v1/namespaces/pos/pods/sync-0/exec?command=sh&stdin=true&tty=true', t, next, SENSITIVE, 'POST').codes).not.toContain('unfamiliar_kind');
    const copy = w.check('/api/v1/namespaces/pos/pods/loyalty-db-0/exec?command=tar&command=cf&command=-&command=%2Fvar%2Flib%2Fpostgresql%2Fdata&container=postgres&stdout=true', t, next + 1000, SENSITIVE, 'POST');
    expect(copy.codes).toContain('unfamiliar_kind');
    expect(copy.v.reason).toBe('auth_too_old');
    expect(copy.out.ok && copy.out.risk.context?.summary).toBe('create pods/exec in namespace pos: you have not copied files or a database out of or into a pod before');
    // Signed in after it: allowed, and the kind is learned.
    const fresh = token(S(next) + 60, 'sid-3');
    expect(w.check('/api/v1/namespaces/pos/pods/loyalty-db-0/exec?command=tar&command=cf&command=-&command=%2Fdata', fresh, next + 90_000, SENSITIVE, 'POST').v.allow).toBe(true);
    expect(w.check('/api/v1/namespaces/pos/pods/api-0/exec?command=pg_dump&command=-U&command=app', fresh, next + 4 * HOUR, SENSITIVE, 'POST').codes).not.toContain('unfamiliar_kind');
  });

  // Day 37: a DBA who copies reports in and out of the ledger's replica every hour (kubectl cp:
  // tar); malware with their token runs pg_dump into /tmp and copies the dump out with the DBA's
  // own tar. A dump of the database is a kind apart from the DBA's copies; the copy of the dump's
  // file that follows is the DBA's routine.
  it('with `database_copy` listed, an exec that dumps a database or copies its data directory is a kind of its own, apart from copies of files', () => {
    const cfg = parseConfig(yaml('  signals: { unfamiliar_kind: { kinds: [secret_read, pod_copy, database_copy] } }'), 'kind.yaml');
    const w = world(cfg);
    const CP_OUT = (file: string) => `/api/v1/namespaces/ledger-db/pods/ledger-pg-2/exec?command=tar&command=cf&command=-&command=${encodeURIComponent(file)}&container=postgres&stdout=true`;
    const CP_IN = '/api/v1/namespaces/ledger-db/pods/ledger-pg-2/exec?command=tar&command=xmf&command=-&command=-C&command=%2Ftmp&container=postgres&stdin=true';
    const morning = token(S(T) - 40);
    for (let k = 0; k < 8; k++) {
      expect(w.check(CP_IN, morning, T + k * HOUR, SENSITIVE, 'POST').v.allow).toBe(true);
      expect(w.check(CP_OUT(`/tmp/q1-recon-${k}.csv`), morning, T + k * HOUR + 1000, SENSITIVE, 'POST').v.allow).toBe(true);
    }
    const next = T + 24 * HOUR;
    const t = token(S(next) - 7 * 3600, 'sid-2');
    expect(w.check(CP_OUT('/tmp/q1-recon-9.csv'), t, next, SENSITIVE, 'POST').codes).not.toContain('unfamiliar_kind');
    const dump = w.check('/api/v1/namespaces/ledger-db/pods/ledger-pg-2/exec?command=pg_dump&command=-Fc&command=-f&command=%2Ftmp%2Fledger.dump&command=ledger&container=postgres&stdout=true', t, next + 1000, SENSITIVE, 'POST');
    expect(dump.codes).toContain('unfamiliar_kind');
    expect(dump.v.reason).toBe('auth_too_old');
    expect(dump.out.ok && dump.out.risk.context?.summary).toBe("create pods/exec in namespace ledger-db: you have not dumped a database or copied a database's files out of a pod before");
    // The data directory copied with kubectl cp's newest spelling is the same kind.
    const dir = w.check('/api/v1/namespaces/ledger-db/pods/ledger-pg-2/exec?command=tar&command=cf&command=-&command=-C&command=%2Fvar%2Flib%2Fpostgresql&command=--&command=data&container=postgres&stdout=true', t, next + 2000, SENSITIVE, 'POST');
    expect(dir.codes).toContain('unfamiliar_kind');
    // Signed in after it: allowed, and the kind is learned (a dump of another database too).
    const fresh = token(S(next) + 60, 'sid-3');
    expect(w.check('/api/v1/namespaces/ledger-db/pods/ledger-pg-2/exec?command=pg_dump&command=ledger', fresh, next + 90_000, SENSITIVE, 'POST').v.allow).toBe(true);
    expect(w.check('/api/v1/namespaces/cards-db/pods/cards-pg-0/exec?command=pg_dumpall', fresh, next + 4 * HOUR, SENSITIVE, 'POST').codes).not.toContain('unfamiliar_kind');
  });

  it('without `database_copy` listed, a dump counts as the copy it was (`pod_copy`)', () => {
    const cfg = parseConfig(yaml('  signals: { unfamiliar_kind: { kinds: [secret_read, pod_copy] } }'), 'kind.yaml');
    const w = world(cfg);
    const morning = token(S(T) - 40);
    for (let k = 0; k < 8; k++) expect(w.check('/api/v1/namespaces/ledger-db/pods/ledger-pg-2/exec?command=tar&command=cf&command=-&command=%2Ftmp%2Fr.csv', morning, T + k * HOUR, SENSITIVE, 'POST').v.allow).toBe(true);
    const next = T + 24 * HOUR;
    expect(w.check('/api/v1/namespaces/ledger-db/pods/ledger-pg-2/exec?command=pg_dump&command=ledger', token(S(next) - 3600, 'sid-2'), next, SENSITIVE, 'POST').codes).not.toContain('unfamiliar_kind');
  });

  // Day 24: a DBA who port-forwards to staging's database every day and reads production's pods;
  // malware with their token tunnels to production's database. A tunnel into production is a kind
  // apart from their staging tunnels.
  it('with `production_tunnel` listed, a port-forward into a namespace named as production is a kind of its own', () => {
    const cfg = parseConfig(yaml('  signals: { unfamiliar_kind: { kinds: [secret_read, production_tunnel] } }'), 'kind.yaml');
    const w = world(cfg);
    const morning = token(S(T) - 40);
    for (let k = 0; k < 8; k++) {
      expect(w.check('/api/v1/namespaces/orders-staging/pods/orders-db-0/portforward?ports=5432', morning, T + k * HOUR, SENSITIVE, 'POST').v.allow).toBe(true);
      expect(w.check('/api/v1/namespaces/orders-prod/pods', morning, T + k * HOUR + 1000).v.allow).toBe(true);
    }
    const next = T + 24 * HOUR;
    const t = token(S(next) - 5 * 3600, 'sid-2');
    expect(w.check('/api/v1/namespaces/orders-staging/pods/orders-db-0/portforward?ports=5432', t, next, SENSITIVE, 'POST').codes).not.toContain('unfamiliar_kind');
    // An exec into production is a shell, which is not listed.
    expect(w.check('/api/v1/namespaces/orders-prod/pods/api-0/exec?command=sh', t, next + 500, SENSITIVE, 'POST').codes).not.toContain('unfamiliar_kind');
    const tunnel = w.check('/api/v1/namespaces/orders-prod/pods/orders-db-0/portforward?ports=5432', t, next + 1000, SENSITIVE, 'POST');
    expect(tunnel.codes).toContain('unfamiliar_kind');
    expect(tunnel.v.reason).toBe('auth_too_old');
    expect(tunnel.out.ok && tunnel.out.risk.context?.summary).toBe('create pods/portforward in namespace orders-prod: you have not opened a port-forward into a production namespace before');
    // Every spelling of production's tier counts, and a name that is only the tier's token too.
    for (const ns of ['prod-orders', 'orders-production', 'live', 'orders-prd-euw1']) {
      expect(w.check(`/api/v1/namespaces/${ns}/pods/db-0/portforward`, t, next + 2000, SENSITIVE, 'POST').codes, ns).toContain('unfamiliar_kind');
    }
    // A name that says no environment (`orders`) is no production by name.
    expect(w.check('/api/v1/namespaces/orders/pods/db-0/portforward', t, next + 3000, SENSITIVE, 'POST').codes).not.toContain('unfamiliar_kind');
    // Signed in after it: allowed and learned.
    const fresh = token(S(next) + 60, 'sid-3');
    expect(w.check('/api/v1/namespaces/orders-prod/pods/orders-db-0/portforward?ports=5432', fresh, next + 90_000, SENSITIVE, 'POST').v.allow).toBe(true);
    expect(w.check('/api/v1/namespaces/orders-prod/pods/orders-db-1/portforward?ports=5432', fresh, next + 5 * HOUR, SENSITIVE, 'POST').codes).not.toContain('unfamiliar_kind');
  });

  // Day 29: an engineer (and the agent running their kubectl) reads staging's database Secret every
  // day and looks at production's pods; a prompt-injected agent, or whoever reaches their MCP
  // server, reads production's Secrets with their token. A Secret read in production is a kind
  // apart from staging's.
  it('with `production_secret_read` listed, a Secret read in a namespace named as production is a kind of its own', () => {
    const cfg = parseConfig(yaml('  signals: { unfamiliar_kind: { kinds: [secret_read, production_secret_read] } }'), 'kind.yaml');
    const w = world(cfg);
    const morning = token(S(T) - 40);
    for (let k = 0; k < 8; k++) {
      expect(w.check('/api/v1/namespaces/tracking-staging/secrets/tracking-db', morning, T + k * HOUR, SENSITIVE).v.allow).toBe(true);
      expect(w.check('/api/v1/namespaces/tracking-prod/pods', morning, T + k * HOUR + 1000).v.allow).toBe(true);
    }
    const next = T + 24 * HOUR;
    const t = token(S(next) - 5 * 3600, 'sid-2');
    expect(w.check('/api/v1/namespaces/tracking-staging/secrets/tracking-db', t, next, SENSITIVE).codes).not.toContain('unfamiliar_kind');
    const read = w.check('/api/v1/namespaces/tracking-prod/secrets/tracking-db', t, next + 1000, SENSITIVE);
    expect(read.codes).toContain('unfamiliar_kind');
    expect(read.v.reason).toBe('auth_too_old');
    expect(read.out.ok && read.out.risk.context?.summary).toBe('get secrets in namespace tracking-prod: you have not read Secrets in a production namespace before');
    // A namespace's list, and the cluster-wide list narrowed to production by its field selector, too.
    expect(w.check('/api/v1/namespaces/tracking-prod/secrets', t, next + 1500, SENSITIVE).codes).toContain('unfamiliar_kind');
    expect(w.check('/api/v1/secrets?fieldSelector=metadata.namespace%3Dorders-production', t, next + 1600, SENSITIVE).codes).toContain('unfamiliar_kind');
    // A name that says no environment is no production by name.
    expect(w.check('/api/v1/namespaces/tracking/secrets/tracking-db', t, next + 2000, SENSITIVE).codes).not.toContain('unfamiliar_kind');
    // Signed in after it: allowed and learned.
    const fresh = token(S(next) + 60, 'sid-3');
    expect(w.check('/api/v1/namespaces/tracking-prod/secrets/tracking-db', fresh, next + 90_000, SENSITIVE).v.allow).toBe(true);
    expect(w.check('/api/v1/namespaces/tracking-prod/secrets/tracking-ais-feed', fresh, next + 5 * HOUR, SENSITIVE).codes).not.toContain('unfamiliar_kind');
  });

  it('without `production_secret_read` listed, a production Secret is the `secret_read` it always was', () => {
    const cfg = parseConfig(yaml('  signals: { unfamiliar_kind: { kinds: [secret_read] } }'), 'kind.yaml');
    const w = world(cfg);
    const morning = token(S(T) - 40);
    for (let k = 0; k < 8; k++) expect(w.check('/api/v1/namespaces/tracking-staging/secrets/tracking-db', morning, T + k * HOUR, SENSITIVE).v.allow).toBe(true);
    const next = T + 24 * HOUR;
    expect(w.check('/api/v1/namespaces/tracking-prod/secrets/tracking-db', token(S(next) - 5 * 3600, 'sid-2'), next, SENSITIVE).codes).not.toContain('unfamiliar_kind');
  });

  it('without `pod_copy` listed, a copy counts as the shell it always was', () => {
    const w = analyst();
    const next = T + 24 * HOUR;
    const copy = w.check('/api/v1/namespaces/team-a/pods/api-0/exec?command=tar&command=cf&command=-&command=%2Ftmp', token(S(next) - 3600, 'sid-2'), next, SENSITIVE, 'POST');
    expect(copy.out.ok && copy.out.risk.context?.summary).toMatch(/: you have not opened a shell or tunnel into a pod before$/);
  });

  it("a Service itself, its status or an endpoint slice is no kind", () => {
    const w = analyst();
    const next = T + 24 * HOUR;
    const t = token(S(next) - 3600, 'sid-2');
    expect(w.check('/api/v1/namespaces/team-a/services/api', t, next, SENSITIVE).codes).not.toContain('unfamiliar_kind');
    expect(w.check('/api/v1/namespaces/team-a/services/api/status', t, next + 1000, SENSITIVE).codes).not.toContain('unfamiliar_kind');
  });

  it('says how long the history is', () => {
    expect(historyText(HOUR)).toBe('1 hour');
    expect(historyText(20 * HOUR + 59 * 60_000)).toBe('20 hours');
    expect(historyText(30 * 24 * HOUR)).toBe('30 days');
  });
});
