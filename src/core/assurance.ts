import type { LevelConfig } from '../config/schema.js';

/** Rank of a token that qualifies for no configured level: authenticated, but below the lowest. */
export const NO_LEVEL = -1;

export interface AssuranceModel {
  /** Level names, weakest first; a level's rank is its index. */
  readonly names: readonly string[];
  /** Each level's `description` by rank, '' none: for people (assurance_downgrade's "your usual"). */
  readonly descriptions: readonly string[];
  rank(name: string): number;
  /** The strongest level the token qualifies for, or NO_LEVEL. */
  classify(acr: string | undefined, amr: readonly string[]): number;
  /** The acr values a step-up asks the identity provider for, to reach `rank`. */
  acrValues(rank: number): string;
}

/**
 * Levels are ordered: qualifying for aal3 satisfies anything that asks for aal2. A level is
 * reached through its `acr` values or through one of its `amr` sets (all of that set present); with
 * `combine: all` both must hold. Classification happens once per verified token and is cached
 * with it, so none of this runs on a cache hit.
 */
export function compileAssurance(levels: readonly LevelConfig[]): AssuranceModel {
  const names = levels.map((l) => l.name);
  const byName = new Map(names.map((n, i) => [n, i]));
  const compiled = levels.map((l) => ({ acr: new Set(l.acr), amr: amrSets(l.amr), all: l.combine === 'all' }));
  const acrValues = levels.map((l) => l.acr.join(' '));
  return {
    names,
    descriptions: levels.map((l) => l.description ?? ''),
    rank(name) {
      const r = byName.get(name);
      if (r === undefined) throw new Error(`unknown assurance level ${name}`);
      return r;
    },
    classify(acr, amr) {
      for (let i = compiled.length - 1; i >= 0; i--) {
        const l = compiled[i]!;
        const byAcr = acr !== undefined && l.acr.has(acr);
        const byAmr = l.amr.some((set) => set.every((m) => amr.includes(m)));
        if (l.all ? byAcr && (l.amr.length === 0 || byAmr) : byAcr || byAmr) return i;
      }
      return NO_LEVEL;
    },
    acrValues(rank) {
      return acrValues[rank] ?? '';
    },
  };
}

/** A level's `amr` as alternative sets: `[]` none, `[a, b]` one set, `[[a, b], [c]]` as given. */
function amrSets(amr: LevelConfig['amr']): readonly (readonly string[])[] {
  if (amr.length === 0) return [];
  return amr.every((m) => Array.isArray(m)) ? (amr as string[][]) : [amr as string[]];
}

/**
 * `level` held to an issuer's `max_level` (issuers[].max_level): what a token of that issuer is
 * credited with when its acr or amr reads higher. Read at the ceiling rather than refused: the
 * token still proves who signed in, at the strength the operator trusts its issuer to vouch for
 * (RFC 9470 and OIDC leave it to the relying party whether an acr is satisfactory), so a customer's
 * aal3 token keeps doing what aal2 allows and is asked for more where a rule needs more.
 */
export function cappedLevel(level: number, maxLevel: string | undefined, model: AssuranceModel): number {
  if (maxLevel === undefined) return level;
  const max = model.rank(maxLevel);
  return level > max ? max : level;
}
