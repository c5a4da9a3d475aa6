import { z } from 'zod';
import type { ApplyTable } from './apply.js';
import { envName, nonEmpty } from './common.js';

/**
 * Where the risk engine keeps what it knows about subjects. `memory` suits one replica; many
 * replicas must share `redis`, or each would see a different history and decide differently.
 * The Redis password is never in this file: `password_env` names the variable holding it.
 */
/** `host:port` of a Sentinel or Cluster seed node; IPv6 in brackets (`[::1]:26379`). */
export const hostPort = z.string().refine((v) => {
  const m = /^(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9.-]+):(\d{1,5})$/.exec(v);
  return m !== null && Number(m[2]) >= 1 && Number(m[2]) <= 65535;
}, 'must be host:port with a port 1-65535, e.g. redis-sentinel-0.redis:26379');

export const redisUrl = z
  .string()
  .refine((u) => {
    try {
      const p = new URL(u).protocol;
      return p === 'redis:' || p === 'rediss:';
    } catch {
      return false;
    }
  }, 'must be a redis:// or rediss:// (TLS) URL, e.g. redis://redis:6379/0')
  .refine((u) => {
    try {
      return new URL(u).password === '';
    } catch {
      return true;
    }
  }, 'must not contain a password: put it in an environment variable and name it in password_env');

export const stateSchema = z
  .strictObject({
    store: z.enum(['memory', 'redis']).default('memory'),
    timeout_ms: z.number().int().min(5).max(5000).default(50),
    on_state_error: z.enum(['fail_closed', 'degrade']).default('fail_closed'),
    memory: z
      .strictObject({
        max_subjects: z.number().int().min(1).max(10_000_000).default(100_000),
        /** Keep the history in this file across restarts (one replica); absent: memory only. */
        snapshot_path: nonEmpty.optional(),
        snapshot_interval_seconds: z.number().int().min(5).max(3600).default(60),
      })
      .prefault({}),
    redis: z
      .strictObject({
        url: redisUrl.optional(),
        password_env: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'must be an environment variable name').optional(),
        ca_file: nonEmpty.optional(),
        key_prefix: z.string().max(64).regex(/^[^{}\s]*$/, 'must not contain braces or spaces (braces would break the hash tag)').default('stepgate:'),
        sentinel: z
          .strictObject({
            name: nonEmpty,
            nodes: z.array(hostPort).min(1).max(16),
            password_env: envName.optional(),
            tls: z.boolean().default(false),
          })
          .optional(),
        cluster: z
          .strictObject({
            nodes: z.array(hostPort).min(1).max(64),
            tls: z.boolean().default(false),
          })
          .optional(),
        wait_replicas: z.number().int().min(0).max(16).default(0),
        wait_timeout_ms: z.number().int().min(1).max(5000).default(100),
      })
      .optional(),
  })
  .superRefine((st, ctx) => {
    if (st.store !== 'redis' && st.redis !== undefined) {
      ctx.addIssue({ code: 'custom', path: ['redis'], message: 'set only with store: redis' });
    }
    if (st.redis?.ca_file !== undefined && st.redis.url !== undefined && !st.redis.url.startsWith('rediss:')) {
      ctx.addIssue({ code: 'custom', path: ['redis', 'ca_file'], message: 'a CA file needs a rediss:// (TLS) url' });
    }
    const r = st.redis;
    if (r !== undefined) {
      // One topology only: a URL next to sentinels would leave it unclear which one decisions use.
      const topologies = [r.url !== undefined && 'url', r.sentinel !== undefined && 'sentinel', r.cluster !== undefined && 'cluster'].filter(Boolean);
      if (r.ca_file !== undefined && (r.sentinel?.tls === false || r.cluster?.tls === false)) {
        ctx.addIssue({ code: 'custom', path: ['redis', 'ca_file'], message: `a CA file needs tls: true under ${r.sentinel ? 'sentinel' : 'cluster'}` });
      }
      if (topologies.length > 1) {
        ctx.addIssue({ code: 'custom', path: ['redis', topologies[1] as string], message: `set only one of url, sentinel, cluster (found ${topologies.join(' and ')})` });
      }
    }
  });

/**
 * `state.redis` when the file has no such section (`store: redis` alone, or STEPGATE_STATE_STORE
 * switching a memory file to Redis): its defaults, read from the schema rather than restated.
 */
export const REDIS_DEFAULTS = Object.freeze(stateSchema.shape.redis.unwrap().parse({}));

/** How each `state` key applies on reload (schema/apply.ts). */
export const STATE_APPLY = {
  'state.store': 'live',
  'state.timeout_ms': 'live',
  'state.on_state_error': 'live',
  'state.memory.max_subjects': 'live',
  'state.memory.snapshot_path': 'live',
  'state.memory.snapshot_interval_seconds': 'live',
  'state.redis.url': 'live',
  'state.redis.password_env': 'live',
  'state.redis.ca_file': 'live',
  'state.redis.key_prefix': 'live',
  'state.redis.sentinel.name': 'live',
  'state.redis.sentinel.nodes': 'live',
  'state.redis.sentinel.password_env': 'live',
  'state.redis.sentinel.tls': 'live',
  'state.redis.cluster.nodes': 'live',
  'state.redis.cluster.tls': 'live',
  'state.redis.wait_replicas': 'live',
  'state.redis.wait_timeout_ms': 'live',
} as const satisfies ApplyTable;
