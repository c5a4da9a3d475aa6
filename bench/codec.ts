import type { ChildProcess } from 'node:child_process';
import { accessSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import protobuf from 'protobufjs';
// Imported first on purpose: loading proto-loader registers the well-known protos
// (descriptor.proto, …) with protobufjs, which the Envoy protos import.
import { AUTHORIZATION_SERVICE, EXT_AUTHZ_PROTO, PROTO_INCLUDE_DIRS } from '../src/server/grpc/protos.js';

/**
 * Byte-level ext_authz for the benchmark: CheckRequests are encoded once with protobufjs from
 * the same Envoy protos the server loads, and sent as bytes, so neither h2load nor the
 * load client spends time serialising while it measures.
 */

export const CHECK_PATH = `/${AUTHORIZATION_SERVICE}/Check`;

let root: protobuf.Root | undefined;

export function envoyRoot(): protobuf.Root {
  if (root) return root;
  const r = new protobuf.Root();
  // Same include-path resolution as @grpc/proto-loader, so the descriptors are identical.
  r.resolvePath = (_origin, target) => {
    if (isAbsolute(target)) return target;
    for (const dir of PROTO_INCLUDE_DIRS) {
      try {
        accessSync(join(dir, target));
        return join(dir, target);
      } catch {
        // not in this include dir
      }
    }
    return target;
  };
  r.loadSync(EXT_AUTHZ_PROTO, { keepCase: true });
  r.resolveAll();
  root = r;
  return r;
}

/** Plain-object CheckRequest (snake_case field names, as on the wire) → protobuf bytes. */
export function encodeCheckRequest(obj: Record<string, unknown>): Buffer {
  const type = envoyRoot().lookupType('envoy.service.auth.v3.CheckRequest');
  const problem = type.verify(obj);
  if (problem) throw new Error(`CheckRequest does not match the proto: ${problem}`);
  return Buffer.from(type.encode(type.fromObject(obj)).finish());
}

/** gRPC length-prefixed message: flag 0 (uncompressed), 4-byte big-endian length, bytes. */
export function grpcFrame(message: Buffer): Buffer {
  const head = Buffer.alloc(5);
  head.writeUInt8(0, 0);
  head.writeUInt32BE(message.length, 1);
  return Buffer.concat([head, message]);
}

/** Splits a file of concatenated gRPC frames back into messages (without their prefixes). */
export function splitFrames(buf: Buffer): Buffer[] {
  const out: Buffer[] = [];
  for (let off = 0; off < buf.length; ) {
    const len = buf.readUInt32BE(off + 1);
    out.push(buf.subarray(off + 5, off + 5 + len));
    off += 5 + len;
  }
  return out;
}

export interface Decision {
  allow: boolean;
  reason: string;
  /** 'hit' | 'miss' from stepgate's dynamic metadata; '' when the server did not report it. */
  tokenCache: string;
  /** The matched rules (comma-separated), `guardrail:<code>` included. */
  rules: string;
}

type StructValue = { string_value?: string; stringValue?: string };

/**
 * What we assert on: status.code (all Envoy looks at), the reason (status.message on a deny) and
 * the token cache outcome from dynamic_metadata. protobufjs defines google.protobuf.Struct with
 * camelCase names whatever keepCase says, so both spellings are read.
 */
export function decodeDecision(bytes: Buffer): Decision {
  const type = envoyRoot().lookupType('envoy.service.auth.v3.CheckResponse');
  const res = type.toObject(type.decode(bytes), { defaults: false }) as {
    status?: { code?: number; message?: string };
    dynamic_metadata?: { fields?: Record<string, StructValue> };
  };
  const fields = res.dynamic_metadata?.fields ?? {};
  const text = (v: StructValue | undefined) => v?.string_value || v?.stringValue || '';
  const allow = (res.status?.code ?? 0) === 0;
  return {
    allow,
    reason: text(fields.reason) || (allow ? 'allowed' : (res.status?.message ?? '')),
    tokenCache: text(fields.token_cache),
    rules: text(fields.rules),
  };
}

/**
 * A grpc-js client that sends pre-encoded bytes and returns the raw response bytes. Each
 * instance gets its own HTTP/2 connection (local subchannel pool), like one h2load client.
 */
export class RawCheckClient {
  private readonly client: grpc.Client;

  constructor(port: number) {
    this.client = new grpc.Client(`127.0.0.1:${port}`, grpc.credentials.createInsecure(), {
      'grpc.use_local_subchannel_pool': 1,
    });
  }

  check(message: Buffer, deadlineMs = 10_000): Promise<Buffer> {
    return new Promise((resolve, reject) => {
      this.client.makeUnaryRequest(
        CHECK_PATH,
        (b: Buffer) => b,
        (b: Buffer) => b,
        message,
        { deadline: Date.now() + deadlineMs },
        (err, res) => (err || !res ? reject(err ?? new Error('empty response')) : resolve(res)),
      );
    });
  }

  /** Resolves once the HTTP/2 connection is up; used to wait for a freshly started server. */
  ready(timeoutMs: number): Promise<void> {
    return new Promise((resolve, reject) =>
      this.client.waitForReady(Date.now() + timeoutMs, (err) => (err ? reject(err) : resolve())),
    );
  }

  close(): void {
    this.client.close();
  }
}

/** Resolves once a freshly spawned server answers on its gRPC port; kills it if it never does. */
export async function awaitServer(proc: ChildProcess, port: number, timeoutMs = 60_000): Promise<void> {
  const client = new RawCheckClient(port);
  try {
    await client.ready(timeoutMs);
  } catch (err) {
    proc.kill('SIGKILL');
    throw err;
  } finally {
    client.close();
  }
}

/**
 * Sends every frame to every server twice (the second answer is the cached-token one a run
 * measures) and throws when a server answers other than the frame's shape expects, so a bench
 * never measures a server that is deciding something else.
 */
export async function verifyAnswers(
  servers: readonly { name: string; port: number }[],
  frames: readonly { message: Buffer; shape: { name: string; expect: { allow: boolean; reason: string } } }[],
): Promise<void> {
  for (const s of servers) {
    const client = new RawCheckClient(s.port);
    try {
      for (const f of frames) {
        await client.check(f.message);
        const d = decodeDecision(await client.check(f.message));
        if (d.allow !== f.shape.expect.allow || d.reason !== f.shape.expect.reason) throw new Error(`${s.name}: ${f.shape.name} answered ${JSON.stringify(d)}`);
      }
    } finally {
      client.close();
    }
  }
}
