import { pino, type DestinationStream, type Logger } from 'pino';

export type { Logger };

/**
 * The process logger: JSON lines on stdout. Decisions and audit records are written by
 * audit.ts (DecisionLog), the only place that logs them.
 *
 * Credentials never reach a log line: paths are logged without their query string (tokens and
 * signed URLs travel there) and headers are not logged, except `user-agent` and `x-request-id`,
bounded and cleaned by redact.ts (the redaction helper spans use too); these paths are redacted as a
 * second line of defence should a caller log a raw object.
 */
const REDACT = [
  'authorization',
  'cookie',
  '*.authorization',
  '*.cookie',
  'headers',
  '*.headers',
  'token',
  '*.token',
];

export function createLogger(level: string, destination?: DestinationStream): Logger {
  return pino(
    {
      level,
      base: { service: 'stepgate' },
      redact: { paths: REDACT, censor: '[redacted]' },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
    },
    destination,
  );
}
