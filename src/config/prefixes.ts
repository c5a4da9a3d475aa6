import type { z } from 'zod';

/**
 * Names that nobody can carry once issuers prefix them (issuers[].subject_prefix, groups_prefix).
 * A prefix is part of the name everywhere it is compared, so a rule or setting written with the
 * bare name stops applying the day its issuers get a prefix: a `match.groups: [contractors]` deny
 * would hold nobody, `incident.admin.groups` would admit nobody. Such an entry is a startup error
 * (file, line, field) naming the prefixed spelling, instead of a silent no-op.
 */

interface NamedIssuer {
  issuer: string;
  subject_prefix?: string | undefined;
  groups_prefix?: string | undefined;
}

/**
 * Whether glob `pattern` (`*` any characters, `?` one, the rest literal: the case-sensitive glob of
 * match.subjects and match.groups; a literal name is a pattern without either) matches some name
 * that starts with `prefix`: `prefix` is run through the pattern as a set of positions, each `*`
 * able to absorb any part of it.
 */
export function globCanStartWith(pattern: string, prefix: string): boolean {
  const closure = (set: Set<number>): Set<number> => {
    for (const p of set) if (pattern[p] === '*') set.add(p + 1);
    return set;
  };
  let at = closure(new Set([0]));
  for (const c of prefix) {
    const next = new Set<number>();
    for (const p of at) {
      const q = pattern[p];
      if (q === undefined) continue;
      if (q === '*') next.add(p);
      else if (q === '?' || q === c) next.add(p + 1);
    }
    if (next.size === 0) return false;
    at = closure(next);
  }
  return at.size > 0;
}

/** Why `name` (an entry of a subjects or groups list) can match nobody of `issuers`, or undefined. */
export function unreachableName(name: string, issuers: readonly NamedIssuer[], kind: 'subject' | 'groups'): string | undefined {
  if (issuers.length === 0) return undefined;
  const prefixOf = (i: NamedIssuer) => (kind === 'subject' ? i.subject_prefix : i.groups_prefix) ?? '';
  if (issuers.some((i) => globCanStartWith(name, prefixOf(i)))) return undefined;
  const key = kind === 'subject' ? 'subject_prefix' : 'groups_prefix';
  const spelled = issuers.map((i) => JSON.stringify(prefixOf(i) + name)).join(' or ');
  return `"${name}" names no ${kind === 'subject' ? 'subject' : 'group'} any issuer it applies to can carry: their names carry a prefix (issuers[].${key}: ${issuers.map((i) => JSON.stringify(prefixOf(i))).join(', ')}), so this entry would apply to nobody; write the prefixed name, ${spelled}`;
}

/** Adds an issue for each entry of `names` at `path` that no issuer of `issuers` can carry. */
export function checkReachable(ctx: z.RefinementCtx, names: readonly string[] | undefined, issuers: readonly NamedIssuer[], kind: 'subject' | 'groups', path: readonly (string | number)[]): void {
  names?.forEach((name, j) => {
    const why = unreachableName(name, issuers, kind);
    if (why !== undefined) ctx.addIssue({ code: 'custom', path: [...path, j], message: why });
  });
}
