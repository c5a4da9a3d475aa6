import { SpanKind, trace } from '@opentelemetry/api';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Verdict } from '../../src/decision/verdict.js';
import type { Requirement } from '../../src/policy/policy.js';
import type { Runtime } from '../../src/pipeline/runtime.js';
import { CheckSpan } from '../../src/telemetry/check-spans.js';
import { encodeAllSpanAttributes, encodeSpanAttributes } from '../../src/telemetry/otlp-spans.js';
import { checkAttributes, CheckTracing, decisionBlock, REQUEST_ATTRIBUTES, requestBlocks, type CheckOutcome } from '../../src/telemetry/tracing.js';

const CTX = { traceId: '4bf92f3577b34da6a3ce929d0e0e4736', spanId: '00f067aa0ba902b7', traceFlags: 1 };
const tracing = new CheckTracing(trace.getTracer('test'), (_, err) => {
  throw err;
});

/** What endCheck gives a Check span: its encoded block (if any) and its other attributes, as the encoder writes them. */
function attributeBytes(c: CheckOutcome): { bytes: Buffer; blocked: boolean } {
  const span = new CheckSpan(undefined, 'stepgate.check', SpanKind.SERVER, CTX, undefined, 1000);
  tracing.endCheck(span, c);
  const blocked = span.encodedAttributes !== undefined;
  // As the span writer writes them: the block, the request attributes from their source, the rest.
  return { bytes: encodeAllSpanAttributes(span), blocked };
}

const requirement = (rules: string[], level: number, deny: boolean, maxAge: number | undefined) => ({ rules, level, deny, maxAge }) as unknown as Requirement;
const runtime = (names: string[]) => ({ assurance: { names }, now: () => 1_700_000_000_000 }) as unknown as Runtime;

