import protobuf from 'protobufjs';

/**
 * A decoder for OTLP/HTTP protobuf trace exports (ExportTraceServiceRequest), written from the
 * OpenTelemetry protocol's field numbers (opentelemetry-proto, trace/v1 and common/v1), and
 * independent of stepgate's writer and of the SDK's serializer: what a collector's receiver reads.
 */
const PROTO = `
syntax = "proto3";
package otlp;
message ExportTraceServiceRequest { repeated ResourceSpans resource_spans = 1; }
message ResourceSpans { Resource resource = 1; repeated ScopeSpans scope_spans = 2; string schema_url = 3; }
message Resource { repeated KeyValue attributes = 1; uint32 dropped_attributes_count = 2; }
message ScopeSpans { InstrumentationScope scope = 1; repeated Span spans = 2; string schema_url = 3; }
message InstrumentationScope { string name = 1; string version = 2; repeated KeyValue attributes = 3; uint32 dropped_attributes_count = 4; }
message Span {
  bytes trace_id = 1;
  bytes span_id = 2;
  string trace_state = 3;
  bytes parent_span_id = 4;
  string name = 5;
  int32 kind = 6;
  fixed64 start_time_unix_nano = 7;
  fixed64 end_time_unix_nano = 8;
  repeated KeyValue attributes = 9;
  uint32 dropped_attributes_count = 10;
  repeated Event events = 11;
  uint32 dropped_events_count = 12;
  repeated Link links = 13;
  uint32 dropped_links_count = 14;
  Status status = 15;
  fixed32 flags = 16;
  message Event { fixed64 time_unix_nano = 1; string name = 2; repeated KeyValue attributes = 3; uint32 dropped_attributes_count = 4; }
  message Link { bytes trace_id = 1; bytes span_id = 2; string trace_state = 3; repeated KeyValue attributes = 4; uint32 dropped_attributes_count = 5; fixed32 flags = 6; }
}
message Status { string message = 2; int32 code = 3; }
message AnyValue {
  oneof value {
    string string_value = 1;
    bool bool_value = 2;
    int64 int_value = 3;
    double double_value = 4;
    ArrayValue array_value = 5;
    KeyValueList kvlist_value = 6;
    bytes bytes_value = 7;
  }
}
message ArrayValue { repeated AnyValue values = 1; }
message KeyValueList { repeated KeyValue values = 1; }
message KeyValue { string key = 1; AnyValue value = 2; }
`;

const REQUEST = protobuf.parse(PROTO, { keepCase: true }).root.lookupType('otlp.ExportTraceServiceRequest');

export interface DecodedSpan {
  resource: Record<string, unknown>;
  scope: Record<string, unknown>;
  span: Record<string, unknown> & { trace_id: string; span_id: string; parent_span_id?: string; start_time_unix_nano: string; end_time_unix_nano: string; name: string };
}

/** Every span of one export, with its resource and scope; ids as hex, 64-bit numbers as decimal strings, defaults included. */
export function decodeTraceExport(body: Uint8Array): DecodedSpan[] {
  const msg = REQUEST.toObject(REQUEST.decode(body), { longs: String, bytes: String, defaults: true, arrays: true, oneofs: false }) as {
    resource_spans: { resource: Record<string, unknown>; scope_spans: { scope: Record<string, unknown>; spans: DecodedSpan['span'][] }[] }[];
  };
  const hex = (b64: string) => Buffer.from(b64, 'base64').toString('hex');
  return msg.resource_spans.flatMap((rs) =>
    rs.scope_spans.flatMap((ss) =>
      ss.spans.map((span) => ({
        resource: rs.resource,
        scope: ss.scope,
        span: { ...span, trace_id: hex(span.trace_id), span_id: hex(span.span_id), parent_span_id: hex(span.parent_span_id ?? '') },
      })),
    ),
  );
}
