import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor, type ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { createLogger, type Logger } from '../../src/telemetry/log.js';

/** Spans recorded in memory, exported one by one as they end (SimpleSpanProcessor). */
export function captureSpans() {
  const exporter = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
  return {
    provider,
    exporter,
    spans: (): ReadableSpan[] => exporter.getFinishedSpans(),
    named: (name: string): ReadableSpan[] => exporter.getFinishedSpans().filter((s) => s.name === name),
  };
}

/** A real pino logger whose destination is an array of parsed records (every line must be JSON). */
export function captureLog(level = 'info'): { logger: Logger; records: Record<string, unknown>[]; lines: string[] } {
  const records: Record<string, unknown>[] = [];
  const lines: string[] = [];
  const logger = createLogger(level, {
    write(line: string) {
      lines.push(line);
      records.push(JSON.parse(line) as Record<string, unknown>);
    },
  });
  return { logger, records, lines };
}

/** Polls until `cond` holds (or fails after `ms`): for things that happen after the answer was sent. */
export async function eventually<T>(cond: () => T | undefined | false | Promise<T | undefined | false>, ms = 5000, what = 'condition'): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await cond();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** A minimal OTLP/HTTP receiver on loopback: keeps what is POSTed to /v1/traces and /v1/metrics. */
export class OtlpSink {
  readonly traces: unknown[] = [];
  readonly metrics: unknown[] = [];
  private server: Server | undefined;
  url = '';

  static async start(): Promise<OtlpSink> {
    const sink = new OtlpSink();
    sink.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const body = Buffer.concat(chunks);
        // OTLP/JSON parsed; OTLP/protobuf kept as the bytes received (test/support/otlp-proto.ts decodes them).
        const parsed: unknown = req.headers['content-type']?.includes('json') ? JSON.parse(body.toString('utf8')) : body;
        if (req.url === '/v1/traces') sink.traces.push(parsed);
        else if (req.url === '/v1/metrics') sink.metrics.push(parsed);
        res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
      });
    });
    await new Promise<void>((r) => sink.server!.listen(0, '127.0.0.1', r));
    sink.url = `http://127.0.0.1:${(sink.server.address() as AddressInfo).port}`;
    return sink;
  }

  /** Spans of every OTLP/JSON trace export received so far. */
  spans(): OtlpSpan[] {
    return (this.traces as { resourceSpans?: { scopeSpans?: { spans?: OtlpSpan[] }[] }[] }[]).flatMap((t) =>
      (t.resourceSpans ?? []).flatMap((r) => (r.scopeSpans ?? []).flatMap((s) => s.spans ?? [])),
    );
  }

  /** Names of the metrics in every OTLP/JSON metrics export received so far. */
  metricNames(): Set<string> {
    const names = new Set<string>();
    for (const m of this.metrics as { resourceMetrics?: { scopeMetrics?: { metrics?: { name: string }[] }[] }[] }[]) {
      for (const r of m.resourceMetrics ?? []) for (const s of r.scopeMetrics ?? []) for (const x of s.metrics ?? []) names.add(x.name);
    }
    return names;
  }

  async close(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((r) => this.server?.close(() => r()));
  }
}

export interface OtlpSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  kind: number;
  attributes?: { key: string; value: Record<string, unknown> }[];
}

export const TRACE_ID = '4bf92f3577b34da6a3ce929d0e0e4736';
export const PARENT_SPAN_ID = '00f067aa0ba902b7';
export const TRACEPARENT = `00-${TRACE_ID}-${PARENT_SPAN_ID}-01`;
