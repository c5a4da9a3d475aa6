import fc from 'fast-check';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { CBOR_MAX_ELEMENTS, CBOR_MAX_NESTED_LEVELS, readCbor } from '../../src/guardrails/cbor.js';
import { checkClusterPolicies } from '../../src/guardrails/cel/judge.js';
import { inspect } from '../../src/guardrails/inspect.js';
import { parseBody } from '../../src/guardrails/parse.js';
import type { GuardrailResult } from '../../src/guardrails/types.js';
import { readYaml } from '../../src/guardrails/yaml.js';
import { BADPOD_NAMES, badPod, WORKLOAD_KINDS } from '../support/badpods.js';
import { cborHead, cborString, encodeCbor, hex } from '../support/cbor.js';
import { guardSettings, kube, toYaml } from '../support/guardrails.js';

/**
 * `application/cbor` and `application/apply-patch+cbor` bodies (Kubernetes 1.32+, KEP-4222), read
 * as kube-apiserver's CBOR decoder (apimachinery runtime/serializer/cbor/internal/modes) reads them.
 * Coverage is proved by re-encoding: every attack body the guardrail unit tests judge
 * (test/fixtures/carried-attack-bodies.jsonl) is judged the same in CBOR as in JSON or YAML. Every
 * way the two decoders could disagree is a body kube reads one way and stepgate another, so each is
 * a row below: unreadable with a specific detail, never a guess.
 */

const settings = guardSettings();
const CBOR = 'application/cbor';
const APPLY_CBOR = 'application/apply-patch+cbor';
const codes = (r: GuardrailResult) => r.violations.map((v) => v.code).sort();
const pods = kube('POST', '/api/v1/namespaces/dev/pods');
const podPatch = kube('PATCH', '/api/v1/namespaces/dev/pods/web');

const privilegedPod = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'web' }, spec: { containers: [{ name: 'app', image: 'registry.example.com/app:1', securityContext: { privileged: true } }] } };

/** Bytes joined from hex strings and number arrays. */
const cat = (...parts: (string | number[] | Uint8Array)[]): Uint8Array => Uint8Array.from(parts.flatMap((p) => (typeof p === 'string' ? [...hex(p)] : [...p])));
const bs = (s: string) => cborString(s, 2);
const ts = (s: string) => cborString(s, 3);
const mapOf = (n: number) => {
  const out: number[] = [];
  cborHead(out, 5, n);
  return out;
};

describe('the recorded guardrail attack bodies, re-encoded as CBOR, are judged as their JSON or YAML form', () => {
  const file = new URL('../fixtures/carried-attack-bodies.jsonl', import.meta.url);
  const rows: [string, string, string, string, unknown][] = [];
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    if (line === '') continue;
    const rec = JSON.parse(line) as { path: string; name: string; contentType: string; body: string };
    const read = readYaml(rec.body);
    // A body that is not one object (a YAML stream) has no single CBOR form.
    if (!read.ok || read.documents.length !== 1) continue;
    rows.push([`${rec.contentType} ${rec.path} ${rows.length}`, rec.name === '' ? 'POST' : 'PUT', rec.path, rec.body, read.documents[0]]);
  }

  it('holds more than a thousand bodies (the corpus is read, not skipped)', () => {
    expect(rows.length).toBeGreaterThan(1000);
  });

  it('every one: the same violations, details and unreadable outcome, from kube-style and text-string CBOR', () => {
    let judged = 0;
    for (const [what, method, path, text, doc] of rows) {
      const k = kube(method, path);
      const asText = inspect(k, text, text.trimStart().startsWith('{') ? 'application/json' : 'application/yaml', false, settings);
      const asCbor = inspect(k, encodeCbor(doc), CBOR, false, settings);
      const asTextStrings = inspect(k, encodeCbor(doc, { strings: 'text', selfDescribed: false }), CBOR, false, settings);
      expect(asCbor, what).toEqual(asText);
      expect(asTextStrings, what).toEqual(asText);
      if (asText.violations.length > 0 || asText.unreadable !== undefined) judged++;
    }
    // Most of them are attacks: the equality above is not about empty results.
    expect(judged).toBeGreaterThan(rows.length / 2);
  });
});

