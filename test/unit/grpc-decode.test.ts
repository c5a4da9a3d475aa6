import fc from 'fast-check';
import protobuf from 'protobufjs';
import { describe, expect, it, vi } from 'vitest';
import { envoyRoot } from '../../bench/codec.js';
import { parseCheckRequest, type CheckRequestMessage } from '../../src/server/grpc/check.js';
import { decodeCheckRequest, KIND_NAMES, SKIPPED_FIELD_KINDS } from '../../src/server/grpc/decode.js';
import { authorizationService } from '../../src/server/grpc/protos.js';

const def = authorizationService().Check!;
/** proto-loader's deserializer: what the Check method was served with before decode.ts. */
const reference = def.requestDeserialize as (b: Buffer) => CheckRequestMessage;
const encode = def.requestSerialize as (m: unknown) => Buffer;

type Obj = Record<string, unknown>;

/** The fields parseCheckRequest reads, taken from the reference's object the way decode.ts builds them. */
function readFields(msg: CheckRequestMessage): Obj {
  const pick = (o: unknown, keys: string[], nested: Record<string, (v: unknown) => unknown> = {}): Obj | undefined => {
    if (o === undefined) return undefined;
    const out: Obj = {};
    for (const k of keys) {
      if (!Object.hasOwn(o as Obj, k)) continue;
      const v = (o as Obj)[k];
      const value = Object.hasOwn(nested, k) ? nested[k]!(v) : v;
      if (k === '__proto__') Object.defineProperty(out, k, { value, enumerable: true, configurable: true, writable: true });
      else out[k] = value;
    }
    return out;
  };
  const copyMap = (m: unknown) => pick(m, Object.keys(m as Obj));
  return pick(msg, ['attributes'], {
    attributes: (a) =>
      pick(a, ['source', 'request', 'context_extensions'], {
        context_extensions: copyMap,
        source: (s) => pick(s, ['address', 'principal', 'certificate'], { address: (ad) => pick(ad, ['socket_address'], { socket_address: (sa) => pick(sa, ['address']) }) }),
        request: (r) =>
          pick(r, ['http'], {
            http: (h) =>
              pick(h, ['method', 'headers', 'path', 'host', 'scheme', 'body', 'raw_body', 'header_map'], {
                headers: copyMap,
                header_map: (hm) => pick(hm, ['headers'], { headers: (l) => (l as Obj[]).map((hv) => pick(hv, ['key', 'value', 'raw_value'])) }),
              }),
          }),
      }),
  })!;
}

/**
 * Structural equality over own enumerable properties and byte contents. The key order of a map
 * (headers, context_extensions) must be the same too, since code iterates them; a message's
 * fields may come in another order (toObject writes them by field number, decode.ts as read).
 */
function same(a: unknown, b: unknown, ordered = false): boolean {
  if (Buffer.isBuffer(a) || Buffer.isBuffer(b)) return Buffer.isBuffer(a) && Buffer.isBuffer(b) && a.equals(b);
  if (typeof a !== 'object' || a === null || typeof b !== 'object' || b === null) return a === b;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  const ka = Object.keys(a);
  const kb = Object.keys(b);
  if (!ordered) {
    ka.sort();
    kb.sort();
  }
  const isMap = (parent: object, k: string) => !Array.isArray(parent) && (k === 'context_extensions' || (k === 'headers' && !Array.isArray((parent as Obj)[k])));
  return ka.length === kb.length && ka.every((k, i) => k === kb[i] && same((a as Obj)[k], (b as Obj)[k], !ordered && isMap(a, k)));
}

/**
 * decodeCheckRequest's message with its HttpRequest's `headers` read once: until then they are an
 * accessor on the message's prototype (decode.ts, HTTP_REQUEST), which `same` does not list.
 */
function decoded(buf: Buffer): CheckRequestMessage {
  const m = decodeCheckRequest(buf);
  void m.attributes?.request?.http?.headers;
  return m;
}

type Outcome = { ok: true; value: unknown } | { ok: false };
function run(f: () => unknown): Outcome {
  try {
    return { ok: true, value: f() };
  } catch {
    return { ok: false };
  }
}

