import { z } from 'zod';
import type { ApplyTable } from './apply.js';

/** `log`: the process log level. */
export const logSchema = z
  .strictObject({
    level: z.enum(['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent']).default('info'),
  })
  .prefault({});

/** How each `log` key applies on reload (schema/apply.ts). */
export const LOG_APPLY = {
  'log.level': 'live',
} as const satisfies ApplyTable;
