import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseCheckRequest, type CheckRequestMessage, type ParsedCheck } from '../../src/server/grpc/check.js';
import { decodeCheckRequest, HEADER_ENTRIES } from '../../src/server/grpc/decode.js';
import { authorizationService } from '../../src/server/grpc/protos.js';

/**
 * parseCheckRequest reads a decoded request's `headers` from the decoder's entries (check.ts,
 * collectEntries) instead of the object proto-loader built. These hold that fast path to the object
 * path on repeated keys, keys that differ in case, array-index keys, `__proto__`, spoofed identity
 * headers, cookies and both header limits.
 */

/** proto-loader's deserializer: headers as a plain object, the last value of a repeated key kept. */
const reference = authorizationService().Check!.requestDeserialize as (b: Buffer) => CheckRequestMessage;

function varint(n: number): number[] {
  const out: number[] = [];
  while (n >= 128) {
    out.push((n & 127) | 128);
    n >>>= 7;
  }
  out.push(n);
  return out;
}

function field(n: number, body: Buffer): Buffer {
  return Buffer.concat([Buffer.from([...varint((n << 3) | 2), ...varint(body.length)]), body]);
}

const text = (n: number, s: string) => field(n, Buffer.from(s, 'utf8'));

/**
 * CheckRequest{attributes{request{http{method, path, headers…}}}} with the map entries in this
 * order, repeats included; an entry's third element is a key written before its key (the last wins).
 */
function wire(entries: readonly (readonly [string, string, string?])[]): Buffer {
  const entry = ([k, v, earlier]: readonly [string, string, string?]) => field(3, Buffer.concat([...(earlier === undefined ? [] : [text(1, earlier)]), text(1, k), text(2, v)]));
  const http = Buffer.concat([text(2, 'GET'), text(4, '/api/v1/pods'), ...entries.map(entry)]);
  return field(1, field(4, field(2, http)));
}

/** Everything a caller can observe, the map's order included. */
function observed(p: ParsedCheck) {
  return p.ok ? { ok: true, headers: [...p.raw.headers], spoofed: [...p.spoofed] } : p;
}

const limits = { maxHeaderBytes: 48, maxTotalHeaderBytes: 160 };
const name = fc.oneof(
  fc.constantFrom('accept', 'Accept', 'ACCEPT', 'cookie', 'Cookie', 'authorization', 'x-stepgate-email', 'X-Stepgate-Groups', 'x_stepgate_level', 'X-StepGate_Email', '__proto__', 'constructor', '0', '12', '01', '', ':path', 'upgrade'),
  fc.string({ maxLength: 10 }),
);
const value = fc.oneof(fc.string({ maxLength: 12 }), fc.string({ minLength: 30, maxLength: 60 }));
const entries = fc.array(fc.tuple(name, value), { maxLength: 10 });

describe('header entries (decode.ts) against the headers object', () => {
  it('give parseCheckRequest the same headers, order, spoofed names and limit outcome', () => {
    let fast = 0;
    fc.assert(
      fc.property(entries, (list) => {
        const buf = wire(list);
        const got = decodeCheckRequest(buf);
        const http = got.attributes!.request!.http! as { [HEADER_ENTRIES]?: string[] };
        if (http[HEADER_ENTRIES] !== undefined) fast++;
        expect(observed(parseCheckRequest(got, limits, 1024))).toEqual(observed(parseCheckRequest(reference(buf), limits, 1024)));
      }),
      { numRuns: 3000 },
    );
    expect(fast).toBeGreaterThan(2000);
  });

  it('read an entry whose key is written twice by its last key', () => {
    const twice = fc.array(fc.tuple(name, value, fc.option(name, { nil: undefined })), { maxLength: 6 });
    fc.assert(
      fc.property(twice, (list) => {
        const buf = wire(list);
        expect(observed(parseCheckRequest(decodeCheckRequest(buf), limits, 1024))).toEqual(observed(parseCheckRequest(reference(buf), limits, 1024)));
      }),
      { numRuns: 2000 },
    );
  });

  it('still give the object, built from the entries, to whoever reads `headers`', () => {
    fc.assert(
      fc.property(entries, (list) => {
        const buf = wire(list);
        const got = decodeCheckRequest(buf).attributes!.request!.http!.headers;
        const want = reference(buf).attributes?.request?.http?.headers;
        if (want === undefined || Object.keys(want).length === 0) expect(got).toBeUndefined();
        else expect(Object.entries(got!)).toEqual(Object.entries(want));
      }),
      { numRuns: 1000 },
    );
  });

  it('takes the object path for a repeated key whose first copy is over the limit', () => {
    const buf = wire([
      ['accept', 'x'.repeat(60)],
      ['accept', 'json'],
    ]);
    const got = parseCheckRequest(decodeCheckRequest(buf), limits, 1024);
    expect(got.ok).toBe(true);
    expect(observed(got)).toEqual(observed(parseCheckRequest(reference(buf), limits, 1024)));
  });
});
