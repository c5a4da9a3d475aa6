import { z } from 'zod';

/** `limits`: request sizes past which a request is refused. */
export const limitsSchema = z
  .strictObject({
    max_header_bytes: z.number().int().min(256).default(16_384),
    max_total_header_bytes: z.number().int().min(1024).default(131_072),
    // The gRPC server accepts messages up to 4 MiB; a larger bound could never be reached.
    max_body_bytes: z.number().int().min(1024).max(4 * 1024 * 1024 - 65_536).default(1024 * 1024),
  })
  .prefault({});
