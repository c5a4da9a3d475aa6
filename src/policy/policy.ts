import type { Config, KubeMatchConfig, MatchConfig } from '../config/schema.js';
import type { AssuranceModel } from '../core/assurance.js';
import { foldedGroup, foldedGroups, foldedSubject, GROUPS_NOT_LISTED, type Identity } from '../core/identity.js';
import type { RequestAttributes } from '../request/attributes.js';
import { compileGlobList } from '../core/glob.js';
import { isCustomGroup } from '../core/kube-groups.js';
import { mayCreateByApply } from '../request/kube.js';
import { labelSelectorOf, selectorRequires } from '../request/label-selector.js';
import { NOTHING, tighten } from '../core/tighten.js';
import { compileOutsideHours } from './hours.js';

/**
 * What the matching rules ask of a request. Rules combine by strictness: any deny wins; else the
 * highest level and the shortest max_age across all matching rules, so adding a rule can only
 * tighten what the other rules ask. The default applies when no rule matches, and a rule inherits
 * from it whatever it does not say itself (`require` or `max_age`): a rule written only to shorten
 * max_age must not quietly drop the default's level floor.
 */
export interface Requirement {
  deny: boolean;
  denyMessage: string | undefined;
  /** Rank of the required level. */
  level: number;
  /** Seconds since auth_time; undefined when no matching rule bounds it. */
  maxAge: number | undefined;
  /** Names of the matching rules (['default'] when none matched). */
  rules: readonly string[];
  /** Highest `sensitivity` of the matching rules (0 when none states one): the risk engine's path signal. */
  sensitivity: number;
  /**
   * Per risk band, what the matching rules ask when the score reaches that band (`by_band`),
   * already combined strictest-wins across the rules; undefined when no rule says.
   */
  byBand?: Readonly<Record<string, BandEffect>> | undefined;
  /**
   * Context-bound step-up (risk engine): the authentication must have happened at or after this
   * time (epoch seconds), the first sighting of the context that raised the risk. `maxAge` is
   * tightened to match, so RFC 9470 clients and the step-up page ask the IdP for a fresh login.
   */
  authAfter?: number | undefined;
  /** Why `authAfter` is set, for people: "new network 198.51.100.0/24 since 14:02:05Z". */
  context?: string | undefined;
  /** The active incidents that tightened it, for people (issue 15); undefined when none. */
  incident?: string | undefined;
  /**
   * Shadow mode (docs/rollout.md): on an enforced requirement, what it would be with the matching
   * shadowed elements enforced too; undefined when none matched. Only the enforced one is judged
   * for the answer.
   */
  shadow?: Requirement | undefined;
  /** On a would-be requirement: the shadowed elements it includes, named as in `rules`. */
  shadowed?: readonly string[] | undefined;
}

/** A rule's effect at one risk band: the same fields as the rule's own, tightening only. */
export interface BandEffect {
  deny: boolean;
  denyMessage: string | undefined;
  level: number;
  maxAge: number | undefined;
}

interface CompiledRule {
  name: string;
  deny: boolean;
  message: string | undefined;
  level: number;
  maxAge: number | undefined;
  sensitivity: number;
  byBand: Record<string, BandEffect> | undefined;
  /** `mode: shadow` (the rule's own, or the global one). */
  shadow: boolean;
  /**
   * `path` is the reading of the request's path to match `paths` on, and `folded` says it is the
   * folded one (foldedPath), matched against the rule's patterns folded alike (policy.evaluate).
   */
  matches(req: RequestAttributes, who: Identity | undefined, path: string, folded: boolean, nowMs: number | undefined): boolean;
  /**
   * Whether the rule's `groups` or `subjects` is met only by a possible membership (MAYBE): a token
   * whose groups are not listed, or one that lists the group or names the subject in another case.
   * Asked only of a rule that `matches`.
   */
  possiblyNotMember(who: Identity | undefined): boolean;
}

export interface Policy {
  /**
   * `nowMs` is stepgate's clock, for rules with `outside_hours`; without it such a rule applies
   * (an unknown time is outside every window), so a caller that forgets it is refused, not let in.
   */
  evaluate(req: RequestAttributes, who: Identity | undefined, nowMs?: number): Requirement;
  readonly ruleNames: readonly string[];
  /**
   * The everyday requirement: `policy.default`'s level and max_age (level -1 for an allow-list
   * default). Anything above it is a step-up. Automation, which never authenticates
   * interactively, is admitted at it on the strength of its verified credential alone.
   */
  readonly everyday: { readonly level: number; readonly maxAge: number | undefined };
  /**
   * Per level rank, the longest `max_age` (seconds) of an enforced rule that requires exactly that
   * level (`policy.default` included): how long a sign-in at the level still meets some rule that
   * asks for it. Infinity when such a rule sets no max_age, -1 when none requires the level. A
   * challenge keeps a token's higher level only within it (keptLevel).
   */
  readonly levelLasts: readonly number[];
}

