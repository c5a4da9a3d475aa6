import { z } from 'zod';
import type { ApplyTable } from './apply.js';

export const networkSchema = z
  .strictObject({
    xff_num_trusted_hops: z.number().int().min(0).max(10).default(0),
    trust_forwarded_client_cert: z.boolean().default(false),
  })
  .prefault({});

/** How each `network` key applies on reload (schema/apply.ts). */
export const NETWORK_APPLY = {
  'network.xff_num_trusted_hops': 'live',
  'network.trust_forwarded_client_cert': 'live',
} as const satisfies ApplyTable;
