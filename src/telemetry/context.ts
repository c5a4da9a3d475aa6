import { ROOT_CONTEXT, trace, type Context, type ContextManager, type Span } from '@opentelemetry/api';

/**
 * An OpenTelemetry context manager without async hooks: `context.with(ctx, fn)` makes `ctx`
 * active while `fn` runs synchronously, and nothing else.
 *
 * Why not the SDK's default (AsyncLocalStorage): on Node 20, once it is used it installs async
 * hooks for the whole process, and every promise anywhere (grpc-js, HTTP/2, jose) pays for them;
 * measured at 5–8 µs per Check, about a third of stepgate's own work on a cached token. stepgate
 * needs the active context only where I/O starts, and that is synchronous inside `evaluate()`: a
 * JWKS fetch begins in the same call stack as the Check that causes it (see CheckTracing
 * .aroundJwksRefresh). Code running later, in a promise continuation, sees the root context; so
 * it never sees another Check's span by mistake.
 */
export class SyncContextManager implements ContextManager {
  private current: Context = ROOT_CONTEXT;
  /**
   * The span withSpan made active, while nobody has asked for its context: with every Check
   * sampled, the Check runs inside its span, but the context is needed only when the Check starts
   * I/O (a JWKS fetch, rare), so it is built then, not for every Check.
   */
  private pending: Span | undefined;

  active(): Context {
    const span = this.pending;
    if (span !== undefined) {
      this.pending = undefined;
      this.current = trace.setSpan(ROOT_CONTEXT, span);
    }
    return this.current;
  }

  with<A extends unknown[], F extends (...args: A) => ReturnType<F>>(
    ctx: Context,
    fn: F,
    thisArg?: ThisParameterType<F>,
    ...args: A
  ): ReturnType<F> {
    const previous = this.current;
    const pending = this.pending;
    this.current = ctx;
    this.pending = undefined;
    try {
      return fn.call(thisArg, ...args);
    } finally {
      this.current = previous;
      this.pending = pending;
    }
  }

  /**
   * `fn(a, b)` as `with(trace.setSpan(ROOT_CONTEXT, span), fn, undefined, a, b)` runs it: what
   * `active()` returns inside is the same (a context holding `span` and nothing else, the same
   * object on every call), but it is built only if `active()` is called. No rest arguments either:
   * the Check passes two.
   */
  withSpan<A, B, R>(span: Span, fn: (a: A, b: B) => R, a: A, b: B): R {
    const previous = this.current;
    const pending = this.pending;
    this.pending = span;
    try {
      return fn(a, b);
    } finally {
      this.current = previous;
      this.pending = pending;
    }
  }

  bind<T>(ctx: Context, target: T): T {
    if (typeof target !== 'function') return target;
    const fn = target as unknown as (...args: unknown[]) => unknown;
    return ((...args: unknown[]) => this.with(ctx, fn, undefined, ...args)) as unknown as T;
  }

  enable(): this {
    return this;
  }

  disable(): this {
    this.current = ROOT_CONTEXT;
    this.pending = undefined;
    return this;
  }
}
