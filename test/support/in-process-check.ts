import * as grpc from '@grpc/grpc-js';
import type { Service } from '../../src/main.js';
import type { CheckRequestMessage } from '../../src/server/grpc/check.js';
import { decodeCheckRequest } from '../../src/server/grpc/decode.js';
import { EncodedAllowCache } from '../../src/server/grpc/encoded-allows.js';
import { authorizationService, servedCheck } from '../../src/server/grpc/protos.js';
import { handleCheck } from '../../src/server/grpc/server.js';
import type { CheckResponse } from './grpc-client.js';

/**
 * A running service's Check without HTTP/2: the request encoded by the client's serializer and
 * read by the server's decoder, the server's own handler (parse, evaluate, answer, telemetry) on
 * the service's live runtime, and the answer encoded as the server encodes it and decoded as the
 * client decodes it. Only the framing between the two is left out; over loopback that framing is
 * more than half of a replayed day's CPU (day 1, seed 12: 10.8 s over gRPC, 4.8 s here, identical
 * report), which is why the day replays use it. test/integration/risk-day-transport.test.ts holds
 * the two to the same report on a whole day.
 */
export function inProcessCheck(service: Service): (request: unknown) => Promise<CheckResponse> {
  const def = authorizationService();
  const client = def.Check!;
  const served = servedCheck(def, decodeCheckRequest).Check!;
  const encodeRequest = client.requestSerialize as (m: unknown) => Buffer;
  const decodeResponse = client.responseDeserialize as (b: Buffer) => CheckResponse;
  const decodeRequest = served.requestDeserialize as (b: Buffer) => CheckRequestMessage;
  const encodeResponse = served.responseSerialize as (m: unknown) => Buffer;
  const encodedAllows = new EncodedAllowCache(client.responseSerialize as (m: unknown) => Buffer, service.runtime.config.token_cache.encoded_allow_max_entries);
  const opts = { runtime: () => service.runtime, log: service.log, listen: '' };
  const metadata = new grpc.Metadata();
  return (request) =>
    new Promise((resolve, reject) => {
      const msg = decodeRequest(encodeRequest(request));
      handleCheck(opts, service.telemetry, encodedAllows, msg, metadata, (err, res) => (err ? reject(new Error(`the Check failed: ${err.details ?? String(err.code)}`)) : resolve(decodeResponse(encodeResponse(res)))));
    });
}
