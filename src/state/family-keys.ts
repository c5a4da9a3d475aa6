/**
 * Family keys as both stores read them (WorkObservation.family; risk/namespace-family.ts makes
 * them): `<rank>:<stem>` and, with several clusters, `@<cluster>`; rank 1 is the highest tier, 0 a
 * name without an environment. An asked namespace's key may carry `+` after its rank
 * (`3+:payments-batch`): its application's components are on (`unfamiliar_namespace.components`),
 * so the stem's shorter whole-token prefixes cover it too (`payments`). A key is kept without the
 * `+` (canonicalKey), so that a namespace learned with components on or off vouches the same. The
 * Redis scripts read them with the same pattern (redis-scripts.ts), so that both stores look up and
 * keep the same members.
 */
const KEY = /^(\d+)(\+?)(:[^]*)$/;

/**
 * The keys that cover a family key: one per tier from the top down to its own (only the top one
 * for a name without an environment), for its stem and, with `+`, for each shorter whole-token
 * prefix of it (`payments-batch`, then `payments`). Empty for a string that is no family key.
 */
export function coveringKeys(key: string): string[] {
  const m = KEY.exec(key);
  if (m === null) return [];
  const rank = Math.max(1, Number(m[1]));
  const rest = m[3]!;
  const out: string[] = [];
  for (let r = 1; r <= rank; r++) out.push(`${r}${rest}`);
  if (m[2] === '+') {
    // The cluster, when there is one, follows the stem; namespace names hold no '@'.
    const at = rest.indexOf('@');
    const cluster = at < 0 ? '' : rest.slice(at);
    let stem = at < 0 ? rest : rest.slice(0, at);
    for (let cut = stem.lastIndexOf('-'); cut > 0; cut = stem.lastIndexOf('-')) {
      stem = stem.slice(0, cut);
      for (let r = 1; r <= rank; r++) out.push(`${r}${stem}${cluster}`);
    }
  }
  return out;
}

/** The key as the stores keep it: without the `+` an asked key may carry. */
export function canonicalKey(key: string): string {
  const m = KEY.exec(key);
  return m === null || m[2] === '' ? key : `${m[1]}${m[3]}`;
}

/**
 * Whether a family key names an explicit tier, and so vouches for its own and lower ones while its
 * namespace is in the working set: a name without an environment (rank 0) vouches for nothing.
 */
export function vouches(key: string): boolean {
  const m = KEY.exec(key);
  return m !== null && Number(m[1]) > 0;
}
