import { z } from 'zod';
import type { ApplyTable } from './apply.js';
import { listen } from './common.js';

// Tracing itself is configured by the standard OTEL_* environment variables, not here.
// docs/observability.md describes what each key changes.
/** `telemetry`: the metrics listener, subject form, the audit records. */
export const telemetrySchema = z
  .strictObject({
    metrics_listen: z.union([z.literal('off'), listen]).default('0.0.0.0:9464'),
    subject: z.enum(['clear', 'hashed']).default('clear'),
    audit: z
      .strictObject({
        level: z.enum(['debug', 'info', 'warn']).default('info'),
        sample_allows: z.number().min(0).max(1).default(0),
      })
      .prefault({}),
  })
  .prefault({});

/** How each `telemetry` key applies on reload (schema/apply.ts). */
export const TELEMETRY_APPLY = {
  'telemetry.metrics_listen': 'restart', // the metrics listener is bound at start
  'telemetry.subject': 'live',
  'telemetry.audit.level': 'live',
  'telemetry.audit.sample_allows': 'live',
} as const satisfies ApplyTable;
