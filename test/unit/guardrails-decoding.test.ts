import fc from 'fast-check';
import { describe, expect, it, vi } from 'vitest';
import { inspect } from '../../src/guardrails/inspect.js';
import { MAX_BODY_DEPTH, readJson, wellFormed } from '../../src/guardrails/json.js';
import { MAX_JSON_PATCH_OPERATIONS } from '../../src/guardrails/parse.js';
import { goYamlReadsAsNonString } from '../../src/guardrails/yaml.js';
import type { GuardrailResult } from '../../src/guardrails/types.js';
import { guardSettings, kube, PINNED } from '../support/guardrails.js';

/**
 * Bodies that kube-apiserver reads differently from a naive `JSON.parse` / YAML parse. Each must
 * come out flagged: either the violation kube would apply, or the unreadable outcome; a clean
 * pass is a wrong allow. Then the bounds: hostile nesting is an ordinary unreadable body.
 */

const settings = guardSettings();
const pods = kube('POST', '/api/v1/namespaces/dev/pods');
const pod = kube('PATCH', '/api/v1/namespaces/dev/pods/web');
const deploy = kube('PATCH', '/apis/apps/v1/namespaces/dev/deployments/web');
const C = `{"name":"app","image":"${PINNED}"}`;
const JSONT = 'application/json';
const YAML = 'application/yaml';
const JPATCH = 'application/json-patch+json';
const MERGE = 'application/merge-patch+json';
const SMP = 'application/strategic-merge-patch+json';
const APPLY = 'application/apply-patch+yaml';

type Row = [name: string, k: ReturnType<typeof kube>, body: string | Uint8Array, type: string];

const flagged = (r: GuardrailResult) => r.unreadable !== undefined || r.violations.length > 0;

/** kube keeps the privileged field in each of these (Go decodes a repeated key into the same field). */
const DUPLICATES: Row[] = [
  ['repeated spec (privileged first)', pods, `{"kind":"Pod","spec":{"hostNetwork":true},"spec":{"containers":[${C}]}}`, JSONT],
  ['repeated securityContext', pods, `{"kind":"Pod","spec":{"containers":[{"name":"a","image":"${PINNED}","securityContext":{"privileged":true},"securityContext":{"runAsUser":1000}}]}}`, JSONT],
  ['repeated key spelled with a \\u escape', pods, `{"kind":"Pod","spec":{"hostNetwork":true,"host\\u004eetwork":false,"containers":[${C}]}}`, JSONT],
  ['repeated key, both escaped differently', pods, `{"kind":"Pod","\\u0073pec":{"hostPID":true},"spe\\u0063":{"containers":[${C}]}}`, JSONT],
  ['keys that differ only in a lone surrogate (both U+FFFD to Go)', pods, `{"kind":"Pod","spec":{"containers":[${C}]},"x\\ud800":1,"x\\udbff":2}`, JSONT],
  ['repeated kind', pods, `{"kind":"Deployment","kind":"Pod","spec":{"containers":[${C}]}}`, JSONT],
  ['repeated key deep in a container', pods, `{"kind":"Pod","spec":{"containers":[{"name":"a","image":"${PINNED}","securityContext":{"capabilities":{"add":["SYS_ADMIN"],"add":[]}}}]}}`, JSONT],
  ['merge patch', pod, `{"spec":{"hostIPC":true},"spec":{}}`, MERGE],
  ['strategic merge patch', pod, `{"spec":{"containers":[{"name":"a","securityContext":{"privileged":true},"securityContext":{}}]}}`, SMP],
  ['apply patch sent as JSON', pod, `{"apiVersion":"v1","kind":"Pod","metadata":{"name":"web"},"spec":{"hostNetwork":true},"spec":{"containers":[${C}]}}`, APPLY],
  ['create YAML sent as JSON', pods, `{"kind":"Pod","spec":{"hostNetwork":true},"spec":{"containers":[${C}]}}`, YAML],
  ['apply patch as YAML', pod, `kind: Pod\nspec:\n  hostNetwork: true\nspec:\n  containers: []\n`, APPLY],
  ['YAML key spelled two ways', pods, `kind: Pod\nspec:\n  hostNetwork: true\n  "host\\x4eetwork": false\n`, YAML],
  ['JSON patch value', pod, `[{"op":"add","path":"/spec","value":{"hostNetwork":true,"hostNetwork":false}}]`, JPATCH],
  ['JSON patch op with two values', pod, `[{"op":"add","path":"/spec/hostNetwork","value":true,"value":false}]`, JPATCH],
  ['JSON patch op with two paths', pod, `[{"op":"add","path":"/spec/hostNetwork","value":true,"path":"/metadata/labels/x"}]`, JPATCH],
];

