/**
 * One application's environments (docs/risk.md, "Lower environments of the working set"): a
 * namespace's name read as a stem and an environment tier, so that `ledger-staging` is known to be
 * a lower environment of `prod-ledger`. A prod engineer reading their own app's staging Secret is
 * no departure from where they work; a dev engineer reaching the same app's prod is, and stays one.
 *
 * Pure, and conservative: a name it cannot read as exactly one environment of a non-empty stem
 * has no family, and nothing covers it but the working set itself.
 */

/** The configured tiers, compiled once: environment token → tier (1 the highest). */
export type Tiers = ReadonlyMap<string, number>;

/** `risk.signals.unfamiliar_namespace.environments`, highest tier first. */
export function compileTiers(environments: readonly (readonly string[])[]): Tiers {
  const tiers = new Map<string, number>();
  environments.forEach((tokens, i) => {
    // The schema refuses a token in two tiers; were one there, the higher would cover less.
    for (const t of tokens) if (!tiers.has(t)) tiers.set(t, i + 1);
  });
  return tiers;
}

export interface NamespaceFamily {
  /** The name's other tokens, joined with `-` in their order (`ledger`, `payments-api`). */
  stem: string;
  /** The environment's tier, 1 the highest; 0 when the name has no environment token (`search`). */
  rank: number;
}

/**
 * The family of a namespace name, undefined when it has none: more than one environment token
 * (`prod-dev`), nothing but one (`prod`), an empty token, or no tiers configured. Regional and
 * other tokens stay in the stem, so `checkout-prod-euw1` is `checkout-euw1`'s, not `checkout`'s.
 */
export function familyOf(namespace: string, tiers: Tiers): NamespaceFamily | undefined {
  if (tiers.size === 0 || namespace === '') return undefined;
  const tokens = namespace.split('-');
  let rank = 0;
  const stem: string[] = [];
  for (const t of tokens) {
    if (t === '') return undefined;
    const r = tiers.get(t);
    if (r === undefined) stem.push(t);
    else if (rank !== 0) return undefined;
    else rank = r;
  }
  if (stem.length === 0) return undefined;
  return { stem: stem.join('-'), rank };
}

/**
 * Whether a namespace of family `known`, in the working set, covers one of family `asked`: the same
 * stem, and `known` at an explicit tier at or above `asked`'s (the same tier included: `prod-x` and
 * `x-production` are one app's production). A name without an environment is covered only by the
 * top tier (`prod-search` covers `search`) and covers nothing (a plain `payments` may be dev or
 * prod). Namespaces of different clusters are never one family (familyKey).
 */
export function covers(known: NamespaceFamily, asked: NamespaceFamily): boolean {
  if (known.stem !== asked.stem || known.rank === 0) return false;
  return known.rank <= Math.max(asked.rank, 1);
}

/**
 * With `unfamiliar_namespace.components`: whether `known` covers `asked` as a component of its
 * application, a name that extends the application's by more tokens (`prod-payments` covers
 * `prod-payments-batch` and `payments-batch-dev`, not `payments-batch` from a plain `payments`, nor
 * `payments2-dev`): its stem a whole-token prefix of `asked`'s, at a tier that covers `asked`'s
 * (covers). The store looks it up as the `+` of the asked key (state/family-keys.ts).
 */
export function coversComponent(known: NamespaceFamily, asked: NamespaceFamily): boolean {
  if (!asked.stem.startsWith(`${known.stem}-`)) return covers(known, asked);
  return covers(known, { stem: known.stem, rank: asked.rank });
}

/**
 * The store's key for a namespace's family (WorkObservation.family): `<rank>:<stem>`, then the
 * cluster as a working-set name carries it (`2:ledger@sydney`, engine.ts inCluster); '' when the
 * name has no family. With `components`, a stem of several tokens is asked as `<rank>+:<stem>`,
 * which its shorter whole-token prefixes cover too; it is kept without the `+`. A namespace in the working set vouches for the key of its own rank; one of
 * rank r is covered when a key of rank 1..max(r, 1) with its stem is live (store.ts familyKnown).
 */
export function familyKey(namespace: string, cluster: string, tiers: Tiers, components = false): string {
  const f = familyOf(namespace, tiers);
  if (f === undefined) return '';
  // `+`: the application's components are on, so a shorter stem of the same tokens covers it
  // (coversComponent); only a stem of several tokens has a shorter one.
  const key = `${f.rank}${components && f.stem.includes('-') ? '+' : ''}:${f.stem}`;
  return cluster === '' ? key : `${key}@${cluster}`;
}
