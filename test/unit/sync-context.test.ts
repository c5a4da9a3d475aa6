import { createContextKey, ROOT_CONTEXT, trace, type Span } from '@opentelemetry/api';
import { describe, expect, it } from 'vitest';
import { SyncContextManager } from '../../src/telemetry/context.js';

const span = (id: string): Span => trace.wrapSpanContext({ traceId: '4bf92f3577b34da6a3ce929d0e0e4736', spanId: id, traceFlags: 1 });
const KEY = createContextKey('test.key');

describe('SyncContextManager.withSpan', () => {
  it('makes a context holding only the span active, built when asked for, the same object on every call', () => {
    const cm = new SyncContextManager();
    const s = span('00f067aa0ba902b7');
    const seen = cm.withSpan(
      s,
      (a: number, b: string) => {
        const first = cm.active();
        expect(trace.getSpan(first)).toBe(s);
        expect(first.getValue(KEY)).toBeUndefined();
        expect(cm.active()).toBe(first);
        return `${a}${b}`;
      },
      1,
      'x',
    );
    expect(seen).toBe('1x');
    expect(cm.active()).toBe(ROOT_CONTEXT);
  });

  it('restores the outer context after fn returns or throws, and nests with `with` either way', () => {
    const cm = new SyncContextManager();
    const outer = ROOT_CONTEXT.setValue(KEY, 'outer');
    const s = span('00f067aa0ba902b7');
    const inner = span('1111111111111111');
    cm.with(outer, () => {
      expect(() =>
        cm.withSpan(
          s,
          () => {
            throw new Error('boom');
          },
          0,
          0,
        ),
      ).toThrow('boom');
      expect(cm.active()).toBe(outer);
      cm.withSpan(
        s,
        () => {
          // A `with` inside, before the span's context was asked for: the span is back afterwards.
          const other = ROOT_CONTEXT.setValue(KEY, 'other');
          cm.with(other, () => expect(cm.active()).toBe(other));
          expect(trace.getSpan(cm.active())).toBe(s);
          // And another span inside, after it was: the outer span's context comes back, the same object.
          const built = cm.active();
          cm.withSpan(inner, () => expect(trace.getSpan(cm.active())).toBe(inner), 0, 0);
          expect(cm.active()).toBe(built);
        },
        0,
        0,
      );
      expect(cm.active()).toBe(outer);
    });
    expect(cm.active()).toBe(ROOT_CONTEXT);
  });

  it('is forgotten on disable', () => {
    const cm = new SyncContextManager();
    cm.withSpan(
      span('00f067aa0ba902b7'),
      () => {
        cm.disable();
        expect(cm.active()).toBe(ROOT_CONTEXT);
      },
      0,
      0,
    );
  });
});