describe('badPods, every workload kind: create CBOR, apply CBOR and their JSON and YAML forms agree', () => {
  const rows = BADPOD_NAMES.flatMap((pod) => WORKLOAD_KINDS.map((kind) => [pod, kind] as const));
  it.each(rows)('%s as a %s', (pod, kind) => {
    for (const doc of badPod(pod, kind)) {
      const d = doc as { kind: string; metadata: { name: string } };
      const plural = `${d.kind.toLowerCase()}s`;
      const base = d.kind === 'Pod' || d.kind === 'Service' || d.kind === 'ReplicationController' ? `/api/v1/namespaces/dev/${plural}` : `/apis/${kind === 'Job' || kind === 'CronJob' ? 'batch' : 'apps'}/v1/namespaces/dev/${plural}`;
      const json = inspect(kube('POST', base), JSON.stringify(doc), 'application/json', false, settings);
      expect(inspect(kube('POST', base), encodeCbor(doc), CBOR, false, settings)).toEqual(json);
      const item = kube('PATCH', `${base}/${d.metadata.name}`);
      expect(inspect(item, encodeCbor(doc), APPLY_CBOR, false, settings)).toEqual(inspect(item, toYaml(doc), 'application/apply-patch+yaml', false, settings));
      if (pod !== 'nothing-allowed' && d.kind !== 'Service') expect(json.violations.length).toBeGreaterThan(0);
    }
  });
});

describe('cluster policies (the PSS examples, VAP and Kyverno) judge a CBOR body as its JSON form', () => {
  const pss = guardSettings('guardrails:\n  cluster_policies: [{path: examples/cluster-policies/vap}, {path: examples/cluster-policies/kyverno}]\n');
  const D = kube('POST', '/apis/apps/v1/namespaces/team/deployments');
  const A = kube('PATCH', '/apis/apps/v1/namespaces/team/deployments/d');
  it.each([
    ['privileged', { privileged: true }],
    ['root', { runAsUser: 0 }],
    ['SYS_ADMIN', { capabilities: { add: ['SYS_ADMIN'] } }],
    ['compliant', { allowPrivilegeEscalation: false, runAsNonRoot: true, capabilities: { drop: ['ALL'] }, seccompProfile: { type: 'RuntimeDefault' } }],
  ])('%s', (_what, securityContext) => {
    const body = { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'd' }, spec: { template: { spec: { containers: [{ name: 'c', image: 'registry.example.com/c:1', securityContext }] } } } };
    const json = checkClusterPolicies(pss.clusterPolicies!, D, JSON.stringify(body), 'application/json', false, false, () => 0);
    expect(checkClusterPolicies(pss.clusterPolicies!, D, encodeCbor(body), CBOR, false, false, () => 0)).toEqual(json);
    const applied = checkClusterPolicies(pss.clusterPolicies!, A, toYaml(body), 'application/apply-patch+yaml', false, false, () => 0);
    expect(checkClusterPolicies(pss.clusterPolicies!, A, encodeCbor(body), APPLY_CBOR, false, false, () => 0)).toEqual(applied);
    if (_what !== 'compliant') expect(json.violations.length).toBeGreaterThan(0);
  });
});