const str = fc.oneof(fc.string({ maxLength: 12 }), fc.constantFrom('', '__proto__', 'constructor', '0', '12', 'authorization', 'cookie'), fc.string({ unit: 'binary', maxLength: 6 }));
const bytes = fc.uint8Array({ maxLength: 12 }).map((u) => Buffer.from(u));
const strMap = fc.dictionary(str, str, { maxKeys: 4 });
const address = fc.record(
  {
    socket_address: fc.record({ protocol: fc.constantFrom('TCP', 'UDP'), address: str, port_value: fc.nat(65535), named_port: str, resolver_name: str, ipv4_compat: fc.boolean() }, { requiredKeys: [] }),
    pipe: fc.record({ path: str, mode: fc.nat(511) }, { requiredKeys: [] }),
  },
  { requiredKeys: [] },
);
const peer = fc.record({ address, service: str, labels: strMap, principal: str, certificate: str }, { requiredKeys: [] });
const struct = fc.dictionary(str, fc.oneof(fc.record({ stringValue: str }), fc.record({ numberValue: fc.double({ noNaN: true }) }), fc.record({ boolValue: fc.boolean() })), { maxKeys: 3 }).map((f) => ({ fields: f }));
const metadata = fc.record({ filter_metadata: fc.dictionary(str, struct, { maxKeys: 2 }) }, { requiredKeys: [] });
const http = fc.record(
  {
    id: str,
    method: str,
    headers: strMap,
    header_map: fc.record({ headers: fc.array(fc.record({ key: str, value: str, raw_value: bytes }, { requiredKeys: [] }), { maxLength: 4 }) }, { requiredKeys: [] }),
    path: str,
    host: str,
    scheme: str,
    query: str,
    fragment: str,
    size: fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }).map(String),
    protocol: str,
    body: str,
    raw_body: bytes,
  },
  { requiredKeys: [] },
);
const checkRequest = fc.record(
  {
    attributes: fc.record(
      {
        source: peer,
        destination: peer,
        request: fc.record({ time: fc.record({ seconds: fc.nat().map(String), nanos: fc.nat(999_999_999) }, { requiredKeys: [] }), http }, { requiredKeys: [] }),
        context_extensions: strMap,
        metadata_context: metadata,
        route_metadata_context: metadata,
        tls_session: fc.record({ sni: str }, { requiredKeys: [] }),
      },
      { requiredKeys: [] },
    ),
  },
  { requiredKeys: [] },
);

/** Messages as Envoy would send them, alone or concatenated (a field repeated: the last one wins). */
const wire = fc.array(checkRequest, { minLength: 1, maxLength: 3 }).map((ms) => Buffer.concat(ms.map((m) => encode(m))));


/**
 * Decodes 3,000 generated messages with the decoder and the reference: wherever the reference
 * reads one, the decoder must read the same. Returns how many the reference read.
 */