/** Other ways the parsed object and kube's object differ. */
const DIFFERENCES: Row[] = [
  ['key spelled with a \\u escape', pods, `{"kind":"Pod","spec":{"host\\u004eetwork":true,"containers":[${C}]}}`, JSONT],
  ['a byte order mark before JSON (Go refuses it; it must not vanish silently)', pods, new Uint8Array([0xef, 0xbb, 0xbf, ...Buffer.from(`{"kind":"Pod","spec":{"containers":[${C}]}}`)]), JSONT],
  ['YAML merge key after an explicit key (go-yaml v2 lets it win)', pods, `kind: Pod\nspec:\n  hostNetwork: false\n  <<: {hostNetwork: true}\n  containers: []\n`, YAML],
  ['YAML merge key through an alias', pods, `kind: Pod\nx: &h {hostPID: true}\nspec:\n  hostPID: false\n  <<: *h\n`, YAML],
  ['YAML explicit tag', pods, `kind: Pod\nspec:\n  containers:\n  - name: a\n    securityContext: {runAsUser: !!int "0"}\n`, YAML],
  ['YAML binary tag', pods, `kind: Pod\nspec: {hostNetwork: !!binary dHJ1ZQ==}\n`, YAML],
  ['YAML custom tag', pods, `kind: Pod\nspec: !pod {hostNetwork: true}\n`, YAML],
  ['YAML 0o0 (a string here, 0 to go-yaml)', pods, `kind: Pod\nspec:\n  securityContext: {runAsUser: 0o0}\n  containers: []\n`, YAML],
  ['YAML 0_0 as a key or value', pods, `kind: Pod\nspec:\n  securityContext:\n    runAsUser: +0_0\n`, YAML],
  ['YAML 1.2 directive turning yes into a string', pods, `%YAML 1.2\n---\nkind: Pod\nspec: {hostNetwork: yes}\n`, YAML],
  ['YAML alias to a privileged context', pods, `kind: Pod\nx: &sc {privileged: true}\nspec:\n  containers:\n  - name: a\n    image: ${PINNED}\n    securityContext: *sc\n`, YAML],
  ['YAML with a byte order mark', pods, `\ufeffkind: Pod\nspec: {hostNetwork: true}\n`, YAML],
  ['YAML: privileged in the second document only', pods, `kind: Pod\nspec: {containers: []}\n---\nkind: Pod\nspec: {hostNetwork: true}\n`, YAML],
  ['JSON patch index with a leading zero (Atoi reads 01 as 1)', pod, `[{"op":"add","path":"/spec/containers/01/securityContext/privileged","value":true}]`, JPATCH],
  ['JSON patch index with a plus sign', pod, `[{"op":"add","path":"/spec/containers/+0/securityContext/privileged","value":true}]`, JPATCH],
  ['JSON patch negative index', pod, `[{"op":"add","path":"/spec/containers/-1/securityContext/privileged","value":true}]`, JPATCH],
  [
    'JSON patch: an insert shifts the privileged element away from a later overwrite',
    pod,
    JSON.stringify([
      { op: 'add', path: '/spec/containers/0/securityContext/privileged', value: true },
      { op: 'add', path: '/spec/containers/0', value: { name: 'decoy', image: PINNED } },
      { op: 'add', path: '/spec/containers/0/securityContext', value: {} },
    ]),
    JPATCH,
  ],
  [
    'JSON patch: a remove shifts, then a replace lands elsewhere',
    pod,
    JSON.stringify([
      { op: 'add', path: '/spec/containers/1/securityContext/privileged', value: true },
      { op: 'remove', path: '/spec/containers/0' },
      { op: 'replace', path: '/spec/containers/1', value: { name: 'b', image: PINNED } },
    ]),
    JPATCH,
  ],
  [
    'JSON patch: an insert after a privileged insert',
    pod,
    JSON.stringify([
      { op: 'add', path: '/spec/containers/0', value: { name: 'p', image: PINNED, securityContext: { privileged: true } } },
      { op: 'add', path: '/spec/containers/0', value: { name: 'q', image: PINNED } },
      { op: 'replace', path: '/spec/containers/1', value: { name: 'q2', image: PINNED } },
    ]),
    JPATCH,
  ],
  [
    'JSON patch: an index-like key in an object does not replace the object',
    pod,
    JSON.stringify([
      { op: 'add', path: '/spec', value: { hostNetwork: true } },
      { op: 'add', path: '/spec/0/x', value: 1 },
    ]),
    JPATCH,
  ],
  [
    'JSON patch: a real array from an earlier value keeps its elements',
    deploy,
    JSON.stringify([
      { op: 'add', path: '/spec/template/spec/containers', value: [{ name: 'a', image: PINNED, securityContext: { privileged: true } }] },
      { op: 'add', path: '/spec/template/spec/containers/0', value: { name: 'b', image: PINNED } },
      { op: 'add', path: '/spec/template/spec/containers/0/securityContext', value: {} },
    ]),
    JPATCH,
  ],
  ['JSON patch: move from a privileged source', pod, '[{"op":"move","from":"/spec/initContainers/0","path":"/spec/containers/-"}]', JPATCH],
  ['JSON patch: copy into spec through an escaped path', pod, '[{"op":"copy","from":"/metadata/annotations/x","path":"/spec~1..~1spec"}]', JPATCH],
  ['JSON patch: copy to metadata with an invalid from', pod, '[{"op":"copy","from":5,"path":"/metadata/labels/a"}]', JPATCH],
  ['JSON patch: path escapes unescaped as kube does', pod, '[{"op":"add","path":"/spec/hostNetwork","value":true},{"op":"add","path":"/metadata/annotations/a~1b~0c","value":"x"}]', JPATCH],
  ['strategic merge: $deleteFromPrimitiveList with a list of containers (merged as data)', deploy, `{"spec":{"template":{"spec":{"$deleteFromPrimitiveList/containers":[{"name":"a","securityContext":{"privileged":true}}]}}}}`, SMP],
  ['strategic merge: $deleteFromPrimitiveList with a map (merged as data)', pod, `{"spec":{"containers":[{"name":"a","$deleteFromPrimitiveList/securityContext":{"capabilities":{"add":["SYS_ADMIN"]}}}]}}`, SMP],
  ['strategic merge: $deleteFromPrimitiveList with a list holding a map', pod, `{"spec":{"$deleteFromPrimitiveList/volumes":["x",{"name":"h","hostPath":{"path":"/"}}]}}`, SMP],
  // The directive spelled with escapes (parse.ts mayNameDirective: the text need not show it).
  ['strategic merge: $deleteFromPrimitiveList spelled with a \\u escape ($)', deploy, `{"spec":{"template":{"spec":{"\\u0024deleteFromPrimitiveList/containers":[{"name":"a","securityContext":{"privileged":true}}]}}}}`, SMP],
  ['strategic merge: $deleteFromPrimitiveList spelled with a \\u escape inside', pod, `{"spec":{"$delete\\u0046romPrimitiveList/volumes":["x",{"name":"h","hostPath":{"path":"/"}}]}}`, SMP],
  ['template annotation without a spec beside it', deploy, `{"spec":{"template":{"metadata":{"annotations":{"container.apparmor.security.beta.kubernetes.io/a":"unconfined"}}}}}`, MERGE],
];