describe('what kube-apiserver writes is read as kube reads it', () => {
  it('the self-described tag 55799 in front is the magic number; a body without it is read the same', () => {
    const withTag = encodeCbor(privilegedPod);
    expect([...withTag.subarray(0, 3)]).toEqual([0xd9, 0xd9, 0xf7]);
    expect(readCbor(withTag)).toEqual({ ok: true, value: privilegedPod });
    expect(readCbor(encodeCbor(privilegedPod, { selfDescribed: false }))).toEqual({ ok: true, value: privilegedPod });
    expect(codes(inspect(pods, withTag, CBOR, false, settings))).toEqual(['privileged_container']);
  });

  it('byte-string and text-string fields and keys are one type, as kube decodes them into Go strings', () => {
    const body = cat([0xa1], bs('spec'), [0xa1], ts('hostNetwork'), 'f5');
    expect(readCbor(body)).toEqual({ ok: true, value: { spec: { hostNetwork: true } } });
  });

  it('a []byte under tag 22 (kube encodes Secret data so) is the base64 text of its JSON form', () => {
    const secret = cat('d9d9f7', [0xa2], bs('kind'), bs('Secret'), bs('data'), [0xa1], bs('token'), 'd6 44 01020304');
    expect(readCbor(secret)).toEqual({ ok: true, value: { kind: 'Secret', data: { token: 'AQIDBA==' } } });
    // Indefinite-length too, and binary (not UTF-8) bytes are fine under the tag.
    expect(readCbor(hex('d6 5f 41ff 4101 ff'))).toEqual({ ok: true, value: '/wE=' });
  });

  it('indefinite-length maps, arrays and strings (kube accepts them) are read, privileged and all', () => {
    // {_ "spec": {_ "containers": [_ {_ "name": (_ "a", "pp"), "securityContext": {_ "privileged": true}}]}}
    const body = cat('bf', bs('spec'), 'bf', bs('containers'), '9f', 'bf', bs('name'), '5f', bs('a'), bs('pp'), 'ff', bs('securityContext'), 'bf', bs('privileged'), 'f5', 'ff', 'ff', 'ff', 'ff', 'ff');
    expect(readCbor(body)).toEqual({ ok: true, value: { spec: { containers: [{ name: 'app', securityContext: { privileged: true } }] } } });
    const pod = cat('bf', bs('apiVersion'), bs('v1'), bs('kind'), bs('Pod'), bs('metadata'), 'a1', bs('name'), bs('web'), body.subarray(1));
    expect(codes(inspect(pods, pod, CBOR, false, settings))).toContain('privileged_container');
  });

  it('floats of every width are numbers; integers up to ±2^53 are exact', () => {
    expect(readCbor(hex('f93c00'))).toEqual({ ok: true, value: 1 });
    expect(readCbor(hex('f90001'))).toEqual({ ok: true, value: 2 ** -24 });
    expect(readCbor(hex('fa3fc00000'))).toEqual({ ok: true, value: 1.5 });
    expect(readCbor(hex('fb3ff8000000000000'))).toEqual({ ok: true, value: 1.5 });
    expect(readCbor(hex('1b001fffffffffffff'))).toEqual({ ok: true, value: Number.MAX_SAFE_INTEGER });
    expect(readCbor(hex('3b001ffffffffffffe'))).toEqual({ ok: true, value: -Number.MAX_SAFE_INTEGER });
    // runAsUser: 0.0 is root to stepgate (kube refuses a float in an int64 field; either way no allow).
    const root = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'web' }, spec: { containers: [{ name: 'app', image: 'registry.example.com/app:1', securityContext: { runAsUser: 0.5 - 0.5 } }] } };
    const bytes = encodeCbor(root);
    expect(codes(inspect(pods, bytes, CBOR, false, settings))).toEqual(['run_as_root']);
  });

  it('non-minimal heads are read (fxamacker/cbor checks no preferred encoding; nor does kube)', () => {
    // {"privileged": true} with the map count, key length and a value all in wider heads than needed.
    const body = cat('b9 0002', '5a 0000000a', [...new TextEncoder().encode('privileged')], 'f5', '78 01 61', '1b 0000000000000001');
    expect(readCbor(body)).toEqual({ ok: true, value: { privileged: true, a: 1 } });
    // Empty indefinite-length containers and strings are the empty values.
    expect(readCbor(hex('a4 4161 9fff 4162 bfff 4163 5fff 4164 7fff'))).toEqual({ ok: true, value: { a: [], b: {}, c: '', d: '' } });
  });

  it('keys are compared as Go compares strings, byte by byte: no cut at NUL, no Unicode normalisation', () => {
    // "a\0b" and "a\0c"; "é" precomposed (NFC) and decomposed (NFD): two keys each, as in kube.
    expect(readCbor(cat([0xa2], bs('a\u0000b'), '01', bs('a\u0000c'), '02'))).toEqual({ ok: true, value: { 'a\u0000b': 1, 'a\u0000c': 2 } });
    expect(readCbor(cat([0xa2], bs('\u00e9'), '01', bs('e\u0301'), '02'))).toEqual({ ok: true, value: { '\u00e9': 1, 'e\u0301': 2 } });
    // A byte-order mark is kept, not dropped: "\ufeffprivileged" is not "privileged".
    expect(readCbor(cat([0xa1], bs('\ufeffprivileged'), 'f5'))).toEqual({ ok: true, value: { '\ufeffprivileged': true } });
  });

  it('a "__proto__" key is an own property, as JSON.parse makes it, and pollutes nothing', () => {
    const r = readCbor(cat([0xa1], bs('__proto__'), [0xa1], bs('polluted'), 'f5'));
    expect(r.ok).toBe(true);
    const v = (r as { value: Record<string, unknown> }).value;
    expect(Object.getPrototypeOf(v)).toBe(Object.prototype);
    expect(Object.hasOwn(v, '__proto__')).toBe(true);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(v).toEqual(JSON.parse('{"__proto__":{"polluted":true}}'));
  });

  it('random JSON values survive the trip: kube-style and text-string CBOR read back as the value', () => {
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 6 }), (v) => {
        const value = JSON.parse(JSON.stringify(v)) as unknown; // -0 becomes 0, as in a JSON body
        const want = { ok: true, value };
        expect(readCbor(encodeCbor(value))).toEqual(want);
        expect(readCbor(encodeCbor(value, { strings: 'text', selfDescribed: false }))).toEqual(want);
      }),
      { numRuns: 300 },
    );
  });
});

