import { APPLY, type ApplyTable, type Config } from './schema.js';

/** A key the running process cannot take from a reloaded file: it keeps `running` until a restart. */
export interface RestartChange {
  /** The key's path as the docs write it (`server.grpc_listen`, `issuers[].issuer`). */
  field: string;
  running: unknown;
  file: unknown;
}

/**
 * The keys marked `restart` (schema/apply.ts) whose value in `next` differs from the one the
 * process started with. Compared with the start, not the previous reload, so every reload names
 * every key still waiting for a restart, and a file changed back names none. `skip` holds keys
 * whose running value does not come from the file (a STEPGATE_* variable overrides them).
 */
export function restartOnlyChanges(started: Config, next: Config, skip: ReadonlySet<string> = new Set(), table: ApplyTable = APPLY): RestartChange[] {
  const changes: RestartChange[] = [];
  for (const [field, apply] of Object.entries(table)) {
    if (apply !== 'restart' || skip.has(field)) continue;
    const running = valueAt(started, field);
    const file = valueAt(next, field);
    if (!sameValue(running, file)) changes.push({ field, running, file });
  }
  return changes;
}

/** The value at a dotted path; a `[]` segment maps the rest of the path over a list. */
export function valueAt(value: unknown, path: string): unknown {
  return walk(value, path.split('.'));
}

function walk(value: unknown, segments: string[]): unknown {
  if (segments.length === 0 || value === undefined || value === null) return value;
  const [head, ...rest] = segments as [string, ...string[]];
  const list = head.endsWith('[]');
  const child = (value as Record<string, unknown>)[list ? head.slice(0, -2) : head];
  if (!list) return walk(child, rest);
  return Array.isArray(child) ? child.map((item) => walk(item, rest)) : child;
}

/** Parsed config values are plain data (objects in schema order, lists, scalars). */
function sameValue(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}
