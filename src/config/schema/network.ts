import { z } from 'zod';

export const networkSchema = z
  .strictObject({
    xff_num_trusted_hops: z.number().int().min(0).max(10).default(0),
    trust_forwarded_client_cert: z.boolean().default(false),
  })
  .prefault({});