export function compilePolicy(config: Config, assurance: AssuranceModel): Policy {
  const d = config.policy.default;
  const globalShadow = config.mode === 'shadow';
  const defaultLevel = d.require !== undefined ? assurance.rank(d.require) : -1;
  const rules = config.policy.rules.map((r): CompiledRule => {
    const level = r.require !== undefined ? assurance.rank(r.require) : defaultLevel;
    const groups = r.match.groups && compileGroupMatch(r.match.groups);
    const subjects = r.match.subjects && compileSubjectMatch(r.match.subjects);
    return {
      name: r.name,
      deny: r.deny === true,
      message: r.message,
      level,
      maxAge: r.max_age ?? d.max_age,
      sensitivity: r.sensitivity ?? 0,
      byBand: r.by_band
        ? Object.fromEntries(
            Object.entries(r.by_band).map(([band, e]) => [
              band,
              Object.freeze({ deny: e.deny === true, denyMessage: e.message, level: e.require !== undefined ? assurance.rank(e.require) : -1, maxAge: e.max_age }),
            ]),
          )
        : undefined,
      shadow: globalShadow || r.mode === 'shadow',
      matches: compileMatch(r.match, groups, subjects),
      possiblyNotMember: groups || subjects ? (who) => groups?.(who) === MAYBE || subjects?.(who) === MAYBE : () => false,
    };
  });
  const defaultReq: Requirement = Object.freeze({
    deny: d.deny === true,
    denyMessage: d.message,
    level: defaultLevel,
    maxAge: d.max_age,
    rules: Object.freeze(['default']),
    sensitivity: 0,
  });
  // Discovery and version calls (kubectl makes them before every command) are held to the
  // everyday level, whatever rule matches: were one challenged, kubectl would print its own
  // discovery errors and never show the message of the call that mattered. What they return is
  // the cluster's API surface, which kube-apiserver gives every authenticated user anyway.
  const discoveryReq: Requirement = Object.freeze({
    deny: false,
    denyMessage: undefined,
    level: defaultLevel,
    maxAge: undefined,
    rules: Object.freeze(['discovery']),
    sensitivity: 0,
  });
  // Requirements repeat (the same rules match the same kinds of request), so they are memoised
  // by the set of matching rules instead of allocating one per request.
  const memo = new Map<string, Requirement>();
  // Global shadow: nothing of the policy is enforced, the default included; authentication still is.
  const unenforced: Requirement = Object.freeze({ deny: false, denyMessage: undefined, level: -1, maxAge: undefined, rules: Object.freeze([]), sensitivity: 0 });
  const shadowOf = (full: Requirement, shadowed: readonly string[]): Requirement => Object.freeze({ ...full, shadowed: Object.freeze(shadowed) });
  const globalDefault = globalShadow ? Object.freeze({ ...unenforced, shadow: shadowOf(defaultReq, ['default']) }) : defaultReq;
  const globalDiscovery = globalShadow ? Object.freeze({ ...unenforced, shadow: shadowOf(discoveryReq, ['discovery']) }) : discoveryReq;
  const anyShadow = rules.some((r) => r.shadow);
  // A pattern with capitals (`/Reports/**`) is reached in lower case on a server that ignores case,
  // and one with a trailing slash (`/reports/`) without it on a server that ignores that slash, so
  // then every dashboard path has a second reading, not only one that would change itself.
  const foldedPatterns = config.policy.rules.some((r) => r.match.paths?.some((x) => foldedPattern(x) !== x) === true);
  // Rules that may hold a caller only possibly (compileGroupMatch, compileSubjectMatch).
  const anyPossible = config.policy.rules.some((r) => r.match.groups !== undefined || r.match.subjects !== undefined);

  return {
    ruleNames: rules.map((r) => r.name),
    everyday: Object.freeze({ level: defaultLevel, maxAge: d.deny === true ? undefined : d.max_age }),
    levelLasts: levelLasts(assurance.names.length, [...(d.deny === true || globalShadow ? [] : [{ level: defaultLevel, maxAge: d.max_age }]), ...rules.filter((r) => !r.deny && !r.shadow)]),
    evaluate(req, who, nowMs) {
      if (req.kube !== undefined && isDiscovery(req)) return globalDiscovery;
      let matched: number[] | undefined;
      for (let i = 0; i < rules.length; i++) {
        if (rules[i]!.matches(req, who, req.path, false, nowMs)) (matched ??= []).push(i);
      }
      // A caller who may not be in a rule's groups or subjects (MAYBE) is asked the stricter of member
      // and not member: the rules either way, and the default where, not a member, no rule would match.
      let withDefault = anyPossible && matched !== undefined && onlyPossibly(rules, matched, who);
      // A dashboard path is matched as written and as a server that ignores letter case, a
      // segment's trailing dots and spaces or the path's trailing slash reads it (`/ADMIN/users`,
      // `/admin./users` are `/admin/users` to IIS, and to Grafana's own front-end router;
      // `/api/user/password/` is `/api/user/password` to Grafana's API router, Express and Spring
      // MVC before 6), and the stricter of the two
      // readings applies: a rule that protects `/admin/**` is not stepped around by spelling, and
      // one that relaxes a path (below the default) does not relax the other reading.
      // kube-apiserver routes on the exact path, so a Kubernetes request has one reading.
      // A UI served under a root path (request/attributes.ts routePath): its path rules are matched
      // on the route too, and a rule either reading matches applies.
      // As the folded reading below: where only one reading matches a rule, the other is the default's.
      if (req.routePath !== undefined) {
        let other: number[] | undefined;
        for (let i = 0; i < rules.length; i++) {
          if (rules[i]!.matches(req, who, req.routePath, false, nowMs)) (other ??= []).push(i);
        }
        if (other !== undefined || matched !== undefined) {
          withDefault ||= other === undefined || matched === undefined || (anyPossible && onlyPossibly(rules, other, who));
          if (other !== undefined) matched = matched === undefined ? other : union(matched, other);
        }
      }
      if (req.kube === undefined) {
        const folded = foldedPath(req.path);
        if (folded !== req.path || foldedPatterns) {
          let other: number[] | undefined;
          for (let i = 0; i < rules.length; i++) {
            if (rules[i]!.matches(req, who, folded, true, nowMs)) (other ??= []).push(i);
          }
          if (other !== undefined || matched !== undefined) {
            withDefault ||= other === undefined || matched === undefined || (anyPossible && onlyPossibly(rules, other, who));
            if (other !== undefined) matched = matched === undefined ? other : union(matched, other);
          }
        }
      }
      if (!matched) return globalDefault;
      const key = withDefault ? `${matched.join(',')},default` : matched.join(',');
      let result = memo.get(key);
      if (!result) {
        const full = withDefault ? plusDefault(combine(rules, matched), defaultReq) : combine(rules, matched);
        if (!anyShadow) result = full;
        else {
          const enforced = matched.filter((i) => !rules[i]!.shadow);
          const shadowed = matched.filter((i) => rules[i]!.shadow).map((i) => rules[i]!.name);
          if (shadowed.length === 0) result = full;
          else {
            // Exactly what the policy asks without the shadowed rules (the default when no other matched).
            const base = globalShadow ? unenforced : enforced.length === 0 ? defaultReq : withDefault ? plusDefault(combine(rules, enforced), defaultReq) : combine(rules, enforced);
            result = Object.freeze({ ...base, shadow: shadowOf(full, shadowed) });
          }
        }
        if (memo.size < 4096) memo.set(key, result);
      }
      return result;
    },
  };
}