/** Each: a body kube refuses or stepgate cannot be sure of, and a word its detail must carry. */
const REFUSED: [string, Uint8Array, string][] = [
  // The privileged container kube would see, hidden behind a later harmless key by a last-wins reader.
  ['duplicate keys, the second one harmless', cat([0xa2], bs('privileged'), 'f5', bs('privileged'), 'f4'), 'repeats the map key "privileged"'],
  ['a byte-string key and a text-string key with the same bytes', cat([0xa2], bs('privileged'), 'f5', ts('privileged'), 'f4'), 'repeats the map key "privileged"'],
  ['one key chunked two ways (indefinite-length)', hex('a25f426865436c6c6fff015f416844656c6c6fff02'), 'repeats the map key "hello"'],
  ['duplicate keys in an indefinite-length map', cat('bf', bs('a'), '01', bs('a'), '02', 'ff'), 'repeats the map key "a"'],
  ['a duplicate "__proto__"', cat([0xa2], bs('__proto__'), 'a0', bs('__proto__'), 'a0'), 'repeats the map key "__proto__"'],
  ['half-precision NaN', hex('f97e00'), 'NaN'],
  ['single-precision NaN', hex('fa7fc00000'), 'NaN'],
  ['double-precision NaN', hex('fb7ff8000000000000'), 'NaN'],
  ['half-precision Infinity', hex('f97c00'), 'infinite'],
  ['single-precision -Infinity', hex('faff800000'), 'infinite'],
  ['double-precision Infinity', hex('fb7ff0000000000000'), 'infinite'],
  ['2^64 - 1 (beyond int64)', hex('1bffffffffffffffff'), 'above the int64 range'],
  ['-2^64 (beyond int64)', hex('3bffffffffffffffff'), 'below the int64 range'],
  ['2^53 (int64, but not exact in JavaScript)', hex('1b0020000000000000'), 'beyond ±2^53'],
  ['-2^63 (int64, but not exact in JavaScript)', hex('3b7fffffffffffffff'), 'beyond ±2^53'],
  ['an unsigned bignum (tag 2)', hex('c249010000000000000000'), 'bignum'],
  ['a negative bignum (tag 3)', hex('c349010000000000000000'), 'bignum'],
  ['an RFC 3339 time tag (0)', hex('c074323030362d30312d30325431353a30343a30355a'), 'tag 0'],
  ['an epoch time tag (1)', hex('c11a43b940e5'), 'tag 1'],
  ['an unrecognised tag (kube reads its content; stepgate cannot be sure)', hex('c48221196ab3'), 'tag 4'],
  ['the self-described tag twice', hex('d9d9f7 d9d9f7 a0'), '55799'],
  ['tag 22 on a text string', hex('d6 6161'), 'tag 22'],
  ['a tagged map key', cat([0xa1], 'd6', bs('a'), '01'), 'map key that is a tag'],
  ['an integer map key', hex('a1 01 02'), 'map key that is an unsigned integer'],
  ['a float map key', hex('a1fb40091eb851eb851f63706965'), 'map key that is a simple value or float'],
  ['undefined', hex('f7'), 'undefined'],
  ['simple value 16', hex('f0'), 'simple value 16'],
  ['simple value 255', hex('f8ff'), 'simple value 255'],
  ['a reserved two-byte simple value', hex('f818'), 'not well-formed'],
  ['a text string that is not UTF-8', hex('6180'), 'not valid UTF-8'],
  ['an encoded surrogate (CESU-8) in a text string', hex('63eda080'), 'not valid UTF-8'],
  ['a byte string that is not UTF-8 (raw bytes to kube)', cat([0xa1], bs('image'), '42c0af'), 'byte string that is not UTF-8'],
  ['a byte-string key that is not UTF-8', hex('a1 41ff 01'), 'byte string map key that is not UTF-8'],
  ['trailing bytes after the map', cat(encodeCbor(privilegedPod), [0xa0]), 'after its data item'],
  ['a second item after the first (a CBOR sequence)', cat(encodeCbor({ a: 1 }), encodeCbor(privilegedPod)), 'after its data item'],
  ['a break outside any indefinite item', hex('a1 6161 ff'), 'break outside'],
  ['an indefinite-length integer', hex('1f'), 'indefinite length'],
  ['reserved additional information 28', hex('1c'), 'reserved additional information'],
  ['a nested indefinite string chunk', hex('5f 5f 4161 ff ff'), 'chunk of an indefinite-length byte string'],
  ['a text chunk in a byte string', hex('5f 6161 ff'), 'chunk of an indefinite-length byte string'],
  ['an array longer than kube allows', cat(hex('99 0401'), new Uint8Array(CBOR_MAX_ELEMENTS + 1)), `more than ${CBOR_MAX_ELEMENTS}`],
  ['an indefinite array longer than kube allows', cat('9f', new Uint8Array(CBOR_MAX_ELEMENTS + 1), 'ff'), `more than ${CBOR_MAX_ELEMENTS} elements`],
  ['a map with more pairs than kube allows', cat(mapOf(CBOR_MAX_ELEMENTS + 1), ...Array.from({ length: CBOR_MAX_ELEMENTS + 1 }, (_, i) => cat(bs(`k${i}`), [0]))), `more than ${CBOR_MAX_ELEMENTS}`],
  ['an indefinite map with more pairs than kube allows', cat('bf', ...Array.from({ length: CBOR_MAX_ELEMENTS + 1 }, (_, i) => cat(bs(`k${i}`), [0])), 'ff'), `more than ${CBOR_MAX_ELEMENTS} pairs`],
  ['nesting deeper than kube allows', cat(new Uint8Array(CBOR_MAX_NESTED_LEVELS).fill(0x81), [0xa0]), `deeper than ${CBOR_MAX_NESTED_LEVELS}`],
  ['nesting 100,000 deep (no stack is spent on it)', cat(new Uint8Array(100_000).fill(0x81), [0xa0]), `deeper than ${CBOR_MAX_NESTED_LEVELS}`],
  ['a length past the end of the body', hex('5a ffffffff 00'), 'ends inside'],
  ['a 2^64 - 1 string length', hex('5b ffffffffffffffff'), 'ends inside'],
  ['an array count far past the body (no allocation up front)', hex('9b 00000000ffffffff'), `more than ${CBOR_MAX_ELEMENTS}`],
  ['an unterminated indefinite map', hex('bf 6161 01'), 'ends inside'],
  ['a map key without its value', hex('a1 6161'), 'ends inside'],
];

