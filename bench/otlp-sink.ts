import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * The OTLP receiver of scenario (d): a tiny HTTP server on loopback that accepts
 * `POST /v1/traces` (and `/v1/metrics`) in OTLP/HTTP protobuf, answers 200 with an empty
 * Export*ServiceResponse, and counts what it received: requests, bytes and `stepgate.check` spans.
 * It does as little as a collector's receiver would before queueing, so the exporting side
 * (stepgate) is what the scenario measures.
 */
export interface OtlpSink {
  url: string;
  readonly stats: { traceRequests: number; metricRequests: number; bytes: number; checkSpans: number; otherSpans: number };
  close(): Promise<void>;
}

export async function startOtlpSink(): Promise<OtlpSink> {
  const stats = { traceRequests: 0, metricRequests: 0, bytes: 0, checkSpans: 0, otherSpans: 0 };
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      stats.bytes += body.length;
      if (req.url === '/v1/traces') {
        stats.traceRequests++;
        countSpans(body, stats);
      } else if (req.url === '/v1/metrics') {
        stats.metricRequests++;
      }
      res.writeHead(200, { 'content-type': 'application/x-protobuf' }).end();
    });
  });
  server.keepAliveTimeout = 30_000;
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    stats,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

const CHECK = Buffer.from('stepgate.check');

/**
 * ExportTraceServiceRequest { repeated ResourceSpans resource_spans = 1 }
 *   ResourceSpans { Resource resource = 1; repeated ScopeSpans scope_spans = 2 }
 *     ScopeSpans { InstrumentationScope scope = 1; repeated Span spans = 2 }
 *       Span { ... string name = 5 ... }
 * Walked with a minimal protobuf reader: only length-delimited fields are followed.
 */
function countSpans(buf: Buffer, stats: { checkSpans: number; otherSpans: number }): void {
  for (const rs of fields(buf, 0, buf.length, 1)) {
    for (const ss of fields(buf, rs[0], rs[1], 2)) {
      for (const span of fields(buf, ss[0], ss[1], 2)) {
        const name = fields(buf, span[0], span[1], 5).next().value as [number, number] | undefined;
        if (name && buf.subarray(name[0], name[1]).equals(CHECK)) stats.checkSpans++;
        else stats.otherSpans++;
      }
    }
  }
}

/** [start, end) of each length-delimited field `wanted` in buf[from, to). */
function* fields(buf: Buffer, from: number, to: number, wanted: number): Generator<[number, number]> {
  let i = from;
  while (i < to) {
    let key: number;
    [key, i] = varint(buf, i);
    const field = Math.floor(key / 8);
    const wire = key & 7;
    if (wire === 0) [, i] = varint(buf, i);
    else if (wire === 1) i += 8;
    else if (wire === 5) i += 4;
    else if (wire === 2) {
      let len: number;
      [len, i] = varint(buf, i);
      if (field === wanted) yield [i, i + len];
      i += len;
    } else {
      throw new Error(`unexpected protobuf wire type ${wire}`);
    }
  }
}

function varint(buf: Buffer, i: number): [number, number] {
  let result = 0;
  let shift = 1;
  for (;;) {
    const b = buf[i++]!;
    result += (b & 0x7f) * shift;
    if (b < 0x80) return [result, i];
    shift *= 128;
  }
}
