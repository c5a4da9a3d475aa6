import * as grpc from '@grpc/grpc-js';
import type { Span } from '@opentelemetry/api';
import { ReflectionService } from '@grpc/reflection';
import { HealthImplementation } from 'grpc-health-check';
import { check, type Checked } from '../../pipeline/check.js';
import { fail } from '../../pipeline/evaluate.js';
import type { Runtime } from '../../pipeline/runtime.js';
import { StartupError } from '../../config/load.js';
import { reasonMessage } from '../../core/reasons.js';
import type { Logger } from '../../telemetry/log.js';
import { logOnlyTelemetry, type CheckTelemetry } from '../../telemetry/telemetry.js';
import { InflightLimit, OVERLOADED_ANSWER } from '../inflight.js';
import { parseCheckRequest, toCheckResponse, type CheckRequestMessage } from './check.js';
import { EncodedAllowCache } from './encoded-allows.js';
import {
  AUTHORIZATION_SERVICE,
  authorizationService,
  packageDefinition,
  responseSerializer,
  servedCheck,
} from './protos.js';
import { decodeCheckRequest } from './decode.js';
import { http2ServersOf, SessionStreamsRenewal } from './session-streams.js';

export interface GrpcServerOptions {
  /** Returns the current runtime; reload swaps what it returns. */
  runtime: () => Runtime;
  log: Logger;
  listen: string;
  /** Metrics, traces and the decision/audit log; without it, decisions are only logged. */
  telemetry?: CheckTelemetry;
  /**
   * Stay NOT_SERVING once bound, until `setServing(true)`: the composition root says SERVING
   * only when every listener of the pod is up (the step-up port too).
   */
  startNotServing?: boolean;
  /**
   * server.max_inflight_checks, shared with the process' other Check listener (the HTTP adapter);
   * without it, this server has its own, sized from the first configuration.
   */
  inflightLimit?: InflightLimit;
}

export interface RunningGrpcServer {
  port: number;
  health: HealthImplementation;
  /** SERVING or NOT_SERVING for both the server ('') and ext_authz; never SERVING again once shutting down. */
  setServing(on: boolean): void;
  /** This server's Checks in flight now (tests; server.max_inflight_checks bounds them with the HTTP adapter's). */
  readonly inflight: number;
  /** What its encoded answers hold (EncodedAllowCache.heldBytes), counted in stepgate_token_cache_bytes. */
  readonly encodedAnswerBytes: number;
  /** Report NOT_SERVING, stop accepting, let in-flight calls finish within `graceMs`, then force. */
  shutdown(graceMs: number): Promise<void>;
}

/** 16 MiB would let one caller make us buffer a lot; Envoy's own bounded bodies fit well within 4. */
const MAX_MESSAGE_BYTES = 4 * 1024 * 1024;

let reflection: ReflectionService | undefined;

/**
 * The reflection service, built once per process: building it decodes and indexes every file
 * descriptor of the definition (69–81 ms of CPU each, measured 2026-12-06), and what it holds after that
 * is read-only, so every server started in the process (a test worker starts hundreds) shares it.
 */
function reflectionService(): ReflectionService {
  reflection ??= new ReflectionService(packageDefinition());
  return reflection;
}

