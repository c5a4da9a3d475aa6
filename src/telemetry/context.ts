import { ROOT_CONTEXT, type Context, type ContextManager } from '@opentelemetry/api';

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

  active(): Context {
    return this.current;
  }

  with<A extends unknown[], F extends (...args: A) => ReturnType<F>>(
    ctx: Context,
    fn: F,
    thisArg?: ThisParameterType<F>,
    ...args: A
  ): ReturnType<F> {
    const previous = this.current;
    this.current = ctx;
    try {
      return fn.call(thisArg, ...args);
    } finally {
      this.current = previous;
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
    return this;
  }
}
