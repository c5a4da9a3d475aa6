/**
 * A decoded HttpRequest's headers as read, in threes (name, that name through toLowerAscii,
 * value), for parseCheckRequest's fast path (check.ts). decode.ts builds the `headers` object
 * itself only when something reads it: with some twenty names of every shape it becomes a
 * dictionary-mode object, and building it and walking it with for…in was most of a cached Check's
 * header work. Whoever reads `headers` gets exactly the object mapEntry built before
 * (test/unit/grpc-decode.test.ts compares it with proto-loader's). Its own module so that
 * check.ts and decode.ts need not import each other.
 */
export const HEADER_ENTRIES: unique symbol = Symbol('stepgate.headerEntries');