describe('bodies kube reads differently from JSON.parse are flagged', () => {
  it.each([...DUPLICATES, ...DIFFERENCES])('%s', (_name, k, body, type) => {
    const r = inspect(k, body, type, false, settings);
    expect(flagged(r), JSON.stringify(r)).toBe(true);
  });

  it.each(DUPLICATES)('%s → body_unreadable naming the key', (_name, k, body, type) => {
    const r = inspect(k, body, type, false, settings);
    expect(r).toMatchObject({ unreadable: 'body_unreadable', unreadableDetail: expect.stringMatching(/repeats the key/) });
    expect(r.violations).toEqual([]);
  });

  it.each(DIFFERENCES.filter(([n]) => /^YAML (merge|explicit|binary|custom|0o0|1\.2)/.test(n)))('%s → body_unreadable', (_name, k, body, type) => {
    expect(inspect(k, body, type, false, settings)).toMatchObject({ unreadable: 'body_unreadable', violations: [] });
  });

  it('an escaped key is read as the field it spells', () => {
    const r = inspect(pods, DIFFERENCES[0]![2], JSONT, false, settings);
    expect(r.violations.map((v) => v.code)).toEqual(['host_namespace']);
  });

  it('JSON patch index forms and array shifts keep the privileged value', () => {
    for (const row of DIFFERENCES.filter(([n]) => n.startsWith('JSON patch') && !/copy|move/.test(n))) {
      const r = inspect(row[1], row[2], row[3], false, settings);
      expect(r.violations.map((v) => v.code), row[0]).toEqual(expect.arrayContaining([expect.stringMatching(/privileged_container|host_namespace/)]));
    }
  });

  it('same keys in different objects, and keys that differ only in case, are not duplicates', () => {
    // Go matches fields case-sensitively (sigs.k8s.io/json): HostNetwork is an unknown field to kube.
    const body = `{"kind":"Pod","metadata":{"name":"a","labels":{"name":"a","Name":"b"}},"spec":{"HostNetwork":true,"containers":[${C},{"name":"b","image":"${PINNED}"}]}}`;
    expect(inspect(pods, body, JSONT, false, settings)).toEqual({ violations: [] });
  });

  it('quoted YAML scalars and ordinary plain strings are readable', () => {
    const body = `kind: Pod\nmetadata: {name: web, annotations: {a: "0o0", b: '1e3', c: v1.2.3, d: -c, e: 1.2.3}}\nspec:\n  containers:\n  - {name: app, image: "${PINNED}", args: [-c, echo]}\n`;
    expect(inspect(pods, body, YAML, false, settings)).toEqual({ violations: [] });
  });
});

