import * as grpc from '@grpc/grpc-js';
import { ReflectionService } from '@grpc/reflection';
import { HealthImplementation } from 'grpc-health-check';
import { fail, evaluate } from '../../pipeline/evaluate.js';
import type { Runtime } from '../../pipeline/runtime.js';
import { StartupError } from '../../config/load.js';
import { reasonMessage } from '../../decision/reasons.js';
import type { Verdict } from '../../decision/verdict.js';
import { logVerdict, type Logger } from '../../telemetry/log.js';
import { parseCheckRequest, toCheckResponse, type CheckRequestMessage } from './check.js';
import { EncodedAllowCache } from './encoded-allows.js';
import {
  AUTHORIZATION_SERVICE,
  authorizationService,
  packageDefinition,
  responseSerializer,
  withPassThroughSerializer,
} from './protos.js';

export interface GrpcServerOptions {
  /** Returns the current runtime; reload swaps what it returns. */
  runtime: () => Runtime;
  log: Logger;
  listen: string;
}

export interface RunningGrpcServer {
  port: number;
  health: HealthImplementation;
  /** Report NOT_SERVING, stop accepting, let in-flight calls finish within `graceMs`, then force. */
  shutdown(graceMs: number): Promise<void>;
}

/** 16 MiB would let one caller make us buffer a lot; Envoy's own bounded bodies fit well within 4. */
const MAX_MESSAGE_BYTES = 4 * 1024 * 1024;

export async function startGrpcServer(opts: GrpcServerOptions): Promise<RunningGrpcServer> {
  const server = new grpc.Server({
    'grpc.max_receive_message_length': MAX_MESSAGE_BYTES,
    'grpc.max_send_message_length': MAX_MESSAGE_BYTES,
    'grpc.keepalive_permit_without_calls': 1,
  });
  const health = new HealthImplementation({ '': 'NOT_SERVING', [AUTHORIZATION_SERVICE]: 'NOT_SERVING' });
  health.addToServer(server);
  new ReflectionService(packageDefinition()).addToServer(server);
  const encodedAllows = new EncodedAllowCache(responseSerializer(authorizationService()));
  let inflight = 0;
  let drained: (() => void) | undefined;
  server.addService(withPassThroughSerializer(authorizationService()), {
    Check: (call: grpc.ServerUnaryCall<CheckRequestMessage, unknown>, callback: grpc.sendUnaryData<unknown>) => {
      inflight++;
      handleCheck(opts, encodedAllows, call.request, (err, res) => {
        callback(err, res);
        if (--inflight === 0) drained?.();
      });
    },
  });

  const port = await new Promise<number>((resolve, reject) => {
    server.bindAsync(opts.listen, grpc.ServerCredentials.createInsecure(), (err, p) =>
      err ? reject(new StartupError(`cannot listen on ${opts.listen}: ${err.message}`)) : resolve(p),
    );
  });
  health.setStatus('', 'SERVING');
  health.setStatus(AUTHORIZATION_SERVICE, 'SERVING');

  return {
    port,
    health,
    async shutdown(graceMs) {
      health.setStatus('', 'NOT_SERVING');
      health.setStatus(AUTHORIZATION_SERVICE, 'NOT_SERVING');
      // tryShutdown stops new connections and calls but would also wait for long-lived streams
      // (health Watch, reflection) that never end by themselves. Only Checks matter: once none
      // is in flight, or the grace period is over, the rest is closed.
      server.tryShutdown(() => undefined);
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
      server.forceShutdown();
    },
  };
}

/**
 * The whole Check: parse, evaluate, answer. Every failure becomes a deny verdict with a reason;
 * nothing thrown here may reach grpc-js, which would turn it into an RPC error whose handling
 * depends on Envoy's failure_mode_allow instead of on us.
 */
function handleCheck(
  opts: GrpcServerOptions,
  encodedAllows: EncodedAllowCache,
  msg: CheckRequestMessage,
  callback: grpc.sendUnaryData<unknown>,
): void {
  const started = performance.now();
  let rt: Runtime | undefined;
  const finish = (v: Verdict) => {
    try {
      callback(null, encodedAllows.get(v) ?? encodedAllows.remember(v, toCheckResponse(rt!.responder.respond(v))));
      logVerdict(opts.log, v, performance.now() - started);
    } catch (err) {
      internalError(opts, err, callback);
    }
  };
  try {
    rt = opts.runtime();
    const parsed = parseCheckRequest(msg, rt.headerLimits);
    if (!parsed.ok) return finish(fail(parsed.reason, parsed.detail, undefined, undefined));
    const v = evaluate(rt, parsed.raw, parsed.spoofed);
    if (v instanceof Promise) {
      v.then(finish, (err: unknown) => internalError(opts, err, callback));
    } else {
      finish(v);
    }
  } catch (err) {
    internalError(opts, err, callback);
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

function internalError(opts: GrpcServerOptions, err: unknown, callback: grpc.sendUnaryData<unknown>): void {
  opts.log.error({ event: 'decision', decision: 'deny', reason: 'internal_error', err }, 'check failed unexpectedly; denying');
  callback(null, INTERNAL_ERROR_RESPONSE);
}