/**
 * policy.levelLasts from the rules that can be met: by level rank, the longest max_age among
 * those requiring exactly that rank. A rule asking a higher level is no use to a sign-in at this
 * one, and a lower one is met as well by a new sign-in at the lower level.
 */
function levelLasts(levels: number, rules: readonly { readonly level: number; readonly maxAge: number | undefined }[]): readonly number[] {
  const out = new Array<number>(levels).fill(-1);
  for (const r of rules) {
    if (r.level < 0 || r.level >= levels) continue;
    const lasts = r.maxAge ?? Infinity;
    if (lasts > out[r.level]!) out[r.level] = lasts;
  }
  return Object.freeze(out);
}

/**
 * The level a step-up asks the identity provider for: the requirement's, or the presented
 * token's own when that is higher and its sign-in still meets a rule at that level (within
 * policy.levelLasts). An engineer who signed in with a hardware key and is asked for a fresh
 * sign-in by a request that needs two factors would otherwise trade the key's sign-in for a
 * two-factor one, and be asked for the key again at their next request that needs it. A sign-in
 * older than every rule at its level has expired for each of them: asking for it again would ask
 * more than any request needs now (the engineer may not have the key at hand), so the level goes
 * down to the highest one still held, or to the requirement's. Never below the requirement's;
 * never above the token's; automation never signs in, so it is asked the requirement.
 */
