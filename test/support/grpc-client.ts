import * as grpc from '@grpc/grpc-js';
import { packageDefinition } from '../../src/server/grpc/protos.js';

type Unary = (req: unknown, cb: (err: grpc.ServiceError | null, res: unknown) => void) => void;

export interface CheckResponse {
  status: { code?: number; message?: string };
  http_response?: 'ok_response' | 'denied_response';
  ok_response?: {
    headers?: { header: { key: string; value: string }; append?: { value: boolean } }[];
    headers_to_remove?: string[];
  };
  denied_response?: {
    status?: { code: string };
    headers?: { header: { key: string; value: string } }[];
    body?: string;
  };
  dynamic_metadata?: { fields: Record<string, { stringValue?: string }> };
}

/** A real grpc-js client over loopback, built from the same Envoy protos Envoy itself uses. */
export class CheckClient {
  private readonly client: grpc.Client & { Check: Unary };
  private readonly health: grpc.Client & { Check: Unary };

  constructor(port: number) {
    const pkg = grpc.loadPackageDefinition(packageDefinition()) as unknown as {
      envoy: { service: { auth: { v3: { Authorization: grpc.ServiceClientConstructor } } } };
      grpc: { health: { v1: { Health: grpc.ServiceClientConstructor } } };
    };
    const addr = `127.0.0.1:${port}`;
    this.client = new pkg.envoy.service.auth.v3.Authorization(addr, grpc.credentials.createInsecure()) as never;
    this.health = new pkg.grpc.health.v1.Health(addr, grpc.credentials.createInsecure()) as never;
  }

  check(req: unknown): Promise<CheckResponse> {
    return new Promise((resolve, reject) =>
      this.client.Check(req, (err, res) => (err ? reject(err) : resolve(res as CheckResponse))),
    );
  }

  healthCheck(service = ''): Promise<{ status: string }> {
    return new Promise((resolve, reject) =>
      this.health.Check({ service }, (err, res) => (err ? reject(err) : resolve(res as { status: string }))),
    );
  }

  close(): void {
    this.client.close();
    this.health.close();
  }
}

/** Response helpers: tests assert reason codes and headers, never prose. */
export function reasonOf(res: CheckResponse): string | undefined {
  return res.dynamic_metadata?.fields.reason?.stringValue;
}

export function deniedHeader(res: CheckResponse, name: string): string | undefined {
  return res.denied_response?.headers?.find((h) => h.header.key === name)?.header.value;
}

export function okHeader(res: CheckResponse, name: string): string | undefined {
  return res.ok_response?.headers?.find((h) => h.header.key === name)?.header.value;
}

export function deniedStatus(res: CheckResponse): string | undefined {
  return res.denied_response?.status?.code;
}

export function deniedBody(res: CheckResponse): Record<string, unknown> {
  return JSON.parse(res.denied_response?.body ?? 'null') as Record<string, unknown>;
}

/** The risk context a refusal names (`new_network`, `unfamiliar_namespace`…), in a JSON or a kubectl Status body; '' for an allow or none. */
export function riskContextOf(res: CheckResponse): string {
  if (res.status.code === 0) return '';
  const body = deniedBody(res) as { kind?: string; stepgate?: { risk?: { context?: { code: string } } }; risk?: { context?: { code: string } } };
  return (body.kind === 'Status' ? body.stepgate?.risk : body.risk)?.context?.code ?? '';
}

/** What a refusal tells the caller about its risk context (its summary and what to do), '' none. */
export function riskContextMessageOf(res: CheckResponse): string {
  if (res.status.code === 0) return '';
  const body = deniedBody(res) as { kind?: string; stepgate?: { risk?: { context?: { message: string } } }; risk?: { context?: { message: string } } };
  return (body.kind === 'Status' ? body.stepgate?.risk : body.risk)?.context?.message ?? '';
}