describe('bodies kube refuses, or reads otherwise than stepgate could: unreadable, with a specific detail', () => {
  it.each(REFUSED)('%s', (_what, body, detail) => {
    const read = readCbor(body);
    expect(read.ok).toBe(false);
    expect((read as { detail: string }).detail).toContain(detail);
    // Through the whole inspection too: the unreadable_body effect, never an allow.
    const r = inspect(pods, body, CBOR, false, settings);
    expect(r.unreadable).toBe('body_unreadable');
    expect(r.unreadableDetail).toContain(detail);
  });

  it('nesting up to kube\'s limit is read: 64 arrays and maps, a tag not counting unless it encloses a tag', () => {
    // fxamacker/cbor valid.go (wellformedInternal) raises the depth for an array or a map, and for
    // a tag only when its content is another tag; kube's MaxNestedLevels is 64.
    expect(readCbor(cat(new Uint8Array(CBOR_MAX_NESTED_LEVELS - 1).fill(0x81), [0xa0])).ok).toBe(true);
    expect(readCbor(cat(new Uint8Array(CBOR_MAX_NESTED_LEVELS).fill(0x81), [0xa0])).ok).toBe(false);
    // The tag in front is no level: 64 containers under it are read, as kube reads them.
    expect(readCbor(cat('d9d9f7', new Uint8Array(CBOR_MAX_NESTED_LEVELS - 1).fill(0x81), [0xa0])).ok).toBe(true);
    expect(readCbor(cat('d9d9f7', new Uint8Array(CBOR_MAX_NESTED_LEVELS).fill(0x81), [0xa0])).ok).toBe(false);
    // Nor is tag 22 on a byte string inside the 64th container.
    const deepBytes = readCbor(cat('d9d9f7', new Uint8Array(CBOR_MAX_NESTED_LEVELS).fill(0x81), 'd6 42 6869'));
    expect(deepBytes.ok).toBe(true);
    let v = (deepBytes as { value: unknown }).value;
    for (let i = 0; i < CBOR_MAX_NESTED_LEVELS; i++) v = (v as unknown[])[0];
    expect(v).toBe('aGk=');
    // Exactly kube's element and pair limits are read.
    expect(readCbor(cat(hex('99 0400'), new Uint8Array(CBOR_MAX_ELEMENTS))).ok).toBe(true);
    expect(readCbor(cat(mapOf(CBOR_MAX_ELEMENTS), ...Array.from({ length: CBOR_MAX_ELEMENTS }, (_, i) => cat(bs(`k${i}`), [0])))).ok).toBe(true);
  });

  it('every cut of a real body is unreadable (a truncated body), never read as a smaller object', () => {
    const body = encodeCbor(privilegedPod);
    for (let n = 1; n < body.length; n++) {
      const r = readCbor(body.subarray(0, n));
      expect(r.ok, `cut at ${n}`).toBe(false);
    }
  });

  it('random bytes never throw: a result, read or refused', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), (b) => {
        const r = readCbor(b);
        expect(typeof r.ok).toBe('boolean');
      }),
      { numRuns: 2000 },
    );
  });

  it('a flipped byte in a real body is read or refused, never thrown', () => {
    const body = encodeCbor(privilegedPod);
    for (let i = 0; i < body.length; i++) {
      for (const x of [0x00, 0x1b, 0x5f, 0x9f, 0xbf, 0xd6, 0xf7, 0xff]) {
        const b = Uint8Array.from(body);
        b[i] = x;
        expect(() => inspect(pods, b, CBOR, false, settings)).not.toThrow();
      }
    }
  });
});

