import * as grpc from '@grpc/grpc-js';
import { REASON_CODES, reasonMessage, type ReasonCode } from './core/reasons.js';
import type { CheckRequestMessage } from './server/grpc/check.js';
import { AUTHORIZATION_SERVICE, packageDefinition } from './server/grpc/protos.js';

/**
 * `stepgate check`: one CheckRequest sent to a running stepgate over gRPC, exactly as Envoy sends
 * it, and the answer printed in explain's shape. Operators rarely have grpcurl at hand, and
 * explain only says what a configuration file would decide, not what the running replica does
 * (its reloaded policy, its risk history, its state store).
 */

/** The server did not answer (refused, no route, nothing within the timeout): exit 69 (EX_UNAVAILABLE). */
export class ServerUnavailableError extends Error {
  readonly code = 'server_unavailable';
  override name = 'ServerUnavailableError';
}

/** Something answered, but not as an ext_authz v3 server: exit 76 (EX_PROTOCOL). */
export class ServerProtocolError extends Error {
  readonly code = 'server_protocol';
  override name = 'ServerProtocolError';
}

/** The CheckResponse as proto-loader decodes it (keepCase, enums as names). */
export interface CheckResponseMessage {
  status?: { code?: number; message?: string };
  ok_response?: {
    headers?: { header?: { key?: string; value?: string } }[];
    headers_to_remove?: readonly string[];
    /** Headers Envoy adds to the response the client gets (a DPoP nonce, RFC 9449 §8.2). */
    response_headers_to_add?: { header?: { key?: string; value?: string } }[];
  };
  denied_response?: {
    status?: { code?: string | number };
    headers?: { header?: { key?: string; value?: string } }[];
    body?: string;
  };
  dynamic_metadata?: { fields?: Record<string, { stringValue?: string }> };
}

type Unary = (req: unknown, options: grpc.CallOptions, cb: (err: grpc.ServiceError | null, res: unknown) => void) => void;

/** Sends one Check; resolves with the decoded response or rejects with one of the errors above. */
export async function sendCheck(server: string, request: CheckRequestMessage, timeoutMs: number): Promise<CheckResponseMessage> {
  const Authorization = grpc.loadPackageDefinition(packageDefinition())
    .envoy as unknown as { service: { auth: { v3: { Authorization: grpc.ServiceClientConstructor } } } };
  const client = new Authorization.service.auth.v3.Authorization(server, grpc.credentials.createInsecure()) as unknown as grpc.Client & { Check: Unary };
  try {
    return await new Promise<CheckResponseMessage>((resolve, reject) => {
      client.Check(request, { deadline: Date.now() + timeoutMs }, (err, res) => {
        if (err) reject(callError(err, server, timeoutMs));
        else resolve(res as CheckResponseMessage);
      });
    });
  } finally {
    client.close();
  }
}

function callError(err: grpc.ServiceError, server: string, timeoutMs: number): Error {
  const details = err.details.replace(/\s+/g, ' ').slice(0, 300);
  switch (err.code) {
    case grpc.status.UNAVAILABLE: {
      // grpc-js wraps the socket error ("No connection established. Last error: Error: connect
      // ECONNREFUSED …. Resolution note: …"): the socket error is what the operator can act on.
      const cause = /Last error: (?:\w*Error: )?(.+?)\.?(?: Resolution note:.*)?$/.exec(details)?.[1] ?? details;
      return new ServerUnavailableError(`cannot reach a stepgate gRPC server at ${server}: ${cause}`);
    }
    case grpc.status.DEADLINE_EXCEEDED:
      return new ServerUnavailableError(`no answer from ${server} within ${timeoutMs} ms (--timeout-ms)`);
    case grpc.status.UNIMPLEMENTED:
      return new ServerProtocolError(`${server} does not serve ${AUTHORIZATION_SERVICE}/Check: is it stepgate's gRPC port?`);
    default:
      return new ServerProtocolError(`${server} answered with gRPC status ${grpc.status[err.code] ?? err.code}: ${details}`);
  }
}

let statusNumbers: Map<string, number> | undefined;

/** envoy.type.v3.StatusCode names (the loader decodes enums as names) to HTTP status numbers. */
function httpStatus(code: string | number | undefined): number {
  // ext_authz: a denied response without a status is answered 403 by Envoy.
  if (code === undefined || code === 'Empty' || code === 0) return 403;
  if (typeof code === 'number') return code;
  statusNumbers ??= new Map(
    ((packageDefinition()['envoy.type.v3.StatusCode'] as unknown as { type: { value: { name: string; number: number }[] } }).type.value).map((v) => [v.name, v.number]),
  );
  return statusNumbers.get(code) ?? 403;
}

const KNOWN_REASONS = new Set<string>(REASON_CODES);

/**
 * The answer in the shape of explain's `decision` and `response` (README, "stepgate check"), plus
 * the dynamic metadata Envoy would put in its access log. `decision.detail` is not on the wire:
 * the server's audit log has it.
 */
export function renderCheckResponse(server: string, res: CheckResponseMessage) {
  const metadata = Object.fromEntries(Object.entries(res.dynamic_metadata?.fields ?? {}).map(([k, v]) => [k, v.stringValue ?? null]));
  // gRPC status OK is the only allow; anything else is a denial whatever the body says.
  const allow = (res.status?.code ?? 0) === 0 && res.denied_response === undefined;
  const reason = typeof metadata.reason === 'string' ? metadata.reason : allow ? null : res.status?.message || null;
  return {
    server,
    decision: {
      allow,
      reason,
      message: reason !== null && KNOWN_REASONS.has(reason) ? reasonMessage(reason as ReasonCode) : null,
    },
    response: renderResponse(res, allow),
    metadata,
  };
}

/**
 * What a CheckResponse makes Envoy do, as explain and check print it: the status and headers of
 * a denial (or, on an allow, the headers set on the upstream's request), the headers added to the
 * client's response on an allow, the headers removed, the denial's body (JSON parsed, text as is).
 * explain renders its answer through the gRPC adapter's toCheckResponse and this, so that it shows
 * every header the server would send.
 */
export function renderResponse(res: CheckResponseMessage, allow: boolean) {
  const headerList = allow ? res.ok_response?.headers : res.denied_response?.headers;
  const entries = (list: { header?: { key?: string; value?: string } }[] | undefined) => Object.fromEntries((list ?? []).map((h) => [h.header?.key ?? '', h.header?.value ?? '']));
  return {
    status: allow ? 200 : httpStatus(res.denied_response?.status?.code),
    headers: entries(headerList),
    response_headers_to_add: allow ? entries(res.ok_response?.response_headers_to_add) : {},
    headers_to_remove: allow ? (res.ok_response?.headers_to_remove ?? []) : [],
    body: allow ? null : parseBody(res.denied_response?.body),
  };
}

function parseBody(body: string | undefined): unknown {
  if (body === undefined || body === '') return null;
  try {
    return JSON.parse(body) as unknown;
  } catch {
    return body;
  }
}

/** `host:port`, `[v6]:port`; what grpc-js dials. */
export function parseServerAddress(value: string): string | undefined {
  const m = /^(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?):(\d{1,5})$/.exec(value);
  if (!m || Number(m[2]) < 1 || Number(m[2]) > 65535) return undefined;
  return value;
}