export function keptLevel(need: number, who: { readonly level: number; readonly authTime: number | undefined; readonly automation?: boolean | undefined }, nowS: number, lasts: readonly number[]): number {
  if (who.automation === true || who.level <= need) return need;
  const age = who.authTime === undefined ? Infinity : nowS - who.authTime;
  for (let r = who.level; r > need; r--) if ((lasts[r] ?? -1) >= age) return r;
  return need;
}

const NOT_MEMBER = 0;
const MEMBER = 1;
/** The token does not say: its groups are not listed, or it lists the group in another case. */
const MAYBE = 2;
type Membership = typeof NOT_MEMBER | typeof MEMBER | typeof MAYBE;
type GroupMatch = (who: Identity | undefined) => Membership;

/**
 * A rule's `groups` against a caller. Read as written, a rule for `contractors` was escaped by a
 * contractor whose IdP sent the groups elsewhere (Entra's overage, core/identity.ts
 * GROUPS_NOT_LISTED) or spelt `Contractors` (Entra's GUIDs in capitals, a display-cased directory
 * group). Such a caller may be a member: the rule matches (a deny or a higher level applies), and
 * evaluate adds the default as if it did not (a rule that asks less than the default does not
 * lower it for them). Exact names and patterns match as before, so a loosening rule widens by
 * neither case nor absence.
 */
function compileGroupMatch(names: readonly string[]): GroupMatch {
  const exact = compileGlobList(names, null);
  const folded = compileGlobList(names.map(foldedGroup), null);
  return (who) => {
    if (who === undefined) return NOT_MEMBER;
    if (who.groups === GROUPS_NOT_LISTED) return MAYBE;
    if (who.groups.some(exact)) return MEMBER;
    return foldedGroups(who.groups).some(folded) ? MAYBE : NOT_MEMBER;
  };
}

/**
 * A rule's `subjects` against a caller, by the name with the issuer's subject_prefix (as kube's
 * RBAC names the user). The name in another case is a possible member, as for groups: directories
 * and IdPs keep the case a user typed or an admin edited (LDAP behind Dex, `preferred_username`,
 * e-mail addresses), so `Alice@corp.example` must not escape a rule written for
 * `alice@corp.example`, while a rule that asks less than the default lowers it only for the name as
 * written. Access windows read subjects in any case for the same reason (access-windows.ts).
 */
function compileSubjectMatch(names: readonly string[]): GroupMatch {
  const exact = compileGlobList(names, null);
  const folded = compileGlobList(names.map(foldedSubject), null);
  return (who) => {
    if (who === undefined) return NOT_MEMBER;
    const name = who.username ?? who.subject;
    if (exact(name)) return MEMBER;
    return folded(foldedSubject(name)) ? MAYBE : NOT_MEMBER;
  };
}

/** Whether every matched rule holds the caller only as a possible member of its groups or subjects. */
function onlyPossibly(rules: readonly CompiledRule[], matched: readonly number[], who: Identity | undefined): boolean {
  for (const i of matched) if (!rules[i]!.possiblyNotMember(who)) return false;
  return true;
}

/** Sorted indices of either list, each once. */
function union(a: readonly number[], b: readonly number[]): number[] {
  return [...new Set([...a, ...b])].sort((x, y) => x - y);
}

/** A combined requirement tightened by the default's, which applies to a reading no rule matched. */
function plusDefault(r: Requirement, d: Requirement): Requirement {
  const { deny, denyMessage, level, maxAge } = tighten(r, d);
  return Object.freeze({ ...r, deny, denyMessage, level, maxAge, rules: Object.freeze([...r.rules, 'default']) });
}

/**
 * A dashboard path as a server that ignores letter case, maps compatibility characters to ASCII,
 * drops a segment's trailing dots and spaces (Windows) or the path's trailing slash reads it, in
 * lower case: the same string when nothing would change.
 */