describe('go-yaml v2 scalar resolution', () => {
  it.each(['0o17', '0_0', '+0', '-0b1', '0x1F', '1e3', '.5', '1_000', 'yes', 'Off', 'y', '~', 'NULL', '.inf', '-.Inf', '0.', '007'])('%s is not a string to go-yaml', (s) => {
    expect(goYamlReadsAsNonString(s)).toBe(true);
  });
  it.each(['v1', '-c', '1.2.3', 'nginx:1.2', '0x', 'e3', '.', '-', 'yess', '08x', '1:20', 'true!'])('%s is a string to go-yaml', (s) => {
    expect(goYamlReadsAsNonString(s)).toBe(false);
  });
});

// ---- properties ---------------------------------------------------------------------------------

/** JSON text for a value, with one object's first key written twice. */
function withDuplicate(v: unknown, target: { n: number }): string {
  if (Array.isArray(v)) return `[${v.map((x) => withDuplicate(x, target)).join(',')}]`;
  if (v !== null && typeof v === 'object') {
    const entries = Object.entries(v).map(([k, x]) => `${JSON.stringify(k)}:${withDuplicate(x, target)}`);
    if (entries.length > 0 && target.n-- === 0) entries.push(entries[0]!.replace(/:.*$/s, ':null'));
    return `{${entries.join(',')}}`;
  }
  return JSON.stringify(v);
}

