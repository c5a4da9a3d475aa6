import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { OTLPMetricExporter as OtlpGrpc } from '@opentelemetry/exporter-metrics-otlp-grpc';
import { OTLPMetricExporter as OtlpHttpJson } from '@opentelemetry/exporter-metrics-otlp-http';
import { OTLPMetricExporter as OtlpProto } from '@opentelemetry/exporter-metrics-otlp-proto';
import { PrometheusExporter } from '@opentelemetry/exporter-prometheus';
import { MeterProvider, PeriodicExportingMetricReader, type IMetricReader, type MetricProducer, type PushMetricExporter } from '@opentelemetry/sdk-metrics';
import type { Logger } from './log.js';
import { otlpMetricsWanted, serviceResource } from './otel-env.js';

/**
 * Where metrics go: a Prometheus scrape endpoint on its own port (`telemetry.metrics_listen`,
 * `STEPGATE_METRICS_LISTEN`), and OTLP when the OTEL_* environment asks for it. Both readers
 * belong to one MeterProvider and read the same StepgateMetrics producer.
 */

export interface MetricsExport {
  /** The port the Prometheus endpoint listens on; undefined when it is off or could not bind. */
  readonly port: number | undefined;
  shutdown(): Promise<void>;
}

export interface MetricsExportOptions {
  producer: MetricProducer;
  /** `host:port`, or `off`. */
  listen: string;
  env: NodeJS.ProcessEnv;
  log: Logger;
  /** More readers (tests). */
  readers?: IMetricReader[];
}

export async function startMetricsExport(opts: MetricsExportOptions): Promise<MetricsExport> {
  const readers: IMetricReader[] = [...(opts.readers ?? [])];
  let prometheus: PrometheusExporter | undefined;
  if (opts.listen !== 'off') {
    // The exporter's own server cannot listen on port 0 or report bind errors to us; its
    // request handler is served from a server we own instead.
    prometheus = new PrometheusExporter({ preventServerStart: true, withoutScopeInfo: true, metricProducers: [opts.producer] });
    readers.push(prometheus);
  }
  if (otlpMetricsWanted(opts.env)) {
    readers.push(
      new PeriodicExportingMetricReader({
        exporter: otlpExporter(opts.env),
        exportIntervalMillis: positive(opts.env.OTEL_METRIC_EXPORT_INTERVAL) ?? 60_000,
        exportTimeoutMillis: Math.min(positive(opts.env.OTEL_METRIC_EXPORT_TIMEOUT) ?? 30_000, positive(opts.env.OTEL_METRIC_EXPORT_INTERVAL) ?? 60_000),
        metricProducers: [opts.producer],
      }),
    );
  }
  const provider = readers.length > 0 ? new MeterProvider({ resource: serviceResource(), readers }) : undefined;
  const server = prometheus ? await listen(opts.listen, prometheus, opts.log) : undefined;
  return {
    port: server ? (server.address() as AddressInfo).port : undefined,
    async shutdown() {
      if (server) {
        server.closeAllConnections();
        await new Promise<void>((r) => server.close(() => r()));
      }
      await provider?.shutdown();
    },
  };
}

/**
 * A port that is taken does not stop stepgate: authentication matters more than its metrics.
 * The failure is logged (event `metrics_listen`), and Prometheus shows the target as down.
 */
async function listen(address: string, exporter: PrometheusExporter, log: Logger): Promise<Server | undefined> {
  const { host, port } = splitHostPort(address);
  const server = createServer((req, res) => {
    const path = (req.url ?? '').split('?', 1)[0];
    if (req.method === 'GET' && path === '/metrics') return exporter.getMetricsRequestHandler(req, res);
    res.writeHead(404, { 'content-type': 'text/plain' }).end('not found; metrics are at /metrics\n');
  });
  server.keepAliveTimeout = 65_000; // longer than Prometheus' idle time between scrapes
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen({ host, port }, () => {
        server.off('error', reject);
        resolve();
      });
    });
  } catch (err) {
    log.error({ event: 'metrics_listen', outcome: 'error', address, error: (err as Error).message }, 'cannot serve metrics; checks are not affected');
    return undefined;
  }
  server.unref();
  const bound = (server.address() as AddressInfo).port;
  log.info({ event: 'metrics_listen', outcome: 'ok', address, port: bound }, `Prometheus metrics on port ${bound} at /metrics`);
  return server;
}

export function splitHostPort(address: string): { host: string; port: number } {
  const i = address.lastIndexOf(':');
  const host = address.slice(0, i).replace(/^\[(.*)\]$/, '$1');
  return { host, port: Number(address.slice(i + 1)) };
}

/** The same protocol choice the SDK makes for traces: OTEL_EXPORTER_OTLP_(METRICS_)PROTOCOL. */
function otlpExporter(env: NodeJS.ProcessEnv): PushMetricExporter {
  const protocol = (env.OTEL_EXPORTER_OTLP_METRICS_PROTOCOL ?? env.OTEL_EXPORTER_OTLP_PROTOCOL ?? '').trim() || 'http/protobuf';
  switch (protocol) {
    case 'grpc':
      return new OtlpGrpc();
    case 'http/json':
      return new OtlpHttpJson();
    default:
      return new OtlpProto();
  }
}

function positive(v: string | undefined): number | undefined {
  const n = Number(v);
  return v !== undefined && v.trim() !== '' && Number.isFinite(n) && n > 0 ? n : undefined;
}
