import { Buffer } from 'node:buffer';
import { createHash } from 'node:crypto';
import { createInterface } from 'node:readline';
import { Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import type { Config } from '../config/schema.js';
import { reasonKind, type ReasonCode } from '../core/reasons.js';
import type { Verdict } from '../decision/verdict.js';
import { GUARDRAIL_RULE_PREFIX } from '../guardrails/effect.js';
import { isInspected } from '../guardrails/inspect.js';
import type { AssuranceModel } from '../core/assurance.js';
import type { VerifierOptions } from '../identity/verifier.js';
import { check } from '../pipeline/check.js';
import { buildRuntime, type Runtime } from '../pipeline/runtime.js';
import type { Requirement } from '../policy/policy.js';
import type { RiskAssessment } from '../risk/engine.js';
import type { RawRequest } from '../request/attributes.js';
import { buildAttributes } from '../request/build.js';
import { parseCheckRequest } from '../server/grpc/check.js';
import { parseAuditRecords, RuntimeLines, type AuditEvent, type LineProblem, type ParsedLine } from './event.js';
import { AuditIdentities, describeAssurance, ReplayInputError, type AssuranceMode, type AssuranceSource } from './identity.js';
import { checkRequestOf, methodOf } from './request.js';

/**
 * `stepgate replay`: a Kubernetes audit log judged by a configuration, request by request, through
 * the servers' own check() with the risk engine on (memory state) and the clock set to each
 * request's own time. Streaming: one line in memory at a time, bounded tables for deduplication,
 * per-user sample lists capped. The report holds what the log shows and stepgate concluded, never
 * a credential (the log has none).
 */

export interface ReplayOptions {
  /** Host the requests are judged as sent to; default: the first literal `kubernetes.hosts` entry. */
  host?: string | undefined;
  /** Issuer the audit users are attributed to; default: the first configured one. */
  issuer?: string | undefined;
  assurance: AssuranceSource;
  /** Judge `system:` users too (control plane, nodes, service accounts); they rarely pass a gateway. */
  includeSystem: boolean;
  /** Report what the configuration enforces as written; by default shadowed elements count as enforced. */
  asConfigured: boolean;
  /** Requests kept per user, day and outcome (audit IDs). */
  samples: number;
  /** The config file's name, for the report. */
  configName: string;
  /** The log's name ('-' for stdin), for the report. */
  logName: string;
}

export interface Tally {
  total: number;
  by_reason: Record<string, number>;
  by_rule: Record<string, number>;
  by_band: Record<string, number>;
  by_guardrail: Record<string, number>;
  /** Bound to a sign-in after a new network, device or client appeared (risk:context). */
  context: number;
}

export interface Sample {
  audit_id: string;
  at: string;
  verb: string;
  /** requestURI without its query. */
  path: string;
  reason: ReasonCode;
  rules: readonly string[];
}

export interface UserDay {
  day: string;
  user: string;
  automation: boolean;
  requests: number;
  allowed: number;
  challenges: Tally;
  denials: Tally;
  /** Automation asked for a step-up it cannot do: each needs a human approval. */
  approvals: Tally;
  samples: { challenges: Sample[]; denials: Sample[]; approvals: Sample[] };
  /** Requests beyond the sample cap, per outcome. */
  samples_omitted: { challenges: number; denials: number; approvals: number };
  assurance: Record<AssuranceMode, number>;
}

export interface ReplayReport {
  config: string;
  audit_log: string;
  host: string;
  issuer: string;
  /** Issuers service accounts were attributed to, as automation the configuration names (replay/identity.ts). */
  service_account_issuers: string[];
  assurance: string;
  counted: 'as configured' | 'shadowed elements as enforced';
  input: {
    lines: number;
    events: number;
    stages_deduplicated: number;
    requests: number;
    skipped_system_users: number;
    /** Inspected writes whose body the audit level did not record: judged without guardrails. */
    bodies_not_recorded: number;
    malformed: { total: number; by_problem: Partial<Record<LineProblem | 'unknown_verb', number>>; first: { line: number; problem: string; detail: string }[] };
    from: string | undefined;
    to: string | undefined;
  };
  totals: { requests: number; allowed: number; challenges: number; denials: number; approvals: number };
  days: UserDay[];
}

/** Requests that reached ResponseStarted (watches, exec) and whose ResponseComplete is still to come. */
const MAX_OPEN = 500_000;
/** Finished requests remembered to drop a late duplicate stage. */
const MAX_RECENT = 200_000;
/** RequestReceived stages waiting for a later stage (with the body): at most this many, this long. */
const MAX_PENDING = 100_000;
const PENDING_MS = 10_000;
const MAX_REPORTED_PROBLEMS = 20;
const WRITES = new Set(['POST', 'PUT', 'PATCH']);

export async function replay(config: Config, input: Readable, opts: ReplayOptions): Promise<ReplayReport> {
  let clock = 0;
  let identities: AuditIdentities | undefined;
  // Live behaviour, minus what replay cannot have: no step-up cookies or flow (the log has no
  // browsers), no plugin challenge records, and memory state only (a fresh history).
  const cfg: Config = {
    ...config,
    stepup: { ...config.stepup, oidc: undefined, session: undefined },
    kubernetes: { ...config.kubernetes, challenge_ttl_seconds: 0 },
    state: { ...config.state, store: 'memory', redis: undefined },
  };
  const rt: Runtime = buildRuntime(cfg, {
    fetch: () => Promise.reject(new Error('replay fetches nothing')),
    now: () => clock,
    env: {},
    verifier: (c: Config, a: AssuranceModel, o: VerifierOptions) => (identities = new AuditIdentities(c, a, o, opts.issuer, opts.assurance)),
  });
  const ids = identities!;
  const unguarded: Runtime = rt.guardrails?.enabled ? { ...rt, guardrails: undefined } : rt;
  const host = opts.host ?? cfg.kubernetes.hosts.find((h) => !/[*?[]/.test(h));
  if (host === undefined) throw new ReplayInputError('kubernetes.hosts has no literal host name: give --host');
  if (!rt.kubeHosts.matches(host.toLowerCase(), {})) throw new ReplayInputError(`--host ${JSON.stringify(host)} is not one of kubernetes.hosts: its requests would not be read as Kubernetes requests`);

  const report: ReplayReport = {
    config: opts.configName,
    audit_log: opts.logName,
    host,
    issuer: ids.issuer,
    service_account_issuers: [],
    assurance: describeAssurance(opts.assurance),
    counted: opts.asConfigured ? 'as configured' : 'shadowed elements as enforced',
    input: {
      lines: 0,
      events: 0,
      stages_deduplicated: 0,
      requests: 0,
      skipped_system_users: 0,
      bodies_not_recorded: 0,
      malformed: { total: 0, by_problem: {}, first: [] },
      from: undefined,
      to: undefined,
    },
    totals: { requests: 0, allowed: 0, challenges: 0, denials: 0, approvals: 0 },
    days: [],
  };
  const days = new Map<string, UserDay>();
  const open = new Set<string>();
  const recent = new Set<string>();
  const pending = new Map<string, AuditEvent>();
  let first = Infinity;
  let last = -Infinity;

  const problem = (line: number, code: LineProblem | 'unknown_verb', detail: string) => {
    const m = report.input.malformed;
    m.total++;
    m.by_problem[code] = (m.by_problem[code] ?? 0) + 1;
    if (m.first.length < MAX_REPORTED_PROBLEMS) m.first.push({ line, problem: code, detail });
  };
  const remember = (set: Set<string>, id: string, max: number) => {
    if (set.size >= max) set.delete(set.values().next().value!);
    set.add(id);
  };

  const judge = async (ev: AuditEvent, line: number): Promise<void> => {
    const method = methodOf(ev.verb);
    if (method === undefined) return problem(line, 'unknown_verb', `verb ${JSON.stringify(ev.verb.slice(0, 40))}`);
    if (!opts.includeSystem && ev.user.username.startsWith('system:')) {
      report.input.skipped_system_users++;
      return;
    }
    const id = ids.identify(ev);
    // The log's own clock; never backwards (stages are written when they happen, not in request order).
    if (ev.receivedAt > clock) clock = ev.receivedAt;
    if (ev.receivedAt < first) first = ev.receivedAt;
    if (ev.receivedAt > last) last = ev.receivedAt;
    const parsed = parseCheckRequest(checkRequestOf(ev, method, host, id.token), rt.headerLimits, rt.maxBodyBytes);
    // Only a write the guardrails read loses something without its body: an exec, a lease renewal
    // or a scale has none to inspect, and is neither counted nor judged differently.
    const bodyless = ev.requestObject === undefined && WRITES.has(method) && unguarded !== rt && parsed.ok && guardrailsRead(parsed.raw, parsed.spoofed, rt);
    if (bodyless) report.input.bodies_not_recorded++;
    const c = check(bodyless ? unguarded : rt, parsed);
    const { verdict } = c instanceof Promise ? await c : c;
    tally(ev, id.subject, id.mode, verdict);
  };

  const tally = (ev: AuditEvent, user: string, mode: AssuranceMode, v: Verdict) => {
    report.input.requests++;
    const day = new Date(ev.receivedAt).toISOString().slice(0, 10);
    const key = `${day}\n${user}`;
    let d = days.get(key);
    if (d === undefined) {
      d = newUserDay(day, user, v.identity?.automation === true);
      days.set(key, d);
    }
    d.requests++;
    d.assurance[mode]++;
    report.totals.requests++;
    const o = outcomeOf(v, opts.asConfigured);
    if (o.allow) {
      d.allowed++;
      report.totals.allowed++;
      return;
    }
    const stepUp = reasonKind(o.reason) === 'step_up' || reasonKind(o.reason) === 'unauthenticated';
    // Automation cannot step up: what it is asked for, it can only get by a human's approval
    // (also when no approval could be bound to the request, e.g. a write whose body was not logged).
    const kind = o.reason === 'approval_required' || o.reason === 'approval_rejected' || (stepUp && v.identity?.automation === true) ? 'approvals' : stepUp ? 'challenges' : 'denials';
    report.totals[kind]++;
    count(d[kind], o);
    if (d.samples[kind].length < opts.samples) {
      const q = ev.requestURI.indexOf('?');
      const path = q < 0 ? ev.requestURI : ev.requestURI.slice(0, q);
      d.samples[kind].push({ audit_id: ev.auditID.slice(0, 64), at: new Date(ev.receivedAt).toISOString(), verb: ev.verb, path: path.length > 200 ? `${path.slice(0, 200)}…` : path, reason: o.reason, rules: o.requirement?.rules ?? [] });
    } else d.samples_omitted[kind]++;
  };

  const flushPending = async (before: number) => {
    for (const [id, ev] of pending) {
      if (ev.receivedAt >= before && pending.size <= MAX_PENDING) break;
      pending.delete(id);
      remember(recent, id, MAX_RECENT);
      await judge(ev, 0);
    }
  };

  const take = async (p: ParsedLine, n: number) => {
    if (!p.ok) {
      problem(n, p.problem, p.detail);
      return;
    }
    report.input.events++;
    const ev = p.event;
    const id = requestKey(ev);
    if (open.has(id) || recent.has(id) || pending.has(id)) {
      report.input.stages_deduplicated++;
      if (ev.stage === 'ResponseComplete' || ev.stage === 'Panic') {
        if (open.delete(id)) remember(recent, id, MAX_RECENT);
        // A later stage of a pending request carries the body: judge that one instead.
        const held = pending.get(id);
        if (held !== undefined) {
          pending.delete(id);
          remember(recent, id, MAX_RECENT);
          await judge(ev, n);
        }
      } else if (ev.stage === 'ResponseStarted' && pending.has(id)) {
        pending.delete(id);
        remember(open, id, MAX_OPEN);
        await judge(ev, n);
      }
      return;
    }
    if (pending.size > 0) await flushPending(ev.receivedAt - PENDING_MS);
    if (ev.stage === 'RequestReceived') {
      pending.set(id, ev);
      return;
    }
    remember(ev.stage === 'ResponseStarted' ? open : recent, id, ev.stage === 'ResponseStarted' ? MAX_OPEN : MAX_RECENT);
    await judge(ev, n);
  };

  const lines = createInterface({ input: await decompressed(input), crlfDelay: Infinity });
  const runtime = new RuntimeLines();
  let n = 0;
  const read = async (original: string | number) => {
    if (typeof original === 'number') return take({ ok: false, problem: 'line_too_long', detail: `${original} characters` }, n);
    for (const p of parseAuditRecords(original)) await take(p, n);
  };
  for await (const text of lines) {
    n++;
    if (text.trim() === '') continue;
    report.input.lines++;
    for (const original of runtime.push(text)) await read(original);
  }
  for (const original of runtime.end()) await read(original);
  await flushPending(Infinity);
  report.input.from = Number.isFinite(first) ? new Date(first).toISOString() : undefined;
  report.input.to = Number.isFinite(last) ? new Date(last).toISOString() : undefined;
  report.days = [...days.values()].sort((a, b) => (a.day === b.day ? a.user.localeCompare(b.user) : a.day.localeCompare(b.day)));
  report.service_account_issuers = ids.serviceAccountIssuers;
  return report;
}

/**
 * Which request an event is a stage of. The auditID alone does not say: kube-apiserver takes it from
 * the client's `Audit-ID` header when there is one, so two requests can share it (a client reusing
 * one, or to hide a request behind another's), and so do hand-written fixtures. The stages of one
 * request also share its verb, user and URI; a digest keeps the key short in the bounded tables.
 */
function requestKey(ev: AuditEvent): string {
  return `${ev.auditID}\n${createHash('sha256').update(`${ev.verb}\n${ev.user.username}\n${ev.requestURI}`).digest('base64url').slice(0, 22)}`;
}

function guardrailsRead(raw: RawRequest, spoofed: readonly string[], rt: Runtime): boolean {
  const built = buildAttributes(raw, spoofed, rt.kubeHosts);
  return built.ok && built.attributes.kube !== undefined && isInspected(built.attributes.kube);
}

interface Outcome {
  allow: boolean;
  reason: ReasonCode;
  requirement: Requirement | undefined;
  risk: RiskAssessment | undefined;
}

/** The verdict counted: by default the would-be one (what enforcing every element would do). */
function outcomeOf(v: Verdict, asConfigured: boolean): Outcome {
  const s = asConfigured ? undefined : v.shadow;
  return s ? { allow: s.allow, reason: s.reason, requirement: s.requirement, risk: s.risk } : { allow: v.allow, reason: v.reason, requirement: v.requirement, risk: v.risk };
}

function count(t: Tally, o: Outcome): void {
  t.total++;
  t.by_reason[o.reason] = (t.by_reason[o.reason] ?? 0) + 1;
  for (const r of o.requirement?.rules ?? []) {
    if (r.startsWith(GUARDRAIL_RULE_PREFIX)) {
      const g = r.slice(GUARDRAIL_RULE_PREFIX.length);
      t.by_guardrail[g] = (t.by_guardrail[g] ?? 0) + 1;
    } else if (r === 'risk:context') t.context++;
    else if (!r.startsWith('risk:')) t.by_rule[r] = (t.by_rule[r] ?? 0) + 1;
  }
  const band = o.risk?.band;
  if (band !== undefined) t.by_band[band] = (t.by_band[band] ?? 0) + 1;
}

function emptyTally(): Tally {
  return { total: 0, by_reason: {}, by_rule: {}, by_band: {}, by_guardrail: {}, context: 0 };
}

function newUserDay(day: string, user: string, automation: boolean): UserDay {
  return {
    day,
    user,
    automation,
    requests: 0,
    allowed: 0,
    challenges: emptyTally(),
    denials: emptyTally(),
    approvals: emptyTally(),
    samples: { challenges: [], denials: [], approvals: [] },
    samples_omitted: { challenges: 0, denials: 0, approvals: 0 },
    assurance: { extra: 0, assumed: 0, unknown: 0 },
  };
}

/** The input as bytes, gunzipped when it starts with the gzip magic bytes (a file or stdin). */
async function decompressed(input: Readable): Promise<Readable> {
  const it = (input as AsyncIterable<Buffer | string>)[Symbol.asyncIterator]();
  const first = await it.next();
  if (first.done === true) return Readable.from([]);
  const head = bytes(first.value);
  const rest = Readable.from(
    (async function* () {
      yield head;
      for (;;) {
        const n = await it.next();
        if (n.done === true) return;
        yield bytes(n.value);
      }
    })(),
    { objectMode: false },
  );
  if (head.length < 2 || head[0] !== 0x1f || head[1] !== 0x8b) return rest;
  const gunzip = createGunzip();
  rest.on('error', (err) => gunzip.destroy(err));
  return rest.pipe(gunzip);
}

function bytes(c: Buffer | string): Buffer {
  return typeof c === 'string' ? Buffer.from(c, 'utf8') : c;
}
