import type { Span, TracerProvider } from '@opentelemetry/api';
import type { IMetricReader } from '@opentelemetry/sdk-metrics';
import type { Config, TelemetryConfig } from '../config/schema.js';
import { clientKind, type ClientKind } from '../decision/respond.js';
import type { Verdict } from '../decision/verdict.js';
import type { Runtime } from '../pipeline/runtime.js';
import { DecisionLog } from './audit.js';
import type { Logger } from './log.js';
import { StepgateMetrics, type TelemetryComponent } from './metrics.js';
import { startMetricsExport, type MetricsExport } from './metrics-export.js';
import { SERVICE_VERSION } from './otel-env.js';
import { clip } from '../core/redact.js';
import { StepUpTracker, type Completion } from './stepup.js';
import { startTracingFromEnv, tracingWithProvider, type CallMetadata, type CheckTracing, type TracingHandle } from './tracing.js';

/**
 * What the Check adapter reports to, and nothing else: the server stays thin (parse, evaluate,
 * answer, report). `checked` never throws, so telemetry can never change an answer.
 */
export interface CheckTelemetry {
  /** Undefined when tracing is off; the adapter tests this once per Check. */
  readonly tracing: CheckTracing | undefined;
  /**
   * One call per answered Check, after the answer was handed to gRPC. `status` is the HTTP
   * status the client sees (200 for an allow); `metadata` is the gRPC call's.
   */
  checked(
    rt: Runtime | undefined,
    v: Verdict,
    status: number,
    elapsedMs: number,
    span: Span | undefined,
    metadata: CallMetadata | undefined,
    error?: unknown,
  ): void;
  /**
   * A Check refused with `overloaded` before any work (server.max_inflight_checks): counted, and
   * logged at most once every 10 s, so shedding load never turns into logging load.
   */
  shed?(inflight: number): void;
}

/** Rate-limited warning for shed Checks, shared by both telemetry kinds. */
class ShedLog {
  private last = -Infinity;
  private since = 0;
  constructor(private readonly log: Logger) {}
  shed(inflight: number): void {
    this.since++;
    const now = performance.now();
    if (now - this.last < 10_000) return;
    this.last = now;
    this.log.warn(
      { event: 'overloaded', inflight, shed: this.since },
      'too many Checks in flight (server.max_inflight_checks): refusing new ones with reason overloaded',
    );
    this.since = 0;
  }
}

export interface TelemetryOptions {
  /** The configuration at startup: `telemetry.metrics_listen` is read once. */
  config: Config;
  /** The OTEL_* variables (tracing and OTLP metrics); STEPGATE_* ones arrive parsed, below. */
  env: NodeJS.ProcessEnv;
  /** STEPGATE_METRICS_LISTEN (config/environment.ts): overrides `telemetry.metrics_listen`. */
  metricsListen?: string | undefined;
  log: Logger;
  /** The runtime in force (reload swaps it); the other telemetry settings are read from it per Check. */
  runtime: () => Runtime | undefined;
  now: () => number;
  /** Trace into this provider instead of what the OTEL_* environment configures (tests, embedding). */
  tracerProvider?: TracerProvider;
  /** Additional metric readers (tests). */
  metricReaders?: IMetricReader[];
  /** For `telemetry.audit.sample_allows`; Math.random by default. */
  random?: () => number;
}

/** Checks answered before any runtime existed (it failed to build) use the schema defaults. */
const DEFAULTS: TelemetryConfig = { metrics_listen: 'off', subject: 'clear', audit: { level: 'info', sample_allows: 0 } };

export class Telemetry implements CheckTelemetry {
  readonly tracing: CheckTracing | undefined;
  readonly metrics: StepgateMetrics;
  private readonly decisions: DecisionLog;
  private readonly stepups: StepUpTracker;
  private readonly reported = new Set<TelemetryComponent>();
  private lastStateErrorLog = -Infinity;
  private readonly shedLog: ShedLog;
  private tracingHandle: TracingHandle | undefined;
  private exporter: MetricsExport | undefined;

  private constructor(private readonly opts: TelemetryOptions) {
    this.metrics = new StepgateMetrics(() => opts.runtime()?.verifier, { name: 'stepgate', version: SERVICE_VERSION });
    this.metrics.incidents = () => {
      const rt = opts.runtime();
      return rt?.incidents?.active(rt.now()).length;
    };
    this.decisions = new DecisionLog(opts.log, opts.random);
    this.shedLog = new ShedLog(opts.log);
    this.stepups = new StepUpTracker(opts.now);
    const onError = (component: TelemetryComponent, err: unknown) => this.failed(component, err);
    if (opts.tracerProvider) {
      this.tracing = tracingWithProvider(opts.tracerProvider, onError);
    } else {
      this.tracingHandle = startTracingFromEnv(opts.env, onError);
      this.tracing = this.tracingHandle?.tracing;
      const handle = this.tracingHandle;
      if (handle) this.metrics.spansDropped = () => handle.spansDropped();
    }
  }

  static async start(opts: TelemetryOptions): Promise<Telemetry> {
    const t = new Telemetry(opts);
    const listen = opts.metricsListen ?? opts.config.telemetry.metrics_listen;
    t.exporter = await startMetricsExport({ producer: t.metrics, listen, env: opts.env, log: opts.log, readers: opts.metricReaders });
    if (t.tracing) opts.log.info({ event: 'tracing', outcome: 'on' }, 'tracing on (OTEL_* environment)');
    return t;
  }

