/**
 * How a key takes effect when the file is reloaded. `live`: the next runtime is built from it and
 * swapped in (in-flight checks finish on the old one). `restart`: it is read once at start (a
 * listener, an OIDC client, a bound sized once) and a changed value waits for the next start;
 * the reload logs a warning for each such key that changed (config/reload.ts).
 *
 * Each section file declares a table beside its schema, one entry per leaf key (full path, `[]`
 * for list items); test/unit/config-reload.test.ts fails when a key has no entry, so a new key
 * cannot be silently ignored by a reload.
 */
export type Apply = 'live' | 'restart';
export type ApplyTable = Readonly<Record<string, Apply>>;
