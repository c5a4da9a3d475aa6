import type { Config } from '../config/schema.js';
import { rfc3339Ms } from '../config/schema/access-windows.js';
import { compileGlobList, type StringMatcher } from '../core/glob.js';
import { GROUPS_NOT_LISTED, type Identity } from '../core/identity.js';

/**
 * `access_windows[]` (issue 12, day 42): accounts that may use the gateway only from one instant
 * until another, a freelancer's or an agency's temporary account for one night. The IdP's account
 * expiry does not revoke a token or a refresh token it already issued, and a step-up asks only
 * what the holder of the account's factors can answer: the end is enforced here, on stepgate's
 * clock, at every Check, the cached path included.
 *
 * Pure: identity and instant in, refusal or nothing out. Which windows hold an identity is
 * decided once per Identity object (built once per token and cached with it) and remembered in a
 * WeakMap, so a cached Check pays one lookup and, for an identity no window names, allocates
 * nothing. A reload builds a new AccessWindows, so an edited window holds from the next Check.
 */

interface CompiledWindow {
  readonly name: string;
  /** Milliseconds since the epoch; the window is open on [from, until). */
  readonly from: number;
  readonly until: number;
  readonly fromText: string | undefined;
  readonly untilText: string | undefined;
  readonly message: string | undefined;
  readonly holds: (who: Identity) => boolean;
}

export interface WindowRefusal {
  /** The window that is closed. */
  readonly window: string;
  /** For logs, spans, the audit record and `explain`. */
  readonly detail: string;
  /** The sentence the caller is shown: the window's `message`, else its dates. */
  readonly message: string;
}

const NONE: readonly CompiledWindow[] = Object.freeze([]);

export class AccessWindows {
  private readonly held = new WeakMap<Identity, readonly CompiledWindow[]>();

  constructor(private readonly windows: readonly CompiledWindow[]) {}

  /**
   * Why `who` may not use the gateway now (`clock()`), or undefined. Every window that names the
   * identity must be open (the strictest wins, as with rules): an account in a group whose night
   * is over stays refused even if another window names it by subject.
   */
  closed(who: Identity, clock: () => number): WindowRefusal | undefined {
    // Kept this small so that V8 inlines it into the Check: a call it does not inline there cost
    // the cached Check 40 bytes (bench/alloc.ts, BENCH_ACCESS_WINDOWS=1), the caller's own inlining
    // budget spent (its clock readings then boxed).
    const mine = this.held.get(who);
    return mine === NONE ? undefined : this.judge(who, mine, clock);
  }

  /**
   * When the earliest window that holds `who` closes (its `valid_until`, ms since the epoch), or
   * Infinity: what stepgate mints for the identity (a device certificate) ends there, since it
   * outlives the request and the window is judged only where stepgate is asked.
   */
  closesAt(who: Identity): number {
    let until = Infinity;
    for (const w of this.holding(who, this.held.get(who))) until = Math.min(until, w.until);
    return until;
  }

  private holding(who: Identity, known: readonly CompiledWindow[] | undefined): readonly CompiledWindow[] {
    if (known !== undefined) return known;
    const found = this.windows.filter((w) => w.holds(who));
    const mine = found.length === 0 ? NONE : found;
    this.held.set(who, mine);
    return mine;
  }

  private judge(who: Identity, known: readonly CompiledWindow[] | undefined, clock: () => number): WindowRefusal | undefined {
    const mine = this.holding(who, known);
    if (mine.length === 0) return undefined;
    // The clock is read only for an identity a window holds.
    const nowMs = clock();
    for (let i = 0; i < mine.length; i++) {
      const w = mine[i]!;
      if (nowMs < w.from) return refusal(w, `access window ${w.name} opens at ${w.fromText}`);
      if (nowMs >= w.until) return refusal(w, `access window ${w.name} closed at ${w.untilText}`);
    }
    return undefined;
  }
}

function refusal(w: CompiledWindow, detail: string): WindowRefusal {
  const span = w.fromText !== undefined && w.untilText !== undefined ? `from ${w.fromText} until ${w.untilText}` : w.untilText !== undefined ? `until ${w.untilText}` : `from ${w.fromText}`;
  return { window: w.name, detail, message: w.message ?? `This account may use this service only ${span}; ask the people who granted it for an extension.` };
}

/** The compiled `access_windows`, or undefined without the key (the Check then asks nothing). */
export function compileAccessWindows(config: Pick<Config, 'access_windows'>): AccessWindows | undefined {
  const list = config.access_windows;
  if (list === undefined || list.length === 0) return undefined;
  return new AccessWindows(
    list.map((w): CompiledWindow => {
      const preds: ((who: Identity) => boolean)[] = [];
      const m = w.match;
      if (m.issuers) {
        const issuers = compileGlobList(m.issuers, null);
        preds.push((who) => issuers(who.issuer));
      }
      // Subjects and groups in any case: IdPs keep the case a user typed or an admin edited (an
      // e-mail subject, a display-cased group), e-mail domains are case-insensitive, and a window
      // only refuses, so matching more spellings errs closed. Decided once per identity (the memo).
      if (m.subjects) {
        const subjects = compileGlobList(m.subjects.map(folded), null);
        // The prefixed name when the issuer has a subject_prefix, as policy rules read it.
        preds.push((who) => subjects(folded(who.username ?? who.subject)));
      }
      if (m.groups) {
        const groups: StringMatcher = compileGlobList(m.groups.map(folded), null);
        // A token with groups it does not list (Entra's overage, core/identity.ts) may be in these.
        preds.push((who) => who.groups === GROUPS_NOT_LISTED || who.groups.some((g) => groups(folded(g))));
      }
      return Object.freeze({
        name: w.name,
        from: w.valid_from === undefined ? -Infinity : instant(w.valid_from),
        until: w.valid_until === undefined ? Infinity : instant(w.valid_until),
        fromText: w.valid_from,
        untilText: w.valid_until,
        message: w.message,
        holds: (who: Identity) => preds.every((p) => p(who)),
      });
    }),
  );
}

function folded(text: string): string {
  return text.toLowerCase();
}

/** The schema has checked the text; a string here is a bug, and fails closed (never open). */
function instant(text: string): number {
  const ms = rfc3339Ms(text);
  if (typeof ms === 'string') throw new Error(`access_windows: ${text}: ${ms}`);
  return ms;
}