describe('JSON reading, properties', () => {
  const objects = fc.object({ maxDepth: 4, maxKeys: 4 });

  it('a key repeated in any object, at any depth, is refused', () => {
    fc.assert(
      fc.property(objects, fc.nat(), (o, pick) => {
        const count = (v: unknown): number =>
          Array.isArray(v) ? v.reduce((n: number, x) => n + count(x), 0) : v !== null && typeof v === 'object' ? (Object.keys(v).length > 0 ? 1 : 0) + Object.values(v).reduce((n: number, x) => n + count(x), 0) : 0;
        const n = count(o);
        fc.pre(n > 0);
        const r = readJson(withDuplicate(o, { n: pick % n }));
        expect(r.ok).toBe(false);
      }),
    );
  });

  it('wellFormed: a lone surrogate becomes U+FFFD, anything else is kept, and a well-formed key is not rewritten', () => {
    const lone = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;
    const units = fc.array(fc.oneof(fc.constantFrom(0xd800, 0xdbff, 0xdc00, 0xdfff, 0xd83d, 0xde00, 0xfffd, 0x41), fc.integer({ min: 0, max: 0xffff })), { maxLength: 12 });
    fc.assert(
      fc.property(units, (cs) => {
        const s = String.fromCharCode(...cs);
        expect(wellFormed(s)).toBe(s.replace(lone, '\ufffd'));
      }),
    );
    // Every key of every inspected body is asked: the replace (~500 instructions a key) is for
    // the keys that need it (perf28).
    const replace = vi.spyOn(String.prototype, 'replace');
    let calls: number;
    try {
      for (const key of ['apiVersion', 'containers', 'x\ud83d\ude00', '']) wellFormed(key);
      calls = replace.mock.calls.length;
    } finally {
      replace.mockRestore();
    }
    expect(calls).toBe(0);
  });

  it('an object of any size is refused exactly when two of its keys are one key to Go, however each is spelled', () => {
    // Keys from a small alphabet (lone surrogates included) so that objects repeat keys often; each
    // character written plainly or as a \u escape. Objects up to 40 keys: up to 16 are compared in
    // the text, beyond that in a Set (json.ts COMPARED_KEYS), so both ways are asked.
    const unit = fc.constantFrom(0x61, 0x62, 0x4e, 0xd800, 0xdbff, 0xdc00, 0xfffd, 0xe9);
    const key = fc.array(unit, { minLength: 0, maxLength: 3 }).map((cs) => String.fromCharCode(...cs));
    const spell = (k: string, escapes: boolean[]) =>
      `"${[...Array(k.length).keys()].map((i) => (escapes[i % escapes.length] ? `\\u${k.charCodeAt(i).toString(16).padStart(4, '0')}` : JSON.stringify(k[i]).slice(1, -1))).join('')}"`;
    const entries = fc.array(fc.tuple(key, fc.array(fc.boolean(), { minLength: 1, maxLength: 4 })), { maxLength: 40 });
    fc.assert(
      fc.property(entries, entries, fc.nat(40), (outer, inner, at) => {
        const body = (es: typeof outer, nested?: string) =>
          `{${es.map(([k, e], i) => `${spell(k, e)}:${nested !== undefined && i === at % es.length ? nested : i}`).join(',')}}`;
        const repeats = (es: typeof outer) => new Set(es.map(([k]) => wellFormed(k))).size < es.length;
        const text = body(outer, body(inner));
        const innerKept = outer.length > 0;
        expect(readJson(text).ok).toBe(!(repeats(outer) || (innerKept && repeats(inner))));
      }),
      { numRuns: 2000 },
    );
    // Past 16 keys: distinct keys, then one of them again at a later place, spelled another way.
    const distinct = fc.uniqueArray(fc.tuple(key, fc.array(fc.boolean(), { minLength: 1, maxLength: 4 })), { minLength: 17, maxLength: 40, selector: ([k]) => wellFormed(k) });
    fc.assert(
      fc.property(distinct, fc.nat(), fc.nat(), fc.array(fc.boolean(), { minLength: 1, maxLength: 4 }), fc.boolean(), (es, from, to, e, again) => {
        const copy = [...es];
        if (again) copy.splice(1 + (to % copy.length), 0, [es[from % es.length]![0], e]);
        const nested = `{"x":{${copy.map(([k, sp], i) => `${spell(k, sp)}:${i}`).join(',')}},"y":{"a":1,"a":2}}`;
        expect(readJson(nested).ok).toBe(false);
        expect(readJson(`{${copy.map(([k, sp], i) => `${spell(k, sp)}:${i}`).join(',')}}`).ok).toBe(!again);
      }),
      { numRuns: 500 },
    );
  });

  it('any JSON without repeated keys reads as JSON.parse reads it', () => {
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 6 }), fc.constantFrom(undefined, 2), (v, indent) => {
        const text = JSON.stringify(v, null, indent);
        expect(readJson(text)).toEqual({ ok: true, value: JSON.parse(text) });
      }),
    );
  });
});

// ---- bounded work --------------------------------------------------------------------------------