export function foldedPath(p: string): string {
  let upper = false;
  let wide = false;
  let trailing = false;
  for (let i = 0; i < p.length; i++) {
    const c = p.charCodeAt(i);
    if (c >= 0x41 && c <= 0x5a) upper = true;
    else if (c >= 0x80) wide = true;
    else if ((c === 0x2e || c === 0x20) && (i + 1 === p.length || p.charCodeAt(i + 1) === 0x2f)) trailing = true;
  }
  // Grafana's router (pkg/web, Macaron's tree: Match trims one trailing '/'), Express without
  // `strict` routing and Spring MVC before 6 route `/x/` to the handler of `/x`.
  const slash = p.length > 1 && p.charCodeAt(p.length - 1) === 0x2f;
  // Compatibility forms (`／ａｄｍｉｎ`, fullwidth) are their ASCII letters to a server that maps
  // them ("best fit" on Windows); NFKC gives that reading (the long s and the Kelvin sign too). The
  // Turkish dotted and dotless i are `i` to Java's equalsIgnoreCase (Spring's AntPathMatcher with
  // caseSensitive off) and to Windows' upcase table, though not to NFKC or toLowerCase.
  const lower = wide ? p.normalize('NFKC').replace(TURKISH_I, 'i').toLowerCase() : upper ? p.toLowerCase() : p;
  const trimmed = trailing || wide ? withoutTrailingDots(lower) : lower;
  return slash || trailing || wide ? withoutTrailingSlash(trimmed) : trimmed;
}

const TURKISH_I = /[\u0130\u0131]/g;

/**
 * `p` without each segment's trailing dots and spaces. A loop rather than the regular expression
 * `/[. ]+(?=\/|$)/g`, which backtracks over every run of dots not followed by '/': a segment of
 * 8,000 dots and an `x` cost it 115 ms a Check, quadratic in the run; this is linear.
 */
function withoutTrailingDots(p: string): string {
  let out = '';
  let start = 0;
  for (let i = 0; i <= p.length; i++) {
    if (i < p.length && p.charCodeAt(i) !== 0x2f) continue;
    let end = i;
    while (end > start && (p.charCodeAt(end - 1) === 0x2e || p.charCodeAt(end - 1) === 0x20)) end--;
    out += i < p.length ? `${p.slice(start, end)}/` : p.slice(start, end);
    start = i + 1;
  }
  return out;
}

/** `p` without the slashes that end it; the root stays '/'. */
function withoutTrailingSlash(p: string): string {
  let end = p.length;
  while (end > 1 && p.charCodeAt(end - 1) === 0x2f) end--;
  return end === p.length ? p : p.slice(0, end);
}

/** A `paths` pattern in the reading foldedPath gives a path: lower case, no trailing slash. */
function foldedPattern(pattern: string): string {
  return withoutTrailingSlash(pattern.toLowerCase());
}

/** The matching rules combined strictest-wins. */
function combine(rules: readonly CompiledRule[], matched: readonly number[]): Requirement {
  let need = NOTHING;
  let sensitivity = 0;
  let byBand: Record<string, BandEffect> | undefined;
  for (const i of matched) {
    const r = rules[i]!;
    if (r.sensitivity > sensitivity) sensitivity = r.sensitivity;
    if (r.byBand) for (const [band, e] of Object.entries(r.byBand)) (byBand ??= {})[band] = byBand[band] ? strictest(byBand[band], e) : e;
    need = tighten(need, { deny: r.deny, denyMessage: r.message, level: r.level, maxAge: r.maxAge });
  }
  const { deny, denyMessage, level, maxAge } = need;
  return Object.freeze({ deny, denyMessage, level, maxAge, rules: Object.freeze(matched.map((i) => rules[i]!.name)), sensitivity, byBand: byBand && Object.freeze(byBand) });
}

/**
 * Two requirements of the same request combined strictest-wins (core/tighten.ts): the rules of
 * both, the higher sensitivity, each band's effects combined; a would-be (shadow) requirement
 * when either has one. `b` is what the policy asks of a request the first is also (a change that
 * hands a delete to the garbage collector, asked what the delete asks).
 */
export function bothOf(a: Requirement, b: Requirement): Requirement {
  const { deny, denyMessage, level, maxAge } = tighten(a, b);
  let byBand: Record<string, BandEffect> | undefined = a.byBand && { ...a.byBand };
  for (const [band, e] of Object.entries(b.byBand ?? {})) (byBand ??= {})[band] = byBand[band] ? strictest(byBand[band], e) : e;
  const rules = [...a.rules, ...b.rules.filter((r) => !a.rules.includes(r))];
  const out: Requirement = { ...a, deny, denyMessage, level, maxAge, rules: Object.freeze(rules), sensitivity: Math.max(a.sensitivity, b.sensitivity), byBand: byBand && Object.freeze(byBand) };
  if (a.shadow !== undefined || b.shadow !== undefined) {
    const shadowed = [...(a.shadowed ?? a.shadow?.shadowed ?? []), ...(b.shadow?.shadowed ?? [])];
    out.shadow = Object.freeze({ ...bothOf(a.shadow ?? strip(a), b.shadow ?? strip(b)), shadowed: Object.freeze([...new Set(shadowed)]) });
  }
  return Object.freeze(out);
}

