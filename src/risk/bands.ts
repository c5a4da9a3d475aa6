import type { RiskConfig } from '../config/schema.js';
import type { AssuranceModel } from '../core/assurance.js';
import type { Requirement } from '../policy/policy.js';
import { tighten, type Strictness } from '../core/tighten.js';

interface Band {
  name: string;
  minScore: number;
  deny: boolean;
  message: string | undefined;
  level: number;
  maxAge: number | undefined;
  /** `mode: shadow` (the band's, risk.mode or the global one): left out of the enforced requirement. */
  shadow: boolean;
}

/**
 * Score bands tighten the policy's requirement. A score reaches every band whose `min_score` it
 * meets, and all of them apply by the same strictest-wins rule as policy rules, so a higher score
 * can only add bands: more risk never lowers the requirement.
 */
export class RiskBands {
  private readonly bands: readonly Band[];
  // Per base requirement, one tightened requirement per band reached: a finite set of shared,
  // immutable objects, so encoded allow responses stay reusable and nothing is allocated per request.
  private readonly memo = new WeakMap<Requirement, (Requirement | undefined)[]>();
  /** The same for would-be requirements (shadowed bands applied too). */
  private readonly shadowMemo = new WeakMap<Requirement, (Requirement | undefined)[]>();
  /** Whether any band is in shadow mode. */
  readonly anyShadow: boolean;
  /** Whether any band (shadowed ones too) refuses. */
  readonly anyDeny: boolean;

  constructor(bands: RiskConfig['bands'], assurance: AssuranceModel, allShadow = false) {
    this.bands = bands.map((b) => ({
      name: b.name,
      minScore: b.min_score,
      deny: b.deny === true,
      message: b.message,
      level: b.require !== undefined ? assurance.rank(b.require) : -1,
      maxAge: b.max_age,
      shadow: allShadow || b.mode === 'shadow',
    }));
    this.anyShadow = this.bands.some((b) => b.shadow);
    this.anyDeny = this.bands.some((b) => b.deny);
  }

  /** Index of the highest band the score reaches; -1 for none. */
  reached(score: number): number {
    let k = -1;
    for (let i = 0; i < this.bands.length; i++) if (score >= this.bands[i]!.minScore) k = i;
    return k;
  }

  /** Index of the highest enforced band among 0..k; -1 for none. Without shadowed bands, k. */
  enforcedUpTo(k: number): number {
    if (!this.anyShadow) return k;
    while (k >= 0 && this.bands[k]!.shadow) k--;
    return k;
  }

  /** `risk:<band>` of the shadowed bands among 0..k. */
  shadowedUpTo(k: number): string[] {
    const out: string[] = [];
    for (let i = 0; i <= k; i++) if (this.bands[i]!.shadow) out.push(`risk:${this.bands[i]!.name}`);
    return out;
  }

  name(k: number): string | undefined {
    return k >= 0 ? this.bands[k]!.name : undefined;
  }

  /** Whether bands 0..k deny. */
  denies(k: number): boolean {
    for (let i = 0; i <= k; i++) if (this.bands[i]!.deny) return true;
    return false;
  }

  /**
   * What bands 0..k ask when a sign-in answers the refusing ones (engine.ts, answerable): `base`
   * tightened as `apply` does, leaving out only the refusal of the bands that refuse; what the
   * matching rules ask at those bands (`by_band`) still applies. Undefined when a rule's own
   * `by_band` entry refuses there: that stays a refusal. `band` is the highest band applied that
   * does not refuse (-1 for none), for `risk:<band>` and the reported band. Reached only on the
   * refusing path, so not memoized.
   */
  answered(base: Requirement, k: number, withShadow: boolean): { requirement: Requirement; band: number } | undefined {
    if (!withShadow) k = this.enforcedUpTo(k);
    let need: Strictness = base;
    let top = -1;
    for (let i = 0; i <= k; i++) {
      const b = this.bands[i]!;
      if (b.shadow && !withShadow) continue;
      if (!b.deny) {
        need = tighten(need, { deny: false, denyMessage: undefined, level: b.level, maxAge: b.maxAge });
        top = i;
      }
      const e = base.byBand?.[b.name];
      if (e) need = tighten(need, e);
    }
    return need.deny ? undefined : this.answer(base, need, top, k, withShadow);
  }