export async function startGrpcServer(opts: GrpcServerOptions): Promise<RunningGrpcServer> {
  const server = new grpc.Server({
    'grpc.max_receive_message_length': MAX_MESSAGE_BYTES,
    'grpc.max_send_message_length': MAX_MESSAGE_BYTES,
    'grpc.keepalive_permit_without_calls': 1,
  });
  const health = new HealthImplementation({ '': 'NOT_SERVING', [AUTHORIZATION_SERVICE]: 'NOT_SERVING' });
  health.addToServer(server);
  reflectionService().addToServer(server);
  // Sized once at startup from the first configuration (a reload keeps the cache and its bound).
  const encodedAllows = new EncodedAllowCache(
    responseSerializer(authorizationService()),
    opts.runtime().config.token_cache.encoded_allow_max_entries,
  );
  const telemetry = opts.telemetry ?? logOnlyTelemetry(opts.log);
  let inflight = 0;
  let drained: (() => void) | undefined;
  // Read once: a bound on this process' work, not policy (a reload does not change it).
  const limit = opts.inflightLimit ?? new InflightLimit(opts.runtime().config.server.max_inflight_checks);
  server.addService(servedCheck(authorizationService(), decodeCheckRequest), {
    Check: (call: grpc.ServerUnaryCall<CheckRequestMessage, unknown>, callback: grpc.sendUnaryData<unknown>) => {
      // Past the bound, answer at once instead of queueing work (signature checks, state store
      // round trips) that would finish after the gateway gave up: a deny, so fail-closed.
      if (!limit.tryEnter()) {
        callback(null, OVERLOADED_RESPONSE);
        telemetry.shed?.(limit.inflight);
        return;
      }
      inflight++;
      handleCheck(opts, telemetry, encodedAllows, call.request, call.metadata, (err, res) => {
        callback(err, res);
        limit.leave();
        if (--inflight === 0) drained?.();
      });
    },
  });

  const port = await new Promise<number>((resolve, reject) => {
    server.bindAsync(opts.listen, grpc.ServerCredentials.createInsecure(), (err, p) =>
      err ? reject(new StartupError(`cannot listen on ${opts.listen}: ${err.message}`)) : resolve(p),
    );
  });
  // Breaks the chain of HTTP/2 stream tables that keeps the GC in a cycle under load (session-streams.ts).
  const notRenewed = (what: string) => opts.log.warn({ event: 'http2_streams_renewal', active: false }, `${what}; HTTP/2 stream tables are not renewed (more GC under load)`);
  const renewal = new SessionStreamsRenewal(() => notRenewed("this Node's HTTP/2 session keeps its streams elsewhere"));
  const http2Servers = http2ServersOf(server);
  if (http2Servers === undefined) notRenewed('the grpc-js http2 servers were not found');
  else renewal.watch(http2Servers);
  let stopping = false;
  const setServing = (on: boolean) => {
    const status = on && !stopping ? 'SERVING' : 'NOT_SERVING';
    health.setStatus('', status);
    health.setStatus(AUTHORIZATION_SERVICE, status);
  };
  if (!opts.startNotServing) setServing(true);

  return {
    port,
    health,
    setServing,
    get inflight() {
      return inflight;
    },
    get encodedAnswerBytes() {
      return encodedAllows.heldBytes;
    },
    async shutdown(graceMs) {
      stopping = true;
      setServing(false);
      // tryShutdown stops new connections and calls but would also wait for long-lived streams
      // (health Watch, reflection) that never end by themselves. Only Checks matter: once none
      // is in flight, or the grace period is over, the rest is closed.
      const closed = new Promise<void>((resolve) => server.tryShutdown(() => resolve()));
      const deadline = Date.now() + graceMs;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(() => {
          opts.log.warn({ event: 'shutdown', grace_ms: graceMs, inflight }, 'in-flight checks did not finish in time; closing them');
          resolve();
        }, graceMs);
        timer.unref();
        drained = () => {
          clearTimeout(timer);
          resolve();
        };
        if (inflight === 0) drained();
      });
      // The last answer was handed to grpc-js, not yet written out: forceShutdown destroys the
      // HTTP/2 sessions at once and turned it into CANCELLED at the client. Give the sessions the
      // rest of the grace period (at most a second) to close by themselves after their last
      // stream; only Watch streams, which never end, are left for forceShutdown to cut.
      const rest = Math.max(0, Math.min(1000, deadline - Date.now()));
      await Promise.race([closed, new Promise<void>((resolve) => setTimeout(resolve, rest).unref())]);
      server.forceShutdown();
      renewal.stop();
    },
  };
}

/**
 * The whole Check: parse, evaluate, answer, report. Every failure becomes a deny verdict with a
 * reason; nothing thrown here may reach grpc-js, which would turn it into an RPC error whose
 * handling depends on Envoy's failure_mode_allow instead of on us. Telemetry is told after the
 * answer has been handed over, and cannot throw. Exported for bench/hotpath.ts (in-process CPU per Check).
 */
export function handleCheck(
  opts: GrpcServerOptions,
  telemetry: CheckTelemetry,
  encodedAllows: EncodedAllowCache,
  msg: CheckRequestMessage,
  metadata: grpc.Metadata,
  callback: grpc.sendUnaryData<unknown>,
): void {
  const started = performance.now();
  // Looked up once: with tracing off, no tracing call is made below.
  const tracing = telemetry.tracing;
  let span: Span | undefined;
  let rt: Runtime | undefined;
  const finish = (c: Checked) => {
    try {
      callback(null, encodedAllows.response(c.verdict, c.answer, toCheckResponse));
    } catch (err) {
      return internalError(telemetry, rt, err, callback, started, span, metadata);
    }
    telemetry.checked(rt, c.verdict, c.answer.status, performance.now() - started, span, metadata);
  };
  try {
    rt = opts.runtime();
    const parsed = parseCheckRequest(msg, rt.headerLimits, rt.maxBodyBytes);
    if (tracing !== undefined) span = tracing.startCheck(parsed.ok ? parsed.raw.headers : undefined, metadata, started);
    const c = span === undefined ? check(rt, parsed) : tracing!.within(span, check, rt, parsed);
    if (c instanceof Promise) {
      c.then(finish, (err: unknown) => internalError(telemetry, rt, err, callback, started, span, metadata));
    } else {
      finish(c);
    }
  } catch (err) {
    internalError(telemetry, rt, err, callback, started, span, metadata);
  }
}

/** Built without the runtime or the Responder: they may be what failed. */
const INTERNAL_ERROR_RESPONSE = toCheckResponse({
  allow: false,
  status: 500,
  grpcCode: 13,
  headers: [
    ['cache-control', 'no-store'],
    ['content-type', 'application/json'],
  ],
  removeHeaders: [],
  body: JSON.stringify({ reason: 'internal_error', message: reasonMessage('internal_error') }),
  metadata: { decision: 'deny', reason: 'internal_error' },
});

/** The answer past server.max_inflight_checks (server/inflight.ts), encoded once. */
const OVERLOADED_RESPONSE = responseSerializer(authorizationService())(toCheckResponse(OVERLOADED_ANSWER));

function internalError(
  telemetry: CheckTelemetry,
  rt: Runtime | undefined,
  err: unknown,
  callback: grpc.sendUnaryData<unknown>,
  started: number,
  span: Span | undefined,
  metadata: grpc.Metadata,
): void {
  callback(null, INTERNAL_ERROR_RESPONSE);
  // Logged (at error, with the error) by the telemetry's decision log, like every decision.
  const v = fail('internal_error', 'check failed unexpectedly; denying', undefined, undefined);
  telemetry.checked(rt, v, 500, performance.now() - started, span, metadata, err);
}
