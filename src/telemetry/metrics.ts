import { ValueType, type Attributes, type HrTime } from '@opentelemetry/api';
import { monitorEventLoopDelay, type IntervalHistogram } from 'node:perf_hooks';
import { getHeapStatistics } from 'node:v8';
import { hrTime } from '@opentelemetry/core';
import { emptyResource } from '@opentelemetry/resources';
import {
  AggregationTemporality,
  DataPointType,
  type CollectionResult,
  type Histogram,
  type MetricData,
  type MetricProducer,
} from '@opentelemetry/sdk-metrics';
import type { ClientKind } from '../decision/respond.js';
import { REASON_CODES, reasonKind, type ReasonCode } from '../core/reasons.js';
import type { ShadowVerdict, Verdict } from '../decision/verdict.js';
import type { TokenVerifier } from '../identity/verifier.js';
import type { Requirement } from '../policy/policy.js';
import { scriptCounts } from '../state/script-counts.js';

/**
 * stepgate's metrics. The names are the Prometheus names (OTLP receives the same names, counters
 * without `_total`, which Prometheus' own OTLP translation adds back). Labels are bounded by the
 * configuration, never by traffic: no subject, path, token or client address is ever a label.
 * docs/observability.md documents each one; a test checks that it lists them all, and another
 * that the Grafana dashboard uses only these names.
 */
