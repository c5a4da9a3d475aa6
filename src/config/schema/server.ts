import { z } from 'zod';
import type { ApplyTable } from './apply.js';
import { cidr, listen, listenOrOff } from './common.js';

/** `server`: the listeners, how long a shutdown drains, the in-flight bound, how often the file is re-read. */
export const serverSchema = z
  .strictObject({
    grpc_listen: listen.default('0.0.0.0:9191'),
    http_listen: listenOrOff.default('0.0.0.0:8080'),
    // Off unless asked for: a second way into the decision engine, trusting proxy headers, must be opted into.
    authz_http_listen: listenOrOff.default('off'),
    authz_http_path_prefix: z
      .string()
      .regex(/^(\/[A-Za-z0-9._~-]+)*$/, 'empty, or a path such as /check without a trailing slash')
      .default(''),
    trusted_proxies: z.array(cidr).default([]),
    shutdown_grace_seconds: z.number().min(0).max(300).default(10),
    // perf (issue 17): Checks in flight past which new ones are refused at once with `overloaded`.
    max_inflight_checks: z.number().int().min(1).max(1_000_000).default(1024),
    reload_interval_seconds: z.number().min(0).max(3600).default(5),
  })
  .prefault({});

/** How each `server` key applies on reload (schema/apply.ts). */
export const SERVER_APPLY = {
  'server.grpc_listen': 'restart', // the gRPC listener is bound at start
  'server.http_listen': 'restart', // the step-up listener is bound at start
  'server.authz_http_listen': 'restart', // the HTTP ext_authz listener is bound at start
  'server.authz_http_path_prefix': 'live',
  'server.trusted_proxies': 'restart', // the HTTP listeners are given the proxy list at start
  'server.shutdown_grace_seconds': 'live',
  'server.max_inflight_checks': 'restart', // the gRPC server reads its bound once
  'server.reload_interval_seconds': 'restart', // the file watcher is started once
} as const satisfies ApplyTable;
