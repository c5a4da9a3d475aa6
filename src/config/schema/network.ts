import { z } from 'zod';
import type { ApplyTable } from './apply.js';
import { cidr } from './common.js';

export const networkSchema = z
  .strictObject({
    xff_num_trusted_hops: z.number().int().min(0).max(10).default(0),
    xff_trusted_cidrs: z.array(cidr).default([]),
    trust_forwarded_client_cert: z.boolean().default(false),
  })
  .superRefine((n, ctx) => {
    // Two answers to "which entry is the client" would each be right for some path and wrong for
    // the other; Envoy's xff extension refuses the pair too.
    if (n.xff_num_trusted_hops > 0 && n.xff_trusted_cidrs.length > 0) {
      ctx.addIssue({ code: 'custom', path: ['xff_trusted_cidrs'], message: 'cannot be combined with xff_num_trusted_hops > 0: list the proxies here and set xff_num_trusted_hops to 0' });
    }
  })
  .prefault({});

/** How each `network` key applies on reload (schema/apply.ts). */
export const NETWORK_APPLY = {
  'network.xff_num_trusted_hops': 'live',
  'network.xff_trusted_cidrs': 'live',
  'network.trust_forwarded_client_cert': 'live',
} as const satisfies ApplyTable;
