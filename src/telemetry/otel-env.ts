import { readFileSync } from 'node:fs';
import { defaultResource, detectResources, envDetector, resourceFromAttributes, type Resource } from '@opentelemetry/resources';

/**
 * What the standard OTEL_* environment variables turn on. stepgate exports nothing unless told
 * to: the OpenTelemetry SDK's own default (OTLP to localhost:4318) would otherwise make every
 * installation without a collector retry exports forever.
 */

export const SERVICE_VERSION: string = (() => {
  try {
    return (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;
  } catch {
    return 'unknown';
  }
})();

const list = (v: string | undefined) =>
  (v ?? '')
    .split(',')
    .map((s) => s.trim().toLowerCase())
    .filter((s) => s !== '');

function disabled(env: NodeJS.ProcessEnv): boolean {
  return (env.OTEL_SDK_DISABLED ?? '').trim().toLowerCase() === 'true';
}

/**
 * Tracing is on when an OTLP endpoint is configured (OTEL_EXPORTER_OTLP_ENDPOINT or
 * OTEL_EXPORTER_OTLP_TRACES_ENDPOINT) or OTEL_TRACES_EXPORTER names an exporter; off with
 * OTEL_SDK_DISABLED=true or OTEL_TRACES_EXPORTER=none, and off when nothing is set.
 */
export function tracingWanted(env: NodeJS.ProcessEnv): boolean {
  if (disabled(env)) return false;
  const exporters = list(env.OTEL_TRACES_EXPORTER);
  if (exporters.includes('none')) return false;
  if (exporters.length > 0) return true;
  return Boolean(env.OTEL_EXPORTER_OTLP_ENDPOINT || env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT);
}

/**
 * OTLP metrics, next to the Prometheus endpoint: on when an OTLP endpoint is configured
 * (OTEL_EXPORTER_OTLP_ENDPOINT or OTEL_EXPORTER_OTLP_METRICS_ENDPOINT) or OTEL_METRICS_EXPORTER
 * lists `otlp`; off with OTEL_SDK_DISABLED=true or OTEL_METRICS_EXPORTER=none.
 */
export function otlpMetricsWanted(env: NodeJS.ProcessEnv): boolean {
  if (disabled(env)) return false;
  const exporters = list(env.OTEL_METRICS_EXPORTER);
  if (exporters.includes('none')) return false;
  if (exporters.includes('otlp')) return true;
  if (exporters.length > 0) return false; // e.g. only `prometheus`: stepgate's own endpoint serves that
  return Boolean(env.OTEL_EXPORTER_OTLP_ENDPOINT || env.OTEL_EXPORTER_OTLP_METRICS_ENDPOINT);
}

/** `service.name` defaults to stepgate; OTEL_SERVICE_NAME and OTEL_RESOURCE_ATTRIBUTES override it. */
export function serviceResource(): Resource {
  return defaultResource()
    .merge(resourceFromAttributes({ 'service.name': 'stepgate', 'service.version': SERVICE_VERSION }))
    .merge(detectResources({ detectors: [envDetector] }));
}
