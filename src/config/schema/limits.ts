import { z } from 'zod';
import type { ApplyTable } from './apply.js';

/** `limits`: request sizes past which a request is refused. */
export const limitsSchema = z
  .strictObject({
    max_header_bytes: z.number().int().min(256).default(16_384),
    max_total_header_bytes: z.number().int().min(1024).default(131_072),
    // The gRPC server accepts messages up to 4 MiB; a larger bound could never be reached.
    max_body_bytes: z.number().int().min(1024).max(4 * 1024 * 1024 - 65_536).default(1024 * 1024),
  })
  .prefault({});

/** How each `limits` key applies on reload (schema/apply.ts). */
export const LIMITS_APPLY = {
  'limits.max_header_bytes': 'live',
  'limits.max_total_header_bytes': 'live',
  'limits.max_body_bytes': 'live',
} as const satisfies ApplyTable;