export const METRICS = {
  checkDuration: {
    name: 'stepgate_check_duration_seconds',
    type: 'histogram',
    labels: ['decision', 'token_cache'],
    help: 'Time from receiving a Check to handing its answer to gRPC, by decision and token-cache outcome (hit, miss, none when no token was verified).',
  },
  decisions: {
    name: 'stepgate_decisions',
    type: 'counter',
    labels: ['decision', 'reason'],
    help: 'Checks answered, by decision and reason code.',
  },
  ruleDecisions: {
    name: 'stepgate_rule_decisions',
    type: 'counter',
    labels: ['rule', 'decision', 'mode'],
    help: 'Checks by matched rule (one count per rule that matched, "default" when none did; risk bands as risk:<band>, guardrails as guardrail:<code>) and decision: allow, stepup (a challenge for a stronger or fresher authentication) or deny (anything else refused). mode is enforce, or shadow for a shadowed element, counted with the decision it would have given.',
  },
  shadowDecisions: {
    name: 'stepgate_shadow_decisions',
    type: 'counter',
    labels: ['rule', 'decision', 'reason'],
    help: 'Checks a shadowed element (mode: shadow) took part in, by element (rule name, risk:<band>, risk:context, guardrail:<code>) and the decision and reason the request would have got with it enforced; never what was answered.',
  },
  challenges: {
    name: 'stepgate_stepup_challenges',
    type: 'counter',
    labels: ['reason', 'client_kind', 'level'],
    help: 'Step-up challenges issued (401 challenge or 302 to the step-up URL), by reason, client kind and required level.',
  },
  completions: {
    name: 'stepgate_stepup_completions',
    type: 'counter',
    labels: ['reason', 'level'],
    help: 'Inferred step-up completions: a subject challenged with acr_insufficient, auth_too_old or auth_time_missing was allowed on the same rules within 15 minutes. Labels are those of the challenge.',
  },
  ruleCompletions: {
    name: 'stepgate_rule_stepup_completions',
    type: 'counter',
    labels: ['rule'],
    help: 'Inferred step-up completions by rule of the completed challenge (one count per rule).',
  },
  guardrailHits: {
    name: 'stepgate_guardrail_hits',
    type: 'counter',
    labels: ['guardrail'],
    help: 'Guardrail violations found in request bodies, by guardrail code (one count per code per Check).',
  },
  unlistedApiRequests: {
    name: 'stepgate_unlisted_api_requests',
    type: 'counter',
    labels: ['action'],
    help: 'Kubernetes API requests on a host not in kubernetes.hosts (kubernetes.unlisted_api_requests), by what became of them: refuse (kubernetes_host_unlisted), judge (as a Kubernetes request) or allow (through as a web request). The decision record names the host (unlisted_api).',
  },
  approvals: {
    name: 'stepgate_approvals',
    type: 'counter',
    labels: ['event'],
    help: 'Automation approvals seen on the Check path: required (a request held for approval), rejected (a rejected approval refused its retry), used (an approved retry let through).',
  },
  processCpu: {
    name: 'process_cpu_seconds',
    type: 'counter',
    labels: ['mode'],
    help: 'CPU time of the process, by mode (user, system).',
  },
  processMemory: {
    name: 'process_resident_memory_bytes',
    type: 'gauge',
    labels: [],
    help: 'Resident set size of the process.',
  },
  processStart: {
    name: 'process_start_time_seconds',
    type: 'gauge',
    labels: [],
    help: 'Start time of the process, in seconds since the epoch.',
  },
  heap: {
    name: 'nodejs_heap_bytes',
    type: 'gauge',
    labels: ['space'],
    help: 'V8 heap: used, total (allocated) and limit (the most it may grow to).',
  },
  eventLoopDelay: {
    name: 'nodejs_eventloop_delay_seconds',
    type: 'gauge',
    labels: ['quantile'],
    help: 'Event-loop delay since the previous collection (a scrape or an OTLP export), as quantiles 0.5, 0.99 and 1 (the maximum). A Check waits this long before it starts.',
  },
  tokenCacheLookups: {
    name: 'stepgate_token_cache_lookups',
    type: 'counter',
    labels: ['result'],
    help: 'Token-cache lookups by result: hit (verified token), negative_hit (refused token), miss (signature check needed).',
  },
  tokenCacheEntries: {
    name: 'stepgate_token_cache_entries',
    type: 'gauge',
    labels: ['cache'],
    help: 'Entries in the token cache (positive: verified tokens; negative: refused tokens).',
  },
  tokenCacheBytes: {
    name: 'stepgate_token_cache_bytes',
    type: 'gauge',
    labels: [],
    help: 'Estimated memory held for cached tokens: both token caches, the identity values they share, the encoded answers kept for them and the access proxy assertions kept by their text; bench/token-cache.ts compares it with the measured heap.',
  },
  jwksRefreshes: {
    name: 'stepgate_jwks_refreshes',
    type: 'counter',
    labels: ['issuer', 'outcome'],
    help: 'JWKS (and discovery) fetches by issuer and outcome (ok, error).',
  },
  jwksRefreshDuration: {
    name: 'stepgate_jwks_refresh_duration_seconds',
    type: 'histogram',
    labels: ['issuer', 'outcome'],
    help: 'Duration of JWKS (and discovery) fetches by issuer and outcome.',
  },
  riskScore: {
    name: 'stepgate_risk_score',
    type: 'histogram',
    labels: ['decision'],
    help: 'Risk scores (0-100) of the requests the risk engine assessed, by decision.',
  },
  stateErrors: {
    name: 'stepgate_state_errors',
    type: 'counter',
    labels: ['store'],
    help: 'State store calls that failed or timed out (the request was then refused with state_unavailable or assessed pessimistically, per state.on_state_error).',
  },
  stateScriptCalls: {
    name: 'stepgate_state_script_calls',
    type: 'counter',
    labels: [],
    help: 'Script calls the Redis state store sent for Checks: one per event-loop turn\'s batch (state/redis.ts).',
  },
  stateScriptChecks: {
    name: 'stepgate_state_script_checks',
    type: 'counter',
    labels: [],
    help: 'Checks the Redis state store sent in those calls; divided by stepgate_state_script_calls_total, the Checks per batch.',
  },
  incidentsActive: {
    name: 'stepgate_incidents_active',
    type: 'gauge',
    labels: [],
    help: 'Incidents in force now (issue 15), as this replica\'s mirror of the state store sees them.',
  },
  // config14: reloaded keys that wait for a restart.
  configRestartPending: {
    name: 'stepgate_config_restart_pending',
    type: 'gauge',
    labels: [],
    help: 'Keys of the reloaded configuration file that are read only at start and differ from the running value: restart to apply them (each is named in a config_reload warning).',
  },
  revocations: {
    name: 'stepgate_revocations',
    type: 'counter',
    labels: ['kind', 'via'],
    help: 'Revocations (subject or session; by the admin API or a Shared Signals event) this replica applied.',
  },
  deviceCertificates: {
    name: 'stepgate_device_certificates',
    type: 'counter',
    labels: ['outcome', 'code'],
    help: 'Answers of the device-certificate endpoint (device_certificates): issued (code none), or refused by reason code (an enrolment refusal, or the token reason code for a token that did not verify).',
  },
  checksShed: {
    name: 'stepgate_checks_shed',
    type: 'counter',
    labels: [],
    help: 'Checks refused at once with reason overloaded because server.max_inflight_checks were already in flight (not counted in stepgate_decisions_total).',
  },
  spansDropped: {
    name: 'stepgate_spans_dropped',
    type: 'counter',
    labels: [],
    help: 'Sampled spans that were never exported because the span queue (OTEL_BSP_MAX_QUEUE_SIZE) was full: the collector is slow or down, or the export cannot keep up. The Checks were answered regardless.',
  },
  telemetryErrors: {
    name: 'stepgate_telemetry_errors',
    type: 'counter',
    labels: ['component'],
    help: 'Failures inside telemetry (tracing, audit log) that were contained so the Check was still answered.',
  },
} as const satisfies Record<string, { name: string; type: 'counter' | 'gauge' | 'histogram'; labels: readonly string[]; help: string }>;