describe('decision blocks (the decision attributes encoded once per rule and decision)', () => {
  it('give every Check span exactly the attributes checkAttributes gives, in its order, whatever decisions alternate', () => {
    type Who = { levelName: string; issuer: string; subject: string; authTime?: number };
    const outcome = (reqs: Requirement[], rts: Runtime[], ids: Who[]) =>
      fc
        .record({
          req: fc.option(fc.constantFrom(...reqs), { nil: undefined }),
          rt: fc.option(fc.constantFrom(...rts), { nil: undefined }),
          allow: fc.boolean(),
          reason: fc.constantFrom('allowed', 'acr_insufficient', 'token_expired', 'denied_by_rule', 'internal_error'),
          status: fc.constantFrom(200, 401, 403, 500),
          detail: fc.constantFrom(undefined, 'needs aal2', 'needs aal3', 'see https://u:p@idp.example/x?y=1', 'x'.repeat(300)),
          clientKind: fc.constantFrom(undefined, 'api' as const, 'navigation' as const),
          tokenCached: fc.boolean(),
          // Identities are shared objects, as the token cache shares them (their encodings are kept per object).
          who: fc.option(fc.constantFrom(...ids), { nil: undefined }),
          // Changes a shared identity's level before this Check: its kept encoding must not be reused.
          relevel: fc.constantFrom(undefined, 'aal1', 'aal2'),
          subjectMode: fc.constantFrom('clear' as const, 'hashed' as const),
          path: fc.constantFrom('/a', '/api/v1/pods', `/${'p'.repeat(300)}`),
          // The request attributes past identity and path, written from their source when a block is used.
          kube: fc.option(
            fc.record({
              verb: fc.constantFrom('get', 'list'),
              isResourceRequest: fc.boolean(),
              apiGroup: fc.constantFrom('', 'apps'),
              resource: fc.constantFrom('pods', 'secrets'),
              subresource: fc.constantFrom(undefined, 'exec'),
              namespace: fc.constantFrom(undefined, 'dev'),
              name: fc.constantFrom(undefined, 'web-1', 'n'.repeat(300)),
            }),
            { nil: undefined },
          ),
          risk: fc.option(
            fc.record({ score: fc.constantFrom(0, 35, 0.5), band: fc.constantFrom(undefined, 'low', 'high'), contributions: fc.constantFrom([], [{ code: 'new_device' }, { code: 'geo' }]), context: fc.constantFrom(undefined, { reason: 'vpn' }) }),
            { nil: undefined },
          ),
          guardrails: fc.option(fc.constantFrom({ contribution: { codes: [] } }, { contribution: { codes: ['wide_delete'] } }), { nil: undefined }),
          shadow: fc.option(fc.record({ allow: fc.boolean(), reason: fc.constantFrom('allowed', 'acr_insufficient'), elements: fc.constantFrom(['r1'], ['r1', 'r2']) }), { nil: undefined }),
        })
        .map((o): { c: CheckOutcome; relevel: string | undefined } => ({
          relevel: o.relevel,
          c: {
            rt: o.rt,
            verdict: {
              allow: o.allow,
              reason: o.reason,
              detail: o.detail,
              requirement: o.req,
              identity: o.who,
              tokenCached: o.tokenCached,
              attributes: { path: o.path, kube: o.kube },
              risk: o.risk,
              guardrails: o.guardrails,
              shadow: o.shadow,
            } as unknown as Verdict,
            status: o.status,
            clientKind: o.clientKind,
            subjectMode: o.subjectMode,
          },
        }));
    let blocked = 0;
    fc.assert(
      fc.property(
        fc.constant(null).chain(() => {
          // Fresh rules and runtimes per run: the blocks are kept per Requirement object.
          const reqs = [requirement(['dev-read'], 0, false, undefined), requirement(['secrets'], 1, false, 900), requirement(['admin', 'deny-all'], -1, true, 60)];
          const rts = [runtime(['aal1', 'aal2']), runtime(['low', 'high'])];
          const ids: Who[] = [
            { levelName: 'aal1', issuer: 'https://idp', subject: 'alice' },
            { levelName: 'aal2', issuer: 'https://idp', subject: 'bob', authTime: 1_699_999_000 },
            { levelName: 'aal2', issuer: 'https://other', subject: 's'.repeat(300), authTime: 1_699_999_990 },
          ];
          return fc.array(outcome(reqs, rts, ids), { minLength: 1, maxLength: 40 });
        }),
        (outcomes) => {
          for (const { c, relevel } of outcomes) {
            // Here, not when the values are drawn (all of them before the first Check).
            if (relevel && c.verdict.identity) c.verdict.identity.levelName = relevel;
            const got = attributeBytes(c);
            if (got.blocked) blocked++;
            expect(got.bytes.equals(encodeSpanAttributes(checkAttributes(c)))).toBe(true);
          }
        },
      ),
      { numRuns: 300 },
    );
    // The comparison above is about the blocks: many spans (~800 of ~6,000 with these choices) used one.
    expect(blocked).toBeGreaterThan(300);
  });

  it('never shares a block between two decisions that differ in anything their attributes show', () => {
    const req = requirement(['secrets'], 1, false, 900);
    const rt = runtime(['aal1', 'aal2']);
    const base: CheckOutcome = { rt, verdict: { allow: false, reason: 'acr_insufficient', requirement: req, tokenCached: true } as unknown as Verdict, status: 401, clientKind: 'api', subjectMode: 'clear' };
    const variants: CheckOutcome[] = [
      base,
      { ...base, status: 403 },
      { ...base, clientKind: 'navigation' },
      { ...base, verdict: { ...base.verdict, allow: true } },
      { ...base, verdict: { ...base.verdict, reason: 'token_expired' } },
      { ...base, verdict: { ...base.verdict, detail: 'needs aal2' } },
      { ...base, verdict: { ...base.verdict, tokenCached: false, identity: { levelName: 'aal1' } } as unknown as Verdict },
      { ...base, rt: runtime(['low', 'high']) },
    ];
    decisionBlock(base); // the first sighting of a requirement keeps nothing
    const blocks = variants.map((c) => decisionBlock(c)!);
    const bytes = blocks.map((b) => Buffer.from(b.bytes).toString('hex'));
    expect(new Set(bytes).size).toBe(variants.length);
    // And each again gets its own, from the kept ones (at most 8 per rule: all of these).
    variants.forEach((c, i) => expect(decisionBlock(c)).toBe(blocks[i]));
  });

  it('merges the block back when an attribute is set before the span ends', () => {
    const req = requirement(['secrets'], 1, false, 900);
    const c: CheckOutcome = { rt: runtime(['aal1', 'aal2']), verdict: { allow: true, reason: 'allowed', requirement: req } as unknown as Verdict, status: 200, clientKind: undefined, subjectMode: 'clear' };
    decisionBlock(c);
    const block = decisionBlock(c)!;
    const span = new CheckSpan(undefined, 'stepgate.check', SpanKind.SERVER, CTX, undefined, 1000);
    span.adoptAttributes({ 'stepgate.request.path': '/x' }, block);
    span.setAttribute('stepgate.reason', 'changed');
    expect(span.encodedAttributes).toBeUndefined();
    expect(span.attributes).toEqual({ ...checkAttributes(c), 'stepgate.reason': 'changed', 'stepgate.request.path': '/x' });
    expect(Object.keys(span.attributes)[0]).toBe('stepgate.decision');
  });

  it('merges the block and the request attributes from their source back when an attribute is set before the span ends', () => {
    const req = requirement(['secrets'], 1, false, 900);
    const c: CheckOutcome = {
      rt: runtime(['aal1', 'aal2']),
      verdict: { allow: true, reason: 'allowed', requirement: req, identity: { levelName: 'aal2', issuer: 'https://idp', subject: 'alice' }, attributes: { path: '/x' } } as unknown as Verdict,
      status: 200,
      clientKind: undefined,
      subjectMode: 'clear',
    };
    decisionBlock(c);
    const block = decisionBlock(c)!;
    const span = new CheckSpan(undefined, 'stepgate.check', SpanKind.SERVER, CTX, undefined, 1000);
    span.adoptSource(block, REQUEST_ATTRIBUTES, c);
    expect(encodeAllSpanAttributes(span).equals(encodeSpanAttributes(checkAttributes(c)))).toBe(true);
    span.setAttribute('stepgate.issuer', 'changed');
    span.setAttribute('extra', 1);
    expect(span.encodedAttributes).toBeUndefined();
    expect(span.attributeSource).toBeUndefined();
    expect(span.attributes).toEqual({ ...checkAttributes(c), 'stepgate.issuer': 'changed', extra: 1 });
    expect(Object.keys(span.attributes)).toEqual([...Object.keys(checkAttributes(c)), 'extra']);
  });

  it("keeps the identity's and the route's attributes as one block each, shared only by Checks they describe", () => {
    // Fresh strings for every Check, as decoding gives them: the route is matched on its values.
    const fresh = (t: string) => ` ${t}`.slice(1);
    const alice = { levelName: 'aal2', issuer: 'https://idp', subject: 'alice' };
    const outcome = (who: object, path: string, namespace: string | undefined, subjectMode: 'clear' | 'hashed' = 'clear', verb = 'get'): CheckOutcome => ({
      rt: undefined,
      verdict: {
        allow: true,
        reason: 'allowed',
        identity: who,
        attributes: { path: fresh(path), kube: { verb: fresh(verb), isResourceRequest: true, apiGroup: '', resource: fresh('pods'), subresource: '', namespace: namespace && fresh(namespace), name: '' } },
      } as unknown as Verdict,
      status: 200,
      clientKind: undefined,
      subjectMode,
    });
    const first = requestBlocks(outcome(alice, '/api/v1/namespaces/dev/pods', 'dev'));
    const again = requestBlocks(outcome(alice, '/api/v1/namespaces/dev/pods', 'dev'));
    expect(again.identity).toBe(first.identity);
    expect(again.route).toBe(first.route);
    // The same path with another namespace (a hand-built request), verb, or none: another block each.
    const routes = [outcome(alice, '/api/v1/namespaces/dev/pods', 'prod'), outcome(alice, '/api/v1/namespaces/dev/pods', undefined), outcome(alice, '/api/v1/namespaces/dev/pods', 'dev', 'clear', 'list')];
    for (const c of routes) {
      const b = requestBlocks(c).route!;
      expect(b).not.toBe(first.route);
      const routeOnly = checkAttributes({ ...c, verdict: { ...c.verdict, identity: undefined } });
      for (const k of ['stepgate.decision', 'stepgate.reason', 'stepgate.response.status']) delete routeOnly[k];
      expect(b.equals(encodeSpanAttributes(routeOnly))).toBe(true);
    }
    // Another identity object with the same values, the subject hashed, or the level rewritten.
    expect(requestBlocks(outcome({ ...alice }, '/x', undefined)).identity!.equals(first.identity!)).toBe(true);
    alice.levelName = 'aal1';
    const relevelled = requestBlocks(outcome(alice, '/x', undefined)).identity!;
    expect(relevelled.equals(first.identity!)).toBe(false);
    expect(relevelled.includes(Buffer.from('aal1'))).toBe(true);
    expect(requestBlocks(outcome(alice, '/x', undefined, 'hashed')).identity).not.toBe(relevelled);
    // A path longer than a clipped value is not kept.
    expect(requestBlocks(outcome(alice, `/${'p'.repeat(300)}`, undefined)).route).toBeUndefined();
  });
});
