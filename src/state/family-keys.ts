/**
 * Family keys as both stores read them (WorkObservation.family; risk/namespace-family.ts makes
 * them): `<rank>:<stem>` and, with several clusters, `@<cluster>`; rank 1 is the highest tier, 0 a
 * name without an environment. The Redis scripts read them with the same pattern
 * (redis-scripts.ts), so that both stores look up and keep the same members.
 */
const KEY = /^(\d+)(:[^]*)$/;

/**
 * The keys that cover a family key: one per tier from the top down to its own (only the top one
 * for a name without an environment). Empty for a string that is no family key.
 */
export function coveringKeys(key: string): string[] {
  const m = KEY.exec(key);
  if (m === null) return [];
  const rank = Math.max(1, Number(m[1]));
  const out: string[] = [];
  for (let r = 1; r <= rank; r++) out.push(`${r}${m[2]}`);
  return out;
}

/**
 * Whether a family key names an explicit tier, and so vouches for its own and lower ones while its
 * namespace is in the working set: a name without an environment (rank 0) vouches for nothing.
 */
export function vouches(key: string): boolean {
  const m = KEY.exec(key);
  return m !== null && Number(m[1]) > 0;
}