export type MetricName = (typeof METRICS)[keyof typeof METRICS]['name'];

/** The name Prometheus scrapes: monotonic counters get `_total`. */
export function prometheusName(m: (typeof METRICS)[keyof typeof METRICS]): string {
  return m.type === 'counter' ? `${m.name}_total` : m.name;
}

/** Seconds; down to 50 µs because a cached allow takes tens of microseconds. */
export const CHECK_BUCKETS = [
  0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5,
];
const RISK_BUCKETS = [0, 10, 20, 30, 40, 50, 60, 70, 80, 90, 100];
const JWKS_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

export type TelemetryComponent = 'tracing' | 'audit' | 'metrics';

class CounterSeries {
  value = 0;
  constructor(readonly attributes: Attributes) {}
}

class HistogramSeries {
  readonly counts: number[];
  sum = 0;
  count = 0;
  min = Infinity;
  max = -Infinity;

  constructor(
    readonly attributes: Attributes,
    readonly boundaries: readonly number[],
  ) {
    this.counts = new Array<number>(boundaries.length + 1).fill(0);
  }

  record(v: number): void {
    const b = this.boundaries;
    let i = 0;
    while (i < b.length && v > b[i]!) i++;
    this.counts[i]!++;
    this.sum += v;
    this.count++;
    if (v < this.min) this.min = v;
    if (v > this.max) this.max = v;
  }

  value(): Histogram {
    return {
      buckets: { boundaries: [...this.boundaries], counts: [...this.counts] },
      sum: this.sum,
      count: this.count,
      min: this.count > 0 ? this.min : undefined,
      max: this.count > 0 ? this.max : undefined,
    };
  }
}

const PROCESS_START_SECONDS = Math.round((Date.now() - performance.now()) / 1000);

const REASON_INDEX = Object.fromEntries(REASON_CODES.map((c, i) => [c, i])) as Record<ReasonCode, number>;
/** Reasons reached only after the token verifier was consulted (so its cache was hit or missed). */
const VERIFIED = Object.fromEntries(
  REASON_CODES.map((c) => [c, c !== 'token_missing' && (reasonKind(c) === 'unauthenticated' || c === 'jwks_unavailable')]),
) as Record<ReasonCode, boolean>;
/** What a refusal asks of the caller, for the per-rule counter: a stronger/fresher sign-in, or nothing it can do. */
const RULE_DECISION = Object.fromEntries(
  REASON_CODES.map((c) => [c, reasonKind(c) === 'allow' ? 0 : reasonKind(c) === 'step_up' ? 1 : 2]),
) as Record<ReasonCode, 0 | 1 | 2>;
const RULE_DECISION_NAMES = ['allow', 'stepup', 'deny'] as const;
const DEFAULT_RULES: readonly string[] = Object.freeze(['default']);

