import { pino, type DestinationStream, type Logger } from 'pino';
import type { Verdict } from '../decision/verdict.js';

export type { Logger };

/**
 * Credentials never reach a log line: paths are logged without their query string (tokens and
 * signed URLs travel there) and headers are not logged at all; these paths are redacted as a
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

/** One structured record per decision; denials at info, allows at debug (they are the bulk). */
export function logVerdict(log: Logger, v: Verdict, latencyMs: number): void {
  const level = v.allow ? 'debug' : 'info';
  if (!log.isLevelEnabled(level)) return;
  const req = v.attributes;
  log[level](
    {
      event: 'decision',
      decision: v.allow ? 'allow' : 'deny',
      reason: v.reason,
      detail: v.detail || undefined,
      rules: v.requirement?.rules,
      subject: v.identity?.subject,
      issuer: v.identity?.issuer,
      level: v.identity?.levelName,
      method: req?.method,
      host: req?.host,
      path: req?.path,
      kube: req?.kube
        ? {
            verb: req.kube.verb,
            group: req.kube.apiGroup,
            resource: req.kube.resource,
            subresource: req.kube.subresource || undefined,
            namespace: req.kube.namespace || undefined,
            name: req.kube.name || undefined,
          }
        : undefined,
      source: req?.sourceAddress || undefined,
      token_cached: v.tokenCached,
      latency_ms: Math.round(latencyMs * 1000) / 1000,
    },
    'decision',
  );
}
