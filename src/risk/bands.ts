import type { RiskConfig } from '../config/schema.js';
import type { AssuranceModel } from '../identity/assurance.js';
import type { Requirement } from '../policy/policy.js';

interface Band {
  name: string;
  minScore: number;
  deny: boolean;
  message: string | undefined;
  level: number;
  maxAge: number | undefined;
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

  constructor(bands: RiskConfig['bands'], assurance: AssuranceModel) {
    this.bands = bands.map((b) => ({
      name: b.name,
      minScore: b.min_score,
      deny: b.deny === true,
      message: b.message,
      level: b.require !== undefined ? assurance.rank(b.require) : -1,
      maxAge: b.max_age,
    }));
  }

  /** Index of the highest band the score reaches; -1 for none. */
  reached(score: number): number {
    let k = -1;
    for (let i = 0; i < this.bands.length; i++) if (score >= this.bands[i]!.minScore) k = i;
    return k;
  }

  name(k: number): string | undefined {
    return k >= 0 ? this.bands[k]!.name : undefined;
  }

  /** Whether bands 0..k deny. */
  denies(k: number): boolean {
    for (let i = 0; i <= k; i++) if (this.bands[i]!.deny) return true;
    return false;
  }

  /** `base` tightened by bands 0..k; `base` itself when k is -1 or nothing changes. */
  apply(base: Requirement, k: number): Requirement {
    if (k < 0) return base;
    let perBase = this.memo.get(base);
    if (!perBase) {
      perBase = new Array<Requirement | undefined>(this.bands.length);
      this.memo.set(base, perBase);
    }
    let r = perBase[k];
    if (!r) {
      let { deny, denyMessage, level, maxAge } = base;
      for (let i = 0; i <= k; i++) {
        const b = this.bands[i]!;
        if (b.deny && !deny) {
          deny = true;
          denyMessage = b.message;
        }
        if (b.level > level) level = b.level;
        if (b.maxAge !== undefined && (maxAge === undefined || b.maxAge < maxAge)) maxAge = b.maxAge;
        // What the matching rules themselves ask at this band (`by_band`).
        const e = base.byBand?.[b.name];
        if (e) {
          if (e.deny && !deny) {
            deny = true;
            denyMessage = e.denyMessage;
          }
          if (e.level > level) level = e.level;
          if (e.maxAge !== undefined && (maxAge === undefined || e.maxAge < maxAge)) maxAge = e.maxAge;
        }
      }
      r = Object.freeze({
        deny,
        denyMessage,
        level,
        maxAge,
        rules: Object.freeze([...base.rules, `risk:${this.bands[k]!.name}`]),
        sensitivity: base.sensitivity,
        byBand: base.byBand,
      });
      perBase[k] = r;
    }
    return r;
  }
}