export type TokenCacheOutcome = 'hit' | 'miss' | 'none';

/** hit | miss | none (no token was verified: none presented, or the request was refused before). */
export function tokenCacheOutcome(v: Verdict): TokenCacheOutcome {
  if (v.tokenCached) return 'hit';
  return v.identity !== undefined || VERIFIED[v.reason] ? 'miss' : 'none';
}

const rulesLabels = new WeakMap<Requirement, string>();

/** The `rules` label: matched rule names joined with ','; computed once per (memoised) Requirement. */
export function rulesLabel(r: Requirement | undefined): string {
  if (r === undefined) return '';
  let s = rulesLabels.get(r);
  if (s === undefined) {
    s = r.rules.join(',');
    rulesLabels.set(r, s);
  }
  return s;
}

/**
 * Counts what the Check path reports and hands it to OpenTelemetry readers (the Prometheus
 * endpoint, the OTLP reader) as a MetricProducer.
 *
 * Why not the SDK's synchronous instruments: each `add`/`record` there hashes its attribute
 * object (sort + JSON.stringify), measured at 1.5–2 µs and several allocations per call, so
 * two or three per Check would cost about a fifth of stepgate's own work on a cached token. The
 * label sets here are few and known, so each series is resolved once (per Requirement object
 * and reason) and a Check costs a few table lookups and increments. Everything is cumulative.
 */
export class StepgateMetrics implements MetricProducer {
  private readonly startTime: HrTime = hrTime();
  private readonly decisions = new Map<string, CounterSeries>();
  /** By reason index: the decision is a function of the reason, so one series each. */
  private readonly decisionsByReason: (CounterSeries | undefined)[] = new Array<CounterSeries | undefined>(REASON_CODES.length);
  /** rule name → [allow, stepup, deny]: one series per rule however rules combine. */
  private readonly ruleDecisions = new Map<string, CounterSeries[]>();
  /** The same for shadowed elements (mode="shadow"): a rule is in one mode at a time, so no series doubles. */
  private readonly shadowRuleDecisions = new Map<string, CounterSeries[]>();
  private readonly shadowDecisions = new Map<string, CounterSeries>();
  private readonly ruleCompletions = new Map<string, CounterSeries>();
  private readonly guardrailHits = new Map<string, CounterSeries>();
  private readonly approvals = new Map<string, CounterSeries>();
  private readonly unlistedApi = new Map<string, CounterSeries>();
  private readonly loopDelay: IntervalHistogram;
  /** decision (allow, deny) × token cache (hit, miss, none). */
  private readonly durations: HistogramSeries[] = [];
  private readonly challenges = new Map<string, CounterSeries>();
  /**
   * The same series as `challenges`, by reason, client kind and level in nested Maps: found
   * without joining a key per challenge (a challenge is a hot path too: clients repeat them).
   * Bounded like `challenges` (closed reasons, three kinds, the configured levels).
   */
  private readonly challengeIndex = new Map<string, Map<string, Map<string, CounterSeries>>>();
  private readonly completions = new Map<string, CounterSeries>();
  private readonly jwksCounts = new Map<string, CounterSeries>();
  private readonly jwksDurations = new Map<string, HistogramSeries>();
  private readonly telemetryErrors = new Map<string, CounterSeries>();
  private readonly stateErrors = new Map<string, CounterSeries>();
  private readonly revocationCounts = new Map<string, CounterSeries>();
  private readonly deviceCertificateCounts = new Map<string, CounterSeries>();
  /** Incidents in force, read at collection time; undefined without `incident`. */
  incidents: () => number | undefined = () => undefined;
  /** Spans dropped by the span recorder's full queue since startup, read at collection time (0 with tracing off). */
  spansDropped: () => number = () => 0;
  /** The gRPC server's encoded answers for cached tokens (main.ts), part of stepgate_token_cache_bytes. */
  encodedAnswerBytes: () => number = () => 0;
  /** The access proxy's front of assertions seen again (identity/access-proxy.ts), part of stepgate_token_cache_bytes. */
  assertionFrontBytes: () => number = () => 0;
  /** Set by each reload: how many restart-only keys the file has changed (main.ts). */
  restartPending = 0;
  private readonly shed = new CounterSeries(Object.freeze({}));
  private readonly riskScores = [
    new HistogramSeries(Object.freeze({ decision: 'allow' }), RISK_BUCKETS),
    new HistogramSeries(Object.freeze({ decision: 'deny' }), RISK_BUCKETS),
  ];
  /** Lookups of verifiers that a reload replaced, so the counters never go backwards. */
  private retired = { hits: 0, negativeHits: 0, misses: 0 };
  private lastVerifier: TokenVerifier | undefined;

