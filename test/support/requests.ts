/** Envoy-shaped CheckRequests, as Envoy would send them for a request through the gateway. */
export interface RequestSpec {
  method?: string;
  path: string;
  host?: string;
  scheme?: string;
  headers?: Record<string, string>;
  /** Headers the client does not send at all, the default user agent included. */
  omitHeaders?: readonly string[];
  token?: string;
  source?: string;
  /**
   * The peer's principal Envoy reports for a client certificate it verified (`source.principal`:
   * the certificate's URI SAN, else its subject); absent when the client presented none.
   */
  principal?: string;
  context?: Record<string, string>;
  /** Use Envoy's encode_raw_headers form (header_map with raw_value bytes) instead of the map. */
  raw?: boolean;
  /** Envoy's with_request_body: `body` as a string, or `raw_body` bytes (pack_as_bytes). */
  body?: string;
  rawBody?: Uint8Array;
}

export const KUBE_HOST = 'kube.example.com';
export const DASH_HOST = 'grafana.example.com';

export function checkRequest(spec: RequestSpec) {
  const method = spec.method ?? 'GET';
  const host = spec.host ?? KUBE_HOST;
  const headers: Record<string, string> = {
    ':method': method,
    ':path': spec.path,
    ':authority': host,
    ':scheme': spec.scheme ?? 'https',
    'x-request-id': '6f1c1d7e-0000-4000-8000-000000000001',
    'user-agent': 'kubectl/v1.31.0 (linux/amd64) kubernetes/abcdef',
    accept: 'application/json',
    ...(spec.token ? { authorization: `Bearer ${spec.token}` } : {}),
    ...spec.headers,
  };
  for (const h of spec.omitHeaders ?? []) delete headers[h];
  const http: Record<string, unknown> = {
    id: '1234567890',
    method,
    path: spec.path,
    host,
    scheme: spec.scheme ?? 'https',
    protocol: 'HTTP/2',
  };
  if (spec.body !== undefined) http.body = spec.body;
  if (spec.rawBody !== undefined) http.raw_body = spec.rawBody;
  if (spec.raw) {
    http.header_map = {
      headers: Object.entries(headers).map(([key, value]) => ({ key, raw_value: Buffer.from(value, 'latin1') })),
    };
  } else {
    http.headers = headers;
  }
  return {
    attributes: {
      source: { address: { socket_address: { address: spec.source ?? '10.1.2.3', port_value: 51000 } }, ...(spec.principal !== undefined ? { principal: spec.principal } : {}) },
      destination: { address: { socket_address: { address: '10.0.0.1', port_value: 443 } } },
      request: { time: { seconds: String(Math.floor(Date.now() / 1000)) }, http },
      context_extensions: spec.context ?? {},
    },
  };
}

export const BROWSER_HEADERS = {
  accept: 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8',
  'sec-fetch-mode': 'navigate',
  'sec-fetch-dest': 'document',
  'user-agent': 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/156.0 Safari/537.36',
};

/** The content types kubectl's writes carry, for tests that send one write in every shape. */
export const CONTENT_TYPES = {
  json: 'application/json',
  merge: 'application/merge-patch+json',
  jsonPatch: 'application/json-patch+json',
  strategic: 'application/strategic-merge-patch+json',
  apply: 'application/apply-patch+yaml',
} as const;