function strip(r: Requirement): Requirement {
  const { shadow: _s, ...rest } = r;
  return rest;
}

/** Two effects combined by the one strictest-wins rule (core/tighten.ts). */
export function strictest(a: BandEffect, b: BandEffect): BandEffect {
  return Object.freeze(tighten(a, b));
}

/**
 * kubectl's discovery and version reads: GET or HEAD of /api, /api/<v>, /apis, /apis/<g>,
 * /apis/<g>/<v>, /version and /openapi/v2, /openapi/v3[/…]. Nothing else: a resource path is
 * never discovery, whatever it is called.
 */
export function isDiscovery(req: RequestAttributes): boolean {
  if (req.method !== 'GET' && req.method !== 'HEAD') return false;
  if (req.kube?.isResourceRequest !== false) return false;
  const p = req.path;
  if (p === '/api' || p === '/apis' || p === '/version' || p === '/openapi/v2' || p === '/openapi/v3') return true;
  if (p.startsWith('/openapi/v3/')) return true;
  const segs = p.split('/');
  // ['', 'api', v] or ['', 'apis', g] or ['', 'apis', g, v], with no empty part.
  if (segs.some((x, i) => i > 0 && x === '')) return false;
  return (segs[1] === 'api' && segs.length === 3) || (segs[1] === 'apis' && (segs.length === 3 || segs.length === 4));
}

type Predicate = (req: RequestAttributes, who: Identity | undefined, path: string, folded: boolean, nowMs: number | undefined) => boolean;

function compileMatch(m: MatchConfig, groups: GroupMatch | undefined, subjects: GroupMatch | undefined): Predicate {
  const preds: Predicate[] = [];
  if (m.hosts) {
    const hosts = compileGlobList(m.hosts.map((h) => h.toLowerCase()), '.');
    preds.push((req) => hosts(req.host));
  }
  if (m.paths) {
    const paths = compileGlobList(m.paths, '/');
    const lower = compileGlobList(m.paths.map(foldedPattern), '/');
    preds.push((_req, _who, path, folded) => (folded ? lower(path) : paths(path)));
  }
  if (m.methods) {
    const methods = new Set(m.methods.map((x) => x.toUpperCase()));
    // A HEAD runs the GET handler on Go's ServeMux (a `GET` pattern matches HEAD), Express, Spring
    // MVC and Rails, side effects included, and answers its headers (Content-Length among them):
    // a rule about GET is about HEAD too.
    if (methods.has('GET')) methods.add('HEAD');
    preds.push((req) => methods.has(req.method));
  }
  if (m.kubernetes) preds.push(compileKube(m.kubernetes));
  if (m.issuers) {
    // The verified token's issuer (a step-up session's: the step-up IdP's); no identity, no match,
    // as subjects and groups.
    const issuers = compileGlobList(m.issuers, null);
    preds.push((_req, who) => who !== undefined && issuers(who.issuer));
  }
  if (subjects) preds.push((_req, who) => subjects(who) !== NOT_MEMBER);
  if (groups) preds.push((_req, who) => groups(who) !== NOT_MEMBER);
  if (m.context) {
    const entries = Object.entries(m.context).map(([k, v]) => [k, compileGlobList([v], null)] as const);
    preds.push((req) =>
      entries.every(([k, v]) => Object.hasOwn(req.contextExtensions, k) && v(req.contextExtensions[k]!)),
    );
  }
  // Last: the other conditions are cheaper, and most requests fail one of them first.
  if (m.outside_hours) {
    const outside = compileOutsideHours(m.outside_hours);
    preds.push((_req, _who, _path, _folded, nowMs) => nowMs === undefined || outside(nowMs));
  }
  return (req, who, path, folded, nowMs) => {
    for (const p of preds) if (!p(req, who, path, folded, nowMs)) return false;
    return true;
  };
}

/** The verbs whose label selector limits what the API server serves; a get ignores one. */
const SELECTING_VERBS = new Set(['list', 'watch', 'deletecollection']);

/** Whether the request's label selector requires every `[label, value]` of `wanted`. */
function selectsOnly(query: string, wanted: [string, string][]): boolean {
  const selector = labelSelectorOf(query);
  return selector !== undefined && wanted.every(([key, value]) => selectorRequires(selector, key, value));
}

/**
 * Kubernetes conditions. `resources` entries may be `pods` (the resource and all of its
 * subresources) or RBAC-style `pods/exec`; `subresources` narrows further, with `""` meaning the
 * resource itself. Matching broadly is deliberate: a requirement that misses `secrets/…` is a hole.
 */