  /** The Prometheus endpoint's port; undefined when it is off or could not bind. */
  get metricsPort(): number | undefined {
    return this.exporter?.port;
  }

  checked(
    rt: Runtime | undefined,
    v: Verdict,
    status: number,
    elapsedMs: number,
    span: Span | undefined,
    metadata: CallMetadata | undefined,
    error?: unknown,
  ): void {
    const cfg = rt?.config.telemetry ?? DEFAULTS;
    let kind: ClientKind | undefined;
    let completion: Completion | undefined;
    try {
      this.metrics.check(v, elapsedMs / 1000);
      if (v.risk) this.metrics.risk(v.allow, v.risk.score);
      // A challenge: a sign-in or step-up asked for, as a 401 challenge or a 302 to the step-up URL.
      if (!v.allow && (status === 401 || status === 302) && v.attributes) {
        kind = clientKind(v.attributes);
        this.metrics.challenge(v.reason, kind, levelName(rt, v));
        this.stepups.challenged(v);
      } else if (v.allow) {
        completion = this.stepups.allowed(v);
        if (completion) this.metrics.completion(completion.reason, completion.requirement?.rules ?? [], levelName(rt, v));
      }
    } catch (err) {
      this.failed('metrics', err);
    }
    try {
      // Before the span ends: the record names the span only while it is recording.
      this.decisions.record({ rt, verdict: v, status, elapsedMs, span, clientKind: kind, completion, metadata, error }, cfg);
    } catch (err) {
      this.failed('audit', err);
    }
    if (span) this.tracing?.endCheck(span, { rt, verdict: v, status, clientKind: kind, subjectMode: cfg.subject, error });
  }

  shed(inflight: number): void {
    try {
      this.metrics.checkShed();
      this.shedLog.shed(inflight);
    } catch {
      // Reporting never decides an answer.
    }
  }

  /** A state store call failed (RuntimeDeps.onStateError): counted, and logged at most once a minute. */
  stateError(store: string, err: unknown): void {
    try {
      this.metrics.stateError(store);
      const now = this.opts.now();
      if (now - this.lastStateErrorLog < 60_000) return;
      this.lastStateErrorLog = now;
      this.opts.log.warn(
        { event: 'state_error', store, error: clip(err instanceof Error ? err.message : String(err), 1024) },
        'state store unavailable (stepgate_state_errors_total counts every failure; state.on_state_error decides what happens)',
      );
    } catch {
      // Reporting never decides an answer.
    }
  }

  /** A JWKS fetch finished (RuntimeDeps.onJwksRefresh). */
  jwksRefreshed(issuer: string, outcome: 'ok' | 'error', elapsedMs: number): void {
    try {
      this.metrics.jwksRefresh(issuer, outcome, elapsedMs / 1000);
    } catch (err) {
      this.failed('metrics', err);
    }
  }

  /** RuntimeDeps.aroundJwksRefresh: a span around each JWKS fetch; undefined when tracing is off. */
  get aroundJwksRefresh(): ((issuer: string, refresh: () => Promise<void>) => Promise<void>) | undefined {
    const tracing = this.tracing;
    return tracing && ((issuer, refresh) => tracing.aroundJwksRefresh(issuer, refresh));
  }

  /** Flushes spans and metrics; bounded, so an unreachable collector cannot hold up an exit. */
  async shutdown(timeoutMs = 5000): Promise<void> {
    const work = Promise.allSettled([this.exporter?.shutdown(), this.tracingHandle?.shutdown()]);
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([work, new Promise<void>((r) => (timer = setTimeout(r, timeoutMs)))]);
    clearTimeout(timer);
  }

  /**
   * Telemetry failures are contained: counted, and logged once per component (a broken exporter
   * would otherwise log on every request).
   */
  private failed(component: TelemetryComponent, err: unknown): void {
    try {
      this.metrics.telemetryError(component);
      if (this.reported.has(component)) return;
      this.reported.add(component);
      this.opts.log.error(
        { event: 'telemetry_error', component, error: clip(err instanceof Error ? err.message : String(err), 1024) },
        `${component} failed; checks are answered regardless (stepgate_telemetry_errors_total counts further failures)`,
      );
    } catch {
      // The logger itself may be what fails.
    }
  }
}

/** For a gRPC server started without telemetry (tests of the adapter alone): decisions are still logged. */
export function logOnlyTelemetry(log: Logger): CheckTelemetry {
  const decisions = new DecisionLog(log);
  const shedLog = new ShedLog(log);
  return {
    tracing: undefined,
    shed(inflight) {
      try {
        shedLog.shed(inflight);
      } catch {
        // Logging never decides an answer.
      }
    },
    checked(rt, verdict, status, elapsedMs, span, metadata, error) {
      try {
        const cfg = rt?.config.telemetry ?? DEFAULTS;
        decisions.record({ rt, verdict, status, elapsedMs, span, clientKind: undefined, completion: undefined, metadata, error }, cfg);
      } catch {
        // Logging never decides an answer.
      }
    },
  };
}

function levelName(rt: Runtime | undefined, v: Verdict): string {
  const r = v.requirement;
  return r && !r.deny && r.level >= 0 ? (rt?.assurance.names[r.level] ?? '') : '';
}
