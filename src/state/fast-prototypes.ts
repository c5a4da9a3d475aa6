/**
 * Gives String.prototype (and the other prototypes of primitive values) fast properties again
 * after a dependency made V8 store them in a dictionary.
 *
 * ioredis declares `class VerbatimString extends String` (resp/verbatim-string.js). When an object
 * becomes the prototype of a new prototype object, V8 switches its properties to a dictionary,
 * expecting methods to be added to it, and switches them back the first time a property lookup
 * misses on an object whose prototype chain holds it. A lookup on a string primitive never does
 * that (the receiver is not an object), so once ioredis is loaded String.prototype stays a
 * dictionary for the life of the process, and optimised code can no longer inline any string
 * method: every `s.charCodeAt(i)`, `s.indexOf(…)`, `s.slice(…)` becomes a generic property load
 * (LoadIC) plus a call. That is every stepgate process, memory store included, since the store
 * factory imports the Redis store (bench/README.md, "redisread37": the Redis reply's reader cost
 * ~4 µs instead of ~0.6).
 *
 * The cure is the lookup V8 waits for: a few property reads on an object that inherits from each
 * prototype, from one function that has run often enough to have its inline caches (V8 allocates
 * them lazily, after a handful of calls), so the read misses into the runtime, which marks the
 * prototype as one to keep fast and converts it. Idempotent and cheap (a few hundred reads, once).
 * test/unit/fast-prototypes.test.ts checks the result with V8's own %HasFastProperties in a child
 * process, after importing the whole service.
 */
export function keepPrimitivePrototypesFast(): void {
  const probes = [String.prototype, Number.prototype, Boolean.prototype, BigInt.prototype, Symbol.prototype].map(
    (proto) => Object.create(proto) as { valueOf: unknown },
  );
  for (let round = 0; round < 64; round++) {
    for (const probe of probes) read(probe);
  }
}

function read(o: { valueOf: unknown }): unknown {
  return o.valueOf;
}
