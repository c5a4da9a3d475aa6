import { packageDefinition } from '../src/server/grpc/protos.js';
import protobuf from 'protobufjs';
import { encodeCheckRequest } from './codec.js';
const def = packageDefinition()['envoy.service.auth.v3.Authorization'] as any;
const ser = def.Check.responseSerialize({ status: { code: 0 }, dynamic_metadata: { fields: { reason: { string_value: 'allowed' } } } });
console.log(ser.toString('hex'));
const ser2 = def.Check.responseSerialize({ status: { code: 0 }, dynamic_metadata: { fields: { reason: { stringValue: 'allowed' } } } });
console.log(ser2.toString('hex'));
const root = new protobuf.Root();