  /**
   * What bands 0..k ask of a newcomer whose unproven context alone lifted the score from band
   * `keep` to band k (engine.ts newcomerAnswer): `base` tightened as `apply` does, except that a
   * refusal above `keep` (a band's `deny`, or a matching rule's `by_band` deny) is left out and
   * only its level and max_age apply. Undefined when a band at or below `keep`, or a rule's
   * `by_band` entry there, refuses: what the request scores without the context change still
   * refuses. `band` is the highest band applied (-1 for none). Reached only on the refusing path,
   * so not memoized.
   */
  answeredAbove(base: Requirement, k: number, keep: number, withShadow: boolean): { requirement: Requirement; band: number } | undefined {
    if (!withShadow) k = this.enforcedUpTo(k);
    let need: Strictness = base;
    let top = -1;
    for (let i = 0; i <= k; i++) {
      const b = this.bands[i]!;
      if (b.shadow && !withShadow) continue;
      const refusalKept = i <= keep;
      need = tighten(need, { deny: refusalKept && b.deny, denyMessage: b.message, level: b.level, maxAge: b.maxAge });
      top = i;
      const e = base.byBand?.[b.name];
      if (e) need = tighten(need, refusalKept ? e : { deny: false, denyMessage: undefined, level: e.level, maxAge: e.maxAge });
    }
    return need.deny ? undefined : this.answer(base, need, top, k, withShadow);
  }

  /** The refusal-free requirement `answered` and `answeredAbove` end with: `need`'s level and max_age, `risk:<band top>` added. */
  private answer(base: Requirement, need: Strictness, top: number, k: number, withShadow: boolean): { requirement: Requirement; band: number } {
    const requirement: Requirement = Object.freeze({
      deny: false,
      denyMessage: undefined,
      level: need.level,
      maxAge: need.maxAge,
      rules: top >= 0 ? Object.freeze([...base.rules, `risk:${this.bands[top]!.name}`]) : base.rules,
      sensitivity: base.sensitivity,
      byBand: base.byBand,
      shadowed: withShadow ? shadowedList(base.shadowed, this.shadowedUpTo(k)) : undefined,
    });
    return { requirement, band: top };
  }

  /**
   * `base` tightened by the enforced bands among 0..k (all of them with `withShadow`: the would-be
   * requirement); `base` itself when k is -1. A shadowed band is skipped entirely, its rules'
   * `by_band` entries too, exactly as if it were not configured.
   */
  apply(base: Requirement, k: number, withShadow = false): Requirement {
    if (!withShadow) k = this.enforcedUpTo(k);
    if (k < 0) return base;
    const memo = withShadow ? this.shadowMemo : this.memo;
    let perBase = memo.get(base);
    if (!perBase) {
      perBase = new Array<Requirement | undefined>(this.bands.length);
      memo.set(base, perBase);
    }
    let r = perBase[k];
    if (!r) {
      let need: Strictness = base;
      for (let i = 0; i <= k; i++) {
        const b = this.bands[i]!;
        if (b.shadow && !withShadow) continue;
        need = tighten(need, { deny: b.deny, denyMessage: b.message, level: b.level, maxAge: b.maxAge });
        // What the matching rules themselves ask at this band (`by_band`).
        const e = base.byBand?.[b.name];
        if (e) need = tighten(need, e);
      }
      const { deny, denyMessage, level, maxAge } = need;
      r = Object.freeze({
        deny,
        denyMessage,
        level,
        maxAge,
        rules: Object.freeze([...base.rules, `risk:${this.bands[k]!.name}`]),
        sensitivity: base.sensitivity,
        byBand: base.byBand,
        shadowed: withShadow ? shadowedList(base.shadowed, this.shadowedUpTo(k)) : undefined,
      });
      perBase[k] = r;
    }
    return r;
  }
}

function shadowedList(a: readonly string[] | undefined, b: readonly string[]): readonly string[] | undefined {
  if (b.length === 0) return a;
  return Object.freeze(a === undefined ? b : [...a, ...b]);
}