function agreesWithReference(messages: fc.Arbitrary<Buffer>): number {
  let bothOk = 0;
  fc.assert(
    fc.property(messages, (buf) => {
      const want = run(() => readFields(reference(buf)));
      const got = run(() => decoded(buf));
      if (want.ok) {
        bothOk++;
        expect(got.ok).toBe(true);
        expect(same(got.ok && got.value, want.value)).toBe(true);
      }
    }),
    { numRuns: 3000 },
  );
  return bothOk;
}
describe('decodeCheckRequest', () => {
  it('gives what proto-loader gave for every field parseCheckRequest reads', () => {
    fc.assert(
      fc.property(wire, (buf) => {
        const want = readFields(reference(buf));
        const got = decoded(buf);
        expect(same(got, want), `${JSON.stringify(got)}\n${JSON.stringify(want)}`).toBe(true);
      }),
      { numRuns: 600 },
    );
  });

  it('never accepts less than proto-loader did, and agrees on what both accept, for mutated and truncated bytes', () => {
    const mutated = fc
      .tuple(wire, fc.array(fc.tuple(fc.nat(), fc.nat(255), fc.constantFrom('set', 'insert', 'delete')), { minLength: 1, maxLength: 3 }), fc.option(fc.nat()))
      .map(([buf, edits, cut]) => {
        const bytes = [...buf];
        for (const [at, value, op] of edits) {
          const i = bytes.length === 0 ? 0 : at % bytes.length;
          if (op === 'set' && bytes.length > 0) bytes[i] = value;
          else if (op === 'insert') bytes.splice(i, 0, value);
          else bytes.splice(i, 1);
        }
        return Buffer.from(cut === null ? bytes : bytes.slice(0, cut % (bytes.length + 1)));
      });
    // The property must have compared decoded messages, not only errors.
    expect(agreesWithReference(mutated)).toBeGreaterThan(150);
  });

  it('reads fields by their declared type whatever the wire type says, as protobufjs does', () => {
    // HttpRequest.size (9, int64) sent as length-delimited: both read a varint where the length is.
    const http = Buffer.from([0x4a, 0x02, 0x12, 0x01, 0x12, 0x03, 0x47, 0x45, 0x54]);
    const buf = Buffer.concat([Buffer.from([0x0a, http.length + 2, 0x22, http.length]), http]);
    const want = run(() => readFields(reference(buf)));
    const got = run(() => decoded(buf));
    expect(want.ok).toBe(true);
    expect(got.ok && same(got.value, (want as { value: unknown }).value)).toBe(true);
  });

  it('reads header names the same once its table of known names is full, for ASCII, non-ASCII and invalid UTF-8 names', () => {
    const wireName = (bytes: Buffer) => {
      // HttpRequest.headers entry {key: bytes, value: "v"} inside CheckRequest.attributes.request.http.
      const entry = Buffer.concat([Buffer.from([0x0a, bytes.length]), bytes, Buffer.from([0x12, 0x01, 0x76])]);
      const http = Buffer.concat([Buffer.from([0x12, 0x03]), Buffer.from('GET'), Buffer.from([0x1a, entry.length]), entry]);
      const req = Buffer.concat([Buffer.from([0x12, http.length]), http]);
      const attrs = Buffer.concat([Buffer.from([0x22, req.length]), req]);
      return Buffer.concat([Buffer.from([0x0a, attrs.length]), attrs]);
    };
    const names = [
      ...Array.from({ length: 1500 }, (_, i) => Buffer.from(`x-made-up-${i}`)),
      Buffer.from('user-agent'),
      Buffer.from('user-agenT'),
      Buffer.from('caf\u00e9', 'utf8'),
      Buffer.from([0x61, 0x80, 0x62]),
      Buffer.from([0xc3]),
      Buffer.from('x'.repeat(100)),
    ];
    for (let pass = 0; pass < 2; pass++) {
      for (const n of names) {
        const buf = wireName(n);
        expect(Object.keys(decodeCheckRequest(buf).attributes!.request!.http!.headers!)).toEqual(Object.keys(reference(buf).attributes!.request!.http!.headers!));
      }
    }
  });

  it('gives a name from its table only for the same bytes: names alike in length and in the bytes that pick the slot, in case, in one byte of any word', async () => {
    // A fresh module, so that its table of names is empty and these names are kept in it.
    vi.resetModules();
    const fresh = (await import('../../src/server/grpc/decode.js')).decodeCheckRequest;
    const varint = (n: number) => {
      const out: number[] = [];
      for (; n > 0x7f; n >>>= 7) out.push((n & 0x7f) | 0x80);
      out.push(n);
      return Buffer.from(out);
    };
    const field = (tag: number, content: Buffer) => Buffer.concat([Buffer.from([tag]), varint(content.length), content]);
    // CheckRequest.attributes.request.http with method GET and a headers entry {key: name, value: "v"} per name.
    const wireNames = (names: Buffer[]) => field(0x0a, field(0x22, field(0x12, Buffer.concat([field(0x12, Buffer.from('GET')), ...names.map((n) => field(0x1a, Buffer.concat([field(0x0a, n), field(0x12, Buffer.from('v'))])))]))));
    // The slot comes from the length and the first, middle and last bytes: these share all four.
    const base = 'x-abcdefghijklmnopq';
    const alike = [base, 'x-Abcdefghijklmnopq', 'x-aBcdefghijklmnopq', 'x-abcdefghIjklmnopq', 'x-abcdefghijkLmnopq', 'x-abcdefghijklmnoPq', 'x_abcdefghijklmnopq'];
    const words = ['abcd', 'abcD', 'Abcd', 'abcdefgh', 'abcdefgH', 'abcDefgh', 'abc', 'abC', 'aBc', 'ab', 'aB', 'a', 'A'];
    const names = [...alike, ...words, 'User-Agent', 'user-agent', 'USER-AGENT', 'user-agenT'].map((n) => Buffer.from(n));
    // Non-ASCII and invalid UTF-8 beside ASCII names of the same length and slot bytes.
    names.push(Buffer.from('x-abcdefgh\u00e9jklmnopq', 'latin1'), Buffer.from([0x78, 0x2d, 0x61, 0x62, 0xc3, 0xa9, 0x65, 0x66, 0x67, 0x68, 0x69, 0x6a, 0x6b, 0x6c, 0x6d, 0x6e, 0x6f, 0x70, 0x71]));
    names.push(Buffer.from([0x61, 0x62, 0x63, 0xe4]), Buffer.from([0x61, 0x62, 0x63, 0x64, 0x80]), Buffer.from([0x61, 0x80, 0x63, 0x64]));
    // Each name alone (the last entry of the message, its bytes at the buffer's end), then all of them, in both orders, twice.
    for (let pass = 0; pass < 2; pass++) {
      for (const n of names) {
        const buf = wireNames([n]);
        expect(Object.keys(fresh(buf).attributes!.request!.http!.headers!)).toEqual(Object.keys(reference(buf).attributes!.request!.http!.headers!));
      }
      for (const list of [names, [...names].reverse()]) {
        const buf = wireNames(list);
        const got = Object.keys(fresh(buf).attributes!.request!.http!.headers!);
        expect(got).toEqual(Object.keys(reference(buf).attributes!.request!.http!.headers!));
        expect(new Set(got).size).toBe(new Set(list.map((n) => n.toString())).size);
      }
    }
  });

  it('reads a headers entry the same whatever its layout: long values, lengths of one to three bytes, non-minimal lengths, fields repeated, reordered, missing or unknown, bytes changed', () => {
    const varint = (n: number, pad = 0) => {
      const out: number[] = [];
      for (; n > 0x7f; n >>>= 7) out.push((n & 0x7f) | 0x80);
      out.push(n);
      // A non-minimal varint: the last byte continued by zero bytes.
      for (let i = 0; i < pad; i++) {
        out[out.length - 1]! |= 0x80;
        out.push(0);
      }
      return Buffer.from(out);
    };
    const part = fc.oneof(
      fc.record({ kind: fc.constant('key' as const), text: fc.string({ maxLength: 20 }), pad: fc.nat(2) }),
      fc.record({ kind: fc.constant('value' as const), text: fc.oneof(fc.string({ maxLength: 20 }), fc.string({ minLength: 100, maxLength: 400 })), pad: fc.nat(2) }),
      fc.record({ kind: fc.constant('unknown' as const), text: fc.string({ maxLength: 4 }), pad: fc.constant(0) }),
    );
    const text = fc.oneof(fc.string({ maxLength: 20 }), fc.string({ minLength: 100, maxLength: 400 }));
    const keyValue = fc.tuple(fc.string({ maxLength: 20 }), text).map(([k, v]) => [
      { kind: 'key' as const, text: k, pad: 0 },
      { kind: 'value' as const, text: v, pad: 0 },
    ]);
    const entry = fc.oneof(
      { weight: 3, arbitrary: keyValue },
      // Envoy's layout followed by more fields: a repeated key or value wins, an unknown one is skipped.
      { weight: 2, arbitrary: fc.tuple(keyValue, fc.array(part, { minLength: 1, maxLength: 2 })).map(([kv, more]) => [...kv, ...more]) },
      { weight: 2, arbitrary: fc.array(part, { maxLength: 4 }) },
    );
    const encodeEntry = (parts: { kind: 'key' | 'value' | 'unknown'; text: string; pad: number }[], pad: number) => {
      const content = Buffer.concat(parts.map((p) => {
        const bytes = Buffer.from(p.text);
        return Buffer.concat([Buffer.from([p.kind === 'key' ? 0x0a : p.kind === 'value' ? 0x12 : 0x1a]), varint(bytes.length, p.pad), bytes]);
      }));
      return Buffer.concat([Buffer.from([0x1a]), varint(content.length, pad), content]);
    };
    const message = fc
      .tuple(fc.array(fc.tuple(entry, fc.constantFrom(0, 0, 0, 1)), { minLength: 1, maxLength: 4 }), fc.array(fc.tuple(fc.nat(), fc.nat(255)), { maxLength: 2 }), fc.option(fc.nat()))
      .map(([entries, edits, cut]) => {
        const http = Buffer.concat([Buffer.from([0x12, 0x03]), Buffer.from('GET'), ...entries.map(([parts, pad]) => encodeEntry(parts, pad))]);
        const bytes = [...http];
        for (const [at, value] of edits) bytes[at % bytes.length] = value;
        const body = Buffer.from(cut === null ? bytes : bytes.slice(0, cut % (bytes.length + 1)));
        const wrap = (tag: number, b: Buffer) => Buffer.concat([Buffer.from([tag]), varint(b.length), b]);
        return wrap(0x0a, wrap(0x22, wrap(0x12, body)));
      });
    expect(agreesWithReference(message)).toBeGreaterThan(500);
  });

  it('defines no property per message: the headers accessor is on a prototype made once', () => {
    const buf = encode({ attributes: { request: { http: { method: 'GET', path: '/api/v1/pods', headers: { ':path': '/api/v1/pods', authorization: 'Bearer abc' } } } } });
    const define = vi.spyOn(Object, 'defineProperty');
    try {
      const http = decodeCheckRequest(buf).attributes!.request!.http!;
      expect(define).not.toHaveBeenCalled();
      // Still built from the entries when read, and then an own property like any other field.
      expect(http.headers).toEqual({ ':path': '/api/v1/pods', authorization: 'Bearer abc' });
      expect(Object.keys(http)).toContain('headers');
    } finally {
      define.mockRestore();
    }
  });

  it('keeps a map key __proto__ as an own property, not the prototype', () => {
    const buf = encode({ attributes: { request: { http: { method: 'GET', path: '/', headers: { ['__proto__']: 'x', a: 'b' } } } } });
    const got = decodeCheckRequest(buf);
    const headers = got.attributes!.request!.http!.headers!;
    expect(Object.getPrototypeOf(headers)).toBe(Object.prototype);
    expect(Object.keys(headers)).toEqual(Object.keys(reference(buf).attributes!.request!.http!.headers!));
    expect(Object.getOwnPropertyDescriptor(headers, '__proto__')?.value).toBe('x');
  });

  it('gives parseCheckRequest the same request for what the bench sends', () => {
    const buf = encode({
      attributes: {
        source: { address: { socket_address: { address: '10.0.0.7', port_value: 4242 } }, principal: 'spiffe://cluster.local/ns/a/sa/b' },
        destination: { address: { socket_address: { address: '10.0.0.1', port_value: 443 } } },
        request: { time: { seconds: '1700000000' }, http: { id: '7', method: 'GET', path: '/api/v1/pods?limit=5', host: 'k8s.example.internal', scheme: 'https', protocol: 'HTTP/2', headers: { ':path': '/api/v1/pods?limit=5', authorization: 'Bearer abc' }, size: '-1' } },
        context_extensions: { cluster: 'prod-2' },
      },
    });
    const limits = { maxCount: 100, maxBytes: 64 * 1024 };
    expect(parseCheckRequest(decodeCheckRequest(buf), limits as never, 1024)).toEqual(parseCheckRequest(reference(buf), limits as never, 1024));
  });

  it('skips every field it does not read by the type the protos declare', () => {
    const root = envoyRoot();
    const kindOf = (f: protobuf.Field): string => {
      if (f.map || f.resolvedType instanceof protobuf.Type) return 'message';
      if (f.resolvedType instanceof protobuf.Enum) return 'varint32';
      if (['int64', 'uint64', 'sint64'].includes(f.type)) return 'varint64';
      if (['int32', 'uint32', 'bool', 'sint32'].includes(f.type)) return 'varint32';
      return f.type;
    };
    const kept: Record<string, number[]> = {
      'envoy.service.auth.v3.AttributeContext': [1, 4, 10],
      'envoy.service.auth.v3.AttributeContext.Peer': [1, 4, 5],
      'envoy.config.core.v3.Address': [1],
      'envoy.config.core.v3.SocketAddress': [2],
      'envoy.service.auth.v3.AttributeContext.Request': [2],
      'envoy.service.auth.v3.AttributeContext.HttpRequest': [2, 3, 4, 5, 6, 11, 12, 13],
    };
    for (const [name, table] of Object.entries(SKIPPED_FIELD_KINDS)) {
      const type = root.lookupType(name);
      type.resolveAll();
      const declared: Record<number, string> = {};
      for (const f of type.fieldsArray) if (!kept[name]!.includes(f.id)) declared[f.id] = kindOf(f);
      const ours: Record<number, string> = {};
      table.forEach((k, n) => k !== undefined && (ours[n] = KIND_NAMES[k]!));
      expect(ours, name).toEqual(declared);
    }
  });
});
