import { z } from 'zod';
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