  constructor(
    private readonly verifier: () => TokenVerifier | undefined,
    private readonly scope: { name: string; version: string },
  ) {
    for (const decision of ['allow', 'deny']) {
      for (const token_cache of ['hit', 'miss', 'none']) {
        this.durations.push(new HistogramSeries(Object.freeze({ decision, token_cache }), CHECK_BUCKETS));
      }
    }
    // Sampled by libuv timers, off the Check path; unref'd so it never holds the process open.
    this.loopDelay = monitorEventLoopDelay({ resolution: 10 });
    this.loopDelay.enable();
  }

  /** Stops the event-loop sampler (a replaced or shut-down telemetry). */
  close(): void {
    this.loopDelay.disable();
  }

  /** One per answered Check. */
  check(v: Verdict, seconds: number): void {
    const i = REASON_INDEX[v.reason];
    let series = this.decisionsByReason[i];
    if (series === undefined) {
      series = this.decisionsByReason[i] = seriesFor(this.decisions, { decision: v.allow ? 'allow' : 'deny', reason: v.reason });
    }
    series.value++;
    const r = v.requirement;
    const shadow = v.shadow;
    if (r !== undefined) {
      const kind = v.allow ? 0 : RULE_DECISION[v.reason];
      // The global shadow mode enforces no rule at all (an empty list): nothing to count as enforced.
      const rules = r.rules.length > 0 || shadow !== undefined ? r.rules : DEFAULT_RULES;
      for (let k = 0; k < rules.length; k++) this.ruleRow(this.ruleDecisions, rules[k]!, 'enforce')[kind]!.value++;
    }
    if (shadow !== undefined) this.shadowed(shadow);
    const g = v.guardrails;
    if (g !== undefined) for (const code of g.contribution.codes) seriesFor(this.guardrailHits, { guardrail: code }).value++;
    if (v.reason === 'approval_required') seriesFor(this.approvals, { event: 'required' }).value++;
    else if (v.reason === 'approval_rejected') seriesFor(this.approvals, { event: 'rejected' }).value++;
    else if (v.allow && v.approval !== undefined) seriesFor(this.approvals, { event: 'used' }).value++;
    if (v.reason === 'kubernetes_host_unlisted') seriesFor(this.unlistedApi, { action: 'refuse' }).value++;
    else if (v.attributes?.unlistedApi !== undefined) seriesFor(this.unlistedApi, { action: v.attributes.kube === undefined ? 'allow' : 'judge' }).value++;
    const cache = tokenCacheOutcome(v);
    this.durations[(v.allow ? 0 : 3) + (cache === 'hit' ? 0 : cache === 'miss' ? 1 : 2)]!.record(seconds);
  }