describe('content types and verbs, as kube-apiserver accepts them', () => {
  const ok = encodeCbor(privilegedPod);
  it.each([
    ['application/cbor on a PATCH', podPatch, CBOR, 'does not fit the verb patch'],
    ['apply-patch+cbor on a create', pods, APPLY_CBOR, 'does not fit the verb create'],
    ['a CBOR merge patch (kube has none)', podPatch, 'application/merge-patch+cbor', 'only CBOR patch is application/apply-patch+cbor'],
    ['a CBOR strategic merge patch (kube has none)', podPatch, 'application/strategic-merge-patch+cbor', 'only CBOR patch is application/apply-patch+cbor'],
    ['a CBOR JSON patch (kube has none)', podPatch, 'application/json-patch+cbor', 'only CBOR patch is application/apply-patch+cbor'],
  ])('%s: unreadable', (_what, k, type, detail) => {
    const r = inspect(k, ok, type, false, settings);
    expect(r.unreadable).toBe('body_unreadable');
    expect(r.unreadableDetail).toContain(detail);
  });

  it('application/cbor on create and update, apply-patch+cbor on PATCH (partial, like the YAML apply); parameters and case ignored', () => {
    expect(parseBody(ok, 'application/cbor', false, 'create')).toMatchObject({ ok: true, partial: false, documents: [privilegedPod] });
    expect(parseBody(ok, 'Application/CBOR; charset=binary', false, 'update')).toMatchObject({ ok: true, partial: false });
    expect(parseBody(ok, APPLY_CBOR, false, 'patch')).toMatchObject({ ok: true, partial: true, documents: [privilegedPod] });
    expect(codes(inspect(podPatch, ok, APPLY_CBOR, false, settings))).toEqual(['privileged_container']);
  });

  it('a body that is not a map (an array, a string) is unreadable', () => {
    expect(parseBody(encodeCbor([privilegedPod]), CBOR, false, 'create')).toMatchObject({ ok: false, outcome: 'body_unreadable', detail: 'the CBOR body is not a map' });
    expect(parseBody(encodeCbor('Pod'), CBOR, false, 'create')).toMatchObject({ ok: false, detail: 'the CBOR body is not a map' });
  });

  it('a truncated or missing body keeps its own outcome', () => {
    expect(parseBody(ok.subarray(0, 10), CBOR, true, 'create')).toMatchObject({ ok: false, outcome: 'body_truncated' });
    expect(parseBody(undefined, CBOR, false, 'create', true)).toMatchObject({ ok: false, outcome: 'body_missing' });
  });

  it('Envoy\'s string body: a CBOR map is never valid UTF-8, so a string body is unreadable with the fix named', () => {
    for (const body of [ok, encodeCbor(privilegedPod, { selfDescribed: false, strings: 'text' }), hex('a0')]) {
      const asString = Buffer.from(body).toString('utf8');
      expect(asString.startsWith('\uFFFD')).toBe(true);
      expect(parseBody(asString, CBOR, false, 'create')).toMatchObject({ ok: false, outcome: 'body_unreadable', detail: expect.stringContaining('pack_as_bytes') });
    }
  });
});