function compileKube(k: KubeMatchConfig): Predicate {
  const preds: ((info: NonNullable<RequestAttributes['kube']>, req: RequestAttributes) => boolean)[] = [];
  const resourceOnly: string[] = [];
  const resourcePairs: string[] = [];
  for (const r of k.resources ?? []) (r.includes('/') ? resourcePairs : resourceOnly).push(r);
  if (k.resources) {
    const only = compileGlobList(resourceOnly.length ? resourceOnly : ['\u0000never'], null);
    const pairs = compileGlobList(resourcePairs.length ? resourcePairs : ['\u0000never'], null);
    preds.push((i) => i.isResourceRequest && (only(i.resource) || (i.subresource !== '' && pairs(`${i.resource}/${i.subresource}`))));
  }
  if (k.subresources) {
    const subs = new Set(k.subresources);
    // A status write that may relabel its Pod, Node or Namespace is that object's write too.
    const objectToo = subs.has('');
    preds.push((i, req) => i.isResourceRequest && (subs.has(i.subresource) || (objectToo && req.statusEditsObject === true)));
  }
  if (k.namespaces) {
    const ns = compileGlobList(k.namespaces, null);
    // A cluster-wide request (namespace "") also reaches every namespace, so a namespace rule
    // covers it too: `list secrets --all-namespaces` reads prod's secrets.
    preds.push((i) => i.isResourceRequest && (i.namespace === '' ? clusterWideReaches(i) : ns(i.namespace)));
  }
  if (k.unless_namespaces) {
    const except = compileGlobList(k.unless_namespaces, null);
    // Only a request in one of them is left out: a list across all namespaces reaches the others too.
    preds.push((i) => !(i.isResourceRequest && i.namespace !== '' && except(i.namespace)));
  }
  if (k.verbs) {
    const verbs = new Set(k.verbs);
    // A server-side apply is a patch that creates what does not exist yet, and kube then asks
    // `create` as well: a rule about creating matches it too (mayCreateByApply).
    if (verbs.has('create') && !verbs.has('patch')) {
      preds.push((i, req) => verbs.has(i.verb) || mayCreateByApply(i, req.headers.get('content-type')));
    } else {
      preds.push((i) => verbs.has(i.verb));
    }
  }
  if (k.api_groups) {
    const groups = new Set(k.api_groups);
    preds.push((i) => i.isResourceRequest && groups.has(i.apiGroup));
  }
  if (k.names) {
    const names = compileGlobList(k.names, null);
    preds.push((i) => i.isResourceRequest && names(i.name));
  }
  if (k.unless_names) {
    const except = compileGlobList(k.unless_names, null);
    // Only a request that names one of them: a create (its name is in the body) or a list reaches
    // the others too.
    preds.push((i) => !(i.isResourceRequest && i.name !== '' && except(i.name)));
  }
  if (k.scope) {
    const scopes = new Set(k.scope);
    preds.push((i) => i.isResourceRequest && scopes.has(i.namespace !== '' ? 'namespace' : objectIsClusterScoped(i) ? 'cluster' : 'all_namespaces'));
  }
  if (k.custom !== undefined) {
    const custom = k.custom;
    preds.push((i) => i.isResourceRequest && (isCustomGroup(i.apiGroup) && !NOT_ADD_ON_OBJECTS.has(`${i.apiGroup}/${i.resource}`)) === custom);
  }
  if (k.unless_label_selector) {
    const wanted = Object.entries(k.unless_label_selector);
    preds.push((i, req) => !(i.isResourceRequest && SELECTING_VERBS.has(i.verb) && selectsOnly(req.query, wanted)));
  }
  if (k.non_resource_paths) {
    const paths = compileGlobList(k.non_resource_paths, '/');
    preds.push((i) => !i.isResourceRequest && paths(i.path));
  }
  return (req) => {
    const info = req.kube;
    if (!info) return false;
    for (const p of preds) if (!p(info, req)) return false;
    return true;
  };
}

/**
 * A namespaced resource requested without a namespace (a list or watch across all namespaces)
 * reaches into every namespace. Cluster-scoped objects (nodes, namespaces themselves, RBAC cluster
 * roles) do not live in a namespace and are left to resource rules, except `namespaces/<name>`,
 * where the object is the namespace.
 */
function clusterWideReaches(i: NonNullable<RequestAttributes['kube']>): boolean {
  return !objectIsClusterScoped(i);
}