  private ruleRow(rows: Map<string, CounterSeries[]>, rule: string, mode: 'enforce' | 'shadow'): CounterSeries[] {
    let row = rows.get(rule);
    if (row === undefined) {
      row = RULE_DECISION_NAMES.map((decision) => new CounterSeries(Object.freeze({ rule, decision, mode })));
      rows.set(rule, row);
    }
    return row;
  }

  /** Each shadowed element that took part, with the decision it would have given. */
  private shadowed(s: ShadowVerdict): void {
    const kind = s.allow ? 0 : RULE_DECISION[s.reason];
    const decision = RULE_DECISION_NAMES[kind];
    for (const rule of s.elements) {
      this.ruleRow(this.shadowRuleDecisions, rule, 'shadow')[kind]!.value++;
      seriesFor(this.shadowDecisions, { rule, decision, reason: s.reason }).value++;
    }
  }

  challenge(reason: ReasonCode, clientKind: ClientKind, level: string): void {
    let kinds = this.challengeIndex.get(reason);
    if (kinds === undefined) this.challengeIndex.set(reason, (kinds = new Map<string, Map<string, CounterSeries>>()));
    let levels = kinds.get(clientKind);
    if (levels === undefined) kinds.set(clientKind, (levels = new Map<string, CounterSeries>()));
    let series = levels.get(level);
    if (series === undefined) levels.set(level, (series = seriesFor(this.challenges, { reason, client_kind: clientKind, level })));
    series.value++;
  }

  completion(reason: ReasonCode, rules: readonly string[], level: string): void {
    seriesFor(this.completions, { reason, level }).value++;
    for (const rule of rules.length > 0 ? rules : DEFAULT_RULES) seriesFor(this.ruleCompletions, { rule }).value++;
  }

  jwksRefresh(issuer: string, outcome: 'ok' | 'error', seconds: number): void {
    const labels = { issuer, outcome };
    seriesFor(this.jwksCounts, labels).value++;
    const key = labelKey(labels);
    let h = this.jwksDurations.get(key);
    if (h === undefined) {
      h = new HistogramSeries(Object.freeze(labels), JWKS_BUCKETS);
      this.jwksDurations.set(key, h);
    }
    h.record(seconds);
  }

  risk(allow: boolean, score: number): void {
    this.riskScores[allow ? 0 : 1]!.record(score);
  }

  stateError(store: string): void {
    seriesFor(this.stateErrors, { store }).value++;
  }

  checkShed(): void {
    this.shed.value++;
  }

  telemetryError(component: TelemetryComponent): void {
    seriesFor(this.telemetryErrors, { component }).value++;
  }

  /** A revocation reached this replica (issue 15). */
  revocation(kind: string, via: string): void {
    seriesFor(this.revocationCounts, { kind, via }).value++;
  }

  /**
   * An answer of the device-certificate endpoint. `code` comes from closed sets (devices/codes.ts
   * and the token reason codes), never from the request, so the series stay bounded.
   */
  deviceCertificate(outcome: 'issued' | 'refused', code: string): void {
    seriesFor(this.deviceCertificateCounts, { outcome, code }).value++;
  }