describe('hostile nesting is an unreadable body, not an error', () => {
  const N = 100_000;
  const deepObject = '{"a":'.repeat(N) + '1' + '}'.repeat(N);
  const rows: Row[] = [
    ['JSON patch value nested 100,000 deep', pod, `[{"op":"add","path":"/spec/x","value":${deepObject}}]`, JPATCH],
    ['JSON patch path 100,000 tokens long', pod, JSON.stringify([{ op: 'add', path: '/a'.repeat(N), value: 1 }]), JPATCH],
    ['JSON create nested 100,000 deep', pods, `{"kind":"Pod","spec":${deepObject}}`, JSONT],
    ['arrays nested 100,000 deep', pods, `{"kind":"Pod","spec":${'['.repeat(N)}${']'.repeat(N)}}`, JSONT],
    ['merge patch nested 100,000 deep', pod, `{"spec":${deepObject}}`, MERGE],
    ['YAML flow nested 60,000 deep', pods, `kind: Pod\nspec: ${'['.repeat(60_000)}${']'.repeat(60_000)}\n`, YAML],
    ['YAML compact sequences 60,000 deep', pods, `${'- '.repeat(60_000)}x\n`, YAML],
    ['YAML complex keys 60,000 deep', pods, `${'? '.repeat(60_000)}x\n`, YAML],
    ['YAML flow mappings 20,000 deep', pods, `kind: Pod\nspec: ${'{a: '.repeat(20_000)}1${'}'.repeat(20_000)}\n`, YAML],
  ];
  it.each(rows)('%s', (_name, k, body, type) => {
    const r = inspect(k, body, type, false, settings);
    expect(r).toMatchObject({ unreadable: 'body_unreadable', unreadableDetail: expect.stringMatching(/deeper than/) });
  });

  it(`nesting up to MAX_BODY_DEPTH (${MAX_BODY_DEPTH}) is read`, () => {
    const d = MAX_BODY_DEPTH - 2; // below the object and its spec
    const body = `{"kind":"Pod","metadata":{"name":"a","annotations":{}},"spec":{"hostNetwork":true,"x":${'['.repeat(d)}${']'.repeat(d)}}}`;
    expect(inspect(pods, body, JSONT, false, settings).violations.map((v) => v.code)).toEqual(['host_namespace']);
    const over = `{"kind":"Pod","spec":{"x":${'['.repeat(d + 1)}${']'.repeat(d + 1)}}}`;
    expect(inspect(pods, over, JSONT, false, settings).unreadable).toBe('body_unreadable');
  });

  it('a long flow mapping on one line is not nesting', () => {
    const labels = Array.from({ length: 300 }, (_, i) => `l${i}: v`).join(', ');
    const body = `kind: Pod\nmetadata: {name: a, labels: {${labels}}}\nspec: {hostNetwork: true}\n`;
    expect(inspect(pods, body, YAML, false, settings).violations.map((v) => v.code)).toEqual(['host_namespace']);
  });

  it('brackets inside YAML strings do not count as nesting', () => {
    const body = `kind: Pod\nmetadata: {name: a, annotations: {a: "${'['.repeat(500)}", b: '${'{'.repeat(500)}'}}\nspec: {hostNetwork: true}\n`;
    expect(inspect(pods, body, YAML, false, settings).violations.map((v) => v.code)).toEqual(['host_namespace']);
  });
});

// ---- JSON patch replay against a reference applier ----------------------------------------------

type Doc = Record<string, unknown>;
type Op = { op: 'add' | 'replace' | 'remove'; path: string; value?: unknown };

/**
 * RFC 6902 add/replace/remove as kube's json-patch library applies them: indices through Go's
 * Atoi (`01`, `+1`), negative indices from the end, `-` appends, a missing parent fails the patch.
 * Undefined when kube would refuse the patch.
 */
