import { Buffer } from 'node:buffer';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { protoPath as healthProtoPath } from 'grpc-health-check';

/**
 * Envoy's protos are loaded from the copy @grpc/grpc-js-xds ships (its deps/ folder), never
 * copied into this repository: the wire contract stays the one Envoy publishes.
 */
const require = createRequire(import.meta.url);
const xdsRoot = join(dirname(require.resolve('@grpc/grpc-js-xds/package.json')), 'deps');

export const PROTO_INCLUDE_DIRS = ['envoy-api', 'googleapis', 'xds', 'protoc-gen-validate'].map((d) => join(xdsRoot, d));
export const EXT_AUTHZ_PROTO = 'envoy/service/auth/v3/external_auth.proto';
export const AUTHORIZATION_SERVICE = 'envoy.service.auth.v3.Authorization';

export const LOADER_OPTIONS: protoLoader.Options = {
  keepCase: true,
  longs: String,
  enums: String,
  // Unset fields stay undefined, so "missing" is distinguishable from "empty".
  defaults: false,
  oneofs: true,
  includeDirs: PROTO_INCLUDE_DIRS,
};

let cached: protoLoader.PackageDefinition | undefined;

/** ext_authz v3 plus the health service, in one definition so reflection describes both. */
export function packageDefinition(): protoLoader.PackageDefinition {
  cached ??= protoLoader.loadSync([EXT_AUTHZ_PROTO, healthProtoPath], LOADER_OPTIONS);
  return cached;
}

export function authorizationService(): grpc.ServiceDefinition {
  const def = packageDefinition()[AUTHORIZATION_SERVICE];
  if (!def || !('Check' in def)) throw new Error(`${AUTHORIZATION_SERVICE} missing from ${EXT_AUTHZ_PROTO}`);
  return def as grpc.ServiceDefinition;
}

export function responseSerializer(def: grpc.ServiceDefinition): (msg: unknown) => Buffer {
  return def.Check!.responseSerialize as (msg: unknown) => Buffer;
}

/**
 * Check as the server serves it: answers may be bytes encoded earlier (see EncodedAllowCache), and
 * requests are read by `decode` (decode.ts: only the fields the Check reads) instead of
 * proto-loader's whole-message deserializer.
 */
export function servedCheck(def: grpc.ServiceDefinition, decode: (buf: Buffer) => unknown): grpc.ServiceDefinition {
  const check = def.Check!;
  const serialize = check.responseSerialize as (msg: unknown) => Buffer;
  return {
    ...def,
    Check: { ...check, requestDeserialize: decode, responseSerialize: (msg: unknown) => (Buffer.isBuffer(msg) ? msg : serialize(msg)) },
  };
}