/**
 * Whether a resource request without a namespace is about a cluster-scoped object. Kubernetes' own
 * kinds are known (CLUSTER_SCOPED). For an add-on's kind the verb decides: kube-apiserver serves a
 * CustomResourceDefinition's namespaced kind at the path without a namespace for list and watch only
 * (crdHandler's possiblyAcrossAllNamespacesVerbs; aggregated servers' installer registers only LIST
 * and WATCHLIST there), so any other verb there is about a cluster-scoped object or is refused.
 * Reading such a write as "every namespace" made a ClusterIssuer or a Kyverno ClusterPolicy match
 * every namespace rule, stepgate's own included, and the step-up named the wrong reason. A built-in
 * kind missing from the table still reads as every namespace: stricter, never looser.
 */
function objectIsClusterScoped(i: NonNullable<RequestAttributes['kube']>): boolean {
  if (i.namespace !== '') return false;
  if (isClusterScoped(i.apiGroup, i.resource)) return true;
  return isCustomGroup(i.apiGroup) && i.verb !== 'list' && i.verb !== 'watch';
}


/**
 * OpenShift's requests that are served by an add-on's API group but are no add-on's object, so that
 * `match.kubernetes.custom` (the example's cluster-add-on-objects) does not read them as one: a
 * ProjectRequest is a Namespace created from the cluster's project template with the requester as
 * its admin (`oc new-project`, every developer's, as `kubectl create namespace` is), and the
 * reviews are questions that store nothing (`oc adm policy who-can`, the SCC reviews), as
 * Kubernetes' own access reviews are.
 */
const NOT_ADD_ON_OBJECTS: ReadonlySet<string> = new Set([
  'project.openshift.io/projectrequests',
  'authorization.openshift.io/subjectaccessreviews',
  'authorization.openshift.io/resourceaccessreviews',
  'authorization.openshift.io/selfsubjectrulesreviews',
  'authorization.openshift.io/subjectrulesreviews',
  'authorization.openshift.io/localsubjectaccessreviews',
  'authorization.openshift.io/localresourceaccessreviews',
  'security.openshift.io/podsecuritypolicyreviews',
  'security.openshift.io/podsecuritypolicyselfsubjectreviews',
  'security.openshift.io/podsecuritypolicysubjectreviews',
]);

/** Whether stepgate knows `group/resource` to be cluster-scoped; unknown resources count as namespaced. */
export function isClusterScoped(apiGroup: string, resource: string): boolean {
  return CLUSTER_SCOPED.has(`${apiGroup}/${resource}`);
}

const CLUSTER_SCOPED = new Set([
  '/namespaces',
  '/nodes',
  '/persistentvolumes',
  '/componentstatuses',
  'rbac.authorization.k8s.io/clusterroles',
  'rbac.authorization.k8s.io/clusterrolebindings',
  'apiextensions.k8s.io/customresourcedefinitions',
  'storage.k8s.io/storageclasses',
  'storage.k8s.io/csidrivers',
  'storage.k8s.io/csinodes',
  'storage.k8s.io/volumeattachments',
  'admissionregistration.k8s.io/validatingwebhookconfigurations',
  'admissionregistration.k8s.io/mutatingwebhookconfigurations',
  'admissionregistration.k8s.io/validatingadmissionpolicies',
  'admissionregistration.k8s.io/validatingadmissionpolicybindings',
  'apiregistration.k8s.io/apiservices',
  'scheduling.k8s.io/priorityclasses',
  'node.k8s.io/runtimeclasses',
  'certificates.k8s.io/certificatesigningrequests',
  'networking.k8s.io/ingressclasses',
  'flowcontrol.apiserver.k8s.io/flowschemas',
  'flowcontrol.apiserver.k8s.io/prioritylevelconfigurations',
  // The reviews are questions, not objects: a create that stores nothing and reaches no namespace
  // (`kubectl auth can-i`, `kubectl auth whoami`), so a namespace rule (production writes) must not
  // read them as writes everywhere.
  'authorization.k8s.io/selfsubjectaccessreviews',
  'authorization.k8s.io/selfsubjectrulesreviews',
  'authorization.k8s.io/subjectaccessreviews',
  'authentication.k8s.io/tokenreviews',
  'authentication.k8s.io/selfsubjectreviews',
  'certificates.k8s.io/clustertrustbundles',
  'networking.k8s.io/ipaddresses',
  'networking.k8s.io/servicecidrs',
  'resource.k8s.io/deviceclasses',
  'resource.k8s.io/resourceslices',
  'storage.k8s.io/volumeattributesclasses',
  'admissionregistration.k8s.io/mutatingadmissionpolicies',
  'admissionregistration.k8s.io/mutatingadmissionpolicybindings',
  'internal.apiserver.k8s.io/storageversions',
  'storagemigration.k8s.io/storageversionmigrations',
  'metrics.k8s.io/nodes',
]);