  /** MetricProducer: a cumulative snapshot, built only when a reader asks (a scrape, an OTLP export). */
  async collect(): Promise<CollectionResult> {
    const now = hrTime();
    const metrics: MetricData[] = [
      this.histogram(METRICS.checkDuration, this.durations, now),
      this.counter(METRICS.decisions, this.decisions.values(), now),
      // Only rows that counted something: a rule never matched has no series rather than zeros.
      this.counter(METRICS.ruleDecisions, [...this.ruleDecisions.values(), ...this.shadowRuleDecisions.values()].flat().filter((x) => x.value > 0), now),
      this.counter(METRICS.shadowDecisions, this.shadowDecisions.values(), now),
      this.counter(METRICS.challenges, this.challenges.values(), now),
      this.counter(METRICS.completions, this.completions.values(), now),
      this.counter(METRICS.ruleCompletions, this.ruleCompletions.values(), now),
      this.counter(METRICS.guardrailHits, this.guardrailHits.values(), now),
      this.counter(METRICS.approvals, this.approvals.values(), now),
      this.counter(METRICS.unlistedApiRequests, this.unlistedApi.values(), now),
      ...this.process(now),
      ...this.tokenCache(now),
      this.counter(METRICS.jwksRefreshes, this.jwksCounts.values(), now),
      this.histogram(METRICS.jwksRefreshDuration, this.jwksDurations.values(), now),
      this.histogram(METRICS.riskScore, this.riskScores, now),
      this.counter(METRICS.stateErrors, this.stateErrors.values(), now),
      this.counter(METRICS.stateScriptCalls, [{ attributes: {}, value: scriptCounts.calls }], now),
      this.counter(METRICS.stateScriptChecks, [{ attributes: {}, value: scriptCounts.checks }], now),
      {
        descriptor: descriptor(METRICS.incidentsActive),
        aggregationTemporality: AggregationTemporality.CUMULATIVE,
        dataPointType: DataPointType.GAUGE,
        dataPoints: [{ startTime: this.startTime, endTime: now, attributes: {}, value: this.incidents() ?? 0 }],
      },
      {
        descriptor: descriptor(METRICS.configRestartPending),
        aggregationTemporality: AggregationTemporality.CUMULATIVE,
        dataPointType: DataPointType.GAUGE,
        dataPoints: [{ startTime: this.startTime, endTime: now, attributes: {}, value: this.restartPending }],
      },
      this.counter(METRICS.revocations, this.revocationCounts.values(), now),
      this.counter(METRICS.deviceCertificates, this.deviceCertificateCounts.values(), now),
      this.counter(METRICS.checksShed, [this.shed], now),
      {
        descriptor: descriptor(METRICS.spansDropped),
        aggregationTemporality: AggregationTemporality.CUMULATIVE,
        dataPointType: DataPointType.SUM,
        isMonotonic: true,
        dataPoints: [{ startTime: this.startTime, endTime: now, attributes: {}, value: this.spansDropped() }],
      },
      this.counter(METRICS.telemetryErrors, this.telemetryErrors.values(), now),
    ];
    return { resourceMetrics: { resource: emptyResource(), scopeMetrics: [{ scope: this.scope, metrics }] }, errors: [] };
  }

  /** Process and runtime figures, read at collection time (nothing on the Check path). */
  private process(now: HrTime): MetricData[] {
    const cpu = process.cpuUsage();
    const heap = getHeapStatistics();
    const d = this.loopDelay;
    // Nanoseconds; NaN before the first sample.
    const q = (v: number) => (Number.isFinite(v) ? v / 1e9 : 0);
    const delays = [q(d.percentile(50)), q(d.percentile(99)), q(d.max)];
    d.reset();
    const point = (attributes: Attributes, value: number) => ({ startTime: this.startTime, endTime: now, attributes, value });
    const gauge = (m: (typeof METRICS)[keyof typeof METRICS], points: ReturnType<typeof point>[]): MetricData => ({
      descriptor: descriptor(m),
      aggregationTemporality: AggregationTemporality.CUMULATIVE,
      dataPointType: DataPointType.GAUGE,
      dataPoints: points,
    });
    return [
      {
        descriptor: { ...descriptor(METRICS.processCpu), valueType: ValueType.DOUBLE },
        aggregationTemporality: AggregationTemporality.CUMULATIVE,
        dataPointType: DataPointType.SUM,
        isMonotonic: true,
        dataPoints: [point({ mode: 'user' }, cpu.user / 1e6), point({ mode: 'system' }, cpu.system / 1e6)],
      },
      gauge(METRICS.processMemory, [point({}, process.memoryUsage.rss())]),
      gauge(METRICS.processStart, [point({}, PROCESS_START_SECONDS)]),
      gauge(METRICS.heap, [
        point({ space: 'used' }, heap.used_heap_size),
        point({ space: 'total' }, heap.total_heap_size),
        point({ space: 'limit' }, heap.heap_size_limit),
      ]),
      { ...gauge(METRICS.eventLoopDelay, [point({ quantile: '0.5' }, delays[0]!), point({ quantile: '0.99' }, delays[1]!), point({ quantile: '1' }, delays[2]!)]), descriptor: { ...descriptor(METRICS.eventLoopDelay), valueType: ValueType.DOUBLE } },
    ];
  }