function kubeApply(doc: Doc, ops: Op[]): Doc | undefined {
  const root = structuredClone(doc);
  const index = (t: string, len: number, forAdd: boolean): number | undefined => {
    if (!/^[-+]?[0-9]+$/.test(t)) return undefined;
    let i = Number(t);
    if (i < 0) i += len;
    return i >= 0 && i < len + (forAdd ? 1 : 0) ? i : undefined;
  };
  for (const op of ops) {
    const tokens = op.path.slice(1).split('/');
    let node: unknown = root;
    for (const t of tokens.slice(0, -1)) {
      if (Array.isArray(node)) {
        const i = index(t, node.length, false);
        if (i === undefined) return undefined;
        node = node[i];
      } else if (node !== null && typeof node === 'object' && Object.hasOwn(node, t)) {
        node = (node as Doc)[t];
      } else return undefined;
    }
    const last = tokens[tokens.length - 1]!;
    if (Array.isArray(node)) {
      if (op.op === 'add' && last === '-') {
        node.push(structuredClone(op.value));
        continue;
      }
      const i = index(last, node.length, op.op === 'add');
      if (i === undefined) return undefined;
      if (op.op === 'add') node.splice(i, 0, structuredClone(op.value));
      else if (op.op === 'replace') node[i] = structuredClone(op.value);
      else node.splice(i, 1);
    } else if (node !== null && typeof node === 'object') {
      const o = node as Doc;
      if (op.op !== 'add' && !Object.hasOwn(o, last)) return undefined;
      if (op.op === 'remove') delete o[last];
      else o[last] = structuredClone(op.value);
    } else return undefined;
  }
  return root;
}

const isPrivileged = (doc: Doc): boolean => {
  const containers = (doc.spec as Doc | undefined)?.containers;
  return Array.isArray(containers) && containers.some((c) => (c as Doc | null)?.securityContext !== undefined && ((c as Doc).securityContext as Doc | null)?.privileged === true);
};

describe('JSON patch replay, property: whatever kube ends up privileged is flagged', () => {
  const idx = fc.constantFrom('0', '1', '2', '-', '-1', '01', '+1');
  const container = (name: string, sc: Doc) => ({ name, image: PINNED, securityContext: sc });
  const value = fc.constantFrom<unknown>(container('x', {}), container('p', { privileged: true }), {}, { privileged: true }, { privileged: false }, true, false);
  const op = fc.record({
    op: fc.constantFrom<'add' | 'replace' | 'remove'>('add', 'replace', 'remove'),
    path: fc.oneof(
      idx.map((i) => `/spec/containers/${i}`),
      idx.map((i) => `/spec/containers/${i}/securityContext`),
      idx.map((i) => `/spec/containers/${i}/securityContext/privileged`),
    ),
    value,
  });

  it('holds for random operation sequences on a pod with existing containers', () => {
    let privilegedRuns = 0;
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 3 }), fc.array(op, { minLength: 1, maxLength: 6 }), (n, ops) => {
        const before: Doc = { kind: 'Pod', spec: { containers: Array.from({ length: n }, (_, i) => container(`c${i}`, {})) } };
        const after = kubeApply(before, ops as Op[]);
        fc.pre(after !== undefined && isPrivileged(after));
        privilegedRuns++;
        const r = inspect(pod, JSON.stringify(ops.map((o) => (o.op === 'remove' ? { op: o.op, path: o.path } : o))), JPATCH, false, settings);
        expect(r.unreadable !== undefined || r.violations.some((v) => v.code === 'privileged_container'), JSON.stringify(ops)).toBe(true);
      }),
      { numRuns: 1500 },
    );
    expect(privilegedRuns).toBeGreaterThan(50);
  }, 120_000);
});

describe('JSON patch size', () => {
  it('more operations than kube-apiserver accepts (10,000) is unreadable; that many is replayed', () => {
    const op = (i: number) => ({ op: 'add', path: `/metadata/labels/l${i}`, value: 'x' });
    const over = [...Array.from({ length: MAX_JSON_PATCH_OPERATIONS }, (_, i) => op(i)), { op: 'add', path: '/spec/hostNetwork', value: true }];
    expect(inspect(pod, JSON.stringify(over), JPATCH, false, settings)).toMatchObject({ unreadable: 'body_unreadable', unreadableDetail: expect.stringContaining('10000') });
    const within = [...Array.from({ length: MAX_JSON_PATCH_OPERATIONS - 1 }, (_, i) => op(i)), { op: 'add', path: '/spec/hostNetwork', value: true }];
    expect(inspect(pod, JSON.stringify(within), JPATCH, false, settings).violations.map((v) => v.code)).toEqual(['host_namespace']);
  });
});