  private tokenCache(now: HrTime): MetricData[] {
    const v = this.verifier();
    if (v !== this.lastVerifier) {
      if (this.lastVerifier) {
        const old = this.lastVerifier.cacheLookups;
        this.retired = {
          hits: this.retired.hits + old.hits,
          negativeHits: this.retired.negativeHits + old.negativeHits,
          misses: this.retired.misses + old.misses,
        };
      }
      this.lastVerifier = v;
    }
    const cur = v?.cacheLookups ?? { hits: 0, negativeHits: 0, misses: 0 };
    const point = (attributes: Attributes, value: number) => ({ startTime: this.startTime, endTime: now, attributes, value });
    return [
      {
        descriptor: descriptor(METRICS.tokenCacheLookups),
        aggregationTemporality: AggregationTemporality.CUMULATIVE,
        dataPointType: DataPointType.SUM,
        isMonotonic: true,
        dataPoints: [
          point({ result: 'hit' }, this.retired.hits + cur.hits),
          point({ result: 'negative_hit' }, this.retired.negativeHits + cur.negativeHits),
          point({ result: 'miss' }, this.retired.misses + cur.misses),
        ],
      },
      {
        descriptor: descriptor(METRICS.tokenCacheEntries),
        aggregationTemporality: AggregationTemporality.CUMULATIVE,
        dataPointType: DataPointType.GAUGE,
        dataPoints: [point({ cache: 'positive' }, v?.cacheSize ?? 0), point({ cache: 'negative' }, v?.negativeCacheSize ?? 0)],
      },
      {
        descriptor: descriptor(METRICS.tokenCacheBytes),
        aggregationTemporality: AggregationTemporality.CUMULATIVE,
        dataPointType: DataPointType.GAUGE,
        dataPoints: [point({}, (v?.cacheBytes ?? 0) + this.encodedAnswerBytes() + this.assertionFrontBytes())],
      },
    ];
  }

  private counter(m: (typeof METRICS)[keyof typeof METRICS], series: Iterable<CounterSeries>, now: HrTime): MetricData {
    return {
      descriptor: descriptor(m),
      aggregationTemporality: AggregationTemporality.CUMULATIVE,
      dataPointType: DataPointType.SUM,
      isMonotonic: true,
      dataPoints: [...series].map((s) => ({ startTime: this.startTime, endTime: now, attributes: s.attributes, value: s.value })),
    };
  }

  private histogram(m: (typeof METRICS)[keyof typeof METRICS], series: Iterable<HistogramSeries>, now: HrTime): MetricData {
    return {
      descriptor: descriptor(m),
      aggregationTemporality: AggregationTemporality.CUMULATIVE,
      dataPointType: DataPointType.HISTOGRAM,
      dataPoints: [...series].map((s) => ({ startTime: this.startTime, endTime: now, attributes: s.attributes, value: s.value() })),
    };
  }
}

/** Histograms are in seconds (the unit is in the name too); counts carry no unit. */
function descriptor(m: (typeof METRICS)[keyof typeof METRICS]) {
  const seconds = m.name.endsWith('_seconds');
  return { name: m.name, description: m.help, unit: seconds ? 's' : '', valueType: m.type === 'histogram' ? ValueType.DOUBLE : ValueType.INT };
}

function labelKey(labels: Record<string, string>): string {
  return Object.values(labels).join('\u0000');
}

function seriesFor(map: Map<string, CounterSeries>, labels: Record<string, string>): CounterSeries {
  const key = labelKey(labels);
  let s = map.get(key);
  if (s === undefined) {
    s = new CounterSeries(Object.freeze(labels));
    map.set(key, s);
  }
  return s;
}
